//! Re-binding an applicant who lost access (the SLA's "forgot your password, ask the
//! administrator"): an operator, having checked their identity, moves their requests to a new
//! chat.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::ApiError;
use super::auth::Staff;
use super::extract::Body;
use super::extract::whole_number;
use crate::app::Application;
use crate::staff::access::{Act, Item};
use crate::store::{applicants, audit};

/// Where an applicant chats.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Telegram,
    Bale,
    Terminal,
}

impl Platform {
    fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Bale => "bale",
            Self::Terminal => crate::channels::terminal::PLATFORM,
        }
    }
}

/// The longest account of how an applicant's identity was checked.
pub const MAX_REASON: usize = 500;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RebindBody {
    from_platform: Platform,
    #[serde(deserialize_with = "whole_number")]
    from_chat_id: i64,
    to_platform: Platform,
    #[serde(deserialize_with = "whole_number")]
    to_chat_id: i64,
    /// How the applicant's identity was checked; kept in the audit log.
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RebindResult {
    requests_moved: u64,
}

/// Move an applicant's requests, complaints and pending notices to another chat.
#[utoipa::path(post, path = "/api/v1/applicants/rebind", request_body = RebindBody, security(("bearer" = [])),
    responses((status = 200, body = RebindResult), (status = 404, body = super::error::ErrorBody)))]
pub async fn rebind(
    State(app): State<Application>,
    staff: Staff,
    body: Body<RebindBody>,
) -> Result<Json<RebindResult>, ApiError> {
    staff.may(Act::Operate, Item::Operations)?;
    let body = body.parse()?;
    let reason = crate::domain::text::visible_within(&body.reason, MAX_REASON).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reason",
            format!("say how the applicant's identity was checked (reason): {e}"),
        )
    })?;
    let mut tx = app.pool().begin().await?;
    let (old, new, moved) = applicants::rebind(
        &mut tx,
        (body.from_platform.as_str(), body.from_chat_id),
        (body.to_platform.as_str(), body.to_chat_id),
    )
    .await?
    .ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            "no applicant in that chat",
        )
    })?;
    // How the identity was checked may quote the applicant's documents: it is the entry's
    // sealed note, not part of its detail.
    let detail = json!({ "to_applicant": new.0, "requests": moved });
    let subject = format!("applicant:{}", old.0);
    let entry = (staff.0.actor(), "applicant.rebind", subject.as_str());
    audit::record_with_note(&mut tx, app.vault(), (&entry.0, entry.1, entry.2), detail, reason).await?;
    tx.commit().await?;
    Ok(Json(RebindResult { requests_moved: moved }))
}
