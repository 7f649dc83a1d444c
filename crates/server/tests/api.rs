//! The API over real HTTP on loopback, with the fake converter.

mod common;

use base64::Engine as _;
use common::{base_config, check_schema, error, fake_pdf, fake_server, json, TestServer};
use ocrloom_jobs::{Config, FakeConverter};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn full_flow_upload_create_poll_download_matches_the_schemas() {
    let s = fake_server();
    let file = s.upload_ok(&s.alice, "scan.pdf", fake_pdf("FAKE:pages=2"));
    check_schema(&s.openapi, "FileInfo", &file);
    assert_eq!(file["filename"], "scan.pdf");
    let id = file["file_id"].as_str().expect("id");
    assert_eq!(id.len(), 32);

    let job = s.create_job(&s.alice, id, "txt");
    check_schema(&s.openapi, "Job", &job);
    assert_eq!(job["status"], "queued");
    assert!(job["completed_at"].is_null() && job.get("output_file_id").is_none());
    let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("job id"));
    check_schema(&s.openapi, "Job", &job);
    assert_eq!(
        (job["status"].as_str(), job["progress"].as_u64()),
        (Some("completed"), Some(100))
    );
    assert_eq!(job["usage"]["input_pages"], 2);

    let out = job["output_file_id"].as_str().expect("output");
    let r = s
        .get(&s.alice, &format!("/files/{out}/content"))
        .send()
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"scan.txt\"; filename*=UTF-8''scan.txt"
    );
    let text = r.text().expect("text");
    assert!(
        text.starts_with("fake/ocr pdf->txt [eng] 2 pages\npage 1 of 2\n"),
        "{text}"
    );

    for (path, schema) in [("/files", "FileList"), ("/renderocr/jobs", "JobList")] {
        let list = json(s.get(&s.alice, path).send().expect("list"), 200);
        check_schema(&s.openapi, schema, &list);
    }
    let files = json(s.get(&s.alice, "/files").send().expect("files"), 200);
    assert_eq!(
        files["data"].as_array().map(Vec::len),
        Some(2),
        "input and output"
    );
    let info = json(
        s.get(&s.alice, &format!("/files/{id}"))
            .send()
            .expect("info"),
        200,
    );
    assert_eq!(info, file);
    let engines = json(
        s.client
            .get(s.url("/renderocr/engines"))
            .send()
            .expect("engines"),
        200,
    );
    check_schema(&s.openapi, "EngineList", &engines);

    // A failed job carries its error object.
    let bad = s.upload_ok(&s.alice, "bad.pdf", fake_pdf("FAKE:fail=corrupt_input"));
    let job = s.create_job(&s.alice, bad["file_id"].as_str().expect("id"), "pdf");
    let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("id"));
    check_schema(&s.openapi, "Job", &job);
    assert_eq!(job["status"], "failed");
    assert_eq!(job["error"]["code"], "corrupt_input");
    assert!(job.get("output_file_id").is_none());
}

#[test]
fn auth_none_bad_good_and_the_public_routes() {
    let s = fake_server();
    let protected = [
        "/files",
        "/renderocr/jobs",
        "/refineloop/models",
        "/files/akrj49467f644hncvs7cmw1bj3j1mcnk",
    ];
    for path in protected {
        let r = s.client.get(s.url(path)).send().expect("no key");
        error(r, 401, "unauthorized");
        let r = s
            .get("olk_not_a_key_of_anyone_at_all_000000000000", path)
            .send()
            .expect("bad key");
        error(r, 401, "unauthorized");
        let r = s
            .client
            .get(s.url(path))
            .header("Authorization", "Basic abc")
            .send()
            .expect("basic");
        error(r, 401, "unauthorized");
    }
    // 401 comes before the body is looked at: the answer, or a connection
    // closed by the server (after answering) while the body was being sent.
    match s.try_upload("nope", "a.pdf", fake_pdf("")) {
        Ok(r) => {
            error(r, 401, "unauthorized");
        }
        Err(e) => assert!(e.is_body() || e.is_request(), "{e:?}"),
    }
    let r = s
        .client
        .post(s.url("/renderocr/jobs"))
        .body("{")
        .send()
        .expect("post");
    error(r, 401, "unauthorized");

    assert_eq!(
        json(
            s.get(&s.alice, "/refineloop/models")
                .send()
                .expect("models"),
            200
        ),
        json!({"data": []})
    );
    // Engines: public; a key, even a wrong one, is accepted and ignored.
    for key in [None, Some(s.alice.as_str()), Some("wrong")] {
        let mut r = s.client.get(s.url("/renderocr/engines"));
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        let engines = json(r.send().expect("engines"), 200);
        assert_eq!(engines["data"][0]["id"], "fake/ocr");
    }
    // The bearer scheme is case-insensitive.
    let r = s
        .client
        .get(s.url("/files"))
        .header("Authorization", format!("bearer {}", s.alice))
        .send()
        .expect("lower");
    assert_eq!(r.status(), 200);
    assert_eq!(
        json(
            s.client.get(s.url("/openapi.json")).send().expect("doc"),
            200
        )["openapi"]
            .as_str()
            .map(|v| v.starts_with("3.")),
        Some(true)
    );
}

#[test]
fn users_are_isolated() {
    let s = fake_server();
    let file = s.upload_ok(&s.alice, "a.pdf", fake_pdf(""));
    let fid = file["file_id"].as_str().expect("id");
    let job = s.create_job(&s.alice, fid, "txt");
    let jid = job["job_id"].as_str().expect("id");
    let unknown = "akrj49467f644hncvs7cmw1bj3j1mcnk";

    // Bob sees alice's ids exactly as unknown ones.
    for (path, code) in [
        (format!("/files/{fid}"), "invalid_file_id"),
        (format!("/files/{fid}/content"), "invalid_file_id"),
        (format!("/renderocr/jobs/{jid}"), "invalid_job_id"),
    ] {
        let theirs = error(s.get(&s.bob, &path).send().expect("bob"), 404, code);
        let none = error(
            s.get(&s.bob, &path.replace(fid, unknown).replace(jid, unknown))
                .send()
                .expect("unknown"),
            404,
            code,
        );
        assert_eq!(theirs.replace(fid, unknown).replace(jid, unknown), none);
    }
    let r = s.post_json(
        &s.bob,
        "/renderocr/jobs",
        &json!({"engine": "fake/ocr", "file_id": fid, "output_format": "txt"}),
    );
    error(r, 404, "invalid_file_id");
    let r = s
        .client
        .put(s.url(&format!("/uploads/{fid}")))
        .bearer_auth(&s.bob)
        .json(&json!({"data": "AAAA"}))
        .send()
        .expect("put");
    error(r, 404, "invalid_file_id");
    assert_eq!(
        json(s.get(&s.bob, "/files").send().expect("files"), 200),
        json!({"data": []})
    );
    assert_eq!(
        json(s.get(&s.bob, "/renderocr/jobs").send().expect("jobs"), 200),
        json!({"data": []})
    );
    assert_eq!(
        json(
            s.get(&s.alice, "/renderocr/jobs").send().expect("jobs"),
            200
        )["data"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn every_error_code_the_server_produces() {
    let config = Config {
        max_file_size: 64 * 1024,
        max_chunk_size: 1024,
        ..base_config()
    };
    let s = TestServer::start(Arc::new(FakeConverter::new()), config);
    let k = s.alice.clone();
    let pdf = s.upload_ok(&k, "a.pdf", fake_pdf(""));
    let pdf_id = pdf["file_id"].as_str().expect("id").to_owned();
    let job = |body: Value| s.post_json(&k, "/renderocr/jobs", &body);

    // 400 invalid_request: malformed JSON, missing fields, wrong types, bad filename, multipart problems.
    let r = s
        .client
        .post(s.url("/renderocr/jobs"))
        .bearer_auth(&k)
        .header("content-type", "application/json")
        .body("{\"engine\":")
        .send()
        .expect("post");
    error(r, 400, "invalid_request");
    error(job(json!({"engine": "fake/ocr"})), 400, "invalid_request");
    error(
        job(json!({"engine": 1, "file_id": pdf_id, "output_format": "txt"})),
        400,
        "invalid_request",
    );
    error(
        s.post_json(&k, "/uploads", &json!({"filename": ""})),
        400,
        "invalid_request",
    );
    error(
        s.post_json(&k, "/uploads", &json!({"filename": "\n\u{7f}"})),
        400,
        "invalid_request",
    );
    // Control characters are stripped, not refused.
    let upload = json(
        s.post_json(&k, "/uploads", &json!({"filename": "a\nb.pdf"})),
        200,
    );
    assert_eq!(upload["filename"], "ab.pdf");
    error(s.upload(&k, "", fake_pdf("")), 400, "invalid_request");
    let r = s
        .client
        .post(s.url("/files"))
        .bearer_auth(&k)
        .body("not multipart")
        .send()
        .expect("post");
    error(r, 400, "invalid_request");
    let form = reqwest::blocking::multipart::Form::new().text("other", "x");
    let r = s
        .client
        .post(s.url("/files"))
        .bearer_auth(&k)
        .multipart(form)
        .send()
        .expect("post");
    assert!(error(r, 400, "invalid_request").contains("no part named `file`"));
    // A chunk to a file not made by POST /uploads; bad base64.
    let r = s
        .client
        .put(s.url(&format!("/uploads/{pdf_id}")))
        .bearer_auth(&k)
        .json(&json!({"data": "AAAA"}))
        .send()
        .expect("put");
    error(r, 400, "invalid_request");
    let up = json(
        s.post_json(&k, "/uploads", &json!({"filename": "c.pdf"})),
        200,
    );
    let up_id = up["file_id"].as_str().expect("id");
    let r = s
        .client
        .put(s.url(&format!("/uploads/{up_id}")))
        .bearer_auth(&k)
        .json(&json!({"data": "!!!"}))
        .send()
        .expect("put");
    error(r, 400, "invalid_request");

    // 400 invalid_engine, invalid_wait.
    error(
        job(json!({"engine": "nope/x", "file_id": pdf_id, "output_format": "txt"})),
        400,
        "invalid_engine",
    );
    let j = s.create_job(&k, &pdf_id, "txt");
    let jid = j["job_id"].as_str().expect("id");
    for w in ["0", "-3", "abc", "1.5", ""] {
        error(
            s.get(&k, &format!("/renderocr/jobs/{jid}?wait={w}"))
                .send()
                .expect("get"),
            400,
            "invalid_wait",
        );
    }
    // 404.
    error(
        job(json!({"engine": "fake/ocr", "file_id": "nope", "output_format": "txt"})),
        404,
        "invalid_file_id",
    );
    error(
        s.get(&k, "/renderocr/jobs/nope").send().expect("get"),
        404,
        "invalid_job_id",
    );
    error(
        s.get(&k, "/no/such/route").send().expect("get"),
        404,
        "not_found",
    );
    // 405.
    error(
        s.client
            .delete(s.url("/files"))
            .bearer_auth(&k)
            .send()
            .expect("delete"),
        405,
        "method_not_allowed",
    );
    // 413: file, chunk, JSON body.
    error(
        s.upload(&k, "big.pdf", vec![b'%'; 64 * 1024 + 1]),
        413,
        "file_too_large",
    );
    let big_chunk = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 1025]);
    let r = s
        .client
        .put(s.url(&format!("/uploads/{up_id}")))
        .bearer_auth(&k)
        .json(&json!({"data": big_chunk}))
        .send()
        .expect("put");
    error(r, 413, "chunk_too_large");
    let huge = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 200 * 1024]);
    let r = s
        .client
        .put(s.url(&format!("/uploads/{up_id}")))
        .bearer_auth(&k)
        .json(&json!({"data": huge}))
        .send()
        .expect("put");
    error(r, 413, "chunk_too_large");
    // The server answers 413 as soon as a body passes the limit and then
    // closes the connection, so a client still writing the rest may see the
    // close (a broken pipe) before it reads the answer. A body just over the
    // limit is nearly always written in full first; the close is accepted too.
    let over = s
        .client
        .post(s.url("/uploads"))
        .bearer_auth(&k)
        .json(&json!({"filename": "x".repeat(64 * 1024)}))
        .send();
    match over {
        Ok(r) => {
            error(r, 413, "body_too_large");
        }
        Err(e) => assert!(
            format!("{e:?}").contains("BrokenPipe") || e.is_request(),
            "{e:?}"
        ),
    }
    let chunk = base64::engine::general_purpose::STANDARD.encode(vec![b'%'; 1024]);
    let mut last = None;
    for _ in 0..64 {
        let r = s
            .client
            .put(s.url(&format!("/uploads/{up_id}")))
            .bearer_auth(&k)
            .json(&json!({"data": chunk}))
            .send()
            .expect("put");
        last = Some(json(r, 200));
    }
    assert_eq!(last.map(|f| f["size"].clone()), Some(json!(64 * 1024)));
    let r = s
        .client
        .put(s.url(&format!("/uploads/{up_id}")))
        .bearer_auth(&k)
        .json(&json!({"data": "JQ=="}))
        .send()
        .expect("put");
    error(r, 413, "file_too_large");
    // 416.
    let r = s
        .get(&k, &format!("/files/{pdf_id}/content"))
        .header("Range", "bytes=9999-")
        .send()
        .expect("range");
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{}", pdf["size"])
    );
    error(r, 416, "invalid_range");
    // 422.
    let txt = s.upload_ok(&k, "notes.txt", b"just text".to_vec());
    error(
        job(json!({"engine": "fake/ocr", "file_id": txt["file_id"], "output_format": "txt"})),
        422,
        "unsupported_format",
    );
    error(
        job(json!({"engine": "fake/images", "file_id": pdf_id, "output_format": "txt"})),
        422,
        "unsupported_conversion",
    );
    error(
        job(json!({"engine": "fake/ocr", "file_id": pdf_id, "output_format": "docx"})),
        422,
        "unsupported_conversion",
    );
    error(
        job(
            json!({"engine": "fake/ocr", "file_id": pdf_id, "output_format": "txt", "languages": ["xx"]}),
        ),
        422,
        "unsupported_language",
    );
    // 503 once the manager shuts down.
    s.manager.shutdown(Duration::ZERO);
    error(
        job(json!({"engine": "fake/ocr", "file_id": pdf_id, "output_format": "txt"})),
        503,
        "shutting_down",
    );
}

#[test]
fn ranges_answer_206_and_416() {
    let s = fake_server();
    let bytes: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..1000u32).map(|i| (i % 251) as u8))
        .collect();
    let f = s.upload_ok(&s.alice, "r.pdf", bytes.clone());
    let path = format!("/files/{}/content", f["file_id"].as_str().expect("id"));
    let n = bytes.len();
    for (range, first, last) in [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, n - 1),
        ("bytes=-10", n - 10, n - 1),
        ("bytes=5-100000", 5, n - 1),
    ] {
        let r = s
            .get(&s.alice, &path)
            .header("Range", range)
            .send()
            .expect("range");
        assert_eq!(r.status(), 206, "{range}");
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes {first}-{last}/{n}")
        );
        assert_eq!(r.headers()["accept-ranges"], "bytes");
        assert_eq!(
            r.bytes().expect("body").as_ref(),
            &bytes[first..=last],
            "{range}"
        );
    }
    for range in [format!("bytes={n}-"), "bytes=-0".to_owned()] {
        error(
            s.get(&s.alice, &path)
                .header("Range", &range)
                .send()
                .expect("range"),
            416,
            "invalid_range",
        );
    }
    // Forms this server does not handle answer the whole file, as HTTP allows.
    let r = s
        .get(&s.alice, &path)
        .header("Range", "bytes=0-1,5-6")
        .send()
        .expect("multi");
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().expect("body").len(), n);
}

#[test]
fn chunked_upload_appends_in_order_and_converts() {
    let s = fake_server();
    let up = json(
        s.post_json(&s.alice, "/uploads", &json!({"filename": "chunked.pdf"})),
        200,
    );
    check_schema(&s.openapi, "FileInfo", &up);
    assert_eq!(up["size"], 0);
    let id = up["file_id"].as_str().expect("id");
    let whole = fake_pdf("FAKE:pages=3");
    let mut size = 0;
    for piece in whole.chunks(7) {
        let data = base64::engine::general_purpose::STANDARD.encode(piece);
        let r = s
            .client
            .put(s.url(&format!("/uploads/{id}")))
            .bearer_auth(&s.alice)
            .json(&json!({"data": data}))
            .send()
            .expect("put");
        let info = json(r, 200);
        size += piece.len();
        assert_eq!(info["size"], size);
    }
    let got = s
        .get(&s.alice, &format!("/files/{id}/content"))
        .send()
        .expect("get");
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(got.bytes().expect("body").as_ref(), whole.as_slice());
    let job = s.create_job(&s.alice, id, "txt");
    let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("id"));
    assert_eq!(job["usage"]["input_pages"], 3);
}

#[test]
fn utf8_filenames_round_trip_through_upload_and_content_disposition() {
    let s = fake_server();
    let name = "Résumé «final» 日本語.pdf";
    let f = s.upload_ok(&s.alice, name, fake_pdf(""));
    assert_eq!(f["filename"], name);
    let r = s
        .get(
            &s.alice,
            &format!("/files/{}/content", f["file_id"].as_str().expect("id")),
        )
        .send()
        .expect("get");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .expect("ascii header")
        .to_owned();
    assert_eq!(
        cd,
        "attachment; filename=\"R_sum_ _final_ ___.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%C2%ABfinal%C2%BB%20%E6%97%A5%E6%9C%AC%E8%AA%9E.pdf"
    );
    // The RFC 5987 form of a part's filename is read too.
    let body = concat!(
        "--XyZ\r\n",
        "Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf\r\n",
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n\r\n--XyZ--\r\n",
    );
    let r = s
        .client
        .post(s.url("/files"))
        .bearer_auth(&s.alice)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(body)
        .send()
        .expect("post");
    assert_eq!(json(r, 200)["filename"], "日本.pdf");
}

#[test]
fn wait_holds_until_the_job_finishes_and_is_clipped_to_ten_seconds() {
    let s = fake_server();
    let quick = s.upload_ok(&s.alice, "q.pdf", fake_pdf("FAKE:delay_ms=1500"));
    let slow = s.upload_ok(
        &s.alice,
        "s.pdf",
        fake_pdf("FAKE:pages=15 FAKE:delay_ms=1000"),
    );
    let quick = s.create_job(&s.alice, quick["file_id"].as_str().expect("id"), "txt");
    let slow = s.create_job(&s.alice, slow["file_id"].as_str().expect("id"), "txt");
    let (k, base, client) = (s.alice.clone(), s.base.clone(), s.client.clone());
    let slow_id = slow["job_id"].as_str().expect("id").to_owned();
    // The clipped wait runs beside the other.
    let clipped = std::thread::spawn(move || {
        let t = Instant::now();
        let r = client
            .get(format!("{base}/renderocr/jobs/{slow_id}?wait=30"))
            .bearer_auth(k)
            .send()
            .expect("poll");
        (t.elapsed(), json(r, 200))
    });
    let t = Instant::now();
    let done = json(
        s.get(
            &s.alice,
            &format!(
                "/renderocr/jobs/{}?wait=10",
                quick["job_id"].as_str().expect("id")
            ),
        )
        .send()
        .expect("poll"),
        200,
    );
    let took = t.elapsed();
    assert_eq!(done["status"], "completed");
    assert!(
        took >= Duration::from_millis(1000) && took < Duration::from_secs(5),
        "held {took:?}"
    );
    // Without wait: at once.
    let t = Instant::now();
    let now = json(
        s.get(
            &s.alice,
            &format!("/renderocr/jobs/{}", slow["job_id"].as_str().expect("id")),
        )
        .send()
        .expect("get"),
        200,
    );
    assert!(t.elapsed() < Duration::from_millis(500));
    assert_eq!(now["status"], "processing");
    let (took, job) = clipped.join().expect("thread");
    assert_eq!(job["status"], "processing");
    assert!(
        took >= Duration::from_millis(9900) && took < Duration::from_secs(12),
        "clipped to 10 s, held {took:?}"
    );
}

#[test]
fn openapi_lists_exactly_the_routes_served() {
    let s = fake_server();
    let doc = &s.openapi;
    let served = json(
        s.client.get(s.url("/openapi.json")).send().expect("doc"),
        200,
    );
    assert_eq!(&served, doc);
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    let methods = ["get", "post", "put", "delete", "patch"];
    for (path, item) in paths {
        let concrete = path
            .replace("{file_id}", "akrj49467f644hncvs7cmw1bj3j1mcnk")
            .replace("{job_id}", "akrj49467f644hncvs7cmw1bj3j1mcnk");
        for m in methods {
            let method = reqwest::Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
            let r = s
                .client
                .request(method, s.url(&concrete))
                .bearer_auth(&s.alice)
                .send()
                .expect("request");
            let status = r.status().as_u16();
            let body: Value = r.json().unwrap_or(Value::Null);
            let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
            if item.get(m).is_some() {
                operations += 1;
                assert!(
                    code != "not_found" && code != "method_not_allowed",
                    "{m} {path} is documented but not served: {status} {body}"
                );
            } else {
                assert_eq!(
                    (status, code.as_str()),
                    (405, "method_not_allowed"),
                    "{m} {path} is served but not documented"
                );
            }
        }
    }
    // The table in the API document, and nothing else.
    let mut listed: Vec<String> = paths
        .iter()
        .flat_map(|(p, item)| {
            methods
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "GET /files",
            "GET /files/{file_id}",
            "GET /files/{file_id}/content",
            "GET /openapi.json",
            "GET /refineloop/models",
            "GET /renderocr/engines",
            "GET /renderocr/jobs",
            "GET /renderocr/jobs/{job_id}",
            "POST /files",
            "POST /renderocr/jobs",
            "POST /uploads",
            "PUT /uploads/{file_id}",
        ]
    );
    assert_eq!(operations, listed.len());
    // Paths outside the document are not served (`/` and `/console/` are
    // the web console: tests/console.rs).
    for p in [
        "/file",
        "/files/a/b",
        "/renderocr",
        "/renderocr/jobs/a/b",
        "/uploads",
    ] {
        let r = s.get(&s.alice, p).send().expect("get");
        let status = r.status().as_u16();
        if p == "/uploads" {
            assert_eq!(status, 405, "GET {p}");
        } else {
            assert_eq!(status, 404, "GET {p}");
        }
    }
    // Every response schema the document refers to exists.
    let text = doc.to_string();
    for r in text.split("#/components/schemas/").skip(1) {
        let name: String = r.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(
            doc["components"]["schemas"][&name].is_object(),
            "missing schema {name}"
        );
    }
}

#[test]
fn graceful_shutdown_answers_long_polls_and_requeues_running_jobs() {
    let dir = std::env::temp_dir().join(format!("ocrloom-server-shutdown-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The restart finds the same database and bucket prefix, if any.
    let base = Config {
        durability: ocrloom_jobs::Durability::NoSync,
        storage: ocrloom_jobs::Storage::Dir(dir.clone()),
        ..base_config()
    };
    let config = || base.clone();
    let s = TestServer::start(Arc::new(FakeConverter::new()), config());
    let f = s.upload_ok(
        &s.alice,
        "long.pdf",
        fake_pdf("FAKE:pages=2 FAKE:delay_ms=1500"),
    );
    let job = s.create_job(&s.alice, f["file_id"].as_str().expect("id"), "txt");
    let jid = job["job_id"].as_str().expect("id").to_owned();
    let alice_key = s.alice.clone();
    let (k, base, client) = (s.alice.clone(), s.base.clone(), s.client.clone());
    // Stop only once the job runs (a loaded machine may take a while to
    // pick it up), so that shutdown has a running job to requeue.
    let started = Instant::now();
    loop {
        let r = client
            .get(format!("{base}/renderocr/jobs/{jid}"))
            .bearer_auth(&k)
            .send()
            .expect("status");
        if json(r, 200)["status"] == "processing" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the job never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let poll = {
        let jid = jid.clone();
        std::thread::spawn(move || {
            let r = client
                .get(format!("{base}/renderocr/jobs/{jid}?wait=10"))
                .bearer_auth(k)
                .send()
                .expect("poll");
            json(r, 200)
        })
    };
    // The long poll is in flight before the stop.
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    s.stop();
    // Grace is 1 s in tests: the long poll is answered, the job cut short.
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "stopped in {:?}",
        t.elapsed()
    );
    let answered = poll.join().expect("poll thread");
    assert_eq!(answered["status"], "processing");

    // The next start runs the job again to completion.
    let manager = ocrloom_jobs::Manager::new(
        config(),
        Arc::new(FakeConverter::new()),
        Arc::new(ocrloom_jobs::SystemClock),
    )
    .expect("restart");
    let alice = manager.authenticate(&alice_key).expect("the key survived");
    let job = manager.get_job(&alice, &jid, Some(10)).expect("job");
    assert_eq!(job.status, ocrloom_jobs::JobStatus::Completed);
    drop(manager);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_long_poll_whose_key_is_revoked_answers_401_at_its_next_wake_up() {
    let s = TestServer::start(
        Arc::new(FakeConverter::new()),
        Config {
            workers: 1,
            ..base_config()
        },
    );
    let first = s.upload_ok(&s.alice, "a.pdf", fake_pdf("FAKE:delay_ms=1500"));
    let second = s.upload_ok(&s.alice, "b.pdf", fake_pdf("FAKE:delay_ms=10"));
    s.create_job(&s.alice, first["file_id"].as_str().expect("id"), "txt");
    let queued = s.create_job(&s.alice, second["file_id"].as_str().expect("id"), "txt");
    let jid = queued["job_id"].as_str().expect("id").to_owned();
    let (k, base, client) = (s.alice.clone(), s.base.clone(), s.client.clone());
    let poll = std::thread::spawn(move || {
        let t = Instant::now();
        let r = client
            .get(format!("{base}/renderocr/jobs/{jid}?wait=10"))
            .bearer_auth(k)
            .send()
            .expect("poll");
        (t.elapsed(), r)
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(s.manager.revoke_api_key(&s.alice).expect("revoke"));
    let (took, r) = poll.join().expect("thread");
    // The queued job starts when the first ends (1.5 s): the poll wakes,
    // finds its key gone, and answers 401 long before its 10 s.
    error(r, 401, "unauthorized");
    assert!(took < Duration::from_secs(5), "held {took:?}");
}

#[test]
fn a_huge_wait_is_clipped_not_refused() {
    let s = fake_server();
    let file = s.upload_ok(&s.alice, "a.pdf", fake_pdf("FAKE:delay_ms=10"));
    let job = s.create_job(&s.alice, file["file_id"].as_str().expect("id"), "txt");
    let jid = job["job_id"].as_str().expect("id");
    let r = s
        .get(
            &s.alice,
            &format!("/renderocr/jobs/{jid}?wait=99999999999999999999"),
        )
        .send()
        .expect("poll");
    assert_eq!(json(r, 200)["status"], "completed");
}

#[test]
fn quotas_answer_429_with_retry_after_and_inputs_of_jobs_are_immutable() {
    let s = TestServer::start(
        Arc::new(FakeConverter::new()),
        Config {
            workers: 0,
            max_queued_jobs_per_user: 2,
            max_stored_bytes_per_user: 1000,
            ..base_config()
        },
    );
    let mut first = fake_pdf("");
    first.resize(400, b' ');
    let file = s.upload_ok(&s.alice, "a.pdf", first.clone());
    let fid = file["file_id"].as_str().expect("id");
    s.create_job(&s.alice, fid, "txt");
    s.create_job(&s.alice, fid, "txt");
    let r = s.post_json(
        &s.alice,
        "/renderocr/jobs",
        &json!({"engine": "fake/ocr", "file_id": fid, "output_format": "txt"}),
    );
    assert_eq!(r.headers()["retry-after"], "10");
    error(r, 429, "quota_exceeded");
    // Per user: bob queues at once.
    let bobs = s.upload_ok(&s.bob, "b.pdf", fake_pdf(""));
    s.create_job(&s.bob, bobs["file_id"].as_str().expect("id"), "txt");
    // Bytes: 400 + 700 > 1000.
    let r = s.upload(&s.alice, "big.pdf", vec![b'x'; 700]);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!(retry > 0 && retry <= 24 * 3600, "{retry}");
    error(r, 429, "quota_exceeded");
    // Nothing stored is lost.
    let list = json(s.get(&s.alice, "/files").send().expect("list"), 200);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let content = s
        .get(&s.alice, &format!("/files/{fid}/content"))
        .send()
        .expect("content")
        .bytes()
        .expect("bytes");
    assert_eq!(content.as_ref(), first.as_slice());

    // A chunked upload takes chunks until a job refers to it: then 409.
    let up = json(
        s.post_json(&s.bob, "/uploads", &json!({"filename": "c.pdf"})),
        200,
    );
    let uid = up["file_id"].as_str().expect("id");
    let chunk = |data: &[u8]| {
        s.client
            .put(s.url(&format!("/uploads/{uid}")))
            .bearer_auth(&s.bob)
            .json(&json!({"data": base64::engine::general_purpose::STANDARD.encode(data)}))
            .send()
            .expect("put")
    };
    json(chunk(b"%PDF-1.7\n"), 200);
    s.create_job(&s.bob, uid, "txt");
    error(chunk(b"more"), 409, "file_in_use");
    let info = json(
        s.get(&s.bob, &format!("/files/{uid}"))
            .send()
            .expect("info"),
        200,
    );
    assert_eq!(info["size"], 9);
}

#[test]
fn part_filenames_are_parsed_with_quotes_and_cleaned_of_paths_and_bidi() {
    let s = fake_server();
    let upload = |disposition: &str| {
        let body = format!(
            "--XyZ\r\nContent-Disposition: {disposition}\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n\r\n--XyZ--\r\n"
        );
        s.client
            .post(s.url("/files"))
            .bearer_auth(&s.alice)
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(body)
            .send()
            .expect("post")
    };
    let cases = [
        (
            r#"form-data; name="file"; filename="a.pdf; filename*=UTF-8''evil.exe""#,
            "a.pdf; filename*=UTF-8''evil.exe",
        ),
        (
            r#"form-data; name="file"; filename="ok.pdf"; filename*=UTF-8''%FF.pdf"#,
            "ok.pdf",
        ),
        (r#"form-data; name="file"; filename="../../x.pdf""#, "x.pdf"),
        (
            "form-data; name=\"file\"; filename*=UTF-8''invoice%E2%80%AEfdp.exe",
            "invoicefdp.exe",
        ),
    ];
    for (disposition, stored) in cases {
        assert_eq!(
            json(upload(disposition), 200)["filename"],
            stored,
            "{disposition}"
        );
    }
    error(
        upload(r#"form-data; name="file"; filename="../..""#),
        400,
        "invalid_request",
    );
    // An output derived from a name that was a path before cleaning.
    let file = s.upload_ok(&s.alice, "../../x", fake_pdf(""));
    assert_eq!(file["filename"], "x");
    let job = s.create_job(&s.alice, file["file_id"].as_str().expect("id"), "txt");
    let job = s.wait_job(&s.alice, job["job_id"].as_str().expect("id"));
    let out = json(
        s.get(
            &s.alice,
            &format!("/files/{}", job["output_file_id"].as_str().expect("output")),
        )
        .send()
        .expect("info"),
        200,
    );
    assert_eq!(out["filename"], "x.txt");
}

#[test]
fn if_range_serves_the_range_only_for_the_current_etag() {
    let s = fake_server();
    let file = s.upload_ok(&s.alice, "a.pdf", fake_pdf("0123456789"));
    let path = format!("/files/{}/content", file["file_id"].as_str().expect("id"));
    let whole = s.get(&s.alice, &path).send().expect("get");
    let tag = whole.headers()["etag"].to_str().expect("etag").to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    let ranged = |if_range: &str| {
        s.get(&s.alice, &path)
            .header("range", "bytes=0-3")
            .header("if-range", if_range)
            .send()
            .expect("get")
    };
    let r = ranged(&tag);
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().expect("bytes").as_ref(), b"%PDF");
    for stale in ["\"other\"", "Wed, 21 Oct 2015 07:28:00 GMT"] {
        let r = ranged(stale);
        assert_eq!(r.status(), 200, "{stale}");
        assert_eq!(
            r.bytes().expect("bytes").len() as u64,
            file["size"].as_u64().expect("size")
        );
    }
}

#[test]
fn openapi_lists_503_unavailable_wherever_a_key_is_needed() {
    let s = fake_server();
    let mut keyed = 0;
    for (path, item) in s.openapi["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if operation["security"]
                .as_array()
                .is_none_or(|s| s.is_empty())
            {
                continue;
            }
            keyed += 1;
            let answer = operation["responses"]["503"]["description"]
                .as_str()
                .unwrap_or_default();
            assert!(
                answer.contains("`unavailable`"),
                "{method} {path} does not document 503 unavailable: {answer:?}"
            );
        }
    }
    // Uploads, files, contents, chunks, jobs, the models list.
    assert!(keyed >= 10, "{keyed} operations need a key");
}
