//! The staff core: one `perform` decides who may do an act and does it, whichever front end
//! asked. Here it is called directly, as each front end calls it.

use crate::support;

use chrono::Utc;
use peygir::app::Application;
use peygir::broadcast::Target;
use peygir::domain::Role;
use peygir::staff::perform::{Action, Actor, Refusal};
use peygir::store::staff;
use support::{attempt, spawn_app};

async fn closures(app: &Application) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM closure_days")
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_closure_day_is_declared_by_whoever_may_and_refused_with_one_code_otherwise() {
    let (app, _db) = spawn_app().await;
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let operator = staff::add(app.pool(), "op", Role::Operator, None, None).await.unwrap();
    let today = peygir::domain::jalali::to_jalali(Utc::now().date_naive()).to_string();
    let declare = Action::DeclareClosure {
        day: &today,
        reason: "آلودگی هوا",
    };

    // A reviewer's role may not: refused before anything is written.
    let refused = attempt(&app, Actor::Member(&reviewer), declare).await.unwrap_err();
    assert!(matches!(refused, Refusal::Forbidden), "{refused:?}");
    assert_eq!(
        (refused.code(), refused.message_id()),
        ("forbidden", Some("staff-forbidden"))
    );
    assert_eq!(closures(&app).await, 0);

    // A malformed day: the same code whichever front end asked, and the chat's explanation.
    let bad = Action::DeclareClosure {
        day: "1405/13/40",
        reason: "آلودگی هوا",
    };
    let refused = attempt(&app, Actor::Member(&operator), bad).await.unwrap_err();
    assert_eq!(
        (refused.code(), refused.message_id()),
        ("invalid_closure", Some("staff-closure-usage"))
    );
    assert_eq!(closures(&app).await, 0);

    // An operator declares it; the command line, declaring it again, is told it stood already.
    let first = attempt(&app, Actor::Member(&operator), declare)
        .await
        .unwrap()
        .closure()
        .unwrap();
    assert!(first.new);
    let again = attempt(&app, Actor::CommandLine, declare)
        .await
        .unwrap()
        .closure()
        .unwrap();
    assert!(!again.new);
    assert_eq!(closures(&app).await, 1);
    let audited: Vec<String> = sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'closure.declare'")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(
        audited,
        vec![operator.actor()],
        "audited once, as the member who declared it"
    );
}

#[tokio::test]
async fn complaint_acts_refuse_with_one_code_and_answer_as_the_member() {
    use peygir::store::{applicants, complaints};
    let (app, _db) = spawn_app().await;
    let (request, _) = support::stored_request(&app, 31, "debt-respite", "submitted").await;
    let mut tx = app.pool().begin().await.unwrap();
    let owner = applicants::find_or_create(&mut tx, "telegram", 31).await.unwrap();
    let (_, code) = complaints::insert(&mut tx, app.vault(), owner, Some(request), "پاسخی نگرفته‌ام")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let plates_only = staff::add(
        app.pool(),
        "plates",
        Role::Reviewer,
        Some(&["plate-removal".to_owned()]),
        None,
    )
    .await
    .unwrap();
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let answer = |text| Action::AnswerComplaint { code, answer: text };

    // Another service's reviewer: not there. The command line answers no complaint.
    let hidden = attempt(&app, Actor::Member(&plates_only), answer("بررسی شد"))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), "not_found");
    let console = attempt(&app, Actor::CommandLine, Action::CloseComplaint { code })
        .await
        .unwrap_err();
    assert_eq!(console.code(), "forbidden");
    // An answer with nothing visible: its own code, and the chat's message.
    let empty = attempt(&app, Actor::Member(&reviewer), answer(" \u{200C} "))
        .await
        .unwrap_err();
    assert_eq!(
        (empty.code(), empty.message_id()),
        ("empty_answer", Some("staff-note-empty"))
    );
    let status: String = sqlx::query_scalar("SELECT status FROM complaints")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(status, "open", "refused acts changed nothing");

    let answered = attempt(&app, Actor::Member(&reviewer), answer("بدهی شما در حال بررسی است."))
        .await
        .unwrap()
        .complaint()
        .unwrap();
    assert_eq!(answered.status, "answered");
    assert_eq!(
        answered.answer(app.vault()).unwrap().as_deref(),
        Some("بدهی شما در حال بررسی است.")
    );
    let closed = attempt(&app, Actor::Member(&reviewer), Action::CloseComplaint { code })
        .await
        .unwrap()
        .complaint()
        .unwrap();
    assert_eq!(closed.status, "closed");
}

#[tokio::test]
async fn moves_and_document_requests_refuse_with_one_code_and_move_as_the_member() {
    use peygir::workflow::Move;
    let (app, _db) = spawn_app().await;
    let (request, code) = support::stored_request(&app, 41, "plate-removal", "submitted").await;
    let debts_only = staff::add(
        app.pool(),
        "debts",
        Role::Reviewer,
        Some(&["debt-respite".to_owned()]),
        None,
    )
    .await
    .unwrap();
    let operator = staff::add(app.pool(), "op", Role::Operator, None, None).await.unwrap();
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let stage = async || -> String {
        sqlx::query_scalar("SELECT stage FROM requests WHERE id = $1")
            .bind(request)
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    let events = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM request_events WHERE request_id = $1")
            .bind(request)
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    let take_up = Move {
        code,
        to: "under-review",
        expected_from: Some("submitted"),
        note: None,
    };
    let before = events().await;

    // Each refusal has its code and the chat's message, and changes nothing.
    let refusals = [
        (
            Actor::Member(&debts_only),
            Action::Move(take_up),
            "not_found",
            "staff-out-of-scope",
        ),
        (
            Actor::CommandLine,
            Action::Move(take_up),
            "forbidden",
            "staff-forbidden",
        ),
        (
            Actor::Member(&operator),
            Action::Move(take_up),
            "forbidden",
            "staff-forbidden",
        ),
        (
            Actor::Member(&reviewer),
            Action::Move(Move {
                expected_from: Some("under-review"),
                ..take_up
            }),
            "stale_stage",
            "staff-stale",
        ),
        (
            Actor::Member(&reviewer),
            Action::Move(Move {
                to: "recorded",
                ..take_up
            }),
            "transition_not_allowed",
            "staff-not-allowed",
        ),
        (
            Actor::Member(&reviewer),
            Action::RequestDocuments {
                code,
                note: "نامه اصلی",
                deadline_office_days: None,
            },
            "transition_not_allowed",
            "staff-not-allowed",
        ),
    ];
    for (actor, action, code, message_id) in refusals {
        let refused = attempt(&app, actor, action).await.unwrap_err();
        let chat_message = match refused {
            // The staff group tells a member outside the service so; the API answers 404.
            Refusal::Hidden => Some("staff-out-of-scope"),
            ref other => other.message_id(),
        };
        assert_eq!((refused.code(), chat_message), (code, Some(message_id)), "{action:?}");
        assert_eq!(stage().await, "submitted");
        assert_eq!(events().await, before);
    }

    // The reviewer takes it up, then asks for documents: a note is needed, and one that
    // cannot be shown as written is refused.
    let moved = attempt(&app, Actor::Member(&reviewer), Action::Move(take_up))
        .await
        .unwrap()
        .moved()
        .unwrap();
    assert_eq!((moved.from.as_str(), moved.to.as_str()), ("submitted", "under-review"));
    let blank = attempt(
        &app,
        Actor::Member(&reviewer),
        Action::RequestDocuments {
            code,
            note: "  ",
            deadline_office_days: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(blank.code(), "note_required");
    let hidden = attempt(
        &app,
        Actor::Member(&reviewer),
        Action::RequestDocuments {
            code,
            note: "نامه\u{202E}",
            deadline_office_days: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        (hidden.code(), hidden.message_id()),
        ("invalid_note", Some("staff-text-invalid"))
    );
    assert_eq!(stage().await, "under-review");
    let asked = attempt(
        &app,
        Actor::Member(&reviewer),
        Action::RequestDocuments {
            code,
            note: "تصویر نامه اصلی",
            deadline_office_days: None,
        },
    )
    .await
    .unwrap()
    .moved()
    .unwrap();
    assert_eq!(asked.to, "documents-requested");
    assert!(asked.notified);
    let actors: Vec<String> =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'request.transition' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(actors, vec![reviewer.actor(), reviewer.actor()]);

    // Extending the documents' deadline is the reviewers': outside the scope it is not there,
    // for an operator it is forbidden, and with no deadline running there is nothing to extend.
    let extend = Action::ExtendDocumentsDeadline { code, office_days: 2 };
    for (actor, expected) in [
        (Actor::Member(&debts_only), "not_found"),
        (Actor::Member(&operator), "forbidden"),
        (Actor::CommandLine, "forbidden"),
        (Actor::Member(&reviewer), "no_deadline"),
    ] {
        let refused = attempt(&app, actor, extend).await.unwrap_err();
        assert_eq!(refused.code(), expected, "{actor:?}");
    }
}

#[tokio::test]
async fn outages_are_declared_and_resolved_by_operators_and_refused_with_one_code_otherwise() {
    let (app, _db) = spawn_app().await;
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let operator = staff::add(app.pool(), "op", Role::Operator, None, None).await.unwrap();
    let open = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM outages WHERE resolved_at IS NULL")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    let declare = |service| Action::DeclareOutage {
        service,
        reason: "قطعی شبکه",
    };

    for (actor, action, code) in [
        (Actor::Member(&reviewer), declare(None), "forbidden"),
        (
            Actor::Member(&operator),
            declare(Some("no-such-service")),
            "invalid_outage",
        ),
        (
            Actor::Member(&operator),
            Action::DeclareOutage {
                service: None,
                reason: "\u{202E}",
            },
            "invalid_outage",
        ),
        (Actor::Member(&operator), Action::ResolveOutage { id: 999 }, "not_found"),
    ] {
        let refused = attempt(&app, actor, action).await.unwrap_err();
        assert_eq!(refused.code(), code, "{action:?}");
        assert_eq!(open().await, 0, "{action:?} changed nothing");
    }

    let declared = attempt(&app, Actor::Member(&operator), declare(Some("plate-removal")))
        .await
        .unwrap()
        .outage()
        .unwrap();
    assert_eq!(declared.declared_by, operator.actor());
    assert_eq!(open().await, 1);
    let resolve = Action::ResolveOutage { id: declared.id };
    let refused = attempt(&app, Actor::Member(&reviewer), resolve).await.unwrap_err();
    assert_eq!(refused.code(), "forbidden");
    let resolved = attempt(&app, Actor::CommandLine, resolve)
        .await
        .unwrap()
        .outage()
        .unwrap();
    assert_eq!(resolved.resolved_by.as_deref(), Some("cli"));
    let again = attempt(&app, Actor::Member(&operator), resolve).await.unwrap_err();
    assert_eq!(
        (again.code(), again.message_id()),
        ("outage_resolved", Some("staff-stale"))
    );
    assert_eq!(open().await, 0);
}

#[tokio::test]
async fn maintenance_is_planned_by_operators_and_refused_with_one_code_otherwise() {
    use peygir::store::maintenance::Plan;
    let (app, _db) = spawn_app().await;
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let operator = staff::add(app.pool(), "op", Role::Operator, None, None).await.unwrap();
    let windows = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM maintenance_windows")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let plan = Plan {
        service_id: None,
        starts_at: tomorrow,
        ends_at: tomorrow + chrono::Duration::hours(2),
        reason: "ارتقای سامانه",
    };
    let backwards = Plan {
        ends_at: tomorrow - chrono::Duration::hours(2),
        ..plan
    };
    for (actor, action, code, message_id) in [
        (
            Actor::Member(&reviewer),
            Action::ScheduleMaintenance(plan),
            "forbidden",
            "staff-forbidden",
        ),
        (
            Actor::Member(&operator),
            Action::ScheduleMaintenance(backwards),
            "invalid_window",
            "staff-maintenance-ends-before-start",
        ),
        (
            Actor::Member(&operator),
            Action::ScheduleMaintenance(Plan {
                service_id: Some("no-such-service"),
                ..plan
            }),
            "invalid_window",
            "staff-maintenance-unknown-service",
        ),
    ] {
        let refused = attempt(&app, actor, action).await.unwrap_err();
        assert_eq!(
            (refused.code(), refused.message_id()),
            (code, Some(message_id)),
            "{action:?}"
        );
        assert_eq!(windows().await, 0, "{action:?} changed nothing");
    }
    let missing = attempt(&app, Actor::Member(&operator), Action::CancelMaintenance { id: 999 })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), "not_found");

    let window = attempt(&app, Actor::Member(&operator), Action::ScheduleMaintenance(plan))
        .await
        .unwrap()
        .maintenance()
        .unwrap();
    let cancel = Action::CancelMaintenance { id: window.id };
    let cancelled = attempt(&app, Actor::CommandLine, cancel)
        .await
        .unwrap()
        .maintenance()
        .unwrap();
    assert!(cancelled.cancelled_at.is_some());
    let again = attempt(&app, Actor::Member(&operator), cancel).await.unwrap_err();
    assert_eq!(
        (again.code(), again.message_id()),
        ("window_closed", Some("staff-maintenance-closed"))
    );
    let actors: Vec<String> =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action LIKE 'maintenance.%' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(actors, vec![operator.actor(), "cli".to_owned()]);
}

#[tokio::test]
async fn an_applicant_is_rebound_by_operators_with_a_sealed_reason_and_refused_otherwise() {
    let (app, _db) = spawn_app().await;
    support::stored_request(&app, 61, "plate-removal", "submitted").await;
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let operator = staff::add(app.pool(), "op", Role::Operator, None, None).await.unwrap();
    let rebind = |from: i64, reason| Action::Rebind {
        from: ("telegram", from),
        to: ("bale", 62),
        reason,
    };
    let owners = async || -> Vec<i64> {
        sqlx::query_scalar("SELECT a.chat_id FROM requests r JOIN applicants a ON a.id = r.applicant_id")
            .fetch_all(app.pool())
            .await
            .unwrap()
    };
    for (actor, action, code) in [
        (Actor::Member(&reviewer), rebind(61, "کارت ملی دیده شد"), "forbidden"),
        (Actor::Member(&operator), rebind(61, "\u{202E}"), "invalid_reason"),
        (Actor::Member(&operator), rebind(99, "کارت ملی دیده شد"), "not_found"),
    ] {
        let refused = attempt(&app, actor, action).await.unwrap_err();
        assert_eq!(refused.code(), code, "{action:?}");
        assert_eq!(owners().await, [61], "{action:?} moved nothing");
    }
    let moved = attempt(&app, Actor::Member(&operator), rebind(61, "کارت ملی دیده شد"))
        .await
        .unwrap()
        .rebound()
        .unwrap();
    assert_eq!(moved, 1);
    assert_eq!(owners().await, [62]);
    let (actor, detail): (String, String) =
        sqlx::query_as("SELECT actor, detail::text FROM audit_log WHERE action = 'applicant.rebind'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(actor, operator.actor());
    assert!(
        !detail.contains("کارت"),
        "the reason is sealed, not in the detail: {detail}"
    );
}

#[tokio::test]
async fn broadcasts_are_drafted_confirmed_and_cancelled_by_operators_and_refused_otherwise() {
    let (app, _db) = spawn_app().await;
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let operator = staff::add(app.pool(), "op", Role::Operator, None, None).await.unwrap();
    support::add_applicants(&app, 1..4).await;
    let drafts = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM broadcasts")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    let everyone = |text| Action::DraftBroadcast {
        target: Target::Everyone,
        text,
    };
    let unknown = [
        peygir::domain::TrackingCode::generate(),
        peygir::domain::TrackingCode::generate(),
    ];

    for (actor, action, code) in [
        (Actor::Member(&reviewer), everyone("سلام"), "forbidden"),
        (Actor::Member(&operator), everyone("   "), "invalid_broadcast"),
        (
            Actor::Member(&operator),
            Action::DraftBroadcast {
                target: Target::Service("no-such-service"),
                text: "سلام",
            },
            "invalid_broadcast",
        ),
        (
            Actor::Member(&operator),
            Action::DraftBroadcast {
                target: Target::Owners(&[]),
                text: "سلام",
            },
            "invalid_broadcast",
        ),
        (
            Actor::Member(&operator),
            Action::ConfirmBroadcast { id: 999 },
            "not_found",
        ),
        (
            Actor::Member(&operator),
            Action::CancelBroadcast { id: 999 },
            "not_found",
        ),
    ] {
        let refused = attempt(&app, actor, action).await.unwrap_err();
        assert_eq!(refused.code(), code, "{action:?}");
        assert_eq!(drafts().await, 0, "{action:?} changed nothing");
    }
    // Codes that name nothing: the chat says how many.
    let refused = attempt(
        &app,
        Actor::Member(&operator),
        Action::DraftBroadcast {
            target: Target::Owners(&unknown),
            text: "سلام",
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code(), "invalid_broadcast");
    let said = app.i18n().render(peygir::i18n::Locale::En, &refused.message().unwrap());
    assert!(said.contains('2'), "{said}");

    // An operator drafts (reaching the three applicants), a reviewer may not confirm, the
    // command line confirms, and a second confirmation is refused as closed.
    let (draft, reach) = attempt(&app, Actor::Member(&operator), everyone("سامانه امشب در دسترس نیست."))
        .await
        .unwrap()
        .drafted()
        .unwrap();
    assert_eq!(reach.applicants, 3);
    let confirm = Action::ConfirmBroadcast { id: draft.id };
    assert_eq!(
        attempt(&app, Actor::Member(&reviewer), confirm)
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let (_, queued) = attempt(&app, Actor::CommandLine, confirm)
        .await
        .unwrap()
        .broadcast()
        .unwrap();
    assert_eq!(queued, 3);
    let again = attempt(&app, Actor::Member(&operator), confirm).await.unwrap_err();
    assert_eq!(
        (again.code(), again.message_id()),
        ("broadcast_closed", Some("staff-invalid-button"))
    );
    // Cancelled, the notices not yet sent are skipped, and a second cancel is refused.
    let cancel = Action::CancelBroadcast { id: draft.id };
    let (_, skipped) = attempt(&app, Actor::Member(&operator), cancel)
        .await
        .unwrap()
        .broadcast()
        .unwrap();
    assert_eq!(skipped, 3);
    assert_eq!(
        attempt(&app, Actor::Member(&operator), cancel)
            .await
            .unwrap_err()
            .code(),
        "broadcast_closed"
    );
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_log WHERE action LIKE 'broadcast.%' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    let op = operator.actor();
    assert_eq!(
        audit,
        [
            (op.clone(), "broadcast.draft".to_owned()),
            ("cli".to_owned(), "broadcast.confirm".to_owned()),
            (op, "broadcast.cancel".to_owned()),
        ]
    );
}

#[tokio::test]
async fn the_roster_is_kept_by_admins_of_every_service_and_refused_with_one_code_otherwise() {
    use peygir::staff::perform::Done;
    let (app, _db) = spawn_app().await;
    let admin = staff::add(app.pool(), "root", Role::Admin, None, None).await.unwrap();
    let scoped = vec!["debt-respite".to_owned()];
    let scoped_admin = staff::add(app.pool(), "debts-admin", Role::Admin, Some(&scoped), None)
        .await
        .unwrap();
    let operator = staff::add(app.pool(), "op", Role::Operator, None, None).await.unwrap();
    let members = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM staff")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    let add = |name: &'static str| Action::AddStaff {
        name,
        role: Role::Reviewer,
        services: None,
        telegram_user_id: None,
    };
    for actor in [Actor::Member(&scoped_admin), Actor::Member(&operator)] {
        let refused = attempt(&app, actor, add("x")).await.unwrap_err();
        assert_eq!(refused.code(), "forbidden", "{actor:?}");
        let refused = attempt(&app, actor, Action::IssueToken { staff_id: operator.id })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "forbidden");
    }
    assert_eq!(members().await, 3);

    // What cannot be a member is refused with its code, and nothing is added.
    let unknown = vec!["no-such-service".to_owned()];
    for (action, code) in [
        (add("  "), "invalid_staff"),
        (add("root"), "staff_taken"),
        (
            Action::AddStaff {
                name: "app",
                role: Role::Applicant,
                services: None,
                telegram_user_id: None,
            },
            "invalid_staff",
        ),
        (
            Action::AddStaff {
                name: "lost",
                role: Role::Reviewer,
                services: Some(&unknown),
                telegram_user_id: None,
            },
            "invalid_staff",
        ),
    ] {
        let refused = attempt(&app, Actor::Member(&admin), action).await.unwrap_err();
        assert_eq!(refused.code(), code, "{action:?}");
        assert!(refused.message_id().is_some());
    }
    assert_eq!(members().await, 3);

    let Done::StaffAdded(added) = attempt(&app, Actor::Member(&admin), add("sara")).await.unwrap() else {
        panic!("no member added");
    };
    let Done::TokenIssued { id, token } =
        attempt(&app, Actor::Member(&admin), Action::IssueToken { staff_id: added.id })
            .await
            .unwrap()
    else {
        panic!("no token issued");
    };
    assert_eq!(
        staff::by_token(app.pool(), &token).await.unwrap().map(|m| m.id),
        Some(added.id)
    );
    attempt(&app, Actor::Member(&admin), Action::RevokeToken { token_id: id })
        .await
        .unwrap();
    assert_eq!(staff::by_token(app.pool(), &token).await.unwrap(), None);
    let again = attempt(&app, Actor::Member(&admin), Action::RevokeToken { token_id: id })
        .await
        .unwrap_err();
    assert_eq!(again.code(), "not_found", "a revoked token is gone");

    attempt(&app, Actor::Member(&admin), Action::DisableStaff { staff_id: added.id })
        .await
        .unwrap();
    assert_eq!(staff::by_name(app.pool(), "sara").await.unwrap(), None);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'staff.%' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "staff.add",
            "staff.token-issued",
            "staff.token-revoked",
            "staff.disable"
        ]
    );
}
