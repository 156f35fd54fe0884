//! The staff roster for admins who handle every service: members with their roles, services
//! and API tokens; add or disable a member, issue a token (shown once) or revoke one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::messages as w;
use super::page::{Page, ltr};
use super::session::{CsrfOnly, Posted, Signed};
use super::{NotDone, attempt, failed, forbidden, respond};
use crate::app::Application;
use crate::domain::Role;
use crate::i18n::{Arg, Msg};
use crate::staff::access::{self, Act, Item};
use crate::staff::perform::{Action, Done};
use crate::store::staff::{self, RosterEntry};

fn may_administer(signed: &Signed) -> bool {
    access::decide(&signed.member, Act::Administer, Item::Roster).is_ok()
}

pub async fn list(State(app): State<Application>, signed: Signed) -> Response {
    if !may_administer(&signed) {
        return forbidden(&app, &signed);
    }
    render(&app, &signed, None, StatusCode::OK).await
}

/// What the page says above the roster.
enum Banner {
    Error(String),
    /// A token just issued: shown this once.
    Token {
        name: String,
        id: i64,
        token: String,
    },
}

async fn render(app: &Application, signed: &Signed, banner: Option<Banner>, status: StatusCode) -> Response {
    let loaded = async {
        let mut conn = app.pool().acquire().await?;
        staff::roster(&mut conn).await
    }
    .await;
    match loaded {
        Ok(roster) => {
            let page = Page::for_member(app, signed);
            respond::page(status, roster_page(&page, &roster, banner.as_ref()))
        }
        Err(err) => failed(err, "showing the roster"),
    }
}

fn role_name(page: &Page<'_>, role: Role) -> String {
    page.t(match role {
        Role::Admin => w::ROLE_ADMIN,
        Role::Operator => w::ROLE_OPERATOR,
        _ => w::ROLE_REVIEWER,
    })
}

fn roster_page(page: &Page<'_>, roster: &[RosterEntry], banner: Option<&Banner>) -> Markup {
    let services = page.app.catalog().services();
    page.layout(
        &page.t(w::MEMBERS_TITLE),
        html! {
            @match banner {
                Some(Banner::Error(error)) => p.error role="alert" { (error) },
                Some(Banner::Token { name, id, token }) => div.notice role="status" {
                    p { (page.msg(&Msg::new(w::MEMBERS_TOKEN_ISSUED).arg("name", Arg::Text(name.clone())).arg("id", Arg::Number(*id)))) }
                    p { code.token dir="ltr" { (token) } }
                },
                None => {},
            }
            table.roster {
                thead { tr {
                    th scope="col" { (page.t(w::SIGN_IN_NAME)) }
                    th scope="col" { (page.t(w::MEMBERS_ROLE)) }
                    th scope="col" { (page.t(w::MEMBERS_SERVICES)) }
                    th scope="col" { (page.t(w::MEMBERS_TOKENS)) }
                    th scope="col" { (page.t(w::MOVES)) }
                } }
                tbody {
                    @for entry in roster {
                        @let member = &entry.member;
                        tr data-name=(member.name) data-disabled=(entry.disabled) {
                            td { (ltr(&member.name)) @if entry.disabled { " — " (page.t(w::MEMBERS_DISABLED)) } }
                            td { (role_name(page, member.role)) }
                            td {
                                @match &member.services {
                                    None => (page.t(w::FILTER_ANY)),
                                    Some(ids) => (ids.iter().map(|id| page.t(&format!("service-{id}"))).collect::<Vec<_>>().join("، ")),
                                }
                            }
                            td {
                                @for (id, at) in &entry.tokens {
                                    div {
                                        (page.msg(&Msg::new(w::MEMBERS_TOKEN).arg("id", Arg::Number(*id)).arg("at", Arg::Time(*at))))
                                        " "
                                        form.inline method="post" action=(page.href(&format!("/members/tokens/{id}/revoke"))) {
                                            (page.csrf_field())
                                            button.secondary type="submit" { (page.t(w::MEMBERS_REVOKE)) }
                                        }
                                    }
                                }
                            }
                            td {
                                @if !entry.disabled {
                                    form.inline method="post" action=(page.href(&format!("/members/{}/token", member.id))) {
                                        (page.csrf_field())
                                        button type="submit" { (page.t(w::MEMBERS_ISSUE)) }
                                    }
                                    " "
                                    @if member.id != page.signed.map_or(0, |s| s.member.id) {
                                        form.inline method="post" action=(page.href(&format!("/members/{}/disable", member.id))) {
                                            (page.csrf_field())
                                            button.secondary type="submit" { (page.t(w::MEMBERS_DISABLE)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="add" {
                h2 id="add" { (page.t(w::MEMBERS_ADD)) }
                form.stacked.wide method="post" action=(page.href("/members")) {
                    (page.csrf_field())
                    label for="name" { (page.t(w::SIGN_IN_NAME)) }
                    input id="name" name="name" type="text" required maxlength="64" dir="auto";
                    label for="role" { (page.t(w::MEMBERS_ROLE)) }
                    select id="role" name="role" {
                        @for role in [Role::Reviewer, Role::Operator, Role::Admin] {
                            option value=(role.as_str()) { (role_name(page, role)) }
                        }
                    }
                    fieldset {
                        legend { (page.t(w::MEMBERS_SERVICES_HINT)) }
                        @for service in services {
                            div.check {
                                input id=(format!("svc-{}", service.id)) name="services" type="checkbox" value=(service.id);
                                label for=(format!("svc-{}", service.id)) { (page.t(&format!("service-{}", service.id))) }
                            }
                        }
                    }
                    label for="telegram" { (page.t(w::MEMBERS_TELEGRAM)) }
                    input id="telegram" name="telegram_user_id" type="text" inputmode="numeric" dir="ltr";
                    button type="submit" { (page.t(w::MEMBERS_ADD)) }
                }
            }
        },
    )
}

/// The add form, gathered from the body's pairs: a checkbox list sends `services` once per box
/// ticked, which a one-value-per-name form struct does not take.
#[derive(Default)]
pub struct AddForm {
    name: String,
    role: String,
    /// Ticked services; none ticked means every service.
    services: Vec<String>,
    telegram_user_id: Option<String>,
}

impl AddForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "name" => form.name = value,
                "role" => form.role = value,
                "services" => form.services.push(value),
                "telegram_user_id" => form.telegram_user_id = Some(value),
                _ => {}
            }
        }
        form
    }
}

pub async fn add(State(app): State<Application>, Posted { signed, form }: Posted<Vec<(String, String)>>) -> Response {
    let form = AddForm::from_pairs(form);
    let page = Page::for_member(&app, &signed);
    let telegram = match form
        .telegram_user_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(text) => match crate::domain::digits::to_ascii_digits(text).parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                let why = page.t(crate::conversation::messages::STAFF_ROSTER_INVALID);
                return render(
                    &app,
                    &signed,
                    Some(Banner::Error(why)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let Some(role) = Role::parse(&form.role) else {
        let why = page.t(crate::conversation::messages::STAFF_ROSTER_INVALID);
        return render(
            &app,
            &signed,
            Some(Banner::Error(why)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let action = Action::AddStaff {
        name: &form.name,
        role,
        services: (!form.services.is_empty()).then_some(form.services.as_slice()),
        telegram_user_id: telegram,
    };
    finish(&app, &signed, action).await
}

pub async fn disable(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, form: _ }: Posted<CsrfOnly>,
) -> Response {
    finish(&app, &signed, Action::DisableStaff { staff_id: id }).await
}

pub async fn revoke(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, form: _ }: Posted<CsrfOnly>,
) -> Response {
    finish(&app, &signed, Action::RevokeToken { token_id: id }).await
}

/// Issues a token and shows it on the page this once (never in a link or a redirect).
pub async fn issue(
    State(app): State<Application>,
    Path(id): Path<i64>,
    Posted { signed, form: _ }: Posted<CsrfOnly>,
) -> Response {
    match attempt(&app, &signed, Action::IssueToken { staff_id: id }, "issuing a token").await {
        Ok(Done::TokenIssued { id: token_id, token }) => {
            let name = async {
                let mut conn = app.pool().acquire().await?;
                anyhow::Ok(staff::by_id(&mut conn, id).await?.map(|m| m.name).unwrap_or_default())
            }
            .await
            .unwrap_or_default();
            let banner = Banner::Token {
                name,
                id: token_id,
                token,
            };
            render(&app, &signed, Some(banner), StatusCode::OK).await
        }
        other => outcome(&app, &signed, other).await,
    }
}

async fn finish(app: &Application, signed: &Signed, action: Action<'_>) -> Response {
    let result = attempt(app, signed, action, "changing the roster").await;
    outcome(app, signed, result).await
}

/// Back to the roster, saying why when the act was refused.
async fn outcome(app: &Application, signed: &Signed, result: Result<Done, NotDone>) -> Response {
    match result {
        Ok(_) => respond::see_other(&Page::for_member(app, signed).href("/members")),
        Err(NotDone::Refused { why, status }) => render(app, signed, Some(Banner::Error(why)), status).await,
        Err(NotDone::Answered(response)) => response,
    }
}
