//! Applicants' data sealed at rest. Every value an applicant typed or sent is stored sealed with
//! XChaCha20-Poly1305 under the current data key; the associated data binds it to its table,
//! column and row, so a sealed value copied to another row or column does not open. Each sealed
//! value starts with the id of its key, so keys can be rotated online (`peygir keys rotate`).
//! Values looked up by equality (a mobile number, for an inbound opt-out) also get a blind
//! index: an HMAC under a key of its own, which finds the row without revealing the value.
//!
//! Values purged on their own clock (a request's documents, a complaint's words) are sealed
//! under a key derived from the data key and an [`ItemSecret`] kept in `shred_keys`, a table
//! the backups leave out. Deleting the secret when the values are purged leaves them
//! unreadable in every older backup as well ("crypto-shredding").

mod keys;
pub mod rotation;
pub mod sweep;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use keys::{KeyFile, Keyring, keys_file_path};

/// The layout of a sealed value: 1 byte version, 4 bytes data key id, 24 bytes nonce, then the
/// ciphertext with its tag. Version 1 is sealed under the data key itself, version 2
/// ([`ITEM_SEALED`]) under a key derived from it and an item's secret.
const VERSION: u8 = 1;
const ITEM_SEALED: u8 = 2;
const HEADER: usize = 1 + 4 + 24;

/// An item's own secret, which its sealed values need besides the data key. Meaningless
/// without the data key; kept in `shred_keys` and deleted when the item's data is purged.
pub struct ItemSecret(zeroize::Zeroizing<[u8; 32]>);

impl ItemSecret {
    pub fn generate() -> Self {
        let mut secret = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut()).expect("the OS random source is available");
        Self(secret)
    }

    /// The secret as stored; `None` when the bytes are not one.
    pub fn from_stored(bytes: &[u8]) -> Option<Self> {
        let secret: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(zeroize::Zeroizing::new(secret)))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// The key values of this item are sealed with under data key `key`.
    fn key_under(&self, key: &[u8; 32]) -> zeroize::Zeroizing<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(b"peygir item key:");
        mac.update(self.as_bytes());
        zeroize::Zeroizing::new(mac.finalize().into_bytes().into())
    }
}

impl std::fmt::Debug for ItemSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ItemSecret(…)")
    }
}

/// Where a sealed value lives: the table, the column and the row's own identity (its tracking
/// code or id, as [`sweep::SEALED`] names it for each column).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row: &'a str,
}

impl<'a> Place<'a> {
    pub fn new(table: &'static str, column: &'static str, row: &'a str) -> Self {
        Self { table, column, row }
    }

    fn associated_data(&self) -> Vec<u8> {
        format!("peygir/{VERSION}:{}.{}:{}", self.table, self.column, self.row).into_bytes()
    }
}

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value needs data key {0}, which is not in the key file")]
    UnknownKey(u32),
    #[error("the sealed value does not open here: a wrong key, or a value moved from another row or column")]
    Forged,
    #[error("the opened value is not what was sealed there: {0}")]
    Decode(String),
    #[error("the value was sealed for an item whose secret is gone: its data was purged")]
    Shredded,
}

/// Seals and opens applicants' data with the keys of a [`Keyring`]. Cheap to clone.
#[derive(Clone)]
pub struct Vault {
    keys: Arc<RwLock<Arc<Keyring>>>,
    /// The key file the keys came from, read again when a value needs a key this process has
    /// not seen (another process rotated the keys).
    file: Option<PathBuf>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("current_key", &self.current_key())
            .finish_non_exhaustive()
    }
}

impl Vault {
    pub fn new(keys: Keyring) -> Self {
        Self {
            keys: Arc::new(RwLock::new(Arc::new(keys))),
            file: None,
        }
    }

    /// Keys read from `file`, which is read again when a value needs a key not yet seen.
    pub fn from_file(keys: Keyring, file: PathBuf) -> Self {
        Self {
            file: Some(file),
            ..Self::new(keys)
        }
    }

    fn keyring(&self) -> Arc<Keyring> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the key file again; false when there is none or it does not read.
    fn reload(&self) -> bool {
        let Some(file) = &self.file else {
            return false;
        };
        match std::fs::read_to_string(file)
            .map_err(anyhow::Error::from)
            .and_then(|t| Keyring::from_text(&t))
        {
            Ok(keys) => {
                *self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
                true
            }
            Err(err) => {
                tracing::error!(error = format!("{err:#}"), "reading the data keys again failed");
                false
            }
        }
    }

    /// The id of the key new values are sealed with.
    pub fn current_key(&self) -> u32 {
        self.keyring().current_id()
    }

    /// `plaintext` sealed for `place` under the current key.
    pub fn seal(&self, place: Place<'_>, plaintext: &[u8]) -> Vec<u8> {
        let keys = self.keyring();
        let (id, key) = keys.current();
        seal_with(VERSION, id, key, place, plaintext)
    }

    /// `plaintext` sealed for `place` under the current key and `item`'s secret: it opens
    /// only while the secret is kept.
    pub fn seal_for(&self, place: Place<'_>, item: &ItemSecret, plaintext: &[u8]) -> Vec<u8> {
        let keys = self.keyring();
        let (id, key) = keys.current();
        seal_with(ITEM_SEALED, id, &item.key_under(key), place, plaintext)
    }

    /// Opens what [`Vault::seal`] sealed for the same `place`.
    pub fn open(&self, place: Place<'_>, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.open_for(place, None, sealed)
    }

    /// Opens what [`Vault::seal`] or [`Vault::seal_for`] sealed for the same `place`; the
    /// latter needs its item's secret.
    pub fn open_for(&self, place: Place<'_>, item: Option<&ItemSecret>, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        let id = key_id(sealed).ok_or(VaultError::Malformed)?;
        let mut keys = self.keyring();
        if keys.get(id).is_none() && self.reload() {
            keys = self.keyring();
        }
        let key = keys.get(id).ok_or(VaultError::UnknownKey(id))?;
        let derived;
        let key = match (sealed[0], item) {
            (VERSION, _) => key,
            (_, Some(item)) => {
                derived = item.key_under(key);
                &*derived
            }
            (_, None) => return Err(VaultError::Shredded),
        };
        let cipher = XChaCha20Poly1305::new(key.into());
        let aad = place.associated_data();
        cipher
            .decrypt(
                XNonce::from_slice(&sealed[5..HEADER]),
                Payload {
                    msg: &sealed[HEADER..],
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Forged)
    }

    /// Whether `sealed` was sealed for an item ([`Vault::seal_for`]).
    pub fn is_item_sealed(sealed: &[u8]) -> bool {
        sealed.first() == Some(&ITEM_SEALED)
    }

    pub fn seal_text(&self, place: Place<'_>, text: &str) -> Vec<u8> {
        self.seal(place, text.as_bytes())
    }

    pub fn open_text(&self, place: Place<'_>, sealed: &[u8]) -> Result<String, VaultError> {
        self.open_text_for(place, None, sealed)
    }

    pub fn seal_text_for(&self, place: Place<'_>, item: &ItemSecret, text: &str) -> Vec<u8> {
        self.seal_for(place, item, text.as_bytes())
    }

    pub fn open_text_for(
        &self,
        place: Place<'_>,
        item: Option<&ItemSecret>,
        sealed: &[u8],
    ) -> Result<String, VaultError> {
        String::from_utf8(self.open_for(place, item, sealed)?).map_err(|e| VaultError::Decode(e.to_string()))
    }

    pub fn seal_json<T: serde::Serialize>(&self, place: Place<'_>, value: &T) -> Vec<u8> {
        self.seal(place, &serde_json::to_vec(value).expect("our types serialise"))
    }

    pub fn open_json<T: serde::de::DeserializeOwned>(&self, place: Place<'_>, sealed: &[u8]) -> Result<T, VaultError> {
        serde_json::from_slice(&self.open(place, sealed)?).map_err(|e| VaultError::Decode(e.to_string()))
    }

    /// A fingerprint of data key `id`, to recognise it by without revealing it.
    pub fn fingerprint(&self, id: u32) -> Option<Vec<u8>> {
        let keys = self.keyring();
        let key = keys.get(id)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(b"peygir data key fingerprint");
        Some(mac.finalize().into_bytes().to_vec())
    }

    /// The ids of the keys held.
    pub fn key_ids(&self) -> Vec<u32> {
        self.keyring().ids()
    }

    /// The blind index of `value` among values of `kind` (e.g. `mobile`): equal values give
    /// equal indexes, and the index says nothing of the value without the index key.
    pub fn blind_index(&self, kind: &str, value: &str) -> Vec<u8> {
        let keys = self.keyring();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(keys.blind_index_key()).expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The id of the data key a sealed value was sealed with; `None` when it is not a sealed value.
pub fn key_id(sealed: &[u8]) -> Option<u32> {
    if sealed.len() <= HEADER || !matches!(sealed[0], VERSION | ITEM_SEALED) {
        return None;
    }
    Some(u32::from_be_bytes(sealed[1..5].try_into().ok()?))
}

/// `plaintext` sealed for `place` under `key`, in layout `version`, naming data key `id`.
fn seal_with(version: u8, id: u32, key: &[u8; 32], place: Place<'_>, plaintext: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).expect("the OS random source is available");
    let cipher = XChaCha20Poly1305::new(key.into());
    let aad = place.associated_data();
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .expect("sealing in memory does not fail");
    let mut out = Vec::with_capacity(HEADER + sealed.len());
    out.push(version);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::new(Keyring::generate())
    }

    #[test]
    fn a_sealed_value_opens_only_in_its_own_place() {
        let vault = vault();
        let here = Place::new("requests", "answers", "123");
        let sealed = vault.seal_text(here, "0499370899");
        assert_eq!(vault.open_text(here, &sealed).unwrap(), "0499370899");
        assert!(!sealed.windows(10).any(|w| w == b"0499370899"));
        for elsewhere in [
            Place::new("requests", "answers", "124"),
            Place::new("requests", "notes", "123"),
            Place::new("complaints", "answers", "123"),
        ] {
            assert!(matches!(vault.open(elsewhere, &sealed), Err(VaultError::Forged)));
        }
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(matches!(vault.open(here, &tampered), Err(VaultError::Forged)));
        assert!(matches!(vault.open(here, b"plain"), Err(VaultError::Malformed)));
    }

    #[test]
    fn values_sealed_under_an_old_key_open_after_rotation_and_new_ones_use_the_new_key() {
        let mut keys = Keyring::generate();
        let old = Vault::new(keys.clone());
        let place = Place::new("dialogues", "dialogue", "7");
        let sealed = old.seal_text(place, "draft");
        keys.add_current();
        let rotated = Vault::new(keys.clone());
        assert_eq!(rotated.open_text(place, &sealed).unwrap(), "draft");
        assert_eq!(key_id(&rotated.seal_text(place, "x")), Some(rotated.current_key()));
        assert_ne!(key_id(&sealed), Some(rotated.current_key()));
        keys.remove(key_id(&sealed).unwrap()).unwrap();
        let pruned = Vault::new(keys);
        assert!(matches!(pruned.open(place, &sealed), Err(VaultError::UnknownKey(_))));
    }

    #[test]
    fn an_item_sealed_value_needs_its_secret_and_survives_rotation() {
        let mut keys = Keyring::generate();
        let vault = Vault::new(keys.clone());
        let place = Place::new("documents", "content", "9");
        let (item, other) = (ItemSecret::generate(), ItemSecret::generate());
        let sealed = vault.seal_for(place, &item, b"scan");
        assert!(Vault::is_item_sealed(&sealed));
        assert_eq!(vault.open_for(place, Some(&item), &sealed).unwrap(), b"scan");
        assert!(matches!(vault.open(place, &sealed), Err(VaultError::Shredded)));
        assert!(matches!(
            vault.open_for(place, Some(&other), &sealed),
            Err(VaultError::Forged)
        ));
        assert!(matches!(
            vault.open_for(Place::new("documents", "content", "10"), Some(&item), &sealed),
            Err(VaultError::Forged)
        ));
        // The data key alone does not open it: the item key is not the data key.
        let plain_attempt = Vault::new(keys.clone());
        let mut as_v1 = sealed.clone();
        as_v1[0] = VERSION;
        assert!(matches!(plain_attempt.open(place, &as_v1), Err(VaultError::Forged)));
        // A rotated key still opens it with the secret; the secret is the same.
        keys.add_current();
        let rotated = Vault::new(keys);
        assert_eq!(rotated.open_for(place, Some(&item), &sealed).unwrap(), b"scan");
        let resealed = rotated.seal_for(place, &item, b"scan");
        assert_eq!(key_id(&resealed), Some(rotated.current_key()));
        let stored = ItemSecret::from_stored(item.as_bytes()).unwrap();
        assert_eq!(rotated.open_for(place, Some(&stored), &resealed).unwrap(), b"scan");
    }

    #[test]
    fn the_blind_index_is_stable_and_keyed() {
        let (a, b) = (vault(), vault());
        assert_eq!(
            a.blind_index("mobile", "+989121234567"),
            a.blind_index("mobile", "+989121234567")
        );
        assert_ne!(
            a.blind_index("mobile", "+989121234567"),
            a.blind_index("mobile", "+989121234568")
        );
        assert_ne!(
            a.blind_index("mobile", "+989121234567"),
            b.blind_index("mobile", "+989121234567")
        );
    }
}
