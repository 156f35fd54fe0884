//! Broadcasts: draft (with a preview and the audience counted), confirm, follow, cancel.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Staff;
use super::extract::{ApiPath, Body};
use super::{ApiError, parse_code, perform_as};
use crate::app::Application;
use crate::broadcast::{self, Progress, Target};
use crate::i18n::Locale;
use crate::staff::access::{Act, Item};
use crate::staff::perform::Action;
use crate::store::broadcasts::{self as store, Broadcast};

/// A notice to send. With neither `service` nor `codes` it goes to every applicant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    /// To the applicants who made a request for this service.
    service: Option<String>,
    /// To the owners of these requests and complaints (tracking codes).
    codes: Option<Vec<String>>,
    /// 1 to 1000 characters, shown to applicants as written.
    text: String,
}

#[derive(Serialize, ToSchema)]
pub struct BroadcastView {
    id: i64,
    service: Option<String>,
    /// How many tracking codes name its audience, when it goes to a list.
    codes: Option<usize>,
    /// "draft", "confirmed" or "cancelled".
    state: &'static str,
    /// The notice as applicants will read it, in Persian and English.
    preview_fa: String,
    preview_en: String,
    progress: Progress,
}

#[derive(Serialize, ToSchema)]
pub struct DraftView {
    #[serde(flatten)]
    broadcast: BroadcastView,
    /// How many applicants it would reach if confirmed now.
    recipients: usize,
    /// The number is the database's estimate, not a count: for a broadcast to everyone above
    /// a thousand applicants.
    recipients_estimated: bool,
}

async fn view(app: &Application, broadcast: Broadcast) -> Result<BroadcastView, ApiError> {
    let mut conn = app.pool().acquire().await?;
    let progress = broadcast::progress(&mut conn, &broadcast).await?;
    let message = broadcast::message(&broadcast);
    let state = broadcast::State::of(&broadcast).as_str();
    Ok(BroadcastView {
        id: broadcast.id,
        service: broadcast.service_id,
        codes: broadcast.codes.as_ref().map(Vec::len),
        state,
        preview_fa: app.i18n().render(Locale::Fa, &message),
        preview_en: app.i18n().render(Locale::En, &message),
        progress,
    })
}

/// Draft a broadcast: nothing is sent until it is confirmed.
#[utoipa::path(post, path = "/api/v1/broadcasts", operation_id = "draft_broadcast", request_body = DraftBody,
    security(("bearer" = [])),
    responses((status = 201, body = DraftView), (status = 422, body = super::error::ErrorBody),
              (status = 400, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn draft(
    State(app): State<Application>,
    staff: Staff,
    body: Body<DraftBody>,
) -> Result<(axum::http::StatusCode, Json<DraftView>), ApiError> {
    staff.may(Act::Operate, Item::Operations)?;
    let body = body.parse()?;
    let codes = body
        .codes
        .as_ref()
        .map(|codes| codes.iter().map(|c| parse_code(c)).collect::<Result<Vec<_>, _>>())
        .transpose()?;
    let target = Target::named(body.service.as_deref(), codes.as_deref())
        .ok_or_else(|| ApiError::bad_request("give a service or tracking codes, not both"))?;
    let action = Action::DraftBroadcast {
        target,
        text: &body.text,
    };
    let (broadcast, reach) = perform_as(&app, &staff, action, ApiError::no_such("broadcast"))
        .await?
        .drafted()?;
    let broadcast = view(&app, broadcast).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(DraftView {
            broadcast,
            recipients: reach.applicants as usize,
            recipients_estimated: reach.estimated,
        }),
    ))
}

/// Confirm a draft: its notices are queued and go out at the bot's pace.
#[utoipa::path(post, path = "/api/v1/broadcasts/{id}/confirm", operation_id = "confirm_broadcast",
    params(("id" = i64, Path, description = "broadcast id")), security(("bearer" = [])),
    responses((status = 200, body = BroadcastView), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody)))]
pub async fn confirm(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BroadcastView>, ApiError> {
    staff.may(Act::Operate, Item::Operations)?;
    let action = Action::ConfirmBroadcast { id };
    let (broadcast, _) = perform_as(&app, &staff, action, ApiError::no_such("broadcast"))
        .await?
        .broadcast()?;
    Ok(Json(view(&app, broadcast).await?))
}

/// A broadcast and its progress: notices waiting, sent, failed and cancelled.
#[utoipa::path(get, path = "/api/v1/broadcasts/{id}", operation_id = "show_broadcast",
    params(("id" = i64, Path, description = "broadcast id")), security(("bearer" = [])),
    responses((status = 200, body = BroadcastView), (status = 404, body = super::error::ErrorBody)))]
pub async fn show(
    State(app): State<Application>,
    _staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BroadcastView>, ApiError> {
    let mut conn = app.pool().acquire().await?;
    let broadcast = store::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::no_such("broadcast"))?;
    drop(conn);
    Ok(Json(view(&app, broadcast).await?))
}

/// Cancel a broadcast: a draft is never sent; notices of a confirmed one not yet sent are skipped.
#[utoipa::path(post, path = "/api/v1/broadcasts/{id}/cancel", operation_id = "cancel_broadcast",
    params(("id" = i64, Path, description = "broadcast id")), security(("bearer" = [])),
    responses((status = 200, body = BroadcastView), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody)))]
pub async fn cancel(
    State(app): State<Application>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BroadcastView>, ApiError> {
    staff.may(Act::Operate, Item::Operations)?;
    let action = Action::CancelBroadcast { id };
    let (broadcast, _) = perform_as(&app, &staff, action, ApiError::no_such("broadcast"))
        .await?
        .broadcast()?;
    Ok(Json(view(&app, broadcast).await?))
}
