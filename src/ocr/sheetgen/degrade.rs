//! Degradations: what a phone photo does to a sheet. [`degrade`] with a
//! [`Degradation`] is the first generator's mix (rotation ±3°, blur, low resolution,
//! uneven light, JPEG); [`Kind`] names one degradation each (photo in perspective with
//! a shadow, JPEG, low resolution, blur, rotation up to ±5°) so results are reported
//! per degradation.

use image::{GrayImage, Luma};
use rand::{Rng, SeedableRng};

use super::SheetGenError;
use crate::ocr::preprocess;

/// How much to spoil a sheet.
#[derive(Debug, Clone, Copy)]
pub struct Degradation {
    pub rotate_deg: f32,
    pub blur_sigma: f32,
    /// Scale factor of the picture (low resolution), e.g. 0.7.
    pub scale: f32,
    /// Brightness at the darkest corner (1.0 = even light).
    pub light_min: f32,
    pub jpeg_quality: u8,
}

impl Degradation {
    /// A random phone-photo-like degradation within the limits.
    pub fn random(seed: u64) -> Degradation {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x5eed);
        Degradation {
            rotate_deg: rng.random_range(-3.0..3.0),
            blur_sigma: rng.random_range(0.4..1.0),
            scale: rng.random_range(0.65..0.85),
            light_min: rng.random_range(0.6..0.85),
            jpeg_quality: rng.random_range(35..70),
        }
    }
}

/// Spoils a sheet as a photo would; returns JPEG bytes.
pub fn degrade(img: &GrayImage, d: &Degradation) -> Result<Vec<u8>, SheetGenError> {
    let rotated = preprocess::rotate(img, d.rotate_deg);
    let blurred = image::imageops::blur(&rotated, d.blur_sigma);
    let (w, h) = blurred.dimensions();
    let small = image::imageops::resize(
        &blurred,
        ((w as f32 * d.scale) as u32).max(1),
        ((h as f32 * d.scale) as u32).max(1),
        image::imageops::FilterType::Triangle,
    );
    let (w, h) = small.dimensions();
    let lit = GrayImage::from_fn(w, h, |x, y| {
        // Light falls off towards one corner.
        let t = (x as f32 / w as f32 + y as f32 / h as f32) / 2.0;
        let gain = 1.0 - (1.0 - d.light_min) * t;
        Luma([(small.get_pixel(x, y)[0] as f32 * gain) as u8])
    });
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, d.jpeg_quality);
    enc.encode_image(&lit)
        .map_err(|e| SheetGenError::Encode(e.to_string()))?;
    Ok(out)
}

/// One named degradation, so results are reported per degradation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The sheet as drawn (PNG).
    Clean,
    /// A phone photo: perspective (corners pulled in up to 6 %), a soft shadow across
    /// the page, uneven light, slight blur, JPEG.
    Photo,
    /// JPEG at quality 20–40.
    Jpeg,
    /// Scaled to 45–60 % (PNG).
    LowRes,
    /// Gaussian blur, sigma 1.0–1.8 (PNG).
    Blur,
    /// Rotated by 2–5° either way (PNG).
    Rotate,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Clean,
        Kind::Photo,
        Kind::Jpeg,
        Kind::LowRes,
        Kind::Blur,
        Kind::Rotate,
    ];
    /// Every kind but [`Kind::Clean`].
    pub const DEGRADED: [Kind; 5] = [
        Kind::Photo,
        Kind::Jpeg,
        Kind::LowRes,
        Kind::Blur,
        Kind::Rotate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Clean => "clean",
            Kind::Photo => "photo",
            Kind::Jpeg => "jpeg",
            Kind::LowRes => "low-res",
            Kind::Blur => "blur",
            Kind::Rotate => "rotate",
        }
    }
}

fn png(img: &GrayImage) -> Result<Vec<u8>, SheetGenError> {
    super::encode_png(img)
}

fn jpeg(img: &GrayImage, quality: u8) -> Result<Vec<u8>, SheetGenError> {
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    enc.encode_image(img)
        .map_err(|e| SheetGenError::Encode(e.to_string()))?;
    Ok(out)
}

/// Applies one degradation with its random parameters from `seed`; returns the image
/// file's bytes (PNG, or JPEG for [`Kind::Photo`] and [`Kind::Jpeg`]).
pub fn apply(img: &GrayImage, kind: Kind, seed: u64) -> Result<Vec<u8>, SheetGenError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0xde5a_de5a ^ kind as u64);
    match kind {
        Kind::Clean => png(img),
        Kind::Jpeg => jpeg(img, rng.random_range(20..=40)),
        Kind::LowRes => {
            let s: f32 = rng.random_range(0.45..0.6);
            let (w, h) = img.dimensions();
            let small = image::imageops::resize(
                img,
                ((w as f32 * s) as u32).max(1),
                ((h as f32 * s) as u32).max(1),
                image::imageops::FilterType::Triangle,
            );
            png(&small)
        }
        Kind::Blur => png(&image::imageops::blur(img, rng.random_range(1.0..1.8))),
        Kind::Rotate => {
            let mag: f32 = rng.random_range(2.0..5.0);
            let deg = if rng.random_bool(0.5) { mag } else { -mag };
            png(&rotate(img, deg))
        }
        Kind::Photo => {
            let (w, h) = (img.width() as f32, img.height() as f32);
            let mut pull = || {
                (
                    rng.random_range(0.0..0.06) * w,
                    rng.random_range(0.0..0.06) * h,
                )
            };
            let (a, b, c, d) = (pull(), pull(), pull(), pull());
            // Where the page's corners land in the photo (clockwise from top left).
            let dst = [
                (a.0, a.1),
                (w - b.0, b.1),
                (w - c.0, h - c.1),
                (d.0, h - d.1),
            ];
            let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
            let f64s = |p: [(f32, f32); 4]| p.map(|(x, y)| (f64::from(x), f64::from(y)));
            let warped = match preprocess::page::homography(&f64s(dst), &f64s(src)) {
                Some(m) => warp(img, &m, rng.random_range(90..140)),
                None => img.clone(),
            };
            let shadowed = shadow(&warped, &mut rng);
            let soft = image::imageops::blur(&shadowed, rng.random_range(0.4..0.9));
            jpeg(&soft, rng.random_range(55..85))
        }
    }
}

/// Rotation by `deg` about the centre, same size, white corners.
pub fn rotate(img: &GrayImage, deg: f32) -> GrayImage {
    let (w, h) = (img.width() as f64, img.height() as f64);
    let (s, c) = (deg as f64).to_radians().sin_cos();
    let (cx, cy) = (w / 2.0, h / 2.0);
    // Output pixel -> source pixel (the inverse rotation).
    let m = [
        c,
        s,
        cx - c * cx - s * cy,
        -s,
        c,
        cy + s * cx - c * cy,
        0.0,
        0.0,
        1.0,
    ];
    warp(img, &m, 245)
}

/// Samples `img` through `m` (output → source, 3×3 row-major), bilinear, `fill`
/// outside.
fn warp(img: &GrayImage, m: &[f64; 9], fill: u8) -> GrayImage {
    let (w, h) = img.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f64 + 0.5, y as f64 + 0.5);
        let z = m[6] * xf + m[7] * yf + m[8];
        if z.abs() < 1e-12 {
            return Luma([fill]);
        }
        let sx = (m[0] * xf + m[1] * yf + m[2]) / z - 0.5;
        let sy = (m[3] * xf + m[4] * yf + m[5]) / z - 0.5;
        if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f64 || sy >= (h - 1) as f64 {
            return Luma([fill]);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
        let p = |xx: u32, yy: u32| img.get_pixel(xx, yy)[0] as f64;
        let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
        let bot = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
        Luma([(top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8])
    })
}

/// A soft shadow across the page (a hand or a phone) and light falling off to a
/// corner.
fn shadow(img: &GrayImage, rng: &mut impl Rng) -> GrayImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    // A line through a random point at a random angle; one side is darker.
    let (px, py) = (
        rng.random_range(0.2..0.8) * w,
        rng.random_range(0.2..0.8) * h,
    );
    let ang: f32 = rng.random_range(0.0..std::f32::consts::TAU);
    let (nx, ny) = (ang.cos(), ang.sin());
    let depth: f32 = rng.random_range(0.55..0.8);
    let soft: f32 = rng.random_range(40.0..140.0);
    let light_min: f32 = rng.random_range(0.7..0.9);
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let d = (x as f32 - px) * nx + (y as f32 - py) * ny;
        let t = (d / soft).clamp(-1.0, 1.0) * 0.5 + 0.5;
        let shade = 1.0 - (1.0 - depth) * t;
        let fall = 1.0 - (1.0 - light_min) * (x as f32 / w + y as f32 / h) / 2.0;
        Luma([(img.get_pixel(x, y)[0] as f32 * shade * fall) as u8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_gives_a_decodable_picture_that_differs_from_the_clean_one() {
        // A page with a black square off centre: every degradation moves or softens it.
        let mut img = GrayImage::from_pixel(400, 300, Luma([250]));
        for y in 60..120 {
            for x in 80..160 {
                img.put_pixel(x, y, Luma([10]));
            }
        }
        for kind in Kind::ALL {
            let bytes = apply(&img, kind, 7).expect("encodes");
            let back = image::load_from_memory(&bytes).expect("decodes").to_luma8();
            if kind == Kind::Clean {
                assert_eq!(back, img);
                continue;
            }
            let same = back.dimensions() == img.dimensions()
                && back
                    .pixels()
                    .zip(img.pixels())
                    .all(|(a, b)| a[0].abs_diff(b[0]) <= 2);
            assert!(!same, "{} changes the picture", kind.name());
            // The square is still there, darker than the page around it.
            let min = back.pixels().map(|p| p[0]).min().unwrap_or(255);
            assert!(min < 120, "{}: darkest {min}", kind.name());
        }
    }

    #[test]
    fn a_homography_maps_its_four_points() {
        let from = [(10.0, 20.0), (300.0, 5.0), (320.0, 400.0), (0.0, 380.0)];
        let to = [(0.0, 0.0), (310.0, 0.0), (310.0, 410.0), (0.0, 410.0)];
        let m = preprocess::page::homography(&from, &to).expect("not degenerate");
        for (f, t) in from.iter().zip(to) {
            let (x, y) = (f.0, f.1);
            let z = m[6] * x + m[7] * y + m[8];
            let u = (m[0] * x + m[1] * y + m[2]) / z;
            let v = (m[3] * x + m[4] * y + m[5]) / z;
            assert!((u - t.0).abs() < 1e-6 && (v - t.1).abs() < 1e-6);
        }
    }
}
