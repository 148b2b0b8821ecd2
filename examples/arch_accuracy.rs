//! The arch-index accuracy table: held-out synthetic feet on the deployed 24 x 24 mat
//! (16.9 mm cells) and on a 48 x 48 mat (8.45 mm), seen as a real sensor sees them
//! (integrated over each cell, read noise, tare and noise floor; see
//! `carenco_edge::footprint::accuracy`).
//!
//! ```text
//! cargo run --release --example arch_accuracy            # held-out seeds (the figures)
//! cargo run --release --example arch_accuracy -- fresh   # the second held-out range
//! cargo run --release --example arch_accuracy -- tuning  # the seeds tuning may look at
//! cargo run --release --example arch_accuracy -- held-out --cases   # every foot
//! ```
//! (`--profile dev` works too, slower.)

use carenco_edge::footprint::accuracy::{
    cases_with, confusion, FootSet, SensorModel, Summary, FRESH_HELD_OUT_SEEDS, HELD_OUT_SEEDS,
    MAT24, MAT48, TUNING_SEEDS,
};
use carenco_edge::footprint::analysis::Params;

/// `--name value` from the arguments.
fn arg(args: &[String], name: &str) -> Option<f32> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tuning = args.iter().any(|a| a == "tuning");
    let show_cases = args.iter().any(|a| a == "--cases");
    let fresh = args.iter().any(|a| a == "fresh");
    let seeds = if tuning {
        TUNING_SEEDS
    } else if fresh {
        FRESH_HELD_OUT_SEEDS
    } else {
        HELD_OUT_SEEDS
    };
    let set = if args.iter().any(|a| a == "centred") {
        FootSet::ClassCentred
    } else {
        FootSet::Spread
    };
    let sensor = SensorModel::default();
    // Estimator knobs, for comparisons on the tuning seeds (defaults: `analyse`'s).
    let mut params = Params::default();
    if let Some(v) = arg(&args, "--threshold") {
        params.occupancy_threshold = v;
    }
    if let Some(v) = arg(&args, "--size-threshold") {
        params.size_threshold = v;
    }
    if let Some(v) = arg(&args, "--radius") {
        params.level_radius = v as usize;
    }
    if let Some(v) = arg(&args, "--valley") {
        params.toe_valley_depth = v;
    }
    if let Some(v) = arg(&args, "--toe-ratio") {
        params.toe_ratio = v;
    }
    if let Some(v) = arg(&args, "--toe-line") {
        params.toe_line = v;
    }
    if let Some(v) = arg(&args, "--error-scale") {
        params.error_scale = v;
    }
    if let Some(v) = arg(&args, "--error-r2") {
        params.error_per_r2 = v;
    }
    if let Some(v) = arg(&args, "--error-floor") {
        params.error_floor = v;
    }
    if params != Params::default() {
        println!("estimator: {params:?}");
    }
    println!(
        "{} seeds {}..{} (2 feet each), {:?} feet, sensor: {:?}\n",
        if tuning {
            "tuning"
        } else if fresh {
            "fresh held-out"
        } else {
            "held-out"
        },
        seeds.start,
        seeds.end,
        set,
        sensor
    );
    println!(
        "| mat | feet | class right (all) | confident | class right (confident) | mean abs error | max abs error | bias | truth within 0.01 of a boundary |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, mat) in [("24 x 24, 16.9 mm", MAT24), ("48 x 48, 8.45 mm", MAT48)] {
        let all = cases_with(&mat, &sensor, seeds.clone(), set, &params);
        let s = Summary::of(&all);
        println!(
            "| {name} | {} | {:.1} % ({}/{}) | {:.1} % | {:.1} % ({}/{}) | {:.4} | {:.4} | {:+.4} | {} |",
            s.feet,
            s.class_right_pct(),
            s.class_right,
            s.feet,
            s.confident_pct(),
            s.confident_right_pct(),
            s.confident_right,
            s.confident,
            s.mean_abs_error,
            s.max_abs_error,
            s.bias,
            s.near_boundary
        );
        if show_cases {
            for c in &all {
                match &c.measured {
                    Some(m) => println!(
                        "    seed {} {:?}: true {:.3} {:?}, measured {:.3} ± {:.3} {:?}{}{}",
                        c.seed,
                        c.truth.side,
                        c.truth.arch_index,
                        c.truth.arch_type,
                        m.arch_index,
                        m.arch_index_error,
                        m.arch_type,
                        if m.arch_confident {
                            ""
                        } else {
                            " (not confident)"
                        },
                        if m.toes_found { " toes" } else { "" }
                    ),
                    None => println!("    seed {} {:?}: not found", c.seed, c.truth.side),
                }
            }
        }
        for (label, toes) in [("toes found", true), ("no toes found", false)] {
            let part: Vec<_> = all
                .iter()
                .filter(|c| c.measured.as_ref().is_some_and(|m| m.toes_found == toes))
                .cloned()
                .collect();
            let p = Summary::of(&part);
            eprintln!(
                "  {name} {label}: {} feet, mean abs {:.4}, bias {:+.4}",
                p.feet, p.mean_abs_error, p.bias
            );
        }
        eprintln!(
            "  {name}: truth within the stated error for {} of {} feet",
            s.within_error, s.feet
        );
        println!(
            "  {name} size: length bias {:+.1} mm, |error| p95 {:.1} mm; width bias {:+.1} mm, p95 {:.1} mm; both within the stated uncertainty for {} of {} feet",
            s.length_bias_mm, s.length_p95_mm, s.width_bias_mm, s.width_p95_mm, s.size_within_uncertainty, s.feet
        );
        let m = confusion(&all);
        eprintln!("  {name} confusion [truth high/normal/flat][measured]: {m:?}");
    }
}
