//! Staff passwords for the web console: checked for length on the way in, kept only as
//! argon2id hashes in the PHC string form (which carries its parameters and salt, so they can
//! be raised later without invalidating older hashes).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};

/// NIST SP 800-63B asks for at least eight; a console that can move every request deserves
/// more.
pub const MIN_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing cannot be made to cost much.
pub const MAX_CHARS: usize = 256;

/// A password as typed, of an acceptable length. Its text is wiped when dropped.
pub struct Password(SecretString);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_CHARS} characters")]
    TooShort,
    #[error("a password may have at most {MAX_CHARS} characters")]
    TooLong,
}

impl Password {
    pub fn new(text: &str) -> Result<Self, PasswordError> {
        let chars = text.chars().count();
        if chars < MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > MAX_CHARS {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(SecretString::from(text)))
        }
    }

    /// A new random password: 20 characters from an alphabet without look-alikes (no 0/O,
    /// 1/l/I), about 115 bits, easy to copy by hand from a screen.
    pub fn generate() -> anyhow::Result<String> {
        const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("drawing a password from the OS random source: {e}"))?;
        // 256 is not a multiple of the alphabet's 57 letters; the bias this leaves (under 1 %
        // per letter) costs a fraction of a bit.
        Ok(bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect())
    }

    /// The argon2id hash to store, with a fresh salt and the crate's recommended parameters
    /// (19 MiB, two passes: OWASP's first choice).
    pub fn hash(&self) -> anyhow::Result<String> {
        let salt = fresh_salt()?;
        Argon2::default()
            .hash_password(self.0.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    }
}

/// Whether `typed` matches `stored`. With no stored hash (no such member, or none set) a hash
/// is still computed, so that the time taken does not tell which names exist.
pub fn verify(stored: Option<&str>, typed: &str) -> bool {
    let stored = stored.and_then(|s| PasswordHash::new(s).ok());
    match stored {
        Some(hash) => Argon2::default().verify_password(typed.as_bytes(), &hash).is_ok(),
        None => {
            if let Ok(salt) = fresh_salt() {
                let _ = Argon2::default().hash_password(typed.as_bytes(), &salt);
            }
            false
        }
    }
}

/// Sixteen bytes from the OS, the salt length the PHC format recommends.
fn fresh_salt() -> anyhow::Result<SaltString> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("drawing a salt from the OS random source: {e}"))?;
    SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("encoding a salt: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = Password::new("a long enough passphrase").unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify(Some(&hash), "a long enough passphrase"));
        assert!(!verify(Some(&hash), "a long enough passphrasE"));
        assert!(!verify(None, "a long enough passphrase"));
        assert!(!verify(Some("not a hash"), "a long enough passphrase"));
    }

    #[test]
    fn lengths_are_checked_in_characters() {
        assert_eq!(Password::new("short").err(), Some(PasswordError::TooShort));
        // Twelve Persian letters are 24 bytes but twelve characters: long enough.
        assert!(Password::new("رمزعبورطولانی").is_ok());
        assert_eq!(
            Password::new(&"x".repeat(MAX_CHARS + 1)).err(),
            Some(PasswordError::TooLong)
        );
    }
}
