//! File names from clients: cleaned before they are stored, so a name
//! shown, downloaded or derived never carries a path or hidden controls.

use crate::error::Error;

/// Directional formatting characters: they reorder how a name displays
/// (`U+202E` makes `gpj.exe` read `exe.jpg`).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// The name as stored: its last path component (after `/` or `\`),
/// without directional formatting characters, trimmed. Refused
/// (`invalid_request`): nothing left (or only `.`/`..`), more than 255
/// characters, control characters.
pub(crate) fn clean_filename(name: &str) -> Result<String, Error> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|&c| !is_bidi_control(c)).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        return Err(Error::InvalidRequest("filename is empty".to_owned()));
    }
    if clean.chars().count() > 255 {
        return Err(Error::InvalidRequest(
            "filename is longer than 255 characters".to_owned(),
        ));
    }
    if clean.chars().any(char::is_control) {
        return Err(Error::InvalidRequest(
            "filename contains control characters".to_owned(),
        ));
    }
    Ok(clean.to_owned())
}

/// `scan.pdf` + extension `txt` -> `scan.txt`; the input's name is cleaned again
/// (rows stored before cleaning existed), `output.<extension>` when nothing
/// usable is left.
pub(crate) fn output_filename(input: Option<&str>, extension: &str) -> String {
    let stem = input
        .and_then(|n| clean_filename(n).ok())
        .map(|n| match n.rfind('.') {
            Some(i) if i > 0 => n[..i].to_owned(),
            _ => n,
        })
        .unwrap_or_else(|| "output".to_owned());
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_bidi_controls() {
        let ok = |n: &str| clean_filename(n).expect(n);
        assert_eq!(ok("scan.pdf"), "scan.pdf");
        assert_eq!(ok("../../etc/passwd"), "passwd");
        assert_eq!(ok("C:\\Users\\me\\scan.pdf"), "scan.pdf");
        assert_eq!(ok("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(ok("  日本.pdf "), "日本.pdf");
        for bad in [
            "",
            "..",
            "a/..",
            "dir/",
            "\u{202E}",
            "a\nb",
            &"x".repeat(256),
        ] {
            assert!(clean_filename(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn output_names_follow_the_input_safely() {
        assert_eq!(output_filename(Some("scan.pdf"), "txt"), "scan.txt");
        assert_eq!(output_filename(Some("a.b.tiff"), "pdf"), "a.b.pdf");
        assert_eq!(output_filename(Some(".hidden"), "txt"), ".hidden.txt");
        assert_eq!(output_filename(Some("noext"), "txt"), "noext.txt");
        assert_eq!(output_filename(None, "pdf"), "output.pdf");
        assert_eq!(output_filename(Some("../../x"), "txt"), "x.txt");
        assert_eq!(output_filename(Some(".."), "txt"), "output.txt");
    }
}
