//! The applicant's announcement settings: what the dialogue shows, and its changes.

use crate::conversation::{AnnouncementsView, Effect, Outcome};
use crate::domain::Catalog;
use crate::store::applicants::ApplicantId;
use crate::store::{Tx, sms, subscriptions};

pub async fn view(tx: &mut Tx<'_>, catalog: &Catalog, applicant: ApplicantId) -> anyhow::Result<AnnouncementsView> {
    Ok(view_each(tx, catalog, &[applicant]).await?.pop().unwrap_or_default())
}

/// [`view`] for each applicant, in the order given, in one query.
pub async fn view_each(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    applicants: &[ApplicantId],
) -> anyhow::Result<Vec<AnnouncementsView>> {
    let services: Vec<String> = catalog.services().iter().map(|s| s.id.clone()).collect();
    Ok(subscriptions::of_each(tx, applicants, &services)
        .await?
        .into_iter()
        .map(|(muted, services)| AnnouncementsView { muted, services })
        .collect())
}

pub async fn run(tx: &mut Tx<'_>, applicant: ApplicantId, effect: &Effect) -> anyhow::Result<Outcome> {
    match effect {
        Effect::Subscribe { service, channels } => {
            subscriptions::set(tx, applicant, service, *channels).await?;
            Ok(Outcome::Subscribed {
                service: service.clone(),
                channels: *channels,
                sms_active: sms::is_active(tx, applicant).await?,
            })
        }
        Effect::MuteAnnouncements(muted) => {
            subscriptions::set_muted(tx, applicant, *muted).await?;
            Ok(Outcome::Muted(*muted))
        }
        other => anyhow::bail!("not an announcement setting: {other:?}"),
    }
}
