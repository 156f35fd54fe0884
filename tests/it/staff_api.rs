//! Staff move requests through the HTTP API while the applicant, on Telegram (the fake Bot
//! API), receives each notice exactly once; every refusal answers with its stable code and
//! changes nothing.

use crate::support;

use std::time::Duration;

use peygir::domain::Role;
use peygir::i18n::{Arg, Locale, Msg};
use peygir::store::{applicants, sms, staff};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::api::Api;
use support::bot_api::updates;
use support::journeys::{debt_respite_as_person, plate_removal};
use support::service::{Running, User};
use support::tracking_codes;

/// The notice of a stage; a stage that waits for documents has its own, which says what to send.
fn stage_notice(bot: &Running, locale: Locale, code: &str, service: &str, stage: &str) -> String {
    let code = peygir::domain::TrackingCode::parse(code).unwrap();
    let id = if stage == "documents-requested" {
        "notice-documents-requested"
    } else {
        "notice-stage-changed"
    };
    bot.app.i18n().render(
        locale,
        &Msg::new(id)
            .arg("code", Arg::Code(code))
            .arg("service", Arg::Msg(format!("service-{service}")))
            .arg("stage", Arg::Msg(format!("stage-{stage}"))),
    )
}

/// Walks a request along `path` through the API; after each move the applicant has exactly
/// one new message, the notice of that stage.
async fn walk(
    bot: &Running,
    api: &Api,
    user: &User,
    locale: Locale,
    code: &str,
    service: &str,
    path: &[(&str, Option<&str>)],
) {
    for (stage, note) in path {
        let before = bot.fake.sent_to(user.chat_id).len();
        let (status, body) = api.moves(code, stage, *note).await;
        assert_eq!(status, StatusCode::OK, "moving to {stage}: {body}");
        assert_eq!(body["to"], json!(stage));
        let messages = bot.messages_to(user.chat_id, before + 1).await;
        let notice = &messages[before];
        let expected = stage_notice(bot, locale, code, service, stage);
        let first_line = expected.lines().next().unwrap();
        assert!(
            notice.starts_with(first_line),
            "notice for {stage}:\n{notice}\nexpected:\n{expected}"
        );
        if let Some(note) = note {
            assert!(notice.contains(note), "the note reaches the applicant:\n{notice}");
        }
    }
    // Nothing more arrives: each notice was sent once.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let all = bot.fake.sent_to(user.chat_id);
    for (stage, _) in path {
        let text = stage_notice(bot, locale, code, service, stage);
        let first_line = text.lines().next().unwrap();
        let copies = all
            .iter()
            .filter(|m| m["text"].as_str().unwrap().starts_with(first_line))
            .count();
        assert_eq!(copies, 1, "the notice of {stage} was sent {copies} times");
    }
}

#[tokio::test]
async fn both_seed_workflows_are_walked_to_their_end_and_each_notice_arrives_once() {
    // Decisions go by SMS too; quiet hours would hold them whenever the suite runs at night.
    let fake = support::bot_api::FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let never_quiet = |t: String| t.replace(support::SHIPPED_QUIET, support::NEVER_QUIET);
    let bot = Running::start_with(&fake, &db, never_quiet, &[]).await;
    let admin = Api::for_member(&bot, "admin", Role::Admin, None).await;

    let mut agency = bot.user(700);
    let plate = agency.submits(Locale::Fa, "plate-removal", &plate_removal()).await;
    let plate_path = [
        ("under-review", None),
        ("documents-requested", Some("تصویر کارت خودرو را بفرستید.")),
        ("documents-received", None),
        ("permit-issued", None),
        ("plate-removed", None),
        ("recorded", None),
    ];
    walk(&bot, &admin, &agency, Locale::Fa, &plate, "plate-removal", &plate_path).await;

    let mut person = bot.user(701);
    let debt = person
        .submits(Locale::En, "debt-respite", &debt_respite_as_person())
        .await;
    // This applicant also takes SMS (the log gateway here), which decisions use as well.
    let mut tx = bot.app.pool().begin().await.unwrap();
    let applicant = applicants::find_or_create(&mut tx, "telegram", 701).await.unwrap();
    let phone = peygir::domain::PhoneNumber::parse("09121234567").unwrap();
    sms::opt_in(&mut tx, bot.app.vault(), applicant, &phone).await.unwrap();
    tx.commit().await.unwrap();
    let debt_path = [
        ("under-review", None),
        ("objection-review", None),
        ("confirmed", None),
        ("sent-to-ministry", None),
        ("granted", Some("Six months' grace granted.")),
    ];
    walk(&bot, &admin, &person, Locale::En, &debt, "debt-respite", &debt_path).await;

    // The owner's lookup shows the final stage and the whole history.
    let detail = person.says(&format!("/track {debt}")).await;
    assert!(detail.contains("granted"), "{detail}");
    assert!(
        detail.contains("The reviewer's note: Six months' grace granted."),
        "the owner sees why, not only what: {detail}"
    );
    let (status, body) = admin.get(&format!("/api/v1/requests/{debt}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["stage"], json!("granted"));
    assert_eq!(body["history"].as_array().unwrap().len(), debt_path.len() + 1);
    let reads: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'request.read'")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(reads, 1, "the read is audited (committed without waiting for the disk)");

    // Staff see each notice, its channel and its end: one chat notice per move, all sent; the
    // decision also goes by SMS, with the gateway and the parts billed. The plate request's
    // applicant has no SMS, so its decision went by chat only.
    let notices = settled_notices(&admin, &debt).await;
    let chat: Vec<&Value> = notices.iter().filter(|n| n["channel"] == "chat").collect();
    assert_eq!(chat.len(), debt_path.len(), "{notices:#?}");
    assert!(chat.iter().all(|n| n["status"] == "sent" && n["sent_at"].is_string()));
    // Each keeps the evidence of its steps, in order.
    let steps = |n: &Value| -> Vec<String> {
        n["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| {
                format!(
                    "{} {}",
                    step["event"].as_str().unwrap(),
                    step["provider"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert!(chat.iter().all(|n| steps(n) == ["queued ", "sent "]), "{notices:#?}");
    assert_eq!(chat.last().unwrap()["kind"], json!("decision"));
    let sms: Vec<&Value> = notices.iter().filter(|n| n["channel"] == "sms").collect();
    assert_eq!(sms.len(), 1, "{notices:#?}");
    assert_eq!(sms[0]["kind"], json!("decision"));
    // The log gateway's "delivery" is the log line, final at once.
    assert_eq!(sms[0]["status"], json!("delivered"));
    assert!(sms[0]["delivered_at"].is_string(), "{:?}", sms[0]);
    assert_eq!(sms[0]["provider"], json!("log"));
    assert_eq!(steps(sms[0]), ["queued ", "delivered log"]);
    // The owner's lookup says how the outcome reached them, on each way.
    let detail = person.says(&format!("/track {debt}")).await;
    assert!(detail.contains("The latest notice to you:"), "{detail}");
    assert!(detail.contains("a message in this bot: sent"), "{detail}");
    assert!(detail.contains("SMS: reached your phone"), "{detail}");
    assert!(sms[0]["segments"].as_i64().unwrap() >= 1, "{:?}", sms[0]);
    let plate_notices = settled_notices(&admin, &plate).await;
    assert_eq!(plate_notices.len(), plate_path.len(), "{plate_notices:#?}");
    assert!(plate_notices.iter().all(|n| n["channel"] == "chat"));
    // Staff of another service do not see them.
    let outsider = Api::for_member(&bot, "outsider", Role::Reviewer, Some(&["plate-removal".to_owned()])).await;
    let (status, body) = outsider.get(&format!("/api/v1/requests/{debt}/notices")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = admin.get("/api/v1/requests/not-a-code/notices").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    bot.stop().await;
}

/// A request's notices once none is pending (the SMS dispatcher settles the decision's twin).
async fn settled_notices(api: &Api, code: &str) -> Vec<Value> {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, body) = api.get(&format!("/api/v1/requests/{code}/notices")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let notices = body.as_array().unwrap().clone();
        if notices.iter().all(|n| n["status"] != "pending") {
            return notices;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("notices of {code} still pending after 10 s: {last:#}");
}

#[tokio::test]
async fn refused_moves_say_why_and_change_nothing() {
    let bot = Running::fresh(&[]).await;
    let mut user = bot.user(710);
    let code = user.submits(Locale::Fa, "plate-removal", &plate_removal()).await;
    let reviewer = Api::for_member(&bot, "rev", Role::Reviewer, Some(&["plate-removal".to_owned()])).await;
    let other = Api::for_member(&bot, "debt-only", Role::Reviewer, Some(&["debt-respite".to_owned()])).await;
    let operator = Api::for_member(&bot, "op", Role::Operator, None).await;
    let (status, body) = reviewer.get("/api/v1/no-such-route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["error"]["code"],
        json!("not_found"),
        "unknown routes answer in JSON too: {body}"
    );

    let (status, body) = reviewer.moves(&code, "recorded", None).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("transition_not_allowed"))
    );
    let (status, body) = reviewer
        .post(
            &format!("/api/v1/requests/{code}/transitions"),
            json!({"to": "under-review", "expected_from": "permit-issued"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("stale_stage"))
    );
    let (status, body) = other.moves(&code, "under-review", None).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found")),
        "another service's request is not confirmed to exist"
    );
    let (status, _) = other.get(&format!("/api/v1/requests/{code}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another service's requests are not visible"
    );
    let (status, body) = operator.moves(&code, "under-review", None).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );
    let (status, _) = reviewer.moves("123", "under-review", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let stage: String = sqlx::query_scalar("SELECT stage FROM requests")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(stage, "submitted");
    let notices: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(notices, 0, "a refused move queues no notice");

    assert_eq!(reviewer.moves(&code, "under-review", None).await.0, StatusCode::OK);
    let (status, body) = reviewer.moves(&code, "rejected", Some("  ")).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("note_required"))
    );

    let anonymous = reqwest::get(format!("http://{}/api/v1/requests", bot.http))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let forged = Api {
        token: "pgr_not-a-token".into(),
        ..reviewer
    };
    assert_eq!(forged.get("/api/v1/requests").await.0, StatusCode::UNAUTHORIZED);
    bot.stop().await;
}

#[tokio::test]
async fn tokens_can_be_revoked_and_staff_reads_are_audited() {
    let bot = Running::fresh(&[]).await;
    let mut user = bot.user(720);
    let code = user.submits(Locale::En, "plate-removal", &plate_removal()).await;
    let member = staff::add(bot.app.pool(), "rev", Role::Reviewer, None, None)
        .await
        .unwrap();
    let (token_id, token) = staff::issue_token(bot.app.pool(), member.id).await.unwrap();
    let reviewer = Api {
        base: format!("http://{}", bot.http),
        token,
        client: reqwest::Client::new(),
    };
    let admin = Api::for_member(&bot, "admin", Role::Admin, None).await;

    let (status, list) = reviewer
        .get("/api/v1/requests?service=plate-removal&stage=submitted")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["code"], json!(code));
    assert_eq!(
        reviewer
            .get("/api/v1/requests?stage=recorded")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        reviewer.get(&format!("/api/v1/requests/{code}")).await.0,
        StatusCode::OK
    );
    assert_eq!(reviewer.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);

    let (_, audit) = admin.get("/api/v1/audit").await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"request.read"), "{actions:?}");

    assert!(staff::revoke_token(bot.app.pool(), token_id).await.unwrap());
    assert_eq!(reviewer.get("/api/v1/requests").await.0, StatusCode::UNAUTHORIZED);
    bot.stop().await;
}

#[tokio::test]
async fn the_request_list_pages_newest_first_after_the_last_code_seen() {
    let bot = Running::fresh(&[]).await;
    let mut codes = Vec::new();
    for chat in 730..733 {
        let mut user = bot.user(chat);
        codes.push(user.submits(Locale::En, "plate-removal", &plate_removal()).await);
    }
    let reviewer = Api::for_member(&bot, "rev", Role::Reviewer, None).await;
    let page = async |path: &str| -> Vec<String> {
        let (status, list) = reviewer.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {list}");
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = page("/api/v1/requests?limit=2").await;
    assert_eq!(first, [codes[2].clone(), codes[1].clone()], "newest first");
    let second = page(&format!("/api/v1/requests?limit=2&after={}", first[1])).await;
    assert_eq!(second, [codes[0].clone()], "the rest, none repeated");
    assert!(page(&format!("/api/v1/requests?after={}", codes[0])).await.is_empty());
    let filtered = page(&format!(
        "/api/v1/requests?service=plate-removal&stage=submitted&after={}",
        codes[2]
    ))
    .await;
    assert_eq!(filtered, [codes[1].clone(), codes[0].clone()]);
    bot.stop().await;
}

#[tokio::test]
async fn a_complaint_is_answered_and_the_applicant_told_once() {
    let bot = Running::fresh(&[]).await;
    let mut user = bot.user(730);
    user.says("/start").await;
    user.presses("lang:fa").await;
    user.presses("menu:complain").await;
    let filed = user.says("هنوز پاسخی نگرفته‌ام.").await;
    let code = tracking_codes(&filed)[0].to_string();
    let reviewer = Api::for_member(&bot, "rev", Role::Reviewer, None).await;

    let (status, open) = reviewer.get("/api/v1/complaints?status=open").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(open[0]["code"], json!(code));
    let before = bot.fake.sent_to(730).len();
    let (status, answered) = reviewer
        .post(
            &format!("/api/v1/complaints/{code}/answer"),
            json!({"answer": "درخواست شما بررسی شد."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["status"], json!("answered"));
    let messages = bot.messages_to(730, before + 1).await;
    assert!(
        messages[before].contains("درخواست شما بررسی شد."),
        "{}",
        messages[before]
    );
    let (status, closed) = reviewer
        .post(&format!("/api/v1/complaints/{code}/close"), json!({}))
        .await;
    assert_eq!((status, closed["status"].clone()), (StatusCode::OK, json!("closed")));
    let (status, body) = reviewer
        .post(&format!("/api/v1/complaints/{code}/answer"), json!({"answer": " "}))
        .await;
    // Like every text with nothing visible in it: 422, with the rule's code.
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("empty_answer"))
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_operator_rebinds_an_applicant_who_lost_access() {
    let bot = Running::fresh(&[]).await;
    let mut old_chat = bot.user(740);
    let code = old_chat.submits(Locale::En, "plate-removal", &plate_removal()).await;
    let operator = Api::for_member(&bot, "op", Role::Operator, None).await;
    let reviewer = Api::for_member(&bot, "rev", Role::Reviewer, None).await;
    let body = json!({"from_platform": "telegram", "from_chat_id": 740, "to_platform": "telegram", "to_chat_id": 741,
                      "reason": "national card checked at the front desk"});
    assert_eq!(
        reviewer.post("/api/v1/applicants/rebind", body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, result) = operator.post("/api/v1/applicants/rebind", body).await;
    assert_eq!((status, result["requests_moved"].clone()), (StatusCode::OK, json!(1)));
    // How the identity was checked is in the audit log for admins, sealed at rest.
    let admin = Api::for_member(&bot, "admin", Role::Admin, None).await;
    let (_, audit) = admin.get("/api/v1/audit").await;
    let rebind = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == json!("applicant.rebind"))
        .unwrap();
    assert_eq!(rebind["note"], json!("national card checked at the front desk"));
    let in_the_clear: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE detail::text LIKE '%front desk%'")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(in_the_clear, 0);

    let mut new_chat = bot.user(741);
    new_chat.says("/start").await;
    new_chat.presses("lang:en").await;
    let detail = new_chat.says(&format!("/track {code}")).await;
    assert!(
        detail.contains("Stage history"),
        "the new chat now owns the request:\n{detail}"
    );
    let old = old_chat.says(&format!("/track {code}")).await;
    assert!(!old.contains("Stage history"), "the old chat no longer does:\n{old}");
    bot.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_complete_and_its_references_resolve() {
    let bot = Running::fresh(&[]).await;
    let doc: Value = reqwest::get(format!("http://{}/api/v1/openapi.json", bot.http))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/requests",
        "/api/v1/requests/{code}",
        "/api/v1/requests/{code}/transitions",
        "/api/v1/complaints",
        "/api/v1/applicants/rebind",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    let mut operation_ids = std::collections::HashSet::new();
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(operation_ids.insert(id.clone()), "operationId {id} is used twice");
            assert!(
                operation["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has responses"
            );
            // A path parameter must appear in the path, and a query one must not be declared
            // as a path parameter (OpenAPI 3 validators refuse both).
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let place = parameter["in"].as_str().unwrap();
                assert!(
                    ["path", "query", "header"].contains(&place),
                    "{method} {path}: {name} in {place}"
                );
                assert_eq!(
                    place == "path",
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: parameter {name} is declared in {place}"
                );
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "{reference} resolves");
    }
    bot.stop().await;
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    refs.push(inner.as_str().unwrap().to_owned());
                } else {
                    collect_refs(inner, refs);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

/// Chat 77's plate-removal request, taken up for review: the applicant, its code and id, and
/// the reviewer who took it up.
async fn taken_up(bot: &Running) -> (User, String, i64, Api) {
    let mut user = bot.user(77);
    let code = user.submits(Locale::Fa, "plate-removal", &plate_removal()).await;
    let request_id: i64 = sqlx::query_scalar("SELECT id FROM requests")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    let reviewer = Api::for_member(bot, "rv", Role::Reviewer, None).await;
    assert_eq!(reviewer.moves(&code, "under-review", None).await.0, StatusCode::OK);
    (user, code, request_id, reviewer)
}

#[tokio::test]
async fn an_applicant_rates_a_decision_on_its_notice_and_staff_see_the_average() {
    let bot = Running::fresh(&[]).await;
    let (mut user, code, request_id, reviewer) = taken_up(&bot).await;
    assert_eq!(
        reviewer
            .moves(&code, "rejected", Some("نامهٔ دستگاه امضا ندارد"))
            .await
            .0,
        StatusCode::OK
    );

    // The decision's notice carries the five score buttons; the stage change before it none.
    let decision = support::eventually("the decision in the chat", Duration::from_secs(20), async || {
        bot.fake
            .sent_to(77)
            .into_iter()
            .find(|m| m["text"].as_str().is_some_and(|t| t.contains("نامهٔ دستگاه امضا ندارد")))
    })
    .await;
    assert!(
        decision["text"]
            .as_str()
            .unwrap()
            .contains(&bot.text(Locale::Fa, "rate-ask")),
        "{decision}"
    );
    let buttons: Vec<String> = decision["reply_markup"]["inline_keyboard"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["callback_data"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (1..=5).map(|n| format!("rate:request:{request_id}:{n}")).collect();
    assert_eq!(buttons, expected);
    let asking_for_a_score = bot
        .fake
        .sent_to(77)
        .iter()
        .filter(|m| {
            m["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                .as_str()
                .is_some_and(|d| d.starts_with("rate:"))
        })
        .count();
    assert_eq!(
        asking_for_a_score, 1,
        "only the decision asks for a score, not the stage change"
    );

    // A tap days later still counts (it is not tied to the dialogue's turn), then a comment.
    user.new_messages();
    let thanked = user.send(updates::press(77, &expected[3], &decision)).await;
    assert!(thanked.contains(&bot.text(Locale::Fa, "rate-thanks")), "{thanked}");
    assert!(thanked.contains(&bot.text(Locale::Fa, "rate-comment-ask")), "{thanked}");
    let noted = user.says("رسیدگی سریع بود ولی دلیل رد را دیر فهمیدم").await;
    assert!(noted.contains(&bot.text(Locale::Fa, "rate-comment-thanks")), "{noted}");
    let (score, owner, comment): (i16, i64, Vec<u8>) =
        sqlx::query_as("SELECT score, applicant_id, comment_sealed FROM ratings WHERE subject = $1")
            .bind(format!("request:{request_id}"))
            .fetch_one(bot.app.pool())
            .await
            .unwrap();
    assert_eq!(score, 4);
    // The score is evidence the decision was seen: its chat notice's timeline says so, once,
    // however often it is pressed (and no earlier notice is marked by a second press).
    user.send(updates::press(77, &expected[3], &decision)).await;
    let seen: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT n.kind, e.detail FROM notice_events e JOIN notifications n ON n.id = e.notification_id
         WHERE n.subject = $1 AND e.event = 'seen'",
    )
    .bind(format!("request:{request_id}"))
    .fetch_all(bot.app.pool())
    .await
    .unwrap();
    assert_eq!(seen, [("decision".to_owned(), Some("rated it".to_owned()))]);
    assert!(
        !String::from_utf8_lossy(&comment).contains("رسیدگی"),
        "the comment is sealed"
    );

    // Someone else pressing the same button changes nothing.
    let mut stranger = bot.user(78);
    stranger.says("/start").await;
    let refused = stranger.send(updates::press(78, &expected[0], &decision)).await;
    assert!(refused.contains(&bot.text(Locale::Fa, "rate-not-yours")), "{refused}");
    let (score_after, owner_after): (i16, i64) =
        sqlx::query_as("SELECT score, applicant_id FROM ratings WHERE subject = $1")
            .bind(format!("request:{request_id}"))
            .fetch_one(bot.app.pool())
            .await
            .unwrap();
    assert_eq!((score_after, owner_after), (4, owner));

    // The average per service is in /metrics.
    let metrics = reqwest::get(format!("http://{}/metrics", bot.http))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("peygir_satisfaction_average{service=\"plate-removal\"} 4.0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("peygir_satisfaction_ratings{service=\"plate-removal\"} 1"),
        "{metrics}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn documents_due_by_a_date_carry_an_i_have_seen_it_button_kept_as_evidence() {
    let bot = Running::fresh(&[]).await;
    let (mut user, code, request_id, reviewer) = taken_up(&bot).await;
    let (status, body) = reviewer
        .post(
            &format!("/api/v1/requests/{code}/document-requests"),
            json!({"note": "تصویر نامهٔ اصلی", "deadline_office_days": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Once the request for documents is sent it counts as served, and the date follows it.
    support::wait_until("the request for documents sent", Duration::from_secs(20), async || {
        support::run_deadlines(&bot.app, chrono::Utc::now()).await.served == 1
    })
    .await;
    let deadline_notice: i64 = sqlx::query_scalar(
        "SELECT id FROM notifications WHERE kind = 'documents-deadline' AND channel = 'chat' AND subject = $1",
    )
    .bind(format!("request:{request_id}"))
    .fetch_one(bot.app.pool())
    .await
    .unwrap();
    let seen_data = format!("seen:{deadline_notice}");
    let dated = support::eventually(
        "the deadline in the chat, with its button",
        Duration::from_secs(20),
        async || {
            bot.fake
                .sent_to(77)
                .into_iter()
                .find(|m| m["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == json!(seen_data))
        },
    )
    .await;
    assert_eq!(
        dated["reply_markup"]["inline_keyboard"][0][0]["text"],
        json!(bot.text(Locale::Fa, "seen-button"))
    );

    // Pressed by the applicant: thanked, and kept in that notice's evidence, once.
    let seen = || async {
        sqlx::query_as::<_, (String, Option<String>)>(
            "SELECT n.kind, e.detail FROM notice_events e JOIN notifications n ON n.id = e.notification_id
             WHERE n.subject = $1 AND e.event = 'seen'",
        )
        .bind(format!("request:{request_id}"))
        .fetch_all(bot.app.pool())
        .await
        .unwrap()
    };
    // The dispatcher records a batch as sent once its sends are answered, a moment after the
    // message reaches the chat; a person reads it before pressing, and so does this test.
    support::wait_until("the deadline recorded as sent", Duration::from_secs(20), async || {
        sqlx::query_scalar::<_, String>("SELECT status FROM notifications WHERE id = $1")
            .bind(deadline_notice)
            .fetch_one(bot.app.pool())
            .await
            .unwrap()
            == "sent"
    })
    .await;
    user.new_messages();
    let thanked = user.send(updates::press(77, &seen_data, &dated)).await;
    assert!(thanked.contains(&bot.text(Locale::Fa, "seen-thanks")), "{thanked}");
    user.send(updates::press(77, &seen_data, &dated)).await;
    let pressed = [(
        "documents-deadline".to_owned(),
        Some("pressed \"I have seen it\"".to_owned()),
    )];
    assert_eq!(seen().await, pressed);

    // Someone else pressing it is told so, and nothing is recorded.
    let mut stranger = bot.user(78);
    stranger.says("/start").await;
    let refused = stranger.send(updates::press(78, &seen_data, &dated)).await;
    assert!(refused.contains(&bot.text(Locale::Fa, "seen-not-yours")), "{refused}");
    assert_eq!(seen().await, pressed);
    bot.stop().await;
}
