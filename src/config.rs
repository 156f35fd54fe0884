//! `bot.toml` plus `PEYGIR_*` environment overrides, as one typed struct validated at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::domain::{Catalog, Service};
use crate::i18n::Locale;
use crate::outage::ProbeConfig;
use crate::scheduler::{MaintenanceConfig, SchedulerConfig};
use crate::sms::config::{NoticesConfig, Provider, SmsConfig};

/// The configuration shipped with the program, used when no `bot.toml` is found.
pub const DEFAULT_TOML: &str = include_str!("../bot.toml");

/// Everything peygir reads from configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default = "default_locales_dir")]
    pub locales_dir: PathBuf,
    #[serde(default)]
    pub default_locale: Locale,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub telegram: TelegramConfig,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub terminal: TerminalConfig,
    /// The staff group on the bot's platform; no staff chat when absent.
    pub staff_chat: Option<StaffChatConfig>,
    #[serde(default)]
    pub sms: SmsConfig,
    #[serde(default)]
    pub notices: NoticesConfig,
    #[serde(default)]
    pub scheduler: SchedulerConfig,
    #[serde(default)]
    pub maintenance: MaintenanceConfig,
    /// HTTP probes that detect outages; none by default.
    #[serde(default)]
    pub probes: Vec<ProbeConfig>,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub privacy: PrivacyConfig,
    #[serde(default)]
    pub retention: crate::retention::RetentionConfig,
    /// The office calendar the SLA clock counts.
    #[serde(default)]
    pub office: crate::office::OfficeConfig,
    /// The directorate's name as applicants know it, with its province.
    #[serde(default)]
    pub directorate: DirectorateConfig,
    services: Vec<Service>,
}

/// `[directorate]`: its name in each language, placed in the welcome and as every SMS's sender.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorateConfig {
    #[serde(default = "default_directorate_fa")]
    pub fa: String,
    #[serde(default = "default_directorate_en")]
    pub en: String,
}

fn default_directorate_fa() -> String {
    crate::i18n::DEFAULT_DIRECTORATE_FA.to_owned()
}

fn default_directorate_en() -> String {
    crate::i18n::DEFAULT_DIRECTORATE_EN.to_owned()
}

impl Default for DirectorateConfig {
    fn default() -> Self {
        Self {
            fa: default_directorate_fa(),
            en: default_directorate_en(),
        }
    }
}

/// What one chat, and everyone together, may ask of the bot in a minute. 0 lifts a limit.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Messages and button presses from one chat; past it the bot says so once and lets the
    /// rest of the minute pass unanswered.
    #[serde(default = "default_messages_per_minute")]
    pub messages_per_minute: u32,
    /// Lookups by tracking code from one chat.
    #[serde(default = "default_lookups_per_minute")]
    pub lookups_per_minute: u32,
    /// Lookups of codes that name nothing, from every chat together; past it lookups pause for
    /// everyone until the minute ends, which makes guessing codes from many chats pointless.
    #[serde(default = "default_failed_lookups_per_minute")]
    pub failed_lookups_per_minute: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            messages_per_minute: default_messages_per_minute(),
            lookups_per_minute: default_lookups_per_minute(),
            failed_lookups_per_minute: default_failed_lookups_per_minute(),
        }
    }
}

fn default_messages_per_minute() -> u32 {
    30
}

fn default_lookups_per_minute() -> u32 {
    10
}

fn default_failed_lookups_per_minute() -> u32 {
    300
}

/// Where the keys that seal applicants' data are (see `crate::vault`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// The key file; `data-keys.toml` in the data directory when unset (made there on first
    /// start).
    pub keys_file: Option<PathBuf>,
    /// The key file's text itself, from `PEYGIR_DATA_KEYS` only (never from bot.toml).
    #[serde(skip)]
    pub keys: Option<SecretString>,
}

impl PrivacyConfig {
    pub fn keys_path(&self, data_dir: &Path) -> PathBuf {
        crate::vault::keys_file_path(data_dir, self.keys_file.as_deref())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// The schema owner's connection: migrations run with it, nothing else does.
    pub url: Option<SecretString>,
    /// The service's own connection, as a role that owns nothing (see `store::roles`); when
    /// unset, the owner's URL with the user `peygir_service`, created if the owner may.
    pub service_url: Option<SecretString>,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    pub postgres_bin_dir: Option<PathBuf>,
}

/// How updates arrive from the Bot API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BotMode {
    #[default]
    Polling,
    Webhook,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    pub token: Option<SecretString>,
    #[serde(default = "default_api_url")]
    pub api_url: String,
    pub platform: Option<String>,
    #[serde(default)]
    pub mode: BotMode,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<SecretString>,
    #[serde(default = "default_poll_timeout")]
    pub poll_timeout_secs: u32,
    /// Messages a second the bot sends overall; 0 lifts the limit (a local Bot API server).
    #[serde(default = "default_max_per_second")]
    pub max_per_second: f64,
    /// Sends to the Bot API under way at once (at least 1).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The path a reverse proxy serves peygir under (`/peygir`), put before the staff
    /// console's links; empty when it is served at the root.
    #[serde(default)]
    pub path_prefix: String,
    /// Where staff reach peygir from their phones (`https://host/peygir`), for the sign-in
    /// links the bot sends them; without it no links are sent. Taken from here, never from a
    /// request's Host header, which whoever asks for a link could forge.
    pub public_url: Option<url::Url>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    #[serde(default = "default_terminal_chat")]
    pub chat_id: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffChatConfig {
    /// The group's chat id (negative; supergroups start with -100).
    pub chat_id: i64,
    /// The language of the posts and buttons in the group; the default locale when unset.
    pub locale: Option<Locale>,
}

fn default_data_dir() -> PathBuf {
    "data".into()
}
fn default_locales_dir() -> PathBuf {
    "locales".into()
}
fn default_max_connections() -> u32 {
    10
}
fn default_api_url() -> String {
    "https://api.telegram.org".into()
}
fn default_poll_timeout() -> u32 {
    30
}
fn default_max_per_second() -> f64 {
    30.0
}
fn default_max_in_flight() -> usize {
    32
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_terminal_chat() -> i64 {
    1
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            service_url: None,
            max_connections: default_max_connections(),
            postgres_bin_dir: None,
        }
    }
}
impl Default for TelegramConfig {
    fn default() -> Self {
        Self {
            token: None,
            api_url: default_api_url(),
            platform: None,
            mode: BotMode::Polling,
            webhook_url: None,
            webhook_secret: None,
            poll_timeout_secs: default_poll_timeout(),
            max_per_second: default_max_per_second(),
            max_in_flight: default_max_in_flight(),
        }
    }
}
impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            path_prefix: String::new(),
            public_url: None,
        }
    }
}
impl Default for TerminalConfig {
    fn default() -> Self {
        Self {
            chat_id: default_terminal_chat(),
        }
    }
}

impl Config {
    /// Reads `path` (or the built-in defaults when `path` is absent and `required` is false),
    /// applies the environment, and validates.
    pub fn load(path: &Path, required: bool) -> anyhow::Result<(Self, Catalog)> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => DEFAULT_TOML.to_owned(),
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        Self::from_toml(&text, |key| std::env::var(key).ok()).with_context(|| format!("in {}", path.display()))
    }

    /// Parses and validates; `env` looks up overrides (a function so tests need not touch the
    /// process environment).
    pub fn from_toml(text: &str, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<(Self, Catalog)> {
        let mut config: Config = toml::from_str(text)?;
        config.apply_env(env)?;
        let catalog = Catalog::new(std::mem::take(&mut config.services)).context("services")?;
        config.validate()?;
        crate::outage::config::validate(&config.probes, &catalog)?;
        Ok((config, catalog))
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = env("PEYGIR_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = env("PEYGIR_DATA_KEYS_FILE") {
            self.privacy.keys_file = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_DATA_KEYS") {
            self.privacy.keys = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_LOCALES_DIR") {
            self.locales_dir = v.into();
        }
        if let Some(v) = env("PEYGIR_DEFAULT_LOCALE") {
            self.default_locale = Locale::parse(&v).context("PEYGIR_DEFAULT_LOCALE must be fa or en")?;
        }
        if let Some(v) = env("PEYGIR_DATABASE_SERVICE_URL") {
            self.database.service_url = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_DATABASE_URL") {
            self.database.url = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_TELEGRAM_TOKEN") {
            self.telegram.token = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_TELEGRAM_API_URL") {
            self.telegram.api_url = v;
        }
        if let Some(v) = env("PEYGIR_TELEGRAM_MODE") {
            self.telegram.mode = match v.as_str() {
                "polling" => BotMode::Polling,
                "webhook" => BotMode::Webhook,
                _ => bail!("PEYGIR_TELEGRAM_MODE must be polling or webhook"),
            };
        }
        if let Some(v) = env("PEYGIR_TELEGRAM_MAX_PER_SECOND") {
            self.telegram.max_per_second = v
                .parse()
                .context("PEYGIR_TELEGRAM_MAX_PER_SECOND must be a number (0: no limit)")?;
        }
        if let Some(v) = env("PEYGIR_TELEGRAM_WEBHOOK_URL") {
            self.telegram.webhook_url = Some(v);
        }
        if let Some(v) = env("PEYGIR_TELEGRAM_WEBHOOK_SECRET") {
            self.telegram.webhook_secret = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_STAFF_CHAT_ID") {
            let chat_id = v
                .parse()
                .context("PEYGIR_STAFF_CHAT_ID must be a chat id such as -1001234567890")?;
            match &mut self.staff_chat {
                Some(staff) => staff.chat_id = chat_id,
                None => self.staff_chat = Some(StaffChatConfig { chat_id, locale: None }),
            }
        }
        if let Some(v) = env("PEYGIR_SMS_PROVIDER") {
            self.sms.provider = Provider::parse(&v)
                .with_context(|| format!("PEYGIR_SMS_PROVIDER must be one of {}", Provider::names()))?;
        }
        if let Some(v) = env("PEYGIR_SMS_SECONDARY") {
            self.sms.secondary =
                match v.as_str() {
                    "" | "none" => None,
                    name => Some(Provider::parse(name).with_context(|| {
                        format!("PEYGIR_SMS_SECONDARY must be none or one of {}", Provider::names())
                    })?),
                };
        }
        if let Some(v) = env("PEYGIR_SMSIR_API_KEY") {
            self.sms.smsir.api_key = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_SAFIR_API_KEY") {
            self.sms.safir.api_key = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_SAFIR_BOT_ID") {
            self.sms.safir.bot_id = Some(
                v.trim()
                    .parse()
                    .context("PEYGIR_SAFIR_BOT_ID must be the bot's numeric id")?,
            );
        }
        if let Some(v) = env("PEYGIR_SAFIR_URL") {
            self.sms.safir.base_url = v;
        }
        if let Some(v) = env("PEYGIR_SMS_CODES_VIA") {
            self.sms.codes_via = match v.as_str() {
                "" | "none" => None,
                "bale-otp" => Some(crate::sms::config::CodesVia::BaleOtp),
                _ => anyhow::bail!("PEYGIR_SMS_CODES_VIA must be none or bale-otp"),
            };
        }
        if let Some(v) = env("PEYGIR_BALE_OTP_CLIENT_ID") {
            self.sms.bale_otp.client_id = Some(v);
        }
        if let Some(v) = env("PEYGIR_BALE_OTP_CLIENT_SECRET") {
            self.sms.bale_otp.client_secret = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_BALE_OTP_URL") {
            self.sms.bale_otp.base_url = v;
        }
        if let Some(v) = env("PEYGIR_SMSIR_LINE") {
            self.sms.smsir.line_number = Some(v);
        }
        if let Some(v) = env("PEYGIR_SMSIR_URL") {
            self.sms.smsir.base_url = v;
        }
        if let Some(v) = env("PEYGIR_KAVENEGAR_API_KEY") {
            self.sms.kavenegar.api_key = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_KAVENEGAR_URL") {
            self.sms.kavenegar.base_url = v;
        }
        if let Some(v) = env("PEYGIR_SMS_CALLBACK_SECRET") {
            self.sms.callback_secret = Some(v.into());
        }
        if let Some(v) = env("PEYGIR_PUBLIC_URL") {
            self.http.public_url = Some(
                v.parse()
                    .context("PEYGIR_PUBLIC_URL must be a URL such as https://example.ir/peygir")?,
            );
        }
        if let Some(v) = env("PEYGIR_HTTP_LISTEN") {
            self.http.listen = v
                .parse()
                .context("PEYGIR_HTTP_LISTEN must be an address such as 127.0.0.1:8080")?;
        }
        Ok(())
    }

    fn validate(&self) -> anyhow::Result<()> {
        let prefix = &self.http.path_prefix;
        if !prefix.is_empty()
            && (!prefix.starts_with('/')
                || prefix.ends_with('/')
                || !prefix.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c)))
        {
            bail!("http.path_prefix must be empty or a path like /peygir (a leading slash, none at the end)");
        }
        if let Some(url) = &self.http.public_url
            && !matches!(url.scheme(), "http" | "https")
        {
            bail!("http.public_url must be an http or https URL");
        }
        self.retention.validate()?;
        crate::office::OfficeCalendar::new(&self.office)?;
        let tg = &self.telegram;
        reqwest_url(&tg.api_url).context("telegram.api_url")?;
        if let Some(platform) = &tg.platform
            && !matches!(platform.as_str(), "telegram" | "bale")
        {
            bail!("telegram.platform must be \"telegram\" or \"bale\"");
        }
        if tg.mode == BotMode::Webhook && tg.token.is_some() {
            let url = tg
                .webhook_url
                .as_deref()
                .context("telegram.webhook_url is required in webhook mode")?;
            reqwest_url(url).context("telegram.webhook_url")?;
            let secret = tg
                .webhook_secret
                .as_ref()
                .context("telegram.webhook_secret is required in webhook mode")?;
            let secret = secret.expose_secret();
            let valid = (1..=256).contains(&secret.len())
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid {
                bail!("telegram.webhook_secret must be 1-256 characters of A-Z a-z 0-9 _ -");
            }
        }
        if tg.max_in_flight == 0 {
            bail!("telegram.max_in_flight must be at least 1");
        }
        if tg.poll_timeout_secs > 50 {
            bail!("telegram.poll_timeout_secs must be at most 50 (the HTTP client gives up at 60)");
        }
        self.sms.validate()?;
        self.notices.validate(&self.sms)?;
        Ok(())
    }

    /// The language of the staff group.
    pub fn staff_locale(&self) -> Locale {
        self.staff_chat
            .as_ref()
            .and_then(|s| s.locale)
            .unwrap_or(self.default_locale)
    }

    /// The platform name stored with each chat: explicit, else guessed from the API URL.
    pub fn platform(&self) -> &str {
        match &self.telegram.platform {
            Some(p) => p,
            None if self.telegram.api_url.contains("bale.ai") => "bale",
            None => "telegram",
        }
    }
}

fn reqwest_url(text: &str) -> anyhow::Result<url::Url> {
    let url = url::Url::parse(text)?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("must be an http or https URL");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_is_valid() {
        let (config, catalog) = Config::from_toml(DEFAULT_TOML, |_| None).unwrap();
        assert_eq!(config.default_locale, Locale::Fa);
        assert!(config.database.url.is_none());
        assert_eq!(catalog.services().len(), 2);
        assert_eq!(config.platform(), "telegram");
    }

    #[test]
    fn environment_overrides_the_file() {
        let env = |key: &str| match key {
            "PEYGIR_TELEGRAM_TOKEN" => Some("123:abc".to_owned()),
            "PEYGIR_TELEGRAM_API_URL" => Some("https://tapi.bale.ai".to_owned()),
            _ => None,
        };
        let (config, _) = Config::from_toml(DEFAULT_TOML, env).unwrap();
        assert_eq!(config.telegram.token.as_ref().unwrap().expose_secret(), "123:abc");
        assert_eq!(config.platform(), "bale");
    }

    #[test]
    fn webhook_mode_needs_its_secret() {
        let env = |key: &str| match key {
            "PEYGIR_TELEGRAM_TOKEN" => Some("123:abc".to_owned()),
            "PEYGIR_TELEGRAM_MODE" => Some("webhook".to_owned()),
            "PEYGIR_TELEGRAM_WEBHOOK_URL" => Some("https://example.ir/telegram/webhook".to_owned()),
            _ => None,
        };
        let err = Config::from_toml(DEFAULT_TOML, env).unwrap_err();
        assert!(format!("{err:#}").contains("webhook_secret"), "{err:#}");
    }

    #[test]
    fn sends_in_flight_are_at_least_one() {
        let (config, _) = Config::from_toml(DEFAULT_TOML, |_| None).unwrap();
        assert_eq!(config.telegram.max_in_flight, 32);
        let none = DEFAULT_TOML.replace("max_in_flight = 32", "max_in_flight = 0");
        let err = Config::from_toml(&none, |_| None).unwrap_err();
        assert!(format!("{err:#}").contains("max_in_flight"), "{err:#}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_toml(&format!("colour = 1\n{DEFAULT_TOML}"), |_| None).unwrap_err();
        assert!(format!("{err:#}").contains("colour"));
    }
}
