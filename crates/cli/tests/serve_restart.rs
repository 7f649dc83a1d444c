//! `ocrloom serve` killed with SIGKILL during a job: after a restart the job
//! completes, every uploaded file is intact, and no orphan content is left.
//! Real OCR on the 3-page sample scan.

mod serve_support;

use reqwest::blocking::{multipart, Client};
use serde_json::{json, Value};
use serve_support::{fixtures, start, temp_dir, KEY};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

fn upload(client: &Client, url: &str, name: &str, bytes: Vec<u8>) -> String {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let r = client
        .post(url)
        .bearer_auth(KEY)
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().expect("json");
    v["file_id"].as_str().expect("file id").to_owned()
}

fn job(client: &Client, url: &str) -> Value {
    let r = client.get(url).bearer_auth(KEY).send().expect("get job");
    assert_eq!(r.status(), 200);
    r.json().expect("json")
}

#[test]
fn kill_9_during_a_job_then_restart_completes_it_and_keeps_files_intact() {
    let data = temp_dir("serve-kill9");
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let scan = std::fs::read(fixtures().join("sample/scan.pdf")).expect("fixture");
    let other: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();

    let server = start(&data);
    let scan_id = upload(&client, &server.url("/files"), "scan.pdf", scan.clone());
    let other_id = upload(&client, &server.url("/files"), "other.bin", other.clone());
    let r = client
        .post(server.url("/renderocr/jobs"))
        .bearer_auth(KEY)
        .json(&json!({"engine": "ocrloom/tesseract", "file_id": scan_id, "languages": ["eng"], "output_format": "pdf"}))
        .send()
        .expect("create");
    assert_eq!(r.status(), 202);
    let job_id = r.json::<Value>().expect("json")["job_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let job_url = server.url(&format!("/renderocr/jobs/{job_id}"));
    let t = Instant::now();
    loop {
        let status = job(&client, &job_url)["status"].clone();
        if status == "processing" {
            break;
        }
        assert_eq!(status, "queued");
        assert!(t.elapsed() < Duration::from_secs(20), "never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut server = server;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    drop(server);
    // The killed job's output was being written: a partial file in tmp/.
    let partial = std::fs::read_dir(data.join("tmp")).expect("tmp").count();
    assert_eq!(partial, 1, "the interrupted output is on disk");

    let server = start(&data);
    let job_url = server.url(&format!("/renderocr/jobs/{job_id}"));
    let t = Instant::now();
    let done = loop {
        let j = job(&client, &format!("{job_url}?wait=10"));
        if j["status"] == "completed" || j["status"] == "failed" {
            break j;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "not done after restart: {j}"
        );
    };
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["usage"]["input_pages"], 3);
    for (id, original) in [(&scan_id, &scan), (&other_id, &other)] {
        let r = client
            .get(server.url(&format!("/files/{id}/content")))
            .bearer_auth(KEY)
            .send()
            .expect("download");
        assert_eq!(r.status(), 200);
        assert_eq!(
            sha256(&r.bytes().expect("body")),
            sha256(original),
            "file {id} changed"
        );
    }
    let out = done["output_file_id"].as_str().expect("output");
    let r = client
        .get(server.url(&format!("/files/{out}/content")))
        .bearer_auth(KEY)
        .send()
        .expect("download");
    assert!(r.bytes().expect("body").starts_with(b"%PDF-"));
    // No orphan contents: the content folder holds exactly the files the
    // API lists (the two uploads and the one output; the output being
    // written when the process was killed is gone), and nothing is left
    // in the work folder.
    let r = client
        .get(server.url("/files"))
        .bearer_auth(KEY)
        .send()
        .expect("list files");
    assert_eq!(r.status(), 200);
    let mut listed: Vec<String> = r.json::<Value>().expect("json")["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|f| f["file_id"].as_str().expect("file id").to_owned())
        .collect();
    listed.sort();
    let mut expected = vec![scan_id.clone(), other_id.clone(), out.to_owned()];
    expected.sort();
    assert_eq!(listed, expected);
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(data.join(dir))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("files"), listed, "contents on disk = files listed");
    assert_eq!(names("tmp"), Vec::<String>::new(), "no partial output left");
    assert!(server.terminate(), "SIGTERM ends the server with success");
    let _ = std::fs::remove_dir_all(&data);
}
