//! Golden tests: every writer on fixtures with constructed results, compared
//! byte for byte with `fixtures/writers/golden/`. Set
//! `OCRLOOM_UPDATE_GOLDEN=1` to rewrite the golden files after a deliberate
//! change (and review the diff).

mod common;

use common::{fixture, sample_page};
use ocrloom_ocr::DocumentResult;
use ocrloom_raster::{Document, OpenOptions};
use ocrloom_writers::{write, OutputFormat, WriteOptions};

fn check(name: &str, actual: &[u8]) {
    let path = fixture("golden").join(name);
    if std::env::var_os("OCRLOOM_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with OCRLOOM_UPDATE_GOLDEN=1)", path.display()));
    if expected != actual {
        let new = path.with_extension("actual");
        let _ = std::fs::write(&new, actual);
        panic!(
            "{} differs; actual output in {}",
            path.display(),
            new.display()
        );
    }
}

fn outputs(input: &str, result: &DocumentResult) -> Vec<(OutputFormat, Vec<u8>)> {
    let doc = Document::open_path(&fixture(input), &OpenOptions::default()).expect("open fixture");
    let options = WriteOptions {
        source_name: Some(input.into()),
        ..Default::default()
    };
    OutputFormat::ALL
        .iter()
        .map(|&f| {
            let mut out = Vec::new();
            write(f, &doc, result, &options, &mut out).expect("write");
            let mut again = Vec::new();
            write(f, &doc, result, &options, &mut again).expect("write");
            assert_eq!(out, again, "{f:?} output is not deterministic");
            (f, out)
        })
        .collect()
}

#[test]
fn golden_outputs() {
    let mut read = 0;
    // A PDF page at 300 DPI (612 x 792 pt -> 2550 x 3300 px).
    let pdf = DocumentResult {
        pages: vec![sample_page(0, 2550, 3300)],
    };
    for (f, out) in outputs("trivial.pdf", &pdf) {
        check(&format!("trivial.{}", f.name()), &out);
        read += 1;
    }
    // A CCITT G4 TIFF page (640 x 200 px).
    let tiff = DocumentResult {
        pages: vec![sample_page(0, 640, 200)],
    };
    for (f, out) in outputs("group4.tiff", &tiff) {
        check(&format!("group4.{}", f.name()), &out);
        read += 1;
    }
    assert_eq!(read, 16);
}
