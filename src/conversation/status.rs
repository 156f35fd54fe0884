//! Faults and maintenance as the dialogue shows them: the public status (/status), and the
//! answer to a request for a service under maintenance or with a fault.

use chrono::{DateTime, Utc};

use crate::i18n::{Arg, Msg};

use super::messages as m;

/// What is wrong now and what is planned, as read for one step.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStatus {
    pub now: DateTime<Utc>,
    /// Faults open now, oldest first.
    pub faults: Vec<Fault>,
    /// Maintenance under way or coming soon, soonest first.
    pub maintenance: Vec<Maintenance>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// None: every service.
    pub service: Option<String>,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Maintenance {
    /// None: every service.
    pub service: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

impl Default for ServiceStatus {
    fn default() -> Self {
        Self {
            now: Utc::now(),
            faults: Vec::new(),
            maintenance: Vec::new(),
        }
    }
}

impl ServiceStatus {
    /// The maintenance under way that takes `service` (alone or with every service) out of use.
    pub fn maintenance_of(&self, service: &str) -> Option<&Maintenance> {
        self.maintenance.iter().find(|w| {
            w.starts_at <= self.now && self.now < w.ends_at && w.service.as_deref().is_none_or(|s| s == service)
        })
    }

    /// The fault open now in `service` (alone or in every service), if any.
    pub fn fault_of(&self, service: &str) -> Option<&Fault> {
        self.faults
            .iter()
            .find(|f| f.service.as_deref().is_none_or(|s| s == service))
    }

    /// The public status: one line per fault and window, or that all is well.
    pub fn lines(&self) -> Vec<Msg> {
        if self.faults.is_empty() && self.maintenance.is_empty() {
            return vec![Msg::new(m::STATUS_ALL_WELL)];
        }
        let faults = self.faults.iter().map(|f| {
            Msg::new(m::STATUS_OUTAGE)
                .arg("service", m::service_or_every(f.service.as_deref()))
                .arg("start", Arg::Time(f.since))
        });
        let windows = self.maintenance.iter().map(|w| {
            let id = if w.starts_at <= self.now {
                m::STATUS_MAINTENANCE_NOW
            } else {
                m::STATUS_MAINTENANCE_AHEAD
            };
            Msg::new(id)
                .arg("service", m::service_or_every(w.service.as_deref()))
                .arg("start", Arg::Time(w.starts_at))
                .arg("end", Arg::Time(w.ends_at))
        });
        std::iter::once(Msg::new(m::STATUS_TITLE))
            .chain(faults)
            .chain(windows)
            .collect()
    }
}

impl Fault {
    /// What someone starting a request for the faulty service is told first: the request is
    /// still taken (it waits in the database like any other), but its handling may wait.
    pub fn notice(&self) -> Msg {
        Msg::new(m::OUTAGE_UNDER_WAY)
            .arg("service", m::service_or_every(self.service.as_deref()))
            .arg("start", Arg::Time(self.since))
    }
}

impl Maintenance {
    /// What a request for the service gets while this window is under way.
    pub fn refusal(&self) -> Msg {
        Msg::new(m::MAINTENANCE_UNDER_WAY)
            .arg("service", m::service_or_every(self.service.as_deref()))
            .arg("end", Arg::Time(self.ends_at))
            .arg("reason", Arg::Text(self.reason.clone()))
    }
}
