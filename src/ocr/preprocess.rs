//! Page preprocessing before Tesseract: grey, upscale small pages, flatten uneven
//! light, deskew.
//!
//! Tesseract reads best when body text is ~30 px tall, the background is even and the
//! lines are horizontal. A phone photo of a sheet has none of that. Pure functions over
//! `image::GrayImage`; the rotation and the skew search are hand-written because the
//! `image` crate has only 90° rotations and `imageproc` would be a dependency for two
//! small loops.

use image::{GrayImage, Luma};

use super::OcrError;

/// Pages shorter than this are upscaled (an A4 sheet at ~200 dpi).
pub const MIN_PAGE_HEIGHT_PX: u32 = 2200;
/// Never upscale more than this (a thumbnail stays unreadable anyway).
pub const MAX_UPSCALE: f32 = 3.0;
/// Skew angles searched, in degrees (±, the issue's ±3° and a margin).
pub const MAX_SKEW_DEG: f32 = 4.0;

/// A page ready for OCR and the factor its coordinates were scaled by.
pub struct Prepared {
    pub image: GrayImage,
    pub scale: f32,
    pub skew_deg: f32,
}

/// Decodes PNG/JPEG bytes into a grey page.
pub fn decode(bytes: &[u8]) -> Result<GrayImage, OcrError> {
    let img = image::load_from_memory(bytes).map_err(|e| OcrError::BadImage(e.to_string()))?;
    Ok(img.to_luma8())
}

/// The whole chain: flatten the light, deskew, upscale.
pub fn prepare(grey: GrayImage) -> Prepared {
    let flat = flatten_light(&grey);
    let skew = estimate_skew(&flat);
    let straight = if skew.abs() >= 0.2 {
        rotate(&flat, -skew)
    } else {
        flat
    };
    let h = straight.height().max(1);
    let scale = if h < MIN_PAGE_HEIGHT_PX {
        (MIN_PAGE_HEIGHT_PX as f32 / h as f32).min(MAX_UPSCALE)
    } else {
        1.0
    };
    let image = if scale > 1.01 {
        image::imageops::resize(
            &straight,
            (straight.width() as f32 * scale).round() as u32,
            (straight.height() as f32 * scale).round() as u32,
            image::imageops::FilterType::CatmullRom,
        )
    } else {
        straight
    };
    Prepared {
        image,
        scale,
        skew_deg: skew,
    }
}

/// Divides every pixel by the local paper brightness (the brightest value in a coarse
/// neighbourhood), so a shadow across the sheet does not turn into black blobs when
/// Tesseract binarises it.
pub fn flatten_light(img: &GrayImage) -> GrayImage {
    const CELL: u32 = 32;
    let (w, h) = img.dimensions();
    if w < CELL * 2 || h < CELL * 2 {
        return img.clone();
    }
    let gw = w.div_ceil(CELL);
    let gh = h.div_ceil(CELL);
    // The paper level of a cell: a high percentile, not the max (speckles).
    let mut grid = vec![0f32; (gw * gh) as usize];
    let mut hist = [0u32; 256];
    for gy in 0..gh {
        for gx in 0..gw {
            hist.iter_mut().for_each(|c| *c = 0);
            let mut n = 0u32;
            for y in gy * CELL..((gy + 1) * CELL).min(h) {
                for x in gx * CELL..((gx + 1) * CELL).min(w) {
                    hist[img.get_pixel(x, y)[0] as usize] += 1;
                    n += 1;
                }
            }
            let target = n / 10; // the top 10 %
            let mut acc = 0;
            let mut level = 255usize;
            for v in (0..256).rev() {
                acc += hist[v];
                if acc >= target.max(1) {
                    level = v;
                    break;
                }
            }
            grid[(gy * gw + gx) as usize] = level as f32;
        }
    }
    // A cell full of ink (a dark header bar) has no paper: borrow the neighbours' level.
    let smoothed: Vec<f32> = (0..gh)
        .flat_map(|gy| (0..gw).map(move |gx| (gx, gy)))
        .map(|(gx, gy)| {
            let mut best = 0f32;
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (x, y) = (gx as i64 + dx, gy as i64 + dy);
                    if x >= 0 && y >= 0 && x < gw as i64 && y < gh as i64 {
                        best = best.max(grid[(y as u32 * gw + x as u32) as usize]);
                    }
                }
            }
            best.max(64.0)
        })
        .collect();
    let sample = |x: u32, y: u32| -> f32 {
        // Bilinear between cell centres.
        let fx = ((x as f32 + 0.5) / CELL as f32 - 0.5).clamp(0.0, (gw - 1) as f32);
        let fy = ((y as f32 + 0.5) / CELL as f32 - 0.5).clamp(0.0, (gh - 1) as f32);
        let (x0, y0) = (fx.floor() as u32, fy.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(gw - 1), (y0 + 1).min(gh - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let g = |x: u32, y: u32| smoothed[(y * gw + x) as usize];
        let top = g(x0, y0) * (1.0 - tx) + g(x1, y0) * tx;
        let bot = g(x0, y1) * (1.0 - tx) + g(x1, y1) * tx;
        top * (1.0 - ty) + bot * ty
    };
    GrayImage::from_fn(w, h, |x, y| {
        let v = img.get_pixel(x, y)[0] as f32;
        Luma([(v * 255.0 / sample(x, y)).min(255.0) as u8])
    })
}

/// The skew of the text lines in degrees (positive: lines fall to the right), found
/// by the projection profile: rows of a correctly rotated page alternate between ink
/// and paper, so the variance of the per-row ink counts peaks at the right angle.
pub fn estimate_skew(img: &GrayImage) -> f32 {
    // Work on a small binary copy: the angle does not need full resolution.
    let (w, h) = img.dimensions();
    let step = (w.max(h) / 700).max(1);
    let pts: Vec<(f32, f32)> = (0..h)
        .step_by(step as usize)
        .flat_map(|y| (0..w).step_by(step as usize).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y)[0] < 128)
        .map(|(x, y)| (x as f32, y as f32))
        .collect();
    if pts.len() < 50 {
        return 0.0;
    }
    let offset = (w / step + 1) as f32;
    let bins = ((h + w) / step + 2) as usize;
    let score = |deg: f32| -> f64 {
        let (s, c) = deg.to_radians().sin_cos();
        let mut rows = vec![0u32; bins + 1];
        for &(x, y) in &pts {
            // y of the point after rotating the page by -deg, in sample rows.
            let yr = (y * c - x * s) / step as f32 + offset;
            let i = yr.round();
            if i >= 0.0 && (i as usize) < rows.len() {
                rows[i as usize] += 1;
            }
        }
        rows.iter().map(|&r| (r as f64) * (r as f64)).sum()
    };
    let mut best = (0.0f32, score(0.0));
    let mut deg = -MAX_SKEW_DEG;
    while deg <= MAX_SKEW_DEG + 1e-3 {
        let s = score(deg);
        if s > best.1 {
            best = (deg, s);
        }
        deg += 0.25;
    }
    // Refine around the coarse optimum.
    let coarse = best.0;
    let mut d = coarse - 0.25;
    while d <= coarse + 0.25 {
        let s = score(d);
        if s > best.1 {
            best = (d, s);
        }
        d += 0.05;
    }
    best.0
}

/// Rotates by `deg` degrees (counter-clockwise positive in image coordinates with y
/// down means clockwise on screen) around the centre, bilinear, white outside.
pub fn rotate(img: &GrayImage, deg: f32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (s, c) = deg.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    GrayImage::from_fn(w, h, |x, y| {
        // Inverse mapping: where in the source does this output pixel come from.
        let dx = x as f32 - cx;
        let dy = y as f32 - cy;
        let sx = dx * c + dy * s + cx;
        let sy = -dx * s + dy * c + cy;
        Luma([bilinear(img, sx, sy)])
    })
}

fn bilinear(img: &GrayImage, x: f32, y: f32) -> u8 {
    let (w, h) = img.dimensions();
    if x < 0.0 || y < 0.0 || x > (w - 1) as f32 || y > (h - 1) as f32 {
        return 255;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (tx, ty) = (x - x0 as f32, y - y0 as f32);
    let p = |x, y| img.get_pixel(x, y)[0] as f32;
    let top = p(x0, y0) * (1.0 - tx) + p(x1, y0) * tx;
    let bot = p(x0, y1) * (1.0 - tx) + p(x1, y1) * tx;
    (top * (1.0 - ty) + bot * ty).round() as u8
}

/// Pixels darker than this are ink for [`erase_rules`].
const RULE_INK: u8 = 200;

/// Whitens table rules and chart bars: every horizontal or vertical run of ink at least
/// `min_len` pixels long, and a 2-pixel margin around it (a blurred scan leaves grey
/// edges). Figures printed against a rule or at the end of a bar (`▬▬▬59.1`) are then
/// read as figures, not as part of one blob with the bar. Glyph strokes are shorter
/// than `min_len` when it is a few text heights.
pub fn erase_rules(img: &GrayImage, min_len: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let min_len = min_len.max(2) as usize;
    let ink: Vec<bool> = img.as_raw().iter().map(|&v| v < RULE_INK).collect();
    let mut rule = vec![false; ink.len()];
    // Horizontal runs.
    for y in 0..hu {
        let row = &ink[y * wu..(y + 1) * wu];
        let mut x = 0;
        while x < wu {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < wu && row[x] {
                x += 1;
            }
            if x - start >= min_len {
                rule[y * wu + start..y * wu + x].fill(true);
            }
        }
    }
    // Vertical runs.
    for x in 0..wu {
        let mut y = 0;
        while y < hu {
            if !ink[y * wu + x] {
                y += 1;
                continue;
            }
            let start = y;
            while y < hu && ink[y * wu + x] {
                y += 1;
            }
            if y - start >= min_len {
                for yy in start..y {
                    rule[yy * wu + x] = true;
                }
            }
        }
    }
    // Grow by 2 pixels (horizontally, then vertically) and paint white.
    const GROW: usize = 2;
    let mut wide = vec![false; rule.len()];
    for y in 0..hu {
        for x in 0..wu {
            if rule[y * wu + x] {
                let (a, b) = (x.saturating_sub(GROW), (x + GROW).min(wu - 1));
                wide[y * wu + a..=y * wu + b].fill(true);
            }
        }
    }
    let mut out = img.clone();
    for x in 0..wu {
        for y in 0..hu {
            if wide[y * wu + x] {
                let (a, b) = (y.saturating_sub(GROW), (y + GROW).min(hu - 1));
                for yy in a..=b {
                    out.as_mut()[yy * wu + x] = 255;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn striped_page() -> GrayImage {
        // Horizontal "text lines": dark bands 6 px tall every 30 px, broken into words.
        GrayImage::from_fn(600, 400, |x, y| {
            if y % 30 < 6 && x % 50 < 40 && (40..560).contains(&x) && (20..380).contains(&y) {
                Luma([20])
            } else {
                Luma([235])
            }
        })
    }

    #[test]
    fn a_straight_page_has_no_skew() {
        assert!(estimate_skew(&striped_page()).abs() < 0.3);
    }

    #[test]
    fn a_rotated_page_is_measured_within_a_quarter_degree() {
        for deg in [-3.0f32, -1.5, 2.0, 3.0] {
            let rotated = rotate(&striped_page(), deg);
            let found = estimate_skew(&rotated);
            assert!((found - deg).abs() <= 0.3, "rotated {deg}, found {found}");
        }
    }

    #[test]
    fn rules_and_bars_are_erased_and_glyphs_kept() {
        // A table rule (row 10), a chart bar (rows 40..50, x 20..300) with a "figure"
        // right after it (a 12x20 block at x 306), and a vertical rule at x 500.
        let img = GrayImage::from_fn(600, 120, |x, y| {
            let rule = y == 10 && x < 580;
            let bar = (40..50).contains(&y) && (20..300).contains(&x);
            let glyph = (35..55).contains(&y) && (306..318).contains(&x);
            let vertical = x == 500 && (5..115).contains(&y);
            Luma([if rule || bar || glyph || vertical {
                10
            } else {
                240
            }])
        });
        let out = erase_rules(&img, 60);
        let p = |x: u32, y: u32| out.get_pixel(x, y)[0];
        assert_eq!(p(100, 10), 255, "rule erased");
        assert_eq!(p(150, 45), 255, "bar erased");
        assert_eq!(p(500, 60), 255, "vertical rule erased");
        assert!(
            (308..318).all(|x| (36..55).all(|y| p(x, y) == 10)),
            "the figure stays"
        );
        assert_eq!(p(450, 80), 240, "paper untouched");
    }

    #[test]
    fn a_shadow_is_flattened_to_paper_white() {
        let img = GrayImage::from_fn(256, 256, |x, _| Luma([(120 + x / 2) as u8]));
        let flat = flatten_light(&img);
        // Input paper goes down to 120; after flattening it is light everywhere.
        assert!(flat.pixels().all(|p| p[0] > 200), "paper stays paper");
    }
}
