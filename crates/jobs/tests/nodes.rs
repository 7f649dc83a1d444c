//! Several nodes on one PostgreSQL job store: a long poll on one node hears
//! a completion on another (LISTEN/NOTIFY), also after its connection was
//! cut; a database outage answers `unavailable` (503) and the node recovers
//! by itself. Run when the suite runs against PostgreSQL
//! (`OCRLOOM_TEST_BACKEND=postgres`, as `scripts/test.sh` does): each node
//! is a manager with a connection pool and a listener of its own.

mod common;

use common::{request, PDF};
use ocrloom_jobs::{
    Config, Durability, ErrorCode, FakeConverter, JobStatus, Manager, SystemClock, UserId,
};
use ocrloom_test_support::pg;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn on_postgres() -> bool {
    std::env::var("OCRLOOM_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// A node without workers (jobs run with `run_next_job`), its contents in
/// `dir` (shared by the nodes of a test).
fn node(dir: &Path, database: &str) -> Manager {
    Manager::new(
        Config {
            workers: 0,
            durability: Durability::NoSync,
            database: Some(database.to_owned()),
            connect_timeout: Duration::from_secs(2),
            ..Config::in_dir(dir)
        },
        Arc::new(FakeConverter::new()),
        Arc::new(SystemClock),
    )
    .expect("node starts")
}

/// Queues a job of `user` on `node`; its id.
fn queue(node: &Manager, user: &UserId) -> String {
    let file = node.upload_file(user, "in.pdf", PDF).expect("upload");
    node.create_job(user, &request(file.file_id.as_str(), "txt"))
        .expect("job")
        .job_id
        .to_string()
}

/// Runs the next job on `node`, retrying while the database cannot be
/// reached (a cut connection fails one claim); when it ran.
fn run_one(node: &Manager, within: Duration) -> Instant {
    let deadline = Instant::now() + within;
    loop {
        if node.run_next_job().is_some() {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "no job ran");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Long-polls `job` on `api` (wait=10) while `worker` runs it; how long
/// after the completion the poll answered.
fn poll_while_run(api: &Manager, worker: &Manager, user: &UserId, job: &str) -> Duration {
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let j = api.get_job(user, job, Some(10)).expect("poll");
            (j.status, Instant::now())
        });
        // The poll is parked before the job runs.
        std::thread::sleep(Duration::from_millis(300));
        let completed = run_one(worker, Duration::from_secs(5));
        let (status, answered) = waiter.join().expect("waiter");
        assert_eq!(status, JobStatus::Completed);
        answered.saturating_duration_since(completed)
    })
}

#[test]
fn a_long_poll_on_one_node_answers_within_a_second_of_a_completion_on_another() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let database = pg::fresh_database();
    let (api, worker) = (node(dir.path(), &database), node(dir.path(), &database));
    let user = api.create_user("alice").expect("user").0;
    for _ in 0..3 {
        let job = queue(&api, &user);
        let late = poll_while_run(&api, &worker, &user, &job);
        assert!(late < Duration::from_secs(1), "answered {late:?} late");
    }
}

#[test]
fn after_a_cut_connection_the_listener_comes_back_and_waiters_read_again() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let database = pg::fresh_database();
    let (api, worker) = (node(dir.path(), &database), node(dir.path(), &database));
    let user = api.create_user("alice").expect("user").0;
    let job = queue(&api, &user);
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let j = api.get_job(&user, &job, Some(10)).expect("poll");
            (j.status, Instant::now())
        });
        std::thread::sleep(Duration::from_millis(300));
        // Every connection of both nodes, the listeners' included, is cut;
        // the job completes while the api node may not be listening.
        pg::cut_shared_connections(&database);
        let completed = run_one(&worker, Duration::from_secs(10));
        let (status, answered) = waiter.join().expect("waiter");
        assert_eq!(status, JobStatus::Completed);
        let late = answered.saturating_duration_since(completed);
        // The listener connects again within about a second and wakes
        // every waiter; without it the poll would wait its 10 s.
        assert!(late < Duration::from_secs(4), "answered {late:?} late");
    });
    // And it hears completions again.
    std::thread::sleep(Duration::from_secs(2));
    let job = queue(&api, &user);
    let late = poll_while_run(&api, &worker, &user, &job);
    assert!(late < Duration::from_secs(1), "answered {late:?} late");
}

#[test]
fn a_database_outage_answers_unavailable_and_the_node_recovers_by_itself() {
    if !on_postgres() {
        return;
    }
    let server = pg::OwnServer::start();
    let database = server.fresh_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let node = node(dir.path(), &database);
    let user = node.create_user("alice").expect("user").0;
    let job = queue(&node, &user);
    server.stop();
    for _ in 0..3 {
        let started = Instant::now();
        let e = node.get_job(&user, &job, None).expect_err("database down");
        assert_eq!((e.code(), e.http_status()), (ErrorCode::Unavailable, 503));
        assert!(e.to_string().contains("cannot be reached"), "{e}");
        // The connection timeout (2 s), not a hang.
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    // A node cannot start without its database: a clear error, soon.
    let started = Instant::now();
    let e = Manager::new(
        Config {
            workers: 0,
            database: Some(database.clone()),
            connect_timeout: Duration::from_secs(2),
            ..Config::in_dir(dir.path())
        },
        Arc::new(FakeConverter::new()),
        Arc::new(SystemClock),
    )
    .expect_err("no database");
    assert_eq!(e.code(), ErrorCode::Unavailable);
    assert!(started.elapsed() < Duration::from_secs(5));
    server.restart();
    // Back by itself: connections the outage broke leave the pool.
    let deadline = Instant::now() + Duration::from_secs(15);
    let job_now = loop {
        match node.get_job(&user, &job, None) {
            Ok(j) => break j,
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::Unavailable, "{e}");
                assert!(Instant::now() < deadline, "not back: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    assert_eq!(job_now.status, JobStatus::Queued);
    run_one(&node, Duration::from_secs(5));
    let done = node.get_job(&user, &job, None).expect("job");
    assert_eq!(done.status, JobStatus::Completed);
}
