//! Bot API updates to conversation inputs.

use teloxide::types::{CallbackQueryId, Message, Update, UpdateKind};

use crate::channels::parse_button_data;
use crate::conversation::Input;
use crate::domain::field::mime_from_name;
use crate::domain::{DocumentRef, DocumentSource};
use crate::i18n::Locale;

/// An input from a private chat, with the callback query to answer if it was a button.
pub struct Incoming {
    pub chat_id: i64,
    pub input: Input,
    pub callback_id: Option<CallbackQueryId>,
    /// The user's language as the messenger reports it ("fa", "en-US"), when it is one of ours.
    pub language: Option<Locale>,
}

fn language_of(user: Option<&teloxide::types::User>) -> Option<Locale> {
    let code = user?.language_code.as_deref()?;
    Locale::parse(code.split(['-', '_']).next()?.to_ascii_lowercase().as_str())
}

/// `None` for updates we do not act on: groups and channels, edits, service messages.
pub fn incoming(update: &Update) -> Option<Incoming> {
    match &update.kind {
        UpdateKind::Message(message) if message.chat.is_private() => {
            let input = message_input(message)?;
            Some(Incoming {
                chat_id: message.chat.id.0,
                input,
                callback_id: None,
                language: language_of(message.from.as_ref()),
            })
        }
        UpdateKind::CallbackQuery(query) => {
            let message = query.message.as_ref()?;
            if !message.chat().is_private() {
                return None;
            }
            let data = query.data.as_deref().unwrap_or_default();
            // A score pressed on a notice is not tied to the dialogue's turn.
            let input = match crate::domain::rating::parse_button_data(data) {
                Some((subject, score)) => Input::Rate { subject, score },
                None if let Some(notice) = crate::domain::seen::parse_button_data(data) => Input::Seen { notice },
                None => {
                    // Data we did not produce is treated like a button from an old message.
                    let (turn, key) = parse_button_data(data).unwrap_or((u64::MAX, String::new()));
                    Input::Button { turn, key }
                }
            };
            Some(Incoming {
                chat_id: message.chat().id.0,
                input,
                callback_id: Some(query.id.clone()),
                language: language_of(Some(&query.from)),
            })
        }
        _ => None,
    }
}

fn message_input(message: &Message) -> Option<Input> {
    if let Some(text) = message.text() {
        return Some(Input::Text(text.to_owned()));
    }
    if let Some(contact) = message.contact() {
        // Telegram fills the contact's user id; it is the sender's own number only when that id
        // is the sender's.
        let own = contact.user_id.is_some() && contact.user_id == message.from.as_ref().map(|u| u.id);
        return Some(Input::Contact {
            phone: contact.phone_number.clone(),
            own,
        });
    }
    if let Some(doc) = message.document() {
        let file_name = doc.file_name.clone().unwrap_or_else(|| "document".into());
        let mime = doc
            .mime_type
            .as_ref()
            .map_or_else(|| mime_from_name(&file_name).to_owned(), |m| m.to_string());
        return Some(Input::Document(DocumentRef {
            file_name,
            mime,
            size_bytes: doc.file.size.into(),
            source: DocumentSource::Bot {
                file_id: doc.file.id.to_string(),
            },
        }));
    }
    if let Some(sizes) = message.photo() {
        // Telegram sends a photo in several sizes; the largest is the one worth keeping.
        let largest = sizes.iter().max_by_key(|p| p.width * p.height)?;
        return Some(Input::Document(DocumentRef {
            file_name: "photo.jpg".into(),
            mime: "image/jpeg".into(),
            size_bytes: largest.file.size.into(),
            source: DocumentSource::Bot {
                file_id: largest.file.id.to_string(),
            },
        }));
    }
    // Stickers, voice notes and the like: answered as text the conversation does not expect.
    Some(Input::Text(String::new()))
}
