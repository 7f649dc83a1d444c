//! Language selection: Tesseract codes, ISO 639-1 aliases, several at once,
//! or automatic detection of the script.

use crate::OcrError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which language models to recognize with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Languages {
    /// Detect the script of each page with OSD and pick an installed model
    /// for it (Latin script -> `eng`).
    Auto,
    /// These Tesseract models, in priority order (Tesseract codes, already
    /// resolved from aliases).
    Codes(Vec<String>),
}

impl Default for Languages {
    fn default() -> Self {
        Languages::Codes(vec!["eng".to_string()])
    }
}

/// Tesseract's Chinese and Japanese models: PP-OCRv5 reads these scripts
/// as well, and Tesseract reads them a character a word.
const CJK: [&str; 6] = [
    "jpn",
    "jpn_vert",
    "chi_sim",
    "chi_sim_vert",
    "chi_tra",
    "chi_tra_vert",
];

/// True for one of Tesseract's Chinese or Japanese models ([`CJK`]).
pub(crate) fn is_cjk(code: &str) -> bool {
    CJK.contains(&code)
}

/// True for one of Tesseract's Japanese models (`jpn`, `jpn_vert`).
pub(crate) fn is_japanese(code: &str) -> bool {
    is_cjk(code) && code.starts_with("jpn")
}

/// True for one of Tesseract's Chinese models (`chi_sim`, `chi_tra`, and
/// their vertical ones).
pub(crate) fn is_chinese(code: &str) -> bool {
    is_cjk(code) && code.starts_with("chi_")
}

/// ISO 639-1 codes (and a few common English names) of the languages
/// Tesseract ships models for, mapped to Tesseract's own codes.
const ALIASES: &[(&str, &str)] = &[
    ("en", "eng"),
    ("english", "eng"),
    ("de", "deu"),
    ("german", "deu"),
    ("ger", "deu"),
    ("fr", "fra"),
    ("french", "fra"),
    ("fre", "fra"),
    ("es", "spa"),
    ("spanish", "spa"),
    ("it", "ita"),
    ("italian", "ita"),
    ("pt", "por"),
    ("portuguese", "por"),
    ("nl", "nld"),
    ("dutch", "nld"),
    ("dut", "nld"),
    ("sv", "swe"),
    ("da", "dan"),
    ("no", "nor"),
    ("nb", "nor"),
    ("fi", "fin"),
    ("pl", "pol"),
    ("cs", "ces"),
    ("cze", "ces"),
    ("sk", "slk"),
    ("hu", "hun"),
    ("ro", "ron"),
    ("rum", "ron"),
    ("hr", "hrv"),
    ("sl", "slv"),
    ("et", "est"),
    ("lv", "lav"),
    ("lt", "lit"),
    ("tr", "tur"),
    ("el", "ell"),
    ("gre", "ell"),
    ("ru", "rus"),
    ("uk", "ukr"),
    ("bg", "bul"),
    ("sr", "srp"),
    ("ca", "cat"),
    ("eu", "eus"),
    ("gl", "glg"),
    ("la", "lat"),
    ("ga", "gle"),
    ("cy", "cym"),
    ("is", "isl"),
    ("mt", "mlt"),
    ("ar", "ara"),
    ("he", "heb"),
    ("fa", "fas"),
    ("hi", "hin"),
    ("bn", "ben"),
    ("ta", "tam"),
    ("th", "tha"),
    ("vi", "vie"),
    ("id", "ind"),
    ("ms", "msa"),
    ("ja", "jpn"),
    ("ko", "kor"),
    ("zh", "chi_sim"),
    ("zh-cn", "chi_sim"),
    ("zh-hans", "chi_sim"),
    ("zh-tw", "chi_tra"),
    ("zh-hant", "chi_tra"),
];

/// The installed model to use for a script that OSD reports, in order of
/// preference. Scripts whose model is missing fall back to `eng`.
const SCRIPT_MODELS: &[(&str, &[&str])] = &[
    ("Latin", &["eng"]),
    ("Cyrillic", &["rus", "ukr", "bul", "srp"]),
    ("Greek", &["ell"]),
    ("Arabic", &["ara", "fas"]),
    ("Hebrew", &["heb"]),
    ("Devanagari", &["hin"]),
    ("Bengali", &["ben"]),
    ("Tamil", &["tam"]),
    ("Thai", &["tha"]),
    // Japanese first: kanji-heavy Japanese pages are reported as Han; the
    // engine reads a Han page as Chinese when no kana come back.
    ("Han", &["jpn", "chi_sim", "chi_tra"]),
    ("Japanese", &["jpn"]),
    ("Katakana", &["jpn"]),
    ("Hiragana", &["jpn"]),
    ("Hangul", &["kor"]),
    ("Korean", &["kor"]),
];

/// Maps one language name to a Tesseract code: an alias is translated,
/// anything else is taken as a Tesseract code (lower-cased).
pub fn tesseract_code(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, code)| (*code).to_string())
        .unwrap_or_else(|| {
            // Tesseract codes such as `chi_sim` keep their case-insensitive form.
            lower
        })
}

impl Languages {
    /// Parses a user's language spec: `auto`, one name (`eng`, `en`), or
    /// several joined by `+` or `,` (`eng+deu`, `en,de`).
    ///
    /// Names are translated but not checked; [`Languages::resolve`] checks
    /// them against the installed models.
    pub fn parse(spec: &str) -> Languages {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("auto") {
            return Languages::Auto;
        }
        Languages::from_list(spec.split(['+', ',']))
    }

    /// Builds a list from separate names (each may be an alias).
    pub fn from_list<I, S>(names: I) -> Languages
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut codes: Vec<String> = Vec::new();
        for n in names {
            if n.as_ref().trim().is_empty() {
                continue;
            }
            let code = tesseract_code(n.as_ref());
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        Languages::Codes(codes)
    }

    /// Checks every code against the models installed in `tessdata` and
    /// returns the `+`-joined Tesseract language string.
    ///
    /// [`Languages::Auto`] resolves to `None`: the engine picks a language
    /// per page.
    pub fn resolve(&self, tessdata: &Tessdata) -> Result<Option<String>, OcrError> {
        match self {
            Languages::Auto => Ok(None),
            Languages::Codes(codes) => {
                if codes.is_empty() {
                    return Err(tessdata.unsupported(""));
                }
                for c in codes {
                    // `osd` is not a recognition model; refuse it here so the
                    // error names the problem rather than Tesseract failing.
                    if c == "osd" || !tessdata.has(c) {
                        return Err(tessdata.unsupported(c));
                    }
                }
                Ok(Some(codes.join("+")))
            }
        }
    }
}

impl std::fmt::Display for Languages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Languages::Auto => f.write_str("auto"),
            Languages::Codes(c) => f.write_str(&c.join("+")),
        }
    }
}

/// The tessdata directory and the language models found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tessdata {
    /// The directory holding `*.traineddata`.
    pub dir: PathBuf,
    /// Installed recognition models (Tesseract codes, sorted; `osd` excluded).
    pub languages: Vec<String>,
    /// Whether `osd.traineddata` (orientation and script detection) is present.
    pub has_osd: bool,
}

/// Where Debian/Ubuntu install Tesseract 5 models.
pub const DEFAULT_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

impl Tessdata {
    /// Finds the tessdata directory: `TESSDATA_PREFIX` (the directory itself
    /// or its parent holding `tessdata/`), else [`DEFAULT_TESSDATA`]; and
    /// lists the models in it.
    pub fn discover() -> Result<Tessdata, OcrError> {
        let dir = match std::env::var_os("TESSDATA_PREFIX") {
            Some(p) if !p.is_empty() => {
                let p = PathBuf::from(p);
                // Tesseract accepts both layouts; mirror it.
                if p.join("tessdata").is_dir() && !has_models(&p) {
                    p.join("tessdata")
                } else {
                    p
                }
            }
            _ => PathBuf::from(DEFAULT_TESSDATA),
        };
        Tessdata::at(dir)
    }

    /// Lists the models in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Result<Tessdata, OcrError> {
        let dir = dir.into();
        let entries = std::fs::read_dir(&dir).map_err(|e| OcrError::io(&dir, e))?;
        let mut languages = Vec::new();
        let mut has_osd = false;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(code) = name.strip_suffix(".traineddata") {
                if code == "osd" {
                    has_osd = true;
                } else {
                    languages.push(code.to_string());
                }
            }
        }
        languages.sort();
        Ok(Tessdata {
            dir,
            languages,
            has_osd,
        })
    }

    /// Whether the model `code` is installed.
    pub fn has(&self, code: &str) -> bool {
        self.languages.iter().any(|l| l == code)
    }

    /// The installed model for a script name as OSD reports it (`Latin`,
    /// `Cyrillic`, `Han`, ...); `eng` (or the first installed model) when
    /// none fits.
    pub fn model_for_script(&self, script: &str) -> Option<String> {
        SCRIPT_MODELS
            .iter()
            .filter(|(s, _)| s.eq_ignore_ascii_case(script))
            .flat_map(|(_, models)| models.iter())
            .find(|m| self.has(m))
            .map(|m| (*m).to_string())
            .or_else(|| self.has("eng").then(|| "eng".to_string()))
            .or_else(|| self.languages.first().cloned())
    }

    /// The installed Chinese model (simplified before traditional), for a
    /// Han page that turned out not to be Japanese.
    pub fn chinese_model(&self) -> Option<String> {
        ["chi_sim", "chi_tra"]
            .into_iter()
            .find(|m| self.has(m))
            .map(str::to_string)
    }

    /// `lang` (a `+`-joined model list) with the vertical model of each of
    /// its models added after it, where one is installed (`jpn` ->
    /// `jpn+jpn_vert`); `None` when none is to be added.
    pub fn with_vertical(&self, lang: &str) -> Option<String> {
        let codes: Vec<&str> = lang.split('+').collect();
        let mut out: Vec<String> = Vec::new();
        let mut added = false;
        for c in &codes {
            out.push((*c).to_string());
            let vert = format!("{c}_vert");
            if !c.ends_with("_vert") && !codes.contains(&vert.as_str()) && self.has(&vert) {
                out.push(vert);
                added = true;
            }
        }
        added.then(|| out.join("+"))
    }

    fn unsupported(&self, requested: &str) -> OcrError {
        OcrError::UnsupportedLanguage {
            requested: requested.to_string(),
            installed: self.languages.clone(),
        }
    }
}

fn has_models(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".traineddata"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_lists() {
        assert_eq!(Languages::parse("en"), Languages::Codes(vec!["eng".into()]));
        assert_eq!(
            Languages::parse("eng+de, fr"),
            Languages::Codes(vec!["eng".into(), "deu".into(), "fra".into()])
        );
        assert_eq!(Languages::parse("AUTO"), Languages::Auto);
        assert_eq!(tesseract_code("zh-TW"), "chi_tra");
        assert_eq!(Languages::parse("en+eng").to_string(), "eng");
    }

    fn tessdata(models: &[&str]) -> Tessdata {
        Tessdata {
            dir: PathBuf::new(),
            languages: models.iter().map(|m| m.to_string()).collect(),
            has_osd: true,
        }
    }

    #[test]
    fn vertical_models_are_added_where_installed() {
        let t = tessdata(&["chi_tra", "chi_tra_vert", "eng", "jpn", "jpn_vert"]);
        assert_eq!(t.with_vertical("jpn").as_deref(), Some("jpn+jpn_vert"));
        assert_eq!(
            t.with_vertical("jpn+eng+chi_tra").as_deref(),
            Some("jpn+jpn_vert+eng+chi_tra+chi_tra_vert")
        );
        assert_eq!(t.with_vertical("jpn+jpn_vert"), None);
        assert_eq!(t.with_vertical("eng"), None);
        assert_eq!(tessdata(&["jpn"]).with_vertical("jpn"), None);
    }

    #[test]
    fn han_pages_try_japanese_then_chinese() {
        let t = tessdata(&["chi_sim", "chi_tra", "eng", "jpn"]);
        assert_eq!(t.model_for_script("Han").as_deref(), Some("jpn"));
        assert_eq!(t.chinese_model().as_deref(), Some("chi_sim"));
        let t = tessdata(&["chi_tra", "eng"]);
        assert_eq!(t.model_for_script("Han").as_deref(), Some("chi_tra"));
        assert_eq!(t.chinese_model().as_deref(), Some("chi_tra"));
        assert_eq!(
            tessdata(&["eng"]).model_for_script("Han").as_deref(),
            Some("eng")
        );
    }
}
