//! A stand-in for the portal a probe watches: a real HTTP server on loopback whose answer the
//! test sets (200 or 503), which can be stopped (connections refused) and started again on
//! the same port, and which counts the checks it received.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::task::JoinHandle;

#[derive(Default)]
struct Health {
    failing: AtomicBool,
    checks: AtomicUsize,
}

pub struct FakePortal {
    pub addr: SocketAddr,
    health: Arc<Health>,
    server: Option<JoinHandle<()>>,
}

impl FakePortal {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let health = Arc::new(Health::default());
        let server = Some(serve(listener, health.clone()));
        Self { addr, health, server }
    }

    pub fn url(&self) -> String {
        format!("http://{}/health", self.addr)
    }

    /// Answers 503 from now on (or 200 again).
    pub fn set_failing(&self, failing: bool) {
        self.health.failing.store(failing, Ordering::SeqCst);
    }

    pub fn checks(&self) -> usize {
        self.health.checks.load(Ordering::SeqCst)
    }

    /// Stops listening: checks find the connection refused.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.server = Some(serve(listener, self.health.clone()));
    }
}

fn serve(listener: tokio::net::TcpListener, health: Arc<Health>) -> JoinHandle<()> {
    let app = Router::new().route("/health", get(answer)).with_state(health);
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    })
}

async fn answer(State(health): State<Arc<Health>>) -> StatusCode {
    health.checks.fetch_add(1, Ordering::SeqCst);
    if health.failing.load(Ordering::SeqCst) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}
