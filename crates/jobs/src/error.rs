//! Stable error codes, their HTTP statuses, and the crate's error type.
//!
//! The full table (code, HTTP status, when) is in `crates/jobs/ERRORS.md`; the
//! code is the contract with clients, the message is for people.

use ocrloom_detect::ErrorKind;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::ids::RequestId;

/// Every error code the API answers with, at request time or in a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No API key, or one that is not known (401).
    Unauthorized,
    /// The request is malformed: missing field, bad filename, wrong kind of file (400).
    InvalidRequest,
    /// The engine id is not in the engines list (400).
    InvalidEngine,
    /// The file is unknown, expired, or another user's (404).
    InvalidFileId,
    /// The job is unknown, expired, or another user's (404).
    InvalidJobId,
    /// `wait` is zero, negative or not a number (400).
    InvalidWait,
    /// The requested byte range lies outside the file (416).
    InvalidRange,
    /// A chunk is larger than the chunk limit (5 MB by default) (413).
    ChunkTooLarge,
    /// The file would exceed the file size limit (200 MB by default) (413).
    FileTooLarge,
    /// The input's bytes are none of PDF, TIFF, JPEG, PNG, BMP (422).
    UnsupportedFormat,
    /// The engine cannot convert this input format to this output format (422).
    UnsupportedConversion,
    /// A language the engine does not support (422).
    UnsupportedLanguage,
    /// The input is damaged or truncated (job failure).
    CorruptInput,
    /// The PDF is encrypted and cannot be opened (job failure).
    EncryptedPdf,
    /// The input exceeds a safety limit: pages, pixels, DPI (job failure).
    LimitExceeded,
    /// Recognition itself failed (job failure).
    OcrFailed,
    /// The job ran longer than allowed, or one of its pages did (job failure).
    Timeout,
    /// The input of a job cannot change: no more chunks (409).
    FileInUse,
    /// A per-user quota (queued jobs, bytes stored) is reached; the answer
    /// carries `Retry-After` (429).
    QuotaExceeded,
    /// The manager is shutting down and takes no new work (503).
    ShuttingDown,
    /// The shared job store (PostgreSQL) cannot be reached now; the answer
    /// carries `Retry-After` (503).
    Unavailable,
    /// Anything else: storage failure, converter crash (500, or job failure).
    Internal,
}

impl ErrorCode {
    /// Every code, in table order.
    pub const ALL: [ErrorCode; 22] = [
        ErrorCode::Unauthorized,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidEngine,
        ErrorCode::InvalidFileId,
        ErrorCode::InvalidJobId,
        ErrorCode::InvalidWait,
        ErrorCode::InvalidRange,
        ErrorCode::ChunkTooLarge,
        ErrorCode::FileTooLarge,
        ErrorCode::UnsupportedFormat,
        ErrorCode::UnsupportedConversion,
        ErrorCode::UnsupportedLanguage,
        ErrorCode::CorruptInput,
        ErrorCode::EncryptedPdf,
        ErrorCode::LimitExceeded,
        ErrorCode::OcrFailed,
        ErrorCode::Timeout,
        ErrorCode::FileInUse,
        ErrorCode::QuotaExceeded,
        ErrorCode::ShuttingDown,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    /// The code as it appears in JSON (`invalid_file_id`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidEngine => "invalid_engine",
            ErrorCode::InvalidFileId => "invalid_file_id",
            ErrorCode::InvalidJobId => "invalid_job_id",
            ErrorCode::InvalidWait => "invalid_wait",
            ErrorCode::InvalidRange => "invalid_range",
            ErrorCode::ChunkTooLarge => "chunk_too_large",
            ErrorCode::FileTooLarge => "file_too_large",
            ErrorCode::UnsupportedFormat => "unsupported_format",
            ErrorCode::UnsupportedConversion => "unsupported_conversion",
            ErrorCode::UnsupportedLanguage => "unsupported_language",
            ErrorCode::CorruptInput => "corrupt_input",
            ErrorCode::EncryptedPdf => "encrypted_pdf",
            ErrorCode::LimitExceeded => "limit_exceeded",
            ErrorCode::OcrFailed => "ocr_failed",
            ErrorCode::Timeout => "timeout",
            ErrorCode::FileInUse => "file_in_use",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code for `s`, if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The HTTP status a server answers with when a request fails with this
    /// code. Job-failure-only codes (`corrupt_input`, ...) never fail a request;
    /// they map to 422 in case a server reports them synchronously.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::InvalidRequest | ErrorCode::InvalidEngine | ErrorCode::InvalidWait => 400,
            ErrorCode::InvalidFileId | ErrorCode::InvalidJobId => 404,
            ErrorCode::InvalidRange => 416,
            ErrorCode::ChunkTooLarge | ErrorCode::FileTooLarge => 413,
            ErrorCode::UnsupportedFormat
            | ErrorCode::UnsupportedConversion
            | ErrorCode::UnsupportedLanguage
            | ErrorCode::CorruptInput
            | ErrorCode::EncryptedPdf
            | ErrorCode::LimitExceeded
            | ErrorCode::OcrFailed
            | ErrorCode::Timeout => 422,
            ErrorCode::FileInUse => 409,
            ErrorCode::QuotaExceeded => 429,
            ErrorCode::ShuttingDown | ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// Whether a converter may fail a job with this code; any other code a
    /// converter returns is reported as `internal`.
    pub fn is_job_failure(self) -> bool {
        matches!(
            self,
            ErrorCode::UnsupportedFormat
                | ErrorCode::CorruptInput
                | ErrorCode::EncryptedPdf
                | ErrorCode::LimitExceeded
                | ErrorCode::UnsupportedLanguage
                | ErrorCode::OcrFailed
                | ErrorCode::Timeout
                | ErrorCode::Internal
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The CLI's exit code for a failure the input is at fault for.
pub const EXIT_BAD_INPUT: u8 = 3;
/// The CLI's exit code for any other failure (this machine, a bug).
pub const EXIT_FAILURE: u8 = 1;

/// What a failure of one [`ErrorKind`] becomes for each client: the API
/// code (in a failed job), its HTTP status, and the CLI's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// The API code.
    pub code: ErrorCode,
    /// The HTTP status of that code.
    pub http_status: u16,
    /// `ocrloom`'s exit code: [`EXIT_BAD_INPUT`] or [`EXIT_FAILURE`].
    pub exit_code: u8,
}

impl Mapping {
    /// The one mapping from kinds to codes, statuses and exit codes
    /// (`crates/jobs/ERRORS.md`, "Kinds").
    pub fn of(kind: ErrorKind) -> Mapping {
        let (code, exit_code) = match kind {
            ErrorKind::UnsupportedFormat => (ErrorCode::UnsupportedFormat, EXIT_BAD_INPUT),
            ErrorKind::CorruptInput => (ErrorCode::CorruptInput, EXIT_BAD_INPUT),
            ErrorKind::EncryptedPdf => (ErrorCode::EncryptedPdf, EXIT_BAD_INPUT),
            ErrorKind::LimitExceeded => (ErrorCode::LimitExceeded, EXIT_BAD_INPUT),
            ErrorKind::UnsupportedLanguage => (ErrorCode::UnsupportedLanguage, EXIT_BAD_INPUT),
            ErrorKind::InputTimeout => (ErrorCode::Timeout, EXIT_BAD_INPUT),
            ErrorKind::OcrFailed => (ErrorCode::OcrFailed, EXIT_FAILURE),
            // The limit is this machine's setting, not the input's fault.
            ErrorKind::Timeout => (ErrorCode::Timeout, EXIT_FAILURE),
            // The manager cancels jobs itself (timeout, shutdown) and reports
            // those before looking at the converter's error.
            ErrorKind::Cancelled | ErrorKind::Unavailable | ErrorKind::Io | ErrorKind::Internal => {
                (ErrorCode::Internal, EXIT_FAILURE)
            }
        };
        Mapping {
            code,
            http_status: code.http_status(),
            exit_code,
        }
    }
}

/// The `error` object of the API: `{"code", "message", "request_id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code from [`ErrorCode`].
    pub code: ErrorCode,
    /// A human-readable explanation, shown to end users by clients.
    pub message: String,
    /// Identifies the failure in the server's log.
    pub request_id: RequestId,
}

/// The body of a failed HTTP answer: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
}

/// An error from a facade call. [`Error::code`] gives the stable code and
/// [`Error::http_status`] the status a server answers with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No API key or an unknown one.
    #[error("missing or unknown API key")]
    Unauthorized,
    /// Malformed request.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The engine id is not in the engines list.
    #[error("unknown engine `{0}`")]
    InvalidEngine(String),
    /// The file id is unknown, expired or another user's.
    #[error("no file with id `{0}`")]
    InvalidFileId(String),
    /// The job id is unknown, expired or another user's.
    #[error("no job with id `{0}`")]
    InvalidJobId(String),
    /// `wait` outside 1..=10 on the low side (high values are clipped).
    #[error("wait must be a positive number of seconds, got {0}")]
    InvalidWait(String),
    /// A byte range outside the file.
    #[error("range not satisfiable for a file of {size} bytes")]
    InvalidRange {
        /// The file's size.
        size: u64,
    },
    /// A chunk above the chunk limit.
    #[error("chunk of {size} bytes is larger than the limit of {max} bytes")]
    ChunkTooLarge {
        /// The chunk's size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A file above the file size limit.
    #[error("file is larger than the limit of {max} bytes")]
    FileTooLarge {
        /// The limit.
        max: u64,
    },
    /// The input's bytes are not a supported format.
    #[error("the file is not a supported input format (PDF, TIFF, JPEG, PNG, BMP): {0}")]
    UnsupportedFormat(String),
    /// The engine cannot do this conversion.
    #[error("engine `{engine}` cannot convert {from} to `{to}`")]
    UnsupportedConversion {
        /// The engine id.
        engine: String,
        /// The detected input format.
        from: String,
        /// The requested output format.
        to: String,
    },
    /// A language the engine does not support.
    #[error("engine `{engine}` does not support language `{language}`")]
    UnsupportedLanguage {
        /// The engine id.
        engine: String,
        /// The language code asked for.
        language: String,
    },
    /// A chunk for a file that is the input of a job.
    #[error("file `{0}` is the input of a job and can no longer change")]
    FileInUse(String),
    /// A per-user quota is reached.
    #[error("{what}; retry in {retry_after} s")]
    QuotaExceeded {
        /// Which quota, with its limit.
        what: String,
        /// Seconds after which a retry may succeed (`Retry-After`).
        retry_after: u64,
    },
    /// The manager is shutting down.
    #[error("the job manager is shutting down")]
    ShuttingDown,
    /// The shared database cannot be reached (refused or lost connection,
    /// timeout, server shutting down): a passing condition, answered with
    /// 503 `unavailable`; the node recovers when the database is back.
    #[error("the database cannot be reached (while {context}); retry later")]
    Unavailable {
        /// What the manager was doing.
        context: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The metadata database failed.
    #[error("storage failure while {context}")]
    Database {
        /// What the manager was doing.
        context: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Reading or writing file contents failed.
    #[error("i/o failure while {context}")]
    Io {
        /// What the manager was doing (with the path when there is one).
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The object storage (`--storage s3://...`) failed or cannot be
    /// reached (refused connection, timeout, server error, credentials or
    /// bucket refused). A lost content is an [`Error::Io`] instead.
    #[error("object storage failure while {context}")]
    ObjectStorage {
        /// What the manager was doing.
        context: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The configuration cannot work (a malformed location, a missing
    /// setting).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The OS's random number generator failed.
    #[error("the system random number generator failed")]
    Random(#[source] getrandom::Error),
}

impl Error {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::InvalidRequest(_) => ErrorCode::InvalidRequest,
            Error::InvalidEngine(_) => ErrorCode::InvalidEngine,
            Error::InvalidFileId(_) => ErrorCode::InvalidFileId,
            Error::InvalidJobId(_) => ErrorCode::InvalidJobId,
            Error::InvalidWait(_) => ErrorCode::InvalidWait,
            Error::InvalidRange { .. } => ErrorCode::InvalidRange,
            Error::ChunkTooLarge { .. } => ErrorCode::ChunkTooLarge,
            Error::FileTooLarge { .. } => ErrorCode::FileTooLarge,
            Error::UnsupportedFormat(_) => ErrorCode::UnsupportedFormat,
            Error::UnsupportedConversion { .. } => ErrorCode::UnsupportedConversion,
            Error::UnsupportedLanguage { .. } => ErrorCode::UnsupportedLanguage,
            Error::FileInUse(_) => ErrorCode::FileInUse,
            Error::QuotaExceeded { .. } => ErrorCode::QuotaExceeded,
            Error::ShuttingDown => ErrorCode::ShuttingDown,
            Error::Unavailable { .. } | Error::ObjectStorage { .. } => ErrorCode::Unavailable,
            Error::Database { .. } | Error::Io { .. } | Error::Config(_) | Error::Random(_) => {
                ErrorCode::Internal
            }
        }
    }

    /// The HTTP status for this error (see [`ErrorCode::http_status`]).
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// The message for clients: internal failures are not described (paths
    /// and database details stay in the log).
    pub fn public_message(&self) -> String {
        match self.code() {
            ErrorCode::Internal => "internal error".to_owned(),
            _ => self.to_string(),
        }
    }

    /// The API's error object for this error.
    pub fn body(&self, request_id: RequestId) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.public_message(),
            request_id,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn db<E: std::error::Error + Send + Sync + 'static>(
        context: &'static str,
    ) -> impl FnOnce(E) -> Self {
        move |source| Error::Database {
            context,
            source: Box::new(source),
        }
    }
}

impl From<getrandom::Error> for Error {
    fn from(e: getrandom::Error) -> Self {
        Error::Random(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_text_and_serde() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).expect("serialize");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(
                [400, 401, 404, 409, 413, 416, 422, 429, 500, 503].contains(&code.http_status())
            );
        }
    }

    #[test]
    fn every_kind_has_a_job_failure_code_a_status_and_an_exit_code() {
        let table = include_str!("../ERRORS.md");
        for kind in ErrorKind::ALL {
            let m = Mapping::of(kind);
            assert!(m.code.is_job_failure(), "{kind}: {}", m.code);
            assert_eq!(m.http_status, m.code.http_status());
            assert!([EXIT_BAD_INPUT, EXIT_FAILURE].contains(&m.exit_code));
            let row = format!(
                "| `{kind:?}` | `{}` | {} | {} |",
                m.code, m.http_status, m.exit_code
            );
            assert!(table.contains(&row), "ERRORS.md lacks the row {row}");
        }
        // Bad input and this machine's failures stay apart.
        assert_eq!(
            Mapping::of(ErrorKind::CorruptInput).exit_code,
            EXIT_BAD_INPUT
        );
        assert_eq!(Mapping::of(ErrorKind::Io).exit_code, EXIT_FAILURE);
        assert_eq!(Mapping::of(ErrorKind::Io).code, ErrorCode::Internal);
    }

    #[test]
    fn the_errors_table_lists_every_code() {
        let table = include_str!("../ERRORS.md");
        for code in ErrorCode::ALL {
            let row = format!("| `{}` | {} |", code.as_str(), code.http_status());
            assert!(table.contains(&row), "ERRORS.md lacks the row {row}");
        }
    }
}
