//! Moving requests through their service's workflow. A move is checked against the declared
//! transitions, the actor's role and scope, and the note rule; the stage change, its history
//! event, the audit entry and the applicant's notice commit together.

use serde_json::json;

use super::Actor;
use crate::conversation::messages as m;
use crate::domain::service::stage_name_id;
use crate::domain::text::{TextError, visible_within};
use crate::domain::{Catalog, Role, Service, TrackingCode, Transition};
use crate::i18n::{Arg, Msg};
use crate::notify::kind::{NoticeKind, dedup};
use crate::staff::access::{self, Act, Denied, Item};
use crate::store::applicants::ApplicantId;
use crate::store::outbox::{self, NewNotice};
use crate::store::staff::StaffMember;
use crate::store::{Tx, audit, requests};
use crate::vault::Vault;

/// A move to make: to which stage, from which (when the caller saw one), and why.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub code: TrackingCode,
    pub to: &'a str,
    /// The stage the actor saw; the move is refused if the request has moved on since.
    pub expected_from: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// A move that was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub request_id: i64,
    pub service: String,
    pub from: String,
    pub to: String,
    pub event_id: i64,
    pub notified: bool,
}

/// Why a move was refused; each has a stable code for the API.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error("no request has that tracking code")]
    NotFound,
    #[error("the workflow has no move from `{from}` to `{to}`")]
    NotAllowed { from: String, to: String },
    #[error("the request is at `{actual}` now, not `{expected}`")]
    StaleStage { expected: String, actual: String },
    #[error("this role may not make that move")]
    Forbidden,
    #[error("this staff member does not handle that service")]
    OutOfScope,
    #[error("this move needs a note")]
    NoteRequired,
    #[error("the note: {0}")]
    BadNote(TextError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The code of a move the request's stage does not offer.
pub const TRANSITION_NOT_ALLOWED: &str = "transition_not_allowed";
/// The code of a move from a stage the request has left since.
pub const STALE_STAGE: &str = "stale_stage";
/// The code of a note that cannot be shown as written.
pub const INVALID_NOTE: &str = "invalid_note";

impl MoveError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::NotAllowed { .. } => TRANSITION_NOT_ALLOWED,
            Self::StaleStage { .. } => STALE_STAGE,
            Self::Forbidden => "forbidden",
            Self::OutOfScope => "out_of_scope",
            Self::NoteRequired => "note_required",
            Self::BadNote(_) => INVALID_NOTE,
            Self::Unexpected(_) => "internal",
        }
    }
}

impl From<sqlx::Error> for MoveError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// The longest note kept; it reaches the applicant by chat and SMS.
pub const MAX_NOTE: usize = 1000;

/// Applies a move inside `tx`, locking the request so concurrent moves are serialised.
pub async fn apply(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    vault: &Vault,
    actor: Actor<'_>,
    mv: Move<'_>,
) -> Result<Applied, MoveError> {
    let row: Option<(i64, String, String, ApplicantId)> =
        sqlx::query_as("SELECT id, service_id, stage, applicant_id FROM requests WHERE code = $1 FOR UPDATE")
            .bind(mv.code.to_stored())
            .fetch_optional(&mut **tx)
            .await?;
    let (request_id, service_id, from, owner) = row.ok_or(MoveError::NotFound)?;
    // Out of the member's sight, the request is not there: nothing about it (not even its stage)
    // is told.
    if let Actor::Staff(member) = actor {
        access::decide(member, Act::See, Item::Request { service: &service_id }).map_err(MoveError::from)?;
    }
    if let Some(expected) = mv.expected_from
        && expected != from
    {
        return Err(MoveError::StaleStage {
            expected: expected.into(),
            actual: from,
        });
    }
    let service = catalog.get(&service_id).ok_or(MoveError::NotAllowed {
        from: from.clone(),
        to: mv.to.into(),
    })?;
    let transition = service.transition(&from, mv.to).ok_or(MoveError::NotAllowed {
        from: from.clone(),
        to: mv.to.into(),
    })?;
    match actor {
        Actor::Staff(member) => staff_may(member, &service_id, transition)?,
        Actor::Applicant(who) if who != owner || !transition.allows(Role::Applicant) => {
            return Err(MoveError::Forbidden);
        }
        Actor::Applicant(_) => {}
    }
    // A note is shown to the applicant as written: blank counts as none, and one that cannot
    // be shown as written (a control character, an open bidi override, too long) is refused.
    let note = match mv.note.map(|n| visible_within(n, MAX_NOTE)) {
        None | Some(Err(TextError::Blank)) => None,
        Some(Ok(note)) => Some(note),
        Some(Err(err)) => return Err(MoveError::BadNote(err)),
    };
    if transition.note_required && note.is_none() {
        return Err(MoveError::NoteRequired);
    }

    sqlx::query("UPDATE requests SET stage = $2, updated_at = now() WHERE id = $1")
        .bind(request_id)
        .bind(mv.to)
        .execute(&mut **tx)
        .await?;
    let event_id = requests::record_event(tx, vault, request_id, Some(&from), mv.to, &actor.name(), note).await?;
    audit::record(
        tx,
        &actor.name(),
        "request.transition",
        &requests::subject(request_id),
        json!({ "from": from, "to": mv.to, "event": event_id }),
    )
    .await?;
    if transition.notify {
        let decided = service.stage(mv.to).is_some_and(|s| s.public.is_decision());
        let notice = NewNotice {
            dedup_key: dedup::move_to_applicant(event_id),
            applicant: owner,
            // Decisions may take a different channel (SMS as well as chat by default).
            kind: if decided {
                NoticeKind::Decision
            } else {
                NoticeKind::StageChanged
            },
            message: stage_notice(mv.code, service, mv.to, note),
            subject: requests::subject(request_id),
        };
        outbox::enqueue(tx, vault, &notice).await?;
    }
    Ok(Applied {
        request_id,
        service: service_id,
        from,
        to: mv.to.into(),
        event_id,
        notified: transition.notify,
    })
}

/// Whether `member` may make `transition` on a request of `service`: the check `apply` makes,
/// for callers that refuse before asking the member for a note.
pub fn staff_may(member: &StaffMember, service: &str, transition: &Transition) -> Result<(), MoveError> {
    access::decide(member, Act::Move(transition), Item::Request { service }).map_err(MoveError::from)
}

impl From<Denied> for MoveError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Hidden => Self::OutOfScope,
            Denied::Forbidden => Self::Forbidden,
        }
    }
}

/// The applicant's notice of a new stage, with the staff note when there is one. A stage that
/// waits for the applicant (documents) says what is wanted and how to send it.
fn stage_notice(code: TrackingCode, service: &Service, stage: &str, note: Option<&str>) -> Msg {
    let waits_for_applicant = service.applicant_move(stage).is_some();
    let id = match (note, waits_for_applicant) {
        (Some(_), true) => m::NOTICE_DOCUMENTS_REQUESTED,
        (Some(_), false) => m::NOTICE_STAGE_CHANGED_WITH_NOTE,
        (None, _) => m::NOTICE_STAGE_CHANGED,
    };
    let msg = Msg::new(id)
        .arg("code", Arg::Code(code))
        .arg("service", Arg::Msg(format!("service-{}", service.id)))
        .arg("stage", Arg::Msg(stage_name_id(stage)));
    match note {
        Some(note) => msg.arg("note", Arg::Text(note.into())),
        None => msg,
    }
}
