//! Preprocessing of one page before recognition.
//!
//! - `preprocess/page_stats`: the glyph-height and blank-page measurement
//!   every page gets (connected components of the thresholded page).
//! - `preprocess/enlarge_2x`: the resolution normalisation of a small-text
//!   page (Catmull-Rom, factor 2.2 as for 9-pixel glyphs), as the engine
//!   does it (`preprocess::scale`, SIMD on 8-bit pixels), beside the `image`
//!   crate's resize with the same filter, which it replaced: the ratio of
//!   the two is the reason for the dependency (`docs/decisions.md`).
//!
//! The page is page 1 of `fixtures/sample/scan.pdf` rendered at 300 DPI.
//!
//! ```text
//! cargo bench --bench preprocess
//! ```

use criterion::{criterion_group, criterion_main, Criterion};
use ocrloom::ocr::preprocess;
use ocrloom::raster::{Document, OpenOptions, RenderDpi};

mod common;

const FACTOR: f32 = 2.2;

fn bench(c: &mut Criterion) {
    let path = common::fixture_path("sample/scan.pdf");
    let doc = Document::open_path(&path, &OpenOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let page = doc
        .render(0, RenderDpi::Fixed(300.0))
        .unwrap_or_else(|e| panic!("render: {e}"));
    let gray = preprocess::to_gray(&page.image).into_owned();
    let (w, h) = gray.dimensions();
    let (bw, bh) = (
        (w as f32 * FACTOR).round() as u32,
        (h as f32 * FACTOR).round() as u32,
    );

    let mut group = c.benchmark_group("preprocess");
    group.sample_size(20);
    group.bench_function("page_stats", |b| b.iter(|| preprocess::page_stats(&gray)));
    group.bench_function("enlarge_2x", |b| {
        b.iter(|| preprocess::scale(&gray, FACTOR).expect("scale"))
    });
    group.bench_function("enlarge_2x_image_crate", |b| {
        b.iter(|| image::imageops::resize(&gray, bw, bh, image::imageops::FilterType::CatmullRom))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
