//! Claim throughput of the PostgreSQL job store: 320 jobs queued by one
//! node, then a second node with 16 workers (16 concurrent claimers, a
//! converter that does no work) claims, runs and completes them all; the
//! time per 320 jobs in steady state (from the 32nd output on, scaled to
//! 320: the node's start and its first connections are not claims).
//! Target: at least 500 jobs/s (0.64 s per 320) on a 2-core machine, so
//! the queue is not the limit for hundreds of workers.
//!
//! Runs on a throwaway PostgreSQL server started here (as the tests do,
//! `ocrloom-test-support`).

use criterion::{criterion_group, criterion_main, Criterion};
use ocrloom_jobs::{Config, CreateJobRequest, Durability, FakeConverter, Manager, SystemClock};
use ocrloom_test_support::pg;
use std::sync::Arc;
use std::time::{Duration, Instant};

const JOBS: usize = 320;
const CLAIMERS: usize = 16;
/// Outputs stored before the clock starts.
const WARM_UP: usize = 32;

fn node(dir: &std::path::Path, database: &str, workers: usize) -> Manager {
    Manager::new(
        Config {
            workers,
            durability: Durability::NoSync,
            database: Some(database.to_owned()),
            max_queued_jobs_per_user: JOBS,
            ..Config::in_dir(dir)
        },
        Arc::new(FakeConverter::new()),
        Arc::new(SystemClock),
    )
    .expect("node starts")
}

/// Queues `JOBS` jobs of 4 users, then times 16 claimers draining them.
fn drain_once() -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = pg::fresh_database();
    {
        let api = node(dir.path(), &database, 0);
        let users: Vec<_> = (0..4)
            .map(|i| api.create_user(&format!("u{i}")).expect("user").0)
            .collect();
        for n in 0..JOBS {
            let user = &users[n % users.len()];
            let file = api
                .upload_file(user, "in.pdf", b"%PDF-1.7\n% bench input\n")
                .expect("upload");
            api.create_job(
                user,
                &CreateJobRequest {
                    engine: "fake/ocr".to_owned(),
                    file_id: file.file_id.to_string(),
                    languages: vec!["eng".to_owned()],
                    output_format: "txt".to_owned(),
                },
            )
            .expect("create");
        }
    }
    let worker = node(dir.path(), &database, CLAIMERS);
    // Steady state: timed from the WARM_UP-th output (the node has started
    // and its pool holds its connections) to the last one.
    let outputs = || worker.row_counts().expect("counts").0 - JOBS as u64;
    while outputs() < WARM_UP as u64 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let started = Instant::now();
    let from = outputs();
    while outputs() < JOBS as u64 {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Scaled to JOBS jobs, so the time per iteration reads as "per 320".
    let took = started
        .elapsed()
        .mul_f64(JOBS as f64 / (JOBS as u64 - from) as f64);
    worker.shutdown(Duration::from_secs(5));
    took
}

fn claims(c: &mut Criterion) {
    let mut g = c.benchmark_group("postgres_claims");
    g.sample_size(10);
    g.bench_function("drain_320_jobs_16_claimers", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| drain_once()).sum())
    });
    g.finish();
}

criterion_group!(benches, claims);
criterion_main!(benches);
