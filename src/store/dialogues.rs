//! Dialogue state, one sealed JSON document per applicant (a half-filled form holds what the
//! applicant typed), locked while a step runs so that two updates from one chat are handled one
//! after the other. Its language is kept beside it in the clear, for notices.

use anyhow::Context as _;
use sqlx::PgConnection;

use super::Tx;
use super::applicants::{self, ApplicantId};
use crate::conversation::Dialogue;
use crate::vault::{Place, Vault};

fn place(applicant: &str) -> Place<'_> {
    Place::new("dialogues", "dialogue", applicant)
}

/// A chat's step, begun: its applicant and locked dialogue.
pub struct Begun {
    pub applicant: ApplicantId,
    pub dialogue: Dialogue,
}

/// Begins a step for a chat's input: claims the Bot API update (when there is one), finds the
/// chat's applicant and locks its dialogue. A chat seen before costs one round trip, where
/// the claim, the applicant and the lock were three statements on every update's path; a
/// first contact takes the long way. `None` when the update was handled before.
pub async fn begin_step(
    tx: &mut Tx<'_>,
    vault: &Vault,
    platform: &str,
    chat_id: i64,
    update_id: Option<i64>,
    fresh: &Dialogue,
) -> anyhow::Result<Option<Begun>> {
    let (claimed, found): (bool, Option<(ApplicantId, bool, Vec<u8>)>) = {
        let row: (bool, Option<i64>, Option<bool>, Option<Vec<u8>>) = sqlx::query_as(
            "WITH claimed AS (
                 INSERT INTO processed_updates (platform, update_id)
                 SELECT $1, $3 WHERE $3::bigint IS NOT NULL
                 ON CONFLICT DO NOTHING RETURNING 1
             ), locked AS (
                 SELECT a.id, a.chat_blocked_at IS NOT NULL AS blocked, d.dialogue_sealed
                 FROM applicants a JOIN dialogues d ON d.applicant_id = a.id
                 WHERE a.platform = $1 AND a.chat_id = $2
                 FOR UPDATE OF d
             )
             SELECT $3::bigint IS NULL OR EXISTS (SELECT 1 FROM claimed), l.id, l.blocked, l.dialogue_sealed
             FROM (SELECT 1) AS one LEFT JOIN locked l ON true",
        )
        .bind(platform)
        .bind(chat_id)
        .bind(update_id)
        .fetch_one(&mut **tx)
        .await
        .context("beginning the step")?;
        let found = match row {
            (_, Some(id), Some(blocked), Some(sealed)) => Some((ApplicantId(id), blocked, sealed)),
            _ => None,
        };
        (row.0, found)
    };
    if !claimed {
        return Ok(None);
    }
    let Some((applicant, blocked, sealed)) = found else {
        let applicant = applicants::find_or_create(tx, platform, chat_id).await?;
        let dialogue = lock(tx, vault, applicant, fresh).await?;
        return Ok(Some(Begun { applicant, dialogue }));
    };
    if blocked {
        applicants::chat_unblocked(tx, applicant).await?;
    }
    let dialogue = vault
        .open_json(place(&applicant.0.to_string()), &sealed)
        .context("opening the dialogue")?;
    Ok(Some(Begun { applicant, dialogue }))
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
