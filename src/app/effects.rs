//! Running the conversation's effects against the database, inside the step's transaction.

use crate::conversation::{ComplaintView, Effect, NoticeSeen, NoticeState, NoticeWay, Outcome, RequestView};
use crate::notify::kind::NoticeKind;
use anyhow::Context as _;

use crate::conversation::Answers;
use crate::conversation::messages as m;
use crate::domain::rating::{RatingSubject, Score};
use crate::domain::{Catalog, DocumentRef, FieldValue, PublicStatus, Service, TrackingCode, Transition};
use crate::i18n::{Locale, Msg};
use crate::store::applicants::ApplicantId;
use crate::store::outbox::{self, NewStaffPost, StaffSubject};
use crate::store::requests::RequestRow;
use crate::store::{Tx, audit, complaints, document_deadlines, documents, notices, ratings, requests};
use crate::vault::Vault;
use crate::workflow::{self, Actor, Move, MoveError};

/// Who an effect runs for, and what it may consult.
pub struct Env<'a> {
    pub catalog: &'a Catalog,
    pub vault: &'a Vault,
    pub applicant: ApplicantId,
    pub locale: Locale,
    /// A staff group is configured: new requests, complaints and documents are posted there.
    pub staff_chat: bool,
}

/// Runs one effect and says what came of it.
pub async fn run(tx: &mut Tx<'_>, env: &Env<'_>, effect: &Effect) -> anyhow::Result<Outcome> {
    let (catalog, applicant, locale) = (env.catalog, env.applicant, env.locale);
    match effect {
        Effect::SubmitRequest { service, answers } => {
            let spec = catalog
                .get(service)
                .context("the service left the catalog while the form was open")?;
            let stage = &spec.initial_stage().id;
            let (id, code) = requests::insert(tx, env.vault, applicant, service, stage, answers, locale).await?;
            let headline = Msg::new(m::STAFF_NEW_REQUEST);
            let key = format!("request:{id}:staff:new");
            post(tx, env, key, StaffSubject::Request(id), &headline).await?;
            for (field_id, value) in answers {
                if let FieldValue::Document(doc) = value {
                    attach(tx, env, id, field_id, doc, &headline).await?;
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
            let (id, code) = complaints::insert(tx, env.vault, applicant, about_request, body).await?;
            let key = format!("complaint:{id}:staff:new");
            post(
                tx,
                env,
                key,
                StaffSubject::Complaint(id),
                &Msg::new(m::STAFF_NEW_COMPLAINT),
            )
            .await?;
            tracing::info!("complaint filed");
            Ok(Outcome::ComplaintFiled { code })
        }
        Effect::LookUp(code) => look_up(tx, catalog, env.vault, applicant, *code).await,
        Effect::SupplyDocuments { code, documents } => supply_documents(tx, env, *code, documents).await,
        Effect::WithdrawRequest { code } => withdraw(tx, env, *code).await,
        Effect::StartEdit { code } => match editable(tx, env, *code).await? {
            Some(row) => Ok(Outcome::Editing {
                code: *code,
                answers: row.answers(env.vault)?,
                service: row.service_id,
            }),
            None => Ok(Outcome::EditTooLate),
        },
        Effect::EditRequest { code, answers } => edit(tx, env, *code, answers).await,
        Effect::Rate { subject, score } => rate(tx, env, *subject, *score).await,
        Effect::Seen { notice } => {
            let yours = notices::record_seen_notice(tx, *notice, env.applicant, "pressed \"I have seen it\"").await?;
            Ok(Outcome::Seen { yours })
        }
        Effect::CommentRating { subject, comment } => {
            ratings::comment(tx, env.vault, *subject, applicant, comment).await?;
            Ok(Outcome::RatingCommented)
        }
        Effect::SmsOn { .. } | Effect::SendPhoneCode { .. } | Effect::CheckPhoneCode { .. } | Effect::SmsOff => {
            super::sms_settings::run(tx, env.vault, applicant, effect).await
        }
        Effect::Subscribe { .. } | Effect::MuteAnnouncements(_) => {
            super::announcements::run(tx, applicant, effect).await
        }
        Effect::ListMine => {
            let mut requests = Vec::new();
            for row in requests::list_for_applicant(tx, applicant).await? {
                requests.push(request_view(tx, catalog, env.vault, row, false).await?);
            }
            let complaints = complaints::list_for_applicant(tx, applicant).await?;
            let complaints = complaints.into_iter().map(complaint_view).collect();
            Ok(Outcome::Mine { requests, complaints })
        }
    }
}

/// Records documents a request waits for and makes the applicant's move (back to review); the
/// staff group gets the files and the request's card.
async fn supply_documents(
    tx: &mut Tx<'_>,
    env: &Env<'_>,
    code: TrackingCode,
    docs: &[DocumentRef],
) -> anyhow::Result<Outcome> {
    // Staff moved it, or it is someone else's: the documents are not for this stage.
    let Some((request_id, service, event_id)) = applicant_moves(tx, env, code, Service::applicant_move).await? else {
        return Ok(Outcome::DocumentsTooLate);
    };
    let headline = Msg::new(m::STAFF_DOCUMENTS_RECEIVED);
    for doc in docs {
        attach(tx, env, request_id, SUPPLEMENT_FIELD, doc, &headline).await?;
    }
    let key = format!("request-event:{event_id}:staff");
    post(tx, env, key, StaffSubject::Request(request_id), &headline).await?;
    tracing::info!(service = %service, files = docs.len(), "supplementary documents received");
    Ok(Outcome::DocumentsSent { code })
}

/// Makes the applicant's withdrawal move, audited like any move; the staff group gets the
/// request's card saying so. Too late once staff have moved the request on.
async fn withdraw(tx: &mut Tx<'_>, env: &Env<'_>, code: TrackingCode) -> anyhow::Result<Outcome> {
    let Some((request_id, service, event_id)) = applicant_moves(tx, env, code, Service::withdrawal).await? else {
        return Ok(Outcome::WithdrawTooLate);
    };
    let key = format!("request-event:{event_id}:staff");
    let headline = Msg::new(m::STAFF_REQUEST_WITHDRAWN);
    post(tx, env, key, StaffSubject::Request(request_id), &headline).await?;
    tracing::info!(service = %service, "request withdrawn by the applicant");
    Ok(Outcome::Withdrawn { code })
}

/// The applicant's request `code`, locked, while they may still edit it: staff have not acted
/// on it (it is at a stage they could still withdraw from). `None` otherwise.
async fn editable(tx: &mut Tx<'_>, env: &Env<'_>, code: TrackingCode) -> anyhow::Result<Option<RequestRow>> {
    let Some(row) = requests::lock_by_code(tx, code).await? else {
        return Ok(None);
    };
    let open = env
        .catalog
        .get(&row.service_id)
        .is_some_and(|s| s.withdrawal(&row.stage).is_some());
    Ok((open && row.applicant_id == env.applicant).then_some(row))
}

/// Replaces a request's answers with the applicant's edited ones, while staff have not acted
/// on it. Audited (which answers changed, not their values); the staff group gets new files
/// and the request's card saying so.
async fn edit(tx: &mut Tx<'_>, env: &Env<'_>, code: TrackingCode, answers: &Answers) -> anyhow::Result<Outcome> {
    let Some(row) = editable(tx, env, code).await? else {
        return Ok(Outcome::EditTooLate);
    };
    let old = row.answers(env.vault)?;
    let changed: Vec<&str> = answers
        .iter()
        .filter(|(field, value)| !old.iter().any(|(f, v)| f == field && v == value))
        .map(|(field, _)| field.as_str())
        .chain(
            old.iter()
                .filter(|(field, _)| !answers.iter().any(|(f, _)| f == field))
                .map(|(field, _)| field.as_str()),
        )
        .collect();
    if changed.is_empty() {
        return Ok(Outcome::Edited { code, changed: false });
    }
    requests::replace_answers(tx, env.vault, row.id, code, answers).await?;
    let subject = requests::subject(row.id);
    let detail = serde_json::json!({ "fields": changed });
    let entry = audit::record(tx, requests::APPLICANT, "request.edited", &subject, detail).await?;
    let headline = Msg::new(m::STAFF_REQUEST_EDITED);
    for (field_id, value) in answers {
        if let FieldValue::Document(doc) = value
            && changed.contains(&field_id.as_str())
        {
            attach(tx, env, row.id, field_id, doc, &headline).await?;
        }
    }
    let key = format!("request:{}:staff:edited:{entry}", row.id);
    post(tx, env, key, StaffSubject::Request(row.id), &headline).await?;
    tracing::info!(service = %row.service_id, fields = changed.len(), "request edited by the applicant");
    Ok(Outcome::Edited { code, changed: true })
}

/// Records the applicant's score for a decision on their request or the answer to their
/// complaint; anything else (someone else's, not decided yet) is refused.
async fn rate(tx: &mut Tx<'_>, env: &Env<'_>, subject: RatingSubject, score: Score) -> anyhow::Result<Outcome> {
    let Some(rated) = ratings::rated(tx, subject).await? else {
        return Ok(Outcome::NotRateable);
    };
    let settled = match subject {
        RatingSubject::Request(_) => rated
            .service
            .as_deref()
            .and_then(|s| env.catalog.get(s))
            .and_then(|s| s.stage(&rated.state))
            .is_some_and(|stage| stage.public.is_decision()),
        RatingSubject::Complaint(_) => matches!(rated.state.as_str(), "answered" | "closed"),
    };
    if rated.owner != env.applicant || !settled {
        return Ok(Outcome::NotRateable);
    }
    ratings::record(tx, subject, &rated, score).await?;
    // A score given under the decision is evidence the applicant saw it.
    notices::record_seen(tx, &notices_about(subject), env.applicant, "rated it").await?;
    tracing::info!(score = score.get(), "rating recorded");
    Ok(Outcome::Rated { subject })
}

/// The subject the notices about a request or complaint are queued under.
fn notices_about(subject: RatingSubject) -> String {
    match subject {
        RatingSubject::Request(id) => requests::subject(id),
        RatingSubject::Complaint(id) => complaints::subject(id),
    }
}

/// Makes the applicant's move `pick` finds from the request's current stage, as the applicant
/// (locked and audited by the workflow). `None` when there is none to make: no such request or
/// move, or staff moved it first, or it is someone else's. Returns (request id, service, event).
async fn applicant_moves(
    tx: &mut Tx<'_>,
    env: &Env<'_>,
    code: TrackingCode,
    pick: for<'s> fn(&'s Service, &str) -> Option<&'s Transition>,
) -> anyhow::Result<Option<(i64, String, i64)>> {
    let Some(row) = requests::find_by_code(tx, code).await? else {
        return Ok(None);
    };
    let Some(to) = env
        .catalog
        .get(&row.service_id)
        .and_then(|s| pick(s, &row.stage))
        .map(|t| t.to.clone())
    else {
        return Ok(None);
    };
    let mv = Move {
        code,
        to: &to,
        expected_from: Some(&row.stage),
        note: None,
    };
    match workflow::apply(tx, env.catalog, env.vault, Actor::Applicant(env.applicant), mv).await {
        Ok(applied) => Ok(Some((row.id, row.service_id, applied.event_id))),
        Err(MoveError::Unexpected(err)) => Err(err),
        Err(_) => Ok(None),
    }
}

/// The field id documents sent after submission are stored under.
const SUPPLEMENT_FIELD: &str = "supplement";

/// Stores a document with its request and posts it to the staff group.
async fn attach(
    tx: &mut Tx<'_>,
    env: &Env<'_>,
    request_id: i64,
    field_id: &str,
    doc: &DocumentRef,
    headline: &Msg,
) -> anyhow::Result<()> {
    let doc_id = documents::insert(tx, env.vault, request_id, field_id, doc).await?;
    let key = format!("document:{doc_id}:staff");
    post(tx, env, key, StaffSubject::Document(doc_id), headline).await
}

/// Queues a post to the staff group, when one is configured.
async fn post(
    tx: &mut Tx<'_>,
    env: &Env<'_>,
    dedup_key: String,
    subject: StaffSubject,
    headline: &Msg,
) -> anyhow::Result<()> {
    if !env.staff_chat {
        return Ok(());
    }
    let post = NewStaffPost {
        dedup_key,
        kind: NoticeKind::StaffPost,
        message: headline.clone(),
        subject,
    };
    outbox::enqueue_staff(tx, &post)
        .await
        .context("queueing a staff post")?;
    Ok(())
}

async fn look_up(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    vault: &Vault,
    applicant: ApplicantId,
    code: TrackingCode,
) -> anyhow::Result<Outcome> {
    if let Some(row) = requests::find_by_code(tx, code).await? {
        let owner = row.applicant_id == applicant;
        let view = request_view(tx, catalog, vault, row, owner).await?;
        return Ok(Outcome::FoundRequest { view, owner });
    }
    if let Some(row) = complaints::find_by_code(tx, code).await? {
        return Ok(Outcome::FoundComplaint(complaint_view(row)));
    }
    Ok(Outcome::NotFound)
}

/// A request's view; history and answers are loaded only for its owner.
async fn request_view(
    tx: &mut Tx<'_>,
    catalog: &Catalog,
    vault: &Vault,
    row: RequestRow,
    owner: bool,
) -> anyhow::Result<RequestView> {
    let answers = if owner { row.answers(vault)? } else { Vec::new() };
    let events = if owner {
        requests::events(tx, vault, row.id).await?
    } else {
        Vec::new()
    };
    let note = events
        .last()
        .filter(|e| e.to_stage == row.stage)
        .and_then(|e| e.note.clone());
    let history = events.into_iter().map(|e| (e.at, e.to_stage)).collect();
    let documents_due = if owner {
        document_deadlines::open(tx, row.id).await?.map(|open| open.due_on)
    } else {
        None
    };
    let notices = if owner {
        notices::latest_per_channel(tx, &requests::subject(row.id))
            .await?
            .into_iter()
            .map(notice_seen)
            .collect()
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
        note,
        notices,
        documents_due,
        answers,
    })
}

/// How the owner is shown the latest notice on one channel.
fn notice_seen(notice: notices::LatestNotice) -> NoticeSeen {
    let way = match (notice.channel.as_str(), notice.provider.as_deref()) {
        ("chat", _) => NoticeWay::Chat,
        (_, Some("safir" | "bale-otp")) => NoticeWay::Bale,
        _ => NoticeWay::Sms,
    };
    let state = match notice.status.as_str() {
        "pending" => NoticeState::Pending,
        "sent" => NoticeState::Sent,
        "delivered" => NoticeState::Delivered,
        "blocked" => NoticeState::Blocked,
        _ => NoticeState::Failed,
    };
    NoticeSeen {
        way,
        state,
        at: notice.at,
    }
}

fn complaint_view(row: complaints::ComplaintRow) -> ComplaintView {
    ComplaintView {
        code: row.code,
        status: row.status,
        filed_at: row.created_at,
        updated_at: row.updated_at,
    }
}
