//! The terminal chat: one applicant typing on stdin and reading the bot on stdout. Options are
//! numbered; a line naming an existing file sends that file. Works with stdin piped, so
//! whole sessions can be scripted.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

use super::{Rendered, render};
use crate::app::{Application, Origin};
use crate::conversation::Input;
use crate::conversation::key::Key;
use crate::conversation::messages as m;
use crate::domain::field::mime_from_name;
use crate::domain::{DocumentRef, DocumentSource};
use crate::i18n::Locale;

/// The platform name terminal applicants are stored under.
pub const PLATFORM: &str = "terminal";

/// The terminal's screen, shared by the chat and the notices that arrive while it runs.
#[derive(Clone)]
pub struct TerminalOutput(Arc<Mutex<Pin<Box<dyn AsyncWrite + Send>>>>);

impl TerminalOutput {
    pub fn new(writer: impl AsyncWrite + Send + 'static) -> Self {
        Self(Arc::new(Mutex::new(Box::pin(writer))))
    }

    pub fn stdout() -> Self {
        Self::new(tokio::io::stdout())
    }

    /// Writes a whole message at once, so a notice never lands inside a reply.
    pub async fn write(&self, text: &str) -> std::io::Result<()> {
        let mut writer = self.0.lock().await;
        writer.write_all(text.as_bytes()).await?;
        writer.flush().await
    }
}

/// Runs the chat until the input ends.
pub async fn run(
    app: &Application,
    chat_id: i64,
    input: impl AsyncBufRead + Unpin,
    output: TerminalOutput,
) -> anyhow::Result<()> {
    let mut lines = input.lines();
    let mut expects_document = false;
    let greeting = app
        .i18n()
        .text(app.locale_of(PLATFORM, chat_id).await, m::TERMINAL_START);
    output.write(&format!("{greeting}\n\n")).await?;
    // Whatever was left unfinished in an earlier session is shown again before anything
    // typed now is taken as its answer.
    let mut next_input = Some(Input::Returned);
    loop {
        let input = match next_input.take() {
            Some(input) => input,
            None => {
                let Some(line) = lines.next_line().await? else {
                    break;
                };
                let locale = app.locale_of(PLATFORM, chat_id).await;
                match to_input(&line, expects_document) {
                    Ok(input) => input,
                    Err(()) => {
                        let text = app.i18n().text(locale, m::TERMINAL_FILE_MISSING);
                        output.write(&format!("{text}\n\n")).await?;
                        continue;
                    }
                }
            }
        };
        let origin = Origin {
            platform: PLATFORM,
            chat_id,
            update_id: None,
            language: None,
        };
        match app.handle(origin, input).await {
            Ok(Some(handled)) => {
                for reply in &handled.replies {
                    let rendered = render(app.i18n(), handled.locale, reply);
                    expects_document = rendered.expects_document;
                    output.write(&draw(&rendered, app, handled.locale)).await?;
                }
            }
            Ok(None) => {}
            Err(err) => {
                tracing::error!(error = format!("{err:#}"), "handling a terminal message failed");
                let locale = app.locale_of(PLATFORM, chat_id).await;
                let text = app.i18n().text(locale, m::INTERNAL_ERROR);
                output.write(&format!("{text}\n\n")).await?;
            }
        }
    }
    Ok(())
}

/// A line is a file when it names one; while a file is expected, a line that looks like a path
/// but names nothing is refused here rather than sent as text.
fn to_input(line: &str, expects_document: bool) -> Result<Input, ()> {
    let trimmed = line.trim();
    let path = Path::new(trimmed);
    if !trimmed.is_empty() && path.is_file() {
        let size_bytes = path.metadata().map(|m| m.len()).unwrap_or(0);
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let absolute = path.canonicalize().unwrap_or_else(|_| path.to_owned());
        return Ok(Input::Document(DocumentRef {
            mime: mime_from_name(&file_name).to_owned(),
            file_name,
            size_bytes,
            source: DocumentSource::Local {
                path: absolute.display().to_string(),
            },
        }));
    }
    let looks_like_path = trimmed.contains('/') && !trimmed.starts_with('/') || trimmed.matches('/').count() > 1;
    if expects_document && looks_like_path {
        return Err(());
    }
    Ok(Input::Text(line.to_owned()))
}

/// Numbered options, then the moves out of the question as commands.
fn draw(rendered: &Rendered, app: &Application, locale: Locale) -> String {
    let mut out = rendered.text.clone();
    out.push('\n');
    for (i, choice) in rendered.choices.iter().enumerate() {
        let number = match locale {
            Locale::Fa => crate::domain::digits::to_persian_digits(&(i + 1).to_string()),
            Locale::En => (i + 1).to_string(),
        };
        out.push_str(&format!("  {number}) {}\n", choice.label));
    }
    if rendered.expects_document {
        out.push_str(&format!("  {}\n", app.i18n().text(locale, m::TERMINAL_DOCUMENT_HINT)));
    }
    if !rendered.nav.is_empty() {
        let moves: Vec<String> = rendered
            .nav
            .iter()
            .map(|b| match Key::parse(&b.key) {
                Some(Key::Nav(nav)) => format!("{} /{}", b.label, nav.command()),
                _ => b.label.clone(),
            })
            .collect();
        out.push_str(&format!("  [{}]\n", moves.join(" · ")));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_text_or_documents() {
        assert_eq!(to_input("/start", false), Ok(Input::Text("/start".into())));
        let file = std::env::current_exe().unwrap();
        match to_input(&file.display().to_string(), true) {
            Ok(Input::Document(doc)) => assert!(doc.size_bytes > 0),
            other => panic!("expected a document, got {other:?}"),
        }
        assert_eq!(to_input("/no/such/file.pdf", true), Err(()));
        assert_eq!(
            to_input("/no/such/file.pdf", false),
            Ok(Input::Text("/no/such/file.pdf".into()))
        );
    }
}
