//! The one typed configuration.
//!
//! Three layers, later ones win: the embedded defaults (every default is a named
//! constant below, and [`DEFAULT_CONFIG_TOML`] documents them), a TOML file (any subset
//! of keys; an unknown key is an error naming it), and `CARENCO_<SECTION>_<KEY>`
//! environment variables (e.g. `CARENCO_API_TOKEN`, `CARENCO_S3_BUCKET`). CLI flags are
//! applied by `main.rs` on top. [`Config::validate`] then checks values and names the
//! bad key.
//!
//! Secrets (`api.token`, `ocr.google_api_key`) are wrapped in [`Secret`], whose
//! `Debug` and `Serialize` never show the value: a config can be logged safely.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::mat::WireFormat;

/// The commented default configuration file, printed by `carenco-edge generate-config`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../config/default.toml");

/// Prefix of environment overrides.
pub const ENV_PREFIX: &str = "CARENCO_";

// [api]
/// Loopback on the original service's port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5000";
/// Limit of a JSON frame body (`PUT /image`).
pub const DEFAULT_MAX_FRAME_BODY_BYTES: u64 = 1024 * 1024;
/// Limit of an OCR upload (`PUT /ocr`).
pub const DEFAULT_MAX_OCR_BODY_BYTES: u64 = 20 * 1024 * 1024;
/// A client must send a request's whole header within this time (slowloris).
pub const DEFAULT_HEADER_TIMEOUT_MS: u64 = 10_000;
/// Default `api.body_timeout_ms`.
pub const DEFAULT_BODY_TIMEOUT_MS: u64 = 10_000;
/// Connections served at once; more wait in the kernel's backlog.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 64;
/// Pictures larger than [`crate::api::limits::LARGE_RENDER_PX`] drawn at once ...
pub const DEFAULT_MAX_LARGE_RENDERS: u32 = 1;
/// ... and waiting for their turn; past that, 503 with `Retry-After`.
pub const DEFAULT_LARGE_RENDER_QUEUE: u32 = 4;

// [log]
pub const DEFAULT_LOG_FILTER: &str = "info";

// [storage]
pub const DEFAULT_DATA_DIR: &str = "./data";
/// Pictures + queue may use this much of the disk before new captures get 507.
pub const DEFAULT_STORAGE_BUDGET_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Uploaded pictures older than this may be pruned locally (0 = keep forever).
pub const DEFAULT_RETENTION_DAYS: u32 = 0;

// [scanner]
pub const DEFAULT_SCANNER_PORT: &str = "/dev/footscanner";
pub const DEFAULT_SCANNER_BAUD: u32 = 115_200;
pub const DEFAULT_SCANNER_ROWS: u16 = 24;
pub const DEFAULT_SCANNER_COLS: u16 = 24;
/// The legacy mat's pitch is unknown; 16.9 mm makes its sensing area ~405 mm square.
pub const DEFAULT_SCANNER_PITCH_MM: f32 = 16.9;
/// No bytes from the mat for this long counts as a disconnect (the legacy mat streams
/// ~10 frames/s even when nobody stands on it).
pub const DEFAULT_SCANNER_READ_TIMEOUT_MS: u64 = 5_000;
/// Longest wait between attempts to reopen a vanished port.
pub const DEFAULT_SCANNER_RETRY_MAX_MS: u64 = 2_000;
/// A capture gives up after this long (nobody on the mat, or never stable).
pub const DEFAULT_CAPTURE_TIMEOUT_MS: u64 = 15_000;
/// FOOT.md: stable = total force varies < 2 % over ~0.5 s.
pub const DEFAULT_CAPTURE_STABLE_WINDOW_MS: u64 = 500;
pub const DEFAULT_CAPTURE_STABLE_TOLERANCE_PCT: f32 = 2.0;
/// Someone is on the mat once the pressure sum exceeds this weight.
pub const DEFAULT_CAPTURE_PRESENCE_KG: f32 = 5.0;
/// Frames averaged by a tare.
pub const DEFAULT_TARE_FRAMES: u32 = 10;

// [s3]
pub const DEFAULT_S3_REGION: &str = "ap-northeast-2";
pub const DEFAULT_S3_PREFIX: &str = "carenco";
/// The device id when `/etc/machine-id` cannot be read (and `s3.device_id` is not set).
pub const FALLBACK_S3_DEVICE_ID: &str = "kiosk";
/// Where the default device id comes from: systemd's machine id, stable for the life
/// of the installation.
pub const MACHINE_ID_PATH: &str = "/etc/machine-id";
/// How long `PUT /image` waits for its upload before answering `"queued"`.
pub const DEFAULT_S3_UPLOAD_WAIT_MS: u64 = 2_000;
/// Integrity checksum sent with every PUT: the SDK's default (CRC32).
pub const DEFAULT_S3_CHECKSUM: S3Checksum = S3Checksum::Crc32;
/// Per-attempt limit of one S3 request; the SDK has none by default.
pub const DEFAULT_S3_TIMEOUT_MS: u64 = 10_000;
pub const DEFAULT_S3_CONNECT_TIMEOUT_MS: u64 = 3_000;
/// Uploads in flight at once: enough to hide latency, small enough for a Pi's uplink.
pub const DEFAULT_S3_CONCURRENCY: u32 = 4;
/// First retry delay of a failed upload; doubles per attempt (with jitter) up to the cap.
pub const DEFAULT_S3_RETRY_BASE_MS: u64 = 1_000;
/// Retry delay cap: retries never stop, but a long outage costs one try per 5 minutes.
pub const DEFAULT_S3_RETRY_MAX_MS: u64 = 300_000;

// [ocr]
pub const DEFAULT_GOOGLE_ENDPOINT: &str = "https://vision.googleapis.com";
pub const DEFAULT_TESSERACT_BIN: &str = "tesseract";
/// Where the PP-OCR engine's models are installed (`det.onnx`, `rec.onnx`,
/// `rec_dict.txt`); the helper's own default is `carenco-ppocr` beside the service's
/// executable (`ocr.ppocr_helper` empty).
pub const DEFAULT_PPOCR_MODELS: &str = "/usr/share/carenco-edge/ppocr";
pub const DEFAULT_OCR_TIMEOUT_MS: u64 = 20_000;
/// The Tesseract engine's time per sheet before its later looks are given up (ms):
/// none by default. On a shared 2-core machine a sheet's first look alone takes longer
/// than any budget that would meet issue 16's 5 s, and the later looks are what read
/// the real sample (31/32 with them, 15/32 without); see `ocr::tesseract`.
pub const DEFAULT_OCR_TIME_BUDGET_MS: u64 = 0;
/// OCR jobs at once (each runs one Tesseract child per core) ...
pub const DEFAULT_OCR_MAX_CONCURRENT: u32 = 1;
/// ... and waiting for their turn; past that, 503 with `Retry-After`.
pub const DEFAULT_OCR_QUEUE: u32 = 2;
/// Largest sheet picture accepted, read from its header before decoding: a phone
/// photo (12 MP, 4000 x 3000) fits with room; a 30000 x 700 "bomb" does not.
pub const DEFAULT_OCR_MAX_IMAGE_SIDE_PX: u32 = 8_192;
pub const DEFAULT_OCR_MAX_IMAGE_PIXELS: u64 = 25_000_000;
/// Google's own environment variable for the Vision API key (used when
/// `ocr.google_api_key` is empty).
pub const GOOGLE_API_KEY_ENV: &str = "GOOGLE_API_KEY";

// [fleet]
/// How often a heartbeat (`{prefix}/{device_id}/status/latest.json`) is queued (s).
pub const DEFAULT_FLEET_HEARTBEAT_S: u64 = 300;

// [gpio]
pub const DEFAULT_GPIO_LED_PIN: u8 = 17;
pub const DEFAULT_GPIO_BUTTON_PIN: u8 = 27;

/// Errors loading or validating a configuration; each names the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("invalid `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

/// Whether `path` is absolute (a path handed to a child process must not depend on
/// its working directory).
fn is_absolute(path: &str) -> bool {
    std::path::Path::new(path).is_absolute()
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}

/// A secret string: never printed by `Debug`, never serialised in clear.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("\"<redacted>\"")
        }
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.0.is_empty() { "" } else { "<redacted>" })
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub api: ApiConfig,
    pub log: LogConfig,
    pub storage: StorageConfig,
    pub scanner: ScannerConfig,
    pub s3: S3Config,
    pub ocr: OcrConfig,
    pub gpio: GpioConfig,
    pub fleet: FleetConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Address to listen on. Non-loopback requires `token`.
    pub listen: String,
    /// Bearer token every request but `/health` must carry; empty = none.
    pub token: Secret,
    /// Origins allowed by CORS (e.g. `http://localhost:8080`, `null` for `file://`).
    pub cors_origins: Vec<String>,
    pub max_frame_body_bytes: u64,
    pub max_ocr_body_bytes: u64,
    /// Host names (beside the loopback ones) a request's `Host` may name, e.g. the
    /// kiosk's LAN name when it listens on the network; others get 421 (DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Time to receive a request's header (ms).
    pub header_timeout_ms: u64,
    /// Longest pause while a request's body is sent (ms): a client that stops sending
    /// part-way gets 408 instead of holding its connection.
    pub body_timeout_ms: u64,
    /// Connections served at once.
    pub max_connections: u32,
    /// Large pictures (`PUT /image?size=` over 1024 px) drawn at once.
    pub max_large_renders: u32,
    /// Large pictures waiting for their turn before 503.
    pub large_render_queue: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: DEFAULT_LISTEN.to_string(),
            token: Secret::default(),
            cors_origins: Vec::new(),
            max_frame_body_bytes: DEFAULT_MAX_FRAME_BODY_BYTES,
            max_ocr_body_bytes: DEFAULT_MAX_OCR_BODY_BYTES,
            allowed_hosts: Vec::new(),
            header_timeout_ms: DEFAULT_HEADER_TIMEOUT_MS,
            body_timeout_ms: DEFAULT_BODY_TIMEOUT_MS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_large_renders: DEFAULT_MAX_LARGE_RENDERS,
            large_render_queue: DEFAULT_LARGE_RENDER_QUEUE,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Coloured on a terminal, plain lines elsewhere (systemd/journald).
    #[default]
    Auto,
    /// Plain lines, no ANSI colours.
    Plain,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `RUST_LOG`-style filter; the `RUST_LOG` variable wins when set.
    pub filter: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: DEFAULT_LOG_FILTER.to_string(),
            format: LogFormat::Auto,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Database, pictures and queued uploads live here.
    pub data_dir: PathBuf,
    /// Bytes that pictures and the queue may use; past it new captures get 507.
    pub budget_bytes: u64,
    /// Uploaded pictures older than this many days are pruned locally; 0 keeps them.
    pub retention_days: u32,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            budget_bytes: DEFAULT_STORAGE_BUDGET_BYTES,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerConfig {
    /// Read the mat at all. Off, the service still takes frames sent with `data`.
    pub enabled: bool,
    /// Serial device (the udev rule names the mat `/dev/footscanner`).
    pub port: String,
    pub baud: u32,
    pub format: WireFormat,
    /// Mat geometry: rows, columns, centre-to-centre pitch in mm.
    pub rows: u16,
    pub cols: u16,
    pub pitch_mm: f32,
    /// Use the built-in simulated mat instead of `port`.
    pub simulate: bool,
    /// No bytes for this long = disconnected (then the port is reopened).
    pub read_timeout_ms: u64,
    /// Cap of the reopen backoff.
    pub retry_max_ms: u64,
    /// Capture: give up after this long.
    pub capture_timeout_ms: u64,
    /// Capture: the stance must hold this long ...
    pub stable_window_ms: u64,
    /// ... with the total force varying by less than this percentage.
    pub stable_tolerance_pct: f32,
    /// Capture: someone is on the mat above this weight (kg).
    pub presence_kg: f32,
    /// Frames averaged by `POST /scanner/tare`.
    pub tare_frames: u32,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        ScannerConfig {
            enabled: true,
            port: DEFAULT_SCANNER_PORT.to_string(),
            baud: DEFAULT_SCANNER_BAUD,
            format: WireFormat::Legacy,
            rows: DEFAULT_SCANNER_ROWS,
            cols: DEFAULT_SCANNER_COLS,
            pitch_mm: DEFAULT_SCANNER_PITCH_MM,
            simulate: false,
            read_timeout_ms: DEFAULT_SCANNER_READ_TIMEOUT_MS,
            retry_max_ms: DEFAULT_SCANNER_RETRY_MAX_MS,
            capture_timeout_ms: DEFAULT_CAPTURE_TIMEOUT_MS,
            stable_window_ms: DEFAULT_CAPTURE_STABLE_WINDOW_MS,
            stable_tolerance_pct: DEFAULT_CAPTURE_STABLE_TOLERANCE_PCT,
            presence_kg: DEFAULT_CAPTURE_PRESENCE_KG,
            tare_frames: DEFAULT_TARE_FRAMES,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    /// Empty = no uploads: everything stays local (the embedded default).
    pub bucket: String,
    pub region: String,
    /// Custom endpoint for S3-compatible stores (MinIO, Garage); empty = AWS.
    pub endpoint: String,
    pub force_path_style: bool,
    pub prefix: String,
    /// Distinguishes kiosks sharing a bucket; part of every key. Default: derived from
    /// `/etc/machine-id` ([`default_device_id`]).
    pub device_id: String,
    /// Base of the public `url` of a picture; empty = derived from endpoint/bucket.
    pub public_base_url: String,
    pub upload_wait_ms: u64,
    /// Integrity checksum on each PUT (see [`S3Checksum`]).
    pub checksum: S3Checksum,
    /// Limit of one request attempt (ms).
    pub timeout_ms: u64,
    /// Limit of opening a connection (ms).
    pub connect_timeout_ms: u64,
    /// Uploads in flight at once.
    pub concurrency: u32,
    /// First retry delay (ms); doubled per failed attempt, with jitter.
    pub retry_base_ms: u64,
    /// Largest retry delay (ms). Retries never stop.
    pub retry_max_ms: u64,
}

/// Which integrity checksum each PUT carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum S3Checksum {
    /// The SDK's default flexible checksum (`x-amz-checksum-crc32`).
    #[default]
    Crc32,
    /// A flexible SHA-256 checksum (`x-amz-checksum-sha256`).
    Sha256,
    /// Only `Content-MD5`, with the SDK's flexible checksums off
    /// (`request_checksum_calculation = WhenRequired`): for S3-compatible stores that
    /// reject the newer checksum headers or aws-chunked trailers.
    Md5,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            bucket: String::new(),
            region: DEFAULT_S3_REGION.to_string(),
            endpoint: String::new(),
            force_path_style: false,
            prefix: DEFAULT_S3_PREFIX.to_string(),
            device_id: default_device_id().to_string(),
            public_base_url: String::new(),
            upload_wait_ms: DEFAULT_S3_UPLOAD_WAIT_MS,
            checksum: DEFAULT_S3_CHECKSUM,
            timeout_ms: DEFAULT_S3_TIMEOUT_MS,
            connect_timeout_ms: DEFAULT_S3_CONNECT_TIMEOUT_MS,
            concurrency: DEFAULT_S3_CONCURRENCY,
            retry_base_ms: DEFAULT_S3_RETRY_BASE_MS,
            retry_max_ms: DEFAULT_S3_RETRY_MAX_MS,
        }
    }
}

/// Which OCR engine answers `PUT /ocr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OcrEngineChoice {
    /// Google when configured and reachable, else PP-OCR where its helper and
    /// models are installed, else Tesseract.
    #[default]
    Auto,
    Google,
    Tesseract,
    /// The PP-OCR helper (`carenco-ppocr`), its Korean labels read by Tesseract.
    Ppocr,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OcrConfig {
    pub engine: OcrEngineChoice,
    pub google_endpoint: String,
    /// Google Cloud Vision API key (`GOOGLE_API_KEY` also works); empty = not configured.
    pub google_api_key: Secret,
    pub tesseract_bin: String,
    /// The PP-OCR helper binary; empty = `carenco-ppocr` beside the running executable.
    pub ppocr_helper: String,
    /// The PP-OCR models directory (`det.onnx`, `rec.onnx`, `rec_dict.txt`).
    pub ppocr_models: String,
    /// The ONNX Runtime shared library the helper loads (passed as `ORT_DYLIB_PATH`);
    /// by default where the `carenco-edge-ppocr` package installs it; empty = the
    /// helper's own default.
    pub ppocr_ort_library: String,
    pub timeout_ms: u64,
    /// The Tesseract engine's time for one sheet (ms): its first look always runs
    /// (each child within `timeout_ms`); the later, closer looks start only while
    /// the sheet is within this budget and are cut off (their children killed) when
    /// it is spent, leaving the first look's reading. 0 = no budget.
    pub time_budget_ms: u64,
    /// OCR jobs at once (at most the number of cores is used).
    pub max_concurrent: u32,
    /// OCR jobs waiting for their turn before 503 with `Retry-After`.
    pub queue: u32,
    /// Largest width or height of a sheet picture (px), from its header.
    pub max_image_side_px: u32,
    /// Largest pixel count of a sheet picture, from its header.
    pub max_image_pixels: u64,
}

impl Default for OcrConfig {
    fn default() -> Self {
        OcrConfig {
            engine: OcrEngineChoice::Auto,
            google_endpoint: DEFAULT_GOOGLE_ENDPOINT.to_string(),
            google_api_key: Secret::default(),
            tesseract_bin: DEFAULT_TESSERACT_BIN.to_string(),
            ppocr_helper: String::new(),
            ppocr_models: DEFAULT_PPOCR_MODELS.to_string(),
            ppocr_ort_library: "/usr/lib/carenco-edge/libonnxruntime.so.1.32.0".into(),
            timeout_ms: DEFAULT_OCR_TIMEOUT_MS,
            time_budget_ms: DEFAULT_OCR_TIME_BUDGET_MS,
            max_concurrent: DEFAULT_OCR_MAX_CONCURRENT,
            queue: DEFAULT_OCR_QUEUE,
            max_image_side_px: DEFAULT_OCR_MAX_IMAGE_SIDE_PX,
            max_image_pixels: DEFAULT_OCR_MAX_IMAGE_PIXELS,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GpioConfig {
    /// Drive the status LED and read the capture button (needs the `gpio` feature).
    pub enabled: bool,
    /// BCM pin numbers.
    pub led_pin: u8,
    pub button_pin: u8,
}

impl Default for GpioConfig {
    fn default() -> Self {
        GpioConfig {
            enabled: false,
            led_pin: DEFAULT_GPIO_LED_PIN,
            button_pin: DEFAULT_GPIO_BUTTON_PIN,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FleetConfig {
    /// Seconds between heartbeats (status documents uploaded through the outbox, when a
    /// bucket is set). `fleet status` calls a kiosk stale after three missed ones.
    pub heartbeat_s: u64,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            heartbeat_s: DEFAULT_FLEET_HEARTBEAT_S,
        }
    }
}

/// The device id of this machine when `s3.device_id` is not configured:
/// `kiosk-` and 12 hex digits of a hash of `/etc/machine-id` (read once). Hashed,
/// because systemd asks applications not to publish the machine id itself
/// (`machine-id(5)`); stable, because the machine id is. [`FALLBACK_S3_DEVICE_ID`] when
/// the file is missing or empty.
pub fn default_device_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        std::fs::read_to_string(MACHINE_ID_PATH)
            .ok()
            .and_then(|text| device_id_from_machine_id(&text))
            .unwrap_or_else(|| FALLBACK_S3_DEVICE_ID.to_string())
    })
}

/// `kiosk-` + the first 12 hex digits of MD5(`carenco-edge:` + machine id), or `None`
/// when `machine_id` holds no id (empty, or systemd's `uninitialized`).
pub fn device_id_from_machine_id(machine_id: &str) -> Option<String> {
    use md5::Digest as _;
    let id = machine_id.trim();
    if id.is_empty() || id == "uninitialized" {
        return None;
    }
    let digest = md5::Md5::digest(format!("carenco-edge:{id}").as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Some(format!("kiosk-{hex}"))
}

const SECTIONS: &[&str] = &[
    "api", "log", "storage", "scanner", "s3", "ocr", "gpio", "fleet",
];

impl Config {
    /// Defaults, then `file` (when given), then `CARENCO_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut value = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                Self::check_file(&text, path)?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Parse {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        let env: Vec<(String, String)> = env.into_iter().collect();
        // Google's own variable, as its client libraries use it; CARENCO_* and the
        // file win.
        let google_key = env
            .iter()
            .find(|(k, _)| k == GOOGLE_API_KEY_ENV)
            .map(|(_, v)| v.clone());
        apply_env(&mut value, env)?;
        let mut config: Config =
            toml::Value::Table(value)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Env {
                    var: format!("{ENV_PREFIX}*"),
                    message: e.message().to_string(),
                })?;
        if config.ocr.google_api_key.is_empty() {
            if let Some(key) = google_key.filter(|k| !k.is_empty()) {
                config.ocr.google_api_key = Secret::new(key);
            }
        }
        Ok(config)
    }

    /// Parses `text` as a config file (typed), so type errors name the file and key.
    fn check_file(text: &str, path: &Path) -> Result<(), ConfigError> {
        toml::from_str::<Config>(text)
            .map(|_| ())
            .map_err(|e| ConfigError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
    }

    /// Checks every value; the error names the key and why.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let listen = self.listen_addr()?;
        if !listen.ip().is_loopback() && self.api.token.is_empty() {
            return Err(invalid(
                "api.token",
                format!(
                    "api.listen is {listen}, which is not a loopback address: set api.token \
                     (CARENCO_API_TOKEN) so that only the kiosk can call the API"
                ),
            ));
        }
        if !self.api.token.is_empty() && self.api.token.expose().len() < 16 {
            return Err(invalid("api.token", "must be at least 16 characters"));
        }
        for origin in &self.api.cors_origins {
            parse_origin(origin).map_err(|reason| invalid("api.cors_origins", reason))?;
        }
        for host in &self.api.allowed_hosts {
            parse_host(host).map_err(|reason| invalid("api.allowed_hosts", reason))?;
        }
        if !(100..=600_000).contains(&self.api.header_timeout_ms) {
            return Err(invalid("api.header_timeout_ms", "must be 100..=600000"));
        }
        if !(100..=600_000).contains(&self.api.body_timeout_ms) {
            return Err(invalid("api.body_timeout_ms", "must be 100..=600000"));
        }
        if !(1..=4096).contains(&self.api.max_connections) {
            return Err(invalid("api.max_connections", "must be 1..=4096"));
        }
        if !(1..=64).contains(&self.api.max_large_renders) {
            return Err(invalid("api.max_large_renders", "must be 1..=64"));
        }
        if self.api.large_render_queue > 1024 {
            return Err(invalid("api.large_render_queue", "must be 0..=1024"));
        }
        if self.api.max_frame_body_bytes < 1024 {
            return Err(invalid("api.max_frame_body_bytes", "must be at least 1024"));
        }
        if self.api.max_ocr_body_bytes < 1024 {
            return Err(invalid("api.max_ocr_body_bytes", "must be at least 1024"));
        }
        if self.storage.data_dir.as_os_str().is_empty() {
            return Err(invalid("storage.data_dir", "must not be empty"));
        }
        if self.storage.budget_bytes < 1024 * 1024 {
            return Err(invalid("storage.budget_bytes", "must be at least 1 MiB"));
        }
        if self.scanner.port.is_empty() && self.scanner.enabled && !self.scanner.simulate {
            return Err(invalid(
                "scanner.port",
                "must not be empty while the scanner is enabled",
            ));
        }
        if !(300..=4_000_000).contains(&self.scanner.baud) {
            return Err(invalid("scanner.baud", "must be between 300 and 4000000"));
        }
        if !(1..=256).contains(&self.scanner.rows) {
            return Err(invalid("scanner.rows", "must be 1..=256"));
        }
        if !(1..=256).contains(&self.scanner.cols) {
            return Err(invalid("scanner.cols", "must be 1..=256"));
        }
        if self.scanner.format == WireFormat::Legacy
            && (self.scanner.rows != 24 || self.scanner.cols != 24)
        {
            return Err(invalid(
                "scanner.rows",
                "the legacy format is always 24 x 24 (set rows = cols = 24)",
            ));
        }
        if !(self.scanner.pitch_mm.is_finite() && (1.0..=100.0).contains(&self.scanner.pitch_mm)) {
            return Err(invalid("scanner.pitch_mm", "must be between 1 and 100 mm"));
        }
        if !(100..=600_000).contains(&self.scanner.read_timeout_ms) {
            return Err(invalid("scanner.read_timeout_ms", "must be 100..=600000"));
        }
        if !(10..=600_000).contains(&self.scanner.retry_max_ms) {
            return Err(invalid("scanner.retry_max_ms", "must be 10..=600000"));
        }
        if !(500..=600_000).contains(&self.scanner.capture_timeout_ms) {
            return Err(invalid(
                "scanner.capture_timeout_ms",
                "must be 500..=600000",
            ));
        }
        if !(50..=10_000).contains(&self.scanner.stable_window_ms) {
            return Err(invalid("scanner.stable_window_ms", "must be 50..=10000"));
        }
        let tol = self.scanner.stable_tolerance_pct;
        if !(tol.is_finite() && tol > 0.0 && tol <= 50.0) {
            return Err(invalid(
                "scanner.stable_tolerance_pct",
                "must be in (0, 50]",
            ));
        }
        let presence = self.scanner.presence_kg;
        if !(presence.is_finite() && (0.1..=200.0).contains(&presence)) {
            return Err(invalid(
                "scanner.presence_kg",
                "must be between 0.1 and 200",
            ));
        }
        if !(1..=1000).contains(&self.scanner.tare_frames) {
            return Err(invalid("scanner.tare_frames", "must be 1..=1000"));
        }
        if !self.s3.bucket.is_empty() {
            if self.s3.region.is_empty() {
                return Err(invalid(
                    "s3.region",
                    "must not be empty when s3.bucket is set",
                ));
            }
            if !is_http_url(&self.s3.endpoint) && !self.s3.endpoint.is_empty() {
                return Err(invalid(
                    "s3.endpoint",
                    "must start with http:// or https://",
                ));
            }
        }
        if !is_key_segment(&self.s3.device_id) {
            return Err(invalid(
                "s3.device_id",
                "must be 1..64 characters of [A-Za-z0-9_.-] (it is part of every S3 key)",
            ));
        }
        if !(1..=86_400).contains(&self.fleet.heartbeat_s) {
            return Err(invalid("fleet.heartbeat_s", "must be 1..=86400 seconds"));
        }
        if !self.s3.prefix.is_empty() && !self.s3.prefix.split('/').all(is_key_segment) {
            return Err(invalid(
                "s3.prefix",
                "must be segments of [A-Za-z0-9_.-] separated by '/', without leading or trailing '/'",
            ));
        }
        if self.s3.upload_wait_ms > 60_000 {
            return Err(invalid("s3.upload_wait_ms", "must be at most 60000"));
        }
        if !(100..=600_000).contains(&self.s3.timeout_ms) {
            return Err(invalid("s3.timeout_ms", "must be between 100 and 600000"));
        }
        if !(100..=600_000).contains(&self.s3.connect_timeout_ms) {
            return Err(invalid(
                "s3.connect_timeout_ms",
                "must be between 100 and 600000",
            ));
        }
        if !(1..=64).contains(&self.s3.concurrency) {
            return Err(invalid("s3.concurrency", "must be 1..=64"));
        }
        if self.s3.retry_base_ms == 0 {
            return Err(invalid("s3.retry_base_ms", "must be positive"));
        }
        if self.s3.retry_max_ms < self.s3.retry_base_ms {
            return Err(invalid(
                "s3.retry_max_ms",
                "must be at least s3.retry_base_ms",
            ));
        }
        if !(self.ocr.google_endpoint.starts_with("http://")
            || self.ocr.google_endpoint.starts_with("https://"))
        {
            return Err(invalid(
                "ocr.google_endpoint",
                "must start with http:// or https://",
            ));
        }
        if self.ocr.engine == OcrEngineChoice::Google && self.ocr.google_api_key.is_empty() {
            return Err(invalid(
                "ocr.google_api_key",
                "ocr.engine is \"google\" but no key is set (or GOOGLE_API_KEY)",
            ));
        }
        // The helper runs with another working directory than the config was written
        // for: its models and library are absolute paths (the helper itself may be a
        // bare name looked up on PATH, as `tesseract_bin`).
        if !is_absolute(&self.ocr.ppocr_models) {
            return Err(invalid("ocr.ppocr_models", "must be an absolute path"));
        }
        if !self.ocr.ppocr_ort_library.is_empty() && !is_absolute(&self.ocr.ppocr_ort_library) {
            return Err(invalid(
                "ocr.ppocr_ort_library",
                "must be empty or an absolute path",
            ));
        }
        if self.ocr.ppocr_helper.trim() != self.ocr.ppocr_helper
            || self.ocr.ppocr_helper.ends_with('/')
        {
            return Err(invalid(
                "ocr.ppocr_helper",
                "must be empty, a program name or a path to a file",
            ));
        }
        if self.ocr.timeout_ms == 0 {
            return Err(invalid("ocr.timeout_ms", "must be positive"));
        }
        if !(1..=64).contains(&self.ocr.max_concurrent) {
            return Err(invalid("ocr.max_concurrent", "must be 1..=64"));
        }
        if self.ocr.queue > 1024 {
            return Err(invalid("ocr.queue", "must be 0..=1024"));
        }
        if !(64..=65_535).contains(&self.ocr.max_image_side_px) {
            return Err(invalid("ocr.max_image_side_px", "must be 64..=65535"));
        }
        if !(4096..=400_000_000).contains(&self.ocr.max_image_pixels) {
            return Err(invalid("ocr.max_image_pixels", "must be 4096..=400000000"));
        }
        if self.gpio.enabled && self.gpio.led_pin == self.gpio.button_pin {
            return Err(invalid("gpio.button_pin", "must differ from gpio.led_pin"));
        }
        if self.gpio.led_pin > 27 || self.gpio.button_pin > 27 {
            return Err(invalid("gpio.led_pin", "BCM pins are 0..=27"));
        }
        Ok(())
    }

    /// `api.listen` parsed.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.api.listen.parse().map_err(|e| {
            invalid(
                "api.listen",
                format!("{:?} is not an address:port ({e})", self.api.listen),
            )
        })
    }
}

/// An origin as browsers send it in `Origin`, normalised (lower case, no default
/// port): `null`, or `http(s)://host[:port]` with nothing after the authority. The one
/// rule for `validate` and for the server's origin checks ([`crate::api::guard`]).
pub fn parse_origin(s: &str) -> Result<String, String> {
    if s == "null" {
        return Ok(s.to_string());
    }
    let bad = |why: &str| {
        format!("{s:?} is not an origin ({why}; expected http://host[:port], https://host[:port] or null)")
    };
    let lower = s.to_ascii_lowercase();
    let (scheme, rest, default_port) = if let Some(rest) = lower.strip_prefix("http://") {
        ("http", rest, "80")
    } else if let Some(rest) = lower.strip_prefix("https://") {
        ("https", rest, "443")
    } else {
        return Err(bad("no http:// or https://"));
    };
    let (host, port) = split_host_port(rest).map_err(|why| bad(&why))?;
    parse_host(&host).map_err(|why| bad(&why))?;
    match port {
        Some(p) if p == default_port => Ok(format!("{scheme}://{host}")),
        Some(p) => Ok(format!("{scheme}://{host}:{p}")),
        None => Ok(format!("{scheme}://{host}")),
    }
}

/// Splits `host[:port]` (IPv6 in brackets); the port must be 1..=65535 digits.
pub fn split_host_port(s: &str) -> Result<(String, Option<String>), String> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 address without its closing ]".to_string())?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| "something after the IPv6 address".to_string())?,
            ),
        };
        (format!("[{h}]"), port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (s.to_string(), None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n.to_string()),
            _ => return Err(format!("port {p:?} is not 1..=65535")),
        },
    };
    Ok((host, port))
}

/// A host name or IP literal as it may appear in `Host` (no port, no path): DNS
/// labels of `[a-z0-9-]`, an IPv4 address, or an IPv6 address in brackets.
pub fn parse_host(s: &str) -> Result<String, String> {
    let lower = s.to_ascii_lowercase();
    if let Some(v6) = lower.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return v6
            .parse::<std::net::Ipv6Addr>()
            .map(|_| lower.clone())
            .map_err(|_| format!("{s:?} is not an IPv6 address"));
    }
    let labels_ok = !lower.is_empty()
        && lower.len() <= 253
        && lower.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if labels_ok {
        Ok(lower)
    } else {
        Err(format!("{s:?} is not a host name"))
    }
}

fn is_http_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// True for 1..=64 characters of `[A-Za-z0-9_.-]`, not `.` or `..`: safe as one path
/// segment and one S3 key segment.
pub fn is_key_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// Applies `CARENCO_<SECTION>_<KEY>=value` to the raw table. A value is read as a TOML
/// literal when it parses as one (numbers, booleans, arrays), else as a string.
fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let defaults = toml::Table::try_from(Config::default()).map_err(|e| ConfigError::Env {
        var: ENV_PREFIX.to_string(),
        message: e.to_string(),
    })?;
    for (var, raw) in env {
        let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let rest = rest.to_ascii_lowercase();
        let Some((section, key)) = SECTIONS.iter().find_map(|s| {
            rest.strip_prefix(s)
                .and_then(|r| r.strip_prefix('_'))
                .map(|k| (*s, k.to_string()))
        }) else {
            // CARENCO_CONFIG and the like belong to the CLI, not to the file layers.
            if rest == "config" {
                continue;
            }
            return Err(ConfigError::Env {
                var,
                message: format!("unknown section (expected one of {})", SECTIONS.join(", ")),
            });
        };
        let known = defaults
            .get(section)
            .and_then(|s| s.as_table())
            .and_then(|s| s.get(&key));
        let Some(default) = known else {
            return Err(ConfigError::Env {
                var,
                message: format!("unknown key `{section}.{key}`"),
            });
        };
        let value = if default.is_str() {
            toml::Value::String(raw)
        } else {
            format!("v = {raw}")
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or(toml::Value::String(raw))
        };
        table
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| ConfigError::Env {
                var: var.clone(),
                message: format!("`{section}` in the file is not a table"),
            })?
            .insert(key, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_embedded_default_file_parses_to_the_default_config() {
        let from_file: Config = toml::from_str(DEFAULT_CONFIG_TOML).unwrap();
        let default = Config::default();
        assert_eq!(
            toml::to_string(&from_file).unwrap(),
            toml::to_string(&default).unwrap()
        );
        default.validate().unwrap();
    }

    #[test]
    fn the_default_device_id_is_derived_from_the_machine_id_and_config_wins() {
        let a = device_id_from_machine_id("0123456789abcdef0123456789abcdef\n").unwrap();
        let b = device_id_from_machine_id("fedcba9876543210fedcba9876543210").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), "kiosk-".len() + 12);
        assert!(is_key_segment(&a), "{a}");
        assert!(
            !a.contains("0123456789ab"),
            "the machine id itself is not published"
        );
        assert_eq!(device_id_from_machine_id("  \n"), None);
        assert_eq!(device_id_from_machine_id("uninitialized\n"), None);
        // Stable: the same machine id gives the same device id.
        assert_eq!(
            device_id_from_machine_id("0123456789abcdef0123456789abcdef"),
            Some(a)
        );
        assert!(is_key_segment(default_device_id()));
        let c = Config::load(None, env(&[("CARENCO_S3_DEVICE_ID", "kiosk-7")])).unwrap();
        assert_eq!(c.s3.device_id, "kiosk-7");
        assert_eq!(Config::default().s3.device_id, default_device_id());
    }

    proptest::proptest! {
        /// Whatever `/etc/machine-id` holds, the derived id is absent or a valid key
        /// segment (it goes into every S3 key), and the same text gives the same id.
        #[test]
        fn any_machine_id_text_gives_no_id_or_a_safe_stable_one(text in "\\PC{0,80}") {
            let id = device_id_from_machine_id(&text);
            if let Some(id) = &id {
                proptest::prop_assert!(is_key_segment(id), "{id}");
            }
            proptest::prop_assert_eq!(device_id_from_machine_id(&text), id);
        }
    }

    #[test]
    fn the_heartbeat_interval_is_bounded() {
        let mut c = Config::default();
        c.fleet.heartbeat_s = 0;
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("fleet.heartbeat_s"));
        c.fleet.heartbeat_s = 1;
        c.validate().unwrap();
    }

    #[test]
    fn unknown_keys_in_a_file_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[api]\nlisten = \"127.0.0.1:1\"\nlsten = 3\n").unwrap();
        let err = Config::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(err.contains("lsten"), "{err}");
    }

    #[test]
    fn env_overrides_the_file_with_typed_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[scanner]\nbaud = 9600\n").unwrap();
        let c = Config::load(
            Some(&path),
            env(&[
                ("CARENCO_SCANNER_BAUD", "57600"),
                ("CARENCO_S3_BUCKET", "kiosk-bucket"),
                ("CARENCO_S3_FORCE_PATH_STYLE", "true"),
                ("CARENCO_API_CORS_ORIGINS", "[\"http://localhost:8080\"]"),
                ("CARENCO_S3_DEVICE_ID", "12345"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(c.scanner.baud, 57600);
        assert_eq!(c.s3.bucket, "kiosk-bucket");
        assert!(c.s3.force_path_style);
        assert_eq!(
            c.api.cors_origins,
            vec!["http://localhost:8080".to_string()]
        );
        assert_eq!(c.s3.device_id, "12345");
    }

    #[test]
    fn an_unknown_env_key_is_an_error_naming_it() {
        let err = Config::load(None, env(&[("CARENCO_API_TOKNE", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("CARENCO_API_TOKNE"), "{err}");
        assert!(err.contains("api.tokne"), "{err}");
    }

    #[test]
    fn a_public_listen_address_needs_a_token() {
        let mut c = Config::default();
        c.api.listen = "0.0.0.0:5000".into();
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("api.token"), "{err}");
        c.api.token = Secret::new("0123456789abcdef0123");
        c.validate().unwrap();
    }

    #[test]
    fn secrets_never_show_in_debug_or_serialised_output() {
        let mut c = Config::default();
        c.api.token = Secret::new("super-secret-token-value");
        c.ocr.google_api_key = Secret::new("AIzaSecretKey");
        let debug = format!("{c:?}");
        let ser = toml::to_string(&c).unwrap();
        for text in [debug, ser] {
            assert!(!text.contains("super-secret"), "{text}");
            assert!(!text.contains("AIzaSecretKey"), "{text}");
        }
    }

    #[test]
    fn bad_values_name_their_key() {
        type Mutation = fn(&mut Config);
        let cases: Vec<(Mutation, &str)> = vec![
            (|c| c.api.listen = "localhost".into(), "api.listen"),
            (|c| c.scanner.baud = 1, "scanner.baud"),
            (|c| c.scanner.pitch_mm = f32::NAN, "scanner.pitch_mm"),
            (|c| c.s3.device_id = "../etc".into(), "s3.device_id"),
            (|c| c.s3.prefix = "/a".into(), "s3.prefix"),
            (|c| c.s3.concurrency = 0, "s3.concurrency"),
            (|c| c.s3.timeout_ms = 0, "s3.timeout_ms"),
            (|c| c.s3.retry_max_ms = 1, "s3.retry_max_ms"),
            (
                |c| c.api.cors_origins = vec!["*".into()],
                "api.cors_origins",
            ),
            (
                |c| c.ocr.engine = OcrEngineChoice::Google,
                "ocr.google_api_key",
            ),
            (
                |c| c.api.cors_origins = vec!["http://".into()],
                "api.cors_origins",
            ),
            (
                |c| c.api.cors_origins = vec!["http://a.example/path".into()],
                "api.cors_origins",
            ),
            (
                |c| c.api.allowed_hosts = vec!["kiosk.lan:5000".into()],
                "api.allowed_hosts",
            ),
            (|c| c.api.max_connections = 0, "api.max_connections"),
            (|c| c.api.header_timeout_ms = 0, "api.header_timeout_ms"),
            (|c| c.api.body_timeout_ms = 0, "api.body_timeout_ms"),
            (|c| c.ocr.max_concurrent = 0, "ocr.max_concurrent"),
            (|c| c.ocr.ppocr_models = "models".into(), "ocr.ppocr_models"),
            (|c| c.ocr.ppocr_models = String::new(), "ocr.ppocr_models"),
            (
                |c| c.ocr.ppocr_ort_library = "lib/libonnxruntime.so".into(),
                "ocr.ppocr_ort_library",
            ),
            (
                |c| c.ocr.ppocr_helper = "/opt/bin/".into(),
                "ocr.ppocr_helper",
            ),
            (
                |c| c.ocr.ppocr_helper = " carenco-ppocr".into(),
                "ocr.ppocr_helper",
            ),
            (|c| c.ocr.max_image_pixels = 0, "ocr.max_image_pixels"),
        ];
        for (mutate, key) in cases {
            let mut c = Config::default();
            mutate(&mut c);
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains(key), "expected {key} in {err}");
        }
    }

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        for (given, normal) in [
            ("null", "null"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("HTTPS://Kiosk.LAN:443", "https://kiosk.lan"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://[::1]:5000", "http://[::1]:5000"),
        ] {
            assert_eq!(parse_origin(given).as_deref(), Ok(normal), "{given}");
        }
        for bad in [
            "",
            "*",
            "http://",
            "http://a b",
            "http://a/",
            "ftp://a",
            "http://a:0",
            "http://a:x",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_segments_reject_path_tricks() {
        for ok in ["1", "user-42", "a.b_c"] {
            assert!(is_key_segment(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "ü", &"x".repeat(65)] {
            assert!(!is_key_segment(bad), "{bad}");
        }
    }
}
