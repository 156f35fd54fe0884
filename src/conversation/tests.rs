//! The state machine alone: no database, no channel. Each test is inputs in, state and
//! effects out.

use super::*;
use crate::config::{Config, DEFAULT_TOML};
use crate::domain::{FieldError, FieldValue, PhoneNumber, TrackingCode};
use crate::i18n::Locale;

struct Fixture {
    catalog: Catalog,
    i18n: I18n,
}

fn fixture() -> Fixture {
    let (_, catalog) = Config::from_toml(DEFAULT_TOML, |_| None).unwrap();
    let i18n = I18n::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales"), &[]).unwrap();
    Fixture { catalog, i18n }
}

/// Feeds inputs one after another from `dialogue`, returning the last step.
fn run(f: &Fixture, owned: &[OwnedRequest], dialogue: Dialogue, inputs: &[Input]) -> Step {
    run_with(f, owned, &ServiceStatus::default(), dialogue, inputs)
}

/// `run` with faults and maintenance.
fn run_with(
    f: &Fixture,
    owned: &[OwnedRequest],
    status: &ServiceStatus,
    mut dialogue: Dialogue,
    inputs: &[Input],
) -> Step {
    let ctx = Context {
        catalog: &f.catalog,
        i18n: &f.i18n,
        my_requests: owned,
        sms: &SmsView::default(),
        status,
        announcements: &AnnouncementsView::default(),
        today: chrono::Utc::now().date_naive(),
        now: now(),
    };
    let mut last = None;
    for input in inputs {
        let step = step(&dialogue, input.clone(), &ctx);
        dialogue = step.dialogue.clone();
        last = Some(step);
    }
    last.expect("at least one input")
}

/// The moment every step here runs at, so that dialogues compare equal.
fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-12-01T08:00:00Z".parse().unwrap()
}

fn text(s: &str) -> Input {
    Input::Text(s.into())
}

fn at(state: State) -> Dialogue {
    Dialogue {
        state,
        locale: Locale::Fa,
        turn: 7,
        last_input_at: Some(now()),
    }
}

/// A press of `key` on the buttons `at` draws (turn 7).
fn press(key: &str) -> Input {
    Input::Button {
        turn: 7,
        key: key.into(),
    }
}

/// The applicant's one request, `code` of plate removal, at `stage`.
fn one_request(code: TrackingCode, stage: &str) -> Vec<OwnedRequest> {
    vec![OwnedRequest {
        code,
        service: "plate-removal".into(),
        stage: stage.into(),
    }]
}

/// The keys of the choices the step's prompt offers.
fn choice_keys(step: &Step) -> Vec<String> {
    step.replies
        .last()
        .unwrap()
        .choices
        .iter()
        .map(|c| c.key.clone())
        .collect()
}

fn filling(service: &str, answers: Answers) -> Dialogue {
    at(State::Filling {
        service: service.into(),
        answers,
        editing: None,
    })
}

#[test]
fn a_new_applicant_is_greeted_and_asked_for_a_language() {
    let f = fixture();
    let step = run(&f, &[], Dialogue::default(), &[text("سلام")]);
    assert_eq!(step.dialogue.state, State::ChoosingLanguage);
    assert_eq!(step.replies[0].lines[0].id, messages::WELCOME);
    assert_eq!(step.replies.last().unwrap().choices.len(), 2);
}

#[test]
fn an_option_is_picked_by_number_in_any_digits_or_by_label() {
    let f = fixture();
    for typed in ["1", "۱", "١", "ثبت درخواست جدید", " ثبت درخواست جدید "] {
        let step = run(&f, &[], at(State::Menu), &[text(typed)]);
        assert_eq!(step.dialogue.state, State::ChoosingService, "typed {typed:?}");
    }
    let step = run(&f, &[], at(State::Menu), &[text("10")]);
    assert_eq!(step.dialogue.state, State::Menu);
    assert_eq!(step.replies[0].lines[0].id, messages::NOT_UNDERSTOOD);
}

#[test]
fn conditional_fields_follow_the_earlier_choice() {
    let f = fixture();
    let person = run(
        &f,
        &[],
        filling("debt-respite", vec![]),
        &[Input::Button {
            turn: 7,
            key: "opt:person".into(),
        }],
    );
    assert_eq!(
        person.replies.last().unwrap().lines[0].id,
        "field-debt-respite-national-id"
    );
    let company = run(
        &f,
        &[],
        filling("debt-respite", vec![]),
        &[Input::Button {
            turn: 7,
            key: "opt:company".into(),
        }],
    );
    assert_eq!(
        company.replies.last().unwrap().lines[0].id,
        "field-debt-respite-company-id"
    );
}

#[test]
fn a_refused_answer_keeps_state_and_turn_and_an_accepted_one_moves_both() {
    let f = fixture();
    let start = filling("plate-removal", vec![("agency".into(), FieldValue::Text("x".into()))]);
    let refused = run(&f, &[], start.clone(), &[text("123")]);
    assert_eq!(refused.dialogue, start);
    assert_eq!(refused.replies[0].lines[0].id, messages::ERROR_LENGTH);
    let accepted = run(&f, &[], start.clone(), &[text("14007650912")]);
    assert_eq!(accepted.dialogue.turn, start.turn + 1);
    assert!(matches!(&accepted.dialogue.state, State::Filling { answers, .. } if answers.len() == 2));
}

#[test]
fn a_button_from_an_earlier_turn_changes_nothing() {
    let f = fixture();
    let start = at(State::Menu);
    let step = run(
        &f,
        &[],
        start.clone(),
        &[Input::Button {
            turn: 6,
            key: "menu:submit".into(),
        }],
    );
    assert_eq!(step.dialogue, start);
    assert_eq!(step.replies[0].lines[0].id, messages::STALE_BUTTON);
}

#[test]
fn back_on_the_first_question_returns_to_the_services() {
    let f = fixture();
    let step = run(&f, &[], filling("plate-removal", vec![]), &[text("/back")]);
    assert_eq!(step.dialogue.state, State::ChoosingService);
}

#[test]
fn confirming_submits_every_answer_once() {
    let f = fixture();
    let answers: Answers = vec![("agency".into(), FieldValue::Text("x".into()))];
    let confirming = at(State::Confirming {
        service: "plate-removal".into(),
        answers: answers.clone(),
        editing: None,
    });
    let step = run(
        &f,
        &[],
        confirming,
        &[Input::Button {
            turn: 7,
            key: "confirm".into(),
        }],
    );
    assert_eq!(
        step.effects,
        vec![Effect::SubmitRequest {
            service: "plate-removal".into(),
            answers
        }]
    );
    assert_eq!(step.dialogue.state, State::Menu);
}

#[test]
fn track_looks_up_without_leaving_the_form() {
    let f = fixture();
    let code = TrackingCode::generate();
    let start = filling("plate-removal", vec![]);
    let step = run(&f, &[], start.clone(), &[text(&format!("/track {code}"))]);
    assert_eq!(step.effects, vec![Effect::LookUp(code)]);
    assert_eq!(step.dialogue.state, start.state);
}

#[test]
fn complaints_offer_the_applicants_requests_and_refuse_overlong_text() {
    let f = fixture();
    let none = run(&f, &[], at(State::Menu), &[text("/complain")]);
    assert_eq!(none.dialogue.state, State::WritingComplaint { about: None });

    let code = TrackingCode::generate();
    let owned = [OwnedRequest {
        code,
        service: "plate-removal".into(),
        stage: "submitted".into(),
    }];
    let some = run(&f, &owned, at(State::Menu), &[text("/complain")]);
    assert_eq!(some.dialogue.state, State::ChoosingComplaintSubject);
    let picked = run(&f, &owned, some.dialogue, &[text("2")]);
    assert_eq!(picked.dialogue.state, State::WritingComplaint { about: Some(code) });

    let long = "ا".repeat(MAX_COMPLAINT_CHARS + 1);
    let refused = run(&f, &owned, picked.dialogue.clone(), &[text(&long)]);
    assert_eq!(refused.dialogue, picked.dialogue);
    assert!(refused.effects.is_empty());
}

#[test]
fn the_language_choice_switches_every_later_reply() {
    let f = fixture();
    let step = run(&f, &[], Dialogue::default(), &[text("/start"), text("2")]);
    assert_eq!(step.dialogue.locale, Locale::En);
    assert_eq!(
        f.i18n.render(step.locale(), &step.replies[0].lines[0]),
        "What would you like to do?"
    );
}

fn file(name: &str, mime: &str, size_bytes: u64) -> Input {
    Input::Document(crate::domain::DocumentRef {
        file_name: name.into(),
        mime: mime.into(),
        size_bytes,
        source: crate::domain::DocumentSource::Bot { file_id: name.into() },
    })
}

fn waiting(code: TrackingCode) -> OwnedRequest {
    OwnedRequest {
        code,
        service: "plate-removal".into(),
        stage: "documents-requested".into(),
    }
}

#[test]
fn documents_are_offered_only_while_a_request_waits_for_them() {
    let f = fixture();
    let reviewing = OwnedRequest {
        stage: "under-review".into(),
        ..waiting(TrackingCode::generate())
    };
    let menu = run(&f, std::slice::from_ref(&reviewing), at(State::Menu), &[text("/menu")]);
    assert!(
        !menu
            .replies
            .last()
            .unwrap()
            .choices
            .iter()
            .any(|c| c.key == "menu:documents")
    );
    let refused = run(
        &f,
        std::slice::from_ref(&reviewing),
        at(State::Menu),
        &[text("/documents")],
    );
    assert_eq!(refused.dialogue.state, State::Menu);
    assert_eq!(refused.replies[0].lines[0].id, messages::SUPPLEMENT_NONE);
    let stray = run(
        &f,
        &[reviewing],
        at(State::Menu),
        &[file("a.pdf", "application/pdf", 10)],
    );
    assert_eq!(stray.replies[0].lines[0].id, messages::UNEXPECTED_DOCUMENT);

    let code = TrackingCode::generate();
    let menu = run(&f, &[waiting(code)], at(State::Menu), &[text("/menu")]);
    assert_eq!(menu.replies.last().unwrap().choices[0].key, "menu:documents");
}

#[test]
fn documents_are_collected_checked_and_sent_together() {
    let f = fixture();
    let code = TrackingCode::generate();
    let owned = [waiting(code)];
    // A file sent from the menu goes to the one waiting request.
    let first = run(
        &f,
        &owned,
        at(State::Menu),
        &[file("letter.pdf", "application/pdf", 1000)],
    );
    let State::Supplementing {
        code: for_code,
        documents,
    } = &first.dialogue.state
    else {
        panic!("{:?}", first.dialogue.state);
    };
    assert_eq!((*for_code, documents.len()), (code, 1));
    assert!(
        first.effects.is_empty(),
        "nothing is sent before the applicant says done"
    );

    let refused = run(
        &f,
        &owned,
        first.dialogue.clone(),
        &[file("virus.exe", "application/x-msdownload", 10)],
    );
    assert_eq!(refused.dialogue, first.dialogue, "a wrong file type changes nothing");
    assert_eq!(refused.replies[0].lines[0].id, messages::ERROR_FILE_TYPE);
    let too_big = run(
        &f,
        &owned,
        first.dialogue.clone(),
        &[file("huge.pdf", "application/pdf", 1 << 40)],
    );
    assert_eq!(too_big.dialogue, first.dialogue);

    let done = run(
        &f,
        &owned,
        first.dialogue,
        &[file("photo.jpg", "image/jpeg", 500), text("1")],
    );
    assert_eq!(done.dialogue.state, State::Menu);
    let [
        Effect::SupplyDocuments {
            code: sent_for,
            documents,
        },
    ] = done.effects.as_slice()
    else {
        panic!("{:?}", done.effects);
    };
    assert_eq!(*sent_for, code);
    let names: Vec<&str> = documents.iter().map(|d| d.file_name.as_str()).collect();
    assert_eq!(names, ["letter.pdf", "photo.jpg"]);
}

#[test]
fn done_before_any_file_and_cancel_send_nothing() {
    let f = fixture();
    let code = TrackingCode::generate();
    let owned = [waiting(code)];
    let started = run(&f, &owned, at(State::Menu), &[text("/documents")]);
    assert!(matches!(started.dialogue.state, State::Supplementing { .. }));
    assert!(
        started.replies.last().unwrap().choices.is_empty(),
        "no done button before a file"
    );
    let typed = run(&f, &owned, started.dialogue.clone(), &[text("here")]);
    assert_eq!(typed.replies[0].lines[0].id, messages::SUPPLEMENT_NOTHING_YET);
    let cancelled = run(
        &f,
        &owned,
        started.dialogue,
        &[file("a.pdf", "application/pdf", 9), text("/cancel")],
    );
    assert_eq!(cancelled.dialogue.state, State::Menu);
    assert!(cancelled.effects.is_empty());
}

#[test]
fn several_waiting_requests_are_chosen_between() {
    let f = fixture();
    let (a, b) = (TrackingCode::generate(), TrackingCode::generate());
    let owned = [waiting(a), waiting(b)];
    let choosing = run(&f, &owned, at(State::Menu), &[text("/documents")]);
    assert_eq!(choosing.dialogue.state, State::ChoosingSupplement);
    let picked = run(&f, &owned, choosing.dialogue, &[text("2")]);
    assert_eq!(
        picked.dialogue.state,
        State::Supplementing {
            code: b,
            documents: Vec::new()
        }
    );
}

#[test]
fn sms_is_turned_on_from_the_menu_with_a_shared_contact_of_ones_own() {
    let f = fixture();
    let contact = Input::Contact {
        phone: "+989121234567".into(),
        own: true,
    };
    let step = run(&f, &[], at(State::Menu), &[text("/sms"), text("1"), contact]);
    assert_eq!(step.dialogue.state, State::Menu);
    assert_eq!(
        step.effects,
        vec![Effect::SmsOn {
            phone: PhoneNumber::parse("09121234567").unwrap()
        }]
    );
}

#[test]
fn a_typed_number_or_someone_elses_contact_is_confirmed_by_code() {
    let f = fixture();
    let phone = PhoneNumber::parse("09121234567").unwrap();
    let step = run(&f, &[], at(State::EnteringPhone), &[text("۰۹۱۲ ۱۲۳ ۴۵۶۷")]);
    assert_eq!(step.effects, vec![Effect::SendPhoneCode { phone: phone.clone() }]);
    assert_eq!(
        step.dialogue.state,
        State::EnteringPhoneCode {
            phone: "+989121234567".into()
        }
    );
    let other = Input::Contact {
        phone: "09121234567".into(),
        own: false,
    };
    let step = run(&f, &[], at(State::EnteringPhone), &[other]);
    assert_eq!(step.effects, vec![Effect::SendPhoneCode { phone: phone.clone() }]);
    assert_eq!(step.replies[0].lines[0].id, messages::SMS_NOT_OWN_CONTACT);

    let waiting = at(State::EnteringPhoneCode {
        phone: "+989121234567".into(),
    });
    let step = run(&f, &[], waiting.clone(), &[text("۱۲۳۴۵۶")]);
    assert_eq!(
        step.effects,
        vec![Effect::CheckPhoneCode {
            phone,
            code: "123456".into()
        }]
    );
    let step = run(&f, &[], waiting, &[text("12345")]);
    assert!(step.effects.is_empty());
    assert_eq!(step.replies[0].lines[0].id, messages::SMS_CODE_FORMAT);
}

#[test]
fn landline_numbers_are_refused_before_any_code_is_sent() {
    let f = fixture();
    let step = run(&f, &[], at(State::EnteringPhone), &[text("02112345678")]);
    assert!(step.effects.is_empty());
    assert_eq!(step.dialogue.state, State::EnteringPhone);
    assert_eq!(step.replies[0].lines[0].id, messages::ERROR_MOBILE);
}

#[test]
fn the_stop_word_turns_sms_off_in_the_menu_but_is_an_answer_in_a_form() {
    let f = fixture();
    let step = run(&f, &[], at(State::Menu), &[text("لغو")]);
    assert_eq!(step.effects, vec![Effect::SmsOff]);
    let step = run(&f, &[], at(State::AwaitingCode), &[text("/stop")]);
    assert_eq!(step.effects, vec![Effect::SmsOff]);
    let step = run(&f, &[], filling("debt-respite", Vec::new()), &[text("لغو")]);
    assert!(step.effects.is_empty());
    assert!(matches!(step.dialogue.state, State::Filling { .. }));
}

#[test]
fn a_right_code_or_a_spent_one_leaves_the_code_question() {
    let waiting = State::EnteringPhoneCode {
        phone: "+989121234567".into(),
    };
    let on = Outcome::SmsOn {
        masked_mobile: "4567".into(),
    };
    assert_eq!(settle(&waiting, &on), Some(State::Menu));
    assert_eq!(settle(&waiting, &Outcome::CodeLocked), Some(State::SmsSettings));
    assert_eq!(settle(&waiting, &Outcome::CodeWrong { tries_left: 2 }), None);
    assert_eq!(settle(&State::Menu, &on), None);
}

/// Maintenance of debt-respite under way, and of every service tomorrow.
fn under_maintenance() -> ServiceStatus {
    let now = chrono::Utc::now();
    let hours = chrono::Duration::hours;
    ServiceStatus {
        now,
        faults: vec![Fault {
            service: Some("plate-removal".into()),
            since: now - hours(1),
        }],
        maintenance: vec![
            Maintenance {
                service: Some("debt-respite".into()),
                starts_at: now - hours(1),
                ends_at: now + hours(1),
                reason: "ارتقا".into(),
            },
            Maintenance {
                service: None,
                starts_at: now + hours(24),
                ends_at: now + hours(26),
                reason: "جابه‌جایی".into(),
            },
        ],
    }
}

#[test]
fn a_service_under_maintenance_takes_no_request_but_keeps_the_answers_given() {
    let f = fixture();
    let status = under_maintenance();
    let picked = run_with(&f, &[], &status, at(State::ChoosingService), &[text("1")]);
    assert_eq!(picked.dialogue.state, State::Menu);
    assert_eq!(picked.replies[0].lines[0].id, messages::MAINTENANCE_UNDER_WAY);

    // Maintenance that began while the form was open: the confirmation waits, answers kept.
    let confirming = at(State::Confirming {
        service: "debt-respite".into(),
        answers: vec![("full-name".into(), FieldValue::Text("مریم".into()))],
        editing: None,
    });
    let press = Input::Button {
        turn: 7,
        key: "confirm".into(),
    };
    let step = run_with(&f, &[], &status, confirming.clone(), std::slice::from_ref(&press));
    assert_eq!(step.dialogue, confirming);
    assert!(step.effects.is_empty());
    assert_eq!(step.replies[0].lines[0].id, messages::MAINTENANCE_UNDER_WAY);

    // The other service is not under maintenance: its fault does not stop requests, but the
    // applicant is told of it before the form starts.
    let other = run_with(&f, &[], &status, at(State::ChoosingService), &[text("2")]);
    assert!(
        matches!(other.dialogue.state, State::Filling { .. }),
        "{:?}",
        other.dialogue.state
    );
    assert_eq!(other.replies[0].lines[0].id, messages::OUTAGE_UNDER_WAY);
    let calm = run(&f, &[], at(State::ChoosingService), &[text("2")]);
    assert!(calm.replies[0].lines.iter().all(|l| l.id != messages::OUTAGE_UNDER_WAY));
    // Once the window is over, the same confirmation submits.
    let step = run(&f, &[], confirming, &[press]);
    assert!(matches!(step.effects[..], [Effect::SubmitRequest { .. }]));
}

#[test]
fn the_status_lists_faults_and_maintenance_or_says_all_is_well() {
    let f = fixture();
    let step = run_with(&f, &[], &under_maintenance(), at(State::Menu), &[text("/status")]);
    let ids: Vec<&str> = step.replies[0].lines.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            messages::STATUS_TITLE,
            messages::STATUS_OUTAGE,
            messages::STATUS_MAINTENANCE_NOW,
            messages::STATUS_MAINTENANCE_AHEAD
        ]
    );
    let step = run(&f, &[], at(State::Menu), &[text("/status")]);
    assert_eq!(step.replies[0].lines[0].id, messages::STATUS_ALL_WELL);
}

#[test]
fn start_asks_the_language_once_then_greets_with_the_menu() {
    let f = fixture();
    let first = run(&f, &[], Dialogue::default(), &[text("/start")]);
    assert_eq!(first.dialogue.state, State::ChoosingLanguage);
    let again = run(&f, &[], at(State::Menu), &[text("/start")]);
    assert_eq!(again.dialogue.state, State::Menu, "no second language question");
    assert_eq!(again.replies[0].lines[0].id, messages::WELCOME);
    let switched = run(
        &f,
        &[],
        at(State::Menu),
        &[Input::Button {
            turn: 7,
            key: "menu:language".into(),
        }],
    );
    assert_eq!(
        switched.dialogue.state,
        State::ChoosingLanguage,
        "the menu switches it any time"
    );
}

#[test]
fn start_in_the_middle_of_a_form_offers_to_continue_or_start_over() {
    let f = fixture();
    let answers = vec![("agency".to_owned(), FieldValue::Text("اداره کل".into()))];
    let form = filling("plate-removal", answers.clone());
    let asked = run(&f, &[], form.clone(), &[text("/start")]);
    assert!(matches!(&asked.dialogue.state, State::Resuming { pending } if **pending == form.state));
    assert_eq!(asked.replies.last().unwrap().lines[0].id, messages::RESUME_ASK);
    let turn = asked.dialogue.turn;
    let press = |key: &str| Input::Button { turn, key: key.into() };
    let continued = run(&f, &[], asked.dialogue.clone(), &[press("resume:continue")]);
    assert_eq!(continued.dialogue.state, form.state, "the answers are all still there");
    assert_eq!(
        continued.replies.last().unwrap().lines[0].id,
        "field-plate-removal-agency-id",
        "and the pending question is asked"
    );
    let restarted = run(&f, &[], asked.dialogue, &[press("resume:restart")]);
    assert_eq!(restarted.dialogue.state, State::Menu);
    assert_eq!(restarted.replies[0].lines[0].id, messages::CANCELLED);
}

#[test]
fn after_a_long_pause_the_pending_question_is_shown_again_before_an_answer_is_taken() {
    let f = fixture();
    let answers = vec![("agency".to_owned(), FieldValue::Text("اداره کل".into()))];
    let mut form = filling("plate-removal", answers);
    form.last_input_at = Some(now() - RESUME_AFTER - chrono::Duration::minutes(1));
    let back = run(&f, &[], form.clone(), &[text("14007650912")]);
    assert_eq!(back.dialogue.state, form.state, "the message is not taken as an answer");
    assert!(back.effects.is_empty());
    let lines: Vec<&str> = back.replies[0].lines.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(lines[0], messages::RESUME_PENDING);
    assert!(lines.len() > 1, "what was answered so far is shown: {lines:?}");
    assert_eq!(
        back.replies.last().unwrap().lines[0].id,
        "field-plate-removal-agency-id"
    );
    // Answered now, it is taken.
    let answered = run(&f, &[], back.dialogue, &[text("14007650912")]);
    assert!(matches!(&answered.dialogue.state, State::Filling { answers, .. } if answers.len() == 2));
    // A short pause changes nothing.
    let mut recent = form.clone();
    recent.last_input_at = Some(now() - chrono::Duration::minutes(5));
    let taken = run(&f, &[], recent, &[text("14007650912")]);
    assert!(matches!(&taken.dialogue.state, State::Filling { answers, .. } if answers.len() == 2));
}

#[test]
fn a_new_session_shows_what_was_left_unfinished_and_nothing_otherwise() {
    let f = fixture();
    let back = run(&f, &[], at(State::WritingComplaint { about: None }), &[Input::Returned]);
    assert_eq!(back.replies[0].lines[0].id, messages::RESUME_PENDING);
    assert_eq!(back.dialogue.state, State::WritingComplaint { about: None });
    let idle = run(&f, &[], at(State::Menu), &[Input::Returned]);
    assert!(idle.replies.is_empty());
    assert_eq!(idle.dialogue.state, State::Menu);
}

#[test]
fn the_confirmation_echoes_an_amount_with_its_tomans_in_words() {
    let f = fixture();
    let answers = vec![("debt-amount".to_owned(), FieldValue::AmountRial(150_000_000))];
    let ctx_locale = Locale::Fa;
    let spec = f.catalog.get("debt-respite").unwrap();
    let lines = summary_lines(spec, &answers);
    let shown = f.i18n.render(ctx_locale, &lines[0]);
    assert!(shown.contains("۱۵۰٬۰۰۰٬۰۰۰ ریال (پانزده میلیون تومان)"), "{shown}");
}

#[test]
fn a_request_not_yet_taken_up_is_offered_for_withdrawal_and_withdrawn_only_on_yes() {
    let f = fixture();
    let code = TrackingCode::generate();
    let mine = |stage: &str| one_request(code, stage);
    let menu = run(&f, &mine("submitted"), at(State::Menu), &[text("/menu")]);
    assert!(choice_keys(&menu).contains(&"menu:withdraw".to_owned()));
    let reviewed = run(&f, &mine("under-review"), at(State::Menu), &[text("/menu")]);
    assert!(
        !choice_keys(&reviewed).contains(&"menu:withdraw".to_owned()),
        "staff took it up"
    );
    let asked = run(&f, &mine("submitted"), at(State::Menu), &[press("menu:withdraw")]);
    assert_eq!(asked.dialogue.state, State::ConfirmingWithdrawal { code });
    assert!(asked.effects.is_empty());
    let turn = asked.dialogue.turn;
    let answer = |key: &str| {
        run(
            &f,
            &mine("submitted"),
            asked.dialogue.clone(),
            &[Input::Button { turn, key: key.into() }],
        )
    };
    assert_eq!(answer("withdraw:yes").effects, vec![Effect::WithdrawRequest { code }]);
    let kept = answer("nav:cancel");
    assert!(kept.effects.is_empty());
    assert_eq!(kept.dialogue.state, State::Menu);
}

#[test]
fn a_number_out_of_range_is_told_in_plain_words_without_dashes_or_huge_bounds() {
    let f = fixture();
    let said = |err: FieldError| f.i18n.render(Locale::Fa, &field_error(&err));
    assert_eq!(
        said(FieldError::OutOfRange {
            min: Some(2),
            max: Some(60)
        }),
        "عدد باید از ۲ تا ۶۰ باشد."
    );
    assert_eq!(
        said(FieldError::OutOfRange {
            min: Some(1),
            max: None
        }),
        "عدد باید دست‌کم ۱ باشد."
    );
    assert_eq!(
        said(FieldError::OutOfRange { min: None, max: None }),
        "این عدد بیش از اندازه بزرگ است."
    );
    let huge = crate::domain::FieldKind::AmountRial { max: None }.accept(
        crate::domain::Answer::Text("99999999999999999999"),
        chrono::Utc::now().date_naive(),
    );
    let shown = said(huge.unwrap_err());
    assert!(!shown.contains('-') && !shown.contains("۹٬۲۲۳"), "{shown}");
}

#[test]
fn any_answer_is_given_again_from_the_summary_and_keeps_its_place() {
    let f = fixture();
    let answers: Answers = vec![
        ("agency".into(), FieldValue::Text("اداره کل راه".into())),
        ("agency-id".into(), FieldValue::CompanyId("14007650912".into())),
        ("contact-name".into(), FieldValue::Text("مریم احمدی".into())),
    ];
    // The summary of a partly filled form is reached once its questions are answered; here a
    // form's summary is taken as given.
    let summary = at(State::Confirming {
        service: "plate-removal".into(),
        answers: answers.clone(),
        editing: None,
    });
    let asked = run(&f, &[], summary.clone(), &[press("change:agency-id")]);
    match &asked.dialogue.state {
        State::Filling { answers: left, .. } => assert!(left.iter().all(|(id, _)| id != "agency-id")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        asked.replies.last().unwrap().lines[0].id,
        "field-plate-removal-agency-id",
        "the question asked is the one to change"
    );
    let turn = asked.dialogue.turn;
    let again = run(&f, &[], asked.dialogue.clone(), &[text("۱۴۰۰۷۶۵۰۹۱۲")]);
    let State::Filling { answers: given, .. } = &again.dialogue.state else {
        panic!("{:?}", again.dialogue.state)
    };
    let order: Vec<&str> = given.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, ["agency", "agency-id", "contact-name"], "back in its place");
    assert_eq!(given[1].1, FieldValue::CompanyId("14007650912".into()));
    assert!(again.dialogue.turn > turn);
}

#[test]
fn an_edit_opens_from_the_menu_and_saves_as_an_edit_not_a_new_request() {
    let f = fixture();
    let code = TrackingCode::generate();
    let mine = |stage: &str| one_request(code, stage);
    let menu_keys = |owned: &[OwnedRequest]| choice_keys(&run(&f, owned, at(State::Menu), &[text("/menu")]));
    assert!(menu_keys(&mine("submitted")).contains(&"menu:edit".to_owned()));
    assert!(
        !menu_keys(&mine("under-review")).contains(&"menu:edit".to_owned()),
        "staff took it up"
    );
    let opened = run(&f, &mine("submitted"), at(State::Menu), &[press("menu:edit")]);
    assert_eq!(opened.effects, vec![Effect::StartEdit { code }]);
    // The answers the effect found become the summary being edited.
    let answers: Answers = vec![("agency".into(), FieldValue::Text("اداره کل راه".into()))];
    let editing = settle(
        &State::Menu,
        &super::outcome::Outcome::Editing {
            code,
            service: "plate-removal".into(),
            answers: answers.clone(),
        },
    )
    .unwrap();
    assert_eq!(
        editing,
        State::Confirming {
            service: "plate-removal".into(),
            answers: answers.clone(),
            editing: Some(code),
        }
    );
    let saved = run(&f, &mine("submitted"), at(editing.clone()), &[press("confirm")]);
    assert_eq!(saved.effects, vec![Effect::EditRequest { code, answers }]);
    assert_eq!(saved.dialogue.state, State::Menu);
    // Back from the first question of an edit returns to the menu, not to the services.
    let emptied = at(State::Filling {
        service: "plate-removal".into(),
        answers: Vec::new(),
        editing: Some(code),
    });
    let back = run(&f, &mine("submitted"), emptied, &[press("nav:back")]);
    assert_eq!(back.dialogue.state, State::Menu);
}

#[test]
fn a_score_is_taken_anywhere_and_a_comment_asked_only_when_nothing_is_in_progress() {
    use crate::domain::rating::{RatingSubject, Score};
    let f = fixture();
    let subject = RatingSubject::Request(12);
    let score = Score::new(4).unwrap();
    let rate = Input::Rate { subject, score };
    // From the menu, and mid-form: the score is the effect, the form is left as it was.
    let from_menu = run(&f, &[], at(State::Menu), std::slice::from_ref(&rate));
    assert_eq!(from_menu.effects, vec![Effect::Rate { subject, score }]);
    let form = filling("plate-removal", vec![("agency".into(), FieldValue::Text("x".into()))]);
    let mid_form = run(&f, &[], form.clone(), &[rate]);
    assert_eq!(mid_form.effects, vec![Effect::Rate { subject, score }]);
    assert_eq!(mid_form.dialogue.state, form.state, "the form is not disturbed");
    let rated = super::outcome::Outcome::Rated { subject };
    assert_eq!(settle(&State::Menu, &rated), Some(State::Commenting { subject }));
    assert_eq!(settle(&form.state, &rated), None);
    assert_eq!(settle(&State::Menu, &super::outcome::Outcome::NotRateable), None);

    // The comment is free text held to the complaint rules; skipping goes back to the menu.
    let asked = at(State::Commenting { subject });
    let commented = run(&f, &[], asked.clone(), &[text("  سریع بود  ")]);
    assert_eq!(
        commented.effects,
        vec![Effect::CommentRating {
            subject,
            comment: "سریع بود".into()
        }]
    );
    assert_eq!(commented.dialogue.state, State::Menu);
    let refused = run(&f, &[], asked.clone(), &[text("x\u{202E}y")]);
    assert!(refused.effects.is_empty());
    assert_eq!(refused.dialogue.state, asked.state);
    let skipped = run(&f, &[], asked, &[press("nav:skip")]);
    assert!(skipped.effects.is_empty());
    assert_eq!(skipped.dialogue.state, State::Menu);
}

#[test]
fn a_pasted_confirmation_line_is_looked_up_by_its_code() {
    let f = fixture();
    let code = TrackingCode::generate();
    let line = format!(
        "کد پیگیری شما: {}",
        crate::domain::digits::to_persian_digits(&code.to_string())
    );
    let from_menu = run(&f, &[], at(State::Menu), &[text(&line)]);
    assert_eq!(from_menu.effects, vec![Effect::LookUp(code)]);
    let asked = run(&f, &[], at(State::AwaitingCode), &[text(&line)]);
    assert_eq!(asked.effects, vec![Effect::LookUp(code)]);
}

#[test]
fn a_request_button_starts_with_its_code_which_a_narrow_screen_then_keeps() {
    let f = fixture();
    let code = TrackingCode::generate();
    let mine = vec![
        OwnedRequest {
            code,
            service: "debt-respite".into(),
            stage: "submitted".into(),
        },
        OwnedRequest {
            code: TrackingCode::generate(),
            service: "plate-removal".into(),
            stage: "submitted".into(),
        },
    ];
    let asked = run(&f, &mine, at(State::Menu), &[press("menu:withdraw")]);
    assert_eq!(asked.dialogue.state, State::ChoosingWithdrawal);
    let label = f
        .i18n
        .render(Locale::Fa, &asked.replies.last().unwrap().choices[0].label);
    assert!(label.starts_with(&crate::i18n::code_text(code, Locale::Fa)), "{label}");
}
