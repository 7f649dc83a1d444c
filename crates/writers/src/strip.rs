//! Dropping an earlier invisible text layer from a page's content stream,
//! so that a page OCR'd again carries one layer: the new one.
//!
//! The content is edited in place at the byte level: only the operators of
//! text objects (`BT` ... `ET`) that show nothing but invisible text (render
//! mode 3) are cut, plus `Do` of form XObjects that hold nothing else (where
//! OCRmyPDF puts its layer). Everything else keeps its exact bytes. State
//! that outlives a text object stays: font, spacing and rendering mode
//! operators are kept, `"` becomes its `Tw`/`Tc` and `TD` its `TL`.

use std::ops::Range;

/// Text rendering mode 3: neither filled nor stroked.
const INVISIBLE: &[u8] = b"3";

/// Operators that paint: a form with any of them is more than a text layer.
const PAINTS: &[&[u8]] = &[
    b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"sh", b"Do", b"BI",
];

/// One operator with its operands, as byte ranges of the content.
struct Op {
    /// From the first operand to the end of the operator.
    span: Range<usize>,
    operator: Range<usize>,
    operands: Vec<Range<usize>>,
}

/// What a text object's operators turn into when it is cut.
enum Cut {
    Keep,
    Drop,
    Replace(Vec<u8>),
}

/// `content` without its invisible text, or `None` when there is none to
/// drop (or the content holds an inline image, which this does not parse).
/// `hidden_form(name)` says whether the XObject `name` is a form holding
/// only invisible text.
pub(crate) fn drop_invisible_text(
    content: &[u8],
    hidden_form: impl Fn(&[u8]) -> bool,
) -> Option<Vec<u8>> {
    let ops = operators(content)?;
    let text = |r: &Range<usize>| &content[r.clone()];
    let mut cuts: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    let mut mode: &[u8] = b"0";
    let mut saved: Vec<&[u8]> = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        let op = &ops[i];
        match text(&op.operator) {
            b"q" => saved.push(mode),
            b"Q" => mode = saved.pop().unwrap_or(mode),
            b"Tr" => mode = op.operands.last().map_or(mode, text),
            b"Do"
                if op
                    .operands
                    .last()
                    .is_some_and(|n| hidden_form(name(text(n)))) =>
            {
                cuts.push((op.span.clone(), Vec::new()));
            }
            b"BT" => {
                let end = ops[i..]
                    .iter()
                    .position(|o| text(&o.operator) == b"ET")
                    .map_or(ops.len(), |p| i + p);
                let block = &ops[i..end];
                let (shows, visible, after) = scan_text_object(content, block, mode);
                if shows > 0 && !visible {
                    for op in block {
                        match cut(content, op) {
                            Cut::Keep => {}
                            Cut::Drop => cuts.push((op.span.clone(), Vec::new())),
                            Cut::Replace(with) => cuts.push((op.span.clone(), with)),
                        }
                    }
                }
                mode = after;
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    if cuts.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(content.len());
    let mut at = 0;
    for (span, with) in cuts {
        out.extend_from_slice(&content[at..span.start]);
        out.extend_from_slice(&with);
        at = span.end;
    }
    out.extend_from_slice(&content[at..]);
    Some(out)
}

/// Whether a form's `content` shows invisible text and paints nothing else.
pub(crate) fn is_invisible_text_only(content: &[u8]) -> bool {
    let Some(ops) = operators(content) else {
        return false;
    };
    let (shows, visible, _) = scan_text_object(content, &ops, b"0");
    shows > 0
        && !visible
        && !ops
            .iter()
            .any(|o| PAINTS.contains(&&content[o.operator.clone()]))
}

/// Counts the text shown by `ops`, starting in rendering mode `mode`:
/// (operators that show text, whether any shows visible text, the mode after).
fn scan_text_object<'c>(
    content: &'c [u8],
    ops: &[Op],
    mut mode: &'c [u8],
) -> (usize, bool, &'c [u8]) {
    let (mut shows, mut visible) = (0, false);
    for op in ops {
        match &content[op.operator.clone()] {
            b"Tr" => mode = op.operands.last().map_or(mode, |r| &content[r.clone()]),
            b"Tj" | b"TJ" | b"'" | b"\"" => {
                shows += 1;
                visible |= mode != INVISIBLE;
            }
            _ => {}
        }
    }
    (shows, visible, mode)
}

/// What happens to one operator of a text object that is cut: showing and
/// positioning go (nothing of them outlives `ET`), state that outlives it stays.
fn cut(content: &[u8], op: &Op) -> Cut {
    let arg = |k: usize| op.operands.get(k).map(|r| &content[r.clone()]);
    match &content[op.operator.clone()] {
        b"Tj" | b"TJ" | b"'" | b"Td" | b"Tm" | b"T*" => Cut::Drop,
        // aw ac string " sets word and character spacing, then shows.
        b"\"" => match (arg(0), arg(1)) {
            (Some(aw), Some(ac)) => Cut::Replace([aw, b" Tw ", ac, b" Tc"].concat()),
            _ => Cut::Drop,
        },
        // tx ty TD sets the leading to -ty, then moves.
        b"TD" => match arg(1).and_then(|ty| std::str::from_utf8(ty).ok()?.parse::<f64>().ok()) {
            Some(ty) => Cut::Replace(format!("{} TL", -ty).into_bytes()),
            None => Cut::Drop,
        },
        _ => Cut::Keep,
    }
}

/// A name token without its slash.
fn name(token: &[u8]) -> &[u8] {
    token.strip_prefix(b"/").unwrap_or(token)
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    b"()<>[]{}/%".contains(&b)
}

/// Where the run of regular characters (a name, number or operator) that
/// starts at `i` ends.
fn regular_end(content: &[u8], mut i: usize) -> usize {
    while i < content.len() && !is_space(content[i]) && !is_delimiter(content[i]) {
        i += 1;
    }
    i
}

/// The operators of `content` with their operands; `None` for an inline
/// image (its data is not tokens) or an unterminated string.
fn operators(content: &[u8]) -> Option<Vec<Op>> {
    let mut ops = Vec::new();
    let mut operands: Vec<Range<usize>> = Vec::new();
    let mut first: Option<usize> = None;
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        let start = i;
        if is_space(b) {
            i += 1;
            continue;
        }
        match b {
            b'%' => {
                while i < content.len() && !matches!(content[i], b'\r' | b'\n') {
                    i += 1;
                }
                continue;
            }
            b'(' => {
                let mut depth = 0usize;
                loop {
                    match content.get(i)? {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            b'<' if content.get(i + 1) == Some(&b'<') => i += 2,
            b'>' if content.get(i + 1) == Some(&b'>') => i += 2,
            b'<' => {
                i += content[i..].iter().position(|&c| c == b'>')? + 1;
            }
            b'[' | b']' | b'{' | b'}' | b'>' | b')' => i += 1,
            b'/' => i = regular_end(content, i + 1),
            _ => {
                i = regular_end(content, i);
                let token = &content[start..i];
                let operand = token[0].is_ascii_digit()
                    || b"+-.".contains(&token[0])
                    || matches!(token, b"true" | b"false" | b"null");
                if !operand {
                    if token == b"BI" {
                        return None;
                    }
                    ops.push(Op {
                        span: first.take().unwrap_or(start)..i,
                        operator: start..i,
                        operands: std::mem::take(&mut operands),
                    });
                    continue;
                }
            }
        }
        first.get_or_insert(start);
        operands.push(start..i);
    }
    Some(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(content: &str) -> Option<String> {
        drop_invisible_text(content.as_bytes(), |n| n == b"Layer")
            .map(|v| String::from_utf8(v).expect("ascii"))
    }

    #[test]
    fn invisible_text_objects_go_and_their_lasting_state_stays() {
        let page = "q 10 0 0 10 0 0 cm /Im0 Do Q\n\
                    BT /F1 8 Tf 3 Tr 1 0 0 1 33 290 Tm (hidden) Tj 0 -9 TD [(a) 5 (b)] TJ 1 2 (c) \" ET\n\
                    BT 0 Tr (seen) Tj ET";
        let out = strip(page).expect("something to drop");
        assert_eq!(
            out,
            "q 10 0 0 10 0 0 cm /Im0 Do Q\n\
             BT /F1 8 Tf 3 Tr   9 TL  1 Tw 2 Tc ET\n\
             BT 0 Tr (seen) Tj ET"
        );
    }

    #[test]
    fn visible_or_mixed_text_and_clipping_text_are_kept() {
        assert_eq!(strip("BT /F1 9 Tf (a) Tj ET"), None);
        assert_eq!(strip("BT 3 Tr (a) Tj 0 Tr (b) Tj ET"), None);
        assert_eq!(strip("BT 7 Tr (a) Tj ET"), None);
        // q/Q restore the mode: the second object is visible again.
        assert_eq!(strip("q 3 Tr Q BT (a) Tj ET"), None);
        assert_eq!(
            strip("q 3 Tr BT (a) Tj ET Q BT (b) Tj ET").as_deref(),
            Some("q 3 Tr BT  ET Q BT (b) Tj ET")
        );
    }

    #[test]
    fn the_mode_outlives_the_text_object() {
        assert_eq!(
            strip("BT 3 Tr (a) Tj ET BT (b) Tj ET").as_deref(),
            Some("BT 3 Tr  ET BT  ET")
        );
    }

    #[test]
    fn strings_with_parentheses_and_operators_inside_are_one_token() {
        assert_eq!(
            strip("BT 3 Tr (a \\) ET (b) Tj) Tj ET BT 0 Tr (v) Tj ET").as_deref(),
            Some("BT 3 Tr  ET BT 0 Tr (v) Tj ET")
        );
    }

    #[test]
    fn forms_holding_only_invisible_text_are_no_longer_drawn() {
        assert_eq!(
            strip("q 1 0 0 1 0 0 cm /Layer Do Q /Logo Do").as_deref(),
            Some("q 1 0 0 1 0 0 cm  Q /Logo Do")
        );
        assert!(is_invisible_text_only(b"BT 3 Tr /F 9 Tf (a) Tj ET"));
        assert!(!is_invisible_text_only(b"BT 3 Tr (a) Tj ET 0 0 5 5 re f"));
        assert!(!is_invisible_text_only(b"BT (a) Tj ET"));
        assert!(!is_invisible_text_only(b"q Q"));
    }

    #[test]
    fn inline_images_and_broken_strings_leave_the_content_alone() {
        assert_eq!(strip("BT 3 Tr (a) Tj ET BI /W 1 ID x EI"), None);
        assert_eq!(strip("BT 3 Tr (a Tj ET"), None);
    }
}
