//! Several outputs of one reading (`-o` given more than once), written all
//! or none, and `--pages`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn ocrloom(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ocrloom"))
        .arg("ocr")
        .args(args)
        .arg("--quiet")
        .output()
        .expect("run ocrloom")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn one_reading_writes_each_output_as_a_single_run_would() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixture("raster/same-page.png");
    let names = ["all.pdf", "all.txt", "all.json", "all.xml"];
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.path().join(n)).collect();
    let mut args: Vec<&Path> = vec![&input];
    for p in &paths {
        args.extend([Path::new("-o"), p]);
    }
    let run = ocrloom(&args);
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        entries(dir.path()),
        ["all.json", "all.pdf", "all.txt", "all.xml"]
    );
    for path in &paths {
        let single = dir.path().join(format!(
            "single.{}",
            path.extension().expect("extension").to_string_lossy()
        ));
        let run = ocrloom(&[&input, Path::new("-o"), &single]);
        assert!(run.status.success(), "{run:?}");
        let (a, b) = (
            std::fs::read(path).expect("multi"),
            std::fs::read(&single).expect("single"),
        );
        assert!(!a.is_empty());
        assert!(a == b, "{} differs from a single run", path.display());
    }
    let text = std::fs::read_to_string(&paths[1]).expect("text");
    assert!(text.split_whitespace().count() >= 5, "{text:?}");
}

#[test]
fn a_failed_output_leaves_none_of_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixture("raster/same-page.png");
    let good = dir.path().join("good.txt");
    let bad = dir.path().join("missing/bad.pdf");
    // The second output's folder is missing: the first, already written to
    // its temporary file, must not appear either.
    let run = ocrloom(&[&input, Path::new("-o"), &good, Path::new("-o"), &bad]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with("error: io_error: cannot write "),
        "{stderr}"
    );
    assert!(stderr.contains("bad.pdf"), "{stderr}");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[test]
fn several_outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixture("raster/same-page.png");
    let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.pdf"));
    for args in [
        vec![
            &*input,
            Path::new("-o"),
            &a,
            Path::new("-o"),
            &b,
            Path::new("--format"),
            Path::new("txt"),
        ],
        vec![&*input, Path::new("-o"), &a, Path::new("-o"), &a],
        vec![
            &*input,
            Path::new("-o"),
            &a,
            Path::new("-o"),
            Path::new("x.unknown"),
        ],
    ] {
        let run = ocrloom(&args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {run:?}");
        assert!(String::from_utf8_lossy(&run.stderr).starts_with("error: usage: "));
    }
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn pages_limits_the_work_to_those_pages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixture("raster/g4-3pages.tif");
    let all = dir.path().join("all.txt");
    let second = dir.path().join("second.txt");
    let run = ocrloom(&[&input, Path::new("-o"), &all]);
    assert!(run.status.success(), "{run:?}");
    let run = ocrloom(&[
        &input,
        Path::new("-o"),
        &second,
        Path::new("--pages"),
        Path::new("2"),
    ]);
    assert!(run.status.success(), "{run:?}");
    let pages = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .expect("text")
            .split('\x0c')
            .map(|s| s.trim().to_owned())
            .collect()
    };
    let (all, second) = (pages(&all), pages(&second));
    assert_eq!((all.len(), second.len()), (3, 3));
    assert!(all.iter().all(|p| !p.is_empty()), "{all:?}");
    assert_eq!(second[0], "");
    assert_eq!(second[1], all[1]);
    assert_eq!(second[2], "");
    let run = ocrloom(&[
        &input,
        Path::new("-o"),
        &dir.path().join("x.txt"),
        Path::new("--pages"),
        Path::new("3-1"),
    ]);
    assert_eq!(run.status.code(), Some(2), "{run:?}");
}

#[test]
fn the_json_page_text_is_the_text_output() {
    // Two columns and a table on one page each: the engine's own order
    // differs from the layout's there, and the JSON's `text` follows the
    // layout, as the text output does.
    for rel in ["layout/two-columns.png", "tables/between-paragraphs.png"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = fixture(rel);
        let (txt, json) = (dir.path().join("p.txt"), dir.path().join("p.json"));
        let run = ocrloom(&[&input, Path::new("-o"), &txt, Path::new("-o"), &json]);
        assert!(run.status.success(), "{run:?}");
        let text = std::fs::read_to_string(&txt).expect("text");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("JSON");
        let page = json["pages"][0]["text"].as_str().expect("page text");
        assert!(page.split_whitespace().count() >= 20, "{rel}: {page:?}");
        assert_eq!(page, text.trim_end_matches('\n'), "{rel}");
    }
}
