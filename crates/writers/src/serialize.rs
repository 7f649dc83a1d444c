//! Writes PDF objects and cross-reference sections byte by byte, so that the
//! output is deterministic and nothing of the input is re-serialized.

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use std::collections::BTreeMap;
use std::io::Write;

/// Serializes one object (direct form).
pub(crate) fn object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => real(out, *r),
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
                object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(out, d),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", s.content.len() as i64);
            dictionary(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes())
        }
    }
}

fn dictionary(out: &mut Vec<u8>, d: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in d.iter() {
        name(out, key);
        out.push(b' ');
        object(out, value);
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

/// Appends objects after `base` bytes of earlier file content, recording
/// where each starts.
pub(crate) struct ObjectWriter {
    pub(crate) buf: Vec<u8>,
    base: u64,
    pub(crate) entries: BTreeMap<u32, Entry>,
}

impl ObjectWriter {
    pub(crate) fn new(base: u64) -> Self {
        ObjectWriter {
            buf: Vec::new(),
            base,
            entries: BTreeMap::new(),
        }
    }

    /// The file offset of the next byte written.
    pub(crate) fn position(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Writes `id gen obj ... endobj`.
    pub(crate) fn indirect(&mut self, (id, generation): ObjectId, obj: &Object) {
        let at = self.position();
        self.entries.insert(id, Entry::Offset(at, generation));
        self.buf
            .extend_from_slice(format!("{id} {generation} obj\n").as_bytes());
        object(&mut self.buf, obj);
        self.buf.extend_from_slice(b"\nendobj\n");
    }

    /// Ends the section with a classic cross-reference table and trailer.
    pub(crate) fn finish_table(mut self, mut trailer: Dictionary, size: u32) -> Vec<u8> {
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
        let wide = start > u64::from(u32::MAX);
        let width: usize = if wide { 8 } else { 4 };
        let mut data = Vec::new();
        let mut index = Vec::new();
        for (first, run) in runs(&self.entries) {
            index.push(Object::Integer(i64::from(first)));
            index.push(Object::Integer(run.len() as i64));
            for e in run {
                let (kind, a, b): (u8, u64, u16) = match e {
                    Entry::Offset(at, generation) => (1, at, generation),
                    Entry::Compressed(container, i) => (2, u64::from(container), i),
                    Entry::Free => (0, 0, 65535),
                };
                data.push(kind);
                data.extend_from_slice(&a.to_be_bytes()[8 - width..]);
                data.extend_from_slice(&b.to_be_bytes());
            }
        }
        trailer.set("Type", Object::Name(b"XRef".to_vec()));
        trailer.set("Size", i64::from(size));
        trailer.set(
            "W",
            Object::Array(vec![1.into(), (width as i64).into(), 2.into()]),
        );
        trailer.set("Index", Object::Array(index));
        let stream = Object::Stream(lopdf::Stream::new(trailer, data));
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
