//! The staff web console under `/staff/`: server-rendered pages in Persian (right to left,
//! Persian digits, Solar Hijri dates, Tehran time) or English, with no script. Every act goes
//! through the staff core ([`crate::staff::perform`]), as from the API and the staff group;
//! this module only parses forms, calls it and renders what comes back.
//!
//! Safety: a password (argon2id) opens a session kept in PostgreSQL; its cookie is HttpOnly,
//! SameSite=Strict and Secure behind TLS; every form carries the session's CSRF token; sign-in
//! is throttled per name; sessions end when idle, at an absolute end, or everywhere at once.

mod audit;
mod broadcasts;
mod chart;
mod complaints;
mod dashboard;
mod filter;
mod members;
pub mod messages;
mod operations;
mod page;
mod queue;
mod request;
mod respond;
pub mod session;
mod sign_in;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::html;

use crate::app::Application;
use crate::staff::perform::{Action, Actor, Done, Refusal, perform};
use messages as w;
use page::Page;
use session::Signed;

/// The console's routes, under `/staff`.
pub fn router(app: Application) -> Router {
    let prefix = app.config().http.path_prefix.clone();
    Router::new()
        .route(
            "/staff",
            get(move || {
                let prefix = prefix.clone();
                async move { respond::see_other(&format!("{prefix}/staff/")) }
            }),
        )
        .route("/staff/", get(queue::show))
        .route("/staff/assets/style.css", get(style))
        .route("/staff/assets/fonts/{name}", get(font))
        .route("/staff/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/staff/sign-in/link", post(sign_in::send_link))
        .route(
            "/staff/sign-in/link/{token}",
            get(sign_in::link_page).post(sign_in::use_link),
        )
        .route("/staff/sign-out", post(sign_in::sign_out))
        .route("/staff/sign-out-everywhere", post(sign_in::sign_out_everywhere))
        .route("/staff/language", post(sign_in::language))
        .route("/staff/requests/{code}", get(request::show))
        .route("/staff/requests/{code}/moves", post(request::move_request))
        .route("/staff/requests/{code}/deadline", post(request::extend_deadline))
        .route("/staff/requests/{code}/evidence", get(request::evidence))
        .route("/staff/requests/{code}/documents/{id}", get(request::document))
        .route("/staff/complaints", get(complaints::list))
        .route("/staff/complaints/{code}/answer", post(complaints::answer))
        .route("/staff/complaints/{code}/close", post(complaints::close))
        .route("/staff/audit", get(audit::show))
        .route("/staff/members", get(members::list).post(members::add))
        .route("/staff/members/{id}/disable", post(members::disable))
        .route("/staff/members/{id}/token", post(members::issue))
        .route("/staff/members/tokens/{id}/revoke", post(members::revoke))
        .route("/staff/dashboard", get(dashboard::show))
        .route("/staff/operations", get(operations::show))
        .route("/staff/operations/outages", post(operations::declare_outage))
        .route(
            "/staff/operations/outages/{id}/resolve",
            post(operations::resolve_outage),
        )
        .route("/staff/operations/maintenance", post(operations::schedule))
        .route("/staff/operations/maintenance/{id}", post(operations::change))
        .route(
            "/staff/operations/maintenance/{id}/cancel",
            post(operations::cancel_window),
        )
        .route("/staff/broadcasts", get(broadcasts::list).post(broadcasts::draft))
        .route("/staff/broadcasts/{id}", get(broadcasts::show))
        .route("/staff/broadcasts/{id}/confirm", post(broadcasts::confirm))
        .route("/staff/broadcasts/{id}/cancel", post(broadcasts::cancel))
        .with_state(app)
}

async fn style() -> Response {
    let mut response = page::STYLE.into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response
}

/// The console's font files, built in: Vazirmatn's Arabic-script and Latin subsets, regular
/// and bold (about 90 KB together).
const FONTS: [(&str, &[u8]); 4] = [
    (
        "vazirmatn-arabic-400.woff2",
        include_bytes!("fonts/vazirmatn-arabic-400-normal.woff2"),
    ),
    (
        "vazirmatn-arabic-700.woff2",
        include_bytes!("fonts/vazirmatn-arabic-700-normal.woff2"),
    ),
    (
        "vazirmatn-latin-400.woff2",
        include_bytes!("fonts/vazirmatn-latin-400-normal.woff2"),
    ),
    (
        "vazirmatn-latin-700.woff2",
        include_bytes!("fonts/vazirmatn-latin-700-normal.woff2"),
    ),
];

async fn font(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let Some((_, bytes)) = FONTS.iter().find(|(file, _)| *file == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("font/woff2"));
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

/// A page that is not there, or not this member's to see: the same answer for both.
fn not_found(app: &Application, signed: &Signed) -> Response {
    let page = Page::for_member(app, signed);
    respond::page(
        StatusCode::NOT_FOUND,
        page.layout(&page.t(w::NOT_FOUND_TITLE), html! { p { (page.t(w::NOT_FOUND)) } }),
    )
}

/// A form whose CSRF token is not the session's: nothing is done.
fn csrf_refused(app: &Application, signed: &Signed) -> Response {
    tracing::warn!("web console: a form came without this session's CSRF token; refused");
    let page = Page::for_member(app, signed);
    respond::page(
        StatusCode::FORBIDDEN,
        page.layout(
            &page.t(w::ERROR),
            html! { p.error role="alert" { (page.t(w::CSRF_REFUSED)) } },
        ),
    )
}

/// A page the member's role does not open.
fn forbidden(app: &Application, signed: &Signed) -> Response {
    let page = Page::for_member(app, signed);
    respond::page(
        StatusCode::FORBIDDEN,
        page.layout(
            &page.t(w::ERROR),
            html! { p.error role="alert" { (page.t(crate::conversation::messages::STAFF_FORBIDDEN)) } },
        ),
    )
}

/// Why a form's act was not done.
enum NotDone {
    /// The staff core refused it: the form's page is shown again saying why, with `status`.
    Refused { why: String, status: StatusCode },
    /// The item is not there (or not the member's to see), or something failed: this page.
    Answered(Response),
}

/// Does `action` as the signed-in member through the staff core, committing only what was
/// done; `doing` names the act in the log should it fail.
async fn attempt(app: &Application, signed: &Signed, action: Action<'_>, doing: &str) -> Result<Done, NotDone> {
    let performed = async {
        let mut tx = app.pool().begin().await?;
        let done = perform(&mut tx, app, Actor::Member(&signed.member), action, chrono::Utc::now()).await;
        if done.is_ok() {
            tx.commit().await?;
        }
        anyhow::Ok(done)
    }
    .await;
    match performed {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(Refusal::Hidden)) => Err(NotDone::Answered(not_found(app, signed))),
        Ok(Err(Refusal::Unexpected(err))) | Err(err) => Err(NotDone::Answered(failed(err, doing))),
        Ok(Err(refusal)) => {
            let page = Page::for_member(app, signed);
            Err(NotDone::Refused {
                why: refusal.message().map_or_else(|| page.t(w::ERROR), |m| page.msg(&m)),
                status: match refusal {
                    Refusal::Forbidden => StatusCode::FORBIDDEN,
                    Refusal::Conflict { .. } => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                },
            })
        }
    }
}

/// An unexpected failure, logged with its context; the page says only that nothing was done.
fn failed(err: anyhow::Error, doing: &str) -> Response {
    tracing::error!(error = %format!("{err:#}"), "web console: {doing} failed");
    respond::failure()
}
