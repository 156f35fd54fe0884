//! Counts of what chats ask of the bot in the current minute, for the limits on one chat and
//! on everyone; kept in the database so that every instance counts against the same limit.

use super::Tx;
use super::applicants::ApplicantId;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Any message or button press from a chat.
    Message,
    /// A lookup by tracking code.
    Lookup,
    /// A lookup of a code that names nothing, counted over every chat.
    FailedLookup,
}

impl Counted {
    fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Lookup => "lookup",
            Self::FailedLookup => "failed-lookup",
        }
    }
}

/// Whose count: one chat's, or everyone's.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Chat(ApplicantId),
    All,
}

impl Scope {
    fn key(self) -> String {
        match self {
            Self::Chat(applicant) => format!("chat:{}", applicant.0),
            Self::All => "all".to_owned(),
        }
    }
}

/// Counts one more in this minute and returns the minute's count so far, this one included.
pub async fn count(tx: &mut Tx<'_>, scope: Scope, what: Counted) -> sqlx::Result<i32> {
    Ok(count_each(tx, &[scope], what).await?.pop().unwrap_or(1))
}

/// Counts one more for each scope in one statement (the steps of a batch of chats), returning
/// each scope's count in the order given. The scopes must differ: one row is counted once.
/// Rows are written in the order of their keys, so that two batches never wait on each other
/// in a circle.
pub async fn count_each(tx: &mut Tx<'_>, scopes: &[Scope], what: Counted) -> sqlx::Result<Vec<i32>> {
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = scopes.iter().map(|s| s.key()).collect();
    let counted: Vec<(String, i32)> = sqlx::query_as(
        "INSERT INTO chat_rates AS r (scope, what, window_start, count)
         SELECT k, $2, date_trunc('minute', now()), 1 FROM unnest($1::text[]) AS k ORDER BY k
         ON CONFLICT (scope, what) DO UPDATE SET
             count = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.count + 1 ELSE 1 END,
             window_start = EXCLUDED.window_start
         RETURNING scope, count",
    )
    .bind(&keys)
    .bind(what.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let counted: std::collections::HashMap<String, i32> = counted.into_iter().collect();
    Ok(keys.iter().map(|k| counted.get(k).copied().unwrap_or(1)).collect())
}

/// This minute's count so far, without counting.
pub async fn current(tx: &mut Tx<'_>, scope: Scope, what: Counted) -> sqlx::Result<i32> {
    let count: Option<i32> = sqlx::query_scalar(
        "SELECT count FROM chat_rates
         WHERE scope = $1 AND what = $2 AND window_start = date_trunc('minute', now())",
    )
    .bind(scope.key())
    .bind(what.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(count.unwrap_or(0))
}

/// Forgets counts of minutes long past (the nightly housekeeping).
pub async fn forget_before(tx: &mut Tx<'_>, cutoff: chrono::DateTime<chrono::Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM chat_rates WHERE window_start < $1")
        .bind(cutoff)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Adds one to the running total `name` (a counter in `/metrics`).
pub async fn tally(tx: &mut Tx<'_>, name: &str) -> sqlx::Result<()> {
    tally_by(tx, name, 1).await
}

/// Adds `n` to a running total at once.
pub async fn tally_by(tx: &mut Tx<'_>, name: &str, n: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO event_totals (name, total) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET total = event_totals.total + $2",
    )
    .bind(name)
    .bind(n)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
