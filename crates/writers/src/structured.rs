//! What the structured writers (DOCX, PPTX) share: each page's layout
//! (with the tables and figures recognition found on it) and, for the pages
//! that show a figure or the page image, the page rendered again to crop
//! them from; and a table's grid as these writers set it.

use crate::metrics;
use crate::WriteError;
use ocrloom_layout::tables::{self, Table};
use ocrloom_layout::{Figure, Page, PageInput};
use ocrloom_ocr::structure::scale;
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, PageStream, RenderDpi};

/// The resolution PDF pages are rendered at to crop figures and for a
/// page background: a scan's own, at most 150 DPI (pages without a scan at
/// 150; image inputs keep their own pixels). A 72-dpi scan is never
/// enlarged: that made 4 times its pixels (a 144 MB bitmap for a
/// 2442x3409-point page) and nothing a figure could show.
const FIGURE_DPI: RenderDpi = RenderDpi::Native {
    default: 150.0,
    min: 50.0,
    max: 150.0,
};
/// The line pitch of a table cell's text, times its font size.
pub(crate) const CELL_PITCH: f32 = 1.2;
/// The space between a table cell's edge and its text, left and right,
/// points.
pub(crate) const CELL_PADDING: f32 = 2.0;
/// The smallest font size a table's text is set down to, points.
const MIN_CELL_SIZE: f32 = 4.0;
/// The font size of a table on a page without body text, at most, points.
const TABLE_SIZE: f32 = 11.0;
/// The narrowest column and the lowest row of a table, points.
const MIN_TRACK: f32 = 4.0;

/// A page's layout and the image its figures are cropped from.
pub(crate) struct LaidOutPage {
    /// The layout.
    pub layout: Page,
    /// The page image, when the page was recognized and shows a figure or
    /// `page_image` asked for it.
    pub image: Option<image::DynamicImage>,
}

/// The layout of every page of `doc` in order (`pages[i]` the result of
/// page `i`, when it was recognized), with the image of each recognized
/// page that has figures (of every recognized page with `page_image`).
/// Those pages are rendered ahead on a background thread, all from one
/// opening of the document (in one PDFium child process when PDFium is
/// isolated), while the pages before them are laid out; no other page is
/// rendered.
pub(crate) fn lay_out<'a>(
    doc: &'a Document,
    pages: &'a [Option<&'a PageResult>],
    page_image: bool,
) -> impl Iterator<Item = Result<LaidOutPage, WriteError>> + 'a {
    let shown = move |r: &PageResult| {
        page_image || r.structure.as_ref().is_some_and(|s| !s.figures.is_empty())
    };
    let rendered = (0..pages.len())
        .filter(|&i| pages[i].is_some_and(shown))
        .collect();
    let mut images: PageStream = doc.stream_pages(rendered, FIGURE_DPI);
    pages.iter().enumerate().map(move |(index, result)| {
        let size_pt = crate::page_size_pt(&doc.pages()[index]);
        match result {
            Some(r) => {
                let image = if shown(r) {
                    let page = images.next().unwrap_or_else(|| {
                        Err(ocrloom_raster::Error::Internal(
                            "the page renderer stopped early".into(),
                        ))
                    })?;
                    Some(page.image.into_dynamic())
                } else {
                    None
                };
                Ok(LaidOutPage {
                    layout: Page::build(&PageInput { result: r, size_pt }),
                    image,
                })
            }
            None => Ok(LaidOutPage {
                layout: unrecognized(index, size_pt),
                image: None,
            }),
        }
    })
}

/// The layout of a page that was not recognized: its size, no text.
fn unrecognized(index: usize, size_pt: (f64, f64)) -> Page {
    let mut empty = PageResult::empty(index, 1, 1, 72.0);
    empty.width = size_pt.0.max(1.0) as u32;
    empty.height = size_pt.1.max(1.0) as u32;
    Page::build(&PageInput {
        result: &empty,
        size_pt,
    })
}

/// A figure cropped from the page image (turned upright as the page), as
/// PNG bytes with its pixel size.
pub(crate) fn crop_png(
    image: &image::DynamicImage,
    result_size: (u32, u32),
    rotation: u16,
    figure: &Figure,
) -> Result<(Vec<u8>, u32, u32), WriteError> {
    let fx = image.width() as f32 / result_size.0.max(1) as f32;
    let fy = image.height() as f32 / result_size.1.max(1) as f32;
    let b = scale(figure.source, fx, fy);
    let (x0, y0) = (b.x0.min(image.width()), b.y0.min(image.height()));
    let w = b.x1.min(image.width()).saturating_sub(x0).max(1);
    let h = b.y1.min(image.height()).saturating_sub(y0).max(1);
    let mut crop = image.crop_imm(x0, y0, w, h);
    crop = match rotation {
        90 => crop.rotate90(),
        180 => crop.rotate180(),
        270 => crop.rotate270(),
        _ => crop,
    };
    png(&crop)
}

/// `image` as PNG bytes with its pixel size.
pub(crate) fn png(image: &image::DynamicImage) -> Result<(Vec<u8>, u32, u32), WriteError> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| WriteError::Io(std::io::Error::other(e)))?;
    Ok((bytes.into_inner(), image.width(), image.height()))
}

/// A table as the structured writers set it: its columns' widths and its
/// rows' heights (from its cells' places on the page, fitted into a width)
/// and one font size for its text, small enough that every cell's text
/// fits its cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableGrid {
    /// Column widths, points, left to right.
    pub columns: Vec<f32>,
    /// Row heights, points, top to bottom.
    pub rows: Vec<f32>,
    /// The font size of its text, points.
    pub size: f32,
}

impl TableGrid {
    /// The grid of `table` no wider than `width` and no taller than
    /// `height` points (its tracks scaled down to fit), its text at most
    /// `body_size` (the page's body text; none: [`TABLE_SIZE`]) and no
    /// higher than a line fits in its lowest row.
    pub fn new(table: &Table, width: f32, height: f32, body_size: f32) -> TableGrid {
        let b = table.bbox;
        let xs = boundaries(table, table.columns, (b.x0, b.x1), |c| {
            (c.column, c.column_span, c.bbox.x0, c.bbox.x1)
        });
        let ys = boundaries(table, table.rows, (b.y0, b.y1), |c| {
            (c.row, c.row_span, c.bbox.y0, c.bbox.y1)
        });
        let tracks = |b: &[f32], room: f32| -> Vec<f32> {
            let t: Vec<f32> = b.windows(2).map(|w| (w[1] - w[0]).max(MIN_TRACK)).collect();
            let total: f32 = t.iter().sum();
            let scale = if total > room {
                room.max(1.0) / total
            } else {
                1.0
            };
            t.iter().map(|v| v * scale).collect()
        };
        let columns = tracks(&xs, width);
        let rows = tracks(&ys, height);
        let start = if body_size > 0.0 {
            body_size
        } else {
            TABLE_SIZE
        };
        let lowest = rows.iter().copied().fold(f32::INFINITY, f32::min);
        let mut half_points = (start.min(lowest / CELL_PITCH) * 2.0).floor();
        let floor = MIN_CELL_SIZE * 2.0;
        let fits = |size: f32| {
            table.cells.iter().all(|c| {
                let span = |t: &[f32], first: usize, n: usize| -> f32 {
                    t.iter().skip(first).take(n).sum()
                };
                let w = span(&columns, c.column, c.column_span);
                let h = span(&rows, c.row, c.row_span);
                let room = (w - 2.0 * CELL_PADDING).max(1.0);
                let lines = metrics::wrapped_lines(&c.text, size, room, room);
                lines as f32 * size * CELL_PITCH <= h + 0.01
            })
        };
        while half_points > floor && !fits(half_points / 2.0) {
            half_points -= 1.0;
        }
        TableGrid {
            columns,
            rows,
            size: half_points.max(floor) / 2.0,
        }
    }

    /// The table's width, points.
    pub fn width(&self) -> f32 {
        self.columns.iter().sum()
    }

    /// The table's height, points.
    pub fn height(&self) -> f32 {
        self.rows.iter().sum()
    }
}

/// A table's `n + 1` track boundaries along one axis, points: each the
/// mean of the cells' edges on it (a cell's first track, span, and near and
/// far edges from `edges`); the outer ones default to the table's edges
/// `ends`, and one no cell marks lies evenly between its neighbours.
fn boundaries(
    table: &Table,
    n: usize,
    ends: (f32, f32),
    edges: impl Fn(&tables::Cell) -> (usize, usize, f32, f32),
) -> Vec<f32> {
    let mut sums = vec![(0.0f32, 0u32); n + 1];
    for c in &table.cells {
        let (first, span, near, far) = edges(c);
        if span == 0 || first + span > n {
            continue;
        }
        sums[first].0 += near;
        sums[first].1 += 1;
        sums[first + span].0 += far;
        sums[first + span].1 += 1;
    }
    let mut b: Vec<Option<f32>> = sums
        .iter()
        .map(|&(s, k)| (k > 0).then(|| s / k as f32))
        .collect();
    b[0] = b[0].or(Some(ends.0));
    b[n] = b[n].or(Some(ends.1));
    let known: Vec<(usize, f32)> = b
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let mut out = vec![ends.0; n + 1];
    for w in known.windows(2) {
        let ((i, a), (j, z)) = (w[0], w[1]);
        for (k, slot) in out.iter_mut().enumerate().take(j + 1).skip(i) {
            *slot = a + (z - a) * (k - i) as f32 / (j - i) as f32;
        }
    }
    // Boundaries never go back.
    for k in 1..out.len() {
        out[k] = out[k].max(out[k - 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocrloom_layout::tables::{Cell, Ruling};
    use ocrloom_layout::Rect;
    use ocrloom_ocr::BBox;

    /// A table of one row whose cells are at `xs` (left, right), 20 points
    /// high, with `texts`.
    fn row(xs: &[(f32, f32)], texts: &[&str], columns: usize) -> Table {
        let cells: Vec<Cell> = xs
            .iter()
            .zip(texts)
            .enumerate()
            .map(|(i, (&(x0, x1), t))| Cell {
                row: 0,
                column: i,
                row_span: 1,
                column_span: 1,
                bbox: Rect {
                    x0,
                    y0: 100.0,
                    x1,
                    y1: 120.0,
                },
                source: BBox::default(),
                text: (*t).to_owned(),
            })
            .collect();
        Table {
            bbox: Rect {
                x0: 0.0,
                y0: 100.0,
                x1: 300.0,
                y1: 120.0,
            },
            source: BBox::default(),
            rows: 1,
            columns,
            ruling: Ruling::None,
            cells,
        }
    }

    #[test]
    fn a_grid_takes_its_tracks_from_the_cells() {
        // Two cells meeting at 100 (one edge at 98, the other at 102).
        let t = row(&[(0.0, 98.0), (102.0, 300.0)], &["a", "b"], 2);
        let g = TableGrid::new(&t, 500.0, 500.0, 10.0);
        assert_eq!(g.columns, vec![100.0, 200.0]);
        assert_eq!(g.rows, vec![20.0]);
        assert_eq!(g.size, 10.0);
        // A boundary no cell marks lies halfway; the table's edge closes
        // the last track.
        let t = row(&[(0.0, 100.0)], &["a"], 3);
        let g = TableGrid::new(&t, 500.0, 500.0, 10.0);
        assert_eq!(g.columns, vec![100.0, 100.0, 100.0]);
    }

    #[test]
    fn a_grid_fits_its_room_and_its_text() {
        let t = row(&[(0.0, 100.0), (100.0, 300.0)], &["a", "b"], 2);
        let g = TableGrid::new(&t, 150.0, 10.0, 10.0);
        assert_eq!(g.columns, vec![50.0, 100.0]);
        assert_eq!(g.rows, vec![10.0]);
        // One line of 1.2 times its size fits 10 points.
        assert!(g.size * CELL_PITCH <= 10.0, "{}", g.size);
        // Text that would wrap to three lines in its cell is set smaller.
        let long = "aaaa aaaa aaaa";
        let t = row(&[(0.0, 30.0), (30.0, 300.0)], &[long, "b"], 2);
        let g = TableGrid::new(&t, 500.0, 500.0, 10.0);
        let lines = metrics::wrapped_lines(long, g.size, 30.0 - 2.0 * CELL_PADDING, 26.0);
        assert!(lines as f32 * g.size * CELL_PITCH <= 20.0, "{} pt", g.size);
        assert!(g.size < 10.0);
    }
}
