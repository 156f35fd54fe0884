//! The staff chat's cards: a request or complaint as reviewers see it in the group, with one
//! button per action open to staff at its current stage. Cards are composed when posted, so the
//! buttons always match the stage at that moment.

use sqlx::PgConnection;

use super::buttons::{Button, ButtonSigner, Subject};
use crate::broadcast::{self, Counts, Reach, State};
use crate::conversation::{messages as m, summary_lines_with, value_arg};
use crate::domain::service::stage_name_id;
use crate::domain::{FieldValue, Service, TrackingCode};
use crate::i18n::{Arg, I18n, Locale, Msg};
use crate::privacy::mask_last_four;
use crate::store::broadcasts::{self, Broadcast};
use crate::store::{complaints, documents, requests};

/// A card ready to send: its text and its buttons (label, callback data), one per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub text: String,
    pub buttons: Vec<(String, String)>,
}

/// What composing a card needs besides the database.
pub struct Composer<'a> {
    pub i18n: &'a I18n,
    pub catalog: &'a crate::domain::Catalog,
    pub vault: &'a crate::vault::Vault,
    pub signer: &'a ButtonSigner,
    pub locale: Locale,
}

/// A complaint's version for its buttons: its status, which only moves forward.
pub fn complaint_version(status: &str) -> i64 {
    match status {
        "open" => 0,
        "answered" => 1,
        _ => 2,
    }
}

/// Actions on a complaint, by slot.
pub const COMPLAINT_ANSWER: u8 = 0;
pub const COMPLAINT_CLOSE: u8 = 1;

/// Actions on a broadcast, by slot: a draft is sent or dropped; one being sent is followed
/// (its progress drawn again) or stopped.
pub const BROADCAST_GO: u8 = 0;
pub const BROADCAST_STOP: u8 = 1;

impl Composer<'_> {
    fn render(&self, msg: &Msg) -> String {
        self.i18n.render(self.locale, msg)
    }

    /// The request's card under `headline`; `None` when there is no such request.
    pub async fn request(
        &self,
        conn: &mut PgConnection,
        request_id: i64,
        headline: &Msg,
    ) -> anyhow::Result<Option<Card>> {
        let Some(row) = requests::find_by_id(conn, request_id).await? else {
            return Ok(None);
        };
        let version = requests::version(conn, request_id).await?;
        let documents = documents::list_for_request(conn, self.vault, request_id).await?;
        let service = self.catalog.get(&row.service_id);
        let stored = row.answers(self.vault)?;
        let answers: Vec<String> = service
            .map(|service| summary_lines_with(service, &stored, staff_value))
            .unwrap_or_default()
            .iter()
            .map(|line| self.render(line))
            .collect();
        let text = self.render(
            &Msg::new(m::STAFF_REQUEST_CARD)
                .arg("headline", Arg::Text(self.render(headline)))
                .arg("service", Arg::Msg(format!("service-{}", row.service_id)))
                .arg("code", Arg::Code(row.code))
                .arg("stage", Arg::Msg(stage_name_id(&row.stage)))
                .arg("submitted", Arg::Time(row.created_at))
                .arg("answers", Arg::Text(answers.join("\n")))
                .arg("documents", Arg::Number(documents.len() as i64)),
        );
        let buttons = service
            .map(|service| service.staff_moves(&row.stage))
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(slot, t)| {
                let button = Button {
                    subject: Subject::Request(request_id),
                    version,
                    slot: u8::try_from(slot).ok()?,
                };
                let label = self.render(&Msg::new(m::STAFF_MOVE_BUTTON).arg("stage", Arg::Msg(stage_name_id(&t.to))));
                Some((label, self.signer.encode(button)))
            })
            .collect();
        Ok(Some(Card { text, buttons }))
    }

    /// The complaint's card under `headline`; `None` when there is no such complaint.
    pub async fn complaint(
        &self,
        conn: &mut PgConnection,
        complaint_id: i64,
        headline: &Msg,
    ) -> anyhow::Result<Option<Card>> {
        let Some(row) = complaints::staff_view(conn, complaint_id).await? else {
            return Ok(None);
        };
        let code = |stored: i64| TrackingCode::from_stored(stored).ok().map(Arg::Code);
        let status = match row.status.as_str() {
            "open" => m::COMPLAINT_OPEN,
            "answered" => m::COMPLAINT_ANSWERED,
            _ => m::COMPLAINT_CLOSED,
        };
        let text = self.render(
            &Msg::new(m::STAFF_COMPLAINT_CARD)
                .arg("headline", Arg::Text(self.render(headline)))
                .arg("code", code(row.code).unwrap_or(Arg::Digits(row.code.to_string())))
                .arg(
                    "about",
                    row.request_code.and_then(code).unwrap_or(Arg::Text("-".into())),
                )
                .arg("status", Arg::Msg(status.into()))
                .arg("body", Arg::Text(row.body(self.vault)?.unwrap_or_else(|| "-".into())))
                .arg(
                    "answer",
                    Arg::Text(row.answer(self.vault)?.unwrap_or_else(|| "-".into())),
                ),
        );
        let version = complaint_version(&row.status);
        let mut buttons = Vec::new();
        if row.status != "closed" {
            for (slot, id) in [
                (COMPLAINT_ANSWER, m::STAFF_ANSWER_BUTTON),
                (COMPLAINT_CLOSE, m::STAFF_CLOSE_BUTTON),
            ] {
                let button = Button {
                    subject: Subject::Complaint(complaint_id),
                    version,
                    slot,
                };
                buttons.push((self.render(&Msg::new(id)), self.signer.encode(button)));
            }
        }
        Ok(Some(Card { text, buttons }))
    }

    /// A broadcast's card: its preview and reach while a draft, its progress once confirmed.
    pub async fn broadcast(&self, conn: &mut PgConnection, id: i64) -> anyhow::Result<Option<Card>> {
        let Some(broadcast) = broadcasts::find(conn, id).await? else {
            return Ok(None);
        };
        Ok(Some(self.broadcast_card(conn, &broadcast, None).await?))
    }

    /// A draft just made, with the reach the staff core counted for it (counting a service's
    /// audience again for the card read it twice).
    pub async fn draft(&self, conn: &mut PgConnection, broadcast: &Broadcast, reach: Reach) -> anyhow::Result<Card> {
        self.broadcast_card(conn, broadcast, Some(reach)).await
    }

    /// `reach`: a draft's, when it is known already.
    async fn broadcast_card(
        &self,
        conn: &mut PgConnection,
        broadcast: &Broadcast,
        reach: Option<Reach>,
    ) -> anyhow::Result<Card> {
        let id = broadcast.id;
        let audience = match (&broadcast.service_id, &broadcast.codes) {
            (_, Some(codes)) => Msg::new(m::STAFF_BROADCAST_TO_CODES).arg("count", Arg::Number(codes.len() as i64)),
            (service, None) => Msg::new(m::STAFF_BROADCAST_TO).arg("service", m::service_or_every(service.as_deref())),
        };
        let state = State::of(broadcast);
        let progress = broadcast::progress(conn, broadcast).await?;
        let (text, labels) = match state {
            State::Draft => (
                match reach {
                    Some(reach) => reach,
                    None => broadcast::reach(conn, broadcast).await?,
                }
                .args(Msg::new(m::STAFF_BROADCAST_DRAFT))
                .arg("preview", Arg::Text(self.render(&broadcast::message(broadcast)))),
                vec![m::STAFF_BROADCAST_SEND, m::STAFF_BROADCAST_DROP],
            ),
            State::Confirmed => (
                Msg::new(m::STAFF_BROADCAST_SENDING),
                vec![m::STAFF_BROADCAST_REFRESH, m::STAFF_BROADCAST_STOP],
            ),
            State::Cancelled => (Msg::new(m::STAFF_BROADCAST_CANCELLED), vec![]),
        };
        // The SMS copies get a line of their own, only when there are any.
        let sms = if progress.sms.total > 0 {
            format!(
                "\n{}",
                self.render(&counted(Msg::new(m::STAFF_BROADCAST_SMS), &progress.sms))
            )
        } else {
            String::new()
        };
        let text = counted(text, &progress.chat)
            .arg("audience", Arg::Text(self.render(&audience)))
            .arg("sms", Arg::Text(sms));
        let buttons = labels
            .into_iter()
            .zip([BROADCAST_GO, BROADCAST_STOP])
            .map(|(label, slot)| {
                let button = Button {
                    subject: Subject::Broadcast(id),
                    version: state.version(),
                    slot,
                };
                (self.render(&Msg::new(label)), self.signer.encode(button))
            })
            .collect();
        Ok(Card {
            text: self.render(&text),
            buttons,
        })
    }
}

/// An answer as the staff card shows it: identity numbers (people's and companies') and mobiles
/// are cut to their last four digits, since the group's history lives on the messenger's servers. The full values are
/// in the HTTP API, where each read is audited.
fn staff_value(service: &Service, field: &str, value: &FieldValue) -> Arg {
    match value {
        FieldValue::NationalId(digits) | FieldValue::CompanyId(digits) | FieldValue::Mobile(digits) => {
            Arg::Digits(mask_last_four(digits))
        }
        other => value_arg(service, field, other),
    }
}

/// A message with a channel's counts of a broadcast's notices as its arguments.
fn counted(message: Msg, counts: &Counts) -> Msg {
    message
        .arg("total", Arg::Number(counts.total))
        .arg("sent", Arg::Number(counts.sent))
        .arg("waiting", Arg::Number(counts.waiting))
        .arg("failed", Arg::Number(counts.failed))
        .arg("cancelled", Arg::Number(counts.cancelled))
}
