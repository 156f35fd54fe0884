//! The `[sms]` and `[notices]` sections of `bot.toml`: which gateway, how fast, when to keep
//! quiet, and which channel each kind of notice takes.

use crate::notify::cascade::Cascade;
use crate::notify::kind::NoticeKind;
use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use chrono::NaiveTime;
use secrecy::SecretString;
use serde::Deserialize;

/// Which gateway sends SMS; read from `bot.toml` by its name (see [`Provider::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(try_from = "String")]
pub enum Provider {
    /// Writes each SMS to the log and the database; for running without a provider.
    #[default]
    Log,
    Kavenegar,
    SmsIr,
    /// Bale's Safir: a Bale message to the phone number, not an SMS.
    Safir,
    /// Any provider reached by one HTTP request per message, described by a template.
    Http,
}

impl Provider {
    pub const ALL: [Self; 5] = [Self::Log, Self::Kavenegar, Self::SmsIr, Self::Safir, Self::Http];

    /// The name in `bot.toml`, stored with each SMS it sends; the one place it is spelled.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Log => "log",
            Self::Kavenegar => "kavenegar",
            Self::SmsIr => "smsir",
            Self::Safir => "safir",
            Self::Http => "http",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|provider| provider.as_str() == name)
    }

    /// Every name, for the messages that say what may be written: "log, kavenegar, …".
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl TryFrom<String> for Provider {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::parse(&name).ok_or_else(|| format!("unknown SMS provider \"{name}\": expected one of {}", Self::names()))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    #[serde(default)]
    pub provider: Provider,
    /// A second provider, used for what the first cannot take (down, busy, out of credit).
    pub secondary: Option<Provider>,
    /// How long the first provider is passed over after it failed, in seconds; then it is
    /// tried again.
    #[serde(default = "default_failover_rest")]
    pub failover_rest_secs: u64,
    /// The most parts one SMS may take. A notice too long for them is sent in its shorter form
    /// that points to the bot; only a text with no shorter form is cut.
    #[serde(default = "default_max_parts")]
    pub max_parts: usize,
    /// How every SMS names its sender, first thing (a number alone tells the reader nothing);
    /// the locale's `sms-sender` when unset.
    pub sender: Option<String>,
    /// Messages per second the gateway accepts (each recipient of a bulk send counts).
    #[serde(default = "default_rate")]
    pub rate_per_sec: f64,
    /// Non-urgent SMS wait out these hours (Tehran time); equal start and end, or `None`,
    /// sends at any hour.
    #[serde(default = "default_quiet_hours")]
    pub quiet_hours: Option<QuietHours>,
    /// Kinds of notice sent even in quiet hours.
    #[serde(default = "default_urgent_kinds")]
    pub urgent_kinds: Vec<NoticeKind>,
    /// Shared secret in the URLs the gateway calls back on (delivery reports, incoming SMS).
    pub callback_secret: Option<SecretString>,
    /// How often sent SMS without a final report are asked about, in seconds; 0 never.
    #[serde(default = "default_status_poll")]
    pub status_poll_secs: u64,
    #[serde(default)]
    pub kavenegar: KavenegarConfig,
    #[serde(default)]
    pub smsir: SmsIrConfig,
    #[serde(default)]
    pub safir: SafirConfig,
    pub http: Option<HttpGatewayConfig>,
    /// Where one-time codes go first, before the providers above: `"bale-otp"`, Bale's OTP
    /// service. A code it cannot deliver (no Bale account behind the number, no credit, the
    /// service down) goes on by SMS at once.
    pub codes_via: Option<CodesVia>,
    #[serde(default)]
    pub bale_otp: BaleOtpConfig,
}

/// A service made for one-time codes, tried before the SMS providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CodesVia {
    #[serde(rename = "bale-otp")]
    BaleOtp,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaleOtpConfig {
    /// The user name of the organisation's OTP subscription in Bale's gateway panel. Env:
    /// PEYGIR_BALE_OTP_CLIENT_ID.
    pub client_id: Option<String>,
    /// Its password. Env: PEYGIR_BALE_OTP_CLIENT_SECRET.
    pub client_secret: Option<SecretString>,
    #[serde(default = "default_safir_url")]
    pub base_url: String,
    /// Below this credit (as its last answer gave it), staff are told; unset, never.
    pub low_credit: Option<f64>,
}

impl Default for BaleOtpConfig {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            base_url: default_safir_url(),
            low_credit: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafirConfig {
    /// The organisation's key from Bale's business panel. Env: PEYGIR_SAFIR_API_KEY.
    pub api_key: Option<SecretString>,
    /// The numeric id of the bot the messages come from. Env: PEYGIR_SAFIR_BOT_ID.
    pub bot_id: Option<i64>,
    #[serde(default = "default_safir_url")]
    pub base_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsIrConfig {
    /// Env: PEYGIR_SMSIR_API_KEY.
    pub api_key: Option<SecretString>,
    #[serde(default = "default_smsir_url")]
    pub base_url: String,
    /// The line messages are sent from (SMS.ir asks for one on every send).
    pub line_number: Option<String>,
    /// A line per message class (`service`, `otp`, `informational`), digits like
    /// `line_number`; a class not named goes from `line_number`.
    #[serde(default)]
    pub lines: super::class::Lines<String>,
    /// Recipients per request (SMS.ir takes at most 100 different texts in one).
    #[serde(default = "default_smsir_batch")]
    pub batch: usize,
    /// Below this credit, staff are told; unset, never.
    pub low_credit: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[serde(with = "hh_mm")]
    pub start: NaiveTime,
    #[serde(with = "hh_mm")]
    pub end: NaiveTime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KavenegarConfig {
    /// Env: PEYGIR_KAVENEGAR_API_KEY.
    pub api_key: Option<SecretString>,
    #[serde(default = "default_kavenegar_url")]
    pub base_url: String,
    /// The line messages are sent from; the account's default line when unset.
    pub sender: Option<String>,
    /// A line per message class (`service`, `otp`, `informational`); a class not named goes
    /// from `sender`.
    #[serde(default)]
    pub lines: super::class::Lines<String>,
    /// Recipients per bulk request (Kavenegar takes at most 200).
    #[serde(default = "default_kavenegar_batch")]
    pub batch: usize,
    /// Below this credit (rials), staff are told; unset, never.
    pub low_credit: Option<f64>,
}

/// A provider reached by one request per message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpGatewayConfig {
    pub url: String,
    #[serde(default = "default_method")]
    pub method: String,
    /// Body with `{to}` (09…), `{to_e164}`, `{text}`, `{id}` (our idempotency key) and `{line}`
    /// (the sender line of the message's class); values are escaped for `content_type` (JSON,
    /// or form encoding).
    pub body: String,
    /// The line `{line}` names, for a class `lines` does not name.
    pub line: Option<String>,
    /// A line per message class (`service`, `otp`, `informational`).
    #[serde(default)]
    pub lines: super::class::Lines<String>,
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// Extra headers, e.g. an API key. Values may name an environment variable as `env:NAME`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON pointer to the provider's message id in the response (e.g. `/messageId`).
    pub id_pointer: Option<String>,
}

/// Shown with what may hold a key masked (`peygir config check`, logs): the URL's query, the
/// body template, and header values not taken from the environment.
impl std::fmt::Debug for HttpGatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match self.url.split_once('?') {
            Some((base, _)) => format!("{base}?[masked]"),
            None => self.url.clone(),
        };
        let headers: BTreeMap<&str, &str> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if value.starts_with("env:") {
                    value.as_str()
                } else {
                    "[masked]"
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("HttpGatewayConfig")
            .field("url", &url)
            .field("method", &self.method)
            .field(
                "body",
                &format!("[template of {} characters]", self.body.chars().count()),
            )
            .field("content_type", &self.content_type)
            .field("headers", &headers)
            .field("id_pointer", &self.id_pointer)
            .field("line", &self.line)
            .field("lines", &self.lines)
            .finish()
    }
}

/// Which channels a kind of notice takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelPolicy {
    Chat,
    Sms,
    /// Chat; SMS only when the chat cannot be reached (the bot is blocked).
    ChatThenSms,
    Both,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticesConfig {
    #[serde(default = "default_policy")]
    pub default: ChannelPolicy,
    #[serde(default = "default_kinds")]
    pub kinds: BTreeMap<NoticeKind, ChannelPolicy>,
    /// Kinds of notice that must be confirmed: sent to a phone number and not confirmed
    /// delivered within `confirm_within_minutes` (or reported undelivered), they go again
    /// through the other gateway of `[sms]`.
    #[serde(default = "default_confirm_kinds")]
    pub confirm_kinds: Vec<NoticeKind>,
    /// Minutes to wait for a delivery report; 0: never move on for want of one.
    #[serde(default = "default_confirm_within")]
    pub confirm_within_minutes: u64,
    /// When a request for documents counts as served, for the deadline it gives.
    #[serde(default)]
    pub documents_served_when: crate::deadlines::ServedWhen,
    /// The way a kind goes, step by step: the chat, phone gateways in order, then staff ("in-person").
    /// A kind named here takes its channels from it, not from `kinds`, and moves on through its
    /// gateways whether or not it is in `confirm_kinds`.
    #[serde(default)]
    pub cascade: BTreeMap<NoticeKind, Cascade>,
}

impl NoticesConfig {
    /// The channels a notice of `kind` (as stored) takes; the default for a kind not named.
    pub fn policy(&self, kind: &str) -> ChannelPolicy {
        let Some(kind) = NoticeKind::parse(kind) else {
            return self.default;
        };
        match self.cascade.get(&kind) {
            Some(cascade) => cascade.policy(),
            None => self.kinds.get(&kind).copied().unwrap_or(self.default),
        }
    }

    /// The kinds that must be confirmed and go the usual way (no cascade of their own), as
    /// stored, for a query to bind.
    pub fn confirm_kinds_stored(&self) -> Vec<String> {
        self.confirm_kinds
            .iter()
            .filter(|kind| !self.cascade.contains_key(kind))
            .map(|k| k.as_str().to_owned())
            .collect()
    }

    /// Checks that each gateway a cascade names is configured in `sms`.
    pub fn validate(&self, sms: &SmsConfig) -> anyhow::Result<()> {
        for (kind, cascade) in &self.cascade {
            for &provider in cascade.phones() {
                sms.validate_provider(provider)
                    .with_context(|| format!("notices.cascade.{}", kind.as_str()))?;
            }
        }
        Ok(())
    }

    /// How long a notice that must be confirmed waits for its delivery report.
    pub fn confirm_within(&self) -> Option<std::time::Duration> {
        (self.confirm_within_minutes > 0).then(|| std::time::Duration::from_secs(self.confirm_within_minutes * 60))
    }
}

impl SmsConfig {
    /// The credit below which staff are told about `provider` (a gateway's name).
    pub fn low_credit(&self, provider: &str) -> Option<f64> {
        match provider {
            "kavenegar" => self.kavenegar.low_credit,
            "smsir" => self.smsir.low_credit,
            "bale-otp" => self.bale_otp.low_credit,
            _ => None,
        }
    }

    pub fn is_urgent(&self, kind: &str) -> bool {
        self.urgent_kinds.iter().any(|k| k.as_str() == kind)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if !(1..=10).contains(&self.max_parts) {
            bail!("sms.max_parts must be between 1 and 10");
        }
        if !(self.rate_per_sec > 0.0 && self.rate_per_sec.is_finite()) {
            bail!("sms.rate_per_sec must be a positive number");
        }
        self.validate_provider(self.provider)?;
        if self.codes_via == Some(CodesVia::BaleOtp) {
            self.bale_otp.client_id.as_ref().context(
                "sms.bale_otp.client_id (or PEYGIR_BALE_OTP_CLIENT_ID) is required for codes_via = \"bale-otp\"",
            )?;
            self.bale_otp.client_secret.as_ref().context(
                "sms.bale_otp.client_secret (or PEYGIR_BALE_OTP_CLIENT_SECRET) is required for codes_via = \"bale-otp\"",
            )?;
            url::Url::parse(&self.bale_otp.base_url).context("sms.bale_otp.base_url")?;
        }
        if let Some(secondary) = self.secondary {
            if secondary == self.provider {
                bail!("sms.secondary must be another provider than sms.provider");
            }
            self.validate_provider(secondary)?;
        }
        Ok(())
    }

    pub(crate) fn validate_provider(&self, provider: Provider) -> anyhow::Result<()> {
        match provider {
            Provider::Log => {}
            Provider::SmsIr => {
                self.smsir
                    .api_key
                    .as_ref()
                    .context("sms.smsir.api_key (or PEYGIR_SMSIR_API_KEY) is required for smsir")?;
                self.smsir.line_number()?;
                self.smsir.class_lines()?;
                url::Url::parse(&self.smsir.base_url).context("sms.smsir.base_url")?;
                if !(1..=100).contains(&self.smsir.batch) {
                    bail!("sms.smsir.batch must be between 1 and 100");
                }
            }
            Provider::Safir => {
                self.safir
                    .api_key
                    .as_ref()
                    .context("sms.safir.api_key (or PEYGIR_SAFIR_API_KEY) is required for safir")?;
                self.safir
                    .bot_id
                    .context("sms.safir.bot_id (or PEYGIR_SAFIR_BOT_ID) is required for safir")?;
                url::Url::parse(&self.safir.base_url).context("sms.safir.base_url")?;
            }
            Provider::Kavenegar => {
                self.kavenegar
                    .api_key
                    .as_ref()
                    .context("sms.kavenegar.api_key (or PEYGIR_KAVENEGAR_API_KEY) is required for kavenegar")?;
                url::Url::parse(&self.kavenegar.base_url).context("sms.kavenegar.base_url")?;
                if !(1..=200).contains(&self.kavenegar.batch) {
                    bail!("sms.kavenegar.batch must be between 1 and 200");
                }
            }
            Provider::Http => {
                let http = self
                    .http
                    .as_ref()
                    .context("[sms.http] is required for provider = \"http\"")?;
                url::Url::parse(&http.url).context("sms.http.url")?;
                if !http.body.contains("{text}") || !http.body.contains("{to") {
                    bail!("sms.http.body must contain {{text}} and {{to}} (or {{to_e164}})");
                }
                if http.body.contains("{line}") && http.line.is_none() {
                    bail!(
                        "sms.http.line is required when sms.http.body names {{line}}: the line of a class sms.http.lines does not name"
                    );
                }
                if !http.body.contains("{line}") && (http.line.is_some() || !http.lines.is_empty()) {
                    bail!("sms.http.line and sms.http.lines need {{line}} in sms.http.body, where the line goes");
                }
            }
        }
        Ok(())
    }
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            provider: Provider::Log,
            secondary: None,
            failover_rest_secs: default_failover_rest(),
            max_parts: default_max_parts(),
            sender: None,
            rate_per_sec: default_rate(),
            quiet_hours: default_quiet_hours(),
            urgent_kinds: default_urgent_kinds(),
            callback_secret: None,
            status_poll_secs: default_status_poll(),
            kavenegar: KavenegarConfig::default(),
            smsir: SmsIrConfig::default(),
            safir: SafirConfig::default(),
            http: None,
            codes_via: None,
            bale_otp: BaleOtpConfig::default(),
        }
    }
}

impl SmsIrConfig {
    /// The sender line, which SMS.ir takes as a number.
    pub fn line_number(&self) -> anyhow::Result<u64> {
        let line = self
            .line_number
            .as_deref()
            .context("sms.smsir.line_number (or PEYGIR_SMSIR_LINE) is required for smsir")?;
        line_digits(line, "sms.smsir.line_number")
    }

    /// The lines of the message classes that have their own, as numbers.
    pub fn class_lines(&self) -> anyhow::Result<super::class::Lines<u64>> {
        self.lines
            .iter()
            .map(|(class, line)| Ok((*class, line_digits(line, "sms.smsir.lines")?)))
            .collect()
    }
}

fn line_digits(line: &str, what: &str) -> anyhow::Result<u64> {
    line.trim()
        .parse()
        .with_context(|| format!("{what} {line:?} must be the line's digits, such as \"30007732000000\""))
}

impl Default for SafirConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            bot_id: None,
            base_url: default_safir_url(),
        }
    }
}

impl Default for SmsIrConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: default_smsir_url(),
            line_number: None,
            lines: Default::default(),
            batch: default_smsir_batch(),
            low_credit: None,
        }
    }
}

impl Default for KavenegarConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: default_kavenegar_url(),
            sender: None,
            lines: Default::default(),
            batch: default_kavenegar_batch(),
            low_credit: None,
        }
    }
}

impl Default for NoticesConfig {
    fn default() -> Self {
        Self {
            default: default_policy(),
            kinds: default_kinds(),
            confirm_kinds: default_confirm_kinds(),
            confirm_within_minutes: default_confirm_within(),
            documents_served_when: crate::deadlines::ServedWhen::default(),
            cascade: BTreeMap::new(),
        }
    }
}

fn default_max_parts() -> usize {
    3
}
fn default_rate() -> f64 {
    10.0
}
fn default_quiet_hours() -> Option<QuietHours> {
    Some(QuietHours {
        start: NaiveTime::from_hms_opt(22, 0, 0).expect("valid time"),
        end: NaiveTime::from_hms_opt(7, 0, 0).expect("valid time"),
    })
}
fn default_urgent_kinds() -> Vec<NoticeKind> {
    vec![NoticeKind::Otp, NoticeKind::Outage]
}
fn default_status_poll() -> u64 {
    300
}
fn default_kavenegar_url() -> String {
    "https://api.kavenegar.com".into()
}
fn default_kavenegar_batch() -> usize {
    200
}
fn default_smsir_url() -> String {
    "https://api.sms.ir".into()
}
fn default_safir_url() -> String {
    "https://safir.bale.ai".into()
}
fn default_smsir_batch() -> usize {
    100
}
fn default_failover_rest() -> u64 {
    60
}
fn default_method() -> String {
    "POST".into()
}
fn default_content_type() -> String {
    "application/json".into()
}
fn default_confirm_kinds() -> Vec<NoticeKind> {
    vec![NoticeKind::Decision]
}
fn default_confirm_within() -> u64 {
    30
}
fn default_policy() -> ChannelPolicy {
    ChannelPolicy::ChatThenSms
}
fn default_kinds() -> BTreeMap<NoticeKind, ChannelPolicy> {
    BTreeMap::from([
        (NoticeKind::Decision, ChannelPolicy::Both),
        (NoticeKind::Otp, ChannelPolicy::Sms),
    ])
}

/// `"HH:MM"` in `bot.toml`.
mod hh_mm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M").map_err(|_| serde::de::Error::custom("expected a time as \"HH:MM\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Named {
        provider: Provider,
    }

    #[test]
    fn each_provider_is_read_back_from_its_name() {
        for provider in Provider::ALL {
            assert_eq!(Provider::parse(provider.as_str()), Some(provider));
            let named: Named = toml::from_str(&format!("provider = \"{}\"", provider.as_str())).unwrap();
            assert_eq!(named.provider, provider);
        }
        assert_eq!(Provider::parse("SmsIr"), None);
    }

    #[test]
    fn an_unknown_provider_is_refused_with_the_names_that_are_known() {
        let refused = toml::from_str::<Named>("provider = \"kavenegr\"")
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("unknown SMS provider \"kavenegr\": expected one of log, kavenegar, smsir, safir, http"),
            "{refused}"
        );
    }
}
