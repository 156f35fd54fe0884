//! The SMS dispatcher: claims due SMS, checks consent and quiet hours at send time, renders
//! and measures each text, sends in the gateway's bulk size at its configured rate, and records
//! what the gateway said. Each SMS goes along its route (the usual order of providers, or its
//! kind's cascade), each gateway taking what those before it could not (`Gateways`). A second
//! loop asks the gateways for delivery reports that did not arrive by callback.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::dispatcher::{DispatcherSettings, after, retry_later, stops_after_round};
use super::pace::Pacer;
use crate::app::Application;
use crate::conversation::messages as m;
use crate::domain::PhoneNumber;
use crate::i18n::{Arg, Locale, Msg};
use crate::notify::kind::{NoticeKind, dedup};
use crate::sms::class::MessageClass;
use crate::sms::compose::Composition;
use crate::sms::gateway::Route;
use crate::sms::quiet::quiet_until;
use crate::sms::{Gateways, Report, Sms, SmsError};
use crate::store::notices::{self, PassedOver};
use crate::store::outbox::{self, NewStaffPost, StaffSubject};
use crate::store::sms_credit;
use crate::store::sms_outbox::{self, ClaimedSms, FinalReport, SentSms, Share};

/// Records a report, whether polled or called back; only a final one changes anything. True
/// when it moved the SMS.
pub async fn record_report(pool: &sqlx::PgPool, provider: &str, id: &str, report: &Report) -> sqlx::Result<bool> {
    match report {
        Report::Delivered => sms_outbox::apply_report(pool, provider, id, FinalReport::Delivered).await,
        Report::Failed(why) => sms_outbox::apply_report(pool, provider, id, FinalReport::Failed(why)).await,
        Report::Blacklisted(why) => sms_outbox::apply_report(pool, provider, id, FinalReport::Blacklisted(why)).await,
        Report::Sent => Ok(false),
    }
}

/// The kind of the staff post that says the SMS credit is low.
pub const LOW_CREDIT_KIND: NoticeKind = NoticeKind::SmsCredit;
/// The kind of the staff post that says a notice that must be confirmed reached no one.
pub const UNDELIVERED_KIND: NoticeKind = NoticeKind::Undelivered;

/// What one pass over unconfirmed notices did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MovedOn {
    /// Put back to go through the other gateway.
    pub moved: u64,
    /// At the end of their cascade undelivered, and staff told.
    pub flagged: u64,
}

/// Kinds of notice that go one way: their gateways in order, and whether staff are told when
/// the last confirmed nothing.
struct Way {
    kinds: Vec<String>,
    order: Vec<&'static str>,
    ends_in_person: bool,
}

/// Loops the service runs side by side, each sending its own share of the due SMS (by
/// applicant, so that each applicant's go in order). While one claims or records (PostgreSQL's
/// work), another sends: with the gateway's limits off, on the benchmark's two cores, two loops
/// sent a median 20,040 recipients a second where one sent 16,030 (six alternated pairs,
/// 2026-12-03). Under a gateway's rate they share its pace, and each claims no more than one
/// round sends at it, so a claimed SMS waits at most this many rounds for its turn.
const LOOPS: i64 = 2;

/// How long an SMS waits when no provider can take it for reasons of their own (no credit, a
/// key refused): long enough not to hammer them, short enough to go soon after someone acts.
const UNAVAILABLE_WAIT: Duration = Duration::from_secs(300);

/// The code a one-time-code notice carries, in ASCII digits (its `ascii` argument).
fn one_time_code(sms: &ClaimedSms) -> Option<String> {
    if sms.kind != NoticeKind::Otp.as_str() {
        return None;
    }
    sms.message
        .args
        .iter()
        .find_map(|(name, arg)| match (name.as_str(), arg) {
            ("ascii", Arg::Text(code)) => Some(code.clone()),
            _ => None,
        })
}

/// A batch sent and not yet recorded: the claimed rows, the texts, and what the gateways said.
/// It owns its rows, so that the last batch of a round can be recorded while the next round
/// is claimed.
struct Batch {
    chunk: Vec<(ClaimedSms, usize)>,
    batch: Vec<Sms>,
    results: Vec<crate::sms::gateway::Sent>,
}

/// The text and part count of a fan-out's copies in each language, composed once a round: the
/// copies of a broadcast to thousands share one message, and composing it for each was a
/// twentieth of the round.
type ComposedCopies = HashMap<(i64, Locale), (String, usize)>;

/// SMS that passed the send-time checks, each with its part count, beside the texts to send.
type Ready = (Vec<(ClaimedSms, usize)>, Vec<Sms>);

/// A claimed round after the send-time checks, by the route each SMS takes.
struct Round {
    claimed: usize,
    groups: BTreeMap<Route, Ready>,
}

/// Delivers the outbox's SMS rows through the configured gateways.
#[derive(Clone)]
pub struct SmsDispatcher {
    app: Application,
    gateways: Gateways,
    settings: DispatcherSettings,
    pacer: Arc<Pacer>,
    /// SMS to claim in a round: the settings' batch, or what one round sends at the pace.
    claim_size: i64,
}

impl SmsDispatcher {
    /// `per_second` is the gateway's limit; `None` sends as fast as the gateway answers.
    pub fn new(
        app: Application,
        gateways: impl Into<Gateways>,
        settings: DispatcherSettings,
        per_second: Option<f64>,
    ) -> Self {
        Self {
            app,
            gateways: gateways.into(),
            claim_size: settings.claim_size_at(per_second),
            settings,
            pacer: Arc::new(Pacer::per_second(per_second)),
        }
    }

    /// Runs [`LOOPS`] loops, each over its share of the due SMS, until `shutdown` turns true;
    /// each records what it sent last before it returns.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let mut loops = tokio::task::JoinSet::new();
        for index in 0..LOOPS {
            let share = Share::new(index, LOOPS).expect("each index is below the count");
            loops.spawn(self.clone().run_share(share, shutdown.clone()));
        }
        while let Some(ended) = loops.join_next().await {
            if let Err(err) = ended {
                tracing::error!(error = %err, "an SMS dispatcher loop ended abnormally");
            }
        }
    }

    /// One loop over `share`. Unlike [`Self::run_once`], a round's last batch is recorded while
    /// the next round is claimed: both are PostgreSQL's work, on two connections, and the claim
    /// would otherwise wait for the record with a core idle. The next round sends nothing
    /// before that record is done, so at most two batches of a loop are sent and not recorded
    /// at any time, as within a round, and the rows just claimed wait for that one statement,
    /// never for a send.
    async fn run_share(self, share: Share, mut shutdown: watch::Receiver<bool>) {
        let mut unrecorded: Option<Batch> = None;
        loop {
            let (round, recorded) = tokio::join!(self.claim_round(share), self.record_any(unrecorded.take()));
            if let Err(err) = recorded {
                // Its rows are sent again when their lease ends, as after a crash.
                tracing::error!(error = format!("{err:#}"), "recording sent SMS failed");
            }
            let sent = match round {
                Ok(Round { claimed, groups }) => self.send(groups).await.map(|last| (claimed, last)),
                Err(err) => Err(err.context("claiming SMS")),
            };
            let idle = match sent {
                Ok((claimed, last)) => {
                    unrecorded = last;
                    claimed == 0
                }
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "sending SMS failed");
                    true
                }
            };
            if stops_after_round(&mut shutdown, idle, self.settings.idle_poll).await {
                break;
            }
        }
        if let Err(err) = self.record_any(unrecorded).await {
            tracing::error!(error = format!("{err:#}"), "recording sent SMS failed");
        }
    }

    /// Claims one batch, sends it and records it all; returns how many SMS rows it handled.
    #[tracing::instrument(skip_all)]
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let round = self.claim_round(Share::ALL).await?;
        let last = self.send(round.groups).await?;
        self.record_any(last).await?;
        Ok(round.claimed)
    }

    /// Claims one batch of `share` and makes the send-time checks.
    async fn claim_round(&self, share: Share) -> anyhow::Result<Round> {
        let pool = self.app.pool();
        let lease = self.settings.lease;
        let claimed = sms_outbox::claim(pool, self.app.vault(), share, self.claim_size, lease).await?;
        let count = claimed.len();
        // What passed the send-time checks, with its part count, beside the text to send, by
        // the route it takes: its kind's gateways (the usual order, or its cascade), less those
        // that already had their chance at it and did not confirm it. Claimed in order, each
        // group keeps it.
        let mut groups: BTreeMap<Route, Ready> = BTreeMap::new();
        let mut composed = ComposedCopies::default();
        for sms in claimed {
            if let Some((out, parts)) = self.check(&sms, &mut composed).await? {
                let route = self.gateways.route(&sms.kind, &sms.passed_providers);
                let (ready, outgoing) = groups.entry(route).or_default();
                ready.push((sms, parts));
                outgoing.push(out);
            }
        }
        Ok(Round { claimed: count, groups })
    }

    /// Sends each group along its route in its first gateway's batch size at the pace set, and
    /// records what each gateway took and what it did not, except the last batch, which it
    /// returns unrecorded. A batch is recorded while the next one is sent: the sends keep
    /// their order, and the database's time and the provider's overlap. (A crash between the
    /// two leaves at most two batches of each loop sent and not recorded, sent again after the
    /// lease under the same local ids: Kavenegar answers a known one with the earlier message;
    /// SMS.ir, which takes no such id, sends them again.)
    async fn send(&self, groups: BTreeMap<Route, Ready>) -> anyhow::Result<Option<Batch>> {
        let mut unrecorded: Option<Batch> = None;
        for (route, (ready, outgoing)) in groups {
            let size = self.gateways.batch_size(&route).max(1);
            let (mut ready, mut outgoing) = (ready.into_iter(), outgoing.into_iter());
            loop {
                let chunk: Vec<_> = ready.by_ref().take(size).collect();
                let batch: Vec<_> = outgoing.by_ref().take(size).collect();
                if batch.is_empty() {
                    break;
                }
                self.pacer.wait_for(batch.len() as u32).await;
                let sending = self.gateways.send(&batch, &route);
                let (results, recorded) = tokio::join!(sending, self.record_any(unrecorded.take()));
                recorded?;
                unrecorded = Some(Batch { chunk, batch, results });
            }
        }
        Ok(unrecorded)
    }

    /// Records `sent`, when there is a batch to record.
    async fn record_any(&self, sent: Option<Batch>) -> anyhow::Result<()> {
        match sent {
            Some(sent) => self.record(sent).await,
            None => Ok(()),
        }
    }

    /// Records what each gateway took of a batch and what it did not.
    async fn record(&self, sent: Batch) -> anyhow::Result<()> {
        let pool = self.app.pool();
        // What each provider took, recorded under its name for its reports.
        let mut taken: Vec<(&'static str, Vec<SentSms>)> = Vec::new();
        let mut passed_over = Vec::new();
        for (((claimed, parts), out), sent) in sent.chunk.iter().zip(&sent.batch).zip(sent.results) {
            passed_over.extend(sent.passed_over.into_iter().map(|(provider, why)| PassedOver {
                id: claimed.id,
                provider,
                why,
            }));
            match sent.result {
                Ok(accepted) => {
                    let row = SentSms {
                        id: claimed.id,
                        provider_id: accepted.provider_id,
                        status: accepted.state.status(),
                        segments: *parts as i32,
                        body: out.text.clone(),
                    };
                    match taken.iter_mut().find(|(provider, _)| *provider == sent.provider) {
                        Some((_, rows)) => rows.push(row),
                        None => taken.push((sent.provider, vec![row])),
                    }
                }
                Err(err) => self.failed(claimed, err).await?,
            }
        }
        // Before the outcome, so that the evidence reads in the order things happened.
        notices::record_passed_over(pool, &passed_over).await?;
        for (provider, rows) in &taken {
            sms_outbox::mark_sent(pool, self.app.vault(), provider, rows).await?;
        }
        Ok(())
    }

    /// Puts back, to go through the next gateway of its kind's order, each notice that must be
    /// confirmed and was not in time (or was reported undelivered); tells staff of those that
    /// reached the end of their cascade undelivered, where it ends in person. Nothing without a
    /// wait set.
    pub async fn move_on_unconfirmed(&self) -> anyhow::Result<MovedOn> {
        let Some(wait) = self.app.config().notices.confirm_within() else {
            return Ok(MovedOn::default());
        };
        let before = Utc::now() - chrono::Duration::from_std(wait)?;
        let pool = self.app.pool();
        let staff = self.app.config().staff_chat.is_some();
        let mut done = MovedOn::default();
        for way in self.ways() {
            if way.kinds.is_empty() {
                continue;
            }
            done.moved += sms_outbox::move_on_unconfirmed(pool, &way.kinds, &way.order, before).await?;
            if staff && way.ends_in_person {
                for notice in sms_outbox::undelivered(pool, &way.kinds, &way.order, before).await? {
                    self.flag_undelivered(&notice).await?;
                    done.flagged += 1;
                }
            }
        }
        if done.moved > 0 {
            tracing::info!(
                notices = done.moved,
                "notices not confirmed delivered go through the next gateway"
            );
        }
        if done.flagged > 0 {
            tracing::warn!(notices = done.flagged, "notices no way delivered: staff told");
        }
        Ok(done)
    }

    /// The ways notices that must be confirmed go: the kinds of `confirm_kinds` without a
    /// cascade of their own through the usual order, ending with staff; each kind with a
    /// cascade through its own gateways, ending with staff where it says "in-person".
    fn ways(&self) -> Vec<Way> {
        let notices = &self.app.config().notices;
        let usual = Way {
            kinds: notices.confirm_kinds_stored(),
            order: self.gateways.usual_order(),
            ends_in_person: true,
        };
        // A cascade without a phone gateway has nothing to move on through.
        let cascades = notices
            .cascade
            .iter()
            .filter(|(_, cascade)| !cascade.phones().is_empty())
            .map(|(kind, cascade)| Way {
                kinds: vec![kind.as_str().to_owned()],
                order: self.gateways.order(kind.as_str()),
                ends_in_person: cascade.ends_in_person(),
            });
        std::iter::once(usual).chain(cascades).collect()
    }

    /// Tells staff, on the request's card, that its notice reached the applicant by no way, and
    /// records it in the notice's evidence; together, once.
    async fn flag_undelivered(&self, notice: &sms_outbox::Undelivered) -> anyhow::Result<()> {
        let mut tx = self.app.pool().begin().await?;
        let post = NewStaffPost {
            dedup_key: dedup::undelivered(notice.id),
            kind: UNDELIVERED_KIND,
            message: Msg::new(m::STAFF_UNDELIVERED),
            subject: StaffSubject::Request(notice.request_id),
        };
        if outbox::enqueue_staff(&mut tx, &post).await? {
            notices::record_step(&mut tx, notice.id, "undeliverable", "no way confirmed it; staff told").await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The checks made at send time; the SMS and its parts, or `None` when it is not sent now
    /// (skipped, or put back until quiet hours end).
    async fn check(&self, sms: &ClaimedSms, composed: &mut ComposedCopies) -> anyhow::Result<Option<(Sms, usize)>> {
        let pool = self.app.pool();
        let config = &self.app.config().sms;
        let Some(to) = sms.to.as_deref().and_then(|n| PhoneNumber::parse(n).ok()) else {
            outbox::mark_skipped(pool, sms.id, "no Iranian mobile number to send to").await?;
            return Ok(None);
        };
        if !sms.direct && !sms.active {
            outbox::mark_skipped(pool, sms.id, "SMS is off for this applicant (no consent, or opted out)").await?;
            return Ok(None);
        }
        let urgent = sms.urgent || config.is_urgent(&sms.kind);
        if !urgent && let Some(until) = config.quiet_hours.and_then(|q| quiet_until(q, Utc::now())) {
            outbox::retry_at(pool, sms.id, until, "waiting for the end of quiet hours", true).await?;
            return Ok(None);
        }
        let locale = self.app.locale_or_default(sms.locale.as_deref());
        let class = MessageClass::of_kind(&sms.kind);
        let compose = || {
            let composition = Composition {
                i18n: self.app.i18n(),
                locale,
                sender: config.sender.as_deref(),
                max_parts: config.max_parts,
                // Broadcasts, maintenance and outage notices end as the regulator asks of
                // informational messages; a notice about the applicant's own request does not.
                informational: class == MessageClass::Informational,
            };
            let (text, measure) = composition.compose(&sms.message);
            (text, measure.parts)
        };
        let (text, parts) = match sms.fanout {
            Some(fanout) => composed.entry((fanout, locale)).or_insert_with(compose).clone(),
            None => compose(),
        };
        let out = Sms {
            local_id: sms.id,
            to,
            text,
            one_time_code: one_time_code(sms),
            class,
        };
        Ok(Some((out, parts)))
    }

    async fn failed(&self, sms: &ClaimedSms, err: SmsError) -> anyhow::Result<()> {
        let pool = self.app.pool();
        // Logged and kept: without a number a provider's message may have echoed.
        match err.masked() {
            SmsError::RetryAfter(wait) => {
                let at = after(wait, chrono::Duration::seconds(30));
                outbox::retry_at(pool, sms.id, at, "the SMS gateway asked us to slow down", true).await?;
            }
            SmsError::Unavailable(error) => {
                // Not the message's fault, and not to be lost: it waits for a provider that
                // can take it, its attempt given back.
                tracing::warn!(notice = sms.id, error = %error, "no SMS provider can send now");
                let at = after(UNAVAILABLE_WAIT, chrono::Duration::seconds(300));
                outbox::retry_at(pool, sms.id, at, &error, true).await?;
            }
            SmsError::Temporary(error) if sms.attempts < self.settings.max_attempts => {
                retry_later(pool, &self.settings, sms.id, sms.attempts, &error).await?;
            }
            SmsError::Temporary(error) | SmsError::NotReachable(error) | SmsError::Permanent(error) => {
                tracing::warn!(notice = sms.id, error = %error, "SMS cannot be sent");
                outbox::mark_dead(pool, sms.id, &error, false).await?;
            }
        }
        Ok(())
    }

    /// Asks each gateway about SMS it took a while ago that have no final report yet.
    pub async fn poll_reports(&self) -> anyhow::Result<usize> {
        let pool = self.app.pool();
        let before = Utc::now() - chrono::Duration::seconds(30);
        let mut moved = 0;
        for gateway in self.gateways.all() {
            let ids = sms_outbox::awaiting_reports(pool, gateway.name(), before, 500).await?;
            if ids.is_empty() {
                continue;
            }
            let reports = gateway
                .status(&ids)
                .await
                .map_err(|e| anyhow::anyhow!("asking {} for delivery reports: {e:?}", gateway.name()))?;
            for (id, report) in reports {
                moved += usize::from(record_report(pool, gateway.name(), &id, &report).await?);
            }
        }
        Ok(moved)
    }

    /// Asks each gateway that reports its credit for it, records it, and tells staff once a
    /// day while it is below the configured floor.
    pub async fn check_credit(&self) -> anyhow::Result<()> {
        let pool = self.app.pool();
        for gateway in self.gateways.with_codes() {
            let credit = match gateway.credit().await {
                Ok(Some(credit)) => credit,
                Ok(None) => continue,
                Err(err) => {
                    tracing::warn!(provider = gateway.name(), error = %err.masked(), "asking for the SMS credit failed");
                    continue;
                }
            };
            sms_credit::record(pool, gateway.name(), credit).await?;
            let Some(floor) = self.app.config().sms.low_credit(gateway.name()) else {
                continue;
            };
            if credit < floor {
                tracing::warn!(provider = gateway.name(), credit, floor, "SMS credit is low");
                let message = Msg::new(m::STAFF_LOW_CREDIT)
                    .arg("provider", Arg::Text(gateway.name().to_owned()))
                    .arg("credit", Arg::Number(credit.floor() as i64));
                let post = NewStaffPost {
                    dedup_key: dedup::low_credit(gateway.name(), Utc::now().date_naive()),
                    kind: LOW_CREDIT_KIND,
                    message,
                    subject: StaffSubject::Notice,
                };
                outbox::enqueue_staff(&mut *pool.acquire().await?, &post).await?;
            }
        }
        Ok(())
    }

    /// Polls for reports every `every` until shutdown.
    pub async fn run_report_poll(self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
            if let Err(err) = self.poll_reports().await {
                tracing::warn!(error = format!("{err:#}"), "delivery report poll failed");
            }
            if let Err(err) = self.check_credit().await {
                tracing::warn!(error = format!("{err:#}"), "checking the SMS credit failed");
            }
            // After the reports are in: what is still not confirmed moves on.
            if let Err(err) = self.move_on_unconfirmed().await {
                tracing::warn!(error = format!("{err:#}"), "moving unconfirmed notices on failed");
            }
        }
    }
}
