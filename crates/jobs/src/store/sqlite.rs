//! The embedded job store: metadata in SQLite, one database file in the
//! data folder (`<data>/ocrloom.sqlite3`, WAL mode), or in memory.
//!
//! The database is the truth: at start a content without a row is deleted,
//! a row without content is deleted too, and a chunked upload's content
//! longer than its row's size (a crash between append and commit) is
//! truncated. The queue of jobs to run is kept in memory, filled from the
//! database at start: one process owns a data folder's jobs.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::durability::Durability;
use crate::error::{Error, ErrorBody, ErrorCode};
use crate::ids::{FileId, JobId, RequestId, UserId};
use crate::models::{FileInfo, Job, JobStatus, Usage};
use crate::queue::FairQueue;
use crate::store::folder::private_dir;
use crate::store::{
    format_of, status_of, Claim, ContentStore, Failure, FileKind, FileRow, JobStore, KeySync,
    NewJob, Recovery, RunnableJob, StoredKey,
};
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

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
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

fn file_from_row(r: &Row<'_>) -> rusqlite::Result<FileRow> {
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

/// The metadata database, and the queue of jobs to run.
pub(crate) struct SqliteJobStore {
    conn: Mutex<Connection>,
    /// Jobs waiting for a worker, users in turn.
    queue: Mutex<FairQueue>,
}

impl SqliteJobStore {
    /// Opens (creating if needed) the database in the folder `dir`, or one
    /// in memory when `dir` is `None`.
    pub(crate) fn open(dir: Option<&Path>, durability: Durability) -> Result<Self, Error> {
        let conn = match dir {
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
                Connection::open(&db).map_err(Error::db("opening the database"))?
            }
            None => Connection::open_in_memory().map_err(Error::db("opening the database"))?,
        };
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
        Ok(SqliteJobStore {
            conn: Mutex::new(conn),
            queue: Mutex::new(FairQueue::default()),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn queue(&self) -> MutexGuard<'_, FairQueue> {
        // Plain collections updated in single steps: usable after a panic.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What a worker needs to run job `id` (whatever its owner or expiry),
    /// if it is still to run.
    fn runnable(&self, id: &JobId) -> Result<Option<RunnableJob>, Error> {
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
        let status = status_of(&status);
        let Some(input_format) = format_of(&format) else {
            return Ok(None);
        };
        if status != JobStatus::Queued && status != JobStatus::Processing {
            return Ok(None);
        }
        Ok(Some(RunnableJob {
            user: UserId::from_trusted(user),
            file_id: FileId::from_trusted(file_id),
            engine,
            output_format,
            languages: serde_json::from_str(&languages).unwrap_or_default(),
            input_format,
            input_filename: filename,
        }))
    }
}

impl JobStore for SqliteJobStore {
    fn recover(&self, contents: &dyn ContentStore) -> Result<Recovery, Error> {
        let mut rec = Recovery::default();
        contents.clear_scratch()?;
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
        let stored = contents.list()?;
        for s in &stored {
            if !known.contains(s.id.as_str()) {
                tracing::info!(file_id = %s.id, "removing content without a row");
                contents.delete(&FileId::from_trusted(s.id.clone()));
                rec.orphan_contents += 1;
            }
        }
        let lengths: std::collections::HashMap<&str, u64> =
            stored.iter().map(|s| (s.id.as_str(), s.size)).collect();
        for (id, size, kind) in &rows {
            let file = FileId::from_trusted(id.clone());
            let size = u64::try_from(*size).unwrap_or(0);
            let keep = match lengths.get(id.as_str()) {
                Some(&len) if len == size => true,
                // A chunk written but not committed: the row's size is the truth.
                Some(&len) if len > size && FileKind::parse(kind) == FileKind::Chunked => {
                    contents.truncate(&file, size)?;
                    true
                }
                _ => false,
            };
            if !keep {
                tracing::warn!(file_id = %id, "removing a file whose content is missing or damaged");
                tx.execute("DELETE FROM files WHERE file_id = ?1", [id])
                    .map_err(Error::db("removing a file row"))?;
                contents.delete(&file);
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
        let pending: Vec<(UserId, JobId)> = tx
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
        rec.pending = pending.len();
        let mut queue = self.queue();
        for (user, job) in pending {
            queue.push(&user, job);
        }
        Ok(rec)
    }

    // ---- users -----------------------------------------------------------

    fn insert_user(&self, id: &UserId, name: &str, now: Timestamp) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO users (user_id, name, created_at) VALUES (?1, ?2, ?3)",
                params![id.as_str(), name, now.unix()],
            )
            .map_err(Error::db("creating a user"))?;
        Ok(())
    }

    fn user_exists(&self, id: &UserId) -> Result<bool, Error> {
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
    fn insert_key(
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
    fn key(&self, hash: &[u8; 32]) -> Result<Option<(Vec<u8>, UserId)>, Error> {
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

    fn revoke_key(&self, hash: &[u8; 32]) -> Result<bool, Error> {
        self.conn()
            .execute("DELETE FROM api_keys WHERE key_hash = ?1", [&hash[..]])
            .map(|n| n > 0)
            .map_err(Error::db("revoking an API key"))
    }

    /// Every key with its user, oldest first.
    fn keys(&self) -> Result<Vec<StoredKey>, Error> {
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
    fn user_named(&self, name: &str) -> Result<Option<UserId>, Error> {
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
    fn revoke_keys_of(&self, name: &str) -> Result<usize, Error> {
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
    fn sync_keys(
        &self,
        wanted: &[([u8; 32], &str)],
        now: Timestamp,
        new_id: &mut dyn FnMut() -> Result<UserId, Error>,
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

    fn insert_file(&self, f: &FileRow) -> Result<(), Error> {
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
    fn file(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<FileRow>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {FILE_COLUMNS} FROM files \
                 WHERE file_id = ?1 AND user_id = ?2 AND expires_at > ?3"
            ))
            .and_then(|mut s| {
                s.query_row(params![id, user.as_str(), now.unix()], file_from_row)
                    .optional()
            })
            .map_err(Error::db("reading a file"))
    }

    /// The user's live files, newest first.
    /// Bytes of the user's files that have not expired, and when the first
    /// of them expires.
    fn stored_bytes(
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
    fn file_has_jobs(&self, file: &FileId) -> Result<bool, Error> {
        self.conn()
            .prepare_cached("SELECT 1 FROM jobs WHERE file_id = ?1 LIMIT 1")
            .and_then(|mut s| s.query_row([file.as_str()], |_| Ok(())).optional())
            .map(|r| r.is_some())
            .map_err(Error::db("reading a file's jobs"))
    }

    fn files(&self, user: &UserId, now: Timestamp) -> Result<Vec<FileInfo>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {FILE_COLUMNS} FROM files WHERE user_id = ?1 AND expires_at > ?2 \
                 ORDER BY seq DESC"
            ))
            .and_then(|mut s| {
                s.query_map(params![user.as_str(), now.unix()], |r| {
                    file_from_row(r).map(|f| f.info())
                })?
                .collect()
            })
            .map_err(Error::db("listing files"))
    }

    fn set_file_size(
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

    fn insert_job(&self, j: &NewJob) -> Result<(), Error> {
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
        self.queue().push(&j.user, j.id.clone());
        Ok(())
    }

    /// The user's job `id`, if it exists and has not expired.
    fn job(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<Job>, Error> {
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
    fn jobs(&self, user: &UserId, now: Timestamp) -> Result<Vec<Job>, Error> {
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

    fn queued_jobs(&self, user: &UserId) -> Result<usize, Error> {
        Ok(self.queue().queued(user))
    }

    fn claim(&self, now: Timestamp) -> Result<Option<Claim>, Error> {
        loop {
            let Some(id) = self.queue().pop() else {
                return Ok(None);
            };
            // Gone (expired) or already finished: take the next one.
            let Some(job) = self.runnable(&id)? else {
                continue;
            };
            self.conn()
                .execute(
                    "UPDATE jobs SET status = 'processing', updated_at = ?2 WHERE job_id = ?1",
                    params![id.as_str(), now.unix()],
                )
                .map_err(Error::db("starting a job"))?;
            // One process owns the jobs: a claim is never taken from it.
            return Ok(Some(Claim {
                id,
                attempt: 1,
                job,
            }));
        }
    }

    /// Raises progress (never lowers it) and records the page count.
    fn heartbeat(&self, _claims: &[(JobId, u32)]) -> Result<(), Error> {
        Ok(())
    }

    fn set_progress(
        &self,
        claim: &Claim,
        progress: u8,
        pages: u32,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.conn()
            .prepare_cached(
                "UPDATE jobs SET progress = MAX(progress, ?2), input_pages = ?3, updated_at = ?4 \
                 WHERE job_id = ?1 AND status = 'processing'",
            )
            .and_then(|mut s| s.execute(params![claim.id.as_str(), progress, pages, now.unix()]))
            .map_err(Error::db("recording progress"))?;
        Ok(())
    }

    fn requeue(&self, claim: &Claim, now: Timestamp) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE jobs SET status = 'queued', updated_at = ?2 \
                 WHERE job_id = ?1 AND status = 'processing'",
                params![claim.id.as_str(), now.unix()],
            )
            .map_err(Error::db("requeueing a job"))?;
        self.queue().push(&claim.job.user, claim.id.clone());
        Ok(())
    }

    /// Records the output file and completes the job, in one transaction.
    fn complete(
        &self,
        claim: &Claim,
        output: &FileRow,
        pages: u32,
        now: Timestamp,
    ) -> Result<bool, Error> {
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
                claim.id.as_str(),
                output.id.as_str(),
                pages,
                now.unix(),
                output.expires_at.unix()
            ],
        )
        .map_err(Error::db("completing a job"))?;
        tx.commit().map_err(Error::db("completing a job"))?;
        Ok(true)
    }

    fn fail(
        &self,
        claim: &Claim,
        failure: &Failure,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, Error> {
        self.conn()
            .execute(
                "UPDATE jobs SET status = 'failed', error_code = ?2, error_message = ?3, \
                 error_request_id = ?4, input_pages = COALESCE(?5, input_pages), \
                 updated_at = ?6, completed_at = ?6, expires_at = ?7 WHERE job_id = ?1",
                params![
                    claim.id.as_str(),
                    failure.code.as_str(),
                    failure.message,
                    failure.request_id.as_str(),
                    failure.pages,
                    now.unix(),
                    expires_at.unix()
                ],
            )
            .map_err(Error::db("failing a job"))?;
        Ok(true)
    }

    /// Deletes expired jobs and files (except inputs of jobs still to run)
    /// and returns the files whose contents are to be removed.
    fn unknown_files(&self, ids: &[String]) -> Result<Vec<String>, Error> {
        let conn = self.conn();
        let mut known = conn
            .prepare_cached("SELECT 1 FROM files WHERE file_id = ?1")
            .map_err(Error::db("looking up files"))?;
        let mut out = Vec::new();
        for id in ids {
            if !known.exists([id]).map_err(Error::db("looking up files"))? {
                out.push(id.clone());
            }
        }
        Ok(out)
    }

    fn sweep(&self, now: Timestamp) -> Result<(usize, Vec<FileId>), Error> {
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
    fn counts(&self) -> Result<(u64, u64), Error> {
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
