//! DOCX and PPTX opened by a real LibreOffice (Writer and Impress):
//! `ocrloom ocr X -o X.docx` and `-o X.pptx` on the fixture pages and PDFs,
//! converted back to PDF by `soffice --headless`, have one page (slide) per
//! input page, and their text (`pdftotext -raw`) is that of ocrloom's own
//! `.txt` (at most 1% CER after whitespace is folded).

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

/// The formats LibreOffice opens.
const OFFICE: [&str; 2] = ["docx", "pptx"];

fn ocr(input: &Path, output: &Path) {
    ocr_with(input, output, &[]);
}

fn ocr_with(input: &Path, output: &Path, flags: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ocrloom"))
        .arg("ocr")
        .arg(input)
        .arg("-o")
        .arg(output)
        .args(flags)
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

/// The PDF LibreOffice makes of `stem`.`ext`: the format in its name, as
/// the DOCX and the PPTX of one input would make the same PDF name.
fn office_name(stem: &str, ext: &str) -> String {
    format!("{stem}-{ext}")
}

#[test]
fn libreoffice_reads_every_page_and_the_text_of_the_docx_and_pptx() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut office = Vec::new();
    for (rel, _) in INPUTS {
        let input = fixtures().join(rel);
        let stem = rel.replace('/', "_");
        for ext in OFFICE {
            let d = dir
                .path()
                .join(format!("{}.{ext}", office_name(&stem, ext)));
            ocr(&input, &d);
            office.push(d);
        }
        ocr(&input, &dir.path().join(format!("{stem}.txt")));
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
        .args(&office));
    let mut checked = 0;
    for ((rel, pages), ext) in INPUTS
        .iter()
        .flat_map(|i| OFFICE.iter().map(move |e| (i, e)))
    {
        let stem = rel.replace('/', "_");
        let pdf = pdfs.join(format!("{}.pdf", office_name(&stem, ext)));
        let info = run(Command::new("pdfinfo").arg(&pdf));
        let count: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{rel}: no page count in {info}"));
        assert_eq!(count, *pages, "{rel} {ext}: pages");
        // In the order LibreOffice wrote the text (the DOCX flow), not
        // pdftotext's own guess at columns.
        let text = run(Command::new("pdftotext").arg("-raw").arg(&pdf).arg("-"));
        let own = std::fs::read_to_string(dir.path().join(format!("{stem}.txt"))).expect("txt");
        let (a, b) = (fold(&own), fold(&text));
        let cer = levenshtein(&a, &b) as f64 / a.len().max(1) as f64;
        assert!(
            cer <= 0.01,
            "{rel} {ext}: CER {:.2}% between the .txt and LibreOffice's text\n{own}\n---\n{text}",
            cer * 100.0
        );
        checked += 1;
    }
    assert_eq!(checked, INPUTS.len() * OFFICE.len());
}

#[test]
fn the_same_input_gives_the_same_docx_and_pptx() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixtures().join("ocr/phototest.tif");
    for ext in OFFICE {
        let (a, b) = (
            dir.path().join(format!("a.{ext}")),
            dir.path().join(format!("b.{ext}")),
        );
        ocr(&input, &a);
        ocr(&input, &b);
        let (a, b) = (std::fs::read(a).expect("a"), std::fs::read(b).expect("b"));
        assert!(a.starts_with(b"PK\x03\x04"), "{ext}: a zip package");
        assert_eq!(a, b, "{ext}");
    }
}

/// One part of a package, by `unzip`.
fn part(package: &Path, name: &str) -> Option<Vec<u8>> {
    let out = Command::new("unzip")
        .arg("-p")
        .arg(package)
        .arg(name)
        .output()
        .expect("unzip (scripts/setup.sh)");
    (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
}

#[test]
fn page_image_puts_the_scan_behind_each_slide() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixtures().join("sample/scan.pdf");
    let (plain, behind) = (
        dir.path().join("plain.pptx"),
        dir.path().join("behind.pptx"),
    );
    ocr(&input, &plain);
    ocr_with(&input, &behind, &["--page-image"]);
    let text = |p: &Path, name: &str| {
        String::from_utf8(part(p, name).unwrap_or_else(|| panic!("{name}"))).expect("UTF-8")
    };
    let mut slides = 0;
    for n in 1..=3 {
        let name = format!("ppt/slides/slide{n}.xml");
        let (without, with) = (text(&plain, &name), text(&behind, &name));
        assert!(!without.contains("<p:bg>"), "slide {n}: a background");
        let head = "<p:bg><p:bgPr><a:blipFill><a:blip r:embed=\"";
        let at = with
            .find(head)
            .unwrap_or_else(|| panic!("slide {n}: {with}"))
            + head.len();
        let rel = &with[at..at + with[at..].find('"').expect("rel")];
        // The same text boxes on top.
        let tree = |s: &str| s[s.find("<p:spTree>").expect("shapes")..].to_owned();
        assert_eq!(tree(&without), tree(&with), "slide {n}");
        // The background: an image of the page's shape (portrait).
        let rels = text(&behind, &format!("ppt/slides/_rels/slide{n}.xml.rels"));
        let at = rels
            .find(&format!("Id=\"{rel}\""))
            .expect("the relationship");
        let target = rels[at..].split("Target=\"../").nth(1).expect("target");
        let media = format!("ppt/{}", &target[..target.find('"').expect("end")]);
        let png = part(&behind, &media).expect("the background image");
        let (w, h) = image_size(&png);
        assert!(w > 500 && h > w, "{media}: {w} x {h}");
        slides += 1;
    }
    assert_eq!(slides, 3);
}

/// A PNG's width and height from its header.
fn image_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}
