//! Files, uploads, engines and jobs through their whole life, with the fake.

mod common;

use common::*;
use ocrloom_jobs::{
    ByteRange, Config, CreateJobRequest, ErrorCode, FakeConverter, JobStatus, Manager,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn upload_job_progress_completed_download() {
    let clock = clock();
    let fake = FakeConverter::new()
        .pages(20)
        .page_delay(Duration::from_millis(10));
    let m = manager_with(Arc::new(fake), 2, &clock);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "scan.pdf", PDF).expect("upload");
    assert_eq!(f.size, PDF.len() as u64);
    let mut req = request(f.file_id.as_str(), "txt");
    req.languages = vec!["eng".into(), "deu".into(), "eng".into()];
    let j = m.create_job(&u, &req).expect("create");
    assert_eq!(j.status, JobStatus::Queued);

    // Poll like a client: progress grows, never shrinks, and is < 100 until done.
    let mut seen = Vec::new();
    let start = Instant::now();
    let done = loop {
        let now = m.get_job(&u, j.job_id.as_str(), None).expect("get");
        if let Some(&last) = seen.last() {
            assert!(
                now.progress >= last,
                "progress went down: {seen:?} then {}",
                now.progress
            );
        }
        seen.push(now.progress);
        if now.status.is_finished() {
            break now;
        }
        assert!(now.progress < 100);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "job never finished"
        );
        std::thread::sleep(Duration::from_millis(3));
    };
    assert!(
        seen.iter().any(|&p| p > 0 && p < 100),
        "no intermediate progress: {seen:?}"
    );
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(done.progress, 100);
    assert_eq!(done.usage.input_pages, 20);
    assert!(done.error.is_none());
    let out = done.output_file_id.expect("output");
    let content = m.file_content(&u, out.as_str(), None).expect("content");
    assert_eq!(content.content_type, "text/plain; charset=utf-8");
    assert_eq!(content.info.filename, "scan.txt");
    let text = String::from_utf8(content.into_bytes().expect("read")).expect("utf-8");
    let mut expected = "fake/ocr pdf->txt [eng,deu] 20 pages\n".to_owned();
    for p in 1..=20 {
        expected.push_str(&format!("page {p} of 20\n"));
    }
    assert_eq!(text, expected);
    // The output is one of the user's files too, newest first.
    let files = m.list_files(&u).expect("list").data;
    assert_eq!(
        files.iter().map(|f| f.file_id.clone()).collect::<Vec<_>>(),
        vec![out, f.file_id]
    );
}

#[test]
fn wait_holds_the_answer_until_the_job_finishes() {
    let clock = clock();
    let fake = FakeConverter::new()
        .pages(5)
        .page_delay(Duration::from_millis(40));
    let m = manager_with(Arc::new(fake), 1, &clock);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.png", PNG).expect("upload");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "txt"))
        .expect("create");
    let start = Instant::now();
    // 30 is clipped to 10, not refused.
    let done = m.get_job(&u, j.job_id.as_str(), Some(30)).expect("get");
    assert_eq!(done.status, JobStatus::Completed);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(150) && took < Duration::from_secs(5),
        "{took:?}"
    );
    for bad in [0, -1] {
        let e = m
            .get_job(&u, j.job_id.as_str(), Some(bad))
            .expect_err("invalid wait");
        assert_eq!((e.code(), e.http_status()), (ErrorCode::InvalidWait, 400));
    }
}

#[test]
fn wait_gives_up_after_the_requested_seconds() {
    let (m, _clock) = fake_manager(0); // no workers: the job never runs
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.png", PNG).expect("upload");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "txt"))
        .expect("create");
    let start = Instant::now();
    let still = m.get_job(&u, j.job_id.as_str(), Some(1)).expect("get");
    assert_eq!(still.status, JobStatus::Queued);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(990) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

fn failing(code: ErrorCode) -> ocrloom_jobs::Job {
    let clock = clock();
    let fake = FakeConverter::new()
        .pages(3)
        .fail_with(code, format!("fake {code}"))
        .fail_after(1);
    let m = manager_with(Arc::new(fake), 0, &clock);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "pdf"))
        .expect("create");
    m.run_next_job().expect("ran");
    let j = m.get_job(&u, j.job_id.as_str(), None).expect("get");
    // No output file was kept: only the input remains.
    assert_eq!(m.list_files(&u).expect("files").data.len(), 1);
    assert_eq!(m.row_counts().expect("counts"), (1, 1));
    assert_eq!(
        std::fs::read_dir(m.data_dir().join("tmp"))
            .expect("tmp")
            .count(),
        0
    );
    j
}

#[test]
fn converter_failures_fail_the_job_with_their_code() {
    for code in [
        ErrorCode::CorruptInput,
        ErrorCode::EncryptedPdf,
        ErrorCode::UnsupportedFormat,
        ErrorCode::LimitExceeded,
        ErrorCode::UnsupportedLanguage,
        ErrorCode::OcrFailed,
        ErrorCode::Timeout,
    ] {
        let j = failing(code);
        assert_eq!(j.status, JobStatus::Failed);
        assert!(j.output_file_id.is_none());
        let e = j.error.expect("error");
        assert_eq!(e.code, code);
        assert_eq!(e.message, format!("fake {code}"));
        assert_eq!(e.request_id.as_str().len(), 32);
        assert!(j.completed_at.is_some() && j.expires_at.is_some());
        assert_eq!(j.progress, 33, "progress of the one page done stays");
    }
    // A code that is not a job failure is reported as internal.
    assert_eq!(
        failing(ErrorCode::InvalidWait).error.expect("error").code,
        ErrorCode::Internal
    );
}

#[test]
fn input_tokens_drive_the_fake_per_job() {
    let (m, _clock) = fake_manager(2);
    let u = user(&m, "alice");
    let cases = [
        (
            &b"%PDF-1.7 FAKE:fail=encrypted_pdf"[..],
            Some(ErrorCode::EncryptedPdf),
        ),
        (
            b"%PDF-1.7 FAKE:fail=corrupt_input",
            Some(ErrorCode::CorruptInput),
        ),
        (b"%PDF-1.7 FAKE:panic", Some(ErrorCode::Internal)),
        (b"%PDF-1.7 FAKE:pages=4", None),
    ];
    for (bytes, want) in cases {
        let f = m.upload_file(&u, "x.pdf", bytes).expect("upload");
        let j = m
            .create_job(&u, &request(f.file_id.as_str(), "pdf"))
            .expect("create");
        let j = m.get_job(&u, j.job_id.as_str(), Some(10)).expect("get");
        match want {
            Some(code) => assert_eq!(j.error.map(|e| e.code), Some(code)),
            None => assert_eq!((j.status, j.usage.input_pages), (JobStatus::Completed, 4)),
        }
    }
}

#[test]
fn a_converter_panic_fails_one_job_and_the_rest_carry_on() {
    let clock = clock();
    let m = manager_with(Arc::new(FakeConverter::new().pages(2)), 1, &clock);
    let u = user(&m, "alice");
    let boom = m
        .upload_file(&u, "boom.pdf", b"%PDF-1.7 FAKE:panic")
        .expect("upload");
    let fine = m.upload_file(&u, "fine.pdf", PDF).expect("upload");
    let j1 = m
        .create_job(&u, &request(boom.file_id.as_str(), "pdf"))
        .expect("create");
    let j2 = m
        .create_job(&u, &request(fine.file_id.as_str(), "pdf"))
        .expect("create");
    let j1 = m.get_job(&u, j1.job_id.as_str(), Some(10)).expect("get");
    let j2 = m.get_job(&u, j2.job_id.as_str(), Some(10)).expect("get");
    assert_eq!(j1.status, JobStatus::Failed);
    let e = j1.error.expect("error");
    assert_eq!(e.code, ErrorCode::Internal);
    assert!(
        !e.message.contains("panics at page"),
        "panic text must stay in the log"
    );
    assert_eq!(
        j2.status,
        JobStatus::Completed,
        "the single worker survived the panic"
    );
}

#[test]
fn create_time_validation_has_stable_codes() {
    let (m, _clock) = fake_manager(0);
    let u = user(&m, "alice");
    let pdf = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let gif = m
        .upload_file(&u, "looks-like.pdf", b"GIF89a....")
        .expect("upload");
    let id = pdf.file_id.to_string();
    let cases: Vec<(CreateJobRequest, ErrorCode, u16)> = vec![
        (
            CreateJobRequest {
                engine: "nope/x".into(),
                ..request(&id, "pdf")
            },
            ErrorCode::InvalidEngine,
            400,
        ),
        (
            request("akrj49467f644hncvs7cmw1bj3j1mcnk", "pdf"),
            ErrorCode::InvalidFileId,
            404,
        ),
        (
            request("../../etc/passwd", "pdf"),
            ErrorCode::InvalidFileId,
            404,
        ),
        (
            request(gif.file_id.as_str(), "pdf"),
            ErrorCode::UnsupportedFormat,
            422,
        ),
        (request(&id, "docx"), ErrorCode::UnsupportedConversion, 422),
        // fake/images does not read PDFs at all.
        (
            CreateJobRequest {
                engine: "fake/images".into(),
                ..request(&id, "txt")
            },
            ErrorCode::UnsupportedConversion,
            422,
        ),
        (
            CreateJobRequest {
                languages: vec!["klingon".into()],
                ..request(&id, "pdf")
            },
            ErrorCode::UnsupportedLanguage,
            422,
        ),
        (
            CreateJobRequest {
                languages: vec!["auto".into()],
                ..request(&id, "pdf")
            },
            ErrorCode::UnsupportedLanguage,
            422,
        ),
    ];
    for (req, code, status) in cases {
        let e = m.create_job(&u, &req).expect_err("refused");
        assert_eq!((e.code(), e.http_status()), (code, status), "{req:?}: {e}");
    }
    // Nothing was queued by the refusals; `Auto` and no language at all are fine.
    assert_eq!(m.row_counts().expect("counts").1, 0);
    m.create_job(
        &u,
        &CreateJobRequest {
            languages: vec!["Auto".into()],
            ..request(&id, "pdf")
        },
    )
    .expect("Auto");
    m.create_job(
        &u,
        &CreateJobRequest {
            languages: vec![],
            ..request(&id, "pdf")
        },
    )
    .expect("default");
    // The format comes from the bytes, not the name.
    let png_named_pdf = m.upload_file(&u, "really.pdf", PNG).expect("upload");
    let j = m
        .create_job(&u, &request(png_named_pdf.file_id.as_str(), "txt"))
        .expect("create");
    m.run_next_job();
    m.run_next_job();
    m.run_next_job();
    let j = m.get_job(&u, j.job_id.as_str(), None).expect("get");
    let out = m
        .file_content(&u, j.output_file_id.expect("output").as_str(), None)
        .expect("content");
    assert!(out
        .into_bytes()
        .expect("read")
        .starts_with(b"fake/ocr png->txt"));
}

#[test]
fn uploads_from_reader_path_and_chunks() {
    let (m, _clock) = fake_manager(0);
    let u = user(&m, "alice");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Überweisung.pdf");
    std::fs::write(&path, PDF).expect("write");
    let from_path = m.upload_file_from_path(&u, &path).expect("path upload");
    assert_eq!(from_path.filename, "Überweisung.pdf");
    let mut reader = std::io::Cursor::new(PNG.to_vec());
    let from_reader = m
        .upload_file_from_reader(&u, "r.png", &mut reader)
        .expect("reader upload");
    assert_eq!(from_reader.size, PNG.len() as u64);

    let up = m.create_upload(&u, "big.pdf").expect("create upload");
    assert_eq!(up.size, 0);
    let mut all = Vec::new();
    for i in 0..5u8 {
        let chunk: Vec<u8> = if i == 0 { PDF.to_vec() } else { vec![i; 1000] };
        all.extend_from_slice(&chunk);
        let info = m
            .append_upload(&u, up.file_id.as_str(), &chunk)
            .expect("append");
        assert_eq!(info.size, all.len() as u64);
    }
    let c = m
        .file_content(&u, up.file_id.as_str(), None)
        .expect("content");
    assert_eq!(c.content_type, "application/pdf");
    assert_eq!(c.into_bytes().expect("read"), all);
    // A chunked upload is a valid job input.
    m.create_job(&u, &request(up.file_id.as_str(), "pdf"))
        .expect("job on chunked upload");

    let big = vec![0u8; 5 * 1024 * 1024 + 1];
    let e = m
        .append_upload(&u, up.file_id.as_str(), &big)
        .expect_err("too large");
    assert_eq!((e.code(), e.http_status()), (ErrorCode::ChunkTooLarge, 413));
    let e = m
        .append_upload(&u, from_path.file_id.as_str(), b"x")
        .expect_err("not chunked");
    assert_eq!(e.code(), ErrorCode::InvalidRequest);
    for bad in ["", "   ", "\n\u{7F}", "../\u{202E}"] {
        assert_eq!(
            m.upload_file(&u, bad, PDF).expect_err("bad name").code(),
            ErrorCode::InvalidRequest
        );
    }
    // Control characters are stripped from names, not refused.
    let stored = m.upload_file(&u, "a\nb.pdf", PDF).expect("upload");
    assert_eq!(stored.filename, "ab.pdf");
}

#[test]
fn size_limits_hold_for_uploads_and_chunks() {
    let config = Config {
        workers: 0,
        max_file_size: 100,
        max_chunk_size: 60,
        ..base_config()
    };
    let m =
        Manager::new(config, Arc::new(FakeConverter::new()), Arc::new(clock())).expect("manager");
    let u = user(&m, "alice");
    let e = m.upload_file(&u, "big", &[0u8; 101]).expect_err("too big");
    assert_eq!((e.code(), e.http_status()), (ErrorCode::FileTooLarge, 413));
    m.upload_file(&u, "ok", &[0u8; 100]).expect("at the limit");
    let up = m.create_upload(&u, "c").expect("upload");
    m.append_upload(&u, up.file_id.as_str(), &[1u8; 60])
        .expect("chunk");
    let e = m
        .append_upload(&u, up.file_id.as_str(), &[1u8; 41])
        .expect_err("sum too big");
    assert_eq!(e.code(), ErrorCode::FileTooLarge);
    assert_eq!(m.file_info(&u, up.file_id.as_str()).expect("info").size, 60);
    // Only the two accepted files exist, and no temp leftovers.
    assert_eq!(m.row_counts().expect("counts").0, 2);
    assert_eq!(
        std::fs::read_dir(m.data_dir().join("tmp"))
            .expect("tmp")
            .count(),
        0
    );
}

#[test]
fn byte_ranges() {
    let (m, _clock) = fake_manager(0);
    let u = user(&m, "alice");
    let bytes: Vec<u8> = (0..=255u8).collect();
    let f = m.upload_file(&u, "b.bin", &bytes).expect("upload");
    let id = f.file_id.as_str();
    let part = m
        .file_content(&u, id, Some(ByteRange::Inclusive(10, 19)))
        .expect("range");
    assert_eq!((part.range, part.length), (Some((10, 19)), 10));
    assert_eq!(part.into_bytes().expect("read"), bytes[10..20].to_vec());
    let tail = m
        .file_content(&u, id, Some(ByteRange::Last(6)))
        .expect("suffix");
    assert_eq!(tail.into_bytes().expect("read"), bytes[250..].to_vec());
    let from = m
        .file_content(&u, id, Some(ByteRange::From(200)))
        .expect("from");
    assert_eq!(from.into_bytes().expect("read"), bytes[200..].to_vec());
    let e = m
        .file_content(&u, id, Some(ByteRange::From(256)))
        .expect_err("outside");
    assert_eq!((e.code(), e.http_status()), (ErrorCode::InvalidRange, 416));
    let whole = m.file_content(&u, id, None).expect("whole");
    assert_eq!(
        (whole.content_type.as_str(), whole.range),
        ("application/octet-stream", None)
    );
}

#[test]
fn engines_come_from_the_converter() {
    let (m, _clock) = fake_manager(0);
    let engines = m.engines().data;
    assert_eq!(engines, FakeConverter::default_engines());
    let ids: Vec<&str> = engines.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["fake/ocr", "fake/images"]);
}

#[test]
fn api_keys_authenticate_their_user_only() {
    let (m, _clock) = fake_manager(0);
    let (alice, key) = m.create_user("alice").expect("user");
    let (bob, _) = m.create_user("bob").expect("user");
    assert_eq!(m.authenticate(key.expose()).expect("auth"), alice);
    for bad in [
        "",
        "olk_",
        "not a key",
        &key.expose()[..key.expose().len() - 1],
    ] {
        let e = m.authenticate(bad).expect_err("refused");
        assert_eq!((e.code(), e.http_status()), (ErrorCode::Unauthorized, 401));
    }
    let second = m.create_api_key(&alice).expect("key");
    assert_eq!(m.authenticate(second.expose()).expect("auth"), alice);
    let configured = "a-configured-key-of-enough-length-0001";
    m.add_api_key(&bob, configured).expect("add");
    m.add_api_key(&bob, configured)
        .expect("adding again is fine");
    assert_eq!(
        m.add_api_key(&alice, configured).expect_err("taken").code(),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        m.add_api_key(&bob, "short").expect_err("short").code(),
        ErrorCode::InvalidRequest
    );
    assert_eq!(m.authenticate(configured).expect("auth"), bob);
    assert!(m.revoke_api_key(configured).expect("revoke"));
    assert_eq!(
        m.authenticate(configured).expect_err("revoked").code(),
        ErrorCode::Unauthorized
    );
}

#[test]
fn shutdown_refuses_new_jobs_and_is_idempotent() {
    let (m, _clock) = fake_manager(1);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    m.shutdown(Duration::from_secs(1));
    let e = m
        .create_job(&u, &request(f.file_id.as_str(), "pdf"))
        .expect_err("refused");
    assert_eq!((e.code(), e.http_status()), (ErrorCode::ShuttingDown, 503));
    m.shutdown(Duration::ZERO);
    // Reads still work.
    assert_eq!(m.list_files(&u).expect("list").data.len(), 1);
}

#[test]
fn job_timeout_fails_the_job() {
    let config = Config {
        workers: 1,
        job_timeout: Some(Duration::from_millis(300)),
        ..base_config()
    };
    let fake = FakeConverter::new()
        .pages(1000)
        .page_delay(Duration::from_millis(10));
    let m = Manager::new(config, Arc::new(fake), Arc::new(clock())).expect("manager");
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "a.pdf", PDF).expect("upload");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "pdf"))
        .expect("create");
    let j = m.get_job(&u, j.job_id.as_str(), Some(10)).expect("get");
    assert_eq!(j.status, JobStatus::Failed);
    assert_eq!(j.error.expect("error").code, ErrorCode::Timeout);
    assert!(j.progress < 100);
}
