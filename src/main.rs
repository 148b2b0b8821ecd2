//! The `carenco-edge` command line: parses arguments, sets up logging, and hands over
//! to the library. Nothing else lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use carenco_edge::config::{Config, DEFAULT_CONFIG_TOML};

#[derive(Parser, Debug)]
#[command(
    name = "carenco-edge",
    version,
    about = "Foot-pressure mat and InBody OCR service for the Carenco health kiosk"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Options of `serve` (the default command).
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the service (the default).
    Serve(ServeArgs),
    /// Check a configuration file; exits non-zero naming the bad key.
    Validate {
        /// The file to check (defaults apply to missing keys; CARENCO_* overrides too).
        #[arg(long, env = "CARENCO_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print the commented default configuration file.
    GenerateConfig,
    /// The S3 upload queue of a running service.
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
}

#[derive(Subcommand, Debug)]
enum SyncCommand {
    /// Show the upload queue (GET /sync): depth, bytes, oldest item, last success and
    /// error. Exits 1 when the service cannot be reached, 2 when uploads are failing.
    Status {
        /// Base URL of the service; default: http://{api.listen} of the configuration.
        #[arg(long)]
        url: Option<String>,
        /// Bearer token when the service requires one (default: api.token).
        #[arg(long, env = "CARENCO_API_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Print the JSON answer instead of a summary.
        #[arg(long)]
        json: bool,
    },
}

/// `carenco-edge sync status`.
fn sync_status(
    config_path: Option<&PathBuf>,
    url: Option<String>,
    token: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    let base = url.unwrap_or_else(|| format!("http://{}", config.api.listen));
    let token = token
        .or_else(|| (!config.api.token.is_empty()).then(|| config.api.token.expose().to_string()));
    let url = format!("{}/sync", base.trim_end_matches('/'));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let status: serde_json::Value = runtime.block_on(async {
        let mut request = reqwest::Client::new()
            .get(&url)
            .timeout(std::time::Duration::from_secs(10));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        let code = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .with_context(|| format!("{url} did not answer JSON"))?;
        if !code.is_success() {
            anyhow::bail!("{url} answered {code}: {body}");
        }
        Ok::<_, anyhow::Error>(body)
    })?;
    if json {
        println!("{status:#}");
    } else {
        print!("{}", carenco_edge::sync::status_summary(&status));
    }
    Ok(if status["last_error"].is_null() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

#[derive(Args, Debug, Default, Clone)]
struct ServeArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "CARENCO_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Listen address, e.g. 127.0.0.1:5000 (overrides api.listen).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Data directory (overrides storage.data_dir).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    Ok(Config::load(path.map(PathBuf::as_path), std::env::vars())?)
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = load_config(args.config.as_ref())?;
    if let Some(listen) = args.listen {
        config.api.listen = listen.to_string();
    }
    if let Some(dir) = args.data_dir {
        config.storage.data_dir = dir;
    }
    carenco_edge::logging::init(&config.log);
    config.validate()?;
    let addr = config.listen_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        carenco_edge::app::run(config, listener, shutdown_signal()).await?;
        Ok(())
    })
}

/// Completes on SIGTERM (systemd stop) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(error) => {
            tracing::warn!(%error, "cannot watch SIGTERM; only Ctrl-C stops the service");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(ServeArgs {
            config: args.config.or(cli.serve.config),
            ..args
        }),
        Some(Command::Validate { config }) => load_config(config.as_ref()).and_then(|c| {
            c.validate()?;
            println!(
                "{}: ok",
                config
                    .as_ref()
                    .map_or("defaults".into(), |p| p.display().to_string())
            );
            Ok(())
        }),
        Some(Command::GenerateConfig) => {
            print!("{DEFAULT_CONFIG_TOML}");
            Ok(())
        }
        Some(Command::Sync {
            command: SyncCommand::Status { url, token, json },
        }) => {
            return match sync_status(cli.serve.config.as_ref(), url, token, json) {
                Ok(code) => code,
                Err(error) => {
                    eprintln!("carenco-edge: {error:#}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("carenco-edge: {error:#}");
            ExitCode::FAILURE
        }
    }
}
