//! Shared helpers for the raster tests.
#![allow(dead_code)]

use ocrloom_raster::{Document, OpenOptions, Page, RenderDpi};
use std::path::PathBuf;

/// The workspace's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Reads a fixture, failing the test if it is missing.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

pub fn open(rel: &str) -> Document {
    Document::open(fixture(rel), &OpenOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn render_all(doc: &Document, dpi: f32) -> Vec<Page> {
    doc.stream(RenderDpi::Fixed(dpi))
        .collect::<Result<Vec<_>, _>>()
        .expect("render")
}
