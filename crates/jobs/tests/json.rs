//! Every model's JSON is exactly the API document's.

mod common;

use common::*;
use ocrloom_jobs::{
    Conversion, CreateJobRequest, Engine, ErrorBody, ErrorCode, ErrorResponse, FakeConverter,
    FileId, FileInfo, Job, JobId, JobStatus, Language, List, RequestId, Timestamp, Usage,
};
use std::sync::Arc;

const FILE: &str = "akrj49467f644hncvs7cmw1bj3j1mcnk";
const JOB: &str = "0123456789abcdefghijklmnopqrstuv";
const OUT: &str = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1";
const REQ: &str = "r000000000000000000000000000000q";

fn file_id(s: &str) -> FileId {
    FileId::parse(s).expect("id-shaped")
}

fn job(status: JobStatus) -> Job {
    Job {
        job_id: JobId::parse(JOB).expect("id-shaped"),
        file_id: file_id(FILE),
        engine: "fake/ocr".to_owned(),
        status,
        progress: 0,
        output_file_id: None,
        error: None,
        created_at: T0,
        updated_at: T0,
        completed_at: None,
        expires_at: None,
        usage: Usage::default(),
    }
}

#[test]
fn file_info_and_list() {
    let info = FileInfo {
        file_id: file_id(FILE),
        filename: "Rechnung März.pdf".to_owned(),
        size: 1234,
        created_at: T0,
        updated_at: T0,
        expires_at: Timestamp::from_unix(T0.unix() + 86_400),
    };
    let expected = r#"{"file_id":"akrj49467f644hncvs7cmw1bj3j1mcnk","filename":"Rechnung März.pdf","size":1234,"created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:32:04Z","expires_at":"2026-04-14T05:32:04Z"}"#;
    assert_eq!(serde_json::to_string(&info).expect("json"), expected);
    let list = List {
        data: vec![info.clone()],
    };
    assert_eq!(
        serde_json::to_string(&list).expect("json"),
        format!(r#"{{"data":[{expected}]}}"#)
    );
    assert_eq!(
        serde_json::from_str::<FileInfo>(expected).expect("parse"),
        info
    );
    let empty: List<FileInfo> = List { data: vec![] };
    assert_eq!(
        serde_json::to_string(&empty).expect("json"),
        r#"{"data":[]}"#
    );
}

#[test]
fn engine() {
    let engine = Engine {
        id: "ocrloom/tesseract".to_owned(),
        provider: "ocrloom".to_owned(),
        display_name: "Tesseract".to_owned(),
        description: "Local OCR".to_owned(),
        supported_conversions: vec![Conversion::new("pdf", "pdf"), Conversion::new("png", "txt")],
        supported_languages: vec![
            Language::new("Auto", "Automatic"),
            Language::new("eng", "English"),
        ],
    };
    assert_eq!(
        serde_json::to_string(&List { data: vec![engine] }).expect("json"),
        r#"{"data":[{"id":"ocrloom/tesseract","provider":"ocrloom","display_name":"Tesseract","description":"Local OCR","supported_conversions":[{"from":"pdf","to":"pdf"},{"from":"png","to":"txt"}],"supported_languages":[{"code":"Auto","display_name":"Automatic"},{"code":"eng","display_name":"English"}]}]}"#
    );
}

#[test]
fn queued_job_has_no_output_nor_error() {
    assert_eq!(
        serde_json::to_string(&job(JobStatus::Queued)).expect("json"),
        r#"{"job_id":"0123456789abcdefghijklmnopqrstuv","file_id":"akrj49467f644hncvs7cmw1bj3j1mcnk","engine":"fake/ocr","status":"queued","progress":0,"created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:32:04Z","completed_at":null,"expires_at":null,"usage":{"input_pages":0}}"#
    );
}

#[test]
fn processing_job() {
    let mut j = job(JobStatus::Processing);
    j.progress = 42;
    j.usage.input_pages = 7;
    j.updated_at = Timestamp::from_unix(T0.unix() + 3);
    assert_eq!(
        serde_json::to_string(&j).expect("json"),
        r#"{"job_id":"0123456789abcdefghijklmnopqrstuv","file_id":"akrj49467f644hncvs7cmw1bj3j1mcnk","engine":"fake/ocr","status":"processing","progress":42,"created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:32:07Z","completed_at":null,"expires_at":null,"usage":{"input_pages":7}}"#
    );
}

#[test]
fn completed_job_has_output_file_id() {
    let mut j = job(JobStatus::Completed);
    j.progress = 100;
    j.output_file_id = Some(file_id(OUT));
    j.completed_at = Some(Timestamp::from_unix(T0.unix() + 60));
    j.updated_at = Timestamp::from_unix(T0.unix() + 60);
    j.expires_at = Some(Timestamp::from_unix(T0.unix() + 60 + 86_400));
    j.usage.input_pages = 3;
    let expected = r#"{"job_id":"0123456789abcdefghijklmnopqrstuv","file_id":"akrj49467f644hncvs7cmw1bj3j1mcnk","engine":"fake/ocr","status":"completed","progress":100,"output_file_id":"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1","created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:33:04Z","completed_at":"2026-04-13T05:33:04Z","expires_at":"2026-04-14T05:33:04Z","usage":{"input_pages":3}}"#;
    assert_eq!(serde_json::to_string(&j).expect("json"), expected);
    assert_eq!(serde_json::from_str::<Job>(expected).expect("parse"), j);
}

#[test]
fn failed_job_has_error_object() {
    let mut j = job(JobStatus::Failed);
    j.progress = 10;
    j.error = Some(ErrorBody {
        code: ErrorCode::EncryptedPdf,
        message: "the PDF is encrypted".to_owned(),
        request_id: RequestId::parse(REQ).expect("id-shaped"),
    });
    j.completed_at = Some(T0);
    j.expires_at = Some(Timestamp::from_unix(T0.unix() + 86_400));
    assert_eq!(
        serde_json::to_string(&j).expect("json"),
        r#"{"job_id":"0123456789abcdefghijklmnopqrstuv","file_id":"akrj49467f644hncvs7cmw1bj3j1mcnk","engine":"fake/ocr","status":"failed","progress":10,"error":{"code":"encrypted_pdf","message":"the PDF is encrypted","request_id":"r000000000000000000000000000000q"},"created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:32:04Z","completed_at":"2026-04-13T05:32:04Z","expires_at":"2026-04-14T05:32:04Z","usage":{"input_pages":0}}"#
    );
}

#[test]
fn http_error_envelope() {
    let e = ocrloom_jobs::Error::InvalidFileId("nope".to_owned());
    let body = ErrorResponse {
        error: e.body(RequestId::parse(REQ).expect("id-shaped")),
    };
    assert_eq!(e.http_status(), 404);
    assert_eq!(
        serde_json::to_string(&body).expect("json"),
        r#"{"error":{"code":"invalid_file_id","message":"no file with id `nope`","request_id":"r000000000000000000000000000000q"}}"#
    );
}

#[test]
fn create_job_request_languages_default_to_empty() {
    let r: CreateJobRequest = serde_json::from_str(
        r#"{"engine":"fake/ocr","file_id":"x","output_format":"pdf","extra":1}"#,
    )
    .expect("parse");
    assert!(r.languages.is_empty());
    assert!(serde_json::from_str::<CreateJobRequest>(r#"{"engine":"fake/ocr"}"#).is_err());
}

#[test]
fn statuses_are_the_four_api_values() {
    for (s, text) in [
        (JobStatus::Queued, "queued"),
        (JobStatus::Processing, "processing"),
        (JobStatus::Completed, "completed"),
        (JobStatus::Failed, "failed"),
    ] {
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            format!("\"{text}\"")
        );
        assert_eq!(text.parse::<JobStatus>(), Ok(s));
    }
}

/// The JSON the manager itself produces, end to end (ids and times filled in).
#[test]
fn manager_output_matches_the_document() {
    let clock = clock();
    let m = manager_with(Arc::new(FakeConverter::new().pages(2)), 0, &clock);
    let u = user(&m, "alice");
    let f = m.upload_file(&u, "scan.pdf", PDF).expect("upload");
    let j = m
        .create_job(&u, &request(f.file_id.as_str(), "txt"))
        .expect("create");
    assert_eq!(
        serde_json::to_string(&j).expect("json"),
        format!(
            r#"{{"job_id":"{}","file_id":"{}","engine":"fake/ocr","status":"queued","progress":0,"created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:32:04Z","completed_at":null,"expires_at":null,"usage":{{"input_pages":0}}}}"#,
            j.job_id, f.file_id
        )
    );
    clock.advance(std::time::Duration::from_secs(5));
    m.run_next_job().expect("one job ran");
    let done = m.get_job(&u, j.job_id.as_str(), None).expect("get");
    let out = done.output_file_id.clone().expect("output");
    assert_eq!(
        serde_json::to_string(&m.list_jobs(&u).expect("list")).expect("json"),
        format!(
            r#"{{"data":[{{"job_id":"{}","file_id":"{}","engine":"fake/ocr","status":"completed","progress":100,"output_file_id":"{out}","created_at":"2026-04-13T05:32:04Z","updated_at":"2026-04-13T05:32:09Z","completed_at":"2026-04-13T05:32:09Z","expires_at":"2026-04-14T05:32:09Z","usage":{{"input_pages":2}}}}]}}"#,
            j.job_id, f.file_id
        )
    );
    let out_info = m.file_info(&u, out.as_str()).expect("output info");
    assert_eq!(
        serde_json::to_string(&out_info).expect("json"),
        format!(
            r#"{{"file_id":"{out}","filename":"scan.txt","size":{},"created_at":"2026-04-13T05:32:09Z","updated_at":"2026-04-13T05:32:09Z","expires_at":"2026-04-14T05:32:09Z"}}"#,
            out_info.size
        )
    );
}
