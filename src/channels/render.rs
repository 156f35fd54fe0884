//! A reply rendered in the applicant's language, ready for any channel to draw.

use crate::conversation::Reply;
use crate::conversation::messages as m;
use crate::i18n::{I18n, Locale};

/// A button with its localised label and the data that comes back when it is pressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub label: String,
    /// `turn:key`: the turn lets the conversation refuse a button from an older message.
    pub data: String,
    pub key: String,
}

/// A reply in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub choices: Vec<Button>,
    pub nav: Vec<Button>,
    /// The label of the "share my phone number" button, when the question asks for one.
    pub contact_button: Option<String>,
    /// The line that points to that button, for channels that draw it: the question itself
    /// does not mention it, since the terminal has no such button.
    pub contact_hint: Option<String>,
    pub expects_document: bool,
}

pub fn render(i18n: &I18n, locale: Locale, reply: &Reply) -> Rendered {
    let button = |c: &crate::conversation::Choice| Button {
        label: i18n.render(locale, &c.label),
        data: format!("{}:{}", reply.turn, c.key),
        key: c.key.clone(),
    };
    Rendered {
        text: reply
            .lines
            .iter()
            .map(|line| i18n.render(locale, line))
            .collect::<Vec<_>>()
            .join("\n"),
        choices: reply.choices.iter().map(button).collect(),
        nav: reply.nav.iter().map(button).collect(),
        contact_button: reply.ask_contact.then(|| i18n.text(locale, m::SHARE_CONTACT)),
        contact_hint: reply.ask_contact.then(|| i18n.text(locale, m::SHARE_CONTACT_HINT)),
        expects_document: reply.expects_document,
    }
}

/// Splits button data back into (turn, key); `None` for data we never produced.
pub fn parse_button_data(data: &str) -> Option<(u64, String)> {
    let (turn, key) = data.split_once(':')?;
    Some((turn.parse().ok()?, key.to_owned()))
}
