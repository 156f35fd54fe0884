//! The dispatcher: claims due notices in batches, renders each in the applicant's language,
//! sends it, and records the outcome. Failures retry with capped exponential backoff and
//! jitter, a 429 waits as long as asked, a blocked chat stops, and a notice that runs out of
//! attempts ends `dead`, visible with its last error.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::sender::{ChatSender, SendError};
use crate::app::Application;
use crate::i18n::Locale;
use crate::staff_chat::StaffChat;
use crate::store::applicants::ApplicantId;
use crate::store::outbox::{self, ApplicantChat, Claimed, Recipient, StaffSubject};

/// How the dispatcher paces itself.
#[derive(Debug, Clone)]
pub struct DispatcherSettings {
    pub batch: i64,
    /// How long a claim lasts; a dispatcher that dies leaves its notices for others after this.
    pub lease: Duration,
    pub max_attempts: i32,
    pub idle_poll: Duration,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for DispatcherSettings {
    fn default() -> Self {
        Self {
            batch: 50,
            lease: Duration::from_secs(60),
            max_attempts: 8,
            idle_poll: Duration::from_millis(500),
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(600),
        }
    }
}

/// What became of one notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Sent,
    Later,
    Blocked,
    Dead,
}

/// Delivers notices for the platforms it has senders for.
#[derive(Clone)]
pub struct Dispatcher {
    app: Application,
    senders: Arc<HashMap<String, ChatSender>>,
    staff_chat: Option<StaffChat>,
    settings: DispatcherSettings,
}

/// Notices to one chat go out in order, one at a time; chats are served side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ChatKey {
    Applicant(ApplicantId),
    StaffGroup,
}

impl Dispatcher {
    pub fn new(app: Application, senders: HashMap<String, ChatSender>, settings: DispatcherSettings) -> Self {
        Self {
            app,
            senders: Arc::new(senders),
            staff_chat: None,
            settings,
        }
    }

    /// Also delivers posts to the staff group.
    pub fn with_staff_chat(mut self, staff_chat: StaffChat) -> Self {
        self.staff_chat = Some(staff_chat);
        self
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let idle = match self.run_once().await {
                Ok(0) => true,
                Ok(_) => false,
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "dispatching notices failed");
                    true
                }
            };
            if *shutdown.borrow() {
                return;
            }
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.idle_poll) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }

    /// Claims one batch and delivers it; returns how many notices it handled.
    #[tracing::instrument(skip_all)]
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let platforms: Vec<String> = self.senders.keys().cloned().collect();
        let staff = self.staff_chat.is_some();
        let batch = outbox::claim(
            self.app.pool(),
            &platforms,
            staff,
            self.settings.batch,
            self.settings.lease,
        )
        .await?;
        let count = batch.len();
        // One task per chat: a chat whose sends are slow or failing (teloxide pauses ten seconds
        // inside the call on every 5xx) must not hold up everyone else's notices, while one
        // chat's notices still go out in the order they were queued.
        let mut per_chat: HashMap<ChatKey, Vec<Claimed>> = HashMap::new();
        for notice in batch {
            let key = match &notice.to {
                Recipient::Applicant(chat) => ChatKey::Applicant(chat.applicant),
                Recipient::Staff(_) => ChatKey::StaffGroup,
            };
            per_chat.entry(key).or_default().push(notice);
        }
        let mut tasks = JoinSet::new();
        for notices in per_chat.into_values() {
            let this = self.clone();
            tasks.spawn(async move { this.deliver_in_order(notices).await });
        }
        // A task that fails leaves its notices claimed; the lease hands them to the next round.
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            let result = joined.context("a delivery task panicked").and_then(|r| r);
            if let Err(err) = result {
                first_error.get_or_insert(err);
            }
        }
        match first_error {
            Some(err) => Err(err),
            None => Ok(count),
        }
    }

    /// Delivers one chat's notices in order; once the chat turns out blocked the rest are not
    /// tried. The claim read the blocked flag before this batch began.
    async fn deliver_in_order(&self, notices: Vec<Claimed>) -> anyhow::Result<()> {
        let mut blocked = false;
        for notice in notices {
            let delivery = match &notice.to {
                Recipient::Applicant(chat) if blocked || chat.blocked => {
                    let error = "the applicant has blocked the bot";
                    outbox::mark_blocked(self.app.pool(), notice.id, chat.applicant, error).await?;
                    Delivery::Blocked
                }
                Recipient::Applicant(chat) => self.deliver(&notice, chat).await?,
                Recipient::Staff(subject) => self.post_to_staff(&notice, *subject).await?,
            };
            blocked |= delivery == Delivery::Blocked;
        }
        Ok(())
    }

    async fn deliver(&self, notice: &Claimed, chat: &ApplicantChat) -> anyhow::Result<Delivery> {
        let Some(sender) = self.senders.get(&chat.platform) else {
            let error = format!("no {} channel is running", chat.platform);
            self.retry_or_give_up(notice, &error).await?;
            return Ok(Delivery::Later);
        };
        let locale = chat
            .locale
            .as_deref()
            .and_then(Locale::parse)
            .unwrap_or(self.app.config().default_locale);
        let text = self.app.i18n().render(locale, &notice.message);
        let result = sender.send(chat.chat_id, text).await;
        self.record(notice, result, Some(chat.applicant)).await
    }

    async fn post_to_staff(&self, notice: &Claimed, subject: StaffSubject) -> anyhow::Result<Delivery> {
        let Some(staff_chat) = &self.staff_chat else {
            self.retry_or_give_up(notice, "no staff chat is running").await?;
            return Ok(Delivery::Later);
        };
        let result = staff_chat.post(subject, &notice.message).await;
        self.record(notice, result, None).await
    }

    /// Records what became of a send. A blocked staff group has no other channel: the post is
    /// dead, visible with the error, until the bot is back in the group.
    async fn record(
        &self,
        notice: &Claimed,
        result: Result<(), SendError>,
        applicant: Option<ApplicantId>,
    ) -> anyhow::Result<Delivery> {
        let pool = self.app.pool();
        let outcome = match result {
            Ok(()) => {
                outbox::mark_sent(pool, notice.id).await?;
                Delivery::Sent
            }
            Err(SendError::RetryAfter(wait)) => {
                tracing::warn!(wait = ?wait, "the Bot API asked us to slow down");
                let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(30));
                outbox::retry_at(pool, notice.id, at, "429 Too Many Requests", true).await?;
                Delivery::Later
            }
            Err(SendError::Blocked(error)) => match applicant {
                Some(applicant) => {
                    outbox::mark_blocked(pool, notice.id, applicant, &error).await?;
                    Delivery::Blocked
                }
                None => {
                    tracing::error!(error = %error, "the bot cannot post to the staff group");
                    outbox::mark_dead(pool, notice.id, &error).await?;
                    Delivery::Dead
                }
            },
            Err(SendError::Permanent(error)) => {
                tracing::warn!(notice = notice.id, error = %error, "notice cannot be delivered");
                outbox::mark_dead(pool, notice.id, &error).await?;
                Delivery::Dead
            }
            Err(SendError::Temporary(error)) => {
                self.retry_or_give_up(notice, &error).await?;
                Delivery::Later
            }
        };
        Ok(outcome)
    }

    async fn retry_or_give_up(&self, notice: &Claimed, error: &str) -> anyhow::Result<()> {
        let pool = self.app.pool();
        if notice.attempts >= self.settings.max_attempts {
            tracing::warn!(notice = notice.id, error = %error, "notice is dead after its last attempt");
            outbox::mark_dead(pool, notice.id, error).await?;
        } else {
            let wait = backoff(&self.settings, notice.attempts);
            let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
            outbox::retry_at(pool, notice.id, at, error, false).await?;
        }
        Ok(())
    }
}

/// Exponential in the attempts made, capped, with ±25% jitter so that many notices that failed
/// together do not retry together.
fn backoff(settings: &DispatcherSettings, attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    let raw = settings
        .backoff_base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(settings.backoff_cap);
    let mut byte = [0u8; 1];
    let jitter = if getrandom::fill(&mut byte).is_ok() {
        f64::from(byte[0]) / 255.0
    } else {
        0.5
    };
    raw.mul_f64(0.75 + jitter * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let settings = DispatcherSettings::default();
        let first = backoff(&settings, 1);
        assert!(
            first >= Duration::from_millis(1500) && first <= Duration::from_millis(2500),
            "{first:?}"
        );
        let fifth = backoff(&settings, 5);
        assert!(
            fifth >= Duration::from_secs(24) && fifth <= Duration::from_secs(40),
            "{fifth:?}"
        );
        let late = backoff(&settings, 30);
        assert!(late <= Duration::from_secs(750), "{late:?}");
    }
}
