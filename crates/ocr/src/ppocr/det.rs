//! DB text detection's post-processing: the network's text-probability
//! map in, text-line boxes out.
//!
//! The map is thresholded, each 8-connected region of text pixels becomes a
//! candidate, scored by the mean probability of its pixels (not of its
//! box, as PaddleOCR's rotated boxes allow: an axis-aligned box around a
//! slightly skewed line is mostly background), and kept boxes
//! are expanded ("unclipped"): DB's network marks a shrunk core of each
//! line, so the box grows on every side by `area * ratio / perimeter` of
//! the smallest rectangle around the region, turned with a slanted line.
//! The boxes handed on are upright: pages are upright, and turned by
//! little unless levelled before they get here.

/// The steepest slant reported for a line (tan 10 degrees): past it a
/// region is a mark, not a line of a turned page, and is read upright.
const MAX_SLOPE: f32 = 0.176;

/// True for the slant of a line on a turned page: finite and at most
/// [`MAX_SLOPE`] either way.
pub(crate) fn slants(slope: f32) -> bool {
    slope.is_finite() && slope.abs() <= MAX_SLOPE
}

/// The thresholds of the post-processing (PaddleOCR's names and defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DbParams {
    /// A pixel is text when its probability is above this.
    pub thresh: f32,
    /// A region is kept when the mean probability of its pixels is at least this.
    pub box_thresh: f32,
    /// How much a box grows: `area * unclip_ratio / perimeter` of the
    /// region's smallest rectangle, on each side.
    pub unclip_ratio: f32,
    /// Regions whose shorter side is under this many map pixels are noise.
    pub min_size: f32,
    /// At most this many regions are looked at (a limit on hostile pages).
    pub max_candidates: usize,
}

impl Default for DbParams {
    fn default() -> Self {
        DbParams {
            thresh: 0.3,
            box_thresh: 0.6,
            unclip_ratio: 1.5,
            min_size: 3.0,
            max_candidates: 1000,
        }
    }
}

/// A detected text box in map pixels (`x1`, `y1` exclusive), with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DetBox {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
    /// The slant of a line wider than tall (its long side's rise over its
    /// run, y down); 0 when its upright box is its smallest rectangle.
    pub slope: f32,
    /// Mean text probability of the region's pixels.
    pub score: f32,
}

/// The text boxes of a `width` x `height` probability map (row-major),
/// expanded and clipped to the map, in the order their regions are met
/// scanning rows top to bottom.
pub(crate) fn boxes(prob: &[f32], width: usize, height: usize, p: &DbParams) -> Vec<DetBox> {
    if width == 0 || height == 0 || prob.len() < width * height {
        return Vec::new();
    }
    let mut seen = vec![false; width * height];
    let mut stack: Vec<usize> = Vec::new();
    let mut region: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let mut candidates = 0usize;
    for start in 0..width * height {
        if seen[start] || prob[start] <= p.thresh {
            continue;
        }
        if candidates == p.max_candidates {
            break;
        }
        candidates += 1;
        // Flood the region, keeping its bounding box (inclusive pixels).
        let (mut x0, mut y0, mut x1, mut y1) = (width, height, 0usize, 0usize);
        let (mut sum, mut count) = (0.0f32, 0usize);
        region.clear();
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % width, i / width);
            sum += prob[i];
            count += 1;
            region.push(i);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            for ny in y.saturating_sub(1)..=(y + 1).min(height - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(width - 1) {
                    let j = ny * width + nx;
                    if !seen[j] && prob[j] > p.thresh {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let (w, h) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        if w.min(h) < p.min_size {
            continue;
        }
        let score = sum / count as f32;
        if score < p.box_thresh {
            continue;
        }
        // PaddleOCR grows the smallest rectangle around the region, turned
        // with it: a line on a page turned by a degree is thin along its
        // slant, while its upright box is as tall as the slant is long.
        let (a, b, slope) = smallest_rect(&region, width, (w, h));
        let d = a * b * p.unclip_ratio / (2.0 * (a + b));
        if (w + 2.0 * d).min(h + 2.0 * d) < p.min_size + 2.0 {
            continue;
        }
        out.push(DetBox {
            x0: (x0 as f32 - d).max(0.0),
            y0: (y0 as f32 - d).max(0.0),
            x1: (x1 as f32 + 1.0 + d).min(width as f32),
            y1: (y1 as f32 + 1.0 + d).min(height as f32),
            slope,
            score,
        });
    }
    out
}

/// The sides of the smaller of two rectangles around `region` (pixel
/// indices in a map `width` wide), and the slope of its long side when it
/// is turned and wider than tall (else 0): its upright box (`upright`, the
/// sides of its bounding box) or the rectangle along its principal axis,
/// the direction its pixels spread most (the smallest rectangle of a thin
/// slanted line; PaddleOCR finds it from the region's outline).
fn smallest_rect(region: &[usize], width: usize, upright: (f32, f32)) -> (f32, f32, f32) {
    if region.is_empty() {
        return (upright.0, upright.1, 0.0);
    }
    let n = region.len() as f64;
    let (mut sx, mut sy) = (0.0f64, 0.0f64);
    for &i in region {
        sx += (i % width) as f64;
        sy += (i / width) as f64;
    }
    let (mx, my) = (sx / n, sy / n);
    let (mut xx, mut yy, mut xy) = (0.0f64, 0.0f64, 0.0f64);
    for &i in region {
        let (dx, dy) = ((i % width) as f64 - mx, (i / width) as f64 - my);
        xx += dx * dx;
        yy += dy * dy;
        xy += dx * dy;
    }
    let theta = 0.5 * (2.0 * xy).atan2(xx - yy);
    let (c, s) = (theta.cos(), theta.sin());
    let (mut a0, mut a1, mut b0, mut b1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &i in region {
        let (x, y) = ((i % width) as f64, (i / width) as f64);
        let a = x * c + y * s;
        let b = -x * s + y * c;
        a0 = a0.min(a);
        a1 = a1.max(a);
        b0 = b0.min(b);
        b1 = b1.max(b);
    }
    let turned = ((a1 - a0 + 1.0) as f32, (b1 - b0 + 1.0) as f32);
    if turned.0 * turned.1 >= upright.0 * upright.1 {
        return (upright.0, upright.1, 0.0);
    }
    // A slant is a line's: a region at least twice as long as thick, turned
    // by no more than pages are (a round blob's axis is any direction).
    let slope = theta.tan() as f32;
    let slope = if turned.0 >= 2.0 * turned.1 && slants(slope) {
        slope
    } else {
        0.0
    };
    (turned.0, turned.1, slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map with a background of 0.05 and `rects` (x0, y0, x1, y1
    /// exclusive) filled with `p`.
    fn map(w: usize, h: usize, rects: &[(usize, usize, usize, usize, f32)]) -> Vec<f32> {
        let mut m = vec![0.05; w * h];
        for &(x0, y0, x1, y1, p) in rects {
            for y in y0..y1 {
                for x in x0..x1 {
                    m[y * w + x] = p;
                }
            }
        }
        m
    }

    #[test]
    fn finds_lines_expands_them_and_drops_noise() {
        let (w, h) = (100, 60);
        let m = map(
            w,
            h,
            &[
                // A line's core, 60 x 6.
                (20, 10, 80, 16, 0.9),
                // A second line touching the right edge.
                (40, 30, 100, 38, 0.8),
                // A speck (2 x 2): under min_size.
                (5, 50, 7, 52, 0.95),
                // A faint region: above thresh, under box_thresh.
                (10, 45, 40, 55, 0.4),
            ],
        );
        let b = boxes(&m, w, h, &DbParams::default());
        assert_eq!(b.len(), 2, "{b:?}");
        // 60 x 6: d = 360 * 1.5 / 132 = 4.09.
        let d = 360.0 * 1.5 / 132.0;
        let first = b[0];
        assert!((first.x0 - (20.0 - d)).abs() < 1e-4);
        assert!((first.y0 - (10.0 - d)).abs() < 1e-4);
        assert!((first.x1 - (80.0 + d)).abs() < 1e-4);
        assert!((first.y1 - (16.0 + d)).abs() < 1e-4);
        assert!((first.score - 0.9).abs() < 1e-5);
        // Clipped to the map on the right.
        assert_eq!(b[1].x1, w as f32);
        assert!(b[1].y0 < 30.0 && b[1].y1 > 38.0);
    }

    #[test]
    fn a_slanted_line_grows_by_its_thickness_not_its_box() {
        // A line 4 pixels thick rising 16 pixels over its 160: its upright
        // box is 20 tall, and growing by that box (d = 13.3) would take in
        // the lines above and below; by its own rectangle d is under 5.
        let (w, h) = (200, 60);
        let mut m = vec![0.05f32; w * h];
        for x in 20..180 {
            let y = 20 + (x - 20) / 10;
            for y in y..y + 4 {
                m[y * w + x] = 0.9;
            }
        }
        let b = boxes(&m, w, h, &DbParams::default());
        assert_eq!(b.len(), 1, "{b:?}");
        assert!((b[0].slope - 0.1).abs() < 0.02, "{b:?}");
        let grown = (b[0].y1 - b[0].y0) - 19.0;
        assert!(grown > 0.0 && grown < 2.0 * 5.0, "grew by {grown}: {b:?}");
        // An upright line grows as before: its rectangle is its box.
        let mut m = vec![0.05f32; w * h];
        for y in 20..26 {
            for x in 20..80 {
                m[y * w + x] = 0.9;
            }
        }
        let b = boxes(&m, w, h, &DbParams::default());
        let d = 360.0 * 1.5 / 132.0;
        assert!((b[0].y0 - (20.0 - d)).abs() < 1e-4, "{b:?}");
    }

    #[test]
    fn diagonal_pixels_join_one_region_and_limits_hold() {
        let (w, h) = (20, 20);
        // Two 4x4 squares touching at one corner: one region (8-connected).
        let m = map(w, h, &[(2, 2, 6, 6, 0.9), (6, 6, 10, 10, 0.9)]);
        let b = boxes(&m, w, h, &DbParams::default());
        assert_eq!(b.len(), 1);
        assert!(b[0].x0 < 2.0 && b[0].x1 > 10.0);
        // Its box is half empty; the score is the mean of the region's own
        // pixels.
        assert!((b[0].score - 0.9).abs() < 1e-5);
        let few = DbParams {
            max_candidates: 0,
            ..DbParams::default()
        };
        assert!(boxes(&m, w, h, &few).is_empty());
        assert!(boxes(&m, 0, 0, &DbParams::default()).is_empty());
        assert!(boxes(&m[..10], w, h, &DbParams::default()).is_empty());
    }
}
