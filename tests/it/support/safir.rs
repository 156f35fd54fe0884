//! A fake Bale Safir on loopback, speaking its documented API (docs.bale.ai/safir): JSON
//! `POST /api/v3/send_message` with the key in `api-access-key` and `{request_id, bot_id,
//! phone_number, message_data: {message: {text}} or {otp_message: {otp}}}`, answered
//! `{message_id, error_data}` with
//! `error_data` listing per number what went wrong (17: no Bale account). A `request_id` seen
//! before sends nothing new and answers the earlier message id. It checks every call (key,
//! bot id as an integer, the number as 98 and ten digits, a text or a numeric code) and records
//! what reached each number (a code as `otp:` and its digits).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

pub const API_KEY: &str = "TEST-SAFIR-KEY";
pub const BOT_ID: i64 = 361_469_114;

#[derive(Default)]
struct Inner {
    /// Numbers (98…) with no Bale account behind them.
    not_on_bale: HashSet<String>,
    /// request_id → message id, for idempotent repeats.
    by_request: HashMap<String, String>,
    /// Every message delivered: (phone 98…, text).
    delivered: Vec<(String, String)>,
    calls: usize,
    violations: Vec<String>,
}

#[derive(Clone)]
pub struct FakeSafir {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeSafir {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let state = inner.clone();
        let router = Router::new().route(
            "/api/v3/send_message",
            post(move |headers: HeaderMap, body: Bytes| async move { send(&state, &headers, &body) }),
        );
        let url = super::serve_on_loopback(router).await;
        Self { url, inner }
    }

    /// The holder of `local` (09…) has no Bale account.
    pub fn not_on_bale(&self, local: &str) {
        let number = format!("98{}", &local[1..]);
        self.inner.lock().unwrap().not_on_bale.insert(number);
    }

    /// What reached each number: (phone 98…, text).
    pub fn delivered(&self) -> Vec<(String, String)> {
        self.inner.lock().unwrap().delivered.clone()
    }

    pub fn calls(&self) -> usize {
        self.inner.lock().unwrap().calls
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }
}

fn error(phone: &str, code: i32, description: &str) -> (StatusCode, String) {
    let body = json!({"message_id": null,
                      "error_data": [{"phone_number": phone, "code": code, "description": description}]});
    (StatusCode::BAD_REQUEST, body.to_string())
}

fn send(inner: &Mutex<Inner>, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
    let mut inner = inner.lock().unwrap();
    inner.calls += 1;
    if headers.get("api-access-key").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        inner.violations.push("a call without the access key".into());
        return (StatusCode::UNAUTHORIZED, json!("invalid_access_key").to_string());
    }
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        inner.violations.push("a body that is not JSON".into());
        return error("", 4, "InvalidInput");
    };
    if body["bot_id"].as_i64() != Some(BOT_ID) {
        inner.violations.push(format!("bot_id {}", body["bot_id"]));
    }
    let phone = body["phone_number"].as_str().unwrap_or_default().to_owned();
    if !(phone.len() == 12 && phone.starts_with("989") && phone.bytes().all(|b| b.is_ascii_digit())) {
        inner.violations.push(format!("phone_number {phone:?}"));
        return error(&phone, 8, "InvalidPhone");
    }
    let data = &body["message_data"];
    let text = match (data["message"]["text"].as_str(), data["otp_message"]["otp"].as_str()) {
        (Some(text), None) if !text.is_empty() => text.to_owned(),
        // Safir takes numeric codes only.
        (None, Some(otp)) if !otp.is_empty() && otp.bytes().all(|b| b.is_ascii_digit()) => format!("otp:{otp}"),
        _ => {
            inner
                .violations
                .push(format!("message_data is neither a text nor a numeric code: {data}"));
            return error(&phone, 4, "InvalidInput");
        }
    };
    let request = body["request_id"].as_str().unwrap_or_default().to_owned();
    if let Some(id) = inner.by_request.get(&request) {
        return (
            StatusCode::OK,
            json!({"message_id": id, "error_data": null}).to_string(),
        );
    }
    if inner.not_on_bale.contains(&phone) {
        return error(&phone, 17, "NotBaleUser");
    }
    let id = format!("523e6875-7c41-491b-8460-{:012}", inner.delivered.len());
    inner.delivered.push((phone, text));
    if !request.is_empty() {
        inner.by_request.insert(request, id.clone());
    }
    (
        StatusCode::OK,
        json!({"message_id": id, "error_data": null}).to_string(),
    )
}
