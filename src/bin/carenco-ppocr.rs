//! `carenco-ppocr --models DIR [--threads N] [--det-side PX] FILE|-`: reads one page
//! image (a file, or `-` for the bytes on stdin) with PP-OCR and prints its
//! `ocr::ppocr::wire::Page` as one line of JSON.
//!
//! Exit status: 0 with the page on stdout; 2 when the image cannot be decoded or is
//! too large; 1 for anything else (models or ONNX Runtime missing, a model failing).
//! stderr says why. ONNX Runtime comes from `ORT_DYLIB_PATH` (else
//! `libonnxruntime.so` on the loader's path). All the work is in
//! `carenco_edge::ocr::ppocr`; this file is the command line around it.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use carenco_edge::ocr::ppocr::input;
use carenco_edge::ocr::ppocr::pipeline::{self, Options};
use carenco_edge::ocr::ppocr::session::OrtModels;
use carenco_edge::ocr::ppocr::wire::EXIT_BAD_IMAGE;
use clap::Parser;

/// PP-OCR text detection and recognition of one page, as JSON on stdout.
#[derive(Parser, Debug)]
#[command(name = "carenco-ppocr", version)]
struct Cli {
    /// The models directory: det.onnx, rec.onnx, rec_dict.txt.
    #[arg(long, value_name = "DIR")]
    models: PathBuf,
    /// ONNX Runtime threads per model.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
    /// The detector's input: the page's longer side scaled down to at most this many
    /// pixels (0: the default of `ocr::ppocr::det::DetParams`).
    #[arg(long, value_name = "PX", default_value_t = 0)]
    det_side: u32,
    /// The page image (PNG or JPEG), or `-` for stdin.
    #[arg(value_name = "FILE|-")]
    image: String,
}

/// Reading the image from stdin stops at this many bytes (a page photo is a few MB).
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

fn main() -> ExitCode {
    // clap exits 2 on a usage error, which here means "bad image": usage is 1.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let bytes = match read_input(&cli.image) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("carenco-ppocr: cannot read {}: {e}", cli.image);
            return ExitCode::from(1);
        }
    };
    // Decoded before the models load: a bad image costs no model load.
    let t0 = Instant::now();
    let page = match input::decode(&bytes) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("carenco-ppocr: {e}");
            return ExitCode::from(EXIT_BAD_IMAGE as u8);
        }
    };
    let decode_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
    drop(bytes);
    let mut models = match OrtModels::load(&cli.models, usize::from(cli.threads)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("carenco-ppocr: {e}");
            return ExitCode::from(1);
        }
    };
    let dict = models.dict.clone();
    let mut options = Options::default();
    if cli.det_side > 0 {
        options.det.limit_side = cli.det_side;
    }
    let mut page = match pipeline::read_page(&mut models, &dict, &page, &options) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("carenco-ppocr: {e}");
            return ExitCode::from(1);
        }
    };
    page.timing_ms.decode = decode_ms;
    let json = match serde_json::to_string(&page) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("carenco-ppocr: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{json}").and_then(|()| out.flush()) {
        eprintln!("carenco-ppocr: cannot write the page: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn read_input(path: &str) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(MAX_INPUT_BYTES)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}
