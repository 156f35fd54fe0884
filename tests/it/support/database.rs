//! A fresh PostgreSQL database per test: on the server in `DATABASE_URL` if set, else on a
//! private cluster under the temp directory that every test process shares.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use peygir::store::cluster::PrivateCluster;
use tokio::sync::OnceCell;

static ADMIN_URL: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Creates an empty database and returns its URL.
pub async fn fresh_database() -> String {
    let admin = ADMIN_URL.get_or_init(admin_url).await;
    let name = next_name();
    peygir::store::create_database(admin, &name)
        .await
        .expect("creating a test database");
    with_database(admin, &name)
}

/// Creates an empty database whose text compares by the rules of `icu_locale` (e.g. `en-US`),
/// as in a server's cluster made in a language's locale, and returns its URL.
pub async fn fresh_database_in_locale(icu_locale: &str) -> String {
    let admin = ADMIN_URL.get_or_init(admin_url).await;
    let name = next_name();
    let pool = peygir::store::connect(admin, 1)
        .await
        .expect("connecting to the test cluster");
    // Identifiers and these options cannot be bound; both come from the tests.
    sqlx::query(&format!(
        "CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'"
    ))
    .execute(&pool)
    .await
    .expect("creating a test database in a locale");
    pool.close().await;
    with_database(admin, &name)
}

/// A database name of this test process, not used before.
fn next_name() -> String {
    format!(
        "peygir_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn with_database(url: &str, name: &str) -> String {
    let mut url = url::Url::parse(url).expect("a valid database URL");
    url.set_path(name);
    url.to_string()
}

async fn admin_url() -> String {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return with_database(&url, "postgres");
    }
    let dir = std::env::temp_dir().join("peygir-test-postgres");
    // Test binaries run in parallel; one at a time may create or start the cluster. (Not the
    // cluster's own lock file beside it, which marks its users.)
    let lock_path = PathBuf::from(format!("{}.setup-lock", dir.display()));
    let lock = std::fs::File::create(&lock_path).expect("creating the cluster lock file");
    lock.lock().expect("locking the test cluster");
    let cluster = PrivateCluster::ensure(&dir, None)
        .await
        .expect("starting the test PostgreSQL cluster");
    let admin = cluster.url("postgres");
    drop_stale_databases(&admin).await;
    drop(lock);
    admin
}

/// Databases left by test processes that have exited are dropped, so the shared cluster does
/// not grow run after run.
async fn drop_stale_databases(admin: &str) {
    let pool = peygir::store::connect(admin, 1)
        .await
        .expect("connecting to the test cluster");
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'peygir_test_%'")
        .fetch_all(&pool)
        .await
        .expect("listing test databases");
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&pool)
                .await;
        }
    }
    pool.close().await;
}
