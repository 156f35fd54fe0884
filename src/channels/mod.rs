//! Channels translate between a medium and the conversation: Telegram/Bale through teloxide,
//! and the terminal. No business rule lives here.

mod render;
pub mod telegram;
pub mod terminal;

pub use render::{Button, Rendered, parse_button_data, render};
