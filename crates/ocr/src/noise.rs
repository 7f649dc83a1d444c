//! Telling text from marks that are not text: words an engine "read" from
//! stamps, handwriting, signatures, rules and specks are flagged as
//! [`Word::noise`], not dropped.
//!
//! The decision uses only what the result already holds, in general terms:
//! - **doubt**: the engine's own confidence is below [`DOUBT`] (it found
//!   the reading more likely wrong than right);
//! - **shape**: the word does not look like a word of running text:
//!   symbols that are no common punctuation (`\`, `|`, `®`), or a symbol
//!   inside it ([`odd_shape`]);
//! - **size**: its height across the line is far from the page's body text
//!   (more than [`TALL`] times, or, for a word with a letter or digit, less
//!   than [`SMALL`] times the median height of the words the engine is
//!   sure of).
//!
//! A word is noise when it is in doubt and has an odd shape or an odd size:
//! doubt alone is not enough (a real word under a stamp's ink is read
//! right with a confidence of 0), and neither is shape or size alone (a
//! heading is large, a receipt has symbols). A line whose words are all
//! in doubt and at least half of whose characters are noise is noise as a
//! whole: what is left of it was read from the same mark.

use crate::result::{BBox, PageResult, Word};

/// A word below this confidence (0..=100) is in doubt.
pub const DOUBT: f32 = 50.0;
/// The words the body text size is measured on have at least this
/// confidence and two letters or digits.
pub(crate) const SURE: f32 = 80.0;
/// A word more than this many times the body text's height is out of size.
pub const TALL: f32 = 2.0;
/// A word less than this many times the body text's height is out of size.
pub const SMALL: f32 = 0.4;

/// Flags the words of `page` that are not text ([`Word::noise`]); a word
/// an engine flagged already (furigana in Tesseract's readings) stays
/// flagged, and no flag is cleared. Returns how many words are flagged.
pub fn mark(page: &mut PageResult) -> usize {
    let body = body_height(page);
    let mut flagged = 0;
    for line in page
        .blocks
        .iter_mut()
        .flat_map(|b| b.paragraphs.iter_mut())
        .flat_map(|p| p.lines.iter_mut())
    {
        let vertical = line.is_column();
        for w in &mut line.words {
            let doubt = w.confidence < DOUBT;
            // Punctuation is small by nature: only a word with a letter
            // or a digit is too small.
            let size_off = body.is_some_and(|h| {
                let own = across(&w.bbox, vertical) as f32;
                own > TALL * h || (own < SMALL * h && alnum(w) > 0)
            });
            w.noise |= doubt && (size_off || odd_shape(&w.text));
        }
        let chars = |noise: bool| -> usize {
            line.words
                .iter()
                .filter(|w| w.noise == noise)
                .map(|w| w.text.chars().count())
                .sum()
        };
        if chars(true) >= chars(false) && line.words.iter().all(|w| w.noise || w.confidence < DOUBT)
        {
            for w in &mut line.words {
                w.noise = true;
            }
        }
        flagged += line.words.iter().filter(|w| w.noise).count();
    }
    flagged
}

/// A box's extent across its line: height, or width in a vertical line.
fn across(b: &BBox, vertical: bool) -> u32 {
    if vertical {
        b.width()
    } else {
        b.height()
    }
}

/// The median height (across the line) of the words the engine is sure
/// of; `None` when there are none.
fn body_height(page: &PageResult) -> Option<f32> {
    let mut heights: Vec<u32> = page
        .lines()
        .flat_map(|l| {
            let vertical = l.is_column();
            l.words
                .iter()
                .filter(|w| !w.noise && w.confidence >= SURE && alnum(w) >= 2)
                .map(move |w| across(&w.bbox, vertical))
        })
        .filter(|h| *h > 0)
        .collect();
    if heights.is_empty() {
        return None;
    }
    heights.sort_unstable();
    Some(heights[heights.len() / 2] as f32)
}

fn alnum(w: &Word) -> usize {
    w.text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// Punctuation that may open a word of running text.
const OPENING: &[char] = &[
    '(', '[', '{', '"', '\'', '«', '»', '‹', '“', '”', '‘', '„', '¿', '¡', '*', '-', '–', '—', '#',
    '$', '€', '£',
];
/// Punctuation that may close one.
const CLOSING: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '«', '»', '›', '“', '”', '’', '%', '…',
    '*', '-', '–', '—',
];
/// Characters that may stand between the letters or digits of a word
/// (hyphens and dashes, apostrophes, quotes, brackets, decimal and date
/// separators, `&` in names).
const JOINING: &[char] = &[
    '-', '–', '—', '\'', '’', '"', '«', '»', '“', '”', '.', ',', ';', ':', '/', '&', '@', '+', '=',
    '_', '(', ')', '[', ']', '{', '}', '*', '!', '?', '#', '$', '€', '£', '%',
];
/// Punctuation that stands alone in running text (a dash, a colon in a
/// receipt's `TOTAL : 9.00`, French `; ! ? « »`, a bullet): a word of only
/// these is no odd shape. Full stops, commas and apostrophes are not among
/// them: they stand at a word, a lone one is a speck.
const PUNCTUATION: &[char] = &[
    ':', ';', '!', '?', '-', '–', '—', '"', '(', ')', '[', ']', '/', '&', '%', '*', '#', '+', '=',
    '«', '»', '“', '”', '„', '…', '·', '•',
];

/// Whether `text` does not look like a word of running text: no letter or
/// digit and a character other than common punctuation, or a character
/// other than a joiner between its letters and digits. (Mixed case is no
/// evidence: small capitals and names read as "RuBENs", "McDonald".)
pub fn odd_shape(text: &str) -> bool {
    if !text.chars().any(char::is_alphanumeric) {
        return !text.chars().all(|c| PUNCTUATION.contains(&c));
    }
    let core = text.trim_start_matches(OPENING).trim_end_matches(CLOSING);
    !core
        .chars()
        .all(|c| c.is_alphanumeric() || JOINING.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Block, Line, Paragraph};

    fn word(text: &str, x: u32, h: u32, confidence: f32) -> Word {
        Word {
            text: text.into(),
            bbox: BBox {
                x0: x,
                y0: 100,
                x1: x + 20 * text.chars().count() as u32,
                y1: 100 + h,
            },
            confidence,
            noise: false,
        }
    }

    fn page(lines: Vec<Vec<Word>>) -> PageResult {
        let mut p = PageResult::empty(0, 2000, 3000, 300.0);
        let lines = lines
            .into_iter()
            .map(|words| Line {
                bbox: words
                    .iter()
                    .map(|w| w.bbox)
                    .reduce(|a, b| a.union(&b))
                    .unwrap_or_default(),
                baseline: None,
                font_size: 10.0,
                words,
            })
            .collect();
        p.blocks.push(Block {
            bbox: BBox::default(),
            paragraphs: vec![Paragraph {
                bbox: BBox::default(),
                lines,
            }],
        });
        p
    }

    fn body(n: usize) -> Vec<Vec<Word>> {
        (0..n)
            .map(|i| {
                vec![
                    word("plain", 0, 30, 95.0),
                    word("text", 200, 30 + i as u32 % 3, 96.0),
                ]
            })
            .collect()
    }

    fn flags(p: &PageResult) -> Vec<Vec<bool>> {
        p.lines()
            .map(|l| l.words.iter().map(|w| w.noise).collect())
            .collect()
    }

    #[test]
    fn shapes_of_running_text_and_of_marks() {
        for ok in [
            "word",
            "Word.",
            "(1934)",
            "don't",
            "12.50",
            "24/06/1948",
            "YO1",
            "e-mail,",
            "«oui»",
            "日本語",
            "RM1.00",
            "—dijo",
            "England—The",
            "Tax(RM)",
            "*“Oh,",
            ":",
            "—",
            "McDonald",
            "$1.00",
        ] {
            assert!(!odd_shape(ok), "{ok}");
        }
        for odd in [
            "\\", "\\.", "aecen®", "e^", "|", "~~", "a|b", "w<", ",", "'", "——,",
        ] {
            assert!(odd_shape(odd), "{odd}");
        }
    }

    #[test]
    fn doubt_with_odd_shape_or_size_is_noise_either_alone_is_not() {
        let mut lines = body(10);
        lines.push(vec![
            word("balance", 0, 31, 0.0),    // in doubt, looks like a word: text
            word("\\", 300, 30, 89.0),      // odd but sure: text
            word("Heading", 400, 90, 96.0), // big but sure: text
            word("aecen®", 600, 66, 0.0),   // in doubt and odd: noise
            word("we", 800, 64, 33.0),      // in doubt and tall: noise
        ]);
        let mut p = page(lines);
        assert_eq!(mark(&mut p), 2);
        assert_eq!(flags(&p)[10], [false, false, false, true, true]);
        assert_eq!(
            p.lines().nth(10).map(Line::text).as_deref(),
            Some("balance \\ Heading")
        );
    }

    #[test]
    fn a_line_all_in_doubt_with_noise_in_it_is_noise() {
        let mut lines = body(10);
        lines.push(vec![
            word("CWT", 0, 40, 38.0),
            word("ty", 100, 73, 17.0),
            word("n~", 200, 40, 5.0),
        ]);
        lines.push(vec![word("CWT", 0, 40, 38.0), word("tyre", 100, 31, 17.0)]);
        let mut p = page(lines);
        assert_eq!(mark(&mut p), 3);
        assert_eq!(flags(&p)[10], [true, true, true]);
        assert_eq!(flags(&p)[11], [false, false]);
        // The line's text and box leave the noise out.
        let line = p.lines().nth(10).expect("line");
        assert_eq!((line.text(), line.text_bbox()), (String::new(), None));
    }

    #[test]
    fn without_sure_words_size_is_no_evidence() {
        let mut p = page(vec![vec![
            word("tall", 0, 300, 20.0),
            word("tiny", 100, 3, 20.0),
        ]]);
        assert_eq!(mark(&mut p), 0);
        assert!(p.words().all(|w| !w.noise));
    }

    #[test]
    fn words_the_engine_flagged_stay_flagged_and_are_no_body_text() {
        // Furigana the engine flagged: small, sure, and more of them than
        // of the body's words. They stay noise; were they body text, the
        // body would be 10 pixels and the doubtful word of the body's
        // 30 pixels would be three times its size, and noise.
        let mut lines = body(6);
        for _ in 0..20 {
            let mut ruby = vec![word("kana", 0, 10, 95.0), word("kana", 100, 10, 95.0)];
            ruby.iter_mut().for_each(|w| w.noise = true);
            lines.push(ruby);
        }
        lines.push(vec![word("doubtful", 0, 30, 20.0)]);
        let mut p = page(lines);
        assert_eq!(mark(&mut p), 40);
        let last = p.lines().last().expect("lines");
        assert!(!last.words[0].noise);
    }
}
