//! Words read from marks that are not text (`fixtures/noise/`: a strip of
//! a typed letter with a received-stamp over its line ends): flagged and
//! left out of the text by default; `--keep-noise` gives the outputs
//! ocrloom wrote before it told them apart, byte for byte (the
//! `*.keep-noise.*` files were written by the `ocrloom` of main at 83adc2f
//! with the same command).

use std::path::{Path, PathBuf};
use std::process::Command;

const FORMATS: [&str; 5] = ["txt", "json", "hocr", "xml", "pdf"];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/noise")
}

/// Reads the fixture into every format in `dir`, with `extra` arguments.
fn ocr(dir: &Path, extra: &[&str]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocrloom"));
    cmd.arg("ocr")
        .arg(fixtures().join("stamped-letter.png"))
        .args(["--jobs", "1", "--quiet"])
        .args(extra)
        .env("OMP_THREAD_LIMIT", "1");
    for ext in FORMATS {
        cmd.arg("-o").arg(dir.join(format!("out.{ext}")));
    }
    let out = cmd.output().expect("run ocrloom");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn keep_noise_writes_the_outputs_of_before_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    ocr(dir.path(), &["--keep-noise"]);
    let mut compared = 0;
    for ext in FORMATS {
        let want = std::fs::read(fixtures().join(format!("stamped-letter.keep-noise.{ext}")))
            .expect("golden");
        let got = std::fs::read(dir.path().join(format!("out.{ext}"))).expect("output");
        assert!(got == want, "{ext} differs from the output of before");
        compared += 1;
    }
    assert_eq!(compared, 5);
}

#[test]
fn noise_is_flagged_in_the_structured_outputs_and_left_out_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    ocr(dir.path(), &[]);
    let read = |ext: &str| std::fs::read(dir.path().join(format!("out.{ext}"))).expect("output");
    let json: serde_json::Value = serde_json::from_slice(&read("json")).expect("json");
    let words: Vec<&serde_json::Value> = json["pages"][0]["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .flat_map(|b| b["lines"].as_array().expect("lines"))
        .flat_map(|l| l["words"].as_array().expect("words"))
        .collect();
    let noise: Vec<&str> = words
        .iter()
        .filter(|w| w["noise"] == true)
        .map(|w| w["text"].as_str().expect("text"))
        .collect();
    assert!(
        !noise.is_empty() && noise.len() < words.len() / 10,
        "{noise:?}"
    );
    // Every word is still there; the text has exactly the others.
    let mut kept: Vec<&str> = words
        .iter()
        .filter(|w| w["noise"] != true)
        .map(|w| w["text"].as_str().expect("text"))
        .collect();
    let text = String::from_utf8(read("txt")).expect("utf-8");
    let mut written: Vec<&str> = text.split_whitespace().collect();
    kept.sort_unstable();
    written.sort_unstable();
    assert_eq!(written, kept);
    let before =
        std::fs::read_to_string(fixtures().join("stamped-letter.keep-noise.txt")).expect("golden");
    assert!(text.len() < before.len());
    let hocr = String::from_utf8(read("hocr")).expect("utf-8");
    assert_eq!(hocr.matches("; x_noise 1\"").count(), noise.len());
    let alto = String::from_utf8(read("xml")).expect("utf-8");
    assert_eq!(alto.matches(" TAGREFS=\"noise\"").count(), noise.len());
    assert_eq!(alto.matches("<OtherTag ID=\"noise\"").count(), 1);
}
