//! Tiff through the raster crate: inputs detected as tiff are opened and their
//! first page decoded (others are skipped, so the tiff decoder gets the work).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ocrloom_raster::Format;

fuzz_target!(|data: &[u8]| common::open_and_render_first_page(data, Format::Tiff));
