//! The whole flow over HTTP with real OCR (Tesseract): TIFF in, searchable
//! PDF out, its text checked with `pdftotext`.

mod common;

use common::{base_config, check_schema, json, TestServer};
use ocrloom::ocr::joins_unspaced;
use ocrloom::{OcrConverter, Options, Pipeline};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

/// A server with the real pipeline (Tesseract, PP-OCRv5) on the stores the
/// suite runs against.
fn real_server() -> TestServer {
    let converter = OcrConverter::new(
        Pipeline::tesseract(None).expect("tesseract"),
        Options::default(),
    );
    TestServer::start(Arc::new(converter), base_config())
}

#[test]
fn phototest_tif_to_searchable_pdf_over_http() {
    let s = real_server();
    let engines = json(
        s.client
            .get(s.url("/renderocr/engines"))
            .bearer_auth(&s.alice)
            .send()
            .expect("engines"),
        200,
    );
    let engine = &engines["data"][0];
    assert_eq!(engine["id"], ocrloom::ENGINE_ID);
    assert!(engine["supported_conversions"]
        .as_array()
        .expect("conversions")
        .contains(&json!({"from": "tiff", "to": "pdf"})));

    let bytes = std::fs::read(fixture("ocr/phototest.tif")).expect("fixture");
    let file = s.upload_ok(&s.alice, "phototest.tif", bytes.clone());
    assert_eq!(file["size"], bytes.len());
    let job = json(
        s.post_json(&s.alice, "/renderocr/jobs", &json!({"engine": ocrloom::ENGINE_ID, "file_id": file["file_id"], "languages": ["eng"], "output_format": "pdf"})),
        202,
    );
    let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("id"));
    check_schema(&s.openapi, "Job", &job);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["usage"]["input_pages"], 1);

    let out = job["output_file_id"].as_str().expect("output");
    let r = s
        .get(&s.alice, &format!("/files/{out}/content"))
        .send()
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .contains("filename*=UTF-8''phototest.pdf"));
    let pdf = r.bytes().expect("body");
    assert!(pdf.starts_with(b"%PDF-"));

    let dir = std::env::temp_dir().join(format!("ocrloom-server-real-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("out.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&text.stdout).to_lowercase();
    for word in [
        "12 point text",
        "ocr code",
        "file format",
        "quick brown dog",
    ] {
        assert!(
            text.contains(word),
            "`{word}` not in the PDF's text:\n{text}"
        );
    }
}

#[test]
fn phototest_tif_to_docx_over_http() {
    let s = real_server();
    let engines = json(
        s.client
            .get(s.url("/renderocr/engines"))
            .bearer_auth(&s.alice)
            .send()
            .expect("engines"),
        200,
    );
    let conversions = engines["data"][0]["supported_conversions"]
        .as_array()
        .expect("conversions")
        .clone();
    for from in ["pdf", "tiff", "png", "jpeg"] {
        assert!(
            conversions.contains(&json!({"from": from, "to": "docx"})),
            "{from} -> docx not in {conversions:?}"
        );
    }

    let bytes = std::fs::read(fixture("ocr/phototest.tif")).expect("fixture");
    let file = s.upload_ok(&s.alice, "phototest.tif", bytes);
    let job = json(
        s.post_json(&s.alice, "/renderocr/jobs", &json!({"engine": ocrloom::ENGINE_ID, "file_id": file["file_id"], "languages": ["eng"], "output_format": "docx"})),
        202,
    );
    let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("id"));
    assert_eq!(job["status"], "completed", "{job}");
    let out = job["output_file_id"].as_str().expect("output");
    let r = s
        .get(&s.alice, &format!("/files/{out}/content"))
        .send()
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .contains("filename*=UTF-8''phototest.docx"));
    let docx = r.bytes().expect("body");
    assert!(docx.starts_with(b"PK\x03\x04"), "a zip package");
}

#[test]
fn phototest_tif_to_xlsx_over_http() {
    let s = real_server();
    let engines = json(
        s.client
            .get(s.url("/renderocr/engines"))
            .bearer_auth(&s.alice)
            .send()
            .expect("engines"),
        200,
    );
    assert!(engines["data"][0]["supported_conversions"]
        .as_array()
        .expect("conversions")
        .contains(&json!({"from": "tiff", "to": "xlsx"})));
    let bytes = std::fs::read(fixture("ocr/phototest.tif")).expect("fixture");
    let file = s.upload_ok(&s.alice, "phototest.tif", bytes);
    let job = json(
        s.post_json(&s.alice, "/renderocr/jobs", &json!({"engine": ocrloom::ENGINE_ID, "file_id": file["file_id"], "languages": ["eng"], "output_format": "xlsx"})),
        202,
    );
    let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("id"));
    assert_eq!(job["status"], "completed", "{job}");
    let out = job["output_file_id"].as_str().expect("output");
    let r = s
        .get(&s.alice, &format!("/files/{out}/content"))
        .send()
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .contains("filename*=UTF-8''phototest.xlsx"));
    let xlsx = r.bytes().expect("body");
    assert!(xlsx.starts_with(b"PK\x03\x04"), "a zip package");
}

#[test]
fn japanese_through_both_engines_over_http() {
    let s = real_server();
    let engines = json(
        s.client
            .get(s.url("/renderocr/engines"))
            .send()
            .expect("engines"),
        200,
    );
    let languages_of = |id: &str| -> Vec<String> {
        let engine = engines["data"]
            .as_array()
            .expect("list")
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the engines list: {engines}"));
        check_schema(&s.openapi, "Engine", engine);
        engine["supported_languages"]
            .as_array()
            .expect("languages")
            .iter()
            .map(|l| l["code"].as_str().expect("code").to_owned())
            .collect()
    };
    let default = languages_of(ocrloom::ENGINE_ID);
    for code in ["Auto", "eng", "jpn", "jpn_vert", "chi_sim", "chi_tra"] {
        assert!(
            default.iter().any(|c| c == code),
            "{code} not in {default:?}"
        );
    }
    let ppocr = languages_of(ocrloom::PPOCR_ENGINE_ID);
    assert_eq!(ppocr, ["Auto", "chi_sim", "chi_tra", "jpn", "eng"]);

    // Two Japanese lines and a Chinese one (fixtures/README.md).
    let gt: String = std::fs::read_to_string(fixture("ocr/cjk-lines.gt.txt"))
        .expect("ground truth")
        .lines()
        .take(2)
        .collect();
    let bytes = std::fs::read(fixture("ocr/cjk-lines.png")).expect("fixture");
    let file = s.upload_ok(&s.alice, "cjk-lines.png", bytes);
    for (engine, languages) in [
        (ocrloom::ENGINE_ID, json!(["jpn"])),
        (ocrloom::ENGINE_ID, json!(["Auto"])),
        (ocrloom::PPOCR_ENGINE_ID, json!(["jpn"])),
    ] {
        let job = json(
            s.post_json(&s.alice, "/renderocr/jobs", &json!({"engine": engine, "file_id": file["file_id"], "languages": languages, "output_format": "txt"})),
            202,
        );
        let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("id"));
        assert_eq!(job["status"], "completed", "{engine} {languages}: {job}");
        let out = job["output_file_id"].as_str().expect("output");
        let text = s
            .get(&s.alice, &format!("/files/{out}/content"))
            .send()
            .expect("download")
            .text()
            .expect("utf-8");
        let chars: Vec<char> = text.chars().collect();
        let invented = chars
            .windows(3)
            .filter(|w| joins_unspaced(w[0]) && w[1] == ' ' && joins_unspaced(w[2]))
            .count();
        assert_eq!(
            invented, 0,
            "{engine} {languages}: spaces between CJK characters in {text:?}"
        );
        // The Japanese lines, spaces and line breaks aside.
        let read: Vec<char> = text
            .lines()
            .take(2)
            .collect::<String>()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let want: Vec<char> = gt.chars().collect();
        let errors = ocrloom::ocr::score::levenshtein(&want, &read);
        assert!(
            errors * 20 <= want.len(),
            "{engine} {languages}: {errors} errors in {} characters: {text:?}",
            want.len()
        );
    }
}
