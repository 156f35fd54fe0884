//! The applicant's SMS settings as the dialogue changes them: turning SMS on for a vouched
//! number, texting and checking one-time codes for a typed one, and turning it off.

use anyhow::Context as _;
use chrono::Utc;

use crate::conversation::messages as m;
use crate::conversation::{Effect, Outcome, SmsView};
use crate::i18n::{Arg, Msg};
use crate::notify::kind::{NoticeKind, dedup};
use crate::store::Tx;
use crate::store::applicants::ApplicantId;
use crate::store::sms::{self, CodeCheck, CodeLimits, CodeRequest};
use crate::store::sms_outbox::{self, DirectSms};
use crate::vault::Vault;

/// What the prompt shows of the applicant's SMS settings.
pub async fn view(tx: &mut Tx<'_>, vault: &Vault, applicant: ApplicantId) -> anyhow::Result<SmsView> {
    Ok(view_each(tx, vault, &[applicant]).await?.pop().unwrap_or_default())
}

/// [`view`] for each applicant, in the order given, in one query.
pub async fn view_each(tx: &mut Tx<'_>, vault: &Vault, applicants: &[ApplicantId]) -> anyhow::Result<Vec<SmsView>> {
    Ok(sms::subscriptions(tx, vault, applicants)
        .await?
        .into_iter()
        .map(|subscription| SmsView {
            active: subscription.active,
            masked_mobile: subscription.mobile.map(|m| m.last_four()),
        })
        .collect())
}

pub async fn run(tx: &mut Tx<'_>, vault: &Vault, applicant: ApplicantId, effect: &Effect) -> anyhow::Result<Outcome> {
    let limits = CodeLimits::default();
    let now = Utc::now();
    match effect {
        Effect::SmsOn { phone } => {
            sms::opt_in(tx, vault, applicant, phone).await?;
            tracing::info!("SMS turned on with a shared contact");
            Ok(Outcome::SmsOn {
                masked_mobile: phone.last_four(),
            })
        }
        Effect::SendPhoneCode { phone } => match sms::request_code(tx, applicant, phone, limits, now).await? {
            CodeRequest::Issued { challenge, code } => {
                // Phones offer to copy or autofill a code in ASCII digits far more reliably
                // than in Persian ones: the Persian text gives both.
                let message = Msg::new(m::SMS_CODE_TEXT)
                    .arg("ascii", Arg::Text(code.clone()))
                    .arg("code", Arg::Digits(code));
                let sms = DirectSms {
                    dedup_key: dedup::phone_challenge(challenge),
                    applicant,
                    to: phone.clone(),
                    kind: NoticeKind::Otp,
                    message,
                    urgent: true,
                };
                sms_outbox::enqueue_direct(tx, vault, &sms)
                    .await
                    .context("queueing the code")?;
                Ok(Outcome::CodeSent {
                    masked_mobile: phone.last_four(),
                })
            }
            CodeRequest::Cooldown { wait_secs } => Ok(Outcome::CodeCooldown { wait_secs }),
            CodeRequest::TooMany => {
                tracing::warn!("one-time code refused: hourly cap reached");
                Ok(Outcome::CodeTooMany)
            }
        },
        Effect::CheckPhoneCode { phone, code } => Ok(
            match sms::check_code(tx, vault, applicant, phone, code, limits, now).await? {
                CodeCheck::Confirmed => Outcome::SmsOn {
                    masked_mobile: phone.last_four(),
                },
                CodeCheck::Wrong { tries_left } => Outcome::CodeWrong { tries_left },
                CodeCheck::Locked | CodeCheck::NoCode => Outcome::CodeLocked,
                CodeCheck::Expired => Outcome::CodeExpired,
            },
        ),
        Effect::SmsOff => Ok(Outcome::SmsOff {
            was_on: sms::opt_out(tx, applicant).await?,
        }),
        other => anyhow::bail!("not an SMS settings effect: {other:?}"),
    }
}
