//! Advance widths of the font the Office outputs are set in (Times New
//! Roman, or Liberation Serif, its metric twin, where LibreOffice runs), to
//! tell how many lines a paragraph takes at a size and width.
//!
//! The table was read from `LiberationSerif-Regular.ttf` (Debian
//! `fonts-liberation2`; its `hmtx` advances through its `cmap`, in
//! thousandths of an em); characters outside it count as wide as a digit,
//! and Chinese, Japanese and Korean ones (and other wide forms) as one em.

/// Advances of U+0020..=U+00FF, thousandths of an em (the C1 controls
/// U+0080..=U+009F have the missing glyph's).
const LATIN_1: [u16; 224] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611,
    556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722,
    722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500,
    278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
    778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778,
    778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 778, 250, 333, 500, 500, 500,
    500, 200, 500, 333, 760, 276, 500, 564, 333, 760, 500, 400, 549, 300, 300, 333, 576, 453, 333,
    333, 300, 310, 500, 750, 750, 750, 444, 722, 722, 722, 722, 722, 722, 889, 667, 611, 611, 611,
    611, 333, 333, 333, 333, 722, 722, 722, 722, 722, 722, 722, 564, 722, 722, 722, 722, 722, 722,
    556, 500, 444, 444, 444, 444, 444, 444, 667, 444, 444, 444, 444, 444, 278, 278, 278, 278, 500,
    500, 500, 500, 500, 500, 500, 549, 500, 500, 500, 500, 500, 500, 500, 500,
];

/// The advance of `c`, in ems.
fn advance(c: char) -> f32 {
    let code = c as u32;
    let thousandths = match code {
        0x20..=0xFF => LATIN_1[(code - 0x20) as usize],
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 => {
            1000
        }
        _ => 500,
    };
    f32::from(thousandths) / 1000.0
}

/// The width of `text` at `size` points, points.
pub(crate) fn width(text: &str, size: f32) -> f32 {
    text.chars().map(advance).sum::<f32>() * size
}

/// How many lines `text` takes at `size` points when broken at spaces into
/// lines `first` (the first line) and `rest` points wide; a word wider than
/// its line is broken where it fills it, as LibreOffice and Word do.
pub(crate) fn wrapped_lines(text: &str, size: f32, first: f32, rest: f32) -> usize {
    let space = width(" ", size);
    let mut lines = 1;
    let mut room = first;
    let mut used = 0.0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = width(word, size);
        let need = if used > 0.0 { space + w } else { w };
        if used + need <= room {
            used += need;
            continue;
        }
        if used > 0.0 {
            lines += 1;
            room = rest;
            used = 0.0;
        }
        if w <= room {
            used = w;
            continue;
        }
        for c in word.chars() {
            let cw = advance(c) * size;
            if used + cw > room && used > 0.0 {
                lines += 1;
                room = rest;
                used = 0.0;
            }
            used += cw;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_the_fonts() {
        // "Hello": H 722, e 444, l 278, l 278, o 500 thousandths.
        assert!((width("Hello", 10.0) - 22.22).abs() < 1e-3);
        assert_eq!(width("日本", 10.0), 20.0);
    }

    #[test]
    fn lines_break_at_spaces_and_inside_words_too_long() {
        // "aaaa" is 4 x 4.44 = 17.76 pt at 10 pt; a space 2.5 pt.
        assert_eq!(wrapped_lines("aaaa aaaa", 10.0, 40.0, 40.0), 1);
        assert_eq!(wrapped_lines("aaaa aaaa", 10.0, 30.0, 30.0), 2);
        // A narrower first line (an indent) pushes the second word down.
        assert_eq!(wrapped_lines("aaaa aaaa", 10.0, 20.0, 40.0), 2);
        assert_eq!(wrapped_lines(&"a".repeat(20), 10.0, 45.0, 45.0), 2);
        assert_eq!(wrapped_lines("", 10.0, 45.0, 45.0), 1);
    }
}
