//! DOCX: a flowing, editable Word document from the layout model, its
//! parts written as typed XML events (`quick-xml`) into a zip package
//! (`zip`) with fixed entry times, so the same input gives the same bytes
//! (docs/decisions.md says why not `docx-rs`).
//!
//! Each page starts a new section with its size, orientation and margins;
//! a band of several columns is a section of its own (continuous, Word's
//! columns at the widths they have on the scan, a column break between
//! them). Paragraphs carry their font
//! size, alignment, indentation, line pitch and the space above them;
//! headings use the styles "heading 1" and "heading 2"; figures are
//! pictures where they stand in the flow. Tables found during recognition
//! (`PageResult::structure`, placed by the layout model) are Word tables where they stand among the paragraphs (in the column
//! they are in), their columns and rows as wide and high as on the scan,
//! their merged cells merged (`w:gridSpan`, `w:vMerge`), a ruled table's
//! lines drawn as borders (top and bottom rules for a table with
//! horizontal rules only), numbers aligned right. The document language
//! (`w:lang`) comes from the OCR language.

use crate::metrics;
use crate::numbers;
use crate::ooxml::{
    blip_fill, empty, emu, end, frame, language_tags, part, start, text, Package, Rel, Xml, NS_A,
    NS_R, REL_DOC, REL_IMAGE,
};
use crate::structured::{crop_png, lay_out, TableGrid, CELL_PADDING, CELL_PITCH};
use crate::WriteError;
use ocrloom_layout::tables::{Ruling, Table};
use ocrloom_layout::{Alignment, Band, Figure, Page, Paragraph, Piece, Rect, Region, Role, Unit};
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, PageText};
use std::io::{self, Write};

/// Twentieths of a point per point.
const TWIPS: f32 = 20.0;
/// The smallest space between columns, points.
const MIN_GUTTER: f32 = 6.0;
/// The bottom margin, points: text set in the document's
/// font may wrap into a line more than on the scan, and a full page must
/// not spill onto a second one (the flow starts at the top margin, so the
/// bottom one moves nothing).
const BOTTOM_MARGIN: f32 = 0.0;
/// The line pitch of a paragraph of one line, times its font size.
const SINGLE_PITCH: f32 = 1.2;
/// What a line holding a picture adds below it (the descent of the
/// paragraph's default font), points.
const PICTURE_DESCENT: f32 = 3.0;
/// A paragraph whose text would take more lines than on the scan is set
/// down to this share of its size.
const MIN_FIT: f32 = 0.8;
/// The line pitch a paragraph at the page's foot may be squeezed to, times
/// its font size (the glyphs of a line may then reach into the one above;
/// such a line is mostly a speck the engine read at the page's edge).
const MIN_PITCH: f32 = 0.5;
/// What the flow keeps free at the page's foot, points.
const PAGE_FOOT: f32 = 1.0;
/// Margins of a page that was not recognized (its text layer kept), as a
/// share of its shorter side.
const PLAIN_MARGIN: f32 = 0.05;
/// The height of the empty paragraphs around a table (one before it holds
/// the space above it, one after it keeps it apart from the next),
/// points, at least.
const SPACER: f32 = 1.0;
/// A table's ruling lines, eighths of a point.
const RULE_WIDTH: &str = "4";

const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const NS_WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const NS_PIC: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
const REL_STYLES: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles";
const TYPE_DOCUMENT: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
const TYPE_STYLES: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml";

/// What goes into a section's flow.
enum Item<'a> {
    /// A paragraph of the layout, at the size and line pitch it is set in,
    /// points.
    Para {
        /// The paragraph.
        paragraph: &'a Paragraph,
        /// Its font size.
        size: f32,
        /// Its line pitch.
        pitch: f32,
    },
    /// A figure, by its number among the document's pictures, at its
    /// width and height in points and its indentation in its column.
    Picture {
        /// 1-based picture number (its media file and relationship).
        number: usize,
        /// Displayed size, points.
        size: (f32, f32),
        /// Left indentation, points.
        indent: f32,
    },
    /// A table, set in its grid, with the space above it (an empty
    /// paragraph, [`SPACER`] high at least) and an empty paragraph after it.
    Table {
        /// The table.
        table: &'a Table,
        /// Its columns, rows and font size.
        grid: TableGrid,
        /// Left indentation, points.
        indent: f32,
        /// Numbers written with a decimal comma (the page's language).
        comma: bool,
    },
    /// A paragraph of a page that was not recognized (its own text).
    Plain(String),
    /// An empty paragraph (a page with nothing on it).
    Empty,
    /// An empty paragraph this many points high: the space above a band
    /// of columns, at the end of the section before it.
    Space(f32),
}

/// One item with the space above it and whether it starts a new column.
struct Placed<'a> {
    item: Item<'a>,
    space_before: f32,
    column_break: bool,
}

/// A section: its page, columns and content.
struct Section<'a> {
    width: f32,
    height: f32,
    margins: [f32; 4],
    /// Each column's width and the space after it, points, when there are
    /// several (none: one column).
    columns: Vec<(f32, f32)>,
    /// Starts a new page (else continues the page).
    new_page: bool,
    items: Vec<Placed<'a>>,
}

/// Writes every page.
pub(crate) fn write(
    doc: &Document,
    pages: &[Option<&PageResult>],
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let mut layouts = Vec::with_capacity(pages.len());
    let mut media: Vec<Vec<u8>> = Vec::new();
    // Pages first (their figures cropped to PNG), then the sections that
    // borrow from them.
    let mut plain: Vec<Option<Vec<String>>> = Vec::with_capacity(pages.len());
    let mut figure_numbers: Vec<Vec<usize>> = Vec::with_capacity(pages.len());
    for (index, (result, laid)) in pages.iter().zip(lay_out(doc, pages, false)).enumerate() {
        let info = &doc.pages()[index];
        let laid = laid?;
        match result {
            Some(r) => {
                let mut numbers = Vec::new();
                if let Some(image) = &laid.image {
                    for f in page_figures(&laid.layout) {
                        let (png, _, _) = crop_png(image, (r.width, r.height), r.orientation, f)?;
                        media.push(png);
                        numbers.push(media.len());
                    }
                }
                figure_numbers.push(numbers);
                layouts.push(Some(laid.layout));
                plain.push(None);
            }
            None => {
                let text = if info.text == PageText::None {
                    String::new()
                } else {
                    doc.page_text(index)?.replace("\r\n", "\n")
                };
                // Paragraphs (blank-line separated), their lines flowing.
                plain.push(Some(
                    text.split("\n\n")
                        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                        .filter(|p| !p.is_empty())
                        .collect(),
                ));
                figure_numbers.push(Vec::new());
                layouts.push(None);
            }
        }
    }
    let mut sections = Vec::new();
    for (index, layout) in layouts.iter().enumerate() {
        match layout {
            Some(page) => sections.extend(page_sections(page, &figure_numbers[index])),
            None => {
                let (w, h) = crate::page_size_pt(&doc.pages()[index]);
                let lines = plain[index].as_deref().unwrap_or_default();
                let mut items: Vec<Placed<'_>> = lines
                    .iter()
                    .map(|l| Placed {
                        item: Item::Plain(l.clone()),
                        space_before: 0.0,
                        column_break: false,
                    })
                    .collect();
                if items.is_empty() {
                    items.push(Placed {
                        item: Item::Empty,
                        space_before: 0.0,
                        column_break: false,
                    });
                }
                let margin = PLAIN_MARGIN * w.min(h) as f32;
                sections.push(Section {
                    width: w as f32,
                    height: h as f32,
                    margins: [margin, margin, BOTTOM_MARGIN, margin],
                    columns: Vec::new(),
                    new_page: true,
                    items,
                });
            }
        }
    }
    let language = pages
        .iter()
        .flatten()
        .map(|r| r.language.as_str())
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let document = document_xml(&sections)?;
    let styles = styles_xml(language)?;
    package(document, styles, media, out)
}

/// The page's figures in reading order.
fn page_figures(page: &Page) -> impl Iterator<Item = &Figure> {
    page.regions().filter_map(|r| match r {
        Region::Figure(f) => Some(f),
        Region::Text(_) => None,
    })
}

/// The sections of one page: consecutive one-column bands (and tables
/// between bands) share one, a band of several columns has its own.
fn page_sections<'a>(page: &'a Page, figure_numbers: &[usize]) -> Vec<Section<'a>> {
    let m = &page.margins;
    let margins = [m.top, m.right, BOTTOM_MARGIN, m.left];
    let mut sections: Vec<Section<'a>> = Vec::new();
    let mut figures = figure_numbers.iter().copied();
    // The bottom of what was placed last, for the space above the next.
    let mut bottom = m.top;
    let mut last_columns = 0;
    let text_width = page.width - m.left - m.right;
    let comma = numbers::decimal_comma(&page.language);
    for unit in page.units() {
        let (columns, widths) = match &unit {
            Unit::Band(band, _) => (band.columns.len().max(1), column_widths(band, text_width)),
            Unit::Table(_) => (1, Vec::new()),
        };
        // A band of columns starts where its highest column does. Word
        // and LibreOffice differ on where a column after a column break
        // begins when the first column's paragraph has space above it
        // (LibreOffice moves every column down by it), so the space above
        // the band ends the section before it instead, and the first
        // column starts with none.
        let band_start = match &unit {
            Unit::Band(band, _) if columns > 1 => band
                .columns
                .iter()
                .map(|c| c.bbox.y0)
                .fold(f32::INFINITY, f32::min)
                .max(bottom),
            _ => bottom,
        };
        if band_start > bottom {
            if last_columns > 1 || sections.is_empty() {
                sections.push(Section {
                    width: page.width,
                    height: page.height,
                    margins,
                    columns: Vec::new(),
                    new_page: sections.is_empty(),
                    items: Vec::new(),
                });
            }
            if let Some(s) = sections.last_mut() {
                s.items.push(Placed {
                    item: Item::Space(band_start - bottom),
                    space_before: 0.0,
                    column_break: false,
                });
            }
            bottom = band_start;
        }
        if sections.is_empty() || columns > 1 || last_columns > 1 {
            sections.push(Section {
                width: page.width,
                height: page.height,
                margins,
                columns: widths,
                new_page: sections.is_empty(),
                items: Vec::new(),
            });
        }
        last_columns = columns;
        let Some(section) = sections.last_mut() else {
            continue;
        };
        let band_top = bottom;
        let mut band_bottom = bottom;
        let whole = Rect {
            x0: m.left,
            x1: page.width - m.right,
            ..Rect::default()
        };
        let flows: Vec<(Rect, Vec<Piece<'_>>)> = match &unit {
            Unit::Band(band, tables) => band
                .columns
                .iter()
                .zip(tables)
                .map(|(c, t)| (c.bbox, c.flow(t.iter().copied()).collect()))
                .collect(),
            Unit::Table(t) => vec![(whole, vec![Piece::Table(t)])],
        };
        for (ci, (column, pieces)) in flows.into_iter().enumerate() {
            // Where the flow is in this column: the bottom of what Word
            // set last (lines at their pitch, pictures at their height).
            let mut above = band_top;
            let mut first_in_column = ci > 0;
            let width = section.columns.get(ci).map_or(text_width, |c| c.0);
            // The column's left edge where Word sets it.
            let left = if section.columns.is_empty() {
                m.left
            } else {
                column.x0
            };
            // The first column of a band of several starts at the band's
            // top (see `band_start`).
            let mut at_band_top = ci == 0 && columns > 1;
            let mut place = |(item, top, height): (Item<'a>, f32, f32), above: &mut f32| {
                let top = if std::mem::take(&mut at_band_top) {
                    *above
                } else {
                    top
                };
                section.items.push(Placed {
                    item,
                    space_before: top - *above,
                    column_break: std::mem::take(&mut first_in_column),
                });
                *above = top + height;
            };
            for piece in pieces {
                match piece {
                    Piece::Paragraph(p) => place(set(p, width, above, page.height), &mut above),
                    Piece::Figure(f) => {
                        let Some(number) = figures.next() else {
                            continue;
                        };
                        place(picture(number, f, column, page, above), &mut above);
                    }
                    Piece::Table(t) => place(table(t, left, width, above, page, comma), &mut above),
                }
            }
            band_bottom = band_bottom.max(above);
        }
        bottom = band_bottom;
    }
    if sections.is_empty() {
        sections.push(Section {
            width: page.width,
            height: page.height,
            margins,
            columns: Vec::new(),
            new_page: true,
            items: Vec::new(),
        });
    }
    for s in &mut sections {
        if s.items.is_empty() {
            s.items.push(Placed {
                item: Item::Empty,
                space_before: 0.0,
                column_break: false,
            });
        }
    }
    sections
}

/// A paragraph as it is set in a column `width` points wide, below the
/// flow's bottom `above`: its item, its top and its height. It keeps its
/// place on the scan and its line pitch, and takes the lines it has there:
/// where the text would wrap into more lines in the document's font (its
/// widths in [`metrics`]), its size goes down in half points, to
/// [`MIN_FIT`] of it at most; the flow below it follows the lines it takes
/// in the document (more than on the scan where even that does not fit).
/// Nothing runs below the page (of `page_height`): the space above gives
/// way first, then the pitch, to [`MIN_PITCH`] of the size.
fn set(p: &Paragraph, width: f32, above: f32, page_height: f32) -> (Item<'_>, f32, f32) {
    let lines = p.lines.len().max(1);
    let text = p.flowing_text();
    let (left, first) = if matches!(p.alignment, Alignment::Left | Alignment::Justified) {
        (p.indent, p.first_line_indent)
    } else {
        (0.0, 0.0)
    };
    let rest = (width - left).max(1.0);
    let first = (rest - first).max(1.0);
    let mut half_points = (p.font_size * 2.0).round().max(2.0);
    let floor = (p.font_size * 2.0 * MIN_FIT).round().max(2.0);
    while half_points > floor
        && metrics::wrapped_lines(&text, half_points / 2.0, first, rest) > lines
    {
        half_points -= 1.0;
    }
    let size = half_points / 2.0;
    // The lines it takes in the document, which the flow below follows.
    let n = metrics::wrapped_lines(&text, size, first, rest).max(lines) as f32;
    let mut pitch = line_pitch(p);
    let limit = page_height - PAGE_FOOT;
    let mut top = above.max(p.bbox.y0);
    if top + pitch * n > limit {
        top = above.max(limit - pitch * n);
        let least = size * MIN_PITCH;
        pitch = ((limit - top) / n).clamp(least.min(pitch), pitch);
    }
    let item = Item::Para {
        paragraph: p,
        size,
        pitch,
    };
    (item, top, pitch * n)
}

/// A band's columns as Word's: each column's width and the space after
/// it, in the proportions they have on the scan, filling `text_width` (a
/// column narrower than its text on the scan would wrap it into more
/// lines); none for a band of one column.
fn column_widths(band: &Band, text_width: f32) -> Vec<(f32, f32)> {
    let n = band.columns.len();
    if n < 2 {
        return Vec::new();
    }
    let gaps: Vec<f32> = band
        .columns
        .windows(2)
        .map(|w| (w[1].bbox.x0 - w[0].bbox.x1).max(MIN_GUTTER))
        .chain(std::iter::once(0.0))
        .collect();
    let widths: Vec<f32> = band
        .columns
        .iter()
        .map(|c| c.bbox.width().max(1.0))
        .collect();
    let room = (text_width - gaps.iter().sum::<f32>()).max(n as f32);
    let scale = room / widths.iter().sum::<f32>();
    widths
        .iter()
        .zip(gaps)
        .map(|(w, gap)| (w * scale, gap))
        .collect()
}

/// A table in a column `width` points wide whose left edge is at `left`,
/// below the flow's bottom `above`: its item, its top and its height in
/// the flow (the empty paragraph after it included). It keeps its place
/// on the scan, as wide as there and indented as there, both within the
/// column; nothing runs below the page: the space above gives way first,
/// then its rows.
fn table<'a>(
    t: &'a Table,
    left: f32,
    width: f32,
    above: f32,
    page: &Page,
    comma: bool,
) -> (Item<'a>, f32, f32) {
    let limit = page.height - PAGE_FOOT;
    let room = (limit - above - 2.0 * SPACER).max(1.0);
    let grid = TableGrid::new(t, width.max(1.0), room, page.body_size);
    let height = grid.height() + SPACER;
    let top = (above + SPACER).max(t.bbox.y0.min(limit - height));
    let indent = (t.bbox.x0 - left).clamp(0.0, (width - grid.width()).max(0.0));
    let item = Item::Table {
        table: t,
        grid,
        indent,
        comma,
    };
    (item, top, height)
}

/// A figure as a picture below the flow's bottom `above`, no wider than
/// its column and no taller than the room left on the page, indented as it
/// stands in its column: its item, its top and its height in the flow.
fn picture<'a>(
    number: usize,
    f: &Figure,
    column: Rect,
    page: &Page,
    above: f32,
) -> (Item<'a>, f32, f32) {
    let limit = page.height - PAGE_FOOT;
    let max_w = column.width().max(1.0);
    let max_h = (limit - above - PICTURE_DESCENT).max(1.0);
    let (w, h) = (f.bbox.width().max(1.0), f.bbox.height().max(1.0));
    let scale = (max_w / w).min(max_h / h).min(1.0);
    let (w, h) = (w * scale, h * scale);
    let height = h + PICTURE_DESCENT;
    let top = above.max(f.bbox.y0.min(limit - height));
    let indent = (f.bbox.x0 - column.x0).clamp(0.0, (max_w - w).max(0.0));
    let item = Item::Picture {
        number,
        size: (w, h),
        indent,
    };
    (item, top, height)
}

fn twips(v: f32) -> String {
    ((v * TWIPS).round() as i64).to_string()
}

/// `word/document.xml`.
fn document_xml(sections: &[Section<'_>]) -> io::Result<Vec<u8>> {
    let mut x = part()?;
    start(
        &mut x,
        "w:document",
        &[
            ("xmlns:w", NS_W),
            ("xmlns:r", NS_R),
            ("xmlns:wp", NS_WP),
            ("xmlns:a", NS_A),
            ("xmlns:pic", NS_PIC),
        ],
    )?;
    start(&mut x, "w:body", &[])?;
    for (i, s) in sections.iter().enumerate() {
        let last = i + 1 == sections.len();
        let n = s.items.len();
        for (j, placed) in s.items.iter().enumerate() {
            // The last paragraph of a section carries its properties; the
            // document's last section's follow the body.
            let ends = (j + 1 == n && !last).then_some(s);
            item(&mut x, placed, ends)?;
        }
        if last {
            section_properties(&mut x, s)?;
        }
    }
    end(&mut x, "w:body")?;
    end(&mut x, "w:document")?;
    Ok(x.into_inner())
}

/// One paragraph of the flow (a table with the paragraphs around it);
/// `ends` is the section it ends, if any.
fn item(x: &mut Xml, placed: &Placed<'_>, ends: Option<&Section<'_>>) -> io::Result<()> {
    if let Item::Table {
        table,
        grid,
        indent,
        comma,
    } = &placed.item
    {
        spacer(x, placed.space_before, placed.column_break, None)?;
        word_table(x, table, grid, *indent, *comma)?;
        return spacer(x, SPACER, false, ends);
    }
    if let Item::Space(height) = placed.item {
        return spacer(x, height, placed.column_break, ends);
    }
    start(x, "w:p", &[])?;
    start(x, "w:pPr", &[])?;
    match &placed.item {
        Item::Para {
            paragraph, pitch, ..
        } => paragraph_properties(x, paragraph, placed.space_before, *pitch)?,
        Item::Picture { indent, .. } => {
            spacing(x, placed.space_before, None)?;
            empty(x, "w:ind", &[("w:left", &twips(*indent))])?;
        }
        Item::Plain(_) | Item::Empty | Item::Space(_) | Item::Table { .. } => {}
    }
    if let Some(s) = ends {
        section_properties(x, s)?;
    }
    end(x, "w:pPr")?;
    if placed.column_break {
        start(x, "w:r", &[])?;
        empty(x, "w:br", &[("w:type", "column")])?;
        end(x, "w:r")?;
    }
    match &placed.item {
        Item::Para {
            paragraph, size, ..
        } => run(x, &paragraph.flowing_text(), Some(*size))?,
        Item::Plain(text) => run(x, text, None)?,
        Item::Picture { number, size, .. } => drawing(x, *number, *size)?,
        Item::Empty | Item::Space(_) | Item::Table { .. } => {}
    }
    end(x, "w:p")
}

/// An empty paragraph `height` points high (the space above a table, or
/// what keeps it apart from what follows), with a column break before it
/// when `column_break`; `ends` is the section it ends, if any.
fn spacer(
    x: &mut Xml,
    height: f32,
    column_break: bool,
    ends: Option<&Section<'_>>,
) -> io::Result<()> {
    start(x, "w:p", &[])?;
    start(x, "w:pPr", &[])?;
    let line = twips(height.max(SPACER));
    empty(
        x,
        "w:spacing",
        &[
            ("w:before", "0"),
            ("w:after", "0"),
            ("w:line", &line),
            ("w:lineRule", "exact"),
        ],
    )?;
    if let Some(s) = ends {
        section_properties(x, s)?;
    }
    end(x, "w:pPr")?;
    if column_break {
        start(x, "w:r", &[])?;
        empty(x, "w:br", &[("w:type", "column")])?;
        end(x, "w:r")?;
    }
    end(x, "w:p")
}

/// `<name w:w="..." w:type="dxa"/>`: a length of `v` points.
fn measure(x: &mut Xml, name: &str, v: f32) -> io::Result<()> {
    empty(x, name, &[("w:w", &twips(v)), ("w:type", "dxa")])
}

/// A Word table: fixed column widths, rows at least as high as on the
/// scan (never split across pages), merged cells, borders as ruled.
fn word_table(
    x: &mut Xml,
    t: &Table,
    grid: &TableGrid,
    indent: f32,
    comma: bool,
) -> io::Result<()> {
    start(x, "w:tbl", &[])?;
    start(x, "w:tblPr", &[])?;
    measure(x, "w:tblW", grid.width())?;
    measure(x, "w:tblInd", indent)?;
    let ruled: &[&str] = match t.ruling {
        Ruling::Full => &[
            "w:top",
            "w:left",
            "w:bottom",
            "w:right",
            "w:insideH",
            "w:insideV",
        ],
        Ruling::Horizontal => &["w:top", "w:bottom"],
        Ruling::None => &[],
    };
    if !ruled.is_empty() {
        start(x, "w:tblBorders", &[])?;
        for side in ruled {
            let line = [
                ("w:val", "single"),
                ("w:sz", RULE_WIDTH),
                ("w:space", "0"),
                ("w:color", "auto"),
            ];
            empty(x, side, &line)?;
        }
        end(x, "w:tblBorders")?;
    }
    empty(x, "w:tblLayout", &[("w:type", "fixed")])?;
    start(x, "w:tblCellMar", &[])?;
    for (side, v) in [
        ("w:top", 0.0),
        ("w:left", CELL_PADDING),
        ("w:bottom", 0.0),
        ("w:right", CELL_PADDING),
    ] {
        measure(x, side, v)?;
    }
    end(x, "w:tblCellMar")?;
    end(x, "w:tblPr")?;
    start(x, "w:tblGrid", &[])?;
    for w in &grid.columns {
        empty(x, "w:gridCol", &[("w:w", &twips(*w))])?;
    }
    end(x, "w:tblGrid")?;
    // Which cell covers each place of the grid.
    let mut cover = vec![vec![None; t.columns]; t.rows];
    for (k, c) in t.cells.iter().enumerate() {
        for row in cover.iter_mut().skip(c.row).take(c.row_span) {
            for slot in row.iter_mut().skip(c.column).take(c.column_span) {
                *slot = Some(k);
            }
        }
    }
    let half_points = ((grid.size * 2.0).round() as i64).max(2).to_string();
    let pitch = twips(grid.size * CELL_PITCH);
    for (r, row) in cover.iter().enumerate() {
        start(x, "w:tr", &[])?;
        start(x, "w:trPr", &[])?;
        empty(x, "w:cantSplit", &[])?;
        let height = twips(grid.rows.get(r).copied().unwrap_or_default());
        empty(
            x,
            "w:trHeight",
            &[("w:val", &height), ("w:hRule", "atLeast")],
        )?;
        end(x, "w:trPr")?;
        let mut col = 0;
        while col < row.len() {
            let cell = row[col].map(|k| &t.cells[k]);
            let span = cell.map_or(1, |c| c.column_span.max(1).min(row.len() - col));
            let width: f32 = grid.columns.iter().skip(col).take(span).sum();
            start(x, "w:tc", &[])?;
            start(x, "w:tcPr", &[])?;
            measure(x, "w:tcW", width)?;
            if span > 1 {
                empty(x, "w:gridSpan", &[("w:val", &span.to_string())])?;
            }
            let first_row = cell.is_none_or(|c| c.row == r);
            if let Some(c) = cell.filter(|c| c.row_span > 1) {
                let merge = if c.row == r { "restart" } else { "continue" };
                empty(x, "w:vMerge", &[("w:val", merge)])?;
            }
            end(x, "w:tcPr")?;
            start(x, "w:p", &[])?;
            start(x, "w:pPr", &[])?;
            empty(
                x,
                "w:spacing",
                &[
                    ("w:before", "0"),
                    ("w:after", "0"),
                    ("w:line", &pitch),
                    ("w:lineRule", "exact"),
                ],
            )?;
            let content = cell.filter(|_| first_row).map_or("", |c| c.text.as_str());
            if numbers::parse(content, comma).is_some() {
                empty(x, "w:jc", &[("w:val", "right")])?;
            }
            end(x, "w:pPr")?;
            if !content.is_empty() {
                start(x, "w:r", &[])?;
                start(x, "w:rPr", &[])?;
                empty(x, "w:sz", &[("w:val", &half_points)])?;
                empty(x, "w:szCs", &[("w:val", &half_points)])?;
                end(x, "w:rPr")?;
                text(x, "w:t", &[("xml:space", "preserve")], content)?;
                end(x, "w:r")?;
            }
            end(x, "w:p")?;
            end(x, "w:tc")?;
            col += span;
        }
        end(x, "w:tr")?;
    }
    end(x, "w:tbl")
}

/// Style, spacing, indentation and alignment of a layout paragraph.
fn paragraph_properties(
    x: &mut Xml,
    p: &Paragraph,
    space_before: f32,
    pitch: f32,
) -> io::Result<()> {
    if let Role::Heading(level) = p.role {
        empty(x, "w:pStyle", &[("w:val", &format!("Heading{level}"))])?;
    }
    spacing(x, space_before, Some(pitch))?;
    if matches!(p.alignment, Alignment::Left | Alignment::Justified) {
        let left = twips(p.indent);
        let first = p.first_line_indent;
        if first > 0.5 {
            empty(
                x,
                "w:ind",
                &[("w:left", &left), ("w:firstLine", &twips(first))],
            )?;
        } else if first < -0.5 {
            empty(
                x,
                "w:ind",
                &[("w:left", &left), ("w:hanging", &twips(-first))],
            )?;
        } else {
            empty(x, "w:ind", &[("w:left", &left)])?;
        }
    }
    let jc = match p.alignment {
        Alignment::Left => "left",
        Alignment::Center => "center",
        Alignment::Right => "right",
        Alignment::Justified => "both",
    };
    empty(x, "w:jc", &[("w:val", jc)])
}

/// The distance between a paragraph's lines on the page, points: the
/// first line's top to the last's over the lines between, no less than the
/// font size; a line of one line gets [`SINGLE_PITCH`] times its size.
fn line_pitch(p: &Paragraph) -> f32 {
    match (p.lines.first(), p.lines.last()) {
        (Some(first), Some(last)) if p.lines.len() >= 2 => {
            let pitch = (last.bbox.y0 - first.bbox.y0) / (p.lines.len() - 1) as f32;
            pitch.clamp(p.font_size, p.font_size * 3.0)
        }
        _ => p.font_size * SINGLE_PITCH,
    }
}

fn spacing(x: &mut Xml, before: f32, line: Option<f32>) -> io::Result<()> {
    let before = twips(before);
    match line {
        Some(line) => empty(
            x,
            "w:spacing",
            &[
                ("w:before", &before),
                ("w:after", "0"),
                ("w:line", &twips(line)),
                ("w:lineRule", "exact"),
            ],
        ),
        None => empty(x, "w:spacing", &[("w:before", &before), ("w:after", "0")]),
    }
}

/// A run of text at `size` points (the default size without one).
fn run(x: &mut Xml, content: &str, size: Option<f32>) -> io::Result<()> {
    start(x, "w:r", &[])?;
    if let Some(size) = size {
        let half_points = ((size * 2.0).round() as i64).max(2).to_string();
        start(x, "w:rPr", &[])?;
        empty(x, "w:sz", &[("w:val", &half_points)])?;
        empty(x, "w:szCs", &[("w:val", &half_points)])?;
        end(x, "w:rPr")?;
    }
    text(x, "w:t", &[("xml:space", "preserve")], content)?;
    end(x, "w:r")
}

/// An inline picture: media `number` at `size` points.
fn drawing(x: &mut Xml, number: usize, size: (f32, f32)) -> io::Result<()> {
    let (cx, cy) = (emu(size.0), emu(size.1));
    let id = number.to_string();
    let name = format!("Figure {number}");
    let rel = format!("rIdImage{number}");
    start(x, "w:r", &[])?;
    start(x, "w:drawing", &[])?;
    let no_distance = [
        ("distT", "0"),
        ("distB", "0"),
        ("distL", "0"),
        ("distR", "0"),
    ];
    start(x, "wp:inline", &no_distance)?;
    empty(x, "wp:extent", &[("cx", &cx), ("cy", &cy)])?;
    empty(x, "wp:docPr", &[("id", &id), ("name", &name)])?;
    start(x, "a:graphic", &[])?;
    start(x, "a:graphicData", &[("uri", NS_PIC)])?;
    start(x, "pic:pic", &[])?;
    start(x, "pic:nvPicPr", &[])?;
    empty(x, "pic:cNvPr", &[("id", &id), ("name", &name)])?;
    empty(x, "pic:cNvPicPr", &[])?;
    end(x, "pic:nvPicPr")?;
    blip_fill(x, "pic", &rel)?;
    start(x, "pic:spPr", &[])?;
    frame(x, (0.0, 0.0), size)?;
    end(x, "pic:spPr")?;
    end(x, "pic:pic")?;
    end(x, "a:graphicData")?;
    end(x, "a:graphic")?;
    end(x, "wp:inline")?;
    end(x, "w:drawing")?;
    end(x, "w:r")
}

/// A section's `w:sectPr`.
fn section_properties(x: &mut Xml, s: &Section<'_>) -> io::Result<()> {
    let [top, right, bottom, left] = s.margins;
    start(x, "w:sectPr", &[])?;
    let kind = if s.new_page { "nextPage" } else { "continuous" };
    empty(x, "w:type", &[("w:val", kind)])?;
    let (w, h) = (twips(s.width), twips(s.height));
    if s.width > s.height {
        empty(
            x,
            "w:pgSz",
            &[("w:w", &w), ("w:h", &h), ("w:orient", "landscape")],
        )?;
    } else {
        empty(x, "w:pgSz", &[("w:w", &w), ("w:h", &h)])?;
    }
    empty(
        x,
        "w:pgMar",
        &[
            ("w:top", &twips(top)),
            ("w:right", &twips(right)),
            ("w:bottom", &twips(bottom)),
            ("w:left", &twips(left)),
            ("w:header", "0"),
            ("w:footer", "0"),
            ("w:gutter", "0"),
        ],
    )?;
    if s.columns.is_empty() {
        empty(x, "w:cols", &[("w:num", "1"), ("w:space", "0")])?;
    } else {
        let num = s.columns.len().to_string();
        start(x, "w:cols", &[("w:num", &num), ("w:equalWidth", "0")])?;
        for (width, space) in &s.columns {
            empty(
                x,
                "w:col",
                &[("w:w", &twips(*width)), ("w:space", &twips(*space))],
            )?;
        }
        end(x, "w:cols")?;
    }
    end(x, "w:sectPr")
}

/// `word/styles.xml`: the defaults (font, size, language) and the heading
/// styles.
fn styles_xml(language: &str) -> io::Result<Vec<u8>> {
    let mut x = part()?;
    start(&mut x, "w:styles", &[("xmlns:w", NS_W)])?;
    start(&mut x, "w:docDefaults", &[])?;
    start(&mut x, "w:rPrDefault", &[])?;
    start(&mut x, "w:rPr", &[])?;
    let font = "Times New Roman";
    empty(
        &mut x,
        "w:rFonts",
        &[("w:ascii", font), ("w:hAnsi", font), ("w:cs", font)],
    )?;
    empty(&mut x, "w:sz", &[("w:val", "22")])?;
    match language_tags(language) {
        Some((Some(latin), Some(east_asian))) => empty(
            &mut x,
            "w:lang",
            &[("w:val", latin), ("w:eastAsia", east_asian)],
        )?,
        Some((Some(latin), None)) => empty(&mut x, "w:lang", &[("w:val", latin)])?,
        Some((None, Some(east_asian))) => {
            empty(&mut x, "w:lang", &[("w:eastAsia", east_asian)])?;
        }
        Some((None, None)) | None => {}
    }
    end(&mut x, "w:rPr")?;
    end(&mut x, "w:rPrDefault")?;
    start(&mut x, "w:pPrDefault", &[])?;
    start(&mut x, "w:pPr", &[])?;
    empty(
        &mut x,
        "w:spacing",
        &[("w:after", "0"), ("w:line", "240"), ("w:lineRule", "auto")],
    )?;
    end(&mut x, "w:pPr")?;
    end(&mut x, "w:pPrDefault")?;
    end(&mut x, "w:docDefaults")?;
    let normal = [
        ("w:type", "paragraph"),
        ("w:default", "1"),
        ("w:styleId", "Normal"),
    ];
    start(&mut x, "w:style", &normal)?;
    empty(&mut x, "w:name", &[("w:val", "Normal")])?;
    empty(&mut x, "w:qFormat", &[])?;
    end(&mut x, "w:style")?;
    for level in 1..=2u8 {
        heading_style(&mut x, level)?;
    }
    end(&mut x, "w:styles")?;
    Ok(x.into_inner())
}

/// The style "heading `level`": bold, kept with the next paragraph, at its
/// outline level.
fn heading_style(x: &mut Xml, level: u8) -> io::Result<()> {
    let id = format!("Heading{level}");
    start(x, "w:style", &[("w:type", "paragraph"), ("w:styleId", &id)])?;
    empty(x, "w:name", &[("w:val", &format!("heading {level}"))])?;
    empty(x, "w:basedOn", &[("w:val", "Normal")])?;
    empty(x, "w:next", &[("w:val", "Normal")])?;
    empty(x, "w:qFormat", &[])?;
    start(x, "w:pPr", &[])?;
    empty(x, "w:keepNext", &[])?;
    empty(x, "w:outlineLvl", &[("w:val", &(level - 1).to_string())])?;
    end(x, "w:pPr")?;
    start(x, "w:rPr", &[])?;
    empty(x, "w:b", &[])?;
    end(x, "w:rPr")?;
    end(x, "w:style")
}

/// The package: the document, its styles and its pictures.
fn package(
    document: Vec<u8>,
    styles: Vec<u8>,
    media: Vec<Vec<u8>>,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let mut p = Package::default();
    p.rels("", &[Rel::new("rId1", REL_DOC, "word/document.xml")])?;
    let mut rels = vec![Rel::new("rIdStyles", REL_STYLES, "styles.xml")];
    for n in 1..=media.len() {
        rels.push(Rel::new(
            format!("rIdImage{n}"),
            REL_IMAGE,
            format!("media/image{n}.png"),
        ));
    }
    p.rels("word/document.xml", &rels)?;
    p.xml("word/document.xml", TYPE_DOCUMENT, document);
    p.xml("word/styles.xml", TYPE_STYLES, styles);
    for (i, png) in media.into_iter().enumerate() {
        p.png(format!("word/media/image{}.png", i + 1), png);
    }
    p.write(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocrloom_layout::tables::Cell;
    use ocrloom_layout::{Column, Line, Margins, TextBlock};
    use ocrloom_ocr::BBox;

    fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    /// A ruled table of 3 rows and 3 columns (100, 60 and 60 points wide,
    /// 20 high) from (100, `top`): "Region" spans the first two rows, "2025"
    /// the last two columns.
    fn ruled_table(top: f32) -> Table {
        let cell = |row, column, row_span, column_span, text: &str| {
            let x = [100.0, 200.0, 260.0, 320.0];
            let y = |r: usize| top + 20.0 * r as f32;
            Cell {
                row,
                column,
                row_span,
                column_span,
                bbox: rect(
                    x[column],
                    y(row),
                    x[column + column_span],
                    y(row + row_span),
                ),
                source: BBox::default(),
                text: text.to_owned(),
            }
        };
        Table {
            bbox: rect(100.0, top, 320.0, top + 60.0),
            source: BBox::default(),
            rows: 3,
            columns: 3,
            ruling: Ruling::Full,
            cells: vec![
                cell(0, 0, 2, 1, "Region"),
                cell(0, 1, 1, 2, "2025"),
                cell(1, 1, 1, 1, "Q1"),
                cell(1, 2, 1, 1, "Q2"),
                cell(2, 0, 1, 1, "North"),
                cell(2, 1, 1, 1, "1,250"),
                cell(2, 2, 1, 1, "1,410"),
            ],
        }
    }

    /// A page of one column with a paragraph above and one below `table`.
    fn page_with(table: Table) -> Page {
        let above = paragraph(&["Above the table"], 10.0, 80.0);
        let below = paragraph(&["Below the table"], 10.0, 300.0);
        let blocks = [above, below].map(|p| {
            Region::Text(TextBlock {
                bbox: p.bbox,
                paragraphs: vec![p],
            })
        });
        let body = rect(72.0, 72.0, 540.0, 320.0);
        Page {
            index: 0,
            width: 612.0,
            height: 792.0,
            margins: Margins {
                left: 72.0,
                top: 72.0,
                right: 72.0,
                bottom: 72.0,
            },
            language: "eng".to_owned(),
            body_size: 10.0,
            bands: vec![Band {
                bbox: body,
                columns: vec![Column {
                    bbox: body,
                    regions: blocks.to_vec(),
                }],
            }],
            tables: vec![table],
        }
    }

    #[test]
    fn a_table_is_a_word_table_between_the_paragraphs_around_it() {
        let page = page_with(ruled_table(150.0));
        let sections = page_sections(&page, &[]);
        let xml = String::from_utf8(document_xml(&sections).expect("xml")).expect("UTF-8");
        let at = |s: &str| xml.find(s).unwrap_or_else(|| panic!("no {s} in {xml}"));
        assert!(at("Above the table") < at("<w:tbl>"));
        assert!(at("</w:tbl>") < at("Below the table"));
        assert_eq!(xml.matches("<w:tr>").count(), 3);
        // Column widths from the cells' places (twips), indented from the
        // margin as on the page.
        assert!(xml
            .contains(r#"<w:gridCol w:w="2000"/><w:gridCol w:w="1200"/><w:gridCol w:w="1200"/>"#));
        assert!(xml.contains(r#"<w:tblInd w:w="560" w:type="dxa"/>"#));
        // Merged cells: "2025" spans two columns, "Region" two rows.
        assert!(xml.contains(r#"<w:gridSpan w:val="2"/>"#));
        assert_eq!(xml.matches(r#"<w:vMerge w:val="restart"/>"#).count(), 1);
        assert_eq!(xml.matches(r#"<w:vMerge w:val="continue"/>"#).count(), 1);
        // Each row has cells covering its three columns.
        for row in xml.split("<w:tr>").skip(1) {
            let row = row.split("</w:tr>").next().unwrap_or_default();
            let spans: usize = row
                .split("<w:tc>")
                .skip(1)
                .map(|c| {
                    if c.contains(r#"<w:gridSpan w:val="2"/>"#) {
                        2
                    } else {
                        1
                    }
                })
                .sum();
            assert_eq!(spans, 3, "{row}");
        }
        // Ruled: every border; numbers right-aligned, in row order.
        assert!(xml.contains("<w:insideV w:val=\"single\""));
        assert!(at("Region") < at("2025") && at("2025") < at("Q1") && at("Q2") < at("North"));
        let north = &xml[at("North")..];
        assert!(north.contains(r#"<w:jc w:val="right"/>"#));
    }

    #[test]
    fn table_borders_follow_the_ruling() {
        for (ruling, sides) in [(Ruling::Horizontal, 2), (Ruling::None, 0)] {
            let mut t = ruled_table(150.0);
            t.ruling = ruling;
            let page = page_with(t);
            let xml = String::from_utf8(document_xml(&page_sections(&page, &[])).expect("xml"))
                .expect("UTF-8");
            assert_eq!(
                xml.matches(r#"w:val="single""#).count(),
                sides,
                "{ruling:?}"
            );
        }
    }

    #[test]
    fn a_table_keeps_its_place_in_the_flow_and_stays_on_the_page() {
        let page = page_with(ruled_table(150.0));
        let (item, top, height) = table(&page.tables[0], 72.0, 468.0, 100.0, &page, false);
        assert_eq!(top, 150.0);
        assert_eq!(height, 60.0 + SPACER);
        let Item::Table { grid, indent, .. } = item else {
            panic!("not a table");
        };
        assert_eq!(indent, 28.0);
        // 10 pt text fits rows 20 pt high.
        assert_eq!(grid.size, 10.0);
        // Near the page's foot the space above gives way, then the rows.
        let (_, top, height) = table(&page.tables[0], 72.0, 468.0, 760.0, &page, false);
        assert_eq!(top, 760.0 + SPACER);
        assert!(top + height <= 792.0 - PAGE_FOOT + 1e-3, "{top} + {height}");
    }

    /// A left-aligned paragraph of `lines` at `size` points, 12 points
    /// apart, from `top`.
    fn paragraph(lines: &[&str], size: f32, top: f32) -> Paragraph {
        let lines: Vec<Line> = lines
            .iter()
            .enumerate()
            .map(|(i, t)| Line {
                bbox: Rect {
                    x0: 0.0,
                    y0: top + 12.0 * i as f32,
                    x1: 100.0,
                    y1: top + 12.0 * i as f32 + size,
                },
                font_size: size,
                text: (*t).to_owned(),
            })
            .collect();
        let bbox = lines
            .iter()
            .map(|l| l.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap_or_default();
        Paragraph {
            bbox,
            lines,
            font_size: size,
            role: Role::Body,
            alignment: Alignment::Left,
            indent: 0.0,
            first_line_indent: 0.0,
        }
    }

    fn size_and_pitch(item: &Item<'_>) -> (f32, f32) {
        match item {
            Item::Para { size, pitch, .. } => (*size, *pitch),
            _ => panic!("not a paragraph"),
        }
    }

    #[test]
    fn a_paragraph_that_fits_keeps_its_size_place_and_pitch() {
        // "aaaa aaaa" is 38 pt wide at 10 pt.
        let p = paragraph(&["aaaa aaaa", "aaaa aaaa"], 10.0, 50.0);
        let (item, top, height) = set(&p, 100.0, 20.0, 800.0);
        assert_eq!(size_and_pitch(&item), (10.0, 12.0));
        assert_eq!((top, height), (50.0, 24.0));
    }

    #[test]
    fn text_wider_in_the_documents_font_is_set_smaller() {
        // Two lines of 38 pt in a 36 pt column: at 10 pt each wraps.
        let p = paragraph(&["aaaa aaaa", "aaaa aaaa"], 10.0, 50.0);
        let (item, _, height) = set(&p, 36.0, 20.0, 800.0);
        let (size, pitch) = size_and_pitch(&item);
        assert!((10.0 * MIN_FIT..10.0).contains(&size), "{size}");
        assert_eq!((pitch, height), (12.0, 24.0));
        // Where even the smallest size wraps, the flow below counts the
        // lines the document takes.
        let (item, _, height) = set(&p, 20.0, 20.0, 800.0);
        assert_eq!(size_and_pitch(&item).0, 8.0);
        assert_eq!(height, 4.0 * 12.0);
    }

    #[test]
    fn nothing_runs_below_the_page() {
        // Two lines at 12 pt from 90 on a 110 pt page: the space above
        // gives way (up to the flow at 80), then the pitch.
        let p = paragraph(&["a", "b"], 10.0, 90.0);
        let (item, top, height) = set(&p, 100.0, 70.0, 110.0);
        assert_eq!(top, 109.0 - 24.0);
        assert_eq!(size_and_pitch(&item).1, 12.0);
        assert!(top + height <= 109.0);
        let (item, top, height) = set(&p, 100.0, 95.0, 110.0);
        assert_eq!(top, 95.0);
        assert_eq!(size_and_pitch(&item).1, 7.0);
        assert!(top + height <= 109.0 + 1e-3);
    }

    #[test]
    fn a_band_of_columns_starts_at_its_highest_column_with_the_space_above_it_before_it() {
        // A heading at 72, then two columns: the right one from 200, the
        // left one from 210.
        let block = |p: Paragraph, x0: f32| {
            let p = Paragraph {
                bbox: Rect {
                    x0,
                    x1: x0 + 200.0,
                    ..p.bbox
                },
                ..p
            };
            TextBlock {
                bbox: p.bbox,
                paragraphs: vec![p],
            }
        };
        let column = |t: TextBlock| Column {
            bbox: t.bbox,
            regions: vec![Region::Text(t)],
        };
        let heading = block(paragraph(&["Heading"], 10.0, 72.0), 72.0);
        let left = block(paragraph(&["left", "column"], 10.0, 210.0), 72.0);
        let right = block(paragraph(&["right", "column"], 10.0, 200.0), 320.0);
        let mut page = page_with(ruled_table(600.0));
        page.tables.clear();
        page.bands = vec![
            Band {
                bbox: heading.bbox,
                columns: vec![column(heading)],
            },
            Band {
                bbox: left.bbox.union(&right.bbox),
                columns: vec![column(left), column(right)],
            },
        ];
        let sections = page_sections(&page, &[]);
        assert_eq!(sections.len(), 2);
        // The heading ends at 84 (its line at 1.2 em): 116 points to the
        // band, at the end of the first section.
        let space = sections[0].items.last().map(|p| &p.item);
        assert!(
            matches!(space, Some(Item::Space(h)) if (h - 116.0).abs() < 1e-3),
            "{}",
            sections[0].items.len()
        );
        // Both columns start at the band's top with no space above.
        let columns = &sections[1];
        assert_eq!(columns.columns.len(), 2);
        assert_eq!(columns.items.len(), 2);
        assert!(!columns.items[0].column_break && columns.items[1].column_break);
        for placed in &columns.items {
            assert_eq!(placed.space_before, 0.0);
        }
        let xml = String::from_utf8(document_xml(&sections).expect("xml")).expect("UTF-8");
        assert!(
            xml.contains(r#"w:line="2320" w:lineRule="exact"/><w:sectPr>"#),
            "{xml}"
        );
    }
}
