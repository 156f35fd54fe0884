//! Handing out tracking codes, unique across requests and complaints.

use super::Tx;
use crate::domain::TrackingCode;

/// Draws codes until one is free and records it. With 10^17 codes a retry is all but
/// impossible, but the promise is uniqueness, so the database decides.
pub async fn allocate(tx: &mut Tx<'_>, kind: &str) -> sqlx::Result<TrackingCode> {
    loop {
        let code = TrackingCode::generate();
        let inserted = sqlx::query("INSERT INTO tracking_codes (code, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(code.to_stored())
            .bind(kind)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if inserted == 1 {
            return Ok(code);
        }
    }
}
