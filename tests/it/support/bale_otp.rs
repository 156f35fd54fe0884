//! A fake of Bale's OTP service on loopback, speaking its documented API (docs.bale.ai/gateway):
//! `POST /api/v2/auth/token`, form-encoded `grant_type=client_credentials`, `client_id`,
//! `client_secret` and `scope=read`, answered `{access_token, expires_in, scope, token_type}`
//! (401 for a wrong id or secret); then `POST /api/v2/send_otp` with `Authorization: Bearer` and
//! JSON `{phone: "98…", otp: <number of 3 to 8 digits>}`, answered `{balance}`, or refused with
//! `{code, message}`: 404/17 a number with no Bale account, 402/20 no credit, 401 a token it
//! does not know. It checks every call and records each code delivered.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "peygir-test";
pub const CLIENT_SECRET: &str = "TEST-BALE-OTP-SECRET";

#[derive(Default)]
struct Inner {
    /// Tokens it handed out and still honours.
    tokens: HashSet<String>,
    issued: usize,
    not_on_bale: HashSet<String>,
    out_of_credit: bool,
    /// Every code delivered: (phone 98…, code).
    delivered: Vec<(String, u64)>,
    send_calls: usize,
    violations: Vec<String>,
}

#[derive(Clone)]
pub struct FakeBaleOtp {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeBaleOtp {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let (for_token, for_send) = (inner.clone(), inner.clone());
        let router = Router::new()
            .route(
                "/api/v2/auth/token",
                post(move |headers: HeaderMap, body: Bytes| async move { token(&for_token, &headers, &body) }),
            )
            .route(
                "/api/v2/send_otp",
                post(move |headers: HeaderMap, body: Bytes| async move { send(&for_send, &headers, &body) }),
            );
        let url = super::serve_on_loopback(router).await;
        Self { url, inner }
    }

    /// The holder of `local` (09…) has no Bale account.
    pub fn not_on_bale(&self, local: &str) {
        self.inner
            .lock()
            .unwrap()
            .not_on_bale
            .insert(format!("98{}", &local[1..]));
    }

    pub fn set_out_of_credit(&self, out: bool) {
        self.inner.lock().unwrap().out_of_credit = out;
    }

    /// Forgets every token handed out, as a revocation would.
    pub fn revoke_tokens(&self) {
        self.inner.lock().unwrap().tokens.clear();
    }

    pub fn delivered(&self) -> Vec<(String, u64)> {
        self.inner.lock().unwrap().delivered.clone()
    }

    pub fn tokens_issued(&self) -> usize {
        self.inner.lock().unwrap().issued
    }

    pub fn send_calls(&self) -> usize {
        self.inner.lock().unwrap().send_calls
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().unwrap().violations.clone()
    }
}

fn token(inner: &Mutex<Inner>, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
    let mut inner = inner.lock().unwrap();
    let form_encoded = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        inner.violations.push("a token request that is not form-encoded".into());
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    for (field, wanted) in [("grant_type", "client_credentials"), ("scope", "read")] {
        if form.get(field).map(String::as_str) != Some(wanted) {
            inner
                .violations
                .push(format!("token request {field} = {:?}", form.get(field)));
        }
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return (StatusCode::UNAUTHORIZED, json!({"error": "invalid_client"}).to_string());
    }
    inner.issued += 1;
    let token = format!("eyJ.fake.{}", inner.issued);
    inner.tokens.insert(token.clone());
    let answer = json!({"access_token": token, "expires_in": 43_200, "scope": "read", "token_type": "bearer"});
    (StatusCode::OK, answer.to_string())
}

fn refusal(status: StatusCode, code: i32, message: &str) -> (StatusCode, String) {
    (status, json!({"code": code, "message": message}).to_string())
}

fn send(inner: &Mutex<Inner>, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
    let mut inner = inner.lock().unwrap();
    inner.send_calls += 1;
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    if !bearer.is_some_and(|token| inner.tokens.contains(&token)) {
        return refusal(StatusCode::UNAUTHORIZED, 401, "invalid token");
    }
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        inner.violations.push("a send_otp body that is not JSON".into());
        return refusal(StatusCode::BAD_REQUEST, 4, "InvalidInput");
    };
    let phone = body["phone"].as_str().unwrap_or_default().to_owned();
    if !(phone.len() == 12 && phone.starts_with("989") && phone.bytes().all(|b| b.is_ascii_digit())) {
        inner.violations.push(format!("phone {:?}", body["phone"]));
        return refusal(StatusCode::BAD_REQUEST, 8, "InvalidPhone");
    }
    let Some(otp) = body["otp"].as_u64().filter(|n| (100..100_000_000).contains(n)) else {
        inner
            .violations
            .push(format!("otp {} is not a number of 3 to 8 digits", body["otp"]));
        return refusal(StatusCode::BAD_REQUEST, 4, "InvalidInput");
    };
    if inner.out_of_credit {
        return refusal(StatusCode::PAYMENT_REQUIRED, 20, "PaymentRequired");
    }
    if inner.not_on_bale.contains(&phone) {
        return refusal(StatusCode::NOT_FOUND, 17, "NotBaleUser");
    }
    inner.delivered.push((phone, otp));
    (
        StatusCode::OK,
        json!({"balance": 1000 - inner.delivered.len()}).to_string(),
    )
}
