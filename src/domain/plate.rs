//! Iranian vehicle plates: two digits, a Persian letter, three digits and a two-digit region,
//! e.g. ۱۲ الف ۳۴۵ ایران ۶۷ (الف is the letter of government vehicles).

use std::fmt;

use super::digits::{is_separator, to_ascii_digits};

/// Letters issued on Iranian plates, in their canonical Persian spelling.
const LETTERS: [&str; 25] = [
    "الف", "ب", "پ", "ت", "ث", "ج", "چ", "ح", "خ", "د", "ز", "ژ", "س", "ش", "ص", "ط", "ظ", "ع", "ف", "ق", "ک", "گ",
    "ل", "م", "ن",
];
const MORE_LETTERS: [&str; 3] = ["و", "ه", "ی"];

/// Why a typed plate was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a plate is two digits, a Persian letter, three digits and a two-digit region")]
pub struct PlateError;

/// A vehicle plate with each part validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VehiclePlate {
    pub first: String,
    pub letter: String,
    pub serial: String,
    pub region: String,
}

impl VehiclePlate {
    /// Accepts the parts in reading order with any separators, e.g. `12الف345-67`,
    /// `۱۲ ب ۳۴۵ ایران ۶۷`; Arabic ي/ى/ك are read as Persian ی/ک (in «ایران» too), and the
    /// tatweel of a letter as printed on plates («هـ») is dropped.
    pub fn parse(input: &str) -> Result<Self, PlateError> {
        let compact: String = crate::domain::text::persian_letters(&to_ascii_digits(input))
            .replace('\u{0640}', "")
            .replace("ایران", "")
            .replace('آ', "ا")
            .chars()
            .filter(|c| !is_separator(*c) && !matches!(c, '|' | '/' | '_'))
            .collect();
        let (first, rest) = split_digits(&compact, 2)?;
        let letter_end = rest.find(|c: char| c.is_ascii_digit()).ok_or(PlateError)?;
        let letter = canonical_letter(&rest[..letter_end]).ok_or(PlateError)?;
        let (serial, rest) = split_digits(&rest[letter_end..], 3)?;
        let (region, rest) = split_digits(rest, 2)?;
        if !rest.is_empty() || first.starts_with('0') {
            return Err(PlateError);
        }
        Ok(Self {
            first: first.into(),
            letter: letter.into(),
            serial: serial.into(),
            region: region.into(),
        })
    }
}

fn split_digits(s: &str, n: usize) -> Result<(&str, &str), PlateError> {
    let head = s.get(..n).ok_or(PlateError)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PlateError);
    }
    Ok((head, &s[n..]))
}

fn canonical_letter(typed: &str) -> Option<&'static str> {
    let typed = if typed == "ا" { "الف" } else { typed };
    LETTERS.iter().chain(MORE_LETTERS.iter()).copied().find(|l| *l == typed)
}

impl fmt::Display for VehiclePlate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} ایران {}",
            self.first, self.letter, self.serial, self.region
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_letters_and_the_tatweel_of_printed_plates_are_read() {
        let expected = VehiclePlate::parse("۱۲ الف ۳۴۵ ایران ۶۷").unwrap();
        assert_eq!(
            VehiclePlate::parse("12 الف 345 ايران 67"),
            Ok(expected),
            "Arabic ي in «ایران»"
        );
        let h = VehiclePlate::parse("۱۲ ه ۳۴۵ ۱۵").unwrap();
        assert_eq!(
            VehiclePlate::parse("۱۲ هـ ۳۴۵ ۱۵"),
            Ok(h),
            "tatweel, as «هـ» is printed"
        );
        let y = VehiclePlate::parse("۱۲ ی ۳۴۵ ۱۵").unwrap();
        assert_eq!(VehiclePlate::parse("۱۲ ى ۳۴۵ ۱۵"), Ok(y), "Alef maksura for ی");
    }
    use proptest::prelude::*;

    #[test]
    fn typed_forms_parse() {
        let plate = VehiclePlate::parse("۱۲ الف ۳۴۵ - ۶۷").unwrap();
        assert_eq!(
            (
                plate.first.as_str(),
                plate.letter.as_str(),
                plate.serial.as_str(),
                plate.region.as_str()
            ),
            ("12", "الف", "345", "67")
        );
        assert_eq!(VehiclePlate::parse("12ب345ایران67").unwrap().letter, "ب");
        assert_eq!(VehiclePlate::parse("12ي345 67").unwrap().letter, "ی");
    }

    #[test]
    fn malformed_plates_are_refused() {
        for typed in [
            "",
            "12345",
            "12 x 345 67",
            "1 ب 345 67",
            "12 ب 34 67",
            "12 ب 345 6",
            "12 ب 345 678",
        ] {
            assert_eq!(VehiclePlate::parse(typed), Err(PlateError), "{typed}");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(first in 10..100u32, letter in 0..LETTERS.len(), serial in 100..1000u32, region in 10..100u32) {
            let typed = format!("{first}{}{serial}{region}", LETTERS[letter]);
            let plate = VehiclePlate::parse(&typed).unwrap();
            prop_assert_eq!(VehiclePlate::parse(&plate.to_string()), Ok(plate));
        }
    }
}
