//! A private PostgreSQL cluster under the data directory, started from the machine's own
//! PostgreSQL binaries, so that peygir runs with no database set up. It listens on a Unix
//! socket inside its 0700 data directory only: no TCP port to collide with or expose.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, bail};
use tokio::process::Command;

/// The port only names the socket file; nothing listens on TCP.
const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";

/// A running private cluster.
#[derive(Debug, Clone)]
pub struct PrivateCluster {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    /// Set when this process started the server, so that it stops it again.
    started_here: bool,
    /// A shared lock on the cluster's lock file, held while this process uses the cluster:
    /// every peygir process on one data directory holds one, so the one that started the
    /// server can tell whether others still use it. The kernel drops it with the process.
    users: Arc<Mutex<Option<File>>>,
}

impl PrivateCluster {
    /// Creates the cluster if `data_dir` holds none, and starts it if it is not running.
    pub async fn ensure(data_dir: &Path, bin_dir: Option<&Path>) -> anyhow::Result<Self> {
        let bin_dir = match bin_dir {
            Some(dir) => dir.to_owned(),
            None => find_bin_dir()?,
        };
        std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize()?;
        // Waits while another process stops the server (it holds the lock exclusively then),
        // so this one then finds it stopped and starts it again.
        let users = File::create(lock_path(&data_dir)).context("creating the cluster's lock file")?;
        users.lock_shared().context("locking the cluster's lock file")?;
        let mut cluster = Self {
            data_dir,
            bin_dir,
            started_here: false,
            users: Arc::new(Mutex::new(Some(users))),
        };
        if is_root() {
            cluster.hand_to_postgres_user().await?;
        }
        if !cluster.data_dir.join("PG_VERSION").exists() {
            cluster.init().await?;
        }
        if !cluster.is_running().await? {
            cluster.start().await?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    /// A connection URL for `database` over the cluster's socket.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost:{PORT}/{database}?host={}",
            self.data_dir.display()
        )
    }

    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Ends this process's use of the cluster, and stops the server if this process started it
    /// and no other process uses it; true when it was stopped.
    pub async fn release(&self) -> anyhow::Result<bool> {
        if Arc::strong_count(&self.users) > 1 {
            // A clone in this process still uses it.
            return Ok(false);
        }
        // This process's shared lock goes first: an exclusive one is then had only when no
        // other process holds a shared lock.
        drop(self.users.lock().expect("cluster lock").take());
        if !self.started_here {
            return Ok(false);
        }
        let exclusive = File::create(lock_path(&self.data_dir)).context("opening the cluster's lock file")?;
        match exclusive.try_lock() {
            Ok(()) => {
                self.stop().await?;
                Ok(true)
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::info!("another peygir process still uses the private cluster; leaving it running");
                Ok(false)
            }
            Err(std::fs::TryLockError::Error(err)) => Err(err).context("locking the cluster's lock file"),
        }
    }

    /// Stops the server (fast shutdown: open transactions roll back, committed data stays).
    pub async fn stop(&self) -> anyhow::Result<()> {
        let dir = self.data_dir.display().to_string();
        self.run("pg_ctl", &["stop", "-D", &dir, "-m", "fast", "-w"])
            .await
            .context("stopping PostgreSQL")
    }

    async fn init(&self) -> anyhow::Result<()> {
        tracing::info!(dir = %self.data_dir.display(), "creating a private PostgreSQL cluster");
        let dir = self.data_dir.display().to_string();
        self.run(
            "initdb",
            &[
                "-D",
                &dir,
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
            ],
        )
        .await
        .context("initdb")
    }

    async fn start(&self) -> anyhow::Result<()> {
        tracing::info!(dir = %self.data_dir.display(), "starting the private PostgreSQL cluster");
        let dir = self.data_dir.display().to_string();
        let log = self.data_dir.join("server.log").display().to_string();
        let options = format!("-c listen_addresses='' -c unix_socket_directories='{dir}' -p {PORT}");
        self.run(
            "pg_ctl",
            &["start", "-D", &dir, "-l", &log, "-w", "-t", "60", "-o", &options],
        )
        .await
        .with_context(|| format!("starting PostgreSQL (its log: {log})"))
    }

    async fn is_running(&self) -> anyhow::Result<bool> {
        let dir = self.data_dir.display().to_string();
        // pg_ctl status exits 0 when running, 3 when not.
        let status = self
            .command("pg_ctl", &["status", "-D", &dir])
            .stdout(Stdio::null())
            .status()
            .await?;
        Ok(status.success())
    }

    /// As root, the server must run as the `postgres` user, which must own the data directory
    /// and be able to reach it.
    async fn hand_to_postgres_user(&self) -> anyhow::Result<()> {
        let dir = self.data_dir.display().to_string();
        let chown = Command::new("chown")
            .args(["-R", "postgres:postgres", &dir])
            .status()
            .await?;
        if !chown.success() {
            bail!("could not give {dir} to the postgres user (is there a postgres user?)");
        }
        let reachable = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-w", &dir])
            .status()
            .await?;
        if !reachable.success() {
            bail!(
                "the postgres user cannot reach {dir}: a parent folder is closed to it. Set data_dir \
                 (or PEYGIR_DATA_DIR) to a folder it can reach, such as /var/lib/peygir"
            );
        }
        Ok(())
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin_dir.join(program);
        let mut cmd = if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        };
        // The caller's working directory may be closed to the postgres user.
        cmd.args(args).current_dir(&self.data_dir).stdin(Stdio::null());
        cmd
    }

    async fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let output = self
            .command(program, args)
            .output()
            .await
            .with_context(|| format!("running {program}"))?;
        if !output.status.success() {
            bail!(
                "{program} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }
}

/// The lock file of the cluster at `data_dir`, beside it: the data directory itself must stay
/// empty until `initdb` fills it, and belongs to the postgres user.
fn lock_path(data_dir: &Path) -> PathBuf {
    PathBuf::from(format!("{}.lock", data_dir.display()))
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// The newest PostgreSQL server found under Debian's layout, else on PATH.
pub fn find_bin_dir() -> anyhow::Result<PathBuf> {
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    if let Some((_, bin)) = candidates.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .context(
            "no PostgreSQL server binaries (initdb, pg_ctl) found: install PostgreSQL \
             (apt-get install postgresql) or set database.url",
        )
}
