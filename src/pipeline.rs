//! The whole pipeline in one call: open, choose the pages that need OCR,
//! render them, recognize them in parallel.

use crate::ocr::{
    CancelToken, DocumentResult, Engine, OcrError, PageResult, Progress, Recognizer, Settings,
    Tessdata, TesseractEngine,
};
use crate::raster::{self, Document, OpenOptions, RenderDpi};
use std::sync::Arc;

/// What to do with PDF pages that already carry text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextPages {
    /// Keep their text and do not OCR them (the default).
    #[default]
    Skip,
    /// Rasterize and OCR them like every other page.
    Force,
}

/// How to convert a document.
#[derive(Debug, Clone)]
pub struct Options {
    /// Languages and preprocessing.
    pub settings: Settings,
    /// Limits and the PDF password.
    pub open: OpenOptions,
    /// Pages that already carry text.
    pub text_pages: TextPages,
    /// The resolution PDF pages are rendered at for OCR.
    pub dpi: RenderDpi,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            settings: Settings::default(),
            open: OpenOptions::default(),
            text_pages: TextPages::default(),
            // Scans at their own resolution (oversampled ones reduced,
            // coarse ones brought up to where Tesseract reads well); pages
            // without images at 300 DPI.
            dpi: RenderDpi::Native {
                default: 300.0,
                min: 150.0,
                max: 400.0,
            },
        }
    }
}

/// The outcome for one page.
#[derive(Debug, Clone)]
pub enum PageOutcome {
    /// The page was recognized.
    Recognized(PageResult),
    /// The page already had text and was left as it was; its text.
    Kept(String),
}

/// A recognized document: the input and the outcome of every page, in order.
#[derive(Debug, Clone)]
pub struct Recognition {
    /// The opened input.
    pub document: Document,
    /// One outcome per page of the input.
    pub pages: Vec<PageOutcome>,
}

impl Recognition {
    /// The plain text: recognized or kept text per page, pages separated by
    /// a form feed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, page) in self.pages.iter().enumerate() {
            if i > 0 {
                out.push('\x0c');
            }
            match page {
                PageOutcome::Recognized(r) => out.push_str(&r.text()),
                PageOutcome::Kept(t) => out.push_str(t.trim_end()),
            }
            out.push('\n');
        }
        out
    }

    /// The recognized pages only, as the OCR stage returned them.
    pub fn recognized(&self) -> DocumentResult {
        let pages = self
            .pages
            .iter()
            .filter_map(|p| match p {
                PageOutcome::Recognized(r) => Some(r.clone()),
                PageOutcome::Kept(_) => None,
            })
            .collect();
        DocumentResult { pages }
    }
}

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input could not be opened or a page not rendered.
    #[error(transparent)]
    Input(#[from] raster::Error),
    /// Recognition failed.
    #[error(transparent)]
    Ocr(#[from] OcrError),
}

impl Error {
    /// The stable error code (`corrupt_input`, `unsupported_language`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Input(e) => e.code(),
            Error::Ocr(e) => e.code(),
        }
    }

    /// True when the input or the request is at fault, not this machine.
    pub fn is_bad_input(&self) -> bool {
        fn ocr(e: &OcrError) -> bool {
            match e {
                OcrError::Raster(e) => e.is_bad_input(),
                OcrError::Page { source, .. } => ocr(source),
                OcrError::UnsupportedLanguage { .. } => true,
                _ => false,
            }
        }
        match self {
            Error::Input(e) => e.is_bad_input(),
            Error::Ocr(e) => ocr(e),
        }
    }
}

/// The pipeline: one recognizer (an OCR thread pool with its engine) reused
/// for every document.
pub struct Pipeline {
    recognizer: Recognizer,
    /// The installed language data, to check languages before any work.
    tessdata: Option<Tessdata>,
}

impl Pipeline {
    /// A pipeline with `engine` on `jobs` worker threads (`None`: one per core).
    pub fn new(engine: Arc<dyn Engine>, jobs: Option<usize>) -> Result<Self, Error> {
        Ok(Pipeline {
            recognizer: Recognizer::new(engine, jobs)?,
            tessdata: None,
        })
    }

    /// A pipeline with Tesseract and the installed language data.
    pub fn tesseract(jobs: Option<usize>) -> Result<Self, Error> {
        let engine = TesseractEngine::new()?;
        let tessdata = engine.tessdata().clone();
        let mut pipeline = Self::new(Arc::new(engine), jobs)?;
        pipeline.tessdata = Some(tessdata);
        Ok(pipeline)
    }

    /// The recognizer (thread pool and engine).
    pub fn recognizer(&self) -> &Recognizer {
        &self.recognizer
    }

    /// Opens `bytes` and recognizes every page that needs it. `progress` is
    /// called after each recognized page.
    pub fn recognize(
        &self,
        bytes: impl Into<Arc<[u8]>>,
        options: &Options,
        cancel: &CancelToken,
        progress: impl FnMut(Progress),
    ) -> Result<Recognition, Error> {
        if let Some(tessdata) = &self.tessdata {
            options.settings.languages.resolve(tessdata)?;
        }
        let document = Document::open(bytes, &options.open)?;
        let keep = |i: usize| options.text_pages == TextPages::Skip && document.pages()[i].has_text;
        let todo: Vec<usize> = (0..document.pages().len()).filter(|&i| !keep(i)).collect();
        let total = todo.len();
        let stream = document.stream_pages(todo, options.dpi);
        let recognized = self.recognizer.recognize_pages(
            stream,
            &options.settings,
            cancel,
            Some(total),
            progress,
        )?;
        let mut recognized = recognized.pages.into_iter().peekable();
        let mut pages = Vec::with_capacity(document.pages().len());
        for i in 0..document.pages().len() {
            if keep(i) {
                pages.push(PageOutcome::Kept(document.page_text(i)?));
            } else {
                let result = recognized
                    .next_if(|r| r.index == i)
                    .ok_or_else(|| OcrError::Internal(format!("no result for page {}", i + 1)))?;
                pages.push(PageOutcome::Recognized(result));
            }
        }
        Ok(Recognition { document, pages })
    }
}
