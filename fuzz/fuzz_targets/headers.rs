//! The server's parsers of request headers and parameters: a multipart
//! part's `Content-Disposition` file name, the `Range` header and the
//! `?wait=` parameter. Each must take any text without panicking, and what
//! it accepts must make sense: a range resolves inside the content or not
//! at all, a wait is clipped to 1..=10 s or refused, a file name is never
//! empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocrloom_jobs::{wait_duration, ByteRange, MAX_WAIT_SECS};
use ocrloom_server::{disposition, params};
use std::time::Duration;

fn range(s: &str) {
    let Some(r) = params::parse_range(s) else {
        return;
    };
    // Written back in the header's own syntax, it parses to the same range.
    let text = match r {
        ByteRange::From(a) => format!("bytes={a}-"),
        ByteRange::Inclusive(a, b) => {
            assert!(a <= b, "{s:?} gave {r:?}");
            format!("bytes={a}-{b}")
        }
        ByteRange::Last(n) => format!("bytes=-{n}"),
    };
    assert_eq!(params::parse_range(&text), Some(r), "{s:?}");
    let edges = match r {
        ByteRange::From(a) | ByteRange::Last(a) => [a, a.saturating_add(1)],
        ByteRange::Inclusive(a, b) => [a.saturating_add(1), b.saturating_add(1)],
    };
    for size in [0, 1, 4096, u64::MAX].into_iter().chain(edges) {
        if let Some((first, last)) = r.resolve(size) {
            assert!(first <= last && last < size, "{r:?} in {size} bytes: {first}..={last}");
        }
    }
}

fn wait(s: &str) {
    if let Ok(n) = params::parse_wait(s) {
        match wait_duration(n) {
            Ok(d) => assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(MAX_WAIT_SECS as u64),
                "{s:?} waits {d:?}"
            ),
            Err(_) => assert!(n <= 0, "{s:?} ({n}) refused"),
        }
    }
}

fn filename(s: &str) {
    if let Some(name) = disposition::filename(s) {
        assert!(!name.is_empty(), "{s:?}");
        assert!(s.to_ascii_lowercase().contains("filename"), "{s:?} named {name:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        range(s);
        wait(s);
        filename(s);
    }
});
