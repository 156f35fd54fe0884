//! The step function: (dialogue, input, context) → (dialogue, replies, effects). No I/O.

use crate::domain::tracking_code::TrackingCodeError;
use crate::domain::{Answer, DocumentRef, FieldError, FieldKind, FieldValue, PhoneNumber, Service, TrackingCode};
use crate::i18n::{Arg, Locale, Msg};

use super::form::{self, Answers};
use super::io::{Choice, Input, Reply};
use super::key::{AnnouncementKey, Key, MenuItem, Nav, SmsKey};
use super::messages as m;
use super::prompt::prompt;
use super::state::{Dialogue, State};
use super::{Context, Effect, Step};

/// The longest complaint we take; longer ones are refused with a clear answer, not cut.
pub const MAX_COMPLAINT_CHARS: usize = 2000;

/// What the applicant meant, once buttons, numbers, labels and commands are resolved.
#[derive(Debug)]
enum Intent {
    Command(Command, Option<String>),
    Choice(Key),
    Text(String),
    Contact {
        phone: String,
        own: bool,
    },
    Document(DocumentRef),
    Rate(crate::domain::rating::RatingSubject, crate::domain::rating::Score),
    /// "I have seen it" under a notice (its outbox id).
    Seen(i64),
    StaleButton,
}

#[derive(Debug, Clone, Copy)]
enum Command {
    Start,
    Menu,
    Cancel,
    Back,
    Skip,
    Help,
    Track,
    Language,
    Mine,
    New,
    Complain,
    Documents,
    Sms,
    StopSms,
    Status,
    Announcements,
}

/// How long an unfinished form may be left before the next message is not taken as an answer
/// to it, but the question is shown again with what was answered: after hours away the
/// applicant no longer sees the question they would be answering.
pub const RESUME_AFTER: chrono::Duration = chrono::Duration::hours(3);

/// Advances the dialogue by one input.
pub fn step(dialogue: &Dialogue, input: Input, ctx: &Context<'_>) -> Step {
    if returning(dialogue, &input, ctx) {
        return resume(dialogue, ctx);
    }
    let intent = resolve(dialogue, input, ctx);
    let mut out = Outcome::stay(dialogue);
    match intent {
        Intent::StaleButton => out.say(Msg::new(m::STALE_BUTTON)),
        Intent::Command(cmd, arg) => command(&mut out, cmd, arg, ctx),
        other => in_state(&mut out, other, ctx),
    }
    out.finish(dialogue, ctx)
}

/// Whether the applicant comes back to something unfinished: a new session, or a message
/// after a long pause that would otherwise be taken as an answer. Commands and the current
/// question's buttons are acts of their own and go through.
fn returning(dialogue: &Dialogue, input: &Input, ctx: &Context<'_>) -> bool {
    let away_long = dialogue.last_input_at.is_some_and(|last| ctx.now - last > RESUME_AFTER);
    match input {
        Input::Returned => true,
        Input::Text(text) if text.trim_start().starts_with('/') => false,
        Input::Text(_) | Input::Contact { .. } | Input::Document(_) => away_long && dialogue.state.is_unfinished(),
        Input::Button { .. } | Input::Rate { .. } | Input::Seen { .. } => false,
    }
}

/// Shows again what the applicant left unfinished, with what they answered so far, and takes
/// nothing; with nothing unfinished there is nothing to say.
fn resume(dialogue: &Dialogue, ctx: &Context<'_>) -> Step {
    let mut out = Outcome::stay(dialogue);
    let Some(pending) = about_unfinished(m::RESUME_PENDING, &dialogue.state) else {
        out.dialogue.last_input_at = Some(ctx.now);
        return Step {
            dialogue: out.dialogue,
            replies: Vec::new(),
            effects: Vec::new(),
        };
    };
    out.say(pending);
    if let State::Filling { service, answers, .. } = &dialogue.state
        && !answers.is_empty()
        && let Some(spec) = ctx.catalog.get(service)
    {
        out.said.extend(form::summary_lines(spec, answers));
    }
    out.finish(dialogue, ctx)
}

/// Message `id` about what the applicant is in the middle of (its `$what` names the kind, and
/// `$service` the form's service); `None` when nothing is unfinished.
pub(super) fn about_unfinished(id: &str, state: &State) -> Option<Msg> {
    let msg = Msg::new(id);
    Some(match state {
        State::Filling { service, .. } | State::Confirming { service, .. } => msg
            .arg("what", Arg::Text("form".into()))
            .arg("service", Arg::Msg(format!("service-{service}"))),
        State::WritingComplaint { .. } => msg.arg("what", Arg::Text("complaint".into())),
        State::Supplementing { .. } => msg.arg("what", Arg::Text("documents".into())),
        State::EnteringPhoneCode { .. } => msg.arg("what", Arg::Text("mobile".into())),
        _ => return None,
    })
}

/// Work in progress for one step: the dialogue as it will be, and what to say before the prompt.
struct Outcome {
    dialogue: Dialogue,
    said: Vec<Msg>,
    effects: Vec<Effect>,
}

impl Outcome {
    fn stay(dialogue: &Dialogue) -> Self {
        Self {
            dialogue: dialogue.clone(),
            said: Vec::new(),
            effects: Vec::new(),
        }
    }

    fn say(&mut self, msg: Msg) {
        self.said.push(msg);
    }

    fn go(&mut self, state: State) {
        self.dialogue.state = state;
    }

    /// Ends the step with the prompt for wherever the dialogue now is. The turn moves on only
    /// when the state did, so a refused answer leaves the question's buttons valid.
    fn finish(mut self, before: &Dialogue, ctx: &Context<'_>) -> Step {
        if self.dialogue.state != before.state || self.dialogue.locale != before.locale {
            self.dialogue.turn = before.turn + 1;
        }
        self.dialogue.last_input_at = Some(ctx.now);
        let mut replies = Vec::new();
        if !self.said.is_empty() {
            replies.push(Reply {
                lines: self.said,
                ..Reply::default()
            });
        }
        replies.push(prompt(&self.dialogue, ctx));
        Step {
            dialogue: self.dialogue,
            replies,
            effects: self.effects,
        }
    }
}

fn resolve(dialogue: &Dialogue, input: Input, ctx: &Context<'_>) -> Intent {
    let current = prompt(dialogue, ctx);
    let offered = |key: &str| current.choices.iter().chain(&current.nav).any(|c| c.key == key);
    match input {
        Input::Button { turn, key } if turn == dialogue.turn && offered(&key) => {
            Key::parse(&key).map_or(Intent::StaleButton, Intent::Choice)
        }
        Input::Button { .. } => Intent::StaleButton,
        Input::Contact { phone, own } => Intent::Contact { phone, own },
        Input::Document(doc) => Intent::Document(doc),
        Input::Rate { subject, score } => Intent::Rate(subject, score),
        Input::Seen { notice } => Intent::Seen(notice),
        // `step` answers a return before resolving anything; nothing here is meant by it.
        Input::Returned => Intent::StaleButton,
        Input::Text(text) => {
            let trimmed = text.trim();
            if let Some(command) = trimmed.strip_prefix('/') {
                return parse_command(command).unwrap_or(Intent::Text(text));
            }
            match typed_choice(trimmed, &current, dialogue.locale, ctx).and_then(|k| Key::parse(&k)) {
                Some(key) => Intent::Choice(key),
                None => Intent::Text(text),
            }
        }
    }
}

fn parse_command(command: &str) -> Option<Intent> {
    let (name, arg) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
    // Telegram appends the bot's name in groups: /track@peygir_bot.
    let name = name.split('@').next().unwrap_or(name).to_ascii_lowercase();
    let cmd = match name.as_str() {
        "start" => Command::Start,
        "menu" => Command::Menu,
        "cancel" => Command::Cancel,
        "back" => Command::Back,
        "skip" => Command::Skip,
        "help" => Command::Help,
        "track" => Command::Track,
        "lang" | "language" => Command::Language,
        "mine" => Command::Mine,
        "new" => Command::New,
        "complain" => Command::Complain,
        "documents" | "docs" => Command::Documents,
        "sms" => Command::Sms,
        "stop" | "stopsms" => Command::StopSms,
        "status" => Command::Status,
        "notices" | "announcements" => Command::Announcements,
        _ => return None,
    };
    let arg = arg.trim();
    Some(Intent::Command(cmd, (!arg.is_empty()).then(|| arg.to_owned())))
}

/// A typed option number (any digit form) or a typed label picks that option.
fn typed_choice(typed: &str, prompt: &Reply, locale: Locale, ctx: &Context<'_>) -> Option<String> {
    let typed = normalise(typed);
    if let Ok(n) = crate::domain::digits::to_ascii_digits(&typed).parse::<usize>() {
        return n
            .checked_sub(1)
            .and_then(|i| prompt.choices.get(i))
            .map(|c| c.key.clone());
    }
    prompt
        .choices
        .iter()
        .chain(&prompt.nav)
        .find(|c| normalise(&ctx.i18n.render(locale, &c.label)) == typed)
        .map(|c| c.key.clone())
}

fn normalise(text: &str) -> String {
    text.trim().replace('ي', "ی").replace('ك', "ک").to_lowercase()
}

fn command(out: &mut Outcome, cmd: Command, arg: Option<String>, ctx: &Context<'_>) {
    match cmd {
        // The language is asked once; something unfinished is offered to continue rather
        // than dropped in silence.
        Command::Start => match out.dialogue.state.clone() {
            State::New | State::ChoosingLanguage => {
                out.say(Msg::new(m::WELCOME));
                out.go(State::ChoosingLanguage);
            }
            State::Resuming { .. } => {}
            state if state.is_unfinished() => out.go(State::Resuming {
                pending: Box::new(state),
            }),
            _ => {
                out.say(Msg::new(m::WELCOME));
                out.go(State::Menu);
            }
        },
        Command::Language => out.go(State::ChoosingLanguage),
        Command::Menu | Command::Cancel => cancel(out),
        Command::Back => in_state(out, Intent::Choice(Key::Nav(Nav::Back)), ctx),
        Command::Skip => in_state(out, Intent::Choice(Key::Nav(Nav::Skip)), ctx),
        Command::Help => out.say(help(ctx, out.dialogue.locale)),
        Command::Mine => out.effects.push(Effect::ListMine),
        Command::New => out.go(State::ChoosingService),
        Command::Complain => start_complaint(out, ctx),
        Command::Documents => start_supplement(out, ctx),
        Command::Sms => out.go(State::SmsSettings),
        Command::Status => out.said.extend(ctx.status.lines()),
        Command::Announcements => out.go(State::Announcements),
        Command::StopSms => {
            out.effects.push(Effect::SmsOff);
            out.go(State::Menu);
        }
        Command::Track => match arg {
            Some(code) => {
                look_up(out, &code);
            }
            None => out.go(State::AwaitingCode),
        },
    }
}

/// Leaves whatever was in progress for the menu, saying so when something is dropped.
fn cancel(out: &mut Outcome) {
    let in_progress = matches!(
        out.dialogue.state,
        State::Filling { .. } | State::Confirming { .. } | State::WritingComplaint { .. } | State::Supplementing { .. }
    );
    if in_progress {
        out.say(Msg::new(m::CANCELLED));
    }
    out.go(State::Menu);
}

fn in_state(out: &mut Outcome, intent: Intent, ctx: &Context<'_>) {
    let state = out.dialogue.state.clone();
    match (state, intent) {
        (_, Intent::Choice(Key::Nav(Nav::Cancel))) => cancel(out),
        // A score is taken wherever the applicant is; the comment is asked for only when
        // nothing is in progress (see `settle`).
        (_, Intent::Rate(subject, score)) => out.effects.push(Effect::Rate { subject, score }),
        (_, Intent::Seen(notice)) => out.effects.push(Effect::Seen { notice }),
        (State::Commenting { subject }, Intent::Text(text)) => match complaint_text(&text) {
            Ok(comment) => {
                out.effects.push(Effect::CommentRating { subject, comment });
                out.go(State::Menu);
            }
            Err(msg) => out.say(msg),
        },
        (State::Commenting { .. }, _) => out.go(State::Menu),
        (State::New, _) => {
            out.say(Msg::new(m::WELCOME));
            out.go(State::ChoosingLanguage);
        }
        (State::ChoosingLanguage, Intent::Choice(key)) => {
            if let Key::Language(locale) = key {
                out.dialogue.locale = locale;
                out.go(State::Menu);
            }
        }
        (State::Menu, Intent::Choice(Key::Menu(item))) => menu(out, item, ctx),
        (State::Menu, Intent::Choice(_)) => out.say(Msg::new(m::PICK_ONE)),
        (State::ChoosingWithdrawal, Intent::Choice(key)) => match key {
            Key::Withdraw(code) => out.go(State::ConfirmingWithdrawal { code }),
            _ => out.go(State::Menu),
        },
        (State::ChoosingEdit, Intent::Choice(key)) => match key {
            Key::Edit(code) => out.effects.push(Effect::StartEdit { code }),
            _ => out.go(State::Menu),
        },
        (State::ConfirmingWithdrawal { code }, Intent::Choice(key)) => {
            if key == Key::WithdrawYes {
                out.effects.push(Effect::WithdrawRequest { code });
            }
            out.go(State::Menu);
        }
        (State::Resuming { pending }, Intent::Choice(key)) => match key {
            Key::Resume { continue_form: true } => out.go(*pending),
            _ => {
                out.say(Msg::new(m::CANCELLED));
                out.go(State::Menu);
            }
        },
        // The reply keyword that stops SMS also works in the chat's menu; inside a question
        // the same word is an answer like any other.
        (State::Menu, Intent::Text(text)) if crate::sms::is_opt_out(&text) => {
            out.effects.push(Effect::SmsOff);
        }
        (State::Menu, Intent::Text(text)) => {
            match TrackingCode::parse(&text).ok().or_else(|| TrackingCode::find_in(&text)) {
                Some(code) => out.effects.push(Effect::LookUp(code)),
                None => out.say(Msg::new(m::NOT_UNDERSTOOD)),
            }
        }
        (State::SmsSettings, Intent::Choice(key)) => match key {
            Key::Sms(SmsKey::On | SmsKey::Number) => out.go(State::EnteringPhone),
            Key::Sms(SmsKey::Off) => {
                out.effects.push(Effect::SmsOff);
                out.go(State::Menu);
            }
            _ => out.go(State::Menu),
        },
        (State::Announcements, Intent::Choice(key)) => match key {
            Key::Announcements(AnnouncementKey::Mute) => out.effects.push(Effect::MuteAnnouncements(true)),
            Key::Announcements(AnnouncementKey::Unmute) => out.effects.push(Effect::MuteAnnouncements(false)),
            Key::Announcements(AnnouncementKey::Service(service)) => {
                let current = ctx.announcements.services.iter().find(|(s, _)| *s == service);
                if let Some((service, channels)) = current {
                    out.effects.push(Effect::Subscribe {
                        service: service.clone(),
                        channels: channels.next(),
                    });
                }
            }
            _ => out.go(State::Menu),
        },
        (State::EnteringPhone, Intent::Choice(_)) => out.go(State::SmsSettings),
        (State::EnteringPhone, Intent::Contact { phone, own }) => match (PhoneNumber::parse(&phone), own) {
            (Ok(phone), true) => {
                out.effects.push(Effect::SmsOn { phone });
                out.go(State::Menu);
            }
            // Someone else's contact proves nothing: confirm it by code like a typed number.
            (Ok(phone), false) => {
                out.say(Msg::new(m::SMS_NOT_OWN_CONTACT));
                send_code(out, phone);
            }
            (Err(_), _) => out.say(Msg::new(m::ERROR_MOBILE)),
        },
        (State::EnteringPhone, Intent::Text(text)) => match PhoneNumber::parse(&text) {
            Ok(phone) => send_code(out, phone),
            Err(_) => out.say(Msg::new(m::ERROR_MOBILE)),
        },
        (State::EnteringPhoneCode { phone }, Intent::Choice(key)) => match (key, PhoneNumber::parse(&phone)) {
            (Key::Sms(SmsKey::Resend), Ok(phone)) => send_code(out, phone),
            _ => out.go(State::EnteringPhone),
        },
        (State::EnteringPhoneCode { phone }, Intent::Text(text)) => {
            let code = crate::domain::digits::to_ascii_digits(text.trim());
            match PhoneNumber::parse(&phone) {
                Ok(phone) if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) => {
                    out.effects.push(Effect::CheckPhoneCode { phone, code });
                }
                Ok(_) => out.say(Msg::new(m::SMS_CODE_FORMAT)),
                Err(_) => out.go(State::EnteringPhone),
            }
        }
        (State::ChoosingService, Intent::Choice(key)) => match key {
            Key::Service(id) => {
                if let Some(window) = ctx.status.maintenance_of(&id) {
                    out.say(window.refusal());
                    out.go(State::Menu);
                } else if let Some(service) = ctx.catalog.get(&id) {
                    if let Some(fault) = ctx.status.fault_of(&id) {
                        out.say(fault.notice());
                    }
                    out.say(service_intro(service));
                    out.go(State::Filling {
                        service: id,
                        answers: Vec::new(),
                        editing: None,
                    });
                }
            }
            _ => out.go(State::Menu),
        },
        (
            State::Filling {
                service,
                answers,
                editing,
            },
            intent,
        ) => match ctx.catalog.get(&service) {
            Some(spec) => fill(out, spec, Form { answers, editing }, intent, ctx.today),
            None => out.go(State::Menu),
        },
        (
            State::Confirming {
                service,
                mut answers,
                editing,
            },
            Intent::Choice(key),
        ) => match key {
            // Maintenance began while the form was open: the answers wait for its end.
            Key::Confirm if let Some(window) = ctx.status.maintenance_of(&service) => out.say(window.refusal()),
            Key::Confirm => {
                out.effects.push(match editing {
                    Some(code) => Effect::EditRequest { code, answers },
                    None => Effect::SubmitRequest { service, answers },
                });
                out.go(State::Menu);
            }
            // One answer to give again: the form asks that question next, then comes back here.
            Key::Change(field) => {
                answers.retain(|(id, _)| *id != field);
                out.go(State::Filling {
                    service,
                    answers,
                    editing,
                });
            }
            _ => {
                answers.pop();
                out.go(State::Filling {
                    service,
                    answers,
                    editing,
                });
            }
        },
        (State::AwaitingCode, Intent::Text(text)) => {
            if look_up(out, &text) {
                out.go(State::Menu);
            }
        }
        (State::AwaitingCode, Intent::Choice(_)) => out.go(State::Menu),
        (State::ChoosingComplaintSubject, Intent::Choice(key)) => match key {
            Key::About(about) => out.go(State::WritingComplaint { about }),
            _ => out.go(State::Menu),
        },
        (State::WritingComplaint { about }, Intent::Text(text)) => match complaint_text(&text) {
            Ok(body) => {
                out.effects.push(Effect::FileComplaint { about, body });
                out.go(State::Menu);
            }
            Err(msg) => out.say(msg),
        },
        (State::WritingComplaint { .. }, Intent::Choice(_)) => start_complaint(out, ctx),
        (State::Menu, Intent::Document(doc)) => match ctx.awaiting_applicant().as_slice() {
            // One request waits for documents: a file sent from the menu is for it.
            [only] => {
                let code = only.code;
                supplement(out, code, Vec::new(), doc);
            }
            _ => out.say(Msg::new(m::UNEXPECTED_DOCUMENT)),
        },
        (State::ChoosingSupplement, Intent::Choice(key)) => match key {
            Key::Supplement(code) => out.go(State::Supplementing {
                code,
                documents: Vec::new(),
            }),
            _ => out.go(State::Menu),
        },
        (State::Supplementing { code, documents }, Intent::Document(doc)) => supplement(out, code, documents, doc),
        (State::Supplementing { code, documents }, Intent::Choice(Key::SupplementDone)) => {
            out.effects.push(Effect::SupplyDocuments { code, documents });
            out.go(State::Menu);
        }
        (State::Supplementing { documents, .. }, _) if documents.is_empty() => {
            out.say(Msg::new(m::SUPPLEMENT_NOTHING_YET));
        }
        (State::Supplementing { .. }, _) => out.say(Msg::new(m::ERROR_DOCUMENT_EXPECTED)),
        (_, Intent::Document(_)) => out.say(Msg::new(m::UNEXPECTED_DOCUMENT)),
        (State::ChoosingLanguage | State::ChoosingService | State::Confirming { .. }, _) => {
            out.say(Msg::new(m::PICK_ONE));
        }
        (
            State::ChoosingComplaintSubject
            | State::ChoosingSupplement
            | State::SmsSettings
            | State::Announcements
            | State::Resuming { .. }
            | State::ChoosingWithdrawal
            | State::ChoosingEdit
            | State::ConfirmingWithdrawal { .. },
            _,
        ) => out.say(Msg::new(m::PICK_ONE)),
        _ => out.say(Msg::new(m::NOT_UNDERSTOOD)),
    }
}

fn menu(out: &mut Outcome, item: MenuItem, ctx: &Context<'_>) {
    match item {
        MenuItem::Submit => out.go(State::ChoosingService),
        MenuItem::Track => out.go(State::AwaitingCode),
        MenuItem::Complain => start_complaint(out, ctx),
        MenuItem::Mine => out.effects.push(Effect::ListMine),
        MenuItem::Documents => start_supplement(out, ctx),
        MenuItem::Sms => out.go(State::SmsSettings),
        MenuItem::Status => out.said.extend(ctx.status.lines()),
        MenuItem::Announcements => out.go(State::Announcements),
        MenuItem::Help => out.say(help(ctx, out.dialogue.locale)),
        MenuItem::Language => out.go(State::ChoosingLanguage),
        // A request is edited while it may still be withdrawn: staff have not acted on it.
        MenuItem::Edit => match ctx.withdrawable().as_slice() {
            [] => out.say(Msg::new(m::EDIT_NONE)),
            [only] => out.effects.push(Effect::StartEdit { code: only.code }),
            _ => out.go(State::ChoosingEdit),
        },
        MenuItem::Withdraw => match ctx.withdrawable().as_slice() {
            [] => out.say(Msg::new(m::WITHDRAW_NONE)),
            [only] => out.go(State::ConfirmingWithdrawal { code: only.code }),
            _ => out.go(State::ChoosingWithdrawal),
        },
    }
}

/// Asks for a code to confirm `phone`; the dialogue waits for it (or steps back if none is sent).
fn send_code(out: &mut Outcome, phone: PhoneNumber) {
    out.go(State::EnteringPhoneCode {
        phone: phone.e164().to_owned(),
    });
    out.effects.push(Effect::SendPhoneCode { phone });
}

/// The most files one supplement takes; more is a sign of a mistake, not of diligence.
pub const MAX_SUPPLEMENT_FILES: usize = 10;

/// Starts sending requested documents: straight to the one waiting request, or a choice
/// between several.
fn start_supplement(out: &mut Outcome, ctx: &Context<'_>) {
    match ctx.awaiting_applicant().as_slice() {
        [] => out.say(Msg::new(m::SUPPLEMENT_NONE)),
        [only] => out.go(State::Supplementing {
            code: only.code,
            documents: Vec::new(),
        }),
        _ => out.go(State::ChoosingSupplement),
    }
}

/// Takes one more file for a supplement, if it is of a kind and size we keep.
fn supplement(out: &mut Outcome, code: TrackingCode, mut documents: Vec<DocumentRef>, doc: DocumentRef) {
    if documents.len() >= MAX_SUPPLEMENT_FILES {
        out.say(Msg::new(m::SUPPLEMENT_LIMIT).arg("max", Arg::Number(MAX_SUPPLEMENT_FILES as i64)));
        return;
    }
    match crate::domain::field::accept_supplement(&doc) {
        Ok(_) => {
            out.say(
                Msg::new(m::SUPPLEMENT_RECEIVED)
                    .arg("name", Arg::Text(doc.file_name.clone()))
                    .arg("count", Arg::Number(documents.len() as i64 + 1)),
            );
            documents.push(doc);
            out.go(State::Supplementing { code, documents });
        }
        Err(err) => out.say(field_error(&err)),
    }
}

fn start_complaint(out: &mut Outcome, ctx: &Context<'_>) {
    if ctx.my_requests.is_empty() {
        out.go(State::WritingComplaint { about: None });
    } else {
        out.go(State::ChoosingComplaintSubject);
    }
}

/// Looks a typed code up, or explains what is wrong with it; true when it was well-formed.
fn look_up(out: &mut Outcome, typed: &str) -> bool {
    // A whole line pasted from the confirmation («کد پیگیری شما: …») is read for its code.
    match TrackingCode::parse(typed).or_else(|err| TrackingCode::find_in(typed).ok_or(err)) {
        Ok(code) => {
            out.effects.push(Effect::LookUp(code));
            true
        }
        Err(err) => {
            out.say(code_error(err));
            false
        }
    }
}

fn code_error(err: TrackingCodeError) -> Msg {
    match err {
        TrackingCodeError::NotDigits => Msg::new(m::CODE_NOT_DIGITS),
        TrackingCodeError::WrongLength(got) => Msg::new(m::CODE_LENGTH)
            .arg("expected", Arg::Number(18))
            .arg("got", Arg::Number(got as i64)),
        TrackingCodeError::BadCheckDigit => Msg::new(m::CODE_CHECK_DIGIT),
    }
}

fn complaint_text(text: &str) -> Result<String, Msg> {
    if crate::domain::text::check_characters(text).is_err() {
        return Err(field_error(&FieldError::UntrustedCharacters));
    }
    let body = text.trim();
    if body.is_empty() {
        return Err(Msg::new(m::ERROR_EMPTY));
    }
    if body.chars().count() > MAX_COMPLAINT_CHARS {
        return Err(Msg::new(m::ERROR_TOO_LONG).arg("max", Arg::Number(MAX_COMPLAINT_CHARS as i64)));
    }
    Ok(body.to_owned())
}

/// The answers given so far, and the request they edit (if any).
struct Form {
    answers: Answers,
    editing: Option<TrackingCode>,
}

fn fill(out: &mut Outcome, service: &Service, form: Form, intent: Intent, today: chrono::NaiveDate) {
    let Form { mut answers, editing } = form;
    let Some(field) = form::next_field(service, &answers) else {
        out.go(State::Confirming {
            service: service.id.clone(),
            answers,
            editing,
        });
        return;
    };
    let accepted = match (&intent, &field.kind) {
        (Intent::Choice(Key::Nav(Nav::Back)), _) => {
            if answers.pop().is_none() {
                // Back from an edit's first question is back to where it began.
                out.go(if editing.is_some() {
                    State::Menu
                } else {
                    State::ChoosingService
                });
                return;
            }
            out.go(State::Filling {
                service: service.id.clone(),
                answers,
                editing,
            });
            return;
        }
        (Intent::Choice(Key::Nav(Nav::Skip)), _) => {
            if field.optional {
                Ok(FieldValue::Skipped)
            } else {
                Err(FieldError::Required)
            }
        }
        (Intent::Choice(Key::Option(option)), FieldKind::Choice { .. }) => {
            field.kind.accept(Answer::Text(option), today)
        }
        (Intent::Text(text), FieldKind::Choice { .. }) if !text.trim().is_empty() => Err(FieldError::UnknownOption),
        (Intent::Text(text), _) => field.kind.accept(Answer::Text(text), today),
        (Intent::Contact { phone, .. }, _) => field.kind.accept(Answer::Contact(phone), today),
        (Intent::Document(doc), _) => field.kind.accept(Answer::Document(doc), today),
        _ => Err(FieldError::UnknownOption),
    };
    match accepted {
        Ok(value) => {
            answers.push((field.id.clone(), value));
            // An answer given again takes its place in the form, and one that changed a
            // condition drops the answers that no longer apply.
            form::tidy(service, &mut answers);
            let state = match form::next_field(service, &answers) {
                Some(_) => State::Filling {
                    service: service.id.clone(),
                    answers,
                    editing,
                },
                None => State::Confirming {
                    service: service.id.clone(),
                    answers,
                    editing,
                },
            };
            out.go(state);
        }
        Err(err) => out.say(field_error(&err)),
    }
}

/// The localised explanation of a refused answer.
pub fn field_error(err: &FieldError) -> Msg {
    match err {
        FieldError::Empty => Msg::new(m::ERROR_EMPTY),
        FieldError::Required => Msg::new(m::ERROR_REQUIRED),
        FieldError::TooLong { max } => Msg::new(m::ERROR_TOO_LONG).arg("max", Arg::Number(*max as i64)),
        FieldError::NotANumber => Msg::new(m::ERROR_NOT_NUMBER),
        // The bounds there are, in plain words: no dash for a missing one.
        FieldError::OutOfRange { min, max } => match (min, max) {
            (Some(min), Some(max)) => Msg::new(m::ERROR_RANGE)
                .arg("min", Arg::Number(*min))
                .arg("max", Arg::Number(*max)),
            (Some(min), None) => Msg::new(m::ERROR_RANGE_MIN).arg("min", Arg::Number(*min)),
            (None, Some(max)) => Msg::new(m::ERROR_RANGE_MAX).arg("max", Arg::Number(*max)),
            (None, None) => Msg::new(m::ERROR_NUMBER_TOO_LARGE),
        },
        FieldError::UnknownOption => Msg::new(m::ERROR_OPTION),
        FieldError::BadDate => Msg::new(m::ERROR_DATE),
        FieldError::DateOutOfRange { earliest, latest } => Msg::new(m::ERROR_DATE_RANGE)
            .arg("earliest", Arg::Date(*earliest))
            .arg("latest", Arg::Date(*latest)),
        FieldError::NotAPlainNumber => Msg::new(m::ERROR_PLAIN_NUMBER),
        FieldError::UntrustedCharacters => Msg::new(m::ERROR_UNTRUSTED_CHARACTERS),
        FieldError::BadMobile => Msg::new(m::ERROR_MOBILE),
        FieldError::WrongLength { expected } => {
            Msg::new(m::ERROR_LENGTH).arg("expected", Arg::Number(*expected as i64))
        }
        FieldError::BadCheckDigit => Msg::new(m::ERROR_CHECK_DIGIT),
        FieldError::BadPlate => Msg::new(m::ERROR_PLATE),
        FieldError::DocumentExpected => Msg::new(m::ERROR_DOCUMENT_EXPECTED),
        FieldError::DocumentNotExpected => Msg::new(m::ERROR_DOCUMENT_NOT_EXPECTED),
        FieldError::WrongFileType => Msg::new(m::ERROR_FILE_TYPE),
        FieldError::FileTooLarge { max_bytes } => {
            Msg::new(m::ERROR_FILE_SIZE).arg("mb", Arg::Number((*max_bytes / (1024 * 1024)) as i64))
        }
    }
}

fn service_intro(service: &Service) -> Msg {
    Msg::new(m::SERVICE_INTRO)
        .arg("name", Arg::Msg(service.name_id()))
        .arg("about", Arg::Msg(service.about_id()))
}

fn help(ctx: &Context<'_>, locale: Locale) -> Msg {
    // Fluent cannot loop, so the service list is built here and passed in already rendered.
    let lines: Vec<String> = ctx
        .catalog
        .services()
        .iter()
        .map(|s| {
            let line = Msg::new(m::HELP_SERVICE_LINE)
                .arg("name", Arg::Msg(s.name_id()))
                .arg("about", Arg::Msg(s.about_id()));
            ctx.i18n.render(locale, &line)
        })
        .collect();
    Msg::new(m::HELP).arg("services", Arg::Text(lines.join("\n")))
}

/// The buttons every form question offers.
pub fn form_nav(optional: bool) -> Vec<Choice> {
    let mut nav = vec![Choice::new(Key::Nav(Nav::Back), Msg::new(m::NAV_BACK))];
    if optional {
        nav.push(Choice::new(Key::Nav(Nav::Skip), Msg::new(m::NAV_SKIP)));
    }
    nav.push(Choice::new(Key::Nav(Nav::Cancel), Msg::new(m::NAV_CANCEL)));
    nav
}
