//! The job manager: the facade over files, engines and jobs, the worker pool,
//! the sweeper, and graceful shutdown.

use std::collections::HashMap;
use std::fs;
use std::future::Future;
use std::io::{Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ocrloom_detect::detect;
use ocrloom_formats::OutputFormat;

use crate::converter::{CancelFlag, CancelReason, ConvertRequest, Converter};
use crate::error::{Error, ErrorCode};
use crate::filename::{clean_filename, output_filename};
use crate::ids::{FileId, JobId, RequestId, UserId};
use crate::keyring::Keyring;
use crate::keys::{hash_key, hashes_equal, ApiKey, MIN_KEY_LEN};
use crate::models::{CreateJobRequest, Engine, FileInfo, Job, JobStatus, List};
use crate::queue::FairQueue;
use crate::store::{create_private, head, FileKind, FileRow, NewJob, Store};
use crate::time::Clock;
use crate::watch::{JobChange, ThreadWaker, Watchers};

/// Longest `wait` honoured by [`Manager::get_job`]; larger values are clipped.
pub const MAX_WAIT_SECS: i64 = 10;

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

/// How hard the manager works to keep acknowledged changes across a power
/// loss (a process crash never loses anything in any mode: the OS holds the
/// data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every acknowledged change survives power loss: contents are fsynced
    /// before their rename, and every database commit is fsynced (SQLite
    /// `synchronous = FULL`). Costs several fsyncs per job.
    Full,
    /// Contents are fsynced before their rename, database commits are not
    /// (WAL, `synchronous = NORMAL`). After a power loss the last commits may
    /// be missing (a finished job runs again, a just-acknowledged upload is
    /// gone) but nothing is ever half-written or corrupt.
    #[default]
    Consistent,
    /// No fsync at all (`synchronous = OFF`): for tests and benchmarks. After
    /// a power loss, contents whose size does not match their row are removed
    /// at start.
    NoSync,
}

/// Manager settings. `Default` is in-memory storage, `Consistent` durability,
/// one worker per core, 24 h retention for files and job results,
/// RenderOCR's size limits (200 MB files, 5 MB chunks), no job timeout,
/// per user at most 100 queued jobs and 2 GiB stored.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where data lives.
    pub storage: Storage,
    /// Fsync policy for `Storage::Dir` (in memory nothing is fsynced:
    /// nothing survives anyway).
    pub durability: Durability,
    /// Jobs converted at the same time. 0 starts no workers: jobs then run only
    /// through [`Manager::run_next_job`] (deterministic tests).
    pub workers: usize,
    /// How long an uploaded file lives after upload.
    pub file_retention: Duration,
    /// How long a finished job and its output live after completion.
    pub job_retention: Duration,
    /// Largest file accepted (upload or sum of chunks).
    pub max_file_size: u64,
    /// Largest chunk accepted by [`Manager::append_upload`].
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

/// A byte range of a file's content, as in an HTTP `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// From this offset to the end (`bytes=100-`).
    From(u64),
    /// From the first to the last offset, both included (`bytes=0-99`).
    Inclusive(u64, u64),
    /// The last n bytes (`bytes=-500`).
    Last(u64),
}

impl ByteRange {
    /// Parses a single-range `Range` header value (`bytes=0-99`, `bytes=100-`,
    /// `bytes=-500`). Multiple ranges and other units give `None`: a server
    /// may then answer the whole content, as HTTP allows.
    pub fn parse_header(value: &str) -> Option<ByteRange> {
        let spec = value.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (a, b) = spec.split_once('-')?;
        let num = |s: &str| s.trim().parse::<u64>().ok();
        match (a.trim().is_empty(), b.trim().is_empty()) {
            (true, false) => num(b).map(ByteRange::Last),
            (false, true) => num(a).map(ByteRange::From),
            (false, false) => match (num(a), num(b)) {
                (Some(a), Some(b)) if a <= b => Some(ByteRange::Inclusive(a, b)),
                _ => None,
            },
            (true, true) => None,
        }
    }

    /// The first and last offsets (included) within a file of `size` bytes.
    pub fn resolve(self, size: u64) -> Option<(u64, u64)> {
        let last = size.checked_sub(1)?;
        match self {
            ByteRange::From(a) if a <= last => Some((a, last)),
            ByteRange::Inclusive(a, b) if a <= last && a <= b => Some((a, b.min(last))),
            ByteRange::Last(n) if n > 0 => Some((size - n.min(size), last)),
            _ => None,
        }
    }
}

/// A file's content, open for reading (whole or one range).
#[derive(Debug)]
pub struct FileContent {
    /// The file.
    pub info: FileInfo,
    /// MIME type, from the bytes (inputs) or the output format (outputs).
    pub content_type: String,
    /// The first and last offsets served (included), for a range request.
    pub range: Option<(u64, u64)>,
    /// Bytes that [`Read`] will yield.
    pub length: u64,
    reader: std::io::Take<fs::File>,
}

impl Read for FileContent {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

impl FileContent {
    /// Reads everything that is served.
    pub fn into_bytes(mut self) -> std::io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(usize::try_from(self.length).unwrap_or(0));
        self.reader.read_to_end(&mut v)?;
        Ok(v)
    }
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    /// Expired jobs deleted.
    pub jobs: usize,
    /// Expired files deleted, with their contents.
    pub files: usize,
}

/// Parses the `wait` query parameter: an integer number of seconds. A
/// positive integer too large for `i64` is clipped to [`MAX_WAIT_SECS`]
/// like any value above it.
pub fn parse_wait(raw: &str) -> Result<i64, Error> {
    let s = raw.trim();
    match s.parse::<i64>() {
        Ok(n) => Ok(n),
        Err(_) => {
            let digits = s.strip_prefix('+').unwrap_or(s);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(MAX_WAIT_SECS)
            } else {
                Err(Error::InvalidWait(raw.to_owned()))
            }
        }
    }
}

/// How long a `wait` of `n` seconds holds the answer: 1..=10 s, larger
/// values clipped; 0 or less is `invalid_wait`.
pub fn wait_duration(n: i64) -> Result<Duration, Error> {
    if n <= 0 {
        return Err(Error::InvalidWait(n.to_string()));
    }
    Ok(Duration::from_secs(n.min(MAX_WAIT_SECS).unsigned_abs()))
}

struct Running {
    cancel: CancelFlag,
    started: Instant,
}

/// `Retry-After` of a full job queue: about when a running job may end.
const QUEUE_RETRY_SECS: u64 = 10;

#[derive(Default)]
struct Queue {
    pending: FairQueue,
    running: HashMap<JobId, Running>,
    shutdown: bool,
}

struct Inner {
    config: Config,
    converter: Arc<dyn Converter>,
    clock: Arc<dyn Clock>,
    engines: Vec<Engine>,
    store: Arc<Store>,
    queue: Mutex<Queue>,
    /// Signalled when work arrives, a job ends, or shutdown starts.
    queue_cv: Condvar,
    /// Long polls waiting for a job's next change.
    watchers: Watchers,
    /// Serializes chunk appends so chunks land in call order.
    appends: Mutex<()>,
}

/// The job manager and in-process RenderOCR facade. Every resource call is
/// scoped to a [`UserId`]; another user's ids answer like unknown ones.
///
/// Dropping the manager shuts it down without grace (running jobs are
/// cancelled and run again at the next start); call [`Manager::shutdown`]
/// to let them finish first.
///
/// ```
/// use ocrloom_jobs::{Config, CreateJobRequest, FakeConverter, Manager, SystemClock, JobStatus};
/// use std::sync::Arc;
/// let manager = Manager::new(Config::in_memory(), Arc::new(FakeConverter::new()), Arc::new(SystemClock))?;
/// let (user, _key) = manager.create_user("alice")?;
/// let file = manager.upload_file(&user, "scan.pdf", b"%PDF-1.7\n...")?;
/// let job = manager.create_job(&user, &CreateJobRequest {
///     engine: "fake/ocr".into(),
///     file_id: file.file_id.to_string(),
///     languages: vec!["eng".into()],
///     output_format: "txt".into(),
/// })?;
/// let job = manager.get_job(&user, job.job_id.as_str(), Some(10))?;
/// assert_eq!(job.status, JobStatus::Completed);
/// let output = job.output_file_id.expect("completed jobs have an output");
/// let text = manager.file_content(&user, output.as_str(), None)?.into_bytes()?;
/// assert!(text.starts_with(b"fake/ocr pdf->txt [eng] 1 pages\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Manager {
    inner: Arc<Inner>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded state stays consistent across a panic (plain collections
    // updated in single steps), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// MIME type of an uploaded content, from its first bytes.
fn sniff_content_type(head: &[u8]) -> String {
    detect(head)
        .map_or("application/octet-stream", |f| f.mime())
        .to_owned()
}

/// A job output's file name (after the cleaned input's, see
/// [`output_filename`]) and media type, from the format registry (a format
/// it does not know, which only a test converter can offer, is named after
/// itself and served as bytes).
fn output_name_and_type(input: Option<&str>, format: &str) -> (String, &'static str) {
    let (extension, mime) = match OutputFormat::from_name(format) {
        Some(f) => (f.extension(), f.mime_type()),
        None => (format, "application/octet-stream"),
    };
    (output_filename(input, extension), mime)
}

impl Manager {
    /// Opens the store, repairs it after a crash (orphan contents and rows
    /// removed, interrupted jobs queued again), and starts the workers and
    /// the sweeper.
    pub fn new(
        config: Config,
        converter: Arc<dyn Converter>,
        clock: Arc<dyn Clock>,
    ) -> Result<Manager, Error> {
        let store = match &config.storage {
            Storage::Memory => Store::open(None, Durability::NoSync)?,
            Storage::Dir(d) => Store::open(Some(d), config.durability)?,
        };
        let recovery = store.recover()?;
        tracing::info!(
            data = %store.root().display(),
            pending = recovery.pending.len(),
            orphan_contents = recovery.orphan_contents,
            orphan_rows = recovery.orphan_rows,
            "job manager started"
        );
        let engines = converter.engines();
        let mut pending = FairQueue::default();
        for (user, job) in recovery.pending {
            pending.push(&user, job);
        }
        let inner = Arc::new(Inner {
            engines,
            converter,
            clock,
            store: Arc::new(store),
            queue: Mutex::new(Queue {
                pending,
                ..Queue::default()
            }),
            queue_cv: Condvar::new(),
            watchers: Watchers::default(),
            appends: Mutex::new(()),
            config,
        });
        let mut threads = Vec::new();
        for n in 0..inner.config.workers {
            let inner = Arc::clone(&inner);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("ocrloom-job-{n}"))
                    .spawn(move || worker_loop(&inner))
                    .map_err(|e| Error::io("starting a job worker", e))?,
            );
        }
        let monitor = Arc::clone(&inner);
        threads.push(
            std::thread::Builder::new()
                .name("ocrloom-sweeper".to_owned())
                .spawn(move || monitor_loop(&monitor))
                .map_err(|e| Error::io("starting the sweeper", e))?,
        );
        Ok(Manager {
            inner,
            threads: Mutex::new(threads),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The data folder (a temporary one in memory mode).
    pub fn data_dir(&self) -> &Path {
        self.inner.store.root()
    }

    // ---- users -----------------------------------------------------------

    /// The API keys of the data folder (sync with a keys file, list, add,
    /// revoke).
    pub fn keyring(&self) -> Keyring {
        Keyring::new(Arc::clone(&self.inner.store), Arc::clone(&self.inner.clock))
    }

    /// Creates a user and a first API key for it.
    pub fn create_user(&self, name: &str) -> Result<(UserId, ApiKey), Error> {
        let user = UserId::generate()?;
        self.inner
            .store
            .insert_user(&user, name, self.inner.clock.now())?;
        let key = self.create_api_key(&user)?;
        Ok((user, key))
    }

    /// A new random key for `user`.
    pub fn create_api_key(&self, user: &UserId) -> Result<ApiKey, Error> {
        let key = ApiKey::generate()?;
        self.add_api_key(user, key.expose())?;
        Ok(key)
    }

    /// Registers a key chosen outside (configuration); at least
    /// [`MIN_KEY_LEN`] characters. Registering a user's own key again is fine;
    /// a key of another user is refused.
    pub fn add_api_key(&self, user: &UserId, key: &str) -> Result<(), Error> {
        if key.len() < MIN_KEY_LEN {
            return Err(Error::InvalidRequest(format!(
                "API keys must have at least {MIN_KEY_LEN} characters"
            )));
        }
        if !self.inner.store.user_exists(user)? {
            return Err(Error::InvalidRequest("unknown user".to_owned()));
        }
        match self
            .inner
            .store
            .insert_key(&hash_key(key), user, self.inner.clock.now())?
        {
            Some(owner) if &owner != user => Err(Error::InvalidRequest(
                "this API key belongs to another user".to_owned(),
            )),
            _ => Ok(()),
        }
    }

    /// Forgets a key; returns whether it existed.
    pub fn revoke_api_key(&self, key: &str) -> Result<bool, Error> {
        self.inner.store.revoke_key(&hash_key(key))
    }

    /// The user owning `key` (the bearer token), or `unauthorized`.
    pub fn authenticate(&self, key: &str) -> Result<UserId, Error> {
        let hash = hash_key(key);
        match self.inner.store.key(&hash)? {
            Some((stored, user)) if hashes_equal(&stored, &hash) => Ok(user),
            _ => Err(Error::Unauthorized),
        }
    }

    // ---- files -----------------------------------------------------------

    /// Stores `bytes` as a new file (`POST /files`).
    pub fn upload_file(
        &self,
        user: &UserId,
        filename: &str,
        bytes: &[u8],
    ) -> Result<FileInfo, Error> {
        let mut reader = bytes;
        self.upload_file_from_reader(user, filename, &mut reader)
    }

    /// Stores a file read from the local path `path`, named after its last component.
    pub fn upload_file_from_path(&self, user: &UserId, path: &Path) -> Result<FileInfo, Error> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut f = fs::File::open(path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        self.upload_file_from_reader(user, &name, &mut f)
    }

    /// Stores everything `reader` yields as a new file, streaming to disk
    /// (memory stays small whatever the size); over the size limit the upload
    /// is refused with `file_too_large` and nothing is kept.
    pub fn upload_file_from_reader(
        &self,
        user: &UserId,
        filename: &str,
        reader: &mut dyn Read,
    ) -> Result<FileInfo, Error> {
        let filename = clean_filename(filename)?;
        let store = &self.inner.store;
        let id = FileId::generate()?;
        let tmp = store.temp_path(id.as_str())?;
        let written = copy_limited(reader, &tmp, self.inner.config.max_file_size);
        let size = match written.and_then(|size| self.check_room(user, size).map(|()| size)) {
            Ok(size) => size,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let content_type = head(&tmp, 1024)
            .map(|h| sniff_content_type(&h))
            .map_err(|e| Error::io(format!("reading {}", tmp.display()), e))?;
        if let Err(e) = store.persist(&tmp, &id) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        let now = self.inner.clock.now();
        let row = FileRow {
            id: id.clone(),
            user: user.clone(),
            filename: filename.clone(),
            size,
            kind: FileKind::Upload,
            content_type,
            created_at: now,
            updated_at: now,
            expires_at: now.plus(self.inner.config.file_retention),
        };
        if let Err(e) = store.insert_file(&row) {
            store.remove_content(&id);
            return Err(e);
        }
        tracing::debug!(file_id = %id, size, "file uploaded");
        Ok(row.info())
    }

    /// A file's metadata (`GET /files/{id}`).
    pub fn file_info(&self, user: &UserId, file_id: &str) -> Result<FileInfo, Error> {
        self.file_row(user, file_id).map(|r| r.info())
    }

    fn file_row(&self, user: &UserId, file_id: &str) -> Result<FileRow, Error> {
        self.inner
            .store
            .file(user, file_id, self.inner.clock.now())?
            .ok_or_else(|| Error::InvalidFileId(file_id.to_owned()))
    }

    /// The user's files, newest first (`GET /files`).
    pub fn list_files(&self, user: &UserId) -> Result<List<FileInfo>, Error> {
        Ok(List {
            data: self.inner.store.files(user, self.inner.clock.now())?,
        })
    }

    /// A file's bytes, whole or one range (`GET /files/{id}/content`).
    pub fn file_content(
        &self,
        user: &UserId,
        file_id: &str,
        range: Option<ByteRange>,
    ) -> Result<FileContent, Error> {
        let row = self.file_row(user, file_id)?;
        let path = self.inner.store.content_path(&row.id);
        let mut file = fs::File::open(&path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        let (range, start, length) = match range {
            None => (None, 0, row.size),
            Some(r) => {
                let (a, b) = r
                    .resolve(row.size)
                    .ok_or(Error::InvalidRange { size: row.size })?;
                (Some((a, b)), a, b - a + 1)
            }
        };
        file.seek(SeekFrom::Start(start))
            .map_err(|e| Error::io(format!("seeking {}", path.display()), e))?;
        Ok(FileContent {
            info: row.info(),
            content_type: row.content_type,
            range,
            length,
            // `take` also hides bytes past the committed size (an append
            // being written right now).
            reader: file.take(length),
        })
    }

    /// Creates an empty file for chunked upload (`POST /uploads`).
    pub fn create_upload(&self, user: &UserId, filename: &str) -> Result<FileInfo, Error> {
        let filename = clean_filename(filename)?;
        let store = &self.inner.store;
        let id = FileId::generate()?;
        let tmp = store.temp_path(id.as_str())?;
        create_private(&tmp).map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
        store.persist(&tmp, &id)?;
        let now = self.inner.clock.now();
        let row = FileRow {
            id: id.clone(),
            user: user.clone(),
            filename: filename.clone(),
            size: 0,
            kind: FileKind::Chunked,
            content_type: "application/octet-stream".to_owned(),
            created_at: now,
            updated_at: now,
            expires_at: now.plus(self.inner.config.file_retention),
        };
        if let Err(e) = store.insert_file(&row) {
            store.remove_content(&id);
            return Err(e);
        }
        Ok(row.info())
    }

    /// Appends one chunk to a file made by [`Manager::create_upload`]
    /// (`PUT /uploads/{id}`). The chunk is written and fsynced before the new
    /// size is committed, so a crash never exposes a partial chunk.
    pub fn append_upload(
        &self,
        user: &UserId,
        file_id: &str,
        chunk: &[u8],
    ) -> Result<FileInfo, Error> {
        let chunk_len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        if chunk_len > self.inner.config.max_chunk_size {
            return Err(Error::ChunkTooLarge {
                size: chunk_len,
                max: self.inner.config.max_chunk_size,
            });
        }
        let _serial = lock(&self.inner.appends);
        let row = self.file_row(user, file_id)?;
        if row.kind != FileKind::Chunked {
            return Err(Error::InvalidRequest(
                "only files created with POST /uploads take chunks".to_owned(),
            ));
        }
        if self.inner.store.file_has_jobs(&row.id)? {
            return Err(Error::FileInUse(file_id.to_owned()));
        }
        self.check_room(user, chunk_len)?;
        let size = row.size.saturating_add(chunk_len);
        if size > self.inner.config.max_file_size {
            return Err(Error::FileTooLarge {
                max: self.inner.config.max_file_size,
            });
        }
        let path = self.inner.store.content_path(&row.id);
        let io = |e| Error::io(format!("appending to {}", path.display()), e);
        let mut f = fs::OpenOptions::new().write(true).open(&path).map_err(io)?;
        // Write at the committed size: bytes past it are leftovers of a
        // failed append and get overwritten.
        f.set_len(row.size).map_err(io)?;
        f.seek(SeekFrom::Start(row.size)).map_err(io)?;
        f.write_all(chunk).map_err(io)?;
        self.inner.store.sync_file(&f).map_err(io)?;
        let content_type = if row.size < 1024 {
            head(&path, 1024)
                .map(|h| sniff_content_type(&h))
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
        } else {
            row.content_type.clone()
        };
        let now = self.inner.clock.now();
        self.inner
            .store
            .set_file_size(&row.id, size, &content_type, now)?;
        Ok(FileInfo {
            size,
            updated_at: now,
            ..row.info()
        })
    }

    /// Refuses `more` bytes for `user` past the per-user storage quota (a
    /// job's output needs room too: with `more` = 0, a full quota refuses).
    fn check_room(&self, user: &UserId, more: u64) -> Result<(), Error> {
        let max = self.inner.config.max_stored_bytes_per_user;
        let now = self.inner.clock.now();
        let (stored, first_expiry) = self.inner.store.stored_bytes(user, now)?;
        let fits = if more == 0 {
            stored < max
        } else {
            stored.saturating_add(more) <= max
        };
        if fits {
            return Ok(());
        }
        let retry_after = first_expiry.map_or(self.inner.config.file_retention.as_secs(), |t| {
            u64::try_from(t.unix() - now.unix()).unwrap_or(0)
        });
        Err(Error::QuotaExceeded {
            what: format!("this user's files would take more than the {max} bytes allowed"),
            retry_after: retry_after.max(1),
        })
    }

    // ---- engines ---------------------------------------------------------

    /// The engines (`GET /renderocr/engines`); public, no user.
    pub fn engines(&self) -> List<Engine> {
        List {
            data: self.inner.engines.clone(),
        }
    }

    // ---- jobs ------------------------------------------------------------

    /// Validates and queues a job (`POST /renderocr/jobs`); returns at once
    /// with status `queued`.
    ///
    /// Checks, in order: engine (`invalid_engine`), file (`invalid_file_id`),
    /// input format from the file's bytes (`unsupported_format`: refused
    /// here, never a failed job), conversion (`unsupported_conversion`),
    /// languages (`unsupported_language`).
    pub fn create_job(&self, user: &UserId, request: &CreateJobRequest) -> Result<Job, Error> {
        if lock(&self.inner.queue).shutdown {
            return Err(Error::ShuttingDown);
        }
        let engine = self
            .inner
            .engines
            .iter()
            .find(|e| e.id == request.engine)
            .ok_or_else(|| Error::InvalidEngine(request.engine.clone()))?;
        let file = self.file_row(user, &request.file_id)?;
        let path = self.inner.store.content_path(&file.id);
        let head =
            head(&path, 1024).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let format = detect(&head).map_err(|e| Error::UnsupportedFormat(e.to_string()))?;
        if !engine.supports(format.name(), &request.output_format) {
            return Err(Error::UnsupportedConversion {
                engine: engine.id.clone(),
                from: format.name().to_owned(),
                to: request.output_format.clone(),
            });
        }
        let mut languages: Vec<String> = Vec::with_capacity(request.languages.len());
        for code in &request.languages {
            if !engine.has_language(code) {
                return Err(Error::UnsupportedLanguage {
                    engine: engine.id.clone(),
                    language: code.clone(),
                });
            }
            if !languages.contains(code) {
                languages.push(code.clone());
            }
        }
        self.check_room(user, 0)?;
        {
            let q = lock(&self.inner.queue);
            let max = self.inner.config.max_queued_jobs_per_user;
            if q.pending.queued(user) >= max {
                return Err(Error::QuotaExceeded {
                    what: format!("{max} jobs are already queued for this user"),
                    retry_after: QUEUE_RETRY_SECS,
                });
            }
        }
        let id = JobId::generate()?;
        let now = self.inner.clock.now();
        // Under the appends lock: no chunk lands in the input once the job exists.
        let serial = lock(&self.inner.appends);
        self.inner.store.insert_job(&NewJob {
            id: id.clone(),
            user: user.clone(),
            file_id: file.id,
            engine: engine.id.clone(),
            output_format: request.output_format.clone(),
            languages,
            input_format: format,
            now,
        })?;
        drop(serial);
        let job = self
            .inner
            .store
            .job(user, id.as_str(), now)?
            .ok_or_else(|| Error::InvalidJobId(id.to_string()))?;
        {
            let mut q = lock(&self.inner.queue);
            q.pending.push(user, id.clone());
        }
        self.inner.queue_cv.notify_all();
        tracing::debug!(job_id = %id, input = %format, output = %request.output_format, "job queued");
        Ok(job)
    }

    /// A job (`GET /renderocr/jobs/{id}`). With `wait` = Some(n), holds the
    /// answer until the job completes or fails or n seconds pass (n in 1..=10,
    /// larger values clipped to 10, 0 or less is `invalid_wait`). Blocks the
    /// calling thread; async servers use [`Manager::job_change`] instead.
    pub fn get_job(&self, user: &UserId, job_id: &str, wait: Option<i64>) -> Result<Job, Error> {
        let wait = match wait {
            None => Duration::ZERO,
            Some(n) => wait_duration(n)?,
        };
        let deadline = Instant::now() + wait;
        let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            // Subscribe before reading, so a change in between is not missed.
            let mut change = self.job_change(job_id);
            let job = self
                .inner
                .store
                .job(user, job_id, self.inner.clock.now())?
                .ok_or_else(|| Error::InvalidJobId(job_id.to_owned()))?;
            if job.status.is_finished() || Instant::now() >= deadline || self.is_shutting_down() {
                return Ok(job);
            }
            while Pin::new(&mut change).poll(&mut cx).is_pending() {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                std::thread::park_timeout(deadline - now);
            }
        }
    }

    /// Completes at the next change of the job's state (processing,
    /// completed, failed, queued again) or at shutdown, holding no thread:
    /// subscribe, read the job, and await this if it is not finished.
    /// Whose job it is is not checked here: read it first.
    pub fn job_change(&self, job_id: &str) -> JobChange {
        self.inner.watchers.subscribe(job_id)
    }

    /// Whether shutdown has started (long polls then answer at once).
    pub fn is_shutting_down(&self) -> bool {
        lock(&self.inner.queue).shutdown
    }

    /// The user's jobs, newest first (`GET /renderocr/jobs`).
    pub fn list_jobs(&self, user: &UserId) -> Result<List<Job>, Error> {
        Ok(List {
            data: self.inner.store.jobs(user, self.inner.clock.now())?,
        })
    }

    // ---- operations ------------------------------------------------------

    /// Removes expired jobs, files and contents now (the background sweeper
    /// does this every `sweep_interval`). Inputs of jobs still queued or
    /// running are kept until those jobs finish, though hidden from their
    /// user once expired.
    pub fn sweep_expired(&self) -> Result<SweepReport, Error> {
        sweep(&self.inner)
    }

    /// Runs the next queued job (users in turn) on the calling thread and returns its id;
    /// `None` when nothing is queued or the manager is shutting down. Meant
    /// for tests with `workers: 0` (the apalis "test worker").
    pub fn run_next_job(&self) -> Option<JobId> {
        let (id, cancel) = take_next(&self.inner, false)?;
        run_guarded(&self.inner, &id, &cancel);
        Some(id)
    }

    /// Stops taking jobs, lets running ones finish for up to `grace`, then
    /// cancels the rest (they run again at the next start) and joins the
    /// threads. Queued jobs stay queued in the store. Idempotent.
    pub fn shutdown(&self, grace: Duration) {
        let inner = &self.inner;
        let deadline = Instant::now() + grace;
        let mut q = lock(&inner.queue);
        q.shutdown = true;
        inner.queue_cv.notify_all();
        while !q.running.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            q = inner
                .queue_cv
                .wait_timeout(q, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        for r in q.running.values() {
            r.cancel.cancel(CancelReason::Shutdown);
        }
        drop(q);
        // Wake the long polls so they answer now.
        inner.watchers.notify_all();
        let threads = std::mem::take(&mut *lock(&self.threads));
        for t in threads {
            if t.join().is_err() {
                tracing::error!("a job manager thread panicked");
            }
        }
    }

    /// Rows in the store, all states and users included: (files, jobs).
    /// For tests and diagnostics.
    pub fn row_counts(&self) -> Result<(u64, u64), Error> {
        self.inner.store.counts()
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        self.shutdown(Duration::ZERO);
    }
}

/// Streams `reader` into a new file at `path`, refusing more than `max` bytes.
fn copy_limited(reader: &mut dyn Read, path: &Path, max: u64) -> Result<u64, Error> {
    let io = |e| Error::io(format!("writing {}", path.display()), e);
    let mut out = create_private(path).map_err(io)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("reading the upload", e)),
        };
        total = total.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if total > max {
            return Err(Error::FileTooLarge { max });
        }
        out.write_all(&buf[..n]).map_err(io)?;
    }
    Ok(total)
}

/// Takes the next queued job, registering it as running. With `block`, waits
/// for work until shutdown.
fn take_next(inner: &Inner, block: bool) -> Option<(JobId, CancelFlag)> {
    let mut q = lock(&inner.queue);
    loop {
        if q.shutdown {
            return None;
        }
        if let Some(id) = q.pending.pop() {
            let cancel = CancelFlag::new();
            q.running.insert(
                id.clone(),
                Running {
                    cancel: cancel.clone(),
                    started: Instant::now(),
                },
            );
            return Some((id, cancel));
        }
        if !block {
            return None;
        }
        q = inner.queue_cv.wait(q).unwrap_or_else(|p| p.into_inner());
    }
}

fn worker_loop(inner: &Arc<Inner>) {
    while let Some((id, cancel)) = take_next(inner, true) {
        run_guarded(inner, &id, &cancel);
    }
}

/// Runs one job and always unregisters it, even if the manager's own code
/// panics, so a worker survives and shutdown does not wait for a ghost.
fn run_guarded(inner: &Inner, id: &JobId, cancel: &CancelFlag) {
    if catch_unwind(AssertUnwindSafe(|| run_job(inner, id, cancel))).is_err() {
        tracing::error!(job_id = %id, "job manager panicked while running a job");
    }
    lock(&inner.queue).running.remove(id);
    inner.queue_cv.notify_all();
    inner.watchers.notify(id.as_str());
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> &str {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

fn run_job(inner: &Inner, id: &JobId, cancel: &CancelFlag) {
    let store = &inner.store;
    let job = match store.runnable(id) {
        Ok(Some(job)) if job.status == JobStatus::Queued || job.status == JobStatus::Processing => {
            job
        }
        Ok(_) => return, // gone (expired) or already finished
        Err(e) => {
            tracing::error!(job_id = %id, error = %e, "cannot read job; it stays queued");
            return;
        }
    };
    if let Err(e) = store.set_processing(id, inner.clock.now()) {
        tracing::error!(job_id = %id, error = %e, "cannot start job");
        return;
    }
    inner.watchers.notify(id.as_str());
    let started = Instant::now();
    let request = ConvertRequest {
        job_id: id.clone(),
        engine: job.engine.clone(),
        input_format: job.input_format,
        output_format: job.output_format.clone(),
        languages: job.languages.clone(),
    };
    let input = store.content_path(&job.file_id);
    // Created here, private, so the converter writes into a 0600 file.
    let tmp = match store.temp_path(id.as_str()).and_then(|p| {
        create_private(&p)
            .map(|_| p)
            .map_err(|e| Error::io("creating a job's output", e))
    }) {
        Ok(p) => p,
        Err(e) => return fail(inner, id, ErrorCode::Internal, "internal error", None, &e),
    };
    // (last percentage stored, total pages) — stored only when the integer
    // percentage grows or the page count changes, to bound database writes.
    let last = Mutex::new((0u8, 0u32));
    let progress = |done: u32, total: u32| {
        let pct = if total == 0 {
            0
        } else {
            // 100 is kept for "completed": a finished last page is 99 until
            // the output is stored.
            u8::try_from((u64::from(done.min(total)) * 100 / u64::from(total)).min(99))
                .unwrap_or(99)
        };
        let mut l = lock(&last);
        // A page count alone (at 0 %) is not worth a commit; it is stored
        // with the first page done.
        if pct > l.0 || (total != l.1 && pct > 0) {
            l.0 = l.0.max(pct);
            l.1 = total;
            if let Err(e) = store.set_progress(id, l.0, total, inner.clock.now()) {
                tracing::warn!(job_id = %id, error = %e, "cannot record progress");
            }
        }
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        inner
            .converter
            .convert(&request, &input, &tmp, &progress, cancel)
    }));
    let pages_seen = lock(&last).1;
    match (cancel.reason(), result) {
        (Some(CancelReason::Shutdown), _) => {
            let _ = fs::remove_file(&tmp);
            if let Err(e) = store.requeue(id, inner.clock.now()) {
                tracing::error!(job_id = %id, error = %e, "cannot requeue job");
            }
            tracing::info!(job_id = %id, "job interrupted by shutdown; it runs again at start");
        }
        (Some(CancelReason::Timeout), _) => {
            let _ = fs::remove_file(&tmp);
            let msg = "the job took longer than the time allowed";
            fail(inner, id, ErrorCode::Timeout, msg, Some(pages_seen), &msg);
        }
        (None, Ok(Ok(outcome))) => {
            let pages = if outcome.input_pages > 0 {
                outcome.input_pages
            } else {
                pages_seen
            };
            if let Err(e) = store_output(inner, id, &job, &tmp, pages) {
                let _ = fs::remove_file(&tmp);
                fail(
                    inner,
                    id,
                    ErrorCode::Internal,
                    "internal error",
                    Some(pages),
                    &e,
                );
            } else {
                tracing::info!(job_id = %id, pages, elapsed_ms = started.elapsed().as_millis(), "job completed");
            }
        }
        (None, Ok(Err(e))) => {
            let _ = fs::remove_file(&tmp);
            let code = if e.code.is_job_failure() {
                e.code
            } else {
                ErrorCode::Internal
            };
            fail(inner, id, code, &e.message, Some(pages_seen), &e);
        }
        (None, Err(panic)) => {
            let _ = fs::remove_file(&tmp);
            let why = panic_text(panic.as_ref()).to_owned();
            fail(
                inner,
                id,
                ErrorCode::Internal,
                "the conversion failed unexpectedly",
                Some(pages_seen),
                &format!("converter panicked: {why}"),
            );
        }
    }
}

/// Makes the converter's output a file of the job's user and completes the job.
fn store_output(
    inner: &Inner,
    id: &JobId,
    job: &crate::store::RunnableJob,
    tmp: &Path,
    pages: u32,
) -> Result<(), Error> {
    let store = &inner.store;
    let size = fs::metadata(tmp)
        .map_err(|e| Error::io(format!("reading the output {}", tmp.display()), e))?
        .len();
    let out_id = FileId::generate()?;
    store.persist(tmp, &out_id)?;
    let (filename, content_type) =
        output_name_and_type(job.input_filename.as_deref(), &job.output_format);
    let now = inner.clock.now();
    let row = FileRow {
        id: out_id.clone(),
        user: job.user.clone(),
        filename,
        size,
        kind: FileKind::Output,
        content_type: content_type.to_owned(),
        created_at: now,
        updated_at: now,
        expires_at: now.plus(inner.config.job_retention),
    };
    if let Err(e) = store.complete(id, &row, pages, now) {
        store.remove_content(&out_id);
        return Err(e);
    }
    Ok(())
}

fn fail(
    inner: &Inner,
    id: &JobId,
    code: ErrorCode,
    message: &str,
    pages: Option<u32>,
    cause: &dyn std::fmt::Display,
) {
    let request_id = match RequestId::generate() {
        Ok(r) => r,
        // Without randomness, the job id still points at the log line.
        Err(_) => RequestId::from_trusted(id.to_string()),
    };
    tracing::warn!(job_id = %id, request_id = %request_id, code = %code, cause = %cause, "job failed");
    let now = inner.clock.now();
    if let Err(e) = inner.store.fail(
        id,
        code,
        message,
        &request_id,
        pages,
        now,
        now.plus(inner.config.job_retention),
    ) {
        tracing::error!(job_id = %id, error = %e, "cannot record job failure");
    }
}

fn sweep(inner: &Inner) -> Result<SweepReport, Error> {
    let (jobs, files) = inner.store.sweep(inner.clock.now())?;
    // Contents go after the rows are committed: a crash in between leaves
    // orphan contents, which the next start removes.
    for id in &files {
        inner.store.remove_content(id);
    }
    if jobs > 0 || !files.is_empty() {
        tracing::info!(jobs, files = files.len(), "expired data removed");
    }
    Ok(SweepReport {
        jobs,
        files: files.len(),
    })
}

/// Sweeps every `sweep_interval` and enforces the job timeout, until shutdown.
fn monitor_loop(inner: &Arc<Inner>) {
    let tick = if inner.config.job_timeout.is_some() {
        Duration::from_secs(1).min(inner.config.sweep_interval)
    } else {
        inner.config.sweep_interval
    };
    let mut next_sweep = Instant::now() + inner.config.sweep_interval;
    let mut q = lock(&inner.queue);
    loop {
        if q.shutdown {
            return;
        }
        if let Some(limit) = inner.config.job_timeout {
            for (id, r) in &q.running {
                if r.started.elapsed() > limit && !r.cancel.is_cancelled() {
                    tracing::warn!(job_id = %id, "job timed out; cancelling");
                    r.cancel.cancel(CancelReason::Timeout);
                }
            }
        }
        if Instant::now() >= next_sweep {
            drop(q);
            if let Err(e) = sweep(inner) {
                tracing::error!(error = %e, "sweep failed");
            }
            next_sweep = Instant::now() + inner.config.sweep_interval;
            q = lock(&inner.queue);
            continue;
        }
        q = inner
            .queue_cv
            .wait_timeout(q, tick)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_resolve_like_http() {
        assert_eq!(
            ByteRange::parse_header("bytes=0-99"),
            Some(ByteRange::Inclusive(0, 99))
        );
        assert_eq!(
            ByteRange::parse_header("bytes=100-"),
            Some(ByteRange::From(100))
        );
        assert_eq!(
            ByteRange::parse_header("bytes=-5"),
            Some(ByteRange::Last(5))
        );
        for bad in [
            "bytes=5-1",
            "bytes=-",
            "items=0-1",
            "bytes=0-1,4-5",
            "bytes=a-b",
        ] {
            assert_eq!(ByteRange::parse_header(bad), None, "{bad}");
        }
        assert_eq!(ByteRange::Inclusive(0, 99).resolve(10), Some((0, 9)));
        assert_eq!(ByteRange::From(9).resolve(10), Some((9, 9)));
        assert_eq!(ByteRange::From(10).resolve(10), None);
        assert_eq!(ByteRange::Last(3).resolve(10), Some((7, 9)));
        assert_eq!(ByteRange::Last(30).resolve(10), Some((0, 9)));
        assert_eq!(ByteRange::Last(0).resolve(10), None);
        assert_eq!(ByteRange::From(0).resolve(0), None);
    }

    #[test]
    fn output_names_and_types_come_from_the_registry() {
        let named = |input, format| output_name_and_type(input, format);
        // ALTO is written as .xml everywhere, hOCR served as XHTML.
        assert_eq!(
            named(Some("scan.pdf"), "alto"),
            ("scan.xml".to_owned(), "application/xml")
        );
        assert_eq!(named(Some("scan.pdf"), "hocr").1, "application/xhtml+xml");
        // The cleaned input name is kept.
        assert_eq!(named(Some("../../x.pdf"), "txt").0, "x.txt");
        assert_eq!(
            named(Some("scan.pdf"), "unknown"),
            ("scan.unknown".to_owned(), "application/octet-stream")
        );
    }

    #[test]
    fn wait_parses_integers_only() {
        assert_eq!(parse_wait("5").ok(), Some(5));
        assert_eq!(parse_wait("30").ok(), Some(30));
        assert_eq!(parse_wait("99999999999999999999").ok(), Some(MAX_WAIT_SECS));
        assert!(parse_wait("-99999999999999999999").is_err());
        assert!(parse_wait("abc").is_err());
        assert_eq!(
            wait_duration(99).ok(),
            Some(Duration::from_secs(MAX_WAIT_SECS as u64))
        );
        assert!(wait_duration(0).is_err());
        assert!(parse_wait("1.5").is_err());
    }
}
