//! The SMS dispatcher: claims due SMS, checks consent and quiet hours at send time, renders
//! and measures each text, sends in the gateway's bulk size at its configured rate, and records
//! what the gateway said. A second loop asks the gateway for delivery reports that did not
//! arrive by callback.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::dispatcher::{DispatcherSettings, after, retry_later, run_rounds};
use super::pace::Pacer;
use crate::app::Application;
use crate::domain::PhoneNumber;
use crate::sms::compose::Composition;
use crate::sms::quiet::quiet_until;
use crate::sms::{Gateway, Report, Sms, SmsError};
use crate::store::outbox;
use crate::store::sms_outbox::{self, ClaimedSms, SentSms};

/// Records a report, whether polled or called back; only a final one changes anything. True
/// when it moved the SMS.
pub async fn record_report(pool: &sqlx::PgPool, provider: &str, id: &str, report: &Report) -> sqlx::Result<bool> {
    match report {
        Report::Delivered => sms_outbox::apply_report(pool, provider, id, true, None).await,
        Report::Failed(why) => sms_outbox::apply_report(pool, provider, id, false, Some(why)).await,
        Report::Sent => Ok(false),
    }
}

/// Delivers the outbox's SMS rows through one gateway.
#[derive(Clone)]
pub struct SmsDispatcher {
    app: Application,
    gateway: Gateway,
    settings: DispatcherSettings,
    pacer: Arc<Pacer>,
}

impl SmsDispatcher {
    /// `per_second` is the gateway's limit; `None` sends as fast as the gateway answers.
    pub fn new(app: Application, gateway: Gateway, settings: DispatcherSettings, per_second: Option<f64>) -> Self {
        Self {
            app,
            gateway,
            settings,
            pacer: Arc::new(Pacer::per_second(per_second)),
        }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let idle_poll = self.settings.idle_poll;
        run_rounds("sending SMS failed", idle_poll, shutdown, || self.run_once()).await;
    }

    /// Claims one batch and sends it; returns how many SMS rows it handled.
    #[tracing::instrument(skip_all)]
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let pool = self.app.pool();
        let claimed = sms_outbox::claim(pool, self.app.vault(), self.settings.batch, self.settings.lease).await?;
        let count = claimed.len();
        // What passed the send-time checks, with its part count, beside the text to send.
        let mut ready = Vec::with_capacity(count);
        let mut outgoing = Vec::with_capacity(count);
        for sms in claimed {
            if let Some((out, parts)) = self.check(&sms).await? {
                ready.push((sms, parts));
                outgoing.push(out);
            }
        }
        let size = self.gateway.batch_size().max(1);
        for (chunk, batch) in ready.chunks(size).zip(outgoing.chunks(size)) {
            self.pacer.wait_for(batch.len() as u32).await;
            let results = self.gateway.send(batch).await;
            let mut sent = Vec::with_capacity(batch.len());
            for (((claimed, parts), out), result) in chunk.iter().zip(batch).zip(results) {
                match result {
                    Ok(accepted) => sent.push(SentSms {
                        id: claimed.id,
                        provider_id: accepted.provider_id,
                        status: accepted.state.status(),
                        segments: *parts as i32,
                        body: out.text.clone(),
                    }),
                    Err(err) => self.failed(claimed, err).await?,
                }
            }
            sms_outbox::mark_sent(pool, self.app.vault(), self.gateway.name(), &sent).await?;
        }
        Ok(count)
    }

    /// The checks made at send time; the SMS and its parts, or `None` when it is not sent now
    /// (skipped, or put back until quiet hours end).
    async fn check(&self, sms: &ClaimedSms) -> anyhow::Result<Option<(Sms, usize)>> {
        let pool = self.app.pool();
        let config = &self.app.config().sms;
        let Some(to) = sms.to.as_deref().and_then(|n| PhoneNumber::parse(n).ok()) else {
            outbox::mark_skipped(pool, sms.id, "no Iranian mobile number to send to").await?;
            return Ok(None);
        };
        if !sms.direct && !sms.active {
            outbox::mark_skipped(pool, sms.id, "SMS is off for this applicant (no consent, or opted out)").await?;
            return Ok(None);
        }
        let urgent = sms.urgent || config.is_urgent(&sms.kind);
        if !urgent && let Some(until) = config.quiet_hours.and_then(|q| quiet_until(q, Utc::now())) {
            outbox::retry_at(pool, sms.id, until, "waiting for the end of quiet hours", true).await?;
            return Ok(None);
        }
        let locale = self.app.locale_or_default(sms.locale.as_deref());
        // Broadcasts, maintenance and outage notices are informational: they end as the
        // regulator asks of service lines. A notice about the applicant's own request does not.
        let informational = matches!(
            crate::notify::Lane::of_notice(&sms.kind),
            crate::notify::Lane::Announcement
        );
        let composition = Composition {
            i18n: self.app.i18n(),
            locale,
            sender: config.sender.as_deref(),
            max_parts: config.max_parts,
            informational,
        };
        let (text, measure) = composition.compose(&sms.message);
        let out = Sms {
            local_id: sms.id,
            to,
            text,
        };
        Ok(Some((out, measure.parts)))
    }

    async fn failed(&self, sms: &ClaimedSms, err: SmsError) -> anyhow::Result<()> {
        let pool = self.app.pool();
        match err {
            SmsError::RetryAfter(wait) => {
                let at = after(wait, chrono::Duration::seconds(30));
                outbox::retry_at(pool, sms.id, at, "the SMS gateway asked us to slow down", true).await?;
            }
            SmsError::Temporary(error) if sms.attempts < self.settings.max_attempts => {
                retry_later(pool, &self.settings, sms.id, sms.attempts, &error).await?;
            }
            SmsError::Temporary(error) | SmsError::Permanent(error) => {
                tracing::warn!(notice = sms.id, error = %error, "SMS cannot be sent");
                outbox::mark_dead(pool, sms.id, &error, false).await?;
            }
        }
        Ok(())
    }

    /// Asks the gateway about SMS sent a while ago that have no final report yet.
    pub async fn poll_reports(&self) -> anyhow::Result<usize> {
        let pool = self.app.pool();
        let before = Utc::now() - chrono::Duration::seconds(30);
        let ids = sms_outbox::awaiting_reports(pool, self.gateway.name(), before, 500).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let reports = self
            .gateway
            .status(&ids)
            .await
            .map_err(|e| anyhow::anyhow!("asking the gateway for delivery reports: {e:?}"))?;
        let mut moved = 0;
        for (id, report) in reports {
            moved += usize::from(record_report(pool, self.gateway.name(), &id, &report).await?);
        }
        Ok(moved)
    }

    /// Polls for reports every `every` until shutdown.
    pub async fn run_report_poll(self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
            if let Err(err) = self.poll_reports().await {
                tracing::warn!(error = format!("{err:#}"), "delivery report poll failed");
            }
        }
    }
}
