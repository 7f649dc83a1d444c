//! The manager's settings.

use std::path::PathBuf;
use std::time::Duration;

use crate::durability::Durability;
use crate::error::Error;

/// Where the manager keeps its data (contents too, unless [`Config::s3`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Storage {
    /// SQLite in memory and contents in a private temporary folder deleted
    /// when the manager is dropped: for tests; nothing survives a restart.
    #[default]
    Memory,
    /// SQLite file and contents in this folder (created if missing).
    Dir(PathBuf),
}

/// An S3-compatible bucket holding the files' bytes (`--storage
/// s3://bucket/prefix`): uploads, chunked uploads and outputs, shared by
/// every node of a cluster. The data folder then keeps only the converter's
/// private scratch files (and, without a `database`, SQLite).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Storage {
    /// The bucket; it must exist.
    pub bucket: String,
    /// Objects go under `<prefix>/files/` (empty: at the bucket's root).
    pub prefix: String,
    /// The service's URL (`http://127.0.0.1:8333`); `None`: AWS itself.
    pub endpoint: Option<String>,
    /// The region (`us-east-1` when unset).
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key (never printed).
    pub secret_access_key: String,
    /// Whether a plain-HTTP endpoint is accepted.
    pub allow_http: bool,
}

impl S3Storage {
    /// The bucket and prefix of `s3://bucket/prefix`, with the endpoint
    /// and credentials from the standard variables `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL` and
    /// `AWS_ALLOW_HTTP` (`true` for a plain-HTTP endpoint).
    pub fn from_env(url: &str) -> Result<S3Storage, Error> {
        Self::from_vars(url, |k| std::env::var(k).ok())
    }

    /// [`S3Storage::from_env`] with the variables read by `var` (an empty
    /// value counts as unset): for settings that do not come from this
    /// process's environment, such as the tests' throwaway server's.
    pub fn from_vars(url: &str, var: impl Fn(&str) -> Option<String>) -> Result<S3Storage, Error> {
        let var = |k: &str| var(k).filter(|v| !v.is_empty());
        let (bucket, prefix) = url
            .strip_prefix("s3://")
            .map(|rest| rest.split_once('/').unwrap_or((rest, "")))
            .filter(|(bucket, _)| !bucket.is_empty())
            .ok_or_else(|| {
                Error::Config(format!(
                    "`{url}` is not an S3 location (s3://bucket/prefix)"
                ))
            })?;
        let credential = |k: &str| {
            var(k).ok_or_else(|| Error::Config(format!("{k} must be set for --storage s3://...")))
        };
        Ok(S3Storage {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint: var("AWS_ENDPOINT_URL"),
            region: var("AWS_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
            access_key_id: credential("AWS_ACCESS_KEY_ID")?,
            secret_access_key: credential("AWS_SECRET_ACCESS_KEY")?,
            allow_http: var("AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Manager settings. `Default` is in-memory storage, `Consistent` durability,
/// one worker per core, 24 h retention for files and job results,
/// RenderOCR's size limits (200 MB files, 5 MB chunks), no job timeout,
/// per user at most 100 queued jobs and 2 GiB stored.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where contents live (and, without `database`, the SQLite job store).
    pub storage: Storage,
    /// Files' bytes in an S3-compatible bucket instead of the data folder.
    pub s3: Option<S3Storage>,
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
    /// Contents that no file names and that were last written longer ago
    /// than this are orphans (a node stopped between storing a content and
    /// recording it): the sweeper looks for them this often (real time)
    /// and removes them. Uploads and outputs are recorded as soon as they
    /// are stored, so an hour leaves a wide margin.
    pub orphan_grace: Duration,
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
            s3: None,
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
            orphan_grace: Duration::from_secs(3600),
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
