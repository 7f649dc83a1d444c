//! PDF through the raster crate (PDFium): inputs detected as PDF are opened,
//! their first page rendered at a small resolution and its text extracted.
//! PDFium itself is not instrumented: coverage guidance comes from the Rust
//! side only, crashes inside it are still caught.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ocrloom_raster::Format;

fuzz_target!(
    init: common::require_pdfium(),
    |data: &[u8]| common::open_and_render_first_page(data, Format::Pdf)
);
