//! The page layout model: what the structured writers (DOCX, PPTX, XLSX)
//! and the text output share, computed from a page's OCR result with the
//! tables and figures recognition found on the page image
//! ([`ocrloom_ocr::PageResult::structure`]).
//!
//! A [`Page`] is in points, upright (a page the OCR turned is turned here
//! too), origin at the top-left. Its content is a list of [`Band`]s from top
//! to bottom; a band is one or more [`Column`]s read left to right; a column
//! holds [`Region`]s (text blocks and figures) from top to bottom; the
//! page's [`tables::Table`]s stand among them ([`Page::units`]). That is
//! the one reading order of every output: [`Page::text`] is what the text
//! writer writes.
//!
//! ```
//! use ocrloom_layout::{Page, PageInput};
//! use ocrloom_ocr::{BBox, Block, Line, PageResult, Paragraph, Word};
//!
//! // A 600 x 300 px page at 100 DPI (432 x 216 pt) with one word.
//! let bbox = BBox { x0: 100, y0: 100, x1: 300, y1: 130 };
//! let mut result = PageResult::empty(0, 600, 300, 100.0);
//! result.blocks.push(Block { bbox, paragraphs: vec![Paragraph { bbox, lines: vec![Line {
//!     bbox, baseline: None, font_size: 16.0,
//!     words: vec![Word { text: "Hello".into(), bbox, confidence: 96.0, noise: false }],
//! }] }] });
//! let page = Page::build(&PageInput { result: &result, size_pt: (432.0, 216.0) });
//! assert_eq!(page.text(), "Hello");
//! assert_eq!(page.margins.left, 72.0);
//! ```

mod build;
mod order;
pub mod tables;

pub use build::PageInput;
pub use tables::Unit;

use ocrloom_ocr::BBox;

/// A rectangle in points, origin at the top-left of the upright page.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
}

impl Rect {
    /// Width.
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }

    /// Height.
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
}

/// The space between the page's edges and its content, points.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Margins {
    /// Left.
    pub left: f32,
    /// Top.
    pub top: f32,
    /// Right.
    pub right: f32,
    /// Bottom.
    pub bottom: f32,
}

/// One page's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Zero-based page index in the document.
    pub index: usize,
    /// Width in points (upright).
    pub width: f32,
    /// Height in points (upright).
    pub height: f32,
    /// Margins around the content (all zero on an empty page).
    pub margins: Margins,
    /// The OCR language(s), `+`-joined Tesseract codes (empty if unknown).
    pub language: String,
    /// The font size of the page's body text, points (the size most of its
    /// characters have; 0 on a page without text).
    pub body_size: f32,
    /// The content, top to bottom.
    pub bands: Vec<Band>,
    /// The tables ([`ocrloom_ocr::tables::detect`]), top to bottom; their
    /// words are not in `bands`.
    pub tables: Vec<tables::Table>,
}

/// A horizontal slice of the page with one or more columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Where the band is.
    pub bbox: Rect,
    /// Its columns, left to right.
    pub columns: Vec<Column>,
}

/// One column of a band.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Where the column is.
    pub bbox: Rect,
    /// Its regions in reading order.
    pub regions: Vec<Region>,
}

/// A text block or a figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    /// Text.
    Text(TextBlock),
    /// A non-text region (photo, drawing, logo, stamp), kept as an image.
    Figure(Figure),
}

impl Region {
    /// Where it is.
    pub fn bbox(&self) -> Rect {
        match self {
            Region::Text(t) => t.bbox,
            Region::Figure(f) => f.bbox,
        }
    }
}

/// One piece of a column's flow ([`Column::flow`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Piece<'a> {
    /// A paragraph of one of its text blocks.
    Paragraph(&'a Paragraph),
    /// One of its figures.
    Figure(&'a Figure),
    /// A table standing in it.
    Table(&'a tables::Table),
}

impl Column {
    /// Its paragraphs and figures in reading order with `tables` (the
    /// tables standing in it, top to bottom: [`Unit::Band`]) set among
    /// them by [`tables::among`]: each table before the first paragraph or
    /// figure whose top is at or below the table's top, the tables left
    /// after the last.
    pub fn flow<'a>(
        &'a self,
        tables: impl IntoIterator<Item = &'a tables::Table>,
    ) -> impl Iterator<Item = Piece<'a>> {
        let items = self.regions.iter().flat_map(|r| {
            let (paragraphs, figure) = match r {
                Region::Text(t) => (t.paragraphs.as_slice(), None),
                Region::Figure(f) => (&[][..], Some(f)),
            };
            let paragraphs = paragraphs.iter().map(Piece::Paragraph);
            paragraphs.chain(figure.map(Piece::Figure))
        });
        let top = |piece: &Piece| match piece {
            Piece::Paragraph(p) => p.bbox.y0,
            Piece::Figure(f) => f.bbox.y0,
            Piece::Table(t) => t.bbox.y0,
        };
        tables::among(items, top, tables).map(|a| match a {
            tables::Among::Item(piece) => piece,
            tables::Among::Table(t) => Piece::Table(t),
        })
    }
}

/// A block of text (one of the engine's blocks).
#[derive(Debug, Clone, PartialEq)]
pub struct TextBlock {
    /// Where it is.
    pub bbox: Rect,
    /// Its paragraphs in reading order.
    pub paragraphs: Vec<Paragraph>,
}

/// A figure: a region of the page kept as a picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    /// Where it is on the upright page.
    pub bbox: Rect,
    /// Where it is in the OCR result's pixels (the input image's frame),
    /// to crop it from the page image.
    pub source: BBox,
}

/// What a paragraph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Running text.
    Body,
    /// A heading: level 1 (biggest) or 2.
    Heading(u8),
    /// A list item (starts with a bullet or a number; the marker stays in
    /// its text).
    ListItem,
}

/// How a paragraph's lines are aligned in their column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alignment {
    /// Ragged right.
    Left,
    /// Centred.
    Center,
    /// Ragged left.
    Right,
    /// Both edges straight.
    Justified,
}

/// One paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// Where it is.
    pub bbox: Rect,
    /// Its lines, top to bottom.
    pub lines: Vec<Line>,
    /// Its font size, points (the median of its lines').
    pub font_size: f32,
    /// Heading, list item or body text.
    pub role: Role,
    /// Alignment in its column.
    pub alignment: Alignment,
    /// Left indentation from its column's left edge, points.
    pub indent: f32,
    /// The first line's indentation relative to the others, points
    /// (negative: hanging).
    pub first_line_indent: f32,
}

/// One line of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Where it is.
    pub bbox: Rect,
    /// The font size, points, from the measured text height and the page's
    /// resolution.
    pub font_size: f32,
    /// The words, separated as [`ocrloom_ocr::Line::space_before`] says.
    pub text: String,
}

impl Paragraph {
    /// The text as lines (a newline after each but the last), as the text
    /// output has it.
    pub fn text(&self) -> String {
        let lines: Vec<&str> = self.lines.iter().map(|l| l.text.as_str()).collect();
        lines.join("\n")
    }

    /// The text flowing: lines joined into one (with a space where
    /// [`ocrloom_ocr::space_between`] says, none between Chinese or
    /// Japanese lines), a word broken by a hyphen at a line's end rejoined
    /// when what follows continues it (a lowercase letter after a letter
    /// and the hyphen).
    pub fn flowing_text(&self) -> String {
        let mut text = String::new();
        let mut glue = false;
        for (i, line) in self.lines.iter().enumerate() {
            if !glue
                && !text.is_empty()
                && !line.text.is_empty()
                && ocrloom_ocr::space_between(&text, &line.text)
            {
                text.push(' ');
            }
            text.push_str(&line.text);
            glue = false;
            let next = self.lines.get(i + 1).and_then(|l| l.text.chars().next());
            if let Some(head) = text.strip_suffix('-') {
                if head.chars().next_back().is_some_and(char::is_alphabetic)
                    && next.is_some_and(char::is_lowercase)
                {
                    text.pop();
                    glue = true;
                }
            }
        }
        text
    }
}

impl Page {
    /// Every region in reading order.
    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.bands
            .iter()
            .flat_map(|b| b.columns.iter())
            .flat_map(|c| c.regions.iter())
    }

    /// Every paragraph in reading order.
    pub fn paragraphs(&self) -> impl Iterator<Item = &Paragraph> {
        self.regions()
            .filter_map(|r| match r {
                Region::Text(t) => Some(t),
                Region::Figure(_) => None,
            })
            .flat_map(|t| t.paragraphs.iter())
    }

    /// The page's bands and tables in flow order: a table whose middle is
    /// in a band's height goes into the column its middle is nearest
    /// (between that column's paragraphs), any other between the bands
    /// above and below it.
    pub fn units(&self) -> Vec<Unit<'_>> {
        let mut inside: Vec<Vec<Vec<&tables::Table>>> = self
            .bands
            .iter()
            .map(|b| vec![Vec::new(); b.columns.len().max(1)])
            .collect();
        let mut between: Vec<(usize, &tables::Table)> = Vec::new();
        for t in &self.tables {
            let (cx, cy) = ((t.bbox.x0 + t.bbox.x1) / 2.0, (t.bbox.y0 + t.bbox.y1) / 2.0);
            match self
                .bands
                .iter()
                .position(|b| cy >= b.bbox.y0 && cy <= b.bbox.y1)
            {
                Some(i) => {
                    let distance = |r: &Rect| (r.x0 - cx).max(cx - r.x1).max(0.0);
                    let column = self.bands[i]
                        .columns
                        .iter()
                        .enumerate()
                        .min_by(|a, b| distance(&a.1.bbox).total_cmp(&distance(&b.1.bbox)))
                        .map_or(0, |(ci, _)| ci);
                    inside[i][column].push(t);
                }
                None => {
                    let before = self.bands.iter().filter(|b| b.bbox.y0 < cy).count();
                    between.push((before, t));
                }
            }
        }
        let mut units = Vec::new();
        let mut between = between.into_iter().peekable();
        for (i, (band, tables)) in self.bands.iter().zip(inside).enumerate() {
            while let Some((_, t)) = between.next_if(|(before, _)| *before <= i) {
                units.push(Unit::Table(t));
            }
            units.push(Unit::Band(band, tables));
        }
        units.extend(between.map(|(_, t)| Unit::Table(t)));
        units
    }

    /// Every paragraph, figure and table in reading order: the units
    /// ([`Page::units`]), a band's columns one after the other, each
    /// column's flow ([`Column::flow`]). What the text output reads and
    /// the XLSX writes, in that order.
    pub fn flow(&self) -> Vec<Piece<'_>> {
        let mut pieces = Vec::new();
        for unit in self.units() {
            match unit {
                Unit::Table(t) => pieces.push(Piece::Table(t)),
                Unit::Band(band, tables) => {
                    for (column, tables) in band.columns.iter().zip(tables) {
                        pieces.extend(column.flow(tables));
                    }
                }
            }
        }
        pieces
    }

    /// The text in reading order ([`Page::flow`]): a paragraph's lines
    /// joined by a newline, a table's rows too ([`tables::Table::text`]),
    /// a blank line between paragraphs and tables. No trailing newline.
    pub fn text(&self) -> String {
        let parts: Vec<String> = self
            .flow()
            .into_iter()
            .filter_map(|piece| match piece {
                Piece::Paragraph(p) => Some(p.text()),
                Piece::Figure(_) => None,
                Piece::Table(t) => Some(t.text()),
            })
            .filter(|t| !t.is_empty())
            .collect();
        parts.join("\n\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tables::{Among, Table};

    fn rect(top: f32) -> Rect {
        Rect {
            x0: 0.0,
            y0: top,
            x1: 100.0,
            y1: top + 10.0,
        }
    }

    fn paragraph(top: f32) -> Paragraph {
        Paragraph {
            bbox: rect(top),
            lines: Vec::new(),
            font_size: 10.0,
            role: Role::Body,
            alignment: Alignment::Left,
            indent: 0.0,
            first_line_indent: 0.0,
        }
    }

    /// A text block of paragraphs with these tops.
    fn text(tops: &[f32]) -> Region {
        let paragraphs: Vec<Paragraph> = tops.iter().map(|&t| paragraph(t)).collect();
        let bbox = paragraphs
            .iter()
            .map(|p| p.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap_or_default();
        Region::Text(TextBlock { bbox, paragraphs })
    }

    fn figure(top: f32) -> Region {
        Region::Figure(Figure {
            bbox: rect(top),
            source: BBox::default(),
        })
    }

    fn table(top: f32) -> Table {
        Table {
            bbox: rect(top),
            source: BBox::default(),
            rows: 1,
            columns: 1,
            ruling: tables::Ruling::Full,
            cells: Vec::new(),
        }
    }

    /// The column's flow with these tables, each piece as its kind and
    /// top: `p100` a paragraph, `f200` a figure, `t150` a table.
    fn flow(regions: Vec<Region>, tables: &[Table]) -> Vec<String> {
        let column = Column {
            bbox: Rect::default(),
            regions,
        };
        column
            .flow(tables)
            .map(|piece| match piece {
                Piece::Paragraph(p) => format!("p{}", p.bbox.y0),
                Piece::Figure(f) => format!("f{}", f.bbox.y0),
                Piece::Table(t) => format!("t{}", t.bbox.y0),
            })
            .collect()
    }

    #[test]
    fn a_table_above_the_first_paragraph_comes_first() {
        let tables = [table(20.0), table(50.0)];
        assert_eq!(
            flow(vec![text(&[100.0, 200.0])], &tables),
            ["t20", "t50", "p100", "p200"]
        );
    }

    #[test]
    fn a_table_between_two_paragraphs_stands_between_them() {
        // In one block and between two blocks.
        assert_eq!(
            flow(vec![text(&[100.0, 200.0])], &[table(150.0)]),
            ["p100", "t150", "p200"]
        );
        assert_eq!(
            flow(vec![text(&[100.0]), text(&[200.0])], &[table(150.0)]),
            ["p100", "t150", "p200"]
        );
        // A table with its top where a paragraph's is goes before it.
        assert_eq!(
            flow(vec![text(&[100.0, 200.0])], &[table(200.0)]),
            ["p100", "t200", "p200"]
        );
    }

    #[test]
    fn tables_below_everything_come_last_in_their_order() {
        let tables = [table(300.0), table(400.0)];
        assert_eq!(
            flow(vec![text(&[100.0, 200.0])], &tables),
            ["p100", "p200", "t300", "t400"]
        );
        assert_eq!(flow(Vec::new(), &tables), ["t300", "t400"]);
    }

    #[test]
    fn a_table_beside_a_figure_is_set_by_the_figures_top() {
        let regions = vec![text(&[100.0]), figure(200.0), text(&[400.0])];
        // Beside it (its top at the figure's) before it, lower after it.
        assert_eq!(
            flow(regions.clone(), &[table(200.0)]),
            ["p100", "t200", "f200", "p400"]
        );
        assert_eq!(
            flow(regions, &[table(250.0)]),
            ["p100", "f200", "t250", "p400"]
        );
    }

    #[test]
    fn among_text_blocks_a_table_waits_for_the_next_block() {
        // The granularity is the items': a block's paragraphs stay together.
        let regions = [text(&[100.0, 300.0]), text(&[400.0])];
        let tables = [table(200.0)];
        let pieces: Vec<String> = tables::among(&regions, |r| r.bbox().y0, &tables)
            .map(|a| match a {
                Among::Item(r) => format!("b{}", r.bbox().y0),
                Among::Table(t) => format!("t{}", t.bbox.y0),
            })
            .collect();
        assert_eq!(pieces, ["b100", "t200", "b400"]);
    }

    #[test]
    fn a_page_flows_column_by_column_with_a_columns_table_in_it() {
        // Two columns; the right one has a table above its paragraph and
        // above the left column's second paragraph: it is read after the
        // whole left column.
        let at = |x0: f32, region: Region| match region {
            Region::Text(mut t) => {
                for p in &mut t.paragraphs {
                    p.bbox.x0 = x0;
                    p.bbox.x1 = x0 + 100.0;
                }
                t.bbox.x0 = x0;
                t.bbox.x1 = x0 + 100.0;
                Region::Text(t)
            }
            figure => figure,
        };
        let left = at(0.0, text(&[100.0, 200.0]));
        let right = at(200.0, text(&[150.0]));
        let column = |r: Region| Column {
            bbox: r.bbox(),
            regions: vec![r],
        };
        let mut t = table(120.0);
        t.bbox.x0 = 200.0;
        t.bbox.x1 = 300.0;
        let page = Page {
            index: 0,
            width: 400.0,
            height: 400.0,
            margins: Margins::default(),
            language: String::new(),
            body_size: 10.0,
            bands: vec![Band {
                bbox: Rect {
                    x0: 0.0,
                    y0: 100.0,
                    x1: 300.0,
                    y1: 210.0,
                },
                columns: vec![column(left), column(right)],
            }],
            tables: vec![t],
        };
        let order: Vec<String> = page
            .flow()
            .into_iter()
            .map(|piece| match piece {
                Piece::Paragraph(p) => format!("p{}@{}", p.bbox.y0, p.bbox.x0),
                Piece::Figure(f) => format!("f{}", f.bbox.y0),
                Piece::Table(t) => format!("t{}", t.bbox.y0),
            })
            .collect();
        assert_eq!(order, ["p100@0", "p200@0", "t120", "p150@200"]);
    }
}
