//! The default engine: Tesseract, with PP-OCRv5 taking the horizontal pages
//! of Chinese and Japanese.
//!
//! Each recognizer reads best what the other reads worst (`docs/decisions.md`
//! has the figures): PP-OCRv5 makes several times fewer errors than
//! Tesseract on horizontal Chinese and Japanese lines, while Tesseract's
//! vertical models read columns that PP-OCRv5 loses small kana and
//! punctuation in. So for a page whose languages are all Chinese or
//! Japanese (English beside them is fine: PP-OCRv5's one network reads
//! Latin too), PP-OCRv5's detector looks at the page first; a page mostly in
//! columns goes to Tesseract with the vertical models added, any other is
//! read by PP-OCRv5 from the lines already found, unless it reads them with
//! a low confidence ([`MIN_CONFIDENCE`]: small degraded print, furigana
//! crowding the lines), when Tesseract reads the page. Every other page is
//! Tesseract's alone: ONNX Runtime and the networks are loaded at the first
//! Chinese or Japanese page, and where they are not installed such pages
//! are Tesseract's too (with a warning, once).

use crate::engine::Engine;
use crate::lang::{is_cjk, Languages, Tessdata};
use crate::ppocr::{gray_of, mostly_vertical, PpOcrEngine};
use crate::result::PageResult;
use crate::settings::Settings;
use crate::tess::Stop;
use crate::tesseract::TesseractEngine;
use crate::{CancelToken, OcrError};
use ocrloom_raster::Page;
use std::sync::OnceLock;

/// A page PP-OCRv5 reads with a lower mean confidence (its characters'
/// probabilities, %) is read by Tesseract instead. On the pages this was
/// set on (`../shared/corpus/ja`, 7 horizontal pages) PP-OCRv5 read every
/// page at 95.7 or more, and each better than Tesseract; below that there
/// is no evidence that it does (see `docs/decisions.md`).
const MIN_CONFIDENCE: f32 = 95.0;

/// What PP-OCRv5 made of a page.
enum Flat {
    /// Read, horizontal, with confidence.
    Read(PageResult),
    /// Mostly in columns: not read.
    Columns,
    /// Not installed, or read with too low a confidence.
    Unsure,
}

/// The codes of `languages` without the vertical models, `+`-joined: what a
/// page PP-OCRv5 read horizontally is in.
fn vertical_free(languages: &Languages) -> String {
    match languages {
        Languages::Codes(codes) => codes
            .iter()
            .filter(|c| !c.ends_with("_vert"))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("+"),
        Languages::Auto => String::new(),
    }
}

/// Tesseract for every page, except horizontal Chinese and Japanese pages,
/// which PP-OCRv5 reads (see the module documentation).
#[derive(Debug)]
pub struct CjkEngine {
    tesseract: TesseractEngine,
    ppocr: OnceLock<Option<PpOcrEngine>>,
}

impl CjkEngine {
    /// Tesseract, and PP-OCRv5 from where [`PpOcrEngine::new`] finds it
    /// (looked for at the first page that needs it).
    pub fn new(tesseract: TesseractEngine) -> Self {
        CjkEngine {
            tesseract,
            ppocr: OnceLock::new(),
        }
    }

    /// Tesseract and the given PP-OCRv5.
    pub fn with_ppocr(tesseract: TesseractEngine, ppocr: PpOcrEngine) -> Self {
        CjkEngine {
            tesseract,
            ppocr: OnceLock::from(Some(ppocr)),
        }
    }

    /// The Tesseract engine (its language data).
    pub fn tesseract(&self) -> &TesseractEngine {
        &self.tesseract
    }

    fn ppocr(&self) -> Option<&PpOcrEngine> {
        self.ppocr
            .get_or_init(|| match PpOcrEngine::new() {
                Ok(engine) => Some(engine),
                Err(e) => {
                    tracing::warn!("Chinese and Japanese pages are read by Tesseract alone: {e}");
                    None
                }
            })
            .as_ref()
    }

    /// The page read by PP-OCRv5, as text in `languages`, when it is
    /// installed, the page is not in columns and PP-OCRv5 is sure enough of
    /// it ([`MIN_CONFIDENCE`]).
    fn read_flat(
        &self,
        page: &Page,
        languages: &Languages,
        settings: &Settings,
        cancel: &CancelToken,
    ) -> Result<Flat, OcrError> {
        let Some(ppocr) = self.ppocr() else {
            return Ok(Flat::Unsure);
        };
        let stop = Stop::starting_now(cancel, settings.page_timeout);
        let gray = gray_of(page);
        let lines = ppocr.find_lines(&gray, &stop)?;
        if mostly_vertical(lines.iter().map(|l| &l.bbox)) {
            tracing::debug!(page = page.info.index, "columns: read by Tesseract");
            return Ok(Flat::Columns);
        }
        let result = ppocr.read_lines(page, &gray, lines, languages, &stop)?;
        if result.mean_confidence < MIN_CONFIDENCE {
            tracing::debug!(
                page = page.info.index,
                confidence = result.mean_confidence,
                "PP-OCRv5 unsure: read by Tesseract"
            );
            return Ok(Flat::Unsure);
        }
        Ok(Flat::Read(result))
    }
}

/// The Tesseract models for a page in columns when `languages` make the page
/// one for PP-OCRv5 to look at first (all Chinese or Japanese, English
/// allowed beside them); `None` for Tesseract alone.
fn vertical_models(tessdata: &Tessdata, languages: &Languages) -> Option<String> {
    let Languages::Codes(codes) = languages else {
        return None;
    };
    let cjk = |c: &String| is_cjk(c);
    if !codes.iter().all(|c| c == "eng" || cjk(c)) || !codes.iter().any(cjk) {
        return None;
    }
    let joined = codes.join("+");
    Some(tessdata.with_vertical(&joined).unwrap_or(joined))
}

impl Engine for CjkEngine {
    fn recognize_cancellable(
        &self,
        page: &Page,
        settings: &Settings,
        cancel: &CancelToken,
    ) -> Result<PageResult, OcrError> {
        let tessdata = self.tesseract.tessdata();
        if settings.languages == Languages::Auto {
            // The script is Tesseract's to find (OSD); a page it reads as
            // horizontal Chinese or Japanese is read again by PP-OCRv5, and
            // Tesseract's reading stays where PP-OCRv5 is not wanted.
            let first = self
                .tesseract
                .recognize_cancellable(page, settings, cancel)?;
            let found = Languages::Codes(first.language.split('+').map(String::from).collect());
            if first.language.contains("_vert") || vertical_models(tessdata, &found).is_none() {
                return Ok(first);
            }
            return Ok(match self.read_flat(page, &found, settings, cancel)? {
                Flat::Read(mut result) => {
                    result.language = first.language;
                    result
                }
                Flat::Columns | Flat::Unsure => first,
            });
        }
        let Some(vertical) = vertical_models(tessdata, &settings.languages) else {
            return self.tesseract.recognize_cancellable(page, settings, cancel);
        };
        match self.read_flat(page, &settings.languages, settings, cancel)? {
            Flat::Read(mut result) => {
                result.language = vertical_free(&settings.languages);
                Ok(result)
            }
            // Columns: straight to the vertical models (Tesseract would
            // read the page flat first to find out).
            Flat::Columns => {
                let settings = Settings {
                    languages: Languages::Codes(vertical.split('+').map(String::from).collect()),
                    ..settings.clone()
                };
                self.tesseract
                    .recognize_cancellable(page, &settings, cancel)
            }
            Flat::Unsure => self.tesseract.recognize_cancellable(page, settings, cancel),
        }
    }

    fn name(&self) -> &str {
        "tesseract+ppocrv5"
    }

    fn tessdata(&self) -> Option<&Tessdata> {
        Some(self.tesseract.tessdata())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn only_chinese_and_japanese_pages_go_to_ppocr_first() {
        let t = Tessdata {
            dir: PathBuf::new(),
            languages: ["chi_sim", "eng", "jpn", "jpn_vert", "deu"]
                .map(String::from)
                .to_vec(),
            has_osd: true,
        };
        let codes = |c: &[&str]| Languages::Codes(c.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            vertical_models(&t, &codes(&["jpn"])).as_deref(),
            Some("jpn+jpn_vert")
        );
        assert_eq!(
            vertical_models(&t, &codes(&["jpn", "eng"])).as_deref(),
            Some("jpn+jpn_vert+eng")
        );
        // No vertical model installed: the page still goes to PP-OCRv5
        // first, and columns to Tesseract with what there is.
        assert_eq!(
            vertical_models(&t, &codes(&["chi_sim"])).as_deref(),
            Some("chi_sim")
        );
        assert_eq!(vertical_models(&t, &codes(&["eng"])), None);
        assert_eq!(vertical_models(&t, &codes(&["jpn", "deu"])), None);
        assert_eq!(vertical_models(&t, &Languages::Auto), None);
    }
}
