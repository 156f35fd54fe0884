//! The `peygir` command: `serve` (the default), `chat` and `migrate`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use peygir::app::Application;
use peygir::channels::terminal;
use peygir::config::Config;
use tokio::io::BufReader;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    version,
    about = "Requests, tracking codes and complaints over Telegram, Bale and SMS"
)]
struct Cli {
    /// Configuration file; when the default is missing, the built-in defaults apply.
    #[arg(long, short, env = "PEYGIR_CONFIG", default_value = "bot.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service: the HTTP server and the configured bot, or the terminal chat when no
    /// bot token is configured.
    Serve,
    /// Chat with the bot in this terminal as one applicant (stdin may be a pipe).
    Chat {
        /// Chat id of the terminal applicant.
        #[arg(long)]
        chat_id: Option<i64>,
    },
    /// Apply database migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    // The terminal chat shares the screen with the log, so it shows only warnings by default.
    let default_filter = if matches!(command, Command::Chat { .. }) {
        "warn"
    } else {
        "info,sqlx=warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();

    let explicit = cli.config.as_path() != std::path::Path::new("bot.toml");
    let (config, catalog) = Config::load(&cli.config, explicit)?;
    let app = Application::build(config, catalog).await?;
    let result = run(&app, command).await;
    app.shutdown().await?;
    result
}

async fn run(app: &Application, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Chat { chat_id } => {
            let chat_id = chat_id.unwrap_or(app.config().terminal.chat_id);
            terminal::run(
                app,
                chat_id,
                BufReader::new(tokio::io::stdin()),
                tokio::io::stdout(),
            )
            .await
        }
        Command::Serve => serve(app).await,
    }
}

/// Serves until Ctrl-C (or SIGTERM); with no bot configured, the terminal chat runs in the
/// foreground and its end (Ctrl-D) ends the service too.
async fn serve(app: &Application) -> anyhow::Result<()> {
    let listen = app.config().http.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let (stop, shutdown) = watch::channel(false);
    let server = tokio::spawn(peygir::server::serve(app.clone(), listener, shutdown));
    if app.config().telegram.token.is_none() {
        tracing::info!("no bot token configured: chatting in this terminal");
        let chat_id = app.config().terminal.chat_id;
        tokio::select! {
            result = terminal::run(app, chat_id, BufReader::new(tokio::io::stdin()), tokio::io::stdout()) => result?,
            _ = stop_signal() => {}
        }
    } else {
        stop_signal().await;
    }
    tracing::info!("shutting down");
    let _ = stop.send(true);
    server.await.context("the server task panicked")?
}

async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { if let Some(t) = term.as_mut() { t.recv().await; } else { std::future::pending::<()>().await } } => {}
    }
}
