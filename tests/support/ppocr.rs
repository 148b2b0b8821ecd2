//! The real PP-OCR helper, `carenco-ppocr`, for tests/ppocr.rs and benches/ocr.rs
//! (feature `ppocr`): where its models and ONNX Runtime are, and one run of it on a
//! page. Both fail loudly (they do not skip) when the models or the library are not
//! set: `PPOCR_MODELS` = a models directory (det.onnx, rec.onnx, rec_dict.txt;
//! scripts/fetch-ppocr makes one), `ORT_DYLIB_PATH` = libonnxruntime.so
//! (scripts/test-all exports both).
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use carenco_edge::ocr::ppocr::wire::Page;

pub const HELPER: &str = env!("CARGO_BIN_EXE_carenco-ppocr");

/// The models directory (`PPOCR_MODELS`), after checking that `ORT_DYLIB_PATH` is
/// set too; panics, saying what to set, when either is not.
pub fn models() -> String {
    let models = std::env::var("PPOCR_MODELS").unwrap_or_default();
    assert!(
        !models.is_empty(),
        "set PPOCR_MODELS to a PP-OCR models directory (det.onnx, rec.onnx, \
         rec_dict.txt; scripts/fetch-ppocr) and ORT_DYLIB_PATH to libonnxruntime.so"
    );
    let lib = std::env::var("ORT_DYLIB_PATH").unwrap_or_default();
    assert!(
        !lib.is_empty(),
        "set ORT_DYLIB_PATH to ONNX Runtime's libonnxruntime.so (and \
         PPOCR_MODELS to the models directory)"
    );
    models
}

/// The helper's page of `png`, run as the service runs it (2 threads, the page on
/// stdin); panics when it does not exit 0 (with its stderr) or prints no page.
pub fn read_stdin(models: &str, png: &[u8]) -> Page {
    let mut child = Command::new(HELPER)
        .args(["--models", models, "--threads", "2", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the helper starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(png)
        .expect("the page goes in");
    let out = child.wait_with_output().expect("the helper ends");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a wire::Page")
}
