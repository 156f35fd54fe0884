//! The HTTP server: health check, metrics, the staff API and the Bot API webhook.

pub mod api;
mod metrics;
pub mod sms_callbacks;
mod webhook;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::Application;
use crate::channels::telegram::TelegramChannel;

pub use webhook::SECRET_HEADER;

/// The route the Bot API posts updates to in webhook mode.
pub const WEBHOOK_PATH: &str = "/telegram/webhook";

/// Serves until `shutdown` turns true. The webhook route exists only when a channel is given.
pub async fn serve(
    app: Application,
    webhook: Option<(TelegramChannel, String)>,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut router = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics::scrape))
        .route(
            "/sms/{provider}/delivery",
            get(sms_callbacks::delivery).post(sms_callbacks::delivery),
        )
        .route(
            "/sms/{provider}/inbound",
            get(sms_callbacks::inbound).post(sms_callbacks::inbound),
        )
        .with_state(app.clone())
        .merge(api::router(app))
        .fallback(api::unknown_route);
    if let Some((channel, secret)) = webhook {
        router = router.merge(
            Router::new()
                .route(WEBHOOK_PATH, post(webhook::receive))
                .with_state(webhook::WebhookState::new(channel, secret)),
        );
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await?;
    Ok(())
}

/// 200 when the database answers, 503 otherwise: what a load balancer or operator checks.
async fn health(State(app): State<Application>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(app.pool()).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
