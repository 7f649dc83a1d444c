//! JSON: pages -> blocks -> lines -> words with boxes in pixels and in
//! points, and confidences. The schema is documented in `JSON.md`.

use ocrloom_ocr::tables::Ruling;
use ocrloom_ocr::{BBox, PageResult};
use ocrloom_raster::Document;
use serde::Serialize;
use std::io::Write;
use std::time::SystemTime;

/// The value of the top-level `schema` field.
pub const SCHEMA: &str = "ocrloom-result/1";

#[derive(Serialize)]
struct Output<'a> {
    schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    pages: Vec<Page<'a>>,
}

#[derive(Serialize)]
struct Page<'a> {
    index: usize,
    ocr: bool,
    width_pt: f64,
    height_pt: f64,
    rotation: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    width_px: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height_px: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dpi: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    orientation: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skew: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mean_confidence: Option<f64>,
    text: String,
    blocks: Vec<Block<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tables: Vec<Table>,
}

#[derive(Serialize)]
struct Table {
    ruling: &'static str,
    rows: usize,
    columns: usize,
    bbox_px: [u32; 4],
    bbox_pt: [f64; 4],
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Cell {
    row: usize,
    column: usize,
    row_span: usize,
    column_span: usize,
    bbox_px: [u32; 4],
    bbox_pt: [f64; 4],
    text: String,
}

#[derive(Serialize)]
struct Block<'a> {
    bbox_px: [u32; 4],
    bbox_pt: [f64; 4],
    lines: Vec<Line<'a>>,
}

#[derive(Serialize)]
struct Line<'a> {
    paragraph: usize,
    bbox_px: [u32; 4],
    bbox_pt: [f64; 4],
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_px: Option<[f64; 4]>,
    font_size: f64,
    text: String,
    words: Vec<Word<'a>>,
}

#[derive(Serialize)]
struct Word<'a> {
    text: &'a str,
    confidence: f64,
    bbox_px: [u32; 4],
    bbox_pt: [f64; 4],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    noise: bool,
}

/// Two decimals: enough for points, and stable across platforms.
fn r2(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

pub(crate) fn write(
    doc: &Document,
    pages: &[Option<&PageResult>],
    timestamp: Option<SystemTime>,
    out: &mut dyn Write,
) -> Result<(), crate::WriteError> {
    let mut output = Output {
        schema: SCHEMA,
        created: timestamp.map(crate::iso_time),
        pages: Vec::with_capacity(pages.len()),
    };
    for (index, (info, page)) in doc.pages().iter().zip(pages).enumerate() {
        let (w_pt, h_pt) = crate::page_size_pt(info);
        let mut p = Page {
            index,
            ocr: page.is_some(),
            width_pt: r2(w_pt),
            height_pt: r2(h_pt),
            rotation: info.rotation,
            width_px: None,
            height_px: None,
            dpi: None,
            orientation: None,
            skew: None,
            language: None,
            mean_confidence: None,
            text: String::new(),
            blocks: Vec::new(),
            tables: Vec::new(),
        };
        if let Some(page) = page {
            let (sx, sy) = (
                w_pt / f64::from(page.width.max(1)),
                h_pt / f64::from(page.height.max(1)),
            );
            let px = |b: &BBox| [b.x0, b.y0, b.x1, b.y1];
            let pt = |b: &BBox| {
                [
                    r2(f64::from(b.x0) * sx),
                    r2(f64::from(b.y0) * sy),
                    r2(f64::from(b.x1) * sx),
                    r2(f64::from(b.y1) * sy),
                ]
            };
            p.width_px = Some(page.width);
            p.height_px = Some(page.height);
            p.dpi = Some(r2(f64::from(page.dpi)));
            p.orientation = Some(page.orientation);
            p.skew = Some(r2(f64::from(page.skew)));
            p.language = Some(&page.language);
            p.mean_confidence = Some(r2(f64::from(page.mean_confidence)));
            p.text = crate::page_text(info, page);
            let mut paragraph = 0;
            for block in &page.blocks {
                let mut lines = Vec::new();
                for para in &block.paragraphs {
                    for line in &para.lines {
                        lines.push(Line {
                            paragraph,
                            bbox_px: px(&line.bbox),
                            bbox_pt: pt(&line.bbox),
                            baseline_px: line
                                .baseline
                                .map(|b| [b.x0, b.y0, b.x1, b.y1].map(|v| r2(f64::from(v)))),
                            font_size: r2(f64::from(line.font_size)),
                            text: line.text(),
                            words: line
                                .words
                                .iter()
                                .map(|w| Word {
                                    text: &w.text,
                                    confidence: r2(f64::from(w.confidence)),
                                    bbox_px: px(&w.bbox),
                                    bbox_pt: pt(&w.bbox),
                                    noise: w.noise,
                                })
                                .collect(),
                        });
                    }
                    paragraph += 1;
                }
                p.blocks.push(Block {
                    bbox_px: px(&block.bbox),
                    bbox_pt: pt(&block.bbox),
                    lines,
                });
            }
            p.tables = page
                .structure
                .iter()
                .flat_map(|s| &s.tables)
                .map(|t| Table {
                    ruling: match t.ruling {
                        Ruling::Full => "full",
                        Ruling::Horizontal => "horizontal",
                        Ruling::None => "none",
                    },
                    rows: t.rows,
                    columns: t.columns,
                    bbox_px: px(&t.source),
                    bbox_pt: pt(&t.source),
                    cells: t
                        .cells
                        .iter()
                        .map(|c| Cell {
                            row: c.row,
                            column: c.column,
                            row_span: c.row_span,
                            column_span: c.column_span,
                            bbox_px: px(&c.source),
                            bbox_pt: pt(&c.source),
                            text: c.text.clone(),
                        })
                        .collect(),
                })
                .collect();
        }
        output.pages.push(p);
    }
    serde_json::to_writer_pretty(&mut *out, &output).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    Ok(())
}
