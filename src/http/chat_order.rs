//! Webhook calls of one chat taken in update-id order. The Bot API may post several updates
//! at once, over as many connections; those of one chat would otherwise race for the
//! dialogue's lock and be handled in whichever order they won it. A call waits while an
//! update of its chat with a smaller id waits or is being handled here. An older update that
//! arrives after a newer one has begun cannot be put before it; it is handled after.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::sync::Notify;

/// The updates of each chat under way in this process.
#[derive(Default)]
pub struct ChatOrder {
    /// Per chat, the update ids waiting or being handled, with how many calls carry each (the
    /// Bot API may post an update again while the first call is still running).
    under_way: Mutex<HashMap<i64, BTreeMap<i64, usize>>>,
    changed: Notify,
}

/// A chat's turn for one update; the chat's next update may go once it is dropped.
pub struct Turn<'a> {
    order: &'a ChatOrder,
    chat: i64,
    update_id: i64,
}

impl ChatOrder {
    /// Waits until no update of `chat` older than `update_id` is under way here.
    pub async fn turn(&self, chat: i64, update_id: i64) -> Turn<'_> {
        *self.lock().entry(chat).or_default().entry(update_id).or_insert(0) += 1;
        let turn = Turn {
            order: self,
            chat,
            update_id,
        };
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let oldest = self.lock().get(&chat).and_then(|ids| ids.keys().next().copied());
            if oldest == Some(update_id) {
                return turn;
            }
            changed.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, BTreeMap<i64, usize>>> {
        self.under_way.lock().expect("the chat order lock is never poisoned")
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut under_way = self.order.lock();
        if let Some(ids) = under_way.get_mut(&self.chat) {
            if let Some(calls) = ids.get_mut(&self.update_id) {
                *calls -= 1;
                if *calls == 0 {
                    ids.remove(&self.update_id);
                }
            }
            if ids.is_empty() {
                under_way.remove(&self.chat);
            }
        }
        drop(under_way);
        self.order.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::ChatOrder;

    #[tokio::test]
    async fn a_chats_waiting_updates_go_in_id_order_and_other_chats_do_not_wait() {
        let order = Arc::new(ChatOrder::default());
        let first = order.turn(1, 11).await;
        let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
        // Posted newest first, while the chat's update 11 is being handled.
        for id in [14, 13, 12] {
            let (order, done) = (order.clone(), done.clone());
            tokio::spawn(async move {
                let _turn = order.turn(1, id).await;
                done.send(id).unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            });
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Another chat goes at once.
        drop(order.turn(2, 15).await);
        assert!(finished.try_recv().is_err(), "the chat's later updates wait for 11");
        drop(first);
        let mut taken = Vec::new();
        for _ in 0..3 {
            taken.push(finished.recv().await.unwrap());
        }
        assert_eq!(taken, vec![12, 13, 14]);
        // The same update posted twice at once: the second call waits for no one but itself.
        let once = order.turn(3, 20).await;
        let again = tokio::time::timeout(Duration::from_secs(1), order.turn(3, 20)).await;
        assert!(again.is_ok(), "a repeated update is not held up by itself");
        drop(once);
        assert!(order.lock().get(&3).is_some(), "still under way for the second call");
        drop(again);
        assert!(
            order.lock().get(&3).is_none(),
            "nothing left of the chat once its turns ended"
        );
    }
}
