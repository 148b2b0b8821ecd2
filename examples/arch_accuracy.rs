//! The arch-index accuracy table: held-out synthetic feet on the deployed 24 x 24 mat
//! (16.9 mm cells) and on a 48 x 48 mat (8.45 mm), seen as a real sensor sees them
//! (integrated over each cell, read noise, tare and noise floor; see
//! `carenco_edge::footprint::accuracy`).
//!
//! ```text
//! cargo run --release --example arch_accuracy            # held-out seeds (the figures)
//! cargo run --release --example arch_accuracy -- tuning  # the seeds tuning may look at
//! cargo run --release --example arch_accuracy -- held-out --cases   # every foot
//! ```
//! (`--profile dev` works too, slower.)

use carenco_edge::footprint::accuracy::{
    cases, confusion, SensorModel, Summary, HELD_OUT_SEEDS, MAT24, MAT48, TUNING_SEEDS,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tuning = args.iter().any(|a| a == "tuning");
    let show_cases = args.iter().any(|a| a == "--cases");
    let seeds = if tuning { TUNING_SEEDS } else { HELD_OUT_SEEDS };
    let sensor = SensorModel::default();
    println!(
        "{} seeds {}..{} (2 feet each), sensor: {:?}\n",
        if tuning { "tuning" } else { "held-out" },
        seeds.start,
        seeds.end,
        sensor
    );
    println!(
        "| mat | feet | class right (all) | confident | class right (confident) | mean abs error | max abs error | bias | truth within 0.01 of a boundary |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, mat) in [
        ("24 x 24, 16.9 mm", MAT24),
        ("48 x 48, 8.45 mm", MAT48),
    ] {
        let all = cases(&mat, &sensor, seeds.clone());
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
                        if m.arch_confident { "" } else { " (not confident)" },
                        if m.toes_found { " toes" } else { "" }
                    ),
                    None => println!("    seed {} {:?}: not found", c.seed, c.truth.side),
                }
            }
        }
        let m = confusion(&all);
        eprintln!("  {name} confusion [truth high/normal/flat][measured]: {m:?}");
    }
}
