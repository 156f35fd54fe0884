//! The staff web console: a reviewer signs in in a real headless Chromium, filters the queue,
//! opens a request and moves it with a note, and the applicant on Telegram (the fake Bot API)
//! is told once; a reviewer of another service cannot see it; forms without the session's
//! CSRF token, ended sessions and guessed passwords are refused and change nothing.

use crate::support;

use std::time::Duration;

use peygir::domain::{Role, TrackingCode};
use peygir::i18n::{Locale, Msg, code_text};
use peygir::staff::password::Password;
use peygir::store::staff;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use support::journeys::{debt_respite_as_person, plate_removal};
use support::service::Running;
use support::webdriver::Browser;

const PASSWORD: &str = "a long enough passphrase";

/// A member of staff with the console password [`PASSWORD`].
async fn member(bot: &Running, name: &str, role: Role, services: Option<&[&str]>) -> staff::StaffMember {
    let services: Option<Vec<String>> = services.map(|s| s.iter().map(|x| (*x).to_owned()).collect());
    let member = staff::add(bot.app.pool(), name, role, services.as_deref(), None)
        .await
        .unwrap();
    let hash = Password::new(PASSWORD).unwrap().hash().unwrap();
    staff::set_password_hash(bot.app.pool(), member.id, &hash)
        .await
        .unwrap();
    member
}

fn text(bot: &Running, id: &str) -> String {
    bot.app.i18n().render(Locale::Fa, &Msg::new(id))
}

async fn stage_of(bot: &Running, code: &str) -> String {
    let code = TrackingCode::parse(code).unwrap();
    sqlx::query_scalar("SELECT stage FROM requests WHERE code = $1")
        .bind(code.to_stored())
        .fetch_one(bot.app.pool())
        .await
        .unwrap()
}

async fn sign_in(browser: &Browser, base: &str, name: &str) {
    browser.goto(&format!("{base}/staff/")).await;
    assert!(
        browser.url().await.ends_with("/staff/sign-in"),
        "{}",
        browser.url().await
    );
    browser.fill("#name", name).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("form.stacked button[type=submit]").await;
    assert!(
        browser.url().await.ends_with("/staff/"),
        "{name} is not signed in: {}",
        browser.url().await
    );
}

#[tokio::test]
async fn a_reviewer_moves_a_request_from_the_console_and_the_applicant_is_told_once() {
    let bot = Running::fresh(&[]).await;
    let base = format!("http://{}", bot.http);
    let plate = bot
        .user(800)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    let debt = bot
        .user(801)
        .submits(Locale::Fa, "debt-respite", &debt_respite_as_person())
        .await;
    member(&bot, "reza", Role::Reviewer, Some(&["plate-removal"])).await;
    member(&bot, "sara", Role::Reviewer, Some(&["debt-respite"])).await;
    let browser = Browser::start().await;

    sign_in(&browser, &base, "reza").await;
    assert_eq!(browser.attribute("html", "dir").await.as_deref(), Some("rtl"));
    assert_eq!(browser.attribute("html", "lang").await.as_deref(), Some("fa"));
    // A reviewer is not offered broadcasts.
    assert_eq!(browser.count("a[href$='/broadcasts']").await, 0);
    // Only his service is offered, and only its requests are listed.
    assert_eq!(browser.count("#service option").await, 2, "«all» and plate-removal");
    browser.press("#stage option[value=submitted]").await;
    browser.submit("form.filters button[type=submit]").await;
    assert!(
        browser.url().await.contains("stage=submitted"),
        "{}",
        browser.url().await
    );
    // WebDriver gives a no-break space as a plain one.
    let plate_fa = code_text(TrackingCode::parse(&plate).unwrap(), Locale::Fa).replace('\u{a0}', " ");
    let debt_fa = code_text(TrackingCode::parse(&debt).unwrap(), Locale::Fa).replace('\u{a0}', " ");
    let rows = browser.text(&browser.find("table.queue tbody").await).await;
    assert!(
        rows.contains(&plate_fa),
        "the queue shows the code in Persian digits: {rows}"
    );
    assert!(
        !rows.chars().any(|c| c.is_ascii_digit()),
        "every figure in Persian digits: {rows}"
    );
    assert!(
        !rows.contains(&debt_fa),
        "another service's request is not listed: {rows}"
    );
    println!("queue: {}", browser.screenshot("queue-fa").await.display());

    browser.submit(&format!("a[href$='/requests/{plate}']")).await;
    let heading = browser.text(&browser.find("h1").await).await;
    assert!(heading.contains(&plate_fa), "{heading}");
    println!("request: {}", browser.screenshot("request-fa").await.display());

    let before = bot.fake.sent_to(800).len();
    browser
        .fill(
            "form.move:has(button[data-to=under-review]) textarea",
            "مدارک شما کامل است و بررسی آغاز شد.",
        )
        .await;
    browser.submit("button[data-to=under-review]").await;
    let banner = browser.text(&browser.find("p.notice").await).await;
    assert!(banner.contains(&text(&bot, "stage-under-review")), "{banner}");
    let stage = browser.text(&browser.find("dd.stage").await).await;
    assert_eq!(stage, text(&bot, "stage-under-review"));
    assert_eq!(stage_of(&bot, &plate).await, "under-review");
    let messages = bot.messages_to(800, before + 1).await;
    let plate_code = code_text(TrackingCode::parse(&plate).unwrap(), Locale::Fa);
    assert!(messages[before].contains(&plate_code), "{}", messages[before]);
    assert!(
        messages[before].contains("مدارک شما کامل است"),
        "the note reaches the applicant"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bot.fake.sent_to(800).len(), before + 1, "the applicant is told once");
    // A reload of the confirmation sends nothing again.
    browser.goto(&browser.url().await).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.fake.sent_to(800).len(), before + 1);
    let history = browser
        .text(&browser.find("section[aria-labelledby=history]").await)
        .await;
    assert!(
        history.contains("مدارک شما کامل است"),
        "the note is in the history: {history}"
    );

    browser.goto(&format!("{base}/staff/dashboard")).await;
    assert_eq!(browser.count("svg.chart").await, 1, "open requests per stage, drawn");
    println!("dashboard: {}", browser.screenshot("dashboard-fa").await.display());

    // A reviewer of another service is told the request is not there.
    browser.submit("form[action$='/sign-out'] button").await;
    assert!(
        browser.url().await.contains("/staff/sign-in"),
        "{}",
        browser.url().await
    );
    sign_in(&browser, &base, "sara").await;
    browser.goto(&format!("{base}/staff/requests/{plate}")).await;
    let heading = browser.text(&browser.find("h1").await).await;
    assert_eq!(heading, text(&bot, "web-not-found-title"));
    assert_eq!(browser.count("form.move").await, 0);

    // An ended session sends the browser to sign in again, saying why.
    sqlx::query("UPDATE staff_sessions SET last_seen_at = now() - interval '2 hours'")
        .execute(bot.app.pool())
        .await
        .unwrap();
    browser.goto(&format!("{base}/staff/requests/{debt}")).await;
    assert!(
        browser.url().await.contains("/staff/sign-in?ended=1"),
        "{}",
        browser.url().await
    );
    let notice = browser.text(&browser.find("p.notice").await).await;
    assert_eq!(notice, text(&bot, "web-session-ended"));
    browser.quit().await;
    assert!(bot.fake.violations().is_empty(), "{:?}", bot.fake.violations());
    bot.stop().await;
}

#[tokio::test]
async fn an_operator_drafts_and_confirms_a_broadcast_and_follows_it_until_all_sent() {
    let bot = Running::fresh(&[]).await;
    let base = format!("http://{}", bot.http);
    bot.user(820)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    bot.user(821)
        .submits(Locale::Fa, "debt-respite", &debt_respite_as_person())
        .await;
    member(&bot, "omid", Role::Operator, None).await;
    let (plate_before, debt_before) = (bot.fake.sent_to(820).len(), bot.fake.sent_to(821).len());
    let browser = Browser::start().await;
    sign_in(&browser, &base, "omid").await;
    browser.submit("a[href$='/broadcasts']").await;

    // Both a service and codes: refused, nothing drafted.
    browser.press("#service option[value=plate-removal]").await;
    browser.fill("#codes", "123456-123456-123456").await;
    browser.fill("#text", "نمی‌رود").await;
    browser.press("form.stacked button[type=submit]").await;
    let error = browser.text(&browser.wait_for("p.error").await).await;
    assert_eq!(error, text(&bot, "web-broadcast-both"));
    let drafts: i64 = sqlx::query_scalar("SELECT count(*) FROM broadcasts")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(drafts, 0);

    // The service's applicants only.
    browser.goto(&format!("{base}/staff/broadcasts")).await;
    browser.press("#service option[value=plate-removal]").await;
    let notice = "سامانه فردا از ساعت ۸ تا ۱۰ در دسترس نیست.";
    browser.fill("#text", notice).await;
    browser.submit("form.stacked button[type=submit]").await;
    let preview = browser.text(&browser.find("blockquote.preview[lang=fa]").await).await;
    assert!(preview.contains(notice), "{preview}");
    let reach = browser.text(&browser.find("p.reach").await).await;
    assert!(reach.contains('۱'), "one applicant is reached: {reach}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.fake.sent_to(820).len(), plate_before, "a draft sends nothing");

    browser.press("#confirm").await;
    browser.wait_for("table.progress").await;
    // The page reloads itself while notices wait; it ends at "all sent".
    let all_sent = browser.wait_for("p.all-sent").await;
    assert_eq!(browser.text(&all_sent).await, text(&bot, "web-broadcast-all-sent"));
    println!("broadcast: {}", browser.screenshot("broadcast-fa").await.display());
    let received = bot.messages_to(820, plate_before + 1).await;
    assert!(received[plate_before].contains(notice), "{}", received[plate_before]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.fake.sent_to(820).len(), plate_before + 1, "sent once");
    assert_eq!(
        bot.fake.sent_to(821).len(),
        debt_before,
        "another service's applicant is not told"
    );
    browser.quit().await;
    assert!(bot.fake.violations().is_empty(), "{:?}", bot.fake.violations());
    bot.stop().await;
}

/// A browser-less client for the console's HTTP: what a forged or replayed form sends.
struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    fn new(bot: &Running) -> Self {
        Self {
            base: format!("http://{}/staff", bot.http),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Signs in; the session cookie, or the refusal's status.
    async fn sign_in(&self, name: &str, password: &str) -> Result<String, StatusCode> {
        let response = self
            .http
            .post(format!("{}/sign-in", self.base))
            .form(&[("name", name), ("password", password)])
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::SEE_OTHER {
            return Err(response.status());
        }
        let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
        Ok(cookie.split(';').next().unwrap().to_owned())
    }

    async fn get(&self, cookie: &str, path: &str) -> (StatusCode, String, Option<String>) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        let location = response.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned());
        (response.status(), response.text().await.unwrap(), location)
    }

    async fn post(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> (StatusCode, Option<String>) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let location = response.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned());
        (response.status(), location)
    }
}

/// The CSRF token in a page's forms.
fn csrf_in(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("the page has a form with a CSRF token")
        + 19;
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn forged_forms_ended_sessions_and_guessed_passwords_change_nothing() {
    let bot = Running::fresh(&[]).await;
    let plate = bot
        .user(810)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    member(&bot, "reza", Role::Reviewer, None).await;
    let client = Client::new(&bot);
    let cookie = client.sign_in("reza", PASSWORD).await.unwrap();
    let (status, page, _) = client.get(&cookie, &format!("/requests/{plate}")).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);
    let before = bot.fake.sent_to(810).len();
    let move_path = format!("/requests/{plate}/moves");

    // Without the session's token (a form posted from another site): refused, nothing moves.
    for forged in ["", "0000", &"f".repeat(64)] {
        let (status, _) = client
            .post(&cookie, &move_path, &[("csrf", forged), ("to", "under-review")])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "token {forged:?}");
    }
    // Another session's token is no better.
    let other = client.sign_in("reza", PASSWORD).await.unwrap();
    let (_, other_page, _) = client.get(&other, "/").await;
    let (status, _) = client
        .post(
            &cookie,
            &move_path,
            &[("csrf", &csrf_in(&other_page)), ("to", "under-review")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stage_of(&bot, &plate).await, "submitted");

    // A move the stage does not offer is refused with the reason, and changes nothing.
    let (status, _) = client
        .post(&cookie, &move_path, &[("csrf", &csrf), ("to", "recorded")])
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(stage_of(&bot, &plate).await, "submitted");

    // An ended session: sent to sign in, the form not acted on.
    sqlx::query("UPDATE staff_sessions SET last_seen_at = now() - interval '31 minutes'")
        .execute(bot.app.pool())
        .await
        .unwrap();
    let (status, location) = client
        .post(&cookie, &move_path, &[("csrf", &csrf), ("to", "under-review")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/staff/sign-in?ended=1"));
    assert_eq!(stage_of(&bot, &plate).await, "submitted");
    // So is one past its absolute end, however recently used.
    let cookie = client.sign_in("reza", PASSWORD).await.unwrap();
    sqlx::query("UPDATE staff_sessions SET expires_at = now() - interval '1 second'")
        .execute(bot.app.pool())
        .await
        .unwrap();
    let (status, _, location) = client.get(&cookie, "/").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/staff/sign-in?ended=1"))
    );

    // Signing out everywhere ends every session of the member.
    let first = client.sign_in("reza", PASSWORD).await.unwrap();
    let second = client.sign_in("reza", PASSWORD).await.unwrap();
    let (_, page, _) = client.get(&first, "/").await;
    let (status, _) = client
        .post(&first, "/sign-out-everywhere", &[("csrf", &csrf_in(&page))])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for cookie in [&first, &second] {
        let (status, _, location) = client.get(cookie, "/").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.unwrap().contains("sign-in"));
    }

    // A reviewer's role does not open broadcasts, whatever the form says.
    let cookie = client.sign_in("reza", PASSWORD).await.unwrap();
    let (status, page, _) = client.get(&cookie, "/broadcasts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = client
        .post(&cookie, "/broadcasts", &[("csrf", &csrf_in(&page)), ("text", "x")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let drafts: i64 = sqlx::query_scalar("SELECT count(*) FROM broadcasts")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(drafts, 0);

    // Guessing: five wrong passwords lock the name for a while, even against the right one;
    // an unknown name is answered exactly as a wrong password.
    assert_eq!(client.sign_in("nobody", PASSWORD).await, Err(StatusCode::UNAUTHORIZED));
    for _ in 0..5 {
        assert_eq!(
            client.sign_in("reza", "wrong password!").await,
            Err(StatusCode::UNAUTHORIZED)
        );
    }
    assert_eq!(
        client.sign_in("reza", PASSWORD).await,
        Err(StatusCode::TOO_MANY_REQUESTS)
    );
    sqlx::query("UPDATE staff_sign_in_failures SET at = at - interval '16 minutes'")
        .execute(bot.app.pool())
        .await
        .unwrap();
    assert!(client.sign_in("reza", PASSWORD).await.is_ok(), "the lock lifts");

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.fake.sent_to(810).len(), before, "no notice went out");
    let signed_in: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'staff.sign-in'")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert!(signed_in >= 5, "sign-ins are audited: {signed_in}");
    bot.stop().await;
}

#[tokio::test]
async fn a_reviewer_asks_for_documents_with_a_deadline_and_extends_it() {
    let bot = Running::fresh(&[]).await;
    let plate = bot
        .user(830)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    member(&bot, "reza", Role::Reviewer, None).await;
    member(&bot, "omid", Role::Operator, None).await;
    let client = Client::new(&bot);
    let cookie = client.sign_in("reza", PASSWORD).await.unwrap();
    let page_of = |cookie: String| {
        let client = &client;
        let path = format!("/requests/{plate}");
        async move { client.get(&cookie, &path).await.1 }
    };
    let moves = format!("/requests/{plate}/moves");
    let csrf = csrf_in(&page_of(cookie.clone()).await);
    let (status, _) = client
        .post(&cookie, &moves, &[("csrf", &csrf), ("to", "under-review")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The documents move carries a deadline field; days that are not a number are refused.
    let page = page_of(cookie.clone()).await;
    assert!(page.contains("name=\"deadline_office_days\""), "{page}");
    let ask = |days: &'static str| {
        let (client, cookie, csrf, moves) = (&client, cookie.clone(), csrf.clone(), moves.clone());
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("to", "documents-requested"),
                ("documents", "1"),
                ("note", "تصویر کارت خودرو را بفرستید."),
                ("deadline_office_days", days),
            ];
            client.post(&cookie, &moves, &form).await.0
        }
    };
    assert_eq!(ask("پنج").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ask("۹۰").await, StatusCode::UNPROCESSABLE_ENTITY, "more than 60 days");
    assert_eq!(stage_of(&bot, &plate).await, "under-review");
    assert_eq!(ask("۵").await, StatusCode::SEE_OTHER, "Persian digits are read");
    assert_eq!(stage_of(&bot, &plate).await, "documents-requested");
    let days: i32 = sqlx::query_scalar("SELECT office_days FROM document_deadlines")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(days, 5);

    // Once the notice has gone, the deadline is served and its date shown.
    bot.messages_to(830, bot.fake.sent_to(830).len()).await;
    let mut served = false;
    for _ in 0..50 {
        support::run_deadlines(&bot.app, chrono::Utc::now()).await;
        if page_of(cookie.clone()).await.contains("class=\"due\"") {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served, "the due date is shown once served");
    let due = |page: &str| {
        let at = page.find("class=\"due\">").unwrap() + 12;
        page[at..].split('<').next().unwrap().to_owned()
    };
    let first = due(&page_of(cookie.clone()).await);

    // An operator may not extend it; the reviewer may.
    let other = client.sign_in("omid", PASSWORD).await.unwrap();
    let other_csrf = csrf_in(&page_of(other.clone()).await);
    let extend = format!("/requests/{plate}/deadline");
    let (status, _) = client
        .post(&other, &extend, &[("csrf", &other_csrf), ("office_days", "2")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(due(&page_of(cookie.clone()).await), first);
    let (status, _) = client
        .post(&cookie, &extend, &[("csrf", &csrf), ("office_days", "2")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let second = due(&page_of(cookie.clone()).await);
    assert_ne!(second, first, "the date moved on");
    assert!(!second.chars().any(|c| c.is_ascii_digit()), "a Persian date: {second}");

    // The evidence that the applicant was told, to print: each notice with its steps, read
    // into the audit log; linked from the request, and out of sight like the request itself.
    let evidence_path = format!("/requests/{plate}/evidence");
    assert!(
        page_of(cookie.clone())
            .await
            .contains(&format!("/staff{evidence_path}\""))
    );
    let (status, evidence, _) = client.get(&cookie, &evidence_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(evidence.contains(&text(&bot, "web-notices")), "{evidence}");
    assert!(evidence.contains(&text(&bot, "web-channel-chat")), "{evidence}");
    let steps = evidence.matches("<li>").count();
    assert!(steps >= 4, "queued and sent for each of the two notices: {evidence}");
    assert!(evidence.contains(&text(&bot, "web-notice-sent")), "{evidence}");
    assert!(
        !evidence.contains("تصویر کارت خودرو"),
        "no note or answer on the evidence page"
    );
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'request.evidence'")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(audited, 1);
    member(&bot, "sara", Role::Reviewer, Some(&["debt-respite"])).await;
    let elsewhere = client.sign_in("sara", PASSWORD).await.unwrap();
    assert_eq!(client.get(&elsewhere, &evidence_path).await.0, StatusCode::NOT_FOUND);
    bot.stop().await;
}

#[tokio::test]
async fn a_complaint_is_answered_from_the_console_and_the_applicant_told_once() {
    let bot = Running::fresh(&[]).await;
    let mut user = bot.user(840);
    user.says("/start").await;
    user.presses("lang:fa").await;
    user.presses("menu:complain").await;
    let filed = user.says("هنوز پاسخی نگرفته‌ام.").await;
    let code = support::tracking_codes(&filed)[0].to_string();
    member(&bot, "reza", Role::Reviewer, None).await;
    member(&bot, "debts", Role::Reviewer, Some(&["debt-respite"])).await;
    let client = Client::new(&bot);

    // A complaint about no request is for those who handle every service.
    let narrow = client.sign_in("debts", PASSWORD).await.unwrap();
    let (status, page, _) = client.get(&narrow, "/complaints").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("هنوز پاسخی نگرفته‌ام"), "out of scope: {page}");

    let cookie = client.sign_in("reza", PASSWORD).await.unwrap();
    let (status, page, _) = client.get(&cookie, "/complaints").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("هنوز پاسخی نگرفته‌ام"), "{page}");
    let csrf = csrf_in(&page);
    let before = bot.fake.sent_to(840).len();
    let answer_path = format!("/complaints/{code}/answer");
    // Nothing visible in the answer: refused with the reason, nothing sent.
    let (status, _) = client
        .post(&cookie, &answer_path, &[("csrf", &csrf), ("answer", " \u{200c} ")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, location) = client
        .post(
            &cookie,
            &answer_path,
            &[("csrf", &csrf), ("answer", "درخواست شما بررسی شد.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let messages = bot.messages_to(840, before + 1).await;
    assert!(
        messages[before].contains("درخواست شما بررسی شد."),
        "{}",
        messages[before]
    );
    let (_, page, _) = client
        .get(&cookie, location.unwrap().trim_start_matches("/staff"))
        .await;
    assert!(page.contains("data-status=\"answered\""), "{page}");
    let (status, _) = client
        .post(&cookie, &format!("/complaints/{code}/close"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = client.get(&cookie, "/complaints?status=closed").await;
    assert!(page.contains("data-status=\"closed\""), "{page}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bot.fake.sent_to(840).len(), before + 1, "told once");
    bot.stop().await;
}

#[tokio::test]
async fn an_operator_declares_and_resolves_an_outage_and_plans_maintenance() {
    let bot = Running::fresh(&[]).await;
    bot.user(850)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    member(&bot, "omid", Role::Operator, None).await;
    member(&bot, "reza", Role::Reviewer, None).await;
    let client = Client::new(&bot);
    let reviewer = client.sign_in("reza", PASSWORD).await.unwrap();
    let (status, _, _) = client.get(&reviewer, "/operations").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reviewer does not operate");

    let cookie = client.sign_in("omid", PASSWORD).await.unwrap();
    let (status, page, _) = client.get(&cookie, "/operations").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);
    let before = bot.fake.sent_to(850).len();
    let reason = "قطعی ارتباط با سامانهٔ راهور";
    let (status, _) = client
        .post(
            &cookie,
            "/operations/outages",
            &[("csrf", &csrf), ("service", "plate-removal"), ("reason", reason)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let told = bot.messages_to(850, before + 1).await;
    assert!(
        told[before].contains(&text(&bot, "service-plate-removal")),
        "{}",
        told[before]
    );
    let id: i64 = sqlx::query_scalar("SELECT id FROM outages WHERE resolved_at IS NULL")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    let (status, _) = client
        .post(
            &cookie,
            &format!("/operations/outages/{id}/resolve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    bot.messages_to(850, before + 2).await;

    // Maintenance: a time that cannot be read is refused and nothing is planned.
    let tomorrow = peygir::office::local_date(chrono::Utc::now() + chrono::Duration::days(2));
    let day = peygir::domain::digits::to_persian_digits(&peygir::domain::jalali::to_jalali(tomorrow).to_string());
    let window = |start: &'static str| {
        let (client, cookie, csrf, day) = (&client, cookie.clone(), csrf.clone(), day.clone());
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("service", ""),
                ("start_date", day.as_str()),
                ("start_time", start),
                ("end_date", day.as_str()),
                ("end_time", "۲۳:۳۰"),
                ("reason", "ارتقای سامانه"),
            ];
            client.post(&cookie, "/operations/maintenance", &form).await.0
        }
    };
    assert_eq!(window("ساعت ده").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(window("۲۲:۰۰").await, StatusCode::SEE_OTHER);
    let (_, page, _) = client.get(&cookie, "/operations").await;
    assert!(page.contains("ارتقای سامانه"), "{page}");
    assert!(page.contains("data-cancelled=\"false\""), "{page}");
    let id: i64 = sqlx::query_scalar("SELECT id FROM maintenance_windows")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    // The change form comes filled in with the window as it is; a new end is saved.
    assert!(page.contains("value=\"22:00\""), "{page}");
    let (status, _) = client
        .post(
            &cookie,
            &format!("/operations/maintenance/{id}"),
            &[
                ("csrf", csrf.as_str()),
                ("service", ""),
                ("start_date", day.as_str()),
                ("start_time", "22:00"),
                ("end_date", day.as_str()),
                ("end_time", "23:45"),
                ("reason", "ارتقای سامانه"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let version: i32 = sqlx::query_scalar("SELECT version FROM maintenance_windows WHERE id = $1")
        .bind(id)
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(version, 2, "changed once");
    let (_, page, _) = client.get(&cookie, "/operations").await;
    assert!(page.contains("value=\"23:45\""), "{page}");
    let (status, _) = client
        .post(
            &cookie,
            &format!("/operations/maintenance/{id}/cancel"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = client.get(&cookie, "/operations").await;
    assert!(page.contains("data-cancelled=\"true\""), "{page}");
    bot.stop().await;
}

#[tokio::test]
async fn the_audit_log_is_for_admins_of_every_service_and_filters_by_action() {
    let bot = Running::fresh(&[]).await;
    let plate = bot
        .user(860)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    member(&bot, "root", Role::Admin, None).await;
    member(&bot, "plates-admin", Role::Admin, Some(&["plate-removal"])).await;
    member(&bot, "reza", Role::Reviewer, None).await;
    let client = Client::new(&bot);
    for name in ["reza", "plates-admin"] {
        let cookie = client.sign_in(name, PASSWORD).await.unwrap();
        let (status, _, _) = client.get(&cookie, "/audit").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
    let reviewer = client.sign_in("reza", PASSWORD).await.unwrap();
    client.get(&reviewer, &format!("/requests/{plate}")).await;

    let cookie = client.sign_in("root", PASSWORD).await.unwrap();
    let (status, page, _) = client.get(&cookie, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("staff.sign-in") && page.contains("request.read"),
        "{page}"
    );
    let (_, page, _) = client.get(&cookie, "/audit?action=request.").await;
    assert!(page.contains("request.read"), "{page}");
    assert!(!page.contains("staff.sign-in"), "filtered by action: {page}");
    let (status, page, _) = client.get(&cookie, "/audit?from=%D9%81%D8%B1%D8%AF%D8%A7").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "«فردا» is no date: {page}");
    bot.stop().await;
}

#[tokio::test]
async fn the_dashboard_counts_open_overdue_and_decided_requests_of_the_members_services() {
    let bot = Running::fresh(&[]).await;
    let decided = bot
        .user(870)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    bot.user(871)
        .submits(Locale::Fa, "plate-removal", &plate_removal())
        .await;
    bot.user(872)
        .submits(Locale::Fa, "debt-respite", &debt_respite_as_person())
        .await;
    member(&bot, "reza", Role::Reviewer, Some(&["plate-removal"])).await;
    let client = Client::new(&bot);
    let cookie = client.sign_in("reza", PASSWORD).await.unwrap();
    let (_, page, _) = client.get(&cookie, &format!("/requests/{decided}")).await;
    let csrf = csrf_in(&page);
    let moves = format!("/requests/{decided}/moves");
    for (to, note) in [("under-review", ""), ("rejected", "مدارک مالکیت خودرو ناقص است.")] {
        let (status, _) = client
            .post(&cookie, &moves, &[("csrf", &csrf), ("to", to), ("note", note)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    }
    // One request waits past its stage's target (office time since long ago).
    sqlx::query("UPDATE request_events SET at = at - interval '30 days' WHERE to_stage = 'submitted'")
        .execute(bot.app.pool())
        .await
        .unwrap();

    let (status, page, _) = client.get(&cookie, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    let figure = |id: &str| {
        let at = page.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
        page[at..].split('<').next().unwrap().to_owned()
    };
    assert_eq!(figure("overdue"), "۱", "the plate request still submitted is overdue");
    assert!(page.contains("<svg"), "a chart is drawn");
    assert!(page.contains(&text(&bot, "stage-submitted")), "{page}");
    assert!(
        !page.contains(&text(&bot, "service-debt-respite")),
        "another service's figures are not shown: {page}"
    );
    // The decision is counted in the decisions table.
    assert!(page.contains(&text(&bot, "web-dashboard-median")), "{page}");
    bot.stop().await;
}

#[tokio::test]
async fn an_admin_adds_a_member_issues_and_revokes_a_token_and_disables_them() {
    let bot = Running::fresh(&[]).await;
    member(&bot, "root", Role::Admin, None).await;
    member(&bot, "debts-admin", Role::Admin, Some(&["debt-respite"])).await;
    let client = Client::new(&bot);
    let scoped = client.sign_in("debts-admin", PASSWORD).await.unwrap();
    let (status, _, _) = client.get(&scoped, "/members").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an admin of one service keeps no roster");

    let cookie = client.sign_in("root", PASSWORD).await.unwrap();
    let (status, page, _) = client.get(&cookie, "/members").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&page);
    // Two services ticked: the form sends `services` twice.
    let (status, _) = client
        .post(
            &cookie,
            "/members",
            &[
                ("csrf", csrf.as_str()),
                ("name", "sara"),
                ("role", "reviewer"),
                ("services", "debt-respite"),
                ("services", "plate-removal"),
                ("telegram_user_id", "۷۷۷"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let sara = staff::by_name(bot.app.pool(), "sara").await.unwrap().unwrap();
    assert_eq!(
        sara.services.as_deref(),
        Some(&["debt-respite".to_owned(), "plate-removal".to_owned()][..])
    );
    assert_eq!(sara.telegram_user_id, Some(777));
    let (status, _) = client
        .post(
            &cookie,
            "/members",
            &[("csrf", csrf.as_str()), ("name", "sara"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "the name is taken");

    // A token is shown once, on the page that issues it, and works against the API.
    let response = client
        .http
        .post(format!("{}/members/{}/token", client.base, sara.id))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let at = page.find("pgr_").expect("the token is shown");
    let token = page[at..at + 68].to_owned();
    let api = |token: String| {
        let http = client.http.clone();
        let url = format!("http://{}/api/v1/requests", bot.http);
        async move { http.get(url).bearer_auth(token).send().await.unwrap().status() }
    };
    assert_eq!(api(token.clone()).await, StatusCode::OK);
    let (_, page, _) = client.get(&cookie, "/members").await;
    assert!(!page.contains(&token), "never shown again");
    let token_id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens WHERE staff_id = $1")
        .bind(sara.id)
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    let (status, _) = client
        .post(
            &cookie,
            &format!("/members/tokens/{token_id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(api(token).await, StatusCode::UNAUTHORIZED);

    // Disabling ends the member's console sessions.
    let hash = Password::new(PASSWORD).unwrap().hash().unwrap();
    staff::set_password_hash(bot.app.pool(), sara.id, &hash).await.unwrap();
    let hers = client.sign_in("sara", PASSWORD).await.unwrap();
    let (status, _) = client
        .post(&cookie, &format!("/members/{}/disable", sara.id), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, location) = client.get(&hers, "/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().contains("sign-in"));
    assert_eq!(client.sign_in("sara", PASSWORD).await, Err(StatusCode::UNAUTHORIZED));
    bot.stop().await;
}

#[tokio::test]
async fn a_one_time_link_sent_to_the_members_own_chat_signs_them_in_once() {
    let fake = support::bot_api::FakeBotApi::start().await;
    let db = support::database::fresh_database().await;
    let with_address = |t: String| {
        t.replace(
            "# public_url = \"https://example.ir/peygir\"",
            "public_url = \"https://staff.example.ir/peygir\"",
        )
    };
    let bot = Running::start_with(&fake, &db, with_address, &[]).await;
    let sara = staff::add(bot.app.pool(), "sara", Role::Reviewer, None, Some(990))
        .await
        .unwrap();
    staff::add(bot.app.pool(), "nochat", Role::Reviewer, None, None)
        .await
        .unwrap();
    let client = Client::new(&bot);
    let ask = |name: &'static str| {
        let client = &client;
        async move {
            let response = client
                .http
                .post(format!("{}/sign-in/link", client.base))
                .form(&[("name", name), ("lang", "fa")])
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    // The page says the same whatever the name.
    let (status, known) = ask("sara").await;
    assert_eq!(status, StatusCode::OK);
    let (_, unknown) = ask("nobody").await;
    let (_, without_chat) = ask("nochat").await;
    assert_eq!(known, unknown);
    assert_eq!(known, without_chat);

    let sent = bot.messages_to(990, 1).await;
    let link = sent[0]
        .split_whitespace()
        .find(|w| w.starts_with("https://staff.example.ir/peygir/staff/sign-in/link/"))
        .unwrap_or_else(|| panic!("no link in {}", sent[0]))
        .to_owned();
    let path = link.trim_start_matches("https://staff.example.ir/peygir/staff");
    // Opening it (as a messenger drawing a preview does) signs nobody in.
    let (status, page, _) = client.get("", path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"use-link\""), "{page}");
    let response = client.http.post(format!("{}{path}", client.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (status, _, _) = client.get(&cookie, "/").await;
    assert_eq!(status, StatusCode::OK, "signed in");
    let who: i64 = sqlx::query_scalar("SELECT staff_id FROM staff_sessions")
        .fetch_one(bot.app.pool())
        .await
        .unwrap();
    assert_eq!(who, sara.id);

    // Once only.
    let again = client.http.post(format!("{}{path}", client.base)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    // Three links in fifteen minutes, no more.
    ask("sara").await;
    ask("sara").await;
    ask("sara").await;
    bot.messages_to(990, 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bot.fake.sent_to(990).len(), 3, "the fourth was not sent");
    assert!(bot.fake.violations().is_empty(), "{:?}", bot.fake.violations());
    bot.stop().await;
}
