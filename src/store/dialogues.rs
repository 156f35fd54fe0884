//! Dialogue state, one sealed JSON document per applicant (a half-filled form holds what the
//! applicant typed), locked while a step runs so that two updates from one chat are handled one
//! after the other. Its language is kept beside it in the clear, for notices.

use anyhow::Context as _;
use sqlx::PgConnection;

use super::Tx;
use super::applicants::ApplicantId;
use crate::conversation::Dialogue;
use crate::vault::{Place, Vault};

fn place(applicant: &str) -> Place<'_> {
    Place::new("dialogues", "dialogue", applicant)
}

/// Loads and locks the applicant's dialogue, creating it as `fresh` on first contact.
pub async fn lock(
    tx: &mut Tx<'_>,
    vault: &Vault,
    applicant: ApplicantId,
    fresh: &Dialogue,
) -> anyhow::Result<Dialogue> {
    let row = applicant.0.to_string();
    let sealed: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT dialogue_sealed FROM dialogues WHERE applicant_id = $1 FOR UPDATE")
            .bind(applicant)
            .fetch_optional(&mut **tx)
            .await
            .context("loading the dialogue")?;
    match sealed {
        Some(sealed) => vault.open_json(place(&row), &sealed).context("opening the dialogue"),
        None => {
            let inserted = sqlx::query(
                "INSERT INTO dialogues (applicant_id, dialogue_sealed, locale) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(applicant)
            .bind(vault.seal_json(place(&row), fresh))
            .bind(fresh.locale.code())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                return Ok(fresh.clone());
            }
            // Another update of the same chat created it first: wait for it, then take it.
            let sealed: Vec<u8> =
                sqlx::query_scalar("SELECT dialogue_sealed FROM dialogues WHERE applicant_id = $1 FOR UPDATE")
                    .bind(applicant)
                    .fetch_one(&mut **tx)
                    .await
                    .context("loading the dialogue")?;
            vault.open_json(place(&row), &sealed).context("opening the dialogue")
        }
    }
}

pub async fn save(tx: &mut Tx<'_>, vault: &Vault, applicant: ApplicantId, dialogue: &Dialogue) -> sqlx::Result<()> {
    sqlx::query("UPDATE dialogues SET dialogue_sealed = $2, locale = $3, updated_at = now() WHERE applicant_id = $1")
        .bind(applicant)
        .bind(vault.seal_json(place(&applicant.0.to_string()), dialogue))
        .bind(dialogue.locale.code())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The applicant's dialogue as stored, without locking it (for checks and tools).
pub async fn peek(conn: &mut PgConnection, vault: &Vault, applicant: ApplicantId) -> anyhow::Result<Option<Dialogue>> {
    let sealed: Option<Vec<u8>> = sqlx::query_scalar("SELECT dialogue_sealed FROM dialogues WHERE applicant_id = $1")
        .bind(applicant)
        .fetch_optional(conn)
        .await?;
    sealed
        .map(|s| {
            vault
                .open_json(place(&applicant.0.to_string()), &s)
                .context("opening the dialogue")
        })
        .transpose()
}
