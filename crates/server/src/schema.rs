//! OpenAPI schemas of the API's JSON.
//!
//! The models live in `ocrloom-jobs`, which does not depend on utoipa, so
//! their shapes are restated here for the document only (nothing is
//! serialized through these types). The server's tests compare every JSON
//! answer they receive with these schemas, so a field added to a model and
//! not here fails a test.
#![allow(dead_code)] // The fields exist for the derived schemas only.

use utoipa::ToSchema;

/// A stored file, uploaded or produced by a job.
#[derive(ToSchema)]
pub(crate) struct FileInfo {
    /// 32 characters of `[a-z0-9]`.
    #[schema(example = "akrj49467f644hncvs7cmw1bj3j1mcnk")]
    file_id: String,
    /// The name given at upload (UTF-8), or `<input stem>.<format>` for job outputs.
    filename: String,
    /// Size in bytes.
    size: u64,
    /// RFC 3339, UTC, seconds, `Z`.
    #[schema(format = DateTime, example = "2026-04-13T05:32:04Z")]
    created_at: String,
    /// When the file last changed (a chunk was appended).
    #[schema(format = DateTime)]
    updated_at: String,
    /// When the file will be deleted.
    #[schema(format = DateTime)]
    expires_at: String,
}

/// `{"data": [FileInfo...]}`, newest first.
#[derive(ToSchema)]
pub(crate) struct FileList {
    data: Vec<FileInfo>,
}

/// One conversion an engine performs.
#[derive(ToSchema)]
pub(crate) struct Conversion {
    /// `pdf`, `tiff`, `jpeg`, `png` or `bmp`.
    from: String,
    /// The output format (`pdf`, `txt`, ...).
    to: String,
}

/// A language an engine recognises.
#[derive(ToSchema)]
pub(crate) struct Language {
    /// ISO 639-2/3 style code or `Auto`.
    code: String,
    /// The name shown in menus.
    display_name: String,
}

/// An OCR engine.
#[derive(ToSchema)]
pub(crate) struct Engine {
    /// `provider/name`.
    id: String,
    /// Who provides it.
    provider: String,
    /// The name shown in menus.
    display_name: String,
    /// One sentence about it.
    description: String,
    /// Exactly the conversions it performs.
    supported_conversions: Vec<Conversion>,
    /// The languages accepted in a job's `languages`.
    supported_languages: Vec<Language>,
}

/// `{"data": [Engine...]}`.
#[derive(ToSchema)]
pub(crate) struct EngineList {
    data: Vec<Engine>,
}

/// Where a job is.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Being converted.
    Processing,
    /// Done; `output_file_id` is set.
    Completed,
    /// Done without output; `error` is set.
    Failed,
}

/// The `error` object: of a failed job, or of a failed request.
#[derive(ToSchema)]
pub(crate) struct ErrorBody {
    /// A stable code (see ERRORS.md and the server README).
    #[schema(example = "invalid_file_id")]
    code: String,
    /// A message for people.
    message: String,
    /// Finds the failure in the server's log.
    request_id: String,
}

/// A failed request: `{"error": {...}}`.
#[derive(ToSchema)]
pub(crate) struct ErrorResponse {
    error: ErrorBody,
}

/// Billing figures.
#[derive(ToSchema)]
pub(crate) struct Usage {
    /// Pages of the input; 0 until counted.
    input_pages: u32,
}

/// A conversion job.
#[derive(ToSchema)]
pub(crate) struct Job {
    /// 32 characters of `[a-z0-9]`.
    job_id: String,
    /// The input file.
    file_id: String,
    /// The engine id.
    engine: String,
    /// Where the job is.
    status: JobStatus,
    /// 0..=100, never decreasing; 100 exactly when completed.
    #[schema(minimum = 0, maximum = 100)]
    progress: u8,
    /// The result; only present when `completed`.
    #[schema(nullable = false)]
    output_file_id: Option<String>,
    /// Why it failed; only present when `failed`.
    #[schema(nullable = false)]
    error: Option<ErrorBody>,
    /// When it was created.
    #[schema(format = DateTime)]
    created_at: String,
    /// When its status or progress last changed.
    #[schema(format = DateTime)]
    updated_at: String,
    /// When it finished (completed or failed); `null` before.
    #[schema(format = DateTime, required = true)]
    completed_at: Option<String>,
    /// When it and its output will be deleted; `null` until finished.
    #[schema(format = DateTime, required = true)]
    expires_at: Option<String>,
    /// Billing figures.
    usage: Usage,
}

/// `{"data": [Job...]}`, newest first.
#[derive(ToSchema)]
pub(crate) struct JobList {
    data: Vec<Job>,
}

/// The body of `POST /renderocr/jobs`.
#[derive(ToSchema)]
pub(crate) struct CreateJobRequest {
    /// An engine id from the engines list.
    #[schema(example = "ocrloom/tesseract")]
    engine: String,
    /// The input file.
    file_id: String,
    /// Language codes; all are used (upstream uses only the first). Empty or
    /// absent: the engine's default.
    #[schema(nullable = false)]
    languages: Option<Vec<String>>,
    /// One of the engine's `to` values for the input's format.
    #[schema(example = "pdf")]
    output_format: String,
}

/// The body of `POST /uploads`.
#[derive(ToSchema)]
pub(crate) struct CreateUploadRequest {
    /// The file's name (UTF-8).
    filename: String,
}

/// The body of `PUT /uploads/{file_id}`.
#[derive(ToSchema)]
pub(crate) struct UploadChunk {
    /// One chunk, standard base64, at most 5 MB once decoded.
    #[schema(format = Byte)]
    data: String,
}

/// The body of `POST /files`.
#[derive(ToSchema)]
pub(crate) struct UploadForm {
    /// The file; its part's filename (UTF-8 allowed) becomes the file's name.
    #[schema(format = Binary)]
    file: String,
}

/// `{"data": []}`: this server has no RefineLoop models.
#[derive(ToSchema)]
pub(crate) struct ModelList {
    data: Vec<serde_json::Value>,
}
