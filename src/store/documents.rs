//! Documents attached to requests: a Bot API file id, or the bytes of a local file.

use anyhow::Context as _;

use super::Tx;
use crate::domain::{DocumentRef, DocumentSource};

/// Stores a document with its request; a local file is read now, inside the transaction, so
/// the request is never recorded without it.
pub async fn insert(tx: &mut Tx<'_>, request_id: i64, field_id: &str, doc: &DocumentRef) -> anyhow::Result<()> {
    let (bot_file_id, content) = match &doc.source {
        DocumentSource::Bot { file_id } => (Some(file_id.as_str()), None),
        DocumentSource::Local { path } => {
            let bytes = tokio::fs::read(path).await.context("reading an attached file")?;
            (None, Some(bytes))
        }
    };
    sqlx::query(
        "INSERT INTO documents (request_id, field_id, file_name, mime, size_bytes, bot_file_id, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request_id)
    .bind(field_id)
    .bind(&doc.file_name)
    .bind(&doc.mime)
    .bind(i64::try_from(doc.size_bytes).unwrap_or(i64::MAX))
    .bind(bot_file_id)
    .bind(content)
    .execute(&mut **tx)
    .await
    .context("storing a document")?;
    Ok(())
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
