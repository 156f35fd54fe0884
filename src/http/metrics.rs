//! `GET /metrics`: the outbox, requests, complaints, outages and the scheduler's last runs in the
//! OpenMetrics text format, read from the database at each scrape, so every instance reports
//! the same figures. Labels are channels, services, stages and job names only: nothing about
//! an applicant.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::app::{Application, limits};
use crate::store::metrics::{self, Snapshot};

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(&'static str, String)>;

pub async fn scrape(State(app): State<Application>) -> Response {
    let snapshot = match app.pool().acquire().await {
        Ok(mut conn) => metrics::snapshot(&mut conn).await,
        Err(err) => Err(err),
    };
    let text = snapshot
        .map_err(anyhow::Error::from)
        .and_then(|snapshot| render(&snapshot).map_err(anyhow::Error::from));
    match text {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "reading the metrics failed");
            (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable").into_response()
        }
    }
}

/// The snapshot in the OpenMetrics text format.
fn render(snapshot: &Snapshot) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("peygir");
    let pending = gauge_family(
        &mut registry,
        "notifications_pending",
        "Notices not yet sent (exact up to 1,000, estimated above)",
    );
    let oldest = Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    registry.register(
        "notifications_oldest_due_seconds",
        "How long the oldest due notice has waited past its time",
        oldest.clone(),
    );
    let dead = gauge_family(
        &mut registry,
        "notifications_dead",
        "Notices given up on (exact up to 1,000, estimated above)",
    );
    for queue in &snapshot.queues {
        let labels = vec![("channel", queue.channel.to_owned())];
        pending.get_or_create(&labels).set(queue.pending);
        oldest.get_or_create(&labels).set(queue.oldest_due_seconds);
        dead.get_or_create(&labels).set(queue.dead);
    }
    single(
        &mut registry,
        "sms_awaiting_report",
        "SMS sent and waiting for the provider's final report",
        snapshot.sms_awaiting_report,
    );
    let requests = gauge_family(
        &mut registry,
        "requests",
        "Requests by service and stage (exact up to 1,000, estimated above)",
    );
    for (service, stage, count) in &snapshot.requests {
        let labels = vec![("service", service.clone()), ("stage", stage.clone())];
        requests.get_or_create(&labels).set(*count);
    }
    single(
        &mut registry,
        "complaints_open",
        "Complaints not yet answered",
        snapshot.open_complaints,
    );
    single(
        &mut registry,
        "outages_open",
        "Faults declared and not yet resolved",
        snapshot.open_outages,
    );
    let runs = gauge_family(
        &mut registry,
        "job_last_run_timestamp_seconds",
        "The scheduled time of each scheduler job's last run",
    );
    for (job, at) in &snapshot.job_runs {
        runs.get_or_create(&vec![("job", job.clone())]).set(at.timestamp());
    }
    single(
        &mut registry,
        "replies_waiting",
        "Replies to applicants' messages queued and not yet sent",
        snapshot.replies_waiting,
    );
    seconds(
        &mut registry,
        "replies_oldest_due_seconds",
        "How long the oldest due reply has waited to be sent",
        snapshot.oldest_reply_seconds,
    );
    single(
        &mut registry,
        "updates_waiting",
        "Bot API updates fetched by polling, stored and not yet handled",
        snapshot.updates_waiting,
    );
    seconds(
        &mut registry,
        "updates_oldest_seconds",
        "How long the oldest stored update has waited to be handled",
        snapshot.oldest_update_seconds,
    );
    for (name, help) in [
        (limits::FAILED_LOOKUPS, "Lookups of tracking codes that name nothing"),
        (
            limits::THROTTLED_MESSAGES,
            "Messages past a chat's limit a minute, left unanswered",
        ),
        (
            limits::THROTTLED_LOOKUPS,
            "Lookups refused past a chat's limit a minute",
        ),
        (
            limits::PAUSED_LOOKUPS,
            "Lookups refused while too many codes a minute named nothing",
        ),
    ] {
        let total = snapshot.totals.iter().find(|(n, _)| n == name).map_or(0, |(_, t)| *t);
        let counter = Counter::<u64>::default();
        counter.inc_by(u64::try_from(total).unwrap_or(0));
        registry.register(name, help, counter);
    }
    let average = Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    registry.register(
        "satisfaction_average",
        "Applicants' average score (1 to 5) for decisions and complaint answers, last 30 days",
        average.clone(),
    );
    let ratings = gauge_family(
        &mut registry,
        "satisfaction_ratings",
        "How many applicants rated a decision or a complaint answer, last 30 days",
    );
    for (service, mean, count) in &snapshot.satisfaction {
        // Complaints about no request have no service.
        let labels = vec![("service", service.clone().unwrap_or_else(|| "none".into()))];
        average.get_or_create(&labels).set(*mean);
        ratings.get_or_create(&labels).set(*count);
    }
    let credit = Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    registry.register(
        "sms_credit",
        "Each SMS provider's credit as it last reported it (Kavenegar: rials)",
        credit.clone(),
    );
    for (provider, value) in &snapshot.sms_credit {
        credit.get_or_create(&vec![("provider", provider.clone())]).set(*value);
    }
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

fn gauge_family(registry: &mut Registry, name: &str, help: &str) -> Family<Labels, Gauge> {
    let family = Family::<Labels, Gauge>::default();
    registry.register(name, help, family.clone());
    family
}

fn single(registry: &mut Registry, name: &str, help: &str, value: i64) {
    let gauge = Gauge::<i64>::default();
    gauge.set(value);
    registry.register(name, help, gauge);
}

/// A gauge of one duration in seconds.
fn seconds(registry: &mut Registry, name: &str, help: &str, value: f64) {
    let gauge = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    gauge.set(value);
    registry.register(name, help, gauge);
}
