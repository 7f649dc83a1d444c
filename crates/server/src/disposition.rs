//! The `filename` of a multipart part's `Content-Disposition` (RFC 6266,
//! RFC 7578): parameters split outside quoted strings, `filename*` (RFC
//! 8187/5987, `charset'language'percent-encoded`) preferred when it can be
//! read, `filename` otherwise. The manager then cleans the name (path
//! parts, control and directional characters).

use percent_encoding::percent_decode;

/// The parameters of a header value after its first token, names
/// lower-cased, values unquoted (`\x` escapes resolved). A malformed
/// parameter ends the list.
fn parameters(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the disposition type (`form-data`, `attachment`).
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ';') {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut v = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => v.extend(chars.next()),
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => v.push(c),
                }
            }
            if !closed {
                return out;
            }
            // Anything up to the next `;` after the closing quote is ignored.
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                v.push(c);
            }
            v = v.trim_end().to_owned();
        }
        out.push((name.trim().to_ascii_lowercase(), v));
    }
}

/// Decodes an extended value `charset'language'percent-encoded`: UTF-8
/// and ISO-8859-1 are read; anything else (or bytes invalid in the
/// charset) gives `None`.
fn extended(value: &str) -> Option<String> {
    let (charset, rest) = value.split_once('\'')?;
    let (_language, encoded) = rest.split_once('\'')?;
    let bytes: Vec<u8> = percent_decode(encoded.as_bytes()).collect();
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        None
    }
}

/// The file name a `Content-Disposition` value carries: a readable
/// `filename*` first, else `filename`; `None` without either.
pub fn filename(value: &str) -> Option<String> {
    let params = parameters(value);
    let find = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    find("filename*")
        .and_then(extended)
        .or_else(|| find("filename").map(str::to_owned))
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_hide_semicolons_and_parameters() {
        assert_eq!(
            filename(r#"form-data; name="file"; filename="a.pdf; filename*=UTF-8''evil.exe""#)
                .as_deref(),
            Some("a.pdf; filename*=UTF-8''evil.exe")
        );
        assert_eq!(
            filename(r#"form-data; name="file"; filename="say \"hi\".pdf""#).as_deref(),
            Some(r#"say "hi".pdf"#)
        );
        assert_eq!(
            filename("form-data; name=file; filename=plain.pdf").as_deref(),
            Some("plain.pdf")
        );
        assert_eq!(
            filename(r#"form-data; NAME="file"; FileName="Case.pdf""#).as_deref(),
            Some("Case.pdf")
        );
    }

    #[test]
    fn a_readable_filename_star_wins_and_an_unreadable_one_falls_back() {
        let both = r#"form-data; name="file"; filename="fallback.pdf"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf"#;
        assert_eq!(filename(both).as_deref(), Some("日本.pdf"));
        let order = r#"form-data; filename*=UTF-8''first.pdf; filename="second.pdf""#;
        assert_eq!(filename(order).as_deref(), Some("first.pdf"));
        let latin = "attachment; filename*=iso-8859-1'fr'r%E9sum%E9.pdf";
        assert_eq!(filename(latin).as_deref(), Some("résumé.pdf"));
        for unreadable in [
            r#"form-data; filename="ok.pdf"; filename*=UTF-8''%FF%FE.pdf"#,
            r#"form-data; filename="ok.pdf"; filename*=koi8-r''%C1.pdf"#,
            r#"form-data; filename="ok.pdf"; filename*=no-quotes.pdf"#,
        ] {
            assert_eq!(
                filename(unreadable).as_deref(),
                Some("ok.pdf"),
                "{unreadable}"
            );
        }
    }

    #[test]
    fn nothing_usable_is_none() {
        for value in [
            r#"form-data; name="file""#,
            r#"form-data; filename="""#,
            r#"form-data; filename="unterminated"#,
            "form-data",
        ] {
            assert_eq!(filename(value), None, "{value}");
        }
    }
}
