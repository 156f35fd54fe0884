//! Keeping personal numbers out of logs and shared places: phone numbers, national ids and
//! tracking codes are cut to their last digits, or hidden altogether inside free text.

/// The digits of `value` with all but the last four hidden: `••••••5679`.
pub fn mask_last_four(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().saturating_sub(4);
    digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i < keep { '•' } else { *d })
        .collect()
}

/// `text` with every run of five or more digits (in any script) hidden, so that a message
/// can be logged without the tracking code, phone number or one-time code it carries. Short
/// runs (days, years, counts) stay readable.
pub fn mask_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 5 {
            out.extend(run.chars().map(|_| '•'));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_numeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_the_last_four_digits() {
        assert_eq!(mask_last_four("0012345679"), "••••••5679");
        assert_eq!(mask_last_four("+989121234567"), "••••••••4567");
        assert_eq!(mask_last_four("12"), "12");
    }

    #[test]
    fn long_digit_runs_are_hidden_in_any_script() {
        assert_eq!(mask_digits("code 123456789012345678 ok"), "code •••••••••••••••••• ok");
        assert_eq!(mask_digits("کد ۱۲۳۴۵۶ است"), "کد •••••• است");
        assert_eq!(mask_digits("on 1405/09/02, 3 files"), "on 1405/09/02, 3 files");
    }
}
