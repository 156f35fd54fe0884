//! The limits on what one chat, and everyone together, may ask of the bot in a minute, counted
//! in the input's own transaction so that every instance counts against the same limits.

use crate::config::LimitsConfig;
use crate::conversation::Reply;
use crate::conversation::messages as m;
use crate::i18n::{Arg, Msg};
use crate::store::Tx;
use crate::store::applicants::ApplicantId;
use crate::store::rates::{self, Counted, Scope};

/// The running totals the limits keep for `/metrics`.
pub const THROTTLED_MESSAGES: &str = "throttled_messages";
pub const THROTTLED_LOOKUPS: &str = "throttled_lookups";
pub const PAUSED_LOOKUPS: &str = "paused_lookups";
pub const FAILED_LOOKUPS: &str = "failed_lookups";

/// Whether an input is taken.
pub enum Admission {
    Admitted,
    /// Not taken; the reply says why, or is absent when the chat was told already this minute.
    Refused(Option<Reply>),
}

/// Counts a message from the chat. Past its limit the step is not taken: the first message
/// past it is told so, and the rest of the minute passes unanswered, so that a flood costs
/// one short transaction a message and draws no flood of answers.
pub async fn admit_message(tx: &mut Tx<'_>, limits: &LimitsConfig, applicant: ApplicantId) -> sqlx::Result<Admission> {
    let limit = limits.messages_per_minute;
    if limit == 0 {
        return Ok(Admission::Admitted);
    }
    let count = rates::count(tx, Scope::Chat(applicant), Counted::Message).await?;
    if count <= limit as i32 {
        return Ok(Admission::Admitted);
    }
    rates::tally(tx, THROTTLED_MESSAGES).await?;
    tracing::info!("a chat went past its messages a minute; answered once, then ignored");
    let first_past = count == limit as i32 + 1;
    Ok(Admission::Refused(
        first_past.then(|| Reply::text(Msg::new(m::THROTTLED_MESSAGES))),
    ))
}

/// Counts a lookup by the chat; the reply that refuses it when the chat is past its limit, or
/// lookups are paused for everyone (too many codes that name nothing this minute).
pub async fn admit_lookup(
    tx: &mut Tx<'_>,
    limits: &LimitsConfig,
    applicant: ApplicantId,
) -> sqlx::Result<Option<Reply>> {
    let ceiling = limits.failed_lookups_per_minute;
    if ceiling > 0 && rates::current(tx, Scope::All, Counted::FailedLookup).await? >= ceiling as i32 {
        rates::tally(tx, PAUSED_LOOKUPS).await?;
        return Ok(Some(Reply::text(Msg::new(m::LOOKUPS_PAUSED))));
    }
    let limit = limits.lookups_per_minute;
    if limit == 0 {
        return Ok(None);
    }
    if rates::count(tx, Scope::Chat(applicant), Counted::Lookup).await? > limit as i32 {
        rates::tally(tx, THROTTLED_LOOKUPS).await?;
        let msg = Msg::new(m::THROTTLED_LOOKUPS).arg("limit", Arg::Number(i64::from(limit)));
        return Ok(Some(Reply::text(msg)));
    }
    Ok(None)
}

/// A lookup found nothing: counted against the ceiling for everyone, and in the total.
pub async fn failed_lookup(tx: &mut Tx<'_>) -> sqlx::Result<()> {
    rates::count(tx, Scope::All, Counted::FailedLookup).await?;
    rates::tally(tx, FAILED_LOOKUPS).await
}
