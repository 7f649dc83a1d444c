//! Numbers in recognized text, read the way the page's language writes
//! them (`1.234,56` in German, `1,234.56` in English), for the spreadsheet
//! output: amounts, counts, percentages and currency amounts become a value
//! and a number format that shows them as they were printed.

/// A number read from a cell's text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Number {
    /// The value (a percentage as its fraction: `12%` is 0.12).
    pub value: f64,
    /// The spreadsheet number format that shows it as printed
    /// (`#,##0.00`, `0.0%`, `"€"#,##0.00`...).
    pub format: String,
}

/// Currency signs and codes kept as a number format, longest first.
const CURRENCIES: [&str; 13] = [
    "CHF", "EUR", "USD", "GBP", "JPY", "Fr.", "kr", "$", "€", "£", "¥", "₹", "₩",
];

/// Languages (Tesseract codes) that write a decimal comma.
const DECIMAL_COMMA: [&str; 30] = [
    "deu", "fra", "spa", "ita", "nld", "por", "pol", "ces", "slk", "slv", "hrv", "srp", "rus",
    "ukr", "bel", "bul", "ron", "hun", "swe", "nor", "dan", "fin", "est", "lav", "lit", "tur",
    "ell", "ind", "vie", "cat",
];

/// Whether the page's language (`+`-joined Tesseract codes; the first
/// decides) writes a decimal comma.
pub(crate) fn decimal_comma(language: &str) -> bool {
    let first = language.split('+').next().unwrap_or_default();
    DECIMAL_COMMA.contains(&first)
}

/// The number `text` holds as a whole, or `None` when it is not one number
/// (words, dates, codes with leading zeros, more digits than a spreadsheet
/// keeps exactly).
pub(crate) fn parse(text: &str, decimal_comma: bool) -> Option<Number> {
    let mut s = text.trim();
    if s.is_empty() || s.len() > 40 {
        return None;
    }
    let mut negative = false;
    let mut parens = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        s = inner.trim();
        negative = true;
        parens = true;
    }
    let mut currency: Option<(&str, bool, bool)> = None; // (sign, before, spaced)
    let mut percent = false;
    // Sign, currency and percent around the digits, in any usual order.
    for _ in 0..3 {
        if let Some(rest) = s.strip_prefix(['-', '−', '–']) {
            if negative {
                return None;
            }
            negative = true;
            s = rest.trim_start();
            continue;
        }
        if let Some(rest) = s.strip_prefix('+') {
            s = rest.trim_start();
            continue;
        }
        if currency.is_none() {
            if let Some(c) = CURRENCIES.iter().find(|c| s.starts_with(**c)) {
                let rest = &s[c.len()..];
                let spaced = rest.starts_with(char::is_whitespace);
                currency = Some((c, true, spaced));
                s = rest.trim_start();
                continue;
            }
        }
        break;
    }
    if let Some(rest) = s.strip_suffix('%') {
        percent = true;
        s = rest.trim_end();
    }
    if currency.is_none() && !percent {
        if let Some(c) = CURRENCIES.iter().find(|c| s.ends_with(**c)) {
            let rest = &s[..s.len() - c.len()];
            let spaced = rest.ends_with(char::is_whitespace);
            currency = Some((c, false, spaced));
            s = rest.trim_end();
        }
    }
    if let Some(rest) = s.strip_suffix('-') {
        // "1.234,56-": a trailing minus in accounts.
        if negative {
            return None;
        }
        negative = true;
        s = rest;
    }
    let (digits, decimals, grouped) = core(s, decimal_comma)?;
    let mut value: f64 = digits.parse().ok()?;
    if negative {
        value = -value;
    }
    let mut format = String::from(if grouped { "#,##0" } else { "0" });
    if decimals > 0 {
        format.push('.');
        format.push_str(&"0".repeat(decimals));
    }
    if percent {
        value /= 100.0;
        format.push('%');
    }
    if let Some((sign, before, spaced)) = currency {
        let quoted = if sign == "$" {
            "$".to_string()
        } else {
            format!("\"{sign}\"")
        };
        let space = if spaced { " " } else { "" };
        format = if before {
            format!("{quoted}{space}{format}")
        } else {
            format!("{format}{space}{quoted}")
        };
    }
    if parens {
        format = format!("{format};({format})");
    }
    Some(Number { value, format })
}

/// The digits of a plain number (`1.234,56`) as Rust parses them
/// (`1234.56`), with the count of decimals and whether it was grouped in
/// thousands.
fn core(s: &str, decimal_comma: bool) -> Option<(String, usize, bool)> {
    let first = s.chars().next()?;
    if !first.is_ascii_digit() {
        return None;
    }
    let seps: Vec<(usize, char)> = s
        .char_indices()
        .filter(|(_, c)| !c.is_ascii_digit())
        .collect();
    if seps.iter().any(|(_, c)| !is_separator(*c)) {
        return None;
    }
    if !s.chars().next_back()?.is_ascii_digit() {
        return None;
    }
    let kinds: Vec<char> = seps.iter().map(|(_, c)| *c).collect();
    let (point, comma) = (kinds.contains(&'.'), kinds.contains(&','));
    // The decimal separator, if any.
    let decimal = match (point, comma) {
        // Both: the last one is the decimal separator.
        (true, true) => seps.last().map(|(_, c)| *c),
        (false, false) => None,
        _ => {
            let c = if point { '.' } else { ',' };
            let count = kinds.iter().filter(|&&k| k == c).count();
            let native = if decimal_comma { ',' } else { '.' };
            if count > 1 {
                None
            } else if c == native {
                Some(c)
            } else {
                // The language's thousands separator: grouping if three
                // digits follow, else (unambiguous) a decimal separator.
                let after = s.len() - s.rfind(c)? - 1;
                if after == 3 {
                    None
                } else {
                    Some(c)
                }
            }
        }
    };
    let (int_part, frac) = match decimal {
        Some(d) => {
            let at = s.rfind(d)?;
            (&s[..at], &s[at + d.len_utf8()..])
        }
        None => (s, ""),
    };
    if frac.chars().any(|c| !c.is_ascii_digit()) {
        return None;
    }
    // The integer part: plain digits or groups of three.
    let groups: Vec<&str> = int_part.split(|c: char| !c.is_ascii_digit()).collect();
    let grouped = groups.len() > 1;
    if grouped {
        let mut gsep = int_part.chars().filter(|c| !c.is_ascii_digit());
        let g = gsep.next()?;
        if gsep.any(|c| c != g) || Some(g) == decimal {
            return None;
        }
        if groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    let int_digits: String = groups.concat();
    // Codes with leading zeros (postcodes, IDs) stay text, as do numbers
    // longer than a double keeps exactly.
    if int_digits.len() > 1 && int_digits.starts_with('0') {
        return None;
    }
    if int_digits.len() + frac.len() > 15 {
        return None;
    }
    let digits = if frac.is_empty() {
        int_digits
    } else {
        format!("{int_digits}.{frac}")
    };
    Some((digits, frac.len(), grouped))
}

fn is_separator(c: char) -> bool {
    matches!(c, '.' | ',' | '\'' | '’' | ' ' | '\u{a0}' | '\u{202f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str, comma: bool) -> Option<(f64, String)> {
        parse(text, comma).map(|n| (n.value, n.format))
    }

    #[test]
    fn thousands_and_decimals_by_language() {
        assert_eq!(n("1.234,56", true), Some((1234.56, "#,##0.00".into())));
        assert_eq!(n("1,234.56", false), Some((1234.56, "#,##0.00".into())));
        // Both separators: the last is the decimal one, whatever the language.
        assert_eq!(n("1,234.56", true), Some((1234.56, "#,##0.00".into())));
        // One separator: the language decides when three digits follow.
        assert_eq!(n("1.234", true), Some((1234.0, "#,##0".into())));
        assert_eq!(n("1.234", false), Some((1.234, "0.000".into())));
        assert_eq!(n("1,234", false), Some((1234.0, "#,##0".into())));
        assert_eq!(n("1,234", true), Some((1.234, "0.000".into())));
        // Not three digits after the thousands separator: a decimal.
        assert_eq!(n("12,5", false), Some((12.5, "0.0".into())));
        assert_eq!(n("1.234.567", true), Some((1234567.0, "#,##0".into())));
        assert_eq!(n("1'234.50", false), Some((1234.5, "#,##0.00".into())));
        assert_eq!(n("42", false), Some((42.0, "0".into())));
    }

    #[test]
    fn signs_percentages_and_currencies() {
        assert_eq!(n("-3,5", true), Some((-3.5, "0.0".into())));
        assert_eq!(n("12,5 %", true), Some((0.125, "0.0%".into())));
        assert_eq!(n("7%", false), Some((0.07, "0%".into())));
        assert_eq!(n("$1,299.00", false), Some((1299.0, "$#,##0.00".into())));
        assert_eq!(
            n("1.299,00 €", true),
            Some((1299.0, "#,##0.00 \"€\"".into()))
        );
        assert_eq!(n("EUR 12.50", false), Some((12.5, "\"EUR\" 0.00".into())));
        assert_eq!(
            n("(1,200.00)", false),
            Some((-1200.0, "#,##0.00;(#,##0.00)".into()))
        );
        assert_eq!(n("45,00-", true), Some((-45.0, "0.00".into())));
    }

    #[test]
    fn words_dates_and_codes_stay_text() {
        for text in [
            "",
            "abc",
            "12.03.2024",
            "1.23.456",
            "007",
            "+49 30 1234",
            "1,2,3",
            "12a",
            "1.",
            ",5",
            "1234567890123456",
            "--5",
            "5 %%",
        ] {
            assert_eq!(n(text, true), None, "{text}");
            assert_eq!(n(text, false), None, "{text}");
        }
        assert!(decimal_comma("deu+eng"));
        assert!(!decimal_comma("eng+deu"));
        assert!(!decimal_comma(""));
    }
}
