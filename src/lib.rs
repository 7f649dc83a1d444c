//! ocrloom: scanned documents in, searchable documents out, on your own machine.
//!
//! The pipeline, one crate per stage: [`detect`] (format from bytes) ->
//! [`raster`] (lazy page stream) -> [`ocr`] (page-parallel recognition); the
//! [`Pipeline`] runs them in one call.
//!
//! ```
//! use ocrloom::{ocr::{CancelToken, FakeEngine}, Options, Pipeline};
//! use std::sync::Arc;
//!
//! # let png = {
//! #     let mut out = std::io::Cursor::new(Vec::new());
//! #     image::GrayImage::from_pixel(40, 20, image::Luma([255]))
//! #         .write_to(&mut out, image::ImageFormat::Png).unwrap();
//! #     out.into_inner()
//! # };
//! let pipeline = Pipeline::new(Arc::new(FakeEngine::new(["hello"])), Some(1)).unwrap();
//! let done = pipeline.recognize(png, &Options::default(), &CancelToken::new(), |_| {}).unwrap();
//! assert_eq!(done.text(), "hello\n");
//! ```

mod pipeline;

pub use ocrloom_detect as detect;
pub use ocrloom_ocr as ocr;
pub use ocrloom_raster as raster;
pub use pipeline::{Error, Options, PageOutcome, Pipeline, Recognition, TextPages};
