//! The dialogue as a pure state machine: one step maps (dialogue, input, context) to
//! (dialogue, replies, effects). No I/O, no channel types; adapters and the app do the rest.

mod form;
mod io;
pub mod key;
mod machine;
pub mod messages;
mod outcome;
mod prompt;
mod state;
mod status;

use crate::domain::subscription::Channels;
use crate::domain::{Catalog, DocumentRef, PhoneNumber, TrackingCode};
use crate::i18n::{I18n, Locale};

pub use form::{Answers, summary_lines, summary_lines_with, value_arg};
pub use io::{Choice, Input, Reply};
pub use machine::{MAX_COMPLAINT_CHARS, RESUME_AFTER, field_error, step};
pub use outcome::{ComplaintView, NoticeSeen, NoticeState, NoticeWay, Outcome, RequestView, outcome_replies, settle};
pub use prompt::prompt;
pub use state::{Dialogue, State};
pub use status::{Fault, Maintenance, ServiceStatus};

/// Read-only facts a step may consult.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub i18n: &'a I18n,
    /// The applicant's own requests, newest first, for picking what a complaint is about.
    pub my_requests: &'a [OwnedRequest],
    /// Whether SMS notices are on, and to which number.
    pub sms: &'a SmsView,
    /// Faults and maintenance, now and ahead.
    pub status: &'a ServiceStatus,
    /// What announcements the applicant chose to receive.
    pub announcements: &'a AnnouncementsView,
    /// The day in Tehran, for dates typed into forms.
    pub today: chrono::NaiveDate,
    /// This moment, for how long the applicant has been away.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The applicant's announcement settings as the dialogue shows them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnnouncementsView {
    /// Every announcement turned off.
    pub muted: bool,
    /// Each service in the catalog's order, with how the applicant hears about it.
    pub services: Vec<(String, Channels)>,
}

/// The applicant's SMS notices as the dialogue shows them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmsView {
    pub active: bool,
    /// The number they go to, masked to its last four digits.
    pub masked_mobile: Option<String>,
}

/// A request the applicant owns, as the complaint flow lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedRequest {
    pub code: TrackingCode,
    pub service: String,
    pub stage: String,
}

impl Context<'_> {
    /// The applicant's requests they may still withdraw (staff have not acted on them).
    pub fn withdrawable(&self) -> Vec<&OwnedRequest> {
        self.requests_with(crate::domain::Service::withdrawal)
    }

    /// The applicant's requests whose stage waits for something from them (documents).
    pub fn awaiting_applicant(&self) -> Vec<&OwnedRequest> {
        self.requests_with(crate::domain::Service::applicant_move)
    }

    /// The applicant's requests from whose stage their service offers the move `pick` finds.
    fn requests_with(
        &self,
        pick: for<'s> fn(&'s crate::domain::Service, &str) -> Option<&'s crate::domain::Transition>,
    ) -> Vec<&OwnedRequest> {
        self.my_requests
            .iter()
            .filter(|r| {
                self.catalog
                    .get(&r.service)
                    .is_some_and(|s| pick(s, &r.stage).is_some())
            })
            .collect()
    }
}

/// Something the step asks the outside world to do; its result is shown before the prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    SubmitRequest {
        service: String,
        answers: Answers,
    },
    FileComplaint {
        about: Option<TrackingCode>,
        body: String,
    },
    LookUp(TrackingCode),
    ListMine,
    /// The applicant opens a submitted request's answers to edit them.
    StartEdit {
        code: TrackingCode,
    },
    /// The applicant's edited answers replace the request's; staff have not acted on it yet.
    EditRequest {
        code: TrackingCode,
        answers: Answers,
    },
    /// A score for a decision or a complaint's answer.
    Rate {
        subject: crate::domain::rating::RatingSubject,
        score: crate::domain::rating::Score,
    },
    /// "I have seen it" pressed under a notice (its outbox id).
    Seen {
        notice: i64,
    },
    /// A comment on the score just given.
    CommentRating {
        subject: crate::domain::rating::RatingSubject,
        comment: String,
    },
    /// The applicant withdraws their request; staff have not acted on it yet.
    WithdrawRequest {
        code: TrackingCode,
    },
    /// Documents sent for a request that asked for them; moves it on.
    SupplyDocuments {
        code: TrackingCode,
        documents: Vec<DocumentRef>,
    },
    /// Turns SMS on for a number the messenger vouches for (the applicant's own contact).
    SmsOn {
        phone: PhoneNumber,
    },
    /// Texts a one-time code to a typed number.
    SendPhoneCode {
        phone: PhoneNumber,
    },
    /// Checks a typed code; a right one turns SMS on for that number.
    CheckPhoneCode {
        phone: PhoneNumber,
        code: String,
    },
    SmsOff,
    /// How to hear about one service's announcements.
    Subscribe {
        service: String,
        channels: Channels,
    },
    /// Turns every announcement off (true) or back on.
    MuteAnnouncements(bool),
}

impl Effect {
    /// Whether running it changes the applicant's requests (and so what the next prompt offers).
    pub fn changes_requests(&self) -> bool {
        matches!(
            self,
            Self::SubmitRequest { .. } | Self::SupplyDocuments { .. } | Self::WithdrawRequest { .. }
        )
    }

    /// Whether running it changes the applicant's settings, SMS or announcements (and so what
    /// the prompt shows).
    pub fn changes_settings(&self) -> bool {
        matches!(
            self,
            Self::SmsOn { .. }
                | Self::CheckPhoneCode { .. }
                | Self::SmsOff
                | Self::Subscribe { .. }
                | Self::MuteAnnouncements(_)
        )
    }
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub dialogue: Dialogue,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
}

impl Step {
    pub fn locale(&self) -> Locale {
        self.dialogue.locale
    }
}

#[cfg(test)]
mod tests;
