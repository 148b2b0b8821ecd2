//! The report a sheet is parsed into (INBODY.md's contract: clients rely on its
//! JSON shape), the warnings of the sheet's arithmetic ([`super::arith`]) and the
//! derived body type.
//!
//! # What it owns
//! [`Report`], [`Reading`] (one field's value and range), [`Value`], [`BodyType`] and
//! [`body_type`]; [`finish`] turns a reader's readings into a report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::arith;
use super::fields::{self, Field as F};

/// A field's value: a number, or text (`sex`, `tested_at`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
}

impl Value {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(_) => None,
        }
    }
}

/// One field's reading: its value and the normal range printed next to it, if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub value: Value,
    pub range: Option<[f64; 2]>,
}

/// The body type (체형) in Korean and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BodyType {
    pub ko: &'static str,
    pub en: &'static str,
}

/// The parsed sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `InBody370S`, ... when printed.
    pub model: Option<String>,
    pub fields: BTreeMap<String, Reading>,
    /// Fields of [`FIELDS`] that were not found.
    pub missing: Vec<String>,
    /// Figures that fail the consistency checks, and why a derived value is absent.
    pub warnings: Vec<String>,
    pub body_type: Option<BodyType>,
}

impl Report {
    pub fn number(&self, name: &str) -> Option<f64> {
        self.fields.get(name).and_then(|f| f.value.as_f64())
    }

    /// Whether `field` needs another look: not found, or named in a consistency
    /// warning.
    pub fn is_doubtful(&self, field: &str) -> bool {
        !self.fields.contains_key(field) || self.warnings.iter().any(|w| w.contains(field))
    }

    /// Whether the words look like an InBody result sheet at all (else the API answers
    /// 422): a printed model name with a figure, or several figures.
    pub fn is_inbody_sheet(&self) -> bool {
        let found = self.fields.len();
        (self.model.is_some() && found >= 1) || found >= 4
    }
}

// ---------------------------------------------------------------------------------

/// The figures of `fields` by field, for the arithmetic.
pub fn figures(fields: &BTreeMap<String, Reading>) -> arith::Figures {
    fields
        .iter()
        .filter_map(|(k, r)| Some((F::from_name(k)?, r.value.as_f64()?)))
        .collect()
}

/// The report of a reader's readings: the arithmetic's warnings, the body type and
/// the missing fields.
pub fn finish(model: Option<String>, fields: BTreeMap<String, Reading>) -> Report {
    let mut warnings: Vec<String> = arith::findings(&figures(&fields))
        .into_iter()
        .map(|f| f.message)
        .collect();
    let body_type = body_type_of(&fields, &mut warnings);
    let missing = fields::NAMES
        .iter()
        .filter(|f| !fields.contains_key(**f))
        .map(|f| f.to_string())
        .collect();
    Report {
        model,
        fields,
        missing,
        warnings,
        body_type,
    }
}

pub fn body_type(bmi: f64, pbf: f64, female: bool) -> BodyType {
    let (lo, hi) = if female { (18.0, 28.0) } else { (10.0, 20.0) };
    let col = if pbf <= lo {
        0
    } else if pbf <= hi {
        1
    } else {
        2
    };
    let row = if bmi > 25.0 {
        0
    } else if bmi > 21.75 {
        1
    } else if bmi > 18.5 {
        2
    } else {
        3
    };
    const TABLE: [[(&str, &str); 3]; 4] = [
        [
            ("운동선수", "athlete"),
            ("통통", "chubby"),
            ("비만", "obese"),
        ],
        [
            ("근육형", "muscular"),
            ("적정", "standard"),
            ("통통", "chubby"),
        ],
        [
            ("근육형 날씬", "muscular slim"),
            ("날씬", "slim"),
            ("마른 비만", "skinny fat"),
        ],
        [
            ("마름", "thin"),
            ("약간 마름", "slightly thin"),
            ("마른 비만", "skinny fat"),
        ],
    ];
    let (ko, en) = TABLE[row][col];
    BodyType { ko, en }
}

fn body_type_of(
    fields: &BTreeMap<String, Reading>,
    warnings: &mut Vec<String>,
) -> Option<BodyType> {
    let bmi = fields.get("bmi").and_then(|f| f.value.as_f64());
    let pbf = fields
        .get("percent_body_fat")
        .and_then(|f| f.value.as_f64());
    let sex = match fields.get("sex").map(|f| &f.value) {
        Some(Value::Text(s)) => Some(s.as_str()),
        _ => None,
    };
    match (bmi, pbf, sex) {
        (Some(b), Some(p), Some(s)) => Some(body_type(b, p, s == "female")),
        _ => {
            let missing: Vec<&str> = [
                ("bmi", bmi.is_none()),
                ("percent_body_fat", pbf.is_none()),
                ("sex", sex.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            warnings.push(format!(
                "body_type: not derived, missing {}",
                missing.join(", ")
            ));
            None
        }
    }
}
