//! The OCR pipeline's result: the report of one InBody sheet, from the words an
//! engine recognised and `ocr::inbody::parse`'s figures. `PUT /ocr` (`api::ocr`)
//! answers and stores it; `carenco-edge ocr` (`main.rs`) prints it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::ocr::inbody::{self, BodyType, Field, Report};

/// The report of one sheet: the `/ocr` answer, `ocr --json`'s output (without
/// `record_id`) and the stored record's `report`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcrReport {
    /// The stored health record (absent from the CLI's output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// Which engine read the sheet: `google` or `tesseract`.
    #[schema(example = "tesseract")]
    pub engine: String,
    /// The InBody model when printed, e.g. `InBody370S`.
    pub model: Option<String>,
    /// NAME → `{"value": number or string, "range": [lo, hi] or null}`.
    #[schema(value_type = Object, example = json!({"weight_kg": {"value": 59.1, "range": [45.0, 60.8]}, "sex": {"value": "female", "range": null}}))]
    pub fields: std::collections::BTreeMap<String, Field>,
    /// Fields that were not found on the sheet.
    pub missing: Vec<String>,
    /// Figures that fail the consistency checks.
    pub warnings: Vec<String>,
    /// 체형 from BMI, PBF and sex: `{"ko": "통통", "en": "chubby"}`.
    #[schema(value_type = Option<Object>)]
    pub body_type: Option<BodyType>,
}

impl OcrReport {
    pub fn new(engine: &str, report: Report) -> OcrReport {
        OcrReport {
            record_id: None,
            engine: engine.to_string(),
            model: report.model,
            fields: report.fields,
            missing: report.missing,
            warnings: report.warnings.into_iter().map(|w| w.message).collect(),
            body_type: report.body_type,
        }
    }
}

impl OcrReport {
    /// The report for a terminal: one field per line, in the contract's order.
    pub fn render_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "engine: {}\nmodel: {}",
            self.engine,
            self.model.as_deref().unwrap_or("(not printed)")
        );
        for name in inbody::FIELDS {
            if let Some(f) = self.fields.get(*name) {
                let value = match &f.value {
                    inbody::Value::Number(n) => n.to_string(),
                    inbody::Value::Text(t) => t.clone(),
                };
                let range = f
                    .range
                    .map(|[lo, hi]| format!("  ({lo} ~ {hi})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "{name:<30} {value}{range}");
            }
        }
        if let Some(b) = &self.body_type {
            let _ = writeln!(out, "{:<30} {} ({})", "body_type", b.ko, b.en);
        }
        if !self.missing.is_empty() {
            let _ = writeln!(out, "missing: {}", self.missing.join(", "));
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}
