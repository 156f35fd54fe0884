//! Dialogue state, one JSON document per applicant, locked while a step runs so that two
//! updates from one chat are handled one after the other.

use anyhow::Context as _;
use sqlx::types::Json;

use super::Tx;
use super::applicants::ApplicantId;
use crate::conversation::Dialogue;

/// Loads and locks the applicant's dialogue, creating it as `fresh` on first contact.
pub async fn lock(tx: &mut Tx<'_>, applicant: ApplicantId, fresh: &Dialogue) -> anyhow::Result<Dialogue> {
    sqlx::query("INSERT INTO dialogues (applicant_id, dialogue) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(applicant)
        .bind(Json(fresh))
        .execute(&mut **tx)
        .await?;
    let Json(dialogue): Json<Dialogue> =
        sqlx::query_scalar("SELECT dialogue FROM dialogues WHERE applicant_id = $1 FOR UPDATE")
            .bind(applicant)
            .fetch_one(&mut **tx)
            .await
            .context("loading the dialogue")?;
    Ok(dialogue)
}

pub async fn save(tx: &mut Tx<'_>, applicant: ApplicantId, dialogue: &Dialogue) -> sqlx::Result<()> {
    sqlx::query("UPDATE dialogues SET dialogue = $2, updated_at = now() WHERE applicant_id = $1")
        .bind(applicant)
        .bind(Json(dialogue))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
