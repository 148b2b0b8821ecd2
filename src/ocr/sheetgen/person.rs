//! The figures of one person, as a sheet prints them: random, plausible, at each
//! field's printed decimals, and consistent with the sheet's own arithmetic
//! (TBW + protein + minerals + BFM = weight; weight − BFM = FFM; BMI = weight /
//! height²; PBF = 100·BFM / weight; target − weight = weight control = fat control +
//! muscle control; segmental lean and fat sums near soft lean and fat mass). The
//! identities hold on the printed figures, so [`arithmetic_errors`] of any family's
//! truth is empty.

use std::collections::BTreeMap;

use rand::Rng;

use crate::ocr::inbody::{Field, Value};

/// Segments in the order of [`Person::lean`] and [`Person::fat`].
pub const SEGMENTS: [&str; 5] = ["left_arm", "right_arm", "trunk", "left_leg", "right_leg"];

pub fn round(v: f64, decimals: usize) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (v * f).round() / f
}

/// The decimals a field is printed with (every family prints the same).
pub fn printed_decimals(field: &str) -> usize {
    match field {
        "minerals_kg" | "waist_hip_ratio" => 2,
        "segmental_lean_left_arm_kg"
        | "segmental_lean_right_arm_kg"
        | "segmental_lean_left_leg_kg"
        | "segmental_lean_right_leg_kg" => 2,
        "inbody_score" | "basal_metabolic_rate_kcal" | "visceral_fat_level" | "age" => 0,
        _ => 1,
    }
}

/// `v` printed at `field`'s decimals.
pub fn print(field: &str, v: f64) -> String {
    let d = printed_decimals(field);
    format!("{v:.d$}")
}

/// One person's figures.
#[derive(Debug, Clone)]
pub struct Person {
    pub female: bool,
    pub height: f64,
    pub age: u32,
    pub weight: f64,
    pub pbf: f64,
    pub bfm: f64,
    pub ffm: f64,
    pub tbw: f64,
    pub protein: f64,
    pub minerals: f64,
    pub slm: f64,
    pub smm: f64,
    pub bmi: f64,
    /// Segmental lean mass (kg), in [`SEGMENTS`] order, and its % of standard.
    pub lean: [f64; 5],
    pub lean_pct: [f64; 5],
    /// Segmental fat mass (kg) and its % of standard (`(1.5kg) 178.0%`).
    pub fat: [f64; 5],
    pub fat_pct: [f64; 5],
    pub score: u32,
    pub target: f64,
    pub weight_control: f64,
    pub fat_control: f64,
    pub muscle_control: f64,
    pub bmr: u32,
    pub whr: f64,
    pub vfl: u32,
    /// (year, month, day, hour, minute)
    pub tested_at: (u32, u32, u32, u32, u32),
    /// Normal ranges as printed, by field.
    pub ranges: BTreeMap<&'static str, [f64; 2]>,
    /// Impedance (Ω) per segment (RA LA TR RL LL) at 5, 50, 250 kHz: figures that are
    /// no field.
    pub impedance: [[f64; 5]; 3],
    /// Earlier weights, skeletal muscle masses and body fat percentages (history).
    pub history: Vec<(String, f64, f64, f64)>,
}

impl Person {
    /// A random person.
    pub fn random(rng: &mut impl Rng) -> Person {
        let female = rng.random_bool(0.5);
        let height = round(
            if female {
                rng.random_range(148.0..174.0)
            } else {
                rng.random_range(158.0..192.0)
            },
            1,
        );
        let h2 = (height / 100.0).powi(2);
        let weight = round(rng.random_range(17.0..34.0) * h2, 1);
        let pbf_target: f64 = if female {
            rng.random_range(14.0..45.0)
        } else {
            rng.random_range(6.0..35.0)
        };
        let bfm = round(weight * pbf_target / 100.0, 1);
        let pbf = round(100.0 * bfm / weight, 1);
        let ffm = round(weight - bfm, 1);
        let tbw = round(ffm * rng.random_range(0.725..0.74), 1);
        let protein = round(ffm * rng.random_range(0.19..0.205), 1);
        let minerals = round(ffm - tbw - protein, 2);
        let slm = round(tbw + protein + rng.random_range(0.0..0.3), 1);
        let smm = round(slm * rng.random_range(0.54..0.58), 1);
        let bmi = round(weight / h2, 1);
        let arm = slm * 0.055;
        let leg = slm * 0.16;
        let lean = [
            round(arm * rng.random_range(0.95..1.0), 2),
            round(arm * rng.random_range(1.0..1.05), 2),
            round(slm * rng.random_range(0.46..0.5), 1),
            round(leg * rng.random_range(0.97..1.0), 2),
            round(leg * rng.random_range(1.0..1.03), 2),
        ];
        let share = [0.07, 0.072, 0.52, 0.135, 0.137];
        let mut fat = [0.0; 5];
        for (f, s) in fat.iter_mut().zip(share) {
            *f = round(bfm * s * rng.random_range(0.95..1.02), 1);
        }
        let mut lean_pct = [0.0; 5];
        let mut fat_pct = [0.0; 5];
        for i in 0..5 {
            lean_pct[i] = round(rng.random_range(80.0..125.0), 1);
            fat_pct[i] = round(rng.random_range(60.0..260.0), 1);
        }
        let target = round(rng.random_range(20.5..23.0) * h2, 1);
        let weight_control = round(target - weight, 1);
        let muscle_control = if rng.random_bool(0.3) {
            0.0
        } else {
            round(rng.random_range(0.3..5.0), 1)
        };
        let fat_control = round(weight_control - muscle_control, 1);
        let mut ranges = BTreeMap::new();
        for (name, v) in [
            ("total_body_water_l", tbw),
            ("protein_kg", protein),
            ("minerals_kg", minerals),
            ("body_fat_mass_kg", bfm),
            ("muscle_mass_kg", slm),
            ("fat_free_mass_kg", ffm),
            ("weight_kg", weight),
        ] {
            let d = printed_decimals(name);
            let centre = v * rng.random_range(0.85..1.15);
            ranges.insert(name, [round(centre * 0.9, d), round(centre * 1.1, d)]);
        }
        let whr_lo = round(rng.random_range(0.75..0.8), 2);
        ranges.insert("waist_hip_ratio", [whr_lo, round(whr_lo + 0.1, 2)]);
        ranges.insert("visceral_fat_level", [1.0, 9.0]);
        let mut impedance = [[0.0; 5]; 3];
        for (k, row) in impedance.iter_mut().enumerate() {
            let f = [1.0, 0.9, 0.8][k];
            for (i, z) in row.iter_mut().enumerate() {
                let base = if i == 2 { 25.0 } else { 330.0 };
                *z = round(base * f * rng.random_range(0.85..1.15), 1);
            }
        }
        let year = rng.random_range(2015..2027);
        let tested_at = (
            year,
            rng.random_range(1..13),
            rng.random_range(1..29),
            rng.random_range(7..20),
            rng.random_range(0..60),
        );
        let n = rng.random_range(3..8);
        let history = (0..n)
            .map(|i| {
                let date = format!(
                    "{:02}.{:02}.{:02}",
                    (year - 1) % 100,
                    1 + (i * 12 / n) as u32,
                    rng.random_range(1..29)
                );
                (
                    date,
                    round(weight * rng.random_range(0.95..1.08), 1),
                    round(smm * rng.random_range(0.95..1.05), 1),
                    round(pbf * rng.random_range(0.9..1.1), 1),
                )
            })
            .collect();
        Person {
            female,
            height,
            age: rng.random_range(18..86),
            weight,
            pbf,
            bfm,
            ffm,
            tbw,
            protein,
            minerals,
            slm,
            smm,
            bmi,
            lean,
            lean_pct,
            fat,
            fat_pct,
            score: rng.random_range(50..97),
            target,
            weight_control,
            fat_control,
            muscle_control,
            bmr: (370.0 + 21.6 * ffm).round() as u32,
            whr: round(rng.random_range(0.75..1.05), 2),
            vfl: rng.random_range(1..20),
            tested_at,
            ranges,
            impedance,
            history,
        }
    }

    /// The figure of a numeric field.
    pub fn number(&self, field: &str) -> Option<f64> {
        let seg = |prefix: &str, vals: &[f64; 5]| {
            let rest = field.strip_prefix(prefix)?.strip_suffix("_kg")?;
            let i = SEGMENTS.iter().position(|s| *s == rest)?;
            Some(vals[i])
        };
        Some(match field {
            "weight_kg" => self.weight,
            "total_body_water_l" => self.tbw,
            "protein_kg" => self.protein,
            "minerals_kg" => self.minerals,
            "body_fat_mass_kg" => self.bfm,
            "fat_free_mass_kg" => self.ffm,
            "muscle_mass_kg" => self.slm,
            "skeletal_muscle_mass_kg" => self.smm,
            "bmi" => self.bmi,
            "percent_body_fat" => self.pbf,
            "inbody_score" => self.score as f64,
            "target_weight_kg" => self.target,
            "weight_control_kg" => self.weight_control,
            "fat_control_kg" => self.fat_control,
            "muscle_control_kg" => self.muscle_control,
            "basal_metabolic_rate_kcal" => self.bmr as f64,
            "waist_hip_ratio" => self.whr,
            "visceral_fat_level" => self.vfl as f64,
            "height_cm" => self.height,
            "age" => self.age as f64,
            _ => {
                return seg("segmental_lean_", &self.lean)
                    .or_else(|| seg("segmental_fat_", &self.fat))
            }
        })
    }

    /// `sex` and `tested_at` as the report writes them.
    pub fn text(&self, field: &str) -> Option<String> {
        let (y, mo, d, h, mi) = self.tested_at;
        match field {
            "sex" => Some(if self.female { "female" } else { "male" }.into()),
            "tested_at" => Some(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}")),
            _ => None,
        }
    }

    /// The truth entry of `field`, with its range when the sheet prints it.
    pub fn field(&self, field: &str, with_range: bool) -> Option<Field> {
        let value = match self.number(field) {
            Some(n) => Value::Number(n),
            None => Value::Text(self.text(field)?),
        };
        let range = if with_range {
            self.ranges.get(field).copied()
        } else {
            None
        };
        Some(Field { value, range })
    }
}

/// The sheet's own identities checked on a truth; one line per identity that fails
/// (empty when the figures are consistent). Tolerances are those of the printed
/// decimals.
pub fn arithmetic_errors(truth: &BTreeMap<String, Field>) -> Vec<String> {
    let n = |k: &str| truth.get(k).and_then(|f| f.value.as_f64());
    let mut out = Vec::new();
    let mut check = |name: &str, lhs: Option<f64>, rhs: Option<f64>, tol: f64| match (lhs, rhs) {
        (Some(a), Some(b)) if (a - b).abs() <= tol => {}
        (a, b) => out.push(format!("{name}: {a:?} vs {b:?}")),
    };
    let sum = |ks: &[&str]| ks.iter().map(|k| n(k)).sum::<Option<f64>>();
    check(
        "tbw + protein + minerals + bfm = weight",
        sum(&[
            "total_body_water_l",
            "protein_kg",
            "minerals_kg",
            "body_fat_mass_kg",
        ]),
        n("weight_kg"),
        0.051,
    );
    check(
        "weight - bfm = ffm",
        n("weight_kg")
            .zip(n("body_fat_mass_kg"))
            .map(|(w, b)| w - b),
        n("fat_free_mass_kg"),
        0.051,
    );
    check(
        "bmi = weight / height^2",
        n("weight_kg")
            .zip(n("height_cm"))
            .map(|(w, h)| w / (h / 100.0).powi(2)),
        n("bmi"),
        0.051,
    );
    check(
        "pbf = 100 bfm / weight",
        n("weight_kg")
            .zip(n("body_fat_mass_kg"))
            .map(|(w, b)| 100.0 * b / w),
        n("percent_body_fat"),
        0.051,
    );
    check(
        "target - weight = weight control",
        n("target_weight_kg")
            .zip(n("weight_kg"))
            .map(|(t, w)| t - w),
        n("weight_control_kg"),
        0.051,
    );
    check(
        "fat control + muscle control = weight control",
        sum(&["fat_control_kg", "muscle_control_kg"]),
        n("weight_control_kg"),
        0.051,
    );
    let seg = |p: &str| {
        SEGMENTS
            .iter()
            .map(|s| n(&format!("{p}_{s}_kg")))
            .sum::<Option<f64>>()
    };
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
    match ratio(seg("segmental_lean"), n("muscle_mass_kg")) {
        Some(r) if (0.8..=1.0).contains(&r) => {}
        r => out.push(format!("segmental lean / soft lean mass = {r:?}")),
    }
    match ratio(seg("segmental_fat"), n("body_fat_mass_kg")) {
        Some(r) if (0.85..=1.05).contains(&r) => {}
        r => out.push(format!("segmental fat / body fat mass = {r:?}")),
    }
    out
}
