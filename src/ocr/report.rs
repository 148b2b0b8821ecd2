//! The report a sheet is parsed into (INBODY.md's contract: clients rely on its
//! JSON shape), the warnings of the sheet's arithmetic ([`super::arith`]) and the
//! derived body type.
//!
//! # What it owns
//! [`Report`], [`Reading`] (one field's value and range), [`Value`], [`Warning`] (a
//! message and the fields it names, typed: nothing greps the text), [`BodyType`] and
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

/// A warning of the report: what its JSON says, and the fields it names. It
/// serialises as its message (the contract's `warnings` are strings).
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub message: String,
    pub fields: Vec<F>,
}

impl Warning {
    /// Whether the warning names `field`.
    pub fn names(&self, field: F) -> bool {
        self.fields.contains(&field)
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.message)
    }
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
    pub warnings: Vec<Warning>,
    pub body_type: Option<BodyType>,
    /// Fields whose figure was read without its decimal point, which the print
    /// format put back (`257` for 25.7): a guess a closer look can confirm.
    #[serde(skip)]
    pub restored: Vec<String>,
}

impl Report {
    pub fn number(&self, name: &str) -> Option<f64> {
        self.fields.get(name).and_then(|f| f.value.as_f64())
    }

    /// Whether `field` (by its JSON name) needs another look (see [`Report::doubtful`]).
    /// A name that is no field is doubtful.
    pub fn is_doubtful(&self, field: &str) -> bool {
        F::from_name(field).is_none_or(|f| self.doubtful(f))
    }

    /// Whether `field` needs another look: not found, named in a warning, or its
    /// decimal point restored.
    pub fn doubtful(&self, field: F) -> bool {
        !self.fields.contains_key(field.name())
            || self.warned(field)
            || self.restored.iter().any(|r| r == field.name())
    }

    /// Whether a warning names `field`.
    pub fn warned(&self, field: F) -> bool {
        self.warnings.iter().any(|w| w.names(field))
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
    let mut warnings: Vec<Warning> = arith::findings(&figures(&fields))
        .into_iter()
        .map(|f| Warning {
            message: f.message,
            fields: f.fields,
        })
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
        restored: Vec::new(),
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
    warnings: &mut Vec<Warning>,
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
            let missing: Vec<F> = [
                (F::Bmi, bmi.is_none()),
                (F::PercentBodyFat, pbf.is_none()),
                (F::Sex, sex.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(f, _)| *f)
            .collect();
            let names: Vec<&str> = missing.iter().map(|f| f.name()).collect();
            warnings.push(Warning {
                message: format!("body_type: not derived, missing {}", names.join(", ")),
                fields: missing,
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(x: f64) -> Reading {
        Reading {
            value: Value::Number(x),
            range: None,
        }
    }

    #[test]
    fn a_warning_names_its_fields_by_type_not_by_a_substring_of_its_text() {
        // target − weight = weight control fails: it names target_weight_kg, weight_kg
        // and weight_control_kg; `weight_kg` inside `target_weight_kg` is no match for
        // anything else, and a field it does not name is not doubtful.
        let mut fields = BTreeMap::new();
        for (k, x) in [
            ("weight_kg", 59.1),
            ("target_weight_kg", 52.9),
            ("weight_control_kg", -1.0),
            ("fat_control_kg", -9.9),
            ("muscle_control_kg", 3.7),
        ] {
            fields.insert(k.to_string(), reading(x));
        }
        let r = finish(None, fields);
        assert!(r.warned(F::TargetWeight) && r.warned(F::WeightControl));
        // A warning that only mentions `weight_kg` as part of another name.
        let mut r = r;
        r.warnings = vec![Warning {
            message: "target_weight_kg = 10".into(),
            fields: vec![F::TargetWeight],
        }];
        assert!(r.is_doubtful("target_weight_kg"));
        assert!(!r.is_doubtful("weight_kg"));
        assert!(r.is_doubtful("no_such_field"));
        assert_eq!(
            serde_json::to_value(&r.warnings).ok(),
            Some(serde_json::json!(["target_weight_kg = 10"]))
        );
    }
}
