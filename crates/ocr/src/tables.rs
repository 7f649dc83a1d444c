//! Finding tables on a page: ruled tables from the ruling lines on the page
//! image, tables with horizontal rules only (booktabs style) and borderless
//! tables from the alignment of the recognized words.
//!
//! - **Ruling lines** are long thin runs of ink: every pixel row (and, on
//!   the transposed image, every column) is scanned for runs at least
//!   [`MIN_RULE_IN`] inch long, with the rows a few pixels around it
//!   folded in, so that a line turned by a degree or two, or broken by a
//!   poor scan, is still one run. Runs that touch from row to row make one
//!   line; its slope gives the page's skew, which is taken out of every
//!   coordinate before the grid is built.
//! - **Ruled tables**: horizontal and vertical lines that cross make a
//!   grid; its row and column boundaries are the lines' positions. Two
//!   neighbouring grid cells without a line between them are one merged
//!   cell.
//! - **Horizontal rules only**: two or more horizontal lines of about the
//!   same extent, one above the other, bound a table whose columns come
//!   from the words between them, as below.
//! - **Borderless tables**: the words (outside the tables found so far) in
//!   rows; a row splits into cells where the gap between two words is wider
//!   than a word is high. Consecutive rows of two cells or more whose cells
//!   line up make a table, when its cells are short (not prose) and one
//!   column holds figures.
//!
//! Every cell gets the words whose centres are inside it, lines top to
//! bottom joined with a space. Pages the OCR turned on their side are not
//! searched (their boxes are in the unturned image). Boxes are in the OCR
//! result's pixels; the layout model (`ocrloom-layout`) places them on the
//! page in points.

use crate::{BBox, Block, DisjointSets, Line, PageResult, Paragraph, Word};
use image::GrayImage;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A ruling line is at least this long, inches.
pub const MIN_RULE_IN: f32 = 0.4;
/// A pixel darker than this is ink.
const INK: u8 = 150;
/// A ruling line is at most this thick, inches.
const MAX_RULE_THICKNESS_IN: f32 = 0.06;
/// The cells of a ruled table hold at most this many words on average.
const MAX_WORDS_PER_RULED_CELL: f32 = 15.0;
/// Words with letters a line may keep outside a table without rules
/// before the table is taken for prose aligned by chance (one is a speck
/// or a mark read beside a row).
const CUT_LINE_WORDS: usize = 2;
/// A borderless table has at least this many rows...
const MIN_ROWS: usize = 3;
/// ... cells of at most this many words on average...
const MAX_WORDS_PER_CELL: f32 = 3.5;
/// ... and a column with at least this share of cells holding digits.
const FIGURE_COLUMN: f32 = 0.6;

/// How a table's cells are marked on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ruling {
    /// Lines around and between the cells.
    Full,
    /// Horizontal rules only (booktabs style).
    Horizontal,
    /// No lines: columns from the alignment of the words.
    None,
}

/// One cell of a table; a merged cell spans several rows or columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Its first row, from 0.
    pub row: usize,
    /// Its first column, from 0.
    pub column: usize,
    /// How many rows it spans (1 or more).
    pub row_span: usize,
    /// How many columns it spans (1 or more).
    pub column_span: usize,
    /// Where it is in the OCR result's pixels.
    pub source: BBox,
    /// Its words, lines joined with a space.
    pub text: String,
}

/// A table found on a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Where it is in the OCR result's pixels.
    pub source: BBox,
    /// How many rows its grid has.
    pub rows: usize,
    /// How many columns its grid has.
    pub columns: usize,
    /// How its cells are marked.
    pub ruling: Ruling,
    /// Its cells, row by row, left to right (empty cells included).
    pub cells: Vec<Cell>,
    /// The boxes of the words its cells hold, in the result's pixels:
    /// exactly these leave the page's text flow ([`without_tables`]).
    #[serde(default)]
    pub words: Vec<BBox>,
}

/// A horizontal ruling line in deskewed coordinates: at `pos` from `from`
/// to `to` (for a vertical line, `pos` is its x and `from..to` its y).
#[derive(Debug, Clone, Copy)]
struct Rule {
    pos: f32,
    from: f32,
    to: f32,
}

/// A word in deskewed image pixels.
#[derive(Debug, Clone)]
struct Item<'a> {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    word: &'a Word,
    used: bool,
}

impl Item<'_> {
    fn cx(&self) -> f32 {
        (self.x0 + self.x1) / 2.0
    }
    fn cy(&self) -> f32 {
        (self.y0 + self.y1) / 2.0
    }
}

/// The tables on a page: `result` is its OCR result, `image` the page
/// image (at any resolution: the result's boxes are scaled to it). Cell and
/// table boxes are in the result's pixels.
pub fn detect(result: &PageResult, image: &GrayImage) -> Vec<Table> {
    let (w, h) = image.dimensions();
    if result.orientation != 0 || w < 16 || h < 16 || result.width == 0 || result.height == 0 {
        return Vec::new();
    }
    let scale = w as f32 / result.width as f32;
    let dpi = if result.dpi > 0.0 {
        result.dpi * scale
    } else {
        300.0 * scale
    };
    let ink: Vec<bool> = image.as_raw().iter().map(|&v| v < INK).collect();
    let (hl, vl) = (
        lines(&ink, w as usize, h as usize, dpi),
        lines(
            &transpose(&ink, w as usize, h as usize),
            h as usize,
            w as usize,
            dpi,
        ),
    );
    // The skew: the median slope of the long horizontal lines, else the
    // engine's.
    let mut slopes: Vec<f32> = hl
        .iter()
        .filter(|l| l.x1 - l.x0 > dpi)
        .map(|l| l.slope)
        .collect();
    slopes.sort_by(f32::total_cmp);
    let s = if slopes.is_empty() {
        -(result.skew.to_radians()).tan()
    } else {
        slopes[slopes.len() / 2]
    };
    let deskew = |x: f32, y: f32| (x + s * y, y - s * x);
    let hrules: Vec<Rule> = hl
        .iter()
        .map(|l| {
            let (a, ya) = deskew(l.x0, l.y0);
            let (b, yb) = deskew(l.x1, l.y1);
            Rule {
                pos: (ya + yb) / 2.0,
                from: a,
                to: b,
            }
        })
        .collect();
    // Vertical lines were found on the transposed image: x and y swapped.
    let vrules: Vec<Rule> = vl
        .iter()
        .map(|l| {
            let (xa, a) = deskew(l.y0, l.x0);
            let (xb, b) = deskew(l.y1, l.x1);
            Rule {
                pos: (xa + xb) / 2.0,
                from: a,
                to: b,
            }
        })
        .collect();
    let mut items: Vec<Item<'_>> = result
        .words()
        .filter(|wd| !wd.text.trim().is_empty())
        .map(|wd| {
            let b = wd.bbox;
            let (x0, y0, x1, y1) = (
                b.x0 as f32 * scale,
                b.y0 as f32 * scale,
                b.x1 as f32 * scale,
                b.y1 as f32 * scale,
            );
            let (cx, cy) = deskew((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let (hw, hh) = ((x1 - x0) / 2.0, (y1 - y0) / 2.0);
            Item {
                x0: cx - hw,
                y0: cy - hh,
                x1: cx + hw,
                y1: cy + hh,
                word: wd,
                used: false,
            }
        })
        .collect();
    let tol = dpi / 30.0;
    let mut grids = ruled(&hrules, &vrules, tol);
    let mut found: Vec<(Grid, Ruling)> = Vec::new();
    for g in grids.drain(..) {
        found.push((g, Ruling::Full));
    }
    // Words in ruled tables are taken.
    for (g, _) in &found {
        take(&mut items, g);
    }
    let word_h = median_height(&items);
    for region in rule_groups(&hrules, &vrules, tol, &found) {
        let inside: Vec<usize> = (0..items.len())
            .filter(|&i| {
                let it = &items[i];
                !it.used
                    && it.cy() > region.1
                    && it.cy() < region.3
                    && it.cx() > region.0 - tol
                    && it.cx() < region.2 + tol
            })
            .collect();
        if let Some(g) = aligned(&items, &inside, word_h, 2, false) {
            let mut g = g;
            g.ys[0] = g.ys[0].min(region.1);
            if let Some(last) = g.ys.last_mut() {
                *last = last.max(region.3);
            }
            take(&mut items, &g);
            found.push((g, Ruling::Horizontal));
        }
    }
    for g in borderless(&items, word_h) {
        take(&mut items, &g);
        found.push((g, Ruling::None));
    }
    let back = |x: f32, y: f32| {
        // The inverse of the deskew (to first order), then result pixels.
        let (bx, by) = (x - s * y, y + s * x);
        (bx / scale, by / scale)
    };
    let mut tables: Vec<Table> = found
        .into_iter()
        .filter_map(|(g, ruling)| table(&g, ruling, &items, &back, result))
        .collect();
    tables.sort_by_key(|t| (t.source.y0, t.source.x0));
    tables
}

/// A table's grid in deskewed image pixels, with its merged cells.
#[derive(Debug, Clone)]
struct Grid {
    /// Column boundaries, left to right.
    xs: Vec<f32>,
    /// Row boundaries, top to bottom.
    ys: Vec<f32>,
    /// Cells as (row, column, row span, column span).
    cells: Vec<(usize, usize, usize, usize)>,
}

impl Grid {
    fn contains(&self, x: f32, y: f32) -> bool {
        let (Some(&x0), Some(&x1)) = (self.xs.first(), self.xs.last()) else {
            return false;
        };
        let (Some(&y0), Some(&y1)) = (self.ys.first(), self.ys.last()) else {
            return false;
        };
        x >= x0 && x <= x1 && y >= y0 && y <= y1
    }
}

fn take(items: &mut [Item<'_>], g: &Grid) {
    for it in items.iter_mut() {
        if g.contains(it.cx(), it.cy()) {
            it.used = true;
        }
    }
}

fn median_height(items: &[Item<'_>]) -> f32 {
    let mut hs: Vec<f32> = items.iter().map(|i| i.y1 - i.y0).collect();
    if hs.is_empty() {
        return 0.0;
    }
    hs.sort_by(f32::total_cmp);
    hs[hs.len() / 2]
}

/// The table of a grid: its cells with their words, boxes in the result's
/// pixels. `None` when fewer than two cells have words, or they hold
/// prose.
fn table(
    g: &Grid,
    ruling: Ruling,
    items: &[Item<'_>],
    back: &dyn Fn(f32, f32) -> (f32, f32),
    result: &PageResult,
) -> Option<Table> {
    let to_box = |x0: f32, y0: f32, x1: f32, y1: f32| {
        let corners = [back(x0, y0), back(x1, y0), back(x0, y1), back(x1, y1)];
        let clamp = |v: f32, max: u32| v.round().clamp(0.0, max as f32) as u32;
        let min_x = corners.iter().map(|c| c.0).fold(f32::MAX, f32::min);
        let max_x = corners.iter().map(|c| c.0).fold(f32::MIN, f32::max);
        let min_y = corners.iter().map(|c| c.1).fold(f32::MAX, f32::min);
        let max_y = corners.iter().map(|c| c.1).fold(f32::MIN, f32::max);
        BBox {
            x0: clamp(min_x, result.width),
            y0: clamp(min_y, result.height),
            x1: clamp(max_x, result.width),
            y1: clamp(max_y, result.height),
        }
    };
    let mut cells = Vec::with_capacity(g.cells.len());
    let mut taken: Vec<BBox> = Vec::new();
    let (mut filled, mut words_in) = (0usize, 0usize);
    for &(r, c, rs, cs) in &g.cells {
        let (x0, x1) = (g.xs[c], g.xs[c + cs]);
        let (y0, y1) = (g.ys[r], g.ys[r + rs]);
        let mut words: Vec<&Item<'_>> = items
            .iter()
            .filter(|it| {
                let (cx, cy) = (it.cx(), it.cy());
                cx >= x0 && cx < x1 && cy >= y0 && cy < y1
            })
            .collect();
        words.sort_by(|a, b| a.cy().total_cmp(&b.cy()));
        let text = cell_text(&words);
        taken.extend(words.iter().map(|it| it.word.bbox));
        filled += usize::from(!text.is_empty());
        words_in += words.len();
        cells.push(Cell {
            row: r,
            column: c,
            row_span: rs,
            column_span: cs,
            source: to_box(x0, y0, x1, y1),
            text,
        });
    }
    // A frame around running text (a page border, a boxed note) is not a
    // table: a table has two cells with words, and short ones.
    if filled < 2 || words_in as f32 > MAX_WORDS_PER_RULED_CELL * filled as f32 {
        return None;
    }
    // Nor are words aligned by chance in lines of prose that run on past
    // them (a letter's lines beside a stamp): a table without rules takes
    // whole lines, no line keeps words outside it.
    if ruling == Ruling::None && cuts_lines(result, &taken) {
        return None;
    }
    let (x0, x1) = (g.xs[0], *g.xs.last()?);
    let (y0, y1) = (g.ys[0], *g.ys.last()?);
    Some(Table {
        source: to_box(x0, y0, x1, y1),
        rows: g.ys.len() - 1,
        columns: g.xs.len() - 1,
        ruling,
        cells,
        words: taken,
    })
}

/// Whether a line of `result` has words among `taken` and, outside them,
/// at least [`CUT_LINE_WORDS`] words with letters.
fn cuts_lines(result: &PageResult, taken: &[BBox]) -> bool {
    let taken: HashSet<&BBox> = taken.iter().collect();
    result
        .blocks
        .iter()
        .flat_map(|b| &b.paragraphs)
        .flat_map(|p| &p.lines)
        .any(|l| {
            let inside = l.words.iter().filter(|w| taken.contains(&w.bbox)).count();
            let outside = l
                .words
                .iter()
                .filter(|w| !taken.contains(&w.bbox) && w.text.chars().any(char::is_alphabetic))
                .count();
            inside > 0 && outside >= CUT_LINE_WORDS
        })
}

/// A cell's words (sorted by their centre's height) as text: lines top to
/// bottom, words left to right.
fn cell_text(words: &[&Item<'_>]) -> String {
    let mut lines: Vec<Vec<&Item<'_>>> = Vec::new();
    for &w in words {
        match lines.last_mut() {
            Some(line) if line.iter().any(|o| w.cy() < o.y1 && w.cy() > o.y0) => line.push(w),
            _ => lines.push(vec![w]),
        }
    }
    let mut text = String::new();
    for mut line in lines {
        line.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        for w in line {
            let t = w.word.text.trim();
            if !text.is_empty() && crate::space_between(&text, t) && !crate::splits_number(&text, t)
            {
                text.push(' ');
            }
            text.push_str(t);
        }
    }
    text
}

/// A line found on the image: from (x0, y0) to (x1, y1), with its slope.
#[derive(Debug, Clone, Copy)]
struct Segment {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    slope: f32,
}

fn transpose(ink: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut t = vec![false; ink.len()];
    for y in 0..h {
        for x in 0..w {
            t[x * h + y] = ink[y * w + x];
        }
    }
    t
}

/// The horizontal ruling lines of a `w` x `h` ink map.
fn lines(ink: &[bool], w: usize, h: usize, dpi: f32) -> Vec<Segment> {
    let min_len = (MIN_RULE_IN * dpi) as usize;
    // Rows this far above and below are folded in: a line turned by 2
    // degrees rises a pixel every 29 pixels.
    let k = ((dpi / 150.0).round() as usize).max(1);
    let gap = ((dpi / 100.0).round() as usize).max(1);
    let max_thick = MAX_RULE_THICKNESS_IN * dpi;
    // Open components: runs of the previous row, each with its component.
    struct Comp {
        runs: Vec<(usize, usize, usize)>, // (y, x0, x1)
    }
    let mut comps: Vec<Comp> = Vec::new();
    let mut prev: Vec<(usize, usize, usize)> = Vec::new(); // (x0, x1, comp)
    let mut folded = vec![0u16; w];
    // Counts of ink in rows y-k..=y+k, kept as a sliding window.
    for row in ink.chunks_exact(w).take(k) {
        for (f, &i) in folded.iter_mut().zip(row) {
            *f += u16::from(i);
        }
    }
    for y in 0..h {
        if y + k < h {
            for (f, &i) in folded.iter_mut().zip(&ink[(y + k) * w..(y + k + 1) * w]) {
                *f += u16::from(i);
            }
        }
        if y > k {
            for (f, &i) in folded.iter_mut().zip(&ink[(y - k - 1) * w..(y - k) * w]) {
                *f -= u16::from(i);
            }
        }
        let mut cur: Vec<(usize, usize, usize)> = Vec::new();
        let mut x = 0;
        while x < w {
            if folded[x] == 0 {
                x += 1;
                continue;
            }
            let start = x;
            let mut end = x;
            let mut blank = 0;
            while x < w && blank <= gap {
                if folded[x] > 0 {
                    end = x;
                    blank = 0;
                } else {
                    blank += 1;
                }
                x += 1;
            }
            if end + 1 - start >= min_len {
                // Join the component of an overlapping run of the row above.
                let comp = prev
                    .iter()
                    .find(|p| p.0 <= end && start <= p.1)
                    .map(|p| p.2)
                    .unwrap_or_else(|| {
                        comps.push(Comp { runs: Vec::new() });
                        comps.len() - 1
                    });
                comps[comp].runs.push((y, start, end));
                cur.push((start, end, comp));
            }
        }
        prev = cur;
    }
    let mut out = Vec::new();
    for c in comps {
        let x0 = c.runs.iter().map(|r| r.1).min().unwrap_or(0) as f32;
        let x1 = c.runs.iter().map(|r| r.2).max().unwrap_or(0) as f32;
        // The line through its own ink pixels (the folded runs reach past
        // it): y = a + b x by least squares.
        let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0f64, 0f64, 0f64, 0f64, 0f64);
        for &(y, a0, b0) in &c.runs {
            for (x, _) in ink[y * w + a0..=y * w + b0]
                .iter()
                .enumerate()
                .filter(|(_, &i)| i)
            {
                let (xv, yv) = ((a0 + x) as f64, y as f64);
                sw += 1.0;
                sx += xv;
                sy += yv;
                sxx += xv * xv;
                sxy += xv * yv;
            }
        }
        let denom = sw * sxx - sx * sx;
        if sw < min_len as f64 || denom.abs() < f64::EPSILON {
            continue;
        }
        let slope = ((sw * sxy - sx * sy) / denom) as f32;
        let a = ((sy - f64::from(slope) * sx) / sw) as f32;
        // Thickness once the slope is taken out: a filled box or a text
        // line is not a rule.
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for &(y, a0, b0) in &c.runs {
            for (x, _) in ink[y * w + a0..=y * w + b0]
                .iter()
                .enumerate()
                .filter(|(_, &i)| i)
            {
                let r = y as f32 - slope * (a0 + x) as f32;
                lo = lo.min(r);
                hi = hi.max(r);
            }
        }
        if hi - lo > max_thick + 1.0 || slope.abs() > 0.06 {
            continue;
        }
        out.push(Segment {
            x0,
            y0: a + slope * x0,
            x1,
            y1: a + slope * x1,
            slope,
        });
    }
    out
}

/// Positions closer than `tol` merged (their mean), sorted.
fn cluster(mut v: Vec<f32>, tol: f32) -> Vec<f32> {
    v.sort_by(f32::total_cmp);
    let mut out: Vec<(f32, usize)> = Vec::new();
    for x in v {
        match out.last_mut() {
            Some((m, n)) if x - *m / *n as f32 <= tol => {
                *m += x;
                *n += 1;
            }
            _ => out.push((x, 1)),
        }
    }
    out.into_iter().map(|(m, n)| m / n as f32).collect()
}

fn crosses(h: &Rule, v: &Rule, tol: f32) -> bool {
    v.pos >= h.from - tol && v.pos <= h.to + tol && h.pos >= v.from - tol && h.pos <= v.to + tol
}

/// Ruled tables: groups of crossing horizontal and vertical lines.
fn ruled(h: &[Rule], v: &[Rule], tol: f32) -> Vec<Grid> {
    let n = h.len() + v.len();
    let mut sets = DisjointSets::new(n);
    for (i, hr) in h.iter().enumerate() {
        for (j, vr) in v.iter().enumerate() {
            if crosses(hr, vr, tol) {
                sets.join(i, h.len() + j);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<Rule>, Vec<Rule>)> = Default::default();
    for i in 0..n {
        let root = sets.find(i);
        let g = groups.entry(root).or_default();
        if i < h.len() {
            g.0.push(h[i]);
        } else {
            g.1.push(v[i - h.len()]);
        }
    }
    let mut grids = Vec::new();
    for (hs, vs) in groups.into_values() {
        if hs.len() < 2 || vs.len() < 2 {
            continue;
        }
        let left = hs.iter().map(|r| r.from).fold(f32::MAX, f32::min);
        let right = hs.iter().map(|r| r.to).fold(f32::MIN, f32::max);
        let top = vs.iter().map(|r| r.from).fold(f32::MAX, f32::min);
        let bottom = vs.iter().map(|r| r.to).fold(f32::MIN, f32::max);
        let xs = cluster(vs.iter().map(|r| r.pos).chain([left, right]).collect(), tol);
        let ys = cluster(hs.iter().map(|r| r.pos).chain([top, bottom]).collect(), tol);
        if xs.len() < 2 || ys.len() < 2 || (xs.len() - 1) * (ys.len() - 1) < 2 {
            continue;
        }
        let cells = merged_cells(&xs, &ys, &hs, &vs, tol);
        grids.push(Grid { xs, ys, cells });
    }
    grids
}

/// Whether a rule in `rules` at `pos` covers the middle half of
/// `from..to`.
fn covered(rules: &[Rule], pos: f32, from: f32, to: f32, tol: f32) -> bool {
    let q = (to - from) / 4.0;
    rules
        .iter()
        .any(|r| (r.pos - pos).abs() <= tol && r.from <= from + q && r.to >= to - q)
}

/// The cells of a ruled grid: neighbours without a line between them are
/// one cell.
fn merged_cells(
    xs: &[f32],
    ys: &[f32],
    hs: &[Rule],
    vs: &[Rule],
    tol: f32,
) -> Vec<(usize, usize, usize, usize)> {
    let (rows, cols) = (ys.len() - 1, xs.len() - 1);
    let mut sets = DisjointSets::new(rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            if c + 1 < cols && !covered(vs, xs[c + 1], ys[r], ys[r + 1], tol) {
                sets.join(r * cols + c, r * cols + c + 1);
            }
            if r + 1 < rows && !covered(hs, ys[r + 1], xs[c], xs[c + 1], tol) {
                sets.join(r * cols + c, (r + 1) * cols + c);
            }
        }
    }
    let mut spans: std::collections::BTreeMap<usize, (usize, usize, usize, usize)> =
        Default::default();
    for r in 0..rows {
        for c in 0..cols {
            let root = sets.find(r * cols + c);
            let e = spans.entry(root).or_insert((r, c, r, c));
            e.0 = e.0.min(r);
            e.1 = e.1.min(c);
            e.2 = e.2.max(r);
            e.3 = e.3.max(c);
        }
    }
    let mut cells: Vec<(usize, usize, usize, usize)> = spans
        .into_values()
        .map(|(r0, c0, r1, c1)| (r0, c0, r1 - r0 + 1, c1 - c0 + 1))
        .collect();
    cells.sort_unstable();
    cells
}

/// Regions bounded by horizontal rules only (not crossing any vertical
/// line, outside the ruled tables): two or more rules of about the same
/// extent one above the other, as (x0, y0, x1, y1).
fn rule_groups(
    h: &[Rule],
    v: &[Rule],
    tol: f32,
    found: &[(Grid, Ruling)],
) -> Vec<(f32, f32, f32, f32)> {
    let mut free: Vec<Rule> = h
        .iter()
        .filter(|r| !v.iter().any(|vr| crosses(r, vr, tol)))
        .filter(|r| {
            !found
                .iter()
                .any(|(g, _)| g.contains((r.from + r.to) / 2.0, r.pos))
        })
        .copied()
        .collect();
    free.sort_by(|a, b| a.pos.total_cmp(&b.pos));
    let mut regions = Vec::new();
    let mut used = vec![false; free.len()];
    for i in 0..free.len() {
        if used[i] {
            continue;
        }
        let a = free[i];
        let mut last = a;
        let mut count = 1;
        for j in i + 1..free.len() {
            let b = free[j];
            let overlap = a.to.min(b.to) - a.from.max(b.from);
            let width = (a.to - a.from).max(b.to - b.from);
            if !used[j] && overlap > 0.8 * width {
                used[j] = true;
                last = b;
                count += 1;
            }
        }
        if count >= 2 && last.pos - a.pos > tol {
            regions.push((a.from.min(last.from), a.pos, a.to.max(last.to), last.pos));
        }
    }
    regions
}

/// The words at `ids` in rows (by their centres' height), each row left to
/// right.
fn rows_of(items: &[Item<'_>], ids: &[usize]) -> Vec<Vec<usize>> {
    let mut ids = ids.to_vec();
    ids.sort_by(|&a, &b| items[a].cy().total_cmp(&items[b].cy()));
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for i in ids {
        let it = &items[i];
        match rows.last_mut() {
            Some(row)
                if {
                    let (t, b) = row_extent(items, row);
                    it.cy() < b && it.cy() > t
                } =>
            {
                row.push(i)
            }
            _ => rows.push(vec![i]),
        }
    }
    for row in &mut rows {
        row.sort_by(|&a, &b| items[a].x0.total_cmp(&items[b].x0));
    }
    rows
}

fn row_extent(items: &[Item<'_>], row: &[usize]) -> (f32, f32) {
    let mut ys: Vec<(f32, f32)> = row.iter().map(|&i| (items[i].y0, items[i].y1)).collect();
    ys.sort_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)));
    // The median word's extent: one tall word (a bracket) does not swallow
    // the next row.
    ys[ys.len() / 2]
}

/// A row's cells: runs of words with gaps narrower than `gap`, as
/// (x0, x1, word count, has a digit).
fn segments(items: &[Item<'_>], row: &[usize], gap: f32) -> Vec<(f32, f32, usize, bool)> {
    let mut out: Vec<(f32, f32, usize, bool)> = Vec::new();
    for &i in row {
        let it = &items[i];
        let digit = it.word.text.chars().any(|c| c.is_ascii_digit());
        match out.last_mut() {
            Some(s) if it.x0 - s.1 < gap => {
                s.1 = s.1.max(it.x1);
                s.2 += 1;
                s.3 |= digit;
            }
            _ => out.push((it.x0, it.x1, 1, digit)),
        }
    }
    out
}

/// A grid for the words at `ids` whose rows split into cells that line up
/// in columns: at least `min_rows` rows and two columns; with `strict`, the
/// cells must be short and a column must hold figures (a borderless table,
/// not prose).
fn aligned(
    items: &[Item<'_>],
    ids: &[usize],
    word_h: f32,
    min_rows: usize,
    strict: bool,
) -> Option<Grid> {
    let gap = word_h * 1.2;
    let rows = rows_of(items, ids);
    if rows.len() < min_rows {
        return None;
    }
    let segs: Vec<Vec<(f32, f32, usize, bool)>> =
        rows.iter().map(|r| segments(items, r, gap)).collect();
    // Columns: the union of the cells' spans across rows.
    let mut spans: Vec<(f32, f32)> = segs.iter().flatten().map(|s| (s.0, s.1)).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut cols: Vec<(f32, f32)> = Vec::new();
    for (a, b) in spans {
        match cols.last_mut() {
            Some(c) if a < c.1 => c.1 = c.1.max(b),
            _ => cols.push((a, b)),
        }
    }
    // Neighbouring columns that no row fills both of are one column whose
    // cells are aligned differently (a centred header over right-aligned
    // figures).
    let filled = |col: (f32, f32), row: &Vec<(f32, f32, usize, bool)>| {
        row.iter().any(|s| s.0 >= col.0 && s.1 <= col.1)
    };
    let mut i = 0;
    while i + 1 < cols.len() {
        if segs
            .iter()
            .any(|row| filled(cols[i], row) && filled(cols[i + 1], row))
        {
            i += 1;
        } else {
            cols[i].1 = cols[i + 1].1;
            cols.remove(i + 1);
        }
    }
    if cols.len() < 2 {
        return None;
    }
    if strict {
        let cells: usize = segs.iter().map(Vec::len).sum();
        let words: usize = segs.iter().flatten().map(|s| s.2).sum();
        if words as f32 > MAX_WORDS_PER_CELL * cells as f32 {
            return None;
        }
        let figures = cols.iter().any(|&(a, b)| {
            let in_col: Vec<bool> = segs
                .iter()
                .skip(1)
                .flatten()
                .filter(|s| s.0 >= a && s.1 <= b)
                .map(|s| s.3)
                .collect();
            in_col.len() + 1 >= rows.len()
                && in_col.iter().filter(|&&d| d).count() as f32
                    >= FIGURE_COLUMN * in_col.len() as f32
        });
        if !figures {
            return None;
        }
    }
    let mut xs = vec![cols[0].0 - gap / 2.0];
    for w in cols.windows(2) {
        xs.push((w[0].1 + w[1].0) / 2.0);
    }
    xs.push(cols[cols.len() - 1].1 + gap / 2.0);
    let extents: Vec<(f32, f32)> = rows.iter().map(|r| row_extent(items, r)).collect();
    let mut ys = vec![extents[0].0 - word_h / 2.0];
    for w in extents.windows(2) {
        ys.push((w[0].1 + w[1].0) / 2.0);
    }
    ys.push(extents[extents.len() - 1].1 + word_h / 2.0);
    let cells = (0..rows.len())
        .flat_map(|r| (0..cols.len()).map(move |c| (r, c, 1, 1)))
        .collect();
    Some(Grid { xs, ys, cells })
}

/// Borderless tables among the words not yet taken: runs of consecutive
/// rows of two cells or more.
fn borderless(items: &[Item<'_>], word_h: f32) -> Vec<Grid> {
    if word_h <= 0.0 {
        return Vec::new();
    }
    let free: Vec<usize> = (0..items.len()).filter(|&i| !items[i].used).collect();
    let rows = rows_of(items, &free);
    let gap = word_h * 1.2;
    let mut grids = Vec::new();
    let mut run: Vec<usize> = Vec::new();
    let mut last_bottom = f32::MIN;
    let flush = |run: &mut Vec<usize>, grids: &mut Vec<Grid>| {
        if run.len() >= MIN_ROWS {
            let ids: Vec<usize> = run.iter().flat_map(|&r| rows[r].clone()).collect();
            if let Some(g) = aligned(items, &ids, word_h, MIN_ROWS, true) {
                grids.push(g);
            }
        }
        run.clear();
    };
    for (r, row) in rows.iter().enumerate() {
        let (top, bottom) = row_extent(items, row);
        let multi = segments(items, row, gap).len() >= 2;
        if !multi || top - last_bottom > 2.5 * word_h {
            flush(&mut run, &mut grids);
        }
        if multi {
            run.push(r);
        }
        last_bottom = bottom;
    }
    flush(&mut run, &mut grids);
    grids
}

/// `result` without the words `tables` hold ([`Table::words`]; lines,
/// paragraphs and blocks left empty are dropped, the boxes of the rest
/// shrink to their words): what the page's text flow holds around its
/// tables. A word within a table's box that no cell holds (the box of a
/// turned grid reaches past its cells) stays in the flow.
pub fn without_tables(result: &PageResult, tables: &[Table]) -> PageResult {
    let taken: HashSet<&BBox> = tables.iter().flat_map(|t| &t.words).collect();
    let inside = |b: &BBox| taken.contains(b);
    let mut out = result.clone();
    if tables.is_empty() {
        return out;
    }
    let union = |a: BBox, b: BBox| BBox {
        x0: a.x0.min(b.x0),
        y0: a.y0.min(b.y0),
        x1: a.x1.max(b.x1),
        y1: a.y1.max(b.y1),
    };
    // A paragraph or a block whose middle lines were a table's is cut
    // there, one part above the table and one below, so that the table is
    // read (and placed) between them.
    let mut blocks = Vec::new();
    for block in std::mem::take(&mut out.blocks) {
        let mut paragraphs: Vec<Paragraph> = Vec::new();
        let mut lines: Vec<Line> = Vec::new();
        let end_paragraph = |lines: &mut Vec<Line>, paragraphs: &mut Vec<Paragraph>| {
            if let Some(bbox) = lines.iter().map(|l| l.bbox).reduce(union) {
                paragraphs.push(Paragraph {
                    bbox,
                    lines: std::mem::take(lines),
                });
            }
        };
        let end_block = |paragraphs: &mut Vec<Paragraph>, blocks: &mut Vec<Block>| {
            if let Some(bbox) = paragraphs.iter().map(|p| p.bbox).reduce(union) {
                blocks.push(Block {
                    bbox,
                    paragraphs: std::mem::take(paragraphs),
                });
            }
        };
        for para in block.paragraphs {
            for mut line in para.lines {
                let before = line.words.len();
                line.words.retain(|w| !inside(&w.bbox));
                if line.words.is_empty() {
                    end_paragraph(&mut lines, &mut paragraphs);
                    end_block(&mut paragraphs, &mut blocks);
                    continue;
                }
                if line.words.len() != before {
                    if let Some(b) = line.words.iter().map(|w| w.bbox).reduce(union) {
                        line.bbox = b;
                    }
                }
                lines.push(line);
            }
            end_paragraph(&mut lines, &mut paragraphs);
        }
        end_block(&mut paragraphs, &mut blocks);
    }
    out.blocks = blocks;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Line, Paragraph};
    use image::Luma;

    const DPI: f32 = 300.0;

    /// A page result at 300 DPI with one word per `(text, x, y)` (20 px per
    /// character, 30 px high), each its own line.
    fn result(w: u32, h: u32, words: &[(&str, u32, u32)]) -> PageResult {
        let mut r = PageResult::empty(0, w, h, DPI);
        let paragraphs = words
            .iter()
            .map(|&(t, x, y)| {
                let bbox = BBox {
                    x0: x,
                    y0: y,
                    x1: x + 20 * t.chars().count() as u32,
                    y1: y + 30,
                };
                Paragraph {
                    bbox,
                    lines: vec![Line {
                        bbox,
                        baseline: None,
                        font_size: 10.0,
                        words: vec![Word {
                            text: t.into(),
                            bbox,
                            confidence: 90.0,
                            noise: false,
                        }],
                    }],
                }
            })
            .collect();
        r.blocks.push(Block {
            bbox: BBox {
                x0: 0,
                y0: 0,
                x1: w,
                y1: h,
            },
            paragraphs,
        });
        r
    }

    /// Draws a line 3 px thick from (x0, y0) to (x1, y1), turned by
    /// `angle` degrees about the page's origin.
    fn line(img: &mut GrayImage, a: (f32, f32), b: (f32, f32), angle: f32) {
        let (s, c) = angle.to_radians().sin_cos();
        let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) as usize).max(1);
        for i in 0..=n {
            let t = i as f32 / n as f32;
            let (x, y) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
            for d in -1..=1 {
                let (px, py) = if a.1 == b.1 {
                    (x, y + d as f32)
                } else {
                    (x + d as f32, y)
                };
                let (rx, ry) = (px * c + py * s, -px * s + py * c);
                if rx >= 0.0 && ry >= 0.0 && (rx as u32) < img.width() && (ry as u32) < img.height()
                {
                    img.put_pixel(rx as u32, ry as u32, Luma([0]));
                }
            }
        }
    }

    /// A ruled 3 x 3 grid at 200..1400 x 200..500 whose first row's two
    /// right cells are merged, turned by `angle`.
    fn ruled_page(angle: f32) -> (GrayImage, PageResult) {
        let mut img = GrayImage::from_pixel(1600, 800, Luma([255]));
        for y in [200.0, 300.0, 400.0, 500.0] {
            line(&mut img, (200.0, y), (1400.0, y), angle);
        }
        line(&mut img, (200.0, 200.0), (200.0, 500.0), angle);
        line(&mut img, (600.0, 200.0), (600.0, 500.0), angle);
        line(&mut img, (1000.0, 300.0), (1000.0, 500.0), angle);
        line(&mut img, (1400.0, 200.0), (1400.0, 500.0), angle);
        let (s, c) = angle.to_radians().sin_cos();
        let at = |x: u32, y: u32| {
            let (x, y) = (x as f32, y as f32);
            ((x * c + y * s) as u32, (-x * s + y * c) as u32)
        };
        let words: Vec<(&str, u32, u32)> = [
            ("Name", 250, 235),
            ("Totals", 650, 235),
            ("Apples", 250, 335),
            ("12", 650, 335),
            ("1,5", 1050, 335),
            ("Pears", 250, 435),
            ("7", 650, 435),
            ("2,25", 1050, 435),
        ]
        .iter()
        .map(|&(t, x, y)| {
            let (x, y) = at(x, y);
            (t, x, y)
        })
        .collect();
        (img, result(1600, 800, &words))
    }

    fn cells(t: &Table) -> Vec<(usize, usize, usize, usize, &str)> {
        t.cells
            .iter()
            .map(|c| (c.row, c.column, c.row_span, c.column_span, c.text.as_str()))
            .collect()
    }

    #[test]
    fn a_ruled_grid_with_a_merged_cell_straight_and_turned() {
        for angle in [0.0, 1.0, -2.0] {
            let (img, r) = ruled_page(angle);
            let tables = detect(&r, &img);
            assert_eq!(tables.len(), 1, "{angle}: {tables:?}");
            let t = &tables[0];
            assert_eq!(
                (t.rows, t.columns, t.ruling),
                (3, 3, Ruling::Full),
                "{angle}"
            );
            assert_eq!(
                cells(t),
                [
                    (0, 0, 1, 1, "Name"),
                    (0, 1, 1, 2, "Totals"),
                    (1, 0, 1, 1, "Apples"),
                    (1, 1, 1, 1, "12"),
                    (1, 2, 1, 1, "1,5"),
                    (2, 0, 1, 1, "Pears"),
                    (2, 1, 1, 1, "7"),
                    (2, 2, 1, 1, "2,25"),
                ],
                "{angle}"
            );
        }
    }

    #[test]
    fn the_same_grid_at_half_the_resolution() {
        let (img, r) = ruled_page(0.0);
        let half = image::imageops::resize(&img, 800, 400, image::imageops::FilterType::Triangle);
        let tables = detect(&r, &half);
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].cells.len(), 8);
        assert_eq!(tables[0].cells[3].text, "12");
    }

    #[test]
    fn horizontal_rules_bound_a_table_and_words_make_its_columns() {
        let mut img = GrayImage::from_pixel(1600, 800, Luma([255]));
        for y in [200.0, 270.0, 480.0] {
            line(&mut img, (200.0, y), (1400.0, y), 0.0);
        }
        let r = result(
            1600,
            800,
            &[
                ("Item", 220, 220),
                ("Price", 1100, 220),
                ("Tea", 220, 300),
                ("3.50", 1100, 300),
                ("Cake", 220, 360),
                ("4.25", 1100, 360),
                ("Water", 220, 420),
                ("1.00", 1100, 420),
            ],
        );
        let tables = detect(&r, &img);
        assert_eq!(tables.len(), 1, "{tables:?}");
        let t = &tables[0];
        assert_eq!((t.rows, t.columns, t.ruling), (4, 2, Ruling::Horizontal));
        let texts: Vec<&str> = t.cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Item", "Price", "Tea", "3.50", "Cake", "4.25", "Water", "1.00"]
        );
    }

    #[test]
    fn aligned_words_with_figures_are_a_table_and_prose_is_not() {
        let img = GrayImage::from_pixel(1600, 1200, Luma([255]));
        // Prose: words 10 px apart on five lines, then a borderless table
        // of three rows.
        let mut words: Vec<(String, u32, u32)> = Vec::new();
        for row in 0..5u32 {
            let mut x = 100;
            for w in ["the", "quick", "brown", "fox", "jumps", "over", "it"] {
                words.push((w.to_string(), x, 100 + row * 50));
                x += 20 * w.len() as u32 + 10;
            }
        }
        for (row, (name, n)) in [("North", "1,250"), ("South", "980"), ("East", "2,310")]
            .iter()
            .enumerate()
        {
            let y = 600 + row as u32 * 50;
            words.push((name.to_string(), 100, y));
            words.push((n.to_string(), 700, y));
        }
        let refs: Vec<(&str, u32, u32)> =
            words.iter().map(|(t, x, y)| (t.as_str(), *x, *y)).collect();
        let r = result(1600, 1200, &refs);
        let tables = detect(&r, &img);
        assert_eq!(tables.len(), 1, "{tables:?}");
        let t = &tables[0];
        assert_eq!((t.rows, t.columns, t.ruling), (3, 2, Ruling::None));
        assert_eq!(t.cells[3].text, "980");
        // Its words leave the text flow; the prose stays.
        let rest = without_tables(&r, &tables);
        assert_eq!(rest.words().count(), 35);
        // Prose alone: no table.
        let prose = result(1600, 1200, &refs[..35]);
        assert!(detect(&prose, &img).is_empty());
    }

    /// A table of one cell from (50, 250) to (900, 400) holding the words
    /// with these boxes.
    fn table_across(words: impl IntoIterator<Item = BBox>) -> Table {
        Table {
            source: BBox {
                x0: 50,
                y0: 250,
                x1: 900,
                y1: 400,
            },
            rows: 1,
            columns: 1,
            ruling: Ruling::None,
            cells: Vec::new(),
            words: words.into_iter().collect(),
        }
    }

    #[test]
    fn a_paragraph_around_a_table_splits_in_two_blocks() {
        // One paragraph of three lines; the middle one is a table's.
        let mut r = result(
            1000,
            800,
            &[("above", 100, 100), ("cell", 100, 300), ("below", 100, 500)],
        );
        let block = &mut r.blocks[0];
        let lines: Vec<Line> = block.paragraphs.drain(..).flat_map(|p| p.lines).collect();
        block.paragraphs.push(Paragraph {
            bbox: BBox {
                x0: 100,
                y0: 100,
                x1: 200,
                y1: 530,
            },
            lines,
        });
        let table = table_across(r.words().filter(|w| w.text == "cell").map(|w| w.bbox));
        let rest = without_tables(&r, &[table]);
        let blocks: Vec<Vec<Vec<String>>> = rest
            .blocks
            .iter()
            .map(|b| {
                b.paragraphs
                    .iter()
                    .map(|p| p.lines.iter().map(Line::text).collect())
                    .collect()
            })
            .collect();
        assert_eq!(blocks, [[["above"]], [["below"]]]);
        assert_eq!(rest.blocks[1].bbox.y0, 500);
    }

    #[test]
    fn blank_and_tiny_pages_have_none() {
        let r = result(100, 100, &[]);
        assert!(detect(&r, &GrayImage::from_pixel(100, 100, Luma([255]))).is_empty());
        assert!(detect(&r, &GrayImage::new(0, 0)).is_empty());
        // A frame around one cell is not a table.
        let mut img = GrayImage::from_pixel(1600, 800, Luma([255]));
        for y in [200.0, 500.0] {
            line(&mut img, (200.0, y), (1400.0, y), 0.0);
        }
        for x in [200.0, 1400.0] {
            line(&mut img, (x, 200.0), (x, 500.0), 0.0);
        }
        let r = result(1600, 800, &[("Note", 300, 300)]);
        assert!(detect(&r, &img).is_empty());
    }

    #[test]
    fn a_price_read_as_two_words_at_its_point_is_one_in_its_cell() {
        let words: Vec<Word> = ["41.", "24", "Cash", "3,", "50"]
            .iter()
            .map(|t| Word {
                text: (*t).to_owned(),
                bbox: BBox::default(),
                confidence: 90.0,
                noise: false,
            })
            .collect();
        let item = |i: usize, x: f32, y: f32| Item {
            x0: x,
            y0: y,
            x1: x + 30.0,
            y1: y + 20.0,
            word: &words[i],
            used: false,
        };
        let (a, b) = (item(0, 0.0, 0.0), item(1, 40.0, 0.0));
        assert_eq!(cell_text(&[&a, &b]), "41.24");
        let (c, d, e) = (item(2, 0.0, 0.0), item(3, 40.0, 0.0), item(4, 80.0, 0.0));
        assert_eq!(cell_text(&[&c, &d, &e]), "Cash 3,50");
        // Words are joined by spaces otherwise.
        assert_eq!(cell_text(&[&c, &b]), "Cash 24");
    }

    #[test]
    fn only_the_words_a_tables_cells_hold_leave_the_flow() {
        // "kept" lies within the table's box but no cell took it (the box
        // of a turned grid reaches past its cells).
        let r = result(1000, 800, &[("taken", 100, 300), ("kept", 400, 310)]);
        let taken = r.words().find(|w| w.text == "taken").map(|w| w.bbox);
        let table = table_across(taken);
        let rest = without_tables(&r, &[table]);
        let left: Vec<&str> = rest.words().map(|w| w.text.as_str()).collect();
        assert_eq!(left, ["kept"]);
    }
}
