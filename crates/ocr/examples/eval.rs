//! Scores the engine on a ground-truth folder, as `ocrloom eval` will.
//!
//! ```text
//! OMP_THREAD_LIMIT=1 cargo run --release -p ocrloom-ocr --example eval -- \
//!     GT_DIR [--out HYP_DIR] [--jobs N] [--settings JSON]
//! ```
//! `--settings` takes a JSON [`ocrloom_ocr::Settings`] (fields may be left
//! out), e.g. `'{"preprocess":{"orientation":false}}'`; this is how the
//! preprocessing measurements in `PREPROCESSING.md` were made.

use ocrloom_ocr::{score, Recognizer, Settings, TesseractEngine};
use std::path::PathBuf;
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut gt = None;
    let mut out = None;
    let mut jobs = None;
    let mut settings = Settings::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--jobs" => jobs = args.next().map(|j| j.parse()).transpose()?,
            "--settings" => settings = serde_json::from_str(&args.next().unwrap_or_default())?,
            _ => gt = Some(PathBuf::from(a)),
        }
    }
    let gt = gt.ok_or("usage: eval GT_DIR [--out DIR] [--jobs N] [--settings JSON]")?;
    let recognizer = Recognizer::new(Arc::new(TesseractEngine::new()?), jobs)?;
    let report = score::eval(&recognizer, &gt, &settings, out.as_deref())?;
    print!("{}", report.table());
    println!("{:.1} s", report.seconds);
    Ok(())
}
