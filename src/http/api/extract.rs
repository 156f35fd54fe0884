//! The API's extractors: bodies, queries and path parameters refused the way every API error
//! is refused (JSON with a stable code and the right status), and a body parsed only after the
//! caller's role has been checked, so that a member who may not act learns nothing of the
//! schema.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::domain::text::{self, TextError};

/// The largest request body read; every staff body is a few kilobytes at most.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON body, read (within [`MAX_BODY_BYTES`]) but not yet parsed.
pub struct Body<T> {
    bytes: Bytes,
    is_json: bool,
    of: PhantomData<fn() -> T>,
}

impl<S: Send + Sync, T> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(is_json_type);
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the body is larger than {MAX_BODY_BYTES} bytes"),
                )
            } else {
                ApiError::bad_request(format!("the body could not be read: {}", rejection.body_text()))
            }
        })?;
        Ok(Self {
            bytes,
            is_json,
            of: PhantomData,
        })
    }
}

impl<T: DeserializeOwned> Body<T> {
    /// The body as `T`: 415 unless it is JSON, 400 when it does not parse, 422 when it parses
    /// but is not a `T` or carries a text that cannot be trusted (see [`text::check_characters`]).
    pub fn parse(self) -> Result<T, ApiError> {
        if !self.is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON, with Content-Type: application/json",
            ));
        }
        let value: serde_json::Value = serde_json::from_slice(&self.bytes).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not JSON: {e}"),
            )
        })?;
        check_texts(&value, "body")?;
        serde_json::from_value(value)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.to_string()))
    }
}

fn is_json_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

/// Refuses any text in `value` (keys included) that `text::check_characters` refuses.
fn check_texts(value: &serde_json::Value, at: &str) -> Result<(), ApiError> {
    let refuse = |at: &str, err: TextError| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_text", format!("{at}: {err}"))
    };
    match value {
        serde_json::Value::String(s) => text::check_characters(s).map_err(|e| refuse(at, e)),
        serde_json::Value::Array(items) => items.iter().try_for_each(|item| check_texts(item, at)),
        serde_json::Value::Object(fields) => fields.iter().try_for_each(|(key, inner)| {
            text::check_characters(key).map_err(|e| refuse(at, e))?;
            check_texts(inner, key)
        }),
        _ => Ok(()),
    }
}

/// An integer field that also takes the JSON forms of a whole number other than an integer
/// literal (`5.0`, `5e3`): JSON Schema's `integer` allows them, and so does the document.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    match number.as_f64() {
        // Below 2^63 in magnitude, so the cast is exact.
        Some(f) if f.fract() == 0.0 && f.abs() < 9.223_372_036_854_775e18 => Ok(f as i64),
        _ => Err(D::Error::custom(format!(
            "{number} is not a whole number within 64 bits"
        ))),
    }
}

/// Query parameters as `T`; 400 with the reason when they do not fit or carry control
/// characters.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message);
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| bad(format!("the query string does not parse: {}", rejection.body_text())))?;
        for (name, value) in &pairs {
            text::check_characters(name)
                .and_then(|()| text::check_characters(value))
                .map_err(|e| bad(format!("{name}: {e}")))?;
        }
        let Query(value) = Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| bad(rejection.body_text()))?;
        Ok(Self(value))
    }
}

/// Path parameters as `T`; 400 when they do not fit (a word where an id goes).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::new(StatusCode::BAD_REQUEST, "bad_path", rejection.body_text()))?;
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_its_suffixed_types_count_as_json() {
        assert!(is_json_type("application/json"));
        assert!(is_json_type("Application/JSON; charset=utf-8"));
        assert!(is_json_type("application/merge-patch+json"));
        assert!(!is_json_type("text/plain"));
        assert!(!is_json_type("application/x-www-form-urlencoded"));
    }

    #[test]
    fn whole_numbers_are_taken_in_any_json_form() {
        #[derive(serde::Deserialize)]
        struct Id(#[serde(deserialize_with = "whole_number")] i64);
        let read = |json: &str| serde_json::from_str::<Id>(json).map(|Id(n)| n);
        assert_eq!(read("-262143").unwrap(), -262143);
        assert_eq!(read("-262143.0").unwrap(), -262143);
        assert_eq!(read("5e3").unwrap(), 5000);
        assert_eq!(read("9223372036854775807").unwrap(), i64::MAX);
        assert!(read("1.5").is_err());
        assert!(read("1e19").is_err());
        assert!(read("\"5\"").is_err());
    }

    #[test]
    fn untrusted_text_anywhere_in_a_body_is_refused() {
        let body: Body<serde_json::Value> = Body {
            bytes: Bytes::from_static(b"{\"a\": [\"ok\", {\"b\": \"x\\u0000y\"}]}"),
            is_json: true,
            of: PhantomData,
        };
        let err = body.parse().unwrap_err();
        assert_eq!(
            (err.status, err.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_text")
        );
        assert!(err.message.starts_with("b:"), "{}", err.message);
    }
}
