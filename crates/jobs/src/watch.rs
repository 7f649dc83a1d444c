//! Notifications of job state changes, for long polls that hold no thread.
//!
//! A waiter subscribes to a job ([`JobChange`], a future), reads the job,
//! and if it is not finished awaits the change: the manager wakes every
//! subscriber of a job each time its state changes (processing, completed,
//! failed, queued again), and all of them at shutdown. Entries live only
//! while someone waits, so nothing grows with the number of jobs.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct Watch {
    /// The number of the job's latest change (see [`State::changes`]).
    generation: u64,
    /// Live [`JobChange`]s of the job (the entry goes with the last one).
    subscribers: usize,
    /// Wakers of the subscribers waiting now, by subscriber token.
    wakers: HashMap<u64, Waker>,
}

#[derive(Default)]
struct State {
    next_token: u64,
    /// Changes notified so far, of any job: each change is numbered, so a
    /// job's generation only grows, also across the lives of its entry.
    changes: u64,
    jobs: HashMap<String, Watch>,
}

/// The subscribers of every watched job.
#[derive(Default, Clone)]
pub(crate) struct Watchers(Arc<Mutex<State>>);

impl Watchers {
    fn state(&self) -> MutexGuard<'_, State> {
        // Plain maps updated in single steps: still usable after a panic.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A subscription to the next change of `job_id`.
    pub(crate) fn subscribe(&self, job_id: &str) -> JobChange {
        let mut s = self.state();
        s.next_token += 1;
        let token = s.next_token;
        let changes = s.changes;
        let watch = s.jobs.entry(job_id.to_owned()).or_insert_with(|| Watch {
            generation: changes,
            ..Watch::default()
        });
        watch.subscribers += 1;
        JobChange {
            watchers: self.clone(),
            job_id: job_id.to_owned(),
            seen: watch.generation,
            token,
        }
    }

    /// Wakes the subscribers of `job_id`.
    pub(crate) fn notify(&self, job_id: &str) {
        let mut s = self.state();
        s.changes += 1;
        let change = s.changes;
        if let Some(w) = s.jobs.get_mut(job_id) {
            w.generation = change;
            w.wakers.drain().for_each(|(_, waker)| waker.wake());
        }
    }

    /// Wakes every subscriber (shutdown).
    pub(crate) fn notify_all(&self) {
        let mut s = self.state();
        s.changes += 1;
        let change = s.changes;
        for w in s.jobs.values_mut() {
            w.generation = change;
            w.wakers.drain().for_each(|(_, waker)| waker.wake());
        }
    }

    /// Jobs watched now (for tests).
    #[cfg(test)]
    fn watched(&self) -> usize {
        self.state().jobs.len()
    }
}

/// Completes at the next change of a job's state after it was made
/// ([`crate::Manager::job_change`]), or at shutdown. Holds no thread:
/// await it (with a timeout) in async code.
pub struct JobChange {
    watchers: Watchers,
    job_id: String,
    seen: u64,
    token: u64,
}

impl std::fmt::Debug for JobChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobChange")
            .field("job_id", &self.job_id)
            .finish_non_exhaustive()
    }
}

impl JobChange {
    /// The number of the job's latest change when this subscription was
    /// made. Numbers only grow, and the manager numbers a change after it
    /// is stored: a read of the job that starts after a subscription of
    /// generation `g` was made sees every change up to `g`.
    pub fn generation(&self) -> u64 {
        self.seen
    }
}

impl Future for JobChange {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.watchers.state();
        match s.jobs.get_mut(&self.job_id) {
            Some(w) if w.generation == self.seen => {
                w.wakers.insert(self.token, cx.waker().clone());
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    }
}

impl Drop for JobChange {
    fn drop(&mut self) {
        let mut s = self.watchers.state();
        if let Some(w) = s.jobs.get_mut(&self.job_id) {
            w.wakers.remove(&self.token);
            w.subscribers -= 1;
            if w.subscribers == 0 {
                s.jobs.remove(&self.job_id);
            }
        }
    }
}

/// Wakes a parked thread: lets blocking callers wait on a [`JobChange`].
pub(crate) struct ThreadWaker(pub(crate) std::thread::Thread);

impl std::task::Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_change_wakes_its_job_subscribers_only_and_entries_go_with_them() {
        let w = Watchers::default();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let mut cx = Context::from_waker(&waker);
        let mut a = w.subscribe("a");
        let mut b = w.subscribe("b");
        assert!(Pin::new(&mut a).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut b).poll(&mut cx).is_pending());
        w.notify("a");
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(Pin::new(&mut a).poll(&mut cx).is_ready());
        assert!(Pin::new(&mut b).poll(&mut cx).is_pending());
        // A change before the first poll is not missed.
        let mut c = w.subscribe("c");
        w.notify("c");
        assert!(Pin::new(&mut c).poll(&mut cx).is_ready());
        w.notify_all();
        assert!(Pin::new(&mut b).poll(&mut cx).is_ready());
        assert_eq!(w.watched(), 3);
        drop((a, b, c));
        assert_eq!(w.watched(), 0);
    }

    #[test]
    fn generations_only_grow_also_for_a_new_entry() {
        let w = Watchers::default();
        let first = w.subscribe("a");
        w.notify("a");
        let second = w.subscribe("a");
        assert!(second.generation() > first.generation());
        drop((first, second));
        // A change of another job moves the count on; a new entry of "a"
        // starts from it, never below what was seen before.
        w.notify("b");
        let third = w.subscribe("a");
        assert!(third.generation() > 1, "{}", third.generation());
    }
}
