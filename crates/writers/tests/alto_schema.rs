//! ALTO output validates against the official ALTO v4 schema
//! (`fixtures/writers/schema/`, see fixtures/README.md) with `xmllint`
//! (Debian `libxml2-utils`, installed by the project's setup script; a
//! missing tool fails the test).

mod common;

use common::{fixture, sample_page};
use ocrloom_ocr::DocumentResult;
use ocrloom_raster::{Document, OpenOptions};
use ocrloom_writers::{write, OutputFormat, WriteOptions};
use std::process::Command;

fn validate(input: &str, result: &DocumentResult) {
    let doc = Document::open_path(&fixture(input), &OpenOptions::default()).expect("open");
    let options = WriteOptions {
        source_name: Some(format!("{input} & <co>")),
        // 2026-11-30T00:53:20Z
        timestamp: Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_000_000)),
        ..Default::default()
    };
    let mut alto = Vec::new();
    write(OutputFormat::Alto, &doc, result, &options, &mut alto).expect("write");
    let text = String::from_utf8_lossy(&alto);
    assert!(
        text.contains("<processingDateTime>2026-11-30T00:53:20Z</processingDateTime>"),
        "{text}"
    );
    let path = std::env::temp_dir().join(format!(
        "ocrloom-writers-{}-{input}.alto.xml",
        std::process::id()
    ));
    std::fs::write(&path, &alto).expect("temp file");
    let schema = fixture("schema").join("alto-4-2.xsd");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(&schema)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("xmllint (libxml2-utils) is required for this test: {e}"));
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{input}: ALTO does not validate:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn alto_validates_against_the_v4_schema() {
    // Recognised pages, a page without a result, and an image input.
    validate(
        "trivial.pdf",
        &DocumentResult {
            pages: vec![sample_page(0, 2550, 3300)],
        },
    );
    validate("trivial.pdf", &DocumentResult { pages: vec![] });
    let doc = Document::open_path(&fixture("group4.tiff"), &OpenOptions::default()).expect("open");
    let info = &doc.pages()[0];
    validate(
        "group4.tiff",
        &DocumentResult {
            pages: vec![sample_page(0, info.width as u32, info.height as u32)],
        },
    );
}
