//! The worker pool: threads that claim jobs from the job store, run the
//! converter on them, and store the result.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::converter::{CancelFlag, CancelReason, ConvertRequest};
use crate::error::{Error, ErrorCode};
use crate::ids::{FileId, RequestId};
use crate::manager::{lock, Inner};
use crate::mime::output_name_and_type;
use crate::store::{Claim, Failure, FileKind, FileRow};

/// A job running in this process.
pub(crate) struct Running {
    /// The claim's attempt, for heartbeats.
    pub(crate) attempt: u32,
    pub(crate) cancel: CancelFlag,
    pub(crate) started: Instant,
}

/// How long an idle worker waits before asking the job store again (work
/// created in this process wakes it at once).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Claims the next job from the job store, registering it as running.
/// With `block`, waits for work until shutdown.
pub(crate) fn take_next(inner: &Inner, block: bool) -> Option<(Claim, CancelFlag)> {
    let mut q = lock(&inner.queue);
    loop {
        if q.shutdown {
            return None;
        }
        // The claim goes to the store without the queue's lock: the
        // workers of a process claim side by side.
        drop(q);
        let claimed = inner.jobs.claim(inner.clock.now());
        q = lock(&inner.queue);
        if q.shutdown {
            if let Ok(Some(claim)) = &claimed {
                drop(q);
                // Taken as shutdown started: back to the queue, untried.
                if let Err(e) = inner.jobs.requeue(claim, inner.clock.now()) {
                    tracing::error!(job_id = %claim.id, error = %e, "cannot requeue job");
                }
            }
            return None;
        }
        match claimed {
            Ok(Some(claim)) => {
                let cancel = CancelFlag::new();
                q.running.insert(
                    claim.id.clone(),
                    Running {
                        attempt: claim.attempt,
                        cancel: cancel.clone(),
                        started: Instant::now(),
                    },
                );
                drop(q);
                inner.watchers.notify(claim.id.as_str());
                return Some((claim, cancel));
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot claim a job"),
        }
        if !block {
            return None;
        }
        q = inner
            .queue_cv
            .wait_timeout(q, IDLE_POLL)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

pub(crate) fn worker_loop(inner: &Arc<Inner>) {
    while let Some((claim, cancel)) = take_next(inner, true) {
        run_guarded(inner, claim, &cancel);
    }
}

/// Runs one job and always unregisters it, even if the manager's own code
/// panics, so a worker survives and shutdown does not wait for a ghost.
pub(crate) fn run_guarded(inner: &Inner, claim: Claim, cancel: &CancelFlag) {
    let id = claim.id.clone();
    if catch_unwind(AssertUnwindSafe(|| run_job(inner, &claim, cancel))).is_err() {
        tracing::error!(job_id = %id, "job manager panicked while running a job");
    }
    lock(&inner.queue).running.remove(&id);
    inner.queue_cv.notify_all();
    inner.watchers.notify(id.as_str());
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> &str {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

fn run_job(inner: &Inner, claim: &Claim, cancel: &CancelFlag) {
    let id = &claim.id;
    let job = &claim.job;
    let started = Instant::now();
    let request = ConvertRequest {
        job_id: id.clone(),
        engine: job.engine.clone(),
        input_format: job.input_format,
        output_format: job.output_format.clone(),
        languages: job.languages.clone(),
    };
    let internal = |e: &Error| {
        fail(inner, claim, ErrorCode::Internal, "internal error", None, e);
    };
    let input = match inner.contents.local(&job.file_id) {
        Ok(i) => i,
        Err(e) => return internal(&e),
    };
    // Created here, private, so the converter writes into a 0600 file.
    let tmp = match inner.contents.scratch(id.as_str()) {
        Ok(p) => p,
        Err(e) => return internal(&e),
    };
    // (last percentage stored, total pages) — stored only when the integer
    // percentage grows or the page count changes, to bound database writes.
    let last = Mutex::new((0u8, 0u32));
    let progress = |done: u32, total: u32| {
        let pct = if total == 0 {
            0
        } else {
            // 100 is kept for "completed": a finished last page is 99 until
            // the output is stored.
            u8::try_from((u64::from(done.min(total)) * 100 / u64::from(total)).min(99))
                .unwrap_or(99)
        };
        let mut l = lock(&last);
        // A page count alone (at 0 %) is not worth a commit; it is stored
        // with the first page done. Neither is the last page: completing
        // (or failing) the job records it next, in the same write.
        if done >= total && total > 0 {
            *l = (l.0.max(pct), total);
        } else if pct > l.0 || (total != l.1 && pct > 0) {
            l.0 = l.0.max(pct);
            l.1 = total;
            if let Err(e) = inner
                .jobs
                .set_progress(claim, l.0, total, inner.clock.now())
            {
                tracing::warn!(job_id = %id, error = %e, "cannot record progress");
            }
        }
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        inner
            .converter
            .convert(&request, input.path(), &tmp, &progress, cancel)
    }));
    drop(input);
    let pages_seen = lock(&last).1;
    match (cancel.reason(), result) {
        (Some(CancelReason::Shutdown), _) => {
            let _ = fs::remove_file(&tmp);
            if let Err(e) = inner.jobs.requeue(claim, inner.clock.now()) {
                tracing::error!(job_id = %id, error = %e, "cannot requeue job");
            }
            tracing::info!(job_id = %id, "job interrupted by shutdown; it runs again at start");
        }
        (Some(CancelReason::Timeout), _) => {
            let _ = fs::remove_file(&tmp);
            let msg = "the job took longer than the time allowed";
            fail(
                inner,
                claim,
                ErrorCode::Timeout,
                msg,
                Some(pages_seen),
                &msg,
            );
        }
        (None, Ok(Ok(outcome))) => {
            let pages = if outcome.input_pages > 0 {
                outcome.input_pages
            } else {
                pages_seen
            };
            match store_output(inner, claim, &tmp, pages) {
                Ok(true) => {
                    tracing::info!(job_id = %id, pages, elapsed_ms = started.elapsed().as_millis(), "job completed");
                }
                Ok(false) => {
                    tracing::warn!(job_id = %id, "job finished after its claim was lost; result dropped");
                }
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    fail(
                        inner,
                        claim,
                        ErrorCode::Internal,
                        "internal error",
                        Some(pages),
                        &e,
                    );
                }
            }
        }
        (None, Ok(Err(e))) => {
            let _ = fs::remove_file(&tmp);
            let code = if e.code.is_job_failure() {
                e.code
            } else {
                ErrorCode::Internal
            };
            fail(inner, claim, code, &e.message, Some(pages_seen), &e);
        }
        (None, Err(panic)) => {
            let _ = fs::remove_file(&tmp);
            let why = panic_text(panic.as_ref()).to_owned();
            fail(
                inner,
                claim,
                ErrorCode::Internal,
                "the conversion failed unexpectedly",
                Some(pages_seen),
                &format!("converter panicked: {why}"),
            );
        }
    }
}

/// Makes the converter's output a file of the job's user and completes the
/// job; `false` when the claim was lost meanwhile (the output is dropped).
fn store_output(inner: &Inner, claim: &Claim, tmp: &Path, pages: u32) -> Result<bool, Error> {
    let job = &claim.job;
    let out_id = FileId::generate()?;
    let size = inner.contents.put_file(&out_id, tmp)?;
    let (filename, content_type) =
        output_name_and_type(job.input_filename.as_deref(), &job.output_format);
    let now = inner.clock.now();
    let row = FileRow {
        id: out_id.clone(),
        user: job.user.clone(),
        filename,
        size,
        kind: FileKind::Output,
        content_type: content_type.to_owned(),
        created_at: now,
        updated_at: now,
        expires_at: now.plus(inner.config.job_retention),
    };
    match inner.jobs.complete(claim, &row, pages, now) {
        Ok(true) => Ok(true),
        other => {
            inner.contents.delete(&out_id);
            other
        }
    }
}

fn fail(
    inner: &Inner,
    claim: &Claim,
    code: ErrorCode,
    message: &str,
    pages: Option<u32>,
    cause: &dyn std::fmt::Display,
) {
    let id = &claim.id;
    let request_id = match RequestId::generate() {
        Ok(r) => r,
        // Without randomness, the job id still points at the log line.
        Err(_) => RequestId::from_trusted(id.to_string()),
    };
    tracing::warn!(job_id = %id, request_id = %request_id, code = %code, cause = %cause, "job failed");
    let now = inner.clock.now();
    let failure = Failure {
        code,
        message: message.to_owned(),
        request_id,
        pages,
    };
    if let Err(e) = inner
        .jobs
        .fail(claim, &failure, now, now.plus(inner.config.job_retention))
    {
        tracing::error!(job_id = %id, error = %e, "cannot record job failure");
    }
}
