//! `ocrloom ocr`: recognize a document and write the result.

use crate::Failure;
use anyhow::Context;
use ocrloom::ocr::{CancelToken, Languages, Progress};
use ocrloom::writers::OutputFormat;
use ocrloom::{Options, Pipeline, TextPages};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Arguments of `ocrloom ocr`.
#[derive(clap::Args)]
pub struct Args {
    /// The input file (PDF, TIFF, JPEG, PNG or BMP; detected from its bytes).
    input: PathBuf,
    /// Where to write the result; its extension picks the format (`.pdf`
    /// searchable PDF, `.txt`, `.hocr`, `.xml` ALTO, `.json`).
    #[arg(long, short)]
    output: PathBuf,
    /// The output format, whatever the extension: pdf, txt, hocr, alto, json.
    #[arg(long, short, value_parser = parse_format)]
    format: Option<OutputFormat>,
    /// Languages: Tesseract codes or ISO 639-1 aliases joined by `+` or `,`
    /// (`eng`, `de`, `eng+fra`), or `auto` to detect the script.
    #[arg(long, short, default_value = "eng")]
    lang: String,
    /// OCR worker threads (default: one per core).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Also OCR PDF pages that already carry text (an earlier invisible
    /// OCR layer is replaced; text that shows stays).
    #[arg(long)]
    force_ocr: bool,
    /// OCR again PDF pages whose only text is an earlier invisible OCR
    /// layer, replacing it; pages whose text shows are kept as they are.
    #[arg(long, conflicts_with = "force_ocr")]
    redo_ocr: bool,
    /// Password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
    /// Record when the output was made (PDF `/ModDate`, ALTO
    /// `processingDateTime`, JSON `created`); without it the same input
    /// always gives the same bytes.
    #[arg(long)]
    timestamp: bool,
    /// Seconds one page may take; a page over it fails the run with
    /// `timeout` (exit code 1). 0: no limit.
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = crate::parse_page_timeout)]
    page_timeout: crate::PageTimeout,
}

fn parse_format(name: &str) -> Result<OutputFormat, String> {
    OutputFormat::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = OutputFormat::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format {name:?} ({})", names.join(", "))
    })
}

pub fn run(args: Args) -> Result<(), Failure> {
    let format = match args.format {
        Some(f) => f,
        None => args
            .output
            .extension()
            .and_then(|e| OutputFormat::from_extension(&e.to_string_lossy()))
            .ok_or_else(|| {
                let exts: Vec<String> = OutputFormat::ALL
                    .iter()
                    .map(|f| format!(".{}", f.extension()))
                    .collect();
                Failure::usage(format!(
                    "cannot tell the format from {}: use {}, or --format",
                    args.output.display(),
                    exts.join(", ")
                ))
            })?,
    };
    let mut options = Options::default();
    options.settings.languages = Languages::parse(&args.lang);
    options.open.password = args.password;
    options.write.source_name = args
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    options.write.timestamp = args.timestamp.then(std::time::SystemTime::now);
    options.settings.page_timeout = args.page_timeout.0;
    if args.force_ocr {
        options.text_pages = TextPages::Force;
    } else if args.redo_ocr {
        options.text_pages = TextPages::Redo;
    }
    let bytes = read_input(&args.input, &options.open.limits)?;
    let pipeline = Pipeline::tesseract(args.jobs).map_err(crate::pipeline_failure)?;
    let bar = std::io::stderr().is_terminal();
    let progress = |p: Progress| {
        if bar {
            let total = p.total.map_or("?".into(), |t| t.to_string());
            eprint!("\rrecognized {}/{total} pages", p.done);
        }
    };
    let mut out = Vec::new();
    pipeline
        .convert(
            bytes,
            format,
            &options,
            &CancelToken::new(),
            progress,
            &mut out,
        )
        .map_err(crate::pipeline_failure)?;
    if bar {
        eprintln!();
    }
    write_atomically(&args.output, &out)?;
    Ok(())
}

/// Reads the input, refusing a file over the size limit before reading it.
fn read_input(
    path: &std::path::Path,
    limits: &ocrloom::raster::Limits,
) -> Result<Vec<u8>, Failure> {
    let len = std::fs::metadata(path)
        .map_err(ocrloom::raster::Error::Io)?
        .len();
    limits.check_file_size(len)?;
    Ok(std::fs::read(path).map_err(ocrloom::raster::Error::Io)?)
}

/// Writes to a temporary file beside `path`, then renames it: the output is
/// either complete or absent, and a failed write (full disk, missing
/// folder) leaves no temporary file behind.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .context("the output path has no file name")?;
    let tmp = dir.join(format!(".{}.part", name.to_string_lossy()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::io(format!("cannot write {}: {e}", path.display())));
    }
    Ok(())
}
