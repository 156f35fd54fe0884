//! A staff member's client for the HTTP API of a running service.

use peygir::domain::Role;
use peygir::store::staff;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::service::Running;

/// A staff member's API client.
pub struct Api {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Api {
    pub async fn for_member(bot: &Running, name: &str, role: Role, services: Option<&[String]>) -> Self {
        let member = staff::add(bot.app.pool(), name, role, services, None).await.unwrap();
        let (_, token) = staff::issue_token(bot.app.pool(), member.id).await.unwrap();
        Self {
            base: format!("http://{}", bot.http),
            token,
            client: reqwest::Client::new(),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(self.url(path)).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.put(self.url(path)).json(&body)).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends with the member's token; the status and the JSON answer (null when there is none).
    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn moves(&self, code: &str, to: &str, note: Option<&str>) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/requests/{code}/transitions"),
            json!({ "to": to, "note": note }),
        )
        .await
    }
}
