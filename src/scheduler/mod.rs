//! The scheduler: periodic jobs on cron schedules from `bot.toml`, run by one instance (the
//! leader, see `leader`). Each job's last scheduled time is stored and moved in the same
//! transaction as the job's own writes, so a run is never lost to a crash nor made twice by a
//! restart or by a second instance: a job due while nobody ran is run once on return.
//!
//! Time is passed in (`tick(now)`), so tests drive the schedule with a clock of their own.

pub mod config;
mod leader;

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::app::Application;
use crate::outage::{self, Prober};
use crate::sms::quiet::tehran;
use crate::store::{job_runs, sms, sms_outbox, updates};

pub use config::{MaintenanceConfig, SchedulerConfig};
use leader::Leadership;

/// A periodic job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Maintenance reminders, and the notices when a window starts and ends.
    Maintenance,
    /// Requests past their stage's target, posted to the staff group.
    Escalation,
    /// The daily digest to the staff group.
    Digest,
    /// Forgets what is kept only for a while: handled update ids, expired one-time codes and
    /// the numbers and texts of the SMS that carried them.
    Housekeeping,
    /// Deadlines for documents: dated once their request is served, reminded the day before.
    Deadlines,
}

impl Job {
    pub const ALL: [Job; 5] = [
        Job::Maintenance,
        Job::Escalation,
        Job::Digest,
        Job::Housekeeping,
        Job::Deadlines,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Maintenance => "maintenance",
            Self::Escalation => "sla",
            Self::Digest => "digest",
            Self::Housekeeping => "housekeeping",
            Self::Deadlines => "deadlines",
        }
    }

    fn schedule(self, config: &SchedulerConfig) -> &cron::Schedule {
        match self {
            Self::Maintenance => &config.maintenance,
            Self::Escalation => &config.sla,
            Self::Digest => &config.digest,
            Self::Housekeeping => &config.housekeeping,
            Self::Deadlines => &config.deadlines,
        }
    }
}

/// How long a handled update's id is kept, to recognise a redelivery (the Bot API redelivers
/// for a day at most).
const KEEP_UPDATES: chrono::Duration = chrono::Duration::days(7);
/// How long an expired one-time code, and the SMS that carried one, is kept (the hourly caps
/// look back an hour).
const KEEP_CHALLENGES: chrono::Duration = chrono::Duration::days(1);

/// What one tick did.
#[derive(Debug, Default)]
pub struct Ticked {
    pub jobs: Vec<Job>,
    pub outages: Vec<outage::Change>,
}

/// How often the leader looks for due jobs, and others try to become leader.
const TICK: Duration = Duration::from_secs(5);

pub struct Scheduler {
    app: Application,
    leadership: Leadership,
    prober: Prober,
}

impl Scheduler {
    pub fn new(app: Application) -> Self {
        let leadership = Leadership::new(app.pool().clone());
        Self {
            app,
            leadership,
            prober: Prober::new(),
        }
    }

    /// Runs the schedule while this instance leads, until `shutdown` turns true.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(err) = self.tick(Utc::now()).await {
                tracing::error!(error = format!("{err:#}"), "a scheduled job failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(TICK) => {}
                _ = shutdown.changed() => break,
            }
        }
        self.leadership.resign().await;
    }

    /// Whether this instance held the lock at its last tick.
    pub fn leads(&self) -> bool {
        self.leadership.holds()
    }

    /// Runs the jobs and checks the probes due at `now` if this instance leads; returns the
    /// jobs it ran and the outages the probes opened or closed.
    pub async fn tick(&mut self, now: DateTime<Utc>) -> anyhow::Result<Ticked> {
        if !self.leadership.lead().await {
            return Ok(Ticked::default());
        }
        let jobs = self.run_jobs(now).await?;
        let outages = self.prober.check_due(&self.app, now).await.context("outage probes")?;
        Ok(Ticked { jobs, outages })
    }

    async fn run_jobs(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<Job>> {
        let mut ran = Vec::new();
        for job in Job::ALL {
            if self
                .run_if_due(job, now)
                .await
                .with_context(|| format!("job {}", job.name()))?
            {
                ran.push(job);
            }
        }
        Ok(ran)
    }

    /// Runs `job` if a scheduled time has passed since its last run, and records the latest
    /// such time with the job's writes.
    async fn run_if_due(&self, job: Job, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let mut tx = self.app.pool().begin().await?;
        let Some(last) = job_runs::lock(&mut tx, job.name()).await? else {
            // First start: the schedule begins now, with nothing to catch up on.
            job_runs::record(&mut tx, job.name(), now).await?;
            tx.commit().await?;
            return Ok(false);
        };
        let Some(due) = latest_due(job.schedule(&self.app.config().scheduler), last, now) else {
            return Ok(false);
        };
        self.work(job, &mut tx, now, due).await?;
        job_runs::record(&mut tx, job.name(), due).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Does `job`'s work for its run scheduled at `due`, with the clock at `now`.
    async fn work(
        &self,
        job: Job,
        tx: &mut crate::store::Tx<'_>,
        now: DateTime<Utc>,
        due: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let config = self.app.config();
        match job {
            Job::Maintenance => {
                let remind_before = config.maintenance.remind_before();
                let queued = crate::maintenance::send_due(tx, &remind_before, now).await?;
                if queued > 0 {
                    tracing::info!(queued, "maintenance notices queued");
                }
            }
            // Both go to the staff group; without one there is no one to tell.
            Job::Escalation | Job::Digest if config.staff_chat.is_none() => {}
            Job::Escalation => {
                let office = crate::office::calendar(tx, &config.office, now).await?;
                let posted = crate::sla::escalate(tx, self.app.catalog(), &office, now).await?;
                if posted > 0 {
                    tracing::info!(posted, "overdue requests escalated");
                }
            }
            Job::Digest => {
                let day = due.with_timezone(&tehran()).date_naive();
                let (catalog, i18n) = (self.app.catalog(), self.app.i18n());
                let office = crate::office::calendar(tx, &config.office, now).await?;
                crate::sla::digest(tx, catalog, &office, i18n, config.staff_locale(), day, now).await?;
            }
            Job::Deadlines => {
                let ran = crate::deadlines::run(tx, &self.app, now).await?;
                if ran != crate::deadlines::Ran::default() {
                    tracing::info!(served = ran.served, reminded = ran.reminded, "document deadlines");
                }
            }
            Job::Housekeeping => {
                let updates = updates::forget_before(tx, now - KEEP_UPDATES).await?;
                let unhandled = crate::store::inbox::forget_before(tx, now - KEEP_UPDATES).await?;
                let challenges = sms::forget_challenges_before(tx, now - KEEP_CHALLENGES).await?;
                let code_sms = sms_outbox::forget_direct_before(tx, now - KEEP_CHALLENGES).await?;
                // Counts only ever matter in their own minute.
                let rates = crate::store::rates::forget_before(tx, now - chrono::Duration::hours(1)).await?;
                // A chat's send slot only matters in the seconds before it.
                let paces = crate::store::chat_pace::forget_before(tx, now - chrono::Duration::minutes(1)).await?;
                let app = &self.app;
                let purged = crate::retention::apply(tx, app.catalog(), app.vault(), &config.retention, now).await?;
                tracing::info!(
                    updates,
                    unhandled,
                    challenges,
                    code_sms,
                    rates,
                    paces,
                    ?purged,
                    "housekeeping done"
                );
            }
        }
        Ok(())
    }
}

/// The latest time `schedule` names after `last` and not after `now`: the run to make now,
/// however many were missed while nobody ran.
fn latest_due(schedule: &cron::Schedule, last: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule
        .after(&last.with_timezone(&tehran()))
        .take_while(|at| *at <= now)
        .last()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::TimeZone;

    use super::*;

    fn utc(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0).unwrap()
    }

    #[test]
    fn a_daily_job_in_tehran_time_is_due_once_however_long_the_gap() {
        // 08:00 in Tehran is 04:30 UTC.
        let daily = cron::Schedule::from_str("0 0 8 * * *").unwrap();
        assert_eq!(latest_due(&daily, utc(23, 4, 30), utc(23, 12, 0)), None);
        assert_eq!(latest_due(&daily, utc(23, 4, 30), utc(24, 4, 30)), Some(utc(24, 4, 30)));
        // Three days without a run: one run, for the latest of them.
        assert_eq!(latest_due(&daily, utc(20, 4, 30), utc(23, 9, 0)), Some(utc(23, 4, 30)));
    }
}
