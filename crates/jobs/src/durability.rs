//! How hard the embedded store works to keep acknowledged changes.

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
