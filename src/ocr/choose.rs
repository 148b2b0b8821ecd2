//! Choosing between the readings the words show, by the sheet's arithmetic.
//!
//! # What it owns
//! [`by_arithmetic`]: for each field a reader found, the other readings the page's
//! words offer for the same place — the kg printed beside a percent of standard
//! (`(1.5kg) 178.0%`), the figure as read when the print format restored a lost
//! decimal point — and, through [`arith::choose`], the combination that breaks the
//! fewest identities. Every value it writes is one the words show; a field keeps its
//! first reading unless another adds up better.

use std::collections::BTreeMap;

use super::arith;
use super::fields::{Field, Unit};
use super::inbody::parse_number;
use super::report::{figures, Reading, Value};
use super::Word;

/// Digits after the decimal point of a figure's text (`59.1kg` → 1).
fn read_decimals(text: &str) -> usize {
    text.split_once(['.', ',']).map_or(0, |(_, f)| {
        f.chars().take_while(char::is_ascii_digit).count()
    })
}

/// The figure of a `(1.5kg)` word: a kg printed (in brackets, which an engine may
/// split off as words of their own) beside another figure.
fn bracketed_kg(text: &str) -> Option<f64> {
    let inner = text.trim().trim_start_matches('(').trim_end_matches(')');
    let lower = inner.to_ascii_lowercase();
    let figure = lower.strip_suffix("kg")?;
    parse_number(figure).filter(|v| v.is_finite() && *v >= 0.0)
}

/// Whether `x` is how a field printed with `decimals` reads the word `text`.
fn reads_as(text: &str, x: f64, decimals: Option<usize>) -> bool {
    let Some(v) = parse_number(text) else {
        return false;
    };
    let d = decimals.unwrap_or(0) as i32;
    let restored = if read_decimals(text) == 0 && d > 0 {
        v / 10f64.powi(d)
    } else {
        v
    };
    (v - x).abs() < 1e-6 || (restored - x).abs() < 1e-6
}

/// The other readings the words show for `field`, read as `x`.
fn alternatives(words: &[Word], field: Field, x: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for w in words
        .iter()
        .filter(|w| reads_as(&w.text, x, field.decimals()))
    {
        let h = w.bbox.h.max(1.0);
        // The figure as read, when the print format changed it.
        if let Some(v) = parse_number(&w.text) {
            if (v - x).abs() > 1e-6 && field.plausible(v) {
                out.push(v);
            }
        }
        if field.row().unit != Unit::Kg {
            continue;
        }
        // A kg in brackets on the same line, just left or right of the figure.
        for o in words {
            let near = (o.bbox.cy() - w.bbox.cy()).abs() < 0.6 * h
                && (o.bbox.right() - w.bbox.x)
                    .abs()
                    .min((o.bbox.x - w.bbox.right()).abs())
                    < 3.0 * h;
            if let Some(v) = bracketed_kg(&o.text).filter(|_| near) {
                if field.plausible(v) && (v - x).abs() > 1e-6 {
                    out.push(v);
                }
            }
        }
    }
    out.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    out
}

/// Replaces a reading by another the words show where that breaks fewer of the
/// sheet's identities (see the module doc).
pub fn by_arithmetic(words: &[Word], fields: &mut BTreeMap<String, Reading>) {
    let read = figures(fields);
    let candidates: BTreeMap<Field, Vec<f64>> = read
        .iter()
        .map(|(f, x)| {
            let mut c = vec![*x];
            c.extend(alternatives(words, *f, *x));
            (*f, c)
        })
        .collect();
    if candidates.values().all(|c| c.len() < 2) {
        return;
    }
    for (f, x) in arith::choose(&candidates) {
        if read.get(&f).is_some_and(|old| (old - x).abs() > 1e-9) {
            if let Some(r) = fields.get_mut(f.name()) {
                r.value = Value::Number(x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, x: f32, y: f32) -> Word {
        Word::at(text, x, y, 40.0, 20.0)
    }

    fn reading(x: f64) -> Reading {
        Reading {
            value: Value::Number(x),
            range: None,
        }
    }

    #[test]
    fn a_percent_of_standard_read_for_a_kg_gives_way_to_the_kg_beside_it() {
        let words = vec![
            w("(1.6kg)", 100.0, 100.0),
            w("178.0%", 145.0, 100.0),
            w("(11.8kg)", 100.0, 200.0),
            w("140.0%", 145.0, 200.0),
        ];
        let mut fields = BTreeMap::new();
        fields.insert("body_fat_mass_kg".to_string(), reading(22.1));
        fields.insert("segmental_fat_left_arm_kg".to_string(), reading(178.0));
        fields.insert("segmental_fat_trunk_kg".to_string(), reading(140.0));
        by_arithmetic(&words, &mut fields);
        let get = |k: &str| fields.get(k).and_then(|r| r.value.as_f64());
        assert_eq!(get("segmental_fat_left_arm_kg"), Some(1.6));
        assert_eq!(get("segmental_fat_trunk_kg"), Some(11.8));
        assert_eq!(get("body_fat_mass_kg"), Some(22.1));
    }

    #[test]
    fn nothing_changes_when_the_words_offer_nothing_better() {
        let words = vec![w("178.0%", 145.0, 100.0), w("(kg)", 100.0, 100.0)];
        let mut fields = BTreeMap::new();
        fields.insert("body_fat_mass_kg".to_string(), reading(22.1));
        fields.insert("segmental_fat_left_arm_kg".to_string(), reading(178.0));
        let before = fields.clone();
        by_arithmetic(&words, &mut fields);
        assert_eq!(fields, before);
    }

    #[test]
    fn bracketed_kg_reads_only_figures_with_a_kg() {
        assert_eq!(bracketed_kg("(1.5kg)"), Some(1.5));
        assert_eq!(bracketed_kg("1.5kg)"), Some(1.5));
        assert_eq!(bracketed_kg("1.5kg"), Some(1.5));
        assert_eq!(bracketed_kg("(1.5)"), None);
        assert_eq!(bracketed_kg("(27.0~33.0)"), None);
        assert_eq!(bracketed_kg("(kg)"), None);
    }
}
