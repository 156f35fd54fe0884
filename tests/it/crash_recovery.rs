//! `kill -9` of the real service binary while it sends 10,000 notices, then a restart: every
//! recipient gets the notice, and none gets it twice beyond the sends that were in flight (at
//! most one claimed batch: sent, but not yet recorded, when the process died). The same while
//! updates arrive, by polling and by webhook; and one of two instances behind one webhook
//! killed while both work, the other carrying on alone.

use crate::support;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use peygir::i18n::{Arg, Msg};
use peygir::store::applicants::ApplicantId;
use peygir::store::outbox;
use support::bot_api::{FakeBotApi, TOKEN};
use support::wait_until;

const RECIPIENTS: i64 = 10_000;
/// The dispatcher's claim size: the most sends that can be made and not yet recorded.
const IN_FLIGHT: usize = 200;

fn start_service(db: &str, fake: &FakeBotApi, data_dir: &std::path::Path) -> tokio::process::Child {
    start_service_with(db, fake, data_dir, &[])
}

/// The service binary polling `fake` with limits off, with `env` on top.
fn start_service_with(
    db: &str,
    fake: &FakeBotApi,
    data_dir: &std::path::Path,
    env: &[(&str, String)],
) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_peygir"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PEYGIR_DATABASE_URL", db)
        .env("PEYGIR_TELEGRAM_TOKEN", TOKEN)
        .env("PEYGIR_TELEGRAM_API_URL", &fake.url)
        .env("PEYGIR_TELEGRAM_MAX_PER_SECOND", "0")
        .env("PEYGIR_HTTP_LISTEN", "127.0.0.1:0")
        .env("PEYGIR_DATA_DIR", data_dir)
        // The keys of the test application that set up this database.
        .env("PEYGIR_DATA_KEYS_FILE", support::keys_file())
        .env("RUST_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting the service binary")
}

/// The fake Bot API, a fresh database and the application built on it (migrated).
async fn fresh_service() -> (FakeBotApi, String, peygir::app::Application) {
    let fake = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let app = support::build_app(&db, &support::config_text(|t| t), &[]).await;
    (fake, db, app)
}

/// SIGKILL: no shutdown, no cleanup; returns once the process is gone.
async fn kill_9(service: &mut tokio::process::Child) {
    service.start_kill().unwrap();
    service.wait().await.unwrap();
}

#[tokio::test]
async fn kill_9_mid_send_then_restart_delivers_every_notice() {
    // Built once to migrate, then the broadcast queued.
    let (fake, db, app) = fresh_service().await;
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
    assert_eq!(queue_broadcast(app.pool(), &ids, "crash-test").await, RECIPIENTS as u64);

    let data_dir = std::env::temp_dir().join(format!("peygir-crash-{}", std::process::id()));
    let mut service = start_service(&db, &fake, &data_dir);
    wait_until("the first sends", Duration::from_secs(120), async || {
        fake.calls("sendMessage").len() >= 1500
    })
    .await;
    kill_9(&mut service).await;
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
    kill_9(&mut service).await;

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

/// Queues a broadcast to `ids` under `event`; returns how many notices it queued.
async fn queue_broadcast(pool: &sqlx::PgPool, ids: &[ApplicantId], event: &str) -> u64 {
    let message = Msg::new("notice-complaint-answered")
        .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
        .arg("answer", Arg::Text("maintenance tonight".into()));
    let mut tx = pool.begin().await.unwrap();
    let queued = outbox::enqueue_many(&mut tx, support::broadcast(event, &message), ids)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    queued
}

/// How many of `updates` numbered from 0, to chats 1 + i % `chats`, each chat has.
fn updates_per_chat(updates: i64, chats: i64) -> HashMap<i64, usize> {
    (1..=chats)
        .map(|chat| (chat, (0..updates).filter(|i| 1 + i % chats == chat).count()))
        .collect()
}

/// Posts `update` to the webhook as the Bot API does, until it is answered 200: first to
/// `urls[first]`, then to each of the others in turn (one instance, or a proxy's upstream).
async fn post_until_answered(client: &reqwest::Client, urls: &[String], first: usize, update: &serde_json::Value) {
    for attempt in 0.. {
        let sent = client
            .post(&urls[(first + attempt) % urls.len()])
            .header(peygir::http::SECRET_HEADER, "s3cret")
            .json(update)
            .timeout(Duration::from_secs(15))
            .send()
            .await;
        if sent.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Updates handled (stored) so far.
async fn handled(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM processed_updates")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Replies queued and not yet sent.
async fn replies_waiting(pool: &sqlx::PgPool) -> i64 {
    peygir::store::replies::waiting(pool).await.unwrap()
}

/// How many messages one `/start` draws, and their texts, from a quiet run of the service.
async fn replies_to_start(db: &str, fake: &FakeBotApi, data_dir: &std::path::Path, pool: &sqlx::PgPool) -> usize {
    let mut service = start_service(db, fake, data_dir);
    let id = fake.push(support::bot_api::updates::text(999_999, "/start"));
    support::service::handled(fake, pool, id).await;
    wait_until("the replies to /start", Duration::from_secs(30), async || {
        replies_waiting(pool).await == 0
    })
    .await;
    kill_9(&mut service).await;
    fake.sent_to(999_999).len()
}

#[tokio::test]
async fn kill_9_while_updates_arrive_then_restart_answers_every_update() {
    const UPDATES: i64 = 1000;
    const CHATS: i64 = 98;
    const KILLS: usize = 5;
    let (fake, db, app) = fresh_service().await;
    let pool = app.pool().clone();
    let data_dir = std::env::temp_dir().join(format!("peygir-crash-updates-{}", std::process::id()));
    let per_start = replies_to_start(&db, &fake, &data_dir, &pool).await;
    assert!(per_start > 0);
    let before = handled(&pool).await;

    let mut per_chat_updates: HashMap<i64, usize> = HashMap::new();
    for i in 0..UPDATES {
        let chat = 1 + i % CHATS;
        fake.push(support::bot_api::updates::text(chat, "/start"));
        *per_chat_updates.entry(chat).or_default() += 1;
    }
    kill_now_and_then(KILLS, || start_service(&db, &fake, &data_dir)).await;
    let mut service = start_service(&db, &fake, &data_dir);
    wait_until("every update answered", Duration::from_secs(300), async || {
        handled(&pool).await - before == UPDATES && replies_waiting(&pool).await == 0
    })
    .await;
    kill_9(&mut service).await;
    assert_every_update_answered(&fake, &per_chat_updates, per_start, KILLS);
}

#[tokio::test]
async fn a_crash_between_storing_a_step_and_sending_its_replies_loses_none() {
    let (fake, db, app) = fresh_service().await;
    let pool = app.pool().clone();
    let data_dir = std::env::temp_dir().join(format!("peygir-crash-step-{}", std::process::id()));
    let per_start = replies_to_start(&db, &fake, &data_dir, &pool).await;
    let expected: Vec<serde_json::Value> = fake.sent_to(999_999).iter().map(|m| m["text"].clone()).collect();

    // The step is stored, but the first send of its replies fails; the process dies while
    // they wait for their retry (seconds away).
    fake.fail_next(7, support::bot_api::Fault::ServerError);
    let mut service = start_service(&db, &fake, &data_dir);
    let id = fake.push(support::bot_api::updates::text(7, "/start"));
    fake.wait_stored(id).await;
    wait_until("a first failed send", Duration::from_secs(30), async || {
        fake.failed_sends() >= 1
    })
    .await;
    kill_9(&mut service).await;
    assert!(fake.sent_to(7).is_empty());

    let mut service = start_service(&db, &fake, &data_dir);
    wait_until("the replies", Duration::from_secs(120), async || {
        replies_waiting(&pool).await == 0
    })
    .await;
    kill_9(&mut service).await;
    let got: Vec<serde_json::Value> = fake.sent_to(7).iter().map(|m| m["text"].clone()).collect();
    assert_eq!(got.len(), per_start);
    assert_eq!(got, expected, "every reply, once, in order");
}

/// Starts the service with `start` and kills it (SIGKILL: no shutdown, no cleanup) at a random
/// moment between start-up and well into its work, `kills` times over.
async fn kill_now_and_then(kills: usize, start: impl Fn() -> tokio::process::Child) {
    for _ in 0..kills {
        let mut service = start();
        let mut byte = [0u8; 1];
        getrandom::fill(&mut byte).unwrap();
        tokio::time::sleep(Duration::from_millis(300 + 4 * u64::from(byte[0]))).await;
        kill_9(&mut service).await;
    }
}

/// Every chat got the replies to each of its updates; only sends made and not yet recorded
/// when the process died went out twice: at most the 32 under way at once, for each kill.
fn assert_every_update_answered(
    fake: &FakeBotApi,
    updates_per_chat: &HashMap<i64, usize>,
    per_start: usize,
    kills: usize,
) {
    let mut doubled = 0;
    for (chat, updates) in updates_per_chat {
        let got = fake.sent_to(*chat).len();
        let expected = updates * per_start;
        assert!(got >= expected, "chat {chat}: {got} messages for {expected} replies");
        doubled += got - expected;
    }
    assert!(doubled <= 32 * kills, "{doubled} replies went out twice");
    eprintln!("{kills} kills: {doubled} replies sent twice");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn kill_9_while_webhook_updates_arrive_then_restart_answers_every_update() {
    const UPDATES: i64 = 1000;
    const CHATS: i64 = 98;
    const KILLS: usize = 5;
    const POSTERS: i64 = 8;
    let (fake, db, app) = fresh_service().await;
    let pool = app.pool().clone();
    let data_dir = std::env::temp_dir().join(format!("peygir-crash-webhook-{}", std::process::id()));
    let per_start = replies_to_start(&db, &fake, &data_dir, &pool).await;
    let before = handled(&pool).await;
    let port = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        free.local_addr().unwrap().port()
    };

    // The Bot API's side: each update is posted until it is answered 200, as Telegram retries,
    // over a few connections at once, each chat's updates in order.
    let urls = [format!("http://127.0.0.1:{port}{}", peygir::http::WEBHOOK_PATH)];
    let mut posters = tokio::task::JoinSet::new();
    for poster in 0..POSTERS {
        let urls = urls.clone();
        posters.spawn(async move {
            let client = reqwest::Client::new();
            for i in (0..UPDATES).filter(|i| (i % CHATS) % POSTERS == poster) {
                let mut update = support::bot_api::updates::text(1 + i % CHATS, "/start");
                update["update_id"] = serde_json::json!(100_000 + i);
                post_until_answered(&client, &urls, 0, &update).await;
            }
        });
    }
    let webhook = [
        ("PEYGIR_TELEGRAM_MODE", "webhook".to_owned()),
        (
            "PEYGIR_TELEGRAM_WEBHOOK_URL",
            "https://bot.example.ir/telegram/webhook".to_owned(),
        ),
        ("PEYGIR_TELEGRAM_WEBHOOK_SECRET", "s3cret".to_owned()),
        ("PEYGIR_HTTP_LISTEN", format!("127.0.0.1:{port}")),
    ];
    let start = || start_service_with(&db, &fake, &data_dir, &webhook);
    kill_now_and_then(KILLS, start).await;
    let mut service = start();
    while let Some(done) = posters.join_next().await {
        done.unwrap();
    }
    wait_until("every update answered", Duration::from_secs(300), async || {
        handled(&pool).await - before == UPDATES && replies_waiting(&pool).await == 0
    })
    .await;
    kill_9(&mut service).await;

    let updates_per_chat = updates_per_chat(UPDATES, CHATS);
    assert_every_update_answered(&fake, &updates_per_chat, per_start, KILLS);
}

#[tokio::test]
async fn one_of_two_instances_behind_a_webhook_killed_the_other_carries_on() {
    const UPDATES: i64 = 600;
    const CHATS: i64 = 60;
    const NOTICES: i64 = 10_000;
    let (fake, db, app) = fresh_service().await;
    let pool = app.pool().clone();
    let dir = |name: &str| std::env::temp_dir().join(format!("peygir-two-{name}-{}", std::process::id()));
    let per_start = replies_to_start(&db, &fake, &dir("probe"), &pool).await;
    let before = handled(&pool).await;
    // A broadcast both instances send, to recipients apart from the chatting applicants.
    sqlx::query(
        "INSERT INTO applicants (platform, chat_id) SELECT 'telegram', g FROM generate_series(1000001, 1000000 + $1::bigint) g",
    )
    .bind(NOTICES)
    .execute(&pool)
    .await
    .unwrap();
    let ids: Vec<ApplicantId> = sqlx::query_scalar("SELECT id FROM applicants WHERE chat_id > 1000000 ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    queue_broadcast(&pool, &ids, "two-instances").await;

    let ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let instance = |port: u16, name: &str| {
        let webhook = [
            ("PEYGIR_TELEGRAM_MODE", "webhook".to_owned()),
            (
                "PEYGIR_TELEGRAM_WEBHOOK_URL",
                "https://bot.example.ir/telegram/webhook".to_owned(),
            ),
            ("PEYGIR_TELEGRAM_WEBHOOK_SECRET", "s3cret".to_owned()),
            ("PEYGIR_HTTP_LISTEN", format!("127.0.0.1:{port}")),
        ];
        start_service_with(&db, &fake, &dir(name), &webhook)
    };
    let mut first = instance(ports[0], "first");
    let mut second = instance(ports[1], "second");

    // What nginx does with the two as one upstream: each update goes to one instance in turn,
    // and to the other when that one does not answer (`proxy_next_upstream error`); Telegram
    // posts it again until it is answered 200.
    let urls: Vec<String> = ports
        .iter()
        .map(|port| format!("http://127.0.0.1:{port}{}", peygir::http::WEBHOOK_PATH))
        .collect();
    let mut posters = tokio::task::JoinSet::new();
    for poster in 0..4 {
        let urls = urls.clone();
        posters.spawn(async move {
            let client = reqwest::Client::new();
            for i in (0..UPDATES).filter(|i| (i % CHATS) % 4 == poster) {
                let mut update = support::bot_api::updates::text(1 + i % CHATS, "/start");
                update["update_id"] = serde_json::json!(200_000 + i);
                post_until_answered(&client, &urls, i as usize, &update).await;
                // An applicant types at a person's pace, not a machine's.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
    wait_until("both instances at work", Duration::from_secs(120), async || {
        handled(&pool).await - before >= UPDATES / 3 && fake.calls("sendMessage").len() >= 500
    })
    .await;
    kill_9(&mut first).await;
    let at_the_kill = handled(&pool).await - before;
    assert!(at_the_kill < UPDATES, "killed while updates still arrived");
    while let Some(done) = posters.join_next().await {
        done.unwrap();
    }
    wait_until(
        "every update answered and every notice sent",
        Duration::from_secs(300),
        async || {
            let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE status <> 'sent'")
                .fetch_one(&pool)
                .await
                .unwrap();
            handled(&pool).await - before == UPDATES && replies_waiting(&pool).await == 0 && unsent == 0
        },
    )
    .await;
    kill_9(&mut second).await;

    let updates_per_chat = updates_per_chat(UPDATES, CHATS);
    assert_every_update_answered(&fake, &updates_per_chat, per_start, 1);
    let mut per_recipient: HashMap<i64, usize> = HashMap::new();
    for call in fake.calls("sendMessage") {
        let chat = call.params["chat_id"].as_i64().unwrap();
        if chat > 1_000_000 {
            *per_recipient.entry(chat).or_default() += 1;
        }
    }
    assert_eq!(per_recipient.len() as i64, NOTICES, "every recipient got the notice");
    let doubled: usize = per_recipient.values().map(|n| n - 1).sum();
    assert!(
        doubled <= IN_FLIGHT,
        "{doubled} notices went out twice; at most the {IN_FLIGHT} the killed instance had in flight may"
    );
    eprintln!("killed after {at_the_kill} of {UPDATES} updates: {doubled} notices sent twice");
}
