//! Synthetic feet of known geometry: a pure generator of left and/or right foot
//! pressure patterns on any mat, with the true arch index of each foot.
//!
//! The simulator streams these frames and the analysis tests measure them, so the
//! shape must look like a footprint (rounded heel, a midfoot whose medial side is cut
//! away by the arch, a wide forefoot, toes that may be separate blobs) and the truth
//! must come from the continuous shape, not from the cells the analysis also sees.
//!
//! # The shape
//! Each foot is drawn in its own coordinates: `u` runs along the foot axis from the
//! back of the heel (0) to the tip of the longest toe (`length_mm`), `v` across it,
//! positive towards the lateral (little-toe) side. All proportions are fractions of
//! the length, chosen from adult footprints (a 250 mm foot has a 65 mm heel and a
//! 95 mm forefoot). The arch is a smooth cut into the medial border of the midfoot
//! whose depth leaves `midfoot_width` of contact at its narrowest point.
//!
//! # The truth
//! The arch index is integrated from the analytic width profile (2,000 steps along the
//! axis, toes excluded, thirds of the remaining length), independent of any mat.
//! Cell forces come from 10 x 10 sub-samples of each cell.

use super::arch::ArchType;
use super::grid::{PressureGrid, STANDARD_GRAVITY};

/// Heel half-width as a fraction of the foot length (radius of the rounded heel).
const HEEL_HALF_WIDTH: f32 = 0.13;
/// Forefoot half-width as a fraction of the foot length.
const FOREFOOT_HALF_WIDTH: f32 = 0.19;
/// Where the lateral border reaches the full forefoot width.
const BALL_START: f32 = 0.62;
/// Centre of the elliptic front cap of the forefoot.
const FOREFOOT_CAP_CENTRE: f32 = 0.72;
/// Length of that cap along the axis; the forefoot (and the arch-index length) ends at
/// `FOREFOOT_CAP_CENTRE + FOREFOOT_CAP_LENGTH`.
const FOREFOOT_CAP_LENGTH: f32 = 0.09;
/// The medial arch cut spans this part of the foot ...
const ARCH_START: f32 = 0.22;
const ARCH_END: f32 = 0.66;
/// Relative pressure under the midfoot plateau (heel peak = 1).
const MIDFOOT_PRESSURE: f32 = 0.45;
/// Gap between the forefoot and separate toe blobs (the toe sulcus).
const TOE_GAP: f32 = 0.05;
/// Sub-samples per cell side when rasterising.
const SUPERSAMPLE: usize = 10;
/// Steps along the axis when integrating the true arch index.
const TRUTH_STEPS: usize = 2_000;

/// Midfoot width at the narrowest point, as a fraction of the foot length, for each
/// arch type preset. True arch indices: high ≈ 0.17, normal ≈ 0.233, flat ≈ 0.297,
/// each clear of the class boundaries (0.21, 0.26).
pub const PRESET_MIDFOOT_WIDTH: [(ArchType, f32); 3] = [
    (ArchType::High, 0.04),
    (ArchType::Normal, 0.12),
    (ArchType::Flat, 0.22),
];

/// Which foot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

/// How the midfoot is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arch {
    /// A preset whose true index is well inside that class.
    Type(ArchType),
    /// Midfoot contact width at its narrowest point, in mm (0 = heel and forefoot
    /// only just touch).
    MidfootWidthMm(f32),
}

/// How the toes are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toes {
    /// No toe contact at all.
    None,
    /// Five blobs separated from the forefoot by the toe sulcus.
    Separate,
}

/// The outline's proportions (fractions of the foot length) and the midfoot's share
/// of the heel pressure. [`Proportions::default`] is the adult footprint the module
/// docs describe; the accuracy harness ([`super::accuracy`]) varies them so that the
/// analysis is not checked on one shape only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportions {
    pub heel_half_width: f32,
    pub forefoot_half_width: f32,
    pub ball_start: f32,
    pub arch_start: f32,
    pub arch_end: f32,
    pub midfoot_pressure: f32,
}

impl Default for Proportions {
    fn default() -> Self {
        Proportions {
            heel_half_width: HEEL_HALF_WIDTH,
            forefoot_half_width: FOREFOOT_HALF_WIDTH,
            ball_start: BALL_START,
            arch_start: ARCH_START,
            arch_end: ARCH_END,
            midfoot_pressure: MIDFOOT_PRESSURE,
        }
    }
}

/// One foot's geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct FootSpec {
    /// Heel to the tip of the longest toe, mm.
    pub length_mm: f32,
    pub arch: Arch,
    pub toes: Toes,
    /// Rotation of the toes outward from straight ahead, degrees.
    pub toe_out_deg: f32,
    /// Back of the heel on the mat (x right, y towards the heel end, mm from the mat's
    /// top-left corner); `None` places the pair centred on the mat.
    pub heel_mm: Option<[f32; 2]>,
    /// Outline proportions and midfoot pressure.
    pub proportions: Proportions,
}

impl FootSpec {
    /// A 250 mm foot with the given arch, separate toes, 7° toe-out, centred.
    pub fn new(arch: ArchType) -> FootSpec {
        FootSpec {
            length_mm: 250.0,
            arch: Arch::Type(arch),
            toes: Toes::Separate,
            toe_out_deg: 7.0,
            heel_mm: None,
            proportions: Proportions::default(),
        }
    }

    fn midfoot_width_mm(&self) -> f32 {
        match self.arch {
            Arch::MidfootWidthMm(w) => w.max(0.0),
            Arch::Type(t) => {
                let fraction = PRESET_MIDFOOT_WIDTH
                    .iter()
                    .find(|(p, _)| *p == t)
                    .map_or(0.12, |(_, w)| *w);
                fraction * self.length_mm
            }
        }
    }
}

/// Both feet (either may be absent), the weight and how it is shared.
#[derive(Debug, Clone, PartialEq)]
pub struct Stance {
    pub left: Option<FootSpec>,
    pub right: Option<FootSpec>,
    pub weight_kg: f32,
    /// Share of the weight on the left foot, 0..=1 (ignored with one foot).
    pub left_share: f32,
    /// Distance between the two heels' centres, mm (used when placing automatically).
    pub stance_width_mm: f32,
    /// Put the weight in [`PressureGrid::load_cell_kg`] too, as a mat with a load cell.
    pub load_cell: bool,
}

impl Stance {
    /// Two feet of the same arch type, 50/50, 70 kg, 160 mm apart, no load cell.
    pub fn pair(arch: ArchType) -> Stance {
        Stance {
            left: Some(FootSpec::new(arch)),
            right: Some(FootSpec::new(arch)),
            weight_kg: 70.0,
            left_share: 0.5,
            stance_width_mm: 160.0,
            load_cell: false,
        }
    }
}

/// The mat to draw on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatGeometry {
    pub rows: usize,
    pub cols: usize,
    pub pitch_mm: f32,
}

/// What a foot really is, from the continuous shape.
#[derive(Debug, Clone, PartialEq)]
pub struct FootTruth {
    pub side: Side,
    /// Cavanagh & Rodgers arch index of the shape (toes excluded).
    pub arch_index: f32,
    pub arch_type: ArchType,
    /// Contact area of the whole shape, toes included, cm².
    pub contact_area_cm2: f32,
    /// Back of the heel to the front of the contact (toes included), along the axis, mm.
    pub length_mm: f32,
    /// Widest contact across the axis, mm.
    pub width_mm: f32,
    /// Force put on the mat by this foot, N (what landed inside the mat).
    pub force_n: f32,
    /// Centre of pressure on the mat, mm.
    pub cop_mm: [f32; 2],
}

/// A generated frame and its truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    pub grid: PressureGrid,
    pub left: Option<FootTruth>,
    pub right: Option<FootTruth>,
}

/// How forces become raw ADC counts: `raw = zero + force_n / newtons_per_count`,
/// clamped to `max_count` (the inverse of a linear calibration without noise floor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawModel {
    pub zero: u16,
    pub newtons_per_count: f32,
    pub max_count: u16,
}

impl Default for RawModel {
    /// A 12-bit mat where 0.05 N is one count.
    fn default() -> Self {
        RawModel {
            zero: 0,
            newtons_per_count: 0.05,
            max_count: 4095,
        }
    }
}

impl Synthetic {
    /// The raw counts a mat following `model` would send for this frame (row-major).
    pub fn raw_counts(&self, model: RawModel) -> Vec<u16> {
        let per_count = model.newtons_per_count.max(f32::MIN_POSITIVE);
        self.grid
            .force_n
            .iter()
            .map(|&f| {
                let counts = f32::from(model.zero) + (f / per_count).round();
                counts.clamp(0.0, f32::from(model.max_count)) as u16
            })
            .collect()
    }
}

/// One foot placed on the mat: local frame and its shape.
struct Placed {
    side: Side,
    heel: [f32; 2],
    /// Unit vector heel -> toe, mat coordinates.
    axis: [f32; 2],
    /// Unit vector towards the lateral side, mat coordinates.
    lateral: [f32; 2],
    shape: Shape,
}

/// The footprint outline in foot coordinates, in mm.
#[derive(Debug, Clone, Copy)]
struct Shape {
    length: f32,
    /// Depth of the medial arch cut at its deepest point.
    arch_depth: f32,
    toes: Toes,
    p: Proportions,
}

impl Shape {
    fn new(spec: &FootSpec) -> Shape {
        let length = spec.length_mm.max(1.0);
        let p = spec.proportions;
        let mid = 0.5 * (p.arch_start + p.arch_end) * length;
        let base = 2.0 * lateral_base(&p, mid, length);
        Shape {
            length,
            arch_depth: (base - spec.midfoot_width_mm()).max(0.0),
            toes: spec.toes,
            p,
        }
    }

    /// End of the forefoot along the axis: the arch-index length.
    fn body_length(&self) -> f32 {
        (FOREFOOT_CAP_CENTRE + FOREFOOT_CAP_LENGTH) * self.length
    }

    /// The contact interval across the foot at `u` (medial, lateral), excluding toes.
    fn body_interval(&self, u: f32) -> Option<(f32, f32)> {
        let l = self.length;
        let hh = self.p.heel_half_width * l;
        if u < 0.0 || u > self.body_length() {
            return None;
        }
        if u < hh {
            let half = (hh * hh - (hh - u) * (hh - u)).max(0.0).sqrt();
            return Some((-half, half));
        }
        let cap_start = FOREFOOT_CAP_CENTRE * l;
        let (mut medial, lateral) = if u > cap_start {
            let t = (u - cap_start) / (FOREFOOT_CAP_LENGTH * l);
            let half = self.p.forefoot_half_width * l * (1.0 - t * t).max(0.0).sqrt();
            (-half, half)
        } else {
            let half = lateral_base(&self.p, u, l);
            (-half, half)
        };
        let (a0, a1) = (self.p.arch_start * l, self.p.arch_end * l);
        if u > a0 && u < a1 {
            let s = (std::f32::consts::PI * (u - a0) / (a1 - a0)).sin();
            medial += self.arch_depth * s * s;
        }
        (medial < lateral).then_some((medial, lateral))
    }

    /// The five toes as ellipses: (centre u, centre v, semi-axis u, semi-axis v).
    fn toe_ellipses(&self) -> [(f32, f32, f32, f32); 5] {
        let l = self.length;
        let hf = self.p.forefoot_half_width * l;
        // Hallux on the medial side, then the lesser toes towards the lateral side.
        let toes = [
            (-0.55, 0.045, 0.050),
            (-0.05, 0.030, 0.026),
            (0.28, 0.028, 0.024),
            (0.56, 0.026, 0.022),
            (0.82, 0.024, 0.020),
        ];
        toes.map(|(v_frac, semi_u, semi_v)| {
            let v = v_frac * hf;
            let front = self.forefoot_front(v);
            let (su, sv) = (semi_u * l, semi_v * l);
            (front + TOE_GAP * l + su, v, su, sv)
        })
    }

    /// Front edge of the forefoot at `v`.
    fn forefoot_front(&self, v: f32) -> f32 {
        let l = self.length;
        let hf = self.p.forefoot_half_width * l;
        let t = (v / hf).clamp(-1.0, 1.0);
        FOREFOOT_CAP_CENTRE * l + FOREFOOT_CAP_LENGTH * l * (1.0 - t * t).sqrt()
    }

    /// Whether (u, v) is in contact, and if so whether it is a toe.
    fn contact(&self, u: f32, v: f32) -> Option<bool> {
        if let Some((m, lat)) = self.body_interval(u) {
            if v >= m && v <= lat {
                return Some(false);
            }
        }
        if self.toes == Toes::Separate {
            for (cu, cv, su, sv) in self.toe_ellipses() {
                let (du, dv) = ((u - cu) / su, (v - cv) / sv);
                if du * du + dv * dv <= 1.0 {
                    return Some(true);
                }
            }
        }
        None
    }

    /// Relative pressure at (u, v): heel highest, midfoot lowest, smooth in between.
    fn relative_pressure(&self, u: f32, v: f32, is_toe: bool) -> f32 {
        if is_toe {
            return 0.6;
        }
        let m = self.p.midfoot_pressure;
        let profile: [(f32, f32); 8] = [
            (0.0, 0.75),
            (0.10, 1.0),
            (0.25, 0.85),
            (0.38, m),
            (0.52, m),
            (0.64, 0.75),
            (0.72, 0.9),
            (0.81, 0.75),
        ];
        let t = u / self.length;
        let along = interpolate(&profile, t);
        // Slightly more load on the lateral side in the midfoot, as in real prints.
        let across = 1.0 + 0.15 * (v / (self.p.forefoot_half_width * self.length)).clamp(-1.0, 1.0);
        along * across
    }

    /// Arch index and whole contact area (mm²) of the continuous shape.
    fn truth(&self) -> (f32, f32) {
        let body = self.body_length();
        let du = body / TRUTH_STEPS as f32;
        let mut thirds = [0.0f64; 3];
        for i in 0..TRUTH_STEPS {
            let u = (i as f32 + 0.5) * du;
            if let Some((m, lat)) = self.body_interval(u) {
                // u runs from the heel: first third is C (heel), last is A (front).
                thirds[(i * 3 / TRUTH_STEPS).min(2)] += f64::from((lat - m) * du);
            }
        }
        let total: f64 = thirds.iter().sum();
        let index = if total > 0.0 {
            (thirds[1] / total) as f32
        } else {
            0.0
        };
        let toes: f32 = if self.toes == Toes::Separate {
            self.toe_ellipses()
                .iter()
                .map(|(_, _, su, sv)| std::f32::consts::PI * su * sv)
                .sum()
        } else {
            0.0
        };
        (index, total as f32 + toes)
    }
}

impl Shape {
    /// Contact length (toes included) and widest contact across the axis, mm.
    fn size(&self) -> (f32, f32) {
        let mut front = self.body_length();
        if self.toes == Toes::Separate {
            for (cu, _, su, _) in self.toe_ellipses() {
                front = front.max(cu + su);
            }
        }
        let mut width = 0.0f32;
        for i in 0..TRUTH_STEPS {
            let u = (i as f32 + 0.5) * self.body_length() / TRUTH_STEPS as f32;
            if let Some((m, l)) = self.body_interval(u) {
                width = width.max(l - m);
            }
        }
        (front, width)
    }
}

/// The true arch index of `spec`'s shape (toes excluded), independent of any mat.
pub fn true_arch_index(spec: &FootSpec) -> f32 {
    Shape::new(spec).truth().0
}

/// Half-width of the un-arched outline between the heel and the ball.
fn lateral_base(p: &Proportions, u: f32, l: f32) -> f32 {
    let (hh, hf) = (p.heel_half_width * l, p.forefoot_half_width * l);
    let (u0, u1) = (hh, p.ball_start * l);
    if u <= u0 {
        hh
    } else if u >= u1 {
        hf
    } else {
        hh + (hf - hh) * (u - u0) / (u1 - u0)
    }
}

fn interpolate(table: &[(f32, f32)], t: f32) -> f32 {
    let mut prev = table[0];
    if t <= prev.0 {
        return prev.1;
    }
    for &(x, y) in &table[1..] {
        if t <= x {
            let f = (t - prev.0) / (x - prev.0);
            return prev.1 + f * (y - prev.1);
        }
        prev = (x, y);
    }
    prev.1
}

fn place(mat: &MatGeometry, stance: &Stance, side: Side, spec: &FootSpec) -> Placed {
    let theta = spec.toe_out_deg.to_radians();
    let (s, c) = theta.sin_cos();
    // Row 0 is the toe end, so "forward" is -y; column 0 is the person's left.
    let (axis, lateral) = match side {
        Side::Left => ([-s, -c], [-c, s]),
        Side::Right => ([s, -c], [c, s]),
    };
    let heel = spec.heel_mm.unwrap_or_else(|| {
        let width = mat.cols as f32 * mat.pitch_mm;
        let height = mat.rows as f32 * mat.pitch_mm;
        let dx = stance.stance_width_mm / 2.0;
        let x = match side {
            Side::Left => width / 2.0 - dx,
            Side::Right => width / 2.0 + dx,
        };
        [x, height / 2.0 + spec.length_mm * 0.5]
    });
    Placed {
        side,
        heel,
        axis,
        lateral,
        shape: Shape::new(spec),
    }
}

impl Placed {
    fn local(&self, x: f32, y: f32) -> (f32, f32) {
        let (dx, dy) = (x - self.heel[0], y - self.heel[1]);
        (
            dx * self.axis[0] + dy * self.axis[1],
            dx * self.lateral[0] + dy * self.lateral[1],
        )
    }

    /// Un-normalised force of every cell (sum of sub-sample pressure x area).
    fn rasterise(&self, mat: &MatGeometry) -> Vec<f32> {
        let mut out = vec![0.0f32; mat.rows * mat.cols];
        let step = mat.pitch_mm / SUPERSAMPLE as f32;
        let sub_area = step * step;
        for row in 0..mat.rows {
            for col in 0..mat.cols {
                let mut acc = 0.0;
                for sy in 0..SUPERSAMPLE {
                    let y = row as f32 * mat.pitch_mm + (sy as f32 + 0.5) * step;
                    for sx in 0..SUPERSAMPLE {
                        let x = col as f32 * mat.pitch_mm + (sx as f32 + 0.5) * step;
                        let (u, v) = self.local(x, y);
                        if let Some(is_toe) = self.shape.contact(u, v) {
                            acc += self.shape.relative_pressure(u, v, is_toe) * sub_area;
                        }
                    }
                }
                out[row * mat.cols + col] = acc;
            }
        }
        out
    }
}

/// Draws `stance` on `mat`. Parts of a foot outside the mat are cut off (the truth's
/// arch index and area still describe the whole foot, its force and COP what landed).
pub fn generate(mat: &MatGeometry, stance: &Stance) -> Synthetic {
    let weight_n = stance.weight_kg.max(0.0) * STANDARD_GRAVITY;
    let feet: Vec<(Side, &FootSpec)> = [
        (Side::Left, stance.left.as_ref()),
        (Side::Right, stance.right.as_ref()),
    ]
    .into_iter()
    .filter_map(|(side, spec)| spec.map(|s| (side, s)))
    .collect();
    let share = |side: Side| match (feet.len(), side) {
        (1, _) => 1.0,
        (_, Side::Left) => stance.left_share.clamp(0.0, 1.0),
        (_, Side::Right) => 1.0 - stance.left_share.clamp(0.0, 1.0),
    };

    let mut force = vec![0.0f32; mat.rows * mat.cols];
    let mut truths = Vec::new();
    for (side, spec) in &feet {
        let placed = place(mat, stance, *side, spec);
        let raw = placed.rasterise(mat);
        let sum: f32 = raw.iter().sum();
        let foot_n = weight_n * share(*side);
        let scale = if sum > 0.0 { foot_n / sum } else { 0.0 };
        let (mut fx, mut fy, mut total) = (0.0f32, 0.0f32, 0.0f32);
        for (i, r) in raw.iter().enumerate() {
            let f = r * scale;
            force[i] += f;
            total += f;
            fx += f * ((i % mat.cols) as f32 + 0.5) * mat.pitch_mm;
            fy += f * ((i / mat.cols) as f32 + 0.5) * mat.pitch_mm;
        }
        let (arch_index, area_mm2) = placed.shape.truth();
        let (length_mm, width_mm) = placed.shape.size();
        let cop = if total > 0.0 {
            [fx / total, fy / total]
        } else {
            [0.0, 0.0]
        };
        truths.push(FootTruth {
            side: placed.side,
            arch_index,
            arch_type: ArchType::from_index(arch_index),
            contact_area_cm2: area_mm2 / 100.0,
            length_mm,
            width_mm,
            force_n: total,
            cop_mm: cop,
        });
    }
    let take = |side: Side| truths.iter().find(|t| t.side == side).cloned();
    Synthetic {
        grid: PressureGrid {
            rows: mat.rows,
            cols: mat.cols,
            pitch_mm: mat.pitch_mm,
            force_n: force,
            load_cell_kg: stance.load_cell.then_some(stance.weight_kg),
        },
        left: take(Side::Left),
        right: take(Side::Right),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAT48: MatGeometry = MatGeometry {
        rows: 48,
        cols: 48,
        pitch_mm: 8.45,
    };

    #[test]
    fn presets_have_true_indices_well_inside_their_class() {
        for (arch, _) in PRESET_MIDFOOT_WIDTH {
            let s = generate(&MAT48, &Stance::pair(arch));
            for truth in [s.left.unwrap(), s.right.unwrap()] {
                assert_eq!(truth.arch_type, arch, "{truth:?}");
                let margin = (truth.arch_index - 0.21)
                    .abs()
                    .min((truth.arch_index - 0.26).abs());
                assert!(margin > 0.02, "{arch:?}: {}", truth.arch_index);
            }
        }
    }

    #[test]
    fn the_forces_add_up_to_the_weight_and_follow_the_split() {
        let mut stance = Stance::pair(ArchType::Normal);
        stance.left_share = 0.6;
        let s = generate(&MAT48, &stance);
        let total = s.grid.total_force_n();
        assert!((total / STANDARD_GRAVITY - 70.0).abs() < 0.01, "{total}");
        let left = s.left.unwrap().force_n;
        assert!((left / total - 0.6).abs() < 1e-3);
        assert!(s.grid.force_n.iter().all(|f| *f >= 0.0));
    }

    #[test]
    fn the_left_foot_is_on_the_left_and_toes_point_to_row_zero() {
        let s = generate(&MAT48, &Stance::pair(ArchType::Normal));
        let (l, r) = (s.left.unwrap(), s.right.unwrap());
        assert!(l.cop_mm[0] < r.cop_mm[0]);
        // The heel carries more than the front: the COP sits behind the foot's middle,
        // and the first row with contact is a toe row near the top.
        let first_row = (0..48)
            .find(|row| (0..48).any(|c| s.grid.force_n[row * 48 + c] > 0.0))
            .unwrap();
        assert!((first_row as f32 * 8.45) < l.cop_mm[1]);
    }

    #[test]
    fn a_narrower_midfoot_gives_a_lower_true_index() {
        let mut last = 1.0;
        for w in [40.0, 30.0, 20.0, 10.0, 0.0] {
            let mut stance = Stance::pair(ArchType::Normal);
            stance.left = Some(FootSpec {
                arch: Arch::MidfootWidthMm(w),
                ..FootSpec::new(ArchType::Normal)
            });
            let ai = generate(&MAT48, &stance).left.unwrap().arch_index;
            assert!(ai < last, "{w}: {ai} !< {last}");
            last = ai;
        }
    }

    #[test]
    fn one_foot_carries_the_whole_weight_and_a_load_cell_reports_it() {
        let stance = Stance {
            left: None,
            load_cell: true,
            ..Stance::pair(ArchType::Flat)
        };
        let s = generate(&MAT48, &stance);
        assert!(s.left.is_none());
        assert!((s.right.unwrap().force_n / STANDARD_GRAVITY - 70.0).abs() < 0.01);
        assert_eq!(s.grid.load_cell_kg, Some(70.0));
    }

    #[test]
    fn raw_counts_invert_the_linear_model_and_saturate() {
        let s = generate(&MAT48, &Stance::pair(ArchType::Normal));
        let model = RawModel {
            zero: 100,
            newtons_per_count: 0.05,
            max_count: 4095,
        };
        let raw = s.raw_counts(model);
        assert_eq!(raw.len(), 48 * 48);
        assert!(raw.iter().all(|r| *r >= 100 && *r <= 4095));
        let tiny = RawModel {
            newtons_per_count: 1e-6,
            ..model
        };
        assert!(s.raw_counts(tiny).contains(&4095));
    }

    #[test]
    fn generation_is_deterministic() {
        let a = generate(&MAT48, &Stance::pair(ArchType::High));
        let b = generate(&MAT48, &Stance::pair(ArchType::High));
        assert_eq!(a, b);
    }
}
