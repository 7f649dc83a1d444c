//! Building a [`Page`] from an OCR result.

use crate::order::{bands, extent, read_across, Flow};
use crate::tables::Table;
use crate::{
    Alignment, Band, Column, Figure, Line, Margins, Page, Paragraph, Rect, Region, Role, TextBlock,
};
use ocrloom_ocr::{BBox, PageResult};

/// What a page's layout is built from.
#[derive(Debug, Clone, Copy)]
pub struct PageInput<'a> {
    /// The OCR result.
    pub result: &'a PageResult,
    /// The page's displayed size in points, as the input shows it (before
    /// the turn the OCR applied, if any).
    pub size_pt: (f64, f64),
}

/// A heading is at least this much bigger than the body text...
const HEADING: f32 = 1.25;
/// ... and a level-1 heading at least this much.
const HEADING_1: f32 = 1.7;
/// A heading has at most this many lines.
const HEADING_LINES: usize = 3;

/// Maps the result's pixels to upright points.
struct Frame {
    rot: u16,
    /// Points per pixel, across and down the input image.
    sx: f32,
    sy: f32,
    /// The input image's size in points.
    w: f32,
    h: f32,
}

impl Frame {
    fn new(r: &PageResult, size_pt: (f64, f64)) -> Frame {
        let (w, h) = (size_pt.0 as f32, size_pt.1 as f32);
        Frame {
            rot: r.orientation,
            sx: w / r.width.max(1) as f32,
            sy: h / r.height.max(1) as f32,
            w,
            h,
        }
    }

    fn rect(&self, b: BBox) -> Rect {
        let (x0, y0) = (b.x0 as f32 * self.sx, b.y0 as f32 * self.sy);
        let (x1, y1) = (b.x1 as f32 * self.sx, b.y1 as f32 * self.sy);
        let (w, h) = (self.w, self.h);
        match self.rot {
            90 => Rect {
                x0: h - y1,
                y0: x0,
                x1: h - y0,
                y1: x1,
            },
            180 => Rect {
                x0: w - x1,
                y0: h - y1,
                x1: w - x0,
                y1: h - y0,
            },
            270 => Rect {
                x0: y0,
                y0: w - x1,
                x1: y1,
                y1: w - x0,
            },
            _ => Rect { x0, y0, x1, y1 },
        }
    }

    /// The upright page's size.
    fn size(&self) -> (f32, f32) {
        if self.rot == 90 || self.rot == 270 {
            (self.h, self.w)
        } else {
            (self.w, self.h)
        }
    }
}

impl Page {
    /// The layout of one recognized page, with the tables and figures
    /// recognition found on it ([`ocrloom_ocr::PageResult::structure`]):
    /// a table's words leave the text flow, its boxes get points, and the
    /// margins make room for it.
    pub fn build(input: &PageInput<'_>) -> Page {
        let found = input.result.structure.as_ref();
        let (found_tables, figures) = found.map_or((&[][..], &[][..]), |s| {
            (s.tables.as_slice(), s.figures.as_slice())
        });
        let rest;
        let result = if found_tables.is_empty() {
            input.result
        } else {
            rest = ocrloom_ocr::tables::without_tables(input.result, found_tables);
            &rest
        };
        let mut page = Page::without_tables(result, input.size_pt, figures);
        let frame = Frame::new(input.result, input.size_pt);
        let tables: Vec<Table> = found_tables
            .iter()
            .map(|t| Table::place(t, |b| frame.rect(b)))
            .collect();
        if let Some(c) = tables.iter().map(|t| t.bbox).reduce(|a, b| a.union(&b)) {
            let (w, h) = (page.width, page.height);
            let m = &mut page.margins;
            let empty = page.bands.is_empty();
            let side = |was: f32, now: f32| if empty { now } else { was.min(now) };
            *m = Margins {
                left: side(m.left, c.x0.max(0.0)),
                top: side(m.top, c.y0.max(0.0)),
                right: side(m.right, (w - c.x1).max(0.0)),
                bottom: side(m.bottom, (h - c.y1).max(0.0)),
            };
        }
        page.tables = tables;
        page
    }

    /// The layout of the text of `r` (shown at `size_pt`) and its
    /// `figures` (in the result's pixels), without tables.
    fn without_tables(r: &PageResult, size_pt: (f64, f64), figures: &[BBox]) -> Page {
        let frame = Frame::new(r, size_pt);
        // The engine's sizes are in points at the resolution it was told;
        // the page may be shown at another size.
        let down = if r.orientation == 90 || r.orientation == 270 {
            frame.sx
        } else {
            frame.sy
        };
        let size_scale = if r.dpi > 0.0 {
            down * r.dpi / 72.0
        } else {
            1.0
        };
        let mut blocks: Vec<TextBlock> = Vec::new();
        for b in &r.blocks {
            let mut paragraphs = Vec::new();
            for p in &b.paragraphs {
                // Words flagged as noise (stamps, signatures) are no part
                // of the layout: neither its text nor its boxes.
                let lines: Vec<Line> = p
                    .lines
                    .iter()
                    .filter_map(|l| {
                        Some(Line {
                            bbox: frame.rect(l.text_bbox()?),
                            font_size: round1(l.font_size * size_scale),
                            text: l.text(),
                        })
                    })
                    .filter(|l| !l.text.is_empty())
                    .collect();
                if let Some(para) = paragraph(lines) {
                    paragraphs.push(para);
                }
            }
            if !paragraphs.is_empty() {
                let bbox = paragraphs
                    .iter()
                    .map(|p| p.bbox)
                    .reduce(|a, b| a.union(&b))
                    .unwrap_or_default();
                blocks.push(TextBlock { bbox, paragraphs });
            }
        }
        let skew = if r.orientation == 0 { r.skew } else { 0.0 };
        let mut blocks = read_across(blocks, skew);
        let body_size = body_size(&blocks);
        for p in blocks.iter_mut().flat_map(|b| b.paragraphs.iter_mut()) {
            p.role = role(p, body_size);
        }
        let (width, height) = frame.size();
        let figures: Vec<Figure> = figures
            .iter()
            .map(|&source| Figure {
                bbox: frame.rect(source),
                source,
            })
            .collect();
        let content = blocks
            .iter()
            .map(|b| b.bbox)
            .chain(figures.iter().map(|f| f.bbox))
            .reduce(|a, b| a.union(&b));
        let margins = content.map_or(Margins::default(), |c| Margins {
            left: c.x0.max(0.0),
            top: c.y0.max(0.0),
            right: (width - c.x1).max(0.0),
            bottom: (height - c.y1).max(0.0),
        });
        let mut bands = text_bands(blocks, content.unwrap_or_default(), flow(r));
        for figure in figures {
            place(&mut bands, figure, content.unwrap_or_default());
        }
        for band in &mut bands {
            for col in &mut band.columns {
                let area = col.bbox;
                for region in &mut col.regions {
                    if let Region::Text(t) = region {
                        for p in &mut t.paragraphs {
                            align(p, area);
                        }
                    }
                }
            }
        }
        Page {
            index: r.index,
            width,
            height,
            margins,
            language: r.language.clone(),
            body_size,
            bands,
            tables: Vec::new(),
        }
    }
}

fn round1(v: f32) -> f32 {
    (v * 10.0).round() / 10.0
}

/// A paragraph of `lines` (none without lines); role and alignment are set
/// later, when the page's body size and columns are known.
pub(crate) fn paragraph(lines: Vec<Line>) -> Option<Paragraph> {
    let bbox = lines.iter().map(|l| l.bbox).reduce(|a, b| a.union(&b))?;
    let mut sizes: Vec<f32> = lines.iter().map(|l| l.font_size).collect();
    sizes.sort_by(f32::total_cmp);
    let font_size = sizes[sizes.len() / 2];
    Some(Paragraph {
        bbox,
        lines,
        font_size,
        role: Role::Body,
        alignment: Alignment::Left,
        indent: 0.0,
        first_line_indent: 0.0,
    })
}

/// The size most characters of the page have (0 without text).
fn body_size(blocks: &[TextBlock]) -> f32 {
    let mut sizes: Vec<(f32, usize)> = blocks
        .iter()
        .flat_map(|b| b.paragraphs.iter())
        .flat_map(|p| p.lines.iter())
        .map(|l| (l.font_size, l.text.chars().count()))
        .collect();
    sizes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: usize = sizes.iter().map(|s| s.1).sum();
    let mut seen = 0;
    for (size, n) in sizes {
        seen += n;
        if seen * 2 >= total {
            return size;
        }
    }
    0.0
}

/// Heading (much bigger than the body, short), list item (starts with a
/// bullet or a number) or body text.
fn role(p: &Paragraph, body_size: f32) -> Role {
    if body_size > 0.0 && p.lines.len() <= HEADING_LINES {
        if p.font_size >= body_size * HEADING_1 {
            return Role::Heading(1);
        }
        if p.font_size >= body_size * HEADING {
            return Role::Heading(2);
        }
    }
    let first = p
        .lines
        .first()
        .and_then(|l| l.text.split_whitespace().next())
        .unwrap_or_default();
    if is_list_marker(first) && p.lines[0].text.len() > first.len() {
        return Role::ListItem;
    }
    Role::Body
}

/// A bullet (`•`, `-`, `*`...) or an enumerator (`1.`, `2)`, `(a)`, `iv.`).
fn is_list_marker(token: &str) -> bool {
    if matches!(
        token,
        "•" | "·" | "▪" | "■" | "●" | "◦" | "–" | "-" | "*" | "o"
    ) {
        return true;
    }
    let inner = token.strip_prefix('(').unwrap_or(token);
    let Some(core) = inner.strip_suffix(['.', ')']) else {
        return false;
    };
    let digits = !core.is_empty() && core.len() <= 3 && core.chars().all(|c| c.is_ascii_digit());
    let letter = core.len() == 1 && core.chars().all(|c| c.is_ascii_lowercase());
    let roman = !core.is_empty() && core.len() <= 4 && core.chars().all(|c| "ivx".contains(c));
    digits || letter || roman
}

/// Right to left when most of the page's characters stand in columns
/// ([`ocrloom_ocr::Line::is_column`]): vertical Chinese and Japanese writing.
fn flow(r: &PageResult) -> Flow {
    let (mut all, mut upright) = (0usize, 0usize);
    for line in r
        .blocks
        .iter()
        .flat_map(|b| &b.paragraphs)
        .flat_map(|p| &p.lines)
    {
        let n: usize = line.words.iter().map(|w| w.text.chars().count()).sum();
        all += n;
        if line.is_column() {
            upright += n;
        }
    }
    if all > 0 && 2 * upright > all {
        Flow::RightToLeft
    } else {
        Flow::LeftToRight
    }
}

/// The text blocks in bands of columns; a band of one column spans the
/// whole content width (so that its alignments are measured against it).
fn text_bands(blocks: Vec<TextBlock>, content: Rect, flow: Flow) -> Vec<Band> {
    let rects: Vec<Rect> = blocks.iter().map(|b| b.bbox).collect();
    let mut heights: Vec<f32> = blocks
        .iter()
        .flat_map(|b| b.paragraphs.iter().flat_map(|p| p.lines.iter()))
        .map(|l| l.bbox.height())
        .collect();
    heights.sort_by(f32::total_cmp);
    let order = bands(
        &rects,
        heights.get(heights.len() / 2).copied().unwrap_or(0.0),
        flow,
    );
    let mut slots: Vec<Option<TextBlock>> = blocks.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|cols| {
            let single = cols.len() == 1;
            let columns: Vec<Column> = cols
                .into_iter()
                .map(|ids| {
                    let mut bbox = extent(&ids, &rects);
                    if single {
                        bbox.x0 = content.x0;
                        bbox.x1 = content.x1;
                    }
                    Column {
                        bbox,
                        regions: ids
                            .iter()
                            .filter_map(|&i| slots[i].take().map(Region::Text))
                            .collect(),
                    }
                })
                .collect();
            let bbox = columns
                .iter()
                .map(|c| c.bbox)
                .reduce(|a, b| a.union(&b))
                .unwrap_or_default();
            Band { bbox, columns }
        })
        .collect()
}

/// Puts a figure where it stands: in the column of the band its centre is
/// in, before the first region below its top; in a band of its own where
/// no band is at its height.
fn place(bands: &mut Vec<Band>, figure: Figure, content: Rect) {
    let cy = (figure.bbox.y0 + figure.bbox.y1) / 2.0;
    let cx = (figure.bbox.x0 + figure.bbox.x1) / 2.0;
    if let Some(band) = bands
        .iter_mut()
        .find(|b| b.bbox.y0 <= cy && cy <= b.bbox.y1)
    {
        let distance = |c: &Column| {
            if c.bbox.x0 <= cx && cx <= c.bbox.x1 {
                0.0
            } else {
                (c.bbox.x0 - cx).abs().min((c.bbox.x1 - cx).abs())
            }
        };
        let Some(col) = band
            .columns
            .iter_mut()
            .min_by(|a, b| distance(a).total_cmp(&distance(b)))
        else {
            return;
        };
        let at = col
            .regions
            .iter()
            .position(|r| r.bbox().y0 > figure.bbox.y0)
            .unwrap_or(col.regions.len());
        col.regions.insert(at, Region::Figure(figure));
        band.bbox = band.bbox.union(&figure.bbox);
        col.bbox = col.bbox.union(&figure.bbox);
        return;
    }
    let at = bands
        .iter()
        .position(|b| b.bbox.y0 > cy)
        .unwrap_or(bands.len());
    let bbox = Rect {
        x0: content.x0,
        x1: content.x1,
        ..figure.bbox
    };
    let band = Band {
        bbox,
        columns: vec![Column {
            bbox,
            regions: vec![Region::Figure(figure)],
        }],
    };
    // A one-column band joins a one-column neighbour above.
    if at > 0 && bands[at - 1].columns.len() == 1 {
        let above = &mut bands[at - 1];
        above.bbox = above.bbox.union(&bbox);
        above.columns[0].bbox = above.columns[0].bbox.union(&bbox);
        above.columns[0].regions.push(Region::Figure(figure));
    } else {
        bands.insert(at, band);
    }
}

/// Sets a paragraph's alignment and indentation from its lines' edges in
/// `area` (its column).
fn align(p: &mut Paragraph, area: Rect) {
    let tol = (p.font_size * 0.8).max(3.0);
    let lefts: Vec<f32> = p.lines.iter().map(|l| l.bbox.x0 - area.x0).collect();
    let rights: Vec<f32> = p.lines.iter().map(|l| area.x1 - l.bbox.x1).collect();
    let centres: Vec<f32> = p
        .lines
        .iter()
        .map(|l| (l.bbox.x0 + l.bbox.x1) / 2.0 - (area.x0 + area.x1) / 2.0)
        .collect();
    let n = p.lines.len();
    let body_left = if n >= 2 {
        lefts[1..].iter().copied().fold(f32::INFINITY, f32::min)
    } else {
        lefts[0]
    };
    let flush = |v: &[f32]| {
        let min = v.iter().copied().fold(f32::INFINITY, f32::min);
        v.iter().all(|x| x - min <= tol) && min <= tol
    };
    let centred = centres.iter().all(|c| c.abs() <= tol);
    p.alignment = if n >= 2 {
        let left = flush(&lefts[1..]);
        let right = flush(&rights[..n - 1]);
        if left && right {
            Alignment::Justified
        } else if left {
            Alignment::Left
        } else if flush(&rights) {
            Alignment::Right
        } else if centred {
            Alignment::Center
        } else {
            Alignment::Left
        }
    } else if lefts[0] > tol && centred {
        Alignment::Center
    } else if lefts[0] > 2.0 * tol && rights[0] <= tol {
        Alignment::Right
    } else {
        Alignment::Left
    };
    if matches!(p.alignment, Alignment::Left | Alignment::Justified) {
        p.indent = body_left.max(0.0);
        p.first_line_indent = lefts[0] - p.indent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocrloom_ocr::{Block, Line as OcrLine, Paragraph as OcrParagraph, Structure, Word};

    /// A line of `words` at (x0, y0), 10 px per character, `px` high; the
    /// engine's size `px` points (a 72 DPI page: one pixel, one point).
    fn line(x0: u32, y0: u32, px: u32, text: &str) -> OcrLine {
        let mut x = x0;
        let words = text
            .split(' ')
            .map(|t| {
                let bbox = BBox {
                    x0: x,
                    y0,
                    x1: x + 10 * t.len() as u32,
                    y1: y0 + px,
                };
                x = bbox.x1 + 10;
                Word {
                    text: t.into(),
                    bbox,
                    confidence: 90.0,
                    noise: false,
                }
            })
            .collect::<Vec<_>>();
        let bbox = words
            .iter()
            .map(|w| w.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap_or_default();
        OcrLine {
            bbox,
            baseline: None,
            font_size: px as f32,
            words,
        }
    }

    fn block(lines: Vec<OcrLine>) -> Block {
        let bbox = lines
            .iter()
            .map(|l| l.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap_or_default();
        Block {
            bbox,
            paragraphs: vec![OcrParagraph { bbox, lines }],
        }
    }

    fn page(blocks: Vec<Block>) -> PageResult {
        let mut r = PageResult::empty(0, 600, 800, 72.0);
        r.blocks = blocks;
        r
    }

    fn build(r: &PageResult, figures: &[BBox]) -> Page {
        let mut r = r.clone();
        r.structure
            .get_or_insert_with(Structure::default)
            .figures
            .extend_from_slice(figures);
        Page::build(&PageInput {
            result: &r,
            size_pt: (600.0, 800.0),
        })
    }

    #[test]
    fn headings_lists_and_body_by_size_and_marker() {
        let r = page(vec![
            block(vec![line(100, 20, 30, "Title")]),
            block(vec![line(50, 80, 16, "Section")]),
            block(vec![
                line(50, 120, 10, "body text that runs"),
                line(50, 135, 10, "on and on"),
            ]),
            block(vec![line(50, 160, 10, "1. first item")]),
        ]);
        let p = build(&r, &[]);
        assert_eq!(p.body_size, 10.0);
        let roles: Vec<Role> = p.paragraphs().map(|p| p.role).collect();
        assert_eq!(
            roles,
            [
                Role::Heading(1),
                Role::Heading(2),
                Role::Body,
                Role::ListItem
            ]
        );
        assert_eq!(
            p.text(),
            "Title\n\nSection\n\nbody text that runs\non and on\n\n1. first item"
        );
        assert_eq!(p.margins.left, 50.0);
        assert_eq!(p.margins.top, 20.0);
    }

    #[test]
    fn columns_of_vertical_writing_read_right_to_left() {
        // Three columns of Japanese standing upright: title at the right,
        // the body's two columns to its left, given left to right.
        let column = |x: u32, text: &str| {
            let mut l = line(x, 100, 20, text);
            l.bbox = BBox {
                x0: x,
                y0: 100,
                x1: x + 20,
                y1: 100 + 20 * text.chars().count() as u32,
            };
            l.words[0].bbox = l.bbox;
            l
        };
        let r = page(vec![
            block(vec![column(100, "本文の二列目です")]),
            block(vec![column(200, "本文の一列目です")]),
            block(vec![column(400, "題名")]),
        ]);
        assert_eq!(
            build(&r, &[]).text(),
            "題名\n\n本文の一列目です\n\n本文の二列目です"
        );
        // The same blocks lying flat read left to right.
        let flat = page(vec![
            block(vec![line(100, 100, 20, "one")]),
            block(vec![line(300, 100, 20, "two")]),
        ]);
        assert_eq!(build(&flat, &[]).text(), "one\n\ntwo");
    }

    #[test]
    fn alignment_from_line_edges() {
        // The column spans 50..550 (the widest block).
        let r = page(vec![
            block(vec![line(50, 20, 10, &"x".repeat(49))]),
            block(vec![line(265, 60, 10, "centred")]),
            block(vec![line(490, 100, 10, "right")]),
            block(vec![
                line(50, 140, 10, &"y".repeat(49)),
                line(50, 155, 10, &"z".repeat(49)),
                line(50, 170, 10, "end"),
            ]),
            block(vec![
                line(80, 200, 10, "indented first"),
                line(50, 215, 10, "then flush"),
            ]),
        ]);
        let p = build(&r, &[]);
        let got: Vec<Alignment> = p.paragraphs().map(|p| p.alignment).collect();
        use Alignment::*;
        assert_eq!(got, [Left, Center, Right, Justified, Left]);
        let last = p.paragraphs().last().expect("paragraphs");
        assert_eq!((last.indent, last.first_line_indent), (0.0, 30.0));
    }

    #[test]
    fn a_figure_goes_into_its_column_before_the_text_below_it() {
        let left = block(
            (0..30)
                .map(|i| line(50, 100 + 15 * i, 10, "left column"))
                .collect(),
        );
        let right_top = block(vec![line(320, 100, 10, "right top")]);
        let right_low = block(vec![line(320, 500, 10, "right low")]);
        let r = page(vec![left, right_top, right_low]);
        let fig = BBox {
            x0: 320,
            y0: 200,
            x1: 550,
            y1: 400,
        };
        let p = build(&r, &[fig]);
        assert_eq!(p.bands.len(), 1);
        let right = &p.bands[0].columns[1];
        assert!(matches!(right.regions[1], Region::Figure(f) if f.source == fig));
        assert_eq!(right.regions.len(), 3);
        // Figures never change the text.
        assert_eq!(p.text(), build(&r, &[]).text());
    }

    #[test]
    fn a_page_the_ocr_turned_is_upright_in_points() {
        // Input 600 x 800 px, text turned 90 degrees clockwise to read.
        let mut r = page(vec![block(vec![line(100, 50, 10, "word")])]);
        r.orientation = 90;
        let p = build(&r, &[]);
        assert_eq!((p.width, p.height), (800.0, 600.0));
        let l = &p.paragraphs().next().expect("a paragraph").lines[0];
        // x 100..140, y 50..60 -> x 800-60..800-50, y 100..140.
        assert_eq!(
            l.bbox,
            Rect {
                x0: 740.0,
                y0: 100.0,
                x1: 750.0,
                y1: 140.0
            }
        );
    }

    #[test]
    fn font_sizes_follow_the_page_size_and_resolution() {
        // The same page shown at half size: half the points.
        let r = page(vec![block(vec![line(50, 50, 20, "big")])]);
        let p = Page::build(&PageInput {
            result: &r,
            size_pt: (300.0, 400.0),
        });
        assert_eq!(p.paragraphs().next().expect("a paragraph").font_size, 10.0);
    }

    #[test]
    fn hyphens_rejoin_only_before_a_lowercase_continuation() {
        let r = page(vec![block(vec![
            line(50, 50, 10, "a long exam-"),
            line(50, 65, 10, "ple and Anglo-"),
            line(50, 80, 10, "Saxon end"),
        ])]);
        let p = build(&r, &[]);
        let para = p.paragraphs().next().expect("a paragraph");
        assert_eq!(para.flowing_text(), "a long example and Anglo- Saxon end");
        assert!(is_list_marker("(iv)") && is_list_marker("12.") && !is_list_marker("Mr."));
    }

    #[test]
    fn chinese_and_japanese_lines_flow_without_spaces() {
        let r = page(vec![block(vec![
            line(50, 50, 10, "日本語の"),
            line(50, 65, 10, "文章です"),
            line(50, 80, 10, "OK"),
        ])]);
        let p = build(&r, &[]);
        let para = p.paragraphs().next().expect("a paragraph");
        assert_eq!(para.flowing_text(), "日本語の文章です OK");
    }

    #[test]
    fn a_tables_text_stands_where_it_is_in_the_flow() {
        let mut r = page(vec![
            block(vec![line(50, 20, 20, "Title")]),
            block(vec![line(50, 300, 10, "After the table")]),
        ]);
        let cell = |row, column, x0, text: &str| ocrloom_ocr::tables::Cell {
            row,
            column,
            row_span: 1,
            column_span: 1,
            source: BBox {
                x0,
                y0: 100 + 50 * row as u32,
                x1: x0 + 100,
                y1: 150 + 50 * row as u32,
            },
            text: text.into(),
        };
        r.structure = Some(Structure {
            tables: vec![ocrloom_ocr::tables::Table {
                source: BBox {
                    x0: 50,
                    y0: 100,
                    x1: 250,
                    y1: 200,
                },
                rows: 2,
                columns: 2,
                ruling: crate::tables::Ruling::Full,
                cells: vec![
                    cell(0, 0, 50, "Item"),
                    cell(0, 1, 150, "Price"),
                    cell(1, 0, 50, ""),
                    cell(1, 1, 150, "3.50"),
                ],
                words: Vec::new(),
            }],
            figures: Vec::new(),
        });
        let p = build(&r, &[]);
        assert_eq!(p.text(), "Title\n\nItem\tPrice\n3.50\n\nAfter the table");
    }

    #[test]
    fn the_margins_make_room_for_a_table() {
        // A heading from x 100 to 200; a table from 50 to 550 below it.
        let with_table = |mut r: PageResult| {
            r.structure = Some(Structure {
                tables: vec![ocrloom_ocr::tables::Table {
                    source: BBox {
                        x0: 50,
                        y0: 100,
                        x1: 550,
                        y1: 200,
                    },
                    rows: 1,
                    columns: 1,
                    ruling: crate::tables::Ruling::Full,
                    cells: Vec::new(),
                    words: Vec::new(),
                }],
                figures: Vec::new(),
            });
            r
        };
        let r = with_table(page(vec![block(vec![line(100, 20, 30, "Title")])]));
        let p = Page::build(&PageInput {
            result: &r,
            size_pt: (600.0, 800.0),
        });
        assert_eq!(p.tables[0].bbox.x1, 550.0);
        let m = p.margins;
        assert_eq!(
            (m.left, m.top, m.right, m.bottom),
            (50.0, 20.0, 50.0, 600.0)
        );
        // A page with only a table has its margins.
        let empty = with_table(page(Vec::new()));
        let p = Page::build(&PageInput {
            result: &empty,
            size_pt: (600.0, 800.0),
        });
        let m = p.margins;
        assert_eq!(
            (m.left, m.top, m.right, m.bottom),
            (50.0, 100.0, 50.0, 600.0)
        );
    }
}
