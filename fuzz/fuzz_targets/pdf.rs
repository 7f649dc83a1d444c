//! PDF through the raster crate (PDFium): inputs detected as PDF are opened,
//! their first page rendered at a small resolution and its text extracted.
//! As in the `ocrloom` binary, PDFium runs in a child process (this fuzzer
//! again) under a time limit: a PDF that keeps it busy is a `timeout` error,
//! as users get. PDFium itself is not instrumented: coverage guidance comes
//! from the Rust side only; a crash in the child (ASan reports it there) or
//! in the parent fails the run.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ocrloom_raster::Format;

fuzz_target!(
    init: common::require_pdfium(),
    |data: &[u8]| common::open_and_render_first_page(data, Format::Pdf)
);
