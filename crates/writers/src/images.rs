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
//! - TIFF pages compressed with JPEG (compression 7; 8-bit grey, RGB, YCbCr
//!   or CMYK, contiguous planes): each strip or tile with the `JPEGTables`
//!   put in front is a whole JPEG, embedded as `DCTDecode` with the colour
//!   transform the photometric interpretation says (`/ColorTransform` 0 for
//!   RGB and CMYK, 1 for YCbCr; RGB also gets an Adobe marker saying 0, the
//!   only sign some readers heed). Strips of one sequential scan each, with the
//!   same tables, are joined into one JPEG (restart markers between them,
//!   the entropy-coded data unchanged); otherwise each strip or tile is an
//!   image of its own, and the parts past the page edge (padding of edge
//!   tiles) are clipped away;
//! - everything else is decoded (as the OCR saw it) and stored with Flate:
//!   black-and-white pages as 1 bit per pixel, grey as 8, colour as RGB.
//!
//! Orientation (EXIF or TIFF tag) is honoured by the placement matrix for
//! stored data, so the page displays upright without touching the pixels;
//! decoded images are already upright.
//!
//! The file is PDF 1.5: the non-stream objects (pages, fonts, catalog) sit
//! in object streams, indexed by a cross-reference stream.

use crate::font::CodeMap;
use crate::graft::{font_objects, font_streams};
use crate::layer::{self, Affine, Prefixed};
use crate::serialize::{flate_stream, ObjectWriter};
use crate::{image_dpi, page_size_pt, WriteError};
use lopdf::{Dictionary, Object, Stream};
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, Format, PageImage, RenderDpi};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::SystemTime;

/// The resource-name prefix of the layer's fonts (pages hold nothing else).
const FONT_PREFIX: &str = "F";

/// Stored image data PDF can decode itself, and where it sits.
struct Stored {
    /// Stored (not displayed) size in pixels.
    width: u32,
    height: u32,
    /// The EXIF/TIFF orientation value (1..=8).
    orientation: u16,
    /// The image XObjects and the stored pixels `[x0, x1) x [y0, y1)` each
    /// covers (past the image's edge for padded tiles: clipped).
    parts: Vec<(Object, [u32; 4])>,
}

/// Writes a PDF with one page per page of `doc` (an image document),
/// dated `timestamp` when given (see [`crate::WriteOptions::timestamp`]).
pub fn write_pdf(
    doc: &Document,
    pages: &[Option<&PageResult>],
    timestamp: Option<SystemTime>,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    write_pdf_with(doc, pages, timestamp, out, true)
}

/// [`write_pdf`]; with `pass_through` false every page is decoded and
/// stored with Flate (the tests compare the two).
fn write_pdf_with(
    doc: &Document,
    pages: &[Option<&PageResult>],
    timestamp: Option<SystemTime>,
    out: &mut dyn Write,
    pass_through: bool,
) -> Result<(), WriteError> {
    let mut w = ObjectWriter::new(0);
    // A binary comment so that transfer tools treat the file as binary.
    // 1.5: object and cross-reference streams.
    w.buf.extend_from_slice(b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n");
    // Every non-stream object goes into an object stream (see `serialize`).
    w.pack();
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
            _ if !pass_through => None,
            Format::Jpeg => jpeg(doc.bytes()),
            Format::Tiff => {
                ccitt_page(doc.bytes(), index).or_else(|| tiff_jpeg_page(doc.bytes(), index))
            }
            _ => None,
        };
        match stored {
            Some(stored) => {
                let (dw, dh) = if stored.orientation >= 5 {
                    (stored.height, stored.width)
                } else {
                    (stored.width, stored.height)
                };
                // Padding of edge tiles lies past the image, which fills the
                // page: clip to the page.
                let clip = stored
                    .parts
                    .iter()
                    .any(|(_, r)| r[2] > stored.width || r[3] > stored.height);
                if clip {
                    content.extend_from_slice(
                        format!("q 0 0 {} {} re W n\n", w_pt as f32, h_pt as f32).as_bytes(),
                    );
                }
                for (i, (image, rect)) in stored.parts.into_iter().enumerate() {
                    let id = new_id();
                    w.indirect((id, 0), &image);
                    let name = format!("Im{i}");
                    xobjects.set(name.as_bytes(), Object::Reference((id, 0)));
                    let m = placement(
                        stored.width,
                        stored.height,
                        stored.orientation,
                        rect,
                        (w_pt / f64::from(dw), h_pt / f64::from(dh)),
                        dh,
                    );
                    draw(&mut content, m, &name);
                }
                if clip {
                    content.extend_from_slice(b"Q\n");
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
        w.indirect((content_id, 0), &flate_stream(Dictionary::new(), &content));
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
        for (id, stream) in [program, gid_map, to_unicode]
            .into_iter()
            .zip(font_streams(&codes))
        {
            w.indirect((id, 0), &stream);
        }
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
    if let Some(t) = timestamp {
        info.set("CreationDate", crate::pdf_time(t));
        info.set("ModDate", crate::pdf_time(t));
    }
    w.indirect((info_id, 0), &Object::Dictionary(info));
    w.object_streams(&mut new_id);
    w.entries.insert(0, crate::serialize::Entry::Free);
    let mut trailer = Dictionary::new();
    trailer.set("Root", Object::Reference((catalog, 0)));
    trailer.set("Info", Object::Reference((info_id, 0)));
    out.write_all(&w.finish_stream(trailer, new_id()))?;
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

/// The `cm` matrix drawing the stored pixels `[x0, x1) x [y0, y1)` of a
/// `w x h` image so that the page shows the image upright: `scale` is points
/// per displayed pixel, `dh` the displayed height in pixels.
fn placement(
    w: u32,
    h: u32,
    orientation: u16,
    [x0, y0, x1, y1]: [u32; 4],
    scale: (f64, f64),
    dh: u32,
) -> [f64; 6] {
    let (wf, hf) = (f64::from(w), f64::from(h));
    // Image space (u, v) -> stored pixel -> displayed pixel -> page point.
    let page = |u: f64, v: f64| {
        let sx = f64::from(x0) + u * f64::from(x1 - x0);
        let sy = f64::from(y1) - v * f64::from(y1 - y0);
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
    // Large pixel data gets `deflate`'s fast level.
    flate_stream(dict, &data)
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
        parts: vec![(image, [0, 0, width, height])],
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

type TiffDecoder<'a> = tiff::decoder::Decoder<std::io::Cursor<&'a [u8]>>;

/// The TIFF decoder, at page `index`.
fn tiff_page(bytes: &[u8], index: usize) -> Option<TiffDecoder<'_>> {
    let mut dec = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).ok()?;
    dec.seek_to_image(index).ok()?;
    Some(dec)
}

/// An unsigned tag of the decoder's page; `None` when absent or unreadable.
fn tag(dec: &mut TiffDecoder<'_>, t: tiff::tags::Tag) -> Option<u32> {
    dec.find_tag_unsigned::<u32>(t).ok().flatten()
}

/// The orientation tag of the decoder's page (1..=8; 1 when absent or out
/// of range).
fn tiff_orientation(dec: &mut TiffDecoder<'_>) -> u16 {
    tag(dec, tiff::tags::Tag::Orientation)
        .and_then(|o| u16::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1)
}

/// A TIFF page stored as CCITT Group 4 strips, as one image per strip.
fn ccitt_page(bytes: &[u8], index: usize) -> Option<Stored> {
    use tiff::tags::Tag;
    let mut dec = tiff_page(bytes, index)?;
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
    let orientation = tiff_orientation(&mut dec);
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
        parts.push((
            Object::Stream(Stream::new(dict, data)),
            [0, y0, width, y0 + rows],
        ));
    }
    Some(Stored {
        width,
        height,
        orientation,
        parts,
    })
}

/// An Adobe APP14 segment: version 100, no flags, colour transform 0.
const ADOBE_NO_TRANSFORM: [u8; 16] = [
    0xFF, 0xEE, 0, 14, b'A', b'd', b'o', b'b', b'e', 0, 100, 0, 0, 0, 0, 0,
];

/// What a JPEG stream says before its first scan.
#[derive(Debug)]
struct JpegHeader {
    /// The frame marker: 0xC0 (baseline), 0xC1 (extended) or 0xC2
    /// (progressive), all Huffman-coded and 8-bit.
    sof: u8,
    width: u32,
    height: u32,
    /// Where the frame's 2-byte height is.
    height_at: usize,
    /// Each component's sampling factors (H << 4 | V).
    sampling: Vec<u8>,
    /// The colour transform flag of an Adobe APP14 marker.
    adobe: Option<u8>,
    /// A restart interval is defined.
    restart: bool,
    /// Where the first scan's marker is and where its coded data starts.
    sos_at: usize,
    scan_at: usize,
}

/// Reads the markers of `bytes` up to the first scan; `None` for what
/// `DCTDecode` cannot take (not 8-bit, lossless, hierarchical, arithmetic).
fn jpeg_header(bytes: &[u8]) -> Option<JpegHeader> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let (mut pos, mut adobe, mut restart) = (2usize, None, false);
    let mut frame: Option<(u8, u32, u32, usize, Vec<u8>)> = None;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(pos + 1)?;
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(pos + 2)?,
            *bytes.get(pos + 3)?,
        ]));
        if len < 2 {
            return None;
        }
        let seg = bytes.get(pos + 4..pos + 2 + len)?;
        match marker {
            0xC0..=0xC2 => {
                let n = usize::from(*seg.get(5)?);
                if seg[0] != 8 || n == 0 || seg.len() < 6 + 3 * n || frame.is_some() {
                    return None;
                }
                let h = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                let w = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                let sampling = (0..n).map(|c| seg[6 + 3 * c + 1]).collect();
                frame = Some((marker, w, h, pos + 5, sampling));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            0xDD => restart = seg.len() >= 2 && seg[..2] != [0, 0],
            0xEE if seg.starts_with(b"Adobe") => adobe = Some(*seg.get(11)?),
            0xDA => {
                let (sof, width, height, height_at, sampling) = frame?;
                if width == 0 || height == 0 {
                    return None;
                }
                return Some(JpegHeader {
                    sof,
                    width,
                    height,
                    height_at,
                    sampling,
                    adobe,
                    restart,
                    sos_at: pos,
                    scan_at: pos + 2 + len,
                });
            }
            // EOI, or a marker without a length here (RST, TEM).
            0xD0..=0xD9 | 0x01 => return None,
            _ => {}
        }
        pos += 2 + len;
    }
}

/// Where the coded data of a scan starting at `from` ends: the EOI marker
/// (fill bytes before it stay with the data). `None` when another marker
/// comes first (a restart, a further scan, DNL).
fn scan_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            0x00 => i += 2,
            0xFF => i += 1,
            0xD9 => return Some(i),
            _ => return None,
        }
    }
    None
}

/// A strip or tile of a TIFF JPEG as a whole JPEG: the `JPEGTables`
/// (an abbreviated stream: SOI, tables, EOI) put after its SOI.
fn with_tables(tables: Option<&[u8]>, data: &[u8]) -> Option<Vec<u8>> {
    let rest = data.strip_prefix(&[0xFF, 0xD8])?;
    let Some(tables) = tables else {
        return Some(data.to_vec());
    };
    let inner = tables
        .strip_prefix(&[0xFF, 0xD8])?
        .strip_suffix(&[0xFF, 0xD9])?;
    let mut out = Vec::with_capacity(2 + inner.len() + rest.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    out.extend_from_slice(inner);
    out.extend_from_slice(rest);
    Some(out)
}

/// Strips that are each one sequential scan over the full width, with the
/// same tables and frame (but for the height), joined into one JPEG of
/// `height` rows: a restart interval of one strip, and a restart marker
/// between the strips' coded data (each strip's coding starts afresh, as
/// after a restart). `None` when they do not fit together so.
fn join_strips(strips: &[(Vec<u8>, JpegHeader)], height: u32, rows: u32) -> Option<Vec<u8>> {
    let (first, head) = strips.first()?;
    // One MCU: 8 x 8 for a single component (its scan is not interleaved),
    // else 8 times the largest sampling factors.
    let (mcu_w, mcu_h) = if head.sampling.len() == 1 {
        (8, 8)
    } else {
        let h = head.sampling.iter().map(|s| u32::from(s >> 4)).max()?;
        let v = head.sampling.iter().map(|s| u32::from(s & 15)).max()?;
        (8 * h, 8 * v)
    };
    if mcu_w == 0 || mcu_h == 0 || !rows.is_multiple_of(mcu_h) {
        return None;
    }
    let interval = u16::try_from(head.width.div_ceil(mcu_w) * (rows / mcu_h)).ok()?;
    // The frame header with its height blanked, and the scan header.
    let frame = |jpeg: &[u8], h: &JpegHeader| {
        let mut f = jpeg[..h.sos_at].to_vec();
        f[h.height_at..h.height_at + 2].fill(0);
        f
    };
    let (frame0, scan0) = (frame(first, head), &first[head.sos_at..head.scan_at]);
    // The scan must hold every component (interleaved).
    if usize::from(*scan0.get(4)?) != head.sampling.len() {
        return None;
    }
    let mut out = frame0.clone();
    out[head.height_at..head.height_at + 2]
        .copy_from_slice(&u16::try_from(height).ok()?.to_be_bytes());
    out.extend_from_slice(&[0xFF, 0xDD, 0, 4]);
    out.extend_from_slice(&interval.to_be_bytes());
    out.extend_from_slice(scan0);
    let last = strips.len() - 1;
    for (i, (jpeg, h)) in strips.iter().enumerate() {
        let want = if i == last {
            height - rows * last as u32
        } else {
            rows
        };
        if !matches!(h.sof, 0xC0 | 0xC1)
            || h.restart
            || h.height != want
            || frame(jpeg, h) != frame0
            || jpeg[h.sos_at..h.scan_at] != *scan0
        {
            return None;
        }
        out.extend_from_slice(&jpeg[h.scan_at..scan_end(jpeg, h.scan_at)?]);
        if i < last {
            out.extend_from_slice(&[0xFF, 0xD0 + (i % 8) as u8]);
        }
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    Some(out)
}

/// A TIFF page compressed with JPEG (compression 7) as `DCTDecode` images:
/// the strips joined into one JPEG where they fit together, else one image
/// per strip or tile. `None` (decode and store with Flate) for anything
/// else, or anything doubtful.
fn tiff_jpeg_page(bytes: &[u8], index: usize) -> Option<Stored> {
    use tiff::tags::Tag;
    let mut dec = tiff_page(bytes, index)?;
    if tag(&mut dec, Tag::Compression)? != 7
        || tag(&mut dec, Tag::PlanarConfiguration).unwrap_or(1) != 1
    {
        return None;
    }
    let bits = dec.get_tag_u16_vec(Tag::BitsPerSample).ok()?;
    if bits.is_empty() || bits.iter().any(|&b| b != 8) {
        return None;
    }
    let samples = tag(&mut dec, Tag::SamplesPerPixel).unwrap_or(1);
    // The colour space, and the transform after decoding: libtiff codes RGB
    // and CMYK samples as they are, YCbCr as YCbCr.
    let (space, transform): (&[u8], Option<u8>) =
        match (tag(&mut dec, Tag::PhotometricInterpretation)?, samples) {
            (1, 1) => (b"DeviceGray", None),
            (2, 3) => (b"DeviceRGB", Some(0)),
            (6, 3) => (b"DeviceRGB", Some(1)),
            // InkSet (332) 1: CMYK.
            (5, 4) if tag(&mut dec, Tag::Unknown(332)).unwrap_or(1) == 1 => {
                (b"DeviceCMYK", Some(0))
            }
            _ => return None,
        };
    let (width, height) = dec.dimensions().ok()?;
    let tiled = tag(&mut dec, Tag::TileWidth).is_some();
    let (cw, ch) = if tiled {
        (
            tag(&mut dec, Tag::TileWidth)?,
            tag(&mut dec, Tag::TileLength)?,
        )
    } else {
        let rows = tag(&mut dec, Tag::RowsPerStrip).unwrap_or(height);
        (width, rows.clamp(1, height.max(1)))
    };
    if width == 0 || height == 0 || cw == 0 || ch == 0 {
        return None;
    }
    let (offsets, counts) = if tiled {
        (Tag::TileOffsets, Tag::TileByteCounts)
    } else {
        (Tag::StripOffsets, Tag::StripByteCounts)
    };
    let offsets = dec.get_tag_u64_vec(offsets).ok()?;
    let counts = dec.get_tag_u64_vec(counts).ok()?;
    let across = width.div_ceil(cw);
    let n = usize::try_from(u64::from(across) * u64::from(height.div_ceil(ch))).ok()?;
    if offsets.len() < n || counts.len() < n {
        return None;
    }
    let tables = match dec.find_tag(Tag::JPEGTables) {
        Ok(Some(v)) => Some(v.into_u8_vec().ok()?),
        Ok(None) => None,
        Err(_) => return None,
    };
    let orientation = tiff_orientation(&mut dec);
    let mut chunks = Vec::with_capacity(n);
    for (&offset, &count) in offsets.iter().zip(&counts).take(n) {
        let start = usize::try_from(offset).ok()?;
        let data = bytes.get(start..start.checked_add(usize::try_from(count).ok()?)?)?;
        let mut jpeg = with_tables(tables.as_deref(), data)?;
        let mut head = jpeg_header(&jpeg)?;
        if transform == Some(0) && space == b"DeviceRGB" && head.adobe.is_none() {
            // Some readers (Ghostscript) take three components as YCbCr
            // whatever `/ColorTransform` says: an Adobe marker saying "no
            // transform" is heeded by all.
            jpeg.splice(2..2, ADOBE_NO_TRANSFORM);
            head = jpeg_header(&jpeg)?;
        }
        let adobe_ok = match head.adobe {
            None => true,
            // The marker decides the transform for most readers: it must
            // agree with the TIFF's photometric interpretation.
            Some(t) => space != b"DeviceCMYK" && transform.unwrap_or(0) == t,
        };
        // A strip or tile is coded at its full size (a last strip may be
        // coded with only the rows left).
        if head.sampling.len() != samples as usize
            || !adobe_ok
            || head.width != cw
            || (head.height != ch
                && (tiled || chunks.len() + 1 != n || head.height != height - (n as u32 - 1) * ch))
        {
            return None;
        }
        chunks.push((jpeg, head));
    }
    let image = |data: Vec<u8>, w: u32, h: u32| {
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Image".to_vec()));
        dict.set("Width", i64::from(w));
        dict.set("Height", i64::from(h));
        dict.set("BitsPerComponent", 8);
        dict.set("ColorSpace", Object::Name(space.to_vec()));
        dict.set("Filter", Object::Name(b"DCTDecode".to_vec()));
        if let Some(t) = transform {
            let mut params = Dictionary::new();
            params.set("ColorTransform", i64::from(t));
            dict.set("DecodeParms", Object::Dictionary(params));
        }
        Object::Stream(Stream::new(dict, data))
    };
    let joined = if !tiled && n > 1 {
        join_strips(&chunks, height, ch)
    } else {
        None
    };
    let parts = match joined {
        Some(jpeg) => vec![(image(jpeg, width, height), [0, 0, width, height])],
        None => chunks
            .into_iter()
            .enumerate()
            .map(|(i, (jpeg, head))| {
                let (x0, y0) = ((i as u32 % across) * cw, (i as u32 / across) * ch);
                let rect = [x0, y0, x0 + head.width, y0 + head.height];
                (image(jpeg, head.width, head.height), rect)
            })
            .collect(),
    };
    Some(Stored {
        width,
        height,
        orientation,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_upright_and_turned() {
        // 100 x 50 stored, upright, 1 pt per pixel.
        let m = placement(100, 50, 1, [0, 0, 100, 50], (1.0, 1.0), 50);
        assert_eq!(m, [100.0, 0.0, 0.0, 50.0, 0.0, 0.0]);
        // Orientation 6 (turn 90 clockwise): displayed 50 x 100. The stored
        // top-left pixel shows at the top-right corner.
        let m = placement(100, 50, 6, [0, 0, 100, 50], (1.0, 1.0), 100);
        let at = |u: f64, v: f64| (m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]);
        assert_eq!(at(0.0, 1.0), (50.0, 100.0));
        assert_eq!(at(1.0, 1.0), (50.0, 0.0));
    }

    use ocrloom_raster::OpenOptions;
    use std::path::PathBuf;
    use std::process::Command;

    fn fixture(path: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(path)
    }

    fn tool(cmd: &str, args: &[&str]) -> String {
        let out = Command::new(cmd)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{cmd} is required for this test: {e}"));
        assert!(out.status.success(), "{cmd} {args:?} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The PDF of `doc` (no text layer) in a temporary file.
    fn pdf_file(doc: &Document, pass_through: bool, name: &str) -> (Vec<u8>, PathBuf) {
        let pages = vec![None; doc.pages().len()];
        let mut pdf = Vec::new();
        write_pdf_with(doc, &pages, None, &mut pdf, pass_through).expect("write");
        let path = std::env::temp_dir().join(format!(
            "ocrloom-images-{}-{name}-{pass_through}.pdf",
            std::process::id()
        ));
        std::fs::write(&path, &pdf).expect("temp file");
        (pdf, path)
    }

    /// Page 1 rendered by poppler at `w x h` pixels, as RGB samples.
    fn render(pdf: &std::path::Path, w: u32, h: u32, w_pt: f64) -> Vec<u8> {
        let stem = PathBuf::from(format!("{}-page", pdf.display()));
        let (ws, hs) = (w.to_string(), h.to_string());
        // A hair under one device pixel per image pixel: at exactly one,
        // poppler interpolates and blurs the image.
        let dpi = (f64::from(w) - 0.2) * 72.0 / w_pt;
        tool(
            "pdftoppm",
            &[
                "-singlefile",
                "-r",
                &dpi.to_string(),
                &pdf.to_string_lossy(),
                &stem.to_string_lossy(),
            ],
        );
        let ppm_path = PathBuf::from(format!("{}.ppm", stem.display()));
        let ppm = std::fs::read(&ppm_path).expect("ppm");
        let _ = std::fs::remove_file(ppm_path);
        // "P6 <w> <h> 255" and one whitespace byte before the samples.
        let mut fields = 0;
        let mut at = 0;
        while fields < 4 {
            while ppm[at].is_ascii_whitespace() {
                at += 1;
            }
            while !ppm[at].is_ascii_whitespace() {
                at += 1;
            }
            fields += 1;
        }
        let header = String::from_utf8_lossy(&ppm[..at]).into_owned();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            ["P6", &ws, &hs, "255"]
        );
        ppm[at + 1..].to_vec()
    }

    /// The mean absolute difference of two renderings, and the share of
    /// samples more than 40 apart.
    fn difference(a: &[u8], b: &[u8]) -> (f64, f64) {
        assert_eq!(a.len(), b.len());
        let d = a.iter().zip(b).map(|(&x, &y)| x.abs_diff(y));
        let sum: u64 = d.clone().map(u64::from).sum();
        let far = d.filter(|&v| v > 40).count();
        (sum as f64 / a.len() as f64, far as f64 / a.len() as f64)
    }

    /// The stored parts decoded by the `image` crate and put in place.
    fn decode_parts(stored: &Stored) -> Vec<u8> {
        let (w, h) = (stored.width as usize, stored.height as usize);
        let mut canvas = vec![0u8; w * h * 3];
        for (image, [x0, y0, ..]) in &stored.parts {
            let Object::Stream(s) = image else {
                panic!("not a stream")
            };
            let part = image::load_from_memory_with_format(&s.content, image::ImageFormat::Jpeg)
                .expect("a JPEG the image crate decodes")
                .to_rgb8();
            for (x, y, p) in part.enumerate_pixels() {
                let (x, y) = ((x + x0) as usize, (y + y0) as usize);
                if x < w && y < h {
                    canvas[(y * w + x) * 3..][..3].copy_from_slice(&p.0);
                }
            }
        }
        canvas
    }

    /// A JPEG-compressed TIFF page goes in as `DCTDecode`, its coded data
    /// unchanged, and poppler shows it as another JPEG decoder does, and
    /// (when `flate`) as the decoded page stored with Flate shows.
    fn check_tiff_jpeg(path: &str, parts: usize, transform: i64, flate: bool) -> Stored {
        let doc = Document::open_path(&fixture(path), &OpenOptions::default()).expect("open");
        let stored = tiff_jpeg_page(doc.bytes(), 0).expect("stored as DCT");
        assert_eq!(stored.parts.len(), parts);
        for (image, _) in &stored.parts {
            let Object::Stream(s) = image else {
                panic!("not a stream")
            };
            assert_eq!(
                s.dict.get(b"Filter").unwrap().as_name().unwrap(),
                b"DCTDecode"
            );
            let params = s.dict.get(b"DecodeParms").unwrap().as_dict().unwrap();
            assert_eq!(
                params.get(b"ColorTransform").unwrap().as_i64().unwrap(),
                transform
            );
            assert!(jpeg_header(&s.content).is_some());
        }
        let name = path.replace('/', "-");
        let (pdf, new) = pdf_file(&doc, true, &name);
        let (_, old) = pdf_file(&doc, false, &name);
        let check = Command::new("qpdf")
            .args(["--check", &new.to_string_lossy()])
            .output()
            .expect("qpdf is required for this test");
        let check = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.contains("No syntax or stream encoding errors"),
            "{check}"
        );
        let list = tool("pdfimages", &["-list", &new.to_string_lossy()]);
        assert_eq!(list.matches(" jpeg ").count(), parts, "{list}");
        let size = doc.bytes().len();
        assert!(
            pdf.len() <= size + 20 * 1024,
            "{} bytes for {size}",
            pdf.len()
        );
        let (w, h) = (stored.width, stored.height);
        let w_pt = page_size_pt(&doc.pages()[0]).0;
        let shown = render(&new, w, h, w_pt);
        let (mean, far) = difference(&shown, &decode_parts(&stored));
        assert!(mean < 3.0 && far < 0.01, "{path}: mean {mean}, far {far}");
        if flate {
            let (mean, far) = difference(&shown, &render(&old, w, h, w_pt));
            assert!(mean < 0.5 && far < 0.001, "{path}: mean {mean}, far {far}");
        }
        let _ = std::fs::remove_file(new);
        let _ = std::fs::remove_file(old);
        stored
    }

    #[test]
    fn jpeg_strips_are_joined_into_one_dct_image() {
        let stored = check_tiff_jpeg("raster/jpeg.tif", 1, 0, true);
        // Every strip's coded data is in the joined JPEG, as it was.
        let bytes = std::fs::read(fixture("raster/jpeg.tif")).expect("fixture");
        let mut dec = tiff::decoder::Decoder::new(std::io::Cursor::new(&bytes[..])).expect("tiff");
        let offsets = dec
            .get_tag_u64_vec(tiff::tags::Tag::StripOffsets)
            .expect("offsets");
        let counts = dec
            .get_tag_u64_vec(tiff::tags::Tag::StripByteCounts)
            .expect("counts");
        assert_eq!(offsets.len(), 4);
        let Object::Stream(joined) = &stored.parts[0].0 else {
            panic!("not a stream")
        };
        let head = jpeg_header(&joined.content).expect("header");
        assert_eq!((head.width, head.height, head.restart), (128, 128, true));
        for (&o, &c) in offsets.iter().zip(&counts) {
            let strip = &bytes[o as usize..(o + c) as usize];
            let h = jpeg_header(strip).expect("strip header");
            let coded = &strip[h.scan_at..scan_end(strip, h.scan_at).expect("EOI")];
            assert!(
                joined.content.windows(coded.len()).any(|w| w == coded),
                "a strip's coded data is missing"
            );
        }
    }

    #[test]
    fn jpeg_tiles_are_dct_images_clipped_to_the_page() {
        let stored = check_tiff_jpeg("writers/tiled-ycbcr-jpeg.tif", 4, 1, false);
        // 480 x 360 in 256 x 256 tiles: the right and bottom ones stick out.
        let rects: Vec<[u32; 4]> = stored.parts.iter().map(|(_, r)| *r).collect();
        assert_eq!(
            rects,
            [
                [0, 0, 256, 256],
                [256, 0, 512, 256],
                [0, 256, 256, 512],
                [256, 256, 512, 512]
            ]
        );
    }

    #[test]
    fn other_tiff_compressions_are_not_dct() {
        let bytes = std::fs::read(fixture("writers/group4.tiff")).expect("fixture");
        assert!(tiff_jpeg_page(&bytes, 0).is_none());
        let bytes = std::fs::read(fixture("raster/lzw.tif")).expect("fixture");
        assert!(tiff_jpeg_page(&bytes, 0).is_none());
    }
}
