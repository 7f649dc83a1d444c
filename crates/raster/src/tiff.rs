//! TIFF pages through the pure-Rust `tiff` decoder: every page, the common
//! compressions (incl. CCITT G3/G4 and JPEG), 1 to 16 bits, orientation and
//! resolution tags. IFD loops are detected by the decoder.

use crate::bitmap::{orient, Oriented};
use crate::{Dpi, Error, Limits, Page, PageImage, PageInfo, PageText, Unit};
use std::io::Cursor;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::Tag;
use tiff::ColorType;

type TiffDecoder<'a> = Decoder<Cursor<&'a [u8]>>;

fn decoder<'a>(bytes: &'a [u8], limits: &Limits) -> Result<TiffDecoder<'a>, Error> {
    let mut tl = tiff::decoder::Limits::default();
    let cap = usize::try_from(limits.max_decoded_bytes).unwrap_or(usize::MAX);
    tl.decoding_buffer_size = cap;
    tl.intermediate_buffer_size = cap;
    Ok(Decoder::new(Cursor::new(bytes))
        .map_err(tiff_error)?
        .with_limits(tl))
}

fn tiff_error(e: tiff::TiffError) -> Error {
    match e {
        tiff::TiffError::UnsupportedError(u) => Error::Unsupported(format!("TIFF: {u}")),
        tiff::TiffError::LimitsExceeded => Error::LimitExceeded("TIFF decoder buffer".into()),
        other => Error::Corrupt(format!("TIFF: {other}")),
    }
}

/// Facts about every page, reading tags only.
pub(crate) fn page_infos(bytes: &[u8], limits: &Limits) -> Result<Vec<PageInfo>, Error> {
    let mut dec = decoder(bytes, limits)?;
    let mut pages = Vec::new();
    loop {
        pages.push(page_info(&mut dec, pages.len(), limits)?);
        limits.check_pages(pages.len())?;
        if !dec.more_images() {
            return Ok(pages);
        }
        dec.next_image().map_err(tiff_error)?;
    }
}

fn page_info(dec: &mut TiffDecoder, index: usize, limits: &Limits) -> Result<PageInfo, Error> {
    let (w, h) = dec.dimensions().map_err(tiff_error)?;
    limits.check_image(w, h, 1)?;
    let orientation = dec
        .find_tag_unsigned::<u16>(Tag::Orientation)
        .ok()
        .flatten()
        .unwrap_or(1);
    let o = Oriented::from_tiff(orientation);
    let dpi = resolution(dec).map(|d| {
        if o.swaps_axes() {
            Dpi { x: d.y, y: d.x }
        } else {
            d
        }
    });
    let (width, height) = if o.swaps_axes() { (h, w) } else { (w, h) };
    Ok(PageInfo {
        index,
        width: width as f32,
        height: height as f32,
        unit: Unit::Px,
        dpi,
        rotation: o.rotation(),
        text: PageText::None,
    })
}

/// XResolution/YResolution in DPI (ResolutionUnit 2 = inch, 3 = cm, 1 = no unit).
fn resolution(dec: &mut TiffDecoder) -> Option<Dpi> {
    let x = rational(dec, Tag::XResolution)?;
    let y = rational(dec, Tag::YResolution).unwrap_or(x);
    let unit = dec
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten();
    match unit.unwrap_or(2) {
        2 => dpi(x, y),
        3 => dpi(x * 2.54, y * 2.54),
        _ => None,
    }
}

fn dpi(x: f32, y: f32) -> Option<Dpi> {
    (x.is_finite() && y.is_finite() && x >= 1.0 && y >= 1.0).then_some(Dpi { x, y })
}

/// A RATIONAL tag (the type TIFF prescribes for resolutions), or a number.
fn rational(dec: &mut TiffDecoder, tag: Tag) -> Option<f32> {
    use tiff::decoder::ifd::Value;
    match dec.find_tag(tag).ok()?? {
        Value::Rational(n, d) if d != 0 => Some(n as f32 / d as f32),
        Value::Float(v) => Some(v),
        Value::Double(v) => Some(v as f32),
        Value::Short(v) => Some(f32::from(v)),
        Value::Unsigned(v) => Some(v as f32),
        _ => None,
    }
}

/// Decodes one page.
pub(crate) fn render(bytes: &[u8], limits: &Limits, info: &PageInfo) -> Result<Page, Error> {
    let mut dec = decoder(bytes, limits)?;
    dec.seek_to_image(info.index).map_err(tiff_error)?;
    let (w, h) = dec.dimensions().map_err(tiff_error)?;
    // Colour pages may need 4 bytes a pixel on the way (RGBA, CMYK).
    limits.check_image(w, h, 4)?;
    let orientation = dec
        .find_tag_unsigned::<u16>(Tag::Orientation)
        .ok()
        .flatten()
        .unwrap_or(1);
    let decoded = dec
        .colortype()
        .and_then(|color| Ok((color, dec.read_image()?)))
        .map_err(tiff_error)
        .and_then(|(color, data)| to_page_image(&mut dec, w, h, color, data));
    // What the Rust decoder cannot read (CCITT G3, palettes, planar data,
    // bit-reversed fill order, ...) libtiff may: try it, and report the
    // first error when neither can.
    let image = match decoded {
        Ok(image) => orient(image, Oriented::from_tiff(orientation)),
        Err(first @ (Error::Unsupported(_) | Error::Corrupt(_))) => {
            tracing::debug!(%first, "TIFF page not read by the Rust decoder: trying Leptonica");
            // Leptonica applies the orientation tag itself: its page is
            // already upright (turning it again put G3 faxes on their side).
            let image = crate::leptonica::decode_tiff_page(bytes, info.index).map_err(|_| first)?;
            // The two readers may disagree on a damaged directory: keep the
            // size the page list promised, or fail.
            if (image.width() as f32, image.height() as f32) != (info.width, info.height) {
                return Err(Error::Corrupt(format!(
                    "TIFF: page {} decodes to {}x{} pixels, its directory says {}x{}",
                    info.index + 1,
                    image.width(),
                    image.height(),
                    info.width,
                    info.height
                )));
            }
            image
        }
        Err(e) => return Err(e),
    };
    Ok(Page {
        info: info.clone(),
        image,
        dpi: info.dpi,
    })
}

fn to_page_image(
    dec: &mut TiffDecoder,
    w: u32,
    h: u32,
    color: ColorType,
    data: DecodingResult,
) -> Result<PageImage, Error> {
    let (wu, hu) = (w as usize, h as usize);
    let size_error = || Error::Corrupt("TIFF: image data shorter than its size".into());
    let samples: Vec<u8> = match data {
        DecodingResult::U8(v) => v,
        // 16-bit samples: keep the high byte.
        DecodingResult::U16(v) => v.into_iter().map(|s| (s >> 8) as u8).collect(),
        _ => {
            return Err(Error::Unsupported(format!(
                "TIFF sample format of {color:?}"
            )))
        }
    };
    let image = match color {
        ColorType::Gray(8) | ColorType::Gray(16) => {
            image::GrayImage::from_raw(w, h, truncate(samples, wu * hu)?).map(PageImage::Gray)
        }
        ColorType::Gray(bits @ (1 | 2 | 4)) => {
            image::GrayImage::from_raw(w, h, unpack(&samples, wu, hu, bits)?).map(PageImage::Gray)
        }
        ColorType::GrayA(8) | ColorType::GrayA(16) => {
            let ga = truncate(samples, wu * hu * 2)?;
            image::GrayImage::from_raw(
                w,
                h,
                ga.chunks_exact(2).map(|p| over_white(p[0], p[1])).collect(),
            )
            .map(PageImage::Gray)
        }
        ColorType::RGB(8) | ColorType::RGB(16) => {
            image::RgbImage::from_raw(w, h, truncate(samples, wu * hu * 3)?).map(PageImage::Rgb)
        }
        // The decoder hands YCbCr samples over as they are (JPEG-in-TIFF
        // included): convert with the JPEG (BT.601 full-range) matrix, as
        // libtiff does.
        ColorType::YCbCr(8) => {
            let ycc = truncate(samples, wu * hu * 3)?;
            let rgb = ycc
                .chunks_exact(3)
                .flat_map(|p| ycbcr_to_rgb(p[0], p[1], p[2]));
            image::RgbImage::from_raw(w, h, rgb.collect()).map(PageImage::Rgb)
        }
        ColorType::RGBA(8) | ColorType::RGBA(16) => {
            let rgba = truncate(samples, wu * hu * 4)?;
            let rgb = rgba.chunks_exact(4).flat_map(|p| {
                [
                    over_white(p[0], p[3]),
                    over_white(p[1], p[3]),
                    over_white(p[2], p[3]),
                ]
            });
            image::RgbImage::from_raw(w, h, rgb.collect()).map(PageImage::Rgb)
        }
        ColorType::CMYK(8) | ColorType::CMYK(16) => {
            let cmyk = truncate(samples, wu * hu * 4)?;
            let rgb = cmyk.chunks_exact(4).flat_map(|p| {
                let k = 255 - u16::from(p[3]);
                [p[0], p[1], p[2]].map(|c| ((255 - u16::from(c)) * k / 255) as u8)
            });
            image::RgbImage::from_raw(w, h, rgb.collect()).map(PageImage::Rgb)
        }
        ColorType::Palette(bits @ (1 | 2 | 4 | 8)) => {
            let map = dec.get_tag_u16_vec(Tag::ColorMap).map_err(tiff_error)?;
            let n = 1usize << bits;
            if map.len() < 3 * n {
                return Err(Error::Corrupt("TIFF: colour map too short".into()));
            }
            let idx = unpack(&samples, wu, hu, bits)?;
            // `unpack` scaled the index to 0..=255; undo it to index the map.
            let step = 255 / (n - 1).max(1);
            let rgb = idx.iter().flat_map(|&v| {
                let i = usize::from(v) / step;
                [map[i], map[n + i], map[2 * n + i]].map(|c| (c >> 8) as u8)
            });
            image::RgbImage::from_raw(w, h, rgb.collect()).map(PageImage::Rgb)
        }
        other => return Err(Error::Unsupported(format!("TIFF colour type {other:?}"))),
    };
    image.ok_or_else(size_error)
}

/// One pixel from YCbCr to RGB (JFIF's full-range BT.601 matrix).
fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (f32::from(y), f32::from(cb) - 128.0, f32::from(cr) - 128.0);
    [
        y + 1.402 * cr,
        y - 0.344_136 * cb - 0.714_136 * cr,
        y + 1.772 * cb,
    ]
    .map(|v| v.round().clamp(0.0, 255.0) as u8)
}

fn truncate(mut v: Vec<u8>, len: usize) -> Result<Vec<u8>, Error> {
    if v.len() < len {
        return Err(Error::Corrupt(
            "TIFF: image data shorter than its size".into(),
        ));
    }
    v.truncate(len);
    Ok(v)
}

/// Composites a sample with its alpha over a white background.
fn over_white(c: u8, a: u8) -> u8 {
    let (c, a) = (u16::from(c), u16::from(a));
    ((c * a + 255 * (255 - a)) / 255) as u8
}

/// Expands rows of packed `bits`-bit samples (rows padded to whole bytes) to
/// one byte each, scaled to 0..=255.
fn unpack(packed: &[u8], w: usize, h: usize, bits: u8) -> Result<Vec<u8>, Error> {
    let bits = usize::from(bits);
    let row_bytes = (w * bits).div_ceil(8);
    if packed.len() < row_bytes * h {
        return Err(Error::Corrupt(
            "TIFF: image data shorter than its size".into(),
        ));
    }
    let max = (1u16 << bits) - 1;
    let mut out = Vec::with_capacity(w * h);
    for row in packed.chunks_exact(row_bytes).take(h) {
        for x in 0..w {
            let bit = x * bits;
            let byte = row[bit / 8];
            let v = (byte >> (8 - bits - bit % 8)) & max as u8;
            out.push((u16::from(v) * 255 / max) as u8);
        }
    }
    Ok(out)
}
