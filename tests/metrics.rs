//! `GET /metrics` through the running service: the outbox per channel (pending, how late the
//! oldest due notice is, dead), requests by service and stage, open complaints and outages, in
//! the OpenMetrics text format, with nothing about an applicant in it.

mod support;

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
                                    next_attempt_at, claimed_until)
         SELECT 'metrics:' || a.id || ':' || c.channel, a.id, c.channel, 'test', '{\"id\": \"x\"}', 'metrics',
                c.status, now() + c.due, now() + interval '1 hour'
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
