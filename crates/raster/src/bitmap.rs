//! Single-image inputs (JPEG, PNG, BMP) through the `image` crate, and the
//! orientation handling shared with TIFF.

use crate::{Dpi, Error, Format, Limits, Page, PageImage, PageInfo, PageText, Unit};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};
use std::io::Cursor;

/// An orientation tag (TIFF and EXIF share the values 1..=8).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Oriented(Orientation);

impl Oriented {
    pub(crate) fn from_tiff(tag: u16) -> Self {
        let o = u8::try_from(tag).ok().and_then(Orientation::from_exif);
        Oriented(o.unwrap_or(Orientation::NoTransforms))
    }

    /// A clockwise turn by `degrees` (0, 90, 180, 270; others: none).
    pub(crate) fn turned(degrees: u16) -> Self {
        Oriented(match degrees {
            90 => Orientation::Rotate90,
            180 => Orientation::Rotate180,
            270 => Orientation::Rotate270,
            _ => Orientation::NoTransforms,
        })
    }

    /// True when the displayed image has width and height swapped.
    pub(crate) fn swaps_axes(self) -> bool {
        use Orientation::*;
        matches!(
            self.0,
            Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH
        )
    }

    /// The clockwise rotation the tag applies, ignoring mirroring.
    pub(crate) fn rotation(self) -> u16 {
        use Orientation::*;
        match self.0 {
            Rotate90 | Rotate90FlipH => 90,
            Rotate180 | FlipVertical => 180,
            Rotate270 | Rotate270FlipH => 270,
            NoTransforms | FlipHorizontal => 0,
        }
    }
}

/// Turns stored pixels upright as the orientation tag says they are displayed.
pub(crate) fn orient(image: PageImage, o: Oriented) -> PageImage {
    if matches!(o.0, Orientation::NoTransforms) {
        return image;
    }
    let mut dynamic = image.into_dynamic();
    dynamic.apply_orientation(o.0);
    into_page_image(dynamic)
}

/// Grey stays grey, colour becomes RGB; alpha is composited over white.
fn into_page_image(image: DynamicImage) -> PageImage {
    let color = image.color();
    if color.has_alpha() {
        let mut rgba = image.into_rgba8();
        for p in rgba.pixels_mut() {
            let a = u16::from(p[3]);
            for c in &mut p.0[..3] {
                *c = ((u16::from(*c) * a + 255 * (255 - a)) / 255) as u8;
            }
        }
        let rgb = DynamicImage::ImageRgba8(rgba);
        if color.has_color() {
            PageImage::Rgb(rgb.into_rgb8())
        } else {
            PageImage::Gray(rgb.into_luma8())
        }
    } else if color.has_color() {
        PageImage::Rgb(image.into_rgb8())
    } else {
        PageImage::Gray(image.into_luma8())
    }
}

fn image_format(format: Format) -> image::ImageFormat {
    match format {
        Format::Png => image::ImageFormat::Png,
        Format::Bmp => image::ImageFormat::Bmp,
        _ => image::ImageFormat::Jpeg,
    }
}

fn image_error(e: image::ImageError) -> Error {
    use image::ImageError as E;
    match e {
        E::Limits(l) => Error::LimitExceeded(format!("image decoder: {l}")),
        E::Unsupported(u) => Error::Unsupported(u.to_string()),
        other => Error::Corrupt(other.to_string()),
    }
}

/// A decoder for `bytes` with the limits set, and its orientation.
fn open<'a>(
    bytes: &'a [u8],
    format: Format,
    limits: &Limits,
) -> Result<(Box<dyn ImageDecoder + 'a>, Oriented), Error> {
    match format {
        Format::Png => check_png_palette(bytes)?,
        Format::Jpeg => check_jpeg_end(bytes)?,
        Format::Bmp => check_bmp_size(bytes, limits)?,
        _ => {}
    }
    let reader = ImageReader::with_format(Cursor::new(bytes), image_format(format));
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    let (w, h) = decoder.dimensions();
    limits.check_image(w, h, u64::from(decoder.color_type().bytes_per_pixel()))?;
    let mut il = image::Limits::default();
    il.max_alloc = Some(limits.max_decoded_bytes);
    decoder.set_limits(il).map_err(image_error)?;
    let o = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    Ok((Box::new(decoder), Oriented(o)))
}

/// Checks a BMP's size from its header against the limits before the
/// decoder sees it: the decoder refuses sides above 65535 as a decoding
/// error, which would report an over-sized image as corrupt.
fn check_bmp_size(bytes: &[u8], limits: &Limits) -> Result<(), Error> {
    let u16_at = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let i32_at = |i: usize| {
        bytes
            .get(i..i + 4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let header = bytes
        .get(14..18)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let size = match header {
        // OS/2 1.x: 16-bit sides.
        Some(12) => u16_at(18)
            .zip(u16_at(20))
            .map(|(w, h)| (u32::from(w), u32::from(h))),
        // Windows: 32-bit sides, a negative height for top-down rows.
        Some(_) => i32_at(18)
            .zip(i32_at(22))
            .map(|(w, h)| (w.unsigned_abs(), h.unsigned_abs())),
        None => None,
    };
    match size {
        Some((w, h)) => limits.check_image(w, h, 1),
        // Too short to hold a size: the decoder says what is wrong.
        None => Ok(()),
    }
}

/// Refuses a JPEG cut short: no end-of-image marker after its first scan
/// (in coded data a 0xFF is always followed by 0x00 or a restart marker, so
/// FF D9 there is the EOI). The decoder would fill the missing rows with
/// grey and PDF readers would fail on the data passed on.
fn check_jpeg_end(bytes: &[u8]) -> Result<(), Error> {
    let mut pos = 2;
    while let Some(&[0xFF, marker]) = bytes.get(pos..pos + 2) {
        match marker {
            0xFF => pos += 1,
            0xDA => {
                if bytes[pos..].windows(2).any(|w| w == [0xFF, 0xD9]) {
                    return Ok(());
                }
                return Err(Error::Corrupt(
                    "JPEG: cut short (no end-of-image marker)".into(),
                ));
            }
            0x01 | 0xD0..=0xD9 => pos += 2,
            _ => match bytes.get(pos + 2..pos + 4) {
                Some(len) => pos += 2 + usize::from(u16::from_be_bytes([len[0], len[1]])),
                None => break,
            },
        }
    }
    // No scan found: the decoder says what is wrong.
    Ok(())
}

/// Refuses a palette (PLTE chunk) that is not a whole number of RGB entries,
/// which the PNG spec forbids and `png` 0.18.1 does not check: its palette
/// expansion then panics (image-rs/image-png#694).
fn check_png_palette(bytes: &[u8]) -> Result<(), Error> {
    let mut pos = 8;
    while let Some(head) = bytes.get(pos..pos + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        match &head[4..8] {
            b"PLTE" if !len.is_multiple_of(3) => {
                return Err(Error::Corrupt(format!(
                    "PNG: a palette of {len} bytes is not a whole number of RGB entries"
                )))
            }
            b"IEND" => break,
            _ => {}
        }
        let Some(next) = pos.checked_add(len).and_then(|p| p.checked_add(12)) else {
            break;
        };
        pos = next;
    }
    Ok(())
}

/// Facts about the single page of an image file, from its header.
pub(crate) fn page_info(bytes: &[u8], format: Format, limits: &Limits) -> Result<PageInfo, Error> {
    let (decoder, o) = open(bytes, format, limits)?;
    let (w, h) = decoder.dimensions();
    let dpi = match format {
        Format::Jpeg => jfif_dpi(bytes),
        Format::Png => png_dpi(bytes),
        _ => bmp_dpi(bytes),
    };
    let (dpi, width, height) = if o.swaps_axes() {
        (dpi.map(|d| Dpi { x: d.y, y: d.x }), h, w)
    } else {
        (dpi, w, h)
    };
    Ok(PageInfo {
        index: 0,
        width: width as f32,
        height: height as f32,
        unit: Unit::Px,
        dpi,
        rotation: o.rotation(),
        text: PageText::None,
    })
}

/// Decodes the image, upright.
pub(crate) fn render(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    info: &PageInfo,
) -> Result<Page, Error> {
    let (decoder, o) = open(bytes, format, limits)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    image.apply_orientation(o.0);
    Ok(Page {
        info: info.clone(),
        image: into_page_image(image),
        dpi: info.dpi,
    })
}

fn dpi_from(x: f32, y: f32, per_cm: bool) -> Option<Dpi> {
    let k = if per_cm { 2.54 } else { 1.0 };
    let (x, y) = (x * k, y * k);
    (x >= 1.0 && y >= 1.0 && x.is_finite() && y.is_finite()).then_some(Dpi { x, y })
}

/// The JFIF APP0 density (units 1 = per inch, 2 = per cm; 0 = aspect only).
fn jfif_dpi(bytes: &[u8]) -> Option<Dpi> {
    let app0 = bytes.get(2..20)?;
    if app0[0] != 0xFF || app0[1] != 0xE0 || &app0[4..9] != b"JFIF\0" {
        return None;
    }
    let units = app0[11];
    let x = u16::from_be_bytes([app0[12], app0[13]]);
    let y = u16::from_be_bytes([app0[14], app0[15]]);
    match units {
        1 | 2 => dpi_from(f32::from(x), f32::from(y), units == 2),
        _ => None,
    }
}

/// The PNG pHYs chunk (unit 1 = per metre), searched before the first IDAT.
fn png_dpi(bytes: &[u8]) -> Option<Dpi> {
    let mut pos = 8;
    while let Some(head) = bytes.get(pos..pos + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        if kind == b"IDAT" {
            return None;
        }
        if kind == b"pHYs" {
            let d = bytes.get(pos + 8..pos + 17)?;
            let x = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
            let y = u32::from_be_bytes([d[4], d[5], d[6], d[7]]);
            return (d[8] == 1)
                .then(|| dpi_from(x as f32 * 0.0254, y as f32 * 0.0254, false))
                .flatten();
        }
        pos = pos.checked_add(len)?.checked_add(12)?;
    }
    None
}

/// The BMP info header's pixels per metre (absent in the OS/2 v1 header).
fn bmp_dpi(bytes: &[u8]) -> Option<Dpi> {
    let header = u32::from_le_bytes(bytes.get(14..18)?.try_into().ok()?);
    if header < 40 {
        return None;
    }
    let x = i32::from_le_bytes(bytes.get(38..42)?.try_into().ok()?);
    let y = i32::from_le_bytes(bytes.get(42..46)?.try_into().ok()?);
    dpi_from(x as f32 * 0.0254, y as f32 * 0.0254, false)
}
