//! What finding tables costs next to recognizing the pages: each input is
//! recognized once (timed), then written as XLSX `RUNS` times (rendering
//! the page image, finding ruling lines and tables, the layout and the
//! workbook: an upper bound of the detection's cost); prints the sums of
//! the OCR times and of the median write times, and their ratio.
//!
//! `cargo run --example table_cost -- PAGE...` (with `OMP_THREAD_LIMIT=1`)

use ocrloom::ocr::CancelToken;
use ocrloom::writers::{OutputFormat, WriteOptions};
use ocrloom::{Options, Pipeline};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pipeline = Pipeline::tesseract(Some(1))?;
    let options = Options::default();
    let (mut ocr, mut write) = (Duration::ZERO, Duration::ZERO);
    let mut pages = 0;
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let start = Instant::now();
        let done = pipeline.recognize(bytes, &options, &CancelToken::new(), |_| {})?;
        let ocr_time = start.elapsed();
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let mut out = Vec::new();
            let start = Instant::now();
            done.write(OutputFormat::Xlsx, &WriteOptions::default(), &mut out)?;
            times.push(start.elapsed());
        }
        times.sort();
        let median = times[RUNS / 2];
        pages += done.document.pages().len();
        eprintln!(
            "{path}: OCR {:.3} s, tables + XLSX {:.1} ms",
            ocr_time.as_secs_f64(),
            median.as_secs_f64() * 1e3
        );
        ocr += ocr_time;
        write += median;
    }
    println!(
        "{pages} pages: OCR {:.2} s, tables + XLSX {:.3} s, {:.2}% of OCR",
        ocr.as_secs_f64(),
        write.as_secs_f64(),
        100.0 * write.as_secs_f64() / ocr.as_secs_f64()
    );
    Ok(())
}
