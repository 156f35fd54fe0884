//! The `peygir` command: `serve` (the default), `chat` and `migrate`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use peygir::app::Application;
use peygir::channels::terminal::{self, TerminalOutput};
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
    /// Manage staff accounts and their API tokens.
    #[command(subcommand)]
    Staff(StaffCommand),
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a member of staff.
    Add {
        #[arg(long)]
        name: String,
        /// reviewer, operator or admin.
        #[arg(long)]
        role: String,
        /// Services the member handles, comma-separated; every service when left out.
        #[arg(long, value_delimiter = ',')]
        services: Option<Vec<String>>,
        /// Telegram (or Bale) user id, for acting from the staff chat.
        #[arg(long)]
        telegram_id: Option<i64>,
    },
    /// Issue an API token for a member; it is printed once and stored only hashed.
    Token {
        #[arg(long)]
        name: String,
    },
    /// Revoke an API token by its id.
    Revoke {
        #[arg(long)]
        token_id: i64,
    },
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
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)))
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
                TerminalOutput::stdout(),
            )
            .await
        }
        Command::Serve => serve(app).await,
        Command::Staff(command) => staff(app, command).await,
    }
}

async fn staff(app: &Application, command: StaffCommand) -> anyhow::Result<()> {
    use peygir::domain::Role;
    use peygir::store::staff;
    match command {
        StaffCommand::Add {
            name,
            role,
            services,
            telegram_id,
        } => {
            let role = Role::parse(&role)
                .filter(|r| *r != Role::Applicant)
                .context("--role must be reviewer, operator or admin")?;
            if let Some(unknown) = services.iter().flatten().find(|s| app.catalog().get(s).is_none()) {
                anyhow::bail!("--services: no service `{unknown}` in the catalog");
            }
            let member = staff::add(app.pool(), &name, role, services.as_deref(), telegram_id).await?;
            println!("added {} ({}) with id {}", member.name, member.role.as_str(), member.id);
        }
        StaffCommand::Token { name } => {
            let member = staff::by_name(app.pool(), &name)
                .await?
                .with_context(|| format!("no staff member {name}"))?;
            let (id, token) = staff::issue_token(app.pool(), member.id).await?;
            println!("token {id} for {name} (shown once, keep it safe):\n{token}");
        }
        StaffCommand::Revoke { token_id } => {
            if !staff::revoke_token(app.pool(), token_id).await? {
                anyhow::bail!("no live token with id {token_id}");
            }
            println!("token {token_id} revoked");
        }
    }
    Ok(())
}

/// Serves until Ctrl-C (or SIGTERM); with no bot configured, the terminal chat runs in the
/// foreground and its end (Ctrl-D) ends the service too.
async fn serve(app: &Application) -> anyhow::Result<()> {
    let listen = app.config().http.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let (stop, shutdown) = watch::channel(false);
    let screen = app.config().telegram.token.is_none().then(TerminalOutput::stdout);
    let server = tokio::spawn(peygir::server::serve(app.clone(), listener, screen.clone(), shutdown));
    if let Some(screen) = screen {
        tracing::info!("no bot token configured: chatting in this terminal");
        let chat_id = app.config().terminal.chat_id;
        tokio::select! {
            result = terminal::run(app, chat_id, BufReader::new(tokio::io::stdin()), screen) => result?,
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
