//! Media types and names of stored contents.

use ocrloom_detect::detect;
use ocrloom_formats::OutputFormat;

use crate::filename::output_filename;

/// MIME type of an uploaded content, from its first bytes.
pub(crate) fn sniff_content_type(head: &[u8]) -> String {
    detect(head)
        .map_or("application/octet-stream", |f| f.mime())
        .to_owned()
}

/// A job output's file name (after the cleaned input's, see
/// [`output_filename`]) and media type, from the format registry (a format
/// it does not know, which only a test converter can offer, is named after
/// itself and served as bytes).
pub(crate) fn output_name_and_type(input: Option<&str>, format: &str) -> (String, &'static str) {
    let (extension, mime) = match OutputFormat::from_name(format) {
        Some(f) => (f.extension(), f.mime_type()),
        None => (format, "application/octet-stream"),
    };
    (output_filename(input, extension), mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_and_types_come_from_the_registry() {
        let named = |input, format| output_name_and_type(input, format);
        // ALTO is written as .xml everywhere, hOCR served as XHTML.
        assert_eq!(
            named(Some("scan.pdf"), "alto"),
            ("scan.xml".to_owned(), "application/xml")
        );
        assert_eq!(named(Some("scan.pdf"), "hocr").1, "application/xhtml+xml");
        // The cleaned input name is kept.
        assert_eq!(named(Some("../../x.pdf"), "txt").0, "x.txt");
        assert_eq!(
            named(Some("scan.pdf"), "unknown"),
            ("scan.unknown".to_owned(), "application/octet-stream")
        );
    }
}
