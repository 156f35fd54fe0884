//! Commands written in the staff group by operators and admins:
//! `/broadcast [SERVICE-ID] TEXT` drafts a notice and posts its card (preview, reach, and
//! buttons to send or drop it); `/maintenance SERVICE-ID|all DATE TIME DATE TIME REASON`
//! schedules a window (Tehran time, Jalali or Gregorian dates) and `/maintenance cancel ID`
//! cancels one; `/closed DATE REASON` declares a closure day (see `crate::office`); and, by
//! reviewers, `/deadline CODE DAYS` gives an applicant that many more office days for the
//! documents asked of them. Each is handled once, in one transaction; refusals are answered in
//! reply.

use chrono::Utc;
use teloxide::types::Message;

use super::StaffChat;
use crate::app::Application;
use crate::broadcast::{Reach, Target};
use crate::conversation::messages as m;
use crate::domain::{Catalog, TrackingCode};
use crate::i18n::{Arg, Msg};
use crate::maintenance;
use crate::staff::access::{self, Act, Item};
use crate::staff::perform::{Action, Actor, Refusal, perform};
use crate::store::broadcasts::Broadcast;
use crate::store::maintenance::Plan;
use crate::store::staff::{self, StaffMember};
use crate::store::{Tx, updates};

/// A command and the text after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'t> {
    Broadcast(&'t str),
    Maintenance(&'t str),
    Closed(&'t str),
    Deadline(&'t str),
}

impl<'t> Command<'t> {
    /// The command in `text` (also written `/name@bot_name`), or none for other text.
    pub fn parse(text: &'t str) -> Option<Self> {
        let rest = text.trim_start().strip_prefix('/')?;
        let (word, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = word.split('@').next().unwrap_or(word);
        let rest = rest.trim();
        match name {
            "broadcast" => Some(Self::Broadcast(rest)),
            "maintenance" => Some(Self::Maintenance(rest)),
            "closed" => Some(Self::Closed(rest)),
            "deadline" => Some(Self::Deadline(rest)),
            _ => None,
        }
    }
}

/// What to show once the command's transaction has committed.
enum Said {
    /// A broadcast drafted, with its reach: post its card.
    Draft(Broadcast, Reach),
    Reply(Msg),
}

pub async fn handle(
    chat: &StaffChat,
    platform: &str,
    update_id: i64,
    message: &Message,
    command: Command<'_>,
) -> anyhow::Result<()> {
    let app = &chat.inner.app;
    let mut tx = app.pool().begin().await?;
    if !updates::claim(&mut tx, platform, update_id).await? {
        return Ok(());
    }
    let said = match (
        staff::by_telegram_user(&mut tx, super::actions::sender(message)).await?,
        command,
    ) {
        (None, _) => Said::Reply(Msg::new(m::STAFF_NOT_REGISTERED)),
        // A reviewer's act: the staff core decides who may.
        (Some(member), Command::Deadline(text)) => Said::Reply(extend(&mut tx, app, &member, text).await?),
        // The rest are operators' acts.
        (Some(member), _) if access::decide(&member, Act::Operate, Item::Operations).is_err() => {
            Said::Reply(Msg::new(m::STAFF_FORBIDDEN))
        }
        (Some(member), Command::Broadcast(text)) => draft(&mut tx, app, &member, text).await?,
        (Some(member), Command::Maintenance(text)) => Said::Reply(schedule(&mut tx, app, &member, text).await?),
        (Some(member), Command::Closed(text)) => Said::Reply(closed(&mut tx, app, &member, text).await?),
    };
    tx.commit().await?;
    match said {
        Said::Draft(broadcast, reach) => {
            let mut conn = app.pool().acquire().await?;
            let card = chat.composer().draft(&mut conn, &broadcast, reach).await?;
            drop(conn);
            chat.send_card(&card)
                .await
                .map_err(|e| anyhow::anyhow!("posting the draft: {e:?}"))?;
        }
        Said::Reply(msg) => chat.reply_to(message.id, &msg).await,
    }
    Ok(())
}

/// Drafts a broadcast through the staff core; the draft's card, or why not.
async fn draft(tx: &mut Tx<'_>, app: &Application, member: &StaffMember, text: &str) -> anyhow::Result<Said> {
    let Addressed { service, codes, body } = split_target(app.catalog(), text);
    // Both are never given: a first word naming a service leaves no codes.
    let codes = (!codes.is_empty()).then_some(codes.as_slice());
    let target = Target::named(service, codes).unwrap_or(Target::Everyone);
    let action = Action::DraftBroadcast { target, text: body };
    match perform(tx, app, Actor::Member(member), action, Utc::now()).await {
        Ok(done) => {
            let (broadcast, reach) = done.drafted()?;
            Ok(Said::Draft(broadcast, reach))
        }
        Err(Refusal::Unexpected(err)) => Err(err),
        Err(refusal) => Ok(Said::Reply(
            refusal.message().unwrap_or_else(|| Msg::new(m::STAFF_BROADCAST_USAGE)),
        )),
    }
}

/// The audience and the text of a `/broadcast` command, as written.
#[derive(Debug, PartialEq)]
struct Addressed<'t> {
    service: Option<&'t str>,
    codes: Vec<TrackingCode>,
    body: &'t str,
}

/// A first word naming a service sends to its applicants; leading tracking codes (each one word,
/// separated by spaces or commas) to their owners; anything else is all text, to everyone.
fn split_target<'t>(catalog: &Catalog, text: &'t str) -> Addressed<'t> {
    // A service id alone is a broadcast with no text, not a text that is a service id.
    let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    if catalog.get(first).is_some() {
        return Addressed {
            service: Some(first),
            codes: Vec::new(),
            body: rest.trim(),
        };
    }
    let mut codes = Vec::new();
    let mut body = text;
    while !body.is_empty() {
        let (word, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let parsed: Option<Vec<TrackingCode>> = word
            .split([',', '،'])
            .filter(|part| !part.is_empty())
            .map(|part| TrackingCode::parse(part).ok())
            .collect();
        match parsed {
            Some(parsed) if !parsed.is_empty() => codes.extend(parsed),
            _ => break,
        }
        body = rest.trim_start();
    }
    Addressed {
        service: None,
        body: if codes.is_empty() { text } else { body },
        codes,
    }
}

/// Gives more office days for a request's documents; the answer gives the new date, or why not.
async fn extend(tx: &mut Tx<'_>, app: &Application, member: &StaffMember, text: &str) -> anyhow::Result<Msg> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [code, days] = words.as_slice() else {
        return Ok(Msg::new(m::STAFF_DEADLINE_USAGE));
    };
    let (Ok(code), Ok(office_days)) = (
        TrackingCode::parse(code),
        crate::domain::digits::to_ascii_digits(days).parse::<u16>(),
    ) else {
        return Ok(Msg::new(m::STAFF_DEADLINE_USAGE));
    };
    match perform(
        tx,
        app,
        Actor::Member(member),
        Action::ExtendDocumentsDeadline { code, office_days },
        Utc::now(),
    )
    .await
    {
        Ok(done) => Ok(Msg::new(m::STAFF_DEADLINE_EXTENDED)
            .arg("code", Arg::Code(code))
            .arg("date", Arg::Date(done.deadline()?))),
        Err(Refusal::Unexpected(err)) => Err(err),
        // Out of the member's services is told as such in the group, as for moves.
        Err(Refusal::Hidden) => Ok(Msg::new(m::STAFF_OUT_OF_SCOPE)),
        Err(refusal) => Ok(refusal.message().unwrap_or_else(|| Msg::new(m::STAFF_DEADLINE_USAGE))),
    }
}

/// Declares a closure day; the answer says so, or how to write the command.
async fn closed(tx: &mut Tx<'_>, app: &Application, member: &StaffMember, text: &str) -> anyhow::Result<Msg> {
    let (day, reason) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let action = Action::DeclareClosure { day, reason };
    match perform(tx, app, Actor::Member(member), action, Utc::now()).await {
        Ok(done) => {
            let closure = done.closure()?;
            let id = if closure.new {
                m::STAFF_CLOSURE_DECLARED
            } else {
                m::STAFF_CLOSURE_AGAIN
            };
            Ok(Msg::new(id).arg("day", Arg::Date(closure.day)))
        }
        Err(Refusal::Unexpected(err)) => Err(err),
        Err(refusal) => Ok(Msg::new(refusal.message_id().unwrap_or(m::STAFF_CLOSURE_USAGE))),
    }
}

/// Schedules or cancels a window; the answer says what was done or why not.
async fn schedule(tx: &mut Tx<'_>, app: &Application, member: &StaffMember, text: &str) -> anyhow::Result<Msg> {
    let words: Vec<&str> = text.split_whitespace().collect();
    // Everything after the service and the two times.
    let reason = words.get(5..).map(|rest| rest.join(" ")).unwrap_or_default();
    let action = match words.as_slice() {
        ["cancel", id] => {
            let Ok(id) = crate::domain::digits::to_ascii_digits(id).parse::<i64>() else {
                return Ok(Msg::new(m::STAFF_MAINTENANCE_USAGE));
            };
            Action::CancelMaintenance { id }
        }
        [service, start_date, start_time, end_date, end_time, _, ..] => {
            let service = (*service != "all").then_some(*service);
            let (Ok(starts_at), Ok(ends_at)) = (
                maintenance::tehran_time(start_date, start_time),
                maintenance::tehran_time(end_date, end_time),
            ) else {
                return Ok(Msg::new(m::STAFF_MAINTENANCE_BAD_TIME));
            };
            Action::ScheduleMaintenance(Plan {
                service_id: service,
                starts_at,
                ends_at,
                reason: &reason,
            })
        }
        _ => return Ok(Msg::new(m::STAFF_MAINTENANCE_USAGE)),
    };
    match perform(tx, app, Actor::Member(member), action, Utc::now()).await {
        Ok(done) => {
            let window = done.maintenance()?;
            let id = match window.cancelled_at {
                Some(_) => m::STAFF_MAINTENANCE_CANCELLED,
                None => m::STAFF_MAINTENANCE_SCHEDULED,
            };
            Ok(Msg::new(id)
                .arg("id", Arg::Number(window.id))
                .arg("service", m::service_or_every(window.service_id.as_deref()))
                .arg("start", Arg::Time(window.starts_at))
                .arg("end", Arg::Time(window.ends_at)))
        }
        Err(Refusal::Unexpected(err)) => Err(err),
        Err(Refusal::Hidden) => Ok(Msg::new(m::STAFF_MAINTENANCE_NOT_FOUND)),
        Err(refusal) => Ok(Msg::new(refusal.message_id().unwrap_or(m::STAFF_MAINTENANCE_USAGE))),
    }
}

#[cfg(test)]
mod tests {
    use super::{Addressed, Command, split_target};
    use crate::config::{Config, DEFAULT_TOML};
    use crate::domain::TrackingCode;

    #[test]
    fn a_broadcast_names_its_audience_first() {
        let (_, catalog) = Config::from_toml(DEFAULT_TOML, |_| None).unwrap();
        let (a, b, c) = (
            TrackingCode::generate(),
            TrackingCode::generate(),
            TrackingCode::generate(),
        );
        let to = |service, codes, body| Addressed { service, codes, body };
        assert_eq!(split_target(&catalog, "سلام به همه"), to(None, vec![], "سلام به همه"));
        assert_eq!(
            split_target(&catalog, "plate-removal سلام"),
            to(Some("plate-removal"), vec![], "سلام")
        );
        assert_eq!(
            split_target(&catalog, "plate-removal"),
            to(Some("plate-removal"), vec![], "")
        );
        let typed = format!("{a} {b}،{c} پرونده‌های شما کامل شد");
        assert_eq!(
            split_target(&catalog, &typed),
            to(None, vec![a, b, c], "پرونده‌های شما کامل شد")
        );
        // A number that is not a valid code is text.
        assert_eq!(split_target(&catalog, "۱۲۳ نفر"), to(None, vec![], "۱۲۳ نفر"));
    }

    #[test]
    fn commands_are_recognised_with_or_without_the_bots_name() {
        assert_eq!(Command::parse("/broadcast سلام"), Some(Command::Broadcast("سلام")));
        assert_eq!(
            Command::parse("/broadcast@peygir_bot plate-removal متن"),
            Some(Command::Broadcast("plate-removal متن"))
        );
        assert_eq!(Command::parse("/broadcast"), Some(Command::Broadcast("")));
        assert_eq!(
            Command::parse("/maintenance cancel 3"),
            Some(Command::Maintenance("cancel 3"))
        );
        assert_eq!(Command::parse("/broadcasting x"), None);
        assert_eq!(Command::parse("/deadline 1 2"), Some(Command::Deadline("1 2")));
        assert_eq!(Command::parse("سلام"), None);
    }
}
