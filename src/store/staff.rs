//! Staff accounts and their API tokens. A token is shown once, when issued; only its SHA-256
//! is stored, so a leaked database does not leak working tokens.

use anyhow::{Context as _, bail};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::domain::Role;

/// A member of staff, as permissions are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// `None`: every service.
    pub services: Option<Vec<String>>,
    pub telegram_user_id: Option<i64>,
}

impl StaffMember {
    pub fn covers(&self, service: &str) -> bool {
        self.services.as_ref().is_none_or(|s| s.iter().any(|x| x == service))
    }

    /// Whether the member may act as any of `roles`; admins may do everything.
    pub fn acts_as(&self, roles: &[Role]) -> bool {
        self.role == Role::Admin || roles.contains(&self.role)
    }

    /// How this member is named in request history and the audit log.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.id)
    }
}

type Row = (i64, String, String, Option<Vec<String>>, Option<i64>);

fn from_row((id, name, role, services, telegram_user_id): Row) -> anyhow::Result<StaffMember> {
    let role = Role::parse(&role).with_context(|| format!("unknown stored role {role}"))?;
    Ok(StaffMember {
        id,
        name,
        role,
        services,
        telegram_user_id,
    })
}

const COLUMNS: &str = "id, name, role, services, telegram_user_id";

pub async fn add(
    db: impl sqlx::PgExecutor<'_>,
    name: &str,
    role: Role,
    services: Option<&[String]>,
    telegram_user_id: Option<i64>,
) -> anyhow::Result<StaffMember> {
    if role == Role::Applicant {
        bail!("staff roles are reviewer, operator and admin");
    }
    let row: Row = sqlx::query_as(&format!(
        "INSERT INTO staff (name, role, services, telegram_user_id) VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(role.as_str())
    .bind(services)
    .bind(telegram_user_id)
    .fetch_one(db)
    .await
    .with_context(|| format!("adding staff member {name} (is the name or Telegram id taken?)"))?;
    from_row(row)
}

pub async fn by_name(pool: &PgPool, name: &str) -> anyhow::Result<Option<StaffMember>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM staff WHERE name = $1 AND disabled_at IS NULL"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.map(from_row).transpose()
}

pub async fn by_telegram_user(conn: &mut PgConnection, user_id: i64) -> anyhow::Result<Option<StaffMember>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM staff WHERE telegram_user_id = $1 AND disabled_at IS NULL"
    ))
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.map(from_row).transpose()
}

/// Issues a new token for a member; returns its id and the token, which is not kept.
pub async fn issue_token(db: impl sqlx::PgExecutor<'_>, staff_id: i64) -> anyhow::Result<(i64, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("drawing a token from the OS random source: {e}"))?;
    let token = format!("pgr_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let id: i64 = sqlx::query_scalar("INSERT INTO api_tokens (staff_id, token_hash) VALUES ($1, $2) RETURNING id")
        .bind(staff_id)
        .bind(hash(&token).as_slice())
        .fetch_one(db)
        .await?;
    Ok((id, token))
}

/// The member a presented token belongs to, if it is live.
pub async fn by_token(pool: &PgPool, token: &str) -> anyhow::Result<Option<StaffMember>> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT s.id, s.name, s.role, s.services, s.telegram_user_id FROM api_tokens t JOIN staff s ON s.id = t.staff_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND s.disabled_at IS NULL",
    )
    .bind(hash(token).as_slice())
    .fetch_optional(pool)
    .await?;
    row.map(from_row).transpose()
}

/// Revokes a token; false when there was no live token with that id.
pub async fn revoke_token(db: impl sqlx::PgExecutor<'_>, token_id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(token_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A live member by id.
pub async fn by_id(conn: &mut PgConnection, id: i64) -> anyhow::Result<Option<StaffMember>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM staff WHERE id = $1 AND disabled_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(from_row).transpose()
}

/// Sets a member's password hash (argon2id, PHC string form).
pub async fn set_password_hash(pool: &PgPool, staff_id: i64, hash: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE staff SET password_hash = $2 WHERE id = $1")
        .bind(staff_id)
        .bind(hash)
        .execute(pool)
        .await
        .with_context(|| format!("storing the password of staff member {staff_id}"))?;
    Ok(())
}

/// A live member by name, with their password hash when one is set: what signing in checks.
pub async fn with_password_hash(
    conn: &mut PgConnection,
    name: &str,
) -> anyhow::Result<Option<(StaffMember, Option<String>)>> {
    type WithHash = (i64, String, String, Option<Vec<String>>, Option<i64>, Option<String>);
    let row: Option<WithHash> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, password_hash FROM staff WHERE name = $1 AND disabled_at IS NULL"
    ))
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.map(|(id, name, role, services, telegram, hash)| Ok((from_row((id, name, role, services, telegram))?, hash)))
        .transpose()
}

/// A member on the roster, with their live tokens.
#[derive(Debug, Clone)]
pub struct RosterEntry {
    pub member: StaffMember,
    pub disabled: bool,
    pub has_password: bool,
    /// (id, issued at) of each token not revoked.
    pub tokens: Vec<(i64, chrono::DateTime<chrono::Utc>)>,
}

/// Every member, live ones first, by name.
pub async fn roster(conn: &mut PgConnection) -> anyhow::Result<Vec<RosterEntry>> {
    type Raw = (i64, String, String, Option<Vec<String>>, Option<i64>, bool, bool);
    let rows: Vec<Raw> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, disabled_at IS NOT NULL, password_hash IS NOT NULL FROM staff
         ORDER BY disabled_at IS NOT NULL, name"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let tokens: Vec<(i64, i64, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT id, staff_id, created_at FROM api_tokens WHERE revoked_at IS NULL ORDER BY id")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(id, name, role, services, telegram, disabled, has_password)| {
            Ok(RosterEntry {
                member: from_row((id, name, role, services, telegram))?,
                disabled,
                has_password,
                tokens: tokens
                    .iter()
                    .filter(|(_, owner, _)| *owner == id)
                    .map(|(token, _, at)| (*token, *at))
                    .collect(),
            })
        })
        .collect()
}

/// Disables a member: they can no longer sign in, use a token or act from the staff group.
/// False when there is no live member with that id.
pub async fn disable(conn: &mut PgConnection, staff_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE staff SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL")
        .bind(staff_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE staff_id = $1 AND revoked_at IS NULL")
        .bind(staff_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
        .bind(staff_id)
        .execute(conn)
        .await?;
    Ok(true)
}

/// The member a token belongs to, revoked or not; `None` for no such token.
pub async fn token_owner(conn: &mut PgConnection, token_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT staff_id FROM api_tokens WHERE id = $1")
        .bind(token_id)
        .fetch_optional(conn)
        .await
}
