//! The dashboard: open requests per stage, overdue ones, how long decisions take (median and
//! 90th percentile), open complaints and satisfaction, for the member's services.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};

use super::chart;
use super::messages as w;
use super::page::Page;
use super::session::Signed;
use super::{failed, respond};
use crate::app::Application;
use crate::domain::service::stage_name_id;
use crate::i18n::{Arg, Locale, Msg};
use crate::sla::{DECISIONS_OVER, final_stages, overdue_per_service};
use crate::staff::access;
use crate::store::{ratings, sla};

/// What the dashboard shows.
struct Figures {
    /// (service, stage, count) of requests not closed.
    open: Vec<(String, String, i64)>,
    overdue: Vec<(String, i64)>,
    /// (service, median seconds, p90 seconds, decided).
    decisions: Vec<(String, f64, f64, i64)>,
    complaints: i64,
    /// (service or none, average, how many).
    satisfaction: Vec<(Option<String>, f64, i64)>,
}

pub async fn show(State(app): State<Application>, signed: Signed) -> Response {
    match figures(&app, &signed).await {
        Ok(figures) => {
            let page = Page::for_member(&app, &signed);
            respond::page(StatusCode::OK, dashboard(&page, &figures))
        }
        Err(err) => failed(err, "showing the dashboard"),
    }
}

async fn figures(app: &Application, signed: &Signed) -> anyhow::Result<Figures> {
    let member = &signed.member;
    let catalog = app.catalog();
    let now = Utc::now();
    let mut conn = app.pool().acquire().await?;
    let open = sla::per_stage(&mut conn)
        .await?
        .into_iter()
        .filter(|(service, stage, _)| {
            member.covers(service)
                && catalog
                    .get(service)
                    .and_then(|s| s.stage(stage))
                    .is_some_and(|s| !s.public.is_closed())
        })
        .collect();
    let office = crate::office::calendar(&mut conn, &app.config().office, now).await?;
    let overdue = overdue_per_service(&mut conn, catalog, &office, now)
        .await?
        .into_iter()
        .filter(|(service, _)| member.covers(service))
        .map(|(service, n)| (service.to_owned(), n))
        .collect();
    let (services, finals) = final_stages(catalog);
    let decisions = sla::decision_times(&mut conn, &services, &finals, now - DECISIONS_OVER)
        .await?
        .into_iter()
        .filter(|(service, ..)| member.covers(service))
        .collect();
    let complaints = sla::open_complaints_in(&mut conn, access::services_in_scope(member)).await?;
    let satisfaction = ratings::averages(&mut conn, now)
        .await?
        .into_iter()
        .filter(|(service, ..)| match service {
            Some(service) => member.covers(service),
            None => member.services.is_none(),
        })
        .collect();
    Ok(Figures {
        open,
        overdue,
        decisions,
        complaints,
        satisfaction,
    })
}

fn dashboard(page: &Page<'_>, f: &Figures) -> Markup {
    page.layout(&page.t(w::DASHBOARD_TITLE), body(page, f))
}

fn body(page: &Page<'_>, f: &Figures) -> Markup {
    let rtl = page.locale == Locale::Fa;
    let number = |n: i64| page.msg(&Msg::new(w::COUNT).arg("n", Arg::Number(n)));
    let hours = |seconds: f64| {
        page.msg(&Msg::new(w::DASHBOARD_HOURS).arg("hours", Arg::Number((seconds / 3600.0).round() as i64)))
    };
    let service_name = |id: &str| page.t(&format!("service-{id}"));
    let open_bars: Vec<(String, f64, String)> = f
        .open
        .iter()
        .map(|(service, stage, n)| {
            let label = format!("{} — {}", service_name(service), page.t(&stage_name_id(stage)));
            (label, *n as f64, number(*n))
        })
        .collect();
    let decision_bars: Vec<(String, f64, String)> = f
        .decisions
        .iter()
        .map(|(service, median, _, _)| (service_name(service), *median, hours(*median)))
        .collect();
    let total_overdue: i64 = f.overdue.iter().map(|(_, n)| n).sum();
    html! {
        div.tiles {
            div.tile { span.figure { (number(f.open.iter().map(|(_, _, n)| n).sum())) } span { (page.t(w::DASHBOARD_OPEN)) } }
            div.tile.bad[total_overdue > 0] { span.figure #overdue { (number(total_overdue)) } span { (page.t(w::DASHBOARD_OVERDUE)) } }
            div.tile { span.figure #complaints { (number(f.complaints)) } span { (page.t(w::DASHBOARD_COMPLAINTS)) } }
        }
        section aria-labelledby="per-stage" {
            h2 id="per-stage" { (page.t(w::DASHBOARD_PER_STAGE)) }
            @if open_bars.is_empty() {
                p { (page.t(w::DASHBOARD_NOTHING_OPEN)) }
            } @else {
                (chart::bars(&page.t(w::DASHBOARD_PER_STAGE), &open_bars, rtl))
            }
        }
        section aria-labelledby="decisions" {
            h2 id="decisions" { (page.t(w::DASHBOARD_DECISIONS)) }
            @if f.decisions.is_empty() {
                p { (page.t(w::DASHBOARD_NO_DECISIONS)) }
            } @else {
                (chart::bars(&page.t(w::DASHBOARD_DECISIONS), &decision_bars, rtl))
                table {
                    thead { tr {
                        th scope="col" { (page.t(w::COL_SERVICE)) }
                        th scope="col" { (page.t(w::DASHBOARD_MEDIAN)) }
                        th scope="col" { (page.t(w::DASHBOARD_P90)) }
                        th scope="col" { (page.t(w::DASHBOARD_DECIDED)) }
                    } }
                    tbody {
                        @for (service, median, p90, count) in &f.decisions {
                            tr { td { (service_name(service)) } td { (hours(*median)) } td { (hours(*p90)) } td { (number(*count)) } }
                        }
                    }
                }
            }
        }
        section aria-labelledby="satisfaction" {
            h2 id="satisfaction" { (page.t(w::DASHBOARD_SATISFACTION)) }
            @if f.satisfaction.is_empty() {
                p { (page.t(w::DASHBOARD_NO_RATINGS)) }
            } @else {
                ul {
                    @for (service, average, count) in &f.satisfaction {
                        @let tenths = (average * 10.0).round() as i64;
                        li {
                            (service.as_deref().map_or_else(|| page.t(w::DASHBOARD_GENERAL), service_name)) ": "
                            (page.msg(&Msg::new(w::DASHBOARD_SCORE)
                                .arg("whole", Arg::Number(tenths / 10))
                                .arg("tenth", Arg::Number(tenths % 10))
                                .arg("count", Arg::Number(*count))))
                        }
                    }
                }
            }
        }
    }
}
