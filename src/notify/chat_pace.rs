//! Each chat's own pace: Telegram takes about a message a second to one chat and one every three
//! seconds to a group. Like the overall budget, slots are kept on a time line in PostgreSQL, so
//! that instances sending to the same chat keep its pace between them. While the database
//! cannot be reached, each instance paces its chats alone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::budget::SlotSource;
use super::dispatcher::ChatKey;
use super::pace::KeyedPacer;
use crate::store::chat_pace;

/// How late after its slot a send may leave before the chat's next slot moves back to make up
/// for it: Telegram counts arrivals a second apart, and a few milliseconds are lost in the
/// network's own jitter anyway.
const TOLERATED_LATENESS: Duration = Duration::from_millis(10);

/// One kind of chat's pace (applicants' chats, or the staff group).
pub(super) struct ChatPace {
    interval: Duration,
    source: SlotSource,
    /// This instance's own slots, while the shared time line is out of reach.
    alone: KeyedPacer<ChatKey>,
    /// Takes slots one at a time, in the order they were asked for: a chat's notices of two
    /// rounds under way at once must get its slots in the order of the rounds, which
    /// concurrent statements on different connections would not keep. (At the Bot API's 30
    /// sends a second, one statement at a time is plenty.)
    taking: tokio::sync::Mutex<()>,
    warned: AtomicBool,
}

/// A slot a send waited for, to say afterwards whether it was used and when.
#[derive(Debug, Clone, Copy)]
pub(super) enum Slot {
    Shared { at: DateTime<Utc>, due: Instant },
    Alone(Instant),
}

impl ChatPace {
    pub(super) fn new(interval: Duration, source: SlotSource) -> Self {
        Self {
            interval,
            source,
            alone: KeyedPacer::new(interval),
            taking: tokio::sync::Mutex::new(()),
            warned: AtomicBool::new(false),
        }
    }

    /// Takes the chat's next slot and waits for it.
    pub(super) async fn wait(&self, key: ChatKey) -> Slot {
        if let SlotSource::Shared { pool, bot } = &self.source {
            let taken = {
                let _turn = self.taking.lock().await;
                chat_pace::take(pool, bot, &key.name(), self.interval).await
            };
            match taken {
                Ok(taken) => {
                    self.warned.store(false, Ordering::Relaxed);
                    let due = Instant::now() + taken.due_in;
                    tokio::time::sleep_until(due).await;
                    return Slot::Shared { at: taken.slot, due };
                }
                Err(err) => {
                    if !self.warned.swap(true, Ordering::Relaxed) {
                        tracing::warn!(error = %err, "the shared chat pace is unreachable; pacing chats in this instance alone");
                    }
                }
            }
        }
        Slot::Alone(self.alone.wait(&key).await)
    }

    /// The slot was not used (its send came too late to go): the chat gets it back, so that a
    /// notice that keeps coming too late does not keep pushing its chat's next slot away.
    pub(super) async fn unused(&self, key: ChatKey, slot: Slot) {
        match (slot, &self.source) {
            (Slot::Shared { at, .. }, SlotSource::Shared { pool, bot }) => {
                if let Err(err) = chat_pace::give_back(pool, bot, &key.name(), at, self.interval).await {
                    tracing::warn!(error = %err, "could not give a chat's unused send slot back");
                }
            }
            (Slot::Alone(at), _) => self.alone.give_back(&key, at),
            // A shared slot comes only from a shared source.
            (Slot::Shared { .. }, SlotSource::Local) => {}
        }
    }

    /// The send of `slot` left at `left`: a send that left late moves the chat's next slot to
    /// an interval after it, or a late send and the next one on time would arrive too close.
    pub(super) async fn sent(&self, key: ChatKey, slot: Slot, left: Instant) {
        match (slot, &self.source) {
            (Slot::Shared { at, due }, SlotSource::Shared { pool, bot }) => {
                let late = left.saturating_duration_since(due);
                if late <= TOLERATED_LATENESS {
                    return;
                }
                let next = at + chrono::TimeDelta::from_std(self.interval + late).unwrap_or(chrono::TimeDelta::MAX);
                if let Err(err) = chat_pace::not_before(pool, bot, &key.name(), next).await {
                    tracing::warn!(error = %err, "could not move a chat's next send slot after a late send");
                }
            }
            (Slot::Alone(_), _) => self.alone.sent(&key, left),
            (Slot::Shared { .. }, SlotSource::Local) => {}
        }
    }
}
