//! How many SMS parts a text takes, and cutting a text down to a configured number of parts.
//!
//! A text that fits the GSM 03.38 alphabet travels in 7-bit units: 160 in one part, 153 per
//! part once split (the rest carries the concatenation header). Anything else, Persian among
//! it, travels as UCS-2: 70 units in one part, 67 per part. Characters outside the Basic
//! Multilingual Plane take two UCS-2 units, and the GSM extension table two septets.

/// The alphabet a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    /// Units in a text sent as one part, and per part of a longer text.
    fn capacity(self) -> (usize, usize) {
        match self {
            Self::Gsm7 => (160, 153),
            Self::Ucs2 => (70, 67),
        }
    }
}

/// A text measured for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub encoding: Encoding,
    /// Septets (GSM-7) or 16-bit units (UCS-2).
    pub units: usize,
    pub parts: usize,
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// Septets a character takes in GSM-7, or `None` when it has no GSM-7 form.
fn gsm7_units(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

fn units_of(c: char, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => gsm7_units(c).unwrap_or(1),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// Measures `text`: its alphabet, its length in that alphabet's units, and its parts.
pub fn measure(text: &str) -> Measure {
    let gsm: Option<usize> = text.chars().map(gsm7_units).sum();
    let (encoding, units) = match gsm {
        Some(units) => (Encoding::Gsm7, units),
        None => (Encoding::Ucs2, text.encode_utf16().count()),
    };
    Measure {
        encoding,
        units,
        parts: parts(encoding, units),
    }
}

fn parts(encoding: Encoding, units: usize) -> usize {
    let (single, per_part) = encoding.capacity();
    match units {
        0 => 1,
        n if n <= single => 1,
        n => n.div_ceil(per_part),
    }
}

/// The text cut to at most `max_parts` parts, ending in an ellipsis when cut; never splits a
/// character or a GSM escape. A text that fits is returned unchanged.
pub fn fit(text: &str, max_parts: usize) -> (String, Measure) {
    fit_with_tail(text, "", max_parts)
}

/// The ending the regulator asks informational SMS from service lines to carry: the reader
/// sends «۱۱» to stop them.
pub const OPT_OUT_TAIL: &str = "\nلغو۱۱";

/// `text` cut (like [`fit`]) to leave room for `tail` within `max_parts`, then `tail` appended:
/// the tail is never the part that is cut.
pub fn fit_with_tail(text: &str, tail: &str, max_parts: usize) -> (String, Measure) {
    let whole = format!("{text}{tail}");
    let measured = measure(&whole);
    if measured.parts <= max_parts.max(1) {
        return (whole, measured);
    }
    let tail_units: usize = tail.chars().map(|c| units_of(c, measured.encoding)).sum();
    let (single, per_part) = measured.encoding.capacity();
    let budget = if max_parts <= 1 { single } else { per_part * max_parts };
    let ellipsis = match measured.encoding {
        // "…" is not in the GSM alphabet; three dots are.
        Encoding::Gsm7 => "...",
        Encoding::Ucs2 => "…",
    };
    let room =
        budget.saturating_sub(tail_units + ellipsis.chars().map(|c| units_of(c, measured.encoding)).sum::<usize>());
    let mut used = 0;
    let mut cut = String::new();
    for c in text.chars() {
        let units = units_of(c, measured.encoding);
        if used + units > room {
            break;
        }
        used += units;
        cut.push(c);
    }
    let cut = format!("{}{ellipsis}{tail}", cut.trim_end());
    let measured = measure(&cut);
    (cut, measured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opt_out_tail_survives_a_cut() {
        let (short, measure) = fit_with_tail("سامانه امشب در دسترس نیست.", OPT_OUT_TAIL, 2);
        assert!(short.ends_with("لغو۱۱"), "{short}");
        assert_eq!(measure.parts, 1);
        let long = "اختلال در سامانه ".repeat(20);
        let (cut, measure) = fit_with_tail(&long, OPT_OUT_TAIL, 2);
        assert!(cut.ends_with("…\nلغو۱۱"), "{cut}");
        assert!(measure.parts <= 2);
    }

    #[test]
    fn latin_text_is_gsm7_with_160_then_153_per_part() {
        assert_eq!(measure(&"a".repeat(160)).parts, 1);
        assert_eq!(measure(&"a".repeat(161)).parts, 2);
        assert_eq!(measure(&"a".repeat(306)).parts, 2);
        assert_eq!(measure(&"a".repeat(307)).parts, 3);
        assert_eq!(measure("").parts, 1);
    }

    #[test]
    fn extension_characters_take_two_septets() {
        let m = measure(&"€".repeat(80));
        assert_eq!((m.encoding, m.units, m.parts), (Encoding::Gsm7, 160, 1));
        assert_eq!(measure(&"€".repeat(81)).parts, 2);
    }

    #[test]
    fn persian_text_is_ucs2_with_70_then_67_per_part() {
        let m = measure(&"س".repeat(70));
        assert_eq!((m.encoding, m.parts), (Encoding::Ucs2, 1));
        assert_eq!(measure(&"س".repeat(71)).parts, 2);
        assert_eq!(measure(&"س".repeat(134)).parts, 2);
        assert_eq!(measure(&"س".repeat(135)).parts, 3);
        // One Persian letter makes the whole text UCS-2.
        assert_eq!(measure(&format!("{}ب", "a".repeat(69))).parts, 1);
        assert_eq!(measure(&format!("{}ب", "a".repeat(70))).parts, 2);
    }

    #[test]
    fn characters_beyond_the_bmp_take_two_units() {
        let m = measure("😀");
        assert_eq!((m.encoding, m.units), (Encoding::Ucs2, 2));
    }

    #[test]
    fn fitting_cuts_to_the_cap_with_an_ellipsis() {
        let long = "درخواست شما ".repeat(30);
        let (cut, m) = fit(&long, 2);
        assert_eq!(m.parts, 2);
        assert!(cut.ends_with('…'));
        assert!(m.units <= 134);
        let (same, _) = fit("سلام", 1);
        assert_eq!(same, "سلام");
        let (cut, m) = fit(&"x".repeat(400), 1);
        assert_eq!((m.parts, m.units), (1, 160));
        assert!(cut.ends_with("..."));
    }
}
