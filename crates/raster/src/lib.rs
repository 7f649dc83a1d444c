//! The input side of ocrloom: opens a document of any supported format and
//! turns it into a lazy, bounded stream of upright page images.
//!
//! Every input is untrusted: [`Limits`] are checked after a header is read and
//! before anything large is allocated, and every failure is a typed [`Error`]
//! of a stable [`Error::kind`].
//!
//! ```
//! use ocrloom_raster::{Document, OpenOptions};
//! // A 2x1 white PNG.
//! let png = image_bytes();
//! let doc = Document::open(png, &OpenOptions::default()).unwrap();
//! assert_eq!(doc.pages().len(), 1);
//! let page = doc.stream(Default::default()).next().unwrap().unwrap();
//! assert_eq!((page.image.width(), page.image.height()), (2, 1));
//! # fn image_bytes() -> Vec<u8> {
//! #     let mut out = std::io::Cursor::new(Vec::new());
//! #     image::GrayImage::from_pixel(2, 1, image::Luma([255]))
//! #         .write_to(&mut out, image::ImageFormat::Png).unwrap();
//! #     out.into_inner()
//! # }
//! ```

mod bitmap;
mod error;
mod isolate;
mod leptonica;
mod limits;
mod pdf;
mod pdfium;
mod stream;
mod tiff;

pub use error::Error;
pub use isolate::{isolate_pdfium, serve as serve_pdfium, Isolation};
pub use limits::Limits;
pub use ocrloom_detect::{ErrorKind, Format};
pub use pdfium::pdfium_library;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A resolution in dots per inch, horizontally and vertically.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dpi {
    /// Horizontal resolution.
    pub x: f32,
    /// Vertical resolution.
    pub y: f32,
}

impl Dpi {
    /// The same resolution in both directions.
    pub fn square(dpi: f32) -> Self {
        Dpi { x: dpi, y: dpi }
    }
}

/// The unit of [`PageInfo::width`] and [`PageInfo::height`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Pixels (image inputs).
    Px,
    /// PDF points, 1/72 inch (PDF inputs).
    Pt,
}

/// The text a page already carries (PDF only).
// Ordered by how much text shows: a page's is the most of its objects'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageText {
    /// No text: a scan, or vector drawing only.
    #[default]
    None,
    /// Only text drawn invisibly (rendering mode 3): an earlier OCR layer.
    Invisible,
    /// Text that shows: a born-digital page, or a scan with visible notes.
    Visible,
}

/// What is known about a page without rendering it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageInfo {
    /// Zero-based position in the document.
    pub index: usize,
    /// Width as displayed (after rotation): pixels for images, points for PDF.
    pub width: f32,
    /// Height as displayed (after rotation).
    pub height: f32,
    /// The unit of `width` and `height`.
    pub unit: Unit,
    /// The resolution of the image itself, or for a PDF page that of its
    /// scan (its largest image, when that covers at least a quarter of the
    /// page); `None` when the file does not say.
    pub dpi: Option<Dpi>,
    /// Clockwise rotation in degrees (0, 90, 180, 270) applied for display:
    /// the PDF `/Rotate` entry or the image's orientation tag.
    pub rotation: u16,
    /// The text the page already carries.
    pub text: PageText,
}

/// Pixels of one page, upright as displayed.
#[derive(Debug, Clone, PartialEq)]
pub enum PageImage {
    /// 8-bit grey.
    Gray(image::GrayImage),
    /// 8-bit RGB.
    Rgb(image::RgbImage),
}

impl PageImage {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        match self {
            PageImage::Gray(i) => i.width(),
            PageImage::Rgb(i) => i.width(),
        }
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        match self {
            PageImage::Gray(i) => i.height(),
            PageImage::Rgb(i) => i.height(),
        }
    }

    /// Bytes per pixel: 1 for grey, 3 for RGB.
    pub fn channels(&self) -> u8 {
        match self {
            PageImage::Gray(_) => 1,
            PageImage::Rgb(_) => 3,
        }
    }

    /// The raw pixel rows, tightly packed (stride = width x channels).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PageImage::Gray(i) => i.as_raw(),
            PageImage::Rgb(i) => i.as_raw(),
        }
    }

    /// The image as an `image` crate image, without copying its pixels.
    pub fn into_dynamic(self) -> image::DynamicImage {
        match self {
            PageImage::Gray(i) => image::DynamicImage::ImageLuma8(i),
            PageImage::Rgb(i) => image::DynamicImage::ImageRgb8(i),
        }
    }

    /// The image as grey, converting RGB by luminance.
    pub fn to_gray(&self) -> image::GrayImage {
        match self {
            PageImage::Gray(i) => i.clone(),
            PageImage::Rgb(i) => image::DynamicImage::ImageRgb8(i.clone()).into_luma8(),
        }
    }
}

/// One rendered page.
#[derive(Debug, Clone)]
pub struct Page {
    /// What is known about the page (as from [`Document::pages`]).
    pub info: PageInfo,
    /// The pixels, upright as displayed.
    pub image: PageImage,
    /// The resolution of `image`: the render resolution for PDF pages, the
    /// file's own for images (`None` when the file does not say).
    pub dpi: Option<Dpi>,
}

/// At what resolution PDF pages are rendered (image inputs keep their pixels).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum RenderDpi {
    /// Every page at this resolution.
    Fixed(f32),
    /// Each page at the resolution of its dominant image, clamped to
    /// `min..=max`; pages without images at `default`.
    Native {
        /// Resolution for pages without images.
        default: f32,
        /// Lowest resolution used.
        min: f32,
        /// Highest resolution used.
        max: f32,
    },
}

impl Default for RenderDpi {
    fn default() -> Self {
        RenderDpi::Fixed(300.0)
    }
}

impl RenderDpi {
    /// The resolution to render the page described by `info` at.
    pub fn for_page(&self, info: &PageInfo) -> f32 {
        match *self {
            RenderDpi::Fixed(dpi) => dpi,
            RenderDpi::Native { default, min, max } => match info.dpi {
                Some(d) => d.x.max(d.y).clamp(min, max),
                None => default,
            },
        }
    }
}

/// How to open a document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OpenOptions {
    /// Resource limits (on by default).
    pub limits: Limits,
    /// The password of an encrypted PDF (the empty user password is always tried).
    pub password: Option<String>,
}

/// An opened document: its format and page list; pages are rendered on demand.
#[derive(Debug, Clone)]
pub struct Document {
    bytes: Arc<[u8]>,
    format: Format,
    options: OpenOptions,
    pages: Vec<PageInfo>,
}

impl Document {
    /// Detects the format of `bytes`, checks them against the limits, reads
    /// the page list and checks that every page can be rendered (image pages
    /// are decoded once, PDF pages checked against the limits).
    pub fn open(bytes: impl Into<Arc<[u8]>>, options: &OpenOptions) -> Result<Self, Error> {
        let bytes: Arc<[u8]> = bytes.into();
        options.limits.check_file_size(bytes.len() as u64)?;
        let format = ocrloom_detect::detect(&bytes)?;
        let pages = match format {
            Format::Pdf => pdf::page_infos(&bytes, options)?,
            Format::Tiff => tiff::page_infos(&bytes, &options.limits)?,
            Format::Jpeg | Format::Png | Format::Bmp => {
                vec![bitmap::page_info(&bytes, format, &options.limits)?]
            }
        };
        if pages.is_empty() {
            return Err(Error::Corrupt("the document has no pages".into()));
        }
        options.limits.check_pages(pages.len())?;
        let doc = Document {
            bytes,
            format,
            options: options.clone(),
            pages,
        };
        // Image pages are decoded once here, so that a document that opens
        // is one whose every page renders: corrupt or truncated data is
        // refused now, not in the middle of a job. (Decoding costs ~1-2% of
        // a page's OCR. PDF pages are checked against the limits instead:
        // PDFium renders what it can of a damaged page.)
        if format != Format::Pdf {
            for index in 0..doc.pages.len() {
                doc.render(index, RenderDpi::default())?;
            }
        }
        Ok(doc)
    }

    /// Reads and opens the file at `path`, refusing it early when it is larger
    /// than the file-size limit.
    pub fn open_path(path: &std::path::Path, options: &OpenOptions) -> Result<Self, Error> {
        let len = std::fs::metadata(path).map_err(Error::Io)?.len();
        options.limits.check_file_size(len)?;
        Self::open(std::fs::read(path).map_err(Error::Io)?, options)
    }

    /// The detected format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The input bytes.
    pub fn bytes(&self) -> &Arc<[u8]> {
        &self.bytes
    }

    /// What is known about every page, in order.
    pub fn pages(&self) -> &[PageInfo] {
        &self.pages
    }

    /// Renders one page.
    pub fn render(&self, index: usize, dpi: RenderDpi) -> Result<Page, Error> {
        let info = self.pages.get(index).ok_or(Error::NoSuchPage(index))?;
        match self.format {
            Format::Pdf => pdf::render(&self.bytes, &self.options, info, dpi),
            Format::Tiff => tiff::render(&self.bytes, &self.options.limits, info),
            _ => bitmap::render(&self.bytes, self.format, &self.options.limits, info),
        }
    }

    /// All pages in order, rendered one at a time on a background thread and
    /// handed over through a small bounded queue, so rendering overlaps with
    /// whatever consumes the pages and memory stays bounded. Dropping the
    /// stream stops the rendering.
    pub fn stream(&self, dpi: RenderDpi) -> PageStream {
        self.stream_pages((0..self.pages.len()).collect(), dpi)
    }

    /// Like [`Document::stream`], for the pages at `indices` only (in that
    /// order), so pages that need no work are never rendered.
    pub fn stream_pages(&self, indices: Vec<usize>, dpi: RenderDpi) -> PageStream {
        PageStream::new(self.clone(), indices, dpi, 0)
    }

    /// The text a PDF page already carries (empty for images and pages
    /// without text), in PDFium's reading order.
    pub fn page_text(&self, index: usize) -> Result<String, Error> {
        let info = self.pages.get(index).ok_or(Error::NoSuchPage(index))?;
        match self.format {
            Format::Pdf => pdf::text(&self.bytes, &self.options, info),
            _ => Ok(String::new()),
        }
    }
}

pub use stream::PageStream;
