//! DOCX opened by a real LibreOffice: `ocrloom ocr X -o X.docx` on the
//! fixture pages and PDFs, converted back to PDF by `soffice --headless`,
//! has one page per input page, and its text (`pdftotext -raw`) is that of
//! ocrloom's own `.txt` (at most 1% CER after whitespace is folded).

use std::path::{Path, PathBuf};
use std::process::Command;

use ocrloom::ocr::score::levenshtein;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The inputs and their page counts.
const INPUTS: [(&str, usize); 7] = [
    ("ocr/phototest.tif", 1),
    ("ocr/j074.png", 1),
    ("ocr/EHRI-BF-19380509b_EN_01.jpg", 1),
    ("layout/two-columns.png", 1),
    ("sample/scan.pdf", 3),
    ("writers/hello_world_rotated.pdf", 5),
    ("writers/ocrmypdf-layer.pdf", 1),
];

fn ocr(input: &Path, output: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_ocrloom"))
        .arg("ocr")
        .arg(input)
        .arg("-o")
        .arg(output)
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .expect("run ocrloom");
    assert!(
        out.status.success(),
        "{}: {}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

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
fn fold(text: &str) -> Vec<char> {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect()
}

#[test]
fn libreoffice_reads_every_page_and_the_text_of_the_docx() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut docx = Vec::new();
    for (rel, _) in INPUTS {
        let input = fixtures().join(rel);
        let stem = rel.replace('/', "_");
        let d = dir.path().join(format!("{stem}.docx"));
        ocr(&input, &d);
        ocr(&input, &dir.path().join(format!("{stem}.txt")));
        docx.push(d);
    }
    // One LibreOffice for all (it takes seconds to start), with a profile
    // of its own so that parallel runs do not share one.
    let profile = dir.path().join("profile");
    let pdfs = dir.path().join("pdf");
    run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&pdfs)
        .args(&docx));
    let mut checked = 0;
    for (rel, pages) in INPUTS {
        let stem = rel.replace('/', "_");
        let pdf = pdfs.join(format!("{stem}.pdf"));
        let info = run(Command::new("pdfinfo").arg(&pdf));
        let count: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{rel}: no page count in {info}"));
        assert_eq!(count, pages, "{rel}: pages");
        // In the order LibreOffice wrote the text (the DOCX flow), not
        // pdftotext's own guess at columns.
        let text = run(Command::new("pdftotext").arg("-raw").arg(&pdf).arg("-"));
        let own = std::fs::read_to_string(dir.path().join(format!("{stem}.txt"))).expect("txt");
        let (a, b) = (fold(&own), fold(&text));
        let cer = levenshtein(&a, &b) as f64 / a.len().max(1) as f64;
        assert!(
            cer <= 0.01,
            "{rel}: CER {:.2}% between the .txt and LibreOffice's text\n{own}\n---\n{text}",
            cer * 100.0
        );
        checked += 1;
    }
    assert_eq!(checked, INPUTS.len());
}

#[test]
fn the_same_input_gives_the_same_docx() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixtures().join("ocr/phototest.tif");
    let (a, b) = (dir.path().join("a.docx"), dir.path().join("b.docx"));
    ocr(&input, &a);
    ocr(&input, &b);
    let (a, b) = (std::fs::read(a).expect("a"), std::fs::read(b).expect("b"));
    assert!(a.starts_with(b"PK\x03\x04"), "a zip package");
    assert_eq!(a, b);
}
