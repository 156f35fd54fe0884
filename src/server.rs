//! `serve`: the HTTP server, the chat bot when one is configured, and the notice dispatcher,
//! until shutdown.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context as _;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::Application;
use crate::channels::telegram::{TelegramChannel, run_polling};
use crate::channels::terminal::{self, TerminalOutput};
use crate::config::BotMode;
use crate::http::{self, Readiness};
use crate::notify::{Budget, ChatLimits, ChatSender, Dispatcher, DispatcherSettings, SmsDispatcher};
use crate::sms::Gateways;
use crate::staff_chat::StaffChat;

/// Runs the HTTP server on `listener`, the bot when a token is configured, and the notice
/// dispatcher, until `shutdown` turns true. `terminal` is the screen of a terminal chat
/// running beside the service, which then receives its applicant's notices.
pub async fn serve(
    app: Application,
    listener: TcpListener,
    terminal: Option<TerminalOutput>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let channel = TelegramChannel::from_config(&app)?;
    // One budget for all the bot sends, whoever sends it, shared with the other instances.
    let per_second = app.config().telegram.max_per_second;
    let limits = ChatLimits {
        per_second: (per_second > 0.0).then_some(per_second),
        ..ChatLimits::TELEGRAM
    };
    let budget = Budget::of_bot(&app, limits.per_second);
    let staff_chat = match &channel {
        Some(channel) => StaffChat::from_config(&app, channel.bot().clone(), budget.clone()).await?,
        None => None,
    };
    let channel = match (channel, &staff_chat) {
        (Some(channel), Some(staff)) => {
            tracing::info!("staff chat: posting to the configured group");
            Some(channel.with_staff_chat(staff.clone()))
        }
        (channel, _) => channel,
    };
    let mut tasks = tokio::task::JoinSet::new();

    let mut senders = HashMap::new();
    if let Some(output) = terminal {
        senders.insert(terminal::PLATFORM.to_owned(), ChatSender::Terminal(output));
    }
    if let Some(channel) = &channel {
        senders.insert(
            app.config().platform().to_owned(),
            ChatSender::Bot(channel.bot().clone()),
        );
    }
    if !senders.is_empty() {
        let settings = DispatcherSettings {
            limits,
            max_in_flight: app.config().telegram.max_in_flight,
            ..DispatcherSettings::default()
        };
        let mut dispatcher = Dispatcher::sharing(app.clone(), senders, settings, budget);
        if let Some(staff) = staff_chat {
            dispatcher = dispatcher.with_staff_chat(staff);
        }
        tasks.spawn(dispatcher.run(shutdown.clone()));
    }

    let sms_config = &app.config().sms;
    let gateways = Gateways::from_config(sms_config, &app.config().notices)?;
    tracing::info!(gateways = gateways.describe(), "SMS gateways");
    let sms = SmsDispatcher::new(
        app.clone(),
        gateways,
        DispatcherSettings::default(),
        Some(sms_config.rate_per_sec),
    );
    if sms_config.status_poll_secs > 0 {
        let every = std::time::Duration::from_secs(sms_config.status_poll_secs);
        tasks.spawn(sms.clone().run_report_poll(every, shutdown.clone()));
    }
    tasks.spawn(sms.run(shutdown.clone()));
    // Every instance runs the scheduler; only the one holding the lock runs its jobs.
    tasks.spawn(crate::scheduler::Scheduler::new(app.clone()).run(shutdown.clone()));

    let mut webhook = None;
    let mut readiness = Readiness::ready();
    if let Some(channel) = channel {
        let tg = &app.config().telegram;
        match tg.mode {
            BotMode::Polling => {
                tracing::info!(platform = app.config().platform(), "chat bot: long polling");
                tasks.spawn(run_polling(channel, tg.poll_timeout_secs, shutdown.clone()));
            }
            BotMode::Webhook => {
                let url = tg.webhook_url.as_deref().context("telegram.webhook_url")?;
                let url = url::Url::parse(url).context("telegram.webhook_url")?;
                let secret = tg
                    .webhook_secret
                    .as_ref()
                    .context("telegram.webhook_secret")?
                    .expose_secret()
                    .to_owned();
                // The HTTP server opens first, so /health answers while the Bot API is away.
                readiness = Readiness::awaiting_webhook();
                let registration = register_webhook(channel.clone(), url, secret.clone(), readiness.clone());
                tasks.spawn(until_shutdown(registration, shutdown.clone()));
                tracing::info!(platform = app.config().platform(), "chat bot: webhook");
                webhook = Some((channel, secret));
            }
        }
    }
    tracing::info!(address = %listener.local_addr()?, "HTTP server listening");
    http::serve(app, webhook, readiness, listener, shutdown).await?;
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// Tells the Bot API where to post updates, again and again (1 s, doubling to a minute apart)
/// until it takes the webhook; `/ready` says so from then on.
async fn register_webhook(channel: TelegramChannel, url: url::Url, secret: String, readiness: Readiness) {
    use teloxide::prelude::*;
    use teloxide::types::AllowedUpdate;
    let mut backoff = Duration::from_secs(1);
    loop {
        let registered = channel
            .bot()
            .set_webhook(url.clone())
            .secret_token(secret.clone())
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
            .await;
        match registered {
            Ok(_) => {
                tracing::info!("webhook registered with the Bot API");
                readiness.webhook_registered();
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_in = ?backoff, "registering the webhook failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    }
}

/// Runs `task` until it ends or `shutdown` turns true.
async fn until_shutdown(task: impl Future<Output = ()>, mut shutdown: watch::Receiver<bool>) {
    tokio::select! {
        _ = task => {}
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}
