//! Expiry with a manual clock, isolation between users, many jobs at once,
//! and fairness between a large and a small job.

mod common;

use common::*;
use ocrloom_jobs::{
    Config, CreateJobRequest, ErrorCode, FakeConverter, FakeCores, JobStatus, Manager,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn files_expire_after_24_hours_and_the_sweeper_removes_them() {
    let (m, clock) = fake_manager(0);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let stored = || m.stored_contents().expect("contents");
    assert_eq!(stored(), [f.file_id.to_string()]);
    clock.advance(24 * HOUR - Duration::from_secs(1));
    m.file_info(&u, f.file_id.as_str()).expect("still there");
    assert_eq!(m.sweep_expired().expect("sweep").files, 0);
    clock.advance(Duration::from_secs(1));
    // Expired: unknown at once, before any sweep.
    let e = m.file_info(&u, f.file_id.as_str()).expect_err("expired");
    assert_eq!((e.code(), e.http_status()), (ErrorCode::InvalidFileId, 404));
    assert_eq!(
        m.file_content(&u, f.file_id.as_str(), None)
            .expect_err("expired")
            .code(),
        ErrorCode::InvalidFileId
    );
    assert!(m.list_files(&u).expect("list").data.is_empty());
    assert_eq!(
        m.create_job(&u, &request(f.file_id.as_str(), "pdf"))
            .expect_err("expired")
            .code(),
        ErrorCode::InvalidFileId
    );
    assert_eq!(stored(), [f.file_id.to_string()]);
    assert_eq!(m.sweep_expired().expect("sweep").files, 1);
    assert!(stored().is_empty());
    assert_eq!(m.row_counts().expect("counts"), (0, 0));
}

#[test]
fn job_results_expire_after_the_configured_retention() {
    let clock = clock();
    let config = Config {
        workers: 0,
        job_retention: HOUR,
        ..base_config()
    };
    let m = Manager::new(
        config,
        Arc::new(FakeConverter::new()),
        Arc::new(clock.clone()),
    )
    .expect("manager");
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "pdf"))
        .expect("create");
    // Queued jobs do not expire, however long they wait.
    clock.advance(2 * HOUR);
    m.sweep_expired().expect("sweep");
    m.run_next_job().expect("ran");
    let done = m.get_job(&u, j.job_id.as_str(), None).expect("get");
    assert_eq!(
        done.expires_at.map(|t| t.unix()),
        Some(T0.unix() + 3 * 3600)
    );
    let out = done.output_file_id.expect("output");
    assert_eq!(
        m.file_info(&u, out.as_str()).expect("output").expires_at,
        done.expires_at.expect("expiry")
    );
    clock.advance(HOUR);
    assert_eq!(
        m.get_job(&u, j.job_id.as_str(), Some(1))
            .expect_err("expired")
            .code(),
        ErrorCode::InvalidJobId
    );
    assert_eq!(
        m.file_content(&u, out.as_str(), None)
            .expect_err("expired")
            .code(),
        ErrorCode::InvalidFileId
    );
    assert!(m.list_jobs(&u).expect("list").data.is_empty());
    let swept = m.sweep_expired().expect("sweep");
    assert_eq!((swept.jobs, swept.files), (1, 1));
    assert!(!m
        .stored_contents()
        .expect("contents")
        .contains(&out.to_string()));
    // The input still has 21 hours to live.
    m.file_info(&u, f.file_id.as_str()).expect("input lives on");
}

#[test]
fn an_expired_input_is_kept_until_its_queued_job_has_run() {
    let (m, clock) = fake_manager(0);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "pdf"))
        .expect("create");
    clock.advance(25 * HOUR);
    assert_eq!(
        m.sweep_expired().expect("sweep").files,
        0,
        "the queued job still needs it"
    );
    m.run_next_job().expect("ran");
    assert_eq!(
        m.get_job(&u, j.job_id.as_str(), None).expect("get").status,
        JobStatus::Completed
    );
    assert_eq!(m.sweep_expired().expect("sweep").files, 1);
}

#[test]
fn another_users_ids_behave_exactly_as_unknown_ones() {
    let (m, _clock) = fake_manager(1);
    let alice = user(&m, "alice");
    let bob = user(&m, "bob");
    let f = m.upload_file(&alice, "a.pdf", PDF).expect("upload");
    let up = m.create_upload(&alice, "c.pdf").expect("upload");
    let j = m
        .create_job(&alice, &request(f.file_id.as_str(), "pdf"))
        .expect("create");
    let j = m.get_job(&alice, j.job_id.as_str(), Some(10)).expect("get");
    let out = j.output_file_id.clone().expect("output");
    let unknown = "akrj49467f644hncvs7cmw1bj3j1mcnk";

    // Same code, same status, same message shape as a never-seen id.
    let same = |theirs: ocrloom_jobs::Error, id: &str, never: ocrloom_jobs::Error| {
        assert_eq!(
            (theirs.code(), theirs.http_status()),
            (never.code(), never.http_status())
        );
        assert_eq!(
            theirs.to_string().replace(id, "ID"),
            never.to_string().replace(unknown, "ID")
        );
    };
    for id in [f.file_id.as_str(), out.as_str(), up.file_id.as_str()] {
        same(
            m.file_info(&bob, id).expect_err("hidden"),
            id,
            m.file_info(&bob, unknown).expect_err("unknown"),
        );
        same(
            m.file_content(&bob, id, None).expect_err("hidden"),
            id,
            m.file_content(&bob, unknown, None).expect_err("unknown"),
        );
        same(
            m.append_upload(&bob, id, b"x").expect_err("hidden"),
            id,
            m.append_upload(&bob, unknown, b"x").expect_err("unknown"),
        );
        same(
            m.create_job(&bob, &request(id, "pdf")).expect_err("hidden"),
            id,
            m.create_job(&bob, &request(unknown, "pdf"))
                .expect_err("unknown"),
        );
    }
    same(
        m.get_job(&bob, j.job_id.as_str(), Some(1))
            .expect_err("hidden"),
        j.job_id.as_str(),
        m.get_job(&bob, unknown, Some(1)).expect_err("unknown"),
    );
    assert!(m.list_files(&bob).expect("list").data.is_empty());
    assert!(m.list_jobs(&bob).expect("list").data.is_empty());
    assert_eq!(m.list_files(&alice).expect("list").data.len(), 3);
    assert_eq!(m.list_jobs(&alice).expect("list").data.len(), 1);
}

#[test]
fn fifty_jobs_submitted_at_once_all_complete_correctly() {
    let (m, _clock) = fake_manager(2);
    let m = Arc::new(m);
    let users: Vec<_> = (0..5).map(|i| user(&m, &format!("user{i}"))).collect();
    let start = Instant::now();
    let handles: Vec<_> = users
        .iter()
        .cloned()
        .enumerate()
        .map(|(t, u)| {
            let m = Arc::clone(&m);
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| {
                        let pages = (t * 10 + i) % 7 + 1;
                        let input = format!("%PDF-1.7 FAKE:pages={pages} FAKE:delay_ms=2");
                        let f = m
                            .upload_file(&u, "in.pdf", input.as_bytes())
                            .expect("upload");
                        let j = m
                            .create_job(&u, &request(f.file_id.as_str(), "txt"))
                            .expect("create");
                        assert_eq!(j.status, JobStatus::Queued);
                        (u.clone(), j.job_id, pages)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let jobs: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("submitter"))
        .collect();
    assert_eq!(jobs.len(), 50);
    for (u, id, pages) in &jobs {
        let j = m.get_job(u, id.as_str(), Some(10)).expect("get");
        assert_eq!(j.status, JobStatus::Completed, "{j:?}");
        assert_eq!(j.usage.input_pages as usize, *pages);
        let text = m
            .file_content(u, j.output_file_id.expect("output").as_str(), None)
            .expect("content");
        let text = String::from_utf8(text.into_bytes().expect("read")).expect("utf-8");
        assert_eq!(text.lines().count(), pages + 1, "{text}");
        assert!(text.ends_with(&format!("page {pages} of {pages}\n")));
    }
    for u in &users {
        let listed = m.list_jobs(u).expect("list").data;
        assert_eq!(listed.len(), 10);
        assert!(listed
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at));
    }
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn list_is_newest_first() {
    let (m, clock) = fake_manager(0);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let ids: Vec<_> = (0..5)
        .map(|_| {
            clock.advance(Duration::from_secs(1));
            m.create_job(&u, &request(f.file_id.as_str(), "pdf"))
                .expect("create")
                .job_id
        })
        .collect();
    let listed: Vec<_> = m
        .list_jobs(&u)
        .expect("list")
        .data
        .into_iter()
        .map(|j| j.job_id)
        .collect();
    assert_eq!(listed, ids.into_iter().rev().collect::<Vec<_>>());
}

/// A 1-page job submitted behind a 300-page job finishes long before it:
/// the manager runs both at once, and the (fake) converter shares one "core"
/// between them page by page, as the real one shares its OCR pool.
#[test]
fn a_small_job_is_not_stuck_behind_a_large_one() {
    let clock = clock();
    let cores = FakeCores::new(1);
    let fake = FakeConverter::new()
        .page_delay(Duration::from_millis(5))
        .shared_cores(cores);
    let m = manager_with(Arc::new(fake), 2, &clock);
    let u = user(&m, "alice");
    let big = m
        .upload_file(&u, "big.pdf", b"%PDF-1.7 FAKE:pages=300")
        .expect("upload");
    let small = m
        .upload_file(&u, "small.pdf", b"%PDF-1.7 FAKE:pages=1")
        .expect("upload");
    let start = Instant::now();
    let big = m
        .create_job(&u, &request(big.file_id.as_str(), "pdf"))
        .expect("create");
    // Make sure the big job has started and holds the core in turn.
    while m
        .get_job(&u, big.job_id.as_str(), None)
        .expect("get")
        .progress
        == 0
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    let small = m
        .create_job(&u, &request(small.file_id.as_str(), "pdf"))
        .expect("create");
    let small = m.get_job(&u, small.job_id.as_str(), Some(10)).expect("get");
    let small_done = start.elapsed();
    assert_eq!(small.status, JobStatus::Completed);
    let big_now = m.get_job(&u, big.job_id.as_str(), None).expect("get");
    assert_eq!(
        big_now.status,
        JobStatus::Processing,
        "the small job finished first"
    );
    assert!(big_now.progress < 50, "big job at {}%", big_now.progress);
    let big = m.get_job(&u, big.job_id.as_str(), Some(10)).expect("get");
    let big_done = start.elapsed();
    assert_eq!(big.status, JobStatus::Completed);
    assert!(
        small_done * 5 < big_done,
        "small {small_done:?}, big {big_done:?}"
    );
}

#[test]
fn create_returns_at_once_even_when_all_workers_are_busy() {
    let fake = FakeConverter::new()
        .pages(1000)
        .page_delay(Duration::from_millis(5));
    let clock = clock();
    let m = manager_with(Arc::new(fake), 1, &clock);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let _busy = m
        .create_job(&u, &request(f.file_id.as_str(), "pdf"))
        .expect("create");
    let start = Instant::now();
    let j = m
        .create_job(
            &u,
            &CreateJobRequest {
                languages: vec![],
                ..request(f.file_id.as_str(), "pdf")
            },
        )
        .expect("create");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "create waited for a worker"
    );
    assert_eq!(j.status, JobStatus::Queued);
}

/// A content that no file names (a node stopped between storing it and
/// recording it) is removed by the sweep once older than the grace period,
/// and not before; recorded contents stay.
#[test]
fn the_sweep_removes_contents_no_file_names_after_the_grace_period() {
    for (grace, removed) in [(HOUR, 0), (Duration::ZERO, 1)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config {
            workers: 0,
            orphan_grace: grace,
            database: ocrloom_test_support::database(),
            ..Config::in_dir(dir.path())
        };
        let m = Manager::new(config, Arc::new(FakeConverter::new()), Arc::new(clock()))
            .expect("manager starts");
        let u = user(&m, "alice");
        let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
        std::fs::write(dir.path().join("files").join("orphan"), PDF).expect("orphan written");
        let stored = || m.stored_contents().expect("contents");
        assert_eq!(stored().len(), 2);
        let report = m.sweep_expired().expect("sweep");
        assert_eq!(
            (report.orphans, report.files),
            (removed, 0),
            "grace {grace:?}"
        );
        assert_eq!(stored().len(), 2 - removed);
        assert!(stored().contains(&f.file_id.to_string()));
        m.file_content(&u, f.file_id.as_str(), None)
            .expect("the recorded file is still served");
    }
}
