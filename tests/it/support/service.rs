//! The whole service (`serve`) running against the fake Bot API, and a Telegram user talking
//! to it.

use peygir::app::Application;
use peygir::i18n::{Locale, Msg};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::bot_api::{FakeBotApi, TOKEN, updates};
use super::journeys::Give;
use super::{build_app, config_text};

/// The service running against a fake Bot API.
pub struct Running {
    pub fake: FakeBotApi,
    pub app: Application,
    pub http: std::net::SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// A fresh fake Bot API and database, and the service polling them.
    pub async fn fresh(env: &[(&str, String)]) -> Self {
        let fake = FakeBotApi::start().await;
        let db = super::database::fresh_database().await;
        Self::start(&fake, &db, env).await
    }

    pub async fn start(fake: &FakeBotApi, db: &str, env: &[(&str, String)]) -> Self {
        Self::start_with(fake, db, |t| t, env).await
    }

    /// The service with `edit` applied to the shipped configuration.
    pub async fn start_with(
        fake: &FakeBotApi,
        db: &str,
        edit: impl FnOnce(String) -> String,
        env: &[(&str, String)],
    ) -> Self {
        let toml = edit(config_text(|t| {
            t.replace("poll_timeout_secs = 30", "poll_timeout_secs = 1")
        }));
        let mut env = env.to_vec();
        env.push(("PEYGIR_TELEGRAM_TOKEN", TOKEN.to_owned()));
        env.push(("PEYGIR_TELEGRAM_API_URL", fake.url.clone()));
        let app = build_app(db, &toml, &env).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http = listener.local_addr().unwrap();
        let (stop, shutdown) = watch::channel(false);
        let task = tokio::spawn(peygir::server::serve(app.clone(), listener, None, shutdown));
        if !wait_until_healthy(http).await {
            let outcome = if task.is_finished() {
                format!("{:?}", task.await)
            } else {
                "still running".into()
            };
            panic!(
                "the service did not become healthy within 30 s: {outcome}; Bot API violations: {:?}",
                fake.violations()
            );
        }
        Self {
            fake: fake.clone(),
            app,
            http,
            stop,
            task,
        }
    }

    pub async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap().unwrap();
        self.app.shutdown().await.unwrap();
    }

    pub fn user(&self, chat_id: i64) -> User {
        User {
            fake: self.fake.clone(),
            pool: self.app.pool().clone(),
            chat_id,
            seen: self.fake.sent_to(chat_id).len(),
        }
    }

    /// Waits until the service has handled update `id` and every one before it.
    pub async fn wait_handled(&self, id: i64) {
        handled(&self.fake, self.app.pool(), id).await;
    }

    /// Waits until every reply queued so far has reached the fake.
    pub async fn replies_delivered(&self) {
        replies_delivered(self.app.pool()).await;
    }

    /// Waits until the chat has received `count` messages in all, and returns their texts.
    pub async fn messages_to(&self, chat_id: i64, count: usize) -> Vec<String> {
        for _ in 0..200 {
            let sent = self.fake.sent_to(chat_id);
            if sent.len() >= count {
                return sent.iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("chat {chat_id} did not receive {count} messages within 20 s");
    }

    pub fn text(&self, locale: Locale, id: &str) -> String {
        self.app.i18n().render(locale, &Msg::new(id))
    }
}

/// `/ready` answers 200 once the bot is set up (webhook registered) and the database answers.
async fn wait_until_healthy(http: std::net::SocketAddr) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(response) = client.get(format!("http://{http}/ready")).send().await
            && response.status() == 200
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// Waits until the bot has fetched update `id` and handled it and every update before it:
/// polling stores updates and deletes each once handled.
pub async fn handled(fake: &FakeBotApi, pool: &sqlx::PgPool, id: i64) {
    fake.wait_stored(id).await;
    for _ in 0..1500 {
        // Stops at the first row found: cheap while a backlog is handled (the benches call it).
        let waiting: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inbox WHERE update_id <= $1)")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
        if !waiting {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("update {id} was still waiting to be handled after 30 s");
}

/// Waits until no stored update waits to be handled and no reply waits to be sent: each is
/// deleted once handled, or taken by the fake.
pub async fn replies_delivered(pool: &sqlx::PgPool) {
    for _ in 0..3000 {
        if peygir::store::inbox::waiting(pool).await.unwrap() == 0
            && peygir::store::replies::waiting(pool).await.unwrap() == 0
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("updates or replies were still waiting after 30 s");
}

/// A Telegram user in a private chat with the bot.
pub struct User {
    pub fake: FakeBotApi,
    pool: sqlx::PgPool,
    pub chat_id: i64,
    seen: usize,
}

impl User {
    /// Sends an update and returns the texts the bot sent back.
    pub async fn send(&mut self, update: Value) -> String {
        let id = self.fake.push(update);
        self.fake.wait_stored(id).await;
        replies_delivered(&self.pool).await;
        self.new_messages()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    pub fn new_messages(&mut self) -> Vec<Value> {
        let sent = self.fake.sent_to(self.chat_id);
        let new = sent[self.seen..].to_vec();
        self.seen = sent.len();
        new
    }

    pub async fn says(&mut self, text: &str) -> String {
        self.send(updates::text(self.chat_id, text)).await
    }

    /// Presses the newest inline button whose data names `key`.
    pub async fn presses(&mut self, key: &str) -> String {
        let sent = self.fake.sent_to(self.chat_id);
        let (message, data) = sent
            .iter()
            .rev()
            .find_map(|m| {
                let rows = m["reply_markup"]["inline_keyboard"].as_array()?;
                rows.iter().flat_map(|r| r.as_array().unwrap()).find_map(|b| {
                    let data = b["callback_data"].as_str()?;
                    (data.split_once(':')?.1 == key).then(|| (m.clone(), data.to_owned()))
                })
            })
            .unwrap_or_else(|| panic!("no button `{key}` sent to chat {}", self.chat_id));
        self.send(updates::press(self.chat_id, &data, &message)).await
    }

    /// Submits a request with every question answered well; returns its tracking code.
    pub async fn submits(&mut self, locale: Locale, service: &str, questions: &[super::journeys::Question]) -> String {
        self.says("/start").await;
        self.presses(&format!("lang:{}", locale.code())).await;
        self.presses("menu:submit").await;
        self.presses(&format!("svc:{service}")).await;
        for question in questions {
            self.give(&question.good).await;
        }
        let done = self.presses("confirm").await;
        super::tracking_codes(&done)[0].to_string()
    }

    pub async fn give(&mut self, answer: &Give) -> String {
        match answer {
            Give::Text(text) => self.says(text).await,
            Give::Long(n) => self.says(&"ب".repeat(*n)).await,
            Give::Pick(key) => self.presses(key).await,
            Give::Skip => self.says("/skip").await,
            Give::File(name, mime, size) => self.send(updates::document(self.chat_id, name, mime, *size)).await,
            Give::Contact(phone) => self.send(updates::contact(self.chat_id, phone)).await,
        }
    }
}
