//! Who hears announcements about a service, and by which channels; the applicant's choices.

use sqlx::PgConnection;

use super::applicants::ApplicantId;
use super::counts;
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

/// How many applicants hear announcements about every service by chat: every applicant who
/// has not muted them, counted exactly up to [`counts::EXACT_UP_TO`] and estimated above.
pub async fn everyone_size(conn: &mut PgConnection) -> sqlx::Result<counts::Count> {
    counts::count_where(conn, "applicants", "announcements_muted_at IS NULL").await
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

/// Whether each applicant muted every announcement, and their setting for each of `services`
/// as announcements would treat it now; in the order given, in one query, as the dialogue reads
/// it at every step (for a batch of chats at once). The services are matched here rather than
/// in SQL: a query over the bound list of services was planned afresh on every call (its plan
/// depends on the list), which cost eight times its execution.
pub async fn of_each(
    conn: &mut PgConnection,
    applicants: &[ApplicantId],
    services: &[String],
) -> sqlx::Result<Vec<(bool, Vec<(String, Channels)>)>> {
    #[derive(sqlx::FromRow)]
    struct Settings {
        id: i64,
        muted: bool,
        subscribed: Vec<String>,
        channels: Vec<String>,
        requested: Vec<String>,
    }
    let ids: Vec<i64> = applicants.iter().map(|a| a.0).collect();
    let rows: Vec<Settings> = sqlx::query_as(
        "SELECT a.id, a.announcements_muted_at IS NOT NULL AS muted,
                ARRAY(SELECT s.service_id FROM subscriptions s WHERE s.applicant_id = a.id ORDER BY s.service_id)
                    AS subscribed,
                ARRAY(SELECT s.channels FROM subscriptions s WHERE s.applicant_id = a.id ORDER BY s.service_id)
                    AS channels,
                ARRAY(SELECT DISTINCT r.service_id FROM requests r WHERE r.applicant_id = a.id) AS requested
         FROM applicants a WHERE a.id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    let mut found: std::collections::HashMap<i64, Settings> = rows.into_iter().map(|r| (r.id, r)).collect();
    let settings_of = |row: Option<Settings>| {
        let Some(Settings {
            muted,
            subscribed,
            channels,
            requested,
            ..
        }) = row
        else {
            return (false, Vec::new());
        };
        let chosen: std::collections::HashMap<&str, &str> = subscribed
            .iter()
            .map(String::as_str)
            .zip(channels.iter().map(String::as_str))
            .collect();
        let settings = services
            .iter()
            .map(|service| {
                let channels = match chosen.get(service.as_str()).and_then(|c| Channels::parse(c)) {
                    Some(chosen) => chosen,
                    None if requested.contains(service) => Channels::Chat,
                    None => Channels::None,
                };
                (service.clone(), channels)
            })
            .collect();
        (muted, settings)
    };
    Ok(ids.iter().map(|id| settings_of(found.remove(id))).collect())
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
