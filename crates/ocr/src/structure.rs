//! A page's tables and figures, found once, on the image the page was
//! recognized from, in the worker that recognized it (when
//! [`crate::Settings::structure`] asks for them): every output that shows
//! them (the text, DOCX, PPTX, XLSX and JSON) reads them from the result,
//! so they agree, and no page is rendered again to find them.

use crate::figures::{self, TextBox};
use crate::result::{BBox, PageResult};
use crate::tables::{self, Table};
use crate::OcrError;
use image::GrayImage;
use ocrloom_raster::{Page, Unit};
use serde::{Deserialize, Serialize};

/// PDF pages are looked at no finer than this, pixels per inch: enough for
/// a ruling line and a figure's outline, and a quarter of the pixels of a
/// 300-DPI render. Image inputs keep their own pixels.
pub const MAX_DPI: f32 = 150.0;

/// The tables and figures of a page, boxes in the pixels of the
/// [`PageResult`] they belong to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Structure {
    /// The tables ([`tables::detect`]), top to bottom.
    pub tables: Vec<Table>,
    /// The figures ([`figures::find`]) that are not mostly a table's
    /// ruling, top to bottom.
    pub figures: Vec<BBox>,
}

/// The structure of `page`, recognized as `result`: figures and tables
/// found on its image (a PDF page's reduced to [`MAX_DPI`]), a figure that
/// is mostly inside a table dropped.
pub fn find(page: &Page, result: &PageResult) -> Result<Structure, OcrError> {
    let gray = crate::preprocess::to_gray(&page.image);
    let scale = if page.info.unit == Unit::Pt && result.dpi > MAX_DPI {
        MAX_DPI / result.dpi
    } else {
        1.0
    };
    let small;
    let image: &GrayImage = if scale < 1.0 {
        small = crate::preprocess::scale(&gray, scale)?;
        &small
    } else {
        &gray
    };
    Ok(on_image(result, image))
}

/// The structure of the page recognized as `result`, found on `image` (the
/// page image at any resolution: the result's boxes are scaled to it).
pub fn on_image(result: &PageResult, image: &GrayImage) -> Structure {
    if result.width == 0 || result.height == 0 {
        return Structure::default();
    }
    let (iw, ih) = image.dimensions();
    let fx = iw as f32 / result.width as f32;
    let fy = ih as f32 / result.height as f32;
    let words: Vec<TextBox> = result
        .words()
        .map(|w| TextBox {
            bbox: scale(w.bbox, fx, fy),
            confidence: w.confidence,
        })
        .collect();
    let mut figures: Vec<BBox> = figures::find(image, result.dpi * fx, &words)
        .into_iter()
        .map(|b| scale(b, 1.0 / fx, 1.0 / fy))
        .collect();
    let tables = if result.words().next().is_some() {
        tables::detect(result, image)
    } else {
        Vec::new()
    };
    figures.retain(|f| !tables.iter().any(|t| mostly_inside(*f, t.source)));
    Structure { tables, figures }
}

/// Whether most of `a`'s area is inside `b`.
fn mostly_inside(a: BBox, b: BBox) -> bool {
    let w = a.x1.min(b.x1).saturating_sub(a.x0.max(b.x0)) as u64;
    let h = a.y1.min(b.y1).saturating_sub(a.y0.max(b.y0)) as u64;
    let area = a.x1.saturating_sub(a.x0) as u64 * a.y1.saturating_sub(a.y0) as u64;
    2 * w * h > area
}

/// `b` scaled by `fx` across and `fy` down (its far edges rounded up).
pub fn scale(b: BBox, fx: f32, fy: f32) -> BBox {
    BBox {
        x0: (b.x0 as f32 * fx) as u32,
        y0: (b.y0 as f32 * fy) as u32,
        x1: (b.x1 as f32 * fx).ceil() as u32,
        y1: (b.y1 as f32 * fy).ceil() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use ocrloom_raster::{PageImage, PageInfo, PageText};

    /// A 2 x 2 inch PDF page rendered at `dpi` with a textured square of
    /// one inch (a photo) and nothing read on it.
    fn page(dpi: f32) -> (Page, PageResult) {
        let side = (2.0 * dpi) as u32;
        let mut img = GrayImage::from_pixel(side, side, Luma([255]));
        let (a, b) = ((0.4 * dpi) as u32, (1.4 * dpi) as u32);
        for y in a..b {
            for x in a..b {
                img.put_pixel(x, y, Luma([((x * 7 + y * 3) % 120) as u8 + 40]));
            }
        }
        let page = Page {
            info: PageInfo {
                index: 0,
                width: 144.0,
                height: 144.0,
                unit: Unit::Pt,
                dpi: None,
                rotation: 0,
                text: PageText::None,
            },
            image: PageImage::Gray(img),
            dpi: None,
        };
        (page, PageResult::empty(0, side, side, dpi))
    }

    #[test]
    fn a_figure_is_found_in_the_results_pixels_at_any_resolution() {
        for dpi in [100.0, 300.0] {
            let (page, result) = page(dpi);
            let s = find(&page, &result).expect("found");
            assert!(s.tables.is_empty());
            assert_eq!(s.figures.len(), 1, "{dpi}: {s:?}");
            let f = s.figures[0];
            // Within 2 mm of the square, in the result's pixels.
            let near = (dpi / 12.0) as u32;
            for (got, want) in [(f.x0, 0.4), (f.y0, 0.4), (f.x1, 1.4), (f.y1, 1.4)] {
                assert!(got.abs_diff((want * dpi) as u32) <= near, "{dpi}: {f:?}");
            }
        }
    }

    #[test]
    fn a_figure_mostly_inside_a_table_is_not_one() {
        let table = BBox {
            x0: 0,
            y0: 0,
            x1: 100,
            y1: 100,
        };
        let inside = BBox {
            x0: 10,
            y0: 10,
            x1: 120,
            y1: 90,
        };
        let outside = BBox {
            x0: 60,
            y0: 10,
            x1: 200,
            y1: 90,
        };
        assert!(mostly_inside(inside, table));
        assert!(!mostly_inside(outside, table));
    }
}
