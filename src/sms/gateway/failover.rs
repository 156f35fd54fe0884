//! Providers in turn, each standing in for those before it. An SMS a provider could not take
//! for reasons of its own (down, busy, out of credit, key refused) goes at once through the next
//! of its route; that provider is then passed over for a while and tried again after the
//! others, so that traffic returns to it once it recovers. A number a provider cannot reach (no
//! Bale account behind it, for Safir) goes on too, without the provider being passed over. An
//! SMS refused for itself (a bad number) is not offered to another: it would fail there too.
//! The route is the usual order (`provider`, then `secondary`), or a kind's own cascade.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::{Accepted, Gateway, Sms, SmsError};
use crate::sms::config::{NoticesConfig, SmsConfig};

/// One SMS's outcome, and the provider that gave it (reports are matched by it).
#[derive(Debug)]
pub struct Sent {
    pub provider: &'static str,
    pub result: Result<Accepted, SmsError>,
    /// The providers asked before, in order, that did not take the SMS, and why: evidence of
    /// each step.
    pub passed_over: Vec<(&'static str, String)>,
}

/// The gateways a notice goes through, in order (positions among those built). Notices of
/// one route are sent together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route(Vec<usize>);

/// The configured providers, each with what was learnt of its health: the usual order
/// (`provider`, then `secondary`), the order of each kind with a cascade of its own, and a
/// service for one-time codes tried before them, where one is set. Clones share what they
/// learnt of each one's health.
#[derive(Debug, Clone)]
pub struct Gateways {
    /// Every gateway a notice may go through: the usual order first, then those only a cascade
    /// names.
    built: Vec<Built>,
    /// How many of `built` make the usual order.
    usual: usize,
    /// The gateways of each kind (as stored) with a cascade of its own.
    orders: BTreeMap<String, Route>,
    /// Bale's OTP service: a code it cannot deliver goes on through the providers at once.
    codes: Option<Built>,
}

/// A gateway, and until when it is passed over after it failed.
#[derive(Debug, Clone)]
struct Built {
    gateway: Gateway,
    resting: Resting,
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
    pub fn from_config(sms: &SmsConfig, notices: &NoticesConfig) -> anyhow::Result<Self> {
        let rest = Duration::from_secs(sms.failover_rest_secs);
        let built = |gateway| Built {
            gateway,
            resting: Resting::new(rest),
        };
        let mut gateways = Self {
            built: vec![built(Gateway::of(sms.provider, sms)?)],
            usual: 1,
            orders: BTreeMap::new(),
            codes: sms
                .codes_via
                .map(|via| Gateway::for_codes(via, sms))
                .transpose()?
                .map(built),
        };
        if let Some(secondary) = sms.secondary {
            gateways.built.push(built(Gateway::of(secondary, sms)?));
            gateways.usual = 2;
        }
        for (kind, cascade) in &notices.cascade {
            let mut order = Vec::new();
            for &provider in cascade.phones() {
                let at = match gateways.position(provider.as_str()) {
                    Some(at) => at,
                    None => {
                        let gateway =
                            Gateway::of(provider, sms).with_context(|| format!("notices.cascade.{}", kind.as_str()))?;
                        gateways.built.push(built(gateway));
                        gateways.built.len() - 1
                    }
                };
                order.push(at);
            }
            if !order.is_empty() {
                gateways.orders.insert(kind.as_str().to_owned(), Route(order));
            }
        }
        Ok(gateways)
    }

    /// A gateway alone, with nothing to fall back on.
    pub fn single(gateway: Gateway) -> Self {
        Self {
            built: vec![Built {
                gateway,
                resting: Resting::default(),
            }],
            usual: 1,
            orders: BTreeMap::new(),
            codes: None,
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.built.iter().position(|b| b.gateway.name() == name)
    }

    /// Every configured SMS provider, the usual order first (not the codes' service).
    pub fn all(&self) -> impl Iterator<Item = &Gateway> {
        self.built.iter().map(|b| &b.gateway)
    }

    /// Every configured gateway, the codes' service too: those whose credit is followed.
    pub fn with_codes(&self) -> impl Iterator<Item = &Gateway> {
        self.all().chain(self.codes.as_ref().map(|b| &b.gateway))
    }

    /// Names for the log: `kavenegar`, or `kavenegar then smsir`, each kind's own order, and
    /// where codes go first.
    pub fn describe(&self) -> String {
        let mut described = self.names(&self.usual_route()).join(" then ");
        for (kind, route) in &self.orders {
            described.push_str(&format!("; {kind}: {}", self.names(route).join(" then ")));
        }
        if let Some(codes) = &self.codes {
            described.push_str(&format!("; one-time codes through {} first", codes.gateway.name()));
        }
        described
    }

    fn names(&self, route: &Route) -> Vec<&'static str> {
        route.0.iter().map(|&at| self.built[at].gateway.name()).collect()
    }

    fn usual_route(&self) -> Route {
        Route((0..self.usual).collect())
    }

    /// The gateways a notice of `kind` goes through, in order, by name.
    pub fn order(&self, kind: &str) -> Vec<&'static str> {
        match self.orders.get(kind) {
            Some(route) => self.names(route),
            None => self.usual_order(),
        }
    }

    /// The usual order, by name, for kinds without a cascade of their own.
    pub fn usual_order(&self) -> Vec<&'static str> {
        self.names(&self.usual_route())
    }

    /// The way a notice of `kind` goes on, `passed` (by name) having had their chance at it:
    /// the rest of its order, or all of it again when none is left (its order changed since).
    pub fn route(&self, kind: &str, passed: &[String]) -> Route {
        let order = self.orders.get(kind).cloned().unwrap_or_else(|| self.usual_route());
        let rest: Vec<usize> = order
            .0
            .iter()
            .copied()
            .filter(|&at| !passed.iter().any(|name| name == self.built[at].gateway.name()))
            .collect();
        if rest.is_empty() { order } else { Route(rest) }
    }

    /// How many SMS of `route` to hand to `send` at once: what the gateway tried first takes
    /// per call.
    pub fn batch_size(&self, route: &Route) -> usize {
        self.built[self.awake_first(route)[0]].gateway.batch_size()
    }

    /// Sends `batch` along `route`; one outcome per SMS, in order. One-time codes go through
    /// the codes' service first, where one is set and not resting; each gateway takes what
    /// those before it could not, and those resting go last.
    pub async fn send(&self, batch: &[Sms], route: &Route) -> Vec<Sent> {
        let codes_first = self
            .codes
            .as_ref()
            .filter(|codes| !codes.resting.now() && batch.iter().any(|sms| sms.one_time_code.is_some()));
        let steps: Vec<(&Built, bool)> = codes_first
            .map(|codes| (codes, true))
            .into_iter()
            .chain(self.awake_first(route).into_iter().map(|at| (&self.built[at], false)))
            .collect();
        let mut outcomes: Vec<Option<Sent>> = (0..batch.len()).map(|_| None).collect();
        let mut passed_over: Vec<Vec<(&'static str, String)>> = vec![Vec::new(); batch.len()];
        let mut pending: Vec<usize> = (0..batch.len()).collect();
        for (step, &(Built { gateway, resting }, codes_only)) in steps.iter().enumerate() {
            // The codes' service takes only the codes; the other messages wait for the next step.
            let (taken, mut next): (Vec<usize>, Vec<usize>) = pending
                .iter()
                .partition(|&&i| !codes_only || batch[i].one_time_code.is_some());
            let sent = send_in_calls(gateway, &pick(batch, &taken)).await;
            if steps.len() > 1 {
                resting.update(gateway, trouble(&sent));
            }
            let last = step + 1 == steps.len();
            for (i, mut sent) in taken.into_iter().zip(sent) {
                match refusal(&sent) {
                    Some(why) if !last => {
                        passed_over[i].push((gateway.name(), why));
                        next.push(i);
                    }
                    _ => {
                        sent.passed_over = std::mem::take(&mut passed_over[i]);
                        outcomes[i] = Some(sent);
                    }
                }
            }
            next.sort_unstable();
            pending = next;
            if pending.is_empty() {
                break;
            }
        }
        outcomes
            .into_iter()
            .map(|sent| sent.expect("every SMS has an outcome"))
            .collect()
    }

    /// The gateways of `route` in the order to try them now: those resting after a failure
    /// last, so that they still take what no other can.
    fn awake_first(&self, route: &Route) -> Vec<usize> {
        let (awake, resting): (Vec<usize>, Vec<usize>) = route.0.iter().partition(|&&at| !self.built[at].resting.now());
        awake.into_iter().chain(resting).collect()
    }
}

/// Why a gateway did not take an SMS that another may send (its trouble, or a number it cannot
/// reach), as it may be kept; `None` when it took it or no other would do better.
fn refusal(sent: &Sent) -> Option<String> {
    match &sent.result {
        Err(err) if err.another_may_send() => Some(err.masked().to_string()),
        _ => None,
    }
}

/// A gateway's own trouble (down, busy, unusable), where a refusal in `sent` shows one.
fn trouble(sent: &[Sent]) -> Option<&SmsError> {
    sent.iter().find_map(|sent| match &sent.result {
        Err(err) if err.provider_in_trouble() => Some(err),
        _ => None,
    })
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
            passed_over: Vec::new(),
        }));
    }
    sent
}
