//! Item secrets (see [`crate::vault::ItemSecret`]): made when an item first seals a value,
//! read with its values, deleted by retention when its data is purged. The backups leave this
//! table's rows out, so deleting an item's secret leaves its values unreadable everywhere.

use anyhow::Context as _;
use sqlx::PgConnection;

use crate::vault::ItemSecret;

/// Whose secret: a request's (its documents, by request id) or a complaint's (its words and
/// answer, by tracking code as stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Request,
    Complaint,
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Complaint => "complaint",
        }
    }
}

fn decode(owner: Owner, id: i64, stored: &[u8]) -> anyhow::Result<ItemSecret> {
    ItemSecret::from_stored(stored)
        .with_context(|| format!("the stored secret of {} {id} is malformed", owner.as_str()))
}

/// The item's secret, made now when it has none.
pub async fn get_or_make(conn: &mut PgConnection, owner: Owner, id: i64) -> anyhow::Result<ItemSecret> {
    let fresh = ItemSecret::generate();
    // A no-op update returns the secret already there, so two makers agree on one.
    let stored: Vec<u8> = sqlx::query_scalar(
        "INSERT INTO shred_keys (owner, id, secret) VALUES ($1, $2, $3)
         ON CONFLICT (owner, id) DO UPDATE SET secret = shred_keys.secret RETURNING secret",
    )
    .bind(owner.as_str())
    .bind(id)
    .bind(fresh.as_bytes())
    .fetch_one(conn)
    .await
    .with_context(|| format!("making the secret of {} {id}", owner.as_str()))?;
    decode(owner, id, &stored)
}

/// The item's secret; `None` when it has none (its values, if any, predate item secrets or
/// were purged).
pub async fn find(conn: &mut PgConnection, owner: Owner, id: i64) -> anyhow::Result<Option<ItemSecret>> {
    let stored: Option<Vec<u8>> = sqlx::query_scalar("SELECT secret FROM shred_keys WHERE owner = $1 AND id = $2")
        .bind(owner.as_str())
        .bind(id)
        .fetch_optional(conn)
        .await?;
    stored.map(|s| decode(owner, id, &s)).transpose()
}

/// A secret read beside its item's row (`Option<Vec<u8>>` from a join).
pub fn from_joined(owner: Owner, id: i64, stored: Option<&[u8]>) -> anyhow::Result<Option<ItemSecret>> {
    stored.map(|s| decode(owner, id, s)).transpose()
}
