//! A cluster on one machine: 2 API nodes (`ocrloom serve --no-worker`) and
//! 3 workers (`ocrloom worker`) on one throwaway PostgreSQL, sharing one
//! throwaway S3 server (`OCRLOOM_TEST_STORAGE=s3`, as `scripts/test.sh`
//! runs it) or else one contents folder. 3 users submit 60
//! jobs (small images and a few 3-page PDFs, real OCR) through both API
//! nodes; one worker is killed with SIGKILL in the middle of a job and one
//! API node too. Every job completes exactly once (one output each, no
//! duplicate or orphan contents), every upload keeps its SHA-256, and the
//! jobs of the dead API node are answered by the other. Once everything
//! has expired, a sweep leaves no row and no object behind.
//!
//! Runs with the PostgreSQL suites (`OCRLOOM_TEST_BACKEND=postgres`, as
//! `scripts/test.sh` does); about a minute, 30 s of it the killed worker's
//! lease running out.

mod serve_support;

use ocrloom::jobs::{Config, FakeConverter, Manager, ManualClock, S3Storage, Timestamp};
use ocrloom_test_support::{pg, s3};
use reqwest::blocking::{multipart, Client};
use serde_json::{json, Value};
use serve_support::{fixtures, temp_dir};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const USERS: [(&str, &str); 3] = [
    ("alice", "olk_cluster_alice_0123456789abcdefghij"),
    ("bob", "olk_cluster_bob_0123456789abcdefghijklm"),
    ("carol", "olk_cluster_carol_0123456789abcdefghij"),
];
const JOBS: usize = 60;

struct Node {
    child: Child,
    log: mpsc::Receiver<String>,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the nodes share: the database and, with S3, the bucket's prefix.
struct Shared {
    database: String,
    s3: Option<s3::Storage>,
}

/// Starts `ocrloom <args>` and waits for a log line containing `ready`;
/// returns the node and that line.
fn start(args: &[&str], data: &Path, shared: &Shared, ready: &str) -> (Node, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ocrloom"));
    command.args(args);
    if let Some(s3) = &shared.s3 {
        command.arg("--storage").arg(s3.url()).envs(s3.vars());
    }
    let mut child = command
        .arg("--data-dir")
        .arg(data)
        .args(["--shutdown-grace", "1"])
        .env("OCRLOOM_DATABASE", &shared.database)
        .env("OCRLOOM_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("OCRLOOM_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ocrloom starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let node = Node { child, log };
    let line = loop {
        let line = node
            .log
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{args:?} logs `{ready}` within 60 s"));
        if line.contains(ready) {
            break line;
        }
    };
    (node, line)
}

fn api_node(data: &Path, shared: &Shared, keys: &Path) -> (Node, String) {
    let keys = keys.to_str().expect("utf-8 path");
    let args = [
        "serve",
        "--no-worker",
        "--addr",
        "127.0.0.1:0",
        "--keys-file",
        keys,
    ];
    let (node, line) = start(&args, data, shared, " listening addr=");
    let addr = line
        .split(" listening addr=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("address")
        // Colour codes, if any, end the address.
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_owned();
    (node, format!("http://{addr}"))
}

fn worker(data: &Path, shared: &Shared) -> Node {
    start(&["worker", "--jobs", "1"], data, shared, "worker ready").0
}

/// How many files have contents: in the bucket (objects under the
/// prefix, every one a file's), or in the contents folder.
fn stored_files(shared: &Shared, data: &Path) -> usize {
    let Some(s3) = &shared.s3 else {
        return std::fs::read_dir(data.join("files"))
            .expect("contents")
            .count();
    };
    let keys = s3.keys();
    let files_prefix = format!("{}/files/", s3.prefix);
    assert!(
        keys.iter().all(|k| k.starts_with(&files_prefix)),
        "objects besides the files' contents: {keys:?}"
    );
    let files: HashSet<&str> = keys
        .iter()
        .filter_map(|key| key.split('/').rev().nth(1))
        .collect();
    files.len()
}

/// The manager's settings for the shared prefix.
fn s3_storage(s3: &s3::Storage) -> S3Storage {
    S3Storage {
        bucket: s3.bucket.clone(),
        prefix: s3.prefix.clone(),
        endpoint: Some(s3.endpoint.clone()),
        region: s3.region.clone(),
        access_key_id: s3.access_key_id.clone(),
        secret_access_key: s3.secret_access_key.clone(),
        allow_http: true,
    }
}

struct Submitted {
    key: &'static str,
    job_id: String,
    file_id: String,
    sha256: Vec<u8>,
}

fn submit(client: &Client, base: &str, key: &'static str, name: &str, bytes: &[u8]) -> Submitted {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    let r = client
        .post(format!("{base}/files"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status(), 200);
    let file_id = r.json::<Value>().expect("json")["file_id"]
        .as_str()
        .expect("file id")
        .to_owned();
    let r = client
        .post(format!("{base}/renderocr/jobs"))
        .bearer_auth(key)
        .json(&json!({"engine": "ocrloom/tesseract", "file_id": file_id, "languages": ["eng"], "output_format": "txt"}))
        .send()
        .expect("create");
    assert_eq!(r.status(), 202);
    let job_id = r.json::<Value>().expect("json")["job_id"]
        .as_str()
        .expect("job id")
        .to_owned();
    Submitted {
        key,
        job_id,
        file_id,
        sha256: Sha256::digest(bytes).to_vec(),
    }
}

#[test]
fn two_api_nodes_three_workers_a_worker_and_a_node_killed_every_job_exactly_once() {
    let Some(database) = ocrloom_test_support::database() else {
        return;
    };
    let shared = Shared {
        database,
        s3: ocrloom_test_support::storage(),
    };
    let data = temp_dir("cluster");
    let keys = data.with_extension("keys");
    let lines: String = USERS.iter().map(|(u, k)| format!("{u} {k}\n")).collect();
    std::fs::write(&keys, lines).expect("keys file");
    let image = std::fs::read(fixtures().join("ocr/phototest.tif")).expect("fixture");
    let pdf = std::fs::read(fixtures().join("sample/scan.pdf")).expect("fixture");

    let apis = [
        api_node(&data, &shared, &keys),
        api_node(&data, &shared, &keys),
    ];
    let mut workers: Vec<Node> = (0..3).map(|_| worker(&data, &shared)).collect();
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    // 60 jobs, users in turn, through both nodes; every 20th a 3-page PDF.
    let jobs: Vec<Submitted> = (0..JOBS)
        .map(|i| {
            let key = USERS[i % USERS.len()].1;
            let base = &apis[i % 2].1;
            if i % 20 == 7 {
                submit(&client, base, key, &format!("scan-{i}.pdf"), &pdf)
            } else {
                submit(&client, base, key, &format!("page-{i}.tif"), &image)
            }
        })
        .collect();
    assert_eq!(jobs.len(), JOBS);

    // A worker dies in the middle of a job: wait for its first completion
    // (it then takes the next job at once: 50-odd are queued).
    let victim = workers.remove(0);
    let t = Instant::now();
    loop {
        let line = victim
            .log
            .recv_timeout(Duration::from_secs(120))
            .expect("the worker completes a job");
        if line.contains("job completed") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120));
    }
    std::thread::sleep(Duration::from_millis(300));
    drop(victim); // SIGKILL
                  // And an API node.
    let [(survivor, base), (dead_api, _)] = apis;
    drop(dead_api);

    // Every job, also those created through the dead node, completes; long
    // polls on the surviving node answer as jobs finish on the workers.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut outputs = HashSet::new();
    for job in &jobs {
        let done = loop {
            let started = Instant::now();
            let r = client
                .get(format!("{base}/renderocr/jobs/{}?wait=10", job.job_id))
                .bearer_auth(job.key)
                .send()
                .expect("poll");
            assert_eq!(r.status(), 200);
            let v: Value = r.json().expect("json");
            if v["status"] == "completed" {
                break v;
            }
            assert_ne!(v["status"], "failed", "{v}");
            // An unfinished job holds the poll for its whole wait.
            assert!(started.elapsed() >= Duration::from_secs(9), "{v}");
            assert!(Instant::now() < deadline, "job {} stuck: {v}", job.job_id);
        };
        let output = done["output_file_id"].as_str().expect("output").to_owned();
        let r = client
            .get(format!("{base}/files/{output}/content"))
            .bearer_auth(job.key)
            .send()
            .expect("output");
        assert_eq!(r.status(), 200);
        let text = r.text().expect("text");
        assert!(text.contains("text") || text.len() > 100, "{text}");
        assert!(outputs.insert(output), "one output per job");
        // The upload is intact.
        let r = client
            .get(format!("{base}/files/{}/content", job.file_id))
            .bearer_auth(job.key)
            .send()
            .expect("input");
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().expect("bytes");
        assert_eq!(Sha256::digest(&bytes).to_vec(), job.sha256);
    }
    assert_eq!(outputs.len(), JOBS);

    // Exactly once in the store: one output row per job, a retried attempt
    // for the job the killed worker held, and as many contents as rows.
    let mut db = postgres::Client::connect(&shared.database, postgres::NoTls).expect("database");
    let row = db
        .query_one(
            "SELECT (SELECT COUNT(*) FROM files WHERE kind = 'output'), \
                    (SELECT COUNT(*) FROM files), \
                    (SELECT COUNT(*) FROM jobs WHERE status = 'completed'), \
                    (SELECT COUNT(*) FROM jobs WHERE attempt > 1)",
            &[],
        )
        .expect("counts");
    let (out_rows, file_rows, completed, retried): (i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!((out_rows, completed), (JOBS as i64, JOBS as i64));
    assert!(retried >= 1, "the killed worker's job ran again");
    let contents = stored_files(&shared, &data);
    assert_eq!(contents as i64, file_rows, "orphan or missing contents");

    // The rest stop cleanly.
    for mut w in workers.into_iter().chain(std::iter::once(survivor)) {
        let pid = w.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(w.child.wait().expect("exit").success());
    }

    // Two days later (retention is 24 h) a node's sweeper removes every
    // job and file, and their contents: nothing is left behind.
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let later = Timestamp::from_unix(i64::try_from(now).expect("a date") + 2 * 86_400);
    let sweeper = Manager::new(
        Config {
            workers: 0,
            database: Some(shared.database.clone()),
            s3: shared.s3.as_ref().map(s3_storage),
            ..Config::in_dir(&data)
        },
        Arc::new(FakeConverter::new()),
        Arc::new(ManualClock::new(later)),
    )
    .expect("a node starts");
    let swept = sweeper.sweep_expired().expect("sweep");
    assert_eq!(
        (swept.jobs as i64, swept.files as i64),
        (JOBS as i64, file_rows)
    );
    drop(sweeper);
    let row = db
        .query_one(
            "SELECT (SELECT COUNT(*) FROM files), (SELECT COUNT(*) FROM jobs)",
            &[],
        )
        .expect("counts");
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (0, 0));
    match &shared.s3 {
        Some(s3) => assert_eq!(s3.keys(), Vec::<String>::new(), "objects left"),
        None => assert_eq!(stored_files(&shared, &data), 0, "contents left"),
    }
    let _ = std::fs::remove_dir_all(&data);
}

/// Bad settings fail at start, within seconds, naming the cause and not
/// the secret: a wrong database password (a server that asks for one over
/// TCP) and, when the suite runs against S3, a wrong secret key.
#[test]
fn a_wrong_database_password_or_s3_secret_fails_at_start_naming_the_cause() {
    if std::env::var("OCRLOOM_TEST_BACKEND").as_deref() != Ok("postgres") {
        return;
    }
    let server = pg::OwnServer::with_password("right-password");
    let url = server.fresh_database();
    postgres::Client::connect(&url, postgres::NoTls).expect("the right password is taken");
    let data = temp_dir("bad-settings");
    let refused = |database: &str, s3: Option<&s3::Storage>, secret: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ocrloom"));
        command.args(["serve", "--addr", "127.0.0.1:0", "--data-dir"]);
        command.arg(&data);
        if let Some(s3) = s3 {
            command
                .arg("--storage")
                .arg(s3.url())
                .envs(s3.vars())
                .env("AWS_SECRET_ACCESS_KEY", secret);
        }
        let t = Instant::now();
        let out = command
            .env("OCRLOOM_DATABASE", database)
            .env("NO_COLOR", "1")
            .env_remove("OCRLOOM_API_KEY")
            .stdin(Stdio::null())
            .output()
            .expect("ocrloom runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(t.elapsed() < Duration::from_secs(20), "{stderr}");
        assert!(!out.status.success(), "{stderr}");
        assert_ne!(out.status.code(), Some(101), "a panic: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains(secret), "the secret is printed: {stderr}");
        stderr
    };
    let wrong = url.replace(":right-password@", ":wrong-password@");
    let stderr = refused(&wrong, None, "wrong-password");
    assert!(
        stderr.contains("error: unavailable: opening the database"),
        "{stderr}"
    );
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    if let Some(s3) = ocrloom_test_support::storage() {
        let stderr = refused(&url, Some(&s3), "not-the-secret");
        assert!(stderr.contains("error: unavailable: opening"), "{stderr}");
        assert!(stderr.contains("the credentials were refused"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&data);
}
