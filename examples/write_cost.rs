//! What writing an output format costs next to recognizing the pages (the
//! one measure of the writers' cost): each input is recognized `RUNS`
//! times, then written in FORMAT `RUNS` times; prints, per input and in
//! all, the median OCR time, the median write time and their ratio.
//!
//! - `docx`: the layout, figures and tables found on the page image, the
//!   package;
//! - `xlsx`: rendering the page image, finding ruling lines and tables,
//!   the layout and the workbook (an upper bound of what finding tables
//!   adds to a page).
//!
//! `OMP_THREAD_LIMIT=1 cargo run --release --example write_cost -- FORMAT PAGE...`

use ocrloom::ocr::CancelToken;
use ocrloom::writers::{OutputFormat, WriteOptions};
use ocrloom::{Options, Pipeline};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let name = args.next().ok_or("usage: write_cost FORMAT PAGE...")?;
    let format = OutputFormat::from_extension(&name).ok_or("unknown format")?;
    let pipeline = Pipeline::tesseract(Some(1))?;
    let options = Options::default();
    let (mut ocr, mut write) = (Duration::ZERO, Duration::ZERO);
    let mut pages = 0;
    for path in args {
        let bytes = std::fs::read(&path)?;
        let mut ocr_times = Vec::with_capacity(RUNS);
        let mut done = None;
        for _ in 0..RUNS {
            let start = Instant::now();
            let r = pipeline.recognize(bytes.clone(), &options, &CancelToken::new(), |_| {})?;
            ocr_times.push(start.elapsed());
            done = Some(r);
        }
        let done = done.ok_or("no run")?;
        let mut times = Vec::with_capacity(RUNS);
        let mut size = 0;
        for _ in 0..RUNS {
            let mut out = Vec::new();
            let start = Instant::now();
            done.write(format, &WriteOptions::default(), &mut out)?;
            times.push(start.elapsed());
            size = out.len();
        }
        let (o, w) = (median(ocr_times), median(times));
        pages += done.document.pages().len();
        eprintln!(
            "{path}: OCR {:.3} s, {name} {:.1} ms ({size} bytes), {:.2}%",
            o.as_secs_f64(),
            w.as_secs_f64() * 1e3,
            100.0 * w.as_secs_f64() / o.as_secs_f64()
        );
        ocr += o;
        write += w;
    }
    println!(
        "{pages} pages: OCR {:.2} s, {name} {:.3} s, {:.2}% of OCR (medians of {RUNS} runs)",
        ocr.as_secs_f64(),
        write.as_secs_f64(),
        100.0 * write.as_secs_f64() / ocr.as_secs_f64()
    );
    Ok(())
}
