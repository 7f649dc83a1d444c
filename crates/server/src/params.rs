//! Request parameters with HTTP syntax: the `Range` header and the `wait`
//! query parameter.

use ocrloom_jobs::{ByteRange, Error, MAX_WAIT_SECS};

/// Parses a single-range `Range` header value (`bytes=0-99`, `bytes=100-`,
/// `bytes=-500`). Multiple ranges and other units give `None`: the server
/// then answers the whole content, as HTTP allows.
pub fn parse_range(value: &str) -> Option<ByteRange> {
    let spec = value.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let num = |s: &str| s.trim().parse::<u64>().ok();
    match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, false) => num(b).map(ByteRange::Last),
        (false, true) => num(a).map(ByteRange::From),
        (false, false) => match (num(a), num(b)) {
            (Some(a), Some(b)) if a <= b => Some(ByteRange::Inclusive(a, b)),
            _ => None,
        },
        (true, true) => None,
    }
}

/// Parses the `wait` query parameter: an integer number of seconds. A
/// positive integer too large for `i64` is clipped to [`MAX_WAIT_SECS`]
/// like any value above it.
pub fn parse_wait(raw: &str) -> Result<i64, Error> {
    let s = raw.trim();
    match s.parse::<i64>() {
        Ok(n) => Ok(n),
        Err(_) => {
            let digits = s.strip_prefix('+').unwrap_or(s);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(MAX_WAIT_SECS)
            } else {
                Err(Error::InvalidWait(raw.to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocrloom_jobs::wait_duration;
    use std::time::Duration;

    #[test]
    fn ranges_parse_like_http() {
        assert_eq!(parse_range("bytes=0-99"), Some(ByteRange::Inclusive(0, 99)));
        assert_eq!(parse_range("bytes=100-"), Some(ByteRange::From(100)));
        assert_eq!(parse_range("bytes=-5"), Some(ByteRange::Last(5)));
        for bad in [
            "bytes=5-1",
            "bytes=-",
            "items=0-1",
            "bytes=0-1,4-5",
            "bytes=a-b",
        ] {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn wait_parses_integers_only() {
        assert_eq!(parse_wait("5").ok(), Some(5));
        assert_eq!(parse_wait("30").ok(), Some(30));
        assert_eq!(parse_wait("99999999999999999999").ok(), Some(MAX_WAIT_SECS));
        assert!(parse_wait("-99999999999999999999").is_err());
        assert!(parse_wait("abc").is_err());
        assert_eq!(
            wait_duration(99).ok(),
            Some(Duration::from_secs(MAX_WAIT_SECS as u64))
        );
        assert!(wait_duration(0).is_err());
        assert!(parse_wait("1.5").is_err());
    }
}
