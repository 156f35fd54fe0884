//! Broadcasts: a notice staff write to every applicant, to a service's, or to the owners of a
//! list of requests and complaints. Drafted first (the audience counted and the text shown as
//! applicants will read it), then confirmed, which queues it through the outbox, so the
//! dispatcher's rate limits and channel policy apply; progress is the count of its notices in
//! each state, and cancelling skips those still waiting.

use serde_json::json;

use crate::conversation::messages as m;
use crate::domain::text::{TextError, visible_within};
use crate::domain::{Catalog, TrackingCode, UnknownService};
use crate::i18n::{Arg, Msg};
use crate::notify::kind::NoticeKind;
use crate::store::broadcasts::{self, Broadcast};
use crate::store::subscriptions::{self, Audience};
use crate::store::{Tx, audit, outbox};

/// The kind of broadcast notices, for the channel policy in `[notices]`.
pub const KIND: NoticeKind = NoticeKind::Broadcast;

/// The longest text: a chat message, and a few SMS parts at most.
pub const MAX_BODY: usize = 1000;

/// Who a broadcast goes to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target<'a> {
    Everyone,
    Service(&'a str),
    /// The owners of these requests and complaints.
    Owners(&'a [TrackingCode]),
}

impl<'a> Target<'a> {
    /// The target a front end's fields name: `service`, or the owners of `codes` (an empty
    /// list is refused when drafted, never read as everyone), or everyone when neither is
    /// given; `None` when both are.
    pub fn named(service: Option<&'a str>, codes: Option<&'a [TrackingCode]>) -> Option<Self> {
        match (service, codes) {
            (None, None) => Some(Self::Everyone),
            (Some(service), None) => Some(Self::Service(service)),
            (None, Some(codes)) => Some(Self::Owners(codes)),
            (Some(_), Some(_)) => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error("no broadcast has that id")]
    NotFound,
    #[error(transparent)]
    UnknownService(#[from] UnknownService),
    #[error("{0} of the tracking codes name no request or complaint")]
    UnknownCodes(usize),
    #[error("give tracking codes, or leave the list out")]
    NoCodes,
    #[error("the text: {0}")]
    Body(TextError),
    #[error("the broadcast was confirmed already")]
    Confirmed,
    #[error("the broadcast was cancelled")]
    Cancelled,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for BroadcastError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// A broadcast's notices by state: its chat messages, one per applicant reached, and beside
/// them the SMS copies (for those who chose chat and SMS, and chats that fell back to SMS).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    #[serde(flatten)]
    pub chat: Counts,
    pub sms: Counts,
}

/// Notices of one channel by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub total: i64,
    pub waiting: i64,
    pub sent: i64,
    /// Not delivered: the bot was blocked, or every attempt failed.
    pub failed: i64,
    /// Skipped: cancelled before they were sent, or (SMS) the applicant's SMS was off by the
    /// time it was due.
    pub cancelled: i64,
}

impl Counts {
    fn add(&mut self, status: &str, count: i64) {
        self.total += count;
        match status {
            "pending" => self.waiting += count,
            "sent" | "delivered" => self.sent += count,
            "skipped" => self.cancelled += count,
            _ => self.failed += count,
        }
    }
}

/// The notice applicants receive.
pub fn message(broadcast: &Broadcast) -> Msg {
    Msg::new(m::NOTICE_BROADCAST).arg("text", Arg::Text(broadcast.body.clone()))
}

/// Drafts a broadcast; returns it with how many it would reach now.
pub async fn draft(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    target: Target<'_>,
    body: &str,
    actor: &str,
) -> Result<(Broadcast, Reach), BroadcastError> {
    let body = visible_within(body, MAX_BODY).map_err(BroadcastError::Body)?;
    let (service, codes) = match target {
        Target::Everyone => (None, None),
        Target::Service(service) => {
            catalog.check_scope(Some(service))?;
            (Some(service), None)
        }
        Target::Owners([]) => return Err(BroadcastError::NoCodes),
        Target::Owners(codes) => {
            let stored: Vec<i64> = codes.iter().map(|c| c.to_stored()).collect();
            let unknown = broadcasts::unknown_codes(tx, &stored).await?;
            if !unknown.is_empty() {
                return Err(BroadcastError::UnknownCodes(unknown.len()));
            }
            (None, Some(stored))
        }
    };
    let broadcast = broadcasts::create(tx, service, codes.as_deref(), body, actor).await?;
    let reach = reach(tx, &broadcast).await?;
    record(tx, actor, "broadcast.draft", &broadcast, reach.applicants as usize).await?;
    Ok((broadcast, reach))
}

/// Confirms a draft: one notice per recipient is queued; returns how many.
pub async fn confirm(tx: &mut Tx<'_>, id: i64, actor: &str) -> Result<(Broadcast, u64), BroadcastError> {
    let current = broadcasts::lock(tx, id).await?.ok_or(BroadcastError::NotFound)?;
    match State::of(&current) {
        State::Draft => {}
        State::Confirmed => return Err(BroadcastError::Confirmed),
        State::Cancelled => return Err(BroadcastError::Cancelled),
    }
    let broadcast = broadcasts::mark_confirmed(tx, id, actor).await?;
    let audience = recipients(tx, &broadcast).await?;
    let subject = subject(id);
    let message = message(&broadcast);
    let fanout = outbox::Fanout {
        event: &subject,
        kind: KIND,
        subject: &subject,
        message: &message,
    };
    let queued = outbox::announce(tx, fanout, &audience).await?;
    record(tx, actor, "broadcast.confirm", &broadcast, audience.chat.len()).await?;
    Ok((broadcast, queued))
}

/// Cancels a broadcast: a draft is never sent; a confirmed one stops, and the notices not yet
/// sent are skipped (those being sent at that moment still arrive). Returns how many were.
pub async fn cancel(tx: &mut Tx<'_>, id: i64, actor: &str) -> Result<(Broadcast, u64), BroadcastError> {
    let current = broadcasts::lock(tx, id).await?.ok_or(BroadcastError::NotFound)?;
    if State::of(&current) == State::Cancelled {
        return Err(BroadcastError::Cancelled);
    }
    let broadcast = broadcasts::mark_cancelled(tx, id, actor).await?;
    let skipped = outbox::skip_pending_about(tx, &subject(id), "the broadcast was cancelled").await?;
    record(tx, actor, "broadcast.cancel", &broadcast, skipped as usize).await?;
    Ok((broadcast, skipped))
}

/// How many applicants a broadcast reaches by chat if confirmed now. To everyone, above
/// [`crate::store::counts::EXACT_UP_TO`] applicants, it is the planner's estimate: counting
/// them read every applicant (80-100 ms at a million) each time a draft was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub applicants: u64,
    pub estimated: bool,
}

impl Reach {
    fn counted(applicants: usize) -> Self {
        Self {
            applicants: applicants as u64,
            estimated: false,
        }
    }

    /// The message with the reach in it: `recipients`, and `estimated` ("yes" or "no") for it
    /// to say "about".
    pub fn args(self, msg: Msg) -> Msg {
        let estimated = if self.estimated { "yes" } else { "no" };
        msg.arg("recipients", Arg::Number(self.applicants as i64))
            .arg("estimated", Arg::Text(estimated.into()))
    }
}

/// How many applicants the broadcast reaches by chat if confirmed now.
pub async fn reach(conn: &mut sqlx::PgConnection, broadcast: &Broadcast) -> sqlx::Result<Reach> {
    Ok(match (&broadcast.codes, &broadcast.service_id) {
        // A list typed by staff: its owners are few.
        (Some(codes), _) => Reach::counted(broadcasts::owners_of(conn, codes).await?.len()),
        (None, Some(service)) => Reach::counted(subscriptions::audience_size(conn, Some(service)).await? as usize),
        (None, None) => {
            let everyone = subscriptions::everyone_size(conn).await?;
            Reach {
                applicants: everyone.rows as u64,
                estimated: everyone.estimated,
            }
        }
    })
}

/// Where a broadcast stands. It only moves forward, so its order also versions the buttons
/// drawn on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Draft,
    Confirmed,
    Cancelled,
}

impl State {
    pub fn of(broadcast: &Broadcast) -> Self {
        match (broadcast.confirmed_at, broadcast.cancelled_at) {
            (_, Some(_)) => Self::Cancelled,
            (Some(_), None) => Self::Confirmed,
            (None, None) => Self::Draft,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
        }
    }

    /// The version of the buttons drawn in this state.
    pub fn version(self) -> i64 {
        self as i64
    }
}

/// Where the broadcast's notices stand; a draft has none, and is not asked.
pub async fn progress(conn: &mut sqlx::PgConnection, broadcast: &Broadcast) -> anyhow::Result<Progress> {
    let mut progress = Progress::default();
    if State::of(broadcast) == State::Draft {
        return Ok(progress);
    }
    for (channel, status, count) in broadcasts::progress(conn, &subject(broadcast.id)).await? {
        let counts = match channel.as_str() {
            "sms" => &mut progress.sms,
            _ => &mut progress.chat,
        };
        counts.add(&status, count);
    }
    Ok(progress)
}

async fn recipients(conn: &mut sqlx::PgConnection, broadcast: &Broadcast) -> sqlx::Result<Audience> {
    match &broadcast.codes {
        // Written to these applicants in particular: by chat, like a notice about their request.
        Some(codes) => Ok(Audience {
            chat: broadcasts::owners_of(conn, codes).await?,
            sms: Vec::new(),
        }),
        None => subscriptions::audience(conn, broadcast.service_id.as_deref()).await,
    }
}

pub fn subject(id: i64) -> String {
    format!("broadcast:{id}")
}

async fn record(tx: &mut Tx<'_>, actor: &str, action: &str, broadcast: &Broadcast, count: usize) -> anyhow::Result<()> {
    audit::record(
        tx,
        actor,
        action,
        &subject(broadcast.id),
        json!({ "service": broadcast.service_id, "codes": broadcast.codes.as_ref().map(Vec::len), "count": count }),
    )
    .await?;
    Ok(())
}
