//! The keys of the buttons the dialogue offers an applicant: what each button means, as one
//! type. A key travels as text (a Telegram button's callback data, a terminal choice) and is
//! read back here; the state machine matches on the type, so a key spelt in one place and
//! matched in another cannot drift apart.

use crate::domain::TrackingCode;
use crate::i18n::Locale;

/// What a button means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Language(Locale),
    Menu(MenuItem),
    Nav(Nav),
    /// A service to apply for, by id.
    Service(String),
    /// An option of a choice question, by value.
    Option(String),
    /// Submit (or save the edit of) the form as summarised.
    Confirm,
    /// Give the answer to this field again.
    Change(String),
    /// Continue the form left unfinished (or start over).
    Resume {
        continue_form: bool,
    },
    /// A complaint about this request, or about none.
    About(Option<TrackingCode>),
    Withdraw(TrackingCode),
    WithdrawYes,
    Edit(TrackingCode),
    Supplement(TrackingCode),
    SupplementDone,
    Sms(SmsKey),
    Announcements(AnnouncementKey),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    Submit,
    Track,
    Complain,
    Mine,
    Documents,
    Sms,
    Status,
    Announcements,
    Help,
    Language,
    Edit,
    Withdraw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Back,
    Skip,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsKey {
    On,
    Off,
    Number,
    Resend,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnouncementKey {
    Mute,
    Unmute,
    /// Step this service's setting on.
    Service(String),
}

const MENU: [(MenuItem, &str); 12] = [
    (MenuItem::Submit, "submit"),
    (MenuItem::Track, "track"),
    (MenuItem::Complain, "complain"),
    (MenuItem::Mine, "mine"),
    (MenuItem::Documents, "documents"),
    (MenuItem::Sms, "sms"),
    (MenuItem::Status, "status"),
    (MenuItem::Announcements, "announcements"),
    (MenuItem::Help, "help"),
    (MenuItem::Language, "language"),
    (MenuItem::Edit, "edit"),
    (MenuItem::Withdraw, "withdraw"),
];
const NAV: [(Nav, &str); 3] = [(Nav::Back, "back"), (Nav::Skip, "skip"), (Nav::Cancel, "cancel")];
const SMS: [(SmsKey, &str); 4] = [
    (SmsKey::On, "on"),
    (SmsKey::Off, "off"),
    (SmsKey::Number, "number"),
    (SmsKey::Resend, "resend"),
];

fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
    table.iter().find(|(v, _)| *v == value).map_or("", |(_, name)| name)
}

fn value_of<T: Copy>(table: &[(T, &'static str)], name: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
}

impl Nav {
    /// The command that does the same by typing (`/back`), without its slash.
    pub fn command(self) -> &'static str {
        name_of(&NAV, self)
    }
}

impl Key {
    /// The key a button carries back; `None` for text that is no key of ours.
    pub fn parse(text: &str) -> Option<Self> {
        if text == "confirm" {
            return Some(Self::Confirm);
        }
        let (kind, rest) = text.split_once(':')?;
        let code = || TrackingCode::parse(rest).ok();
        Some(match kind {
            "lang" => Self::Language(Locale::parse(rest)?),
            "menu" => Self::Menu(value_of(&MENU, rest)?),
            "nav" => Self::Nav(value_of(&NAV, rest)?),
            "svc" => Self::Service(rest.to_owned()),
            "opt" => Self::Option(rest.to_owned()),
            "change" => Self::Change(rest.to_owned()),
            "resume" => Self::Resume {
                continue_form: match rest {
                    "continue" => true,
                    "restart" => false,
                    _ => return None,
                },
            },
            "about" if rest == "none" => Self::About(None),
            "about" => Self::About(Some(code()?)),
            "withdraw" if rest == "yes" => Self::WithdrawYes,
            "withdraw" => Self::Withdraw(code()?),
            "edit" => Self::Edit(code()?),
            "supplement" if rest == "done" => Self::SupplementDone,
            "supplement" => Self::Supplement(code()?),
            "sms" => Self::Sms(value_of(&SMS, rest)?),
            "ann" => Self::Announcements(match rest {
                "mute" => AnnouncementKey::Mute,
                "unmute" => AnnouncementKey::Unmute,
                service => AnnouncementKey::Service(service.to_owned()),
            }),
            _ => return None,
        })
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Language(locale) => write!(f, "lang:{}", locale.code()),
            Self::Menu(item) => write!(f, "menu:{}", name_of(&MENU, *item)),
            Self::Nav(nav) => write!(f, "nav:{}", name_of(&NAV, *nav)),
            Self::Service(id) => write!(f, "svc:{id}"),
            Self::Option(value) => write!(f, "opt:{value}"),
            Self::Confirm => f.write_str("confirm"),
            Self::Change(field) => write!(f, "change:{field}"),
            Self::Resume { continue_form: true } => f.write_str("resume:continue"),
            Self::Resume { continue_form: false } => f.write_str("resume:restart"),
            Self::About(None) => f.write_str("about:none"),
            Self::About(Some(code)) => write!(f, "about:{code}"),
            Self::Withdraw(code) => write!(f, "withdraw:{code}"),
            Self::WithdrawYes => f.write_str("withdraw:yes"),
            Self::Edit(code) => write!(f, "edit:{code}"),
            Self::Supplement(code) => write!(f, "supplement:{code}"),
            Self::SupplementDone => f.write_str("supplement:done"),
            Self::Sms(key) => write!(f, "sms:{}", name_of(&SMS, *key)),
            Self::Announcements(AnnouncementKey::Mute) => f.write_str("ann:mute"),
            Self::Announcements(AnnouncementKey::Unmute) => f.write_str("ann:unmute"),
            Self::Announcements(AnnouncementKey::Service(id)) => write!(f, "ann:{id}"),
        }
    }
}

impl From<Key> for String {
    fn from(key: Key) -> Self {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_as_itself() {
        let code = TrackingCode::generate();
        let mut keys = vec![
            Key::Language(Locale::Fa),
            Key::Language(Locale::En),
            Key::Service("plate-removal".into()),
            Key::Option("company".into()),
            Key::Confirm,
            Key::Change("national-id".into()),
            Key::Resume { continue_form: true },
            Key::Resume { continue_form: false },
            Key::About(None),
            Key::About(Some(code)),
            Key::Withdraw(code),
            Key::WithdrawYes,
            Key::Edit(code),
            Key::Supplement(code),
            Key::SupplementDone,
            Key::Announcements(AnnouncementKey::Mute),
            Key::Announcements(AnnouncementKey::Unmute),
            Key::Announcements(AnnouncementKey::Service("debt-respite".into())),
        ];
        keys.extend(MENU.iter().map(|(item, _)| Key::Menu(*item)));
        keys.extend(NAV.iter().map(|(nav, _)| Key::Nav(*nav)));
        keys.extend(SMS.iter().map(|(sms, _)| Key::Sms(*sms)));
        for key in keys {
            let text = key.to_string();
            // Telegram's callback data holds at most 64 bytes.
            assert!(text.len() <= 64, "{text}");
            assert_eq!(Key::parse(&text), Some(key), "{text}");
        }
        for junk in [
            "",
            "menu:nothing",
            "lang:de",
            "withdraw:123",
            "resume:maybe",
            "x:y",
            "nav",
        ] {
            assert_eq!(Key::parse(junk), None, "{junk}");
        }
    }
}
