//! Form fields: the kinds a service may declare, and turning an applicant's answer into a
//! validated value (or the reason it was refused).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::digits::{digits_only, is_separator, to_ascii_digits};
use super::jalali::parse_date;
use super::national_id::{CompanyId, NationalId, NationalIdError};
use super::phone::PhoneNumber;
use super::plate::VehiclePlate;

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
    Date,
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
    BadMobile,
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
    /// Validates an answer. Choice answers are option ids, already resolved by the caller.
    pub fn accept(&self, answer: Answer<'_>) -> Result<FieldValue, FieldError> {
        let text = match (self, answer) {
            (Self::Document { accept, max_bytes }, Answer::Document(doc)) => {
                return accept_document(accept, *max_bytes, doc);
            }
            (Self::Document { .. }, _) => return Err(FieldError::DocumentExpected),
            (_, Answer::Document(_)) => return Err(FieldError::DocumentNotExpected),
            (Self::Mobile, Answer::Contact(phone)) => phone,
            (_, Answer::Text(text) | Answer::Contact(text)) => text.trim(),
        };
        if text.is_empty() {
            return Err(FieldError::Empty);
        }
        match self {
            Self::Text { max_chars } => {
                if text.chars().count() > *max_chars {
                    return Err(FieldError::TooLong { max: *max_chars });
                }
                Ok(FieldValue::Text(text.to_owned()))
            }
            Self::Number { min, max } => in_range(parse_integer(text)?, *min, *max).map(FieldValue::Number),
            Self::AmountRial { max } => in_range(parse_integer(text)?, Some(1), *max).map(FieldValue::AmountRial),
            Self::Choice { options } => options
                .iter()
                .find(|o| o.as_str() == text)
                .map(|o| FieldValue::Choice(o.clone()))
                .ok_or(FieldError::UnknownOption),
            Self::Date => parse_date(text).map(FieldValue::Date).map_err(|_| FieldError::BadDate),
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

/// Reads an integer written with any digits and thousands separators (`1,500,000`, `۱٬۵۰۰٬۰۰۰`).
fn parse_integer(text: &str) -> Result<i64, FieldError> {
    let cleaned: String = to_ascii_digits(text)
        .chars()
        .filter(|c| !matches!(c, ',' | '٬' | '،' | '\'') && !is_separator(*c))
        .collect();
    let digits = digits_only(&cleaned).ok_or(FieldError::NotANumber)?;
    digits.parse().map_err(|_| FieldError::OutOfRange {
        min: None,
        max: Some(i64::MAX),
    })
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

    #[test]
    fn amounts_accept_separators_and_persian_digits() {
        let kind = FieldKind::AmountRial { max: None };
        assert_eq!(
            kind.accept(Answer::Text("۱٬۵۰۰٬۰۰۰")),
            Ok(FieldValue::AmountRial(1_500_000))
        );
        assert_eq!(
            kind.accept(Answer::Text("1,500,000")),
            Ok(FieldValue::AmountRial(1_500_000))
        );
        assert_eq!(
            kind.accept(Answer::Text("0")),
            Err(FieldError::OutOfRange {
                min: Some(1),
                max: None
            })
        );
        assert_eq!(kind.accept(Answer::Text("abc")), Err(FieldError::NotANumber));
    }

    #[test]
    fn text_limits_hold() {
        let kind = FieldKind::Text { max_chars: 5 };
        assert_eq!(kind.accept(Answer::Text("   ")), Err(FieldError::Empty));
        assert_eq!(
            kind.accept(Answer::Text("سلام دنیا")),
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
        assert!(kind.accept(Answer::Document(&doc("application/pdf", 10))).is_ok());
        assert_eq!(
            kind.accept(Answer::Document(&doc("application/zip", 10))),
            Err(FieldError::WrongFileType)
        );
        assert_eq!(
            kind.accept(Answer::Document(&doc("image/png", 101))),
            Err(FieldError::FileTooLarge { max_bytes: 100 })
        );
        assert_eq!(kind.accept(Answer::Text("hello")), Err(FieldError::DocumentExpected));
    }
}
