//! Applicants' SMS subscriptions (number, consent, opt-out) and the one-time codes that
//! confirm a typed number.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgConnection;

use super::applicants::ApplicantId;
use super::{Tx, secrets};
use crate::domain::PhoneNumber;
use crate::vault::{Place, Vault};
use anyhow::Context as _;

/// What an applicant has told us about SMS.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscription {
    pub mobile: Option<PhoneNumber>,
    /// SMS is on: a confirmed number, consent given, not withdrawn since.
    pub active: bool,
}

/// The kind of blind index applicants' mobiles are found by.
pub const MOBILE_INDEX: &str = "mobile";

/// Where an applicant's mobile is sealed: bound to the applicant.
pub fn mobile_place(applicant: &str) -> Place<'_> {
    Place::new("applicants", "mobile", applicant)
}

/// The applicant's number (opened) and whether SMS is on.
pub async fn subscription(
    conn: &mut PgConnection,
    vault: &Vault,
    applicant: ApplicantId,
) -> anyhow::Result<Subscription> {
    Ok(subscriptions(conn, vault, &[applicant])
        .await?
        .pop()
        .unwrap_or_default())
}

/// The SMS settings of each applicant, in the order given, in one query (the steps of a batch
/// of chats). An applicant with no row reads as having told us nothing.
pub async fn subscriptions(
    conn: &mut PgConnection,
    vault: &Vault,
    applicants: &[ApplicantId],
) -> anyhow::Result<Vec<Subscription>> {
    let ids: Vec<i64> = applicants.iter().map(|a| a.0).collect();
    let rows: Vec<(i64, Option<Vec<u8>>, bool)> =
        sqlx::query_as("SELECT a.id, a.mobile_sealed, sms_active(a) FROM applicants a WHERE a.id = ANY($1)")
            .bind(&ids)
            .fetch_all(conn)
            .await?;
    let mut found: std::collections::HashMap<i64, Subscription> = std::collections::HashMap::with_capacity(rows.len());
    for (id, sealed, active) in rows {
        let mobile = sealed
            .map(|s| vault.open_text(mobile_place(&id.to_string()), &s))
            .transpose()
            .context("opening the applicant's mobile")?;
        let subscription = Subscription {
            mobile: mobile.as_deref().and_then(|m| PhoneNumber::parse(m).ok()),
            active,
        };
        found.insert(id, subscription);
    }
    Ok(ids.iter().map(|id| found.remove(id).unwrap_or_default()).collect())
}

/// Whether SMS is on for the applicant.
pub async fn is_active(conn: &mut PgConnection, applicant: ApplicantId) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT sms_active(a) FROM applicants a WHERE a.id = $1")
        .bind(applicant)
        .fetch_one(conn)
        .await
}

/// Turns SMS on for a confirmed number; the applicant's consent is the act of turning it on.
/// The number is kept sealed, with a blind index to find it by (an inbound opt-out).
pub async fn opt_in(
    conn: &mut PgConnection,
    vault: &Vault,
    applicant: ApplicantId,
    mobile: &PhoneNumber,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE applicants SET mobile = NULL, mobile_sealed = $2, mobile_index = $3, mobile_verified_at = now(),
                sms_consent_at = now(), sms_opted_out_at = NULL
         WHERE id = $1",
    )
    .bind(applicant)
    .bind(vault.seal_text(mobile_place(&applicant.0.to_string()), mobile.e164()))
    .bind(vault.blind_index(MOBILE_INDEX, mobile.e164()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Withdraws consent; true when SMS was on. Queued SMS are checked again when sent.
pub async fn opt_out(conn: &mut PgConnection, applicant: ApplicantId) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE applicants SET sms_opted_out_at = now()
         WHERE id = $1 AND sms_active(applicants)",
    )
    .bind(applicant)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// A reply keyword from a number: every applicant on that number stops getting SMS.
pub async fn opt_out_number(conn: &mut PgConnection, vault: &Vault, mobile: &PhoneNumber) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE applicants SET sms_opted_out_at = now()
         WHERE mobile_index = $1 AND sms_active(applicants)",
    )
    .bind(vault.blind_index(MOBILE_INDEX, mobile.e164()))
    .execute(conn)
    .await?
    .rows_affected())
}

/// The limits that keep one-time codes from being guessed or used to pump SMS.
#[derive(Debug, Clone, Copy)]
pub struct CodeLimits {
    pub ttl: chrono::Duration,
    pub max_wrong: i32,
    /// Between two codes to one chat.
    pub cooldown: chrono::Duration,
    pub per_chat_per_hour: i64,
    pub per_number_per_hour: i64,
}

impl Default for CodeLimits {
    fn default() -> Self {
        Self {
            ttl: chrono::Duration::minutes(10),
            max_wrong: 5,
            cooldown: chrono::Duration::seconds(60),
            per_chat_per_hour: 5,
            per_number_per_hour: 5,
        }
    }
}

/// What came of asking for a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRequest {
    /// A new code, to be sent; earlier codes for this chat no longer work.
    Issued { challenge: i64, code: String },
    /// Asked again too soon.
    Cooldown { wait_secs: i64 },
    /// The hourly cap for this chat or this number is reached.
    TooMany,
}

/// Issues a code for `mobile` unless a limit says no.
pub async fn request_code(
    conn: &mut PgConnection,
    applicant: ApplicantId,
    mobile: &PhoneNumber,
    limits: CodeLimits,
    now: DateTime<Utc>,
) -> anyhow::Result<CodeRequest> {
    // Serialises requests for one number from different chats, so the cap holds under races.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('phone-code:' || $1))")
        .bind(mobile.e164())
        .execute(&mut *conn)
        .await?;
    let hour_ago = now - chrono::Duration::hours(1);
    let (chat_count, last): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT count(*), max(created_at) FROM phone_challenges WHERE applicant_id = $1 AND created_at > $2",
    )
    .bind(applicant)
    .bind(hour_ago)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(last) = last
        && now - last < limits.cooldown
    {
        return Ok(CodeRequest::Cooldown {
            // Rounded up: "wait 0 seconds" would be a lie.
            wait_secs: ((limits.cooldown - (now - last)).num_milliseconds() + 999)
                .div_euclid(1000)
                .max(1),
        });
    }
    let number = number_hash(&mut *conn, mobile).await?;
    let number_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM phone_challenges WHERE mobile_hash = $1 AND created_at > $2")
            .bind(&number)
            .bind(hour_ago)
            .fetch_one(&mut *conn)
            .await?;
    if chat_count >= limits.per_chat_per_hour || number_count >= limits.per_number_per_hour {
        return Ok(CodeRequest::TooMany);
    }
    sqlx::query("UPDATE phone_challenges SET closed_at = $2 WHERE applicant_id = $1 AND closed_at IS NULL")
        .bind(applicant)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let code = six_digits()?;
    let hash = code_hash(&mut *conn, mobile, &code).await?;
    let challenge: i64 = sqlx::query_scalar(
        "INSERT INTO phone_challenges (applicant_id, mobile_hash, code_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(applicant)
    .bind(number)
    .bind(hash)
    .bind(now)
    .bind(now + limits.ttl)
    .fetch_one(&mut *conn)
    .await?;
    Ok(CodeRequest::Issued { challenge, code })
}

/// What came of a typed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: the number is the applicant's and SMS is on.
    Confirmed,
    Wrong {
        tries_left: i32,
    },
    /// Too many wrong tries: the code no longer works.
    Locked,
    Expired,
    /// No code is waiting (never asked, or already used).
    NoCode,
}

/// Checks a typed code against the chat's open challenge for `mobile`.
pub async fn check_code(
    conn: &mut PgConnection,
    vault: &Vault,
    applicant: ApplicantId,
    mobile: &PhoneNumber,
    typed: &str,
    limits: CodeLimits,
    now: DateTime<Utc>,
) -> anyhow::Result<CodeCheck> {
    let number = number_hash(&mut *conn, mobile).await?;
    let open: Option<(i64, Vec<u8>, i32, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, code_hash, wrong_tries, expires_at FROM phone_challenges
         WHERE applicant_id = $1 AND mobile_hash = $2 AND closed_at IS NULL
         ORDER BY id DESC LIMIT 1 FOR UPDATE",
    )
    .bind(applicant)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, stored, wrong, expires_at)) = open else {
        return Ok(CodeCheck::NoCode);
    };
    if now >= expires_at {
        close_challenge(&mut *conn, id, now).await?;
        return Ok(CodeCheck::Expired);
    }
    if code_mac(&mut *conn, mobile, typed).await?.verify_slice(&stored).is_ok() {
        close_challenge(&mut *conn, id, now).await?;
        opt_in(&mut *conn, vault, applicant, mobile).await?;
        return Ok(CodeCheck::Confirmed);
    }
    let wrong = wrong + 1;
    sqlx::query("UPDATE phone_challenges SET wrong_tries = $2 WHERE id = $1")
        .bind(id)
        .bind(wrong)
        .execute(&mut *conn)
        .await?;
    if wrong >= limits.max_wrong {
        close_challenge(&mut *conn, id, now).await?;
        return Ok(CodeCheck::Locked);
    }
    Ok(CodeCheck::Wrong {
        tries_left: limits.max_wrong - wrong,
    })
}

async fn close_challenge(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE phone_challenges SET closed_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Codes are kept as an HMAC under a per-database key: a leaked table does not give them away.
async fn code_mac(conn: &mut PgConnection, mobile: &PhoneNumber, code: &str) -> anyhow::Result<Hmac<Sha256>> {
    let key = secrets::key(conn, "phone-codes").await?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(mobile.e164().as_bytes());
    mac.update(b":");
    mac.update(code.trim().as_bytes());
    Ok(mac)
}

async fn code_hash(conn: &mut PgConnection, mobile: &PhoneNumber, code: &str) -> anyhow::Result<Vec<u8>> {
    Ok(code_mac(conn, mobile, code).await?.finalize().into_bytes().to_vec())
}

/// Challenges are found by number through an HMAC of it under a key of its own, so the table
/// holds no typed number, which may not even be the applicant's.
async fn number_hash(conn: &mut PgConnection, mobile: &PhoneNumber) -> anyhow::Result<Vec<u8>> {
    let key = secrets::key(conn, "phone-numbers").await?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(mobile.e164().as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

/// Six uniform digits from the OS random source, the first not 0: Bale's OTP service takes a
/// code as a number, which would drop a leading zero.
fn six_digits() -> anyhow::Result<String> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random source: {e}"))?;
        let n = u32::from_le_bytes(bytes);
        // Rejecting the top sliver (past the last whole multiple of 900,000) keeps every code
        // equally likely.
        if n < 4_293_900_000 {
            return Ok((100_000 + n % 900_000).to_string());
        }
    }
}

/// Deletes one-time code challenges that expired before `cutoff`: nothing reads them after the
/// hourly caps' hour, and each still ties a chat to a number.
pub async fn forget_challenges_before(tx: &mut Tx<'_>, cutoff: DateTime<Utc>) -> sqlx::Result<u64> {
    let deleted = sqlx::query("DELETE FROM phone_challenges WHERE expires_at < $1")
        .bind(cutoff)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(deleted)
}
