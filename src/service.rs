//! The real [`Converter`] behind the job manager: the pipeline, with the
//! engines list built from what is installed. Two engines: the default
//! ([`ENGINE_ID`]: Tesseract, with PP-OCRv5 reading horizontal Chinese and
//! Japanese pages) and, where PP-OCRv5 is installed, PP-OCRv5 alone
//! ([`PPOCR_ENGINE_ID`]), on the same threads.

use crate::jobs::{
    self, CancelFlag, ConvertError, ConvertOutcome, ConvertRequest, Converter, ErrorCode, Mapping,
};
use crate::ocr::{ppocr_library, ppocr_models, CancelToken, Languages, PpOcrEngine};
use crate::writers::OutputFormat;
use crate::{Error, Options, Pipeline};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The id of ocrloom's default engine in the engines list: Tesseract, with
/// PP-OCRv5 reading horizontal Chinese and Japanese pages where it is
/// installed.
pub const ENGINE_ID: &str = "ocrloom/tesseract";

/// The id of PP-OCRv5 alone in the engines list (listed where it is
/// installed): one network for Chinese, Japanese and English, whatever
/// languages the job names.
pub const PPOCR_ENGINE_ID: &str = "ocrloom/ppocr";

/// The languages PP-OCRv5's one network reads, as the engines list shows
/// them.
const PPOCR_LANGUAGES: [&str; 4] = ["chi_sim", "chi_tra", "jpn", "eng"];

/// The pipeline as the job manager's converter.
pub struct OcrConverter {
    pipeline: Pipeline,
    /// Whether PP-OCRv5 (ONNX Runtime and the models) is installed.
    has_ppocr: bool,
    /// PP-OCRv5 alone on the pipeline's threads, made at the first job
    /// that asks for it.
    ppocr: OnceLock<Result<Pipeline, String>>,
    options: Options,
}

impl OcrConverter {
    /// A converter running `pipeline` with `options` (languages come from
    /// each job), and PP-OCRv5 alone on the same threads where it is
    /// installed.
    pub fn new(pipeline: Pipeline, options: Options) -> Self {
        OcrConverter {
            pipeline,
            has_ppocr: ppocr_library().is_some() && ppocr_models().is_some(),
            ppocr: OnceLock::new(),
            options,
        }
    }

    /// The pipeline of the job's engine.
    fn pipeline_of(&self, job: &ConvertRequest) -> Result<&Pipeline, ConvertError> {
        if job.engine != PPOCR_ENGINE_ID {
            return Ok(&self.pipeline);
        }
        self.ppocr
            .get_or_init(|| {
                PpOcrEngine::new()
                    .map(|engine| self.pipeline.with_engine(Arc::new(engine)))
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| {
                tracing::error!(job = %job.job_id, "PP-OCRv5: {e}");
                ConvertError::new(ErrorCode::Internal, "PP-OCRv5 could not be loaded")
            })
    }

    fn conversions() -> Vec<jobs::Conversion> {
        crate::detect::Format::ALL
            .iter()
            .flat_map(|from| {
                OutputFormat::ALL
                    .iter()
                    .map(move |to| jobs::Conversion::new(from.name(), to.name()))
            })
            .collect()
    }
}

impl Converter for OcrConverter {
    fn engines(&self) -> Vec<jobs::Engine> {
        let mut languages: Vec<jobs::Language> = Vec::new();
        if let Some(tessdata) = self.pipeline.tessdata() {
            if tessdata.has_osd {
                languages.push(jobs::Language::new("Auto", "Automatic (script detection)"));
            }
            for code in &tessdata.languages {
                languages.push(jobs::Language::new(code, display_name(code)));
            }
        }
        let mut engines = vec![jobs::Engine {
            id: ENGINE_ID.into(),
            provider: "ocrloom".into(),
            display_name: "ocrloom (Tesseract)".into(),
            description: "Local OCR with Tesseract (PP-OCRv5 for horizontal Chinese and Japanese pages where installed): searchable PDF, text, hOCR, ALTO, JSON, DOCX, XLSX and PPTX from PDF, TIFF, JPEG, PNG and BMP"
                .into(),
            supported_conversions: Self::conversions(),
            supported_languages: languages,
        }];
        if self.has_ppocr {
            let mut languages = vec![jobs::Language::new(
                "Auto",
                "Automatic (one network reads them all)",
            )];
            languages.extend(
                PPOCR_LANGUAGES
                    .iter()
                    .map(|&code| jobs::Language::new(code, display_name(code))),
            );
            engines.push(jobs::Engine {
                id: PPOCR_ENGINE_ID.into(),
                provider: "ocrloom".into(),
                display_name: "ocrloom (PP-OCRv5)".into(),
                description: "Local OCR with PP-OCRv5 alone (ONNX Runtime): one network for Chinese, Japanese and English, the same outputs"
                    .into(),
                supported_conversions: Self::conversions(),
                supported_languages: languages,
            });
        }
        engines
    }

    fn convert(
        &self,
        job: &ConvertRequest,
        input: &Path,
        output: &Path,
        progress: &(dyn Fn(u32, u32) + Sync),
        cancel: &CancelFlag,
    ) -> Result<ConvertOutcome, ConvertError> {
        let format = OutputFormat::from_name(&job.output_format).ok_or_else(|| {
            ConvertError::new(ErrorCode::UnsupportedConversion, "unknown output format")
        })?;
        let pipeline = self.pipeline_of(job)?;
        let mut options = self.options.clone();
        if !job.languages.is_empty() {
            options.settings.languages =
                if job.languages.iter().any(|l| l.eq_ignore_ascii_case("auto")) {
                    Languages::Auto
                } else {
                    Languages::from_list(&job.languages)
                };
        }
        let bytes = std::fs::read(input).map_err(|e| {
            tracing::error!(job = %job.job_id, "reading the input: {e}");
            ConvertError::new(ErrorCode::Internal, "the input file could not be read")
        })?;
        // The manager's flag (shutdown, job timeout) stops the OCR between
        // pages and mid-page, at Tesseract's next word.
        let token = {
            let cancel = cancel.clone();
            CancelToken::linked(move || cancel.is_cancelled())
        };
        let on_page = |p: crate::ocr::Progress| {
            let total = p.total.unwrap_or(p.done) as u32;
            progress(p.done as u32, total);
        };
        let file =
            std::fs::File::create(output).map_err(|e| internal(job, "creating the output", &e))?;
        let mut out = std::io::BufWriter::new(file);
        let pages = pipeline
            .convert(bytes, format, &options, &token, on_page, &mut out)
            .map_err(|e| failure(job, &e))?;
        std::io::Write::flush(&mut out).map_err(|e| internal(job, "writing the output", &e))?;
        Ok(ConvertOutcome {
            input_pages: u32::try_from(pages).unwrap_or(u32::MAX),
        })
    }
}

fn internal(job: &ConvertRequest, what: &str, e: &dyn std::fmt::Display) -> ConvertError {
    tracing::error!(job = %job.job_id, "{what}: {e}");
    ConvertError::new(ErrorCode::Internal, "the output could not be written")
}

/// A pipeline error as the job failure clients see ([`Mapping::of`] its
/// kind); internal failures are described in the log only.
fn failure(job: &ConvertRequest, e: &Error) -> ConvertError {
    let code = Mapping::of(e.kind()).code;
    if code == ErrorCode::Internal {
        tracing::error!(job = %job.job_id, "conversion failed: {e}");
        return ConvertError::new(code, "internal error while converting the document");
    }
    ConvertError::new(code, e.to_string())
}

/// English names of Tesseract's language models, for client menus.
pub fn display_name(code: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("afr", "Afrikaans"),
        ("ara", "Arabic"),
        ("bul", "Bulgarian"),
        ("cat", "Catalan"),
        ("ces", "Czech"),
        ("chi_sim", "Chinese (Simplified)"),
        ("chi_sim_vert", "Chinese (Simplified, vertical)"),
        ("chi_tra", "Chinese (Traditional)"),
        ("chi_tra_vert", "Chinese (Traditional, vertical)"),
        ("dan", "Danish"),
        ("deu", "German"),
        ("ell", "Greek"),
        ("eng", "English"),
        ("est", "Estonian"),
        ("fin", "Finnish"),
        ("fra", "French"),
        ("heb", "Hebrew"),
        ("hin", "Hindi"),
        ("hrv", "Croatian"),
        ("hun", "Hungarian"),
        ("ind", "Indonesian"),
        ("ita", "Italian"),
        ("jpn", "Japanese"),
        ("jpn_vert", "Japanese (vertical)"),
        ("kor", "Korean"),
        ("lat", "Latin"),
        ("lav", "Latvian"),
        ("lit", "Lithuanian"),
        ("nld", "Dutch"),
        ("nor", "Norwegian"),
        ("pol", "Polish"),
        ("por", "Portuguese"),
        ("ron", "Romanian"),
        ("rus", "Russian"),
        ("slk", "Slovak"),
        ("slv", "Slovenian"),
        ("spa", "Spanish"),
        ("srp", "Serbian"),
        ("swe", "Swedish"),
        ("tha", "Thai"),
        ("tur", "Turkish"),
        ("ukr", "Ukrainian"),
        ("vie", "Vietnamese"),
    ];
    NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, name)| (*name).to_string())
}
