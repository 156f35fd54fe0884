//! The words that stop SMS, whether replied to an SMS or written in the chat.

use crate::domain::digits::{is_separator, to_ascii_digits};

/// Compared after lower-casing, unifying Arabic and Persian letters, reading every digit script
/// as ASCII and dropping spaces, joiners and marks. «۱۱» and «لغو ۱۱» are what the regulator
/// tells people to send to a service line to stop its informational SMS.
const OPT_OUT_WORDS: &[&str] = &["11", "لغو11", "لغو", "لغو1", "انصراف", "stop", "unsubscribe"];

/// Whether a message is an opt-out keyword and nothing else.
pub fn is_opt_out(message: &str) -> bool {
    let word: String = to_ascii_digits(&message.replace('ي', "ی").replace('ك', "ک"))
        .to_lowercase()
        .chars()
        .filter(|c| !is_separator(*c))
        .collect();
    OPT_OUT_WORDS.contains(&word.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_out_words_are_recognised_loosely() {
        assert!(is_opt_out(" لغو "));
        for regulator in ["۱۱", "11", "١١", "لغو۱۱", "لغو ۱۱", "لغو11", "لغو\u{200C}۱۱", "انصراف"]
        {
            assert!(is_opt_out(regulator), "{regulator}");
        }
        assert!(!is_opt_out("۱۲"));
        assert!(is_opt_out("STOP"));
        assert!(!is_opt_out("لغو کنید درخواست"));
        assert!(!is_opt_out("hello"));
    }
}
