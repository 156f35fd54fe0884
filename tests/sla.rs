//! The SLA clock with the scheduler's clock set by the test: a request past its stage's target
//! is escalated to the staff group once per stay in the stage; the daily digest reports open
//! requests per stage, overdue requests, the median time to a decision and open complaints.

mod support;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use peygir::app::Application;
use peygir::domain::{Role, TrackingCode};
use peygir::i18n::{Locale, Msg};
use peygir::scheduler::{Job, Scheduler};
use peygir::sms::quiet::tehran;
use peygir::store::{applicants, complaints, staff};
use peygir::workflow::{self, Actor, Move};
use support::{build_app, config_text};

fn hours(h: i64) -> chrono::Duration {
    chrono::Duration::hours(h)
}

/// Staff posts the SLA jobs queued, oldest first: (dedup key, message).
async fn sla_posts(app: &Application) -> Vec<(String, Msg)> {
    let rows: Vec<(String, sqlx::types::Json<Msg>)> = sqlx::query_as(
        "SELECT dedup_key, message FROM notifications WHERE kind = 'sla' AND recipient = 'staff' ORDER BY id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    rows.into_iter().map(|(key, msg)| (key, msg.0)).collect()
}

async fn submit(app: &Application, service: &str) -> (i64, TrackingCode) {
    support::stored_request(app, 42, service, "submitted").await
}

async fn advance(app: &Application, admin: &staff::StaffMember, code: TrackingCode, to: &str, note: Option<&str>) {
    let mut tx = app.pool().begin().await.unwrap();
    let mv = Move {
        code,
        to,
        expected_from: None,
        note,
    };
    workflow::apply(&mut tx, app.catalog(), app.vault(), Actor::Staff(admin), mv)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The first 08:00 in Tehran after `at`: when the digest runs.
fn next_morning(at: DateTime<Utc>) -> DateTime<Utc> {
    let daily = cron::Schedule::from_str("0 0 8 * * *").unwrap();
    daily
        .after(&at.with_timezone(&tehran()))
        .next()
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn overdue_requests_are_escalated_once_per_stage_and_the_digest_has_the_figures() {
    let db = support::database::fresh_database().await;
    let app = build_app(
        &db,
        &config_text(|t| t),
        &[("PEYGIR_STAFF_CHAT_ID", "-1009".to_owned())],
    )
    .await;
    let admin = staff::add(app.pool(), "admin", Role::Admin, None, None).await.unwrap();
    // Requests enter their stage now, by the database's clock; the scheduler's clock moves on.
    let now = Utc::now();
    let (a, a_code) = submit(&app, "debt-respite").await;
    let (b, b_code) = submit(&app, "debt-respite").await;
    let (c, _) = submit(&app, "plate-removal").await;
    let mut tx = app.pool().begin().await.unwrap();
    let applicant = applicants::find_or_create(&mut tx, "telegram", 42).await.unwrap();
    complaints::insert(&mut tx, app.vault(), applicant, None, "پاسخی نگرفته‌ام")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut scheduler = Scheduler::new(app.clone());
    scheduler.tick(now).await.unwrap();
    // Within the 48-hour target of "submitted": no escalation.
    scheduler.tick(now + hours(47)).await.unwrap();
    let overdue = |posts: &[(String, Msg)]| posts.iter().filter(|(k, _)| k.ends_with(":staff:overdue")).count();
    assert_eq!(overdue(&sla_posts(&app).await), 0);

    // Past it: each of the three once, however often the job runs.
    let ticked = scheduler.tick(now + hours(49)).await.unwrap();
    assert!(ticked.jobs.contains(&Job::Escalation), "{ticked:?}");
    scheduler.tick(now + hours(50)).await.unwrap();
    let posts = sla_posts(&app).await;
    assert_eq!(overdue(&posts), 3, "{posts:?}");
    let subjects: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT request_id FROM notifications WHERE dedup_key LIKE '%:staff:overdue' ORDER BY request_id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(subjects, vec![Some(a), Some(b), Some(c)]);

    // A moves on (a new stay, within its 240-hour target); B is decided ten hours after it
    // was submitted; C stays put and is not escalated again.
    advance(&app, &admin, a_code, "under-review", None).await;
    advance(&app, &admin, b_code, "under-review", None).await;
    advance(&app, &admin, b_code, "rejected", Some("بدهی تسویه شده است")).await;
    sqlx::query("UPDATE requests SET created_at = created_at - interval '10 hours' WHERE id = $1")
        .bind(b)
        .execute(app.pool())
        .await
        .unwrap();
    let morning = next_morning(now + hours(72));
    let ticked = scheduler.tick(morning).await.unwrap();
    assert!(ticked.jobs.contains(&Job::Digest), "{ticked:?}");
    let posts = sla_posts(&app).await;
    assert_eq!(overdue(&posts), 3, "nothing new is overdue: {posts:?}");

    // The morning's digest, as the staff group reads it (Persian, Jalali date).
    let day = morning.with_timezone(&tehran()).date_naive();
    let (_, digest) = posts
        .iter()
        .find(|(key, _)| *key == format!("digest:{day}"))
        .unwrap_or_else(|| panic!("no digest for {day}: {posts:?}"));
    let text = app.i18n().render(Locale::Fa, digest);
    let render = |id: &str| app.i18n().render(Locale::Fa, &Msg::new(id));
    let expected = [
        format!(
            "{} / {}: ۱",
            render("service-debt-respite"),
            render("stage-under-review")
        ),
        format!("{} / {}: ۱", render("service-plate-removal"), render("stage-submitted")),
        "گذشته از موعد: ۱".to_owned(),
        "۱۰ ساعت".to_owned(),
        "شکایت‌های باز: ۱".to_owned(),
    ];
    for line in expected {
        assert!(text.contains(&line), "the digest lacks {line}:\n{text}");
    }
    assert!(
        !text.contains(&render("stage-rejected")),
        "decided requests are not open:\n{text}"
    );

    // Running the digest's day again queues nothing.
    scheduler.tick(morning + hours(1)).await.unwrap();
    let digests = sla_posts(&app)
        .await
        .iter()
        .filter(|(k, _)| k == &format!("digest:{day}"))
        .count();
    assert_eq!(digests, 1);
}
