//! Furigana (ruby): the small kana Japanese prints beside a word to spell
//! its reading, above a horizontal line or to the right of a column.
//! In Tesseract's readings they are left out of the text unless
//! [`crate::Settings::keep_noise`]: flagged as noise, kept in the
//! structured outputs. Not in PP-OCRv5's: its detector's boxes of short
//! body lines measure under [`SIZE`] as well (a line of katakana at 0.70
//! on a page of the shared Japanese corpus).
//!
//! They are not part of the text (a reader reads `港町`, not `港町` and
//! `みなとまち`), and read as they are they do harm twice: the engine reads
//! them as lines of their own, which land between the lines of the body,
//! and their ink beside the body's characters makes it misread those
//! (`漁船` read `満船`, a kanji lost). So a Japanese page whose reading has
//! ruby lines is read again with them blanked out ([`blank`]).
//!
//! A line is ruby ([`take_lines`]) when, in general terms:
//! - it is kana ([`KANA_SHARE`] of its characters at least);
//! - it is small: across the line, at most [`SIZE`] times the page's body
//!   lines (ruby is set at half the body's size);
//! - it sits on a body line's ruby side (above it, or right of a column),
//!   within [`GAP`] body sizes, overlapping it along the line.

use crate::result::{is_kana, BBox};
use crate::tess::{RawBlock, RawLine, RawPara};
use image::{GrayImage, Luma};
use std::collections::HashSet;

/// A ruby line has at least this share of kana among its characters.
const KANA_SHARE: f32 = 0.8;
/// A ruby line is at most this many times as thick as a body line
/// (thickness: height for a horizontal line, width for a column). Ruby is
/// set at half the body's size: its character boxes measured 0.45-0.5 of
/// the body's on the ruby pages of `scripts/cjk-pages`, 0.75 where the
/// engine's boxes took in some of the body's ink.
const SIZE: f32 = 0.75;
/// Ruby sits within this many body thicknesses of its body line.
const GAP: f32 = 0.5;
/// Lines with fewer characters do not count towards the body's thickness.
const BODY_MIN_CHARS: usize = 4;

/// Takes the ruby lines (see the module documentation) out of `raw`, a
/// reading of a page (`vertical`: in columns), and returns them.
pub(crate) fn take_lines(raw: &mut Vec<RawBlock>, vertical: bool) -> Vec<RawLine> {
    let seen: Vec<Option<Seen>> = raw
        .iter()
        .flat_map(|b| &b.paras)
        .flat_map(|p| &p.lines)
        .map(|l| Seen::of(l, vertical))
        .collect();
    let ruby = find(&seen, vertical);
    let mut taken = Vec::new();
    let mut at = 0;
    for para in raw.iter_mut().flat_map(|b| b.paras.iter_mut()) {
        for line in std::mem::take(&mut para.lines) {
            if ruby.contains(&at) {
                taken.push(line);
            } else {
                para.lines.push(line);
            }
            at += 1;
        }
    }
    // No empty paragraphs or blocks left behind.
    for b in raw.iter_mut() {
        b.paras.retain(|p| !p.lines.is_empty());
    }
    raw.retain(|b| !b.paras.is_empty());
    taken
}

/// One block holding `lines` with every word flagged as noise: furigana
/// stay in the result for those who want them, out of the text.
pub(crate) fn flagged_block(mut lines: Vec<RawLine>) -> RawBlock {
    for w in lines.iter_mut().flat_map(|l| l.words.iter_mut()) {
        w.noise = true;
    }
    let bbox = lines
        .iter()
        .map(|l| l.bbox)
        .reduce(|a, b| a.union(&b))
        .unwrap_or_default();
    RawBlock {
        bbox,
        deskew: 0.0,
        paras: vec![RawPara { bbox, lines }],
    }
}

/// Which of the lines `seen` (in the page's order; `None`: a line without
/// words) are ruby: their indices.
fn find(seen: &[Option<Seen>], vertical: bool) -> HashSet<usize> {
    let all: Vec<(usize, &Seen)> = seen
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.as_ref()?)))
        .collect();
    let Some(body) = body_thickness(all.iter().map(|(_, s)| *s)) else {
        return HashSet::new();
    };
    let small = |l: &Seen| l.kana && l.thick <= SIZE * body;
    let bodies: Vec<&Seen> = all
        .iter()
        .map(|(_, s)| *s)
        .filter(|l| !small(l) && l.chars >= BODY_MIN_CHARS)
        .collect();
    all.iter()
        .filter(|(_, l)| small(l))
        .filter(|(_, l)| {
            bodies
                .iter()
                .any(|b| beside(&l.core, &b.core, vertical, body))
        })
        .map(|(at, _)| *at)
        .collect()
}

/// A line as the ruby rule sees it.
struct Seen {
    /// The line's box, across the line from its words' median edges (the
    /// engine's line boxes of columns often take in a neighbour's ink).
    core: BBox,
    /// `core`'s size across the line.
    thick: f32,
    chars: usize,
    kana: bool,
}

impl Seen {
    /// A line as seen; `None` without words.
    fn of(line: &RawLine, vertical: bool) -> Option<Seen> {
        let median = |mut v: Vec<u32>| -> Option<u32> {
            v.sort_unstable();
            v.get(v.len() / 2).copied()
        };
        let (mut starts, mut ends, mut text) = (Vec::new(), Vec::new(), Vec::new());
        for w in &line.words {
            let b = &w.bbox;
            let (s, e) = if vertical { (b.x0, b.x1) } else { (b.y0, b.y1) };
            starts.push(s);
            ends.push(e);
            text.extend(w.text.chars().filter(|c| !c.is_whitespace()));
        }
        let mut core = line.bbox;
        if vertical {
            core.x0 = median(starts)?;
            core.x1 = median(ends)?;
        } else {
            core.y0 = median(starts)?;
            core.y1 = median(ends)?;
        }
        let kana = text.iter().filter(|c| is_kana(**c)).count();
        Some(Seen {
            thick: if vertical {
                core.width()
            } else {
                core.height()
            } as f32,
            core,
            chars: text.len(),
            kana: !text.is_empty() && kana as f32 >= KANA_SHARE * text.len() as f32,
        })
    }
}

/// The median thickness of the lines with [`BODY_MIN_CHARS`], weighted by
/// their characters.
fn body_thickness<'a>(all: impl Iterator<Item = &'a Seen>) -> Option<f32> {
    let mut sizes: Vec<(f32, usize)> = all
        .map(|l| (l.thick, l.chars))
        .filter(|&(_, n)| n >= BODY_MIN_CHARS)
        .collect();
    sizes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: usize = sizes.iter().map(|s| s.1).sum();
    let mut seen = 0;
    for (size, n) in sizes {
        seen += n;
        if 2 * seen >= total {
            return Some(size);
        }
    }
    None
}

/// Whether `ruby` sits on `body`'s ruby side: above a horizontal line or
/// right of a column, within [`GAP`] body thicknesses, overlapping it along
/// the line.
fn beside(ruby: &BBox, body: &BBox, vertical: bool, size: f32) -> bool {
    let gap = GAP * size;
    if vertical {
        let along = ruby.y0.max(body.y0) < ruby.y1.min(body.y1);
        let centre = (ruby.x0 + ruby.x1) as f32 / 2.0;
        along && centre >= body.x1 as f32 - gap / 2.0 && (ruby.x0 as f32) <= body.x1 as f32 + gap
    } else {
        let along = ruby.x0.max(body.x0) < ruby.x1.min(body.x1);
        let centre = (ruby.y0 + ruby.y1) as f32 / 2.0;
        along && centre <= body.y0 as f32 + gap / 2.0 && (ruby.y1 as f32) >= body.y0 as f32 - gap
    }
}

/// `img` with the boxes painted white.
pub(crate) fn blank(img: &GrayImage, boxes: &[BBox]) -> GrayImage {
    let mut out = img.clone();
    for b in boxes {
        for y in b.y0..b.y1.min(out.height()) {
            for x in b.x0..b.x1.min(out.width()) {
                out.put_pixel(x, y, Luma([255]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tess::RawWord;

    fn line(text: &str, x0: u32, y0: u32, x1: u32, y1: u32) -> RawLine {
        let bbox = BBox { x0, y0, x1, y1 };
        RawLine {
            bbox,
            baseline: None,
            words: text
                .chars()
                .map(|c| RawWord {
                    text: c.to_string(),
                    bbox,
                    confidence: 90.0,
                    pointsize: 0,
                    noise: false,
                })
                .collect(),
        }
    }

    fn page(lines: Vec<RawLine>) -> Vec<RawBlock> {
        vec![RawBlock {
            bbox: BBox {
                x0: 0,
                y0: 0,
                x1: 2000,
                y1: 2000,
            },
            deskew: 0.0,
            paras: vec![RawPara {
                bbox: BBox {
                    x0: 0,
                    y0: 0,
                    x1: 2000,
                    y1: 2000,
                },
                lines,
            }],
        }]
    }

    fn texts(lines: &[RawLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.words.iter().map(|w| w.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn kana_above_a_horizontal_line_is_ruby() {
        let mut raw = page(vec![
            line("みなとまち", 300, 80, 420, 100),
            line("冬の朝、港町の市場は賑わう", 100, 104, 1500, 144),
            line("光る魚の箱が運び出される", 100, 170, 1500, 210),
            // Kana of body size: text, not ruby.
            line("すこしずつ", 100, 236, 400, 276),
            // Small kana far from any line: not ruby either.
            line("ちい", 100, 600, 140, 620),
        ]);
        assert_eq!(texts(&take_lines(&mut raw, false)), ["みなとまち"]);
        assert_eq!(raw[0].paras[0].lines.len(), 4);
    }

    #[test]
    fn ruby_is_right_of_a_column_and_small_kanji_are_not_ruby() {
        let mut raw = page(vec![
            line("やま", 1542, 100, 1562, 160),
            line("山あいの小さな村では", 1500, 100, 1540, 800),
            line("秋になると家々の軒先", 1420, 100, 1460, 800),
            // Small, right of a column, but kanji.
            line("小村", 1462, 400, 1482, 460),
        ]);
        assert_eq!(texts(&take_lines(&mut raw, true)), ["やま"]);
    }

    #[test]
    fn a_ruby_line_box_swollen_by_the_body_ink_is_measured_by_its_characters() {
        let mut ruby = line("やまあい", 1500, 100, 1562, 300);
        for (i, w) in ruby.words.iter_mut().enumerate() {
            let y0 = 100 + 50 * i as u32;
            w.bbox = BBox {
                x0: 1542,
                y0,
                x1: 1562,
                y1: y0 + 20,
            };
        }
        let mut raw = page(vec![
            ruby,
            line("山あいの小さな村では", 1500, 100, 1540, 800),
        ]);
        assert_eq!(texts(&take_lines(&mut raw, true)), ["やまあい"]);
    }

    #[test]
    fn a_page_without_body_lines_has_no_ruby() {
        let mut raw = page(vec![line("あ", 0, 0, 10, 10)]);
        assert!(take_lines(&mut raw, false).is_empty());
    }

    #[test]
    fn the_flagged_block_is_all_noise() {
        let block = flagged_block(vec![line("みなと", 0, 0, 60, 20)]);
        assert!(block.paras[0].lines[0].words.iter().all(|w| w.noise));
        assert_eq!(
            block.bbox,
            BBox {
                x0: 0,
                y0: 0,
                x1: 60,
                y1: 20
            }
        );
    }

    #[test]
    fn blanking_paints_only_the_boxes() {
        let img = GrayImage::from_pixel(10, 10, Luma([0]));
        let out = blank(
            &img,
            &[BBox {
                x0: 2,
                y0: 2,
                x1: 4,
                y1: 12,
            }],
        );
        assert_eq!(out.get_pixel(2, 9).0, [255]);
        assert_eq!(out.get_pixel(4, 2).0, [0]);
        assert_eq!(out.get_pixel(1, 2).0, [0]);
    }
}
