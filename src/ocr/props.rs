//! Property tests of the reader against the sheet's arithmetic (tests only).
//!
//! # What it owns
//! - One figure of a consistent sheet's words perturbed: the report either warns and
//!   names the field, or reads a figure the words show — never the wrong figure in
//!   silence.
//! - Segmental figures beyond their bounds, or summing far past the body fat or the
//!   muscle mass, always warn.
//! - Hostile words (NaN, huge or empty boxes, odd texts) never panic the parser.

use proptest::prelude::*;

use super::arith::{self, Figures};
use super::fields::{Field, Identity};
use super::inbody::{self, parse_number};
use super::sheetgen::families::{specs, Spec, Split};
use super::sheetgen::{vision, Generator, Layout};
use super::{BBox, Word};

/// Fields a single perturbation is caught on: each takes part in an identity that
/// holds to a tolerance of a kg or less (the controls keep their printed sign).
const CHECKED: &[Field] = &[
    Field::WeightControl,
    Field::FatControl,
    Field::MuscleControl,
    Field::Weight,
    Field::TotalBodyWater,
    Field::Protein,
    Field::Minerals,
    Field::BodyFatMass,
    Field::FatFreeMass,
    Field::Bmi,
    Field::PercentBodyFat,
    Field::TargetWeight,
    Field::Height,
];

/// The text with its figure replaced by `x` printed with `decimals`.
fn with_figure(text: &str, x: f64, decimals: usize) -> Option<String> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let end = text[start..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(text.len(), |e| start + e);
    Some(format!("{}{x:.decimals$}{}", &text[..start], &text[end..]))
}

/// Whether some word reads as `x` (as printed, or with its decimal point lost).
fn shown(words: &[Word], x: f64) -> bool {
    words.iter().any(|w| {
        parse_number(&w.text).is_some_and(|v| {
            [v, v / 10.0, v / 100.0, -v]
                .iter()
                .any(|c| (c - x).abs() < 1e-6)
        })
    })
}

fn generator() -> &'static Generator {
    static G: std::sync::OnceLock<Generator> = std::sync::OnceLock::new();
    G.get_or_init(|| Generator::new().expect("fonts-nanum is installed (scripts/test-all)"))
}

fn family_specs() -> &'static [Spec] {
    static S: std::sync::OnceLock<Vec<Spec>> = std::sync::OnceLock::new();
    S.get_or_init(|| specs(Split::Tuning, 4))
}

/// One figure of a consistent sheet's `words` (the one `field` shows) moved by `steps`
/// steps: the report warns and names `field`, or reads a figure the words show, or
/// misses it.
fn perturbed_one(
    words: &[Word],
    truth: &std::collections::BTreeMap<String, inbody::Field>,
    field: Field,
    steps: i32,
    up: bool,
) -> Result<(), TestCaseError> {
    let figures: Vec<f64> = truth.values().filter_map(|r| r.value.as_f64()).collect();
    let truth = truth.get(field.name()).and_then(|r| r.value.as_f64());
    prop_assume!(truth.is_some());
    let truth = truth.unwrap_or_default();
    // One figure: no other field prints the same magnitude (fat control −1.6 beside
    // muscle control +1.6 would both change).
    prop_assume!(
        figures
            .iter()
            .filter(|v| (v.abs() - truth.abs()).abs() < 1e-9)
            .count()
            == 1
    );
    let d = field.decimals().unwrap_or(0);
    // A change the identity's tolerance cannot absorb.
    let step = if field == Field::Height { 1.5 } else { 0.75 };
    let x = truth + if up { 1.0 } else { -1.0 } * f64::from(steps) * step;
    let x = (x * 10f64.powi(d as i32)).round() / 10f64.powi(d as i32);
    // A control keeps its printed sign (which may be a word of its own): only the
    // magnitude changes.
    prop_assume!(x != 0.0 && x.signum() == truth.signum() || !field.signed() && x > 0.0);
    let mut words = words.to_vec();
    let mut changed = 0;
    for w in words.iter_mut() {
        if parse_number(&w.text).is_some_and(|v| (v.abs() - truth.abs()).abs() < 1e-9) {
            if let Some(t) = with_figure(&w.text, x.abs(), d) {
                w.text = t;
                changed += 1;
            }
        }
    }
    prop_assume!(changed > 0);
    let report = inbody::parse(&words);
    match report.number(field.name()) {
        Some(v) if (v - x).abs() < 1e-6 => prop_assert!(
            report.warned(field),
            "{} read as the perturbed {x} without a warning: {:?}",
            field.name(),
            report.warnings
        ),
        Some(v) => prop_assert!(shown(&words, v), "{} = {v}: no word shows it", field.name()),
        None => prop_assert!(report.missing.iter().any(|m| m == field.name())),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn one_perturbed_figure_is_warned_about_or_read_from_what_the_words_show(
        seed in 0u64..200,
        english in any::<bool>(),
        which in 0usize..CHECKED.len(),
        steps in 2i32..40,
        up in any::<bool>(),
    ) {
        let layout = if english { Layout::InBody570 } else { Layout::InBody370S };
        let sheet = generator().sheet(layout, seed);
        perturbed_one(&sheet.words, &sheet.truth, CHECKED[which], steps, up)?;
    }

    #[test]
    fn the_same_holds_on_every_tuning_family_as_google_tokenises_it(
        nth in 0usize..12,
        which in 0usize..CHECKED.len(),
        steps in 2i32..40,
        up in any::<bool>(),
    ) {
        // The family generator's tuning split only (the held-out one is for measuring).
        let spec = family_specs()[nth];
        let sheet = generator().render(&spec);
        prop_assume!(sheet.is_ok());
        let Ok(sheet) = sheet else { return Ok(()) };
        perturbed_one(&vision::words(&sheet), &sheet.truth, CHECKED[which], steps, up)?;
    }

    #[test]
    fn segmental_figures_beyond_bounds_or_past_their_total_always_warn(
        bfm in 3.0f64..60.0,
        slm in 20.0f64..80.0,
        fat in proptest::collection::vec(0.0f64..400.0, 5),
        lean in proptest::collection::vec(0.0f64..200.0, 5),
    ) {
        let mut v = Figures::new();
        v.insert(Field::BodyFatMass, bfm);
        v.insert(Field::MuscleMass, slm);
        for (f, x) in Field::segments(Identity::SegmentalFat).zip(&fat) {
            v.insert(f, *x);
        }
        for (f, x) in Field::segments(Identity::SegmentalLean).zip(&lean) {
            v.insert(f, *x);
        }
        let found = arith::findings(&v);
        let named = |f: Field| found.iter().any(|w| w.fields.contains(&f) && w.message.contains(f.name()));
        for f in Field::segments(Identity::SegmentalFat).chain(Field::segments(Identity::SegmentalLean)) {
            if let Some(x) = v.get(&f) {
                if !f.plausible(*x) {
                    prop_assert!(named(f), "{} = {x} beyond bounds: {found:?}", f.name());
                }
            }
        }
        if fat.iter().sum::<f64>() > 1.2 * bfm + 0.6 {
            prop_assert!(found.iter().any(|w| w.identity == Some(Identity::SegmentalFat)), "{found:?}");
        }
        if lean.iter().sum::<f64>() > 1.1 * slm + 0.3 {
            prop_assert!(found.iter().any(|w| w.identity == Some(Identity::SegmentalLean)), "{found:?}");
        }
    }

    #[test]
    fn hostile_words_never_panic_the_parser(
        words in proptest::collection::vec(
            (
                "[0-9a-zA-Z가-힣().,~%/+ -]{0,12}",
                prop_oneof![Just(f32::NAN), Just(f32::INFINITY), Just(-1e30f32), -10.0f32..3000.0],
                -10.0f32..3000.0,
                prop_oneof![Just(0.0f32), Just(f32::NAN), 0.0f32..200.0],
                prop_oneof![Just(0.0f32), Just(1e30f32), 0.0f32..60.0],
            ),
            0..60,
        )
    ) {
        let words: Vec<Word> = words
            .into_iter()
            .map(|(text, x, y, w, h)| Word { text, bbox: BBox { x, y, w, h }, confidence: None })
            .collect();
        let report = inbody::parse(&words);
        prop_assert_eq!(report.missing.len() + report.fields.len(), 32);
    }
}
