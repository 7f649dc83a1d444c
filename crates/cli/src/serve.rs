//! `ocrloom serve`: the RenderOCR REST API on this machine.

use crate::Failure;
use anyhow::Context;
use ocrloom::jobs::KeyEntry;
use ocrloom::jobs::{Config, Manager, S3Storage, SystemClock};
use ocrloom::{OcrConverter, Options, Pipeline};
use ocrloom_server::{parse_keys, Server, ServerOptions};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The environment variable holding one API key, for user `default`.
const KEY_ENV: &str = "OCRLOOM_API_KEY";

/// Arguments of `ocrloom serve`.
#[derive(clap::Args)]
#[command(after_help = "\
API keys: give --keys-file, or set OCRLOOM_API_KEY (one key for the user `default`), or both: \
they are then the whole truth, at start and on SIGHUP: a key removed is revoked, a user's changed \
key replaces the old one (same account and data), the same key or user twice is refused. \
Without either, the keys of the data folder serve (`ocrloom keys add`). \
Keys must have at least 32 characters; clients send them as `Authorization: Bearer <key>`.

Signals: SIGTERM or Ctrl-C stop taking requests, let running jobs go on for --shutdown-grace, \
then stop; jobs cut short run again at the next start. SIGHUP reloads the keys file.

Logs go to stderr (one line per failed request; `debug` adds the others); set OCRLOOM_LOG (e.g. `debug`, `warn`) to change \
the level (default `info` for serve).")]
pub struct Args {
    /// Address to listen on. The default is loopback only: the API is for
    /// this machine; listening on other interfaces exposes it to the network.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Where files, jobs and keys (as hashes) are kept. Default:
    /// $XDG_DATA_HOME/ocrloom, else ~/.local/share/ocrloom.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (`postgres://user:password@host:port/database`)
    /// for users, keys, files' metadata and jobs, shared by every node of a
    /// cluster (migrated at start). Default: SQLite in the data folder.
    #[arg(
        long,
        value_name = "URL",
        env = "OCRLOOM_DATABASE",
        hide_env_values = true
    )]
    database: Option<String>,
    /// An S3-compatible bucket (`s3://bucket/prefix`) for uploads and
    /// outputs, shared by every node of a cluster; the endpoint and
    /// credentials come from AWS_ENDPOINT_URL, AWS_REGION,
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_ALLOW_HTTP=true for a
    /// plain-HTTP endpoint). Default: the data folder.
    #[arg(long, value_name = "URL", env = "OCRLOOM_STORAGE")]
    storage: Option<String>,
    /// A file of `user api_key` lines (`#` starts a comment): the keys of
    /// the data folder are made to match it at start and on SIGHUP.
    #[arg(long)]
    keys_file: Option<PathBuf>,
    /// OCR threads, shared by all jobs (default: one per core). Also the
    /// number of jobs converted at once.
    #[arg(long, short, conflicts_with = "no_worker")]
    jobs: Option<usize>,
    /// Answer the API only and convert nothing: the API role of a cluster,
    /// whose jobs `ocrloom worker` processes convert. Needs --database.
    #[arg(long, requires = "database")]
    no_worker: bool,
    /// Hours an uploaded file is kept.
    #[arg(long, default_value_t = 24)]
    file_retention_hours: u64,
    /// Hours a finished job and its output are kept.
    #[arg(long, default_value_t = 24)]
    job_retention_hours: u64,
    /// Jobs one user may have queued; past it job creation answers 429
    /// `quota_exceeded` with `Retry-After`.
    #[arg(long, default_value_t = 100)]
    max_queued_jobs: usize,
    /// Mebibytes one user may have stored (uploads and outputs not yet
    /// expired); past it uploads and jobs answer 429 `quota_exceeded`.
    #[arg(long, default_value_t = 2048)]
    max_stored_mib: u64,
    /// Seconds running jobs may go on at shutdown before they are cancelled.
    #[arg(long, default_value_t = 5)]
    shutdown_grace: u64,
    /// Seconds one page may take; a page over it fails its job with
    /// `timeout`. 0: no limit.
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = crate::parse_page_timeout)]
    page_timeout: crate::PageTimeout,
}

/// The per-user data folder: `$XDG_DATA_HOME/ocrloom`, else
/// `~/.local/share/ocrloom`.
pub(crate) fn default_data_dir() -> Option<PathBuf> {
    let non_empty = |v: std::ffi::OsString| (!v.is_empty()).then(|| PathBuf::from(v));
    std::env::var_os("XDG_DATA_HOME")
        .and_then(non_empty)
        .map(|d| d.join("ocrloom"))
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(non_empty)
                .map(|h| h.join(".local/share/ocrloom"))
        })
}

/// The configured keys (file and environment), `None` when neither is given.
fn configured_keys(keys_file: Option<&std::path::Path>) -> Result<Option<Vec<KeyEntry>>, Failure> {
    let mut entries = None;
    if let Some(path) = keys_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the keys file {}", path.display()))?;
        let source = path.display().to_string();
        entries = Some(
            parse_keys(&text, &source)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?,
        );
    }
    if let Some(key) = std::env::var_os(KEY_ENV) {
        let key = key
            .into_string()
            .map_err(|_| Failure::usage(format!("{KEY_ENV} is not UTF-8")))?;
        entries.get_or_insert_with(Vec::new).push(KeyEntry {
            origin: KEY_ENV.to_owned(),
            user: "default".to_owned(),
            key: key.trim().to_owned(),
        });
    }
    Ok(entries)
}

/// Makes the data folder's keys match the configured ones, if any.
fn sync_keys(manager: &Manager, keys_file: Option<&std::path::Path>) -> Result<(), Failure> {
    let keyring = manager.keyring();
    match configured_keys(keys_file)? {
        Some(entries) => {
            keyring.sync(&entries).map_err(|e| match e {
                ocrloom::jobs::Error::InvalidRequest(m) => Failure::usage(m),
                e => anyhow::Error::from(e)
                    .context("synchronising the API keys")
                    .into(),
            })?;
        }
        None if keyring.list().context("listing the API keys")?.is_empty() => {
            return Err(Failure::usage(format!(
                "no API keys: give --keys-file FILE, set {KEY_ENV}, or add one with `ocrloom keys add NAME`"
            )));
        }
        None => {}
    }
    Ok(())
}

/// What a node opens at start, for its error message.
pub(crate) fn opening(database: bool, storage: bool, data_dir: &std::path::Path) -> String {
    let shared = match (database, storage) {
        (false, false) => "",
        (true, false) => "the database and ",
        (false, true) => "the object storage and ",
        (true, true) => "the database, the object storage and ",
    };
    format!("opening {shared}the data folder {}", data_dir.display())
}

/// `--data-dir`, else the default data folder.
pub(crate) fn data_dir(arg: Option<&PathBuf>) -> Result<PathBuf, Failure> {
    match arg {
        Some(d) => Ok(d.clone()),
        None => default_data_dir()
            .ok_or_else(|| Failure::usage("no HOME or XDG_DATA_HOME: give --data-dir".to_owned())),
    }
}

/// `--storage`'s bucket with its settings from the environment.
pub(crate) fn storage(arg: Option<&str>) -> Result<Option<S3Storage>, Failure> {
    arg.map(S3Storage::from_env)
        .transpose()
        .map_err(|e| Failure::usage(e.to_string()))
}

/// The converter of a node that runs jobs: the default pipeline on `jobs`
/// threads, pages limited to `page_timeout`.
pub(crate) fn converter(
    jobs: Option<usize>,
    page_timeout: crate::PageTimeout,
) -> Result<OcrConverter, Failure> {
    let pipeline = Pipeline::tesseract(jobs).map_err(crate::pipeline_failure)?;
    let mut options = Options::default();
    options.settings.page_timeout = page_timeout.0;
    Ok(OcrConverter::new(pipeline, options))
}

pub fn run(args: Args) -> Result<(), Failure> {
    // Refuse a bad keys file before the slow start.
    configured_keys(args.keys_file.as_deref())?;
    let data_dir = data_dir(args.data_dir.as_ref())?;
    let s3 = storage(args.storage.as_deref())?;
    let hours = |h: u64| Duration::from_secs(h.saturating_mul(3600));
    let config = Config {
        workers: if args.no_worker {
            0
        } else {
            args.jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        },
        file_retention: hours(args.file_retention_hours),
        job_retention: hours(args.job_retention_hours),
        max_queued_jobs_per_user: args.max_queued_jobs,
        max_stored_bytes_per_user: args.max_stored_mib.saturating_mul(1 << 20),
        database: args.database.clone(),
        s3,
        ..Config::in_dir(&data_dir)
    };
    let converter = converter(args.jobs, args.page_timeout)?;
    let manager =
        Manager::new(config, Arc::new(converter), Arc::new(SystemClock)).map_err(|e| {
            Failure::starting(
                opening(args.database.is_some(), args.storage.is_some(), &data_dir),
                e,
            )
        })?;
    sync_keys(&manager, args.keys_file.as_deref())?;
    tracing::info!("ready");
    let manager = Arc::new(manager);
    let reloaded = Arc::clone(&manager);
    let keys_file = args.keys_file.clone();
    let server = Server::new(
        manager,
        ServerOptions {
            addr: args.addr,
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        },
    )
    .on_reload(move || {
        // A bad file keeps the keys in force.
        if let Err(e) = sync_keys(&reloaded, keys_file.as_deref()) {
            tracing::error!("keys not reloaded: {}", e.message);
        }
    });
    ocrloom_server::run(server).context("serving")?;
    Ok(())
}
