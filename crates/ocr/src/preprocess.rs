//! Image preparation before recognition, each step kept only because it
//! lowered the error on the ground-truth corpus (see `PREPROCESSING.md`).
//!
//! The steps are plain functions so that they can be measured and tested on
//! their own; [`crate::TesseractEngine`] chains them.

use image::GrayImage;
use ocrloom_raster::PageImage;

/// Converts a page image to 8-bit grey (RGB by luminance). Tesseract would
/// do this itself; doing it here lets the other steps work on one channel.
pub fn to_gray(image: &PageImage) -> GrayImage {
    match image {
        PageImage::Gray(g) => g.clone(),
        PageImage::Rgb(_) => image.to_gray(),
    }
}

/// Otsu's threshold of a grey image: pixels `<=` it are ink.
pub fn otsu_threshold(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.as_raw() {
        hist[*p as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    if total == 0 {
        return 127;
    }
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, c)| i as f64 * *c as f64)
        .sum();
    let (mut w_b, mut sum_b) = (0f64, 0f64);
    let (mut best, mut best_t) = (-1f64, 127u8);
    for (t, c) in hist.iter().enumerate() {
        w_b += *c as f64;
        if w_b == 0.0 {
            continue;
        }
        let w_f = total as f64 - w_b;
        if w_f == 0.0 {
            break;
        }
        sum_b += t as f64 * *c as f64;
        let m_b = sum_b / w_b;
        let m_f = (sum_all - sum_b) / w_f;
        let between = w_b * w_f * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// The typical height in pixels of the glyphs on the page: the median height
/// of the dark connected components that look like characters.
///
/// This measures the text itself, so it works when the file's DPI tag is
/// missing or wrong (as it is for many scans). `None` when the page shows
/// too few character-like components to tell.
pub fn text_height(img: &GrayImage) -> Option<f32> {
    let (w, h) = img.dimensions();
    if w < 8 || h < 8 {
        return None;
    }
    let t = otsu_threshold(img);
    let comps = components(img, t);
    // Keep shapes that could be glyphs: not specks, not rules or frames, not
    // page-sized blobs (photos, dark borders).
    let max_h = (h / 8).max(8);
    let mut heights: Vec<u32> = comps
        .iter()
        .filter(|c| {
            let (cw, ch) = (c.x1 - c.x0 + 1, c.y1 - c.y0 + 1);
            ch >= 4 && ch <= max_h && cw >= 2 && cw <= ch * 4 && ch <= cw * 8
        })
        .map(|c| c.y1 - c.y0 + 1)
        .collect();
    if heights.len() < 20 {
        return None;
    }
    let mid = heights.len() / 2;
    let (_, m, _) = heights.select_nth_unstable(mid);
    Some(*m as f32)
}

#[derive(Clone, Copy)]
struct Comp {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

/// 8-connected components of the ink (`<= t`), by runs and union-find; only
/// their bounding boxes are kept.
fn components(img: &GrayImage, t: u8) -> Vec<Comp> {
    let (w, h) = img.dimensions();
    let raw = img.as_raw();
    // A page that is mostly "ink" is inverted or a photo; Otsu would split
    // its tones, not find text. Count the other side as ink then.
    let dark = raw.iter().filter(|p| **p <= t).count();
    let invert = dark * 2 > raw.len();
    let is_ink = |p: u8| if invert { p > t } else { p <= t };

    let mut parent: Vec<u32> = Vec::new();
    let mut boxes: Vec<Comp> = Vec::new();
    // Runs of the previous and the current row: (start, end_inclusive, label).
    let mut prev: Vec<(u32, u32, u32)> = Vec::new();
    let mut cur: Vec<(u32, u32, u32)> = Vec::new();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let p = parent[x as usize];
            parent[x as usize] = parent[p as usize];
            x = p;
        }
        x
    }
    for y in 0..h {
        cur.clear();
        let row = &raw[(y * w) as usize..((y + 1) * w) as usize];
        let mut x = 0u32;
        let mut j = 0usize; // first run of `prev` that may still overlap
        while x < w {
            if !is_ink(row[x as usize]) {
                x += 1;
                continue;
            }
            let s = x;
            while x < w && is_ink(row[x as usize]) {
                x += 1;
            }
            let e = x - 1;
            let mut label = u32::MAX;
            while j < prev.len() && prev[j].1 + 1 < s {
                j += 1;
            }
            let mut k = j;
            // 8-connectivity: a run touches runs of the row above that reach
            // one pixel to either side.
            while k < prev.len() && prev[k].0 <= e + 1 {
                let other = find(&mut parent, prev[k].2);
                if label == u32::MAX {
                    label = other;
                } else if other != label {
                    let (a, b) = (label.min(other), label.max(other));
                    parent[b as usize] = a;
                    let bb = boxes[b as usize];
                    let ba = &mut boxes[a as usize];
                    ba.x0 = ba.x0.min(bb.x0);
                    ba.y0 = ba.y0.min(bb.y0);
                    ba.x1 = ba.x1.max(bb.x1);
                    ba.y1 = ba.y1.max(bb.y1);
                    label = a;
                }
                k += 1;
            }
            if label == u32::MAX {
                label = parent.len() as u32;
                parent.push(label);
                boxes.push(Comp {
                    x0: s,
                    y0: y,
                    x1: e,
                    y1: y,
                });
            } else {
                let b = &mut boxes[label as usize];
                b.x0 = b.x0.min(s);
                b.x1 = b.x1.max(e);
                b.y1 = b.y1.max(y);
            }
            cur.push((s, e, label));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (0..parent.len() as u32)
        .filter(|i| find(&mut parent, *i) == *i)
        .map(|i| boxes[i as usize])
        .collect()
}

/// Resizes by `scale` (Catmull-Rom: sharp enough for glyph edges).
pub fn scale(img: &GrayImage, scale: f32) -> GrayImage {
    let w = ((img.width() as f32 * scale).round() as u32).max(1);
    let h = ((img.height() as f32 * scale).round() as u32).max(1);
    image::imageops::resize(img, w, h, image::imageops::FilterType::CatmullRom)
}

/// Rotates clockwise by a multiple of 90 degrees.
pub fn rotate(img: &GrayImage, clockwise: u16) -> GrayImage {
    match clockwise % 360 {
        90 => image::imageops::rotate90(img),
        180 => image::imageops::rotate180(img),
        270 => image::imageops::rotate270(img),
        _ => img.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_glyph_height() {
        // 30 dark "glyphs" of 12x20 pixels on white.
        let mut img = GrayImage::from_pixel(400, 200, image::Luma([255]));
        for i in 0..30u32 {
            let (x0, y0) = (10 + (i % 15) * 25, 20 + (i / 15) * 60);
            for y in y0..y0 + 20 {
                for x in x0..x0 + 12 {
                    img.put_pixel(x, y, image::Luma([0]));
                }
            }
        }
        assert_eq!(text_height(&img), Some(20.0));
        assert_eq!(
            text_height(&GrayImage::from_pixel(50, 50, image::Luma([255]))),
            None
        );
    }
}
