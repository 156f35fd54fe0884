//! What each notice is, and the key that makes it once: named here, in one place, rather than
//! as strings spelt wherever a notice is queued. A kind is stored in `notifications.kind` and
//! named in `bot.toml` (`[notices.kinds]`, `confirm_kinds`, `[sms] urgent_kinds`), where an
//! unknown one now stops the start instead of silently matching nothing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// A request moved to a stage that is not a decision.
    StageChanged,
    /// A request completed or rejected.
    Decision,
    ComplaintAnswered,
    /// The documents asked for are due on a date; also its extension.
    DocumentsDeadline,
    /// The office day before the documents are due.
    DocumentsReminder,
    Broadcast,
    Outage,
    /// Planned maintenance: announced, changed, cancelled, reminded, started, ended.
    Maintenance,
    /// A closure day declared at short notice.
    Closure,
    /// A one-time code confirming a typed mobile number.
    Otp,
    /// Staff: a request past its stage's target, and the daily digest.
    Sla,
    /// Staff: a new request, documents received, an applicant's withdrawal or edit.
    StaffPost,
    /// Staff: an SMS provider's credit ran low.
    SmsCredit,
    /// Staff: a notice no channel could deliver.
    Undelivered,
}

impl NoticeKind {
    pub const ALL: [Self; 14] = [
        Self::StageChanged,
        Self::Decision,
        Self::ComplaintAnswered,
        Self::DocumentsDeadline,
        Self::DocumentsReminder,
        Self::Broadcast,
        Self::Outage,
        Self::Maintenance,
        Self::Closure,
        Self::Otp,
        Self::Sla,
        Self::StaffPost,
        Self::SmsCredit,
        Self::Undelivered,
    ];

    /// As stored and as written in `bot.toml`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::StageChanged => "stage-changed",
            Self::Decision => "decision",
            Self::ComplaintAnswered => "complaint-answered",
            Self::DocumentsDeadline => "documents-deadline",
            Self::DocumentsReminder => "documents-reminder",
            Self::Broadcast => "broadcast",
            Self::Outage => "outage",
            Self::Maintenance => "maintenance",
            Self::Closure => "closure",
            Self::Otp => "otp",
            Self::Sla => "sla",
            Self::StaffPost => "staff-post",
            Self::SmsCredit => "sms-credit",
            Self::Undelivered => "undelivered",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Announcements to many, which give way to every other notice in the send budget.
    pub fn is_announcement(self) -> bool {
        matches!(self, Self::Broadcast | Self::Maintenance | Self::Outage)
    }
}

impl std::fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The keys that make each notice once: a notice queued again under its key is the same
/// notice (`ON CONFLICT DO NOTHING`), whoever queues it and however often.
pub mod dedup {
    use super::NaiveDate;

    /// The applicant's notice of a move of their request.
    pub fn move_to_applicant(event_id: i64) -> String {
        format!("request-event:{event_id}:applicant:chat")
    }

    /// Staff's post that a request sat past its stage's target, once per stay.
    pub fn overdue_to_staff(event_id: i64) -> String {
        format!("request-event:{event_id}:staff:overdue")
    }

    /// The applicant's notice of an answer to their complaint (one per answer given).
    pub fn complaint_answer(complaint_id: i64, audit_id: i64) -> String {
        format!("complaint:{complaint_id}:answer:{audit_id}:applicant:chat")
    }

    /// The applicant's notice of their documents' deadline: set, reminded or extended, to a date.
    pub fn documents_deadline(event_id: i64, what: &str, due_on: NaiveDate) -> String {
        format!("documents-deadline:{event_id}:{what}:{due_on}:applicant:chat")
    }

    /// The staff digest of a day.
    pub fn digest(day: NaiveDate) -> String {
        format!("digest:{day}")
    }

    /// Staff's post that a notice could not be delivered.
    pub fn undelivered(notice_id: i64) -> String {
        format!("undelivered:{notice_id}")
    }

    /// Staff's post that a provider's credit is low, once a day.
    pub fn low_credit(provider: &str, day: NaiveDate) -> String {
        format!("sms-low-credit:{provider}:{day}")
    }

    /// The SMS of a one-time code.
    pub fn phone_challenge(challenge: i64) -> String {
        format!("phone-challenge:{challenge}:sms")
    }

    /// Staff's copy of an announcement keyed `key`.
    pub fn staff_copy(key: &str) -> String {
        format!("{key}:staff")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_back_as_itself_and_is_written_as_stored() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
            let written = toml::Value::try_from(std::collections::BTreeMap::from([("k", kind)])).unwrap();
            assert_eq!(written["k"].as_str(), Some(kind.as_str()));
        }
        assert_eq!(NoticeKind::parse("decisions"), None);
    }

    #[test]
    fn a_misspelt_kind_in_the_configuration_is_refused() {
        let parsed = toml::from_str::<crate::sms::config::NoticesConfig>("confirm_kinds = [\"decisions\"]");
        let error = parsed.unwrap_err().to_string();
        assert!(error.contains("decisions"), "{error}");
        let parsed = toml::from_str::<crate::sms::config::NoticesConfig>("[kinds]\ndecision = \"sms\"").unwrap();
        assert_eq!(parsed.policy("decision"), crate::sms::config::ChannelPolicy::Sms);
        assert_eq!(parsed.policy("stage-changed"), parsed.default);
    }
}
