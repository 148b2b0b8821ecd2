//! Choosing between the readings the words show, by the sheet's arithmetic.
//!
//! # What it owns
//! [`by_arithmetic`]: for each field a reader found, the other readings the page's
//! words offer for the same place — the kg printed beside a percent of standard
//! (`(1.5kg) 178.0%`), the figure as read when the print format restored a lost
//! decimal point — and, through [`arith::choose`], the combination that breaks the
//! fewest identities. Every value it writes is one the words show; a field keeps its
//! first reading unless another adds up better.
//!
//! [`by_identity`]: a field the labels found no figure for, or whose figure an
//! equality proves wrong, takes the figure the page prints where the equality says it
//! must be — only when the equality's other figures are each confirmed by another
//! identity that holds (or, for a missing field, when a second equality points at the
//! same figure), and exactly one figure on the page is within the rounding of the
//! solved value. A figure is never derived: it is one the page shows, and the
//! arithmetic only says which. Where the other figures are not confirmed, a misread
//! one among them could make a coincidental figure fit and hide its own error behind
//! it, so nothing changes and the failed identity stays a warning.

use std::collections::BTreeMap;

use super::arith;
use super::fields::{Field, Identity, Unit};
use super::figures::Num;
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

/// Whether `f` is a term of an identity other than `except` that holds on `v`.
fn confirmed(f: Field, except: Option<Identity>, v: &arith::Figures) -> bool {
    arith::IDENTITIES
        .iter()
        .filter(|id| Some(**id) != except)
        .any(|id| Field::in_identity(*id).any(|t| t == f) && arith::holds(*id, v) == Some(true))
}

/// The one reading of the page's figures (range ends excluded) within `tol` of
/// `value` for `f`; `None` when there is none, or two that differ.
fn the_one_figure(
    nums: &[Num],
    f: Field,
    value: f64,
    tol: f64,
    read: &impl Fn(Field, &Num) -> Reading,
) -> Option<Reading> {
    let mut found: Option<Reading> = None;
    // A figure printed with more decimals than the field prints is another field's
    // (a segment's `8.91` is no percent of body fat of 8.9).
    let more_decimals = |n: &Num| f.decimals().is_some_and(|d| n.read_decimals > d);
    for n in nums.iter().filter(|n| !n.ranged && !more_decimals(n)) {
        let mut r = read(f, n);
        let Some(x) = r.value.as_f64() else {
            continue;
        };
        // A control's sign may be lost; its magnitude is what the page shows.
        let x = if f.signed() && !n.signed {
            x.abs().copysign(value)
        } else {
            x
        };
        if (x - value).abs() > tol || !f.plausible(x) {
            continue;
        }
        r.value = Value::Number(x);
        match &found {
            Some(o) if o.value.as_f64().is_some_and(|y| (y - x).abs() > 1e-9) => return None,
            Some(_) => {}
            None => found = Some(r),
        }
    }
    found
}

/// Fills or replaces fields from the figures the sheet's equalities point at (see the
/// module doc). `read` turns a page figure into the field's reading (its print format
/// and range).
pub(crate) fn by_identity(
    nums: &[Num],
    fields: &mut BTreeMap<String, Reading>,
    read: impl Fn(Field, &Num) -> Reading,
) {
    // Each round makes at most one change; each change fills a field or makes an
    // identity hold, so a few rounds are all there can be.
    for _ in 0..8 {
        let v = figures(fields);
        let now = arith::standing(&v);
        let mut change: Option<(Field, Reading)> = None;
        // The one page figure equality `id` says `f` must print.
        let points_at = |id: Identity, f: Field| {
            let (value, tol) = arith::solve(id, f, &v)?;
            the_one_figure(nums, f, value, tol, &read)
        };
        'search: for id in arith::EQUALITIES {
            let holds = arith::holds(id, &v);
            for f in Field::in_identity(id) {
                let missing = !v.contains_key(&f);
                // A present figure is replaced only where its identity fails and no
                // identity that holds confirms it.
                let suspect = holds == Some(false) && !confirmed(f, None, &v);
                if !(missing || suspect) {
                    continue;
                }
                let Some(r) = points_at(id, f) else {
                    continue;
                };
                let Some(x) = r.value.as_f64() else {
                    continue;
                };
                let others_confirmed = Field::in_identity(id)
                    .filter(|t| *t != f)
                    .all(|t| v.contains_key(&t) && confirmed(t, Some(id), &v));
                // A missing figure two equalities point at is confirmed by the other.
                let agreed = || {
                    missing
                        && arith::EQUALITIES.iter().any(|o| {
                            *o != id
                                && points_at(*o, f).is_some_and(|q| q.value.as_f64() == Some(x))
                        })
                };
                if !others_confirmed && !agreed() {
                    continue;
                }
                let mut next = v.clone();
                next.insert(f, x);
                let better = arith::standing(&next);
                if better < now || (missing && better <= now) {
                    change = Some((f, r));
                    break 'search;
                }
            }
        }
        let Some((f, mut r)) = change else {
            return;
        };
        if r.range.is_none() {
            r.range = fields.get(f.name()).and_then(|o| o.range);
        }
        fields.insert(f.name().to_string(), r);
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

    /// The real 370S sample's body-composition figures, each printed as a word on a
    /// line of its own.
    const SAMPLE: [(Field, f64, &str); 9] = [
        (Field::Weight, 59.1, "59.1"),
        (Field::TotalBodyWater, 27.3, "27.3"),
        (Field::Protein, 7.2, "7.2"),
        (Field::Minerals, 2.54, "2.54"),
        (Field::BodyFatMass, 22.1, "22.1"),
        (Field::FatFreeMass, 37.0, "37.0"),
        (Field::PercentBodyFat, 37.3, "37.3"),
        (Field::Height, 156.9, "156.9"),
        (Field::Bmi, 24.0, "24.0"),
    ];

    fn sample_fields() -> BTreeMap<String, Reading> {
        SAMPLE
            .iter()
            .map(|(f, x, _)| (f.name().to_string(), reading(*x)))
            .collect()
    }

    fn page(extra: &[&str]) -> Vec<Num> {
        let words: Vec<Word> = SAMPLE
            .iter()
            .map(|(_, _, t)| *t)
            .chain(extra.iter().copied())
            .enumerate()
            .map(|(i, t)| w(t, 500.0, 100.0 + 60.0 * i as f32))
            .collect();
        super::super::figures::numbers(&words)
    }

    fn fill(nums: &[Num], fields: &mut BTreeMap<String, Reading>) {
        by_identity(nums, fields, |_, n| reading(n.value));
    }

    fn get(fields: &BTreeMap<String, Reading>, f: Field) -> Option<f64> {
        fields.get(f.name()).and_then(|r| r.value.as_f64())
    }

    #[test]
    fn a_field_the_labels_missed_takes_the_figure_its_equality_points_at() {
        let mut fields = sample_fields();
        fields.remove(Field::FatFreeMass.name());
        fill(&page(&["66", "1.91"]), &mut fields);
        assert_eq!(get(&fields, Field::FatFreeMass), Some(37.0));
        assert_eq!(fields, sample_fields());
    }

    #[test]
    fn a_bmr_whose_label_was_misread_is_the_kcal_its_fat_free_mass_points_at() {
        // 370 + 21.6 * 37.0 = 1169.2: the page's 1170 kcal, not its other figures.
        let mut fields = sample_fields();
        fill(&page(&["1170kcal", "1710", "1141"]), &mut fields);
        assert_eq!(get(&fields, Field::BasalMetabolicRate), Some(1170.0));
        // Nothing near it on the page, or two figures within the rounding: no BMR.
        for extra in [&["1710kcal"][..], &["1169", "1171"][..]] {
            let mut fields = sample_fields();
            fill(&page(extra), &mut fields);
            assert_eq!(get(&fields, Field::BasalMetabolicRate), None, "{extra:?}");
        }
    }

    #[test]
    fn a_figure_printed_with_more_decimals_than_the_field_fills_nothing() {
        // 100 * 22.1 / 59.1 = 37.39, the percent's own word lost: a segment's
        // `37.41` (two decimals) would read as 37.4, a figure no word shows.
        let without_own = |extra: &str| -> Vec<Num> {
            page(&[extra])
                .into_iter()
                .filter(|n| (n.value - 37.3).abs() > 1e-9)
                .collect()
        };
        for (extra, filled) in [("37.41", None), ("37.4", Some(37.4))] {
            let mut fields = sample_fields();
            fields.remove(Field::PercentBodyFat.name());
            fill(&without_own(extra), &mut fields);
            assert_eq!(get(&fields, Field::PercentBodyFat), filled, "{extra}");
        }
    }

    #[test]
    fn a_missing_weight_two_equalities_point_at_is_filled_and_one_alone_is_not() {
        // No weight: nothing is confirmed, but the fat-free sum and the composition
        // both point at the 59.1 the page prints.
        let mut fields = sample_fields();
        fields.remove(Field::Weight.name());
        fill(&page(&[]), &mut fields);
        assert_eq!(get(&fields, Field::Weight), Some(59.1));
        // With the protein misread, only the fat-free sum points at 59.1.
        let mut fields = sample_fields();
        fields.remove(Field::Weight.name());
        fields.insert(Field::Protein.name().into(), reading(9.2));
        fill(&page(&["9.2"]), &mut fields);
        assert_eq!(get(&fields, Field::Weight), None);
    }

    #[test]
    fn a_figure_its_equality_proves_wrong_gives_way_when_the_others_are_confirmed() {
        // The fat-free mass read with its digits swapped (73.0, printed nowhere);
        // weight and body fat are confirmed by the composition and the percent of fat.
        let mut fields = sample_fields();
        fields.insert(Field::FatFreeMass.name().into(), reading(73.0));
        fill(&page(&[]), &mut fields);
        assert_eq!(get(&fields, Field::FatFreeMass), Some(37.0));
    }

    #[test]
    fn a_term_beside_unconfirmed_ones_is_never_replaced() {
        // A wrong water figure: protein and minerals are in no other identity, so the
        // composition cannot say which of the three is wrong.
        let mut fields = sample_fields();
        fields.insert(Field::TotalBodyWater.name().into(), reading(29.3));
        let before = fields.clone();
        fill(&page(&["29.3"]), &mut fields);
        assert_eq!(fields, before);
        // A height read 30 cm too tall: the BMI it implies (17.8) is printed nearby
        // as another figure, but the height is confirmed by nothing else.
        let mut fields = sample_fields();
        fields.insert(Field::Height.name().into(), reading(182.2));
        let before = fields.clone();
        fill(&page(&["182.2", "17.8"]), &mut fields);
        assert_eq!(fields, before);
    }

    #[test]
    fn two_figures_within_the_rounding_or_only_a_range_end_fill_nothing() {
        let mut fields = sample_fields();
        fields.remove(Field::FatFreeMass.name());
        let before = fields.clone();
        fill(&page(&["37.1"]), &mut fields);
        assert_eq!(fields, before, "37.0 and 37.1 both fit");
        // The solved 37.0 printed only as a range's end.
        let words: Vec<Word> = SAMPLE
            .iter()
            .filter(|(f, _, _)| *f != Field::FatFreeMass)
            .enumerate()
            .map(|(i, (_, _, t))| w(t, 500.0, 100.0 + 60.0 * i as f32))
            .chain([
                w("37.0", 500.0, 900.0),
                Word::at("~", 545.0, 900.0, 10.0, 20.0),
                w("45.2", 560.0, 900.0),
            ])
            .collect();
        fill(&super::super::figures::numbers(&words), &mut fields);
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
