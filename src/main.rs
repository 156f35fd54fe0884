//! The `peygir` command: `serve` (the default), `chat` and `migrate`.

use std::io::IsTerminal as _;
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
    /// Schedule, list and cancel planned maintenance (times in Tehran time).
    #[command(subcommand)]
    Maintenance(MaintenanceCommand),
    /// Draft, send, follow and cancel a notice to applicants.
    #[command(subcommand)]
    Broadcast(BroadcastCommand),
    /// Rotate the keys that seal applicants' data.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check the configuration without starting anything.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Declare a day the office is closed at short notice (heat, pollution, mourning): the SLA
    /// clock counts none of it.
    Closed {
        /// The day, Solar Hijri: 1405/09/12.
        day: String,
        /// Why, for staff and the audit log.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the configuration (bot.toml, environment, catalog, locales, office calendar)
    /// and print the values in effect, secrets masked; needs no database.
    Check,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new key current and re-seal every stored value under it, while the service runs.
    Rotate,
    /// Remove from the key file the keys no stored value uses any more.
    Prune,
}

#[derive(Subcommand)]
enum BroadcastCommand {
    /// Draft a notice: prints how applicants will read it and how many it reaches; sends nothing.
    Draft {
        /// To the applicants of this service; to everyone when neither this nor --codes is given.
        #[arg(long, conflicts_with = "codes")]
        service: Option<String>,
        /// To the owners of these requests and complaints (tracking codes, comma-separated).
        #[arg(long, value_delimiter = ',')]
        codes: Option<Vec<String>>,
        #[arg(long)]
        text: String,
    },
    /// Send a draft: queued at once, delivered at the bot's pace by the running service.
    Send {
        #[arg(long)]
        id: i64,
    },
    /// A broadcast's progress.
    Show {
        #[arg(long)]
        id: i64,
    },
    /// Cancel: a draft is never sent; what is not yet sent is skipped.
    Cancel {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
enum MaintenanceCommand {
    /// Schedule a window; applicants are told at once and reminded before it.
    Schedule {
        /// The service it affects; every service when left out.
        #[arg(long)]
        service: Option<String>,
        /// Start: a date (1405/09/03 or 2026-11-24) and a time of day, e.g. "1405/09/03 22:00".
        #[arg(long)]
        start: String,
        /// End, the same way.
        #[arg(long)]
        end: String,
        /// Shown to applicants.
        #[arg(long)]
        reason: String,
    },
    /// Windows not yet over, cancelled ones included.
    List,
    /// Cancel a window; the cancellation is announced.
    Cancel {
        #[arg(long)]
        id: i64,
    },
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
    /// Set a member's password for the web console (`/staff/`). With `--stdin` it is read
    /// from the first line of standard input; otherwise a strong one is made and printed once.
    /// Signing in again is needed everywhere after.
    Password {
        #[arg(long)]
        name: String,
        #[arg(long)]
        stdin: bool,
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
    if let Command::Config(ConfigCommand::Check) = command {
        peygir::app::load_locales(&config, &catalog)?;
        println!("{config:#?}");
        println!(
            "configuration valid: {} services ({}), locales complete",
            catalog.services().len(),
            catalog
                .services()
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(());
    }
    let app = Application::build(config, catalog).await?;
    let result = run(&app, command).await;
    app.shutdown().await?;
    if let Err(err) = result {
        eprintln!("Error: {err:?}");
        std::process::exit(1);
    }
    // Exits rather than returns: a read of stdin (the terminal chat) sits on a blocking thread
    // that only another line would end, and the runtime would wait for it on the way out.
    std::process::exit(0)
}

async fn run(app: &Application, command: Command) -> anyhow::Result<()> {
    match command {
        // Answered before the application is built (no database needed).
        Command::Config(ConfigCommand::Check) => Ok(()),
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Chat { chat_id } => {
            let chat_id = chat_id.unwrap_or(app.config().terminal.chat_id);
            let chat = terminal::run(
                app,
                chat_id,
                BufReader::new(tokio::io::stdin()),
                TerminalOutput::stdout(),
            );
            // A signal ends the chat as Ctrl-D does, so that the cluster is released either way.
            tokio::select! {
                result = chat => result,
                _ = stop_signal() => Ok(()),
            }
        }
        Command::Serve => serve(app).await,
        Command::Staff(command) => staff(app, command).await,
        Command::Maintenance(command) => maintenance(app, command).await,
        Command::Closed { day, reason } => {
            use peygir::staff::perform::{Action, Actor, perform};
            let mut tx = app.pool().begin().await?;
            let action = Action::DeclareClosure {
                day: &day,
                reason: &reason,
            };
            let closure = perform(&mut tx, app, Actor::CommandLine, action, chrono::Utc::now())
                .await?
                .closure()?;
            tx.commit().await?;
            let day = peygir::domain::jalali::to_jalali(closure.day);
            if closure.new {
                println!("{day} is declared closed: the SLA clock counts none of it");
            } else {
                println!("{day} was declared closed before; its first reason stands");
            }
            Ok(())
        }
        Command::Broadcast(command) => broadcast(app, command).await,
        Command::Keys(KeysCommand::Rotate) => {
            let done = peygir::vault::rotation::rotate(app).await?;
            println!(
                "key {} is now current; {} values re-sealed under it.",
                done.new_key, done.resealed
            );
            if !done.unused.is_empty() {
                println!(
                    "No value uses key(s) {:?} any more: once every running instance has been restarted, \
                     `peygir keys prune` removes them (back up the key file first).",
                    done.unused
                );
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Prune) => {
            let removed = peygir::vault::rotation::prune(app).await?;
            println!("removed key(s) {removed:?} from the key file.");
            Ok(())
        }
    }
}

/// Does `action` as the operator at the command line, through the staff core, and commits.
async fn as_operator(
    app: &Application,
    action: peygir::staff::perform::Action<'_>,
) -> anyhow::Result<peygir::staff::perform::Done> {
    use peygir::staff::perform::{Actor, perform};
    let mut tx = app.pool().begin().await?;
    let done = perform(&mut tx, app, Actor::CommandLine, action, chrono::Utc::now()).await?;
    tx.commit().await?;
    Ok(done)
}

async fn staff(app: &Application, command: StaffCommand) -> anyhow::Result<()> {
    use peygir::domain::Role;
    use peygir::staff::perform::{Action, Done};
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
            let action = Action::AddStaff {
                name: &name,
                role,
                services: services.as_deref(),
                telegram_user_id: telegram_id,
            };
            let Done::StaffAdded(member) = as_operator(app, action).await? else {
                anyhow::bail!("adding {name} did something else");
            };
            println!("added {} ({}) with id {}", member.name, member.role.as_str(), member.id);
        }
        StaffCommand::Token { name } => {
            let member = staff::by_name(app.pool(), &name)
                .await?
                .with_context(|| format!("no staff member {name}"))?;
            let Done::TokenIssued { id, token } = as_operator(app, Action::IssueToken { staff_id: member.id }).await?
            else {
                anyhow::bail!("issuing a token did something else");
            };
            println!("token {id} for {name} (shown once, keep it safe):\n{token}");
        }
        StaffCommand::Revoke { token_id } => {
            as_operator(app, Action::RevokeToken { token_id })
                .await
                .with_context(|| format!("no live token with id {token_id}"))?;
            println!("token {token_id} revoked");
        }
        StaffCommand::Password { name, stdin } => {
            use peygir::staff::password::Password;
            let member = staff::by_name(app.pool(), &name)
                .await?
                .with_context(|| format!("no staff member {name}"))?;
            let (text, made) = if stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (Password::generate()?, true)
            };
            let password = Password::new(&text).context("--stdin")?;
            let hash = tokio::task::spawn_blocking(move || password.hash()).await??;
            staff::set_password_hash(app.pool(), member.id, &hash).await?;
            let mut conn = app.pool().acquire().await?;
            let ended = peygir::store::staff_sessions::close_all(&mut conn, member.id).await?;
            if made {
                println!("password for {name} (shown once, keep it safe):\n{text}");
            } else {
                println!("password for {name} set");
            }
            if ended > 0 {
                println!("{ended} console session(s) of {name} ended");
            }
        }
    }
    Ok(())
}

async fn maintenance(app: &Application, command: MaintenanceCommand) -> anyhow::Result<()> {
    use peygir::maintenance::tehran_time;
    use peygir::staff::perform::{Action, Actor, perform};
    use peygir::store::maintenance::{Plan, upcoming};
    let now = chrono::Utc::now();
    let when = |text: &str, flag: &str| {
        let (date, time) = text
            .trim()
            .split_once(char::is_whitespace)
            .with_context(|| format!("--{flag} is a date and a time, e.g. \"1405/09/03 22:00\""))?;
        tehran_time(date, time).with_context(|| format!("--{flag}"))
    };
    let mut tx = app.pool().begin().await?;
    match command {
        MaintenanceCommand::Schedule {
            service,
            start,
            end,
            reason,
        } => {
            let plan = Plan {
                service_id: service.as_deref(),
                starts_at: when(&start, "start")?,
                ends_at: when(&end, "end")?,
                reason: &reason,
            };
            let window = perform(&mut tx, app, Actor::CommandLine, Action::ScheduleMaintenance(plan), now)
                .await?
                .maintenance()?;
            let (start, end) = (tehran(window.starts_at), tehran(window.ends_at));
            println!("scheduled maintenance {}: {start} to {end}, Tehran time", window.id);
        }
        MaintenanceCommand::List => {
            for w in upcoming(&mut tx, now).await? {
                let state = if w.cancelled_at.is_some() {
                    "cancelled"
                } else {
                    "planned"
                };
                let service = w.service_id.as_deref().unwrap_or("all");
                let (start, end) = (tehran(w.starts_at), tehran(w.ends_at));
                println!("{}\t{service}\t{start} to {end}\t{state}\t{}", w.id, w.reason);
            }
        }
        MaintenanceCommand::Cancel { id } => {
            perform(&mut tx, app, Actor::CommandLine, Action::CancelMaintenance { id }, now).await?;
            println!("maintenance {id} cancelled");
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn broadcast(app: &Application, command: BroadcastCommand) -> anyhow::Result<()> {
    use peygir::broadcast::{self, Target};
    use peygir::domain::TrackingCode;
    use peygir::staff::perform::{Action, Actor, perform};
    let mut tx = app.pool().begin().await?;
    let now = chrono::Utc::now();
    match command {
        BroadcastCommand::Draft { service, codes, text } => {
            let codes = codes
                .map(|codes| {
                    codes
                        .iter()
                        .map(|code| TrackingCode::parse(code).with_context(|| format!("--codes: `{code}`")))
                        .collect::<anyhow::Result<Vec<_>>>()
                })
                .transpose()?;
            let target =
                Target::named(service.as_deref(), codes.as_deref()).context("give --service or --codes, not both")?;
            let action = Action::DraftBroadcast { target, text: &text };
            let (drafted, reach) = perform(&mut tx, app, Actor::CommandLine, action, now)
                .await?
                .drafted()?;
            let preview = app
                .i18n()
                .render(app.config().default_locale, &broadcast::message(&drafted));
            let about = if reach.estimated { "about " } else { "" };
            println!(
                "drafted broadcast {} to {about}{} applicants; they will read:\n\n{preview}\n",
                drafted.id, reach.applicants
            );
            println!("send it with: peygir broadcast send --id {}", drafted.id);
        }
        BroadcastCommand::Send { id } => {
            let action = Action::ConfirmBroadcast { id };
            let (_, queued) = perform(&mut tx, app, Actor::CommandLine, action, now)
                .await?
                .broadcast()?;
            println!("broadcast {id} queued for {queued} applicants");
        }
        BroadcastCommand::Show { id } => {
            let shown = peygir::store::broadcasts::find(&mut tx, id)
                .await?
                .with_context(|| format!("no broadcast has the id {id}"))?;
            let progress = broadcast::progress(&mut tx, &shown).await?;
            let (chat, sms) = (&progress.chat, &progress.sms);
            println!(
                "broadcast {id}: chat {} of {} sent, {} waiting, {} failed, {} cancelled; SMS {} of {} sent, {} waiting, {} failed",
                chat.sent,
                chat.total,
                chat.waiting,
                chat.failed,
                chat.cancelled,
                sms.sent,
                sms.total,
                sms.waiting,
                sms.failed
            );
        }
        BroadcastCommand::Cancel { id } => {
            perform(&mut tx, app, Actor::CommandLine, Action::CancelBroadcast { id }, now).await?;
            println!("broadcast {id} cancelled");
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A time as the operator typed it: the Jalali date and the time of day in Tehran.
fn tehran(at: chrono::DateTime<chrono::Utc>) -> String {
    let local = at.with_timezone(&peygir::sms::quiet::tehran());
    let date = peygir::domain::jalali::to_jalali(local.date_naive());
    format!("{date} {}", local.format("%H:%M"))
}

/// Serves until Ctrl-C (or SIGTERM); with no bot configured, the terminal chat runs in the
/// foreground and its end (Ctrl-D) ends the service too.
async fn serve(app: &Application) -> anyhow::Result<()> {
    let listen = app.config().http.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let (stop, shutdown) = watch::channel(false);
    // With no bot token the terminal is the chat, when there is one: under a service manager
    // (stdin not a terminal) the rest of the service runs and waits for a stop.
    let no_bot = app.config().telegram.token.is_none();
    let screen = (no_bot && std::io::stdin().is_terminal()).then(TerminalOutput::stdout);
    if no_bot && screen.is_none() {
        tracing::warn!(
            "no bot token configured and no terminal to chat in: the HTTP API, console, SMS and \
             scheduler run without a bot; set PEYGIR_TELEGRAM_TOKEN"
        );
    }
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

/// Ctrl-C, SIGTERM (a service manager stopping us) or SIGHUP (the terminal closed).
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    async fn received(kind: SignalKind) {
        match signal(kind) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = received(SignalKind::terminate()) => {}
        _ = received(SignalKind::hangup()) => {}
    }
}
