//! The bot when everyone comes at once, against the fake Bot API with Telegram's limits on
//! (30 messages in any one second, arrivals jittered by ±20 ms) and a real PostgreSQL: replies
//! keep their place ahead of a broadcast, a refused reply is sent after the wait, a flooding
//! chat is throttled without holding up the others, and the database going away and coming
//! back loses nothing.

// The support the integration tests in `it/` share; these tests run as a binary of their own.
#[path = "it/support/mod.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::time::{Duration, Instant};

use peygir::i18n::{Arg, Locale, Msg};
use peygir::store::applicants::ApplicantId;
use peygir::store::cluster::PrivateCluster;
use peygir::store::outbox;
use serde_json::json;
use support::bot_api::{FakeBotApi, Fault, updates};
use support::service::Running;
use support::wait_until;

/// Telegram's limit on messages a second, which the fake enforces.
const LIMIT: usize = 30;

/// Held by every test here: they measure sends against the limit, flood the bot or restart
/// PostgreSQL, and on two shared cores one's work would delay another's measured sends by
/// more than any network would.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The texts a chat received, in the order they arrived.
fn texts_to(fake: &FakeBotApi, chat_id: i64) -> Vec<String> {
    fake.sent_to(chat_id)
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

/// Queues a broadcast to `recipients` applicants with chat ids from `first_chat` on.
async fn broadcast_to(app: &peygir::app::Application, first_chat: i64, recipients: i64) {
    support::add_applicants(app, first_chat..first_chat + recipients).await;
    let ids: Vec<ApplicantId> =
        sqlx::query_scalar("SELECT id FROM applicants WHERE chat_id >= $1 AND chat_id < $2 ORDER BY id")
            .bind(first_chat)
            .bind(first_chat + recipients)
            .fetch_all(app.pool())
            .await
            .unwrap();
    let message = Msg::new("notice-complaint-answered")
        .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
        .arg("answer", Arg::Text("سامانه امشب از ساعت ۲۲ در دسترس نیست.".into()));
    let mut tx = app.pool().begin().await.unwrap();
    outbox::enqueue_many(&mut tx, support::broadcast("load-test", &message), &ids)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_at_the_limit_leaves_room_for_every_reply() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let fake = FakeBotApi::start().await;
    fake.enforce_rate(LIMIT);
    fake.jitter_arrivals(Duration::from_millis(20));
    let db = support::database::fresh_database().await;
    let bot = Running::start(&fake, &db, &[]).await;

    // What a conversation looks like on a quiet bot.
    let mut quiet = bot.user(1);
    quiet.says("/start").await;
    quiet.presses("lang:fa").await;
    let expected = texts_to(&fake, 1);
    assert!(expected.len() >= 2, "{expected:?}");

    broadcast_to(&bot.app, 1_000_000, 600).await;
    wait_until("the broadcast to be under way", Duration::from_secs(30), async || {
        fake.count("sendMessage") >= expected.len() + LIMIT
    })
    .await;
    let mut chatting = tokio::task::JoinSet::new();
    for chat in 101..141 {
        let mut user = bot.user(chat);
        chatting.spawn(async move {
            user.says("/start").await;
            user.presses("lang:fa").await;
        });
    }
    while let Some(done) = chatting.join_next().await {
        done.unwrap();
    }
    assert!(
        fake.sent_to(1_000_599).is_empty(),
        "the replies went out while the broadcast still ran"
    );
    for chat in 101..141 {
        assert_eq!(texts_to(&fake, chat), expected, "chat {chat}: every reply, in order");
    }

    wait_until("the whole broadcast", Duration::from_secs(60), async || {
        fake.count("sendMessage") >= expected.len() * 41 + 600
    })
    .await;
    assert_eq!(fake.rate_refusals(), 0, "no 429 from the Bot API");
    assert!(fake.most_sends_in_a_second() <= LIMIT);
    assert_eq!(fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn a_reply_refused_with_429_is_sent_after_the_wait_exactly_once_when_polling() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let bot = Running::fresh(&[]).await;
    let fake = bot.fake.clone();
    let expected = bot.user(1).says("/start").await;

    fake.fail_next(2, Fault::TooManyRequests(3));
    let mut user = bot.user(2);
    let start = Instant::now();
    let id = fake.push(updates::text(2, "/start"));
    fake.wait_stored(id).await;
    bot.replies_delivered().await;
    assert!(start.elapsed() >= Duration::from_secs(3), "the reply waited as asked");
    let texts: Vec<String> = user
        .new_messages()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts.join("\n\n"), expected, "the reply arrived, once");
    assert_eq!(fake.failed_sends(), 1);

    fake.redeliver(id);
    fake.wait_redelivered().await;
    bot.replies_delivered().await;
    assert!(
        user.new_messages().is_empty(),
        "a redelivered update is not answered twice"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

fn webhook_env() -> Vec<(&'static str, String)> {
    vec![
        ("PEYGIR_TELEGRAM_MODE", "webhook".to_owned()),
        (
            "PEYGIR_TELEGRAM_WEBHOOK_URL",
            "https://bot.example.ir/telegram/webhook".to_owned(),
        ),
        ("PEYGIR_TELEGRAM_WEBHOOK_SECRET", "s3cret".to_owned()),
    ]
}

/// Posts an update to the service's webhook as the Bot API does; returns the HTTP status.
async fn post_update(http: std::net::SocketAddr, update: &serde_json::Value) -> u16 {
    reqwest::Client::new()
        .post(format!("http://{http}{}", peygir::http::WEBHOOK_PATH))
        .header(peygir::http::SECRET_HEADER, "s3cret")
        .json(update)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn numbered(mut update: serde_json::Value, id: i64) -> serde_json::Value {
    update["update_id"] = json!(id);
    update
}

#[tokio::test]
async fn a_reply_refused_with_429_is_sent_after_the_wait_exactly_once_by_webhook() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let bot = Running::fresh(&webhook_env()).await;
    let fake = bot.fake.clone();
    assert_eq!(
        post_update(bot.http, &numbered(updates::text(1, "/start"), 1)).await,
        200
    );
    bot.replies_delivered().await;
    let expected = texts_to(&fake, 1);

    fake.fail_next(2, Fault::TooManyRequests(3));
    let start = Instant::now();
    let update = numbered(updates::text(2, "/start"), 2);
    assert_eq!(post_update(bot.http, &update).await, 200, "stored, so acknowledged");
    bot.replies_delivered().await;
    assert!(start.elapsed() >= Duration::from_secs(3), "the reply waited as asked");
    assert_eq!(texts_to(&fake, 2), expected, "the reply arrived, once");

    assert_eq!(post_update(bot.http, &update).await, 200);
    bot.replies_delivered().await;
    assert_eq!(
        texts_to(&fake, 2),
        expected,
        "a redelivered update is not answered twice"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_chat_is_throttled_and_does_not_hold_up_another() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let bot = Running::fresh(&[]).await;
    let fake = bot.fake.clone();
    // Codes well formed but naming nothing: each is a real lookup.
    let lookup = || format!("/track {}", peygir::domain::TrackingCode::generate());
    let flood = |n: usize| {
        for _ in 0..n {
            fake.push(updates::text(66, &lookup()));
        }
    };
    flood(1500);
    let other = fake.push(updates::text(77, "/start"));
    flood(1499);
    let last = fake.push(updates::text(66, &lookup()));
    fake.wait_stored(last).await;
    bot.replies_delivered().await;

    assert!(!fake.sent_to(77).is_empty(), "the other chat is answered");
    // The other chat's update came after 1,500 of the flood's, stored over fifteen batches,
    // but chats take turns: it is handled long before the flood ahead of it is through.
    let flood_before_other: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM processed_updates
         WHERE processed_at < (SELECT processed_at FROM processed_updates WHERE update_id = $1)",
    )
    .bind(other)
    .fetch_one(bot.app.pool())
    .await
    .unwrap();
    assert!(
        flood_before_other < 750,
        "{flood_before_other} of the flood's 1,500 earlier updates were handled before the other chat's"
    );
    assert!(other < last);

    let to_flood = texts_to(&fake, 66);
    let throttled = bot.text(Locale::Fa, "throttled-messages");
    assert!(
        to_flood.contains(&throttled),
        "the flooding chat is told it is throttled"
    );
    let lookups_refused = bot
        .app
        .i18n()
        .render(Locale::Fa, &Msg::new("throttled-lookups").arg("limit", Arg::Number(10)));
    assert!(
        to_flood.contains(&lookups_refused),
        "its lookups past ten a minute are refused"
    );
    // 30 messages a minute answered, with a reply or two each, and one notice past that (two,
    // should the minute turn during the test): not 3,000 answers.
    assert!(
        to_flood.len() <= 2 * (30 * 2 + 1),
        "{} answers to the flood",
        to_flood.len()
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

/// A cluster of this test's own, to restart under the service.
async fn own_cluster(name: &str) -> (std::path::PathBuf, PrivateCluster, String) {
    let dir = std::env::temp_dir().join(format!("peygir-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cluster = PrivateCluster::ensure(&dir, None).await.unwrap();
    peygir::store::create_database(&cluster.url("postgres"), "peygir")
        .await
        .unwrap();
    let url = cluster.url("peygir");
    (dir, cluster, url)
}

async fn status_of(http: std::net::SocketAddr, path: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("http://{http}{path}"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_database_restart_under_polling_loses_no_update_and_answers_none_twice() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let (dir, cluster, db) = own_cluster("restart-polling").await;
    let fake = FakeBotApi::start().await;
    let bot = Running::start(&fake, &db, &[]).await;
    let expected = bot.user(1).says("/start").await;

    cluster.stop().await.unwrap();
    drop(cluster);
    assert_eq!(
        status_of(bot.http, "/health").await,
        200,
        "alive while the database is away"
    );
    assert_eq!(
        status_of(bot.http, "/ready").await,
        503,
        "not ready while the database is away"
    );
    let mut last = 0;
    for chat in 10..30 {
        last = fake.push(updates::text(chat, "/start"));
    }
    // Polling meets the fault and holds its offset.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cluster = PrivateCluster::ensure(&dir, None).await.unwrap();

    fake.wait_stored(last).await;
    bot.replies_delivered().await;
    for chat in 10..30 {
        assert_eq!(
            texts_to(&fake, chat).join("\n\n"),
            expected,
            "chat {chat}: answered once"
        );
    }
    assert_eq!(status_of(bot.http, "/ready").await, 200);
    let apology = bot.text(Locale::Fa, "internal-error");
    assert!(
        fake.calls("sendMessage")
            .iter()
            .all(|c| c.params["text"] != json!(apology))
    );
    bot.stop().await;
    assert!(cluster.release().await.unwrap(), "the test's own server is stopped");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_database_restart_under_webhook_loses_no_update_and_answers_none_twice() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let (dir, cluster, db) = own_cluster("restart-webhook").await;
    let fake = FakeBotApi::start().await;
    let bot = Running::start(&fake, &db, &webhook_env()).await;
    assert_eq!(
        post_update(bot.http, &numbered(updates::text(1, "/start"), 1)).await,
        200
    );
    bot.replies_delivered().await;
    let expected = texts_to(&fake, 1);

    cluster.stop().await.unwrap();
    drop(cluster);
    assert_eq!(status_of(bot.http, "/health").await, 200);
    assert_eq!(status_of(bot.http, "/ready").await, 503);
    let update = numbered(updates::text(2, "/start"), 2);
    assert_eq!(
        post_update(bot.http, &update).await,
        503,
        "not stored, so the Bot API is asked to come back"
    );
    let cluster = PrivateCluster::ensure(&dir, None).await.unwrap();
    // The Bot API delivers it again, perhaps twice.
    assert_eq!(post_update(bot.http, &update).await, 200);
    assert_eq!(post_update(bot.http, &update).await, 200);
    bot.replies_delivered().await;
    assert_eq!(texts_to(&fake, 2), expected, "answered, once");
    assert_eq!(status_of(bot.http, "/ready").await, 200);
    bot.stop().await;
    assert!(cluster.release().await.unwrap(), "the test's own server is stopped");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn webhook_mode_started_while_the_bot_api_is_down_registers_once_it_is_up() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap();
    drop(free);
    let db = support::database::fresh_database().await;
    let toml = support::config_text(|t| t);
    let mut env = webhook_env();
    env.push(("PEYGIR_TELEGRAM_TOKEN", support::bot_api::TOKEN.to_owned()));
    env.push(("PEYGIR_TELEGRAM_API_URL", format!("http://{address}")));
    let app = support::build_app(&db, &toml, &env).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = listener.local_addr().unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let service = tokio::spawn(peygir::server::serve(app.clone(), listener, None, shutdown));

    wait_until("the HTTP server", Duration::from_secs(10), async || {
        status_of(http, "/health").await == 200
    })
    .await;
    assert_eq!(
        status_of(http, "/ready").await,
        503,
        "the webhook is not registered yet"
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let fake = FakeBotApi::start_on(address).await;
    wait_until("the webhook to be registered", Duration::from_secs(30), async || {
        status_of(http, "/ready").await == 200
    })
    .await;
    assert_eq!(fake.calls("setWebhook").len(), 1);
    assert_eq!(post_update(http, &numbered(updates::text(5, "/start"), 1)).await, 200);
    support::service::replies_delivered(app.pool()).await;
    assert!(!fake.sent_to(5).is_empty(), "updates flow");
    assert_eq!(fake.violations(), Vec::<String>::new());
    stop.send(true).unwrap();
    service.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_share_the_limit() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let fake = FakeBotApi::start().await;
    fake.enforce_rate(LIMIT);
    fake.jitter_arrivals(Duration::from_millis(20));
    let db = support::database::fresh_database().await;
    // The two instances reach the fake under two names, so that its record tells them apart.
    let port = fake.url.rsplit(':').next().unwrap().to_owned();
    let instance = async |host: &str| {
        let env = [
            ("PEYGIR_TELEGRAM_TOKEN", support::bot_api::TOKEN.to_owned()),
            ("PEYGIR_TELEGRAM_API_URL", format!("http://{host}:{port}")),
        ];
        let app = support::build_app(&db, &support::config_text(|t| t), &env).await;
        let client =
            teloxide::Bot::new(support::bot_api::TOKEN).set_api_url(format!("http://{host}:{port}").parse().unwrap());
        let senders =
            std::collections::HashMap::from([("telegram".to_owned(), peygir::notify::ChatSender::Bot(client))]);
        let dispatcher =
            peygir::notify::Dispatcher::new(app.clone(), senders, peygir::notify::DispatcherSettings::default());
        (app, dispatcher)
    };
    let (app, one) = instance("127.0.0.1").await;
    let (_, two) = instance("localhost").await;
    let recipients = 600;
    broadcast_to(&app, 1, recipients).await;

    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    let runs = [tokio::spawn(one.run(shutdown.clone())), tokio::spawn(two.run(shutdown))];
    wait_until("the broadcast", Duration::from_secs(60), async || {
        fake.count("sendMessage") >= recipients as usize
    })
    .await;
    let elapsed = start.elapsed().as_secs_f64();
    stop.send(true).unwrap();
    for run in runs {
        run.await.unwrap();
    }
    let calls = fake.calls("sendMessage");
    for host in ["127.0.0.1", "localhost"] {
        assert!(
            calls.iter().any(|c| c.host.starts_with(host)),
            "the instance reaching the fake as {host} sent its share"
        );
    }
    let most = fake.most_sends_in_a_second();
    eprintln!(
        "two instances: {recipients} in {elapsed:.1} s, at most {most} in a second, {} × 429",
        fake.rate_refusals()
    );
    assert_eq!(fake.rate_refusals(), 0, "no 429 from the Bot API");
    assert!(most <= LIMIT, "{most} messages in one second");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
