//! Pacing sends under a provider's rate limits (the SMS gateways', and each chat's own; the
//! Bot API's overall limit is the shared `budget`). Sends are spaced evenly rather than let out in
//! bursts: a limit checked over any one-second window (as Telegram's is) is never crossed by
//! even spacing, while a token bucket's burst crosses it at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::budget::HEADROOM;

/// One slot every `interval`, handed out in order; `None` interval means no limit.
#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pacer {
    /// A pacer for `per_second` sends a second (at `HEADROOM` of it); `None` for no limit.
    pub fn per_second(per_second: Option<f64>) -> Self {
        Self::with_interval(
            per_second
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / (r * HEADROOM))),
        )
    }

    pub fn with_interval(interval: Option<Duration>) -> Self {
        Self {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Reserves the next free slot and waits for it. Slots are spaced from each other, not
    /// from when a waiter woke, so lateness does not accumulate into a lower rate.
    pub async fn wait(&self) {
        self.wait_for(1).await;
    }

    /// Reserves `n` consecutive slots (a bulk send of `n` messages) and waits for the first.
    pub async fn wait_for(&self, n: u32) {
        let Some(interval) = self.interval else { return };
        let slot = {
            let mut next = self.next.lock().expect("pacer lock");
            let now = Instant::now();
            // An idle pacer does not bank slots: a burst after a pause is still spaced.
            let slot = (*next).max(now);
            *next = slot + interval * n.max(1);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// A pacer per key (per chat): each key gets one slot every `interval`.
#[derive(Debug)]
pub struct KeyedPacer<K> {
    interval: Duration,
    next: Mutex<HashMap<K, Instant>>,
}

impl<K: Eq + Hash + Clone> KeyedPacer<K> {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            next: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the key's next slot and waits for it; returns the slot, for [`Self::give_back`].
    pub async fn wait(&self, key: &K) -> Instant {
        let slot = {
            let mut next = self.next.lock().expect("pacer lock");
            let now = Instant::now();
            // Forget keys whose slot has passed; they would get `now` anyway.
            if next.len() > 10_000 {
                next.retain(|_, at| *at > now);
            }
            let at = next.entry(key.clone()).or_insert(now);
            let slot = (*at).max(now);
            *at = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
        slot
    }

    /// `slot` went unused (its send came too late to go): the key gets it back, so that its next
    /// send is not pushed a whole interval further for nothing. Unless a later slot was
    /// reserved meanwhile: then the order of the reservations stands.
    pub fn give_back(&self, key: &K, slot: Instant) {
        let mut next = self.next.lock().expect("pacer lock");
        if let Some(at) = next.get_mut(key)
            && *at == slot + self.interval
        {
            *at = slot;
        }
    }

    /// A send to the key went out at `at`: its next slot is at least an interval after that,
    /// however late the send was against its slot. (Slots alone make up for lateness: a send
    /// delayed by a stall and the next one on time would arrive less than an interval apart.)
    pub fn sent(&self, key: &K, at: Instant) {
        let mut next = self.next.lock().expect("pacer lock");
        let due = at + self.interval;
        let entry = next.entry(key.clone()).or_insert(due);
        *entry = (*entry).max(due);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced() {
        let pacer = Pacer::with_interval(Some(Duration::from_millis(100)));
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unlimited_pacer_never_waits() {
        let pacer = Pacer::per_second(None);
        let start = Instant::now();
        for _ in 0..1000 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_given_back_is_used_by_the_next_send_and_a_late_send_pushes_the_next() {
        let pacer = KeyedPacer::new(Duration::from_secs(1));
        let start = Instant::now();
        let slot = pacer.wait(&1).await;
        // Its send was too late to go: the next send takes the same slot, not one a second on.
        pacer.give_back(&1, slot);
        assert_eq!(pacer.wait(&1).await, start);
        // The send went out 300 ms after its slot: the next waits a second from the send.
        tokio::time::sleep(Duration::from_millis(300)).await;
        pacer.sent(&1, Instant::now());
        pacer.wait(&1).await;
        assert_eq!(start.elapsed(), Duration::from_millis(1300));
        // A slot given back after a later one was reserved changes nothing.
        let reserved = pacer.wait(&2).await;
        let _later = pacer.wait(&2).await;
        pacer.give_back(&2, reserved);
        let after = Instant::now();
        pacer.wait(&2).await;
        assert_eq!(after.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_paced_apart_from_each_other() {
        let pacer = KeyedPacer::new(Duration::from_secs(1));
        let start = Instant::now();
        pacer.wait(&1).await;
        pacer.wait(&2).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.wait(&1).await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
