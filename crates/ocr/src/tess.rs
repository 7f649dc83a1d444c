//! The thin unsafe layer over Tesseract's C API (through `leptess::capi`).
//!
//! Everything unsafe in the crate lives here. A [`Handle`] owns one
//! `TessBaseAPI`; it is deliberately neither `Send` nor `Sync` (it holds a
//! raw pointer), so it can only live in the thread that created it, which is
//! what Tesseract requires.

use crate::result::{BBox, Baseline};
use crate::{CancelToken, OcrError};
use image::GrayImage;
use leptess::capi;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

/// One word as Tesseract reports it, in the coordinates of the image given.
#[derive(Debug, Clone)]
pub(crate) struct RawWord {
    pub text: String,
    pub bbox: BBox,
    pub confidence: f32,
    /// Tesseract's point size for the word's row (0 when unknown).
    pub pointsize: i32,
    /// Known not to be part of the text before [`crate::noise::mark`]
    /// looks (furigana, [`crate::ruby`]).
    pub noise: bool,
}

/// One text line as Tesseract reports it.
#[derive(Debug, Clone)]
pub(crate) struct RawLine {
    pub bbox: BBox,
    pub baseline: Option<Baseline>,
    pub words: Vec<RawWord>,
}

/// One paragraph.
#[derive(Debug, Clone)]
pub(crate) struct RawPara {
    pub bbox: BBox,
    pub lines: Vec<RawLine>,
}

/// One block.
#[derive(Debug, Clone)]
pub(crate) struct RawBlock {
    pub bbox: BBox,
    /// Deskew angle Tesseract found for the block, radians: the turn
    /// (counter-clockwise positive) that levels it.
    pub deskew: f32,
    pub paras: Vec<RawPara>,
}

/// What orientation and script detection found.
#[derive(Debug, Clone)]
pub(crate) struct Osd {
    /// Counter-clockwise rotation of the text as found (0/90/180/270).
    pub orient_deg: i32,
    pub orient_conf: f32,
    pub script: String,
    pub script_conf: f32,
}

/// An owned, initialized `TessBaseAPI`.
pub(crate) struct Handle {
    api: NonNull<capi::TessBaseAPI>,
    /// The `+`-joined language string it was initialized with.
    pub lang: String,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: `api` came from TessBaseAPICreate and is deleted exactly once.
        unsafe { capi::TessBaseAPIDelete(self.api.as_ptr()) }
    }
}

impl Handle {
    /// Creates a handle for `lang` with models from `datadir`, page
    /// segmentation `psm` (3 = automatic, 0 = OSD only).
    pub fn new(datadir: &Path, lang: &str, psm: u32) -> Result<Handle, OcrError> {
        let dir = CString::new(datadir.as_os_str().as_encoded_bytes())
            .map_err(|_| OcrError::Internal("tessdata path contains NUL".into()))?;
        let clang =
            CString::new(lang).map_err(|_| OcrError::Internal("language contains NUL".into()))?;
        // SAFETY: plain constructor; a null result is handled.
        let api = NonNull::new(unsafe { capi::TessBaseAPICreate() })
            .ok_or_else(|| OcrError::Internal("TessBaseAPICreate returned null".into()))?;
        // Own it right away so every early return deletes it.
        let handle = Handle {
            api,
            lang: lang.to_string(),
        };
        // SAFETY: valid handle; both strings are NUL-terminated and outlive the call.
        let rc = unsafe { capi::TessBaseAPIInit3(api.as_ptr(), dir.as_ptr(), clang.as_ptr()) };
        if rc != 0 {
            return Err(OcrError::OcrFailed(format!(
                "Tesseract could not load language {lang:?} from {}",
                datadir.display()
            )));
        }
        // SAFETY: valid, initialized handle.
        unsafe { capi::TessBaseAPISetPageSegMode(api.as_ptr(), psm as _) };
        // Tesseract's API, unlike its CLI, would otherwise write a debug
        // line per page to stderr; keep library output to `tracing`.
        handle.set_variable("debug_file", "/dev/null");
        Ok(handle)
    }

    /// Sets the page segmentation mode for the next pages.
    pub fn set_psm(&mut self, psm: u32) {
        // SAFETY: valid, initialized handle.
        unsafe { capi::TessBaseAPISetPageSegMode(self.api.as_ptr(), psm as _) };
    }

    fn set_variable(&self, name: &str, value: &str) -> bool {
        let (Ok(n), Ok(v)) = (CString::new(name), CString::new(value)) else {
            return false;
        };
        // SAFETY: valid handle; NUL-terminated strings that outlive the call.
        unsafe { capi::TessBaseAPISetVariable(self.api.as_ptr(), n.as_ptr(), v.as_ptr()) != 0 }
    }

    /// Hands `img` to Tesseract. Tesseract copies the pixels into its own
    /// Pix, so `img` need not outlive the call.
    fn set_image(&mut self, img: &GrayImage, ppi: i32) -> Result<(), OcrError> {
        let (w, h) = img.dimensions();
        let (Ok(wi), Ok(hi)) = (c_int::try_from(w), c_int::try_from(h)) else {
            return Err(OcrError::OcrFailed("image too large".into()));
        };
        if w == 0 || h == 0 {
            return Err(OcrError::OcrFailed("empty image".into()));
        }
        let raw = img.as_raw();
        // The buffer is tightly packed 8-bit grey: stride == width.
        debug_assert!(raw.len() >= (w as usize) * (h as usize));
        // SAFETY: `raw` holds h rows of w bytes (checked by the image crate's
        // invariants); Tesseract reads exactly that and copies it.
        unsafe {
            capi::TessBaseAPISetImage(self.api.as_ptr(), raw.as_ptr(), wi, hi, 1, wi);
            capi::TessBaseAPISetSourceResolution(self.api.as_ptr(), ppi);
        }
        Ok(())
    }

    /// Orientation and script detection (the handle must be initialized
    /// with `osd`). `None` when there is too little text to decide.
    pub fn detect_orientation(&mut self, img: &GrayImage, ppi: i32) -> Option<Osd> {
        self.set_image(img, ppi).ok()?;
        let mut deg: c_int = 0;
        let mut oconf: f32 = 0.0;
        let mut script: *const c_char = std::ptr::null();
        let mut sconf: f32 = 0.0;
        // SAFETY: valid handle and out-pointers to locals.
        let ok = unsafe {
            capi::TessBaseAPIDetectOrientationScript(
                self.api.as_ptr(),
                &mut deg,
                &mut oconf,
                &mut script,
                &mut sconf,
            )
        };
        let script = if script.is_null() {
            String::new()
        } else {
            // SAFETY: non-null, NUL-terminated. In Tesseract 5 it points into
            // the OSD model's unicharset (owned by this handle, alive here),
            // not a fresh allocation: despite capi.h's comment it must NOT be
            // passed to TessDeleteText. Copy it out before anything else.
            unsafe { CStr::from_ptr(script) }
                .to_string_lossy()
                .into_owned()
        };
        // SAFETY: valid handle; releases the page image and OSD state.
        unsafe { capi::TessBaseAPIClear(self.api.as_ptr()) };
        (ok != 0).then_some(Osd {
            orient_deg: deg,
            orient_conf: oconf,
            script,
            script_conf: sconf,
        })
    }

    /// Recognizes `img` and walks the result iterator. Tesseract checks
    /// `stop` after each word (not during layout analysis) and gives up with
    /// [`OcrError::Cancelled`] or [`OcrError::Timeout`].
    pub fn recognize(
        &mut self,
        img: &GrayImage,
        ppi: i32,
        stop: &Stop<'_>,
    ) -> Result<Vec<RawBlock>, OcrError> {
        self.set_image(img, ppi)?;
        let api = self.api.as_ptr();
        let monitor = Monitor::new(stop)?;
        // SAFETY: valid handle with an image set; the monitor and the token
        // it points to outlive the call.
        let rc = unsafe { capi::TessBaseAPIRecognize(api, monitor.0.as_ptr()) };
        drop(monitor);
        if rc != 0 {
            // SAFETY: valid handle.
            unsafe { capi::TessBaseAPIClear(api) };
            // Tesseract stops early (and fails) when the monitor says so.
            stop.check()?;
            return Err(OcrError::OcrFailed("Tesseract recognition failed".into()));
        }
        // SAFETY: valid handle after a successful Recognize; the iterator is
        // owned by the guard below and deleted once.
        let it = ResultIter(unsafe { capi::TessBaseAPIGetIterator(api) });
        let blocks = if it.0.is_null() {
            Vec::new() // blank page: no iterator at all
        } else {
            walk(&it)
        };
        drop(it);
        // SAFETY: valid handle; frees the page's results (iterator already gone).
        unsafe { capi::TessBaseAPIClear(api) };
        Ok(blocks)
    }
}

/// When the recognition of a page must stop: the caller's token, and the
/// page's deadline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop<'a> {
    /// Raised: stop with [`OcrError::Cancelled`].
    pub cancel: &'a CancelToken,
    /// Passed: stop with [`OcrError::Timeout`]; `None` for no limit.
    pub deadline: Option<Instant>,
    /// The per-page limit the deadline came from (for the error).
    pub limit: Duration,
}

impl<'a> Stop<'a> {
    /// A page starting now, with at most `limit` (`None`: no limit).
    pub fn starting_now(cancel: &'a CancelToken, limit: Option<Duration>) -> Self {
        Stop {
            cancel,
            deadline: limit.and_then(|l| Instant::now().checked_add(l)),
            limit: limit.unwrap_or(Duration::MAX),
        }
    }

    /// `Err` once cancelled or past the deadline (cancellation first).
    pub fn check(&self) -> Result<(), OcrError> {
        if self.cancel.is_cancelled() {
            return Err(OcrError::Cancelled);
        }
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(OcrError::Timeout { limit: self.limit }),
            _ => Ok(()),
        }
    }
}

/// Owns a Tesseract progress monitor (`ETEXT_DESC`) set up from a [`Stop`]:
/// the deadline as Tesseract's own, and the token through the cancel
/// callback. Deleted on every path.
struct Monitor(NonNull<capi::ETEXT_DESC>);

impl Drop for Monitor {
    fn drop(&mut self) {
        // SAFETY: from TessMonitorCreate, deleted exactly once.
        unsafe { capi::TessMonitorDelete(self.0.as_ptr()) }
    }
}

impl Monitor {
    /// The monitor holds a pointer to `stop.cancel`: it must not outlive it
    /// (the caller drops it right after the recognition).
    fn new(stop: &Stop<'_>) -> Result<Monitor, OcrError> {
        // SAFETY: plain constructor; a null result is handled.
        let m = NonNull::new(unsafe { capi::TessMonitorCreate() })
            .map(Monitor)
            .ok_or_else(|| OcrError::Internal("TessMonitorCreate returned null".into()))?;
        let token: *const CancelToken = stop.cancel;
        // SAFETY: valid monitor; `cancel_cb` only reads the token through
        // `cancel_this`, which the caller keeps alive while Tesseract runs.
        unsafe {
            capi::TessMonitorSetCancelFunc(m.0.as_ptr(), Some(cancel_cb));
            capi::TessMonitorSetCancelThis(m.0.as_ptr(), token.cast_mut().cast::<c_void>());
        }
        if let Some(deadline) = stop.deadline {
            // Tesseract ignores 0 ("no deadline"): at least 1 ms, so a page
            // already late stops at its first word.
            let ms = deadline
                .saturating_duration_since(Instant::now())
                .as_millis()
                .clamp(1, c_int::MAX as u128);
            // SAFETY: valid monitor.
            unsafe { capi::TessMonitorSetDeadlineMSecs(m.0.as_ptr(), ms as c_int) };
        }
        Ok(m)
    }
}

/// Tesseract's cancel callback, called after each word: `this` is the
/// [`CancelToken`] given to [`Monitor::new`].
unsafe extern "C" fn cancel_cb(this: *mut c_void, _words: c_int) -> bool {
    if this.is_null() {
        return false;
    }
    // SAFETY: `this` points to the token the monitor was built with, alive
    // for the whole recognition (see `Monitor::new`).
    let token = unsafe { &*this.cast_const().cast::<CancelToken>() };
    // A panic must not unwind into C++: treat it as a request to stop.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| token.is_cancelled())).unwrap_or(true)
}

/// Owns a `TessResultIterator` so it is deleted on every path, panics included.
struct ResultIter(*mut capi::TessResultIterator);

impl Drop for ResultIter {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: from TessBaseAPIGetIterator, deleted exactly once.
            unsafe { capi::TessResultIteratorDelete(self.0) }
        }
    }
}

const RIL_BLOCK: capi::TessPageIteratorLevel = capi::TessPageIteratorLevel_RIL_BLOCK;
const RIL_PARA: capi::TessPageIteratorLevel = capi::TessPageIteratorLevel_RIL_PARA;
const RIL_TEXTLINE: capi::TessPageIteratorLevel = capi::TessPageIteratorLevel_RIL_TEXTLINE;
const RIL_WORD: capi::TessPageIteratorLevel = capi::TessPageIteratorLevel_RIL_WORD;

/// Walks the words of the page, opening a block / paragraph / line whenever
/// the iterator is at the beginning of one (Tesseract's own GetUTF8Text does
/// the same), and drops the empty ones (image blocks) at the end.
fn walk(it: &ResultIter) -> Vec<RawBlock> {
    let ri = it.0;
    // SAFETY: `ri` is a live, non-null result iterator. The page iterator is
    // a view of the same object (a base-class pointer), not separately owned.
    let pi = unsafe { capi::TessResultIteratorGetPageIterator(ri) };
    let mut blocks: Vec<RawBlock> = Vec::new();
    loop {
        // SAFETY (all calls in this loop): `ri`/`pi` are live; out-pointers
        // point to locals; the returned text is freed with TessDeleteText.
        unsafe {
            if capi::TessPageIteratorIsAtBeginningOf(pi, RIL_BLOCK) != 0 || blocks.is_empty() {
                let mut orientation = 0;
                let mut wd = 0;
                let mut order = 0;
                let mut deskew: f32 = 0.0;
                capi::TessPageIteratorOrientation(
                    pi,
                    &mut orientation,
                    &mut wd,
                    &mut order,
                    &mut deskew,
                );
                blocks.push(RawBlock {
                    bbox: bbox(pi, RIL_BLOCK).unwrap_or_default(),
                    deskew,
                    paras: Vec::new(),
                });
            }
            let Some(block) = blocks.last_mut() else {
                break;
            };
            if capi::TessPageIteratorIsAtBeginningOf(pi, RIL_PARA) != 0 || block.paras.is_empty() {
                block.paras.push(RawPara {
                    bbox: bbox(pi, RIL_PARA).unwrap_or_default(),
                    lines: Vec::new(),
                });
            }
            let Some(para) = block.paras.last_mut() else {
                break;
            };
            if capi::TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE) != 0 || para.lines.is_empty()
            {
                para.lines.push(RawLine {
                    bbox: bbox(pi, RIL_TEXTLINE).unwrap_or_default(),
                    baseline: baseline(pi, RIL_TEXTLINE),
                    words: Vec::new(),
                });
            }
            let Some(line) = para.lines.last_mut() else {
                break;
            };
            let text_ptr = capi::TessResultIteratorGetUTF8Text(ri, RIL_WORD);
            if !text_ptr.is_null() {
                let text = CStr::from_ptr(text_ptr)
                    .to_string_lossy()
                    .trim()
                    .to_string();
                capi::TessDeleteText(text_ptr);
                let wb = bbox(pi, RIL_WORD);
                if let (false, Some(wb)) = (text.is_empty(), wb) {
                    let conf = capi::TessResultIteratorConfidence(ri, RIL_WORD);
                    let (mut b, mut i, mut u, mut m, mut s, mut sc) = (0, 0, 0, 0, 0, 0);
                    let mut pointsize: c_int = 0;
                    let mut font_id: c_int = 0;
                    // Only the point size is wanted; the returned font name
                    // (owned by Tesseract, often null for LSTM) is ignored.
                    let _ = capi::TessResultIteratorWordFontAttributes(
                        ri,
                        &mut b,
                        &mut i,
                        &mut u,
                        &mut m,
                        &mut s,
                        &mut sc,
                        &mut pointsize,
                        &mut font_id,
                    );
                    line.words.push(RawWord {
                        text,
                        bbox: wb,
                        confidence: conf.clamp(0.0, 100.0),
                        pointsize,
                        noise: false,
                    });
                }
            }
            if capi::TessResultIteratorNext(ri, RIL_WORD) == 0 {
                break;
            }
        }
    }
    for b in &mut blocks {
        for p in &mut b.paras {
            p.lines.retain(|l| !l.words.is_empty());
        }
        b.paras.retain(|p| !p.lines.is_empty());
    }
    blocks.retain(|b| !b.paras.is_empty());
    blocks
}

/// # Safety
/// `pi` must be a live page iterator.
unsafe fn bbox(
    pi: *const capi::TessPageIterator,
    level: capi::TessPageIteratorLevel,
) -> Option<BBox> {
    let (mut l, mut t, mut r, mut b) = (0, 0, 0, 0);
    // SAFETY: caller guarantees `pi`; out-pointers are locals.
    let ok =
        unsafe { capi::TessPageIteratorBoundingBox(pi, level, &mut l, &mut t, &mut r, &mut b) };
    (ok != 0).then(|| BBox {
        x0: l.max(0) as u32,
        y0: t.max(0) as u32,
        x1: r.max(0) as u32,
        y1: b.max(0) as u32,
    })
}

/// # Safety
/// `pi` must be a live page iterator.
unsafe fn baseline(
    pi: *const capi::TessPageIterator,
    level: capi::TessPageIteratorLevel,
) -> Option<Baseline> {
    let (mut x0, mut y0, mut x1, mut y1) = (0, 0, 0, 0);
    // SAFETY: caller guarantees `pi`; out-pointers are locals.
    let ok =
        unsafe { capi::TessPageIteratorBaseline(pi, level, &mut x0, &mut y0, &mut x1, &mut y1) };
    (ok != 0).then_some(Baseline {
        x0: x0 as f32,
        y0: y0 as f32,
        x1: x1 as f32,
        y1: y1 as f32,
    })
}

/// Tesseract's page segmentation modes used here.
pub(crate) const PSM_OSD_ONLY: u32 = 0;
/// Fully automatic page segmentation without OSD: what the CLI does.
pub(crate) const PSM_AUTO: u32 = 3;
/// One uniform block of text: no layout analysis (cheap orientation checks).
pub(crate) const PSM_SINGLE_BLOCK: u32 = 6;
/// One line of text (a row read again, [`crate::missed`]).
pub(crate) const PSM_SINGLE_LINE: u32 = 7;
/// One uniform block of vertically aligned text (columns of Chinese or
/// Japanese).
pub(crate) const PSM_VERTICAL_BLOCK: u32 = 5;

/// Stops Leptonica from printing its own messages ("Error in
/// boxClipToRectangle ...", harmless during layout analysis) to stderr: a
/// library reports through `tracing`, not by printing.
pub(crate) fn quiet_leptonica() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets one process-wide integer; no pointers involved.
        unsafe {
            capi::setMsgSeverity(capi::L_SEVERITY_NONE as _);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Tessdata;

    /// phototest.tif as Tesseract sees it, and a handle for English.
    fn setup() -> (GrayImage, Handle) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocr/phototest.tif");
        let doc = ocrloom_raster::Document::open_path(&path, &Default::default()).expect("opens");
        let page = doc.render(0, Default::default()).expect("renders");
        let td = Tessdata::discover().expect("tessdata installed");
        let handle = Handle::new(&td.dir, "eng", PSM_AUTO).expect("handle");
        (crate::preprocess::to_gray(&page.image).into_owned(), handle)
    }

    fn words(blocks: &[RawBlock]) -> usize {
        blocks
            .iter()
            .flat_map(|b| &b.paras)
            .flat_map(|p| &p.lines)
            .map(|l| l.words.len())
            .sum()
    }

    #[test]
    fn the_monitor_deadline_stops_recognition_with_timeout() {
        let (img, mut handle) = setup();
        let token = CancelToken::new();
        let t = Instant::now();
        let full = handle
            .recognize(&img, 300, &Stop::starting_now(&token, None))
            .expect("recognizes");
        let full_time = t.elapsed();
        assert!(words(&full) > 50);
        let t = Instant::now();
        let stop = Stop::starting_now(&token, Some(Duration::from_millis(1)));
        let e = handle
            .recognize(&img, 300, &stop)
            .expect_err("1 ms is too short");
        let late = t.elapsed();
        assert!(matches!(e, OcrError::Timeout { .. }), "{e}");
        eprintln!("full page {full_time:?}; 1 ms deadline fired after {late:?}");
        assert!(late < full_time, "{late:?} vs {full_time:?}");
        // The handle is fine afterwards.
        let again = handle
            .recognize(&img, 300, &Stop::starting_now(&token, None))
            .expect("recognizes again");
        assert_eq!(words(&again), words(&full));
    }

    #[test]
    fn the_cancel_callback_stops_recognition_mid_page() {
        let (img, mut handle) = setup();
        let token = CancelToken::new();
        let t = Instant::now();
        handle
            .recognize(&img, 300, &Stop::starting_now(&token, None))
            .expect("recognizes");
        let full_time = t.elapsed();
        let raiser = token.clone();
        let delay = full_time / 3;
        let t = Instant::now();
        let cancel_thread = std::thread::spawn(move || {
            std::thread::sleep(delay);
            raiser.cancel();
        });
        let e = handle
            .recognize(&img, 300, &Stop::starting_now(&token, None))
            .expect_err("cancelled");
        let stopped = t.elapsed();
        cancel_thread.join().expect("joined");
        assert!(matches!(e, OcrError::Cancelled), "{e}");
        eprintln!("full page {full_time:?}; cancelled at {delay:?}, stopped after {stopped:?}");
        assert!(stopped < full_time, "{stopped:?} vs {full_time:?}");
    }
}
