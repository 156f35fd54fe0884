//! A state-machine property test of the workflow on a real PostgreSQL: many random moves by
//! random actors (staff of every role and scope, the owner, another applicant) on requests of
//! both seed services, each compared with a model of the rules. Staff move through the staff
//! core, as every front end does; applicants through the workflow, as their dialogue does. Only declared transitions
//! happen, each refusal is the one the rules give and changes nothing, and each notifying move
//! queues exactly one notice (the applicants have no SMS, so one channel) and one history event.

use crate::support;

use chrono::Utc;
use peygir::domain::{Catalog, Role, TrackingCode};
use peygir::i18n::Locale;
use peygir::staff::perform::{Action, Actor as StaffActor, Refusal, perform};
use peygir::store::applicants::{self, ApplicantId};
use peygir::store::requests;
use peygir::store::staff::{self, StaffMember};
use peygir::workflow::{self, Actor, Move, MoveError};
use proptest::prelude::RngExt;
use proptest::test_runner::{RngAlgorithm, TestRng};

const STEPS: usize = 400;

struct Request {
    id: i64,
    code: TrackingCode,
    service: String,
    owner: ApplicantId,
    /// Where the model says it is.
    stage: String,
}

/// What the rules say a move gives, in the order `workflow::apply` checks them.
fn expected(
    catalog: &Catalog,
    actor: &Actor<'_>,
    request: &Request,
    to: &str,
    expected_from: Option<&str>,
    note: Option<&str>,
) -> Result<(), &'static str> {
    // The staff core answers a request out of a member's sight as one that is not there.
    if let Actor::Staff(member) = actor
        && !member.covers(&request.service)
    {
        return Err("not_found");
    }
    if expected_from.is_some_and(|e| e != request.stage) {
        return Err("stale_stage");
    }
    let service = catalog.get(&request.service).unwrap();
    let Some(transition) = service.transition(&request.stage, to) else {
        return Err("transition_not_allowed");
    };
    let allowed = match actor {
        Actor::Staff(member) => transition.allows(member.role),
        Actor::Applicant(who) => *who == request.owner && transition.allows(Role::Applicant),
    };
    if !allowed {
        return Err("forbidden");
    }
    if transition.note_required && note.is_none_or(|n| n.trim().is_empty()) {
        return Err("note_required");
    }
    Ok(())
}

async fn count(pool: &sqlx::PgPool, sql: &str, request: i64) -> i64 {
    sqlx::query_scalar(sql).bind(request).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn random_moves_by_random_actors_follow_the_declared_workflow() {
    let (app, _db) = support::spawn_app().await;
    let pool = app.pool();
    let catalog = app.catalog();
    let plates = vec!["plate-removal".to_owned()];
    let debts = vec!["debt-respite".to_owned()];
    let mut members: Vec<StaffMember> = Vec::new();
    for (name, role, services) in [
        ("admin", Role::Admin, None),
        ("operator", Role::Operator, None),
        ("reviewer", Role::Reviewer, None),
        ("plates", Role::Reviewer, Some(&plates)),
        ("debts", Role::Reviewer, Some(&debts)),
    ] {
        members.push(
            staff::add(pool, name, role, services.map(Vec::as_slice), None)
                .await
                .unwrap(),
        );
    }
    let mut tx = pool.begin().await.unwrap();
    let stranger = applicants::find_or_create(&mut tx, "telegram", 99).await.unwrap();
    let mut model = Vec::new();
    for (i, service) in ["plate-removal", "debt-respite"].iter().cycle().take(6).enumerate() {
        let owner = applicants::find_or_create(&mut tx, "telegram", 100 + i as i64)
            .await
            .unwrap();
        let first = catalog.get(service).unwrap().stages[0].id.clone();
        let (id, code) = requests::insert(&mut tx, app.vault(), owner, service, &first, &Vec::new(), Locale::Fa)
            .await
            .unwrap();
        model.push(Request {
            id,
            code,
            service: (*service).to_owned(),
            owner,
            stage: first,
        });
    }
    tx.commit().await.unwrap();

    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for step in 0..STEPS {
        let r = rng.random_range(0..model.len());
        let request = &model[r];
        let service = catalog.get(&request.service).unwrap();
        // Mostly moves declared from here, so that walks go deep; sometimes any stage.
        let declared: Vec<&str> = service
            .transitions_from(&request.stage)
            .map(|t| t.to.as_str())
            .collect();
        let to = if !declared.is_empty() && rng.random_bool(0.7) {
            declared[rng.random_range(0..declared.len())].to_owned()
        } else {
            service.stages[rng.random_range(0..service.stages.len())].id.clone()
        };
        let actor = match rng.random_range(0..7) {
            n @ 0..5 => Actor::Staff(&members[n]),
            5 => Actor::Applicant(request.owner),
            _ => Actor::Applicant(stranger),
        };
        let expected_from = match rng.random_range(0..4) {
            0 => None,
            1 => Some("recorded".to_owned()),
            _ => Some(request.stage.clone()),
        };
        let note = match rng.random_range(0..3) {
            0 => None,
            1 => Some("  "),
            _ => Some("مدارک کامل است."),
        };
        let want = expected(catalog, &actor, request, &to, expected_from.as_deref(), note);

        let notices_sql = "SELECT count(*) FROM notifications WHERE subject = 'request:' || $1";
        let events_sql = "SELECT count(*) FROM request_events WHERE request_id = $1";
        let (notices_before, events_before) = (
            count(pool, notices_sql, request.id).await,
            count(pool, events_sql, request.id).await,
        );
        let mut tx = pool.begin().await.unwrap();
        let mv = Move {
            code: request.code,
            to: &to,
            expected_from: expected_from.as_deref(),
            note,
        };
        let got = match actor {
            Actor::Staff(member) => perform(&mut tx, &app, StaffActor::Member(member), Action::Move(mv), Utc::now())
                .await
                .map(|done| done.moved().unwrap())
                .map_err(|refusal| {
                    (
                        refusal.code(),
                        matches!(refusal, Refusal::Unexpected(_)),
                        refusal.to_string(),
                    )
                }),
            Actor::Applicant(_) => workflow::apply(&mut tx, catalog, app.vault(), actor, mv)
                .await
                .map_err(|err| (err.code(), matches!(err, MoveError::Unexpected(_)), err.to_string())),
        };
        let context = format!(
            "step {step}: {} {} -> {to} by {}",
            request.service,
            request.stage,
            actor.name()
        );
        match (&got, want) {
            (Ok(applied), Ok(())) => {
                tx.commit().await.unwrap();
                assert_eq!(applied.to, to, "{context}");
                let notify = service.transition(&request.stage, &to).unwrap().notify;
                assert_eq!(applied.notified, notify, "{context}");
                assert_eq!(
                    count(pool, notices_sql, request.id).await,
                    notices_before + i64::from(notify),
                    "{context}: one notice per notifying move"
                );
                assert_eq!(
                    count(pool, events_sql, request.id).await,
                    events_before + 1,
                    "{context}"
                );
                model[r].stage = to.clone();
                *outcomes.entry("applied").or_default() += 1;
            }
            (Err((got_code, unexpected, err)), Err(code)) => {
                drop(tx);
                assert_eq!(*got_code, code, "{context}: {err}");
                assert!(!unexpected, "{context}: {err}");
                assert_eq!(count(pool, notices_sql, request.id).await, notices_before, "{context}");
                assert_eq!(count(pool, events_sql, request.id).await, events_before, "{context}");
                *outcomes.entry(code).or_default() += 1;
            }
            (got, want) => panic!("{context}: got {got:?}, the rules say {want:?}"),
        }
        let stored: String = sqlx::query_scalar("SELECT stage FROM requests WHERE id = $1")
            .bind(model[r].id)
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(stored, model[r].stage, "{context}: the stored stage follows the model");
    }
    // The walk exercised every outcome, so no rule went untested.
    for outcome in [
        "applied",
        "not_found",
        "stale_stage",
        "transition_not_allowed",
        "forbidden",
        "note_required",
    ] {
        assert!(
            outcomes.get(outcome).is_some_and(|n| *n > 0),
            "{outcome} never happened: {outcomes:?}"
        );
    }
}
