//! Fluent bundles for Persian (default) and English, and the locale-aware rendering of
//! arguments: Persian digits, Jalali dates, grouped amounts.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use chrono::{DateTime, NaiveDate, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::{Deserialize, Serialize};

use crate::domain::TrackingCode;
use crate::domain::digits::to_persian_digits;
use crate::domain::jalali::to_jalali;

/// The languages the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fa,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Fa, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Fa => "fa",
            Self::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// A message to show: a Fluent id and its arguments, rendered per locale at the edge. It
/// serialises, so a notice can wait in the outbox and be rendered when it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Msg {
    pub id: String,
    pub args: Vec<(String, Arg)>,
}

/// An argument whose presentation depends on the locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Arg {
    /// Shown as given (names, free text).
    Text(String),
    /// A string of digits (ids, plates) shown with the locale's digits.
    Digits(String),
    /// A quantity, grouped by thousands.
    Number(i64),
    Code(TrackingCode),
    Date(NaiveDate),
    Time(DateTime<Utc>),
    /// Another message, rendered in the same locale.
    Msg(String),
    /// An amount in rials, echoed with its value in tomans in words (a rial/toman mix-up is
    /// a factor of ten, and the commonest amount error).
    Rials(i64),
    /// An Iranian plate as stored ("12 الف 345 ایران 67"): its Persian words mixed with
    /// figures, which an English line would otherwise lay out out of order.
    Plate(String),
}

impl Msg {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &str, value: Arg) -> Self {
        self.args.push((name.to_owned(), value));
        self
    }
}

/// Both locales' bundles, checked complete at start.
pub struct I18n {
    bundles: HashMap<Locale, FluentBundle<FluentResource>>,
    /// The directorate's name per locale, which every message may place as `$directorate`.
    directorate: HashMap<Locale, String>,
}

/// The directorate's name when the configuration gives none (`[directorate]` in bot.toml adds
/// the province).
pub const DEFAULT_DIRECTORATE_FA: &str = "ادارهٔ کل امور اقتصادی و دارایی";
pub const DEFAULT_DIRECTORATE_EN: &str = "General Directorate of Economic Affairs and Finance";

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n").finish_non_exhaustive()
    }
}

impl I18n {
    /// Loads every `.ftl` file under `dir/<locale>/` and fails naming any id in `required`
    /// that a locale lacks, so a missing translation stops the start, not a user's dialogue.
    pub fn load(dir: &Path, required: &[String]) -> anyhow::Result<Self> {
        let mut bundles = HashMap::new();
        let root = dir.is_dir().then_some(dir);
        if root.is_none() {
            tracing::info!(
                folder = %dir.display(),
                "no locale folder there: the built-in locales apply (PEYGIR_LOCALES_DIR names another)"
            );
        }
        for locale in Locale::ALL {
            let bundle = load_bundle(root, locale)?;
            let missing: Vec<&str> = required
                .iter()
                .filter(|id| pattern(&bundle, id).is_none())
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                bail!("locale `{}` lacks messages: {}", locale.code(), missing.join(", "));
            }
            bundles.insert(locale, bundle);
        }
        let directorate = HashMap::from([
            (Locale::Fa, DEFAULT_DIRECTORATE_FA.to_owned()),
            (Locale::En, DEFAULT_DIRECTORATE_EN.to_owned()),
        ]);
        Ok(Self { bundles, directorate })
    }

    /// The directorate's name in each language (welcome, the SMS sender), as configured.
    pub fn with_directorate(mut self, fa: &str, en: &str) -> Self {
        self.directorate.insert(Locale::Fa, fa.to_owned());
        self.directorate.insert(Locale::En, en.to_owned());
        self
    }

    /// Renders a message; a missing one (impossible after `load`'s check) shows its id.
    pub fn render(&self, locale: Locale, msg: &Msg) -> String {
        let bundle = &self.bundles[&locale];
        let Some(pattern) = pattern(bundle, &msg.id) else {
            tracing::error!(id = %msg.id, locale = locale.code(), "missing Fluent message");
            return msg.id.clone();
        };
        let mut args = FluentArgs::new();
        args.set("directorate", self.directorate[&locale].clone());
        for (name, value) in &msg.args {
            args.set(name.as_str(), self.render_arg(locale, value));
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
        if !errors.is_empty() {
            tracing::error!(id = %msg.id, ?errors, "Fluent formatting failed");
        }
        text.into_owned()
    }

    /// Renders a message for an SMS: its `sms-` variant when there is one (an SMS cannot point
    /// at the chat's menu or commands the way a chat message does), else the message itself.
    pub fn render_sms(&self, locale: Locale, msg: &Msg) -> String {
        self.render_variant(locale, "sms-", msg)
            .unwrap_or_else(|| self.render(locale, msg))
    }

    /// Renders the message's variant named `prefix` + its id, when the locale has one.
    pub fn render_variant(&self, locale: Locale, prefix: &str, msg: &Msg) -> Option<String> {
        let variant = format!("{prefix}{}", msg.id);
        pattern(&self.bundles[&locale], &variant)?;
        let msg = Msg {
            id: variant,
            args: msg.args.clone(),
        };
        Some(self.render(locale, &msg))
    }

    pub fn text(&self, locale: Locale, id: &str) -> String {
        self.render(locale, &Msg::new(id))
    }

    fn render_arg(&self, locale: Locale, arg: &Arg) -> String {
        let localise = |s: String| match locale {
            Locale::Fa => to_persian_digits(&s),
            Locale::En => s,
        };
        match arg {
            Arg::Text(s) => s.clone(),
            Arg::Digits(s) => localise(s.clone()),
            Arg::Number(n) => localise(group_thousands(*n, locale)),
            Arg::Code(code) => code_text(*code, locale),
            Arg::Date(date) => localise(format_date(*date, locale)),
            Arg::Time(at) => localise(format_time(*at, locale)),
            Arg::Msg(id) => self.render(locale, &Msg::new(id.clone())),
            Arg::Rials(rials) => self.render(locale, &rials_in_words(*rials, locale)),
            Arg::Plate(plate) => match locale {
                Locale::Fa => to_persian_digits(plate),
                Locale::En => plate_in_left_to_right(plate),
            },
        }
    }
}

/// A plate for a left-to-right line: a left-to-right mark after each Persian word, so that the
/// figure after it reads as left-to-right text too. Without it the bidirectional algorithm
/// joins "الف 345 ایران 67" into one right-to-left run and shows "12 67 ایران 345 الف". Chat
/// only: plates are not sent by SMS.
fn plate_in_left_to_right(plate: &str) -> String {
    plate
        .split(' ')
        .map(|word| {
            if word
                .chars()
                .any(|c| c.is_alphabetic() && ('\u{0600}'..='\u{06FF}').contains(&c))
            {
                format!("{word}\u{200E}")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An amount of rials as `amount-rials` says it: the figure, and the tomans (and any rials
/// left over) in words.
fn rials_in_words(rials: i64, locale: Locale) -> Msg {
    use crate::domain::number_words::{english, persian};
    let words = |n: u64| match locale {
        Locale::Fa => persian(n),
        Locale::En => english(n),
    };
    let amount = rials.unsigned_abs();
    Msg::new("amount-rials")
        .arg("rials", Arg::Number(rials))
        .arg("tomans", Arg::Text(words(amount / 10)))
        .arg("rest", Arg::Text(words(amount % 10)))
        .arg(
            "has-rest",
            Arg::Text(if amount.is_multiple_of(10) { "no" } else { "yes" }.into()),
        )
}

/// The pattern of `id`, or of an attribute when written `id.attribute`.
fn pattern<'b>(bundle: &'b FluentBundle<FluentResource>, id: &str) -> Option<&'b fluent_syntax::ast::Pattern<&'b str>> {
    match id.split_once('.') {
        Some((message, attribute)) => bundle.get_message(message)?.get_attribute(attribute).map(|a| a.value()),
        None => bundle.get_message(id)?.value(),
    }
}

/// The shipped locale files, built into the binary: it runs from any folder. A locale folder
/// on disk, when there is one, overrides them.
const BUILT_IN: [(&str, &str, &str); 6] = [
    ("en", "main.ftl", include_str!("../locales/en/main.ftl")),
    ("en", "services.ftl", include_str!("../locales/en/services.ftl")),
    ("en", "web.ftl", include_str!("../locales/en/web.ftl")),
    ("fa", "main.ftl", include_str!("../locales/fa/main.ftl")),
    ("fa", "services.ftl", include_str!("../locales/fa/services.ftl")),
    ("fa", "web.ftl", include_str!("../locales/fa/web.ftl")),
];

/// The `.ftl` sources of `locale`, named, in order: from its folder under `root`, or built in
/// when there is no locale folder.
fn sources(root: Option<&Path>, locale: Locale) -> anyhow::Result<Vec<(String, String)>> {
    let Some(root) = root else {
        return Ok(BUILT_IN
            .iter()
            .filter(|(code, ..)| *code == locale.code())
            .map(|(code, name, text)| (format!("(built in) {code}/{name}"), (*text).to_owned()))
            .collect());
    };
    let dir = root.join(locale.code());
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading locale directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok((path.display().to_string(), text))
        })
        .collect()
}

fn load_bundle(root: Option<&Path>, locale: Locale) -> anyhow::Result<FluentBundle<FluentResource>> {
    let lang = locale.code().parse().expect("locale codes are valid language ids");
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Fluent wraps placeables in bidi isolation marks by default; they show up as junk in SMS
    // and plain-text clients, and our arguments are already direction-safe.
    bundle.set_use_isolating(false);
    for (name, source) in sources(root, locale)? {
        let resource = FluentResource::try_new(source)
            .map_err(|(_, errs)| anyhow::anyhow!("{name}: Fluent syntax errors: {errs:?}"))?;
        bundle
            .add_resource(resource)
            .map_err(|errs| anyhow::anyhow!("{name}: duplicate messages: {errs:?}"))?;
    }
    Ok(bundle)
}

fn group_thousands(n: i64, locale: Locale) -> String {
    let separator = match locale {
        Locale::Fa => '٬',
        Locale::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Persian shows the Jalali date; English the ISO date with the Jalali one beside it, since the
/// directorate's papers carry Jalali dates.
fn format_date(date: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Fa => to_jalali(date).to_string(),
        Locale::En => format!("{} ({} SH)", date.format("%Y-%m-%d"), to_jalali(date)),
    }
}

/// Times are shown in Tehran time (UTC+03:30; Iran has kept no daylight saving since 2022).
fn format_time(at: DateTime<Utc>, locale: Locale) -> String {
    let tehran = at + chrono::Duration::minutes(210);
    format!(
        "{} {}",
        format_date(tehran.date_naive(), locale),
        tehran.format("%H:%M")
    )
}

/// A tracking code as a message in `locale` writes it. In Persian its groups are joined by
/// no-break spaces, not hyphens: after Persian words the bidirectional algorithm lays out
/// hyphen-joined digit groups right to left (the last group first), and a code read aloud or
/// copied by hand in that order fails its check digit; a no-break space keeps the groups one
/// number, in reading order, with no invisible control characters (SMS carry none).
pub fn code_text(code: TrackingCode, locale: Locale) -> String {
    match locale {
        Locale::Fa => to_persian_digits(&code.grouped('\u{00A0}')),
        Locale::En => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_per_locale() {
        assert_eq!(group_thousands(1_500_000, Locale::En), "1,500,000");
        assert_eq!(group_thousands(999, Locale::Fa), "999");
        assert_eq!(group_thousands(1000, Locale::Fa), "1٬000");
    }

    #[test]
    fn without_a_locale_folder_the_built_in_locales_are_complete() {
        let required: Vec<String> = crate::conversation::messages::ALL
            .iter()
            .map(|id| (*id).to_owned())
            .collect();
        let i18n = I18n::load(Path::new("/nonexistent/locales"), &required).unwrap();
        assert_eq!(i18n.text(Locale::Fa, "menu-help"), "راهنما");
        // The same texts as the shipped folder's.
        let disk = I18n::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales"),
            &required,
        )
        .unwrap();
        for id in &required {
            for locale in Locale::ALL {
                assert_eq!(i18n.text(locale, id), disk.text(locale, id), "{id}");
            }
        }
    }

    #[test]
    fn the_directorate_is_named_as_configured_in_the_welcome_and_as_sms_sender() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let shipped = I18n::load(&dir, &[]).unwrap();
        assert!(shipped.text(Locale::Fa, "welcome").contains(DEFAULT_DIRECTORATE_FA));
        let yazd = I18n::load(&dir, &[])
            .unwrap()
            .with_directorate("ادارهٔ کل امور اقتصادی و دارایی استان یزد", "Yazd Directorate");
        assert!(yazd.text(Locale::Fa, "welcome").contains("استان یزد"));
        assert_eq!(
            yazd.text(Locale::Fa, "sms-sender"),
            "ادارهٔ کل امور اقتصادی و دارایی استان یزد"
        );
        assert!(yazd.text(Locale::En, "welcome").contains("Yazd Directorate"));
    }

    #[test]
    fn rial_amounts_are_echoed_with_their_tomans_in_words() {
        let i18n = I18n::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales"), &[]).unwrap();
        let say = |locale, rials| i18n.render(locale, &rials_in_words(rials, locale));
        assert_eq!(say(Locale::Fa, 150_000_000), "۱۵۰٬۰۰۰٬۰۰۰ ریال (پانزده میلیون تومان)");
        assert_eq!(say(Locale::Fa, 2_505), "۲٬۵۰۵ ریال (دویست و پنجاه تومان و پنج ریال)");
        assert_eq!(
            say(Locale::En, 150_000_000),
            "150,000,000 rials (fifteen million tomans)"
        );
    }

    #[test]
    fn dates_are_jalali_in_persian() {
        let date = NaiveDate::from_ymd_opt(2024, 10, 6).unwrap();
        assert_eq!(format_date(date, Locale::Fa), "1403/07/15");
        assert_eq!(format_date(date, Locale::En), "2024-10-06 (1403/07/15 SH)");
    }
}
