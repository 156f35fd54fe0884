//! The queue: requests in the member's services, filtered and ordered, with the office time
//! left on their stage's target.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::filter::{date_range, given, link};
use super::messages as w;
use super::page::{Page, ltr};
use super::session::Signed;
use super::{failed, respond};
use crate::app::Application;
use crate::domain::TrackingCode;
use crate::domain::service::stage_name_id;
use crate::i18n::{self, Arg, Msg};
use crate::office::{self, OfficeCalendar};
use crate::staff::access;
use crate::store::requests::{self, Filter, RequestRow};

/// Rows a page shows.
pub const PAGE_SIZE: usize = 25;
/// Requests looked at per view, newest first. Overdue is office time, which the database
/// cannot compute, so filtering and ordering by it happen here, over at most this many.
pub const LOOKED_AT: i64 = 1000;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    service: Option<String>,
    stage: Option<String>,
    overdue: Option<String>,
    from: Option<String>,
    to: Option<String>,
    code: Option<String>,
    order: Option<String>,
    page: Option<usize>,
}

/// A request in the queue with the office time left on its stage's target (negative: over).
struct Line {
    row: RequestRow,
    left: Option<Duration>,
}

pub async fn show(State(app): State<Application>, signed: Signed, Query(query): Query<QueueQuery>) -> Response {
    let page = Page::for_member(&app, &signed);
    // A tracking code goes straight to its request, whose page decides whether it may be seen.
    if let Some(text) = given(&query.code) {
        return match TrackingCode::parse(text) {
            Ok(code) => respond::see_other(&page.href(&format!("/requests/{code}"))),
            Err(_) => refused(&page, &query, w::FILTER_BAD_CODE, text),
        };
    }
    let bounds = match date_range(&query.from, &query.to) {
        Ok(bounds) => bounds,
        Err(text) => return refused(&page, &query, w::FILTER_BAD_DATE, &text),
    };
    match lines(&app, &signed, &query, bounds).await {
        Ok((lines, capped)) => respond::page(StatusCode::OK, queue_page(&page, &query, &lines, capped, None)),
        Err(err) => failed(err, "listing the queue"),
    }
}

/// The form again with what was wrong with it, and no list.
fn refused(page: &Page<'_>, query: &QueueQuery, message: &str, input: &str) -> Response {
    let error = page.msg(&Msg::new(message).arg("input", Arg::Text(input.to_owned())));
    respond::page(
        StatusCode::BAD_REQUEST,
        queue_page(page, query, &[], false, Some(&error)),
    )
}

async fn lines(
    app: &Application,
    signed: &Signed,
    query: &QueueQuery,
    [from, to]: [Option<DateTime<Utc>>; 2],
) -> anyhow::Result<(Vec<Line>, bool)> {
    let filter = Filter {
        service: given(&query.service).map(str::to_owned),
        stage: given(&query.stage).map(str::to_owned),
        submitted_from: from,
        submitted_to: to,
        services_in_scope: access::services_in_scope(&signed.member).map(<[String]>::to_vec),
        after: None,
        limit: LOOKED_AT,
    };
    let mut conn = app.pool().acquire().await?;
    let rows = requests::list(&mut conn, &filter).await?;
    let capped = rows.len() as i64 == LOOKED_AT;
    let now = Utc::now();
    let office = office::calendar(&mut conn, &app.config().office, now).await?;
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|row| Line {
            left: time_left(app, &office, &row, now),
            row,
        })
        .filter(|line| given(&query.overdue).is_none() || line.left.is_some_and(|left| left < Duration::zero()))
        .collect();
    if given(&query.order) == Some("overdue") {
        // Most overdue first; requests with no target last, newest first among them.
        lines.sort_by_key(|line| line.left.map_or((1, Duration::zero()), |left| (0, left)));
    }
    Ok((lines, capped))
}

/// The office time left before the request's stage target passes; `None` for a stage with no
/// target (a final one).
fn time_left(app: &Application, office: &OfficeCalendar, row: &RequestRow, now: DateTime<Utc>) -> Option<Duration> {
    let hours = app.catalog().get(&row.service_id)?.stage(&row.stage)?.target_hours?;
    Some(Duration::hours(hours.into()) - office.office_time(row.updated_at, now))
}

fn queue_page(page: &Page<'_>, query: &QueueQuery, lines: &[Line], capped: bool, error: Option<&str>) -> Markup {
    let page_number = query.page.unwrap_or(1).max(1);
    let shown: Vec<&Line> = lines
        .iter()
        .skip((page_number - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let more = lines.len() > page_number * PAGE_SIZE;
    page.layout(
        &page.t(w::QUEUE_TITLE),
        html! {
            (filters(page, query))
            @if let Some(error) = error {
                p.error role="alert" { (error) }
            } @else {
                p role="status" { (page.msg(&Msg::new(w::QUEUE_COUNT).arg("count", Arg::Number(lines.len() as i64)))) }
                @if capped {
                    p.notice { (page.msg(&Msg::new(w::QUEUE_CAPPED).arg("count", Arg::Number(LOOKED_AT)))) }
                }
                @if shown.is_empty() {
                    p { (page.t(w::QUEUE_EMPTY)) }
                } @else {
                    (table(page, &shown))
                }
                nav.pages aria-label=(page.msg(&Msg::new(w::PAGE_OF).arg("page", Arg::Number(page_number as i64)))) {
                    @if page_number > 1 {
                        a rel="prev" href=(page_link(page, query, page_number - 1)) { (page.t(w::PAGE_PREVIOUS)) }
                    }
                    span { (page.msg(&Msg::new(w::PAGE_OF).arg("page", Arg::Number(page_number as i64)))) }
                    @if more {
                        a rel="next" href=(page_link(page, query, page_number + 1)) { (page.t(w::PAGE_NEXT)) }
                    }
                }
            }
        },
    )
}

fn table(page: &Page<'_>, lines: &[&Line]) -> Markup {
    html! {
        table.queue {
            thead {
                tr {
                    th scope="col" { (page.t(w::COL_CODE)) }
                    th scope="col" { (page.t(w::COL_SERVICE)) }
                    th scope="col" { (page.t(w::COL_STAGE)) }
                    th scope="col" { (page.t(w::COL_SUBMITTED)) }
                    th scope="col" { (page.t(w::COL_SLA)) }
                }
            }
            tbody {
                @for line in lines {
                    tr.overdue[line.left.is_some_and(|left| left < Duration::zero())] {
                        td { a href=(page.href(&format!("/requests/{}", line.row.code))) { (ltr(&i18n::code_text(line.row.code, page.locale))) } }
                        td { (page.t(&format!("service-{}", line.row.service_id))) }
                        td { (page.t(&stage_name_id(&line.row.stage))) }
                        td { (page.time(line.row.created_at)) }
                        td { (sla_text(page, line.left)) }
                    }
                }
            }
        }
    }
}

/// "12 h 30 min left", "3 h 5 min overdue", or "no target".
pub fn sla_text(page: &Page<'_>, left: Option<Duration>) -> String {
    let Some(left) = left else {
        return page.t(w::SLA_NONE);
    };
    let id = if left < Duration::zero() {
        w::SLA_OVER
    } else {
        w::SLA_LEFT
    };
    let minutes = left.num_minutes().abs();
    page.msg(
        &Msg::new(id)
            .arg("hours", Arg::Number(minutes / 60))
            .arg("minutes", Arg::Number(minutes % 60)),
    )
}

fn filters(page: &Page<'_>, query: &QueueQuery) -> Markup {
    let services: Vec<&crate::domain::Service> = page
        .app
        .catalog()
        .services()
        .iter()
        .filter(|s| page.signed.is_some_and(|signed| signed.member.covers(&s.id)))
        .collect();
    let chosen_service = given(&query.service);
    let mut stages: Vec<&str> = Vec::new();
    for stage in services
        .iter()
        .filter(|s| chosen_service.is_none_or(|id| s.id == id))
        .flat_map(|s| s.stages.iter().map(|stage| stage.id.as_str()))
    {
        if !stages.contains(&stage) {
            stages.push(stage);
        }
    }
    let selected = |field: &Option<String>, value: &str| given(field) == Some(value);
    html! {
        form.filters method="get" action=(page.href("/")) {
            div {
                label for="service" { (page.t(w::FILTER_SERVICE)) }
                select id="service" name="service" {
                    option value="" { (page.t(w::FILTER_ANY)) }
                    @for service in &services {
                        option value=(service.id) selected[selected(&query.service, &service.id)] { (page.t(&format!("service-{}", service.id))) }
                    }
                }
            }
            div {
                label for="stage" { (page.t(w::FILTER_STAGE)) }
                select id="stage" name="stage" {
                    option value="" { (page.t(w::FILTER_ANY)) }
                    @for stage in &stages {
                        option value=(stage) selected[selected(&query.stage, stage)] { (page.t(&stage_name_id(stage))) }
                    }
                }
            }
            div {
                label for="from" { (page.t(w::FILTER_FROM)) }
                input id="from" name="from" type="text" inputmode="numeric" placeholder=(page.t(w::FILTER_DATE_HINT)) value=[given(&query.from)];
            }
            div {
                label for="to" { (page.t(w::FILTER_TO)) }
                input id="to" name="to" type="text" inputmode="numeric" placeholder=(page.t(w::FILTER_DATE_HINT)) value=[given(&query.to)];
            }
            div {
                label for="code" { (page.t(w::FILTER_CODE)) }
                input id="code" name="code" type="text" inputmode="numeric" dir="ltr" value=[given(&query.code)];
            }
            div {
                label for="order" { (page.t(w::FILTER_ORDER)) }
                select id="order" name="order" {
                    option value="newest" { (page.t(w::ORDER_NEWEST)) }
                    option value="overdue" selected[selected(&query.order, "overdue")] { (page.t(w::ORDER_OVERDUE)) }
                }
            }
            div.check {
                input id="overdue" name="overdue" type="checkbox" value="1" checked[given(&query.overdue).is_some()];
                label for="overdue" { (page.t(w::FILTER_OVERDUE)) }
            }
            button type="submit" { (page.t(w::FILTER_SUBMIT)) }
        }
    }
}

/// This view's link with another page number.
fn page_link(page: &Page<'_>, query: &QueueQuery, number: usize) -> String {
    let filters = [
        ("service", &query.service),
        ("stage", &query.stage),
        ("overdue", &query.overdue),
        ("from", &query.from),
        ("to", &query.to),
        ("order", &query.order),
    ];
    link(page, "/", &filters, ("page", number.to_string()))
}
