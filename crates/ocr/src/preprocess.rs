//! Image preparation before recognition, each step kept only because it
//! lowered the error on the ground-truth corpus (see `PREPROCESSING.md`).
//!
//! The steps are plain functions so that they can be measured and tested on
//! their own; [`crate::TesseractEngine`] chains them.

use crate::OcrError;
use image::GrayImage;
use ocrloom_raster::PageImage;
use std::borrow::Cow;

/// The page image in 8-bit grey (RGB by luminance), borrowed when it is
/// grey already. Tesseract would convert itself; doing it here lets the
/// other steps work on one channel.
pub fn to_gray(image: &PageImage) -> Cow<'_, GrayImage> {
    match image {
        PageImage::Gray(g) => Cow::Borrowed(g),
        PageImage::Rgb(_) => Cow::Owned(image.to_gray()),
    }
}

/// The number of pixels at each grey level.
fn histogram(img: &GrayImage) -> [u64; 256] {
    let mut hist = [0u64; 256];
    for p in img.as_raw() {
        hist[*p as usize] += 1;
    }
    hist
}

/// Otsu's threshold over the grey levels `levels` of a histogram, and the
/// difference between the mean grey of the two classes it separates (0
/// when those levels hold a single tone). When the levels right after the
/// best split hold no pixel, each of them splits as well: the threshold is
/// the middle of that run (a black and white page splits at 127, not at
/// 0, so that the grey edges of its scaled copy split as a reader would).
fn otsu(hist: &[u64; 256], levels: std::ops::RangeInclusive<usize>) -> (u8, f64) {
    let from = *levels.start();
    let levels = hist.get(levels).unwrap_or(&[]);
    let total: u64 = levels.iter().sum();
    if total == 0 {
        return (127, 0.0);
    }
    let sum_all: f64 = levels
        .iter()
        .enumerate()
        .map(|(i, c)| (from + i) as f64 * *c as f64)
        .sum();
    let (mut w_b, mut sum_b) = (0f64, 0f64);
    let (mut best, mut best_t, mut best_diff) = (-1f64, 127u8, 0f64);
    // The last of the levels right after `best_t` that split as well.
    let mut last_t = best_t;
    for (i, c) in levels.iter().enumerate() {
        let t = from + i;
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
            last_t = best_t;
            best_diff = m_f - m_b;
        } else if between == best && usize::from(last_t) + 1 == t {
            last_t = t as u8;
        }
    }
    (best_t + (last_t - best_t) / 2, best_diff)
}

/// What one pass over the ink of a page tells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageStats {
    /// The typical glyph height in pixels, see [`text_height`].
    pub text_height: Option<f32>,
    /// Whether the page holds nothing to read, see [`is_blank`].
    pub blank: bool,
    /// The grey level at or below which a pixel is ink (above it on a
    /// page with light text on dark).
    pub threshold: u8,
    /// Set when a large area that is not text took Otsu's split, so that
    /// print and paper fell on the same side of it. Tesseract's own Otsu
    /// falls into the same trap and reads nothing; [`paint_backdrop`]
    /// removes the area first.
    pub backdrop: Option<Backdrop>,
}

/// A large area of a page that is neither paper nor print, by the grey
/// level that bounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backdrop {
    /// Pixels at or below the level: a black scanner border, a torn edge.
    Dark(u8),
    /// Pixels above the level: the white lid of a scanner around grey or
    /// yellowed paper.
    Light(u8),
}

/// Below this difference between the mean grey of Otsu's two classes a page
/// is one tone plus noise: Otsu then splits paper grain, not ink from paper
/// (grain of sigma 10 gives ~16; faint text on paper 60 and more).
const MIN_INK_CONTRAST: f64 = 32.0;

/// Fewer glyph-like components than this tell no text height.
const MIN_GLYPHS: usize = 20;

/// Glyph height and blankness of a page, from Otsu's threshold and one
/// connected-component pass (two when the first finds too few glyphs).
pub fn page_stats(img: &GrayImage) -> PageStats {
    let (w, h) = img.dimensions();
    let none = PageStats {
        text_height: None,
        blank: true,
        threshold: 127,
        backdrop: None,
    };
    if w < 8 || h < 8 {
        return none;
    }
    let hist = histogram(img);
    let (t, contrast) = otsu(&hist, 0..=255);
    if contrast < MIN_INK_CONTRAST {
        return none;
    }
    let first = ink_stats(img, t);
    // Most of the page on the dark side: light print on dark, or paper and
    // print together beside a lighter area.
    let dark: u64 = hist[..=usize::from(t)].iter().sum();
    let mostly_dark = dark * 2 > u64::from(w) * u64::from(h);
    // A light area (a scanner's white lid around grey or yellowed paper)
    // can take Otsu's split for itself when it is large: paper and print
    // then fall together on the dark side. Splitting that side again tells
    // it from light print on dark: print on paper differs by more than the
    // paper from the lid, while the dark ground of light print is one tone.
    if mostly_dark {
        let (t2, contrast2) = otsu(&hist, 0..=usize::from(t));
        if contrast2 > contrast {
            let second = ink_stats(img, t2);
            if second.glyphs >= MIN_GLYPHS {
                return PageStats {
                    backdrop: Some(Backdrop::Light(t)),
                    ..second.stats
                };
            }
        }
    }
    if first.glyphs >= MIN_GLYPHS {
        return first.stats;
    }
    // A large dark area (a scanner's black border, the torn edge of a
    // receipt, a photo) can take Otsu's split for itself: faint print and
    // paper then fall together on the light side. Split that side again.
    let (t2, contrast2) = otsu(&hist, usize::from(t) + 1..=255);
    if contrast2 >= MIN_INK_CONTRAST {
        let second = ink_stats(img, t2);
        if second.glyphs > first.glyphs {
            return PageStats {
                backdrop: Some(Backdrop::Dark(t)),
                ..second.stats
            };
        }
    }
    first.stats
}

/// [`PageStats`] with ink at threshold `t`, and how many glyphs it found.
struct InkStats {
    stats: PageStats,
    glyphs: usize,
}

fn ink_stats(img: &GrayImage, t: u8) -> InkStats {
    let (w, h) = img.dimensions();
    let comps = components(img, t);
    // Not specks (scanner dust), not rules, frames or page-sized blobs
    // (photos, dark borders): shapes that could be glyphs. On a small image
    // (a label, one line cut out) a glyph may fill most of the height.
    let max_h = (h / 8).max(h.min(100));
    let is_glyph = |c: &Comp| {
        let (cw, ch) = (c.x1 - c.x0 + 1, c.y1 - c.y0 + 1);
        ch >= 4 && ch <= max_h && cw >= 2 && cw <= ch * 4 && ch <= cw * 8
    };
    let mut heights: Vec<u32> = comps
        .iter()
        .filter(|c| is_glyph(c))
        .map(|c| c.y1 - c.y0 + 1)
        .collect();
    // Dot-matrix print breaks glyphs into specks: a page is blank only when
    // the specks also cover next to nothing (dust, not a receipt).
    let page_area = u64::from(w) * u64::from(h);
    let speck_area: u64 = comps
        .iter()
        .filter(|c| c.y1 - c.y0 < max_h && c.x1 - c.x0 < max_h)
        .map(|c| u64::from(c.x1 - c.x0 + 1) * u64::from(c.y1 - c.y0 + 1))
        .sum();
    let blank = heights.is_empty() && speck_area * 500 < page_area;
    let glyphs = heights.len();
    let text_height = if glyphs < MIN_GLYPHS {
        None
    } else {
        let mid = glyphs / 2;
        let (_, m, _) = heights.select_nth_unstable(mid);
        Some(*m as f32)
    };
    InkStats {
        stats: PageStats {
            text_height,
            blank,
            threshold: t,
            backdrop: None,
        },
        glyphs,
    }
}

/// The page with its [`Backdrop`] painted over: a dark one white, a light
/// one the grey of its bounding level (lighter than the paper), so that the
/// print is what a global threshold separates.
pub fn paint_backdrop(img: &GrayImage, backdrop: Backdrop) -> GrayImage {
    let mut out = img.clone();
    match backdrop {
        Backdrop::Dark(level) => out
            .iter_mut()
            .filter(|p| **p <= level)
            .for_each(|p| *p = 255),
        Backdrop::Light(level) => out
            .iter_mut()
            .filter(|p| **p > level)
            .for_each(|p| *p = level),
    }
    out
}

/// Whether the page holds nothing to read: one tone plus noise, or no
/// glyph-like ink (only a few specks covering under 0.2% of the page, rules
/// or a dark border). Such pages
/// skip recognition.
pub fn is_blank(img: &GrayImage) -> bool {
    page_stats(img).blank
}

/// The typical height in pixels of the glyphs on the page: the median height
/// of the dark connected components that look like characters.
///
/// This measures the text itself, so it works when the file's DPI tag is
/// missing or wrong (as it is for many scans). `None` when the page shows
/// too few character-like components to tell.
pub fn text_height(img: &GrayImage) -> Option<f32> {
    page_stats(img).text_height
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

/// The square of side at most `side` (shorter sides on a smaller image)
/// holding the most character-like components (ink at `threshold`, see
/// [`PageStats`]) of height near `text_h`:
/// the densest text, not a photo or an empty margin. Used to check an
/// orientation cheaply on a sample of the page rather than all of it.
pub fn text_crop(img: &GrayImage, threshold: u8, text_h: f32, side: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (cw, ch) = (side.min(w).max(1), side.min(h).max(1));
    let comps = if w < 8 || h < 8 {
        Vec::new()
    } else {
        components(img, threshold)
    };
    // Count glyph-sized components per cell of a coarse grid, then take the
    // window of 4x4 cells with the most.
    let cell = (side / 4).max(1);
    let (gw, gh) = (w.div_ceil(cell) as usize, h.div_ceil(cell) as usize);
    let mut grid = vec![0u32; gw * gh];
    for c in &comps {
        let (bw, bh) = ((c.x1 - c.x0 + 1) as f32, (c.y1 - c.y0 + 1) as f32);
        if bh >= 0.5 * text_h && bh <= 2.0 * text_h && bw <= 4.0 * bh && bh <= 8.0 * bw {
            let (cx, cy) = ((c.x0 + c.x1) / 2 / cell, (c.y0 + c.y1) / 2 / cell);
            grid[cy as usize * gw + cx as usize] += 1;
        }
    }
    let (ww, wh) = ((cw / cell).max(1) as usize, (ch / cell).max(1) as usize);
    let mut best = (0u32, 0usize, 0usize);
    for gy in 0..gh.saturating_sub(wh) + 1 {
        for gx in 0..gw.saturating_sub(ww) + 1 {
            let n: u32 = (gy..(gy + wh).min(gh))
                .map(|y| {
                    grid[y * gw + gx..y * gw + (gx + ww).min(gw)]
                        .iter()
                        .sum::<u32>()
                })
                .sum();
            if n > best.0 {
                best = (n, gx, gy);
            }
        }
    }
    let x0 = (best.1 as u32 * cell).min(w - cw);
    let y0 = (best.2 as u32 * cell).min(h - ch);
    image::imageops::crop_imm(img, x0, y0, cw, ch).to_image()
}

/// Resizes by `scale` (Catmull-Rom: sharp enough for glyph edges).
pub fn scale(img: &GrayImage, scale: f32) -> Result<GrayImage, OcrError> {
    let w = ((img.width() as f32 * scale).round() as u32).max(1);
    let h = ((img.height() as f32 * scale).round() as u32).max(1);
    resize(img, w, h)
}

/// Resizes to `w x h` (Catmull-Rom).
pub fn resize(img: &GrayImage, w: u32, h: u32) -> Result<GrayImage, OcrError> {
    use fast_image_resize::{images, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    let (w, h) = (w.max(1), h.max(1));
    let internal = |e: &dyn std::fmt::Display| OcrError::Internal(format!("resize: {e}"));
    let src = images::ImageRef::new(img.width(), img.height(), img.as_raw(), PixelType::U8)
        .map_err(|e| internal(&e))?;
    let mut dst = images::Image::new(w, h, PixelType::U8);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| internal(&e))?;
    GrayImage::from_raw(w, h, dst.into_vec()).ok_or_else(|| internal(&"buffer size"))
}

/// The most grid points [`find_skew`] samples.
const MAX_SKEW_SAMPLES: usize = 4 << 20;

/// The widest skew [`find_skew`] looks for, degrees either way.
const MAX_SKEW: f32 = 15.0;

/// How far above the median of the sweep the best angle's score must be for
/// the lines to show clearly: text pages score 7 to 60, pictures (Hopper,
/// a painting) and pages turned on their side (lines across the sweep)
/// 2 to 2.6.
const MIN_SKEW_PEAK: f64 = 4.0;

/// The skew of the text lines of `img` in degrees, counter-clockwise on
/// screen (lines rising to the right are positive; on a page on its side,
/// lines turned counter-clockwise from the vertical), when they show
/// clearly; `None` otherwise. Turning the page clockwise by it makes them
/// level (or upright). `threshold` splits ink from paper (the
/// smaller side is ink) and `text_h` is the glyph height in pixels.
///
/// Projection profiles: the ink is projected across each candidate
/// direction and the direction whose profile changes most sharply from
/// row to row (sum of squared differences, Leptonica's measure) is the
/// lines' direction; a sweep of whole half degrees, then hundredths around
/// the best. On a grid of about a fifth of the glyph height: enough for
/// the profile of a line, and a few milliseconds a page.
pub fn find_skew(img: &GrayImage, threshold: u8, text_h: f32) -> Option<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // At most about 4 million grid points, however large the page.
    let step = ((text_h / 5.0).round() as usize)
        .clamp(1, 8)
        .max((w * h / MAX_SKEW_SAMPLES).isqrt() + 1);
    let dark = img.as_raw().iter().filter(|&&p| p <= threshold).count();
    let ink_is_dark = dark * 2 <= w * h;
    let mut points: Vec<(f32, f32)> = Vec::new();
    for y in (0..h).step_by(step) {
        let row = &img.as_raw()[y * w..(y + 1) * w];
        for x in (0..w).step_by(step) {
            if (row[x] <= threshold) == ink_is_dark {
                points.push(((x / step) as f32, (y / step) as f32));
            }
        }
    }
    if points.len() < 100 {
        return None;
    }
    let span = (w + h) / step + 2;
    // Lines across the page, or, on a page on its side, down it: its
    // transpose (a mirror image, so the angle changes sign) has them across.
    sweep(&points, span).or_else(|| {
        points.iter_mut().for_each(|p| *p = (p.1, p.0));
        sweep(&points, span).map(|a| -a)
    })
}

/// The direction, degrees counter-clockwise from the x axis, across which
/// the projection of `points` (grid coordinates under `span`) changes most
/// sharply, when it stands out from the other directions.
fn sweep(points: &[(f32, f32)], span: usize) -> Option<f32> {
    let mut bins = vec![0u32; span * 2];
    let mut score = |degrees: f32| -> f64 {
        let (s, c) = degrees.to_radians().sin_cos();
        bins.iter_mut().for_each(|b| *b = 0);
        for &(x, y) in points {
            // Distance across the direction; x sin is at least -span/2.
            let p = (y * c + x * s + span as f32).round() as usize;
            if let Some(b) = bins.get_mut(p) {
                *b += 1;
            }
        }
        bins.windows(2)
            .map(|d| {
                let v = f64::from(d[1]) - f64::from(d[0]);
                v * v
            })
            .sum()
    };
    let coarse: Vec<(f32, f64)> = (-30..=30)
        .map(|k| k as f32 * MAX_SKEW / 30.0)
        .map(|a| (a, score(a)))
        .collect();
    let &(best, peak) = coarse.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let mut scores: Vec<f64> = coarse.iter().map(|(_, s)| *s).collect();
    scores.sort_by(f64::total_cmp);
    let median = scores[scores.len() / 2];
    if !(peak >= MIN_SKEW_PEAK * median && median > 0.0) {
        return None;
    }
    let (fine, _) = (-25..=25)
        .map(|k| best + k as f32 * 0.02)
        .map(|a| (a, score(a)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    Some(fine)
}

/// `img` turned clockwise by `degrees` (bilinear), on a canvas large
/// enough to hold all of it, in the page's median grey (its paper) where
/// nothing was: white corners around grey paper take Tesseract's Otsu
/// split, and the page then reads as nothing (a typewritten page of grey
/// paper turned 6 degrees: no word).
pub fn level(img: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let hist = histogram(img);
    let half = hist.iter().sum::<u64>() / 2;
    let mut seen = 0;
    let paper = hist
        .iter()
        .position(|&n| {
            seen += n;
            seen > half
        })
        .unwrap_or(255) as u8;
    let (cw, ch) = level_canvas(img.width(), img.height(), degrees);
    let (s, c) = degrees.to_radians().sin_cos();
    let raw = img.as_raw();
    let stride = img.width() as usize;
    // Fixed point, 16 fractional bits: a page is millions of pixels.
    const ONE: f32 = 65536.0;
    let (max_x, max_y) = (i64::from(img.width()) - 1, i64::from(img.height()) - 1);
    let mut out = GrayImage::new(cw, ch);
    for (v, row) in out.rows_mut().enumerate() {
        // The source of canvas pixel (u, v): turned back counter-clockwise
        // about the centres (pixel centres at +0.5); it moves by (c, -s)
        // from one pixel of the row to the next.
        let dy = v as f32 + 0.5 - ch as f32 / 2.0;
        let dx = 0.5 - cw as f32 / 2.0;
        let mut x = ((w / 2.0 + dx * c + dy * s - 0.5) * ONE) as i64;
        let mut y = ((h / 2.0 - dx * s + dy * c - 0.5) * ONE) as i64;
        let (step_x, step_y) = ((c * ONE) as i64, (-s * ONE) as i64);
        for px in row {
            let (x0, y0) = (x >> 16, y >> 16);
            px.0[0] = if x0 >= 0 && y0 >= 0 && x0 < max_x && y0 < max_y {
                // Weights in 8 bits.
                let (fx, fy) = (((x >> 8) & 0xFF) as u32, ((y >> 8) & 0xFF) as u32);
                let at = y0 as usize * stride + x0 as usize;
                let p = |i: usize| u32::from(raw[i]);
                let top = p(at) * (256 - fx) + p(at + 1) * fx;
                let bottom = p(at + stride) * (256 - fx) + p(at + stride + 1) * fx;
                ((top * (256 - fy) + bottom * fy + 32768) >> 16) as u8
            } else {
                // Outside, or on the last row or column (half a pixel of
                // the edge, for simplicity): paper.
                paper
            };
            x += step_x;
            y += step_y;
        }
    }
    out
}

/// The size of the canvas [`level`] draws a `w` x `h` image on.
pub fn level_canvas(w: u32, h: u32, degrees: f32) -> (u32, u32) {
    let (s, c) = degrees.to_radians().sin_cos();
    let (s, c) = (s.abs(), c.abs());
    let (w, h) = (w as f32, h as f32);
    (
        (w * c + h * s).ceil().max(1.0) as u32,
        (w * s + h * c).ceil().max(1.0) as u32,
    )
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
    use std::ops::Range;

    /// Paints the rectangle `xs` x `ys` of `img` in grey `level`.
    fn fill(img: &mut GrayImage, xs: Range<u32>, ys: Range<u32>, level: u8) {
        for y in ys {
            for x in xs.clone() {
                img.put_pixel(x, y, image::Luma([level]));
            }
        }
    }

    /// The next value of a small pseudo-random sequence (a linear
    /// congruential generator): repeatable test pages.
    fn lcg(seed: &mut u32) -> u32 {
        *seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *seed
    }

    /// 30 black "glyphs" of 12x20 pixels on white.
    fn glyphs() -> GrayImage {
        let mut img = GrayImage::from_pixel(400, 200, image::Luma([255]));
        for i in 0..30u32 {
            let (x0, y0) = (10 + (i % 15) * 25, 20 + (i / 15) * 60);
            fill(&mut img, x0..x0 + 12, y0..y0 + 20, 0);
        }
        img
    }

    #[test]
    fn finds_glyph_height() {
        let img = glyphs();
        assert_eq!(text_height(&img), Some(20.0));
        assert_eq!(
            text_height(&GrayImage::from_pixel(50, 50, image::Luma([255]))),
            None
        );
        assert!(!is_blank(&img));
    }

    #[test]
    fn a_black_and_white_page_splits_halfway() {
        // Otsu splits black from white equally well at any level between;
        // at 0 the grey edges of a scaled copy would all be paper.
        let mut img = glyphs();
        assert_eq!(page_stats(&img).threshold, 127);
        // Two greys: halfway between them (ink at 119 or darker).
        for p in img.pixels_mut() {
            p.0[0] = if p.0[0] == 0 { 40 } else { 200 };
        }
        assert_eq!(page_stats(&img).threshold, 119);
    }

    #[test]
    fn blank_pages_are_recognized_as_blank() {
        assert!(is_blank(&GrayImage::from_pixel(
            300,
            400,
            image::Luma([255])
        )));
        assert!(is_blank(&GrayImage::from_pixel(300, 400, image::Luma([0]))));
        // Paper grain: +-12 grey levels of pseudo-random noise.
        let mut seed = 12345u32;
        let grain = GrayImage::from_fn(300, 400, |_, _| {
            image::Luma([(230 + (lcg(&mut seed) >> 16) % 25) as u8])
        });
        assert!(is_blank(&grain));
        // Dust specks and a dark scanner border are not text either.
        let mut dusty = GrayImage::from_pixel(300, 400, image::Luma([250]));
        for i in 0..40u32 {
            dusty.put_pixel(20 + i * 6, 30 + i * 8, image::Luma([0]));
        }
        fill(&mut dusty, 0..6, 0..400, 10);
        assert!(is_blank(&dusty));
        // One short word is something to read.
        let mut word = GrayImage::from_pixel(300, 400, image::Luma([250]));
        for i in 0..3u32 {
            fill(&mut word, 50 + i * 10..57 + i * 10, 100..112, 20);
        }
        assert!(!is_blank(&word));
        // A label: one line of big digits filling most of a small image.
        let mut label = GrayImage::from_pixel(218, 84, image::Luma([255]));
        for i in 0..6u32 {
            fill(&mut label, 10 + i * 34..34 + i * 34, 20..62, 0);
        }
        assert!(!is_blank(&label));
    }

    #[test]
    fn faint_print_beside_a_black_border_is_found() {
        // A receipt: light grey print (level 170) on paper (245), and a torn
        // black edge (0) over a fifth of the page that takes Otsu's split.
        let mut img = GrayImage::from_pixel(400, 500, image::Luma([245]));
        fill(&mut img, 0..400, 400..500, 0);
        for i in 0..40u32 {
            let (x0, y0) = (10 + (i % 20) * 19, 40 + (i / 20) * 60);
            fill(&mut img, x0..x0 + 9, y0..y0 + 16, 170);
        }
        let stats = page_stats(&img);
        assert!(!stats.blank);
        assert_eq!(stats.text_height, Some(16.0));
        assert!((170..245).contains(&stats.threshold), "{stats:?}");
        let Some(Backdrop::Dark(level)) = stats.backdrop else {
            panic!("no dark backdrop: {stats:?}");
        };
        assert!(level < 170, "{stats:?}");
        let painted = paint_backdrop(&img, Backdrop::Dark(level));
        assert_eq!(painted.get_pixel(5, 450).0, [255]);
        assert_eq!(painted.get_pixel(12, 42).0, [170]);
    }

    #[test]
    fn grey_paper_inside_a_white_lid_is_found() {
        // Grey paper (205) with dark print (80), on a scanner's white lid
        // (255) around it, and light flecks in the paper (250, 6 px tall)
        // that Otsu's first split, lid against paper, counts as 30 glyphs.
        let mut img = GrayImage::from_pixel(500, 600, image::Luma([255]));
        fill(&mut img, 40..460, 40..560, 205);
        for i in 0..60u32 {
            let (x0, y0) = (60 + (i % 20) * 19, 80 + (i / 20) * 60);
            fill(&mut img, x0..x0 + 9, y0..y0 + 16, 80);
        }
        for i in 0..30u32 {
            let (fx, fy) = (70 + (i % 10) * 30, 300 + (i / 10) * 40);
            fill(&mut img, fx..fx + 3, fy..fy + 6, 250);
        }
        let stats = page_stats(&img);
        assert!(!stats.blank);
        assert_eq!(stats.text_height, Some(16.0), "{stats:?}");
        assert!((80..205).contains(&stats.threshold), "{stats:?}");
        let Some(Backdrop::Light(level)) = stats.backdrop else {
            panic!("no light backdrop: {stats:?}");
        };
        assert!((205..255).contains(&level), "{stats:?}");
        let painted = paint_backdrop(&img, Backdrop::Light(level));
        assert_eq!(painted.get_pixel(5, 5).0, [level]);
        assert_eq!(painted.get_pixel(100, 100).0, [205]);
        assert_eq!(painted.get_pixel(62, 82).0, [80]);
    }

    /// A page of 20 lines of "glyphs" 20 px tall, 6 to 15 px wide, 3 to 10
    /// px apart: their columns do not line up, as in print.
    fn text_page() -> GrayImage {
        let mut img = GrayImage::from_pixel(700, 1000, image::Luma([255]));
        let mut seed = 11u32;
        let mut next = |n: u32| (lcg(&mut seed) >> 16) % n;
        for line in 0..20u32 {
            let y0 = 60 + line * 45;
            let mut x0 = 50 + next(20);
            while x0 < 620 {
                let gw = 6 + next(10);
                fill(&mut img, x0..x0 + gw, y0..y0 + 20, 0);
                x0 += gw + 3 + next(8);
            }
        }
        img
    }

    #[test]
    fn skewed_lines_are_found_and_levelled() {
        let page = text_page();
        assert_eq!(find_skew(&page, 127, 20.0).map(f32::round), Some(0.0));
        for skew in [-12.0f32, -4.5, 2.5, 8.0] {
            // Turned counter-clockwise by `skew`: lines rise to the right.
            let turned = level(&page, -skew);
            let found = find_skew(&turned, 127, 20.0).expect("lines");
            assert!((found - skew).abs() < 0.25, "{skew}: found {found}");
            let levelled = level(&turned, found);
            let rest = find_skew(&levelled, 127, 20.0).expect("lines");
            assert!(rest.abs() < 0.25, "{skew}: {rest} left");
            // The same on its side: turned clockwise a quarter, its lines
            // run down the page.
            let side = rotate(&turned, 90);
            let found = find_skew(&side, 127, 20.0).expect("lines down the page");
            assert!(
                (found - skew).abs() < 0.25,
                "{skew} on its side: found {found}"
            );
            let upright = level(&side, found);
            let rest = find_skew(&rotate(&upright, 270), 127, 20.0).expect("lines");
            assert!(rest.abs() < 0.25, "{skew} on its side: {rest} left");
        }
        // Noise shows no lines.
        let mut noise = GrayImage::from_pixel(400, 400, image::Luma([255]));
        let mut seed = 7u32;
        for px in noise.pixels_mut() {
            if lcg(&mut seed) >> 28 == 0 {
                px.0[0] = 0;
            }
        }
        assert_eq!(find_skew(&noise, 127, 20.0), None);
    }

    #[test]
    fn levelling_keeps_every_pixel_on_a_larger_canvas() {
        let page = text_page();
        let turned = level(&page, 10.0);
        assert_eq!(
            turned.dimensions(),
            level_canvas(page.width(), page.height(), 10.0)
        );
        assert!(turned.width() > page.width() && turned.height() > page.height());
        // As much ink (within interpolation), and the corners are paper.
        let ink = |img: &GrayImage| img.pixels().map(|p| 255 - u64::from(p.0[0])).sum::<u64>();
        let (a, b) = (ink(&page), ink(&turned));
        assert!(a.abs_diff(b) * 100 < a, "{a} {b}");
        assert_eq!(turned.get_pixel(0, 0).0, [255]);
        // Grey paper: grey corners.
        let mut grey = page.clone();
        grey.pixels_mut()
            .filter(|p| p.0[0] == 255)
            .for_each(|p| p.0[0] = 200);
        assert_eq!(level(&grey, 10.0).get_pixel(0, 0).0, [200]);
    }
}
