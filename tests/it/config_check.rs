//! `peygir config check`: the configuration is validated and shown without a database, with
//! every secret masked, and a bad one is refused with the reason.

use crate::support;

use std::process::Command;

/// Runs `peygir config check` on `toml` from an empty folder; (exit success, stdout + stderr).
fn check(toml: &str) -> (bool, String) {
    let path = support::temp_file("bot.toml", toml.as_bytes());
    let output = Command::new(env!("CARGO_BIN_EXE_peygir"))
        .args(["--config", path.to_str().unwrap(), "config", "check"])
        .current_dir(path.parent().unwrap())
        .env("PEYGIR_TELEGRAM_TOKEN", "123456:TOKEN-FROM-ENV")
        // No database anywhere: the check must not need one.
        .env(
            "PEYGIR_DATABASE_URL",
            "postgres://nobody:PASSWORD-IN-URL@127.0.0.1:1/none",
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("the peygir binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn a_valid_configuration_is_shown_with_its_secrets_masked() {
    let toml = support::config_text(|t| t)
        + r#"
[sms.http]
url = "https://sms.example/send?apikey=KEY-IN-URL"
body = '{"to": "{to}", "text": "{text}", "key": "KEY-IN-BODY"}'
headers = { "X-Api-Key" = "KEY-IN-HEADER", "X-Other" = "env:SMS_OTHER" }

[sms.bale_otp]
client_id = "peygir"
client_secret = "BALE-OTP-SECRET"
"#;
    let (ok, text) = check(&toml);
    assert!(ok, "{text}");
    assert!(text.contains("configuration valid: 2 services"), "{text}");
    for secret in [
        "TOKEN-FROM-ENV",
        "PASSWORD-IN-URL",
        "KEY-IN-URL",
        "KEY-IN-BODY",
        "KEY-IN-HEADER",
        "BALE-OTP-SECRET",
    ] {
        assert!(!text.contains(secret), "{secret} is shown:\n{text}");
    }
    assert!(
        text.contains("env:SMS_OTHER"),
        "a header read from the environment names its variable"
    );
}

#[test]
fn a_bad_configuration_is_refused_with_the_reason() {
    let toml = support::config_text(|t| t.replace("max_parts = 3", "max_parts = 0"));
    let (ok, text) = check(&toml);
    assert!(!ok);
    assert!(text.contains("max_parts"), "{text}");
}

#[test]
fn a_generic_gateway_naming_a_line_needs_a_default_line() {
    let toml = support::config_text(|t| t.replace("provider = \"log\"", "provider = \"http\""))
        + r#"
[sms.http]
url = "https://sms.example/send"
body = '{"from": "{line}", "to": "{to}", "text": "{text}"}'
lines = { otp = "20004346" }
"#;
    let (ok, text) = check(&toml);
    assert!(!ok, "{text}");
    assert!(text.contains("sms.http.line is required"), "{text}");
    let (ok, text) = check(&toml.replace(
        "\nlines = { otp = \"20004346\" }",
        "\nline = \"10004346\"\nlines = { otp = \"20004346\" }",
    ));
    assert!(ok, "{text}");
}

#[test]
fn a_cascade_naming_a_gateway_not_configured_is_refused() {
    let cascade = "\n[notices.cascade]\ndecision = [\"chat\", \"safir\", \"log\", \"in-person\"]\n";
    let (ok, text) = check(&(support::config_text(|t| t) + cascade));
    assert!(!ok, "{text}");
    assert!(text.contains("notices.cascade.decision"), "{text}");
    assert!(text.contains("sms.safir.api_key"), "{text}");
    let (ok, text) = check(&(support::config_text(|t| t) + &cascade.replace("\"safir\", ", "")));
    assert!(ok, "{text}");
    let (ok, text) =
        check(&(support::config_text(|t| t) + &cascade.replace("\"chat\", \"safir\"", "\"safir\", \"chat\"")));
    assert!(!ok, "{text}");
    assert!(text.contains("\"chat\" can only be a cascade's first step"), "{text}");
}
