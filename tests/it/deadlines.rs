//! Deadlines for documents: given in office days when the documents are asked for, dated once
//! the request is deemed served, reminded the office day before, extended by staff; against a
//! real PostgreSQL, with the shipped office calendar (Thursday and Friday off).

use crate::support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use peygir::app::Application;
use peygir::domain::Role;
use peygir::staff::perform::{Action, Actor};
use peygir::store::staff::{self, StaffMember};
use peygir::workflow::Move;
use support::{run_deadlines as run, spawn_app};

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The act as `member`, through the staff core; a refusal as its code.
async fn act(
    app: &Application,
    member: &StaffMember,
    action: Action<'_>,
) -> Result<peygir::staff::perform::Done, String> {
    support::attempt(app, Actor::Member(member), action)
        .await
        .map_err(|refusal| refusal.code().to_owned())
}

/// The deadline notices queued for the request, oldest first: (kind, Jalali date told).
async fn told(app: &Application, request: i64) -> Vec<(String, String)> {
    type Row = (String, String, serde_json::Value, Option<Vec<u8>>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT kind, dedup_key, message, message_sealed FROM notifications
         WHERE subject = $1 AND kind LIKE 'documents-%' ORDER BY id",
    )
    .bind(format!("request:{request}"))
    .fetch_all(app.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(kind, key, message, sealed)| {
            // The arguments (the code) are sealed at rest.
            let clear: peygir::i18n::Msg = serde_json::from_value(message).unwrap();
            let msg = peygir::store::outbox::open_message(app.vault(), &key, clear, sealed.as_deref()).unwrap();
            (kind, app.i18n().render(peygir::i18n::Locale::En, &msg))
        })
        .collect()
}

#[tokio::test]
async fn a_deadline_counts_office_days_from_serving_is_reminded_and_extended() {
    let (app, _db) = spawn_app().await;
    let (request, code) = support::stored_request(&app, 41, "plate-removal", "submitted").await;
    let reviewer = staff::add(app.pool(), "rv", Role::Reviewer, None, None).await.unwrap();
    let outsider = staff::add(
        app.pool(),
        "debts",
        Role::Reviewer,
        Some(&["debt-respite".to_owned()]),
        None,
    )
    .await
    .unwrap();
    let take_up = Move {
        code,
        to: "under-review",
        expected_from: Some("submitted"),
        note: None,
    };
    act(&app, &reviewer, Action::Move(take_up)).await.unwrap();
    let ask = |days| Action::RequestDocuments {
        code,
        note: "تصویر نامه اصلی",
        deadline_office_days: Some(days),
    };
    assert_eq!(act(&app, &reviewer, ask(0)).await.unwrap_err(), "invalid_deadline");
    assert_eq!(act(&app, &reviewer, ask(61)).await.unwrap_err(), "invalid_deadline");
    let extend = |days| Action::ExtendDocumentsDeadline {
        code,
        office_days: days,
    };
    assert_eq!(
        act(&app, &reviewer, extend(2)).await.unwrap_err(),
        "no_deadline",
        "nothing to extend before documents are asked for"
    );
    let asked = act(&app, &reviewer, ask(3)).await.unwrap().moved().unwrap();

    // Not served while its notice waits to be sent: no date yet.
    assert_eq!(run(&app, at(2026, 12, 2, 6)).await, Default::default());
    // Sent on Wednesday 2026-12-02 (1405/09/11) at 09:30 Tehran time: three office days on,
    // past Thursday and Friday, is Monday 2026-12-07.
    sqlx::query("UPDATE notifications SET status = 'sent', sent_at = $2 WHERE dedup_key LIKE $1")
        .bind(format!("request-event:{}:%", asked.event_id))
        .bind(at(2026, 12, 2, 6))
        .execute(app.pool())
        .await
        .unwrap();
    let ran = run(&app, at(2026, 12, 2, 7)).await;
    assert_eq!((ran.served, ran.reminded), (1, 0));
    let due: NaiveDate = sqlx::query_scalar("SELECT due_on FROM document_deadlines WHERE request_id = $1")
        .bind(request)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(due, day(2026, 12, 7));
    let notices = told(&app, request).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].0, "documents-deadline");
    assert!(
        notices[0].1.contains("1405/09/16"),
        "the date in the applicant's calendar: {notices:?}"
    );
    // The owner's lookup shows it too.
    let mut owner = support::chat::Chat::new(&app, 41);
    owner.says("/start").await;
    owner.presses("lang:en").await;
    let lookup = owner.says(&format!("/track {code}")).await;
    assert!(
        lookup.contains("The documents are due by the end of office hours on 2026-12-07 (1405/09/16 SH)."),
        "{lookup}"
    );

    // Reminded on the office day before (Sunday), not on Saturday, and once.
    assert_eq!(run(&app, at(2026, 12, 5, 6)).await.reminded, 0);
    assert_eq!(run(&app, at(2026, 12, 6, 6)).await.reminded, 1);
    assert_eq!(run(&app, at(2026, 12, 6, 7)).await.reminded, 0);
    assert_eq!(told(&app, request).await[1].0, "documents-reminder");

    // Staff extend it by two office days: Tuesday 8th, Wednesday 9th. A reviewer of another
    // service is told there is no such request; the applicant is told the new date, and will
    // be reminded again.
    assert_eq!(act(&app, &outsider, extend(2)).await.unwrap_err(), "not_found");
    let extended = act(&app, &reviewer, extend(2)).await.unwrap().deadline().unwrap();
    assert_eq!(extended, day(2026, 12, 9));
    let notices = told(&app, request).await;
    assert_eq!(notices.len(), 3, "{notices:?}");
    assert!(
        notices[2].1.contains("extended") && notices[2].1.contains("1405/09/18"),
        "{notices:?}"
    );
    assert_eq!(run(&app, at(2026, 12, 8, 6)).await.reminded, 1);
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'request.deadline_extended'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(audit, 1);

    // Once the request has moved on from the documents stage nothing more is said.
    sqlx::query("UPDATE requests SET stage = 'under-review' WHERE id = $1")
        .bind(request)
        .execute(app.pool())
        .await
        .unwrap();
    assert_eq!(act(&app, &reviewer, extend(1)).await.unwrap_err(), "no_deadline");
}
