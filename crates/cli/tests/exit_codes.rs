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
    assert_eq!(pages[0]["text"], "none");
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
fn a_pdf_that_keeps_pdfium_busy_is_refused_with_timeout() {
    let file = path("pdfium-hang/fuzz-f918d0f13d9d2aa65c301b9e92263abf31f24ad4.pdf");
    let out_pdf = std::env::temp_dir().join(format!("ocrloom-hang-{}.pdf", std::process::id()));
    let out_arg = out_pdf.to_string_lossy().into_owned();
    for args in [
        vec!["info", "--pdf-timeout", "2", &file],
        vec!["ocr", "--pdf-timeout", "2", &file, "-o", &out_arg],
    ] {
        let started = std::time::Instant::now();
        let out = ocrloom(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(
            stderr
                .lines()
                .last()
                .unwrap_or_default()
                .starts_with("error: timeout: "),
            "{args:?}: {stderr}"
        );
        // The 2 s limit, plus starting the processes; nowhere near a hang.
        assert!(
            started.elapsed().as_secs() < 20,
            "{args:?}: {:?}",
            started.elapsed()
        );
        assert!(!out_pdf.exists(), "no output for a refused input");
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

/// A fresh, empty folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ocrloom-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The last stderr line, after checking the exit code.
fn failure_line(out: &Output, exit: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit), "{stderr}");
    stderr.lines().last().unwrap_or_default().to_owned()
}

#[test]
fn a_page_over_its_time_limit_exits_1_with_timeout() {
    let dir = temp_dir("timeout");
    let out = dir.join("out.txt");
    let run = ocrloom(&[
        "ocr",
        &path("ocr/phototest.tif"),
        "-o",
        &out.to_string_lossy(),
        "--page-timeout",
        "0.001",
    ]);
    let line = failure_line(&run, 1);
    assert!(line.starts_with("error: timeout: page 0: "), "{line}");
    assert!(line.contains("0.001 s allowed per page"), "{line}");
    assert!(entries(&dir).is_empty(), "nothing written");
    let bad = ocrloom(&["ocr", "x.png", "-o", "x.txt", "--page-timeout", "-1"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a negative limit is a usage error"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_output_that_cannot_be_written_exits_1_and_leaves_nothing() {
    let dir = temp_dir("unwritable");
    let not_a_dir = dir.join("file");
    std::fs::write(&not_a_dir, b"a file, not a folder").expect("file");
    for target in [
        not_a_dir.join("out.txt"),
        PathBuf::from("/dev/full/out.txt"),
        dir.join("missing/out.txt"),
    ] {
        let run = ocrloom(&[
            "ocr",
            &path("raster/same-page.png"),
            "-o",
            &target.to_string_lossy(),
        ]);
        let line = failure_line(&run, 1);
        assert!(
            line.starts_with(&format!(
                "error: io_error: cannot write {}: ",
                target.display()
            )),
            "{line}"
        );
        assert!(!target.exists());
    }
    assert_eq!(entries(&dir), vec!["file".to_owned()]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_write_failing_midway_leaves_no_partial_output() {
    // The file size limit makes the write fail after 4 KiB (EFBIG, with
    // SIGXFSZ ignored), as a full disk would: the searchable PDF is larger.
    let dir = temp_dir("midway");
    let out = dir.join("out.pdf");
    let run = Command::new("sh")
        .arg("-c")
        .arg(r#"trap '' XFSZ; exec prlimit --fsize=4096 "$@""#)
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_ocrloom"))
        .args(["ocr", &path("raster/same-page.png"), "-o"])
        .arg(&out)
        .output()
        .expect("run ocrloom under prlimit");
    let line = failure_line(&run, 1);
    assert!(
        line.starts_with(&format!(
            "error: io_error: cannot write {}: ",
            out.display()
        )),
        "{line}"
    );
    assert!(line.to_lowercase().contains("too large"), "{line}");
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    std::fs::remove_dir_all(&dir).ok();
}
