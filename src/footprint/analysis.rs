//! What a calibrated pressure grid says about the person standing on it: which cells
//! belong to which foot, and each foot's contact area, force share, peak pressure,
//! centre of pressure, forefoot/rearfoot split and arch index; for the whole body the
//! weight, left/right and fore/rear distribution and the centre of pressure.
//!
//! Pure and deterministic: no I/O, no clock, no randomness. Specified in
//! `../shared/design/FOOT.md` (Metrics).
//!
//! # Method
//! 1. Cells above [`NOISE_FRACTION_OF_PEAK`] of the peak cell are in contact; they form
//!    8-connected regions. A small region far from every large one (a stray cell at the
//!    mat's edge, as in the legacy sample's row 0) is noise and dropped.
//! 2. Left and right are split at the middle of the widest run of empty columns
//!    between the outermost contact columns, so toes and heels that are separate blobs
//!    stay with their foot. Without such a gap, a contact narrower than
//!    [`MAX_ONE_FOOT_WIDTH_MM`] is one foot (its side from where it stands on the mat);
//!    a wider one is split at the weakest column of its middle half. A side with less
//!    than [`MIN_FOOT_AREA_CM2`] of contact is reported as no foot, never guessed.
//! 3. Areas are measured on a grid interpolated to about [`SAMPLE_STEP_MM`], from each
//!    cell's covered share (occupancy) estimated from the pressure field: a cell whose
//!    eight neighbours all carry force is covered; an edge cell's share is its force
//!    over the mean force of the covered cells next to it (their pressure is its
//!    pressure had it been covered), and a cell without a covered neighbour (the
//!    narrow midfoot strip of a high arch) is measured against its strongest
//!    neighbour. The occupancy is interpolated bilinearly, and a sample is in contact
//!    at [`OCCUPANCY_THRESHOLD`] or more, so a partly covered border cell contributes
//!    about its covered part, its boundary placed by the pressure of the cells around
//!    it, and the arch index is not quantised.
//! 4. Arch index (Cavanagh & Rodgers 1987): toes are the interpolated regions lying
//!    wholly in the front [`TOE_ZONE_FRACTION`] of the foot, or what lies ahead of a
//!    valley in the contact profile along the foot (toes that coarse cells merge with
//!    the forefoot, [`TOE_VALLEY_DEPTH`]), or, when neither shows, what lies ahead of
//!    the toe line estimated from the foot's geometry: the forefoot's force ridge (the
//!    metatarsal heads) sits near the front of a foot without toes and well behind
//!    the front of one with toes ([`TOE_RATIO`]), and the toe sulcus lies a fixed share
//!    of the heel-to-ridge distance ahead of it ([`TOE_LINE`]). Without the toes the
//!    foot's length along its principal axis is cut into thirds, and the index is the
//!    middle third's area over the whole.
//! 5. The index carries its own error (`arch_index_error`, from the cell size and
//!    from how much the index moves with the threshold); `arch_confident` is false
//!    when a class boundary lies within it. No fitted correction is applied.
//! 6. Size: length and width along and across the principal axis where the
//!    occupancy reaches [`SIZE_THRESHOLD`] (half covered), the Korean shoe
//!    size, and their uncertainty ([`SIZE_UNCERTAINTY_PITCHES`] of a pitch); the
//!    medial/lateral force split at the long axis through the contact's centroid.

use serde::Serialize;

use super::arch::ArchType;
use super::grid::{PressureGrid, STANDARD_GRAVITY};

/// Cells below this share of the peak cell's force are not contact.
pub const NOISE_FRACTION_OF_PEAK: f32 = 0.02;
/// A region with less than this share of the total force ...
pub const NOISE_REGION_MAX_SHARE: f32 = 0.05;
/// ... and farther than this from every larger region is noise.
pub const NOISE_REGION_MIN_DISTANCE_MM: f32 = 40.0;
/// A single foot's contact is narrower than this (a foot is about 100 mm wide, toed
/// out a bit more); anything wider without a gap is two feet side by side.
pub const MAX_ONE_FOOT_WIDTH_MM: f32 = 150.0;
/// Less contact than this on a side is not a foot (an adult foot has over 80 cm²).
pub const MIN_FOOT_AREA_CM2: f32 = 15.0;
/// Target spacing of the interpolated grid, mm.
pub const SAMPLE_STEP_MM: f32 = 2.0;
/// Interpolated regions wholly in this front part of a foot are toes.
pub const TOE_ZONE_FRACTION: f32 = 0.33;
/// A sample is in contact where the interpolated occupancy reaches this. Below half,
/// because bilinear interpolation between a covered cell and a partly covered one
/// shrinks narrow contact (a midfoot strip a cell wide); 0.40 is where the arch index
/// is unbiased on the tuning feet of [`super::accuracy`] at both cell sizes.
pub const OCCUPANCY_THRESHOLD: f32 = 0.40;
/// See [`Params::size_threshold`].
pub const SIZE_THRESHOLD: f32 = 0.5;
/// Interpolation never uses fewer or more sub-samples per cell side than these.
const MIN_SUPERSAMPLE: usize = 2;
const MAX_SUPERSAMPLE: usize = 10;

/// Where the weight came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeightSource {
    /// The mat's load cell (by its own calibration); pressure only distributes it.
    LoadCell,
    /// The sum of the calibrated cell forces.
    Pressure,
}

/// Which side a foot is on (column 0 is the person's left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

/// One foot's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FootMetrics {
    /// Cavanagh & Rodgers arch index, toes excluded.
    #[schema(example = 0.234)]
    pub arch_index: f32,
    pub arch_type: ArchType,
    /// The arch class in Korean (요족 / 정상 / 평발).
    #[schema(example = "정상")]
    pub arch_type_ko: &'static str,
    /// Share of the body's load on this foot, %.
    #[schema(example = 50.2)]
    pub force_pct: f32,
    /// Contact area, toes included, cm².
    #[schema(example = 131.5)]
    pub contact_area_cm2: f32,
    /// Highest cell pressure, kPa.
    #[schema(example = 182.0)]
    pub peak_kpa: f32,
    /// Centre of pressure, mm from the mat's top-left corner ([x, y], y towards the heel).
    pub cop_mm: [f32; 2],
    /// Share of this foot's force ahead of the middle of its length, %.
    pub forefoot_pct: f32,
    /// Share of this foot's force behind the middle of its length, %.
    pub rearfoot_pct: f32,
    /// Heel to toe along the foot's axis, mm (toes included).
    pub length_mm: f32,
    /// Widest contact across the foot's axis, mm (toes included).
    pub width_mm: f32,
    /// About 95 % of feet have their true length and width within this of the
    /// measured ones on a mat of this cell size, mm.
    pub size_uncertainty_mm: f32,
    /// Korean shoe size (신발 사이즈): the foot length in mm rounded to 5.
    #[schema(example = 245)]
    pub shoe_size_kr: u32,
    /// Share of this foot's force on the medial (big-toe) side of its long axis, %.
    pub medial_pct: f32,
    /// Share on the lateral (little-toe) side, %.
    pub lateral_pct: f32,
    /// The arch index's own measurement error on this mat (about 95 % of true indices
    /// lie within it), from how much the index moves when the contact edge moves
    /// within the partly covered border cells.
    #[schema(example = 0.012)]
    pub arch_index_error: f32,
    /// False when a class boundary (0.21, 0.26) lies within `arch_index_error` of the
    /// index: the class is then the nearer guess, not a finding.
    pub arch_confident: bool,
    /// Whether toes were found (as separate regions, a valley ahead of the forefoot or
    /// from the foot's geometry) and left out of the arch index.
    pub toes_found: bool,
}

/// The whole analysis; serialises to the `metrics` contract of `/image`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Metrics {
    /// Body weight, kg.
    #[schema(example = 58.5)]
    pub weight_kg: f32,
    pub weight_source: WeightSource,
    /// Number of feet found: 0, 1 or 2.
    pub feet: u8,
    /// Whole-body centre of pressure, mm; null with no foot.
    pub cop_mm: Option<[f32; 2]>,
    pub left_pct: f32,
    pub right_pct: f32,
    pub forefoot_pct: f32,
    pub rearfoot_pct: f32,
    /// Null when no left foot was found.
    pub left: Option<FootMetrics>,
    /// Null when no right foot was found.
    pub right: Option<FootMetrics>,
}

impl Metrics {
    /// The arch class both feet share (or the one foot's); `None` when the feet
    /// differ or none was found: neither foot's class is more "the" class than the
    /// other's, so the caller names both.
    pub fn common_arch_type(&self) -> Option<ArchType> {
        match (&self.left, &self.right) {
            (Some(l), Some(r)) if l.arch_type == r.arch_type => Some(l.arch_type),
            (Some(l), None) => Some(l.arch_type),
            (None, Some(r)) => Some(r.arch_type),
            _ => None,
        }
    }
}

/// Analyses a calibrated grid. Never panics, whatever the grid holds (negative or
/// non-finite forces count as no force; a grid whose `force_n` is shorter than
/// `rows * cols` is read as zero beyond its end).
pub fn analyse(grid: &PressureGrid) -> Metrics {
    analyse_with(grid, &Params::default())
}

/// [`analyse`] with other estimator knobs (the accuracy harness's comparisons).
pub fn analyse_with(grid: &PressureGrid, params: &Params) -> Metrics {
    let (rows, cols, pitch) = (grid.rows, grid.cols, grid.pitch_mm);
    let n = rows.saturating_mul(cols);
    let force: Vec<f32> = (0..n)
        .map(|i| match grid.force_n.get(i) {
            Some(&f) if f.is_finite() && f > 0.0 => f,
            _ => 0.0,
        })
        .collect();
    let pitch = if pitch.is_finite() && pitch > 0.0 {
        pitch
    } else {
        1.0
    };

    let sides = segment(&force, rows, cols, pitch);
    let feet: Vec<(Side, Foot)> = sides
        .into_iter()
        .filter_map(|(side, mask)| {
            measure_foot(&force, &mask, rows, cols, pitch, side, params).map(|f| (side, f))
        })
        .collect();

    let total: f32 = feet.iter().map(|(_, f)| f.force_n).sum();
    let (weight_kg, weight_source) = match grid.load_cell_kg {
        Some(kg) if kg.is_finite() => (kg.max(0.0), WeightSource::LoadCell),
        _ => (total / STANDARD_GRAVITY, WeightSource::Pressure),
    };
    let pct = |x: f32| if total > 0.0 { 100.0 * x / total } else { 0.0 };
    let force_of = |side: Side| {
        feet.iter()
            .filter(|(s, _)| *s == side)
            .map(|(_, f)| f.force_n)
            .sum::<f32>()
    };
    let fore: f32 = feet.iter().map(|(_, f)| f.fore_n).sum();
    let cop = (total > 0.0).then(|| {
        let x = feet.iter().map(|(_, f)| f.cop[0] * f.force_n).sum::<f32>() / total;
        let y = feet.iter().map(|(_, f)| f.cop[1] * f.force_n).sum::<f32>() / total;
        [round(x, 1), round(y, 1)]
    });
    let metrics_of = |side: Side| {
        feet.iter().find(|(s, _)| *s == side).map(|(_, f)| {
            let arch_type = ArchType::from_index(f.arch_index);
            let size_uncertainty = SIZE_UNCERTAINTY_PITCHES * pitch;
            FootMetrics {
                arch_index: round(f.arch_index, 3),
                arch_type,
                arch_type_ko: arch_type.korean(),
                force_pct: round(pct(f.force_n), 1),
                contact_area_cm2: round(f.area_mm2 / 100.0, 1),
                peak_kpa: round(f.peak_n / (pitch * pitch) * 1000.0, 1),
                cop_mm: [round(f.cop[0], 1), round(f.cop[1], 1)],
                forefoot_pct: round(100.0 * f.fore_n / f.force_n, 1),
                rearfoot_pct: round(100.0 - 100.0 * f.fore_n / f.force_n, 1),
                length_mm: round(f.length_mm, 1),
                width_mm: round(f.width_mm, 1),
                size_uncertainty_mm: round(size_uncertainty, 1),
                shoe_size_kr: shoe_size_kr(f.length_mm),
                medial_pct: round(100.0 * f.medial_n / f.force_n, 1),
                lateral_pct: round(100.0 - 100.0 * f.medial_n / f.force_n, 1),
                arch_index_error: round(f.arch_index_error, 3),
                arch_confident: arch_confident(
                    round(f.arch_index, 3),
                    round(f.arch_index_error, 3),
                ),
                toes_found: f.toes_found,
            }
        })
    };
    Metrics {
        weight_kg: round(weight_kg, 2),
        weight_source,
        feet: feet.len() as u8,
        cop_mm: cop,
        left_pct: round(pct(force_of(Side::Left)), 1),
        right_pct: round(pct(force_of(Side::Right)), 1),
        forefoot_pct: round(pct(fore), 1),
        rearfoot_pct: if total > 0.0 {
            round(100.0 - pct(fore), 1)
        } else {
            0.0
        },
        left: metrics_of(Side::Left),
        right: metrics_of(Side::Right),
    }
}

/// Korean shoe sizes are the foot length in mm in steps of 5 (230, 235, ...).
pub fn shoe_size_kr(length_mm: f32) -> u32 {
    if !(length_mm.is_finite() && length_mm > 0.0) {
        return 0;
    }
    ((length_mm / 5.0).round() * 5.0).min(400.0) as u32
}

/// Whether the class of `index` holds whatever its error: no class boundary within
/// `error` of it.
pub fn arch_confident(index: f32, error: f32) -> bool {
    use super::arch::{FLAT_FOOT_MIN_INDEX, HIGH_ARCH_MAX_INDEX};
    [HIGH_ARCH_MAX_INDEX, FLAT_FOOT_MIN_INDEX]
        .iter()
        .all(|b| (index - b).abs() > error)
}

fn round(x: f32, digits: i32) -> f32 {
    let p = 10f32.powi(digits);
    (x * p).round() / p
}

/// One 8-connected region of contact cells.
struct Region {
    cells: Vec<usize>,
    force: f32,
}

/// Contact cells split into the left and the right foot (each a cell mask).
fn segment(force: &[f32], rows: usize, cols: usize, pitch: f32) -> Vec<(Side, Vec<bool>)> {
    let peak = force.iter().copied().fold(0.0f32, f32::max);
    if peak <= 0.0 {
        return Vec::new();
    }
    let threshold = peak * NOISE_FRACTION_OF_PEAK;
    let contact: Vec<bool> = force.iter().map(|&f| f > threshold).collect();
    let regions = regions(&contact, force, rows, cols);
    let total: f32 = regions.iter().map(|r| r.force).sum();

    // Drop small regions far from every large one.
    let is_large = |r: &Region| r.force >= NOISE_REGION_MAX_SHARE * total;
    let large: Vec<&Region> = regions.iter().filter(|r| is_large(r)).collect();
    let min_d2 = (NOISE_REGION_MIN_DISTANCE_MM / pitch).powi(2);
    let mut kept = vec![false; force.len()];
    for region in &regions {
        let keep = is_large(region)
            || large.iter().any(|big| {
                region.cells.iter().any(|&a| {
                    big.cells.iter().any(|&b| {
                        let (dr, dc) = (
                            (a / cols) as f32 - (b / cols) as f32,
                            (a % cols) as f32 - (b % cols) as f32,
                        );
                        dr * dr + dc * dc <= min_d2
                    })
                })
            });
        if keep {
            for &c in &region.cells {
                kept[c] = true;
            }
        }
    }

    // Column occupancy and force.
    let mut occupied = vec![false; cols];
    let mut column_force = vec![0.0f32; cols];
    for (i, _) in kept.iter().enumerate().filter(|(_, k)| **k) {
        occupied[i % cols] = true;
        column_force[i % cols] += force[i];
    }
    let Some(first) = occupied.iter().position(|o| *o) else {
        return Vec::new();
    };
    let last = occupied.iter().rposition(|o| *o).unwrap_or(first);

    // Widest run of empty columns strictly inside [first, last].
    let mut best: Option<(usize, usize)> = None;
    let mut run_start = None;
    for (c, &occ) in occupied.iter().enumerate().take(last + 1).skip(first) {
        match (occ, run_start) {
            (false, None) => run_start = Some(c),
            (true, Some(s)) => {
                if best.is_none_or(|(bs, be)| c - s > be - bs) {
                    best = Some((s, c));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    let width_mm = (last + 1 - first) as f32 * pitch;
    // `split`: columns < split are left. A gap splits at its middle.
    let split = match best {
        Some((s, e)) => Some((s + e) / 2),
        None if width_mm > MAX_ONE_FOOT_WIDTH_MM => {
            let span = last + 1 - first;
            let (lo, hi) = (first + span / 4, first + span - span / 4);
            (lo..hi.max(lo + 1))
                .min_by(|a, b| column_force[*a].total_cmp(&column_force[*b]))
                .map(|c| c.max(first + 1))
        }
        None => None,
    };

    let min_cells = (MIN_FOOT_AREA_CM2 * 100.0 / (pitch * pitch)).ceil() as usize;
    let mask_of = |pred: &dyn Fn(usize) -> bool| -> Option<Vec<bool>> {
        let mask: Vec<bool> = kept
            .iter()
            .enumerate()
            .map(|(i, k)| *k && pred(i % cols))
            .collect();
        (mask.iter().filter(|m| **m).count() >= min_cells.max(1)).then_some(mask)
    };
    match split {
        Some(split) => [
            (Side::Left, mask_of(&|c| c < split)),
            (Side::Right, mask_of(&|c| c >= split)),
        ]
        .into_iter()
        .filter_map(|(s, m)| m.map(|m| (s, m)))
        .collect(),
        None => {
            // One foot: its side is where its force is, relative to the mat's middle.
            let total: f32 = column_force.iter().sum();
            let centre = column_force
                .iter()
                .enumerate()
                .map(|(c, f)| (c as f32 + 0.5) * f)
                .sum::<f32>()
                / total.max(f32::MIN_POSITIVE);
            let side = if centre < cols as f32 / 2.0 {
                Side::Left
            } else {
                Side::Right
            };
            mask_of(&|_| true)
                .map(|m| vec![(side, m)])
                .unwrap_or_default()
        }
    }
}

/// 8-connected regions of `mask` (flood fill with an explicit stack: no recursion).
fn regions(mask: &[bool], force: &[f32], rows: usize, cols: usize) -> Vec<Region> {
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut region = Region {
            cells: Vec::new(),
            force: 0.0,
        };
        while let Some(i) = stack.pop() {
            region.cells.push(i);
            region.force += force[i];
            let (r, c) = ((i / cols) as isize, (i % cols) as isize);
            for dr in -1..=1 {
                for dc in -1..=1 {
                    let (nr, nc) = (r + dr, c + dc);
                    if nr < 0 || nc < 0 || nr >= rows as isize || nc >= cols as isize {
                        continue;
                    }
                    let j = nr as usize * cols + nc as usize;
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(region);
    }
    out
}

/// The estimator's knobs. [`Params::default`] is what [`analyse`] uses; the accuracy
/// harness ([`super::accuracy`]) passes others to compare estimators, on the tuning
/// seeds only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// A sample is in contact where the interpolated occupancy reaches this.
    pub occupancy_threshold: f32,
    /// Length and width are measured where the interpolated occupancy reaches this
    /// (at least `occupancy_threshold`).
    pub size_threshold: f32,
    /// The local contact level of a cell is the highest force within this many cells
    /// of it (1 = its 3 x 3 neighbourhood).
    pub level_radius: usize,
    /// The arch index is also measured with the threshold this much lower and higher;
    /// half the difference, times `error_scale`, plus `error_floor`, is its error.
    pub error_threshold_delta: f32,
    pub error_scale: f32,
    pub error_floor: f32,
    /// ... plus this times `(pitch / foot length)²`: coarse cells leave more of the
    /// edge to estimate.
    pub error_per_r2: f32,
    /// Toes merged with the forefoot (cells wider than the toe sulcus) are cut off
    /// at a valley of the contact profile along the foot whose depth is below this
    /// share of the lower of the two peaks around it (0 = only separate toe regions).
    pub toe_valley_depth: f32,
    /// Toes from the foot's geometry: when the contact reaches further ahead of the
    /// forefoot's force ridge than `toe_ratio` times the ridge's distance from the
    /// heel, the foot has toes, and the body ends `toe_line` times that distance
    /// ahead of the ridge (0 = off).
    pub toe_ratio: f32,
    pub toe_line: f32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            occupancy_threshold: OCCUPANCY_THRESHOLD,
            size_threshold: SIZE_THRESHOLD,
            level_radius: 1,
            error_threshold_delta: ERROR_THRESHOLD_DELTA,
            error_scale: ERROR_SCALE,
            error_floor: ERROR_FLOOR,
            error_per_r2: ERROR_PER_R2,
            toe_valley_depth: TOE_VALLEY_DEPTH,
            toe_ratio: TOE_RATIO,
            toe_line: TOE_LINE,
        }
    }
}

/// See [`Params::error_threshold_delta`].
pub const ERROR_THRESHOLD_DELTA: f32 = 0.15;
/// See [`Params::error_scale`].
pub const ERROR_SCALE: f32 = 0.7;
/// See [`Params::error_floor`].
pub const ERROR_FLOOR: f32 = 0.004;
/// See [`Params::error_per_r2`].
pub const ERROR_PER_R2: f32 = 2.0;
/// See [`Params::toe_ratio`]: the contact of a foot without toes ends about 0.12 of
/// the ridge's distance from the heel ahead of it, with toes about 0.3 (the toes
/// reach another ~0.14 of the foot length past the sulcus).
pub const TOE_RATIO: f32 = 0.22;
/// See [`Params::toe_line`]: the toe sulcus lies this share of the ridge's distance
/// from the heel ahead of the ridge.
pub const TOE_LINE: f32 = 0.125;
/// See [`Params::toe_valley_depth`].
pub const TOE_VALLEY_DEPTH: f32 = 0.8;
/// Length and width are within this many cell pitches of the truth for about 95 % of
/// feet (measured on the tuning feet of [`super::accuracy`]).
pub const SIZE_UNCERTAINTY_PITCHES: f32 = 0.5;

/// Raw measurements of one foot, before rounding.
struct Foot {
    force_n: f32,
    fore_n: f32,
    medial_n: f32,
    peak_n: f32,
    cop: [f32; 2],
    area_mm2: f32,
    arch_index: f32,
    arch_index_error: f32,
    length_mm: f32,
    width_mm: f32,
    toes_found: bool,
}

/// The interpolated samples of one foot.
struct Samples {
    /// Sample centres in mm, mat coordinates.
    points: Vec<[f32; 2]>,
    /// Interpolated occupancy of each point (at least the lowest threshold asked for).
    value: Vec<f32>,
    /// Region label of each point at the main threshold (4-connected on the sample
    /// grid); `usize::MAX` for points below it.
    label: Vec<usize>,
    labels: usize,
    step_mm: f32,
}

fn measure_foot(
    force: &[f32],
    mask: &[bool],
    rows: usize,
    cols: usize,
    pitch: f32,
    side: Side,
    params: &Params,
) -> Option<Foot> {
    let cells: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
    let force_n: f32 = cells.iter().map(|&i| force[i]).sum();
    if force_n <= 0.0 {
        return None;
    }
    let centre = |i: usize| {
        [
            ((i % cols) as f32 + 0.5) * pitch,
            ((i / cols) as f32 + 0.5) * pitch,
        ]
    };
    let mut cop = [0.0f32; 2];
    let mut peak_n = 0.0f32;
    for &i in &cells {
        let p = centre(i);
        cop[0] += p[0] * force[i];
        cop[1] += p[1] * force[i];
        peak_n = peak_n.max(force[i]);
    }
    cop = [cop[0] / force_n, cop[1] / force_n];

    let threshold = params.occupancy_threshold;
    let delta = params.error_threshold_delta.clamp(0.0, threshold * 0.9);
    let samples = interpolate(
        force,
        mask,
        rows,
        cols,
        pitch,
        threshold,
        delta,
        params.level_radius,
    );
    let sample_area = samples.step_mm * samples.step_mm;
    let main: Vec<usize> = (0..samples.points.len())
        .filter(|&i| samples.label[i] != usize::MAX)
        .collect();
    let area_mm2 = main.len() as f32 * sample_area;

    // Provisional axis from all samples, pointing to the toe end (row 0, -y).
    let axis = principal_axis(&samples.points, &main).unwrap_or([0.0, -1.0]);
    let t_of = |p: [f32; 2], axis: [f32; 2]| p[0] * axis[0] + p[1] * axis[1];
    let (t_min, t_max) = extent(main.iter().map(|&i| t_of(samples.points[i], axis)));

    // Toes: regions wholly in the front part, never the largest region.
    let mut region_min = vec![f32::INFINITY; samples.labels];
    let mut region_size = vec![0usize; samples.labels];
    for &i in &main {
        let l = samples.label[i];
        region_min[l] = region_min[l].min(t_of(samples.points[i], axis));
        region_size[l] += 1;
    }
    let largest = (0..samples.labels).max_by_key(|&l| region_size[l]);
    let toe_line = t_max - TOE_ZONE_FRACTION * (t_max - t_min);
    let is_toe: Vec<bool> = (0..samples.labels)
        .map(|l| Some(l) != largest && region_min[l] >= toe_line)
        .collect();
    // Toes that the cells merged with the forefoot: a valley in the contact profile.
    let mut toe_cut = toe_valley(&samples, axis, t_min, t_max, pitch, params.toe_valley_depth);
    // Toes that show neither as regions nor as a valley (cells wider than the toe
    // sulcus merge them smoothly with the forefoot): from the foot's geometry, the
    // contact reaching too far ahead of the metatarsal-head force ridge.
    let regions_found = is_toe.iter().any(|t| *t);
    if params.toe_ratio > 0.0 && toe_cut.is_none() && !regions_found {
        if let Some(r) = force_ridge(force, &cells, cols, pitch, axis, t_min, t_max) {
            if t_max - r > params.toe_ratio * (r - t_min) {
                toe_cut = Some(r + params.toe_line * (r - t_min));
            }
        }
    }
    let toe_sample = |i: usize| {
        if toe_cut.is_some_and(|cut| t_of(samples.points[i], axis) > cut) {
            return true;
        }
        let l = samples.label[i];
        // Below the main threshold (a fringe sample): not a toe region of its own.
        l != usize::MAX && is_toe[l]
    };
    let body: Vec<usize> = main.iter().copied().filter(|&i| !toe_sample(i)).collect();
    let toes_found = body.len() < main.len();
    // Front of the body (where the toes were cut off), for fringe samples.
    let body_axis = principal_axis(&samples.points, &body).unwrap_or(axis);
    let (b_min, b_max) = extent(body.iter().map(|&i| t_of(samples.points[i], body_axis)));

    // Arch index on the body's own axis, at the main threshold and either side of it:
    // the samples that can count (not toes, not ahead of a cut body) with their
    // position along the body, projected once for the three thresholds.
    let third = (b_max - b_min) / 3.0;
    let counted: Vec<(f32, f32)> = (0..samples.points.len())
        .filter(|&i| !toe_sample(i))
        .filter_map(|i| {
            let t = t_of(samples.points[i], body_axis);
            (!(toes_found && t > b_max)).then_some((samples.value[i], t))
        })
        .collect();
    let (m_lo, m_hi) = (b_min + third, b_min + 2.0 * third);
    let index_at = |at: f32| -> f32 {
        if third <= 0.0 {
            return 0.0;
        }
        let (mut middle, mut all) = (0usize, 0usize);
        for &(v, t) in &counted {
            if v >= at {
                all += 1;
                middle += usize::from(t > m_lo && t <= m_hi);
            }
        }
        if all == 0 {
            0.0
        } else {
            middle as f32 / all as f32
        }
    };
    let raw_index = if body.is_empty() {
        0.0
    } else {
        index_at(threshold)
    };
    let (lo, hi) = (index_at(threshold - delta), index_at(threshold + delta));
    let spread = (lo - hi).abs() / 2.0;
    // Size from the samples at the size threshold (those in contact at the main one).
    let outline: Vec<usize> = main
        .iter()
        .copied()
        .filter(|&i| samples.value[i] >= params.size_threshold)
        .collect();
    let outline = if outline.is_empty() { &main } else { &outline };
    let (s_min, s_max) = extent(outline.iter().map(|&i| t_of(samples.points[i], axis)));
    let length_mm = if main.is_empty() {
        0.0
    } else {
        (s_max - s_min) + samples.step_mm
    };
    let r2 = (pitch / length_mm.max(100.0)).powi(2);
    let arch_index = raw_index.clamp(0.0, 1.0);
    let arch_index_error =
        params.error_floor + params.error_per_r2 * r2 + params.error_scale * spread;

    // Width across the axis; the medial direction points to the other foot.
    let across = [-axis[1], axis[0]];
    let (w_min, w_max) = extent(outline.iter().map(|&i| t_of(samples.points[i], across)));
    let width_mm = if main.is_empty() {
        0.0
    } else {
        (w_max - w_min) + samples.step_mm
    };
    let medial = match side {
        Side::Left => across,
        Side::Right => [-across[0], -across[1]],
    };
    // The long axis through the foot's contact centroid splits medial from lateral.
    let (mut cx, mut cy) = (0.0f32, 0.0f32);
    for &i in &main {
        cx += samples.points[i][0];
        cy += samples.points[i][1];
    }
    let n_main = main.len().max(1) as f32;
    let centroid = [cx / n_main, cy / n_main];

    // A cell across a split line counts by the share of its width on each side.
    let share_ahead = |i: usize, dir: [f32; 2], at: f32| {
        ((t_of(centre(i), dir) - at) / pitch + 0.5).clamp(0.0, 1.0)
    };
    let mid = 0.5 * (t_min + t_max);
    let fore_n: f32 = cells
        .iter()
        .map(|&i| force[i] * share_ahead(i, axis, mid))
        .sum();
    let medial_line = t_of(centroid, medial);
    let medial_n: f32 = cells
        .iter()
        .map(|&i| force[i] * share_ahead(i, medial, medial_line))
        .sum();

    Some(Foot {
        force_n,
        fore_n,
        medial_n,
        peak_n,
        cop,
        area_mm2,
        arch_index,
        arch_index_error,
        length_mm,
        width_mm,
        toes_found,
    })
}

/// Where the forefoot's force profile along `axis` peaks (the metatarsal heads): the
/// force of each cell spread over its extent along the axis, smoothed over a cell,
/// its highest point in the front half of the contact refined by a parabola.
fn force_ridge(
    force: &[f32],
    cells: &[usize],
    cols: usize,
    pitch: f32,
    axis: [f32; 2],
    t_min: f32,
    t_max: f32,
) -> Option<f32> {
    let length = t_max - t_min;
    if length.is_nan() || length <= 0.0 || cells.is_empty() {
        return None;
    }
    let bin = (pitch / 8.0).max(0.1);
    let n = (length / bin).ceil() as usize + 1;
    let mut profile = vec![0.0f32; n];
    let s = 8usize;
    for &i in cells {
        let (cx, cy) = (
            ((i % cols) as f32 + 0.5) * pitch,
            ((i / cols) as f32 + 0.5) * pitch,
        );
        let w = force[i] / (s * s) as f32;
        for a in 0..s {
            let dy = ((a as f32 + 0.5) / s as f32 - 0.5) * pitch;
            for b in 0..s {
                let dx = ((b as f32 + 0.5) / s as f32 - 0.5) * pitch;
                let t = (cx + dx) * axis[0] + (cy + dy) * axis[1];
                let k = ((t - t_min) / bin).floor();
                if k >= 0.0 && (k as usize) < n {
                    profile[k as usize] += w;
                }
            }
        }
    }
    let half = 4usize;
    let smooth: Vec<f32> = (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(half), (i + half).min(n - 1));
            profile[a..=b].iter().sum::<f32>() / (b + 1 - a) as f32
        })
        .collect();
    let lo = n / 2;
    let (at, _) = (lo..n)
        .map(|i| (i, smooth[i]))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let mut x = at as f32;
    if at > 0 && at + 1 < n {
        let (a, b, c) = (smooth[at - 1], smooth[at], smooth[at + 1]);
        let d = a - 2.0 * b + c;
        if d < 0.0 {
            x += (0.5 * (a - c) / d).clamp(-0.5, 0.5);
        }
    }
    Some(t_min + (x + 0.5) * bin)
}

/// Where toes merged with the forefoot begin along `axis`: the deepest dip of the
/// contact profile (summed occupancy per slice across the foot, smoothed over half a
/// cell) in the front part of the foot, when the profile rises again ahead of it (the
/// toes) and the dip is below `depth` of the lower of the two peaks. `None` without
/// such a valley (no toe contact, or toes already separate).
fn toe_valley(
    samples: &Samples,
    axis: [f32; 2],
    t_min: f32,
    t_max: f32,
    pitch: f32,
    depth: f32,
) -> Option<f32> {
    if depth <= 0.0 || samples.points.is_empty() || t_max <= t_min {
        return None;
    }
    let bin = samples.step_mm.max(0.1);
    let n = ((t_max - t_min) / bin).ceil() as usize + 1;
    if n < 8 {
        return None;
    }
    let mut profile = vec![0.0f32; n];
    for (p, v) in samples.points.iter().zip(&samples.value) {
        let t = p[0] * axis[0] + p[1] * axis[1];
        // Truncation is the floor here: negatives and NaN fail the test first.
        let b = (t - t_min) / bin;
        if b >= 0.0 && (b as usize) < n {
            profile[b as usize] += v.min(1.0);
        }
    }
    let half = ((0.25 * pitch / bin).round() as usize).max(1);
    let smooth: Vec<f32> = (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(half), (i + half).min(n - 1));
            profile[a..=b].iter().sum::<f32>() / (b + 1 - a) as f32
        })
        .collect();
    // The toes sit in the front 30 % at most; the dip must leave some toe ahead.
    let length = t_max - t_min;
    let lo = (((0.70 * length) / bin) as usize).min(n - 1);
    let hi = (((length - 0.03 * length) / bin) as usize).min(n - 1);
    let (dip_at, dip) = (lo..=hi)
        .map(|i| (i, smooth[i]))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let ahead = smooth[dip_at..].iter().copied().fold(0.0f32, f32::max);
    let behind = smooth[lo.saturating_sub((0.15 * length / bin) as usize)..=dip_at]
        .iter()
        .copied()
        .fold(0.0f32, f32::max);
    (dip < depth * ahead.min(behind) && dip_at > lo && dip_at < hi)
        .then_some(t_min + (dip_at as f32 + 0.5) * bin)
}

fn extent(values: impl Iterator<Item = f32>) -> (f32, f32) {
    values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), t| {
        (lo.min(t), hi.max(t))
    })
}

/// Unit long axis of the points `idx` (principal component), oriented to -y (toes).
fn principal_axis(points: &[[f32; 2]], idx: &[usize]) -> Option<[f32; 2]> {
    if idx.len() < 2 {
        return None;
    }
    let n = idx.len() as f64;
    let (mut mx, mut my) = (0.0f64, 0.0f64);
    for &i in idx {
        mx += f64::from(points[i][0]);
        my += f64::from(points[i][1]);
    }
    mx /= n;
    my /= n;
    let (mut sxx, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
    for &i in idx {
        let (dx, dy) = (f64::from(points[i][0]) - mx, f64::from(points[i][1]) - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    // Angle of the major axis of the covariance ellipse.
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (s, c) = angle.sin_cos();
    let (mut ax, mut ay) = (c as f32, s as f32);
    if ay > 0.0 {
        ax = -ax;
        ay = -ay;
    }
    // A foot is longer than wide; a nearly horizontal "long axis" means a degenerate
    // blob, where the mat's own axis is the better guess.
    if ay.abs() < 0.5 {
        return Some([0.0, -1.0]);
    }
    Some([ax, ay])
}

/// Samples of the foot on a grid of about [`SAMPLE_STEP_MM`] where the interpolated
/// occupancy reaches `threshold - delta`, labelled (4-connected) where it reaches
/// `threshold`.
#[allow(clippy::too_many_arguments)]
fn interpolate(
    force: &[f32],
    mask: &[bool],
    rows: usize,
    cols: usize,
    pitch: f32,
    threshold: f32,
    delta: f32,
    level_radius: usize,
) -> Samples {
    let k = ((pitch / SAMPLE_STEP_MM).ceil() as usize).clamp(MIN_SUPERSAMPLE, MAX_SUPERSAMPLE);
    let step = pitch / k as f32;
    let lowest = threshold - delta;
    // Occupancy: a cell's force over the highest force around it.
    let value = |r: usize, c: usize| {
        let i = r * cols + c;
        if mask[i] {
            force[i]
        } else {
            0.0
        }
    };
    let radius = level_radius.max(1);
    // A cell whose eight neighbours all carry force is wholly covered.
    let mut covered = vec![false; rows * cols];
    for r in 1..rows.saturating_sub(1) {
        for c in 1..cols.saturating_sub(1) {
            covered[r * cols + c] =
                (r - 1..=r + 1).all(|nr| (c - 1..=c + 1).all(|nc| value(nr, nc) > 0.0));
        }
    }
    let interior = |r: usize, c: usize| covered[r * cols + c];
    let mut occupancy = vec![0.0f32; rows * cols];
    let (mut r0, mut r1, mut c0, mut c1) = (rows, 0, cols, 0);
    for r in 0..rows {
        for c in 0..cols {
            let v = value(r, c);
            if v <= 0.0 {
                continue;
            }
            (r0, r1, c0, c1) = (r0.min(r), r1.max(r), c0.min(c), c1.max(c));
            if interior(r, c) {
                occupancy[r * cols + c] = 1.0;
                continue;
            }
            // An edge cell is covered by its force over the pressure of the covered
            // cells next to it (the mean of their forces); a narrow strip without a
            // covered neighbour (a high arch's midfoot) by its force over the
            // strongest neighbour's.
            let (mut sum, mut n, mut local) = (0.0f32, 0usize, v);
            for nr in r.saturating_sub(radius)..=(r + radius).min(rows - 1) {
                for nc in c.saturating_sub(radius)..=(c + radius).min(cols - 1) {
                    local = local.max(value(nr, nc));
                    if interior(nr, nc) {
                        sum += value(nr, nc);
                        n += 1;
                    }
                }
            }
            occupancy[r * cols + c] = if n > 0 && sum > 0.0 {
                (v * n as f32 / sum).min(1.0)
            } else {
                v / local
            };
        }
    }
    let mut points = Vec::new();
    let mut values = Vec::new();
    if r0 > r1 {
        return Samples {
            points,
            value: values,
            label: Vec::new(),
            labels: 0,
            step_mm: step,
        };
    }
    // Samples cover the bounding box plus half a cell on each side.
    let (sr0, sc0) = (r0 * k, c0 * k);
    let (h, w) = ((r1 + 1 - r0) * k + k, (c1 + 1 - c0) * k + k);
    // Occupancy with a border of zeros, so that the four neighbours of every sample
    // (cells r0 - 1 ..= r1 + 1, likewise columns) are read without bounds tests.
    let pw = cols + 2;
    let mut padded = vec![0.0f32; (rows + 2) * pw];
    for r in 0..rows {
        padded[(r + 1) * pw + 1..(r + 1) * pw + 1 + cols]
            .copy_from_slice(&occupancy[r * cols..(r + 1) * cols]);
    }
    // Sample centres in cell units (cell centres sit at i + 0.5), with the cell to
    // their upper left and the fraction past it; the same for every row.
    let axis = |s: usize, s0: usize| {
        let v = (s0 as f32 + s as f32 + 0.5) / k as f32 - 0.5 - 0.5;
        let i = v.floor();
        // i >= -1 and i + 1 <= rows/cols by the bounding box: +1 for the border.
        (v, (i as isize + 1) as usize, v - i)
    };
    let columns: Vec<(f32, usize, f32)> = (0..w).map(|sx| axis(sx, sc0)).collect();
    // 4-connected labels on the sample grid, at the main threshold, in one pass: each
    // sample in contact joins its left and upper neighbours' sets (union-find over
    // sample indices; `up` and `row` hold the previous and this row's samples).
    let mut parent: Vec<usize> = Vec::new();
    let mut up = vec![usize::MAX; w];
    let mut row = vec![usize::MAX; w];
    fn root(parent: &mut [usize], mut p: usize) -> usize {
        while parent[p] != p {
            parent[p] = parent[parent[p]];
            p = parent[p];
        }
        p
    }
    for sy in 0..h {
        let (y, yi, fy) = axis(sy, sr0);
        let (top, bottom) = (&padded[yi * pw..], &padded[(yi + 1) * pw..]);
        let mut left = usize::MAX;
        for (sx, &(x, xi, fx)) in columns.iter().enumerate() {
            let v = top[xi] * (1.0 - fx) * (1.0 - fy)
                + top[xi + 1] * fx * (1.0 - fy)
                + bottom[xi] * (1.0 - fx) * fy
                + bottom[xi + 1] * fx * fy;
            let mut here = usize::MAX;
            if v >= lowest {
                let p = points.len();
                points.push([(x + 0.5) * pitch, (y + 0.5) * pitch]);
                values.push(v);
                parent.push(p);
                if v >= threshold {
                    here = p;
                    for q in [left, up[sx]] {
                        if q != usize::MAX {
                            let (a, b) = (root(&mut parent, q), root(&mut parent, p));
                            // The older root stays: roots are first samples in order.
                            parent[a.max(b)] = a.min(b);
                        }
                    }
                }
            }
            row[sx] = here;
            left = here;
        }
        std::mem::swap(&mut up, &mut row);
    }
    // Labels numbered in the order of each set's first sample (its root).
    let mut label = vec![usize::MAX; points.len()];
    let mut labels = 0;
    for p in 0..points.len() {
        if values[p] < threshold {
            continue;
        }
        let r = root(&mut parent, p);
        label[p] = if r == p {
            labels += 1;
            labels - 1
        } else {
            label[r]
        };
    }
    Samples {
        points,
        value: values,
        label,
        labels,
        step_mm: step,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footprint::synth::{self, Arch, FootSpec, MatGeometry, Stance, Toes};

    const MAT48: MatGeometry = MatGeometry {
        rows: 48,
        cols: 48,
        pitch_mm: 8.45,
    };

    fn check_pair(stance: &Stance, mat: &MatGeometry) -> Metrics {
        let s = synth::generate(mat, stance);
        let m = analyse(&s.grid);
        for (truth, measured) in [(&s.left, &m.left), (&s.right, &m.right)] {
            let (Some(t), Some(f)) = (truth, measured) else {
                assert_eq!(truth.is_some(), measured.is_some(), "{m:#?}");
                continue;
            };
            assert!(
                (t.arch_index - f.arch_index).abs() <= 0.02,
                "{:?}: true {} measured {}",
                t.side,
                t.arch_index,
                f.arch_index
            );
        }
        m
    }

    #[test]
    fn synthetic_feet_on_a_48_mat_measure_within_002_of_the_true_arch_index() {
        for toes in [Toes::Separate, Toes::None] {
            for toe_out in [0.0, 7.0, 15.0] {
                for width in [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0] {
                    let foot = FootSpec {
                        arch: Arch::MidfootWidthMm(width),
                        toes,
                        toe_out_deg: toe_out,
                        ..FootSpec::new(ArchType::Normal)
                    };
                    let stance = Stance {
                        left: Some(foot.clone()),
                        right: Some(foot),
                        ..Stance::pair(ArchType::Normal)
                    };
                    check_pair(&stance, &MAT48);
                }
            }
        }
    }

    #[test]
    fn clear_cases_get_the_right_class_in_korean_and_english() {
        for (arch, ko) in [
            (ArchType::High, "요족"),
            (ArchType::Normal, "정상"),
            (ArchType::Flat, "평발"),
        ] {
            let m = check_pair(&Stance::pair(arch), &MAT48);
            for foot in [m.left.clone().unwrap(), m.right.clone().unwrap()] {
                assert_eq!(foot.arch_type, arch);
                assert_eq!(foot.arch_type_ko, ko);
            }
            assert_eq!(m.common_arch_type(), Some(arch));
        }
    }

    #[test]
    fn weight_split_and_centre_of_pressure_follow_the_synthetic_truth() {
        let mut stance = Stance::pair(ArchType::Normal);
        stance.left_share = 0.62;
        stance.weight_kg = 81.0;
        let s = synth::generate(&MAT48, &stance);
        let m = analyse(&s.grid);
        assert_eq!(m.weight_source, WeightSource::Pressure);
        assert!((m.weight_kg - 81.0).abs() < 0.1, "{}", m.weight_kg);
        assert!((m.left_pct - 62.0).abs() < 0.2, "{}", m.left_pct);
        assert!((m.left_pct + m.right_pct - 100.0).abs() < 0.2);
        let (t, f) = (s.left.unwrap(), m.left.unwrap());
        assert!((t.cop_mm[0] - f.cop_mm[0]).abs() < 0.5 && (t.cop_mm[1] - f.cop_mm[1]).abs() < 0.5);
        assert!(
            (t.contact_area_cm2 - f.contact_area_cm2).abs() / t.contact_area_cm2 < 0.08,
            "area true {} measured {}",
            t.contact_area_cm2,
            f.contact_area_cm2
        );
        assert!(f.toes_found);
        assert!((m.forefoot_pct + m.rearfoot_pct - 100.0).abs() < 0.2);
        assert!(f.peak_kpa > 0.0);
    }

    #[test]
    fn the_load_cell_gives_the_weight_when_the_frame_has_one() {
        let mut stance = Stance::pair(ArchType::Normal);
        stance.load_cell = true;
        let mut s = synth::generate(&MAT48, &stance);
        s.grid.load_cell_kg = Some(64.0);
        let m = analyse(&s.grid);
        assert_eq!(m.weight_source, WeightSource::LoadCell);
        assert_eq!(m.weight_kg, 64.0);
    }

    #[test]
    fn one_foot_is_reported_as_one_foot_on_its_side() {
        for (left, right) in [(true, false), (false, true)] {
            let mut stance = Stance::pair(ArchType::Flat);
            if !left {
                stance.left = None;
            }
            if !right {
                stance.right = None;
            }
            let m = check_pair(&stance, &MAT48);
            assert_eq!(m.feet, 1);
            assert_eq!(m.left.is_some(), left);
            assert_eq!(m.right.is_some(), right);
            assert_eq!(if left { m.left_pct } else { m.right_pct }, 100.0);
        }
    }

    #[test]
    fn an_empty_mat_has_no_feet_and_no_weight() {
        let grid = PressureGrid {
            rows: 24,
            cols: 24,
            pitch_mm: 16.9,
            force_n: vec![0.0; 576],
            load_cell_kg: None,
        };
        let m = analyse(&grid);
        assert_eq!(m.feet, 0);
        assert!(m.left.is_none() && m.right.is_none() && m.cop_mm.is_none());
        assert_eq!(m.weight_kg, 0.0);
    }

    #[test]
    fn a_stray_cell_at_the_edge_is_noise_not_a_foot() {
        let mut s = synth::generate(&MAT48, &Stance::pair(ArchType::Normal));
        let before = analyse(&s.grid);
        s.grid.force_n[47] = 1.0; // top-right corner, far from both feet
        let after = analyse(&s.grid);
        assert_eq!(after.feet, 2);
        assert_eq!(before.right, after.right);
    }

    #[test]
    fn feet_touching_each_other_are_still_two_feet() {
        let mut stance = Stance::pair(ArchType::Flat);
        stance.stance_width_mm = 95.0;
        let s = synth::generate(&MAT48, &stance);
        let m = analyse(&s.grid);
        assert_eq!(m.feet, 2, "{m:#?}");
        assert!((m.left_pct - 50.0).abs() < 5.0);
    }

    #[test]
    fn garbage_grids_do_not_panic() {
        let grid = PressureGrid {
            rows: 3,
            cols: 4,
            pitch_mm: f32::NAN,
            force_n: vec![f32::NAN, f32::INFINITY, -1.0, 1e30, 0.0],
            load_cell_kg: Some(f32::NAN),
        };
        let m = analyse(&grid);
        assert!(m.weight_kg.is_finite());
    }

    proptest::proptest! {
        #[test]
        fn any_grid_is_analysed_without_panic(
            rows in 1usize..12,
            cols in 1usize..12,
            cells in proptest::collection::vec(0.0f32..50.0, 0..150),
            pitch in 1.0f32..30.0,
        ) {
            let grid = PressureGrid { rows, cols, pitch_mm: pitch, force_n: cells, load_cell_kg: None };
            let m = analyse(&grid);
            proptest::prop_assert!(m.feet <= 2);
            if let Some(l) = m.left {
                proptest::prop_assert!((0.0..=1.0).contains(&l.arch_index));
            }
        }
    }
}
