//! Expiry: the sweeper removes expired jobs and files, and enforces the
//! job timeout.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::converter::CancelReason;
use crate::error::Error;
use crate::ids::FileId;
use crate::manager::{lock, Inner};

/// What one sweep removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    /// Expired jobs deleted.
    pub jobs: usize,
    /// Expired files deleted, with their contents.
    pub files: usize,
    /// Orphan contents (no file names them, older than
    /// [`Config::orphan_grace`](crate::Config::orphan_grace)) deleted.
    pub orphans: usize,
}

/// Removes expired data and, with `orphans`, orphan contents.
pub(crate) fn sweep(inner: &Inner, orphans: bool) -> Result<SweepReport, Error> {
    let (jobs, files) = inner.jobs.sweep(inner.clock.now())?;
    // Contents go after the rows are committed: a crash in between leaves
    // orphan contents, which the next start removes.
    for id in &files {
        inner.contents.delete(id);
    }
    if jobs > 0 || !files.is_empty() {
        tracing::info!(jobs, files = files.len(), "expired data removed");
    }
    Ok(SweepReport {
        jobs,
        files: files.len(),
        orphans: if orphans { sweep_orphans(inner)? } else { 0 },
    })
}

/// Deletes the contents older than the grace period that no file names.
/// Safe with several nodes sweeping: a content is only ever deleted once
/// nothing can refer to it any more.
fn sweep_orphans(inner: &Inner) -> Result<usize, Error> {
    let now = SystemTime::now();
    let old: Vec<String> = inner
        .contents
        .list()?
        .into_iter()
        .filter(|s| {
            now.duration_since(s.modified)
                .is_ok_and(|age| age >= inner.config.orphan_grace)
        })
        .map(|s| s.id)
        .collect();
    let orphans = inner.jobs.unknown_files(&old)?;
    for id in &orphans {
        tracing::info!(file_id = %id, "removing a content no file names");
        inner.contents.delete(&FileId::from_trusted(id.clone()));
    }
    Ok(orphans.len())
}

/// Sweeps every `sweep_interval`, enforces the job timeout, and renews the
/// leases of the running jobs every third of the lease, until shutdown.
pub(crate) fn monitor_loop(inner: &Arc<Inner>) {
    let beat = inner.config.lease / 3;
    let tick = if inner.config.job_timeout.is_some() {
        Duration::from_secs(1).min(inner.config.sweep_interval)
    } else {
        inner.config.sweep_interval
    }
    .min(beat);
    let mut next_sweep = Instant::now() + inner.config.sweep_interval;
    let mut next_orphans = Instant::now() + inner.config.orphan_grace;
    let mut next_beat = Instant::now() + beat;
    let mut q = lock(&inner.queue);
    loop {
        if q.shutdown {
            return;
        }
        if Instant::now() >= next_beat {
            let claims: Vec<_> = q
                .running
                .iter()
                .map(|(id, r)| (id.clone(), r.attempt))
                .collect();
            drop(q);
            if let Err(e) = inner.jobs.heartbeat(&claims) {
                tracing::error!(error = %e, "cannot renew the leases of running jobs");
            }
            next_beat = Instant::now() + beat;
            q = lock(&inner.queue);
            continue;
        }
        if let Some(limit) = inner.config.job_timeout {
            for (id, r) in &q.running {
                if r.started.elapsed() > limit && !r.cancel.is_cancelled() {
                    tracing::warn!(job_id = %id, "job timed out; cancelling");
                    r.cancel.cancel(CancelReason::Timeout);
                }
            }
        }
        if Instant::now() >= next_sweep {
            drop(q);
            let orphans = Instant::now() >= next_orphans;
            if orphans {
                next_orphans = Instant::now() + inner.config.orphan_grace;
            }
            if let Err(e) = sweep(inner, orphans) {
                tracing::error!(error = %e, "sweep failed");
            }
            next_sweep = Instant::now() + inner.config.sweep_interval;
            q = lock(&inner.queue);
            continue;
        }
        q = inner
            .queue_cv
            .wait_timeout(q, tick)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}
