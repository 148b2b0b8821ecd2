//! The page the helper is given: PNG or JPEG bytes decoded to RGB, within a pixel
//! limit checked from the header before any pixel is allocated (a hostile or broken
//! image must not take the kiosk's memory: the helper exits 2 and says why).

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use thiserror::Error;

/// The most pixels a page may have: 40 MP (a 12 MP phone photo is well inside; the
/// RGB copy and the detector's input stay under ~200 MB).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side a page may have, in pixels.
pub const MAX_SIDE: u32 = 20_000;

/// Why the bytes are not a page.
#[derive(Debug, Error, PartialEq)]
pub enum ImageError {
    #[error("cannot decode the image: {0}")]
    Decode(String),
    #[error("the image is {width}x{height}: more than the {max_pixels} pixels or {max_side} pixels a side the helper reads")]
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
        max_side: u32,
    },
    #[error("the image has no pixels ({width}x{height})")]
    Empty { width: u32, height: u32 },
}

/// A decoded page, RGB, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct RgbPage {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Decodes PNG/JPEG bytes, refusing pages over [`MAX_PIXELS`] or [`MAX_SIDE`].
pub fn decode(bytes: &[u8]) -> Result<RgbPage, ImageError> {
    let bad = |e: image::ImageError| ImageError::Decode(e.to_string());
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoder's own buffers: the page at 8 bytes a pixel (16-bit RGBA) at most.
    limits.max_alloc = Some(MAX_PIXELS * 8);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooLarge {
            width: 0,
            height: 0,
            max_pixels: MAX_PIXELS,
            max_side: MAX_SIDE,
        },
        e => bad(e),
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageError::Empty { width, height });
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width.max(height) > MAX_SIDE {
        return Err(ImageError::TooLarge {
            width,
            height,
            max_pixels: MAX_PIXELS,
            max_side: MAX_SIDE,
        });
    }
    decoder.set_limits(limits).map_err(bad)?;
    let img = DynamicImage::from_decoder(decoder).map_err(bad)?;
    Ok(RgbPage {
        width,
        height,
        rgb: img.into_rgb8().into_raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([10, 20, 30]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_png_decodes_to_rgb() {
        let page = decode(&png(3, 2)).unwrap();
        assert_eq!((page.width, page.height), (3, 2));
        assert_eq!(&page.rgb[..3], &[10, 20, 30]);
        assert_eq!(page.rgb.len(), 18);
    }

    #[test]
    fn garbage_and_truncated_images_are_decode_errors() {
        assert!(matches!(
            decode(b"not an image"),
            Err(ImageError::Decode(_))
        ));
        assert!(matches!(decode(b""), Err(ImageError::Decode(_))));
        let full = png(40, 40);
        assert!(matches!(
            decode(&full[..full.len() / 2]),
            Err(ImageError::Decode(_))
        ));
    }

    /// A 1x1 PNG whose header claims `w`x`h` (its CRC fixed, so only the size is
    /// wrong), with the one pixel's data after it.
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut bytes = png(1, 1);
        bytes[16..20].copy_from_slice(&w.to_be_bytes());
        bytes[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn a_header_claiming_a_huge_page_is_refused_before_decoding() {
        // Over the side limit: the decoder's own limits refuse it.
        assert!(matches!(
            decode(&png_claiming(30_000, 30_000)),
            Err(ImageError::TooLarge { .. })
        ));
        // Within the side limit but over the pixel limit: refused from the header.
        assert_eq!(
            decode(&png_claiming(10_000, 10_000)),
            Err(ImageError::TooLarge {
                width: 10_000,
                height: 10_000,
                max_pixels: MAX_PIXELS,
                max_side: MAX_SIDE
            })
        );
        // Within both, the data is short: a decode error, not a panic.
        assert!(matches!(
            decode(&png_claiming(1000, 1000)),
            Err(ImageError::Decode(_))
        ));
    }
}
