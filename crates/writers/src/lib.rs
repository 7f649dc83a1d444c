//! The output side of ocrloom: turns recognition results into documents.
//!
//! - [`OutputFormat::Pdf`]: a searchable PDF. For a PDF input the invisible
//!   text layer is grafted onto the original pages by an incremental update
//!   (the input bytes are kept as they are, see [`graft`]); for image inputs
//!   (JPEG, PNG, BMP, every TIFF page) a PDF is built around the images,
//!   embedding JPEG and CCITT G4 data unchanged (see [`images`]).
//! - [`OutputFormat::Txt`], [`OutputFormat::Hocr`], [`OutputFormat::Alto`]
//!   (ALTO v4) and [`OutputFormat::Json`] (schema in `JSON.md`).
//! - [`OutputFormat::Docx`]: an editable Word document from the page
//!   layout model (`ocrloom-layout`).
//! - [`OutputFormat::Xlsx`]: a workbook, one worksheet per page, numbers
//!   stored as numbers.
//! - [`OutputFormat::Pptx`]: a presentation, one slide per page, text
//!   blocks as text boxes and figures as pictures where they stand;
//!   [`WriteOptions::page_image`] puts the page image behind them.
//!
//! Every writer is deterministic: the same input gives the same bytes
//! (unless [`WriteOptions::timestamp`] asks for the time of writing).
//!
//! The PDF text layer holds the words in the engine's reading order
//! ([`PageResult::text`]), one line after another: extract it in
//! content-stream order (`pdftotext -raw`) to get that order back; poppler's
//! default mode re-orders by physical layout (columns). `scripts/` holds the
//! corpus check (`check-outputs.py`) that measures this and the other
//! acceptance figures with tools ocrloom did not write; `cargo test` does
//! not need it.
//!
//! ```
//! use ocrloom_ocr::{BBox, Block, DocumentResult, Line, PageResult, Paragraph, Word};
//! use ocrloom_raster::{Document, OpenOptions};
//! use ocrloom_writers::{write, OutputFormat, WriteOptions};
//!
//! // A 200 x 100 white PNG at 100 DPI with one recognised word.
//! let mut png = std::io::Cursor::new(Vec::new());
//! image::GrayImage::from_pixel(200, 100, image::Luma([255]))
//!     .write_to(&mut png, image::ImageFormat::Png).unwrap();
//! let doc = Document::open(png.into_inner(), &OpenOptions::default()).unwrap();
//! let bbox = BBox { x0: 10, y0: 10, x1: 90, y1: 40 };
//! let mut page = PageResult::empty(0, 200, 100, 100.0);
//! page.blocks.push(Block { bbox, paragraphs: vec![Paragraph { bbox, lines: vec![Line {
//!     bbox, baseline: None, font_size: 20.0,
//!     words: vec![Word { text: "Hello".into(), bbox, confidence: 96.0, noise: false }],
//! }] }] });
//! let result = DocumentResult { pages: vec![page] };
//!
//! let mut txt = Vec::new();
//! write(OutputFormat::Txt, &doc, &result, &WriteOptions::default(), &mut txt).unwrap();
//! assert_eq!(txt, b"Hello\n");
//! let mut pdf = Vec::new();
//! write(OutputFormat::Pdf, &doc, &result, &WriteOptions::default(), &mut pdf).unwrap();
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

mod alto;
mod docx;
mod font;
pub mod graft;
mod hocr;
pub mod images;
mod json;
mod layer;
mod metrics;
mod numbers;
mod ooxml;
mod pptx;
mod serialize;
mod strip;
mod structured;
mod text;
mod xlsx;

pub use graft::GraftStats;
pub use json::SCHEMA as JSON_SCHEMA_ID;
pub use ocrloom_formats::OutputFormat;
pub use text::page_text;

use lopdf::Object;
use ocrloom_ocr::{DocumentResult, PageResult};
use ocrloom_raster::{Document, Format, PageInfo, Unit};
use std::io::Write;
use std::time::SystemTime;

/// The resolution assumed for an image that does not state one.
pub const FALLBACK_DPI: f32 = 300.0;

/// How to write. `Default` is what most callers want.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The password the input PDF was opened with (the empty user password
    /// is always tried).
    pub password: Option<String>,
    /// The input's file name, recorded in hOCR (`image`) and ALTO
    /// (`fileName`). `None` writes none.
    pub source_name: Option<String>,
    /// When the output is made, recorded as the PDF's `/ModDate` (and
    /// `/CreationDate` for a PDF built from images), ALTO's
    /// `processingDateTime` and JSON's `created`. `None` (the default)
    /// records no time, so that the same input gives the same bytes. A PDF
    /// that claims PDF/A or PDF/X keeps its dates: its XMP metadata would have to
    /// agree.
    pub timestamp: Option<SystemTime>,
    /// PPTX: each slide's background is the page image, behind the text
    /// boxes and pictures (the CLI's `--page-image`). Other formats ignore
    /// it.
    pub page_image: bool,
}

/// `t` in UTC, ISO 8601 / RFC 3339 to the second (`2026-11-30T07:11:41Z`).
pub(crate) fn iso_time(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `t` as a PDF date string (ISO 32000-1, 7.9.4), UTC.
pub(crate) fn pdf_time(t: SystemTime) -> Object {
    let text = chrono::DateTime::<chrono::Utc>::from(t)
        .format("D:%Y%m%d%H%M%S+00'00'")
        .to_string();
    Object::string_literal(text)
}

/// A writer failure, of a stable [`WriteError::kind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The input PDF could not be parsed for the update (bad input).
    #[error("cannot read the PDF structure: {0}")]
    PdfUnreadable(String),
    /// The input PDF is encrypted and the password does not open it.
    #[error("the PDF is encrypted and no valid password was given")]
    Encrypted,
    /// The results do not fit the document (caller error).
    #[error("results do not match the document: {0}")]
    Mismatch(String),
    /// One page could not be written: its objects in the input PDF are
    /// missing or damaged (bad input).
    #[error("page {page}: {message}")]
    Page {
        /// One-based page number.
        page: usize,
        /// What went wrong.
        message: String,
    },
    /// The input could not be decoded again to embed it.
    #[error(transparent)]
    Raster(#[from] ocrloom_raster::Error),
    /// Writing to the output failed (retry may help).
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
}

impl WriteError {
    /// The kind of failure (see [`ocrloom_raster::ErrorKind`]): an input PDF
    /// whose structure (or one page's) cannot be read is a corrupt input.
    pub fn kind(&self) -> ocrloom_raster::ErrorKind {
        use ocrloom_raster::ErrorKind;
        match self {
            WriteError::PdfUnreadable(_) | WriteError::Page { .. } => ErrorKind::CorruptInput,
            WriteError::Encrypted => ErrorKind::EncryptedPdf,
            WriteError::Mismatch(_) => ErrorKind::Internal,
            WriteError::Raster(e) => e.kind(),
            WriteError::Io(_) => ErrorKind::Io,
        }
    }
}

/// Writes `result` for `doc` in `format` to `out`.
///
/// `result.pages` holds the pages that were recognised (each names its page
/// by [`PageResult::index`]); pages without a result (e.g. skipped because
/// they already carry text) keep their content and get no text layer, and
/// appear in the text formats as empty pages.
pub fn write(
    format: OutputFormat,
    doc: &Document,
    result: &DocumentResult,
    options: &WriteOptions,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let pages = pages_by_index(doc, result)?;
    match format {
        OutputFormat::Pdf => {
            if doc.format() == Format::Pdf {
                graft::graft(doc.bytes(), &pages, options, out)?;
            } else {
                images::write_pdf(doc, &pages, options.timestamp, out)?;
            }
        }
        OutputFormat::Txt => text::write(doc, &pages, out)?,
        OutputFormat::Hocr => hocr::write(doc, &pages, options, out)?,
        OutputFormat::Alto => alto::write(doc, &pages, options, out)?,
        OutputFormat::Json => json::write(doc, &pages, options.timestamp, out)?,
        OutputFormat::Docx => docx::write(doc, &pages, out)?,
        OutputFormat::Xlsx => xlsx::write(doc, &pages, options.timestamp, out)?,
        OutputFormat::Pptx => pptx::write(doc, &pages, options.page_image, out)?,
    }
    Ok(())
}

/// One entry per page of `doc`: its result, if it was recognised.
pub fn pages_by_index<'a>(
    doc: &Document,
    result: &'a DocumentResult,
) -> Result<Vec<Option<&'a PageResult>>, WriteError> {
    let mut pages = vec![None; doc.pages().len()];
    for page in &result.pages {
        let slot = pages.get_mut(page.index).ok_or_else(|| {
            WriteError::Mismatch(format!(
                "result for page {} of a {}-page document",
                page.index + 1,
                doc.pages().len()
            ))
        })?;
        if slot.is_some() {
            return Err(WriteError::Mismatch(format!(
                "two results for page {}",
                page.index + 1
            )));
        }
        if page.width == 0 || page.height == 0 {
            return Err(WriteError::Mismatch(format!(
                "page {} has an empty size",
                page.index + 1
            )));
        }
        *slot = Some(page);
    }
    Ok(pages)
}

/// The displayed size of a page in points: a PDF page's own, an image's
/// from its resolution ([`FALLBACK_DPI`] when it has none).
pub fn page_size_pt(info: &PageInfo) -> (f64, f64) {
    match info.unit {
        Unit::Pt => (f64::from(info.width), f64::from(info.height)),
        Unit::Px => {
            let (dx, dy) = image_dpi(info);
            (
                f64::from(info.width) * 72.0 / dx,
                f64::from(info.height) * 72.0 / dy,
            )
        }
    }
}

/// An image page's resolution (x, y), or the fallback.
pub(crate) fn image_dpi(info: &PageInfo) -> (f64, f64) {
    match info.dpi {
        Some(d) if d.x >= 1.0 && d.y >= 1.0 => (f64::from(d.x), f64::from(d.y)),
        _ => (f64::from(FALLBACK_DPI), f64::from(FALLBACK_DPI)),
    }
}

/// Escapes text for XML content and attribute values.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids (controls other than tab/newline/CR).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(xml_escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
