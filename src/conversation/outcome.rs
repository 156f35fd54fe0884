//! What the applicant is shown once an effect has run: a new code, a lookup, their list.

use chrono::{DateTime, Utc};

use crate::domain::{Catalog, PublicStatus, TrackingCode};
use crate::i18n::{Arg, Msg};

use super::form::{self, Answers};
use super::io::Reply;
use super::messages as m;
use super::state::State;

/// A request as lookups and lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestView {
    pub code: TrackingCode,
    pub service: String,
    pub stage: String,
    pub public: PublicStatus,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Stage changes, oldest first.
    pub history: Vec<(DateTime<Utc>, String)>,
    /// The staff's note on the move into the current stage (a rejection's reason, the documents
    /// asked for): shown to the owner, who may have missed the notice.
    pub note: Option<String>,
    /// What became of the latest notice to the owner on each way it took: evidence that the
    /// outcome was sent, and whether it arrived.
    pub notices: Vec<NoticeSeen>,
    /// The last office day for the documents asked of the owner, while they are awaited.
    pub documents_due: Option<chrono::NaiveDate>,
    pub answers: Answers,
}

/// The latest notice to the owner on one way (chat, SMS, Bale by phone number), as they see it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeSeen {
    pub way: NoticeWay,
    pub state: NoticeState,
    /// When it reached that state (delivered, sent, or queued).
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeWay {
    Chat,
    Sms,
    /// A Bale message to the phone number (Safir).
    Bale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeState {
    Pending,
    Sent,
    Delivered,
    /// The operator reported it undelivered, or it could not be sent.
    Failed,
    /// The applicant has blocked the bot.
    Blocked,
}

impl NoticeWay {
    fn message_id(self) -> &'static str {
        match self {
            Self::Chat => m::NOTICE_BY_CHAT,
            Self::Sms => m::NOTICE_BY_SMS,
            Self::Bale => m::NOTICE_BY_BALE,
        }
    }
}

impl NoticeState {
    fn message_id(self) -> &'static str {
        match self {
            Self::Pending => m::NOTICE_PENDING,
            Self::Sent => m::NOTICE_SENT,
            Self::Delivered => m::NOTICE_DELIVERED,
            Self::Failed => m::NOTICE_FAILED,
            Self::Blocked => m::NOTICE_BLOCKED,
        }
    }
}

/// A complaint as lookups and lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintView {
    pub code: TrackingCode,
    /// `open`, `answered` or `closed`.
    pub status: String,
    pub filed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What running an effect produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Submitted {
        code: TrackingCode,
        service: String,
    },
    ComplaintFiled {
        code: TrackingCode,
    },
    /// `owner` is true when the code belongs to the asking chat: only then are details shown.
    FoundRequest {
        view: RequestView,
        owner: bool,
    },
    FoundComplaint(ComplaintView),
    NotFound,
    /// Requested documents were recorded and the request moved back to review.
    DocumentsSent {
        code: TrackingCode,
    },
    /// The request no longer waits for documents; nothing was recorded.
    DocumentsTooLate,
    /// The request was withdrawn.
    Withdrawn {
        code: TrackingCode,
    },
    /// Staff acted on the request first: it can no longer be withdrawn.
    WithdrawTooLate,
    /// A request's answers, opened for editing.
    Editing {
        code: TrackingCode,
        service: String,
        answers: Answers,
    },
    /// The edited answers replaced the request's; `changed` is false when they were the same.
    Edited {
        code: TrackingCode,
        changed: bool,
    },
    /// Staff acted on the request first: it can no longer be edited.
    EditTooLate,
    /// The score was recorded.
    Rated {
        subject: crate::domain::rating::RatingSubject,
    },
    /// Nothing to rate: not the applicant's, or not decided (answered) yet.
    NotRateable,
    /// The comment was added to the rating.
    RatingCommented,
    /// "I have seen it" was recorded; or not, the notice not being one sent to them.
    Seen {
        yours: bool,
    },
    /// The applicant's own requests and complaints, newest first.
    Mine {
        requests: Vec<RequestView>,
        complaints: Vec<ComplaintView>,
    },
    /// SMS is now on for this number (last four digits).
    SmsOn {
        masked_mobile: String,
    },
    /// SMS is off; `was_on` tells whether this changed anything.
    SmsOff {
        was_on: bool,
    },
    CodeSent {
        masked_mobile: String,
    },
    CodeCooldown {
        wait_secs: i64,
    },
    CodeTooMany,
    CodeWrong {
        tries_left: i32,
    },
    /// The code is spent (too many wrong tries), expired, or there is none waiting.
    CodeLocked,
    CodeExpired,
    /// A service's announcements now come this way; `sms_active` tells whether SMS can reach them.
    Subscribed {
        service: String,
        channels: crate::domain::subscription::Channels,
        sms_active: bool,
    },
    /// Every announcement is off (true) or back on.
    Muted(bool),
}

/// Where the dialogue goes once an effect's outcome is known, when the step could not know it:
/// out of the code question once the code is right or spent, back to the number when no code
/// was sent.
pub fn settle(state: &State, outcome: &Outcome) -> Option<State> {
    match (state, outcome) {
        (State::EnteringPhoneCode { .. }, Outcome::SmsOn { .. }) => Some(State::Menu),
        (State::EnteringPhoneCode { .. }, Outcome::CodeLocked | Outcome::CodeExpired) => Some(State::SmsSettings),
        (State::EnteringPhoneCode { .. }, Outcome::CodeTooMany) => Some(State::SmsSettings),
        (_, Outcome::Editing { code, service, answers }) => Some(State::Confirming {
            service: service.clone(),
            answers: answers.clone(),
            editing: Some(*code),
        }),
        (State::ChoosingEdit, Outcome::EditTooLate) => Some(State::Menu),
        // A comment is asked for only when it would interrupt nothing.
        (state, Outcome::Rated { subject }) if !state.is_unfinished() => Some(State::Commenting { subject: *subject }),
        _ => None,
    }
}

/// The message that reports an outcome.
pub fn outcome_replies(outcome: &Outcome, catalog: &Catalog) -> Reply {
    match outcome {
        Outcome::Submitted { code, service } => Reply::text(
            Msg::new(m::SUBMITTED)
                .arg("code", Arg::Code(*code))
                .arg("service", Arg::Msg(format!("service-{service}"))),
        ),
        Outcome::ComplaintFiled { code } => Reply::text(Msg::new(m::COMPLAINT_FILED).arg("code", Arg::Code(*code))),
        Outcome::FoundRequest { view, owner: false } => Reply::text(
            Msg::new(m::LOOKUP_PUBLIC)
                .arg("service", Arg::Msg(format!("service-{}", view.service)))
                .arg("status", Arg::Msg(view.public.message_id().into()))
                .arg("updated", Arg::Date(view.updated_at.date_naive())),
        ),
        Outcome::FoundRequest { view, owner: true } => owner_view(view, catalog),
        Outcome::FoundComplaint(view) => Reply::text(complaint_line(m::LOOKUP_COMPLAINT, view)),
        Outcome::NotFound => Reply::text(Msg::new(m::LOOKUP_NOT_FOUND)),
        Outcome::DocumentsSent { code } => Reply::text(Msg::new(m::SUPPLEMENT_SENT).arg("code", Arg::Code(*code))),
        Outcome::DocumentsTooLate => Reply::text(Msg::new(m::SUPPLEMENT_TOO_LATE)),
        Outcome::Withdrawn { code } => Reply::text(Msg::new(m::WITHDRAWN).arg("code", Arg::Code(*code))),
        Outcome::WithdrawTooLate => Reply::text(Msg::new(m::WITHDRAW_TOO_LATE)),
        // The form itself comes as the prompt of the state the outcome settles in.
        Outcome::Editing { .. } => Reply::default(),
        Outcome::Edited { code, changed: true } => Reply::text(Msg::new(m::EDITED).arg("code", Arg::Code(*code))),
        Outcome::Edited { code, changed: false } => {
            Reply::text(Msg::new(m::EDIT_UNCHANGED).arg("code", Arg::Code(*code)))
        }
        Outcome::EditTooLate => Reply::text(Msg::new(m::EDIT_TOO_LATE)),
        Outcome::Rated { .. } => Reply::text(Msg::new(m::RATE_THANKS)),
        Outcome::NotRateable => Reply::text(Msg::new(m::RATE_NOT_YOURS)),
        Outcome::RatingCommented => Reply::text(Msg::new(m::RATE_COMMENT_THANKS)),
        Outcome::Seen { yours: true } => Reply::text(Msg::new(m::SEEN_THANKS)),
        Outcome::Seen { yours: false } => Reply::text(Msg::new(m::SEEN_NOT_YOURS)),
        Outcome::Mine { requests, complaints } if requests.is_empty() && complaints.is_empty() => {
            Reply::text(Msg::new(m::MINE_EMPTY))
        }
        Outcome::Mine { requests, complaints } => mine(requests, complaints),
        Outcome::SmsOn { masked_mobile } => {
            Reply::text(Msg::new(m::SMS_ON).arg("mobile", Arg::Digits(masked_mobile.clone())))
        }
        Outcome::SmsOff { was_on: true } => Reply::text(Msg::new(m::SMS_OFF)),
        Outcome::SmsOff { was_on: false } => Reply::text(Msg::new(m::SMS_WAS_OFF)),
        Outcome::CodeSent { masked_mobile } => {
            Reply::text(Msg::new(m::SMS_CODE_SENT).arg("mobile", Arg::Digits(masked_mobile.clone())))
        }
        Outcome::CodeCooldown { wait_secs } => {
            Reply::text(Msg::new(m::SMS_CODE_COOLDOWN).arg("seconds", Arg::Number(*wait_secs)))
        }
        Outcome::CodeTooMany => Reply::text(Msg::new(m::SMS_CODE_TOO_MANY)),
        Outcome::CodeWrong { tries_left } => {
            Reply::text(Msg::new(m::SMS_CODE_WRONG).arg("left", Arg::Number(i64::from(*tries_left))))
        }
        Outcome::CodeLocked => Reply::text(Msg::new(m::SMS_CODE_LOCKED)),
        Outcome::CodeExpired => Reply::text(Msg::new(m::SMS_CODE_EXPIRED)),
        Outcome::Subscribed {
            service,
            channels,
            sms_active,
        } => {
            let saved = Msg::new(m::ANNOUNCEMENTS_SAVED)
                .arg("service", Arg::Msg(format!("service-{service}")))
                .arg("setting", Arg::Msg(channels.message_id().into()));
            let mut lines = vec![saved];
            if *channels == crate::domain::subscription::Channels::ChatSms && !sms_active {
                lines.push(Msg::new(m::ANNOUNCEMENTS_SMS_OFF));
            }
            Reply {
                lines,
                ..Reply::default()
            }
        }
        Outcome::Muted(true) => Reply::text(Msg::new(m::ANNOUNCEMENTS_MUTED)),
        Outcome::Muted(false) => Reply::text(Msg::new(m::ANNOUNCEMENTS_UNMUTED)),
    }
}

fn owner_view(view: &RequestView, catalog: &Catalog) -> Reply {
    let mut reply = Reply::text(
        Msg::new(m::LOOKUP_OWNER)
            .arg("code", Arg::Code(view.code))
            .arg("service", Arg::Msg(format!("service-{}", view.service)))
            .arg("stage", Arg::Msg(crate::domain::service::stage_name_id(&view.stage)))
            .arg("status", Arg::Msg(view.public.message_id().into()))
            .arg("submitted", Arg::Time(view.submitted_at))
            .arg("updated", Arg::Time(view.updated_at)),
    );
    if let Some(note) = &view.note {
        reply = reply.line(Msg::new(m::LOOKUP_NOTE).arg("note", Arg::Text(note.clone())));
    }
    if let Some(due) = view.documents_due {
        reply = reply.line(Msg::new(m::LOOKUP_DOCUMENTS_DUE).arg("date", Arg::Date(due)));
    }
    if !view.notices.is_empty() {
        reply = reply.line(Msg::new(m::LOOKUP_NOTICES));
        for seen in &view.notices {
            reply = reply.line(
                Msg::new(m::LOOKUP_NOTICE_LINE)
                    .arg("way", Arg::Msg(seen.way.message_id().into()))
                    .arg("state", Arg::Msg(seen.state.message_id().into()))
                    .arg("at", Arg::Time(seen.at)),
            );
        }
    }
    for (at, stage) in &view.history {
        reply = reply.line(
            Msg::new(m::HISTORY_LINE)
                .arg("at", Arg::Time(*at))
                .arg("stage", Arg::Msg(crate::domain::service::stage_name_id(stage))),
        );
    }
    if let Some(service) = catalog.get(&view.service) {
        reply.lines.extend(form::summary_lines(service, &view.answers));
    }
    reply
}

fn mine(requests: &[RequestView], complaints: &[ComplaintView]) -> Reply {
    let mut reply = Reply::default();
    if !requests.is_empty() {
        reply = reply.line(Msg::new(m::MINE_REQUESTS));
        for r in requests {
            reply = reply.line(
                Msg::new(m::MINE_REQUEST_LINE)
                    .arg("code", Arg::Code(r.code))
                    .arg("service", Arg::Msg(format!("service-{}", r.service)))
                    .arg("status", Arg::Msg(r.public.message_id().into()))
                    .arg("updated", Arg::Date(r.updated_at.date_naive())),
            );
        }
    }
    if !complaints.is_empty() {
        reply = reply.line(Msg::new(m::MINE_COMPLAINTS));
        for c in complaints {
            reply = reply.line(complaint_line(m::MINE_COMPLAINT_LINE, c));
        }
    }
    reply
}

fn complaint_line(id: &str, view: &ComplaintView) -> Msg {
    let status = match view.status.as_str() {
        "answered" => m::COMPLAINT_ANSWERED,
        "closed" => m::COMPLAINT_CLOSED,
        _ => m::COMPLAINT_OPEN,
    };
    Msg::new(id)
        .arg("code", Arg::Code(view.code))
        .arg("status", Arg::Msg(status.into()))
        .arg("updated", Arg::Date(view.updated_at.date_naive()))
}
