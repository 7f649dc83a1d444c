//! What writing an output format costs next to recognizing the pages (the
//! one measure of the writers' cost): each input is recognized `RUNS`
//! times as a searchable-PDF-only run reads it (no tables and figures
//! looked for), the tables and figures of its pages are found `RUNS` times
//! on the images recognition read (when FORMAT shows them,
//! `OutputFormat::shows_structure`: the part of recognition the format adds),
//! then it is written in FORMAT `RUNS` times; prints, per input and in all,
//! the median times and the share of the OCR time the format adds (finding
//! the structure and writing).
//!
//! - `docx`: the layout with its tables and figures, the pages with figures
//!   rendered again to crop them, the package;
//! - `xlsx`: the layout with its tables, the workbook.
//!
//! `OMP_THREAD_LIMIT=1 cargo run --release --example write_cost -- FORMAT PAGE...`

use ocrloom::ocr::{structure, CancelToken};
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
    let (mut ocr, mut found, mut write) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
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
        let mut done = done.ok_or("no run")?;
        let mut found_times = vec![Duration::ZERO; RUNS];
        if format.shows_structure() {
            // The images recognition read, as it read them.
            let indices = done.result.pages.iter().map(|p| p.index).collect();
            let images = done.document.stream_pages(indices, options.dpi);
            for (page, result) in images.zip(done.result.pages.iter_mut()) {
                let page = page?;
                for time in &mut found_times {
                    let start = Instant::now();
                    result.structure = Some(structure::find(&page, result)?);
                    *time += start.elapsed();
                }
            }
        }
        let mut times = Vec::with_capacity(RUNS);
        let mut size = 0;
        for _ in 0..RUNS {
            let mut out = Vec::new();
            let start = Instant::now();
            done.write(format, &WriteOptions::default(), &mut out)?;
            times.push(start.elapsed());
            size = out.len();
        }
        let (o, f, w) = (median(ocr_times), median(found_times), median(times));
        pages += done.document.pages().len();
        eprintln!(
            "{path}: OCR {:.3} s, tables and figures {:.1} ms, {name} {:.1} ms ({size} bytes), {:.2}%",
            o.as_secs_f64(),
            f.as_secs_f64() * 1e3,
            w.as_secs_f64() * 1e3,
            100.0 * (f + w).as_secs_f64() / o.as_secs_f64()
        );
        ocr += o;
        found += f;
        write += w;
    }
    println!(
        "{pages} pages: OCR {:.2} s, tables and figures {:.3} s, {name} {:.3} s, {:.2}% of OCR (medians of {RUNS} runs)",
        ocr.as_secs_f64(),
        found.as_secs_f64(),
        write.as_secs_f64(),
        100.0 * (found + write).as_secs_f64() / ocr.as_secs_f64()
    );
    Ok(())
}
