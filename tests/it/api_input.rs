//! Malformed and hostile calls to the staff API: each is refused with the JSON error shape, a
//! stable code and the right status, none is a 500, and none changes anything. A member whose
//! role may not act is refused before the body is read.

use crate::support;

use peygir::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::api::Api;
use support::service::Running;

/// A raw call: method, path, content type and body as bytes.
struct Call {
    method: Method,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

fn json_call(method: Method, path: &'static str, body: Value) -> Call {
    Call {
        method,
        path,
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
    }
}

fn raw(method: Method, path: &'static str, content_type: Option<&'static str>, body: &[u8]) -> Call {
    Call {
        method,
        path,
        content_type,
        body: body.to_vec(),
    }
}

async fn send(api: &Api, call: &Call) -> (StatusCode, String, Value) {
    let mut request = api
        .client
        .request(call.method.clone(), format!("{}{}", api.base, call.path))
        .bearer_auth(&api.token)
        .body(call.body.clone());
    if let Some(content_type) = call.content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, body)
}

/// Counts of what refused calls must leave untouched.
async fn state(bot: &Running) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "broadcasts",
        "outages",
        "maintenance_windows",
        "notifications",
        "request_events",
    ] {
        counts.push(
            sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(bot.app.pool())
                .await
                .unwrap(),
        );
    }
    counts
}

#[tokio::test]
async fn malformed_and_hostile_calls_answer_the_json_error_shape_and_change_nothing() {
    let bot = Running::fresh(&[]).await;
    let operator = Api::for_member(&bot, "op", Role::Operator, None).await;
    let reviewer = Api::for_member(&bot, "rev", Role::Reviewer, None).await;
    let mut applicant = bot.user(950);
    applicant.says("/start").await;
    applicant.presses("lang:fa").await;
    applicant.presses("menu:complain").await;
    let filed = applicant.says("پاسخی نگرفته‌ام.").await;
    let complaint = support::tracking_codes(&filed)[0].to_string();
    let answer_path: &'static str = Box::leak(format!("/api/v1/complaints/{complaint}/answer").into_boxed_str());
    let mut tx = bot.app.pool().begin().await.unwrap();
    let owner = peygir::store::applicants::find_or_create(&mut tx, "telegram", 950)
        .await
        .unwrap();
    let (_, request) = peygir::store::requests::insert(
        &mut tx,
        bot.app.vault(),
        owner,
        "plate-removal",
        "under-review",
        &Vec::new(),
        peygir::i18n::Locale::Fa,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let move_path: &'static str = Box::leak(format!("/api/v1/requests/{request}/transitions").into_boxed_str());
    let before = state(&bot).await;

    let far = (chrono::Utc::now() + chrono::Duration::days(800)).to_rfc3339();
    let farther = (chrono::Utc::now() + chrono::Duration::days(801)).to_rfc3339();
    let soon = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let big = json!({ "text": "الف".repeat(40_000) });
    let cases: Vec<(&Api, Call, StatusCode, &str)> = vec![
        // Text no one can read or store.
        (
            &operator,
            json_call(Method::POST, "/api/v1/broadcasts", json!({"text": "سلام\u{0}"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            &operator,
            json_call(Method::POST, "/api/v1/outages", json!({"reason": "قطعی\u{0}"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            &reviewer,
            json_call(Method::POST, answer_path, json!({"answer": "پاسخ\u{0}"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            &operator,
            json_call(Method::POST, "/api/v1/broadcasts", json!({"text": "کد \u{202E}123"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            &operator,
            json_call(
                Method::POST,
                "/api/v1/broadcasts",
                json!({"text": "\u{200B}\u{200C}\u{FEFF} "}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_broadcast",
        ),
        (
            &operator,
            json_call(Method::POST, "/api/v1/broadcasts", json!({"text": "x".repeat(1001)})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_broadcast",
        ),
        (
            &reviewer,
            json_call(
                Method::POST,
                move_path,
                json!({"to": "rejected", "note": "ن".repeat(1001)}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_note",
        ),
        (
            &reviewer,
            json_call(Method::POST, answer_path, json!({"answer": "پ".repeat(2001)})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_answer",
        ),
        (
            &operator,
            json_call(Method::POST, "/api/v1/outages", json!({"reason": " \u{200F} "})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_outage",
        ),
        (
            &operator,
            json_call(
                Method::POST,
                "/api/v1/maintenance",
                json!({"starts_at": far, "ends_at": farther, "reason": "ارتقا"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_window",
        ),
        (
            &operator,
            json_call(
                Method::POST,
                "/api/v1/maintenance",
                json!({"starts_at": soon, "ends_at": later, "reason": "\u{2066}"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        // Queries.
        (
            &reviewer,
            raw(Method::GET, "/api/v1/requests?service=%00", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            &reviewer,
            raw(Method::GET, "/api/v1/requests?limit=many", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            &reviewer,
            raw(Method::GET, "/api/v1/requests?overdue=maybe", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            &reviewer,
            raw(Method::GET, "/api/v1/requests?from=yesterday", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            &reviewer,
            raw(Method::GET, "/api/v1/requests?after=123456", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            &reviewer,
            raw(Method::GET, "/api/v1/complaints?status=pending", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        // Paths.
        (
            &operator,
            raw(Method::POST, "/api/v1/maintenance/abc/cancel", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_path",
        ),
        (
            &operator,
            raw(Method::GET, "/api/v1/broadcasts/1.5", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_path",
        ),
        (
            &reviewer,
            raw(Method::GET, "/api/v1/requests/12-34", None, b""),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            &reviewer,
            // The right shape, but the check digit does not match: no request has that code.
            raw(Method::GET, "/api/v1/requests/600000-000000-000000", None, b""),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // Bodies.
        (
            &operator,
            json_call(
                Method::POST,
                "/api/v1/outages",
                json!({"reason": "قطعی", "severity": 3}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &operator,
            json_call(
                Method::POST,
                "/api/v1/applicants/rebind",
                json!({"from_platform": "mars", "from_chat_id": 1, "to_platform": "bale", "to_chat_id": 2,
                       "reason": "کارت ملی دیده شد"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &operator,
            json_call(
                Method::POST,
                "/api/v1/applicants/rebind",
                json!({"from_platform": "telegram", "from_chat_id": 1, "to_platform": "bale", "to_chat_id": 2,
                       "reason": " \u{200C} "}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reason",
        ),
        (
            &operator,
            // A whole number written as JSON's 5.0 is a chat id like 5; no applicant chats there.
            json_call(
                Method::POST,
                "/api/v1/applicants/rebind",
                json!({"from_platform": "telegram", "from_chat_id": 5.0, "to_platform": "bale", "to_chat_id": 2,
                       "reason": "کارت ملی دیده شد"}),
            ),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &operator,
            raw(
                Method::POST,
                "/api/v1/outages",
                Some("application/json"),
                b"{\"reason\": ",
            ),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            &operator,
            json_call(Method::POST, "/api/v1/outages", json!({"reason": 5})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &operator,
            json_call(Method::POST, "/api/v1/outages", json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            &operator,
            raw(
                Method::POST,
                "/api/v1/outages",
                Some("text/plain"),
                b"{\"reason\": \"x\"}",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            &operator,
            raw(Method::POST, "/api/v1/outages", None, b"{\"reason\": \"x\"}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            &operator,
            json_call(Method::POST, "/api/v1/broadcasts", big),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        // Methods.
        (
            &reviewer,
            raw(Method::DELETE, "/api/v1/requests", None, b""),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            &operator,
            raw(Method::PATCH, "/api/v1/outages", None, b""),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        // The role is checked before the body is read: a reviewer learns nothing of the schema.
        (
            &reviewer,
            raw(
                Method::POST,
                "/api/v1/broadcasts",
                Some("application/json"),
                b"{not json",
            ),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &reviewer,
            json_call(Method::POST, "/api/v1/outages", json!({"reason": 5})),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
    ];
    let mut wrong = Vec::new();
    for (api, call, status, code) in &cases {
        let (got, content_type, body) = send(api, call).await;
        let shaped = content_type.starts_with("application/json")
            && body["error"]["code"].is_string()
            && body["error"]["message"].is_string();
        if got != *status || !shaped || body["error"]["code"] != json!(code) {
            wrong.push(format!(
                "{} {}: expected {status} {code}, got {got} {content_type} {body}",
                call.method, call.path
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} answered otherwise:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    assert_eq!(state(&bot).await, before, "refused calls changed nothing");
    let status: String = sqlx::query_scalar("SELECT status FROM complaints")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(status, "open");
    bot.stop().await;
}

#[tokio::test]
async fn every_operation_declares_the_errors_it_can_answer() {
    let bot = Running::fresh(&[]).await;
    let doc: Value = reqwest::get(format!("http://{}/api/v1/openapi.json", bot.http))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let mut wanted = vec!["400", "401", "403", "500"];
            if path.contains('{') {
                wanted.push("404");
            }
            if operation.get("requestBody").is_some() {
                wanted.extend(["413", "415", "422"]);
            }
            if path.contains('{') && method != "get" {
                wanted.push("409");
            }
            for status in wanted {
                let response = responses
                    .get(status)
                    .unwrap_or_else(|| panic!("{method} {path} does not declare {status}"));
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    json!("#/components/schemas/ErrorBody"),
                    "{method} {path} {status}"
                );
            }
        }
    }
    let complaints = &doc["paths"]["/api/v1/complaints"]["get"]["parameters"];
    let status = complaints
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == json!("status"))
        .unwrap();
    let schema = serde_json::to_string(&status["schema"]).unwrap();
    let resolved = if let Some(reference) = status["schema"]["$ref"].as_str() {
        serde_json::to_string(doc.pointer(reference.trim_start_matches('#')).unwrap()).unwrap()
    } else {
        schema
    };
    assert!(
        resolved.contains("answered"),
        "the complaint status is an enum: {resolved}"
    );
    // What the service refuses, the document states: no unknown fields, texts that show
    // something and carry no controls, services and stages the catalog has.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if name.ends_with("Body") && name != "ErrorBody" {
            assert_eq!(schema["additionalProperties"], json!(false), "{name}");
        }
    }
    let reason = &doc["components"]["schemas"]["DeclareBody"]["properties"]["reason"];
    assert_eq!(reason["minLength"], json!(1));
    assert_eq!(reason["maxLength"], json!(500));
    let pattern = reason["pattern"].as_str().unwrap();
    assert!(
        pattern.contains("\\u0000-\\u0008") && pattern.contains("\\u200B-\\u200F"),
        "{pattern}"
    );
    let list = doc["paths"]["/api/v1/requests"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let param = |name: &str| list.iter().find(|p| p["name"] == json!(name)).unwrap()["schema"].clone();
    assert_eq!(param("service")["enum"], json!(["debt-respite", "plate-removal"]));
    assert!(param("stage")["enum"].as_array().unwrap().contains(&json!("rejected")));
    assert_eq!(param("to")["format"], json!("date-time"));
    assert!(
        param("to").get("enum").is_none(),
        "a query's `to` is a time, not a stage"
    );
    let code = doc["paths"]["/api/v1/requests/{code}"]["get"]["parameters"][0]["schema"]["pattern"].clone();
    assert!(code.is_string(), "the tracking code has its pattern");
    bot.stop().await;
}
