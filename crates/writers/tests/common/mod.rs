//! Shared helpers: fixture paths and constructed recognition results.

#![allow(dead_code)]

use ocrloom_ocr::{BBox, Baseline, Block, Line, PageResult, Paragraph, Word};
use std::path::PathBuf;

/// `fixtures/writers/<name>` from the workspace root.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/writers")
        .join(name)
}

pub fn bbox(x0: u32, y0: u32, x1: u32, y1: u32) -> BBox {
    BBox { x0, y0, x1, y1 }
}

/// A page of `lines`, each a list of `(text, box)`; one block, one
/// paragraph per line.
pub fn page(index: usize, width: u32, height: u32, lines: &[&[(&str, BBox)]]) -> PageResult {
    let mut p = PageResult::empty(index, width, height, 300.0);
    p.language = "eng".into();
    let mut paragraphs = Vec::new();
    for words in lines {
        let lb = words
            .iter()
            .map(|(_, b)| *b)
            .reduce(|a, b| a.union(&b))
            .unwrap_or_default();
        paragraphs.push(Paragraph {
            bbox: lb,
            lines: vec![Line {
                bbox: lb,
                baseline: Some(Baseline {
                    x0: lb.x0 as f32,
                    y0: lb.y1 as f32,
                    x1: lb.x1 as f32,
                    y1: lb.y1 as f32,
                }),
                font_size: lb.height() as f32 * 72.0 / 300.0,
                words: words
                    .iter()
                    .map(|(t, b)| Word {
                        text: (*t).into(),
                        bbox: *b,
                        confidence: 91.5,
                        noise: false,
                    })
                    .collect(),
            }],
        });
    }
    let bb = paragraphs
        .iter()
        .map(|p| p.bbox)
        .reduce(|a, b| a.union(&b))
        .unwrap_or_default();
    if !paragraphs.is_empty() {
        p.blocks.push(Block {
            bbox: bb,
            paragraphs,
        });
    }
    p.update_mean_confidence();
    p
}

/// A two-line page with accented, Greek and non-BMP text.
pub fn sample_page(index: usize, width: u32, height: u32) -> PageResult {
    let (w, h) = (width as f32, height as f32);
    let b = |x0: f32, y0: f32, x1: f32, y1: f32| {
        bbox(
            (x0 * w) as u32,
            (y0 * h) as u32,
            (x1 * w) as u32,
            (y1 * h) as u32,
        )
    };
    page(
        index,
        width,
        height,
        &[
            &[
                ("Grüße", b(0.10, 0.10, 0.30, 0.14)),
                ("aus", b(0.33, 0.11, 0.42, 0.14)),
                ("Zürich", b(0.45, 0.10, 0.70, 0.14)),
            ],
            &[
                ("Ελληνικά", b(0.10, 0.20, 0.40, 0.24)),
                ("&<>\"", b(0.45, 0.20, 0.55, 0.24)),
                ("𝔘nicode", b(0.60, 0.20, 0.85, 0.24)),
            ],
        ],
    )
}
