//! Throwaway servers for the tests that run against the shared stores of
//! a cluster: PostgreSQL ([`pg`]) and S3 ([`s3`]), started at first use and
//! removed when the test process ends. A dev-dependency only: it knows
//! nothing of ocrloom's types, so the job manager's own unit tests use it
//! too.

pub mod pg;
pub mod s3;

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
