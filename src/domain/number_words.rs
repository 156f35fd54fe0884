//! Whole numbers in words, Persian and English, for echoing an amount back: mixing up rials
//! and tomans (a factor of ten) is the commonest amount error in Iran, and a number read back
//! in words is what catches it.

const FA_ONES: [&str; 20] = [
    "صفر",
    "یک",
    "دو",
    "سه",
    "چهار",
    "پنج",
    "شش",
    "هفت",
    "هشت",
    "نه",
    "ده",
    "یازده",
    "دوازده",
    "سیزده",
    "چهارده",
    "پانزده",
    "شانزده",
    "هفده",
    "هجده",
    "نوزده",
];
const FA_TENS: [&str; 10] = ["", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود"];
const FA_HUNDREDS: [&str; 10] = [
    "",
    "صد",
    "دویست",
    "سیصد",
    "چهارصد",
    "پانصد",
    "ششصد",
    "هفتصد",
    "هشتصد",
    "نهصد",
];
/// Thousand groups from the smallest: the Iranian short scale (میلیارد for 10⁹).
const FA_SCALES: [&str; 7] = [
    "",
    "هزار",
    "میلیون",
    "میلیارد",
    "هزار میلیارد",
    "میلیون میلیارد",
    "میلیارد میلیارد",
];

const EN_ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const EN_SCALES: [&str; 7] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
];

/// The groups of three digits of `n`, smallest first.
fn groups(mut n: u64) -> Vec<u16> {
    let mut out = Vec::new();
    while n > 0 {
        out.push((n % 1000) as u16);
        n /= 1000;
    }
    out
}

/// `n` in Persian words: ۱٬۲۵۰٬۰۰۰ is «یک میلیون و دویست و پنجاه هزار».
pub fn persian(n: u64) -> String {
    if n == 0 {
        return FA_ONES[0].to_owned();
    }
    let mut parts = Vec::new();
    for (scale, group) in groups(n).into_iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        // «هزار», not «یک هزار»; every larger scale keeps its «یک».
        let words = if group == 1 && scale == 1 {
            String::new()
        } else {
            persian_below_thousand(group)
        };
        let part = match (words.is_empty(), FA_SCALES[scale]) {
            (_, "") => words,
            (true, scale) => scale.to_owned(),
            (false, scale) => format!("{words} {scale}"),
        };
        parts.push(part);
    }
    parts.join(" و ")
}

fn persian_below_thousand(n: u16) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let mut parts = Vec::new();
    if hundreds > 0 {
        parts.push(FA_HUNDREDS[hundreds as usize].to_owned());
    }
    match rest {
        0 => {}
        1..=19 => parts.push(FA_ONES[rest as usize].to_owned()),
        _ => {
            parts.push(FA_TENS[(rest / 10) as usize].to_owned());
            if rest % 10 > 0 {
                parts.push(FA_ONES[(rest % 10) as usize].to_owned());
            }
        }
    }
    parts.join(" و ")
}

/// `n` in English words: 1,250,000 is "one million two hundred fifty thousand".
pub fn english(n: u64) -> String {
    if n == 0 {
        return EN_ONES[0].to_owned();
    }
    let mut parts = Vec::new();
    for (scale, group) in groups(n).into_iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        let words = english_below_thousand(group);
        parts.push(match EN_SCALES[scale] {
            "" => words,
            scale => format!("{words} {scale}"),
        });
    }
    parts.join(" ")
}

fn english_below_thousand(n: u16) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let mut parts = Vec::new();
    if hundreds > 0 {
        parts.push(format!("{} hundred", EN_ONES[hundreds as usize]));
    }
    match rest {
        0 => {}
        1..=19 => parts.push(EN_ONES[rest as usize].to_owned()),
        _ if rest % 10 == 0 => parts.push(EN_TENS[(rest / 10) as usize].to_owned()),
        _ => parts.push(format!(
            "{}-{}",
            EN_TENS[(rest / 10) as usize],
            EN_ONES[(rest % 10) as usize]
        )),
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persian_words_read_as_written_on_cheques() {
        let cases = [
            (0, "صفر"),
            (7, "هفت"),
            (15, "پانزده"),
            (21, "بیست و یک"),
            (105, "صد و پنج"),
            (999, "نهصد و نود و نه"),
            (1_000, "هزار"),
            (1_001, "هزار و یک"),
            (2_500, "دو هزار و پانصد"),
            (15_000_000, "پانزده میلیون"),
            (1_250_000, "یک میلیون و دویست و پنجاه هزار"),
            (1_000_000_000, "یک میلیارد"),
            (12_000_000_000_000, "دوازده هزار میلیارد"),
            (101_001_000, "صد و یک میلیون و هزار"),
        ];
        for (n, words) in cases {
            assert_eq!(persian(n), words, "{n}");
        }
    }

    #[test]
    fn english_words() {
        let cases = [
            (0, "zero"),
            (15, "fifteen"),
            (40, "forty"),
            (42, "forty-two"),
            (1_000, "one thousand"),
            (1_250_000, "one million two hundred fifty thousand"),
            (15_000_000, "fifteen million"),
            (2_000_000_005, "two billion five"),
        ];
        for (n, words) in cases {
            assert_eq!(english(n), words, "{n}");
        }
    }

    #[test]
    fn every_number_up_to_the_largest_has_words_without_gaps() {
        for n in (0..2_000_000u64).step_by(997).chain([u64::MAX]) {
            for words in [persian(n), english(n)] {
                assert!(
                    !words.is_empty() && !words.contains("  ") && !words.starts_with(' '),
                    "{n}: {words:?}"
                );
                assert!(!words.contains("و و") && !words.ends_with(" و"), "{n}: {words:?}");
            }
        }
    }
}
