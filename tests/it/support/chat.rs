//! Drives the application in process as one applicant would, through the same rendering the
//! channels use.

use peygir::app::{Application, Origin};
use peygir::channels::{Rendered, render};
use peygir::conversation::Input;
use peygir::domain::{DocumentRef, DocumentSource, TrackingCode};

/// One applicant's chat.
pub struct Chat {
    app: Application,
    platform: &'static str,
    chat_id: i64,
    /// Everything the bot sent in answer to the last input.
    pub last: Vec<Rendered>,
}

impl Chat {
    pub fn new(app: &Application, chat_id: i64) -> Self {
        Self {
            app: app.clone(),
            platform: "telegram",
            chat_id,
            last: Vec::new(),
        }
    }

    pub async fn send(&mut self, input: Input) -> String {
        let origin = Origin {
            platform: self.platform,
            chat_id: self.chat_id,
            update_id: None,
            language: None,
        };
        let handled = self
            .app
            .handle(origin, input)
            .await
            .expect("handling succeeds")
            .expect("not a duplicate");
        self.last = handled
            .replies
            .iter()
            .map(|r| render(self.app.i18n(), handled.locale, r))
            .collect();
        self.text()
    }

    pub async fn says(&mut self, text: &str) -> String {
        self.send(Input::Text(text.to_owned())).await
    }

    /// Presses the button with this key on the latest message, as Telegram would send it.
    pub async fn presses(&mut self, key: &str) -> String {
        let data = self
            .button_data(key)
            .unwrap_or_else(|| panic!("no button `{key}` in:\n{}", self.text()));
        let (turn, key) = peygir::channels::parse_button_data(&data).expect("our own button data");
        self.send(Input::Button { turn, key }).await
    }

    pub fn button_data(&self, key: &str) -> Option<String> {
        self.last
            .iter()
            .flat_map(|r| r.choices.iter().chain(&r.nav))
            .find(|b| b.key == key)
            .map(|b| b.data.clone())
    }

    pub async fn sends_file(&mut self, name: &str, mime: &str, size_bytes: u64) -> String {
        self.send(Input::Document(DocumentRef {
            file_name: name.into(),
            mime: mime.into(),
            size_bytes,
            source: DocumentSource::Bot {
                file_id: format!("file-{name}"),
            },
        }))
        .await
    }

    pub fn text(&self) -> String {
        self.last
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Every tracking code written in `text`, in any digit form.
pub fn tracking_codes(text: &str) -> Vec<TrackingCode> {
    let mut codes = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        // Persian messages join a code's groups with no-break spaces.
        if c.is_numeric() || c == '-' || c == '\u{00A0}' {
            run.push(c);
        } else {
            if let Ok(code) = TrackingCode::parse(&run) {
                codes.push(code);
            }
            run.clear();
        }
    }
    codes
}
