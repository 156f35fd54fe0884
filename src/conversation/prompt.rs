//! The question each state asks, with the options it offers. Input resolution reads the same
//! prompt, so what can be picked is exactly what was shown.

use crate::domain::FieldKind;
use crate::i18n::{Arg, Msg};

use super::form;
use super::io::{Choice, Reply};
use super::key::{AnnouncementKey, Key, MenuItem, Nav, SmsKey};
use super::machine::form_nav;
use super::messages as m;
use super::state::{Dialogue, State};
use super::{Context, OwnedRequest};
use crate::domain::TrackingCode;
use crate::i18n::Locale;

/// The prompt for where the dialogue is.
pub fn prompt(dialogue: &Dialogue, ctx: &Context<'_>) -> Reply {
    let mut reply = match &dialogue.state {
        State::New | State::ChoosingLanguage => Reply {
            lines: vec![Msg::new(m::CHOOSE_LANGUAGE)],
            choices: vec![
                Choice::new(Key::Language(Locale::Fa), Msg::new(m::LANGUAGE_FA)),
                Choice::new(Key::Language(Locale::En), Msg::new(m::LANGUAGE_EN)),
            ],
            ..Reply::default()
        },
        State::Menu => {
            let mut choices = Vec::new();
            // Shown first, and only while a request waits for the applicant.
            if !ctx.awaiting_applicant().is_empty() {
                choices.push(Choice::new(Key::Menu(MenuItem::Documents), Msg::new(m::MENU_DOCUMENTS)));
            }
            choices.extend([
                Choice::new(Key::Menu(MenuItem::Submit), Msg::new(m::MENU_SUBMIT)),
                Choice::new(Key::Menu(MenuItem::Track), Msg::new(m::MENU_TRACK)),
                Choice::new(Key::Menu(MenuItem::Complain), Msg::new(m::MENU_COMPLAIN)),
                Choice::new(Key::Menu(MenuItem::Mine), Msg::new(m::MENU_MINE)),
                Choice::new(Key::Menu(MenuItem::Sms), Msg::new(m::MENU_SMS)),
                Choice::new(Key::Menu(MenuItem::Announcements), Msg::new(m::MENU_ANNOUNCEMENTS)),
                Choice::new(Key::Menu(MenuItem::Status), Msg::new(m::MENU_STATUS)),
                Choice::new(Key::Menu(MenuItem::Help), Msg::new(m::MENU_HELP)),
            ]);
            // Only while a request may still be edited or withdrawn (staff have not acted).
            if !ctx.withdrawable().is_empty() {
                choices.push(Choice::new(Key::Menu(MenuItem::Edit), Msg::new(m::MENU_EDIT)));
                choices.push(Choice::new(Key::Menu(MenuItem::Withdraw), Msg::new(m::MENU_WITHDRAW)));
            }
            choices.push(Choice::new(Key::Menu(MenuItem::Language), Msg::new(m::MENU_LANGUAGE)));
            Reply {
                lines: vec![Msg::new(m::MENU)],
                choices,
                ..Reply::default()
            }
        }
        State::ChoosingService => Reply {
            lines: vec![Msg::new(m::CHOOSE_SERVICE)],
            choices: ctx
                .catalog
                .services()
                .iter()
                .map(|s| Choice::new(Key::Service(s.id.clone()), Msg::new(s.name_id())))
                .collect(),
            nav: vec![Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK))],
            ..Reply::default()
        },
        State::Filling { service, answers, .. } => field_prompt(ctx, service, answers),
        State::Confirming {
            service,
            answers,
            editing,
        } => {
            let mut lines = Vec::new();
            if let Some(code) = editing {
                lines.push(Msg::new(m::EDIT_HEADING).arg("code", Arg::Code(*code)));
            }
            lines.push(Msg::new(m::CONFIRM_SUMMARY).arg("service", Arg::Msg(format!("service-{service}"))));
            let mut choices = Vec::new();
            if let Some(spec) = ctx.catalog.get(service) {
                lines.extend(form::summary_lines(spec, answers));
                // Any answer can be given again, not only the last one.
                choices.extend(answers.iter().map(|(field, _)| {
                    let label = m::label_of(&format!("field-{service}-{field}"));
                    Choice::new(
                        Key::Change(field.clone()),
                        Msg::new(m::CONFIRM_CHANGE).arg("label", Arg::Msg(label)),
                    )
                }));
            }
            let save = if editing.is_some() {
                m::EDIT_SAVE
            } else {
                m::CONFIRM_YES
            };
            choices.insert(0, Choice::new(Key::Confirm, Msg::new(save)));
            Reply {
                lines,
                choices,
                nav: vec![
                    Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK)),
                    Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL)),
                ],
                ..Reply::default()
            }
        }
        State::Resuming { pending } => Reply {
            lines: super::machine::about_unfinished(m::RESUME_ASK, pending)
                .into_iter()
                .collect(),
            choices: vec![
                Choice::new(Key::Resume { continue_form: true }, Msg::new(m::RESUME_CONTINUE)),
                Choice::new(Key::Resume { continue_form: false }, Msg::new(m::RESUME_RESTART)),
            ],
            ..Reply::default()
        },
        State::AwaitingCode => Reply {
            lines: vec![Msg::new(m::ASK_CODE)],
            nav: vec![Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK))],
            ..Reply::default()
        },
        State::ChoosingComplaintSubject => {
            let mut choices = vec![Choice::new(Key::About(None), Msg::new(m::COMPLAINT_GENERAL))];
            choices.extend(
                ctx.my_requests
                    .iter()
                    .map(|r| request_choice(|code| Key::About(Some(code)), r)),
            );
            Reply {
                lines: vec![Msg::new(m::COMPLAINT_SUBJECT)],
                choices,
                nav: vec![Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL))],
                ..Reply::default()
            }
        }
        State::WritingComplaint { .. } => Reply {
            lines: vec![
                Msg::new(m::COMPLAINT_ASK_TEXT).arg("max", Arg::Number(super::machine::MAX_COMPLAINT_CHARS as i64)),
            ],
            nav: vec![
                Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK)),
                Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL)),
            ],
            ..Reply::default()
        },
        State::ChoosingWithdrawal => choose_request(m::WITHDRAW_CHOOSE, Key::Withdraw, ctx.withdrawable()),
        State::ChoosingEdit => choose_request(m::EDIT_CHOOSE, Key::Edit, ctx.withdrawable()),
        State::Commenting { .. } => Reply {
            lines: vec![Msg::new(m::RATE_COMMENT_ASK)],
            nav: vec![Choice::new(Key::Nav(Nav::Skip), Msg::new(m::RATE_COMMENT_SKIP))],
            ..Reply::default()
        },
        State::ConfirmingWithdrawal { code } => {
            let service = ctx
                .my_requests
                .iter()
                .find(|r| r.code == *code)
                .map(|r| r.service.clone());
            let mut question = Msg::new(m::WITHDRAW_CONFIRM).arg("code", Arg::Code(*code));
            if let Some(service) = service {
                question = question.arg("service", Arg::Msg(format!("service-{service}")));
            }
            Reply {
                lines: vec![question],
                choices: vec![Choice::new(Key::WithdrawYes, Msg::new(m::WITHDRAW_YES))],
                nav: vec![Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL))],
                ..Reply::default()
            }
        }
        State::ChoosingSupplement => choose_request(m::SUPPLEMENT_CHOOSE, Key::Supplement, ctx.awaiting_applicant()),
        State::Supplementing { code, documents } => {
            let mut choices = Vec::new();
            if !documents.is_empty() {
                choices.push(Choice::new(Key::SupplementDone, Msg::new(m::SUPPLEMENT_DONE)));
            }
            // The supplement takes any_document(), whose limit is the default one.
            let mb = (crate::domain::field::DEFAULT_MAX_BYTES / (1024 * 1024)) as i64;
            Reply {
                lines: vec![
                    Msg::new(m::SUPPLEMENT_ASK)
                        .arg("code", Arg::Code(*code))
                        .arg("mb", Arg::Number(mb)),
                ],
                choices,
                nav: vec![Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL))],
                expects_document: true,
                ..Reply::default()
            }
        }
        State::SmsSettings => {
            let (line, choices) = match (&ctx.sms.masked_mobile, ctx.sms.active) {
                (Some(mobile), true) => (
                    Msg::new(m::SMS_STATUS_ON).arg("mobile", Arg::Digits(mobile.clone())),
                    vec![
                        Choice::new(Key::Sms(SmsKey::Off), Msg::new(m::SMS_TURN_OFF)),
                        Choice::new(Key::Sms(SmsKey::Number), Msg::new(m::SMS_CHANGE_NUMBER)),
                    ],
                ),
                _ => (
                    Msg::new(m::SMS_STATUS_OFF),
                    vec![Choice::new(Key::Sms(SmsKey::On), Msg::new(m::SMS_TURN_ON))],
                ),
            };
            Reply {
                lines: vec![line],
                choices,
                nav: vec![Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK))],
                ..Reply::default()
            }
        }
        State::Announcements => {
            let settings = ctx.announcements;
            let mut lines = vec![Msg::new(m::ANNOUNCEMENTS_TITLE)];
            lines.extend(settings.services.iter().map(|(service, channels)| {
                Msg::new(m::ANNOUNCEMENTS_LINE)
                    .arg("service", Arg::Msg(format!("service-{service}")))
                    .arg("setting", Arg::Msg(channels.message_id().into()))
            }));
            let mut choices: Vec<Choice> = settings
                .services
                .iter()
                .map(|(service, _)| {
                    Choice::new(
                        Key::Announcements(AnnouncementKey::Service(service.clone())),
                        Msg::new(format!("service-{service}")),
                    )
                })
                .collect();
            if settings.muted {
                lines.push(Msg::new(m::ANNOUNCEMENTS_ALL_OFF));
                choices.push(Choice::new(
                    Key::Announcements(AnnouncementKey::Unmute),
                    Msg::new(m::ANNOUNCEMENTS_UNMUTE),
                ));
            } else {
                choices.push(Choice::new(
                    Key::Announcements(AnnouncementKey::Mute),
                    Msg::new(m::ANNOUNCEMENTS_MUTE),
                ));
            }
            Reply {
                lines,
                choices,
                nav: vec![Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK))],
                ..Reply::default()
            }
        }
        State::EnteringPhone => Reply {
            lines: vec![Msg::new(m::SMS_ASK_PHONE)],
            nav: vec![
                Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK)),
                Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL)),
            ],
            ask_contact: true,
            ..Reply::default()
        },
        State::EnteringPhoneCode { phone } => Reply {
            lines: vec![Msg::new(m::SMS_ASK_CODE).arg("mobile", Arg::Digits(crate::privacy::mask_last_four(phone)))],
            choices: vec![Choice::new(Key::Sms(SmsKey::Resend), Msg::new(m::SMS_RESEND))],
            nav: vec![
                Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK)),
                Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL)),
            ],
            ..Reply::default()
        },
    };
    reply.turn = dialogue.turn;
    reply
}

/// One of the applicant's requests as an option, keyed `PREFIX:CODE`.
/// Asks `question` with one button per request (keyed `prefix:CODE`), and a way out.
fn choose_request(question: &str, key: fn(TrackingCode) -> Key, requests: Vec<&OwnedRequest>) -> Reply {
    Reply {
        lines: vec![Msg::new(question)],
        choices: requests.into_iter().map(|r| request_choice(key, r)).collect(),
        nav: vec![Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL))],
        ..Reply::default()
    }
}

fn request_choice(key: impl Fn(TrackingCode) -> Key, request: &OwnedRequest) -> Choice {
    Choice::new(
        key(request.code),
        Msg::new(m::COMPLAINT_ABOUT)
            .arg("code", Arg::Code(request.code))
            .arg("service", Arg::Msg(format!("service-{}", request.service))),
    )
}

fn field_prompt(ctx: &Context<'_>, service_id: &str, answers: &form::Answers) -> Reply {
    let Some(service) = ctx.catalog.get(service_id) else {
        return Reply::default();
    };
    let Some(field) = form::next_field(service, answers) else {
        return Reply::default();
    };
    let choices = match &field.kind {
        FieldKind::Choice { options } => options
            .iter()
            .map(|o| Choice::new(Key::Option(o.clone()), Msg::new(field.option_id(service_id, o))))
            .collect(),
        _ => Vec::new(),
    };
    Reply {
        lines: vec![Msg::new(field.prompt_id(service_id))],
        choices,
        nav: form_nav(field.optional),
        ask_contact: field.kind.wants_contact(),
        expects_document: matches!(field.kind, FieldKind::Document { .. }),
        turn: 0,
    }
}
