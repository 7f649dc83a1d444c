//! `ocrloom eval`: accuracy against ground truth (CER, WER, bag of words).

use crate::Failure;
use ocrloom::ocr::{score, Languages, Settings};
use ocrloom::writers::{self, OutputFormat};
use ocrloom::Pipeline;
use std::path::PathBuf;

/// Arguments of `ocrloom eval`.
#[derive(clap::Args)]
pub struct Args {
    /// A ground-truth folder: `<set>/<name>.<png|jpg|tif|bmp>` beside
    /// `<name>.gt.txt`. Each set is read in the language its name ends with
    /// (`-de`, `-fr`, `-es`, ...; English otherwise).
    gt_dir: PathBuf,
    /// Also write the recognized text as `<out>/<set>/<name>.txt`, the
    /// layout the reference scorer `ocr-score` reads.
    #[arg(long)]
    out: Option<PathBuf>,
    /// OCR worker threads (default: one per core).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Recognition settings as JSON (fields may be left out), for
    /// measuring preprocessing steps, e.g. `{"preprocess":{"orientation":false}}`.
    #[arg(long)]
    settings: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let settings: Settings = match &args.settings {
        Some(json) => {
            serde_json::from_str(json).map_err(|e| Failure::usage(format!("--settings: {e}")))?
        }
        None => Settings::default(),
    };
    if !matches!(settings.languages, Languages::Codes(ref c) if c == &["eng"]) {
        tracing::info!("the language in --settings is replaced by each set's own");
    }
    let pipeline = Pipeline::tesseract(args.jobs).map_err(crate::pipeline_failure)?;
    // What is scored is the text output: its reading order, its tables.
    let mut settings = settings;
    settings.structure |= OutputFormat::Txt.shows_structure();
    let report = score::eval(
        pipeline.recognizer(),
        &args.gt_dir,
        &settings,
        args.out.as_deref(),
        &writers::page_text,
    )
    .map_err(|e| crate::pipeline_failure(e.into()))?;
    print!("{}", report.table());
    println!("{:.1} s", report.seconds);
    Ok(())
}
