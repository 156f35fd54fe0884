//! `bot.toml` plus `PEYGIR_*` environment overrides, as one typed struct validated at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IntoDeserializer as _};

use crate::domain::{Catalog, Service};
use crate::i18n::Locale;
use crate::outage::ProbeConfig;
use crate::scheduler::{MaintenanceConfig, SchedulerConfig};
use crate::sms::config::{NoticesConfig, SmsConfig};

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
        let env = Overrides(env);
        env.text("PEYGIR_DATA_DIR", &mut self.data_dir);
        env.optional("PEYGIR_DATA_KEYS_FILE", &mut self.privacy.keys_file);
        env.optional("PEYGIR_DATA_KEYS", &mut self.privacy.keys);
        env.text("PEYGIR_LOCALES_DIR", &mut self.locales_dir);
        env.choice("PEYGIR_DEFAULT_LOCALE", &mut self.default_locale)?;
        env.optional("PEYGIR_DATABASE_SERVICE_URL", &mut self.database.service_url);
        env.optional("PEYGIR_DATABASE_URL", &mut self.database.url);
        let telegram = &mut self.telegram;
        env.optional("PEYGIR_TELEGRAM_TOKEN", &mut telegram.token);
        env.text("PEYGIR_TELEGRAM_API_URL", &mut telegram.api_url);
        env.choice("PEYGIR_TELEGRAM_MODE", &mut telegram.mode)?;
        env.parsed(
            "PEYGIR_TELEGRAM_MAX_PER_SECOND",
            &mut telegram.max_per_second,
            "a number (0: no limit)",
        )?;
        env.optional("PEYGIR_TELEGRAM_WEBHOOK_URL", &mut telegram.webhook_url);
        env.optional("PEYGIR_TELEGRAM_WEBHOOK_SECRET", &mut telegram.webhook_secret);
        let mut staff_chat_id = None;
        env.parsed_optional(
            "PEYGIR_STAFF_CHAT_ID",
            &mut staff_chat_id,
            "a chat id such as -1001234567890",
        )?;
        if let Some(chat_id) = staff_chat_id {
            match &mut self.staff_chat {
                Some(staff) => staff.chat_id = chat_id,
                None => self.staff_chat = Some(StaffChatConfig { chat_id, locale: None }),
            }
        }
        let sms = &mut self.sms;
        env.choice("PEYGIR_SMS_PROVIDER", &mut sms.provider)?;
        env.optional_choice("PEYGIR_SMS_SECONDARY", &mut sms.secondary)?;
        env.optional("PEYGIR_SMSIR_API_KEY", &mut sms.smsir.api_key);
        env.optional("PEYGIR_SMSIR_LINE", &mut sms.smsir.line_number);
        env.text("PEYGIR_SMSIR_URL", &mut sms.smsir.base_url);
        env.optional("PEYGIR_SAFIR_API_KEY", &mut sms.safir.api_key);
        env.parsed_optional("PEYGIR_SAFIR_BOT_ID", &mut sms.safir.bot_id, "the bot's numeric id")?;
        env.text("PEYGIR_SAFIR_URL", &mut sms.safir.base_url);
        env.optional_choice("PEYGIR_SMS_CODES_VIA", &mut sms.codes_via)?;
        env.optional("PEYGIR_BALE_OTP_CLIENT_ID", &mut sms.bale_otp.client_id);
        env.optional("PEYGIR_BALE_OTP_CLIENT_SECRET", &mut sms.bale_otp.client_secret);
        env.text("PEYGIR_BALE_OTP_URL", &mut sms.bale_otp.base_url);
        env.optional("PEYGIR_KAVENEGAR_API_KEY", &mut sms.kavenegar.api_key);
        env.text("PEYGIR_KAVENEGAR_URL", &mut sms.kavenegar.base_url);
        env.optional("PEYGIR_SMS_CALLBACK_SECRET", &mut sms.callback_secret);
        env.parsed_optional(
            "PEYGIR_PUBLIC_URL",
            &mut self.http.public_url,
            "a URL such as https://example.ir/peygir",
        )?;
        env.parsed(
            "PEYGIR_HTTP_LISTEN",
            &mut self.http.listen,
            "an address such as 127.0.0.1:8080",
        )?;
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

/// The `PEYGIR_*` variables, read one field at a time: a variable that is set replaces what
/// `bot.toml` says; one that cannot be read is refused, naming it and what it must be.
struct Overrides<E>(E);

impl<E: Fn(&str) -> Option<String>> Overrides<E> {
    /// A text, a path or a secret, taken as it is.
    fn text<T: From<String>>(&self, name: &str, field: &mut T) {
        if let Some(value) = (self.0)(name) {
            *field = value.into();
        }
    }

    /// The same, for a field unset unless given.
    fn optional<T: From<String>>(&self, name: &str, field: &mut Option<T>) {
        if let Some(value) = (self.0)(name) {
            *field = Some(value.into());
        }
    }

    /// A number, an address or a URL, read by its `FromStr`; `expected` says what it must be.
    fn parsed<T: FromStr>(&self, name: &str, field: &mut T, expected: &str) -> anyhow::Result<()>
    where
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        if let Some(value) = (self.0)(name) {
            *field = value
                .trim()
                .parse()
                .with_context(|| format!("{name} must be {expected}"))?;
        }
        Ok(())
    }

    /// The same, for a field unset unless given.
    fn parsed_optional<T: FromStr>(&self, name: &str, field: &mut Option<T>, expected: &str) -> anyhow::Result<()>
    where
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        if let Some(value) = (self.0)(name) {
            *field = Some(
                value
                    .trim()
                    .parse()
                    .with_context(|| format!("{name} must be {expected}"))?,
            );
        }
        Ok(())
    }

    /// One of a few names, spelt as in `bot.toml` (serde reads both, so they cannot drift).
    fn choice<T: DeserializeOwned>(&self, name: &str, field: &mut T) -> anyhow::Result<()> {
        if let Some(value) = (self.0)(name) {
            *field = read_choice(name, &value)?;
        }
        Ok(())
    }

    /// The same for a choice that may be turned off: empty or `none` unsets it.
    fn optional_choice<T: DeserializeOwned>(&self, name: &str, field: &mut Option<T>) -> anyhow::Result<()> {
        if let Some(value) = (self.0)(name) {
            *field = match value.trim() {
                "" | "none" => None,
                _ => Some(read_choice(name, &value)?),
            };
        }
        Ok(())
    }
}

fn read_choice<T: DeserializeOwned>(name: &str, value: &str) -> anyhow::Result<T> {
    let value: serde::de::value::StrDeserializer<'_, serde::de::value::Error> = value.trim().into_deserializer();
    T::deserialize(value).map_err(|err| anyhow::anyhow!("{name}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::config::{CodesVia, Provider};

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
    fn each_kind_of_override_is_read_as_bot_toml_spells_it() {
        let env = |key: &str| {
            Some(
                match key {
                    "PEYGIR_DEFAULT_LOCALE" => "en",
                    "PEYGIR_TELEGRAM_MAX_PER_SECOND" => " 12 ",
                    "PEYGIR_STAFF_CHAT_ID" => "-1001234567890",
                    "PEYGIR_SMS_PROVIDER" => "kavenegar",
                    "PEYGIR_KAVENEGAR_API_KEY" => "k3y",
                    "PEYGIR_SMS_SECONDARY" => "none",
                    "PEYGIR_SMS_CODES_VIA" => "bale-otp",
                    "PEYGIR_BALE_OTP_CLIENT_ID" => "org",
                    "PEYGIR_BALE_OTP_CLIENT_SECRET" => "s3cret",
                    "PEYGIR_HTTP_LISTEN" => "127.0.0.1:9090",
                    _ => return None,
                }
                .to_owned(),
            )
        };
        let (config, _) = Config::from_toml(DEFAULT_TOML, env).unwrap();
        assert_eq!(config.default_locale, Locale::En);
        assert_eq!(config.telegram.max_per_second, 12.0);
        assert_eq!(config.staff_chat.map(|s| s.chat_id), Some(-1001234567890));
        assert_eq!(config.sms.provider, Provider::Kavenegar);
        assert_eq!(config.sms.kavenegar.api_key.as_ref().unwrap().expose_secret(), "k3y");
        assert_eq!(config.sms.secondary, None);
        assert_eq!(config.sms.codes_via, Some(CodesVia::BaleOtp));
        assert_eq!(config.http.listen, "127.0.0.1:9090".parse().unwrap());
    }

    #[test]
    fn an_override_that_cannot_be_read_is_refused_with_what_it_must_be() {
        for (key, value, says) in [
            ("PEYGIR_TELEGRAM_MODE", "push", "`polling` or `webhook`"),
            ("PEYGIR_DEFAULT_LOCALE", "de", "`fa` or `en`"),
            ("PEYGIR_SMS_SECONDARY", "post", "kavenegar"),
            ("PEYGIR_SMS_CODES_VIA", "pigeon", "`bale-otp`"),
            ("PEYGIR_TELEGRAM_MAX_PER_SECOND", "fast", "a number"),
            ("PEYGIR_HTTP_LISTEN", "port 80", "127.0.0.1:8080"),
        ] {
            let err = Config::from_toml(DEFAULT_TOML, |k| (k == key).then(|| value.to_owned())).unwrap_err();
            let err = format!("{err:#}");
            assert!(err.contains(key) && err.contains(says), "{key}: {err}");
        }
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
