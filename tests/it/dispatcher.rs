//! The notice dispatcher against the fake Bot API: a dispatcher that dies between claiming and
//! sending, two dispatchers on one database, 429 with retry_after, a blocked bot, and a notice
//! that runs out of attempts, how many sends are under way at once, a round that runs late, and
//! paced rounds on a slow Bot API, and one chat's pace kept by two dispatchers; a fan-out or a
//! notice to an applicant that does not exist.

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use peygir::app::Application;
use peygir::i18n::{Arg, Msg};
use peygir::notify::{ChatSender, Dispatcher, DispatcherSettings};
use peygir::store::applicants::{self, ApplicantId};
use peygir::store::outbox::{self, NewNotice};
use serde_json::Value;
use sqlx::types::Json;
use support::bot_api::{FakeBotApi, Fault, TOKEN};
use support::{build_app, config_text, quick_dispatch};

async fn setup() -> (Application, FakeBotApi) {
    let fake = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let env = [
        ("PEYGIR_TELEGRAM_TOKEN", TOKEN.to_owned()),
        ("PEYGIR_TELEGRAM_API_URL", fake.url.clone()),
    ];
    (build_app(&db, &config_text(|t| t), &env).await, fake)
}

fn dispatcher(app: &Application, fake: &FakeBotApi, settings: DispatcherSettings) -> Dispatcher {
    let bot = teloxide::Bot::new(TOKEN).set_api_url(fake.url.parse().unwrap());
    let senders = HashMap::from([("telegram".to_owned(), ChatSender::Bot(bot))]);
    Dispatcher::new(app.clone(), senders, settings)
}

/// Queues one notice per (chat, n) with a text that names it, so copies can be counted.
async fn queue(app: &Application, chats: std::ops::Range<i64>, per_chat: usize) -> Vec<(i64, String)> {
    let mut expected = Vec::new();
    let mut tx = app.pool().begin().await.unwrap();
    for chat in chats {
        let applicant: ApplicantId = applicants::find_or_create(&mut tx, "telegram", chat).await.unwrap();
        for n in 0..per_chat {
            let label = format!("notice {chat}/{n}");
            let notice = NewNotice {
                dedup_key: format!("test:{chat}:{n}"),
                applicant,
                kind: peygir::notify::kind::NoticeKind::StageChanged,
                message: Msg::new("notice-complaint-answered")
                    .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
                    .arg("answer", Arg::Text(label.clone())),
                subject: format!("test:{chat}"),
            };
            assert!(outbox::enqueue(&mut tx, app.vault(), &notice).await.unwrap());
            assert!(
                !outbox::enqueue(&mut tx, app.vault(), &notice).await.unwrap(),
                "the dedup key refuses a second copy"
            );
            expected.push((chat, label));
        }
    }
    tx.commit().await.unwrap();
    expected
}

fn copies(fake: &FakeBotApi, chat: i64, label: &str) -> usize {
    fake.sent_to(chat)
        .iter()
        .filter(|m| m["text"].as_str().unwrap().contains(label))
        .count()
}

async fn statuses(app: &Application) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>("SELECT status, count(*) FROM notifications GROUP BY status")
        .fetch_all(app.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_fan_out_queues_only_applicants_that_exist() {
    // The outbox has no foreign key to applicants (it cost a broadcast a third of its speed):
    // the fan-out reads its recipients from their table instead.
    let (app, _fake) = setup().await;
    let mut tx = app.pool().begin().await.unwrap();
    let known = applicants::find_or_create(&mut tx, "telegram", 7).await.unwrap();
    let message = Msg::new("notice-complaint-answered")
        .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
        .arg("answer", Arg::Text("maintenance tonight".into()));
    let unknown = ApplicantId(known.0 + 1_000_000);
    let queued = outbox::enqueue_many(&mut tx, support::broadcast("fan-out", &message), &[known, unknown])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(queued, 1);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications n WHERE NOT EXISTS (SELECT 1 FROM applicants a WHERE a.id = n.applicant_id)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn a_fan_out_that_meets_copies_already_queued_adds_only_the_new_ones() {
    // A fan-out is first inserted without ON CONFLICT (it cost a fifth of the enqueue); when a
    // copy exists already, that attempt is undone and the rest queued, in the same transaction.
    let (app, _fake) = setup().await;
    let ids = support::add_applicants(&app, 1..=5).await;
    let mut tx = app.pool().begin().await.unwrap();
    let message = Msg::new("notice-complaint-answered").arg("answer", Arg::Text("closed on Sunday".into()));
    let first = outbox::enqueue_many(&mut tx, support::broadcast("broadcast:again", &message), &ids[..2])
        .await
        .unwrap();
    let second = outbox::enqueue_many(&mut tx, support::broadcast("broadcast:again", &message), &ids)
        .await
        .unwrap();
    let third = outbox::enqueue_many(&mut tx, support::broadcast("broadcast:again", &message), &ids)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((first, second, third), (2, 3, 0));
    let per_applicant: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE subject = 'broadcast:again' GROUP BY applicant_id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(
        per_applicant,
        vec![1; 5],
        "each applicant has one copy, committed with the transaction"
    );
    // The attempt undone left nothing in the broadcast's progress either.
    let counted: i64 = sqlx::query_scalar(
        "SELECT notices FROM broadcast_progress WHERE subject = 'broadcast:again' AND status = 'pending'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(counted, 5);
}

#[tokio::test]
async fn skipping_a_subject_finds_its_fan_out_copies_their_twins_and_its_single_notices() {
    // A fan-out's copies are not in the subject index: a cancel finds them in the range of ids
    // the fan-out took. An SMS twin takes an id outside it, so it carries its message and is
    // found by subject, as a notice sent one by one is. Another fan-out, queued in between, and
    // a copy being sent are left alone.
    let (app, _fake) = setup().await;
    let ids = support::add_applicants(&app, 1..=4).await;
    let mut tx = app.pool().begin().await.unwrap();
    let message = Msg::new("notice-complaint-answered").arg("answer", Arg::Text("closed on Sunday".into()));
    let other = Msg::new("notice-complaint-answered").arg("answer", Arg::Text("open on Monday".into()));
    outbox::enqueue_many(&mut tx, support::broadcast("broadcast:77", &message), &ids)
        .await
        .unwrap();
    outbox::enqueue_many(&mut tx, support::broadcast("broadcast:78", &other), &ids)
        .await
        .unwrap();
    let single = NewNotice {
        dedup_key: "broadcast:77:by-hand".into(),
        applicant: ids[0],
        kind: peygir::notify::kind::NoticeKind::Broadcast,
        message: message.clone(),
        subject: "broadcast:77".into(),
    };
    assert!(outbox::enqueue(&mut tx, app.vault(), &single).await.unwrap());
    tx.commit().await.unwrap();
    let copy_id = |applicant: ApplicantId| {
        let pool = app.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM notifications WHERE dedup_key = $1")
                .bind(format!("broadcast:77:applicant:{}:chat", applicant.0))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    outbox::move_to_sms(app.pool(), copy_id(ids[1]).await).await.unwrap();
    sqlx::query("UPDATE notifications SET claimed_until = now() + interval '1 hour' WHERE id = $1")
        .bind(copy_id(ids[2]).await)
        .execute(app.pool())
        .await
        .unwrap();
    let twin: (Option<Json<Value>>, Option<i64>) =
        sqlx::query_as("SELECT message, fanout_message_id FROM notifications WHERE dedup_key = $1")
            .bind(format!("broadcast:77:applicant:{}:sms", ids[1].0))
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(twin.1, None, "the twin names no fan-out");
    assert!(
        twin.0.unwrap().0.to_string().contains("closed on Sunday"),
        "the twin carries the text"
    );

    let mut tx = app.pool().begin().await.unwrap();
    let skipped = outbox::skip_pending_about(&mut tx, "broadcast:77", "cancelled")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Two copies waiting, the twin and the single notice; not the copy moved to SMS (skipped
    // already) nor the one being sent.
    assert_eq!(skipped, 4);
    let left: Vec<(String, String)> =
        sqlx::query_as("SELECT subject, status FROM notifications WHERE status <> 'skipped' ORDER BY subject, status")
            .fetch_all(app.pool())
            .await
            .unwrap();
    let mut expected = vec![("broadcast:77".to_owned(), "pending".to_owned())];
    expected.extend(std::iter::repeat_n(
        ("broadcast:78".to_owned(), "pending".to_owned()),
        4,
    ));
    assert_eq!(
        left, expected,
        "the copy being sent and the other broadcast are untouched"
    );
}

#[tokio::test]
async fn a_notice_to_an_applicant_that_does_not_exist_is_refused_not_left_unclaimed() {
    // A chat notice keeps its applicant's platform, which the claim filters on (a join to the
    // applicants there could hash them all). One with none would never be claimed, so the
    // table refuses it, and the notice to a missing applicant with it.
    let (app, _fake) = setup().await;
    let mut tx = app.pool().begin().await.unwrap();
    let known = applicants::find_or_create(&mut tx, "bale", 7).await.unwrap();
    let notice = |applicant| NewNotice {
        dedup_key: format!("test:{applicant:?}"),
        applicant,
        kind: peygir::notify::kind::NoticeKind::StageChanged,
        message: Msg::new("notice-complaint-answered"),
        subject: "test".into(),
    };
    assert!(outbox::enqueue(&mut tx, app.vault(), &notice(known)).await.unwrap());
    let platform: Option<String> = sqlx::query_scalar("SELECT platform FROM notifications WHERE applicant_id = $1")
        .bind(known)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(platform.as_deref(), Some("bale"));
    tx.commit().await.unwrap();

    let mut conn = app.pool().acquire().await.unwrap();
    let refused = outbox::enqueue(&mut conn, app.vault(), &notice(ApplicantId(known.0 + 1_000)))
        .await
        .unwrap_err();
    let code = refused
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("23514"), "{refused}");
    let bare = sqlx::query(
        "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message) VALUES ('bare', $1, 'chat', 'test', '{}')",
    )
    .bind(known)
    .execute(&mut *conn)
    .await;
    assert!(bare.is_err(), "a chat notice without its platform is refused");
}

#[tokio::test]
async fn a_staff_post_about_a_request_that_does_not_exist_is_refused() {
    // No foreign key either (checking each applicant's notice for its NULL request cost a
    // broadcast 15%): a trigger checks the rows that name one.
    let (app, _fake) = setup().await;
    let (request, _) = support::stored_request(&app, 7, "plate-removal", "submitted").await;
    let post = |subject| outbox::NewStaffPost {
        dedup_key: format!("staff-post:{subject:?}"),
        kind: peygir::notify::kind::NoticeKind::StaffPost,
        message: Msg::new("staff-new-request"),
        subject,
    };
    let mut conn = app.pool().acquire().await.unwrap();
    for missing in [
        outbox::StaffSubject::Request(request + 1_000),
        outbox::StaffSubject::Complaint(1_000),
        outbox::StaffSubject::Document(1_000),
    ] {
        let refused = outbox::enqueue_staff(&mut conn, &post(missing)).await.unwrap_err();
        let code = refused
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("23503"), "{missing:?}: {refused}");
    }
    let existing = outbox::StaffSubject::Request(request);
    assert!(outbox::enqueue_staff(&mut conn, &post(existing)).await.unwrap());
    let moved = sqlx::query("UPDATE notifications SET request_id = request_id + 1000 WHERE request_id IS NOT NULL")
        .execute(&mut *conn)
        .await;
    assert!(
        moved.is_err(),
        "nor may a post be moved to a request that does not exist"
    );
}

#[tokio::test]
async fn notices_claimed_by_a_dispatcher_that_died_are_delivered_after_its_lease() {
    let (app, fake) = setup().await;
    let expected = queue(&app, 1..4, 2).await;
    // What a dispatcher does first: claim. Then it dies before sending anything.
    let claimed = outbox::claim(
        app.pool(),
        app.vault(),
        &["telegram".into()],
        false,
        50,
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), expected.len());

    let survivor = dispatcher(&app, &fake, quick_dispatch());
    assert_eq!(
        survivor.run_once().await.unwrap(),
        0,
        "the lease keeps the claimed notices from others"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    while survivor.run_once().await.unwrap() > 0 {}
    for (chat, label) in &expected {
        assert_eq!(copies(&fake, *chat, label), 1, "{label}");
    }
    assert_eq!(
        statuses(&app).await,
        HashMap::from([("sent".to_owned(), expected.len() as i64)])
    );
}

#[tokio::test]
async fn two_dispatchers_on_one_database_send_each_notice_once() {
    let (app, fake) = setup().await;
    let expected = queue(&app, 100..140, 5).await;
    let settings = DispatcherSettings {
        batch: 7,
        ..quick_dispatch()
    };
    let run = |d: Dispatcher| async move { while d.run_once().await.unwrap() > 0 {} };
    let first = tokio::spawn(run(dispatcher(&app, &fake, settings.clone())));
    let second = tokio::spawn(run(dispatcher(&app, &fake, settings)));
    first.await.unwrap();
    second.await.unwrap();
    for (chat, label) in &expected {
        assert_eq!(copies(&fake, *chat, label), 1, "{label}");
    }
    assert_eq!(fake.calls("sendMessage").len(), expected.len());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_429_waits_as_long_as_asked_without_spending_an_attempt() {
    let (app, fake) = setup().await;
    let expected = queue(&app, 7..8, 1).await;
    fake.fail_next(7, Fault::TooManyRequests(30));
    let d = dispatcher(&app, &fake, quick_dispatch());
    d.run_once().await.unwrap();
    let (attempts, wait): (i32, f64) =
        sqlx::query_as("SELECT attempts, EXTRACT(EPOCH FROM next_attempt_at - now())::float8 FROM notifications")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(attempts, 0, "a 429 is not a failure");
    assert!((25.0..=31.0).contains(&wait), "waits retry_after (30 s), waited {wait}");
    assert_eq!(d.run_once().await.unwrap(), 0, "not due before then");

    // Time passes.
    sqlx::query("UPDATE notifications SET next_attempt_at = now()")
        .execute(app.pool())
        .await
        .unwrap();
    d.run_once().await.unwrap();
    assert_eq!(copies(&fake, 7, &expected[0].1), 1);
}

#[tokio::test]
async fn a_blocked_bot_stops_chat_notices_to_that_applicant() {
    let (app, fake) = setup().await;
    queue(&app, 8..9, 2).await;
    fake.fail_next(8, Fault::Blocked);
    let d = dispatcher(&app, &fake, quick_dispatch());
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(statuses(&app).await, HashMap::from([("blocked".to_owned(), 2)]));
    assert_eq!(fake.failed_sends(), 1, "the second notice is not even tried");
    let blocked: bool = sqlx::query_scalar("SELECT chat_blocked_at IS NOT NULL FROM applicants WHERE chat_id = 8")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(blocked, "the applicant is marked, for a later fallback to SMS");

    // The chat writes again: it has unblocked the bot. Once with no dialogue yet (the first
    // contact's path), once with one (the path of every later update).
    let writes = |update_id| {
        let origin = peygir::app::Origin {
            platform: "telegram",
            chat_id: 8,
            update_id: Some(update_id),
            language: None,
        };
        app.handle_and_queue(origin, peygir::conversation::Input::Text("/start".into()))
    };
    let is_blocked = || async {
        sqlx::query_scalar::<_, bool>("SELECT chat_blocked_at IS NOT NULL FROM applicants WHERE chat_id = 8")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    assert!(writes(1).await.unwrap());
    assert!(!is_blocked().await, "writing again clears the mark");
    sqlx::query("UPDATE applicants SET chat_blocked_at = now() WHERE chat_id = 8")
        .execute(app.pool())
        .await
        .unwrap();
    assert!(writes(2).await.unwrap());
    assert!(!is_blocked().await, "and so does any later message");
    assert!(!writes(2).await.unwrap(), "a redelivered update is handled once");
}

#[tokio::test]
async fn server_errors_retry_with_backoff_then_end_dead_and_visible() {
    let (app, fake) = setup().await;
    let expected = queue(&app, 9..11, 1).await;
    // teloxide pauses ten seconds inside the call on each 5xx, so the budget here is two attempts.
    fake.fail_next(9, Fault::ServerError);
    fake.fail_next(9, Fault::ServerError);
    fake.fail_next(10, Fault::ServerError);
    let d = dispatcher(
        &app,
        &fake,
        DispatcherSettings {
            max_attempts: 2,
            ..quick_dispatch()
        },
    );
    for _ in 0..5 {
        d.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let rows: Vec<(i64, String, i32, Option<String>)> = sqlx::query_as(
        "SELECT a.chat_id, n.status, n.attempts, n.last_error FROM notifications n
         JOIN applicants a ON a.id = n.applicant_id ORDER BY a.chat_id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(
        (rows[0].1.as_str(), rows[0].2),
        ("dead", 2),
        "chat 9 failed both attempts"
    );
    assert!(
        rows[0].3.as_deref().is_some_and(|e| !e.is_empty()),
        "the last error is kept"
    );
    assert_eq!(
        (rows[1].1.as_str(), rows[1].2),
        ("sent", 2),
        "chat 10 succeeded on its second attempt"
    );
    assert_eq!(copies(&fake, 10, &expected[1].1), 1);
}

#[tokio::test]
async fn sends_under_way_at_once_stay_within_the_configured_number() {
    let (app, fake) = setup().await;
    let expected = queue(&app, 200..240, 1).await;
    fake.delay_sends(Duration::from_millis(50));
    let d = dispatcher(
        &app,
        &fake,
        DispatcherSettings {
            max_in_flight: 4,
            ..quick_dispatch()
        },
    );
    while d.run_once().await.unwrap() > 0 {}
    for (chat, label) in &expected {
        assert_eq!(copies(&fake, *chat, label), 1, "{label}");
    }
    assert_eq!(
        fake.most_sends_at_once(),
        4,
        "forty chats' notices go four at a time, neither more nor one by one"
    );
}

#[tokio::test]
async fn a_round_slowed_past_its_deadline_gives_the_rest_back_rather_than_outrun_its_lease() {
    let (app, fake) = setup().await;
    let expected = queue(&app, 300..310, 1).await;
    // One send at a time, 200 ms each, and a lease of 1 s: a round may start sends for 0.5 s.
    fake.delay_sends(Duration::from_millis(200));
    let d = dispatcher(
        &app,
        &fake,
        DispatcherSettings {
            max_in_flight: 1,
            ..quick_dispatch()
        },
    );
    d.run_once().await.unwrap();
    let first_round = fake.count("sendMessage");
    assert!(
        (1..expected.len()).contains(&first_round),
        "sent {first_round} of {} in the first round",
        expected.len()
    );
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE status = 'pending' AND claimed_until IS NULL AND attempts = 0",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(
        waiting as usize,
        expected.len() - first_round,
        "the rest are given back at once, their attempt refunded"
    );
    while d.run_once().await.unwrap() > 0 {}
    for (chat, label) in &expected {
        assert_eq!(copies(&fake, *chat, label), 1, "{label}");
    }
}

#[tokio::test]
async fn paced_rounds_on_a_slow_bot_api_keep_each_chats_order() {
    let (app, fake) = setup().await;
    // Telegram's pace (a chat a second): each round holds one notice per chat, and the next
    // round starts sending while the last still waits for its answers, 150 ms away.
    let expected = queue(&app, 400..410, 3).await;
    fake.delay_sends(Duration::from_millis(150));
    let d = dispatcher(
        &app,
        &fake,
        DispatcherSettings {
            limits: peygir::notify::ChatLimits::TELEGRAM,
            lease: Duration::from_secs(60),
            ..quick_dispatch()
        },
    );
    run_until_sent(d, &fake, expected.len(), Duration::from_secs(20)).await;
    assert_each_once_in_order(&fake, 400..410, 3);
}

#[tokio::test]
async fn a_notice_given_back_late_is_not_overtaken_by_its_chats_next_one() {
    let (app, fake) = setup().await;
    // Telegram's pace (a chat a second), one send at a time taking 0.3 s, and a lease of 4 s:
    // a round may start sends for 2 s. A chat's second notice, claimed in the round after its
    // first, waits behind the other chats' sends past its deadline and goes back, while the
    // round after may already hold the chat's third.
    let expected = queue(&app, 500..510, 3).await;
    fake.delay_sends(Duration::from_millis(300));
    let d = dispatcher(
        &app,
        &fake,
        DispatcherSettings {
            limits: peygir::notify::ChatLimits::TELEGRAM,
            lease: Duration::from_secs(4),
            max_in_flight: 1,
            ..quick_dispatch()
        },
    );
    // A minute at most: on a busy machine the rounds run later, and the order must hold still.
    run_until_sent(d, &fake, expected.len(), Duration::from_secs(60)).await;
    assert_each_once_in_order(&fake, 500..510, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_keep_a_chats_pace_between_them() {
    let (app, fake) = setup().await;
    // Telegram's pace, a message a second to a chat, holds whichever instance sends. Each
    // round lets out one notice of the chat and gives the rest back, and the two instances
    // take turns: each round's notice is claimed the moment the other instance sent one.
    let expected = queue(&app, 600..601, 4).await;
    let settings = DispatcherSettings {
        limits: peygir::notify::ChatLimits::TELEGRAM,
        lease: Duration::from_secs(60),
        ..quick_dispatch()
    };
    let instances = [
        dispatcher(&app, &fake, settings.clone()),
        dispatcher(&app, &fake, settings),
    ];
    for turn in 0..expected.len() {
        let sent = instances[turn % 2].run_once().await.unwrap();
        assert_eq!(sent, 1, "turn {turn}: one notice of the chat a round");
    }
    for (chat, label) in &expected {
        assert_eq!(copies(&fake, *chat, label), 1, "{label}");
    }
    let mut sends: Vec<std::time::Instant> = fake.calls("sendMessage").iter().map(|c| c.reached).collect();
    sends.sort();
    let gaps: Vec<Duration> = sends.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().all(|gap| *gap >= Duration::from_millis(950)),
        "a second between sends to one chat: {gaps:?}"
    );
}

/// Runs the dispatcher's own loop until `count` messages reached the fake (or `limit` passed).
async fn run_until_sent(d: Dispatcher, fake: &FakeBotApi, count: usize, limit: Duration) {
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(d.run(shutdown));
    let start = std::time::Instant::now();
    while fake.count("sendMessage") < count && start.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
}

/// Each chat got its `per_chat` notices once each, in the order they were queued.
fn assert_each_once_in_order(fake: &FakeBotApi, chats: std::ops::Range<i64>, per_chat: usize) {
    for chat in chats {
        let texts: Vec<String> = fake
            .sent_to(chat)
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(texts.len(), per_chat, "chat {chat}: each notice once: {texts:?}");
        for (n, text) in texts.iter().enumerate() {
            assert!(
                text.contains(&format!("notice {chat}/{n}")),
                "chat {chat}, notice {n} out of order: {texts:?}"
            );
        }
    }
}
