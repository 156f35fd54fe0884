//! `serve`: the HTTP server plus whatever chat channel is configured, until shutdown.

use anyhow::Context as _;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::Application;
use crate::channels::telegram::{TelegramChannel, run_polling};
use crate::config::BotMode;
use crate::http;

/// Runs the HTTP server on `listener`, and the bot when a token is configured, until
/// `shutdown` turns true.
pub async fn serve(
    app: Application,
    listener: TcpListener,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let channel = TelegramChannel::from_config(&app)?;
    let mut webhook = None;
    let mut tasks = tokio::task::JoinSet::new();
    if let Some(channel) = channel {
        let tg = &app.config().telegram;
        match tg.mode {
            BotMode::Polling => {
                tracing::info!(platform = app.config().platform(), "chat bot: long polling");
                tasks.spawn(run_polling(channel, tg.poll_timeout_secs, shutdown.clone()));
            }
            BotMode::Webhook => {
                let url = tg.webhook_url.clone().context("telegram.webhook_url")?;
                let secret = tg
                    .webhook_secret
                    .as_ref()
                    .context("telegram.webhook_secret")?
                    .expose_secret()
                    .to_owned();
                register_webhook(&channel, &url, &secret).await?;
                tracing::info!(platform = app.config().platform(), "chat bot: webhook");
                webhook = Some((channel, secret));
            }
        }
    }
    tracing::info!(address = %listener.local_addr()?, "HTTP server listening");
    http::serve(app, webhook, listener, shutdown).await?;
    while tasks.join_next().await.is_some() {}
    Ok(())
}

async fn register_webhook(
    channel: &TelegramChannel,
    url: &str,
    secret: &str,
) -> anyhow::Result<()> {
    use teloxide::prelude::*;
    use teloxide::types::AllowedUpdate;
    let url = url::Url::parse(url).context("telegram.webhook_url")?;
    channel
        .bot()
        .set_webhook(url)
        .secret_token(secret.to_owned())
        .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
        .await
        .context("registering the webhook with the Bot API")?;
    Ok(())
}
