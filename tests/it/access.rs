//! Who of staff sees and does what, over the HTTP API: every role × scope × endpoint cell for
//! requests (with their documents and notices), complaints and the audit log, checked against
//! the rules the README states. Items outside a member's services answer exactly like items
//! that do not exist.

use crate::support;

use peygir::domain::{Role, TrackingCode};
use peygir::store::{applicants, complaints};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::api::Api;
use support::service::Running;

const PLATES: &str = "plate-removal";
const DEBTS: &str = "debt-respite";

/// A member of staff and what the rules say they may see.
struct Member {
    name: &'static str,
    role: Role,
    services: Option<&'static [&'static str]>,
}

impl Member {
    fn sees_service(&self, service: &str) -> bool {
        self.services.is_none_or(|s| s.contains(&service))
    }

    /// A complaint about a request of `service`, or (`None`) about no request.
    fn sees_complaint(&self, service: Option<&str>) -> bool {
        match service {
            Some(service) => self.sees_service(service),
            None => self.services.is_none(),
        }
    }

    fn moves_requests(&self) -> bool {
        matches!(self.role, Role::Reviewer | Role::Admin)
    }

    fn reads_audit(&self) -> bool {
        self.role == Role::Admin && self.services.is_none()
    }
}

const MEMBERS: [Member; 6] = [
    Member {
        name: "admin",
        role: Role::Admin,
        services: None,
    },
    Member {
        name: "plates-admin",
        role: Role::Admin,
        services: Some(&[PLATES]),
    },
    Member {
        name: "operator",
        role: Role::Operator,
        services: None,
    },
    Member {
        name: "reviewer",
        role: Role::Reviewer,
        services: None,
    },
    Member {
        name: "plates-reviewer",
        role: Role::Reviewer,
        services: Some(&[PLATES]),
    },
    Member {
        name: "debts-reviewer",
        role: Role::Reviewer,
        services: Some(&[DEBTS]),
    },
];

/// A request of `service` at its first stage, of the applicant in `chat`; its row id and code.
async fn request(bot: &Running, chat: i64, service: &str) -> (i64, String) {
    let (id, code) = support::stored_request(&bot.app, chat, service, "submitted").await;
    (id, code.to_string())
}

/// A complaint about the request with row id `about` (or about none).
async fn complaint(bot: &Running, chat: i64, about: Option<i64>) -> String {
    let mut tx = bot.app.pool().begin().await.unwrap();
    let applicant = applicants::find_or_create(&mut tx, "telegram", chat).await.unwrap();
    let (_, code) = complaints::insert(&mut tx, bot.app.vault(), applicant, about, "کسی پاسخ نمی‌دهد.")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    code.to_string()
}

fn codes(list: &Value) -> Vec<String> {
    let mut codes: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| item["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes
}

fn sorted(mut codes: Vec<String>) -> Vec<String> {
    codes.sort();
    codes
}

async fn stage(bot: &Running, code: &str) -> String {
    sqlx::query_scalar("SELECT stage FROM requests WHERE code = $1")
        .bind(TrackingCode::parse(code).unwrap().to_stored())
        .fetch_one(bot.app.pool())
        .await
        .unwrap()
}

async fn complaint_status(bot: &Running, code: &str) -> String {
    sqlx::query_scalar("SELECT status FROM complaints WHERE code = $1")
        .bind(TrackingCode::parse(code).unwrap().to_stored())
        .fetch_one(bot.app.pool())
        .await
        .unwrap()
}

/// What a member is told about an item they may not see must be what anyone is told about an
/// item that does not exist.
fn assert_hidden(cell: &str, (status, body): &(StatusCode, Value), absent: &(StatusCode, Value)) {
    assert_eq!(*status, StatusCode::NOT_FOUND, "{cell}: {body}");
    assert_eq!(body, &absent.1, "{cell}: hidden answers like absent");
}

#[tokio::test]
async fn every_role_and_scope_sees_and_does_exactly_what_the_rules_allow() {
    let bot = Running::fresh(&[]).await;
    let (plate_id, plate) = request(&bot, 900, PLATES).await;
    let (debt_id, debt) = request(&bot, 901, DEBTS).await;
    let about_plate = complaint(&bot, 900, Some(plate_id)).await;
    let about_debt = complaint(&bot, 901, Some(debt_id)).await;
    let about_nothing = complaint(&bot, 902, None).await;
    // A well-formed code nobody was given.
    let unissued = {
        let admin = Api::for_member(&bot, "probe", Role::Admin, None).await;
        let mut n = 1;
        loop {
            let code = TrackingCode::from_stored(n).map(|c| c.to_string());
            if let Ok(code) = code
                && ![&plate, &debt].contains(&&code)
            {
                break admin.get(&format!("/api/v1/requests/{code}")).await;
            }
            n += 1;
        }
    };
    assert_eq!(unissued.0, StatusCode::NOT_FOUND);

    let mut chat = 1000;
    for member in &MEMBERS {
        let services = member
            .services
            .map(|s| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>());
        let api = Api::for_member(&bot, member.name, member.role, services.as_deref()).await;
        let who = member.name;

        // Lists hold exactly the visible items.
        let (status, list) = api.get("/api/v1/requests").await;
        assert_eq!(status, StatusCode::OK, "{who}: {list}");
        let expected: Vec<String> = [(&plate, PLATES), (&debt, DEBTS)]
            .into_iter()
            .filter(|(_, service)| member.sees_service(service))
            .map(|(code, _)| code.clone())
            .collect();
        // Requests made for earlier members' moves are in the list too; count only these two.
        let listed: Vec<String> = codes(&list).into_iter().filter(|c| *c == plate || *c == debt).collect();
        assert_eq!(listed, sorted(expected), "{who}: request list");

        let (status, list) = api.get("/api/v1/complaints").await;
        assert_eq!(status, StatusCode::OK, "{who}: {list}");
        let expected: Vec<String> = [
            (&about_plate, Some(PLATES)),
            (&about_debt, Some(DEBTS)),
            (&about_nothing, None),
        ]
        .into_iter()
        .filter(|(_, service)| member.sees_complaint(*service))
        .map(|(code, _)| code.clone())
        .collect();
        let listed: Vec<String> = codes(&list)
            .into_iter()
            .filter(|c| [&about_plate, &about_debt, &about_nothing].contains(&c))
            .collect();
        assert_eq!(listed, sorted(expected), "{who}: complaint list");

        // Single reads of a request, its documents (in the detail) and its notices.
        for (code, service) in [(&plate, PLATES), (&debt, DEBTS)] {
            for path in [
                format!("/api/v1/requests/{code}"),
                format!("/api/v1/requests/{code}/notices"),
            ] {
                let answer = api.get(&path).await;
                let cell = format!("{who} GET {path} ({service})");
                if member.sees_service(service) {
                    assert_eq!(answer.0, StatusCode::OK, "{cell}: {}", answer.1);
                } else {
                    assert_hidden(&cell, &answer, &unissued);
                }
            }
        }

        let (status, body) = api.get("/api/v1/audit").await;
        let expected = if member.reads_audit() {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(status, expected, "{who}: audit: {body}");

        // Moves, each on a request of its own so that one member's move leaves the next
        // member's cell as it was.
        for service in [PLATES, DEBTS] {
            chat += 1;
            let (_, code) = request(&bot, chat, service).await;
            let answer = api.moves(&code, "under-review", None).await;
            let cell = format!("{who} moves a {service} request");
            if !member.sees_service(service) {
                assert_hidden(&cell, &answer, &unissued);
            } else if !member.moves_requests() {
                assert_eq!(answer.0, StatusCode::FORBIDDEN, "{cell}: {}", answer.1);
            } else {
                assert_eq!(answer.0, StatusCode::OK, "{cell}: {}", answer.1);
            }
            let expected = if answer.0 == StatusCode::OK {
                "under-review"
            } else {
                "submitted"
            };
            assert_eq!(stage(&bot, &code).await, expected, "{cell}");
            // Asking for documents goes through the same rule, and tells an outsider nothing
            // about the stage.
            let answer = api
                .post(
                    &format!("/api/v1/requests/{code}/document-requests"),
                    json!({"note": "تصویر نامه را بفرستید."}),
                )
                .await;
            if !member.sees_service(service) {
                assert_hidden(&format!("{cell} (documents)"), &answer, &unissued);
            }
        }

        // Answering and closing complaints, again each on its own.
        for about in [Some(PLATES), Some(DEBTS), None] {
            chat += 1;
            let request_id = match about {
                Some(service) => Some(request(&bot, chat, service).await.0),
                None => None,
            };
            let code = complaint(&bot, chat, request_id).await;
            let cell = format!("{who} answers a complaint about {about:?}");
            let answered = api
                .post(
                    &format!("/api/v1/complaints/{code}/answer"),
                    json!({"answer": "بررسی شد."}),
                )
                .await;
            let closed = api.post(&format!("/api/v1/complaints/{code}/close"), json!({})).await;
            if member.sees_complaint(about) {
                assert_eq!(answered.0, StatusCode::OK, "{cell}: {}", answered.1);
                assert_eq!(closed.0, StatusCode::OK, "{cell} (close): {}", closed.1);
                assert_eq!(complaint_status(&bot, &code).await, "closed", "{cell}");
            } else {
                assert_eq!(answered.0, StatusCode::NOT_FOUND, "{cell}: {}", answered.1);
                assert_eq!(closed.0, StatusCode::NOT_FOUND, "{cell} (close): {}", closed.1);
                assert_eq!(complaint_status(&bot, &code).await, "open", "{cell}");
            }
        }
    }
    // Nothing was told to an applicant about a refused act: the only notices are those of the
    // moves and answers that were allowed.
    let refused_notices: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN requests r ON n.subject = 'request:' || r.id
         WHERE r.stage = 'submitted'",
    )
    .fetch_one(bot.app.pool())
    .await
    .unwrap();
    assert_eq!(refused_notices, 0);
    bot.stop().await;
}
