//! The arch index on held-out synthetic feet, seen as the real mat sees them (drawn at
//! high resolution, integrated over each cell, read noise, tare and noise floor: see
//! `carenco_edge::footprint::accuracy`). The seeds here are never tuned on;
//! `cargo run --example arch_accuracy [-- centred]` prints the same figures as a table.
//!
//! Issue #19's targets: class right >= 95 % at 24 x 24 (16.9 mm cells) and >= 98 % at
//! 48 x 48 (8.45 mm), mean absolute index error <= 0.015 at 24 x 24. The 48 x 48 ones
//! are asserted as stated. At 24 x 24 the held-out figures are mean absolute error
//! 0.016 and 90.5 % class right on class-centred feet (97.9 % among the feet the
//! analysis calls confident): short of the targets, so the bounds below are what is
//! measured (a regression guard), not the targets; README "Footprints" says so.

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
    assert!(spread.class_right_pct() >= 98.0, "{spread:?}");
    assert!(spread.mean_abs_error <= 0.015, "{spread:?}");
    // The stated error holds for (nearly) every foot on the fine mat.
    assert!(spread.within_error * 100 >= spread.feet * 95, "{spread:?}");
}

#[test]
fn held_out_feet_on_the_24_mat_read_as_measured_and_are_right_when_confident() {
    let spread = summary(&MAT24, FootSet::Spread);
    assert!(spread.mean_abs_error <= 0.017, "{spread:?}");
    assert!(spread.bias.abs() <= 0.01, "{spread:?}");
    assert!(spread.confident_right_pct() >= 95.0, "{spread:?}");
    // The stated error covers about nine feet in ten at this cell size.
    assert!(spread.within_error * 100 >= spread.feet * 88, "{spread:?}");
    let centred = summary(&MAT24, FootSet::ClassCentred);
    assert!(centred.class_right_pct() >= 88.0, "{centred:?}");
    assert!(centred.confident_right_pct() >= 95.0, "{centred:?}");
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
