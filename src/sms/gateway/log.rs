//! The log gateway: no provider, each SMS written to the log (digits masked) and kept in the
//! database by the dispatcher, so a service without a contract still shows what would be sent.

use super::{Accepted, Report, Sms, SmsError};
use crate::privacy::mask_digits;

#[derive(Debug, Clone, Copy)]
pub struct LogGateway;

impl LogGateway {
    pub fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SmsError>> {
        batch
            .iter()
            .map(|sms| {
                tracing::info!(
                    notice = sms.local_id,
                    to = %sms.to.masked(),
                    text = %mask_digits(&sms.text),
                    "SMS (log gateway, not sent)"
                );
                Ok(Accepted {
                    provider_id: None,
                    state: Report::Delivered,
                })
            })
            .collect()
    }
}
