//! Plane geometry the detector's post-processing and the line crop need: convex hull,
//! minimum-area rotated rectangle, the mean of a score map inside a quad, and the
//! projective map from the unit square onto a quad (and back to image coordinates).
//!
//! Points are `[x, y]` in pixels, `f64`, origin top left, y down. Nothing here
//! panics: degenerate input (no points, collinear points, NaN) gives `None` or an
//! empty answer.

/// A point `[x, y]`.
pub type Point = [f64; 2];

/// The convex hull of `points`, its corners in order around it, without repeated or
/// collinear points. Non-finite points are ignored.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    let mut pts: Vec<Point> = points
        .iter()
        .copied()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect();
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    fn cross(o: Point, a: Point, b: Point) -> f64 {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    }
    // Andrew's monotone chain: the lower hull left to right, then the upper hull
    // right to left, each dropping points that do not turn the same way.
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() + 1);
    for &p in &pts {
        while hull.len() >= 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
            hull.pop();
        }
        hull.push(p);
    }
    let lower = hull.len() + 1;
    for &p in pts.iter().rev().skip(1) {
        while hull.len() >= lower && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
            hull.pop();
        }
        hull.push(p);
    }
    hull.pop();
    hull
}

/// A rotated rectangle: orthonormal axes `u`, `v` and the extents of the rectangle
/// along them (`u0..u1`, `v0..v1`, as dot products with the axes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotRect {
    pub u: Point,
    pub v: Point,
    pub u0: f64,
    pub u1: f64,
    pub v0: f64,
    pub v1: f64,
}

impl RotRect {
    pub fn width(&self) -> f64 {
        self.u1 - self.u0
    }

    pub fn height(&self) -> f64 {
        self.v1 - self.v0
    }

    /// The shorter side (what DB post-processing calls `sside`).
    pub fn short_side(&self) -> f64 {
        self.width().min(self.height())
    }

    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }

    pub fn perimeter(&self) -> f64 {
        2.0 * (self.width() + self.height())
    }

    /// The same rectangle grown by `d` on every side. Offsetting a rectangle's outline
    /// by `d` with round joins (what PaddleOCR's `unclip` does with pyclipper) and then
    /// taking the minimum-area rectangle of the result gives exactly this.
    pub fn expanded(&self, d: f64) -> RotRect {
        RotRect {
            u0: self.u0 - d,
            u1: self.u1 + d,
            v0: self.v0 - d,
            v1: self.v1 + d,
            ..*self
        }
    }

    /// The four corners, in no particular order (see [`order_box`]).
    pub fn corners(&self) -> [Point; 4] {
        let at = |a: f64, b: f64| [a * self.u[0] + b * self.v[0], a * self.u[1] + b * self.v[1]];
        [
            at(self.u0, self.v0),
            at(self.u1, self.v0),
            at(self.u1, self.v1),
            at(self.u0, self.v1),
        ]
    }
}

/// The minimum-area rectangle holding `points` (rotating calipers over the hull's
/// edges). One point gives a 0×0 rectangle, collinear points a rectangle of height 0;
/// no finite point gives `None`.
pub fn min_area_rect(points: &[Point]) -> Option<RotRect> {
    min_area_rect_padded(points, 0.0)
}

/// The minimum-area rectangle holding the points grown by `pad` in every direction
/// (the convex polygon offset by `pad` with round joins): over the hull's edge
/// directions, the one whose rectangle grown by `pad` on each side is smallest.
pub fn min_area_rect_padded(points: &[Point], pad: f64) -> Option<RotRect> {
    let pad = if pad.is_finite() { pad.max(0.0) } else { 0.0 };
    let hull = convex_hull(points);
    let first = *hull.first()?;
    let axis_rect = |u: Point| {
        let v = [-u[1], u[0]];
        let (mut u0, mut u1, mut v0, mut v1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in &hull {
            let a = p[0] * u[0] + p[1] * u[1];
            let b = p[0] * v[0] + p[1] * v[1];
            u0 = u0.min(a);
            u1 = u1.max(a);
            v0 = v0.min(b);
            v1 = v1.max(b);
        }
        RotRect {
            u,
            v,
            u0,
            u1,
            v0,
            v1,
        }
    };
    if hull.len() == 1 {
        let r = RotRect {
            u: [1.0, 0.0],
            v: [0.0, 1.0],
            u0: first[0],
            u1: first[0],
            v0: first[1],
            v1: first[1],
        };
        return Some(r.expanded(pad));
    }
    let mut best: Option<RotRect> = None;
    for i in 0..hull.len() {
        let (a, b) = (hull[i], hull[(i + 1) % hull.len()]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = dx.hypot(dy);
        if len <= f64::EPSILON {
            continue;
        }
        let r = axis_rect([dx / len, dy / len]).expanded(pad);
        if best.is_none_or(|b| r.area() < b.area()) {
            best = Some(r);
        }
    }
    best
}

/// The corners of a detected box in PaddleOCR's order (`get_mini_boxes`): sorted by
/// x, the left pair gives top left and bottom left, the right pair top right and
/// bottom right, each pair split by y. Returns `[tl, tr, br, bl]`.
pub fn order_box(corners: [Point; 4]) -> [Point; 4] {
    let mut p = corners;
    p.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let (tl, bl) = if p[1][1] > p[0][1] {
        (p[0], p[1])
    } else {
        (p[1], p[0])
    };
    let (tr, br) = if p[3][1] > p[2][1] {
        (p[2], p[3])
    } else {
        (p[3], p[2])
    };
    [tl, tr, br, bl]
}

/// The corners clockwise on screen from top left (PaddleOCR's
/// `order_points_clockwise`): top left has the smallest x+y, bottom right the largest,
/// of the other two the one with the smaller y−x is top right.
pub fn order_clockwise(corners: [Point; 4]) -> [Point; 4] {
    let sum = |p: &Point| p[0] + p[1];
    let mut idx = [0usize, 1, 2, 3];
    idx.sort_by(|&a, &b| sum(&corners[a]).total_cmp(&sum(&corners[b])));
    let (tl, br) = (corners[idx[0]], corners[idx[3]]);
    let (m1, m2) = (corners[idx[1]], corners[idx[2]]);
    let diff = |p: &Point| p[1] - p[0];
    let (tr, bl) = if diff(&m1) <= diff(&m2) {
        (m1, m2)
    } else {
        (m2, m1)
    };
    [tl, tr, br, bl]
}

/// The mean of `map` (row-major, `width`×`height`) over the pixels inside the convex
/// polygon `poly` (pixel centres at integer coordinates, edges included), clipped to
/// the map: PaddleOCR's `box_score_fast`. 0 when no pixel is inside.
pub fn mean_inside(map: &[f32], width: usize, height: usize, poly: &[Point]) -> f64 {
    if width == 0 || height == 0 || map.len() < width * height || poly.len() < 3 {
        return 0.0;
    }
    let finite = poly.iter().all(|p| p[0].is_finite() && p[1].is_finite());
    if !finite {
        return 0.0;
    }
    let (min_y, max_y) = poly.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p[1]), hi.max(p[1]))
    });
    let y_lo = min_y.floor().clamp(0.0, (height - 1) as f64) as usize;
    let y_hi = max_y.ceil().clamp(0.0, (height - 1) as f64) as usize;
    let (mut sum, mut n) = (0.0f64, 0usize);
    for y in y_lo..=y_hi {
        let Some((xl, xr)) = row_span(poly, y as f64) else {
            continue;
        };
        let x_lo = xl.round().max(0.0);
        let x_hi = xr.round().min((width - 1) as f64);
        if x_hi < x_lo {
            continue;
        }
        let row = &map[y * width..(y + 1) * width];
        for &s in &row[x_lo as usize..=x_hi as usize] {
            sum += f64::from(s);
            n += 1;
        }
    }
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Where the horizontal line at `y` crosses a convex polygon: `(x_left, x_right)`.
fn row_span(poly: &[Point], y: f64) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let (y0, y1) = (a[1].min(b[1]), a[1].max(b[1]));
        if y < y0 || y > y1 {
            continue;
        }
        if (b[1] - a[1]).abs() <= f64::EPSILON {
            lo = lo.min(a[0].min(b[0]));
            hi = hi.max(a[0].max(b[0]));
        } else {
            let x = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// The projective map of the unit square onto a quad: `(0,0)`, `(1,0)`, `(1,1)`,
/// `(0,1)` go to the quad's corners 0, 1, 2, 3 (Heckbert's closed form, no linear
/// solve). A crop samples the image through it; word boxes go back through it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SquareToQuad {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
    g: f64,
    h: f64,
}

impl SquareToQuad {
    pub fn new(q: &[Point; 4]) -> SquareToQuad {
        let [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = *q;
        let sx = x0 - x1 + x2 - x3;
        let sy = y0 - y1 + y2 - y3;
        let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
        let den = dx1 * dy2 - dx2 * dy1;
        let scale = 1.0 + x0.abs().max(x1.abs()).max(x2.abs()).max(x3.abs());
        // A parallelogram (or a quad too flat to invert): the affine map through
        // corners 0, 1 and 3.
        if (sx.abs() + sy.abs()) <= 1e-9 * scale || den.abs() <= 1e-12 * scale * scale {
            return SquareToQuad {
                a: x1 - x0,
                b: x3 - x0,
                c: x0,
                d: y1 - y0,
                e: y3 - y0,
                f: y0,
                g: 0.0,
                h: 0.0,
            };
        }
        let g = (sx * dy2 - dx2 * sy) / den;
        let h = (dx1 * sy - sx * dy1) / den;
        SquareToQuad {
            a: x1 - x0 + g * x1,
            b: x3 - x0 + h * x3,
            c: x0,
            d: y1 - y0 + g * y1,
            e: y3 - y0 + h * y3,
            f: y0,
            g,
            h,
        }
    }

    /// The image point of `(s, t)` in the unit square.
    pub fn map(&self, s: f64, t: f64) -> Point {
        let w = self.g * s + self.h * t + 1.0;
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        [
            (self.a * s + self.b * t + self.c) / w,
            (self.d * s + self.e * t + self.f) / w,
        ]
    }
}

/// The distance between two points.
pub fn dist(a: Point, b: Point) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point) -> bool {
        dist(a, b) < 1e-6
    }

    #[test]
    fn the_hull_of_a_square_with_inner_points_is_its_corners() {
        let pts = [
            [0.0, 0.0],
            [2.0, 0.0],
            [1.0, 1.0],
            [2.0, 2.0],
            [0.0, 2.0],
            [1.0, 0.0],
        ];
        let hull = convex_hull(&pts);
        assert_eq!(hull.len(), 4);
        for c in [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]] {
            assert!(hull.contains(&c));
        }
    }

    #[test]
    fn an_axis_aligned_block_of_pixels_has_its_own_rectangle() {
        let mut pts = Vec::new();
        for y in 10..=14 {
            for x in 20..=59 {
                pts.push([f64::from(x), f64::from(y)]);
            }
        }
        let r = min_area_rect(&pts).unwrap();
        assert!((r.area() - 39.0 * 4.0).abs() < 1e-9);
        assert!((r.short_side() - 4.0).abs() < 1e-9);
        let tl = order_box(r.corners())[0];
        assert!(close(tl, [20.0, 10.0]), "{tl:?}");
    }

    #[test]
    fn a_rotated_rectangle_is_found_at_its_angle() {
        let (c, s) = (10f64.to_radians().cos(), 10f64.to_radians().sin());
        let rot = |x: f64, y: f64| [100.0 + x * c - y * s, 50.0 + x * s + y * c];
        let pts = [
            rot(0.0, 0.0),
            rot(80.0, 0.0),
            rot(80.0, 12.0),
            rot(0.0, 12.0),
        ];
        let r = min_area_rect(&pts).unwrap();
        assert!((r.width().max(r.height()) - 80.0).abs() < 1e-6);
        assert!((r.short_side() - 12.0).abs() < 1e-6);
        let ordered = order_box(r.corners());
        assert!(close(ordered[0], rot(0.0, 0.0)), "{ordered:?}");
        assert!(close(ordered[2], rot(80.0, 12.0)), "{ordered:?}");
    }

    #[test]
    fn degenerate_points_give_degenerate_rectangles_or_none() {
        assert!(min_area_rect(&[]).is_none());
        assert!(min_area_rect(&[[f64::NAN, 1.0]]).is_none());
        let one = min_area_rect(&[[3.0, 4.0]]).unwrap();
        assert_eq!(one.area(), 0.0);
        let line = min_area_rect(&[[0.0, 0.0], [5.0, 0.0], [10.0, 0.0]]).unwrap();
        assert_eq!(line.short_side(), 0.0);
        assert!((line.width().max(line.height()) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn expanding_grows_every_side() {
        let r = min_area_rect(&[[0.0, 0.0], [10.0, 0.0], [10.0, 4.0], [0.0, 4.0]]).unwrap();
        let e = r.expanded(2.0);
        assert!((e.width().max(e.height()) - 14.0).abs() < 1e-9);
        assert!((e.short_side() - 8.0).abs() < 1e-9);
        assert!(close(order_box(e.corners())[0], [-2.0, -2.0]));
    }

    #[test]
    fn padding_grows_the_smallest_rectangle() {
        let pts = [[0.0, 0.0], [10.0, 0.0], [10.0, 4.0], [0.0, 4.0]];
        let r = min_area_rect_padded(&pts, 2.0).unwrap();
        assert!((r.area() - 14.0 * 8.0).abs() < 1e-9);
        assert_eq!(
            min_area_rect_padded(&[[1.0, 1.0]], 1.0).unwrap().area(),
            4.0
        );
        let nan_pad = min_area_rect_padded(&pts, f64::NAN).unwrap();
        assert!((nan_pad.area() - 40.0).abs() < 1e-9);
    }

    #[test]
    fn clockwise_order_starts_top_left() {
        let q = order_clockwise([[10.0, 5.0], [0.0, 5.0], [0.0, 0.0], [10.0, 0.0]]);
        assert_eq!(q, [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]);
    }

    #[test]
    fn the_mean_inside_a_quad_counts_only_its_pixels() {
        let (w, h) = (10, 6);
        let mut map = vec![0.0f32; w * h];
        for y in 1..=3 {
            for x in 2..=6 {
                map[y * w + x] = 1.0;
            }
        }
        let quad = [[2.0, 1.0], [6.0, 1.0], [6.0, 3.0], [2.0, 3.0]];
        assert!((mean_inside(&map, w, h, &quad) - 1.0).abs() < 1e-9);
        let wider = [[0.0, 1.0], [9.0, 1.0], [9.0, 3.0], [0.0, 3.0]];
        assert!((mean_inside(&map, w, h, &wider) - 0.5).abs() < 1e-9);
        let outside = [
            [-50.0, -50.0],
            [-40.0, -50.0],
            [-40.0, -40.0],
            [-50.0, -40.0],
        ];
        assert!(mean_inside(&map, w, h, &outside) <= 1.0);
        assert_eq!(mean_inside(&map, 0, 0, &quad), 0.0);
        assert_eq!(mean_inside(&map, w, h, &[[f64::NAN, 0.0]; 4]), 0.0);
    }

    #[test]
    fn the_square_maps_onto_the_quad_corners() {
        for q in [
            [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]],
            [[3.0, 1.0], [40.0, 4.0], [38.0, 20.0], [1.0, 17.0]],
            [[0.0, 0.0], [100.0, 10.0], [90.0, 40.0], [5.0, 30.0]],
        ] {
            let m = SquareToQuad::new(&q);
            assert!(close(m.map(0.0, 0.0), q[0]));
            assert!(close(m.map(1.0, 0.0), q[1]));
            assert!(close(m.map(1.0, 1.0), q[2]));
            assert!(close(m.map(0.0, 1.0), q[3]));
        }
        let degenerate = SquareToQuad::new(&[[1.0, 1.0]; 4]);
        assert!(close(degenerate.map(0.5, 0.5), [1.0, 1.0]));
    }
}
