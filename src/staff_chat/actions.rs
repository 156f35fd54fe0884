//! What staff do in the group: press a card's button, and reply to the bot's question with a
//! note or an answer. Each update is handled once, in one transaction with the action it
//! causes; the answers to the presser are sent after it commits.

use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ForceReply, Message, MessageId, ReplyMarkup, ReplyParameters, Update, UpdateKind,
};

use super::StaffChat;
use super::buttons::{Button, Subject};
use super::card::{COMPLAINT_ANSWER, COMPLAINT_CLOSE, complaint_version, staff_moves};
use crate::conversation::messages as m;
use crate::domain::TrackingCode;
use crate::domain::service::stage_name_id;
use crate::i18n::{Arg, Msg};
use crate::store::staff::{self, StaffMember};
use crate::store::{Tx, complaints, requests, updates};
use crate::workflow::{self, Actor, ComplaintError, Move, MoveError};

/// What came of a press or a reply.
enum Verdict {
    /// Nothing changed; tell the presser why.
    Refuse(Msg),
    /// The subject moved on since the card was drawn; say so and redraw the card.
    Stale(Subject),
    /// Done; confirm and redraw the card.
    Done(Subject, Msg),
    /// The action needs text from the presser; ask for it.
    Ask {
        member: StaffMember,
        button: Button,
        question: Msg,
    },
}

pub async fn handle(chat: &StaffChat, platform: &str, update: &Update) -> anyhow::Result<()> {
    let update_id = i64::from(update.id.0);
    match &update.kind {
        UpdateKind::CallbackQuery(query) => press(chat, platform, update_id, query).await,
        UpdateKind::Message(message) => reply(chat, platform, update_id, message).await,
        _ => Ok(()),
    }
}

async fn press(chat: &StaffChat, platform: &str, update_id: i64, query: &CallbackQuery) -> anyhow::Result<()> {
    let app = &chat.inner.app;
    let mut tx = app.pool().begin().await?;
    if !updates::claim(&mut tx, platform, update_id).await? {
        return Ok(());
    }
    let user = i64::try_from(query.from.id.0).unwrap_or(-1);
    let data = query.data.as_deref().unwrap_or_default();
    let verdict = decide_press(chat, &mut tx, user, data).await?;
    tx.commit().await?;

    let card_message = query.message.as_ref().map(|m| m.id());
    let answer = |text: String, alert: bool| {
        chat.inner
            .bot
            .answer_callback_query(query.id.clone())
            .text(text)
            .show_alert(alert)
    };
    let sent = match verdict {
        Verdict::Refuse(msg) => {
            tracing::info!("a staff-chat press was refused");
            answer(chat.render(&msg), true).await
        }
        Verdict::Stale(subject) => {
            redraw(chat, subject, card_message).await;
            answer(chat.render(&Msg::new(m::STAFF_STALE)), true).await
        }
        Verdict::Done(subject, msg) => {
            redraw(chat, subject, card_message).await;
            answer(chat.render(&msg), false).await
        }
        Verdict::Ask {
            member,
            button,
            question,
        } => {
            ask(chat, &member, button, question, card_message).await?;
            answer(chat.render(&Msg::new(m::STAFF_REPLY_BELOW)), false).await
        }
    };
    if let Err(err) = sent {
        tracing::warn!(error = %err, "answering a staff press failed");
    }
    Ok(())
}

async fn decide_press(chat: &StaffChat, tx: &mut Tx<'_>, user: i64, data: &str) -> anyhow::Result<Verdict> {
    let Some(button) = chat.inner.signer.decode(data) else {
        return Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON)));
    };
    let Some(member) = staff::by_telegram_user(tx, user).await? else {
        return Ok(Verdict::Refuse(Msg::new(m::STAFF_NOT_REGISTERED)));
    };
    let app = &chat.inner.app;
    match button.subject {
        Subject::Request(id) => {
            let Some(request) = requests::lock_by_id(tx, id).await? else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON)));
            };
            if requests::version(tx, id).await? != button.version {
                return Ok(Verdict::Stale(button.subject));
            }
            let Some(service) = app.catalog().get(&request.service_id) else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_NOT_ALLOWED)));
            };
            let moves = staff_moves(service, &request.stage);
            let Some(transition) = moves.get(usize::from(button.slot)) else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON)));
            };
            if transition.note_required {
                // Refuse now rather than after the reviewer has written the note.
                if !member.covers(&service.id) {
                    return Ok(Verdict::Refuse(Msg::new(m::STAFF_OUT_OF_SCOPE)));
                }
                if !transition.allows(member.role) {
                    return Ok(Verdict::Refuse(Msg::new(m::STAFF_FORBIDDEN)));
                }
                let question = Msg::new(m::STAFF_NOTE_PROMPT)
                    .arg("name", Arg::Text(member.name.clone()))
                    .arg("code", Arg::Code(request.code))
                    .arg("stage", Arg::Msg(stage_name_id(&transition.to)));
                return Ok(Verdict::Ask {
                    member,
                    button,
                    question,
                });
            }
            let to = transition.to.clone();
            let mv = Move {
                code: request.code,
                to: &to,
                expected_from: Some(&request.stage),
                note: None,
            };
            move_verdict(
                workflow::apply(tx, app.catalog(), Actor::Staff(&member), mv).await,
                button,
                request.code,
            )
        }
        Subject::Complaint(id) => {
            let Some(complaint) = complaints::staff_view(tx, id).await? else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON)));
            };
            let code = TrackingCode::from_stored(complaint.code)?;
            // Lock, then compare: two presses on one card must not both act.
            let Some(locked) = complaints::lock(tx, code).await? else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON)));
            };
            if complaint_version(&locked.status) != button.version {
                return Ok(Verdict::Stale(button.subject));
            }
            match button.slot {
                COMPLAINT_ANSWER => {
                    let question = Msg::new(m::STAFF_ANSWER_PROMPT)
                        .arg("name", Arg::Text(member.name.clone()))
                        .arg("code", Arg::Code(code));
                    Ok(Verdict::Ask {
                        member,
                        button,
                        question,
                    })
                }
                COMPLAINT_CLOSE => {
                    workflow::close_complaint(tx, &member.actor(), code)
                        .await
                        .map_err(complaint_failure)?;
                    Ok(Verdict::Done(
                        button.subject,
                        Msg::new(m::STAFF_CLOSED).arg("code", Arg::Code(code)),
                    ))
                }
                _ => Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON))),
            }
        }
    }
}

fn move_verdict(
    result: Result<workflow::Applied, MoveError>,
    button: Button,
    code: TrackingCode,
) -> anyhow::Result<Verdict> {
    let refuse = |id: &str| Ok(Verdict::Refuse(Msg::new(id)));
    match result {
        Ok(applied) => Ok(Verdict::Done(
            button.subject,
            Msg::new(m::STAFF_MOVED)
                .arg("code", Arg::Code(code))
                .arg("stage", Arg::Msg(stage_name_id(&applied.to))),
        )),
        Err(MoveError::StaleStage { .. }) => Ok(Verdict::Stale(button.subject)),
        Err(MoveError::NotFound) => refuse(m::STAFF_INVALID_BUTTON),
        Err(MoveError::NotAllowed { .. }) => refuse(m::STAFF_NOT_ALLOWED),
        Err(MoveError::Forbidden) => refuse(m::STAFF_FORBIDDEN),
        Err(MoveError::OutOfScope) => refuse(m::STAFF_OUT_OF_SCOPE),
        Err(MoveError::NoteRequired) => refuse(m::STAFF_NOTE_EMPTY),
        Err(MoveError::Unexpected(err)) => Err(err),
    }
}

fn complaint_failure(err: ComplaintError) -> anyhow::Error {
    match err {
        ComplaintError::Unexpected(err) => err,
        other => anyhow::anyhow!(other),
    }
}

/// Asks the presser for the note or answer, as a message they reply to, and remembers what the
/// reply is for.
async fn ask(
    chat: &StaffChat,
    member: &StaffMember,
    button: Button,
    question: Msg,
    card: Option<MessageId>,
) -> anyhow::Result<()> {
    let mut request = chat
        .inner
        .bot
        .send_message(ChatId(chat.inner.chat_id), chat.render(&question))
        .reply_markup(ReplyMarkup::ForceReply(ForceReply::new()));
    if let Some(card) = card {
        request = request.reply_parameters(ReplyParameters::new(card));
    }
    let prompt = request.await?;
    let (request_id, complaint_id) = match button.subject {
        Subject::Request(id) => (Some(id), None),
        Subject::Complaint(id) => (None, Some(id)),
    };
    sqlx::query(
        "INSERT INTO staff_prompts (chat_id, prompt_message_id, staff_id, request_id, complaint_id, version, slot,
                                    card_message_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(chat.inner.chat_id)
    .bind(i64::from(prompt.id.0))
    .bind(member.id)
    .bind(request_id)
    .bind(complaint_id)
    .bind(button.version)
    .bind(i16::from(button.slot))
    .bind(card.map(|c| i64::from(c.0)))
    .execute(chat.inner.app.pool())
    .await?;
    Ok(())
}

/// A question the bot asked a member of staff, waiting for their reply.
#[derive(sqlx::FromRow)]
struct Prompt {
    staff_id: i64,
    request_id: Option<i64>,
    complaint_id: Option<i64>,
    version: i64,
    slot: i16,
    card_message_id: Option<i64>,
}

async fn reply(chat: &StaffChat, platform: &str, update_id: i64, message: &Message) -> anyhow::Result<()> {
    // Only replies to the bot's questions are ours; the rest is the staff talking.
    let Some(replied) = message.reply_to_message() else {
        return Ok(());
    };
    let app = &chat.inner.app;
    let mut tx = app.pool().begin().await?;
    if !updates::claim(&mut tx, platform, update_id).await? {
        return Ok(());
    }
    let prompt: Option<Prompt> = sqlx::query_as(
        "SELECT staff_id, request_id, complaint_id, version, slot, card_message_id FROM staff_prompts
         WHERE chat_id = $1 AND prompt_message_id = $2 FOR UPDATE",
    )
    .bind(chat.inner.chat_id)
    .bind(i64::from(replied.id.0))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(prompt) = prompt else {
        tx.commit().await?;
        return Ok(());
    };
    let user = message
        .from
        .as_ref()
        .and_then(|u| i64::try_from(u.id.0).ok())
        .unwrap_or(-1);
    let text = message.text().unwrap_or_default();
    let verdict = decide_reply(chat, &mut tx, &prompt, user, text).await?;
    // A question is answered once; only a reply from someone else, or an empty one, leaves it open.
    let keep_asking = matches!(&verdict, Verdict::Refuse(msg) if msg.id == m::STAFF_PROMPT_NOT_YOURS || msg.id == m::STAFF_NOTE_EMPTY);
    if !keep_asking {
        sqlx::query("DELETE FROM staff_prompts WHERE chat_id = $1 AND prompt_message_id = $2")
            .bind(chat.inner.chat_id)
            .bind(i64::from(replied.id.0))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;

    let card = prompt
        .card_message_id
        .and_then(|id| i32::try_from(id).ok())
        .map(MessageId);
    let said = match verdict {
        Verdict::Refuse(msg) => msg,
        Verdict::Stale(subject) => {
            redraw(chat, subject, card).await;
            Msg::new(m::STAFF_STALE)
        }
        Verdict::Done(subject, msg) => {
            redraw(chat, subject, card).await;
            msg
        }
        Verdict::Ask { .. } => return Ok(()),
    };
    let sent = chat
        .inner
        .bot
        .send_message(ChatId(chat.inner.chat_id), chat.render(&said))
        .reply_parameters(ReplyParameters::new(message.id))
        .await;
    if let Err(err) = sent {
        tracing::warn!(error = %err, "answering a staff reply failed");
    }
    Ok(())
}

async fn decide_reply(
    chat: &StaffChat,
    tx: &mut Tx<'_>,
    prompt: &Prompt,
    user: i64,
    text: &str,
) -> anyhow::Result<Verdict> {
    let member = staff::by_telegram_user(tx, user).await?;
    let Some(member) = member.filter(|m| m.id == prompt.staff_id) else {
        return Ok(Verdict::Refuse(Msg::new(m::STAFF_PROMPT_NOT_YOURS)));
    };
    let note = text.trim();
    if note.is_empty() {
        return Ok(Verdict::Refuse(Msg::new(m::STAFF_NOTE_EMPTY)));
    }
    let app = &chat.inner.app;
    let slot = u8::try_from(prompt.slot).unwrap_or(u8::MAX);
    match (prompt.request_id, prompt.complaint_id) {
        (Some(id), _) => {
            let subject = Subject::Request(id);
            let Some(request) = requests::lock_by_id(tx, id).await? else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON)));
            };
            if requests::version(tx, id).await? != prompt.version {
                return Ok(Verdict::Stale(subject));
            }
            let to = app.catalog().get(&request.service_id).and_then(|service| {
                staff_moves(service, &request.stage)
                    .get(usize::from(slot))
                    .map(|t| t.to.clone())
            });
            let Some(to) = to else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_NOT_ALLOWED)));
            };
            let mv = Move {
                code: request.code,
                to: &to,
                expected_from: Some(&request.stage),
                note: Some(note),
            };
            let button = Button {
                subject,
                version: prompt.version,
                slot,
            };
            move_verdict(
                workflow::apply(tx, app.catalog(), Actor::Staff(&member), mv).await,
                button,
                request.code,
            )
        }
        (None, Some(id)) => {
            let subject = Subject::Complaint(id);
            let Some(complaint) = complaints::staff_view(tx, id).await? else {
                return Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON)));
            };
            let code = TrackingCode::from_stored(complaint.code)?;
            let locked = complaints::lock(tx, code).await?;
            if locked.is_none_or(|c| complaint_version(&c.status) != prompt.version) {
                return Ok(Verdict::Stale(subject));
            }
            workflow::answer_complaint(tx, &member.actor(), code, note)
                .await
                .map_err(complaint_failure)?;
            Ok(Verdict::Done(
                subject,
                Msg::new(m::STAFF_ANSWERED).arg("code", Arg::Code(code)),
            ))
        }
        (None, None) => Ok(Verdict::Refuse(Msg::new(m::STAFF_INVALID_BUTTON))),
    }
}

/// Redraws a card after its subject changed, so the buttons on it are the ones open now.
async fn redraw(chat: &StaffChat, subject: Subject, message: Option<MessageId>) {
    let Some(message) = message else {
        return;
    };
    let headline = Msg::new(m::STAFF_CARD_UPDATED);
    let card = async {
        let mut conn = chat.inner.app.pool().acquire().await?;
        match subject {
            Subject::Request(id) => chat.composer().request(&mut conn, id, &headline).await,
            Subject::Complaint(id) => chat.composer().complaint(&mut conn, id, &headline).await,
        }
    };
    match card.await {
        Ok(Some(card)) => chat.refresh(message, &card).await,
        Ok(None) => {}
        Err(err) => tracing::warn!(error = format!("{err:#}"), "composing a staff card failed"),
    }
}
