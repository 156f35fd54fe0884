//! `[scheduler]` and `[maintenance]` in `bot.toml`.

use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// When each job runs: cron expressions with seconds (sec min hour day month weekday), read in
/// Tehran time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerConfig {
    /// Maintenance reminders and start and end notices.
    #[serde(default = "every_minute", deserialize_with = "cron")]
    pub maintenance: cron::Schedule,
    /// Escalation of requests past their stage's target.
    #[serde(default = "every_ten_minutes", deserialize_with = "cron")]
    pub sla: cron::Schedule,
    /// The daily digest to the staff group.
    #[serde(default = "every_morning", deserialize_with = "cron")]
    pub digest: cron::Schedule,
    /// Forgetting what is kept only for a while.
    #[serde(default = "every_night", deserialize_with = "cron")]
    pub housekeeping: cron::Schedule,
    /// Dating document deadlines once served, and reminders.
    #[serde(default = "every_five_minutes", deserialize_with = "cron")]
    pub deadlines: cron::Schedule,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            maintenance: every_minute(),
            sla: every_ten_minutes(),
            digest: every_morning(),
            housekeeping: every_night(),
            deadlines: every_five_minutes(),
        }
    }
}

fn every_minute() -> cron::Schedule {
    schedule("0 * * * * *")
}

fn every_five_minutes() -> cron::Schedule {
    schedule("0 */5 * * * *")
}

fn every_ten_minutes() -> cron::Schedule {
    schedule("0 */10 * * * *")
}

fn every_morning() -> cron::Schedule {
    schedule("0 0 8 * * *")
}

fn every_night() -> cron::Schedule {
    schedule("0 30 3 * * *")
}

fn schedule(expression: &str) -> cron::Schedule {
    cron::Schedule::from_str(expression).expect("a valid cron expression")
}

fn cron<'de, D: Deserializer<'de>>(deserializer: D) -> Result<cron::Schedule, D::Error> {
    let text = String::deserialize(deserializer)?;
    cron::Schedule::from_str(&text).map_err(|e| {
        serde::de::Error::custom(format!(
            "`{text}` is not a cron expression (sec min hour day month weekday): {e}"
        ))
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceConfig {
    /// Reminders this many minutes before a window starts.
    #[serde(default = "default_reminders")]
    pub remind_before_minutes: Vec<u32>,
}

impl Default for MaintenanceConfig {
    fn default() -> Self {
        Self {
            remind_before_minutes: default_reminders(),
        }
    }
}

impl MaintenanceConfig {
    pub fn remind_before(&self) -> Vec<chrono::Duration> {
        self.remind_before_minutes
            .iter()
            .map(|m| chrono::Duration::minutes(i64::from(*m)))
            .collect()
    }
}

fn default_reminders() -> Vec<u32> {
    vec![24 * 60, 60]
}
