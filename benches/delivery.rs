//! Delivery benchmark: prints figures, asserts nothing. Run with `cargo bench --bench delivery`
//! (PEYGIR_BENCH_SCALE=0.1 for a quick run; `-- unlimited` runs only the sections whose name
//! contains an argument: enqueue, paced, unlimited, sms). Everything runs on this machine: a private
//! PostgreSQL, the fake Bot API and the fake Kavenegar on loopback, reached by the real
//! teloxide and reqwest clients. Ratios within one run are what to compare; absolute figures
//! move with the machine's load.
//!
//! 1. Enqueueing one broadcast to 300,000 applicants through the outbox, next to a raw COPY of
//!    the same rows into the same table.
//! 2. Chat sends with Telegram's limits on, against a fake that refuses (429) anything beyond
//!    30 messages in any one-second window, each arrival jittered by ±20 ms as a network
//!    would: achieved rate / 30, and the 429s.
//! 3. Chat sends with limits off: deliveries per second.
//! 4. SMS through Kavenegar's bulk send with limits off: recipients per second.
//! 5. Replies through the whole service (polling): latency from an update reaching the fake to
//!    the first reply's `sendMessage` arriving there, p50 and p99, on an idle bot and while a
//!    broadcast runs at the limit (the anchor: the 33 ms slot of a 30/s limit).
//! 6. Updates handled per second with limits off, from 1,000 chats, until every reply is sent,
//!    next to a raw floor in the same run: on lean tables (a primary key each), each update's
//!    bare durable work, the update id and two sealed-size replies in one transaction, then
//!    the replies deleted in batches, over the same number of connections.

#[path = "../tests/it/support/mod.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use peygir::app::Application;
use peygir::i18n::{Arg, Msg};
use peygir::notify::{ChatLimits, ChatSender, Dispatcher, DispatcherSettings, SmsDispatcher};
use peygir::sms::Gateways;
use peygir::store::applicants::ApplicantId;
use peygir::store::outbox;
use peygir::store::subscriptions::Audience;
use support::bot_api::{FakeBotApi, TOKEN};
use support::kavenegar::FakeKavenegar;

/// `n` at the run's scale.
fn scaled(n: usize) -> usize {
    support::bench::scaled(n, 10)
}

async fn app(bot: &FakeBotApi, kavenegar: &FakeKavenegar) -> Application {
    let db = support::database::fresh_database().await;
    let env = support::bot_and_kavenegar_env(&bot.url, &kavenegar.url);
    support::build_app(&db, &support::config_with_quiet_hours(support::NEVER_QUIET), &env).await
}

/// `n` Telegram applicants (chat ids 1..=n), SMS on for all when `sms`.
async fn applicants(app: &Application, n: usize, sms: bool) -> Vec<ApplicantId> {
    // Emptying tables is the owner's to do; the service's role may not.
    let owner = support::owner_pool(app, 1).await;
    sqlx::query(
        "TRUNCATE notifications, fanout_messages, phone_challenges, dialogues, applicants RESTART IDENTITY CASCADE",
    )
    .execute(&owner)
    .await
    .unwrap();
    owner.close().await;
    sqlx::query(
        "INSERT INTO applicants (platform, chat_id, mobile, mobile_verified_at, sms_consent_at)
         SELECT 'telegram', g, CASE WHEN $2 THEN '+98912' || lpad(g::text, 7, '0') END,
                CASE WHEN $2 THEN now() END, CASE WHEN $2 THEN now() END
         FROM generate_series(1, $1::bigint) g",
    )
    .bind(n as i64)
    .bind(sms)
    .execute(app.pool())
    .await
    .unwrap();
    // Typed in the clear above for speed; sealed the way numbers from before sealing are.
    peygir::vault::sweep::seal_plaintext(app.pool(), app.vault())
        .await
        .unwrap();
    (1..=n as i64).map(ApplicantId).collect()
}

/// Writes every dirty page out before a measurement. A section that writes gigabytes of WAL (the
/// enqueue writes over one) sets off checkpoints that run on into the next section, and the
/// first change to each page after a checkpoint writes the whole page to the WAL: without this,
/// a section run after others ran slower than alone (SMS: 16,300-19,500 recipients/s against
/// 21,000-24,700), so each figure depended on what ran before it.
async fn checkpoint(app: &Application) {
    let owner = support::owner_pool(app, 1).await;
    sqlx::query("CHECKPOINT").execute(&owner).await.unwrap();
    owner.close().await;
}

/// How many times the enqueue and the SMS rounds are measured; the median is printed with the
/// range. On this shared machine one measurement moved by a third from the next, and the median
/// of three still moved by a fifth between runs.
const SAMPLES: usize = 5;

/// The median of measurements by their first figure (a rate, a ratio), with that figure's lowest
/// and highest, for the enqueue's pairs and the SMS rounds alike.
fn median_and_range<A: Copy, B: Copy>(mut samples: Vec<(f64, A, B)>) -> ((f64, A, B), f64, f64) {
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (lowest, highest) = (samples[0].0, samples[samples.len() - 1].0);
    (samples[samples.len() / 2], lowest, highest)
}

fn message() -> Msg {
    Msg::new("notice-complaint-answered")
        .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
        .arg("answer", Arg::Text("سامانه از ساعت ۲۲ تا ۲۴ در دسترس نیست.".into()))
}

async fn enqueue(app: &Application, ids: &[ApplicantId], event: &str) -> f64 {
    enqueue_message(app, ids, event, &message()).await
}

/// A broadcast of the longest text staff may write (1,000 characters).
fn longest_broadcast() -> Msg {
    let sentence = "سامانه از ساعت ۲۲ تا ۲۴ در دسترس نیست. ";
    let text: String = sentence.chars().cycle().take(1000).collect();
    Msg::new(peygir::conversation::messages::NOTICE_BROADCAST).arg("text", Arg::Text(text))
}

async fn enqueue_message(app: &Application, ids: &[ApplicantId], event: &str, message: &Msg) -> f64 {
    checkpoint(app).await;
    let start = Instant::now();
    let mut tx = app.pool().begin().await.unwrap();
    // As a broadcast is queued: one call, which keeps the message once and inserts the copies
    // a statement per 20,000.
    outbox::enqueue_many(&mut tx, support::broadcast(event, message), ids)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    start.elapsed().as_secs_f64()
}

/// The rows of one broadcast to `ids` as COPY text, for the baselines.
fn copy_rows(ids: &[ApplicantId], tag: &str) -> String {
    let message = serde_json::to_string(&message()).unwrap();
    let escaped = message.replace('\\', "\\\\");
    let mut data = String::with_capacity(ids.len() * (escaped.len() + 60));
    for id in ids {
        data.push_str(&format!(
            "{tag}:applicant:{}:chat\t{}\tchat\tbroadcast\t{}\t{tag}\ttelegram\n",
            id.0, id.0, escaped
        ));
    }
    data
}

async fn copy_into(pool: &sqlx::PgPool, table: &str, data: &str) -> f64 {
    let start = Instant::now();
    let mut conn = pool.acquire().await.unwrap();
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY {table} (dedup_key, applicant_id, channel, kind, message, subject, platform) FROM STDIN"
        ))
        .await
        .unwrap();
    copy.send(data.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
    start.elapsed().as_secs_f64()
}

/// Raw COPY into `notifications` itself: what the table's own indexes, checks and foreign key
/// cost, with no code of ours in the way.
async fn raw_copy(app: &Application, ids: &[ApplicantId]) -> f64 {
    checkpoint(app).await;
    copy_into(app.pool(), "notifications", &copy_rows(ids, "copy")).await
}

/// A lean queue table with the rows' width: a primary key and one partial index on what is
/// due, no foreign key, no checks. The honest floor for a queue on this machine. Made over a
/// pool of two owner's connections, which [`drop_lean_queue`] ends.
async fn lean_queue(app: &Application) -> sqlx::PgPool {
    let pool = support::owner_pool(app, 2).await;
    for ddl in [
        "DROP TABLE IF EXISTS lean_queue",
        "CREATE TABLE lean_queue (
             id BIGSERIAL PRIMARY KEY, dedup_key TEXT NOT NULL, applicant_id BIGINT NOT NULL,
             channel TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL, subject TEXT NOT NULL,
             platform TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        "CREATE INDEX lean_queue_due ON lean_queue (id) WHERE status = 'pending'",
    ] {
        sqlx::query(ddl).execute(&pool).await.unwrap();
    }
    pool
}

async fn drop_lean_queue(pool: sqlx::PgPool) {
    sqlx::query("DROP TABLE lean_queue").execute(&pool).await.unwrap();
    pool.close().await;
}

/// Raw COPY into the lean queue table.
async fn raw_copy_lean(app: &Application, ids: &[ApplicantId]) -> f64 {
    let pool = lean_queue(app).await;
    checkpoint(app).await;
    let elapsed = copy_into(&pool, "lean_queue", &copy_rows(ids, "lean")).await;
    drop_lean_queue(pool).await;
    elapsed
}

/// A row of the lean queue as a sender needs it: id, chat, text.
type LeanRow = (i64, i64, String);

/// Takes the next 1,000 pending rows of the lean queue in a transaction left open for
/// [`complete_lean`]; `None` when none are left.
async fn claim_lean(pool: &sqlx::PgPool) -> Option<(sqlx::Transaction<'static, sqlx::Postgres>, Vec<LeanRow>)> {
    let mut tx = pool.begin().await.unwrap();
    let claimed: Vec<LeanRow> = sqlx::query_as(
        "SELECT id, applicant_id, message FROM lean_queue WHERE status = 'pending' ORDER BY id LIMIT 1000
         FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    (!claimed.is_empty()).then_some((tx, claimed))
}

async fn complete_lean(mut tx: sqlx::Transaction<'static, sqlx::Postgres>, claimed: &[LeanRow]) {
    let ids: Vec<i64> = claimed.iter().map(|(id, _, _)| *id).collect();
    sqlx::query("UPDATE lean_queue SET status = 'sent' WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Times `run` over a lean queue holding a broadcast to `ids` (tagged `tag`): loaded, vacuumed
/// and checkpointed before the clock starts, dropped after it stops. The raw loops' common part.
async fn timed_on_lean_queue(
    app: &Application,
    ids: &[ApplicantId],
    tag: &str,
    run: impl AsyncFnOnce(&sqlx::PgPool),
) -> f64 {
    let owner = lean_queue(app).await;
    copy_into(&owner, "lean_queue", &copy_rows(ids, tag)).await;
    sqlx::query("VACUUM ANALYZE lean_queue").execute(&owner).await.unwrap();
    checkpoint(app).await;
    let start = Instant::now();
    run(&owner).await;
    let elapsed = start.elapsed().as_secs_f64();
    drop_lean_queue(owner).await;
    elapsed
}

/// A raw `SKIP LOCKED` claim and complete of `n` rows of the lean queue, 1,000 at a time over
/// two connections (one per core), with no sending: the floor under any dispatcher's burn-down.
async fn raw_burn_down(app: &Application, ids: &[ApplicantId]) -> f64 {
    timed_on_lean_queue(app, ids, "burn", async |owner| {
        side_by_side(2, || {
            let pool = owner.clone();
            async move {
                while let Some((tx, claimed)) = claim_lean(&pool).await {
                    complete_lean(tx, &claimed).await;
                }
            }
        })
        .await;
    })
    .await
}

/// The raw loop again, now sending each claimed row to the fake Bot API before completing it:
/// a bare reqwest POST of `sendMessage` per row, 32 under way at once (the dispatcher's
/// `max_in_flight`), over one connection to the database. The floor for a burn-down that
/// sends, with nothing of ours in the way (no rendering, pacing, evidence or lease).
async fn raw_burn_down_sending(app: &Application, bot: &FakeBotApi, ids: &[ApplicantId]) -> f64 {
    let client = reqwest::Client::new();
    let url = format!("{}/bot{TOKEN}/sendMessage", bot.url.trim_end_matches('/'));
    let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    timed_on_lean_queue(app, ids, "send", async |owner| {
        while let Some((tx, claimed)) = claim_lean(owner).await {
            let mut sends = tokio::task::JoinSet::new();
            for (_, chat, text) in &claimed {
                let permit = in_flight.clone().acquire_owned().await.unwrap();
                let send = client
                    .post(&url)
                    .json(&serde_json::json!({ "chat_id": chat, "text": text }));
                sends.spawn(async move {
                    let answer = send.send().await.unwrap();
                    assert!(answer.status().is_success(), "{}", answer.status());
                    drop(permit);
                });
            }
            while let Some(sent) = sends.join_next().await {
                sent.unwrap();
            }
            complete_lean(tx, &claimed).await;
        }
    })
    .await
}

/// The raw loop for SMS: the lean queue's rows claimed 1,000 at a time, sent 200 a call (the
/// most Kavenegar's `sendarray` takes) by a bare reqwest POST, one call at a time, then
/// completed. The floor for an SMS dispatcher on this machine, with nothing of ours in the way
/// (no rendering, checks, sealing, evidence or lease).
async fn raw_sms_loop(app: &Application, kavenegar: &FakeKavenegar, ids: &[ApplicantId]) -> f64 {
    let client = reqwest::Client::new();
    let url = format!(
        "{}/v1/{}/sms/sendarray.json",
        kavenegar.url.trim_end_matches('/'),
        support::kavenegar::API_KEY
    );
    let json = |values: Vec<String>| serde_json::to_string(&values).unwrap();
    timed_on_lean_queue(app, ids, "sms", async |owner| {
        while let Some((tx, claimed)) = claim_lean(owner).await {
            for batch in claimed.chunks(200) {
                // The numbers the bench's applicants were given: +98912 and the id in seven digits.
                let form = [
                    (
                        "receptor",
                        json(batch.iter().map(|(_, id, _)| format!("0912{id:07}")).collect()),
                    ),
                    ("message", json(batch.iter().map(|(_, _, text)| text.clone()).collect())),
                    // Numbers apart from the outbox's ids: the fake, as Kavenegar does, answers a
                    // local id it has seen with the earlier message and sends nothing.
                    (
                        "localmessageids",
                        json(
                            batch
                                .iter()
                                .map(|(id, _, _)| (id + 1_000_000_000_000).to_string())
                                .collect(),
                        ),
                    ),
                ];
                let answer = client.post(&url).form(&form).send().await.unwrap();
                assert!(answer.status().is_success(), "{}", answer.status());
            }
            complete_lean(tx, &claimed).await;
        }
    })
    .await
}

/// The outbox's own claim and completion of `n` queued notices (`outbox::claim`, then
/// `outbox::mark_sent`), 1,000 at a time over two connections, with no sending: the database
/// part of the dispatcher's burn-down, the same loop as [`raw_burn_down`] on our table.
async fn outbox_burn_down(app: &Application, n: usize) -> f64 {
    let platforms = vec!["telegram".to_owned()];
    checkpoint(app).await;
    let start = Instant::now();
    side_by_side(2, || {
        let app = app.clone();
        let platforms = platforms.clone();
        async move {
            loop {
                let claimed = outbox::claim(
                    app.pool(),
                    app.vault(),
                    &platforms,
                    false,
                    1000,
                    Duration::from_secs(60),
                )
                .await
                .unwrap();
                if claimed.is_empty() {
                    break;
                }
                let ids: Vec<i64> = claimed.iter().map(|notice| notice.id).collect();
                outbox::mark_sent(app.pool(), &ids).await.unwrap();
            }
        }
    })
    .await;
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(
        pending(app, "chat").await,
        0,
        "every one of the {n} claimed and completed"
    );
    elapsed
}

fn chat_dispatcher(app: &Application, bot: &FakeBotApi, limits: ChatLimits, batch: i64) -> Dispatcher {
    let client = teloxide::Bot::new(TOKEN).set_api_url(bot.url.parse().unwrap());
    let senders = HashMap::from([("telegram".to_owned(), ChatSender::Bot(client))]);
    let settings = DispatcherSettings {
        batch,
        limits,
        ..DispatcherSettings::default()
    };
    Dispatcher::new(app.clone(), senders, settings)
}

/// How many notices of `channel` are still pending.
async fn pending(app: &Application, channel: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE status = 'pending' AND channel = $1")
        .bind(channel)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// Runs the dispatcher as the service does until the fake has accepted `n` messages and
/// nothing is pending. The fake's count is what is polled: counting pending rows every few
/// milliseconds would put a scan of the queue on the cores being measured. (The fake counts
/// only the messages it accepted; a refused one is sent again after its wait.)
async fn drain(dispatcher: Dispatcher, app: &Application, bot: &FakeBotApi, n: usize) {
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(dispatcher.run(shutdown));
    while bot.count("sendMessage") < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while pending(app, "chat").await > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bot = FakeBotApi::start().await;
    let kavenegar = FakeKavenegar::start().await;
    let app = app(&bot, &kavenegar).await;
    println!("peygir delivery benchmark (scale {})", support::bench::scale());
    if wanted("enqueue") {
        enqueue_section(&app).await;
    }
    if wanted("paced") {
        paced_section(&app, &bot).await;
    }
    if wanted("unlimited") {
        unlimited_section(&app, &bot).await;
    }
    if wanted("sms") {
        sms_section(&app, &kavenegar).await;
    }
    if wanted("replies") {
        replies_section().await;
    }
    if wanted("updates") {
        updates_section().await;
    }
}

/// Whether a section was asked for: every one when no name is given.
fn wanted(section: &str) -> bool {
    // `cargo bench` passes `--bench` to the binary.
    let names: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    names.is_empty() || names.iter().any(|n| section.contains(n.as_str()))
}

/// 1. Enqueue one broadcast [`SAMPLES`] times, each beside a lean COPY of the same rows.
///
/// The ratio is the median pair's.
async fn enqueue_section(app: &Application) {
    let n = scaled(300_000);
    let ids = applicants(app, n, false).await;
    let mut pairs = Vec::new();
    for round in 1..=SAMPLES {
        let ours = enqueue(app, &ids, &format!("broadcast:{round}")).await;
        let lean = raw_copy_lean(app, &ids).await;
        pairs.push((lean / ours, ours, lean));
    }
    let longest = enqueue_message(app, &ids, "broadcast:longest", &longest_broadcast()).await;
    let copy = raw_copy(app, &ids).await;
    let ((ratio, ours, lean), lowest, highest) = median_and_range(pairs);
    println!(
        "enqueue {n} notices, median of {SAMPLES} alternated pairs: outbox {:.0} rows/s ({ours:.2} s); raw COPY into a \
         lean queue table {:.0} rows/s ({lean:.2} s), outbox/lean {ratio:.2} (pairs {:.2}-{:.2}); raw COPY into \
         notifications itself {:.0} rows/s ({copy:.2} s); a 1,000-character broadcast {:.0} rows/s ({longest:.2} s)",
        n as f64 / ours,
        n as f64 / lean,
        lowest,
        highest,
        n as f64 / copy,
        n as f64 / longest,
    );
}

/// 2. Limits on, against a fake that enforces 30 in any one-second window.
async fn paced_section(app: &Application, bot: &FakeBotApi) {
    let n = scaled(600);
    let ids = applicants(app, n, false).await;
    enqueue(app, &ids, "limited").await;
    bot.clear_calls();
    bot.enforce_rate(30);
    bot.jitter_arrivals(Duration::from_millis(20));
    // A distant Bot API's answers (PEYGIR_BENCH_LATENCY_MS; none by default).
    let latency = std::env::var("PEYGIR_BENCH_LATENCY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    bot.delay_sends(latency);
    let dispatcher = chat_dispatcher(app, bot, ChatLimits::TELEGRAM, 200);
    let start = Instant::now();
    drain(dispatcher, app, bot, n).await;
    let elapsed = start.elapsed().as_secs_f64();
    // The rate the sends reached the fake (before the jitter it adds, whose 0-40 ms at either
    // end would move a 21 s span by up to 0.2%): messages after the first over the time from
    // the first to the last.
    let arrivals: Vec<Instant> = bot.calls("sendMessage").iter().map(|c| c.reached).collect();
    let span = arrivals
        .iter()
        .max()
        .unwrap()
        .duration_since(*arrivals.iter().min().unwrap());
    let rate = (n - 1) as f64 / span.as_secs_f64();
    println!(
        "limits on, ±20 ms jitter, {} ms latency: {n} messages in {elapsed:.2} s, sent at {rate:.2}/s = {:.3} of \
         the 30/s limit, {} × 429, at most {} arrived in any second",
        latency.as_millis(),
        rate / 30.0,
        bot.rate_refusals(),
        bot.most_sends_in_a_second()
    );
    bot.jitter_arrivals(Duration::ZERO);
    bot.delay_sends(Duration::ZERO);
}

/// 3. Limits off.
async fn unlimited_section(app: &Application, bot: &FakeBotApi) {
    let n = scaled(20_000);
    let ids = applicants(app, n, false).await;
    enqueue(app, &ids, "unlimited").await;
    bot.clear_calls();
    bot.lift_rate_limit();
    let dispatcher = chat_dispatcher(app, bot, ChatLimits::NONE, 1000);
    checkpoint(app).await;
    let start = Instant::now();
    drain(dispatcher, app, bot, n).await;
    let elapsed = start.elapsed().as_secs_f64();
    let raw = raw_burn_down(app, &ids).await;
    enqueue(app, &ids, "claimed").await;
    let queue = outbox_burn_down(app, n).await;
    bot.clear_calls();
    let raw_sending = raw_burn_down_sending(app, bot, &ids).await;
    assert_eq!(bot.count("sendMessage"), n, "the raw loop sent each row once");
    println!(
        "limits off: {n} messages in {elapsed:.2} s = {:.0} deliveries/s; raw SKIP LOCKED claim+complete of as many \
         rows of a lean table {:.0} rows/s ({raw:.2} s, no sending), ours/raw {:.2}; the outbox's own claim+complete, \
         no sending, {:.0} rows/s ({queue:.2} s), outbox/raw {:.2}; the raw loop sending each row by a bare \
         reqwest POST {:.0} rows/s ({raw_sending:.2} s), ours/raw-sending {:.2}",
        n as f64 / elapsed,
        n as f64 / raw,
        raw / elapsed,
        n as f64 / queue,
        raw / queue,
        n as f64 / raw_sending,
        raw_sending / elapsed,
    );
}

/// 4. SMS in bulk.
async fn sms_section(app: &Application, kavenegar: &FakeKavenegar) {
    let n = scaled(20_000);
    let ids = applicants(app, n, true).await;
    let gateway = Gateways::from_config(&app.config().sms, &app.config().notices).unwrap();
    let settings = DispatcherSettings {
        batch: 1000,
        ..DispatcherSettings::default()
    };
    let sms = SmsDispatcher::new(app.clone(), gateway, settings, None);
    let mut rates = Vec::new();
    for round in 1..=SAMPLES {
        queue_sms_to(app, &ids, &format!("sms:{round}")).await;
        let (calls, before) = (kavenegar.send_calls(), kavenegar.delivered_count());
        checkpoint(app).await;
        let start = Instant::now();
        drain_sms(sms.clone(), kavenegar, before + n).await;
        let elapsed = start.elapsed().as_secs_f64();
        rates.push((n as f64 / elapsed, elapsed, kavenegar.send_calls() - calls));
        assert_eq!(pending(app, "sms").await, 0, "every SMS sent was recorded as sent");
        let reached: std::collections::HashSet<String> = kavenegar.recipients().drain(before..).collect();
        assert_eq!(reached.len(), n, "every recipient got this round's SMS, none twice");
        assert_eq!(kavenegar.delivered_count(), before + n, "no SMS reached the fake twice");
    }
    let ((rate, elapsed, calls), slowest, fastest) = median_and_range(rates);
    let before = kavenegar.delivered_count();
    let raw = raw_sms_loop(app, kavenegar, &ids).await;
    assert_eq!(
        kavenegar.delivered_count(),
        before + n,
        "the raw loop sent each row once"
    );
    println!(
        "SMS bulk, median of {SAMPLES} rounds: {n} recipients in {elapsed:.2} s = {rate:.0} recipients/s over {calls} \
         sendarray calls (rounds {:.0}-{:.0}/s); the raw loop sending 200 a call by a bare reqwest POST {:.0} \
         recipients/s ({raw:.2} s), ours/raw {:.2}",
        slowest,
        fastest,
        n as f64 / raw,
        rate * raw / n as f64,
    );
}

/// Runs the SMS dispatcher as the service does until the fake holds `total` messages, then
/// stops it, which records what it sent last. The fake's count, kept in memory, is polled every
/// millisecond: the figure is a second or so, and polling the queue would load the cores.
async fn drain_sms(sms: SmsDispatcher, kavenegar: &FakeKavenegar, total: usize) {
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(sms.run(shutdown));
    while kavenegar.delivered_count() < total {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
}

/// Queues an announcement to `ids` under `event` by SMS alone, as the service queues one to
/// those who chose SMS. (Queued by chat and moved to SMS by an UPDATE, each round started from
/// a table holding a dead version of every row it was to send, which the service never does.)
async fn queue_sms_to(app: &Application, ids: &[ApplicantId], event: &str) {
    let message = message();
    let audience = Audience {
        chat: Vec::new(),
        sms: ids.to_vec(),
    };
    let mut tx = app.pool().begin().await.unwrap();
    outbox::announce(&mut tx, support::broadcast(event, &message), &audience)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Runs `workers` copies of a task side by side and waits for all of them.
async fn side_by_side<F, Fut>(workers: usize, task: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let running: Vec<_> = (0..workers).map(|_| tokio::spawn(task())).collect();
    for worker in running {
        worker.await.unwrap();
    }
}

/// The `p`-th percentile of `samples` (sorted here).
fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let at = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[at]
}

/// Sends `/start` from `chat` and returns how long the first reply took to reach the fake.
async fn reply_latency(bot: &FakeBotApi, chat: i64) -> Duration {
    let start = Instant::now();
    bot.push(support::bot_api::updates::text(chat, "/start"));
    loop {
        if let Some(first) = bot
            .calls("sendMessage")
            .iter()
            .find(|c| c.params["chat_id"] == serde_json::json!(chat))
        {
            // When the bot sent it: the jitter the fake adds is the network's, not ours.
            return first.reached.duration_since(start);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// 5. Reply latency through the running service, idle and under a broadcast at the limit.
async fn replies_section() {
    let bot = FakeBotApi::start().await;
    bot.enforce_rate(30);
    bot.jitter_arrivals(Duration::from_millis(20));
    let db = support::database::fresh_database().await;
    let service = support::service::Running::start(&bot, &db, &[]).await;
    let samples = scaled(200);
    let mut idle = Vec::new();
    for chat in 0..samples as i64 {
        idle.push(reply_latency(&bot, 10_000 + chat).await);
        service.replies_delivered().await;
    }
    // A broadcast at the limit, long enough to outlast the samples taken under it.
    let recipients = 2_000;
    support::add_applicants(&service.app, 1_000_000..1_000_000 + recipients).await;
    let ids: Vec<ApplicantId> = sqlx::query_scalar("SELECT id FROM applicants WHERE chat_id >= 1000000 ORDER BY id")
        .fetch_all(service.app.pool())
        .await
        .unwrap();
    enqueue(&service.app, &ids, "replies-under-broadcast").await;
    while bot.count("sendMessage") < samples * 3 + 60 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut busy = Vec::new();
    for chat in 0..samples.min(300) as i64 {
        busy.push(reply_latency(&bot, 20_000 + chat).await);
        // An applicant reads before writing again.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let still_running = bot.sent_to(1_000_000 + recipients - 1).is_empty();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "reply latency: idle p50 {:.1} ms, p99 {:.1} ms; under a broadcast at the limit p50 {:.1} ms, p99 {:.1} ms \
         ({} × 429{}); one slot at 30/s = 35 ms",
        ms(percentile(&mut idle, 0.5)),
        ms(percentile(&mut idle, 0.99)),
        ms(percentile(&mut busy, 0.5)),
        ms(percentile(&mut busy, 0.99)),
        bot.rate_refusals(),
        if still_running {
            ""
        } else {
            "; the broadcast ended before the last sample"
        }
    );
    service.stop().await;
}

/// 6. Updates handled a second with limits off, from 1,000 chats.
async fn updates_section() {
    let bot = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let env = [("PEYGIR_TELEGRAM_MAX_PER_SECOND", "0".to_owned())];
    // With the limits off, as with a local Bot API server, more sends may be under way at
    // once (bot.toml says to raise it then).
    let in_flight = |t: String| t.replace("max_in_flight = 32", "max_in_flight = 128");
    let service = support::service::Running::start_with(&bot, &db, in_flight, &env).await;
    // One update first, for the replies a `/start` draws.
    let first = bot.push(support::bot_api::updates::text(1, "/start"));
    service.wait_handled(first).await;
    service.replies_delivered().await;
    let per_update = bot.count("sendMessage");
    let n = scaled(20_000);
    let chats = 1_000;
    let start = Instant::now();
    let mut last = 0;
    for i in 0..n {
        last = bot.push(support::bot_api::updates::text(2 + (i % chats) as i64, "/start"));
    }
    service.wait_handled(last).await;
    let handled = start.elapsed().as_secs_f64();
    while bot.count("sendMessage") < (n + 1) * per_update {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ours = n as f64 / elapsed;
    let raw = raw_update_floor(&service.app, n, chats).await;
    println!(
        "updates, limits off: {n} from {chats} chats stored in {handled:.2} s and answered ({per_update} replies \
         each) in {elapsed:.2} s = {ours:.0} updates/s; raw floor on lean tables {raw:.0}/s; ours/raw {:.2}",
        ours / raw,
    );
    service.stop().await;
}

/// Updates a second that raw PostgreSQL stores with their replies and then deletes, on lean
/// tables, over as many connections as the service has: what no handler can beat here.
async fn raw_update_floor(app: &Application, n: usize, chats: usize) -> f64 {
    let connections = app.config().database.max_connections;
    let pool = support::owner_pool(app, connections).await;
    for ddl in [
        "DROP TABLE IF EXISTS lean_updates, lean_replies",
        "CREATE TABLE lean_updates (update_id BIGINT PRIMARY KEY)",
        "CREATE TABLE lean_replies (id BIGSERIAL PRIMARY KEY, chat_id BIGINT NOT NULL, body BYTEA NOT NULL)",
    ] {
        sqlx::query(ddl).execute(&pool).await.unwrap();
    }
    let body = vec![7u8; 400];
    let start = Instant::now();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    side_by_side(connections as usize, || {
        let (pool, next, body) = (pool.clone(), next.clone(), body.clone());
        async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let mut tx = pool.begin().await.unwrap();
                sqlx::query("INSERT INTO lean_updates VALUES ($1)")
                    .bind(i as i64)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                sqlx::query("INSERT INTO lean_replies (chat_id, body) SELECT $1, $2 FROM generate_series(1, 2)")
                    .bind((i % chats) as i64)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }
    })
    .await;
    loop {
        let deleted =
            sqlx::query("DELETE FROM lean_replies WHERE id IN (SELECT id FROM lean_replies ORDER BY id LIMIT 100)")
                .execute(&pool)
                .await
                .unwrap()
                .rows_affected();
        if deleted == 0 {
            break;
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE lean_updates, lean_replies")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    rate
}
