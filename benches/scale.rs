//! National-scale benchmark: prints figures, asserts nothing. Run with `cargo bench --bench scale`
//! (PEYGIR_BENCH_SCALE=0.1 for a tenth of the rows).
//!
//! Seeds a fresh private database with 10 M requests (one history event each, 1 M applicants)
//! in a few minutes, then:
//! 1. the HTTP API's lookup of one request by its tracking code, p50 and p99 over random
//!    codes, through the whole service (audit row included);
//! 2. a broadcast to every applicant through the API: its draft, its confirmation (1 M notices
//!    queued) and the process's peak memory;
//! 3. with those notices pending, each query on a hot or staff-facing path run through
//!    peygir's own code: the median of five runs, and for each
//!    statement the top node of its plan and any sequential scan of a large table. The plans
//!    come from PostgreSQL's `auto_explain`, which this connection asks to send each plan back
//!    as a notice, so the queries measured are the ones the service runs, not copies.

#[path = "../tests/it/support/mod.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peygir::app::Application;
use peygir::domain::{Role, TrackingCode};
use peygir::store::applicants::ApplicantId;
use peygir::store::{broadcasts, metrics, notices, outbox, requests, sla};
use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor as _, PgPool};
use support::bot_api::FakeBotApi;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{Layer as _, filter};

/// `n` at the run's scale.
fn scaled(n: usize) -> usize {
    support::bench::scaled(n, 1_000)
}

/// A table this large read from end to end is what the bench flags.
const LARGE: f64 = 50_000.0;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let plans = Plans::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(
            plans
                .clone()
                .with_filter(filter::filter_fn(|m| m.target() == "sqlx::postgres::notice")),
        ),
    )
    .unwrap();
    let n_requests = scaled(10_000_000);
    let n_applicants = scaled(1_000_000);
    println!("peygir national-scale benchmark (scale {})", support::bench::scale());
    let fake = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let service = support::service::Running::start(&fake, &db, &[]).await;
    let app = service.app.clone();
    let owner = owner_pool(&app).await;

    let start = Instant::now();
    seed_applicants(&owner, n_applicants).await;
    seed_requests(&owner, n_requests, n_applicants).await;
    let probes = probe_requests(&app, 1_000).await;
    analyze(&owner).await;
    println!(
        "seeded {n_requests} requests with their events and {n_applicants} applicants in {:.0} s",
        start.elapsed().as_secs_f64()
    );

    lookup_section(&service, &probes).await;
    let broadcast = broadcast_section(&service).await;
    service.stop().await;
    // The service's pool closed with it; the queries below need no bot.
    let app = support::build_app(&db, &support::config_text(|t| t), &[]).await;
    analyze(&owner).await;
    queries_section(&app, &owner, &plans, &probes, &broadcast).await;
}

/// A pool of the database's owner (a superuser of the private cluster): bulk seeding skips the
/// foreign-key triggers, and `auto_explain` must be loaded by a superuser.
async fn owner_pool(app: &Application) -> PgPool {
    PgPoolOptions::new()
        // One connection: the plan settings `measure` makes are then the session's every query runs in.
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "SET synchronous_commit = off; SET session_replication_role = replica;
                     LOAD 'auto_explain'; SET auto_explain.log_level = notice;
                     SET auto_explain.log_format = json; SET auto_explain.log_min_duration = -1",
                )
                .await?;
                Ok(())
            })
        })
        .connect(&support::owner_url(app))
        .await
        .unwrap()
}

async fn seed_applicants(owner: &PgPool, n: usize) {
    sqlx::query(
        "INSERT INTO applicants (platform, chat_id, created_at)
         SELECT 'telegram', g, now() - interval '3 years' FROM generate_series(1, $1::bigint) g",
    )
    .bind(n as i64)
    .execute(owner)
    .await
    .unwrap();
}

/// `n` requests spread over three years, the newest 1% still open, each with the event that
/// put it in its stage. Tracking codes are drawn here (they carry a check digit) and sent in
/// chunks; the answers are a stand-in blob, as no bulk row is ever opened.
async fn seed_requests(owner: &PgPool, n: usize, applicants: usize) {
    let chunk = 200_000;
    let mut done = 0;
    while done < n {
        let count = chunk.min(n - done);
        let codes: Vec<i64> = (0..count).map(|_| TrackingCode::generate().to_stored()).collect();
        let mut tx = owner.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO tracking_codes (code, kind) SELECT unnest($1::bigint[]), 'request' ON CONFLICT DO NOTHING",
        )
        .bind(&codes)
        .execute(&mut *tx)
        .await
        .unwrap();
        // Created from three years ago to now, in order, in the two services alternately. The
        // newest 1% are still open (in the first two stages, or the second service's waiting
        // for documents); the rest are decided, as requests older than a few weeks are.
        sqlx::query(
            "WITH src AS (
                 SELECT c.code, $2::bigint + c.n AS n FROM unnest($1::bigint[]) WITH ORDINALITY AS c(code, n)
             ), shaped AS (
                 SELECT code, n,
                        CASE WHEN n % 2 = 0 THEN 'debt-respite' ELSE 'plate-removal' END AS service_id,
                        CASE WHEN n > 0.99 * $3 AND n % 3 = 0 THEN 'submitted'
                             WHEN n > 0.99 * $3 AND n % 3 = 1 THEN 'under-review'
                             WHEN n > 0.99 * $3 AND n % 2 = 1 THEN 'documents-requested'
                             WHEN n > 0.99 * $3 THEN 'objection-review'
                             WHEN n % 20 < 12 AND n % 2 = 0 THEN 'granted'
                             WHEN n % 20 < 12 THEN 'recorded'
                             ELSE 'rejected' END AS stage,
                        now() - interval '3 years' * (1 - n::float8 / $3) AS at
                 FROM src
             ), inserted AS (
                 INSERT INTO requests (code, service_id, applicant_id, stage, answers_sealed, locale, created_at, updated_at)
                 SELECT code, service_id, 1 + n % $4, stage, decode(repeat('5a', 160), 'hex'), 'fa', at, at
                 FROM shaped ORDER BY n
                 RETURNING id, stage, created_at
             )
             INSERT INTO request_events (request_id, from_stage, to_stage, actor, at)
             SELECT id, NULL, stage, 'staff:bench', created_at + interval '1 hour' FROM inserted",
        )
        .bind(&codes)
        .bind(done as i64)
        .bind(n as f64)
        .bind(applicants as i64)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        done += count;
    }
}

/// Requests made the way the bot makes them, with their answers sealed: the ones looked up.
async fn probe_requests(app: &Application, n: usize) -> Vec<TrackingCode> {
    let answers = peygir::conversation::Answers::new();
    let mut tx = app.pool().begin().await.unwrap();
    let mut codes = Vec::with_capacity(n);
    for i in 0..n {
        let applicant = ApplicantId(1 + i as i64);
        let (_, code) = requests::insert(
            &mut tx,
            app.vault(),
            applicant,
            "debt-respite",
            "submitted",
            &answers,
            peygir::i18n::Locale::Fa,
        )
        .await
        .unwrap();
        codes.push(code);
    }
    tx.commit().await.unwrap();
    codes
}

async fn analyze(owner: &PgPool) {
    owner.execute("VACUUM ANALYZE").await.unwrap();
}

/// 1. The API's lookup of one request, over HTTP, by a reviewer.
async fn lookup_section(service: &support::service::Running, codes: &[TrackingCode]) {
    let api = support::api::Api::for_member(service, "bench-reviewer", Role::Reviewer, None).await;
    let mut times = Vec::with_capacity(codes.len());
    for code in codes {
        let start = Instant::now();
        let (status, _) = api.get(&format!("/api/v1/requests/{code}")).await;
        times.push(start.elapsed());
        assert!(status.is_success(), "lookup answered {status}");
    }
    times.sort();
    println!(
        "API lookup of one request by code, {} lookups: p50 {:.2} ms, p99 {:.2} ms (aim: 2 and 10)",
        times.len(),
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
    );
}

/// A broadcast to every applicant through the API, as an operator makes one: the draft (which
/// counts its reach) and the confirmation (which queues a notice each), timed, and the
/// process's peak memory after them. Returns the broadcast's subject.
async fn broadcast_section(service: &support::service::Running) -> String {
    let operator = support::api::Api::for_member(service, "bench-operator", Role::Operator, None).await;
    let before = peak_rss_mib();
    let start = Instant::now();
    let (status, draft) = operator
        .post(
            "/api/v1/broadcasts",
            serde_json::json!({"text": "سامانه از ساعت ۲۲ تا ۲۴ در دسترس نیست."}),
        )
        .await;
    assert!(status.is_success(), "draft answered {status}: {draft}");
    let drafted = start.elapsed();
    let id = draft["id"].as_i64().unwrap();
    let start = Instant::now();
    let (status, confirmed) = operator
        .post(&format!("/api/v1/broadcasts/{id}/confirm"), Value::Null)
        .await;
    assert!(status.is_success(), "confirm answered {status}: {confirmed}");
    println!(
        "broadcast to every applicant ({} recipients) through the API: draft with its reach {:.2} s, \
         confirm (every notice queued) {:.2} s; peak RSS of the process (service, fakes and bench) \
         {before:.0} MiB before, {:.0} MiB after",
        draft["recipients"],
        drafted.as_secs_f64(),
        start.elapsed().as_secs_f64(),
        peak_rss_mib(),
    );
    format!("broadcast:{id}")
}

/// The process's peak resident memory so far (`VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// 3. Each hot or staff-facing query, with its plans.
async fn queries_section(app: &Application, owner: &PgPool, plans: &Plans, probes: &[TrackingCode], subject: &str) {
    let month_ago = chrono::Utc::now() - chrono::Duration::days(30);
    let code = probes[probes.len() / 2];
    let vault = app.vault().clone();
    let platforms = vec!["telegram".to_owned()];

    measure(owner, plans, "bot: a request by its code", async |pool| {
        let mut c = pool.acquire().await.unwrap();
        requests::find_by_code(&mut c, code).await.unwrap();
    })
    .await;
    measure(owner, plans, "bot: an applicant's requests", async |pool| {
        let mut c = pool.acquire().await.unwrap();
        requests::list_for_applicant(&mut c, ApplicantId(500)).await.unwrap();
    })
    .await;
    let pages = [
        ("newest 100", requests::Filter::default()),
        (
            "one service and stage",
            requests::Filter {
                service: Some("plate-removal".into()),
                stage: Some("under-review".into()),
                ..Default::default()
            },
        ),
        (
            "submitted in the last month",
            requests::Filter {
                submitted_from: Some(month_ago),
                ..Default::default()
            },
        ),
    ];
    for (name, filter) in pages {
        let filter = requests::Filter { limit: 100, ..filter };
        measure(owner, plans, &format!("API: request list, {name}"), async |pool| {
            let mut c = pool.acquire().await.unwrap();
            requests::list(&mut c, &filter).await.unwrap();
        })
        .await;
    }
    measure(
        owner,
        plans,
        "SLA: requests in 'under-review' past its 70 h",
        async |pool| {
            let mut c = pool.acquire().await.unwrap();
            let before = chrono::Utc::now() - chrono::Duration::hours(70);
            sla::in_stage_since_before(&mut c, "debt-respite", "under-review", before)
                .await
                .unwrap();
        },
    )
    .await;
    measure(owner, plans, "/metrics snapshot", async |pool| {
        let mut c = pool.acquire().await.unwrap();
        metrics::snapshot(&mut c).await.unwrap();
    })
    .await;
    measure(
        owner,
        plans,
        "draft: the reach of a broadcast to everyone",
        async |pool| {
            let mut c = pool.acquire().await.unwrap();
            peygir::store::subscriptions::everyone_size(&mut c).await.unwrap();
        },
    )
    .await;
    measure(owner, plans, "broadcast progress", async |pool| {
        let mut c = pool.acquire().await.unwrap();
        broadcasts::progress(&mut c, subject).await.unwrap();
    })
    .await;
    measure(
        owner,
        plans,
        "maintenance moved: skip what is pending about it (rolled back)",
        async |pool| {
            let mut tx = pool.begin().await.unwrap();
            outbox::skip_pending_about(&mut tx, "maintenance:1", "moved")
                .await
                .unwrap();
            tx.rollback().await.unwrap();
        },
    )
    .await;
    measure(owner, plans, "notices about a request", async |pool| {
        let mut c = pool.acquire().await.unwrap();
        notices::about(&mut c, &requests::subject(123)).await.unwrap();
    })
    .await;
    let (vault, platforms) = (&vault, &platforms);
    measure(owner, plans, "dispatcher: claim 30 due of 1 M", async |pool| {
        let claimed = outbox::claim(pool, vault, platforms, true, 30, Duration::from_secs(60))
            .await
            .unwrap();
        let ids: Vec<i64> = claimed.iter().map(|n| n.id).collect();
        outbox::release(pool, &ids).await.unwrap();
    })
    .await;
}

/// Runs `query` five times on the owner's one connection and prints the median time of the
/// first four, then each statement's plan in the last.
async fn measure(owner: &PgPool, plans: &Plans, name: &str, query: impl AsyncFn(&PgPool)) {
    let mut times = Vec::new();
    for _ in 0..4 {
        let start = Instant::now();
        query(owner).await;
        times.push(start.elapsed());
    }
    owner
        .execute("SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on")
        .await
        .unwrap();
    plans.clear();
    query(owner).await;
    owner
        .execute("SET auto_explain.log_min_duration = -1; SET auto_explain.log_analyze = off")
        .await
        .unwrap();
    times.sort();
    let statements = plans.take();
    println!(
        "{name}: {:.2} ms median, {} statement(s)",
        ms(times[times.len() / 2]),
        statements.len()
    );
    for plan in statements {
        println!("    {plan}");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The plans `auto_explain` sent back, one line each: the statement's time, its plan's top
/// node, and any sequential scan of a large table.
#[derive(Clone, Default)]
struct Plans(Arc<Mutex<Vec<String>>>);

impl Plans {
    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Plans {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        if let Some(line) = summarise(&message.0) {
            self.0.lock().unwrap().push(line);
        }
    }
}

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// "duration: 1.2 ms  plan: {json}" as one line: time, top node, large sequential scans.
fn summarise(notice: &str) -> Option<String> {
    let json = &notice[notice.find('{')?..];
    let explained: Value = serde_json::from_str(json).ok()?;
    let plan = &explained["Plan"];
    let mut scans = Vec::new();
    seq_scans(plan, &mut scans);
    let flagged = if scans.is_empty() {
        String::new()
    } else {
        format!("  SEQUENTIAL SCAN of {}", scans.join(", "))
    };
    // A statement that is itself an EXPLAIN (an estimate) is reported with its plan, untimed.
    let time = match plan["Actual Total Time"].as_f64() {
        Some(ms) => format!("{ms:>9.2} ms"),
        None => format!("{:>12}", "estimate"),
    };
    Some(format!("{time}  {}{flagged}", node(plan)))
}

fn node(plan: &Value) -> String {
    let kind = plan["Node Type"].as_str().unwrap_or("?");
    match (plan["Index Name"].as_str(), plan["Relation Name"].as_str()) {
        (Some(index), _) => format!("{kind} using {index}"),
        (None, Some(relation)) => format!("{kind} on {relation}"),
        _ => kind.to_owned(),
    }
}

fn seq_scans(plan: &Value, found: &mut Vec<String>) {
    if plan["Node Type"] == "Seq Scan" {
        let rows = plan["Actual Rows"].as_f64().unwrap_or_default()
            + plan["Rows Removed by Filter"].as_f64().unwrap_or_default();
        if rows >= LARGE {
            found.push(format!(
                "{} ({rows:.0} rows read)",
                plan["Relation Name"].as_str().unwrap_or("?")
            ));
        }
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        seq_scans(child, found);
    }
}
