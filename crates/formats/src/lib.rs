//! The output format registry: every output format ocrloom writes is
//! defined here once, with its name (as the CLI's `--format` and the API's
//! `output_format` spell it), its file extension and its media type.
//!
//! The CLI's extension mapping, the job manager's output names and content
//! types, the engines' `supported_conversions` and the writers' dispatch all
//! come from [`OutputFormat`]. Adding a format is one variant and its
//! [`Spec`] here (the `match` in [`OutputFormat::spec`] will not compile
//! without it) plus its writer in `ocrloom-writers`.
//!
//! ```
//! use ocrloom_formats::OutputFormat;
//!
//! let txt = OutputFormat::from_name("text").unwrap();
//! assert_eq!(txt.extension(), "txt");
//! assert_eq!(OutputFormat::from_extension("XML"), Some(OutputFormat::Alto));
//! assert_eq!(OutputFormat::Alto.extension(), "xml");
//! ```

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Searchable PDF (the input with an invisible text layer).
    Pdf,
    /// Plain UTF-8 text, pages separated by a form feed.
    Txt,
    /// hOCR (XHTML with `ocr_*` classes).
    Hocr,
    /// ALTO v4 XML.
    Alto,
    /// JSON, schema in `JSON.md`.
    Json,
    /// An editable Word document (Office Open XML), flowing text.
    Docx,
    /// An Excel workbook (Office Open XML), one worksheet per page.
    Xlsx,
    /// A PowerPoint presentation (Office Open XML), one slide per page.
    Pptx,
}

/// The description of one output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The canonical name (`pdf`, `txt`, `alto`...).
    pub name: &'static str,
    /// Other names accepted for it (`text` for `txt`).
    pub name_aliases: &'static [&'static str],
    /// The file extension of its outputs, without the dot.
    pub extension: &'static str,
    /// Other extensions that select it (`html` for hOCR).
    pub extension_aliases: &'static [&'static str],
    /// The media type (`Content-Type`) of its outputs.
    pub mime_type: &'static str,
    /// Whether its writer shows the tables and figures found on the page
    /// images during recognition (so recognition must look for them): the
    /// text (its reading order puts a table where the DOCX sets it), DOCX,
    /// PPTX, XLSX and JSON.
    pub shows_structure: bool,
}

impl OutputFormat {
    /// Every format, in a stable order.
    pub const ALL: [OutputFormat; 8] = [
        OutputFormat::Pdf,
        OutputFormat::Txt,
        OutputFormat::Hocr,
        OutputFormat::Alto,
        OutputFormat::Json,
        OutputFormat::Docx,
        OutputFormat::Xlsx,
        OutputFormat::Pptx,
    ];

    /// The format's registry entry.
    pub const fn spec(self) -> Spec {
        match self {
            OutputFormat::Pdf => Spec {
                name: "pdf",
                name_aliases: &[],
                extension: "pdf",
                extension_aliases: &[],
                mime_type: "application/pdf",
                shows_structure: false,
            },
            OutputFormat::Txt => Spec {
                name: "txt",
                name_aliases: &["text"],
                extension: "txt",
                extension_aliases: &["text"],
                mime_type: "text/plain; charset=utf-8",
                shows_structure: true,
            },
            OutputFormat::Hocr => Spec {
                name: "hocr",
                name_aliases: &[],
                extension: "hocr",
                extension_aliases: &["html", "htm", "xhtml"],
                // The writer produces XHTML (an XML declaration, the XHTML
                // namespace), so it is served as such.
                mime_type: "application/xhtml+xml",
                shows_structure: false,
            },
            OutputFormat::Alto => Spec {
                name: "alto",
                name_aliases: &[],
                extension: "xml",
                extension_aliases: &["alto"],
                mime_type: "application/xml",
                shows_structure: false,
            },
            OutputFormat::Json => Spec {
                name: "json",
                name_aliases: &[],
                extension: "json",
                extension_aliases: &[],
                mime_type: "application/json",
                shows_structure: true,
            },
            OutputFormat::Docx => Spec {
                name: "docx",
                name_aliases: &[],
                extension: "docx",
                extension_aliases: &[],
                mime_type:
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                shows_structure: true,
            },
            OutputFormat::Xlsx => Spec {
                name: "xlsx",
                name_aliases: &[],
                extension: "xlsx",
                extension_aliases: &[],
                mime_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                shows_structure: true,
            },
            OutputFormat::Pptx => Spec {
                name: "pptx",
                name_aliases: &[],
                extension: "pptx",
                extension_aliases: &[],
                mime_type:
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                shows_structure: true,
            },
        }
    }

    /// The format for a name as used in APIs and `--format` (the canonical
    /// name or an alias; case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| {
            let spec = f.spec();
            spec.name == name || spec.name_aliases.contains(&name.as_str())
        })
    }

    /// The format for a file extension (case-insensitive, leading dot
    /// allowed).
    pub fn from_extension(ext: &str) -> Option<Self> {
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| {
            let spec = f.spec();
            spec.extension == ext || spec.extension_aliases.contains(&ext.as_str())
        })
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The file extension of its outputs.
    pub fn extension(self) -> &'static str {
        self.spec().extension
    }

    /// The media type of its outputs.
    pub fn mime_type(self) -> &'static str {
        self.spec().mime_type
    }

    /// Whether its writer shows the tables and figures recognition finds
    /// ([`Spec::shows_structure`]).
    pub fn shows_structure(self) -> bool {
        self.spec().shows_structure
    }

    /// Every format's extension, for messages: `.pdf, .txt, ...`.
    pub fn extensions() -> String {
        let exts: Vec<String> = Self::ALL
            .iter()
            .map(|f| format!(".{}", f.extension()))
            .collect();
        exts.join(", ")
    }
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_found_by_its_names_and_extensions() {
        for f in OutputFormat::ALL {
            let spec = f.spec();
            assert_eq!(OutputFormat::from_name(spec.name), Some(f));
            assert_eq!(OutputFormat::from_extension(spec.extension), Some(f));
            for alias in spec.name_aliases {
                assert_eq!(OutputFormat::from_name(alias), Some(f), "{alias}");
            }
            for alias in spec.extension_aliases {
                assert_eq!(OutputFormat::from_extension(alias), Some(f), "{alias}");
            }
            assert!(spec.mime_type.contains('/'), "{}", spec.name);
        }
        assert_eq!(
            OutputFormat::from_extension(".PDF"),
            Some(OutputFormat::Pdf)
        );
        assert_eq!(
            OutputFormat::from_extension("html"),
            Some(OutputFormat::Hocr)
        );
        assert_eq!(OutputFormat::from_name("JSON"), Some(OutputFormat::Json));
        assert_eq!(OutputFormat::from_name("odt"), None);
        assert_eq!(OutputFormat::from_extension("xls"), None);
    }

    #[test]
    fn no_two_formats_share_a_name_or_an_extension() {
        let mut names = std::collections::HashSet::new();
        let mut exts = std::collections::HashSet::new();
        for f in OutputFormat::ALL {
            let s = f.spec();
            for n in std::iter::once(&s.name).chain(s.name_aliases) {
                assert!(names.insert(*n), "name {n} twice");
            }
            for e in std::iter::once(&s.extension).chain(s.extension_aliases) {
                assert!(exts.insert(*e), "extension {e} twice");
            }
        }
    }
}
