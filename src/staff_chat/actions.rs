//! What staff do in the group: press a card's button, and reply to the bot's question with a
//! note or an answer. Each update is handled once, in one transaction with the action it
//! causes; the answers to the presser are sent after it commits.

use chrono::Utc;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ForceReply, Message, MessageId, ReplyMarkup, ReplyParameters, Update, UpdateKind,
};

use super::StaffChat;
use super::buttons::{Button, Subject};
use super::card::{BROADCAST_GO, BROADCAST_STOP, COMPLAINT_ANSWER, COMPLAINT_CLOSE, complaint_version};
use crate::broadcast::State;
use crate::conversation::messages as m;
use crate::domain::service::stage_name_id;
use crate::domain::{Catalog, TrackingCode, Transition};
use crate::i18n::{Arg, Msg};
use crate::notify::Lane;
use crate::staff::access::{self, Act, Item};
use crate::staff::perform::{Action, Actor as StaffActor, INVALID_ANSWER, Refusal, perform};
use crate::store::requests::RequestRow;
use crate::store::staff::{self, StaffMember};
use crate::store::{Tx, broadcasts, complaints, requests, updates};
use crate::workflow::{self, INVALID_NOTE, Move, STALE_STAGE};

/// What came of a press or a reply.
enum Verdict {
    /// Nothing changed; tell the presser why.
    Refuse(Msg),
    /// Nothing changed and the question stays open for a proper reply; say why.
    AskAgain(Msg),
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

/// Why deciding stopped before acting: an answer for the presser, or a failure to report.
enum Stop {
    Answer(Verdict),
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Stop {
    fn from(err: E) -> Self {
        Self::Failed(err.into())
    }
}

fn refuse(id: &str) -> Stop {
    Stop::Answer(Verdict::Refuse(Msg::new(id)))
}

/// The verdict, whether deciding ran to its end or stopped early.
fn settle(decided: Result<Verdict, Stop>) -> anyhow::Result<Verdict> {
    match decided {
        Ok(verdict) | Err(Stop::Answer(verdict)) => Ok(verdict),
        Err(Stop::Failed(err)) => Err(err),
    }
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
    let verdict = settle(decide_press(chat, &mut tx, user, data).await)?;
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
        Verdict::Refuse(msg) | Verdict::AskAgain(msg) => {
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

async fn decide_press(chat: &StaffChat, tx: &mut Tx<'_>, user: i64, data: &str) -> Result<Verdict, Stop> {
    let button = chat
        .inner
        .signer
        .decode(data)
        .ok_or_else(|| refuse(m::STAFF_INVALID_BUTTON))?;
    let member = staff::by_telegram_user(tx, user)
        .await?
        .ok_or_else(|| refuse(m::STAFF_NOT_REGISTERED))?;
    let catalog = chat.inner.app.catalog();
    match button.subject {
        Subject::Request(id) => {
            let (request, transition) = open_request(catalog, tx, id, button.version, button.slot).await?;
            if transition.note_required {
                // Refuse now rather than after the reviewer has written the note.
                workflow::staff_may(&member, &request.service_id, transition)
                    .map_err(|err| move_refusal(id)(err.into()))?;
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
            let mv = Move {
                code: request.code,
                to: &transition.to,
                expected_from: Some(&request.stage),
                note: None,
            };
            move_request(chat, tx, &member, mv, id).await
        }
        Subject::Broadcast(id) => decide_broadcast(chat, tx, &member, id, button).await,
        Subject::Complaint(id) => {
            let code = open_complaint(tx, &member, id, button.version).await?;
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
                    let close = Action::CloseComplaint { code };
                    perform(tx, &chat.inner.app, StaffActor::Member(&member), close, Utc::now())
                        .await
                        .map_err(complaint_refusal)?;
                    Ok(Verdict::Done(
                        button.subject,
                        Msg::new(m::STAFF_CLOSED).arg("code", Arg::Code(code)),
                    ))
                }
                _ => Err(refuse(m::STAFF_INVALID_BUTTON)),
            }
        }
    }
}

/// Locks a request and finds the staff move in `slot` as of `version`, the request's version
/// when the button was drawn; a request that has moved on since is stale.
async fn open_request<'c>(
    catalog: &'c Catalog,
    tx: &mut Tx<'_>,
    id: i64,
    version: i64,
    slot: u8,
) -> Result<(RequestRow, &'c Transition), Stop> {
    let request = requests::lock_by_id(tx, id)
        .await?
        .ok_or_else(|| refuse(m::STAFF_INVALID_BUTTON))?;
    if requests::version(tx, id).await? != version {
        return Err(Stop::Answer(Verdict::Stale(Subject::Request(id))));
    }
    let service = catalog
        .get(&request.service_id)
        .ok_or_else(|| refuse(m::STAFF_NOT_ALLOWED))?;
    let transition = service
        .staff_moves(&request.stage)
        .get(usize::from(slot))
        .copied()
        .ok_or_else(|| refuse(m::STAFF_INVALID_BUTTON))?;
    Ok((request, transition))
}

/// A press on a broadcast's card: send or drop a draft; follow or stop one being sent.
async fn decide_broadcast(
    chat: &StaffChat,
    tx: &mut Tx<'_>,
    member: &StaffMember,
    id: i64,
    button: Button,
) -> Result<Verdict, Stop> {
    if access::decide(member, Act::Operate, Item::Operations).is_err() {
        return Err(refuse(m::STAFF_FORBIDDEN));
    }
    let current = broadcasts::lock(tx, id)
        .await?
        .ok_or_else(|| refuse(m::STAFF_INVALID_BUTTON))?;
    let state = State::of(&current);
    if state.version() != button.version {
        return Err(Stop::Answer(Verdict::Stale(button.subject)));
    }
    let said = match (state, button.slot) {
        (State::Draft, BROADCAST_GO) => {
            let confirm = Action::ConfirmBroadcast { id };
            let (_, queued) = perform(tx, &chat.inner.app, StaffActor::Member(member), confirm, Utc::now())
                .await
                .map_err(broadcast_refusal)?
                .broadcast()?;
            Msg::new(m::STAFF_BROADCAST_SENT).arg("count", Arg::Number(queued as i64))
        }
        (State::Confirmed, BROADCAST_GO) => Msg::new(m::STAFF_BROADCAST_REFRESHED),
        (State::Draft | State::Confirmed, BROADCAST_STOP) => {
            let cancel = Action::CancelBroadcast { id };
            perform(tx, &chat.inner.app, StaffActor::Member(member), cancel, Utc::now())
                .await
                .map_err(broadcast_refusal)?;
            Msg::new(m::STAFF_BROADCAST_DROPPED)
        }
        _ => return Err(refuse(m::STAFF_INVALID_BUTTON)),
    };
    Ok(Verdict::Done(button.subject, said))
}

fn broadcast_refusal(refusal: Refusal) -> Stop {
    match refusal {
        Refusal::Unexpected(err) => Stop::Failed(err),
        _ => refuse(m::STAFF_INVALID_BUTTON),
    }
}

/// Locks a complaint `member` may answer or close, as of `version` (its status when the button
/// was drawn); returns its code. Refuses before the member is asked for an answer.
async fn open_complaint(tx: &mut Tx<'_>, member: &StaffMember, id: i64, version: i64) -> Result<TrackingCode, Stop> {
    // Lock, then compare: two presses on one card must not both act.
    let complaint = complaints::lock_by_id(tx, id)
        .await?
        .ok_or_else(|| refuse(m::STAFF_INVALID_BUTTON))?;
    let item = Item::Complaint {
        service: complaint.service_id.as_deref(),
    };
    access::decide(member, Act::HandleComplaint, item).map_err(|denied| complaint_refusal(denied.into()))?;
    if complaint_version(&complaint.status) != version {
        return Err(Stop::Answer(Verdict::Stale(Subject::Complaint(id))));
    }
    Ok(TrackingCode::from_stored(complaint.code)?)
}

/// A refused complaint action, told to the member.
fn complaint_refusal(refusal: Refusal) -> Stop {
    match refusal {
        // The card is in the group for all to see; the member just does not handle its service.
        Refusal::Hidden => refuse(m::STAFF_OUT_OF_SCOPE),
        // The question stays open for an answer that can be sent.
        Refusal::Invalid {
            code: INVALID_ANSWER,
            message_id,
            ..
        } => Stop::Answer(Verdict::AskAgain(Msg::new(message_id))),
        Refusal::Unexpected(err) => Stop::Failed(err),
        other => refuse(other.message_id().unwrap_or(m::STAFF_FORBIDDEN)),
    }
}

/// Moves request `id` through the staff core; the verdict for the presser.
async fn move_request(
    chat: &StaffChat,
    tx: &mut Tx<'_>,
    member: &StaffMember,
    mv: Move<'_>,
    id: i64,
) -> Result<Verdict, Stop> {
    let applied = perform(
        tx,
        &chat.inner.app,
        StaffActor::Member(member),
        Action::Move(mv),
        Utc::now(),
    )
    .await
    .map_err(move_refusal(id))?
    .moved()?;
    Ok(Verdict::Done(
        Subject::Request(applied.request_id),
        Msg::new(m::STAFF_MOVED)
            .arg("code", Arg::Code(mv.code))
            .arg("stage", Arg::Msg(stage_name_id(&applied.to))),
    ))
}

/// A refused move of `request`, told to the presser.
fn move_refusal(request: i64) -> impl Fn(Refusal) -> Stop {
    move |refusal| match refusal {
        Refusal::Conflict { code: STALE_STAGE, .. } => Stop::Answer(Verdict::Stale(Subject::Request(request))),
        // The question stays open for a note that can be sent.
        Refusal::Invalid {
            code: INVALID_NOTE,
            message_id,
            ..
        } => Stop::Answer(Verdict::AskAgain(Msg::new(message_id))),
        // The card is in the group for all to see; the member just does not handle its service.
        Refusal::Hidden => refuse(m::STAFF_OUT_OF_SCOPE),
        Refusal::Unexpected(err) => Stop::Failed(err),
        other => refuse(other.message_id().unwrap_or(m::STAFF_FORBIDDEN)),
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
    chat.inner.budget.acquire(Lane::Reply).await;
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
        Subject::Broadcast(_) => anyhow::bail!("a broadcast's buttons ask nothing"),
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
    if let Some(command) = message.text().and_then(super::commands::Command::parse) {
        return super::commands::handle(chat, platform, update_id, message, command).await;
    }
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
    let user = sender(message);
    let text = message.text().unwrap_or_default();
    let verdict = settle(decide_reply(chat, &mut tx, &prompt, user, text).await)?;
    if !matches!(verdict, Verdict::AskAgain(_)) {
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
        Verdict::Refuse(msg) | Verdict::AskAgain(msg) => msg,
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
    chat.reply_to(message.id, &said).await;
    Ok(())
}

/// The Telegram user id of who wrote `message`; -1 (no one registered) when it has none.
pub(super) fn sender(message: &Message) -> i64 {
    message
        .from
        .as_ref()
        .and_then(|u| i64::try_from(u.id.0).ok())
        .unwrap_or(-1)
}

/// A question is answered once, by the member it was put to; a reply from someone else, or an
/// empty one, leaves it open.
async fn decide_reply(
    chat: &StaffChat,
    tx: &mut Tx<'_>,
    prompt: &Prompt,
    user: i64,
    text: &str,
) -> Result<Verdict, Stop> {
    let ask_again = |id: &str| Stop::Answer(Verdict::AskAgain(Msg::new(id)));
    let member = staff::by_telegram_user(tx, user)
        .await?
        .filter(|m| m.id == prompt.staff_id)
        .ok_or_else(|| ask_again(m::STAFF_PROMPT_NOT_YOURS))?;
    let note = text.trim();
    if note.is_empty() {
        return Err(ask_again(m::STAFF_NOTE_EMPTY));
    }
    let catalog = chat.inner.app.catalog();
    let slot = u8::try_from(prompt.slot).unwrap_or(u8::MAX);
    match (prompt.request_id, prompt.complaint_id) {
        (Some(id), _) => {
            let (request, transition) = open_request(catalog, tx, id, prompt.version, slot).await?;
            let mv = Move {
                code: request.code,
                to: &transition.to,
                expected_from: Some(&request.stage),
                note: Some(note),
            };
            move_request(chat, tx, &member, mv, id).await
        }
        (None, Some(id)) => {
            let code = open_complaint(tx, &member, id, prompt.version).await?;
            let answer = Action::AnswerComplaint { code, answer: note };
            perform(tx, &chat.inner.app, StaffActor::Member(&member), answer, Utc::now())
                .await
                .map_err(complaint_refusal)?;
            Ok(Verdict::Done(
                Subject::Complaint(id),
                Msg::new(m::STAFF_ANSWERED).arg("code", Arg::Code(code)),
            ))
        }
        (None, None) => Err(refuse(m::STAFF_INVALID_BUTTON)),
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
            Subject::Broadcast(id) => chat.composer().broadcast(&mut conn, id).await,
        }
    };
    match card.await {
        Ok(Some(card)) => chat.refresh(message, &card).await,
        Ok(None) => {}
        Err(err) => tracing::warn!(error = format!("{err:#}"), "composing a staff card failed"),
    }
}
