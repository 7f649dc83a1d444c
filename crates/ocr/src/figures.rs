//! Finding figures (photos, drawings, logos, stamps) on a page image: the
//! inked areas that the OCR did not read as text.
//!
//! The page is looked at in cells of about a millimetre. A cell is inked
//! when enough of its pixels are darker than paper; cells under a word the
//! engine read with some confidence are text, not figure. Inked cells that
//! touch make a candidate; one at least [`MIN_SIDE_IN`] inch on both sides
//! and mostly inked within its box is a figure.

use crate::BBox;
use image::GrayImage;

/// A figure is at least this big on both sides, inches.
pub const MIN_SIDE_IN: f32 = 0.4;
/// A pixel darker than this is ink.
const INK: u8 = 200;
/// A cell with this share of ink pixels is inked.
const INKED_CELL: f32 = 0.10;
/// A figure's box is at least this share inked cells.
const FILL: f32 = 0.35;
/// Words at least this confident mark text.
const TEXT_CONFIDENCE: f32 = 50.0;

/// A word box (in `image`'s pixels) and the engine's confidence in it.
#[derive(Debug, Clone, Copy)]
pub struct TextBox {
    /// Where the word is.
    pub bbox: BBox,
    /// How sure the engine was, 0..=100.
    pub confidence: f32,
}

/// The figures on `image` (at `dpi` pixels per inch) outside the `words`,
/// as boxes in `image`'s pixels, top to bottom.
pub fn find(image: &GrayImage, dpi: f32, words: &[TextBox]) -> Vec<BBox> {
    let cell = (dpi / 25.4).round().max(2.0) as u32;
    let (w, h) = image.dimensions();
    let (cw, ch) = (w.div_ceil(cell) as usize, h.div_ceil(cell) as usize);
    if cw == 0 || ch == 0 {
        return Vec::new();
    }
    // Ink share per cell.
    let mut ink = vec![0u32; cw * ch];
    for (y, row) in image.as_raw().chunks_exact(w as usize).enumerate() {
        let cy = y / cell as usize;
        for (x, &v) in row.iter().enumerate() {
            if v < INK {
                ink[cy * cw + x / cell as usize] += 1;
            }
        }
    }
    let area = (cell * cell) as f32;
    let mut inked: Vec<bool> = ink.iter().map(|&n| n as f32 / area >= INKED_CELL).collect();
    // Text cells, with a cell of margin (descenders, accents).
    for word in words.iter().filter(|w| w.confidence >= TEXT_CONFIDENCE) {
        let b = word.bbox;
        let x0 = (b.x0 / cell).saturating_sub(1) as usize;
        let y0 = (b.y0 / cell).saturating_sub(1) as usize;
        let x1 = ((b.x1 / cell) as usize + 2).min(cw);
        let y1 = ((b.y1 / cell) as usize + 2).min(ch);
        for y in y0..y1 {
            for c in &mut inked[y * cw + x0.min(x1)..y * cw + x1] {
                *c = false;
            }
        }
    }
    let min_cells = (MIN_SIDE_IN * dpi / cell as f32).ceil() as usize;
    let mut seen = vec![false; cw * ch];
    let mut figures = Vec::new();
    let mut stack = Vec::new();
    for start in 0..inked.len() {
        if !inked[start] || seen[start] {
            continue;
        }
        // Flood the 8-connected cells.
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        let mut count = 0usize;
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % cw, i / cw);
            count += 1;
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            for dy in [-1isize, 0, 1] {
                for dx in [-1isize, 0, 1] {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    if nx < 0 || ny < 0 || nx >= cw as isize || ny >= ch as isize {
                        continue;
                    }
                    let j = ny as usize * cw + nx as usize;
                    if inked[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
        if bw >= min_cells && bh >= min_cells && count as f32 >= FILL * (bw * bh) as f32 {
            figures.push(BBox {
                x0: x0 as u32 * cell,
                y0: y0 as u32 * cell,
                x1: ((x1 as u32 + 1) * cell).min(w),
                y1: ((y1 as u32 + 1) * cell).min(h),
            });
        }
    }
    figures.sort_by_key(|b| (b.y0, b.x0));
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A white 300 DPI page (2 x 2 inches) with a grey photo-like square
    /// (1 inch, with a texture) and a row of "text" (small dark bars).
    fn page() -> GrayImage {
        let mut img = GrayImage::from_pixel(600, 600, Luma([255]));
        for y in 60..360 {
            for x in 240..540 {
                img.put_pixel(x, y, Luma([((x * 7 + y * 3) % 120) as u8 + 40]));
            }
        }
        for i in 0..20 {
            for y in 450..480 {
                for x in (30 + i * 25)..(30 + i * 25 + 15) {
                    img.put_pixel(x, y, Luma([0]));
                }
            }
        }
        img
    }

    #[test]
    fn a_photo_is_a_figure_and_read_text_is_not() {
        let words = [TextBox {
            bbox: BBox {
                x0: 30,
                y0: 450,
                x1: 530,
                y1: 480,
            },
            confidence: 90.0,
        }];
        let found = find(&page(), 300.0, &words);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = found[0];
        // Within a cell (12 px) of the square.
        for (got, want) in [(f.x0, 240), (f.y0, 60), (f.x1, 540), (f.y1, 360)] {
            assert!(got.abs_diff(want) <= 12, "{f:?}");
        }
    }

    #[test]
    fn unread_text_rows_are_too_thin_and_a_blank_page_has_none() {
        // Without the word, the bars are one inked strip 30 px high: too
        // thin for a figure.
        assert_eq!(find(&page(), 300.0, &[]).len(), 1);
        let blank = GrayImage::from_pixel(600, 600, Luma([255]));
        assert!(find(&blank, 300.0, &[]).is_empty());
        assert!(find(&GrayImage::new(0, 0), 300.0, &[]).is_empty());
    }
}
