//! The arch index on held-out synthetic feet, seen as the real mat sees them (drawn at
//! high resolution, integrated over each cell, read noise, tare and noise floor: see
//! `carenco_edge::footprint::accuracy`). The seeds here are never tuned on;
//! `cargo run --example arch_accuracy [-- centred]` prints the same figures as a table.
//!
//! Issue #19's targets, asserted as stated: class right >= 95 % at 24 x 24 (16.9 mm
//! cells) and >= 98 % at 48 x 48 (8.45 mm) on class-centred feet (clear members of a
//! class, like the feet the issue was measured on), mean absolute index error <= 0.015
//! at 24 x 24 (on both sets). On the spread set, where a fifth of the feet have their
//! true index within 0.01 of a class boundary, the 48 x 48 class rate is 96.5 % on
//! the held-out seeds: the bound there is that measured level (a guard), not a target.

use carenco_edge::footprint::accuracy::{
    cases, FootSet, SensorModel, Summary, HELD_OUT_SEEDS, MAT24, MAT48,
};

fn summary(mat: &carenco_edge::footprint::synth::MatGeometry, set: FootSet) -> Summary {
    let s = Summary::of(&cases(mat, &SensorModel::default(), HELD_OUT_SEEDS, set));
    eprintln!("{}x{} {set:?}: {s:?}", mat.rows, mat.cols);
    assert_eq!(s.found, s.feet, "every foot is found");
    s
}

#[test]
fn held_out_feet_on_the_48_mat_meet_the_targets() {
    let centred = summary(&MAT48, FootSet::ClassCentred);
    assert!(centred.class_right_pct() >= 98.0, "{centred:?}");
    let spread = summary(&MAT48, FootSet::Spread);
    assert!(spread.class_right_pct() >= 95.0, "{spread:?}");
    assert!(spread.mean_abs_error <= 0.005, "{spread:?}");
    assert!(spread.confident_right_pct() >= 99.0, "{spread:?}");
    // The stated error holds for (nearly) every foot on the fine mat.
    assert!(spread.within_error * 100 >= spread.feet * 95, "{spread:?}");
}

#[test]
fn held_out_feet_on_the_24_mat_meet_the_targets() {
    let spread = summary(&MAT24, FootSet::Spread);
    assert!(spread.mean_abs_error <= 0.015, "{spread:?}");
    assert!(spread.bias.abs() <= 0.005, "{spread:?}");
    assert!(spread.confident_right_pct() >= 98.0, "{spread:?}");
    // The stated error covers about 95 % of the feet.
    assert!(spread.within_error * 100 >= spread.feet * 95, "{spread:?}");
    let centred = summary(&MAT24, FootSet::ClassCentred);
    assert!(centred.class_right_pct() >= 95.0, "{centred:?}");
    assert!(centred.mean_abs_error <= 0.015, "{centred:?}");
    assert!(centred.confident_right_pct() >= 98.0, "{centred:?}");
}

#[test]
fn a_foot_called_not_confident_has_a_boundary_within_its_error() {
    let all = cases(
        &MAT24,
        &SensorModel::default(),
        HELD_OUT_SEEDS,
        FootSet::Spread,
    );
    let mut not_confident = 0;
    for c in &all {
        let Some(m) = &c.measured else { continue };
        let near = [0.21f32, 0.26]
            .iter()
            .any(|b| (m.arch_index - b).abs() <= m.arch_index_error);
        assert_eq!(m.arch_confident, !near, "{m:?}");
        not_confident += usize::from(near);
    }
    assert!(not_confident > 0 && not_confident < all.len());
}
