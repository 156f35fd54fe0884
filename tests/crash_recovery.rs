//! `kill -9` of the real service binary while it sends 10,000 notices, then a restart: every
//! recipient gets the notice, and none gets it twice beyond the sends that were in flight (at
//! most one claimed batch: sent, but not yet recorded, when the process died).

mod support;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use peygir::i18n::{Arg, Msg};
use peygir::store::applicants::ApplicantId;
use peygir::store::outbox;
use support::bot_api::{FakeBotApi, TOKEN};

const RECIPIENTS: i64 = 10_000;
/// The dispatcher's claim size: the most sends that can be made and not yet recorded.
const IN_FLIGHT: usize = 200;

fn start_service(db: &str, fake: &FakeBotApi, data_dir: &std::path::Path) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_peygir"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PEYGIR_DATABASE_URL", db)
        .env("PEYGIR_TELEGRAM_TOKEN", TOKEN)
        .env("PEYGIR_TELEGRAM_API_URL", &fake.url)
        .env("PEYGIR_TELEGRAM_MAX_PER_SECOND", "0")
        .env("PEYGIR_HTTP_LISTEN", "127.0.0.1:0")
        .env("PEYGIR_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting the service binary")
}

async fn wait_until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn kill_9_mid_send_then_restart_delivers_every_notice() {
    let fake = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    // Build once to migrate, then queue the broadcast.
    let app = support::build_app(&db, &support::config_text(|t| t), &[]).await;
    sqlx::query(
        "INSERT INTO applicants (platform, chat_id) SELECT 'telegram', g FROM generate_series(1, $1::bigint) g",
    )
    .bind(RECIPIENTS)
    .execute(app.pool())
    .await
    .unwrap();
    let ids: Vec<ApplicantId> = sqlx::query_scalar("SELECT id FROM applicants ORDER BY id")
        .fetch_all(app.pool())
        .await
        .unwrap();
    let message = Msg::new("notice-complaint-answered")
        .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
        .arg("answer", Arg::Text("maintenance tonight".into()));
    let mut tx = app.pool().begin().await.unwrap();
    assert_eq!(
        outbox::enqueue_many(&mut tx, support::broadcast("crash-test", &message), &ids)
            .await
            .unwrap(),
        RECIPIENTS as u64
    );
    tx.commit().await.unwrap();

    let data_dir = std::env::temp_dir().join(format!("peygir-crash-{}", std::process::id()));
    let mut service = start_service(&db, &fake, &data_dir);
    wait_until("the first sends", Duration::from_secs(120), async || {
        fake.calls("sendMessage").len() >= 1500
    })
    .await;
    service.start_kill().unwrap(); // SIGKILL: no shutdown, no cleanup
    service.wait().await.unwrap();
    let before_restart = fake.calls("sendMessage").len();
    assert!(
        (before_restart as i64) < RECIPIENTS,
        "killed mid-send ({before_restart} sent)"
    );

    let mut service = start_service(&db, &fake, &data_dir);
    let pool = app.pool().clone();
    wait_until("every notice recorded", Duration::from_secs(300), async || {
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE status <> 'sent'")
            .fetch_one(&pool)
            .await
            .unwrap();
        pending == 0
    })
    .await;
    service.start_kill().unwrap();
    service.wait().await.unwrap();

    let mut per_chat: HashMap<i64, usize> = HashMap::new();
    for call in fake.calls("sendMessage") {
        *per_chat.entry(call.params["chat_id"].as_i64().unwrap()).or_default() += 1;
    }
    assert_eq!(per_chat.len() as i64, RECIPIENTS, "every recipient got the notice");
    let doubled: usize = per_chat.values().map(|n| n - 1).sum();
    assert!(
        doubled <= IN_FLIGHT,
        "{doubled} notices went out twice; at most the {IN_FLIGHT} in flight may"
    );
    assert!(per_chat.values().all(|n| *n <= 2));
    assert_eq!(fake.violations(), Vec::<String>::new());
}
