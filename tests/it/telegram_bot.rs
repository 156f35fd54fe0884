//! The bot end to end: the real service (`serve`) with its real teloxide client, against the
//! fake Bot API on loopback, in long-polling and webhook modes.

use crate::support;

use peygir::i18n::Locale;
use serde_json::json;
use support::bot_api::{FakeBotApi, updates};
use support::journeys::{Give, Question, debt_respite_as_company, debt_respite_as_person, plate_removal};
use support::service::{Running, User};
use support::tracking_codes;

async fn submit(bot: &Running, user: &mut User, locale: Locale, service: &str, questions: &[Question]) -> String {
    user.says("/start").await;
    user.presses(&format!("lang:{}", locale.code())).await;
    user.presses("menu:submit").await;
    user.presses(&format!("svc:{service}")).await;
    for question in questions {
        for (bad, error_id) in question.bad.iter().take(1) {
            let reply = user.give(bad).await;
            let expected = bot.text(locale, error_id);
            let first_words: String = expected.split(['(', '{']).next().unwrap().trim().to_owned();
            assert!(reply.contains(&first_words), "expected «{first_words}», got:\n{reply}");
        }
        if matches!(question.good, Give::Contact(_)) {
            let sent = bot.fake.sent_to(user.chat_id);
            let markup = &sent.last().unwrap()["reply_markup"];
            assert_eq!(
                markup["keyboard"][0][0]["request_contact"],
                json!(true),
                "the phone question offers the contact button"
            );
            let text = sent.last().unwrap()["text"].as_str().unwrap_or_default().to_owned();
            assert!(
                text.contains(&bot.text(locale, "share-contact-hint")),
                "and points to it: {text}"
            );
        }
        user.give(&question.good).await;
    }
    user.presses("confirm").await
}

#[tokio::test]
async fn every_journey_works_through_telegram_in_both_languages() {
    let bot = Running::fresh(&[]).await;
    let fake = bot.fake.clone();
    let journeys = [
        (Locale::Fa, "debt-respite", debt_respite_as_person()),
        (Locale::En, "debt-respite", debt_respite_as_company()),
        (Locale::Fa, "plate-removal", plate_removal()),
        (Locale::En, "plate-removal", plate_removal()),
    ];
    let mut codes = Vec::new();
    for (i, (locale, service, questions)) in journeys.iter().enumerate() {
        let mut user = bot.user(500 + i as i64);
        let done = submit(&bot, &mut user, *locale, service, questions).await;
        let found = tracking_codes(&done);
        assert_eq!(found.len(), 1, "a tracking code for {service} in {locale:?}:\n{done}");
        codes.push(found[0]);
    }

    // Anyone may look a code up, typed with Persian digits.
    let mut stranger = bot.user(900);
    stranger.says("/start").await;
    stranger.presses("lang:fa").await;
    for code in &codes {
        let persian = peygir::domain::digits::to_persian_digits(&code.to_string());
        let status = stranger.says(&format!("/track {persian}")).await;
        assert!(status.contains(&bot.text(Locale::Fa, "status-received")), "{status}");
    }

    // And a complaint is tracked like a request.
    let mut user = bot.user(500);
    user.says("/menu").await;
    user.presses("menu:complain").await;
    user.presses("about:none").await;
    let filed = user.says("پاسخی دریافت نکرده‌ام.").await;
    let complaint = tracking_codes(&filed);
    assert_eq!(complaint.len(), 1, "{filed}");
    let status = user.says(&complaint[0].to_string()).await;
    assert!(
        status.contains(&bot.text(Locale::Fa, "complaint-status-open")),
        "{status}"
    );

    assert!(
        !fake.calls("answerCallbackQuery").is_empty(),
        "button presses are answered"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn a_redelivered_update_is_handled_once() {
    let bot = Running::fresh(&[]).await;
    let fake = bot.fake.clone();
    let mut user = bot.user(42);
    let id = fake.push(updates::text(42, "/start"));
    fake.wait_stored(id).await;
    bot.replies_delivered().await;
    let first = user.new_messages().len();
    assert!(first > 0);

    fake.redeliver(id);
    fake.wait_redelivered().await;
    bot.replies_delivered().await;
    assert!(
        user.new_messages().is_empty(),
        "the same update_id is not answered twice"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn after_a_restart_polling_resumes_without_answering_twice() {
    let fake = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let bot = Running::start(&fake, &db, &[]).await;
    let mut user = bot.user(43);
    user.says("/start").await;
    user.presses("lang:en").await;
    user.presses("menu:submit").await;
    user.presses("svc:plate-removal").await;
    user.says("Roads directorate").await;
    bot.stop().await;

    let again = Running::start(&fake, &db, &[]).await;
    let mut user = again.user(43);
    let reply = user.says("14007650912").await;
    assert!(
        reply.contains(&again.text(Locale::En, "field-plate-removal-contact-name")),
        "resumes mid-form:\n{reply}"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
    again.stop().await;
}

/// Updates stored when the process died (the offset already past them) are handled after
/// the restart, a chat's in order.
#[tokio::test]
async fn updates_stored_before_a_crash_are_answered_after_the_restart_in_order() {
    let fake = FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let bot = Running::start(&fake, &db, &[]).await;
    let mut control = bot.user(51);
    let expected = [control.says("/start").await, control.says("/help").await].join("\n\n");
    let vault = bot.app.vault().clone();
    bot.stop().await;

    // What the poller stores just before a crash: two updates of chat 52, past the offset.
    let stored = |id: i64, text: &str| {
        let mut update = updates::text(52, text);
        update["update_id"] = json!(id);
        peygir::store::inbox::Fetched {
            update_id: id,
            chat_id: 52,
            json: serde_json::to_vec(&update).unwrap(),
        }
    };
    let pool = peygir::store::connect(&db, 1).await.unwrap();
    let batch = [stored(9_000, "/start"), stored(9_001, "/help")];
    peygir::store::inbox::store_batch(&pool, &vault, "telegram", &batch, 9_002)
        .await
        .unwrap();

    let again = Running::start(&fake, &db, &[]).await;
    again.replies_delivered().await;
    let texts: Vec<String> = fake
        .sent_to(52)
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts.join("\n\n"), expected, "both answered, once each, in order");
    assert_eq!(peygir::store::inbox::waiting(&pool).await.unwrap(), 0);
    assert_eq!(fake.violations(), Vec::<String>::new());
    again.stop().await;
}

#[tokio::test]
async fn group_messages_are_not_treated_as_applicants() {
    let bot = Running::fresh(&[]).await;
    let fake = bot.fake.clone();
    let id = fake.push(updates::group_text(-100123, "/start"));
    bot.wait_handled(id).await;
    assert!(fake.sent_to(-100123).is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn the_webhook_takes_updates_only_with_the_secret_and_once_each() {
    let env = [
        ("PEYGIR_TELEGRAM_MODE", "webhook".to_owned()),
        (
            "PEYGIR_TELEGRAM_WEBHOOK_URL",
            "https://bot.example.ir/telegram/webhook".to_owned(),
        ),
        ("PEYGIR_TELEGRAM_WEBHOOK_SECRET", "s3cret-Token_1".to_owned()),
    ];
    let bot = Running::fresh(&env).await;
    let fake = bot.fake.clone();
    let registered = fake.calls("setWebhook");
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].params["secret_token"], json!("s3cret-Token_1"));
    assert!(fake.calls("getUpdates").is_empty(), "no polling in webhook mode");

    let client = reqwest::Client::new();
    let url = format!("http://{}{}", bot.http, peygir::http::WEBHOOK_PATH);
    let mut update = updates::text(77, "/start");
    update["update_id"] = json!(5000);
    let post = |secret: &'static str| {
        client
            .post(&url)
            .header(peygir::http::SECRET_HEADER, secret)
            .json(&update)
            .send()
    };
    assert_eq!(post("wrong").await.unwrap().status(), 401);
    assert!(fake.sent_to(77).is_empty(), "a call without the secret changes nothing");

    assert_eq!(post("s3cret-Token_1").await.unwrap().status(), 200);
    bot.replies_delivered().await;
    let answered = fake.sent_to(77).len();
    assert!(answered > 0);
    assert_eq!(post("s3cret-Token_1").await.unwrap().status(), 200);
    bot.replies_delivered().await;
    assert_eq!(
        fake.sent_to(77).len(),
        answered,
        "a redelivered update is not answered twice"
    );

    let health = client.get(format!("http://{}/health", bot.http)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn the_language_is_preselected_from_the_app_asked_once_and_a_form_survives_start() {
    let bot = Running::fresh(&[]).await;
    let mut user = bot.user(44);
    // An English-language app: the first greeting is in English.
    let first = user.send(updates::text_in(44, "/start", "en-GB")).await;
    assert!(first.contains(&bot.text(Locale::En, "welcome")), "{first}");
    user.presses("lang:fa").await;
    user.presses("menu:submit").await;
    user.presses("svc:plate-removal").await;
    user.says("اداره کل راهداری").await;
    // `/start` mid-form neither asks the language again nor drops the answers in silence.
    let asked = user.says("/start").await;
    assert!(!asked.contains(&bot.text(Locale::Fa, "choose-language")), "{asked}");
    assert!(asked.contains("نیمه‌تمام"), "offered to continue or start over: {asked}");
    let resumed = user.presses("resume:continue").await;
    assert!(
        resumed.contains(&bot.text(Locale::Fa, "field-plate-removal-agency-id")),
        "the pending question again:\n{resumed}"
    );
    let asked_again = user.says("/start").await;
    assert!(asked_again.contains("نیمه‌تمام"), "{asked_again}");
    let restarted = user.presses("resume:restart").await;
    assert!(restarted.contains(&bot.text(Locale::Fa, "cancelled")), "{restarted}");
    let again = user.says("/start").await;
    assert!(!again.contains(&bot.text(Locale::Fa, "choose-language")), "{again}");
    assert!(again.contains(&bot.text(Locale::Fa, "menu")), "{again}");
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

/// Inputs of several chats handled in one batch (as a polling worker hands them in) leave the
/// same replies, in the same order per chat, as the same inputs handled one by one; a chat's
/// second input in the batch steps from where its first left the dialogue, and an update
/// delivered twice in the batch is handled once.
#[tokio::test]
async fn a_batch_of_updates_answers_as_the_same_updates_one_by_one() {
    use peygir::app::{Application, Arrival, Origin};
    use peygir::conversation::{Input, Reply};

    let script: Vec<(i64, i64, &str)> = vec![
        (1, 100, "/start"),
        (2, 101, "/start"),
        (1, 102, "2"),
        (1, 108, "/help"),
        (3, 103, "/track 1234567890"),
        (2, 104, "/mine"),
        (2, 104, "/mine"),
        (1, 105, "/notices"),
        (3, 106, "/sms"),
        (3, 107, "/menu"),
    ];
    let arrivals = || {
        script
            .iter()
            .map(|&(chat_id, update_id, text)| Arrival {
                origin: Origin {
                    platform: "telegram",
                    chat_id,
                    update_id: Some(update_id),
                    language: None,
                },
                input: Input::Text(text.to_owned()),
            })
            .collect::<Vec<_>>()
    };
    async fn queued(app: &Application) -> Vec<(i64, Locale, Reply)> {
        let platforms = vec!["telegram".to_owned()];
        let lease = std::time::Duration::from_secs(60);
        let mut all = Vec::new();
        // A chat's later replies are claimed only once its earlier ones are gone: delete as we go.
        loop {
            let claimed = peygir::store::replies::claim(app.pool(), app.vault(), &platforms, 1000, lease)
                .await
                .unwrap();
            if claimed.is_empty() {
                break;
            }
            let ids: Vec<i64> = claimed.iter().map(|r| r.id).collect();
            sqlx::query("DELETE FROM replies WHERE id = ANY($1)")
                .bind(&ids)
                .execute(app.pool())
                .await
                .unwrap();
            all.extend(claimed.into_iter().map(|r| (r.chat_id, r.locale, r.reply)));
        }
        all
    }
    fn per_chat(replies: &[(i64, Locale, Reply)], chat: i64) -> Vec<(Locale, &Reply)> {
        replies
            .iter()
            .filter(|(c, _, _)| *c == chat)
            .map(|(_, l, r)| (*l, r))
            .collect()
    }

    let (together, _db) = support::spawn_app().await;
    let done_together = together.handle_and_queue_each(arrivals()).await.unwrap();
    let (alone, _db2) = support::spawn_app().await;
    let mut done_alone = Vec::new();
    for arrival in arrivals() {
        done_alone.push(alone.handle_and_queue(arrival.origin, arrival.input).await.unwrap());
    }
    assert_eq!(done_together, done_alone);
    assert_eq!(
        done_together,
        vec![true, true, true, true, true, true, false, true, true, true],
        "the update delivered twice is handled once"
    );
    let (replies_together, replies_alone) = (queued(&together).await, queued(&alone).await);
    for chat in 1..=3 {
        let (t, a) = (per_chat(&replies_together, chat), per_chat(&replies_alone, chat));
        assert!(t.len() >= 3, "chat {chat} was answered at every step: {t:?}");
        assert_eq!(t, a, "chat {chat}'s replies, batched and one by one");
    }
    // Chat 1 picked its language with its second input, in the same batch as its first: the
    // third stepped from there.
    let chat_1 = per_chat(&replies_together, 1);
    assert_eq!(chat_1[0].0, Locale::Fa, "greeted in the default language: {chat_1:?}");
    let help = chat_1
        .iter()
        .find(|(_, r)| r.lines.iter().any(|m| m.id == "help"))
        .expect("chat 1 got the help");
    assert_eq!(help.0, Locale::En, "in the language it picked: {chat_1:?}");
}
