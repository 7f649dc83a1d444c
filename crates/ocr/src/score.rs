//! Accuracy scoring (CER, WER, bag-of-words error) with exactly the
//! normalisation of the project's reference scorer `tools/ocr-score`, and an
//! evaluation run over a ground-truth folder.

use crate::driver::Recognizer;
use crate::lang::{tesseract_code, Languages};
use crate::settings::Settings;
use crate::{OcrError, PageResult};
use ocrloom_raster::PageInfo;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Python's `\s` (what the reference scorer folds): Unicode whitespace plus
/// the ASCII information separators that `str.split` also splits on.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `\w` for `str` patterns.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Normalises a text as the reference scorer does for set `set`: NFC;
/// for `old-books` hypotheses, a hyphen (or soft hyphen) at a line end
/// between word characters is removed with the line break; whitespace runs
/// become one space, trimmed; `sroie` is upper-cased.
pub fn normalize(text: &str, set: &str, is_hyp: bool) -> String {
    let mut chars: Vec<char> = text.nfc().collect();
    if set == "old-books" && is_hyp {
        chars = join_hyphens(&chars);
    }
    let mut out = String::with_capacity(chars.len());
    let mut pending_space = false;
    for c in chars {
        if is_space(c) {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    if set == "sroie" {
        out = out.to_uppercase();
    }
    out
}

/// `re.sub(r"(\w)[-\u00ad]\s*\n\s*(\w)", r"\1\2", text)`: left to right,
/// non-overlapping (a word character used as the second group of one match
/// cannot be the first group of the next).
fn join_hyphens(s: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if is_word(s[i]) && i + 1 < s.len() && (s[i + 1] == '-' || s[i + 1] == '\u{ad}') {
            // Whitespace run after the hyphen must hold a newline and be
            // followed by a word character.
            let mut j = i + 2;
            let mut newline = false;
            while j < s.len() && is_space(s[j]) {
                newline |= s[j] == '\n';
                j += 1;
            }
            if newline && j < s.len() && is_word(s[j]) {
                out.push(s[i]);
                out.push(s[j]);
                i = j + 1;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Levenshtein distance between two sequences (unit costs).
pub fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            let v = if ca == cb {
                diag
            } else {
                1 + diag.min(up).min(row[j])
            };
            diag = up;
            row[j + 1] = v;
        }
    }
    row[b.len()]
}

/// Replaces each `~` of the reference by the hypothesis character aligned to
/// it by a substitution in a minimal edit script (UNLV convention: `~` is
/// any character), as the reference scorer does with rapidfuzz's editops.
pub fn unlv_mask(reference: &[char], hyp: &[char]) -> Vec<char> {
    if !reference.contains(&'~') {
        return reference.to_vec();
    }
    let (n, m) = (reference.len(), hyp.len());
    let w = m + 1;
    let mut d = vec![0u32; (n + 1) * w];
    for (j, cell) in d.iter_mut().take(m + 1).enumerate() {
        *cell = j as u32;
    }
    for i in 1..=n {
        d[i * w] = i as u32;
        for j in 1..=m {
            let sub = d[(i - 1) * w + j - 1] + u32::from(reference[i - 1] != hyp[j - 1]);
            let del = d[(i - 1) * w + j] + 1;
            let ins = d[i * w + j - 1] + 1;
            d[i * w + j] = sub.min(del).min(ins);
        }
    }
    // Walk back from the end preferring deletion, then insertion, then the
    // diagonal: the order rapidfuzz's alignment recovery uses.
    let mut out = reference.to_vec();
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let cur = d[i * w + j];
        if d[(i - 1) * w + j] + 1 == cur {
            i -= 1;
        } else if d[i * w + j - 1] + 1 == cur {
            j -= 1;
        } else {
            if reference[i - 1] != hyp[j - 1] && reference[i - 1] == '~' {
                out[i - 1] = hyp[j - 1];
            }
            i -= 1;
            j -= 1;
        }
    }
    out
}

/// Error counts of one page or a sum of pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Pages counted.
    pub pages: usize,
    /// Pages without a hypothesis (scored as empty).
    pub missing: usize,
    /// Character edit distance.
    pub char_errors: usize,
    /// Reference characters.
    pub chars: usize,
    /// Word edit distance.
    pub word_errors: usize,
    /// Reference words.
    pub words: usize,
    /// Reference words (as a multiset) the hypothesis lacks.
    pub words_missed: usize,
}

impl Counts {
    /// Adds another count (micro-averaging).
    pub fn add(&mut self, o: &Counts) {
        self.pages += o.pages;
        self.missing += o.missing;
        self.char_errors += o.char_errors;
        self.chars += o.chars;
        self.word_errors += o.word_errors;
        self.words += o.words;
        self.words_missed += o.words_missed;
    }

    /// Character error rate in percent.
    pub fn cer(&self) -> f64 {
        100.0 * self.char_errors as f64 / self.chars.max(1) as f64
    }

    /// Word error rate in percent.
    pub fn wer(&self) -> f64 {
        100.0 * self.word_errors as f64 / self.words.max(1) as f64
    }

    /// Bag-of-words error in percent (order-independent).
    pub fn bow(&self) -> f64 {
        100.0 * self.words_missed as f64 / self.words.max(1) as f64
    }
}

/// Scores one page: `hyp` is `None` when there is no hypothesis.
pub fn score_page(gt: &str, hyp: Option<&str>, set: &str) -> Counts {
    let reference: Vec<char> = normalize(gt, set, false).chars().collect();
    let h: Vec<char> = normalize(hyp.unwrap_or(""), set, true).chars().collect();
    let reference = unlv_mask(&reference, &h);
    let rs: String = reference.iter().collect();
    let hs: String = h.iter().collect();
    let rw: Vec<&str> = rs.split(' ').filter(|w| !w.is_empty()).collect();
    let hw: Vec<&str> = hs.split(' ').filter(|w| !w.is_empty()).collect();
    let mut bag: HashMap<&str, isize> = HashMap::new();
    for w in &rw {
        *bag.entry(w).or_default() += 1;
    }
    for w in &hw {
        *bag.entry(w).or_default() -= 1;
    }
    Counts {
        pages: 1,
        missing: usize::from(hyp.is_none()),
        char_errors: levenshtein(&reference, &h),
        chars: reference.len(),
        word_errors: levenshtein(&rw, &hw),
        words: rw.len(),
        words_missed: bag.values().filter(|v| **v > 0).map(|v| *v as usize).sum(),
    }
}

/// One row of an evaluation: a set or the total (`set == "ALL"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Set name.
    pub set: String,
    /// Language used for the set.
    pub language: String,
    /// The summed counts.
    pub counts: Counts,
}

/// The result of [`eval`]: one row per set (sorted by name) and the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Per-set rows.
    pub sets: Vec<Row>,
    /// All pages together.
    pub total: Row,
    /// Wall time of the run in seconds.
    pub seconds: f64,
}

impl Report {
    /// The table as the reference scorer prints it.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:24} {:>5} {:>7} {:>7} {:>7} {:>7}\n",
            "set", "pages", "missing", "CER%", "WER%", "BoW%"
        );
        for r in self.sets.iter().chain(std::iter::once(&self.total)) {
            let c = &r.counts;
            s.push_str(&format!(
                "{:24} {:5} {:7} {:7.2} {:7.2} {:7.2}\n",
                r.set,
                c.pages,
                c.missing,
                c.cer(),
                c.wer(),
                c.bow()
            ));
        }
        s
    }
}

/// The language for a ground-truth set, from its name: the last
/// `-`-separated part that is a two-letter ISO 639-1 code (`ehri-typewritten-de`
/// -> `deu`, `fondue-es-print-19` -> `spa`), else `eng`. Multilingual sets
/// without such a part (`tesseract-test`) get `eng`.
pub fn set_language(set: &str) -> String {
    set.split('-')
        .rev()
        .filter(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        .map(tesseract_code)
        // An unknown two-letter part maps to itself: not a language.
        .find(|c| c.len() == 3 || c.contains('_'))
        .unwrap_or_else(|| "eng".to_string())
}

const IMAGE_EXTS: &[&str] = &["png", "jpg", "jpeg", "tif", "tiff", "bmp"];

/// One ground-truth page: set, name, image path and GT path.
#[derive(Debug, Clone)]
struct GtPage {
    set: String,
    name: String,
    image: Option<PathBuf>,
    gt: PathBuf,
}

fn list_gt(gt_dir: &Path) -> Result<Vec<GtPage>, OcrError> {
    let mut out = Vec::new();
    let sets = std::fs::read_dir(gt_dir).map_err(|e| OcrError::io(gt_dir, e))?;
    for set in sets.flatten() {
        if !set.path().is_dir() {
            continue;
        }
        let set_name = set.file_name().to_string_lossy().into_owned();
        let entries = std::fs::read_dir(set.path()).map_err(|e| OcrError::io(set.path(), e))?;
        for e in entries.flatten() {
            let fname = e.file_name().to_string_lossy().into_owned();
            let Some(name) = fname.strip_suffix(".gt.txt") else {
                continue;
            };
            let image = IMAGE_EXTS
                .iter()
                .map(|x| set.path().join(format!("{name}.{x}")))
                .find(|p| p.is_file());
            out.push(GtPage {
                set: set_name.clone(),
                name: name.to_string(),
                image,
                gt: e.path(),
            });
        }
    }
    out.sort_by(|a, b| (&a.set, &a.name).cmp(&(&b.set, &b.name)));
    Ok(out)
}

/// Recognizes every page of a ground-truth folder (`<set>/<name>.<image>`
/// beside `<name>.gt.txt`) with the set's language ([`set_language`]) and
/// the other `settings`, scores it, and when `out` is given writes the
/// hypotheses as `<out>/<set>/<name>.txt` (the layout `ocr-score` reads).
/// `text` makes a page's text from its result (the text output's, so that
/// what is scored is what users get; the input page gives its size).
///
/// A page that cannot be read or recognized is logged and scored as
/// missing, like the reference scorer does.
pub fn eval(
    recognizer: &Recognizer,
    gt_dir: &Path,
    settings: &Settings,
    out: Option<&Path>,
    text: &(dyn Fn(&PageInfo, &PageResult) -> String + Sync),
) -> Result<Report, OcrError> {
    let start = std::time::Instant::now();
    let pages = list_gt(gt_dir)?;
    let hyps: Vec<Option<String>> = recognizer.pool().install(|| {
        pages
            .par_iter()
            .map(|p| {
                let mut s = settings.clone();
                s.languages = Languages::Codes(vec![set_language(&p.set)]);
                let image = p.image.as_ref()?;
                let opened = ocrloom_raster::Document::open_path(image, &Default::default())
                    .and_then(|d| d.render(0, Default::default()));
                let page = match opened {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::warn!("{}: {e}", image.display());
                        return None;
                    }
                };
                let t = std::time::Instant::now();
                match recognizer.recognize_page(&page, &s) {
                    Ok(r) => {
                        tracing::info!("{}/{}: {:.2}s", p.set, p.name, t.elapsed().as_secs_f64());
                        Some(text(&page.info, &r))
                    }
                    Err(e) => {
                        tracing::warn!("{}: {e}", image.display());
                        None
                    }
                }
            })
            .collect()
    });
    let mut by_set: Vec<Row> = Vec::new();
    let mut total = Counts::default();
    for (p, hyp) in pages.iter().zip(&hyps) {
        if let (Some(out), Some(h)) = (out, hyp) {
            let dir = out.join(&p.set);
            std::fs::create_dir_all(&dir).map_err(|e| OcrError::io(&dir, e))?;
            let path = dir.join(format!("{}.txt", p.name));
            std::fs::write(&path, format!("{h}\n")).map_err(|e| OcrError::io(&path, e))?;
        }
        let gt = std::fs::read_to_string(&p.gt).map_err(|e| OcrError::io(&p.gt, e))?;
        let c = score_page(&gt, hyp.as_deref(), &p.set);
        total.add(&c);
        match by_set.iter_mut().find(|r| r.set == p.set) {
            Some(r) => r.counts.add(&c),
            None => by_set.push(Row {
                set: p.set.clone(),
                language: set_language(&p.set),
                counts: c,
            }),
        }
    }
    Ok(Report {
        sets: by_set,
        total: Row {
            set: "ALL".into(),
            language: String::new(),
            counts: total,
        },
        seconds: start.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_matches_reference() {
        assert_eq!(normalize("  a\n\n b\tc ", "x", true), "a b c");
        assert_eq!(normalize("ab", "sroie", false), "AB");
        assert_eq!(normalize("re-\njoice", "old-books", true), "rejoice");
        assert_eq!(normalize("re-\njoice", "old-books", false), "re- joice");
        // Non-overlapping like re.sub: the second hyphen stays.
        assert_eq!(normalize("a-\nb-\nc", "old-books", true), "ab- c");
        assert_eq!(normalize("e\u{301}", "x", false), "\u{e9}");
    }

    #[test]
    fn distances_and_wildcards() {
        let a: Vec<char> = "kitten".chars().collect();
        let b: Vec<char> = "sitting".chars().collect();
        assert_eq!(levenshtein(&a, &b), 3);
        let c = score_page("Caf~ noir", Some("Café noir"), "tesseract-test");
        assert_eq!(c.char_errors, 0);
        let c = score_page("a b c", Some("c b"), "x");
        assert_eq!((c.words, c.words_missed), (3, 1));
        assert_eq!(score_page("abc", None, "x").missing, 1);
    }

    #[test]
    fn set_languages() {
        assert_eq!(set_language("ehri-typewritten-de"), "deu");
        assert_eq!(set_language("fondue-es-print-19"), "spa");
        assert_eq!(set_language("fondue-mlt-art-de"), "deu");
        assert_eq!(set_language("tapuscorpus-fr"), "fra");
        assert_eq!(set_language("old-books"), "eng");
        assert_eq!(set_language("tesseract-test"), "eng");
        assert_eq!(set_language("sroie"), "eng");
    }
}
