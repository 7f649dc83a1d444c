//! OCR throughput.
//!
//! - `ocr_page`: one 300-DPI page (page 1 of `fixtures/sample/scan.pdf`, a
//!   typewritten letter) recognized by the library on the calling thread,
//!   with `Preprocess::none()` (parity: the same pixels, DPI and PSM 3 the
//!   CLI gets) and with the default settings, against the Tesseract CLI
//!   (`tesseract IMG stdout --psm 3 -l eng --dpi 300`) on the same grey
//!   image. The CLI pays its model load on every page; the library loads
//!   models once per worker thread. `library_default_blank` is a white page
//!   of the same size (skipped before Tesseract).
//! - `ocr_document`: pages/s of a 20-page document (four times: the 3 pages
//!   of `scan.pdf`, rendered at 300 DPI by the page stream, and the two
//!   single-page `fixtures/ocr` scans) with 1 and 2 worker threads.
//!
//! - `pipeline_page`: pages end to end through `Pipeline` (open, choose
//!   the pages that need OCR, recognize, write the searchable PDF) with the
//!   default options, in pages/s: the 3 scanned pages of `scan.pdf` (OCR'd)
//!   against the 5 born-digital pages of `rotated-pages.pdf`, which already
//!   carry text and are kept as they are (no rendering, no OCR).
//!
//! Run with `OMP_THREAD_LIMIT=1` in the environment, or Tesseract's OpenMP
//! threads make every page several times slower (libgomp reads it at process
//! start; the library warns when it is missing):
//!
//! ```text
//! OMP_THREAD_LIMIT=1 cargo bench --bench ocr
//! ```
//!
//! Each iteration takes seconds, so the groups use flat sampling with the
//! minimum of 10 samples. Needs Tesseract's `eng` and `osd` models and, for
//! the CLI comparison, the `tesseract` binary on `PATH` (skipped without it).

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ocrloom::ocr::{CancelToken, Preprocess, Recognizer, Settings, TesseractEngine};
use ocrloom::raster::{Document, OpenOptions, Page, PageImage, RenderDpi};
use ocrloom::writers::OutputFormat;
use ocrloom::{Options, Pipeline};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::fixture_path as fixture;

fn open(rel: &str) -> Document {
    let path = fixture(rel);
    Document::open_path(&path, &OpenOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn settings(pre: Preprocess) -> Settings {
    Settings {
        preprocess: pre,
        ..Settings::default()
    }
}

fn page(c: &mut Criterion, engine: &Arc<TesseractEngine>) {
    let rendered = open("sample/scan.pdf")
        .render(0, RenderDpi::Fixed(300.0))
        .expect("render");
    // Both sides get the same 8-bit grey pixels.
    let gray = rendered.image.to_gray();
    let png = std::env::temp_dir().join(format!("ocrloom-bench-{}.png", std::process::id()));
    gray.save(&png).expect("write the page for the CLI");
    let blank = Page {
        image: PageImage::Gray(image::GrayImage::from_pixel(
            gray.width(),
            gray.height(),
            image::Luma([255]),
        )),
        ..rendered.clone()
    };
    let page = Page {
        image: PageImage::Gray(gray),
        ..rendered
    };
    let recognizer = Recognizer::new(engine.clone(), Some(1)).expect("pool");

    let mut group = c.benchmark_group("ocr_page");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    for (name, pre) in [
        ("library_none", Preprocess::none()),
        ("library_default", Preprocess::default()),
    ] {
        let s = settings(pre);
        group.bench_function(name, |b| {
            b.iter(|| recognizer.recognize_page(&page, &s).expect("recognize"))
        });
    }
    // A blank page of the same size should cost next to nothing.
    let s = Settings::default();
    group.bench_function("library_default_blank", |b| {
        b.iter(|| recognizer.recognize_page(&blank, &s).expect("recognize"))
    });
    let cli = |img: &Path| {
        Command::new("tesseract")
            .arg(img)
            .args(["stdout", "--psm", "3", "-l", "eng", "--dpi", "300"])
            .env("OMP_THREAD_LIMIT", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .output()
    };
    match cli(&png) {
        Ok(out) if out.status.success() => {
            group.bench_function("tesseract_cli", |b| {
                b.iter(|| {
                    let out = cli(&png).expect("tesseract runs");
                    assert!(out.status.success(), "tesseract failed");
                    out.stdout
                })
            });
        }
        _ => eprintln!("tesseract CLI not available: skipping the CLI comparison"),
    }
    group.finish();
    let _ = std::fs::remove_file(&png);
}

fn document(c: &mut Criterion, engine: &Arc<TesseractEngine>) {
    let scan = open("sample/scan.pdf");
    let singles: Vec<Page> = ["ocr/EHRI-BF-19380509b_EN_01.jpg", "ocr/j074.png"]
        .iter()
        .map(|rel| {
            open(rel)
                .render(0, RenderDpi::Fixed(300.0))
                .expect("render")
        })
        .collect();
    // Enough pages that the last one's tail, when one worker waits for the
    // other, weighs little in the ratio.
    const ROUNDS: usize = 4;
    let pages = ROUNDS * (scan.pages().len() + singles.len());
    let settings = Settings::default();

    let mut group = c.benchmark_group("ocr_document");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(60))
        .throughput(Throughput::Elements(pages as u64));
    for jobs in [1usize, 2] {
        let recognizer = Recognizer::new(engine.clone(), Some(jobs)).expect("pool");
        group.bench_function(format!("{pages}_pages_{jobs}_threads"), |b| {
            b.iter(|| {
                // The PDF pages come from the render thread as the workers
                // free up, as in the CLI; the image pages are already decoded.
                let stream = (0..ROUNDS).flat_map(|_| {
                    scan.stream(RenderDpi::Fixed(300.0))
                        .chain(singles.iter().cloned().map(Ok))
                });
                let doc = recognizer
                    .recognize_pages(stream, &settings, &CancelToken::new(), Some(pages), |_| {})
                    .expect("recognize");
                assert_eq!(doc.pages.len(), pages);
                doc
            })
        });
    }
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let pipeline = Pipeline::tesseract(Some(1)).expect("tessdata installed");
    let options = Options::default();
    let mut group = c.benchmark_group("pipeline_page");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    for (name, rel) in [
        ("scanned", "sample/scan.pdf"),
        ("born_digital", "raster/rotated-pages.pdf"),
    ] {
        let bytes: Arc<[u8]> = std::fs::read(fixture(rel)).expect("fixture").into();
        let pages = open(rel).pages().len();
        // Per page: criterion's throughput gives pages/s, comparable
        // between the two documents.
        group.throughput(Throughput::Elements(pages as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Vec::new();
                let n = pipeline
                    .convert(
                        bytes.clone(),
                        OutputFormat::Pdf,
                        &options,
                        &CancelToken::new(),
                        |_| {},
                        &mut out,
                    )
                    .expect("convert");
                assert_eq!(n, pages);
                out
            })
        });
    }
    group.finish();
}

/// The allocator setting the `ocrloom` binary makes first thing
/// (`crates/cli/src/main.rs`), so that pages are measured as the CLI and the
/// server run them. Without it, the 2-worker figure of `ocr_document` is
/// lower (1.72x instead of 1.9-2.1x the 1-worker rate, quiet machine).
fn allocate_as_the_binary_does() {
    // SAFETY: mallopt only sets an allocator parameter; no other thread
    // of this benchmark exists yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn bench(c: &mut Criterion) {
    allocate_as_the_binary_does();
    let engine = Arc::new(TesseractEngine::new().expect("tessdata installed"));
    pipeline(c);
    page(c, &engine);
    document(c, &engine);
}

criterion_group!(benches, bench);
criterion_main!(benches);
