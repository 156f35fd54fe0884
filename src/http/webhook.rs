//! Updates pushed by the Bot API. The secret token header proves the sender. An update is
//! answered 200 only once it is stored (its replies queued with it); while the database is
//! unreachable it is answered 503, so the Bot API delivers it again, and the update log makes
//! that redelivery safe.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use teloxide::types::Update;

use super::chat_order::ChatOrder;
use crate::app::{is_transient, with_retries};
use crate::channels::telegram::{TelegramChannel, chat_of};

/// The header that carries the secret given to `setWebhook`.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

#[derive(Clone)]
pub struct WebhookState {
    channel: TelegramChannel,
    secret: Arc<str>,
    /// A chat's updates posted at once are handled in update-id order.
    order: Arc<ChatOrder>,
}

impl WebhookState {
    pub fn new(channel: TelegramChannel, secret: String) -> Self {
        Self {
            channel,
            secret: secret.into(),
            order: Arc::new(ChatOrder::default()),
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
    let _turn = state.order.turn(chat_of(&update), i64::from(update.id.0)).await;
    match with_retries(PATIENCE, || state.channel.handle_update(&update)).await {
        Ok(()) => StatusCode::OK,
        Err(err) if is_transient(&err) => {
            tracing::warn!(
                error = format!("{err:#}"),
                "the database is unreachable; the Bot API will deliver the update again"
            );
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err(err) => {
            // Delivered again it would fail again: the applicant is told, and it is let go.
            tracing::error!(error = format!("{err:#}"), "handling a webhook update failed");
            state.channel.apologise(&update).await;
            StatusCode::OK
        }
    }
}

/// How long a passing database fault is ridden out before the Bot API is asked to come back.
const PATIENCE: Duration = Duration::from_secs(5);

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
