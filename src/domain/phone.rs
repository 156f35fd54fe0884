//! Iranian mobile numbers, kept in one canonical form (+989XXXXXXXXX) whatever way they are typed.

use std::fmt;

use super::digits::{is_separator, to_ascii_digits};

/// Why a typed mobile number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an Iranian mobile number (09xxxxxxxxx)")]
pub struct PhoneNumberError;

/// An Iranian mobile number: +98 followed by 9 and nine more digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts 09…, 9…, +989…, 00989… and 989…, in any digit form, with spaces or hyphens.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let compact: String = to_ascii_digits(input)
            .chars()
            .filter(|c| !is_separator(*c) && !matches!(c, '(' | ')' | '.'))
            .collect();
        // With + or 00 in front a country code follows, and it must be Iran's: +91 912… is an
        // Indian number, not 0912….
        let (international, digits) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => match compact.strip_prefix("00") {
                Some(rest) => (true, rest),
                None => (false, compact.as_str()),
            },
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneNumberError);
        }
        let national = if international {
            digits.strip_prefix("98").ok_or(PhoneNumberError)?
        } else {
            digits
                .strip_prefix("98")
                .filter(|rest| rest.len() == 10 || (rest.len() == 11 && rest.starts_with('0')))
                .or_else(|| digits.strip_prefix('0'))
                .unwrap_or(digits)
        };
        // The trunk zero kept after the country code: +98 (0) 914 …, 98 0914 ….
        let national = match national.strip_prefix('0') {
            Some(rest) if rest.len() == 10 => rest,
            _ => national,
        };
        if national.len() != 10 || !national.starts_with('9') {
            return Err(PhoneNumberError);
        }
        Ok(Self(format!("+98{national}")))
    }

    /// The E.164 form, +989XXXXXXXXX.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The last four digits only, for logs and shared places.
    pub fn masked(&self) -> String {
        crate::privacy::mask_last_four(&self.0)
    }

    /// The last four digits, which is all a message shows of the number (“the number ending in
    /// 4567”): bullets before them would be laid out after them in Persian text.
    pub fn last_four(&self) -> String {
        self.0[self.0.len() - 4..].to_owned()
    }

    /// The form Iranians write, 09XXXXXXXXX.
    pub fn local(&self) -> String {
        format!("0{}", &self.0[3..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.local())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_common_form_is_one_number() {
        for typed in [
            "09121234567",
            "+98 912 123 4567",
            "00989121234567",
            "989121234567",
            "۰۹۱۲-۱۲۳-۴۵۶۷",
            "9121234567",
            "0912.123.4567",
            "+98(0)9121234567",
            "98 0912 123 4567",
        ] {
            assert_eq!(
                PhoneNumber::parse(typed).map(|p| p.e164().to_owned()),
                Ok("+989121234567".into()),
                "{typed}"
            );
        }
    }

    #[test]
    fn landlines_and_foreign_numbers_are_refused() {
        for typed in [
            "02112345678",
            "+4915112345678",
            "0912123456",
            "0912a234567",
            "",
            "+9121234567",
            "009121234567",
            "+۹۱۲۱۲۳۴۵۶۷",
        ] {
            assert_eq!(PhoneNumber::parse(typed), Err(PhoneNumberError), "{typed}");
        }
    }

    proptest! {
        #[test]
        fn local_form_round_trips(rest in "[0-9]{9}") {
            let phone = PhoneNumber::parse(&format!("09{rest}")).unwrap();
            prop_assert_eq!(PhoneNumber::parse(&phone.local()), Ok(phone.clone()));
            prop_assert_eq!(PhoneNumber::parse(phone.e164()), Ok(phone));
        }
    }
}
