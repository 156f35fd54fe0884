//! Who is signed in: the session cookie, its expiry, and the CSRF token every form carries.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Duration;

use super::respond;
use crate::app::Application;
use crate::store::staff::StaffMember;
use crate::store::staff_sessions::{self, Session};

/// The cookie holding the session's token.
pub const COOKIE_NAME: &str = "peygir_staff";
/// A session unused this long ends: a desk left unattended.
pub const IDLE: Duration = Duration::minutes(30);
/// A session ends this long after sign-in however busy: a working day.
pub const ABSOLUTE: Duration = Duration::hours(12);
/// Failed sign-ins for one name within [`THROTTLE_WINDOW`] past which even the right password
/// is refused until the oldest of them is older than the window.
pub const THROTTLE_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);

/// A signed-in member of staff and their session.
#[derive(Debug, Clone)]
pub struct Signed {
    pub member: StaffMember,
    pub session: Session,
    token: String,
}

impl Signed {
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether a form's CSRF token is this session's. Compared in constant time, so that the
    /// time taken does not give the token away a byte at a time.
    pub fn csrf_matches(&self, presented: &str) -> bool {
        let expected = self.session.csrf_token.as_bytes();
        let presented = presented.as_bytes();
        expected.len() == presented.len() && expected.iter().zip(presented).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// The session token the request's cookie carries.
pub fn token_in(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty() && value.len() <= 128)
}

/// The `Set-Cookie` value that gives the browser `token`. No `Path`: the browser then scopes
/// the cookie to the console's folder, whatever prefix a proxy puts before it. `Secure` when
/// the request came over TLS (a proxy in front says so in `X-Forwarded-Proto`).
pub fn cookie_for(token: &str, headers: &HeaderMap) -> HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        ABSOLUTE.num_seconds()
    ))
    .expect("a hex token makes a valid header")
}

/// The `Set-Cookie` value that makes the browser forget the session.
pub fn cookie_cleared(headers: &HeaderMap) -> HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Max-Age=0{secure}"))
        .expect("a constant makes a valid header")
}

fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// A request with no live session: sent to the sign-in page, told why when it had a session
/// that ended, and told to forget the cookie.
pub struct NotSignedIn {
    prefix: String,
    had_cookie: bool,
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        let target = if self.had_cookie {
            format!("{}/staff/sign-in?ended=1", self.prefix)
        } else {
            format!("{}/staff/sign-in", self.prefix)
        };
        let mut response = respond::see_other(&target);
        if self.had_cookie {
            response
                .headers_mut()
                .insert(SET_COOKIE, cookie_cleared(&HeaderMap::new()));
        }
        response
    }
}

impl FromRequestParts<Application> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Application) -> Result<Self, Self::Rejection> {
        let prefix = app.config().http.path_prefix.clone();
        let Some(token) = token_in(&parts.headers) else {
            return Err(NotSignedIn {
                prefix,
                had_cookie: false,
            }
            .into_response());
        };
        let found = async {
            let mut conn = app.pool().acquire().await?;
            let Some(session) = staff_sessions::take(&mut conn, &token, IDLE).await? else {
                return Ok(None);
            };
            let Some(member) = crate::store::staff::by_id(&mut conn, session.staff_id).await? else {
                return Ok(None);
            };
            anyhow::Ok(Some((member, session)))
        }
        .await;
        match found {
            Ok(Some((member, session))) => Ok(Self { member, session, token }),
            Ok(None) => Err(NotSignedIn {
                prefix,
                had_cookie: true,
            }
            .into_response()),
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "web console: reading a session failed");
                Err(respond::failure())
            }
        }
    }
}

/// A form a signed-in member posted, its `csrf` field checked against their session: a form
/// without it (sent from another site, or from a page of another session) is refused with
/// nothing done. The form's own type need not name the field. It reads the body, so it comes
/// last among a handler's arguments.
pub struct Posted<T> {
    pub signed: Signed,
    pub form: T,
}

/// A form of a button and nothing else (its CSRF token is read by [`Posted`]).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {}

impl<T> axum::extract::FromRequest<Application> for Posted<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: axum::extract::Request, app: &Application) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, app).await?;
        let request = axum::extract::Request::from_parts(parts, body);
        let axum::extract::RawForm(body) = axum::extract::RawForm::from_request(request, app)
            .await
            .map_err(IntoResponse::into_response)?;
        // The token is checked before the form is read: a forged form learns nothing of it.
        let csrf = url::form_urlencoded::parse(&body)
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if !signed.csrf_matches(&csrf) {
            return Err(super::csrf_refused(app, &signed));
        }
        let form = serde_urlencoded::from_bytes(&body).map_err(|err| {
            let answer = (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("the form cannot be read: {err}"),
            );
            answer.into_response()
        })?;
        Ok(Self { signed, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("theme=dark; peygir_staff=abc123; x=y"));
        assert_eq!(token_in(&headers).as_deref(), Some("abc123"));
        headers.insert(COOKIE, HeaderValue::from_static("peygir_staff="));
        assert_eq!(token_in(&headers), None);
    }

    #[test]
    fn the_cookie_is_secure_only_over_tls_and_never_readable_by_scripts() {
        let plain = cookie_for("abc", &HeaderMap::new());
        assert!(plain.to_str().unwrap().contains("HttpOnly; SameSite=Strict"));
        assert!(!plain.to_str().unwrap().contains("Secure"));
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(cookie_for("abc", &proxied).to_str().unwrap().ends_with("; Secure"));
    }
}
