//! The audit log for admins who handle every service: who did or read what, filtered by
//! member, action, subject and dates, newest first.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::filter::{date_range, given, link};
use super::messages as w;
use super::page::{Page, ltr};
use super::session::Signed;
use super::{failed, forbidden, respond};
use crate::app::Application;
use crate::i18n::{Arg, Msg};
use crate::staff::access::{self, Act, Item};
use crate::store::audit::{self, Entry, Search};

/// Entries a page shows.
const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    subject: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

pub async fn show(State(app): State<Application>, signed: Signed, Query(query): Query<AuditQuery>) -> Response {
    if access::decide(&signed.member, Act::See, Item::Audit).is_err() {
        return forbidden(&app, &signed);
    }
    let page = Page::for_member(&app, &signed);
    let bounds = match date_range(&query.from, &query.to) {
        Ok(bounds) => bounds,
        Err(text) => {
            let error = page.msg(&Msg::new(w::FILTER_BAD_DATE).arg("input", Arg::Text(text)));
            return respond::page(StatusCode::BAD_REQUEST, audit_page(&page, &query, &[], Some(&error)));
        }
    };
    let search = Search {
        actor: given(&query.actor).map(str::to_owned),
        action: given(&query.action).map(str::to_owned),
        subject: given(&query.subject).map(str::to_owned),
        from: bounds[0],
        to: bounds[1],
        before_id: query.before,
        limit: PAGE,
    };
    match audit::search(app.pool(), app.vault(), &search).await {
        Ok(entries) => respond::page(StatusCode::OK, audit_page(&page, &query, &entries, None)),
        Err(err) => failed(err, "reading the audit log"),
    }
}

fn audit_page(page: &Page<'_>, query: &AuditQuery, entries: &[Entry], error: Option<&str>) -> Markup {
    let field = |id: &'static str, label: &str, value: &Option<String>, dir: &'static str| {
        html! {
            div {
                label for=(id) { (label) }
                input id=(id) name=(id) type="text" dir=(dir) value=[given(value)];
            }
        }
    };
    let next = entries.last().filter(|_| entries.len() as i64 == PAGE).map(|oldest| {
        let filters = [
            ("actor", &query.actor),
            ("action", &query.action),
            ("subject", &query.subject),
            ("from", &query.from),
            ("to", &query.to),
        ];
        link(page, "/audit", &filters, ("before", oldest.id.to_string()))
    });
    page.layout(
        &page.t(w::AUDIT_TITLE),
        html! {
            form.filters method="get" action=(page.href("/audit")) {
                (field("actor", &page.t(w::AUDIT_ACTOR), &query.actor, "ltr"))
                (field("action", &page.t(w::AUDIT_ACTION), &query.action, "ltr"))
                (field("subject", &page.t(w::AUDIT_SUBJECT), &query.subject, "ltr"))
                (field("from", &page.t(w::FILTER_FROM), &query.from, "auto"))
                (field("to", &page.t(w::FILTER_TO), &query.to, "auto"))
                button type="submit" { (page.t(w::FILTER_SUBMIT)) }
            }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            @if entries.is_empty() && error.is_none() { p { (page.t(w::AUDIT_NONE)) } }
            @if !entries.is_empty() {
                table.audit {
                    thead { tr {
                        th scope="col" { (page.t(w::COL_WHEN)) }
                        th scope="col" { (page.t(w::AUDIT_ACTOR)) }
                        th scope="col" { (page.t(w::AUDIT_ACTION)) }
                        th scope="col" { (page.t(w::AUDIT_SUBJECT)) }
                        th scope="col" { (page.t(w::AUDIT_DETAIL)) }
                    } }
                    tbody {
                        @for entry in entries {
                            tr {
                                td { (page.time(entry.at)) }
                                td { (ltr(&entry.actor)) }
                                td { (ltr(&entry.action)) }
                                td { @if let Some(subject) = &entry.subject { (ltr(subject)) } }
                                td {
                                    @if entry.detail.as_object().is_some_and(|d| !d.is_empty()) {
                                        code dir="ltr" { (entry.detail.to_string()) }
                                    }
                                    @if let Some(note) = &entry.note { p dir="auto" { (note) } }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = next {
                nav.pages { a rel="next" href=(next) { (page.t(w::PAGE_NEXT)) } }
            }
        },
    )
}
