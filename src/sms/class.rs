//! What an SMS is, for the line it goes from. Iran's operators filter advertising lines for
//! numbers on their blacklist, while a service line reaches every number but may carry only
//! what concerns the recipient's own dealings; codes may have a line of their own. A provider's
//! `lines` table gives a line per class; a class it does not name goes from the provider's
//! default line.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::notify::kind::NoticeKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageClass {
    /// About the applicant's own request or complaint: decisions, requests for documents,
    /// answers, reminders.
    Service,
    /// A one-time code confirming a number.
    Otp,
    /// To many: broadcasts, planned maintenance, outages.
    Informational,
}

impl MessageClass {
    /// The class of a notice of `kind` (as stored).
    pub fn of_kind(kind: &str) -> Self {
        match NoticeKind::parse(kind) {
            Some(NoticeKind::Otp) => Self::Otp,
            Some(kind) if kind.is_announcement() => Self::Informational,
            _ => Self::Service,
        }
    }
}

/// A line per message class, from a provider's configuration.
pub type Lines<T> = BTreeMap<MessageClass, T>;

/// The line an SMS of `class` goes from: its own, or the default.
pub fn line_for<'a, T>(lines: &'a Lines<T>, default: Option<&'a T>, class: MessageClass) -> Option<&'a T> {
    lines.get(&class).or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_fall_into_classes_and_a_class_without_a_line_takes_the_default() {
        assert_eq!(MessageClass::of_kind("otp"), MessageClass::Otp);
        assert_eq!(MessageClass::of_kind("broadcast"), MessageClass::Informational);
        assert_eq!(MessageClass::of_kind("outage"), MessageClass::Informational);
        assert_eq!(MessageClass::of_kind("decision"), MessageClass::Service);
        assert_eq!(MessageClass::of_kind("something-new"), MessageClass::Service);
        let lines = Lines::from([(MessageClass::Otp, "2000")]);
        assert_eq!(line_for(&lines, Some(&"1000"), MessageClass::Otp), Some(&"2000"));
        assert_eq!(line_for(&lines, Some(&"1000"), MessageClass::Service), Some(&"1000"));
        assert_eq!(line_for(&lines, None, MessageClass::Informational), None);
    }
}
