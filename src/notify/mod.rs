//! Delivering outbox notices: the chat dispatcher and the senders it delivers through, the SMS
//! dispatcher, and the pacing both keep to the providers' limits.

pub mod dispatcher;
pub mod pace;
pub mod sender;
pub mod sms;

pub use dispatcher::{ChatLimits, Dispatcher, DispatcherSettings};
pub use sender::{ChatSender, SendError};
pub use sms::SmsDispatcher;
