//! The structured result of recognition: page -> blocks -> paragraphs ->
//! lines -> words, with boxes in the pixels of the page image that went in.

use serde::{Deserialize, Serialize};

/// An axis-aligned box in page pixels: `x0,y0` top-left (inclusive),
/// `x1,y1` bottom-right (exclusive), origin at the top-left of the page image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x0: u32,
    /// Top edge.
    pub y0: u32,
    /// Right edge (exclusive).
    pub x1: u32,
    /// Bottom edge (exclusive).
    pub y1: u32,
}

impl BBox {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.x1.saturating_sub(self.x0)
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.y1.saturating_sub(self.y0)
    }

    /// True for a box standing upright like a column of vertical writing:
    /// at least 1.5 times taller than wide (PaddleOCR's rule for turning a
    /// text box).
    pub fn is_upright(&self) -> bool {
        2 * u64::from(self.height()) >= 3 * u64::from(self.width())
    }

    /// The smallest box holding both.
    pub fn union(&self, other: &BBox) -> BBox {
        BBox {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }
}

/// A text line's baseline as a segment in page pixels (same frame as
/// [`BBox`]); for an upright line `y0 == y1` up to skew.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Baseline {
    /// Start x.
    pub x0: f32,
    /// Start y.
    pub y0: f32,
    /// End x.
    pub x1: f32,
    /// End y.
    pub y1: f32,
}

/// One recognized word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    /// The text, UTF-8, no surrounding whitespace.
    pub text: String,
    /// Where it is on the page.
    pub bbox: BBox,
    /// The engine's confidence, 0..=100.
    pub confidence: f32,
    /// Read from a mark that is not text (a stamp, handwriting, a
    /// signature, a speck), as [`crate::noise::mark`] decides, or not part
    /// of the text (furigana, the small kana beside Japanese words): the text
    /// outputs and a PDF's text layer leave it out, the structured outputs
    /// (JSON, hOCR, ALTO) keep it with this flag. Absent from serialized
    /// results when `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub noise: bool,
}

impl Word {
    /// Whether a text output writes it: it is not [`Word::noise`] and not
    /// blank.
    pub fn is_written(&self) -> bool {
        !self.noise && !self.text.trim().is_empty()
    }
}

/// One text line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Where the whole line is.
    pub bbox: BBox,
    /// The baseline, when the engine reported one.
    pub baseline: Option<Baseline>,
    /// Estimated font size in points (from the line's height and the DPI).
    pub font_size: f32,
    /// The words, left to right in reading order.
    pub words: Vec<Word>,
}

impl Line {
    /// Whether a space goes between the word at `i` and the one before it
    /// when the line is written as text: every writer asks this, so that
    /// none invents spaces in Chinese or Japanese, whose words engines
    /// report one character or a few at a time. No space where both
    /// neighbouring characters are written without spaces between them
    /// (see [`joins_unspaced`]); a space elsewhere, so Latin words in mixed
    /// text, and Korean words, stay apart. `false` for the first word.
    pub fn space_before(&self, i: usize) -> bool {
        match (
            i.checked_sub(1).and_then(|p| self.words.get(p)),
            self.words.get(i),
        ) {
            (Some(prev), Some(word)) => space_between(&prev.text, &word.text),
            _ => false,
        }
    }

    /// Whether the line is a column of vertical writing (Chinese,
    /// Japanese), read from top to bottom: its box stands upright
    /// ([`BBox::is_upright`]), at least half of its characters are written
    /// without spaces ([`joins_unspaced`]: digits and Latin may stand in a
    /// column), and its words' centres spread further down than across, or
    /// it is one upright word of two characters or more. Words flagged as
    /// [`Word::noise`] do not count. (Engines' word boxes in a column may
    /// overlap, so the order of neighbours is not asked.)
    pub fn is_column(&self) -> bool {
        if !self.bbox.is_upright() {
            return false;
        }
        let words: Vec<&Word> = self.words.iter().filter(|w| w.is_written()).collect();
        let chars = || words.iter().flat_map(|w| w.text.trim().chars());
        let (all, unspaced) = chars().fold((0, 0), |(a, u), c| {
            (a + 1, u + usize::from(joins_unspaced(c)))
        });
        if all < 2 || 2 * unspaced < all {
            return false;
        }
        if let [one] = words.as_slice() {
            return one.bbox.is_upright();
        }
        // Twice the centres (in u64: a box's corners are u32).
        let spread = |centre: &dyn Fn(&BBox) -> u64| {
            let (lo, hi) = words.iter().fold((u64::MAX, 0), |(lo, hi), w| {
                let c = centre(&w.bbox);
                (lo.min(c), hi.max(c))
            });
            hi.saturating_sub(lo)
        };
        let down = spread(&|b| u64::from(b.y0) + u64::from(b.y1));
        let across = spread(&|b| u64::from(b.x0) + u64::from(b.x1));
        down > across
    }

    /// The line's text: its words but those flagged as [`Word::noise`],
    /// separated as [`space_between`] says (as [`Line::space_before`]
    /// does for neighbours). Empty when every word is noise.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let mut prev: Option<&str> = None;
        for w in self.words.iter().filter(|w| !w.noise) {
            if prev.is_some_and(|p| space_between(p, &w.text)) {
                s.push(' ');
            }
            s.push_str(&w.text);
            prev = Some(&w.text);
        }
        s
    }

    /// Where the line's text is: its box, or the box around its words that
    /// are not [`Word::noise`] when some are (`None` when all are).
    pub fn text_bbox(&self) -> Option<BBox> {
        if !self.words.iter().any(|w| w.noise) {
            return Some(self.bbox);
        }
        self.words
            .iter()
            .filter(|w| !w.noise)
            .map(|w| w.bbox)
            .reduce(|a, b| a.union(&b))
    }
}

/// Whether a space goes between `prev` and `next` when they are written one
/// after the other (words in a line, lines flowing into a paragraph): no
/// space where the characters on both sides are written without spaces
/// between them (see [`joins_unspaced`]), a space elsewhere (also when
/// either side is blank).
pub fn space_between(prev: &str, next: &str) -> bool {
    match (
        prev.trim_end().chars().next_back(),
        next.trim_start().chars().next(),
    ) {
        (Some(a), Some(b)) => !(joins_unspaced(a) && joins_unspaced(b)),
        _ => true,
    }
}

/// Whether `next` continues a number that `text` ends with, split at its
/// decimal point (`41.` and `24`, as an engine reads a price whose point
/// takes a whole cell of a monospaced font): such parts are joined without
/// a space where numbers stand in columns (a table's cell, a receipt's row
/// of parts).
pub fn splits_number(text: &str, next: &str) -> bool {
    let mut end = text.chars().rev();
    matches!(end.next(), Some('.' | ','))
        && end.next().is_some_and(|c| c.is_ascii_digit())
        && next.chars().next().is_some_and(|c| c.is_ascii_digit())
        && next.chars().all(|c| c.is_ascii_digit())
}

/// Hiragana and katakana (the prolonged sound mark included).
pub(crate) fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF)
}

/// Hiragana letters.
pub(crate) fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}')
}

/// Katakana letters, the long-vowel mark `ー` and the small katakana of
/// Ainu among them.
pub(crate) fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '\u{31F0}'..='\u{31FF}')
}

/// A kanji: a CJK unified ideograph (extension A included), or `々`.
pub(crate) fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々')
}

/// Whether `c` belongs to writing that puts no spaces between its words:
/// Han ideographs, kana, CJK punctuation and symbols, full-width forms,
/// Bopomofo, Yi. Hangul is not among them: Korean separates words with
/// spaces.
pub fn joins_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF     // CJK radicals, Kangxi radicals
        | 0x2FF0..=0x303F   // ideographic description, CJK symbols and punctuation
        | 0x3040..=0x30FF   // hiragana, katakana
        | 0x3100..=0x312F   // bopomofo
        | 0x3190..=0x31FF   // kanbun, bopomofo ext., CJK strokes, katakana ext.
        | 0x3200..=0x33FF   // enclosed CJK, CJK compatibility (㈱, ㎥)
        | 0x3400..=0x4DBF   // CJK ext. A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xA000..=0xA4CF   // Yi
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFE30..=0xFE4F   // CJK compatibility forms (vertical brackets)
        | 0xFF00..=0xFFEF   // half-width and full-width forms
        | 0x20000..=0x3FFFF // CJK ext. B and later
    )
}

/// One paragraph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paragraph {
    /// Where the paragraph is.
    pub bbox: BBox,
    /// Its lines in reading order.
    pub lines: Vec<Line>,
}

/// One layout block (a column, a caption, a table cell...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// Where the block is.
    pub bbox: BBox,
    /// Its paragraphs in reading order.
    pub paragraphs: Vec<Paragraph>,
}

/// Everything recognized on one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageResult {
    /// Zero-based page index in the document.
    pub index: usize,
    /// Width of the input page image in pixels (boxes are in this frame).
    pub width: u32,
    /// Height of the input page image in pixels.
    pub height: u32,
    /// The resolution the page was taken to have (input pixels per inch):
    /// the file's, or an estimate from the text size when it had none.
    pub dpi: f32,
    /// Clockwise rotation in degrees (0, 90, 180, 270) that was detected and
    /// applied to make the text upright before recognition. Boxes are still
    /// in the frame of the input image.
    pub orientation: u16,
    /// Skew of the text lines found by the engine, degrees (positive =
    /// counter-clockwise), on the page in square pixels; on a page on its
    /// side, of the lines from the vertical.
    pub skew: f32,
    /// The language model(s) used, `+`-joined.
    pub language: String,
    /// Mean word confidence, 0..=100 (0 for a page without words).
    pub mean_confidence: f32,
    /// Layout blocks in reading order.
    pub blocks: Vec<Block>,
    /// The page's tables and figures, found on the page image during
    /// recognition when [`crate::Settings::structure`] asked for them
    /// (`None`: not looked for). Absent from serialized results when
    /// `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<crate::Structure>,
}

impl PageResult {
    /// An empty result for a page of this size (nothing recognized).
    pub fn empty(index: usize, width: u32, height: u32, dpi: f32) -> Self {
        PageResult {
            index,
            width,
            height,
            dpi,
            orientation: 0,
            skew: 0.0,
            language: String::new(),
            mean_confidence: 0.0,
            blocks: Vec::new(),
            structure: None,
        }
    }

    /// All words in reading order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.lines().flat_map(|l| l.words.iter())
    }

    /// All lines in reading order.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.blocks
            .iter()
            .flat_map(|b| b.paragraphs.iter())
            .flat_map(|p| p.lines.iter())
    }

    /// The plain text in the engine's order (its blocks as it found
    /// them): lines as [`Line::text`] writes them, joined by a newline, a
    /// blank line between paragraphs (and blocks). No trailing newline.
    /// The outputs read a page in its layout's order with its tables
    /// (`ocrloom_writers::page_text`).
    pub fn text(&self) -> String {
        let mut paras: Vec<String> = Vec::new();
        for para in self.blocks.iter().flat_map(|b| b.paragraphs.iter()) {
            let lines: Vec<String> = para
                .lines
                .iter()
                .map(Line::text)
                .filter(|l| !l.is_empty())
                .collect();
            if !lines.is_empty() {
                paras.push(lines.join("\n"));
            }
        }
        paras.join("\n\n")
    }

    /// Recomputes [`PageResult::mean_confidence`] from the words.
    pub fn update_mean_confidence(&mut self) {
        let (sum, n) = self.words().fold((0.0f64, 0usize), |(s, n), w| {
            (s + w.confidence as f64, n + 1)
        });
        self.mean_confidence = if n == 0 { 0.0 } else { (sum / n as f64) as f32 };
    }
}

/// The results of all pages of a document, in page order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DocumentResult {
    /// One result per page, in page order.
    pub pages: Vec<PageResult>,
}

impl DocumentResult {
    /// The text of every page in the engine's order ([`PageResult::text`]),
    /// pages separated by a form feed (`\x0c`).
    pub fn text(&self) -> String {
        self.pages
            .iter()
            .map(PageResult::text)
            .collect::<Vec<_>>()
            .join("\n\x0c")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(t: &str) -> Word {
        Word {
            text: t.into(),
            bbox: BBox::default(),
            confidence: 90.0,
            noise: false,
        }
    }

    fn line(ws: &[&str]) -> Line {
        Line {
            bbox: BBox::default(),
            baseline: None,
            font_size: 10.0,
            words: ws.iter().map(|w| word(w)).collect(),
        }
    }

    #[test]
    fn text_layout() {
        let mut p = PageResult::empty(0, 10, 10, 300.0);
        p.blocks.push(Block {
            bbox: BBox::default(),
            paragraphs: vec![
                Paragraph {
                    bbox: BBox::default(),
                    lines: vec![line(&["a", "b"]), line(&["c"])],
                },
                Paragraph {
                    bbox: BBox::default(),
                    lines: vec![line(&["d"])],
                },
            ],
        });
        assert_eq!(p.text(), "a b\nc\n\nd");
        let doc = DocumentResult {
            pages: vec![p.clone(), p],
        };
        assert_eq!(doc.text(), "a b\nc\n\nd\n\x0ca b\nc\n\nd");
    }

    #[test]
    fn no_space_between_cjk_characters_but_between_latin_words() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["吾輩", "は", "猫", "で", "ある", "。"],
                "吾輩は猫である。",
            ),
            (&["「", "ニャー", "」", "と"], "「ニャー」と"),
            (
                &["これは", "Debian", "の", "apt", "get", "です"],
                "これは Debian の apt get です",
            ),
            (&["图", "书", "馆"], "图书馆"),
            (&["한국어", "문장"], "한국어 문장"),
            (&["Ｑ－２５０１", "号"], "Ｑ－２５０１号"),
            (&["hello", "world"], "hello world"),
            (&["㎥", "当たり", "500", "円"], "㎥当たり 500 円"),
        ];
        for (words, want) in cases {
            let l = line(words);
            assert_eq!(&l.text(), want);
            assert!(!l.space_before(0));
        }
    }

    #[test]
    fn columns_are_upright_lines_of_words_one_below_the_other() {
        let boxed = |words: &[(&str, [u32; 4])]| -> Line {
            let words: Vec<Word> = words
                .iter()
                .map(|&(t, [x0, y0, x1, y1])| Word {
                    bbox: BBox { x0, y0, x1, y1 },
                    ..word(t)
                })
                .collect();
            Line {
                bbox: words
                    .iter()
                    .map(|w| w.bbox)
                    .reduce(|a, b| a.union(&b))
                    .unwrap_or_default(),
                words,
                ..line(&[])
            }
        };
        // A column whose word boxes overlap and whose narrow kana stand in.
        let column = boxed(&[
            ("変更", [100, 100, 150, 220]),
            ("し", [88, 190, 162, 215]),
            ("ます", [100, 230, 150, 340]),
        ]);
        assert!(column.is_column());
        assert!(boxed(&[("パスワード", [100, 100, 150, 400])]).is_column());
        // A column with a number in it.
        assert!(boxed(&[
            ("令和", [100, 100, 150, 220]),
            ("6", [110, 225, 140, 260]),
            ("年", [100, 265, 150, 320])
        ])
        .is_column());
        // A horizontal line; one tall Latin word; one tall character; an
        // upright Latin line whose second word sits low (a digit and a
        // full stop).
        assert!(!boxed(&[("1", [0, 0, 10, 40]), (".", [14, 34, 18, 40])]).is_column());
        assert!(
            !boxed(&[("吾輩", [100, 100, 220, 150]), ("は", [230, 100, 280, 150])]).is_column()
        );
        assert!(!boxed(&[("Il", [100, 100, 110, 140])]).is_column());
        assert!(!boxed(&[("吾", [100, 100, 110, 140])]).is_column());
    }
}
