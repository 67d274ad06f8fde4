//! The `pmx` binary.
//!
//! - `pmx serve [--config FILE] [--listen ADDR] [--data-dir DIR]`: run the exchange. With no
//!   config and an empty data directory it seeds the demo and prints its credentials. Prints
//!   `pmx listening on http://ADDR` once it accepts requests; SIGINT or SIGTERM stop it cleanly.
//! - `pmx keys new`: print a fresh API key as JSON (`keyId`, `secretKey`, `publicKey`).
//! - Trading commands, against any server speaking the API (`--url`, default the real
//!   Polymarket US hosts): `markets`, `market`, `book`, `bbo`, `settlement`, `health`,
//!   `order create|get|cancel|modify`, `orders`, `cancel-all`, `preview`, `close-position`,
//!   `positions`, `activities`, `balances`; `watch book|trades|orders|balances` follows a
//!   stream. See `commands`.
//!
//! Parts:
//! - `commands`: the trading commands' flags and what they do.
//! - `credentials`: where the API key comes from (flags, file, environment).
//! - `watch`: following a stream until Ctrl-C.
//! - `render`: the readable views of replies and stream events; `table`: aligned tables.

mod commands;
mod credentials;
mod render;
mod table;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use server::{Config, Server};

#[derive(Parser)]
#[command(name = "pmx", version, about = "A Polymarket US compatible exchange in one binary")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once per run; boxing would only obscure clap's derive")]
enum Command {
    /// Run the exchange.
    Serve {
        /// TOML config file (markets, accounts, keys, limits). Without it: defaults and the demo.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to listen on (default 127.0.0.1:8080, or the config's `listen`).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Data directory (default ./pmx-data, or the config's `data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    #[command(flatten)]
    Trade(commands::TradeCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a new key: {"keyId", "secretKey", "publicKey"}. Put keyId and publicKey in the
    /// server's config; give keyId and secretKey to the client.
    New,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config, listen, data_dir } => serve(config, listen, data_dir),
        Command::Keys { command: KeysCommand::New } => new_key(),
        Command::Trade(command) => return commands::run(command),
    };
    // What `fn main() -> anyhow::Result<()>` does with an error.
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:?}");
            ExitCode::FAILURE
        }
    }
}

fn new_key() -> anyhow::Result<()> {
    let key = server::new_key()?;
    let json = serde_json::json!({"keyId": key.key_id, "secretKey": key.secret_key, "publicKey": key.public_key});
    println!("{json}");
    Ok(())
}

fn serve(
    config: Option<PathBuf>,
    listen: Option<std::net::SocketAddr>,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut config = match &config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(listen) = listen {
        config.listen = listen;
    }
    if let Some(data_dir) = data_dir {
        config.data_dir = data_dir;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let server = Server::start(&config)?;
        // The demo trader's key: made now, or on the start that seeded the demo.
        let credentials = config.data_dir.join("demo-credentials.json");
        let demo_key = match &server.demo_key {
            Some(key) => Some((key.key_id.clone(), key.secret_key.clone())),
            None => std::fs::read_to_string(&credentials)
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|json| Some((json["keyId"].as_str()?.to_owned(), json["secretKey"].as_str()?.to_owned()))),
        };
        if let Some((key_id, secret_key)) = demo_key {
            println!("demo trader key (also in {}):", credentials.display());
            println!("  keyId:     {key_id}");
            println!("  secretKey: {secret_key}");
        }
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        println!("pmx listening on http://{addr}");
        server.serve(listener, shutdown_signal()).await?;
        anyhow::Ok(())
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
