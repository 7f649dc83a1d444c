//! Load on `ocrloom serve` with real OCR: 50 clients upload and submit at
//! once, then poll their job without `wait` every 200 ms. All jobs must
//! complete, no request may fail, and while OCR keeps every core busy
//! (at least two jobs unfinished) `GET /renderocr/jobs/{id}` must answer with
//! a p99 under 20 ms. Prints p50/p99/max and the server's peak RSS.
//!
//! Takes about a minute on 2 cores, so it is not part of the default run:
//! `OMP_THREAD_LIMIT=1 cargo test -p ocrloom-cli --test serve_load -- --ignored --nocapture`
//! (`OCRLOOM_LOAD_CLIENTS=N` changes the number of clients).

mod serve_support;

use reqwest::blocking::{multipart, Client};
use serde_json::{json, Value};
use serve_support::{fixtures, start, temp_dir, KEY};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
#[ignore = "about a minute of real OCR on 2 cores; run with --ignored"]
fn fifty_clients_at_once_with_real_ocr() {
    let clients: usize = std::env::var("OCRLOOM_LOAD_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let data = temp_dir("serve-load");
    let server = start(&data);
    let input = Arc::new(std::fs::read(fixtures().join("ocr/phototest.tif")).expect("fixture"));
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let remaining = Arc::new(AtomicUsize::new(clients));
    let samples = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let barrier = Arc::new(std::sync::Barrier::new(clients));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (client, base, input) = (client.clone(), server.base.clone(), Arc::clone(&input));
            let (remaining, samples, barrier) = (Arc::clone(&remaining), Arc::clone(&samples), Arc::clone(&barrier));
            std::thread::spawn(move || -> Result<Value, String> {
                barrier.wait();
                let form = multipart::Form::new().part("file", multipart::Part::bytes(input.to_vec()).file_name(format!("page-{i}.tif")));
                let r = client.post(format!("{base}/files")).bearer_auth(KEY).multipart(form).send().map_err(|e| e.to_string())?;
                if r.status() != 200 {
                    return Err(format!("upload: {}", r.status()));
                }
                let file: Value = r.json().map_err(|e| e.to_string())?;
                let r = client
                    .post(format!("{base}/renderocr/jobs"))
                    .bearer_auth(KEY)
                    .json(&json!({"engine": "ocrloom/tesseract", "file_id": file["file_id"], "languages": ["eng"], "output_format": "pdf"}))
                    .send()
                    .map_err(|e| e.to_string())?;
                if r.status() != 202 {
                    return Err(format!("create: {}", r.status()));
                }
                let job: Value = r.json().map_err(|e| e.to_string())?;
                let url = format!("{base}/renderocr/jobs/{}", job["job_id"].as_str().unwrap_or_default());
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    let busy = remaining.load(Ordering::SeqCst) >= 2;
                    let t = Instant::now();
                    let r = client.get(&url).bearer_auth(KEY).send().map_err(|e| e.to_string())?;
                    let status = r.status();
                    let job: Value = r.json().map_err(|e| e.to_string())?;
                    let took = t.elapsed();
                    if status != 200 {
                        return Err(format!("poll: {status}"));
                    }
                    if busy {
                        samples.lock().map_err(|e| e.to_string())?.push(took);
                    }
                    if job["status"] == "completed" || job["status"] == "failed" {
                        remaining.fetch_sub(1, Ordering::SeqCst);
                        return Ok(job);
                    }
                }
            })
        })
        .collect();
    let mut completed = 0;
    for t in threads {
        let job = t.join().expect("client thread").expect("no request fails");
        assert_eq!(job["status"], "completed", "{job}");
        completed += 1;
    }
    let elapsed = started.elapsed();
    let peak_kib = server.peak_rss_kib();
    let mut s = samples.lock().expect("samples").clone();
    s.sort();
    let pct = |p: f64| s[((s.len() as f64 * p).ceil() as usize).clamp(1, s.len()) - 1];
    eprintln!(
        "load: {completed} jobs in {:.1} s; job polls while OCR busy: n={}, p50={:.1} ms, p99={:.1} ms, max={:.1} ms; server peak RSS {} MiB",
        elapsed.as_secs_f64(),
        s.len(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        s.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        peak_kib.map_or(0, |k| k / 1024),
    );
    // The server's own view (request log): time inside the server only,
    // without the client's scheduling on the same busy cores.
    let mut server_ms: Vec<f64> = server
        .log
        .try_iter()
        .filter(|l| l.contains("method=GET") && l.contains("path=\"/renderocr/jobs/"))
        .filter_map(|l| {
            l.split(" ms=")
                .nth(1)
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .collect();
    server_ms.sort_by(f64::total_cmp);
    if let Some(p99) =
        server_ms.get((server_ms.len() * 99 / 100).min(server_ms.len().saturating_sub(1)))
    {
        eprintln!(
            "load: server-side GET job (all polls, n={}): p99={p99:.1} ms",
            server_ms.len()
        );
    }
    assert_eq!(completed, clients);
    assert!(pct(0.99) < Duration::from_millis(20), "p99 {:?}", pct(0.99));
    assert!(server.terminate());
    let _ = std::fs::remove_dir_all(&data);
}
