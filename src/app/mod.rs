//! The application: configuration, database and locales wired once, for `main` and tests
//! alike, and the handling of one applicant input as one transaction.

mod announcements;
mod effects;
pub mod limits;
mod retry;
mod sms_settings;
mod status;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::config::Config;
use crate::conversation::{self, Context, Dialogue, Effect, Input, Outcome, OwnedRequest, Reply, messages};
use crate::domain::Catalog;
use crate::i18n::{I18n, Locale};
use crate::store::{self, applicants, cluster::PrivateCluster, dialogues, replies, requests};
use crate::vault::{Keyring, Vault};

pub use limits::Admission;
pub use retry::{is_transient, with_retries};

/// Where a message came from: a chat on a platform, and the Bot API update it arrived in.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub platform: &'a str,
    pub chat_id: i64,
    /// Present for Bot API updates; a redelivered update is handled once. Only they count
    /// against the limits on a chat: the terminal is one local applicant.
    pub update_id: Option<i64>,
    /// The language the platform reports for the user, for greeting a first contact in it.
    pub language: Option<Locale>,
}

/// What to send back after handling an input.
#[derive(Debug, Clone)]
pub struct Handled {
    pub locale: Locale,
    pub replies: Vec<Reply>,
}

/// Migrates as the schema's owner, then connects as the service role (see `store::roles`).
async fn service_pool(config: &Config, owner_url: &str) -> anyhow::Result<PgPool> {
    let owner = store::connect(owner_url, 2).await?;
    store::migrate(&owner).await?;
    let service_url = match &config.database.service_url {
        Some(url) => url.expose_secret().to_owned(),
        None => store::roles::service_url_from(owner_url)?,
    };
    let role = store::roles::role_of(&service_url)?;
    let url = if store::roles::prepare(&owner, &role).await? {
        service_url
    } else {
        tracing::warn!(
            "the database owner may not create the role {role}: the service connects as the owner; \
             create the role (see the README) and set [database] service_url"
        );
        owner_url.to_owned()
    };
    owner.close().await;
    store::connect(&url, config.database.max_connections).await
}

/// The running application's shared parts.
#[derive(Clone)]
pub struct Application {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    catalog: Catalog,
    i18n: I18n,
    config: Config,
    cluster: Option<PrivateCluster>,
    vault: Vault,
    /// Woken when replies are queued, so that they go out at once rather than at the next look.
    replies_queued: Notify,
}

impl Application {
    /// Connects (starting the private cluster when no URL is configured), migrates, and loads
    /// the locales, failing early on anything missing.
    pub async fn build(config: Config, catalog: Catalog) -> anyhow::Result<Self> {
        let i18n = load_locales(&config, &catalog)?;
        let (url, cluster) = match &config.database.url {
            Some(url) => (url.expose_secret().to_owned(), None),
            None => {
                let dir: PathBuf = config.data_dir.join("postgres");
                let cluster = PrivateCluster::ensure(&dir, config.database.postgres_bin_dir.as_deref()).await?;
                store::create_database(&cluster.url("postgres"), "peygir").await?;
                (cluster.url("peygir"), Some(cluster))
            }
        };
        let keys_path = config.privacy.keys_path(&config.data_dir);
        let env_keys = config.privacy.keys.as_ref().map(|k| k.expose_secret().to_owned());
        let keys = Keyring::load(env_keys.as_deref(), &keys_path).context("loading the data keys")?;
        let keys_from = match env_keys {
            Some(_) => "PEYGIR_DATA_KEYS".to_owned(),
            None => keys_path.display().to_string(),
        };
        let vault = match env_keys {
            Some(_) => Vault::new(keys),
            None => Vault::from_file(keys, keys_path),
        };
        let pool = service_pool(&config, &url).await?;
        crate::vault::sweep::check_keys(&pool, &vault, &keys_from).await?;
        crate::vault::sweep::seal_plaintext(&pool, &vault)
            .await
            .context("sealing personal data stored before sealing existed")?;
        crate::vault::sweep::seal_under_item_secrets(&pool, &vault)
            .await
            .context("sealing documents and complaints under their item secrets")?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                catalog,
                i18n,
                config,
                cluster,
                vault,
                replies_queued: Notify::new(),
            }),
        })
    }

    /// Notified whenever this process queues replies.
    pub fn replies_queued(&self) -> &Notify {
        &self.inner.replies_queued
    }

    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    pub fn i18n(&self) -> &I18n {
        &self.inner.i18n
    }

    /// Seals and opens applicants' data.
    pub fn vault(&self) -> &Vault {
        &self.inner.vault
    }

    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Closes the pool and stops the private cluster if this process started it and no other
    /// peygir process still uses it.
    pub async fn shutdown(&self) -> anyhow::Result<()> {
        self.inner.pool.close().await;
        if let Some(cluster) = &self.inner.cluster {
            cluster.release().await?;
        }
        Ok(())
    }

    /// Handles one input: the dialogue step, its effects and the new state commit together,
    /// or not at all; the replies are returned for the caller to show (the terminal).
    /// `None` when the update was handled before.
    #[tracing::instrument(skip_all, fields(platform = origin.platform))]
    pub async fn handle(&self, origin: Origin<'_>, input: Input) -> anyhow::Result<Option<Handled>> {
        let mut tx = self.inner.pool.begin().await.context("starting a transaction")?;
        let handled = self.step_in(&mut tx, origin, input).await?;
        tx.commit().await.context("committing the step")?;
        Ok(handled)
    }

    /// Handles one input from a Bot API chat: its replies are queued in the same transaction
    /// as the step and the update id, and sent by the dispatcher, woken at once. A crash or a
    /// refused send loses no reply, and a redelivered update queues none twice. False when
    /// the update was handled before.
    #[tracing::instrument(skip_all, fields(platform = origin.platform))]
    pub async fn handle_and_queue(&self, origin: Origin<'_>, input: Input) -> anyhow::Result<bool> {
        let mut tx = self.inner.pool.begin().await.context("starting a transaction")?;
        let Some(handled) = self.step_in(&mut tx, origin, input).await? else {
            return Ok(false);
        };
        replies::queue(
            &mut tx,
            &self.inner.vault,
            origin.platform,
            origin.chat_id,
            handled.locale,
            &handled.replies,
        )
        .await
        .context("queueing the replies")?;
        tx.commit().await.context("committing the step")?;
        self.inner.replies_queued.notify_one();
        Ok(true)
    }

    /// Queues a reply outside any step (the apology for an input that could not be handled).
    pub async fn queue_reply(&self, platform: &str, chat_id: i64, locale: Locale, reply: Reply) -> anyhow::Result<()> {
        let mut conn = self.inner.pool.acquire().await?;
        replies::queue(&mut conn, &self.inner.vault, platform, chat_id, locale, &[reply]).await?;
        self.inner.replies_queued.notify_one();
        Ok(())
    }

    /// The step, its effects and the new state, in `tx`; the caller commits.
    async fn step_in(
        &self,
        tx: &mut store::Tx<'_>,
        origin: Origin<'_>,
        input: Input,
    ) -> anyhow::Result<Option<Handled>> {
        let inner = &self.inner;
        // A first contact is greeted in the language the messenger reports for the user.
        let fresh = Dialogue {
            locale: origin.language.unwrap_or(inner.config.default_locale),
            ..Dialogue::default()
        };
        let begun = dialogues::begin_step(
            tx,
            &inner.vault,
            origin.platform,
            origin.chat_id,
            origin.update_id,
            &fresh,
        )
        .await?;
        let Some(dialogues::Begun { applicant, dialogue }) = begun else {
            tracing::debug!("update handled before; ignored");
            return Ok(None);
        };
        let limits = origin.update_id.map(|_| inner.config.limits);
        if let Some(limits) = &limits
            && let Admission::Refused(reply) = limits::admit_message(tx, limits, applicant).await?
        {
            return Ok(Some(Handled {
                locale: dialogue.locale,
                replies: reply.into_iter().collect(),
            }));
        }
        let my_requests = owned_requests(tx, applicant).await?;
        let sms = sms_settings::view(tx, &inner.vault, applicant).await?;
        let now = chrono::Utc::now();
        let status = status::load(tx, now).await?;
        let announcements = announcements::view(tx, &inner.catalog, applicant).await?;
        let ctx = Context {
            catalog: &inner.catalog,
            i18n: &inner.i18n,
            my_requests: &my_requests,
            sms: &sms,
            status: &status,
            announcements: &announcements,
            today: now.with_timezone(&crate::sms::quiet::tehran()).date_naive(),
            now,
        };
        let mut step = conversation::step(&dialogue, input, &ctx);
        let mut replies = Vec::new();
        // The closing prompt is drawn again from the facts as the effects left them (a request
        // that has just received its documents no longer offers to take them; SMS just turned
        // on), and for where an effect's outcome moved the dialogue.
        let requests_changed = step.effects.iter().any(Effect::changes_requests);
        let settings_changed = step.effects.iter().any(Effect::changes_settings);
        let mut redraw = requests_changed || settings_changed;
        for effect in &step.effects {
            let lookup = matches!(effect, Effect::LookUp(_));
            if lookup
                && let Some(limits) = &limits
                && let Some(refusal) = limits::admit_lookup(tx, limits, applicant).await?
            {
                replies.push(refusal);
                continue;
            }
            let env = effects::Env {
                catalog: &inner.catalog,
                vault: &inner.vault,
                applicant,
                locale: step.locale(),
                staff_chat: inner.config.staff_chat.is_some(),
            };
            let outcome = effects::run(tx, &env, effect).await?;
            if lookup && limits.is_some() && matches!(outcome, Outcome::NotFound) {
                limits::failed_lookup(tx).await?;
            }
            let reply = conversation::outcome_replies(&outcome, &inner.catalog);
            if !reply.is_empty() {
                replies.push(reply);
            }
            if let Some(state) = conversation::settle(&step.dialogue.state, &outcome) {
                step.dialogue.state = state;
                step.dialogue.turn += 1;
                redraw = true;
            }
        }
        let mut step_replies = std::mem::take(&mut step.replies);
        if redraw {
            // Only what the effects changed is read again; a dialogue an outcome moved needs
            // nothing new.
            let fresh_requests = if requests_changed {
                Some(owned_requests(tx, applicant).await?)
            } else {
                None
            };
            let fresh_settings = if settings_changed {
                let sms = sms_settings::view(tx, &inner.vault, applicant).await?;
                Some((sms, announcements::view(tx, &inner.catalog, applicant).await?))
            } else {
                None
            };
            let ctx = Context {
                my_requests: fresh_requests.as_deref().unwrap_or(ctx.my_requests),
                sms: fresh_settings.as_ref().map_or(ctx.sms, |(sms, _)| sms),
                announcements: fresh_settings.as_ref().map_or(ctx.announcements, |(_, a)| a),
                ..ctx
            };
            if let Some(last) = step_replies.last_mut() {
                *last = conversation::prompt(&step.dialogue, &ctx);
            }
        }
        replies.extend(step_replies);
        dialogues::save(tx, &inner.vault, applicant, &step.dialogue).await?;
        Ok(Some(Handled {
            locale: step.locale(),
            replies,
        }))
    }

    /// The locale to apologise in when handling failed: the chat's own, else the default.
    pub async fn locale_of(&self, platform: &str, chat_id: i64) -> Locale {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT d.locale FROM dialogues d JOIN applicants a ON a.id = d.applicant_id
             WHERE a.platform = $1 AND a.chat_id = $2",
        )
        .bind(platform)
        .bind(chat_id)
        .fetch_optional(&self.inner.pool)
        .await
        .ok()
        .flatten();
        self.locale_or_default(found.as_deref())
    }

    /// A locale as stored with a dialogue, or the default when there is none (or it is unknown).
    pub fn locale_or_default(&self, stored: Option<&str>) -> Locale {
        stored
            .and_then(Locale::parse)
            .unwrap_or(self.inner.config.default_locale)
    }
}

/// The applicant's newest requests, as the conversation offers them for picking.
async fn owned_requests(
    tx: &mut store::Tx<'_>,
    applicant: applicants::ApplicantId,
) -> anyhow::Result<Vec<OwnedRequest>> {
    Ok(requests::list_for_applicant(tx, applicant)
        .await?
        .into_iter()
        .take(10)
        .map(|r| OwnedRequest {
            code: r.code,
            service: r.service_id,
            stage: r.stage,
        })
        .collect())
}

/// The locales, checked to hold every message the code and the catalog use.
pub fn load_locales(config: &Config, catalog: &Catalog) -> anyhow::Result<I18n> {
    let required: Vec<String> = messages::ALL
        .iter()
        .chain(crate::web::messages::ALL)
        .map(|id| (*id).to_owned())
        .chain(catalog.message_ids())
        .chain(label_ids(catalog))
        .collect();
    let i18n = I18n::load(&config.locales_dir, &required).context("loading locales")?;
    Ok(i18n.with_directorate(&config.directorate.fa, &config.directorate.en))
}

/// The `.label` attributes of every field prompt, which summaries use.
fn label_ids(catalog: &Catalog) -> Vec<String> {
    catalog
        .services()
        .iter()
        .flat_map(|s| s.fields.iter().map(move |f| messages::label_of(&f.prompt_id(&s.id))))
        .collect()
}
