//! Long polling with `getUpdates`. A batch is stored in the inbox table in the transaction that
//! moves the polling offset past it: an update is acknowledged only once stored, and while the
//! database is away the offset holds and the batch is fetched again later. Workers then handle
//! the stored updates with chats taking turns (see `turns`): a chat's updates in order, chats
//! side by side, and a chat flooding the bot holds up another by one update at most, however
//! many batches its flood spans. Polling pauses while too many updates wait, so a flood fills
//! neither memory nor the disk: the Bot API keeps the rest.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Update};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::turns::{Turn, Turns};
use super::{TelegramChannel, chat_of};
use crate::app::{is_transient, with_retries};
use crate::store::{inbox, poll_offsets};

/// How long a passing database fault is ridden out in process before backing off.
const PATIENCE: Duration = Duration::from_secs(5);
/// Updates of one chat kept in memory; the rest are read back from the table in turn.
const PER_CHAT_IN_MEMORY: usize = 8;
/// Updates kept in memory in all.
const IN_MEMORY: usize = 2_000;
/// Polling pauses while this many updates wait to be handled.
const MAX_WAITING: usize = 20_000;
/// Updates of different chats a worker handles together, in one transaction: under a flood
/// the statements of one step serve many chats.
const BATCH: usize = 32;
/// How often handled updates are deleted from the table, together.
const FORGET_EVERY: Duration = Duration::from_millis(20);

/// The stored updates waiting for a worker, and a signal for every change to them.
struct Inbox {
    turns: Mutex<Turns<Update>>,
    changed: Notify,
    /// Handled, and still to be deleted from the table: a statement for many rather than a
    /// round trip each. Should the process die first, they are handled again after the
    /// restart and known as handled (`processed_updates`).
    handled: Mutex<Vec<i64>>,
    /// Wakes the deleter once something is handled, so that an idle bot does no work.
    handled_some: Notify,
}

impl Inbox {
    fn new() -> Self {
        Self {
            turns: Mutex::new(Turns::new(PER_CHAT_IN_MEMORY, IN_MEMORY)),
            changed: Notify::new(),
            handled: Mutex::new(Vec::new()),
            handled_some: Notify::new(),
        }
    }

    /// The update is handled (or can never be): to be deleted with the next few.
    fn forget(&self, update_id: i64) {
        self.handled
            .lock()
            .expect("the inbox lock is never poisoned")
            .push(update_id);
        // A stored permit: the deleter wakes even if it was busy when this came.
        self.handled_some.notify_one();
    }

    fn take_handled(&self) -> Vec<i64> {
        std::mem::take(&mut *self.handled.lock().expect("the inbox lock is never poisoned"))
    }

    fn with<R>(&self, change: impl FnOnce(&mut Turns<Update>) -> R) -> R {
        let result = change(&mut self.turns.lock().expect("the inbox lock is never poisoned"));
        self.changed.notify_waiters();
        result
    }

    /// Waits until `ready` holds of the waiting updates, and returns what it gives.
    async fn wait_for<R>(&self, mut ready: impl FnMut(&mut Turns<Update>) -> Option<R>) -> R {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(found) = ready(&mut self.turns.lock().expect("the inbox lock is never poisoned")) {
                return found;
            }
            changed.await;
        }
    }

    /// The next chats' turns, up to `most`: as many as wait, once one does.
    async fn next_few(&self, most: usize) -> Vec<Turn<Update>> {
        self.wait_for(|turns| {
            let first = turns.next()?;
            let mut taken = vec![first];
            while taken.len() < most
                && let Some(turn) = turns.next()
            {
                taken.push(turn);
            }
            Some(taken)
        })
        .await
    }

    /// Returns once fewer than `MAX_WAITING` updates wait.
    async fn room(&self) {
        self.wait_for(|turns| (turns.len() < MAX_WAITING).then_some(())).await;
    }
}

/// Polls until `shutdown` turns true.
pub async fn run_polling(channel: TelegramChannel, timeout_secs: u32, mut shutdown: watch::Receiver<bool>) {
    if let Err(err) = channel.bot.delete_webhook().await {
        tracing::warn!(error = %err, "could not remove a webhook before polling");
    }
    let inbox = Arc::new(Inbox::new());
    let mut workers = JoinSet::new();
    // More workers than connections, so that the pool is never idle while updates wait: a
    // worker spends part of each update away from the database (sealing, rendering).
    for _ in 0..2 * channel.app.config().database.max_connections {
        workers.spawn(work(channel.clone(), inbox.clone(), shutdown.clone()));
    }
    workers.spawn(forget_handled(channel.clone(), inbox.clone(), shutdown.clone()));
    poll(&channel, &inbox, timeout_secs, &mut shutdown).await;
    while workers.join_next().await.is_some() {}
}

/// Deletes handled updates from the table, those of `FORGET_EVERY` together, and once more at
/// shutdown.
async fn forget_handled(channel: TelegramChannel, inbox: Arc<Inbox>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let stopping = tokio::select! {
            () = async {
                inbox.handled_some.notified().await;
                tokio::time::sleep(FORGET_EVERY).await;
            } => false,
            _ = shutdown.changed() => true,
        };
        let handled = inbox.take_handled();
        if !handled.is_empty()
            && let Err(err) = inbox::done(channel.app.pool(), &channel.platform, &handled).await
        {
            tracing::warn!(error = %err, "deleting handled updates failed; trying again");
            inbox
                .handled
                .lock()
                .expect("the inbox lock is never poisoned")
                .extend(handled);
            inbox.handled_some.notify_one();
        }
        if stopping {
            return;
        }
    }
}

async fn poll(channel: &TelegramChannel, inbox: &Inbox, timeout_secs: u32, shutdown: &mut watch::Receiver<bool>) {
    let (pool, platform) = (channel.app.pool(), channel.platform.as_str());
    let mut offset: Option<i64> = None;
    let mut backoff = Duration::from_secs(1);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let Some(from) = offset else {
            // Updates stored before a restart are handled first, before any newer of theirs.
            let resumed = async {
                let waiting = inbox::waiting_chats(pool, platform).await?;
                Ok::<_, sqlx::Error>((poll_offsets::resume_from(pool, platform).await?, waiting))
            };
            match resumed.await {
                Ok((from, waiting)) => {
                    inbox.with(|turns| {
                        for chat in waiting {
                            turns.push_stored(chat.chat_id, chat.count);
                        }
                    });
                    offset = Some(from);
                }
                Err(err) => {
                    tracing::error!(error = %err, "reading where polling resumes failed");
                    if pause(&mut backoff, shutdown).await {
                        return;
                    }
                }
            }
            continue;
        };
        tokio::select! {
            () = inbox.room() => {}
            _ = shutdown.changed() => return,
        }
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
                let fetched: Vec<inbox::Fetched> = batch.iter().map(fetched).collect();
                let stored = with_retries(PATIENCE, || async {
                    Ok(inbox::store_batch(pool, channel.app.vault(), platform, &fetched, next).await?)
                })
                .await;
                match stored {
                    Ok(stored) => {
                        backoff = Duration::from_secs(1);
                        offset = Some(next);
                        inbox.with(|turns| {
                            for update in batch {
                                let id = i64::from(update.id.0);
                                if stored.binary_search(&id).is_ok() {
                                    turns.push(chat_of(&update), id, update);
                                }
                            }
                        });
                    }
                    Err(err) => {
                        tracing::warn!(error = format!("{err:#}"), retry_in = ?backoff, "the database is unreachable; the batch is fetched again later");
                        if pause(&mut backoff, shutdown).await {
                            return;
                        }
                    }
                }
            }
            Err(err) => {
                // teloxide scrubs the token out of URLs in its errors.
                tracing::warn!(error = %err, retry_in = ?backoff, "getUpdates failed");
                if pause(&mut backoff, shutdown).await {
                    return;
                }
            }
        }
    }
}

fn fetched(update: &Update) -> inbox::Fetched {
    inbox::Fetched {
        update_id: i64::from(update.id.0),
        chat_id: chat_of(update),
        json: serde_json::to_vec(update).expect("an update serialises"),
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

/// Takes chats' turns until shutdown, those of several chats at once. An update interrupted by
/// shutdown stays in the table and is handled after the restart.
async fn work(channel: TelegramChannel, inbox: Arc<Inbox>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let turns = tokio::select! {
            turns = inbox.next_few(BATCH) => turns,
            _ = shutdown.changed() => return,
        };
        let mut taken = Vec::with_capacity(turns.len());
        for turn in turns {
            match turn {
                Turn::Handle { chat, update_id, item } => taken.push((chat, update_id, item)),
                Turn::Load { chat, after, count } => {
                    let Some(updates) = read_back(&channel, &inbox, chat, after, count, &mut shutdown).await else {
                        return;
                    };
                    inbox.with(|turns| turns.loaded(chat, updates));
                }
            }
        }
        if taken.is_empty() {
            continue;
        }
        let updates: Vec<&Update> = taken.iter().map(|(_, _, update)| update).collect();
        if !handle_together(&channel, &updates, &mut shutdown).await {
            return;
        }
        for (chat, update_id, _) in taken {
            inbox.forget(update_id);
            inbox.with(|turns| turns.finished(chat));
        }
    }
}

/// Handles updates of different chats together, riding out database faults however long they
/// last (the chats' later updates wait behind them); false when shutdown came first. Should
/// they fail otherwise, each is handled on its own, so that only the sender of an update that
/// cannot be handled is told their message was not saved.
async fn handle_together(channel: &TelegramChannel, updates: &[&Update], shutdown: &mut watch::Receiver<bool>) -> bool {
    let together = ride_out(shutdown, || channel.handle_updates(updates)).await;
    let err = match together {
        None => return false,
        Some(Ok(())) => return true,
        Some(Err(err)) => err,
    };
    if let [update] = updates {
        give_up(channel, update, &err).await;
        return true;
    }
    tracing::warn!(
        error = format!("{err:#}"),
        "handling updates together failed; each is handled on its own"
    );
    for update in updates {
        match ride_out(shutdown, || channel.handle_update(update)).await {
            None => return false,
            Some(Ok(())) => {}
            Some(Err(err)) => give_up(channel, update, &err).await,
        }
    }
    true
}

/// An update that cannot be handled: logged, and its sender told it was not saved.
async fn give_up(channel: &TelegramChannel, update: &Update, err: &anyhow::Error) {
    tracing::error!(error = format!("{err:#}"), "handling an update failed");
    channel.apologise(update).await;
}

/// Runs `attempt` until it succeeds or fails for a reason other than a passing database
/// fault, backing off between tries; `None` when shutdown came first.
async fn ride_out<F, Fut>(shutdown: &mut watch::Receiver<bool>, mut attempt: F) -> Option<anyhow::Result<()>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut backoff = Duration::from_secs(1);
    loop {
        match with_retries(PATIENCE, &mut attempt).await {
            Err(err) if is_transient(&err) => {
                tracing::warn!(error = format!("{err:#}"), retry_in = ?backoff, "the database is unreachable; the update waits");
                if pause(&mut backoff, shutdown).await {
                    return None;
                }
            }
            done => return Some(done),
        }
    }
}

/// Reads a chat's stored updates back, in order; `None` when shutdown came first. One that
/// does not open or parse is logged and dropped (read as `None`): it could never be handled.
async fn read_back(
    channel: &TelegramChannel,
    inbox: &Inbox,
    chat: i64,
    after: i64,
    count: usize,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Vec<(i64, Option<Update>)>> {
    let (pool, platform) = (channel.app.pool(), channel.platform.as_str());
    let mut backoff = Duration::from_secs(1);
    let rows = loop {
        let read = with_retries(PATIENCE, || async {
            Ok(inbox::load(pool, channel.app.vault(), platform, chat, after, count).await?)
        })
        .await;
        match read {
            Ok(rows) => break rows,
            Err(err) => {
                tracing::warn!(error = format!("{err:#}"), retry_in = ?backoff, "reading stored updates failed");
                if pause(&mut backoff, shutdown).await {
                    return None;
                }
            }
        }
    };
    let mut updates = Vec::with_capacity(rows.len());
    for (update_id, json) in rows {
        let parsed = json
            .map_err(anyhow::Error::from)
            .and_then(|json| Ok(serde_json::from_slice::<Update>(&json)?));
        match parsed {
            Ok(update) => updates.push((update_id, Some(update))),
            Err(err) => {
                tracing::error!(
                    error = format!("{err:#}"),
                    "a stored update cannot be read; it is dropped"
                );
                inbox.forget(update_id);
                updates.push((update_id, None));
            }
        }
    }
    Some(updates)
}
