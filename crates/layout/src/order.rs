//! Reading order: bands of columns, by cutting the page along the gaps
//! between its regions (the XY-cut); before that, blocks that stand side
//! by side as the columns of one list of rows (a receipt's items and
//! prices) are read row by row ([`read_across`]).

use crate::{Line, Paragraph, Rect, TextBlock};
use ocrloom_ocr::{splits_number, DisjointSets};

/// The smallest gap between two columns, points: narrower gaps are word
/// spaces or noise, not a gutter.
const MIN_GUTTER: f32 = 6.0;

/// A cut across may pass where regions overlap vertically by up to this
/// share of a line's height (of the median line, `line` in [`bands`]):
/// boxes of neighbouring blocks touch or overlap a little when a line
/// has a descender, a mark or a slight skew, and without the cut the two
/// blocks would be read in the engine's order, which may put the lower
/// one first.
const CUT_OVERLAP: f32 = 0.5;

/// Regions (their indices into `rects`) as bands from top to bottom, each a
/// list of columns from left to right, each column in reading order.
/// `line`: the height of a typical text line, points (see [`CUT_OVERLAP`]).
///
/// The page is cut across at every gap that runs its whole width; each
/// slice is cut into columns at gaps that run its whole height; neighbouring
/// slices whose columns line up are one band (two columns whose paragraphs
/// happen to end at the same height are still read column by column). A
/// column is then ordered by cutting it again, across first; regions no cut
/// separates keep the engine's order (their index order). Columns run left
/// to right, or right to left where `flow` says so (vertical writing).
pub(crate) fn bands(rects: &[Rect], line: f32, flow: Flow) -> Vec<Vec<Vec<usize>>> {
    let across = -CUT_OVERLAP * line.max(0.0);
    let all: Vec<usize> = (0..rects.len()).collect();
    let mut bands: Vec<Vec<Vec<usize>>> = Vec::new();
    for slice in split(&all, rects, Axis::Y, across) {
        let columns = flow.across(split(&slice, rects, Axis::X, MIN_GUTTER));
        if let Some(last) = bands.last_mut() {
            if lined_up(last, &columns, rects) {
                for (col, more) in last.iter_mut().zip(columns) {
                    col.extend(more);
                }
                continue;
            }
        }
        bands.push(columns);
    }
    for band in &mut bands {
        for col in band.iter_mut() {
            *col = order(col, rects, across, flow);
        }
    }
    bands
}

/// True when `next` continues `band`: both one column, or the same number
/// of columns each overlapping its neighbour above horizontally.
fn lined_up(band: &[Vec<usize>], next: &[Vec<usize>], rects: &[Rect]) -> bool {
    if band.len() != next.len() {
        return false;
    }
    band.len() == 1
        || band.iter().zip(next).all(|(a, b)| {
            let (a, b) = (extent(a, rects), extent(b, rects));
            a.x0.max(b.x0) < a.x1.min(b.x1)
        })
}

/// The smallest rectangle around the regions `ids`.
pub(crate) fn extent(ids: &[usize], rects: &[Rect]) -> Rect {
    ids.iter()
        .map(|&i| rects[i])
        .reduce(|a, b| a.union(&b))
        .unwrap_or_default()
}

/// `ids` in reading order: cut across (where regions overlap by less than
/// `-across`), else into columns in `flow`'s order, recursively.
fn order(ids: &[usize], rects: &[Rect], across: f32, flow: Flow) -> Vec<usize> {
    if ids.len() <= 1 {
        return ids.to_vec();
    }
    let down = split(ids, rects, Axis::Y, across);
    if down.len() > 1 {
        return down
            .iter()
            .flat_map(|p| order(p, rects, across, flow))
            .collect();
    }
    let columns = flow.across(split(ids, rects, Axis::X, MIN_GUTTER));
    if columns.len() > 1 {
        return columns
            .iter()
            .flat_map(|p| order(p, rects, across, flow))
            .collect();
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}

/// Two lines are in one row when they overlap vertically (after the
/// page's skew is taken out) by at least this share of the lower one.
const ROW_OVERLAP: f32 = 0.5;
/// Blocks are read row by row when, of the lines that stand beside a line
/// of another block, at least this share are values (see [`is_value`]).
const VALUE_SHARE: f32 = 0.6;
/// ... and there are at least this many such lines.
const MIN_SIDE_LINES: usize = 2;

/// Blocks that stand side by side (overlapping vertically, apart
/// horizontally) and whose lines beside each other are mostly values
/// (numbers, amounts, dates: a receipt's prices, a price list, a table of
/// figures) become one block read row by row: each row one line, its parts
/// left to right, so that a price stays on its item's line. A paragraph
/// ends where the gap between two rows is larger than a row. Other blocks
/// (columns of running text) are left as they are. `skew`: the page's
/// skew, degrees counter-clockwise, so that rows of a slightly turned page
/// are found.
pub(crate) fn read_across(blocks: Vec<TextBlock>, skew: f32) -> Vec<TextBlock> {
    let n = blocks.len();
    // Groups of blocks linked by standing side by side (union-find).
    let mut group = DisjointSets::new(n);
    for a in 0..n {
        for b in a + 1..n {
            let (ra, rb) = (blocks[a].bbox, blocks[b].bbox);
            let beside =
                (ra.x1 <= rb.x0 || rb.x1 <= ra.x0) && vertical_overlap(&ra, &rb, 0.0) > 0.0;
            if beside {
                group.join(a, b);
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| group.find(i)).collect();
    // A group read as rows takes the place of its first block; every other
    // block keeps its place (the engine's order breaks ties later).
    let mut merged: Vec<Option<TextBlock>> = vec![None; n];
    for i in (0..n).filter(|&i| roots[i] == i) {
        let members: Vec<&TextBlock> = (i..n)
            .filter(|&j| roots[j] == i)
            .map(|j| &blocks[j])
            .collect();
        if members.len() >= 2 {
            merged[i] = rows_of(&members, skew);
        }
    }
    let read_as_rows: Vec<bool> = merged.iter().map(Option::is_some).collect();
    let mut out = Vec::with_capacity(n);
    for (i, block) in blocks.into_iter().enumerate() {
        if !read_as_rows[roots[i]] {
            out.push(block);
        } else if let Some(rows) = merged[i].take() {
            out.push(rows);
        }
    }
    out
}

/// The blocks as one block of rows, when their lines beside each other are
/// mostly values; `None` otherwise.
fn rows_of(blocks: &[&TextBlock], skew: f32) -> Option<TextBlock> {
    let lines: Vec<(usize, &Line)> = blocks
        .iter()
        .enumerate()
        .flat_map(|(b, t)| {
            t.paragraphs
                .iter()
                .flat_map(move |p| p.lines.iter().map(move |l| (b, l)))
        })
        .collect();
    // A line turned counter-clockwise (positive skew) rises to the right.
    let tilt = skew.to_radians().tan();
    let level = |r: &Rect| {
        let dy = r.x0 * tilt;
        Rect {
            y0: r.y0 + dy,
            y1: r.y1 + dy,
            ..*r
        }
    };
    let rects: Vec<Rect> = lines.iter().map(|(_, l)| level(&l.bbox)).collect();
    let rows = rows(&rects);
    // The lines that stand beside a line of another block.
    let mut side: Vec<&Line> = Vec::new();
    for row in &rows {
        let first = lines[row[0]].0;
        side.extend(
            row[1..]
                .iter()
                .filter(|&&i| lines[i].0 != first)
                .map(|&i| lines[i].1),
        );
    }
    let values = side.iter().filter(|l| is_value(&l.text)).count();
    if side.len() < MIN_SIDE_LINES || (values as f32) < VALUE_SHARE * side.len() as f32 {
        return None;
    }
    let mut paragraphs: Vec<Vec<Line>> = Vec::new();
    let mut last: Option<Rect> = None;
    for row in &rows {
        let parts: Vec<&Line> = row.iter().map(|&i| lines[i].1).collect();
        let bbox = parts
            .iter()
            .map(|l| l.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap_or_default();
        let mut text = String::new();
        for l in &parts {
            if !text.is_empty() && !splits_number(&text, &l.text) {
                text.push(' ');
            }
            text.push_str(&l.text);
        }
        let mut sizes: Vec<f32> = parts.iter().map(|l| l.font_size).collect();
        sizes.sort_by(f32::total_cmp);
        let line = Line {
            bbox,
            font_size: sizes[sizes.len() / 2],
            text,
        };
        let gap = last.map(|r| level(&bbox).y0 - level(&r).y1);
        match paragraphs.last_mut() {
            Some(p) if gap.is_some_and(|g| g <= bbox.height()) => p.push(line),
            _ => paragraphs.push(vec![line]),
        }
        last = Some(bbox);
    }
    let paragraphs: Vec<Paragraph> = paragraphs
        .into_iter()
        .filter_map(crate::build::paragraph)
        .collect();
    let bbox = paragraphs
        .iter()
        .map(|p| p.bbox)
        .reduce(|a, b| a.union(&b))?;
    Some(TextBlock { bbox, paragraphs })
}

/// How much `a` and `b` overlap vertically, as a share of the lower one
/// (0 when apart; `pad` widens both).
fn vertical_overlap(a: &Rect, b: &Rect, pad: f32) -> f32 {
    let overlap = (a.y1.min(b.y1) - a.y0.max(b.y0) + pad).max(0.0);
    let lower = a.height().min(b.height()).max(f32::EPSILON);
    overlap / lower
}

/// Lines (`rects`, levelled) as rows from top to bottom, each row's lines
/// left to right: a line joins the row above it that it overlaps
/// vertically by [`ROW_OVERLAP`] and none of whose lines it overlaps
/// horizontally.
pub(crate) fn rows(rects: &[Rect]) -> Vec<Vec<usize>> {
    let mut ids: Vec<usize> = (0..rects.len()).collect();
    let centre = |i: usize| (rects[i].y0 + rects[i].y1) / 2.0;
    ids.sort_by(|&a, &b| centre(a).total_cmp(&centre(b)).then(a.cmp(&b)));
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for i in ids {
        let r = rects[i];
        let fits = |row: &Vec<usize>| {
            vertical_overlap(&rects[row[0]], &r, 0.0) >= ROW_OVERLAP
                && row
                    .iter()
                    .all(|&j| rects[j].x1 <= r.x0 || r.x1 <= rects[j].x0)
        };
        match rows.iter_mut().rev().take(3).find(|row| fits(row)) {
            Some(row) => row.push(i),
            None => rows.push(vec![i]),
        }
    }
    for row in &mut rows {
        row.sort_by(|&a, &b| rects[a].x0.total_cmp(&rects[b].x0));
    }
    rows
}

/// A value: a short line (at most three words) of a number, an amount, a
/// date or a percentage: at least one digit, and digits with their
/// separators and currency signs at least half of its characters.
fn is_value(text: &str) -> bool {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
    let numeric = chars
        .iter()
        .filter(|c| c.is_ascii_digit() || ".,:/-+%$€£¥".contains(**c))
        .count();
    digits > 0 && 2 * numeric >= chars.len() && text.split_whitespace().count() <= 3
}

/// Which way the columns of a page follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Left to right (horizontal writing).
    LeftToRight,
    /// Right to left (vertical Chinese and Japanese writing).
    RightToLeft,
}

impl Flow {
    /// `groups` found left to right, in this flow's order.
    fn across(self, mut groups: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
        if self == Flow::RightToLeft {
            groups.reverse();
        }
        groups
    }
}

#[derive(Clone, Copy)]
enum Axis {
    X,
    Y,
}

/// `ids` in groups separated by gaps of at least `min_gap` along `axis`,
/// in order along it; one group when there is no such gap. Within a group
/// the engine's order is kept.
fn split(ids: &[usize], rects: &[Rect], axis: Axis, min_gap: f32) -> Vec<Vec<usize>> {
    let span = |i: usize| match axis {
        Axis::X => (rects[i].x0, rects[i].x1),
        Axis::Y => (rects[i].y0, rects[i].y1),
    };
    let mut sorted = ids.to_vec();
    sorted.sort_by(|&a, &b| span(a).0.total_cmp(&span(b).0).then(a.cmp(&b)));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut end = f32::NEG_INFINITY;
    for i in sorted {
        let (start, stop) = span(i);
        match groups.last_mut() {
            Some(group) if start - end < min_gap => {
                group.push(i);
            }
            _ => groups.push(vec![i]),
        }
        end = end.max(stop);
    }
    for g in &mut groups {
        g.sort_unstable();
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x0: f32, y0: f32, x1: f32, y1: f32) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    #[test]
    fn two_columns_read_column_by_column_whatever_the_engine_order() {
        // Title across, then two columns whose paragraphs end at the same
        // heights, given row by row.
        let rects = [
            r(50.0, 20.0, 550.0, 60.0),    // 0 title
            r(50.0, 100.0, 290.0, 300.0),  // 1 left top
            r(310.0, 100.0, 550.0, 300.0), // 2 right top
            r(50.0, 320.0, 290.0, 700.0),  // 3 left bottom
            r(310.0, 320.0, 550.0, 700.0), // 4 right bottom
        ];
        let bands = bands(&rects, 0.0, Flow::LeftToRight);
        assert_eq!(bands, vec![vec![vec![0]], vec![vec![1, 3], vec![2, 4]]]);
    }

    #[test]
    fn single_column_blocks_keep_top_to_bottom_order_in_one_band() {
        let rects = [
            r(50.0, 300.0, 500.0, 400.0),
            r(50.0, 100.0, 500.0, 200.0),
            r(80.0, 210.0, 300.0, 250.0),
        ];
        assert_eq!(
            bands(&rects, 0.0, Flow::LeftToRight),
            vec![vec![vec![1, 2, 0]]]
        );
    }

    /// A block of one line per `(x0, y0, text)`, 10 pt high, 6 pt a character.
    fn block(lines: &[(f32, f32, &str)]) -> TextBlock {
        let lines: Vec<Line> = lines
            .iter()
            .map(|&(x0, y0, text)| Line {
                bbox: r(x0, y0, x0 + 6.0 * text.len() as f32, y0 + 10.0),
                font_size: 10.0,
                text: text.into(),
            })
            .collect();
        let p = crate::build::paragraph(lines).expect("lines");
        TextBlock {
            bbox: p.bbox,
            paragraphs: vec![p],
        }
    }

    fn texts(blocks: &[TextBlock]) -> Vec<Vec<String>> {
        blocks
            .iter()
            .map(|b| b.paragraphs.iter().map(|p| p.text()).collect())
            .collect()
    }

    #[test]
    fn items_and_prices_side_by_side_are_read_row_by_row() {
        // Items, then their prices as a block of their own (the engine
        // found a column), a total split at its decimal point, on a page
        // turned 1 degree clockwise (the right side lower).
        let drop = |x: f32| x * 1f32.to_radians().tan();
        let items = block(&[
            (20.0, 100.0, "Milk 1L"),
            (20.0, 114.0, "Bread"),
            (20.0, 150.0, "TOTAL"),
        ]);
        let prices = block(&[
            (180.0, 100.0 + drop(160.0), "2.49"),
            (180.0, 114.0 + drop(160.0), "1.20"),
            (180.0, 150.0 + drop(160.0), "3."),
        ]);
        let cents = block(&[(199.0, 150.0 + drop(180.0), "69")]);
        let header = block(&[(60.0, 40.0, "CORNER SHOP")]);
        let got = read_across(vec![header.clone(), items, prices, cents], -1.0);
        assert_eq!(
            texts(&got),
            [
                vec!["CORNER SHOP".to_string()],
                vec!["Milk 1L 2.49\nBread 1.20".into(), "TOTAL 3.69".into()]
            ]
        );
        // Without the skew the rows at the right drift below the items'.
        let items = block(&[(20.0, 100.0, "Milk 1L"), (20.0, 114.0, "Bread")]);
        let prices = block(&[(300.0, 106.0, "2.49"), (300.0, 120.0, "1.20")]);
        assert_eq!(read_across(vec![items, prices], 0.0).len(), 2);
    }

    #[test]
    fn columns_of_running_text_stay_columns() {
        let left = block(&[(20.0, 100.0, "a column of"), (20.0, 114.0, "running text")]);
        let right = block(&[
            (200.0, 100.0, "and another"),
            (200.0, 114.0, "one beside it"),
        ]);
        let got = read_across(vec![left.clone(), right.clone()], 0.0);
        assert_eq!(got, [left, right]);
        assert!(is_value("12.50") && is_value("RM 3.00") && is_value("24/06/2019"));
        assert!(!is_value("Milk 1L") && !is_value("page") && !is_value("1 2 3 4"));
    }

    #[test]
    fn a_block_overlapping_the_next_by_less_than_half_a_line_is_still_above_it() {
        // The engine gave the lower paragraph first; the upper one (a mark
        // beside it made its box reach 3 pt into the lower one) second.
        let rects = [r(50.0, 470.0, 500.0, 505.0), r(50.0, 420.0, 550.0, 473.0)];
        assert_eq!(
            bands(&rects, 12.0, Flow::LeftToRight),
            vec![vec![vec![1, 0]]]
        );
        // More than half a line: one region is not above the other.
        assert_eq!(
            bands(&rects, 4.0, Flow::LeftToRight),
            vec![vec![vec![0, 1]]]
        );
    }

    #[test]
    fn a_narrow_gap_is_not_a_gutter_and_overlaps_keep_engine_order() {
        let rects = [r(50.0, 100.0, 200.0, 120.0), r(203.0, 100.0, 400.0, 120.0)];
        assert_eq!(
            bands(&rects, 0.0, Flow::LeftToRight),
            vec![vec![vec![0, 1]]]
        );
        let overlapping = [r(50.0, 100.0, 300.0, 200.0), r(60.0, 150.0, 310.0, 250.0)];
        assert_eq!(
            bands(&overlapping, 0.0, Flow::LeftToRight),
            vec![vec![vec![0, 1]]]
        );
        assert!(bands(&[], 0.0, Flow::LeftToRight).is_empty());
    }

    #[test]
    fn vertical_writing_reads_columns_right_to_left() {
        // A title column at the right, an author column beside it, the
        // body to their left, all overlapping vertically.
        let rects = [
            r(328.0, 420.0, 1866.0, 3113.0),
            r(2075.0, 531.0, 2142.0, 963.0),
            r(1987.0, 2812.0, 2032.0, 3010.0),
        ];
        assert_eq!(
            bands(&rects, 0.0, Flow::RightToLeft),
            vec![vec![vec![1], vec![2], vec![0]]]
        );
        assert_eq!(
            bands(&rects, 0.0, Flow::LeftToRight),
            vec![vec![vec![0], vec![2], vec![1]]]
        );
    }
}
