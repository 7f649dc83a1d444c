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

use crate::structured::{crop_png, lay_out};
use crate::WriteError;
use ocrloom_layout::{Alignment, Band, Figure, Page, Paragraph, Rect, Region, Role};
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, PageText};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use std::io::{self, Write};

/// Twentieths of a point per point.
const TWIPS: f32 = 20.0;
/// English Metric Units per point.
const EMU: f32 = 12700.0;
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
const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const NS_A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const NS_PIC: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
const NS_PKG_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const NS_TYPES: &str = "http://schemas.openxmlformats.org/package/2006/content-types";
const REL_DOC: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";
const REL_STYLES: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles";
const REL_IMAGE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

type Xml = Writer<Vec<u8>>;

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
    package(&document, &styles, &media, out)
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

fn emu(v: f32) -> String {
    ((v * EMU).round() as i64).to_string()
}

/// `word/document.xml`.
fn document_xml(sections: &[Section<'_>]) -> io::Result<Vec<u8>> {
    let mut x = Xml::new(Vec::new());
    x.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    x.create_element("w:document")
        .with_attributes([
            ("xmlns:w", NS_W),
            ("xmlns:r", NS_R),
            ("xmlns:wp", NS_WP),
            ("xmlns:a", NS_A),
            ("xmlns:pic", NS_PIC),
        ])
        .write_inner_content(|x| {
            x.create_element("w:body").write_inner_content(|x| {
                for (i, s) in sections.iter().enumerate() {
                    let last = i + 1 == sections.len();
                    let n = s.items.len();
                    for (j, placed) in s.items.iter().enumerate() {
                        // The last paragraph of a section carries its
                        // properties; the document's last section's follow
                        // the body.
                        let ends = (j + 1 == n && !last).then_some(s);
                        item(x, placed, ends)?;
                    }
                    if last {
                        section_properties(x, s)?;
                    }
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(x.into_inner())
}

/// One paragraph of the flow; `ends` is the section it ends, if any.
fn item(x: &mut Xml, placed: &Placed<'_>, ends: Option<&Section<'_>>) -> io::Result<()> {
    x.create_element("w:p").write_inner_content(|x| {
        x.create_element("w:pPr").write_inner_content(|x| {
            match &placed.item {
                Item::Para(p) => paragraph_properties(x, p, placed.space_before)?,
                Item::Picture { indent, .. } => {
                    spacing(x, placed.space_before, None)?;
                    x.create_element("w:ind")
                        .with_attribute(("w:left", twips(*indent).as_str()))
                        .write_empty()?;
                }
                Item::Plain(_) | Item::Empty => {}
            }
            if let Some(s) = ends {
                section_properties(x, s)?;
            }
            Ok(())
        })?;
        if placed.column_break {
            x.create_element("w:r").write_inner_content(|x| {
                x.create_element("w:br")
                    .with_attribute(("w:type", "column"))
                    .write_empty()?;
                Ok(())
            })?;
        }
        match &placed.item {
            Item::Para(p) => run(x, &p.flowing_text(), Some(p.font_size))?,
            Item::Plain(text) => run(x, text, None)?,
            Item::Picture { number, size, .. } => drawing(x, *number, *size)?,
            Item::Empty => {}
        }
        Ok(())
    })?;
    Ok(())
}

/// Style, spacing, indentation and alignment of a layout paragraph.
fn paragraph_properties(x: &mut Xml, p: &Paragraph, space_before: f32) -> io::Result<()> {
    if let Role::Heading(level) = p.role {
        x.create_element("w:pStyle")
            .with_attribute(("w:val", format!("Heading{level}").as_str()))
            .write_empty()?;
    }
    spacing(x, space_before, Some(line_pitch(p)))?;
    if matches!(p.alignment, Alignment::Left | Alignment::Justified) {
        let mut ind = x
            .create_element("w:ind")
            .with_attribute(("w:left", twips(p.indent).as_str()));
        let first = p.first_line_indent;
        if first > 0.5 {
            ind = ind.with_attribute(("w:firstLine", twips(first).as_str()));
        } else if first < -0.5 {
            ind = ind.with_attribute(("w:hanging", twips(-first).as_str()));
        }
        ind.write_empty()?;
    }
    let jc = match p.alignment {
        Alignment::Left => "left",
        Alignment::Center => "center",
        Alignment::Right => "right",
        Alignment::Justified => "both",
    };
    x.create_element("w:jc")
        .with_attribute(("w:val", jc))
        .write_empty()?;
    Ok(())
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
    let mut e = x
        .create_element("w:spacing")
        .with_attribute(("w:before", twips(before).as_str()))
        .with_attribute(("w:after", "0"));
    if let Some(line) = line {
        e = e
            .with_attribute(("w:line", twips(line).as_str()))
            .with_attribute(("w:lineRule", "exact"));
    }
    e.write_empty()?;
    Ok(())
}

/// A run of text at `size` points (the default size without one).
fn run(x: &mut Xml, text: &str, size: Option<f32>) -> io::Result<()> {
    x.create_element("w:r").write_inner_content(|x| {
        if let Some(size) = size {
            let half_points = ((size * 2.0).round() as i64).max(2).to_string();
            x.create_element("w:rPr").write_inner_content(|x| {
                x.create_element("w:sz")
                    .with_attribute(("w:val", half_points.as_str()))
                    .write_empty()?;
                x.create_element("w:szCs")
                    .with_attribute(("w:val", half_points.as_str()))
                    .write_empty()?;
                Ok(())
            })?;
        }
        let clean: String = text.chars().filter(|&c| xml_char(c)).collect();
        x.create_element("w:t")
            .with_attribute(("xml:space", "preserve"))
            .write_text_content(BytesText::new(&clean))?;
        Ok(())
    })?;
    Ok(())
}

/// Whether XML 1.0 allows `c` in text.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// An inline picture: media `number` at `size` points.
fn drawing(x: &mut Xml, number: usize, size: (f32, f32)) -> io::Result<()> {
    let (cx, cy) = (emu(size.0), emu(size.1));
    let id = number.to_string();
    let name = format!("Figure {number}");
    let rel = format!("rIdImage{number}");
    x.create_element("w:r").write_inner_content(|x| {
        x.create_element("w:drawing").write_inner_content(|x| {
            x.create_element("wp:inline")
                .with_attributes([
                    ("distT", "0"),
                    ("distB", "0"),
                    ("distL", "0"),
                    ("distR", "0"),
                ])
                .write_inner_content(|x| {
                    x.create_element("wp:extent")
                        .with_attributes([("cx", cx.as_str()), ("cy", cy.as_str())])
                        .write_empty()?;
                    x.create_element("wp:docPr")
                        .with_attributes([("id", id.as_str()), ("name", name.as_str())])
                        .write_empty()?;
                    x.create_element("a:graphic").write_inner_content(|x| {
                        x.create_element("a:graphicData")
                            .with_attribute(("uri", NS_PIC))
                            .write_inner_content(|x| {
                                x.create_element("pic:pic").write_inner_content(|x| {
                                    x.create_element("pic:nvPicPr").write_inner_content(|x| {
                                        x.create_element("pic:cNvPr")
                                            .with_attributes([
                                                ("id", id.as_str()),
                                                ("name", name.as_str()),
                                            ])
                                            .write_empty()?;
                                        x.create_element("pic:cNvPicPr").write_empty()?;
                                        Ok(())
                                    })?;
                                    x.create_element("pic:blipFill").write_inner_content(|x| {
                                        x.create_element("a:blip")
                                            .with_attribute(("r:embed", rel.as_str()))
                                            .write_empty()?;
                                        x.create_element("a:stretch").write_inner_content(|x| {
                                            x.create_element("a:fillRect").write_empty()?;
                                            Ok(())
                                        })?;
                                        Ok(())
                                    })?;
                                    x.create_element("pic:spPr").write_inner_content(|x| {
                                        x.create_element("a:xfrm").write_inner_content(|x| {
                                            x.create_element("a:off")
                                                .with_attributes([("x", "0"), ("y", "0")])
                                                .write_empty()?;
                                            x.create_element("a:ext")
                                                .with_attributes([
                                                    ("cx", cx.as_str()),
                                                    ("cy", cy.as_str()),
                                                ])
                                                .write_empty()?;
                                            Ok(())
                                        })?;
                                        x.create_element("a:prstGeom")
                                            .with_attribute(("prst", "rect"))
                                            .write_inner_content(|x| {
                                                x.create_element("a:avLst").write_empty()?;
                                                Ok(())
                                            })?;
                                        Ok(())
                                    })?;
                                    Ok(())
                                })?;
                                Ok(())
                            })?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

/// A section's `w:sectPr`.
fn section_properties(x: &mut Xml, s: &Section<'_>) -> io::Result<()> {
    let [top, right, bottom, left] = s.margins;
    x.create_element("w:sectPr").write_inner_content(|x| {
        x.create_element("w:type")
            .with_attribute(("w:val", if s.new_page { "nextPage" } else { "continuous" }))
            .write_empty()?;
        let mut size = x
            .create_element("w:pgSz")
            .with_attribute(("w:w", twips(s.width).as_str()))
            .with_attribute(("w:h", twips(s.height).as_str()));
        if s.width > s.height {
            size = size.with_attribute(("w:orient", "landscape"));
        }
        size.write_empty()?;
        x.create_element("w:pgMar")
            .with_attributes([
                ("w:top", twips(top).as_str()),
                ("w:right", twips(right).as_str()),
                ("w:bottom", twips(bottom).as_str()),
                ("w:left", twips(left).as_str()),
                ("w:header", "0"),
                ("w:footer", "0"),
                ("w:gutter", "0"),
            ])
            .write_empty()?;
        x.create_element("w:cols")
            .with_attribute(("w:num", s.columns.0.to_string().as_str()))
            .with_attribute(("w:space", twips(s.columns.1).as_str()))
            .write_empty()?;
        Ok(())
    })?;
    Ok(())
}

/// `word/styles.xml`: the defaults (font, size, language) and the heading
/// styles.
fn styles_xml(language: &str) -> io::Result<Vec<u8>> {
    let lang = word_language(language);
    let mut x = Xml::new(Vec::new());
    x.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    x.create_element("w:styles")
        .with_attribute(("xmlns:w", NS_W))
        .write_inner_content(|x| {
            x.create_element("w:docDefaults").write_inner_content(|x| {
                x.create_element("w:rPrDefault").write_inner_content(|x| {
                    x.create_element("w:rPr").write_inner_content(|x| {
                        x.create_element("w:rFonts")
                            .with_attributes([
                                ("w:ascii", "Times New Roman"),
                                ("w:hAnsi", "Times New Roman"),
                                ("w:cs", "Times New Roman"),
                            ])
                            .write_empty()?;
                        x.create_element("w:sz")
                            .with_attribute(("w:val", "22"))
                            .write_empty()?;
                        if let Some((latin, east_asian)) = &lang {
                            let mut e = x.create_element("w:lang");
                            if let Some(l) = latin {
                                e = e.with_attribute(("w:val", *l));
                            }
                            if let Some(l) = east_asian {
                                e = e.with_attribute(("w:eastAsia", *l));
                            }
                            e.write_empty()?;
                        }
                        Ok(())
                    })?;
                    Ok(())
                })?;
                x.create_element("w:pPrDefault").write_inner_content(|x| {
                    x.create_element("w:pPr").write_inner_content(|x| {
                        x.create_element("w:spacing")
                            .with_attributes([
                                ("w:after", "0"),
                                ("w:line", "240"),
                                ("w:lineRule", "auto"),
                            ])
                            .write_empty()?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
                Ok(())
            })?;
            x.create_element("w:style")
                .with_attributes([
                    ("w:type", "paragraph"),
                    ("w:default", "1"),
                    ("w:styleId", "Normal"),
                ])
                .write_inner_content(|x| {
                    x.create_element("w:name")
                        .with_attribute(("w:val", "Normal"))
                        .write_empty()?;
                    x.create_element("w:qFormat").write_empty()?;
                    Ok(())
                })?;
            for level in 1..=2u8 {
                let id = format!("Heading{level}");
                let name = format!("heading {level}");
                let outline = (level - 1).to_string();
                x.create_element("w:style")
                    .with_attributes([("w:type", "paragraph"), ("w:styleId", id.as_str())])
                    .write_inner_content(|x| {
                        x.create_element("w:name")
                            .with_attribute(("w:val", name.as_str()))
                            .write_empty()?;
                        x.create_element("w:basedOn")
                            .with_attribute(("w:val", "Normal"))
                            .write_empty()?;
                        x.create_element("w:next")
                            .with_attribute(("w:val", "Normal"))
                            .write_empty()?;
                        x.create_element("w:qFormat").write_empty()?;
                        x.create_element("w:pPr").write_inner_content(|x| {
                            x.create_element("w:keepNext").write_empty()?;
                            x.create_element("w:outlineLvl")
                                .with_attribute(("w:val", outline.as_str()))
                                .write_empty()?;
                            Ok(())
                        })?;
                        x.create_element("w:rPr").write_inner_content(|x| {
                            x.create_element("w:b").write_empty()?;
                            Ok(())
                        })?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(x.into_inner())
}

/// Word's language tags for Tesseract's `+`-joined codes: the first
/// language written with spaces (`w:val`) and the first Chinese, Japanese
/// or Korean one (`w:eastAsia`); `None` when no code is known.
fn word_language(codes: &str) -> Option<(Option<&'static str>, Option<&'static str>)> {
    let mut latin = None;
    let mut east_asian = None;
    for code in codes.split('+') {
        let (tag, cjk) = match code {
            "eng" => ("en-US", false),
            "deu" => ("de-DE", false),
            "fra" => ("fr-FR", false),
            "spa" => ("es-ES", false),
            "ita" => ("it-IT", false),
            "por" => ("pt-PT", false),
            "nld" => ("nl-NL", false),
            "pol" => ("pl-PL", false),
            "rus" => ("ru-RU", false),
            "swe" => ("sv-SE", false),
            "dan" => ("da-DK", false),
            "nor" => ("nb-NO", false),
            "fin" => ("fi-FI", false),
            "ces" => ("cs-CZ", false),
            "tur" => ("tr-TR", false),
            "jpn" | "jpn_vert" => ("ja-JP", true),
            "chi_sim" | "chi_sim_vert" => ("zh-CN", true),
            "chi_tra" | "chi_tra_vert" => ("zh-TW", true),
            "kor" | "kor_vert" => ("ko-KR", true),
            _ => continue,
        };
        if cjk {
            east_asian = east_asian.or(Some(tag));
        } else {
            latin = latin.or(Some(tag));
        }
    }
    if latin.is_none() && east_asian.is_none() {
        return None;
    }
    Some((latin.or(east_asian), east_asian))
}

/// The package: content types, relationships, the two parts and the
/// pictures, zipped in a fixed order with fixed times.
fn package(
    document: &[u8],
    styles: &[u8],
    media: &[Vec<u8>],
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let zip_err = |e: zip::result::ZipError| WriteError::Io(io::Error::other(e));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let parts: [(&str, Vec<u8>); 3] = [
        ("[Content_Types].xml", content_types_xml(!media.is_empty())?),
        ("_rels/.rels", package_rels_xml()?),
        (
            "word/_rels/document.xml.rels",
            document_rels_xml(media.len())?,
        ),
    ];
    for (name, bytes) in &parts {
        zip.start_file(*name, options).map_err(zip_err)?;
        zip.write_all(bytes)?;
    }
    zip.start_file("word/document.xml", options)
        .map_err(zip_err)?;
    zip.write_all(document)?;
    zip.start_file("word/styles.xml", options)
        .map_err(zip_err)?;
    zip.write_all(styles)?;
    let stored = options.compression_method(zip::CompressionMethod::Stored);
    for (i, png) in media.iter().enumerate() {
        zip.start_file(format!("word/media/image{}.png", i + 1), stored)
            .map_err(zip_err)?;
        zip.write_all(png)?;
    }
    let bytes = zip.finish().map_err(zip_err)?.into_inner();
    out.write_all(&bytes)?;
    Ok(())
}

fn content_types_xml(png: bool) -> io::Result<Vec<u8>> {
    let mut x = Xml::new(Vec::new());
    x.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    x.create_element("Types")
        .with_attribute(("xmlns", NS_TYPES))
        .write_inner_content(|x| {
            let mut defaults = vec![
                ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
                ("xml", "application/xml"),
            ];
            if png {
                defaults.push(("png", "image/png"));
            }
            for (ext, ty) in defaults {
                x.create_element("Default")
                    .with_attributes([("Extension", ext), ("ContentType", ty)])
                    .write_empty()?;
            }
            for (part, ty) in [
                (
                    "/word/document.xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                ),
                (
                    "/word/styles.xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
                ),
            ] {
                x.create_element("Override")
                    .with_attributes([("PartName", part), ("ContentType", ty)])
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(x.into_inner())
}

fn package_rels_xml() -> io::Result<Vec<u8>> {
    relationships(&[("rId1", REL_DOC, "word/document.xml".to_owned())])
}

fn document_rels_xml(pictures: usize) -> io::Result<Vec<u8>> {
    let mut rels = vec![("rIdStyles".to_owned(), REL_STYLES, "styles.xml".to_owned())];
    for n in 1..=pictures {
        rels.push((
            format!("rIdImage{n}"),
            REL_IMAGE,
            format!("media/image{n}.png"),
        ));
    }
    let rels: Vec<(&str, &str, String)> = rels
        .iter()
        .map(|(id, ty, target)| (id.as_str(), *ty, target.clone()))
        .collect();
    relationships(&rels)
}

fn relationships(rels: &[(&str, &str, String)]) -> io::Result<Vec<u8>> {
    let mut x = Xml::new(Vec::new());
    x.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    x.create_element("Relationships")
        .with_attribute(("xmlns", NS_PKG_RELS))
        .write_inner_content(|x| {
            for (id, ty, target) in rels {
                x.create_element("Relationship")
                    .with_attributes([("Id", *id), ("Type", *ty), ("Target", target.as_str())])
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(x.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_map_to_word_tags() {
        assert_eq!(word_language("eng"), Some((Some("en-US"), None)));
        assert_eq!(
            word_language("jpn+jpn_vert"),
            Some((Some("ja-JP"), Some("ja-JP")))
        );
        assert_eq!(
            word_language("eng+chi_sim"),
            Some((Some("en-US"), Some("zh-CN")))
        );
        assert_eq!(word_language("xyz"), None);
        assert_eq!(word_language(""), None);
    }

    #[test]
    fn text_loses_characters_xml_forbids() {
        assert!(xml_char('a') && xml_char('\t') && xml_char('語'));
        assert!(!xml_char('\u{0}') && !xml_char('\u{1b}') && !xml_char('\u{FFFF}'));
    }
}
