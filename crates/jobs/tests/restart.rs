//! Data survives restarts; crashed jobs run again; the folder and the
//! database agree after start.

mod common;

use common::*;
use ocrloom_jobs::{Config, ErrorCode, FakeConverter, FileId, JobStatus, Manager, ManualClock};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "restart-test-key-0123456789abcdefghij";

fn open(dir: &Path, fake: FakeConverter, workers: usize, clock: &ManualClock) -> Manager {
    let config = Config {
        workers,
        ..Config::in_dir(dir)
    };
    Manager::new(config, Arc::new(fake), Arc::new(clock.clone())).expect("manager starts")
}

fn tmp_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("tmp")).expect("tmp").count()
}

#[test]
fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = clock();
    let (user, key, file, upload, job, listing) = {
        let m = open(dir.path(), FakeConverter::new().pages(3), 1, &clock);
        let (user, key) = m.create_user("alice").expect("user");
        let file = m.upload_file(&user, "a.pdf", PDF).expect("upload");
        let upload = m.create_upload(&user, "chunks.png").expect("upload");
        m.append_upload(&user, upload.file_id.as_str(), PNG)
            .expect("append");
        let job = m
            .create_job(&user, &request(file.file_id.as_str(), "txt"))
            .expect("create");
        let job = m
            .get_job(&user, job.job_id.as_str(), Some(10))
            .expect("get");
        assert_eq!(job.status, JobStatus::Completed);
        let listing = (
            m.list_files(&user).expect("files"),
            m.list_jobs(&user).expect("jobs"),
        );
        m.shutdown(Duration::from_secs(5));
        (user, key, file, upload, job, listing)
    };
    let m = open(dir.path(), FakeConverter::new(), 1, &clock);
    assert_eq!(m.authenticate(key.expose()).expect("key survives"), user);
    assert_eq!(m.list_files(&user).expect("files"), listing.0);
    assert_eq!(m.list_jobs(&user).expect("jobs"), listing.1);
    assert_eq!(
        m.get_job(&user, job.job_id.as_str(), None).expect("job"),
        job
    );
    let c = m
        .file_content(&user, file.file_id.as_str(), None)
        .expect("content");
    assert_eq!(c.into_bytes().expect("read"), PDF);
    let c = m
        .file_content(&user, upload.file_id.as_str(), None)
        .expect("content");
    assert_eq!(c.into_bytes().expect("read"), PNG);
    let out = job.output_file_id.expect("output");
    let text = m
        .file_content(&user, out.as_str(), None)
        .expect("output")
        .into_bytes()
        .expect("read");
    assert_eq!(
        text,
        b"fake/ocr pdf->txt [eng] 3 pages\npage 1 of 3\npage 2 of 3\npage 3 of 3\n"
    );
}

#[test]
fn queued_jobs_run_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = clock();
    let (user, job) = {
        let m = open(dir.path(), FakeConverter::new(), 0, &clock);
        let user = user(&m, "alice");
        let f = m.upload_file(&user, "a.pdf", PDF).expect("upload");
        (
            user.clone(),
            m.create_job(&user, &request(f.file_id.as_str(), "pdf"))
                .expect("create"),
        )
    };
    let m = open(dir.path(), FakeConverter::new(), 1, &clock);
    let j = m
        .get_job(&user, job.job_id.as_str(), Some(10))
        .expect("get");
    assert_eq!(j.status, JobStatus::Completed);
}

#[test]
fn graceful_shutdown_lets_running_jobs_finish_or_requeues_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = clock();
    let slow = || {
        FakeConverter::new()
            .pages(100)
            .page_delay(Duration::from_millis(10))
    };
    let (user, job) = {
        let m = open(dir.path(), slow(), 1, &clock);
        let user = user(&m, "alice");
        let f = m.upload_file(&user, "a.pdf", PDF).expect("upload");
        let job = m
            .create_job(&user, &request(f.file_id.as_str(), "pdf"))
            .expect("create");
        wait_for_progress(&m, &user, job.job_id.as_str());
        // Far too little grace for 100 pages: the job is cancelled and requeued.
        let start = Instant::now();
        m.shutdown(Duration::from_millis(50));
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "cancel was honoured quickly"
        );
        let j = m.get_job(&user, job.job_id.as_str(), None).expect("get");
        assert_eq!(j.status, JobStatus::Queued);
        assert!(j.progress > 0, "progress is kept, never lowered");
        (user, job)
    };
    assert_eq!(tmp_entries(dir.path()), 0, "the partial output was removed");
    let m = open(dir.path(), FakeConverter::new().pages(100), 1, &clock);
    let j = m
        .get_job(&user, job.job_id.as_str(), Some(10))
        .expect("get");
    assert_eq!((j.status, j.progress), (JobStatus::Completed, 100));
}

fn wait_for_progress(m: &Manager, user: &ocrloom_jobs::UserId, job: &str) {
    let start = Instant::now();
    loop {
        let j = m.get_job(user, job, None).expect("get");
        if j.status == JobStatus::Processing && j.progress > 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "job never progressed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Not a test on its own: the child process of
/// `a_job_interrupted_by_a_crash_completes_after_restart`, which aborts the
/// process in the middle of a job. Without the variable it does nothing.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os("OCRLOOM_JOBS_CRASH_DIR") else {
        return;
    };
    let job = std::env::var("OCRLOOM_JOBS_CRASH_JOB").expect("job id");
    let fake = FakeConverter::new()
        .pages(100)
        .page_delay(Duration::from_millis(20));
    let m = open(Path::new(&dir), fake, 1, &clock());
    let user = m.authenticate(KEY).expect("key");
    wait_for_progress(&m, &user, &job);
    // A crash, not a shutdown: no destructor, no cleanup.
    std::process::abort();
}

#[test]
fn a_job_interrupted_by_a_crash_completes_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = clock();
    let (user, job) = {
        let m = open(dir.path(), FakeConverter::new(), 0, &clock);
        let user = user(&m, "alice");
        m.add_api_key(&user, KEY).expect("key");
        let f = m.upload_file(&user, "a.pdf", PDF).expect("upload");
        (
            user.clone(),
            m.create_job(&user, &request(f.file_id.as_str(), "txt"))
                .expect("create"),
        )
    };
    let status = Command::new(std::env::current_exe().expect("test binary"))
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("OCRLOOM_JOBS_CRASH_DIR", dir.path())
        .env("OCRLOOM_JOBS_CRASH_JOB", job.job_id.as_str())
        .status()
        .expect("child runs");
    assert!(!status.success(), "the child must have crashed");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("tmp"))
        .expect("tmp")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(leftovers.len(), 1, "the crash left a half-written output");

    let m = open(dir.path(), FakeConverter::new().pages(4), 1, &clock);
    // (The restarted worker may already be writing a new temp file.)
    assert!(
        !leftovers[0].exists(),
        "start-up removed the half-written output"
    );
    let j = m
        .get_job(&user, job.job_id.as_str(), Some(10))
        .expect("get");
    assert_eq!(j.status, JobStatus::Completed);
    let out = m
        .file_content(&user, j.output_file_id.expect("output").as_str(), None)
        .expect("content");
    assert_eq!(
        out.into_bytes().expect("read"),
        b"fake/ocr pdf->txt [eng] 4 pages\npage 1 of 4\npage 2 of 4\npage 3 of 4\npage 4 of 4\n"
    );
    assert_eq!(
        m.row_counts().expect("counts"),
        (2, 1),
        "one input, one output, one job"
    );
}

#[test]
fn contents_and_rows_agree_after_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = clock();
    let (user, kept, lost, chunked) = {
        let m = open(dir.path(), FakeConverter::new(), 0, &clock);
        let user = user(&m, "alice");
        let kept = m.upload_file(&user, "kept.pdf", PDF).expect("upload");
        let lost = m.upload_file(&user, "lost.pdf", PDF).expect("upload");
        let chunked = m.create_upload(&user, "c.bin").expect("upload");
        m.append_upload(&user, chunked.file_id.as_str(), b"committed")
            .expect("append");
        (user, kept, lost, chunked)
    };
    let files = dir.path().join("files");
    let orphan = FileId::generate().expect("id");
    std::fs::write(files.join(orphan.as_str()), b"no row").expect("orphan content");
    std::fs::write(dir.path().join("tmp").join("upload.part"), b"half").expect("temp");
    std::fs::remove_file(files.join(lost.file_id.as_str())).expect("lose content");
    // A chunk written but never committed (crash between write and commit).
    let mut c = std::fs::OpenOptions::new()
        .append(true)
        .open(files.join(chunked.file_id.as_str()))
        .expect("open");
    std::io::Write::write_all(&mut c, b" and uncommitted").expect("append");
    drop(c);

    let m = open(dir.path(), FakeConverter::new(), 0, &clock);
    assert!(
        !files.join(orphan.as_str()).exists(),
        "content without a row removed"
    );
    assert_eq!(tmp_entries(dir.path()), 0);
    assert_eq!(
        m.file_info(&user, lost.file_id.as_str())
            .expect_err("gone")
            .code(),
        ErrorCode::InvalidFileId
    );
    assert_eq!(
        m.file_info(&user, kept.file_id.as_str())
            .expect("kept")
            .size,
        PDF.len() as u64
    );
    let c = m
        .file_content(&user, chunked.file_id.as_str(), None)
        .expect("content");
    assert_eq!(c.into_bytes().expect("read"), b"committed");
    assert_eq!(
        std::fs::metadata(files.join(chunked.file_id.as_str()))
            .expect("meta")
            .len(),
        9
    );
    m.append_upload(&user, chunked.file_id.as_str(), b"!")
        .expect("append after repair");
    let c = m
        .file_content(&user, chunked.file_id.as_str(), None)
        .expect("content");
    assert_eq!(c.into_bytes().expect("read"), b"committed!");
    let mut names: Vec<String> = std::fs::read_dir(&files)
        .expect("files")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want = vec![kept.file_id.to_string(), chunked.file_id.to_string()];
    want.sort();
    assert_eq!(names, want);
    assert_eq!(m.row_counts().expect("counts").0, 2);
}
