//! Long polling with `getUpdates`, resuming after the last update handled.

use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use tokio::sync::watch;

use super::TelegramChannel;
use crate::store::updates;

/// Polls until `shutdown` turns true. Each update is handled in turn, so one chat's messages
/// keep their order.
pub async fn run_polling(channel: TelegramChannel, timeout_secs: u32, mut shutdown: watch::Receiver<bool>) {
    if let Err(err) = channel.bot.delete_webhook().await {
        tracing::warn!(error = %err, "could not remove a webhook before polling");
    }
    let mut offset: Option<i32> = None;
    let mut backoff = Duration::from_secs(1);
    loop {
        if offset.is_none() {
            offset = match updates::last_handled(channel.app.pool(), &channel.platform).await {
                Ok(last) => Some(last.map_or(0, |id| i32::try_from(id + 1).unwrap_or(0))),
                Err(err) => {
                    tracing::error!(error = %err, "reading the last handled update failed");
                    None
                }
            };
        }
        let request = channel
            .bot
            .get_updates()
            .offset(offset.unwrap_or(0))
            .timeout(timeout_secs)
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
        let result = tokio::select! {
            result = request.send() => result,
            _ = shutdown.changed() => return,
        };
        match result {
            Ok(batch) => {
                backoff = Duration::from_secs(1);
                for update in batch {
                    offset = Some(update.id.0 as i32 + 1);
                    if let Err(err) = channel.handle_update(&update).await {
                        tracing::error!(error = format!("{err:#}"), "handling an update failed");
                        channel.apologise(&update).await;
                    }
                }
            }
            Err(err) => {
                // teloxide scrubs the token out of URLs in its errors.
                tracing::warn!(error = %err, retry_in = ?backoff, "getUpdates failed");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
