//! Delivering outbox notices: the dispatcher and the chat senders it delivers through.

pub mod dispatcher;
pub mod sender;

pub use dispatcher::{Dispatcher, DispatcherSettings};
pub use sender::{ChatSender, SendError};
