//! The job manager and the in-process, RenderOCR-compatible facade.
//!
//! [`Manager`] mirrors the REST resources one to one (files, chunked uploads,
//! engines, jobs), every call scoped to a [`UserId`] obtained from an API key.
//! It keeps metadata in a job store (SQLite by default) and contents in a
//! content store (a data folder by default), runs jobs on a
//! bounded pool of workers, expires data with an injectable [`Clock`], and
//! never reaches into the pipeline: conversions go through the [`Converter`]
//! trait (the real one lives in the facade crate; [`FakeConverter`] serves tests).
//!
//! ```
//! use ocrloom_jobs::{Config, FakeConverter, Manager, ManualClock, Timestamp};
//! use std::sync::Arc;
//! let clock = ManualClock::new(Timestamp::from_unix(1_776_058_324));
//! let manager = Manager::new(Config::in_memory(), Arc::new(FakeConverter::new()), Arc::new(clock))?;
//! let (_user, key) = manager.create_user("alice")?;
//! let user = manager.authenticate(key.expose())?;
//! let file = manager.upload_file(&user, "page.png", b"\x89PNG\r\n\x1a\n...")?;
//! assert_eq!(
//!     serde_json::to_string(&file)?,
//!     format!(r#"{{"file_id":"{}","filename":"page.png","size":11,"created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:32:04Z","expires_at":"2026-04-14T05:32:04Z"}}"#, file.file_id),
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Error codes and their HTTP statuses: `crates/jobs/ERRORS.md` and [`ErrorCode`].

mod config;
mod converter;
mod durability;
mod error;
mod fake;
mod filename;
mod files;
mod ids;
mod keyring;
mod keys;
mod manager;
mod mime;
mod models;
mod queue;
mod range;
mod store;
mod sweeper;
mod time;
mod watch;
mod worker;

pub use config::{Config, S3Storage, Storage};
pub use converter::{
    CancelFlag, CancelReason, ConvertError, ConvertOutcome, ConvertRequest, Converter,
};
pub use durability::Durability;
pub use error::{
    Error, ErrorBody, ErrorCode, ErrorResponse, Mapping, EXIT_BAD_INPUT, EXIT_FAILURE,
};
pub use fake::{FakeConverter, FakeCores};
pub use files::FileContent;
pub use ids::{FileId, JobId, RequestId, UserId, ID_LEN};
pub use keyring::{KeyEntry, KeyInfo, Keyring, SyncReport};
pub use keys::{ApiKey, KEY_PREFIX, MIN_KEY_LEN};
pub use manager::{wait_duration, Manager, MAX_WAIT_SECS};
pub use models::{
    Conversion, CreateJobRequest, CreateUploadRequest, Engine, FileInfo, Job, JobStatus, Language,
    List, UnknownStatus, UploadChunk, Usage,
};
pub use ocrloom_detect::{ErrorKind, Format};
pub use range::ByteRange;
pub use sweeper::SweepReport;
pub use time::{Clock, ManualClock, SystemClock, Timestamp, TimestampError};
pub use watch::JobChange;
