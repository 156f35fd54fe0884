//! Where an applicant is in the dialogue, with what they have answered so far; stored as JSON.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{DocumentRef, FieldValue, TrackingCode};
use crate::i18n::Locale;

/// One applicant's dialogue: where they are, their language, and the turn counter that tells
/// a fresh button from one on an old message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Dialogue {
    pub state: State,
    pub locale: Locale,
    pub turn: u64,
    /// When the applicant last gave input: a form left alone for long is shown again before
    /// anything more is taken as an answer to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_input_at: Option<DateTime<Utc>>,
}

/// The dialogue's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "at", rename_all = "kebab-case")]
pub enum State {
    /// Never spoken to.
    #[default]
    New,
    ChoosingLanguage,
    Menu,
    ChoosingService,
    /// Answering a service's form; the next question is the first applicable unanswered field.
    /// `editing` names the submitted request whose answers these are, when it is being edited.
    Filling {
        service: String,
        answers: Vec<(String, FieldValue)>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        editing: Option<TrackingCode>,
    },
    Confirming {
        service: String,
        answers: Vec<(String, FieldValue)>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        editing: Option<TrackingCode>,
    },
    AwaitingCode,
    ChoosingComplaintSubject,
    WritingComplaint {
        about: Option<TrackingCode>,
    },
    /// Picking which waiting request the documents are for.
    ChoosingSupplement,
    /// Sending the documents a request waits for, one file per message.
    Supplementing {
        code: TrackingCode,
        documents: Vec<DocumentRef>,
    },
    /// SMS notices: on or off, and the number they go to.
    SmsSettings,
    /// Announcements (maintenance, outages, broadcasts): per service, chat and/or SMS.
    Announcements,
    /// Giving the mobile number SMS go to: shared as a contact, or typed.
    EnteringPhone,
    /// Typing the code texted to a typed number (+989…).
    EnteringPhoneCode {
        phone: String,
    },
    /// Picking which request to edit.
    ChoosingEdit,
    /// Picking which request to withdraw.
    ChoosingWithdrawal,
    /// Asked to confirm withdrawing a request.
    ConfirmingWithdrawal {
        code: TrackingCode,
    },
    /// Asked for an optional comment on the score just given.
    Commenting {
        subject: crate::domain::rating::RatingSubject,
    },
    /// `/start` in the middle of something: continue it, or start over.
    Resuming {
        pending: Box<State>,
    },
}

impl State {
    /// Whether the state holds what the applicant typed or sent but did not finish (a form, a
    /// complaint's subject, files, a number): what retention drops after a while.
    pub fn holds_unfinished_input(&self) -> bool {
        match self {
            Self::Filling { answers, .. } | Self::Confirming { answers, .. } => !answers.is_empty(),
            Self::WritingComplaint { about } => about.is_some(),
            Self::Supplementing { documents, .. } => !documents.is_empty(),
            Self::EnteringPhoneCode { .. } => true,
            Self::Resuming { pending } => pending.holds_unfinished_input(),
            _ => false,
        }
    }

    /// Whether the applicant is in the middle of something whose next message would be taken
    /// as an answer: a form, a complaint, files for a request, a code for their number.
    pub fn is_unfinished(&self) -> bool {
        matches!(
            self,
            Self::Filling { .. }
                | Self::Confirming { .. }
                | Self::WritingComplaint { .. }
                | Self::Supplementing { .. }
                | Self::EnteringPhoneCode { .. }
        )
    }
}
