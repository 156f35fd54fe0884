//! Properties every parser in `peygir::domain` holds for any input: it answers (never panics),
//! what it accepts it can print and read back the same, and every digit script an Iranian
//! keyboard or a copy-paste produces (ASCII, Persian, Arabic-Indic) reads as the same value.

use chrono::NaiveDate;
use peygir::domain::digits::to_persian_digits;
use peygir::domain::jalali::{parse_date, to_jalali};
use peygir::domain::text::{check_characters, visible_within};
use peygir::domain::{Answer, CompanyId, FieldKind, FieldValue, NationalId, PhoneNumber, TrackingCode, VehiclePlate};
use proptest::prelude::*;

fn to_arabic_indic(ascii: &str) -> String {
    ascii
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap(),
            other => other,
        })
        .collect()
}

/// Text as applicants produce it: any character, with digits, separators and the marks
/// copy-paste drags along over-represented so that parsers see near-misses, not just noise.
fn typed() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        "[0-9۰-۹٠-٩]{1,6}",
        Just("-".to_owned()),
        Just("+98".to_owned()),
        Just("/".to_owned()),
        Just("٬".to_owned()),
        Just("\u{200C}".to_owned()),
        Just("\u{200F}".to_owned()),
        Just("\u{202E}".to_owned()),
        Just("الف".to_owned()),
        Just(" ".to_owned()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn every_kind() -> Vec<FieldKind> {
    let toml = r#"
        kinds = [
          { kind = "text", max_chars = 20 },
          { kind = "number", min = -5, max = 100 },
          { kind = "choice", options = ["a", "b"] },
          { kind = "date" },
          { kind = "mobile" },
          { kind = "national-id" },
          { kind = "company-id" },
          { kind = "plate" },
          { kind = "amount-rial", max = 1000000000 },
          { kind = "document" },
        ]
    "#;
    #[derive(serde::Deserialize)]
    struct Kinds {
        kinds: Vec<FieldKind>,
    }
    toml::from_str::<Kinds>(toml).unwrap().kinds
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_parser_panics_on_any_input(text in typed()) {
        let _ = TrackingCode::parse(&text);
        let _ = PhoneNumber::parse(&text);
        let _ = NationalId::parse(&text);
        let _ = CompanyId::parse(&text);
        let _ = VehiclePlate::parse(&text);
        let _ = parse_date(&text);
        let _ = check_characters(&text);
        let _ = visible_within(&text, 10);
        for kind in every_kind() {
            let _ = kind.accept(Answer::Text(&text), today());
            let _ = kind.accept(Answer::Contact(&text), today());
        }
    }

    #[test]
    fn an_accepted_answer_is_stable_when_given_again(text in typed()) {
        // What a field stores, typed again as the applicant would read it back, gives the
        // same value: nothing is silently altered on the way in.
        for kind in every_kind() {
            let Ok(value) = kind.accept(Answer::Text(&text), today()) else { continue };
            let again = match &value {
                FieldValue::Text(t) | FieldValue::Choice(t) | FieldValue::Plate(t) => t.clone(),
                FieldValue::Number(n) | FieldValue::AmountRial(n) => n.to_string(),
                FieldValue::Date(d) => to_jalali(*d).to_string(),
                FieldValue::Mobile(m) | FieldValue::NationalId(m) | FieldValue::CompanyId(m) => m.clone(),
                FieldValue::Document(_) | FieldValue::Skipped => continue,
            };
            prop_assert_eq!(kind.accept(Answer::Text(&again), today()), Ok(value), "{:?} {:?}", kind, again);
        }
    }

    #[test]
    fn tracking_codes_read_the_same_in_every_script(seed in any::<u64>()) {
        let code = TrackingCode::from_stored((seed % 100_000_000_000_000_000) as i64 * 10);
        // Only some stored values carry a valid check digit; draw one that does.
        let code = match code {
            Ok(code) => code,
            Err(_) => TrackingCode::generate(),
        };
        let printed = code.to_string();
        prop_assert_eq!(TrackingCode::parse(&printed), Ok(code));
        prop_assert_eq!(TrackingCode::parse(&to_persian_digits(&printed)), Ok(code));
        prop_assert_eq!(TrackingCode::parse(&to_arabic_indic(&printed)), Ok(code));
        prop_assert_eq!(TrackingCode::from_stored(code.to_stored()), Ok(code));
    }

    #[test]
    fn mobiles_read_the_same_in_every_script(rest in "[0-9]{9}") {
        let typed = format!("09{rest}");
        let phone = PhoneNumber::parse(&typed).unwrap();
        prop_assert_eq!(PhoneNumber::parse(&to_persian_digits(&typed)), Ok(phone.clone()));
        prop_assert_eq!(PhoneNumber::parse(&to_arabic_indic(&typed)), Ok(phone.clone()));
        prop_assert_eq!(PhoneNumber::parse(&format!("+98{}", &typed[1..])), Ok(phone));
    }

    #[test]
    fn amounts_read_the_same_in_every_script_and_grouping(amount in 1..1_000_000_000i64) {
        let kind = FieldKind::AmountRial { max: None };
        let plain = amount.to_string();
        let grouped = plain
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("٬");
        for typed in [plain.clone(), to_persian_digits(&plain), to_arabic_indic(&plain), to_persian_digits(&grouped)] {
            prop_assert_eq!(kind.accept(Answer::Text(&typed), today()), Ok(FieldValue::AmountRial(amount)), "{}", typed);
        }
        let negative = format!("-{plain}");
        prop_assert!(kind.accept(Answer::Text(&negative), today()).is_err());
    }

    #[test]
    fn dates_read_the_same_in_every_script(days in 0..36_000i64) {
        let date = today() - chrono::Duration::days(days);
        let jalali = to_jalali(date).to_string();
        prop_assert_eq!(parse_date(&jalali), Ok(date));
        prop_assert_eq!(parse_date(&to_persian_digits(&jalali)), Ok(date));
        prop_assert_eq!(parse_date(&to_arabic_indic(&jalali)), Ok(date));
    }
}
