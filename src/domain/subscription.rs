//! How an applicant chose to hear about one service's announcements (maintenance, outages,
//! broadcasts).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channels {
    None,
    Chat,
    /// Chat, and SMS too while SMS notices are on.
    ChatSms,
}

impl Channels {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Chat => "chat",
            Self::ChatSms => "chat-sms",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(Self::None),
            "chat" => Some(Self::Chat),
            "chat-sms" => Some(Self::ChatSms),
            _ => None,
        }
    }

    /// The setting a press on the service's button moves to: off, chat, chat and SMS, off.
    pub fn next(self) -> Self {
        match self {
            Self::None => Self::Chat,
            Self::Chat => Self::ChatSms,
            Self::ChatSms => Self::None,
        }
    }

    /// The message naming the setting.
    pub fn message_id(self) -> &'static str {
        match self {
            Self::None => "announcements-none",
            Self::Chat => "announcements-chat",
            Self::ChatSms => "announcements-chat-sms",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pressing_cycles_through_every_setting_and_each_is_stored_as_parsed() {
        let mut seen = vec![Channels::None];
        for _ in 0..3 {
            let next = seen.last().unwrap().next();
            assert_eq!(Channels::parse(next.as_str()), Some(next));
            seen.push(next);
        }
        assert_eq!(
            seen,
            [Channels::None, Channels::Chat, Channels::ChatSms, Channels::None]
        );
        assert_eq!(Channels::parse("sms"), None);
    }
}
