//! The shared job store on PostgreSQL: every node of a cluster (API nodes
//! and workers) uses the same database, and coordination is PostgreSQL's:
//! jobs are claimed with `FOR UPDATE SKIP LOCKED`, a claim holds a lease
//! its worker renews (heartbeats), each claim numbers an attempt, and a
//! result counts only with the latest attempt. Expired leases send the job
//! back to the queue; after [`MAX_ATTEMPTS`] the job fails.
//!
//! The schema comes from the versioned migrations in `crates/jobs/migrations/`,
//! applied at start under an advisory lock (several nodes may start at once).

use std::time::Duration;

use postgres::types::Type;
use postgres::{NoTls, Row};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use r2d2::{Pool, PooledConnection};

use crate::error::{Error, ErrorBody, ErrorCode};
use crate::ids::{FileId, JobId, RequestId, UserId};
use crate::models::{FileInfo, Job, JobStatus, Usage};
use crate::store::listen::{Change, Listener, OnChange};
use crate::store::pool::Connections;
use crate::store::{
    format_of, status_of, Claim, ContentStore, Failure, FileKind, FileRow, JobStore, KeySync,
    NewJob, Recovery, RunnableJob, StoredKey,
};
use crate::time::Timestamp;

/// The migrations, in order: (version, SQL). A database at a version this
/// build does not know is refused.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (2, include_str!("../../migrations/0002_claim_by_user.sql")),
];

/// Claims of a job before it fails: a job whose worker stopped this many
/// times (its lease expired) is not tried again.
pub(crate) const MAX_ATTEMPTS: i32 = 3;

/// Key of the advisory lock that serializes migrations between nodes.
const MIGRATION_LOCK: i64 = 0x6f63_726c_6f6f_6d01;

const JOB_COLUMNS: &str = "job_id, file_id, engine, status, progress, output_file_id, \
     error_code, error_message, error_request_id, created_at, updated_at, completed_at, \
     expires_at, input_pages";

const FILE_COLUMNS: &str =
    "file_id, user_id, filename, size, kind, content_type, created_at, updated_at, expires_at";

type Conn = PooledConnection<Connections>;

/// The channel of finished jobs: `NOTIFY` in the transaction that completes
/// or fails a job (payload: its id), so long polls on every node wake.
pub(crate) const JOB_CHANNEL: &str = "ocrloom_job";
/// The channel of queued work: `NOTIFY` when a job is queued (again), so
/// idle workers on every node look at once.
pub(crate) const QUEUE_CHANNEL: &str = "ocrloom_queue";

/// Whether a driver error means the database cannot be used now: no
/// connection, a lost one, a timeout, a server shutting down, or one that
/// refuses the credentials (SQLSTATE classes 08 and 28, 57P01..57P03).
/// Other errors are the database's answers.
pub(crate) fn is_unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(state) = e.code() {
        let code = state.code();
        return code.starts_with("08")
            || code.starts_with("28")
            || matches!(code, "57P01" | "57P02" | "57P03");
    }
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// Maps a driver error: [`Error::Unavailable`] when the database cannot be
/// used (see [`is_unreachable`]), else [`Error::Database`].
fn pg(context: &'static str) -> impl FnOnce(postgres::Error) -> Error {
    move |e| {
        if is_unreachable(&e) {
            Error::Unavailable {
                context,
                source: Box::new(e),
            }
        } else {
            Error::Database {
                context,
                source: Box::new(e),
            }
        }
    }
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn job_from_row(r: &Row) -> Result<Job, postgres::Error> {
    let status = status_of(r.try_get::<_, &str>(3)?);
    let error = match (status, r.try_get::<_, Option<String>>(6)?) {
        (JobStatus::Failed, code) => Some(ErrorBody {
            code: code
                .as_deref()
                .and_then(ErrorCode::parse)
                .unwrap_or(ErrorCode::Internal),
            message: r.try_get::<_, Option<String>>(7)?.unwrap_or_default(),
            request_id: RequestId::from_trusted(
                r.try_get::<_, Option<String>>(8)?.unwrap_or_default(),
            ),
        }),
        _ => None,
    };
    let output_file_id = match status {
        JobStatus::Completed => r.try_get::<_, Option<String>>(5)?.map(FileId::from_trusted),
        _ => None,
    };
    Ok(Job {
        job_id: JobId::from_trusted(r.try_get(0)?),
        file_id: FileId::from_trusted(r.try_get(1)?),
        engine: r.try_get(2)?,
        status,
        progress: u8::try_from(r.try_get::<_, i32>(4)?.clamp(0, 100)).unwrap_or(0),
        output_file_id,
        error,
        created_at: Timestamp::from_unix(r.try_get(9)?),
        updated_at: Timestamp::from_unix(r.try_get(10)?),
        completed_at: r.try_get::<_, Option<i64>>(11)?.map(Timestamp::from_unix),
        expires_at: r.try_get::<_, Option<i64>>(12)?.map(Timestamp::from_unix),
        usage: Usage {
            input_pages: u32::try_from(r.try_get::<_, i64>(13)?).unwrap_or(0),
        },
    })
}

fn file_from_row(r: &Row) -> Result<FileRow, postgres::Error> {
    Ok(FileRow {
        id: FileId::from_trusted(r.try_get(0)?),
        user: UserId::from_trusted(r.try_get(1)?),
        filename: r.try_get(2)?,
        size: u64::try_from(r.try_get::<_, i64>(3)?).unwrap_or(0),
        kind: FileKind::parse(r.try_get(4)?),
        content_type: r.try_get(5)?,
        created_at: Timestamp::from_unix(r.try_get(6)?),
        updated_at: Timestamp::from_unix(r.try_get(7)?),
        expires_at: Timestamp::from_unix(r.try_get(8)?),
    })
}

/// A pool of connections to the shared database.
pub(crate) struct PostgresJobStore {
    pool: Pool<Connections>,
    /// Bumped when the listener connects again: pooled connections are
    /// tested before their next use (`pool.rs`).
    epoch: Arc<AtomicU64>,
    /// How to connect, for the listener's own connection.
    config: postgres::Config,
    /// How long a claim lasts without a heartbeat.
    lease: Duration,
}

impl PostgresJobStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`),
    /// with at most `connections` connections, and migrates the schema. An
    /// unreachable database or refused credentials fail here, within
    /// `connect_timeout`, with the driver's reason.
    pub(crate) fn open(
        url: &str,
        connections: u32,
        lease: Duration,
        connect_timeout: Duration,
    ) -> Result<Self, Error> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            Error::InvalidRequest(format!("the database URL is not valid: {e}"))
        })?;
        config.connect_timeout(connect_timeout);
        // A peer that vanished without closing is noticed.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        // Try once up front: r2d2 would retry until its timeout and then
        // report only "timed out", hiding the reason (wrong password...).
        let first = config
            .connect(NoTls)
            .map_err(pg("connecting to the database"))?;
        drop(first);
        let epoch = Arc::new(AtomicU64::new(0));
        let manager = Connections::new(config.clone(), Arc::clone(&epoch));
        let pool = Pool::builder()
            .max_size(connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(connect_timeout)
            .build(manager)
            .map_err(|e| Error::Unavailable {
                context: "connecting to the database",
                source: Box::new(e),
            })?;
        let store = PostgresJobStore {
            pool,
            epoch,
            config,
            lease,
        };
        store.migrate()?;
        Ok(store)
    }

    fn conn(&self) -> Result<Conn, Error> {
        self.pool.get().map_err(|e| Error::Unavailable {
            context: "connecting to the database",
            source: Box::new(e),
        })
    }

    /// Applies the migrations this database has not seen, one transaction
    /// each, under an advisory lock.
    fn migrate(&self) -> Result<(), Error> {
        let mut c = self.conn()?;
        let mut tx = c.transaction().map_err(pg("migrating"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(pg("migrating"))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS ocrloom_migrations (
                 version    INTEGER PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .map_err(pg("migrating"))?;
        let current: i32 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM ocrloom_migrations",
                &[],
            )
            .and_then(|r| r.try_get(0))
            .map_err(pg("reading the schema version"))?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > known {
            return Err(Error::InvalidRequest(format!(
                "the database has schema version {current}, this build knows {known}"
            )));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tx.batch_execute(sql).map_err(pg("applying a migration"))?;
            tx.execute(
                "INSERT INTO ocrloom_migrations (version) VALUES ($1)",
                &[version],
            )
            .map_err(pg("applying a migration"))?;
            tracing::info!(version, "database migrated");
        }
        tx.commit().map_err(pg("migrating"))
    }

    fn lease_secs(&self) -> f64 {
        self.lease.as_secs_f64()
    }

    /// Sends processing jobs whose lease expired back to the queue, and
    /// fails those that used up their attempts. Safe on several nodes at
    /// once (each row is updated by one of them).
    fn requeue_expired(&self, c: &mut Conn, now: Timestamp) -> Result<(), Error> {
        let failed = c
            .query(
                "WITH failed AS (UPDATE jobs SET status = 'failed', error_code = 'internal', \
                 error_message = $2, error_request_id = job_id, lease_until = NULL, \
                 updated_at = $3, completed_at = $3, expires_at = $3::BIGINT + $4::BIGINT \
                 WHERE status = 'processing' AND attempt >= $1 \
                 AND lease_until < EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION \
                 RETURNING job_id) \
                 SELECT pg_notify($5, job_id)::TEXT FROM failed",
                &[
                    &MAX_ATTEMPTS,
                    &format!(
                        "the job's worker stopped {MAX_ATTEMPTS} times while converting it; \
                         it is not tried again"
                    ),
                    &now.unix(),
                    &i64::try_from(self.lease.as_secs()).unwrap_or(0).max(86_400),
                    &JOB_CHANNEL,
                ],
            )
            .map_err(pg("failing abandoned jobs"))?
            .len();
        let requeued = c
            .query(
                "WITH requeued AS (UPDATE jobs SET status = 'queued', lease_until = NULL \
                 WHERE status = 'processing' AND attempt < $1 \
                 AND lease_until < EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION \
                 RETURNING job_id) \
                 SELECT pg_notify($2, '')::TEXT FROM requeued LIMIT 1",
                &[&MAX_ATTEMPTS, &QUEUE_CHANNEL],
            )
            .map_err(pg("requeueing abandoned jobs"))?
            .len();
        if failed + requeued > 0 {
            tracing::warn!(
                requeued,
                failed,
                "jobs whose worker stopped (lease expired)"
            );
        }
        Ok(())
    }
}

impl JobStore for PostgresJobStore {
    fn insert_user(&self, id: &UserId, name: &str, now: Timestamp) -> Result<(), Error> {
        self.conn()?
            .execute(
                "INSERT INTO users (user_id, name, created_at) VALUES ($1, $2, $3)",
                &[&id.as_str(), &name, &now.unix()],
            )
            .map_err(pg("creating a user"))?;
        Ok(())
    }

    fn user_exists(&self, id: &UserId) -> Result<bool, Error> {
        self.conn()?
            .query_opt("SELECT 1 FROM users WHERE user_id = $1", &[&id.as_str()])
            .map(|r| r.is_some())
            .map_err(pg("reading a user"))
    }

    fn insert_key(
        &self,
        hash: &[u8; 32],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<UserId>, Error> {
        let mut c = self.conn()?;
        let inserted = c
            .execute(
                "INSERT INTO api_keys (key_hash, user_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key_hash) DO NOTHING",
                &[&&hash[..], &user.as_str(), &now.unix()],
            )
            .map_err(pg("storing an API key"))?;
        if inserted == 1 {
            return Ok(None);
        }
        c.query_opt(
            "SELECT user_id FROM api_keys WHERE key_hash = $1",
            &[&&hash[..]],
        )
        .and_then(|r| r.map(|r| r.try_get::<_, String>(0)).transpose())
        .map(|o| o.map(UserId::from_trusted))
        .map_err(pg("reading an API key"))
    }

    fn key(&self, hash: &[u8; 32]) -> Result<Option<(Vec<u8>, UserId)>, Error> {
        let row = self
            .conn()?
            .query_opt(
                "SELECT key_hash, user_id FROM api_keys WHERE key_hash = $1",
                &[&&hash[..]],
            )
            .map_err(pg("reading an API key"))?;
        row.map(|r| -> Result<_, postgres::Error> {
            Ok((r.try_get(0)?, UserId::from_trusted(r.try_get(1)?)))
        })
        .transpose()
        .map_err(pg("reading an API key"))
    }

    fn revoke_key(&self, hash: &[u8; 32]) -> Result<bool, Error> {
        self.conn()?
            .execute("DELETE FROM api_keys WHERE key_hash = $1", &[&&hash[..]])
            .map(|n| n > 0)
            .map_err(pg("revoking an API key"))
    }

    fn keys(&self) -> Result<Vec<StoredKey>, Error> {
        self.conn()?
            .query(
                "SELECT k.key_hash, k.user_id, u.name, k.created_at FROM api_keys k \
                 JOIN users u ON u.user_id = k.user_id ORDER BY k.created_at, k.seq",
                &[],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        Ok(StoredKey {
                            hash: r.try_get(0)?,
                            user: UserId::from_trusted(r.try_get(1)?),
                            name: r.try_get(2)?,
                            created_at: Timestamp::from_unix(r.try_get(3)?),
                        })
                    })
                    .collect()
            })
            .map_err(pg("listing API keys"))
    }

    fn user_named(&self, name: &str) -> Result<Option<UserId>, Error> {
        self.conn()?
            .query_opt(
                "SELECT user_id FROM users WHERE name = $1 ORDER BY created_at, seq LIMIT 1",
                &[&name],
            )
            .and_then(|r| r.map(|r| r.try_get::<_, String>(0)).transpose())
            .map(|o| o.map(UserId::from_trusted))
            .map_err(pg("reading a user"))
    }

    fn revoke_keys_of(&self, name: &str) -> Result<usize, Error> {
        self.conn()?
            .execute(
                "DELETE FROM api_keys WHERE user_id IN (SELECT user_id FROM users WHERE name = $1)",
                &[&name],
            )
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(pg("revoking API keys"))
    }

    fn sync_keys(
        &self,
        wanted: &[([u8; 32], &str)],
        now: Timestamp,
        new_id: &mut dyn FnMut() -> Result<UserId, Error>,
    ) -> Result<KeySync, Error> {
        let mut c = self.conn()?;
        let mut tx = c.transaction().map_err(pg("starting a key sync"))?;
        // One sync at a time across the cluster.
        tx.execute("LOCK TABLE api_keys IN EXCLUSIVE MODE", &[])
            .map_err(pg("starting a key sync"))?;
        let mut report = KeySync::default();
        for (index, (hash, name)) in wanted.iter().enumerate() {
            let owner: Option<String> = tx
                .query_opt(
                    "SELECT u.name FROM api_keys k JOIN users u ON u.user_id = k.user_id \
                     WHERE k.key_hash = $1",
                    &[&&hash[..]],
                )
                .and_then(|r| r.map(|r| r.try_get(0)).transpose())
                .map_err(pg("reading an API key"))?;
            match owner {
                Some(owner) if owner == *name => continue,
                Some(owner) => {
                    report.conflict = Some((index, owner));
                    return Ok(report);
                }
                None => {}
            }
            let user: Option<String> = tx
                .query_opt(
                    "SELECT user_id FROM users WHERE name = $1 ORDER BY created_at, seq LIMIT 1",
                    &[name],
                )
                .and_then(|r| r.map(|r| r.try_get(0)).transpose())
                .map_err(pg("reading a user"))?;
            let user = match user {
                Some(u) => u,
                None => {
                    let id = new_id()?;
                    tx.execute(
                        "INSERT INTO users (user_id, name, created_at) VALUES ($1, $2, $3)",
                        &[&id.as_str(), name, &now.unix()],
                    )
                    .map_err(pg("creating a user"))?;
                    report.users_created += 1;
                    id.as_str().to_owned()
                }
            };
            tx.execute(
                "INSERT INTO api_keys (key_hash, user_id, created_at) VALUES ($1, $2, $3)",
                &[&&hash[..], &user, &now.unix()],
            )
            .map_err(pg("storing an API key"))?;
            report.keys_added += 1;
        }
        let keep: Vec<&[u8]> = wanted.iter().map(|(h, _)| &h[..]).collect();
        let revoked = tx
            .execute(
                "DELETE FROM api_keys WHERE NOT (key_hash = ANY($1))",
                &[&keep],
            )
            .map_err(pg("revoking API keys"))?;
        report.keys_revoked = usize::try_from(revoked).unwrap_or(usize::MAX);
        tx.commit().map_err(pg("committing a key sync"))?;
        Ok(report)
    }

    fn insert_file(&self, f: &FileRow) -> Result<(), Error> {
        self.conn()?
            .execute(
                &format!(
                    "INSERT INTO files ({FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ),
                &[
                    &f.id.as_str(),
                    &f.user.as_str(),
                    &f.filename,
                    &i64_of(f.size),
                    &f.kind.as_str(),
                    &f.content_type,
                    &f.created_at.unix(),
                    &f.updated_at.unix(),
                    &f.expires_at.unix(),
                ],
            )
            .map_err(pg("storing a file"))?;
        Ok(())
    }

    fn file(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<FileRow>, Error> {
        self.conn()?
            .query_opt(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM files \
                     WHERE file_id = $1 AND user_id = $2 AND expires_at > $3"
                ),
                &[&id, &user.as_str(), &now.unix()],
            )
            .and_then(|r| r.as_ref().map(file_from_row).transpose())
            .map_err(pg("reading a file"))
    }

    fn files(&self, user: &UserId, now: Timestamp) -> Result<Vec<FileInfo>, Error> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM files WHERE user_id = $1 AND expires_at > $2 \
                     ORDER BY seq DESC"
                ),
                &[&user.as_str(), &now.unix()],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| file_from_row(r).map(|f| f.info()))
                    .collect()
            })
            .map_err(pg("listing files"))
    }

    fn stored_bytes(
        &self,
        user: &UserId,
        now: Timestamp,
    ) -> Result<(u64, Option<Timestamp>), Error> {
        self.conn()?
            .query_one(
                "SELECT COALESCE(SUM(size), 0)::BIGINT, MIN(expires_at) FROM files \
                 WHERE user_id = $1 AND expires_at > $2",
                &[&user.as_str(), &now.unix()],
            )
            .and_then(|r| {
                Ok((
                    u64::try_from(r.try_get::<_, i64>(0)?).unwrap_or(0),
                    r.try_get::<_, Option<i64>>(1)?.map(Timestamp::from_unix),
                ))
            })
            .map_err(pg("summing stored bytes"))
    }

    fn file_has_jobs(&self, file: &FileId) -> Result<bool, Error> {
        self.conn()?
            .query_opt(
                "SELECT 1 FROM jobs WHERE file_id = $1 LIMIT 1",
                &[&file.as_str()],
            )
            .map(|r| r.is_some())
            .map_err(pg("reading a file's jobs"))
    }

    fn set_file_size(
        &self,
        id: &FileId,
        size: u64,
        content_type: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.conn()?
            .execute(
                "UPDATE files SET size = $2, content_type = $3, updated_at = $4 WHERE file_id = $1",
                &[&id.as_str(), &i64_of(size), &content_type, &now.unix()],
            )
            .map_err(pg("updating a file"))?;
        Ok(())
    }

    fn insert_job(&self, j: &NewJob) -> Result<(), Error> {
        let languages = serde_json::to_string(&j.languages).unwrap_or_else(|_| "[]".to_owned());
        self.conn()?
            .execute(
                "WITH queued AS (INSERT INTO jobs (job_id, user_id, file_id, engine, \
                 output_format, languages, input_format, status, progress, input_pages, \
                 created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, 0, $8, $8) RETURNING 1) \
                 SELECT pg_notify($9, '')::TEXT FROM queued",
                &[
                    &j.id.as_str(),
                    &j.user.as_str(),
                    &j.file_id.as_str(),
                    &j.engine,
                    &j.output_format,
                    &languages,
                    &j.input_format.name(),
                    &j.now.unix(),
                    &QUEUE_CHANNEL,
                ],
            )
            .map_err(pg("storing a job"))?;
        Ok(())
    }

    fn job(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<Job>, Error> {
        self.conn()?
            .query_opt(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE job_id = $1 AND user_id = $2 \
                     AND (expires_at IS NULL OR expires_at > $3)"
                ),
                &[&id, &user.as_str(), &now.unix()],
            )
            .and_then(|r| r.as_ref().map(job_from_row).transpose())
            .map_err(pg("reading a job"))
    }

    fn jobs(&self, user: &UserId, now: Timestamp) -> Result<Vec<Job>, Error> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE user_id = $1 \
                     AND (expires_at IS NULL OR expires_at > $2) ORDER BY seq DESC"
                ),
                &[&user.as_str(), &now.unix()],
            )
            .and_then(|rows| rows.iter().map(job_from_row).collect())
            .map_err(pg("listing jobs"))
    }

    fn queued_jobs(&self, user: &UserId) -> Result<usize, Error> {
        self.conn()?
            .query_one(
                "SELECT COUNT(*) FROM jobs WHERE user_id = $1 AND status = 'queued'",
                &[&user.as_str()],
            )
            .and_then(|r| r.try_get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(pg("counting queued jobs"))
    }

    fn claim(&self, now: Timestamp) -> Result<Option<Claim>, Error> {
        let mut c = self.conn()?;
        // One statement, so one round trip and its own transaction: the
        // oldest job of the user served longest ago (rows other claimers
        // hold are skipped, not waited for) becomes this worker's, and the
        // user's turn moves to the back. The users with queued jobs come
        // from a skip scan of `jobs_queued_by_user` (one index probe per
        // user, not a sort of every queued job); the nested loop takes them
        // in turn order and stops at the first with a job it can lock.
        let row = c
            .query_typed_opt(
                "WITH RECURSIVE queued_users AS ( \
                     (SELECT user_id FROM jobs WHERE status = 'queued' ORDER BY user_id LIMIT 1) \
                     UNION ALL \
                     SELECT (SELECT j.user_id FROM jobs j \
                             WHERE j.status = 'queued' AND j.user_id > q.user_id \
                             ORDER BY j.user_id LIMIT 1) \
                     FROM queued_users q WHERE q.user_id IS NOT NULL), \
                 turns AS ( \
                     SELECT q.user_id, COALESCE(t.last_turn, 0) AS turn FROM queued_users q \
                     LEFT JOIN user_turns t ON t.user_id = q.user_id \
                     WHERE q.user_id IS NOT NULL ORDER BY 2, 1), \
                 next AS ( \
                     SELECT j.seq FROM turns u CROSS JOIN LATERAL ( \
                         SELECT seq FROM jobs \
                         WHERE jobs.user_id = u.user_id AND jobs.status = 'queued' \
                         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) j \
                     LIMIT 1), \
                 claimed AS ( \
                     UPDATE jobs SET status = 'processing', attempt = attempt + 1, updated_at = $1, \
                         lease_until = EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION \
                             + $2::DOUBLE PRECISION \
                     FROM next WHERE jobs.seq = next.seq \
                     RETURNING jobs.job_id, jobs.attempt, jobs.user_id, jobs.file_id, \
                         jobs.engine, jobs.output_format, jobs.languages, jobs.input_format), \
                 turn AS ( \
                     INSERT INTO user_turns (user_id, last_turn) \
                     SELECT user_id, nextval('turns') FROM claimed \
                     ON CONFLICT (user_id) DO UPDATE SET last_turn = EXCLUDED.last_turn) \
                 SELECT c.job_id, c.attempt, c.user_id, c.file_id, c.engine, c.output_format, \
                     c.languages, c.input_format, \
                     (SELECT f.filename FROM files f WHERE f.file_id = c.file_id) \
                 FROM claimed c",
                &[
                    (&now.unix(), Type::INT8),
                    (&self.lease_secs(), Type::FLOAT8),
                ],
            )
            .map_err(pg("claiming a job"))?;
        let Some(r) = row else {
            // Idle: look after the jobs whose worker stopped.
            self.requeue_expired(&mut c, now)?;
            return Ok(None);
        };
        (|| -> Result<Claim, postgres::Error> {
            let user: String = r.try_get(2)?;
            let format: String = r.try_get(7)?;
            Ok(Claim {
                id: JobId::from_trusted(r.try_get(0)?),
                attempt: u32::try_from(r.try_get::<_, i32>(1)?).unwrap_or(0),
                job: RunnableJob {
                    user: UserId::from_trusted(user),
                    file_id: FileId::from_trusted(r.try_get(3)?),
                    engine: r.try_get(4)?,
                    output_format: r.try_get(5)?,
                    languages: serde_json::from_str(r.try_get(6)?).unwrap_or_default(),
                    input_format: format_of(&format).unwrap_or(ocrloom_detect::Format::Pdf),
                    input_filename: r.try_get(8)?,
                },
            })
        })()
        .map(Some)
        .map_err(pg("claiming a job"))
    }

    fn heartbeat(&self, claims: &[(JobId, u32)]) -> Result<(), Error> {
        if claims.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = claims.iter().map(|(id, _)| id.as_str()).collect();
        let attempts: Vec<i32> = claims
            .iter()
            .map(|(_, a)| i32::try_from(*a).unwrap_or(i32::MAX))
            .collect();
        self.conn()?
            .execute(
                "UPDATE jobs SET lease_until = EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION + $3::DOUBLE PRECISION \
                 FROM unnest($1::TEXT[], $2::INTEGER[]) AS c(job_id, attempt) \
                 WHERE jobs.job_id = c.job_id AND jobs.attempt = c.attempt \
                 AND jobs.status = 'processing'",
                &[&ids, &attempts, &self.lease_secs()],
            )
            .map_err(pg("renewing leases"))?;
        Ok(())
    }

    fn set_progress(
        &self,
        claim: &Claim,
        progress: u8,
        pages: u32,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.conn()?
            .execute_typed(
                "UPDATE jobs SET progress = GREATEST(progress, $3), input_pages = $4, \
                 updated_at = $5 WHERE job_id = $1 AND attempt = $2 AND status = 'processing'",
                &[
                    (&claim.id.as_str(), Type::TEXT),
                    (&attempt_of(claim), Type::INT4),
                    (&i32::from(progress), Type::INT4),
                    (&i64::from(pages), Type::INT8),
                    (&now.unix(), Type::INT8),
                ],
            )
            .map_err(pg("recording progress"))?;
        Ok(())
    }

    fn requeue(&self, claim: &Claim, now: Timestamp) -> Result<(), Error> {
        // A graceful stop does not use up an attempt.
        self.conn()?
            .execute(
                "WITH requeued AS (UPDATE jobs SET status = 'queued', attempt = attempt - 1, \
                 lease_until = NULL, updated_at = $3 \
                 WHERE job_id = $1 AND attempt = $2 AND status = 'processing' RETURNING 1) \
                 SELECT pg_notify($4, '')::TEXT FROM requeued",
                &[
                    &claim.id.as_str(),
                    &attempt_of(claim),
                    &now.unix(),
                    &QUEUE_CHANNEL,
                ],
            )
            .map_err(pg("requeueing a job"))?;
        Ok(())
    }

    fn complete(
        &self,
        claim: &Claim,
        output: &FileRow,
        pages: u32,
        now: Timestamp,
    ) -> Result<bool, Error> {
        // One statement: the job completes, its output file is recorded and
        // every node hears of it, all or nothing, only if the claim is
        // still the job's.
        let done = self
            .conn()?
            .query_typed(
                &format!(
                    "WITH done AS (UPDATE jobs SET status = 'completed', progress = 100, \
                         input_pages = $4, output_file_id = $3, updated_at = $5, \
                         completed_at = $5, expires_at = $6, lease_until = NULL \
                         WHERE job_id = $1 AND attempt = $2 AND status = 'processing' \
                         RETURNING job_id), \
                     output AS (INSERT INTO files ({FILE_COLUMNS}) \
                         SELECT $3::TEXT, $7::TEXT, $8::TEXT, $9::BIGINT, $13::TEXT, $10::TEXT, \
                             $11::BIGINT, $14::BIGINT, $6::BIGINT FROM done) \
                     SELECT pg_notify($12, job_id)::TEXT FROM done"
                ),
                &[
                    (&claim.id.as_str(), Type::TEXT),
                    (&attempt_of(claim), Type::INT4),
                    (&output.id.as_str(), Type::TEXT),
                    (&i64::from(pages), Type::INT8),
                    (&now.unix(), Type::INT8),
                    (&output.expires_at.unix(), Type::INT8),
                    (&output.user.as_str(), Type::TEXT),
                    (&output.filename, Type::TEXT),
                    (&i64_of(output.size), Type::INT8),
                    (&output.content_type, Type::TEXT),
                    (&output.created_at.unix(), Type::INT8),
                    (&JOB_CHANNEL, Type::TEXT),
                    (&output.kind.as_str(), Type::TEXT),
                    (&output.updated_at.unix(), Type::INT8),
                ],
            )
            .map_err(pg("completing a job"))?;
        Ok(!done.is_empty())
    }

    fn fail(
        &self,
        claim: &Claim,
        failure: &Failure,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, Error> {
        self.conn()?
            .query(
                "WITH failed AS (UPDATE jobs SET status = 'failed', error_code = $3, \
                 error_message = $4, error_request_id = $5, \
                 input_pages = COALESCE($6, input_pages), updated_at = $7, completed_at = $7, \
                 expires_at = $8, lease_until = NULL \
                 WHERE job_id = $1 AND attempt = $2 AND status = 'processing' \
                 RETURNING job_id) \
                 SELECT pg_notify($9, job_id)::TEXT FROM failed",
                &[
                    &claim.id.as_str(),
                    &attempt_of(claim),
                    &failure.code.as_str(),
                    &failure.message,
                    &failure.request_id.as_str(),
                    &failure.pages.map(i64::from),
                    &now.unix(),
                    &expires_at.unix(),
                    &JOB_CHANNEL,
                ],
            )
            .map(|rows| !rows.is_empty())
            .map_err(pg("failing a job"))
    }

    fn unknown_files(&self, ids: &[String]) -> Result<Vec<String>, Error> {
        self.conn()?
            .query(
                "SELECT id FROM unnest($1::text[]) AS id \
                 WHERE NOT EXISTS (SELECT 1 FROM files WHERE file_id = id)",
                &[&ids],
            )
            .and_then(|rows| rows.iter().map(|r| r.try_get::<_, String>(0)).collect())
            .map_err(pg("looking up files"))
    }

    fn sweep(&self, now: Timestamp) -> Result<(usize, Vec<FileId>), Error> {
        let mut c = self.conn()?;
        self.requeue_expired(&mut c, now)?;
        // Each row is deleted by one sweeper: a concurrent sweep waits for
        // the row locks and then finds the rows gone.
        let mut tx = c.transaction().map_err(pg("sweeping"))?;
        let jobs = tx
            .execute(
                "DELETE FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= $1",
                &[&now.unix()],
            )
            .map_err(pg("deleting expired jobs"))?;
        let files = tx
            .query(
                "DELETE FROM files WHERE expires_at <= $1 AND file_id NOT IN \
                 (SELECT file_id FROM jobs WHERE status IN ('queued', 'processing')) \
                 RETURNING file_id",
                &[&now.unix()],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| r.try_get::<_, String>(0).map(FileId::from_trusted))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(pg("deleting expired files"))?;
        tx.commit().map_err(pg("sweeping"))?;
        Ok((usize::try_from(jobs).unwrap_or(usize::MAX), files))
    }

    fn counts(&self) -> Result<(u64, u64), Error> {
        self.conn()?
            .query_one(
                "SELECT (SELECT COUNT(*) FROM files), (SELECT COUNT(*) FROM jobs)",
                &[],
            )
            .and_then(|r| Ok((r.try_get::<_, i64>(0)?, r.try_get::<_, i64>(1)?)))
            .map(|(f, j)| (u64::try_from(f).unwrap_or(0), u64::try_from(j).unwrap_or(0)))
            .map_err(pg("counting rows"))
    }

    fn listen(&self, on_change: OnChange) -> Result<Option<Listener>, Error> {
        let epoch = Arc::clone(&self.epoch);
        Listener::start(
            self.config.clone(),
            Box::new(move |change| {
                // Pooled connections may have gone with the listener's:
                // test them before their next use.
                if change == Change::Missed {
                    epoch.fetch_add(1, Ordering::SeqCst);
                }
                on_change(change);
            }),
        )
        .map(Some)
    }

    fn recover(&self, _contents: &dyn ContentStore) -> Result<Recovery, Error> {
        // Other nodes may be running jobs and writing contents right now:
        // nothing is requeued or deleted at start; leases take care of
        // stopped workers.
        let pending = self
            .conn()?
            .query_one("SELECT COUNT(*) FROM jobs WHERE status = 'queued'", &[])
            .and_then(|r| r.try_get::<_, i64>(0))
            .map_err(pg("counting queued jobs"))?;
        Ok(Recovery {
            pending: usize::try_from(pending).unwrap_or(0),
            ..Recovery::default()
        })
    }
}

fn attempt_of(claim: &Claim) -> i32 {
    i32::try_from(claim.attempt).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    //! Leases, attempts and start-up errors, on a throwaway PostgreSQL
    //! server; run when the suite runs against PostgreSQL
    //! (`OCRLOOM_TEST_BACKEND=postgres`, as `scripts/test.sh` does).

    use super::*;
    use crate::time::Timestamp;
    use ocrloom_detect::Format;
    use std::time::Instant;

    use ocrloom_test_support::pg;

    const T: Timestamp = Timestamp::from_unix(1_776_058_324);

    fn on_postgres() -> bool {
        std::env::var("OCRLOOM_TEST_BACKEND").as_deref() == Ok("postgres")
    }

    fn store(lease: Duration) -> PostgresJobStore {
        PostgresJobStore::open(&pg::fresh_database(), 4, lease, Duration::from_secs(10))
            .expect("store opens")
    }

    fn queue_one(s: &PostgresJobStore, user: &str, n: usize) {
        s.insert_job(&NewJob {
            id: JobId::from_trusted(format!("{user}{n}")),
            user: UserId::from_trusted(user.to_owned()),
            file_id: FileId::from_trusted("f".into()),
            engine: "fake/ocr".into(),
            output_format: "txt".into(),
            languages: vec![],
            input_format: Format::Png,
            now: T,
        })
        .expect("job");
    }

    fn expire_leases(s: &PostgresJobStore) {
        s.conn()
            .expect("conn")
            .execute(
                "UPDATE jobs SET lease_until = 0 WHERE status = 'processing'",
                &[],
            )
            .expect("expire");
    }

    fn output(claim: &Claim, n: usize) -> FileRow {
        FileRow {
            id: FileId::from_trusted(format!("out{n}")),
            user: claim.job.user.clone(),
            filename: "x.txt".into(),
            size: 1,
            kind: FileKind::Output,
            content_type: "text/plain".into(),
            created_at: T,
            updated_at: T,
            expires_at: T.plus(Duration::from_secs(3600)),
        }
    }

    #[test]
    fn a_stale_attempt_never_overwrites_the_newer_one() {
        if !on_postgres() {
            return;
        }
        let s = store(Duration::from_secs(30));
        queue_one(&s, "a", 0);
        let first = s.claim(T).expect("claim").expect("a job");
        assert_eq!(first.attempt, 1);
        // Not expired: nothing to take.
        assert!(s.claim(T).expect("claim").is_none());
        expire_leases(&s);
        // The idle claim requeues it; the next one takes attempt 2.
        assert!(s.claim(T).expect("claim").is_none());
        let second = s.claim(T).expect("claim").expect("requeued");
        assert_eq!((second.id.as_str(), second.attempt), ("a0", 2));
        assert!(!s
            .complete(&first, &output(&first, 1), 1, T)
            .expect("complete"));
        let failure = Failure {
            code: ErrorCode::Internal,
            message: "late".into(),
            request_id: RequestId::from_trusted("r".into()),
            pages: None,
        };
        assert!(!s.fail(&first, &failure, T, T).expect("fail"));
        assert!(s
            .complete(&second, &output(&second, 2), 1, T)
            .expect("complete"));
        let user = UserId::from_trusted("a".into());
        let job = s.job(&user, "a0", T).expect("read").expect("job");
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(
            job.output_file_id.map(|f| f.to_string()),
            Some("out2".into())
        );
        // Only the newer attempt's output was recorded.
        assert_eq!(s.counts().expect("counts"), (1, 1));
    }

    #[test]
    fn a_job_whose_worker_stops_three_times_fails_clearly() {
        if !on_postgres() {
            return;
        }
        let s = store(Duration::from_secs(30));
        queue_one(&s, "a", 0);
        for attempt in 1..=3 {
            let c = s.claim(T).expect("claim").expect("a job");
            assert_eq!(c.attempt, attempt);
            expire_leases(&s);
            assert!(s.claim(T).expect("claim").is_none());
        }
        let user = UserId::from_trusted("a".into());
        let job = s.job(&user, "a0", T).expect("read").expect("job");
        assert_eq!(job.status, JobStatus::Failed);
        let error = job.error.expect("an error");
        assert!(
            error.message.contains("stopped 3 times"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_graceful_requeue_gives_the_attempt_back_and_heartbeats_keep_the_lease() {
        if !on_postgres() {
            return;
        }
        let s = store(Duration::from_secs(2));
        queue_one(&s, "a", 0);
        let c = s.claim(T).expect("claim").expect("a job");
        // Heartbeats keep the claim past its first lease.
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(700));
            s.heartbeat(&[(c.id.clone(), c.attempt)]).expect("beat");
            assert!(
                s.claim(T).expect("claim").is_none(),
                "taken despite heartbeats"
            );
        }
        s.requeue(&c, T).expect("requeue");
        let again = s.claim(T).expect("claim").expect("requeued");
        assert_eq!(again.attempt, 1);
    }

    #[test]
    fn users_take_turns_across_claimers() {
        if !on_postgres() {
            return;
        }
        let s = store(Duration::from_secs(30));
        for n in 0..30 {
            queue_one(&s, "a", n);
        }
        for n in 0..5 {
            queue_one(&s, "b", n);
        }
        let order: Vec<String> = std::iter::from_fn(|| s.claim(T).expect("claim"))
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(order.len(), 35);
        let last_b = order.iter().position(|id| id == "b4").expect("b4");
        let a15 = order.iter().position(|id| id == "a14").expect("a14");
        assert!(last_b < a15, "{order:?}");
    }

    #[test]
    fn bad_configuration_fails_at_start_with_the_reason() {
        if !on_postgres() {
            return;
        }
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let started = Instant::now();
        let e = PostgresJobStore::open(
            &format!("postgres://postgres@127.0.0.1:{closed}/x"),
            2,
            Duration::from_secs(30),
            Duration::from_secs(3),
        )
        .err()
        .expect("refused");
        assert!(started.elapsed() < Duration::from_secs(10));
        let chain = format!("{e}: {:?}", std::error::Error::source(&e));
        assert!(chain.contains("connecting to the database"), "{chain}");
        let url = pg::fresh_database();
        let missing = format!("{}_missing", url);
        let e =
            PostgresJobStore::open(&missing, 2, Duration::from_secs(30), Duration::from_secs(3))
                .err()
                .expect("refused");
        let chain = format!("{:?}", std::error::Error::source(&e));
        assert!(chain.contains("does not exist"), "{chain}");
        assert!(PostgresJobStore::open(
            "mysql://x",
            2,
            Duration::from_secs(30),
            Duration::from_secs(3)
        )
        .is_err());
    }
}
