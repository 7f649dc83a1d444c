//! PDF pages through PDFium: page list, per-page facts and rendering.

use crate::bitmap::{self, Oriented};
use crate::isolate;
use crate::pdfium::pdfium;
use crate::{
    Dpi, Error, Limits, OpenOptions, Page, PageImage, PageInfo, PageText, RenderDpi, Unit,
};
use pdfium_render::prelude::*;

/// Below this resolution no text is readable: a page so large that the pixel
/// limit forces it lower is refused rather than rendered into a sliver.
const MIN_READABLE_DPI: f32 = 50.0;

/// The share of the page an image must cover to count as the page's scan.
const MIN_SCAN_COVERAGE: f32 = 0.25;

/// Nested form XObjects deeper than this are not searched for images or text.
const MAX_FORM_DEPTH: usize = 8;

/// Opens `bytes` with the user's password, or the empty one.
fn load<'a>(bytes: &'a [u8], options: &OpenOptions) -> Result<PdfDocument<'a>, Error> {
    let doc = pdfium()?
        .load_pdf_from_byte_slice(bytes, options.password.as_deref())
        .map_err(|e| match e {
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
                Error::Encrypted
            }
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::SecurityError) => {
                Error::Unsupported("PDF security handler".into())
            }
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::FormatError) => {
                Error::Corrupt("the PDF is damaged beyond repair".into())
            }
            other => Error::Corrupt(format!("PDFium cannot open the PDF: {}", one_line(&other))),
        })?;
    options
        .limits
        .check_pages(usize::try_from(doc.pages().len()).unwrap_or(0))?;
    Ok(doc)
}

/// Facts about every page, without rendering any.
pub(crate) fn page_infos(bytes: &[u8], options: &OpenOptions) -> Result<Vec<PageInfo>, Error> {
    if let Some(iso) = isolate::active() {
        return isolate::page_infos(iso, bytes, options);
    }
    let doc = load(bytes, options)?;
    let pages = doc.pages();
    (0..pages.len())
        .map(|i| {
            let page = pages.get(i).map_err(|e| page_error(i, e))?;
            let info = page_info(i as usize, &page);
            // A page that cannot be rendered is refused now, not mid-job.
            dpi_cap(&info, &options.limits)?;
            Ok(info)
        })
        .collect()
}

fn page_error(index: PdfPageIndex, e: PdfiumError) -> Error {
    Error::Corrupt(format!("page {}: {}", index + 1, one_line(&e)))
}

/// PDFium's errors print as multi-line debug structures: fold them.
fn one_line(e: &PdfiumError) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn page_info(index: usize, page: &PdfPage) -> PageInfo {
    let rotation = match page.rotation() {
        Ok(PdfPageRenderRotation::Degrees90) => 90,
        Ok(PdfPageRenderRotation::Degrees180) => 180,
        Ok(PdfPageRenderRotation::Degrees270) => 270,
        _ => 0,
    };
    let mut scan = Scan::default();
    scan.objects(page.objects().iter(), 0);
    let (width, height) = (page.width().value, page.height().value);
    // Only an image covering a good part of the page is its scan; the
    // resolution of a logo on a vector page says nothing about the page.
    let page_area = (width * height).abs();
    let dpi = scan
        .image_dpi
        .filter(|_| scan.image_area >= MIN_SCAN_COVERAGE * page_area);
    PageInfo {
        index,
        width,
        height,
        unit: Unit::Pt,
        dpi,
        rotation,
        text: scan.text,
    }
}

/// What a walk over a page's objects found.
#[derive(Default)]
struct Scan {
    text: PageText,
    /// Resolution of the image covering the largest area so far, and that area.
    image_dpi: Option<Dpi>,
    image_area: f32,
}

impl Scan {
    fn objects<'a>(&mut self, objects: impl Iterator<Item = PdfPageObject<'a>>, depth: usize) {
        for object in objects {
            match &object {
                PdfPageObject::Text(text) => {
                    let seen = match text.render_mode() {
                        PdfPageTextRenderMode::Invisible => PageText::Invisible,
                        _ => PageText::Visible,
                    };
                    self.text = self.text.max(seen);
                }
                PdfPageObject::Image(image) => self.image(image),
                PdfPageObject::XObjectForm(form) if depth < MAX_FORM_DEPTH => {
                    self.objects(form.iter(), depth + 1)
                }
                _ => {}
            }
        }
    }

    fn image(&mut self, image: &PdfPageImageObject) {
        let Ok(bounds) = image.bounds() else { return };
        let area = (bounds.width().value * bounds.height().value).abs();
        if area <= self.image_area {
            return;
        }
        if let (Ok(x), Ok(y)) = (image.horizontal_dpi(), image.vertical_dpi()) {
            if x.is_finite() && y.is_finite() && x > 0.0 && y > 0.0 {
                self.image_area = area;
                self.image_dpi = Some(Dpi { x, y });
            }
        }
    }
}

/// Renders one page (opening the document for it).
pub(crate) fn render(
    bytes: &[u8],
    options: &OpenOptions,
    info: &PageInfo,
    dpi: RenderDpi,
) -> Result<Page, Error> {
    let mut page = Err(Error::Internal("no page rendered".into()));
    render_each(bytes, options, std::slice::from_ref(info), dpi, &mut |p| {
        page = p;
        false
    });
    page
}

/// Renders `pages` in order, handing each to `sink` until it returns false
/// or a page fails; the document is opened once.
pub(crate) fn render_each(
    bytes: &[u8],
    options: &OpenOptions,
    pages: &[PageInfo],
    dpi: RenderDpi,
    sink: &mut dyn FnMut(Result<Page, Error>) -> bool,
) {
    if let Some(iso) = isolate::active() {
        return isolate::render_each(iso, bytes, options, pages, dpi, sink);
    }
    let pdf = match load(bytes, options) {
        Ok(pdf) => pdf,
        Err(e) => {
            sink(Err(e));
            return;
        }
    };
    for info in pages {
        let page = render_page(&pdf, options, info, dpi);
        let failed = page.is_err();
        if !sink(page) || failed {
            return;
        }
    }
}

/// The text layer of one page, as PDFium extracts it.
pub(crate) fn text(bytes: &[u8], options: &OpenOptions, info: &PageInfo) -> Result<String, Error> {
    if let Some(iso) = isolate::active() {
        return isolate::text(iso, bytes, options, info);
    }
    let doc = load(bytes, options)?;
    let index = PdfPageIndex::try_from(info.index).map_err(|_| Error::NoSuchPage(info.index))?;
    let page = doc.pages().get(index).map_err(|e| page_error(index, e))?;
    let text = page.text().map_err(|e| page_error(index, e))?;
    Ok(text.all())
}

/// The highest resolution page `info` renders at within the pixel limit;
/// an error for a page without area, or too large to render readably.
fn dpi_cap(info: &PageInfo, limits: &Limits) -> Result<f32, Error> {
    let (width_in, height_in) = (info.width / 72.0, info.height / 72.0);
    if !(width_in > 0.0 && height_in > 0.0 && width_in.is_finite() && height_in.is_finite()) {
        return Err(Error::Corrupt(format!(
            "page {} has an empty size",
            info.index + 1
        )));
    }
    let pixels_per_dpi2 = f64::from(width_in) * f64::from(height_in);
    // (Slightly under the exact cap, so that rounding stays within it.)
    let cap = 0.999 * (limits.max_page_pixels as f64 / pixels_per_dpi2).sqrt() as f32;
    if cap < MIN_READABLE_DPI {
        return Err(Error::LimitExceeded(format!(
            "page {} measures {width_in:.0} x {height_in:.0} inches: too large to render at a readable resolution",
            info.index + 1
        )));
    }
    Ok(cap)
}

fn render_page(
    doc: &PdfDocument,
    options: &OpenOptions,
    info: &PageInfo,
    dpi: RenderDpi,
) -> Result<Page, Error> {
    let limits = &options.limits;
    let index = PdfPageIndex::try_from(info.index).map_err(|_| Error::NoSuchPage(info.index))?;
    let page = doc.pages().get(index).map_err(|e| page_error(index, e))?;
    let cap = dpi_cap(info, limits)?;
    if let RenderDpi::Native { max, .. } = dpi {
        if let Some(page) = scan_pixels(&page, info, limits, max) {
            return Ok(page);
        }
    }
    let mut dpi = dpi.for_page(info).min(limits.max_dpi as f32);
    // A page too large for the pixel limit at this resolution is rendered
    // smaller rather than refused: its text is still there to read.
    if dpi > cap {
        tracing::warn!(
            page = info.index + 1,
            dpi,
            cap,
            "page too large: rendering at a lower resolution"
        );
        dpi = cap;
    }
    let (width_in, height_in) = (info.width / 72.0, info.height / 72.0);
    let (w, h) = (
        (width_in * dpi).round().max(1.0),
        (height_in * dpi).round().max(1.0),
    );
    // The BGRA bitmap PDFium renders into is the largest allocation.
    limits.check_image(w as u32, h as u32, 4)?;
    let config = PdfRenderConfig::new()
        .set_target_size(w as i32, h as i32)
        .render_form_data(true)
        .render_annotations(true);
    let bitmap = page.render_with_config(&config).map_err(|e| {
        Error::Corrupt(format!(
            "page {}: cannot render: {}",
            info.index + 1,
            one_line(&e)
        ))
    })?;
    let image = bitmap_to_page_image(&bitmap)?;
    let dpi = Dpi {
        x: image.width() as f32 / width_in,
        y: image.height() as f32 / height_in,
    };
    Ok(Page {
        info: info.clone(),
        image,
        dpi: Some(dpi),
    })
}

/// The pixels of a scanned page as they are stored, without rendering: for
/// a page that is one upright image covering the page, at most `max_dpi`.
/// Rendering would resample them (PDFium filters even at the image's own
/// resolution), which costs time and memory and blurs the glyphs. `None`
/// for any other page, or when the decoded image does not look like a
/// thumbnail rendering of the page (image masks, decode arrays, clipping:
/// whatever this shortcut does not model), so the page is rendered instead.
fn scan_pixels(page: &PdfPage, info: &PageInfo, limits: &Limits, max_dpi: f32) -> Option<Page> {
    let objects = page.objects();
    if objects.len() != 1 {
        return None;
    }
    let object = objects.get(0).ok()?;
    let image = object.as_image_object()?;
    let m = image.matrix().ok()?;
    // Unrotated page size: the image is placed in the page's own space.
    let (pw, ph) = match info.rotation {
        90 | 270 => (info.height, info.width),
        _ => (info.width, info.height),
    };
    let near = |a: f32, b: f32| (a - b).abs() <= 0.01 * b.max(1.0);
    if m.b() != 0.0 || m.c() != 0.0 || !near(m.a(), pw) || !near(m.d(), ph) {
        return None;
    }
    let (iw, ih) = (image.width().ok()?, image.height().ok()?);
    let (iw, ih) = (u32::try_from(iw).ok()?, u32::try_from(ih).ok()?);
    let dpi = iw as f32 / (pw / 72.0);
    if !(MIN_READABLE_DPI..=max_dpi).contains(&dpi) || limits.check_image(iw, ih, 4).is_err() {
        return None;
    }
    let bitmap = image.get_raw_bitmap().ok()?;
    let stored = bitmap_to_page_image(&bitmap).ok()?;
    drop(bitmap);
    let image = bitmap::orient(stored, Oriented::turned(info.rotation));
    if !looks_like_render(page, &image) {
        tracing::debug!(page = info.index + 1, "scan pixels differ from rendering");
        return None;
    }
    tracing::debug!(page = info.index + 1, dpi, "scan pixels used as stored");
    let (width_in, height_in) = (info.width / 72.0, info.height / 72.0);
    Some(Page {
        info: info.clone(),
        dpi: Some(Dpi {
            x: image.width() as f32 / width_in,
            y: image.height() as f32 / height_in,
        }),
        image,
    })
}

/// Whether `image` shows what PDFium renders for the page: both reduced to
/// a thumbnail, the mean grey difference stays within resampling noise.
fn looks_like_render(page: &PdfPage, image: &PageImage) -> bool {
    const SIDE: u32 = 128;
    const MAX_MEAN_DIFF: f64 = 12.0;
    let (w, h) = (image.width(), image.height());
    let (tw, th) = if w >= h {
        (SIDE, (SIDE * h / w).max(1))
    } else {
        ((SIDE * w / h).max(1), SIDE)
    };
    let config = PdfRenderConfig::new().set_target_size(tw as i32, th as i32);
    let Ok(thumb) = page
        .render_with_config(&config)
        .ok()
        .and_then(|b| bitmap_to_page_image(&b).ok())
        .map(|i| i.to_gray())
        .ok_or(())
    else {
        return false;
    };
    let small = image::imageops::thumbnail(&image.to_gray(), thumb.width(), thumb.height());
    if small.dimensions() != thumb.dimensions() {
        return false;
    }
    let diff: u64 = small
        .as_raw()
        .iter()
        .zip(thumb.as_raw())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    (diff as f64 / small.as_raw().len() as f64) <= MAX_MEAN_DIFF
}

/// Copies a PDFium bitmap (grey, BGR, BGRx or BGRA) row by row (its stride
/// may exceed the row), as grey when every pixel is grey.
fn bitmap_to_page_image(bitmap: &PdfBitmap) -> Result<PageImage, Error> {
    let (w, h) = (
        bitmap.width().max(0) as usize,
        bitmap.height().max(0) as usize,
    );
    let bpp = match bitmap.format() {
        Ok(PdfBitmapFormat::Gray) => 1,
        Ok(PdfBitmapFormat::BGR) => 3,
        Ok(PdfBitmapFormat::BGRx | PdfBitmapFormat::BGRA) => 4,
        Err(_) => return Err(Error::Corrupt("PDFium bitmap of unknown format".into())),
    };
    let raw = bitmap.as_raw_bytes();
    let stride = raw.len().checked_div(h).unwrap_or(0);
    if w == 0 || h == 0 || stride < w * bpp {
        return Err(Error::Corrupt("PDFium rendered an empty bitmap".into()));
    }
    let rows = || raw.chunks_exact(stride).map(|row| &row[..w * bpp]);
    let gray =
        bpp == 1 || rows().all(|row| row.chunks_exact(bpp).all(|p| p[0] == p[1] && p[1] == p[2]));
    // Filled row by row into a buffer of the final size (collecting a
    // flat_map grows it step by step and copies it each time).
    if gray {
        let mut data = Vec::with_capacity(w * h);
        for row in rows() {
            data.extend(row.chunks_exact(bpp).map(|p| p[0]));
        }
        image::GrayImage::from_raw(w as u32, h as u32, data).map(PageImage::Gray)
    } else {
        let mut data = vec![0u8; w * h * 3];
        for (out, row) in data.chunks_exact_mut(w * 3).zip(rows()) {
            for (o, p) in out.chunks_exact_mut(3).zip(row.chunks_exact(bpp)) {
                o.copy_from_slice(&[p[2], p[1], p[0]]);
            }
        }
        image::RgbImage::from_raw(w as u32, h as u32, data).map(PageImage::Rgb)
    }
    .ok_or_else(|| Error::Corrupt("bitmap size mismatch".into()))
}
