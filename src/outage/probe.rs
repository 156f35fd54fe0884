//! One HTTP check of a probe's URL.

use super::config::ProbeConfig;

/// Checks `probe` once: `Err` says why it failed, in words fit for staff (never the URL,
/// which may carry a key).
pub async fn check(client: &reqwest::Client, probe: &ProbeConfig) -> Result<(), String> {
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
