//! The invisible text layer of one page: where each word goes and the
//! content stream that puts it there.

use crate::font::{self, CodeMap};
use ocrloom_ocr::{space_between, BBox, Line, PageResult};
use std::collections::BTreeSet;

/// An affine map `(x, y) -> (a x + c y + e, b x + d y + f)`, from the
/// pixels of a [`PageResult`] to PDF user space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Affine {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub e: f64,
    pub f: f64,
}

impl Affine {
    #[cfg(test)]
    fn point(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            self.a * x + self.c * y + self.e,
            self.b * x + self.d * y + self.f,
        )
    }

    /// The map from the pixels of a `result_w x result_h` image of a page
    /// displayed as `crop` (user space `[llx, lly, urx, ury]`) turned
    /// clockwise by `rotate` degrees (the page's `/Rotate`), to user space.
    pub(crate) fn for_pdf_page(crop: [f64; 4], rotate: u16, result_w: u32, result_h: u32) -> Self {
        let [llx, lly, urx, ury] = crop;
        let (w, h) = (urx - llx, ury - lly);
        // The displayed page is the crop box turned: its size swaps for 90/270.
        let (dw, dh) = if rotate % 180 == 90 { (h, w) } else { (w, h) };
        let sx = dw / f64::from(result_w.max(1));
        let sy = dh / f64::from(result_h.max(1));
        // (dx, dy) = (sx x, sy y) is the displayed position from the top-left
        // corner; each case says where that corner and the axes land.
        let (a, b, c, d, e, f) = match rotate {
            90 => (0.0, sx, sy, 0.0, llx, lly),
            180 => (-sx, 0.0, 0.0, sy, urx, lly),
            270 => (0.0, -sx, -sy, 0.0, urx, ury),
            _ => (sx, 0.0, 0.0, -sy, llx, ury),
        };
        Affine { a, b, c, d, e, f }
    }

    /// The map for an upright page `width_pt x height_pt` whose image the
    /// result describes (image inputs).
    pub(crate) fn for_image_page(
        width_pt: f64,
        height_pt: f64,
        result_w: u32,
        result_h: u32,
    ) -> Self {
        Self::for_pdf_page([0.0, 0.0, width_pt, height_pt], 0, result_w, result_h)
    }
}

/// The smallest gap between two words of a line, as a fraction of the
/// line's font size, that extractors reliably read as a space (poppler's
/// raw mode needs more than 0.15).
const MIN_WORD_GAP: f64 = 0.17;

/// The most a word is shortened to open that gap, as a fraction of its
/// length.
const MAX_SHORTEN: f64 = 0.25;

/// A line's font size is at most this many times its median word height.
const MAX_LINE_TO_MEDIAN: f64 = 1.6;

/// Rounds to `decimals` places: shorter content streams, same placement
/// (a hundredth of a point is far below a pixel).
fn round(v: f64, decimals: i32) -> f32 {
    let k = 10f64.powi(decimals);
    let r = ((v * k).round() / k) as f32;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// A word placed in the result's pixel frame: its baseline starts at
/// `origin` and runs `length` pixels along its line's reading direction; it
/// is `height` pixels tall across it.
#[derive(Debug, Clone, Copy)]
struct Placed {
    origin: (f64, f64),
    length: f64,
    height: f64,
}

/// The reading direction in image pixels (y down) of text that had to be
/// turned `orientation` degrees clockwise to become upright.
fn reading_direction(orientation: u16) -> (f64, f64) {
    match orientation {
        90 => (0.0, -1.0),
        180 => (-1.0, 0.0),
        270 => (0.0, 1.0),
        _ => (1.0, 0.0),
    }
}

/// The band across a column its characters stand in, pixels: as wide as
/// its typical word, around the middle of its words' centres. Not the
/// column's box, which a stray mark or a misread box beside the column
/// (furigana) widens: the font size of a column is its band's width, and
/// PDFium drops a character drawn within a fraction of the font size of
/// the same character before it (a repeated kana, `てて`, in a column
/// three characters wide).
fn column_band(line: &Line) -> Option<(u32, u32)> {
    let words = || line.words.iter().filter(|w| w.is_written());
    let median = |mut v: Vec<u64>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    };
    let width = median(words().map(|w| u64::from(w.bbox.width())).collect())?;
    // Twice the centre (in u64: a box's corners are u32).
    let centre = median(
        words()
            .map(|w| u64::from(w.bbox.x0) + u64::from(w.bbox.x1))
            .collect(),
    )?;
    let x0 = u32::try_from(centre.saturating_sub(width) / 2).ok()?;
    let x1 = x0.checked_add(u32::try_from(width).ok()?)?;
    // Too thin to size a word on: the words stay on their own boxes.
    (f64::from(x1 - x0) >= MIN_EXTENT).then_some((x0, x1))
}

/// The direction "up" from a line that reads along `dir` (image pixels,
/// y down): `dir` turned 90 degrees counter-clockwise on screen.
fn up_from(dir: (f64, f64)) -> (f64, f64) {
    (dir.1, -dir.0)
}

/// A word's smallest length and height, pixels: a smaller one would give a
/// font size or scaling of zero.
const MIN_EXTENT: f64 = 0.5;

/// Where a word with box `bbox` sits on a line that reads along `dir`: on
/// its box, whose edge across the reading direction is its baseline.
///
/// Skewed lines are written level too, every word on its own box: turned
/// along the line, a word's extracted box (poppler's spans the first
/// letter's baseline to the last letter's advance, level) covers only part
/// of the box the engine reports, which is the turned word's upright hull
/// (a 7 degree page: IoU 0.83 against 0.96 level), and the extracted text
/// comes back the same either way (a line of level words that rise or sink
/// may break into several lines, which is whitespace).
fn place(bbox: &BBox, dir: (f64, f64)) -> Option<Placed> {
    let up = up_from(dir);
    let (w, h) = (f64::from(bbox.width()), f64::from(bbox.height()));
    if w < MIN_EXTENT || h < MIN_EXTENT {
        return None;
    }
    // The box's extents along the reading direction and across it.
    let length = w * dir.0.abs() + h * dir.1.abs();
    let height = w * up.0.abs() + h * up.1.abs();
    let center = (f64::from(bbox.x0) + w / 2.0, f64::from(bbox.y0) + h / 2.0);
    let origin = (
        center.0 - dir.0 * length / 2.0 - up.0 * height / 2.0,
        center.1 - dir.1 * length / 2.0 - up.1 * height / 2.0,
    );
    Some(Placed {
        origin,
        length,
        height,
    })
}

/// A line's words placed (with their index in the line), and its font size.
type PlacedLine = (Vec<(usize, Placed)>, f64);

/// The words of `line` placed (with their index in the line), and the
/// line's font size in pixels: its tallest word, unless that one is far
/// taller than the typical word (a stray mark or a misread box): an
/// inflated size makes extractors miss the spaces between the other words
/// (their space threshold is a fraction of the font size). `None` when the
/// line has no word to write.
///
/// The words of a column stand across it in one band ([`column_band`]),
/// not on their boxes: vertical writing centres each character on the
/// column, so narrow ones (`ド`, `、`) have boxes off its edge, and
/// extractors break the line where a word's baseline moves.
fn line_words(line: &Line, dir: (f64, f64), column: bool) -> Option<PlacedLine> {
    let band = column.then(|| column_band(line)).flatten();
    let placed: Vec<(usize, Placed)> = line
        .words
        .iter()
        .enumerate()
        .filter(|(_, w)| w.is_written())
        .filter_map(|(i, w)| {
            let bbox = match band {
                Some((x0, x1)) => BBox { x0, x1, ..w.bbox },
                None => w.bbox,
            };
            place(&bbox, dir).map(|p| (i, p))
        })
        .collect();
    let mut heights: Vec<f64> = placed.iter().map(|(_, p)| p.height).collect();
    heights.sort_by(f64::total_cmp);
    let median = *heights.get(heights.len() / 2)?;
    let tallest = *heights.last()?;
    Some((placed, tallest.min(MAX_LINE_TO_MEDIAN * median)))
}

/// What a page's text layer needs from the document: which font resource
/// name stands for ascent variant `k`.
pub(crate) trait FontNames {
    /// The resource name of variant `k`.
    fn font_name(&self, k: usize) -> String;
}

/// Resource names `<prefix><k>`.
pub(crate) struct Prefixed<'a>(pub &'a str);

impl FontNames for Prefixed<'_> {
    fn font_name(&self, k: usize) -> String {
        format!("{}{k}", self.0)
    }
}

/// Appends `v` rounded to `decimals` places, without trailing zeros.
fn num(out: &mut Vec<u8>, v: f64, decimals: i32) {
    // Never `inf` or `NaN`, which are not PDF numbers.
    let r = if v.is_finite() {
        round(v, decimals)
    } else {
        0.0
    };
    // `Display` of `f32` is the shortest form that reads back the same and
    // never uses an exponent; whole numbers print without a point.
    let s = r.to_string();
    out.extend_from_slice(s.strip_suffix(".0").unwrap_or(&s).as_bytes());
}

/// Appends `codes` as a literal string. Raw bytes are allowed in a literal
/// string: only the delimiters, the escape character and CR (which a reader
/// would turn into LF) need escaping; half the size of a hex string.
fn literal(out: &mut Vec<u8>, codes: &[u8]) {
    out.push(b'(');
    for &b in codes {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// Appends `dx dy Td` (whole pixels).
fn td(out: &mut Vec<u8>, dx: f64, dy: f64) {
    num(out, dx, 0);
    out.push(b' ');
    num(out, dy, 0);
    out.extend_from_slice(b" Td\n");
}

/// Appends `codes` shown by `Tj`.
fn tj(out: &mut Vec<u8>, codes: &[u8]) {
    literal(out, codes);
    out.extend_from_slice(b"Tj\n");
}

/// The uncompressed content stream of the text layer of `page`, and the
/// font variants it uses. Empty when the page has no words.
///
/// The layer works in the result's pixel frame: one `cm` maps pixels to user
/// space, so that positions and lengths, which are whole pixels in the
/// result, are written as small integers (compact, and exact).
///
/// Per line: one text matrix (the line's direction and the first word's
/// origin), then per word a relative move (`Td`), the font variant when it
/// changes, a horizontal scaling that stretches the word over its box, and
/// the word with its following space in one string. The space is a real
/// character so that extractors which do not guess spaces from gaps
/// (PDFium) see it; extractors end words at a space, so it does not widen
/// the word's box. All words of a line share one font size, so extractors
/// keep the line together. Words of an upside-down line are shown from the
/// line's origin (see below), so that PDFium keeps them in order.
pub(crate) fn content(
    page: &PageResult,
    to_user: &Affine,
    codes: &mut CodeMap,
    names: &dyn FontNames,
) -> (Vec<u8>, BTreeSet<usize>) {
    let mut used = BTreeSet::new();
    let mut out: Vec<u8> = Vec::new();
    let page_dir = reading_direction(page.orientation);
    let advance = f64::from(font::ADVANCE) / f64::from(font::UNITS_PER_EM);
    let mut text = Vec::new();
    // Font and scaling persist across lines (text state survives Tm).
    let mut current_font: Option<(usize, f32)> = None;
    let mut current_scale: Option<f32> = None;
    let m = to_user;
    if !(m.a * m.d - m.b * m.c).is_normal() {
        return (out, used);
    }
    let lines: Vec<(&Line, (f64, f64), PlacedLine)> = page
        .lines()
        .filter_map(|line| {
            // A column of vertical writing on an upright page is written
            // downwards, so that extractors read it as one line and the
            // columns one after the other (right to left, as each column's
            // "up" points right), as they read the lines of a page on its
            // side.
            let column = page_dir == (1.0, 0.0) && line.is_column();
            let dir = if column { (0.0, 1.0) } else { page_dir };
            Some((line, dir, line_words(line, dir, column)?))
        })
        .collect();
    for (n, (line, dir, (placed, line_height))) in lines.iter().enumerate() {
        let (line, dir, line_height) = (*line, *dir, *line_height);
        let up = up_from(dir);
        let Some((_, first)) = placed.first() else {
            continue;
        };
        let size = round(line_height, 1);
        if size <= 0.0 {
            continue;
        }
        // Each word's size (see below) and its extent along the line,
        // relative to the first word's origin, in pixels.
        let smallest = f64::from(font::variant_ascent(font::VARIANTS - 1));
        let words: Vec<(usize, usize, f32, f64, f64)> = placed
            .iter()
            .map(|(i, p)| {
                // The word's own height through the ascent variant; a word
                // far smaller than its line (a dot, a dash, a stray mark
                // read as a word) or taller (see above) gets its own font
                // size instead: extractors may then see it as a line of its
                // own, but it lands on its box.
                let ratio = p.height / line_height;
                let (k, word_size) = if ratio < smallest * 0.95 || ratio > 1.0 {
                    (0, round(p.height, 1))
                } else {
                    (font::nearest_variant(ratio as f32), size)
                };
                let d = (p.origin.0 - first.origin.0, p.origin.1 - first.origin.1);
                let start = d.0 * dir.0 + d.1 * dir.1;
                (*i, k, word_size, start, p.length)
            })
            .collect();
        // Extractors put a space between two words only when the gap
        // between them exceeds a fraction of the first one's font size
        // (`pdftotext -raw`: 0.15 em), whatever characters the content
        // holds. A word closer than that to the next one (or overlapping
        // it) is drawn shorter, by at most MAX_SHORTEN of its length, and
        // the next one starts later by what is still missing, by at most
        // MAX_SHORTEN of its length (its end stays). Boxes that overlap by
        // more than that are left as they are: moving them further would
        // misplace both words.
        let mut spans: Vec<(f64, f64)> = Vec::with_capacity(words.len());
        let mut push = 0.0f64;
        // Whether a space follows word `i` of the line when `next` comes
        // after it (words flagged as noise between them are not written).
        let spaced =
            |i: usize, next: usize| space_between(&line.words[i].text, &line.words[next].text);
        for (j, &(i, _, word_size, start, length)) in words.iter().enumerate() {
            let start = start + push;
            let mut length = length - push;
            push = 0.0;
            if let Some(&(next_i, _, _, next, next_length)) = words.get(j + 1) {
                let gap = next - (start + length);
                if !spaced(i, next_i) {
                    // Joined without a space (Chinese, Japanese): the word
                    // reaches the next one, so that extractors see no gap
                    // to put a space in.
                    if gap > 0.0 {
                        length += gap;
                    }
                    spans.push((start, length));
                    continue;
                }
                let need = MIN_WORD_GAP * f64::from(word_size) - gap;
                if need > 0.0 {
                    let shorten = need.min(length * MAX_SHORTEN);
                    let rest = need - shorten;
                    if rest <= next_length * MAX_SHORTEN {
                        length -= shorten;
                        push = rest;
                    } else if gap >= 0.0 {
                        length -= shorten;
                    }
                }
            }
            spans.push((start, length));
        }
        if out.is_empty() {
            out.extend_from_slice(b"q\n");
            for v in [m.a, m.b, m.c, m.d] {
                num(&mut out, v, 6);
                out.push(b' ');
            }
            for v in [m.e, m.f] {
                num(&mut out, v, 3);
                out.push(b' ');
            }
            out.extend_from_slice(b"cm\nBT\n3 Tr\n");
        }
        // The text matrix: the line's direction and its up vector in
        // pixels (y down), at the first word's origin.
        for v in [dir.0, dir.1, up.0, up.1] {
            num(&mut out, v, 4);
            out.push(b' ');
        }
        num(&mut out, first.origin.0, 1);
        out.push(b' ');
        num(&mut out, first.origin.1, 1);
        out.extend_from_slice(b" Tm\n");
        // PDFium's text extraction gathers consecutive text objects whose
        // origins lie within a quarter em across the page and orders them
        // by their origins' x on the displayed page, which reverses the
        // words of a line that reads leftwards (upside-down text). Such a
        // line shows each word from the line's origin: a spacer there, then
        // a move along the line to the word (a number in `TJ`), so that all
        // its objects share one x and keep their order.
        let from_origin = dir.0 < 0.0;
        // Where the text line matrix stands along the line and across it,
        // as written (rounded): moves are computed from it so that
        // rounding never accumulates.
        let mut at = (0.0f64, 0.0f64);
        for (j, (&(i, k, word_size, _, _), &(start, length))) in
            words.iter().zip(&spans).enumerate()
        {
            let p = &placed[j].1;
            let d = (p.origin.0 - first.origin.0, p.origin.1 - first.origin.1);
            let across = d.0 * up.0 + d.1 * up.1;
            if j > 0 {
                let dx = if from_origin {
                    0.0
                } else {
                    f64::from(round(start - at.0, 0))
                };
                let dy = f64::from(round(across - at.1, 0));
                td(&mut out, dx, dy);
                at = (at.0 + dx, at.1 + dy);
            }
            used.insert(k);
            if current_font != Some((k, word_size)) {
                out.push(b'/');
                out.extend_from_slice(names.font_name(k).as_bytes());
                out.push(b' ');
                num(&mut out, f64::from(word_size), 1);
                out.extend_from_slice(b" Tf\n");
                current_font = Some((k, word_size));
            }
            text.clear();
            let glyphs = codes.encode(line.words[i].text.trim(), &mut text);
            let natural = glyphs as f64 * advance * f64::from(word_size);
            // Whole percent: half a percent of a word's length is far below
            // a pixel for most words, and it saves bytes on every word. The
            // length runs from where the word was placed (rounded).
            let length = if from_origin {
                length
            } else {
                length + (start - at.0)
            };
            let scale = round(100.0 * length / natural, 0).max(1.0);
            if current_scale != Some(scale) {
                num(&mut out, f64::from(scale), 0);
                out.extend_from_slice(b" Tz\n");
                current_scale = Some(scale);
            }
            if words.get(j + 1).is_some_and(|w| spaced(i, w.0)) {
                codes.encode(" ", &mut text);
            }
            if from_origin && j > 0 {
                // The move after the space, in thousandths of the font size
                // at this scaling, to where the word starts.
                let unit = f64::from(word_size) * f64::from(scale) / 100.0 / 1000.0;
                let offset =
                    start - at.0 - advance * f64::from(word_size) * f64::from(scale) / 100.0;
                let mut space = Vec::new();
                codes.spacer(j, &mut space);
                out.push(b'[');
                literal(&mut out, &space);
                num(&mut out, -(offset / unit), 0);
                literal(&mut out, &text);
                out.extend_from_slice(b"]TJ\n");
            } else {
                tj(&mut out, &text);
            }
        }
        // When the next line starts level with this line's end (on a skewed
        // page whose lines are written level, this line's end may have
        // drifted down to it; or the next line stands beside this one),
        // PDFium takes the next line's first word for part of this line and
        // sorts it before this line's words. A space shown a line height
        // above this line's origin, level with neither, keeps them apart
        // (PDFium reads it as an empty line; other extractors ignore a lone
        // space).
        let last = placed.last().map_or(first.origin, |(_, p)| p.origin);
        let next = lines.get(n + 1).and_then(|(_, _, (next, _))| next.first());
        // Lines that read rightwards only: an upside-down line's words
        // share its origin (see above), and words of vertical lines are far
        // apart.
        if let Some((_, next)) = next.filter(|_| dir.0 > 0.0) {
            let d = (next.origin.0 - last.0, next.origin.1 - last.1);
            if (d.0 * up.0 + d.1 * up.1).abs() <= 0.5 * line_height {
                td(&mut out, -at.0, f64::from(round(line_height, 0)) - at.1);
                text.clear();
                codes.encode(" ", &mut text);
                tj(&mut out, &text);
            }
        }
    }
    if out.is_empty() {
        return (out, used);
    }
    out.extend_from_slice(b"ET\nQ\n");
    (out, used)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn rotations_map_the_displayed_corners() {
        // A 200 x 100 pt crop box at (10, 20); the result is 2 px per pt.
        let crop = [10.0, 20.0, 210.0, 120.0];
        let m = Affine::for_pdf_page(crop, 0, 400, 200);
        assert!(close(m.point((0.0, 0.0)), (10.0, 120.0)));
        assert!(close(m.point((400.0, 200.0)), (210.0, 20.0)));
        // Turned 90 degrees clockwise, the displayed top-left is the lower-left.
        let m = Affine::for_pdf_page(crop, 90, 200, 400);
        assert!(close(m.point((0.0, 0.0)), (10.0, 20.0)));
        assert!(close(m.point((200.0, 0.0)), (10.0, 120.0)));
        assert!(close(m.point((0.0, 400.0)), (210.0, 20.0)));
        let m = Affine::for_pdf_page(crop, 180, 400, 200);
        assert!(close(m.point((0.0, 0.0)), (210.0, 20.0)));
        let m = Affine::for_pdf_page(crop, 270, 200, 400);
        assert!(close(m.point((0.0, 0.0)), (210.0, 120.0)));
        assert!(close(m.point((200.0, 0.0)), (210.0, 20.0)));
    }

    #[test]
    fn words_sit_on_their_boxes_in_every_reading_direction() {
        let bbox = BBox {
            x0: 100,
            y0: 200,
            x1: 160,
            y1: 220,
        };
        // Origin at the start of the baseline; length along, height across.
        for (dir, origin, length, height) in [
            ((1.0, 0.0), (100.0, 220.0), 60.0, 20.0),
            ((-1.0, 0.0), (160.0, 200.0), 60.0, 20.0),
            // Reading upwards, the tops face left: the baseline is the
            // right edge, starting at the bottom.
            ((0.0, -1.0), (160.0, 220.0), 20.0, 60.0),
            ((0.0, 1.0), (100.0, 200.0), 20.0, 60.0),
        ] {
            let p = place(&bbox, dir).expect("placed");
            assert!(close(p.origin, origin), "{dir:?}: {p:?}");
            assert_eq!((p.length, p.height), (length, height), "{dir:?}");
        }
    }

    #[test]
    fn numbers_are_always_pdf_numbers() {
        let mut out = Vec::new();
        for v in [f64::INFINITY, f64::NAN, -f64::INFINITY] {
            out.clear();
            num(&mut out, v, 1);
            assert_eq!(out, b"0");
        }
        out.clear();
        num(&mut out, 12.25, 1);
        assert_eq!(out, b"12.3");
    }

    #[test]
    fn a_word_too_thin_to_size_is_not_placed() {
        let flat = BBox {
            x0: 0,
            y0: 0,
            x1: 100,
            y1: 0,
        };
        assert!(place(&flat, (1.0, 0.0)).is_none());
        assert!(place(&flat, (0.0, 1.0)).is_none());
    }
}
