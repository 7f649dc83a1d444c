//! Metadata in SQLite, contents in a folder.
//!
//! Layout of a data folder:
//! ```text
//! <data>/ocrloom.sqlite3   metadata: users, api_keys, files, jobs (WAL mode)
//! <data>/files/<file_id>   one file's bytes, complete (written to tmp/, fsynced, renamed)
//! <data>/tmp/              uploads and job outputs being written; emptied at start
//! ```
//! Folders are 0700 and files 0600, whatever the umask: uploads are the
//! users' documents. The database is the truth: a content file without a row is deleted at
//! start, a row without content is deleted too, and a chunked upload's content
//! longer than its row's size (a crash between append and commit) is truncated.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use ocrloom_detect::Format;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{Error, ErrorBody, ErrorCode};
use crate::ids::{random_chars, FileId, JobId, RequestId, UserId};
use crate::manager::Durability;
use crate::models::{FileInfo, Job, JobStatus, Usage};
use crate::time::Timestamp;

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE users (
    user_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
    key_hash   BLOB PRIMARY KEY,          -- SHA-256 of the key; the key itself is never stored
    user_id    TEXT NOT NULL REFERENCES users(user_id),
    created_at INTEGER NOT NULL
);
CREATE TABLE files (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id      TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL,
    filename     TEXT NOT NULL,
    size         INTEGER NOT NULL,
    kind         TEXT NOT NULL,           -- upload | chunked | output
    content_type TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX files_by_user ON files(user_id, seq);
CREATE INDEX files_by_expiry ON files(expires_at);
CREATE TABLE jobs (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id           TEXT NOT NULL UNIQUE,
    user_id          TEXT NOT NULL,
    file_id          TEXT NOT NULL,
    engine           TEXT NOT NULL,
    output_format    TEXT NOT NULL,
    languages        TEXT NOT NULL,       -- JSON array of codes
    input_format     TEXT NOT NULL,
    status           TEXT NOT NULL,
    progress         INTEGER NOT NULL,
    input_pages      INTEGER NOT NULL,
    output_file_id   TEXT,
    error_code       TEXT,
    error_message    TEXT,
    error_request_id TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    completed_at     INTEGER,
    expires_at       INTEGER
);
CREATE INDEX jobs_by_user ON jobs(user_id, seq);
CREATE INDEX jobs_by_status ON jobs(status);
CREATE INDEX jobs_by_expiry ON jobs(expires_at);
";

const JOB_COLUMNS: &str = "job_id, file_id, engine, status, progress, output_file_id, \
     error_code, error_message, error_request_id, created_at, updated_at, completed_at, \
     expires_at, input_pages";

const FILE_COLUMNS: &str =
    "file_id, user_id, filename, size, kind, content_type, created_at, updated_at, expires_at";

/// An `api_keys` row with its user's name.
#[derive(Debug, Clone)]
pub(crate) struct StoredKey {
    pub hash: Vec<u8>,
    pub user: UserId,
    pub name: String,
    pub created_at: Timestamp,
}

/// What [`Store::sync_keys`] did, or the entry it refused.
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
    fn as_str(self) -> &'static str {
        match self {
            FileKind::Upload => "upload",
            FileKind::Chunked => "chunked",
            FileKind::Output => "output",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "chunked" => FileKind::Chunked,
            "output" => FileKind::Output,
            _ => FileKind::Upload,
        }
    }
}

/// A `files` row.
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

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(FileRow {
            id: FileId::from_trusted(r.get(0)?),
            user: UserId::from_trusted(r.get(1)?),
            filename: r.get(2)?,
            size: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            kind: FileKind::parse(&r.get::<_, String>(4)?),
            content_type: r.get(5)?,
            created_at: Timestamp::from_unix(r.get(6)?),
            updated_at: Timestamp::from_unix(r.get(7)?),
            expires_at: Timestamp::from_unix(r.get(8)?),
        })
    }
}

/// A new `jobs` row.
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
    pub status: JobStatus,
    pub file_id: FileId,
    pub engine: String,
    pub output_format: String,
    pub languages: Vec<String>,
    pub input_format: Format,
    pub input_filename: Option<String>,
}

/// What start-up recovery did.
#[derive(Debug, Default)]
pub(crate) struct Recovery {
    /// Jobs to run with their users, oldest first (queued ones, and
    /// processing ones interrupted).
    pub pending: Vec<(UserId, JobId)>,
    /// Contents without a row, deleted.
    pub orphan_contents: usize,
    /// Rows without contents, deleted.
    pub orphan_rows: usize,
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn status_of(s: &str) -> JobStatus {
    // Only this crate writes the column; an unknown value means a newer
    // version wrote it, and "failed" is the safe reading.
    s.parse().unwrap_or(JobStatus::Failed)
}

fn format_of(s: &str) -> Option<Format> {
    Format::ALL.into_iter().find(|f| f.name() == s)
}

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<Job> {
    let status = status_of(&r.get::<_, String>(3)?);
    let error = match (status, r.get::<_, Option<String>>(6)?) {
        (JobStatus::Failed, code) => Some(ErrorBody {
            code: code
                .as_deref()
                .and_then(ErrorCode::parse)
                .unwrap_or(ErrorCode::Internal),
            message: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
            request_id: RequestId::from_trusted(r.get::<_, Option<String>>(8)?.unwrap_or_default()),
        }),
        _ => None,
    };
    let output_file_id = match status {
        JobStatus::Completed => r.get::<_, Option<String>>(5)?.map(FileId::from_trusted),
        _ => None,
    };
    Ok(Job {
        job_id: JobId::from_trusted(r.get(0)?),
        file_id: FileId::from_trusted(r.get(1)?),
        engine: r.get(2)?,
        status,
        progress: u8::try_from(r.get::<_, i64>(4)?.clamp(0, 100)).unwrap_or(0),
        output_file_id,
        error,
        created_at: Timestamp::from_unix(r.get(9)?),
        updated_at: Timestamp::from_unix(r.get(10)?),
        completed_at: r.get::<_, Option<i64>>(11)?.map(Timestamp::from_unix),
        expires_at: r.get::<_, Option<i64>>(12)?.map(Timestamp::from_unix),
        usage: Usage {
            input_pages: u32::try_from(r.get::<_, i64>(13)?).unwrap_or(0),
        },
    })
}

/// The metadata database and the content folder.
pub(crate) struct Store {
    conn: Mutex<Connection>,
    root: PathBuf,
    durability: Durability,
    /// Keeps the in-memory mode's folder alive (deleted on drop).
    _temp: Option<tempfile::TempDir>,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, or an in-memory database
    /// with contents in a private temporary folder when `dir` is `None`.
    pub fn open(dir: Option<&Path>, durability: Durability) -> Result<Store, Error> {
        let (root, temp, conn) = match dir {
            Some(dir) => {
                private_dir(dir)
                    .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
                // SQLite gives its -wal and -shm files the database's mode.
                let db = dir.join("ocrloom.sqlite3");
                fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&db)
                    .and_then(|f| f.set_permissions(fs::Permissions::from_mode(0o600)))
                    .map_err(|e| Error::io(format!("creating {}", db.display()), e))?;
                let conn = Connection::open(&db).map_err(Error::db("opening the database"))?;
                (dir.to_path_buf(), None, conn)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("ocrloom-jobs-")
                    .tempdir()
                    .map_err(|e| Error::io("creating a temporary data folder", e))?;
                let conn =
                    Connection::open_in_memory().map_err(Error::db("opening the database"))?;
                (temp.path().to_path_buf(), Some(temp), conn)
            }
        };
        for sub in ["files", "tmp"] {
            let p = root.join(sub);
            private_dir(&p).map_err(|e| Error::io(format!("creating {}", p.display()), e))?;
        }
        // WAL lets readers proceed while a worker writes progress. How often
        // SQLite fsyncs follows the durability setting (see `Durability`).
        let synchronous = match durability {
            Durability::Full => "FULL",
            Durability::Consistent => "NORMAL",
            Durability::NoSync => "OFF",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
        ))
        .map_err(Error::db("configuring the database"))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(Error::db("configuring the database"))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(Error::db("reading the schema version"))?;
        match version {
            0 => conn
                .execute_batch(&format!(
                    "BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                ))
                .map_err(Error::db("creating the schema"))?,
            SCHEMA_VERSION => {}
            other => {
                return Err(Error::InvalidRequest(format!(
                    "the data folder has schema version {other}, this build knows {SCHEMA_VERSION}"
                )))
            }
        }
        Ok(Store {
            conn: Mutex::new(conn),
            root,
            durability,
            _temp: temp,
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The data folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a file's content lives.
    pub fn content_path(&self, id: &FileId) -> PathBuf {
        self.root.join("files").join(id.as_str())
    }

    /// A fresh path in `tmp/` for content being written.
    pub fn temp_path(&self, hint: &str) -> Result<PathBuf, Error> {
        Ok(self
            .root
            .join("tmp")
            .join(format!("{hint}-{}.part", random_chars(12)?)))
    }

    /// Fsyncs `tmp` (unless durability is `NoSync`) and renames it to the content path of `id`, then fsyncs
    /// the folder so the rename itself is durable.
    pub fn persist(&self, tmp: &Path, id: &FileId) -> Result<(), Error> {
        let sync = |p: &Path| -> std::io::Result<()> { fs::File::open(p)?.sync_all() };
        if self.durability != Durability::NoSync {
            sync(tmp).map_err(|e| Error::io(format!("syncing {}", tmp.display()), e))?;
        }
        let dest = self.content_path(id);
        fs::rename(tmp, &dest)
            .map_err(|e| Error::io(format!("renaming to {}", dest.display()), e))?;
        if self.durability != Durability::NoSync {
            sync_dir(&self.root.join("files"));
        }
        Ok(())
    }

    /// Fsyncs an appended-to content unless durability is `NoSync`.
    pub fn sync_file(&self, f: &fs::File) -> std::io::Result<()> {
        if self.durability == Durability::NoSync {
            Ok(())
        } else {
            f.sync_all()
        }
    }

    /// Removes a file's content; a missing file is fine (already gone).
    pub fn remove_content(&self, id: &FileId) {
        let p = self.content_path(id);
        if let Err(e) = fs::remove_file(&p) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %p.display(), error = %e, "could not remove content");
            }
        }
    }

    /// Makes the folder and the database agree, and lists the jobs to run.
    pub fn recover(&self) -> Result<Recovery, Error> {
        let mut rec = Recovery::default();
        let tmp = self.root.join("tmp");
        for entry in read_dir(&tmp)? {
            let _ = fs::remove_file(entry);
        }
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(Error::db("starting recovery"))?;
        let rows: Vec<(String, i64, String)> = tx
            .prepare("SELECT file_id, size, kind FROM files")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(Error::db("listing files"))?;
        let known: HashSet<&str> = rows.iter().map(|(id, _, _)| id.as_str()).collect();
        for path in read_dir(&self.root.join("files"))? {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !known.contains(name) {
                tracing::info!(path = %path.display(), "removing content without a row");
                let _ = fs::remove_file(&path);
                rec.orphan_contents += 1;
            }
        }
        for (id, size, kind) in &rows {
            let path = self.root.join("files").join(id);
            let len = fs::metadata(&path).map(|m| m.len()).ok();
            let size = u64::try_from(*size).unwrap_or(0);
            let keep = match len {
                Some(len) if len == size => true,
                // A chunk written but not committed: the row's size is the truth.
                Some(len) if len > size && FileKind::parse(kind) == FileKind::Chunked => {
                    fs::OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .and_then(|f| f.set_len(size).and_then(|()| f.sync_all()))
                        .map_err(|e| Error::io(format!("truncating {}", path.display()), e))?;
                    true
                }
                _ => false,
            };
            if !keep {
                tracing::warn!(file_id = %id, "removing a file whose content is missing or damaged");
                tx.execute("DELETE FROM files WHERE file_id = ?1", [id])
                    .map_err(Error::db("removing a file row"))?;
                let _ = fs::remove_file(&path);
                // A completed job whose output vanished cannot be served.
                tx.execute(
                    "UPDATE jobs SET status = 'failed', output_file_id = NULL, \
                     error_code = 'internal', error_message = 'the output file was lost', \
                     error_request_id = job_id WHERE output_file_id = ?1",
                    [id],
                )
                .map_err(Error::db("failing a job"))?;
                rec.orphan_rows += 1;
            }
        }
        // A job that was running when the process stopped runs again from the
        // start; its progress only grows from where it was (MAX on update).
        tx.execute(
            "UPDATE jobs SET status = 'queued' WHERE status = 'processing'",
            [],
        )
        .map_err(Error::db("requeueing interrupted jobs"))?;
        rec.pending = tx
            .prepare("SELECT user_id, job_id FROM jobs WHERE status = 'queued' ORDER BY seq")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok((
                        UserId::from_trusted(r.get(0)?),
                        JobId::from_trusted(r.get(1)?),
                    ))
                })?
                .collect()
            })
            .map_err(Error::db("listing pending jobs"))?;
        tx.commit().map_err(Error::db("committing recovery"))?;
        Ok(rec)
    }

    // ---- users -----------------------------------------------------------

    pub fn insert_user(&self, id: &UserId, name: &str, now: Timestamp) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO users (user_id, name, created_at) VALUES (?1, ?2, ?3)",
                params![id.as_str(), name, now.unix()],
            )
            .map_err(Error::db("creating a user"))?;
        Ok(())
    }

    pub fn user_exists(&self, id: &UserId) -> Result<bool, Error> {
        self.conn()
            .query_row(
                "SELECT 1 FROM users WHERE user_id = ?1",
                [id.as_str()],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(Error::db("reading a user"))
    }

    /// Stores a key hash for `user`. Returns the owner if the hash was already
    /// stored (for the same or another user), inserting nothing.
    pub fn insert_key(
        &self,
        hash: &[u8; 32],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<UserId>, Error> {
        let conn = self.conn();
        let existing: Option<String> = conn
            .query_row(
                "SELECT user_id FROM api_keys WHERE key_hash = ?1",
                [&hash[..]],
                |r| r.get(0),
            )
            .optional()
            .map_err(Error::db("reading an API key"))?;
        if let Some(owner) = existing {
            return Ok(Some(UserId::from_trusted(owner)));
        }
        conn.execute(
            "INSERT INTO api_keys (key_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
            params![&hash[..], user.as_str(), now.unix()],
        )
        .map_err(Error::db("storing an API key"))?;
        Ok(None)
    }

    /// The stored hash equal to `hash` and its user. The lookup is by index
    /// (its timing reveals at most which hashes exist, which is useless
    /// without the keys); the caller then compares in constant time.
    pub fn key(&self, hash: &[u8; 32]) -> Result<Option<(Vec<u8>, UserId)>, Error> {
        self.conn()
            .prepare_cached("SELECT key_hash, user_id FROM api_keys WHERE key_hash = ?1")
            .and_then(|mut s| {
                s.query_row([&hash[..]], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, UserId::from_trusted(r.get(1)?)))
                })
                .optional()
            })
            .map_err(Error::db("reading an API key"))
    }

    pub fn revoke_key(&self, hash: &[u8; 32]) -> Result<bool, Error> {
        self.conn()
            .execute("DELETE FROM api_keys WHERE key_hash = ?1", [&hash[..]])
            .map(|n| n > 0)
            .map_err(Error::db("revoking an API key"))
    }

    /// Every key with its user, oldest first.
    pub fn keys(&self) -> Result<Vec<StoredKey>, Error> {
        self.conn()
            .prepare(
                "SELECT k.key_hash, k.user_id, u.name, k.created_at FROM api_keys k \
                 JOIN users u ON u.user_id = k.user_id ORDER BY k.created_at, k.rowid",
            )
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(StoredKey {
                        hash: r.get(0)?,
                        user: UserId::from_trusted(r.get(1)?),
                        name: r.get(2)?,
                        created_at: Timestamp::from_unix(r.get(3)?),
                    })
                })?
                .collect()
            })
            .map_err(Error::db("listing API keys"))
    }

    /// The oldest user called `name`.
    pub fn user_named(&self, name: &str) -> Result<Option<UserId>, Error> {
        self.conn()
            .query_row(
                "SELECT user_id FROM users WHERE name = ?1 ORDER BY created_at, rowid LIMIT 1",
                [name],
                |r| r.get::<_, String>(0).map(UserId::from_trusted),
            )
            .optional()
            .map_err(Error::db("reading a user"))
    }

    /// Deletes every key of the users called `name`; returns how many.
    pub fn revoke_keys_of(&self, name: &str) -> Result<usize, Error> {
        self.conn()
            .execute(
                "DELETE FROM api_keys WHERE user_id IN (SELECT user_id FROM users WHERE name = ?1)",
                [name],
            )
            .map_err(Error::db("revoking API keys"))
    }

    /// Makes the stored keys exactly `wanted` (hash, user name), in one
    /// transaction: a key already stored must belong to a user of that name
    /// (else `Conflict` names the entry and the owner, and nothing changes);
    /// a new key goes to the oldest user of its name, created with an id
    /// from `new_id` when there is none; every other key is deleted.
    pub fn sync_keys(
        &self,
        wanted: &[([u8; 32], &str)],
        now: Timestamp,
        mut new_id: impl FnMut() -> Result<UserId, Error>,
    ) -> Result<KeySync, Error> {
        let mut conn = self.conn();
        let tx = conn
            .transaction()
            .map_err(Error::db("starting a key sync"))?;
        let mut report = KeySync::default();
        for (index, (hash, name)) in wanted.iter().enumerate() {
            let owner: Option<String> = tx
                .query_row(
                    "SELECT u.name FROM api_keys k JOIN users u ON u.user_id = k.user_id \
                     WHERE k.key_hash = ?1",
                    [&hash[..]],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Error::db("reading an API key"))?;
            match owner {
                Some(owner) if owner == *name => continue,
                Some(owner) => {
                    report.conflict = Some((index, owner));
                    return Ok(report);
                }
                None => {}
            }
            let user: Option<String> = tx
                .query_row(
                    "SELECT user_id FROM users WHERE name = ?1 ORDER BY created_at, rowid LIMIT 1",
                    [name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Error::db("reading a user"))?;
            let user = match user {
                Some(u) => u,
                None => {
                    let id = new_id()?;
                    tx.execute(
                        "INSERT INTO users (user_id, name, created_at) VALUES (?1, ?2, ?3)",
                        params![id.as_str(), name, now.unix()],
                    )
                    .map_err(Error::db("creating a user"))?;
                    report.users_created += 1;
                    id.as_str().to_owned()
                }
            };
            tx.execute(
                "INSERT INTO api_keys (key_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
                params![&hash[..], user, now.unix()],
            )
            .map_err(Error::db("storing an API key"))?;
            report.keys_added += 1;
        }
        let stored: Vec<Vec<u8>> = tx
            .prepare("SELECT key_hash FROM api_keys")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(Error::db("listing API keys"))?;
        for hash in stored {
            if !wanted.iter().any(|(w, _)| w[..] == hash[..]) {
                tx.execute("DELETE FROM api_keys WHERE key_hash = ?1", [&hash])
                    .map_err(Error::db("revoking an API key"))?;
                report.keys_revoked += 1;
            }
        }
        tx.commit().map_err(Error::db("committing a key sync"))?;
        Ok(report)
    }

    // ---- files -----------------------------------------------------------

    pub fn insert_file(&self, f: &FileRow) -> Result<(), Error> {
        self.conn()
            .prepare_cached(&format!(
                "INSERT INTO files ({FILE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    f.id.as_str(),
                    f.user.as_str(),
                    f.filename,
                    i64_of(f.size),
                    f.kind.as_str(),
                    f.content_type,
                    f.created_at.unix(),
                    f.updated_at.unix(),
                    f.expires_at.unix()
                ])
            })
            .map_err(Error::db("storing a file"))?;
        Ok(())
    }

    /// The user's file `id`, if it exists and has not expired.
    pub fn file(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<FileRow>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {FILE_COLUMNS} FROM files \
                 WHERE file_id = ?1 AND user_id = ?2 AND expires_at > ?3"
            ))
            .and_then(|mut s| {
                s.query_row(params![id, user.as_str(), now.unix()], FileRow::from_row)
                    .optional()
            })
            .map_err(Error::db("reading a file"))
    }

    /// The user's live files, newest first.
    /// Bytes of the user's files that have not expired, and when the first
    /// of them expires.
    pub fn stored_bytes(
        &self,
        user: &UserId,
        now: Timestamp,
    ) -> Result<(u64, Option<Timestamp>), Error> {
        self.conn()
            .prepare_cached(
                "SELECT COALESCE(SUM(size), 0), MIN(expires_at) FROM files \
                 WHERE user_id = ?1 AND expires_at > ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![user.as_str(), now.unix()], |r| {
                    Ok((
                        u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        r.get::<_, Option<i64>>(1)?.map(Timestamp::from_unix),
                    ))
                })
            })
            .map_err(Error::db("summing stored bytes"))
    }

    /// Whether a job refers to the file as its input.
    pub fn file_has_jobs(&self, file: &FileId) -> Result<bool, Error> {
        self.conn()
            .prepare_cached("SELECT 1 FROM jobs WHERE file_id = ?1 LIMIT 1")
            .and_then(|mut s| s.query_row([file.as_str()], |_| Ok(())).optional())
            .map(|r| r.is_some())
            .map_err(Error::db("reading a file's jobs"))
    }

    pub fn files(&self, user: &UserId, now: Timestamp) -> Result<Vec<FileInfo>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {FILE_COLUMNS} FROM files WHERE user_id = ?1 AND expires_at > ?2 \
                 ORDER BY seq DESC"
            ))
            .and_then(|mut s| {
                s.query_map(params![user.as_str(), now.unix()], |r| {
                    FileRow::from_row(r).map(|f| f.info())
                })?
                .collect()
            })
            .map_err(Error::db("listing files"))
    }

    pub fn set_file_size(
        &self,
        id: &FileId,
        size: u64,
        content_type: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE files SET size = ?2, content_type = ?3, updated_at = ?4 WHERE file_id = ?1",
                params![id.as_str(), i64_of(size), content_type, now.unix()],
            )
            .map_err(Error::db("updating a file"))?;
        Ok(())
    }

    // ---- jobs ------------------------------------------------------------

    pub fn insert_job(&self, j: &NewJob) -> Result<(), Error> {
        let languages = serde_json::to_string(&j.languages).unwrap_or_else(|_| "[]".to_owned());
        self.conn()
            .prepare_cached(
                "INSERT INTO jobs (job_id, user_id, file_id, engine, output_format, languages, \
                 input_format, status, progress, input_pages, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, 0, ?8, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    j.id.as_str(),
                    j.user.as_str(),
                    j.file_id.as_str(),
                    j.engine,
                    j.output_format,
                    languages,
                    j.input_format.name(),
                    j.now.unix()
                ])
            })
            .map_err(Error::db("storing a job"))?;
        Ok(())
    }

    /// The user's job `id`, if it exists and has not expired.
    pub fn job(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<Job>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE job_id = ?1 AND user_id = ?2 \
                 AND (expires_at IS NULL OR expires_at > ?3)"
            ))
            .and_then(|mut s| {
                s.query_row(params![id, user.as_str(), now.unix()], job_from_row)
                    .optional()
            })
            .map_err(Error::db("reading a job"))
    }

    /// The user's live jobs, newest first.
    pub fn jobs(&self, user: &UserId, now: Timestamp) -> Result<Vec<Job>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE user_id = ?1 \
                 AND (expires_at IS NULL OR expires_at > ?2) ORDER BY seq DESC"
            ))
            .and_then(|mut s| {
                s.query_map(params![user.as_str(), now.unix()], job_from_row)?
                    .collect()
            })
            .map_err(Error::db("listing jobs"))
    }

    /// What a worker needs to run job `id` (whatever its owner or expiry).
    pub fn runnable(&self, id: &JobId) -> Result<Option<RunnableJob>, Error> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT j.user_id, j.status, j.file_id, j.engine, j.output_format, j.languages, \
                 j.input_format, f.filename FROM jobs j LEFT JOIN files f ON f.file_id = j.file_id \
                 WHERE j.job_id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([id.as_str()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })
                .optional()
            })
            .map_err(Error::db("reading a job to run"))?;
        let Some((user, status, file_id, engine, output_format, languages, format, filename)) = row
        else {
            return Ok(None);
        };
        let Some(input_format) = format_of(&format) else {
            return Ok(None);
        };
        Ok(Some(RunnableJob {
            user: UserId::from_trusted(user),
            status: status_of(&status),
            file_id: FileId::from_trusted(file_id),
            engine,
            output_format,
            languages: serde_json::from_str(&languages).unwrap_or_default(),
            input_format,
            input_filename: filename,
        }))
    }

    pub fn set_processing(&self, id: &JobId, now: Timestamp) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE jobs SET status = 'processing', updated_at = ?2 WHERE job_id = ?1",
                params![id.as_str(), now.unix()],
            )
            .map_err(Error::db("starting a job"))?;
        Ok(())
    }

    /// Raises progress (never lowers it) and records the page count.
    pub fn set_progress(
        &self,
        id: &JobId,
        progress: u8,
        pages: u32,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.conn()
            .prepare_cached(
                "UPDATE jobs SET progress = MAX(progress, ?2), input_pages = ?3, updated_at = ?4 \
                 WHERE job_id = ?1 AND status = 'processing'",
            )
            .and_then(|mut s| s.execute(params![id.as_str(), progress, pages, now.unix()]))
            .map_err(Error::db("recording progress"))?;
        Ok(())
    }

    pub fn requeue(&self, id: &JobId, now: Timestamp) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE jobs SET status = 'queued', updated_at = ?2 \
                 WHERE job_id = ?1 AND status = 'processing'",
                params![id.as_str(), now.unix()],
            )
            .map_err(Error::db("requeueing a job"))?;
        Ok(())
    }

    /// Records the output file and completes the job, in one transaction.
    pub fn complete(
        &self,
        id: &JobId,
        output: &FileRow,
        pages: u32,
        now: Timestamp,
    ) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(Error::db("completing a job"))?;
        tx.execute(
            &format!(
                "INSERT INTO files ({FILE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ),
            params![
                output.id.as_str(),
                output.user.as_str(),
                output.filename,
                i64_of(output.size),
                output.kind.as_str(),
                output.content_type,
                output.created_at.unix(),
                output.updated_at.unix(),
                output.expires_at.unix()
            ],
        )
        .map_err(Error::db("storing an output file"))?;
        tx.execute(
            "UPDATE jobs SET status = 'completed', progress = 100, input_pages = ?3, \
             output_file_id = ?2, updated_at = ?4, completed_at = ?4, expires_at = ?5 \
             WHERE job_id = ?1",
            params![
                id.as_str(),
                output.id.as_str(),
                pages,
                now.unix(),
                output.expires_at.unix()
            ],
        )
        .map_err(Error::db("completing a job"))?;
        tx.commit().map_err(Error::db("completing a job"))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn fail(
        &self,
        id: &JobId,
        code: ErrorCode,
        message: &str,
        request_id: &RequestId,
        pages: Option<u32>,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE jobs SET status = 'failed', error_code = ?2, error_message = ?3, \
                 error_request_id = ?4, input_pages = COALESCE(?5, input_pages), \
                 updated_at = ?6, completed_at = ?6, expires_at = ?7 WHERE job_id = ?1",
                params![
                    id.as_str(),
                    code.as_str(),
                    message,
                    request_id.as_str(),
                    pages,
                    now.unix(),
                    expires_at.unix()
                ],
            )
            .map_err(Error::db("failing a job"))?;
        Ok(())
    }

    /// Deletes expired jobs and files (except inputs of jobs still to run)
    /// and returns the files whose contents are to be removed.
    pub fn sweep(&self, now: Timestamp) -> Result<(usize, Vec<FileId>), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(Error::db("sweeping"))?;
        let jobs = tx
            .execute(
                "DELETE FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= ?1",
                [now.unix()],
            )
            .map_err(Error::db("deleting expired jobs"))?;
        let files = tx
            .prepare(
                "DELETE FROM files WHERE expires_at <= ?1 AND file_id NOT IN \
                 (SELECT file_id FROM jobs WHERE status IN ('queued', 'processing')) \
                 RETURNING file_id",
            )
            .and_then(|mut s| {
                s.query_map([now.unix()], |r| {
                    r.get::<_, String>(0).map(FileId::from_trusted)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(Error::db("deleting expired files"))?;
        tx.commit().map_err(Error::db("sweeping"))?;
        Ok((jobs, files))
    }

    /// Number of rows in `files` and `jobs`, whatever their state (for tests).
    pub fn counts(&self) -> Result<(u64, u64), Error> {
        self.conn()
            .query_row(
                "SELECT (SELECT COUNT(*) FROM files), (SELECT COUNT(*) FROM jobs)",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .map(|(f, j)| (u64::try_from(f).unwrap_or(0), u64::try_from(j).unwrap_or(0)))
            .map_err(Error::db("counting rows"))
    }
}

/// Creates `dir` (and its parents) if missing and makes it the owner's
/// only (0700), whatever the umask, also when it existed.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Creates (or truncates) a file readable and writable by its owner only
/// (0600), whatever the umask.
pub(crate) fn create_private(path: &Path) -> std::io::Result<fs::File> {
    let f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    fs::read_dir(dir)
        .and_then(|it| it.map(|e| e.map(|e| e.path())).collect())
        .map_err(|e| Error::io(format!("listing {}", dir.display()), e))
}

/// Fsyncs a folder so that renames in it survive power loss. Best effort:
/// some platforms cannot open folders for syncing.
fn sync_dir(dir: &Path) {
    if let Err(e) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(path = %dir.display(), error = %e, "folder fsync failed");
    }
}

/// Reads up to `n` first bytes of a file.
pub(crate) fn head(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    fs::File::open(path)?
        .take(u64::try_from(n).unwrap_or(u64::MAX))
        .read_to_end(&mut buf)?;
    Ok(buf)
}
