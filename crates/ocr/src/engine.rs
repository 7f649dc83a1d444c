//! The engine seam: the trait every recognizer implements, and the
//! OpenMP check Tesseract needs.

use crate::lang::Tessdata;
use crate::result::PageResult;
use crate::settings::Settings;
use crate::{CancelToken, OcrError};
use ocrloom_raster::Page;

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

    /// The Tesseract language data the engine reads `Settings::languages`
    /// with, to resolve and check them before a document is read; `None`
    /// for an engine that takes no languages.
    fn tessdata(&self) -> Option<&Tessdata> {
        None
    }
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

pub(crate) fn warn_omp_once() {
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
