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

/// Which chat's input a step is for, and the Bot API update it came in (when there is one).
#[derive(Debug, Clone, Copy)]
pub struct StepKey<'a> {
    pub platform: &'a str,
    pub chat_id: i64,
    pub update_id: Option<i64>,
}

/// Begins a step for each chat's input, in one round trip for chats seen before: claims each
/// Bot API update, finds the chat's applicant and locks its dialogue (in applicant order, so
/// that two batches never wait on each other in a circle). A first contact takes the long way.
/// The chats must differ. `None` for an update handled before; `fresh` is the dialogue a
/// first contact of the input at that position starts with.
pub async fn begin_steps(
    tx: &mut Tx<'_>,
    vault: &Vault,
    keys: &[StepKey<'_>],
    fresh: impl Fn(usize) -> Dialogue,
) -> anyhow::Result<Vec<Option<Begun>>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        claimed: bool,
        id: Option<i64>,
        blocked: Option<bool>,
        dialogue_sealed: Option<Vec<u8>>,
    }
    let platforms: Vec<&str> = keys.iter().map(|k| k.platform).collect();
    let chats: Vec<i64> = keys.iter().map(|k| k.chat_id).collect();
    let updates: Vec<Option<i64>> = keys.iter().map(|k| k.update_id).collect();
    let rows: Vec<Row> = sqlx::query_as(
        "WITH input AS (
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS t(platform, chat_id, update_id, n)
         ), claimed AS (
             INSERT INTO processed_updates (platform, update_id)
             SELECT platform, update_id FROM input WHERE update_id IS NOT NULL
             ON CONFLICT DO NOTHING RETURNING platform, update_id
         ), locked AS (
             SELECT a.platform, a.chat_id, a.id, a.chat_blocked_at IS NOT NULL AS blocked, d.dialogue_sealed
             FROM input i
             JOIN applicants a ON a.platform = i.platform AND a.chat_id = i.chat_id
             JOIN dialogues d ON d.applicant_id = a.id
             ORDER BY a.id
             FOR UPDATE OF d
         )
         SELECT i.update_id IS NULL
                    OR EXISTS (SELECT 1 FROM claimed c WHERE c.platform = i.platform AND c.update_id = i.update_id)
                    AS claimed,
                l.id, l.blocked, l.dialogue_sealed
         FROM input i LEFT JOIN locked l ON l.platform = i.platform AND l.chat_id = i.chat_id
         ORDER BY i.n",
    )
    .bind(&platforms)
    .bind(&chats)
    .bind(&updates)
    .fetch_all(&mut **tx)
    .await
    .context("beginning the steps")?;
    let mut begun = Vec::with_capacity(keys.len());
    for (i, (key, row)) in keys.iter().zip(rows).enumerate() {
        if !row.claimed {
            begun.push(None);
            continue;
        }
        let (Some(id), Some(blocked), Some(sealed)) = (row.id, row.blocked, row.dialogue_sealed) else {
            let applicant = applicants::find_or_create(tx, key.platform, key.chat_id).await?;
            let dialogue = lock(tx, vault, applicant, &fresh(i)).await?;
            begun.push(Some(Begun { applicant, dialogue }));
            continue;
        };
        let applicant = ApplicantId(id);
        if blocked {
            applicants::chat_unblocked(tx, applicant).await?;
        }
        let dialogue = vault
            .open_json(place(&id.to_string()), &sealed)
            .context("opening the dialogue")?;
        begun.push(Some(Begun { applicant, dialogue }));
    }
    Ok(begun)
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
    save_each(tx, vault, &[(applicant, dialogue)]).await
}

/// Saves each applicant's dialogue in one statement (the steps of a batch of chats).
pub async fn save_each(tx: &mut Tx<'_>, vault: &Vault, dialogues: &[(ApplicantId, &Dialogue)]) -> sqlx::Result<()> {
    if dialogues.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = dialogues.iter().map(|(a, _)| a.0).collect();
    let sealed: Vec<Vec<u8>> = dialogues
        .iter()
        .map(|(a, d)| vault.seal_json(place(&a.0.to_string()), *d))
        .collect();
    let locales: Vec<&str> = dialogues.iter().map(|(_, d)| d.locale.code()).collect();
    sqlx::query(
        "UPDATE dialogues d SET dialogue_sealed = t.sealed, locale = t.locale, updated_at = now()
         FROM unnest($1::bigint[], $2::bytea[], $3::text[]) AS t(id, sealed, locale)
         WHERE d.applicant_id = t.id",
    )
    .bind(&ids)
    .bind(&sealed)
    .bind(&locales)
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
