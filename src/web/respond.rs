//! Responses the console sends: pages with the headers that keep them private and unframed,
//! and redirects.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::Markup;

/// The page's own styles and nothing else: no script runs, no other site frames or receives
/// a form, and no page is cached (they hold applicants' data).
const POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
                      form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn page(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    private(headers);
    response
}

/// The headers every console response carries.
pub fn private(headers: &mut axum::http::HeaderMap) {
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
}

/// After a form: go to `location` with a GET, so a reload does not send the form again.
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    private(response.headers_mut());
    response
}

/// An unexpected failure, in both languages (the session, and so the language, may be what
/// failed). What went wrong is in the log, never on the page.
pub fn failure() -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        maud::html! {
            (maud::DOCTYPE)
            html lang="fa" dir="rtl" {
                head { meta charset="utf-8"; title { "خطا — Error" } }
                body {
                    p { "خطایی پیش آمد و کاری انجام نشد. کمی بعد دوباره امتحان کنید." }
                    p lang="en" dir="ltr" { "Something went wrong and nothing was done. Try again in a moment." }
                }
            }
        },
    )
}
