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

/// The configured providers: one, or a primary and a secondary. Clones share what they learnt
/// of the primary's health.
#[derive(Debug, Clone)]
pub struct Gateways {
    primary: Gateway,
    secondary: Option<Gateway>,
    /// Until when the primary is passed over, after it failed.
    primary_resting: Arc<Mutex<Option<Instant>>>,
    rest: Duration,
}

impl Gateways {
    pub fn from_config(config: &SmsConfig) -> anyhow::Result<Self> {
        let primary = Gateway::of(config.provider, config)?;
        let secondary = config
            .secondary
            .map(|provider| Gateway::of(provider, config))
            .transpose()?;
        Ok(Self {
            primary,
            secondary,
            primary_resting: Arc::default(),
            rest: Duration::from_secs(config.failover_rest_secs),
        })
    }

    /// A gateway alone, with nothing to fall back on.
    pub fn single(gateway: Gateway) -> Self {
        Self {
            primary: gateway,
            secondary: None,
            primary_resting: Arc::default(),
            rest: Duration::ZERO,
        }
    }

    /// Every configured gateway, the primary first.
    pub fn all(&self) -> impl Iterator<Item = &Gateway> {
        std::iter::once(&self.primary).chain(&self.secondary)
    }

    /// Names for the log: `kavenegar`, or `kavenegar then smsir`.
    pub fn describe(&self) -> String {
        match &self.secondary {
            Some(second) => format!("{} then {}", self.primary.name(), second.name()),
            None => self.primary.name().to_owned(),
        }
    }

    /// How many SMS to hand to `send` at once: what the gateway tried first takes per call.
    pub fn batch_size(&self) -> usize {
        self.in_order().0.batch_size()
    }

    /// Sends `batch`; one outcome per SMS, in order.
    pub async fn send(&self, batch: &[Sms]) -> Vec<Sent> {
        let (first, second) = self.in_order();
        let mut sent = send_in_calls(first, batch).await;
        let Some(second) = second else { return sent };
        let failed: Vec<usize> = (0..sent.len())
            .filter(|&i| matches!(&sent[i].result, Err(err) if err.another_may_send()))
            .collect();
        let is_primary = std::ptr::eq(first, &self.primary);
        if failed.is_empty() {
            if is_primary {
                self.primary_recovered();
            }
            return sent;
        }
        let trouble = failed
            .iter()
            .find(|&&i| matches!(&sent[i].result, Err(err) if err.provider_in_trouble()));
        match trouble {
            Some(&i) if is_primary => self.primary_failed(&sent[i].result),
            None if is_primary => self.primary_recovered(),
            _ => {}
        }
        let again: Vec<Sms> = failed.iter().map(|&i| batch[i].clone()).collect();
        let results = send_in_calls(second, &again).await;
        for (i, mut retried) in failed.into_iter().zip(results) {
            let why = match &sent[i].result {
                Err(err) => err.masked().to_string(),
                Ok(_) => unreachable!("only refusals are sent again"),
            };
            retried.passed_over = Some((first.name(), why));
            sent[i] = retried;
        }
        sent
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
        let resting = self.primary_resting.lock().expect("gateway health lock");
        resting.is_some_and(|until| Instant::now() < until)
    }

    fn primary_failed(&self, why: &Result<Accepted, SmsError>) {
        let mut resting = self.primary_resting.lock().expect("gateway health lock");
        if resting.is_none() {
            tracing::warn!(
                primary = self.primary.name(),
                error = ?why.as_ref().err().map(SmsError::masked),
                rest_secs = self.rest.as_secs(),
                "the primary SMS gateway failed; sending through the secondary"
            );
        }
        *resting = Some(Instant::now() + self.rest);
    }

    fn primary_recovered(&self) {
        let mut resting = self.primary_resting.lock().expect("gateway health lock");
        if resting.take().is_some() {
            tracing::info!(
                primary = self.primary.name(),
                "the primary SMS gateway is sending again"
            );
        }
    }
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
