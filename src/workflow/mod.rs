//! What staff and applicants do to requests and complaints once they exist: each action is
//! checked, recorded in history and the audit log, and queues its notices, in one transaction
//! that the caller commits. The HTTP API and the staff chat both act through here.

mod complaints;
mod moves;

use crate::store::applicants::ApplicantId;
use crate::store::staff::StaffMember;

pub use complaints::{ComplaintError, MAX_ANSWER, answer_complaint, close_complaint};
pub use moves::{
    Applied, INVALID_NOTE, MAX_NOTE, Move, MoveError, STALE_STAGE, TRANSITION_NOT_ALLOWED, apply, staff_may,
};

/// Who is acting.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Staff(&'a StaffMember),
    Applicant(ApplicantId),
}

impl Actor<'_> {
    /// How the actor is named in request history and the audit log.
    pub fn name(&self) -> String {
        match self {
            Self::Staff(member) => member.actor(),
            Self::Applicant(_) => "applicant".into(),
        }
    }
}
