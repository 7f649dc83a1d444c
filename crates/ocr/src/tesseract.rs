//! Tesseract's engine: per-thread handles for each language set.

use crate::engine::warn_omp_once;
use crate::lang::Tessdata;
use crate::tess::Handle;
use crate::OcrError;
use std::cell::RefCell;

/// Recognition with Tesseract (LSTM models) through its C API.
///
/// Each worker thread keeps its own Tesseract handles (one per language
/// set, a few at most) for the life of the thread, so models load once per
/// thread, not once per page.
#[derive(Debug, Clone)]
pub struct TesseractEngine {
    pub(crate) tessdata: Tessdata,
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
    pub(crate) fn with_handle<R>(
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
