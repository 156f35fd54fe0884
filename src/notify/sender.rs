//! Where a notice goes: a Bot API chat, or the terminal chat's screen. Failures are sorted
//! into what the dispatcher does next.

use std::time::Duration;

use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::{ApiError, Bot};

use crate::channels::terminal::TerminalOutput;

/// A channel a notice can be sent through.
#[derive(Clone)]
pub enum ChatSender {
    Bot(Bot),
    Terminal(TerminalOutput),
}

/// Why a send failed, sorted by what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The other side asked us to wait (HTTP 429 with `retry_after`).
    RetryAfter(Duration),
    /// The applicant blocked the bot or closed the account: chat will not reach them.
    Blocked(String),
    /// Worth another try later (network, server errors).
    Temporary(String),
    /// Will never succeed as sent.
    Permanent(String),
}

impl ChatSender {
    /// Whether the Bot API's rate limits apply; the terminal has none.
    pub fn is_paced(&self) -> bool {
        matches!(self, Self::Bot(_))
    }

    /// Whether it can show buttons under a message; the terminal cannot.
    pub fn has_buttons(&self) -> bool {
        matches!(self, Self::Bot(_))
    }

    /// Sends `text`, with `buttons` (label, callback data) in one row under it when given.
    pub async fn send(&self, chat_id: i64, text: String, buttons: &[(String, String)]) -> Result<(), SendError> {
        match self {
            Self::Bot(bot) => {
                let request = bot.send_message(ChatId(chat_id), text);
                let request = if buttons.is_empty() {
                    request
                } else {
                    let row = buttons
                        .iter()
                        .map(|(label, data)| InlineKeyboardButton::callback(label.clone(), data.clone()));
                    request.reply_markup(InlineKeyboardMarkup::new([row]))
                };
                request.await.map(drop).map_err(classify)
            }
            Self::Terminal(output) => output
                .write(&format!("{text}\n\n"))
                .await
                .map_err(|e| SendError::Temporary(e.to_string())),
        }
    }
}

/// Sorts a Bot API failure by what the dispatcher does next.
pub fn classify(err: RequestError) -> SendError {
    match err {
        RequestError::RetryAfter(wait) => SendError::RetryAfter(wait.duration()),
        RequestError::Api(
            api @ (ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::CantInitiateConversation
            | ApiError::ChatNotFound),
        ) => SendError::Blocked(api.to_string()),
        RequestError::Api(ApiError::Unknown(text)) if !text.starts_with("Bad Request") => SendError::Temporary(text),
        RequestError::Api(api) => SendError::Permanent(api.to_string()),
        // teloxide removes the token from the URLs in network errors.
        other => SendError::Temporary(other.to_string()),
    }
}
