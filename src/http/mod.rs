//! The HTTP server: liveness and readiness, metrics, the staff API, the staff web console and
//! the Bot API webhook.

pub mod api;
mod chat_order;
pub mod metrics;
pub mod sms_callbacks;
mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// Whether the bot is set up to receive updates: in webhook mode, once the Bot API has taken
/// the webhook. Clones share it.
#[derive(Clone, Debug)]
pub struct Readiness {
    webhook_registered: Arc<AtomicBool>,
}

impl Readiness {
    /// Ready as far as the bot goes (polling, or no bot).
    pub fn ready() -> Self {
        Self {
            webhook_registered: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Not ready until `webhook_registered` is called.
    pub fn awaiting_webhook() -> Self {
        Self {
            webhook_registered: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn webhook_registered(&self) {
        self.webhook_registered.store(true, Ordering::Release);
    }

    fn bot_ready(&self) -> bool {
        self.webhook_registered.load(Ordering::Acquire)
    }
}

/// Serves until `shutdown` turns true. The webhook route exists only when a channel is given.
pub async fn serve(
    app: Application,
    webhook: Option<(TelegramChannel, String)>,
    readiness: Readiness,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut router = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready).with_state((app.clone(), readiness)))
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
        .merge(crate::web::router(app.clone()))
        .merge(api::router(app))
        .fallback(api::unknown_route);
    if let Some((channel, secret)) = webhook {
        router = router.merge(
            Router::new()
                .route(WEBHOOK_PATH, post(webhook::receive))
                .with_state(webhook::WebhookState::new(channel, secret)),
        );
    }
    let router = router.method_not_allowed_fallback(api::method_not_allowed);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await?;
    Ok(())
}

/// Liveness: the process answers. It touches nothing else, so it answers at once even while
/// the database is away (the service rides that out; restarting it would not help).
async fn health() -> (StatusCode, &'static str) {
    (StatusCode::OK, "ok")
}

/// Readiness: 200 when the database answers within a second and the bot is set up to receive
/// updates; 503 saying which is not, otherwise. What a load balancer routes on.
async fn ready(State((app, readiness)): State<(Application, Readiness)>) -> (StatusCode, &'static str) {
    let ping = tokio::time::timeout(Duration::from_secs(1), async {
        let mut conn = app.pool().acquire().await?;
        sqlx::query("SELECT 1").execute(&mut *conn).await
    })
    .await;
    match ping {
        Ok(Ok(_)) if readiness.bot_ready() => (StatusCode::OK, "ready"),
        Ok(Ok(_)) => (StatusCode::SERVICE_UNAVAILABLE, "webhook not registered yet"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer within a second");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
