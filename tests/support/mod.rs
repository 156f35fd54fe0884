//! Shared test support: a fresh database per test, the application built the way `main`
//! builds it, an in-process chat driver, and a fake Bot API server.
// Each test binary uses a different part of this module.
#![allow(dead_code, unused_imports)]

pub mod bot_api;
pub mod chat;
pub mod database;
pub mod journeys;
pub mod kavenegar;
pub mod service;

use peygir::app::Application;
use peygir::config::{Config, DEFAULT_TOML};

pub use chat::{Chat, tracking_codes};

/// The repository's locales folder, wherever the test runs from.
pub fn locales_dir() -> String {
    format!("{}/locales", env!("CARGO_MANIFEST_DIR"))
}

/// The shipped configuration with `edit` applied to its text.
pub fn config_text(edit: impl FnOnce(String) -> String) -> String {
    edit(DEFAULT_TOML.to_owned())
}

/// Builds the application on `database_url` from configuration text and extra environment.
pub async fn build_app(database_url: &str, toml: &str, env: &[(&str, String)]) -> Application {
    let lookup = |key: &str| match key {
        "PEYGIR_DATABASE_URL" => Some(database_url.to_owned()),
        "PEYGIR_LOCALES_DIR" => Some(locales_dir()),
        _ => env.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()),
    };
    let (config, catalog) = Config::from_toml(toml, lookup).expect("valid test configuration");
    Application::build(config, catalog)
        .await
        .expect("building the application")
}

/// The application with the shipped configuration on a fresh database.
pub async fn spawn_app() -> (Application, String) {
    let db = database::fresh_database().await;
    let app = build_app(&db, &config_text(|t| t), &[]).await;
    (app, db)
}

/// Writes a small file of the given name into a fresh temp folder and returns its path.
pub fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("peygir-test-files-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn rand_suffix() -> u64 {
    peygir::domain::TrackingCode::generate().to_stored() as u64 % 1_000_000_007
}
