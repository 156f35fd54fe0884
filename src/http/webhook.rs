//! Updates pushed by the Bot API. The secret token header proves the sender; a failed update
//! answers 500 so the Bot API delivers it again, and the update log makes that redelivery safe.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use teloxide::types::Update;

use crate::channels::telegram::TelegramChannel;

/// The header that carries the secret given to `setWebhook`.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

#[derive(Clone)]
pub struct WebhookState {
    channel: TelegramChannel,
    secret: Arc<str>,
}

impl WebhookState {
    pub fn new(channel: TelegramChannel, secret: String) -> Self {
        Self {
            channel,
            secret: secret.into(),
        }
    }
}

pub async fn receive(State(state): State<WebhookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let presented = headers.get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !constant_time_eq(presented, state.secret.as_bytes()) {
        tracing::warn!("webhook call without the right secret token refused");
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(err) => {
            tracing::warn!(error = %err, "webhook body is not an Update");
            return StatusCode::BAD_REQUEST;
        }
    };
    match state.channel.handle_update(&update).await {
        Ok(()) => StatusCode::OK,
        Err(err) => {
            tracing::error!(
                error = format!("{err:#}"),
                "handling a webhook update failed; the Bot API will retry"
            );
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_exactly() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
        assert!(!super::constant_time_eq(b"", b"a"));
    }
}
