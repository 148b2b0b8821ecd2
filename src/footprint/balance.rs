//! The balance test (static posturography): the body's centre of pressure followed
//! over 10 to 60 s, and the standard sway figures of that path.
//!
//! Owns the pure part only: the centre of pressure of one calibrated grid
//! ([`cop_of`]), the figures of a COP path ([`analyse_path`]) and their wording in
//! Korean and English. Following the live mat and storing the result are
//! `api::balance`'s. No I/O, no clock, never panics.
//!
//! # Figures (Prieto et al., IEEE TBME 1996)
//! With `x` medio-lateral (ML, mat columns, to the person's right) and `y`
//! antero-posterior (AP, mat rows, towards the heels), both in mm:
//! - path length: the sum of the distances between consecutive samples;
//! - mean velocity: path length over the duration (`(n - 1) / fps`);
//! - 95 % confidence ellipse: the ellipse expected to hold 95 % of the samples of a
//!   bivariate normal sway, area `π · χ²₂(0.95) · sqrt(det Σ)` with `χ²₂(0.95) = 5.991`
//!   and `Σ` the sample covariance;
//! - ML and AP range (max − min) and RMS (root mean square distance from the mean).
//!
//! # Frame rate
//! Sway has power up to a few hertz. At [`COARSE_BELOW_HZ`] or less the path between
//! samples is cut short (path length and velocity read low, by about 1 % for a 0.5 Hz
//! sway at 10 Hz but far more for the faster tremor a real body adds), so the result
//! says `coarse: true` and says so in its note; ranges, RMS and the ellipse are far
//! less affected.

use serde::{Deserialize, Serialize};

use super::grid::PressureGrid;

/// χ² quantile of 2 degrees of freedom at 95 %.
pub const CHI2_2DOF_95: f32 = 5.991_465;
/// Shortest and longest test, s.
pub const MIN_SECONDS: u32 = 10;
pub const MAX_SECONDS: u32 = 60;
/// At or below this frame rate the figures are coarse.
pub const COARSE_BELOW_HZ: f32 = 20.0;
/// Fewest samples a path needs for any figure.
pub const MIN_SAMPLES: usize = 10;

/// How the person stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BalanceStance {
    Both,
    Left,
    Right,
}

impl BalanceStance {
    pub fn as_str(self) -> &'static str {
        match self {
            BalanceStance::Both => "both",
            BalanceStance::Left => "left",
            BalanceStance::Right => "right",
        }
    }
    pub fn korean(self) -> &'static str {
        match self {
            BalanceStance::Both => "양발",
            BalanceStance::Left => "왼발",
            BalanceStance::Right => "오른발",
        }
    }
    pub fn english(self) -> &'static str {
        match self {
            BalanceStance::Both => "both feet",
            BalanceStance::Left => "left foot",
            BalanceStance::Right => "right foot",
        }
    }
}

/// Eyes open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Eyes {
    Open,
    Closed,
}

impl Eyes {
    pub fn as_str(self) -> &'static str {
        match self {
            Eyes::Open => "open",
            Eyes::Closed => "closed",
        }
    }
    pub fn korean(self) -> &'static str {
        match self {
            Eyes::Open => "눈 뜨고",
            Eyes::Closed => "눈 감고",
        }
    }
    pub fn english(self) -> &'static str {
        match self {
            Eyes::Open => "eyes open",
            Eyes::Closed => "eyes closed",
        }
    }
}

/// The sway figures of one COP path.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SwayFigures {
    /// Total length of the COP path, mm.
    #[schema(example = 182.4)]
    pub path_length_mm: f32,
    /// Path length over the duration, mm/s.
    #[schema(example = 9.1)]
    pub mean_velocity_mm_s: f32,
    /// Area of the 95 % confidence ellipse, mm².
    #[schema(example = 96.5)]
    pub ellipse_area_mm2: f32,
    /// Medio-lateral range (max − min of x), mm.
    pub ml_range_mm: f32,
    /// Antero-posterior range (max − min of y), mm.
    pub ap_range_mm: f32,
    /// Medio-lateral RMS about the mean, mm.
    pub ml_rms_mm: f32,
    /// Antero-posterior RMS about the mean, mm.
    pub ap_rms_mm: f32,
    /// Mean COP, mm from the mat's top-left corner.
    pub mean_cop_mm: [f32; 2],
    /// Samples the figures come from.
    pub frames_used: usize,
    /// Frame rate of the samples, Hz.
    pub fps: f32,
    /// Duration covered, s.
    pub duration_s: f32,
    /// True at or below [`COARSE_BELOW_HZ`]: path length and velocity read low.
    pub coarse: bool,
}

/// Why a path has no figures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BalanceError {
    #[error("only {0} usable frames; a balance test needs at least {MIN_SAMPLES}")]
    TooFewFrames(usize),
    #[error("the frame rate must be a positive number of frames per second, not {0}")]
    BadRate(f32),
}

/// Whole-body centre of pressure of a grid, mm from the top-left corner, with the
/// total force; `None` without force. Cells with a negative or non-finite force count
/// as none.
pub fn cop_of(grid: &PressureGrid) -> Option<([f32; 2], f32)> {
    let pitch = if grid.pitch_mm.is_finite() && grid.pitch_mm > 0.0 {
        grid.pitch_mm
    } else {
        1.0
    };
    let (mut sx, mut sy, mut total) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &f) in grid.force_n.iter().enumerate().take(grid.rows * grid.cols) {
        if !(f.is_finite() && f > 0.0) {
            continue;
        }
        let f = f64::from(f);
        sx += f * ((i % grid.cols.max(1)) as f64 + 0.5);
        sy += f * ((i / grid.cols.max(1)) as f64 + 0.5);
        total += f;
    }
    (total > 0.0).then(|| {
        let p = f64::from(pitch);
        (
            [(sx / total * p) as f32, (sy / total * p) as f32],
            total as f32,
        )
    })
}

/// The sway figures of `path` (COP samples in mm, evenly spaced at `fps`). Non-finite
/// samples are skipped.
pub fn analyse_path(path: &[[f32; 2]], fps: f32) -> Result<SwayFigures, BalanceError> {
    if !(fps.is_finite() && fps > 0.0) {
        return Err(BalanceError::BadRate(fps));
    }
    let points: Vec<[f64; 2]> = path
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .map(|p| [f64::from(p[0]), f64::from(p[1])])
        .collect();
    let n = points.len();
    if n < MIN_SAMPLES {
        return Err(BalanceError::TooFewFrames(n));
    }
    let nf = n as f64;
    let (mut mx, mut my) = (0.0, 0.0);
    for p in &points {
        mx += p[0];
        my += p[1];
    }
    mx /= nf;
    my /= nf;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    let mut path_length = 0.0;
    for (i, p) in points.iter().enumerate() {
        let (dx, dy) = (p[0] - mx, p[1] - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
        if i > 0 {
            let q = points[i - 1];
            path_length += ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
        }
    }
    // Sample covariance for the ellipse; RMS about the mean divides by n.
    let (cxx, cyy, cxy) = (sxx / (nf - 1.0), syy / (nf - 1.0), sxy / (nf - 1.0));
    let det = (cxx * cyy - cxy * cxy).max(0.0);
    let duration = (nf - 1.0) / f64::from(fps);
    Ok(SwayFigures {
        path_length_mm: path_length as f32,
        mean_velocity_mm_s: (path_length / duration) as f32,
        ellipse_area_mm2: (std::f64::consts::PI * f64::from(CHI2_2DOF_95) * det.sqrt()) as f32,
        ml_range_mm: (x1 - x0) as f32,
        ap_range_mm: (y1 - y0) as f32,
        ml_rms_mm: (sxx / nf).sqrt() as f32,
        ap_rms_mm: (syy / nf).sqrt() as f32,
        mean_cop_mm: [mx as f32, my as f32],
        frames_used: n,
        fps,
        duration_s: duration as f32,
        coarse: fps <= COARSE_BELOW_HZ,
    })
}

/// One line in Korean and English for the kiosk: what was measured and, at a low frame
/// rate, that path length and velocity are coarse.
pub fn describe(figures: &SwayFigures, stance: BalanceStance, eyes: Eyes) -> String {
    let mut text = format!(
        "{} {} {:.0}초: 이동 거리 {:.0} mm, 평균 속도 {:.1} mm/s, 95% 타원 면적 {:.0} mm² \
         ({}, {}, {:.0} s: path {:.0} mm, mean velocity {:.1} mm/s, 95% ellipse {:.0} mm²)",
        stance.korean(),
        eyes.korean(),
        figures.duration_s,
        figures.path_length_mm,
        figures.mean_velocity_mm_s,
        figures.ellipse_area_mm2,
        stance.english(),
        eyes.english(),
        figures.duration_s,
        figures.path_length_mm,
        figures.mean_velocity_mm_s,
        figures.ellipse_area_mm2,
    );
    if figures.coarse {
        text.push_str(&format!(
            ". 초당 {:.0}프레임이라 이동 거리와 속도는 대략적인 값입니다 \
             (at {:.0} frames/s path length and velocity are coarse and read low)",
            figures.fps, figures.fps
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(measured: f32, truth: f32, pct: f32) -> bool {
        (measured - truth).abs() <= truth.abs() * pct / 100.0
    }

    #[test]
    fn a_circle_gives_its_circumference_and_its_ellipse() {
        // r = 8 mm, 0.4 Hz, 25 s at 50 Hz: 10 turns.
        let (r, f, fps, secs) = (8.0f32, 0.4f32, 50.0f32, 25.0f32);
        let n = (secs * fps) as usize + 1;
        let path: Vec<[f32; 2]> = (0..n)
            .map(|i| {
                let t = i as f32 / fps;
                let a = std::f32::consts::TAU * f * t;
                [200.0 + r * a.cos(), 150.0 + r * a.sin()]
            })
            .collect();
        let s = analyse_path(&path, fps).unwrap();
        let circumference = std::f32::consts::TAU * r * f * secs;
        assert!(within(s.path_length_mm, circumference, 0.5), "{s:?}");
        assert!(within(
            s.mean_velocity_mm_s,
            std::f32::consts::TAU * r * f,
            0.5
        ));
        // Uniform motion on a circle: covariance r²/2 on each axis.
        let area = std::f32::consts::PI * CHI2_2DOF_95 * r * r / 2.0;
        assert!(
            within(s.ellipse_area_mm2, area, 1.0),
            "{} vs {area}",
            s.ellipse_area_mm2
        );
        assert!(within(s.ml_range_mm, 2.0 * r, 0.5) && within(s.ap_range_mm, 2.0 * r, 0.5));
        assert!(within(s.ml_rms_mm, r / 2f32.sqrt(), 0.5));
        assert!(!s.coarse);
    }

    #[test]
    fn a_gaussian_sway_gives_the_ellipse_of_its_distribution() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut normal = || {
            let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            let u2: f64 = rng.random();
            ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
        };
        // sd 6 mm ML, 9 mm AP, correlation 0.5: det = 36 * 81 * (1 - 0.25).
        let (sx, sy, rho) = (6.0f32, 9.0f32, 0.5f32);
        let path: Vec<[f32; 2]> = (0..20_000)
            .map(|_| {
                let (a, b) = (normal(), normal());
                [
                    100.0 + sx * a,
                    100.0 + sy * (rho * a + (1.0 - rho * rho).sqrt() * b),
                ]
            })
            .collect();
        let s = analyse_path(&path, 100.0).unwrap();
        let truth = std::f32::consts::PI * CHI2_2DOF_95 * sx * sy * (1.0 - rho * rho).sqrt();
        assert!(
            within(s.ellipse_area_mm2, truth, 5.0),
            "{} vs {truth}",
            s.ellipse_area_mm2
        );
        // And 95 % of the samples fall inside it, as its name says.
        let inside = path
            .iter()
            .filter(|p| {
                let (dx, dy) = (p[0] - 100.0, p[1] - 100.0);
                let (vx, vy, c) = (sx * sx, sy * sy, rho * sx * sy);
                let det = vx * vy - c * c;
                (vy * dx * dx - 2.0 * c * dx * dy + vx * dy * dy) / det <= CHI2_2DOF_95
            })
            .count();
        assert!((inside as f32 / 20_000.0 - 0.95).abs() < 0.01);
        assert!(within(s.ml_rms_mm, sx, 5.0) && within(s.ap_rms_mm, sy, 5.0));
    }

    #[test]
    fn a_lissajous_sway_at_ten_hertz_is_within_five_percent_and_says_it_is_coarse() {
        // What the simulator draws: ML at f, AP at 0.6 f, 10 s = one whole period.
        let (a, f, fps) = (10.0f32, 0.5f32, 10.0f32);
        let at = |t: f32| {
            let w = std::f32::consts::TAU * f * t;
            [200.0 + a * w.sin(), 200.0 + a * (0.6 * w).sin()]
        };
        let path: Vec<[f32; 2]> = (0..=100).map(|i| at(i as f32 / fps)).collect();
        // Truth: the continuous path, integrated finely.
        let fine: f32 = (0..100_000)
            .map(|i| {
                let (p, q) = (at(i as f32 * 1e-4), at((i + 1) as f32 * 1e-4));
                ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
            })
            .sum();
        let s = analyse_path(&path, fps).unwrap();
        assert!(
            within(s.path_length_mm, fine, 5.0),
            "{} vs {fine}",
            s.path_length_mm
        );
        let area = std::f32::consts::PI * CHI2_2DOF_95 * a * a / 2.0;
        assert!(
            within(s.ellipse_area_mm2, area, 5.0),
            "{} vs {area}",
            s.ellipse_area_mm2
        );
        assert!(within(s.ml_range_mm, 2.0 * a, 5.0) && within(s.ap_range_mm, 2.0 * a, 5.0));
        assert!(s.coarse);
        let text = describe(&s, BalanceStance::Both, Eyes::Closed);
        assert!(text.contains("대략적") && text.contains("coarse"), "{text}");
    }

    #[test]
    fn a_still_cop_has_no_path_and_too_few_samples_is_an_error() {
        let still = vec![[100.0, 100.0]; 50];
        let s = analyse_path(&still, 10.0).unwrap();
        assert_eq!((s.path_length_mm, s.ellipse_area_mm2), (0.0, 0.0));
        assert_eq!(
            analyse_path(&still[..5], 10.0),
            Err(BalanceError::TooFewFrames(5))
        );
        assert!(matches!(
            analyse_path(&still, f32::NAN),
            Err(BalanceError::BadRate(_))
        ));
    }

    #[test]
    fn the_cop_of_a_grid_is_the_force_weighted_centre() {
        let grid = PressureGrid {
            rows: 2,
            cols: 2,
            pitch_mm: 10.0,
            force_n: vec![1.0, 3.0, 0.0, f32::NAN],
            load_cell_kg: None,
        };
        let (cop, total) = cop_of(&grid).unwrap();
        assert_eq!(total, 4.0);
        assert!((cop[0] - 12.5).abs() < 1e-4 && (cop[1] - 5.0).abs() < 1e-4);
        let empty = PressureGrid {
            force_n: vec![0.0; 4],
            ..grid
        };
        assert!(cop_of(&empty).is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_path_is_analysed_without_panic(
            path in proptest::collection::vec((-1e6f32..1e6, -1e6f32..1e6), 0..200),
            fps in -10.0f32..200.0,
        ) {
            let path: Vec<[f32; 2]> = path.into_iter().map(|(x, y)| [x, y]).collect();
            if let Ok(s) = analyse_path(&path, fps) {
                proptest::prop_assert!(s.path_length_mm >= 0.0 && s.ellipse_area_mm2 >= 0.0);
            }
        }
    }
}
