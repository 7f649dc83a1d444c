//! ocrloom: scanned documents in, searchable documents out, on your own machine.
//!
//! The pipeline, one crate per stage:
//! [`detect`] (format from bytes) -> [`raster`] (lazy page stream) -> [`ocr`]
//! (page-parallel recognition).

pub use ocrloom_detect as detect;
pub use ocrloom_ocr as ocr;
pub use ocrloom_raster as raster;
