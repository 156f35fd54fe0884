//! Outage probes with a clock the test controls (`tick(now)`) against a real HTTP server on
//! loopback: a flapping target tells nobody; a run of failures opens one outage, announced
//! once to applicants and staff; a run of successes closes it; a stopped server is a fault
//! until it answers again.

use crate::support;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use peygir::app::Application;
use peygir::outage::Change;
use peygir::scheduler::Scheduler;
use support::portal::FakePortal;
use support::{build_app, config_text};

const SUBSCRIBERS: i64 = 3;
const INTERVAL: i64 = 30;

async fn setup(portal: &FakePortal) -> Application {
    let db = support::database::fresh_database().await;
    let probe = format!(
        r#"
[[probes]]
name = "portal"
url = "{}"
interval_secs = {INTERVAL}
timeout_secs = 2
failures_before_outage = 3
successes_before_recovery = 2
"#,
        portal.url()
    );
    let toml = config_text(|t| t + &probe);
    let app = build_app(&db, &toml, &[("PEYGIR_STAFF_CHAT_ID", "-1001234".to_owned())]).await;
    support::add_applicants(&app, 1..=SUBSCRIBERS).await;
    app
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 5, 30, 0).unwrap()
}

/// Drives one probe with the test's clock.
struct Clock {
    scheduler: Scheduler,
    now: DateTime<Utc>,
}

impl Clock {
    /// One interval later, with the portal failing or not: what the check changed.
    async fn check(&mut self, portal: &FakePortal, failing: bool) -> Vec<Change> {
        portal.set_failing(failing);
        self.after(INTERVAL).await
    }

    async fn after(&mut self, seconds: i64) -> Vec<Change> {
        self.now += chrono::Duration::seconds(seconds);
        self.scheduler.tick(self.now).await.unwrap().outages
    }
}

/// Outage notices queued so far, by (event, recipient) → count.
async fn notices(app: &Application) -> BTreeMap<(String, String), i64> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT split_part(dedup_key, ':', 3), recipient, count(*) FROM notifications
         WHERE kind = 'outage' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    rows.into_iter().map(|(e, r, n)| ((e, r), n)).collect()
}

fn announced(events: &[&str]) -> BTreeMap<(String, String), i64> {
    events
        .iter()
        .flat_map(|e| {
            [
                ((e.to_string(), "applicant".to_string()), SUBSCRIBERS),
                ((e.to_string(), "staff".to_string()), 1),
            ]
        })
        .collect()
}

#[tokio::test]
async fn a_flapping_target_tells_nobody_and_a_run_of_failures_is_one_outage() {
    let portal = FakePortal::start().await;
    let app = setup(&portal).await;
    let mut clock = Clock {
        scheduler: Scheduler::new(app.clone()),
        now: t0(),
    };
    assert_eq!(clock.check(&portal, false).await, vec![]);

    // Up and down, never three failures in a row: no outage, no notice.
    for failing in [true, true, false, true, true, false, true, false] {
        assert_eq!(clock.check(&portal, failing).await, vec![], "flapping");
    }
    assert!(notices(&app).await.is_empty());

    // Within the interval nothing is checked.
    let checks = portal.checks();
    assert_eq!(clock.after(INTERVAL / 3).await, vec![]);
    assert_eq!(portal.checks(), checks);

    // Three failures in a row: one outage, announced once to every subscriber and the staff group.
    assert_eq!(clock.check(&portal, true).await, vec![]);
    assert_eq!(clock.check(&portal, true).await, vec![]);
    let started = clock.check(&portal, true).await;
    let [Change::Started(outage)] = started.as_slice() else {
        panic!("expected the outage to start: {started:?}");
    };
    assert_eq!(outage.reason, "HTTP 503");
    assert_eq!(outage.probe.as_deref(), Some("portal"));
    for _ in 0..4 {
        assert_eq!(clock.check(&portal, true).await, vec![], "still down");
    }
    assert_eq!(notices(&app).await, announced(&["started"]));

    // One good answer between failures does not end it; two in a row do.
    assert_eq!(clock.check(&portal, false).await, vec![]);
    assert_eq!(clock.check(&portal, true).await, vec![]);
    assert_eq!(clock.check(&portal, false).await, vec![]);
    let recovered = clock.check(&portal, false).await;
    let [Change::Recovered(over)] = recovered.as_slice() else {
        panic!("expected the outage to end: {recovered:?}");
    };
    assert_eq!(over.id, outage.id);
    assert_eq!(over.resolved_at, Some(clock.now));
    assert_eq!(notices(&app).await, announced(&["started", "resolved"]));

    // The applicant's notice names the service and the times, in Persian by default.
    let text: String = sqlx::query_scalar(
        // An announcement's copies name its message, kept once.
        "SELECT f.message::text FROM notifications n JOIN fanout_messages f ON f.id = n.fanout_message_id
         WHERE n.kind = 'outage' AND n.recipient = 'applicant' LIMIT 1",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(text.contains("notice-outage-started"), "{text}");
}

#[tokio::test]
async fn a_stopped_server_is_an_outage_until_it_answers_again() {
    let mut portal = FakePortal::start().await;
    let app = setup(&portal).await;
    let mut clock = Clock {
        scheduler: Scheduler::new(app.clone()),
        now: t0(),
    };
    assert_eq!(clock.check(&portal, false).await, vec![]);

    portal.stop().await;
    clock.after(INTERVAL).await;
    clock.after(INTERVAL).await;
    let started = clock.after(INTERVAL).await;
    let [Change::Started(outage)] = started.as_slice() else {
        panic!("a stopped server is an outage: {started:?}");
    };
    assert_eq!(outage.reason, "connection failed");

    // A new leader goes on counting where the last one stopped.
    drop(clock.scheduler);
    clock.scheduler = support::lead(Scheduler::new(app.clone()), clock.now).await.0;
    portal.restart().await;
    assert_eq!(clock.after(INTERVAL).await, vec![]);
    let recovered = clock.after(INTERVAL).await;
    assert!(matches!(recovered.as_slice(), [Change::Recovered(_)]), "{recovered:?}");
    assert_eq!(notices(&app).await, announced(&["started", "resolved"]));

    // What the staff group reads: the fault, its cause, who found it, how many were told.
    let staff: String = sqlx::query_scalar(
        "SELECT message::text FROM notifications WHERE kind = 'outage' AND recipient = 'staff'
         ORDER BY id LIMIT 1",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(
        staff.contains("connection failed") && staff.contains("probe:portal"),
        "{staff}"
    );
}
