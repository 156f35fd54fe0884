//! Staff act from the staff group (the fake Bot API): each seed workflow walked to its end by
//! pressing the cards' buttons and replying with notes, the applicant sending the requested
//! documents in their chat, every notice arriving once; forged, replayed and stale buttons,
//! presses by strangers and by staff outside their scope all refused with a clear answer and
//! nothing changed; complaints answered and closed from the group.

use crate::support;

use std::time::Duration;

use chrono::TimeZone;

use peygir::domain::{Role, TrackingCode};
use peygir::i18n::{Arg, Locale, Msg};
use peygir::staff_chat::buttons::{Button, ButtonSigner, Subject};
use peygir::store::staff;
use serde_json::Value;
use support::bot_api::updates;
use support::journeys::{debt_respite_as_person, plate_removal};
use support::service::{Running, User};
use support::tracking_codes;

const GROUP: i64 = -100_500;
const REVIEWER: i64 = 9001;

async fn service_with_staff_group() -> Running {
    let bot = Running::fresh(&[("PEYGIR_STAFF_CHAT_ID", GROUP.to_string())]).await;
    staff::add(bot.app.pool(), "maryam", Role::Reviewer, None, Some(REVIEWER))
        .await
        .unwrap();
    bot
}

/// The staff group as the reviewers see it: the bot's messages there, each in its latest form.
struct Group<'a> {
    bot: &'a Running,
}

impl Group<'_> {
    /// `user` writes `text` in the group; returns the bot's newest message there once the
    /// message is handled.
    async fn say(&self, user: i64, text: &str) -> String {
        let id = self.bot.fake.push(updates::group_message(GROUP, user, text));
        self.bot.wait_handled(id).await;
        self.messages().last().unwrap()["text"].as_str().unwrap().to_owned()
    }

    /// Messages the bot sent to the group, edits applied, oldest first.
    fn messages(&self) -> Vec<Value> {
        let mut messages: Vec<Value> = Vec::new();
        for call in self
            .bot
            .fake
            .calls("sendMessage")
            .into_iter()
            .chain(self.bot.fake.calls("editMessageText"))
        {
            if call.params["chat_id"] != serde_json::json!(GROUP) || call.result.is_null() {
                continue;
            }
            let id = call.result["message_id"].clone();
            match messages.iter_mut().find(|m| m["message_id"] == id) {
                Some(existing) => *existing = call.result,
                None => messages.push(call.result),
            }
        }
        messages.sort_by_key(|m| m["message_id"].as_i64());
        messages
    }

    /// Waits for the newest card about `code` whose text contains `marker`.
    async fn card(&self, code: &str, marker: &str) -> Value {
        let shown = self.shown(code);
        for _ in 0..200 {
            if let Some(card) = self.messages().into_iter().rev().find(|m| {
                m["text"]
                    .as_str()
                    .is_some_and(|t| t.contains(&shown) && t.contains(marker))
            }) {
                return card;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no card for {code} with `{marker}` in the staff group: {:#?}",
            self.messages()
        );
    }

    /// The code as the group (in Persian) prints it.
    fn shown(&self, code: &str) -> String {
        peygir::i18n::code_text(TrackingCode::parse(code).unwrap(), Locale::Fa)
    }

    fn move_label(&self, stage: &str) -> String {
        let msg = Msg::new("staff-move-button").arg("stage", Arg::Msg(format!("stage-{stage}")));
        self.bot.app.i18n().render(Locale::Fa, &msg)
    }

    fn text(&self, id: &str) -> String {
        self.bot.text(Locale::Fa, id)
    }

    /// `user` presses the button labelled `label` on `card`; returns what the bot answered the
    /// press with.
    async fn press(&self, user: i64, card: &Value, label: &str) -> Value {
        let data = button_data(card, label).unwrap_or_else(|| panic!("no button `{label}` on {card:#}"));
        self.press_data(user, card, &data).await
    }

    async fn press_data(&self, user: i64, card: &Value, data: &str) -> Value {
        let before = self.bot.fake.calls("answerCallbackQuery").len();
        let id = self.bot.fake.push(updates::group_press(user, data, card));
        self.bot.wait_handled(id).await;
        let answers = self.bot.fake.calls("answerCallbackQuery");
        assert_eq!(answers.len(), before + 1, "each press is answered once");
        answers[before].params.clone()
    }

    /// `user` replies to the bot's newest question in the group; returns the bot's answer.
    async fn reply(&self, user: i64, text: &str) -> String {
        let question = self
            .bot
            .fake
            .calls("sendMessage")
            .into_iter()
            .rev()
            .find(|c| {
                c.params["chat_id"] == serde_json::json!(GROUP) && c.params["reply_markup"]["force_reply"] == true
            })
            .expect("the bot asked a question in the group")
            .result;
        let before = self.messages().len();
        let id = self.bot.fake.push(updates::group_reply(user, text, &question));
        self.bot.wait_handled(id).await;
        let messages = self.messages();
        assert_eq!(messages.len(), before + 1, "the bot answers the reply");
        messages.last().unwrap()["text"].as_str().unwrap().to_owned()
    }
}

fn button_data(card: &Value, label: &str) -> Option<String> {
    card["reply_markup"]["inline_keyboard"]
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .find(|b| b["text"] == serde_json::json!(label))
        .map(|b| b["callback_data"].as_str().unwrap().to_owned())
}

fn labels(card: &Value) -> Vec<String> {
    card["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|r| r.as_array().unwrap())
                .map(|b| b["text"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn stage_of(bot: &Running, code: &str) -> String {
    let code = TrackingCode::parse(code).unwrap();
    sqlx::query_scalar("SELECT stage FROM requests WHERE code = $1")
        .bind(code.to_stored())
        .fetch_one(bot.app.pool())
        .await
        .unwrap()
}

/// Walks `code` along `path` from the group: each step presses the move on the latest card (and
/// replies with the note where one is needed); the applicant then has exactly one new message.
async fn walk(group: &Group<'_>, applicant: &User, code: &str, path: &[(&str, Option<&str>)]) {
    for (stage, note) in path {
        let before = group.bot.fake.sent_to(applicant.chat_id).len();
        let card = group.card(code, "").await;
        let answer = group.press(REVIEWER, &card, &group.move_label(stage)).await;
        if let Some(note) = note {
            assert_eq!(answer["text"].as_str(), Some(group.text("staff-reply-below").as_str()));
            let said = group.reply(REVIEWER, note).await;
            assert!(said.contains(&group.shown(code)), "{said}");
        }
        assert_eq!(stage_of(group.bot, code).await, *stage);
        let messages = group.bot.messages_to(applicant.chat_id, before + 1).await;
        if let Some(note) = note {
            assert!(
                messages[before].contains(note),
                "the note reaches the applicant: {}",
                messages[before]
            );
        }
        let refreshed = group.card(code, &group.text("staff-card-updated")).await;
        let expected: Vec<String> = group
            .bot
            .app
            .catalog()
            .get(&service_of(group.bot, code).await)
            .unwrap()
            .transitions_from(stage)
            .filter(|t| t.allows(Role::Admin))
            .map(|t| group.move_label(&t.to))
            .collect();
        assert_eq!(
            labels(&refreshed),
            expected,
            "the card offers exactly the moves from {stage}"
        );
    }
}

async fn service_of(bot: &Running, code: &str) -> String {
    let code = TrackingCode::parse(code).unwrap();
    sqlx::query_scalar("SELECT service_id FROM requests WHERE code = $1")
        .bind(code.to_stored())
        .fetch_one(bot.app.pool())
        .await
        .unwrap()
}

async fn notices_sent_once(bot: &Running, chat_id: i64) {
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let texts: Vec<String> = bot
        .fake
        .sent_to(chat_id)
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    for (i, text) in texts.iter().enumerate() {
        if text.contains("تغییر کرد") || text.contains("stage") {
            assert_eq!(
                texts.iter().filter(|t| *t == text).count(),
                1,
                "sent more than once: {}",
                texts[i]
            );
        }
    }
}

#[tokio::test]
async fn plate_removal_is_walked_from_the_group_with_documents_sent_in_the_chat() {
    let bot = service_with_staff_group().await;
    let group = Group { bot: &bot };
    let mut agency = bot.user(800);
    let code = agency.submits(Locale::Fa, "plate-removal", &plate_removal()).await;

    let card = group.card(&code, &group.text("staff-new-request")).await;
    assert_eq!(labels(&card), [group.move_label("under-review")]);
    let text = card["text"].as_str().unwrap();
    assert!(
        !text.contains("09121234567") && !text.contains("۰۹۱۲۱۲۳۴۵۶۷"),
        "mobiles are masked: {text}"
    );
    assert!(
        !text.contains("14007650912") && !text.contains("۱۴۰۰۷۶۵۰۹۱۲"),
        "company ids are masked: {text}"
    );
    // Posts to the group are paced (twenty a minute), so the file follows the card a little later.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while bot.fake.calls("sendDocument").is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let files = bot.fake.calls("sendDocument");
    assert_eq!(files.len(), 1, "the letter attached at submission is posted");
    assert_eq!(files[0].params["chat_id"], serde_json::json!(GROUP));

    walk(
        &group,
        &agency,
        &code,
        &[
            ("under-review", None),
            ("documents-requested", Some("تصویر کارت خودرو را بفرستید.")),
        ],
    )
    .await;

    // The applicant sends the documents in their chat; the request returns to review.
    agency.new_messages();
    let received = agency
        .send(updates::document(800, "card.jpg", "image/jpeg", 2048))
        .await;
    assert!(received.contains("card.jpg"), "{received}");
    let refused = agency
        .send(updates::document(800, "card.zip", "application/zip", 10))
        .await;
    assert!(refused.contains(&bot.text(Locale::Fa, "error-file-type")), "{refused}");
    let sent = agency.presses("supplement:done").await;
    assert!(sent.contains(&bot.text(Locale::Fa, "menu")), "{sent}");
    assert!(
        !sent.contains(&bot.text(Locale::Fa, "menu-documents")),
        "the menu no longer offers to take documents: {sent}"
    );
    assert_eq!(stage_of(&bot, &code).await, "documents-received");
    let card = group.card(&code, &group.text("staff-documents-received")).await;
    assert_eq!(
        labels(&card),
        [
            group.move_label("under-review"),
            group.move_label("permit-issued"),
            group.move_label("rejected")
        ]
    );
    let files = bot.fake.calls("sendDocument");
    assert_eq!(files.len(), 2);
    assert_eq!(files[1].params["document"], serde_json::json!("file-card.jpg"));

    walk(
        &group,
        &agency,
        &code,
        &[("permit-issued", None), ("plate-removed", None), ("recorded", None)],
    )
    .await;
    notices_sent_once(&bot, 800).await;
    let actors: Vec<String> = sqlx::query_scalar(
        "SELECT e.actor FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.code = $1 ORDER BY e.id",
    )
    .bind(TrackingCode::parse(&code).unwrap().to_stored())
    .fetch_all(bot.app.pool())
    .await
    .unwrap();
    assert_eq!(
        actors.iter().filter(|a| a.starts_with("staff:")).count(),
        5,
        "{actors:?}"
    );
    assert_eq!(
        actors.iter().filter(|a| *a == "applicant").count(),
        2,
        "submission and documents: {actors:?}"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'request.transition' AND actor LIKE 'staff:%'",
    )
    .fetch_one(bot.app.pool())
    .await
    .unwrap();
    assert_eq!(audited, 5);
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn debt_respite_is_walked_from_the_group() {
    let bot = service_with_staff_group().await;
    let group = Group { bot: &bot };
    let mut person = bot.user(801);
    let code = person
        .submits(Locale::En, "debt-respite", &debt_respite_as_person())
        .await;
    let path = [
        ("under-review", None),
        ("objection-review", None),
        ("confirmed", None),
        ("sent-to-ministry", None),
        ("rejected", Some("The debt was settled before the request.")),
    ];
    walk(&group, &person, &code, &path).await;
    notices_sent_once(&bot, 801).await;
    let last = bot.fake.sent_to(801).last().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        last.contains("The debt was settled"),
        "the English applicant gets the note: {last}"
    );
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn forged_replayed_stale_and_strangers_presses_are_refused_and_change_nothing() {
    let bot = service_with_staff_group().await;
    staff::add(
        bot.app.pool(),
        "debt-only",
        Role::Reviewer,
        Some(&["debt-respite".to_owned()]),
        Some(9002),
    )
    .await
    .unwrap();
    let group = Group { bot: &bot };
    let mut first = bot.user(810);
    let a = first.submits(Locale::Fa, "plate-removal", &plate_removal()).await;
    let mut second = bot.user(811);
    let b = second.submits(Locale::Fa, "plate-removal", &plate_removal()).await;
    let card_a = group.card(&a, &group.text("staff-new-request")).await;
    let card_b = group.card(&b, &group.text("staff-new-request")).await;
    let label = group.move_label("under-review");
    let data_a = button_data(&card_a, &label).unwrap();
    let data_b = button_data(&card_b, &label).unwrap();
    let alert = |answer: &Value, id: &str| {
        assert_eq!(answer["text"].as_str(), Some(group.text(id).as_str()), "{answer}");
        assert_eq!(answer["show_alert"], serde_json::json!(true));
    };

    // Someone in the group who is not registered staff.
    alert(&group.press(4242, &card_a, &label).await, "staff-not-registered");
    // A reviewer of another service.
    alert(&group.press(9002, &card_a, &label).await, "staff-out-of-scope");
    // B's signature on A's request, A's button edited to name B, and made-up data.
    let (body_a, _) = data_a.rsplit_once('.').unwrap();
    let (_, mac_b) = data_b.rsplit_once('.').unwrap();
    alert(
        &group.press_data(REVIEWER, &card_a, &format!("{body_a}.{mac_b}")).await,
        "staff-invalid-button",
    );
    let id_b: i64 = data_b.split('.').nth(1).unwrap().parse().unwrap();
    let id_a: i64 = data_a.split('.').nth(1).unwrap().parse().unwrap();
    let retargeted = data_a.replacen(&format!("r.{id_a}."), &format!("r.{id_b}."), 1);
    alert(
        &group.press_data(REVIEWER, &card_a, &retargeted).await,
        "staff-invalid-button",
    );
    alert(
        &group.press_data(REVIEWER, &card_a, "r.1.1.0.0000000000000000").await,
        "staff-invalid-button",
    );
    // A correctly signed button for a move the workflow does not offer at this stage.
    let signer = ButtonSigner::load(bot.app.pool()).await.unwrap();
    let version: i64 = data_a.split('.').nth(2).unwrap().parse().unwrap();
    let beyond = signer.encode(Button {
        subject: Subject::Request(id_a),
        version,
        slot: 5,
    });
    alert(
        &group.press_data(REVIEWER, &card_a, &beyond).await,
        "staff-invalid-button",
    );
    assert_eq!(stage_of(&bot, &a).await, "submitted");
    assert_eq!(stage_of(&bot, &b).await, "submitted");

    // The real press moves A once, even when Telegram delivers it twice.
    let before = bot.fake.sent_to(810).len();
    let id = bot.fake.push(updates::group_press(REVIEWER, &data_a, &card_a));
    bot.wait_handled(id).await;
    bot.fake.redeliver(id);
    bot.fake.wait_redelivered().await;
    bot.replies_delivered().await;
    assert_eq!(stage_of(&bot, &a).await, "under-review");
    let moves: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events WHERE to_stage = 'under-review'")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(moves, 1);
    // The old card's button is stale now: refused, and the card redrawn with today's moves.
    let edits = bot.fake.calls("editMessageText").len();
    alert(&group.press_data(REVIEWER, &card_a, &data_a).await, "staff-stale");
    assert_eq!(stage_of(&bot, &a).await, "under-review");
    assert!(
        bot.fake.calls("editMessageText").len() > edits,
        "the stale card is redrawn"
    );

    // The applicant heard of the one real move only.
    bot.messages_to(810, before + 1).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let notices = bot.messages_to(810, 0).await;
    let moved = notices
        .iter()
        .filter(|t| t.contains(&bot.text(Locale::Fa, "stage-under-review")))
        .count();
    assert_eq!(moved, 1, "{notices:#?}");
    assert!(bot.fake.sent_to(811).iter().all(|m| {
        !m["text"]
            .as_str()
            .unwrap()
            .contains(&bot.text(Locale::Fa, "stage-under-review"))
    }));
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn complaints_are_answered_and_closed_from_the_group() {
    let bot = service_with_staff_group().await;
    staff::add(bot.app.pool(), "colleague", Role::Reviewer, None, Some(9003))
        .await
        .unwrap();
    let group = Group { bot: &bot };
    let mut user = bot.user(820);
    user.says("/start").await;
    user.presses("lang:en").await;
    let filed = user.says("/complain").await;
    assert!(!filed.is_empty());
    let filed = user.says("Nobody answers the phone at the agency.").await;
    let code = tracking_codes(&filed)[0].to_string();

    let card = group.card(&code, &group.text("staff-new-complaint")).await;
    assert_eq!(
        labels(&card),
        [group.text("staff-answer-button"), group.text("staff-close-button")]
    );
    assert!(card["text"].as_str().unwrap().contains("Nobody answers"));
    group.press(REVIEWER, &card, &group.text("staff-answer-button")).await;
    // Only the member who was asked may answer; an empty answer is refused.
    assert_eq!(
        group.reply(9003, "I will take it").await,
        group.text("staff-prompt-not-yours")
    );
    assert_eq!(group.reply(REVIEWER, "   ").await, group.text("staff-note-empty"));
    // An answer that cannot reach the applicant as written is refused, and the question stays.
    assert_eq!(
        group.reply(REVIEWER, "پاسخ \u{202E}وارونه").await,
        group.text("staff-text-invalid")
    );
    let before = bot.fake.sent_to(820).len();
    let said = group
        .reply(REVIEWER, "We have called the agency; they will phone you today.")
        .await;
    assert!(said.contains(&group.shown(&code)), "{said}");
    let notices = bot.messages_to(820, before + 1).await;
    let answer = notices.last().unwrap();
    assert!(answer.contains("they will phone you today"), "{answer}");

    let card = group.card(&code, &group.text("staff-card-updated")).await;
    let closed = group.press(REVIEWER, &card, &group.text("staff-close-button")).await;
    assert_eq!(closed["show_alert"], serde_json::json!(false));
    let status: String = sqlx::query_scalar("SELECT status FROM complaints")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(status, "closed");
    let card = group.card(&code, &group.text("staff-card-updated")).await;
    assert!(labels(&card).is_empty(), "a closed complaint has no buttons");
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test]
async fn a_broadcast_is_drafted_previewed_sent_and_followed_from_the_group() {
    const OPERATOR: i64 = 9002;
    let bot = service_with_staff_group().await;
    staff::add(bot.app.pool(), "reza", Role::Operator, None, Some(OPERATOR))
        .await
        .unwrap();
    let chats: Vec<i64> = (7100..7105).collect();
    let mut tx = bot.app.pool().begin().await.unwrap();
    for chat in &chats {
        peygir::store::applicants::find_or_create(&mut tx, "telegram", *chat)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let group = Group { bot: &bot };
    let last = || group.messages().last().cloned().unwrap();
    let queued = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notifications WHERE kind = 'broadcast'")
            .fetch_one(bot.app.pool())
            .await
            .unwrap()
    };

    // A reviewer may not broadcast; a command without text is answered with how to write one.
    group.say(REVIEWER, "/broadcast سلام").await;
    assert_eq!(last()["text"], group.text("staff-forbidden"));
    group.say(OPERATOR, "/broadcast plate-removal").await;
    assert_eq!(last()["text"], group.text("staff-broadcast-usage"));
    assert_eq!(queued().await, 0);

    // The draft: reach and preview, nothing sent until confirmed.
    let text = "ساعت کاری ستاد در روز پنج‌شنبه تا ظهر است.";
    group.say(OPERATOR, &format!("/broadcast {text}")).await;
    let draft = last();
    let body = draft["text"].as_str().unwrap();
    assert!(body.contains(text) && body.contains("(۵ نفر)"), "{body}");
    assert_eq!(queued().await, 0);

    // Only operators may send it; then it goes to every applicant, and the card follows it.
    let refused = group.press(REVIEWER, &draft, &group.text("staff-broadcast-send")).await;
    assert_eq!(refused["show_alert"], true, "{refused}");
    assert_eq!(queued().await, 0);
    let sent = group.press(OPERATOR, &draft, &group.text("staff-broadcast-send")).await;
    assert_eq!(sent["show_alert"], false, "{sent}");
    assert_eq!(queued().await, chats.len() as i64);
    for chat in &chats {
        let received = bot.messages_to(*chat, 1).await;
        assert!(received[0].contains(text), "{received:?}");
    }
    let stale = group.press(OPERATOR, &draft, &group.text("staff-broadcast-send")).await;
    assert_eq!(stale["text"], group.text("staff-stale"));
    assert_eq!(queued().await, chats.len() as i64, "sent once");
    let card = group
        .messages()
        .into_iter()
        .find(|m| m["message_id"] == draft["message_id"])
        .unwrap();
    group
        .press(OPERATOR, &card, &group.text("staff-broadcast-refresh"))
        .await;
    let card = group
        .messages()
        .into_iter()
        .find(|m| m["message_id"] == draft["message_id"])
        .unwrap();
    assert!(card["text"].as_str().unwrap().contains("۵ از ۵"), "{card:#}");

    // A draft dropped is never sent.
    group
        .say(OPERATOR, "/broadcast debt-respite این اطلاعیه فرستاده نمی‌شود")
        .await;
    let dropped = last();
    group
        .press(OPERATOR, &dropped, &group.text("staff-broadcast-drop"))
        .await;
    assert_eq!(queued().await, chats.len() as i64);
    let card = group
        .messages()
        .into_iter()
        .find(|m| m["message_id"] == dropped["message_id"])
        .unwrap();
    assert!(labels(&card).is_empty(), "{card:#}");

    // To the owners of tracking codes: a code no one has refuses the whole draft.
    let mut tx = bot.app.pool().begin().await.unwrap();
    let owner = peygir::store::applicants::find_or_create(&mut tx, "telegram", chats[0])
        .await
        .unwrap();
    let (_, complaint) = peygir::store::complaints::insert(&mut tx, bot.app.vault(), owner, None, "پاسخ نگرفتم")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let unknown = TrackingCode::generate();
    group
        .say(
            OPERATOR,
            &format!("/broadcast {complaint} {unknown} پاسخ شما آماده است"),
        )
        .await;
    let refusal = bot.app.i18n().render(
        Locale::Fa,
        &Msg::new("staff-broadcast-unknown-codes").arg("count", Arg::Number(1)),
    );
    assert_eq!(last()["text"], refusal);
    group
        .say(OPERATOR, &format!("/broadcast {complaint} پاسخ شما آماده است"))
        .await;
    let to_owner = last();
    let body = to_owner["text"].as_str().unwrap();
    assert!(
        body.contains("پاسخ شما آماده است") && body.contains("(۱ نفر)"),
        "{body}"
    );

    bot.stop().await;
}

#[tokio::test]
async fn maintenance_is_scheduled_and_cancelled_from_the_group_in_tehran_time() {
    const OPERATOR: i64 = 9003;
    let bot = service_with_staff_group().await;
    staff::add(bot.app.pool(), "sara", Role::Operator, None, Some(OPERATOR))
        .await
        .unwrap();
    let group = &Group { bot: &bot };
    let say = async |user: i64, text: String| group.say(user, &text).await;
    let windows = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM maintenance_windows")
            .fetch_one(bot.app.pool())
            .await
            .unwrap()
    };
    // Tomorrow, as a Jalali date in Persian digits.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    let j = peygir::domain::jalali::to_jalali(tomorrow);
    let day = peygir::domain::digits::to_persian_digits(&format!("{}/{:02}/{:02}", j.year, j.month, j.day));

    let refusals = [
        (
            REVIEWER,
            format!("/maintenance all {day} 22:00 {day} 23:00 ارتقا"),
            "staff-forbidden",
        ),
        (
            OPERATOR,
            format!("/maintenance all {day} 22:00"),
            "staff-maintenance-usage",
        ),
        (
            OPERATOR,
            "/maintenance all فردا 22:00 فردا 23:00 ارتقا".to_owned(),
            "staff-maintenance-bad-time",
        ),
        (
            OPERATOR,
            format!("/maintenance all {day} 23:00 {day} 22:00 ارتقا"),
            "staff-maintenance-ends-before-start",
        ),
        (
            OPERATOR,
            "/maintenance all 1400/01/01 10:00 1400/01/01 11:00 ارتقا".to_owned(),
            "staff-maintenance-starts-in-past",
        ),
        (
            OPERATOR,
            format!("/maintenance nope {day} 22:00 {day} 23:00 ارتقا"),
            "staff-maintenance-unknown-service",
        ),
        (
            OPERATOR,
            "/maintenance cancel 99".to_owned(),
            "staff-maintenance-not-found",
        ),
    ];
    for (user, command, answer) in refusals {
        assert_eq!(say(user, command.clone()).await, group.text(answer), "{command}");
    }
    assert_eq!(windows().await, 0);

    let scheduled = say(
        OPERATOR,
        format!("/maintenance plate-removal {day} ۲۲:۰۰ {day} ۲۳:۳۰ جابه‌جایی کارگزار"),
    )
    .await;
    let (id, starts_at, reason): (i64, chrono::DateTime<chrono::Utc>, String) =
        sqlx::query_as("SELECT id, starts_at, reason FROM maintenance_windows")
            .fetch_one(bot.app.pool())
            .await
            .unwrap();
    assert_eq!(reason, "جابه‌جایی کارگزار");
    let expected = peygir::sms::quiet::tehran()
        .from_local_datetime(&tomorrow.and_hms_opt(22, 0, 0).unwrap())
        .unwrap();
    assert_eq!(starts_at, expected);
    let shown = bot.app.i18n().render(
        Locale::Fa,
        &Msg::new("staff-maintenance-scheduled")
            .arg("id", Arg::Number(id))
            .arg("service", Arg::Msg("service-plate-removal".into()))
            .arg("start", Arg::Time(starts_at))
            .arg("end", Arg::Time(starts_at + chrono::Duration::minutes(90))),
    );
    assert_eq!(scheduled, shown);

    let cancelled = say(OPERATOR, format!("/maintenance cancel {id}")).await;
    let expected = bot.app.i18n().render(
        Locale::Fa,
        &Msg::new("staff-maintenance-cancelled").arg("id", Arg::Number(id)),
    );
    assert_eq!(cancelled, expected);
    assert_eq!(
        say(OPERATOR, format!("/maintenance cancel {id}")).await,
        group.text("staff-maintenance-closed")
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_closure_day_is_declared_from_the_group_and_waiting_applicants_are_told() {
    const OPERATOR: i64 = 9004;
    let bot = service_with_staff_group().await;
    staff::add(bot.app.pool(), "nasrin", Role::Operator, None, Some(OPERATOR))
        .await
        .unwrap();
    // Two applicants wait on open requests; a third's request is decided.
    support::stored_request(&bot.app, 71, "plate-removal", "submitted").await;
    support::stored_request(&bot.app, 72, "debt-respite", "under-review").await;
    support::stored_request(&bot.app, 73, "debt-respite", "granted").await;
    let group = &Group { bot: &bot };
    let say = async |user: i64, text: String| group.say(user, &text).await;
    let in_three_days = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    let j = peygir::domain::jalali::to_jalali(in_three_days);
    let day = peygir::domain::digits::to_persian_digits(&format!("{}/{:02}/{:02}", j.year, j.month, j.day));
    for (user, command, answer) in [
        (REVIEWER, format!("/closed {day} آلودگی هوا"), "staff-forbidden"),
        (OPERATOR, format!("/closed {day}"), "staff-closure-usage"),
        (OPERATOR, "/closed فردا آلودگی هوا".to_owned(), "staff-closure-usage"),
        (
            OPERATOR,
            "/closed 1399/01/01 آلودگی هوا".to_owned(),
            "staff-closure-usage",
        ),
    ] {
        assert_eq!(say(user, command.clone()).await, group.text(answer), "{command}");
    }
    let declared = say(OPERATOR, format!("/closed {day} آلودگی هوا")).await;
    let expected = bot.app.i18n().render(
        Locale::Fa,
        &Msg::new("staff-closure-declared").arg("day", Arg::Date(in_three_days)),
    );
    assert_eq!(declared, expected);
    let told: Vec<i64> = sqlx::query_scalar(
        "SELECT a.chat_id FROM notifications n JOIN applicants a ON a.id = n.applicant_id
         WHERE n.kind = 'closure' ORDER BY 1",
    )
    .fetch_all(bot.app.pool())
    .await
    .unwrap();
    assert_eq!(told, vec![71, 72], "those with open requests, once each");
    let again = say(OPERATOR, format!("/closed {day} گرما")).await;
    assert_eq!(
        again,
        bot.app.i18n().render(
            Locale::Fa,
            &Msg::new("staff-closure-again").arg("day", Arg::Date(in_three_days))
        )
    );
    let notices: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE kind = 'closure'")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(notices, 2, "declared twice, told once");
    bot.stop().await;
}

#[tokio::test]
async fn a_reviewer_extends_a_documents_deadline_from_the_group() {
    use peygir::staff::perform::{Action, Actor};
    const OPERATOR: i64 = 9005;
    let bot = service_with_staff_group().await;
    staff::add(bot.app.pool(), "omid", Role::Operator, None, Some(OPERATOR))
        .await
        .unwrap();
    let reviewer = staff::by_name(bot.app.pool(), "maryam").await.unwrap().unwrap();
    let (_, code) = support::stored_request(&bot.app, 4301, "plate-removal", "under-review").await;
    let asked = Action::RequestDocuments {
        code,
        note: "تصویر کارت خودرو",
        deadline_office_days: Some(5),
    };
    support::attempt(&bot.app, Actor::Member(&reviewer), asked)
        .await
        .unwrap();
    // Served once its notice has gone out.
    let due = async || -> Option<chrono::NaiveDate> {
        sqlx::query_scalar("SELECT due_on FROM document_deadlines")
            .fetch_one(bot.app.pool())
            .await
            .unwrap()
    };
    for _ in 0..100 {
        support::run_deadlines(&bot.app, chrono::Utc::now()).await;
        if due().await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = due().await.expect("the deadline is served");
    let group = &Group { bot: &bot };

    assert_eq!(
        group.say(OPERATOR, &format!("/deadline {code} 2")).await,
        group.text("staff-forbidden")
    );
    assert_eq!(
        group.say(REVIEWER, &format!("/deadline {code}")).await,
        group.text("staff-deadline-usage")
    );
    assert_eq!(due().await, Some(first), "refusals change nothing");
    let answer = group.say(REVIEWER, &format!("/deadline {code} ۲")).await;
    let extended = due().await.unwrap();
    assert!(extended > first, "{extended} after {first}");
    let expected = bot.app.i18n().render(
        Locale::Fa,
        &Msg::new("staff-deadline-extended")
            .arg("code", Arg::Code(code))
            .arg("date", Arg::Date(extended)),
    );
    assert_eq!(answer, expected);
    bot.stop().await;
}
