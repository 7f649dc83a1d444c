//! Format detection from a document's first bytes, never from its name.
//!
//! ```
//! use ocrloom_detect::{detect, Format};
//! assert_eq!(detect(b"%PDF-1.7\n...").unwrap(), Format::Pdf);
//! assert!(detect(b"GIF89a...").is_err());
//! ```

mod kind;

pub use kind::ErrorKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How far into a file a PDF header may start (as PDF readers accept it).
const PDF_HEADER_WINDOW: usize = 1024;

/// An input format ocrloom reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Portable Document Format.
    Pdf,
    /// Tagged Image File Format, classic or BigTIFF, either byte order.
    Tiff,
    /// JPEG (JFIF or EXIF).
    Jpeg,
    /// Portable Network Graphics.
    Png,
    /// Windows or OS/2 bitmap.
    Bmp,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 5] = [
        Format::Pdf,
        Format::Tiff,
        Format::Jpeg,
        Format::Png,
        Format::Bmp,
    ];

    /// The lowercase name used in the API and on the command line (`pdf`, `tiff`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Tiff => "tiff",
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Bmp => "bmp",
        }
    }

    /// The MIME type of the format.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Tiff => "image/tiff",
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Bmp => "image/bmp",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why bytes were not recognised as a supported format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    /// The input has no bytes at all.
    #[error("the input is empty")]
    Empty,
    /// The input is a known format that ocrloom does not read.
    #[error("unsupported format: {0}")]
    Unsupported(&'static str),
    /// The input matches no known signature.
    #[error("unknown format (first bytes: {0})")]
    Unknown(String),
}

/// Signatures of formats that are recognised only to name them in an error.
const FOREIGN: &[(&[u8], &str)] = &[
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP archive (or an Office document)"),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "legacy Office document",
    ),
    (b"\x1F\x8B", "gzip archive"),
    (b"7z\xBC\xAF\x27\x1C", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"AT&TFORM", "DjVu document"),
    (b"\x00\x00\x00\x0CjP  ", "JPEG 2000 image"),
    (b"\xFF\x4F\xFF\x51", "JPEG 2000 codestream"),
    (b"8BPS", "Photoshop document"),
    (b"%!PS", "PostScript document"),
    (b"\x7FELF", "ELF executable"),
    (b"{\\rtf", "RTF document"),
];

/// Detects the format of `bytes` from their signature.
///
/// PDF is found when `%PDF-` starts within the first 1024 bytes (some producers
/// put junk before it); every other format must start at byte 0.
pub fn detect(bytes: &[u8]) -> Result<Format, DetectError> {
    if bytes.is_empty() {
        return Err(DetectError::Empty);
    }
    if let Some(format) = image_format(bytes) {
        return Ok(format);
    }
    let window = &bytes[..bytes.len().min(PDF_HEADER_WINDOW)];
    if window.windows(5).any(|w| w == b"%PDF-") {
        return Ok(Format::Pdf);
    }
    Err(foreign(bytes))
}

fn image_format(bytes: &[u8]) -> Option<Format> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        Some(Format::Tiff)
    } else if starts(b"\xFF\xD8\xFF") {
        Some(Format::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1A\n") {
        Some(Format::Png)
    } else if starts(b"BM") && bytes.len() >= 18 {
        // "BM" alone is too weak (plain text may start with it): the header's
        // DIB size field must be one of the known header sizes.
        let dib = u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]);
        matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124).then_some(Format::Bmp)
    } else {
        None
    }
}

fn foreign(bytes: &[u8]) -> DetectError {
    if let Some((_, name)) = FOREIGN.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return DetectError::Unsupported(name);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return DetectError::Unsupported("WebP image");
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return DetectError::Unsupported("ISO media file (HEIC, AVIF or video)");
    }
    let head = &bytes[..bytes.len().min(512)];
    if std::str::from_utf8(head)
        .is_ok_and(|s| !s.chars().any(|c| c.is_control() && !c.is_whitespace()))
    {
        return DetectError::Unsupported("plain text");
    }
    let shown: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    DetectError::Unknown(shown.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_supported_format() {
        let cases: [(&[u8], Format); 8] = [
            (b"%PDF-1.4\n", Format::Pdf),
            (b"II*\0\x08\0\0\0", Format::Tiff),
            (b"MM\0*\0\0\0\x08", Format::Tiff),
            (b"II+\0\x08\0\0\0", Format::Tiff),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", Format::Jpeg),
            (b"\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", Format::Png),
            (b"BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0", Format::Bmp),
            (b"BM\0\0\0\0\0\0\0\0\x1A\0\0\0\x0C\0\0\0", Format::Bmp),
        ];
        for (bytes, want) in cases {
            assert_eq!(detect(bytes), Ok(want), "{bytes:?}");
        }
    }

    #[test]
    fn pdf_header_may_follow_junk_within_the_window() {
        let mut bytes = vec![b' '; 1000];
        bytes.extend_from_slice(b"%PDF-1.7");
        assert_eq!(detect(&bytes), Ok(Format::Pdf));
        let mut late = vec![0u8; 1100];
        late.extend_from_slice(b"%PDF-1.7");
        assert!(detect(&late).is_err());
    }

    #[test]
    fn names_what_it_refuses() {
        assert_eq!(detect(b""), Err(DetectError::Empty));
        assert_eq!(
            detect(b"GIF89a\x01\0"),
            Err(DetectError::Unsupported("GIF image"))
        );
        assert_eq!(
            detect(b"RIFF\0\0\0\0WEBPVP8 "),
            Err(DetectError::Unsupported("WebP image"))
        );
        assert_eq!(
            detect(b"PK\x03\x04\x14\0"),
            Err(DetectError::Unsupported(
                "ZIP archive (or an Office document)"
            ))
        );
        assert_eq!(
            detect(b"Hello, world\n"),
            Err(DetectError::Unsupported("plain text"))
        );
        assert_eq!(
            detect(b"BMx is plain"),
            Err(DetectError::Unsupported("plain text"))
        );
        assert!(
            matches!(detect(&[0, 1, 2, 3, 0xfe]), Err(DetectError::Unknown(s)) if s == "00 01 02 03 fe")
        );
    }
}
