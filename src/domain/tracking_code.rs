//! Tracking codes: the applicant's handle on a request or complaint. Random, so they reveal
//! nothing and cannot be guessed; with a Damm check digit, so a mistyped code is caught before
//! it is looked up.

use std::fmt;

use super::digits::{digit_values, digits_only};

/// Random digits in a code: 10^17 ≈ 2^56.5, comfortably above the 50 bits promised.
const RANDOM_DIGITS: u32 = 17;
const TOTAL_DIGITS: usize = RANDOM_DIGITS as usize + 1;
const GROUP: usize = 6;

/// Damm's totally anti-symmetric quasigroup of order 10: catches every single-digit error and
/// every transposition of adjacent digits.
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

fn damm_interim(digits: &[u8]) -> u8 {
    digits.iter().fold(0, |interim, &d| DAMM[interim as usize][d as usize])
}

/// A valid tracking code: 17 random digits followed by their Damm check digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingCode(u64);

/// Why a typed tracking code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrackingCodeError {
    #[error("a tracking code has only digits")]
    NotDigits,
    #[error("a tracking code has {TOTAL_DIGITS} digits, this has {0}")]
    WrongLength(usize),
    #[error("the check digit does not match: a digit is mistyped")]
    BadCheckDigit,
}

impl TrackingCode {
    /// Draws a fresh code from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let bound = 10u64.pow(RANDOM_DIGITS);
        // Rejection sampling keeps every code equally likely (a plain modulo would not).
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("the operating system's random source is available");
            let raw = u64::from_le_bytes(bytes);
            if raw < zone {
                return Self::from_random_part(raw % bound);
            }
        }
    }

    fn from_random_part(random: u64) -> Self {
        let body = format!("{random:0width$}", width = RANDOM_DIGITS as usize);
        let check = damm_interim(&digit_values(&body));
        Self(random * 10 + u64::from(check))
    }

    /// Accepts Persian, Arabic-Indic or ASCII digits; ignores spaces, hyphens, ZWNJ and bidi marks.
    pub fn parse(input: &str) -> Result<Self, TrackingCodeError> {
        let digits = digits_only(input).ok_or(TrackingCodeError::NotDigits)?;
        if digits.len() != TOTAL_DIGITS {
            return Err(TrackingCodeError::WrongLength(digits.len()));
        }
        if damm_interim(&digit_values(&digits)) != 0 {
            return Err(TrackingCodeError::BadCheckDigit);
        }
        Ok(Self(digits.parse().expect("18 ASCII digits fit in u64")))
    }

    /// The code in a pasted line such as «کد پیگیری شما: ۵۶۲۸۳۱-۵۹۰۰۰۸-۱۶۷۳۱۸»: the one run of
    /// digits (with the separators `parse` ignores) that has 18 of them. `None` when there is
    /// no such run, or more than one, or it fails its check digit.
    pub fn find_in(line: &str) -> Option<Self> {
        let ascii = crate::domain::digits::to_ascii_digits(line);
        let mut runs = ascii
            .split(|c: char| !(c.is_ascii_digit() || crate::domain::digits::is_separator(c)))
            .filter(|run| run.chars().filter(char::is_ascii_digit).count() == TOTAL_DIGITS);
        match (runs.next(), runs.next()) {
            (Some(run), None) => Self::parse(run).ok(),
            _ => None,
        }
    }

    /// Rebuilds a code read back from storage, re-checking it.
    pub fn from_stored(value: i64) -> Result<Self, TrackingCodeError> {
        let value = u64::try_from(value).map_err(|_| TrackingCodeError::NotDigits)?;
        Self::parse(&format!("{value:0TOTAL_DIGITS$}"))
    }

    /// The value kept in the database (18 digits fit a BIGINT).
    pub fn to_stored(self) -> i64 {
        i64::try_from(self.0).expect("18 digits fit in i64")
    }
}

impl TrackingCode {
    /// Groups of six digits joined by `separator`.
    pub fn grouped(&self, separator: char) -> String {
        let digits = format!("{:0TOTAL_DIGITS$}", self.0);
        let groups: Vec<&str> = digits
            .as_bytes()
            .chunks(GROUP)
            .map(|chunk| std::str::from_utf8(chunk).expect("ASCII digits"))
            .collect();
        groups.join(&separator.to_string())
    }
}

impl fmt::Display for TrackingCode {
    /// Groups of six digits, hyphen-separated, for reading aloud and copying.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped('-'))
    }
}

impl std::str::FromStr for TrackingCode {
    type Err = TrackingCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Stored and exchanged as its grouped text, re-checked when read.
impl serde::Serialize for TrackingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TrackingCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        TrackingCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::digits::to_persian_digits;
    use proptest::prelude::*;

    fn any_code() -> impl Strategy<Value = TrackingCode> {
        (0..10u64.pow(RANDOM_DIGITS)).prop_map(TrackingCode::from_random_part)
    }

    #[test]
    fn generated_codes_parse_and_differ() {
        let a = TrackingCode::generate();
        let b = TrackingCode::generate();
        assert_ne!(a, b);
        assert_eq!(TrackingCode::parse(&a.to_string()), Ok(a));
        assert_eq!(a.to_string().len(), TOTAL_DIGITS + 2);
    }

    #[test]
    fn a_code_is_found_in_a_pasted_line_when_it_is_the_only_one() {
        let code = TrackingCode::generate();
        let persian = crate::domain::digits::to_persian_digits(&code.to_string());
        for line in [
            format!("کد پیگیری شما: {persian}"),
            format!("Your tracking code: {code}."),
            format!("{persian} کد پیگیری"),
        ] {
            assert_eq!(TrackingCode::find_in(&line), Some(code), "{line}");
        }
        let other = TrackingCode::generate();
        assert_eq!(TrackingCode::find_in(&format!("{code} و {other}")), None, "two codes");
        assert_eq!(TrackingCode::find_in("کد: ۱۲۳"), None);
    }

    #[test]
    fn refuses_wrong_shapes() {
        assert_eq!(TrackingCode::parse(""), Err(TrackingCodeError::NotDigits));
        assert_eq!(TrackingCode::parse("12ab"), Err(TrackingCodeError::NotDigits));
        assert_eq!(TrackingCode::parse("123"), Err(TrackingCodeError::WrongLength(3)));
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(code in any_code()) {
            prop_assert_eq!(TrackingCode::parse(&code.to_string()), Ok(code));
            prop_assert_eq!(TrackingCode::from_stored(code.to_stored()), Ok(code));
        }

        #[test]
        fn persian_digits_with_marks_parse(code in any_code()) {
            let typed = format!("\u{200F}{}\u{200C} ", to_persian_digits(&code.to_string()).replace('-', " "));
            prop_assert_eq!(TrackingCode::parse(&typed), Ok(code));
        }

        #[test]
        fn every_single_digit_error_is_caught(code in any_code(), pos in 0..TOTAL_DIGITS, delta in 1..10u8) {
            let mut digits = format!("{:0TOTAL_DIGITS$}", code.0).into_bytes();
            digits[pos] = b'0' + (digits[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(digits).unwrap();
            prop_assert_eq!(TrackingCode::parse(&typo), Err(TrackingCodeError::BadCheckDigit));
        }

        #[test]
        fn every_adjacent_transposition_is_caught(code in any_code(), pos in 0..TOTAL_DIGITS - 1) {
            let mut digits = format!("{:0TOTAL_DIGITS$}", code.0).into_bytes();
            prop_assume!(digits[pos] != digits[pos + 1]);
            digits.swap(pos, pos + 1);
            let typo = String::from_utf8(digits).unwrap();
            prop_assert_eq!(TrackingCode::parse(&typo), Err(TrackingCodeError::BadCheckDigit));
        }
    }
}
