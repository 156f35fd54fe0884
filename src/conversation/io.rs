//! What goes into and comes out of the conversation, free of any channel's types.

use serde::{Deserialize, Serialize};

use crate::domain::DocumentRef;
use crate::i18n::Msg;

/// Something the applicant did.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Typed text, commands included.
    Text(String),
    /// A pressed button; `turn` is the dialogue turn the button was drawn in.
    Button {
        turn: u64,
        key: String,
    },
    /// A shared contact (Telegram's "share my phone number"). `own` when the messenger vouches
    /// that it is the sender's own number (the contact's user id is the sender's).
    Contact {
        phone: String,
        own: bool,
    },
    Document(DocumentRef),
    /// The applicant is back after their session ended (a terminal chat started again):
    /// whatever they left unfinished is shown again.
    Returned,
    /// A score pressed on the notice of a decision or a complaint's answer. Not tied to the
    /// dialogue's turn: the notice may be days old.
    Rate {
        subject: crate::domain::rating::RatingSubject,
        score: crate::domain::rating::Score,
    },
    /// "I have seen it" pressed under a notice (its outbox id); not tied to the dialogue's
    /// turn either.
    Seen {
        notice: i64,
    },
}

/// A button (or numbered option in the terminal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub key: String,
    pub label: Msg,
}

impl Choice {
    pub fn new(key: impl Into<String>, label: Msg) -> Self {
        Self { key: key.into(), label }
    }
}

/// One message from the bot. It serialises, so that it can wait in the database until it is
/// sent (`store::replies`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reply {
    /// Paragraphs, joined with blank lines.
    pub lines: Vec<Msg>,
    /// Options to pick from; the terminal numbers them.
    pub choices: Vec<Choice>,
    /// Moves out of the current question (back, skip, cancel); buttons, never numbered.
    pub nav: Vec<Choice>,
    /// The channel should offer a "share my phone number" button.
    pub ask_contact: bool,
    /// The question takes a file.
    pub expects_document: bool,
    /// The dialogue turn the buttons belong to.
    pub turn: u64,
}

impl Reply {
    /// Whether there is nothing in it to send.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.choices.is_empty() && self.nav.is_empty()
    }

    pub fn text(msg: Msg) -> Self {
        Self {
            lines: vec![msg],
            ..Self::default()
        }
    }

    pub fn line(mut self, msg: Msg) -> Self {
        self.lines.push(msg);
        self
    }
}
