//! The sections a family places on its page, each drawn at a given place and width
//! in the sheet's [`Style`], recording the truth of every field it prints. Sections
//! that print no field (history, impedance, scale ticks, notes) are distractors: they
//! are full of figures a reader must not take.

use std::collections::BTreeMap;

use ab_glyph::FontVec;
use rand::rngs::StdRng;
use rand::Rng;

use super::canvas::Canvas;
use super::families::Family;
use super::person::{print, Person, SEGMENTS};
use crate::ocr::inbody::Field;

/// The language of the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Korean only.
    Ko,
    /// English only.
    En,
    /// `체중 Weight` on one line.
    KoEn,
    /// Korean with the English name small under it (the 370S).
    KoSub,
}

/// How a normal range is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeForm {
    /// `(27.0~33.0)`
    Tilde,
    /// `(27.0 ~ 33.0)`
    TildeSpaced,
    /// `(27.0-33.0)`
    Dash,
    /// `27.0~33.0`
    Bare,
}

/// The random style of one sheet.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub lang: Lang,
    pub range: RangeForm,
    /// Ranges under the figure instead of beside it.
    pub range_under: bool,
    /// `51.7kg` instead of `51.7 kg`.
    pub unit_glued: bool,
    /// `- 6.2 kg` instead of `-6.2 kg`.
    pub sign_spaced: bool,
    /// Label and figure sizes (px).
    pub px: f32,
    pub fig_px: f32,
    /// Segmental figures with their percent of standard beside them.
    pub fat_percent: bool,
    pub ink: u8,
}

/// Korean and English names of fields, segments and sections.
fn names(key: &str) -> (&'static str, &'static str) {
    match key {
        "weight_kg" => ("체중", "Weight"),
        "total_body_water_l" => ("체수분", "Total Body Water"),
        "protein_kg" => ("단백질", "Protein"),
        "minerals_kg" => ("무기질", "Minerals"),
        "body_fat_mass_kg" => ("체지방", "Body Fat Mass"),
        "bfm_bar" => ("체지방량", "Body Fat Mass"),
        "fat_free_mass_kg" => ("제지방량", "Fat Free Mass"),
        "muscle_mass_kg" => ("근육량", "Soft Lean Mass"),
        "skeletal_muscle_mass_kg" => ("골격근량", "Skeletal Muscle Mass"),
        "bmi" => ("BMI", "Body Mass Index"),
        "percent_body_fat" => ("체지방률", "Percent Body Fat"),
        "inbody_score" => ("인바디점수", "InBody Score"),
        "target_weight_kg" => ("적정체중", "Target Weight"),
        "weight_control_kg" => ("체중조절", "Weight Control"),
        "fat_control_kg" => ("지방조절", "Fat Control"),
        "muscle_control_kg" => ("근육조절", "Muscle Control"),
        "basal_metabolic_rate_kcal" => ("기초대사량", "Basal Metabolic Rate"),
        "waist_hip_ratio" => ("복부지방률", "Waist-Hip Ratio"),
        "visceral_fat_level" => ("내장지방레벨", "Visceral Fat Level"),
        "height_cm" => ("신장", "Height"),
        "age" => ("연령", "Age"),
        "sex" => ("성별", "Gender"),
        "tested_at" => ("검사일시", "Test Date / Time"),
        "id" => ("회원번호", "ID"),
        "right_arm" => ("오른팔", "Right Arm"),
        "left_arm" => ("왼팔", "Left Arm"),
        "trunk" => ("몸통", "Trunk"),
        "right_leg" => ("오른다리", "Right Leg"),
        "left_leg" => ("왼다리", "Left Leg"),
        "lean_row" => ("근육량", "Lean Mass"),
        "fat_row" => ("체지방량", "Fat Mass"),
        "evaluation" => ("평가", "Evaluation"),
        "body_composition" => ("체성분분석", "Body Composition Analysis"),
        "muscle_fat" => ("골격근·지방분석", "Muscle-Fat Analysis"),
        "obesity" => ("비만분석", "Obesity Analysis"),
        "segmental_lean" => ("부위별근육분석", "Segmental Lean Analysis"),
        "segmental_fat" => ("부위별체지방분석", "Segmental Fat Analysis"),
        "control" => ("체중조절", "Weight Control"),
        "research" => ("연구항목", "Research Parameters"),
        "history" => ("신체변화", "Body Composition History"),
        "impedance" => ("임피던스", "Impedance"),
        _ => ("", ""),
    }
}

/// The segments as a five-column table prints them.
const TABLE_ORDER: [&str; 5] = ["right_arm", "left_arm", "trunk", "right_leg", "left_leg"];

fn seg_index(seg: &str) -> usize {
    SEGMENTS.iter().position(|s| *s == seg).unwrap_or(0)
}

/// A page being drawn.
pub struct Page<'a, 'r> {
    pub c: Canvas<'a>,
    pub figure_font: &'a FontVec,
    pub family: Family,
    pub st: Style,
    pub p: &'a Person,
    pub truth: BTreeMap<String, Field>,
    pub rng: &'r mut StdRng,
    /// The lowest y drawn so far.
    pub bottom: f32,
}

impl Page<'_, '_> {
    fn ko(&self) -> bool {
        self.st.lang != Lang::En
    }

    /// The label of `key` as one line of text in the sheet's language.
    fn label_text(&self, key: &str) -> String {
        let (ko, en) = names(key);
        match self.st.lang {
            Lang::Ko | Lang::KoSub => ko.to_string(),
            Lang::En => en.to_string(),
            Lang::KoEn if ko == en || ko.is_ascii() => ko.to_string(),
            Lang::KoEn => format!("{ko} {en}"),
        }
    }

    /// Draws the label of `key` at (x, y); returns its right edge.
    fn label(&mut self, x: f32, y: f32, key: &str) -> f32 {
        let (ink, px) = (self.st.ink + 20, self.st.px);
        let b = self.c.text(x, y, px, &self.label_text(key), ink);
        if self.st.lang == Lang::KoSub {
            let (ko, en) = names(key);
            if ko != en {
                self.c.text(x, y + px * 1.05, px * 0.45, en, ink + 30);
            }
        }
        b.right()
    }

    /// Draws a figure in the figure font at the figure size.
    fn figure(&mut self, x: f32, y: f32, text: &str) -> f32 {
        // The figure font may have no Hangul (DejaVu): Korean values take the label's.
        let font = if text.is_ascii() {
            self.figure_font
        } else {
            self.c.font
        };
        let ink = self.st.ink;
        self.c
            .text_in(font, x, y, self.st.fig_px, text, ink)
            .right()
    }

    fn small(&mut self, x: f32, y: f32, text: &str) -> f32 {
        let ink = self.st.ink + 40;
        let px = self.st.px * 0.78;
        let font = if text.is_ascii() {
            self.figure_font
        } else {
            self.c.font
        };
        self.c.text_in(font, x, y, px, text, ink).right()
    }

    /// A figure with its unit, glued or apart as the style says.
    fn with_unit(&self, v: &str, unit: &str) -> String {
        if self.st.unit_glued {
            format!("{v}{unit}")
        } else {
            format!("{v} {unit}")
        }
    }

    fn range_text(&self, field: &str) -> String {
        let r = self.p.ranges.get(field).copied().unwrap_or([0.0, 0.0]);
        let (a, b) = (print(field, r[0]), print(field, r[1]));
        match self.st.range {
            RangeForm::Tilde => format!("({a}~{b})"),
            RangeForm::TildeSpaced => format!("({a} ~ {b})"),
            RangeForm::Dash => format!("({a}-{b})"),
            RangeForm::Bare => format!("{a}~{b}"),
        }
    }

    fn signed(&self, field: &str, v: f64) -> String {
        let body = print(field, v.abs());
        let sign = if v < 0.0 {
            "-"
        } else if v > 0.0 {
            "+"
        } else {
            ""
        };
        let n = if self.st.sign_spaced && !sign.is_empty() {
            format!("{sign} {body}")
        } else {
            format!("{sign}{body}")
        };
        self.with_unit(&n, "kg")
    }

    fn num(&self, field: &str) -> String {
        print(field, self.p.number(field).unwrap_or(0.0))
    }

    fn put(&mut self, field: &str, with_range: bool) {
        if let Some(f) = self.p.field(field, with_range) {
            self.truth.insert(field.to_string(), f);
        }
    }

    /// A section title with a rule under it; returns the y under the rule.
    fn title(&mut self, x: f32, y: f32, w: f32, key: &str) -> f32 {
        let (ko, en) = names(key);
        let px = self.st.px * 1.2;
        let ink = self.st.ink;
        let right = match self.st.lang {
            Lang::En => self.c.text(x, y, px, en, ink).right(),
            Lang::Ko => self.c.text(x, y, px, ko, ink).right(),
            Lang::KoEn | Lang::KoSub => {
                let r = self.c.text(x, y, px, ko, ink).right();
                self.c
                    .text(r + 10.0, y + px * 0.35, px * 0.55, en, ink + 40)
                    .right()
            }
        };
        let _ = right;
        self.c.hline(x, y + px * 1.45, w, 110);
        y + px * 1.9
    }

    /// The maker's name and the model, top left.
    pub fn logo(&mut self, x: f32, y: f32) {
        let models: &[&str] = match self.family {
            Family::Quadrant => &["InBody370S", "InBody370"],
            Family::List => &["InBody570"],
            Family::Table5 => &["InBody270", "InBody380"],
            Family::Bars => &["InBody770", "InBody970"],
            Family::Grid => &["InBody620", "InBody720"],
        };
        let model = models[self.rng.random_range(0..models.len())];
        self.c.text(x, y, 52.0, "InBody", 40);
        let mx = x + self.rng.random_range(300.0..600.0);
        let text = if self.rng.random_bool(0.5) {
            format!("[{model}]")
        } else {
            model.to_string()
        };
        self.c.text(mx, y + 24.0, 22.0, &text, 30);
        self.c.hline(x, y + 70.0, 1140.0, 90);
    }

    fn sex_text(&self) -> &'static str {
        match (self.ko(), self.p.female) {
            (true, true) => "여성",
            (true, false) => "남성",
            (false, true) => "Female",
            (false, false) => "Male",
        }
    }

    fn date_text(&mut self) -> String {
        let (y, mo, d, h, mi) = self.p.tested_at;
        match self.rng.random_range(0..3) {
            0 => format!("{y}.{mo:02}.{d:02}. {h:02}:{mi:02}"),
            1 => format!("{y}.{mo:02}.{d:02} {h:02}:{mi:02}"),
            _ => format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}"),
        }
    }

    fn header_values(&mut self) -> [(&'static str, String); 5] {
        let id = format!(
            "{}{:03}",
            ["Kim", "Lee", "Park", "Test"][self.rng.random_range(0..4)],
            self.rng.random_range(0..1000)
        );
        for f in ["height_cm", "age", "sex", "tested_at"] {
            self.put(f, false);
        }
        [
            ("id", id),
            ("height_cm", self.with_unit(&self.num("height_cm"), "cm")),
            ("age", self.num("age")),
            ("sex", self.sex_text().to_string()),
            ("tested_at", self.date_text()),
        ]
    }

    /// Labels on one row, values under them (the 370S).
    pub fn header_above(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let items = self.header_values();
        let mut cx = x;
        let px = self.st.px;
        for (i, (key, value)) in items.iter().enumerate() {
            let right = self.label(cx + 4.0, y, key);
            let vr = self.figure(cx + 4.0, y + px * 1.7, value);
            cx = right.max(vr) + self.rng.random_range(30.0..70.0);
            if i < 4 {
                self.c.vline(cx - 15.0, y, px * 2.9, 150);
            }
        }
        let _ = w;
        y + px * 3.2
    }

    /// `Label value` pairs on two rows.
    pub fn header_inline(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let items = self.header_values();
        let px = self.st.px;
        let mut cx = x;
        let mut cy = y;
        for (key, value) in items.iter() {
            if *key == "tested_at" {
                cx = x;
                cy += px * 1.8;
            }
            let right = self.label(cx, cy, key);
            let sep = if self.rng.random_bool(0.3) { ":" } else { "" };
            let r = if sep.is_empty() {
                self.figure(right + 15.0, cy, value)
            } else {
                let r = self.c.text(right + 2.0, cy, px, sep, 40).right();
                self.figure(r + 10.0, cy, value)
            };
            cx = r + self.rng.random_range(40.0..90.0);
            if cx > x + w - 150.0 {
                cx = x;
                cy += px * 1.8;
            }
        }
        cy + px * 2.2
    }

    /// The 370S's body-composition table: the four components in the first column
    /// with their ranges under them, the sums in columns to the right.
    pub fn body_stairs(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let y = self.title(x, y, w, "body_composition");
        let px = self.st.px;
        let heads_x = [0.2, 0.36, 0.52, 0.68, 0.84].map(|f| x + w * f);
        let cols = [heads_x[0], heads_x[2], heads_x[3], heads_x[4]];
        self.c.rect(x, y, w, px * 1.4, 70);
        let heads = ["측정치", "체수분", "근육량", "제지방량", "체중"];
        let heads_en = ["Values", "TBW", "SLM", "FFM", "Weight"];
        for (i, hx) in heads_x.iter().enumerate() {
            let h = if self.ko() { heads[i] } else { heads_en[i] };
            self.c.text(*hx, y + px * 0.2, px * 0.8, h, 235);
        }
        let pitch = px * 2.8;
        let top = y + px * 1.9;
        for (i, (field, unit)) in [
            ("total_body_water_l", "(L)"),
            ("protein_kg", "(kg)"),
            ("minerals_kg", "(kg)"),
            ("body_fat_mass_kg", "(kg)"),
        ]
        .iter()
        .enumerate()
        {
            let ry = top + i as f32 * pitch;
            let r = self.label(x + 6.0, ry, field);
            self.small(r.max(x + w * 0.14), ry + 3.0, unit);
            let v = self.num(field);
            self.figure(cols[0], ry, &v);
            let rt = self.range_text(field);
            self.small(cols[0] - 8.0, ry + px * 1.25, &rt);
            self.c.hline(x, ry + pitch - px * 0.3, w, 200);
            self.put(field, true);
        }
        for (i, field) in ["muscle_mass_kg", "fat_free_mass_kg", "weight_kg"]
            .iter()
            .enumerate()
        {
            let cx = cols[i + 1];
            let ry = top + pitch * (0.6 + i as f32 * 0.7);
            let v = self.num(field);
            self.figure(cx, ry, &v);
            let rt = self.range_text(field);
            self.small(cx - 10.0, ry + px * 1.25, &rt);
            self.put(field, true);
        }
        top + pitch * 4.0
    }

    /// One `label (unit)  figure  (range)` row; returns the next row's y.
    fn list_row(&mut self, x: f32, y: f32, w: f32, field: &str, unit: &str, range: bool) -> f32 {
        let px = self.st.px;
        let r = self.label(x, y, field);
        if !unit.is_empty() {
            self.small(r + 8.0, y + 3.0, &format!("({unit})"));
        }
        let fx = (x + w * 0.52).max(r + 60.0);
        let v = self.num(field);
        let fr = self.figure(fx, y, &v);
        if range {
            let rt = self.range_text(field);
            if self.st.range_under {
                self.small(fx - 6.0, y + px * 1.3, &rt);
            } else {
                self.small(fr.max(x + w * 0.7) + 10.0, y + 3.0, &rt);
            }
        }
        self.put(field, range);
        let under = range && self.st.range_under;
        y + px * if under { 2.7 } else { 1.75 }
            + if self.st.lang == Lang::KoSub {
                px * 0.3
            } else {
                0.0
            }
    }

    pub fn body_list(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let mut y = self.title(x, y, w, "body_composition");
        let mut rows = vec![
            ("total_body_water_l", "L"),
            ("protein_kg", "kg"),
            ("minerals_kg", "kg"),
            ("body_fat_mass_kg", "kg"),
            ("muscle_mass_kg", "kg"),
            ("fat_free_mass_kg", "kg"),
            ("weight_kg", "kg"),
        ];
        if self.rng.random_bool(0.3) {
            rows.swap(4, 5);
        }
        for (field, unit) in rows {
            y = self.list_row(x, y, w, field, unit, true);
        }
        y
    }

    fn bar_row(
        &mut self,
        (x, y, w): (f32, f32, f32),
        key: &str,
        unit: &str,
        scale: &[u32],
        v: f64,
        vmax: f64,
    ) -> f32 {
        let px = self.st.px;
        let r = self.label(x, y, key);
        self.small(r + 6.0, y + 3.0, unit);
        let bx =
            (x + w * 0.3).max(r + Canvas::width_in(self.c.font, self.st.px * 0.78, unit) + 20.0);
        let bw = x + w * 0.88 - bx;
        for (i, s) in scale.iter().enumerate() {
            let tx = bx + i as f32 * bw / scale.len() as f32;
            self.c
                .text(tx, y - px * 0.35, px * 0.55, &s.to_string(), 70);
        }
        let len = ((v / vmax).clamp(0.05, 1.0) as f32) * bw;
        self.c.rect(bx, y + px * 0.5, len, px * 0.45, 40);
        let text = print(key, v);
        self.figure(bx + len + 8.0, y + px * 0.3, &text);
        y + px * 2.3
    }

    pub fn muscle_fat_bars(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let y = self.title(x, y, w, "muscle_fat");
        let p = self.p;
        let y = self.bar_row(
            (x, y, w),
            "weight_kg",
            "(kg)",
            &[55, 70, 85, 100, 115, 130, 145, 160, 175],
            p.weight,
            205.0,
        );
        let y = self.bar_row(
            (x, y, w),
            "skeletal_muscle_mass_kg",
            "(kg)",
            &[70, 80, 90, 100, 110, 120, 130, 140, 150],
            p.smm,
            60.0,
        );
        let y = self.bar_row(
            (x, y, w),
            "bfm_bar",
            "(kg)",
            &[40, 60, 80, 100, 160, 220, 280, 340, 400],
            p.bfm,
            60.0,
        );
        self.put("skeletal_muscle_mass_kg", false);
        y
    }

    pub fn obesity_bars(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let y = self.title(x, y, w, "obesity");
        let p = self.p;
        let y = self.bar_row(
            (x, y, w),
            "bmi",
            "(kg/m²)",
            &[10, 15, 18, 21, 25, 30, 35, 40, 45],
            p.bmi,
            55.0,
        );
        let y = self.bar_row(
            (x, y, w),
            "percent_body_fat",
            "(%)",
            &[8, 13, 18, 23, 28, 33, 38, 43, 48],
            p.pbf,
            58.0,
        );
        self.put("bmi", false);
        self.put("percent_body_fat", false);
        y
    }

    pub fn muscle_fat_list(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let mut y = self.title(x, y, w, "muscle_fat");
        y = self.list_row(x, y, w, "skeletal_muscle_mass_kg", "kg", false);
        y
    }

    pub fn obesity_list(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let mut y = self.title(x, y, w, "obesity");
        y = self.list_row(x, y, w, "bmi", "kg/m²", false);
        y = self.list_row(x, y, w, "percent_body_fat", "%", false);
        y
    }

    fn evaluation(&mut self, pct: f64) -> &'static str {
        match (self.ko(), pct) {
            (true, p) if p < 90.0 => "표준이하",
            (true, p) if p > 110.0 => "표준이상",
            (true, _) => "표준",
            (false, p) if p < 90.0 => "Under",
            (false, p) if p > 110.0 => "Over",
            (false, _) => "Normal",
        }
    }

    fn seg_field(fat: bool, seg: &str) -> String {
        format!("segmental_{}_{seg}_kg", if fat { "fat" } else { "lean" })
    }

    fn seg_kg(&self, fat: bool, seg: &str) -> String {
        let v = self.num(&Self::seg_field(fat, seg));
        self.with_unit(&v, "kg")
    }

    /// Both segmental analyses as body figures side by side: arms top, trunk middle,
    /// legs bottom; the left side of the picture is the left side of the body.
    pub fn quadrants(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let half = w / 2.0;
        let px = self.st.px;
        let mut bottom = y;
        for (k, fat) in [false, true].into_iter().enumerate() {
            let sx = x + k as f32 * half;
            let key = if fat {
                "segmental_fat"
            } else {
                "segmental_lean"
            };
            let top = self.title(sx, y, half - 20.0, key);
            self.c
                .rect(sx + half * 0.42, top + 20.0, half * 0.12, px * 11.0, 215);
            let pos = [
                (0.04, 1.0),
                (0.62, 1.0),
                (0.33, 5.0),
                (0.04, 9.0),
                (0.62, 9.0),
            ];
            for (i, seg) in SEGMENTS.iter().enumerate() {
                let (fx, fy) = pos[i];
                let (cx, cy) = (sx + half * fx, top + px * fy);
                let text = self.seg_kg(fat, seg);
                self.figure(cx, cy, &text);
                let pct = if fat {
                    self.p.fat_pct[i]
                } else {
                    self.p.lean_pct[i]
                };
                let e = self.evaluation(pct);
                self.c.text(cx + 8.0, cy + px * 1.4, px * 0.85, e, 40);
                self.put(&Self::seg_field(fat, seg), false);
            }
            let (l, r) = if self.ko() {
                ("왼", "오른")
            } else {
                ("Left", "Right")
            };
            self.c.text(sx, top + px * 6.8, px * 0.7, l, 60);
            self.c
                .text(sx + half * 0.86, top + px * 6.8, px * 0.7, r, 60);
            bottom = bottom.max(top + px * 12.0);
        }
        bottom
    }

    /// A five-column table: segment names as column headers, the figure and its
    /// evaluation (or `(1.5kg)` over `178.0%`) under each.
    pub fn table5(&mut self, x: f32, y: f32, w: f32, fat: bool) -> f32 {
        let key = if fat {
            "segmental_fat"
        } else {
            "segmental_lean"
        };
        let y = self.title(x, y, w, key);
        let px = self.st.px;
        let lead = w * 0.16;
        let cw = (w - lead) / 5.0;
        self.c.rect(x, y, w, px * 1.5, 225);
        for (i, seg) in TABLE_ORDER.iter().enumerate() {
            let cx = x + lead + i as f32 * cw;
            let (ko, en) = names(seg);
            let h = if self.ko() { ko } else { en };
            self.c.text(cx + 6.0, y + px * 0.25, px * 0.85, h, 30);
            self.c.vline(cx, y, px * 5.2, 160);
        }
        let row = if fat { "fat_row" } else { "lean_row" };
        let (ko, en) = names(row);
        self.c.text(
            x + 4.0,
            y + px * 2.0,
            px * 0.9,
            if self.ko() { ko } else { en },
            30,
        );
        let percent = fat && self.st.fat_percent;
        for (i, seg) in TABLE_ORDER.iter().enumerate() {
            let cx = x + lead + i as f32 * cw + 6.0;
            let idx = seg_index(seg);
            let kg = self.seg_kg(fat, seg);
            if percent {
                let t = format!("({kg})");
                self.figure(cx, y + px * 1.9, &t);
                let pct = format!("{:.1}%", self.p.fat_pct[idx]);
                self.small(cx, y + px * 3.4, &pct);
            } else {
                self.figure(cx, y + px * 1.9, &kg);
                let pct = if fat {
                    self.p.fat_pct[idx]
                } else {
                    self.p.lean_pct[idx]
                };
                let e = self.evaluation(pct);
                self.c.text(cx, y + px * 3.4, px * 0.8, e, 50);
            }
            self.put(&Self::seg_field(fat, seg), false);
        }
        self.c.hline(x, y + px * 5.2, w, 160);
        y + px * 5.6
    }

    /// Segments as bars (the 770): the figure and its percent at the bar's end.
    pub fn seg_bars(&mut self, x: f32, y: f32, w: f32, fat: bool) -> f32 {
        let key = if fat {
            "segmental_fat"
        } else {
            "segmental_lean"
        };
        let mut y = self.title(x, y, w, key);
        let px = self.st.px;
        let bx0 = x + w * 0.3;
        let bw0 = w * 0.45;
        for seg in TABLE_ORDER {
            let idx = seg_index(seg);
            let pct = if fat {
                self.p.fat_pct[idx]
            } else {
                self.p.lean_pct[idx]
            };
            let r = self.label(x, y, seg);
            let bx = bx0.max(r + 20.0);
            let bw = (bx0 + bw0 - bx).max(w * 0.2);
            for (i, s) in [40, 60, 80, 100, 120, 140, 160].iter().enumerate() {
                self.c.text(
                    bx + i as f32 * bw / 7.0,
                    y - px * 0.35,
                    px * 0.5,
                    &s.to_string(),
                    80,
                );
            }
            let len = ((pct / 200.0).clamp(0.05, 1.0) as f32) * bw;
            self.c.rect(bx, y + px * 0.5, len, px * 0.45, 50);
            let kg = self.seg_kg(fat, seg);
            let text = if fat {
                format!("({kg}) {pct:.1}%")
            } else {
                format!("{kg} {pct:.1}%")
            };
            self.figure(bx + len + 8.0, y + px * 0.25, &text);
            self.put(&Self::seg_field(fat, seg), false);
            y += px * 2.2;
        }
        y
    }

    /// Segments as list rows (the 570): `Right Arm  2.85 kg  98.5%`.
    pub fn seg_rows(&mut self, x: f32, y: f32, w: f32, fat: bool) -> f32 {
        let key = if fat {
            "segmental_fat"
        } else {
            "segmental_lean"
        };
        let mut y = self.title(x, y, w, key);
        let px = self.st.px;
        for seg in TABLE_ORDER {
            let idx = seg_index(seg);
            let r = self.label(x + 20.0, y, seg);
            let kg = self.seg_kg(fat, seg);
            self.figure((x + w * 0.52).max(r + 40.0), y, &kg);
            if self.st.fat_percent {
                let pct = if fat {
                    self.p.fat_pct[idx]
                } else {
                    self.p.lean_pct[idx]
                };
                self.small(x + w * 0.7, y + 3.0, &format!("{pct:.1}%"));
            }
            self.put(&Self::seg_field(fat, seg), false);
            y += px * 1.75;
        }
        y
    }

    /// Segments as the rows of a ruled grid: lean kg, evaluation, fat kg, percent.
    pub fn seg_grid(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let y = self.title(x, y, w, "segmental_lean");
        let px = self.st.px;
        let cols = [0.0, 0.3, 0.5, 0.7, 0.87].map(|f| x + w * f);
        let heads: [String; 4] = if self.ko() {
            [
                "근육량(kg)".into(),
                "평가".into(),
                "체지방량(kg)".into(),
                "%".into(),
            ]
        } else {
            [
                "Lean (kg)".into(),
                "Eval.".into(),
                "Fat (kg)".into(),
                "%".into(),
            ]
        };
        for (i, h) in heads.iter().enumerate() {
            self.c.text(cols[i + 1] + 4.0, y + 4.0, px * 0.75, h, 40);
        }
        let pitch = px * 1.9;
        let mut ry = y + pitch;
        for seg in TABLE_ORDER {
            let idx = seg_index(seg);
            self.c.hline(x, ry - 6.0, w, 170);
            self.label(x + 4.0, ry, seg);
            let lean = self.num(&Self::seg_field(false, seg));
            self.figure(cols[1] + 4.0, ry, &lean);
            let e = self.evaluation(self.p.lean_pct[idx]);
            self.c.text(cols[2] + 4.0, ry + 2.0, px * 0.8, e, 50);
            let fat = self.num(&Self::seg_field(true, seg));
            self.figure(cols[3] + 4.0, ry, &fat);
            let pct = format!("{:.1}", self.p.fat_pct[idx]);
            self.small(cols[4] + 4.0, ry + 2.0, &pct);
            self.put(&Self::seg_field(false, seg), false);
            self.put(&Self::seg_field(true, seg), false);
            ry += pitch;
        }
        for cx in cols.iter().skip(1) {
            self.c.vline(*cx, y, ry - y, 170);
        }
        self.c.hline(x, ry - 6.0, w, 170);
        ry
    }

    pub fn score(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let y = self.title(x, y, w, "inbody_score");
        let px = self.st.px;
        let s = self.p.score;
        let unit = if self.ko() { "/100점" } else { "/100 Points" };
        let big = px * self.rng.random_range(1.4..2.2);
        let font = self.figure_font;
        let ink = self.st.ink;
        let mut y2 = if self.rng.random_bool(0.5) {
            self.c
                .text_in(font, x + w * 0.25, y, big, &format!("{s}{unit}"), ink);
            y + big * 1.4
        } else {
            let r = self
                .c
                .text_in(font, x + w * 0.25, y, big, &s.to_string(), ink)
                .right();
            self.c.text(r + 4.0, y + big * 0.45, px * 0.9, unit, ink);
            y + big * 1.4
        };
        if self.ko() && self.rng.random_bool(0.5) {
            self.c.text(
                x,
                y2,
                px * 0.6,
                "*체성분 종합점수입니다. 근육이 매우 많은 경우",
                60,
            );
            self.c
                .text(x, y2 + px * 0.8, px * 0.6, "100점을 넘을 수 있습니다.", 60);
            y2 += px * 1.8;
        }
        self.put("inbody_score", false);
        y2
    }

    pub fn control(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let mut y = self.title(x, y, w, "control");
        let px = self.st.px;
        let fx = x + w * self.rng.random_range(0.45..0.55);
        for field in [
            "target_weight_kg",
            "weight_control_kg",
            "fat_control_kg",
            "muscle_control_kg",
        ] {
            let r = self.label(x, y, field);
            let v = self.p.number(field).unwrap_or(0.0);
            let text = if field == "target_weight_kg" {
                self.with_unit(&print(field, v), "kg")
            } else {
                self.signed(field, v)
            };
            self.figure(fx.max(r + 30.0), y, &text);
            self.put(field, false);
            y += px
                * if self.st.lang == Lang::KoSub {
                    1.9
                } else {
                    1.6
                };
        }
        y
    }

    pub fn research(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let mut y = self.title(x, y, w, "research");
        let px = self.st.px;
        let fx = x + w * self.rng.random_range(0.45..0.55);
        for (field, unit, range) in [
            ("basal_metabolic_rate_kcal", "kcal", false),
            ("waist_hip_ratio", "", true),
            ("visceral_fat_level", "", true),
        ] {
            let r = self.label(x, y, field);
            let v = self.num(field);
            let text = if unit.is_empty() {
                v
            } else {
                self.with_unit(&v, unit)
            };
            let r = self.figure(fx.max(r + 30.0), y, &text);
            if range {
                let rt = self.range_text(field);
                if self.st.range_under {
                    self.small(fx - 4.0, y + px * 1.25, &rt);
                    y += px * 0.9;
                } else {
                    self.small(r + 14.0, y + 3.0, &rt);
                }
            }
            self.put(field, range);
            y += px
                * if self.st.lang == Lang::KoSub {
                    1.9
                } else {
                    1.6
                };
        }
        y
    }

    /// Earlier measurements: the same labels as fields, with figures that are not
    /// this sheet's.
    pub fn history(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let y = self.title(x, y, w, "history");
        let px = self.st.px * 0.85;
        let hist = self.p.history.clone();
        let n = hist.len().max(1) as f32;
        let widest = ["weight_kg", "skeletal_muscle_mass_kg", "percent_body_fat"]
            .iter()
            .map(|k| Canvas::width_in(self.c.font, px, &self.label_text(k)))
            .fold(0.0f32, f32::max);
        let start = (x + w * 0.28).max(x + widest + px * 2.5);
        let step = (x + w - start) / n;
        let cx = |i: usize| start + i as f32 * step;
        let mut ry = y;
        for (k, (key, unit)) in [
            ("weight_kg", "(kg)"),
            ("skeletal_muscle_mass_kg", "(kg)"),
            ("percent_body_fat", "(%)"),
        ]
        .iter()
        .enumerate()
        {
            let label = self.label_text(key);
            let r = self.c.text(x, ry, px, &label, 50).right();
            self.c.text(r + 8.0, ry + 2.0, px * 0.7, unit, 60);
            for (i, h) in hist.iter().enumerate() {
                let v = [h.1, h.2, h.3][k];
                let dy = self.rng.random_range(-4.0..4.0);
                self.c
                    .text(cx(i), ry + dy, px * 0.9, &format!("{v:.1}"), 50);
            }
            ry += px * 2.0;
        }
        for (i, h) in hist.iter().enumerate() {
            self.c.text(cx(i), ry, px * 0.7, &h.0, 60);
        }
        ry + px * 1.5
    }

    /// Impedance per segment and frequency: a table of figures that are no field.
    pub fn impedance(&mut self, x: f32, y: f32, w: f32) -> f32 {
        let y = self.title(x, y, w, "impedance");
        let px = self.st.px * 0.75;
        let cw = (w * 0.8) / 5.0;
        for (i, h) in ["RA", "LA", "TR", "RL", "LL"].iter().enumerate() {
            self.c.text(x + w * 0.2 + i as f32 * cw, y, px, h, 50);
        }
        let mut ry = y + px * 1.5;
        for (k, f) in ["5kHz", "50kHz", "250kHz"].iter().enumerate() {
            let label = if k == 0 {
                format!("Z(Ω) {f}")
            } else {
                f.to_string()
            };
            self.c.text(x, ry, px, &label, 50);
            for i in 0..5 {
                let z = self.p.impedance[k][i];
                self.c
                    .text(x + w * 0.2 + i as f32 * cw, ry, px, &format!("{z:.1}"), 50);
            }
            ry += px * 1.4;
        }
        ry + px
    }
}
