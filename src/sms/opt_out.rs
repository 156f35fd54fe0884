//! The words that stop SMS, whether replied to an SMS or written in the chat.

/// Compared after trimming, lower-casing and unifying Arabic and Persian letters.
const OPT_OUT_WORDS: &[&str] = &["لغو", "لغو۱", "لغو1", "stop", "unsubscribe"];

/// Whether a message is an opt-out keyword and nothing else.
pub fn is_opt_out(message: &str) -> bool {
    let word: String = message
        .replace('ي', "ی")
        .replace('ك', "ک")
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    OPT_OUT_WORDS.contains(&word.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_out_words_are_recognised_loosely() {
        assert!(is_opt_out(" لغو "));
        assert!(is_opt_out("STOP"));
        assert!(!is_opt_out("لغو کنید درخواست"));
        assert!(!is_opt_out("hello"));
    }
}
