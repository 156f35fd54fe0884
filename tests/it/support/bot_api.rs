//! A fake Bot API on loopback. It checks every call the real teloxide client makes, and every
//! update it hands out, against the published Bot API description (a subset kept in
//! tests/fixtures), answers like the real server, long-polls `getUpdates`, and records what
//! the bot sent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};
use tokio::sync::Notify;

/// The token the tests configure; the fake refuses any other.
pub const TOKEN: &str = "123456:TEST-token";

/// A failure the fake answers a `sendMessage` with, as the real Bot API does.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// 429 with `retry_after` seconds.
    TooManyRequests(u32),
    /// 403: the user blocked the bot.
    Blocked,
    /// 500.
    ServerError,
}

/// A call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub params: Value,
    /// What the fake answered (the sent message, for the send methods).
    pub result: Value,
    /// When it arrived: when it reached the fake plus the network jitter drawn for it.
    #[allow(dead_code)] // read by the checks of Telegram's limit, below
    pub at: std::time::Instant,
    /// When it reached the fake, before any jitter: when the bot sent it.
    pub reached: std::time::Instant,
    /// The Host header it came with: which of several bot clients made it.
    #[allow(dead_code)] // read by the tests under load
    pub host: String,
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<Value>,
    /// Updates to hand out again with the next `getUpdates`, whatever its offset.
    redeliver: VecDeque<Value>,
    next_update_id: i64,
    next_message_id: i64,
    calls: Vec<Call>,
    /// Calls made, by method, kept apart so a benchmark can poll them without a scan.
    counts: std::collections::HashMap<String, usize>,
    violations: Vec<String>,
    /// The offset of the latest `getUpdates`: everything below it has been handled.
    polled_offset: i64,
    /// Failures to answer the next `sendMessage` calls to a chat with.
    faults: std::collections::HashMap<i64, VecDeque<Fault>>,
    /// `sendMessage` calls answered with a fault.
    failed_sends: usize,
    /// Messages allowed in any one-second window, as Telegram enforces; `None`: no limit.
    rate_limit: Option<usize>,
    /// When each accepted `sendMessage` arrived, in order, over the last two seconds.
    recent_sends: Vec<std::time::Instant>,
    /// `sendMessage` calls refused for going over `rate_limit`.
    rate_refusals: usize,
    /// How long each `sendMessage` takes to answer (a distant server's latency).
    send_latency: Duration,
    /// `sendMessage` calls being answered now, and the most there were at once.
    sends_in_progress: usize,
    most_sends_at_once: usize,
    /// Network jitter: each `sendMessage` arrives (and is counted against `rate_limit`) up to
    /// twice this late, at random.
    jitter: Duration,
}

/// A running fake.
#[derive(Clone)]
pub struct FakeBotApi {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    spec: Arc<Value>,
    pushed: Arc<Notify>,
    polled: Arc<Notify>,
}

impl FakeBotApi {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener)
    }

    fn serve(listener: tokio::net::TcpListener) -> Self {
        let spec_text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/bot-api-subset.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the Bot API description");
        let fake = Self {
            url: format!("http://{}", listener.local_addr().unwrap()),
            inner: Arc::new(Mutex::new(Inner {
                next_update_id: 1000,
                next_message_id: 1,
                ..Inner::default()
            })),
            spec: Arc::new(serde_json::from_str(&spec_text).unwrap()),
            pushed: Arc::new(Notify::new()),
            polled: Arc::new(Notify::new()),
        };
        let router = Router::new().route("/{*path}", any(handle)).with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        fake
    }

    /// Queues an update (its `update_id` is assigned here) after checking its shape.
    pub fn push(&self, mut update: Value) -> i64 {
        let id = {
            let mut inner = self.inner.lock().unwrap();
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            update["update_id"] = json!(id);
            if let Err(problem) = check(&self.spec, &update, &[json!("Update")]) {
                inner.violations.push(format!("produced update: {problem}"));
            }
            inner.queue.push_back(update);
            id
        };
        self.pushed.notify_waiters();
        id
    }

    /// Hands an already-delivered update out once more, as the Bot API may.
    pub fn redeliver(&self, update_id: i64) {
        let mut inner = self.inner.lock().unwrap();
        let update = inner
            .queue
            .iter()
            .find(|u| u["update_id"] == json!(update_id))
            .cloned()
            .expect("known update");
        inner.redeliver.push_back(update);
        drop(inner);
        self.pushed.notify_waiters();
    }

    /// Waits until the bot has polled past `update_id`, i.e. has stored it (handling it may
    /// still be under way: see `service::handled`).
    pub async fn wait_stored(&self, update_id: i64) {
        let wait = async {
            loop {
                let notified = self.polled.notified();
                if self.inner.lock().unwrap().polled_offset > update_id {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .expect("the bot stores the update within 30 s");
    }

    /// Waits until the bot has fetched the redelivered updates and polled again.
    pub async fn wait_redelivered(&self) {
        let wait = async {
            loop {
                let notified = self.polled.notified();
                if self.inner.lock().unwrap().redeliver.is_empty() {
                    break;
                }
                notified.await;
            }
            // One more poll: the batch with the redelivered update has been stored.
            self.polled.notified().await;
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .expect("the bot polls again within 30 s");
    }

    /// Answers the next `sendMessage` to `chat_id` with `fault`.
    pub fn fail_next(&self, chat_id: i64, fault: Fault) {
        self.inner
            .lock()
            .unwrap()
            .faults
            .entry(chat_id)
            .or_default()
            .push_back(fault);
    }

    /// Answers each `sendMessage` only after `latency`, as a distant server would.
    pub fn delay_sends(&self, latency: Duration) {
        self.inner.lock().unwrap().send_latency = latency;
    }

    /// The most `sendMessage` calls that were under way at one time.
    pub fn most_sends_at_once(&self) -> usize {
        self.inner.lock().unwrap().most_sends_at_once
    }

    pub fn failed_sends(&self) -> usize {
        self.inner.lock().unwrap().failed_sends
    }

    /// How many calls of `method` (as the description spells it) the bot made; benchmarks poll this.
    pub fn count(&self, method: &str) -> usize {
        self.inner.lock().unwrap().counts.get(method).copied().unwrap_or(0)
    }

    pub fn calls(&self, method: &str) -> Vec<Call> {
        self.inner
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .cloned()
            .collect()
    }

    /// Messages sent to a chat, oldest first.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Value> {
        self.calls("sendMessage")
            .into_iter()
            .map(|c| c.params)
            .filter(|p| p["chat_id"] == json!(chat_id))
            .collect()
    }

    /// Calls or updates that broke the Bot API description.
    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }

    fn next_message_id(&self) -> i64 {
        let mut inner = self.inner.lock().unwrap();
        inner.next_message_id += 1;
        inner.next_message_id
    }
}

/// Telegram's limit and a network's jitter, and a start on a chosen address: the tests under
/// load and the delivery bench, binaries of their own, use these; the integration tests do not.
#[allow(dead_code)]
impl FakeBotApi {
    /// A fake on `address` (one a test kept free, to start the fake after the bot).
    pub async fn start_on(address: std::net::SocketAddr) -> Self {
        Self::serve(tokio::net::TcpListener::bind(address).await.unwrap())
    }

    /// Refuses `sendMessage` beyond `per_second` messages in any one-second window.
    pub fn enforce_rate(&self, per_second: usize) {
        self.inner.lock().unwrap().rate_limit = Some(per_second);
    }

    /// Takes any limit on `sendMessage` off, and stops counting arrivals for it (which, at
    /// thousands a second, costs the fake more than the sends).
    pub fn lift_rate_limit(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.rate_limit = None;
        inner.recent_sends.clear();
    }

    /// Delays each `sendMessage` by a random 0 to 2 × `jitter` before it is counted, as a
    /// network moves arrivals by ± `jitter` around their mean.
    pub fn jitter_arrivals(&self, jitter: Duration) {
        self.inner.lock().unwrap().jitter = jitter;
    }

    /// Most `sendMessage` calls accepted in any one second window so far.
    pub fn most_sends_in_a_second(&self) -> usize {
        let inner = self.inner.lock().unwrap();
        let mut times: Vec<std::time::Instant> = inner
            .calls
            .iter()
            .filter(|c| c.method == "sendMessage")
            .map(|c| c.at)
            .collect();
        times.sort();
        let mut most = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end].duration_since(times[start]) >= Duration::from_secs(1) {
                start += 1;
            }
            most = most.max(end - start + 1);
        }
        most
    }

    pub fn rate_refusals(&self) -> usize {
        self.inner.lock().unwrap().rate_refusals
    }

    /// Forgets the calls recorded so far (long benchmark runs).
    pub fn clear_calls(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.calls.clear();
        inner.counts.clear();
    }
}

async fn handle(
    State(fake): State<FakeBotApi>,
    Path(path): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let Some((token, method)) = path.strip_prefix("bot").and_then(|p| p.split_once('/')) else {
        return error(404, "Not Found").into_response();
    };
    if token != TOKEN {
        return error(401, "Unauthorized").into_response();
    }
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let params: Value = if body.is_empty() {
        json!({})
    } else if let Some(boundary) = content_type.split("boundary=").nth(1) {
        form_data(&body, boundary.trim_matches('"'))
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    let problem = check_call(&fake.spec, method, &params);
    let canonical = canonical_method(&fake.spec, method).unwrap_or(method).to_owned();
    let reached = std::time::Instant::now();
    // A send arrives when it reached the fake plus the jitter drawn for it. The arrival is
    // computed, not read from the clock after the sleep: on a busy machine the fake's own
    // timer runs late, and that is no network's doing.
    let arrival = reached + arrival_jitter(&fake, &canonical);
    if arrival > reached {
        tokio::time::sleep_until(arrival.into()).await;
    }
    let call_index = {
        let mut inner = fake.inner.lock().unwrap();
        if let Err(problem) = &problem {
            inner.violations.push(format!("{method}: {problem}"));
        }
        if canonical == "sendMessage" && problem.is_ok() {
            if let Some(limit) = inner.rate_limit
                && over_the_limit(&mut inner.recent_sends, arrival, limit)
            {
                inner.rate_refusals += 1;
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(json!({"ok": false, "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}})),
                )
                    .into_response();
            }
            let chat = params["chat_id"].as_i64().unwrap_or_default();
            if let Some(fault) = inner.faults.get_mut(&chat).and_then(VecDeque::pop_front) {
                inner.failed_sends += 1;
                return match fault {
                    Fault::TooManyRequests(wait) => (
                        StatusCode::TOO_MANY_REQUESTS,
                        axum::Json(json!({"ok": false, "error_code": 429,
                            "description": format!("Too Many Requests: retry after {wait}"),
                            "parameters": {"retry_after": wait}})),
                    ),
                    Fault::Blocked => error(403, "Forbidden: bot was blocked by the user"),
                    Fault::ServerError => error(500, "Internal Server Error"),
                }
                .into_response();
            }
        }
        *inner.counts.entry(canonical.clone()).or_default() += 1;
        inner.calls.push(Call {
            method: canonical.clone(),
            params: params.clone(),
            result: Value::Null,
            at: arrival,
            reached,
            host: host.clone(),
        });
        inner.calls.len() - 1
    };
    if let Err(problem) = problem {
        return error(400, &format!("Bad Request: {problem}")).into_response();
    }
    let result = match canonical.as_str() {
        "getUpdates" => get_updates(&fake, &params).await,
        "sendMessage" => sent_message(&fake, &params).await,
        "editMessageText" => edited_message(&params),
        "sendDocument" => sent_document(&fake, &params),
        "getMe" => {
            json!({"id": 123456, "is_bot": true, "first_name": "peygir", "username": "peygir_bot"})
        }
        _ => json!(true),
    };
    // The answer is written before the result moves into the record, rather than copied.
    let answer = axum::Json(Answer {
        ok: true,
        result: &result,
    })
    .into_response();
    // Calls cleared meanwhile (a benchmark between runs) take no result.
    if let Some(call) = fake.inner.lock().unwrap().calls.get_mut(call_index) {
        call.result = result;
    }
    answer
}

/// The network jitter of one call: a random 0 to 2 × the configured jitter for `sendMessage`.
fn arrival_jitter(fake: &FakeBotApi, method: &str) -> Duration {
    let jitter = fake.inner.lock().unwrap().jitter;
    if method != "sendMessage" || jitter.is_zero() {
        return Duration::ZERO;
    }
    let mut byte = [0u8; 1];
    getrandom::fill(&mut byte).unwrap();
    jitter.mul_f64(2.0 * f64::from(byte[0]) / 255.0)
}

/// Whether a send arriving at `arrival` would put more than `limit` sends in some one-second
/// window; if not, it is recorded. Arrivals can be handled a little out of order, so every
/// window that holds it is checked, not only the one ending at it.
fn over_the_limit(arrivals: &mut Vec<std::time::Instant>, arrival: std::time::Instant, limit: usize) -> bool {
    let second = Duration::from_secs(1);
    if let Some(newest) = arrivals.last().copied() {
        arrivals.retain(|t| newest.duration_since(*t) < 2 * second);
    }
    let at = arrivals.partition_point(|t| *t <= arrival);
    arrivals.insert(at, arrival);
    let crowded = arrivals.iter().any(|start| {
        *start <= arrival
            && arrival.duration_since(*start) < second
            && arrivals
                .iter()
                .filter(|t| **t >= *start && t.duration_since(*start) < second)
                .count()
                > limit
    });
    if crowded {
        arrivals.remove(at);
    }
    crowded
}

#[derive(serde::Serialize)]
struct Answer<'a> {
    ok: bool,
    result: &'a Value,
}

/// The chat a message to `chat_id` is in: negative ids are groups, as on Telegram.
fn chat(chat_id: &Value) -> Value {
    if chat_id.as_i64().is_some_and(|id| id < 0) {
        json!({"id": chat_id, "type": "supergroup", "title": "Staff"})
    } else {
        json!({"id": chat_id, "type": "private", "first_name": "Applicant"})
    }
}

fn edited_message(params: &Value) -> Value {
    let mut message = text_message(params["message_id"].clone(), params);
    message["edit_date"] = json!(1_760_000_100);
    message
}

fn sent_document(fake: &FakeBotApi, params: &Value) -> Value {
    let file_id = params["document"].as_str().unwrap_or("uploaded").to_owned();
    json!({
        "message_id": fake.next_message_id(),
        "date": 1_760_000_000,
        "chat": chat(&params["chat_id"]),
        "from": {"id": 123456, "is_bot": true, "first_name": "peygir"},
        "document": {"file_id": file_id, "file_unique_id": format!("u-{file_id}")},
        "caption": params["caption"],
    })
}

async fn get_updates(fake: &FakeBotApi, params: &Value) -> Value {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0));
    let deadline = tokio::time::Instant::now() + timeout;
    let batch = loop {
        let pushed = fake.pushed.notified();
        {
            let mut inner = fake.inner.lock().unwrap();
            // Every update below the offset is confirmed, as getUpdates documents.
            inner.polled_offset = inner.polled_offset.max(offset);
            let mut batch: Vec<Value> = inner.redeliver.drain(..).collect();
            batch.extend(
                inner
                    .queue
                    .iter()
                    .filter(|u| u["update_id"].as_i64().unwrap() >= offset)
                    .take(100)
                    .cloned(),
            );
            if !batch.is_empty() {
                break batch;
            }
        }
        fake.polled.notify_waiters();
        if tokio::time::timeout_at(deadline, pushed).await.is_err() {
            break Vec::new();
        }
    };
    fake.polled.notify_waiters();
    Value::Array(batch)
}

async fn sent_message(fake: &FakeBotApi, params: &Value) -> Value {
    let latency = {
        let mut inner = fake.inner.lock().unwrap();
        inner.sends_in_progress += 1;
        inner.most_sends_at_once = inner.most_sends_at_once.max(inner.sends_in_progress);
        inner.send_latency
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    fake.inner.lock().unwrap().sends_in_progress -= 1;
    text_message(json!(fake.next_message_id()), params)
}

/// The message a text the bot sent (or edited) becomes, keeping its inline keyboard.
fn text_message(message_id: Value, params: &Value) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "date": 1_760_000_000,
        "chat": chat(&params["chat_id"]),
        "from": {"id": 123456, "is_bot": true, "first_name": "peygir"},
        "text": params["text"],
    });
    if params["reply_markup"]["inline_keyboard"].is_array() {
        message["reply_markup"] = params["reply_markup"].clone();
    }
    message
}

/// Reads a `multipart/form-data` body. The Bot API takes every value there as text, with
/// structured values JSON-serialized, so each is read back as JSON where it parses as such.
fn form_data(body: &[u8], boundary: &str) -> Value {
    let body = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head.split("name=\"").nth(1).and_then(|n| n.split('"').next()) else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let parsed = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        fields.insert(name.to_owned(), parsed);
    }
    Value::Object(fields)
}

fn error(code: u16, description: &str) -> (StatusCode, axum::Json<Value>) {
    let status = StatusCode::from_u16(code).unwrap();
    (
        status,
        axum::Json(json!({"ok": false, "error_code": code, "description": description})),
    )
}

/// Method names are case-insensitive in the Bot API.
fn canonical_method<'s>(spec: &'s Value, method: &str) -> Option<&'s str> {
    spec["methods"]
        .as_object()?
        .keys()
        .find(|m| m.eq_ignore_ascii_case(method))
        .map(String::as_str)
}

fn check_call(spec: &Value, method: &str, params: &Value) -> Result<(), String> {
    let name = canonical_method(spec, method).ok_or_else(|| format!("unknown method {method}"))?;
    let fields = spec["methods"][name]["fields"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    check_fields(spec, params, fields)
}

// The checks below run on every call the benchmark makes, thousands a second on the same
// cores as the dispatcher it measures: they borrow the description rather than copy it, and
// write a message only for a value that fails.

fn check_fields(spec: &Value, object: &Value, fields: &[Value]) -> Result<(), String> {
    let object = object.as_object().ok_or("expected an object")?;
    for key in object.keys() {
        if !fields.iter().any(|f| f["name"].as_str() == Some(key.as_str())) {
            return Err(format!("unknown field `{key}`"));
        }
    }
    for field in fields {
        let name = field["name"].as_str().unwrap();
        match object.get(name) {
            None if field["required"].as_bool() == Some(true) => {
                return Err(format!("missing required field `{name}`"));
            }
            None => {}
            Some(value) => {
                let types = field["types"].as_array().unwrap();
                check(spec, value, types).map_err(|e| format!("`{name}`: {e}"))?;
            }
        }
    }
    Ok(())
}

/// Checks a value against any of the described types (names, as the description lists them).
fn check(spec: &Value, value: &Value, types: &[Value]) -> Result<(), String> {
    let names = || types.iter().map(|t| t.as_str().unwrap());
    if names().any(|ty| check_one(spec, value, ty).is_ok()) {
        return Ok(());
    }
    let problems: Vec<String> = names().filter_map(|ty| check_one(spec, value, ty).err()).collect();
    Err(problems.join(" / "))
}

fn check_one(spec: &Value, value: &Value, ty: &str) -> Result<(), String> {
    if let Some(element) = ty.strip_prefix("Array of ") {
        let items = value.as_array().ok_or_else(|| format!("expected {ty}"))?;
        return items.iter().try_for_each(|item| check_one(spec, item, element));
    }
    let fits = match ty {
        "Integer" => value.is_i64() || value.is_u64(),
        "Float" => value.is_number(),
        "String" => value.is_string(),
        "Boolean" => value.is_boolean(),
        "True" => value.as_bool() == Some(true),
        "InputFile" => value.is_string() || value.is_object(),
        _ => {
            let described = &spec["types"][ty];
            if let Some(subtypes) = described["subtypes"].as_array() {
                return check(spec, value, subtypes);
            }
            if let Some(fields) = described["fields"].as_array() {
                return check_fields(spec, value, fields).map_err(|e| format!("{ty}: {e}"));
            }
            // A type outside the kept subset: only its being an object is checked.
            value.is_object()
        }
    };
    if fits {
        Ok(())
    } else {
        Err(format!("expected {ty}, got {value}"))
    }
}

/// Updates as Telegram sends them for a user in a private chat.
pub mod updates {
    use serde_json::{Value, json};

    fn user(chat_id: i64) -> Value {
        json!({"id": chat_id, "is_bot": false, "first_name": "Applicant", "language_code": "fa"})
    }

    fn message(chat_id: i64, extra: Value) -> Value {
        let mut message = json!({
            "message_id": 1,
            "date": 1_760_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Applicant"},
            "from": user(chat_id),
        });
        message
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"message": message})
    }

    pub fn text(chat_id: i64, text: &str) -> Value {
        message(chat_id, json!({"text": text}))
    }

    /// A text from a user whose app reports `language_code`.
    pub fn text_in(chat_id: i64, text: &str, language_code: &str) -> Value {
        let mut update = message(chat_id, json!({"text": text}));
        update["message"]["from"]["language_code"] = json!(language_code);
        update
    }

    pub fn contact(chat_id: i64, phone: &str) -> Value {
        message(
            chat_id,
            json!({"contact": {"phone_number": phone, "first_name": "Applicant", "user_id": chat_id}}),
        )
    }

    pub fn document(chat_id: i64, name: &str, mime: &str, size: u64) -> Value {
        message(
            chat_id,
            json!({"document": {"file_id": format!("file-{name}"), "file_unique_id": format!("u-{name}"),
                                 "file_name": name, "mime_type": mime, "file_size": size}}),
        )
    }

    pub fn group_text(chat_id: i64, text: &str) -> Value {
        json!({"message": {
            "message_id": 1, "date": 1_760_000_000, "text": text, "from": user(7),
            "chat": {"id": chat_id, "type": "supergroup", "title": "Staff"},
        }})
    }

    fn staff_member(user_id: i64) -> Value {
        json!({"id": user_id, "is_bot": false, "first_name": "Reviewer", "language_code": "fa"})
    }

    /// A press by `user_id` in the staff group on a button of `card` (the message as sent).
    pub fn group_press(user_id: i64, data: &str, card: &Value) -> Value {
        json!({"callback_query": {
            "id": format!("cb-{user_id}-{}", card["message_id"]),
            "from": staff_member(user_id),
            "chat_instance": "staff",
            "data": data,
            "message": card,
        }})
    }

    /// A message `text` by `user_id` in the staff group `chat_id` (a command, say).
    pub fn group_message(chat_id: i64, user_id: i64, text: &str) -> Value {
        json!({"message": {
            "message_id": 8000, "date": 1_760_000_000, "text": text, "from": staff_member(user_id),
            "chat": {"id": chat_id, "type": "supergroup", "title": "Staff"},
        }})
    }

    /// A reply by `user_id` in the staff group to `to` (a message the bot sent there).
    pub fn group_reply(user_id: i64, text: &str, to: &Value) -> Value {
        json!({"message": {
            "message_id": 9000, "date": 1_760_000_000, "text": text, "from": staff_member(user_id),
            "chat": to["chat"], "reply_to_message": to,
        }})
    }

    /// A press on a button of `on_message`, a message the bot sent.
    pub fn press(chat_id: i64, data: &str, on_message: &Value) -> Value {
        json!({"callback_query": {
            "id": format!("cb-{data}"),
            "from": user(chat_id),
            "chat_instance": "instance",
            "data": data,
            "message": {
                "message_id": 2,
                "date": 1_760_000_000,
                "chat": {"id": chat_id, "type": "private", "first_name": "Applicant"},
                "from": {"id": 123456, "is_bot": true, "first_name": "peygir"},
                "text": on_message["text"],
                "reply_markup": on_message["reply_markup"],
            },
        }})
    }
}
