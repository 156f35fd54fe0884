//! Every sealed column, and the batch jobs over them: sealing values stored in plaintext before
//! sealing existed (run at start), re-sealing under the current key (`peygir keys rotate`), and
//! finding which keys are still in use (before one is removed).

use std::collections::BTreeSet;

use anyhow::Context as _;
use sqlx::PgPool;

use super::{ItemSecret, Place, Vault};
use crate::store::shred_keys::{self, Owner};
use crate::store::sms::MOBILE_INDEX;

/// A sealed column: the logical name the associated data uses, the plaintext column it replaces
/// (still read for rows from before sealing), the column's primary key and the SQL giving the
/// row's identity in the associated data.
#[derive(Debug, Clone, Copy)]
pub struct Sealed {
    pub table: &'static str,
    pub column: &'static str,
    pub sealed: &'static str,
    /// The plaintext column, and the SQL reading it as the bytes to seal (JSON columns are
    /// sealed as JSON text).
    pub plain: Option<(&'static str, &'static str)>,
    pub key: &'static str,
    pub row: &'static str,
    /// The column holding the value's blind index, for values looked up by equality.
    pub blind_index: Option<&'static str>,
    /// For values sealed under an item's secret: whose, and the column naming the item.
    pub item: Option<(Owner, &'static str)>,
}

pub const SEALED: &[Sealed] = &[
    Sealed {
        table: "requests",
        column: "answers",
        sealed: "answers_sealed",
        plain: Some(("answers", "convert_to(answers::text, 'UTF8')")),
        key: "id",
        row: "code::text",
        blind_index: None,
        item: None,
    },
    Sealed {
        table: "dialogues",
        column: "dialogue",
        sealed: "dialogue_sealed",
        plain: Some(("dialogue", "convert_to(dialogue::text, 'UTF8')")),
        key: "applicant_id",
        row: "applicant_id::text",
        blind_index: None,
        item: None,
    },
    Sealed {
        table: "complaints",
        column: "body",
        sealed: "body_sealed",
        plain: Some(("body", "convert_to(body, 'UTF8')")),
        key: "id",
        row: "code::text",
        blind_index: None,
        item: Some((Owner::Complaint, "code")),
    },
    Sealed {
        table: "complaints",
        column: "answer",
        sealed: "answer_sealed",
        plain: Some(("answer", "convert_to(answer, 'UTF8')")),
        key: "id",
        row: "code::text",
        blind_index: None,
        item: Some((Owner::Complaint, "code")),
    },
    Sealed {
        table: "request_events",
        column: "note",
        sealed: "note_sealed",
        plain: Some(("note", "convert_to(note, 'UTF8')")),
        key: "id",
        row: "id::text",
        blind_index: None,
        item: None,
    },
    Sealed {
        table: "replies",
        column: "reply",
        sealed: "reply_sealed",
        plain: Some(("reply", "convert_to(reply::text, 'UTF8')")),
        key: "id",
        row: "id::text",
        blind_index: None,
        item: None,
    },
    Sealed {
        table: "inbox",
        column: "update",
        sealed: "update_sealed",
        plain: None,
        key: "id",
        row: "platform || ':' || update_id",
        blind_index: None,
        item: None,
    },
    Sealed {
        table: "notifications",
        column: "sms_to",
        sealed: "sms_to_sealed",
        plain: Some(("sms_to", "convert_to(sms_to, 'UTF8')")),
        key: "id",
        row: "id::text",
        blind_index: None,
        item: None,
    },
    Sealed {
        table: "documents",
        column: "file_name",
        sealed: "file_name_sealed",
        plain: Some(("file_name", "convert_to(file_name, 'UTF8')")),
        key: "id",
        row: "id::text",
        blind_index: None,
        item: Some((Owner::Request, "request_id")),
    },
    Sealed {
        table: "documents",
        column: "bot_file_id",
        sealed: "bot_file_id_sealed",
        plain: Some(("bot_file_id", "convert_to(bot_file_id, 'UTF8')")),
        key: "id",
        row: "id::text",
        blind_index: None,
        item: Some((Owner::Request, "request_id")),
    },
    Sealed {
        table: "documents",
        column: "content",
        sealed: "content_sealed",
        plain: Some(("content", "content")),
        key: "id",
        row: "id::text",
        blind_index: None,
        item: Some((Owner::Request, "request_id")),
    },
    Sealed {
        table: "ratings",
        column: "comment",
        sealed: "comment_sealed",
        plain: None,
        key: "id",
        row: "subject",
        blind_index: None,
        item: None,
    },
    Sealed {
        table: "applicants",
        column: "mobile",
        sealed: "mobile_sealed",
        plain: Some(("mobile", "convert_to(mobile, 'UTF8')")),
        key: "id",
        row: "id::text",
        blind_index: Some("mobile_index"),
        item: None,
    },
];

const BATCH: i64 = 500;

/// A row to seal: its key, its identity in the associated data, its item's secret (if any) and
/// the value.
type BatchRow = (i64, String, Option<Vec<u8>>, Vec<u8>);

impl Sealed {
    fn place<'a>(&self, row: &'a str) -> Place<'a> {
        Place::new(self.table, self.column, row)
    }
}

/// Seals what was stored in plaintext before sealing existed and empties the plaintext, in
/// batches; returns how many values it sealed. Run at every start: after the first it finds
/// nothing.
pub async fn seal_plaintext(pool: &PgPool, vault: &Vault) -> anyhow::Result<u64> {
    let mut total = 0;
    for column in SEALED {
        let Some((plain_column, plain)) = column.plain else {
            continue;
        };
        // A stored index is of the value as stored (mobiles are kept in E.164).
        let index_sql = column.blind_index.map(|c| format!(", {c} = $3")).unwrap_or_default();
        let update = format!("{plain_column} = NULL{index_sql}");
        let select = format!("{plain} FROM {} WHERE {plain_column} IS NOT NULL", column.table);
        total += in_batches(pool, column, &select, None, &update, |place, _, value| {
            let index = column
                .blind_index
                .map(|_| vault.blind_index(MOBILE_INDEX, &String::from_utf8_lossy(value)));
            Ok((vault.seal(place, value), index))
        })
        .await?;
    }
    if total > 0 {
        tracing::info!(values = total, "sealed personal data stored before sealing existed");
    }
    Ok(total)
}

/// Re-seals every value not under the current key, in batches, while the service runs; returns
/// how many it re-sealed.
pub async fn reseal(pool: &PgPool, vault: &Vault) -> anyhow::Result<u64> {
    let current = vault.current_key().to_be_bytes().to_vec();
    let mut total = 0;
    for column in SEALED {
        let select = format!(
            "{sealed} FROM {table} WHERE {sealed} IS NOT NULL AND substring({sealed} FROM 2 FOR 4) <> $1",
            sealed = column.sealed,
            table = column.table,
        );
        total += in_batches(pool, column, &select, Some(&current), "", |place, secret, old| {
            let value = vault.open_for(place, secret, old)?;
            let resealed = match secret {
                Some(secret) if Vault::is_item_sealed(old) => vault.seal_for(place, secret, &value),
                _ => vault.seal(place, &value),
            };
            Ok((resealed, None))
        })
        .await?;
    }
    Ok(total)
}

/// Re-seals under their item's secret (made when missing) the values of item columns sealed
/// under the data key alone (stored before item secrets existed), so that retention can shred
/// them too; returns how many. Run at every start: after the first it finds nothing.
pub async fn seal_under_item_secrets(pool: &PgPool, vault: &Vault) -> anyhow::Result<u64> {
    let mut total = 0;
    for column in SEALED {
        let Some((owner, item_column)) = column.item else {
            continue;
        };
        let data_key_only = format!(
            "{sealed} IS NOT NULL AND get_byte({sealed}, 0) = 1",
            sealed = column.sealed
        );
        let owners: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT t.{item_column} FROM {table} t WHERE {data_key_only}
               AND NOT EXISTS (SELECT 1 FROM shred_keys s WHERE s.owner = $1 AND s.id = t.{item_column})",
            table = column.table,
        ))
        .bind(owner.as_str())
        .fetch_all(pool)
        .await?;
        let mut conn = pool.acquire().await?;
        for id in owners {
            shred_keys::get_or_make(&mut conn, owner, id).await?;
        }
        drop(conn);
        let select = format!("{} FROM {} WHERE {data_key_only}", column.sealed, column.table);
        total += in_batches(pool, column, &select, None, "", |place, secret, old| {
            let secret = secret.context("the item's secret was made above")?;
            let value = vault.open(place, old)?;
            Ok((vault.seal_for(place, secret, &value), None))
        })
        .await?;
    }
    if total > 0 {
        tracing::info!(
            values = total,
            "sealed documents and complaints under their item secrets"
        );
    }
    Ok(total)
}

/// Rewrites, a batch per transaction until none is left, each row of `column` that `select`
/// (`<value> FROM … WHERE …`, with `filter` as `$1`) picks: `seal` turns the value into what
/// the sealed column holds (and the blind index, `$3` in `also_set`).
async fn in_batches(
    pool: &PgPool,
    column: &Sealed,
    select: &str,
    filter: Option<&[u8]>,
    also_set: &str,
    seal: impl Fn(Place<'_>, Option<&ItemSecret>, &[u8]) -> anyhow::Result<(Vec<u8>, Option<Vec<u8>>)>,
) -> anyhow::Result<u64> {
    let what = || format!("{}.{}", column.table, column.column);
    let separator = if also_set.is_empty() { "" } else { ", " };
    let update = format!(
        "UPDATE {table} SET {sealed} = $2{separator}{also_set} WHERE {key} = $1",
        table = column.table,
        sealed = column.sealed,
        key = column.key,
    );
    let secret = column.item.map_or_else(
        || "NULL::bytea".to_owned(),
        |(owner, item_column)| {
            format!(
                "(SELECT secret FROM shred_keys s WHERE s.owner = '{}' AND s.id = {}.{item_column})",
                owner.as_str(),
                column.table
            )
        },
    );
    let mut total = 0;
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<BatchRow> = sqlx::query_as(&format!(
            "SELECT {key}::bigint, {row}, {secret}, {select} LIMIT {BATCH} FOR UPDATE SKIP LOCKED",
            key = column.key,
            row = column.row,
        ))
        .bind(filter)
        .fetch_all(&mut *tx)
        .await
        .with_context(|| format!("reading {}", what()))?;
        if rows.is_empty() {
            return Ok(total);
        }
        for (key, row, secret, value) in &rows {
            let secret = secret
                .as_deref()
                .map(|stored| ItemSecret::from_stored(stored).context("a stored item secret is malformed"))
                .transpose()?;
            let (sealed, index) = seal(column.place(row), secret.as_ref(), value)
                .with_context(|| format!("sealing {} of row {key}", what()))?;
            sqlx::query(&update)
                .bind(key)
                .bind(sealed)
                .bind(index)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        total += rows.len() as u64;
    }
}

/// The ids of the keys some stored value is sealed with.
pub async fn keys_in_use(pool: &PgPool) -> anyhow::Result<BTreeSet<u32>> {
    let mut ids = BTreeSet::new();
    for column in SEALED {
        // Bytes 2 to 5 of a sealed value are its key id.
        let key_ids: Vec<Vec<u8>> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT substring({sealed} FROM 2 FOR 4) FROM {table} WHERE {sealed} IS NOT NULL",
            sealed = column.sealed,
            table = column.table,
        ))
        .fetch_all(pool)
        .await?;
        ids.extend(
            key_ids
                .iter()
                .filter_map(|id| Some(u32::from_be_bytes(id.as_slice().try_into().ok()?))),
        );
    }
    Ok(ids)
}

/// Checks that the keys held are the ones this database's values were sealed with, and records
/// the current key as one that seals here. A key the database knows under an id with another
/// fingerprint is the wrong key file (or a fresh one made by mistake): starting would fail on
/// every value, so this says so at once.
pub async fn check_keys(pool: &PgPool, vault: &Vault, keys_from: &str) -> anyhow::Result<()> {
    let known: Vec<(i32, Vec<u8>)> = sqlx::query_as("SELECT id, fingerprint FROM data_keys ORDER BY id")
        .fetch_all(pool)
        .await?;
    for (id, fingerprint) in &known {
        let Ok(id) = u32::try_from(*id) else { continue };
        if let Some(ours) = vault.fingerprint(id)
            && &ours != fingerprint
        {
            anyhow::bail!(
                "data key {id} in {keys_from} is not the key this database's data was sealed with: \
                 use the key file kept with this database (see the README's Privacy section)"
            );
        }
    }
    record_key(pool, vault, vault.current_key()).await
}

/// Records key `id` as one that seals values in this database.
pub async fn record_key(pool: &PgPool, vault: &Vault, id: u32) -> anyhow::Result<()> {
    let fingerprint = vault.fingerprint(id).context("the key to record is not held")?;
    sqlx::query("INSERT INTO data_keys (id, fingerprint) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(i32::try_from(id).context("key id out of range")?)
        .bind(fingerprint)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets key `id` (removed from the key file).
pub async fn forget_key(pool: &PgPool, id: u32) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM data_keys WHERE id = $1")
        .bind(i32::try_from(id).context("key id out of range")?)
        .execute(pool)
        .await?;
    Ok(())
}
