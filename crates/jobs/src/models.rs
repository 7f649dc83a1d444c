//! The RenderOCR resources as serde models; their JSON is the API's JSON.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::ErrorBody;
use crate::ids::{FileId, JobId};
use crate::time::Timestamp;

/// A list answer: `{"data": [...]}` (no pagination upstream).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct List<T> {
    /// The items.
    pub data: Vec<T>,
}

/// A stored file, uploaded or produced by a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The file's id.
    pub file_id: FileId,
    /// The name given at upload (UTF-8), or derived from the input for job outputs.
    pub filename: String,
    /// Size in bytes.
    pub size: u64,
    /// When the file was created.
    pub created_at: Timestamp,
    /// When the file last changed (a chunk was appended).
    pub updated_at: Timestamp,
    /// When the file will be deleted.
    pub expires_at: Timestamp,
}

/// One conversion an engine offers: input format `from` (`pdf`, `tiff`,
/// `jpeg`, `png`, `bmp`) to output format `to`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conversion {
    /// Input format name, as [`ocrloom_detect::Format::name`].
    pub from: String,
    /// Output format (`pdf`, `txt`, ...).
    pub to: String,
}

impl Conversion {
    /// `from` -> `to`.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Conversion {
            from: from.into(),
            to: to.into(),
        }
    }
}

/// A language an engine recognises.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Language {
    /// ISO 639-2/3 style code (`eng`, `deu`) or the special `Auto`.
    pub code: String,
    /// The name shown in client menus.
    pub display_name: String,
}

impl Language {
    /// A language entry.
    pub fn new(code: impl Into<String>, display_name: impl Into<String>) -> Self {
        Language {
            code: code.into(),
            display_name: display_name.into(),
        }
    }
}

/// An OCR engine and what it can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engine {
    /// `provider/name`.
    pub id: String,
    /// Who provides it.
    pub provider: String,
    /// The name shown in client menus.
    pub display_name: String,
    /// One sentence about it.
    pub description: String,
    /// Exactly the conversions it really performs.
    pub supported_conversions: Vec<Conversion>,
    /// The languages it accepts in a job's `languages`.
    pub supported_languages: Vec<Language>,
}

impl Engine {
    /// Whether the engine converts `from` to `to`.
    pub fn supports(&self, from: &str, to: &str) -> bool {
        self.supported_conversions
            .iter()
            .any(|c| c.from == from && c.to == to)
    }

    /// Whether `code` is one of the engine's languages (exact match).
    pub fn has_language(&self, code: &str) -> bool {
        self.supported_languages.iter().any(|l| l.code == code)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Accepted, waiting for a worker.
    Queued,
    /// A worker is converting it.
    Processing,
    /// Done; `output_file_id` is set.
    Completed,
    /// Done without output; `error` is set.
    Failed,
}

impl JobStatus {
    /// The status as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Processing => "processing",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
        }
    }

    /// Completed or failed: it will not change any more.
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that is not a job status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status {0:?}")]
pub struct UnknownStatus(String);

impl FromStr for JobStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "queued" => Ok(JobStatus::Queued),
            "processing" => Ok(JobStatus::Processing),
            "completed" => Ok(JobStatus::Completed),
            "failed" => Ok(JobStatus::Failed),
            _ => Err(UnknownStatus(s.to_owned())),
        }
    }
}

/// Billing figures of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Pages of the input; 0 until the converter has counted them.
    pub input_pages: u32,
}

/// A conversion job.
///
/// `completed_at` is set when the job finishes, failed or not; `expires_at`
/// is `completed_at` plus the job retention, and `null` until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The job's id.
    pub job_id: JobId,
    /// The input file.
    pub file_id: FileId,
    /// The engine id.
    pub engine: String,
    /// Where it is.
    pub status: JobStatus,
    /// 0..=100, never decreasing; 100 exactly when completed.
    pub progress: u8,
    /// The result, only when completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file_id: Option<FileId>,
    /// Why it failed, only when failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When its status or progress last changed.
    pub updated_at: Timestamp,
    /// When it finished (completed or failed).
    pub completed_at: Option<Timestamp>,
    /// When it and its output will be deleted.
    pub expires_at: Option<Timestamp>,
    /// Billing figures.
    pub usage: Usage,
}

/// The body of `POST /renderocr/jobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateJobRequest {
    /// An engine id from the engines list.
    pub engine: String,
    /// The input file.
    pub file_id: String,
    /// Language codes; all of them are used (upstream uses only the first).
    /// Empty means the converter's default (`Auto` where offered).
    #[serde(default)]
    pub languages: Vec<String>,
    /// One of the engine's `to` values for the input's format.
    pub output_format: String,
}

/// The body of `POST /uploads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateUploadRequest {
    /// The file's name.
    pub filename: String,
}

/// The body of `PUT /uploads/{file_id}`: one chunk, base64 (decoded by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadChunk {
    /// The chunk, standard base64.
    pub data: String,
}
