//! Finding the sheet in a photo and undoing the perspective.
//!
//! A phone photo shows the sheet as a bright quadrilateral on a darker table, its
//! sides no longer parallel: deskewing turns the page but cannot straighten lines that
//! converge. [`find_page`] finds the four sides on a small copy (each side a line fitted
//! to the paper's edge crossings of many rows or columns), [`rectify`] maps the
//! quadrilateral back to a rectangle with the homography of its corners. A side whose
//! edge is not visible (the sheet fills the frame there) is the frame's border; a
//! page with no visible side at all (a scan, a clean upload) is left as it is.

use image::GrayImage;

/// The small copy's long side, in pixels: enough for sub-pixel sides after the fit.
const SMALL_LONG_SIDE: u32 = 640;
/// How far in from the frame a side is looked for, as a fraction of the frame.
const SEARCH_DEPTH: f32 = 0.25;
/// Paper must be at least this much brighter than the background beside it.
const MIN_CONTRAST: f32 = 1.25;
/// A side is accepted when this share of its rows (columns) crosses onto paper on
/// one straight line.
const MIN_INLIERS: f32 = 0.5;
/// The page's border is moved in by this many pixels so no background stays.
const INSET_PX: f64 = 2.0;

/// A point, in pixel-edge coordinates (the top-left pixel covers `[0, 1)²`).
pub type Point = (f64, f64);

/// The page's corners in `img` (top left, top right, bottom right, bottom left), or
/// `None` when no side of a page is visible against a darker background.
pub fn find_page(img: &GrayImage) -> Option<[Point; 4]> {
    let (w, h) = img.dimensions();
    let k = (w.max(h) / SMALL_LONG_SIDE).max(1);
    let small = shrink(img, k);
    let (sw, sh) = small.dimensions();
    if sw < 32 || sh < 32 {
        return None;
    }
    let at = |x: u32, y: u32| f32::from(small.as_raw()[(y * sw + x) as usize]);
    // Each side as lines "across = a * along + c" in small pixels, from profiles that
    // start at the frame and run inwards.
    let side = |len: u32, depth: u32, value: &dyn Fn(u32, u32) -> f32| -> Option<(f64, f64)> {
        let reach = ((depth as f32 * SEARCH_DEPTH) as u32).max(4);
        let pts: Vec<(f64, f64)> = (0..len)
            .filter_map(|i| crossing(&|d| value(i, d), reach).map(|d| (i as f64 + 0.5, d)))
            .collect();
        fit_line(&pts, len as f64 * MIN_INLIERS as f64)
    };
    let left = side(sh, sw, &|y, d| at(d, y));
    let right = side(sh, sw, &|y, d| at(sw - 1 - d, y));
    let top = side(sw, sh, &|x, d| at(x, d));
    let bottom = side(sw, sh, &|x, d| at(x, sh - 1 - d));
    // One dark band along one border is as likely a scan's header as a table: a
    // photo shows the background beside at least two sides.
    let seen = [left, right, top, bottom]
        .iter()
        .filter(|s| s.is_some())
        .count();
    if seen < 2 {
        return None;
    }
    let (swf, shf) = (sw as f64, sh as f64);
    // Lines in small coordinates: x = a*y + c (left, right), y = a*x + c (top, bottom).
    let left = left.unwrap_or((0.0, 0.0));
    let right = right.map_or((0.0, swf), |(a, c)| (-a, swf - c));
    let top = top.unwrap_or((0.0, 0.0));
    let bottom = bottom.map_or((0.0, shf), |(a, c)| (-a, shf - c));
    let meet = |v: (f64, f64), hz: (f64, f64)| -> Option<Point> {
        // x = av*y + cv, y = ah*x + ch.
        let det = 1.0 - v.0 * hz.0;
        if det.abs() < 1e-6 {
            return None;
        }
        let x = (v.0 * hz.1 + v.1) / det;
        Some((x, hz.0 * x + hz.1))
    };
    let kf = k as f64;
    let full = |p: Point| (p.0 * kf, p.1 * kf);
    let corners = [
        full(meet(left, top)?),
        full(meet(right, top)?),
        full(meet(right, bottom)?),
        full(meet(left, bottom)?),
    ];
    plausible(&corners, w as f64, h as f64).then_some(corners)
}

/// The rectified page's size before rounding and scaling: its longer horizontal
/// and vertical sides, less the inset.
pub fn size(corners: &[Point; 4]) -> (f64, f64) {
    let dist = |a: Point, b: Point| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let [tl, tr, br, bl] = *corners;
    (
        dist(tl, tr).max(dist(bl, br)) - 2.0 * INSET_PX,
        dist(tl, bl).max(dist(tr, br)) - 2.0 * INSET_PX,
    )
}

/// The page inside `corners` mapped to an upright rectangle of [`size`] × `scale`
/// in one Catmull-Rom resampling: bilinear at the photo's size and then upscaled
/// (two interpolations) blurred the print (61/96 tuning photo fields), bilinear
/// straight to the final size read 71, Catmull-Rom straight to it 79 (the module
/// doc of `preprocess`).
pub fn rectify(img: &GrayImage, corners: &[Point; 4], scale: f64) -> GrayImage {
    let (ow, oh) = size(corners);
    let (ow, oh) = ((ow * scale).round().max(1.0), (oh * scale).round().max(1.0));
    let ins = INSET_PX * scale;
    // Output rectangle (inset from the true border) → photo quadrilateral.
    let rect = [
        (-ins, -ins),
        (ow + ins, -ins),
        (ow + ins, oh + ins),
        (-ins, oh + ins),
    ];
    match homography(&rect, corners) {
        Some(m) => warp_cubic(img, &m, ow as u32, oh as u32),
        None => img.clone(),
    }
}

/// A `w` × `h` image whose pixel centres come from `img` through `m` (output →
/// source), Catmull-Rom (16 taps: a perspective is not separable) through
/// [`warp_with`].
fn warp_cubic(img: &GrayImage, m: &[f64; 9], w: u32, h: u32) -> GrayImage {
    let (iw, ih) = img.dimensions();
    let (iwu, raw) = (iw as usize, img.as_raw());
    warp_with(img, m, w, h, |sx, sy| {
        let (x0, y0) = (sx.floor() as isize, sy.floor() as isize);
        let (tx, ty) = ((sx - x0 as f64) as f32, (sy - y0 as f64) as f32);
        let wx = [1.0 + tx, tx, 1.0 - tx, 2.0 - tx].map(super::catmull_rom);
        let wy = [1.0 + ty, ty, 1.0 - ty, 2.0 - ty].map(super::catmull_rom);
        let mut acc = 0f32;
        let inner = x0 >= 1 && y0 >= 1 && x0 + 2 < iw as isize && y0 + 2 < ih as isize;
        for (j, wyj) in wy.iter().enumerate() {
            let yy = (y0 - 1 + j as isize).clamp(0, ih as isize - 1) as usize * iwu;
            let r = if inner {
                let q = &raw[yy + x0 as usize - 1..][..4];
                wx[0] * f32::from(q[0])
                    + wx[1] * f32::from(q[1])
                    + wx[2] * f32::from(q[2])
                    + wx[3] * f32::from(q[3])
            } else {
                let mut r = 0f32;
                for (i, wxi) in wx.iter().enumerate() {
                    let xx = (x0 - 1 + i as isize).clamp(0, iw as isize - 1) as usize;
                    r += wxi * f32::from(raw[yy + xx]);
                }
                r
            };
            acc += wyj * r;
        }
        (acc + 0.5).clamp(0.0, 255.0) as u8
    })
}

/// A `w` × `h` image whose pixel centres come from `img` through `m` (output →
/// source), each pixel `sample`d at its source's pixel-centre coordinates (within the
/// source); white where the source has no pixel. Along a row the homography's three
/// sums grow linearly, so each pixel's source costs three additions.
fn warp_with(
    img: &GrayImage,
    m: &[f64; 9],
    w: u32,
    h: u32,
    sample: impl Fn(f64, f64) -> u8,
) -> GrayImage {
    let (iw, ih) = img.dimensions();
    let (xmax, ymax) = (iw.saturating_sub(1) as f64, ih.saturating_sub(1) as f64);
    let mut out = vec![255u8; w as usize * h as usize];
    for (y, line) in out.chunks_exact_mut(w as usize).enumerate() {
        let yf = y as f64 + 0.5;
        let (mut nx, mut ny, mut z) = (
            m[0] * 0.5 + m[1] * yf + m[2],
            m[3] * 0.5 + m[4] * yf + m[5],
            m[6] * 0.5 + m[7] * yf + m[8],
        );
        for o in line.iter_mut() {
            if z.abs() > 1e-12 {
                // Source pixel-centre coordinates.
                let (sx, sy) = (nx / z - 0.5, ny / z - 0.5);
                if (0.0..=xmax).contains(&sx) && (0.0..=ymax).contains(&sy) {
                    *o = sample(sx, sy);
                }
            }
            nx += m[0];
            ny += m[3];
            z += m[6];
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}

/// The homography taking the four points `from` to `to` (row-major 3×3), or `None`
/// when the points are degenerate.
pub fn homography(from: &[Point; 4], to: &[Point; 4]) -> Option<[f64; 9]> {
    let mut a = [[0f64; 9]; 8];
    for i in 0..4 {
        let ((x, y), (u, v)) = (from[i], to[i]);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gauss-Jordan elimination with partial pivoting on the 8×8 system.
    for col in 0..8 {
        let piv = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        let pivot = a[col];
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot[col];
                for (v, p) in row.iter_mut().zip(pivot).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    let mut m = [0f64; 9];
    for (i, (mi, row)) in m.iter_mut().zip(a).enumerate() {
        *mi = row[8] / row[i];
    }
    m[8] = 1.0;
    Some(m)
}

/// `m` applied to a point.
pub fn apply(m: &[f64; 9], (x, y): Point) -> Point {
    let z = m[6] * x + m[7] * y + m[8];
    (
        (m[0] * x + m[1] * y + m[2]) / z,
        (m[3] * x + m[4] * y + m[5]) / z,
    )
}

/// `warp_cubic`, bilinear: the tests' photographs.
#[cfg(test)]
fn warp(img: &GrayImage, m: &[f64; 9], w: u32, h: u32) -> GrayImage {
    let (iw, ih) = img.dimensions();
    let (iwu, raw) = (iw as usize, img.as_raw());
    warp_with(img, m, w, h, |sx, sy| {
        let (x0, y0) = (sx as usize, sy as usize);
        let x1 = (x0 + 1).min(iwu - 1);
        let (r0, r1) = (y0 * iwu, (y0 + 1).min(ih as usize - 1) * iwu);
        let (tx, ty) = ((sx - x0 as f64) as f32, (sy - y0 as f64) as f32);
        let p = |i: usize| f32::from(raw[i]);
        let top = p(r0 + x0) + (p(r0 + x1) - p(r0 + x0)) * tx;
        let bot = p(r1 + x0) + (p(r1 + x1) - p(r1 + x0)) * tx;
        (top + (bot - top) * ty + 0.5) as u8
    })
}

/// `img` shrunk by the whole factor `k`, each pixel the mean of its `k` × `k` block.
fn shrink(img: &GrayImage, k: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (sw, sh) = (w / k, h / k);
    let raw = img.as_raw();
    let mut sums = vec![0u32; sw as usize];
    let mut out = Vec::with_capacity((sw * sh) as usize);
    for sy in 0..sh {
        sums.fill(0);
        for y in sy * k..(sy + 1) * k {
            let row = &raw[(y * w) as usize..][..(sw * k) as usize];
            for (s, block) in sums.iter_mut().zip(row.chunks_exact(k as usize)) {
                *s += block.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        out.extend(sums.iter().map(|&s| (s / (k * k)) as u8));
    }
    GrayImage::from_raw(sw, sh, out).unwrap_or_else(|| GrayImage::new(0, 0))
}

/// Where a profile that starts on the background (`value(0)`) crosses onto paper, in
/// pixel-edge coordinates of the profile, or `None` when it starts on paper already or
/// meets none within `reach`. Paper is the brightest of the profile's first `reach`
/// pixels; the crossing is where the profile first passes half-way up to it and stays.
fn crossing(value: &dyn Fn(u32) -> f32, reach: u32) -> Option<f64> {
    let bg = (value(0) + value(1)) / 2.0;
    let paper = (2..reach).map(value).fold(0f32, f32::max);
    if paper < bg * MIN_CONTRAST + 8.0 {
        return None;
    }
    // The first place clearly brighter than the background for 3 pixels, then the
    // threshold half-way to the paper right there: half-way to the brightest paper
    // within reach put a side whose paper lies in a shadow at the shadow's edge
    // further in, or lost it (a tuning photo's bottom side; the frame border stood in
    // for it and the rectified rows were sheared: 22/32 fields instead of 32/32).
    let t0 = bg * MIN_CONTRAST + 8.0;
    let d0 = (1..reach.saturating_sub(6)).find(|&d| (d..d + 3).all(|e| value(e) >= t0))?;
    let plateau = (d0..d0 + 6).map(value).fold(0f32, f32::max);
    let t = (bg + plateau) / 2.0;
    let d = (1..d0 + 6).find(|&d| (d..d + 3).all(|e| value(e) >= t))?;
    // Between the centres of pixels d - 1 and d, interpolated.
    let (a, b) = (value(d - 1), value(d));
    let f = if b > a { (t - a) / (b - a) } else { 0.5 };
    Some(d as f64 - 0.5 + f64::from(f.clamp(0.0, 1.0)))
}

/// The line `across = a * along + c` through most of `pts` (`(along, across)`):
/// least squares, then again without the points far from it, twice. `None` unless at
/// least `min_inliers` points lie within a pixel of it.
fn fit_line(pts: &[(f64, f64)], min_inliers: f64) -> Option<(f64, f64)> {
    if (pts.len() as f64) < min_inliers.max(2.0) {
        return None;
    }
    let lsq = |set: &[&(f64, f64)]| -> Option<(f64, f64)> {
        let n = set.len() as f64;
        let (sx, sy) = set.iter().fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1));
        let (mx, my) = (sx / n, sy / n);
        let (sxx, sxy) = set.iter().fold((0.0, 0.0), |(a, b), p| {
            (a + (p.0 - mx).powi(2), b + (p.0 - mx) * (p.1 - my))
        });
        (sxx > 1e-9).then(|| {
            let a = sxy / sxx;
            (a, my - a * mx)
        })
    };
    // A robust start: through the medians of the two halves' crossings, so a run of
    // outliers (a dark header touching the border) cannot drag the first fit.
    let median = |half: &[(f64, f64)]| -> Point {
        let mut along: Vec<f64> = half.iter().map(|p| p.0).collect();
        let mut across: Vec<f64> = half.iter().map(|p| p.1).collect();
        along.sort_by(f64::total_cmp);
        across.sort_by(f64::total_cmp);
        (along[along.len() / 2], across[across.len() / 2])
    };
    let (a, b) = pts.split_at(pts.len() / 2);
    let (p, q) = (median(a), median(b));
    let slope = if q.0 - p.0 > 1.0 {
        (q.1 - p.1) / (q.0 - p.0)
    } else {
        0.0
    };
    let mut line = (slope, p.1 - slope * p.0);
    for tol in [6.0, 2.0, 1.0] {
        let near: Vec<&(f64, f64)> = pts
            .iter()
            .filter(|p| (p.1 - (line.0 * p.0 + line.1)).abs() <= tol)
            .collect();
        if (near.len() as f64) < min_inliers.max(2.0) {
            return None;
        }
        line = lsq(&near)?;
    }
    (line.0.abs() < 0.3).then_some(line)
}

/// Corners that make a convex page covering at least a third of a `w` × `h` frame
/// and lying near it.
fn plausible(c: &[Point; 4], w: f64, h: f64) -> bool {
    let inside = c
        .iter()
        .all(|p| (-0.05 * w..=1.05 * w).contains(&p.0) && (-0.05 * h..=1.05 * h).contains(&p.1));
    let cross =
        |o: Point, a: Point, b: Point| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let convex = (0..4).all(|i| cross(c[i], c[(i + 1) % 4], c[(i + 2) % 4]) > 0.0);
    let area = 0.5
        * (0..4)
            .map(|i| c[i].0 * c[(i + 1) % 4].1 - c[(i + 1) % 4].0 * c[i].1)
            .sum::<f64>();
    inside && convex && area >= w * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A sheet: paper 248, margins, dark "text lines" broken into words.
    fn sheet() -> GrayImage {
        GrayImage::from_fn(620, 900, |x, y| {
            let text = (60..560).contains(&x) && (50..850).contains(&y);
            if text && y % 28 < 7 && x % 47 < 38 {
                Luma([25])
            } else {
                Luma([248])
            }
        })
    }

    /// `page` photographed: its corners at `corners` in a frame of the same size on a
    /// background of `bg`, with the light falling to one side.
    fn photo(page: &GrayImage, corners: &[Point; 4], bg: u8) -> GrayImage {
        let (w, h) = (page.width() as f64, page.height() as f64);
        let rect = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
        let m = homography(corners, &rect).expect("not degenerate");
        let inside = warp(page, &m, page.width(), page.height());
        // `warp` leaves white where the page is not: paint the background there.
        let mut out = GrayImage::new(page.width(), page.height());
        for (x, y, p) in out.enumerate_pixels_mut() {
            let (sx, sy) = apply(&m, (x as f64 + 0.5, y as f64 + 0.5));
            let on_page = (0.0..w).contains(&sx) && (0.0..h).contains(&sy);
            let v = if on_page {
                f32::from(inside.get_pixel(x, y)[0])
            } else {
                f32::from(bg)
            };
            *p = Luma([(v * (1.0 - 0.3 * x as f32 / w as f32)) as u8]);
        }
        out
    }

    #[test]
    fn a_homography_maps_its_four_points() {
        let from = [(10.0, 20.0), (300.0, 5.0), (320.0, 400.0), (0.0, 380.0)];
        let to = [(0.0, 0.0), (310.0, 0.0), (310.0, 410.0), (0.0, 410.0)];
        let m = homography(&from, &to).expect("not degenerate");
        for (f, t) in from.iter().zip(to) {
            let (u, v) = apply(&m, *f);
            assert!((u - t.0).abs() < 1e-6 && (v - t.1).abs() < 1e-6);
        }
    }

    #[test]
    fn a_page_in_perspective_is_found_within_a_pixel() {
        let page = sheet();
        for (corners, bg) in [
            (
                [(30.0, 20.0), (600.0, 45.0), (585.0, 870.0), (12.0, 860.0)],
                110,
            ),
            (
                [(5.0, 40.0), (610.0, 10.0), (600.0, 890.0), (35.0, 850.0)],
                140,
            ),
            (
                [(0.5, 0.5), (590.0, 25.0), (619.5, 899.5), (20.0, 880.0)],
                90,
            ),
        ] {
            let found = find_page(&photo(&page, &corners, bg));
            let found = found.expect("a page is seen");
            for (f, c) in found.iter().zip(corners) {
                let err = ((f.0 - c.0).powi(2) + (f.1 - c.1).powi(2)).sqrt();
                assert!(err <= 1.0, "corner {c:?} found at {f:?}");
            }
        }
    }

    #[test]
    fn a_side_in_a_shadow_is_found_at_the_paper_edge_not_the_shadow_edge() {
        // The bottom fifth of the frame, table and paper alike, in a shadow (half the
        // light) whose edge runs across the page: the bottom side is still the page's.
        let page = sheet();
        let corners = [(30.0, 20.0), (600.0, 45.0), (585.0, 840.0), (12.0, 870.0)];
        let mut shot = photo(&page, &corners, 110);
        let h = f32::from(u16::try_from(shot.height()).expect("small"));
        for (_, y, p) in shot.enumerate_pixels_mut() {
            let t = ((y as f32 - 0.8 * h) / 20.0).clamp(0.0, 1.0);
            p[0] = (f32::from(p[0]) * (1.0 - 0.5 * t)) as u8;
        }
        let found = find_page(&shot).expect("a page is seen");
        for (f, c) in found.iter().zip(corners) {
            let err = ((f.0 - c.0).powi(2) + (f.1 - c.1).powi(2)).sqrt();
            assert!(err <= 1.5, "corner {c:?} found at {f:?}");
        }
    }

    #[test]
    fn the_rectified_page_matches_the_sheet() {
        let page = sheet();
        let corners = [(30.0, 20.0), (600.0, 45.0), (585.0, 870.0), (12.0, 860.0)];
        let shot = photo(&page, &corners, 120);
        let found = find_page(&shot).expect("a page is seen");
        let flat = rectify(&shot, &found, 1.0);
        // The rectified page is the sheet scaled to the quadrilateral's size, less
        // the inset: every sample of the text area is ink exactly where the sheet is.
        let (sx, sy) = (
            f64::from(page.width()) / (f64::from(flat.width()) + 2.0 * INSET_PX),
            f64::from(page.height()) / (f64::from(flat.height()) + 2.0 * INSET_PX),
        );
        let mut wrong = 0;
        for y in (60..800).step_by(3) {
            for x in (70..520).step_by(3) {
                let (px, py) = (
                    (x as f64 + 0.5 + INSET_PX) * sx,
                    (y as f64 + 0.5 + INSET_PX) * sy,
                );
                let a = page.get_pixel(px as u32, py as u32)[0];
                let b = flat.get_pixel(x, y)[0];
                if (a < 128) != (b < 128) {
                    wrong += 1;
                }
            }
        }
        assert!(wrong < 600, "{wrong} of ~37k samples differ in ink");
    }

    #[test]
    fn a_page_without_a_background_is_not_found() {
        assert!(find_page(&sheet()).is_none());
        // A dark bar at the top edge of a scan is not a page border.
        let mut page = sheet();
        for y in 0..40 {
            for x in 0..300 {
                page.put_pixel(x, y, Luma([30]));
            }
        }
        assert!(find_page(&page).is_none());
        assert!(find_page(&GrayImage::from_pixel(400, 400, Luma([120]))).is_none());
        assert!(find_page(&GrayImage::new(10, 10)).is_none());
    }
}
