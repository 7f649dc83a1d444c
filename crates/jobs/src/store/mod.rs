//! Storage behind two seams: a [`JobStore`] (users, keys, files' metadata,
//! jobs, claiming the next job, expiry) and a [`ContentStore`] (files'
//! bytes). The embedded default is SQLite (`sqlite.rs`) with a folder
//! (`folder.rs`); the shared stores of a cluster are PostgreSQL
//! (`postgres.rs`) and an S3-compatible bucket (`s3.rs`);
//! `memory.rs` implements both in memory for tests of the seam.

use std::io::Read;
use std::path::{Path, PathBuf};

use ocrloom_detect::Format;

use crate::error::{Error, ErrorCode};
use crate::ids::{FileId, JobId, RequestId, UserId};
use crate::models::{FileInfo, Job, JobStatus};
use crate::time::Timestamp;
use listen::{Listener, OnChange};

pub(crate) mod folder;
pub(crate) mod listen;
#[cfg(test)]
pub(crate) mod memory;
pub(crate) mod pool;
pub(crate) mod postgres;
pub(crate) mod s3;
pub(crate) mod sqlite;

/// A stored API key with its user's name.
#[derive(Debug, Clone)]
pub(crate) struct StoredKey {
    pub hash: Vec<u8>,
    pub user: UserId,
    pub name: String,
    pub created_at: Timestamp,
}

/// What [`JobStore::sync_keys`] did, or the entry it refused.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySync {
    pub users_created: usize,
    pub keys_added: usize,
    pub keys_revoked: usize,
    /// (index of the entry, name of the user owning its key): nothing changed.
    pub conflict: Option<(usize, String)>,
}

/// How a file came to be; only `Chunked` files take appended chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Upload,
    Chunked,
    Output,
}

impl FileKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FileKind::Upload => "upload",
            FileKind::Chunked => "chunked",
            FileKind::Output => "output",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "chunked" => FileKind::Chunked,
            "output" => FileKind::Output,
            _ => FileKind::Upload,
        }
    }
}

/// A file's metadata.
#[derive(Debug, Clone)]
pub(crate) struct FileRow {
    pub id: FileId,
    pub user: UserId,
    pub filename: String,
    pub size: u64,
    pub kind: FileKind,
    pub content_type: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub expires_at: Timestamp,
}

impl FileRow {
    pub fn info(&self) -> FileInfo {
        FileInfo {
            file_id: self.id.clone(),
            filename: self.filename.clone(),
            size: self.size,
            created_at: self.created_at,
            updated_at: self.updated_at,
            expires_at: self.expires_at,
        }
    }
}

/// A new job, queued.
#[derive(Debug, Clone)]
pub(crate) struct NewJob {
    pub id: JobId,
    pub user: UserId,
    pub file_id: FileId,
    pub engine: String,
    pub output_format: String,
    pub languages: Vec<String>,
    pub input_format: Format,
    pub now: Timestamp,
}

/// What a worker needs to run a job.
#[derive(Debug, Clone)]
pub(crate) struct RunnableJob {
    pub user: UserId,
    pub file_id: FileId,
    pub engine: String,
    pub output_format: String,
    pub languages: Vec<String>,
    pub input_format: Format,
    pub input_filename: Option<String>,
}

/// A job taken by a worker: it is `processing` until the worker completes,
/// fails or requeues it with this claim. `attempt` numbers the claims of a
/// job; a store shared by several processes ignores a claim once a newer
/// attempt exists, so a worker that lost its job cannot overwrite the result.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pub id: JobId,
    pub attempt: u32,
    pub job: RunnableJob,
}

/// Why a job failed, as its user sees it.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub code: ErrorCode,
    pub message: String,
    pub request_id: RequestId,
    /// Pages seen before the failure, when known.
    pub pages: Option<u32>,
}

/// A stored content, as [`ContentStore::list`] finds it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// The file id it is stored under.
    pub id: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written.
    pub modified: std::time::SystemTime,
}

/// What start-up recovery did.
#[derive(Debug, Default)]
pub(crate) struct Recovery {
    /// Jobs waiting to run (queued ones, and processing ones interrupted).
    pub pending: usize,
    /// Contents without metadata, deleted.
    pub orphan_contents: usize,
    /// Metadata without contents, deleted.
    pub orphan_rows: usize,
}

/// Users, keys, files' metadata and jobs, and the queue of jobs to run.
/// Every method is one atomic step for the store.
pub(crate) trait JobStore: Send + Sync {
    // ---- users and keys ----------------------------------------------------

    /// Creates a user.
    fn insert_user(&self, id: &UserId, name: &str, now: Timestamp) -> Result<(), Error>;
    /// Whether the user exists.
    fn user_exists(&self, id: &UserId) -> Result<bool, Error>;
    /// Stores a key hash for `user`. Returns the owner if the hash was already
    /// stored (for the same or another user), inserting nothing.
    fn insert_key(
        &self,
        hash: &[u8; 32],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<UserId>, Error>;
    /// The stored hash equal to `hash` and its user. The lookup is by index
    /// (its timing reveals at most which hashes exist, which is useless
    /// without the keys); the caller then compares in constant time.
    fn key(&self, hash: &[u8; 32]) -> Result<Option<(Vec<u8>, UserId)>, Error>;
    /// Deletes a key; whether it existed.
    fn revoke_key(&self, hash: &[u8; 32]) -> Result<bool, Error>;
    /// Every key with its user, oldest first.
    fn keys(&self) -> Result<Vec<StoredKey>, Error>;
    /// The oldest user called `name`.
    fn user_named(&self, name: &str) -> Result<Option<UserId>, Error>;
    /// Deletes every key of the users called `name`; returns how many.
    fn revoke_keys_of(&self, name: &str) -> Result<usize, Error>;
    /// Makes the stored keys exactly `wanted` (hash, user name), in one
    /// transaction: a key already stored must belong to a user of that name
    /// (else `conflict` names the entry and the owner, and nothing changes);
    /// a new key goes to the oldest user of its name, created with an id
    /// from `new_id` when there is none; every other key is deleted.
    fn sync_keys(
        &self,
        wanted: &[([u8; 32], &str)],
        now: Timestamp,
        new_id: &mut dyn FnMut() -> Result<UserId, Error>,
    ) -> Result<KeySync, Error>;

    // ---- files -----------------------------------------------------------

    /// Records a file whose content is stored.
    fn insert_file(&self, f: &FileRow) -> Result<(), Error>;
    /// The user's file `id`, if it exists and has not expired.
    fn file(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<FileRow>, Error>;
    /// The user's live files, newest first.
    fn files(&self, user: &UserId, now: Timestamp) -> Result<Vec<FileInfo>, Error>;
    /// Bytes of the user's files that have not expired, and when the first
    /// of them expires.
    fn stored_bytes(
        &self,
        user: &UserId,
        now: Timestamp,
    ) -> Result<(u64, Option<Timestamp>), Error>;
    /// Whether a job refers to the file as its input.
    fn file_has_jobs(&self, file: &FileId) -> Result<bool, Error>;
    /// Records a chunked upload's new size.
    fn set_file_size(
        &self,
        id: &FileId,
        size: u64,
        content_type: &str,
        now: Timestamp,
    ) -> Result<(), Error>;

    // ---- jobs ------------------------------------------------------------

    /// Records and queues a job.
    fn insert_job(&self, j: &NewJob) -> Result<(), Error>;
    /// The user's job `id`, if it exists and has not expired.
    fn job(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<Job>, Error>;
    /// The user's live jobs, newest first.
    fn jobs(&self, user: &UserId, now: Timestamp) -> Result<Vec<Job>, Error>;
    /// How many jobs `user` has queued (not yet running).
    fn queued_jobs(&self, user: &UserId) -> Result<usize, Error>;
    /// Takes the next job to run, users in turn (each user's own jobs
    /// oldest first), and marks it `processing`.
    fn claim(&self, now: Timestamp) -> Result<Option<Claim>, Error>;
    /// Renews the leases of the claims (job, attempt) this process runs; a
    /// store owned by one process has no leases.
    fn heartbeat(&self, claims: &[(JobId, u32)]) -> Result<(), Error>;
    /// Raises the job's progress (never lowers it) and records the page count.
    fn set_progress(
        &self,
        claim: &Claim,
        progress: u8,
        pages: u32,
        now: Timestamp,
    ) -> Result<(), Error>;
    /// Puts a claimed job back in the queue.
    fn requeue(&self, claim: &Claim, now: Timestamp) -> Result<(), Error>;
    /// Records the output file and completes the job, in one transaction;
    /// `false` (nothing recorded) when the claim is no longer the job's.
    fn complete(
        &self,
        claim: &Claim,
        output: &FileRow,
        pages: u32,
        now: Timestamp,
    ) -> Result<bool, Error>;
    /// Fails the job; `false` (nothing recorded) when the claim is no
    /// longer the job's.
    fn fail(
        &self,
        claim: &Claim,
        failure: &Failure,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, Error>;

    // ---- expiry and upkeep -------------------------------------------------

    /// Deletes expired jobs and files (except inputs of jobs still to run)
    /// and returns the files whose contents are to be removed.
    fn sweep(&self, now: Timestamp) -> Result<(usize, Vec<FileId>), Error>;
    /// Those of `ids` that no file's metadata names (contents left behind
    /// by a node that stopped between storing a content and recording it).
    fn unknown_files(&self, ids: &[String]) -> Result<Vec<String>, Error>;
    /// Number of files and jobs, whatever their state (for tests).
    fn counts(&self) -> Result<(u64, u64), Error>;
    /// At start: makes metadata and `contents` agree and queues the jobs
    /// that were interrupted.
    fn recover(&self, contents: &dyn ContentStore) -> Result<Recovery, Error>;
    /// Starts hearing the changes other processes commit (a store shared by
    /// several nodes): `on_change` runs for each. `None` when this process
    /// makes every change itself.
    fn listen(&self, _on_change: OnChange) -> Result<Option<Listener>, Error> {
        Ok(None)
    }
}

/// A content readable at a local path, for the converter: the stored file
/// itself, or a private copy deleted on drop.
#[derive(Debug)]
pub(crate) enum LocalFile {
    /// The stored content (a folder store).
    Stored(PathBuf),
    /// A copy in the scratch folder.
    Copy(tempfile::TempPath),
}

impl LocalFile {
    /// Where to read it.
    pub(crate) fn path(&self) -> &Path {
        match self {
            LocalFile::Stored(p) => p,
            LocalFile::Copy(p) => p,
        }
    }
}

/// Files' bytes, by file id. Contents are written whole before their
/// metadata is recorded, so a reader never sees a partial content.
pub(crate) trait ContentStore: Send + Sync {
    /// Streams `reader` into the new content `id`, refusing more than `max`
    /// bytes (`file_too_large`, nothing kept); returns its size.
    fn put(&self, id: &FileId, reader: &mut dyn Read, max: u64) -> Result<u64, Error>;
    /// Moves a scratch file (from [`ContentStore::scratch`]) in as the
    /// content `id`; returns its size.
    fn put_file(&self, id: &FileId, path: &Path) -> Result<u64, Error>;
    /// Writes `chunk` at `offset` of a content (bytes past `offset`, left by
    /// a failed append, are dropped), durable when this returns.
    fn append(&self, id: &FileId, offset: u64, chunk: &[u8]) -> Result<(), Error>;
    /// Reads `len` bytes from `start`.
    fn get(&self, id: &FileId, start: u64, len: u64) -> Result<Box<dyn Read + Send>, Error>;
    /// The content at a local path, for the converter.
    fn local(&self, id: &FileId) -> Result<LocalFile, Error>;
    /// A new private, empty local file for a converter's output.
    fn scratch(&self, hint: &str) -> Result<PathBuf, Error>;
    /// Removes a content; a missing one is fine (already gone).
    fn delete(&self, id: &FileId);
    /// Every stored content: its id, size and last change (for recovery
    /// and the sweep of orphans).
    fn list(&self) -> Result<Vec<Stored>, Error>;
    /// Shortens a content to `size` bytes (for recovery).
    fn truncate(&self, id: &FileId, size: u64) -> Result<(), Error>;
    /// Deletes what the scratch folder holds (at start).
    fn clear_scratch(&self) -> Result<(), Error>;
}

/// Reads up to `n` first bytes of a content.
pub(crate) fn head(contents: &dyn ContentStore, id: &FileId, n: u64) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    contents
        .get(id, 0, n)?
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(format!("reading the content of {id}"), e))?;
    Ok(buf)
}

/// A job status as stored; an unknown value means a newer version wrote
/// it, and "failed" is the safe reading.
pub(crate) fn status_of(s: &str) -> JobStatus {
    s.parse().unwrap_or(JobStatus::Failed)
}

/// An input format as stored.
pub(crate) fn format_of(s: &str) -> Option<Format> {
    Format::ALL.into_iter().find(|f| f.name() == s)
}

/// The tests' throwaway S3 server.
#[cfg(test)]
mod s3_server {
    use crate::config::S3Storage;

    /// Settings for a new, empty prefix of its bucket.
    pub(crate) fn fresh_storage() -> S3Storage {
        let s = ocrloom_test_support::s3::fresh_storage();
        S3Storage::from_vars(&s.url(), |k| s.var(k)).expect("the test server's settings")
    }
}

#[cfg(test)]
mod tests {
    //! The contract every content store keeps, run on the folder, in memory
    //! and, when the suite runs against S3 (`OCRLOOM_TEST_STORAGE=s3`, as
    //! `scripts/test.sh` does), on a throwaway S3 server.

    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;

    use super::*;
    use crate::durability::Durability;

    fn read_all(c: &dyn ContentStore, id: &FileId, start: u64, len: u64) -> Vec<u8> {
        let mut v = Vec::new();
        c.get(id, start, len)
            .expect("get")
            .read_to_end(&mut v)
            .expect("read");
        v
    }

    fn sizes(c: &dyn ContentStore) -> Vec<(String, u64)> {
        let mut l: Vec<_> = c
            .list()
            .expect("list")
            .into_iter()
            .map(|s| (s.id, s.size))
            .collect();
        l.sort();
        l
    }

    /// `len` bytes that differ from offset to offset.
    struct Pattern {
        left: u64,
        n: u64,
    }

    impl Read for Pattern {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf
                .len()
                .min(usize::try_from(self.left).unwrap_or(usize::MAX));
            for b in &mut buf[..n] {
                self.n = self
                    .n
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                *b = (self.n >> 56) as u8;
            }
            self.left -= n as u64;
            Ok(n)
        }
    }

    fn content_contract(c: &dyn ContentStore) {
        let id = FileId::from_trusted("contract1".into());
        assert_eq!(c.put(&id, &mut &b"hello"[..], 5).expect("put"), 5);
        let big = FileId::from_trusted("contract2".into());
        assert!(matches!(
            c.put(&big, &mut &b"toolong"[..], 5),
            Err(Error::FileTooLarge { max: 5 })
        ));
        assert_eq!(sizes(c), [("contract1".to_owned(), 5)]);

        // Chunks: a failed append leaves bytes past the committed size,
        // which the next append at that size drops.
        c.append(&id, 5, b" world").expect("append");
        c.append(&id, 11, b"-leftover").expect("append");
        c.append(&id, 11, b"!").expect("append");
        assert_eq!(read_all(c, &id, 0, 12), b"hello world!");
        assert_eq!(read_all(c, &id, 6, 3), b"wor");
        assert_eq!(read_all(c, &id, 4, 3), b"o w", "a range across chunks");
        assert_eq!(
            read_all(c, &id, 0, 100),
            b"hello world!",
            "the end ends a read"
        );
        assert_eq!(read_all(c, &id, 3, 0), b"");

        let local = c.local(&id).expect("local");
        assert_eq!(std::fs::read(local.path()).expect("read"), b"hello world!");
        let mode = std::fs::metadata(local.path())
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "a local copy is private");

        c.truncate(&id, 7).expect("truncate");
        assert_eq!(read_all(c, &id, 0, 100), b"hello w");
        assert_eq!(sizes(c), [("contract1".to_owned(), 7)]);

        // An empty content takes chunks.
        let chunked = FileId::from_trusted("contract3".into());
        assert_eq!(c.put(&chunked, &mut std::io::empty(), 0).expect("put"), 0);
        assert_eq!(read_all(c, &chunked, 0, 1024), b"");
        c.append(&chunked, 0, b"abc").expect("append");
        assert_eq!(read_all(c, &chunked, 0, 1024), b"abc");

        // A converter's output, from a private scratch file.
        let scratch = c.scratch("job").expect("scratch");
        let mode = std::fs::metadata(&scratch)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "a scratch file is private");
        std::fs::write(&scratch, b"output").expect("write");
        let out = FileId::from_trusted("contract4".into());
        assert_eq!(c.put_file(&out, &scratch).expect("put_file"), 6);
        assert_eq!(read_all(c, &out, 0, 6), b"output");

        // Larger than one part of an S3 multipart upload, streamed.
        let large = FileId::from_trusted("contract5".into());
        let len = 2 * s3::PART_SIZE as u64 + 12_345;
        let put = c.put(&large, &mut Pattern { left: len, n: 7 }, len);
        assert_eq!(put.expect("put"), len);
        let mut all = Vec::new();
        Pattern { left: len, n: 7 }
            .read_to_end(&mut all)
            .expect("pattern");
        assert!(
            read_all(c, &large, 0, len) == all,
            "the large content reads back"
        );
        let at = s3::PART_SIZE as u64 - 5;
        assert_eq!(
            read_all(c, &large, at, 10),
            &all[at as usize..at as usize + 10]
        );
        assert_eq!(sizes(c).len(), 4);
        for id in [&id, &chunked, &out, &large] {
            c.delete(id);
            c.delete(id); // a missing content is fine
        }
        assert_eq!(sizes(c), []);
        assert!(c.get(&id, 0, 5).is_err(), "a deleted content is gone");
        c.clear_scratch().expect("clear");
    }

    #[test]
    fn the_folder_store_keeps_the_content_contract() {
        let dir = tempfile::tempdir().expect("dir");
        let c = folder::FolderContent::open(dir.path(), Durability::NoSync).expect("open");
        content_contract(&c);
    }

    #[test]
    fn the_memory_store_keeps_the_content_contract() {
        content_contract(&memory::MemoryContent::new().expect("open"));
    }

    #[test]
    fn the_s3_store_keeps_the_content_contract() {
        if std::env::var("OCRLOOM_TEST_STORAGE").as_deref() != Ok("s3") {
            return;
        }
        let dir = tempfile::tempdir().expect("dir");
        let cfg = s3_server::fresh_storage();
        let c = s3::S3Content::open(&cfg, dir.path(), Duration::from_secs(10)).expect("open");
        content_contract(&c);
    }
}
