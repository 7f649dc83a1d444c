//! The seam between the job manager and the conversion pipeline.

use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use ocrloom_detect::Format;

use crate::error::ErrorCode;
use crate::ids::JobId;
use crate::models::Engine;

/// What a conversion is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertRequest {
    /// The job (for logs).
    pub job_id: JobId,
    /// The engine id, one of [`Converter::engines`].
    pub engine: String,
    /// The input's format, detected from its bytes at job creation.
    pub input_format: Format,
    /// One of the engine's `to` values for `input_format`.
    pub output_format: String,
    /// Language codes, all supported by the engine; empty = engine default.
    pub languages: Vec<String>,
}

/// What a successful conversion reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConvertOutcome {
    /// Pages read from the input (billing: `usage.input_pages`).
    pub input_pages: u32,
}

/// Why a conversion failed: a job-failure code and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ConvertError {
    /// One of the job-failure codes (see [`ErrorCode::is_job_failure`]);
    /// others are reported as `internal`.
    pub code: ErrorCode,
    /// Shown to end users by clients: no paths or internals.
    pub message: String,
}

impl ConvertError {
    /// A failure with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ConvertError {
            code,
            message: message.into(),
        }
    }

    /// What to return after noticing [`CancelFlag::is_cancelled`]; the manager
    /// knows why it cancelled and ignores this error's code.
    pub fn cancelled() -> Self {
        ConvertError::new(ErrorCode::Internal, "cancelled")
    }
}

/// Why the manager asked a conversion to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// The manager is shutting down; the job runs again at the next start.
    Shutdown,
    /// The job exceeded the configured job timeout; it fails with `timeout`.
    Timeout,
}

/// A flag the manager raises to stop a conversion early; converters check it
/// between pages (cheap: one atomic load).
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicU8>);

impl CancelFlag {
    /// A lowered flag.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the conversion should stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire) != 0
    }

    /// Why it should stop, if it should.
    pub fn reason(&self) -> Option<CancelReason> {
        match self.0.load(Ordering::Acquire) {
            1 => Some(CancelReason::Shutdown),
            2 => Some(CancelReason::Timeout),
            _ => None,
        }
    }

    /// Raises the flag; the first reason wins.
    pub fn cancel(&self, reason: CancelReason) {
        let v = match reason {
            CancelReason::Shutdown => 1,
            CancelReason::Timeout => 2,
        };
        let _ = self
            .0
            .compare_exchange(0, v, Ordering::AcqRel, Ordering::Acquire);
    }

    /// `Err(ConvertError::cancelled())` once raised, for `?` between pages.
    pub fn check(&self) -> Result<(), ConvertError> {
        if self.is_cancelled() {
            Err(ConvertError::cancelled())
        } else {
            Ok(())
        }
    }
}

/// The conversion pipeline as the job manager sees it. The real one (raster +
/// OCR + writers) lives in the facade crate; [`crate::FakeConverter`] serves tests.
///
/// Fairness between concurrent jobs is the converter's business: the manager
/// runs several jobs at once, and the converter schedules their pages on a
/// shared pool.
pub trait Converter: Send + Sync + 'static {
    /// The engines offered, with their conversions and languages. Called once
    /// when the manager starts; the list is fixed for the manager's lifetime.
    fn engines(&self) -> Vec<Engine>;

    /// Converts `input` into `output` (a temporary path: the manager fsyncs and
    /// renames it after success, and deletes it otherwise).
    ///
    /// Report progress with `progress(done_pages, total_pages)` (from any
    /// thread), and return soon after `cancel` is raised. A panic is caught and
    /// fails the job with `internal`.
    fn convert(
        &self,
        request: &ConvertRequest,
        input: &Path,
        output: &Path,
        progress: &(dyn Fn(u32, u32) + Sync),
        cancel: &CancelFlag,
    ) -> Result<ConvertOutcome, ConvertError>;
}
