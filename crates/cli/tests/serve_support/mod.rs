//! Starts `ocrloom serve` as a child process on a free loopback port.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const KEY: &str = "olk_test_key_0123456789abcdefghijklmnop";

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fresh folder under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ocrloom-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub struct Serve {
    pub child: Child,
    pub base: String,
    /// Stderr lines after start-up (the request log).
    pub log: mpsc::Receiver<String>,
}

/// Removes ANSI colour sequences from a log line.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Starts the server over `data` with the test key for `alice`, and waits
/// for its `listening` line.
pub fn start(data: &Path) -> Serve {
    start_with(data, &[])
}

/// [`start`] with more arguments for `ocrloom serve`.
pub fn start_with(data: &Path, extra: &[&str]) -> Serve {
    let keys = data.with_extension("keys");
    std::fs::write(&keys, format!("# test users\nalice {KEY}\n")).expect("keys file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocrloom"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--shutdown-grace",
            "1",
            "--data-dir",
        ])
        .arg(data)
        .arg("--keys-file")
        .arg(&keys)
        .args(extra)
        .env("OCRLOOM_LOG", "info")
        .env_remove("OCRLOOM_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ocrloom serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(plain(&line)).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server logs `listening` within 30 s");
        if let Some(rest) = line.split(" listening addr=").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    Serve {
        child,
        base: format!("http://{addr}"),
        log: rx,
    }
}

impl Serve {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Peak resident memory of the server so far, in KiB (Linux).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// SIGTERM, then waits; returns whether it exited with success.
    pub fn terminate(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().map(|s| s.success()).unwrap_or(false)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // Only reached when a test failed midway: do not leave it running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
