//! Layout golden test on a page with known structure
//! (`fixtures/layout/two-columns.png`, rendered by LibreOffice from
//! `two-columns.fodt`): the text output reads column by column, and the
//! DOCX has the headings as heading styles at their sizes, the body at its
//! size, two columns, and the picture where it stands. On a table page
//! (`fixtures/tables/between-paragraphs.png`) the text output has the
//! table's rows where the DOCX sets its Word table: both read in one order.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/layout/two-columns.png")
}

/// `ocrloom ocr input -o output...`: one reading, every output.
fn ocr(input: &Path, outputs: &[&Path]) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ocrloom"));
    command.arg("ocr").arg(input);
    for output in outputs {
        command.arg("-o").arg(output);
    }
    let out = command
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .expect("run ocrloom");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `word/document.xml` part of `docx`.
fn document_xml(docx: &Path) -> String {
    let unzip = Command::new("unzip")
        .arg("-p")
        .arg(docx)
        .arg("word/document.xml")
        .output()
        .expect("unzip (scripts/setup.sh)");
    assert!(unzip.status.success());
    String::from_utf8(unzip.stdout).expect("UTF-8")
}

/// One `w:p` of `word/document.xml`: its style, alignment, run sizes (points), text,
/// whether it holds a picture (its extent in points) and starts a column.
#[derive(Debug)]
struct Para {
    style: Option<String>,
    align: Option<String>,
    sizes: Vec<f32>,
    text: String,
    picture: Option<(f32, f32)>,
    column_break: bool,
}

/// The value of the first `attr="..."` in `xml`.
fn attr<'a>(xml: &'a str, attr: &str) -> Option<&'a str> {
    let start = xml.find(&format!("{attr}=\""))? + attr.len() + 2;
    let len = xml[start..].find('"')?;
    Some(&xml[start..start + len])
}

fn paragraphs(document: &str) -> Vec<Para> {
    document
        .split("<w:p>")
        .skip(1)
        .map(|p| {
            let style = p
                .find("<w:pStyle ")
                .and_then(|i| attr(&p[i..], "w:val"))
                .map(str::to_owned);
            let align = p
                .find("<w:jc ")
                .and_then(|i| attr(&p[i..], "w:val"))
                .map(str::to_owned);
            let sizes = p
                .match_indices("<w:sz ")
                .filter_map(|(i, _)| attr(&p[i..], "w:val"))
                .map(|v| v.parse::<f32>().expect("size") / 2.0)
                .collect();
            let text = p
                .split("<w:t xml:space=\"preserve\">")
                .skip(1)
                .filter_map(|t| t.split("</w:t>").next())
                .collect();
            let picture = p.find("<wp:extent ").map(|i| {
                let emu = |a| {
                    attr(&p[i..], a)
                        .expect("extent")
                        .parse::<f32>()
                        .expect("EMU")
                };
                (emu("cx") / 12700.0, emu("cy") / 12700.0)
            });
            Para {
                style,
                align,
                sizes,
                text,
                picture,
                column_break: p.contains("<w:br w:type=\"column\"/>"),
            }
        })
        .collect()
}

fn near(got: f32, want: f32, tolerance: f32) -> bool {
    (got - want).abs() <= tolerance
}

#[test]
fn two_columns_headings_sizes_and_a_figure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (docx, txt) = (dir.path().join("p.docx"), dir.path().join("p.txt"));
    ocr(&fixture(), &[&docx]);
    ocr(&fixture(), &[&txt]);

    // The text output reads the left column, then the right one.
    let text = std::fs::read_to_string(&txt).expect("txt");
    let order: Vec<usize> = [
        "Seat Weaving Notes",
        "Two Columns",
        "The left column starts",
        "The left column ends",
        "The right column begins",
        "The right column closes",
    ]
    .iter()
    .map(|s| {
        text.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in\n{text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{text}");

    let document = document_xml(&docx);
    let mut paras = paragraphs(&document);
    // One empty paragraph holds the space above the band of columns, at
    // the end of the section before it (just before the first column).
    let spaces: Vec<usize> = (0..paras.len())
        .filter(|&i| paras[i].text.is_empty() && paras[i].picture.is_none())
        .collect();
    assert_eq!(spaces.len(), 1, "{paras:#?}");
    assert!(paras[spaces[0] + 1]
        .text
        .starts_with("The left column starts"));
    paras.remove(spaces[0]);
    assert_eq!(paras.len(), 10, "{paras:#?}");

    let find = |s: &str| {
        paras
            .iter()
            .position(|p| p.text.starts_with(s))
            .unwrap_or_else(|| panic!("no paragraph `{s}` in {paras:#?}"))
    };
    // Headings: styles and sizes (24 pt and 16 pt in the source).
    let h1 = &paras[find("Seat Weaving Notes")];
    assert_eq!(h1.style.as_deref(), Some("Heading1"));
    assert!(near(h1.sizes[0], 24.0, 1.5), "{h1:?}");
    assert_eq!(h1.align.as_deref(), Some("center"), "{h1:?}");
    let h2 = &paras[find("Two Columns")];
    assert_eq!(h2.style.as_deref(), Some("Heading2"));
    assert!(near(h2.sizes[0], 16.0, 1.5), "{h2:?}");
    // Body text: 11 pt.
    let body: Vec<&Para> = paras
        .iter()
        .filter(|p| p.style.is_none() && p.picture.is_none())
        .collect();
    assert_eq!(body.len(), 7);
    for p in &body {
        assert!(near(p.sizes[0], 11.0, 1.5), "{p:?}");
    }
    // The picture (6 x 4 cm) between the first paragraph and "Two Columns".
    let pictures: Vec<usize> = (0..paras.len())
        .filter(|&i| paras[i].picture.is_some())
        .collect();
    assert_eq!(pictures.len(), 1, "{paras:#?}");
    let (w, h) = paras[pictures[0]].picture.expect("picture");
    assert!(near(w, 170.1, 17.0) && near(h, 113.4, 11.0), "{w} x {h}");
    assert!(find("This document") < pictures[0] && pictures[0] < find("Two Columns"));
    // Two columns, the right one starting with a column break.
    assert!(document.contains("<w:cols w:num=\"2\""), "no two columns");
    assert!(paras[find("The right column begins")].column_break);
    assert!(find("The left column ends") < find("The right column begins"));
}

/// `text` with the five XML escapes undone.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[test]
fn on_a_table_page_the_text_reads_in_the_order_of_the_docx() {
    // A table between two paragraphs (`fixtures/tables/`), read once into
    // both outputs.
    let page = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/tables/between-paragraphs.png");
    let dir = tempfile::tempdir().expect("temp dir");
    let (txt, docx) = (dir.path().join("p.txt"), dir.path().join("p.docx"));
    ocr(&page, &[&txt, &docx]);
    let text = std::fs::read_to_string(&txt).expect("txt");
    // The table's rows, cells by tabs, between the paragraphs around it.
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in\n{text}"))
    };
    assert!(
        at("against the ledger") < at("Account\tOpening\tClosing")
            && at("Account\tOpening\tClosing") < at("rounded to the nearest cent"),
        "{text}"
    );

    let document = document_xml(&docx);
    assert!(document.contains("<w:tbl>"), "no table in the DOCX");
    // Every paragraph of the DOCX (a table cell's too) in document order:
    // the same words in the same order as the text output.
    let docx_text: Vec<String> = paragraphs(&document)
        .into_iter()
        .map(|p| unescape(&p.text))
        .collect();
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(fold(&docx_text.join(" ")), fold(&text));
}
