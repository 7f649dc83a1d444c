//! Writes PDF objects and cross-reference sections byte by byte, so that the
//! output is deterministic and nothing of the input is re-serialized.

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// The original decimal text of reals read from the input, by the bits of
/// the `f32` lopdf parsed them to (see [`real_texts`]).
pub(crate) type RealTexts = HashMap<u32, String>;

/// Serializes one object (direct form).
pub(crate) fn object(out: &mut Vec<u8>, obj: &Object) {
    object_with(out, obj, &RealTexts::new());
}

/// Serializes one object, writing each real whose value `texts` knows as
/// its original text.
fn object_with(out: &mut Vec<u8>, obj: &Object, texts: &RealTexts) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => match texts.get(&r.to_bits()) {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => real(out, *r),
        },
        Object::Name(n) => name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => {
            out.push(b'<');
            for b in s {
                out.extend_from_slice(format!("{b:02X}").as_bytes());
            }
            out.push(b'>');
        }
        Object::String(s, StringFormat::Literal) => {
            out.push(b'(');
            for &b in s {
                match b {
                    b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
                    // A bare CR in a literal string would be read as LF.
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
            out.push(b')');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                object_with(out, item, texts);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(out, d, texts),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", s.content.len() as i64);
            dictionary(out, &dict, texts);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes())
        }
    }
}

fn dictionary(out: &mut Vec<u8>, d: &Dictionary, texts: &RealTexts) {
    out.extend_from_slice(b"<<");
    for (key, value) in d.iter() {
        name(out, key);
        out.push(b' ');
        object_with(out, value, texts);
    }
    out.extend_from_slice(b">>");
}

/// A real as the shortest decimal that reads back as the same `f32` (the
/// precision lopdf parsed it with), without exponent.
///
/// Not a fixed number of decimals: the input's `143.2` parsed to `f32` and
/// widened to `f64` prints as `143.199997`, and a page dictionary rewritten
/// with that box renders one pixel row differently.
fn real(out: &mut Vec<u8>, r: f32) {
    if !r.is_finite() {
        out.push(b'0');
        return;
    }
    // `Display` of `f32` is the shortest round-trip form and never uses an
    // exponent.
    let s = r.to_string();
    let s = s.strip_suffix(".0").unwrap_or(&s);
    out.extend_from_slice(if s == "-0" { b"0" } else { s.as_bytes() });
}

/// The decimal numbers (with a point) in `raw` PDF object text, by the bits
/// of their `f32` value; the first text of each value wins.
///
/// lopdf keeps reals as `f32`, which cannot tell `595.275574` from
/// `595.2756`: a page dictionary rewritten from the parsed value can change
/// the page size in the eighth digit, and renderers (which read doubles)
/// then rasterize the page edge differently. Numbers are written back with
/// the text they had.
pub(crate) fn real_texts(raw: &[u8], into: &mut RealTexts) {
    let is_regular = |b: u8| {
        !(b.is_ascii_whitespace()
            || b == 0
            || matches!(
                b,
                b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
            ))
    };
    let mut i = 0;
    while i < raw.len() {
        if !is_regular(raw[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < raw.len() && is_regular(raw[i]) {
            i += 1;
        }
        let token = &raw[start..i];
        let numeric = token.contains(&b'.')
            && token.iter().enumerate().all(|(k, &b)| {
                b.is_ascii_digit() || b == b'.' || (k == 0 && matches!(b, b'+' | b'-'))
            });
        if !numeric {
            continue;
        }
        let Ok(text) = std::str::from_utf8(token) else {
            continue;
        };
        // Both roundings a reader may have used (to f32 directly, or
        // through f64).
        let direct = text.parse::<f32>().ok();
        let through = text.parse::<f64>().ok().map(|v| v as f32);
        for v in [direct, through].into_iter().flatten() {
            into.entry(v.to_bits()).or_insert_with(|| text.to_string());
        }
    }
}

fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        let delimiter = matches!(
            b,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%' | b'#'
        );
        if (0x21..=0x7E).contains(&b) && !delimiter {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// libdeflate's level for the streams of [`deflate`]: its strongest.
const SMALL_LEVEL: i32 = 12;

/// Above this many bytes [`deflate`] takes [`LARGE_LEVEL`]: level 12 runs
/// at ~2 MB/s, so no stream costs more than ~0.15 s.
const SMALL_MAX: usize = 256 << 10;

/// libdeflate's level for large data: as fast as zlib's 6, and smaller.
const LARGE_LEVEL: i32 = 6;

/// `data` zlib-compressed by libdeflate.
///
/// Most streams this crate writes (text layers, font streams, image pages'
/// content, object and cross-reference streams) are small: level 12 makes
/// them ~8% smaller than zlib's level 6 (cardinal's four text layers:
/// 27,531 -> 25,292 bytes) at a few ms for a page's layer. Past
/// [`SMALL_MAX`] (a page image's pixels, a page's content rewritten without
/// its old text layer, a long document's object stream) level 12 would take
/// seconds: level 6.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    let level = if data.len() <= SMALL_MAX {
        SMALL_LEVEL
    } else {
        LARGE_LEVEL
    };
    let level = libdeflater::CompressionLvl::new(level).unwrap_or_default();
    let mut compressor = libdeflater::Compressor::new(level);
    let mut out = vec![0; compressor.zlib_compress_bound(data.len())];
    match compressor.zlib_compress(data, &mut out) {
        Ok(n) => out.truncate(n),
        // Cannot happen (the buffer has the compressor's upper bound); a
        // stored stream is still a valid one.
        Err(_) => {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::none());
            out = z
                .write_all(data)
                .and_then(|_| z.finish())
                .unwrap_or_default();
        }
    }
    out
}

/// A stream holding `data` Flate-compressed (see [`deflate`]).
pub(crate) fn flate_stream(mut dict: Dictionary, data: &[u8]) -> Object {
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    Object::Stream(lopdf::Stream::new(dict, deflate(data)))
}

/// Where an object of the cross-reference section lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// At a byte offset, with a generation.
    Offset(u64, u16),
    /// Inside an object stream.
    Compressed(u32, u16),
    /// Free (object 0).
    Free,
}

/// The most objects one object stream holds: a reader inflates a whole
/// stream to reach any object in it, so a long document's page dictionaries
/// are split into streams of this many (qpdf's choice too); past a hundred
/// small dictionaries a larger stream compresses little better.
const OBJECTS_PER_STREAM: usize = 100;

/// Appends objects after `base` bytes of earlier file content, recording
/// where each starts.
///
/// With [`ObjectWriter::pack`], non-stream objects are gathered for
/// object streams (ISO 32000-1, 7.5.7) instead, written by
/// [`ObjectWriter::object_streams`]; the section must then end with a
/// cross-reference stream.
pub(crate) struct ObjectWriter {
    pub(crate) buf: Vec<u8>,
    base: u64,
    pub(crate) entries: BTreeMap<u32, Entry>,
    /// Original texts of reals copied from the input.
    pub(crate) reals: RealTexts,
    /// Objects waiting for the object streams, serialized; `None` when
    /// every object is written as it comes.
    packed: Option<Vec<(u32, Vec<u8>)>>,
}

impl ObjectWriter {
    pub(crate) fn new(base: u64) -> Self {
        ObjectWriter {
            buf: Vec::new(),
            base,
            entries: BTreeMap::new(),
            reals: RealTexts::new(),
            packed: None,
        }
    }

    /// From now on, gathers objects that may live in an object stream
    /// (not streams, generation 0) for [`ObjectWriter::object_streams`].
    pub(crate) fn pack(&mut self) {
        self.packed.get_or_insert_with(Vec::new);
    }

    /// The file offset of the next byte written.
    pub(crate) fn position(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Writes `id gen obj ... endobj`, or keeps the object for the object
    /// streams (see [`ObjectWriter::pack`]).
    pub(crate) fn indirect(&mut self, (id, generation): ObjectId, obj: &Object) {
        if let Some(packed) = &mut self.packed {
            if generation == 0 && !matches!(obj, Object::Stream(_)) {
                let mut text = Vec::new();
                object_with(&mut text, obj, &self.reals);
                packed.push((id, text));
                return;
            }
        }
        let at = self.position();
        self.entries.insert(id, Entry::Offset(at, generation));
        self.buf
            .extend_from_slice(format!("{id} {generation} obj\n").as_bytes());
        object_with(&mut self.buf, obj, &self.reals);
        self.buf.extend_from_slice(b"\nendobj\n");
    }

    /// Writes the objects gathered since [`ObjectWriter::pack`] as object
    /// streams (`/Type /ObjStm`, Flate, see [`deflate`]) of at most
    /// [`OBJECTS_PER_STREAM`] objects each, numbered by `new_id`; nothing
    /// when there are none.
    pub(crate) fn object_streams(&mut self, mut new_id: impl FnMut() -> u32) {
        let Some(packed) = self.packed.take() else {
            return;
        };
        for chunk in packed.chunks(OBJECTS_PER_STREAM) {
            let id = new_id();
            // "number offset" pairs, then the objects, offsets counted from
            // the first object.
            let mut header = Vec::new();
            let mut body = Vec::new();
            for (index, (number, text)) in chunk.iter().enumerate() {
                if index > 0 {
                    header.push(b' ');
                    body.push(b'\n');
                }
                let _ = write!(header, "{number} {}", body.len());
                body.extend_from_slice(text);
                let index = u16::try_from(index).unwrap_or(u16::MAX);
                self.entries.insert(*number, Entry::Compressed(id, index));
            }
            header.push(b'\n');
            let mut dict = Dictionary::new();
            dict.set("Type", Object::Name(b"ObjStm".to_vec()));
            dict.set("N", chunk.len() as i64);
            dict.set("First", header.len() as i64);
            header.extend_from_slice(&body);
            self.indirect((id, 0), &flate_stream(dict, &header));
        }
    }

    /// Ends the section with a classic cross-reference table and trailer.
    pub(crate) fn finish_table(mut self, mut trailer: Dictionary, size: u32) -> Vec<u8> {
        debug_assert!(self.packed.is_none(), "objects left for an object stream");
        debug_assert!(
            !self
                .entries
                .values()
                .any(|e| matches!(e, Entry::Compressed(..))),
            "a table cannot index objects in an object stream"
        );
        let start = self.position();
        let mut out = std::mem::take(&mut self.buf);
        out.extend_from_slice(b"xref\n");
        for (first, run) in runs(&self.entries) {
            let _ = writeln!(out, "{first} {}", run.len());
            for e in run {
                // Each entry is exactly 20 bytes.
                let line = match e {
                    Entry::Offset(at, generation) => format!("{at:010} {generation:05} n\r\n"),
                    Entry::Compressed(..) | Entry::Free => "0000000000 65535 f\r\n".to_string(),
                };
                out.extend_from_slice(line.as_bytes());
            }
        }
        trailer.set("Size", i64::from(size));
        out.extend_from_slice(b"trailer\n");
        object(&mut out, &Object::Dictionary(trailer));
        let _ = write!(out, "\nstartxref\n{start}\n%%EOF\n");
        out
    }

    /// Ends the section with a cross-reference stream (object `id`) holding
    /// the trailer entries.
    pub(crate) fn finish_stream(mut self, mut trailer: Dictionary, id: u32) -> Vec<u8> {
        debug_assert!(
            self.packed.as_ref().is_none_or(Vec::is_empty),
            "objects left for an object stream"
        );
        let start = self.position();
        self.entries.insert(id, Entry::Offset(start, 0));
        let size = self.entries.keys().next_back().map_or(id, |&k| k.max(id)) + 1;
        let size = size.max(
            trailer
                .get(b"Size")
                .and_then(Object::as_i64)
                .ok()
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(0),
        );
        let fields = |e: Entry| -> (u8, u64, u16) {
            match e {
                Entry::Offset(at, generation) => (1, at, generation),
                Entry::Compressed(container, i) => (2, u64::from(container), i),
                Entry::Free => (0, 0, 65535),
            }
        };
        // Each field as wide as its largest value needs (at least a byte).
        let bytes = |v: u64| (8 - v.leading_zeros() as usize / 8).max(1);
        let (mut w2, mut w3) = (1, 1);
        for &e in self.entries.values() {
            let (_, a, b) = fields(e);
            w2 = w2.max(bytes(a));
            w3 = w3.max(bytes(u64::from(b)));
        }
        let mut data = Vec::new();
        let mut index = Vec::new();
        for (first, run) in runs(&self.entries) {
            index.push(Object::Integer(i64::from(first)));
            index.push(Object::Integer(run.len() as i64));
            for e in run {
                let (kind, a, b) = fields(e);
                data.push(kind);
                data.extend_from_slice(&a.to_be_bytes()[8 - w2..]);
                data.extend_from_slice(&b.to_be_bytes()[2 - w3..]);
            }
        }
        trailer.set("Type", Object::Name(b"XRef".to_vec()));
        trailer.set("Size", i64::from(size));
        trailer.set(
            "W",
            Object::Array(vec![1.into(), (w2 as i64).into(), (w3 as i64).into()]),
        );
        trailer.set("Index", Object::Array(index));
        let stream = flate_stream(trailer, &data);
        let mut out = std::mem::take(&mut self.buf);
        let _ = writeln!(out, "{id} 0 obj");
        object(&mut out, &stream);
        let _ = write!(out, "\nendobj\nstartxref\n{start}\n%%EOF\n");
        out
    }
}

/// Groups sorted entries into runs of consecutive object numbers.
fn runs(entries: &BTreeMap<u32, Entry>) -> Vec<(u32, Vec<Entry>)> {
    let mut out: Vec<(u32, Vec<Entry>)> = Vec::new();
    for (&id, &e) in entries {
        match out.last_mut() {
            Some((first, run)) if *first + run.len() as u32 == id => run.push(e),
            _ => out.push((id, vec![e])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects() {
        let mut d = Dictionary::new();
        d.set("A b", Object::Name(b"x/y".to_vec()));
        d.set("S", Object::string_literal("a(b)\\"));
        d.set("R", Object::Real(0.5));
        d.set("N", Object::Real(-0.0));
        d.set("Ref", Object::Reference((3, 0)));
        let mut out = Vec::new();
        object(&mut out, &Object::Dictionary(d));
        assert_eq!(
            String::from_utf8_lossy(&out),
            "<</A#20b /x#2Fy/S (a\\(b\\)\\\\)/R 0.5/N 0/Ref 3 0 R>>"
        );
    }

    #[test]
    fn reals_keep_their_decimal_form() {
        let text = |r: f32| {
            let mut out = Vec::new();
            real(&mut out, r);
            String::from_utf8(out).unwrap_or_default()
        };
        assert_eq!(text(143.2), "143.2");
        assert_eq!(text(85.92), "85.92");
        assert_eq!(text(612.0), "612");
        assert_eq!(text(-0.25), "-0.25");
        assert_eq!(text(1e-7), "0.0000001");
        assert_eq!(text(f32::NAN), "0");
    }

    #[test]
    fn reals_are_written_with_their_original_text() {
        let mut texts = RealTexts::new();
        real_texts(
            b"<</MediaBox [0 0 595.275574 841.889771]/X (1.5)>>",
            &mut texts,
        );
        let mut out = Vec::new();
        // As lopdf holds it: the f32 nearest to the text.
        let parsed: f32 = "595.275574".parse().unwrap_or_default();
        let boxed = Object::Array(vec![Object::Real(parsed), Object::Real(143.2)]);
        object_with(&mut out, &boxed, &texts);
        assert_eq!(String::from_utf8_lossy(&out), "[595.275574 143.2]");
    }

    #[test]
    fn deflate_round_trips_small_and_large_data() {
        use std::io::Read;
        for len in [0, 1000, SMALL_MAX + 1] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(&deflate(&data)[..])
                .read_to_end(&mut back)
                .expect("zlib data");
            assert_eq!(back, data, "{len} bytes");
        }
    }

    #[test]
    fn packed_objects_go_into_an_object_stream() {
        let mut w = ObjectWriter::new(0);
        w.buf.extend_from_slice(b"%PDF-1.5\n");
        w.pack();
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", Object::Reference((2, 0)));
        w.indirect((1, 0), &Object::Dictionary(catalog));
        let mut pages = Dictionary::new();
        pages.set("Type", Object::Name(b"Pages".to_vec()));
        pages.set("Kids", Object::Array(vec![]));
        pages.set("Count", 0);
        w.indirect((2, 0), &Object::Dictionary(pages));
        // Streams and objects of another generation are written as they are.
        w.indirect((3, 0), &flate_stream(Dictionary::new(), b"q Q"));
        w.indirect((4, 1), &Object::Integer(7));
        w.object_streams(|| 5);
        assert_eq!(w.entries.get(&1), Some(&Entry::Compressed(5, 0)));
        assert_eq!(w.entries.get(&2), Some(&Entry::Compressed(5, 1)));
        assert!(matches!(w.entries.get(&3), Some(Entry::Offset(..))));
        assert!(matches!(w.entries.get(&4), Some(Entry::Offset(_, 1))));
        w.entries.insert(0, Entry::Free);
        let mut trailer = Dictionary::new();
        trailer.set("Root", Object::Reference((1, 0)));
        let pdf = w.finish_stream(trailer, 6);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Type /ObjStm/N 2/First "), "{text}");
        // Fields as wide as needed: offsets past 255, generation 65535.
        assert!(text.contains("/W [1 2 2]"), "{text}");
        let doc = lopdf::Document::load_mem(&pdf).expect("lopdf reads it");
        let catalog = doc.catalog().expect("catalog");
        assert_eq!(
            catalog.get(b"Pages").and_then(Object::as_reference).ok(),
            Some((2, 0))
        );
        let pages = doc.get_dictionary((2, 0)).expect("pages");
        assert_eq!(pages.get(b"Count").and_then(Object::as_i64).ok(), Some(0));
        assert_eq!(doc.get_object((4, 1)).ok(), Some(&Object::Integer(7)));
    }

    #[test]
    fn many_objects_are_split_into_streams_of_a_hundred() {
        let mut w = ObjectWriter::new(0);
        w.buf.extend_from_slice(b"%PDF-1.5\n");
        w.pack();
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        w.indirect((1, 0), &Object::Dictionary(catalog));
        for id in 2..=250 {
            w.indirect((id, 0), &Object::Integer(i64::from(id)));
        }
        let mut next = 251;
        w.object_streams(|| {
            next += 1;
            next - 1
        });
        assert_eq!(next, 254, "three streams");
        for (id, stream, index) in [(1, 251, 0), (100, 251, 99), (101, 252, 0), (250, 253, 49)] {
            assert_eq!(w.entries.get(&id), Some(&Entry::Compressed(stream, index)));
        }
        w.entries.insert(0, Entry::Free);
        let mut trailer = Dictionary::new();
        trailer.set("Root", Object::Reference((1, 0)));
        let pdf = w.finish_stream(trailer, 254);
        let doc = lopdf::Document::load_mem(&pdf).expect("lopdf reads it");
        for id in 2..=250 {
            assert_eq!(
                doc.get_object((id, 0)).ok(),
                Some(&Object::Integer(i64::from(id)))
            );
        }
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(text.matches("/Type /ObjStm/N 100/").count(), 2, "{text}");
        assert_eq!(text.matches("/Type /ObjStm/N 50/").count(), 1, "{text}");
    }

    #[test]
    fn table_entries_are_20_bytes() {
        let mut w = ObjectWriter::new(100);
        w.indirect((5, 0), &Object::Integer(1));
        w.indirect((6, 0), &Object::Integer(2));
        w.indirect((9, 0), &Object::Integer(3));
        let out = String::from_utf8(w.finish_table(Dictionary::new(), 10)).unwrap_or_default();
        assert!(out.contains("xref\n5 2\n0000000100 00000 n\r\n"), "{out}");
        assert!(out.contains("9 1\n"), "{out}");
    }
}
