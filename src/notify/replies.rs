//! Sending queued replies. The loop is woken the moment a reply is queued in this process (and
//! looks again every `idle_poll` for those queued by other instances, or due for a retry);
//! each chat's replies go out in order, chats side by side, each send in the budget's first
//! lane. A 429 waits as long as asked, a failure retries with backoff, and the chat's later
//! replies wait with it, so that nothing is sent out of order or lost. Sent replies are
//! deleted by one recorder in as few statements as the load allows (each a commit: one per
//! reply held the loop to a few hundred a second). A send keeps its slot among those under
//! way at once until it is recorded, so a crash repeats at most that many sends.

use std::collections::HashMap;
use std::time::Duration;

use teloxide::Bot;
use teloxide::prelude::*;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::budget::Lane;
use super::dispatcher::{Dispatcher, after, backoff};
use super::sender::{ChatSender, SendError, classify};
use crate::channels::render;
use crate::channels::telegram::send_rendered;
use crate::store::replies::{self, QueuedReply};

/// How long a claim of a chat's replies lasts: after a crash they go out again this long after
/// it, and a round starts no send after half of it (a send then ends within the client's
/// timeout, well before another instance may claim the same replies).
const LEASE: Duration = Duration::from_secs(30);

/// Chats being answered at once, at most.
const CHATS_AT_ONCE: usize = 256;

/// Replies claimed at once, at most.
const CLAIM: i64 = 512;

/// Failed tries of a reply before it is given up (dead, with its error, for an operator): with
/// retries at most a minute apart, about half an hour of a Bot API that fails every send.
const MAX_ATTEMPTS: i32 = 30;

/// Sends replies until `shutdown` turns true.
pub(super) async fn run(dispatcher: Dispatcher, mut shutdown: watch::Receiver<bool>) {
    let bots: HashMap<String, Bot> = dispatcher
        .senders
        .iter()
        .filter_map(|(platform, sender)| match sender {
            ChatSender::Bot(bot) => Some((platform.clone(), bot.clone())),
            ChatSender::Terminal(_) => None,
        })
        .collect();
    if bots.is_empty() {
        return;
    }
    let platforms: Vec<String> = bots.keys().cloned().collect();
    let queued = dispatcher.app.replies_queued();
    let (sent, to_record) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(record(dispatcher.clone(), to_record));
    let mut chats = JoinSet::new();
    loop {
        if chats.len() < CHATS_AT_ONCE {
            match replies::claim(dispatcher.app.pool(), dispatcher.app.vault(), &platforms, CLAIM, LEASE).await {
                Ok(claimed) => {
                    let deadline = Instant::now() + LEASE / 2;
                    for (platform, chat_replies) in by_chat(claimed) {
                        let bot = bots[&platform].clone();
                        let chat = answer_chat(dispatcher.clone(), bot, chat_replies, deadline, sent.clone());
                        chats.spawn(chat);
                    }
                }
                Err(err) => tracing::error!(error = format!("{err:#}"), "claiming replies failed"),
            }
        }
        tokio::select! {
            _ = queued.notified() => {}
            Some(_) = chats.join_next(), if !chats.is_empty() => {}
            _ = tokio::time::sleep(dispatcher.settings.idle_poll) => {}
            _ = shutdown.changed() => break,
        }
    }
    // Chats being answered finish their sends, and the recorder records them.
    while chats.join_next().await.is_some() {}
    drop(sent);
    if let Err(err) = recorder.await {
        tracing::error!(error = %err, "the reply recorder panicked");
    }
}

/// A sent reply to record, and who to tell once it is.
type Sent = (i64, oneshot::Sender<()>);

/// Deletes sent replies, as many at once as have come in meanwhile, tells their senders, and
/// wakes the loop: a chat with newer replies behind those is claimed once they are gone.
async fn record(dispatcher: Dispatcher, mut sent: mpsc::UnboundedReceiver<Sent>) {
    let pool = dispatcher.app.pool();
    let mut batch = Vec::new();
    while sent.recv_many(&mut batch, 4096).await > 0 {
        let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
        loop {
            match replies::sent(pool, &ids).await {
                Ok(()) => break,
                Err(err) => {
                    // Unrecorded, they would go out again after their lease: keep trying.
                    tracing::error!(error = %err, "recording sent replies failed; trying again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        for (_, recorded) in batch.drain(..) {
            let _ = recorded.send(());
        }
        dispatcher.app.replies_queued().notify_one();
    }
}

/// Claimed replies, a chat's together and in order.
fn by_chat(claimed: Vec<QueuedReply>) -> Vec<(String, Vec<QueuedReply>)> {
    let mut chats: Vec<(String, Vec<QueuedReply>)> = Vec::new();
    let mut index: HashMap<(String, i64), usize> = HashMap::new();
    for reply in claimed {
        let key = (reply.platform.clone(), reply.chat_id);
        match index.get(&key) {
            Some(&i) => chats[i].1.push(reply),
            None => {
                index.insert(key, chats.len());
                chats.push((reply.platform.clone(), vec![reply]));
            }
        }
    }
    chats
}

/// Sends one chat's replies in order. On a failure the reply and every one after it go back
/// together, so that the chat's order holds when they are tried again.
async fn answer_chat(
    dispatcher: Dispatcher,
    bot: Bot,
    queue: Vec<QueuedReply>,
    deadline: Instant,
    sent: mpsc::UnboundedSender<Sent>,
) {
    if let Err(err) = try_answer_chat(&dispatcher, &bot, &queue, deadline, &sent).await {
        // What was not recorded stays claimed; the lease hands it to the next claim.
        tracing::error!(error = format!("{err:#}"), "recording a reply's delivery failed");
    }
}

async fn try_answer_chat(
    dispatcher: &Dispatcher,
    bot: &Bot,
    queue: &[QueuedReply],
    deadline: Instant,
    sent: &mpsc::UnboundedSender<Sent>,
) -> anyhow::Result<()> {
    let pool = dispatcher.app.pool();
    let rest = |i: usize| queue[i..].iter().map(|r| r.id).collect::<Vec<_>>();
    for (i, queued) in queue.iter().enumerate() {
        dispatcher.pacing.budget.acquire(Lane::Reply).await;
        let slot = dispatcher.pacing.in_flight.acquire().await?;
        if Instant::now() >= deadline {
            replies::release(pool, &rest(i)).await?;
            return Ok(());
        }
        let rendered = render(dispatcher.app.i18n(), queued.locale, &queued.reply);
        let result = send_rendered(bot, ChatId(queued.chat_id), &rendered)
            .await
            .map_err(classify);
        match result {
            Ok(()) => {
                let (recorded, when_recorded) = oneshot::channel();
                // The recorder lives until every chat task has ended.
                sent.send((queued.id, recorded)).expect("the reply recorder runs");
                // The slot is held until then, which bounds what a crash can send twice.
                let _ = when_recorded.await;
                drop(slot);
            }
            Err(SendError::RetryAfter(wait)) => {
                tracing::warn!(wait = ?wait, "the Bot API asked us to slow down; the reply waits");
                let at = after(wait, chrono::Duration::seconds(30));
                replies::retry_at(pool, &rest(i), at, "429 Too Many Requests", true).await?;
                return Ok(());
            }
            Err(SendError::Temporary(error)) if queued.attempts >= MAX_ATTEMPTS => {
                tracing::error!(error = %error, "a reply failed on every try; it is kept, dead");
                replies::give_up(pool, queued.id, &error).await?;
            }
            Err(SendError::Temporary(error)) => {
                tracing::warn!(error = %error, attempts = queued.attempts, "a reply failed; it will be tried again");
                let wait = backoff(&dispatcher.settings, queued.attempts).min(Duration::from_secs(60));
                let at = after(wait, chrono::Duration::seconds(60));
                // Only the failing reply's attempt counts; those after it were not tried.
                replies::retry_at(
                    pool,
                    &queue[i + 1..].iter().map(|r| r.id).collect::<Vec<_>>(),
                    at,
                    &error,
                    true,
                )
                .await?;
                replies::retry_at(pool, &[queued.id], at, &error, false).await?;
                return Ok(());
            }
            Err(SendError::Blocked(_)) => {
                replies::chat_blocked(pool, &queued.platform, queued.chat_id).await?;
                return Ok(());
            }
            Err(SendError::Permanent(error)) => {
                tracing::error!(error = %error, "the Bot API refused a reply as malformed; it is kept, dead");
                replies::give_up(pool, queued.id, &error).await?;
            }
        }
    }
    Ok(())
}
