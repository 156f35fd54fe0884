//! A fake SMS.ir on loopback, speaking its REST API (version 1) as its SDKs use it: JSON
//! `POST /v1/send/bulk` (`lineNumber`, `messageText`, `mobiles`) and `POST /v1/send/liketolike`
//! (`lineNumber`, `messageTexts`, `mobiles`, paired, at most 100), `GET /v1/send/{messageId}`
//! for a report and `GET /v1/credit`, each with the key in `X-API-KEY`, each answered as
//! `{"status", "message", "data"}` with `status` 1 for success. It checks every call (key,
//! line as a number, number format, equal lengths, the cap) and records what reached each
//! number.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub const API_KEY: &str = "TEST-SMSIR-KEY";
pub const LINE: u64 = 30_007_732_000_000;
/// A second line of the same account, for informational messages.
pub const INFO_LINE: u64 = 30_007_732_000_099;

/// An answer the fake gives instead of sending: the HTTP status, and SMS.ir's `status`.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub http: u16,
    pub status: i32,
}

impl Refusal {
    /// The service down: HTTP 503 and no SMS.ir body status.
    pub const DOWN: Self = Self { http: 503, status: 0 };
    /// The account out of credit.
    pub const NO_CREDIT: Self = Self { http: 400, status: 102 };
}

#[derive(Default)]
struct Inner {
    next_id: i64,
    /// Every message handed to the operator: (mobile, text).
    delivered: Vec<(String, String)>,
    /// The line each message was sent from: (mobile, line).
    lines: Vec<(String, u64)>,
    /// message id → `deliveryState`; absent: not processed yet.
    states: HashMap<i64, i32>,
    /// Refusals for the next send calls, in order.
    faults: VecDeque<Refusal>,
    /// Refuse every send call from now on, until cleared.
    down: Option<Refusal>,
    send_calls: usize,
    violations: Vec<String>,
    credit: f64,
}

#[derive(Clone)]
pub struct FakeSmsIr {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeSmsIr {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            next_id: 876_240_000,
            credit: 1520.5,
            ..Inner::default()
        }));
        let router = Router::new()
            // One pattern: the segment is a method name to POST, a message id to GET.
            .route("/v1/send/{segment}", post(send).get(report))
            .route("/v1/credit", get(credit))
            .with_state(inner.clone());
        let url = super::serve_on_loopback(router).await;
        Self { url, inner }
    }

    pub fn fail_next(&self, refusal: Refusal) {
        self.inner.lock().unwrap().faults.push_back(refusal);
    }

    /// Refuses every send with `refusal` until `recover`.
    pub fn go_down(&self, refusal: Refusal) {
        self.inner.lock().unwrap().down = Some(refusal);
    }

    /// What reached each number: (mobile 09…, text).
    pub fn delivered(&self) -> Vec<(String, String)> {
        self.inner.lock().unwrap().delivered.clone()
    }

    /// The line each message was sent from: (mobile 09…, line).
    pub fn lines(&self) -> Vec<(String, u64)> {
        self.inner.lock().unwrap().lines.clone()
    }

    pub fn send_calls(&self) -> usize {
        self.inner.lock().unwrap().send_calls
    }

    /// Sets the `deliveryState` reported for every message sent so far.
    pub fn set_all_states(&self, state: i32) {
        let mut inner = self.inner.lock().unwrap();
        let ids: Vec<i64> = (876_240_001..=inner.next_id).collect();
        for id in ids {
            inner.states.insert(id, state);
        }
    }

    /// Sets the `deliveryState` reported for every message sent so far to `mobile` (as the fake
    /// records it, `09…`).
    pub fn set_states_to(&self, mobile: &str, state: i32) {
        let mut inner = self.inner.lock().unwrap();
        let ids: Vec<i64> = (876_240_001..)
            .zip(&inner.delivered)
            .filter(|(_, (to, _))| to == mobile)
            .map(|(id, _)| id)
            .collect();
        for id in ids {
            inner.states.insert(id, state);
        }
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }

    /// Sets the credit `GET /v1/credit` reports.
    pub fn set_credit(&self, credit: f64) {
        self.inner.lock().unwrap().credit = credit;
    }
}

fn answer(http: u16, status: i32, message: &str, data: Value) -> (StatusCode, String) {
    let body = json!({"status": status, "message": message, "data": data});
    (StatusCode::from_u16(http).unwrap(), body.to_string())
}

fn valid_mobile(m: &str) -> bool {
    m.len() == 11 && m.starts_with("09") && m.bytes().all(|b| b.is_ascii_digit())
}

/// Checks the key; records a violation and answers 401 when it is wrong.
fn authorised(inner: &mut Inner, headers: &HeaderMap) -> Result<(), (StatusCode, String)> {
    match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        Some(API_KEY) => Ok(()),
        other => {
            inner.violations.push(format!("call with key {other:?}"));
            Err(answer(401, 10, "کلید وب سرویس نامعتبر است", Value::Null))
        }
    }
}

async fn send(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let mut inner = inner.lock().unwrap();
    if let Err(refused) = authorised(&mut inner, &headers) {
        return refused;
    }
    if !headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"))
    {
        inner.violations.push(format!("{method} without a JSON content type"));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        inner.violations.push(format!("{method} with a body that is not JSON"));
        return answer(400, 0, "bad request", Value::Null);
    };
    inner.send_calls += 1;
    // The account's lines; a number only (a string is refused by the real service too).
    let line = body["lineNumber"].as_u64();
    if !matches!(line, Some(LINE | INFO_LINE)) {
        inner
            .violations
            .push(format!("{method} with lineNumber {}", body["lineNumber"]));
    }
    let strings = |field: &str| -> Option<Vec<String>> {
        body[field]
            .as_array()?
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let Some(mobiles) = strings("mobiles") else {
        inner.violations.push(format!("{method} without mobiles"));
        return answer(400, 0, "mobiles", Value::Null);
    };
    let texts = match method.as_str() {
        "bulk" => match body["messageText"].as_str() {
            Some(text) => vec![text.to_owned(); mobiles.len()],
            None => {
                inner.violations.push("bulk without messageText".into());
                return answer(400, 0, "messageText", Value::Null);
            }
        },
        "liketolike" => match strings("messageTexts") {
            Some(texts) if texts.len() == mobiles.len() => texts,
            _ => {
                inner
                    .violations
                    .push("liketolike without as many messageTexts as mobiles".into());
                return answer(400, 0, "messageTexts", Value::Null);
            }
        },
        other => {
            inner.violations.push(format!("unknown send method {other}"));
            return answer(404, 0, "not found", Value::Null);
        }
    };
    if mobiles.len() > 100 {
        inner
            .violations
            .push(format!("{method} with {} mobiles", mobiles.len()));
        return answer(400, 0, "too many mobiles", Value::Null);
    }
    if let Some(refusal) = inner.faults.pop_front().or(inner.down) {
        return answer(refusal.http, refusal.status, "refused", Value::Null);
    }
    if mobiles.iter().any(|m| !valid_mobile(m)) || texts.iter().any(String::is_empty) {
        inner
            .violations
            .push(format!("{method} with a bad mobile or an empty text"));
        return answer(400, 0, "bad mobile or text", Value::Null);
    }
    let mut ids = Vec::new();
    for (mobile, text) in mobiles.into_iter().zip(texts) {
        inner.next_id += 1;
        ids.push(inner.next_id);
        inner.lines.push((mobile.clone(), line.unwrap_or_default()));
        inner.delivered.push((mobile, text));
    }
    let cost = ids.len() as f64 * 1.2;
    answer(
        200,
        1,
        "موفق",
        json!({"packId": "6b1c0f5e-7a5f-4a1e-9a49-0a6a3f3c2d11", "messageIds": ids, "cost": cost}),
    )
}

async fn report(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> (StatusCode, String) {
    let mut inner = inner.lock().unwrap();
    if let Err(refused) = authorised(&mut inner, &headers) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        inner.violations.push(format!("report for {id:?}"));
        return answer(400, 0, "bad id", Value::Null);
    };
    let state = inner.states.get(&id).copied();
    answer(
        200,
        1,
        "موفق",
        json!({"messageId": id, "mobile": 9_120_000_000i64, "messageText": "…", "sendDateTime": 1_764_000_000,
               "lineNumber": LINE, "cost": 1.2, "deliveryState": state, "deliveryDateTime": null}),
    )
}

async fn credit(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap) -> (StatusCode, String) {
    let mut inner = inner.lock().unwrap();
    if let Err(refused) = authorised(&mut inner, &headers) {
        return refused;
    }
    let credit = inner.credit;
    answer(200, 1, "موفق", json!(credit))
}
