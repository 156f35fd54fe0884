//! Iranian national identifiers: a person's national code (کد ملی, 10 digits) and a legal
//! entity's national id (شناسه ملی, 11 digits), each with its official check digit.

use std::fmt;

use super::digits::{digit_values, digits_only};

/// Why a typed national id was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NationalIdError {
    #[error("only digits are allowed")]
    NotDigits,
    #[error("expected {expected} digits, got {got}")]
    WrongLength { expected: usize, got: usize },
    #[error("the check digit does not match")]
    BadCheckDigit,
}

/// A person's 10-digit national code with a valid check digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NationalId(String);

impl NationalId {
    pub fn parse(input: &str) -> Result<Self, NationalIdError> {
        let digits = exact_digits(input, 10)?;
        let d = digit_values(&digits);
        // Ten equal digits pass the arithmetic but are never issued.
        if d.iter().all(|&x| x == d[0]) {
            return Err(NationalIdError::BadCheckDigit);
        }
        let sum: u32 = (0..9).map(|i| u32::from(d[i]) * (10 - i as u32)).sum();
        let rem = sum % 11;
        let check = if rem < 2 { rem } else { 11 - rem };
        if u32::from(d[9]) != check {
            return Err(NationalIdError::BadCheckDigit);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A legal entity's 11-digit national id with a valid check digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyId(String);

impl CompanyId {
    pub fn parse(input: &str) -> Result<Self, NationalIdError> {
        const WEIGHTS: [u32; 5] = [29, 27, 23, 19, 17];
        let digits = exact_digits(input, 11)?;
        let d = digit_values(&digits);
        let shift = u32::from(d[9]) + 2;
        let sum: u32 = (0..10).map(|i| (shift + u32::from(d[i])) * WEIGHTS[i % 5]).sum();
        let check = match sum % 11 {
            10 => 0,
            r => r,
        };
        // The registry never issues an id whose digits 4 to 9 are all zero, though such a
        // number can pass the check digit (10000000010).
        if u32::from(d[10]) != check || d[3..9].iter().all(|&x| x == 0) {
            return Err(NationalIdError::BadCheckDigit);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn exact_digits(input: &str, expected: usize) -> Result<String, NationalIdError> {
    let digits = digits_only(input).ok_or(NationalIdError::NotDigits)?;
    if digits.len() != expected {
        return Err(NationalIdError::WrongLength {
            expected,
            got: digits.len(),
        });
    }
    Ok(digits)
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CompanyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Appends the check digit that makes nine digits a valid national code.
    fn with_national_check(nine: &str) -> String {
        let d = digit_values(nine);
        let sum: u32 = (0..9).map(|i| u32::from(d[i]) * (10 - i as u32)).sum();
        let rem = sum % 11;
        format!("{nine}{}", if rem < 2 { rem } else { 11 - rem })
    }

    #[test]
    fn known_valid_and_invalid_codes() {
        assert!(NationalId::parse("0499370899").is_ok());
        assert!(NationalId::parse("۰۴۹۹۳۷۰۸۹۹").is_ok());
        assert_eq!(NationalId::parse("0499370898"), Err(NationalIdError::BadCheckDigit));
        assert_eq!(NationalId::parse("1111111111"), Err(NationalIdError::BadCheckDigit));
        assert_eq!(
            NationalId::parse("12345"),
            Err(NationalIdError::WrongLength { expected: 10, got: 5 })
        );
        assert!(CompanyId::parse("14007650912").is_ok());
        assert_eq!(CompanyId::parse("14007650913"), Err(NationalIdError::BadCheckDigit));
        // Digits 4 to 9 all zero: the check digit holds, but no such id is issued.
        assert_eq!(CompanyId::parse("10000000010"), Err(NationalIdError::BadCheckDigit));
        assert_eq!(CompanyId::parse("00000000009"), Err(NationalIdError::BadCheckDigit));
    }

    proptest! {
        #[test]
        fn any_changed_check_digit_is_refused(nine in "[0-9]{9}", delta in 1..10u8) {
            let valid = with_national_check(&nine);
            prop_assume!(NationalId::parse(&valid).is_ok());
            let mut bytes = valid.into_bytes();
            bytes[9] = b'0' + (bytes[9] - b'0' + delta) % 10;
            let wrong = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(NationalId::parse(&wrong), Err(NationalIdError::BadCheckDigit));
        }

        #[test]
        fn valid_codes_round_trip(nine in "[0-9]{9}") {
            let valid = with_national_check(&nine);
            if let Ok(id) = NationalId::parse(&valid) {
                prop_assert_eq!(NationalId::parse(id.as_str()), Ok(id));
            }
        }
    }
}
