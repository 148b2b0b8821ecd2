//! The sheet's own arithmetic: the identities its figures satisfy when all are read
//! right, used to choose between readings the words show and to warn, naming the
//! fields, when the figures cannot all be right.
//!
//! # What it owns
//! - [`findings`]: every identity of [`Identity`] that fails, and every figure outside
//!   its field's bounds ([`super::fields::Row::bounds`]), each naming its fields.
//! - [`choose`]: given a few candidate readings per field (what the words show: the
//!   figure as read, with its decimal point restored, the kg beside a percent, ...),
//!   the combination that breaks the fewest identities, preferring the first reading
//!   of each field. It never makes a figure up: every value it returns is one of the
//!   candidates.
//! - [`solve`]: the figure one term of an equality ([`EQUALITIES`]) must print for it
//!   to hold on the others, and the rounding tolerance around it; [`standing`], how
//!   well a set of figures adds up (for choosing a fill).
//!
//! Tolerances are those of INBODY.md's checks, widened only by the rounding of the
//! printed figures.

use std::collections::BTreeMap;

use super::fields::{Field, Identity};

/// A figure, or a relation between figures, that cannot be right.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The identity that fails; `None` for a figure outside its bounds.
    pub identity: Option<Identity>,
    /// The fields it names.
    pub fields: Vec<Field>,
    /// What a report's `warnings` says (every field by its JSON name).
    pub message: String,
}

/// The figures of a sheet by field.
pub type Figures = BTreeMap<Field, f64>;

/// Every identity, in the order the warnings list them.
pub const IDENTITIES: [Identity; 9] = [
    Identity::Composition,
    Identity::FatFree,
    Identity::Metabolic,
    Identity::BodyMassIndex,
    Identity::PercentFat,
    Identity::Target,
    Identity::Control,
    Identity::SegmentalLean,
    Identity::SegmentalFat,
];

/// The segmental sums against their total: `(low, high)` shares and slack in kg. A
/// person's five segments hold about 0.9 of the soft lean mass (the head and neck
/// are not a segment) and about 0.95 of the fat.
fn segment_share(id: Identity) -> (f64, f64, f64) {
    match id {
        Identity::SegmentalLean => (0.7, 1.05, 0.3),
        _ => (0.7, 1.15, 0.6),
    }
}

/// The basal metabolic rate InBody prints for a fat free mass (kcal).
fn metabolic(ffm: f64) -> f64 {
    370.0 + 21.6 * ffm
}

/// How far a printed BMR is from [`metabolic`] of the printed fat free mass: the
/// rounding of both (21.6 · 0.05 + 0.5 kcal), and a kcal more for a sheet that rounds
/// its own way (the InBody370S sample prints 1170 for 37.0 kg, 1169.2).
const METABOLIC_TOLERANCE: f64 = 2.6;

/// Whether `id` holds for `v`: `None` when a figure it needs is missing. `Some(text)`
/// is the failure's message.
fn evaluate(id: Identity, v: &Figures) -> Option<Result<(), String>> {
    use Field::*;
    let g = |f: Field| v.get(&f).copied();
    let n = Field::name;
    let fail = |ok: bool, msg: String| if ok { Ok(()) } else { Err(msg) };
    Some(match id {
        Identity::Composition => {
            let (w, tbw, p, m, bfm) = (
                g(Weight)?,
                g(TotalBodyWater)?,
                g(Protein)?,
                g(Minerals)?,
                g(BodyFatMass)?,
            );
            let sum = tbw + p + m + bfm;
            fail(
                (sum - w).abs() <= 0.5,
                format!(
                    "{} + {} + {} + {} = {sum:.2}, but {} = {w}",
                    n(TotalBodyWater),
                    n(Protein),
                    n(Minerals),
                    n(BodyFatMass),
                    n(Weight)
                ),
            )
        }
        Identity::FatFree => {
            let (w, bfm, ffm) = (g(Weight)?, g(BodyFatMass)?, g(FatFreeMass)?);
            fail(
                (w - bfm - ffm).abs() <= 0.5,
                format!(
                    "{} - {} = {:.1}, but {} = {ffm}",
                    n(Weight),
                    n(BodyFatMass),
                    w - bfm,
                    n(FatFreeMass)
                ),
            )
        }
        Identity::Metabolic => {
            let (ffm, bmr) = (g(FatFreeMass)?, g(BasalMetabolicRate)?);
            let expect = metabolic(ffm);
            fail(
                (expect - bmr).abs() <= METABOLIC_TOLERANCE,
                format!(
                    "{} = {bmr}, but 370 + 21.6 * {} = {expect:.0}",
                    n(BasalMetabolicRate),
                    n(FatFreeMass)
                ),
            )
        }
        Identity::BodyMassIndex => {
            let (w, h, bmi) = (g(Weight)?, g(Height)?, g(Bmi)?);
            if h <= 0.0 {
                return None;
            }
            let expect = w / (h / 100.0).powi(2);
            fail(
                (expect - bmi).abs() <= 0.3,
                format!(
                    "{} = {bmi}, but {} / {}² = {expect:.1}",
                    n(Bmi),
                    n(Weight),
                    n(Height)
                ),
            )
        }
        Identity::PercentFat => {
            let (w, bfm, pbf) = (g(Weight)?, g(BodyFatMass)?, g(PercentBodyFat)?);
            if w <= 0.0 {
                return None;
            }
            let expect = 100.0 * bfm / w;
            fail(
                (expect - pbf).abs() <= 1.0,
                format!(
                    "{} = {pbf}, but 100 * {} / {} = {expect:.1}",
                    n(PercentBodyFat),
                    n(BodyFatMass),
                    n(Weight)
                ),
            )
        }
        Identity::Target => {
            let (w, t, wc) = (g(Weight)?, g(TargetWeight)?, g(WeightControl)?);
            fail(
                (t - w - wc).abs() <= 0.2,
                format!(
                    "{} - {} = {:.1}, but {} = {wc}",
                    n(TargetWeight),
                    n(Weight),
                    t - w,
                    n(WeightControl)
                ),
            )
        }
        Identity::Control => {
            let (wc, fc, mc) = (g(WeightControl)?, g(FatControl)?, g(MuscleControl)?);
            fail(
                (fc + mc - wc).abs() <= 0.2,
                format!(
                    "{} + {} = {:.1}, but {} = {wc}",
                    n(FatControl),
                    n(MuscleControl),
                    fc + mc,
                    n(WeightControl)
                ),
            )
        }
        Identity::SegmentalLean | Identity::SegmentalFat => {
            let total_field = if id == Identity::SegmentalLean {
                MuscleMass
            } else {
                BodyFatMass
            };
            let total = g(total_field)?;
            let segs: Vec<Field> = Field::segments(id).collect();
            let read: Vec<f64> = segs.iter().filter_map(|f| g(*f)).collect();
            if read.is_empty() {
                return None;
            }
            let sum: f64 = read.iter().sum();
            let (lo, hi, slack) = segment_share(id);
            // Part of the segments bounds the sum from above only.
            let ok = sum <= hi * total + slack && (read.len() < 5 || sum >= lo * total - slack);
            let names: Vec<&str> = segs
                .iter()
                .filter(|f| v.contains_key(f))
                .map(|f| f.name())
                .collect();
            fail(
                ok,
                format!(
                    "{} = {sum:.2}, but {} = {total}",
                    names.join(" + "),
                    n(total_field)
                ),
            )
        }
    })
}

/// The fields an identity names in a finding.
fn fields_of(id: Identity, v: &Figures) -> Vec<Field> {
    Field::in_identity(id)
        .filter(|f| v.contains_key(f))
        .collect()
}

/// Every failed identity and every figure outside its bounds.
pub fn findings(v: &Figures) -> Vec<Finding> {
    let mut out = Vec::new();
    for id in IDENTITIES {
        if let Some(Err(message)) = evaluate(id, v) {
            out.push(Finding {
                identity: Some(id),
                fields: fields_of(id, v),
                message,
            });
        }
    }
    for (f, x) in v {
        if let (false, Some((lo, hi))) = (f.plausible(*x), f.row().bounds) {
            out.push(Finding {
                identity: None,
                fields: vec![*f],
                message: format!("{} = {x} is outside the plausible {lo}..{hi}", f.name()),
            });
        }
    }
    out
}

/// The identities that are equalities of single figures, which [`solve`] can solve
/// for a term (the segmental sums only bound their total).
pub const EQUALITIES: [Identity; 7] = [
    Identity::Composition,
    Identity::FatFree,
    Identity::Metabolic,
    Identity::PercentFat,
    Identity::BodyMassIndex,
    Identity::Target,
    Identity::Control,
];

/// Whether `id` is evaluated on `v` and holds (`None`: a figure it needs is missing).
pub fn holds(id: Identity, v: &Figures) -> Option<bool> {
    evaluate(id, v).map(|r| r.is_ok())
}

/// Half the last printed digit of `f`: how far its printed figure can be from the
/// figure the scale measured.
fn half_unit(f: Field) -> f64 {
    0.5 / 10f64.powi(f.decimals().unwrap_or(0) as i32)
}

/// The figure `f` must print for the equality `id` to hold on the other figures of
/// `v`, and how far from it the rounding of the printed figures lets it be. Sums solve
/// for any term; the percent of body fat, the BMI and the BMR only for themselves
/// (solving a ratio for its weight or height multiplies the rounding; the BMR's kcal
/// say little of a fat free mass to 0.1 kg). `None` when `f` is no term
/// of `id`, a figure it needs is missing, or the result is no figure.
pub fn solve(id: Identity, f: Field, v: &Figures) -> Option<(f64, f64)> {
    use Field::*;
    let g = |x: Field| v.get(&x).copied().filter(|x| x.is_finite());
    // A sum `total = a + b + ...`: its terms and total.
    let sum = |total: Field, terms: &[Field]| -> Option<(f64, f64)> {
        let tol = half_unit(total) + terms.iter().map(|t| half_unit(*t)).sum::<f64>();
        let value = if f == total {
            terms.iter().map(|t| g(*t)).sum::<Option<f64>>()?
        } else if terms.contains(&f) {
            g(total)?
                - terms
                    .iter()
                    .filter(|t| **t != f)
                    .map(|t| g(*t))
                    .sum::<Option<f64>>()?
        } else {
            return None;
        };
        Some((value, tol))
    };
    let solved = match id {
        Identity::Composition => sum(Weight, &[TotalBodyWater, Protein, Minerals, BodyFatMass]),
        Identity::FatFree => sum(Weight, &[BodyFatMass, FatFreeMass]),
        Identity::Target => sum(TargetWeight, &[Weight, WeightControl]),
        Identity::Control => sum(WeightControl, &[FatControl, MuscleControl]),
        Identity::PercentFat if f == PercentBodyFat => {
            let (w, bfm) = (g(Weight)?, g(BodyFatMass)?);
            (w > 0.0).then(|| {
                let pbf = 100.0 * bfm / w;
                let tol =
                    half_unit(f) + 100.0 * half_unit(BodyFatMass) / w + pbf * half_unit(Weight) / w;
                (pbf, tol)
            })
        }
        Identity::Metabolic if f == BasalMetabolicRate => {
            Some((metabolic(g(FatFreeMass)?), METABOLIC_TOLERANCE))
        }
        Identity::BodyMassIndex if f == Bmi => {
            let (w, h) = (g(Weight)?, g(Height)?);
            (h > 0.0).then(|| {
                let m = h / 100.0;
                let bmi = w / (m * m);
                let tol =
                    half_unit(f) + half_unit(Weight) / (m * m) + 2.0 * bmi * half_unit(Height) / h;
                (bmi, tol)
            })
        }
        _ => None,
    }?;
    solved.0.is_finite().then_some(solved)
}

/// Figures outside their field's bounds.
fn implausible(v: &Figures) -> usize {
    v.iter().filter(|(f, x)| !f.plausible(**x)).count()
}

/// How wrong a set of figures is: failed identities, then implausible figures.
fn badness(v: &Figures) -> (usize, usize) {
    let ids = IDENTITIES
        .iter()
        .filter(|id| matches!(evaluate(**id, v), Some(Err(_))))
        .count();
    (ids, implausible(v))
}

/// How well figures add up: identities broken less those that hold, then figures
/// out of bounds (lower is better). Unlike [`badness`], a figure that makes two
/// identities hold and shows a third broken (a misread figure nothing could check
/// before) counts as better.
pub fn standing(v: &Figures) -> (i64, usize) {
    let score: i64 = IDENTITIES
        .iter()
        .map(|id| match evaluate(*id, v) {
            Some(Ok(())) => -1,
            Some(Err(_)) => 1,
            None => 0,
        })
        .sum();
    (score, implausible(v))
}

/// The readings to keep: for each field the candidate (its first one unless another
/// breaks fewer identities). Fields with no candidate are absent. Bounded work: a
/// few rounds of trying each other candidate of each field with the rest held.
pub fn choose(candidates: &BTreeMap<Field, Vec<f64>>) -> Figures {
    let mut v: Figures = candidates
        .iter()
        .filter_map(|(f, c)| c.first().map(|x| (*f, *x)))
        .collect();
    let mut best = badness(&v);
    for _ in 0..4 {
        let mut improved = false;
        for (f, cands) in candidates {
            for x in cands.iter().skip(1) {
                let old = v.insert(*f, *x);
                let b = badness(&v);
                if b < best {
                    best = b;
                    improved = true;
                } else if let Some(o) = old {
                    v.insert(*f, o);
                }
            }
        }
        if !improved || best == (0, 0) {
            break;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use Field::*;

    /// The real InBody370S sample's figures (its transcription).
    fn sample() -> Figures {
        [
            (Weight, 59.1),
            (TotalBodyWater, 27.3),
            (Protein, 7.2),
            (Minerals, 2.54),
            (BodyFatMass, 22.1),
            (FatFreeMass, 37.0),
            (MuscleMass, 34.8),
            (Bmi, 24.0),
            (PercentBodyFat, 37.3),
            (Height, 156.9),
            (BasalMetabolicRate, 1170.0),
            (TargetWeight, 52.9),
            (WeightControl, -6.2),
            (FatControl, -9.9),
            (MuscleControl, 3.7),
            (LeanLeftArm, 1.91),
            (LeanRightArm, 1.99),
            (LeanTrunk, 17.7),
            (LeanLeftLeg, 5.15),
            (LeanRightLeg, 5.24),
            (FatLeftArm, 1.6),
            (FatRightArm, 1.6),
            (FatTrunk, 11.8),
            (FatLeftLeg, 3.0),
            (FatRightLeg, 3.0),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn the_real_sample_satisfies_every_identity() {
        assert_eq!(findings(&sample()), vec![]);
    }

    #[test]
    fn each_broken_identity_names_the_figure_that_broke_it() {
        for (f, x) in [
            (Weight, 69.1),
            (Protein, 72.0),
            (FatFreeMass, 3.7),
            (Bmi, 42.0),
            (PercentBodyFat, 3.73),
            (TargetWeight, 25.9),
            (BasalMetabolicRate, 1710.0),
            (BasalMetabolicRate, 1176.0),
            (FatTrunk, 118.0),
            (LeanTrunk, 177.0),
        ] {
            let mut v = sample();
            v.insert(f, x);
            let found = findings(&v);
            assert!(
                found
                    .iter()
                    .any(|w| w.fields.contains(&f) && w.message.contains(f.name())),
                "{f:?} = {x}: {found:?}"
            );
        }
    }

    #[test]
    fn the_controls_warn_when_they_do_not_add_up_and_choose_the_sign_that_does() {
        let mut v = sample();
        v.insert(FatControl, -99.0);
        let found = findings(&v);
        assert!(
            found.iter().any(|w| w.identity == Some(Identity::Control)
                && w.fields.contains(&FatControl)
                && w.message.contains(FatControl.name())),
            "{found:?}"
        );
        let mut c: BTreeMap<Field, Vec<f64>> =
            sample().into_iter().map(|(f, x)| (f, vec![x])).collect();
        c.insert(FatControl, vec![9.9, -9.9]);
        assert_eq!(choose(&c).get(&FatControl), Some(&-9.9));
    }

    #[test]
    fn segmental_fat_read_as_percents_of_standard_always_warns() {
        // The InBody620 reading: `(1.5kg) 178.0%` read as 178.0 per segment.
        let mut v = sample();
        for (f, x) in [
            (FatLeftArm, 178.0),
            (FatRightArm, 183.0),
            (FatTrunk, 240.0),
            (FatLeftLeg, 132.0),
            (FatRightLeg, 132.0),
        ] {
            v.insert(f, x);
        }
        v.insert(BodyFatMass, 21.8);
        let found = findings(&v);
        assert!(found
            .iter()
            .any(|w| w.identity == Some(Identity::SegmentalFat)));
        assert!(found
            .iter()
            .any(|w| w.identity.is_none() && w.fields == vec![FatLeftArm]));
    }

    #[test]
    fn choose_takes_the_candidate_the_sheet_adds_up_to_and_only_candidates() {
        let mut c: BTreeMap<Field, Vec<f64>> =
            sample().into_iter().map(|(f, x)| (f, vec![x])).collect();
        // A lost decimal point: 273 as read, 27.3 with it restored.
        c.insert(TotalBodyWater, vec![273.0, 27.3]);
        // A percent read for a kg: 178.0 first, the kg beside it second.
        c.insert(FatLeftArm, vec![178.0, 1.6]);
        let v = choose(&c);
        assert_eq!(v.get(&TotalBodyWater), Some(&27.3));
        assert_eq!(v.get(&FatLeftArm), Some(&1.6));
        assert_eq!(findings(&v), vec![]);
        // When no candidate fits, the first is kept (and warned about).
        c.insert(Protein, vec![9.9, 99.0]);
        let v = choose(&c);
        assert_eq!(v.get(&Protein), Some(&9.9));
        assert!(findings(&v).iter().any(|w| w.fields.contains(&Protein)));
    }

    #[test]
    fn every_term_an_equality_solves_for_comes_back_within_its_rounding() {
        let v = sample();
        let mut solved = 0;
        for id in EQUALITIES {
            assert_eq!(holds(id, &v), Some(true), "{id:?}");
            for f in Field::in_identity(id) {
                let Some((x, tol)) = solve(id, f, &v) else {
                    continue;
                };
                solved += 1;
                let printed = v[&f];
                assert!(
                    (x - printed).abs() <= tol + 1e-9,
                    "{id:?} {f:?}: {x} ± {tol} vs {printed}"
                );
                // In the field's unit: kcal for the BMR, a kcal or two.
                let most = if f == BasalMetabolicRate { 3.0 } else { 0.3 };
                assert!(tol < most, "{id:?} {f:?}: ± {tol}");
            }
        }
        // 5 + 3 + 3 + 3 terms of the sums, and the percent, the BMI and the BMR
        // themselves.
        assert_eq!(solved, 17);
        let mut v = sample();
        v.remove(&Protein);
        assert_eq!(solve(Identity::Composition, TotalBodyWater, &v), None);
        assert_eq!(solve(Identity::BodyMassIndex, Height, &sample()), None);
    }

    #[test]
    fn missing_figures_decide_nothing_and_hostile_figures_do_not_panic() {
        let mut v = Figures::new();
        v.insert(Weight, 59.1);
        assert_eq!(findings(&v), vec![]);
        for x in [f64::NAN, f64::INFINITY, -1e300, 0.0] {
            let mut v = sample();
            v.insert(Height, x);
            v.insert(Weight, x);
            let _ = findings(&v);
            let c = v.iter().map(|(f, x)| (*f, vec![*x, -*x])).collect();
            let _ = choose(&c);
        }
    }
}
