//! Both stores in memory, for unit tests of the seam: the manager's
//! contract with its stores, without SQLite or a folder.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use crate::error::{Error, ErrorBody};
use crate::ids::{random_chars, FileId, JobId, UserId};
use crate::models::{FileInfo, Job, JobStatus, Usage};
use crate::queue::FairQueue;
use crate::store::folder::create_private;
use crate::store::{
    Claim, ContentStore, Failure, FileKind, FileRow, JobStore, KeySync, LocalFile, NewJob,
    Recovery, RunnableJob, Stored, StoredKey,
};
use crate::time::Timestamp;

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Contents in a map, each with the time it was last written; converter
/// files in a scratch folder.
pub(crate) struct MemoryContent {
    contents: Mutex<HashMap<String, (Vec<u8>, SystemTime)>>,
    scratch: tempfile::TempDir,
}

impl MemoryContent {
    pub(crate) fn new() -> Result<Self, Error> {
        Ok(MemoryContent {
            contents: Mutex::default(),
            scratch: tempfile::tempdir().map_err(|e| Error::io("creating a scratch folder", e))?,
        })
    }
}

impl ContentStore for MemoryContent {
    fn put(&self, id: &FileId, reader: &mut dyn Read, max: u64) -> Result<u64, Error> {
        let mut bytes = Vec::new();
        reader
            .take(max.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("reading the upload", e))?;
        let size = bytes.len() as u64;
        if size > max {
            return Err(Error::FileTooLarge { max });
        }
        guard(&self.contents).insert(id.to_string(), (bytes, SystemTime::now()));
        Ok(size)
    }

    fn put_file(&self, id: &FileId, path: &Path) -> Result<u64, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io("reading an output", e))?;
        let _ = std::fs::remove_file(path);
        let size = bytes.len() as u64;
        guard(&self.contents).insert(id.to_string(), (bytes, SystemTime::now()));
        Ok(size)
    }

    fn append(&self, id: &FileId, offset: u64, chunk: &[u8]) -> Result<(), Error> {
        let mut c = guard(&self.contents);
        let (bytes, modified) = c
            .get_mut(id.as_str())
            .ok_or_else(|| Error::io("appending", std::io::ErrorKind::NotFound.into()))?;
        bytes.truncate(usize::try_from(offset).unwrap_or(usize::MAX));
        bytes.extend_from_slice(chunk);
        *modified = SystemTime::now();
        Ok(())
    }

    fn get(&self, id: &FileId, start: u64, len: u64) -> Result<Box<dyn Read + Send>, Error> {
        let c = guard(&self.contents);
        let (bytes, _) = c
            .get(id.as_str())
            .ok_or_else(|| Error::io("reading", std::io::ErrorKind::NotFound.into()))?;
        let a = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let b = a
            .saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
            .min(bytes.len());
        Ok(Box::new(Cursor::new(bytes[a..b].to_vec())))
    }

    fn local(&self, id: &FileId) -> Result<LocalFile, Error> {
        let path = self.scratch(id.as_str())?;
        let bytes = guard(&self.contents)
            .get(id.as_str())
            .map(|(bytes, _)| bytes.clone())
            .unwrap_or_default();
        create_private(&path)
            .and_then(|mut f| f.write_all(&bytes))
            .map_err(|e| Error::io("copying an input", e))?;
        Ok(LocalFile::Copy(
            tempfile::TempPath::try_from_path(path)
                .map_err(|e| Error::io("copying an input", e))?,
        ))
    }

    fn scratch(&self, hint: &str) -> Result<PathBuf, Error> {
        let p = self
            .scratch
            .path()
            .join(format!("{hint}-{}.part", random_chars(12)?));
        create_private(&p).map_err(|e| Error::io("creating a scratch file", e))?;
        Ok(p)
    }

    fn delete(&self, id: &FileId) {
        guard(&self.contents).remove(id.as_str());
    }

    fn list(&self) -> Result<Vec<Stored>, Error> {
        Ok(guard(&self.contents)
            .iter()
            .map(|(k, (bytes, modified))| Stored {
                id: k.clone(),
                size: bytes.len() as u64,
                modified: *modified,
            })
            .collect())
    }

    fn truncate(&self, id: &FileId, size: u64) -> Result<(), Error> {
        if let Some((b, _)) = guard(&self.contents).get_mut(id.as_str()) {
            b.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        }
        Ok(())
    }

    fn clear_scratch(&self) -> Result<(), Error> {
        Ok(())
    }
}

struct JobRow {
    seq: u64,
    user: UserId,
    new: NewJob,
    job: Job,
}

#[derive(Default)]
struct State {
    seq: u64,
    users: Vec<(UserId, String, Timestamp)>,
    keys: Vec<([u8; 32], UserId, Timestamp)>,
    files: Vec<(u64, FileRow)>,
    jobs: Vec<JobRow>,
    queue: FairQueue,
}

/// Users, keys, files and jobs in vectors, the queue a [`FairQueue`].
#[derive(Default)]
pub(crate) struct MemoryJobStore(Mutex<State>);

impl MemoryJobStore {
    fn state(&self) -> MutexGuard<'_, State> {
        guard(&self.0)
    }
}

fn live_job(j: &JobRow, now: Timestamp) -> bool {
    j.job.expires_at.is_none_or(|e| e > now)
}

impl JobStore for MemoryJobStore {
    fn insert_user(&self, id: &UserId, name: &str, now: Timestamp) -> Result<(), Error> {
        self.state().users.push((id.clone(), name.to_owned(), now));
        Ok(())
    }

    fn user_exists(&self, id: &UserId) -> Result<bool, Error> {
        Ok(self.state().users.iter().any(|(u, _, _)| u == id))
    }

    fn insert_key(
        &self,
        hash: &[u8; 32],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<UserId>, Error> {
        let mut s = self.state();
        if let Some((_, owner, _)) = s.keys.iter().find(|(h, _, _)| h == hash) {
            return Ok(Some(owner.clone()));
        }
        s.keys.push((*hash, user.clone(), now));
        Ok(None)
    }

    fn key(&self, hash: &[u8; 32]) -> Result<Option<(Vec<u8>, UserId)>, Error> {
        Ok(self
            .state()
            .keys
            .iter()
            .find(|(h, _, _)| h == hash)
            .map(|(h, u, _)| (h.to_vec(), u.clone())))
    }

    fn revoke_key(&self, hash: &[u8; 32]) -> Result<bool, Error> {
        let mut s = self.state();
        let before = s.keys.len();
        s.keys.retain(|(h, _, _)| h != hash);
        Ok(s.keys.len() < before)
    }

    fn keys(&self) -> Result<Vec<StoredKey>, Error> {
        let s = self.state();
        Ok(s.keys
            .iter()
            .map(|(h, u, t)| StoredKey {
                hash: h.to_vec(),
                user: u.clone(),
                name: s
                    .users
                    .iter()
                    .find(|(id, _, _)| id == u)
                    .map(|(_, n, _)| n.clone())
                    .unwrap_or_default(),
                created_at: *t,
            })
            .collect())
    }

    fn user_named(&self, name: &str) -> Result<Option<UserId>, Error> {
        Ok(self
            .state()
            .users
            .iter()
            .find(|(_, n, _)| n == name)
            .map(|(u, _, _)| u.clone()))
    }

    fn revoke_keys_of(&self, name: &str) -> Result<usize, Error> {
        let mut s = self.state();
        let ids: Vec<UserId> = s
            .users
            .iter()
            .filter(|(_, n, _)| n == name)
            .map(|(u, _, _)| u.clone())
            .collect();
        let before = s.keys.len();
        s.keys.retain(|(_, u, _)| !ids.contains(u));
        Ok(before - s.keys.len())
    }

    fn sync_keys(
        &self,
        wanted: &[([u8; 32], &str)],
        now: Timestamp,
        new_id: &mut dyn FnMut() -> Result<UserId, Error>,
    ) -> Result<KeySync, Error> {
        let mut s = self.state();
        let mut report = KeySync::default();
        let name_of = |s: &State, u: &UserId| {
            s.users
                .iter()
                .find(|(id, _, _)| id == u)
                .map(|(_, n, _)| n.clone())
                .unwrap_or_default()
        };
        for (index, (hash, name)) in wanted.iter().enumerate() {
            if let Some((_, owner, _)) = s.keys.iter().find(|(h, _, _)| h == hash) {
                let owner = name_of(&s, owner);
                if owner != *name {
                    return Ok(KeySync {
                        conflict: Some((index, owner)),
                        ..KeySync::default()
                    });
                }
            }
        }
        for (hash, name) in wanted {
            if s.keys.iter().any(|(h, _, _)| h == hash) {
                continue;
            }
            let user = match s.users.iter().find(|(_, n, _)| n == name) {
                Some((u, _, _)) => u.clone(),
                None => {
                    let id = new_id()?;
                    s.users.push((id.clone(), (*name).to_owned(), now));
                    report.users_created += 1;
                    id
                }
            };
            s.keys.push((*hash, user, now));
            report.keys_added += 1;
        }
        let before = s.keys.len();
        s.keys
            .retain(|(h, _, _)| wanted.iter().any(|(w, _)| w == h));
        report.keys_revoked = before - s.keys.len();
        Ok(report)
    }

    fn insert_file(&self, f: &FileRow) -> Result<(), Error> {
        let mut s = self.state();
        s.seq += 1;
        let seq = s.seq;
        s.files.push((seq, f.clone()));
        Ok(())
    }

    fn file(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<FileRow>, Error> {
        Ok(self
            .state()
            .files
            .iter()
            .find(|(_, f)| f.id.as_str() == id && &f.user == user && f.expires_at > now)
            .map(|(_, f)| f.clone()))
    }

    fn files(&self, user: &UserId, now: Timestamp) -> Result<Vec<FileInfo>, Error> {
        Ok(self
            .state()
            .files
            .iter()
            .rev()
            .filter(|(_, f)| &f.user == user && f.expires_at > now)
            .map(|(_, f)| f.info())
            .collect())
    }

    fn stored_bytes(
        &self,
        user: &UserId,
        now: Timestamp,
    ) -> Result<(u64, Option<Timestamp>), Error> {
        let s = self.state();
        let live = s
            .files
            .iter()
            .filter(|(_, f)| &f.user == user && f.expires_at > now);
        Ok((
            live.clone().map(|(_, f)| f.size).sum(),
            live.map(|(_, f)| f.expires_at).min(),
        ))
    }

    fn file_has_jobs(&self, file: &FileId) -> Result<bool, Error> {
        Ok(self.state().jobs.iter().any(|j| &j.new.file_id == file))
    }

    fn set_file_size(
        &self,
        id: &FileId,
        size: u64,
        content_type: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        if let Some((_, f)) = self.state().files.iter_mut().find(|(_, f)| &f.id == id) {
            f.size = size;
            content_type.clone_into(&mut f.content_type);
            f.updated_at = now;
        }
        Ok(())
    }

    fn insert_job(&self, j: &NewJob) -> Result<(), Error> {
        let mut s = self.state();
        s.seq += 1;
        let seq = s.seq;
        s.jobs.push(JobRow {
            seq,
            user: j.user.clone(),
            new: j.clone(),
            job: Job {
                job_id: j.id.clone(),
                file_id: j.file_id.clone(),
                engine: j.engine.clone(),
                status: JobStatus::Queued,
                progress: 0,
                output_file_id: None,
                error: None,
                created_at: j.now,
                updated_at: j.now,
                completed_at: None,
                expires_at: None,
                usage: Usage::default(),
            },
        });
        s.queue.push(&j.user, j.id.clone());
        Ok(())
    }

    fn job(&self, user: &UserId, id: &str, now: Timestamp) -> Result<Option<Job>, Error> {
        Ok(self
            .state()
            .jobs
            .iter()
            .find(|j| j.job.job_id.as_str() == id && &j.user == user && live_job(j, now))
            .map(|j| j.job.clone()))
    }

    fn jobs(&self, user: &UserId, now: Timestamp) -> Result<Vec<Job>, Error> {
        let s = self.state();
        let mut v: Vec<&JobRow> = s
            .jobs
            .iter()
            .filter(|j| &j.user == user && live_job(j, now))
            .collect();
        v.sort_by_key(|j| std::cmp::Reverse(j.seq));
        Ok(v.into_iter().map(|j| j.job.clone()).collect())
    }

    fn queued_jobs(&self, user: &UserId) -> Result<usize, Error> {
        Ok(self.state().queue.queued(user))
    }

    fn claim(&self, now: Timestamp) -> Result<Option<Claim>, Error> {
        let mut s = self.state();
        while let Some(id) = s.queue.pop() {
            let filename = |s: &State, f: &FileId| {
                s.files
                    .iter()
                    .find(|(_, r)| &r.id == f)
                    .map(|(_, r)| r.filename.clone())
            };
            let Some(i) = s.jobs.iter().position(|j| j.job.job_id == id) else {
                continue;
            };
            if s.jobs[i].job.status != JobStatus::Queued {
                continue;
            }
            let input_filename = filename(&s, &s.jobs[i].new.file_id);
            let row = &mut s.jobs[i];
            row.job.status = JobStatus::Processing;
            row.job.updated_at = now;
            let n = &row.new;
            return Ok(Some(Claim {
                id,
                attempt: 1,
                job: RunnableJob {
                    user: n.user.clone(),
                    file_id: n.file_id.clone(),
                    engine: n.engine.clone(),
                    output_format: n.output_format.clone(),
                    languages: n.languages.clone(),
                    input_format: n.input_format,
                    input_filename,
                },
            }));
        }
        Ok(None)
    }

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
        if let Some(j) = self
            .state()
            .jobs
            .iter_mut()
            .find(|j| j.job.job_id == claim.id)
        {
            if j.job.status == JobStatus::Processing {
                j.job.progress = j.job.progress.max(progress);
                j.job.usage.input_pages = pages;
                j.job.updated_at = now;
            }
        }
        Ok(())
    }

    fn requeue(&self, claim: &Claim, now: Timestamp) -> Result<(), Error> {
        let mut s = self.state();
        if let Some(j) = s.jobs.iter_mut().find(|j| j.job.job_id == claim.id) {
            j.job.status = JobStatus::Queued;
            j.job.updated_at = now;
        }
        s.queue.push(&claim.job.user, claim.id.clone());
        Ok(())
    }

    fn complete(
        &self,
        claim: &Claim,
        output: &FileRow,
        pages: u32,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let mut s = self.state();
        s.seq += 1;
        let seq = s.seq;
        s.files.push((seq, output.clone()));
        if let Some(j) = s.jobs.iter_mut().find(|j| j.job.job_id == claim.id) {
            j.job.status = JobStatus::Completed;
            j.job.progress = 100;
            j.job.usage.input_pages = pages;
            j.job.output_file_id = Some(output.id.clone());
            j.job.updated_at = now;
            j.job.completed_at = Some(now);
            j.job.expires_at = Some(output.expires_at);
        }
        Ok(true)
    }

    fn fail(
        &self,
        claim: &Claim,
        failure: &Failure,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, Error> {
        if let Some(j) = self
            .state()
            .jobs
            .iter_mut()
            .find(|j| j.job.job_id == claim.id)
        {
            j.job.status = JobStatus::Failed;
            j.job.error = Some(ErrorBody {
                code: failure.code,
                message: failure.message.clone(),
                request_id: failure.request_id.clone(),
            });
            if let Some(p) = failure.pages {
                j.job.usage.input_pages = p;
            }
            j.job.updated_at = now;
            j.job.completed_at = Some(now);
            j.job.expires_at = Some(expires_at);
        }
        Ok(true)
    }

    fn unknown_files(&self, ids: &[String]) -> Result<Vec<String>, Error> {
        let s = self.state();
        Ok(ids
            .iter()
            .filter(|id| !s.files.iter().any(|(_, f)| f.id.as_str() == id.as_str()))
            .cloned()
            .collect())
    }

    fn sweep(&self, now: Timestamp) -> Result<(usize, Vec<FileId>), Error> {
        let mut s = self.state();
        let before = s.jobs.len();
        s.jobs.retain(|j| live_job(j, now));
        let jobs = before - s.jobs.len();
        let busy: Vec<FileId> = s
            .jobs
            .iter()
            .filter(|j| !j.job.status.is_finished())
            .map(|j| j.new.file_id.clone())
            .collect();
        let mut gone = Vec::new();
        s.files.retain(|(_, f)| {
            let expired = f.expires_at <= now && !busy.contains(&f.id);
            if expired {
                gone.push(f.id.clone());
            }
            !expired
        });
        Ok((jobs, gone))
    }

    fn counts(&self) -> Result<(u64, u64), Error> {
        let s = self.state();
        Ok((s.files.len() as u64, s.jobs.len() as u64))
    }

    fn recover(&self, _contents: &dyn ContentStore) -> Result<Recovery, Error> {
        // Nothing survives a restart in memory.
        Ok(Recovery::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durability::Durability;
    use crate::ids::RequestId;
    use crate::store::sqlite::SqliteJobStore;
    use ocrloom_detect::Format;

    const T: Timestamp = Timestamp::from_unix(1_776_058_324);

    fn job(store: &dyn JobStore, user: &UserId, file: &FileId, n: usize) -> JobId {
        let id = JobId::from_trusted(format!("job{n}"));
        store
            .insert_job(&NewJob {
                id: id.clone(),
                user: user.clone(),
                file_id: file.clone(),
                engine: "fake/ocr".into(),
                output_format: "txt".into(),
                languages: vec![],
                input_format: Format::Png,
                now: T,
            })
            .expect("job");
        id
    }

    /// The contract every job store keeps: users take turns, a claimed job
    /// is processing, a finished one is not claimed again, an expired
    /// input stays while its job is queued.
    fn contract(store: &dyn JobStore) {
        let (a, b) = (
            UserId::from_trusted("a".into()),
            UserId::from_trusted("b".into()),
        );
        let file = FileId::from_trusted("f1".into());
        let row = FileRow {
            id: file.clone(),
            user: a.clone(),
            filename: "in.png".into(),
            size: 3,
            kind: FileKind::Upload,
            content_type: "image/png".into(),
            created_at: T,
            updated_at: T,
            expires_at: T.plus(std::time::Duration::from_secs(10)),
        };
        store.insert_file(&row).expect("file");
        for n in 0..3 {
            job(store, &a, &file, n);
        }
        job(store, &b, &file, 9);
        assert_eq!(store.queued_jobs(&a).expect("queued"), 3);
        let order: Vec<String> = std::iter::from_fn(|| store.claim(T).expect("claim"))
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(order, ["job0", "job9", "job1", "job2"]);
        assert_eq!(store.queued_jobs(&a).expect("queued"), 0);
        let j = store.job(&a, "job0", T).expect("read").expect("job");
        assert_eq!(j.status, JobStatus::Processing);
        let later = T.plus(std::time::Duration::from_secs(60));
        assert_eq!(store.sweep(later).expect("sweep"), (0, vec![]));
        let claim = Claim {
            id: JobId::from_trusted("job0".into()),
            attempt: 1,
            job: RunnableJob {
                user: a.clone(),
                file_id: file.clone(),
                engine: "fake/ocr".into(),
                output_format: "txt".into(),
                languages: vec![],
                input_format: Format::Png,
                input_filename: Some("in.png".into()),
            },
        };
        let failure = Failure {
            code: crate::error::ErrorCode::Internal,
            message: "x".into(),
            request_id: RequestId::from_trusted("r".into()),
            pages: Some(2),
        };
        assert!(store.fail(&claim, &failure, T, T).expect("fail"));
        store.requeue(&claim, T).expect("requeue");
        let j = store.job(&a, "job0", T).expect("read");
        assert!(j.is_none(), "a failed job expiring at T is gone at T");
        assert_eq!(store.counts().expect("counts"), (1, 4));
    }

    #[test]
    fn the_memory_store_keeps_the_contract() {
        contract(&MemoryJobStore::default());
    }

    #[test]
    fn the_sqlite_store_keeps_the_contract() {
        contract(&SqliteJobStore::open(None, Durability::NoSync).expect("open"));
    }

    #[test]
    fn memory_contents_take_ranges_appends_and_limits() {
        let c = MemoryContent::new().expect("store");
        let id = FileId::from_trusted("f".into());
        assert_eq!(c.put(&id, &mut &b"hello"[..], 5).expect("put"), 5);
        assert!(c.put(&id, &mut &b"toolong"[..], 5).is_err());
        c.append(&id, 5, b" world").expect("append");
        let mut s = String::new();
        c.get(&id, 6, 3)
            .expect("get")
            .read_to_string(&mut s)
            .expect("read");
        assert_eq!(s, "wor");
        let local = c.local(&id).expect("local");
        assert_eq!(std::fs::read(local.path()).expect("read"), b"hello world");
        c.delete(&id);
        assert!(c.list().expect("list").is_empty());
    }
}
