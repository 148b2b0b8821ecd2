//! The segmental sections: lean and fat per segment as body-figure quadrants, a
//! five-column table, bars, list rows or a ruled grid.

use super::{names, seg_index, Page, TABLE_ORDER};
use crate::ocr::sheetgen::person::SEGMENTS;

impl Page<'_, '_> {
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

    /// The title of the segmental fat (`fat`) or lean analysis; see `title`.
    fn seg_title(&mut self, x: f32, y: f32, w: f32, fat: bool) -> f32 {
        let key = if fat {
            "segmental_fat"
        } else {
            "segmental_lean"
        };
        self.title(x, y, w, key)
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
            let top = self.seg_title(sx, y, half - 20.0, fat);
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
        let y = self.seg_title(x, y, w, fat);
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
        let mut y = self.seg_title(x, y, w, fat);
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
        let mut y = self.seg_title(x, y, w, fat);
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
}
