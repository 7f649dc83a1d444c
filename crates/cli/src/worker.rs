//! `ocrloom worker`: converts the jobs of a shared job store, serving no API.

use crate::Failure;
use anyhow::Context;
use ocrloom::jobs::{Config, Manager, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `ocrloom worker`.
#[derive(clap::Args)]
#[command(after_help = "\
Claims jobs from the database (users in turn), converts them and stores the outputs; any number \
of workers and `ocrloom serve` nodes share one database. The contents (uploads and outputs) are \
in the bucket of --storage, or else in --data-dir, which every node of the cluster must then share.

Signals: SIGTERM or Ctrl-C stop claiming, let running jobs go on for --shutdown-grace, then stop; \
jobs cut short go back to the queue for another worker. A worker killed outright loses its jobs' \
leases: another worker takes them again after the lease (30 s).

Logs go to stderr; set OCRLOOM_LOG (e.g. `debug`, `warn`) to change the level (default `info`).")]
pub struct Args {
    /// The PostgreSQL URL (`postgres://user:password@host:port/database`)
    /// of the cluster's job store.
    #[arg(
        long,
        value_name = "URL",
        env = "OCRLOOM_DATABASE",
        hide_env_values = true
    )]
    database: String,
    /// The cluster's S3-compatible bucket (`s3://bucket/prefix`) for
    /// uploads and outputs, as `ocrloom serve --storage` (same variables).
    /// Default: the data folder.
    #[arg(long, value_name = "URL", env = "OCRLOOM_STORAGE")]
    storage: Option<String>,
    /// Where the cluster's contents are when there is no --storage (shared
    /// by every node), and this worker's scratch files. Default:
    /// $XDG_DATA_HOME/ocrloom, else ~/.local/share/ocrloom.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// OCR threads, shared by all jobs (default: one per core). Also the
    /// number of jobs converted at once.
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Hours a finished job and its output are kept.
    #[arg(long, default_value_t = 24)]
    job_retention_hours: u64,
    /// Seconds running jobs may go on at shutdown before they are cancelled.
    #[arg(long, default_value_t = 5)]
    shutdown_grace: u64,
    /// Seconds one page may take; a page over it fails its job with
    /// `timeout`. 0: no limit.
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = crate::parse_page_timeout)]
    page_timeout: crate::PageTimeout,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let data_dir = crate::serve::data_dir(args.data_dir.as_ref())?;
    let s3 = crate::serve::storage(args.storage.as_deref())?;
    let config = Config {
        workers: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1),
        job_retention: Duration::from_secs(args.job_retention_hours.saturating_mul(3600)),
        database: Some(args.database.clone()),
        s3,
        ..Config::in_dir(&data_dir)
    };
    let converter = crate::serve::converter(args.jobs, args.page_timeout)?;
    let manager =
        Manager::new(config, Arc::new(converter), Arc::new(SystemClock)).map_err(|e| {
            Failure::starting(
                crate::serve::opening(true, args.storage.is_some(), &data_dir),
                e,
            )
        })?;
    tracing::info!(workers = manager.config().workers, "worker ready");
    ocrloom_server::wait_for_shutdown_signal().context("waiting for a signal")?;
    tracing::info!("stopping: running jobs get {} s", args.shutdown_grace);
    manager.shutdown(Duration::from_secs(args.shutdown_grace));
    Ok(())
}
