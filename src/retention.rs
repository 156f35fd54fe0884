//! How long what applicants and staff leave behind is kept. The nightly housekeeping applies
//! `[retention]`: half-filled forms are dropped, settled notices lose their texts, documents of
//! decided requests lose their files, closed complaints lose their words, and the audit log
//! its oldest entries. The defaults are a starting point a directorate can defend; the
//! directorate sets the real periods (its records schedule and the law decide them).

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::conversation::{Dialogue, State};
use crate::domain::Catalog;
use crate::store::Tx;
use crate::store::applicants::ApplicantId;
use crate::store::dialogues;
use crate::vault::Vault;

/// Days each kind is kept, from bot.toml's `[retention]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// A form, complaint or set of files started and left unfinished, from its last change.
    #[serde(default = "days_30")]
    pub drafts_days: u32,
    /// The texts (arguments, SMS as sent) of notices no longer waiting to go.
    #[serde(default = "days_90")]
    pub notice_texts_days: u32,
    /// The files of a request, from its final decision.
    #[serde(default = "days_365")]
    pub documents_days_after_decision: u32,
    /// The words of a closed complaint (and its answer), from its closing.
    #[serde(default = "days_365")]
    pub closed_complaints_days: u32,
    /// Audit entries; never less than a year (the database refuses less).
    #[serde(default = "days_1825")]
    pub audit_days: u32,
}

fn days_30() -> u32 {
    30
}
fn days_90() -> u32 {
    90
}
fn days_365() -> u32 {
    365
}
fn days_1825() -> u32 {
    1825
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            drafts_days: days_30(),
            notice_texts_days: days_90(),
            documents_days_after_decision: days_365(),
            closed_complaints_days: days_365(),
            audit_days: days_1825(),
        }
    }
}

impl RetentionConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.audit_days < 365 {
            anyhow::bail!("retention.audit_days must be at least 365");
        }
        Ok(())
    }
}

/// What one run purged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub drafts: u64,
    pub notice_texts: u64,
    pub documents: u64,
    pub complaints: u64,
    pub audit: u64,
}

fn before(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - Duration::days(days.into())
}

/// Applies `config` at `now`, in `tx`.
pub async fn apply(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    vault: &Vault,
    config: &RetentionConfig,
    now: DateTime<Utc>,
) -> anyhow::Result<Purged> {
    // A withdrawn request's files go like a decided one's.
    let decided = crate::sla::closed_stages(catalog);
    Ok(Purged {
        drafts: drop_drafts(tx, vault, before(now, config.drafts_days)).await?,
        notice_texts: sqlx::query(
            "UPDATE notifications
             SET message = jsonb_set(message, '{args}', '[]'), body = NULL, message_sealed = NULL, body_sealed = NULL
             WHERE status <> 'pending' AND created_at < $1
               AND (message->'args' <> '[]' OR num_nonnulls(body, message_sealed, body_sealed) > 0)",
        )
        .bind(before(now, config.notice_texts_days))
        .execute(&mut **tx)
        .await?
        .rows_affected(),
        // A purged item's secret goes with its data: the copies of its sealed values in older
        // backups, which leave the secrets out, can then not be opened either.
        documents: sqlx::query_scalar::<_, i64>(
            "WITH purged AS (
                 UPDATE documents d SET content = NULL, content_sealed = NULL, bot_file_id = NULL, bot_file_id_sealed = NULL,
                        file_name = NULL, file_name_sealed = NULL, purged_at = now()
                 FROM requests r
                 WHERE d.request_id = r.id AND d.purged_at IS NULL AND r.updated_at < $1
                   AND (r.service_id, r.stage) IN (SELECT * FROM unnest($2::text[], $3::text[]))
                 RETURNING d.request_id),
             shredded AS (
                 DELETE FROM shred_keys WHERE owner = 'request' AND id IN (SELECT request_id FROM purged))
             SELECT count(*) FROM purged",
        )
        .bind(before(now, config.documents_days_after_decision))
        .bind(&decided.0)
        .bind(&decided.1)
        .fetch_one(&mut **tx)
        .await?
        .try_into()
        .unwrap_or_default(),
        complaints: sqlx::query_scalar::<_, i64>(
            "WITH purged AS (
                 UPDATE complaints SET body = NULL, answer = NULL, body_sealed = NULL, answer_sealed = NULL,
                        purged_at = now()
                 WHERE status = 'closed' AND purged_at IS NULL AND updated_at < $1
                 RETURNING code),
             shredded AS (
                 DELETE FROM shred_keys WHERE owner = 'complaint' AND id IN (SELECT code FROM purged))
             SELECT count(*) FROM purged",
        )
        .bind(before(now, config.closed_complaints_days))
        .fetch_one(&mut **tx)
        .await?
        .try_into()
        .unwrap_or_default(),
        audit: sqlx::query_scalar::<_, i64>("SELECT purge_audit_before($1)")
            .bind(before(now, config.audit_days))
            .fetch_one(&mut **tx)
            .await?
            .try_into()
            .unwrap_or_default(),
    })
}

/// Takes back to the menu every dialogue left unfinished since `cutoff` with input in it.
async fn drop_drafts(tx: &mut Tx<'_>, vault: &Vault, cutoff: DateTime<Utc>) -> anyhow::Result<u64> {
    let stale: Vec<i64> = sqlx::query_scalar("SELECT applicant_id FROM dialogues WHERE updated_at < $1 FOR UPDATE")
        .bind(cutoff)
        .fetch_all(&mut **tx)
        .await?;
    let mut dropped = 0;
    for applicant in stale {
        let applicant = ApplicantId(applicant);
        let Some(dialogue) = dialogues::peek(tx, vault, applicant).await? else {
            continue;
        };
        if dialogue.state.holds_unfinished_input() {
            let menu = Dialogue {
                state: State::Menu,
                ..dialogue
            };
            dialogues::save(tx, vault, applicant, &menu).await?;
            dropped += 1;
        }
    }
    Ok(dropped)
}
