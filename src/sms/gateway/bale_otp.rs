//! Bale's OTP service (docs.bale.ai/gateway): a one-time code delivered in Bale to whoever holds
//! the number there, in place of an SMS code, and cheaper than one. The organisation's client id
//! and secret buy a JWT (`POST /api/v2/auth/token`, form-encoded `client_credentials`, valid
//! `expires_in` seconds, about 12 hours); each code is then `POST /api/v2/send_otp` with the
//! token as `Bearer` and `{phone: "98…", otp: <digits as a number>}`, answered `{balance}`.
//! Refusals carry a code: 17 the number has no Bale account (the SMS providers then send it),
//! 20 no credit, 18 or HTTP 429 too many, 8 a number Bale cannot read. It reports no delivery:
//! a code it took stays "sent". Its credit is known only from the `balance` of its last answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::{Accepted, Report, Sms, SmsError, client, transport_error};

/// A token is fetched again this long before Bale says it expires, so that none goes out stale.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);

#[derive(Clone)]
pub struct BaleOtp {
    http: reqwest::Client,
    token_url: url::Url,
    send_url: url::Url,
    client_id: String,
    client_secret: SecretString,
    /// The token in use and until when, shared by clones (one fetch serves every send).
    token: Arc<Mutex<Option<(SecretString, Instant)>>>,
    /// The credit its last answer gave: the service has no call of its own for it.
    balance: Arc<std::sync::Mutex<Option<f64>>>,
}

impl std::fmt::Debug for BaleOtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BaleOtp")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct Sent {
    balance: Option<f64>,
}

#[derive(Deserialize)]
struct Refusal {
    code: Option<i32>,
    #[serde(default)]
    message: String,
}

/// Sorts a refusal by what to do next. Our numbers are checked Iranian mobiles: one Bale cannot
/// reach or read still goes by SMS.
fn classify(status: u16, code: Option<i32>, message: &str) -> SmsError {
    let text = match code {
        Some(code) => format!("bale-otp HTTP {status} code {code} {message}"),
        None => format!("bale-otp HTTP {status} {message}"),
    }
    .trim()
    .to_owned();
    match (status, code) {
        // Too many: per number or for the organisation.
        (429, _) | (_, Some(18)) => SmsError::RetryAfter(Duration::from_secs(60)),
        // No credit: nothing goes until someone pays.
        (402, _) | (_, Some(20)) => SmsError::Unavailable(text),
        // No Bale account behind the number, or a number Bale cannot read.
        (404, _) | (_, Some(17 | 8)) => SmsError::NotReachable(text),
        (401 | 403, _) => SmsError::Unavailable(text),
        (500..=599, _) => SmsError::Temporary(text),
        _ => SmsError::NotReachable(text),
    }
}

/// The code as the number Bale takes: 3 to 8 digits with no leading zero (a number would lose
/// it, and the applicant would read a code that does not match).
fn otp_number(code: &str) -> Option<u32> {
    let digits = (3..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit());
    (digits && !code.starts_with('0')).then(|| code.parse().ok()).flatten()
}

impl BaleOtp {
    pub fn new(base_url: &str, client_id: &str, client_secret: SecretString) -> anyhow::Result<Self> {
        let base = url::Url::parse(base_url)?;
        Ok(Self {
            http: client()?,
            token_url: base.join("api/v2/auth/token")?,
            send_url: base.join("api/v2/send_otp")?,
            client_id: client_id.to_owned(),
            client_secret,
            token: Arc::default(),
            balance: Arc::default(),
        })
    }

    /// The credit as the last code sent reported it; `None` before the first.
    pub fn last_balance(&self) -> Option<f64> {
        *self.balance.lock().expect("balance lock")
    }

    /// Sends one message: the provider takes one per call.
    pub async fn send_one(&self, sms: &Sms) -> Result<Accepted, SmsError> {
        let Some(otp) = sms.one_time_code.as_deref().and_then(otp_number) else {
            return Err(SmsError::NotReachable(
                "bale-otp carries one-time codes of 3 to 8 digits, the first not 0".into(),
            ));
        };
        let body = json!({"phone": &sms.to.e164()[1..], "otp": otp});
        let mut response = self.post_code(&body, false).await?;
        // A token Bale no longer takes (revoked, or its clock ahead of ours): one fresh try.
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            response = self.post_code(&body, true).await?;
        }
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            if let Some(balance) = serde_json::from_slice::<Sent>(&bytes)
                .ok()
                .and_then(|sent| sent.balance)
            {
                *self.balance.lock().expect("balance lock") = Some(balance);
            }
            return Ok(Accepted {
                provider_id: None,
                state: Report::Sent,
            });
        }
        let refusal: Option<Refusal> = serde_json::from_slice(&bytes).ok();
        let (code, message) = refusal.map_or((None, String::new()), |r| (r.code, r.message));
        Err(classify(status.as_u16(), code, &message))
    }

    async fn post_code(&self, body: &serde_json::Value, fresh_token: bool) -> Result<reqwest::Response, SmsError> {
        let token = self.token(fresh_token).await?;
        self.http
            .post(self.send_url.clone())
            .bearer_auth(token.expose_secret())
            .json(body)
            .send()
            .await
            .map_err(transport_error)
    }

    /// The token to send with: the one held while it has time left, else a new one.
    async fn token(&self, fresh: bool) -> Result<SecretString, SmsError> {
        let mut held = self.token.lock().await;
        if let Some((token, until)) = held.as_ref()
            && !fresh
            && Instant::now() + TOKEN_MARGIN < *until
        {
            return Ok(token.clone());
        }
        let response = self
            .http
            .post(self.token_url.clone())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
                ("scope", "read"),
            ])
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        if status.is_server_error() {
            return Err(SmsError::Temporary(format!("bale-otp token: HTTP {status}")));
        }
        if !status.is_success() {
            return Err(SmsError::Unavailable(format!(
                "bale-otp refused the client id or secret: HTTP {status}"
            )));
        }
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|err| SmsError::Temporary(format!("bale-otp token: {}", err.without_url())))?;
        let token = SecretString::from(answer.access_token);
        *held = Some((token.clone(), Instant::now() + Duration::from_secs(answer.expires_in)));
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_sort_by_who_can_fix_them() {
        assert!(matches!(
            classify(404, Some(17), "not a Bale user"),
            SmsError::NotReachable(_)
        ));
        assert!(matches!(classify(400, Some(8), "phone"), SmsError::NotReachable(_)));
        assert!(matches!(classify(402, Some(20), "credit"), SmsError::Unavailable(_)));
        assert!(matches!(classify(429, None, ""), SmsError::RetryAfter(_)));
        assert!(matches!(classify(400, Some(18), ""), SmsError::RetryAfter(_)));
        assert!(matches!(classify(502, None, ""), SmsError::Temporary(_)));
    }

    #[test]
    fn only_codes_a_number_keeps_whole_go_to_bale() {
        assert_eq!(otp_number("482913"), Some(482_913));
        assert_eq!(otp_number("048291"), None, "a number would drop the leading zero");
        assert_eq!(otp_number("12"), None);
        assert_eq!(otp_number("123456789"), None);
        assert_eq!(otp_number("۴۸۲۹۱۳"), None);
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let g = BaleOtp::new("http://127.0.0.1:1", "peygir", SecretString::from("SECRET")).unwrap();
        assert!(!format!("{g:?}").contains("SECRET"));
    }
}
