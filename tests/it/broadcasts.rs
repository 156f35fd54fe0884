//! Broadcasts through the running service: a draft shows what applicants will read and how many
//! it reaches and sends nothing; confirming queues it through the outbox at the bot's pace, with
//! progress visible; cancelling mid-way skips what was not yet sent. Bad input changes nothing.
//! The same from the command line.

use crate::support;

use std::time::Duration;

use peygir::domain::{Role, TrackingCode};
use peygir::store::{applicants, complaints};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::api::Api;
use support::service::Running;

const FIRST_CHAT: i64 = 5000;
const APPLICANTS: i64 = 300;

async fn count(bot: &Running, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(bot.app.pool()).await.unwrap()
}

/// Polls the broadcast until `done` holds for its progress.
async fn follow(api: &Api, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let (status, body) = api.get(&format!("/api/v1/broadcasts/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body["progress"]) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("broadcast {id} did not get there within 15 s");
}

#[tokio::test]
async fn a_draft_to_everyone_above_a_thousand_gives_the_estimate_and_says_about() {
    // Counting everyone who hears announcements read every applicant on each view of the draft
    // (80-100 ms at a million); above a thousand the planner's estimate is shown, as "about".
    let bot = Running::fresh(&[]).await;
    let operator = Api::for_member(&bot, "operator", Role::Operator, None).await;
    let pool = bot.app.pool();
    sqlx::query(
        "INSERT INTO applicants (platform, chat_id, announcements_muted_at)
         SELECT 'telegram', g, CASE WHEN g % 5 = 0 THEN now() END FROM generate_series(1, 2500) g",
    )
    .execute(pool)
    .await
    .unwrap();
    // As autovacuum would (the service's role may not).
    let owner = support::owner_pool(&bot.app, 1).await;
    sqlx::query("ANALYZE applicants").execute(&owner).await.unwrap();
    owner.close().await;
    let hearing = count(
        &bot,
        "SELECT count(*) FROM applicants WHERE announcements_muted_at IS NULL",
    )
    .await;
    assert_eq!(hearing, 2000);

    let (status, draft) = operator.post("/api/v1/broadcasts", json!({ "text": "سلام" })).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["recipients_estimated"], json!(true), "{draft}");
    let estimate = draft["recipients"].as_i64().unwrap();
    assert!((1900..=2100).contains(&estimate), "{estimate} is near {hearing}");

    let mut conn = pool.acquire().await.unwrap();
    let drafted = peygir::store::broadcasts::find(&mut conn, draft["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    let reach = peygir::broadcast::reach(&mut conn, &drafted).await.unwrap();
    let shown = |locale| {
        let msg = reach.args(peygir::i18n::Msg::new("web-broadcast-reach"));
        bot.app.i18n().render(locale, &msg)
    };
    assert!(
        shown(peygir::i18n::Locale::Fa).contains("حدود"),
        "{}",
        shown(peygir::i18n::Locale::Fa)
    );
    assert!(
        shown(peygir::i18n::Locale::En).contains("about"),
        "{}",
        shown(peygir::i18n::Locale::En)
    );

    // Drafted for one service, or for a list, the number is counted, however many there are.
    let (_, for_service) = operator
        .post(
            "/api/v1/broadcasts",
            json!({ "service": "debt-respite", "text": "سلام" }),
        )
        .await;
    assert_eq!(for_service["recipients_estimated"], json!(false), "{for_service}");
}

#[tokio::test]
async fn a_broadcast_is_previewed_confirmed_followed_and_cancelled_mid_way() {
    let bot = Running::fresh(&[]).await;
    let operator = Api::for_member(&bot, "operator", Role::Operator, None).await;
    let reviewer = Api::for_member(&bot, "reviewer", Role::Reviewer, None).await;
    support::add_applicants(&bot.app, FIRST_CHAT..FIRST_CHAT + APPLICANTS).await;
    let mut tx = bot.app.pool().begin().await.unwrap();
    let owner = applicants::find_or_create(&mut tx, "telegram", FIRST_CHAT)
        .await
        .unwrap();
    let (_, complaint) = complaints::insert(&mut tx, bot.app.vault(), owner, None, "پاسخ نگرفتم")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Refused, each with its code, and nothing drafted.
    let unknown = TrackingCode::generate().to_string();
    let refusals = [
        (&reviewer, json!({ "text": "سلام" }), StatusCode::FORBIDDEN),
        (&operator, json!({ "text": "  " }), StatusCode::UNPROCESSABLE_ENTITY),
        (
            &operator,
            json!({ "text": "x".repeat(1001) }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &operator,
            json!({ "service": "nope", "text": "سلام" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &operator,
            json!({ "codes": [unknown], "text": "سلام" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &operator,
            json!({ "codes": [], "text": "سلام" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &operator,
            json!({ "codes": ["12"], "text": "سلام" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            &operator,
            json!({ "service": "debt-respite", "codes": [complaint.to_string()], "text": "سلام" }),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (api, body, expected) in refusals {
        let (status, answer) = api.post("/api/v1/broadcasts", body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
    assert_eq!(count(&bot, "SELECT count(*) FROM broadcasts").await, 0);

    // A list reaches the owners of the codes; a draft cancelled is never sent.
    let (status, listed) = operator
        .post(
            "/api/v1/broadcasts",
            json!({ "codes": [complaint.to_string()], "text": "پاسخ شکایت شما آماده است" }),
        )
        .await;
    assert_eq!(
        (status, &listed["recipients"]),
        (StatusCode::CREATED, &json!(1)),
        "{listed}"
    );
    let listed_id = listed["id"].as_i64().unwrap();
    let (status, _) = operator
        .post(&format!("/api/v1/broadcasts/{listed_id}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) = operator
        .post(&format!("/api/v1/broadcasts/{listed_id}/confirm"), json!({}))
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (StatusCode::CONFLICT, &json!("broadcast_closed"))
    );

    // The draft: what applicants will read, and how many; nothing queued yet.
    let text = "ساعت کاری ستاد در روز پنج‌شنبه تا ظهر است.";
    let (status, draft) = operator.post("/api/v1/broadcasts", json!({ "text": text })).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["recipients"], json!(APPLICANTS));
    assert_eq!(draft["recipients_estimated"], json!(false), "300 are counted");
    assert_eq!(draft["state"], json!("draft"));
    let preview = draft["preview_fa"].as_str().unwrap();
    assert!(preview.contains(text) && preview.contains("اطلاعیه"), "{preview}");
    let id = draft["id"].as_i64().unwrap();
    let subject = format!("SELECT count(*) FROM notifications WHERE subject = 'broadcast:{id}'");
    assert_eq!(count(&bot, &subject).await, 0);

    // Confirmed: queued for every applicant, sent at the bot's 30 a second.
    let (status, confirmed) = operator
        .post(&format!("/api/v1/broadcasts/{id}/confirm"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["progress"]["total"], json!(APPLICANTS));
    let (status, _) = operator
        .post(&format!("/api/v1/broadcasts/{id}/confirm"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    follow(&operator, id, |p| p["sent"].as_i64().unwrap() >= 30).await;
    // Its text is kept once, not in each of its copies.
    let copies_of_text = format!(
        "SELECT count(*) FROM notifications n JOIN fanout_messages f ON f.id = n.fanout_message_id
         WHERE n.subject = 'broadcast:{id}' AND n.message IS NULL AND position('{text}' in f.message::text) > 0"
    );
    assert_eq!(count(&bot, &copies_of_text).await, APPLICANTS);
    assert_eq!(count(&bot, "SELECT count(*) FROM fanout_messages").await, 1);

    // Cancelled mid-way: what was being sent at that moment still arrives, the rest is skipped.
    let (status, cancelled) = operator
        .post(&format!("/api/v1/broadcasts/{id}/cancel"), json!({}))
        .await;
    assert_eq!(
        (status, &cancelled["state"]),
        (StatusCode::OK, &json!("cancelled")),
        "{cancelled}"
    );
    let settled = follow(&operator, id, |p| p["waiting"] == json!(0)).await;
    let progress = &settled["progress"];
    let (sent, skipped) = (
        progress["sent"].as_i64().unwrap(),
        progress["cancelled"].as_i64().unwrap(),
    );
    assert_eq!(
        (sent + skipped, progress["failed"].as_i64().unwrap()),
        (APPLICANTS, 0),
        "{progress}"
    );
    assert!(sent >= 30 && skipped > 0, "{progress}");
    let (kept, counted) = kept_and_counted(&bot, id).await;
    assert_eq!(
        kept, counted,
        "the counts kept as notices move are those of counting them"
    );
    let delivered: usize = (FIRST_CHAT..FIRST_CHAT + APPLICANTS)
        .map(|chat| bot.fake.sent_to(chat).len())
        .sum();
    assert_eq!(
        delivered as i64, sent,
        "the Bot API received exactly the notices counted as sent"
    );
    let texts: Vec<Value> = (FIRST_CHAT..FIRST_CHAT + APPLICANTS)
        .flat_map(|chat| bot.fake.sent_to(chat))
        .collect();
    assert!(
        texts.iter().all(|m| m["text"].as_str().unwrap().contains(text)),
        "every copy carries the broadcast's text"
    );
    let (status, _) = operator
        .post(&format!("/api/v1/broadcasts/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(bot.fake.violations().is_empty(), "{:?}", bot.fake.violations());

    bot.stop().await;
}

#[tokio::test]
async fn applicants_choose_which_announcements_reach_them_and_how() {
    let bot = Running::fresh(&[]).await;
    let operator = Api::for_member(&bot, "operator", Role::Operator, None).await;
    let reach = |service: Option<&str>| {
        let body = match service {
            Some(service) => json!({ "service": service, "text": "آزمون" }),
            None => json!({ "text": "آزمون" }),
        };
        let operator = &operator;
        async move {
            let (status, draft) = operator.post("/api/v1/broadcasts", body).await;
            assert_eq!(status, StatusCode::CREATED, "{draft}");
            draft["recipients"].as_i64().unwrap()
        }
    };
    let mut user = bot.user(FIRST_CHAT);
    user.says("/start").await;
    user.presses("lang:fa").await;
    assert_eq!((reach(None).await, reach(Some("plate-removal")).await), (1, 0));

    // Without a request for it, a service's announcements are off until chosen.
    let settings = user.presses("menu:announcements").await;
    let line = |service: &str, setting: &str| {
        format!(
            "• {}: {}",
            bot.text(peygir::i18n::Locale::Fa, &format!("service-{service}")),
            bot.text(peygir::i18n::Locale::Fa, setting)
        )
    };
    assert!(
        settings.contains(&line("plate-removal", "announcements-none")),
        "{settings}"
    );
    let chat = user.presses("ann:plate-removal").await;
    assert!(chat.contains(&line("plate-removal", "announcements-chat")), "{chat}");
    assert_eq!(reach(Some("plate-removal")).await, 1);

    // Chat and SMS: SMS is off for this applicant, so they are told how to turn it on, and the
    // SMS notice is queued for the dispatcher to check consent when it sends.
    let both = user.presses("ann:plate-removal").await;
    assert!(
        both.contains(&line("plate-removal", "announcements-chat-sms")),
        "{both}"
    );
    assert!(
        both.contains(&bot.text(peygir::i18n::Locale::Fa, "announcements-sms-off")),
        "{both}"
    );
    let (_, draft) = operator
        .post(
            "/api/v1/broadcasts",
            json!({ "service": "plate-removal", "text": "آزمون پیامک" }),
        )
        .await;
    let id = draft["id"].as_i64().unwrap();
    operator
        .post(&format!("/api/v1/broadcasts/{id}/confirm"), json!({}))
        .await;
    let channels: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT channel FROM notifications WHERE subject = 'broadcast:{id}' ORDER BY channel"
    ))
    .fetch_all(bot.app.pool())
    .await
    .unwrap();
    assert_eq!(channels, ["chat", "sms"]);
    // Progress counts the SMS copy beside the chat message: it is not sent, SMS being off.
    let settled = follow(&operator, id, |p| {
        p["sent"] == json!(1) && p["sms"]["waiting"] == json!(0)
    })
    .await;
    let sms = &settled["progress"]["sms"];
    assert_eq!(
        (sms["total"].as_i64(), sms["sent"].as_i64()),
        (Some(1), Some(0)),
        "{settled}"
    );
    let (kept, counted) = kept_and_counted(&bot, id).await;
    assert_eq!(kept, counted);

    // All off: nothing reaches them, whatever the service; and back on.
    let muted = user.presses("ann:mute").await;
    assert!(
        muted.contains(&bot.text(peygir::i18n::Locale::Fa, "announcements-all-off")),
        "{muted}"
    );
    assert_eq!((reach(None).await, reach(Some("plate-removal")).await), (0, 0));
    user.presses("ann:unmute").await;
    assert_eq!((reach(None).await, reach(Some("plate-removal")).await), (1, 1));
    user.presses("ann:plate-removal").await;
    assert_eq!(reach(Some("plate-removal")).await, 0, "chose none again");

    bot.stop().await;
}

/// A broadcast's notices by (channel, status, how many): as the outbox's triggers keep them for
/// its progress, and as counting every notice gives them.
async fn kept_and_counted(bot: &Running, id: i64) -> (Vec<(String, String, i64)>, Vec<(String, String, i64)>) {
    let rows = async |sql: &str| -> Vec<(String, String, i64)> {
        sqlx::query_as(sql)
            .bind(format!("broadcast:{id}"))
            .fetch_all(bot.app.pool())
            .await
            .unwrap()
    };
    (
        rows(
            "SELECT channel, status, notices FROM broadcast_progress WHERE subject = $1 AND notices <> 0 ORDER BY 1, 2",
        )
        .await,
        rows("SELECT channel, status, count(*) FROM notifications WHERE subject = $1 GROUP BY 1, 2 ORDER BY 1, 2")
            .await,
    )
}

/// Runs the service binary's command line against `db`; returns (success, stdout, stderr).
fn cli(db: &str, args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_peygir"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PEYGIR_DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running the service binary");
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[tokio::test]
async fn operators_broadcast_from_the_command_line() {
    let db = support::database::fresh_database().await;
    let app = support::build_app(&db, &support::config_text(|t| t), &[]).await;
    support::add_applicants(&app, FIRST_CHAT..FIRST_CHAT + 3).await;
    let queued = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notifications WHERE kind = 'broadcast'")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };

    let text = "سامانه امشب از ساعت ۲۲ تا ۲۴ در دسترس نیست.";
    let (ok, out, err) = cli(&db, &["broadcast", "draft", "--text", text]);
    assert!(ok, "{err}");
    assert!(
        out.contains("drafted broadcast 1 to 3 applicants") && out.contains(text),
        "{out}"
    );
    assert_eq!(queued().await, 0, "a draft sends nothing");

    // Bad input is refused with what was wrong, and nothing is drafted.
    let (ok, _, err) = cli(&db, &["broadcast", "draft", "--codes", "12345", "--text", "x"]);
    assert!(!ok && err.contains("--codes"), "{err}");
    let (ok, _, err) = cli(&db, &["broadcast", "draft", "--service", "no-such", "--text", "x"]);
    assert!(!ok && err.contains("no-such"), "{err}");
    let (ok, _, err) = cli(&db, &["broadcast", "show", "--id", "99"]);
    assert!(!ok && err.contains("99"), "{err}");

    let (ok, out, err) = cli(&db, &["broadcast", "send", "--id", "1"]);
    assert!(ok && out.contains("queued for 3 applicants"), "{out}{err}");
    assert_eq!(queued().await, 3);
    let (_, out, _) = cli(&db, &["broadcast", "show", "--id", "1"]);
    assert!(out.contains("chat 0 of 3 sent, 3 waiting"), "{out}");
    let (ok, out, _) = cli(&db, &["broadcast", "cancel", "--id", "1"]);
    assert!(ok && out.contains("cancelled"), "{out}");
    let (_, out, _) = cli(&db, &["broadcast", "show", "--id", "1"]);
    assert!(out.contains("3 cancelled"), "{out}");
}

#[tokio::test]
async fn operators_schedule_and_cancel_maintenance_from_the_command_line() {
    let db = support::database::fresh_database().await;
    let app = support::build_app(&db, &support::config_text(|t| t), &[]).await;
    let day = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d");
    let (start, end) = (format!("{day} 10:00"), format!("{day} 12:00"));
    let args = ["maintenance", "schedule", "--start", &start, "--end", &end];
    let (ok, out, err) = cli(&db, &[&args[..], &["--reason", "ارتقای سامانه"]].concat());
    assert!(ok, "{err}");
    assert!(out.starts_with("scheduled maintenance 1: "), "{out}");

    // Through the staff core, like every front end: refusals come back with their reason.
    let (ok, _, err) = cli(&db, &[&args[..], &["--reason", "\u{202E}"]].concat());
    assert!(!ok && err.contains("reason"), "{err}");
    let (ok, out, err) = cli(&db, &["maintenance", "cancel", "--id", "1"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "maintenance 1 cancelled");
    let (ok, _, err) = cli(&db, &["maintenance", "cancel", "--id", "1"]);
    assert!(!ok && err.contains("cancelled"), "{err}");
    let actors: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_log WHERE action LIKE 'maintenance.%' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(
        actors,
        [
            ("cli".to_owned(), "maintenance.schedule".to_owned()),
            ("cli".to_owned(), "maintenance.cancel".to_owned())
        ]
    );
}
