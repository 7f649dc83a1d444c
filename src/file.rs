//! Files in, files out: the short way to use the library.
//!
//! [`convert_file`] recognizes one file and writes another, the format
//! taken from the output's extension; [`Ocr`] is the same with choices
//! (languages, engine, threads, progress). Both run the [`Pipeline`], which
//! stays the way to convert bytes in memory or to reuse one recognizer for
//! many documents.

use crate::ocr::{CancelToken, Engine, Languages, Progress};
use crate::pages::PageSelection;
use crate::pipeline::{Error, Options, Pipeline, Recognition, TextPages};
use crate::raster;
use crate::writers::{OutputFormat, WriteOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Recognizes `input` (PDF, TIFF, JPEG, PNG or BMP) in English and writes
/// `output` in the format its extension names (`.pdf` searchable PDF,
/// `.txt`, `.hocr`, `.xml` ALTO, `.json`, `.docx`, `.pptx`); returns the number of pages.
/// The output is complete or absent, never partial.
///
/// `ocrloom::convert_file("scan.pdf", "searchable.pdf")?` is
/// `Ocr::new().convert_file(...)`; see [`Ocr`] for languages and the rest.
pub fn convert_file(input: impl AsRef<Path>, output: impl AsRef<Path>) -> Result<usize, Error> {
    Ocr::new().convert_file(input, output)
}

/// The output format a file name asks for, from its extension (`.pdf`,
/// `.txt`, `.hocr`, `.xml` or `.alto`, `.json`, `.docx`, `.pptx`); `None` when it
/// names none.
pub fn format_of(path: &Path) -> Option<OutputFormat> {
    path.extension()
        .and_then(|e| OutputFormat::from_extension(&e.to_string_lossy()))
}

/// A progress callback, called after each recognized page.
type ProgressFn = Box<dyn FnMut(Progress) + Send>;

/// Recognition of files with chosen settings; build it, then convert one
/// file or many (the engine and its threads are made once, at the first
/// file, and reused).
///
/// ```no_run
/// let pages = ocrloom::Ocr::new()
///     .languages("eng+deu")
///     .jobs(2)
///     .on_progress(|p| eprintln!("{} of {:?} pages", p.done, p.total))
///     .convert_file("scan.pdf", "scan.txt")?;
/// # Ok::<(), ocrloom::Error>(())
/// ```
pub struct Ocr {
    options: Options,
    jobs: Option<usize>,
    engine: Option<Arc<dyn Engine>>,
    progress: Option<ProgressFn>,
    cancel: CancelToken,
    pipeline: Option<Pipeline>,
}

impl Default for Ocr {
    fn default() -> Self {
        Self::new()
    }
}

impl Ocr {
    /// English, Tesseract, one thread per core, the default [`Options`].
    pub fn new() -> Self {
        Ocr {
            options: Options::default(),
            jobs: None,
            engine: None,
            progress: None,
            cancel: CancelToken::new(),
            pipeline: None,
        }
    }

    /// The languages: Tesseract codes or ISO 639-1 aliases joined by `+`
    /// (`"eng+deu"`, `"de"`), or `"auto"`. Checked against the installed
    /// language data when a file is converted.
    pub fn languages(mut self, spec: &str) -> Self {
        self.options.settings.languages = Languages::parse(spec);
        self
    }

    /// The number of OCR threads (default: one per core).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = Some(jobs);
        self.pipeline = None;
        self
    }

    /// The recognition engine (default: Tesseract with the installed
    /// language data).
    pub fn engine(mut self, engine: Arc<dyn Engine>) -> Self {
        self.engine = Some(engine);
        self.pipeline = None;
        self
    }

    /// Keep the words read from marks that are not text (stamps,
    /// handwriting, signatures) in the text outputs, instead of flagging
    /// them ([`crate::ocr::Settings::keep_noise`]; default `false`).
    pub fn keep_noise(mut self, keep: bool) -> Self {
        self.options.settings.keep_noise = keep;
        self
    }

    /// The password of an encrypted PDF.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.options.open.password = Some(password.into());
        self
    }

    /// What to do with PDF pages that already carry text (default: keep it).
    pub fn text_pages(mut self, text_pages: TextPages) -> Self {
        self.options.text_pages = text_pages;
        self
    }

    /// Recognizes only these pages (see [`Options::pages`]).
    pub fn pages(mut self, pages: PageSelection) -> Self {
        self.options.pages = Some(pages);
        self
    }

    /// Every setting at once, for what has no method of its own (limits,
    /// page timeout, DPI, timestamps).
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// Calls `progress` after each recognized page.
    pub fn on_progress(mut self, progress: impl FnMut(Progress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Stops the work when `cancel` is cancelled (from another thread).
    pub fn cancel_token(mut self, cancel: CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Recognizes `input` and writes `output` in the format its extension
    /// names, complete or not at all; returns the number of pages.
    pub fn convert_file(
        &mut self,
        input: impl AsRef<Path>,
        output: impl AsRef<Path>,
    ) -> Result<usize, Error> {
        let (input, output) = (input.as_ref(), output.as_ref());
        let format = format_of(output).ok_or_else(|| Error::OutputFormat(output.to_owned()))?;
        let mut options = self.options.clone();
        options.settings.structure |= format.shows_structure();
        let recognition = self.recognize_with(input, &options)?;
        let mut write = options.write_options();
        if write.source_name.is_none() {
            write.source_name = input.file_name().map(|n| n.to_string_lossy().into_owned());
        }
        recognition.write_file(output, format, &write)?;
        Ok(recognition.document.pages().len())
    }

    /// Recognizes `input`; write the result with [`Recognition::write_file`]
    /// (as often as there are outputs: the document is read once).
    pub fn recognize_file(&mut self, input: impl AsRef<Path>) -> Result<Recognition, Error> {
        let options = self.options.clone();
        self.recognize_with(input.as_ref(), &options)
    }

    /// Recognizes `input` with `options`.
    fn recognize_with(&mut self, input: &Path, options: &Options) -> Result<Recognition, Error> {
        let bytes = read_input(input, &options.open.limits)?;
        let pipeline = match self.pipeline.take() {
            Some(pipeline) => pipeline,
            None => match &self.engine {
                Some(engine) => Pipeline::new(engine.clone(), self.jobs)?,
                None => Pipeline::tesseract(self.jobs)?,
            },
        };
        let progress = &mut self.progress;
        let result = pipeline.recognize(bytes, options, &self.cancel, |p| {
            if let Some(f) = progress.as_mut() {
                f(p)
            }
        });
        self.pipeline = Some(pipeline);
        result
    }
}

impl Recognition {
    /// Writes the document to `path` in `format`, complete or not at all
    /// (see [`Recognition::write_files`]).
    pub fn write_file(
        &self,
        path: &Path,
        format: OutputFormat,
        options: &WriteOptions,
    ) -> Result<(), Error> {
        self.write_files(&[(path.to_owned(), format)], options)
    }

    /// Writes the document once per output, all or none: each to a
    /// temporary file beside it, and only when every one is written are
    /// they renamed into place; a failed write (a full disk, a missing
    /// folder) removes every temporary file and leaves no output.
    pub fn write_files(
        &self,
        outputs: &[(PathBuf, OutputFormat)],
        options: &WriteOptions,
    ) -> Result<(), Error> {
        let mut written: Vec<(PathBuf, &Path)> = Vec::with_capacity(outputs.len());
        let result = outputs.iter().try_for_each(|(path, format)| {
            let mut bytes = Vec::new();
            let start = std::time::Instant::now();
            self.write(*format, options, &mut bytes)?;
            tracing::debug!(
                format = format.name(),
                seconds = start.elapsed().as_secs_f64(),
                "output made"
            );
            let tmp = write_temporary(path, &bytes).map_err(|source| Error::Output {
                path: path.clone(),
                source,
            })?;
            written.push((tmp, path));
            Ok(())
        });
        let result = result.and_then(|()| {
            written.iter().try_for_each(|(tmp, path)| {
                std::fs::rename(tmp, path).map_err(|source| Error::Output {
                    path: path.to_path_buf(),
                    source,
                })
            })
        });
        if result.is_err() {
            for (tmp, _) in &written {
                let _ = std::fs::remove_file(tmp);
            }
        }
        result
    }
}

/// Reads a file, refusing one over the size limit before reading it.
fn read_input(path: &Path, limits: &raster::Limits) -> Result<Vec<u8>, Error> {
    let len = std::fs::metadata(path).map_err(raster::Error::Io)?.len();
    limits.check_file_size(len)?;
    Ok(std::fs::read(path).map_err(raster::Error::Io)?)
}

/// Writes `bytes` to a temporary file beside `path` (`.NAME.part`), synced;
/// returns its path. A failed write leaves no temporary file.
fn write_temporary(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = path.file_name() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        ));
    };
    let tmp = dir.join(format!(".{}.part", name.to_string_lossy()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
