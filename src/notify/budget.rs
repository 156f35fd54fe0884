//! One send budget per bot, across all its instances. Slots are spaced evenly at the Bot API's
//! overall limit on one time line kept in PostgreSQL; each instance takes one slot at a time,
//! just before it is due, and gives it, when it comes, to the most urgent sender waiting:
//! replies to an applicant's own input, then notices about their requests, then announcements
//! and broadcasts. A reply thus waits for at most the slot already taken, however long the
//! broadcast queued behind it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{Notify, oneshot, watch};
use tokio::time::Instant;

use crate::app::Application;
use crate::store::send_budget;

/// Share of a limit to aim at. Sends leave evenly spaced, but the other side counts arrivals,
/// which network jitter moves: with ±20 ms of it a window of one second can hold the sends of
/// 1.04 s, and spacing at 0.95 of 30/s (35.1 ms) puts at most 30 in it with 12 ms to spare
/// for this side's own delays between a slot and its send. (At 0.955, 7 ms to spare, two
/// instances on one loaded machine drew an occasional 429. Sends arrive at a little under the
/// headroom: a dispatcher's round takes a few milliseconds to begin after the last.)
pub const HEADROOM: f64 = 0.95;

/// How much longer than a second any `limit + 1` sends of one instance are kept apart: the
/// ±20 ms of jitter at both ends, and 10 ms for this side's own delay between a slot and its
/// send. Evenly spaced slots keep it by themselves (30 gaps of 35.1 ms make 1.053 s); it
/// matters after a stall, when a late slot and the next, on time, would otherwise go out
/// together and put 31 arrivals in one second.
const WINDOW_ALLOWANCE: Duration = Duration::from_millis(50);

/// How late after its slot a send may leave before the bot's shared time line moves back to
/// make up for it. Even spacing puts the send 30 slots later 1.053 s after this one, and
/// arrivals need 1.04 s between them against ±20 ms of jitter: a send 5 ms late leaves 8 ms
/// for what lateness cannot see, the time from the sender's waking to its request reaching the
/// Bot API, which a busy machine stretches. (At 10 ms, with 3 left, two instances drew one 429
/// in 600 sends in a CI run.) Later than that, every slot not yet taken moves back by the
/// excess, in whichever instance takes it; this instance's own window could not see the
/// others' sends.
const TOLERATED_LATENESS: Duration = Duration::from_millis(5);

/// The times of this instance's last sends, to keep any `limit + 1` of them more than a
/// second (and [`WINDOW_ALLOWANCE`]) apart. A send is recorded when its sender wakes with the
/// slot, not when the slot is given: on a busy machine the sender may get a core late, and
/// that delay is what would otherwise put 31 arrivals in one second.
struct Window {
    limit: usize,
    span: Duration,
    sent: VecDeque<Instant>,
}

impl Window {
    fn new(per_second: f64) -> Self {
        Self {
            limit: (per_second.floor() as usize).max(1),
            span: Duration::from_secs(1) + WINDOW_ALLOWANCE,
            sent: VecDeque::new(),
        }
    }

    /// When one more send may go without crossing the limit in any window.
    fn next_allowed(&self, now: Instant) -> Instant {
        match self.sent.len().checked_sub(self.limit) {
            // The send `limit` back must be a span ago.
            Some(skip) => self.sent[skip] + self.span,
            None => now,
        }
        .max(now)
    }

    fn record(&mut self, at: Instant) {
        self.sent.push_back(at);
        while self.sent.len() > self.limit {
            self.sent.pop_front();
        }
    }
}

/// How urgent a send is; the budget serves the lanes in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    /// A reply to the applicant's own message: they are waiting for it.
    Reply,
    /// A notice about the applicant's own request or complaint, or a post to the staff group.
    Notice,
    /// An announcement or broadcast to many.
    Announcement,
}

impl Lane {
    const COUNT: usize = 3;

    /// The lane of a notice of `kind`: announcements to many give way to everything else.
    pub fn of_notice(kind: &str) -> Self {
        match crate::notify::kind::NoticeKind::parse(kind) {
            Some(kind) if kind.is_announcement() => Self::Announcement,
            _ => Self::Notice,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where slots come from: the bot's time line in PostgreSQL, shared by its instances, or this
/// process alone (tests of the pacing itself, and a fallback while the database is away).
#[derive(Clone)]
pub enum SlotSource {
    Shared { pool: PgPool, bot: String },
    Local,
}

/// A bot's send budget; clones share it.
#[derive(Clone)]
pub struct Budget {
    shared: Option<Arc<Shared>>,
    /// Dropped with the last clone, which ends the task handing out slots.
    _alive: Arc<watch::Sender<()>>,
}

struct Shared {
    /// Senders waiting, by lane; each is sent the instant its slot was due.
    lanes: Mutex<[VecDeque<oneshot::Sender<Instant>>; Lane::COUNT]>,
    waiting: Notify,
    window: Mutex<Window>,
    source: SlotSource,
}

impl Budget {
    /// A budget of `per_second` sends a second (at `HEADROOM` of it); `None` for no limit.
    pub fn new(per_second: Option<f64>, source: SlotSource) -> Self {
        let (alive, stopped) = watch::channel(());
        let interval = per_second
            .filter(|r| *r > 0.0 && r.is_finite())
            .map(|r| Duration::from_secs_f64(1.0 / (r * HEADROOM)));
        let shared = interval.map(|interval| {
            let shared = Arc::new(Shared {
                lanes: Mutex::new(Default::default()),
                waiting: Notify::new(),
                window: Mutex::new(Window::new(per_second.unwrap_or_default())),
                source,
            });
            tokio::spawn(hand_out(shared.clone(), interval, stopped));
            shared
        });
        Self {
            shared,
            _alive: Arc::new(alive),
        }
    }

    /// The bot's budget of `per_second` sends a second, kept in its database and shared with
    /// every instance on it.
    pub fn of_bot(app: &Application, per_second: Option<f64>) -> Self {
        let slots = SlotSource::Shared {
            pool: app.pool().clone(),
            bot: app.config().platform().to_owned(),
        };
        Self::new(per_second, slots)
    }

    /// A budget with no limit.
    pub fn unlimited() -> Self {
        Self::new(None, SlotSource::Local)
    }

    /// Waits for a slot in `lane`; the caller sends at once.
    pub async fn acquire(&self, lane: Lane) {
        let Some(shared) = &self.shared else { return };
        let (granted, slot) = oneshot::channel();
        shared.lanes.lock().expect("budget lock")[lane.index()].push_back(granted);
        shared.waiting.notify_one();
        // The task ends only when every clone of the budget is gone, and this one is not.
        let Ok(due) = slot.await else { return };
        let now = Instant::now();
        shared.window.lock().expect("budget lock").record(now);
        let late = now.saturating_duration_since(due);
        if late > TOLERATED_LATENESS
            && let SlotSource::Shared { pool, bot } = &shared.source
        {
            let (pool, bot, excess) = (pool.clone(), bot.clone(), late - TOLERATED_LATENESS);
            // Off the send's path: the slot it protects is thirty slots away.
            tokio::spawn(async move {
                if let Err(err) = send_budget::move_back(&pool, &bot, excess).await {
                    tracing::warn!(error = %err, "could not move the shared send budget back after a late send");
                }
            });
        }
    }
}

impl Shared {
    fn anyone_waiting(&self) -> bool {
        self.lanes
            .lock()
            .expect("budget lock")
            .iter()
            .any(|lane| lane.iter().any(|w| !w.is_closed()))
    }

    /// Gives the slot due at `due` to the most urgent sender still waiting; false when there
    /// was none.
    fn grant(&self, due: Instant) -> bool {
        let mut lanes = self.lanes.lock().expect("budget lock");
        for lane in lanes.iter_mut() {
            while let Some(waiter) = lane.pop_front() {
                if waiter.send(due).is_ok() {
                    return true;
                }
            }
        }
        false
    }
}

/// Takes a slot while anyone waits, sleeps until it is due and gives it away then, not when it
/// was taken: a reply that arrives meanwhile gets it ahead of the broadcast that was waiting.
async fn hand_out(shared: Arc<Shared>, interval: Duration, mut stopped: watch::Receiver<()>) {
    let mut local_next = Instant::now();
    let mut warned = false;
    loop {
        while !shared.anyone_waiting() {
            tokio::select! {
                _ = shared.waiting.notified() => {}
                _ = stopped.changed() => return,
            }
        }
        let due = match &shared.source {
            SlotSource::Shared { pool, bot } => match send_budget::take_slot(pool, bot, interval).await {
                Ok(due_in) => {
                    warned = false;
                    Some(Instant::now() + due_in)
                }
                Err(err) => {
                    if !warned {
                        tracing::warn!(error = %err, "the shared send budget is unreachable; pacing this instance alone");
                        warned = true;
                    }
                    None
                }
            },
            SlotSource::Local => None,
        };
        let due = due.unwrap_or_else(|| {
            let slot = local_next.max(Instant::now());
            local_next = slot + interval;
            slot
        });
        // A send that went out late (its sender or this task stalled) is followed by one on
        // time: the window keeps the two from going out together. It is asked again once the
        // slot is due, as a sender late to wake may have recorded its send meanwhile.
        let mut due = due;
        loop {
            let allowed = shared.window.lock().expect("budget lock").next_allowed(due);
            if allowed <= Instant::now() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(allowed) => {}
                _ = stopped.changed() => return,
            }
            due = allowed;
        }
        shared.grant(due);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced() {
        let budget = Budget::new(Some(10.0 / HEADROOM), SlotSource::Local);
        let start = Instant::now();
        for _ in 0..5 {
            budget.acquire(Lane::Announcement).await;
        }
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(399) && elapsed <= Duration::from_millis(401),
            "{elapsed:?}"
        );
    }

    #[test]
    fn after_a_stall_no_second_holds_more_than_the_limit() {
        let gap = Duration::from_secs_f64(1.0 / (30.0 * HEADROOM));
        let start = Instant::now();
        let slot = |i: u32| start + gap * i;
        // Evenly spaced slots are never held back: 30 gaps of 35.1 ms span 1.053 s.
        let mut window = Window::new(30.0);
        for i in 0..31 {
            assert_eq!(window.next_allowed(slot(i)), slot(i), "slot {i}");
            window.record(slot(i));
        }
        // The first of 31 went 30 ms late (a stall) and the rest on time: the 31st would
        // arrive within a second of it. It waits until that one is 1.05 s back.
        let mut window = Window::new(30.0);
        let late = slot(0) + Duration::from_millis(30);
        window.record(late);
        for i in 1..30 {
            window.record(slot(i));
        }
        let allowed = window.next_allowed(slot(30));
        assert_eq!(allowed, late + Duration::from_millis(1050));
        assert!(allowed > slot(30));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unlimited_budget_never_waits() {
        let budget = Budget::unlimited();
        let start = Instant::now();
        for _ in 0..1000 {
            budget.acquire(Lane::Announcement).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_takes_the_next_slot_ahead_of_a_waiting_broadcast() {
        let budget = Budget::new(Some(10.0 / HEADROOM), SlotSource::Local);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let (budget, order) = (budget.clone(), order.clone());
            tasks.spawn(async move {
                budget.acquire(Lane::Announcement).await;
                order.lock().unwrap().push(format!("broadcast {i}"));
            });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        let start = Instant::now();
        budget.acquire(Lane::Reply).await;
        order.lock().unwrap().push("reply".to_owned());
        assert!(start.elapsed() <= Duration::from_millis(100), "{:?}", start.elapsed());
        while tasks.join_next().await.is_some() {}
        let order = order.lock().unwrap();
        let reply_at = order.iter().position(|s| s == "reply").unwrap();
        assert!(reply_at <= 4, "the reply went out {reply_at}th: {order:?}");
    }
}
