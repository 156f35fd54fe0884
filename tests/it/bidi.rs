//! Every Persian and English message that shows a tracking code, rendered with realistic
//! arguments and laid out by the Unicode bidirectional algorithm (`unicode-bidi`) as a phone
//! would: the code must read in its own order, its three groups left to right, wherever Persian
//! words surround it. Read aloud or copied by hand from the screen, it must pass its check digit.

use crate::support;

use std::path::Path;

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use peygir::domain::TrackingCode;
use peygir::i18n::{Arg, I18n, Locale, Msg, code_text};
use unicode_bidi::BidiInfo;

/// The ids of the messages in `locale`'s files that place `$code`.
fn messages_with_code(locale: Locale) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(locale.code());
    let mut ids = Vec::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let resource = fluent_syntax::parser::parse(source.as_str()).unwrap_or_else(|(resource, _)| resource);
        for entry in resource.body {
            if let Entry::Message(message) = entry
                && message.value.as_ref().is_some_and(places_code)
            {
                ids.push(message.id.name.to_owned());
            }
        }
    }
    ids.sort();
    ids
}

fn places_code(pattern: &Pattern<&str>) -> bool {
    pattern.elements.iter().any(|element| match element {
        PatternElement::Placeable { expression } => expression_places_code(expression),
        PatternElement::TextElement { .. } => false,
    })
}

fn expression_places_code(expression: &Expression<&str>) -> bool {
    match expression {
        Expression::Inline(inline) => inline_places_code(inline),
        Expression::Select { selector, variants } => {
            inline_places_code(selector) || variants.iter().any(|v| places_code(&v.value))
        }
    }
}

fn inline_places_code(inline: &InlineExpression<&str>) -> bool {
    match inline {
        InlineExpression::VariableReference { id } => id.name == "code",
        InlineExpression::Placeable { expression } => expression_places_code(expression),
        _ => false,
    }
}

/// The message with the arguments peygir gives it in use.
fn realistic(id: &str, code: TrackingCode) -> Msg {
    Msg::new(id)
        .arg("code", Arg::Code(code))
        .arg("service", Arg::Msg("service-debt-respite".into()))
        .arg("stage", Arg::Msg("stage-under-review".into()))
        .arg("status", Arg::Msg("status-in-review".into()))
        .arg("note", Arg::Text("تصویر کارت خودرو را بفرستید.".into()))
        .arg("answer", Arg::Text("درخواست شما بررسی شد.".into()))
        .arg("name", Arg::Text("مریم".into()))
        .arg("headline", Arg::Text("درخواست تازه".into()))
        .arg("answers", Arg::Text("نام: علی رضایی".into()))
        .arg("body", Arg::Text("پاسخی نگرفته‌ام.".into()))
        .arg("hours", Arg::Number(48))
        .arg("count", Arg::Number(3))
        .arg("date", Arg::Date(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()))
        .arg("at", Arg::Time(chrono::Utc::now()))
        .arg("submitted", Arg::Time(chrono::Utc::now()))
        .arg("updated", Arg::Time(chrono::Utc::now()))
}

/// Each line of `text` as the bidirectional algorithm lays it out, left to right.
fn visual_lines(text: &str) -> Vec<String> {
    let info = BidiInfo::new(text, None);
    info.paragraphs
        .iter()
        .map(|paragraph| info.reorder_line(paragraph, paragraph.range.clone()).into_owned())
        .collect()
}

#[test]
fn every_message_shows_a_tracking_code_in_reading_order() {
    let i18n = I18n::load(Path::new(&support::locales_dir()), &[]).unwrap();
    let code = TrackingCode::parse("686382-276536-615665").unwrap();
    let mut checked = 0;
    let mut reversed = Vec::new();
    for locale in [Locale::Fa, Locale::En] {
        let shown = code_text(code, locale);
        let ids = messages_with_code(locale);
        assert!(ids.len() >= 10, "{locale:?}: only {} messages place a code", ids.len());
        for id in ids {
            let text = i18n.render(locale, &realistic(&id, code));
            let line = visual_lines(&text)
                .into_iter()
                .find(|line| line.chars().filter(|c| c.is_numeric()).count() >= 18)
                .unwrap_or_default();
            checked += 1;
            if !line.contains(&shown) {
                reversed.push(format!("{locale:?} {id}: {line}"));
            }
        }
    }
    assert!(
        reversed.is_empty(),
        "{} of {checked} messages lay the code out in another order:\n{}",
        reversed.len(),
        reversed.join("\n")
    );
}

#[test]
fn a_hyphenated_code_after_persian_words_would_reverse_which_is_why_it_is_not_used() {
    // The check above would fail with hyphens: this shows the test can see the fault.
    let code = TrackingCode::parse("686382-276536-615665").unwrap();
    let hyphenated = peygir::domain::digits::to_persian_digits(&code.to_string());
    let line = visual_lines(&format!("کد پیگیری شما: {hyphenated}")).remove(0);
    assert!(!line.contains(&hyphenated), "{line}");
    let spaced = code_text(code, Locale::Fa);
    let line = visual_lines(&format!("کد پیگیری شما: {spaced}")).remove(0);
    assert!(line.contains(&spaced), "{line}");
    // And the code read from the screen passes its check digit.
    assert_eq!(TrackingCode::parse(&spaced), Ok(code));
}

#[test]
fn codes_in_persian_text_carry_no_bidi_control_characters() {
    let code = TrackingCode::generate();
    let shown = code_text(code, Locale::Fa);
    assert!(
        !shown
            .chars()
            .any(|c| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "SMS must not carry bidi controls: {shown:?}"
    );
}

#[test]
fn slash_commands_in_persian_help_read_as_commands() {
    // Without a left-to-right mark before it, the slash lands on the wrong side.
    let bare = visual_lines("فرمان‌ها: /start شروع").remove(0);
    assert!(!bare.contains("/start"), "{bare}");
    let i18n = I18n::load(Path::new(&support::locales_dir()), &[]).unwrap();
    for id in ["help", "terminal-start"] {
        let text = i18n.render(Locale::Fa, &Msg::new(id));
        let commands: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_alphabetic() || c == '/'))
            .filter(|w| w.starts_with('/') && w.len() > 1)
            .collect();
        assert!(!commands.is_empty(), "{id} names commands");
        let visual = visual_lines(&text).join("\n");
        for command in commands {
            assert!(visual.contains(command), "{id}: {command} is laid out as {visual}");
        }
    }
}

/// How `arg` shows on its own in `locale` (through the summary line "label: value").
fn shown(i18n: &I18n, locale: Locale, arg: Arg) -> String {
    let line = i18n.render(
        locale,
        &Msg::new("summary-line")
            .arg("label", Arg::Text("x".into()))
            .arg("value", arg),
    );
    line.split_once(": ").map(|(_, v)| v.to_owned()).unwrap_or(line)
}

#[test]
fn dates_times_and_amounts_read_in_their_own_order_inside_persian_and_english_lines() {
    let i18n = I18n::load(Path::new(&support::locales_dir()), &[]).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let at: chrono::DateTime<chrono::Utc> = "2026-12-01T18:30:00Z".parse().unwrap();
    let mut checked = 0;
    for locale in [Locale::Fa, Locale::En] {
        let values = [
            ("date", Arg::Date(day)),
            ("time", Arg::Time(at)),
            ("amount", Arg::Rials(150_000_000)),
            ("odd amount", Arg::Rials(2_505)),
            ("number", Arg::Number(1_234_567)),
        ];
        for (what, arg) in values {
            let alone = shown(&i18n, locale, arg.clone());
            // The figure itself (an amount's words follow it in brackets).
            let figure: String = alone.split(" (").next().unwrap().to_owned();
            // As a form's summary shows it, and inside a notice's sentence.
            let lines = [
                i18n.render(
                    locale,
                    &Msg::new("summary-line")
                        .arg(
                            "label",
                            Arg::Text(
                                if locale == Locale::Fa {
                                    "مبلغ بدهی"
                                } else {
                                    "Debt amount"
                                }
                                .into(),
                            ),
                        )
                        .arg("value", arg.clone()),
                ),
                i18n.render(
                    locale,
                    &Msg::new("notice-maintenance-scheduled")
                        .arg("service", Arg::Msg("service-debt-respite".into()))
                        .arg("start", arg.clone())
                        .arg("end", arg.clone()),
                ),
            ];
            for text in lines {
                let visual = visual_lines(&text).join("\n");
                checked += 1;
                // Each run of digits (a date, a time, a grouped amount) reads left to right
                // whole; several runs follow the line's direction, so a Persian reader meets
                // the date before the time, reading from the right.
                let at: Vec<usize> = figure
                    .split(' ')
                    .filter(|run| run.chars().any(char::is_numeric))
                    .map(|run| {
                        visual.find(run).unwrap_or_else(|| {
                            panic!("{locale:?} {what}: {run:?} of {figure:?} is broken up in {visual:?}")
                        })
                    })
                    .collect();
                let in_reading_order = match locale {
                    Locale::Fa => at.windows(2).all(|w| w[0] > w[1]),
                    Locale::En => at.windows(2).all(|w| w[0] < w[1]),
                };
                assert!(
                    in_reading_order,
                    "{locale:?} {what}: {figure:?} out of order in {visual:?}"
                );
            }
        }
    }
    assert_eq!(checked, 20);
}

#[test]
fn sms_texts_carry_no_bidi_control_characters() {
    let i18n = I18n::load(Path::new(&support::locales_dir()), &[]).unwrap();
    let code = TrackingCode::generate();
    for locale in [Locale::Fa, Locale::En] {
        for id in messages_with_code(locale) {
            let composition = peygir::sms::compose::Composition {
                i18n: &i18n,
                locale,
                sender: None,
                max_parts: 3,
                informational: true,
            };
            let (text, _) = composition.compose(&realistic(&id, code).arg("rials", Arg::Rials(150_000_000)));
            assert!(
                !text
                    .chars()
                    .any(|c| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
                "{locale:?} {id}: {text:?}"
            );
        }
    }
}

/// How `word` shows once laid out: a Persian word's letters come out of `reorder_line`
/// reversed (they are drawn right to left), figures and Latin words as they are.
fn drawn(word: &str) -> String {
    if word
        .chars()
        .any(|c| c.is_alphabetic() && ('\u{0600}'..='\u{06FF}').contains(&c))
    {
        word.chars().rev().collect()
    } else {
        word.to_owned()
    }
}

#[test]
fn a_persian_plate_reads_in_order_inside_persian_and_english_lines() {
    let i18n = I18n::load(Path::new(&support::locales_dir()), &[]).unwrap();
    let plate = peygir::domain::VehiclePlate::parse("۱۲ الف ۳۴۵ ایران ۶۷")
        .unwrap()
        .to_string();
    for (locale, label) in [(Locale::Fa, "پلاک خودرو"), (Locale::En, "Vehicle plate")] {
        let line = i18n.render(
            locale,
            &Msg::new("summary-line")
                .arg("label", Arg::Text(label.into()))
                .arg("value", Arg::Plate(plate.clone())),
        );
        let visual = visual_lines(&line).join("\n");
        let words: Vec<String> = shown(&i18n, locale, Arg::Plate(plate.clone()))
            .split(' ')
            .map(|w| w.trim_matches('\u{200E}').to_owned())
            .collect();
        assert_eq!(words.len(), 5, "{words:?}");
        let at: Vec<usize> = words
            .iter()
            .map(|w| {
                visual
                    .find(&drawn(w))
                    .unwrap_or_else(|| panic!("{locale:?}: {w:?} is broken up in {visual:?}"))
            })
            .collect();
        // Read in the line's direction, the plate's parts come in the order they are spoken:
        // the two figures, the letter, the serial, "Iran" and the region.
        let in_order = match locale {
            Locale::Fa => at.windows(2).all(|w| w[0] > w[1]),
            Locale::En => at.windows(2).all(|w| w[0] < w[1]),
        };
        assert!(in_order, "{locale:?}: {words:?} at {at:?} in {visual:?}");
    }
}
