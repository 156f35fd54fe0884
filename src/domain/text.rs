//! Free text from people: what staff write for applicants to read (a reason, a notice, an
//! answer) and what applicants type. Text is refused, never altered, when it carries
//! characters that would corrupt or disguise it: control characters other than line breaks
//! and tabs (a NUL cannot even be stored), and bidirectional overrides, embeddings or isolates
//! left open, which can reorder what follows them (a tracking code, an amount) on the reader's
//! screen. The joiners and marks Persian needs (ZWNJ, ZWJ, LRM, RLM) are kept.

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty or has nothing visible")]
    Blank,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the text contains a control character (such as NUL)")]
    ControlCharacter,
    #[error("the text opens a bidirectional override, embedding or isolate it does not close")]
    OpenBidiControl,
}

/// The Persian letters for those an Arabic keyboard types in their place (ي, ى for ی; ك for
/// ک): a name typed on either then reads, sorts and matches the same in staff searches and in
/// hand-offs to other government systems. The only change made to what applicants type.
pub fn persian_letters(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            other => other,
        })
        .collect()
}

/// Refuses control characters (line breaks and tabs aside) and unclosed bidirectional controls.
pub fn check_characters(text: &str) -> Result<(), TextError> {
    // Open embeddings/overrides (closed by PDF) and isolates (closed by PDI), as the bidi
    // algorithm pairs them.
    let mut open: Vec<char> = Vec::new();
    for c in text.chars() {
        match c {
            c if within(c, REFUSED_CONTROLS) => return Err(TextError::ControlCharacter),
            '\u{202A}' | '\u{202B}' | '\u{202D}' | '\u{202E}' | '\u{2066}'..='\u{2068}' => open.push(c),
            '\u{202C}' | '\u{2069}' => {
                let closes_isolate = c == '\u{2069}';
                let matched = open
                    .iter()
                    .rposition(|o| ('\u{2066}'..='\u{2068}').contains(o) == closes_isolate);
                match matched {
                    Some(at) => open.truncate(at),
                    None => return Err(TextError::OpenBidiControl),
                }
            }
            _ => {}
        }
    }
    if open.is_empty() {
        Ok(())
    } else {
        Err(TextError::OpenBidiControl)
    }
}

/// `text` trimmed, when its characters pass [`check_characters`], something in it is visible
/// (not only spaces, joiners and direction marks) and it has at most `max` characters.
pub fn visible_within(text: &str, max: usize) -> Result<&str, TextError> {
    check_characters(text)?;
    let text = text.trim();
    if !text.chars().any(is_visible) {
        return Err(TextError::Blank);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text)
}

/// Whether `c` draws something: not white space, a control or an invisible format character
/// (zero-width spaces and joiners, direction marks, the byte-order mark, soft hyphens, …).
fn is_visible(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || within(c, INVISIBLE_FORMAT))
}

fn within(c: char, ranges: &[(char, char)]) -> bool {
    ranges.iter().any(|&(low, high)| (low..=high).contains(&c))
}

/// Characters that draw nothing although they are neither white space nor controls; the
/// Braille blank is among them, being the usual way to post an "empty" message.
const INVISIBLE_FORMAT: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{2800}', '\u{2800}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{E0000}', '\u{E007F}'),
];

/// The controls [`check_characters`] refuses: every control but tab, line feed and carriage
/// return.
const REFUSED_CONTROLS: &[(char, char)] = &[
    ('\u{0}', '\u{8}'),
    ('\u{B}', '\u{C}'),
    ('\u{E}', '\u{1F}'),
    ('\u{7F}', '\u{9F}'),
];

/// The bidirectional embeddings, overrides, isolates and their closers.
const BIDI_CONTROLS: &[(char, char)] = &[('\u{202A}', '\u{202E}'), ('\u{2066}', '\u{2069}')];

/// White space as `char::is_whitespace` has it, for the patterns below.
const WHITE_SPACE: &[(char, char)] = &[
    ('\u{9}', '\u{D}'),
    ('\u{20}', '\u{20}'),
    ('\u{85}', '\u{85}'),
    ('\u{A0}', '\u{A0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200A}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202F}', '\u{202F}'),
    ('\u{205F}', '\u{205F}'),
    ('\u{3000}', '\u{3000}'),
];

/// A regular-expression class of everything outside `ranges`, as JSON Schema (ECMA-262) and
/// most engines read it. Ranges past the Basic Multilingual Plane are left out: without the
/// engine's Unicode mode they cannot be written, so the class is that much wider.
fn class_without(ranges: &[&[(char, char)]]) -> String {
    let mut class = String::from("[^");
    for &(low, high) in ranges.iter().flat_map(|r| r.iter()) {
        if u32::from(low) > 0xFFFF {
            continue;
        }
        class.push_str(&format!("\\u{:04X}", u32::from(low)));
        if high != low {
            class.push_str(&format!("-\\u{:04X}", u32::from(high)));
        }
    }
    class.push(']');
    class
}

/// The pattern the API's document gives every text: no refused control and no bidirectional
/// control. (The service accepts bidirectional controls that are closed again; a pattern
/// cannot pair them, so the document asks for none.)
pub fn plain_pattern() -> String {
    format!("^{}*$", class_without(&[REFUSED_CONTROLS, BIDI_CONTROLS]))
}

/// The pattern of a text people write for others to read ([`visible_within`]): a plain text
/// with at least one character that draws something.
pub fn visible_pattern() -> String {
    let plain = class_without(&[REFUSED_CONTROLS, BIDI_CONTROLS]);
    let visible = class_without(&[REFUSED_CONTROLS, BIDI_CONTROLS, WHITE_SPACE, INVISIBLE_FORMAT]);
    format!("^{plain}*{visible}{plain}*$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_keyboard_letters_become_persian_ones() {
        assert_eq!(persian_letters("علي كريمى"), "علی کریمی");
        assert_eq!(
            persian_letters("مریم ک‌ی"),
            "مریم ک‌ی",
            "Persian text is unchanged, ZWNJ kept"
        );
    }

    #[test]
    fn blank_and_overlong_text_is_refused_and_the_rest_trimmed() {
        assert_eq!(visible_within("  ارتقا \n", 5), Ok("ارتقا"));
        assert_eq!(visible_within(" \t ", 5), Err(TextError::Blank));
        assert_eq!(visible_within("ارتقای", 5), Err(TextError::TooLong { max: 5 }));
    }

    #[test]
    fn text_of_invisible_characters_only_is_blank() {
        for text in [
            "\u{200B}\u{200C}\u{200F}",
            "\u{FEFF}",
            "\u{3164}\u{2800}",
            "\u{2066}\u{2069}",
        ] {
            assert_eq!(visible_within(text, 100), Err(TextError::Blank), "{text:?}");
        }
        assert_eq!(visible_within("می\u{200C}خواهم", 100), Ok("می\u{200C}خواهم"));
    }

    #[test]
    fn control_characters_and_open_bidi_controls_are_refused() {
        assert_eq!(check_characters("a\0b"), Err(TextError::ControlCharacter));
        assert_eq!(check_characters("a\u{1B}[31m"), Err(TextError::ControlCharacter));
        assert_eq!(check_characters("کد \u{202E}123-456"), Err(TextError::OpenBidiControl));
        assert_eq!(check_characters("\u{2067}x"), Err(TextError::OpenBidiControl));
        assert_eq!(check_characters("x\u{202C}"), Err(TextError::OpenBidiControl));
        // An isolate is not closed by PDF, nor an override by PDI.
        assert_eq!(check_characters("\u{2066}x\u{202C}"), Err(TextError::OpenBidiControl));
        assert_eq!(check_characters("\u{202B}x\u{2069}"), Err(TextError::OpenBidiControl));
    }

    #[test]
    fn line_breaks_persian_joiners_marks_and_closed_isolates_pass() {
        for text in [
            "خط اول\nخط دوم\r\n\tتورفته",
            "نیم\u{200C}فاصله و \u{200F}علامت",
            "کد \u{2066}1403-0001-2345\u{2069} ثبت شد",
            "\u{202B}نقل\u{202C} \u{2067}a\u{2066}b\u{2069}\u{2069}",
        ] {
            assert_eq!(check_characters(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn the_tables_agree_with_the_standard_library() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(within(c, WHITE_SPACE), c.is_whitespace(), "{:X}", u32::from(c));
            let refused = within(c, REFUSED_CONTROLS);
            assert_eq!(
                refused || matches!(c, '\t' | '\n' | '\r'),
                c.is_control(),
                "{:X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn the_patterns_name_the_refused_characters() {
        let plain = plain_pattern();
        assert!(plain.starts_with("^[^\\u0000-\\u0008\\u000B-\\u000C"), "{plain}");
        assert!(plain.contains("\\u202A-\\u202E\\u2066-\\u2069]*$"), "{plain}");
        let visible = visible_pattern();
        assert!(visible.contains("\\u2800"), "{visible}");
        assert!(!visible.contains("E0000"), "astral ranges are left out: {visible}");
    }
}
