//! `ocrloom ocr`: recognize a document and write the result.

use crate::Failure;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use ocrloom::ocr::{Engine, Languages, PpOcrEngine, Progress, TesseractEngine};
use ocrloom::writers::OutputFormat;
use ocrloom::{Ocr, Options, TextPages};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Arguments of `ocrloom ocr`.
#[derive(clap::Args)]
pub struct Args {
    /// The input file (PDF, TIFF, JPEG, PNG or BMP; detected from its bytes).
    input: PathBuf,
    /// Where to write the result; its extension picks the format (`.pdf`
    /// searchable PDF, `.txt`, `.hocr`, `.xml` ALTO, `.json`, `.docx`, `.xlsx`, `.pptx`). Give it
    /// several times for several outputs of one reading, written all or none.
    #[arg(long, short, required = true)]
    output: Vec<PathBuf>,
    /// The output format, whatever the extension: pdf, txt, hocr, alto,
    /// json, docx, xlsx, pptx (with one output only).
    #[arg(long, short, value_parser = parse_format)]
    format: Option<OutputFormat>,
    /// Recognize only these pages (`1-3,7`, `5-`); the others stay in the
    /// outputs as they are.
    #[arg(long, value_name = "PAGES")]
    pages: Option<ocrloom::PageSelection>,
    /// Languages: Tesseract codes or ISO 639-1 aliases joined by `+` or `,`
    /// (`eng`, `de`, `eng+fra`), or `auto` to detect the script.
    #[arg(long, short, default_value = "eng")]
    lang: String,
    /// OCR worker threads (default: one per core).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// The recognizer: `default` (Tesseract, with PP-OCRv5 reading the
    /// horizontal pages when `--lang` is Chinese or Japanese), `tesseract`
    /// (Tesseract alone) or `ppocr` (PP-OCRv5 on ONNX Runtime alone, installed
    /// by scripts/setup.sh; one model for Chinese, Japanese and English:
    /// `--lang` only keeps a Japanese page to Japanese's kanji).
    #[arg(long, value_enum, default_value_t = EngineChoice::Default)]
    engine: EngineChoice,
    /// Also OCR PDF pages that already carry text (an earlier invisible
    /// OCR layer is replaced; text that shows stays).
    #[arg(long)]
    force_ocr: bool,
    /// OCR again PDF pages whose only text is an earlier invisible OCR
    /// layer, replacing it; pages whose text shows are kept as they are.
    #[arg(long, conflicts_with = "force_ocr")]
    redo_ocr: bool,
    /// PPTX: the page image as each slide's background, behind the text
    /// boxes.
    #[arg(long)]
    page_image: bool,
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
    /// Keep in the text outputs (and the PDF's text layer) the words read
    /// from marks that are not text (stamps, handwriting, signatures),
    /// which are otherwise left out there and flagged in JSON, hOCR and
    /// ALTO: the output as before they were told apart.
    #[arg(long)]
    keep_noise: bool,
    /// No progress on stderr (errors are still reported).
    #[arg(long, short)]
    quiet: bool,
}

/// The recognizers `--engine` can pick.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EngineChoice {
    /// Tesseract, with PP-OCRv5 for horizontal Chinese and Japanese pages.
    Default,
    /// Tesseract with the installed language data.
    Tesseract,
    /// PP-OCRv5 on ONNX Runtime.
    Ppocr,
}

fn parse_format(name: &str) -> Result<OutputFormat, String> {
    OutputFormat::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = OutputFormat::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format {name:?} ({})", names.join(", "))
    })
}

pub fn run(args: Args) -> Result<(), Failure> {
    let outputs = outputs(&args)?;
    let mut options = Options::default();
    options.settings.languages = Languages::parse(&args.lang);
    options.open.password = args.password;
    options.write.source_name = args
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    options.write.timestamp = args.timestamp.then(std::time::SystemTime::now);
    options.write.page_image = args.page_image;
    options.settings.page_timeout = args.page_timeout.0;
    options.settings.keep_noise = args.keep_noise;
    // Tables and figures are found during recognition, once, when an
    // output shows them.
    options.settings.structure = outputs.iter().any(|(_, format)| format.shows_structure());
    options.pages = args.pages;
    if args.force_ocr {
        options.text_pages = TextPages::Force;
    } else if args.redo_ocr {
        options.text_pages = TextPages::Redo;
    }
    let write = options.write_options();
    let mut ocr = Ocr::new().options(options);
    if let Some(jobs) = args.jobs {
        ocr = ocr.jobs(jobs);
    }
    let engine: Option<Arc<dyn Engine>> = match args.engine {
        EngineChoice::Default => None,
        EngineChoice::Tesseract => Some(Arc::new(
            TesseractEngine::new().map_err(|e| Failure::of(e.kind(), e.to_string()))?,
        )),
        EngineChoice::Ppocr => Some(Arc::new(
            PpOcrEngine::new().map_err(|e| Failure::of(e.kind(), e.to_string()))?,
        )),
    };
    if let Some(engine) = engine {
        ocr = ocr.engine(engine);
    }
    let shown = (!args.quiet).then(ProgressReport::new);
    if let Some(report) = shown.clone() {
        ocr = ocr.on_progress(move |p| report.page_done(p));
    }
    let recognition = ocr
        .recognize_file(&args.input)
        .map_err(crate::pipeline_failure)?;
    if let Some(report) = shown {
        report.finish();
    }
    recognition
        .write_files(&outputs, &write)
        .map_err(crate::pipeline_failure)?;
    Ok(())
}

/// Each output with its format: `--format`, or the extension.
fn outputs(args: &Args) -> Result<Vec<(PathBuf, OutputFormat)>, Failure> {
    if args.format.is_some() && args.output.len() > 1 {
        return Err(Failure::usage(
            "--format applies to one output; with several, each takes its format from its extension".into(),
        ));
    }
    let mut outputs: Vec<(PathBuf, OutputFormat)> = Vec::with_capacity(args.output.len());
    for path in &args.output {
        let format = args
            .format
            .or_else(|| ocrloom::format_of(path))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "cannot tell the format from {}: use {}, or --format",
                    path.display(),
                    OutputFormat::extensions()
                ))
            })?;
        if outputs.iter().any(|(p, _)| p == path) {
            return Err(Failure::usage(format!("{} is given twice", path.display())));
        }
        outputs.push((path.clone(), format));
    }
    Ok(outputs)
}

/// Pages done, on stderr: an animated bar (count, pages per second, time
/// left) on a terminal, else a plain line at most once a second and at the
/// end.
#[derive(Clone)]
enum ProgressReport {
    Bar(ProgressBar),
    Lines(Arc<Mutex<Lines>>),
}

/// The state of the plain lines: when the run started and the last line was
/// written.
struct Lines {
    start: Instant,
    last: Option<Instant>,
}

impl ProgressReport {
    fn new() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{bar:30} {pos}/{len} pages  {per_sec}  {eta} left")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style.with_key("per_sec", per_sec).with_key("eta", eta));
            ProgressReport::Bar(bar)
        } else {
            ProgressReport::Lines(Arc::new(Mutex::new(Lines {
                start: Instant::now(),
                last: None,
            })))
        }
    }

    fn page_done(&self, p: Progress) {
        match self {
            ProgressReport::Bar(bar) => {
                if let Some(total) = p.total {
                    bar.set_length(total as u64);
                }
                bar.set_position(p.done as u64);
            }
            ProgressReport::Lines(lines) => {
                let Ok(mut lines) = lines.lock() else { return };
                let now = Instant::now();
                let last = p.total == Some(p.done);
                if !last && lines.last.is_some_and(|t| now - t < Duration::from_secs(1)) {
                    return;
                }
                lines.last = Some(now);
                let elapsed = (now - lines.start).as_secs_f64();
                let rate = p.done as f64 / elapsed.max(1e-3);
                let total = p.total.map_or("?".into(), |t| t.to_string());
                let left = p
                    .total
                    .filter(|_| rate > 0.0)
                    .map(|t| format!(", {:.0} s left", (t - p.done) as f64 / rate))
                    .unwrap_or_default();
                eprintln!("{}/{total} pages, {rate:.2} pages/s{left}", p.done);
            }
        }
    }

    fn finish(self) {
        if let ProgressReport::Bar(bar) = self {
            bar.finish();
            // The last frame stays; what comes next starts on a new line.
            eprintln!();
        }
    }
}

/// `{per_sec}`: pages per second, with two digits under 10.
fn per_sec(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.2} pages/s", state.per_sec());
}

/// `{eta}`: the time left in seconds, or `?` before the first page.
fn eta(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    if state.pos() == 0 {
        let _ = w.write_str("?");
    } else {
        let _ = write!(w, "{} s", state.eta().as_secs());
    }
}
