//! A page's tables on the page: the tables recognition found
//! ([`ocrloom_ocr::tables`], in the result's pixels) with their boxes in
//! points on the upright page.

use crate::Rect;
pub use ocrloom_ocr::tables::Ruling;
use ocrloom_ocr::BBox;

/// One cell of a table; a merged cell spans several rows or columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Its first row, from 0.
    pub row: usize,
    /// Its first column, from 0.
    pub column: usize,
    /// How many rows it spans (1 or more).
    pub row_span: usize,
    /// How many columns it spans (1 or more).
    pub column_span: usize,
    /// Where it is on the upright page, points.
    pub bbox: Rect,
    /// Where it is in the OCR result's pixels.
    pub source: BBox,
    /// Its words, lines joined with a space.
    pub text: String,
}

/// A table on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Where it is on the upright page, points.
    pub bbox: Rect,
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
}

impl Table {
    /// `found` placed on the page: `to_pt` maps a box in the result's
    /// pixels to points.
    pub(crate) fn place(found: &ocrloom_ocr::tables::Table, to_pt: impl Fn(BBox) -> Rect) -> Table {
        Table {
            bbox: to_pt(found.source),
            source: found.source,
            rows: found.rows,
            columns: found.columns,
            ruling: found.ruling,
            cells: found
                .cells
                .iter()
                .map(|c| Cell {
                    row: c.row,
                    column: c.column,
                    row_span: c.row_span,
                    column_span: c.column_span,
                    bbox: to_pt(c.source),
                    source: c.source,
                    text: c.text.clone(),
                })
                .collect(),
        }
    }

    /// Its text: the rows top to bottom, each its cells' text left to
    /// right, a tab between (empty cells left out), as the text output has
    /// it.
    pub fn text(&self) -> String {
        let mut rows: Vec<Vec<&str>> = vec![Vec::new(); self.rows];
        for c in &self.cells {
            if let Some(row) = rows.get_mut(c.row) {
                if !c.text.is_empty() {
                    row.push(&c.text);
                }
            }
        }
        let rows: Vec<String> = rows
            .into_iter()
            .filter(|r| !r.is_empty())
            .map(|r| r.join("\t"))
            .collect();
        rows.join("\n")
    }
}

/// A piece of a page's flow, top to bottom ([`crate::Page::units`]).
#[derive(Debug, Clone)]
pub enum Unit<'a> {
    /// A band and, for each of its columns, the tables in it (each set in
    /// that column before the first paragraph or figure whose top is at or
    /// below the table's top, after the last otherwise:
    /// [`crate::Column::flow`]).
    Band(&'a crate::Band, Vec<Vec<&'a Table>>),
    /// A table between bands (set as one column).
    Table(&'a Table),
}

/// An item of a flow or a table set among the items ([`among`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Among<'a, T> {
    /// One of the items.
    Item(T),
    /// A table.
    Table(&'a Table),
}

/// `items` (in reading order; `top` says where each one's top is) with
/// `tables` (top to bottom) set among them: each table before the first
/// item whose top is at or below the table's top, the tables left after
/// the last item. The rule every output sets its tables by, among a
/// column's paragraphs and figures ([`crate::Column::flow`]) or among
/// other items (a page's text blocks, say).
pub fn among<'a, T>(
    items: impl IntoIterator<Item = T>,
    top: impl Fn(&T) -> f32,
    tables: impl IntoIterator<Item = &'a Table>,
) -> impl Iterator<Item = Among<'a, T>> {
    let mut items = items.into_iter().peekable();
    let mut tables = tables.into_iter().peekable();
    std::iter::from_fn(move || match items.peek() {
        Some(item) => {
            let top = top(item);
            match tables.next_if(|t| t.bbox.y0 <= top) {
                Some(t) => Some(Among::Table(t)),
                None => items.next().map(Among::Item),
            }
        }
        None => tables.next().map(Among::Table),
    })
}
