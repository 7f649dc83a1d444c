//! ocrloom: scanned documents in, searchable documents out, on your own machine.
//!
//! The pipeline, one crate per stage: [`detect`] (format from bytes) ->
//! [`raster`] (lazy page stream) -> [`ocr`] (page-parallel recognition) ->
//! [`writers`] (searchable PDF, text, hOCR, ALTO, JSON). [`Pipeline`] runs
//! them in one call; [`jobs`] is the RenderOCR-compatible job manager, and
//! [`OcrConverter`] connects it to the pipeline.
//!
//! ```
//! use ocrloom::{ocr::{CancelToken, FakeEngine}, writers::OutputFormat, Options, Pipeline};
//! use std::sync::Arc;
//!
//! # let png = {
//! #     let mut out = std::io::Cursor::new(Vec::new());
//! #     image::GrayImage::from_pixel(40, 20, image::Luma([255]))
//! #         .write_to(&mut out, image::ImageFormat::Png).unwrap();
//! #     out.into_inner()
//! # };
//! let pipeline = Pipeline::new(Arc::new(FakeEngine::new(["hello"])), Some(1)).unwrap();
//! let mut text = Vec::new();
//! let pages = pipeline
//!     .convert(png, OutputFormat::Txt, &Options::default(), &CancelToken::new(), |_| {}, &mut text)
//!     .unwrap();
//! assert_eq!((pages, text.as_slice()), (1, &b"hello\n"[..]));
//! ```

mod file;
mod pages;
mod pipeline;
mod service;

pub use file::{convert_file, format_of, Ocr};
pub use ocrloom_detect as detect;
pub use ocrloom_jobs as jobs;
pub use ocrloom_ocr as ocr;
pub use ocrloom_raster as raster;
pub use ocrloom_writers as writers;
pub use pages::{PageSelection, PageSelectionError};
pub use pipeline::{Error, Options, Pipeline, Recognition, TextPages};
pub use service::{display_name, OcrConverter, ENGINE_ID, PPOCR_ENGINE_ID};

/// The README's examples, run as doc-tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeExamples;
