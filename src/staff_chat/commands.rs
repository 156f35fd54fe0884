//! Commands written in the staff group: `/broadcast [SERVICE-ID] TEXT` drafts a notice and posts
//! its card, with the preview and reach, for an operator to send or drop.

use teloxide::prelude::*;
use teloxide::types::{Message, ReplyParameters};

use super::StaffChat;
use crate::broadcast::{self, BroadcastError, Target};
use crate::conversation::messages as m;
use crate::domain::Role;
use crate::i18n::Msg;
use crate::store::{staff, updates};

/// The rest of a `/broadcast` command (also `/broadcast@bot_name`), or none for other text.
pub fn broadcast_text(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix("/broadcast")?;
    let rest = match rest.strip_prefix('@') {
        Some(named) => named.split_once(char::is_whitespace).map_or("", |(_, rest)| rest),
        None if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest,
        None => return None,
    };
    Some(rest.trim())
}

/// Drafts the broadcast and posts its card; a refusal (not staff, not an operator, no text) is
/// answered in reply to the command.
pub async fn broadcast(
    chat: &StaffChat,
    platform: &str,
    update_id: i64,
    message: &Message,
    text: &str,
) -> anyhow::Result<()> {
    let app = &chat.inner.app;
    let mut tx = app.pool().begin().await?;
    if !updates::claim(&mut tx, platform, update_id).await? {
        return Ok(());
    }
    let user = message
        .from
        .as_ref()
        .and_then(|u| i64::try_from(u.id.0).ok())
        .unwrap_or(-1);
    let drafted = match staff::by_telegram_user(&mut tx, user).await? {
        None => Err(Msg::new(m::STAFF_NOT_REGISTERED)),
        Some(member) if !matches!(member.role, Role::Operator | Role::Admin) => Err(Msg::new(m::STAFF_FORBIDDEN)),
        Some(member) => {
            let (target, body) = split_target(app.catalog(), text);
            match broadcast::draft(&mut tx, app.catalog(), target, body, &member.actor()).await {
                Ok((drafted, _)) => Ok(drafted.id),
                Err(BroadcastError::Unexpected(err)) => return Err(err),
                Err(_) => Err(Msg::new(m::STAFF_BROADCAST_USAGE)),
            }
        }
    };
    tx.commit().await?;
    match drafted {
        Ok(id) => {
            let mut conn = app.pool().acquire().await?;
            let card = chat.composer().broadcast(&mut conn, id).await?;
            drop(conn);
            if let Some(card) = card {
                chat.send_card(&card)
                    .await
                    .map_err(|e| anyhow::anyhow!("posting the draft: {e:?}"))?;
            }
        }
        Err(said) => {
            chat.inner
                .bot
                .send_message(ChatId(chat.inner.chat_id), chat.render(&said))
                .reply_parameters(ReplyParameters::new(message.id))
                .await?;
        }
    }
    Ok(())
}

/// A first word naming a service sends to its applicants; anything else is all text, to everyone.
fn split_target<'t>(catalog: &crate::domain::Catalog, text: &'t str) -> (Target<'t>, &'t str) {
    // A service id alone is a broadcast with no text, not a text that is a service id.
    let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    match catalog.get(first) {
        Some(_) => (Target::Service(first), rest.trim()),
        None => (Target::Everyone, text),
    }
}

#[cfg(test)]
mod tests {
    use super::broadcast_text;

    #[test]
    fn the_command_is_recognised_with_or_without_the_bots_name() {
        assert_eq!(broadcast_text("/broadcast سلام"), Some("سلام"));
        assert_eq!(
            broadcast_text("/broadcast@peygir_bot plate-removal متن"),
            Some("plate-removal متن")
        );
        assert_eq!(broadcast_text("/broadcast"), Some(""));
        assert_eq!(broadcast_text("/broadcasting x"), None);
        assert_eq!(broadcast_text("سلام"), None);
    }
}
