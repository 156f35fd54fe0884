//! Signing in with a password, signing out here or everywhere, and the console's language.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::messages as w;
use super::page::Page;
use super::respond;
use super::session::{self, CsrfOnly, Posted};
use crate::app::Application;
use crate::i18n::{Arg, Locale, Msg};
use crate::staff::password;
use crate::store::{audit, staff, staff_sessions};

#[derive(Deserialize)]
pub struct SignInQuery {
    lang: Option<String>,
    /// Set when a session ended and the member was sent here.
    ended: Option<String>,
    /// Set after signing out.
    out: Option<String>,
}

pub async fn form(State(app): State<Application>, Query(query): Query<SignInQuery>) -> Response {
    let locale = query.lang.as_deref().and_then(Locale::parse).unwrap_or(Locale::Fa);
    let page = Page::anonymous(&app, locale);
    let notice = if query.ended.is_some() {
        Some(page.t(w::SESSION_ENDED))
    } else {
        query.out.is_some().then(|| page.t(w::SIGNED_OUT))
    };
    respond::page(StatusCode::OK, sign_in_page(&page, None, notice.as_deref(), ""))
}

fn sign_in_page(page: &Page<'_>, error: Option<&str>, notice: Option<&str>, name: &str) -> maud::Markup {
    page.layout(
        &page.t(w::SIGN_IN_TITLE),
        html! {
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form.stacked method="post" action=(page.href("/sign-in")) {
                input type="hidden" name="lang" value=(page.locale.code());
                label for="name" { (page.t(w::SIGN_IN_NAME)) }
                input id="name" name="name" type="text" autocomplete="username" required value=(name) dir="auto";
                label for="password" { (page.t(w::SIGN_IN_PASSWORD)) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                button type="submit" { (page.t(w::SIGN_IN_SUBMIT)) }
            }
            @if links_enabled(page.app) {
                h2 { (page.t(w::LINK_TITLE)) }
                form.stacked method="post" action=(page.href("/sign-in/link")) {
                    input type="hidden" name="lang" value=(page.locale.code());
                    label for="link-name" { (page.t(w::SIGN_IN_NAME)) }
                    input id="link-name" name="name" type="text" autocomplete="username" required dir="auto";
                    button.secondary type="submit" { (page.t(w::LINK_SEND)) }
                }
            }
        },
    )
}

/// Whether the bot can send sign-in links: there is a bot, and an address to link to.
fn links_enabled(app: &Application) -> bool {
    app.config().http.public_url.is_some() && app.config().telegram.token.is_some()
}

#[derive(Deserialize)]
pub struct SignInForm {
    name: String,
    password: String,
    lang: Option<String>,
}

pub async fn submit(State(app): State<Application>, headers: HeaderMap, Form(form): Form<SignInForm>) -> Response {
    let locale = form.lang.as_deref().and_then(Locale::parse).unwrap_or(Locale::Fa);
    match sign_in(&app, &form, locale).await {
        Ok(Outcome::SignedIn(token)) => {
            let mut response = respond::see_other(&format!("{}/staff/", app.config().http.path_prefix));
            response
                .headers_mut()
                .insert(SET_COOKIE, session::cookie_for(&token, &headers));
            response
        }
        Ok(refused) => {
            let page = Page::anonymous(&app, locale);
            let (status, error) = match refused {
                Outcome::Throttled { minutes } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    page.msg(&Msg::new(w::SIGN_IN_THROTTLED).arg("minutes", Arg::Number(minutes))),
                ),
                _ => (StatusCode::UNAUTHORIZED, page.t(w::SIGN_IN_WRONG)),
            };
            respond::page(status, sign_in_page(&page, Some(&error), None, &form.name))
        }
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "web console: signing in failed");
            respond::failure()
        }
    }
}

enum Outcome {
    SignedIn(String),
    Wrong,
    Throttled { minutes: i64 },
}

async fn sign_in(app: &Application, form: &SignInForm, locale: Locale) -> anyhow::Result<Outcome> {
    let name = form.name.trim();
    let mut conn = app.pool().acquire().await?;
    let window_start = Utc::now() - session::THROTTLE_WINDOW;
    if staff_sessions::failures_since(&mut conn, name, window_start).await? >= session::THROTTLE_FAILURES {
        let oldest = staff_sessions::oldest_failure_since(&mut conn, name, window_start)
            .await?
            .unwrap_or_else(Utc::now);
        let lifts = oldest + session::THROTTLE_WINDOW - Utc::now();
        return Ok(Outcome::Throttled {
            minutes: (lifts.num_seconds() + 59).div_euclid(60).max(1),
        });
    }
    let found = staff::with_password_hash(&mut conn, name).await?;
    let (member, stored) = match found {
        Some((member, stored)) => (Some(member), stored),
        None => (None, None),
    };
    // Hashing takes tens of milliseconds of CPU: off the async workers.
    let typed = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || password::verify(stored.as_deref(), &typed)).await?;
    let Some(member) = member.filter(|_| matches) else {
        staff_sessions::record_failure(&mut conn, name).await?;
        tracing::info!("web console: a sign-in was refused");
        return Ok(Outcome::Wrong);
    };
    staff_sessions::clear_failures(&mut conn, name).await?;
    let (token, _) = staff_sessions::open(&mut conn, member.id, locale, session::ABSOLUTE).await?;
    audit::record(
        &mut conn,
        &member.actor(),
        "staff.sign-in",
        &format!("staff:{}", member.id),
        serde_json::json!({}),
    )
    .await?;
    Ok(Outcome::SignedIn(token))
}

pub async fn sign_out(
    State(app): State<Application>,
    headers: HeaderMap,
    Posted { signed, form: _ }: Posted<CsrfOnly>,
) -> Response {
    let result = async {
        let mut conn = app.pool().acquire().await?;
        staff_sessions::close(&mut conn, signed.token()).await
    }
    .await;
    signed_out(&app, result.map(|_| ()), &headers, signed.session.locale)
}

pub async fn sign_out_everywhere(
    State(app): State<Application>,
    headers: HeaderMap,
    Posted { signed, form: _ }: Posted<CsrfOnly>,
) -> Response {
    let result = async {
        let mut tx = app.pool().begin().await?;
        let closed = staff_sessions::close_all(&mut tx, signed.member.id).await?;
        let actor = signed.member.actor();
        audit::record(
            &mut tx,
            &actor,
            "staff.sign-out-everywhere",
            &actor,
            serde_json::json!({ "sessions": closed }),
        )
        .await?;
        tx.commit().await?;
        anyhow::Ok(())
    }
    .await;
    signed_out(&app, result, &headers, signed.session.locale)
}

fn signed_out<E: std::fmt::Display>(
    app: &Application,
    result: Result<(), E>,
    headers: &HeaderMap,
    locale: Locale,
) -> Response {
    if let Err(err) = result {
        tracing::error!(error = %err, "web console: signing out failed");
        return respond::failure();
    }
    let mut response = respond::see_other(&format!(
        "{}/staff/sign-in?out=1&lang={}",
        app.config().http.path_prefix,
        locale.code()
    ));
    response
        .headers_mut()
        .insert(SET_COOKIE, session::cookie_cleared(headers));
    response
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
}

pub async fn language(
    State(app): State<Application>,
    headers: HeaderMap,
    Posted { signed, form }: Posted<LanguageForm>,
) -> Response {
    let locale = Locale::parse(&form.lang).unwrap_or(signed.session.locale);
    let result = async {
        let mut conn = app.pool().acquire().await?;
        staff_sessions::set_locale(&mut conn, signed.token(), locale).await
    }
    .await;
    if let Err(err) = result {
        tracing::error!(error = %err, "web console: changing the language failed");
        return respond::failure();
    }
    // Back to the page the switch was pressed on, when the browser says which (same origin
    // only: the policy sends no referrer elsewhere, and a foreign one is ignored).
    let back = headers
        .get("referer")
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| u.path().to_owned())
        .filter(|p| p.starts_with(&format!("{}/staff/", app.config().http.path_prefix)))
        .unwrap_or_else(|| format!("{}/staff/", app.config().http.path_prefix));
    respond::see_other(&back)
}

/// How long a sign-in link works, and how many a member may be sent in that time.
const LINK_LASTS: chrono::Duration = chrono::Duration::minutes(15);
const LINKS_PER_WINDOW: i64 = 3;

#[derive(Deserialize)]
pub struct LinkRequest {
    name: String,
    lang: Option<String>,
}

/// Sends a one-time sign-in link to the member's own chat, when they have one. The page says
/// the same whatever the name, so it tells nobody which names exist.
pub async fn send_link(State(app): State<Application>, Form(form): Form<LinkRequest>) -> Response {
    let locale = form.lang.as_deref().and_then(Locale::parse).unwrap_or(Locale::Fa);
    if !links_enabled(&app) {
        return respond::see_other(&format!("{}/staff/sign-in", app.config().http.path_prefix));
    }
    if let Err(err) = queue_link(&app, form.name.trim(), locale).await {
        tracing::error!(error = %format!("{err:#}"), "web console: sending a sign-in link failed");
        return respond::failure();
    }
    let page = Page::anonymous(&app, locale);
    respond::page(
        StatusCode::OK,
        page.layout(
            &page.t(w::LINK_TITLE),
            html! { p.notice role="status" { (page.t(w::LINK_SENT)) } },
        ),
    )
}

async fn queue_link(app: &Application, name: &str, locale: Locale) -> anyhow::Result<()> {
    let mut tx = app.pool().begin().await?;
    let Some(member) = staff::by_name(app.pool(), name).await? else {
        return Ok(());
    };
    let (Some(chat), Some(base)) = (member.telegram_user_id, app.config().http.public_url.as_ref()) else {
        return Ok(());
    };
    if staff_sessions::links_since(&mut tx, member.id, Utc::now() - LINK_LASTS).await? >= LINKS_PER_WINDOW {
        tracing::info!("web console: a sign-in link was not sent: too many asked for");
        return Ok(());
    }
    let token = staff_sessions::create_link(&mut tx, member.id, locale, LINK_LASTS).await?;
    let link = format!("{}/staff/sign-in/link/{token}", base.as_str().trim_end_matches('/'));
    let message = Msg::new(w::LINK_MESSAGE)
        .arg("link", Arg::Text(link))
        .arg("minutes", Arg::Number(LINK_LASTS.num_minutes()));
    // A reply to the member's own chat: sealed while it waits, sent by the bot's reply loop.
    let reply = crate::conversation::Reply::text(message);
    crate::store::replies::queue(&mut tx, app.vault(), app.config().platform(), chat, locale, &[reply]).await?;
    audit::record(
        &mut tx,
        &member.actor(),
        "staff.sign-in-link",
        &member.actor(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The page a link opens: a button that signs in. Opening the link signs nobody in by itself,
/// since messengers open links to draw their previews.
pub async fn link_page(State(app): State<Application>, Path(token): Path<String>) -> Response {
    let good = async {
        let mut conn = app.pool().acquire().await?;
        staff_sessions::link_is_good(&mut conn, &token).await
    }
    .await;
    let page = Page::anonymous(&app, Locale::Fa);
    match good {
        Ok(true) => respond::page(
            StatusCode::OK,
            page.layout(
                &page.t(w::LINK_TITLE),
                html! {
                    form.stacked method="post" {
                        button type="submit" id="use-link" { (page.t(w::SIGN_IN_SUBMIT)) }
                    }
                },
            ),
        ),
        Ok(false) => link_spent(&page),
        Err(err) => {
            tracing::error!(error = %err, "web console: reading a sign-in link failed");
            respond::failure()
        }
    }
}

fn link_spent(page: &Page<'_>) -> Response {
    respond::page(
        StatusCode::GONE,
        page.layout(
            &page.t(w::LINK_TITLE),
            html! { p.error role="alert" { (page.t(w::LINK_SPENT)) } },
        ),
    )
}

/// Signs in with a link, once.
pub async fn use_link(State(app): State<Application>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let opened = async {
        let mut tx = app.pool().begin().await?;
        let Some((staff_id, locale)) = staff_sessions::take_link(&mut tx, &token).await? else {
            return anyhow::Ok(None);
        };
        if staff::by_id(&mut tx, staff_id).await?.is_none() {
            return Ok(None);
        }
        let (session, _) = staff_sessions::open(&mut tx, staff_id, locale, session::ABSOLUTE).await?;
        let actor = format!("staff:{staff_id}");
        audit::record(
            &mut tx,
            &actor,
            "staff.sign-in",
            &actor,
            serde_json::json!({ "by": "link" }),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(session))
    }
    .await;
    match opened {
        Ok(Some(session_token)) => {
            let mut response = respond::see_other(&format!("{}/staff/", app.config().http.path_prefix));
            response
                .headers_mut()
                .insert(SET_COOKIE, session::cookie_for(&session_token, &headers));
            response
        }
        Ok(None) => link_spent(&Page::anonymous(&app, Locale::Fa)),
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "web console: signing in by link failed");
            respond::failure()
        }
    }
}
