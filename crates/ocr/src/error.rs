//! The one error type of the crate.

use ocrloom_raster::ErrorKind;
use thiserror::Error;

/// Everything that can go wrong while recognizing pages.
///
/// Each variant has a stable [`OcrError::kind`]; callers map kinds, not
/// messages, to their own API errors (`ocrloom_jobs::Mapping`).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OcrError {
    /// A requested language is unknown or its model is not installed.
    #[error("language {requested:?} is not installed (installed: {})", installed.join(", "))]
    UnsupportedLanguage {
        /// The language as the caller wrote it.
        requested: String,
        /// The languages found in the tessdata directory.
        installed: Vec<String>,
    },
    /// The engine could not recognize a page (bad image, engine failure).
    #[error("OCR failed: {0}")]
    OcrFailed(String),
    /// A part the engine needs (a runtime library, a model) is missing or
    /// cannot be loaded; the message says how to install it.
    #[error("{0}")]
    Unavailable(String),
    /// The work was cancelled through a [`crate::CancelToken`].
    #[error("cancelled")]
    Cancelled,
    /// Recognizing one page took longer than [`crate::Settings::page_timeout`].
    #[error("recognizing the page took longer than the {} s allowed per page", limit.as_secs_f64())]
    Timeout {
        /// The limit that was exceeded.
        limit: std::time::Duration,
    },
    /// The page could not be produced by the raster stage.
    #[error("page could not be rendered: {0}")]
    Raster(#[from] ocrloom_raster::Error),
    /// One page of a document failed; `source` says why.
    #[error("page {page}: {source}")]
    Page {
        /// Zero-based page index.
        page: usize,
        /// What went wrong on that page.
        #[source]
        source: Box<OcrError>,
    },
    /// Reading or writing a file (evaluation corpus, hypothesis files).
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A bug: a panic inside the engine, a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),
}

impl OcrError {
    /// The kind of failure (see [`ErrorKind`]); for [`OcrError::Page`] the
    /// kind of the page's own error, so a caller sees `Cancelled`, `Timeout`
    /// or `UnsupportedLanguage` whatever page it hit.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OcrError::UnsupportedLanguage { .. } => ErrorKind::UnsupportedLanguage,
            OcrError::OcrFailed(_) => ErrorKind::OcrFailed,
            OcrError::Unavailable(_) => ErrorKind::Unavailable,
            OcrError::Cancelled => ErrorKind::Cancelled,
            OcrError::Timeout { .. } => ErrorKind::Timeout,
            OcrError::Raster(e) => e.kind(),
            OcrError::Page { source, .. } => source.kind(),
            OcrError::Io { .. } => ErrorKind::Io,
            OcrError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The page this error is about, when it is about one page.
    pub fn page(&self) -> Option<usize> {
        match self {
            OcrError::Page { page, .. } => Some(*page),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        OcrError::Io {
            path: path.into(),
            source,
        }
    }
}
