//! Delivering outbox notices: the chat dispatcher and the senders it delivers through, the SMS
//! dispatcher, and the pacing both keep to the providers' limits.

pub mod budget;
pub mod cascade;
mod chat_pace;
pub mod dispatcher;
pub mod kind;
mod order;
pub mod pace;
mod replies;
pub mod sender;
pub mod sms;

pub use budget::{Budget, Lane, SlotSource};
pub use dispatcher::{ChatLimits, Dispatcher, DispatcherSettings};
pub use sender::{ChatSender, SendError};
pub use sms::SmsDispatcher;
