//! `ocrloom serve` with real OCR: the engines list offers PPTX from every
//! input type, and a job with `output_format: "pptx"` completes; its
//! download is a presentation with the PPTX media type and the input's
//! name with `.pptx`, which LibreOffice Impress opens (one slide).

mod serve_support;

use reqwest::blocking::{multipart, Client};
use serde_json::{json, Value};
use serve_support::{fixtures, start, temp_dir, KEY};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn a_pptx_job_over_http() {
    let data = temp_dir("serve-pptx");
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let server = start(&data);

    let engines: Value = client
        .get(server.url("/renderocr/engines"))
        .bearer_auth(KEY)
        .send()
        .expect("engines")
        .json()
        .expect("json");
    let conversions = engines["data"][0]["supported_conversions"]
        .as_array()
        .expect("conversions")
        .clone();
    for from in ["pdf", "tiff", "jpeg", "png", "bmp"] {
        assert!(
            conversions.contains(&json!({"from": from, "to": "pptx"})),
            "{from} -> pptx not in {conversions:?}"
        );
    }

    let bytes = std::fs::read(fixtures().join("ocr/phototest.tif")).expect("fixture");
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name("phototest.tif"),
    );
    let file: Value = client
        .post(server.url("/files"))
        .bearer_auth(KEY)
        .multipart(form)
        .send()
        .expect("upload")
        .json()
        .expect("json");
    let r = client
        .post(server.url("/renderocr/jobs"))
        .bearer_auth(KEY)
        .json(&json!({"engine": "ocrloom/tesseract", "file_id": file["file_id"], "languages": ["eng"], "output_format": "pptx"}))
        .send()
        .expect("create");
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().expect("json")["job_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let t = Instant::now();
    let job = loop {
        let job: Value = client
            .get(server.url(&format!("/renderocr/jobs/{id}?wait=10")))
            .bearer_auth(KEY)
            .send()
            .expect("job")
            .json()
            .expect("json");
        if job["status"] == "completed" || job["status"] == "failed" {
            break job;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "{job}");
    };
    assert_eq!(job["status"], "completed", "{job}");
    let out = job["output_file_id"].as_str().expect("output");
    let r = client
        .get(server.url(&format!("/files/{out}/content")))
        .bearer_auth(KEY)
        .send()
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    );
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''phototest.pptx")
            && disposition.contains("filename=\"phototest.pptx\""),
        "{disposition}"
    );
    let pptx = r.bytes().expect("body");
    assert!(server.terminate());

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("phototest.pptx");
    std::fs::write(&path, &pptx).expect("write");
    let converted = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .expect("soffice (scripts/setup.sh)");
    assert!(converted.status.success());
    let info = Command::new("pdfinfo")
        .arg(dir.path().join("phototest.pdf"))
        .output()
        .expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 1")),
        "{info}"
    );
    let _ = std::fs::remove_dir_all(&data);
}
