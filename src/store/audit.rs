//! The audit log: who did or read what, appended in the transaction of the act itself.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::vault::{Place, Vault};

/// Appends an entry; returns its id.
pub async fn record(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: Value,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .fetch_one(conn)
        .await
}

/// Appends the entry of a read, in a transaction that changes nothing else, and lets that
/// transaction commit without waiting for the disk: a read answered in half a millisecond
/// instead of ten. The trade-off: should PostgreSQL crash in the moment after (a fraction of a
/// second, `wal_writer_delay`), the entry of that read may be lost; the entries of acts never
/// are, since their transactions commit as usual.
pub async fn record_read(conn: &mut PgConnection, actor: &str, action: &str, subject: &str) -> sqlx::Result<i64> {
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *conn)
        .await?;
    record(conn, actor, action, subject, Value::Object(Default::default())).await
}

/// Where an entry's note is sealed: bound to the entry.
fn note_place(id: &str) -> Place<'_> {
    Place::new("audit_log", "note", id)
}

/// Appends an entry with a note in the member's own words, kept sealed; returns its id.
pub async fn record_with_note(
    conn: &mut PgConnection,
    vault: &Vault,
    entry: (&str, &str, &str),
    detail: Value,
    note: &str,
) -> sqlx::Result<i64> {
    let (actor, action, subject) = entry;
    let id: i64 = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO audit_log (id, actor, action, subject, detail, note_sealed) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(vault.seal_text(note_place(&id.to_string()), note))
    .execute(conn)
    .await?;
    Ok(id)
}

/// One audit entry.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Value,
    /// What the member wrote, opened.
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// The newest entries first, notes opened.
pub async fn recent(pool: &PgPool, vault: &Vault, limit: i64) -> anyhow::Result<Vec<Entry>> {
    search(
        pool,
        vault,
        &Search {
            limit,
            ..Search::default()
        },
    )
    .await
}

/// What the audit log is searched by; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub actor: Option<String>,
    /// An action, or the start of one (`request.` finds every act on requests).
    pub action: Option<String>,
    pub subject: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries older than this one: the next page.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Matching entries, newest first, notes opened.
pub async fn search(pool: &PgPool, vault: &Vault, search: &Search) -> anyhow::Result<Vec<Entry>> {
    type Raw = (
        i64,
        String,
        String,
        Option<String>,
        Value,
        Option<Vec<u8>>,
        DateTime<Utc>,
    );
    let rows: Vec<Raw> = sqlx::query_as(
        "SELECT id, actor, action, subject, detail, note_sealed, at FROM audit_log
         WHERE ($1::text IS NULL OR actor = $1)
           AND ($2::text IS NULL OR action = $2 OR starts_with(action, $2))
           AND ($3::text IS NULL OR subject = $3)
           AND ($4::timestamptz IS NULL OR at >= $4)
           AND ($5::timestamptz IS NULL OR at < $5)
           AND ($6::bigint IS NULL OR id < $6)
         ORDER BY id DESC LIMIT $7",
    )
    .bind(&search.actor)
    .bind(&search.action)
    .bind(&search.subject)
    .bind(search.from)
    .bind(search.to)
    .bind(search.before_id)
    .bind(search.limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, actor, action, subject, detail, note, at)| {
            let note = note
                .map(|sealed| vault.open_text(note_place(&id.to_string()), &sealed))
                .transpose()
                .with_context(|| format!("opening the note of audit entry {id}"))?;
            Ok(Entry {
                id,
                actor,
                action,
                subject,
                detail,
                note,
                at,
            })
        })
        .collect()
}
