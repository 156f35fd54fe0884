//! Form fields: the kinds a service may declare, and turning an applicant's answer into a
//! validated value (or the reason it was refused).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::digits::{is_separator, to_ascii_digits};
use super::jalali::parse_date;
use super::national_id::{CompanyId, NationalId, NationalIdError};
use super::phone::PhoneNumber;
use super::plate::VehiclePlate;
use super::text;

/// The longest text answer unless a field says otherwise; Telegram's message limit is 4096.
const DEFAULT_MAX_CHARS: usize = 1000;
/// Uploads above this are refused unless a field says otherwise (Telegram bots can fetch 20 MB).
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// What kind of answer a field takes, with its validation rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FieldKind {
    Text {
        #[serde(default = "default_max_chars")]
        max_chars: usize,
    },
    Number {
        #[serde(default)]
        min: Option<i64>,
        #[serde(default)]
        max: Option<i64>,
    },
    Choice {
        options: Vec<String>,
    },
    /// A date, within `years_back` years before and `years_ahead` years after the day it is
    /// given: a date far out is a typo (1430 for 1403), not a plan.
    Date {
        #[serde(default = "default_years_back")]
        years_back: u32,
        #[serde(default = "default_years_ahead")]
        years_ahead: u32,
    },
    Mobile,
    NationalId,
    CompanyId,
    Plate,
    AmountRial {
        #[serde(default)]
        max: Option<i64>,
    },
    Document {
        #[serde(default = "default_accept")]
        accept: Vec<String>,
        #[serde(default = "default_max_bytes")]
        max_bytes: u64,
    },
}

fn default_max_chars() -> usize {
    DEFAULT_MAX_CHARS
}

fn default_years_back() -> u32 {
    100
}

fn default_years_ahead() -> u32 {
    1
}

fn default_accept() -> Vec<String> {
    vec!["application/pdf".into(), "image/jpeg".into(), "image/png".into()]
}

fn default_max_bytes() -> u64 {
    DEFAULT_MAX_BYTES
}

impl FieldKind {
    /// A document of the usual kinds (PDF, JPEG, PNG) up to the usual size.
    pub fn any_document() -> Self {
        Self::Document {
            accept: default_accept(),
            max_bytes: default_max_bytes(),
        }
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        match self {
            Self::Choice { options } if options.is_empty() => Err("a choice needs options".into()),
            Self::Choice { options } if options.iter().any(|o| o.is_empty() || o.contains(':')) => {
                Err("option ids are non-empty and have no colon".into())
            }
            Self::Number {
                min: Some(min),
                max: Some(max),
            } if min > max => Err("min is above max".into()),
            Self::Text { max_chars: 0 } => Err("max_chars must be positive".into()),
            Self::Document { accept, .. } if accept.is_empty() => Err("accept lists no file type".into()),
            _ => Ok(()),
        }
    }

    /// True when the channel should offer its "share my phone number" button.
    pub fn wants_contact(&self) -> bool {
        matches!(self, Self::Mobile)
    }
}

/// An uploaded file as the channel describes it; its bytes stay with the channel until stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub file_name: String,
    pub mime: String,
    pub size_bytes: u64,
    pub source: DocumentSource,
}

/// Where a document's bytes can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum DocumentSource {
    /// A Bot API `file_id` (Telegram or Bale).
    Bot { file_id: String },
    /// A file on this machine, named in the terminal chat.
    Local { path: String },
}

/// A validated answer, as stored with the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum FieldValue {
    Text(String),
    Number(i64),
    Choice(String),
    Date(NaiveDate),
    /// E.164 form.
    Mobile(String),
    NationalId(String),
    CompanyId(String),
    Plate(String),
    AmountRial(i64),
    Document(DocumentRef),
    Skipped,
}

/// An answer as the applicant gave it.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    Text(&'a str),
    Contact(&'a str),
    Document(&'a DocumentRef),
}

/// Why an answer was refused; each maps to a localised message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    Empty,
    /// A required question cannot be skipped.
    Required,
    TooLong {
        max: usize,
    },
    NotANumber,
    OutOfRange {
        min: Option<i64>,
        max: Option<i64>,
    },
    UnknownOption,
    BadDate,
    DateOutOfRange {
        earliest: NaiveDate,
        latest: NaiveDate,
    },
    BadMobile,
    /// A sign, a range or a letter in a number.
    NotAPlainNumber,
    /// A control character or an unclosed bidirectional override.
    UntrustedCharacters,
    WrongLength {
        expected: usize,
    },
    BadCheckDigit,
    BadPlate,
    DocumentExpected,
    DocumentNotExpected,
    WrongFileType,
    FileTooLarge {
        max_bytes: u64,
    },
}

impl FieldKind {
    /// Validates an answer given on `today` (the applicant's calendar day). Choice answers are
    /// option ids, already resolved by the caller. Nothing is altered to make it fit: an answer
    /// is taken as it reads or refused.
    pub fn accept(&self, answer: Answer<'_>, today: NaiveDate) -> Result<FieldValue, FieldError> {
        let text = match (self, answer) {
            (Self::Document { accept, max_bytes }, Answer::Document(doc)) => {
                return accept_document(accept, *max_bytes, doc);
            }
            (Self::Document { .. }, _) => return Err(FieldError::DocumentExpected),
            (_, Answer::Document(_)) => return Err(FieldError::DocumentNotExpected),
            (Self::Mobile, Answer::Contact(phone)) => phone,
            (_, Answer::Text(text) | Answer::Contact(text)) => text.trim(),
        };
        text::check_characters(text).map_err(|_| FieldError::UntrustedCharacters)?;
        if text.is_empty() {
            return Err(FieldError::Empty);
        }
        match self {
            Self::Text { max_chars } => {
                if text.chars().count() > *max_chars {
                    return Err(FieldError::TooLong { max: *max_chars });
                }
                Ok(FieldValue::Text(crate::domain::text::persian_letters(text)))
            }
            Self::Number { min, max } => {
                // A leading minus is a sign only where the field goes below zero.
                let negative = min
                    .is_some_and(|m| m < 0)
                    .then(|| text.strip_prefix(['-', '\u{2212}']))
                    .flatten();
                let value = match negative {
                    Some(rest) => -parse_integer(rest.trim_start())?,
                    None => parse_integer(text)?,
                };
                in_range(value, *min, *max).map(FieldValue::Number)
            }
            Self::AmountRial { max } => in_range(parse_integer(text)?, Some(1), *max).map(FieldValue::AmountRial),
            Self::Choice { options } => options
                .iter()
                .find(|o| o.as_str() == text)
                .map(|o| FieldValue::Choice(o.clone()))
                .ok_or(FieldError::UnknownOption),
            Self::Date {
                years_back,
                years_ahead,
            } => {
                let date = parse_date(text).map_err(|_| FieldError::BadDate)?;
                let earliest = today
                    .checked_sub_months(Months::new(years_back.saturating_mul(12)))
                    .unwrap_or(NaiveDate::MIN);
                let latest = today
                    .checked_add_months(Months::new(years_ahead.saturating_mul(12)))
                    .unwrap_or(NaiveDate::MAX);
                if date < earliest || date > latest {
                    return Err(FieldError::DateOutOfRange { earliest, latest });
                }
                Ok(FieldValue::Date(date))
            }
            Self::Mobile => PhoneNumber::parse(text)
                .map(|p| FieldValue::Mobile(p.e164().to_owned()))
                .map_err(|_| FieldError::BadMobile),
            Self::NationalId => NationalId::parse(text)
                .map(|id| FieldValue::NationalId(id.as_str().to_owned()))
                .map_err(id_error),
            Self::CompanyId => CompanyId::parse(text)
                .map(|id| FieldValue::CompanyId(id.as_str().to_owned()))
                .map_err(id_error),
            Self::Plate => VehiclePlate::parse(text)
                .map(|p| FieldValue::Plate(p.to_string()))
                .map_err(|_| FieldError::BadPlate),
            Self::Document { .. } => unreachable!("documents are answered above"),
        }
    }
}

/// Reads a whole number written with any digits and thousands separators (`1,500,000`,
/// `۱٬۵۰۰٬۰۰۰`, `1 500 000`). A sign or a dash (`-5`, `1,000-2,000`) or a letter is refused,
/// never dropped: dropping it would read a different number than the one meant.
fn parse_integer(text: &str) -> Result<i64, FieldError> {
    let ascii = to_ascii_digits(text);
    let is_grouping = |c: char| matches!(c, ',' | '٬' | '،' | '\'') || c.is_whitespace();
    let is_invisible_mark = |c: char| is_separator(c) && !c.is_whitespace() && !is_dash(c);
    if !ascii.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldError::NotANumber);
    }
    if ascii
        .chars()
        .any(|c| !(c.is_ascii_digit() || is_grouping(c) || is_invisible_mark(c)))
    {
        return Err(FieldError::NotAPlainNumber);
    }
    let digits: String = ascii.chars().filter(char::is_ascii_digit).collect();
    // Too many digits for any bound a form sets: refused as too large, without a number
    // no one could read.
    digits
        .parse()
        .map_err(|_| FieldError::OutOfRange { min: None, max: None })
}

/// Hyphens, dashes and minus signs: a sign or a range in a number.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '+' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
    )
}

fn in_range(value: i64, min: Option<i64>, max: Option<i64>) -> Result<i64, FieldError> {
    let too_low = min.is_some_and(|m| value < m);
    let too_high = max.is_some_and(|m| value > m);
    if too_low || too_high {
        Err(FieldError::OutOfRange { min, max })
    } else {
        Ok(value)
    }
}

fn id_error(err: NationalIdError) -> FieldError {
    match err {
        NationalIdError::NotDigits => FieldError::NotANumber,
        NationalIdError::WrongLength { expected, .. } => FieldError::WrongLength { expected },
        NationalIdError::BadCheckDigit => FieldError::BadCheckDigit,
    }
}

/// A file sent to supplement a request: of the usual kinds and size.
pub fn accept_supplement(doc: &DocumentRef) -> Result<FieldValue, FieldError> {
    accept_document(&default_accept(), DEFAULT_MAX_BYTES, doc)
}

fn accept_document(accept: &[String], max_bytes: u64, doc: &DocumentRef) -> Result<FieldValue, FieldError> {
    if !accept.iter().any(|m| m.eq_ignore_ascii_case(&doc.mime)) {
        return Err(FieldError::WrongFileType);
    }
    if doc.size_bytes > max_bytes {
        return Err(FieldError::FileTooLarge { max_bytes });
    }
    Ok(FieldValue::Document(doc.clone()))
}

/// Guesses a file's type from its name, for files that arrive without one (the terminal chat).
pub fn mime_from_name(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn signs_ranges_decimals_and_letters_in_numbers_are_refused_not_dropped() {
        let kind = FieldKind::AmountRial { max: None };
        for typed in [
            "-5",
            "−۵",
            "+5",
            "1,000-2,000",
            "۱۰۰۰–۲۰۰۰",
            "1.5",
            "۱٫۵",
            "5k",
            "۵ میلیون",
        ] {
            assert_eq!(
                kind.accept(Answer::Text(typed), today()),
                Err(FieldError::NotAPlainNumber),
                "{typed}"
            );
        }
        assert_eq!(
            kind.accept(Answer::Text("1 500 000"), today()),
            Ok(FieldValue::AmountRial(1_500_000))
        );
        assert_eq!(
            kind.accept(Answer::Text("\u{200F}۲۵۰۰"), today()),
            Ok(FieldValue::AmountRial(2500))
        );
    }

    #[test]
    fn a_minus_is_a_sign_only_where_a_number_may_be_negative() {
        let signed = FieldKind::Number {
            min: Some(-10),
            max: Some(10),
        };
        assert_eq!(signed.accept(Answer::Text("-5"), today()), Ok(FieldValue::Number(-5)));
        assert_eq!(signed.accept(Answer::Text("−۵"), today()), Ok(FieldValue::Number(-5)));
        assert_eq!(
            signed.accept(Answer::Text("--5"), today()),
            Err(FieldError::NotAPlainNumber)
        );
        let unsigned = FieldKind::Number {
            min: Some(1),
            max: None,
        };
        assert_eq!(
            unsigned.accept(Answer::Text("-5"), today()),
            Err(FieldError::NotAPlainNumber)
        );
    }

    #[test]
    fn dates_far_from_today_are_refused_as_typos() {
        let kind = FieldKind::Date {
            years_back: default_years_back(),
            years_ahead: default_years_ahead(),
        };
        let refused = kind.accept(Answer::Text("1430/01/15"), today());
        assert!(matches!(refused, Err(FieldError::DateOutOfRange { .. })), "{refused:?}");
        assert!(matches!(
            kind.accept(Answer::Text("1300/01/15"), today()),
            Err(FieldError::DateOutOfRange { .. })
        ));
        assert_eq!(
            kind.accept(Answer::Text("1403/01/15"), today()),
            Ok(FieldValue::Date(NaiveDate::from_ymd_opt(2024, 4, 3).unwrap()))
        );
    }

    #[test]
    fn control_characters_are_refused_in_every_kind() {
        for kind in [FieldKind::Text { max_chars: 100 }, FieldKind::Mobile, FieldKind::Plate] {
            assert_eq!(
                kind.accept(Answer::Text("0912\u{0}1234567"), today()),
                Err(FieldError::UntrustedCharacters)
            );
        }
        assert_eq!(
            FieldKind::Text { max_chars: 100 }.accept(Answer::Text("نام \u{202E}وارونه"), today()),
            Err(FieldError::UntrustedCharacters)
        );
    }

    #[test]
    fn amounts_accept_separators_and_persian_digits() {
        let kind = FieldKind::AmountRial { max: None };
        assert_eq!(
            kind.accept(Answer::Text("۱٬۵۰۰٬۰۰۰"), today()),
            Ok(FieldValue::AmountRial(1_500_000))
        );
        assert_eq!(
            kind.accept(Answer::Text("1,500,000"), today()),
            Ok(FieldValue::AmountRial(1_500_000))
        );
        assert_eq!(
            kind.accept(Answer::Text("0"), today()),
            Err(FieldError::OutOfRange {
                min: Some(1),
                max: None
            })
        );
        assert_eq!(kind.accept(Answer::Text("abc"), today()), Err(FieldError::NotANumber));
    }

    #[test]
    fn text_limits_hold() {
        let kind = FieldKind::Text { max_chars: 5 };
        assert_eq!(kind.accept(Answer::Text("   "), today()), Err(FieldError::Empty));
        assert_eq!(
            kind.accept(Answer::Text("سلام دنیا"), today()),
            Err(FieldError::TooLong { max: 5 })
        );
    }

    #[test]
    fn documents_are_checked_for_type_and_size() {
        let kind = FieldKind::Document {
            accept: default_accept(),
            max_bytes: 100,
        };
        let doc = |mime: &str, size| DocumentRef {
            file_name: "x".into(),
            mime: mime.into(),
            size_bytes: size,
            source: DocumentSource::Bot { file_id: "f".into() },
        };
        assert!(
            kind.accept(Answer::Document(&doc("application/pdf", 10)), today())
                .is_ok()
        );
        assert_eq!(
            kind.accept(Answer::Document(&doc("application/zip", 10)), today()),
            Err(FieldError::WrongFileType)
        );
        assert_eq!(
            kind.accept(Answer::Document(&doc("image/png", 101)), today()),
            Err(FieldError::FileTooLarge { max_bytes: 100 })
        );
        assert_eq!(
            kind.accept(Answer::Text("hello"), today()),
            Err(FieldError::DocumentExpected)
        );
    }
}
