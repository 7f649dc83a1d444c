//! The JSON the API accepts and answers, through the jobs crate's serde
//! models (the types the server deserializes request bodies into with
//! `serde_json::from_slice`), plus the small text parsers of the same facade
//! (timestamps, ids, error codes). The server's header and parameter
//! parsers have a target of their own (`headers`).
//!
//! Whatever parses must serialize and parse back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocrloom_jobs::{
    CreateJobRequest, CreateUploadRequest, Engine, ErrorCode, ErrorResponse, FileId, FileInfo, Job,
    JobId, List, Timestamp, UploadChunk,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let text = serde_json::to_vec(&value).expect("a parsed value serializes");
        let back: T = serde_json::from_slice(&text).expect("what was written parses");
        assert_eq!(value, back, "{}", String::from_utf8_lossy(&text));
    }
}

fn text_parsers(s: &str) {
    if let Ok(t) = s.parse::<Timestamp>() {
        // Only the API's exact form parses, so it is written back unchanged.
        assert_eq!(t.to_string(), s);
        assert_eq!(Timestamp::from_unix(t.unix()), t);
    }
    if let Some(id) = FileId::parse(s) {
        assert_eq!(id.as_str(), s);
    }
    if let Some(id) = JobId::parse(s) {
        assert_eq!(id.as_str(), s);
    }
    if let Some(code) = ErrorCode::parse(s) {
        assert_eq!(code.as_str(), s);
    }
}

fuzz_target!(|data: &[u8]| {
    // Request bodies: POST /renderocr/jobs, POST /uploads, PUT /uploads/{id}.
    round_trip::<CreateJobRequest>(data);
    round_trip::<CreateUploadRequest>(data);
    round_trip::<UploadChunk>(data);
    // Answers, as a client of the API parses them.
    round_trip::<Job>(data);
    round_trip::<List<FileInfo>>(data);
    round_trip::<List<Engine>>(data);
    round_trip::<ErrorResponse>(data);
    if let Ok(s) = std::str::from_utf8(data) {
        text_parsers(s);
    }
});
