//! Tables in DOCX and PPTX opened by a real LibreOffice (Writer and
//! Impress): `ocrloom ocr PAGE -o p.json -o p.docx -o p.pptx` on table
//! pages of `fixtures/tables/` (ruled with a merged header, a table between
//! paragraphs, two tables on one page). The DOCX holds as many Word tables
//! as the JSON lists, the PPTX as many table shapes; each converts to PDF
//! (`soffice --headless`) of one page whose text (`pdftotext -raw`) has
//! every table's cells in row order, between the paragraphs around it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/tables")
}

/// The pages, and a line of the text above and below their tables.
const PAGES: [(&str, &str, &str); 3] = [
    ("ruled-merged-header", "Sales by region", ""),
    (
        "between-paragraphs",
        "checked against the ledger",
        "rounded to the nearest cent",
    ),
    ("two-tables", "Opening hours", ""),
];

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{cmd:?} (LibreOffice and poppler-utils: scripts/setup.sh): {e}")
    });
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whitespace runs folded to one space, ends trimmed.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One part of an Office package.
fn part(package: &Path, name: &str) -> String {
    run(Command::new("unzip").arg("-p").arg(package).arg(name))
}

/// `office` converted to PDF by LibreOffice: its page count and text.
fn pdf_text(office: &Path, dir: &Path) -> (usize, String) {
    let out = dir.join("pdf");
    run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(office));
    let stem = office.file_stem().expect("stem").to_string_lossy();
    let pdf = out.join(format!("{stem}.pdf"));
    let info = run(Command::new("pdfinfo").arg(&pdf));
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count");
    let text = run(Command::new("pdftotext").arg("-raw").arg(&pdf).arg("-"));
    (pages, fold(&text))
}

/// Where each of `needles` is in `text`, one after the other from `from`;
/// panics naming the first one missing.
fn in_order(text: &str, needles: &[String], from: usize) -> usize {
    let mut at = from;
    for n in needles {
        let found = text[at..]
            .find(n.as_str())
            .unwrap_or_else(|| panic!("`{n}` not after {at} in\n{text}"));
        at += found + n.len();
    }
    at
}

#[test]
fn tables_are_word_tables_and_table_shapes_libreoffice_reads_in_row_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut read = 0;
    for (name, before, after) in PAGES {
        let [json, docx, pptx] = ["json", "docx", "pptx"].map(|ext| {
            // Distinct stems: the DOCX and the PPTX make PDFs of their own.
            dir.path().join(format!("{name}-{ext}.{ext}"))
        });
        run(Command::new(env!("CARGO_BIN_EXE_ocrloom"))
            .arg("ocr")
            .arg(fixtures().join(format!("{name}.png")))
            .arg("-o")
            .arg(&json)
            .arg("-o")
            .arg(&docx)
            .arg("-o")
            .arg(&pptx)
            .env("OMP_THREAD_LIMIT", "1"));
        let out: Value =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
        let tables = out["pages"][0]["tables"].as_array().expect("tables");
        assert!(!tables.is_empty(), "{name}: no table found");
        let document = part(&docx, "word/document.xml");
        assert_eq!(document.matches("<w:tbl>").count(), tables.len(), "{name}");
        let slide = part(&pptx, "ppt/slides/slide1.xml");
        assert_eq!(slide.matches("<a:tbl>").count(), tables.len(), "{name}");
        for office in [&docx, &pptx] {
            let (pages, text) = pdf_text(office, dir.path());
            assert_eq!(pages, 1, "{}: {pages} pages", office.display());
            // The text above, each table's non-empty cells row by row, the
            // text below.
            let mut at = in_order(&text, &[before.to_owned()], 0);
            for t in tables {
                let cells: Vec<String> = t["cells"]
                    .as_array()
                    .expect("cells")
                    .iter()
                    .map(|c| fold(c["text"].as_str().unwrap_or_default()))
                    .filter(|c| !c.is_empty())
                    .collect();
                at = in_order(&text, &cells, at);
            }
            in_order(&text, &[after.to_owned()], at);
        }
        read += 1;
    }
    assert_eq!(read, PAGES.len());
}
