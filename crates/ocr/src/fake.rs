//! An engine for tests.

use crate::engine::Engine;
use crate::result::{BBox, Block, Line, PageResult, Paragraph, Word};
use crate::settings::Settings;
use crate::tess::Stop;
use crate::{CancelToken, OcrError};
use ocrloom_raster::Page;
use std::time::{Duration, Instant};

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
                    noise: false,
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
