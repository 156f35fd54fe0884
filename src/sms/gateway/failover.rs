//! Two providers, the second standing in for the first. An SMS the primary could not take for
//! reasons of its own (down, busy, out of credit, key refused) goes at once through the
//! secondary; the primary is then passed over for a while and tried again after it, so that
//! traffic returns to it once it recovers. A number the primary cannot reach (no Bale account
//! behind it, for Safir) goes through the secondary too, without the primary being passed over.
//! An SMS refused for itself (a bad number) is not offered to the other provider: it would
//! fail there too.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Accepted, Gateway, Sms, SmsError};
use crate::sms::config::SmsConfig;

/// One SMS's outcome, and the provider that gave it (reports are matched by it).
#[derive(Debug)]
pub struct Sent {
    pub provider: &'static str,
    pub result: Result<Accepted, SmsError>,
    /// The provider asked first, when it did not take the SMS, and why: evidence of the step.
    pub passed_over: Option<(&'static str, String)>,
}

/// The configured providers: one, or a primary and a secondary; and a service for one-time
/// codes tried before them, where one is set. Clones share what they learnt of each one's health.
#[derive(Debug, Clone)]
pub struct Gateways {
    primary: Gateway,
    secondary: Option<Gateway>,
    /// Until when the primary is passed over, after it failed.
    primary_resting: Resting,
    /// Bale's OTP service: a code it cannot deliver goes on through the providers at once.
    codes: Option<(Gateway, Resting)>,
}

/// Until when a gateway that failed is passed over; shared by clones.
#[derive(Debug, Clone, Default)]
struct Resting {
    until: Arc<Mutex<Option<Instant>>>,
    rest: Duration,
}

impl Resting {
    fn new(rest: Duration) -> Self {
        Self {
            until: Arc::default(),
            rest,
        }
    }

    fn now(&self) -> bool {
        let until = self.until.lock().expect("gateway health lock");
        until.is_some_and(|until| Instant::now() < until)
    }

    fn failed(&self, gateway: &Gateway, why: &SmsError) {
        let mut until = self.until.lock().expect("gateway health lock");
        if until.is_none() {
            tracing::warn!(
                gateway = gateway.name(),
                error = ?why.masked(),
                rest_secs = self.rest.as_secs(),
                "an SMS gateway failed; passing it over for a while"
            );
        }
        *until = Some(Instant::now() + self.rest);
    }

    /// Rests `gateway` after `trouble`; without any, it is sending again.
    fn update(&self, gateway: &Gateway, trouble: Option<&SmsError>) {
        match trouble {
            Some(why) => self.failed(gateway, why),
            None => self.recovered(gateway),
        }
    }

    fn recovered(&self, gateway: &Gateway) {
        let mut until = self.until.lock().expect("gateway health lock");
        if until.take().is_some() {
            tracing::info!(gateway = gateway.name(), "an SMS gateway is sending again");
        }
    }
}

impl Gateways {
    pub fn from_config(config: &SmsConfig) -> anyhow::Result<Self> {
        let primary = Gateway::of(config.provider, config)?;
        let secondary = config
            .secondary
            .map(|provider| Gateway::of(provider, config))
            .transpose()?;
        let rest = Duration::from_secs(config.failover_rest_secs);
        let codes = config
            .codes_via
            .map(|via| Gateway::for_codes(via, config))
            .transpose()?
            .map(|gateway| (gateway, Resting::new(rest)));
        Ok(Self {
            primary,
            secondary,
            primary_resting: Resting::new(rest),
            codes,
        })
    }

    /// A gateway alone, with nothing to fall back on.
    pub fn single(gateway: Gateway) -> Self {
        Self {
            primary: gateway,
            secondary: None,
            primary_resting: Resting::default(),
            codes: None,
        }
    }

    /// Every configured SMS provider, the primary first (not the codes' service).
    pub fn all(&self) -> impl Iterator<Item = &Gateway> {
        std::iter::once(&self.primary).chain(&self.secondary)
    }

    /// Every configured gateway, the codes' service too: those whose credit is followed.
    pub fn with_codes(&self) -> impl Iterator<Item = &Gateway> {
        self.all().chain(self.codes.as_ref().map(|(gateway, _)| gateway))
    }

    /// Names for the log: `kavenegar`, or `kavenegar then smsir`, and where codes go first.
    pub fn describe(&self) -> String {
        let providers = match &self.secondary {
            Some(second) => format!("{} then {}", self.primary.name(), second.name()),
            None => self.primary.name().to_owned(),
        };
        match &self.codes {
            Some((codes, _)) => format!("{providers}; one-time codes through {} first", codes.name()),
            None => providers,
        }
    }

    /// How many SMS to hand to `send` at once: what the gateway tried first takes per call.
    pub fn batch_size(&self) -> usize {
        self.in_order().0.batch_size()
    }

    /// Sends `batch`; one outcome per SMS, in order. One-time codes go through the codes'
    /// service first, where one is set and not resting.
    pub async fn send(&self, batch: &[Sms]) -> Vec<Sent> {
        match &self.codes {
            Some((codes, resting)) if !resting.now() && batch.iter().any(|sms| sms.one_time_code.is_some()) => {
                self.send_codes_first(codes, resting, batch).await
            }
            _ => self.send_by_sms(batch).await,
        }
    }

    /// Sends the codes of `batch` through `codes`; the other messages, and each code it did not
    /// take, go through the SMS providers in one round.
    async fn send_codes_first(&self, codes: &Gateway, resting: &Resting, batch: &[Sms]) -> Vec<Sent> {
        let (code_at, other_at): (Vec<usize>, Vec<usize>) =
            (0..batch.len()).partition(|&i| batch[i].one_time_code.is_some());
        let tried = Tried::by(codes, &pick(batch, &code_at)).await;
        resting.update(codes, tried.trouble());
        let mut by_sms_at: Vec<usize> = tried.refused.iter().map(|&r| code_at[r]).chain(other_at).collect();
        by_sms_at.sort_unstable();
        let by_sms = self.send_by_sms(&pick(batch, &by_sms_at)).await;
        let mut outcomes: Vec<Option<Sent>> = (0..batch.len()).map(|_| None).collect();
        for (i, sent) in by_sms_at.into_iter().zip(by_sms) {
            outcomes[i] = Some(sent);
        }
        let again: Vec<Sent> = tried
            .refused
            .iter()
            .map(|&r| outcomes[code_at[r]].take().expect("sent by SMS"))
            .collect();
        for (i, sent) in code_at.into_iter().zip(tried.hand_on(codes, again)) {
            outcomes[i] = Some(sent);
        }
        outcomes
            .into_iter()
            .map(|sent| sent.expect("every SMS has an outcome"))
            .collect()
    }

    /// Sends `batch` through the SMS providers, the second taking what the first could not.
    async fn send_by_sms(&self, batch: &[Sms]) -> Vec<Sent> {
        let (first, second) = self.in_order();
        let Some(second) = second else {
            return send_in_calls(first, batch).await;
        };
        let tried = Tried::by(first, batch).await;
        if std::ptr::eq(first, &self.primary) {
            self.primary_resting.update(&self.primary, tried.trouble());
        }
        let again = send_in_calls(second, &pick(batch, &tried.refused)).await;
        tried.hand_on(first, again)
    }

    /// Sends `batch` through a gateway other than `passed`, which had its chance at it; in the
    /// usual order when there is no other.
    pub async fn send_avoiding(&self, batch: &[Sms], passed: &str) -> Vec<Sent> {
        let other = self.all().find(|g| g.name() != passed);
        match other {
            Some(other) if self.secondary.is_some() => send_in_calls(other, batch).await,
            _ => self.send(batch).await,
        }
    }

    /// The gateways a notice can move on from: both of two, none of one.
    pub fn with_alternative(&self) -> Vec<&'static str> {
        match &self.secondary {
            Some(_) => self.all().map(Gateway::name).collect(),
            None => Vec::new(),
        }
    }

    /// The gateway to try first, and the one to try after it.
    fn in_order(&self) -> (&Gateway, Option<&Gateway>) {
        match &self.secondary {
            Some(second) if self.primary_is_resting() => (second, Some(&self.primary)),
            second => (&self.primary, second.as_ref()),
        }
    }

    fn primary_is_resting(&self) -> bool {
        self.primary_resting.now()
    }
}

/// What a gateway made of a batch: each outcome, and the positions of those it refused that
/// another gateway may send (its trouble, or a number it cannot reach).
struct Tried {
    sent: Vec<Sent>,
    refused: Vec<usize>,
}

impl Tried {
    async fn by(gateway: &Gateway, batch: &[Sms]) -> Self {
        let sent = send_in_calls(gateway, batch).await;
        let refused = (0..sent.len())
            .filter(|&i| matches!(&sent[i].result, Err(err) if err.another_may_send()))
            .collect();
        Self { sent, refused }
    }

    /// The gateway's own trouble (down, busy, unusable), where a refusal shows one.
    fn trouble(&self) -> Option<&SmsError> {
        self.refused.iter().find_map(|&i| match &self.sent[i].result {
            Err(err) if err.provider_in_trouble() => Some(err),
            _ => None,
        })
    }

    /// The outcomes, with those of the refused messages (`again`, in their order) taken from
    /// another gateway, each naming `gateway` as passed over and why.
    fn hand_on(mut self, gateway: &Gateway, again: impl IntoIterator<Item = Sent>) -> Vec<Sent> {
        for (i, mut retried) in self.refused.into_iter().zip(again) {
            let why = match &self.sent[i].result {
                Err(err) => err.masked().to_string(),
                Ok(_) => unreachable!("only refusals are sent again"),
            };
            retried.passed_over = Some((gateway.name(), why));
            self.sent[i] = retried;
        }
        self.sent
    }
}

/// The messages of `batch` at `positions`, in that order.
fn pick(batch: &[Sms], positions: &[usize]) -> Vec<Sms> {
    positions.iter().map(|&i| batch[i].clone()).collect()
}

impl From<Gateway> for Gateways {
    fn from(gateway: Gateway) -> Self {
        Self::single(gateway)
    }
}

/// Sends `batch` through `gateway` in calls of the size it takes; each outcome named by it.
async fn send_in_calls(gateway: &Gateway, batch: &[Sms]) -> Vec<Sent> {
    let mut sent = Vec::with_capacity(batch.len());
    for call in batch.chunks(gateway.batch_size().max(1)) {
        sent.extend(gateway.send(call).await.into_iter().map(|result| Sent {
            provider: gateway.name(),
            result,
            passed_over: None,
        }));
    }
    sent
}
