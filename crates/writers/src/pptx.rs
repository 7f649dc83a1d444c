//! PPTX: one slide per page, from the layout model, its parts written as
//! typed XML events into a zip package (the plumbing shared with DOCX in
//! [`crate::ooxml`]).
//!
//! Every text block is a text box where it stands on the page, its lines
//! kept as the scan breaks them, each paragraph at its font size and line
//! pitch; every figure is a picture at its place; every table the layout
//! model found is a table (`a:tbl`) at its place, its columns and rows as
//! on the scan, its merged cells merged, a ruled table's lines drawn. A presentation has one
//! slide size: the first page's (within PowerPoint's limits, 1 to 56
//! inches a side); a page of another size is scaled to fit its slide and
//! centred. With [`crate::WriteOptions::page_image`] the page image is
//! each slide's background, behind the boxes.

use crate::numbers;
use crate::ooxml::{
    blip_fill, empty, emu, end, frame, language_tags, part, start, text, Package, Rel, Xml, NS_A,
    NS_R, REL_DOC, REL_IMAGE,
};
use crate::structured::{crop_png, lay_out, png, LaidOutPage, TableGrid, CELL_PADDING};
use crate::WriteError;
use ocrloom_layout::tables::{self, Among, Ruling, Table};
use ocrloom_layout::{Alignment, Figure, Page, Paragraph, Rect, Region, TextBlock};
use ocrloom_ocr::{BBox, PageResult};
use ocrloom_raster::{Document, PageText, RenderDpi};
use std::io::{self, Write};

const NS_P: &str = "http://schemas.openxmlformats.org/presentationml/2006/main";
const NS_TABLE: &str = "http://schemas.openxmlformats.org/drawingml/2006/table";
const REL_SLIDE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide";
const REL_MASTER: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideMaster";
const REL_LAYOUT: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideLayout";
const REL_THEME: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme";
const TYPE_PRESENTATION: &str =
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml";
const TYPE_SLIDE: &str = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml";
const TYPE_MASTER: &str =
    "application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml";
const TYPE_LAYOUT: &str =
    "application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml";
const TYPE_THEME: &str = "application/vnd.openxmlformats-officedocument.theme+xml";

/// The slide size's limits, points (PowerPoint's: 1 to 56 inches).
const SLIDE_MIN: f32 = 72.0;
const SLIDE_MAX: f32 = 4032.0;
/// The font the text is set in (metric-compatible with Liberation Serif).
const FONT: &str = "Times New Roman";
/// A text box is this much wider than its block on the scan (a share of
/// its width), so that a line set in the slide's font, a little wider
/// than the scan's, does not wrap.
const BOX_SLACK: f32 = 0.1;
/// The line pitch of a paragraph of one line, times its font size.
const SINGLE_PITCH: f32 = 1.2;
/// A ruled table's lines, EMU (half a point).
const RULE_EMU: &str = "6350";
/// The resolution a page that was not recognized is rendered at for its
/// background.
const BACKGROUND_DPI: f32 = 150.0;
/// Margins of a page that was not recognized (its own text), as a share of
/// its shorter side, and its largest font size, points.
const PLAIN_MARGIN: f32 = 0.05;
const PLAIN_SIZE: f32 = 11.0;

/// Where a page sits on its slide: points of the page to points of the
/// slide.
#[derive(Clone, Copy)]
struct Fit {
    scale: f32,
    dx: f32,
    dy: f32,
}

impl Fit {
    fn new(page: (f32, f32), slide: (f32, f32)) -> Fit {
        let scale = (slide.0 / page.0.max(1.0)).min(slide.1 / page.1.max(1.0));
        Fit {
            scale,
            dx: (slide.0 - page.0 * scale) / 2.0,
            dy: (slide.1 - page.1 * scale) / 2.0,
        }
    }

    fn rect(&self, r: Rect) -> ((f32, f32), (f32, f32)) {
        (
            (self.dx + r.x0 * self.scale, self.dy + r.y0 * self.scale),
            (r.width() * self.scale, r.height() * self.scale),
        )
    }
}

/// What one slide shows.
struct Slide {
    /// The media number of its background, if any.
    background: Option<usize>,
    /// Its shapes, back to front.
    shapes: Vec<Shape>,
}

/// A shape on a slide, in slide points.
enum Shape {
    /// A text box.
    Text {
        at: (f32, f32),
        size: (f32, f32),
        paragraphs: Vec<TextParagraph>,
    },
    /// A picture: its media number.
    Picture {
        at: (f32, f32),
        size: (f32, f32),
        media: usize,
    },
    /// A table: its cells in its grid (slide points), numbers written
    /// with a decimal comma when `comma`.
    Table {
        at: (f32, f32),
        table: Table,
        grid: TableGrid,
        /// The space at a cell's sides, points.
        padding: f32,
        comma: bool,
    },
}

/// A paragraph of a text box.
struct TextParagraph {
    lines: Vec<String>,
    size: f32,
    bold: bool,
    alignment: Alignment,
    /// Left margin and first line's indentation, points.
    margin: f32,
    indent: f32,
    /// Line pitch and the space above, points.
    pitch: f32,
    before: f32,
}

/// Writes every page as a slide; `page_image` puts each page's image
/// behind it.
pub(crate) fn write(
    doc: &Document,
    pages: &[Option<&PageResult>],
    page_image: bool,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let laid = lay_out(doc, pages, page_image).collect::<Result<Vec<_>, _>>()?;
    let slide_size = laid.first().map_or((612.0, 792.0), |p| {
        (
            p.layout.width.clamp(SLIDE_MIN, SLIDE_MAX),
            p.layout.height.clamp(SLIDE_MIN, SLIDE_MAX),
        )
    });
    let mut media: Vec<Vec<u8>> = Vec::new();
    let mut slides = Vec::with_capacity(laid.len());
    for (index, page) in laid.iter().enumerate() {
        let fit = Fit::new((page.layout.width, page.layout.height), slide_size);
        let slide = match pages[index] {
            Some(r) => recognized_slide(page, r, fit, page_image, &mut media)?,
            None => plain_slide(doc, index, &page.layout, fit, page_image, &mut media)?,
        };
        slides.push(slide);
    }
    let language = pages
        .iter()
        .flatten()
        .map(|r| r.language.as_str())
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let lang = language_tags(language).and_then(|(latin, _)| latin);
    package(&slides, slide_size, lang, media, out)
}

/// The slide of a recognized page: its text blocks and figures in reading
/// order.
fn recognized_slide(
    page: &LaidOutPage,
    r: &PageResult,
    fit: Fit,
    page_image: bool,
    media: &mut Vec<Vec<u8>>,
) -> Result<Slide, WriteError> {
    let size = (r.width, r.height);
    let mut background = None;
    if let (true, Some(image)) = (page_image, &page.image) {
        let whole = Figure {
            bbox: Rect::default(),
            source: BBox {
                x0: 0,
                y0: 0,
                x1: r.width,
                y1: r.height,
            },
        };
        media.push(crop_png(image, size, r.orientation, &whole)?.0);
        background = Some(media.len());
    }
    let mut shapes = Vec::new();
    let comma = numbers::decimal_comma(&page.layout.language);
    // Tables among the blocks in reading order: each before the first
    // block at or below its top (a block's paragraphs stay in one box).
    let regions = page.layout.regions();
    for piece in tables::among(regions, |r| r.bbox().y0, &page.layout.tables) {
        match piece {
            Among::Table(t) => shapes.push(table_shape(t, &page.layout, fit, comma)),
            Among::Item(Region::Text(block)) => shapes.push(text_box(block, &page.layout, fit)),
            Among::Item(Region::Figure(f)) => {
                let Some(image) = &page.image else { continue };
                media.push(crop_png(image, size, r.orientation, f)?.0);
                let (at, size) = fit.rect(f.bbox);
                shapes.push(Shape::Picture {
                    at,
                    size,
                    media: media.len(),
                });
            }
        }
    }
    Ok(Slide { background, shapes })
}

/// A table as a table shape where it stands on the page, in its grid
/// (scaled as the page is on its slide).
fn table_shape(t: &Table, page: &Page, fit: Fit, comma: bool) -> Shape {
    let room = (
        (page.width - t.bbox.x0).max(1.0),
        (page.height - t.bbox.y0).max(1.0),
    );
    let mut grid = TableGrid::new(t, room.0, room.1, page.body_size);
    for v in grid.columns.iter_mut().chain(grid.rows.iter_mut()) {
        *v *= fit.scale;
    }
    grid.size *= fit.scale;
    let (at, _) = fit.rect(t.bbox);
    Shape::Table {
        at,
        table: t.clone(),
        grid,
        padding: CELL_PADDING * fit.scale,
        comma,
    }
}

/// A text block as a text box: its paragraphs with their lines.
fn text_box(block: &TextBlock, page: &Page, fit: Fit) -> Shape {
    let all = |a: Alignment| block.paragraphs.iter().all(|p| p.alignment == a);
    let slack = block.bbox.width() * BOX_SLACK;
    // The slack goes where the text's free edge is.
    let shift = if all(Alignment::Center) {
        slack / 2.0
    } else if all(Alignment::Right) {
        slack
    } else {
        0.0
    };
    let x0 = (block.bbox.x0 - shift).max(0.0);
    let x1 = (x0 + block.bbox.width() + slack).min(page.width.max(x0 + 1.0));
    let area = Rect {
        x0,
        x1,
        ..block.bbox
    };
    let mut paragraphs = Vec::with_capacity(block.paragraphs.len());
    let mut bottom = block.bbox.y0;
    for p in &block.paragraphs {
        let pitch = line_pitch(p);
        let (margin, indent) = indents(p, x0);
        paragraphs.push(TextParagraph {
            lines: p.lines.iter().map(|l| l.text.clone()).collect(),
            size: p.font_size * fit.scale,
            bold: matches!(p.role, ocrloom_layout::Role::Heading(_)),
            alignment: p.alignment,
            margin: margin * fit.scale,
            indent: indent * fit.scale,
            pitch: pitch * fit.scale,
            before: (p.bbox.y0 - bottom).max(0.0) * fit.scale,
        });
        bottom = bottom.max(p.bbox.y0) + pitch * p.lines.len() as f32;
    }
    let (at, size) = fit.rect(area);
    Shape::Text {
        at,
        size,
        paragraphs,
    }
}

/// A paragraph's left margin in its box (at `left`) and its first line's
/// indentation, points; none for centred and right-aligned ones.
fn indents(p: &Paragraph, left: f32) -> (f32, f32) {
    if matches!(p.alignment, Alignment::Center | Alignment::Right) {
        return (0.0, 0.0);
    }
    let first = p.lines.first().map_or(left, |l| l.bbox.x0);
    let rest = p.lines[1..]
        .iter()
        .map(|l| l.bbox.x0)
        .fold(f32::INFINITY, f32::min);
    let margin = if rest.is_finite() { rest } else { first };
    ((margin - left).max(0.0), first - margin.max(left))
}

/// The distance between a paragraph's lines on the page, points (as the
/// DOCX writer measures it).
fn line_pitch(p: &Paragraph) -> f32 {
    match (p.lines.first(), p.lines.last()) {
        (Some(first), Some(last)) if p.lines.len() >= 2 => {
            let pitch = (last.bbox.y0 - first.bbox.y0) / (p.lines.len() - 1) as f32;
            pitch.clamp(p.font_size, p.font_size * 3.0)
        }
        _ => p.font_size * SINGLE_PITCH,
    }
}

/// The slide of a page that was not recognized: its own text in one box
/// (small enough to fit), over its image when asked.
fn plain_slide(
    doc: &Document,
    index: usize,
    layout: &Page,
    fit: Fit,
    page_image: bool,
    media: &mut Vec<Vec<u8>>,
) -> Result<Slide, WriteError> {
    let mut background = None;
    if page_image {
        let rendered = doc.render(index, RenderDpi::Fixed(BACKGROUND_DPI))?;
        let image = rendered.image.into_dynamic();
        media.push(png(&image)?.0);
        background = Some(media.len());
    }
    let text = if doc.pages()[index].text == PageText::None {
        String::new()
    } else {
        doc.page_text(index)?.replace("\r\n", "\n")
    };
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let mut shapes = Vec::new();
    if !lines.is_empty() {
        let margin = PLAIN_MARGIN * layout.width.min(layout.height);
        let area = Rect {
            x0: margin,
            y0: margin,
            x1: layout.width - margin,
            y1: layout.height - margin,
        };
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(1);
        // Times: a character is about half its size wide on average.
        let size = PLAIN_SIZE
            .min(area.height() / (lines.len() as f32 * SINGLE_PITCH))
            .min(area.width() / (widest as f32 * 0.5))
            .max(1.0);
        let (at, box_size) = fit.rect(area);
        shapes.push(Shape::Text {
            at,
            size: box_size,
            paragraphs: vec![TextParagraph {
                lines,
                size: size * fit.scale,
                bold: false,
                alignment: Alignment::Left,
                margin: 0.0,
                indent: 0.0,
                pitch: size * SINGLE_PITCH * fit.scale,
                before: 0.0,
            }],
        });
    }
    Ok(Slide { background, shapes })
}

/// The package: presentation, master, layout, theme, slides and media.
fn package(
    slides: &[Slide],
    slide_size: (f32, f32),
    lang: Option<&str>,
    media: Vec<Vec<u8>>,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let mut p = Package::default();
    p.rels("", &[Rel::new("rId1", REL_DOC, "ppt/presentation.xml")])?;
    let mut rels = vec![
        Rel::new("rId1", REL_MASTER, "slideMasters/slideMaster1.xml"),
        Rel::new("rId2", REL_THEME, "theme/theme1.xml"),
    ];
    for n in 1..=slides.len() {
        rels.push(Rel::new(
            format!("rId{}", n + 2),
            REL_SLIDE,
            format!("slides/slide{n}.xml"),
        ));
    }
    p.rels("ppt/presentation.xml", &rels)?;
    p.xml(
        "ppt/presentation.xml",
        TYPE_PRESENTATION,
        presentation_xml(slides.len(), slide_size)?,
    );
    let master = "ppt/slideMasters/slideMaster1.xml";
    p.rels(
        master,
        &[
            Rel::new("rId1", REL_LAYOUT, "../slideLayouts/slideLayout1.xml"),
            Rel::new("rId2", REL_THEME, "../theme/theme1.xml"),
        ],
    )?;
    p.xml(master, TYPE_MASTER, master_xml()?);
    let layout = "ppt/slideLayouts/slideLayout1.xml";
    p.rels(
        layout,
        &[Rel::new(
            "rId1",
            REL_MASTER,
            "../slideMasters/slideMaster1.xml",
        )],
    )?;
    p.xml(layout, TYPE_LAYOUT, layout_xml()?);
    p.xml("ppt/theme/theme1.xml", TYPE_THEME, theme_xml()?);
    for (i, slide) in slides.iter().enumerate() {
        let name = format!("ppt/slides/slide{}.xml", i + 1);
        let mut rels = vec![Rel::new(
            "rId1",
            REL_LAYOUT,
            "../slideLayouts/slideLayout1.xml",
        )];
        for n in slide_media(slide) {
            rels.push(Rel::new(
                media_rel(n),
                REL_IMAGE,
                format!("../media/image{n}.png"),
            ));
        }
        p.rels(&name, &rels)?;
        p.xml(name, TYPE_SLIDE, slide_xml(slide, lang)?);
    }
    for (i, png) in media.into_iter().enumerate() {
        p.png(format!("ppt/media/image{}.png", i + 1), png);
    }
    p.write(out)
}

/// The media a slide shows, in order.
fn slide_media(slide: &Slide) -> impl Iterator<Item = usize> + '_ {
    slide
        .background
        .into_iter()
        .chain(slide.shapes.iter().filter_map(|s| match s {
            Shape::Picture { media, .. } => Some(*media),
            Shape::Text { .. } | Shape::Table { .. } => None,
        }))
}

/// A slide's relationship to media `n`.
fn media_rel(n: usize) -> String {
    format!("rIdImage{n}")
}

/// The root element of a presentation part, with its namespaces.
fn root(x: &mut Xml, name: &str) -> io::Result<()> {
    start(
        x,
        name,
        &[("xmlns:a", NS_A), ("xmlns:r", NS_R), ("xmlns:p", NS_P)],
    )
}

/// `ppt/presentation.xml`.
fn presentation_xml(slides: usize, size: (f32, f32)) -> io::Result<Vec<u8>> {
    let mut x = part()?;
    root(&mut x, "p:presentation")?;
    start(&mut x, "p:sldMasterIdLst", &[])?;
    empty(
        &mut x,
        "p:sldMasterId",
        &[("id", "2147483648"), ("r:id", "rId1")],
    )?;
    end(&mut x, "p:sldMasterIdLst")?;
    if slides > 0 {
        start(&mut x, "p:sldIdLst", &[])?;
        for n in 1..=slides {
            let id = (255 + n).to_string();
            let rel = format!("rId{}", n + 2);
            empty(&mut x, "p:sldId", &[("id", &id), ("r:id", &rel)])?;
        }
        end(&mut x, "p:sldIdLst")?;
    }
    empty(
        &mut x,
        "p:sldSz",
        &[("cx", &emu(size.0)), ("cy", &emu(size.1))],
    )?;
    empty(
        &mut x,
        "p:notesSz",
        &[("cx", &emu(size.1)), ("cy", &emu(size.0))],
    )?;
    end(&mut x, "p:presentation")?;
    Ok(x.into_inner())
}

/// An empty shape tree.
fn shape_tree_start(x: &mut Xml) -> io::Result<()> {
    start(x, "p:spTree", &[])?;
    start(x, "p:nvGrpSpPr", &[])?;
    empty(x, "p:cNvPr", &[("id", "1"), ("name", "")])?;
    empty(x, "p:cNvGrpSpPr", &[])?;
    empty(x, "p:nvPr", &[])?;
    end(x, "p:nvGrpSpPr")?;
    start(x, "p:grpSpPr", &[])?;
    start(x, "a:xfrm", &[])?;
    empty(x, "a:off", &[("x", "0"), ("y", "0")])?;
    empty(x, "a:ext", &[("cx", "0"), ("cy", "0")])?;
    empty(x, "a:chOff", &[("x", "0"), ("y", "0")])?;
    empty(x, "a:chExt", &[("cx", "0"), ("cy", "0")])?;
    end(x, "a:xfrm")?;
    end(x, "p:grpSpPr")
}

/// `ppt/slideMasters/slideMaster1.xml`: a white background, the theme's
/// colours as they are, the one layout.
fn master_xml() -> io::Result<Vec<u8>> {
    let mut x = part()?;
    root(&mut x, "p:sldMaster")?;
    start(&mut x, "p:cSld", &[])?;
    start(&mut x, "p:bg", &[])?;
    start(&mut x, "p:bgPr", &[])?;
    start(&mut x, "a:solidFill", &[])?;
    empty(&mut x, "a:srgbClr", &[("val", "FFFFFF")])?;
    end(&mut x, "a:solidFill")?;
    empty(&mut x, "a:effectLst", &[])?;
    end(&mut x, "p:bgPr")?;
    end(&mut x, "p:bg")?;
    shape_tree_start(&mut x)?;
    end(&mut x, "p:spTree")?;
    end(&mut x, "p:cSld")?;
    empty(
        &mut x,
        "p:clrMap",
        &[
            ("bg1", "lt1"),
            ("tx1", "dk1"),
            ("bg2", "lt2"),
            ("tx2", "dk2"),
            ("accent1", "accent1"),
            ("accent2", "accent2"),
            ("accent3", "accent3"),
            ("accent4", "accent4"),
            ("accent5", "accent5"),
            ("accent6", "accent6"),
            ("hlink", "hlink"),
            ("folHlink", "folHlink"),
        ],
    )?;
    start(&mut x, "p:sldLayoutIdLst", &[])?;
    empty(
        &mut x,
        "p:sldLayoutId",
        &[("id", "2147483649"), ("r:id", "rId1")],
    )?;
    end(&mut x, "p:sldLayoutIdLst")?;
    end(&mut x, "p:sldMaster")?;
    Ok(x.into_inner())
}

/// `ppt/slideLayouts/slideLayout1.xml`: blank.
fn layout_xml() -> io::Result<Vec<u8>> {
    let mut x = part()?;
    start(
        &mut x,
        "p:sldLayout",
        &[
            ("xmlns:a", NS_A),
            ("xmlns:r", NS_R),
            ("xmlns:p", NS_P),
            ("type", "blank"),
            ("preserve", "1"),
        ],
    )?;
    start(&mut x, "p:cSld", &[("name", "Blank")])?;
    shape_tree_start(&mut x)?;
    end(&mut x, "p:spTree")?;
    end(&mut x, "p:cSld")?;
    color_map_override(&mut x)?;
    end(&mut x, "p:sldLayout")?;
    Ok(x.into_inner())
}

fn color_map_override(x: &mut Xml) -> io::Result<()> {
    start(x, "p:clrMapOvr", &[])?;
    empty(x, "a:masterClrMapping", &[])?;
    end(x, "p:clrMapOvr")
}

/// `ppt/theme/theme1.xml`: black on white, the text font for every script
/// PowerPoint asks for, plain fills and lines.
fn theme_xml() -> io::Result<Vec<u8>> {
    let mut x = part()?;
    start(&mut x, "a:theme", &[("xmlns:a", NS_A), ("name", "ocrloom")])?;
    start(&mut x, "a:themeElements", &[])?;
    start(&mut x, "a:clrScheme", &[("name", "ocrloom")])?;
    for (name, rgb) in [
        ("a:dk1", "000000"),
        ("a:lt1", "FFFFFF"),
        ("a:dk2", "1F1F1F"),
        ("a:lt2", "EEEEEE"),
        ("a:accent1", "4472C4"),
        ("a:accent2", "ED7D31"),
        ("a:accent3", "A5A5A5"),
        ("a:accent4", "FFC000"),
        ("a:accent5", "5B9BD5"),
        ("a:accent6", "70AD47"),
        ("a:hlink", "0563C1"),
        ("a:folHlink", "954F72"),
    ] {
        start(&mut x, name, &[])?;
        empty(&mut x, "a:srgbClr", &[("val", rgb)])?;
        end(&mut x, name)?;
    }
    end(&mut x, "a:clrScheme")?;
    start(&mut x, "a:fontScheme", &[("name", "ocrloom")])?;
    for font in ["a:majorFont", "a:minorFont"] {
        start(&mut x, font, &[])?;
        empty(&mut x, "a:latin", &[("typeface", FONT)])?;
        empty(&mut x, "a:ea", &[("typeface", "")])?;
        empty(&mut x, "a:cs", &[("typeface", "")])?;
        end(&mut x, font)?;
    }
    end(&mut x, "a:fontScheme")?;
    start(&mut x, "a:fmtScheme", &[("name", "ocrloom")])?;
    for list in ["a:fillStyleLst", "a:bgFillStyleLst"] {
        start(&mut x, list, &[])?;
        for _ in 0..3 {
            placeholder_fill(&mut x)?;
        }
        end(&mut x, list)?;
    }
    start(&mut x, "a:lnStyleLst", &[])?;
    for width in ["6350", "12700", "19050"] {
        start(&mut x, "a:ln", &[("w", width)])?;
        placeholder_fill(&mut x)?;
        end(&mut x, "a:ln")?;
    }
    end(&mut x, "a:lnStyleLst")?;
    start(&mut x, "a:effectStyleLst", &[])?;
    for _ in 0..3 {
        start(&mut x, "a:effectStyle", &[])?;
        empty(&mut x, "a:effectLst", &[])?;
        end(&mut x, "a:effectStyle")?;
    }
    end(&mut x, "a:effectStyleLst")?;
    end(&mut x, "a:fmtScheme")?;
    end(&mut x, "a:themeElements")?;
    end(&mut x, "a:theme")?;
    Ok(x.into_inner())
}

/// A fill in the colour the style is used with.
fn placeholder_fill(x: &mut Xml) -> io::Result<()> {
    start(x, "a:solidFill", &[])?;
    empty(x, "a:schemeClr", &[("val", "phClr")])?;
    end(x, "a:solidFill")
}

/// `ppt/slides/slideN.xml`.
fn slide_xml(slide: &Slide, lang: Option<&str>) -> io::Result<Vec<u8>> {
    let mut x = part()?;
    root(&mut x, "p:sld")?;
    start(&mut x, "p:cSld", &[])?;
    if let Some(n) = slide.background {
        start(&mut x, "p:bg", &[])?;
        start(&mut x, "p:bgPr", &[])?;
        blip_fill(&mut x, "a", &media_rel(n))?;
        empty(&mut x, "a:effectLst", &[])?;
        end(&mut x, "p:bgPr")?;
        end(&mut x, "p:bg")?;
    }
    shape_tree_start(&mut x)?;
    for (i, shape) in slide.shapes.iter().enumerate() {
        // Ids 1 is the tree's.
        let id = (i + 2).to_string();
        match shape {
            Shape::Text {
                at,
                size,
                paragraphs,
            } => text_shape(&mut x, &id, *at, *size, paragraphs, lang)?,
            Shape::Picture { at, size, media } => picture(&mut x, &id, *at, *size, *media)?,
            Shape::Table {
                at,
                table,
                grid,
                padding,
                comma,
            } => table_frame(&mut x, &id, *at, (table, grid, *padding), *comma, lang)?,
        }
    }
    end(&mut x, "p:spTree")?;
    end(&mut x, "p:cSld")?;
    color_map_override(&mut x)?;
    end(&mut x, "p:sld")?;
    Ok(x.into_inner())
}

/// A text box: no fill, no insets, wrapping at its width.
fn text_shape(
    x: &mut Xml,
    id: &str,
    at: (f32, f32),
    size: (f32, f32),
    paragraphs: &[TextParagraph],
    lang: Option<&str>,
) -> io::Result<()> {
    start(x, "p:sp", &[])?;
    start(x, "p:nvSpPr", &[])?;
    empty(x, "p:cNvPr", &[("id", id), ("name", &format!("Text {id}"))])?;
    empty(x, "p:cNvSpPr", &[("txBox", "1")])?;
    empty(x, "p:nvPr", &[])?;
    end(x, "p:nvSpPr")?;
    start(x, "p:spPr", &[])?;
    frame(x, at, size)?;
    empty(x, "a:noFill", &[])?;
    end(x, "p:spPr")?;
    start(x, "p:txBody", &[])?;
    let no_inset = [
        ("wrap", "square"),
        ("lIns", "0"),
        ("tIns", "0"),
        ("rIns", "0"),
        ("bIns", "0"),
    ];
    start(x, "a:bodyPr", &no_inset)?;
    empty(x, "a:noAutofit", &[])?;
    end(x, "a:bodyPr")?;
    empty(x, "a:lstStyle", &[])?;
    for p in paragraphs {
        text_paragraph(x, p, lang)?;
    }
    end(x, "p:txBody")?;
    end(x, "p:sp")
}

/// Hundredths of a point.
fn centipoints(v: f32) -> String {
    ((v * 100.0).round() as i64).to_string()
}

/// One paragraph: its lines as runs with line breaks between them.
fn text_paragraph(x: &mut Xml, p: &TextParagraph, lang: Option<&str>) -> io::Result<()> {
    start(x, "a:p", &[])?;
    let align = match p.alignment {
        // The scan's line breaks are kept: a justified line is set as is.
        Alignment::Left | Alignment::Justified => "l",
        Alignment::Center => "ctr",
        Alignment::Right => "r",
    };
    let (margin, indent) = (emu(p.margin), emu(p.indent));
    start(
        x,
        "a:pPr",
        &[("marL", &margin), ("indent", &indent), ("algn", align)],
    )?;
    start(x, "a:lnSpc", &[])?;
    empty(x, "a:spcPts", &[("val", &centipoints(p.pitch.min(1584.0)))])?;
    end(x, "a:lnSpc")?;
    start(x, "a:spcBef", &[])?;
    empty(
        x,
        "a:spcPts",
        &[("val", &centipoints(p.before.min(1584.0)))],
    )?;
    end(x, "a:spcBef")?;
    end(x, "a:pPr")?;
    let size = centipoints(p.size.clamp(1.0, 4000.0));
    let mut props = vec![("sz", size.as_str())];
    if p.bold {
        props.push(("b", "1"));
    }
    if let Some(lang) = lang {
        props.push(("lang", lang));
    }
    for (i, line) in p.lines.iter().enumerate() {
        if i > 0 {
            start(x, "a:br", &[])?;
            run_properties(x, "a:rPr", &props)?;
            end(x, "a:br")?;
        }
        start(x, "a:r", &[])?;
        run_properties(x, "a:rPr", &props)?;
        text(x, "a:t", &[], line)?;
        end(x, "a:r")?;
    }
    run_properties(x, "a:endParaRPr", &props)?;
    end(x, "a:p")
}

/// A run's size, weight and language, in [`FONT`] (named on each run:
/// LibreOffice does not take a text box's font from the theme).
fn run_properties(x: &mut Xml, name: &str, props: &[(&str, &str)]) -> io::Result<()> {
    start(x, name, props)?;
    empty(x, "a:latin", &[("typeface", FONT)])?;
    end(x, name)
}

/// A table in a graphic frame at `at`: its grid, each place of it a cell
/// (a merged cell's first place spans the others, which are marked
/// merged), insets of `padding` points at the sides, lines as ruled.
fn table_frame(
    x: &mut Xml,
    id: &str,
    at: (f32, f32),
    (t, grid, padding): (&Table, &TableGrid, f32),
    comma: bool,
    lang: Option<&str>,
) -> io::Result<()> {
    start(x, "p:graphicFrame", &[])?;
    start(x, "p:nvGraphicFramePr", &[])?;
    empty(
        x,
        "p:cNvPr",
        &[("id", id), ("name", &format!("Table {id}"))],
    )?;
    start(x, "p:cNvGraphicFramePr", &[])?;
    empty(x, "a:graphicFrameLocks", &[("noGrp", "1")])?;
    end(x, "p:cNvGraphicFramePr")?;
    empty(x, "p:nvPr", &[])?;
    end(x, "p:nvGraphicFramePr")?;
    start(x, "p:xfrm", &[])?;
    empty(x, "a:off", &[("x", &emu(at.0)), ("y", &emu(at.1))])?;
    let (w, h) = (emu(grid.width()), emu(grid.height()));
    empty(x, "a:ext", &[("cx", &w), ("cy", &h)])?;
    end(x, "p:xfrm")?;
    start(x, "a:graphic", &[])?;
    start(x, "a:graphicData", &[("uri", NS_TABLE)])?;
    start(x, "a:tbl", &[])?;
    empty(x, "a:tblPr", &[])?;
    start(x, "a:tblGrid", &[])?;
    for w in &grid.columns {
        empty(x, "a:gridCol", &[("w", &emu(*w))])?;
    }
    end(x, "a:tblGrid")?;
    // Which cell covers each place of the grid.
    let mut cover = vec![vec![None; t.columns]; t.rows];
    for (k, c) in t.cells.iter().enumerate() {
        for row in cover.iter_mut().skip(c.row).take(c.row_span) {
            for slot in row.iter_mut().skip(c.column).take(c.column_span) {
                *slot = Some(k);
            }
        }
    }
    let size = centipoints(grid.size.clamp(1.0, 4000.0));
    let mut props = vec![("sz", size.as_str())];
    if let Some(lang) = lang {
        props.push(("lang", lang));
    }
    let pad = emu(padding);
    for (r, row) in cover.iter().enumerate() {
        let height = emu(grid.rows.get(r).copied().unwrap_or_default());
        start(x, "a:tr", &[("h", &height)])?;
        for (col, k) in row.iter().enumerate() {
            let cell = k.map(|k| &t.cells[k]);
            let mut attrs: Vec<(&str, String)> = Vec::new();
            let mut content = "";
            match cell {
                Some(c) if c.row == r && c.column == col => {
                    if c.column_span > 1 {
                        attrs.push(("gridSpan", c.column_span.to_string()));
                    }
                    if c.row_span > 1 {
                        attrs.push(("rowSpan", c.row_span.to_string()));
                    }
                    content = &c.text;
                }
                Some(c) => {
                    if c.column < col {
                        attrs.push(("hMerge", "1".to_owned()));
                    }
                    if c.row < r {
                        attrs.push(("vMerge", "1".to_owned()));
                    }
                }
                None => {}
            }
            let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            start(x, "a:tc", &attrs)?;
            start(x, "a:txBody", &[])?;
            empty(x, "a:bodyPr", &[])?;
            empty(x, "a:lstStyle", &[])?;
            start(x, "a:p", &[])?;
            if numbers::parse(content, comma).is_some() {
                empty(x, "a:pPr", &[("algn", "r")])?;
            }
            if !content.is_empty() {
                start(x, "a:r", &[])?;
                run_properties(x, "a:rPr", &props)?;
                text(x, "a:t", &[], content)?;
                end(x, "a:r")?;
            }
            run_properties(x, "a:endParaRPr", &props)?;
            end(x, "a:p")?;
            end(x, "a:txBody")?;
            let insets = [
                ("marL", pad.as_str()),
                ("marR", pad.as_str()),
                ("marT", "0"),
                ("marB", "0"),
            ];
            start(x, "a:tcPr", &insets)?;
            let last_row = r + 1 == t.rows;
            for (side, drawn) in [
                ("a:lnL", t.ruling == Ruling::Full),
                ("a:lnR", t.ruling == Ruling::Full),
                ("a:lnT", t.ruling == Ruling::Full || r == 0),
                ("a:lnB", t.ruling == Ruling::Full || last_row),
            ] {
                if drawn && t.ruling != Ruling::None {
                    start(x, side, &[("w", RULE_EMU)])?;
                    start(x, "a:solidFill", &[])?;
                    empty(x, "a:srgbClr", &[("val", "000000")])?;
                    end(x, "a:solidFill")?;
                    end(x, side)?;
                } else {
                    start(x, side, &[("w", "0")])?;
                    empty(x, "a:noFill", &[])?;
                    end(x, side)?;
                }
            }
            empty(x, "a:noFill", &[])?;
            end(x, "a:tcPr")?;
            end(x, "a:tc")?;
        }
        end(x, "a:tr")?;
    }
    end(x, "a:tbl")?;
    end(x, "a:graphicData")?;
    end(x, "a:graphic")?;
    end(x, "p:graphicFrame")
}

/// A picture of media `n`.
fn picture(x: &mut Xml, id: &str, at: (f32, f32), size: (f32, f32), n: usize) -> io::Result<()> {
    start(x, "p:pic", &[])?;
    start(x, "p:nvPicPr", &[])?;
    empty(
        x,
        "p:cNvPr",
        &[("id", id), ("name", &format!("Figure {id}"))],
    )?;
    start(x, "p:cNvPicPr", &[])?;
    empty(x, "a:picLocks", &[("noChangeAspect", "1")])?;
    end(x, "p:cNvPicPr")?;
    empty(x, "p:nvPr", &[])?;
    end(x, "p:nvPicPr")?;
    blip_fill(x, "p", &media_rel(n))?;
    start(x, "p:spPr", &[])?;
    frame(x, at, size)?;
    end(x, "p:spPr")?;
    end(x, "p:pic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_another_size_is_scaled_and_centred_on_its_slide() {
        let fit = Fit::new((300.0, 400.0), (600.0, 400.0));
        assert_eq!((fit.scale, fit.dx, fit.dy), (1.0, 150.0, 0.0));
        let half = Fit::new((1200.0, 800.0), (600.0, 800.0));
        assert_eq!((half.scale, half.dx, half.dy), (0.5, 0.0, 200.0));
        let r = Rect {
            x0: 100.0,
            y0: 100.0,
            x1: 300.0,
            y1: 200.0,
        };
        assert_eq!(half.rect(r), ((50.0, 250.0), (100.0, 50.0)));
    }
}
