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
use crate::conversation::{
    self, AnnouncementsView, Context, Dialogue, Effect, Input, Outcome, OwnedRequest, Reply, ServiceStatus, SmsView,
    messages,
};
use crate::domain::Catalog;
use crate::i18n::{I18n, Locale};
use crate::store::applicants::ApplicantId;
use crate::store::{self, cluster::PrivateCluster, dialogues, replies, requests};
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

/// One input to handle: where it came from and what it says.
#[derive(Debug)]
pub struct Arrival<'a> {
    pub origin: Origin<'a>,
    pub input: Input,
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
        let handled = self
            .steps_in(&mut tx, vec![Arrival { origin, input }])
            .await?
            .pop()
            .flatten();
        tx.commit().await.context("committing the step")?;
        Ok(handled)
    }

    /// Handles one input from a Bot API chat: see [`Application::handle_and_queue_each`].
    /// False when the update was handled before.
    pub async fn handle_and_queue(&self, origin: Origin<'_>, input: Input) -> anyhow::Result<bool> {
        let done = self.handle_and_queue_each(vec![Arrival { origin, input }]).await?;
        Ok(done.first().copied().unwrap_or(false))
    }

    /// Handles inputs from Bot API chats in one transaction: each step, its replies (queued for
    /// the dispatcher, woken at once) and its update id commit together, so a crash or a refused
    /// send loses no reply, and a redelivered update queues none twice. A batch of inputs from
    /// different chats costs about as many statements as one input: the steps read and write
    /// set-wise. If any fails, none is taken; the caller may then hand them in one by one.
    /// For each input, false when its update was handled before.
    #[tracing::instrument(skip_all, fields(inputs = arrivals.len()))]
    pub async fn handle_and_queue_each(&self, arrivals: Vec<Arrival<'_>>) -> anyhow::Result<Vec<bool>> {
        let chats: Vec<(&str, i64)> = arrivals.iter().map(|a| (a.origin.platform, a.origin.chat_id)).collect();
        let mut tx = self.inner.pool.begin().await.context("starting a transaction")?;
        let handled = self.steps_in(&mut tx, arrivals).await?;
        let answers: Vec<replies::Answer<'_>> = chats
            .iter()
            .zip(&handled)
            .filter_map(|(&(platform, chat_id), handled)| {
                handled.as_ref().map(|h| replies::Answer {
                    platform,
                    chat_id,
                    locale: h.locale,
                    replies: &h.replies,
                })
            })
            .collect();
        replies::queue_each(&mut tx, &self.inner.vault, &answers)
            .await
            .context("queueing the replies")?;
        tx.commit().await.context("committing the steps")?;
        if !answers.is_empty() {
            self.inner.replies_queued.notify_one();
        }
        Ok(handled.iter().map(Option::is_some).collect())
    }

    /// Queues a reply outside any step (the apology for an input that could not be handled).
    pub async fn queue_reply(&self, platform: &str, chat_id: i64, locale: Locale, reply: Reply) -> anyhow::Result<()> {
        let mut conn = self.inner.pool.acquire().await?;
        replies::queue(&mut conn, &self.inner.vault, platform, chat_id, locale, &[reply]).await?;
        self.inner.replies_queued.notify_one();
        Ok(())
    }

    /// The steps of `arrivals`, their effects and the new states, in `tx`; the caller commits.
    /// Inputs of different chats step side by side; a chat's second input in the batch steps,
    /// in a later round, from where its first left the dialogue.
    async fn steps_in(
        &self,
        tx: &mut store::Tx<'_>,
        arrivals: Vec<Arrival<'_>>,
    ) -> anyhow::Result<Vec<Option<Handled>>> {
        let now = chrono::Utc::now();
        // Read once for the batch, and only when some input is stepped: a flood of throttled
        // or repeated updates does not pay for it.
        let mut status = None;
        let rounds = rounds_of_distinct_chats(&arrivals);
        let mut waiting: Vec<Option<Arrival<'_>>> = arrivals.into_iter().map(Some).collect();
        let mut handled: Vec<Option<Handled>> = waiting.iter().map(|_| None).collect();
        for round in rounds {
            let members: Vec<Arrival<'_>> = round
                .iter()
                .map(|&i| waiting[i].take().expect("an input is in one round"))
                .collect();
            for (i, result) in round
                .into_iter()
                .zip(self.round_in(tx, members, &mut status, now).await?)
            {
                handled[i] = result;
            }
        }
        Ok(handled)
    }

    /// One round of a batch: inputs of different chats, begun, admitted, read and saved
    /// together, stepped one after the other.
    async fn round_in(
        &self,
        tx: &mut store::Tx<'_>,
        arrivals: Vec<Arrival<'_>>,
        status: &mut Option<ServiceStatus>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Vec<Option<Handled>>> {
        let inner = &self.inner;
        let keys: Vec<dialogues::StepKey<'_>> = arrivals
            .iter()
            .map(|a| dialogues::StepKey {
                platform: a.origin.platform,
                chat_id: a.origin.chat_id,
                update_id: a.origin.update_id,
            })
            .collect();
        // A first contact is greeted in the language the messenger reports for the user.
        let fresh = |i: usize| Dialogue {
            locale: arrivals[i].origin.language.unwrap_or(inner.config.default_locale),
            ..Dialogue::default()
        };
        let begun = dialogues::begin_steps(tx, &inner.vault, &keys, fresh).await?;
        // Only Bot API updates count against the limits on a chat: the terminal is one local
        // applicant. Each counted input's admission sits at its own position.
        let counted: Vec<(usize, ApplicantId)> = arrivals
            .iter()
            .zip(&begun)
            .enumerate()
            .filter_map(|(i, (a, b))| {
                b.as_ref()
                    .filter(|_| a.origin.update_id.is_some())
                    .map(|b| (i, b.applicant))
            })
            .collect();
        let counted_applicants: Vec<ApplicantId> = counted.iter().map(|&(_, a)| a).collect();
        let mut admissions: Vec<Option<Admission>> = arrivals.iter().map(|_| None).collect();
        let admitted_or_not = limits::admit_messages(tx, &inner.config.limits, &counted_applicants).await?;
        for ((i, _), admission) in counted.into_iter().zip(admitted_or_not) {
            admissions[i] = Some(admission);
        }
        let mut admitted = Vec::with_capacity(arrivals.len());
        let mut results: Vec<Option<Handled>> = Vec::with_capacity(arrivals.len());
        for ((arrival, begun), admission) in arrivals.into_iter().zip(begun).zip(admissions) {
            let Some(dialogues::Begun { applicant, dialogue }) = begun else {
                tracing::debug!("update handled before; ignored");
                results.push(None);
                continue;
            };
            if let Some(Admission::Refused(reply)) = admission {
                results.push(Some(Handled {
                    locale: dialogue.locale,
                    replies: reply.into_iter().collect(),
                }));
                continue;
            }
            let limits = arrival.origin.update_id.map(|_| inner.config.limits);
            results.push(None);
            admitted.push((results.len() - 1, applicant, dialogue, arrival.input, limits));
        }
        if admitted.is_empty() {
            return Ok(results);
        }
        if status.is_none() {
            *status = Some(status::load(tx, now).await?);
        }
        let status = status.as_ref().expect("loaded just above");
        let applicants: Vec<ApplicantId> = admitted.iter().map(|a| a.1).collect();
        let views = View::load(tx, inner, &applicants).await?;
        let mut stepped = Vec::with_capacity(admitted.len());
        for ((slot, applicant, dialogue, input, limits), view) in admitted.into_iter().zip(views) {
            let (handled, dialogue) = self
                .advance(tx, applicant, dialogue, input, limits, view, status, now)
                .await?;
            results[slot] = Some(handled);
            stepped.push((applicant, dialogue));
        }
        let saved: Vec<(ApplicantId, &Dialogue)> = stepped.iter().map(|(a, d)| (*a, d)).collect();
        dialogues::save_each(tx, &inner.vault, &saved).await?;
        Ok(results)
    }

    /// One admitted input's step and effects, with the facts it reads already in `view`; the
    /// replies, and the dialogue to save.
    #[allow(clippy::too_many_arguments)]
    async fn advance(
        &self,
        tx: &mut store::Tx<'_>,
        applicant: ApplicantId,
        dialogue: Dialogue,
        input: Input,
        limits: Option<crate::config::LimitsConfig>,
        view: View,
        status: &ServiceStatus,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<(Handled, Dialogue)> {
        let inner = &self.inner;
        let ctx = Context {
            catalog: &inner.catalog,
            i18n: &inner.i18n,
            my_requests: &view.my_requests,
            sms: &view.sms,
            status,
            announcements: &view.announcements,
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
                Some(owned_requests(tx, &[applicant]).await?.pop().unwrap_or_default())
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
        let locale = step.locale();
        Ok((Handled { locale, replies }, step.dialogue))
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

/// Each applicant's newest requests, as the conversation offers them for picking, in the
/// order given.
async fn owned_requests(tx: &mut store::Tx<'_>, applicants: &[ApplicantId]) -> anyhow::Result<Vec<Vec<OwnedRequest>>> {
    let mut owned: std::collections::HashMap<ApplicantId, Vec<OwnedRequest>> = std::collections::HashMap::new();
    for r in requests::newest_of_each(tx, applicants, 10).await? {
        owned.entry(r.applicant_id).or_default().push(OwnedRequest {
            code: r.code,
            service: r.service_id,
            stage: r.stage,
        });
    }
    Ok(applicants.iter().map(|a| owned.remove(a).unwrap_or_default()).collect())
}

/// What a step reads of its applicant besides the dialogue.
struct View {
    my_requests: Vec<OwnedRequest>,
    sms: SmsView,
    announcements: AnnouncementsView,
}

impl View {
    /// Each applicant's, in the order given: three queries however many applicants.
    async fn load(tx: &mut store::Tx<'_>, inner: &Inner, applicants: &[ApplicantId]) -> anyhow::Result<Vec<Self>> {
        if applicants.is_empty() {
            return Ok(Vec::new());
        }
        let requests = owned_requests(tx, applicants).await?;
        let sms = sms_settings::view_each(tx, &inner.vault, applicants).await?;
        let announcements = announcements::view_each(tx, &inner.catalog, applicants).await?;
        Ok(requests
            .into_iter()
            .zip(sms)
            .zip(announcements)
            .map(|((my_requests, sms), announcements)| Self {
                my_requests,
                sms,
                announcements,
            })
            .collect())
    }
}

/// The inputs of a batch in rounds in which no chat comes twice, each chat's inputs in the
/// order given: positions into `arrivals`.
fn rounds_of_distinct_chats(arrivals: &[Arrival<'_>]) -> Vec<Vec<usize>> {
    let mut seen: std::collections::HashMap<(&str, i64), usize> = std::collections::HashMap::new();
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    for (i, a) in arrivals.iter().enumerate() {
        let times = seen.entry((a.origin.platform, a.origin.chat_id)).or_insert(0);
        if rounds.len() <= *times {
            rounds.push(Vec::new());
        }
        rounds[*times].push(i);
        *times += 1;
    }
    rounds
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
