//! Documents attached to requests: a Bot API file id, or the bytes of a local file.

use anyhow::Context as _;

use super::Tx;
use crate::domain::{DocumentRef, DocumentSource};

/// Stores a document with its request; a local file is read now, inside the transaction, so
/// the request is never recorded without it.
/// Returns the document's id.
pub async fn insert(tx: &mut Tx<'_>, request_id: i64, field_id: &str, doc: &DocumentRef) -> anyhow::Result<i64> {
    let (bot_file_id, content) = match &doc.source {
        DocumentSource::Bot { file_id } => (Some(file_id.as_str()), None),
        DocumentSource::Local { path } => {
            let bytes = tokio::fs::read(path).await.context("reading an attached file")?;
            (None, Some(bytes))
        }
    };
    sqlx::query_scalar(
        "INSERT INTO documents (request_id, field_id, file_name, mime, size_bytes, bot_file_id, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(request_id)
    .bind(field_id)
    .bind(&doc.file_name)
    .bind(&doc.mime)
    .bind(i64::try_from(doc.size_bytes).unwrap_or(i64::MAX))
    .bind(bot_file_id)
    .bind(content)
    .fetch_one(&mut **tx)
    .await
    .context("storing a document")
}

/// A stored document's description, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentMeta {
    pub id: i64,
    pub field_id: String,
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn list_for_request(conn: &mut sqlx::PgConnection, request_id: i64) -> sqlx::Result<Vec<DocumentMeta>> {
    sqlx::query_as(
        "SELECT id, field_id, file_name, mime, size_bytes, created_at FROM documents WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await
}

/// A document with where its bytes are, for sending it on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredDocument {
    /// The tracking code of its request, as stored.
    pub request_code: i64,
    pub file_name: String,
    pub bot_file_id: Option<String>,
    pub content: Option<Vec<u8>>,
}

pub async fn fetch(conn: &mut sqlx::PgConnection, id: i64) -> sqlx::Result<Option<StoredDocument>> {
    sqlx::query_as(
        "SELECT r.code AS request_code, d.file_name, d.bot_file_id, d.content
         FROM documents d JOIN requests r ON r.id = d.request_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}
