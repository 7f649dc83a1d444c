//! The glyphless font of the invisible text layer.
//!
//! A text layer needs a font that can "show" any Unicode character without
//! drawing anything: a TrueType font with one glyph (never painted: the
//! layer uses text render mode 3, invisible), used as a
//! `CIDFontType2` under a `Type0` font with `Identity-H` encoding. Every
//! 2-byte code is the character's UTF-16 code unit (characters beyond the
//! BMP get a private code, see [`CodeMap`]), `CIDToGIDMap` sends every code
//! to glyph 1, and a `ToUnicode` CMap maps the codes back to text. This is
//! the approach of Tesseract's `pdf.ttf` and OCRmyPDF's GlyphLessFont; the
//! font program itself is built here, table by table (about 500 bytes).
//!
//! Text extractors (poppler) take a word's height from the font descriptor's
//! `/Ascent`, and group words into lines only when their font *sizes* agree
//! within a few percent. To let every word's box match its own height while
//! all words of a line share one font size, the layer uses a family of
//! font dictionaries that differ only in `/Ascent` ([`variant_ascent`]);
//! they share one font program, one `CIDToGIDMap` and one `ToUnicode` CMap.

use std::collections::{BTreeMap, BTreeSet};

/// Units per em of the font program; advance widths are in these units.
pub(crate) const UNITS_PER_EM: u16 = 1000;

/// The advance width of every glyph, in font units (the PDF `/DW`).
pub(crate) const ADVANCE: u16 = 500;

/// How many ascent variants exist; variant `k` has ascent `RATIO^k` em
/// (down to about a fifth of the font size).
pub(crate) const VARIANTS: usize = 8;

/// The step between two ascent variants: a word's box height is matched to
/// within half a step (about 11 %). Each variant in use costs three font
/// objects, and every change of variant between two words a `Tf`: a finer
/// step matches heights closer but makes the layer markedly larger.
const RATIO: f32 = 0.8;

/// The ascent of variant `k`, as a fraction of the font size.
pub(crate) fn variant_ascent(k: usize) -> f32 {
    RATIO.powi(k as i32)
}

/// The variant whose ascent is nearest (on a log scale) to `ratio`
/// (a word's height over its line's font size, at most 1).
pub(crate) fn nearest_variant(ratio: f32) -> usize {
    if !(ratio.is_finite() && ratio > 0.0) || ratio >= 1.0 {
        return 0;
    }
    let k = (ratio.ln() / RATIO.ln()).round();
    (k.max(0.0) as usize).min(VARIANTS - 1)
}

/// Assigns 2-byte codes to characters. BMP characters are their own code;
/// characters beyond the BMP get codes from the surrogate range
/// (`D800..=DFF9`), which never occurs as a character of its own, and the
/// ToUnicode CMap maps each back to its surrogate pair.
#[derive(Debug, Default)]
pub(crate) struct CodeMap {
    astral: BTreeMap<char, u16>,
    /// The high bytes of the BMP codes handed out: the CMap maps only
    /// their blocks (a full identity map is ~1.7 KB compressed, a Latin
    /// text needs one or two blocks).
    highs: BTreeSet<u8>,
    /// How many spacer codes the ToUnicode CMap maps (the first `k + 1`
    /// when spacer `k` was the highest handed out).
    spacers: usize,
}

/// First code handed out to a character beyond the BMP.
const ASTRAL_FIRST: u16 = 0xD800;
/// Last such code; further characters share `U+FFFD`.
const ASTRAL_LAST: u16 = 0xDFF9;
/// Codes that show a space, besides the space itself: see
/// [`CodeMap::spacer`].
const SPACERS: std::ops::RangeInclusive<u16> = 0xDFFA..=0xDFFF;

impl CodeMap {
    /// Appends the big-endian codes of `text` to `out`; returns how many
    /// codes (glyphs) were appended.
    pub(crate) fn encode(&mut self, text: &str, out: &mut Vec<u8>) -> usize {
        let mut n = 0;
        for c in text.chars() {
            let code = match u16::try_from(u32::from(c)) {
                Ok(code) => {
                    self.highs.insert(code.to_be_bytes()[0]);
                    code
                }
                Err(_) => self.astral_code(c),
            };
            out.extend_from_slice(&code.to_be_bytes());
            n += 1;
        }
        n
    }

    /// Appends spacer `k` (modulo their number): a code that extracts as a
    /// space, like the space itself, but differs from the other spacers.
    /// PDFium drops a text object as a duplicate (fake bold) when it has the
    /// same codes at the same origin as one of the five before it; words
    /// drawn from a common origin (see `layer.rs`) start with different
    /// spacers so that a repeated word is not dropped.
    pub(crate) fn spacer(&mut self, k: usize, out: &mut Vec<u8>) {
        let n = SPACERS.len();
        let code = SPACERS.start() + (k % n) as u16;
        self.spacers = self.spacers.max(k.min(n - 1) + 1);
        out.extend_from_slice(&code.to_be_bytes());
    }

    fn astral_code(&mut self, c: char) -> u16 {
        if let Some(&code) = self.astral.get(&c) {
            return code;
        }
        let next = ASTRAL_FIRST as usize + self.astral.len();
        match u16::try_from(next) {
            Ok(code) if code <= ASTRAL_LAST => {
                self.astral.insert(c, code);
                code
            }
            // More than 2042 distinct non-BMP characters in one document:
            // extraction falls back to the replacement character.
            _ => {
                self.highs.insert(0xFF);
                0xFFFD
            }
        }
    }

    /// The ToUnicode CMap: identity for the 256-code blocks of the BMP that
    /// codes were handed out from, one entry per code handed out to a
    /// non-BMP character.
    pub(crate) fn to_unicode_cmap(&self) -> Vec<u8> {
        let mut s = String::with_capacity(8 * 1024);
        s.push_str(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        // A bfrange may only vary the last byte: one range per high byte,
        // at most 100 entries per block.
        let highs: Vec<u8> = self
            .highs
            .iter()
            .copied()
            .filter(|h| !(0xD8..=0xDF).contains(h))
            .collect();
        for block in highs.chunks(100) {
            s.push_str(&format!("{} beginbfrange\n", block.len()));
            for h in block {
                s.push_str(&format!("<{h:02X}00> <{h:02X}FF> <{h:02X}00>\n"));
            }
            s.push_str("endbfrange\n");
        }
        let astral: Vec<(u16, char)> = {
            let mut v: Vec<(u16, char)> = self.astral.iter().map(|(&c, &k)| (k, c)).collect();
            v.extend(SPACERS.take(self.spacers).map(|code| (code, ' ')));
            v.sort_unstable();
            v
        };
        for block in astral.chunks(100) {
            s.push_str(&format!("{} beginbfchar\n", block.len()));
            for (code, c) in block {
                let mut units = [0u16; 2];
                let units = c.encode_utf16(&mut units);
                s.push_str(&format!("<{code:04X}> <"));
                for u in units.iter() {
                    s.push_str(&format!("{u:04X}"));
                }
                s.push_str(">\n");
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s.into_bytes()
    }
}

/// The `CIDToGIDMap` stream data: every CID to glyph 1 (big-endian u16s).
pub(crate) fn cid_to_gid_map() -> Vec<u8> {
    [0u8, 1].repeat(0x1_0000)
}

/// The height of glyph 1's outline, in font units.
const GLYPH_HEIGHT: i16 = 500;

/// The TrueType font program: glyph 0 (`.notdef`, empty) and glyph 1 (a
/// rectangle `ADVANCE` x [`GLYPH_HEIGHT`]), both `ADVANCE` wide.
///
/// Glyph 1 has an outline although it is never drawn: PDFium measures a
/// text object by its glyphs' outlines and its text extraction drops objects
/// whose box has no width, so with an empty glyph every word turned by 90 or
/// 270 degrees (box zero wide) vanished from its extracted text.
pub(crate) fn glyphless_ttf() -> Vec<u8> {
    let head = {
        let mut t = Vec::with_capacity(54);
        t.extend(0x0001_0000u32.to_be_bytes()); // version
        t.extend(0x0001_0000u32.to_be_bytes()); // fontRevision
        t.extend(0u32.to_be_bytes()); // checkSumAdjustment, patched below
        t.extend(0x5F0F_3CF5u32.to_be_bytes()); // magicNumber
        t.extend(0x000Bu16.to_be_bytes()); // flags: baseline y=0, lsb x=0, integer ppem
        t.extend(UNITS_PER_EM.to_be_bytes());
        t.extend([0u8; 16]); // created, modified: zero keeps output deterministic
        t.extend(0i16.to_be_bytes()); // xMin
        t.extend(0i16.to_be_bytes()); // yMin
        t.extend((ADVANCE as i16).to_be_bytes()); // xMax
        t.extend(GLYPH_HEIGHT.to_be_bytes()); // yMax
        t.extend(0u16.to_be_bytes()); // macStyle
        t.extend(3u16.to_be_bytes()); // lowestRecPPEM
        t.extend(2i16.to_be_bytes()); // fontDirectionHint
        t.extend(0i16.to_be_bytes()); // indexToLocFormat: short
        t.extend(0i16.to_be_bytes()); // glyphDataFormat
        t
    };
    let hhea = {
        let mut t = Vec::with_capacity(36);
        t.extend(0x0001_0000u32.to_be_bytes());
        t.extend((UNITS_PER_EM as i16).to_be_bytes()); // ascender
        t.extend(0i16.to_be_bytes()); // descender
        t.extend(0i16.to_be_bytes()); // lineGap
        t.extend(ADVANCE.to_be_bytes()); // advanceWidthMax
        t.extend(0i16.to_be_bytes()); // minLeftSideBearing
        t.extend(0i16.to_be_bytes()); // minRightSideBearing
        t.extend((ADVANCE as i16).to_be_bytes()); // xMaxExtent
        t.extend(1i16.to_be_bytes()); // caretSlopeRise
        t.extend(0i16.to_be_bytes()); // caretSlopeRun
        t.extend([0u8; 10]); // caretOffset + 4 reserved
        t.extend(0i16.to_be_bytes()); // metricDataFormat
        t.extend(2u16.to_be_bytes()); // numberOfHMetrics
        t
    };
    let maxp = {
        let mut t = Vec::with_capacity(32);
        t.extend(0x0001_0000u32.to_be_bytes());
        t.extend(2u16.to_be_bytes()); // numGlyphs
        for v in [4u16, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0] {
            t.extend(v.to_be_bytes()); // maxPoints (4), maxContours (1) .. maxComponentDepth (maxZones = 2)
        }
        t
    };
    let hmtx = [ADVANCE.to_be_bytes(), [0, 0], ADVANCE.to_be_bytes(), [0, 0]].concat();
    // Glyph 0 is empty; glyph 1 is one closed contour of four on-curve
    // points, coordinates as 16-bit deltas.
    let glyf = {
        let mut t = Vec::with_capacity(34);
        let (w, h) = (ADVANCE as i16, GLYPH_HEIGHT);
        for v in [1i16, 0, 0, w, h] {
            t.extend(v.to_be_bytes()); // numberOfContours, xMin, yMin, xMax, yMax
        }
        t.extend(3u16.to_be_bytes()); // endPtsOfContours[0]
        t.extend(0u16.to_be_bytes()); // instructionLength
        t.extend([1u8; 4]); // flags: on curve, 16-bit deltas
        for v in [0i16, 0, w, 0, 0, h, 0, -h] {
            t.extend(v.to_be_bytes()); // x deltas, then y deltas
        }
        t
    };
    // Short offsets (bytes / 2): glyph 0 is [0, 0), glyph 1 [0, 34).
    let loca: Vec<u8> = [0u16, 0, (glyf.len() / 2) as u16]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let cmap = {
        // One format-4 subtable (Windows, Unicode BMP) with only the
        // mandatory final segment: no character maps to a glyph, which is
        // right for a font addressed by CID through CIDToGIDMap.
        let mut t = Vec::new();
        t.extend(0u16.to_be_bytes()); // version
        t.extend(1u16.to_be_bytes()); // numTables
        t.extend(3u16.to_be_bytes()); // platform: Windows
        t.extend(1u16.to_be_bytes()); // encoding: Unicode BMP
        t.extend(12u32.to_be_bytes()); // offset
        let sub = [
            4u16, 24, 0, // format, length, language
            2, 2, 0, 0,      // segCountX2, searchRange, entrySelector, rangeShift
            0xFFFF, // endCode
            0,      // reservedPad
            0xFFFF, // startCode
            1,      // idDelta
            0,      // idRangeOffset
        ];
        for v in sub {
            t.extend(v.to_be_bytes());
        }
        t
    };
    let post = {
        let mut t = Vec::with_capacity(32);
        t.extend(0x0003_0000u32.to_be_bytes()); // version 3: no glyph names
        t.extend([0u8; 28]); // italicAngle, underline, isFixedPitch, memory hints
        t
    };
    let name = {
        // One Windows-Unicode record per required name id, all "GlyphLessFont".
        let family: Vec<u8> = "GlyphLessFont"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let ids = [1u16, 2, 4, 6];
        let styles: Vec<u8> = "Regular"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let mut t = Vec::new();
        t.extend(0u16.to_be_bytes()); // format
        t.extend((ids.len() as u16).to_be_bytes());
        t.extend((6 + 12 * ids.len() as u16).to_be_bytes()); // string offset
        let mut strings: Vec<u8> = Vec::new();
        let family_at = 0u16;
        strings.extend(&family);
        let style_at = strings.len() as u16;
        strings.extend(&styles);
        for id in ids {
            let (at, len) = if id == 2 {
                (style_at, styles.len() as u16)
            } else {
                (family_at, family.len() as u16)
            };
            for v in [3u16, 1, 0x0409, id, len, at] {
                t.extend(v.to_be_bytes());
            }
        }
        t.extend(strings);
        t
    };
    // Table records must be sorted by tag.
    let tables: [(&[u8; 4], &[u8]); 9] = [
        (b"cmap", &cmap),
        (b"glyf", &glyf),
        (b"head", &head),
        (b"hhea", &hhea),
        (b"hmtx", &hmtx),
        (b"loca", &loca),
        (b"maxp", &maxp),
        (b"name", &name),
        (b"post", &post),
    ];
    let n = tables.len() as u16;
    let entry_selector = 15 - n.leading_zeros() as u16; // floor(log2 n)
    let search_range = 16u16 << entry_selector;
    let mut font = Vec::with_capacity(600);
    font.extend(0x0001_0000u32.to_be_bytes());
    font.extend(n.to_be_bytes());
    font.extend(search_range.to_be_bytes());
    font.extend(entry_selector.to_be_bytes());
    font.extend((n * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = 0;
    for (tag, data) in tables {
        font.extend(tag);
        font.extend(checksum(data).to_be_bytes());
        font.extend((offset as u32).to_be_bytes());
        font.extend((data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = offset;
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in tables {
        font.extend(data);
        font.resize(font.len().div_ceil(4) * 4, 0);
    }
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&font));
    font[head_at + 8..head_at + 12].copy_from_slice(&adjust.to_be_bytes());
    font
}

/// The TrueType table checksum: the sum of big-endian u32 words, zero-padded.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_is_small_and_checksummed() {
        let font = glyphless_ttf();
        assert!(font.len() < 700, "{} bytes", font.len());
        assert_eq!(checksum(&font), 0xB1B0_AFBA);
        assert_eq!(font, glyphless_ttf(), "deterministic");
    }

    #[test]
    fn variants() {
        assert_eq!(nearest_variant(1.0), 0);
        assert_eq!(nearest_variant(0.85), 1);
        assert_eq!(nearest_variant(0.75), 1);
        assert_eq!(nearest_variant(0.5), 3);
        assert_eq!(nearest_variant(0.0001), VARIANTS - 1);
        for k in 0..VARIANTS {
            assert_eq!(nearest_variant(variant_ascent(k)), k);
        }
    }

    #[test]
    fn codes() {
        let mut map = CodeMap::default();
        let mut out = Vec::new();
        assert_eq!(map.encode("aé€😀😀", &mut out), 5);
        assert_eq!(out, [0, 0x61, 0, 0xE9, 0x20, 0xAC, 0xD8, 0, 0xD8, 0]);
        let cmap = String::from_utf8(map.to_unicode_cmap()).unwrap_or_default();
        assert!(cmap.contains("<D800> <D83DDE00>"), "{cmap}");
        assert!(!cmap.contains("<D800> <D8FF>"));
        assert!(cmap.contains("2 beginbfrange\n<0000> <00FF> <0000>\n<2000> <20FF> <2000>\n"));
    }

    #[test]
    fn characters_past_the_private_codes_extract_as_the_replacement() {
        let mut map = CodeMap::default();
        let mut out = Vec::new();
        // More distinct characters beyond the BMP than private codes.
        for c in (0x1_0000u32..0x1_0900).filter_map(char::from_u32) {
            map.encode(&c.to_string(), &mut out);
        }
        assert_eq!(out[out.len() - 2..], [0xFF, 0xFD]);
        let cmap = String::from_utf8(map.to_unicode_cmap()).unwrap_or_default();
        assert!(cmap.contains("<FF00> <FFFF> <FF00>"), "no range for U+FFFD");
    }
}
