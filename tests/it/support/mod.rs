//! Shared test support: a fresh database per test, the application built the way `main`
//! builds it, an in-process chat driver, and a fake Bot API server.

pub mod api;
pub mod bale_otp;
// Only the benches, binaries of their own, read their scale.
#[allow(dead_code)]
pub mod bench;
pub mod bot_api;
pub mod chat;
pub mod database;
pub mod journeys;
pub mod kavenegar;
pub mod portal;
pub mod safir;
pub mod service;
pub mod smsir;
pub mod webdriver;

use std::time::Duration;

use peygir::app::Application;
use peygir::config::{Config, DEFAULT_TOML};
use peygir::notify::{ChatLimits, DispatcherSettings};

pub use chat::{Chat, tracking_codes};

/// Asks `found` every 50 ms until it gives a value; fails the test after `limit`, naming `what`.
pub async fn eventually<T>(what: &str, limit: std::time::Duration, mut found: impl AsyncFnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(value) = found().await {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until `done` holds; fails the test after `limit`, naming `what`.
pub async fn wait_until(what: &str, limit: std::time::Duration, mut done: impl AsyncFnMut() -> bool) {
    eventually(what, limit, async || done().await.then_some(())).await
}

/// Serves `router` on a loopback port of its own, in the background, as the fakes of outside
/// services do; returns its base URL.
pub async fn serve_on_loopback(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// The repository's locales folder, wherever the test runs from.
pub fn locales_dir() -> String {
    format!("{}/locales", env!("CARGO_MANIFEST_DIR"))
}

/// The data keys every test application (and a service binary started on its database) uses.
pub fn keys_file() -> String {
    format!("{}/data/data-keys.toml", env!("CARGO_MANIFEST_DIR"))
}

/// The shipped configuration with `edit` applied to its text.
pub fn config_text(edit: impl FnOnce(String) -> String) -> String {
    edit(DEFAULT_TOML.to_owned())
}

/// The quiet hours `bot.toml` ships with, and a setting with none.
pub const SHIPPED_QUIET: &str = r#"quiet_hours = { start = "22:00", end = "07:00" }"#;
pub const NEVER_QUIET: &str = r#"quiet_hours = { start = "00:00", end = "00:00" }"#;

/// The shipped configuration with its quiet hours replaced by `quiet`.
pub fn config_with_quiet_hours(quiet: &str) -> String {
    config_text(|t| t.replace(SHIPPED_QUIET, quiet))
}

/// The environment for a bot on the fake Bot API at `bot_url` sending SMS through the fake
/// Kavenegar at `kavenegar_url`.
pub fn bot_and_kavenegar_env(bot_url: &str, kavenegar_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PEYGIR_TELEGRAM_TOKEN", bot_api::TOKEN.to_owned()),
        ("PEYGIR_TELEGRAM_API_URL", bot_url.to_owned()),
        ("PEYGIR_SMS_PROVIDER", "kavenegar".to_owned()),
        ("PEYGIR_KAVENEGAR_API_KEY", kavenegar::API_KEY.to_owned()),
        ("PEYGIR_KAVENEGAR_URL", kavenegar_url.to_owned()),
    ]
}

/// Dispatcher settings for tests: a one-second lease, near-instant backoff, three attempts,
/// and no pacing.
pub fn quick_dispatch() -> DispatcherSettings {
    DispatcherSettings {
        lease: Duration::from_secs(1),
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        max_attempts: 3,
        limits: ChatLimits::NONE,
        ..DispatcherSettings::default()
    }
}

/// Does the staff act `action` as `actor` through the staff core, in a transaction of its own,
/// committed whatever came of it (a refusal must have written nothing to commit).
pub async fn attempt(
    app: &Application,
    actor: peygir::staff::perform::Actor<'_>,
    action: peygir::staff::perform::Action<'_>,
) -> Result<peygir::staff::perform::Done, peygir::staff::perform::Refusal> {
    let mut tx = app.pool().begin().await.unwrap();
    let result = peygir::staff::perform::perform(&mut tx, app, actor, action, chrono::Utc::now()).await;
    tx.commit().await.unwrap();
    result
}

/// One run of the deadlines job (served, reminded, lapsed) at `now`, committed.
pub async fn run_deadlines(app: &Application, now: chrono::DateTime<chrono::Utc>) -> peygir::deadlines::Ran {
    let mut tx = app.pool().begin().await.unwrap();
    let ran = peygir::deadlines::run(&mut tx, app, now).await.unwrap();
    tx.commit().await.unwrap();
    ran
}

/// Builds the application on `database_url` from configuration text and extra environment.
pub async fn build_app(database_url: &str, toml: &str, env: &[(&str, String)]) -> Application {
    let lookup = |key: &str| match key {
        "PEYGIR_DATABASE_URL" => Some(database_url.to_owned()),
        "PEYGIR_LOCALES_DIR" => Some(locales_dir()),
        _ => env
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .or_else(|| (key == "PEYGIR_DATA_KEYS_FILE").then(keys_file)),
    };
    let (config, catalog) = Config::from_toml(toml, lookup).expect("valid test configuration");
    Application::build(config, catalog)
        .await
        .expect("building the application")
}

/// The URL of `app`'s database as its owner, who may do what the service's role may not
/// (empty tables, analyse them, load `auto_explain`).
pub fn owner_url(app: &Application) -> String {
    use secrecy::ExposeSecret as _;
    app.config()
        .database
        .url
        .as_ref()
        .expect("a database URL")
        .expose_secret()
        .to_owned()
}

/// A pool of `connections` to `app`'s database as its owner.
pub async fn owner_pool(app: &Application, connections: u32) -> sqlx::PgPool {
    peygir::store::connect(&owner_url(app), connections).await.unwrap()
}

/// The application with the shipped configuration on a fresh database.
pub async fn spawn_app() -> (Application, String) {
    let db = database::fresh_database().await;
    let app = build_app(&db, &config_text(|t| t), &[]).await;
    (app, db)
}

/// The application with the shipped configuration and a staff group, on a fresh database.
pub async fn spawn_app_with_staff_chat() -> (Application, String) {
    let db = database::fresh_database().await;
    let app = build_app(
        &db,
        &config_text(|t| t),
        &[("PEYGIR_STAFF_CHAT_ID", "-1009".to_owned())],
    )
    .await;
    (app, db)
}

/// Writes a small file of the given name into a fresh temp folder and returns its path.
pub fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("peygir-test-files-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn rand_suffix() -> u64 {
    peygir::domain::TrackingCode::generate().to_stored() as u64 % 1_000_000_007
}

/// A broadcast of `message` keyed and filed under `event`, for queueing many notices at once.
pub fn broadcast<'a>(event: &'a str, message: &'a peygir::i18n::Msg) -> peygir::store::outbox::Fanout<'a> {
    peygir::store::outbox::Fanout {
        event,
        kind: peygir::notify::kind::NoticeKind::Broadcast,
        subject: event,
        message,
    }
}

/// Ticks `scheduler` at `now` until it leads; returns it with the jobs that first tick as
/// leader ran. The server frees a dead leader's lock once it sees the connection closed,
/// which takes a moment after the drop.
pub async fn lead(
    mut scheduler: peygir::scheduler::Scheduler,
    now: chrono::DateTime<chrono::Utc>,
) -> (peygir::scheduler::Scheduler, Vec<peygir::scheduler::Job>) {
    for _ in 0..100 {
        let ticked = scheduler.tick(now).await.unwrap();
        if scheduler.leads() {
            return (scheduler, ticked.jobs);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no instance took over the schedule within 5 s");
}

/// Telegram applicants with these chat ids, as if each had written to the bot.
/// A request of `service` with no answers, at `stage`, of the Telegram applicant in `chat`
/// (stored directly, for tests about what happens to requests rather than how they are made).
pub async fn stored_request(
    app: &Application,
    chat: i64,
    service: &str,
    stage: &str,
) -> (i64, peygir::domain::TrackingCode) {
    let mut tx = app.pool().begin().await.unwrap();
    let applicant = peygir::store::applicants::find_or_create(&mut tx, "telegram", chat)
        .await
        .unwrap();
    let stored = peygir::store::requests::insert(
        &mut tx,
        app.vault(),
        applicant,
        service,
        stage,
        &Vec::new(),
        peygir::i18n::Locale::Fa,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    stored
}

/// Telegram applicants with the chats `chats`, made in one transaction; their ids in order.
pub async fn add_applicants(
    app: &Application,
    chats: impl IntoIterator<Item = i64>,
) -> Vec<peygir::store::applicants::ApplicantId> {
    let mut tx = app.pool().begin().await.unwrap();
    let mut ids = Vec::new();
    for chat in chats {
        ids.push(
            peygir::store::applicants::find_or_create(&mut tx, "telegram", chat)
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    ids
}
