//! The staff core: one `perform` decides who may do an act and does it, whichever front end
//! asked. Here it is called directly, as each front end calls it.

mod support;

use chrono::Utc;
use peygir::domain::Role;
use peygir::staff::perform::{Action, Actor, Done, Refusal, perform};
use peygir::store::staff;
use support::spawn_app;

async fn closures(app: &peygir::app::Application) -> i64 {
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
    let attempt = async |actor: Actor<'_>, action: Action<'_>| {
        let mut tx = app.pool().begin().await.unwrap();
        let result = perform(&mut tx, app.catalog(), actor, action, Utc::now()).await;
        tx.commit().await.unwrap();
        result
    };

    // A reviewer's role may not: refused before anything is written.
    let refused = attempt(Actor::Member(&reviewer), declare).await.unwrap_err();
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
    let refused = attempt(Actor::Member(&operator), bad).await.unwrap_err();
    assert_eq!(
        (refused.code(), refused.message_id()),
        ("invalid_closure", Some("staff-closure-usage"))
    );
    assert_eq!(closures(&app).await, 0);

    // An operator declares it; the command line, declaring it again, is told it stood already.
    let Done::ClosureDeclared(first) = attempt(Actor::Member(&operator), declare).await.unwrap();
    assert!(first.new);
    let Done::ClosureDeclared(again) = attempt(Actor::CommandLine, declare).await.unwrap();
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
