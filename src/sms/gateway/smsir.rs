//! SMS.ir's REST API (version 1 at `https://api.sms.ir`): `POST /v1/send/bulk` for one text to
//! some numbers, `POST /v1/send/liketolike` for different texts to as many numbers (pairwise),
//! `GET /v1/send/{messageId}` for one message's delivery state, `GET /v1/credit` for the
//! account's balance. Every call carries the key in an `X-API-KEY` header and every answer is
//! `{"status", "message", "data"}`, `status` 1 meaning success.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{Accepted, Report, Sms, SmsError, client, transport_error};
use crate::sms::class::Lines;

/// The most numbers one `liketolike` call takes.
pub const MAX_BATCH: usize = 100;

#[derive(Clone)]
pub struct SmsIr {
    http: reqwest::Client,
    /// `{base}/v1/`, ending in a slash so that method paths join onto it.
    root: url::Url,
    /// The key, marked sensitive so that it stays out of debug output.
    headers: HeaderMap,
    /// A number in SMS.ir's JSON, not a string.
    line_number: u64,
    /// A line per message class; a class not named goes from `line_number`.
    lines: Lines<u64>,
    batch: usize,
}

impl std::fmt::Debug for SmsIr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsIr")
            .field("line_number", &self.line_number)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

/// SMS.ir's answer to every call.
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    status: i32,
    #[serde(default)]
    message: String,
    data: Option<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sent {
    #[serde(default)]
    message_ids: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageReport {
    message_id: i64,
    delivery_state: Option<i32>,
}

/// A message's `deliveryState` in SMS.ir's reports, on the common lifecycle. SMS.ir's REST
/// documentation (its section 6-1), as two independent public clients of it transcribe it:
/// 1 delivered to the handset, 2 not delivered to the handset, 3 at the telecom, 4 did not
/// reach the telecom, 5 with the operator, 6 failed, 7 blacklisted, 8 unknown.
pub fn report(state: Option<i32>) -> Report {
    match state {
        Some(1) => Report::Delivered,
        Some(2) => Report::Failed("smsir: not delivered to the handset".into()),
        Some(4) => Report::Failed("smsir: did not reach the operator".into()),
        Some(6) => Report::Failed("smsir: failed".into()),
        Some(7) => Report::Blacklisted("smsir: blacklisted".into()),
        // 3 and 5: on their way, no report yet; 8: unknown, asked again; none: not processed yet.
        _ => Report::Sent,
    }
}

/// Sorts a refused call by its HTTP status and SMS.ir's own `status` code.
fn classify(http: reqwest::StatusCode, status: i32, message: &str) -> SmsError {
    let text = format!("smsir HTTP {} status {status} {message}", http.as_u16())
        .trim()
        .to_owned();
    match (http.as_u16(), status) {
        (429, _) => SmsError::RetryAfter(Duration::from_secs(10)),
        (500..=599, _) => SmsError::Temporary(text),
        // The key refused, the account or the line not usable, no credit: nothing can be sent
        // through this account until someone acts, whoever the recipient.
        (401 | 403, _) | (_, 10..=14 | 101 | 102) => SmsError::Unavailable(text),
        // A bad number or text: this message will not go whatever we do.
        _ => SmsError::Permanent(text),
    }
}

impl SmsIr {
    pub fn new(
        base_url: &str,
        api_key: &str,
        line_number: u64,
        lines: Lines<u64>,
        batch: usize,
    ) -> anyhow::Result<Self> {
        let base = url::Url::parse(base_url)?;
        let root = base.join("v1/")?;
        let mut key = HeaderValue::from_str(api_key)?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("X-API-KEY", key);
        headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("application/json"));
        Ok(Self {
            http: client()?,
            root,
            headers,
            line_number,
            lines,
            batch: batch.clamp(1, MAX_BATCH),
        })
    }

    pub fn batch_size(&self) -> usize {
        self.batch
    }

    /// Sends `batch`, one call per line its messages go from (SMS.ir takes one line a call);
    /// the results in the batch's order.
    pub async fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SmsError>> {
        // Positions in the batch, by the line they go from.
        let mut by_line: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (i, sms) in batch.iter().enumerate() {
            let line = self.lines.get(&sms.class).copied().unwrap_or(self.line_number);
            by_line.entry(line).or_default().push(i);
        }
        let mut results: Vec<Option<Result<Accepted, SmsError>>> = vec![None; batch.len()];
        for (line, positions) in by_line {
            let group: Vec<&Sms> = positions.iter().map(|&i| &batch[i]).collect();
            for (i, result) in positions.into_iter().zip(self.send_from(line, &group).await) {
                results[i] = Some(result);
            }
        }
        results
            .into_iter()
            .map(|r| r.expect("a call answers for each message it sent"))
            .collect()
    }

    /// Sends `batch` from `line` in one call.
    async fn send_from(&self, line: u64, batch: &[&Sms]) -> Vec<Result<Accepted, SmsError>> {
        let body = match batch {
            [] => return Vec::new(),
            [one] => json!({
                "lineNumber": line,
                "messageText": one.text,
                "mobiles": [one.to.local()],
            }),
            many => json!({
                "lineNumber": line,
                "messageTexts": many.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
                "mobiles": many.iter().map(|s| s.to.local()).collect::<Vec<_>>(),
            }),
        };
        let method = if batch.len() == 1 {
            "send/bulk"
        } else {
            "send/liketolike"
        };
        match self.call::<Sent>(reqwest::Method::POST, method, Some(body)).await {
            Ok(sent) => accepted(sent.message_ids, batch.len()),
            Err(err) => batch.iter().map(|_| Err(err.clone())).collect(),
        }
    }

    /// Asks for the state of each message, one call each (SMS.ir reports by message id).
    pub async fn status(&self, provider_ids: &[String]) -> Result<Vec<(String, Report)>, SmsError> {
        let mut reports = Vec::with_capacity(provider_ids.len());
        for id in provider_ids {
            let Ok(id) = id.parse::<i64>() else { continue };
            let found: MessageReport = self.call(reqwest::Method::GET, &format!("send/{id}"), None).await?;
            reports.push((found.message_id.to_string(), report(found.delivery_state)));
        }
        Ok(reports)
    }

    /// The account's credit, in SMS.ir's unit.
    pub async fn credit(&self) -> Result<f64, SmsError> {
        self.call(reqwest::Method::GET, "credit", None).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, SmsError> {
        let url = self
            .root
            .join(path)
            .map_err(|e| SmsError::Permanent(format!("smsir URL: {e}")))?;
        let mut request = self.http.request(method, url).headers(self.headers.clone());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(transport_error)?;
        let http = response.status();
        let bytes = response.bytes().await.map_err(transport_error)?;
        let envelope: Envelope<T> = match serde_json::from_slice(&bytes) {
            Ok(envelope) => envelope,
            Err(_) if !http.is_success() => return Err(classify(http, 0, "")),
            Err(err) => {
                return Err(SmsError::Temporary(format!(
                    "smsir answered HTTP {http} with an unreadable body: {err}"
                )));
            }
        };
        match envelope {
            Envelope {
                status: 1,
                data: Some(data),
                ..
            } if http.is_success() => Ok(data),
            Envelope { status, message, .. } => Err(classify(http, status, &message)),
        }
    }
}

/// Ids come back in the order sent; a short answer leaves the rest to be retried.
fn accepted(ids: Vec<i64>, expected: usize) -> Vec<Result<Accepted, SmsError>> {
    let mut results: Vec<Result<Accepted, SmsError>> = ids
        .into_iter()
        .take(expected)
        .map(|id| {
            Ok(Accepted {
                provider_id: Some(id.to_string()),
                state: Report::Sent,
            })
        })
        .collect();
    while results.len() < expected {
        results.push(Err(SmsError::Temporary(
            "smsir returned fewer message ids than messages sent".into(),
        )));
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn refusals_sort_by_who_can_fix_them() {
        let ok = StatusCode::OK;
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, 0, ""),
            SmsError::RetryAfter(_)
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, 0, ""),
            SmsError::Temporary(_)
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, 0, ""),
            SmsError::Unavailable(_)
        ));
        assert!(matches!(classify(ok, 102, "credit"), SmsError::Unavailable(_)));
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, 104, "mobile"),
            SmsError::Permanent(_)
        ));
    }

    #[test]
    fn delivery_states_map_onto_the_lifecycle() {
        assert_eq!(report(Some(1)), Report::Delivered);
        assert_eq!(report(Some(3)), Report::Sent);
        assert_eq!(report(None), Report::Sent);
        assert!(matches!(report(Some(7)), Report::Blacklisted(_)));
    }

    #[test]
    fn the_key_stays_out_of_debug_output() {
        let g = SmsIr::new("http://127.0.0.1:1", "SECRET-KEY", 30007732, Lines::new(), 100).unwrap();
        assert!(!format!("{g:?}").contains("SECRET"));
    }
}
