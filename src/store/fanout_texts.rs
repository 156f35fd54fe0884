//! The text of a fan-out, as its claimed copies read it. A broadcast's text is kept once for
//! all its copies (`fanout_messages`); a claim reads it once too, rather than looking it up,
//! sending it and parsing it again for each of the thousand copies it claims.

use std::collections::HashMap;

use anyhow::Context as _;
use sqlx::PgPool;
use sqlx::types::Json;

use crate::i18n::Msg;

/// The texts of the fan-outs that some claimed notices are copies of, by fan-out id.
#[derive(Debug, Default)]
pub struct FanoutTexts(HashMap<i64, Msg>);

impl FanoutTexts {
    /// Reads the text of each fan-out of `ids` once. Reading after the claim's own statement
    /// reads what the claim would have: a fan-out's text is never changed, and the service may
    /// not delete one.
    pub async fn read(pool: &PgPool, ids: impl IntoIterator<Item = Option<i64>>) -> sqlx::Result<Self> {
        let mut ids: Vec<i64> = ids.into_iter().flatten().collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Self::default());
        }
        let texts: Vec<(i64, Json<Msg>)> = sqlx::query_as("SELECT id, message FROM fanout_messages WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(pool)
            .await?;
        Ok(Self(texts.into_iter().map(|(id, text)| (id, text.0)).collect()))
    }

    /// A claimed notice's message in the clear: its own, else its fan-out's.
    pub fn message(&self, own: Option<Json<Msg>>, fanout: Option<i64>) -> anyhow::Result<Msg> {
        match (own, fanout) {
            (Some(own), _) => Ok(own.0),
            (None, Some(id)) => self
                .0
                .get(&id)
                .cloned()
                .with_context(|| format!("the text of fan-out {id} was not read")),
            // The table refuses such a row (`notifications_message_kept`).
            (None, None) => anyhow::bail!("a notice with neither a message nor a fan-out"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> FanoutTexts {
        FanoutTexts(HashMap::from([(7, Msg::new("broadcast"))]))
    }

    #[test]
    fn a_notice_reads_its_own_message_before_its_fanouts() {
        let own = texts().message(Some(Json(Msg::new("own"))), Some(7)).unwrap();
        assert_eq!(own.id, "own");
        assert_eq!(texts().message(None, Some(7)).unwrap().id, "broadcast");
    }

    #[test]
    fn a_fanout_not_read_is_an_error_not_an_empty_message() {
        let err = texts().message(None, Some(8)).unwrap_err();
        assert!(err.to_string().contains("fan-out 8"), "{err}");
        assert!(texts().message(None, None).is_err());
    }
}
