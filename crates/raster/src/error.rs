use ocrloom_detect::{DetectError, ErrorKind};

/// Why a document could not be opened or a page not rendered.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are empty, of an unknown or of an unsupported format.
    #[error(transparent)]
    Format(#[from] DetectError),
    /// The file uses a feature of its format that ocrloom does not read.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The file is damaged or truncated.
    #[error("corrupt input: {0}")]
    Corrupt(String),
    /// The PDF is encrypted and no (correct) password was given.
    #[error("the PDF is encrypted and the password is missing or wrong")]
    Encrypted,
    /// PDFium did not finish with the document in the time allowed (see
    /// [`crate::isolate_pdfium`]).
    #[error("{0}")]
    Timeout(String),
    /// A resource limit would be exceeded.
    #[error("over a limit: {0}")]
    LimitExceeded(String),
    /// A page index past the end of the document.
    #[error("no page {0} in the document")]
    NoSuchPage(usize),
    /// The PDFium library could not be found or loaded.
    #[error("{0}")]
    Pdfium(String),
    /// A decoder failed unexpectedly (a bug, reported instead of crashing).
    #[error("internal error: {0}")]
    Internal(String),
    /// The input could not be read.
    #[error("cannot read the input: {0}")]
    Io(#[source] std::io::Error),
}

impl Error {
    /// The kind of failure (see [`ErrorKind`]; `kind().as_str()` names it).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Format(_) | Error::Unsupported(_) => ErrorKind::UnsupportedFormat,
            Error::Corrupt(_) | Error::NoSuchPage(_) => ErrorKind::CorruptInput,
            Error::Encrypted => ErrorKind::EncryptedPdf,
            Error::LimitExceeded(_) => ErrorKind::LimitExceeded,
            Error::Timeout(_) => ErrorKind::InputTimeout,
            Error::Pdfium(_) => ErrorKind::Unavailable,
            Error::Internal(_) => ErrorKind::Internal,
            Error::Io(_) => ErrorKind::Io,
        }
    }

    /// The message without the prefix the variant adds (`over a limit: `,
    /// ...): what another process needs to rebuild the same error.
    pub(crate) fn detail(&self) -> String {
        match self {
            Error::Unsupported(m)
            | Error::Corrupt(m)
            | Error::Timeout(m)
            | Error::LimitExceeded(m)
            | Error::Pdfium(m)
            | Error::Internal(m) => m.clone(),
            other => other.to_string(),
        }
    }
}
