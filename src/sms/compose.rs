//! The text of one SMS: it must stand alone. The reader may have no chat open and no idea who
//! texts them, so each SMS names its sender first; a notice whose free text (a reviewer's note,
//! a complaint's answer) would take it past the configured parts is sent in its shorter form,
//! which points to the bot instead of cutting the text mid-sentence.

use super::text::{Measure, OPT_OUT_TAIL, fit_with_tail, measure};
use crate::i18n::{I18n, Locale, Msg};

/// The Fluent prefix of a message's shorter SMS form (`sms-short-notice-…`).
pub const SHORT_PREFIX: &str = "sms-short-";

/// What an SMS says and how it ends.
pub struct Composition<'a> {
    pub i18n: &'a I18n,
    pub locale: Locale,
    /// `[sms] sender`, or `None` for the directorate's name (`[directorate]`).
    pub sender: Option<&'a str>,
    pub max_parts: usize,
    /// Informational SMS (announcements) end with the regulator's opt-out line.
    pub informational: bool,
}

impl Composition<'_> {
    /// The SMS for `msg`: whole when it fits, else its shorter form, else (a message with no
    /// shorter form) cut with an ellipsis; the sender and the opt-out tail are never cut.
    pub fn compose(&self, msg: &Msg) -> (String, Measure) {
        let sender = match self.sender {
            Some(sender) => sender.to_owned(),
            None => self.i18n.text(self.locale, crate::conversation::messages::SMS_SENDER),
        };
        let tail = if self.informational { OPT_OUT_TAIL } else { "" };
        let whole = format!("{sender}:\n{}", self.i18n.render_sms(self.locale, msg));
        // The text with its tail, when it fits the parts.
        let fitting = |text: &str| {
            let text = format!("{text}{tail}");
            let measured = measure(&text);
            (measured.parts <= self.max_parts.max(1)).then_some((text, measured))
        };
        if let Some(fits) = fitting(&whole) {
            return fits;
        }
        let short = self.i18n.render_variant(self.locale, SHORT_PREFIX, msg);
        if let Some(fits) = short.and_then(|short| fitting(&format!("{sender}:\n{short}"))) {
            return fits;
        }
        fit_with_tail(&whole, tail, self.max_parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DEFAULT_TOML};
    use crate::conversation::messages as m;
    use crate::domain::TrackingCode;
    use crate::domain::service::stage_name_id;
    use crate::i18n::Arg;

    fn i18n() -> I18n {
        I18n::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales"), &[]).unwrap()
    }

    fn composition(i18n: &I18n, locale: Locale) -> Composition<'_> {
        Composition {
            i18n,
            locale,
            sender: None,
            max_parts: 3,
            informational: false,
        }
    }

    /// Every notice about request `code`, for every service and stage, with `free` as its note.
    fn notices(code: TrackingCode, free: &str) -> Vec<Msg> {
        let (_, catalog) = Config::from_toml(DEFAULT_TOML, |_| None).unwrap();
        let mut all = Vec::new();
        for service in catalog.services() {
            for stage in &service.stages {
                let base = |id: &str| {
                    Msg::new(id)
                        .arg("code", Arg::Code(code))
                        .arg("service", Arg::Msg(format!("service-{}", service.id)))
                        .arg("stage", Arg::Msg(stage_name_id(&stage.id)))
                };
                all.push(base(m::NOTICE_STAGE_CHANGED));
                all.push(base(m::NOTICE_STAGE_CHANGED_WITH_NOTE).arg("note", Arg::Text(free.into())));
                all.push(base(m::NOTICE_DOCUMENTS_REQUESTED).arg("note", Arg::Text(free.into())));
            }
        }
        all.push(
            Msg::new(m::NOTICE_COMPLAINT_ANSWERED)
                .arg("code", Arg::Code(code))
                .arg("answer", Arg::Text(free.into())),
        );
        all
    }

    #[test]
    fn the_longest_notices_fit_their_parts_whole_or_in_their_short_form_never_cut() {
        let i18n = i18n();
        // A reviewer's note at its longest (1,000 characters), in words.
        let long = "مدارک ارسالی ناقص است و تصویر برابر اصل قرارداد لازم است ".repeat(18);
        for locale in Locale::ALL {
            let c = composition(&i18n, locale);
            let sender = i18n.text(locale, m::SMS_SENDER);
            let code = TrackingCode::generate();
            for msg in notices(code, &long) {
                let (text, measured) = c.compose(&msg);
                assert!(
                    measured.parts <= 3,
                    "{} in {locale:?}: {} parts\n{text}",
                    msg.id,
                    measured.parts
                );
                assert!(
                    !text.contains('…') && !text.contains("..."),
                    "cut mid-sentence:\n{text}"
                );
                assert!(
                    text.starts_with(&format!("{sender}:\n")),
                    "names its sender first:\n{text}"
                );
                let code = crate::i18n::code_text(code, locale);
                assert!(text.contains(&code), "carries the tracking code:\n{text}");
            }
        }
    }

    #[test]
    fn a_short_note_travels_in_the_sms_itself() {
        let i18n = i18n();
        for locale in Locale::ALL {
            // A note in the reader's language (a Persian one would make an English SMS UCS-2,
            // and too long for its parts: it then goes in the short form).
            let note = match locale {
                Locale::Fa => "رونوشت کارت ملی",
                Locale::En => "A copy of the national card",
            };
            for msg in notices(TrackingCode::generate(), note) {
                let (text, _) = composition(&i18n, locale).compose(&msg);
                let takes_note = msg.args.iter().any(|(name, _)| name == "note" || name == "answer");
                assert_eq!(text.contains(note), takes_note, "{}:\n{text}", msg.id);
            }
        }
    }

    #[test]
    fn a_configured_sender_and_the_opt_out_tail_are_kept() {
        let i18n = i18n();
        let c = Composition {
            sender: Some("اداره کل اقتصاد و دارایی استان یزد"),
            informational: true,
            ..composition(&i18n, Locale::Fa)
        };
        let long = Msg::new(m::NOTICE_BROADCAST).arg("text", Arg::Text("اطلاعیه ".repeat(100)));
        let (text, measured) = c.compose(&long);
        assert!(text.starts_with("اداره کل اقتصاد و دارایی استان یزد:\n"), "{text}");
        assert!(text.ends_with(OPT_OUT_TAIL), "{text}");
        assert!(measured.parts <= 3);
    }
}
