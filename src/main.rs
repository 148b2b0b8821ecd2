//! The `carenco-edge` command line: parses arguments, sets up logging, and hands over
//! to the library. Nothing else lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use carenco_edge::config::{Config, DEFAULT_CONFIG_TOML};
use carenco_edge::footprint::ArchType;
use carenco_edge::scanner::cli::{CalibrateAction, SimTarget};
use carenco_edge::scanner::simulator::SimOptions;
use carenco_edge::scanner::WireFormat;

/// The command line; `examples/manpage.rs` renders the man pages from it (so the
/// man page generator stays out of this binary).
#[derive(Parser, Debug)]
#[command(
    name = "carenco-edge",
    version,
    about = "Foot-pressure mat and InBody OCR service for the Carenco health kiosk"
)]
pub(crate) struct Cli {
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
    /// Analyse one frame file and draw its picture (the `/image` path, without storing).
    Render(RenderArgs),
    /// Run a simulated mat on a pseudo-terminal or a serial port.
    Simulate(SimulateArgs),
    /// Calibrate the mat of a running service (tare, known weight, export, import).
    Calibrate(CalibrateArgs),
    /// The S3 upload queue of a running service.
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
    /// The kiosks that share this bucket, from their heartbeats.
    Fleet {
        #[command(subcommand)]
        command: FleetCommand,
    },
    /// Read an InBody result sheet (PNG/JPEG) and print the report, without storing it.
    Ocr {
        /// The photo or scan of the sheet.
        image: PathBuf,
        /// auto (Google when configured, else PP-OCR when installed, else Tesseract),
        /// google, ppocr or tesseract.
        #[arg(long, value_enum)]
        engine: Option<EngineArg>,
        /// Print the report as JSON (the `/ocr` answer without `record_id`).
        #[arg(long)]
        json: bool,
        /// Also print every word the engine read, with its box and confidence (to see
        /// why a field was missed).
        #[arg(long)]
        words: bool,
        #[arg(long, env = "CARENCO_CONFIG")]
        config: Option<PathBuf>,
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

#[derive(Subcommand, Debug)]
enum FleetCommand {
    /// One row per kiosk under the bucket's prefix: id, version, last seen, pending
    /// uploads, last error, mat connected, clock. S3 credentials come from the standard
    /// AWS chain; endpoint and region from the configuration. Exits 2 when a kiosk is
    /// stale (three heartbeats missed), 1 when the bucket cannot be read.
    Status {
        /// The bucket (default: s3.bucket of the configuration).
        #[arg(long)]
        bucket: Option<String>,
        /// The key prefix the kiosks share (default: s3.prefix).
        #[arg(long)]
        prefix: Option<String>,
        /// Print `{"bucket", "prefix", "kiosks": [...]}` as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `carenco-edge fleet status`.
#[cfg(feature = "fleet-status")]
fn fleet_status(
    config_path: Option<&PathBuf>,
    bucket: Option<String>,
    prefix: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut config = load_config(config_path)?;
    if let Some(bucket) = bucket {
        config.s3.bucket = bucket;
    }
    if let Some(prefix) = prefix {
        config.s3.prefix = prefix.trim_matches('/').to_string();
    }
    if config.s3.bucket.is_empty() {
        anyhow::bail!("no bucket: pass --bucket or set s3.bucket");
    }
    if !config.s3.prefix.is_empty()
        && !config
            .s3
            .prefix
            .split('/')
            .all(carenco_edge::config::is_key_segment)
    {
        anyhow::bail!(
            "--prefix {:?}: segments of [A-Za-z0-9_.-] separated by '/'",
            config.s3.prefix
        );
    }
    let rows = list_fleet(&config)?;
    if json {
        let doc = serde_json::json!({
            "bucket": config.s3.bucket,
            "prefix": config.s3.prefix,
            "kiosks": rows,
        });
        println!("{doc:#}");
    } else {
        print!("{}", carenco_edge::fleet::status::render(&rows));
    }
    Ok(if rows.iter().any(|r| r.stale) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every kiosk's row, read from the bucket.
#[cfg(feature = "fleet-status")]
fn list_fleet(config: &Config) -> anyhow::Result<Vec<carenco_edge::fleet::status::KioskRow>> {
    Ok(small_runtime()?.block_on(async {
        let client = carenco_edge::sync::object_store::client(&config.s3).await;
        carenco_edge::fleet::status::list(&client, &config.s3.bucket, &config.s3.prefix).await
    })?)
}

/// The Pi build leaves `fleet status` out (its S3 read operations and its output cost
/// the 10 MB binary bytes, and a kiosk's credentials may only write its own prefix).
#[cfg(not(feature = "fleet-status"))]
fn fleet_status(
    _config_path: Option<&PathBuf>,
    _bucket: Option<String>,
    _prefix: Option<String>,
    _json: bool,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this binary was built without the `fleet-status` feature (the Raspberry Pi build): \
         run `carenco-edge fleet status` on an operator's machine, whose credentials may \
         list the bucket"
    )
}

/// `--version`: the version, this kiosk's device id and where it comes from, and the
/// optional features built in. The configuration is the one `--config` (or
/// `CARENCO_CONFIG`) names, read before the arguments are parsed.
fn long_version() -> String {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--config=").map(str::to_string))
        })
        .or_else(|| std::env::var("CARENCO_CONFIG").ok())
        .map(PathBuf::from);
    let derived = carenco_edge::config::default_device_id();
    let (id, source) = match load_config(path.as_ref()) {
        Ok(c) if c.s3.device_id != derived => (c.s3.device_id, "s3.device_id".to_string()),
        Ok(c) => (c.s3.device_id, "derived from /etc/machine-id".to_string()),
        Err(e) => (
            derived.to_string(),
            format!("configuration unreadable: {e}"),
        ),
    };
    format!(
        "{}\ndevice id: {id} ({source})\nfeatures: {}",
        env!("CARGO_PKG_VERSION"),
        match (cfg!(feature = "gpio"), cfg!(feature = "fleet-status")) {
            (true, true) => "gpio fleet-status",
            (true, false) => "gpio",
            (false, true) => "fleet-status",
            (false, false) => "-",
        }
    )
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
        let client = carenco_edge::http_client::Client::new(
            std::time::Duration::from_secs(10),
            std::time::Duration::from_secs(5),
        );
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .as_deref()
            .map(|b| ("authorization", b))
            .into_iter()
            .collect();
        let response = client
            .send(http::Method::GET, &url, &headers, bytes::Bytes::new())
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        let code = response.status;
        let body: serde_json::Value = serde_json::from_slice(&response.body)
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

#[derive(Args, Debug)]
struct SimulateArgs {
    /// Wire format to speak.
    #[arg(long, default_value = "legacy")]
    format: WireFormat,
    /// Create a pseudo-terminal and print its path (point scanner.port at it).
    #[arg(long, conflicts_with = "port", required_unless_present = "port")]
    pty: bool,
    /// Write to this serial device instead.
    #[arg(long)]
    port: Option<String>,
    /// Baud rate with --port.
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
    /// Frames per second.
    #[arg(long, default_value_t = 10.0)]
    rate: f32,
    /// Stop after this many frames (default: run until killed).
    #[arg(long)]
    frames: Option<u64>,
    #[arg(long, default_value_t = 70.0)]
    weight_kg: f32,
    /// Share of the weight on the left foot, percent.
    #[arg(long, default_value_t = 50.0)]
    left_pct: f32,
    #[arg(long, default_value = "normal")]
    arch_left: ArchType,
    #[arg(long, default_value = "normal")]
    arch_right: ArchType,
    /// Garbage bytes between frames, percent of the frame bytes.
    #[arg(long, default_value_t = 0.0)]
    garbage_pct: f32,
    /// Percent of frames that lose one byte.
    #[arg(long, default_value_t = 0.0)]
    drop_pct: f32,
    /// Percent of frames with one flipped bit.
    #[arg(long, default_value_t = 0.0)]
    bitflip_pct: f32,
    /// Mat geometry (legacy is always 24 x 24).
    #[arg(long, default_value_t = 24)]
    rows: u16,
    #[arg(long, default_value_t = 24)]
    cols: u16,
    #[arg(long, default_value_t = 16.9)]
    pitch_mm: f32,
    /// Random seed (same seed, same bytes).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Centre-of-pressure sway amplitude while standing, mm (0 = none).
    #[arg(long, default_value_t = 0.0)]
    sway_mm: f32,
    /// Sway frequency, Hz (medio-lateral; antero-posterior at 0.6 of it).
    #[arg(long, default_value_t = 0.5)]
    sway_hz: f32,
    /// Seconds the person stands in each cycle of the scenario.
    #[arg(long, default_value_t = 5.0)]
    stand_s: f32,
    /// Cells read like FSRs in a voltage divider (non-linear; calibrate with
    /// `saturation_counts` = 4095).
    #[arg(long)]
    fsr_divider: bool,
}

#[derive(Args, Debug)]
struct CalibrateArgs {
    #[command(subcommand)]
    action: CalibrateCommand,
    /// The running service.
    #[arg(long, default_value = "http://127.0.0.1:5000", global = true)]
    url: String,
    /// Bearer token (api.token), if the service requires one.
    #[arg(long, env = "CARENCO_API_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
}

#[derive(Subcommand, Debug)]
enum CalibrateCommand {
    /// Zero the empty mat (nobody on it).
    Tare,
    /// Someone of this weight (kg) steps on and stands still.
    KnownKg { kg: f32 },
    /// Print the calibration in force as JSON.
    Export,
    /// Put an exported calibration (JSON file) in force.
    Import { file: PathBuf },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum EngineArg {
    Auto,
    Google,
    Tesseract,
    Ppocr,
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
    /// Serial device of the mat (overrides scanner.port).
    #[arg(long)]
    scanner_port: Option<String>,
    /// Wire format of the mat (overrides scanner.format).
    #[arg(long)]
    scanner_format: Option<WireFormat>,
    /// Baud rate of the mat (overrides scanner.baud).
    #[arg(long)]
    scanner_baud: Option<u32>,
    /// Run on the built-in simulated mat instead of a serial port.
    #[arg(long)]
    simulate: bool,
    /// Wire format of the simulated mat (default: scanner.format).
    #[arg(long, requires = "simulate")]
    simulate_format: Option<WireFormat>,
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
    if let Some(port) = args.scanner_port {
        config.scanner.port = port;
        config.scanner.enabled = true;
    }
    if let Some(format) = args.scanner_format {
        config.scanner.format = format;
    }
    if let Some(baud) = args.scanner_baud {
        config.scanner.baud = baud;
    }
    if args.simulate {
        config.scanner.simulate = true;
        config.scanner.enabled = true;
        if let Some(format) = args.simulate_format {
            config.scanner.format = format;
        }
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

fn small_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

#[derive(Args, Debug)]
struct RenderArgs {
    /// A frame file as in fixtures/frames/ (`{"id", "data"}` JSON), or raw bytes of a
    /// wire format with --wire.
    input: PathBuf,
    /// The picture to write; default: INPUT with the format's extension.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// png or jpeg.
    #[arg(long, default_value = "png")]
    format: String,
    /// Print the metrics as JSON to stdout.
    #[arg(long)]
    json: bool,
    /// INPUT is raw bytes of this wire format (legacy, cfp1, csv).
    #[arg(long)]
    wire: Option<WireFormat>,
    /// Cell pitch in mm (default: the file's `pitch_mm`, else scanner.pitch_mm).
    #[arg(long)]
    pitch_mm: Option<f32>,
}

/// `carenco-edge render`: the factory calibration of the frame's format (legacy: its
/// load-cell line), the configured pitch, the default picture options.
fn render(args: RenderArgs) -> anyhow::Result<()> {
    use carenco_edge::footprint::render::{ImageFormat, RenderOptions};
    use carenco_edge::footprint::Calibration;
    use carenco_edge::pipeline::footprint::{calibration_for, describe, frame_from_file, process};

    let config = load_config(None)?;
    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let (frame, wire, file_pitch) = frame_from_file(&bytes, args.wire)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
    let format: ImageFormat = args.format.parse().map_err(anyhow::Error::msg)?;
    let options = RenderOptions {
        format,
        ..RenderOptions::default()
    };
    let base = Calibration::factory(
        wire.unwrap_or(config.scanner.format),
        frame.rows,
        frame.cols,
    );
    let pitch = args
        .pitch_mm
        .or(file_pitch)
        .unwrap_or(config.scanner.pitch_mm);
    let grid = calibration_for(&base, wire).apply(&frame, pitch);
    let (metrics, picture) = process(&grid, &options)?;
    let output = args
        .output
        .unwrap_or_else(|| args.input.with_extension(format.extension()));
    std::fs::write(&output, &picture.bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&metrics)?);
    } else {
        let (kind, description) = describe(&metrics);
        println!(
            "{}: {:.1} kg ({:?}), {kind}: {description}",
            output.display(),
            metrics.weight_kg,
            metrics.weight_source
        );
    }
    Ok(())
}

fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let opts = SimOptions {
        format: args.format,
        rows: args.rows,
        cols: args.cols,
        pitch_mm: args.pitch_mm,
        rate_hz: args.rate,
        weight_kg: args.weight_kg,
        left_pct: args.left_pct,
        arch_left: args.arch_left,
        arch_right: args.arch_right,
        garbage_pct: args.garbage_pct,
        drop_pct: args.drop_pct,
        bitflip_pct: args.bitflip_pct,
        seed: args.seed,
        sway_mm: args.sway_mm,
        sway_hz: args.sway_hz,
        stand_s: args.stand_s,
        fsr_divider: args.fsr_divider,
        ..SimOptions::default()
    };
    let target = match args.port {
        Some(path) => SimTarget::Port {
            path,
            baud: args.baud,
        },
        None => SimTarget::Pty,
    };
    let stats = small_runtime()?.block_on(carenco_edge::scanner::cli::simulate(
        opts,
        target,
        args.frames,
        |path| {
            use std::io::Write;
            println!("{path}");
            let _ = std::io::stdout().flush();
        },
    ))?;
    eprintln!(
        "sent {} frames ({} intact), {} garbage bytes, {} dropped bytes, {} flipped bits",
        stats.frames,
        stats.frames_intact,
        stats.garbage_bytes,
        stats.dropped_bytes,
        stats.flipped_bits
    );
    Ok(())
}

fn calibrate(args: CalibrateArgs) -> anyhow::Result<()> {
    let action = match args.action {
        CalibrateCommand::Tare => CalibrateAction::Tare,
        CalibrateCommand::KnownKg { kg } => CalibrateAction::KnownKg(kg),
        CalibrateCommand::Export => CalibrateAction::Export,
        CalibrateCommand::Import { file } => CalibrateAction::Import(
            std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?,
        ),
    };
    let body = small_runtime()?.block_on(carenco_edge::scanner::cli::calibrate(
        &args.url,
        args.token.as_deref(),
        action,
    ))?;
    println!("{body}");
    Ok(())
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

/// `carenco-edge ocr IMAGE`: what `PUT /ocr` would answer, without storing anything.
fn ocr(
    image: &std::path::Path,
    engine: Option<EngineArg>,
    json: bool,
    words: bool,
    config: Option<&PathBuf>,
) -> anyhow::Result<()> {
    use carenco_edge::config::OcrEngineChoice;
    let config = load_config(config)?;
    let bytes = std::fs::read(image).with_context(|| format!("cannot read {}", image.display()))?;
    let mut engines = carenco_edge::ocr::Engines::from_config(&config.ocr);
    if let Some(e) = engine {
        engines = engines.with_choice(match e {
            EngineArg::Auto => OcrEngineChoice::Auto,
            EngineArg::Google => OcrEngineChoice::Google,
            EngineArg::Tesseract => OcrEngineChoice::Tesseract,
            EngineArg::Ppocr => OcrEngineChoice::Ppocr,
        });
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let recognized = runtime.block_on(engines.recognize(&bytes))?;
    if words {
        // To standard error, so `--json` output stays one document.
        for w in &recognized.words {
            let b = &w.bbox;
            eprintln!(
                "{:6.0} {:6.0} {:5.0} {:4.0} {:>4} {}",
                b.x,
                b.y,
                b.w,
                b.h,
                w.confidence.map_or("-".into(), |c| format!("{c:.0}")),
                w.text
            );
        }
    }
    let report = carenco_edge::ocr::inbody::parse(&recognized.words);
    let sheet = report.is_inbody_sheet();
    let report = carenco_edge::pipeline::ocr::OcrReport::new(recognized.engine, report);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render_text());
    }
    if !sheet {
        anyhow::bail!(
            "no InBody result sheet was recognised in {}",
            image.display()
        );
    }
    Ok(())
}

/// Prints a fatal error as one line (its causes joined, each once; `<3>` first when
/// standard error is the journal).
fn report(error: &anyhow::Error) {
    let text = carenco_edge::logging::chain(error.as_ref());
    eprint!("{}", carenco_edge::logging::fatal_line(&text));
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    // Leaked once: clap keeps `&'static str` versions without its `string` feature.
    let version: &'static str = Box::leak(long_version().into_boxed_str());
    let matches = Cli::command().long_version(version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
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
        Some(Command::Ocr {
            image,
            engine,
            json,
            words,
            config,
        }) => ocr(&image, engine, json, words, config.as_ref()),
        Some(Command::Render(args)) => render(args),
        Some(Command::GenerateConfig) => {
            print!("{DEFAULT_CONFIG_TOML}");
            Ok(())
        }
        Some(Command::Simulate(args)) => simulate(args),
        Some(Command::Calibrate(args)) => calibrate(args),
        Some(Command::Sync {
            command: SyncCommand::Status { url, token, json },
        }) => {
            return match sync_status(cli.serve.config.as_ref(), url, token, json) {
                Ok(code) => code,
                Err(error) => {
                    report(&error);
                    ExitCode::FAILURE
                }
            };
        }
        Some(Command::Fleet {
            command:
                FleetCommand::Status {
                    bucket,
                    prefix,
                    json,
                },
        }) => {
            return match fleet_status(cli.serve.config.as_ref(), bucket, prefix, json) {
                Ok(code) => code,
                Err(error) => {
                    report(&error);
                    ExitCode::FAILURE
                }
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&error);
            ExitCode::FAILURE
        }
    }
}
