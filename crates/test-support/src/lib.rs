//! Throwaway servers for the tests that run against the shared stores of
//! a cluster: PostgreSQL ([`pg`]) and S3 ([`s3`]), started at first use and
//! removed when the test process ends. A dev-dependency only: it knows
//! nothing of ocrloom's types, so the job manager's own unit tests use it
//! too.

pub mod pg;
pub mod s3;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// `n` distinct free ports (held together while chosen).
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("bound").port())
        .collect()
}

/// Runs the shell command `cleanup` when this process ends, however it
/// ends (a watcher polls for it). The watcher is in a process group of its
/// own, so a signal to the tests' group (a timeout) does not take it with
/// it; it outlives this process by design, so it is never waited for.
fn after_exit(cleanup: &str) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {cleanup}",
        pid = std::process::id(),
    );
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .process_group(0)
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("watcher starts");
}

/// The database the suite runs against: with `OCRLOOM_TEST_BACKEND=postgres`
/// the URL of a new, empty database on the throwaway PostgreSQL server;
/// unset (or `sqlite`), `None`: the embedded SQLite store.
pub fn database() -> Option<String> {
    match std::env::var("OCRLOOM_TEST_BACKEND").as_deref() {
        Ok("postgres") => Some(pg::fresh_database()),
        Ok("sqlite") | Err(_) => None,
        Ok(other) => panic!("OCRLOOM_TEST_BACKEND={other}: use sqlite or postgres"),
    }
}

/// The object storage the suite runs against: with
/// `OCRLOOM_TEST_STORAGE=s3` a new, empty prefix on the throwaway S3
/// server; unset (or `folder`), `None`: the data folder.
pub fn storage() -> Option<s3::Storage> {
    match std::env::var("OCRLOOM_TEST_STORAGE").as_deref() {
        Ok("s3") => Some(s3::fresh_storage()),
        Ok("folder") | Err(_) => None,
        Ok(other) => panic!("OCRLOOM_TEST_STORAGE={other}: use folder or s3"),
    }
}
