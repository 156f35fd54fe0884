//! Documents attached to requests: a Bot API file id, or the bytes of a local file.

use anyhow::Context as _;

use super::Tx;
use super::shred_keys::{self, Owner};
use crate::domain::{DocumentRef, DocumentSource};
use crate::vault::{ItemSecret, Place, Vault};

/// Stores a document with its request; a local file is read now, inside the transaction, so
/// the request is never recorded without it. Its name, file id and bytes are sealed under the
/// request's item secret, which retention deletes with them.
/// Returns the document's id.
pub async fn insert(
    tx: &mut Tx<'_>,
    vault: &Vault,
    request_id: i64,
    field_id: &str,
    doc: &DocumentRef,
) -> anyhow::Result<i64> {
    // The id is drawn first: the sealed name and bytes are bound to it.
    let id: i64 = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('documents', 'id'))")
        .fetch_one(&mut **tx)
        .await?;
    let row = id.to_string();
    let secret = shred_keys::get_or_make(tx, Owner::Request, request_id).await?;
    let (bot_file_id, content) = match &doc.source {
        DocumentSource::Bot { file_id } => (
            Some(vault.seal_text_for(place("bot_file_id", &row), &secret, file_id)),
            None,
        ),
        DocumentSource::Local { path } => {
            let bytes = tokio::fs::read(path).await.context("reading an attached file")?;
            (None, Some(vault.seal_for(place("content", &row), &secret, &bytes)))
        }
    };
    sqlx::query(
        "INSERT INTO documents (id, request_id, field_id, file_name_sealed, mime, size_bytes, bot_file_id_sealed,
                                content_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(request_id)
    .bind(field_id)
    .bind(vault.seal_text_for(place("file_name", &row), &secret, &doc.file_name))
    .bind(&doc.mime)
    .bind(i64::try_from(doc.size_bytes).unwrap_or(i64::MAX))
    .bind(bot_file_id)
    .bind(content)
    .execute(&mut **tx)
    .await
    .context("storing a document")?;
    Ok(id)
}

/// Where a document's `column` is sealed: bound to the document's id.
fn place<'a>(column: &'static str, id: &'a str) -> Place<'a> {
    Place::new("documents", column, id)
}

fn open_name(vault: &Vault, secret: Option<&ItemSecret>, id: i64, sealed: Option<&[u8]>) -> anyhow::Result<String> {
    match sealed {
        Some(sealed) => vault
            .open_text_for(place("file_name", &id.to_string()), secret, sealed)
            .with_context(|| format!("opening the name of document {id}")),
        // Purged under the retention rules.
        None => Ok(String::new()),
    }
}

/// A stored document's description, without its bytes.
#[derive(Debug, Clone)]
pub struct DocumentMeta {
    pub id: i64,
    pub field_id: String,
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn list_for_request(
    conn: &mut sqlx::PgConnection,
    vault: &Vault,
    request_id: i64,
) -> anyhow::Result<Vec<DocumentMeta>> {
    type Raw = (i64, String, Option<Vec<u8>>, String, i64, chrono::DateTime<chrono::Utc>);
    let rows: Vec<Raw> = sqlx::query_as(
        "SELECT id, field_id, file_name_sealed, mime, size_bytes, created_at FROM documents WHERE request_id = $1
         ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(&mut *conn)
    .await?;
    let secret = shred_keys::find(conn, Owner::Request, request_id).await?;
    rows.into_iter()
        .map(|(id, field_id, name, mime, size_bytes, created_at)| {
            Ok(DocumentMeta {
                id,
                field_id,
                file_name: open_name(vault, secret.as_ref(), id, name.as_deref())?,
                mime,
                size_bytes,
                created_at,
            })
        })
        .collect()
}

/// A document with where its bytes are, for sending it on.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// The tracking code of its request, as stored.
    pub request_code: i64,
    pub file_name: String,
    pub bot_file_id: Option<String>,
    pub content: Option<Vec<u8>>,
}

/// A document with its name and bytes opened.
pub async fn fetch(conn: &mut sqlx::PgConnection, vault: &Vault, id: i64) -> anyhow::Result<Option<StoredDocument>> {
    type Raw = (
        i64,
        i64,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
    );
    let row: Option<Raw> = sqlx::query_as(
        "SELECT r.id, r.code, d.file_name_sealed, d.bot_file_id_sealed, d.content_sealed, k.secret
         FROM documents d JOIN requests r ON r.id = d.request_id
         LEFT JOIN shred_keys k ON k.owner = 'request' AND k.id = r.id
         WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some((request_id, request_code, name, bot_file_id, content, secret)) = row else {
        return Ok(None);
    };
    let secret = shred_keys::from_joined(Owner::Request, request_id, secret.as_deref())?;
    let secret = secret.as_ref();
    let row = id.to_string();
    let content = content
        .map(|sealed| vault.open_for(place("content", &row), secret, &sealed))
        .transpose()
        .with_context(|| format!("opening document {id}"))?;
    let bot_file_id = bot_file_id
        .map(|sealed| vault.open_text_for(place("bot_file_id", &row), secret, &sealed))
        .transpose()
        .with_context(|| format!("opening the file id of document {id}"))?;
    Ok(Some(StoredDocument {
        request_code,
        file_name: open_name(vault, secret, id, name.as_deref())?,
        bot_file_id,
        content,
    }))
}
