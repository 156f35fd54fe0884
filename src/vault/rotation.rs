//! Rotating the data keys while the service runs: a new key becomes current in the key file,
//! every value is re-sealed under it in batches, and keys no value uses any more can then be
//! removed. Instances that meet a value under a key they have not seen read the key file again.

use anyhow::{Context as _, bail};

use super::{Keyring, Vault, sweep};
use crate::app::Application;

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub new_key: u32,
    pub resealed: u64,
    /// Keys no stored value uses any more; `peygir keys prune` removes them.
    pub unused: Vec<u32>,
}

/// The key file the application reads, or why rotation cannot write one.
fn key_file(app: &Application) -> anyhow::Result<std::path::PathBuf> {
    let privacy = &app.config().privacy;
    if privacy.keys.is_some() {
        bail!(
            "the data keys come from PEYGIR_DATA_KEYS; rotate them with a key file (PEYGIR_DATA_KEYS_FILE), \
             or put the new keys in the environment yourself"
        );
    }
    Ok(privacy.keys_path(&app.config().data_dir))
}

fn read(path: &std::path::Path) -> anyhow::Result<Keyring> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Keyring::from_text(&text).with_context(|| format!("in {}", path.display()))
}

/// Adds a new current key and re-seals every stored value under it.
pub async fn rotate(app: &Application) -> anyhow::Result<Rotation> {
    let path = key_file(app)?;
    let mut keys = read(&path)?;
    let new_key = keys.add_current();
    keys.replace(&path)?;
    let vault = Vault::from_file(keys.clone(), path);
    sweep::record_key(app.pool(), &vault, new_key).await?;
    let resealed = sweep::reseal(app.pool(), &vault).await?;
    let in_use = sweep::keys_in_use(app.pool()).await?;
    let unused = keys
        .ids()
        .into_iter()
        .filter(|id| *id != new_key && !in_use.contains(id))
        .collect();
    Ok(Rotation {
        new_key,
        resealed,
        unused,
    })
}

/// Removes from the key file the keys no stored value uses; returns their ids. A key still in
/// use (a value sealed by an instance that had not yet seen the new key) stays: run `rotate`'s
/// re-sealing again, then prune.
pub async fn prune(app: &Application) -> anyhow::Result<Vec<u32>> {
    let path = key_file(app)?;
    let mut keys = read(&path)?;
    let in_use = sweep::keys_in_use(app.pool()).await?;
    let unused: Vec<u32> = keys
        .ids()
        .into_iter()
        .filter(|id| *id != keys.current_id() && !in_use.contains(id))
        .collect();
    for id in &unused {
        keys.remove(*id)?;
    }
    keys.replace(&path)?;
    for id in &unused {
        sweep::forget_key(app.pool(), *id).await?;
    }
    Ok(unused)
}
