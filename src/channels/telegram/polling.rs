//! Long polling with `getUpdates`. A batch (100 updates at most, so memory stays bounded and a
//! flood slows polling rather than filling a queue) is handled chats side by side, each chat's
//! updates in order. The offset moves past a batch, and is stored for a restart, only once
//! every update of it is stored: while the database is away the offset holds and the batch is
//! handled again later (what was stored already is recognised), so no update is dropped.

use std::collections::HashMap;
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Update};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::TelegramChannel;
use crate::app::{is_transient, with_retries};
use crate::store::poll_offsets;

/// How long a passing database fault is ridden out in process before the batch is put off.
const PATIENCE: Duration = Duration::from_secs(5);

/// Polls until `shutdown` turns true.
pub async fn run_polling(channel: TelegramChannel, timeout_secs: u32, mut shutdown: watch::Receiver<bool>) {
    if let Err(err) = channel.bot.delete_webhook().await {
        tracing::warn!(error = %err, "could not remove a webhook before polling");
    }
    let mut offset: Option<i64> = None;
    let mut backoff = Duration::from_secs(1);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let Some(from) = offset else {
            match poll_offsets::resume_from(channel.app.pool(), &channel.platform).await {
                Ok(from) => offset = Some(from),
                Err(err) => {
                    tracing::error!(error = %err, "reading where polling resumes failed");
                    if pause(&mut backoff, &mut shutdown).await {
                        return;
                    }
                }
            }
            continue;
        };
        let request = channel
            .bot
            .get_updates()
            .offset(i32::try_from(from).unwrap_or(0))
            .timeout(timeout_secs)
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
        let result = tokio::select! {
            result = request.send() => result,
            _ = shutdown.changed() => return,
        };
        match result {
            Ok(batch) if batch.is_empty() => backoff = Duration::from_secs(1),
            Ok(batch) => {
                let next = batch.iter().map(|u| i64::from(u.id.0) + 1).max().unwrap_or(from);
                if handle_batch(&channel, batch).await {
                    backoff = Duration::from_secs(1);
                    offset = Some(next);
                    // Were this lost, a restart would only see the batch again, and know it.
                    if let Err(err) = poll_offsets::advance(channel.app.pool(), &channel.platform, next).await {
                        tracing::warn!(error = %err, "storing the polling offset failed");
                    }
                } else {
                    tracing::warn!(retry_in = ?backoff, "the database is unreachable; the batch waits");
                    if pause(&mut backoff, &mut shutdown).await {
                        return;
                    }
                }
            }
            Err(err) => {
                // teloxide scrubs the token out of URLs in its errors.
                tracing::warn!(error = %err, retry_in = ?backoff, "getUpdates failed");
                if pause(&mut backoff, &mut shutdown).await {
                    return;
                }
            }
        }
    }
}

/// Waits `backoff` (doubling it, to 30 s at most); true when shutdown came first.
async fn pause(backoff: &mut Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    let stopped = tokio::select! {
        _ = tokio::time::sleep(*backoff) => false,
        _ = shutdown.changed() => true,
    };
    *backoff = (*backoff * 2).min(Duration::from_secs(30));
    stopped
}

/// Handles a batch, one task per chat; true when every update of it is stored (or could
/// never be, and its sender was told so).
async fn handle_batch(channel: &TelegramChannel, batch: Vec<Update>) -> bool {
    let mut chats: HashMap<i64, Vec<Update>> = HashMap::new();
    for update in batch {
        let chat = update.chat().map_or(0, |c| c.id.0);
        chats.entry(chat).or_default().push(update);
    }
    let mut tasks = JoinSet::new();
    for (_, updates) in chats {
        let channel = channel.clone();
        tasks.spawn(async move {
            for update in &updates {
                if !handle_one(&channel, update).await {
                    return false;
                }
            }
            true
        });
    }
    let mut all_stored = true;
    while let Some(joined) = tasks.join_next().await {
        // A panic is a bug that would recur on every retry: it must not hold polling up.
        all_stored &= joined.unwrap_or_else(|err| {
            tracing::error!(error = %err, "handling a chat's updates panicked; they are skipped");
            true
        });
    }
    all_stored
}

/// Handles one update, riding out passing database faults; false when one outlasted them.
/// Any other failure is final: the sender is told their message was not saved.
async fn handle_one(channel: &TelegramChannel, update: &Update) -> bool {
    match with_retries(PATIENCE, || channel.handle_update(update)).await {
        Ok(()) => true,
        Err(err) if is_transient(&err) => false,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "handling an update failed");
            channel.apologise(update).await;
            true
        }
    }
}
