//! One detected line cut out of the page as an upright image for the recogniser, and
//! the way back: which image pixels a run of the crop's columns covers (word boxes).
//!
//! The crop is PaddleOCR's `get_rotate_crop_image`: the quad warped (projectively) to
//! a `w`×`h` rectangle, `w` the longer of its top and bottom edges and `h` the longer
//! of its sides, sampled bicubically with the border replicated; a crop at least 1.5
//! times as high as it is wide is turned a quarter counterclockwise (vertical text
//! read as a line). A crop is never taller than [`MAX_CROP_HEIGHT`] pixels: a taller
//! one is sampled smaller, as the recogniser shrinks it to 48 pixels anyway.

use super::geom::{self, Point, SquareToQuad};

/// The tallest crop sampled, in pixels (a guard against a page-sized box; text this
/// tall is shrunk to the recogniser's 48 pixels in any case).
pub const MAX_CROP_HEIGHT: usize = 512;

/// An upright line image, RGB row-major, and how it maps back onto the page.
#[derive(Debug, Clone, PartialEq)]
pub struct LineCrop {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
    warp: SquareToQuad,
    /// Turned a quarter counterclockwise: the crop's columns run down the quad.
    rotated: bool,
}

impl LineCrop {
    /// Cuts `quad` (clockwise from top left, page pixels) out of an RGB page.
    /// `None` when the quad is less than a pixel across or the page is empty.
    pub fn new(rgb: &[u8], width: u32, height: u32, quad: &[Point; 4]) -> Option<LineCrop> {
        let (w, h) = (width as usize, height as usize);
        if w == 0 || h == 0 || rgb.len() < w * h * 3 {
            return None;
        }
        if quad.iter().flatten().any(|v| !v.is_finite()) {
            return None;
        }
        let across = geom::dist(quad[0], quad[1]).max(geom::dist(quad[2], quad[3]));
        let down = geom::dist(quad[0], quad[3]).max(geom::dist(quad[1], quad[2]));
        // The longest side a page within the pixel limit can have is its diagonal.
        let diagonal = (w as f64).hypot(h as f64);
        let (mut cw, mut ch) = (across.min(diagonal) as usize, down.min(diagonal) as usize);
        if cw == 0 || ch == 0 {
            return None;
        }
        let rotated = ch as f64 / cw as f64 >= 1.5;
        // The crop's height as the recogniser sees it (after the turn) stays bounded.
        let upright_h = if rotated { cw } else { ch };
        if upright_h > MAX_CROP_HEIGHT {
            let k = MAX_CROP_HEIGHT as f64 / upright_h as f64;
            cw = ((cw as f64 * k) as usize).max(1);
            ch = ((ch as f64 * k) as usize).max(1);
        }
        let warp = SquareToQuad::new(quad);
        let (out_w, out_h) = if rotated { (ch, cw) } else { (cw, ch) };
        let mut out = vec![0u8; out_w * out_h * 3];
        for row in 0..out_h {
            for col in 0..out_w {
                // rot90 (counterclockwise): out[row][col] = upright[col][cw - 1 - row].
                let (x, y) = if rotated {
                    (cw - 1 - row, col)
                } else {
                    (col, row)
                };
                let p = warp.map(x as f64 / cw as f64, y as f64 / ch as f64);
                let px = sample(rgb, w, h, p);
                let o = (row * out_w + col) * 3;
                out[o..o + 3].copy_from_slice(&px);
            }
        }
        Some(LineCrop {
            width: out_w,
            height: out_h,
            rgb: out,
            warp,
            rotated,
        })
    }

    /// The page box `[x, y, w, h]` of the crop's columns `x0..x1` (crop pixels, full
    /// height): the axis-aligned box of that part of the quad.
    pub fn span_bbox(&self, x0: f64, x1: f64) -> [f32; 4] {
        let along = self.width.max(1) as f64;
        let (a, b) = ((x0 / along).clamp(0.0, 1.0), (x1 / along).clamp(0.0, 1.0));
        let corners = if self.rotated {
            // Columns run down the quad (t), rows across it (s).
            [
                self.warp.map(0.0, a),
                self.warp.map(1.0, a),
                self.warp.map(1.0, b),
                self.warp.map(0.0, b),
            ]
        } else {
            [
                self.warp.map(a, 0.0),
                self.warp.map(b, 0.0),
                self.warp.map(b, 1.0),
                self.warp.map(a, 1.0),
            ]
        };
        let (mut lx, mut ly, mut hx, mut hy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for [x, y] in corners {
            lx = lx.min(x);
            ly = ly.min(y);
            hx = hx.max(x);
            hy = hy.max(y);
        }
        [lx as f32, ly as f32, (hx - lx) as f32, (hy - ly) as f32]
    }
}

/// `quad` with a chart's bar cut off its ends: the columns of a solid dark band that
/// runs into the box from outside it (a bar of the muscle-fat chart ends where its
/// figure begins, and the detector's box takes in the bar's end, which the recogniser
/// reads as a `1`: `159.2` for `59.2`). `None` when no bar touches either end, or
/// nothing would be left.
///
/// A bar is told from print by its length: at least [`BAR_MIN_LENGTH`] line heights
/// of consecutive columns, each with a dark vertical run of at least [`BAR_MIN_RUN`]
/// of the line's height, reaching at least [`BAR_OUTSIDE`] line heights outside
/// the box. No glyph's stroke is that long and solid; a rule under a line is too thin.
pub fn trim_bars(rgb: &[u8], width: u32, height: u32, quad: &[Point; 4]) -> Option<[Point; 4]> {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgb.len() < w * h * 3 || quad.iter().flatten().any(|v| !v.is_finite()) {
        return None;
    }
    let across = geom::dist(quad[0], quad[1]).max(geom::dist(quad[2], quad[3]));
    let down = geom::dist(quad[0], quad[3]).max(geom::dist(quad[1], quad[2]));
    // Lines only (a turned crop is vertical text), and not absurdly large boxes.
    if across < 2.0 || down < 4.0 || down > across || down > MAX_CROP_HEIGHT as f64 {
        return None;
    }
    let rows = down.round() as usize;
    let ext = (BAR_MIN_LENGTH + BAR_OUTSIDE) * down;
    let start = -ext / across;
    let cols = (across + 2.0 * ext).round() as usize;
    let warp = SquareToQuad::new(quad);
    let s_of = |i: usize| start + (i as f64 + 0.5) / across;
    let grey = |p: Point| -> Option<u8> {
        let (x, y) = (p[0].round(), p[1].round());
        if x < 0.0 || y < 0.0 || x >= w as f64 || y >= h as f64 {
            return None;
        }
        let o = (y as usize * w + x as usize) * 3;
        Some(((u16::from(rgb[o]) + u16::from(rgb[o + 1]) + u16::from(rgb[o + 2])) / 3) as u8)
    };
    let mut samples = vec![None; cols * rows];
    let (mut lo, mut hi) = (u8::MAX, u8::MIN);
    for i in 0..cols {
        for j in 0..rows {
            let v = grey(warp.map(s_of(i), (j as f64 + 0.5) / rows as f64));
            if let Some(v) = v {
                lo = lo.min(v);
                hi = hi.max(v);
            }
            samples[i * rows + j] = v;
        }
    }
    // Too little contrast to tell ink from paper.
    if hi.saturating_sub(lo) < 60 {
        return None;
    }
    let dark = ((u16::from(lo) + u16::from(hi)) / 2) as u8;
    let min_run = (BAR_MIN_RUN * rows as f64).ceil() as usize;
    let solid: Vec<bool> = (0..cols)
        .map(|i| {
            let (mut run, mut best) = (0, 0);
            for v in &samples[i * rows..(i + 1) * rows] {
                run = if v.is_some_and(|v| v < dark) {
                    run + 1
                } else {
                    0
                };
                best = best.max(run);
            }
            best >= min_run
        })
        .collect();
    let inside0 = ((ext).round() as usize).min(cols);
    let inside1 = ((ext + across).round() as usize).min(cols);
    let long = (BAR_MIN_LENGTH * down).ceil() as usize;
    let outside = (BAR_OUTSIDE * down).ceil() as usize;
    // The run of solid columns holding column `i`, as [a, b).
    let run_at = |i: usize| -> (usize, usize) {
        let mut a = i;
        while a > 0 && solid[a - 1] {
            a -= 1;
        }
        let mut b = i;
        while b < cols && solid[b] {
            b += 1;
        }
        (a, b)
    };
    let (mut left, mut right) = (inside0, inside1);
    // A bar entering from the left: solid at the box's left edge (or within a column).
    if let Some(i) = (inside0.saturating_sub(1)..(inside0 + 2).min(cols)).find(|&i| solid[i]) {
        let (a, b) = run_at(i);
        if b - a >= long && inside0.saturating_sub(a) >= outside && b < inside1 {
            left = b;
        }
    }
    if let Some(i) = (inside1.saturating_sub(2)..(inside1 + 1).min(cols))
        .rev()
        .find(|&i| solid[i])
    {
        let (a, b) = run_at(i);
        if b - a >= long && b.saturating_sub(inside1) >= outside && a > left {
            right = a;
        }
    }
    if left == inside0 && right == inside1 {
        return None;
    }
    // Nothing but the bar would be left.
    if right <= left + rows / 2 {
        return None;
    }
    let (s0, s1) = (s_of(left) - 0.5 / across, s_of(right) - 0.5 / across);
    Some([
        warp.map(s0, 0.0),
        warp.map(s1, 0.0),
        warp.map(s1, 1.0),
        warp.map(s0, 1.0),
    ])
}

/// See [`trim_bars`]: a bar is this many line heights long at least,
const BAR_MIN_LENGTH: f64 = 1.5;
/// reaches this many outside the box at least,
const BAR_OUTSIDE: f64 = 0.5;
/// and is this share of the line's height thick at least.
const BAR_MIN_RUN: f64 = 0.2;

/// The bicubic sample of an RGB page at `p` (OpenCV's `INTER_CUBIC`, a = −0.75, what
/// PaddleOCR crops with), the border replicated.
fn sample(rgb: &[u8], w: usize, h: usize, p: Point) -> [u8; 3] {
    let x = p[0].clamp(-1.0, w as f64);
    let y = p[1].clamp(-1.0, h as f64);
    let (xf, yf) = (x.floor(), y.floor());
    let (wx, wy) = (cubic_weights(x - xf), cubic_weights(y - yf));
    let clamp = |v: f64, n: usize| v.clamp(0.0, (n - 1) as f64) as usize;
    let cols = [-1.0, 0.0, 1.0, 2.0].map(|d| clamp(xf + d, w));
    let rows = [-1.0, 0.0, 1.0, 2.0].map(|d| clamp(yf + d, h));
    let mut acc = [0.0f64; 3];
    for (ry, &row) in rows.iter().enumerate() {
        let line = &rgb[row * w * 3..(row + 1) * w * 3];
        for (cx, &col) in cols.iter().enumerate() {
            let k = wy[ry] * wx[cx];
            for (c, a) in acc.iter_mut().enumerate() {
                *a += k * f64::from(line[col * 3 + c]);
            }
        }
    }
    acc.map(|v| v.round().clamp(0.0, 255.0) as u8)
}

/// The four cubic-convolution weights for a sample `f` (0..1) past the second tap.
fn cubic_weights(f: f64) -> [f64; 4] {
    const A: f64 = -0.75;
    let w0 = ((A * (f + 1.0) - 5.0 * A) * (f + 1.0) + 8.0 * A) * (f + 1.0) - 4.0 * A;
    let w1 = ((A + 2.0) * f - (A + 3.0)) * f * f + 1.0;
    let g = 1.0 - f;
    let w2 = ((A + 2.0) * g - (A + 3.0)) * g * g + 1.0;
    [w0, w1, w2, 1.0 - w0 - w1 - w2]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page whose red channel is x, green y, blue 7.
    fn gradient(w: usize, h: usize) -> Vec<u8> {
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(&[x as u8, y as u8, 7]);
            }
        }
        rgb
    }

    #[test]
    fn an_axis_aligned_quad_crops_its_pixels() {
        let rgb = gradient(100, 60);
        let quad = [[10.0, 20.0], [50.0, 20.0], [50.0, 30.0], [10.0, 30.0]];
        let c = LineCrop::new(&rgb, 100, 60, &quad).unwrap();
        assert_eq!((c.width, c.height), (40, 10));
        assert_eq!(&c.rgb[0..3], &[10, 20, 7]);
        let last = (9 * 40 + 39) * 3;
        assert_eq!(&c.rgb[last..last + 3], &[49, 29, 7]);
        let bbox = c.span_bbox(0.0, 20.0);
        assert_eq!(bbox, [10.0, 20.0, 20.0, 10.0]);
    }

    #[test]
    fn a_rotated_quad_comes_out_upright() {
        // A line tilted by ~5.7 degrees: its crop's rows follow the line, so the
        // crop's top row has the y of the quad's top edge at each end.
        let rgb = gradient(200, 100);
        let quad = [[20.0, 20.0], [120.0, 30.0], [119.0, 40.0], [19.0, 30.0]];
        let c = LineCrop::new(&rgb, 200, 100, &quad).unwrap();
        assert_eq!((c.width, c.height), (100, 10));
        let px = |x: usize, y: usize| &c.rgb[(y * c.width + x) * 3..(y * c.width + x) * 3 + 3];
        assert_eq!(px(0, 0)[1], 20);
        assert!((i32::from(px(99, 0)[1]) - 30).abs() <= 1, "{:?}", px(99, 0));
        assert!((i32::from(px(99, 0)[0]) - 119).abs() <= 1);
        // The right half of the crop is the right half of the line on the page.
        let b = c.span_bbox(50.0, 100.0);
        assert!(
            (b[0] - 69.5).abs() < 1.0 && (b[0] + b[2] - 120.0).abs() < 1.0,
            "{b:?}"
        );
    }

    #[test]
    fn a_tall_quad_is_turned_to_read_as_a_line() {
        let rgb = gradient(100, 100);
        let quad = [[10.0, 10.0], [20.0, 10.0], [20.0, 70.0], [10.0, 70.0]];
        let c = LineCrop::new(&rgb, 100, 100, &quad).unwrap();
        assert_eq!((c.width, c.height), (60, 10));
        // Turned counterclockwise: the crop's columns run down the quad and its top
        // row is the quad's right edge.
        assert_eq!(&c.rgb[0..2], &[19, 10]);
        let b = c.span_bbox(0.0, 30.0);
        assert_eq!(b, [10.0, 10.0, 10.0, 30.0]);
    }

    /// A white page with a black bar from x 20 to 200 (rows 52..60) and a glyph-like
    /// stroke at x 230..234 (rows 45..65), as RGB.
    fn bar_page() -> (Vec<u8>, u32, u32) {
        let (w, h) = (300u32, 100u32);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        let mut ink = |x0: u32, x1: u32, y0: u32, y1: u32| {
            for y in y0..y1 {
                for x in x0..x1 {
                    let o = ((y * w + x) * 3) as usize;
                    rgb[o..o + 3].copy_from_slice(&[30, 30, 30]);
                }
            }
        };
        ink(20, 200, 52, 60);
        ink(230, 234, 45, 65);
        ink(250, 254, 45, 65);
        (rgb, w, h)
    }

    #[test]
    fn a_bar_running_into_a_box_is_cut_off() {
        let (rgb, w, h) = bar_page();
        // The box takes in the bar's last 6 pixels, then the figure.
        let quad = [[194.0, 40.0], [270.0, 40.0], [270.0, 70.0], [194.0, 70.0]];
        let t = trim_bars(&rgb, w, h, &quad).expect("the bar's end is cut off");
        assert!((t[0][0] - 200.0).abs() <= 1.0, "{t:?}");
        assert!((t[1][0] - 270.0).abs() < 1e-6, "{t:?}");
    }

    #[test]
    fn print_alone_or_a_bar_wholly_outside_is_left_as_it_is() {
        let (rgb, w, h) = bar_page();
        // Strokes only: no bar.
        let quad = [[220.0, 40.0], [270.0, 40.0], [270.0, 70.0], [220.0, 70.0]];
        assert_eq!(trim_bars(&rgb, w, h, &quad), None);
        // A box inside the bar (the bar is all there is): nothing would be left.
        let quad = [[60.0, 40.0], [150.0, 40.0], [150.0, 70.0], [60.0, 70.0]];
        assert_eq!(trim_bars(&rgb, w, h, &quad), None);
        // A blank page, a degenerate quad.
        let blank = vec![255u8; (w * h * 3) as usize];
        let quad = [[194.0, 40.0], [270.0, 40.0], [270.0, 70.0], [194.0, 70.0]];
        assert_eq!(trim_bars(&blank, w, h, &quad), None);
        assert_eq!(trim_bars(&rgb, w, h, &[[5.0, 5.0]; 4]), None);
    }

    #[test]
    fn degenerate_quads_and_pages_give_no_crop() {
        let rgb = gradient(10, 10);
        assert!(LineCrop::new(&rgb, 10, 10, &[[1.0, 1.0]; 4]).is_none());
        assert!(LineCrop::new(
            &rgb,
            0,
            0,
            &[[0.0, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0]]
        )
        .is_none());
        let nan = [[f64::NAN, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0]];
        assert!(LineCrop::new(&rgb, 10, 10, &nan).is_none());
    }

    #[test]
    fn a_huge_quad_is_sampled_at_a_bounded_size() {
        let rgb = gradient(50, 50);
        let quad = [[0.0, 0.0], [1e9, 0.0], [1e9, 1e9], [0.0, 1e9]];
        let c = LineCrop::new(&rgb, 50, 50, &quad).unwrap();
        assert!(c.width <= 71 && c.height <= 71);
        let tall = [[0.0, 0.0], [49.0, 0.0], [49.0, 49.0], [0.0, 49.0]];
        let big = gradient(2000, 2000);
        let q = tall.map(|p| p.map(|v| v * 40.0));
        let c = LineCrop::new(&big, 2000, 2000, &q).unwrap();
        assert_eq!(c.height, MAX_CROP_HEIGHT);
    }
}
