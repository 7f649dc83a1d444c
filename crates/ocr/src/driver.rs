//! The page-parallel driver: pages from a stream are recognized on a rayon
//! pool while the stream keeps rendering, results come back in page order.

use crate::engine::Engine;
use crate::result::{DocumentResult, PageResult};
use crate::settings::Settings;
use crate::OcrError;
use ocrloom_raster::{Page, PageImage};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

/// A flag to stop a running document: pages not yet started are skipped, and
/// pages being recognized stop at their next word (Tesseract checks it after
/// each one). Clones share the flag.
#[derive(Clone, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
    /// Also cancelled once this returns true (see [`CancelToken::linked`]).
    linked: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .field("linked", &self.linked.is_some())
            .finish()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// A token that also counts as cancelled as soon as `stop` returns true:
    /// ties the work to an outside flag (a job manager's cancel flag, a
    /// parent token) without a thread watching it. `stop` is called at every
    /// check, up to once per recognized word: keep it cheap (an atomic load).
    pub fn linked(stop: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        CancelToken {
            flag: Arc::default(),
            linked: Some(Arc::new(stop)),
        }
    }

    /// Asks the work to stop: pages not yet started are skipped, running
    /// ones stop mid-page, and the run returns [`OcrError::Cancelled`].
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called (or the linked check says so).
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst) || self.linked.as_ref().is_some_and(|stop| stop())
    }
}

/// Reported once per finished page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Zero-based index of the page that just finished.
    pub page: usize,
    /// How many pages have finished so far (this one included).
    pub done: usize,
    /// How many pages the document has, when known.
    pub total: Option<usize>,
}

/// Runs an [`Engine`] over pages on a pool of worker threads.
///
/// The pool can be shared (see [`Recognizer::with_pool`]) so that several
/// documents never use more threads than the machine has cores.
#[derive(Clone)]
pub struct Recognizer {
    engine: Arc<dyn Engine>,
    pool: Arc<rayon::ThreadPool>,
}

impl std::fmt::Debug for Recognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recognizer")
            .field("engine", &self.engine.name())
            .field("jobs", &self.jobs())
            .finish()
    }
}

impl Recognizer {
    /// A recognizer with its own pool of `jobs` workers (`None`: one per core).
    pub fn new(engine: Arc<dyn Engine>, jobs: Option<usize>) -> Result<Self, OcrError> {
        let jobs = jobs
            .filter(|j| *j > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .thread_name(|i| format!("ocr-{i}"))
            .build()
            .map_err(|e| OcrError::Internal(format!("cannot start worker threads: {e}")))?;
        Ok(Self::with_pool(engine, Arc::new(pool)))
    }

    /// A recognizer running on an existing pool.
    pub fn with_pool(engine: Arc<dyn Engine>, pool: Arc<rayon::ThreadPool>) -> Self {
        Recognizer { engine, pool }
    }

    /// The number of worker threads.
    pub fn jobs(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// The worker pool.
    pub fn pool(&self) -> &Arc<rayon::ThreadPool> {
        &self.pool
    }

    /// Recognizes one page on the calling thread; a panic in the engine is
    /// returned as [`OcrError::Internal`].
    pub fn recognize_page(&self, page: &Page, settings: &Settings) -> Result<PageResult, OcrError> {
        guarded(self.engine.as_ref(), page, settings, &CancelToken::new())
    }

    /// Recognizes every page of `pages` (typically a
    /// [`ocrloom_raster::PageStream`]) in parallel and returns the results
    /// in page order.
    ///
    /// Pages are pulled from the iterator on the calling thread only as
    /// workers free up (one page per worker; a page stream renders the next
    /// one meanwhile), so memory stays bounded whatever the document length. `progress` is called on the
    /// calling thread after each page. The first failing page (render error,
    /// engine error, [`Settings::page_timeout`] exceeded, or panic) stops the
    /// run, including the other pages being recognized, and is returned as
    /// [`OcrError::Page`]; `cancel` stops it, mid-page too, with
    /// [`OcrError::Cancelled`].
    ///
    /// Call it from outside the pool (it blocks waiting for the workers).
    pub fn recognize_pages<I>(
        &self,
        pages: I,
        settings: &Settings,
        cancel: &CancelToken,
        total: Option<usize>,
        mut progress: impl FnMut(Progress),
    ) -> Result<DocumentResult, OcrError>
    where
        I: IntoIterator<Item = Result<Page, ocrloom_raster::Error>>,
    {
        let max_in_flight = self.jobs();
        let settings = Arc::new(settings.clone());
        // Set on the first failure so queued pages are skipped quickly; kept
        // apart from the caller's token, which we must not cancel.
        let abort = Arc::new(AtomicBool::new(false));
        // What the pages see: the caller's token or the abort flag, so a
        // failure stops the pages in flight mid-page as well.
        let page_cancel = {
            let (cancel, abort) = (cancel.clone(), abort.clone());
            CancelToken::linked(move || abort.load(Ordering::SeqCst) || cancel.is_cancelled())
        };
        let (tx, rx) = mpsc::channel::<(usize, Result<PageResult, OcrError>)>();
        let mut results: Vec<Option<PageResult>> = Vec::new();
        let mut first_error: Option<(usize, OcrError)> = None;
        let mut pages = pages.into_iter().enumerate();
        let mut in_flight = 0usize;
        let mut exhausted = false;
        let mut done = 0usize;

        loop {
            // Feed workers while there is room and no reason to stop.
            while !exhausted && in_flight < max_in_flight && first_error.is_none() {
                if cancel.is_cancelled() {
                    exhausted = true;
                    break;
                }
                match pages.next() {
                    None => exhausted = true,
                    Some((seq, Err(e))) => {
                        abort.store(true, Ordering::SeqCst);
                        first_error = Some((seq, OcrError::Raster(e)));
                    }
                    Some((seq, Ok(mut page))) => {
                        // Engines read grey (Tesseract converts colour
                        // itself): a colour page waits and is read in a
                        // third of the memory.
                        if let PageImage::Rgb(_) = page.image {
                            page.image = PageImage::Gray(page.image.to_gray());
                        }
                        if results.len() <= seq {
                            results.resize_with(seq + 1, || None);
                        }
                        let (engine, settings, tx) =
                            (self.engine.clone(), settings.clone(), tx.clone());
                        let cancel = page_cancel.clone();
                        in_flight += 1;
                        self.pool.spawn(move || {
                            let r = if cancel.is_cancelled() {
                                Err(OcrError::Cancelled)
                            } else {
                                guarded(engine.as_ref(), &page, &settings, &cancel)
                            };
                            // The receiver outlives every task (we drain
                            // before returning); a failed send is harmless.
                            let _ = tx.send((seq, r));
                        });
                    }
                }
            }
            if in_flight == 0 {
                break;
            }
            let Ok((seq, r)) = rx.recv() else {
                return Err(OcrError::Internal("worker channel closed".into()));
            };
            in_flight -= 1;
            match r {
                Ok(p) => {
                    done += 1;
                    if let Some(slot) = results.get_mut(seq) {
                        *slot = Some(p);
                    }
                    progress(Progress {
                        page: seq,
                        done,
                        total,
                    });
                }
                // Skipped or stopped because of the caller's token or
                // another page's failure: not an error of its own.
                Err(OcrError::Cancelled) => {}
                Err(e) => {
                    abort.store(true, Ordering::SeqCst);
                    // Keep the error of the earliest page for a stable report.
                    if first_error.as_ref().is_none_or(|(s, _)| seq < *s) {
                        first_error = Some((seq, e));
                    }
                }
            }
        }
        if let Some((page, e)) = first_error {
            return Err(OcrError::Page {
                page,
                source: Box::new(e),
            });
        }
        if cancel.is_cancelled() {
            return Err(OcrError::Cancelled);
        }
        let pages = results
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| OcrError::Internal("a page result went missing".into()))?;
        Ok(DocumentResult { pages })
    }
}

/// Runs the engine with panics turned into errors, flags the words that
/// are not text unless [`Settings::keep_noise`], and finds the page's
/// tables and figures when [`Settings::structure`] asks.
fn guarded(
    engine: &dyn Engine,
    page: &Page,
    settings: &Settings,
    cancel: &CancelToken,
) -> Result<PageResult, OcrError> {
    match catch_unwind(AssertUnwindSafe(|| {
        let mut result = engine.recognize_cancellable(page, settings, cancel)?;
        if !settings.keep_noise {
            let flagged = crate::noise::mark(&mut result);
            tracing::debug!(page = page.info.index, flagged, "noise");
        }
        if settings.structure {
            result.structure = Some(crate::structure::find(page, &result)?);
        }
        Ok(result)
    })) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(page = page.info.index, "engine panicked: {msg}");
            Err(OcrError::Internal(format!("engine panicked: {msg}")))
        }
    }
}
