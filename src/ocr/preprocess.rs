//! Page preprocessing before Tesseract: grey, flatten uneven light, deskew, upscale
//! small pages, sharpen a soft print.
//!
//! Tesseract reads best when body text is ~30 px tall, the background is even and the
//! lines are horizontal. A phone photo of a sheet has none of that. Pure functions over
//! `image::GrayImage`; the rotation and the skew search are hand-written because the
//! `image` crate has only 90° rotations and `imageproc` would be a dependency for two
//! small loops; the resize because the `image` crate's took 280 ms of a 2 s budget for
//! one page (`benches/ocr.rs` measures both). Every loop walks rows of the raw
//! buffer: the whole chain takes ~55 ms for a page; finding a photographed page
//! ~9 ms and the sharpening ~200 ms more when it runs (a 1240×2200 page, timed on
//! this loaded machine, so an upper bound). [`page`] finds a photographed sheet's
//! quadrilateral and can undo its perspective; [`ink`] measures how soft the print
//! is and sharpens it.
//!
//! # Degraded pages, measured (tuning split, one sheet per family: quadrant/0,
//! list/100000, table5/200000; fields read exactly of 96; real sample of 32)
//! `ocr_accuracy -- --split tuning --per-family 1 --kinds K --no-misses`
//!
//! | set | before | after | what |
//! |---|---|---|---|
//! | blur (σ 1.0–1.8) | 59 | 70 | unsharp mask on a soft print |
//! | low-res (45–60 %) | 59 | 68 | the same (upscaled soft print) |
//! | blur, session 11 | 81 | 82 | the mask's amount 1.5 → 2.5 |
//! | low-res, session 11 | 74 | 79 | the same |
//! | jpeg (q20–40) | 71 | 71 | dark cores left: not sharpened |
//! | photo | 78 | 78 | unchanged (see below) |
//! | rotate (2–5°) | 75 | 75 | skew search widened to ±6° |
//! | clean | 87 | 87 | crisp: the chain is unchanged |
//! | real sample | 31 | 31 | |
//!
//! Low resolution is not a scale problem here: the page-height rule already gives
//! those pages 2.0–2.8× (their glyphs measured 5–7 px against 9–13 clean), so a
//! text-height rule would change little; what they lack is edge contrast.
//! Tried and not kept, on photos: undoing the perspective ([`page::rectify`], corners
//! found within 0.2 px of a known warp) read 69 (78 before); with the sharpening 68;
//! sharpening alone 72. A photo's softness is its JPEG and shadow, not focus, so a
//! page with a visible background is not sharpened.
//!
//! Why undoing the perspective lost, measured again (session 11, the same three
//! tuning photos, 80/96 as the chain stands, `--kinds photo`; rectified before the
//! flattening, skew then ~0):
//!
//! | rectified | quadrant | list | table5 | all |
//! |---|---|---|---|---|
//! | not (the chain) | 29 | 32 | 19 | 80 |
//! | bilinear at the photo's size, then upscaled | 25 | 23 | 13 | 61 |
//! | bilinear straight to the final size | 26 | 31 | 14 | 71 |
//! | Catmull-Rom straight to the final size | 27 | 22 | 21 | 70 |
//! | the same, sides found at the paper edge | 27 | 32 | 20 | 79 |
//! | + sharpened | 27 | 32 | 15 | 74 |
//! | + vertical rules (< 205, ≥ 2.5 % of the height) erased | 27 | 32 | 18 | 77 |
//! | + cells borrowing light only when under half their neighbours' | 28 | 31 | 20 | 79 |
//!
//! Two causes, both fixed in [`page`] (still not in the chain, since it does not
//! win): two interpolations (bilinear, then the upscale) blurred the print, so
//! [`page::rectify`] resamples once, Catmull-Rom, at the final scale; and a side
//! whose paper lay in the shadow was found at the shadow's edge or lost (the list
//! photo's bottom side: the frame border stood in for it, the rows were sheared and
//! labels paired with the next row's figures), so a side is now where the profile
//! first rises clearly above the background. What remains: the rectified quadrant
//! sheet loses its header row (age, height, sex, test date) and the table5 sheet
//! its segmental-fat table, read by Tesseract as words (`(1.9 kg)`, `|3.15kg`) but
//! not tied to their fields; neither the rules (erased: 77) nor softness
//! (sharpened: 74) explain it; the reader's pairing on an upright photo is the lead
//! left. The grey band along a shadow's edge (a cell borrows its brighter
//! neighbour's paper level) is real, but keeping a cell's own level unless under
//! half its neighbours' read 76 unrectified (27 32 17) and 79 rectified: not kept.

use image::{GrayImage, Luma};

use super::OcrError;

pub mod ink;
pub mod page;

/// Pages shorter than this are upscaled (an A4 sheet at ~200 dpi).
pub const MIN_PAGE_HEIGHT_PX: u32 = 2200;
/// Never upscale more than this (a thumbnail stays unreadable anyway).
pub const MAX_UPSCALE: f32 = 3.0;
/// Skew angles searched, in degrees (±: the issue's ±5° and a margin).
pub const MAX_SKEW_DEG: f32 = 6.0;
/// The vertical strips [`estimate_skew`] profiles apart to find the angle roughly.
/// Tuning split, forty sheets per family degraded (`Degradation::random`): the whole
/// width alone was off by more than 0.5° on 7 of 120 (three of them by 6–8°, the
/// wrong way), mean 0.30°; four strips, then the whole width nearby, on 6 (at most
/// 1.25°), mean 0.11° (two, three or six strips alike).
const SKEW_STRIPS: usize = 4;

/// A print whose ink is less than this share dark cores (of the pixels that are not
/// paper) is soft. Measured on tuning sheets after flattening: clean 0.33–0.38, JPEG
/// 0.20–0.33, blurred 0.01–0.12, low resolution 0.03–0.18 (photos 0.02–0.08).
pub const SOFT_DARK_SHARE: f32 = 0.16;
/// How much a soft print's edges are steepened ([`ink::unsharp`]). Tuning split, one
/// sheet per family (quadrant, list, table5), low-res and blur: 1.5 read 74 and 81 of
/// 96, 2.5 reads 79 (27 30 22) and 82 (23 32 27); a radius one wider instead read
/// 73 and 81 at 1.5, 77 low-res at 2.5. Only soft prints run it, so clean, JPEG and
/// photographed pages and the real sample (31/32) read as before.
pub const UNSHARP_AMOUNT: f32 = 2.5;

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

/// The whole chain: flatten the light, deskew, upscale, sharpen a soft print.
pub fn prepare_page(grey: GrayImage) -> Prepared {
    // A photo (the sheet on a darker table) is soft from its JPEG and its light, and
    // sharpening it lost fields (module doc): only pages without one are sharpened.
    let photo = page::find_page(&grey).is_some();
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
        resize(
            &straight,
            (straight.width() as f32 * scale).round() as u32,
            (straight.height() as f32 * scale).round() as u32,
        )
    } else {
        straight
    };
    // A soft print (blurred, or scanned small and upscaled) is sharpened; a crisp one
    // has enough dark cores already and is left as it is.
    let image = if !photo && ink::dark_share(&image) < SOFT_DARK_SHARE {
        ink::unsharp(&image, if scale > 1.6 { 3 } else { 2 }, UNSHARP_AMOUNT)
    } else {
        image
    };
    Prepared {
        image,
        scale,
        skew_deg: skew,
    }
}

/// `img` resized to `width` × `height` with the Catmull-Rom filter (as
/// `image::imageops::resize` with `FilterType::CatmullRom`, whose generic per-pixel
/// loops took a quarter of a second for one page — a tenth of the whole OCR budget):
/// separable, the taps of each output row and column computed once. When shrinking,
/// the kernel widens with the ratio, so fine print is averaged rather than aliased.
pub fn resize(img: &GrayImage, width: u32, height: u32) -> GrayImage {
    let (sw, sh) = img.dimensions();
    if sw == 0 || sh == 0 || width == 0 || height == 0 {
        return GrayImage::from_pixel(width, height, Luma([255]));
    }
    let (cols, rows) = (taps(sw, width), taps(sh, height));
    let (sw, width) = (sw as usize, width as usize);
    let src = img.as_raw();
    // Rows first: every source row resized to the new width.
    let mut wide = vec![0f32; width * sh as usize];
    for (row, out) in src.chunks_exact(sw).zip(wide.chunks_exact_mut(width)) {
        for (o, (start, weights)) in out.iter_mut().zip(&cols) {
            *o = weights
                .iter()
                .zip(&row[*start..])
                .map(|(w, &p)| w * f32::from(p))
                .sum();
        }
    }
    // Then columns: each output row a weighted sum of whole resized rows.
    let mut out = vec![0u8; width * height as usize];
    let mut acc = vec![0f32; width];
    for (line, (start, weights)) in out.chunks_exact_mut(width).zip(&rows) {
        acc.fill(0.0);
        for (k, w) in weights.iter().enumerate() {
            let row = &wide[(start + k) * width..(start + k + 1) * width];
            for (a, p) in acc.iter_mut().zip(row) {
                *a += w * p;
            }
        }
        for (o, a) in line.iter_mut().zip(&acc) {
            *o = (a + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
    GrayImage::from_raw(width as u32, height, out)
        .unwrap_or_else(|| GrayImage::from_pixel(width as u32, height, Luma([255])))
}

/// For each of `dst` output pixels along one axis of `src` source pixels: the first
/// source pixel it reads and the normalised Catmull-Rom weights of those it reads.
fn taps(src: u32, dst: u32) -> Vec<(usize, Vec<f32>)> {
    let ratio = src as f32 / dst as f32;
    let widen = ratio.max(1.0);
    let support = 2.0 * widen;
    (0..dst)
        .map(|o| {
            // Pixel centres: output pixel o covers source [o, o + 1) * ratio.
            let centre = (o as f32 + 0.5) * ratio;
            let lo = (centre - support).floor().max(0.0) as usize;
            let hi = ((centre + support).ceil() as usize).clamp(lo + 1, src as usize);
            let mut weights: Vec<f32> = (lo..hi)
                .map(|i| catmull_rom((i as f32 + 0.5 - centre) / widen))
                .collect();
            let sum: f32 = weights.iter().sum();
            if sum.abs() > f32::EPSILON {
                weights.iter_mut().for_each(|w| *w /= sum);
            }
            (lo, weights)
        })
        .collect()
}

/// The Catmull-Rom cubic (B = 0, C = ½).
fn catmull_rom(x: f32) -> f32 {
    let x = x.abs();
    if x < 1.0 {
        1.5 * x * x * x - 2.5 * x * x + 1.0
    } else if x < 2.0 {
        -0.5 * x * x * x + 2.5 * x * x - 4.0 * x + 2.0
    } else {
        0.0
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
    let raw = img.as_raw();
    let mut grid = vec![0f32; (gw * gh) as usize];
    let mut hist = [0u32; 256];
    for gy in 0..gh {
        for gx in 0..gw {
            hist.iter_mut().for_each(|c| *c = 0);
            let mut n = 0u32;
            let (x0, x1) = ((gx * CELL) as usize, ((gx + 1) * CELL).min(w) as usize);
            for y in gy * CELL..((gy + 1) * CELL).min(h) {
                let row = &raw[y as usize * w as usize..][x0..x1];
                for &v in row {
                    hist[v as usize] += 1;
                }
                n += row.len() as u32;
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
    // Bilinear between cell centres, one row at a time: the columns' positions between
    // cells are the same on every row, and each row interpolates the cells' levels
    // vertically once.
    let at = |p: u32, cells: u32| -> (usize, usize, f32) {
        let f = ((p as f32 + 0.5) / CELL as f32 - 0.5).clamp(0.0, (cells - 1) as f32);
        let p0 = f.floor() as usize;
        (p0, (p0 + 1).min(cells as usize - 1), f - p0 as f32)
    };
    let columns: Vec<(usize, usize, f32)> = (0..w).map(|x| at(x, gw)).collect();
    let gwu = gw as usize;
    let mut level = vec![0f32; gwu];
    let mut out = vec![0u8; raw.len()];
    for (y, (src, dst)) in raw
        .chunks_exact(w as usize)
        .zip(out.chunks_exact_mut(w as usize))
        .enumerate()
    {
        let (y0, y1, ty) = at(y as u32, gh);
        for (gx, l) in level.iter_mut().enumerate() {
            *l = smoothed[y0 * gwu + gx] * (1.0 - ty) + smoothed[y1 * gwu + gx] * ty;
        }
        for ((o, &v), &(x0, x1, tx)) in dst.iter_mut().zip(src).zip(&columns) {
            let paper = level[x0] * (1.0 - tx) + level[x1] * tx;
            *o = (f32::from(v) * 255.0 / paper).min(255.0) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| img.clone())
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
    // Each vertical strip's profile on its own: summed over the whole width, the rows
    // of two columns line up at a false angle too (one column's rows a line lower than
    // the other's: a list page turned -3° read as +4.5°). The strips find the angle
    // roughly; the whole width, whose profile is sharper, then refines it nearby.
    let score = |deg: f32, strips: usize| -> f64 {
        let strip_w = (w as f32 / strips as f32).max(1.0);
        let (s, c) = deg.to_radians().sin_cos();
        let mut rows = vec![0u32; (bins + 1) * strips];
        for &(x, y) in &pts {
            // y of the point after rotating the page by -deg, in sample rows.
            let yr = (y * c - x * s) / step as f32 + offset;
            let i = yr.round();
            let strip = ((x / strip_w) as usize).min(strips - 1);
            if i >= 0.0 && (i as usize) <= bins {
                rows[strip * (bins + 1) + i as usize] += 1;
            }
        }
        rows.iter().map(|&r| (r as f64) * (r as f64)).sum()
    };
    let mut best = (0.0f32, score(0.0, SKEW_STRIPS));
    let mut deg = -MAX_SKEW_DEG;
    while deg <= MAX_SKEW_DEG + 1e-3 {
        let s = score(deg, SKEW_STRIPS);
        if s > best.1 {
            best = (deg, s);
        }
        deg += 0.25;
    }
    // Refine around the coarse optimum, over the whole width.
    let coarse = best.0;
    let mut best = (coarse, score(coarse, 1));
    let mut d = coarse - 0.75;
    while d <= coarse + 0.75 + 1e-3 {
        let s = score(d, 1);
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
    let (wu, raw) = (w as usize, img.as_raw());
    let (xmax, ymax) = (w.saturating_sub(1) as f32, h.saturating_sub(1) as f32);
    let mut out = vec![255u8; raw.len()];
    for (y, line) in out.chunks_exact_mut(wu).enumerate() {
        let dy = y as f32 - cy;
        for (x, o) in line.iter_mut().enumerate() {
            // Inverse mapping: where in the source does this output pixel come from.
            let dx = x as f32 - cx;
            let sx = dx * c + dy * s + cx;
            let sy = -dx * s + dy * c + cy;
            if !(0.0..=xmax).contains(&sx) || !(0.0..=ymax).contains(&sy) {
                continue;
            }
            let (x0, y0) = (sx as usize, sy as usize);
            let x1 = (x0 + 1).min(wu - 1);
            let row0 = y0 * wu;
            let row1 = (y0 + 1).min(h as usize - 1) * wu;
            let (tx, ty) = (sx - x0 as f32, sy - y0 as f32);
            let p = |i: usize| f32::from(raw[i]);
            let top = p(row0 + x0) * (1.0 - tx) + p(row0 + x1) * tx;
            let bot = p(row1 + x0) * (1.0 - tx) + p(row1 + x1) * tx;
            *o = (top * (1.0 - ty) + bot * ty + 0.5) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| img.clone())
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
    fn a_crisp_straight_scan_is_only_flattened_and_upscaled() {
        // No background around it, no skew, dark cores: no perspective undone, no
        // rotation, no sharpening; exactly the chain before those existed.
        let page = GrayImage::from_fn(800, 1100, |x, y| {
            let text =
                y % 30 < 6 && x % 50 < 40 && (40..760).contains(&x) && (20..1080).contains(&y);
            Luma([if text { 20 } else { 245 }])
        });
        let p = prepare_page(page.clone());
        let flat = flatten_light(&page);
        assert_eq!(p.scale, 2.0);
        assert_eq!(p.skew_deg, 0.0);
        assert!(p.image == resize(&flat, 1600, 2200), "the page changed");
    }

    #[test]
    fn a_blurred_page_is_sharpened() {
        let page = GrayImage::from_fn(800, 2400, |x, y| {
            let text =
                y % 30 < 3 && x % 50 < 40 && (40..760).contains(&x) && (20..2380).contains(&y);
            Luma([if text { 20 } else { 245 }])
        });
        let soft = image::imageops::blur(&page, 1.5);
        assert!(ink::dark_share(&flatten_light(&soft)) < SOFT_DARK_SHARE);
        let p = prepare_page(soft);
        assert!(
            ink::dark_share(&p.image) > SOFT_DARK_SHARE,
            "{}",
            ink::dark_share(&p.image)
        );
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
    fn a_photographed_list_page_is_measured_at_its_angle_not_where_its_columns_line_up() {
        // Tuning sheets the whole-width profile measured 6-8° off, the wrong way: the
        // rows of the list and of the column beside it line up at a false angle.
        use crate::ocr::sheetgen::families::{specs, Split};
        use crate::ocr::sheetgen::{degrade, Degradation, Generator};
        let g = Generator::new().expect("the tuning fonts are installed");
        for spec in specs(Split::Tuning, 33)
            .into_iter()
            .filter(|s| [100_021, 100_022, 100_032].contains(&s.seed))
        {
            let sheet = g.render(&spec).expect("renders");
            let d = Degradation::random(spec.seed);
            let photo = decode(&degrade(&sheet.image, &d).expect("degrades")).expect("decodes");
            let found = estimate_skew(&flatten_light(&photo));
            assert!(
                (found - d.rotate_deg).abs() < 1.5,
                "{}: turned {}, found {found}",
                spec.label(),
                d.rotate_deg
            );
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

    #[test]
    fn resizing_matches_the_image_crates_catmull_rom_up_and_down() {
        let page = striped_page();
        for (w, h) in [(900, 600), (1500, 1000), (250, 170)] {
            let ours = resize(&page, w, h);
            let theirs =
                image::imageops::resize(&page, w, h, image::imageops::FilterType::CatmullRom);
            assert_eq!(ours.dimensions(), (w, h));
            let worst = ours
                .pixels()
                .zip(theirs.pixels())
                .map(|(a, b)| a[0].abs_diff(b[0]))
                .max();
            assert!(
                worst <= Some(2),
                "{w}x{h}: off by up to {worst:?} grey levels"
            );
        }
    }

    #[test]
    fn resizing_an_empty_image_or_to_nothing_does_not_panic() {
        assert_eq!(resize(&GrayImage::new(0, 0), 4, 3).dimensions(), (4, 3));
        assert_eq!(resize(&striped_page(), 0, 10).dimensions(), (0, 10));
        assert_eq!(resize(&GrayImage::new(1, 1), 7, 7).dimensions(), (7, 7));
    }
}
