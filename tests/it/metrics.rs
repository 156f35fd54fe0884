//! `GET /metrics` through the running service: the outbox per channel (pending, how late the
//! oldest due notice is, dead), requests by service and stage, open complaints and outages, in
//! the OpenMetrics text format, with nothing about an applicant in it; and figures above a
//! thousand, which are the planner's estimates, close to the true count.

use crate::support;

use std::collections::BTreeSet;

use peygir::i18n::Locale;
use support::journeys::plate_removal;
use support::service::Running;

/// The value of the sample `name{labels}` (labels as written, in order), if present.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
}

#[tokio::test]
async fn operators_see_the_queues_requests_and_faults_without_personal_data() {
    let bot = Running::fresh(&[]).await;
    let mut applicant = bot.user(4242);
    let code = applicant.submits(Locale::Fa, "plate-removal", &plate_removal()).await;
    support::add_applicants(&bot.app, 6000..6003).await;
    // Three chat notices held by another dispatcher's claim, two of them due for ten minutes;
    // one SMS dead. Written directly so the running dispatcher leaves them as they are.
    sqlx::query(
        "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message, subject, status,
                                    next_attempt_at, claimed_until, platform)
         SELECT 'metrics:' || a.id || ':' || c.channel, a.id, c.channel, 'test', '{\"id\": \"x\"}', 'metrics',
                c.status, now() + c.due, now() + interval '1 hour', a.platform
         FROM applicants a
         JOIN (VALUES (6000, 'chat', 'pending', interval '-10 minutes'),
                      (6001, 'chat', 'pending', interval '-10 minutes'),
                      (6002, 'chat', 'pending', interval '1 hour'),
                      (6000, 'sms', 'dead', interval '0 minutes')) AS c(chat, channel, status, due)
           ON a.chat_id = c.chat",
    )
    .execute(bot.app.pool())
    .await
    .unwrap();
    sqlx::query("INSERT INTO outages (reason, started_at, declared_by) VALUES ('آزمون', now(), 'test')")
        .execute(bot.app.pool())
        .await
        .unwrap();

    let response = reqwest::get(format!("http://{}/metrics", bot.http)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");

    assert_eq!(
        sample(&text, "peygir_notifications_pending{channel=\"chat\"}"),
        Some(3.0),
        "{text}"
    );
    let late = sample(&text, "peygir_notifications_oldest_due_seconds{channel=\"chat\"}").unwrap();
    assert!(
        (590.0..900.0).contains(&late),
        "the oldest due waited ten minutes: {late}"
    );
    assert_eq!(sample(&text, "peygir_notifications_dead{channel=\"sms\"}"), Some(1.0));
    assert_eq!(sample(&text, "peygir_notifications_dead{channel=\"chat\"}"), Some(0.0));
    assert_eq!(
        sample(&text, "peygir_requests{service=\"plate-removal\",stage=\"submitted\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "peygir_outages_open"), Some(1.0));
    assert_eq!(sample(&text, "peygir_complaints_open"), Some(0.0));

    // Labels name channels, services, stages and jobs only.
    let keys: BTreeSet<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('{'))
        .flat_map(|(_, labels)| labels.split('}').next().unwrap().split(','))
        .map(|pair| pair.split('=').next().unwrap())
        .collect();
    assert!(
        keys.is_subset(&BTreeSet::from(["channel", "service", "stage", "job"])),
        "{keys:?}"
    );
    let code_digits = peygir::domain::TrackingCode::parse(&code)
        .unwrap()
        .to_stored()
        .to_string();
    assert!(!text.contains(&code_digits) && !text.contains("4242"), "{text}");

    bot.stop().await;
}

#[tokio::test]
async fn figures_above_a_thousand_are_estimates_close_to_the_count() {
    let db = support::database::fresh_database().await;
    let app = support::build_app(&db, &support::config_text(|t| t), &[]).await;
    let pool = app.pool();
    for seed in [
        "INSERT INTO applicants (platform, chat_id) SELECT 'telegram', g FROM generate_series(1, 5000) g",
        "INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message, subject, platform)
         SELECT 'estimate:' || id, id, 'chat', 'test', '{\"id\": \"x\"}', 'estimate', platform FROM applicants",
        "INSERT INTO tracking_codes (code, kind) SELECT g, 'request' FROM generate_series(1, 3000) g",
        "INSERT INTO requests (code, service_id, applicant_id, stage, answers_sealed, locale)
         SELECT g, 'plate-removal', 1, CASE WHEN g <= 2500 THEN 'recorded' ELSE 'submitted' END, '\\x00', 'fa'
         FROM generate_series(1, 3000) g",
    ] {
        sqlx::query(seed).execute(pool).await.unwrap();
    }
    // What autovacuum does after a tenth of a table changed; statistics are the owner's to take.
    let owner = support::owner_pool(&app, 1).await;
    sqlx::query("ANALYZE notifications, requests")
        .execute(&owner)
        .await
        .unwrap();

    let snapshot = peygir::store::metrics::snapshot(&mut pool.acquire().await.unwrap())
        .await
        .unwrap();
    let chat = snapshot.queues.iter().find(|q| q.channel == "chat").unwrap();
    assert!(
        (4_500..=5_500).contains(&chat.pending),
        "about 5,000 pending: {}",
        chat.pending
    );
    let stage = |name: &str| {
        snapshot
            .requests
            .iter()
            .find(|(service, stage, _)| service == "plate-removal" && stage == name)
            .map(|(_, _, count)| *count)
    };
    let recorded = stage("recorded").unwrap();
    assert!((2_250..=2_750).contains(&recorded), "about 2,500 recorded: {recorded}");
    assert_eq!(stage("submitted"), Some(500), "counted exactly up to a thousand");
}
