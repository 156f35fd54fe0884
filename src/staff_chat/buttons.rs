//! Button data for the staff chat. A Telegram client can send any callback data it likes, so
//! each button names its subject, the subject's version when the button was drawn, and a slot
//! among the actions offered then, signed with a key kept in the database: data cannot be made
//! up or edited to point at another request, and the version makes a button from an old card
//! refuse to act once the request has moved on.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

/// Bytes of the HMAC kept in the data: 64 bits, far beyond guessing through a chat, and the data
/// stays within the Bot API's 64-byte limit whatever the ids.
const MAC_BYTES: usize = 8;

/// What a button acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Request(i64),
    Complaint(i64),
    Broadcast(i64),
}

/// A staff button: the subject, its version when drawn, and which of the offered actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Button {
    pub subject: Subject,
    pub version: i64,
    pub slot: u8,
}

/// Signs and checks button data.
#[derive(Clone)]
pub struct ButtonSigner {
    key: [u8; 32],
}

impl ButtonSigner {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The signer with this database's key, made on first use; every instance shares it.
    pub async fn load(pool: &PgPool) -> anyhow::Result<Self> {
        let mut conn = pool.acquire().await?;
        let key = crate::store::secrets::key(&mut conn, "staff-buttons").await?;
        Ok(Self::new(key))
    }

    /// The callback data for a button: `r.ID.VERSION.SLOT.MAC` (`c.` for a complaint, `b.` for
    /// a broadcast).
    pub fn encode(&self, button: Button) -> String {
        let body = body(button);
        let mac = self.mac(&body).finalize().into_bytes();
        format!("{body}.{}", hex(&mac[..MAC_BYTES]))
    }

    /// The button, if the data is well-formed and signed with our key.
    pub fn decode(&self, data: &str) -> Option<Button> {
        let (body, mac) = data.rsplit_once('.')?;
        let mut parts = body.split('.');
        let kind = parts.next()?;
        let id: i64 = parts.next()?.parse().ok()?;
        let version: i64 = parts.next()?.parse().ok()?;
        let slot: u8 = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        let subject = match kind {
            "r" => Subject::Request(id),
            "c" => Subject::Complaint(id),
            "b" => Subject::Broadcast(id),
            _ => return None,
        };
        let button = Button { subject, version, slot };
        // Re-encoding guards against equivalent spellings ("+1", "01") of the signed numbers.
        if body != self::body(button) {
            return None;
        }
        let mac = unhex(mac)?;
        self.mac(body).verify_truncated_left(&mac).ok()?;
        Some(button)
    }

    fn mac(&self, body: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(body.as_bytes());
        mac
    }
}

fn body(button: Button) -> String {
    let (kind, id) = match button.subject {
        Subject::Request(id) => ("r", id),
        Subject::Complaint(id) => ("c", id),
        Subject::Broadcast(id) => ("b", id),
    };
    format!("{kind}.{id}.{}.{}", button.version, button.slot)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != MAC_BYTES * 2 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> ButtonSigner {
        ButtonSigner::new([7; 32])
    }

    #[test]
    fn a_signed_button_round_trips_within_the_bot_api_limit() {
        let button = Button {
            subject: Subject::Request(i64::MAX),
            version: i64::MAX,
            slot: u8::MAX,
        };
        let data = signer().encode(button);
        assert!(data.len() <= 64, "{} bytes: {data}", data.len());
        assert_eq!(signer().decode(&data), Some(button));
    }

    #[test]
    fn edited_data_is_refused() {
        let data = signer().encode(Button {
            subject: Subject::Request(41),
            version: 9,
            slot: 0,
        });
        let (body, mac) = data.rsplit_once('.').unwrap();
        for forged in [
            body.replace("r.41.", "r.42."),
            body.replace("r.41.", "c.41."),
            body.replace(".9.", ".10."),
            body.replace(".0", ".1"),
            body.replace("r.41.", "r.+41."),
            body.replace("r.41.", "r.041."),
        ] {
            assert_eq!(signer().decode(&format!("{forged}.{mac}")), None, "{forged}");
        }
        let mut flipped = mac.to_owned().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(signer().decode(&format!("{body}.{flipped}")), None);
        assert_eq!(ButtonSigner::new([8; 32]).decode(&data), None, "another key");
        for junk in [
            "",
            "r",
            "r.1.2.3",
            "r.1.2.3.zz",
            "x.1.2.3.0011223344556677",
            "menu:submit",
        ] {
            assert_eq!(signer().decode(junk), None, "{junk}");
        }
    }
}
