//! A provider reached by one HTTP request per message, described in `bot.toml` by URL, method,
//! body template and headers: most Iranian SMS panels have such an endpoint.

use std::time::Duration;

use anyhow::{Context as _, bail};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use super::{Accepted, Report, Sms, SmsError, client, transport_error};
use crate::sms::class::{Lines, line_for};
use crate::sms::config::HttpGatewayConfig;

#[derive(Clone)]
pub struct HttpGateway {
    http: reqwest::Client,
    url: url::Url,
    method: Method,
    body: String,
    escape: Escape,
    headers: HeaderMap,
    id_pointer: Option<String>,
    line: Option<String>,
    lines: Lines<String>,
}

impl std::fmt::Debug for HttpGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Headers and URL may carry credentials.
        f.debug_struct("HttpGateway")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// How values are written into the body template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    Json,
    Form,
}

impl HttpGateway {
    pub fn new(config: &HttpGatewayConfig) -> anyhow::Result<Self> {
        let method = Method::from_bytes(config.method.to_ascii_uppercase().as_bytes()).context("sms.http.method")?;
        let escape = match config.content_type.as_str() {
            t if t.contains("json") => Escape::Json,
            t if t.contains("x-www-form-urlencoded") => Escape::Form,
            other => bail!("sms.http.content_type {other:?}: JSON or application/x-www-form-urlencoded"),
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(&config.content_type)?);
        for (name, value) in &config.headers {
            let value = match value.strip_prefix("env:") {
                Some(var) => {
                    std::env::var(var).with_context(|| format!("sms.http.headers.{name}: ${var} is not set"))?
                }
                None => value.clone(),
            };
            let mut value = HeaderValue::from_str(&value).with_context(|| format!("sms.http.headers.{name}"))?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_bytes(name.as_bytes())?, value);
        }
        Ok(Self {
            http: client()?,
            url: url::Url::parse(&config.url).context("sms.http.url")?,
            method,
            body: config.body.clone(),
            escape,
            headers,
            id_pointer: config.id_pointer.clone(),
            line: config.line.clone(),
            lines: config.lines.clone(),
        })
    }

    fn render(&self, sms: &Sms) -> String {
        let escape = |value: &str| match self.escape {
            // A JSON string literal without its quotes: the template supplies them.
            Escape::Json => {
                let quoted = serde_json::to_string(value).expect("strings serialise");
                quoted[1..quoted.len() - 1].to_owned()
            }
            Escape::Form => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        };
        let line = line_for(&self.lines, self.line.as_ref(), sms.class).map_or("", String::as_str);
        self.body
            .replace("{line}", &escape(line))
            .replace("{to_e164}", &escape(sms.to.e164()))
            .replace("{to}", &escape(&sms.to.local()))
            .replace("{id}", &sms.local_id.to_string())
            .replace("{text}", &escape(&sms.text))
    }

    /// Sends one message: the provider takes one per request.
    pub async fn send_one(&self, sms: &Sms) -> Result<Accepted, SmsError> {
        let response = self
            .http
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone())
            .body(self.render(sms))
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        if status.as_u16() == 429 {
            let wait = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(30);
            return Err(SmsError::RetryAfter(Duration::from_secs(wait)));
        }
        let body = response.bytes().await.map_err(transport_error)?;
        if status.is_server_error() || status.as_u16() == 408 {
            return Err(SmsError::Temporary(format!("provider answered HTTP {status}")));
        }
        if matches!(status.as_u16(), 401..=403) {
            return Err(SmsError::Unavailable(format!("provider answered HTTP {status}")));
        }
        if !status.is_success() {
            let detail: String = String::from_utf8_lossy(&body).chars().take(200).collect();
            return Err(SmsError::Permanent(format!(
                "provider answered HTTP {status}: {detail}"
            )));
        }
        let provider_id = self.id_pointer.as_deref().and_then(|pointer| {
            let json: serde_json::Value = serde_json::from_slice(&body).ok()?;
            match json.pointer(pointer)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        });
        Ok(Accepted {
            provider_id,
            state: Report::Sent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PhoneNumber;
    use crate::sms::class::MessageClass;

    fn gateway(content_type: &str, body: &str) -> HttpGateway {
        HttpGateway::new(&HttpGatewayConfig {
            url: "http://127.0.0.1:1/send".into(),
            method: "post".into(),
            body: body.into(),
            content_type: content_type.into(),
            headers: Default::default(),
            id_pointer: None,
            line: Some("10004346".into()),
            lines: Lines::from([(MessageClass::Otp, "20004346".into())]),
        })
        .unwrap()
    }

    fn sms(text: &str) -> Sms {
        Sms {
            local_id: 42,
            to: PhoneNumber::parse("09121234567").unwrap(),
            text: text.into(),
            one_time_code: None,
            class: MessageClass::Service,
        }
    }

    #[test]
    fn each_class_goes_from_its_own_line_or_the_default() {
        let g = gateway("application/x-www-form-urlencoded", "from={line}&to={to}&text={text}");
        let code = Sms {
            class: MessageClass::Otp,
            ..sms("123456")
        };
        assert_eq!(g.render(&code), "from=20004346&to=09121234567&text=123456");
        let broadcast = Sms {
            class: MessageClass::Informational,
            ..sms("x")
        };
        assert_eq!(g.render(&broadcast), "from=10004346&to=09121234567&text=x");
    }

    #[test]
    fn json_templates_escape_quotes_and_newlines() {
        let g = gateway("application/json", r#"{"to":"{to}","msg":"{text}","ref":{id}}"#);
        let body = g.render(&sms("say \"hi\"\nسلام"));
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["msg"], "say \"hi\"\nسلام");
        assert_eq!(parsed["to"], "09121234567");
        assert_eq!(parsed["ref"], 42);
    }

    #[test]
    fn form_templates_encode_values() {
        let g = gateway("application/x-www-form-urlencoded", "to={to_e164}&text={text}");
        assert_eq!(g.render(&sms("a b&c")), "to=%2B989121234567&text=a+b%26c");
    }
}
