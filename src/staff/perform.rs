//! Staff acts, the same for every front end. The HTTP API, the staff group and the command
//! line each parse their input into an [`Action`], call [`perform`], and render what comes
//! back: a [`Done`], or a [`Refusal`] with one stable code (the API's error code; the chat
//! shows the message [`Refusal::message_id`] names). The role and scope rules, the audit entry
//! and the notices an act queues are decided here, once.
//!
//! Declaring a closure day is the first act here; the others still live in their front ends
//! (issue 17 moves them).

use chrono::{DateTime, Utc};

use super::access::{self, Act, Denied, Item};
use crate::conversation::messages as m;
use crate::domain::Catalog;
use crate::office::{self, Closure, ClosureError};
use crate::store::Tx;
use crate::store::staff::StaffMember;

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
    DeclareClosure { day: &'a str, reason: &'a str },
}

/// What an act did.
#[derive(Debug, Clone)]
pub enum Done {
    ClosureDeclared(Closure),
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

/// Does `action` as `actor`, in `tx`, at `now`.
pub async fn perform(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    actor: Actor<'_>,
    action: Action<'_>,
    now: DateTime<Utc>,
) -> Result<Done, Refusal> {
    match action {
        Action::DeclareClosure { day, reason } => {
            actor.may(Act::Operate, Item::Operations)?;
            office::declare_closure(tx, catalog, day, reason, &actor.audit_name(), now)
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
