//! Least privilege in PostgreSQL: migrations run as the schema's owner; the service connects as
//! a role that owns nothing, so it cannot alter the schema, and that may only add to the audit
//! log, never change or delete what is in it. Nor may it delete an applicant or a fan-out's
//! message, a request, a complaint or a document: notices name them with no foreign key (the
//! checks cost the outbox a third of its speed and more), so they must stay.
//! The grants are applied after every migration, so new tables are covered.

use anyhow::Context as _;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

/// The role the service connects as, unless `[database] service_url` names another.
pub const SERVICE_ROLE: &str = "peygir_service";

/// What the service role may do, as the owner grants it (the README shows it for a server
/// whose administrator creates the role). `{role}` is the role's quoted name.
pub const GRANTS: &str = "
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role};
REVOKE DELETE, TRUNCATE ON applicants, fanout_messages, requests, complaints, documents FROM {role};
REVOKE ALL ON _sqlx_migrations FROM {role};
GRANT EXECUTE ON FUNCTION purge_audit_before(TIMESTAMPTZ) TO {role};
";

fn quoted(role: &str) -> String {
    format!("\"{}\"", role.replace('"', "\"\""))
}

/// The owner's URL with the service role as its user (and no password: for servers that trust
/// local connections, as the private cluster does).
pub fn service_url_from(owner_url: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(owner_url).context("parsing the database URL")?;
    url.set_username(SERVICE_ROLE)
        .map_err(|()| anyhow::anyhow!("the database URL cannot carry a user name"))?;
    url.set_password(None)
        .map_err(|()| anyhow::anyhow!("the database URL cannot drop its password"))?;
    Ok(url.to_string())
}

/// Creates the service role when it does not exist (if the owner may create roles) and grants
/// it what the service needs on this database. False when the role could not be created.
pub async fn prepare(owner: &PgPool, role: &str) -> anyhow::Result<bool> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
        .bind(role)
        .fetch_one(owner)
        .await?;
    if !exists {
        let created = sqlx::query(&format!("CREATE ROLE {} LOGIN", quoted(role)))
            .execute(owner)
            .await;
        match created {
            Ok(_) => {}
            // Another process created it meanwhile (roles are shared by every database).
            Err(sqlx::Error::Database(err)) if matches!(err.code().as_deref(), Some("42710" | "23505")) => {}
            Err(sqlx::Error::Database(err)) if err.code().as_deref() == Some("42501") => return Ok(false),
            Err(err) => return Err(err).context("creating the service role"),
        }
    }
    let grants = GRANTS.replace("{role}", &quoted(role));
    // Instances starting together on one database grant one at a time.
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('peygir-service-grants'))")
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(&grants)
        .execute(&mut *tx)
        .await
        .context("granting the service role its privileges")?;
    tx.commit().await?;
    Ok(true)
}

/// The role name in a connection URL.
pub fn role_of(url: &str) -> anyhow::Result<String> {
    let options: PgConnectOptions = url.parse().context("parsing the database URL")?;
    Ok(options.get_username().to_owned())
}
