//! The engine seam: a trait, the Tesseract implementation and a fake.

use crate::lang::{Languages, Tessdata};
use crate::preprocess;
use crate::result::{BBox, Baseline, Block, Line, PageResult, Paragraph, Word};
use crate::tess::{self, Handle, RawBlock, Stop};
use crate::{CancelToken, OcrError};
use image::GrayImage;
use ocrloom_raster::Page;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;
use std::time::{Duration, Instant};

/// The default [`Settings::page_timeout`]: far above what a page takes
/// (seconds, a minute for a huge dense one), so it only stops pathological
/// pages.
pub const DEFAULT_PAGE_TIMEOUT: Duration = Duration::from_secs(120);

/// How to prepare and recognize a page. `Default` is what the corpus
/// measurements chose (see `PREPROCESSING.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Language model(s), or automatic script detection.
    pub languages: Languages,
    /// Image preparation.
    pub preprocess: Preprocess,
    /// Longest time one page may take (preparation and recognition); past
    /// it the page fails with [`OcrError::Timeout`] (code `timeout`).
    /// Checked between the steps and, inside Tesseract's recognition, after
    /// each word; layout analysis and orientation detection cannot be
    /// interrupted, so a page can overrun by their duration. `None`: no
    /// limit. Default [`DEFAULT_PAGE_TIMEOUT`]. In JSON:
    /// `page_timeout_secs`, a number of seconds or `null`.
    #[serde(rename = "page_timeout_secs", with = "opt_secs")]
    pub page_timeout: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            languages: Languages::default(),
            preprocess: Preprocess::default(),
            page_timeout: Some(DEFAULT_PAGE_TIMEOUT),
        }
    }
}

/// `Option<Duration>` as a number of seconds (or `null`) in serde formats.
mod opt_secs {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        d.map(|d| d.as_secs_f64()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        match Option::<f64>::deserialize(d)? {
            None => Ok(None),
            Some(secs) => Duration::try_from_secs_f64(secs)
                .map(Some)
                .map_err(|e| D::Error::custom(format!("page_timeout_secs {secs}: {e}"))),
        }
    }
}

/// The preprocessing steps and their parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preprocess {
    /// Rescale pages so the measured glyph height is near
    /// `target_text_height` (enlarging small text, reducing oversampled pages).
    pub normalize_resolution: bool,
    /// Wanted median glyph height in pixels (measured by connected components).
    pub target_text_height: f32,
    /// Largest enlargement factor.
    pub max_upscale: f32,
    /// Pages whose glyphs are taller than this many times the target are
    /// reduced to `reduce_to` times the target (saves time); 0 disables.
    pub reduce_above: f32,
    /// See `reduce_above`.
    pub reduce_to: f32,
    /// Detect pages turned by 90/180/270 degrees (OSD) and turn them upright.
    pub orientation: bool,
    /// Check OSD's answer by recognizing a sample of the page as it is and
    /// turned, keeping the orientation that reads clearly best. Costs one to
    /// four small recognitions, only on pages OSD thinks are turned or is
    /// unsure about (confidence < 5); off, OSD's confidence alone decides.
    pub verify_orientation: bool,
    /// OSD orientation confidence at which a proposed turn is taken without
    /// a check (`verify_orientation` off), or when the check cannot decide
    /// because the sample reads badly both ways.
    pub min_orientation_confidence: f32,
    /// Recognize the page as it is first, and run orientation detection only
    /// when it does not read clearly (20 words or more, mean confidence 75 or
    /// more, on lines across the page): upright pages, nearly all of them,
    /// then pay nothing for orientation.
    pub read_first: bool,
    /// Level the text lines of a page skewed by `min_skew` degrees or more
    /// (up to 15), found from projection profiles, before reading it.
    pub deskew: bool,
    /// See `deskew`: 2 degrees. Levelling from a quarter degree also
    /// helps nearly level pages (corpus CER 4.24 -> 4.02) but levels most
    /// pages, and its second page image per worker raised the 12-page
    /// comparison's peak RSS by about 20 MB, past its 150 MiB budget.
    pub min_skew: f32,
}

impl Default for Preprocess {
    fn default() -> Self {
        Preprocess {
            normalize_resolution: true,
            target_text_height: 20.0,
            max_upscale: 4.0,
            reduce_above: 0.0,
            reduce_to: 2.0,
            orientation: true,
            verify_orientation: true,
            min_orientation_confidence: 10.0,
            read_first: true,
            deskew: true,
            min_skew: 2.0,
        }
    }
}

impl Preprocess {
    /// No preprocessing at all: the page goes to the engine as it came (as
    /// the Tesseract CLI would see it). Used for comparisons and benchmarks.
    pub fn none() -> Self {
        Preprocess {
            normalize_resolution: false,
            orientation: false,
            deskew: false,
            ..Preprocess::default()
        }
    }
}

/// Something that turns one page image into a [`PageResult`].
///
/// Implementations are shared between worker threads (`Send + Sync`) and
/// called concurrently for different pages.
pub trait Engine: Send + Sync {
    /// Recognizes one page, stopping early with [`OcrError::Cancelled`]
    /// once `cancel` is raised (or [`OcrError::Timeout`] past
    /// [`Settings::page_timeout`]). Boxes in the result are in the pixels
    /// of `page.image`; `PageResult::index` is `page.info.index`. The
    /// [`crate::Recognizer`] calls this one.
    fn recognize_cancellable(
        &self,
        page: &Page,
        settings: &Settings,
        cancel: &CancelToken,
    ) -> Result<PageResult, OcrError>;

    /// [`Engine::recognize_cancellable`] without a way to cancel.
    fn recognize(&self, page: &Page, settings: &Settings) -> Result<PageResult, OcrError> {
        self.recognize_cancellable(page, settings, &CancelToken::new())
    }

    /// A short name for logs and reports.
    fn name(&self) -> &str;
}

// ---------------------------------------------------------------------------
// OpenMP

/// The environment variable that must be `1` when the process starts, or
/// Tesseract's OpenMP threads make every page several times slower.
pub const OMP_ENV: &str = "OMP_THREAD_LIMIT";

/// Whether [`OMP_ENV`] was `1` in the environment the process started with.
///
/// libgomp reads it before `main`, so setting it later does not help: this
/// looks at the start-up environment (`/proc/self/environ` on Linux), and a
/// binary that gets `false` should re-execute itself with the variable set.
pub fn omp_ok() -> bool {
    static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OK.get_or_init(|| match std::fs::read("/proc/self/environ") {
        Ok(env) => env
            .split(|b| *b == 0)
            .any(|kv| kv == format!("{OMP_ENV}=1").as_bytes()),
        Err(_) => std::env::var(OMP_ENV).as_deref() == Ok("1"),
    })
}

fn warn_omp_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !omp_ok() {
            tracing::warn!(
                "{OMP_ENV} is not 1 in the process environment: Tesseract's OpenMP threads \
                 will make OCR several times slower; start the process with {OMP_ENV}=1"
            );
        }
    });
}

// ---------------------------------------------------------------------------
// Tesseract

/// Recognition with Tesseract (LSTM models) through its C API.
///
/// Each worker thread keeps its own Tesseract handles (one per language
/// set, a few at most) for the life of the thread, so models load once per
/// thread, not once per page.
#[derive(Debug, Clone)]
pub struct TesseractEngine {
    tessdata: Tessdata,
}

/// Handles kept per thread; more language sets than this evict the oldest.
const HANDLES_PER_THREAD: usize = 4;

thread_local! {
    static HANDLES: RefCell<Vec<Handle>> = const { RefCell::new(Vec::new()) };
}

impl TesseractEngine {
    /// An engine using the models found by [`Tessdata::discover`].
    pub fn new() -> Result<Self, OcrError> {
        Ok(Self::with_tessdata(Tessdata::discover()?))
    }

    /// An engine using the models in `tessdata`.
    pub fn with_tessdata(tessdata: Tessdata) -> Self {
        warn_omp_once();
        crate::tess::quiet_leptonica();
        TesseractEngine { tessdata }
    }

    /// The models this engine can use.
    pub fn tessdata(&self) -> &Tessdata {
        &self.tessdata
    }

    /// Runs `f` with this thread's handle for `lang`, creating it if needed.
    /// The handle is taken out of the cache while in use, so a panic inside
    /// `f` drops it instead of leaving a half-used handle behind.
    fn with_handle<R>(
        &self,
        lang: &str,
        psm: u32,
        f: impl FnOnce(&mut Handle) -> R,
    ) -> Result<R, OcrError> {
        // One handle per language whatever the segmentation mode: a second
        // copy of the models would cost memory for nothing.
        let cached = HANDLES.with(|h| {
            let mut h = h.borrow_mut();
            h.iter().position(|x| x.lang == lang).map(|i| h.remove(i))
        });
        let mut handle = match cached {
            Some(h) => h,
            None => Handle::new(&self.tessdata.dir, lang, psm)?,
        };
        handle.set_psm(psm);
        let r = f(&mut handle);
        HANDLES.with(|h| {
            let mut h = h.borrow_mut();
            if h.len() >= HANDLES_PER_THREAD {
                h.remove(0);
            }
            h.push(handle);
        });
        Ok(r)
    }
}

/// How the image given to Tesseract relates to the input page image.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// Input image size.
    w: u32,
    h: u32,
    /// First resized to this, for square pixels (see [`square`]); the
    /// input size when they were square.
    square: (u32, u32),
    /// For a skewed page, then turned clockwise by this many degrees to
    /// level its lines (see [`preprocess::level`]).
    level: Option<f32>,
    /// Then scaled.
    scale: f32,
    /// Then this clockwise rotation.
    rot: u16,
}

impl Frame {
    /// Maps a point of the prepared image back to the input image.
    fn point(&self, u: f32, v: f32) -> (f32, f32) {
        let input = (self.square.0 as f32, self.square.1 as f32);
        let (cw, ch) = self.level.map_or(input, |degrees| {
            let (cw, ch) = preprocess::level_canvas(self.square.0, self.square.1, degrees);
            (cw as f32, ch as f32)
        });
        let (sw, sh) = (cw * self.scale, ch * self.scale);
        // Undo the clockwise rotation (continuous coordinates), then the
        // scale.
        let (x, y) = match self.rot {
            90 => (v, sh - u),
            180 => (sw - u, sh - v),
            270 => (sw - v, u),
            _ => (u, v),
        };
        let (x, y) = (x / self.scale, y / self.scale);
        // Undo the levelling: turn back counter-clockwise about the centres.
        let (x, y) = match self.level {
            Some(degrees) => {
                let (s, c) = degrees.to_radians().sin_cos();
                let (dx, dy) = (x - cw / 2.0, y - ch / 2.0);
                (
                    input.0 / 2.0 + dx * c + dy * s,
                    input.1 / 2.0 - dx * s + dy * c,
                )
            }
            None => (x, y),
        };
        // Undo the squaring.
        (x * self.w as f32 / input.0, y * self.h as f32 / input.1)
    }

    /// The box in the input image that holds `b` (for a levelled page, the
    /// upright hull of the turned box).
    fn bbox(&self, b: BBox) -> BBox {
        let corners = [
            self.point(b.x0 as f32, b.y0 as f32),
            self.point(b.x1 as f32, b.y0 as f32),
            self.point(b.x0 as f32, b.y1 as f32),
            self.point(b.x1 as f32, b.y1 as f32),
        ];
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for (x, y) in corners {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let cx = |v: f32| (v.round().max(0.0) as u32).min(self.w);
        let cy = |v: f32| (v.round().max(0.0) as u32).min(self.h);
        BBox {
            x0: cx(x0),
            y0: cy(y0),
            x1: cx(x1),
            y1: cy(y1),
        }
    }

    fn baseline(&self, b: Baseline) -> Baseline {
        let (x0, y0) = self.point(b.x0, b.y0);
        let (x1, y1) = self.point(b.x1, b.y1);
        Baseline { x0, y0, x1, y1 }
    }
}

/// The most a page's pixels are stretched to make them square: a larger
/// ratio of its horizontal to vertical resolution is not believed.
const MAX_ASPECT: f32 = 4.0;

/// The most pixels a page squared by stretching may have (the raster
/// crate's default page limit).
const MAX_SQUARE_PIXELS: f32 = 60e6;

/// The size at which the pixels of `page` are square: pixels taller than
/// wide (fax "standard" resolution, 204 x 98 DPI) squash the text, which
/// Tesseract then reads poorly (15 ground-truth pages at 204 x 98: CER
/// 27.63% as they are, 6.44% at 204 x 204). The coarser direction is
/// stretched to the finer one's resolution. `None` when the pixels are
/// square (within 2%), or the tag is implausible or would make the page
/// too large.
fn square(page: &Page) -> Option<(u32, u32)> {
    let d = page.dpi?;
    let (w, h) = (page.image.width() as f32, page.image.height() as f32);
    let ratio = d.x.max(d.y) / d.x.min(d.y);
    if !(ratio > 1.02 && ratio <= MAX_ASPECT) || w * h * ratio > MAX_SQUARE_PIXELS {
        return None;
    }
    let (w, h) = if d.x > d.y {
        (w, h * ratio)
    } else {
        (w * ratio, h)
    };
    Some((w.round() as u32, h.round() as u32))
}

/// A DPI tag is believed only when it gives a plausible page size and
/// roughly agrees with the size of the text.
fn effective_dpi(page: &Page, text_h: Option<f32>) -> f32 {
    let (w, h) = (page.image.width() as f32, page.image.height() as f32);
    // Glyph median ~ x-height-ish of ~10-11 pt body text: ~1/13 inch.
    let from_text = text_h.map(|t| (t * 13.0).clamp(50.0, 1200.0));
    let tagged = page.dpi.map(|d| d.x.max(d.y)).filter(|d| {
        let (wi, hi) = (w / d, h / d);
        *d >= 50.0 && *d <= 2400.0 && (1.0..=20.0).contains(&wi) && (1.0..=28.0).contains(&hi)
    });
    match (tagged, from_text) {
        (Some(t), Some(e)) if t / e < 2.5 && e / t < 2.5 => t,
        (Some(t), None) => t,
        (_, Some(e)) => e,
        (None, None) => 300.0,
    }
}

impl Engine for TesseractEngine {
    fn name(&self) -> &str {
        "tesseract"
    }

    fn recognize_cancellable(
        &self,
        page: &Page,
        settings: &Settings,
        cancel: &CancelToken,
    ) -> Result<PageResult, OcrError> {
        let stop = Stop::starting_now(cancel, settings.page_timeout);
        stop.check()?;
        let pre = &settings.preprocess;
        let (w, h) = (page.image.width(), page.image.height());
        let index = page.info.index;
        if w == 0 || h == 0 {
            return Ok(PageResult::empty(index, w, h, 300.0));
        }
        let lang = settings.languages.resolve(&self.tessdata)?;
        let gray = preprocess::to_gray(&page.image);
        let square = square(page);
        let gray: Cow<GrayImage> = match square {
            Some((sw, sh)) => Cow::Owned(preprocess::resize(&gray, sw, sh)?),
            None => gray,
        };
        let square = square.unwrap_or((w, h));

        let stats = preprocess::page_stats(&gray);
        let text_h = stats.text_height;
        let dpi = effective_dpi(page, text_h);
        if stats.blank {
            // Nothing to read: skip OSD and recognition, which would still
            // analyse the layout of the noise and could "read" specks.
            tracing::debug!(page = index, "blank page");
            return Ok(PageResult::empty(index, w, h, dpi));
        }
        let mut factor = 1.0f32;
        if pre.normalize_resolution {
            if let Some(th) = text_h {
                if th < pre.target_text_height {
                    factor = (pre.target_text_height / th).min(pre.max_upscale.max(1.0));
                } else if pre.reduce_above > 0.0 && th > pre.reduce_above * pre.target_text_height {
                    factor = pre.reduce_to * pre.target_text_height / th;
                }
            }
            // Below ~5% change the resampling costs more than it brings.
            if (factor - 1.0).abs() < 0.05 {
                factor = 1.0;
            }
        }
        let gray: Cow<GrayImage> = match stats.backdrop {
            Some(b) => Cow::Owned(preprocess::paint_backdrop(&gray, b)),
            None => gray,
        };
        // A skewed page is levelled: Tesseract's own handling of skew loses
        // words from a fraction of a degree on, and most of the page past a
        // few degrees (phototest turned 7 degrees: 48 of its 60 words read;
        // 12 degrees: none). Pages on their side are levelled too: their
        // lines are found running down the page. Before scaling: on the
        // smaller image (most pages are enlarged), and no more page images
        // in memory at once than scaling alone holds.
        let skew = match (pre.deskew, text_h) {
            (true, Some(th)) => preprocess::find_skew(&gray, stats.threshold, th)
                .filter(|a| a.abs() >= pre.min_skew),
            _ => None,
        };
        let gray: Cow<GrayImage> = match skew {
            Some(degrees) => {
                let levelled = preprocess::level(&gray, degrees);
                drop(gray);
                Cow::Owned(levelled)
            }
            None => gray,
        };
        let scaled: Cow<GrayImage> = if factor != 1.0 {
            let scaled = preprocess::scale(&gray, factor)?;
            // Not kept alive beside the scaled copy while Tesseract reads.
            drop(gray);
            Cow::Owned(scaled)
        } else {
            gray
        };
        let ppi = (dpi * factor).round().clamp(70.0, 4800.0) as i32;
        tracing::debug!(page = index, text_h, factor, ppi, skew, "prepared");
        // How the prepared image maps back, before any turn.
        let frame = Frame {
            w,
            h,
            square,
            level: skew,
            scale: factor,
            rot: 0,
        };

        // Read first: a page that reads clearly as it is is upright, and the
        // read is the result. OSD costs about half a recognition, so this
        // saves that on nearly every page and costs one extra read on the
        // rare turned page.
        let mut first = None;
        if let (true, true, Some(l)) = (pre.orientation, pre.read_first, &lang) {
            stop.check()?;
            let raw =
                self.with_handle(l, tess::PSM_AUTO, |hd| hd.recognize(&scaled, ppi, &stop))??;
            let r = Readability::of(&raw);
            tracing::debug!(
                page = index,
                words = r.words,
                across = r.across,
                mean_conf = r.mean_conf,
                "first read"
            );
            if r.reads_clearly() {
                return Ok(build(index, dpi, l, frame, raw));
            }
            first = Some(raw);
        }
        // Orientation and, for `Auto`, the script, from OSD. On the enlarged
        // image: on the original, small text gets wrong directions (an
        // upright letter read as turned 180 with confidence 10.6, see
        // `PREPROCESSING.md`).
        let want_osd = (pre.orientation || lang.is_none()) && self.tessdata.has_osd;
        // Before each step that Tesseract cannot interrupt.
        stop.check()?;
        let osd = if want_osd {
            self.with_handle("osd", tess::PSM_OSD_ONLY, |hd| {
                hd.detect_orientation(&scaled, ppi)
            })?
        } else {
            None
        };
        let lang = match lang {
            Some(l) => l,
            None => osd
                .as_ref()
                .and_then(|o| self.tessdata.model_for_script(&o.script))
                .or_else(|| self.tessdata.model_for_script("Latin"))
                .ok_or_else(|| OcrError::UnsupportedLanguage {
                    requested: "auto".into(),
                    installed: self.tessdata.languages.clone(),
                })?,
        };
        let mut rot = 0u16;
        if let (true, Some(o)) = (pre.orientation, &osd) {
            // OSD reports how far the page was turned clockwise (a page
            // turned 90 degrees clockwise reads 90, "Rotate: 270" in the
            // CLI); turning it clockwise by the rest of 360 undoes it.
            let proposed = ((360 - o.orient_deg.rem_euclid(360)) % 360) as u16;
            let sth = text_h.unwrap_or(pre.target_text_height) * factor;
            rot = if proposed == 0 && (o.orient_conf >= OSD_SURE_UPRIGHT || !pre.verify_orientation)
            {
                0
            } else if pre.verify_orientation {
                self.check_orientation(
                    &scaled,
                    stats.threshold,
                    sth,
                    proposed,
                    o.orient_conf,
                    pre,
                    &lang,
                    ppi,
                    &stop,
                )?
            } else if o.orient_conf >= pre.min_orientation_confidence {
                proposed
            } else {
                0
            };
            tracing::debug!(
                page = index,
                deg = o.orient_deg,
                conf = o.orient_conf,
                script = %o.script,
                script_conf = o.script_conf,
                rot,
                "osd"
            );
        }
        let upright = if rot != 0 {
            Cow::Owned(preprocess::rotate(&scaled, rot))
        } else {
            scaled
        };
        drop(osd);

        let raw = match first {
            Some(raw) if rot == 0 => raw,
            _ => {
                stop.check()?;
                self.with_handle(&lang, tess::PSM_AUTO, |hd| {
                    hd.recognize(&upright, ppi, &stop)
                })??
            }
        };
        Ok(build(index, dpi, &lang, Frame { rot, ..frame }, raw))
    }
}

/// How well a crop reads, for comparing orientations of the same pixels.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Readability {
    /// Words with at least two letters or digits.
    pub words: usize,
    /// Those of them on lines running across the image (left to right).
    pub across: usize,
    /// Their mean confidence.
    pub mean_conf: f32,
    /// Letters and digits of those words, each weighted by the word's
    /// confidence (0..1) squared: text read confidently counts, garbage
    /// from text on its side hardly does.
    pub score: f32,
}

impl Readability {
    /// Reads like upright text: turned samples of the corpus reached a mean
    /// confidence of at most 51, upright ones at least 55 (most over 70).
    fn reads_well(&self) -> bool {
        self.score >= CHECK_MIN_SCORE && self.mean_conf >= 60.0
    }

    /// Reads so clearly that the page is upright: enough words, read with a
    /// confidence turned text does not reach, on lines that run across the
    /// page. (Tesseract's layout analysis finds text on its side and reads
    /// it well, so confidence alone does not tell a page turned by 90
    /// degrees; see `PREPROCESSING.md`.)
    fn reads_clearly(&self) -> bool {
        self.words >= CLEAR_MIN_WORDS
            && self.mean_conf >= CLEAR_MIN_CONFIDENCE
            && self.across as f32 >= CLEAR_MIN_ACROSS * self.words as f32
    }

    /// Rates a recognition result.
    fn of(raw: &[RawBlock]) -> Readability {
        let mut r = Readability::default();
        let mut conf_sum = 0.0;
        for line in raw.iter().flat_map(|b| &b.paras).flat_map(|p| &p.lines) {
            let across = match line.baseline {
                Some(b) => (b.x1 - b.x0).abs() >= (b.y1 - b.y0).abs(),
                None => line.bbox.x1 - line.bbox.x0 >= line.bbox.y1 - line.bbox.y0,
            };
            for w in &line.words {
                let n = w.text.chars().filter(|c| c.is_alphanumeric()).count();
                if n >= 2 {
                    let c = w.confidence / 100.0;
                    r.words += 1;
                    r.across += usize::from(across);
                    conf_sum += w.confidence;
                    r.score += n as f32 * c * c;
                }
            }
        }
        r.mean_conf = if r.words > 0 {
            conf_sum / r.words as f32
        } else {
            0.0
        };
        r
    }
}

/// [`Readability::reads_clearly`]: at least this many words...
const CLEAR_MIN_WORDS: usize = 20;
/// ...with at least this mean confidence...
const CLEAR_MIN_CONFIDENCE: f32 = 75.0;
/// ...nearly all on lines across the page.
const CLEAR_MIN_ACROSS: f32 = 0.9;

/// Side of the square checked by [`TesseractEngine::check_orientation`], in
/// text heights: room for ~15 lines of ~50 characters, a few hundred
/// milliseconds per orientation.
const CHECK_SIDE_TEXT_HEIGHTS: f32 = 32.0;
/// Below this [`Readability::score`] in both orientations the check cannot
/// tell (too little text in the sample, or text that reads badly either
/// way); upright crops of the corpus score 50-340, turned ones 2-60.
const CHECK_MIN_SCORE: f32 = 20.0;
/// How much better the turned crop must read than the crop as it is. On the
/// corpus the right orientation read 1.9-30x better than the wrong ones.
const CHECK_MARGIN: f32 = 1.5;

/// OSD "upright" answers at or above this confidence are taken without a
/// check; below it, turned receipts and small typewritten pages were often
/// reported upright (see `PREPROCESSING.md`).
const OSD_SURE_UPRIGHT: f32 = 5.0;

impl TesseractEngine {
    /// Decides how far to turn the page, starting from OSD's `proposed`
    /// rotation: reads a sample of the page (the densest text,
    /// [`preprocess::text_crop`]) as it is and turned, and keeps the
    /// orientation that reads clearly best. OSD's confidence alone cannot
    /// separate small turned pages (phototest: 9.3) from upright letters it
    /// misreads, and it confuses 90 with 270; recognition can tell. When no
    /// orientation reads, OSD's confidence decides as without the check.
    #[allow(clippy::too_many_arguments)]
    fn check_orientation(
        &self,
        img: &GrayImage,
        threshold: u8,
        text_h: f32,
        proposed: u16,
        conf: f32,
        pre: &Preprocess,
        lang: &str,
        ppi: i32,
        stop: &Stop<'_>,
    ) -> Result<u16, OcrError> {
        let side = (CHECK_SIDE_TEXT_HEIGHTS * text_h).round() as u32;
        let crop = preprocess::text_crop(img, threshold, text_h, side);
        let as_is = self.readability(lang, &crop, ppi, stop)?;
        let candidates: &[u16] = match proposed {
            // An unsure "upright": if the sample reads well it is; otherwise
            // try every turn.
            0 if as_is.reads_well() => &[],
            0 => &[90, 180, 270],
            // OSD mixes up 90 and 270; upside-down text reads better than
            // text on its side, so the wrong one of the pair can still beat
            // the page as it is: try both.
            90 | 270 => &[90, 270],
            _ => &[180],
        };
        let mut best = (0u16, as_is.score);
        let mut best_turned = 0.0f32;
        for &rot in candidates {
            let q = self.readability(lang, &preprocess::rotate(&crop, rot), ppi, stop)?;
            if q.score > best_turned {
                best_turned = q.score;
                best.0 = rot;
            }
        }
        let rot = if candidates.is_empty() {
            0
        } else if as_is.score.max(best_turned) < CHECK_MIN_SCORE {
            if conf >= pre.min_orientation_confidence {
                proposed
            } else {
                0
            }
        } else if best_turned > CHECK_MARGIN * best.1 {
            best.0
        } else {
            0
        };
        tracing::debug!(
            proposed,
            conf,
            as_is = as_is.score,
            best_turned,
            rot,
            "orientation check"
        );
        Ok(rot)
    }

    /// Recognizes `img` as one block (no layout analysis: cheap) and rates it.
    pub(crate) fn readability(
        &self,
        lang: &str,
        img: &GrayImage,
        ppi: i32,
        stop: &Stop<'_>,
    ) -> Result<Readability, OcrError> {
        let raw = self.with_handle(lang, tess::PSM_SINGLE_BLOCK, |hd| {
            hd.recognize(img, ppi, stop)
        })??;
        Ok(Readability::of(&raw))
    }
}

/// The page result from Tesseract's blocks, mapped back to the input image
/// through `frame`.
fn build(index: usize, dpi: f32, lang: &str, frame: Frame, raw: Vec<RawBlock>) -> PageResult {
    let rot = frame.rot;
    let mut result = PageResult::empty(index, frame.w, frame.h, dpi);
    result.orientation = rot;
    result.language = lang.to_string();
    // Skew of the block with the most words stands for the page.
    let main = raw.iter().max_by_key(|b| {
        b.paras
            .iter()
            .flat_map(|p| &p.lines)
            .map(|l| l.words.len())
            .sum::<usize>()
    });
    // Tesseract's deskew angle turns the block level, counter-clockwise
    // positive: the lines' skew is its opposite (phototest turned 1.5
    // degrees counter-clockwise: -1.39). On a page levelled before reading
    // what remains is noise (Tesseract finds -0.1 to -0.7 degrees on all of
    // them), so the levelling angle stands for the page.
    result.skew = frame
        .level
        .unwrap_or_else(|| main.map_or(0.0, |b| -b.deskew.to_degrees()));
    for b in raw {
        let mut block = Block {
            bbox: frame.bbox(b.bbox),
            paragraphs: Vec::new(),
        };
        for p in b.paras {
            let mut para = Paragraph {
                bbox: frame.bbox(p.bbox),
                lines: Vec::new(),
            };
            for l in p.lines {
                let mut sizes: Vec<i32> = l
                    .words
                    .iter()
                    .map(|w| w.pointsize)
                    .filter(|s| *s > 0)
                    .collect();
                sizes.sort_unstable();
                let bbox = frame.bbox(l.bbox);
                // Tesseract's point size comes from the row's x-height plus
                // ascender/descender and the resolution we gave it (the
                // input DPI times the scale), so it is in input points. When it
                // has none, the line height is roughly 1.2 em.
                let font_size = match sizes.get(sizes.len() / 2) {
                    Some(s) => *s as f32,
                    None => {
                        let lh = if rot == 90 || rot == 270 {
                            bbox.width()
                        } else {
                            bbox.height()
                        };
                        (lh as f32 * 72.0 / dpi / 1.2 * 10.0).round() / 10.0
                    }
                };
                para.lines.push(Line {
                    bbox,
                    baseline: l.baseline.map(|bl| frame.baseline(bl)),
                    font_size,
                    words: l
                        .words
                        .into_iter()
                        .map(|w| Word {
                            text: w.text,
                            bbox: frame.bbox(w.bbox),
                            confidence: w.confidence,
                        })
                        .collect(),
                });
            }
            block.paragraphs.push(para);
        }
        result.blocks.push(block);
    }
    result.update_mean_confidence();
    result
}

// ---------------------------------------------------------------------------
// Fake

/// An engine for tests: returns the given words on one line, optionally
/// after a delay, or fails / panics on chosen pages. Needs no models.
///
/// Like the Tesseract engine, it stops mid-page (during the delay) when the
/// token is raised, and fails with [`OcrError::Timeout`] when the delay
/// exceeds [`Settings::page_timeout`].
#[derive(Debug, Clone, Default)]
pub struct FakeEngine {
    words: Vec<String>,
    delay: Duration,
    fail_on: Vec<usize>,
    panic_on: Vec<usize>,
}

impl FakeEngine {
    /// Recognizes every page as these words (plus nothing else).
    pub fn new<I, S>(words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FakeEngine {
            words: words.into_iter().map(Into::into).collect(),
            ..FakeEngine::default()
        }
    }

    /// Takes this long per page (to test parallelism, cancellation and
    /// time limits).
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Returns [`OcrError::OcrFailed`] for the page with this index.
    pub fn failing_on(mut self, page: usize) -> Self {
        self.fail_on.push(page);
        self
    }

    /// Panics on the page with this index.
    pub fn panicking_on(mut self, page: usize) -> Self {
        self.panic_on.push(page);
        self
    }
}

impl Engine for FakeEngine {
    fn name(&self) -> &str {
        "fake"
    }

    fn recognize_cancellable(
        &self,
        page: &Page,
        settings: &Settings,
        cancel: &CancelToken,
    ) -> Result<PageResult, OcrError> {
        let index = page.info.index;
        let stop = Stop::starting_now(cancel, settings.page_timeout);
        let end = Instant::now() + self.delay;
        loop {
            stop.check()?;
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(5)));
        }
        if self.fail_on.contains(&index) {
            return Err(OcrError::OcrFailed(format!("fake failure on page {index}")));
        }
        if self.panic_on.contains(&index) {
            panic!("fake panic on page {index}");
        }
        let (w, h) = (page.image.width(), page.image.height());
        let dpi = page.dpi.map(|d| d.x).unwrap_or(300.0);
        let mut r = PageResult::empty(index, w, h, dpi);
        r.language = settings.languages.to_string();
        // Lay the words out left to right along the top, inside the page.
        let n = self.words.len().max(1) as u32;
        let cell = (w / n).max(1);
        let words: Vec<Word> = self
            .words
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let x0 = (i as u32 * cell).min(w);
                Word {
                    text: t.clone(),
                    bbox: BBox {
                        x0,
                        y0: 0,
                        x1: (x0 + cell).min(w),
                        y1: h.min(10),
                    },
                    confidence: 100.0,
                }
            })
            .collect();
        if !words.is_empty() {
            let bbox = words
                .iter()
                .skip(1)
                .fold(words[0].bbox, |a, w| a.union(&w.bbox));
            r.blocks.push(Block {
                bbox,
                paragraphs: vec![Paragraph {
                    bbox,
                    lines: vec![Line {
                        bbox,
                        baseline: None,
                        font_size: 10.0,
                        words,
                    }],
                }],
            });
        }
        r.update_mean_confidence();
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The centre of the darkest pixel of `img`.
    fn darkest(img: &GrayImage) -> (f32, f32) {
        let (x, y, _) = img
            .enumerate_pixels()
            .min_by_key(|(_, _, p)| p.0[0])
            .expect("pixels");
        (x as f32 + 0.5, y as f32 + 0.5)
    }

    #[test]
    fn a_point_of_a_squared_levelled_and_turned_page_maps_back() {
        // A 300 x 100 page of pixels twice as tall as wide, squared to
        // 300 x 200, with a dark 2 x 1 spot at (225, 25), centre
        // (226, 25.5).
        let mut page = GrayImage::from_pixel(300, 100, image::Luma([255]));
        page.put_pixel(225, 25, image::Luma([0]));
        page.put_pixel(226, 25, image::Luma([0]));
        let squared = preprocess::resize(&page, 300, 200).expect("squared");
        let levelled = preprocess::level(&squared, -6.0);
        for rot in [0u16, 90, 270] {
            let prepared = preprocess::rotate(&levelled, rot);
            let frame = Frame {
                w: 300,
                h: 100,
                square: (300, 200),
                level: Some(-6.0),
                scale: 1.0,
                rot,
            };
            let (u, v) = darkest(&prepared);
            let (x, y) = frame.point(u, v);
            assert!(
                (x - 226.0).abs() < 1.0 && (y - 25.5).abs() < 0.75,
                "{rot}: ({x}, {y})"
            );
        }
    }

    #[test]
    fn a_point_of_a_levelled_scaled_and_turned_page_maps_back() {
        // A 300 x 200 page with one dark pixel at (225, 50), centre
        // (225.5, 50.5); levelled by 9 degrees, then scaled 2x.
        let mut page = GrayImage::from_pixel(300, 200, image::Luma([255]));
        page.put_pixel(225, 50, image::Luma([0]));
        let levelled = preprocess::level(&page, 9.0);
        let scaled = preprocess::scale(&levelled, 2.0).expect("scaled");
        for rot in [0u16, 90, 180, 270] {
            let prepared = preprocess::rotate(&scaled, rot);
            let frame = Frame {
                w: 300,
                h: 200,
                square: (300, 200),
                level: Some(9.0),
                scale: 2.0,
                rot,
            };
            let (u, v) = darkest(&prepared);
            let (x, y) = frame.point(u, v);
            assert!(
                (x - 225.5).abs() < 1.0 && (y - 50.5).abs() < 1.0,
                "{rot}: ({x}, {y})"
            );
            // A box around it maps to a box around the point.
            let b = frame.bbox(BBox {
                x0: u as u32 - 4,
                y0: v as u32 - 4,
                x1: u as u32 + 4,
                y1: v as u32 + 4,
            });
            assert!(
                b.x0 < 225 && b.x1 > 226 && b.y0 < 50 && b.y1 > 51,
                "{rot}: {b:?}"
            );
        }
    }
}
