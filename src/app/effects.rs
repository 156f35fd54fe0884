//! Running the conversation's effects against the database, inside the step's transaction.

use crate::conversation::{ComplaintView, Effect, Outcome, RequestView};
use anyhow::Context as _;

use crate::domain::{Catalog, FieldValue, PublicStatus, TrackingCode};
use crate::i18n::Locale;
use crate::store::applicants::ApplicantId;
use crate::store::requests::RequestRow;
use crate::store::{Tx, complaints, documents, requests};

/// Runs one effect for `applicant` and says what came of it.
pub async fn run(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    applicant: ApplicantId,
    locale: Locale,
    effect: &Effect,
) -> anyhow::Result<Outcome> {
    match effect {
        Effect::SubmitRequest { service, answers } => {
            let spec = catalog
                .get(service)
                .context("the service left the catalog while the form was open")?;
            let stage = &spec.initial_stage().id;
            let (id, code) = requests::insert(tx, applicant, service, stage, answers, locale).await?;
            for (field_id, value) in answers {
                if let FieldValue::Document(doc) = value {
                    documents::insert(tx, id, field_id, doc).await?;
                }
            }
            tracing::info!(service = %service, "request submitted");
            Ok(Outcome::Submitted {
                code,
                service: service.clone(),
            })
        }
        Effect::FileComplaint { about, body } => {
            let about_request = match about {
                Some(code) => requests::find_by_code(tx, *code)
                    .await?
                    .filter(|r| r.applicant_id == applicant)
                    .map(|r| r.id),
                None => None,
            };
            let code = complaints::insert(tx, applicant, about_request, body).await?;
            tracing::info!("complaint filed");
            Ok(Outcome::ComplaintFiled { code })
        }
        Effect::LookUp(code) => look_up(tx, catalog, applicant, *code).await,
        Effect::ListMine => {
            let mut requests = Vec::new();
            for row in requests::list_for_applicant(tx, applicant).await? {
                requests.push(request_view(tx, catalog, row, false).await?);
            }
            let complaints = complaints::list_for_applicant(tx, applicant).await?;
            let complaints = complaints.into_iter().map(complaint_view).collect();
            Ok(Outcome::Mine { requests, complaints })
        }
    }
}

async fn look_up(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    applicant: ApplicantId,
    code: TrackingCode,
) -> anyhow::Result<Outcome> {
    if let Some(row) = requests::find_by_code(tx, code).await? {
        let owner = row.applicant_id == applicant;
        let view = request_view(tx, catalog, row, owner).await?;
        return Ok(Outcome::FoundRequest { view, owner });
    }
    if let Some(row) = complaints::find_by_code(tx, code).await? {
        return Ok(Outcome::FoundComplaint(complaint_view(row)));
    }
    Ok(Outcome::NotFound)
}

/// A request's view; history and answers are loaded only for its owner.
async fn request_view(tx: &mut Tx<'_>, catalog: &Catalog, row: RequestRow, owner: bool) -> anyhow::Result<RequestView> {
    let history = if owner {
        requests::history(tx, row.id).await?
    } else {
        Vec::new()
    };
    // A stage dropped from the catalog still shows as "in review" rather than failing.
    let public = catalog
        .get(&row.service_id)
        .and_then(|s| s.stage(&row.stage))
        .map_or(PublicStatus::InReview, |stage| stage.public);
    Ok(RequestView {
        code: row.code,
        public,
        service: row.service_id,
        stage: row.stage,
        submitted_at: row.created_at,
        updated_at: row.updated_at,
        history,
        answers: if owner { row.answers } else { Vec::new() },
    })
}

fn complaint_view(row: complaints::ComplaintRow) -> ComplaintView {
    ComplaintView {
        code: row.code,
        status: row.status,
        filed_at: row.created_at,
        updated_at: row.updated_at,
    }
}
