//! Free text staff write for applicants to read (a reason, a notice).

/// `text` trimmed, when it keeps 1 to `max` characters.
pub fn trimmed_within(text: &str, max: usize) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty() && text.chars().count() <= max).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::trimmed_within;

    #[test]
    fn blank_and_overlong_text_is_refused_and_the_rest_trimmed() {
        assert_eq!(trimmed_within("  ارتقا \n", 5), Some("ارتقا"));
        assert_eq!(trimmed_within(" \t ", 5), None);
        assert_eq!(trimmed_within("ارتقای", 5), None);
    }
}
