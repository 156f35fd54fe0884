//! The staff chat: a Telegram or Bale group where reviewers see each new request, complaint
//! and document as a card with buttons for the actions open at its stage, and act by pressing
//! them (replying with a note where the workflow asks for one). Posts come from the outbox;
//! presses and replies arrive with the bot's other updates.

mod actions;
pub mod buttons;
pub mod card;
mod commands;

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, Update, UpdateKind};

use crate::app::Application;
use crate::conversation::messages as m;
use crate::domain::TrackingCode;
use crate::i18n::{Arg, Locale, Msg};
use crate::notify::sender::classify;
use crate::notify::{Budget, Lane, SendError};
use crate::store::documents;
use crate::store::outbox::StaffSubject;
use buttons::ButtonSigner;
use card::{Card, Composer};

/// The staff group on the bot's platform.
#[derive(Clone)]
pub struct StaffChat {
    inner: Arc<Inner>,
}

struct Inner {
    app: Application,
    bot: Bot,
    /// The bot's send budget: the group's answers to staff take their slots like replies do.
    budget: Budget,
    chat_id: i64,
    locale: Locale,
    signer: ButtonSigner,
}

impl StaffChat {
    /// The configured staff chat on `bot`, answering within `budget`; `None` when none is
    /// configured.
    pub async fn from_config(app: &Application, bot: Bot, budget: Budget) -> anyhow::Result<Option<Self>> {
        let Some(config) = &app.config().staff_chat else {
            return Ok(None);
        };
        let signer = ButtonSigner::load(app.pool()).await?;
        Ok(Some(Self {
            inner: Arc::new(Inner {
                app: app.clone(),
                bot,
                budget,
                chat_id: config.chat_id,
                locale: app.config().staff_locale(),
                signer,
            }),
        }))
    }

    /// Whether an update comes from the staff group (and so is handled here, not as an applicant's).
    pub fn owns(&self, update: &Update) -> bool {
        let chat = match &update.kind {
            UpdateKind::Message(message) => Some(message.chat.id),
            UpdateKind::CallbackQuery(query) => query.message.as_ref().map(|m| m.chat().id),
            _ => None,
        };
        chat == Some(ChatId(self.inner.chat_id))
    }

    /// Handles a press or a reply in the staff group; see [`actions`].
    pub async fn handle_update(&self, platform: &str, update: &Update) -> anyhow::Result<()> {
        actions::handle(self, platform, update).await
    }

    /// Posts what `subject` names, headed by `headline`.
    pub async fn post(&self, subject: StaffSubject, headline: &Msg) -> Result<(), SendError> {
        let unexpected = |err: anyhow::Error| SendError::Temporary(format!("{err:#}"));
        // Read what to post, then let the connection go before calling the Bot API.
        let post = async {
            let mut conn = self.inner.app.pool().acquire().await?;
            anyhow::Ok(match subject {
                StaffSubject::Request(id) => Post::Card(self.composer().request(&mut conn, id, headline).await?),
                StaffSubject::Complaint(id) => Post::Card(self.composer().complaint(&mut conn, id, headline).await?),
                StaffSubject::Document(id) => {
                    Post::Document(documents::fetch(&mut conn, self.inner.app.vault(), id).await?)
                }
                StaffSubject::Notice => Post::Card(Some(Card {
                    text: self.render(headline),
                    buttons: Vec::new(),
                })),
            })
        };
        match post.await.map_err(unexpected)? {
            Post::Card(Some(card)) => self.send_card(&card).await,
            Post::Document(Some(doc)) => self.send_document(doc, headline).await,
            Post::Card(None) | Post::Document(None) => {
                Err(SendError::Permanent("the subject of the post no longer exists".into()))
            }
        }
    }

    async fn send_document(&self, doc: documents::StoredDocument, headline: &Msg) -> Result<(), SendError> {
        let file = match (doc.bot_file_id, doc.content) {
            (Some(file_id), _) => InputFile::file_id(FileId(file_id)),
            (None, Some(bytes)) => InputFile::memory(bytes).file_name(doc.file_name.clone()),
            (None, None) => return Err(SendError::Permanent("the document has no content".into())),
        };
        let code = TrackingCode::from_stored(doc.request_code).map_or(Arg::Text("-".into()), Arg::Code);
        let caption = Msg::new(m::STAFF_DOCUMENT_CAPTION)
            .arg("headline", Arg::Text(self.render(headline)))
            .arg("name", Arg::Text(doc.file_name))
            .arg("code", code);
        self.inner
            .bot
            .send_document(ChatId(self.inner.chat_id), file)
            .caption(self.render(&caption))
            .await
            .map(drop)
            .map_err(classify)
    }

    async fn send_card(&self, card: &Card) -> Result<(), SendError> {
        let mut request = self
            .inner
            .bot
            .send_message(ChatId(self.inner.chat_id), card.text.clone());
        if !card.buttons.is_empty() {
            request = request.reply_markup(keyboard(card));
        }
        request.await.map(drop).map_err(classify)
    }

    /// Replaces a card's text and buttons in place, after an action changed its subject.
    async fn refresh(&self, message: MessageId, card: &Card) {
        self.inner.budget.acquire(Lane::Reply).await;
        let request = self
            .inner
            .bot
            .edit_message_text(ChatId(self.inner.chat_id), message, card.text.clone())
            .reply_markup(keyboard(card));
        if let Err(err) = request.await {
            tracing::warn!(error = %err, "refreshing a staff card failed");
        }
    }

    fn composer(&self) -> Composer<'_> {
        let app = &self.inner.app;
        Composer {
            i18n: app.i18n(),
            catalog: app.catalog(),
            vault: app.vault(),
            signer: &self.inner.signer,
            locale: self.inner.locale,
        }
    }

    /// Answers a message in the group, as a reply to it; a failure is logged, not returned,
    /// since what the answer is about has already happened.
    async fn reply_to(&self, message: MessageId, msg: &Msg) {
        self.inner.budget.acquire(Lane::Reply).await;
        let sent = self
            .inner
            .bot
            .send_message(ChatId(self.inner.chat_id), self.render(msg))
            .reply_parameters(teloxide::types::ReplyParameters::new(message))
            .await;
        if let Err(err) = sent {
            tracing::warn!(error = %err, "answering in the staff group failed");
        }
    }

    fn render(&self, msg: &Msg) -> String {
        self.inner.app.i18n().render(self.inner.locale, msg)
    }
}

/// What a staff post sends, once read from the database.
enum Post {
    Card(Option<Card>),
    Document(Option<documents::StoredDocument>),
}

fn keyboard(card: &Card) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(
        card.buttons
            .iter()
            .map(|(label, data)| vec![InlineKeyboardButton::callback(label.clone(), data.clone())]),
    )
}
