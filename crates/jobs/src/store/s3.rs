//! Contents in an S3-compatible bucket (`--storage s3://bucket/prefix`),
//! through the `object_store` crate.
//!
//! ```text
//! <prefix>/files/<file_id>/<offset, 20 digits>   the file's bytes from that offset
//! <data>/tmp/                                    the converter's copies and outputs (0700, files 0600)
//! ```
//! A content is one or more parts: an upload or an output is one part at
//! offset 0 (streamed, in a multipart upload past [`PART_SIZE`]); each chunk
//! of a chunked upload is a part of its own, since objects cannot grow, and
//! a read joins the parts. Objects are only ever written under the prefix.
//!
//! The trait is synchronous and its callers run on plain threads (the
//! manager's workers, the server's blocking pool), never inside an async
//! task: each call runs its requests on a small runtime owned by the store
//! and waits for them. Every request has a connect timeout and a total
//! timeout, and failures are retried a few times within a bounded time, so
//! an outage ends in [`Error::ObjectStorage`], never in a hang.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::client::{HttpError, HttpErrorKind};
use object_store::path::Path as Key;
use object_store::{
    ClientOptions, GetOptions, MultipartUpload, ObjectStore, ObjectStoreExt, PutPayload,
    RetryConfig,
};

use crate::config::S3Storage;
use crate::error::Error;
use crate::ids::{random_chars, FileId};
use crate::store::folder::{create_private, private_dir};
use crate::store::{ContentStore, LocalFile, Stored};

/// Bytes buffered per part of a multipart upload (S3 wants at least 5 MiB
/// per part but the last); also the largest content sent in one request.
pub(crate) const PART_SIZE: usize = 8 * 1024 * 1024;
/// The longest any one request may take (a part of [`PART_SIZE`] included).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A runtime for the store's requests, shut down without waiting when the
/// last user goes (also from inside another runtime, where waiting is not
/// allowed).
struct Bridge(Option<tokio::runtime::Runtime>);

impl Bridge {
    fn new() -> Result<Bridge, Error> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ocrloom-s3")
            .enable_all()
            .build()
            .map(|rt| Bridge(Some(rt)))
            .map_err(|e| Error::io("starting the object storage client", e))
    }

    /// Runs `f` to completion on the store's runtime. Callers are plain
    /// threads (see the module's documentation).
    fn run<F: Future>(&self, f: F) -> F::Output {
        match &self.0 {
            Some(rt) => rt.block_on(f),
            None => unreachable!("the runtime lives as long as the bridge"),
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// One stored part of a content.
#[derive(Debug, Clone)]
struct Part {
    key: Key,
    offset: u64,
    size: u64,
}

impl Part {
    fn end(&self) -> u64 {
        self.offset.saturating_add(self.size)
    }
}

/// Contents in a bucket, under `<prefix>/files`.
pub(crate) struct S3Content {
    store: Arc<dyn ObjectStore>,
    bridge: Arc<Bridge>,
    /// `<prefix>/files`.
    root: Key,
    /// The local scratch folder.
    scratch: PathBuf,
}

impl S3Content {
    /// Connects to the bucket and checks, within `timeout`, that it exists
    /// and takes the credentials (a probe object is written and deleted);
    /// `scratch` is created private.
    pub(crate) fn open(
        cfg: &S3Storage,
        scratch: &std::path::Path,
        timeout: Duration,
    ) -> Result<Self, Error> {
        private_dir(scratch)
            .map_err(|e| Error::io(format!("creating {}", scratch.display()), e))?;
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_access_key_id(&cfg.access_key_id)
            .with_secret_access_key(&cfg.secret_access_key)
            .with_allow_http(cfg.allow_http)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(cfg.allow_http)
                    .with_connect_timeout(timeout)
                    .with_timeout(REQUEST_TIMEOUT),
            )
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: timeout,
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &cfg.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let where_ = match &cfg.endpoint {
            Some(e) => format!("bucket `{}` at {e}", cfg.bucket),
            None => format!("bucket `{}`", cfg.bucket),
        };
        let store = builder.build().map_err(|e| Error::ObjectStorage {
            context: format!("configuring the {where_}"),
            source: Box::new(e),
        })?;
        let root = cfg
            .prefix
            .split('/')
            .filter(|s| !s.is_empty())
            .fold(Key::default(), |k, s| k.join(s))
            .join("files");
        let content = S3Content {
            store: Arc::new(store),
            bridge: Arc::new(Bridge::new()?),
            root,
            scratch: scratch.to_path_buf(),
        };
        content.check(&where_, timeout)?;
        Ok(content)
    }

    /// Lists, writes and deletes a probe object, each step within `timeout`,
    /// with a message saying what is wrong.
    fn check(&self, where_: &str, timeout: Duration) -> Result<(), Error> {
        let probe = self
            .root
            .clone()
            .join(format!(".probe-{}", random_chars(12)?));
        let store = &self.store;
        let steps = async {
            store.list_with_delimiter(Some(&self.root)).await?;
            store.put(&probe, PutPayload::from_static(b"")).await?;
            store.delete(&probe).await
        };
        // Three steps, each bounded by the retry settings; this bounds them all.
        match self
            .bridge
            .run(async { tokio::time::timeout(timeout.saturating_mul(3), steps).await })
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "the object storage refused the start");
                Err(Error::ObjectStorage {
                    context: format!("opening the {where_}: {}", start_failure(&e)),
                    source: root_cause(&e).into(),
                })
            }
            Err(elapsed) => Err(Error::ObjectStorage {
                context: format!(
                    "opening the {where_}: no answer within {} s",
                    timeout.saturating_mul(3).as_secs()
                ),
                source: Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)),
            }),
        }
    }

    fn dir(&self, id: &FileId) -> Key {
        self.root.clone().join(id.as_str())
    }

    fn part_key(&self, id: &FileId, offset: u64) -> Key {
        self.dir(id).join(format!("{offset:020}"))
    }

    /// The parts of `id`, by offset.
    fn parts(&self, id: &FileId) -> Result<Vec<Part>, Error> {
        let metas: Vec<_> = self
            .bridge
            .run(self.store.list(Some(&self.dir(id))).try_collect())
            .map_err(storage(format!("listing the parts of {id}")))?;
        let mut parts: Vec<Part> = metas
            .into_iter()
            .filter_map(|m| {
                let offset = m.location.filename()?.parse::<u64>().ok()?;
                Some(Part {
                    key: m.location,
                    offset,
                    size: m.size,
                })
            })
            .collect();
        parts.sort_by_key(|p| p.offset);
        Ok(parts)
    }

    /// Streams `reader` into the object `key`, refusing more than `max`
    /// bytes (nothing is kept then); one request up to [`PART_SIZE`], a
    /// multipart upload past it, so at most one part is in memory.
    fn put_reader(&self, key: &Key, reader: &mut dyn Read, max: u64) -> Result<u64, Error> {
        let mut total = 0u64;
        let first = read_part(reader, &mut total, max)?;
        if first.len() < PART_SIZE {
            self.bridge
                .run(self.store.put(key, PutPayload::from(first)))
                .map_err(storage(format!("writing {key}")))?;
            return Ok(total);
        }
        let mut upload = self
            .bridge
            .run(self.store.put_multipart(key))
            .map_err(storage(format!("starting the upload of {key}")))?;
        let streamed = (|| {
            let mut part = first;
            loop {
                let done = part.len() < PART_SIZE;
                if !part.is_empty() {
                    self.bridge
                        .run(upload.put_part(PutPayload::from(part)))
                        .map_err(storage(format!("writing a part of {key}")))?;
                }
                if done {
                    return Ok(());
                }
                part = read_part(reader, &mut total, max)?;
            }
        })();
        match streamed {
            Ok(()) => {
                self.bridge
                    .run(upload.complete())
                    .map_err(storage(format!("completing the upload of {key}")))?;
                Ok(total)
            }
            Err(e) => {
                if let Err(abort) = self.bridge.run(upload.abort()) {
                    tracing::warn!(key = %key, error = %abort, "could not abort an upload");
                }
                Err(e)
            }
        }
    }

    /// Drops what `id` holds at or past `size`: parts starting there are
    /// deleted, a part across it is rewritten shorter.
    fn cut(&self, id: &FileId, size: u64, keep: Option<u64>) -> Result<(), Error> {
        for p in self.parts(id)? {
            if p.offset >= size {
                if Some(p.offset) != keep {
                    self.bridge
                        .run(self.store.delete(&p.key))
                        .map_err(storage(format!("deleting {}", p.key)))?;
                }
            } else if p.end() > size {
                let len = size - p.offset;
                let mut head = self.reader(VecDeque::from([(p.key.clone(), 0..len)]));
                self.put_reader(&p.key, &mut head, len)?;
            }
        }
        Ok(())
    }

    fn reader(&self, ranges: VecDeque<(Key, Range<u64>)>) -> PartsReader {
        PartsReader {
            store: Arc::clone(&self.store),
            bridge: Arc::clone(&self.bridge),
            ranges,
            current: None,
            buf: Bytes::new(),
        }
    }
}

/// Reads up to [`PART_SIZE`] bytes, counting them in `total` and refusing
/// more than `max` in all.
fn read_part(reader: &mut dyn Read, total: &mut u64, max: u64) -> Result<Vec<u8>, Error> {
    let mut part = Vec::new();
    let want = u64::try_from(PART_SIZE).unwrap_or(u64::MAX);
    // One byte past `max` tells a too-large upload from one of exactly `max`.
    let room = max.saturating_sub(*total).saturating_add(1).min(want);
    let n = reader
        .take(room)
        .read_to_end(&mut part)
        .map_err(|e| Error::io("reading the upload", e))?;
    *total = total.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    if *total > max {
        return Err(Error::FileTooLarge { max });
    }
    Ok(part)
}

/// What went wrong at start, in words. List requests report the server's
/// answer only in the error's text (S3's error codes are in its body).
fn start_failure(e: &object_store::Error) -> String {
    let mut text = String::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        text.push_str(&c.to_string());
        cause = c.source();
    }
    let refused = [
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
    ];
    if matches!(e, object_store::Error::NotFound { .. }) || text.contains("NoSuchBucket") {
        "the bucket does not exist".to_owned()
    } else if matches!(
        e,
        object_store::Error::Unauthenticated { .. } | object_store::Error::PermissionDenied { .. }
    ) || refused.iter().any(|code| text.contains(code))
    {
        "the credentials were refused (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".to_owned()
    } else if unreachable(e) {
        "the endpoint cannot be reached".to_owned()
    } else {
        format!("the request failed: {e}")
    }
}

/// The innermost cause's text (the outer ones repeat it).
fn root_cause(e: &object_store::Error) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = e;
    while let Some(c) = cause.source() {
        cause = c;
    }
    cause.to_string()
}

/// Whether `e` comes from the network (refused or lost connection, timeout).
fn unreachable(e: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(h) = c.downcast_ref::<HttpError>() {
            return matches!(
                h.kind(),
                HttpErrorKind::Connect
                    | HttpErrorKind::Request
                    | HttpErrorKind::Timeout
                    | HttpErrorKind::Interrupted
            );
        }
        cause = c.source();
    }
    false
}

/// The error for a failed request: a missing object is a lost content
/// ([`Error::Io`], not found), anything else [`Error::ObjectStorage`].
fn storage(context: String) -> impl FnOnce(object_store::Error) -> Error {
    move |e| match e {
        object_store::Error::NotFound { .. } => Error::io(
            context,
            std::io::Error::new(std::io::ErrorKind::NotFound, e),
        ),
        e => Error::ObjectStorage {
            context,
            source: Box::new(e),
        },
    }
}

/// The bytes of byte ranges of objects, one after the other, fetched as
/// they are read.
struct PartsReader {
    store: Arc<dyn ObjectStore>,
    bridge: Arc<Bridge>,
    ranges: VecDeque<(Key, Range<u64>)>,
    current: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    buf: Bytes,
}

impl Read for PartsReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.buf.is_empty() {
            let Some(stream) = self.current.as_mut() else {
                let Some((key, range)) = self.ranges.pop_front() else {
                    return Ok(0);
                };
                let opts = GetOptions::new().with_range(Some(range));
                let got = self
                    .bridge
                    .run(self.store.get_opts(&key, opts))
                    .map_err(std::io::Error::other)?;
                self.current = Some(got.into_stream());
                continue;
            };
            match self.bridge.run(stream.next()) {
                Some(Ok(b)) => self.buf = b,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => self.current = None,
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf.split_to(n));
        Ok(n)
    }
}

impl ContentStore for S3Content {
    fn put(&self, id: &FileId, reader: &mut dyn Read, max: u64) -> Result<u64, Error> {
        self.put_reader(&self.part_key(id, 0), reader, max)
    }

    fn put_file(&self, id: &FileId, path: &std::path::Path) -> Result<u64, Error> {
        let mut f = std::fs::File::open(path)
            .map_err(|e| Error::io(format!("reading the output {}", path.display()), e))?;
        let size = self.put_reader(&self.part_key(id, 0), &mut f, u64::MAX)?;
        if let Err(e) = std::fs::remove_file(path) {
            tracing::warn!(path = %path.display(), error = %e, "could not remove a scratch file");
        }
        Ok(size)
    }

    fn append(&self, id: &FileId, offset: u64, chunk: &[u8]) -> Result<(), Error> {
        // A failed append may have left a part at `offset` (rewritten
        // below) or past it (deleted).
        self.cut(id, offset, Some(offset))?;
        let key = self.part_key(id, offset);
        self.bridge
            .run(
                self.store
                    .put(&key, PutPayload::from(Bytes::copy_from_slice(chunk))),
            )
            .map_err(storage(format!("writing {key}")))?;
        Ok(())
    }

    fn get(&self, id: &FileId, start: u64, len: u64) -> Result<Box<dyn Read + Send>, Error> {
        if len == 0 {
            return Ok(Box::new(std::io::empty()));
        }
        let parts = self.parts(id)?;
        if parts.is_empty() {
            return Err(Error::io(
                format!("reading the content of {id}"),
                std::io::ErrorKind::NotFound.into(),
            ));
        }
        let end = start.saturating_add(len);
        // Like a file's end, the end of the parts ends the read.
        let ranges = parts
            .into_iter()
            .filter(|p| p.offset < end && p.end() > start && p.size > 0)
            .map(|p| {
                let a = start.max(p.offset) - p.offset;
                let b = end.min(p.end()) - p.offset;
                (p.key, a..b)
            })
            .collect::<VecDeque<_>>();
        Ok(Box::new(self.reader(ranges)))
    }

    fn local(&self, id: &FileId) -> Result<LocalFile, Error> {
        let size = self.parts(id)?.iter().map(Part::end).max().unwrap_or(0);
        let path = self.scratch(id.as_str())?;
        // Deleted on drop, also when the copy fails.
        let local = tempfile::TempPath::try_from_path(&path)
            .map_err(|e| Error::io("copying an input", e))?;
        let copied = (|| {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .open(&local)
                .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
            let mut input = self.get(id, 0, size)?;
            std::io::copy(&mut input, &mut out)
                .and_then(|_| out.flush())
                .map_err(|e| Error::io(format!("copying {id} to {}", path.display()), e))
        })();
        copied.map(|()| LocalFile::Copy(local))
    }

    fn scratch(&self, hint: &str) -> Result<PathBuf, Error> {
        let p = self
            .scratch
            .join(format!("{hint}-{}.part", random_chars(12)?));
        create_private(&p).map_err(|e| Error::io("creating a scratch file", e))?;
        Ok(p)
    }

    fn delete(&self, id: &FileId) {
        let parts = match self.parts(id) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(file_id = %id, error = %e, "could not list a content to remove");
                return;
            }
        };
        for p in parts {
            if let Err(e) = self.bridge.run(self.store.delete(&p.key)) {
                tracing::warn!(key = %p.key, error = %e, "could not remove a content's part");
            }
        }
    }

    fn list(&self) -> Result<Vec<Stored>, Error> {
        let metas: Vec<_> = self
            .bridge
            .run(self.store.list(Some(&self.root)).try_collect())
            .map_err(storage("listing the contents".to_owned()))?;
        let depth = self.root.parts().count();
        // A content is its parts: its size is where the last part ends, its
        // time the newest part's.
        let mut contents: BTreeMap<String, Stored> = BTreeMap::new();
        for m in metas {
            let segments: Vec<_> = m.location.parts().skip(depth).collect();
            let [id, offset] = segments.as_slice() else {
                continue;
            };
            let Ok(offset) = offset.as_ref().parse::<u64>() else {
                continue;
            };
            let modified = std::time::SystemTime::from(m.last_modified);
            let c = contents
                .entry(id.as_ref().to_owned())
                .or_insert_with(|| Stored {
                    id: id.as_ref().to_owned(),
                    size: 0,
                    modified,
                });
            c.size = c.size.max(offset.saturating_add(m.size));
            c.modified = c.modified.max(modified);
        }
        Ok(contents.into_values().collect())
    }

    fn truncate(&self, id: &FileId, size: u64) -> Result<(), Error> {
        self.cut(id, size, None)
    }

    fn clear_scratch(&self) -> Result<(), Error> {
        let entries = std::fs::read_dir(&self.scratch)
            .map_err(|e| Error::io(format!("listing {}", self.scratch.display()), e))?;
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Start-up errors and an outage. The ones that need the throwaway S3
    //! server run when the suite runs against S3 (`OCRLOOM_TEST_STORAGE=s3`,
    //! as `scripts/test.sh` does); the others need no server.

    use super::*;
    use crate::store::s3_server;
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    use std::time::Instant;

    fn on_s3() -> bool {
        std::env::var("OCRLOOM_TEST_STORAGE").as_deref() == Ok("s3")
    }

    fn storage_at(endpoint: String) -> S3Storage {
        S3Storage {
            bucket: "nothing-here".into(),
            prefix: String::new(),
            endpoint: Some(endpoint),
            region: "us-east-1".into(),
            access_key_id: "key".into(),
            secret_access_key: "secret".into(),
            allow_http: true,
        }
    }

    /// Opens `cfg` with a 1 s timeout: the error's text, and how long it took.
    fn open_error(cfg: &S3Storage) -> (String, Duration) {
        let dir = tempfile::tempdir().expect("dir");
        let t = Instant::now();
        let e = match S3Content::open(cfg, dir.path(), Duration::from_secs(1)) {
            Ok(_) => panic!("{cfg:?} opened"),
            Err(e) => e,
        };
        assert!(matches!(e, Error::ObjectStorage { .. }), "{e:?}");
        (e.to_string(), t.elapsed())
    }

    #[test]
    fn an_endpoint_that_refuses_connections_is_a_clear_error_at_start() {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        // Nothing listens on the port any more.
        let (msg, took) = open_error(&storage_at(format!("http://127.0.0.1:{port}")));
        assert!(msg.contains("the endpoint cannot be reached"), "{msg}");
        assert!(took < Duration::from_secs(10), "{took:?}");
    }

    #[test]
    fn an_endpoint_that_never_answers_times_out_at_start() {
        // Connections are taken (by the kernel) and never answered.
        let silent = TcpListener::bind("127.0.0.1:0").expect("listener");
        let port = silent.local_addr().expect("addr").port();
        let (msg, took) = open_error(&storage_at(format!("http://127.0.0.1:{port}")));
        assert!(msg.contains("no answer within 3 s"), "{msg}");
        assert!(took < Duration::from_secs(10), "{took:?}");
    }

    #[test]
    fn a_missing_bucket_or_refused_credentials_are_clear_errors_at_start() {
        if !on_s3() {
            return;
        }
        let good = s3_server::fresh_storage();
        let missing = S3Storage {
            bucket: "no-such-bucket".into(),
            ..good.clone()
        };
        let (msg, _) = open_error(&missing);
        assert!(msg.contains("the bucket does not exist"), "{msg}");
        assert!(msg.contains("`no-such-bucket`"), "{msg}");
        let wrong = S3Storage {
            secret_access_key: "not-the-secret".into(),
            ..good.clone()
        };
        let (msg, _) = open_error(&wrong);
        assert!(msg.contains("the credentials were refused"), "{msg}");
        assert!(!msg.contains("not-the-secret"), "{msg}");
    }

    /// A TCP relay to the S3 server that can go down (cutting every
    /// connection and refusing new ones) and come back.
    struct Relay {
        port: u16,
        down: Arc<AtomicBool>,
        open: Arc<Mutex<Vec<TcpStream>>>,
    }

    impl Relay {
        fn start(target: u16) -> Relay {
            let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
            let port = listener.local_addr().expect("addr").port();
            let down = Arc::new(AtomicBool::new(false));
            let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
            let (d, o) = (Arc::clone(&down), Arc::clone(&open));
            std::thread::spawn(move || {
                for client in listener.incoming().flatten() {
                    if d.load(Ordering::SeqCst) {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    }
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                        continue;
                    };
                    let pipe = |mut from: TcpStream, mut to: TcpStream| {
                        std::thread::spawn(move || {
                            let _ = std::io::copy(&mut from, &mut to);
                            let _ = to.shutdown(Shutdown::Both);
                        });
                    };
                    let mut kept = o.lock().unwrap_or_else(|p| p.into_inner());
                    for s in [&client, &server] {
                        if let Ok(c) = s.try_clone() {
                            kept.push(c);
                        }
                    }
                    if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) {
                        pipe(c2, server);
                        pipe(s2, client);
                    }
                }
            });
            Relay { port, down, open }
        }

        fn set_down(&self, down: bool) {
            self.down.store(down, Ordering::SeqCst);
            if down {
                for s in self
                    .open
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .drain(..)
                {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
    }

    #[test]
    fn an_outage_during_a_run_is_a_typed_error_and_the_store_recovers() {
        if !on_s3() {
            return;
        }
        let good = s3_server::fresh_storage();
        let target = good
            .endpoint
            .as_deref()
            .and_then(|e| e.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .expect("port");
        let relay = Relay::start(target);
        let cfg = S3Storage {
            endpoint: Some(format!("http://127.0.0.1:{}", relay.port)),
            ..good
        };
        let dir = tempfile::tempdir().expect("dir");
        let c = S3Content::open(&cfg, dir.path(), Duration::from_secs(1)).expect("open");
        let id = FileId::from_trusted("outage".into());
        c.put(&id, &mut &b"before"[..], 100).expect("put");

        relay.set_down(true);
        let t = Instant::now();
        let put = c.put(&FileId::from_trusted("lost".into()), &mut &b"x"[..], 100);
        assert!(matches!(put, Err(Error::ObjectStorage { .. })), "{put:?}");
        let got = c.get(&id, 0, 6).map(|_| ());
        assert!(matches!(got, Err(Error::ObjectStorage { .. })), "{got:?}");
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());

        relay.set_down(false);
        let mut back = Vec::new();
        c.get(&id, 0, 6)
            .expect("get after the outage")
            .read_to_end(&mut back)
            .expect("read");
        assert_eq!(back, b"before");
    }
}
