//! The probes' HTTP checks: each due probe checked at once, and each result recorded.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::config::ProbeConfig;
use super::{Change, Reach, record_check};
use crate::app::Application;
use crate::store::probe_states;

/// Runs the configured probes.
pub struct Prober {
    client: reqwest::Client,
}

impl Default for Prober {
    fn default() -> Self {
        Self::new()
    }
}

impl Prober {
    pub fn new() -> Self {
        Self {
            // Each check opens a connection of its own: one kept alive from the last check
            // could still answer after the server stopped taking new ones.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("an HTTP client with default TLS settings"),
        }
    }

    /// Checks the probes whose interval has passed at `now`, all at once so that one slow
    /// target does not hold up the others, and records each result in a transaction of its
    /// own; returns the outages opened or closed.
    pub async fn check_due(&self, app: &Application, now: DateTime<Utc>) -> anyhow::Result<Vec<Change>> {
        let probes = &app.config().probes;
        if probes.is_empty() {
            return Ok(Vec::new());
        }
        let checked: HashMap<String, DateTime<Utc>> = {
            let mut conn = app.pool().acquire().await?;
            probe_states::checked_at(&mut conn).await?.into_iter().collect()
        };
        let mut checks = tokio::task::JoinSet::new();
        for probe in probes {
            if checked.get(&probe.name).is_some_and(|at| now < *at + probe.interval()) {
                continue;
            }
            let (client, probe) = (self.client.clone(), probe.clone());
            checks.spawn(async move {
                let result = check(&client, &probe).await;
                (probe, result)
            });
        }
        let reach = Reach::of(app.config());
        let mut changes = Vec::new();
        while let Some(checked) = checks.join_next().await {
            let (probe, result) = checked?;
            let mut tx = app.pool().begin().await?;
            let change = record_check(&mut tx, &probe, result.err().as_deref(), now, reach)
                .await
                .map_err(|err| err.context(format!("probe {}", probe.name)))?;
            tx.commit().await?;
            match &change {
                Some(Change::Started(_)) => tracing::warn!(probe = %probe.name, "outage detected"),
                Some(Change::Recovered(_)) => tracing::info!(probe = %probe.name, "outage over"),
                None => {}
            }
            changes.extend(change);
        }
        Ok(changes)
    }
}

/// Checks `probe` once: `Err` says why it failed, in words fit for staff (never the URL,
/// which may carry a key).
async fn check(client: &reqwest::Client, probe: &ProbeConfig) -> Result<(), String> {
    let response = client
        .get(probe.url.clone())
        .timeout(probe.timeout())
        .send()
        .await
        .map_err(|err| {
            if err.is_timeout() {
                format!("no answer within {} s", probe.timeout_secs)
            } else if err.is_connect() {
                "connection failed".to_owned()
            } else {
                "the request failed".to_owned()
            }
        })?;
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
