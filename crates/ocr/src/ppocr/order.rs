//! From PP-OCR's loose lines to blocks in reading order.
//!
//! The detector finds lines, not paragraphs: one box per line, in no
//! particular order. The layout model orders a page by its blocks (columns
//! are cut along the gaps between blocks), so a page handed over as a
//! single block of lines sorted top to bottom would read a two-column page
//! row by row across both columns. Lines are therefore grouped first:
//! - **tables**: lines standing in rows beside other lines with wide gaps
//!   between them (cells of a table, a form, a receipt's item and price)
//!   are one block read row by row, left to right;
//! - **paragraphs**: every other line is chained to the nearest line below
//!   it that shares its column and its text size, the way a reader follows
//!   a paragraph.
//!
//! Lines are placed as they stand on the page turned level by the slant the
//! detector measured ([`levelled`]). Heights are text heights: a line's box
//! on a page turned by a slant the detector did not report is taller than
//! its text by its width times the skew, which is measured from the boxes
//! themselves ([`skew_slope`]).

use crate::result::{BBox, Block, Line, Paragraph};
use crate::sets::DisjointSets;

/// Two lines of one block differ in text height by at most this factor (a
/// heading over body text starts a block of its own).
const MAX_HEIGHT_RATIO: f32 = 1.5;
/// The gap between two lines of one block is at most this many times the
/// smaller line's text height (ordinary leading is well under one line).
const MAX_GAP: f32 = 1.0;
/// Lines of one block overlap horizontally by at least this share of the
/// narrower line (a paragraph's short last line lies inside its column).
const MIN_OVERLAP: f32 = 0.5;
/// Two lines on one row are cells when the gap between them is at least
/// the narrower one's width and at least this many text heights (a
/// gutter between columns of running text is narrower, and its lines wider).
const CELL_GAP: f32 = 2.0;
/// At most this many lines that are not cells stand between two rows of a
/// table (an item's quantity and unit price under it).
const MAX_BRIDGE: usize = 2;
/// The largest skew left after levelling that is corrected, as a slope
/// (tan 5 degrees).
const MAX_SKEW_SLOPE: f32 = 0.0875;
/// At most this many lines are sampled to measure the skew.
const SKEW_SAMPLE: usize = 200;

/// The page's lines as blocks in reading order. A page whose lines are
/// mostly vertical is one block of columns read right to left (the layout
/// model orders horizontal text only); otherwise lines are grouped into
/// tables and paragraphs (see the module documentation), the blocks in the
/// order of their first lines (top to bottom, then left to right). `slope`
/// is the slant of the page's lines (rise over run, y down): lines are
/// ordered as they stand on the page turned level.
pub(super) fn blocks(mut lines: Vec<Line>, slope: f32) -> Vec<Block> {
    if lines.is_empty() {
        return Vec::new();
    }
    if super::mostly_vertical(lines.iter().map(|l| &l.bbox)) {
        lines.sort_by_key(|l| (std::cmp::Reverse(l.bbox.x1), l.bbox.y0));
        return vec![block(lines)];
    }
    let mut placed: Vec<(BBox, Line)> = levelled(&lines, slope).into_iter().zip(lines).collect();
    placed.sort_by_key(|(b, _)| (b.y0, b.x0));
    let (level, lines): (Vec<BBox>, Vec<Line>) = placed.into_iter().unzip();
    let page = Lines::new(level);
    let mut groups = page.tables();
    let in_table: Vec<bool> = {
        let mut t = vec![false; lines.len()];
        groups.iter().flatten().for_each(|&i| t[i] = true);
        t
    };
    groups.extend(page.chains(&in_table));
    groups.sort_by_key(|g| (page.boxes[g[0]].y0, page.boxes[g[0]].x0));
    let mut slots: Vec<Option<Line>> = lines.into_iter().map(Some).collect();
    groups
        .into_iter()
        .map(|g| block(g.iter().filter_map(|&i| slots[i].take()).collect()))
        .collect()
}

/// The boxes of `lines` as they stand on the page turned level by `slope`:
/// a line's box on a slanted page is as tall as its text plus its rise, and
/// takes in the neighbours' rows at its ends; turned level, each is its own
/// band (the box of the turned rectangle whose upright box it is).
fn levelled(lines: &[Line], slope: f32) -> Vec<BBox> {
    if slope == 0.0 || !super::det::slants(slope) {
        return lines.iter().map(|l| l.bbox).collect();
    }
    let angle = slope.atan();
    let (s, c) = angle.sin_cos();
    let cos2 = c * c - s * s;
    let turned: Vec<[f32; 4]> = lines
        .iter()
        .map(|l| {
            let b = l.bbox;
            let (w, h) = (b.width() as f32, b.height() as f32);
            let (cx, cy) = (b.x0 as f32 + w / 2.0, b.y0 as f32 + h / 2.0);
            // Turned back by the angle about the page's origin.
            let (x, y) = (cx * c + cy * s, cy * c - cx * s);
            let len = ((w * c - h * s.abs()) / cos2).max(1.0);
            let thick = ((h * c - w * s.abs()) / cos2).max(1.0);
            [
                x - len / 2.0,
                y - thick / 2.0,
                x + len / 2.0,
                y + thick / 2.0,
            ]
        })
        .collect();
    let min_x = turned.iter().map(|t| t[0]).fold(f32::MAX, f32::min);
    let min_y = turned.iter().map(|t| t[1]).fold(f32::MAX, f32::min);
    turned
        .iter()
        .map(|t| BBox {
            x0: (t[0] - min_x).round() as u32,
            y0: (t[1] - min_y).round() as u32,
            x1: (t[2] - min_x).round().max(t[0] - min_x + 1.0) as u32,
            y1: (t[3] - min_y).round().max(t[1] - min_y + 1.0) as u32,
        })
        .collect()
}

/// A page's line boxes (sorted top to bottom) with their text heights.
struct Lines {
    boxes: Vec<BBox>,
    /// Box height less what the skew adds to a box of that width.
    heights: Vec<f32>,
    /// The page's skew as a slope, 0 when level (see [`skew_slope`]).
    slope: f32,
}

impl Lines {
    fn new(boxes: Vec<BBox>) -> Self {
        let slope = skew_slope(&boxes);
        let heights = boxes
            .iter()
            .map(|b| (b.height() as f32 - slope * b.width() as f32).max(1.0))
            .collect();
        Lines {
            boxes,
            heights,
            slope,
        }
    }

    /// True when lines `i` and `j` stand on one row: their middles differ
    /// by at most half the smaller text height, after the skew.
    fn same_row(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.boxes[i], &self.boxes[j]);
        let mid = |b: &BBox| ((b.x0 + b.x1) as f32 / 2.0, (b.y0 + b.y1) as f32 / 2.0);
        let ((ax, ay), (bx, by)) = (mid(a), mid(b));
        let drift = self.slope * (bx - ax).abs();
        let dy = (by - ay).abs();
        let off = (dy - drift).abs().min(dy);
        off <= 0.5 * self.heights[i].min(self.heights[j])
    }

    /// True when lines `i` and `j` are cells of one row (see [`CELL_GAP`]).
    fn cells(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.boxes[i], &self.boxes[j]);
        let gap = a.x0.max(b.x0).saturating_sub(a.x1.min(b.x1)) as f32;
        let narrower = a.width().min(b.width()) as f32;
        let h = self.heights[i].min(self.heights[j]);
        a.x0.max(b.x0) >= a.x1.min(b.x1) && gap >= narrower.max(CELL_GAP * h) && self.same_row(i, j)
    }

    /// Tables: lines in rows of cells, joined with the cells of the rows
    /// above and below them; a group is a table when at least two of its
    /// rows have two cells. Each in reading order: rows top to bottom,
    /// each left to right.
    fn tables(&self) -> Vec<Vec<usize>> {
        let n = self.boxes.len();
        let mut sets = DisjointSets::new(n);
        let mut cell = vec![false; n];
        for i in 0..n {
            for j in i + 1..n {
                if self.cells(i, j) {
                    sets.join(i, j);
                    cell[i] = true;
                    cell[j] = true;
                }
            }
        }
        for i in 0..n {
            for j in i + 1..n {
                if cell[i] && cell[j] && self.continues(i, j).is_some() {
                    sets.join(i, j);
                }
            }
        }
        // Lines that are not cells between two rows (a receipt's `2 x 240`
        // under its item) join the rows they continue from and into.
        let mut member = cell.clone();
        for i in (0..n).filter(|&i| cell[i]) {
            let mut bridge = Vec::new();
            let mut at = i;
            while let Some(next) = self.best(at, (at + 1..n).map(|j| (at, j))) {
                if cell[next] {
                    if !bridge.is_empty() {
                        sets.join(i, next);
                        for &k in &bridge {
                            sets.join(i, k);
                            member[k] = true;
                        }
                    }
                    break;
                }
                if bridge.len() == MAX_BRIDGE {
                    break;
                }
                bridge.push(next);
                at = next;
            }
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for root in 0..n {
            let members: Vec<usize> = (0..n)
                .filter(|&i| member[i] && sets.find(i) == root)
                .collect();
            if members.is_empty() {
                continue;
            }
            let rows = self.rows(members);
            if rows.iter().filter(|r| r.len() >= 2).count() >= 2 {
                groups.push(rows.concat());
            }
        }
        groups
    }

    /// `members` (sorted top to bottom) as rows, each left to right: a line
    /// starts a new row unless it stands on the row of the current row's
    /// first line.
    fn rows(&self, members: Vec<usize>) -> Vec<Vec<usize>> {
        let mut rows: Vec<Vec<usize>> = Vec::new();
        for i in members {
            match rows.last_mut() {
                Some(row) if self.same_row(row[0], i) => row.push(i),
                _ => rows.push(vec![i]),
            }
        }
        for row in &mut rows {
            row.sort_by_key(|&i| self.boxes[i].x0);
        }
        rows
    }

    /// Chains of the lines not `taken` (see [`Lines::best`]): a line is
    /// linked to the line below it when each is the other's best partner
    /// (the nearest continuation below, the nearest above), so a line
    /// spanning two columns continues at most one of them and columns
    /// never merge through a wide heading above them. Each chain top to
    /// bottom.
    fn chains(&self, taken: &[bool]) -> Vec<Vec<usize>> {
        let n = self.boxes.len();
        let free: Vec<usize> = (0..n).filter(|&i| !taken[i]).collect();
        let below: Vec<Option<usize>> = (0..n)
            .map(|i| self.best(i, free.iter().filter(|&&j| j > i).map(|&j| (i, j))))
            .collect();
        let above: Vec<Option<usize>> = (0..n)
            .map(|j| self.best(j, free.iter().filter(|&&i| i < j).map(|&i| (i, j))))
            .collect();
        let mut next = vec![None; n];
        let mut has_prev = vec![false; n];
        for &i in &free {
            if let Some(j) = below[i] {
                if above[j] == Some(i) {
                    next[i] = Some(j);
                    has_prev[j] = true;
                }
            }
        }
        free.iter()
            .filter(|&&i| !has_prev[i])
            .map(|&start| {
                let mut chain = vec![start];
                let mut at = start;
                while let Some(j) = next[at] {
                    chain.push(j);
                    at = j;
                }
                chain
            })
            .collect()
    }

    /// Among the pairs (upper, lower) that continue each other, the partner
    /// of `me` with the smallest gap (ties: the larger overlap, then the
    /// earlier line).
    fn best(&self, me: usize, pairs: impl Iterator<Item = (usize, usize)>) -> Option<usize> {
        pairs
            .filter_map(|(i, j)| {
                self.continues(i, j).map(|(gap, overlap)| {
                    let other = if i == me { j } else { i };
                    (gap, std::cmp::Reverse(overlap), other)
                })
            })
            .min()
            .map(|(_, _, other)| other)
    }

    /// When line `lower` can follow line `upper` in one block: the gap
    /// between them and their horizontal overlap, pixels.
    fn continues(&self, upper: usize, lower: usize) -> Option<(u32, u32)> {
        let (hu, hl) = (self.heights[upper], self.heights[lower]);
        if hu.max(hl) > MAX_HEIGHT_RATIO * hu.min(hl) {
            return None;
        }
        let (u, l) = (&self.boxes[upper], &self.boxes[lower]);
        // Below, not beside.
        if self.same_row(upper, lower) || l.y0 + l.height() / 2 < u.y0 + u.height() / 2 {
            return None;
        }
        let gap = l.y0.saturating_sub(u.y1);
        if gap as f32 > MAX_GAP * hu.min(hl) {
            return None;
        }
        let overlap = u.x1.min(l.x1).saturating_sub(u.x0.max(l.x0));
        let narrower = u.width().min(l.width()).max(1);
        (overlap as f32 >= MIN_OVERLAP * narrower as f32).then_some((gap, overlap))
    }
}

/// The page's skew as the slope of box height over box width: every line's
/// box is its text height plus its width times the slope, so the slope is
/// the median of the slopes between pairs of lines of different widths
/// (Theil-Sen: headings and short lines are outliers it ignores), at most
/// [`SKEW_SAMPLE`] lines sampled evenly, clamped to 0..[`MAX_SKEW_SLOPE`].
fn skew_slope(boxes: &[BBox]) -> f32 {
    let step = boxes.len().div_ceil(SKEW_SAMPLE).max(1);
    let sample: Vec<&BBox> = boxes.iter().step_by(step).collect();
    let mut slopes = Vec::new();
    for (k, a) in sample.iter().enumerate() {
        for b in &sample[k + 1..] {
            let dw = b.width() as f32 - a.width() as f32;
            // Widths apart by at least a few text heights, or the noise of
            // the heights decides.
            if dw.abs() >= 4.0 * a.height().min(b.height()) as f32 {
                slopes.push((b.height() as f32 - a.height() as f32) / dw);
            }
        }
    }
    if slopes.is_empty() {
        return 0.0;
    }
    let mid = slopes.len() / 2;
    let (_, median, _) = slopes.select_nth_unstable_by(mid, f32::total_cmp);
    median.clamp(0.0, MAX_SKEW_SLOPE)
}

/// One block of one paragraph holding `lines`.
fn block(lines: Vec<Line>) -> Block {
    let bbox = lines
        .iter()
        .map(|l| l.bbox)
        .reduce(|a, b| a.union(&b))
        .unwrap_or_default();
    Block {
        bbox,
        paragraphs: vec![Paragraph { bbox, lines }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(x0: u32, y0: u32, x1: u32, y1: u32) -> Line {
        Line {
            bbox: BBox { x0, y0, x1, y1 },
            baseline: None,
            font_size: 10.0,
            words: Vec::new(),
        }
    }

    fn tops(blocks: &[Block]) -> Vec<Vec<(u32, u32)>> {
        blocks
            .iter()
            .map(|b| {
                b.paragraphs[0]
                    .lines
                    .iter()
                    .map(|l| (l.bbox.x0, l.bbox.y0))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn vertical_pages_read_right_to_left() {
        let cols = vec![
            line(10, 0, 20, 100),
            line(50, 0, 60, 100),
            line(30, 0, 40, 80),
        ];
        let b = blocks(cols, 0.0);
        assert_eq!(tops(&b), [vec![(50, 0), (30, 0), (10, 0)]]);
    }

    #[test]
    fn two_columns_under_a_wide_heading_are_separate_blocks() {
        // A heading across the page, then two columns of three lines, given
        // in row order as the detector might.
        let mut lines = vec![line(0, 0, 400, 20)];
        for row in 0..3 {
            let y = 30 + row * 25;
            lines.push(line(0, y, 180, y + 20));
            lines.push(line(220, y, 400, y + 20));
        }
        let b = blocks(lines, 0.0);
        assert_eq!(
            tops(&b),
            [
                vec![(0, 0), (0, 30), (0, 55), (0, 80)],
                vec![(220, 30), (220, 55), (220, 80)],
            ]
        );
    }

    #[test]
    fn size_change_and_large_gap_start_new_blocks() {
        let lines = vec![
            line(0, 0, 300, 40),    // big title
            line(0, 50, 300, 70),   // body
            line(0, 75, 120, 95),   // short last line of the paragraph
            line(0, 150, 300, 170), // after a gap of more than a line
        ];
        let b = blocks(lines, 0.0);
        assert_eq!(
            tops(&b),
            [vec![(0, 0)], vec![(0, 50), (0, 75)], vec![(0, 150)]]
        );
    }

    #[test]
    fn lines_side_by_side_are_not_chained() {
        // Two words on one row with a small gap: separate blocks, left first.
        let b = blocks(vec![line(120, 2, 300, 22), line(0, 0, 100, 20)], 0.0);
        assert_eq!(tops(&b), [vec![(0, 0)], vec![(120, 2)]]);
        assert!(blocks(Vec::new(), 0.0).is_empty());
    }

    #[test]
    fn a_line_between_rows_stays_in_its_table() {
        // A receipt: item and price rows, the first item with its quantity
        // on a line of its own under it; the table reads row by row, the
        // quantity line between its item's row and the next.
        let lines = vec![
            line(0, 0, 200, 20),
            line(500, 0, 560, 20),
            line(20, 28, 220, 48), // 2 x 240
            line(0, 56, 200, 76),
            line(500, 56, 560, 76),
            line(0, 84, 180, 104),
            line(500, 84, 560, 104),
        ];
        let b = blocks(lines, 0.0);
        assert_eq!(
            tops(&b),
            [vec![
                (0, 0),
                (500, 0),
                (20, 28),
                (0, 56),
                (500, 56),
                (0, 84),
                (500, 84)
            ]]
        );
    }

    #[test]
    fn a_table_reads_row_by_row() {
        // Item, quantity and price columns with wide gaps, three rows, a
        // paragraph line above: the table is one block read across its rows.
        let mut lines = vec![line(0, 0, 600, 20)];
        for row in 0..3 {
            let y = 40 + row * 30;
            lines.push(line(400, y, 440, y + 20));
            lines.push(line(0, y, 200 + row * 20, y + 20));
            lines.push(line(520, y, 600, y + 20));
        }
        let b = blocks(lines, 0.0);
        assert_eq!(
            tops(&b),
            [
                vec![(0, 0)],
                vec![
                    (0, 40),
                    (400, 40),
                    (520, 40),
                    (0, 70),
                    (400, 70),
                    (520, 70),
                    (0, 100),
                    (400, 100),
                    (520, 100)
                ],
            ]
        );
        // One row of cells is not a table: a label and its value.
        let b = blocks(vec![line(0, 0, 100, 20), line(400, 0, 480, 20)], 0.0);
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn lines_on_a_turned_page_are_ordered_as_turned_level() {
        // Two paragraphs of 20-pixel text, lines 30 apart, on a page turned
        // by tan = 0.06: a 1000-pixel line climbs 60, twice the line pitch,
        // so by their upright boxes the lines' rows interleave. Each
        // paragraph's last line is short.
        let slope = -0.06f32;
        let (s, c) = slope.atan().sin_cos();
        let put = |x: f32, y: f32, len: f32| {
            // A level line's corners, turned about the origin.
            let corners = [(x, y), (x + len, y), (x, y + 20.0), (x + len, y + 20.0)];
            let t: Vec<(f32, f32)> = corners
                .iter()
                .map(|&(x, y)| (x * c - y * s + 100.0, x * s + y * c + 100.0))
                .collect();
            let min = |f: fn(&(f32, f32)) -> f32| t.iter().map(f).fold(f32::MAX, f32::min);
            let max = |f: fn(&(f32, f32)) -> f32| t.iter().map(f).fold(f32::MIN, f32::max);
            line(
                min(|p| p.0) as u32,
                min(|p| p.1) as u32,
                max(|p| p.0) as u32,
                max(|p| p.1) as u32,
            )
        };
        let level = [
            (0.0, 0.0, 1000.0),
            (0.0, 30.0, 1000.0),
            (0.0, 60.0, 300.0),
            (0.0, 120.0, 1000.0),
            (0.0, 150.0, 200.0),
        ];
        let lines: Vec<Line> = level.iter().map(|&(x, y, len)| put(x, y, len)).collect();
        let want: Vec<Vec<(u32, u32)>> = vec![
            lines[..3].iter().map(|l| (l.bbox.x0, l.bbox.y0)).collect(),
            lines[3..].iter().map(|l| (l.bbox.x0, l.bbox.y0)).collect(),
        ];
        let mut shuffled = lines.clone();
        shuffled.reverse();
        assert_eq!(tops(&blocks(shuffled, slope)), want);
        // A slant no page is turned by is not levelled (at 45 degrees the
        // turned boxes would have no size).
        for wild in [1.0, -1.0, f32::NAN, f32::INFINITY] {
            assert_eq!(
                tops(&blocks(lines.clone(), wild)),
                tops(&blocks(lines.clone(), 0.0))
            );
        }
    }

    #[test]
    fn a_skewed_paragraph_keeps_its_short_last_line() {
        // Text 20 pixels high on a page turned by tan = 0.02: a 1000-pixel
        // line's box is 40 high, the 100-pixel last line's 22.
        let lines = vec![
            line(0, 0, 1000, 40),
            line(0, 30, 1000, 70),
            line(0, 60, 1000, 100),
            line(0, 90, 100, 112),
            line(0, 300, 1000, 340),
        ];
        let b = blocks(lines, 0.0);
        assert_eq!(
            tops(&b),
            [vec![(0, 0), (0, 30), (0, 60), (0, 90)], vec![(0, 300)]]
        );
    }
}
