//! The two layouts of the first generator (issue 6): the InBody370S layout of the real
//! sample (Korean) and an InBody570-like English list, with the same figures for the
//! same seed as before, so the floors of `tests/ocr.rs`, which measure the current
//! reader on them, keep their meaning. New layouts are families ([`super::families`]).

use std::collections::BTreeMap;

use rand::Rng;

use super::canvas::Canvas;
use super::{Generator, Layout, Sheet};
use crate::ocr::inbody::{Field, Value};

fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The figures of one person, consistent with each other (as a real sheet's are).
struct Person {
    female: bool,
    height: f64,
    age: u32,
    weight: f64,
    pbf: f64,
    bfm: f64,
    ffm: f64,
    tbw: f64,
    protein: f64,
    minerals: f64,
    slm: f64,
    smm: f64,
    bmi: f64,
    lean: [f64; 5],
    fat: [f64; 5],
    score: u32,
    target: f64,
    bmr: u32,
    whr: f64,
    vfl: u32,
    tested_at: (u32, u32, u32, u32, u32),
}

fn person(rng: &mut impl Rng) -> Person {
    let female = rng.random_bool(0.5);
    let height = r1(if female {
        rng.random_range(148.0..172.0)
    } else {
        rng.random_range(160.0..188.0)
    });
    let bmi_target: f64 = rng.random_range(17.5..32.0);
    let weight = r1(bmi_target * (height / 100.0).powi(2));
    let pbf_target: f64 = if female {
        rng.random_range(15.0..42.0)
    } else {
        rng.random_range(8.0..32.0)
    };
    let bfm = r1(weight * pbf_target / 100.0);
    let pbf = r1(100.0 * bfm / weight);
    let ffm = r1(weight - bfm);
    let tbw = r1(ffm * 0.733);
    let protein = r1(ffm * 0.197);
    let minerals = r2(ffm - tbw - protein);
    let slm = r1(tbw + protein);
    let smm = r1(slm * 0.56);
    let bmi = r1(weight / (height / 100.0).powi(2));
    let arm = slm * 0.055;
    let leg = slm * 0.16;
    let lean = [
        r2(arm * rng.random_range(0.95..1.0)),
        r2(arm * rng.random_range(1.0..1.05)),
        r1(slm * 0.48),
        r2(leg * rng.random_range(0.97..1.0)),
        r2(leg * rng.random_range(1.0..1.03)),
    ];
    let fat = [
        r1(bfm * 0.07),
        r1(bfm * 0.072),
        r1(bfm * 0.52),
        r1(bfm * 0.135),
        r1(bfm * 0.137),
    ];
    let target = r1(22.0 * (height / 100.0).powi(2));
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
        fat,
        score: rng.random_range(55..96),
        target,
        bmr: (370.0 + 21.6 * ffm).round() as u32,
        whr: r2(rng.random_range(0.75..1.05)),
        vfl: rng.random_range(1..20),
        tested_at: (
            rng.random_range(2015..2027),
            rng.random_range(1..13),
            rng.random_range(1..29),
            rng.random_range(7..20),
            rng.random_range(0..60),
        ),
    }
}

/// A normal range around a value (as InBody prints: from 85 % to 115 % of normal).
fn range_of(v: f64, decimals: usize, rng: &mut impl Rng) -> [f64; 2] {
    let centre = v * rng.random_range(0.85..1.15);
    let round = |x: f64| {
        let f = 10f64.powi(decimals as i32);
        (x * f).round() / f
    };
    [round(centre * 0.9), round(centre * 1.1)]
}

/// The muscle control figure: a little muscle to gain, never any to lose.
fn muscle_control(p: &Person) -> f64 {
    r1((p.slm * 0.05).max(0.0))
}

/// The fat control figure: what the weight control leaves when the muscle control is
/// taken out (weight control = fat control + muscle control, as on a real sheet; the
/// first generator printed −0.4 × the fat mass, which no sheet adds up to).
fn fat_control(p: &Person) -> f64 {
    r1(r1(p.target - p.weight) - muscle_control(p))
}

fn fmt(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

fn signed(v: f64) -> String {
    if v < 0.0 {
        format!("- {:.1}", -v)
    } else {
        format!("+ {v:.1}")
    }
}

/// A sheet of the first generator's `layout` with random figures from `seed`.
pub(super) fn sheet(g: &Generator, layout: Layout, seed: u64) -> Sheet {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let p = person(&mut rng);
    match layout {
        Layout::InBody370S => g.draw_370s(&p, &mut rng),
        Layout::InBody570 => g.draw_570(&p, &mut rng),
        Layout::Family(_) => g.draw_370s(&p, &mut rng),
    }
}

impl Generator {
    fn draw_370s(&self, p: &Person, rng: &mut impl Rng) -> Sheet {
        let (w, h) = (1240u32, 1754u32);
        let mut c = Canvas::new(w, h, 250, &self.font);
        let mut truth = BTreeMap::new();
        let (label, value, small) = (24.0, 26.0, 19.0);
        c.text(60.0, 40.0, 56.0, "InBody", 40);
        c.text(690.0, 90.0, 22.0, "[InBody370S]", 20);
        c.hline(50.0, 125.0, 1140.0, 90);
        // Header: labels on one row, values under them.
        let (y0, y1) = (140.0, 176.0);
        let (yy, mo, dd, hh, mi) = p.tested_at;
        let header: [(&str, f32, String); 5] = [
            ("회원번호", 60.0, "Test User".into()),
            ("신장", 300.0, format!("{:.1}cm", p.height)),
            ("연령", 450.0, p.age.to_string()),
            ("성별", 560.0, if p.female { "여성" } else { "남성" }.into()),
            (
                "검사일시",
                680.0,
                format!("{yy}.{mo:02}.{dd:02}. {hh:02}:{mi:02}"),
            ),
        ];
        for (l, x, v) in &header {
            c.text(*x, y0, label, l, 30);
            c.text(*x, y1, value, v, 20);
        }
        put_profile(&mut truth, p);

        // Body composition: rows with figure and range, columns to the right.
        let top = 250.0;
        c.text(60.0, top, 30.0, "체성분분석 Body Composition Analysis", 30);
        c.rect(60.0, top + 45.0, 700.0, 32.0, 70);
        for (i, head) in ["측정치", "체수분", "근육량", "제지방량", "체중"]
            .iter()
            .enumerate()
        {
            c.text(200.0 + i as f32 * 120.0, top + 49.0, 20.0, head, 235);
        }
        let rows = [
            ("체수분", "(L)", "total_body_water_l", p.tbw, 1),
            ("단백질", "(kg)", "protein_kg", p.protein, 1),
            ("무기질", "(kg)", "minerals_kg", p.minerals, 2),
            ("체지방", "(kg)", "body_fat_mass_kg", p.bfm, 1),
        ];
        for (i, (l, unit, name, v, d)) in rows.iter().enumerate() {
            // A pitch that leaves the last range clear of the next heading, as printed.
            let y = top + 95.0 + i as f32 * 62.0;
            c.text(70.0, y, label, l, 30);
            c.text(150.0, y + 4.0, 18.0, unit, 30);
            c.text(210.0, y, value, &fmt(*v, *d), 20);
            let r = range_of(*v, *d, rng);
            c.text(
                200.0,
                y + 30.0,
                small,
                &format!("({} ~ {})", fmt(r[0], *d), fmt(r[1], *d)),
                30,
            );
            put(&mut truth, name, *v, Some(r));
        }
        let cols = [
            ("muscle_mass_kg", p.slm, 440.0, 0),
            ("fat_free_mass_kg", p.ffm, 560.0, 1),
            ("weight_kg", p.weight, 680.0, 2),
        ];
        for (name, v, x, i) in cols {
            let y = top + 120.0 + i as f32 * 35.0;
            c.text(x, y, value, &fmt(v, 1), 20);
            let r = range_of(v, 1, rng);
            c.text(
                x - 12.0,
                y + 30.0,
                small,
                &format!("({} ~ {})", fmt(r[0], 1), fmt(r[1], 1)),
                30,
            );
            put(&mut truth, name, v, Some(r));
        }

        // Muscle-fat and obesity bar charts: scales above, the figure at the bar's end.
        let bars =
            |c: &mut Canvas<'_>, y: f32, l: &str, unit: &str, scale: &[u32], v: f64, vmax: f64| {
                c.text(70.0, y, label, l, 30);
                c.text(190.0, y + 4.0, 18.0, unit, 30);
                for (i, s) in scale.iter().enumerate() {
                    c.text(290.0 + i as f32 * 55.0, y - 6.0, 14.0, &s.to_string(), 60);
                }
                let len = ((v / vmax).min(1.0) * 500.0) as f32;
                c.rect(290.0, y + 14.0, len, 12.0, 40);
                c.text(300.0 + len, y + 22.0, value, &fmt(v, 1), 20);
            };
        let mt = 600.0;
        c.text(60.0, mt, 30.0, "골격근·지방분석 Muscle-Fat Analysis", 30);
        bars(
            &mut c,
            mt + 60.0,
            "체중",
            "(kg)",
            &[55, 70, 85, 100, 115, 130, 145, 160, 175],
            p.weight,
            205.0,
        );
        bars(
            &mut c,
            mt + 120.0,
            "골격근량",
            "(kg)",
            &[70, 80, 90, 100, 110, 120, 130, 140, 150],
            p.smm,
            60.0,
        );
        bars(
            &mut c,
            mt + 180.0,
            "체지방량",
            "(kg)",
            &[40, 60, 80, 100, 160, 220, 280, 340, 400],
            p.bfm,
            60.0,
        );
        put(&mut truth, "skeletal_muscle_mass_kg", p.smm, None);

        let ot = 850.0;
        c.text(60.0, ot, 30.0, "비만분석 Obesity Analysis", 30);
        bars(
            &mut c,
            ot + 60.0,
            "BMI",
            "(kg/m²)",
            &[10, 15, 18, 21, 25, 30, 35, 40, 45],
            p.bmi,
            55.0,
        );
        bars(
            &mut c,
            ot + 120.0,
            "체지방률",
            "(%)",
            &[8, 13, 18, 23, 28, 33, 38, 43, 48],
            p.pbf,
            58.0,
        );
        put(&mut truth, "bmi", p.bmi, None);
        put(&mut truth, "percent_body_fat", p.pbf, None);

        // Segmental figures: arms top, trunk middle, legs bottom; left on the left.
        let st = 1080.0;
        for (sx, head, vals, name, d) in [
            (60.0, "부위별근육분석", &p.lean, "segmental_lean", 2usize),
            (430.0, "부위별체지방분석", &p.fat, "segmental_fat", 1usize),
        ] {
            c.text(sx, st, 28.0, head, 30);
            let pos = [
                (sx + 20.0, st + 80.0),
                (sx + 230.0, st + 80.0),
                (sx + 125.0, st + 180.0),
                (sx + 20.0, st + 280.0),
                (sx + 230.0, st + 280.0),
            ];
            c.rect(sx + 150.0, st + 60.0, 40.0, 300.0, 215);
            for (i, seg) in ["left_arm", "right_arm", "trunk", "left_leg", "right_leg"]
                .iter()
                .enumerate()
            {
                let (x, y) = pos[i];
                let v = vals[i];
                let d = if *seg == "trunk" { 1 } else { d };
                c.text(x, y, value, &format!("{}kg", fmt(v, d)), 20);
                c.text(x + 10.0, y + 34.0, 20.0, "표준", 40);
                put(&mut truth, &format!("{name}_{seg}_kg"), v, None);
            }
        }

        // The right-hand column.
        let rx = 850.0;
        c.text(rx, 250.0, 26.0, "인바디점수", 30);
        c.text(rx + 90.0, 295.0, 34.0, &format!("{}/100점", p.score), 20);
        put(&mut truth, "inbody_score", p.score as f64, None);
        c.text(rx, 420.0, 26.0, "체중조절", 30);
        let ctrl = [
            ("적정체중", "target_weight_kg", p.target, false),
            (
                "체중조절",
                "weight_control_kg",
                r1(p.target - p.weight),
                true,
            ),
            ("지방조절", "fat_control_kg", fat_control(p), true),
            ("근육조절", "muscle_control_kg", muscle_control(p), true),
        ];
        for (i, (l, name, v, sign)) in ctrl.iter().enumerate() {
            let y = 470.0 + i as f32 * 40.0;
            c.text(rx, y, label, l, 30);
            let text = if *sign { signed(*v) } else { fmt(*v, 1) };
            c.text(rx + 150.0, y, label, &format!("{text} kg"), 20);
            put(&mut truth, name, *v, None);
        }
        c.text(rx, 700.0, 26.0, "연구항목", 30);
        let whr_r = [0.75, 0.85];
        let vfl_r = [1.0, 9.0];
        c.text(rx, 750.0, label, "기초대사량", 30);
        c.text(rx + 150.0, 750.0, label, &format!("{} kcal", p.bmr), 20);
        c.text(rx, 790.0, label, "복부지방률", 30);
        c.text(rx + 150.0, 790.0, label, &fmt(p.whr, 2), 20);
        c.text(rx + 220.0, 792.0, small, "(0.75 ~ 0.85)", 30);
        c.text(rx, 830.0, label, "내장지방레벨", 30);
        c.text(rx + 150.0, 830.0, label, &p.vfl.to_string(), 20);
        c.text(rx + 220.0, 832.0, small, "(1 ~ 9)", 30);
        put(&mut truth, "basal_metabolic_rate_kcal", p.bmr as f64, None);
        put(&mut truth, "waist_hip_ratio", p.whr, Some(whr_r));
        put(&mut truth, "visceral_fat_level", p.vfl as f64, Some(vfl_r));
        c.text(rx, 950.0, 26.0, "임피던스", 30);

        Sheet {
            layout: Layout::InBody370S,
            image: c.img,
            truth,
            words: c.words,
            runs: c.runs,
            spec: None,
        }
    }

    fn draw_570(&self, p: &Person, rng: &mut impl Rng) -> Sheet {
        let (w, h) = (1240u32, 1754u32);
        let mut c = Canvas::new(w, h, 248, &self.font);
        let mut truth = BTreeMap::new();
        let (label, value, small) = (24.0f32, 26.0f32, 19.0f32);
        c.text(60.0, 40.0, 50.0, "InBody", 40);
        c.text(300.0, 60.0, 26.0, "InBody570", 30);
        c.hline(50.0, 120.0, 1140.0, 90);
        let (yy, mo, dd, hh, mi) = p.tested_at;
        // Header: label and value on one row.
        c.text(60.0, 140.0, label, "Height", 30);
        c.text(160.0, 140.0, value, &format!("{:.1}cm", p.height), 20);
        c.text(360.0, 140.0, label, "Age", 30);
        c.text(430.0, 140.0, value, &p.age.to_string(), 20);
        c.text(540.0, 140.0, label, "Gender", 30);
        c.text(
            640.0,
            140.0,
            value,
            if p.female { "Female" } else { "Male" },
            20,
        );
        c.text(60.0, 185.0, label, "Test Date / Time", 30);
        c.text(
            280.0,
            185.0,
            value,
            &format!("{yy}.{mo:02}.{dd:02}. {hh:02}:{mi:02}"),
            20,
        );
        put_profile(&mut truth, p);

        let mut y = 260.0f32;
        let section = |c: &mut Canvas<'_>, y: &mut f32, title: &str| {
            *y += 20.0;
            c.text(60.0, *y, 30.0, title, 30);
            // Beside the right-hand box (score, weight control) a rule stops short of
            // it, as printed; it does not strike through the box's rows.
            let w = if *y < 440.0 { 740.0 } else { 1100.0 };
            c.hline(60.0, *y + 40.0, w, 120);
            *y += 55.0;
        };
        let row = |c: &mut Canvas<'_>, y: &mut f32, l: &str, v: String, r: Option<String>| {
            c.text(80.0, *y, label, l, 30);
            c.text(520.0, *y, value, &v, 20);
            if let Some(r) = r {
                c.text(680.0, *y + 3.0, small, &r, 30);
            }
            *y += 40.0;
        };
        section(&mut c, &mut y, "Body Composition Analysis");
        for (l, name, v, d) in [
            ("Total Body Water (L)", "total_body_water_l", p.tbw, 1usize),
            ("Protein (kg)", "protein_kg", p.protein, 1),
            ("Minerals (kg)", "minerals_kg", p.minerals, 2),
            ("Body Fat Mass (kg)", "body_fat_mass_kg", p.bfm, 1),
            ("Soft Lean Mass (kg)", "muscle_mass_kg", p.slm, 1),
            ("Fat Free Mass (kg)", "fat_free_mass_kg", p.ffm, 1),
            ("Weight (kg)", "weight_kg", p.weight, 1),
        ] {
            let r = range_of(v, d, rng);
            row(
                &mut c,
                &mut y,
                l,
                fmt(v, d),
                Some(format!("({} ~ {})", fmt(r[0], d), fmt(r[1], d))),
            );
            put(&mut truth, name, v, Some(r));
        }
        section(&mut c, &mut y, "Muscle-Fat Analysis");
        row(
            &mut c,
            &mut y,
            "Skeletal Muscle Mass (kg)",
            fmt(p.smm, 1),
            None,
        );
        put(&mut truth, "skeletal_muscle_mass_kg", p.smm, None);
        section(&mut c, &mut y, "Obesity Analysis");
        row(&mut c, &mut y, "BMI (kg/m2)", fmt(p.bmi, 1), None);
        row(&mut c, &mut y, "PBF (%)", fmt(p.pbf, 1), None);
        put(&mut truth, "bmi", p.bmi, None);
        put(&mut truth, "percent_body_fat", p.pbf, None);
        for (title, vals, name, d) in [
            ("Segmental Lean Analysis", &p.lean, "segmental_lean", 2usize),
            ("Segmental Fat Analysis", &p.fat, "segmental_fat", 1usize),
        ] {
            section(&mut c, &mut y, title);
            for (i, (seg, l)) in [
                ("right_arm", "Right Arm"),
                ("left_arm", "Left Arm"),
                ("trunk", "Trunk"),
                ("right_leg", "Right Leg"),
                ("left_leg", "Left Leg"),
            ]
            .iter()
            .enumerate()
            {
                let idx = [1, 0, 2, 4, 3][i];
                let v = vals[idx];
                let d = if *seg == "trunk" { 1 } else { d };
                row(&mut c, &mut y, l, format!("{} kg", fmt(v, d)), None);
                put(&mut truth, &format!("{name}_{seg}_kg"), v, None);
            }
        }
        section(&mut c, &mut y, "Research Parameters");
        row(
            &mut c,
            &mut y,
            "Basal Metabolic Rate",
            format!("{} kcal", p.bmr),
            None,
        );
        row(
            &mut c,
            &mut y,
            "Waist-Hip Ratio",
            fmt(p.whr, 2),
            Some("(0.80 ~ 0.90)".into()),
        );
        row(
            &mut c,
            &mut y,
            "Visceral Fat Level",
            p.vfl.to_string(),
            Some("(1 ~ 9)".into()),
        );
        put(&mut truth, "basal_metabolic_rate_kcal", p.bmr as f64, None);
        put(&mut truth, "waist_hip_ratio", p.whr, Some([0.8, 0.9]));
        put(
            &mut truth,
            "visceral_fat_level",
            p.vfl as f64,
            Some([1.0, 9.0]),
        );
        // InBody score and weight control in a right-hand box near the top.
        let rx = 820.0;
        c.text(rx, 140.0, label, "InBody Score", 30);
        c.text(rx + 200.0, 140.0, value, &format!("{}/100", p.score), 20);
        put(&mut truth, "inbody_score", p.score as f64, None);
        c.text(rx, 230.0, 26.0, "Weight Control", 30);
        for (i, (l, name, v)) in [
            ("Target Weight", "target_weight_kg", p.target),
            (
                "Weight Control",
                "weight_control_kg",
                r1(p.target - p.weight),
            ),
            ("Fat Control", "fat_control_kg", fat_control(p)),
            ("Muscle Control", "muscle_control_kg", muscle_control(p)),
        ]
        .iter()
        .enumerate()
        {
            let yy = 275.0 + i as f32 * 38.0;
            c.text(rx, yy, 22.0, l, 30);
            let text = if i == 0 { fmt(*v, 1) } else { signed(*v) };
            c.text(rx + 200.0, yy, 22.0, &format!("{text} kg"), 20);
            put(&mut truth, name, *v, None);
        }
        Sheet {
            layout: Layout::InBody570,
            image: c.img,
            truth,
            words: c.words,
            runs: c.runs,
            spec: None,
        }
    }
}

fn put(truth: &mut BTreeMap<String, Field>, name: &str, value: f64, range: Option<[f64; 2]>) {
    truth.insert(
        name.to_string(),
        Field {
            value: Value::Number(value),
            range,
        },
    );
}

/// The profile both layouts print in their header: height, age, sex, test time.
fn put_profile(truth: &mut BTreeMap<String, Field>, p: &Person) {
    let (yy, mo, dd, hh, mi) = p.tested_at;
    put(truth, "height_cm", p.height, None);
    put(truth, "age", p.age as f64, None);
    truth.insert(
        "sex".into(),
        text_field(if p.female { "female" } else { "male" }),
    );
    truth.insert(
        "tested_at".into(),
        text_field(&format!("{yy:04}-{mo:02}-{dd:02}T{hh:02}:{mi:02}")),
    );
}

fn text_field(s: &str) -> Field {
    Field {
        value: Value::Text(s.into()),
        range: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Generator, Layout};

    #[test]
    fn generated_words_parse_back_to_the_truth_without_ocr() {
        // The parser on the generator's own words: every field must come back exactly,
        // which proves the layouts and the parser agree before OCR adds its errors.
        let g = Generator::new().expect("fonts-nanum is installed (scripts/test-all)");
        for layout in [Layout::InBody370S, Layout::InBody570] {
            for seed in 0..4 {
                let s = g.sheet(layout, seed);
                let report = crate::ocr::inbody::parse(&s.words);
                let score = crate::ocr::accuracy::score(&report, &s.truth);
                assert_eq!(
                    score.correct, score.total,
                    "{layout:?} seed {seed}: {:#?}",
                    score.misses
                );
                assert!(
                    report
                        .warnings
                        .iter()
                        .all(|w| w.message.starts_with("body_type"))
                        || report.warnings.is_empty(),
                    "{layout:?} seed {seed}: consistent figures give no warnings: {:?}",
                    report.warnings
                );
            }
        }
    }

    #[test]
    fn every_sheet_adds_up_including_the_controls() {
        // weight control = fat control + muscle control, as on the real sample
        // (−6.2 = −9.9 + 3.7); the arithmetic warns when a sheet's figures do not.
        let g = Generator::new().expect("fonts-nanum is installed (scripts/test-all)");
        for layout in [Layout::InBody370S, Layout::InBody570] {
            for seed in 0..40 {
                let s = g.sheet(layout, seed);
                let found = crate::ocr::arith::findings(&crate::ocr::report::figures(&s.truth));
                assert_eq!(found, vec![], "{layout:?} seed {seed}");
            }
        }
    }
}
