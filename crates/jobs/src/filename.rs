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
/// without control characters (C0, DEL, C1) and directional formatting
/// characters, trimmed. Refused (`invalid_request`): nothing left (or only
/// `.`/`..`), more than 255 characters.
pub(crate) fn clean_filename(name: &str) -> Result<String, Error> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c))
        .collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        return Err(Error::InvalidRequest("filename is empty".to_owned()));
    }
    if clean.chars().count() > 255 {
        return Err(Error::InvalidRequest(
            "filename is longer than 255 characters".to_owned(),
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
    fn names_lose_paths_and_bidi_and_control_characters() {
        let ok = |n: &str| clean_filename(n).expect(n);
        assert_eq!(ok("scan.pdf"), "scan.pdf");
        assert_eq!(ok("../../etc/passwd"), "passwd");
        assert_eq!(ok("C:\\Users\\me\\scan.pdf"), "scan.pdf");
        assert_eq!(ok("  日本.pdf "), "日本.pdf");
        // Directional controls, each of them.
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}',
        ] {
            assert_eq!(ok(&format!("invoice{c}fdp.exe")), "invoicefdp.exe", "{c:?}");
        }
        // Control characters: C0 (newline, tab, NUL, ESC), DEL, C1.
        for c in [
            '\n', '\r', '\t', '\0', '\u{1B}', '\u{7F}', '\u{85}', '\u{9B}',
        ] {
            assert_eq!(ok(&format!("a{c}b.pdf")), "ab.pdf", "{c:?}");
        }
        // Stripped, then trimmed: a control between spaces leaves no gap.
        assert_eq!(ok("\u{7}  scan.pdf\n"), "scan.pdf");
        for bad in [
            "",
            "..",
            "a/..",
            "dir/",
            "\u{202E}",
            "\n\t\u{7F}",
            "..\u{0}",
            ".\u{202E}.",
            "x/ \u{1}. ",
            &"x".repeat(256),
        ] {
            assert!(clean_filename(bad).is_err(), "{bad:?}");
        }
        // The limit counts what is left after stripping.
        assert_eq!(ok(&format!("{}\u{1}", "x".repeat(255))).len(), 255);
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
        assert_eq!(output_filename(Some("a\u{1B}[31m.pdf"), "txt"), "a[31m.txt");
    }
}
