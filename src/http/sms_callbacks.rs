//! What SMS gateways call back with: delivery reports and incoming SMS (for the opt-out reply
//! keyword). Kavenegar calls the URLs set in its panel with `messageid` and `status` (its
//! numeric states), or `from` and `message`; the generic provider may use `id` and
//! `status=delivered|failed`. Parameters come in the query or a form body. The URL carries
//! `secret`, compared in constant time; without a configured secret these routes do not exist.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use secrecy::ExposeSecret;

use super::webhook::constant_time_eq;
use crate::app::Application;
use crate::domain::PhoneNumber;
use crate::sms::is_opt_out;
use crate::store::{sms, sms_outbox};

type Params = HashMap<String, String>;

fn params(query: Params, body: &Bytes) -> Params {
    let mut all = query;
    all.extend(url::form_urlencoded::parse(body).into_owned());
    all
}

fn authorised(app: &Application, params: &Params) -> bool {
    let Some(secret) = &app.config().sms.callback_secret else {
        return false;
    };
    let presented = params.get("secret").map(String::as_bytes).unwrap_or_default();
    constant_time_eq(presented, secret.expose_secret().as_bytes())
}

/// A delivery report. Answers 200 to anything well-formed, moved or not, so that the gateway
/// does not repeat reports we have already taken.
pub async fn delivery(
    State(app): State<Application>,
    Path(provider): Path<String>,
    Query(query): Query<Params>,
    body: Bytes,
) -> StatusCode {
    let params = params(query, &body);
    if !authorised(&app, &params) {
        return StatusCode::NOT_FOUND;
    }
    let Some(id) = params.get("messageid").or_else(|| params.get("id")) else {
        return StatusCode::BAD_REQUEST;
    };
    let Some(final_state) = params.get("status").and_then(|s| final_state(s)) else {
        // Not final yet (queued, sent to the operator): nothing to record.
        return if params.contains_key("status") {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
    };
    let detail = (!final_state).then(|| format!("{provider} report: {}", params["status"]));
    match sms_outbox::apply_report(app.pool(), &provider, id, final_state, detail.as_deref()).await {
        Ok(_) => StatusCode::OK,
        Err(err) => {
            tracing::error!(error = %err, "recording a delivery report failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// `Some(true)` delivered, `Some(false)` failed, `None` not final.
fn final_state(status: &str) -> Option<bool> {
    match status.trim().to_ascii_lowercase().as_str() {
        "10" | "delivered" => Some(true),
        "6" | "11" | "13" | "14" | "100" | "failed" | "undelivered" => Some(false),
        _ => None,
    }
}

/// An SMS an applicant sent to our line: an opt-out keyword stops SMS to that number.
pub async fn inbound(
    State(app): State<Application>,
    Path(_provider): Path<String>,
    Query(query): Query<Params>,
    body: Bytes,
) -> StatusCode {
    let params = params(query, &body);
    if !authorised(&app, &params) {
        return StatusCode::NOT_FOUND;
    }
    let (Some(from), Some(message)) = (params.get("from"), params.get("message")) else {
        return StatusCode::BAD_REQUEST;
    };
    let Ok(mobile) = PhoneNumber::parse(from) else {
        return StatusCode::OK;
    };
    if !is_opt_out(message) {
        return StatusCode::OK;
    }
    let result = async {
        let mut conn = app.pool().acquire().await?;
        sms::opt_out_number(&mut conn, &mobile).await
    }
    .await;
    match result {
        Ok(count) => {
            tracing::info!(applicants = count, "SMS opt-out by reply keyword");
            StatusCode::OK
        }
        Err(err) => {
            tracing::error!(error = %err, "recording an SMS opt-out failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_final_states_are_recorded() {
        assert_eq!(final_state("10"), Some(true));
        assert_eq!(final_state("11"), Some(false));
        assert_eq!(final_state("4"), None);
        assert_eq!(final_state("delivered"), Some(true));
    }
}
