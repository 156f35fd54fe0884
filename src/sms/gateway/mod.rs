//! Gateways to a phone number: Kavenegar, SMS.ir and a generic HTTP provider for SMS, Bale's
//! Safir for a Bale message to the number, Bale's OTP service for one-time codes, and the log. One enum rather than a trait object:
//! the set is closed and known at start, and async methods stay plain. Two of them may be
//! paired, the second taking what the first cannot ([`Gateways`]).

mod bale_otp;
mod failover;
mod http;
mod kavenegar;
mod log;
mod safir;
mod smsir;

use std::time::Duration;

use anyhow::Context as _;
use secrecy::ExposeSecret;

use super::class::MessageClass;
use super::config::{CodesVia, Provider, SmsConfig};
use crate::domain::PhoneNumber;

pub use self::bale_otp::BaleOtp;
pub use self::failover::{Gateways, Route, Sent};
pub use self::http::HttpGateway;
pub use self::kavenegar::{Kavenegar, report as kavenegar_report};
pub use self::log::LogGateway;
pub use self::safir::Safir;
pub use self::smsir::{SmsIr, report as smsir_report};

/// One SMS to send. `local_id` is our idempotency key: the same on every retry of a notice.
#[derive(Debug, Clone)]
pub struct Sms {
    pub local_id: i64,
    pub to: PhoneNumber,
    pub text: String,
    /// For a one-time code, the code alone in ASCII digits: a gateway with a form of its own
    /// for codes (Safir's `otp_message`) sends that instead of the text.
    pub one_time_code: Option<String>,
    /// What it is, for the line it goes from.
    pub class: MessageClass,
}

/// What the gateway said of an SMS it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's id, for delivery reports; none where the provider gives none.
    pub provider_id: Option<String>,
    pub state: Report,
}

/// Where an SMS is, as far as the provider knows. Only moves forward: `Sent`, then one of the
/// final states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Sent,
    Delivered,
    Failed(String),
    /// The number refused advertising SMS and the operator filters this line for it: final
    /// here, though a service line (another provider) may still reach it.
    Blacklisted(String),
}

impl Report {
    /// The outbox status this state is recorded as.
    pub fn status(&self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed(_) => "failed",
            Self::Blacklisted(_) => "blacklisted",
        }
    }
}

/// Why an SMS was not taken, sorted by what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsError {
    /// The provider asked us to wait.
    RetryAfter(Duration),
    /// Worth another try: network, provider busy or down.
    Temporary(String),
    /// This provider can send nothing to anyone until someone acts: no credit, the key or the
    /// line refused. Another provider may; without one, the SMS waits and is tried again.
    Unavailable(String),
    /// This provider cannot reach this number (it has no Bale account, say), though it sends
    /// to others: another provider may reach it, and this one is not to blame.
    NotReachable(String),
    /// Will not succeed as sent, through any provider: a bad number or text.
    Permanent(String),
}

impl std::fmt::Display for SmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RetryAfter(wait) => write!(f, "asked to wait {} s", wait.as_secs()),
            Self::Temporary(why) | Self::Unavailable(why) | Self::NotReachable(why) | Self::Permanent(why) => {
                f.write_str(why)
            }
        }
    }
}

impl SmsError {
    /// The error as it may be logged or kept: a provider's message can echo the number it
    /// refused, so long runs of digits are hidden.
    pub fn masked(&self) -> Self {
        let mask = |why: &str| crate::privacy::mask_digits(why);
        match self {
            Self::RetryAfter(wait) => Self::RetryAfter(*wait),
            Self::Temporary(why) => Self::Temporary(mask(why)),
            Self::Unavailable(why) => Self::Unavailable(mask(why)),
            Self::NotReachable(why) => Self::NotReachable(mask(why)),
            Self::Permanent(why) => Self::Permanent(mask(why)),
        }
    }

    /// Whether another provider should be asked instead: the trouble is this provider's, not
    /// the message's.
    pub fn another_may_send(&self) -> bool {
        !matches!(self, Self::Permanent(_))
    }

    /// Whether the provider itself is in trouble (down, busy, unusable), and to be passed
    /// over for a while.
    pub fn provider_in_trouble(&self) -> bool {
        matches!(self, Self::RetryAfter(_) | Self::Temporary(_) | Self::Unavailable(_))
    }
}

/// A configured gateway.
#[derive(Debug, Clone)]
pub enum Gateway {
    Log(LogGateway),
    Kavenegar(Kavenegar),
    SmsIr(SmsIr),
    Safir(Safir),
    Http(HttpGateway),
    BaleOtp(BaleOtp),
}

impl Gateway {
    /// The gateway of `provider` as `config` describes it.
    pub fn of(provider: Provider, config: &SmsConfig) -> anyhow::Result<Self> {
        Ok(match provider {
            Provider::Log => Self::Log(LogGateway),
            Provider::Kavenegar => {
                let k = &config.kavenegar;
                let key = k.api_key.as_ref().context("sms.kavenegar.api_key")?;
                Self::Kavenegar(Kavenegar::new(
                    &k.base_url,
                    key.expose_secret(),
                    k.sender.clone(),
                    k.lines.clone(),
                    k.batch,
                )?)
            }
            Provider::SmsIr => {
                let c = &config.smsir;
                let key = c.api_key.as_ref().context("sms.smsir.api_key")?;
                let line = c.line_number()?;
                let lines = c.class_lines()?;
                Self::SmsIr(SmsIr::new(&c.base_url, key.expose_secret(), line, lines, c.batch)?)
            }
            Provider::Safir => {
                let c = &config.safir;
                let key = c.api_key.as_ref().context("sms.safir.api_key")?;
                let bot = c.bot_id.context("sms.safir.bot_id")?;
                Self::Safir(Safir::new(&c.base_url, key.expose_secret(), bot)?)
            }
            Provider::Http => Self::Http(HttpGateway::new(config.http.as_ref().context("[sms.http]")?)?),
        })
    }

    /// The service for one-time codes `via` names, as `config` describes it.
    pub fn for_codes(via: CodesVia, config: &SmsConfig) -> anyhow::Result<Self> {
        match via {
            CodesVia::BaleOtp => {
                let c = &config.bale_otp;
                let id = c.client_id.as_ref().context("sms.bale_otp.client_id")?;
                let secret = c.client_secret.clone().context("sms.bale_otp.client_secret")?;
                Ok(Self::BaleOtp(BaleOtp::new(&c.base_url, id, secret)?))
            }
        }
    }

    /// The name stored with each SMS, so reports are matched to the provider that sent it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Log(_) => Provider::Log.as_str(),
            Self::Kavenegar(_) => Provider::Kavenegar.as_str(),
            Self::SmsIr(_) => Provider::SmsIr.as_str(),
            Self::Safir(_) => Provider::Safir.as_str(),
            Self::Http(_) => Provider::Http.as_str(),
            // A service for one-time codes, not an SMS provider `bot.toml` can name.
            Self::BaleOtp(_) => "bale-otp",
        }
    }

    /// Recipients one `send` call takes.
    pub fn batch_size(&self) -> usize {
        match self {
            Self::Log(_) => 100,
            Self::Kavenegar(k) => k.batch_size(),
            Self::SmsIr(g) => g.batch_size(),
            Self::Safir(_) | Self::Http(_) | Self::BaleOtp(_) => 1,
        }
    }

    /// Sends `batch` (at most `batch_size`); one result per SMS, in order.
    pub async fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SmsError>> {
        match self {
            Self::Log(g) => g.send(batch),
            Self::Kavenegar(g) => g.send(batch).await,
            Self::SmsIr(g) => g.send(batch).await,
            Self::Safir(g) => one_at_a_time(batch, |sms| g.send_one(sms)).await,
            Self::Http(g) => one_at_a_time(batch, |sms| g.send_one(sms)).await,
            Self::BaleOtp(g) => one_at_a_time(batch, |sms| g.send_one(sms)).await,
        }
    }

    /// The account's credit where the provider reports it (Kavenegar in rials, SMS.ir and Bale's
    /// OTP service in their units, the last from its latest answer); `None` where it does not.
    pub async fn credit(&self) -> Result<Option<f64>, SmsError> {
        match self {
            Self::Kavenegar(g) => g.credit().await.map(Some),
            Self::SmsIr(g) => g.credit().await.map(Some),
            Self::BaleOtp(g) => Ok(g.last_balance()),
            Self::Log(_) | Self::Safir(_) | Self::Http(_) => Ok(None),
        }
    }

    /// Asks for the state of SMS sent earlier; providers without a status call know nothing.
    pub async fn status(&self, provider_ids: &[String]) -> Result<Vec<(String, Report)>, SmsError> {
        match self {
            Self::Kavenegar(g) => g.status(provider_ids).await,
            Self::SmsIr(g) => g.status(provider_ids).await,
            Self::Log(_) | Self::Safir(_) | Self::Http(_) | Self::BaleOtp(_) => Ok(Vec::new()),
        }
    }
}

/// Sends `batch` in order through a gateway that takes one message per call.
async fn one_at_a_time<'a, Fut>(batch: &'a [Sms], send: impl Fn(&'a Sms) -> Fut) -> Vec<Result<Accepted, SmsError>>
where
    Fut: std::future::Future<Output = Result<Accepted, SmsError>>,
{
    let mut results = Vec::with_capacity(batch.len());
    for sms in batch {
        results.push(send(sms).await);
    }
    results
}

/// A transport failure, without the URL: Kavenegar's carries the API key in its path.
fn transport_error(err: reqwest::Error) -> SmsError {
    SmsError::Temporary(err.without_url().to_string())
}

/// The HTTP client gateways share: short timeouts, so a stuck provider holds up one batch.
fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .context("building the SMS HTTP client")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_a_provider_echoes_is_hidden_and_its_code_kept() {
        let err = SmsError::Permanent("smsir HTTP 400 status 104 شماره 09121234567 نامعتبر است".into());
        let shown = err.masked().to_string();
        assert!(!shown.contains("09121234567"), "{shown}");
        assert!(shown.contains("status 104"), "{shown}");
    }
}
