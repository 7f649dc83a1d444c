//! The kinds of failure shared by every stage's error type.

use std::fmt;

/// What kind of failure an error of any stage is (raster, OCR, writers, the
/// pipeline). Each stage's error type has a `kind()`; one exhaustive match
/// in `ocrloom-jobs` (`ocrloom_jobs::Mapping::of`) turns a kind into the API
/// code, the HTTP status and the CLI exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The bytes are empty or of a format (or a variant of one) not read.
    UnsupportedFormat,
    /// The input is damaged or truncated.
    CorruptInput,
    /// The PDF is encrypted and no (correct) password was given.
    EncryptedPdf,
    /// The input exceeds a safety limit (pages, pixels, DPI, decoder memory).
    LimitExceeded,
    /// A requested language is not installed.
    UnsupportedLanguage,
    /// Recognition itself failed.
    OcrFailed,
    /// The input kept its decoder (PDFium) busy past the time allowed: the
    /// input is at fault.
    InputTimeout,
    /// A page took longer than this machine's per-page limit.
    Timeout,
    /// The work was cancelled by its caller.
    Cancelled,
    /// A part this machine needs (PDFium, the language data) is missing.
    Unavailable,
    /// Reading or writing a file failed.
    Io,
    /// A bug: a broken invariant, a panic caught.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::UnsupportedFormat,
        ErrorKind::CorruptInput,
        ErrorKind::EncryptedPdf,
        ErrorKind::LimitExceeded,
        ErrorKind::UnsupportedLanguage,
        ErrorKind::OcrFailed,
        ErrorKind::InputTimeout,
        ErrorKind::Timeout,
        ErrorKind::Cancelled,
        ErrorKind::Unavailable,
        ErrorKind::Io,
        ErrorKind::Internal,
    ];

    /// The kind's name on the command line (`error: <name>: ...`): the API
    /// code where the kind has one of its own, else `cancelled`,
    /// `unavailable`, `io_error`, `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::UnsupportedFormat => "unsupported_format",
            ErrorKind::CorruptInput => "corrupt_input",
            ErrorKind::EncryptedPdf => "encrypted_pdf",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::UnsupportedLanguage => "unsupported_language",
            ErrorKind::OcrFailed => "ocr_failed",
            ErrorKind::InputTimeout | ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Io => "io_error",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
