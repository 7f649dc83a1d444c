//! A throwaway PostgreSQL server for the tests that run against the shared
//! job store: `initdb` in a temporary folder, `pg_ctl start` on a free
//! port, one fresh database per manager; a watcher process stops the server
//! and removes the folder when the test process ends.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The PostgreSQL binaries: the newest Debian `postgresql-N` folder, or
/// the ones on `PATH`.
fn bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|it| {
            it.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.into_iter()
        .rev()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Runs `cmd` as the `postgres` user when this process is root (PostgreSQL
/// refuses to run as root).
fn as_postgres(program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Server {
    port: u16,
}

fn start() -> Server {
    let dir = tempfile::Builder::new()
        .prefix("ocrloom-pg-")
        .tempdir()
        .expect("temporary folder")
        .keep();
    let data = dir.join("data");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("chown runs");
        assert!(ok.success(), "chown of {}", dir.display());
    }
    let out = as_postgres(&bin("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "-D",
        ])
        .arg(&data)
        .output()
        .expect("initdb runs (is the postgresql package installed? scripts/setup.sh)");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        dir.display()
    );
    let out = as_postgres(&bin("pg_ctl"))
        .args(["-w", "-t", "30", "-D"])
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .args(["-o", &opts, "start"])
        .output()
        .expect("pg_ctl runs");
    assert!(
        out.status.success(),
        "pg_ctl start failed: {} {}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    );
    // Stop and remove everything when this process ends, however it ends.
    let pg_ctl = bin("pg_ctl");
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {runuser} {pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        // SAFETY: geteuid has no preconditions.
        runuser = if unsafe { libc::geteuid() } == 0 {
            "runuser -u postgres --"
        } else {
            ""
        },
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    );
    // In a process group of its own: a signal to the tests' group (a
    // timeout) does not take the watcher with it. It outlives this process
    // by design, so it is never waited for.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .process_group(0)
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("watcher starts");
    Server { port }
}

static SERVER: OnceLock<Server> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The URL of a new, empty database on the throwaway server (started at
/// the first call).
pub fn fresh_database() -> String {
    let server = SERVER.get_or_init(start);
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("admin connection");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    format!("postgres://postgres@127.0.0.1:{}/{name}", server.port)
}
