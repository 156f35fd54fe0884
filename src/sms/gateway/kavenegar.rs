//! Kavenegar's REST API (https://kavenegar.com/rest.html): `sms/send` for one recipient,
//! `sms/sendarray` for up to 200 different messages in one request, `sms/status` for delivery.
//! The API key is part of every URL, so URLs never reach an error message or a log.

use std::time::Duration;

use serde::Deserialize;

use super::{Accepted, Report, Sms, SmsError, client, transport_error};
use crate::sms::class::{Lines, line_for};

#[derive(Clone)]
pub struct Kavenegar {
    http: reqwest::Client,
    /// `{base}/v1/{key}/`, ending in a slash so that method paths join onto it.
    root: url::Url,
    sender: Option<String>,
    /// A line per message class; a class not named goes from `sender`.
    lines: Lines<String>,
    batch: usize,
}

impl std::fmt::Debug for Kavenegar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The root holds the API key.
        f.debug_struct("Kavenegar")
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

/// The answer to `account/info`, whose `entries` is one object, not a list.
#[derive(Debug, Deserialize)]
struct AccountEnvelope {
    #[serde(rename = "return")]
    result: ReturnStatus,
    entries: Option<AccountInfo>,
}

#[derive(Debug, Deserialize)]
struct AccountInfo {
    /// In rials.
    remaincredit: f64,
}

/// Kavenegar's answer to every call: `return` says how the call went, `entries` what it did.
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    #[serde(rename = "return")]
    result: ReturnStatus,
    #[serde(default = "Vec::new")]
    entries: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct ReturnStatus {
    status: u16,
    #[serde(default)]
    message: String,
}

#[derive(Debug, Deserialize)]
struct SentEntry {
    messageid: i64,
    status: i32,
    #[serde(default)]
    statustext: String,
}

#[derive(Debug, Deserialize)]
struct StatusEntry {
    messageid: i64,
    status: i32,
    #[serde(default)]
    statustext: String,
}

/// The per-message states Kavenegar reports, in answers and in delivery callbacks.
pub fn report(status: i32, text: &str) -> Report {
    match status {
        10 => Report::Delivered,
        // 14: filtered, the number on the operators' blacklist for advertising lines.
        14 => Report::Blacklisted(format!("kavenegar status {status} {text}").trim().to_owned()),
        // 6 failed, 11 undelivered, 13 cancelled, 100 unknown id.
        6 | 11 | 13 | 100 => Report::Failed(format!("kavenegar status {status} {text}").trim().to_owned()),
        // 1 queued, 2 scheduled, 4 and 5 handed to the operator.
        _ => Report::Sent,
    }
}

/// `return.status` for an invalid receptor: in a bulk call, one bad number fails them all.
const BAD_RECEPTOR: u16 = 411;

/// A failed call: Kavenegar's own status code when it gave one.
#[derive(Debug)]
enum CallError {
    Status(u16, String),
    Other(SmsError),
}

impl From<CallError> for SmsError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::Status(status, message) => classify(status, &message),
            CallError::Other(err) => err,
        }
    }
}

/// Sorts a failed call by Kavenegar's documented `return.status` codes.
fn classify(status: u16, message: &str) -> SmsError {
    let text = format!("kavenegar {status} {message}").trim().to_owned();
    match status {
        // 409 server busy, 429 and 451 too many calls, 5xx trouble on their side.
        409 | 429 | 451 => SmsError::RetryAfter(Duration::from_secs(10)),
        500..=599 => SmsError::Temporary(text),
        // 401 account disabled, 403 bad key, 412 bad sender line, 418 no credit: nothing goes
        // through this account until someone acts, whoever the recipient.
        401 | 403 | 412 | 418 => SmsError::Unavailable(text),
        // 400/406 bad parameters, 411 bad receptor, 413 text empty or too long, 414 too many
        // recipients, 422 bad characters, and anything else unknown: sending again will not help.
        _ => SmsError::Permanent(text),
    }
}

impl Kavenegar {
    pub fn new(
        base_url: &str,
        api_key: &str,
        sender: Option<String>,
        lines: Lines<String>,
        batch: usize,
    ) -> anyhow::Result<Self> {
        let base = url::Url::parse(base_url)?;
        let root = base.join(&format!("v1/{api_key}/"))?;
        Ok(Self {
            http: client()?,
            root,
            sender,
            lines,
            batch: batch.clamp(1, 200),
        })
    }

    pub fn batch_size(&self) -> usize {
        self.batch
    }

    pub async fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SmsError>> {
        let result = match batch {
            [] => return Vec::new(),
            [one] => self.send_one(one).await,
            many => self.send_array(many).await,
        };
        match result {
            Ok(accepted) => accepted,
            // One bad number fails a whole array: send each alone so only that one fails.
            Err(CallError::Status(BAD_RECEPTOR, _)) if batch.len() > 1 => {
                let mut results = Vec::with_capacity(batch.len());
                for sms in batch {
                    let single = self.send_one(sms).await.map_err(SmsError::from);
                    results.push(single.and_then(|mut v| v.pop().unwrap_or_else(|| Err(missing_entry()))));
                }
                results
            }
            Err(err) => {
                let err = SmsError::from(err);
                batch.iter().map(|_| Err(err.clone())).collect()
            }
        }
    }

    async fn send_one(&self, sms: &Sms) -> Result<Vec<Result<Accepted, SmsError>>, CallError> {
        let mut form = vec![
            ("receptor", sms.to.local()),
            ("message", sms.text.clone()),
            ("localid", sms.local_id.to_string()),
        ];
        if let Some(sender) = self.sender_of(sms) {
            form.push(("sender", sender.to_owned()));
        }
        let entries: Vec<SentEntry> = self.call("sms/send.json", &form).await?;
        Ok(accepted(entries, 1))
    }

    async fn send_array(&self, batch: &[Sms]) -> Result<Vec<Result<Accepted, SmsError>>, CallError> {
        let json = |values: Vec<String>| serde_json::to_string(&values).expect("strings serialise");
        let receptors = batch.iter().map(|s| s.to.local()).collect();
        let messages = batch.iter().map(|s| s.text.clone()).collect();
        let ids = batch.iter().map(|s| s.local_id.to_string()).collect();
        let senders = batch
            .iter()
            .map(|sms| self.sender_of(sms).unwrap_or_default().to_owned())
            .collect();
        let form = vec![
            ("receptor", json(receptors)),
            ("message", json(messages)),
            ("sender", json(senders)),
            ("localmessageids", json(ids)),
        ];
        let entries: Vec<SentEntry> = self.call("sms/sendarray.json", &form).await?;
        Ok(accepted(entries, batch.len()))
    }

    /// The line `sms` goes from: its class's, or the default (none: the account's own).
    fn sender_of(&self, sms: &Sms) -> Option<&str> {
        line_for(&self.lines, self.sender.as_ref(), sms.class).map(String::as_str)
    }

    /// The account's remaining credit, in rials (`account/info`).
    pub async fn credit(&self) -> Result<f64, SmsError> {
        let url = self
            .root
            .join("account/info.json")
            .map_err(|e| SmsError::Permanent(format!("kavenegar URL: {e}")))?;
        let response = self.http.post(url).send().await.map_err(transport_error)?;
        let body = response.bytes().await.map_err(transport_error)?;
        let envelope: AccountEnvelope = serde_json::from_slice(&body)
            .map_err(|e| SmsError::Temporary(format!("kavenegar account/info unreadable: {e}")))?;
        match envelope {
            AccountEnvelope {
                result: ReturnStatus { status: 200, .. },
                entries: Some(info),
            } => Ok(info.remaincredit),
            AccountEnvelope { result, .. } => Err(classify(result.status, &result.message)),
        }
    }

    /// Asks for the state of up to 500 messages per call.
    pub async fn status(&self, provider_ids: &[String]) -> Result<Vec<(String, Report)>, SmsError> {
        let mut reports = Vec::with_capacity(provider_ids.len());
        for chunk in provider_ids.chunks(500) {
            let form = vec![("messageid", chunk.join(","))];
            let entries: Vec<StatusEntry> = self.call("sms/status.json", &form).await?;
            reports.extend(
                entries
                    .into_iter()
                    .map(|e| (e.messageid.to_string(), report(e.status, &e.statustext))),
            );
        }
        Ok(reports)
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        form: &[(&str, String)],
    ) -> Result<Vec<T>, CallError> {
        let other = CallError::Other;
        let url = self
            .root
            .join(method)
            .map_err(|e| other(SmsError::Permanent(format!("kavenegar URL: {e}"))))?;
        let response = self.http.post(url).form(form).send().await;
        let response = response.map_err(|e| other(transport_error(e)))?;
        let http_status = response.status();
        let body = response.bytes().await.map_err(|e| other(transport_error(e)))?;
        let envelope: Envelope<T> = match serde_json::from_slice(&body) {
            Ok(envelope) => envelope,
            Err(_) if http_status.is_server_error() || http_status.as_u16() == 429 => {
                return Err(CallError::Status(http_status.as_u16(), String::new()));
            }
            Err(err) => {
                return Err(other(SmsError::Temporary(format!(
                    "kavenegar answered HTTP {http_status} with an unreadable body: {err}"
                ))));
            }
        };
        if envelope.result.status != 200 {
            return Err(CallError::Status(envelope.result.status, envelope.result.message));
        }
        Ok(envelope.entries)
    }
}

/// Entries come back in the order sent; a short answer leaves the rest to be retried.
fn accepted(entries: Vec<SentEntry>, expected: usize) -> Vec<Result<Accepted, SmsError>> {
    let mut results: Vec<Result<Accepted, SmsError>> = entries
        .into_iter()
        .take(expected)
        .map(|e| {
            Ok(Accepted {
                provider_id: Some(e.messageid.to_string()),
                state: report(e.status, &e.statustext),
            })
        })
        .collect();
    while results.len() < expected {
        results.push(Err(missing_entry()));
    }
    results
}

fn missing_entry() -> SmsError {
    SmsError::Temporary("kavenegar returned fewer entries than messages sent".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_sort_into_retryable_and_permanent() {
        assert!(matches!(classify(418, "credit"), SmsError::Unavailable(_)));
        assert!(matches!(classify(411, "receptor"), SmsError::Permanent(_)));
        assert!(matches!(classify(409, ""), SmsError::RetryAfter(_)));
        assert!(matches!(classify(502, ""), SmsError::Temporary(_)));
    }

    #[test]
    fn delivery_states_map_to_reports() {
        assert_eq!(report(10, ""), Report::Delivered);
        assert_eq!(report(1, "queued"), Report::Sent);
        assert!(matches!(report(11, "undelivered"), Report::Failed(_)));
        assert!(matches!(report(14, "filtered"), Report::Blacklisted(_)));
    }

    #[test]
    fn the_key_stays_out_of_debug_output() {
        let k = Kavenegar::new("http://127.0.0.1:1", "SECRET-KEY", None, Lines::new(), 200).unwrap();
        assert!(!format!("{k:?}").contains("SECRET"));
    }
}
