//! `[[probes]]` in `bot.toml`: what to watch, and how many results in a row make a fault and
//! a recovery.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{bail, ensure};
use serde::Deserialize;

use crate::domain::Catalog;

/// One HTTP probe. A 2xx or 3xx answer within the timeout is a success; anything else (another
/// status, no answer, a refused connection) a failure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeConfig {
    /// Names the probe in staff notices and in the database; keep it stable.
    pub name: String,
    pub url: url::Url,
    /// The service the URL serves; every service when unset.
    pub service: Option<String>,
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Failed checks in a row that make an outage.
    #[serde(default = "default_failures")]
    pub failures_before_outage: u32,
    /// Successful checks in a row that end it.
    #[serde(default = "default_successes")]
    pub successes_before_recovery: u32,
}

impl ProbeConfig {
    pub fn interval(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.interval_secs as i64)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

fn default_interval() -> u64 {
    30
}
fn default_timeout() -> u64 {
    5
}
fn default_failures() -> u32 {
    3
}
fn default_successes() -> u32 {
    2
}

/// Checks the probes against each other and the catalog.
pub fn validate(probes: &[ProbeConfig], catalog: &Catalog) -> anyhow::Result<()> {
    let mut names = HashSet::new();
    for probe in probes {
        let name = &probe.name;
        ensure!(!name.trim().is_empty(), "probes: every probe needs a name");
        ensure!(names.insert(name), "probes: two probes are called `{name}`");
        if !matches!(probe.url.scheme(), "http" | "https") {
            bail!("probe `{name}`: url must be http or https");
        }
        if let Some(service) = &probe.service {
            ensure!(
                catalog.get(service).is_some(),
                "probe `{name}`: no service is called `{service}`"
            );
        }
        // The scheduler looks for due checks every 5 seconds.
        ensure!(
            probe.interval_secs >= 5,
            "probe `{name}`: interval_secs must be at least 5"
        );
        ensure!(
            probe.timeout_secs >= 1 && probe.timeout_secs < probe.interval_secs,
            "probe `{name}`: timeout_secs must be at least 1 and shorter than interval_secs"
        );
        ensure!(
            probe.failures_before_outage >= 1 && probe.successes_before_recovery >= 1,
            "probe `{name}`: failures_before_outage and successes_before_recovery must be at least 1"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, DEFAULT_TOML};

    fn with_probe(probe: &str) -> anyhow::Result<()> {
        let text = format!("{DEFAULT_TOML}\n[[probes]]\n{probe}\n");
        Config::from_toml(&text, |_| None).map(drop)
    }

    #[test]
    fn a_probe_takes_defaults_for_all_but_its_name_and_url() {
        let text = format!("{DEFAULT_TOML}\n[[probes]]\nname = \"portal\"\nurl = \"http://127.0.0.1:9000/\"\n");
        let (config, _) = Config::from_toml(&text, |_| None).unwrap();
        let probe = &config.probes[0];
        assert_eq!(
            (
                probe.interval_secs,
                probe.timeout_secs,
                probe.failures_before_outage,
                probe.successes_before_recovery
            ),
            (30, 5, 3, 2)
        );
        assert_eq!(probe.service, None);
    }

    #[test]
    fn bad_probes_are_named_at_start() {
        let cases = [
            ("name = \"p\"\nurl = \"ftp://x/\"", "http or https"),
            (
                "name = \"p\"\nurl = \"http://x/\"\nservice = \"nope\"",
                "no service is called `nope`",
            ),
            ("name = \"p\"\nurl = \"http://x/\"\ninterval_secs = 2", "at least 5"),
            (
                "name = \"p\"\nurl = \"http://x/\"\ntimeout_secs = 30",
                "shorter than interval_secs",
            ),
            (
                "name = \"p\"\nurl = \"http://x/\"\nfailures_before_outage = 0",
                "at least 1",
            ),
            ("name = \"p\"\nurl = \"not a url\"", "url"),
        ];
        for (probe, says) in cases {
            let err = with_probe(probe).unwrap_err();
            assert!(format!("{err:#}").contains(says), "{probe}: {err:#}");
        }
        let twice = "name = \"p\"\nurl = \"http://x/\"\n[[probes]]\nname = \"p\"\nurl = \"http://y/\"";
        assert!(format!("{:#}", with_probe(twice).unwrap_err()).contains("two probes"));
    }
}
