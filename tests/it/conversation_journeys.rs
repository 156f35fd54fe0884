//! Whole conversations through the application against real PostgreSQL: every field of both
//! seed services in both languages, bad input at each, lookups, complaints, restarts.

use crate::support;

use peygir::app::Application;
use peygir::i18n::{Arg, Locale, Msg};
use support::journeys::{Give, Question, debt_respite_as_company, debt_respite_as_person, plate_removal};
use support::{Chat, build_app, config_text, spawn_app, tracking_codes};

async fn give(chat: &mut Chat, answer: &Give) -> String {
    match answer {
        Give::Text(text) => chat.says(text).await,
        Give::Long(n) => chat.says(&"ب".repeat(*n)).await,
        Give::Pick(key) => chat.presses(key).await,
        Give::Skip => chat.says("/skip").await,
        Give::File(name, mime, size) => chat.sends_file(name, mime, *size).await,
        Give::Contact(phone) => {
            chat.send(peygir::conversation::Input::Contact {
                phone: (*phone).into(),
                own: true,
            })
            .await
        }
    }
}

async fn stored_dialogue(app: &Application, chat_id: i64) -> serde_json::Value {
    let applicant: i64 = sqlx::query_scalar("SELECT id FROM applicants WHERE chat_id = $1")
        .bind(chat_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let mut conn = app.pool().acquire().await.unwrap();
    let dialogue = peygir::store::dialogues::peek(
        &mut conn,
        app.vault(),
        peygir::store::applicants::ApplicantId(applicant),
    )
    .await
    .unwrap()
    .unwrap();
    // When the applicant last wrote moves with every input, refused ones too.
    let mut value = serde_json::to_value(dialogue).unwrap();
    value.as_object_mut().unwrap().remove("last_input_at");
    value
}

fn text(app: &Application, locale: Locale, id: &str) -> String {
    // Messages with arguments are compared on their first words, which carry no argument.
    let full = app.i18n().render(locale, &Msg::new(id).arg("max", Arg::Number(0)));
    full.split('(')
        .next()
        .unwrap()
        .split('{')
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

/// Starts a chat, picks the language, and opens the service's form.
async fn open_form(app: &Application, chat_id: i64, locale: Locale, service: &str) -> Chat {
    let mut chat = Chat::new(app, chat_id);
    chat.says("/start").await;
    chat.presses(&format!("lang:{}", locale.code())).await;
    chat.presses("menu:submit").await;
    let intro = chat.presses(&format!("svc:{service}")).await;
    assert!(
        intro.contains(&text(app, locale, &format!("service-{service}"))),
        "{intro}"
    );
    chat
}

/// Answers every question, checking each bad answer is refused with its message and changes
/// nothing stored; returns the confirmation summary.
async fn fill(app: &Application, chat: &mut Chat, chat_id: i64, locale: Locale, questions: &[Question]) -> String {
    for question in questions {
        let prompt = chat.text();
        for (bad, error_id) in &question.bad {
            let before = stored_dialogue(app, chat_id).await;
            let reply = give(chat, bad).await;
            let expected = text(app, locale, error_id);
            assert!(
                reply.contains(&expected),
                "expected «{expected}» after a bad answer, got:\n{reply}"
            );
            assert_eq!(
                stored_dialogue(app, chat_id).await,
                before,
                "a refused answer changed the dialogue"
            );
            let question_line = prompt.lines().last().unwrap();
            assert!(reply.contains(question_line), "the question is asked again:\n{reply}");
        }
        give(chat, &question.good).await;
    }
    chat.text()
}

async fn submit_journey(locale: Locale, service: &str, questions: Vec<Question>, documents: i64) {
    let (app, _db) = spawn_app().await;
    let chat_id = 1000 + questions.len() as i64;
    let mut chat = open_form(&app, chat_id, locale, service).await;
    let summary = fill(&app, &mut chat, chat_id, locale, &questions).await;
    assert!(summary.contains(&text(&app, locale, "confirm-summary")), "{summary}");
    let done = chat.presses("confirm").await;
    let codes = tracking_codes(&done);
    assert_eq!(codes.len(), 1, "one tracking code in:\n{done}");
    if locale == Locale::Fa {
        assert!(
            !done.chars().any(|c| c.is_ascii_digit()),
            "Persian output uses Persian digits:\n{done}"
        );
    }
    assert!(
        !done.contains('\u{2068}') && !done.contains('\u{2069}'),
        "no bidi isolation marks"
    );

    let mut conn = app.pool().acquire().await.unwrap();
    let request = peygir::store::requests::find_by_code(&mut conn, codes[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(request.stage, "submitted");
    assert_eq!(request.answers(app.vault()).unwrap().len(), questions.len());
    let stored_documents: i64 = sqlx::query_scalar("SELECT count(*) FROM documents")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(stored_documents, documents);
}

#[tokio::test]
async fn a_person_asks_for_a_debt_respite_in_persian() {
    submit_journey(Locale::Fa, "debt-respite", debt_respite_as_person(), 1).await;
}

#[tokio::test]
async fn a_company_asks_for_instalments_in_english() {
    submit_journey(Locale::En, "debt-respite", debt_respite_as_company(), 0).await;
}

#[tokio::test]
async fn an_agency_asks_for_a_plate_removal_permit_in_persian() {
    submit_journey(Locale::Fa, "plate-removal", plate_removal(), 1).await;
}

#[tokio::test]
async fn an_agency_asks_for_a_plate_removal_permit_in_english() {
    submit_journey(Locale::En, "plate-removal", plate_removal(), 1).await;
}

async fn submitted_code(app: &Application, chat_id: i64) -> peygir::domain::TrackingCode {
    let mut chat = open_form(app, chat_id, Locale::Fa, "plate-removal").await;
    fill(app, &mut chat, chat_id, Locale::Fa, &plate_removal()).await;
    tracking_codes(&chat.presses("confirm").await)[0]
}

#[tokio::test]
async fn anyone_with_the_code_sees_the_status_but_only_the_owner_sees_details() {
    let (app, _db) = spawn_app().await;
    let code = submitted_code(&app, 1).await;
    let persian = peygir::domain::digits::to_persian_digits(&code.to_string());

    let mut stranger = Chat::new(&app, 2);
    stranger.says("/start").await;
    stranger.presses("lang:fa").await;
    stranger.presses("menu:track").await;
    // Typed with Persian digits, spaces for hyphens, and a stray right-to-left mark.
    let public = stranger.says(&format!("\u{200F}{}", persian.replace('-', " "))).await;
    assert!(public.contains("مجوز فک پلاک خودروهای دولتی"), "{public}");
    assert!(public.contains(&text(&app, Locale::Fa, "status-received")), "{public}");
    assert!(
        !public.contains("مریم احمدی"),
        "a stranger sees no personal data:\n{public}"
    );

    let mut owner = Chat::new(&app, 1);
    let detailed = owner.says(&format!("/track {code}")).await;
    assert!(detailed.contains("مریم احمدی"), "{detailed}");
    assert!(
        detailed.contains(&text(&app, Locale::Fa, "stage-submitted")),
        "{detailed}"
    );

    let mut digits: Vec<char> = code.to_string().chars().collect();
    digits.swap(0, 1);
    let swapped: String = digits.into_iter().collect();
    if swapped != code.to_string() {
        let refused = owner.says(&format!("/track {swapped}")).await;
        assert!(
            refused.contains(&text(&app, Locale::Fa, "code-check-digit")),
            "{refused}"
        );
    }
    let unknown = peygir::domain::TrackingCode::generate();
    let missing = owner.says(&format!("/track {unknown}")).await;
    assert!(
        missing.contains(&text(&app, Locale::Fa, "lookup-not-found")),
        "{missing}"
    );
    let short = owner.says("/track ۱۲۳").await;
    assert!(short.contains("۱۸"), "says how many digits a code has:\n{short}");
}

#[tokio::test]
async fn a_complaint_about_a_request_gets_its_own_code() {
    let (app, _db) = spawn_app().await;
    let request_code = submitted_code(&app, 7).await;
    let mut chat = Chat::new(&app, 7);
    chat.says("/menu").await;
    chat.presses("menu:complain").await;
    chat.presses(&format!("about:{request_code}")).await;
    let empty = chat.says("   ").await;
    assert!(empty.contains(&text(&app, Locale::Fa, "error-empty")), "{empty}");
    let filed = chat.says("پاسخی دریافت نکرده‌ام.").await;
    let codes = tracking_codes(&filed);
    assert_eq!(codes.len(), 1, "{filed}");
    assert_ne!(codes[0], request_code);

    let about: Option<i64> = sqlx::query_scalar("SELECT request_id FROM complaints")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(about.is_some(), "the complaint names its request");

    let status = chat.says(&codes[0].to_string()).await;
    assert!(
        status.contains(&text(&app, Locale::Fa, "complaint-status-open")),
        "{status}"
    );
    let mine = chat.presses("menu:mine").await;
    assert_eq!(
        tracking_codes(&mine).len(),
        2,
        "both the request and the complaint are listed:\n{mine}"
    );
}

#[tokio::test]
async fn a_restart_mid_form_resumes_where_the_applicant_was() {
    let db = support::database::fresh_database().await;
    let toml = config_text(|t| t);
    let first = build_app(&db, &toml, &[]).await;
    let mut chat = open_form(&first, 5, Locale::En, "plate-removal").await;
    let questions = plate_removal();
    for question in &questions[..3] {
        give(&mut chat, &question.good).await;
    }
    first.shutdown().await.unwrap();

    let second = build_app(&db, &toml, &[]).await;
    let mut chat = Chat::new(&second, 5);
    let resumed = chat.says("09121234567").await;
    assert!(
        resumed.contains(&text(&second, Locale::En, "field-plate-removal-plate")),
        "{resumed}"
    );
    for question in &questions[4..] {
        give(&mut chat, &question.good).await;
    }
    let summary = chat.text();
    assert!(
        summary.contains("مریم احمدی"),
        "answers given before the restart are kept:\n{summary}"
    );
    assert_eq!(tracking_codes(&chat.presses("confirm").await).len(), 1);
}

#[tokio::test]
async fn back_undoes_one_answer_and_cancel_saves_nothing() {
    let (app, _db) = spawn_app().await;
    let mut chat = open_form(&app, 9, Locale::En, "plate-removal").await;
    chat.says("Roads directorate").await;
    let back = chat.presses("nav:back").await;
    assert!(
        back.contains(&text(&app, Locale::En, "field-plate-removal-agency")),
        "{back}"
    );
    chat.says("Roads directorate").await;
    let cancelled = chat.says("/cancel").await;
    assert!(cancelled.contains(&text(&app, Locale::En, "cancelled")), "{cancelled}");
    let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(requests, 0);
}

#[tokio::test]
async fn a_button_from_an_old_message_is_refused_and_changes_nothing() {
    let (app, _db) = spawn_app().await;
    let mut chat = Chat::new(&app, 11);
    chat.says("/start").await;
    let old_language_button = chat.button_data("lang:en").unwrap();
    chat.presses("lang:fa").await;
    let before = stored_dialogue(&app, 11).await;
    let (turn, key) = peygir::channels::parse_button_data(&old_language_button).unwrap();
    let reply = chat.send(peygir::conversation::Input::Button { turn, key }).await;
    assert!(reply.contains(&text(&app, Locale::Fa, "stale-button")), "{reply}");
    assert_eq!(stored_dialogue(&app, 11).await, before);
    let forged = chat
        .send(peygir::conversation::Input::Button {
            turn: before["turn"].as_u64().unwrap(),
            key: "svc:nope".into(),
        })
        .await;
    assert!(forged.contains(&text(&app, Locale::Fa, "stale-button")), "{forged}");
}

#[tokio::test]
async fn help_promises_free_service_and_availability() {
    let (app, _db) = spawn_app().await;
    let mut chat = Chat::new(&app, 12);
    chat.says("/start").await;
    chat.presses("lang:en").await;
    let help = chat.presses("menu:help").await;
    assert!(help.contains("free of charge"), "{help}");
    assert!(help.contains("around the clock"), "{help}");
    assert!(help.contains("Permit to remove the plates"), "{help}");
}

/// Staff take the request up (move it to review), as they would from the group or the API.
async fn take_up(app: &Application, code: peygir::domain::TrackingCode) {
    sqlx::query("UPDATE requests SET stage = 'under-review' WHERE code = $1")
        .bind(code.to_stored())
        .execute(app.pool())
        .await
        .unwrap();
}

async fn stage_of(app: &Application, request: i64) -> String {
    sqlx::query_scalar("SELECT stage FROM requests WHERE id = $1")
        .bind(request)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_request_is_withdrawn_until_staff_take_it_up_and_staff_hear_of_it() {
    let (app, _db) = support::spawn_app_with_staff_chat().await;
    let (request, code) = support::stored_request(&app, 61, "plate-removal", "submitted").await;
    let (_, taken_up) = support::stored_request(&app, 61, "debt-respite", "submitted").await;
    let mut chat = Chat::new(&app, 61);
    chat.says("/start").await;
    chat.presses("lang:fa").await;
    let asked = chat.presses("menu:withdraw").await;
    assert!(asked.contains("کدام درخواست"), "two requests: which one?\n{asked}");
    let confirm = chat.presses(&format!("withdraw:{code}")).await;
    assert!(confirm.contains("بازگشت‌پذیر نیست"), "asked to confirm:\n{confirm}");
    // Meanwhile staff take up the other one.
    take_up(&app, taken_up).await;
    let done = chat.presses("withdraw:yes").await;
    assert!(done.contains("انصراف شما"), "{done}");
    assert_eq!(stage_of(&app, request).await, "withdrawn");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'request.transition' AND actor LIKE 'applicant%'
         AND detail->>'to' = 'withdrawn'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1, "the withdrawal is audited");
    let staff_told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE recipient = 'staff' AND request_id = $1 AND message->>'id' = 'staff-request-withdrawn'",
    )
    .bind(request)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(staff_told, 1, "the staff group gets the card");
    // Nothing is left to withdraw: the menu no longer offers it, and the lookup says so.
    chat.says("/menu").await;
    assert!(chat.button_data("menu:withdraw").is_none(), "{}", chat.text());
    let looked_up = chat.says(&code.to_string()).await;
    assert!(looked_up.contains("انصراف"), "{looked_up}");

    // Staff take one up while its withdrawal waits for the applicant's yes: too late, and
    // nothing changes.
    let (late, late_code) = support::stored_request(&app, 61, "plate-removal", "submitted").await;
    chat.says("/menu").await;
    let confirm = chat.presses("menu:withdraw").await;
    assert!(
        confirm.contains(&peygir::i18n::code_text(late_code, peygir::i18n::Locale::Fa)),
        "the only one is asked about at once:\n{confirm}"
    );
    take_up(&app, late_code).await;
    let refused = chat.presses("withdraw:yes").await;
    assert!(refused.contains("دیگر ممکن نیست"), "{refused}");
    assert_eq!(stage_of(&app, late).await, "under-review");
}

#[tokio::test]
async fn the_welcome_names_the_directorate_with_its_province_as_configured() {
    let db = support::database::fresh_database().await;
    let toml = config_text(|t| {
        t.replace(
            "fa = \"ادارهٔ کل امور اقتصادی و دارایی\"",
            "fa = \"ادارهٔ کل امور اقتصادی و دارایی استان یزد\"",
        )
    });
    let app = build_app(&db, &toml, &[]).await;
    let mut chat = Chat::new(&app, 91);
    let greeting = chat.says("/start").await;
    assert!(
        greeting.contains("دستیار خدمات الکترونیکی ادارهٔ کل امور اقتصادی و دارایی استان یزد"),
        "{greeting}"
    );
}

#[tokio::test]
async fn a_request_is_edited_until_staff_take_it_up_and_staff_hear_of_it() {
    let (app, _db) = support::spawn_app_with_staff_chat().await;
    let chat_id = 71;
    let mut chat = open_form(&app, chat_id, Locale::Fa, "debt-respite").await;
    fill(&app, &mut chat, chat_id, Locale::Fa, &debt_respite_as_person()).await;
    let code = tracking_codes(&chat.presses("confirm").await)[0];
    let answers_of = |app: &Application| {
        let app = app.clone();
        async move {
            let mut conn = app.pool().acquire().await.unwrap();
            let row = peygir::store::requests::find_by_code(&mut conn, code)
                .await
                .unwrap()
                .unwrap();
            row.answers(app.vault()).unwrap()
        }
    };
    let before = answers_of(&app).await;
    assert!(before.iter().any(|(f, _)| f == "national-id"));

    // The only editable request opens at once, with a button per answer.
    chat.says("/menu").await;
    let opened = chat.presses("menu:edit").await;
    assert!(
        opened.contains(&peygir::i18n::code_text(code, Locale::Fa)),
        "the request being edited is named:\n{opened}"
    );
    assert!(chat.button_data("change:full-name").is_some(), "{opened}");
    // A person becomes a company: the national id no longer applies and the company id is
    // asked for; then the summary comes back, in the form's order.
    chat.presses("change:applicant-kind").await;
    let asked = chat.presses("opt:company").await;
    assert!(asked.contains("شناسهٔ ملی"), "the company id is asked next:\n{asked}");
    let summary = chat.says("14007650912").await;
    assert!(summary.contains("ویرایش درخواست با کد پیگیری"), "{summary}");
    assert!(
        !summary.contains("۰۴۹۹۳۷۰۸۹۹"),
        "the national id is dropped:\n{summary}"
    );
    let saved = chat.presses("confirm").await;
    assert!(saved.contains("تغییرات درخواست"), "{saved}");

    let after = answers_of(&app).await;
    let fields: Vec<&str> = after.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        &fields[..3],
        ["applicant-kind", "company-id", "full-name"],
        "form order"
    );
    assert!(!fields.contains(&"national-id"));
    assert_eq!(after.len(), before.len(), "one answer replaced another");
    let edited: serde_json::Value =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'request.edited' AND actor = 'applicant'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    let mut changed: Vec<String> = serde_json::from_value(edited["fields"].clone()).unwrap();
    changed.sort();
    assert_eq!(
        changed,
        ["applicant-kind", "company-id", "national-id"],
        "names, not values"
    );
    let staff_told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE recipient = 'staff' AND message->>'id' = 'staff-request-edited'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(staff_told, 1, "the staff group gets the card");

    // Staff take it up while an edit is open: saving is refused and nothing changes.
    chat.says("/menu").await;
    chat.presses("menu:edit").await;
    chat.presses("change:full-name").await;
    chat.says("مریم رضایی").await;
    take_up(&app, code).await;
    let refused = chat.presses("confirm").await;
    assert!(refused.contains("ویرایش از راه بات دیگر ممکن نیست"), "{refused}");
    assert_eq!(answers_of(&app).await, after);
    chat.says("/menu").await;
    assert!(
        chat.button_data("menu:edit").is_none(),
        "nothing left to edit:\n{}",
        chat.text()
    );
}
