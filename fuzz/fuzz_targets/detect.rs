//! Format detection on arbitrary bytes: never a panic, and an answer that
//! agrees with the signatures it is documented to use.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocrloom_detect::{detect, DetectError, Format};

fuzz_target!(|data: &[u8]| {
    match detect(data) {
        Ok(format) => {
            assert!(!data.is_empty());
            let _ = (format.name(), format.mime(), format.to_string());
            if format == Format::Pdf {
                let window = &data[..data.len().min(1024)];
                assert!(window.windows(5).any(|w| w == b"%PDF-"));
            }
        }
        Err(DetectError::Empty) => assert!(data.is_empty()),
        Err(e) => {
            assert!(!data.is_empty());
            let _ = e.to_string();
        }
    }
});
