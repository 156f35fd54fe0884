//! Broadcasts for operators: draft with a preview and the audience counted, confirm, follow
//! the progress until everything is sent, or cancel.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::messages as w;
use super::page::Page;
use super::session::{CsrfOnly, Posted, Signed};
use super::{NotDone, attempt, failed, forbidden, respond};
use crate::app::Application;
use crate::broadcast::{self, Counts, Progress, Target};
use crate::domain::TrackingCode;
use crate::i18n::{Arg, Locale, Msg};
use crate::staff::access::{self, Act};
use crate::staff::perform::Action;
use crate::store::broadcasts::{self as store, Broadcast};

/// Broadcasts the list shows.
const LISTED: i64 = 20;
/// How often a page following a broadcast being sent reloads itself.
const REFRESH_SECS: u32 = 2;

/// Whether the member may work with broadcasts at all.
fn may_operate(signed: &Signed) -> bool {
    access::may_ever(&signed.member, Act::Operate).is_ok()
}

pub async fn list(State(app): State<Application>, signed: Signed) -> Response {
    if !may_operate(&signed) {
        return forbidden(&app, &signed);
    }
    let page = Page::for_member(&app, &signed);
    match recent(&app).await {
        Ok(recent) => respond::page(StatusCode::OK, list_page(&page, &recent, None, &DraftForm::default())),
        Err(err) => failed(err, "listing broadcasts"),
    }
}

async fn recent(app: &Application) -> anyhow::Result<Vec<Broadcast>> {
    let mut conn = app.pool().acquire().await?;
    Ok(store::recent(&mut conn, LISTED).await?)
}

fn list_page(page: &Page<'_>, recent: &[Broadcast], error: Option<&str>, form: &DraftForm) -> Markup {
    page.layout(
        &page.t(w::BROADCASTS_TITLE),
        html! {
            section aria-labelledby="new" {
                h2 id="new" { (page.t(w::BROADCAST_NEW)) }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                form.stacked.wide method="post" action=(page.href("/broadcasts")) {
                    (page.csrf_field())
                    label for="service" { (page.t(w::BROADCAST_TO)) }
                    select id="service" name="service" {
                        option value="" { (page.t(w::BROADCAST_TO_EVERYONE)) }
                        @for service in page.app.catalog().services() {
                            option value=(service.id) selected[form.service.as_deref() == Some(service.id.as_str())] {
                                (page.t(&format!("service-{}", service.id)))
                            }
                        }
                    }
                    label for="codes" { (page.t(w::BROADCAST_CODES)) }
                    textarea id="codes" name="codes" rows="3" dir="ltr" { (form.codes.as_deref().unwrap_or("")) }
                    label for="text" { (page.t(w::BROADCAST_TEXT)) }
                    textarea id="text" name="text" rows="5" required maxlength="1000" dir="auto" { (form.text.as_deref().unwrap_or("")) }
                    button type="submit" { (page.t(w::BROADCAST_DRAFT)) }
                }
            }
            section aria-labelledby="recent" {
                h2 id="recent" { (page.t(w::BROADCASTS_TITLE)) }
                @if recent.is_empty() {
                    p { (page.t(w::BROADCASTS_NONE)) }
                } @else {
                    ul.broadcasts {
                        @for b in recent {
                            li {
                                a href=(page.href(&format!("/broadcasts/{}", b.id))) {
                                    (page.msg(&Msg::new(w::BROADCAST_TITLE).arg("id", Arg::Number(b.id))))
                                }
                                " — " (state_text(page, b)) " — " (audience_text(page, b))
                            }
                        }
                    }
                }
            }
        },
    )
}

#[derive(Deserialize, Default)]
pub struct DraftForm {
    service: Option<String>,
    codes: Option<String>,
    text: Option<String>,
}

pub async fn draft(State(app): State<Application>, Posted { signed, form }: Posted<DraftForm>) -> Response {
    if !may_operate(&signed) {
        return forbidden(&app, &signed);
    }
    let page = Page::for_member(&app, &signed);
    let (status, error) = match drafted(&app, &signed, &page, &form).await {
        Ok(id) => return respond::see_other(&page.href(&format!("/broadcasts/{id}"))),
        Err(NotDone::Refused { why, status }) => (status, why),
        Err(NotDone::Answered(response)) => return response,
    };
    match recent(&app).await {
        Ok(recent) => respond::page(status, list_page(&page, &recent, Some(&error), &form)),
        Err(err) => failed(err, "listing broadcasts"),
    }
}

/// The draft's id, or why the form was refused.
async fn drafted(app: &Application, signed: &Signed, page: &Page<'_>, form: &DraftForm) -> Result<i64, NotDone> {
    let service = form.service.as_deref().filter(|s| !s.is_empty());
    let mut codes = Vec::new();
    for text in form
        .codes
        .as_deref()
        .unwrap_or("")
        .split([',', '\n', '\r', '،'])
        .map(str::trim)
    {
        if text.is_empty() {
            continue;
        }
        match TrackingCode::parse(text) {
            Ok(code) => codes.push(code),
            Err(_) => {
                let why = page.msg(&Msg::new(w::FILTER_BAD_CODE).arg("input", Arg::Text(text.to_owned())));
                return Err(NotDone::Refused {
                    why,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                });
            }
        }
    }
    let Some(target) = Target::named(service, (!codes.is_empty()).then_some(codes.as_slice())) else {
        let why = page.t(w::BROADCAST_BOTH);
        return Err(NotDone::Refused {
            why,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        });
    };
    let action = Action::DraftBroadcast {
        target,
        text: form.text.as_deref().unwrap_or(""),
    };
    let done = attempt(app, signed, action, "drafting a broadcast").await?;
    done.drafted()
        .map(|(broadcast, _)| broadcast.id)
        .map_err(|err| NotDone::Answered(failed(err, "drafting a broadcast")))
}

pub async fn show(State(app): State<Application>, signed: Signed, Path(id): Path<i64>) -> Response {
    if !may_operate(&signed) {
        return forbidden(&app, &signed);
    }
    render(&app, &signed, id, None, StatusCode::OK).await
}

async fn render(app: &Application, signed: &Signed, id: i64, error: Option<String>, status: StatusCode) -> Response {
    let loaded = async {
        let mut conn = app.pool().acquire().await?;
        let Some(broadcast) = store::find(&mut conn, id).await? else {
            return anyhow::Ok(None);
        };
        let progress = broadcast::progress(&mut conn, &broadcast).await?;
        // Only a draft shows its reach: counting it on each view of a broadcast being sent (the
        // page is reloaded to follow it) read its whole audience for nothing.
        let reach = match broadcast::State::of(&broadcast) {
            broadcast::State::Draft => Some(broadcast::reach(&mut conn, &broadcast).await?),
            _ => None,
        };
        Ok(Some((broadcast, progress, reach)))
    }
    .await;
    match loaded {
        Ok(Some((broadcast, progress, reach))) => {
            let page = Page::for_member(app, signed);
            respond::page(
                status,
                broadcast_page(&page, &broadcast, &progress, reach, error.as_deref()),
            )
        }
        Ok(None) => super::not_found(app, signed),
        Err(err) => failed(err, "showing a broadcast"),
    }
}

fn broadcast_page(
    page: &Page<'_>,
    b: &Broadcast,
    progress: &Progress,
    reach: Option<broadcast::Reach>,
    error: Option<&str>,
) -> Markup {
    let state = broadcast::State::of(b);
    let message = broadcast::message(b);
    let waiting = progress.chat.waiting + progress.sms.waiting;
    let sending = state == broadcast::State::Confirmed && waiting > 0;
    let body = html! {
        @if let Some(error) = error { p.error role="alert" { (error) } }
        dl.facts {
            dt { (page.t(w::COL_STATE)) } dd.state { (state_text(page, b)) }
            dt { (page.t(w::BROADCAST_TO)) } dd { (audience_text(page, b)) }
        }
        h2 { (page.t(w::BROADCAST_PREVIEW)) }
        @for locale in [Locale::Fa, Locale::En] {
            blockquote.preview lang=(locale.code()) dir=(if locale == Locale::Fa { "rtl" } else { "ltr" }) {
                (page.app.i18n().render(locale, &message))
            }
        }
        @match state {
            broadcast::State::Draft => {
                @if let Some(reach) = reach {
                    p.reach { (page.msg(&reach.args(Msg::new(w::BROADCAST_REACH)))) }
                }
                form.inline method="post" action=(page.href(&format!("/broadcasts/{}/confirm", b.id))) {
                    (page.csrf_field())
                    button type="submit" id="confirm" { (page.t(w::BROADCAST_CONFIRM)) }
                }
                " "
                form.inline method="post" action=(page.href(&format!("/broadcasts/{}/cancel", b.id))) {
                    (page.csrf_field())
                    button.secondary type="submit" id="cancel" { (page.t(w::BROADCAST_DROP)) }
                }
            },
            broadcast::State::Confirmed => {
                (progress_table(page, progress))
                @if sending {
                    p.notice role="status" { (page.t(w::BROADCAST_SENDING)) }
                    form.inline method="post" action=(page.href(&format!("/broadcasts/{}/cancel", b.id))) {
                        (page.csrf_field())
                        button.secondary type="submit" id="cancel" { (page.t(w::BROADCAST_STOP)) }
                    }
                } @else {
                    p.notice.all-sent role="status" { (page.t(w::BROADCAST_ALL_SENT)) }
                }
            },
            broadcast::State::Cancelled => {
                (progress_table(page, progress))
            },
        }
    };
    let title = page.msg(&Msg::new(w::BROADCAST_TITLE).arg("id", Arg::Number(b.id)));
    let markup = page.layout(&title, body);
    if sending {
        // No script: the page asks the browser to load it again while notices wait.
        let refresh = format!(r#"<meta http-equiv="refresh" content="{REFRESH_SECS}">"#);
        maud::PreEscaped(markup.into_string().replacen("<head>", &format!("<head>{refresh}"), 1))
    } else {
        markup
    }
}

fn progress_table(page: &Page<'_>, progress: &Progress) -> Markup {
    let row = |name: &str, counts: &Counts| {
        html! {
            tr {
                th scope="row" { (name) }
                @for n in [counts.total, counts.sent, counts.waiting, counts.failed, counts.cancelled] {
                    td { (page.msg(&Msg::new(w::COUNT).arg("n", Arg::Number(n)))) }
                }
            }
        }
    };
    html! {
        table.progress {
            thead { tr {
                th scope="col" { (page.t(w::COL_CHANNEL)) }
                th scope="col" { (page.t(w::PROGRESS_TOTAL)) }
                th scope="col" { (page.t(w::PROGRESS_SENT)) }
                th scope="col" { (page.t(w::PROGRESS_WAITING)) }
                th scope="col" { (page.t(w::PROGRESS_FAILED)) }
                th scope="col" { (page.t(w::PROGRESS_CANCELLED)) }
            } }
            tbody {
                (row(&page.t(w::CHANNEL_CHAT), &progress.chat))
                (row(&page.t(w::CHANNEL_SMS), &progress.sms))
            }
        }
    }
}

fn state_text(page: &Page<'_>, b: &Broadcast) -> String {
    page.t(match broadcast::State::of(b) {
        broadcast::State::Draft => w::BROADCAST_STATE_DRAFT,
        broadcast::State::Confirmed => w::BROADCAST_STATE_CONFIRMED,
        broadcast::State::Cancelled => w::BROADCAST_STATE_CANCELLED,
    })
}

fn audience_text(page: &Page<'_>, b: &Broadcast) -> String {
    match (&b.service_id, &b.codes) {
        (Some(service), _) => {
            page.msg(&Msg::new(w::BROADCAST_TO_SERVICE).arg("service", Arg::Msg(format!("service-{service}"))))
        }
        (None, Some(codes)) => page.msg(&Msg::new(w::BROADCAST_TO_CODES).arg("count", Arg::Number(codes.len() as i64))),
        (None, None) => page.t(w::BROADCAST_TO_EVERYONE),
    }
}

pub async fn confirm(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<CsrfOnly>,
) -> Response {
    step(app, signed, id, Action::ConfirmBroadcast { id }).await
}

pub async fn cancel(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<CsrfOnly>,
) -> Response {
    step(app, signed, id, Action::CancelBroadcast { id }).await
}

/// Confirms or cancels, then back to the broadcast's page.
async fn step(app: Application, signed: Signed, id: i64, action: Action<'_>) -> Response {
    match attempt(&app, &signed, action, "changing a broadcast").await {
        Ok(_) => respond::see_other(&Page::for_member(&app, &signed).href(&format!("/broadcasts/{id}"))),
        Err(NotDone::Refused { why, status }) => render(&app, &signed, id, Some(why), status).await,
        Err(NotDone::Answered(response)) => response,
    }
}
