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
use crate::notify::sms::record_report;
use crate::sms::Report;
use crate::sms::gateway::kavenegar_report;
use crate::sms::is_opt_out;
use crate::store::sms;

type Params = HashMap<String, String>;

/// The query and form parameters together, when they carry the configured secret.
fn authorised_params(app: &Application, query: Params, body: &Bytes) -> Option<Params> {
    let secret = app.config().sms.callback_secret.as_ref()?;
    let mut all = query;
    all.extend(url::form_urlencoded::parse(body).into_owned());
    let presented = all.get("secret").map(String::as_bytes).unwrap_or_default();
    constant_time_eq(presented, secret.expose_secret().as_bytes()).then_some(all)
}

/// A delivery report. Answers 200 to anything well-formed, moved or not, so that the gateway
/// does not repeat reports we have already taken.
pub async fn delivery(
    State(app): State<Application>,
    Path(provider): Path<String>,
    Query(query): Query<Params>,
    body: Bytes,
) -> StatusCode {
    let Some(params) = authorised_params(&app, query, &body) else {
        return StatusCode::NOT_FOUND;
    };
    let (Some(id), Some(status)) = (
        params.get("messageid").or_else(|| params.get("id")),
        params.get("status"),
    ) else {
        return StatusCode::BAD_REQUEST;
    };
    // A state that is not final yet (queued, sent to the operator) records nothing.
    match record_report(app.pool(), &provider, id, &report_of(status)).await {
        Ok(_) => StatusCode::OK,
        Err(err) => {
            tracing::error!(error = %err, "recording a delivery report failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// A reported state: Kavenegar's numeric codes, or the words a generic provider sends.
fn report_of(status: &str) -> Report {
    let status = status.trim().to_ascii_lowercase();
    match (status.parse(), status.as_str()) {
        (Ok(code), _) => kavenegar_report(code, "report"),
        (_, "delivered") => Report::Delivered,
        (_, "failed" | "undelivered") => Report::Failed(format!("report: {status}")),
        _ => Report::Sent,
    }
}

/// An SMS an applicant sent to our line: an opt-out keyword stops SMS to that number.
pub async fn inbound(
    State(app): State<Application>,
    Path(_provider): Path<String>,
    Query(query): Query<Params>,
    body: Bytes,
) -> StatusCode {
    let Some(params) = authorised_params(&app, query, &body) else {
        return StatusCode::NOT_FOUND;
    };
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
        sms::opt_out_number(&mut conn, app.vault(), &mobile).await
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
        assert_eq!(report_of("10"), Report::Delivered);
        assert!(matches!(report_of("11"), Report::Failed(_)));
        assert_eq!(report_of("4"), Report::Sent);
        assert_eq!(report_of("delivered"), Report::Delivered);
    }
}
