//! The queue of jobs waiting for a worker: one line per user, served in
//! turn, so one user's many jobs never make the others wait for all of them.

use std::collections::{HashMap, VecDeque};

use crate::ids::{JobId, UserId};

/// Queued jobs, round-robin between users (each user's own jobs in order).
#[derive(Debug, Default)]
pub(crate) struct FairQueue {
    by_user: HashMap<UserId, VecDeque<JobId>>,
    /// Users with queued jobs, whose turn comes in this order.
    turn: VecDeque<UserId>,
}

impl FairQueue {
    /// Queues `job` last among `user`'s jobs.
    pub(crate) fn push(&mut self, user: &UserId, job: JobId) {
        let line = self.by_user.entry(user.clone()).or_default();
        if line.is_empty() {
            self.turn.push_back(user.clone());
        }
        line.push_back(job);
    }

    /// The next job: the oldest of the user whose turn it is.
    pub(crate) fn pop(&mut self) -> Option<JobId> {
        let user = self.turn.pop_front()?;
        let line = self.by_user.get_mut(&user)?;
        let job = line.pop_front();
        if line.is_empty() {
            self.by_user.remove(&user);
        } else {
            self.turn.push_back(user);
        }
        job
    }

    /// How many jobs `user` has queued.
    pub(crate) fn queued(&self, user: &UserId) -> usize {
        self.by_user.get(user).map_or(0, VecDeque::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> JobId {
        JobId::from_trusted(s.to_owned())
    }

    #[test]
    fn users_take_turns_and_keep_their_own_order() {
        let (a, b, c) = (
            UserId::from_trusted("a".into()),
            UserId::from_trusted("b".into()),
            UserId::from_trusted("c".into()),
        );
        let mut q = FairQueue::default();
        for j in ["a1", "a2", "a3"] {
            q.push(&a, id(j));
        }
        q.push(&b, id("b1"));
        q.push(&b, id("b2"));
        assert_eq!((q.queued(&a), q.queued(&b), q.queued(&c)), (3, 2, 0));
        assert_eq!(q.pop(), Some(id("a1")));
        q.push(&c, id("c1"));
        let rest: Vec<JobId> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            rest,
            ["b1", "a2", "c1", "b2", "a3"].map(id).to_vec(),
            "a's turn comes back after b and c"
        );
        assert_eq!((q.queued(&a), q.pop()), (0, None));
    }
}
