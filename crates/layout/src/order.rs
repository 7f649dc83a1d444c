//! Reading order: bands of columns, by cutting the page along the gaps
//! between its regions (the XY-cut).

use crate::Rect;

/// The smallest gap between two columns, points: narrower gaps are word
/// spaces or noise, not a gutter.
const MIN_GUTTER: f32 = 6.0;

/// Regions (their indices into `rects`) as bands from top to bottom, each a
/// list of columns from left to right, each column in reading order.
///
/// The page is cut across at every gap that runs its whole width; each
/// slice is cut into columns at gaps that run its whole height; neighbouring
/// slices whose columns line up are one band (two columns whose paragraphs
/// happen to end at the same height are still read column by column). A
/// column is then ordered by cutting it again, across first; regions no cut
/// separates keep the engine's order (their index order). Columns run left
/// to right, or right to left where `flow` says so (vertical writing).
pub(crate) fn bands(rects: &[Rect], flow: Flow) -> Vec<Vec<Vec<usize>>> {
    let all: Vec<usize> = (0..rects.len()).collect();
    let mut bands: Vec<Vec<Vec<usize>>> = Vec::new();
    for slice in split(&all, rects, Axis::Y, 0.0) {
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
            *col = order(col, rects, flow);
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

/// `ids` in reading order: cut across, else into columns, recursively.
fn order(ids: &[usize], rects: &[Rect], flow: Flow) -> Vec<usize> {
    if ids.len() <= 1 {
        return ids.to_vec();
    }
    let down = split(ids, rects, Axis::Y, 0.0);
    if down.len() > 1 {
        return down.iter().flat_map(|p| order(p, rects, flow)).collect();
    }
    let across = flow.across(split(ids, rects, Axis::X, MIN_GUTTER));
    if across.len() > 1 {
        return across.iter().flat_map(|p| order(p, rects, flow)).collect();
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
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
        let bands = bands(&rects, Flow::LeftToRight);
        assert_eq!(bands, vec![vec![vec![0]], vec![vec![1, 3], vec![2, 4]]]);
    }

    #[test]
    fn single_column_blocks_keep_top_to_bottom_order_in_one_band() {
        let rects = [
            r(50.0, 300.0, 500.0, 400.0),
            r(50.0, 100.0, 500.0, 200.0),
            r(80.0, 210.0, 300.0, 250.0),
        ];
        assert_eq!(bands(&rects, Flow::LeftToRight), vec![vec![vec![1, 2, 0]]]);
    }

    #[test]
    fn a_narrow_gap_is_not_a_gutter_and_overlaps_keep_engine_order() {
        let rects = [r(50.0, 100.0, 200.0, 120.0), r(203.0, 100.0, 400.0, 120.0)];
        assert_eq!(bands(&rects, Flow::LeftToRight), vec![vec![vec![0, 1]]]);
        let overlapping = [r(50.0, 100.0, 300.0, 200.0), r(60.0, 150.0, 310.0, 250.0)];
        assert_eq!(
            bands(&overlapping, Flow::LeftToRight),
            vec![vec![vec![0, 1]]]
        );
        assert!(bands(&[], Flow::LeftToRight).is_empty());
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
            bands(&rects, Flow::RightToLeft),
            vec![vec![vec![1], vec![2], vec![0]]]
        );
        assert_eq!(
            bands(&rects, Flow::LeftToRight),
            vec![vec![vec![0], vec![2], vec![1]]]
        );
    }
}
