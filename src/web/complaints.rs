//! Complaints for those who handle them: what the applicant wrote (the read is audited), the
//! request it is about, and forms to answer (the applicant is told) or close it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::messages as w;
use super::page::{Page, ltr};
use super::session::{Posted, Signed};
use super::{NotDone, attempt, failed, forbidden, not_found, respond};
use crate::app::Application;
use crate::conversation::messages as m;
use crate::domain::TrackingCode;
use crate::i18n::{self, Arg, Msg};
use crate::staff::access::{self, Act};
use crate::staff::perform::Action;
use crate::store::audit;
use crate::store::complaints::{self, StaffView};

/// Complaints a page lists.
const LISTED: i64 = 100;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// open (the default), answered, closed or all.
    status: Option<String>,
    /// Set after an act: the complaint's code, to say it was done.
    done: Option<String>,
}

fn may_handle(signed: &Signed) -> bool {
    access::may_ever(&signed.member, Act::HandleComplaint).is_ok()
}

pub async fn list(State(app): State<Application>, signed: Signed, Query(query): Query<ListQuery>) -> Response {
    if !may_handle(&signed) {
        return forbidden(&app, &signed);
    }
    let notice = query
        .done
        .is_some()
        .then(|| Page::for_member(&app, &signed).t(w::COMPLAINT_DONE));
    render(&app, &signed, query.status.as_deref(), notice, None, StatusCode::OK).await
}

async fn render(
    app: &Application,
    signed: &Signed,
    status: Option<&str>,
    notice: Option<String>,
    error: Option<String>,
    code: StatusCode,
) -> Response {
    let status = match status.unwrap_or("open") {
        "all" => None,
        known @ ("open" | "answered" | "closed") => Some(known),
        _ => Some("open"),
    };
    let loaded = async {
        let mut conn = app.pool().acquire().await?;
        let rows =
            complaints::list_for_staff(&mut conn, status, access::services_in_scope(&signed.member), LISTED).await?;
        // What applicants wrote is opened for the page: the reading is audited, as the API's.
        audit::record(
            &mut conn,
            &signed.member.actor(),
            "complaints.list",
            "complaints",
            json!({}),
        )
        .await?;
        anyhow::Ok(rows)
    }
    .await;
    let rows = match loaded {
        Ok(rows) => rows,
        Err(err) => return failed(err, "listing complaints"),
    };
    let page = Page::for_member(app, signed);
    match list_page(&page, &rows, status, notice.as_deref(), error.as_deref()) {
        Ok(markup) => respond::page(code, markup),
        Err(err) => failed(err, "showing complaints"),
    }
}

fn list_page(
    page: &Page<'_>,
    rows: &[StaffView],
    status: Option<&str>,
    notice: Option<&str>,
    error: Option<&str>,
) -> anyhow::Result<Markup> {
    let vault = page.app.vault();
    let code_of = |stored: i64| TrackingCode::from_stored(stored).ok();
    let mut items = Vec::new();
    for row in rows {
        let Some(code) = code_of(row.code) else { continue };
        let state = match row.status.as_str() {
            "open" => m::COMPLAINT_OPEN,
            "answered" => m::COMPLAINT_ANSWERED,
            _ => m::COMPLAINT_CLOSED,
        };
        items.push(html! {
            article.complaint id=(format!("c{}", row.code)) data-status=(row.status) {
                h2 { (page.msg(&Msg::new(w::COMPLAINT_TITLE).arg("code", Arg::Code(code)))) }
                dl.facts {
                    dt { (page.t(w::COL_STATE)) } dd { (page.t(state)) }
                    dt { (page.t(w::COMPLAINT_ABOUT)) }
                    dd {
                        @match row.request_code.and_then(code_of) {
                            Some(request) => a href=(page.href(&format!("/requests/{request}"))) { (ltr(&i18n::code_text(request, page.locale))) },
                            None => (page.t(w::COMPLAINT_ABOUT_NONE)),
                        }
                    }
                    dt { (page.t(w::COL_SUBMITTED)) } dd { (page.time(row.created_at)) }
                }
                blockquote.preview dir="auto" { (row.body(vault)?.unwrap_or_else(|| page.t(w::COMPLAINT_REMOVED))) }
                @if let Some(answer) = row.answer(vault)? {
                    h3 { (page.t(w::COMPLAINT_ANSWER)) }
                    blockquote.preview dir="auto" { (answer) }
                }
                @if row.status != "closed" {
                    form.move method="post" action=(page.href(&format!("/complaints/{code}/answer"))) {
                        (page.csrf_field())
                        label for=(format!("answer-{}", row.code)) { (page.t(w::COMPLAINT_ANSWER_LABEL)) }
                        textarea id=(format!("answer-{}", row.code)) name="answer" rows="3" required dir="auto" {}
                        button type="submit" { (page.t(w::COMPLAINT_SEND_ANSWER)) }
                    }
                    form.inline method="post" action=(page.href(&format!("/complaints/{code}/close"))) {
                        (page.csrf_field())
                        button.secondary type="submit" { (page.t(w::COMPLAINT_CLOSE)) }
                    }
                }
            }
        });
    }
    let tab = |value: &str, id: &str| {
        let current = status.unwrap_or("all") == value;
        html! {
            @if current { strong aria-current="page" { (page.t(id)) } }
            @else { a href=(format!("{}?status={value}", page.href("/complaints"))) { (page.t(id)) } }
        }
    };
    Ok(page.layout(
        &page.t(w::COMPLAINTS_TITLE),
        html! {
            nav.pages aria-label=(page.t(w::COL_STATE)) {
                (tab("open", m::COMPLAINT_OPEN)) (tab("answered", m::COMPLAINT_ANSWERED))
                (tab("closed", m::COMPLAINT_CLOSED)) (tab("all", w::FILTER_ANY))
            }
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            @if items.is_empty() { p { (page.t(w::COMPLAINTS_NONE)) } }
            @for item in items { (item) }
        },
    ))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    answer: String,
}

#[derive(Deserialize)]
pub struct CloseForm {}

pub async fn answer(
    State(app): State<Application>,
    Path(code): Path<String>,
    Posted { signed, form }: Posted<AnswerForm>,
) -> Response {
    let Ok(code) = TrackingCode::parse(&code) else {
        return not_found(&app, &signed);
    };
    let action = Action::AnswerComplaint {
        code,
        answer: &form.answer,
    };
    done(&app, &signed, code, action).await
}

pub async fn close(
    State(app): State<Application>,
    Path(code): Path<String>,
    Posted { signed, form: _ }: Posted<CloseForm>,
) -> Response {
    let Ok(code) = TrackingCode::parse(&code) else {
        return not_found(&app, &signed);
    };
    done(&app, &signed, code, Action::CloseComplaint { code }).await
}

/// Does a complaint act; back to the list, saying it was done or why not.
async fn done(app: &Application, signed: &Signed, code: TrackingCode, action: Action<'_>) -> Response {
    match attempt(app, signed, action, "acting on a complaint").await {
        Ok(_) => respond::see_other(&format!(
            "{}?status=all&done={code}#c{}",
            Page::for_member(app, signed).href("/complaints"),
            code.to_stored()
        )),
        Err(NotDone::Refused { why, status }) => render(app, signed, Some("all"), None, Some(why), status).await,
        Err(NotDone::Answered(response)) => response,
    }
}
