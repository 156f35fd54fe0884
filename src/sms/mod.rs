//! SMS: gateways, text measuring, quiet hours, and their configuration. The outbox and the
//! dispatcher decide what to send; this module knows how.

pub mod class;
pub mod compose;
pub mod config;
pub mod gateway;
mod opt_out;
pub mod quiet;
pub mod text;

pub use gateway::{Accepted, Gateway, Gateways, Report, Sms, SmsError};
pub use opt_out::is_opt_out;
