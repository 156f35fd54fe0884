//! Reading the audit log (admins only).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiError;
use super::auth::Staff;
use super::extract::ApiQuery;
use crate::app::Application;
use crate::staff::access::{Act, Item};
use crate::store::audit;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    id: i64,
    actor: String,
    action: String,
    subject: Option<String>,
    #[schema(value_type = Object)]
    detail: serde_json::Value,
    /// What the member wrote in their own words (why they acted), kept sealed at rest.
    note: Option<String>,
    at: DateTime<Utc>,
}

/// The newest audit entries first.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "list_audit_entries", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = [AuditEntry]), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(app): State<Application>,
    staff: Staff,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    staff.may(Act::See, Item::Audit)?;
    let entries = audit::recent(app.pool(), app.vault(), query.limit.unwrap_or(100).clamp(1, 1000)).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                detail: e.detail,
                note: e.note,
                at: e.at,
            })
            .collect(),
    ))
}
