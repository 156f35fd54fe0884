//! Who hears announcements about a service, and by which channels; the applicant's choices.

use sqlx::PgConnection;

use super::applicants::ApplicantId;
use crate::domain::subscription::Channels;

/// The applicants an announcement reaches by chat, and those who asked for SMS too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    pub chat: Vec<ApplicantId>,
    pub sms: Vec<ApplicantId>,
}

/// Who hears announcements about `service` (none: every service). Applicants who muted
/// announcements hear nothing. For one service: those who chose chat for it, and those who
/// made a request for it and chose nothing; for every service, every applicant. SMS goes to
/// those who chose chat and SMS (for the service, or for any service when it is about all).
pub async fn audience(conn: &mut PgConnection, service: Option<&str>) -> sqlx::Result<Audience> {
    let chat = sqlx::query_scalar(&format!("{CHAT_AUDIENCE} ORDER BY a.id"))
        .bind(service)
        .fetch_all(&mut *conn)
        .await?;
    let sms = sqlx::query_scalar(
        "SELECT DISTINCT a.id FROM applicants a JOIN subscriptions s ON s.applicant_id = a.id
         WHERE a.announcements_muted_at IS NULL AND s.channels = 'chat-sms'
           AND ($1::text IS NULL OR s.service_id = $1)
         ORDER BY a.id",
    )
    .bind(service)
    .fetch_all(conn)
    .await?;
    Ok(Audience { chat, sms })
}

/// How many applicants hear announcements about `service` by chat: the size of `audience`'s
/// chat list, counted in the database (a draft's card shows it; the list can be every applicant).
pub async fn audience_size(conn: &mut PgConnection, service: Option<&str>) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT count(*) FROM ({CHAT_AUDIENCE}) audience"))
        .bind(service)
        .fetch_one(conn)
        .await
}

/// The applicants who hear announcements about `$1` by chat (see `audience`).
const CHAT_AUDIENCE: &str = "SELECT a.id FROM applicants a
     LEFT JOIN subscriptions s ON s.applicant_id = a.id AND s.service_id = $1
     WHERE a.announcements_muted_at IS NULL
       AND CASE
           WHEN $1::text IS NULL THEN true
           WHEN s.channels IS NOT NULL THEN s.channels <> 'none'
           ELSE EXISTS (SELECT 1 FROM requests r WHERE r.applicant_id = a.id AND r.service_id = $1)
       END";

/// Whether the applicant muted every announcement, and their setting for each of `services`
/// as announcements would treat it now; one query, as the dialogue reads it at every step.
pub async fn of(
    conn: &mut PgConnection,
    applicant: ApplicantId,
    services: &[String],
) -> sqlx::Result<(bool, Vec<(String, Channels)>)> {
    let rows: Vec<(bool, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT a.announcements_muted_at IS NOT NULL, svc, s.channels,
                EXISTS (SELECT 1 FROM requests r WHERE r.applicant_id = a.id AND r.service_id = svc)
         FROM applicants a
         CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS u(svc, n)
         LEFT JOIN subscriptions s ON s.applicant_id = a.id AND s.service_id = svc
         WHERE a.id = $1
         ORDER BY n",
    )
    .bind(applicant)
    .bind(services)
    .fetch_all(conn)
    .await?;
    let muted = rows.first().is_some_and(|(muted, ..)| *muted);
    let settings = rows
        .into_iter()
        .map(|(_, service, chosen, requested)| {
            let channels = match chosen.as_deref().and_then(Channels::parse) {
                Some(chosen) => chosen,
                None if requested => Channels::Chat,
                None => Channels::None,
            };
            (service, channels)
        })
        .collect();
    Ok((muted, settings))
}

pub async fn set(
    conn: &mut PgConnection,
    applicant: ApplicantId,
    service: &str,
    channels: Channels,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO subscriptions (applicant_id, service_id, channels) VALUES ($1, $2, $3)
         ON CONFLICT (applicant_id, service_id) DO UPDATE SET channels = $3, updated_at = now()",
    )
    .bind(applicant)
    .bind(service)
    .bind(channels.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_muted(conn: &mut PgConnection, applicant: ApplicantId, muted: bool) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE applicants SET announcements_muted_at = CASE WHEN $2 THEN coalesce(announcements_muted_at, now()) END
         WHERE id = $1",
    )
    .bind(applicant)
    .bind(muted)
    .execute(conn)
    .await?;
    Ok(())
}
