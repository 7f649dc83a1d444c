//! Injected write failures: a converter that fails after writing part of the
//! output, and a store that cannot take the output. The job fails cleanly
//! with `internal`, no output file is registered, and no partial or orphan
//! content is left behind.

mod common;

use common::*;
use ocrloom_jobs::{
    CancelFlag, ConvertError, ConvertOutcome, ConvertRequest, Converter, Engine, ErrorCode,
    FakeConverter, Job, JobStatus, Manager, UserId,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Uploads `input`, runs one job on it to `txt`, and returns the job and
/// the input's id.
fn run_one(m: &Manager, u: &UserId, input: &[u8]) -> (Job, String) {
    let f = m.upload_file(u, "in.pdf", input).expect("upload");
    let j = m
        .create_job(u, &request(f.file_id.as_str(), "txt"))
        .expect("create");
    assert_eq!(m.run_next_job().as_ref(), Some(&j.job_id));
    let j = m.get_job(u, j.job_id.as_str(), None).expect("get");
    (j, f.file_id.to_string())
}

/// Failed with `internal`, no output, and only the input is a file.
fn assert_failed_cleanly(m: &Manager, u: &UserId, j: &Job) {
    assert_eq!(j.status, JobStatus::Failed);
    assert!(j.output_file_id.is_none());
    assert_eq!(j.error.as_ref().map(|e| e.code), Some(ErrorCode::Internal));
    assert_eq!(m.list_files(u).expect("files").data.len(), 1);
    assert_eq!(m.row_counts().expect("counts"), (1, 1));
}

#[test]
fn a_converter_failing_mid_write_leaves_no_output() {
    let (m, _clock) = fake_manager(0);
    let u = user(&m, "alice");
    let (j, input) = run_one(&m, &u, b"%PDF-1.7 FAKE:pages=3 FAKE:write_fail");
    assert_failed_cleanly(&m, &u, &j);
    assert!(
        j.error
            .as_ref()
            .is_some_and(|e| e.message.contains("injected write failure")),
        "{:?}",
        j.error
    );
    assert_eq!(m.stored_contents().expect("contents"), [input]);
    assert!(names(&m.data_dir().join("tmp")).is_empty());
}

#[test]
fn an_unwritable_work_folder_fails_the_job_cleanly() {
    let (m, _clock) = fake_manager(0);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "in.pdf", PDF).expect("upload");
    // Outputs are written in tmp/: make it a file (root ignores permissions).
    let tmp = m.data_dir().join("tmp");
    std::fs::remove_dir(&tmp).expect("tmp is empty");
    std::fs::write(&tmp, b"not a folder").expect("file");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "txt"))
        .expect("create");
    m.run_next_job().expect("ran");
    let j = m.get_job(&u, j.job_id.as_str(), None).expect("get");
    assert_failed_cleanly(&m, &u, &j);
    assert_eq!(
        m.stored_contents().expect("contents"),
        [f.file_id.to_string()]
    );
    assert_eq!(
        std::fs::read(&tmp).expect("still the file"),
        b"not a folder"
    );
}

/// The fake, and then the content folder turns into a file, so storing the
/// output (the rename into `files/`) fails.
struct BreaksTheStore {
    fake: FakeConverter,
    data: OnceLock<PathBuf>,
}

impl Converter for BreaksTheStore {
    fn engines(&self) -> Vec<Engine> {
        Converter::engines(&self.fake)
    }

    fn convert(
        &self,
        request: &ConvertRequest,
        input: &Path,
        output: &Path,
        progress: &(dyn Fn(u32, u32) + Sync),
        cancel: &CancelFlag,
    ) -> Result<ConvertOutcome, ConvertError> {
        let outcome = self
            .fake
            .convert(request, input, output, progress, cancel)?;
        let data = self.data.get().expect("data folder set");
        std::fs::rename(data.join("files"), data.join("files.aside")).expect("move files/");
        std::fs::write(data.join("files"), b"not a folder").expect("file");
        Ok(outcome)
    }
}

/// The data folder's store only: an object store's outage is tested with
/// the S3 store (`store/s3.rs`).
#[test]
fn a_store_that_cannot_take_the_output_fails_the_job_cleanly() {
    if std::env::var("OCRLOOM_TEST_STORAGE").as_deref() == Ok("s3") {
        return;
    }
    let clock = clock();
    let converter = Arc::new(BreaksTheStore {
        fake: FakeConverter::new().pages(2),
        data: OnceLock::new(),
    });
    let m = manager_with(converter.clone(), 0, &clock);
    converter
        .data
        .set(m.data_dir().to_path_buf())
        .expect("set once");
    let u = user(&m, "alice");
    let (j, input) = run_one(&m, &u, PDF);
    assert_failed_cleanly(&m, &u, &j);
    // The converter's output was removed, nothing else was stored.
    let data = m.data_dir();
    assert!(names(&data.join("tmp")).is_empty());
    assert_eq!(names(&data.join("files.aside")), vec![input.clone()]);
    // With the folder back, the input is intact and served.
    std::fs::remove_file(data.join("files")).expect("remove the file");
    std::fs::rename(data.join("files.aside"), data.join("files")).expect("restore");
    let bytes = m
        .file_content(&u, &input, None)
        .expect("content")
        .into_bytes()
        .expect("read");
    assert_eq!(bytes, PDF);
}
