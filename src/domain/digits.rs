//! Digit forms and separators as Iranian users type them: Persian (۰–۹), Arabic-Indic (٠–٩)
//! and ASCII digits are the same digits, and invisible marks are never meaningful.

/// Maps Persian and Arabic-Indic digits to ASCII; other characters pass through.
pub fn to_ascii_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            other => other,
        })
        .collect()
}

/// True for characters that carry no content in an identifier: white space, hyphens and dashes,
/// the zero-width (non-)joiner and every bidi control mark that copy-paste drags along.
pub fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}'
                | '\u{2212}'
                | '\u{200B}'..='\u{200F}'
                | '\u{061C}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Normalises digits and drops separators; `None` unless what is left is a non-empty digit run.
pub fn digits_only(input: &str) -> Option<String> {
    let digits: String = to_ascii_digits(input).chars().filter(|c| !is_separator(*c)).collect();
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Writes ASCII digits as Persian digits, for Persian output.
pub fn to_persian_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x06F0 + (c as u32 - '0' as u32)).expect("in the Persian digit block"),
            other => other,
        })
        .collect()
}

/// Parses a digit run into its numeric digits, most significant first.
pub fn digit_values(digits: &str) -> Vec<u8> {
    digits.bytes().map(|b| b - b'0').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_digit_form_reads_the_same() {
        assert_eq!(digits_only("۱۲۳-۴۵۶").as_deref(), Some("123456"));
        assert_eq!(digits_only("١٢٣ ٤٥٦").as_deref(), Some("123456"));
        assert_eq!(
            digits_only("\u{200F}12\u{200C}3\u{2067}4\u{2069}").as_deref(),
            Some("1234")
        );
        assert_eq!(digits_only("12a4"), None);
        assert_eq!(digits_only(" - "), None);
    }

    #[test]
    fn persian_digits_round_trip() {
        assert_eq!(to_persian_digits("1403/07/15"), "۱۴۰۳/۰۷/۱۵");
        assert_eq!(to_ascii_digits(&to_persian_digits("0123456789")), "0123456789");
    }
}
