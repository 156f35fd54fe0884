//! Staff acts, the same for every front end. The HTTP API, the staff group and the command
//! line each parse their input into an [`Action`], call [`perform`], and render what comes
//! back: a [`Done`], or a [`Refusal`] with one stable code (the API's error code; the chat
//! shows the message [`Refusal::message_id`] names). The role and scope rules, the audit entry
//! and the notices an act queues are decided here, once.
//!
//! Declaring a closure day and answering or closing a complaint are here; the other acts still
//! live in their front ends (issue 17 moves them).

use chrono::{DateTime, Utc};

use super::access::{self, Act, Denied, Item};
use crate::app::Application;
use crate::conversation::messages as m;
use crate::domain::TrackingCode;
use crate::office::{self, Closure, ClosureError};
use crate::store::Tx;
use crate::store::complaints::StaffView;
use crate::store::staff::StaffMember;
use crate::workflow::{self, ComplaintError};

/// Who acts.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A member of staff, through the API or the staff group: held to their role and scope.
    Member(&'a StaffMember),
    /// The operator at the service's command line, who holds its database and keys.
    CommandLine,
}

impl Actor<'_> {
    /// How the audit log names them.
    fn audit_name(&self) -> String {
        match self {
            Self::Member(member) => member.actor(),
            Self::CommandLine => "cli".to_owned(),
        }
    }

    /// The member acting; the command line has no complaint or request acts.
    fn member(&self) -> Result<&StaffMember, Refusal> {
        match self {
            Self::Member(member) => Ok(member),
            Self::CommandLine => Err(Refusal::Forbidden),
        }
    }

    fn may(&self, act: Act<'_>, item: Item<'_>) -> Result<(), Refusal> {
        match self {
            Self::Member(member) => access::decide(member, act, item).map_err(Refusal::from),
            Self::CommandLine => Ok(()),
        }
    }
}

/// A staff act.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// The office is closed on `day` (Solar Hijri, as staff write it) for `reason`.
    DeclareClosure {
        day: &'a str,
        reason: &'a str,
    },
    /// Answer a complaint; the applicant receives the answer.
    AnswerComplaint {
        code: TrackingCode,
        answer: &'a str,
    },
    CloseComplaint {
        code: TrackingCode,
    },
}

/// What an act did.
#[derive(Debug, Clone)]
pub enum Done {
    ClosureDeclared(Closure),
    /// The complaint as it now is.
    Complaint(StaffView),
}

impl Done {
    /// The closure day a `DeclareClosure` declared.
    pub fn closure(self) -> anyhow::Result<Closure> {
        match self {
            Self::ClosureDeclared(closure) => Ok(closure),
            other => anyhow::bail!("expected a closure day, the act did {other:?}"),
        }
    }

    /// The complaint a complaint act changed, as it now is.
    pub fn complaint(self) -> anyhow::Result<StaffView> {
        match self {
            Self::Complaint(row) => Ok(row),
            other => anyhow::bail!("expected a complaint, the act did {other:?}"),
        }
    }
}

/// Why an act was not done. Nothing it would have changed has changed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Outside what the member may see: reported as not there.
    #[error("not found")]
    Hidden,
    #[error("this role may not do that")]
    Forbidden,
    /// The input does not make a valid act: `code` names the rule for the API, `message_id`
    /// the chat's explanation (how to write the command).
    #[error("{detail}")]
    Invalid {
        code: &'static str,
        message_id: &'static str,
        detail: String,
    },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Refusal {
    /// The stable code front ends answer with.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Hidden => "not_found",
            Self::Forbidden => "forbidden",
            Self::Invalid { code, .. } => code,
            Self::Unexpected(_) => "internal",
        }
    }

    /// The message the chat shows for it; `None` for an unexpected failure, which the chat
    /// reports as an error of its own.
    pub fn message_id(&self) -> Option<&'static str> {
        match self {
            Self::Hidden | Self::Forbidden => Some(m::STAFF_FORBIDDEN),
            Self::Invalid { message_id, .. } => Some(message_id),
            Self::Unexpected(_) => None,
        }
    }
}

impl From<Denied> for Refusal {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Hidden => Self::Hidden,
            Denied::Forbidden => Self::Forbidden,
        }
    }
}

/// The code of a closure day that cannot be declared (not a date, out of range, no reason).
pub const INVALID_CLOSURE: &str = "invalid_closure";
/// The code of an answer with nothing visible in it.
pub const EMPTY_ANSWER: &str = "empty_answer";
/// The code of an answer too long or with characters that cannot be trusted.
pub const INVALID_ANSWER: &str = "invalid_answer";

impl From<ComplaintError> for Refusal {
    fn from(err: ComplaintError) -> Self {
        match err {
            ComplaintError::NotFound => Self::Hidden,
            ComplaintError::Forbidden => Self::Forbidden,
            ComplaintError::EmptyAnswer => Self::Invalid {
                code: EMPTY_ANSWER,
                message_id: m::STAFF_NOTE_EMPTY,
                detail: err.to_string(),
            },
            ComplaintError::BadAnswer(_) => Self::Invalid {
                code: INVALID_ANSWER,
                message_id: m::STAFF_TEXT_INVALID,
                detail: err.to_string(),
            },
            ComplaintError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// Does `action` as `actor`, in `tx`, at `now`.
pub async fn perform(
    tx: &mut Tx<'_>,
    app: &Application,
    actor: Actor<'_>,
    action: Action<'_>,
    now: DateTime<Utc>,
) -> Result<Done, Refusal> {
    match action {
        Action::AnswerComplaint { code, answer } => {
            let member = actor.member()?;
            let row = workflow::answer_complaint(tx, app.vault(), member, code, answer).await?;
            Ok(Done::Complaint(row))
        }
        Action::CloseComplaint { code } => {
            let member = actor.member()?;
            let row = workflow::close_complaint(tx, app.vault(), member, code).await?;
            Ok(Done::Complaint(row))
        }
        Action::DeclareClosure { day, reason } => {
            actor.may(Act::Operate, Item::Operations)?;
            office::declare_closure(tx, app.catalog(), day, reason, &actor.audit_name(), now)
                .await
                .map(Done::ClosureDeclared)
                .map_err(|err| match err {
                    ClosureError::Unexpected(err) => Refusal::Unexpected(err),
                    invalid => Refusal::Invalid {
                        code: INVALID_CLOSURE,
                        message_id: m::STAFF_CLOSURE_USAGE,
                        detail: invalid.to_string(),
                    },
                })
        }
    }
}
