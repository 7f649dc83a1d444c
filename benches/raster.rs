//! Rasterization: opening a document and rendering one page at 300 DPI, for
//! a scanned page (a JPEG scan in a PDF), a born-digital page (vector text),
//! and a CCITT G4 TIFF page.

use criterion::{criterion_group, criterion_main, Criterion};
use ocrloom::raster::{Document, OpenOptions, RenderDpi};

mod common;

use common::fixture;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("raster");
    group.sample_size(20);
    for (name, rel) in [
        ("scanned_pdf_page_300dpi", "sample/scan.pdf"),
        ("born_digital_pdf_page_300dpi", "raster/rotated-pages.pdf"),
        ("g4_tiff_page", "raster/g4-3pages.tif"),
    ] {
        let doc = Document::open(fixture(rel), &OpenOptions::default()).expect("open");
        group.bench_function(name, |b| {
            b.iter(|| doc.render(0, RenderDpi::Fixed(300.0)).expect("render"))
        });
    }
    let bytes = fixture("sample/scan.pdf");
    group.bench_function("open_pdf_3_pages", |b| {
        b.iter(|| Document::open(bytes.clone(), &OpenOptions::default()).expect("open"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
