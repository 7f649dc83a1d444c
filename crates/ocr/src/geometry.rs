//! How the image given to the recognizer relates to the input page:
//! squaring, levelling, scaling and turning, and their inverse for boxes.

use crate::preprocess;
use crate::result::{BBox, Baseline};
use ocrloom_raster::Page;

/// How the image given to Tesseract relates to the input page image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// Input image size.
    pub w: u32,
    pub h: u32,
    /// First resized to this, for square pixels (see [`square`]); the
    /// input size when they were square.
    pub square: (u32, u32),
    /// For a skewed page, then turned clockwise by this many degrees to
    /// level its lines (see [`preprocess::level`]).
    pub level: Option<f32>,
    /// Then scaled.
    pub scale: f32,
    /// Then this clockwise rotation.
    pub rot: u16,
}

impl Frame {
    /// Maps a point of the prepared image back to the input image.
    pub fn point(&self, u: f32, v: f32) -> (f32, f32) {
        let input = (self.square.0 as f32, self.square.1 as f32);
        let (cw, ch) = self.level.map_or(input, |degrees| {
            let (cw, ch) = preprocess::level_canvas(self.square.0, self.square.1, degrees);
            (cw as f32, ch as f32)
        });
        let (sw, sh) = (cw * self.scale, ch * self.scale);
        // Undo the clockwise rotation (continuous coordinates), then the
        // scale.
        let (x, y) = match self.rot {
            90 => (v, sh - u),
            180 => (sw - u, sh - v),
            270 => (sw - v, u),
            _ => (u, v),
        };
        let (x, y) = (x / self.scale, y / self.scale);
        // Undo the levelling: turn back counter-clockwise about the centres.
        let (x, y) = match self.level {
            Some(degrees) => {
                let (s, c) = degrees.to_radians().sin_cos();
                let (dx, dy) = (x - cw / 2.0, y - ch / 2.0);
                (
                    input.0 / 2.0 + dx * c + dy * s,
                    input.1 / 2.0 - dx * s + dy * c,
                )
            }
            None => (x, y),
        };
        // Undo the squaring.
        (x * self.w as f32 / input.0, y * self.h as f32 / input.1)
    }

    /// The box in the input image that holds `b` (for a levelled page, the
    /// upright hull of the turned box).
    pub fn bbox(&self, b: BBox) -> BBox {
        let corners = [
            self.point(b.x0 as f32, b.y0 as f32),
            self.point(b.x1 as f32, b.y0 as f32),
            self.point(b.x0 as f32, b.y1 as f32),
            self.point(b.x1 as f32, b.y1 as f32),
        ];
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for (x, y) in corners {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let cx = |v: f32| (v.round().max(0.0) as u32).min(self.w);
        let cy = |v: f32| (v.round().max(0.0) as u32).min(self.h);
        BBox {
            x0: cx(x0),
            y0: cy(y0),
            x1: cx(x1),
            y1: cy(y1),
        }
    }

    pub fn baseline(&self, b: Baseline) -> Baseline {
        let (x0, y0) = self.point(b.x0, b.y0);
        let (x1, y1) = self.point(b.x1, b.y1);
        Baseline { x0, y0, x1, y1 }
    }
}

/// The most a page's pixels are stretched to make them square: a larger
/// ratio of its horizontal to vertical resolution is not believed.
const MAX_ASPECT: f32 = 4.0;

/// The most pixels a page squared by stretching may have (the raster
/// crate's default page limit).
const MAX_SQUARE_PIXELS: f32 = 60e6;

/// The size at which the pixels of `page` are square: pixels taller than
/// wide (fax "standard" resolution, 204 x 98 DPI) squash the text, which
/// Tesseract then reads poorly (15 ground-truth pages at 204 x 98: CER
/// 27.63% as they are, 6.44% at 204 x 204). The coarser direction is
/// stretched to the finer one's resolution. `None` when the pixels are
/// square (within 2%), or the tag is implausible or would make the page
/// too large.
pub(crate) fn square(page: &Page) -> Option<(u32, u32)> {
    let d = page.dpi?;
    let (w, h) = (page.image.width() as f32, page.image.height() as f32);
    let ratio = d.x.max(d.y) / d.x.min(d.y);
    if !(ratio > 1.02 && ratio <= MAX_ASPECT) || w * h * ratio > MAX_SQUARE_PIXELS {
        return None;
    }
    let (w, h) = if d.x > d.y {
        (w, h * ratio)
    } else {
        (w * ratio, h)
    };
    Some((w.round() as u32, h.round() as u32))
}

/// A DPI tag is believed only when it gives a plausible page size and
/// roughly agrees with the size of the text.
pub(crate) fn effective_dpi(page: &Page, text_h: Option<f32>) -> f32 {
    let (w, h) = (page.image.width() as f32, page.image.height() as f32);
    // Glyph median ~ x-height-ish of ~10-11 pt body text: ~1/13 inch.
    let from_text = text_h.map(|t| (t * 13.0).clamp(50.0, 1200.0));
    let tagged = page.dpi.map(|d| d.x.max(d.y)).filter(|d| {
        let (wi, hi) = (w / d, h / d);
        *d >= 50.0 && *d <= 2400.0 && (1.0..=20.0).contains(&wi) && (1.0..=28.0).contains(&hi)
    });
    match (tagged, from_text) {
        (Some(t), Some(e)) if t / e < 2.5 && e / t < 2.5 => t,
        (Some(t), None) => t,
        (_, Some(e)) => e,
        (None, None) => 300.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;

    /// The centre of the darkest pixel of `img`.
    fn darkest(img: &GrayImage) -> (f32, f32) {
        let (x, y, _) = img
            .enumerate_pixels()
            .min_by_key(|(_, _, p)| p.0[0])
            .expect("pixels");
        (x as f32 + 0.5, y as f32 + 0.5)
    }

    #[test]
    fn a_point_of_a_squared_levelled_and_turned_page_maps_back() {
        // A 300 x 100 page of pixels twice as tall as wide, squared to
        // 300 x 200, with a dark 2 x 1 spot at (225, 25), centre
        // (226, 25.5).
        let mut page = GrayImage::from_pixel(300, 100, image::Luma([255]));
        page.put_pixel(225, 25, image::Luma([0]));
        page.put_pixel(226, 25, image::Luma([0]));
        let squared = preprocess::resize(&page, 300, 200).expect("squared");
        let levelled = preprocess::level(&squared, -6.0);
        for rot in [0u16, 90, 270] {
            let prepared = preprocess::rotate(&levelled, rot);
            let frame = Frame {
                w: 300,
                h: 100,
                square: (300, 200),
                level: Some(-6.0),
                scale: 1.0,
                rot,
            };
            let (u, v) = darkest(&prepared);
            let (x, y) = frame.point(u, v);
            assert!(
                (x - 226.0).abs() < 1.0 && (y - 25.5).abs() < 0.75,
                "{rot}: ({x}, {y})"
            );
        }
    }

    #[test]
    fn a_point_of_a_levelled_scaled_and_turned_page_maps_back() {
        // A 300 x 200 page with one dark pixel at (225, 50), centre
        // (225.5, 50.5); levelled by 9 degrees, then scaled 2x.
        let mut page = GrayImage::from_pixel(300, 200, image::Luma([255]));
        page.put_pixel(225, 50, image::Luma([0]));
        let levelled = preprocess::level(&page, 9.0);
        let scaled = preprocess::scale(&levelled, 2.0).expect("scaled");
        for rot in [0u16, 90, 180, 270] {
            let prepared = preprocess::rotate(&scaled, rot);
            let frame = Frame {
                w: 300,
                h: 200,
                square: (300, 200),
                level: Some(9.0),
                scale: 2.0,
                rot,
            };
            let (u, v) = darkest(&prepared);
            let (x, y) = frame.point(u, v);
            assert!(
                (x - 225.5).abs() < 1.0 && (y - 50.5).abs() < 1.0,
                "{rot}: ({x}, {y})"
            );
            // A box around it maps to a box around the point.
            let b = frame.bbox(BBox {
                x0: u as u32 - 4,
                y0: v as u32 - 4,
                x1: u as u32 + 4,
                y1: v as u32 + 4,
            });
            assert!(
                b.x0 < 225 && b.x1 > 226 && b.y0 < 50 && b.y1 > 51,
                "{rot}: {b:?}"
            );
        }
    }
}
