//! The job manager with real OCR: upload, job, progress, download, and the
//! failure codes for bad inputs.

use ocrloom::jobs::{
    Config, CreateJobRequest, ErrorCode, JobStatus, Manager, Mapping, SystemClock,
};
use ocrloom::{OcrConverter, Options, Pipeline, ENGINE_ID, PPOCR_ENGINE_ID};
use std::path::PathBuf;
use std::sync::Arc;

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manager() -> Manager {
    let pipeline = Pipeline::tesseract(Some(2)).expect("Tesseract is installed");
    let converter = OcrConverter::new(pipeline, Options::default());
    Manager::new(
        Config::in_memory(),
        Arc::new(converter),
        Arc::new(SystemClock),
    )
    .expect("manager")
}

fn request(file_id: &str, output: &str) -> CreateJobRequest {
    CreateJobRequest {
        engine: ENGINE_ID.to_owned(),
        file_id: file_id.to_owned(),
        languages: vec!["eng".to_owned()],
        output_format: output.to_owned(),
    }
}

#[test]
fn the_engine_lists_what_is_installed() {
    let m = manager();
    let engines = m.engines().data;
    // The default engine, and PP-OCRv5 alone (scripts/setup.sh installs it).
    let ids: Vec<&str> = engines.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [ENGINE_ID, PPOCR_ENGINE_ID]);
    let e = &engines[0];
    for from in ["pdf", "tiff", "jpeg", "png", "bmp"] {
        for to in ["pdf", "txt", "hocr", "alto", "json", "docx", "pptx"] {
            assert!(e.supports(from, to), "{from} -> {to}");
        }
    }
    assert!(e.has_language("eng") && e.has_language("deu") && e.has_language("Auto"));
    let english = e
        .supported_languages
        .iter()
        .find(|l| l.code == "eng")
        .expect("eng");
    assert_eq!(english.display_name, "English");
}

#[test]
fn a_scan_becomes_text_and_a_searchable_pdf() {
    let m = manager();
    let (user, _key) = m.create_user("alice").expect("user");
    let file = m
        .upload_file(&user, "phototest.tif", &fixture("ocr/phototest.tif"))
        .expect("upload");
    let gt = String::from_utf8(fixture("ocr/phototest.gt.txt")).expect("utf-8");
    for output in ["txt", "pdf"] {
        let job = m
            .create_job(&user, &request(file.file_id.as_str(), output))
            .expect("create");
        assert_eq!(job.status, JobStatus::Queued);
        let done = (0..6)
            .map(|_| {
                m.get_job(&user, job.job_id.as_str(), Some(10))
                    .expect("get")
            })
            .find(|j| j.status.is_finished())
            .expect("the job finishes within a minute");
        assert_eq!(done.status, JobStatus::Completed, "{:?}", done.error);
        assert_eq!((done.progress, done.usage.input_pages), (100, 1));
        let out = done.output_file_id.expect("output file");
        let bytes = m
            .file_content(&user, out.as_str(), None)
            .expect("content")
            .into_bytes()
            .expect("read");
        let text = if output == "pdf" {
            assert!(bytes.starts_with(b"%PDF-"));
            pdftotext(&bytes)
        } else {
            String::from_utf8(bytes).expect("utf-8")
        };
        let cer = ocrloom::ocr::score::score_page(&gt, Some(&text), "tesseract-test").cer();
        assert!(cer < 5.0, "{output}: CER {cer:.2}%\n{text}");
    }
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ocrloom-service-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("out.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn bad_inputs_fail_their_jobs_with_the_right_codes() {
    let m = manager();
    let (user, _key) = m.create_user("bob").expect("user");
    for (file, code) in [
        (
            "malformed/pdf_ocrmypdf_invalid.pdf",
            ErrorCode::CorruptInput,
        ),
        (
            "raster/encrypted-user-password.pdf",
            ErrorCode::EncryptedPdf,
        ),
        (
            "malformed/png_image-png_x_unexpected_eof.png",
            ErrorCode::CorruptInput,
        ),
    ] {
        let f = m.upload_file(&user, file, &fixture(file)).expect("upload");
        let job = m
            .create_job(&user, &request(f.file_id.as_str(), "pdf"))
            .expect("create");
        let done = m
            .get_job(&user, job.job_id.as_str(), Some(10))
            .expect("get");
        assert_eq!(done.status, JobStatus::Failed, "{file}");
        let error = done.error.expect("error object");
        assert_eq!(error.code, code, "{file}: {}", error.message);
        assert!(done.output_file_id.is_none());
    }
    // Bytes that are no supported format are refused when the job is created.
    let gif = m
        .upload_file(&user, "x.pdf", b"GIF89a\x01\x00\x01\x00")
        .expect("upload");
    let err = m
        .create_job(&user, &request(gif.file_id.as_str(), "pdf"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnsupportedFormat);
}

/// Waits for a job to finish (up to a minute).
fn finished(m: &Manager, user: &ocrloom::jobs::UserId, job: &str) -> ocrloom::jobs::Job {
    (0..6)
        .map(|_| m.get_job(user, job, Some(10)).expect("get"))
        .find(|j| j.status.is_finished())
        .expect("the job finishes within a minute")
}

#[test]
fn a_page_over_the_time_limit_fails_its_job_with_timeout() {
    let mut options = Options::default();
    options.settings.page_timeout = Some(std::time::Duration::from_millis(1));
    // The pipeline alone: code `timeout`, not bad input (CLI exit code 1).
    let pipeline = Pipeline::tesseract(Some(1)).expect("Tesseract is installed");
    let e = pipeline
        .convert(
            fixture("ocr/phototest.tif"),
            ocrloom::writers::OutputFormat::Txt,
            &options,
            &ocrloom::ocr::CancelToken::new(),
            |_| {},
            &mut Vec::new(),
        )
        .expect_err("1 ms is too short");
    assert_eq!(e.kind(), ocrloom::raster::ErrorKind::Timeout, "{e}");
    assert_eq!(Mapping::of(e.kind()).exit_code, ocrloom::jobs::EXIT_FAILURE);
    // A job: failed with `timeout`, no output kept.
    let converter = OcrConverter::new(pipeline, options);
    let m = Manager::new(
        Config {
            workers: 1,
            ..Config::in_memory()
        },
        Arc::new(converter),
        Arc::new(SystemClock),
    )
    .expect("manager");
    let (user, _key) = m.create_user("carol").expect("user");
    let file = m
        .upload_file(&user, "phototest.tif", &fixture("ocr/phototest.tif"))
        .expect("upload");
    let job = m
        .create_job(&user, &request(file.file_id.as_str(), "pdf"))
        .expect("create");
    let done = finished(&m, &user, job.job_id.as_str());
    assert_eq!(done.status, JobStatus::Failed);
    assert!(done.output_file_id.is_none());
    let error = done.error.expect("error object");
    assert_eq!(error.code, ErrorCode::Timeout, "{}", error.message);
    assert!(
        error.message.contains("allowed per page"),
        "{}",
        error.message
    );
    assert_eq!(m.list_files(&user).expect("files").data.len(), 1);
}

#[test]
fn the_job_timeout_stops_the_page_being_recognized() {
    let input = fixture("ocr/EHRI-BF-19380509b_EN_01.jpg");
    // How long the page takes here, uninterrupted.
    let pipeline = Pipeline::tesseract(Some(1)).expect("Tesseract is installed");
    let t = std::time::Instant::now();
    pipeline
        .convert(
            input.clone(),
            ocrloom::writers::OutputFormat::Txt,
            &Options::default(),
            &ocrloom::ocr::CancelToken::new(),
            |_| {},
            &mut Vec::new(),
        )
        .expect("converts");
    let page = t.elapsed();
    // The job may run 300 ms (checked every 50 ms): far less than the page.
    let converter = OcrConverter::new(pipeline, Options::default());
    let m = Manager::new(
        Config {
            workers: 1,
            job_timeout: Some(std::time::Duration::from_millis(300)),
            sweep_interval: std::time::Duration::from_millis(50),
            ..Config::in_memory()
        },
        Arc::new(converter),
        Arc::new(SystemClock),
    )
    .expect("manager");
    let (user, _key) = m.create_user("dave").expect("user");
    let file = m.upload_file(&user, "ehri.jpg", &input).expect("upload");
    let t = std::time::Instant::now();
    let job = m
        .create_job(&user, &request(file.file_id.as_str(), "txt"))
        .expect("create");
    let done = finished(&m, &user, job.job_id.as_str());
    let stopped = t.elapsed();
    eprintln!("page {page:?}; job with a 300 ms limit failed after {stopped:?}");
    assert_eq!(done.status, JobStatus::Failed);
    assert_eq!(done.error.expect("error").code, ErrorCode::Timeout);
    assert_eq!(done.progress, 0, "no page finished");
    assert!(
        stopped < page,
        "the page was cut short: {stopped:?} vs {page:?}"
    );
}

#[test]
fn a_panicking_page_worker_fails_its_job_with_internal_and_the_rest_carry_on() {
    use ocrloom::ocr::FakeEngine;
    // Page 2 of every document panics inside the OCR pool.
    let engine = FakeEngine::new(["fine"]).panicking_on(1);
    let pipeline = Pipeline::new(Arc::new(engine), Some(2)).expect("pipeline");
    // The pipeline itself: `internal`, and the same pool serves the next
    // document.
    let e = pipeline
        .convert(
            fixture("raster/g4-3pages.tif"),
            ocrloom::writers::OutputFormat::Txt,
            &Options::default(),
            &ocrloom::ocr::CancelToken::new(),
            |_| {},
            &mut Vec::new(),
        )
        .expect_err("page 2 panics");
    assert_eq!(e.kind(), ocrloom::raster::ErrorKind::Internal, "{e}");
    let mut text = Vec::new();
    pipeline
        .convert(
            fixture("raster/same-page.png"),
            ocrloom::writers::OutputFormat::Txt,
            &Options::default(),
            &ocrloom::ocr::CancelToken::new(),
            |_| {},
            &mut text,
        )
        .expect("a one-page document is fine");
    assert_eq!(String::from_utf8_lossy(&text).trim(), "fine");
    // Through the job manager, one worker: the panicking jobs fail with
    // `internal` (no panic text), the others complete.
    let m = Manager::new(
        Config {
            workers: 1,
            ..Config::in_memory()
        },
        Arc::new(OcrConverter::new(pipeline, Options::default())),
        Arc::new(SystemClock),
    )
    .expect("manager");
    let (user, _key) = m.create_user("erin").expect("user");
    let three = m
        .upload_file(&user, "three.tif", &fixture("raster/g4-3pages.tif"))
        .expect("upload");
    let one = m
        .upload_file(&user, "one.png", &fixture("raster/same-page.png"))
        .expect("upload");
    let jobs: Vec<_> = [&three, &one, &three, &one]
        .iter()
        .map(|f| {
            let mut r = request(f.file_id.as_str(), "txt");
            r.languages.clear(); // the fake engine lists no languages
            m.create_job(&user, &r).expect("create").job_id
        })
        .collect();
    for (i, id) in jobs.iter().enumerate() {
        let done = finished(&m, &user, id.as_str());
        if i % 2 == 0 {
            assert_eq!(done.status, JobStatus::Failed, "job {i}");
            let e = done.error.expect("error");
            assert_eq!(e.code, ErrorCode::Internal);
            assert!(!e.message.contains("fake panic"), "{}", e.message);
        } else {
            assert_eq!(
                done.status,
                JobStatus::Completed,
                "job {i}: {:?}",
                done.error
            );
        }
    }
}
