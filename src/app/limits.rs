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

/// Counts a message from each chat (one statement for a batch of chats, which must differ).
/// Past its limit a chat's step is not taken: the first message past it is told so, and the
/// rest of the minute passes unanswered, so that a flood costs little and draws no flood of
/// answers.
pub async fn admit_messages(
    tx: &mut Tx<'_>,
    limits: &LimitsConfig,
    applicants: &[ApplicantId],
) -> sqlx::Result<Vec<Admission>> {
    let limit = limits.messages_per_minute;
    if limit == 0 {
        return Ok(applicants.iter().map(|_| Admission::Admitted).collect());
    }
    let scopes: Vec<Scope> = applicants.iter().map(|a| Scope::Chat(*a)).collect();
    let counts = rates::count_each(tx, &scopes, Counted::Message).await?;
    let admissions: Vec<Admission> = counts
        .into_iter()
        .map(|count| {
            if count <= limit as i32 {
                return Admission::Admitted;
            }
            let first_past = count == limit as i32 + 1;
            Admission::Refused(first_past.then(|| Reply::text(Msg::new(m::THROTTLED_MESSAGES))))
        })
        .collect();
    let refused = admissions.iter().filter(|a| matches!(a, Admission::Refused(_))).count();
    if refused > 0 {
        rates::tally_by(tx, THROTTLED_MESSAGES, refused as i64).await?;
        tracing::info!(
            chats = refused,
            "chats went past their messages a minute; answered once, then ignored"
        );
    }
    Ok(admissions)
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
