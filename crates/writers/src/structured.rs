//! What the structured writers (DOCX, PPTX) share: each page's layout, with
//! its figures found on and cropped from the page image.

use crate::WriteError;
use image::GrayImage;
use ocrloom_layout::{figures, Figure, Page, PageInput};
use ocrloom_ocr::{BBox, PageResult};
use ocrloom_raster::{Document, PageStream, RenderDpi};

/// The resolution PDF pages are rendered at to find and crop figures: a
/// scan's own, at most 150 DPI (pages without a scan at 150; image inputs
/// keep their own pixels). A 72-dpi scan is never enlarged: that made
/// 4 times its pixels (a 144 MB bitmap for a 2442x3409-point page) and
/// nothing a figure could show.
const FIGURE_DPI: RenderDpi = RenderDpi::Native {
    default: 150.0,
    min: 50.0,
    max: 150.0,
};

/// A page's layout and the image its figures are cropped from.
pub(crate) struct LaidOutPage {
    /// The layout.
    pub layout: Page,
    /// The page image (for figures and a page background), when the page
    /// was recognized.
    pub image: Option<image::DynamicImage>,
}

/// The layout of every page of `doc` in order (`pages[i]` the result of
/// page `i`, when it was recognized), with the figures of the recognized
/// pages found on their images. Those pages are rendered ahead on a
/// background thread, all from one opening of the document (in one PDFium
/// child process when PDFium is isolated), while the pages before them are
/// laid out.
pub(crate) fn lay_out<'a>(
    doc: &'a Document,
    pages: &'a [Option<&'a PageResult>],
) -> impl Iterator<Item = Result<LaidOutPage, WriteError>> + 'a {
    let recognized = (0..pages.len()).filter(|&i| pages[i].is_some()).collect();
    let mut images: PageStream = doc.stream_pages(recognized, FIGURE_DPI);
    pages.iter().enumerate().map(move |(index, result)| {
        let size_pt = crate::page_size_pt(&doc.pages()[index]);
        match result {
            Some(r) => {
                let page = images.next().unwrap_or_else(|| {
                    Err(ocrloom_raster::Error::Internal(
                        "the page renderer stopped early".into(),
                    ))
                })?;
                Ok(with_figures(r, size_pt, page.image))
            }
            None => Ok(LaidOutPage {
                layout: unrecognized(index, size_pt),
                image: None,
            }),
        }
    })
}

/// The layout of a page that was not recognized: its size, no text.
fn unrecognized(index: usize, size_pt: (f64, f64)) -> Page {
    let mut empty = PageResult::empty(index, 1, 1, 72.0);
    empty.width = size_pt.0.max(1.0) as u32;
    empty.height = size_pt.1.max(1.0) as u32;
    Page::build(&PageInput {
        result: &empty,
        size_pt,
        figures: &[],
    })
}

/// The layout of the recognized page `r`, its figures found on `image`
/// (the page rendered for them).
fn with_figures(
    r: &PageResult,
    size_pt: (f64, f64),
    image: ocrloom_raster::PageImage,
) -> LaidOutPage {
    let gray: GrayImage = image.to_gray();
    let (iw, ih) = gray.dimensions();
    let fx = iw as f32 / r.width as f32;
    let fy = ih as f32 / r.height as f32;
    let words: Vec<figures::TextBox> = r
        .words()
        .map(|w| figures::TextBox {
            bbox: scale(w.bbox, fx, fy),
            confidence: w.confidence,
        })
        .collect();
    let dpi = r.dpi * fx;
    let found: Vec<BBox> = figures::find(&gray, dpi, &words)
        .into_iter()
        .map(|b| scale(b, 1.0 / fx, 1.0 / fy))
        .collect();
    let layout = Page::build(&PageInput {
        result: r,
        size_pt,
        figures: &found,
    });
    let image = match image {
        ocrloom_raster::PageImage::Gray(_) => image::DynamicImage::ImageLuma8(gray),
        ocrloom_raster::PageImage::Rgb(rgb) => image::DynamicImage::ImageRgb8(rgb),
    };
    LaidOutPage {
        layout,
        image: Some(image),
    }
}

fn scale(b: BBox, fx: f32, fy: f32) -> BBox {
    BBox {
        x0: (b.x0 as f32 * fx) as u32,
        y0: (b.y0 as f32 * fy) as u32,
        x1: (b.x1 as f32 * fx).ceil() as u32,
        y1: (b.y1 as f32 * fy).ceil() as u32,
    }
}

/// A figure cropped from the page image (turned upright as the page), as
/// PNG bytes with its pixel size.
pub(crate) fn crop_png(
    image: &image::DynamicImage,
    result_size: (u32, u32),
    rotation: u16,
    figure: &Figure,
) -> Result<(Vec<u8>, u32, u32), WriteError> {
    let fx = image.width() as f32 / result_size.0.max(1) as f32;
    let fy = image.height() as f32 / result_size.1.max(1) as f32;
    let b = scale(figure.source, fx, fy);
    let (x0, y0) = (b.x0.min(image.width()), b.y0.min(image.height()));
    let w = b.x1.min(image.width()).saturating_sub(x0).max(1);
    let h = b.y1.min(image.height()).saturating_sub(y0).max(1);
    let mut crop = image.crop_imm(x0, y0, w, h);
    crop = match rotation {
        90 => crop.rotate90(),
        180 => crop.rotate180(),
        270 => crop.rotate270(),
        _ => crop,
    };
    png(&crop)
}

/// `image` as PNG bytes with its pixel size.
pub(crate) fn png(image: &image::DynamicImage) -> Result<(Vec<u8>, u32, u32), WriteError> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| WriteError::Io(std::io::Error::other(e)))?;
    Ok((bytes.into_inner(), image.width(), image.height()))
}
