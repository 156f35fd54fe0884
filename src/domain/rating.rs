//! An applicant's satisfaction with what they were given: a score from 1 to 5 for a request's
//! decision or a complaint's answer, pressed on the notice that told them.

use std::fmt;

/// What a rating is about, named as the audit log and the outbox name it (`request:12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "of", content = "id", rename_all = "kebab-case")]
pub enum RatingSubject {
    Request(i64),
    Complaint(i64),
}

impl RatingSubject {
    /// `request:12` or `complaint:5`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, id) = text.split_once(':')?;
        let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
        match kind {
            "request" => Some(Self::Request(id)),
            "complaint" => Some(Self::Complaint(id)),
            _ => None,
        }
    }
}

impl fmt::Display for RatingSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request(id) => write!(f, "request:{id}"),
            Self::Complaint(id) => write!(f, "complaint:{id}"),
        }
    }
}

/// A score from 1 (very poor) to 5 (very good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

impl Score {
    pub const ALL: [Score; 5] = [Score(1), Score(2), Score(3), Score(4), Score(5)];

    pub fn new(value: u8) -> Option<Self> {
        (1..=5).contains(&value).then_some(Self(value))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Score {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, String> {
        Self::new(value).ok_or_else(|| format!("a score is 1 to 5, not {value}"))
    }
}

impl From<Score> for u8 {
    fn from(score: Score) -> u8 {
        score.0
    }
}

/// The data of the button that gives `score` to `subject`: `rate:request:12:5`.
pub fn button_data(subject: RatingSubject, score: Score) -> String {
    format!("rate:{subject}:{}", score.get())
}

/// Reads what [`button_data`] wrote; `None` for any other data.
pub fn parse_button_data(data: &str) -> Option<(RatingSubject, Score)> {
    let rest = data.strip_prefix("rate:")?;
    let (subject, score) = rest.rsplit_once(':')?;
    Some((RatingSubject::parse(subject)?, Score::new(score.parse().ok()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_round_trips_and_refuses_anything_else() {
        for subject in [RatingSubject::Request(12), RatingSubject::Complaint(9_000_000_000)] {
            for score in Score::ALL {
                let data = button_data(subject, score);
                assert!(data.len() <= 64, "Telegram's limit on callback data: {data}");
                assert_eq!(parse_button_data(&data), Some((subject, score)));
            }
        }
        for bad in [
            "rate:request:12:0",
            "rate:request:12:6",
            "rate:request:-1:3",
            "rate:notice:3:3",
            "rate:request:12",
            "7:rate:request:12:3",
            "rate:request:x:3",
        ] {
            assert_eq!(parse_button_data(bad), None, "{bad}");
        }
    }
}
