//! Staff acts, the same for every front end. The HTTP API, the staff group and the command
//! line each parse their input into an [`Action`], call [`perform`], and render what comes
//! back: a [`Done`], or a [`Refusal`] with one stable code (the API's error code; the chat
//! shows the message [`Refusal::message_id`] names). The role and scope rules, the audit entry
//! and the notices an act queues are decided here, once.
//!
//! Every staff act is here: moving a request (asking for documents among the moves),
//! scheduling, changing and cancelling maintenance, declaring and resolving an outage,
//! declaring a closure day, answering or closing a complaint, re-binding an applicant to a new
//! chat, drafting, confirming and cancelling a broadcast, and keeping the staff roster (adding
//! and disabling members, issuing and revoking their API tokens).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::access::{self, Act, Denied, Item};
use crate::app::Application;
use crate::broadcast::{self, BroadcastError, Target};
use crate::conversation::messages as m;
use crate::deadlines;
use crate::domain::{Role, TrackingCode};
use crate::i18n::{Arg, Msg};
use crate::maintenance::{self, MaintenanceError};
use crate::office::{self, Closure, ClosureError};
use crate::outage::{self, OutageError, Reach};
use crate::store::broadcasts::Broadcast;
use crate::store::complaints::StaffView;
use crate::store::maintenance::{Plan, Window};
use crate::store::outages::Outage;
use crate::store::staff::StaffMember;
use crate::store::{Tx, applicants, audit, document_deadlines, requests, staff};
use crate::workflow::{self, Applied, ComplaintError, Move, MoveError, TRANSITION_NOT_ALLOWED};

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
    /// Move a request to another stage its workflow allows; the applicant is told.
    Move(Move<'a>),
    /// Ask the applicant for documents: the move from the request's stage to the one where the
    /// applicant sends them, with `note` saying what is missing.
    RequestDocuments {
        code: TrackingCode,
        note: &'a str,
        /// A deadline in office days, counted from when the request is deemed served.
        deadline_office_days: Option<u16>,
    },
    /// Give the applicant `office_days` more for the documents asked of them.
    ExtendDocumentsDeadline {
        code: TrackingCode,
        office_days: u16,
    },
    /// Declare an outage of `service` (every service when `None`); its applicants are told.
    DeclareOutage {
        service: Option<&'a str>,
        reason: &'a str,
    },
    /// Resolve an outage, staff's or a probe's; its recovery is announced.
    ResolveOutage {
        id: i64,
    },
    /// Schedule a maintenance window; its audience is told at once and reminded before it.
    ScheduleMaintenance(Plan<'a>),
    /// Move a window or change its reason; announced as a change.
    ChangeMaintenance {
        id: i64,
        plan: Plan<'a>,
    },
    CancelMaintenance {
        id: i64,
    },
    /// Move an applicant who lost access to a new chat (platform, chat id), with their
    /// requests; `reason` says how their identity was checked and is kept sealed in the audit.
    Rebind {
        from: (&'a str, i64),
        to: (&'a str, i64),
        reason: &'a str,
    },
    /// Draft a notice to many: nothing is sent until it is confirmed.
    DraftBroadcast {
        target: Target<'a>,
        text: &'a str,
    },
    /// Queue a draft's notices.
    ConfirmBroadcast {
        id: i64,
    },
    /// Drop a draft, or stop a broadcast being sent (what is not yet sent is skipped).
    CancelBroadcast {
        id: i64,
    },
    /// Add a member of staff; `services` limits them to those (every service when `None`).
    AddStaff {
        name: &'a str,
        role: Role,
        services: Option<&'a [String]>,
        telegram_user_id: Option<i64>,
    },
    /// Disable a member: their tokens are revoked and their console sessions ended.
    DisableStaff {
        staff_id: i64,
    },
    /// Issue an API token for a member; it is shown once and kept only hashed.
    IssueToken {
        staff_id: i64,
    },
    RevokeToken {
        token_id: i64,
    },
}

/// What an act did.
#[derive(Debug, Clone)]
pub enum Done {
    ClosureDeclared(Closure),
    /// The complaint as it now is.
    Complaint(StaffView),
    Moved(Applied),
    /// The outage as it now is.
    Outage(Outage),
    /// The maintenance window as it now is.
    Maintenance(Window),
    /// How many requests moved to the new chat.
    Rebound {
        requests_moved: u64,
    },
    /// The documents' new deadline, a Tehran date.
    DeadlineExtended(chrono::NaiveDate),
    StaffAdded(StaffMember),
    StaffDisabled,
    /// A new token: its id, and the token itself, which is not kept.
    TokenIssued {
        id: i64,
        token: String,
    },
    TokenRevoked,
    /// The broadcast as it now is, and how many it concerns: once confirmed, the notices
    /// queued; once cancelled, those skipped.
    Broadcast {
        broadcast: Broadcast,
        count: u64,
    },
    /// A draft, and how many it would reach now.
    Drafted {
        broadcast: Broadcast,
        reach: broadcast::Reach,
    },
}

impl Done {
    /// The closure day a `DeclareClosure` declared.
    pub fn closure(self) -> anyhow::Result<Closure> {
        match self {
            Self::ClosureDeclared(closure) => Ok(closure),
            other => anyhow::bail!("expected a closure day, the act did {other:?}"),
        }
    }

    /// The move a `Move` or `RequestDocuments` made.
    pub fn moved(self) -> anyhow::Result<Applied> {
        match self {
            Self::Moved(applied) => Ok(applied),
            other => anyhow::bail!("expected a move, the act did {other:?}"),
        }
    }

    /// The outage an outage act declared or resolved.
    pub fn outage(self) -> anyhow::Result<Outage> {
        match self {
            Self::Outage(outage) => Ok(outage),
            other => anyhow::bail!("expected an outage, the act did {other:?}"),
        }
    }

    /// The window a maintenance act scheduled, changed or cancelled.
    pub fn maintenance(self) -> anyhow::Result<Window> {
        match self {
            Self::Maintenance(window) => Ok(window),
            other => anyhow::bail!("expected a maintenance window, the act did {other:?}"),
        }
    }

    /// How many requests a `Rebind` moved.
    pub fn rebound(self) -> anyhow::Result<u64> {
        match self {
            Self::Rebound { requests_moved } => Ok(requests_moved),
            other => anyhow::bail!("expected a re-binding, the act did {other:?}"),
        }
    }

    /// The draft a `DraftBroadcast` made, and its reach.
    pub fn drafted(self) -> anyhow::Result<(Broadcast, broadcast::Reach)> {
        match self {
            Self::Drafted { broadcast, reach } => Ok((broadcast, reach)),
            other => anyhow::bail!("expected a draft, the act did {other:?}"),
        }
    }

    /// The broadcast a broadcast act confirmed or cancelled, and its count.
    pub fn broadcast(self) -> anyhow::Result<(Broadcast, u64)> {
        match self {
            Self::Broadcast { broadcast, count } => Ok((broadcast, count)),
            other => anyhow::bail!("expected a broadcast, the act did {other:?}"),
        }
    }

    /// The new date an extension gave.
    pub fn deadline(self) -> anyhow::Result<chrono::NaiveDate> {
        match self {
            Self::DeadlineExtended(day) => Ok(day),
            other => anyhow::bail!("expected a deadline, the act did {other:?}"),
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
    /// The act does not fit the item as it is now (a move its stage does not offer, or the
    /// request moved on since the member saw it).
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        message_id: &'static str,
        detail: String,
    },
    /// Tracking codes a broadcast was to go to that name nothing: the chat says how many.
    #[error("{count} of the tracking codes name no request or complaint")]
    UnknownCodes { count: usize },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Refusal {
    /// The stable code front ends answer with.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Hidden => "not_found",
            Self::Forbidden => "forbidden",
            Self::Invalid { code, .. } | Self::Conflict { code, .. } => code,
            Self::UnknownCodes { .. } => INVALID_BROADCAST,
            Self::Unexpected(_) => "internal",
        }
    }

    /// The message the chat shows for it; `None` for an unexpected failure, which the chat
    /// reports as an error of its own.
    pub fn message_id(&self) -> Option<&'static str> {
        match self {
            Self::Hidden | Self::Forbidden => Some(m::STAFF_FORBIDDEN),
            Self::Invalid { message_id, .. } | Self::Conflict { message_id, .. } => Some(message_id),
            Self::UnknownCodes { .. } => Some(m::STAFF_BROADCAST_UNKNOWN_CODES),
            Self::Unexpected(_) => None,
        }
    }

    /// The message the chat shows for it, with what it needs filled in; `None` as for
    /// [`Self::message_id`].
    pub fn message(&self) -> Option<Msg> {
        let message = Msg::new(self.message_id()?);
        Some(match self {
            Self::UnknownCodes { count } => message.arg("count", Arg::Number(*count as i64)),
            _ => message,
        })
    }
}

impl Refusal {
    fn invalid(code: &'static str, message_id: &'static str, detail: impl ToString) -> Self {
        Self::Invalid {
            code,
            message_id,
            detail: detail.to_string(),
        }
    }

    fn conflict(code: &'static str, message_id: &'static str, detail: impl ToString) -> Self {
        Self::Conflict {
            code,
            message_id,
            detail: detail.to_string(),
        }
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
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

/// The code of a deadline of no office days, or more than [`deadlines::MAX_OFFICE_DAYS`].
pub const INVALID_DEADLINE: &str = "invalid_deadline";
/// The code of an extension asked for a request with no deadline running.
pub const NO_DEADLINE: &str = "no_deadline";

/// The code of a broadcast that cannot be drafted (no text, too long, an unknown service or
/// tracking codes that name nothing).
pub const INVALID_BROADCAST: &str = "invalid_broadcast";
/// The code of a broadcast confirmed or cancelled already.
pub const BROADCAST_CLOSED: &str = "broadcast_closed";

/// A deadline's office days, if within what one may give.
fn valid_deadline(days: u16) -> Result<u16, Refusal> {
    if (1..=deadlines::MAX_OFFICE_DAYS).contains(&days) {
        Ok(days)
    } else {
        let detail = format!("a deadline is 1 to {} office days", deadlines::MAX_OFFICE_DAYS);
        Err(Refusal::invalid(INVALID_DEADLINE, m::STAFF_TEXT_INVALID, detail))
    }
}

impl From<BroadcastError> for Refusal {
    fn from(err: BroadcastError) -> Self {
        match err {
            BroadcastError::NotFound => Self::Hidden,
            BroadcastError::UnknownCodes(count) => Self::UnknownCodes { count },
            BroadcastError::UnknownService(_) | BroadcastError::NoCodes | BroadcastError::Body(_) => {
                Self::invalid(INVALID_BROADCAST, m::STAFF_BROADCAST_USAGE, err)
            }
            BroadcastError::Confirmed | BroadcastError::Cancelled => {
                Self::conflict(BROADCAST_CLOSED, m::STAFF_INVALID_BUTTON, err)
            }
            BroadcastError::Unexpected(err) => Self::Unexpected(err),
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
            ComplaintError::EmptyAnswer => Self::invalid(EMPTY_ANSWER, m::STAFF_NOTE_EMPTY, err),
            ComplaintError::BadAnswer(_) => Self::invalid(INVALID_ANSWER, m::STAFF_TEXT_INVALID, err),
            ComplaintError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

impl From<MoveError> for Refusal {
    fn from(err: MoveError) -> Self {
        let code = err.code();
        match err {
            // Out of the member's scope a request is not there: its code is never confirmed.
            MoveError::NotFound | MoveError::OutOfScope => Self::Hidden,
            MoveError::Forbidden => Self::Forbidden,
            MoveError::NotAllowed { .. } => Self::conflict(code, m::STAFF_NOT_ALLOWED, err),
            MoveError::StaleStage { .. } => Self::conflict(code, m::STAFF_STALE, err),
            MoveError::NoteRequired => Self::invalid(code, m::STAFF_NOTE_EMPTY, err),
            MoveError::BadNote(_) => Self::invalid(code, m::STAFF_TEXT_INVALID, err),
            MoveError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// The code of an outage that cannot be declared (an unknown service, a bad reason).
pub const INVALID_OUTAGE: &str = "invalid_outage";
/// The code of an outage resolved already.
pub const OUTAGE_RESOLVED: &str = "outage_resolved";

impl From<OutageError> for Refusal {
    fn from(err: OutageError) -> Self {
        match err {
            OutageError::NotFound => Self::Hidden,
            OutageError::UnknownService(_) => Self::invalid(INVALID_OUTAGE, m::STAFF_MAINTENANCE_UNKNOWN_SERVICE, err),
            OutageError::Reason(_) => Self::invalid(INVALID_OUTAGE, m::STAFF_TEXT_INVALID, err),
            OutageError::Resolved => Self::conflict(OUTAGE_RESOLVED, m::STAFF_STALE, err),
            OutageError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// The code of a window that cannot be planned as given.
pub const INVALID_WINDOW: &str = "invalid_window";
/// The code of a window cancelled or over.
pub const WINDOW_CLOSED: &str = "window_closed";

impl From<MaintenanceError> for Refusal {
    fn from(err: MaintenanceError) -> Self {
        let invalid = |message_id, err| Self::invalid(INVALID_WINDOW, message_id, err);
        match err {
            MaintenanceError::NotFound => Self::Hidden,
            MaintenanceError::UnknownService(_) => invalid(m::STAFF_MAINTENANCE_UNKNOWN_SERVICE, err),
            MaintenanceError::EndsBeforeStart => invalid(m::STAFF_MAINTENANCE_ENDS_BEFORE_START, err),
            MaintenanceError::StartsInPast => invalid(m::STAFF_MAINTENANCE_STARTS_IN_PAST, err),
            MaintenanceError::TooFarAhead => invalid(m::STAFF_MAINTENANCE_TOO_FAR_AHEAD, err),
            MaintenanceError::Reason(_) => invalid(m::STAFF_MAINTENANCE_REASON, err),
            MaintenanceError::Cancelled | MaintenanceError::Ended => {
                Self::conflict(WINDOW_CLOSED, m::STAFF_MAINTENANCE_CLOSED, err)
            }
            MaintenanceError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// The code of a member who cannot be added as given (name, role or services).
pub const INVALID_STAFF: &str = "invalid_staff";
/// The code of a name or Telegram id another member has.
pub const STAFF_TAKEN: &str = "staff_taken";
/// The longest name of a member.
pub const MAX_STAFF_NAME: usize = 64;

/// The longest account of how an applicant's identity was checked.
pub const MAX_REBIND_REASON: usize = 500;
/// The code of a re-binding without a printable account of the identity check.
pub const INVALID_REASON: &str = "invalid_reason";

/// The request `code` names, if `actor` may see it; one they may not see is not there.
async fn seen_request(tx: &mut Tx<'_>, actor: Actor<'_>, code: TrackingCode) -> Result<requests::RequestRow, Refusal> {
    let row = requests::find_by_code(tx, code).await?.ok_or(Refusal::Hidden)?;
    actor.may(
        Act::See,
        Item::Request {
            service: &row.service_id,
        },
    )?;
    Ok(row)
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
        Action::Move(mv) => {
            let member = actor.member()?;
            let applied = workflow::apply(tx, app.catalog(), app.vault(), workflow::Actor::Staff(member), mv).await?;
            Ok(Done::Moved(applied))
        }
        Action::RequestDocuments {
            code,
            note,
            deadline_office_days,
        } => {
            let member = actor.member()?;
            let days = deadline_office_days.map(valid_deadline).transpose()?;
            let row = seen_request(tx, actor, code).await?;
            let target = app
                .catalog()
                .get(&row.service_id)
                .and_then(|service| service.document_request(&row.stage))
                .ok_or_else(|| {
                    let detail = format!("documents cannot be requested at stage `{}`", row.stage);
                    Refusal::conflict(TRANSITION_NOT_ALLOWED, m::STAFF_NOT_ALLOWED, detail)
                })?;
            let mv = Move {
                code,
                to: &target.to,
                // Read without a lock: the move refuses if the request has moved on since.
                expected_from: Some(&row.stage),
                note: Some(note),
            };
            let applied = workflow::apply(tx, app.catalog(), app.vault(), workflow::Actor::Staff(member), mv).await?;
            if let Some(days) = days {
                document_deadlines::insert(tx, applied.event_id, applied.request_id, i32::from(days)).await?;
            }
            Ok(Done::Moved(applied))
        }
        Action::ExtendDocumentsDeadline { code, office_days } => {
            let member = actor.member()?;
            let days = valid_deadline(office_days)?;
            let row = seen_request(tx, actor, code).await?;
            // Deadlines are the reviewers' to give, as the documents are theirs to ask for.
            if !member.acts_as(&[Role::Reviewer]) {
                return Err(Refusal::Forbidden);
            }
            let due_on = deadlines::extend(tx, app, row.id, days, now).await?.ok_or_else(|| {
                Refusal::conflict(NO_DEADLINE, m::STAFF_NOT_ALLOWED, "the request has no deadline running")
            })?;
            let detail = json!({ "office_days": days, "due_on": due_on });
            audit::record(
                tx,
                &actor.audit_name(),
                "request.deadline_extended",
                &requests::subject(row.id),
                detail,
            )
            .await?;
            Ok(Done::DeadlineExtended(due_on))
        }
        Action::DeclareOutage { service, reason } => {
            actor.may(Act::Operate, Item::Operations)?;
            let reach = Reach::of(app.config());
            let declared = outage::declare(tx, app.catalog(), service, reason, &actor.audit_name(), now, reach).await?;
            Ok(Done::Outage(declared))
        }
        Action::ResolveOutage { id } => {
            actor.may(Act::Operate, Item::Operations)?;
            let resolved = outage::resolve(tx, id, &actor.audit_name(), now, Reach::of(app.config())).await?;
            Ok(Done::Outage(resolved))
        }
        Action::ScheduleMaintenance(plan) => {
            actor.may(Act::Operate, Item::Operations)?;
            let window = maintenance::schedule(tx, app.catalog(), &plan, &actor.audit_name(), now).await?;
            Ok(Done::Maintenance(window))
        }
        Action::ChangeMaintenance { id, plan } => {
            actor.may(Act::Operate, Item::Operations)?;
            let window = maintenance::change(tx, app.catalog(), id, &plan, &actor.audit_name(), now).await?;
            Ok(Done::Maintenance(window))
        }
        Action::CancelMaintenance { id } => {
            actor.may(Act::Operate, Item::Operations)?;
            let window = maintenance::cancel(tx, id, &actor.audit_name(), now).await?;
            Ok(Done::Maintenance(window))
        }
        Action::Rebind { from, to, reason } => {
            actor.may(Act::Operate, Item::Operations)?;
            let reason = crate::domain::text::visible_within(reason, MAX_REBIND_REASON).map_err(|err| {
                let detail = format!("say how the applicant's identity was checked (reason): {err}");
                Refusal::invalid(INVALID_REASON, m::STAFF_TEXT_INVALID, detail)
            })?;
            let (old, new, moved) = applicants::rebind(tx, from, to).await?.ok_or(Refusal::Hidden)?;
            // How the identity was checked may quote the applicant's documents: it is the
            // entry's sealed note, not part of its detail.
            let detail = json!({ "to_applicant": new.0, "requests": moved });
            let subject = format!("applicant:{}", old.0);
            let by = actor.audit_name();
            let entry = (by.as_str(), "applicant.rebind", subject.as_str());
            audit::record_with_note(tx, app.vault(), entry, detail, reason).await?;
            Ok(Done::Rebound { requests_moved: moved })
        }
        Action::DraftBroadcast { target, text } => {
            actor.may(Act::Operate, Item::Operations)?;
            let (broadcast, reach) = broadcast::draft(tx, app.catalog(), target, text, &actor.audit_name()).await?;
            Ok(Done::Drafted { broadcast, reach })
        }
        Action::ConfirmBroadcast { id } => {
            actor.may(Act::Operate, Item::Operations)?;
            let (broadcast, queued) = broadcast::confirm(tx, id, &actor.audit_name()).await?;
            Ok(Done::Broadcast {
                broadcast,
                count: queued,
            })
        }
        Action::CancelBroadcast { id } => {
            actor.may(Act::Operate, Item::Operations)?;
            let (broadcast, skipped) = broadcast::cancel(tx, id, &actor.audit_name()).await?;
            Ok(Done::Broadcast {
                broadcast,
                count: skipped,
            })
        }
        Action::AddStaff {
            name,
            role,
            services,
            telegram_user_id,
        } => {
            actor.may(Act::Administer, Item::Roster)?;
            let invalid = |detail: String| Refusal::invalid(INVALID_STAFF, m::STAFF_ROSTER_INVALID, detail);
            let name = crate::domain::text::visible_within(name.trim(), MAX_STAFF_NAME)
                .map_err(|err| invalid(format!("name: {err}")))?;
            if role == Role::Applicant {
                return Err(invalid("the role must be reviewer, operator or admin".into()));
            }
            if let Some(unknown) = services
                .iter()
                .flat_map(|s| s.iter())
                .find(|s| app.catalog().get(s).is_none())
            {
                return Err(invalid(format!("no service `{unknown}` in the catalog")));
            }
            if services.is_some_and(<[String]>::is_empty) {
                return Err(invalid("give at least one service, or none for every service".into()));
            }
            let taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM staff WHERE name = $1 OR telegram_user_id = $2)")
                    .bind(name)
                    .bind(telegram_user_id)
                    .fetch_one(&mut **tx)
                    .await?;
            if taken {
                let detail = "another member has this name or Telegram id";
                return Err(Refusal::conflict(STAFF_TAKEN, m::STAFF_NAME_TAKEN, detail));
            }
            let member = staff::add(&mut **tx, name, role, services, telegram_user_id).await?;
            let detail = json!({ "name": member.name, "role": role.as_str(), "services": services });
            audit::record(tx, &actor.audit_name(), "staff.add", &member.actor(), detail).await?;
            Ok(Done::StaffAdded(member))
        }
        Action::DisableStaff { staff_id } => {
            actor.may(Act::Administer, Item::Roster)?;
            if !staff::disable(tx, staff_id).await? {
                return Err(Refusal::Hidden);
            }
            let subject = format!("staff:{staff_id}");
            audit::record(tx, &actor.audit_name(), "staff.disable", &subject, json!({})).await?;
            Ok(Done::StaffDisabled)
        }
        Action::IssueToken { staff_id } => {
            actor.may(Act::Administer, Item::Roster)?;
            if staff::by_id(tx, staff_id).await?.is_none() {
                return Err(Refusal::Hidden);
            }
            let (id, token) = staff::issue_token(&mut **tx, staff_id).await?;
            let subject = format!("staff:{staff_id}");
            audit::record(
                tx,
                &actor.audit_name(),
                "staff.token-issued",
                &subject,
                json!({ "token_id": id }),
            )
            .await?;
            Ok(Done::TokenIssued { id, token })
        }
        Action::RevokeToken { token_id } => {
            actor.may(Act::Administer, Item::Roster)?;
            let owner = staff::token_owner(tx, token_id).await?.ok_or(Refusal::Hidden)?;
            if !staff::revoke_token(&mut **tx, token_id).await? {
                return Err(Refusal::Hidden);
            }
            let subject = format!("staff:{owner}");
            audit::record(
                tx,
                &actor.audit_name(),
                "staff.token-revoked",
                &subject,
                json!({ "token_id": token_id }),
            )
            .await?;
            Ok(Done::TokenRevoked)
        }
        Action::DeclareClosure { day, reason } => {
            actor.may(Act::Operate, Item::Operations)?;
            office::declare_closure(tx, app.catalog(), day, reason, &actor.audit_name(), now)
                .await
                .map(Done::ClosureDeclared)
                .map_err(|err| match err {
                    ClosureError::Unexpected(err) => Refusal::Unexpected(err),
                    invalid => Refusal::invalid(INVALID_CLOSURE, m::STAFF_CLOSURE_USAGE, invalid),
                })
        }
    }
}
