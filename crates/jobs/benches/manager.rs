//! Job manager overhead, with a converter that does no work.
//!
//! - `job_roundtrip/{disk_full,disk_consistent,disk_nosync,memory}`: create a
//!   job, let a worker run it (a 1-page fake with no delay), wait for
//!   `completed`: the manager's latency per job (validation, queue hand-off,
//!   store writes, output rename) under each `Durability`. Fsync latency of
//!   the disk dominates the first two. Target: <= 5 ms.
//! - `job_throughput_100/disk_consistent`: 100 jobs submitted at once, 2
//!   workers, until all are completed (time per 100 jobs).
//! - `upload_4k/disk_consistent`: one 4 KiB upload (temp file, fsync, rename, row).
//! - `list_jobs_1000/{query,query_and_json}`: listing a user's 1,000 finished
//!   jobs, with and without serializing the `{"data": [...]}` body.
//!   Target: < 50 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use ocrloom_jobs::{
    Config, CreateJobRequest, Durability, FakeConverter, Manager, SystemClock, UserId,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const PDF: &[u8] = b"%PDF-1.7\n% bench input\n";

fn manager(config: Config) -> Manager {
    Manager::new(
        config,
        Arc::new(FakeConverter::new()),
        Arc::new(SystemClock),
    )
    .expect("manager")
}

fn request(file_id: &str) -> CreateJobRequest {
    CreateJobRequest {
        engine: "fake/ocr".to_owned(),
        file_id: file_id.to_owned(),
        languages: vec!["eng".to_owned()],
        output_format: "txt".to_owned(),
    }
}

fn roundtrip(m: &Manager, user: &UserId, file: &str) {
    let job = m.create_job(user, &request(file)).expect("create");
    let done = m.get_job(user, job.job_id.as_str(), Some(10)).expect("get");
    assert!(done.status.is_finished());
    black_box(done);
}

fn disk(dir: &std::path::Path, durability: Durability, workers: usize) -> Config {
    Config {
        workers,
        durability,
        ..Config::in_dir(dir)
    }
}

fn job_roundtrip(c: &mut Criterion) {
    let dirs: Vec<_> = (0..3)
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    let mut group = c.benchmark_group("job_roundtrip");
    for (name, config) in [
        ("disk_full", disk(dirs[0].path(), Durability::Full, 1)),
        (
            "disk_consistent",
            disk(dirs[1].path(), Durability::Consistent, 1),
        ),
        ("disk_nosync", disk(dirs[2].path(), Durability::NoSync, 1)),
        (
            "memory",
            Config {
                workers: 1,
                ..Config::in_memory()
            },
        ),
    ] {
        let m = manager(config);
        let (user, _) = m.create_user("bench").expect("user");
        let file = m.upload_file(&user, "in.pdf", PDF).expect("upload");
        group.bench_function(name, |b| {
            b.iter(|| roundtrip(&m, &user, file.file_id.as_str()))
        });
    }
    group.finish();
}

fn job_throughput(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = manager(disk(dir.path(), Durability::Consistent, 2));
    let (user, _) = m.create_user("bench").expect("user");
    let file = m.upload_file(&user, "in.pdf", PDF).expect("upload");
    let mut group = c.benchmark_group("job_throughput_100");
    group.sample_size(10);
    group.bench_function("disk_consistent", |b| {
        b.iter(|| {
            let jobs: Vec<_> = (0..100)
                .map(|_| {
                    m.create_job(&user, &request(file.file_id.as_str()))
                        .expect("create")
                })
                .collect();
            for j in jobs {
                let done = m.get_job(&user, j.job_id.as_str(), Some(10)).expect("get");
                assert!(done.status.is_finished());
            }
        })
    });
    group.finish();
}

fn upload(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = manager(disk(dir.path(), Durability::Consistent, 0));
    let (user, _) = m.create_user("bench").expect("user");
    let bytes = vec![7u8; 4096];
    c.bench_function("upload_4k/disk_consistent", |b| {
        b.iter(|| black_box(m.upload_file(&user, "x.bin", &bytes).expect("upload")))
    });
}

fn list_jobs(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = manager(Config {
        workers: 0,
        ..Config::in_dir(dir.path())
    });
    let (user, _) = m.create_user("bench").expect("user");
    let file = m.upload_file(&user, "in.pdf", PDF).expect("upload");
    for _ in 0..1000 {
        m.create_job(&user, &request(file.file_id.as_str()))
            .expect("create");
        m.run_next_job().expect("ran");
    }
    assert_eq!(m.list_jobs(&user).expect("list").data.len(), 1000);
    let mut group = c.benchmark_group("list_jobs_1000");
    group.bench_function("query", |b| {
        b.iter(|| black_box(m.list_jobs(&user).expect("list")))
    });
    group.bench_function("query_and_json", |b| {
        b.iter(|| {
            let list = m.list_jobs(&user).expect("list");
            black_box(serde_json::to_vec(&list).expect("json"))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = job_roundtrip, job_throughput, upload, list_jobs
}
criterion_main!(benches);
