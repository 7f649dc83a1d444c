//! The OCR stage of ocrloom: page images in, structured text out.
//!
//! The stages are visible in the API:
//! - [`preprocess`]: grey conversion, text-size measurement and resolution
//!   normalisation, orientation correction;
//! - [`Engine`]: the seam to the recognizer, implemented by
//!   [`TesseractEngine`] (Tesseract through its C API, one handle per worker
//!   thread), [`PpOcrEngine`] (PP-OCRv5's networks on ONNX Runtime, one
//!   session pair per worker thread) and [`FakeEngine`] (for tests, needs
//!   no models);
//! - [`Recognizer`]: recognizes the pages of a document in parallel on a
//!   rayon pool, in page order, with progress and cancellation;
//! - [`PageResult`] / [`DocumentResult`]: blocks, paragraphs, lines (with
//!   baseline and font size) and words (with box and confidence), in the
//!   pixels of the input page image, serde-serializable, with `text()`;
//! - [`structure`]: a page's tables ([`tables`]) and figures
//!   ([`figures`]) found on its image during recognition, for the outputs
//!   that show them;
//! - [`noise`]: flags the words read from marks that are not text
//!   (stamps, handwriting, signatures), which the text outputs leave out;
//! - [`score`]: CER/WER/bag-of-words scoring and a ground-truth evaluation.
//!
//! ```
//! use ocrloom_ocr::{CancelToken, FakeEngine, Recognizer, Settings};
//! use ocrloom_raster::{Page, PageImage, PageInfo, PageText, Unit};
//! use std::sync::Arc;
//!
//! let page = |index| Ok(Page {
//!     info: PageInfo { index, width: 20.0, height: 20.0, unit: Unit::Px,
//!                      dpi: None, rotation: 0, text: PageText::None },
//!     image: PageImage::Gray(image::GrayImage::new(20, 20)),
//!     dpi: None,
//! });
//! let engine = Arc::new(FakeEngine::new(["hello", "world"]));
//! let recognizer = Recognizer::new(engine, Some(2)).unwrap();
//! let doc = recognizer
//!     .recognize_pages((0..3).map(page), &Settings::default(), &CancelToken::new(), Some(3), |_| {})
//!     .unwrap();
//! assert_eq!(doc.text(), "hello world\n\x0chello world\n\x0chello world");
//! ```
//!
//! **OpenMP:** Tesseract is built with OpenMP; unless `OMP_THREAD_LIMIT=1`
//! is in the environment when the process starts, pages take several times
//! longer. [`omp_ok`] tells a binary whether it must re-execute itself with
//! [`OMP_ENV`] set; the engine logs a warning once when it is not.

mod cjk;
mod driver;
mod engine;
mod error;
mod fake;
pub mod figures;
mod geometry;
pub mod lang;
mod missed;
pub mod noise;
mod plan;
mod ppocr;
pub mod preprocess;
mod result;
mod ruby;
pub mod score;
mod sets;
mod settings;
pub mod structure;
pub mod tables;
mod tess;
mod tesseract;

pub use cjk::CjkEngine;
pub use driver::{CancelToken, Progress, Recognizer};
pub use engine::{omp_ok, Engine, OMP_ENV};
pub use error::OcrError;
pub use fake::FakeEngine;
pub use lang::{Languages, Tessdata};
pub use ppocr::{
    ppocr_library, ppocr_models, PpOcrEngine, DET_LIMIT_SIDE, ONNXRUNTIME_ENV, PPOCR_MODELS_ENV,
};
pub use result::{
    joins_unspaced, space_between, splits_number, BBox, Baseline, Block, DocumentResult, Line,
    PageResult, Paragraph, Word,
};
pub use sets::DisjointSets;
pub use settings::{Preprocess, Settings, DEFAULT_PAGE_TIMEOUT};
pub use structure::Structure;
pub use tesseract::TesseractEngine;
