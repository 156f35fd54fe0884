//! The data keys: which seals new values, which open old ones, and the blind-index key. Kept
//! in a file of their own (mode 0600), apart from the database, or given whole in the
//! environment (`PEYGIR_DATA_KEYS`, the file's text). With no configuration the file is made
//! once, in the data directory.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

type Key = Zeroizing<[u8; 32]>;

/// The keys in memory.
#[derive(Clone)]
pub struct Keyring {
    current: u32,
    keys: BTreeMap<u32, Key>,
    blind_index: Key,
}

fn fresh_key() -> Key {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut()).expect("the OS random source is available");
    key
}

impl Keyring {
    /// A new keyring: one data key (id 1) and a blind-index key.
    pub fn generate() -> Self {
        Self {
            current: 1,
            keys: BTreeMap::from([(1, fresh_key())]),
            blind_index: fresh_key(),
        }
    }

    pub fn current_id(&self) -> u32 {
        self.current
    }

    pub(super) fn current(&self) -> (u32, &[u8; 32]) {
        (self.current, &self.keys[&self.current])
    }

    pub(super) fn get(&self, id: u32) -> Option<&[u8; 32]> {
        self.keys.get(&id).map(|k| &**k)
    }

    pub(super) fn blind_index_key(&self) -> &[u8] {
        self.blind_index.as_ref()
    }

    /// The ids of every data key held.
    pub fn ids(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// Adds a fresh key and makes it the one new values are sealed with; returns its id.
    pub fn add_current(&mut self) -> u32 {
        let id = self.keys.keys().max().copied().unwrap_or(0) + 1;
        self.keys.insert(id, fresh_key());
        self.current = id;
        id
    }

    /// Drops an old key (never the current one).
    pub fn remove(&mut self, id: u32) -> anyhow::Result<()> {
        if id == self.current {
            bail!("key {id} is the current key");
        }
        self.keys.remove(&id).with_context(|| format!("there is no key {id}"))?;
        Ok(())
    }

    /// The keys as the key file writes them.
    pub fn to_text(&self) -> String {
        let file = KeyFile {
            current: self.current,
            blind_index: STANDARD.encode(self.blind_index.as_ref()),
            keys: self
                .keys
                .iter()
                .map(|(id, k)| (id.to_string(), STANDARD.encode(k.as_ref())))
                .collect(),
        };
        format!(
            "# peygir's data keys. Back this file up beside the database's backups but not inside them:\n\
             # without it nothing an applicant sent can be read; with it, anyone holding a backup can.\n{}",
            toml::to_string(&file).expect("keys serialise")
        )
    }

    /// Reads the key file's text.
    pub fn from_text(text: &str) -> anyhow::Result<Self> {
        let file: KeyFile = toml::from_str(text).context("the data keys are not in the key file's form")?;
        let decode = |name: &str, b64: &str| -> anyhow::Result<Key> {
            let bytes = Zeroizing::new(
                STANDARD
                    .decode(b64)
                    .with_context(|| format!("key {name} is not base64"))?,
            );
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .with_context(|| format!("key {name} is not 32 bytes"))?;
            Ok(Zeroizing::new(key))
        };
        let mut keys = BTreeMap::new();
        for (id, b64) in &file.keys {
            let id: u32 = id.parse().with_context(|| format!("key id {id} is not a number"))?;
            keys.insert(id, decode(&id.to_string(), b64)?);
        }
        if !keys.contains_key(&file.current) {
            bail!("the current data key {} is not among the keys", file.current);
        }
        Ok(Self {
            current: file.current,
            keys,
            blind_index: decode("blind_index", &file.blind_index)?,
        })
    }

    /// The keys from `PEYGIR_DATA_KEYS` when `env_text` is given, else from `path`, made there
    /// (mode 0600) when it does not exist yet.
    pub fn load(env_text: Option<&str>, path: &Path) -> anyhow::Result<Self> {
        if let Some(text) = env_text {
            return Self::from_text(text).context("in PEYGIR_DATA_KEYS");
        }
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::from_text(&text).with_context(|| format!("in {}", path.display())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("reading the data keys {}", path.display())),
        }
        let fresh = Self::generate();
        match fresh.write_new(path) {
            Ok(()) => {
                tracing::warn!(
                    path = %path.display(),
                    "made new data keys; back this file up (see the README's privacy section)"
                );
                Ok(fresh)
            }
            // Another process made it first: use theirs.
            Err(err)
                if err
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::AlreadyExists) =>
            {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                Self::from_text(&text).with_context(|| format!("in {}", path.display()))
            }
            Err(err) => Err(err),
        }
    }

    /// Writes the keys to `path` only if it does not exist, atomically: a reader never sees a
    /// half-written file.
    fn write_new(&self, path: &Path) -> anyhow::Result<()> {
        let temp = self.write_temp(path)?;
        let linked = std::fs::hard_link(&temp, path);
        let _ = std::fs::remove_file(&temp);
        linked.map_err(anyhow::Error::from)
    }

    /// Replaces the keys at `path` atomically (after a rotation).
    pub fn replace(&self, path: &Path) -> anyhow::Result<()> {
        let temp = self.write_temp(path)?;
        std::fs::rename(&temp, path).with_context(|| format!("replacing {}", path.display()))
    }

    fn write_temp(&self, path: &Path) -> anyhow::Result<PathBuf> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).map_err(|e| anyhow::anyhow!("random source: {e}"))?;
        let temp = path.with_extension(format!("tmp-{}", u64::from_le_bytes(suffix)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&temp)
            .with_context(|| format!("creating {}", temp.display()))?;
        file.write_all(self.to_text().as_bytes())?;
        file.sync_all()?;
        Ok(temp)
    }
}

/// The key file's form.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    current: u32,
    blind_index: String,
    keys: BTreeMap<String, String>,
}

/// Where the data keys are kept: `keys_file` when configured, else `data-keys.toml` in the data
/// directory.
pub fn keys_file_path(data_dir: &Path, keys_file: Option<&Path>) -> PathBuf {
    keys_file.map_or_else(|| data_dir.join("data-keys.toml"), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_round_trips_and_is_private() {
        let dir = std::env::temp_dir().join(format!("peygir-keys-{}", std::process::id()));
        let path = dir.join("data-keys.toml");
        let _ = std::fs::remove_file(&path);
        let made = Keyring::load(None, &path).unwrap();
        let again = Keyring::load(None, &path).unwrap();
        assert_eq!(made.to_text(), again.to_text(), "made once, then read");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let from_env = Keyring::load(Some(&made.to_text()), Path::new("/nonexistent/keys")).unwrap();
        assert_eq!(from_env.to_text(), made.to_text());
        assert!(Keyring::from_text("current = 2\nblind_index = \"\"\n[keys]\n").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
