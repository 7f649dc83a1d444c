//! Writes every output format for one input and a recognition result.
//!
//! `cargo run -p ocrloom-writers --example write -- INPUT RESULT.json OUT_PREFIX`
//!
//! RESULT.json is a serialized `DocumentResult` (e.g. converted from
//! Tesseract hOCR by `scripts/check-outputs.py`). Pages of a PDF that already
//! carry text are left out of the result, as the pipeline does by default.
//! Prints the time spent writing the PDF.

use ocrloom_ocr::DocumentResult;
use ocrloom_raster::{Document, OpenOptions, PageText};
use ocrloom_writers::{write, OutputFormat, WriteOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, result, prefix] = args.as_slice() else {
        return Err("usage: write INPUT RESULT.json OUT_PREFIX".into());
    };
    let doc = Document::open_path(std::path::Path::new(input), &OpenOptions::default())?;
    let mut result: DocumentResult = serde_json::from_slice(&std::fs::read(result)?)?;
    result.pages.retain(|p| {
        doc.pages()
            .get(p.index)
            .is_some_and(|i| i.text == PageText::None)
    });
    let options = WriteOptions {
        source_name: std::path::Path::new(input)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
        ..Default::default()
    };
    for format in OutputFormat::ALL {
        let mut out = Vec::new();
        let start = std::time::Instant::now();
        write(format, &doc, &result, &options, &mut out)?;
        if format == OutputFormat::Pdf {
            println!("pdf_write_seconds {:.6}", start.elapsed().as_secs_f64());
        }
        std::fs::write(format!("{prefix}.{}", format.name()), out)?;
    }
    Ok(())
}
