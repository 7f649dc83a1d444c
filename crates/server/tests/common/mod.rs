//! A server on 127.0.0.1:0 in a background runtime, and a blocking client.
#![allow(dead_code)]

use ocrloom_jobs::{Config, Converter, FakeConverter, Manager, S3Storage, SystemClock};
use ocrloom_server::{Server, ServerOptions};
use reqwest::blocking::{multipart, Client, RequestBuilder, Response};
use serde_json::Value;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub struct TestServer {
    pub base: String,
    pub manager: Arc<Manager>,
    pub openapi: Value,
    pub alice: String,
    pub bob: String,
    pub client: Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A minimal PDF-looking input (the fake converter reads only `FAKE:` tokens).
pub fn fake_pdf(directives: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% fake\n{directives}\n").into_bytes()
}

pub fn fake_server() -> TestServer {
    TestServer::start(Arc::new(FakeConverter::new()), base_config())
}

/// The configuration every test starts from: in memory, with the stores
/// the suite runs against. `OCRLOOM_TEST_BACKEND=postgres` runs the same
/// tests against PostgreSQL (a throwaway server, a fresh database per
/// server), otherwise the embedded SQLite store; `OCRLOOM_TEST_STORAGE=s3`
/// keeps the contents in S3 (a throwaway server, a fresh prefix per
/// server), otherwise in the data folder.
pub fn base_config() -> Config {
    Config {
        database: ocrloom_test_support::database(),
        s3: ocrloom_test_support::storage().map(|s| {
            S3Storage::from_vars(&s.url(), |k| s.var(k)).expect("the test server's settings")
        }),
        ..Config::in_memory()
    }
}

impl TestServer {
    pub fn start(converter: Arc<dyn Converter>, config: Config) -> TestServer {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("OCRLOOM_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .with_test_writer()
            .try_init();
        let manager =
            Arc::new(Manager::new(config, converter, Arc::new(SystemClock)).expect("manager"));
        let alice = manager.create_user("alice").expect("alice").1;
        let bob = manager.create_user("bob").expect("bob").1;
        let server = Server::new(
            Arc::clone(&manager),
            ServerOptions {
                shutdown_grace: Duration::from_secs(1),
                ..ServerOptions::default()
            },
        );
        let openapi = server.openapi_json();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                server
                    .serve(listener, async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("server address");
        TestServer {
            base: format!("http://{addr}"),
            manager,
            openapi,
            alice: alice.expose().to_owned(),
            bob: bob.expose().to_owned(),
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, key: &str, path: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(key)
    }

    pub fn post_json(&self, key: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .expect("request")
    }

    /// Uploads `bytes` as `filename` (sent raw in UTF-8, as curl and browsers do).
    pub fn upload(&self, key: &str, filename: &str, bytes: Vec<u8>) -> Response {
        self.try_upload(key, filename, bytes).expect("upload")
    }

    /// An upload whose sending may fail: a server that refuses it before
    /// reading the body may close the connection while the body is sent.
    pub fn try_upload(
        &self,
        key: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Result<Response> {
        let part = multipart::Part::bytes(bytes).file_name(filename.to_owned());
        let form = multipart::Form::new()
            .percent_encode_noop()
            .part("file", part);
        self.client
            .post(self.url("/files"))
            .bearer_auth(key)
            .multipart(form)
            .send()
    }

    pub fn upload_ok(&self, key: &str, filename: &str, bytes: Vec<u8>) -> Value {
        json(self.upload(key, filename, bytes), 200)
    }

    pub fn create_job(&self, key: &str, file_id: &str, output: &str) -> Value {
        json(
            self.post_json(
                key,
                "/renderocr/jobs",
                &serde_json::json!({"engine": "fake/ocr", "file_id": file_id, "languages": ["eng"], "output_format": output}),
            ),
            202,
        )
    }

    pub fn wait_job(&self, key: &str, job_id: &str) -> Value {
        for _ in 0..6 {
            let job = json(
                self.get(key, &format!("/renderocr/jobs/{job_id}?wait=10"))
                    .send()
                    .expect("poll"),
                200,
            );
            if job["status"] == "completed" || job["status"] == "failed" {
                return job;
            }
        }
        panic!("job {job_id} did not finish");
    }

    /// Stops the server gracefully and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The body as JSON, after checking the status.
#[track_caller]
pub fn json(response: Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().expect("body");
    assert_eq!(got, status, "unexpected status, body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Checks the error object and returns its message.
#[track_caller]
pub fn error(response: Response, status: u16, code: &str) -> String {
    let header_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = json(response, status);
    let e = &body["error"];
    assert_eq!(e["code"], code, "{body}");
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let id = e["request_id"].as_str().expect("request_id");
    assert_eq!(id.len(), 32, "{body}");
    assert_eq!(Some(id.to_owned()), header_id, "x-request-id matches");
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
    e["message"].as_str().unwrap_or_default().to_owned()
}

/// Checks `value` against the document's schema `name`: every key is a
/// property, every required property is present (recursively for `$ref`s
/// and arrays of `$ref`s).
#[track_caller]
pub fn check_schema(doc: &Value, name: &str, value: &Value) {
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    let props = schema["properties"].as_object().expect("properties");
    let obj = value
        .as_object()
        .unwrap_or_else(|| panic!("{name}: not an object: {value}"));
    for (k, v) in obj {
        let prop = props
            .get(k)
            .unwrap_or_else(|| panic!("{name}: field `{k}` is not in the schema"));
        let reference = prop["$ref"]
            .as_str()
            .or_else(|| prop["items"]["$ref"].as_str())
            .or_else(|| {
                prop["oneOf"]
                    .as_array()
                    .and_then(|a| a.iter().find_map(|s| s["$ref"].as_str()))
            });
        if let Some(r) = reference {
            let inner = r.trim_start_matches("#/components/schemas/");
            if inner == "JobStatus" {
                let allowed = doc["components"]["schemas"]["JobStatus"]["enum"]
                    .as_array()
                    .expect("enum");
                assert!(allowed.contains(v), "{v} not a JobStatus");
                continue;
            }
            match v {
                Value::Array(items) => items.iter().for_each(|i| check_schema(doc, inner, i)),
                Value::Object(_) => check_schema(doc, inner, v),
                _ => {}
            }
        }
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().expect("name");
        assert!(
            obj.contains_key(r),
            "{name}: required `{r}` missing in {value}"
        );
    }
}
