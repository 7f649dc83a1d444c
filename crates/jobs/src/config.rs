//! The manager's settings.

use std::path::PathBuf;
use std::time::Duration;

use crate::durability::Durability;

/// Where the manager keeps its data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Storage {
    /// SQLite in memory and contents in a private temporary folder deleted
    /// when the manager is dropped: for tests; nothing survives a restart.
    #[default]
    Memory,
    /// SQLite file and contents in this folder (created if missing).
    Dir(PathBuf),
}

/// Manager settings. `Default` is in-memory storage, `Consistent` durability,
/// one worker per core, 24 h retention for files and job results,
/// RenderOCR's size limits (200 MB files, 5 MB chunks), no job timeout,
/// per user at most 100 queued jobs and 2 GiB stored.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where contents live (and, without `database`, the SQLite job store).
    pub storage: Storage,
    /// A PostgreSQL URL (`postgres://user:password@host:port/database`):
    /// users, files' metadata and jobs live there, shared by every node of a
    /// cluster. `None`: SQLite in the data folder (or in memory).
    pub database: Option<String>,
    /// How long a job claimed from PostgreSQL stays its worker's without a
    /// heartbeat (sent every third of it); past it, another node takes it.
    pub lease: Duration,
    /// How long to wait for the database at start and per connection.
    pub connect_timeout: Duration,
    /// Fsync policy for `Storage::Dir` (in memory nothing is fsynced:
    /// nothing survives anyway).
    pub durability: Durability,
    /// Jobs converted at the same time. 0 starts no workers: jobs then run only
    /// through [`Manager::run_next_job`](crate::Manager::run_next_job) (deterministic tests).
    pub workers: usize,
    /// How long an uploaded file lives after upload.
    pub file_retention: Duration,
    /// How long a finished job and its output live after completion.
    pub job_retention: Duration,
    /// Largest file accepted (upload or sum of chunks).
    pub max_file_size: u64,
    /// Largest chunk accepted by [`Manager::append_upload`](crate::Manager::append_upload).
    pub max_chunk_size: u64,
    /// A job running longer fails with `timeout` (checked about every second).
    pub job_timeout: Option<Duration>,
    /// How often the background sweeper removes expired data (real time).
    pub sweep_interval: Duration,
    /// Jobs one user may have queued (not yet running); past it job
    /// creation answers `quota_exceeded`.
    pub max_queued_jobs_per_user: usize,
    /// Bytes one user may have stored (uploads and outputs not yet
    /// expired); an upload, chunk or job past it answers `quota_exceeded`.
    pub max_stored_bytes_per_user: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            storage: Storage::Memory,
            database: None,
            lease: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            durability: Durability::Consistent,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            file_retention: Duration::from_secs(24 * 3600),
            job_retention: Duration::from_secs(24 * 3600),
            max_file_size: 200 * 1024 * 1024,
            max_chunk_size: 5 * 1024 * 1024,
            job_timeout: None,
            sweep_interval: Duration::from_secs(60),
            max_queued_jobs_per_user: 100,
            max_stored_bytes_per_user: 2 << 30,
        }
    }
}

impl Config {
    /// Defaults with in-memory storage.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Defaults with data in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Config {
            storage: Storage::Dir(dir.into()),
            ..Self::default()
        }
    }
}
