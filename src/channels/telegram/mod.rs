//! Telegram and Bale (whose Bot API mirrors Telegram's) through teloxide: updates become
//! conversation inputs, and queued replies become `sendMessage` calls with keyboards.

mod convert;
mod polling;
mod turns;

use anyhow::Context as _;
use secrecy::ExposeSecret;
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup, ReplyMarkup, Update,
};

use super::Rendered;
use crate::app::{Application, Arrival, Origin};
use crate::conversation::Reply;
use crate::conversation::messages as m;
use crate::i18n::Msg;
use crate::staff_chat::StaffChat;

pub use polling::run_polling;

/// A bot on one platform, wired to the application.
#[derive(Clone)]
pub struct TelegramChannel {
    bot: Bot,
    app: Application,
    platform: String,
    staff_chat: Option<StaffChat>,
}

impl TelegramChannel {
    /// A channel for the configured token and API URL; `None` when no token is configured.
    pub fn from_config(app: &Application) -> anyhow::Result<Option<Self>> {
        let config = app.config();
        let Some(token) = &config.telegram.token else {
            return Ok(None);
        };
        let api_url = url::Url::parse(&config.telegram.api_url).context("telegram.api_url")?;
        let bot = Bot::new(token.expose_secret()).set_api_url(api_url);
        Ok(Some(Self {
            bot,
            app: app.clone(),
            platform: config.platform().to_owned(),
            staff_chat: None,
        }))
    }

    /// Routes the staff group's updates to `staff_chat`.
    pub fn with_staff_chat(mut self, staff_chat: StaffChat) -> Self {
        self.staff_chat = Some(staff_chat);
        self
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// Handles one update: the step, with its replies queued for the dispatcher, commits with
    /// the update id. Errors are the caller's to report; the update's own transaction has
    /// rolled back, so handling it again is safe.
    #[tracing::instrument(skip_all, fields(platform = %self.platform, update_id = update.id.0))]
    pub async fn handle_update(&self, update: &Update) -> anyhow::Result<()> {
        self.handle_updates(&[update]).await
    }

    /// Handles updates of different chats together: the applicants' steps commit in one
    /// transaction with their replies and update ids (all or none), the staff group's each on
    /// its own. Errors are the caller's to report; handling the updates again is safe, as
    /// an update handled before is known.
    pub async fn handle_updates(&self, updates: &[&Update]) -> anyhow::Result<()> {
        let mut arrivals = Vec::with_capacity(updates.len());
        let mut pressed = Vec::new();
        for update in updates {
            if let Some(staff_chat) = self.staff_chat.as_ref().filter(|s| s.owns(update)) {
                staff_chat.handle_update(&self.platform, update).await?;
                continue;
            }
            let Some(incoming) = convert::incoming(update) else {
                tracing::debug!("update ignored: not from a private chat, or of a kind we do not handle");
                continue;
            };
            let origin = Origin {
                platform: &self.platform,
                chat_id: incoming.chat_id,
                update_id: Some(update.id.0.into()),
                language: incoming.language,
            };
            arrivals.push(Arrival {
                origin,
                input: incoming.input,
            });
            pressed.extend(incoming.callback_id);
        }
        if !arrivals.is_empty() {
            self.app.handle_and_queue_each(arrivals).await?;
        }
        // Stops each pressed button's spinner; what the press did arrives as a message. Not
        // waited for: a batch's answers need not go one after the other.
        for id in pressed {
            let bot = self.bot.clone();
            tokio::spawn(async move {
                if let Err(err) = bot.answer_callback_query(id).await {
                    tracing::warn!(error = %err, "answering a callback query failed");
                }
            });
        }
        Ok(())
    }

    /// Tells the applicant their message was not saved, in their language: queued like any
    /// reply, or sent at once if even that fails.
    pub async fn apologise(&self, update: &Update) {
        let Some(incoming) = convert::incoming(update) else {
            return;
        };
        let locale = self.app.locale_of(&self.platform, incoming.chat_id).await;
        let apology = Reply::text(Msg::new(m::INTERNAL_ERROR));
        let queued = self
            .app
            .queue_reply(&self.platform, incoming.chat_id, locale, apology)
            .await;
        if let Err(err) = queued {
            tracing::warn!(
                error = format!("{err:#}"),
                "could not queue the apology; sending it at once"
            );
            let text = self.app.i18n().text(locale, m::INTERNAL_ERROR);
            if let Err(err) = self.bot.send_message(ChatId(incoming.chat_id), text).await {
                tracing::warn!(error = %err, "could not send the apology");
            }
        }
    }
}

/// The chat an update belongs to (0 for the few kinds that have none): what a chat's updates
/// are kept in order by.
pub fn chat_of(update: &Update) -> i64 {
    update.chat().map_or(0, |c| c.id.0)
}

/// Sends a rendered reply, with its keyboard, to a chat.
pub async fn send_rendered(bot: &Bot, chat: ChatId, rendered: &Rendered) -> Result<(), teloxide::RequestError> {
    let text = match &rendered.contact_hint {
        Some(hint) => format!("{}\n{hint}", rendered.text),
        None => rendered.text.clone(),
    };
    let mut request = bot.send_message(chat, text);
    if let Some(markup) = markup(rendered) {
        request = request.reply_markup(markup);
    }
    request.await.map(drop)
}

/// Inline buttons, except when the question asks for the phone number: that button exists only
/// on a reply keyboard, whose buttons send their label as text (which the conversation reads).
fn markup(rendered: &Rendered) -> Option<ReplyMarkup> {
    if let Some(contact) = &rendered.contact_button {
        let mut rows = vec![vec![
            KeyboardButton::new(contact.clone()).request(ButtonRequest::Contact),
        ]];
        rows.push(
            rendered
                .nav
                .iter()
                .map(|b| KeyboardButton::new(b.label.clone()))
                .collect(),
        );
        return Some(ReplyMarkup::Keyboard(
            KeyboardMarkup::new(rows).resize_keyboard().one_time_keyboard(),
        ));
    }
    if rendered.choices.is_empty() && rendered.nav.is_empty() {
        return None;
    }
    let button = |b: &super::Button| InlineKeyboardButton::callback(b.label.clone(), b.data.clone());
    let mut rows: Vec<Vec<InlineKeyboardButton>> = rendered.choices.iter().map(|b| vec![button(b)]).collect();
    if !rendered.nav.is_empty() {
        rows.push(rendered.nav.iter().map(button).collect());
    }
    Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(rows)))
}
