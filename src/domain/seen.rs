//! "I have seen it", pressed under a notice that asks something of the applicant by a date
//! (documents due): their own word that this very message reached them, kept in its evidence.

/// The data of the button under notice `notice` (its outbox id): `seen:4711`.
pub fn button_data(notice: i64) -> String {
    format!("seen:{notice}")
}

/// Reads what [`button_data`] wrote; `None` for any other data.
pub fn parse_button_data(data: &str) -> Option<i64> {
    data.strip_prefix("seen:")?.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_round_trips_and_refuses_anything_else() {
        for notice in [1, 9_000_000_000_000_000_000] {
            let data = button_data(notice);
            assert!(data.len() <= 64, "Telegram's limit on callback data: {data}");
            assert_eq!(parse_button_data(&data), Some(notice));
        }
        for bad in [
            "seen:-1",
            "seen:0",
            "seen:request:12",
            "rate:request:12:3",
            "seen:x",
            "seen:",
        ] {
            assert_eq!(parse_button_data(bad), None, "{bad}");
        }
    }
}
