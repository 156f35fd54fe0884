//! Bale's Safir (docs.bale.ai/safir): a message from the directorate's Bale bot to a phone
//! number, delivered in Bale to whoever holds that number there, whether or not they ever
//! started the bot. `POST /api/v3/send_message` with the organisation's key in the
//! `api-access-key` header and `{request_id, bot_id, phone_number, message_data: {message:
//! {text}}}`; the answer is `{message_id, error_data}`, `error_data` listing per number what
//! went wrong. `request_id` makes a repeated request send nothing new: it is the notice's id,
//! as Kavenegar's `localid` is. A one-time code goes as Safir's `otp_message`, which Bale shows
//! with the bot's name and a button to copy it. Safir reports no delivery: a message it took
//! stays "sent".

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;

use super::{Accepted, Report, Sms, SmsError, client, transport_error};

#[derive(Clone)]
pub struct Safir {
    http: reqwest::Client,
    url: url::Url,
    /// The key, marked sensitive so that it stays out of debug output.
    headers: HeaderMap,
    bot_id: i64,
}

impl std::fmt::Debug for Safir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Safir")
            .field("bot_id", &self.bot_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct Answer {
    message_id: Option<String>,
    #[serde(default)]
    error_data: Option<Vec<ErrorInfo>>,
}

#[derive(Debug, Deserialize)]
struct ErrorInfo {
    code: i32,
    #[serde(default)]
    description: String,
}

/// Sorts Safir's documented error codes by what to do next.
fn classify(code: i32, description: &str) -> SmsError {
    let text = format!("safir {code} {description}").trim().to_owned();
    match code {
        // InternalServerError.
        2 => SmsError::Temporary(text),
        // RateLimitExceeded.
        3 => SmsError::RetryAfter(Duration::from_secs(10)),
        // NotBaleUser: this number has no Bale account; another channel may reach it.
        17 => SmsError::NotReachable(text),
        // PaymentRequired, MaximumContactLimitReached: nothing goes until someone acts.
        20 | 21 => SmsError::Unavailable(text),
        // InvalidInput, InvalidPhone, and codes not documented.
        _ => SmsError::Permanent(text),
    }
}

impl Safir {
    pub fn new(base_url: &str, api_key: &str, bot_id: i64) -> anyhow::Result<Self> {
        let url = url::Url::parse(base_url)?.join("api/v3/send_message")?;
        let mut key = HeaderValue::from_str(api_key)?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("api-access-key", key);
        Ok(Self {
            http: client()?,
            url,
            headers,
            bot_id,
        })
    }

    /// Sends one message: the provider takes one per call.
    pub async fn send_one(&self, sms: &Sms) -> Result<Accepted, SmsError> {
        let message_data = match &sms.one_time_code {
            Some(code) => json!({"otp_message": {"otp": code}}),
            None => json!({"message": {"text": sms.text}}),
        };
        let body = json!({
            "request_id": format!("peygir-{}", sms.local_id),
            "bot_id": self.bot_id,
            // 98 and the ten digits, no plus sign.
            "phone_number": &sms.to.e164()[1..],
            "message_data": message_data,
        });
        let response = self
            .http
            .post(self.url.clone())
            .headers(self.headers.clone())
            .json(&body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport_error)?;
        let answer: Option<Answer> = serde_json::from_slice(&bytes).ok();
        if let Some(error) = answer
            .as_ref()
            .and_then(|a| a.error_data.as_ref())
            .and_then(|errors| errors.first())
        {
            return Err(classify(error.code, &error.description));
        }
        match (status.as_u16(), answer) {
            (
                200..=299,
                Some(Answer {
                    message_id: Some(id), ..
                }),
            ) => Ok(Accepted {
                provider_id: Some(id),
                state: Report::Sent,
            }),
            (401 | 403, _) => Err(SmsError::Unavailable(format!("safir answered HTTP {status}"))),
            (429, _) => Err(SmsError::RetryAfter(Duration::from_secs(10))),
            (500..=599, _) => Err(SmsError::Temporary(format!("safir answered HTTP {status}"))),
            // The key refused comes back as a bare string.
            _ if bytes.as_ref() == b"\"invalid_access_key\"" => {
                Err(SmsError::Unavailable("safir: invalid access key".into()))
            }
            _ => Err(SmsError::Temporary(format!(
                "safir answered HTTP {status} without a message id"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_sort_by_who_can_fix_them() {
        assert!(matches!(classify(17, "not a Bale user"), SmsError::NotReachable(_)));
        assert!(matches!(classify(20, "credit"), SmsError::Unavailable(_)));
        assert!(matches!(classify(3, ""), SmsError::RetryAfter(_)));
        assert!(matches!(classify(2, ""), SmsError::Temporary(_)));
        assert!(matches!(classify(8, "phone"), SmsError::Permanent(_)));
    }

    #[test]
    fn the_key_stays_out_of_debug_output() {
        let g = Safir::new("http://127.0.0.1:1", "SECRET-KEY", 361_469_114).unwrap();
        assert!(!format!("{g:?}").contains("SECRET"));
    }
}
