//! The whole pipeline in one call: open, choose the pages that need OCR,
//! render them, recognize them in parallel, write the output.

use crate::ocr::{
    CancelToken, CjkEngine, DocumentResult, Engine, OcrError, Progress, Recognizer, Settings,
    Tessdata, TesseractEngine,
};
use crate::pages::PageSelection;
use crate::raster::{self, Document, OpenOptions, PageText, RenderDpi};
use crate::writers::{self, OutputFormat, WriteOptions};
use std::path::PathBuf;
use std::sync::Arc;

/// What to do with PDF pages that already carry text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextPages {
    /// Keep their text and do not OCR them (the default).
    #[default]
    Skip,
    /// OCR again the pages whose only text is invisible (an earlier OCR
    /// layer, which the new one replaces); keep pages whose text shows.
    Redo,
    /// Rasterize and OCR them like every other page (an earlier invisible
    /// layer is replaced; text that shows stays, under the new layer).
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
    /// Only these pages are recognized (`None`: every page); the others
    /// stay in the outputs as they are (a searchable PDF keeps them
    /// untouched, the text output leaves them empty).
    pub pages: Option<PageSelection>,
    /// The resolution PDF pages are rendered at for OCR.
    pub dpi: RenderDpi,
    /// How [`Pipeline::convert`] writes: the input's name and the time it
    /// records; without a password of its own it uses `open.password`.
    pub write: WriteOptions,
}

impl Options {
    /// The options to write with: [`Options::write`], with the input's
    /// password when it has none of its own.
    pub fn write_options(&self) -> WriteOptions {
        WriteOptions {
            password: self
                .write
                .password
                .clone()
                .or_else(|| self.open.password.clone()),
            ..self.write.clone()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            settings: Settings::default(),
            open: OpenOptions::default(),
            text_pages: TextPages::default(),
            pages: None,
            // Scans at their own resolution, so their pixels reach the OCR
            // unresampled (oversampled ones reduced): enlarging small text is
            // the OCR's preprocessing, which measures the glyphs rather than
            // trusting a DPI tag. Pages without a scan at 300 DPI.
            dpi: RenderDpi::Native {
                default: 300.0,
                min: 50.0,
                max: 400.0,
            },
            write: WriteOptions::default(),
        }
    }
}

/// A recognized document: the input and the results of the pages that were
/// recognized (pages kept for their own text have none).
#[derive(Debug, Clone)]
pub struct Recognition {
    /// The opened input.
    pub document: Document,
    /// One result per recognized page, in page order.
    pub result: DocumentResult,
}

impl Recognition {
    /// Writes the document in `format` (searchable PDF, text, hOCR, ALTO,
    /// JSON, DOCX, XLSX, PPTX). The text, DOCX, PPTX, XLSX and JSON show the
    /// tables and figures found during recognition: recognize with
    /// `Settings::structure` for them ([`OutputFormat::shows_structure`]).
    pub fn write(
        &self,
        format: OutputFormat,
        options: &WriteOptions,
        out: &mut dyn std::io::Write,
    ) -> Result<(), Error> {
        Ok(writers::write(
            format,
            &self.document,
            &self.result,
            options,
            out,
        )?)
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
    /// The output could not be written.
    #[error(transparent)]
    Write(#[from] writers::WriteError),
    /// An output file's name asks for no format ocrloom writes.
    #[error("cannot tell the output format from {}: use {}", .0.display(), OutputFormat::extensions())]
    OutputFormat(PathBuf),
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The output file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Error {
    /// The kind of failure, which `ocrloom_jobs::Mapping::of` turns into
    /// the API code, HTTP status and exit code.
    pub fn kind(&self) -> raster::ErrorKind {
        match self {
            Error::Input(e) => e.kind(),
            Error::Ocr(e) => e.kind(),
            Error::Write(e) => e.kind(),
            Error::OutputFormat(_) => raster::ErrorKind::UnsupportedFormat,
            Error::Output { .. } => raster::ErrorKind::Io,
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
            tessdata: engine.tessdata().cloned(),
            recognizer: Recognizer::new(engine, jobs)?,
        })
    }

    /// A pipeline with the default engine: Tesseract and the installed
    /// language data, with PP-OCRv5 reading the horizontal pages of Chinese
    /// and Japanese where it is installed ([`CjkEngine`]).
    pub fn tesseract(jobs: Option<usize>) -> Result<Self, Error> {
        Self::new(Arc::new(CjkEngine::new(TesseractEngine::new()?)), jobs)
    }

    /// A pipeline with `engine` on this pipeline's threads: one pool for
    /// both, and per-thread engine state (PP-OCRv5's networks) loaded once
    /// for both where their engines share it.
    pub fn with_engine(&self, engine: Arc<dyn Engine>) -> Self {
        Pipeline {
            tessdata: engine.tessdata().cloned(),
            recognizer: Recognizer::with_pool(engine, self.recognizer.pool().clone()),
        }
    }

    /// The recognizer (thread pool and engine).
    pub fn recognizer(&self) -> &Recognizer {
        &self.recognizer
    }

    /// The installed language data, when the engine reads with Tesseract.
    pub fn tessdata(&self) -> Option<&Tessdata> {
        self.tessdata.as_ref()
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
        let todo: Vec<usize> = document
            .pages()
            .iter()
            .filter(|p| match options.text_pages {
                TextPages::Skip => p.text == PageText::None,
                TextPages::Redo => p.text != PageText::Visible,
                TextPages::Force => true,
            })
            .filter(|p| {
                options
                    .pages
                    .as_ref()
                    .is_none_or(|s| s.contains(p.index + 1))
            })
            .map(|p| p.index)
            .collect();
        let total = todo.len();
        let stream = document.stream_pages(todo, options.dpi);
        let result = self.recognizer.recognize_pages(
            stream,
            &options.settings,
            cancel,
            Some(total),
            progress,
        )?;
        Ok(Recognition { document, result })
    }

    /// Recognizes `bytes` (finding the pages' tables and figures when
    /// `format` shows them, [`OutputFormat::shows_structure`]) and writes the
    /// result in `format` to `out`; returns the number of input pages.
    pub fn convert(
        &self,
        bytes: impl Into<Arc<[u8]>>,
        format: OutputFormat,
        options: &Options,
        cancel: &CancelToken,
        progress: impl FnMut(Progress),
        out: &mut dyn std::io::Write,
    ) -> Result<usize, Error> {
        let mut options = options.clone();
        options.settings.structure |= format.shows_structure();
        let done = self.recognize(bytes, &options, cancel, progress)?;
        done.write(format, &options.write_options(), out)?;
        Ok(done.document.pages().len())
    }
}
