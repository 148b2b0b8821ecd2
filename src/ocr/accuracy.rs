//! Field-level accuracy: a report compared with the truth of a sheet.
//!
//! Accuracy = fields read exactly / fields on the sheet. A figure counts when its value
//! equals the truth (to the printed precision) and, when the sheet prints a range, the
//! range too. Used by the tests and the `ocr_accuracy` example.

use std::collections::BTreeMap;

use super::inbody::{Field, Report, Value};

/// The outcome of one sheet.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub correct: usize,
    pub total: usize,
    /// `field: expected …, read …` for every miss.
    pub misses: Vec<String>,
}

impl Score {
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
    pub fn add(&mut self, other: &Score) {
        self.correct += other.correct;
        self.total += other.total;
        self.misses.extend(other.misses.iter().cloned());
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => (x - y).abs() < 1e-6,
        (Value::Text(x), Value::Text(y)) => x == y,
        _ => false,
    }
}

/// Compares every field of `truth` with `report`.
pub fn score(report: &Report, truth: &BTreeMap<String, Field>) -> Score {
    let mut s = Score::default();
    for (name, want) in truth {
        s.total += 1;
        let got = report.fields.get(name);
        let ok = got.is_some_and(|g| {
            same(&g.value, &want.value)
                && match (want.range, g.range) {
                    (None, _) => true,
                    (Some(a), Some(b)) => (a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6,
                    (Some(_), None) => false,
                }
        });
        if ok {
            s.correct += 1;
        } else {
            s.misses.push(format!(
                "{name}: expected {}, read {}",
                serde_json::to_string(want).unwrap_or_default(),
                got.map_or("nothing".into(), |g| serde_json::to_string(g)
                    .unwrap_or_default())
            ));
        }
    }
    s
}

/// The fields of the real sample's transcription
/// (`../shared/fixtures/inbody/inbody370s_sample.expected.json`), flattened to the
/// report's names. The history chart is not part of the report.
pub fn truth_from_transcription(json: &serde_json::Value) -> BTreeMap<String, Field> {
    let mut out = BTreeMap::new();
    let num = |v: &serde_json::Value| -> Option<(f64, Option<[f64; 2]>)> {
        if let Some(n) = v.as_f64() {
            return Some((n, None));
        }
        let value = v.get("value")?.as_f64()?;
        let range = v.get("range").and_then(|r| {
            let a = r.get(0)?.as_f64()?;
            let b = r.get(1)?.as_f64()?;
            Some([a, b])
        });
        Some((value, range))
    };
    let mut put = |name: String, v: &serde_json::Value| {
        if let Some((value, range)) = num(v) {
            out.entry(name).or_insert(Field {
                value: Value::Number(value),
                range,
            });
        }
    };
    for section in [
        "body_composition",
        "muscle_fat",
        "obesity",
        "weight_control",
        "research",
    ] {
        if let Some(obj) = json.get(section).and_then(|s| s.as_object()) {
            for (k, v) in obj {
                put(k.clone(), v);
            }
        }
    }
    for (section, prefix) in [
        ("segmental_lean_kg", "segmental_lean"),
        ("segmental_fat_kg", "segmental_fat"),
    ] {
        if let Some(obj) = json.get(section).and_then(|s| s.as_object()) {
            for (k, v) in obj {
                put(format!("{prefix}_{k}_kg"), v);
            }
        }
    }
    if let Some(v) = json.get("inbody_score") {
        put("inbody_score".into(), v);
    }
    if let Some(subject) = json.get("subject") {
        for k in ["height_cm", "age"] {
            if let Some(v) = subject.get(k) {
                put(k.into(), v);
            }
        }
        for k in ["sex", "tested_at"] {
            if let Some(s) = subject.get(k).and_then(|v| v.as_str()) {
                out.insert(
                    k.into(),
                    Field {
                        value: Value::Text(s.into()),
                        range: None,
                    },
                );
            }
        }
    }
    out
}
