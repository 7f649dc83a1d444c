//! DOCX: a flowing, editable Word document from the layout model, its
//! parts written as typed XML events (`quick-xml`) into a zip package
//! (`zip`) with fixed entry times, so the same input gives the same bytes
//! (docs/decisions.md says why not `docx-rs`).
//!
//! Each page starts a new section with its size, orientation and margins;
//! a band of several columns is a section of its own (continuous, Word's
//! columns, a column break between them). Paragraphs carry their font
//! size, alignment, indentation, line pitch and the space above them;
//! headings use the styles "heading 1" and "heading 2"; figures are
//! pictures where they stand in the flow. The document language (`w:lang`)
//! comes from the OCR language.

use crate::ooxml::{
    blip_fill, empty, emu, end, frame, language_tags, part, start, text, Package, Rel, Xml, NS_A,
    NS_R, REL_DOC, REL_IMAGE,
};
use crate::structured::{crop_png, lay_out};
use crate::WriteError;
use ocrloom_layout::{Alignment, Band, Figure, Page, Paragraph, Rect, Region, Role};
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
/// Margins of a page that was not recognized (its text layer kept), as a
/// share of its shorter side.
const PLAIN_MARGIN: f32 = 0.05;

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
    /// A paragraph of the layout.
    Para(&'a Paragraph),
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
    /// A paragraph of a page that was not recognized (its own text).
    Plain(String),
    /// An empty paragraph (a page with nothing on it).
    Empty,
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
    /// Number of columns and the space between them, points.
    columns: (usize, f32),
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
    for (index, result) in pages.iter().enumerate() {
        let info = &doc.pages()[index];
        match result {
            Some(r) => {
                let laid = lay_out(doc, index, Some(r), true, false)?;
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
                    columns: (1, 0.0),
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

/// The sections of one page: consecutive one-column bands share one, a
/// band of several columns has its own.
fn page_sections<'a>(page: &'a Page, figure_numbers: &[usize]) -> Vec<Section<'a>> {
    let m = &page.margins;
    let margins = [m.top, m.right, BOTTOM_MARGIN, m.left];
    let mut sections: Vec<Section<'a>> = Vec::new();
    let mut figures = figure_numbers.iter().copied();
    // The bottom of what was placed last, for the space above the next.
    let mut bottom = m.top;
    let mut last_columns = 0;
    for band in &page.bands {
        let columns = band.columns.len().max(1);
        if sections.is_empty() || columns > 1 || last_columns > 1 {
            sections.push(Section {
                width: page.width,
                height: page.height,
                margins,
                columns: (columns, gutter(band)),
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
        for (ci, col) in band.columns.iter().enumerate() {
            // Where the flow is in this column: the bottom of what Word
            // set last (lines at their pitch, pictures at their height).
            let mut above = band_top;
            let mut first_in_column = ci > 0;
            for region in &col.regions {
                match region {
                    Region::Text(t) => {
                        for p in &t.paragraphs {
                            let top = above.max(p.bbox.y0);
                            section.items.push(Placed {
                                item: Item::Para(p),
                                space_before: top - above,
                                column_break: std::mem::take(&mut first_in_column),
                            });
                            above = top + line_pitch(p) * p.lines.len() as f32;
                        }
                    }
                    Region::Figure(f) => {
                        let Some(number) = figures.next() else {
                            continue;
                        };
                        let item = picture(number, f, col.bbox, page);
                        let top = above.max(f.bbox.y0);
                        let height = match &item {
                            Item::Picture { size, .. } => size.1 + PICTURE_DESCENT,
                            _ => 0.0,
                        };
                        section.items.push(Placed {
                            item,
                            space_before: top - above,
                            column_break: std::mem::take(&mut first_in_column),
                        });
                        above = top + height;
                    }
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
            columns: (1, 0.0),
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

/// The space between a band's columns, points.
fn gutter(band: &Band) -> f32 {
    let gaps: Vec<f32> = band
        .columns
        .windows(2)
        .map(|w| w[1].bbox.x0 - w[0].bbox.x1)
        .collect();
    if gaps.is_empty() {
        return 0.0;
    }
    (gaps.iter().sum::<f32>() / gaps.len() as f32).max(MIN_GUTTER)
}

/// A figure as a picture no wider than its column and no taller than the
/// page's content, indented as it stands in its column.
fn picture<'a>(number: usize, f: &Figure, column: Rect, page: &Page) -> Item<'a> {
    let max_w = column.width().max(1.0);
    let max_h = (page.height - page.margins.top - BOTTOM_MARGIN).max(1.0) * 0.9;
    let (w, h) = (f.bbox.width().max(1.0), f.bbox.height().max(1.0));
    let scale = (max_w / w).min(max_h / h).min(1.0);
    let (w, h) = (w * scale, h * scale);
    let indent = (f.bbox.x0 - column.x0).clamp(0.0, (max_w - w).max(0.0));
    Item::Picture {
        number,
        size: (w, h),
        indent,
    }
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

/// One paragraph of the flow; `ends` is the section it ends, if any.
fn item(x: &mut Xml, placed: &Placed<'_>, ends: Option<&Section<'_>>) -> io::Result<()> {
    start(x, "w:p", &[])?;
    start(x, "w:pPr", &[])?;
    match &placed.item {
        Item::Para(p) => paragraph_properties(x, p, placed.space_before)?,
        Item::Picture { indent, .. } => {
            spacing(x, placed.space_before, None)?;
            empty(x, "w:ind", &[("w:left", &twips(*indent))])?;
        }
        Item::Plain(_) | Item::Empty => {}
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
        Item::Para(p) => run(x, &p.flowing_text(), Some(p.font_size))?,
        Item::Plain(text) => run(x, text, None)?,
        Item::Picture { number, size, .. } => drawing(x, *number, *size)?,
        Item::Empty => {}
    }
    end(x, "w:p")
}

/// Style, spacing, indentation and alignment of a layout paragraph.
fn paragraph_properties(x: &mut Xml, p: &Paragraph, space_before: f32) -> io::Result<()> {
    if let Role::Heading(level) = p.role {
        empty(x, "w:pStyle", &[("w:val", &format!("Heading{level}"))])?;
    }
    spacing(x, space_before, Some(line_pitch(p)))?;
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
    empty(
        x,
        "w:cols",
        &[
            ("w:num", &s.columns.0.to_string()),
            ("w:space", &twips(s.columns.1)),
        ],
    )?;
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
