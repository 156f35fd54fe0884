//! The dispatcher: claims due notices in batches, renders each in the applicant's language,
//! sends it, and records the outcome. Failures retry with capped exponential backoff and
//! jitter, a 429 waits as long as asked, a blocked chat stops, and a notice that runs out of
//! attempts ends `dead`, visible with its last error.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use super::budget::{Budget, Lane, SlotSource};
use super::chat_pace::{ChatPace, Slot};
use super::order::LateNotices;
use super::sender::{ChatSender, SendError};
use crate::app::Application;
use crate::conversation::messages as m;
use crate::domain::rating::{self, RatingSubject, Score};
use crate::domain::seen;
use crate::i18n::{Arg, Locale, Msg};
use crate::notify::kind::NoticeKind;
use crate::sms::config::ChannelPolicy;
use crate::staff_chat::StaffChat;
use crate::store::applicants::ApplicantId;
use crate::store::outbox::{self, ApplicantChat, Claimed, Recipient, StaffSubject};

/// How the dispatcher paces itself.
#[derive(Debug, Clone)]
pub struct DispatcherSettings {
    pub batch: i64,
    /// How long a claim lasts; a dispatcher that dies leaves its notices for others after this.
    pub lease: Duration,
    pub max_attempts: i32,
    pub idle_poll: Duration,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub limits: ChatLimits,
    /// Sends under way at once. Enough to keep up with the overall rate at the Bot API's
    /// latency; beyond that, more only opens more connections (a round's thousand chats
    /// would otherwise each open one) and costs more than it sends: on the benchmark's two
    /// cores 32 at once delivered about 40% more a second than one per chat.
    pub max_in_flight: usize,
}

/// The Bot API's limits on a bot: messages a second overall, and the spacing of messages to one
/// chat and to one group. `None` lifts a limit (benchmarks, the terminal chat).
#[derive(Debug, Clone, Copy)]
pub struct ChatLimits {
    pub per_second: Option<f64>,
    pub per_chat: Option<Duration>,
    pub per_group: Option<Duration>,
}

impl ChatLimits {
    /// Telegram's published limits: about 30 messages a second, one a second to a chat, twenty
    /// a minute to a group.
    pub const TELEGRAM: Self = Self {
        per_second: Some(30.0),
        per_chat: Some(Duration::from_secs(1)),
        per_group: Some(Duration::from_secs(3)),
    };
    pub const NONE: Self = Self {
        per_second: None,
        per_chat: None,
        per_group: None,
    };
}

impl DispatcherSettings {
    /// The part of a lease one round may take to send. A round is claimed while the one before
    /// it sends (see `Dispatcher::run`), so its notices wait up to one round and then take up to
    /// one round themselves: both must end well inside the lease, or another dispatcher would
    /// claim the same notices again. And no more than a second: a claimed notice is sent even
    /// if its broadcast is cancelled meanwhile, so long rounds would let a cancelled broadcast
    /// run on for many seconds at a paced rate.
    fn round_time(&self) -> f64 {
        (self.lease.as_secs_f64() / 4.0).min(1.0)
    }

    /// How long after its claim a round may still start a send. A send started by then ends
    /// within the HTTP client's timeout, well before the lease lets another dispatcher claim
    /// the same notices: with sends limited in number at once, a slow or failing Bot API
    /// could otherwise stretch a round past its lease and have its notices sent twice.
    fn send_deadline(&self) -> Duration {
        self.lease / 2
    }

    /// Notices to claim at once: no more than the overall rate sends in one round.
    fn claim_size(&self) -> i64 {
        self.claim_size_at(self.limits.per_second)
    }

    /// Notices to claim at once when sends are paced at `per_second`: no more than one round
    /// sends at that rate, so that none waits long for its turn under its lease.
    pub(crate) fn claim_size_at(&self, per_second: Option<f64>) -> i64 {
        match per_second {
            Some(rate) => self.batch.min(((rate * self.round_time()) as i64).max(1)),
            None => self.batch,
        }
    }

    /// Notices to one chat (or the group) that its pace lets out in one round.
    fn per_chat_in_round(&self, group: bool) -> usize {
        let interval = if group {
            self.limits.per_group
        } else {
            self.limits.per_chat
        };
        match interval {
            Some(every) if !every.is_zero() => ((self.round_time() / every.as_secs_f64()) as usize).max(1),
            _ => usize::MAX,
        }
    }
}

impl Default for DispatcherSettings {
    fn default() -> Self {
        Self {
            batch: 200,
            lease: Duration::from_secs(60),
            max_attempts: 8,
            idle_poll: Duration::from_millis(500),
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(600),
            limits: ChatLimits::TELEGRAM,
            max_in_flight: 32,
        }
    }
}

/// What became of one notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// Sent; recorded with the rest of the batch.
    Sent,
    /// Recorded already: retry later, or skipped.
    Later,
    /// Not tried: the round's deadline passed while it waited; given back with the round.
    Late,
    Blocked,
    Dead,
}

/// Delivers replies and notices for the platforms it has senders for.
#[derive(Clone)]
pub struct Dispatcher {
    pub(super) app: Application,
    pub(super) senders: Arc<HashMap<String, ChatSender>>,
    staff_chat: Option<StaffChat>,
    pub(super) settings: DispatcherSettings,
    pub(super) pacing: Arc<Pacing>,
}

/// The limits shared by a dispatcher's tasks: the bot's budget overall, each chat's pace, and
/// the sends under way at once.
pub(super) struct Pacing {
    pub(super) budget: Budget,
    per_chat: Option<ChatPace>,
    per_group: Option<ChatPace>,
    pub(super) in_flight: Semaphore,
    /// Notices that went back late, which their chat's later notices must not overtake.
    late: LateNotices,
}

impl Pacing {
    fn new(limits: ChatLimits, max_in_flight: usize, budget: Budget, lease: Duration, slots: SlotSource) -> Self {
        let pace = |interval| ChatPace::new(interval, slots.clone());
        Self {
            budget,
            per_chat: limits.per_chat.map(pace),
            per_group: limits.per_group.map(pace),
            in_flight: Semaphore::new(max_in_flight.max(1)),
            late: LateNotices::new(lease),
        }
    }

    fn of(&self, key: ChatKey) -> Option<&ChatPace> {
        match key {
            ChatKey::Applicant(_) => self.per_chat.as_ref(),
            ChatKey::StaffGroup => self.per_group.as_ref(),
        }
    }

    /// Waits for the chat's own slot, then for a slot of the bot's budget in `lane`; returns
    /// the chat's slot (none without a limit per chat), for `unused` or `sent`.
    async fn wait(&self, key: ChatKey, lane: Lane) -> Option<Slot> {
        let slot = match self.of(key) {
            Some(pace) => Some(pace.wait(key).await),
            None => None,
        };
        self.budget.acquire(lane).await;
        slot
    }

    /// The chat's `slot` was not used: its send came too late.
    async fn unused(&self, key: ChatKey, slot: Option<Slot>) {
        if let (Some(pace), Some(slot)) = (self.of(key), slot) {
            pace.unused(key, slot).await;
        }
    }

    /// The send of the chat's `slot` left at `left`.
    async fn sent(&self, key: ChatKey, slot: Option<Slot>, left: Instant) {
        if let (Some(pace), Some(slot)) = (self.of(key), slot) {
            pace.sent(key, slot, left).await;
        }
    }
}

/// Claimed notices, by the chat they go to.
struct Round {
    per_chat: HashMap<ChatKey, Vec<Claimed>>,
    /// No send of this round starts after this: see `DispatcherSettings::send_deadline`.
    deadline: Instant,
}

impl Round {
    fn len(&self) -> usize {
        self.per_chat.values().map(Vec::len).sum()
    }

    fn ids(&self) -> Vec<i64> {
        self.per_chat.values().flatten().map(|n| n.id).collect()
    }
}

/// What became of one chat's notices in a round.
#[derive(Default)]
struct ChatRound {
    sent: Vec<i64>,
    late: Vec<i64>,
}

/// Notices to one chat go out in order, one at a time; chats are served side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum ChatKey {
    Applicant(ApplicantId),
    StaffGroup,
}

impl ChatKey {
    /// The chat's name on the shared time line of chat slots (an internal id, no personal data).
    pub(super) fn name(self) -> String {
        match self {
            Self::Applicant(id) => format!("applicant:{}", id.0),
            Self::StaffGroup => "staff-group".to_owned(),
        }
    }
}

impl Dispatcher {
    /// A dispatcher whose sends share the bot's budget with every instance on the database.
    pub fn new(app: Application, senders: HashMap<String, ChatSender>, settings: DispatcherSettings) -> Self {
        let budget = Budget::of_bot(&app, settings.limits.per_second);
        Self::sharing(app, senders, settings, budget)
    }

    /// A dispatcher drawing on `budget`, which the staff group's own answers share.
    pub fn sharing(
        app: Application,
        senders: HashMap<String, ChatSender>,
        settings: DispatcherSettings,
        budget: Budget,
    ) -> Self {
        let slots = SlotSource::Shared {
            pool: app.pool().clone(),
            bot: app.config().platform().to_owned(),
        };
        let pacing = Pacing::new(settings.limits, settings.max_in_flight, budget, settings.lease, slots);
        Self {
            app,
            senders: Arc::new(senders),
            staff_chat: None,
            pacing: Arc::new(pacing),
            settings,
        }
    }

    /// Also delivers posts to the staff group.
    pub fn with_staff_chat(mut self, staff_chat: StaffChat) -> Self {
        self.staff_chat = Some(staff_chat);
        self
    }

    /// Runs until `shutdown` turns true. Each round's claim is made while the round before it
    /// sends, so the database work of a claim does not leave the senders idle.
    ///
    /// Unpaced, the claimed round starts once the one before it has finished and been recorded,
    /// which keeps each chat's notices in order, and a crash sends at most the round in flight
    /// twice. Paced, a round starts while the one before it still awaits its last answers: a
    /// round ends only when its slowest send returns, and with a Bot API 150 ms away waiting for
    /// that left slots of the budget unused (0.84 of the limit instead of 0.95). The two rounds'
    /// sends then queue for slots in order, each chat's a second apart (its own pace), so a
    /// chat's notices still go out in order; a crash sends at most two rounds twice. (A notice
    /// whose round ran past its deadline goes back, and its chat's later notices, already
    /// claimed in later rounds, go back with it rather than overtake it: see `order`.)
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        // Replies have their own loop, woken the moment one is queued; both draw on one budget.
        let replies = tokio::spawn(super::replies::run(self.clone(), shutdown.clone()));
        let rounds_at_once = if self.settings.limits.per_second.is_some() {
            2
        } else {
            1
        };
        let mut sending: VecDeque<JoinHandle<anyhow::Result<()>>> = VecDeque::new();
        let mut claimed: Option<Round> = None;
        loop {
            let round = match claimed.take() {
                Some(round) => Ok(round),
                None => self.claim_round().await,
            };
            let busy = match round {
                Ok(round) if round.len() > 0 => {
                    let this = self.clone();
                    sending.push_back(tokio::spawn(async move { this.send_and_record(round).await }));
                    let oldest = if sending.len() >= rounds_at_once {
                        sending.pop_front()
                    } else {
                        None
                    };
                    let (sent, next) = tokio::join!(finished(oldest), self.claim_round());
                    if let Err(err) = &sent {
                        tracing::error!(error = format!("{err:#}"), "dispatching notices failed");
                    }
                    claimed = next
                        .inspect_err(|err| tracing::error!(error = format!("{err:#}"), "claiming notices failed"))
                        .ok();
                    sent.is_ok()
                }
                Ok(_) => false,
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "claiming notices failed");
                    false
                }
            };
            let idle = !busy && claimed.as_ref().is_none_or(|r| r.len() == 0);
            if idle {
                claimed = None;
            }
            if stops_after_round(&mut shutdown, idle, self.settings.idle_poll).await {
                break;
            }
        }
        // Rounds being sent finish and are recorded.
        for round in sending {
            if let Err(err) = finished(Some(round)).await {
                tracing::error!(error = format!("{err:#}"), "dispatching notices failed");
            }
        }
        // A round claimed but not started goes back now rather than when its lease ends.
        if let Some(round) = claimed
            && let Err(err) = outbox::release(self.app.pool(), &round.ids()).await
        {
            tracing::warn!(error = format!("{err:#}"), "giving back claimed notices failed");
        }
        if let Err(err) = replies.await {
            tracing::error!(error = %err, "the reply loop panicked");
        }
    }

    /// Claims one round and delivers it; returns how many notices it handled.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let round = self.claim_round().await?;
        let count = round.len();
        self.send_and_record(round).await?;
        Ok(count)
    }

    /// Claims due notices, grouped by chat; a chat's notices beyond what its pace lets out in a
    /// round go back at once.
    async fn claim_round(&self) -> anyhow::Result<Round> {
        let claimed_at = Instant::now();
        let platforms: Vec<String> = self.senders.keys().cloned().collect();
        let staff = self.staff_chat.is_some();
        let batch = outbox::claim(
            self.app.pool(),
            self.app.vault(),
            &platforms,
            staff,
            self.settings.claim_size(),
            self.settings.lease,
        )
        .await?;
        // One task per chat: a chat whose sends are slow or failing (teloxide pauses ten seconds
        // inside the call on every 5xx) must not hold up everyone else's notices, while one
        // chat's notices still go out in the order they were queued.
        let mut per_chat: HashMap<ChatKey, Vec<Claimed>> = HashMap::new();
        for notice in batch {
            let key = match &notice.to {
                Recipient::Applicant(chat) => ChatKey::Applicant(chat.applicant),
                Recipient::Staff(_) => ChatKey::StaffGroup,
            };
            per_chat.entry(key).or_default().push(notice);
        }
        // Paced sends must end well inside the lease, or another dispatcher would claim the
        // same notices again: a chat's notices beyond what its pace allows go back at once.
        let mut excess = Vec::new();
        for (key, notices) in per_chat.iter_mut() {
            let keep = self.settings.per_chat_in_round(*key == ChatKey::StaffGroup);
            if notices.len() > keep {
                excess.extend(notices.drain(keep..).map(|n| n.id));
            }
            let ids: Vec<i64> = notices.iter().map(|n| n.id).collect();
            self.pacing.late.claimed(*key, &ids);
        }
        outbox::release(self.app.pool(), &excess).await?;
        Ok(Round {
            per_chat,
            deadline: claimed_at + self.settings.send_deadline(),
        })
    }

    /// Sends a round, one task per chat, and records the sends in one statement.
    #[tracing::instrument(skip_all)]
    async fn send_and_record(&self, round: Round) -> anyhow::Result<()> {
        let mut sent = Vec::with_capacity(round.len());
        let mut tasks = JoinSet::new();
        let deadline = round.deadline;
        for (key, notices) in round.per_chat {
            let this = self.clone();
            tasks.spawn(async move { this.deliver_in_order(key, notices, deadline).await });
        }
        // A task that fails leaves its notices claimed; the lease hands them to the next round.
        let mut first_error = None;
        let mut late = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined.context("a delivery task panicked").and_then(|r| r) {
                Ok(chat) => {
                    sent.extend(chat.sent);
                    late.extend(chat.late);
                }
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        // Sends made but not yet recorded when the process dies are made again after the
        // lease: at most one batch is sent twice, and nothing is lost.
        outbox::mark_sent(self.app.pool(), &sent).await?;
        if !late.is_empty() {
            tracing::warn!(
                notices = late.len(),
                "sends ran late; the rest go back for the next round"
            );
            outbox::release(self.app.pool(), &late).await?;
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Delivers one chat's notices in order; once the chat turns out blocked the rest are not
    /// tried. The claim read the blocked flag before this batch began.
    /// Returns the notices sent, for the caller to record together, and those it was too late
    /// to send (the first one past the deadline and every one after it, to keep their order).
    async fn deliver_in_order(
        &self,
        key: ChatKey,
        notices: Vec<Claimed>,
        deadline: Instant,
    ) -> anyhow::Result<ChatRound> {
        let mut blocked = false;
        let mut done = ChatRound::default();
        for notice in notices {
            if !done.late.is_empty() || self.pacing.late.must_wait(key, notice.id) {
                done.late.push(notice.id);
                continue;
            }
            let delivery = match &notice.to {
                Recipient::Applicant(chat) if blocked || chat.blocked => {
                    let error = "the applicant has blocked the bot";
                    self.give_up(&notice, Some(chat), Delivery::Blocked, error).await?
                }
                Recipient::Applicant(chat) => match self.app.config().notices.policy(&notice.kind) {
                    // SMS instead of chat, when SMS is on; otherwise chat is the only way.
                    ChannelPolicy::Sms if chat.sms_active => {
                        outbox::move_to_sms(self.app.pool(), notice.id).await?;
                        Delivery::Later
                    }
                    ChannelPolicy::Both if chat.sms_active => {
                        outbox::queue_sms_twin(&mut *self.app.pool().acquire().await?, notice.id).await?;
                        self.deliver(key, &notice, chat, deadline).await?
                    }
                    _ => self.deliver(key, &notice, chat, deadline).await?,
                },
                Recipient::Staff(subject) => self.post_to_staff(key, &notice, *subject).await?,
            };
            blocked |= delivery == Delivery::Blocked;
            match delivery {
                Delivery::Sent => done.sent.push(notice.id),
                Delivery::Late => done.late.push(notice.id),
                _ => {}
            }
        }
        Ok(done)
    }

    /// A notice that will not arrive (`Blocked` or `Dead`): recorded, and for an applicant
    /// handed to SMS where the policy says so and SMS is on. The staff group has no other
    /// channel: its post is dead, visible with the error, until the bot is back in the group.
    async fn give_up(
        &self,
        notice: &Claimed,
        applicant: Option<&ApplicantChat>,
        delivery: Delivery,
        error: &str,
    ) -> anyhow::Result<Delivery> {
        let pool = self.app.pool();
        match applicant {
            Some(chat) => {
                let twin = self.falls_back_to_sms(notice, chat);
                match delivery {
                    Delivery::Blocked => outbox::mark_blocked(pool, notice.id, chat.applicant, error, twin).await?,
                    _ => outbox::mark_dead(pool, notice.id, error, twin).await?,
                }
                Ok(delivery)
            }
            None => {
                tracing::error!(error = %error, "the bot cannot post to the staff group");
                outbox::mark_dead(pool, notice.id, error, false).await?;
                Ok(Delivery::Dead)
            }
        }
    }

    /// Whether a chat notice that cannot arrive goes by SMS instead.
    fn falls_back_to_sms(&self, notice: &Claimed, chat: &ApplicantChat) -> bool {
        let policy = self.app.config().notices.policy(&notice.kind);
        chat.sms_active && matches!(policy, ChannelPolicy::ChatThenSms | ChannelPolicy::Sms)
    }

    async fn deliver(
        &self,
        key: ChatKey,
        notice: &Claimed,
        chat: &ApplicantChat,
        deadline: Instant,
    ) -> anyhow::Result<Delivery> {
        let Some(sender) = self.senders.get(&chat.platform) else {
            let error = format!("no {} channel is running", chat.platform);
            self.retry_or_give_up(notice, &error, false).await?;
            return Ok(Delivery::Later);
        };
        let locale = self.app.locale_or_default(chat.locale.as_deref());
        let mut text = self.app.i18n().render(locale, &notice.message);
        let buttons = match asked_under(notice).filter(|_| sender.has_buttons()) {
            Some(Asked::Score(subject)) => self.ask_for_a_score(&mut text, locale, subject),
            Some(Asked::Seen) => {
                let label = self.app.i18n().render(locale, &Msg::new(m::SEEN_BUTTON));
                vec![(label, seen::button_data(notice.id))]
            }
            None => Vec::new(),
        };
        let slot = if sender.is_paced() {
            self.pacing.wait(key, Lane::of_notice(&notice.kind)).await
        } else {
            None
        };
        let result = {
            let permit = self
                .pacing
                .in_flight
                .acquire()
                .await
                .context("the dispatcher's send slots closed")?;
            // Waiting for the pace and a slot took the round past its deadline, or meanwhile an
            // older notice of the chat went back: not sent now.
            if Instant::now() >= deadline || self.pacing.late.must_wait(key, notice.id) {
                // The chat's later notices, claimed in later rounds, wait for it from now on:
                // giving its slot back below lets them run.
                self.pacing.late.went_late(key, notice.id);
                // Its slot goes back to the chat: a notice that keeps coming too late must
                // not keep pushing its chat's next slot away (it could starve the chat).
                drop(permit);
                self.pacing.unused(key, slot).await;
                return Ok(Delivery::Late);
            }
            let left = Instant::now();
            let result = sender.send(chat.chat_id, text, &buttons).await;
            drop(permit);
            self.pacing.sent(key, slot, left).await;
            result
        };
        self.record(notice, result, Some(chat)).await
    }

    /// Adds the survey's question to `text` and returns its five buttons (label, data).
    fn ask_for_a_score(&self, text: &mut String, locale: Locale, subject: RatingSubject) -> Vec<(String, String)> {
        let i18n = self.app.i18n();
        text.push_str("\n\n");
        text.push_str(&i18n.render(locale, &Msg::new(m::RATE_ASK)));
        Score::ALL
            .iter()
            .map(|score| {
                let label = Msg::new(m::RATE_BUTTON).arg("score", Arg::Number(i64::from(score.get())));
                (i18n.render(locale, &label), rating::button_data(subject, *score))
            })
            .collect()
    }

    async fn post_to_staff(&self, key: ChatKey, notice: &Claimed, subject: StaffSubject) -> anyhow::Result<Delivery> {
        let Some(staff_chat) = &self.staff_chat else {
            self.retry_or_give_up(notice, "no staff chat is running", false).await?;
            return Ok(Delivery::Later);
        };
        let slot = self.pacing.wait(key, Lane::Notice).await;
        let left = Instant::now();
        let result = staff_chat.post(subject, &notice.message).await;
        self.pacing.sent(key, slot, left).await;
        self.record(notice, result, None).await
    }

    /// Records what became of a send (a success is recorded with the rest of the batch).
    async fn record(
        &self,
        notice: &Claimed,
        result: Result<(), SendError>,
        applicant: Option<&ApplicantChat>,
    ) -> anyhow::Result<Delivery> {
        let outcome = match result {
            Ok(()) => Delivery::Sent,
            Err(SendError::RetryAfter(wait)) => {
                tracing::warn!(wait = ?wait, "the Bot API asked us to slow down");
                let at = after(wait, chrono::Duration::seconds(30));
                outbox::retry_at(self.app.pool(), notice.id, at, "429 Too Many Requests", true).await?;
                Delivery::Later
            }
            Err(SendError::Blocked(error)) => self.give_up(notice, applicant, Delivery::Blocked, &error).await?,
            Err(SendError::Permanent(error)) => {
                tracing::warn!(notice = notice.id, error = %error, "notice cannot be delivered");
                self.give_up(notice, applicant, Delivery::Dead, &error).await?
            }
            Err(SendError::Temporary(error)) => {
                let twin = applicant.is_some_and(|chat| self.falls_back_to_sms(notice, chat));
                if self.retry_or_give_up(notice, &error, twin).await? {
                    Delivery::Dead
                } else {
                    Delivery::Later
                }
            }
        };
        Ok(outcome)
    }

    /// Puts the notice back for later, or records it dead after its last attempt (queueing its
    /// SMS twin with it when `sms_twin`); true when it is dead.
    async fn retry_or_give_up(&self, notice: &Claimed, error: &str, sms_twin: bool) -> anyhow::Result<bool> {
        if notice.attempts >= self.settings.max_attempts {
            tracing::warn!(notice = notice.id, error = %error, "notice is dead after its last attempt");
            outbox::mark_dead(self.app.pool(), notice.id, error, sms_twin).await?;
            return Ok(true);
        }
        retry_later(self.app.pool(), &self.settings, notice.id, notice.attempts, error).await?;
        Ok(false)
    }
}

/// Waits for a round being sent to finish and be recorded; nothing to wait for is done.
async fn finished(round: Option<JoinHandle<anyhow::Result<()>>>) -> anyhow::Result<()> {
    match round {
        Some(round) => round.await.context("a round of sends panicked")?,
        None => Ok(()),
    }
}

/// Whether a dispatcher's loop stops after a round: at once when told to, else, after a round
/// that found nothing to do or failed, when told to during its pause of `idle_poll`.
pub(crate) async fn stops_after_round(shutdown: &mut watch::Receiver<bool>, idle: bool, idle_poll: Duration) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    if !idle {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(idle_poll) => false,
        _ = shutdown.changed() => true,
    }
}

/// The moment `wait` from now; a wait too long to represent is taken as `fallback`.
pub(crate) fn after(wait: Duration, fallback: chrono::Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(fallback)
}

/// Puts a notice back for another attempt after the backoff its attempts so far call for.
pub(crate) async fn retry_later(
    pool: &sqlx::PgPool,
    settings: &DispatcherSettings,
    id: i64,
    attempts: i32,
    error: &str,
) -> anyhow::Result<()> {
    let at = after(backoff(settings, attempts), chrono::Duration::seconds(60));
    outbox::retry_at(pool, id, at, error, false).await?;
    Ok(())
}

/// Exponential in the attempts made, capped, with ±25% jitter so that many notices that failed
/// together do not retry together.
pub(super) fn backoff(settings: &DispatcherSettings, attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    let raw = settings
        .backoff_base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(settings.backoff_cap);
    let mut byte = [0u8; 1];
    let jitter = if getrandom::fill(&mut byte).is_ok() {
        f64::from(byte[0]) / 255.0
    } else {
        0.5
    };
    raw.mul_f64(0.75 + jitter * 0.5)
}

/// What the buttons under a notice ask of the applicant.
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    /// A score for a decision on their request, or the answer to their complaint.
    Score(RatingSubject),
    /// "I have seen it", under documents due by a date: evidence this message reached them.
    Seen,
}

fn asked_under(notice: &Claimed) -> Option<Asked> {
    let subject = RatingSubject::parse(notice.subject.as_deref()?)?;
    match (NoticeKind::parse(&notice.kind)?, subject) {
        (NoticeKind::Decision, RatingSubject::Request(_))
        | (NoticeKind::ComplaintAnswered, RatingSubject::Complaint(_)) => Some(Asked::Score(subject)),
        (NoticeKind::DocumentsDeadline | NoticeKind::DocumentsReminder, RatingSubject::Request(_)) => Some(Asked::Seen),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_answers_ask_for_a_score_and_documents_due_for_a_sighting() {
        let notice = |kind: &str, subject: Option<&str>| Claimed {
            id: 1,
            kind: kind.into(),
            message: Msg::new("x"),
            attempts: 1,
            to: Recipient::Staff(StaffSubject::Notice),
            subject: subject.map(str::to_owned),
        };
        assert_eq!(
            asked_under(&notice("decision", Some("request:12"))),
            Some(Asked::Score(RatingSubject::Request(12)))
        );
        assert_eq!(
            asked_under(&notice("complaint-answered", Some("complaint:5"))),
            Some(Asked::Score(RatingSubject::Complaint(5)))
        );
        for kind in ["documents-deadline", "documents-reminder"] {
            assert_eq!(asked_under(&notice(kind, Some("request:12"))), Some(Asked::Seen));
        }
        for (kind, subject) in [
            ("stage-changed", Some("request:12")),
            ("decision", Some("complaint:5")),
            ("complaint-answered", Some("request:12")),
            ("decision", None),
            ("broadcast", Some("broadcast:3")),
            ("documents-deadline", Some("complaint:5")),
        ] {
            assert_eq!(asked_under(&notice(kind, subject)), None, "{kind} {subject:?}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let settings = DispatcherSettings::default();
        let first = backoff(&settings, 1);
        assert!(
            first >= Duration::from_millis(1500) && first <= Duration::from_millis(2500),
            "{first:?}"
        );
        let fifth = backoff(&settings, 5);
        assert!(
            fifth >= Duration::from_secs(24) && fifth <= Duration::from_secs(40),
            "{fifth:?}"
        );
        let late = backoff(&settings, 30);
        assert!(late <= Duration::from_secs(750), "{late:?}");
    }
}
