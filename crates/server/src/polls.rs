//! The reads of long polls, shared: when many polls of one job need it at
//! the same moment (they arrived together, reach their deadline together, or
//! the job just changed), one read of the job (and of the key, when it is
//! checked again) serves all of them, instead of one read each queueing for
//! the database's one connection: a thousand polls reaching their deadline
//! together were answered up to 214 ms late (once 1.24 s).
//!
//! A poll joins a read in flight only when that read started at or after
//! the job's state change the poll has seen ([`JobChange::generation`]):
//! the manager bumps the generation after writing a change, so such a read
//! sees it. A read that started earlier never answers a poll woken by a
//! later change.
//!
//! [`JobChange::generation`]: ocrloom_jobs::JobChange::generation

use crate::error::ApiError;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use ocrloom_jobs::{Job, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What a read reads: one job, as one user, with or without checking a key
/// again (a poll after its wait checks it: a revoked key ends with 401).
/// No `Debug`: it holds a key.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Reader {
    pub(crate) job_id: String,
    pub(crate) user: UserId,
    pub(crate) key: Option<String>,
}

type Read = Shared<BoxFuture<'static, Result<Job, ApiError>>>;

/// The reads in flight, by reader: the generation each started at, and the
/// read.
#[derive(Clone, Default)]
pub(crate) struct PollReads(Arc<Mutex<HashMap<Reader, (u64, Read)>>>);

impl PollReads {
    fn reads(&self) -> MutexGuard<'_, HashMap<Reader, (u64, Read)>> {
        // A map updated in single steps: still usable after a panic.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The job for a poll that has seen `generation`: a read of the same
    /// reader in flight since that generation or later, else `read()`.
    pub(crate) async fn read(
        &self,
        reader: Reader,
        generation: u64,
        read: impl FnOnce() -> BoxFuture<'static, Result<Job, ApiError>>,
    ) -> Result<Job, ApiError> {
        let shared = {
            let mut reads = self.reads();
            match reads.get(&reader) {
                Some((started, r)) if *started >= generation => r.clone(),
                _ => {
                    let r = read().shared();
                    reads.insert(reader.clone(), (generation, r.clone()));
                    r
                }
            }
        };
        // Whoever finishes first (or gives up: the client left) takes the
        // read out of the map, so a finished read answers no later poll.
        let _done = Done {
            reads: self,
            reader,
            read: shared.clone(),
        };
        shared.await
    }

    /// Reads in flight (for tests).
    #[cfg(test)]
    fn in_flight(&self) -> usize {
        self.reads().len()
    }
}

/// Removes its read from the map when dropped, if it is still there.
struct Done<'a> {
    reads: &'a PollReads,
    reader: Reader,
    read: Read,
}

impl Drop for Done<'_> {
    fn drop(&mut self) {
        let mut reads = self.reads.reads();
        if reads
            .get(&self.reader)
            .is_some_and(|(_, r)| r.ptr_eq(&self.read))
        {
            reads.remove(&self.reader);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn reader() -> Reader {
        Reader {
            job_id: "job".into(),
            user: UserId::parse(&"u".repeat(32)).expect("an id"),
            key: None,
        }
    }

    fn counting(
        reads: &Arc<AtomicUsize>,
        gate: tokio::sync::watch::Receiver<bool>,
    ) -> impl FnOnce() -> BoxFuture<'static, Result<Job, ApiError>> {
        let reads = Arc::clone(reads);
        move || {
            reads.fetch_add(1, Ordering::SeqCst);
            async move {
                let mut gate = gate;
                let _ = gate.wait_for(|open| *open).await;
                Err(ApiError::internal("no job in this test"))
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn polls_share_a_read_in_flight_since_their_generation() {
        let polls = PollReads::default();
        let count = Arc::new(AtomicUsize::new(0));
        let (open, gate) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        let mut poll = |generation| {
            let (polls, read) = (polls.clone(), counting(&count, gate.clone()));
            tasks.push(tokio::spawn(async move {
                polls.read(reader(), generation, read).await
            }));
        };
        // Ten polls that have seen generation 3: one read. (On this
        // single-threaded runtime, yielding runs the tasks spawned so far
        // up to their wait.)
        for _ in 0..10 {
            poll(3);
        }
        tokio::task::yield_now().await;
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // One that has seen a later change does not take the older read.
        poll(4);
        tokio::task::yield_now().await;
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // One that has seen an earlier generation joins the newest read.
        poll(2);
        tokio::task::yield_now().await;
        assert_eq!(count.load(Ordering::SeqCst), 2);
        open.send(true).expect("open");
        for t in tasks {
            assert!(t.await.expect("task").is_err());
        }
        assert_eq!(polls.in_flight(), 0, "finished reads leave the map");
        // A poll after the reads finished reads again.
        polls
            .read(reader(), 3, counting(&count, gate))
            .await
            .expect_err("the test's read fails");
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }
}
