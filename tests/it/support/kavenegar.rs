//! A fake Kavenegar on loopback, speaking its REST API as documented: form-encoded POSTs to
//! `/v1/{API-KEY}/sms/{send,sendarray,status}.json`, answers wrapped in
//! `{"return": {"status", "message"}, "entries": [...]}` with the HTTP status equal to
//! `return.status`. A `localid` seen before returns the earlier message instead of sending
//! again, as Kavenegar does. It checks every call (key, receptor format, array lengths,
//! the 200-recipient cap) and records what reached each number.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

pub const API_KEY: &str = "TEST-KAVENEGAR-KEY";

#[derive(Default)]
struct Inner {
    next_id: i64,
    /// localid → message id, for idempotent resends.
    by_local_id: HashMap<String, i64>,
    /// Every message handed to the operator: (receptor, text, localid).
    delivered: Vec<(String, String, String)>,
    /// The line each message was sent from: (receptor, sender; empty when none was given).
    senders: Vec<(String, String)>,
    /// Every localid presented, retries included.
    local_ids_seen: Vec<String>,
    /// message id → Kavenegar status.
    states: HashMap<i64, i32>,
    /// `return.status` to answer the next send calls with instead of sending.
    faults: VecDeque<u16>,
    violations: Vec<String>,
    send_calls: usize,
    /// What `account/info` reports as the remaining credit, in rials.
    credit: f64,
}

#[derive(Clone)]
pub struct FakeKavenegar {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeKavenegar {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            next_id: 8_792_343,
            credit: 2_500_000.0,
            ..Inner::default()
        }));
        let router = Router::new()
            .route("/v1/{key}/sms/{method}", post(handle))
            .route("/v1/{key}/account/info.json", post(account_info))
            .with_state(inner.clone());
        let url = super::serve_on_loopback(router).await;
        Self { url, inner }
    }

    pub fn fail_next(&self, status: u16) {
        self.inner.lock().unwrap().faults.push_back(status);
    }

    /// What reached each number: (receptor 09…, text, localid).
    pub fn delivered(&self) -> Vec<(String, String, String)> {
        self.inner.lock().unwrap().delivered.clone()
    }

    /// How many messages reached numbers so far, without copying them (for polling).
    pub fn delivered_count(&self) -> usize {
        self.inner.lock().unwrap().delivered.len()
    }

    /// The numbers messages were handed over to, in order.
    pub fn recipients(&self) -> Vec<String> {
        self.delivered().into_iter().map(|(to, _, _)| to).collect()
    }

    /// The line each message was sent from: (receptor 09…, sender; empty when none was given).
    pub fn senders(&self) -> Vec<(String, String)> {
        self.inner.lock().unwrap().senders.clone()
    }

    pub fn local_ids_seen(&self) -> Vec<String> {
        self.inner.lock().unwrap().local_ids_seen.clone()
    }

    pub fn send_calls(&self) -> usize {
        self.inner.lock().unwrap().send_calls
    }

    /// Sets the state the status call reports for every message sent so far.
    pub fn set_all_states(&self, status: i32) {
        let mut inner = self.inner.lock().unwrap();
        for state in inner.states.values_mut() {
            *state = status;
        }
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }

    /// Sets the credit `account/info` reports, in rials.
    pub fn set_credit(&self, rials: f64) {
        self.inner.lock().unwrap().credit = rials;
    }
}

/// `account/info`: `entries` is one object, the account's remaining credit and its expiry.
async fn account_info(State(inner): State<Arc<Mutex<Inner>>>, Path(key): Path<String>) -> (StatusCode, String) {
    if key != API_KEY {
        return answer(403, "کلید API نامعتبر است", vec![]);
    }
    let credit = inner.lock().unwrap().credit;
    let body = json!({"return": {"status": 200, "message": "تایید شد"},
                      "entries": {"remaincredit": credit, "expiredate": 1_893_456_000, "type": "master"}});
    (StatusCode::OK, body.to_string())
}

fn answer(status: u16, message: &str, entries: Vec<Value>) -> (StatusCode, String) {
    let body = json!({"return": {"status": status, "message": message}, "entries": entries});
    (StatusCode::from_u16(status).unwrap(), body.to_string())
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((key, method)): Path<(String, String)>,
    body: Bytes,
) -> (StatusCode, String) {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mut inner = inner.lock().unwrap();
    if key != API_KEY {
        return answer(403, "کلید API نامعتبر است", vec![]);
    }
    let sending = matches!(method.as_str(), "send.json" | "sendarray.json");
    if sending {
        inner.send_calls += 1;
        if let Some(fault) = inner.faults.pop_front() {
            return answer(fault, "fault", vec![]);
        }
    }
    match method.as_str() {
        "send.json" => {
            let (Some(receptor), Some(message)) = (form.get("receptor"), form.get("message")) else {
                inner
                    .violations
                    .push(format!("send without receptor or message: {form:?}"));
                return answer(406, "پارامترهای اجباری خالی است", vec![]);
            };
            let local = form.get("localid").cloned().unwrap_or_default();
            let sender = form.get("sender").cloned().unwrap_or_default();
            inner.senders.push((receptor.clone(), sender));
            let entry = send(&mut inner, receptor, message, &local);
            match entry {
                Ok(entry) => answer(200, "تایید شد", vec![entry]),
                Err(status) => answer(status, "receptor", vec![]),
            }
        }
        "sendarray.json" => {
            let parse = |name: &str| -> Option<Vec<String>> { serde_json::from_str(form.get(name)?).ok() };
            let (Some(receptors), Some(messages)) = (parse("receptor"), parse("message")) else {
                inner.violations.push("sendarray without JSON arrays".into());
                return answer(400, "پارامترها ناقص است", vec![]);
            };
            let senders = parse("sender").unwrap_or_default();
            let locals = parse("localmessageids").unwrap_or_default();
            if receptors.len() != messages.len()
                || (!senders.is_empty() && senders.len() != receptors.len())
                || (!locals.is_empty() && locals.len() != receptors.len())
            {
                inner.violations.push("sendarray arrays of different lengths".into());
                return answer(419, "طول آرایه‌ها برابر نیست", vec![]);
            }
            if receptors.len() > 200 {
                inner
                    .violations
                    .push(format!("sendarray with {} recipients", receptors.len()));
                return answer(414, "حجم درخواست بیش از حد مجاز است", vec![]);
            }
            // One bad receptor fails the whole call, as with the real service.
            if receptors.iter().any(|r| !valid_receptor(r)) {
                return answer(411, "گیرنده نامعتبر است", vec![]);
            }
            let mut entries = Vec::new();
            for (i, (receptor, message)) in receptors.iter().zip(&messages).enumerate() {
                let local = locals.get(i).cloned().unwrap_or_default();
                let sender = senders.get(i).cloned().unwrap_or_default();
                inner.senders.push((receptor.clone(), sender));
                entries.push(send(&mut inner, receptor, message, &local).expect("receptors checked"));
            }
            answer(200, "تایید شد", entries)
        }
        "status.json" => {
            let ids = form.get("messageid").cloned().unwrap_or_default();
            let entries = ids
                .split(',')
                .filter_map(|id| id.trim().parse::<i64>().ok())
                .map(|id| {
                    let status = inner.states.get(&id).copied().unwrap_or(100);
                    json!({"messageid": id, "status": status, "statustext": "state"})
                })
                .collect();
            answer(200, "تایید شد", entries)
        }
        other => {
            inner.violations.push(format!("unknown method {other}"));
            answer(404, "متد تعریف نشده است", vec![])
        }
    }
}

fn valid_receptor(r: &str) -> bool {
    r.len() == 11 && r.starts_with("09") && r.bytes().all(|b| b.is_ascii_digit())
}

fn send(inner: &mut Inner, receptor: &str, message: &str, local: &str) -> Result<Value, u16> {
    if !valid_receptor(receptor) {
        return Err(411);
    }
    if !local.is_empty() {
        inner.local_ids_seen.push(local.to_owned());
        if let Some(id) = inner.by_local_id.get(local) {
            let status = inner.states[id];
            return Ok(
                json!({"messageid": id, "message": message, "status": status, "statustext": "",
                             "sender": "10004346", "receptor": receptor, "date": 1_356_619_709, "cost": 120}),
            );
        }
    }
    inner.next_id += 1;
    let id = inner.next_id;
    if !local.is_empty() {
        inner.by_local_id.insert(local.to_owned(), id);
    }
    inner.states.insert(id, 1);
    inner
        .delivered
        .push((receptor.to_owned(), message.to_owned(), local.to_owned()));
    Ok(
        json!({"messageid": id, "message": message, "status": 1, "statustext": "در صف ارسال",
              "sender": "10004346", "receptor": receptor, "date": 1_356_619_709, "cost": 120}),
    )
}
