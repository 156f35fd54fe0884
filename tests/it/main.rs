//! The integration tests, in one binary: each file below was a test binary of its own, and
//! each compiled the shared support again and linked the whole service again. One crate
//! compiles the support once and links once. `tests/under_load.rs` stays apart: its tests
//! measure sends against Telegram's limit and must not share the machine with these.

mod support;

mod access;
mod api_input;
mod backup_restore;
mod bidi;
mod broadcasts;
mod confidentiality;
mod config_check;
mod conversation_journeys;
mod crash_recovery;
mod deadlines;
mod dispatcher;
mod domain_properties;
mod metrics;
mod outages;
mod retention;
mod scheduler;
mod service_status;
mod sla;
mod sms;
mod staff_api;
mod staff_chat;
mod staff_core;
mod telegram_bot;
mod terminal_chat;
mod web_console;
mod workflow_walk;
