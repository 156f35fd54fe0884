//! The way a notice of one kind goes, step by step, as `[notices.cascade]` names it: the chat
//! first where listed, then phone gateways in order, then, where nothing confirmed it, the
//! staff, to hand the decision over in person. A notice moves on after a failure or after the
//! confirmation wait without a delivery report, and stops at the first confirmed delivery.

use serde::Deserialize;

use crate::sms::config::{ChannelPolicy, Provider};

/// The steps of one kind's cascade, checked when read: the chat only first, "in-person" only
/// last, each step once, and a phone gateway before "in-person" (staff are told when the last
/// gateway did not confirm a notice).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct Cascade {
    /// The chat is tried first; a phone gateway only when the bot cannot reach the chat.
    chat: bool,
    /// Phone gateways in the order they are tried.
    phones: Vec<Provider>,
    /// Staff are told when the last gateway confirmed nothing.
    in_person: bool,
}

const CHAT: &str = "chat";
const IN_PERSON: &str = "in-person";

impl TryFrom<Vec<String>> for Cascade {
    type Error = String;

    fn try_from(steps: Vec<String>) -> Result<Self, Self::Error> {
        if steps.is_empty() {
            return Err("a cascade needs at least one step".into());
        }
        let mut cascade = Self {
            chat: false,
            phones: Vec::new(),
            in_person: false,
        };
        let last = steps.len() - 1;
        for (at, step) in steps.iter().enumerate() {
            if steps[..at].contains(step) {
                return Err(format!("the cascade names \"{step}\" twice"));
            }
            match step.as_str() {
                CHAT if at == 0 => cascade.chat = true,
                CHAT => return Err("\"chat\" can only be a cascade's first step".into()),
                IN_PERSON if at == last => cascade.in_person = true,
                IN_PERSON => return Err("\"in-person\" can only be a cascade's last step".into()),
                name => match Provider::parse(name) {
                    Some(provider) => cascade.phones.push(provider),
                    None => {
                        return Err(format!(
                            "unknown cascade step \"{name}\": expected chat, {}, or in-person",
                            Provider::names()
                        ));
                    }
                },
            }
        }
        if cascade.in_person && cascade.phones.is_empty() {
            return Err(
                "\"in-person\" needs a phone gateway before it: staff are told when the last one confirmed nothing"
                    .into(),
            );
        }
        Ok(cascade)
    }
}

impl Cascade {
    /// The channels the kind takes: the chat first when listed, a phone number after it.
    pub fn policy(&self) -> ChannelPolicy {
        match (self.chat, self.phones.is_empty()) {
            (true, true) => ChannelPolicy::Chat,
            (true, false) => ChannelPolicy::ChatThenSms,
            (false, _) => ChannelPolicy::Sms,
        }
    }

    /// The phone gateways, in the order they are tried.
    pub fn phones(&self) -> &[Provider] {
        &self.phones
    }

    /// Whether staff are told when no gateway confirmed the notice.
    pub fn ends_in_person(&self) -> bool {
        self.in_person
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(steps: &[&str]) -> Result<Cascade, String> {
        Cascade::try_from(steps.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn a_cascade_reads_its_steps_in_order() {
        let cascade = read(&["chat", "safir", "kavenegar", "smsir", "in-person"]).unwrap();
        assert_eq!(cascade.policy(), ChannelPolicy::ChatThenSms);
        assert_eq!(
            cascade.phones(),
            [Provider::Safir, Provider::Kavenegar, Provider::SmsIr]
        );
        assert!(cascade.ends_in_person());
        let phone_only = read(&["smsir"]).unwrap();
        assert_eq!(phone_only.policy(), ChannelPolicy::Sms);
        assert!(!phone_only.ends_in_person());
        assert_eq!(read(&["chat"]).unwrap().policy(), ChannelPolicy::Chat);
    }

    #[test]
    fn a_cascade_out_of_order_or_misspelt_is_refused_with_the_reason() {
        for (steps, says) in [
            (&["safir", "chat"][..], "first step"),
            (&["in-person", "safir"][..], "last step"),
            (&["safir", "safir"][..], "twice"),
            (&["chat", "kavenegr"][..], "unknown cascade step \"kavenegr\""),
            (&["chat", "in-person"][..], "needs a phone gateway"),
            (&[][..], "at least one step"),
        ] {
            let error = read(steps).unwrap_err();
            assert!(error.contains(says), "{steps:?}: {error}");
        }
    }

    #[test]
    fn a_cascade_in_the_configuration_is_read_per_kind() {
        let parsed = toml::from_str::<crate::sms::config::NoticesConfig>(
            "[cascade]\ndecision = [\"chat\", \"safir\", \"kavenegar\", \"in-person\"]",
        )
        .unwrap();
        assert_eq!(parsed.policy("decision"), ChannelPolicy::ChatThenSms);
        let error = toml::from_str::<crate::sms::config::NoticesConfig>("[cascade]\ndecision = [\"safir\", \"chat\"]")
            .unwrap_err()
            .to_string();
        assert!(error.contains("first step"), "{error}");
    }
}
