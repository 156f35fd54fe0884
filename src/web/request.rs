//! A request as a reviewer decides on it: its answers (each read audited), documents, history,
//! every notice with its delivery state, and the moves open to this member.

use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::messages as w;
use super::page::{Page, ltr};
use super::queue::sla_text;
use super::session::{Posted, Signed};
use super::{NotDone, attempt, failed, not_found, respond};
use crate::app::Application;
use crate::conversation::{summary_lines_with, value_arg};
use crate::domain::service::stage_name_id;
use crate::domain::{Role, TrackingCode};
use crate::i18n::{self, Arg, Msg};
use crate::staff::access::{self, Act, Item};
use crate::staff::perform::Action;
use crate::store::requests::{self, RequestRow};
use crate::store::{audit, document_deadlines, documents, notices};
use crate::workflow::Move;

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    /// Set after a move: the stage it went to, for the confirmation.
    moved: Option<String>,
}

/// What the page shows besides the request: a confirmation or why an act was refused.
enum Banner {
    Moved(String),
    Refused(String),
}

pub async fn show(
    State(app): State<Application>,
    signed: Signed,
    Path(code): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let Ok(code) = TrackingCode::parse(&code) else {
        return not_found(&app, &signed);
    };
    let banner = query.moved.map(Banner::Moved);
    render(&app, &signed, code, banner, StatusCode::OK).await
}

async fn render(
    app: &Application,
    signed: &Signed,
    code: TrackingCode,
    banner: Option<Banner>,
    status: StatusCode,
) -> Response {
    match load(app, signed, code).await {
        Ok(Some(view)) => {
            let page = Page::for_member(app, signed);
            respond::page(status, request_page(&page, &view, banner.as_ref()))
        }
        Ok(None) => not_found(app, signed),
        Err(err) => failed(err, "showing a request"),
    }
}

/// Everything the page shows, read in one transaction with the audit entry of the read.
struct View {
    row: RequestRow,
    answers: Vec<Msg>,
    documents: Vec<documents::DocumentMeta>,
    history: Vec<requests::Event>,
    notices: Vec<notices::Timeline>,
    left: Option<chrono::Duration>,
    /// The day the documents asked for are due, while that deadline runs.
    documents_due: Option<chrono::NaiveDate>,
}

/// The request `code` names, if the member may see it: `None` both when there is none and
/// when it is out of their sight, which are not told apart.
async fn visible(
    conn: &mut sqlx::PgConnection,
    signed: &Signed,
    code: TrackingCode,
) -> anyhow::Result<Option<RequestRow>> {
    let Some(row) = requests::find_by_code(conn, code).await? else {
        return Ok(None);
    };
    let item = Item::Request {
        service: &row.service_id,
    };
    Ok(access::decide(&signed.member, Act::See, item).is_ok().then_some(row))
}

/// The request, if it exists and the member may see it (the two are not told apart).
async fn load(app: &Application, signed: &Signed, code: TrackingCode) -> anyhow::Result<Option<View>> {
    let mut tx = app.pool().begin().await?;
    let Some(row) = visible(&mut tx, signed, code).await? else {
        return Ok(None);
    };
    let stored = row.answers(app.vault())?;
    let answers = app
        .catalog()
        .get(&row.service_id)
        .map(|service| summary_lines_with(service, &stored, value_arg))
        .unwrap_or_default();
    let documents = documents::list_for_request(&mut tx, app.vault(), row.id).await?;
    let history = requests::events(&mut tx, app.vault(), row.id).await?;
    let notices = notices::about_with_timelines(&mut tx, &requests::subject(row.id)).await?;
    let now = Utc::now();
    let office = crate::office::calendar(&mut tx, &app.config().office, now).await?;
    let left = app
        .catalog()
        .get(&row.service_id)
        .and_then(|s| s.stage(&row.stage))
        .and_then(|s| s.target_hours)
        .map(|hours| chrono::Duration::hours(hours.into()) - office.office_time(row.updated_at, now));
    let documents_due = document_deadlines::open(&mut tx, row.id).await?.map(|open| open.due_on);
    audit::record_read(
        &mut tx,
        &signed.member.actor(),
        "request.read",
        &requests::subject(row.id),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(View {
        row,
        answers,
        documents,
        history,
        notices,
        left,
        documents_due,
    }))
}

/// The evidence that the applicant was told: a page of the request's notices and every step
/// of each, to print or save (the API's `GET /api/v1/requests/{code}/notices` gives the same
/// as JSON). It shows no answers; it is audited all the same, as a read of the request.
pub async fn evidence(State(app): State<Application>, signed: Signed, Path(code): Path<String>) -> Response {
    let Ok(code) = TrackingCode::parse(&code) else {
        return not_found(&app, &signed);
    };
    let loaded = async {
        let mut tx = app.pool().begin().await?;
        let Some(row) = visible(&mut tx, &signed, code).await? else {
            return Ok(None);
        };
        let notices = notices::about_with_timelines(&mut tx, &requests::subject(row.id)).await?;
        let actor = signed.member.actor();
        audit::record_read(&mut tx, &actor, "request.evidence", &requests::subject(row.id)).await?;
        tx.commit().await?;
        anyhow::Ok(Some((row, notices)))
    };
    match loaded.await {
        Ok(Some((row, notices))) => {
            let page = Page::for_member(&app, &signed);
            respond::page(StatusCode::OK, evidence_page(&page, &row, &notices))
        }
        Ok(None) => not_found(&app, &signed),
        Err(err) => failed(err, "showing a request's notice evidence"),
    }
}

fn evidence_page(page: &Page<'_>, row: &RequestRow, notices: &[notices::Timeline]) -> Markup {
    let code = i18n::code_text(row.code, page.locale);
    let title = page.msg(&Msg::new(w::EVIDENCE_TITLE).arg("code", Arg::Code(row.code)));
    page.layout(
        &title,
        html! {
            dl.facts {
                dt { (page.t(w::COL_CODE)) } dd { (ltr(&code)) }
                dt { (page.t(w::COL_SERVICE)) } dd { (page.t(&format!("service-{}", row.service_id))) }
                dt { (page.t(w::COL_STAGE)) } dd.stage { (page.t(&stage_name_id(&row.stage))) }
                dt { (page.t(w::EVIDENCE_PRINTED)) } dd { (page.time(Utc::now())) }
                dt { (page.t(w::EVIDENCE_BY)) } dd { (page.signed.map(|s| s.member.name.clone()).unwrap_or_default()) }
            }
            (notices_table(page, notices))
            p.no-print {
                a href=(page.href(&format!("/requests/{}", row.code))) { (page.t(w::EVIDENCE_BACK)) }
            }
        },
    )
}

fn request_page(page: &Page<'_>, view: &View, banner: Option<&Banner>) -> Markup {
    let row = &view.row;
    let code = i18n::code_text(row.code, page.locale);
    let title = page.msg(&Msg::new(w::REQUEST_TITLE).arg("code", Arg::Code(row.code)));
    let public = page
        .app
        .catalog()
        .get(&row.service_id)
        .and_then(|s| s.stage(&row.stage))
        .map(|s| page.t(s.public.message_id()));
    page.layout(
        &title,
        html! {
            @match banner {
                Some(Banner::Moved(stage)) => p.notice role="status" {
                    (page.msg(&Msg::new(w::MOVED).arg("stage", Arg::Msg(stage_name_id(stage)))))
                },
                Some(Banner::Refused(why)) => p.error role="alert" { (why) },
                None => {},
            }
            dl.facts {
                dt { (page.t(w::COL_CODE)) } dd { (ltr(&code)) }
                dt { (page.t(w::COL_SERVICE)) } dd { (page.t(&format!("service-{}", row.service_id))) }
                dt { (page.t(w::COL_STAGE)) } dd.stage { (page.t(&stage_name_id(&row.stage))) }
                @if let Some(public) = public {
                    dt { (page.t(w::REQUEST_STATUS)) } dd { (public) }
                }
                dt { (page.t(w::COL_SUBMITTED)) } dd { (page.time(row.created_at)) }
                dt { (page.t(w::REQUEST_UPDATED)) } dd { (page.time(row.updated_at)) }
                dt { (page.t(w::COL_SLA)) } dd { (sla_text(page, view.left)) }
                @if let Some(due) = view.documents_due {
                    dt { (page.t(w::DOCUMENTS_DUE)) }
                    dd.due { (page.msg(&Msg::new(w::DATE).arg("day", Arg::Date(due)))) }
                }
            }
            (moves(page, view))
            section aria-labelledby="answers" {
                h2 id="answers" { (page.t(w::ANSWERS)) }
                @if view.answers.is_empty() {
                    p { (page.t(w::NO_ANSWERS)) }
                } @else {
                    ul.answers { @for line in &view.answers { li { (page.msg(line)) } } }
                }
            }
            (documents_section(page, view))
            (history(page, view))
            (notices_section(page, view))
        },
    )
}

/// A form per move the workflow offers this member from the request's stage.
fn moves(page: &Page<'_>, view: &View) -> Markup {
    let row = &view.row;
    let member = &page.signed.expect("the request page is for a member").member;
    let service = page.app.catalog().get(&row.service_id);
    let documents_move = service
        .and_then(|s| s.document_request(&row.stage))
        .map(|t| t.to.as_str());
    let open: Vec<_> = service
        .map(|service| {
            service
                .transitions_from(&row.stage)
                .filter(|t| {
                    let item = Item::Request {
                        service: &row.service_id,
                    };
                    access::decide(member, Act::Move(t), item).is_ok()
                })
                .collect()
        })
        .unwrap_or_default();
    html! {
        section aria-labelledby="moves" {
            h2 id="moves" { (page.t(w::MOVES)) }
            @if open.is_empty() {
                p { (page.t(w::NO_MOVES)) }
            }
            @for (i, t) in open.iter().enumerate() {
                form.move method="post" action=(page.href(&format!("/requests/{}/moves", row.code))) {
                    (page.csrf_field())
                    input type="hidden" name="to" value=(t.to);
                    input type="hidden" name="expected_from" value=(row.stage);
                    label for=(format!("note-{i}")) {
                        (page.t(if t.note_required { w::MOVE_NOTE_REQUIRED } else { w::MOVE_NOTE }))
                    }
                    textarea id=(format!("note-{i}")) name="note" rows="2" required[t.note_required] dir="auto" {}
                    @if documents_move == Some(t.to.as_str()) {
                        input type="hidden" name="documents" value="1";
                        label for=(format!("deadline-{i}")) { (page.t(w::DEADLINE_DAYS)) }
                        input id=(format!("deadline-{i}")) name="deadline_office_days" type="number" min="1" max="60" inputmode="numeric";
                    }
                    button type="submit" data-to=(t.to) {
                        (page.msg(&Msg::new(w::MOVE_TO).arg("stage", Arg::Msg(stage_name_id(&t.to)))))
                    }
                }
            }
            @if view.documents_due.is_some() && member.acts_as(&[Role::Reviewer]) {
                form.move.extend method="post" action=(page.href(&format!("/requests/{}/deadline", row.code))) {
                    (page.csrf_field())
                    label for="extend-days" { (page.t(w::DEADLINE_EXTEND_DAYS)) }
                    input id="extend-days" name="office_days" type="number" min="1" max="60" required inputmode="numeric";
                    button type="submit" { (page.t(w::DEADLINE_EXTEND)) }
                }
            }
        }
    }
}

fn documents_section(page: &Page<'_>, view: &View) -> Markup {
    html! {
        section aria-labelledby="documents" {
            h2 id="documents" { (page.t(w::DOCUMENTS)) }
            @if view.documents.is_empty() {
                p { (page.t(w::NO_DOCUMENTS)) }
            } @else {
                ul.documents {
                    @for doc in &view.documents {
                        li {
                            a href=(page.href(&format!("/requests/{}/documents/{}", view.row.code, doc.id))) { (ltr(&doc.file_name)) }
                            " — "
                            (page.msg(&Msg::new(w::DOCUMENT_SIZE).arg("kb", Arg::Number((doc.size_bytes + 1023) / 1024))))
                        }
                    }
                }
            }
        }
    }
}

fn history(page: &Page<'_>, view: &View) -> Markup {
    html! {
        section aria-labelledby="history" {
            h2 id="history" { (page.t(w::HISTORY)) }
            table {
                thead { tr {
                    th scope="col" { (page.t(w::COL_WHEN)) }
                    th scope="col" { (page.t(w::COL_FROM)) }
                    th scope="col" { (page.t(w::COL_TO)) }
                    th scope="col" { (page.t(w::COL_BY)) }
                    th scope="col" { (page.t(w::COL_NOTE)) }
                } }
                tbody {
                    @for event in &view.history {
                        tr {
                            td { (page.time(event.at)) }
                            td { @if let Some(from) = &event.from_stage { (page.t(&stage_name_id(from))) } }
                            td { (page.t(&stage_name_id(&event.to_stage))) }
                            td { (ltr(&event.actor)) }
                            td dir="auto" { @if let Some(note) = &event.note { (note) } }
                        }
                    }
                }
            }
        }
    }
}

fn notices_section(page: &Page<'_>, view: &View) -> Markup {
    html! {
        (notices_table(page, &view.notices))
        @if !view.notices.is_empty() {
            p { a href=(page.href(&format!("/requests/{}/evidence", view.row.code))) { (page.t(w::EVIDENCE_LINK)) } }
        }
    }
}

/// The notices about a request, each with its steps.
fn notices_table(page: &Page<'_>, notices: &[notices::Timeline]) -> Markup {
    let state = |status: &str| w::notice_status(status).map_or_else(|| status.to_owned(), |id| page.t(id));
    html! {
        section aria-labelledby="notices" {
            h2 id="notices" { (page.t(w::NOTICES)) }
            @if notices.is_empty() {
                p { (page.t(w::NO_NOTICES)) }
            } @else {
                table.notices {
                    thead { tr {
                        th scope="col" { (page.t(w::COL_WHEN)) }
                        th scope="col" { (page.t(w::COL_CHANNEL)) }
                        th scope="col" { (page.t(w::COL_KIND)) }
                        th scope="col" { (page.t(w::COL_STATE)) }
                        th scope="col" { (page.t(w::COL_STEPS)) }
                    } }
                    tbody {
                        @for (notice, steps) in notices {
                            tr data-status=(notice.status) {
                                td { (page.time(notice.created_at)) }
                                td { (page.t(if notice.channel == "sms" { w::CHANNEL_SMS } else { w::CHANNEL_CHAT })) }
                                td { (ltr(&notice.kind)) }
                                td.state { (state(&notice.status)) }
                                td {
                                    ol.steps {
                                        @for step in steps {
                                            li {
                                                (page.time(step.at)) " "
                                                (state(&step.event))
                                                @if let Some(provider) = &step.provider { " (" (ltr(provider)) ")" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    to: String,
    expected_from: Option<String>,
    note: Option<String>,
    /// Set on the move that asks the applicant for documents.
    documents: Option<String>,
    /// Empty when no deadline is set.
    deadline_office_days: Option<String>,
}

/// A move through the staff core; back to the request page, saying what happened.
pub async fn move_request(
    State(app): State<Application>,
    Path(code): Path<String>,
    Posted { signed, form }: Posted<MoveForm>,
) -> Response {
    let Ok(code) = TrackingCode::parse(&code) else {
        return not_found(&app, &signed);
    };
    let note = form.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let deadline = match form
        .deadline_office_days
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(days) => match office_days(days) {
            Some(days) => Some(days),
            None => return refused_days(&app, &signed, code, days).await,
        },
    };
    let action = if form.documents.is_some() {
        Action::RequestDocuments {
            code,
            note: note.unwrap_or(""),
            deadline_office_days: deadline,
        }
    } else {
        Action::Move(Move {
            code,
            to: &form.to,
            expected_from: form.expected_from.as_deref(),
            note,
        })
    };
    match attempt(&app, &signed, action, "moving a request").await {
        Ok(done) => match done.moved() {
            Ok(applied) => respond::see_other(&format!(
                "{}?moved={}",
                Page::for_member(&app, &signed).href(&format!("/requests/{code}")),
                applied.to
            )),
            Err(err) => failed(err, "moving a request"),
        },
        Err(not_done) => again(&app, &signed, code, not_done).await,
    }
}

/// The request page again after a refused form, saying why.
async fn again(app: &Application, signed: &Signed, code: TrackingCode, not_done: NotDone) -> Response {
    match not_done {
        NotDone::Refused { why, status } => render(app, signed, code, Some(Banner::Refused(why)), status).await,
        NotDone::Answered(response) => response,
    }
}

/// A number of office days as typed, in either digits.
fn office_days(text: &str) -> Option<u16> {
    crate::domain::digits::to_ascii_digits(text).parse().ok()
}

/// The request page again, saying the days typed are not a number of days.
async fn refused_days(app: &Application, signed: &Signed, code: TrackingCode, typed: &str) -> Response {
    let page = Page::for_member(app, signed);
    let why = page.msg(&Msg::new(w::DEADLINE_BAD_DAYS).arg("input", Arg::Text(typed.to_owned())));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    again(app, signed, code, NotDone::Refused { why, status }).await
}

#[derive(Deserialize)]
pub struct ExtendForm {
    office_days: String,
}

/// More office days for the documents; back to the request page, saying the new date.
pub async fn extend_deadline(
    State(app): State<Application>,
    Path(code): Path<String>,
    Posted { signed, form }: Posted<ExtendForm>,
) -> Response {
    let Ok(code) = TrackingCode::parse(&code) else {
        return not_found(&app, &signed);
    };
    let Some(days) = office_days(form.office_days.trim()) else {
        return refused_days(&app, &signed, code, &form.office_days).await;
    };
    let action = Action::ExtendDocumentsDeadline {
        code,
        office_days: days,
    };
    match attempt(&app, &signed, action, "extending a deadline").await {
        Ok(_) => respond::see_other(&Page::for_member(&app, &signed).href(&format!("/requests/{code}"))),
        Err(not_done) => again(&app, &signed, code, not_done).await,
    }
}

/// A document's bytes, shown in the browser when it can show them safely (images, PDF) and
/// downloaded otherwise. The read is audited.
pub async fn document(
    State(app): State<Application>,
    signed: Signed,
    Path((code, id)): Path<(String, i64)>,
) -> Response {
    let Ok(code) = TrackingCode::parse(&code) else {
        return not_found(&app, &signed);
    };
    let result = async {
        let mut tx = app.pool().begin().await?;
        let Some(row) = visible(&mut tx, &signed, code).await? else {
            return Ok(None);
        };
        let Some(meta) = documents::list_for_request(&mut tx, app.vault(), row.id)
            .await?
            .into_iter()
            .find(|d| d.id == id)
        else {
            return Ok(None);
        };
        let stored = documents::fetch(&mut tx, app.vault(), id).await?;
        audit::record_read(
            &mut tx,
            &signed.member.actor(),
            "document.read",
            &format!("document:{id}"),
        )
        .await?;
        tx.commit().await?;
        anyhow::Ok(Some((meta, stored.and_then(|s| s.content))))
    }
    .await;
    match result {
        Ok(Some((meta, Some(content)))) => {
            let inline = ["image/jpeg", "image/png", "application/pdf"].contains(&meta.mime.as_str());
            let mime = if inline {
                meta.mime.as_str()
            } else {
                "application/octet-stream"
            };
            let mut response = content.into_response();
            let headers = response.headers_mut();
            respond::private(headers);
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            // The name is the applicant's; only its ASCII letters go in the header, the rest
            // in the RFC 5987 form browsers decode.
            let encoded: String = url::form_urlencoded::byte_serialize(meta.file_name.as_bytes()).collect();
            let disposition = format!(
                "{}; filename*=UTF-8''{}",
                if inline { "inline" } else { "attachment" },
                encoded.replace('+', "%20")
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(CONTENT_DISPOSITION, value);
            }
            response
        }
        Ok(Some((_, None))) => {
            let page = Page::for_member(&app, &signed);
            respond::page(
                StatusCode::NOT_FOUND,
                page.layout(&page.t(w::DOCUMENTS), html! { p { (page.t(w::DOCUMENT_ELSEWHERE)) } }),
            )
        }
        Ok(None) => not_found(&app, &signed),
        Err(err) => failed(err, "showing a document"),
    }
}
