//! Answering and closing complaints. An answer reaches the applicant through the outbox.

use serde_json::json;

use crate::conversation::messages as m;
use crate::domain::TrackingCode;
use crate::domain::text::{TextError, visible_within};
use crate::i18n::{Arg, Msg};
use crate::notify::kind::{NoticeKind, dedup};
use crate::staff::access::{self, Act, Denied, Item};
use crate::store::complaints::{self, StaffView};
use crate::store::outbox::{self, NewNotice};
use crate::store::staff::StaffMember;
use crate::store::{Tx, audit};
use crate::vault::Vault;

/// The longest answer kept; it reaches the applicant by chat.
pub const MAX_ANSWER: usize = 2000;

/// Why a complaint action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ComplaintError {
    #[error("no complaint has that tracking code")]
    NotFound,
    #[error("the answer is empty")]
    EmptyAnswer,
    #[error("the answer: {0}")]
    BadAnswer(TextError),
    #[error("this role may not answer or close complaints")]
    Forbidden,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<Denied> for ComplaintError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Hidden => Self::NotFound,
            Denied::Forbidden => Self::Forbidden,
        }
    }
}

/// Locks the complaint `member` wants to answer or close, if they may.
async fn open_for(tx: &mut Tx<'_>, member: &StaffMember, code: TrackingCode) -> Result<StaffView, ComplaintError> {
    let row = complaints::lock(tx, code).await?.ok_or(ComplaintError::NotFound)?;
    let item = Item::Complaint {
        service: row.service_id.as_deref(),
    };
    access::decide(member, Act::HandleComplaint, item)?;
    Ok(row)
}

impl From<sqlx::Error> for ComplaintError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// Records `answer` and queues it for the applicant; returns the complaint as it now is.
pub async fn answer_complaint(
    tx: &mut Tx<'_>,
    vault: &Vault,
    member: &StaffMember,
    code: TrackingCode,
    answer: &str,
) -> Result<StaffView, ComplaintError> {
    let row = open_for(tx, member, code).await?;
    let answer = visible_within(answer, MAX_ANSWER).map_err(|err| match err {
        TextError::Blank => ComplaintError::EmptyAnswer,
        other => ComplaintError::BadAnswer(other),
    })?;
    complaints::update(tx, vault, &row, "answered", Some(answer)).await?;
    let audit_id = audit::record(
        tx,
        &member.actor(),
        "complaint.answer",
        &complaints::subject(row.id),
        json!({}),
    )
    .await?;
    let notice = NewNotice {
        // One notice per answer given, however many answers a complaint gets.
        dedup_key: dedup::complaint_answer(row.id, audit_id),
        applicant: row.applicant_id,
        kind: NoticeKind::ComplaintAnswered,
        subject: complaints::subject(row.id),
        message: Msg::new(m::NOTICE_COMPLAINT_ANSWERED)
            .arg("code", Arg::Code(code))
            .arg("answer", Arg::Text(answer.into())),
    };
    outbox::enqueue(tx, vault, &notice).await?;
    complaints::lock(tx, code).await?.ok_or(ComplaintError::NotFound)
}

/// Closes a complaint; returns it as it now is.
pub async fn close_complaint(
    tx: &mut Tx<'_>,
    vault: &Vault,
    member: &StaffMember,
    code: TrackingCode,
) -> Result<StaffView, ComplaintError> {
    let row = open_for(tx, member, code).await?;
    complaints::update(tx, vault, &row, "closed", None).await?;
    audit::record(
        tx,
        &member.actor(),
        "complaint.close",
        &complaints::subject(row.id),
        json!({}),
    )
    .await?;
    complaints::lock(tx, code).await?.ok_or(ComplaintError::NotFound)
}
