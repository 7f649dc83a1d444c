//! Format detection: how long sniffing the first bytes takes, per format.

use criterion::{criterion_group, criterion_main, Criterion};
use ocrloom::detect::detect;
use std::hint::black_box;

mod common;

use common::fixture;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("detect");
    for rel in [
        "sample/scan.pdf",
        "raster/g4-3pages.tif",
        "raster/letter-72dpi.jpg",
        "raster/same-page.png",
        "raster/os2.bmp",
        "malformed/pdf_ocrmypdf_invalid.pdf",
    ] {
        let bytes = fixture(rel);
        group.bench_function(rel, |b| b.iter(|| detect(black_box(&bytes))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
