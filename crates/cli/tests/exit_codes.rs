//! The CLI contract: exit codes and the one-line error on stderr.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn ocrloom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ocrloom"))
        .args(args)
        .output()
        .expect("run ocrloom")
}

fn path(rel: &str) -> String {
    fixtures().join(rel).to_string_lossy().into_owned()
}

#[test]
fn info_prints_json_for_a_good_file() {
    let out = ocrloom(&["info", "--json", &path("raster/g4-3pages.tif")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["format"], "tiff");
    let pages = json["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["width"], 1850.0);
    assert_eq!(pages[0]["dpi"]["x"], 300.0);
    assert_eq!(pages[0]["has_text"], false);
}

#[test]
fn bad_input_exits_3_with_one_error_line() {
    for (file, code) in [
        ("malformed/pdf_ocrmypdf_invalid.pdf", "corrupt_input"),
        ("raster/encrypted-user-password.pdf", "encrypted_pdf"),
        ("malformed/png_pngsuite_xs1n0g01.png", "unsupported_format"),
    ] {
        let out = ocrloom(&["info", &path(file)]);
        assert_eq!(out.status.code(), Some(3), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr.lines().last().unwrap_or_default();
        assert!(
            line.starts_with(&format!("error: {code}: ")),
            "{file}: {stderr}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(ocrloom(&[]).status.code(), Some(2));
    assert_eq!(ocrloom(&["info"]).status.code(), Some(2));
    assert_eq!(ocrloom(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn a_missing_file_is_another_failure() {
    let out = ocrloom(&["info", "/nonexistent/file.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: io_error: "));
}

#[test]
fn ocr_writes_the_text_of_every_page() {
    let dir = std::env::temp_dir().join(format!("ocrloom-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("phototest.txt");
    let status = ocrloom(&[
        "ocr",
        &path("raster/same-page.png"),
        "-o",
        &out.to_string_lossy(),
        "--lang",
        "en",
    ]);
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("output written");
    let gt =
        std::fs::read_to_string(fixtures().join("ocr/phototest.gt.txt")).expect("ground truth");
    let counts = ocrloom::ocr::score::score_page(&gt, Some(&text), "tesseract-test");
    assert!(counts.cer() < 5.0, "CER {:.2}%: {text}", counts.cer());
    // No temporary file is left beside the output.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("phototest.txt")]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ocr_refuses_an_uninstalled_language_listing_the_installed_ones() {
    let out = ocrloom(&[
        "ocr",
        &path("raster/same-page.png"),
        "-o",
        "/tmp/never-written.txt",
        "--lang",
        "xyz",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: unsupported_language: ") && stderr.contains("eng"),
        "{stderr}"
    );
    assert!(!std::path::Path::new("/tmp/never-written.txt").exists());
}
