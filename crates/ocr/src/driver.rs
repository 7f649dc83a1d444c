//! The page-parallel driver: pages from a stream are recognized on a rayon
//! pool while the stream keeps rendering, results come back in page order.

use crate::engine::{Engine, Settings};
use crate::result::{DocumentResult, PageResult};
use crate::OcrError;
use ocrloom_raster::Page;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

/// A flag to stop a running document between pages. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work to stop: pages not yet started are skipped and the run
    /// returns [`OcrError::Cancelled`].
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
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
        guarded(self.engine.as_ref(), page, settings)
    }

    /// Recognizes every page of `pages` (typically a
    /// [`ocrloom_raster::PageStream`]) in parallel and returns the results
    /// in page order.
    ///
    /// Pages are pulled from the iterator on the calling thread only as
    /// workers free up (at most two per worker in flight), so memory stays
    /// bounded whatever the document length. `progress` is called on the
    /// calling thread after each page. The first failing page (render error,
    /// engine error or panic) stops the run and is returned as
    /// [`OcrError::Page`]; `cancel` stops it between pages with
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
        let max_in_flight = self.jobs() * 2;
        let settings = Arc::new(settings.clone());
        // Set on the first failure so queued pages are skipped quickly; kept
        // apart from the caller's token, which we must not cancel.
        let abort = Arc::new(AtomicBool::new(false));
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
                    Some((seq, Ok(page))) => {
                        if results.len() <= seq {
                            results.resize_with(seq + 1, || None);
                        }
                        let (engine, settings, tx) =
                            (self.engine.clone(), settings.clone(), tx.clone());
                        let (cancel, abort) = (cancel.clone(), abort.clone());
                        in_flight += 1;
                        self.pool.spawn(move || {
                            let r = if cancel.is_cancelled() || abort.load(Ordering::SeqCst) {
                                Err(OcrError::Cancelled)
                            } else {
                                guarded(engine.as_ref(), &page, &settings)
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
                // Skipped because of the caller's token or another page's
                // failure: not an error of its own.
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

/// Runs the engine with panics turned into errors.
fn guarded(engine: &dyn Engine, page: &Page, settings: &Settings) -> Result<PageResult, OcrError> {
    match catch_unwind(AssertUnwindSafe(|| engine.recognize(page, settings))) {
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
