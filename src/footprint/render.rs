//! The footprint picture: interpolated calibrated pressure in a perceptual colour map,
//! with optional overlays, encoded as PNG (default) or JPEG.
//!
//! Pure and deterministic: the same grid, metrics and options give the same bytes
//! (golden tests hold us to it). Specified in `../shared/design/FOOT.md` (Picture).
//!
//! # How
//! 1. Cell pressures in kPa (floats: the seed cast to u8 first and wrapped every value
//!    above 255) are interpolated with a separable Catmull-Rom (bicubic) kernel onto
//!    the picture, whose aspect ratio is the mat's (square cells, so `cols : rows`).
//! 2. Colour comes from a 1024-entry table of turbo, viridis or jet; the scale runs
//!    from 0 to the peak rounded up to a round number, shown on the scale bar.
//! 3. Where there is no contact the background (white or transparent) shows; the edge
//!    is a soft ramp of the pressure between 2 % and 10 % of the peak.
//! 4. Overlays (on by default): each foot's centre of pressure (white dot), the body's
//!    (black-and-white cross), `L` / `R` above the feet, a kPa scale bar. Text uses an
//!    embedded subset of DejaVu Sans Bold (`assets/fonts`, Bitstream Vera licence).
//! 5. PNG through the `png` crate with the fdeflate "fast" preset and the Up filter
//!    (adaptive filtering costs about twice the time for a few % of size).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use serde::{Deserialize, Serialize};

use super::analysis::Metrics;
use super::grid::PressureGrid;

/// Long side of the picture unless asked otherwise, px.
pub const DEFAULT_LONG_SIDE_PX: u32 = 512;
/// Smallest and largest long side accepted, px.
pub const MIN_LONG_SIDE_PX: u32 = 32;
pub const MAX_LONG_SIDE_PX: u32 = 4096;
/// JPEG quality when JPEG is asked for.
pub const DEFAULT_JPEG_QUALITY: u8 = 88;
/// Pressure below this share of the peak is background ...
const EDGE_LOW: f32 = 0.02;
/// ... and above this share fully coloured; in between the edge is soft.
const EDGE_HIGH: f32 = 0.10;
/// Entries of the colour tables.
const LUT_SIZE: usize = 1024;

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold-subset.ttf");

/// Errors of rendering (only the encoders can fail).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    #[error("JPEG encoding failed: {0}")]
    Jpeg(#[from] image::ImageError),
    #[error("the grid is empty ({rows} x {cols})")]
    EmptyGrid { rows: usize, cols: usize },
}

/// Picture file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    #[default]
    Png,
    Jpeg,
}

impl ImageFormat {
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }
    /// File extension (and S3 key suffix).
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
        }
    }
}

impl std::str::FromStr for ImageFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "png" => Ok(ImageFormat::Png),
            "jpeg" | "jpg" => Ok(ImageFormat::Jpeg),
            other => Err(format!(
                "unknown image format {other:?} (expected png or jpeg)"
            )),
        }
    }
}

/// Colour map of the pressure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColourMap {
    /// Google's Turbo: perceptually smoother than jet, same familiar look.
    #[default]
    Turbo,
    /// Perceptually uniform, colour-blind safe.
    Viridis,
    /// The seed's look (OpenCV COLORMAP_JET), on request.
    Jet,
}

impl std::str::FromStr for ColourMap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "turbo" => Ok(ColourMap::Turbo),
            "viridis" => Ok(ColourMap::Viridis),
            "jet" => Ok(ColourMap::Jet),
            other => Err(format!(
                "unknown colour map {other:?} (expected turbo, viridis or jet)"
            )),
        }
    }
}

/// What shows where there is no contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Background {
    #[default]
    White,
    /// Alpha 0 (PNG only; JPEG falls back to white).
    Transparent,
}

/// How to draw the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    pub format: ImageFormat,
    /// Long side in px (clamped to [`MIN_LONG_SIDE_PX`]..=[`MAX_LONG_SIDE_PX`]).
    pub long_side_px: u32,
    pub colour_map: ColourMap,
    pub background: Background,
    /// COP markers, L/R labels and the kPa scale bar.
    pub overlays: bool,
    pub jpeg_quality: u8,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            format: ImageFormat::Png,
            long_side_px: DEFAULT_LONG_SIDE_PX,
            colour_map: ColourMap::Turbo,
            background: Background::White,
            overlays: true,
            jpeg_quality: DEFAULT_JPEG_QUALITY,
        }
    }
}

/// An encoded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
}

/// Pixels before encoding: RGB (white background) or RGBA (transparent), row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    /// 3 or 4.
    pub channels: usize,
    pub data: Vec<u8>,
    /// The top of the colour scale, kPa.
    pub scale_max_kpa: f32,
}

/// Draws and encodes the picture of `grid` (with `metrics` for the overlays).
pub fn render(
    grid: &PressureGrid,
    metrics: &Metrics,
    options: &RenderOptions,
) -> Result<Picture, RenderError> {
    let raster = rasterise(grid, metrics, options)?;
    encode(&raster, options)
}

/// Encodes a raster as the options' format.
pub fn encode(raster: &Raster, options: &RenderOptions) -> Result<Picture, RenderError> {
    let bytes = match options.format {
        ImageFormat::Png => encode_png(raster)?,
        ImageFormat::Jpeg => encode_jpeg(raster, options.jpeg_quality)?,
    };
    Ok(Picture {
        bytes,
        width: raster.width,
        height: raster.height,
        format: options.format,
    })
}

/// PNG with the fast preset.
pub fn encode_png(raster: &Raster) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(raster.data.len() / 4);
    {
        let mut encoder = png::Encoder::new(&mut out, raster.width, raster.height);
        encoder.set_color(if raster.channels == 4 {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::Filter::Up);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&raster.data)?;
        writer.finish()?;
    }
    Ok(out)
}

fn encode_jpeg(raster: &Raster, quality: u8) -> Result<Vec<u8>, RenderError> {
    // JPEG has no alpha: composite on white first.
    let rgb: std::borrow::Cow<'_, [u8]> = if raster.channels == 4 {
        raster
            .data
            .chunks_exact(4)
            .flat_map(|p| {
                let a = u16::from(p[3]);
                [0, 1, 2].map(|i| ((u16::from(p[i]) * a + 255 * (255 - a) + 127) / 255) as u8)
            })
            .collect::<Vec<u8>>()
            .into()
    } else {
        raster.data.as_slice().into()
    };
    let mut out = Vec::new();
    let encoder =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    image::ImageEncoder::write_image(
        encoder,
        &rgb,
        raster.width,
        raster.height,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

/// Picture size for a mat of `rows x cols` square cells.
pub fn picture_size(rows: usize, cols: usize, long_side: u32) -> (u32, u32) {
    let long = long_side.clamp(MIN_LONG_SIDE_PX, MAX_LONG_SIDE_PX) as f64;
    let (r, c) = (rows.max(1) as f64, cols.max(1) as f64);
    let (w, h) = if c >= r {
        (long, (long * r / c).round().max(1.0))
    } else {
        ((long * c / r).round().max(1.0), long)
    };
    (w as u32, h as u32)
}

/// Draws the picture without encoding it.
pub fn rasterise(
    grid: &PressureGrid,
    metrics: &Metrics,
    options: &RenderOptions,
) -> Result<Raster, RenderError> {
    let (rows, cols) = (grid.rows, grid.cols);
    if rows == 0 || cols == 0 {
        return Err(RenderError::EmptyGrid { rows, cols });
    }
    let pitch = if grid.pitch_mm.is_finite() && grid.pitch_mm > 0.0 {
        grid.pitch_mm
    } else {
        1.0
    };
    let to_kpa = 1000.0 / (pitch * pitch);
    let kpa: Vec<f32> = (0..rows * cols)
        .map(|i| match grid.force_n.get(i) {
            Some(&f) if f.is_finite() && f > 0.0 => f * to_kpa,
            _ => 0.0,
        })
        .collect();
    let peak = kpa.iter().copied().fold(0.0f32, f32::max);
    let scale_max = nice_ceil(peak);
    let (width, height) = picture_size(rows, cols, options.long_side_px);
    let (w, h) = (width as usize, height as usize);

    // Separable Catmull-Rom: rows first, then columns. The horizontal pass has
    // `PAD` rows of zeros above and below the mat (outside the mat is no pressure),
    // so every output row reads four stored rows without a branch per tap.
    let xs = kernel_taps(cols, w);
    let ys = kernel_taps(rows, h);
    let mut horizontal = vec![0.0f32; (rows + 2 * PAD) * w];
    for (src, dst) in kpa
        .chunks_exact(cols)
        .zip(horizontal.chunks_exact_mut(w).skip(PAD))
    {
        for (d, taps) in dst.iter_mut().zip(&xs) {
            *d = taps.apply(src);
        }
    }

    let transparent = options.background == Background::Transparent;
    let channels = if transparent { 4 } else { 3 };
    let lut = colour_table(options.colour_map);
    let table = PixelTable::new(lut, scale_max, peak, transparent);
    // Where each interpolated row can reach the soft edge. Catmull-Rom weights sum to
    // at most 1.25 in absolute value, so where all four source rows stay within a
    // quarter of the edge's low end the pixel is background (alpha exactly 0), white
    // whatever its colour; only the runs of columns between are interpolated and
    // coloured (feet cover a small part of the mat, and the gap between them is
    // skipped too). Transparent pictures keep every colour, so there only exact zeros
    // are skipped.
    let near_zero = if transparent {
        0.0
    } else {
        0.25 * EDGE_LOW * peak
    };
    let row_runs: Vec<Vec<(usize, usize)>> = horizontal
        .chunks_exact(w)
        .map(|row| runs_above(row, near_zero))
        .collect();
    // Output rows come in bands that read the same four stored rows (`top`).
    let band_runs: Vec<Vec<(usize, usize)>> = row_runs.windows(4).map(union).collect();
    // Background (white, or the table's first colour at alpha 0, which is what a
    // zero pressure gives) outside the runs; every byte is written once.
    let zero = lut[0];
    let background_row: Vec<u8> = if transparent {
        [zero[0], zero[1], zero[2], 0].repeat(w)
    } else {
        WHITE.repeat(w)
    };
    let mut data = Vec::with_capacity(w * h * channels);
    let mut index = vec![0u32; w];
    for taps in &ys {
        // The four stored rows of this output row (`first >= -PAD` by construction
        // of the taps; the clamp only keeps the slicing total).
        let top = (taps.first + PAD as isize).clamp(0, band_runs.len() as isize - 1) as usize;
        let [wa, wb, wc, wd] = taps.weights.map(|weight| weight * table.per_kpa);
        let mut done = 0;
        for &(x0, x1) in &band_runs[top] {
            data.extend_from_slice(&background_row[done * channels..x0 * channels]);
            let row = |k: usize| &horizontal[(top + k) * w + x0..(top + k) * w + x1];
            // Vertical pass and table index of the whole run in one vectorised loop.
            let index = &mut index[..x1 - x0];
            for ((((i, a), b), c), d) in index
                .iter_mut()
                .zip(row(0))
                .zip(row(1))
                .zip(row(2))
                .zip(row(3))
            {
                *i = table.index(wa * a + wb * b + wc * c + wd * d);
            }
            table.extend(&mut data, index, transparent);
            done = x1;
        }
        data.extend_from_slice(&background_row[done * channels..]);
    }
    let mut raster = Raster {
        width,
        height,
        channels,
        data,
        scale_max_kpa: scale_max,
    };
    if options.overlays {
        draw_overlays(&mut raster, metrics, rows, cols, pitch, lut);
    }
    Ok(raster)
}

/// Zero rows stored above and below the mat for the vertical pass (Catmull-Rom reads
/// one row before and two after the output position, which lies within half a cell
/// of the mat).
const PAD: usize = 2;
/// Entries of the pixel table per colour-table entry: the soft edge spans at least
/// 4 % of the scale (8 % of the peak, the scale is at most twice the peak), so it gets
/// over 300 alpha steps, finer than the 8-bit output.
const SUBSTEPS: usize = 8;
/// Entries of the pixel table (a power of two, so a masked index needs no check).
const TABLE_LEN: usize = LUT_SIZE * SUBSTEPS;
const TABLE_MASK: u32 = TABLE_LEN as u32 - 1;
/// 2^23: added to a float in 0..2^23, the sum's low mantissa bits are its integer part.
const MANTISSA_ROUND: f32 = 8_388_608.0;

/// Interpolated pressure straight to the finished pixel: colour, soft edge and
/// background in one lookup, built once per picture (the edge depends on its peak).
/// Entry `i` holds the pixel of the pressures in `[i, i + 1) / per_kpa`, the edge's
/// alpha taken at the middle of that interval; the colour is the colour table's
/// entry of those pressures, as without the table.
struct PixelTable {
    /// Little-endian RGBA; opaque tables keep the fourth byte 0 (see `extend`).
    pixels: Box<[u32; TABLE_LEN]>,
    /// Table entries per kPa.
    per_kpa: f32,
    /// The last index, as a float (the clamp of the per-pixel loop).
    last: f32,
}

impl PixelTable {
    fn new(lut: &[[u8; 3]; LUT_SIZE], scale_max: f32, peak: f32, transparent: bool) -> Self {
        let per_kpa = if scale_max > 0.0 {
            (SUBSTEPS * (LUT_SIZE - 1)) as f32 / scale_max
        } else {
            0.0
        };
        let (lo, hi) = (EDGE_LOW * peak, EDGE_HIGH * peak);
        let inv_edge = if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
        let mut pixels = Box::new([0u32; TABLE_LEN]);
        for (i, entry) in pixels.iter_mut().enumerate() {
            let c = lut[i / SUBSTEPS];
            let t = if per_kpa > 0.0 {
                let v = (i as f32 + 0.5) / per_kpa;
                ((v - lo) * inv_edge).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let alpha = t * t * (3.0 - 2.0 * t);
            let rgba = if transparent {
                [c[0], c[1], c[2], (alpha * 255.0 + 0.5) as u8]
            } else if t <= 0.0 {
                [255, 255, 255, 0]
            } else if t >= 1.0 {
                [c[0], c[1], c[2], 0]
            } else {
                let mix = |c: u8| (f32::from(c) * alpha + 255.0 * (1.0 - alpha) + 0.5) as u8;
                [mix(c[0]), mix(c[1]), mix(c[2]), 0]
            };
            *entry = u32::from_le_bytes(rgba);
        }
        PixelTable {
            pixels,
            per_kpa,
            last: (TABLE_LEN - 1) as f32,
        }
    }

    /// The entry of `x` = pressure x `per_kpa`. Adding 2^23 leaves the integer part
    /// in the float's low mantissa bits: a conversion that vectorises, where a
    /// saturating `as` costs a branch a pixel. `- 0.5` makes its rounding a floor; the
    /// clamp keeps the kernel's negative overshoot at entry 0.
    #[inline(always)]
    fn index(&self, x: f32) -> u32 {
        ((x - 0.5).clamp(0.0, self.last) + MANTISSA_ROUND).to_bits() & TABLE_MASK
    }

    fn pixel(&self, i: u32) -> u32 {
        self.pixels[(i & TABLE_MASK) as usize]
    }

    /// Appends the pixels of table indices `index` to `data` (RGB, or RGBA when
    /// `transparent`).
    fn extend(&self, data: &mut Vec<u8>, index: &[u32], transparent: bool) {
        if transparent {
            for &i in index {
                data.extend_from_slice(&self.pixel(i).to_le_bytes());
            }
            return;
        }
        // Four RGB pixels are three words: no 3-byte copies (the fourth byte is 0).
        let mut quads = index.chunks_exact(4);
        for q in &mut quads {
            let [a, b, c, d] = [q[0], q[1], q[2], q[3]].map(|i| self.pixel(i));
            let mut bytes = [0u8; 12];
            for (dst, word) in
                bytes
                    .chunks_exact_mut(4)
                    .zip([a | b << 24, b >> 8 | c << 16, c >> 16 | d << 8])
            {
                dst.copy_from_slice(&word.to_le_bytes());
            }
            data.extend_from_slice(&bytes);
        }
        for &i in quads.remainder() {
            data.extend_from_slice(&self.pixel(i).to_le_bytes()[..3]);
        }
    }
}

/// The runs `[start, end)` of `row` where its magnitude exceeds `threshold`.
fn runs_above(row: &[f32], threshold: f32) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (x, v) in row.iter().enumerate() {
        match (v.abs() > threshold, start) {
            (true, None) => start = Some(x),
            (false, Some(s)) => {
                runs.push((s, x));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, row.len()));
    }
    runs
}

/// The union of sets of runs, as sorted disjoint runs.
fn union(sets: &[Vec<(usize, usize)>]) -> Vec<(usize, usize)> {
    let mut all: Vec<(usize, usize)> = sets.iter().flatten().copied().collect();
    all.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(all.len());
    for (a, b) in all {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Four Catmull-Rom taps of one output position.
struct Taps {
    first: isize,
    weights: [f32; 4],
}

impl Taps {
    fn index(&self, k: usize, len: usize) -> Option<usize> {
        let i = self.first + k as isize;
        (i >= 0 && (i as usize) < len).then_some(i as usize)
    }

    /// Outside the mat counts as zero pressure.
    fn apply(&self, src: &[f32]) -> f32 {
        let mut acc = 0.0;
        for k in 0..4 {
            if let Some(i) = self.index(k, src.len()) {
                acc += self.weights[k] * src[i];
            }
        }
        acc
    }
}

fn kernel_taps(cells: usize, pixels: usize) -> Vec<Taps> {
    (0..pixels)
        .map(|p| {
            // Pixel centre in cell units relative to cell centres.
            let x = (p as f32 + 0.5) * cells as f32 / pixels as f32 - 0.5;
            let base = x.floor();
            let t = x - base;
            let (t2, t3) = (t * t, t * t * t);
            Taps {
                first: base as isize - 1,
                weights: [
                    0.5 * (-t3 + 2.0 * t2 - t),
                    0.5 * (3.0 * t3 - 5.0 * t2 + 2.0),
                    0.5 * (-3.0 * t3 + 4.0 * t2 + t),
                    0.5 * (t3 - t2),
                ],
            }
        })
        .collect()
}

/// The smallest of 1, 2, 2.5, 5 x 10^k that is >= `v` (0 stays 0).
fn nice_ceil(v: f32) -> f32 {
    if v.is_nan() || v <= 0.0 || v.is_infinite() {
        return 0.0;
    }
    let magnitude = 10f32.powf(v.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= v * (1.0 - 1e-6) {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn colour_table(map: ColourMap) -> &'static [[u8; 3]; LUT_SIZE] {
    static TURBO: OnceLock<Box<[[u8; 3]; LUT_SIZE]>> = OnceLock::new();
    static VIRIDIS: OnceLock<Box<[[u8; 3]; LUT_SIZE]>> = OnceLock::new();
    static JET: OnceLock<Box<[[u8; 3]; LUT_SIZE]>> = OnceLock::new();
    let (cell, f): (_, fn(f64) -> [u8; 3]) = match map {
        ColourMap::Turbo => (&TURBO, |t| {
            let c = colorous::TURBO.eval_continuous(t);
            [c.r, c.g, c.b]
        }),
        ColourMap::Viridis => (&VIRIDIS, |t| {
            let c = colorous::VIRIDIS.eval_continuous(t);
            [c.r, c.g, c.b]
        }),
        // colorous has no jet; this is MATLAB's/OpenCV's piecewise-linear definition.
        ColourMap::Jet => (&JET, |t| {
            let ch = |o: f64| ((1.5 - (4.0 * t - o).abs()).clamp(0.0, 1.0) * 255.0).round() as u8;
            [ch(3.0), ch(2.0), ch(1.0)]
        }),
    };
    cell.get_or_init(|| {
        let mut table = Box::new([[0u8; 3]; LUT_SIZE]);
        for (i, entry) in table.iter_mut().enumerate() {
            *entry = f(i as f64 / (LUT_SIZE - 1) as f64);
        }
        table
    })
}

fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

/// Blends `rgb` with coverage `a` (0..=1) into pixel (x, y); outside is ignored.
fn blend(r: &mut Raster, x: i64, y: i64, rgb: [u8; 3], a: f32) {
    if x < 0 || y < 0 || x >= i64::from(r.width) || y >= i64::from(r.height) || a <= 0.0 {
        return;
    }
    let a = a.min(1.0);
    let i = (y as usize * r.width as usize + x as usize) * r.channels;
    let px = &mut r.data[i..i + r.channels];
    if r.channels == 4 {
        // Premultiplied "over" onto the existing pixel.
        let dst_a = f32::from(px[3]) / 255.0;
        let out_a = a + dst_a * (1.0 - a);
        for c in 0..3 {
            let v =
                (f32::from(rgb[c]) * a + f32::from(px[c]) * dst_a * (1.0 - a)) / out_a.max(1e-6);
            px[c] = (v + 0.5) as u8;
        }
        px[3] = (out_a * 255.0 + 0.5) as u8;
    } else {
        for c in 0..3 {
            px[c] = (f32::from(rgb[c]) * a + f32::from(px[c]) * (1.0 - a) + 0.5) as u8;
        }
    }
}

/// An anti-aliased filled disc.
fn disc(r: &mut Raster, cx: f32, cy: f32, radius: f32, rgb: [u8; 3]) {
    let (x0, x1) = (
        (cx - radius - 1.0).floor() as i64,
        (cx + radius + 1.0).ceil() as i64,
    );
    let (y0, y1) = (
        (cy - radius - 1.0).floor() as i64,
        (cy + radius + 1.0).ceil() as i64,
    );
    for y in y0..=y1 {
        for x in x0..=x1 {
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            blend(r, x, y, rgb, (radius + 0.5 - d).clamp(0.0, 1.0));
        }
    }
}

fn rect(r: &mut Raster, x0: i64, y0: i64, x1: i64, y1: i64, rgb: [u8; 3]) {
    for y in y0..y1 {
        for x in x0..x1 {
            blend(r, x, y, rgb, 1.0);
        }
    }
}

/// Width of `text` at `size` px.
fn text_width(font: &FontRef<'_>, text: &str, size: f32) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    text.chars()
        .map(|c| scaled.h_advance(scaled.glyph_id(c)))
        .sum()
}

/// Draws `text` with its top-left at (x, y), with a 1 px halo in `halo` for contrast.
fn text(r: &mut Raster, x: f32, y: f32, size: f32, s: &str, rgb: [u8; 3], halo: [u8; 3]) {
    let Some(font) = font() else {
        return;
    };
    let scaled = font.as_scaled(PxScale::from(size));
    let baseline = y + scaled.ascent();
    // Each glyph is rasterised once: the halo is the same coverage moved by a pixel.
    let mut glyphs = Vec::with_capacity(s.len());
    let mut pen = x;
    for c in s.chars() {
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(size, ab_glyph::point(pen, baseline));
        pen += scaled.h_advance(id);
        if let Some(outlined) = font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            let width = bounds.width() as usize;
            let mut coverage = vec![0.0f32; width * bounds.height() as usize];
            outlined.draw(|gx, gy, c| {
                if let Some(v) = coverage.get_mut(gy as usize * width + gx as usize) {
                    *v = c;
                }
            });
            glyphs.push((bounds.min.x as i64, bounds.min.y as i64, width, coverage));
        }
    }
    for (dx, dy, colour) in [
        (-1, 0, halo),
        (1, 0, halo),
        (0, -1, halo),
        (0, 1, halo),
        (0, 0, rgb),
    ] {
        for (left, top, width, coverage) in &glyphs {
            for (row, line) in coverage.chunks_exact((*width).max(1)).enumerate() {
                for (col, &c) in line.iter().enumerate() {
                    blend(r, left + dx + col as i64, top + dy + row as i64, colour, c);
                }
            }
        }
    }
}

const BLACK: [u8; 3] = [20, 20, 20];
const WHITE: [u8; 3] = [255, 255, 255];

/// An anti-aliased line of `width` px (distance to the segment, like [`disc`]).
fn line(r: &mut Raster, a: [f32; 2], b: [f32; 2], width: f32, rgb: [u8; 3]) {
    let pad = width + 1.0;
    let (x0, x1) = (a[0].min(b[0]) - pad, a[0].max(b[0]) + pad);
    let (y0, y1) = (a[1].min(b[1]) - pad, a[1].max(b[1]) + pad);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    for y in y0.floor() as i64..=y1.ceil() as i64 {
        for x in x0.floor() as i64..=x1.ceil() as i64 {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = (((px - a[0]) * dx + (py - a[1]) * dy) / len2).clamp(0.0, 1.0);
            let d = ((px - a[0] - t * dx).powi(2) + (py - a[1] - t * dy).powi(2)).sqrt();
            blend(r, x, y, rgb, (width / 2.0 + 0.5 - d).clamp(0.0, 1.0));
        }
    }
}

/// The balance test's picture: the centre-of-pressure trace (blue, mm scale, 10 mm
/// grid), its 95 % confidence ellipse (red) and mean (black cross), x to the person's
/// right and y towards the heels as on the footprint picture. Square, `size` px,
/// PNG; deterministic.
pub fn render_trace(path: &[[f32; 2]], size: u32) -> Result<Picture, RenderError> {
    let size = size.clamp(MIN_LONG_SIDE_PX, MAX_LONG_SIDE_PX);
    let mut raster = Raster {
        width: size,
        height: size,
        channels: 3,
        data: vec![255; size as usize * size as usize * 3],
        scale_max_kpa: 0.0,
    };
    let points: Vec<[f32; 2]> = path
        .iter()
        .copied()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect();
    let n = points.len().max(1) as f64;
    let (mut mx, mut my) = (0.0f64, 0.0f64);
    for p in &points {
        mx += f64::from(p[0]);
        my += f64::from(p[1]);
    }
    let (mx, my) = (mx / n, my / n);
    let (mut cxx, mut cyy, mut cxy) = (0.0f64, 0.0f64, 0.0f64);
    let mut reach = 10.0f32;
    for p in &points {
        let (dx, dy) = (f64::from(p[0]) - mx, f64::from(p[1]) - my);
        cxx += dx * dx;
        cyy += dy * dy;
        cxy += dx * dy;
        reach = reach.max(dx.abs() as f32).max(dy.abs() as f32);
    }
    let m = (n - 1.0).max(1.0);
    let (cxx, cyy, cxy) = (cxx / m, cyy / m, cxy / m);
    // Half the shown span: the farthest sample or the ellipse, plus a margin.
    let tr = cxx + cyy;
    let disc_ = ((cxx - cyy).powi(2) / 4.0 + cxy * cxy).sqrt();
    let (l1, l2) = ((tr / 2.0 + disc_).max(0.0), (tr / 2.0 - disc_).max(0.0));
    let k = f64::from(super::balance::CHI2_2DOF_95).sqrt();
    reach = reach.max((k * l1.sqrt()) as f32) * 1.15;
    let unit = size as f32 / DEFAULT_LONG_SIDE_PX as f32;
    let scale = size as f32 / (2.0 * reach);
    let to_px = |x: f64, y: f64| {
        [
            size as f32 / 2.0 + ((x - mx) as f32) * scale,
            size as f32 / 2.0 + ((y - my) as f32) * scale,
        ]
    };
    // 10 mm grid through the mean.
    let grid_rgb = [225, 225, 225];
    let steps = (reach / 10.0).ceil() as i64;
    for i in -steps..=steps {
        let o = f64::from(i as i32) * 10.0;
        let (a, b) = (
            to_px(mx + o, my - f64::from(reach)),
            to_px(mx + o, my + f64::from(reach)),
        );
        line(&mut raster, a, b, unit, grid_rgb);
        let (a, b) = (
            to_px(mx - f64::from(reach), my + o),
            to_px(mx + f64::from(reach), my + o),
        );
        line(&mut raster, a, b, unit, grid_rgb);
    }
    // The ellipse along its principal axes.
    let angle = 0.5 * (2.0 * cxy).atan2(cxx - cyy);
    let (sa, ca) = angle.sin_cos();
    let (ra, rb) = (k * l1.sqrt(), k * l2.sqrt());
    let segments = 180;
    let at = |j: i32| {
        let t = std::f64::consts::TAU * f64::from(j) / f64::from(segments);
        let (u, v) = (ra * t.cos(), rb * t.sin());
        to_px(mx + u * ca - v * sa, my + u * sa + v * ca)
    };
    for j in 0..segments {
        line(&mut raster, at(j), at(j + 1), 2.0 * unit, [214, 39, 40]);
    }
    for w in points.windows(2) {
        let (a, b) = (
            to_px(f64::from(w[0][0]), f64::from(w[0][1])),
            to_px(f64::from(w[1][0]), f64::from(w[1][1])),
        );
        line(&mut raster, a, b, 1.5 * unit, [31, 119, 180]);
    }
    let c = to_px(mx, my);
    let arm = 8.0 * unit;
    line(
        &mut raster,
        [c[0] - arm, c[1]],
        [c[0] + arm, c[1]],
        2.0 * unit,
        BLACK,
    );
    line(
        &mut raster,
        [c[0], c[1] - arm],
        [c[0], c[1] + arm],
        2.0 * unit,
        BLACK,
    );
    // Scale bar: 10 mm, bottom left.
    let bar = 10.0 * scale;
    let (x0, y0) = (12.0 * unit, size as f32 - 16.0 * unit);
    rect(
        &mut raster,
        x0 as i64,
        y0 as i64,
        (x0 + bar) as i64,
        (y0 + 3.0 * unit) as i64,
        BLACK,
    );
    let font_size = (14.0 * unit).max(8.0);
    text(
        &mut raster,
        x0,
        y0 - font_size - 4.0 * unit,
        font_size,
        "10 mm",
        BLACK,
        WHITE,
    );
    text(
        &mut raster,
        12.0 * unit,
        8.0 * unit,
        font_size,
        "COP · 95% ellipse",
        BLACK,
        WHITE,
    );
    disc(&mut raster, c[0], c[1], 2.0 * unit, BLACK);
    let bytes = encode_png(&raster)?;
    Ok(Picture {
        bytes,
        width: size,
        height: size,
        format: ImageFormat::Png,
    })
}

fn draw_overlays(
    raster: &mut Raster,
    metrics: &Metrics,
    rows: usize,
    cols: usize,
    pitch: f32,
    lut: &[[u8; 3]; LUT_SIZE],
) {
    let (w, h) = (raster.width as f32, raster.height as f32);
    let unit = w.max(h) / DEFAULT_LONG_SIDE_PX as f32;
    let to_px = |mm: [f32; 2]| {
        [
            mm[0] / (cols as f32 * pitch) * w,
            mm[1] / (rows as f32 * pitch) * h,
        ]
    };
    let font_size = (16.0 * unit).max(8.0);
    for (foot, label) in [(&metrics.left, "L"), (&metrics.right, "R")] {
        let Some(foot) = foot else { continue };
        let [x, y] = to_px(foot.cop_mm);
        disc(raster, x, y, 6.0 * unit, BLACK);
        disc(raster, x, y, 4.5 * unit, WHITE);
        if let Some(f) = font() {
            let tw = text_width(f, label, font_size * 1.4);
            text(
                raster,
                x - tw / 2.0,
                4.0 * unit,
                font_size * 1.4,
                label,
                BLACK,
                WHITE,
            );
        }
    }
    if let Some(cop) = metrics.cop_mm {
        let [x, y] = to_px(cop);
        let (arm, t) = (10.0 * unit, (1.5 * unit).max(1.0));
        let (xi, yi) = (x.round() as i64, y.round() as i64);
        let (arm_i, t_out, t_in) = (
            arm.round() as i64,
            (t + unit).round() as i64,
            t.round() as i64,
        );
        rect(
            raster,
            xi - arm_i - 1,
            yi - t_out,
            xi + arm_i + 1,
            yi + t_out,
            WHITE,
        );
        rect(
            raster,
            xi - t_out,
            yi - arm_i - 1,
            xi + t_out,
            yi + arm_i + 1,
            WHITE,
        );
        rect(
            raster,
            xi - arm_i,
            yi - t_in / 2 - 1,
            xi + arm_i,
            yi + t_in / 2 + 1,
            BLACK,
        );
        rect(
            raster,
            xi - t_in / 2 - 1,
            yi - arm_i,
            xi + t_in / 2 + 1,
            yi + arm_i,
            BLACK,
        );
    }

    // Scale bar along the bottom left: gradient, frame, "0" and "N kPa".
    let bar_h = (10.0 * unit).round().max(4.0) as i64;
    let x0 = (12.0 * unit).round() as i64;
    let x1 = (w * 0.5).round() as i64;
    let y1 = (h - 8.0 * unit).round() as i64;
    let y0 = y1 - bar_h;
    if x1 - x0 > 8 && y0 > 0 {
        rect(raster, x0 - 1, y0 - 1, x1 + 1, y1 + 1, BLACK);
        for x in x0..x1 {
            let c = lut[((x - x0) as usize * (LUT_SIZE - 1)) / ((x1 - x0 - 1).max(1) as usize)];
            for y in y0..y1 {
                blend(raster, x, y, c, 1.0);
            }
        }
        let size = font_size * 0.85;
        let top = y0 as f32 - size * 1.25;
        text(raster, x0 as f32, top, size, "0", BLACK, WHITE);
        let label = format!("{} kPa", format_kpa(raster.scale_max_kpa));
        if let Some(f) = font() {
            let tw = text_width(f, &label, size);
            text(raster, x1 as f32 - tw, top, size, &label, BLACK, WHITE);
        }
    }
}

fn format_kpa(v: f32) -> String {
    if v >= 10.0 || v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footprint::analysis::analyse;
    use crate::footprint::synth::{self, MatGeometry, Stance};
    use crate::footprint::ArchType;

    fn synthetic() -> PressureGrid {
        let mat = MatGeometry {
            rows: 48,
            cols: 48,
            pitch_mm: 8.45,
        };
        synth::generate(&mat, &Stance::pair(ArchType::Normal)).grid
    }

    /// Compares with `tests/golden/<name>`; `CARENCO_BLESS=1` rewrites the file.
    fn golden(name: &str, bytes: &[u8]) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var_os("CARENCO_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
        let expected = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with CARENCO_BLESS=1)", path.display()));
        assert!(
            expected == bytes,
            "{name} differs from the golden file; look at it, then CARENCO_BLESS=1 if intended"
        );
    }

    #[test]
    fn the_default_picture_is_a_512_png_with_the_mat_aspect_ratio() {
        let grid = synthetic();
        let pic = render(&grid, &analyse(&grid), &RenderOptions::default()).unwrap();
        assert_eq!((pic.width, pic.height), (512, 512));
        assert_eq!(&pic.bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoded = image::load_from_memory(&pic.bytes).unwrap();
        assert_eq!(decoded.width(), 512);
        assert_eq!(picture_size(24, 48, 512), (512, 256));
        assert_eq!(picture_size(60, 20, 300), (100, 300));
    }

    #[test]
    fn rendering_is_deterministic_and_matches_the_golden_pictures() {
        let grid = synthetic();
        let metrics = analyse(&grid);
        let small = RenderOptions {
            long_side_px: 192,
            ..RenderOptions::default()
        };
        let a = render(&grid, &metrics, &small).unwrap();
        let b = render(&grid, &metrics, &small).unwrap();
        assert_eq!(a, b);
        golden("synthetic_turbo_192.png", &a.bytes);
        let plain = RenderOptions {
            long_side_px: 128,
            colour_map: ColourMap::Viridis,
            background: Background::Transparent,
            overlays: false,
            ..RenderOptions::default()
        };
        golden(
            "synthetic_viridis_transparent_128.png",
            &render(&grid, &metrics, &plain).unwrap().bytes,
        );
    }

    #[test]
    fn the_pixel_table_gives_the_colour_and_soft_edge_of_each_pressure() {
        let lut = colour_table(ColourMap::Turbo);
        let (scale_max, peak) = (200.0f32, 182.0f32);
        let table = PixelTable::new(lut, scale_max, peak, false);
        let (lo, hi) = (EDGE_LOW * peak, EDGE_HIGH * peak);
        for k in -100..22_000 {
            let v = k as f32 * 0.01;
            // The picture as a per-pixel blend would draw it.
            let c =
                lut[((v.max(0.0) * (LUT_SIZE - 1) as f32 / scale_max) as usize).min(LUT_SIZE - 1)];
            let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
            let alpha = t * t * (3.0 - 2.0 * t);
            let direct = c.map(|c| f32::from(c) * alpha + 255.0 * (1.0 - alpha));
            let got = table.pixel(table.index(v * table.per_kpa)).to_le_bytes();
            for ch in 0..3 {
                assert!(
                    (f32::from(got[ch]) - direct[ch]).abs() <= 1.5,
                    "{v} kPa: {got:?} against {direct:?}"
                );
            }
            if v <= lo {
                assert_eq!(got[..3], WHITE, "{v} kPa is background");
            }
        }
    }

    #[test]
    fn runs_cover_every_column_above_the_threshold_and_merge_across_rows() {
        let row = [0.0, 2.0, 3.0, 0.5, -4.0, 0.0, 1.5];
        assert_eq!(runs_above(&row, 1.0), vec![(1, 3), (4, 5), (6, 7)]);
        assert_eq!(runs_above(&row, 10.0), vec![]);
        let merged = union(&[vec![(1, 3), (6, 7)], vec![(2, 5)], vec![], vec![(9, 12)]]);
        assert_eq!(merged, vec![(1, 5), (6, 7), (9, 12)]);
    }

    #[test]
    fn high_pressure_never_wraps_around() {
        // Regression guard for the seed's bug: it cast to u8 first, so 256 became 0.
        let mut grid = PressureGrid {
            rows: 8,
            cols: 8,
            pitch_mm: 10.0,
            force_n: vec![0.0; 64],
            load_cell_kg: None,
        };
        for (i, f) in [(27, 25.6), (28, 25.5), (35, 51.2), (36, 2.56)] {
            grid.force_n[i] = f;
        }
        let options = RenderOptions {
            long_side_px: 64,
            overlays: false,
            ..RenderOptions::default()
        };
        let raster = rasterise(&grid, &analyse(&grid), &options).unwrap();
        let at = |col: usize, row: usize| {
            let (x, y) = (col * 8 + 4, row * 8 + 4);
            let i = (y * 64 + x) * 3;
            [raster.data[i], raster.data[i + 1], raster.data[i + 2]]
        };
        // 256 kPa (a u8 cast would make it 0) and 255 kPa are both coloured, and alike.
        assert_ne!(at(3, 3), [255, 255, 255]);
        let (a, b) = (at(3, 3), at(4, 3));
        assert!(
            a.iter().zip(b).all(|(x, y)| x.abs_diff(y) < 40),
            "{a:?} {b:?}"
        );
        // The 512 kPa peak sets a round scale of 1000 kPa.
        assert_eq!(raster.scale_max_kpa, 1000.0);
        assert_eq!(at(0, 0), [255, 255, 255]);
    }

    #[test]
    fn transparent_backgrounds_have_alpha_zero_where_nobody_stands() {
        let grid = synthetic();
        let options = RenderOptions {
            background: Background::Transparent,
            overlays: false,
            long_side_px: 96,
            ..RenderOptions::default()
        };
        let raster = rasterise(&grid, &analyse(&grid), &options).unwrap();
        assert_eq!(raster.channels, 4);
        assert_eq!(raster.data[3], 0);
        assert!(raster.data.chunks_exact(4).any(|p| p[3] == 255));
    }

    #[test]
    fn jpeg_and_jet_are_available_on_request() {
        let grid = synthetic();
        let options = RenderOptions {
            format: ImageFormat::Jpeg,
            colour_map: ColourMap::Jet,
            background: Background::Transparent,
            ..RenderOptions::default()
        };
        let pic = render(&grid, &analyse(&grid), &options).unwrap();
        assert_eq!(&pic.bytes[..2], &[0xFF, 0xD8]);
        assert_eq!(
            image::guess_format(&pic.bytes).unwrap(),
            image::ImageFormat::Jpeg
        );
        assert_eq!("jpg".parse::<ImageFormat>(), Ok(ImageFormat::Jpeg));
    }

    #[test]
    fn an_empty_mat_still_renders_and_a_zero_sized_grid_is_an_error() {
        let grid = PressureGrid {
            rows: 24,
            cols: 24,
            pitch_mm: 16.9,
            force_n: vec![0.0; 576],
            load_cell_kg: None,
        };
        assert!(render(&grid, &analyse(&grid), &RenderOptions::default()).is_ok());
        let empty = PressureGrid {
            rows: 0,
            cols: 5,
            ..grid
        };
        assert!(render(&empty, &analyse(&empty), &RenderOptions::default()).is_err());
    }

    #[test]
    fn the_embedded_font_loads_and_scale_values_are_round() {
        assert!(font().is_some());
        assert_eq!(nice_ceil(182.0), 200.0);
        assert_eq!(nice_ceil(230.0), 250.0);
        assert_eq!(nice_ceil(0.7), 1.0);
        assert_eq!(nice_ceil(0.0), 0.0);
        assert_eq!(nice_ceil(f32::NAN), 0.0);
    }

    #[test]
    fn the_balance_trace_is_a_deterministic_png_of_the_asked_size() {
        let path: Vec<[f32; 2]> = (0..200)
            .map(|i| {
                let t = i as f32 / 10.0;
                [200.0 + 8.0 * (t * 3.1).sin(), 180.0 + 5.0 * (t * 1.9).sin()]
            })
            .collect();
        let a = render_trace(&path, 400).unwrap();
        let b = render_trace(&path, 400).unwrap();
        assert_eq!(a, b);
        let img = image::load_from_memory(&a.bytes).unwrap();
        assert_eq!((img.width(), img.height()), (400, 400));
        // Some pixels are trace blue, some ellipse red.
        let rgb = img.to_rgb8();
        assert!(rgb.pixels().any(|p| p.0 == [31, 119, 180]));
        assert!(rgb.pixels().any(|p| p.0 == [214, 39, 40]));
        // No samples at all still draws (an empty frame), never panics.
        assert!(render_trace(&[], 64).is_ok());
        assert!(render_trace(&[[f32::NAN, 1.0]], 64).is_ok());
    }
}
