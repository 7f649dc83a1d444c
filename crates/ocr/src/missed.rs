//! Text the engine's layout analysis left out of a line: ink on the line's
//! row that no word covers.
//!
//! Tesseract's automatic layout cuts some rows short: a receipt's price
//! column is dropped, or a price is cut after its decimal point (`21.75`
//! read `21.`), while a reading of the row alone sees all of it. So every
//! horizontal line is checked for ink beside it on its row that no word of
//! the page covers and that looks like text rather than a mark ([`find`]):
//! - it stands in the row: blank pixel rows part it from what is above and
//!   below, near the row's edges ([`AROUND`], [`SLACK`]; a stamp, a
//!   signature or a picture runs over several rows); the row follows the
//!   page's slope ([`Guide`]: on a page turned a degree, a price half the
//!   page away from its item sits several pixels higher or lower);
//! - it is as tall as text (ink on at least [`FILL`] of the row's pixel
//!   rows: a rule or a speck is not);
//! - it stands on the line's baseline: most of its ink ends there
//!   ([`BASE`]), as letters and digits do, and marks do not;
//! - it is at least [`MIN_WIDTH`] line heights wide.
//!
//! Lines with fewer than two letters or digits, without a baseline, less
//! than 4 pixels high or narrower than high are left as they are, and ink
//! beyond another line's words (half of them in what a reading of the row
//! takes in) is that line's to miss.
//!
//! A line with missed ink is read again as one line over its own span and
//! the missed ink ([`crate::tess::PSM_SINGLE_LINE`]), and the new reading
//! replaces the old when [`better`] says so. Ink two lines miss goes to the
//! nearer line ([`nearest_claims`]).

use crate::result::{BBox, Baseline};
use crate::tess::{RawBlock, RawLine, RawWord};
use image::GrayImage;

/// See the module documentation: the pixel rows with ink between the blank
/// rows that part a run from its neighbours, as a share of the row's height.
const FILL: f32 = 0.4;
/// See the module documentation: the narrowest run, in line heights.
const MIN_WIDTH: f32 = 0.5;
/// Ink runs closer than this many line heights are one run (the gaps
/// between a word's letters and around its punctuation).
const JOIN: f32 = 0.6;
/// Words cover their box and this many line heights on each side.
const COVER_PAD: f32 = 0.25;
/// Above and below the row, this many line heights are looked at for ink
/// that runs out of it.
const AROUND: f32 = 0.3;
/// The blank pixel rows that part a run's ink from what is above and below
/// it may lie this many line heights inside the row (a digit is shorter
/// than a word with ascenders and descenders).
const SLACK: f32 = 0.3;
/// The region read again reaches this many line heights above and below
/// the row (Tesseract reads a line better with some white around it).
const MARGIN: f32 = 0.35;
/// Missed ink's foot (where most of it ends) lies within this many line
/// heights of the line's baseline.
const BASE: f32 = 0.15;
/// The steepest page slope followed across a row (tan 2.5 degrees: pages
/// turned 2 degrees or more are levelled first, see
/// [`crate::settings::Preprocess::min_skew`]).
const MAX_RISE: f32 = 0.044;
/// A baseline this many line heights long or longer tells the page's
/// slope.
const MEASURED: f32 = 8.0;
/// [`better`]: a word read with less confidence is in doubt (as for
/// [`crate::noise`]).
const DOUBT: f32 = crate::noise::DOUBT;
/// [`better`]: a word read with this confidence is sure (as for
/// [`crate::noise`]).
const SURE: f32 = crate::noise::SURE;

/// A line to read again: its position in the reading (block, paragraph,
/// line) and the box to read, in the image's pixels.
#[derive(Debug)]
pub(crate) struct Missed {
    pub at: (usize, usize, usize),
    pub region: BBox,
    /// The runs of missed ink.
    pub runs: Vec<(u32, u32)>,
    /// The line's row (see [`row_of`]).
    row: BBox,
    /// The line's baseline, across the row.
    guide: Guide,
    /// How far left and right the region may reach: up to other lines'
    /// words on the row.
    room: (u32, u32),
}

/// The horizontal lines of `raw`, read from `img` (ink: darker than
/// `threshold`, one level short of [`crate::preprocess::PageStats`]'s
/// convention, as the plan binarizes its row crops), with missed ink on
/// their row (see the module documentation).
pub(crate) fn find(raw: &[RawBlock], img: &GrayImage, threshold: u8) -> Vec<Missed> {
    let (w, h) = img.dimensions();
    let slope = page_slope(raw);
    let mut out = Vec::new();
    for (bi, b) in raw.iter().enumerate() {
        for (pi, p) in b.paras.iter().enumerate() {
            for (li, line) in p.lines.iter().enumerate() {
                // A line without two letters or digits may be a mark itself.
                let Some(row) = row_of(line) else { continue };
                let Some(base) = line.baseline else { continue };
                if line.words.iter().map(|w| alnum(&w.text)).sum::<usize>() < 2 {
                    continue;
                }
                let lh = row.height() as f32;
                if lh < 4.0 || row.width() < row.height() || row.y1 > h || row.x1 > w {
                    continue;
                }
                let pad = (COVER_PAD * lh) as u32;
                let guide = Guide::new(&base, &row, slope);
                // Columns other lines' words cover on this row: words half
                // inside what a reading of the row would take in (a line
                // half a line off is no less in the way).
                let margin = (MARGIN * lh) as i64;
                let taken = |wb: &BBox| {
                    let (y0, y1) = guide.band(&row, centre_x(wb), margin, u32::MAX);
                    let common = i64::from(y1.min(wb.y1)) - i64::from(y0.max(wb.y0));
                    2 * common >= i64::from(wb.height())
                };
                let mut others = vec![false; w as usize];
                for (ri, other) in lines_of(raw) {
                    if ri == (bi, pi, li) {
                        continue;
                    }
                    for wb in other.words.iter().map(|w| &w.bbox).filter(|wb| taken(wb)) {
                        let (x0, x1) = (wb.x0.saturating_sub(pad).min(w), (wb.x1 + pad).min(w));
                        others[x0 as usize..x1.max(x0) as usize].fill(true);
                    }
                }
                // Only ink beyond the line's ends (what lies between its
                // words the engine saw and left out), up to another line.
                let mut covered = others.clone();
                let (x0, x1) = (row.x0.saturating_sub(pad).min(w), (row.x1 + pad).min(w));
                covered[x0 as usize..x1.max(x0) as usize].fill(true);
                let mut runs = ink_runs(img, threshold, &row, &guide, &covered, lh);
                runs.retain(|&(a, b)| {
                    let between = if a >= row.x1 { row.x1..a } else { b..row.x0 };
                    !between.into_iter().any(|x| others[x as usize])
                });
                if runs.is_empty() {
                    continue;
                }
                // Where the region read must stop: other lines' words,
                // read already.
                let left = (0..row.x0)
                    .rev()
                    .find(|&x| others[x as usize])
                    .map_or(0, |x| x + 1);
                let right = (row.x1..w).find(|&x| others[x as usize]).unwrap_or(w);
                out.push(Missed {
                    at: (bi, pi, li),
                    region: BBox::default(),
                    runs,
                    row,
                    guide,
                    room: (left, right),
                });
            }
        }
    }
    nearest_claims(&mut out);
    for m in &mut out {
        m.region = region(m, h);
    }
    out
}

/// The box to read for `m`: its line and its runs with half a line height
/// of paper around (none of another line's words, [`Missed::room`]), and
/// [`MARGIN`] above and below the row where the baseline takes it at
/// either end.
fn region(m: &Missed, h: u32) -> BBox {
    let lh = m.row.height();
    let half = lh / 2;
    let start = m.runs.iter().map(|r| r.0).fold(m.row.x0, u32::min);
    let end = m.runs.iter().map(|r| r.1).fold(m.row.x1, u32::max);
    let margin = i64::from((MARGIN * lh as f32) as u32);
    let (a, b) = (m.guide.rise(start as f32), m.guide.rise(end as f32));
    BBox {
        x0: start.saturating_sub(half).max(m.room.0.min(start)),
        y0: shifted(m.row.y0, a.min(b).min(0) - margin, h),
        x1: (end + half).min(m.room.1.max(end)),
        y1: shifted(m.row.y1, a.max(b).max(0) + margin, h),
    }
}

/// Ink two lines of one row both miss (an item's line and a price's line
/// cut in two) goes to the line whose end is nearer (on a turned page, a
/// line's row is compared where it passes the other); a line left without
/// missed ink is not read again.
fn nearest_claims(missed: &mut Vec<Missed>) {
    let gap = |m: &Missed, r: &(u32, u32)| -> u32 {
        if r.0 >= m.row.x1 {
            r.0 - m.row.x1
        } else {
            m.row.x0.saturating_sub(r.1)
        }
    };
    let n = missed.len();
    let mut lose: Vec<Vec<bool>> = missed.iter().map(|m| vec![false; m.runs.len()]).collect();
    for i in 0..n {
        for j in 0..n {
            // Row i where it passes row j, on a turned page.
            let (row_i, row_j) = (&missed[i].row, &missed[j].row);
            let (y0, y1) = missed[i].guide.band(row_i, centre_x(row_j), 0, u32::MAX);
            let passing = BBox { y0, y1, ..*row_i };
            if i == j || !overlaps_rows(&passing, row_j) {
                continue;
            }
            for (ri, r) in missed[i].runs.iter().enumerate() {
                let nearer = missed[j].runs.iter().any(|q| {
                    q.0 < r.1 && r.0 < q.1 && (gap(&missed[j], q), j) < (gap(&missed[i], r), i)
                });
                lose[i][ri] |= nearer;
            }
        }
    }
    for (m, lost) in missed.iter_mut().zip(lose) {
        let mut lost = lost.into_iter();
        m.runs.retain(|_| !lost.next().unwrap_or(false));
    }
    missed.retain(|m| !m.runs.is_empty());
}

impl Missed {
    /// Whether a word of the new reading at `b` stands on the old line
    /// (its box `line`) or on the missed ink.
    pub(crate) fn holds(&self, b: &BBox, line: &BBox) -> bool {
        let on = |x0: u32, x1: u32| b.x0 < x1 && b.x1 > x0;
        on(line.x0, line.x1) || self.runs.iter().any(|r| on(r.0, r.1))
    }
}

/// The baseline's height at `x`.
fn base_y(b: &Baseline, x: f32) -> f32 {
    if (b.x1 - b.x0).abs() < 1.0 {
        return b.y0.max(b.y1);
    }
    b.y0 + (b.y1 - b.y0) * (x - b.x0) / (b.x1 - b.x0)
}

/// A line's baseline carried across its row with the page's slope: a
/// price half the page away from its item sits a few pixels higher or
/// lower on a slightly turned page. The line's own baseline gives only
/// the height (a short line's slope is mostly noise).
#[derive(Debug, Clone, Copy, Default)]
struct Guide {
    /// The middle of the row, and the baseline's height there.
    mid: f32,
    y: f32,
    slope: f32,
}

impl Guide {
    fn new(b: &Baseline, row: &BBox, slope: f32) -> Self {
        let mid = centre_x(row);
        Guide {
            mid,
            y: base_y(b, mid),
            slope,
        }
    }

    /// The baseline's height at `x`.
    fn y_at(&self, x: f32) -> f32 {
        self.y + self.slope * (x - self.mid)
    }

    /// The pixel rows `row` spans at `x`, moved with the baseline and
    /// widened by `pad` each way, within `0..=h`.
    fn band(&self, row: &BBox, x: f32, pad: i64, h: u32) -> (u32, u32) {
        let rise = self.rise(x);
        (
            shifted(row.y0, rise - pad, h),
            shifted(row.y1, rise + pad, h),
        )
    }

    /// How much lower the baseline lies at `x` than at the row's middle,
    /// whole pixels.
    fn rise(&self, x: f32) -> i64 {
        let rise = self.slope * (x - self.mid);
        if rise.is_finite() {
            rise.round() as i64
        } else {
            0
        }
    }
}

/// The middle of a box, across.
fn centre_x(b: &BBox) -> f32 {
    (b.x0 as f32 + b.x1 as f32) / 2.0
}

/// `y` moved by `by` pixels, kept within `0..=h`.
fn shifted(y: u32, by: i64, h: u32) -> u32 {
    (i64::from(y) + by).clamp(0, i64::from(h)) as u32
}

/// The page's slope: the median slope of the baselines at least
/// [`MEASURED`] line heights long, at most [`MAX_RISE`] either way (pages
/// turned further are levelled before they are read); 0 without any.
fn page_slope(raw: &[RawBlock]) -> f32 {
    let mut slopes: Vec<f32> = lines_of(raw)
        .filter_map(|(_, l)| {
            let (b, row) = (l.baseline?, row_of(l)?);
            let run = b.x1 - b.x0;
            (run >= MEASURED * row.height() as f32 && run > 0.0).then(|| (b.y1 - b.y0) / run)
        })
        .filter(|s| s.is_finite())
        .collect();
    if slopes.is_empty() {
        return 0.0;
    }
    let mid = slopes.len() / 2;
    let (_, m, _) = slopes.select_nth_unstable_by(mid, f32::total_cmp);
    m.clamp(-MAX_RISE, MAX_RISE)
}

/// Every line of `raw` with its position (block, paragraph, line).
fn lines_of(raw: &[RawBlock]) -> impl Iterator<Item = ((usize, usize, usize), &RawLine)> {
    raw.iter().enumerate().flat_map(|(bi, b)| {
        b.paras.iter().enumerate().flat_map(move |(pi, p)| {
            p.lines
                .iter()
                .enumerate()
                .map(move |(li, l)| ((bi, pi, li), l))
        })
    })
}

/// The line's row: across the union of its words' boxes, between the
/// median top and the median bottom of its words of two letters or digits
/// or more (a stray mark read into a word makes its box taller than the
/// text, punctuation is shorter); of all its words when it has none.
fn row_of(line: &RawLine) -> Option<BBox> {
    // The lower median of the tops and the upper median of the bottoms:
    // of two words, both whole.
    let median = |mut v: Vec<u32>, upper: bool| -> Option<u32> {
        v.sort_unstable();
        let n = v.len();
        v.get(if upper {
            n / 2
        } else {
            n.saturating_sub(1) / 2
        })
        .copied()
    };
    let all = line
        .words
        .iter()
        .map(|w| w.bbox)
        .reduce(|a, b| a.union(&b))?;
    let words: Vec<&BBox> = line
        .words
        .iter()
        .filter(|w| alnum(&w.text) >= 2)
        .map(|w| &w.bbox)
        .collect();
    let words = if words.is_empty() {
        line.words.iter().map(|w| &w.bbox).collect()
    } else {
        words
    };
    Some(BBox {
        y0: median(words.iter().map(|b| b.y0).collect(), false)?,
        y1: median(words.iter().map(|b| b.y1).collect(), true)?,
        ..all
    })
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

fn alnum(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// `b` and `row` share at least half the height of the lower of the two.
fn overlaps_rows(b: &BBox, row: &BBox) -> bool {
    let common = b.y1.min(row.y1).saturating_sub(b.y0.max(row.y0));
    2 * common >= row.height().min(b.height())
}

/// The runs (x0, x1) of text-like ink on `row` in the columns not
/// `covered`. Each run is checked at the row's height at its middle
/// (prices and cut-off words are short; over a run 7 line heights wide at
/// the steepest slope the row would drift by [`SLACK`]).
fn ink_runs(
    img: &GrayImage,
    threshold: u8,
    row: &BBox,
    guide: &Guide,
    covered: &[bool],
    lh: f32,
) -> Vec<(u32, u32)> {
    let (w, h) = img.dimensions();
    let around = (AROUND * lh) as u32;
    let ink = |x: u32, y: u32| img.get_pixel(x, y).0[0] < threshold;
    // The row at column `x`, moved with the baseline.
    let band = |x: f32| guide.band(row, x, 0, h);
    // Candidate columns: uncovered, with ink inside the row.
    let mut runs: Vec<(u32, u32)> = Vec::new();
    let join = (JOIN * lh) as u32;
    for x in 0..w {
        let (y0, y1) = band(x as f32);
        if covered[x as usize] || !(y0..y1).any(|y| ink(x, y)) {
            continue;
        }
        match runs.last_mut() {
            Some(r) if x <= r.1 + join => r.1 = x + 1,
            _ => runs.push((x, x + 1)),
        }
    }
    let slack = (SLACK * lh) as u32;
    runs.retain(|&(x0, x1)| {
        if ((x1 - x0) as f32) < MIN_WIDTH * lh {
            return false;
        }
        let blank = |y: u32| !(x0..x1).any(|x| ink(x, y));
        let mid = (x0 + x1) as f32 / 2.0;
        let (y0, y1) = band(mid);
        let (above, below) = (y0.saturating_sub(around), (y1 + around).min(h));
        // A blank pixel row above and below, near the row's edges: the ink
        // stands in the row, apart from what is above and below it.
        let top = (above..(y0 + slack).min(y1)).rev().find(|&y| blank(y));
        let bottom = (y1.saturating_sub(slack).max(y0)..below).find(|&y| blank(y));
        let (Some(top), Some(bottom)) = (top, bottom) else {
            return false;
        };
        let filled = (top..bottom).filter(|&y| !blank(y)).count();
        // Where most of its ink ends, going down: text stands on the
        // line's baseline (letters and digits end there, descenders aside).
        let ends = |y: u32| (x0..x1).filter(|&x| ink(x, y) && !ink(x, y + 1)).count();
        let foot = (top..bottom).max_by_key(|&y| (ends(y), y));
        let on_base = foot.is_some_and(|y| (y as f32 - guide.y_at(mid)).abs() <= BASE * lh);
        filled as f32 >= FILL * row.height() as f32 && on_base
    });
    runs
}

/// Whether `new`, a reading of a [`Missed`] region, should replace `old`:
/// a word with a letter or digit lies on every missed run, it holds more
/// letters and digits than the old reading's words not in doubt
/// ([`DOUBT`]), and every word of two letters or more that the old
/// reading was sure of ([`SURE`]) is read again, its letters and digits
/// the same (a reading of the row that goes wrong loses them; numbers are
/// what a cut row changes: `54.` becomes `54.69`).
pub(crate) fn better(old: &RawLine, new: &[RawWord], missed: &Missed) -> bool {
    let read = |run: &(u32, u32)| {
        new.iter()
            .any(|w| w.bbox.x0 < run.1 && w.bbox.x1 > run.0 && alnum(&w.text) > 0)
    };
    let bare = |t: &str| -> String { t.chars().filter(|c| c.is_alphanumeric()).collect() };
    let kept = |o: &RawWord| new.iter().any(|w| bare(&w.text) == bare(&o.text));
    let alnum_of = |words: &mut dyn Iterator<Item = &RawWord>| -> usize {
        words.map(|w| alnum(&w.text)).sum()
    };
    let before = alnum_of(&mut old.words.iter().filter(|w| w.confidence >= DOUBT));
    missed.runs.iter().all(read)
        && alnum_of(&mut new.iter()) > before
        && old
            .words
            .iter()
            .filter(|o| o.confidence >= SURE && letters(&o.text) >= 2)
            .all(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tess::RawPara;
    use image::Luma;

    fn word(x0: u32, x1: u32) -> RawWord {
        RawWord {
            text: "text".into(),
            bbox: BBox {
                x0,
                y0: 100,
                x1,
                y1: 130,
            },
            confidence: 90.0,
            pointsize: 0,
            noise: false,
        }
    }

    fn reading(words: Vec<RawWord>) -> Vec<RawBlock> {
        let bbox = words
            .iter()
            .map(|w| w.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap();
        vec![RawBlock {
            bbox,
            deskew: 0.0,
            paras: vec![RawPara {
                bbox,
                lines: vec![RawLine {
                    bbox,
                    baseline: Some(Baseline {
                        x0: 100.0,
                        y0: 127.0,
                        x1: 300.0,
                        y1: 127.0,
                    }),
                    words,
                }],
            }],
        }]
    }

    /// A white page with black boxes.
    fn page(ink: &[(u32, u32, u32, u32)]) -> GrayImage {
        let mut img = GrayImage::from_pixel(1000, 400, Luma([255]));
        for &(x0, y0, x1, y1) in ink {
            for y in y0..y1 {
                for x in x0..x1 {
                    img.put_pixel(x, y, Luma([0]));
                }
            }
        }
        img
    }

    #[test]
    fn text_like_ink_on_the_row_beyond_the_words_is_missed() {
        // Words at 100-300; ink like a price at 800-880 on the row.
        let raw = reading(vec![word(100, 200), word(220, 300)]);
        let img = page(&[
            (100, 100, 300, 130),
            (800, 102, 840, 128),
            (850, 102, 880, 128),
        ]);
        let m = find(&raw, &img, 128);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].at, (0, 0, 0));
        assert_eq!(m[0].runs, vec![(800, 880)]);
        assert!(m[0].region.x0 <= 100 && m[0].region.x1 >= 880);
        assert!(m[0].region.y0 < 100 && m[0].region.y1 > 130);
    }

    #[test]
    fn a_price_follows_the_slope_of_a_turned_page() {
        // The page falls 2 pixels in 100 (about 1.1 degrees): the line's
        // baseline runs from 127 at x 100 to 133 at x 400, and a price at
        // 800-880 sits 12 pixels below the row. Level, the row's blank
        // pixel rows would cut through it.
        let mut raw = reading(vec![word(100, 250), word(270, 400)]);
        raw[0].paras[0].lines[0].baseline = Some(Baseline {
            x0: 100.0,
            y0: 127.0,
            x1: 400.0,
            y1: 133.0,
        });
        let img = page(&[(100, 100, 400, 130), (800, 114, 880, 139)]);
        let m = find(&raw, &img, 128);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].runs, vec![(800, 880)]);
        // The region reaches 13 pixels lower at the price's end, 3 higher
        // at the line's start, with 10 pixels of margin.
        assert_eq!((m[0].region.y0, m[0].region.y1), (87, 153));
        // On a level line the same ink is not on the row.
        raw[0].paras[0].lines[0].baseline = Some(Baseline {
            x0: 100.0,
            y0: 127.0,
            x1: 400.0,
            y1: 127.0,
        });
        assert!(find(&raw, &img, 128).is_empty());
    }

    #[test]
    fn ink_past_a_line_half_a_line_off_is_not_missed() {
        // The line at 600-800; another line's word at 200-500, 18 pixels
        // lower (under half of it on the row, most of it in what a reading
        // of the row would take in); text-like ink at 50-130. Reading from
        // 50 to 800 would read the other line over again.
        let mut raw = reading(vec![word(600, 700), word(720, 800)]);
        let mut other = word(200, 500);
        other.bbox.y0 = 118;
        other.bbox.y1 = 148;
        raw[0].paras[0].lines.push(RawLine {
            bbox: other.bbox,
            baseline: Some(Baseline {
                x0: 200.0,
                y0: 145.0,
                x1: 500.0,
                y1: 145.0,
            }),
            words: vec![other],
        });
        let img = page(&[
            (600, 100, 800, 130),
            (200, 118, 500, 148),
            (50, 102, 130, 128),
        ]);
        assert!(find(&raw, &img, 128).is_empty());
        // Without that line, the ink is missed.
        raw[0].paras[0].lines.pop();
        assert_eq!(find(&raw, &img, 128).len(), 1);
    }

    #[test]
    fn covered_ink_specks_rules_and_tall_marks_are_not_missed() {
        let raw = reading(vec![word(100, 200), word(220, 300)]);
        let img = page(&[
            // The words' own ink.
            (100, 100, 300, 130),
            // A speck.
            (500, 110, 504, 114),
            // A rule: wide, two pixels tall.
            (550, 120, 700, 122),
            // A mark running far above and below the row.
            (800, 40, 860, 200),
        ]);
        assert!(find(&raw, &img, 128).is_empty());
    }

    #[test]
    fn ink_that_does_not_stand_on_the_baseline_is_not_missed() {
        let raw = reading(vec![word(100, 200), word(220, 300)]);
        // Text-sized ink, but ending 10 pixels above the baseline.
        let img = page(&[(100, 100, 300, 130), (800, 96, 880, 117)]);
        assert!(find(&raw, &img, 128).is_empty());
        // And a line of punctuation is no line to extend.
        let mut raw = reading(vec![word(100, 200)]);
        raw[0].paras[0].lines[0].words[0].text = "\"".into();
        let img = page(&[(100, 100, 200, 130), (800, 102, 880, 128)]);
        assert!(find(&raw, &img, 128).is_empty());
    }

    #[test]
    fn ink_two_lines_miss_goes_to_the_nearer_line() {
        let missed = |at, row: (u32, u32), runs: Vec<(u32, u32)>| Missed {
            at: (0, 0, at),
            region: BBox::default(),
            runs,
            row: BBox {
                x0: row.0,
                y0: 100,
                x1: row.1,
                y1: 130,
            },
            guide: Guide::default(),
            room: (0, 1000),
        };
        // An item's line at 100-300, a price's cut line at 840-900: the
        // price's first digits at 800-833 go to the price.
        let mut both = vec![
            missed(0, (100, 300), vec![(800, 833)]),
            missed(1, (840, 900), vec![(800, 833)]),
        ];
        nearest_claims(&mut both);
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].at, (0, 0, 1));
        // A line that keeps some of its runs reads only up to those.
        let mut both = vec![
            missed(0, (100, 300), vec![(500, 560), (800, 833)]),
            missed(1, (840, 900), vec![(800, 833)]),
        ];
        nearest_claims(&mut both);
        assert_eq!(both.len(), 2);
        assert_eq!(both[0].runs, vec![(500, 560)]);
        let r = region(&both[0], 400);
        assert!(r.x0 <= 100 && (560..800).contains(&r.x1), "{r:?}");
    }

    #[test]
    fn on_a_turned_page_ink_two_lines_miss_goes_to_the_nearer_line() {
        // The page falls 2 pixels in 100: an item's line at 100-300 (rows
        // 100-130) passes 20 pixels lower under a price's cut line at
        // 1100-1300 (rows 120-150), and both miss the ink at 1000-1040.
        let line = |at, x: (u32, u32), y0: u32| Missed {
            at: (0, 0, at),
            region: BBox::default(),
            runs: vec![(1000, 1040)],
            row: BBox {
                x0: x.0,
                y0,
                x1: x.1,
                y1: y0 + 30,
            },
            guide: Guide {
                mid: (x.0 + x.1) as f32 / 2.0,
                y: (y0 + 27) as f32,
                slope: 0.02,
            },
            room: (0, 2000),
        };
        let mut both = vec![line(0, (100, 300), 100), line(1, (1100, 1300), 120)];
        nearest_claims(&mut both);
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].at, (0, 0, 1));
    }

    #[test]
    fn a_reading_is_better_when_it_reads_the_missed_ink_and_loses_nothing() {
        let old = &reading(vec![word(100, 200)])[0].paras[0].lines[0];
        let missed = Missed {
            at: (0, 0, 0),
            region: BBox::default(),
            runs: vec![(800, 880)],
            row: BBox::default(),
            guide: Guide::default(),
            room: (0, 1000),
        };
        assert!(better(old, &[word(100, 200), word(800, 880)], &missed));
        // The missed ink not read.
        assert!(!better(old, &[word(100, 200)], &missed));
        // A sure word read otherwise.
        let mut other = word(100, 200);
        other.text = "DIZAINGO".into();
        let mut price = word(800, 880);
        price.text = "21.75".into();
        assert!(!better(old, &[other, price], &missed));
        // Punctuation on the missed ink is not reading it.
        let mut dot = word(800, 880);
        dot.text = ".".into();
        assert!(!better(old, &[word(100, 200), dot], &missed));
    }
}
