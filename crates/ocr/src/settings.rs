//! How to prepare and recognize a page: [`Settings`] and [`Preprocess`].

use crate::lang::Languages;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The default [`Settings::page_timeout`]: far above what a page takes
/// (seconds, a minute for a huge dense one), so it only stops pathological
/// pages.
pub const DEFAULT_PAGE_TIMEOUT: Duration = Duration::from_secs(120);

/// How to prepare and recognize a page. `Default` is what the corpus
/// measurements chose (see `PREPROCESSING.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Language model(s), or automatic script detection.
    pub languages: Languages,
    /// Image preparation.
    pub preprocess: Preprocess,
    /// Longest time one page may take (preparation and recognition); past
    /// it the page fails with [`crate::OcrError::Timeout`] (code `timeout`).
    /// Checked between the steps and, inside Tesseract's recognition, after
    /// each word; layout analysis and orientation detection cannot be
    /// interrupted, so a page can overrun by their duration. `None`: no
    /// limit. Default [`DEFAULT_PAGE_TIMEOUT`]. In JSON:
    /// `page_timeout_secs`, a number of seconds or `null`.
    #[serde(rename = "page_timeout_secs", with = "opt_secs")]
    pub page_timeout: Option<Duration>,
    /// Keep every word the engine read as text, also those read from
    /// marks that are not text (stamps, handwriting, signatures, specks),
    /// which are otherwise flagged as [`crate::Word::noise`] and left out
    /// of the text outputs (see [`crate::noise`]), and read the page as
    /// Tesseract's layout analysis finds it: no furigana blanked out, no
    /// row read again where the analysis cut it short (both part of telling
    /// text from what is not). The output is then that of before these
    /// steps. Default `false`.
    pub keep_noise: bool,
    /// Also find each page's tables and figures on the page image, in the
    /// worker that recognized it ([`crate::structure`], into
    /// [`crate::PageResult::structure`]): the outputs that show them (text,
    /// DOCX, PPTX, XLSX, JSON) need them. Default `false`.
    pub structure: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            languages: Languages::default(),
            preprocess: Preprocess::default(),
            page_timeout: Some(DEFAULT_PAGE_TIMEOUT),
            keep_noise: false,
            structure: false,
        }
    }
}

/// `Option<Duration>` as a number of seconds (or `null`) in serde formats.
mod opt_secs {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        d.map(|d| d.as_secs_f64()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        match Option::<f64>::deserialize(d)? {
            None => Ok(None),
            Some(secs) => Duration::try_from_secs_f64(secs)
                .map(Some)
                .map_err(|e| D::Error::custom(format!("page_timeout_secs {secs}: {e}"))),
        }
    }
}

/// The preprocessing steps and their parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preprocess {
    /// Rescale pages so the measured glyph height is near
    /// `target_text_height` (enlarging small text, reducing oversampled pages).
    pub normalize_resolution: bool,
    /// Wanted median glyph height in pixels (measured by connected components).
    pub target_text_height: f32,
    /// Largest enlargement factor.
    pub max_upscale: f32,
    /// Pages whose glyphs are taller than this many times the target are
    /// reduced to `reduce_to` times the target (saves time); 0 disables.
    pub reduce_above: f32,
    /// See `reduce_above`.
    pub reduce_to: f32,
    /// Detect pages turned by 90/180/270 degrees (OSD) and turn them upright.
    pub orientation: bool,
    /// Check OSD's answer by recognizing a sample of the page as it is and
    /// turned, keeping the orientation that reads clearly best. Costs one to
    /// four small recognitions, only on pages OSD thinks are turned or is
    /// unsure about (confidence < 5); off, OSD's confidence alone decides.
    pub verify_orientation: bool,
    /// OSD orientation confidence at which a proposed turn is taken without
    /// a check (`verify_orientation` off), or when the check cannot decide
    /// because the sample reads badly both ways.
    pub min_orientation_confidence: f32,
    /// Recognize the page as it is first, and run orientation detection only
    /// when it does not read clearly (20 words or more, mean confidence 75 or
    /// more, on lines across the page): upright pages, nearly all of them,
    /// then pay nothing for orientation.
    pub read_first: bool,
    /// Level the text lines of a page skewed by `min_skew` degrees or more
    /// (up to 15), found from projection profiles, before reading it.
    pub deskew: bool,
    /// See `deskew`: 2 degrees. Levelling from a quarter degree also
    /// helps nearly level pages (corpus CER 4.24 -> 4.02) but levels most
    /// pages, and its second page image per worker raised the 12-page
    /// comparison's peak RSS by about 20 MB, past its 150 MiB budget.
    pub min_skew: f32,
}

impl Default for Preprocess {
    fn default() -> Self {
        Preprocess {
            normalize_resolution: true,
            target_text_height: 20.0,
            max_upscale: 4.0,
            reduce_above: 0.0,
            reduce_to: 2.0,
            orientation: true,
            verify_orientation: true,
            min_orientation_confidence: 10.0,
            read_first: true,
            deskew: true,
            min_skew: 2.0,
        }
    }
}

impl Preprocess {
    /// No preprocessing at all: the page goes to the engine as it came (as
    /// the Tesseract CLI would see it). Used for comparisons and benchmarks.
    pub fn none() -> Self {
        Preprocess {
            normalize_resolution: false,
            orientation: false,
            deskew: false,
            ..Preprocess::default()
        }
    }
}
