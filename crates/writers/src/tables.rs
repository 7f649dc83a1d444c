//! The tables of a recognized page, for the writers that show them (XLSX,
//! JSON): found on the page image by `ocrloom_layout::tables`.

use crate::WriteError;
use ocrloom_layout::tables::{self, Table};
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, RenderDpi};

/// The resolution PDF pages are rendered at to find ruling lines (image
/// inputs keep their own pixels).
const TABLE_DPI: f32 = 150.0;

/// The tables on page `index`, recognized as `result`.
pub(crate) fn find(
    doc: &Document,
    index: usize,
    result: &PageResult,
) -> Result<Vec<Table>, WriteError> {
    if result.words().next().is_none() {
        return Ok(Vec::new());
    }
    let page = doc.render(index, RenderDpi::Fixed(TABLE_DPI))?;
    Ok(tables::detect(result, &page.image.to_gray()))
}
