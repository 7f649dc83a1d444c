//! Png through the raster crate: inputs detected as png are opened and their
//! first page decoded (others are skipped, so the png decoder gets the work).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ocrloom_raster::Format;

fuzz_target!(|data: &[u8]| common::open_and_render_first_page(data, Format::Png));
