//! Searchable PDF from images: one page per image (every TIFF page), sized
//! from the image's resolution ([`crate::FALLBACK_DPI`] when it has none),
//! with the text layer over it.
//!
//! The image goes in without quality loss, and without re-encoding where
//! PDF can take the stored data as it is:
//! - JPEG (8-bit, Huffman-coded): the file's bytes as `DCTDecode`, Adobe
//!   CMYK with the inverting `/Decode` array;
//! - TIFF pages compressed with CCITT Group 4: each strip's bytes as a
//!   `CCITTFaxDecode` image (`/K -1`, `/Columns`, `/Rows`, `/BlackIs1` from
//!   the photometric interpretation; bit-reversed fill order is undone);
//! - everything else is decoded (as the OCR saw it) and stored with Flate:
//!   black-and-white pages as 1 bit per pixel, grey as 8, colour as RGB.
//!
//! Orientation (EXIF or TIFF tag) is honoured by the placement matrix for
//! stored data, so the page displays upright without touching the pixels;
//! decoded images are already upright.

use crate::font::CodeMap;
use crate::graft::{flate_stream, font_objects};
use crate::layer::{self, Affine, Prefixed};
use crate::serialize::ObjectWriter;
use crate::{image_dpi, page_size_pt, WriteError};
use lopdf::{Dictionary, Object, Stream};
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, Format, PageImage, RenderDpi};
use std::collections::BTreeMap;
use std::io::Write;

/// The resource-name prefix of the layer's fonts (pages hold nothing else).
const FONT_PREFIX: &str = "F";

/// Stored image data PDF can decode itself, and where it sits.
struct Stored {
    /// Stored (not displayed) size in pixels.
    width: u32,
    height: u32,
    /// The EXIF/TIFF orientation value (1..=8).
    orientation: u16,
    /// The image XObjects and the stored rows `[y0, y1)` each covers.
    parts: Vec<(Object, u32, u32)>,
}

/// Writes a PDF with one page per page of `doc` (an image document).
pub fn write_pdf(
    doc: &Document,
    pages: &[Option<&PageResult>],
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let mut w = ObjectWriter::new(0);
    // A binary comment so that transfer tools treat the file as binary.
    w.buf.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    let (catalog, tree) = (1u32, 2u32);
    let mut next_id = 3u32;
    let mut new_id = || {
        let id = next_id;
        next_id += 1;
        id
    };
    let mut kids = Vec::new();
    let mut variant_ids: BTreeMap<usize, u32> = BTreeMap::new();
    let mut pending_fonts: Vec<usize> = Vec::new();
    let mut codes = CodeMap::default();
    for (index, (info, result)) in doc.pages().iter().zip(pages).enumerate() {
        let page_error = |message: String| WriteError::Page {
            page: index + 1,
            message,
        };
        let (w_pt, h_pt) = page_size_pt(info);
        if !(w_pt > 0.0 && h_pt > 0.0 && w_pt.is_finite() && h_pt.is_finite()) {
            return Err(page_error("empty page size".into()));
        }
        let mut content = Vec::new();
        let mut xobjects = Dictionary::new();
        let stored = match doc.format() {
            Format::Jpeg => jpeg(doc.bytes()),
            Format::Tiff => ccitt_page(doc.bytes(), index),
            _ => None,
        };
        match stored {
            Some(stored) => {
                let (dw, dh) = if stored.orientation >= 5 {
                    (stored.height, stored.width)
                } else {
                    (stored.width, stored.height)
                };
                for (i, (image, y0, y1)) in stored.parts.into_iter().enumerate() {
                    let id = new_id();
                    w.indirect((id, 0), &image);
                    let name = format!("Im{i}");
                    xobjects.set(name.as_bytes(), Object::Reference((id, 0)));
                    let m = placement(
                        stored.width,
                        stored.height,
                        stored.orientation,
                        (y0, y1),
                        (w_pt / f64::from(dw), h_pt / f64::from(dh)),
                        dh,
                    );
                    draw(&mut content, m, &name);
                }
            }
            None => {
                let page = doc.render(index, RenderDpi::default())?;
                let id = new_id();
                w.indirect((id, 0), &encode(&page.image));
                xobjects.set("Im0", Object::Reference((id, 0)));
                draw(&mut content, [w_pt, 0.0, 0.0, h_pt, 0.0, 0.0], "Im0");
            }
        }
        let mut fonts = Dictionary::new();
        if let Some(result) = result {
            let to_user = Affine::for_image_page(w_pt, h_pt, result.width, result.height);
            let (text, used) = layer::content(result, &to_user, &mut codes, &Prefixed(FONT_PREFIX));
            content.extend_from_slice(&text);
            for k in used {
                let id = *variant_ids.entry(k).or_insert_with(|| {
                    pending_fonts.push(k);
                    new_id()
                });
                fonts.set(format!("{FONT_PREFIX}{k}"), Object::Reference((id, 0)));
            }
        }
        let content_id = new_id();
        w.indirect(
            (content_id, 0),
            &flate_stream(Dictionary::new(), &content, 6),
        );
        let mut resources = Dictionary::new();
        resources.set("XObject", Object::Dictionary(xobjects));
        if !fonts.is_empty() {
            resources.set("Font", Object::Dictionary(fonts));
        }
        let mut page = Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Parent", Object::Reference((tree, 0)));
        page.set(
            "MediaBox",
            Object::Array(vec![
                0.into(),
                0.into(),
                Object::Real(w_pt as f32),
                Object::Real(h_pt as f32),
            ]),
        );
        page.set("Resources", Object::Dictionary(resources));
        page.set("Contents", Object::Reference((content_id, 0)));
        let page_id = new_id();
        w.indirect((page_id, 0), &Object::Dictionary(page));
        kids.push(Object::Reference((page_id, 0)));
        tracing::trace!(page = index + 1, dpi = ?image_dpi(info), "image page written");
    }
    if !variant_ids.is_empty() {
        let (program, gid_map, to_unicode) = (new_id(), new_id(), new_id());
        let ttf = crate::font::glyphless_ttf();
        let mut d = Dictionary::new();
        d.set("Length1", ttf.len() as i64);
        w.indirect((program, 0), &flate_stream(d, &ttf, 9));
        w.indirect(
            (gid_map, 0),
            &flate_stream(Dictionary::new(), &crate::font::cid_to_gid_map(), 9),
        );
        w.indirect(
            (to_unicode, 0),
            &flate_stream(Dictionary::new(), &codes.to_unicode_cmap(), 9),
        );
        for (k, type0) in variant_ids {
            let (cid, descriptor) = (new_id(), new_id());
            for (id, obj) in font_objects(k, type0, cid, descriptor, program, gid_map, to_unicode) {
                w.indirect(id, &obj);
            }
        }
    }
    let mut tree_dict = Dictionary::new();
    tree_dict.set("Type", Object::Name(b"Pages".to_vec()));
    tree_dict.set("Count", kids.len() as i64);
    tree_dict.set("Kids", Object::Array(kids));
    w.indirect((tree, 0), &Object::Dictionary(tree_dict));
    let mut cat = Dictionary::new();
    cat.set("Type", Object::Name(b"Catalog".to_vec()));
    cat.set("Pages", Object::Reference((tree, 0)));
    w.indirect((catalog, 0), &Object::Dictionary(cat));
    let info_id = new_id();
    let mut info = Dictionary::new();
    info.set(
        "Producer",
        Object::string_literal(concat!("ocrloom ", env!("CARGO_PKG_VERSION"))),
    );
    w.indirect((info_id, 0), &Object::Dictionary(info));
    w.entries.insert(0, crate::serialize::Entry::Free);
    let mut trailer = Dictionary::new();
    trailer.set("Root", Object::Reference((catalog, 0)));
    trailer.set("Info", Object::Reference((info_id, 0)));
    let size = next_id;
    out.write_all(&w.finish_table(trailer, size))?;
    Ok(())
}

/// `q <m> cm /<name> Do Q`
fn draw(content: &mut Vec<u8>, m: [f64; 6], name: &str) {
    let mut c = pdf_writer::Content::new();
    c.save_state();
    c.transform(m.map(|v| v as f32));
    c.x_object(pdf_writer::Name(name.as_bytes()));
    c.restore_state();
    content.extend_from_slice(&c.finish().into_vec());
    // Operators of the next part must not run into `Q`.
    content.push(b'\n');
}

/// Where a stored pixel `(x, y)` (y down) is displayed, for an image
/// `w x h` with EXIF/TIFF `orientation`.
fn orient(x: f64, y: f64, w: f64, h: f64, orientation: u16) -> (f64, f64) {
    match orientation {
        2 => (w - x, y),
        3 => (w - x, h - y),
        4 => (x, h - y),
        5 => (y, x),
        6 => (h - y, x),
        7 => (h - y, w - x),
        8 => (y, w - x),
        _ => (x, y),
    }
}

/// The `cm` matrix drawing stored rows `y0..y1` of a `w x h` image so that
/// the page shows the image upright: `scale` is points per displayed pixel,
/// `dh` the displayed height in pixels.
fn placement(
    w: u32,
    h: u32,
    orientation: u16,
    (y0, y1): (u32, u32),
    scale: (f64, f64),
    dh: u32,
) -> [f64; 6] {
    let (wf, hf) = (f64::from(w), f64::from(h));
    // Image space (u, v) -> stored pixel -> displayed pixel -> page point.
    let page = |u: f64, v: f64| {
        let (sx, sy) = (u * wf, f64::from(y1) - v * f64::from(y1 - y0));
        let (dx, dy) = orient(sx, sy, wf, hf, orientation);
        (dx * scale.0, (f64::from(dh) - dy) * scale.1)
    };
    let o = page(0.0, 0.0);
    let a = page(1.0, 0.0);
    let b = page(0.0, 1.0);
    [a.0 - o.0, a.1 - o.1, b.0 - o.0, b.1 - o.1, o.0, o.1]
}

/// A decoded page as a Flate image: 1 bit when it is black and white.
fn encode(image: &PageImage) -> Object {
    let (w, h) = (image.width(), image.height());
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Image".to_vec()));
    dict.set("Width", i64::from(w));
    dict.set("Height", i64::from(h));
    let (color, bits, data): (&[u8], i64, Vec<u8>) = match image {
        PageImage::Gray(g) if g.as_raw().iter().all(|&p| p == 0 || p == 255) => {
            let row = (w as usize).div_ceil(8);
            let mut packed = vec![0u8; row * h as usize];
            for (y, line) in g.as_raw().chunks_exact(w as usize).enumerate() {
                for (x, &p) in line.iter().enumerate() {
                    if p == 255 {
                        packed[y * row + x / 8] |= 0x80 >> (x % 8);
                    }
                }
            }
            (b"DeviceGray", 1, packed)
        }
        PageImage::Gray(g) => (b"DeviceGray", 8, g.as_raw().clone()),
        PageImage::Rgb(rgb) => (b"DeviceRGB", 8, rgb.as_raw().clone()),
    };
    dict.set("ColorSpace", Object::Name(color.to_vec()));
    dict.set("BitsPerComponent", bits);
    flate_stream(dict, &data, 6)
}

/// A JPEG PDF can decode as it is (8-bit, baseline or progressive).
fn jpeg(bytes: &[u8]) -> Option<Stored> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let (mut pos, mut adobe, mut orientation) = (2usize, false, 1u16);
    let mut frame: Option<(u32, u32, u8)> = None;
    while pos + 4 <= bytes.len() {
        if bytes[pos] != 0xFF {
            return None;
        }
        let marker = bytes[pos + 1];
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]));
        let seg = bytes.get(pos + 4..pos + 2 + len)?;
        match marker {
            // Huffman SOF: baseline, extended, progressive.
            0xC0..=0xC2 => {
                if seg.len() < 6 || seg[0] != 8 {
                    return None;
                }
                let h = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                let w = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                frame = Some((w, h, seg[5]));
            }
            // Lossless, hierarchical or arithmetic-coded: not for DCTDecode.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            0xEE if seg.starts_with(b"Adobe") => adobe = true,
            0xE1 if seg.starts_with(b"Exif\0\0") => {
                orientation = exif_orientation(&seg[6..]).unwrap_or(1);
            }
            0xDA => break,
            _ => {}
        }
        pos += 2 + len;
    }
    let (width, height, components) = frame?;
    if width == 0 || height == 0 {
        return None;
    }
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Image".to_vec()));
    dict.set("Width", i64::from(width));
    dict.set("Height", i64::from(height));
    dict.set("BitsPerComponent", 8);
    let space: &[u8] = match components {
        1 => b"DeviceGray",
        3 => b"DeviceRGB",
        4 => b"DeviceCMYK",
        _ => return None,
    };
    dict.set("ColorSpace", Object::Name(space.to_vec()));
    if components == 4 && adobe {
        // Adobe writes CMYK JPEGs inverted.
        dict.set(
            "Decode",
            Object::Array([1, 0, 1, 0, 1, 0, 1, 0].map(Object::Integer).to_vec()),
        );
    }
    dict.set("Filter", Object::Name(b"DCTDecode".to_vec()));
    let image = Object::Stream(Stream::new(dict, bytes.to_vec()));
    Some(Stored {
        width,
        height,
        orientation: if (1..=8).contains(&orientation) {
            orientation
        } else {
            1
        },
        parts: vec![(image, 0, height)],
    })
}

/// The orientation tag (0x0112) of IFD0 of an EXIF TIFF block.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let le = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count.min(512) {
        let entry = ifd + 2 + i * 12;
        if u16_at(entry)? == 0x0112 {
            return u16_at(entry + 8);
        }
    }
    None
}

/// A TIFF page stored as CCITT Group 4 strips, as one image per strip.
fn ccitt_page(bytes: &[u8], index: usize) -> Option<Stored> {
    use tiff::tags::Tag;
    let mut dec = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).ok()?;
    dec.seek_to_image(index).ok()?;
    let tag = |dec: &mut tiff::decoder::Decoder<_>, t: Tag| -> Option<u32> {
        dec.find_tag_unsigned::<u32>(t).ok().flatten()
    };
    if tag(&mut dec, Tag::Compression)? != 4
        || tag(&mut dec, Tag::BitsPerSample).unwrap_or(1) != 1
        || tag(&mut dec, Tag::SamplesPerPixel).unwrap_or(1) != 1
        || tag(&mut dec, Tag::TileWidth).is_some()
        // T6Options bit 1: uncompressed mode, which PDF readers may not decode.
        || tag(&mut dec, Tag::Unknown(293)).unwrap_or(0) & 2 != 0
    {
        return None;
    }
    let (width, height) = dec.dimensions().ok()?;
    let photometric = tag(&mut dec, Tag::PhotometricInterpretation).unwrap_or(0);
    if photometric > 1 {
        return None;
    }
    let reversed = tag(&mut dec, Tag::FillOrder).unwrap_or(1) == 2;
    let orientation = tag(&mut dec, Tag::Orientation).unwrap_or(1);
    let rows_per_strip = tag(&mut dec, Tag::RowsPerStrip)
        .unwrap_or(height)
        .clamp(1, height.max(1));
    let offsets = dec.get_tag_u64_vec(Tag::StripOffsets).ok()?;
    let counts = dec.get_tag_u64_vec(Tag::StripByteCounts).ok()?;
    let strips = height.div_ceil(rows_per_strip) as usize;
    if width == 0 || height == 0 || offsets.len() < strips || counts.len() < strips {
        return None;
    }
    let mut parts = Vec::with_capacity(strips);
    for s in 0..strips {
        let start = usize::try_from(offsets[s]).ok()?;
        let len = usize::try_from(counts[s]).ok()?;
        let mut data = bytes.get(start..start.checked_add(len)?)?.to_vec();
        if reversed {
            data.iter_mut().for_each(|b| *b = b.reverse_bits());
        }
        let y0 = s as u32 * rows_per_strip;
        let rows = rows_per_strip.min(height - y0);
        let mut params = Dictionary::new();
        params.set("K", -1);
        params.set("Columns", i64::from(width));
        params.set("Rows", i64::from(rows));
        // The codec's "white" runs are 0 bits: with MinIsBlack they show black.
        params.set("BlackIs1", photometric == 1);
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Image".to_vec()));
        dict.set("Width", i64::from(width));
        dict.set("Height", i64::from(rows));
        dict.set("BitsPerComponent", 1);
        dict.set("ColorSpace", Object::Name(b"DeviceGray".to_vec()));
        dict.set("Filter", Object::Name(b"CCITTFaxDecode".to_vec()));
        dict.set("DecodeParms", Object::Dictionary(params));
        parts.push((Object::Stream(Stream::new(dict, data)), y0, y0 + rows));
    }
    Some(Stored {
        width,
        height,
        orientation: u16::try_from(orientation)
            .ok()
            .filter(|o| (1..=8).contains(o))
            .unwrap_or(1),
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_upright_and_turned() {
        // 100 x 50 stored, upright, 1 pt per pixel.
        let m = placement(100, 50, 1, (0, 50), (1.0, 1.0), 50);
        assert_eq!(m, [100.0, 0.0, 0.0, 50.0, 0.0, 0.0]);
        // Orientation 6 (turn 90 clockwise): displayed 50 x 100. The stored
        // top-left pixel shows at the top-right corner.
        let m = placement(100, 50, 6, (0, 50), (1.0, 1.0), 100);
        let at = |u: f64, v: f64| (m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]);
        assert_eq!(at(0.0, 1.0), (50.0, 100.0));
        assert_eq!(at(1.0, 1.0), (50.0, 0.0));
    }
}
