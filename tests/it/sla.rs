//! The SLA clock with the scheduler's clock set by the test: a request past its stage's target
//! is escalated to the staff group once per stay in the stage; the daily digest reports open
//! requests per stage, overdue requests, the median time to a decision and open complaints.

use crate::support;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use peygir::app::Application;
use peygir::domain::digits::to_persian_digits;
use peygir::domain::{Role, TrackingCode};
use peygir::i18n::{Locale, Msg};
use peygir::scheduler::{Job, Scheduler};
use peygir::sms::quiet::tehran;
use peygir::store::{applicants, complaints, staff};
use peygir::workflow::{self, Actor, Move};
use serde_json::json;

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

/// A Tehran wall-clock time, the Solar Hijri date as staff write it.
fn tehran_at(date: &str, time: &str) -> DateTime<Utc> {
    let day = peygir::domain::jalali::parse_date(date).unwrap();
    let time = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap();
    day.and_time(time)
        .and_local_timezone(tehran())
        .unwrap()
        .with_timezone(&Utc)
}

/// Puts the request's current stay in its stage at `at`: the clock is the test's, not the
/// database's.
async fn entered_at(app: &Application, request: i64, at: DateTime<Utc>) {
    sqlx::query(
        "UPDATE request_events SET at = $2
         WHERE id = (SELECT id FROM request_events WHERE request_id = $1 ORDER BY at DESC, id DESC LIMIT 1)",
    )
    .bind(request)
    .bind(at)
    .execute(app.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn overdue_requests_are_escalated_once_per_stage_and_the_digest_has_the_figures() {
    let (app, _db) = support::spawn_app_with_staff_chat().await;
    let admin = staff::add(app.pool(), "admin", Role::Admin, None, None).await.unwrap();
    // A and B are submitted on Sunday 1405/09/15 at 09:00; C on the Wednesday before at 13:00.
    // "submitted" has a target of 14 office hours (07:30-14:30, Thursday and Friday off).
    let sunday = tehran_at("1405/09/15", "09:00");
    let wednesday = tehran_at("1405/09/11", "13:00");
    let (a, a_code) = submit(&app, "debt-respite").await;
    let (b, b_code) = submit(&app, "debt-respite").await;
    let (c, _) = submit(&app, "plate-removal").await;
    entered_at(&app, a, sunday).await;
    entered_at(&app, b, sunday).await;
    entered_at(&app, c, wednesday).await;
    let mut tx = app.pool().begin().await.unwrap();
    let applicant = applicants::find_or_create(&mut tx, "telegram", 42).await.unwrap();
    complaints::insert(&mut tx, app.vault(), applicant, None, "پاسخی نگرفته‌ام")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut scheduler = Scheduler::new(app.clone());
    let overdue = |posts: &[(String, Msg)]| posts.iter().filter(|(k, _)| k.ends_with(":staff:overdue")).count();
    // Saturday 14:00: C has sat three calendar days, but only 8 office hours (Wednesday 1.5,
    // Saturday 6.5): the weekend does not count, and nothing is overdue.
    scheduler.tick(tehran_at("1405/09/14", "14:00")).await.unwrap();
    assert_eq!(overdue(&sla_posts(&app).await), 0);
    // Sunday 14:10: C is past its 14 office hours; A and B have 5 of theirs.
    scheduler.tick(tehran_at("1405/09/15", "14:10")).await.unwrap();
    assert_eq!(overdue(&sla_posts(&app).await), 1);
    // Tuesday 08:50: A and B have 13 h 50 min; 09:10, past: each of the three once, however
    // often the job runs.
    scheduler.tick(tehran_at("1405/09/17", "08:50")).await.unwrap();
    assert_eq!(overdue(&sla_posts(&app).await), 1);
    let ticked = scheduler.tick(tehran_at("1405/09/17", "09:10")).await.unwrap();
    assert!(ticked.jobs.contains(&Job::Escalation), "{ticked:?}");
    scheduler.tick(tehran_at("1405/09/17", "10:00")).await.unwrap();
    let posts = sla_posts(&app).await;
    assert_eq!(overdue(&posts), 3, "{posts:?}");
    let subjects: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT request_id FROM notifications WHERE dedup_key LIKE '%:staff:overdue' ORDER BY request_id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(subjects, vec![Some(a), Some(b), Some(c)]);

    // A moves on (a new stay, within its 70-hour target); B is decided ten hours after it
    // was submitted; C stays put and is not escalated again.
    advance(&app, &admin, a_code, "under-review", None).await;
    entered_at(&app, a, tehran_at("1405/09/17", "10:30")).await;
    advance(&app, &admin, b_code, "under-review", None).await;
    advance(&app, &admin, b_code, "rejected", Some("بدهی تسویه شده است")).await;
    sqlx::query("UPDATE requests SET created_at = created_at - interval '10 hours' WHERE id = $1")
        .bind(b)
        .execute(app.pool())
        .await
        .unwrap();
    let morning = next_morning(tehran_at("1405/09/17", "10:30"));
    // Two debt-respite applicants rated what they were given the day before (4 and 5).
    for (request, score) in [(a, 4), (b, 5)] {
        sqlx::query(
            "INSERT INTO ratings (subject, applicant_id, service_id, score, rated_at)
             VALUES ($1, $2, 'debt-respite', $3, $4)",
        )
        .bind(format!("request:{request}"))
        .bind(applicant)
        .bind(score as i16)
        .bind(morning - chrono::Duration::days(1))
        .execute(app.pool())
        .await
        .unwrap();
    }
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
        format!("{}: میانگین رضایت ۴٫۵ از ۵ (۲ نظر)", render("service-debt-respite")),
    ];
    for line in expected {
        assert!(text.contains(&line), "the digest lacks {line}:\n{text}");
    }
    assert!(
        !text.contains(&render("stage-rejected")),
        "decided requests are not open:\n{text}"
    );

    // Running the digest's day again queues nothing.
    scheduler.tick(morning + chrono::Duration::hours(1)).await.unwrap();
    let digests = sla_posts(&app)
        .await
        .iter()
        .filter(|(k, _)| k == &format!("digest:{day}"))
        .count();
    assert_eq!(digests, 1);
}

#[tokio::test]
async fn a_declared_closure_day_stops_the_clock_and_a_bad_declaration_changes_nothing() {
    let bot = support::service::Running::fresh(&[("PEYGIR_STAFF_CHAT_ID", "-1009".to_owned())]).await;
    let app = bot.app.clone();
    let admin = support::api::Api::for_member(&bot, "admin", Role::Admin, None).await;
    let reviewer = support::api::Api::for_member(&bot, "reviewer", Role::Reviewer, None).await;
    let in_ten_days =
        peygir::domain::jalali::to_jalali(Utc::now().date_naive() + chrono::Duration::days(10)).to_string();
    let in_two_years =
        peygir::domain::jalali::to_jalali(Utc::now().date_naive() + chrono::Duration::days(730)).to_string();
    let refused = [
        (json!({"day": "1405/13/01", "reason": "گرما"}), "no thirteenth month"),
        (json!({"day": "2026-12-07", "reason": "گرما"}), "a Gregorian date"),
        (json!({"day": in_two_years, "reason": "گرما"}), "two years ahead"),
        (json!({"day": in_ten_days, "reason": " \u{200c} "}), "no visible reason"),
    ];
    for (body, why) in refused {
        let (status, answer) = admin.post("/api/v1/closures", body).await;
        assert_eq!(status, 422, "{why}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_closure", "{why}");
    }
    let valid = json!({"day": to_persian_digits(&in_ten_days), "reason": "آلودگی هوا"});
    assert_eq!(reviewer.post("/api/v1/closures", valid.clone()).await.0, 403);
    let closed = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM closure_days")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    assert_eq!(closed().await, 0, "nothing refused was stored");
    let (status, view) = admin.post("/api/v1/closures", valid.clone()).await;
    assert_eq!(
        (status.as_u16(), view["day"].as_str()),
        (201, Some(in_ten_days.as_str()))
    );
    let (status, view) = admin.post("/api/v1/closures", valid).await;
    assert_eq!(
        (status.as_u16(), view["new"].as_bool()),
        (200, Some(false)),
        "declared once"
    );
    assert_eq!(closed().await, 1);

    // The service's own scheduler leads the jobs on its database; the clock is shown on one of
    // the test's, with the same declaration.
    bot.stop().await;
    let (app, _db) = support::spawn_app_with_staff_chat().await;
    // Submitted Sunday 1405/09/15 at 09:00 (target 14 office hours), Monday declared closed.
    // On Tuesday at 14:00 it has had 12 office hours (Sunday 5.5, Tuesday 6.5), not 19; on
    // Wednesday at 09:10, 14.2: overdue.
    let (request, _) = submit(&app, "plate-removal").await;
    entered_at(&app, request, tehran_at("1405/09/15", "09:00")).await;
    let mut tx = app.pool().begin().await.unwrap();
    let declared = peygir::office::declare_closure(
        &mut tx,
        app.catalog(),
        "1405/09/16",
        "گرما",
        "test",
        tehran_at("1405/09/15", "12:00"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(declared.new);
    let mut scheduler = Scheduler::new(app.clone());
    let overdue = || async {
        sla_posts(&app)
            .await
            .iter()
            .filter(|(k, _)| k.ends_with(":staff:overdue"))
            .count()
    };
    scheduler.tick(tehran_at("1405/09/17", "14:00")).await.unwrap();
    assert_eq!(overdue().await, 0, "Monday's closure does not count");
    scheduler.tick(tehran_at("1405/09/18", "09:10")).await.unwrap();
    assert_eq!(overdue().await, 1);
}
