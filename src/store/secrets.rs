//! Keys generated once per database and shared by every instance.

use sqlx::PgConnection;

/// The 32-byte key called `name`, drawn from the OS random source the first time it is asked
/// for. Two instances asking at once both get the one that was stored first.
pub async fn key(conn: &mut PgConnection, name: &str) -> anyhow::Result<[u8; 32]> {
    let select = "SELECT value FROM secrets WHERE name = $1";
    // Read first: the key exists on every call but the very first, which then writes it.
    let stored: Vec<u8> = match sqlx::query_scalar(select).bind(name).fetch_optional(&mut *conn).await? {
        Some(stored) => stored,
        None => {
            let mut fresh = [0u8; 32];
            getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("drawing a key from the OS random source: {e}"))?;
            sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(fresh.as_slice())
                .execute(&mut *conn)
                .await?;
            sqlx::query_scalar(select).bind(name).fetch_one(&mut *conn).await?
        }
    };
    stored
        .try_into()
        .map_err(|_| anyhow::anyhow!("the stored {name} key is not 32 bytes"))
}
