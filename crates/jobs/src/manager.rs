//! The job manager: the facade over users, engines and jobs (files are in
//! `files.rs`, the workers in `worker.rs`, expiry in `sweeper.rs`), and
//! graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ocrloom_detect::detect;

use crate::config::{Config, Storage};
use crate::converter::{CancelReason, Converter};
use crate::durability::Durability;
use crate::error::Error;
use crate::ids::{JobId, UserId};
use crate::keyring::Keyring;
use crate::keys::{hash_key, hashes_equal, ApiKey, MIN_KEY_LEN};
use crate::models::{CreateJobRequest, Engine, Job, JobStatus, List, Usage};
use crate::store::folder::FolderContent;
use crate::store::listen::{Change, Listener};
use crate::store::postgres::PostgresJobStore;
use crate::store::s3::S3Content;
use crate::store::sqlite::SqliteJobStore;
use crate::store::{head, ContentStore, JobStore, NewJob};
use crate::sweeper::{monitor_loop, sweep, SweepReport};
use crate::time::Clock;
use crate::watch::{JobChange, ThreadWaker, Watchers};
use crate::worker::{run_guarded, take_next, worker_loop, Running};

/// Longest `wait` honoured by [`Manager::get_job`]; larger values are clipped.
pub const MAX_WAIT_SECS: i64 = 10;

/// How long a `wait` of `n` seconds holds the answer: 1..=10 s, larger
/// values clipped; 0 or less is `invalid_wait`.
pub fn wait_duration(n: i64) -> Result<Duration, Error> {
    if n <= 0 {
        return Err(Error::InvalidWait(n.to_string()));
    }
    Ok(Duration::from_secs(n.min(MAX_WAIT_SECS).unsigned_abs()))
}

/// `Retry-After` of a full job queue: about when a running job may end.
const QUEUE_RETRY_SECS: u64 = 10;

/// Jobs running in this process, and whether shutdown started.
#[derive(Default)]
pub(crate) struct Queue {
    pub(crate) running: HashMap<JobId, Running>,
    pub(crate) shutdown: bool,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) converter: Arc<dyn Converter>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) engines: Vec<Engine>,
    pub(crate) jobs: Arc<dyn JobStore>,
    pub(crate) contents: Arc<dyn ContentStore>,
    /// The local data folder (a temporary one in memory mode).
    pub(crate) data_dir: PathBuf,
    pub(crate) queue: Mutex<Queue>,
    /// Signalled when work arrives, a job ends, or shutdown starts.
    pub(crate) queue_cv: Condvar,
    /// Long polls waiting for a job's next change.
    pub(crate) watchers: Watchers,
    /// Serializes chunk appends so chunks land in call order.
    pub(crate) appends: Mutex<()>,
    /// Keeps the in-memory mode's folder alive (deleted on drop).
    _temp: Option<tempfile::TempDir>,
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
    pub(crate) inner: Arc<Inner>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Hears the changes other nodes commit (shared store only).
    listener: Mutex<Option<Listener>>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded state stays consistent across a panic (plain collections
    // updated in single steps), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Manager {
    /// Opens the stores, repairs them after a crash (orphan contents and
    /// rows removed, interrupted jobs queued again), and starts the workers
    /// and the sweeper.
    pub fn new(
        config: Config,
        converter: Arc<dyn Converter>,
        clock: Arc<dyn Clock>,
    ) -> Result<Manager, Error> {
        let (data_dir, temp, durability) = match &config.storage {
            Storage::Memory => {
                let temp = tempfile::Builder::new()
                    .prefix("ocrloom-jobs-")
                    .tempdir()
                    .map_err(|e| Error::io("creating a temporary data folder", e))?;
                (temp.path().to_path_buf(), Some(temp), Durability::NoSync)
            }
            Storage::Dir(d) => (d.clone(), None, config.durability),
        };
        let contents: Arc<dyn ContentStore> = match &config.s3 {
            None => Arc::new(FolderContent::open(&data_dir, durability)?),
            Some(s3) => Arc::new(S3Content::open(
                s3,
                &data_dir.join("tmp"),
                config.connect_timeout,
            )?),
        };
        let jobs: Arc<dyn JobStore> = match &config.database {
            None => Arc::new(SqliteJobStore::open(
                temp.is_none().then_some(&*data_dir),
                durability,
            )?),
            Some(url) => Arc::new(PostgresJobStore::open(
                url,
                // Workers, the sweeper, and requests of the API.
                u32::try_from(config.workers)
                    .unwrap_or(64)
                    .saturating_add(8),
                config.lease,
                config.connect_timeout,
            )?),
        };
        let recovery = jobs.recover(&*contents)?;
        tracing::info!(
            data = %data_dir.display(),
            pending = recovery.pending,
            orphan_contents = recovery.orphan_contents,
            orphan_rows = recovery.orphan_rows,
            "job manager started"
        );
        let engines = converter.engines();
        let inner = Arc::new(Inner {
            engines,
            converter,
            clock,
            jobs,
            contents,
            data_dir,
            queue: Mutex::new(Queue::default()),
            queue_cv: Condvar::new(),
            watchers: Watchers::default(),
            appends: Mutex::new(()),
            _temp: temp,
            config,
        });
        let heard = Arc::clone(&inner);
        let listener = inner.jobs.listen(Box::new(move |change| match change {
            Change::Finished(job_id) => heard.watchers.notify(job_id),
            Change::Queued => heard.queue_cv.notify_all(),
            Change::Missed => {
                heard.watchers.notify_all();
                heard.queue_cv.notify_all();
            }
        }))?;
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
            listener: Mutex::new(listener),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The local data folder (a temporary one in memory mode).
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    // ---- users -----------------------------------------------------------

    /// The API keys of the data folder (sync with a keys file, list, add,
    /// revoke).
    pub fn keyring(&self) -> Keyring {
        Keyring::new(Arc::clone(&self.inner.jobs), Arc::clone(&self.inner.clock))
    }

    /// Creates a user and a first API key for it.
    pub fn create_user(&self, name: &str) -> Result<(UserId, ApiKey), Error> {
        let user = UserId::generate()?;
        self.inner
            .jobs
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
        if !self.inner.jobs.user_exists(user)? {
            return Err(Error::InvalidRequest("unknown user".to_owned()));
        }
        match self
            .inner
            .jobs
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
        self.inner.jobs.revoke_key(&hash_key(key))
    }

    /// The user owning `key` (the bearer token), or `unauthorized`.
    pub fn authenticate(&self, key: &str) -> Result<UserId, Error> {
        let hash = hash_key(key);
        match self.inner.jobs.key(&hash)? {
            Some((stored, user)) if hashes_equal(&stored, &hash) => Ok(user),
            _ => Err(Error::Unauthorized),
        }
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
        let head = head(&*self.inner.contents, &file.id, 1024)?;
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
            let max = self.inner.config.max_queued_jobs_per_user;
            if self.inner.jobs.queued_jobs(user)? >= max {
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
        self.inner.jobs.insert_job(&NewJob {
            id: id.clone(),
            user: user.clone(),
            file_id: file.id.clone(),
            engine: engine.id.clone(),
            output_format: request.output_format.clone(),
            languages,
            input_format: format,
            now,
        })?;
        drop(serial);
        // The job as stored (a worker may already have taken it).
        let job = Job {
            job_id: id.clone(),
            file_id: file.id,
            engine: engine.id.clone(),
            status: JobStatus::Queued,
            progress: 0,
            output_file_id: None,
            error: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
            expires_at: None,
            usage: Usage::default(),
        };
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
                .jobs
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
            data: self.inner.jobs.jobs(user, self.inner.clock.now())?,
        })
    }

    // ---- operations ------------------------------------------------------

    /// Removes expired jobs, files and contents, and orphan contents, now
    /// (the background sweeper does the first every `sweep_interval`, the
    /// second every `orphan_grace`). Inputs of jobs still queued or running
    /// are kept until those jobs finish, though hidden from their user once
    /// expired.
    pub fn sweep_expired(&self) -> Result<SweepReport, Error> {
        sweep(&self.inner, true)
    }

    /// Runs the next queued job (users in turn) on the calling thread and returns its id;
    /// `None` when nothing is queued or the manager is shutting down. Meant
    /// for tests with `workers: 0` (the apalis "test worker").
    pub fn run_next_job(&self) -> Option<JobId> {
        let (claim, cancel) = take_next(&self.inner, false)?;
        let id = claim.id.clone();
        run_guarded(&self.inner, claim, &cancel);
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
        lock(&self.listener).take();
        // Wake the long polls so they answer now.
        inner.watchers.notify_all();
        let threads = std::mem::take(&mut *lock(&self.threads));
        for t in threads {
            if t.join().is_err() {
                tracing::error!("a job manager thread panicked");
            }
        }
    }

    /// The ids of the stored contents (in the data folder or the bucket),
    /// sorted. For tests and diagnostics.
    pub fn stored_contents(&self) -> Result<Vec<String>, Error> {
        let mut ids: Vec<String> = self
            .inner
            .contents
            .list()?
            .into_iter()
            .map(|s| s.id)
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Rows in the store, all states and users included: (files, jobs).
    /// For tests and diagnostics.
    pub fn row_counts(&self) -> Result<(u64, u64), Error> {
        self.inner.jobs.counts()
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        self.shutdown(Duration::ZERO);
    }
}
