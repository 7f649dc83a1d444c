//! CTC greedy decoding of the recognition network's output.
//!
//! The network gives, for each of `steps` horizontal positions along the
//! line, a probability for each of `classes` classes: class 0 is the CTC
//! blank, class `i` the `i`-th entry of the character dictionary. Greedy
//! decoding takes the most likely class at each step, merges repeats of the
//! same class at neighbouring steps, and drops blanks.
//!
//! The dictionary holds some characters twice, in forms that are one
//! character to a reader (`¥` and the full-width `￥`, `(` and `（`): the
//! network shares its belief between them, so a character's probability
//! at a step is that of all its forms together.
//!
//! A line is decoded within a [`Charset`]: the network reads Chinese and
//! Japanese with one set of classes, and a page known to be Japanese is
//! read without the Chinese-only forms of its kanji.

use unicode_normalization::UnicodeNormalization;

/// The characters a line may be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// Every entry of the dictionary.
    All,
    /// Japanese: every entry but the Han ideographs outside the kanji
    /// Japanese is commonly written with: the JIS X 0208 character set
    /// with Windows' extensions of it (what Shift_JIS encodes), and the
    /// four common-use kanji of 2010 it lacks ([`JOYO_BEYOND_SHIFT_JIS`]).
    /// The network reads a Japanese kanji in its simplified or traditional
    /// Chinese form where the two look alike (`別` as `别`, `単` as `单`,
    /// `内` as `內`); the Japanese form is the likeliest character Japanese
    /// allows. Rarer kanji of names (`鷗`) are given up for that.
    Japanese,
}

/// The common-use (Jōyō) kanji of 2010 that Shift_JIS does not encode.
const JOYO_BEYOND_SHIFT_JIS: [char; 4] = ['\u{20B9F}', '塡', '剝', '頰'];

/// True for a Han ideograph: the unified ones with their extensions and
/// the compatibility ones. Wider than `result::is_kanji` (the blocks
/// running text uses, with `々`): here every ideograph the dictionary
/// may hold is to be checked.
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

/// Whether `entry` is in [`Charset::Japanese`].
fn in_japanese(entry: &str) -> bool {
    entry
        .chars()
        .all(|c| !is_han(c) || JOYO_BEYOND_SHIFT_JIS.contains(&c))
        || !encoding_rs::SHIFT_JIS.encode(entry).2
}

/// The recognition network's character dictionary: entry `i` is class
/// `i + 1`.
#[derive(Debug, Clone)]
pub(crate) struct Dictionary {
    entries: Vec<String>,
    /// For each class, the next class with the same NFKC form, in a cycle
    /// (a class alone points to itself); class 0, the blank, is alone.
    kin: Vec<u32>,
    /// For each class, whether [`Charset::Japanese`] allows it.
    japanese: Vec<bool>,
}

impl Dictionary {
    /// The dictionary of `entries`, its forms of one character linked.
    pub(crate) fn new(entries: Vec<String>) -> Self {
        let mut kin: Vec<u32> = (0..=entries.len() as u32).collect();
        // Each form's first and last class met so far.
        let mut ends: std::collections::HashMap<String, (u32, u32)> = Default::default();
        for (i, e) in entries.iter().enumerate() {
            let class = i as u32 + 1;
            let (head, last) = ends.entry(e.nfkc().collect()).or_insert((class, class));
            if *last != class {
                kin[*last as usize] = class;
                kin[class as usize] = *head;
                *last = class;
            }
        }
        let japanese = std::iter::once(true)
            .chain(entries.iter().map(|e| in_japanese(e)))
            .collect();
        Dictionary {
            entries,
            kin,
            japanese,
        }
    }

    /// How many entries it holds (classes less the blank).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `class` may be read within `charset` (the blank always may).
    fn allows(&self, charset: Charset, class: usize) -> bool {
        match charset {
            Charset::All => true,
            Charset::Japanese => self.japanese.get(class).copied().unwrap_or(true),
        }
    }

    /// The probability of `class` and its other forms in `row`.
    fn kin_prob(&self, row: &[f32], class: usize) -> f32 {
        let mut p = row[class];
        let mut at = self.kin[class] as usize;
        while at != class {
            p += row.get(at).copied().unwrap_or(0.0);
            at = self.kin[at] as usize;
        }
        p
    }

    /// True when classes `a` and `b` are forms of one character.
    fn same(&self, a: usize, b: usize) -> bool {
        let mut at = a;
        loop {
            if at == b {
                return true;
            }
            at = self.kin[at] as usize;
            if at == a {
                return false;
            }
        }
    }
}

/// One decoded character with where the network saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decoded {
    /// The dictionary entry (one character, or a space).
    pub text: String,
    /// The mean over the steps it covers of the probability of the class
    /// seen there and the class's other forms, 0..=1: its own class, unless
    /// a [`Charset`] put it in place of the one seen.
    pub prob: f32,
    /// The first step it was seen at.
    pub first: usize,
    /// The last step it was seen at (inclusive).
    pub last: usize,
}

/// Decodes `probs` (`steps` rows of `classes` probabilities, row-major)
/// with `dict` within `charset`: where the likeliest class at a step is a
/// character `charset` does not allow, the likeliest character it allows,
/// with the probability of the one seen. A class past the dictionary
/// decodes as nothing.
pub(crate) fn greedy(
    probs: &[f32],
    steps: usize,
    classes: usize,
    dict: &Dictionary,
    charset: Charset,
) -> Vec<Decoded> {
    let mut out: Vec<Decoded> = Vec::new();
    // The class seen at the step before, when a character was read there.
    let mut reading: Option<usize> = None;
    // Probability sum and step count of the character being read.
    let mut sum = 0.0f32;
    let mut n = 0usize;
    for (t, row) in probs.chunks_exact(classes.max(1)).take(steps).enumerate() {
        let likeliest = |allowed: &dyn Fn(usize) -> bool| {
            row.iter()
                .copied()
                .enumerate()
                .filter(|&(i, _)| allowed(i))
                .fold((0, f32::MIN), |a, (i, p)| if p > a.1 { (i, p) } else { a })
                .0
        };
        // A class past the dictionary counts as a blank.
        let seen = Some(likeliest(&|_| true))
            .filter(|&c| c <= dict.len())
            .unwrap_or(0);
        // A character the charset does not allow is the likeliest one it
        // does: the network saw a character there, in another form. Its
        // probability stays the network's for what it saw: the charset
        // chose the form, and a page's confidence should not fall because
        // the page's languages ruled one out.
        let p = dict.kin_prob(row, seen);
        let best = if dict.allows(charset, seen) {
            seen
        } else {
            likeliest(&|i| (1..=dict.len()).contains(&i) && dict.allows(charset, i))
        };
        // Repeats are those of what the network saw: a run of one seen
        // character is one character, whatever allowed class each of its
        // steps would have given (the first step's stays).
        if seen != 0 && reading.is_some_and(|r| dict.same(seen, r)) {
            if let Some(last) = out.last_mut() {
                last.last = t;
                sum += p;
                n += 1;
                last.prob = sum / n as f32;
            }
        } else if let Some(text) = best.checked_sub(1).and_then(|i| dict.entries.get(i)) {
            sum = p;
            n = 1;
            out.push(Decoded {
                text: text.clone(),
                prob: p,
                first: t,
                last: t,
            });
            reading = Some(seen);
        } else {
            reading = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dictionary of `entries`.
    fn dictionary(entries: &[&str]) -> Dictionary {
        Dictionary::new(entries.iter().map(|s| s.to_string()).collect())
    }

    /// One row of `classes` probabilities: the given ones, 0 elsewhere.
    fn row_of(classes: usize, ps: &[(usize, f32)]) -> Vec<f32> {
        let mut r = vec![0.0f32; classes];
        ps.iter().for_each(|&(c, p)| r[c] = p);
        r
    }

    /// One row of `classes` probabilities with `p` on class `c` and the
    /// rest shared out evenly.
    fn row(classes: usize, c: usize, p: f32) -> Vec<f32> {
        let rest = (1.0 - p) / (classes - 1) as f32;
        (0..classes)
            .map(|i| if i == c { p } else { rest })
            .collect()
    }

    #[test]
    fn merges_repeats_drops_blanks_and_keeps_doubled_letters() {
        let dict = dictionary(&["猫", "で", "あ", " "]);
        let classes = dict.len() + 1;
        // 猫 猫 _ で で _ _ あ _ あ (blank = class 0): 猫である with あ
        // twice because a blank separates the two.
        let seq = [
            (1, 0.9),
            (1, 0.7),
            (0, 0.99),
            (2, 0.8),
            (2, 0.6),
            (0, 0.9),
            (0, 0.9),
            (3, 0.95),
            (0, 0.9),
            (3, 0.5),
        ];
        let probs: Vec<f32> = seq.iter().flat_map(|&(c, p)| row(classes, c, p)).collect();
        let out = greedy(&probs, seq.len(), classes, &dict, Charset::All);
        let text: String = out.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(text, "猫でああ");
        assert_eq!(out.len(), 4);
        assert_eq!((out[0].first, out[0].last), (0, 1));
        assert!((out[0].prob - 0.8).abs() < 1e-6);
        assert_eq!((out[1].first, out[1].last), (3, 4));
        assert!((out[1].prob - 0.7).abs() < 1e-6);
        assert_eq!((out[2].first, out[2].last), (7, 7));
        assert_eq!((out[3].first, out[3].last), (9, 9));
        assert!((out[3].prob - 0.5).abs() < 1e-6);
    }

    #[test]
    fn all_blank_or_empty_gives_nothing() {
        let dict = Dictionary::new(vec!["a".to_string()]);
        let probs: Vec<f32> = (0..5).flat_map(|_| row(2, 0, 0.9)).collect();
        assert!(greedy(&probs, 5, 2, &dict, Charset::All).is_empty());
        assert!(greedy(&[], 0, 2, &dict, Charset::All).is_empty());
        // A class the dictionary does not have decodes as nothing.
        let probs: Vec<f32> = row(3, 2, 0.9);
        assert!(greedy(&probs, 1, 3, &dict, Charset::All).is_empty());
    }

    #[test]
    fn forms_of_one_character_share_their_probability() {
        // ¥ and ￥ are one character to a reader: 0.5 + 0.4 at a step is a
        // character read at 0.9, and ￥ after ¥ is a repeat, not a second
        // character; 円 stands alone.
        let dict = dictionary(&["¥", "円", "￥", "(", "（"]);
        let classes = dict.len() + 1;
        let step = |ps: &[(usize, f32)]| row_of(classes, ps);
        let probs: Vec<f32> = [
            step(&[(1, 0.5), (3, 0.4), (0, 0.1)]),
            step(&[(3, 0.5), (1, 0.3), (2, 0.2)]),
            step(&[(0, 0.9), (2, 0.1)]),
            step(&[(2, 0.6), (1, 0.3), (0, 0.1)]),
        ]
        .concat();
        let out = greedy(&probs, 4, classes, &dict, Charset::All);
        let text: Vec<&str> = out.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(text, ["¥", "円"]);
        assert!((out[0].prob - 0.85).abs() < 1e-6, "{}", out[0].prob);
        assert!((out[1].prob - 0.6).abs() < 1e-6, "{}", out[1].prob);
        assert!(dict.same(4, 5) && dict.same(5, 4) && !dict.same(1, 2));
    }

    #[test]
    fn japanese_takes_the_likeliest_kanji_japanese_is_written_with() {
        // 别 and 单 are simplified Chinese, 內 traditional: Japanese writes
        // 別, 単 and 内. Other characters (kana, Latin) are all allowed.
        let dict = dictionary(&["别", "別", "单", "単", "內", "内", "ş", "s"]);
        let classes = dict.len() + 1;
        let step = |ps: &[(usize, f32)]| row_of(classes, ps);
        let probs: Vec<f32> = [
            step(&[(1, 0.7), (2, 0.2), (0, 0.1)]),
            step(&[(0, 0.9), (1, 0.1)]),
            step(&[(3, 0.6), (4, 0.3), (0, 0.1)]),
            step(&[(0, 0.9), (1, 0.1)]),
            step(&[(5, 0.5), (6, 0.1), (0, 0.4)]),
            step(&[(0, 0.9), (1, 0.1)]),
            step(&[(7, 0.6), (8, 0.3), (0, 0.1)]),
        ]
        .concat();
        let text = |charset| -> String {
            greedy(&probs, 7, classes, &dict, charset)
                .iter()
                .map(|d| d.text.as_str())
                .collect()
        };
        assert_eq!(text(Charset::All), "别单內ş");
        // At 內's step the blank (0.4) is likelier than 内 (0.1), but the
        // network saw a character there: 内.
        assert_eq!(text(Charset::Japanese), "別単内ş");
        // Each with the probability of what the network saw (别 at 0.7).
        let out = greedy(&probs, 7, classes, &dict, Charset::Japanese);
        assert!((out[0].prob - 0.7).abs() < 1e-6, "{}", out[0].prob);
    }

    #[test]
    fn a_run_of_one_character_stays_one_character_in_any_charset() {
        // 别 seen at two steps whose likeliest allowed classes differ (別,
        // then 刖): one character, the first step's.
        let dict = dictionary(&["别", "別", "刖", "で"]);
        let classes = dict.len() + 1;
        let step = |ps: &[(usize, f32)]| row_of(classes, ps);
        let probs: Vec<f32> = [
            step(&[(1, 0.7), (2, 0.2), (0, 0.1)]),
            step(&[(1, 0.6), (3, 0.2), (2, 0.1), (0, 0.1)]),
            step(&[(0, 0.9), (4, 0.1)]),
            step(&[(4, 0.9), (0, 0.1)]),
        ]
        .concat();
        let out = greedy(&probs, 4, classes, &dict, Charset::Japanese);
        let text: Vec<&str> = out.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(text, ["別", "で"]);
        assert_eq!((out[0].first, out[0].last), (0, 1));
        assert!((out[0].prob - 0.65).abs() < 1e-6, "{}", out[0].prob);
        // No allowed character at all: nothing is read there.
        let dict = Dictionary::new(vec!["别".to_string()]);
        let probs = row_of(2, &[(1, 0.9), (0, 0.1)]);
        assert!(greedy(&probs, 1, 2, &dict, Charset::Japanese).is_empty());
    }

    #[test]
    fn the_common_use_kanji_shift_jis_lacks_are_japanese() {
        for c in ["剝", "頰", "塡", "\u{20B9F}", "別", "〒", "カ", "é"] {
            assert!(in_japanese(c), "{c}");
        }
        for c in ["别", "单", "內", "亍"] {
            assert!(!in_japanese(c), "{c}");
        }
    }
}
