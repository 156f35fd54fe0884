//! peygir: requests, tracking codes and complaints for a finance directorate's e-services,
//! over Telegram, Bale and a terminal chat, with PostgreSQL holding every fact.

pub mod app;
pub mod broadcast;
pub mod channels;
pub mod config;
pub mod conversation;
pub mod deadlines;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod maintenance;
pub mod notify;
pub mod office;
pub mod outage;
pub mod privacy;
pub mod retention;
pub mod scheduler;
pub mod server;
pub mod sla;
pub mod sms;
pub mod staff;
pub mod staff_chat;
pub mod store;
pub mod vault;
pub mod web;
pub mod workflow;
