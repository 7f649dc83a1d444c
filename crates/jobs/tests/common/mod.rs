//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ocrloom_jobs::S3Storage;
use ocrloom_jobs::{
    Config, Converter, CreateJobRequest, FakeConverter, Manager, ManualClock, Timestamp, UserId,
};
use std::sync::Arc;

/// The configuration every test starts from: in memory, with the stores
/// the suite runs against. `OCRLOOM_TEST_BACKEND=postgres` runs the same
/// tests against PostgreSQL (a throwaway server, a fresh database per
/// manager), otherwise the embedded SQLite store; `OCRLOOM_TEST_STORAGE=s3`
/// keeps the contents in S3 (a throwaway server, a fresh prefix per
/// manager), otherwise in the data folder.
pub fn base_config() -> Config {
    Config {
        database: ocrloom_test_support::database(),
        s3: ocrloom_test_support::storage().map(s3_storage),
        ..Config::in_memory()
    }
}

/// The manager's settings for a prefix of the throwaway S3 server.
fn s3_storage(s: ocrloom_test_support::s3::Storage) -> S3Storage {
    S3Storage::from_vars(&s.url(), |k| s.var(k)).expect("the test server's settings")
}

/// 2026-04-13T05:32:04Z, the API document's example instant.
pub const T0: Timestamp = Timestamp::from_unix(1_776_058_324);

/// A minimal input of each kind the detector recognises.
pub const PDF: &[u8] = b"%PDF-1.7\n% a fake pdf\n";
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n fake png";

pub fn clock() -> ManualClock {
    ManualClock::new(T0)
}

/// An in-memory manager over `converter` with `workers` workers.
pub fn manager_with(converter: Arc<dyn Converter>, workers: usize, clock: &ManualClock) -> Manager {
    let config = Config {
        workers,
        ..base_config()
    };
    Manager::new(config, converter, Arc::new(clock.clone())).expect("manager starts")
}

pub fn fake_manager(workers: usize) -> (Manager, ManualClock) {
    let clock = clock();
    (
        manager_with(Arc::new(FakeConverter::new()), workers, &clock),
        clock,
    )
}

pub fn user(m: &Manager, name: &str) -> UserId {
    m.create_user(name).expect("user created").0
}

pub fn request(file_id: &str, output: &str) -> CreateJobRequest {
    CreateJobRequest {
        engine: "fake/ocr".to_owned(),
        file_id: file_id.to_owned(),
        languages: vec!["eng".to_owned()],
        output_format: output.to_owned(),
    }
}
