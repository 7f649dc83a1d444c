//! A data folder is private: folders 0700, files 0600, under umask 022.

use ocrloom_jobs::{Config, CreateJobRequest, FakeConverter, JobStatus, Manager, SystemClock};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

/// (path, mode) of everything under `dir`, `dir` included.
fn modes(dir: &Path, out: &mut Vec<(String, u32)>) {
    let mode = std::fs::metadata(dir)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777;
    out.push((dir.display().to_string(), mode));
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            modes(&path, out);
        } else {
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode()
                & 0o777;
            out.push((path.display().to_string(), mode));
        }
    }
}

#[test]
fn folders_are_0700_and_files_0600_under_umask_022() {
    // SAFETY: umask only sets the process's file creation mask; this test
    // binary has no other test running beside it.
    unsafe {
        libc::umask(0o022);
    }
    let root = std::env::temp_dir().join(format!("ocrloom-perms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let data = root.join("data");
    let m = Manager::new(
        Config {
            workers: 0,
            ..Config::in_dir(&data)
        },
        Arc::new(FakeConverter::new()),
        Arc::new(SystemClock),
    )
    .expect("manager");
    let (user, _) = m.create_user("alice").expect("user");
    let file = m
        .upload_file(&user, "a.pdf", b"%PDF-1.7\n")
        .expect("upload");
    let chunked = m.create_upload(&user, "b.pdf").expect("upload");
    m.append_upload(&user, chunked.file_id.as_str(), b"%PDF-1.7\n")
        .expect("chunk");
    let job = m
        .create_job(
            &user,
            &CreateJobRequest {
                engine: "fake/ocr".into(),
                file_id: file.file_id.to_string(),
                languages: vec![],
                output_format: "txt".into(),
            },
        )
        .expect("job");
    m.run_next_job().expect("ran");
    let job = m.get_job(&user, job.job_id.as_str(), None).expect("job");
    assert_eq!(job.status, JobStatus::Completed);
    let mut seen = Vec::new();
    modes(&data, &mut seen);
    let files = seen.iter().filter(|(p, _)| !Path::new(p).is_dir()).count();
    // The database (and its WAL files), two uploads and one output.
    assert!(files >= 4, "{seen:?}");
    for (path, mode) in &seen {
        let want = if Path::new(path).is_dir() {
            0o700
        } else {
            0o600
        };
        assert_eq!(*mode, want, "{path}: {mode:o}");
    }
    drop(m);
    std::fs::remove_dir_all(&root).ok();
}
