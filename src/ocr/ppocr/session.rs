//! The two models in ONNX Runtime (feature `ppocr`): [`OrtModels`] loads
//! `det.onnx`, `rec.onnx` and `rec_dict.txt` from a models directory and runs them
//! for [`pipeline`](super::pipeline) through the [`Models`] trait.
//!
//! ONNX Runtime is a shared library opened at run time (`ort`'s `load-dynamic`):
//! `ORT_DYLIB_PATH`, else `libonnxruntime.so` on the loader's path. It is opened
//! here, explicitly, so a missing or too old library is an error with its path,
//! not a panic inside `ort`. Each session runs on `threads` intra-op threads that
//! do not spin when idle, and no inter-op pool (the models are one chain of
//! operators).

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::{TensorRef, ValueType};
use thiserror::Error;

use super::dict::{Dict, DictError};
use super::pipeline::{ClassProbs, ModelError, Models, ProbMap};
use super::rec::REC_HEIGHT;

/// The files of a models directory.
pub const DET_FILE: &str = "det.onnx";
pub const REC_FILE: &str = "rec.onnx";
pub const DICT_FILE: &str = "rec_dict.txt";

/// Why the models cannot be used.
#[derive(Debug, Error)]
pub enum SessionError {
    #[error(
        "cannot load ONNX Runtime ({path}; set ORT_DYLIB_PATH to libonnxruntime.so): {message}"
    )]
    Library { path: PathBuf, message: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot load the model {path}: {message}")]
    Model { path: PathBuf, message: String },
    #[error(
        "the recogniser {path} does not give [batch, steps, classes] with a fixed class count"
    )]
    RecShape { path: PathBuf },
    #[error("{path}: {source}")]
    Dict { path: PathBuf, source: DictError },
}

/// Where ONNX Runtime is looked for: `ORT_DYLIB_PATH`, else the loader's search path.
pub fn library_path() -> PathBuf {
    match std::env::var_os("ORT_DYLIB_PATH") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("libonnxruntime.so"),
    }
}

/// The detector and the recogniser, and the recogniser's dictionary.
pub struct OrtModels {
    det: Session,
    rec: Session,
    pub dict: Dict,
}

impl OrtModels {
    /// Opens ONNX Runtime and loads the models in `dir`.
    pub fn load(dir: &Path, threads: usize) -> Result<OrtModels, SessionError> {
        let lib = library_path();
        let env = ort::init_from(&lib)
            .map_err(|e| SessionError::Library {
                path: lib.clone(),
                message: e.to_string(),
            })?
            .with_name("carenco-ppocr")
            .with_telemetry(false)
            .build()
            .map_err(|e| SessionError::Library {
                path: lib.clone(),
                message: e.to_string(),
            })?;
        let session = |file: &str| -> Result<Session, SessionError> {
            let path = dir.join(file);
            // Checked first: ONNX Runtime's own message for a missing file is long.
            std::fs::metadata(&path).map_err(|source| SessionError::Read {
                path: path.clone(),
                source,
            })?;
            let model = |e: ort::Error| SessionError::Model {
                path: path.clone(),
                message: e.to_string(),
            };
            Session::builder(&env)
                .map_err(model)?
                .with_intra_threads(threads.max(1))
                .map_err(|e| model(e.into()))?
                .with_inter_threads(1)
                .map_err(|e| model(e.into()))?
                // Idle threads sleep instead of spinning: the helper shares the Pi
                // with the service, and spinning burnt CPU seconds on a busy machine.
                .with_intra_op_spinning(false)
                .map_err(|e| model(e.into()))?
                .commit_from_file(&path)
                .map_err(model)
        };
        let det = session(DET_FILE)?;
        let rec = session(REC_FILE)?;
        let rec_path = dir.join(REC_FILE);
        let classes = rec_classes(&rec).ok_or(SessionError::RecShape { path: rec_path })?;
        let dict_path = dir.join(DICT_FILE);
        let bytes = std::fs::read(&dict_path).map_err(|source| SessionError::Read {
            path: dict_path.clone(),
            source,
        })?;
        let dict = Dict::parse(&bytes)
            .and_then(|d| d.for_classes(classes))
            .map_err(|source| SessionError::Dict {
                path: dict_path,
                source,
            })?;
        Ok(OrtModels { det, rec, dict })
    }
}

/// The recogniser's class count: the last dimension of its one output, when fixed.
fn rec_classes(rec: &Session) -> Option<usize> {
    let out = rec.outputs().first()?;
    let ValueType::Tensor { shape, .. } = out.dtype() else {
        return None;
    };
    let dims: &[i64] = shape;
    match dims {
        [_, _, c] if *c > 0 => usize::try_from(*c).ok(),
        _ => None,
    }
}

fn model_err(e: ort::Error) -> ModelError {
    ModelError(e.to_string())
}

/// The one output of a run as `(shape, data)`.
fn single_output(
    session: &mut Session,
    input: TensorRef<'_, f32>,
) -> Result<(Vec<i64>, Vec<f32>), ModelError> {
    let outputs = session.run(ort::inputs![input]).map_err(model_err)?;
    let (_, value) = outputs
        .iter()
        .next()
        .ok_or_else(|| ModelError("the model gave no output".into()))?;
    let (shape, data) = value.try_extract_tensor::<f32>().map_err(model_err)?;
    let dims: &[i64] = shape;
    Ok((dims.to_vec(), data.to_vec()))
}

fn dim(d: i64) -> usize {
    usize::try_from(d).unwrap_or(0)
}

impl Models for OrtModels {
    fn detect(
        &mut self,
        input: &[f32],
        width: usize,
        height: usize,
    ) -> Result<ProbMap, ModelError> {
        let tensor =
            TensorRef::from_array_view(([1usize, 3, height, width], input)).map_err(model_err)?;
        let (shape, data) = single_output(&mut self.det, tensor)?;
        // [1, 1, h, w]
        match shape.as_slice() {
            [1, 1, h, w] => Ok(ProbMap {
                width: dim(*w),
                height: dim(*h),
                data,
            }),
            other => Err(ModelError(format!(
                "the detector gave shape {other:?}, not [1, 1, h, w]"
            ))),
        }
    }

    fn recognize(
        &mut self,
        input: &[f32],
        batch: usize,
        width: usize,
    ) -> Result<ClassProbs, ModelError> {
        let tensor = TensorRef::from_array_view(([batch, 3, REC_HEIGHT, width], input))
            .map_err(model_err)?;
        let (shape, data) = single_output(&mut self.rec, tensor)?;
        match shape.as_slice() {
            [n, t, c] if dim(*n) == batch => Ok(ClassProbs {
                steps: dim(*t),
                classes: dim(*c),
                data,
            }),
            other => Err(ModelError(format!(
                "the recogniser gave shape {other:?}, not [{batch}, steps, classes]"
            ))),
        }
    }
}
