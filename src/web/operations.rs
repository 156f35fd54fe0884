//! Operations for operators on one screen: outages (declare, resolve) and planned maintenance
//! (schedule, cancel), each announced to its audience by the staff core.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::messages as w;
use super::page::Page;
use super::session::{CsrfOnly, Posted, Signed};
use super::{NotDone, attempt, failed, forbidden, respond};
use crate::app::Application;
use crate::i18n::{Arg, Msg};
use crate::maintenance::{tehran_time, typed_time};
use crate::staff::access::{self, Act};
use crate::staff::perform::Action;
use crate::store::maintenance::{self as windows, Plan, Window};
use crate::store::outages::{self, Outage};

/// How far back resolved outages are still listed.
const RECENT: Duration = Duration::days(7);

fn may_operate(signed: &Signed) -> bool {
    access::may_ever(&signed.member, Act::Operate).is_ok()
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    done: Option<String>,
}

pub async fn show(State(app): State<Application>, signed: Signed, Query(query): Query<ShowQuery>) -> Response {
    if !may_operate(&signed) {
        return forbidden(&app, &signed);
    }
    let notice = query
        .done
        .map(|_| Page::for_member(&app, &signed).t(w::OPERATIONS_DONE));
    render(&app, &signed, notice, None, StatusCode::OK).await
}

async fn render(
    app: &Application,
    signed: &Signed,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let mut conn = app.pool().acquire().await?;
        let now = Utc::now();
        let outages = outages::recent(&mut conn, now - RECENT).await?;
        let windows = windows::upcoming(&mut conn, now).await?;
        anyhow::Ok((outages, windows))
    }
    .await;
    match loaded {
        Ok((outages, windows)) => {
            let page = Page::for_member(app, signed);
            respond::page(
                status,
                operations_page(&page, &outages, &windows, notice.as_deref(), error.as_deref()),
            )
        }
        Err(err) => failed(err, "showing operations"),
    }
}

fn service_name(page: &Page<'_>, service: Option<&str>) -> String {
    page.msg(&Msg::new(w::SERVICE_OR_EVERY).arg("service", crate::conversation::messages::service_or_every(service)))
}

/// The service field, with `chosen` (a service's id) selected; the empty choice is every service.
fn service_select(page: &Page<'_>, id: &str, chosen: Option<&str>) -> Markup {
    html! {
        label for=(id) { (page.t(w::FILTER_SERVICE)) }
        select id=(id) name="service" {
            option value="" { (service_name(page, None)) }
            @for service in page.app.catalog().services() {
                option value=(service.id) selected[chosen == Some(service.id.as_str())] {
                    (page.t(&format!("service-{}", service.id)))
                }
            }
        }
    }
}

fn operations_page(
    page: &Page<'_>,
    outages: &[Outage],
    windows: &[Window],
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    page.layout(
        &page.t(w::OPERATIONS_TITLE),
        html! {
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            section aria-labelledby="outages" {
                h2 id="outages" { (page.t(w::OUTAGES)) }
                @if outages.is_empty() { p { (page.t(w::OUTAGES_NONE)) } }
                ul.outages {
                    @for outage in outages {
                        li data-open=(outage.resolved_at.is_none()) {
                            strong { (service_name(page, outage.service_id.as_deref())) } ": "
                            span dir="auto" { (outage.reason) } " — "
                            (page.msg(&Msg::new(w::OUTAGE_SINCE).arg("at", Arg::Time(outage.started_at))))
                            @if let Some(resolved) = outage.resolved_at {
                                " — " (page.msg(&Msg::new(w::OUTAGE_RESOLVED_AT).arg("at", Arg::Time(resolved))))
                            } @else {
                                " "
                                form.inline method="post" action=(page.href(&format!("/operations/outages/{}/resolve", outage.id))) {
                                    (page.csrf_field())
                                    button type="submit" { (page.t(w::OUTAGE_RESOLVE)) }
                                }
                            }
                        }
                    }
                }
                form.stacked.wide method="post" action=(page.href("/operations/outages")) {
                    (page.csrf_field())
                    (service_select(page, "outage-service", None))
                    label for="outage-reason" { (page.t(w::OUTAGE_REASON)) }
                    input id="outage-reason" name="reason" type="text" required dir="auto";
                    button type="submit" { (page.t(w::OUTAGE_DECLARE)) }
                }
            }
            section aria-labelledby="maintenance" {
                h2 id="maintenance" { (page.t(w::MAINTENANCE)) }
                @if windows.is_empty() { p { (page.t(w::MAINTENANCE_NONE)) } }
                ul.windows {
                    @for window in windows {
                        li data-cancelled=(window.cancelled_at.is_some()) {
                            strong { (service_name(page, window.service_id.as_deref())) } ": "
                            (page.msg(&Msg::new(w::MAINTENANCE_SPAN)
                                .arg("start", Arg::Time(window.starts_at))
                                .arg("end", Arg::Time(window.ends_at))))
                            " — " span dir="auto" { (window.reason) }
                            @if window.cancelled_at.is_some() {
                                " — " (page.t(w::MAINTENANCE_CANCELLED))
                            } @else {
                                " "
                                form.inline method="post" action=(page.href(&format!("/operations/maintenance/{}/cancel", window.id))) {
                                    (page.csrf_field())
                                    button.secondary type="submit" { (page.t(w::MAINTENANCE_CANCEL)) }
                                }
                                details {
                                    summary { (page.t(w::MAINTENANCE_CHANGE)) }
                                    (window_form(page, &format!("/operations/maintenance/{}", window.id), Some(window), &format!("w{}", window.id)))
                                }
                            }
                        }
                    }
                }
                (window_form(page, "/operations/maintenance", None, "new"))
            }
        },
    )
}

/// The form that schedules a window, or changes `current` (its fields filled in), posting to
/// `path`; `id` keeps its fields' ids apart from other forms on the page.
fn window_form(page: &Page<'_>, path: &str, current: Option<&Window>, id: &str) -> Markup {
    let (start_date, start_time) = current.map(|w| typed_time(w.starts_at)).unzip();
    let (end_date, end_time) = current.map(|w| typed_time(w.ends_at)).unzip();
    let field = |name: &str| format!("{name}-{id}");
    html! {
        form.stacked.wide method="post" action=(page.href(path)) {
            (page.csrf_field())
            (service_select(page, &field("service"), current.and_then(|w| w.service_id.as_deref())))
            label for=(field("start-date")) { (page.t(w::MAINTENANCE_START)) }
            div.pair {
                input id=(field("start-date")) name="start_date" type="text" required inputmode="numeric" placeholder=(page.t(w::FILTER_DATE_HINT)) value=[start_date];
                input id=(field("start-time")) name="start_time" type="text" required inputmode="numeric" placeholder="۲۲:۰۰" aria-label=(page.t(w::MAINTENANCE_TIME)) value=[start_time];
            }
            label for=(field("end-date")) { (page.t(w::MAINTENANCE_END)) }
            div.pair {
                input id=(field("end-date")) name="end_date" type="text" required inputmode="numeric" placeholder=(page.t(w::FILTER_DATE_HINT)) value=[end_date];
                input id=(field("end-time")) name="end_time" type="text" required inputmode="numeric" placeholder="۰۲:۰۰" aria-label=(page.t(w::MAINTENANCE_TIME)) value=[end_time];
            }
            label for=(field("reason")) { (page.t(w::OUTAGE_REASON)) }
            input id=(field("reason")) name="reason" type="text" required dir="auto" value=[current.map(|w| w.reason.as_str())];
            button type="submit" { (page.t(if current.is_some() { w::MAINTENANCE_SAVE } else { w::MAINTENANCE_SCHEDULE })) }
        }
    }
}

#[derive(Deserialize)]
pub struct OutageForm {
    service: Option<String>,
    reason: String,
}

#[derive(Deserialize)]
pub struct WindowForm {
    service: Option<String>,
    start_date: String,
    start_time: String,
    end_date: String,
    end_time: String,
    reason: String,
}

pub async fn declare_outage(State(app): State<Application>, Posted { signed, form }: Posted<OutageForm>) -> Response {
    let service = form.service.as_deref().filter(|s| !s.is_empty());
    let action = Action::DeclareOutage {
        service,
        reason: &form.reason,
    };
    finish(&app, &signed, action).await
}

pub async fn resolve_outage(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, form: _ }: Posted<CsrfOnly>,
) -> Response {
    finish(&app, &signed, Action::ResolveOutage { id }).await
}

pub async fn change(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<WindowForm>,
) -> Response {
    match form.plan() {
        Some(plan) => finish(&app, &signed, Action::ChangeMaintenance { id, plan }).await,
        None => unreadable_times(&app, &signed).await,
    }
}

pub async fn schedule(State(app): State<Application>, Posted { signed, form }: Posted<WindowForm>) -> Response {
    match form.plan() {
        Some(plan) => finish(&app, &signed, Action::ScheduleMaintenance(plan)).await,
        None => unreadable_times(&app, &signed).await,
    }
}

/// The page again, saying how to write a window's times.
async fn unreadable_times(app: &Application, signed: &Signed) -> Response {
    let why = Page::for_member(app, signed).t(w::MAINTENANCE_BAD_TIME);
    render(app, signed, None, Some(why), StatusCode::UNPROCESSABLE_ENTITY).await
}

impl WindowForm {
    /// The window the form describes; `None` when a time cannot be read.
    fn plan(&self) -> Option<Plan<'_>> {
        Some(Plan {
            service_id: self.service.as_deref().filter(|s| !s.is_empty()),
            starts_at: tehran_time(&self.start_date, &self.start_time).ok()?,
            ends_at: tehran_time(&self.end_date, &self.end_time).ok()?,
            reason: &self.reason,
        })
    }
}

pub async fn cancel_window(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, form: _ }: Posted<CsrfOnly>,
) -> Response {
    finish(&app, &signed, Action::CancelMaintenance { id }).await
}

/// Does an operations act; back to the page, saying it was done (and announced) or why not.
async fn finish(app: &Application, signed: &Signed, action: Action<'_>) -> Response {
    match attempt(app, signed, action, "an operations act").await {
        Ok(_) => respond::see_other(&format!("{}?done=1", Page::for_member(app, signed).href("/operations"))),
        Err(NotDone::Refused { why, status }) => render(app, signed, None, Some(why), status).await,
        Err(NotDone::Answered(response)) => response,
    }
}
