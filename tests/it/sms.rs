//! SMS through the real gateway code against a fake Kavenegar (and a fake generic provider)
//! on loopback: bulk sends with `localid`, retryable and permanent errors, delivery reports in
//! any order, the fallback from a blocked chat, opt-out at send time, one-time code limits,
//! and quiet hours.

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use peygir::app::Application;
use peygir::conversation::Dialogue;
use peygir::domain::PhoneNumber;
use peygir::i18n::{Arg, Locale, Msg};
use peygir::notify::sms::MovedOn;
use peygir::notify::{ChatSender, Dispatcher, DispatcherSettings, SmsDispatcher};
use peygir::sms::Gateways;
use peygir::store::applicants::{self, ApplicantId};
use peygir::store::dialogues;
use peygir::store::outbox::{self, NewNotice};
use peygir::store::sms::{self as sms_store, CodeCheck, CodeLimits, CodeRequest};
use peygir::store::sms_outbox::{self, FinalReport};
use peygir::store::subscriptions::Audience;
use support::bot_api::{FakeBotApi, Fault, TOKEN};
use support::kavenegar::FakeKavenegar;
use support::safir::FakeSafir;
use support::smsir::FakeSmsIr;
use support::{
    NEVER_QUIET, bot_and_kavenegar_env, build_app, config_text, config_with_quiet_hours, quick_dispatch, wait_until,
};

struct Setup {
    app: Application,
    bot: FakeBotApi,
    kavenegar: FakeKavenegar,
}

async fn setup_with(quiet: &str) -> Setup {
    setup_with_env(quiet, &[]).await
}

async fn setup_with_env(quiet: &str, extra: &[(&'static str, String)]) -> Setup {
    let bot = FakeBotApi::start().await;
    let kavenegar = FakeKavenegar::start().await;
    let db = support::database::fresh_database().await;
    let mut env = bot_and_kavenegar_env(&bot.url, &kavenegar.url);
    env.extend_from_slice(extra);
    let app = build_app(&db, &config_with_quiet_hours(quiet), &env).await;
    Setup { app, bot, kavenegar }
}

async fn setup() -> Setup {
    setup_with(NEVER_QUIET).await
}

fn sms_dispatcher(app: &Application) -> SmsDispatcher {
    sms_dispatcher_with(app, quick_dispatch(), None)
}

/// A dispatcher through the configured gateways with `settings`, paced at `per_second`.
fn sms_dispatcher_with(app: &Application, settings: DispatcherSettings, per_second: Option<f64>) -> SmsDispatcher {
    let gateway = Gateways::from_config(&app.config().sms, &app.config().notices).unwrap();
    SmsDispatcher::new(app.clone(), gateway, settings, per_second)
}

/// Moves every notice still queued to the SMS channel, as if each had been queued by SMS.
async fn pending_to_sms(app: &Application) {
    sqlx::query("UPDATE notifications SET channel = 'sms' WHERE status = 'pending'")
        .execute(app.pool())
        .await
        .unwrap();
}

fn mobile(n: i64) -> PhoneNumber {
    PhoneNumber::parse(&format!("0912{n:07}")).unwrap()
}

/// An applicant on chat `chat` with SMS on for `mobile(chat)`.
async fn subscriber(app: &Application, chat: i64) -> ApplicantId {
    let mut tx = app.pool().begin().await.unwrap();
    let applicant = applicants::find_or_create(&mut tx, "telegram", chat).await.unwrap();
    sms_store::opt_in(&mut tx, app.vault(), applicant, &mobile(chat))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    applicant
}

async fn notice(app: &Application, applicant: ApplicantId, key: &str, kind: &'static str, label: &str) {
    let mut tx = app.pool().begin().await.unwrap();
    let notice = NewNotice {
        dedup_key: format!("{key}:applicant:chat"),
        applicant,
        kind: peygir::notify::kind::NoticeKind::parse(kind).expect("a known kind"),
        message: Msg::new("notice-complaint-answered")
            .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
            .arg("answer", Arg::Text(label.to_owned())),
        subject: key.to_owned(),
    };
    outbox::enqueue(&mut tx, app.vault(), &notice).await.unwrap();
    tx.commit().await.unwrap();
}

async fn statuses(app: &Application, channel: &str) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>("SELECT status, count(*) FROM notifications WHERE channel = $1 GROUP BY status")
        .bind(channel)
        .fetch_all(app.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Runs the chat dispatcher until no notice is due; on the way it queues the SMS copies its
/// notices call for.
async fn drain_chat(s: &Setup) {
    let bot = teloxide::Bot::new(TOKEN).set_api_url(s.bot.url.parse().unwrap());
    let senders = HashMap::from([("telegram".to_owned(), ChatSender::Bot(bot))]);
    let chat = Dispatcher::new(s.app.clone(), senders, quick_dispatch());
    while chat.run_once().await.unwrap() > 0 {}
}

async fn drain_sms(app: &Application) {
    let d = sms_dispatcher(app);
    while d.run_once().await.unwrap() > 0 {}
}

#[tokio::test]
async fn decisions_go_by_chat_and_by_one_bulk_sms_with_each_notice_as_its_localid() {
    let s = setup().await;
    for chat in 1..=250 {
        let applicant = subscriber(&s.app, chat).await;
        notice(
            &s.app,
            applicant,
            &format!("decision:{chat}"),
            "decision",
            &format!("label {chat}"),
        )
        .await;
    }
    drain_chat(&s).await;
    assert_eq!(s.bot.calls("sendMessage").len(), 250);
    drain_sms(&s.app).await;

    let delivered = s.kavenegar.delivered();
    assert_eq!(delivered.len(), 250, "each subscriber gets one SMS");
    assert!(
        s.kavenegar.send_calls() <= 2,
        "sent in bulk: {} calls",
        s.kavenegar.send_calls()
    );
    for chat in [1, 77, 250] {
        let to = mobile(chat).local();
        let texts: Vec<_> = delivered.iter().filter(|(r, _, _)| *r == to).collect();
        assert_eq!(texts.len(), 1);
        assert!(texts[0].1.contains(&format!("label {chat}")), "{:?}", texts[0]);
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM notifications WHERE channel = 'sms' ORDER BY id")
        .fetch_all(s.app.pool())
        .await
        .unwrap();
    let mut local_ids: Vec<i64> = delivered.iter().map(|(_, _, l)| l.parse().unwrap()).collect();
    local_ids.sort();
    assert_eq!(local_ids, ids, "the localid is the notice's own id");
    assert_eq!(statuses(&s.app, "sms").await, HashMap::from([("sent".into(), 250)]));
    let segments: Vec<i32> = sqlx::query_scalar("SELECT segments FROM notifications WHERE channel = 'sms'")
        .fetch_all(s.app.pool())
        .await
        .unwrap();
    assert!(segments.iter().all(|n| (1..=3).contains(n)), "{segments:?}");
    assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
    assert_eq!(s.bot.violations(), Vec::<String>::new());
}

/// The service's loops each record a round's last batch while they claim the next: that batch
/// is recorded all the same when the loop stops after it, and when nothing more is due.
#[tokio::test]
async fn the_running_dispatcher_records_every_batch_it_sent_the_last_one_too() {
    let s = setup().await;
    sms_notices(&s.app, 1..=250, "decision").await;
    let settings = DispatcherSettings {
        batch: 100,
        ..quick_dispatch()
    };
    let dispatcher = sms_dispatcher_with(&s.app, settings, None);

    // Told to stop before they start, its two loops each finish the round they take on, of
    // their own half of the applicants, and record it.
    let (_, stopped) = tokio::sync::watch::channel(true);
    dispatcher.clone().run(stopped).await;
    assert_eq!(s.kavenegar.delivered_count(), 200);
    assert_eq!(
        statuses(&s.app, "sms").await,
        HashMap::from([("sent".into(), 200), ("pending".into(), 50)])
    );
    let sent_by_half: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT applicant_id % 2, count(*) FROM notifications WHERE channel = 'sms' AND status = 'sent'
         GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(s.app.pool())
    .await
    .unwrap();
    assert_eq!(sent_by_half, [(0, 100), (1, 100)]);

    // Left running with nothing more due after the rest: their last batch is recorded by the
    // next claim, not only when the loop stops.
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(dispatcher.run(shutdown));
    wait_until("250 SMS recorded as sent", Duration::from_secs(20), async || {
        statuses(&s.app, "sms").await == HashMap::from([("sent".into(), 250)])
    })
    .await;
    assert!(!running.is_finished());
    stop.send(true).unwrap();
    running.await.unwrap();
    let mut reached = s.kavenegar.recipients();
    reached.sort();
    reached.dedup();
    assert_eq!(reached.len(), 250, "each subscriber reached");
    assert_eq!(s.kavenegar.delivered_count(), 250, "and none twice");
    assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
}

/// The service's loops split the due SMS by applicant, so that each applicant's go out in the
/// order they were queued even while both loops send.
#[tokio::test]
async fn the_running_loops_send_each_applicants_sms_in_the_order_queued() {
    let s = setup().await;
    let first = subscriber(&s.app, 1).await;
    let second = subscriber(&s.app, 2).await;
    for n in 0..15 {
        for applicant in [first, second] {
            let key = format!("order:{}:{n}", applicant.0);
            notice(&s.app, applicant, &key, "decision", &format!("number {n}")).await;
        }
    }
    pending_to_sms(&s.app).await;
    // Rounds of two, so that each applicant's fifteen take many rounds; a lease no busy
    // machine outlasts, so that nothing is claimed again while it is being sent.
    let settings = DispatcherSettings {
        batch: 2,
        lease: Duration::from_secs(60),
        ..quick_dispatch()
    };
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(sms_dispatcher_with(&s.app, settings, None).run(shutdown));
    wait_until("30 SMS recorded as sent", Duration::from_secs(20), async || {
        statuses(&s.app, "sms").await == HashMap::from([("sent".into(), 30)])
    })
    .await;
    stop.send(true).unwrap();
    running.await.unwrap();

    let delivered = s.kavenegar.delivered();
    assert_eq!(delivered.len(), 30, "each SMS once");
    for chat in [1, 2] {
        let to = mobile(chat).local();
        let local_ids: Vec<i64> = delivered
            .iter()
            .filter(|(r, _, _)| *r == to)
            .map(|(_, _, local)| local.parse().unwrap())
            .collect();
        assert_eq!(local_ids.len(), 15);
        assert!(
            local_ids.is_sorted(),
            "chat {chat}'s SMS arrived out of order: {local_ids:?}"
        );
    }
}

/// Under a gateway's rate a round claims no more than one round sends at it (a second, at most
/// a quarter of the lease), so that no claimed SMS waits out its lease for its turn: at five a
/// second, five of twenty, sent in one call.
#[tokio::test]
async fn under_a_gateways_rate_a_round_claims_what_one_round_sends_at_it() {
    let s = setup().await;
    sms_notices(&s.app, 1..=20, "decision").await;
    let settings = DispatcherSettings {
        lease: Duration::from_secs(60),
        ..quick_dispatch()
    };
    let dispatcher = sms_dispatcher_with(&s.app, settings, Some(5.0));

    assert_eq!(dispatcher.run_once().await.unwrap(), 5);
    assert_eq!(s.kavenegar.delivered_count(), 5);
    assert_eq!(s.kavenegar.send_calls(), 1);
    assert_eq!(
        statuses(&s.app, "sms").await,
        HashMap::from([("sent".into(), 5), ("pending".into(), 15)])
    );
}

/// The copies of a broadcast share one text, composed once a round for each language: each
/// recipient still gets it in their own.
#[tokio::test]
async fn a_broadcasts_sms_copies_reach_each_recipient_in_their_own_language() {
    let s = setup().await;
    let persian = subscriber(&s.app, 1).await;
    let english = subscriber(&s.app, 2).await;
    let persian_too = subscriber(&s.app, 3).await;
    // English chosen, as the dialogue is stored on first contact.
    let mut tx = s.app.pool().begin().await.unwrap();
    let in_english = Dialogue {
        locale: Locale::En,
        ..Dialogue::default()
    };
    dialogues::lock(&mut tx, s.app.vault(), english, &in_english)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let message = Msg::new("notice-broadcast").arg("text", Arg::Text("دفتر پنجشنبه تعطیل است.".into()));
    let audience = Audience {
        chat: Vec::new(),
        sms: vec![persian, english, persian_too],
    };
    let mut tx = s.app.pool().begin().await.unwrap();
    outbox::announce(&mut tx, support::broadcast("closed:thursday", &message), &audience)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    drain_sms(&s.app).await;

    let delivered = s.kavenegar.delivered();
    assert_eq!(delivered.len(), 3);
    let text_to = |chat| {
        let to = mobile(chat).local();
        delivered.iter().find(|(r, _, _)| *r == to).unwrap().1.clone()
    };
    assert!(text_to(1).contains("📢 اطلاعیه"), "{}", text_to(1));
    assert!(text_to(2).contains("📢 Notice"), "{}", text_to(2));
    assert!(
        text_to(2).contains("دفتر پنجشنبه تعطیل است."),
        "the staff's text as written"
    );
    assert_eq!(text_to(3), text_to(1));
}

#[tokio::test]
async fn a_retryable_error_retries_with_the_same_localid_and_a_permanent_one_ends_dead() {
    let s = setup().await;
    let first = subscriber(&s.app, 1).await;
    sqlx::query("INSERT INTO notifications (dedup_key, applicant_id, channel, kind, message) SELECT 'x:sms', $1, 'sms', 'decision', message FROM (SELECT '{\"id\":\"sms-on\",\"args\":[[\"mobile\",{\"type\":\"digits\",\"value\":\"4567\"}]]}'::jsonb AS message) m")
        .bind(first)
        .execute(s.app.pool())
        .await
        .unwrap();
    s.kavenegar.fail_next(502);
    s.kavenegar.fail_next(409);
    let d = sms_dispatcher(&s.app);
    d.run_once().await.unwrap();
    assert_eq!(statuses(&s.app, "sms").await, HashMap::from([("pending".into(), 1)]));
    tokio::time::sleep(Duration::from_millis(20)).await;
    d.run_once().await.unwrap();
    // 409 asks us to wait; make the wait pass.
    sqlx::query("UPDATE notifications SET next_attempt_at = now()")
        .execute(s.app.pool())
        .await
        .unwrap();
    d.run_once().await.unwrap();
    assert_eq!(statuses(&s.app, "sms").await, HashMap::from([("sent".into(), 1)]));
    assert_eq!(s.kavenegar.delivered().len(), 1);
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM notifications")
        .fetch_one(s.app.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 2, "the 409 wait gave its attempt back");

    // Sent again after an unrecorded send: Kavenegar recognises the localid and sends nothing.
    sqlx::query("UPDATE notifications SET status = 'pending', next_attempt_at = now()")
        .execute(s.app.pool())
        .await
        .unwrap();
    d.run_once().await.unwrap();
    let seen = s.kavenegar.local_ids_seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], seen[1]);
    assert_eq!(s.kavenegar.delivered().len(), 1, "no second SMS");

    let second = subscriber(&s.app, 2).await;
    notice(&s.app, second, "bad-number", "decision", "x").await;
    sqlx::query("UPDATE notifications SET channel = 'sms' WHERE dedup_key = 'bad-number:applicant:chat'")
        .execute(s.app.pool())
        .await
        .unwrap();
    // Kavenegar refuses the number (411): no provider will take it.
    s.kavenegar.fail_next(411);
    d.run_once().await.unwrap();
    let (status, error): (String, String) =
        sqlx::query_as("SELECT status, last_error FROM notifications WHERE dedup_key = 'bad-number:applicant:chat'")
            .fetch_one(s.app.pool())
            .await
            .unwrap();
    assert_eq!(status, "dead");
    assert!(error.contains("411"), "{error}");
}

#[tokio::test]
async fn delivery_reports_only_move_forward_whatever_their_order() {
    let s = setup().await;
    for chat in 1..=3 {
        let applicant = subscriber(&s.app, chat).await;
        notice(&s.app, applicant, &format!("d{chat}"), "decision", "x").await;
    }
    drain_chat(&s).await;
    drain_sms(&s.app).await;
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT provider_message_id FROM notifications WHERE channel = 'sms' ORDER BY id")
            .fetch_all(s.app.pool())
            .await
            .unwrap();
    assert_eq!(ids.len(), 3);
    let pool = s.app.pool();
    assert!(
        sms_outbox::apply_report(pool, "kavenegar", &ids[0], FinalReport::Delivered)
            .await
            .unwrap()
    );
    assert!(
        !sms_outbox::apply_report(pool, "kavenegar", &ids[0], FinalReport::Delivered)
            .await
            .unwrap(),
        "a repeat changes nothing"
    );
    assert!(
        !sms_outbox::apply_report(pool, "kavenegar", &ids[0], FinalReport::Failed("late failure"))
            .await
            .unwrap(),
        "a final state is final"
    );
    assert!(
        !sms_outbox::apply_report(pool, "http", &ids[1], FinalReport::Delivered)
            .await
            .unwrap(),
        "another provider's id"
    );

    // The rest come from the status poll: one failed, one still queued.
    s.kavenegar.set_all_states(11);
    sqlx::query("UPDATE notifications SET sent_at = now() - interval '1 minute'")
        .execute(pool)
        .await
        .unwrap();
    let moved = sms_dispatcher(&s.app).poll_reports().await.unwrap();
    assert_eq!(moved, 2);
    assert_eq!(
        statuses(&s.app, "sms").await,
        HashMap::from([("delivered".into(), 1), ("failed".into(), 2)])
    );
}

#[tokio::test]
async fn a_blocked_chat_falls_back_to_sms_and_chat_only_kinds_do_not() {
    let s = setup().await;
    let applicant = subscriber(&s.app, 5).await;
    s.bot.fail_next(5, Fault::Blocked);
    notice(&s.app, applicant, "moved", "stage-changed", "first").await;
    drain_chat(&s).await;
    notice(&s.app, applicant, "moved-again", "stage-changed", "second").await;
    drain_chat(&s).await;
    drain_sms(&s.app).await;
    let texts: Vec<String> = s.kavenegar.delivered().into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].contains("first") && texts[1].contains("second"));
    assert_eq!(statuses(&s.app, "chat").await, HashMap::from([("blocked".into(), 2)]));

    // Someone without SMS gets no SMS, whatever the policy.
    let mut tx = s.app.pool().begin().await.unwrap();
    let plain = applicants::find_or_create(&mut tx, "telegram", 6).await.unwrap();
    tx.commit().await.unwrap();
    s.bot.fail_next(6, Fault::Blocked);
    notice(&s.app, plain, "plain", "stage-changed", "third").await;
    drain_chat(&s).await;
    drain_sms(&s.app).await;
    assert_eq!(s.kavenegar.delivered().len(), 2);
}

#[tokio::test]
async fn an_opt_out_committed_while_a_broadcast_is_queued_stops_its_sms() {
    let s = setup().await;
    let applicants: Vec<ApplicantId> = {
        let mut v = Vec::new();
        for chat in 1..=4 {
            v.push(subscriber(&s.app, chat).await);
        }
        v
    };
    for (i, applicant) in applicants.iter().enumerate() {
        notice(&s.app, *applicant, &format!("b{i}"), "decision", "broadcast").await;
    }
    drain_chat(&s).await;
    // SMS twins are queued; now two applicants opt out, by chat and by reply keyword.
    let mut tx = s.app.pool().begin().await.unwrap();
    assert!(sms_store::opt_out(&mut tx, applicants[0]).await.unwrap());
    assert_eq!(
        sms_store::opt_out_number(&mut tx, s.app.vault(), &mobile(2))
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    drain_sms(&s.app).await;
    let receptors: Vec<String> = s.kavenegar.delivered().into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(receptors.len(), 2);
    assert!(!receptors.contains(&mobile(1).local()) && !receptors.contains(&mobile(2).local()));
    assert_eq!(
        statuses(&s.app, "sms").await,
        HashMap::from([("sent".into(), 2), ("skipped".into(), 2)])
    );
}

#[tokio::test]
async fn one_time_codes_expire_lock_after_five_wrong_tries_and_are_capped() {
    let s = setup().await;
    let pool = s.app.pool();
    let limits = CodeLimits::default();
    let mut conn = pool.acquire().await.unwrap();
    let tx_applicant = |chat| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            let a = applicants::find_or_create(&mut tx, "telegram", chat).await.unwrap();
            tx.commit().await.unwrap();
            a
        }
    };
    let a = tx_applicant(1).await;
    let phone = mobile(1);
    let t0 = Utc::now();
    let CodeRequest::Issued { code, .. } = sms_store::request_code(&mut conn, a, &phone, limits, t0).await.unwrap()
    else {
        panic!("first code refused")
    };
    assert_eq!(code.len(), 6);
    assert!(matches!(
        sms_store::request_code(&mut conn, a, &phone, limits, t0 + chrono::Duration::seconds(10))
            .await
            .unwrap(),
        CodeRequest::Cooldown { wait_secs: 50 }
    ));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..5).rev() {
        assert_eq!(
            sms_store::check_code(&mut conn, s.app.vault(), a, &phone, wrong, limits, t0)
                .await
                .unwrap(),
            CodeCheck::Wrong { tries_left: left }
        );
    }
    assert_eq!(
        sms_store::check_code(&mut conn, s.app.vault(), a, &phone, wrong, limits, t0)
            .await
            .unwrap(),
        CodeCheck::Locked
    );
    assert_eq!(
        sms_store::check_code(&mut conn, s.app.vault(), a, &phone, &code, limits, t0)
            .await
            .unwrap(),
        CodeCheck::NoCode,
        "a locked code stays locked even when then typed right"
    );

    // A new code works once, and not after ten minutes.
    let t1 = t0 + chrono::Duration::minutes(2);
    let CodeRequest::Issued { code, .. } = sms_store::request_code(&mut conn, a, &phone, limits, t1).await.unwrap()
    else {
        panic!("second code refused")
    };
    assert_eq!(
        sms_store::check_code(&mut conn, s.app.vault(), a, &phone, &code, limits, t1)
            .await
            .unwrap(),
        CodeCheck::Confirmed
    );
    assert!(sms_store::is_active(&mut conn, a).await.unwrap());
    assert_eq!(
        sms_store::check_code(&mut conn, s.app.vault(), a, &phone, &code, limits, t1)
            .await
            .unwrap(),
        CodeCheck::NoCode
    );
    let t2 = t1 + chrono::Duration::minutes(2);
    let CodeRequest::Issued { code, .. } = sms_store::request_code(&mut conn, a, &phone, limits, t2).await.unwrap()
    else {
        panic!("third code refused")
    };
    let late = t2 + chrono::Duration::minutes(11);
    assert_eq!(
        sms_store::check_code(&mut conn, s.app.vault(), a, &phone, &code, limits, late)
            .await
            .unwrap(),
        CodeCheck::Expired
    );

    // Five codes an hour per chat, and per number across chats.
    let mut t = t2;
    for _ in 0..2 {
        t += chrono::Duration::minutes(2);
        assert!(matches!(
            sms_store::request_code(&mut conn, a, &phone, limits, t).await.unwrap(),
            CodeRequest::Issued { .. }
        ));
    }
    t += chrono::Duration::minutes(2);
    assert_eq!(
        sms_store::request_code(&mut conn, a, &phone, limits, t).await.unwrap(),
        CodeRequest::TooMany
    );
    let other = tx_applicant(2).await;
    assert_eq!(
        sms_store::request_code(&mut conn, other, &phone, limits, t)
            .await
            .unwrap(),
        CodeRequest::TooMany,
        "another chat cannot pump the same number"
    );
    assert!(matches!(
        sms_store::request_code(&mut conn, other, &mobile(2), limits, t)
            .await
            .unwrap(),
        CodeRequest::Issued { .. }
    ));
    // The caps and checks find challenges by a keyed hash: the typed number is nowhere in them.
    let rows: Vec<String> = sqlx::query_scalar("SELECT row_to_json(c)::text FROM phone_challenges c")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| !row.contains("912000000")), "{rows:?}");
}

#[tokio::test]
async fn a_typed_number_is_confirmed_by_the_code_texted_through_kavenegar() {
    let s = setup().await;
    let mut chat = support::Chat::new(&s.app, 42);
    chat.says("/start").await;
    chat.presses("lang:en").await;
    chat.presses("menu:sms").await;
    chat.presses("sms:on").await;
    let asked = chat.says("0912 000 0042").await;
    assert!(asked.contains("texted a code"), "{asked}");
    drain_sms(&s.app).await;
    let (receptor, text, _) = s.kavenegar.delivered().pop().expect("the code was texted");
    assert_eq!(receptor, "09120000042");
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{text}");
    let stored: Option<String> = sqlx::query_scalar("SELECT body FROM notifications WHERE kind = 'otp'")
        .fetch_one(s.app.pool())
        .await
        .unwrap();
    assert_eq!(stored, None, "the code is not kept once sent");
    let done = chat.says(&code).await;
    assert!(done.contains("SMS is on"), "{done}");
    let replay = chat.says("/sms").await;
    // The number is named by its last four digits, with no bullets to be laid out after them.
    assert!(replay.contains("ending in 0042") && !replay.contains('•'), "{replay}");
    let off = chat.says("/stop").await;
    assert!(off.contains("SMS is off"), "{off}");
}

#[tokio::test]
async fn quiet_hours_hold_non_urgent_sms_until_morning_but_not_codes() {
    // Quiet from an hour ago to an hour ahead, whatever time the test runs.
    let now = Utc::now().with_timezone(&peygir::sms::quiet::tehran());
    let start = (now - chrono::Duration::hours(1)).format("%H:%M");
    let end = (now + chrono::Duration::hours(1)).format("%H:%M");
    let s = setup_with(&format!(r#"quiet_hours = {{ start = "{start}", end = "{end}" }}"#)).await;
    let applicant = subscriber(&s.app, 9).await;
    notice(&s.app, applicant, "quiet", "decision", "x").await;
    sqlx::query("UPDATE notifications SET channel = 'sms'")
        .execute(s.app.pool())
        .await
        .unwrap();
    let mut chat = support::Chat::new(&s.app, 10);
    chat.says("/start").await;
    chat.presses("lang:en").await;
    chat.says("/sms").await;
    chat.presses("sms:on").await;
    chat.says("09121112233").await;
    drain_sms(&s.app).await;
    let delivered = s.kavenegar.delivered();
    assert_eq!(delivered.len(), 1, "only the code went out");
    assert_eq!(delivered[0].0, "09121112233");
    let (status, wait): (String, f64) = sqlx::query_as(
        "SELECT status, extract(epoch FROM next_attempt_at - now())::float8 FROM notifications WHERE kind = 'decision'",
    )
    .fetch_one(s.app.pool())
    .await
    .unwrap();
    assert_eq!(status, "pending");
    assert!(
        (3000.0..=3700.0).contains(&wait),
        "held until the quiet hours end: {wait}s"
    );
}

/// A provider reached by one request per message, configured by template: what it received,
/// and the statuses to answer with.
#[derive(Clone, Default)]
struct FakeProvider {
    bodies: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    answers: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u16>>>,
}

async fn start_provider(fake: FakeProvider) -> String {
    use axum::routing::post;
    let router = axum::Router::new().route(
        "/send",
        post(
            |axum::extract::State(f): axum::extract::State<FakeProvider>, body: String| async move {
                f.bodies.lock().unwrap().push(body.clone());
                let status = f.answers.lock().unwrap().pop_front().unwrap_or(200);
                let code = axum::http::StatusCode::from_u16(status).unwrap();
                let mut headers = axum::http::HeaderMap::new();
                headers.insert("retry-after", "7".parse().unwrap());
                (
                    code,
                    headers,
                    format!(r#"{{"messageId": "p-{}"}}"#, f.bodies.lock().unwrap().len()),
                )
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router.with_state(fake)).await.unwrap() });
    url
}

#[tokio::test]
async fn the_generic_http_gateway_fills_its_template_and_sorts_failures() {
    let fake = FakeProvider::default();
    let url = start_provider(fake.clone()).await;
    let db = support::database::fresh_database().await;
    let toml = config_text(|t| {
        t.replace(support::SHIPPED_QUIET, NEVER_QUIET).replace(
            "[notices]\n",
            &format!(
                "[sms.http]\nurl = \"{url}\"\nbody = '{{\"to\": \"{{to}}\", \"text\": \"{{text}}\", \"ref\": {{id}}}}'\nid_pointer = \"/messageId\"\n\n[notices]\n"
            ),
        )
    });
    let app = build_app(&db, &toml, &[("PEYGIR_SMS_PROVIDER", "http".to_owned())]).await;
    let applicant = subscriber(&app, 3).await;
    for (key, _) in [("a", 0), ("b", 1), ("c", 2)] {
        notice(&app, applicant, key, "decision", &format!("say \"{key}\"")).await;
    }
    sqlx::query("UPDATE notifications SET channel = 'sms'")
        .execute(app.pool())
        .await
        .unwrap();
    fake.answers.lock().unwrap().extend([429, 503, 400]);
    let d = sms_dispatcher(&app);
    d.run_once().await.unwrap();
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT status, last_error, provider_message_id FROM notifications ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(rows[0].0, "pending", "429 waits: {rows:?}");
    assert_eq!(rows[1].0, "pending", "503 retries: {rows:?}");
    assert_eq!(rows[2].0, "dead", "400 is permanent: {rows:?}");
    let wait: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM next_attempt_at - now())::float8 FROM notifications ORDER BY id LIMIT 1",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!((5.0..=7.5).contains(&wait), "Retry-After honoured: {wait}");
    sqlx::query("UPDATE notifications SET next_attempt_at = now()")
        .execute(app.pool())
        .await
        .unwrap();
    while d.run_once().await.unwrap() > 0 {}
    let sent: Vec<Option<String>> =
        sqlx::query_scalar("SELECT provider_message_id FROM notifications WHERE status = 'sent' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter().all(|id| id.as_deref().is_some_and(|i| i.starts_with("p-"))),
        "{sent:?}"
    );
    let bodies = fake.bodies.lock().unwrap().clone();
    let last: serde_json::Value = serde_json::from_str(bodies.last().unwrap()).unwrap();
    assert_eq!(last["to"], "09120000003");
    assert!(
        last["text"].as_str().unwrap().contains("say \""),
        "quotes survive the JSON template: {last}"
    );
    assert!(last["ref"].is_i64());
}

#[tokio::test]
async fn callbacks_record_reports_and_reply_keywords_only_with_the_secret() {
    let s = setup_with_env(NEVER_QUIET, &[("PEYGIR_SMS_CALLBACK_SECRET", "cb-secret".to_owned())]).await;
    let app = s.app;
    let applicant = subscriber(&app, 1).await;
    notice(&app, applicant, "cb", "decision", "x").await;
    sqlx::query("UPDATE notifications SET channel = 'sms'")
        .execute(app.pool())
        .await
        .unwrap();
    drain_sms(&app).await;
    let id: String = sqlx::query_scalar("SELECT provider_message_id FROM notifications")
        .fetch_one(app.pool())
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(peygir::http::serve(
        app.clone(),
        None,
        peygir::http::Readiness::ready(),
        listener,
        shutdown,
    ));
    let http = reqwest::Client::new();
    let report = |secret: &str, status: &str| {
        http.post(format!("{base}/sms/kavenegar/delivery?secret={secret}"))
            .form(&[("messageid", id.as_str()), ("status", status)])
            .send()
    };
    assert_eq!(report("wrong", "10").await.unwrap().status(), 404);
    assert_eq!(report("cb-secret", "4").await.unwrap().status(), 200);
    assert_eq!(report("cb-secret", "10").await.unwrap().status(), 200);
    assert_eq!(report("cb-secret", "11").await.unwrap().status(), 200);
    assert_eq!(statuses(&app, "sms").await, HashMap::from([("delivered".into(), 1)]));

    let reply = |message: &str| {
        http.get(format!("{base}/sms/kavenegar/inbound"))
            .query(&[
                ("secret", "cb-secret"),
                ("from", "09120000001"),
                ("message", message),
                ("to", "10004346"),
            ])
            .send()
    };
    assert_eq!(reply("thanks").await.unwrap().status(), 200);
    let mut conn = app.pool().acquire().await.unwrap();
    assert!(sms_store::is_active(&mut conn, applicant).await.unwrap());
    assert_eq!(reply(" لغو ").await.unwrap().status(), 200);
    assert!(!sms_store::is_active(&mut conn, applicant).await.unwrap());
}

#[tokio::test]
async fn announcements_end_with_the_regulators_opt_out_and_personal_notices_do_not() {
    let s = setup().await;
    let applicant = subscriber(&s.app, 7).await;
    notice(
        &s.app,
        applicant,
        "announce",
        "broadcast",
        "سامانه امشب از ساعت ۲۲ در دسترس نیست.",
    )
    .await;
    notice(&s.app, applicant, "decide", "decision", "درخواست شما پذیرفته شد.").await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM notifications WHERE channel = 'chat' ORDER BY id")
        .fetch_all(s.app.pool())
        .await
        .unwrap();
    let mut conn = s.app.pool().acquire().await.unwrap();
    for id in ids {
        assert!(outbox::queue_sms_twin(&mut conn, id).await.unwrap());
    }
    drain_sms(&s.app).await;
    let texts: Vec<String> = s.kavenegar.delivered().into_iter().map(|(_, text, _)| text).collect();
    let announcement = texts
        .iter()
        .find(|t| t.contains("در دسترس نیست"))
        .expect("the announcement went");
    let decision = texts
        .iter()
        .find(|t| t.contains("پذیرفته شد"))
        .expect("the decision went");
    assert!(announcement.ends_with("\nلغو۱۱"), "{announcement}");
    assert!(!decision.contains("لغو۱۱"), "{decision}");
}

#[tokio::test]
async fn a_documents_request_by_sms_says_where_to_send_them_not_a_chat_command() {
    let s = setup().await;
    let applicant = subscriber(&s.app, 8).await;
    let mut tx = s.app.pool().begin().await.unwrap();
    let notice = NewNotice {
        dedup_key: "docs:applicant:chat".into(),
        applicant,
        kind: peygir::notify::kind::NoticeKind::StageChanged,
        message: Msg::new("notice-documents-requested")
            .arg("code", Arg::Code(peygir::domain::TrackingCode::generate()))
            .arg("service", Arg::Msg("service-plate-removal".into()))
            .arg("stage", Arg::Msg("stage-documents-requested".into()))
            .arg("note", Arg::Text("تصویر کارت خودرو".into())),
        subject: "docs".into(),
    };
    outbox::enqueue(&mut tx, s.app.vault(), &notice).await.unwrap();
    tx.commit().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM notifications")
        .fetch_one(s.app.pool())
        .await
        .unwrap();
    let mut conn = s.app.pool().acquire().await.unwrap();
    assert!(outbox::queue_sms_twin(&mut conn, id).await.unwrap());
    drain_sms(&s.app).await;
    let (_, text, _) = s.kavenegar.delivered().pop().expect("the SMS went");
    assert!(text.contains("تصویر کارت خودرو"), "{text}");
    assert!(
        !text.contains("/documents"),
        "an SMS cannot take a chat command: {text}"
    );
}

#[tokio::test]
async fn a_persian_code_sms_also_gives_the_code_in_ascii_digits_for_copying() {
    let s = setup().await;
    let mut chat = support::Chat::new(&s.app, 43);
    chat.says("/start").await;
    chat.presses("lang:fa").await;
    chat.presses("menu:sms").await;
    chat.presses("sms:on").await;
    chat.says("۰۹۱۲ ۰۰۰ ۰۰۴۳").await;
    drain_sms(&s.app).await;
    let (_, text, _) = s.kavenegar.delivered().pop().expect("the code was texted");
    let ascii: String = text.chars().filter(char::is_ascii_digit).collect();
    let persian: String = text.chars().filter(|c| ('۰'..='۹').contains(c)).collect();
    assert_eq!(ascii.len(), 6, "{text}");
    assert_eq!(peygir::domain::digits::to_ascii_digits(&persian), ascii, "{text}");
}

/// A bot whose messages to phone numbers go through `primary` and then `secondary` among the
/// fake Kavenegar, SMS.ir and Safir, with the first passed over for `rest_secs` after it failed.
async fn setup_two_providers(primary: &str, secondary: Option<&str>, rest_secs: u64) -> (Setup, FakeSmsIr, FakeSafir) {
    setup_two_providers_with(primary, secondary, rest_secs, |t| t).await
}

/// Two providers, with `edit` applied to the configuration.
async fn setup_two_providers_with(
    primary: &str,
    secondary: Option<&str>,
    rest_secs: u64,
    edit: impl FnOnce(String) -> String,
) -> (Setup, FakeSmsIr, FakeSafir) {
    let db = support::database::fresh_database().await;
    setup_two_providers_on(db, primary, secondary, rest_secs, edit).await
}

/// Two providers, as [`setup_two_providers_with`], on the database at `db`.
async fn setup_two_providers_on(
    db: String,
    primary: &str,
    secondary: Option<&str>,
    rest_secs: u64,
    edit: impl FnOnce(String) -> String,
) -> (Setup, FakeSmsIr, FakeSafir) {
    let bot = FakeBotApi::start().await;
    let kavenegar = FakeKavenegar::start().await;
    let smsir = FakeSmsIr::start().await;
    let safir = FakeSafir::start().await;
    let mut env = bot_and_kavenegar_env(&bot.url, &kavenegar.url);
    env.retain(|(name, _)| *name != "PEYGIR_SMS_PROVIDER");
    env.extend([
        ("PEYGIR_SMS_PROVIDER", primary.to_owned()),
        ("PEYGIR_SMS_SECONDARY", secondary.unwrap_or("none").to_owned()),
        ("PEYGIR_SMSIR_API_KEY", support::smsir::API_KEY.to_owned()),
        ("PEYGIR_SMSIR_URL", smsir.url.clone()),
        ("PEYGIR_SMSIR_LINE", support::smsir::LINE.to_string()),
        ("PEYGIR_SAFIR_API_KEY", support::safir::API_KEY.to_owned()),
        ("PEYGIR_SAFIR_BOT_ID", support::safir::BOT_ID.to_string()),
        ("PEYGIR_SAFIR_URL", safir.url.clone()),
        // Staff are told of a decision no way delivered.
        ("PEYGIR_STAFF_CHAT_ID", "-1001234567890".to_owned()),
    ]);
    let toml = config_with_quiet_hours(NEVER_QUIET)
        .replace(
            "failover_rest_secs = 60\n",
            &format!("failover_rest_secs = {rest_secs}\n"),
        )
        .replace("[sms.kavenegar]\n", "[sms.kavenegar]\nlow_credit = 1000000\n")
        .replace("[sms.smsir]\n", "[sms.smsir]\nlow_credit = 100\n");
    let app = build_app(&db, &edit(toml), &env).await;
    (Setup { app, bot, kavenegar }, smsir, safir)
}

/// Queues a decision notice by SMS alone to each of `chats` (subscribed first).
async fn sms_notices(app: &Application, chats: std::ops::RangeInclusive<i64>, round: &str) {
    for chat in chats {
        let applicant = subscriber(app, chat).await;
        notice(
            app,
            applicant,
            &format!("{round}:{chat}"),
            "decision",
            &format!("{round} {chat}"),
        )
        .await;
    }
    pending_to_sms(app).await;
}

/// The evidence kept of the notices about `subject`: (channel, event, provider, detail), each
/// notice's steps in order.
async fn evidence(app: &Application, subject: &str) -> Vec<(String, String, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT n.channel, e.event, e.provider, e.detail FROM notice_events e
         JOIN notifications n ON n.id = e.notification_id
         WHERE n.subject = $1 ORDER BY n.id, e.id",
    )
    .bind(subject)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

/// Which provider took each SMS of a round, by provider.
async fn providers_of(app: &Application, round: &str) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT coalesce(provider, '-'), count(*) FROM notifications WHERE dedup_key LIKE $1 || ':%' GROUP BY 1",
    )
    .bind(round)
    .fetch_all(app.pool())
    .await
    .unwrap()
    .into_iter()
    .collect()
}

#[tokio::test]
async fn smsir_alone_sends_pairwise_in_one_call_and_its_reports_are_recorded() {
    let (s, smsir, _) = setup_two_providers("smsir", None, 60).await;
    sms_notices(&s.app, 1..=3, "three").await;
    drain_sms(&s.app).await;
    assert_eq!(smsir.send_calls(), 1, "three texts in one liketolike call");
    let delivered = smsir.delivered();
    assert_eq!(delivered.len(), 3);
    for chat in 1..=3 {
        let to = mobile(chat).local();
        let texts: Vec<_> = delivered.iter().filter(|(m, _)| *m == to).collect();
        assert_eq!(texts.len(), 1, "{chat}");
        assert!(texts[0].1.contains(&format!("three {chat}")), "{:?}", texts[0]);
    }
    sms_notices(&s.app, 4..=4, "one").await;
    drain_sms(&s.app).await;
    assert_eq!(smsir.send_calls(), 2, "one text in one bulk call");
    assert_eq!(
        providers_of(&s.app, "three").await,
        HashMap::from([("smsir".into(), 3)])
    );

    // Reports are asked for by message id; delivered is final, "at the operator" is not.
    sqlx::query("UPDATE notifications SET sent_at = now() - interval '1 minute'")
        .execute(s.app.pool())
        .await
        .unwrap();
    smsir.set_all_states(3);
    assert_eq!(sms_dispatcher(&s.app).poll_reports().await.unwrap(), 0);
    smsir.set_all_states(1);
    assert_eq!(sms_dispatcher(&s.app).poll_reports().await.unwrap(), 4);
    assert_eq!(statuses(&s.app, "sms").await, HashMap::from([("delivered".into(), 4)]));
    assert_eq!(s.kavenegar.send_calls(), 0);
    assert_eq!(smsir.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_failing_primary_hands_its_sms_to_the_secondary_once_and_gets_traffic_back_after_its_rest() {
    let (s, smsir, _) = setup_two_providers("kavenegar", Some("smsir"), 1).await;
    let d = sms_dispatcher(&s.app);

    // Kavenegar answers 502: the batch goes through SMS.ir at once, each SMS once.
    s.kavenegar.fail_next(502);
    sms_notices(&s.app, 1..=5, "down").await;
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(providers_of(&s.app, "down").await, HashMap::from([("smsir".into(), 5)]));
    assert_eq!(smsir.delivered().len(), 5);
    assert!(s.kavenegar.delivered().is_empty());
    assert_eq!(statuses(&s.app, "sms").await, HashMap::from([("sent".into(), 5)]));

    // While Kavenegar rests, SMS go to SMS.ir without asking it first.
    let calls = s.kavenegar.send_calls();
    sms_notices(&s.app, 6..=7, "resting").await;
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(s.kavenegar.send_calls(), calls, "the resting primary was not asked");
    assert_eq!(
        providers_of(&s.app, "resting").await,
        HashMap::from([("smsir".into(), 2)])
    );

    // After its rest it is asked again, and takes the traffic back.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sms_notices(&s.app, 8..=9, "back").await;
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(
        providers_of(&s.app, "back").await,
        HashMap::from([("kavenegar".into(), 2)])
    );
    assert_eq!(s.kavenegar.delivered().len(), 2);
    assert_eq!(smsir.delivered().len(), 7, "no SMS went twice");
    assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
    assert_eq!(smsir.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn out_of_credit_moves_to_the_secondary_and_with_none_the_sms_waits_instead_of_dying() {
    let (s, smsir, _) = setup_two_providers("kavenegar", Some("smsir"), 60).await;
    s.kavenegar.fail_next(418);
    sms_notices(&s.app, 1..=2, "credit").await;
    drain_sms(&s.app).await;
    assert_eq!(
        providers_of(&s.app, "credit").await,
        HashMap::from([("smsir".into(), 2)])
    );

    // A bad number is the message's fault: it is not offered to the other provider.
    let calls = smsir.send_calls();
    let (s2, smsir2, _) = setup_two_providers("kavenegar", Some("smsir"), 60).await;
    s2.kavenegar.fail_next(411);
    sms_notices(&s2.app, 1..=1, "bad").await;
    drain_sms(&s2.app).await;
    assert_eq!(statuses(&s2.app, "sms").await, HashMap::from([("dead".into(), 1)]));
    assert_eq!(smsir2.send_calls(), 0, "a refused number is not sent elsewhere");
    assert_eq!(smsir.send_calls(), calls);

    // SMS.ir alone and out of credit: the SMS waits for credit, its attempt given back.
    let (s3, smsir3, _) = setup_two_providers("smsir", None, 60).await;
    smsir3.fail_next(support::smsir::Refusal::NO_CREDIT);
    sms_notices(&s3.app, 1..=1, "waits").await;
    drain_sms(&s3.app).await;
    let (status, attempts, wait, error): (String, i32, f64, String) = sqlx::query_as(
        "SELECT status, attempts, EXTRACT(EPOCH FROM next_attempt_at - now())::float8, last_error FROM notifications",
    )
    .fetch_one(s3.app.pool())
    .await
    .unwrap();
    assert_eq!(status, "pending");
    assert_eq!(attempts, 0);
    assert!(wait > 200.0, "it waits minutes, not a backoff of milliseconds: {wait}");
    assert!(error.contains("102"), "{error}");
}

#[tokio::test]
async fn a_blocked_chat_goes_to_bale_by_phone_and_a_number_without_bale_on_to_sms() {
    let (s, _, safir) = setup_two_providers("safir", Some("kavenegar"), 60).await;
    for chat in 1..=2 {
        let applicant = subscriber(&s.app, chat).await;
        notice(
            &s.app,
            applicant,
            &format!("request:{chat}"),
            "complaint-answered",
            &format!("answer {chat}"),
        )
        .await;
        s.bot.fail_next(chat, Fault::Blocked);
    }
    safir.not_on_bale(&mobile(1).local());
    drain_chat(&s).await;
    drain_sms(&s.app).await;

    // The chat is blocked for both; Safir reaches the second in Bale, and the first, who has
    // no Bale account, gets an SMS instead.
    assert_eq!(statuses(&s.app, "chat").await, HashMap::from([("blocked".into(), 2)]));
    assert_eq!(
        providers_of(&s.app, "request").await,
        HashMap::from([("-".into(), 2), ("kavenegar".into(), 1), ("safir".into(), 1)])
    );
    let to_bale: Vec<String> = safir.delivered().into_iter().map(|(phone, _)| phone).collect();
    assert_eq!(to_bale, vec![format!("98{}", &mobile(2).local()[1..])]);
    assert!(safir.delivered()[0].1.contains("answer 2"));
    let by_sms = s.kavenegar.recipients();
    assert_eq!(by_sms, vec![mobile(1).local()]);
    assert_eq!(safir.calls(), 2, "one call each, none repeated");

    // The evidence of each step, per channel: the chat blocked, Bale not reachable, the SMS
    // sent and then delivered.
    sqlx::query("UPDATE notifications SET sent_at = now() - interval '1 minute'")
        .execute(s.app.pool())
        .await
        .unwrap();
    s.kavenegar.set_all_states(10);
    sms_dispatcher(&s.app).poll_reports().await.unwrap();
    let first = evidence(&s.app, "request:1").await;
    let shown: Vec<(&str, &str, Option<&str>)> = first
        .iter()
        .map(|(c, e, p, _)| (c.as_str(), e.as_str(), p.as_deref()))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("chat", "queued", None),
            ("chat", "blocked", None),
            ("sms", "queued", None),
            ("sms", "failed", Some("safir")),
            ("sms", "sent", Some("kavenegar")),
            ("sms", "delivered", Some("kavenegar")),
        ],
        "{first:#?}"
    );
    assert!(
        first[1].3.as_deref().is_some_and(|d| d.contains("blocked")),
        "{first:#?}"
    );
    assert!(first[3].3.as_deref().is_some_and(|d| d.contains("17")), "{first:#?}");
    let second: Vec<String> = evidence(&s.app, "request:2")
        .await
        .into_iter()
        .map(|(c, e, p, _)| format!("{c} {e} {}", p.unwrap_or_default()))
        .collect();
    assert_eq!(
        second,
        ["chat queued ", "chat blocked ", "sms queued ", "sms sent safir"]
    );

    // Sent again after a crash before it was recorded: the request id makes Safir send nothing.
    sqlx::query("UPDATE notifications SET status = 'pending', next_attempt_at = now() WHERE provider = 'safir'")
        .execute(s.app.pool())
        .await
        .unwrap();
    drain_sms(&s.app).await;
    assert_eq!(safir.calls(), 3);
    assert_eq!(safir.delivered().len(), 1, "no second Bale message");
    assert_eq!(safir.violations(), Vec::<String>::new());
    assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_decision_not_confirmed_in_time_goes_again_through_the_other_gateway_once() {
    let (s, _, safir) = setup_two_providers("safir", Some("kavenegar"), 60).await;
    let d = sms_dispatcher(&s.app);
    sms_notices(&s.app, 1..=2, "request").await;
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(safir.delivered().len(), 2);
    assert_eq!(
        d.move_on_unconfirmed().await.unwrap().moved,
        0,
        "the wait has not passed"
    );

    // Safir confirms nothing; after the wait (30 minutes as shipped) both go by SMS.
    sqlx::query("UPDATE notifications SET sent_at = now() - interval '31 minutes'")
        .execute(s.app.pool())
        .await
        .unwrap();
    assert_eq!(d.move_on_unconfirmed().await.unwrap().moved, 2);
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(
        providers_of(&s.app, "request").await,
        HashMap::from([("kavenegar".into(), 2)])
    );
    assert_eq!(s.kavenegar.delivered().len(), 2);
    assert_eq!(safir.delivered().len(), 2, "Safir is not asked again");
    // At most once: the SMS not confirmed either stays where it is.
    sqlx::query("UPDATE notifications SET sent_at = now() - interval '31 minutes'")
        .execute(s.app.pool())
        .await
        .unwrap();
    assert_eq!(d.move_on_unconfirmed().await.unwrap().moved, 0);
    let steps: Vec<String> = evidence(&s.app, "request:1")
        .await
        .into_iter()
        .map(|(_, e, p, detail)| format!("{e} {} {}", p.unwrap_or_default(), detail.unwrap_or_default()))
        .collect();
    assert_eq!(
        steps,
        [
            "queued  ",
            "sent safir ",
            "requeued  no delivery report from safir in time",
            "sent kavenegar "
        ]
    );

    // Reported blacklisted (Kavenegar's 14, filtered): final on that line, it moves on at once
    // (as one reported undelivered does); delivered, it does not move.
    let (s, smsir, _) = setup_two_providers("kavenegar", Some("smsir"), 60).await;
    let d = sms_dispatcher(&s.app);
    sms_notices(&s.app, 1..=1, "undelivered").await;
    while d.run_once().await.unwrap() > 0 {}
    s.kavenegar.set_all_states(14);
    sms_notices(&s.app, 2..=2, "delivered").await;
    while d.run_once().await.unwrap() > 0 {}
    sqlx::query("UPDATE notifications SET sent_at = now() - interval '1 minute'")
        .execute(s.app.pool())
        .await
        .unwrap();
    d.poll_reports().await.unwrap();
    assert_eq!(
        statuses(&s.app, "sms").await,
        HashMap::from([("blacklisted".into(), 1), ("sent".into(), 1)])
    );
    s.kavenegar.set_all_states(10);
    d.poll_reports().await.unwrap();
    assert_eq!(d.move_on_unconfirmed().await.unwrap().moved, 1);
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(
        providers_of(&s.app, "undelivered").await,
        HashMap::from([("smsir".into(), 1)])
    );
    let reason: String =
        sqlx::query_scalar("SELECT last_error FROM notifications WHERE dedup_key LIKE 'undelivered:%'")
            .fetch_one(s.app.pool())
            .await
            .unwrap();
    assert_eq!(reason, "kavenegar reported the number blacklisted");
    assert_eq!(
        providers_of(&s.app, "delivered").await,
        HashMap::from([("kavenegar".into(), 1)])
    );
    assert_eq!(smsir.delivered().len(), 1);
    assert_eq!(smsir.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn each_providers_credit_is_recorded_and_staff_told_once_a_day_when_it_runs_low() {
    // Floors of 1,000,000 rials at Kavenegar and 100 at SMS.ir (set up for every test here).
    let (s, smsir, _) = setup_two_providers("kavenegar", Some("smsir"), 60).await;
    let app = s.app.clone();
    let d = sms_dispatcher(&app);
    s.kavenegar.set_credit(2_500_000.0);
    d.check_credit().await.unwrap();
    let credit: Vec<(String, f64)> = sqlx::query_as("SELECT provider, credit FROM sms_credit ORDER BY provider")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(
        credit,
        [("kavenegar".to_owned(), 2_500_000.0), ("smsir".to_owned(), 1520.5)]
    );
    let low_posts = || async {
        sqlx::query_scalar::<_, String>("SELECT dedup_key FROM notifications WHERE kind = 'sms-credit' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap()
    };
    assert!(low_posts().await.is_empty(), "above the floor, nothing is said");

    s.kavenegar.set_credit(400_000.0);
    smsir.set_credit(12.0);
    d.check_credit().await.unwrap();
    d.check_credit().await.unwrap();
    let posts = low_posts().await;
    assert_eq!(
        posts.len(),
        2,
        "one post per provider, however often checked: {posts:?}"
    );
    assert!(posts[0].starts_with("sms-low-credit:kavenegar:"), "{posts:?}");

    // /metrics shows each provider's credit.
    let response = peygir::http::metrics::scrape(axum::extract::State(app.clone())).await;
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        text.contains("peygir_sms_credit{provider=\"kavenegar\"} 400000"),
        "{text}"
    );
    assert!(text.contains("peygir_sms_credit{provider=\"smsir\"} 12"), "{text}");
}

/// Queues the one-time code `code` to `mobile(chat)`, as the bot does when a number is typed:
/// the code in Persian digits, and in ASCII for copying.
async fn queue_code(app: &Application, chat: i64, code: &str) {
    let applicant = subscriber(app, chat).await;
    let mut tx = app.pool().begin().await.unwrap();
    let sms = sms_outbox::DirectSms {
        dedup_key: format!("phone-challenge:{chat}:{code}:sms"),
        applicant,
        to: mobile(chat),
        kind: peygir::notify::kind::NoticeKind::Otp,
        message: Msg::new("sms-code-text")
            .arg("ascii", Arg::Text(code.into()))
            .arg("code", Arg::Digits(code.into())),
        urgent: true,
    };
    sms_outbox::enqueue_direct(&mut tx, app.vault(), &sms).await.unwrap();
    tx.commit().await.unwrap();
}

/// The provider that took each one-time code, by the chat it was for.
async fn code_providers(app: &Application) -> Vec<(String, Option<String>, Option<String>)> {
    sqlx::query_as("SELECT dedup_key, provider, array_to_string(passed_providers, ' ') FROM notifications WHERE kind = 'otp' ORDER BY id")
        .fetch_all(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_one_time_code_goes_through_safir_as_its_code_form_and_other_notices_as_text() {
    let (s, _, safir) = setup_two_providers("safir", Some("kavenegar"), 60).await;
    queue_code(&s.app, 1, "482913").await;
    sms_notices(&s.app, 2..=2, "text").await;
    drain_sms(&s.app).await;
    let mut delivered = safir.delivered();
    delivered.sort();
    assert_eq!(delivered.len(), 2, "{delivered:?}");
    assert_eq!(
        delivered[0],
        (format!("98{}", &mobile(1).local()[1..]), "otp:482913".to_owned())
    );
    assert!(delivered[1].1.contains("text 2"), "{delivered:?}");
    assert_eq!(safir.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn one_time_codes_go_through_bales_otp_service_and_by_sms_where_it_cannot_deliver() {
    let bale = support::bale_otp::FakeBaleOtp::start().await;
    let url = bale.url.clone();
    let (s, _, _) = setup_two_providers_with("kavenegar", None, 60, |toml| {
        format!(
            "{}\n[sms.bale_otp]\nclient_id = \"{}\"\nclient_secret = \"{}\"\nbase_url = \"{url}\"\nlow_credit = 1000\n",
            toml.replacen("[sms]\n", "[sms]\ncodes_via = \"bale-otp\"\n", 1),
            support::bale_otp::CLIENT_ID,
            support::bale_otp::CLIENT_SECRET,
        )
    })
    .await;
    let phone = |chat: i64| format!("98{}", &mobile(chat).local()[1..]);

    // A code goes in Bale; one to a number with no Bale account, by SMS at once; other notices
    // by SMS as before.
    bale.not_on_bale(&mobile(2).local());
    queue_code(&s.app, 1, "482913").await;
    queue_code(&s.app, 2, "551204").await;
    sms_notices(&s.app, 3..=3, "text").await;
    let first = sms_dispatcher(&s.app);
    while first.run_once().await.unwrap() > 0 {}
    assert_eq!(bale.delivered(), vec![(phone(1), 482_913)]);
    // Its credit is known from its answer, and staff are told when it is low.
    first.check_credit().await.unwrap();
    let credit: f64 = sqlx::query_scalar("SELECT credit FROM sms_credit WHERE provider = 'bale-otp'")
        .fetch_one(s.app.pool())
        .await
        .unwrap();
    assert_eq!(credit, 999.0);
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE recipient = 'staff' AND message::text LIKE '%bale-otp%'",
    )
    .fetch_one(s.app.pool())
    .await
    .unwrap();
    assert_eq!(told, 1, "staff told of the low credit");
    let texted: Vec<(String, String)> = s
        .kavenegar
        .delivered()
        .into_iter()
        .map(|(to, text, _)| (to, text))
        .collect();
    assert_eq!(texted.len(), 2, "{texted:?}");
    assert!(
        texted
            .iter()
            .any(|(to, text)| *to == mobile(2).local() && text.contains("551204"))
    );
    assert!(
        texted
            .iter()
            .any(|(to, text)| *to == mobile(3).local() && text.contains("text 3"))
    );
    assert_eq!(
        code_providers(&s.app).await,
        vec![
            (
                "phone-challenge:1:482913:sms".to_owned(),
                Some("bale-otp".to_owned()),
                None
            ),
            (
                "phone-challenge:2:551204:sms".to_owned(),
                Some("kavenegar".to_owned()),
                None
            ),
        ]
    );
    assert_eq!(bale.tokens_issued(), 1, "one token serves every code");

    // A token Bale no longer honours is replaced, and the code still goes in Bale.
    bale.revoke_tokens();
    queue_code(&s.app, 4, "730018").await;
    drain_sms(&s.app).await;
    assert_eq!(bale.delivered().last(), Some(&(phone(4), 730_018)));
    assert_eq!(bale.tokens_issued(), 2);

    // Out of credit: the code goes by SMS, and Bale is passed over for the next one (by the
    // same dispatcher, which keeps what it learnt of each gateway).
    bale.set_out_of_credit(true);
    let dispatcher = sms_dispatcher(&s.app);
    queue_code(&s.app, 5, "640271").await;
    while dispatcher.run_once().await.unwrap() > 0 {}
    let calls = bale.send_calls();
    queue_code(&s.app, 6, "912834").await;
    while dispatcher.run_once().await.unwrap() > 0 {}
    assert_eq!(bale.send_calls(), calls, "a service out of credit rests");
    let texted = s.kavenegar.delivered();
    for (chat, code) in [(5, "640271"), (6, "912834")] {
        assert!(
            texted
                .iter()
                .any(|(to, text, _)| *to == mobile(chat).local() && text.contains(code)),
            "{texted:?}"
        );
    }
    assert_eq!(bale.violations(), Vec::<String>::new());
    assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_decision_no_way_delivered_is_put_before_staff_once() {
    let (s, _, _) = setup_two_providers("safir", Some("kavenegar"), 60).await;
    let d = sms_dispatcher(&s.app);
    let (request, _) = support::stored_request(&s.app, 1, "plate-removal", "submitted").await;
    let applicant = subscriber(&s.app, 1).await;
    let subject = format!("request:{request}");
    notice(&s.app, applicant, &subject, "decision", "rejected").await;
    pending_to_sms(&s.app).await;
    let back = || async {
        sqlx::query("UPDATE notifications SET sent_at = now() - interval '31 minutes'")
            .execute(s.app.pool())
            .await
            .unwrap();
    };
    // Safir confirms nothing: on to SMS; the SMS is reported undelivered: the cascade ends, and
    // staff see it on the request's card, once.
    while d.run_once().await.unwrap() > 0 {}
    back().await;
    assert_eq!(d.move_on_unconfirmed().await.unwrap().moved, 1);
    while d.run_once().await.unwrap() > 0 {}
    back().await;
    s.kavenegar.set_all_states(11);
    d.poll_reports().await.unwrap();
    let pass = d.move_on_unconfirmed().await.unwrap();
    assert_eq!((pass.moved, pass.flagged), (0, 1));
    assert_eq!(d.move_on_unconfirmed().await.unwrap().flagged, 0, "told once");
    let (kind, about): (String, i64) =
        sqlx::query_as("SELECT kind, request_id FROM notifications WHERE recipient = 'staff'")
            .fetch_one(s.app.pool())
            .await
            .unwrap();
    assert_eq!((kind.as_str(), about), ("undelivered", request));
    let steps: Vec<String> = evidence(&s.app, &subject)
        .await
        .into_iter()
        .map(|(_, e, _, _)| e)
        .collect();
    assert_eq!(steps.last().map(String::as_str), Some("undeliverable"), "{steps:?}");
}

/// The steps of a notice's evidence, as `event provider detail`.
async fn steps_of(app: &Application, subject: &str) -> Vec<String> {
    evidence(app, subject)
        .await
        .into_iter()
        .map(|(c, e, p, detail)| {
            format!("{c} {e} {} {}", p.unwrap_or_default(), detail.unwrap_or_default())
                .trim_end()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_decision_follows_its_own_cascade_and_stops_at_the_first_delivery() {
    // Kavenegar is the usual gateway; decisions go chat, Safir, SMS.ir, Kavenegar, then staff.
    let cascade = "\n[notices.cascade]\ndecision = [\"chat\", \"safir\", \"smsir\", \"kavenegar\", \"in-person\"]\n";
    // In a database made in a language's locale, as a server's often is, where the last
    // gateway compares as bytes and the ones before it under the language's rules.
    let db = support::database::fresh_database_in_locale("en-US").await;
    let (s, smsir, safir) = setup_two_providers_on(db, "kavenegar", None, 60, |t| t + cascade).await;
    let d = sms_dispatcher(&s.app);
    let mut requests = Vec::new();
    for chat in 1..=2 {
        let (request, _) = support::stored_request(&s.app, chat, "plate-removal", "submitted").await;
        let applicant = subscriber(&s.app, chat).await;
        notice(
            &s.app,
            applicant,
            &format!("request:{request}"),
            "decision",
            &format!("decided {chat}"),
        )
        .await;
        requests.push(format!("request:{request}"));
    }
    // A kind without a cascade of its own goes the usual way.
    let third = subscriber(&s.app, 3).await;
    notice(&s.app, third, "maintenance:1", "maintenance", "maintenance").await;
    assert_eq!(
        statuses(&s.app, "sms").await,
        HashMap::new(),
        "the chat first: nothing by phone while it may reach them"
    );
    for chat in 1..=3 {
        s.bot.fail_next(chat, Fault::Blocked);
    }
    drain_chat(&s).await;
    while d.run_once().await.unwrap() > 0 {}
    let mut to_bale: Vec<String> = safir.delivered().into_iter().map(|(phone, _)| phone).collect();
    to_bale.sort();
    assert_eq!(
        to_bale,
        [1, 2].map(|n| format!("98{}", &mobile(n).local()[1..])),
        "decisions by Bale first"
    );
    assert_eq!(
        s.kavenegar.recipients(),
        vec![mobile(3).local()],
        "maintenance by the usual gateway"
    );

    let back = || async {
        sqlx::query("UPDATE notifications SET sent_at = now() - interval '31 minutes' WHERE status = 'sent'")
            .execute(s.app.pool())
            .await
            .unwrap();
    };
    // Safir confirms nothing within the wait: both on to SMS.ir; maintenance needs no
    // confirming, and stays.
    back().await;
    assert_eq!(d.move_on_unconfirmed().await.unwrap().moved, 2);
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(smsir.delivered().len(), 2);
    // SMS.ir delivers the first: its cascade stops. The second is blacklisted on SMS.ir's
    // line: on to Kavenegar at once, without waiting.
    smsir.set_states_to(&mobile(1).local(), 1);
    smsir.set_states_to(&mobile(2).local(), 7);
    sqlx::query("UPDATE notifications SET sent_at = now() - interval '1 minute' WHERE status = 'sent'")
        .execute(s.app.pool())
        .await
        .unwrap();
    d.poll_reports().await.unwrap();
    assert_eq!(d.move_on_unconfirmed().await.unwrap(), MovedOn { moved: 1, flagged: 0 });
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(s.kavenegar.recipients(), vec![mobile(3).local(), mobile(2).local()]);
    // Kavenegar, the last gateway, reports it undelivered: the cascade ends with staff, once.
    back().await;
    s.kavenegar.set_all_states(11);
    d.poll_reports().await.unwrap();
    assert_eq!(d.move_on_unconfirmed().await.unwrap(), MovedOn { moved: 0, flagged: 1 });
    assert_eq!(d.move_on_unconfirmed().await.unwrap(), MovedOn::default());
    let flagged: Vec<String> =
        sqlx::query_scalar("SELECT 'request:' || request_id FROM notifications WHERE kind = 'undelivered'")
            .fetch_all(s.app.pool())
            .await
            .unwrap();
    assert_eq!(flagged, [requests[1].clone()]);

    assert_eq!(
        steps_of(&s.app, &requests[0]).await,
        [
            "chat queued",
            "chat blocked  Forbidden: bot was blocked by the user",
            "sms queued",
            "sms sent safir",
            "sms requeued  no delivery report from safir in time",
            "sms sent smsir",
            "sms delivered smsir",
        ]
    );
    assert_eq!(
        steps_of(&s.app, &requests[1]).await[3..],
        [
            "sms sent safir",
            "sms requeued  no delivery report from safir in time",
            "sms sent smsir",
            "sms blacklisted smsir smsir: blacklisted",
            "sms requeued  smsir reported the number blacklisted",
            "sms sent kavenegar",
            "sms failed kavenegar kavenegar status 11 state",
            "sms undeliverable  no way confirmed it; staff told",
        ]
    );
    assert_eq!(safir.violations(), Vec::<String>::new());
    assert_eq!(smsir.violations(), Vec::<String>::new());
    assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_cascade_hands_an_sms_along_all_its_gateways_in_one_round_and_rests_those_in_trouble() {
    let cascade = "\n[notices.cascade]\ndecision = [\"safir\", \"smsir\", \"kavenegar\"]\n";
    let (s, smsir, safir) = setup_two_providers_with("kavenegar", None, 60, |t| t + cascade).await;
    let d = sms_dispatcher(&s.app);
    // No Bale account behind the number, and SMS.ir down: Kavenegar sends it, in one round.
    safir.not_on_bale(&mobile(1).local());
    safir.not_on_bale(&mobile(2).local());
    smsir.go_down(support::smsir::Refusal::DOWN);
    sms_notices(&s.app, 1..=1, "request").await;
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(
        providers_of(&s.app, "request").await,
        HashMap::from([("kavenegar".into(), 1)])
    );
    let steps = steps_of(&s.app, "request:1").await;
    assert_eq!(steps.len(), 4, "{steps:#?}");
    assert!(
        steps[1].starts_with("sms failed safir") && steps[1].contains("17"),
        "{steps:#?}"
    );
    assert!(
        steps[2].starts_with("sms failed smsir") && steps[2].contains("503"),
        "{steps:#?}"
    );
    assert_eq!(steps[3], "sms sent kavenegar");
    let calls = smsir.send_calls();

    // SMS.ir rests: the next goes past it to Kavenegar, and SMS.ir is not asked.
    sms_notices(&s.app, 2..=2, "later").await;
    while d.run_once().await.unwrap() > 0 {}
    assert_eq!(
        providers_of(&s.app, "later").await,
        HashMap::from([("kavenegar".into(), 1)])
    );
    assert_eq!(smsir.send_calls(), calls, "a resting gateway is tried last");
    assert_eq!(safir.violations(), Vec::<String>::new());
    assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn each_message_class_goes_from_its_own_line_where_one_is_set() {
    // Kavenegar: announcements from an informational line, codes from their own, the rest
    // (about the applicant's own request) from the default service line.
    let lines =
        |t: String| {
            t.replace(
            "[sms.kavenegar]\n",
            "[sms.kavenegar]\nsender = \"10004346\"\nlines = { informational = \"30004346\", otp = \"20004346\" }\n",
        )
        .replace(
            "[sms.smsir]\n",
            &format!("[sms.smsir]\nlines = {{ informational = \"{}\" }}\n", support::smsir::INFO_LINE),
        )
        };
    for provider in ["kavenegar", "smsir"] {
        let (s, smsir, _) = setup_two_providers_with(provider, None, 60, lines).await;
        let applicant = subscriber(&s.app, 7).await;
        notice(&s.app, applicant, "announce", "broadcast", "سامانه امشب در دسترس نیست.").await;
        let other = subscriber(&s.app, 8).await;
        notice(&s.app, other, "decide", "decision", "درخواست شما پذیرفته شد.").await;
        pending_to_sms(&s.app).await;
        drain_sms(&s.app).await;
        let (announced, decided) = (mobile(7).local(), mobile(8).local());
        if provider == "kavenegar" {
            let senders = s.kavenegar.senders();
            assert!(senders.contains(&(announced, "30004346".into())), "{senders:?}");
            assert!(senders.contains(&(decided, "10004346".into())), "{senders:?}");
            assert_eq!(senders.len(), 2, "{senders:?}");
            assert_eq!(s.kavenegar.violations(), Vec::<String>::new());
        } else {
            let lines = smsir.lines();
            assert!(lines.contains(&(announced, support::smsir::INFO_LINE)), "{lines:?}");
            assert!(lines.contains(&(decided, support::smsir::LINE)), "{lines:?}");
            assert_eq!(smsir.send_calls(), 2, "one call per line");
            assert_eq!(smsir.violations(), Vec::<String>::new());
        }
    }
}
