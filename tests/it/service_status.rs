//! What applicants and staff see of faults and maintenance through the running service: the
//! staff API declares and resolves an outage and schedules, changes and cancels maintenance
//! (refusing bad input with nothing written); applicants are told, `/status` shows it all, and
//! a service under maintenance takes no new request while tracking and complaints still work.

use crate::support;

use chrono::{DateTime, Utc};
use peygir::conversation::messages as m;
use peygir::domain::Role;
use peygir::i18n::{Arg, Locale, Msg};
use peygir::store::maintenance::{self, Plan};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::api::Api;
use support::service::Running;

const GROUP: i64 = -100_600;
const CHAT: i64 = 810;

fn render(bot: &Running, msg: Msg) -> String {
    bot.app.i18n().render(Locale::Fa, &msg)
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

async fn count(bot: &Running, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(bot.app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn faults_and_maintenance_are_announced_shown_and_respected() {
    let bot = Running::fresh(&[("PEYGIR_STAFF_CHAT_ID", GROUP.to_string())]).await;
    let operator = Api::for_member(&bot, "operator", Role::Operator, None).await;
    let reviewer = Api::for_member(&bot, "reviewer", Role::Reviewer, None).await;
    let mut user = bot.user(CHAT);
    user.says("/start").await;
    user.presses("lang:fa").await;
    let status = user.says("/status").await;
    assert!(status.contains(&bot.text(Locale::Fa, m::STATUS_ALL_WELL)), "{status}");

    // Refused with a stable code, and nothing written.
    let refusals = [
        (&reviewer, json!({ "reason": "قطعی" }), StatusCode::FORBIDDEN),
        (&operator, json!({ "reason": "   " }), StatusCode::UNPROCESSABLE_ENTITY),
        (
            &operator,
            json!({ "service": "no-such-service", "reason": "قطعی" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (api, body, expected) in refusals {
        let (status, answer) = api.post("/api/v1/outages", body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
    assert_eq!(count(&bot, "outages").await, 0);

    // An outage of every service: the applicant and the staff group are told.
    let (status, outage) = operator
        .post("/api/v1/outages", json!({ "reason": "قطع ارتباط با سامانهٔ ستاد" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{outage}");
    let since = time(&outage["started_at"]);
    let every = || m::service_or_every(None);
    let started = render(
        &bot,
        Msg::new(m::NOTICE_OUTAGE_STARTED)
            .arg("service", every())
            .arg("start", Arg::Time(since))
            .arg("end", Arg::Time(since)),
    );
    let before = bot.fake.sent_to(CHAT).len();
    let told = bot.messages_to(CHAT, before + 1).await;
    assert_eq!(told[before], started);
    user.new_messages();
    let staff = bot.messages_to(GROUP, 1).await;
    assert!(
        staff[0].contains("قطع ارتباط با سامانهٔ ستاد") && staff[0].contains("staff:"),
        "{staff:?}"
    );

    // Maintenance under way for one service (written as if scheduled earlier), and one ahead
    // for the other, scheduled through the API.
    let now = Utc::now();
    let mut conn = bot.app.pool().acquire().await.unwrap();
    let plan = Plan {
        service_id: Some("debt-respite"),
        starts_at: now - chrono::Duration::minutes(5),
        ends_at: now + chrono::Duration::hours(2),
        reason: "ارتقای سامانه",
    };
    let under_way = maintenance::create(&mut conn, &plan, "staff:operator", now)
        .await
        .unwrap();
    drop(conn);
    let tomorrow = now + chrono::Duration::days(1);
    let ahead = json!({
        "service": "plate-removal",
        "starts_at": tomorrow,
        "ends_at": tomorrow + chrono::Duration::hours(3),
        "reason": "جابه‌جایی کارگزار",
    });
    let (status, window) = reviewer.post("/api/v1/maintenance", ahead.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{window}");
    let backwards = json!({ "starts_at": tomorrow, "ends_at": now, "reason": "x" });
    let (status, window) = operator.post("/api/v1/maintenance", backwards).await;
    assert_eq!(
        (status, &window["error"]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_window"))
    );
    let (status, window) = operator.post("/api/v1/maintenance", ahead).await;
    assert_eq!(status, StatusCode::CREATED, "{window}");

    // The status shows the fault, the maintenance under way and the one ahead.
    let status = user.says("/status").await;
    let expected = [
        Msg::new(m::STATUS_OUTAGE)
            .arg("service", every())
            .arg("start", Arg::Time(since)),
        Msg::new(m::STATUS_MAINTENANCE_NOW)
            .arg("service", Arg::Msg("service-debt-respite".into()))
            .arg("start", Arg::Time(under_way.starts_at))
            .arg("end", Arg::Time(under_way.ends_at)),
        Msg::new(m::STATUS_MAINTENANCE_AHEAD)
            .arg("service", Arg::Msg("service-plate-removal".into()))
            .arg("start", Arg::Time(time(&window["starts_at"])))
            .arg("end", Arg::Time(time(&window["ends_at"]))),
    ];
    for line in expected {
        let line = render(&bot, line);
        assert!(status.contains(&line), "status lacks {line}:\n{status}");
    }

    // A request for the service under maintenance is answered with its end; the other
    // service, tracking and complaints work.
    user.presses("menu:submit").await;
    let refused = user.presses("svc:debt-respite").await;
    let refusal = render(
        &bot,
        Msg::new(m::MAINTENANCE_UNDER_WAY)
            .arg("service", Arg::Msg("service-debt-respite".into()))
            .arg("end", Arg::Time(under_way.ends_at))
            .arg("reason", Arg::Text("ارتقای سامانه".into())),
    );
    assert!(refused.contains(&refusal), "{refused}");
    assert!(
        refused.contains(&bot.text(Locale::Fa, m::MENU)),
        "back at the menu: {refused}"
    );
    assert_eq!(count(&bot, "requests").await, 0);
    user.presses("menu:submit").await;
    let other = user.presses("svc:plate-removal").await;
    assert!(!other.contains(&refusal), "{other}");
    user.says("/cancel").await;
    user.presses("menu:complain").await;
    let filed = user.says("پاسخ درخواستم دیر شده است").await;
    assert_eq!(support::tracking_codes(&filed).len(), 1, "{filed}");

    // Maintenance routes: change, cancel, and what cannot be done to a cancelled window.
    let id = window["id"].as_i64().unwrap();
    let later = tomorrow + chrono::Duration::hours(1);
    let moved = json!({
        "service": "plate-removal",
        "starts_at": later,
        "ends_at": later + chrono::Duration::hours(1),
        "reason": "جابه‌جایی کارگزار",
    });
    let (status, changed) = operator.put(&format!("/api/v1/maintenance/{id}"), moved.clone()).await;
    assert_eq!((status, &changed["version"]), (StatusCode::OK, &json!(2)), "{changed}");
    let (status, _) = operator.put("/api/v1/maintenance/999999", moved.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, cancelled) = operator
        .post(&format!("/api/v1/maintenance/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert!(cancelled["cancelled_at"].is_string());
    let (status, again) = operator
        .post(&format!("/api/v1/maintenance/{id}/cancel"), json!({}))
        .await;
    assert_eq!(
        (status, &again["error"]["code"]),
        (StatusCode::CONFLICT, &json!("window_closed"))
    );
    let (status, listed) = operator.get("/api/v1/maintenance").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    // Resolving the fault is announced; resolving it again is refused.
    let outage_id = outage["id"].as_i64().unwrap();
    let path = format!("/api/v1/outages/{outage_id}/resolve");
    let (status, resolved) = operator.post(&path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    let (status, again) = operator.post(&path, json!({})).await;
    assert_eq!(
        (status, &again["error"]["code"]),
        (StatusCode::CONFLICT, &json!("outage_resolved"))
    );
    let (status, _) = operator.post("/api/v1/outages/999999/resolve", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let over = render(
        &bot,
        Msg::new(m::NOTICE_OUTAGE_RESOLVED)
            .arg("service", every())
            .arg("start", Arg::Time(since))
            .arg("end", Arg::Time(time(&resolved["resolved_at"]))),
    );
    let before = bot.fake.sent_to(CHAT).len();
    let told = bot.messages_to(CHAT, before + 1).await;
    assert_eq!(told[before], over);
    user.new_messages();
    let status = user.says("/status").await;
    assert!(
        !status.contains("قطع") && !status.contains(&render(&bot, expected_fault(since))),
        "{status}"
    );

    bot.stop().await;
}

fn expected_fault(since: DateTime<Utc>) -> Msg {
    Msg::new(m::STATUS_OUTAGE)
        .arg("service", m::service_or_every(None))
        .arg("start", Arg::Time(since))
}
