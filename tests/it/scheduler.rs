//! The scheduler and planned maintenance with a clock the test controls (`tick(now)`): each
//! reminder at its offset and never twice, across a restart too; a change or cancellation
//! leaves no stale notice; one instance leads and another takes over when it dies; housekeeping
//! forgets what is kept only for a while.

use crate::support;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use peygir::app::Application;
use peygir::i18n::Locale;
use peygir::maintenance;
use peygir::scheduler::{Job, Scheduler};
use peygir::store::maintenance::Plan;
use support::{build_app, config_text};

const SUBSCRIBERS: i64 = 3;

async fn setup() -> Application {
    let db = support::database::fresh_database().await;
    let app = build_app(&db, &config_text(|c| c), &[]).await;
    support::add_applicants(&app, 1..=SUBSCRIBERS).await;
    app
}

/// The start of the test's clock: a Monday 09:00 in Tehran.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 5, 30, 0).unwrap()
}

fn hours(h: f64) -> chrono::Duration {
    chrono::Duration::seconds((h * 3600.0) as i64)
}

fn plan(starts_in: f64, lasts: f64) -> Plan<'static> {
    Plan {
        service_id: None,
        starts_at: t0() + hours(starts_in),
        ends_at: t0() + hours(starts_in + lasts),
        reason: "ارتقای پایگاه داده",
    }
}

/// Maintenance notices queued so far, by (event of the key, status).
async fn notices(app: &Application) -> BTreeMap<(String, String), i64> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT regexp_replace(dedup_key, '^maintenance:\\d+:(v\\d+:[a-z0-9-]+):applicant:.*$', '\\1'), status, count(*)
         FROM notifications WHERE kind = 'maintenance' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(event, status, n)| ((event, status), n))
        .collect()
}

fn pending(events: &[&str]) -> BTreeMap<(String, String), i64> {
    events
        .iter()
        .map(|e| ((e.to_string(), "pending".to_string()), SUBSCRIBERS))
        .collect()
}

#[tokio::test]
async fn reminders_fire_at_their_offsets_and_never_twice_across_a_restart() {
    let app = setup().await;
    let mut scheduler = Scheduler::new(app.clone());
    // The first tick only starts the schedule's record.
    assert_eq!(scheduler.tick(t0()).await.unwrap().jobs, vec![]);

    let mut tx = app.pool().begin().await.unwrap();
    let window = maintenance::schedule(&mut tx, app.catalog(), &plan(30.0, 2.0), "staff:1", t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(notices(&app).await, pending(&["v1:scheduled"]));

    // Nothing before the 24-hour reminder's time (t0 + 6 h).
    scheduler.tick(t0() + hours(5.9)).await.unwrap();
    assert_eq!(notices(&app).await, pending(&["v1:scheduled"]));
    assert_eq!(
        scheduler.tick(t0() + hours(6.0)).await.unwrap().jobs,
        vec![Job::Maintenance, Job::Escalation, Job::Deadlines]
    );
    assert_eq!(notices(&app).await, pending(&["v1:scheduled", "v1:reminder-1440m"]));
    // The same minute again runs nothing; a restarted scheduler runs the next minute and
    // queues nothing new.
    assert_eq!(scheduler.tick(t0() + hours(6.0)).await.unwrap().jobs, vec![]);
    drop(scheduler);
    let next_minute = t0() + hours(6.0) + chrono::Duration::minutes(1);
    let (mut restarted, ran) = support::lead(Scheduler::new(app.clone()), next_minute).await;
    assert_eq!(ran, vec![Job::Maintenance]);
    assert_eq!(notices(&app).await, pending(&["v1:scheduled", "v1:reminder-1440m"]));

    restarted.tick(t0() + hours(29.0)).await.unwrap();
    restarted.tick(t0() + hours(30.0)).await.unwrap();
    restarted.tick(t0() + hours(31.0)).await.unwrap();
    restarted.tick(t0() + hours(32.0)).await.unwrap();
    restarted.tick(t0() + hours(40.0)).await.unwrap();
    assert_eq!(
        notices(&app).await,
        pending(&[
            "v1:ended",
            "v1:reminder-1440m",
            "v1:reminder-60m",
            "v1:scheduled",
            "v1:started"
        ])
    );

    // The text names the window in Tehran time with a Jalali date.
    let message: sqlx::types::Json<peygir::i18n::Msg> = sqlx::query_scalar(
        "SELECT f.message FROM notifications n JOIN fanout_messages f ON f.id = n.fanout_message_id
             WHERE n.dedup_key LIKE $1 LIMIT 1",
    )
    .bind(format!("maintenance:{}:v1:scheduled:%", window.id))
    .fetch_one(app.pool())
    .await
    .unwrap();
    let fa = app.i18n().render(Locale::Fa, &message.0);
    assert!(
        fa.contains("۱۴۰۵") && fa.contains("۱۵:۰۰") && fa.contains("ارتقای پایگاه داده"),
        "{fa}"
    );
    let en = app.i18n().render(Locale::En, &message.0);
    assert!(en.contains("15:00") && en.contains("17:00"), "{en}");
}

#[tokio::test]
async fn a_change_or_cancellation_leaves_no_stale_notice() {
    let app = setup().await;
    let mut scheduler = Scheduler::new(app.clone());
    scheduler.tick(t0()).await.unwrap();
    let mut tx = app.pool().begin().await.unwrap();
    let window = maintenance::schedule(&mut tx, app.catalog(), &plan(30.0, 2.0), "staff:1", t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    scheduler.tick(t0() + hours(6.0)).await.unwrap();

    // Moved a day later: what was waiting of version 1 is skipped, the change announced.
    let now = t0() + hours(7.0);
    let mut tx = app.pool().begin().await.unwrap();
    maintenance::change(&mut tx, app.catalog(), window.id, &plan(54.0, 2.0), "staff:1", now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut expected = BTreeMap::from([
        (("v1:scheduled".into(), "skipped".into()), SUBSCRIBERS),
        (("v1:reminder-1440m".into(), "skipped".into()), SUBSCRIBERS),
    ]);
    expected.extend(pending(&["v2:changed"]));
    assert_eq!(notices(&app).await, expected);

    // The old one-hour reminder's time passes with nothing; the new times remind.
    scheduler.tick(t0() + hours(29.0)).await.unwrap();
    assert_eq!(notices(&app).await, expected);
    scheduler.tick(t0() + hours(30.0)).await.unwrap();
    expected.extend(pending(&["v2:reminder-1440m"]));
    assert_eq!(notices(&app).await, expected);
    scheduler.tick(t0() + hours(53.0)).await.unwrap();
    expected.extend(pending(&["v2:reminder-60m"]));
    assert_eq!(notices(&app).await, expected);

    // Cancelled: announced, and nothing follows.
    let mut tx = app.pool().begin().await.unwrap();
    maintenance::cancel(&mut tx, window.id, "staff:1", t0() + hours(53.5))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    scheduler.tick(t0() + hours(55.0)).await.unwrap();
    scheduler.tick(t0() + hours(60.0)).await.unwrap();
    let after = notices(&app).await;
    assert_eq!(
        after.get(&("v3:cancelled".into(), "pending".into())),
        Some(&SUBSCRIBERS)
    );
    assert!(
        !after.keys().any(|(e, _)| e.contains("started") || e.contains("ended")),
        "{after:?}"
    );
    assert_eq!(
        after.get(&("v2:reminder-60m".into(), "skipped".into())),
        Some(&SUBSCRIBERS)
    );

    // A cancelled window cannot be changed or cancelled again.
    let mut tx = app.pool().begin().await.unwrap();
    let again = maintenance::cancel(&mut tx, window.id, "staff:1", t0() + hours(54.0)).await;
    assert!(
        matches!(again, Err(maintenance::MaintenanceError::Cancelled)),
        "{again:?}"
    );
}

#[tokio::test]
async fn bad_windows_are_refused_and_change_nothing() {
    let app = setup().await;
    let cases = [
        (plan(2.0, -1.0), "end after it starts"),
        (plan(-1.0, 2.0), "start in the future"),
        (
            Plan {
                service_id: Some("no-such-service"),
                ..plan(2.0, 1.0)
            },
            "no-such-service",
        ),
        (
            Plan {
                reason: "  ",
                ..plan(2.0, 1.0)
            },
            "reason",
        ),
    ];
    for (bad, says) in cases {
        let mut tx = app.pool().begin().await.unwrap();
        let err = maintenance::schedule(&mut tx, app.catalog(), &bad, "staff:1", t0())
            .await
            .unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
    }
    let windows: i64 = sqlx::query_scalar("SELECT count(*) FROM maintenance_windows")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(windows, 0);
    assert!(notices(&app).await.is_empty());
}

#[tokio::test]
async fn one_instance_runs_the_schedule_and_another_takes_over_when_it_dies() {
    let app = setup().await;
    let mut first = Scheduler::new(app.clone());
    let mut second = Scheduler::new(app.clone());
    first.tick(t0()).await.unwrap();
    let minute = |n: i64| t0() + chrono::Duration::minutes(n);
    assert_eq!(first.tick(minute(1)).await.unwrap().jobs, vec![Job::Maintenance]);
    assert_eq!(second.tick(minute(2)).await.unwrap().jobs, vec![], "not the leader");
    assert_eq!(first.tick(minute(2)).await.unwrap().jobs, vec![Job::Maintenance]);

    // The leader dies (its connection closes with it): the other one takes over and runs
    // the next minute, not the ones already run.
    drop(first);
    let (mut second, ran) = support::lead(second, minute(2)).await;
    assert_eq!(ran, vec![], "minute 2 was run by the first");
    assert_eq!(second.tick(minute(3)).await.unwrap().jobs, vec![Job::Maintenance]);
    let last: DateTime<Utc> = sqlx::query_scalar("SELECT last_run_at FROM job_runs WHERE job = 'maintenance'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(last, minute(3));
}

#[tokio::test]
async fn housekeeping_forgets_old_update_ids_and_expired_codes_but_not_where_polling_resumes() {
    let app = setup().await;
    sqlx::query(
        "INSERT INTO processed_updates (platform, update_id, processed_at) VALUES
             ('telegram', 1, now() - interval '10 days'), ('telegram', 2, now() - interval '10 days'),
             ('telegram', 3, now() - interval '1 day'), ('bale', 7, now() - interval '10 days')",
    )
    .execute(app.pool())
    .await
    .unwrap();
    // Updates stored by a poller that stopped for good, and one just stored.
    sqlx::query(
        "INSERT INTO inbox (platform, update_id, chat_id, update_sealed, received_at) VALUES
             ('bale', 8, 5, '\\x00', now() - interval '10 days'), ('telegram', 4, 5, '\\x00', now())",
    )
    .execute(app.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO phone_challenges (applicant_id, mobile_hash, code_hash, expires_at) VALUES
             (1, '\\x01', '\\x00', now() - interval '3 days'),
             (1, '\\x02', '\\x00', now() + interval '5 minutes')",
    )
    .execute(app.pool())
    .await
    .unwrap();

    // The SMS that carried codes: one sent three days ago, one still waiting.
    sqlx::query(
        "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message, status, sms_to, body, created_at)
         SELECT k, 1, 'sms', 'phone-code',
                '{\"id\": \"sms-code\", \"args\": [[\"code\", {\"type\": \"text\", \"value\": \"482913\"}]]}',
                status, to_number, body, created
         FROM (VALUES ('code:old', 'sent', '+989120000001', 'کد: 482913', now() - interval '3 days'),
                      ('code:new', 'pending', '+989120000002', NULL, now())) AS v(k, status, to_number, body, created)",
    )
    .execute(app.pool())
    .await
    .unwrap();

    let now = Utc::now();
    let mut scheduler = Scheduler::new(app.clone());
    scheduler.tick(now).await.unwrap();
    // The nightly run falls within the next day.
    let ticked = scheduler.tick(now + hours(24.0)).await.unwrap();
    assert!(ticked.jobs.contains(&Job::Housekeeping), "{ticked:?}");

    let updates: Vec<(String, i64)> =
        sqlx::query_as("SELECT platform, update_id FROM processed_updates ORDER BY platform, update_id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(
        updates,
        [("bale".to_owned(), 7), ("telegram".to_owned(), 3)],
        "a week's ids stay, and each platform's latest however old"
    );
    let unhandled: Vec<i64> = sqlx::query_scalar("SELECT update_id FROM inbox")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(
        unhandled,
        [4],
        "an update stored a week ago and never handled is forgotten"
    );
    let numbers: Vec<Vec<u8>> = sqlx::query_scalar("SELECT mobile_hash FROM phone_challenges")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(numbers, [vec![2u8]], "the live challenge stays");
    // Each SMS as one line of text: key, status, number, body, message.
    let code_sms: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws(' | ', dedup_key, status, coalesce(sms_to, '-'), coalesce(body, '-'), message::text)
         FROM notifications WHERE kind = 'phone-code' ORDER BY dedup_key",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert!(
        code_sms[1].starts_with("code:old | sent | - | - |") && !code_sms[1].contains("482913"),
        "the number, the text and the code are gone: {}",
        code_sms[1]
    );
    assert!(
        code_sms[0].starts_with("code:new | pending | +989120000002"),
        "a waiting SMS keeps its number: {}",
        code_sms[0]
    );
}
