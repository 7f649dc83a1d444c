//! `ocrloom ocr` reports its progress on stderr: an animated bar on a
//! terminal (run here in a pseudo-terminal by `script`), plain lines when
//! stderr is a pipe, nothing with `--quiet`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A 12-page PDF: the one-page `raster/same-page.pdf` twelve times (qpdf).
fn twelve_pages(dir: &Path) -> PathBuf {
    let page = fixtures().join("raster/same-page.pdf");
    let out = dir.join("twelve.pdf");
    let status = Command::new("qpdf")
        .arg("--empty")
        .arg("--pages")
        .args(std::iter::repeat_n(&page, 12))
        .arg("--")
        .arg(&out)
        .status()
        .expect("qpdf (installed by scripts/setup.sh)");
    assert!(status.success(), "qpdf failed");
    out
}

#[test]
fn a_terminal_sees_a_bar_with_count_rate_and_time_left() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = twelve_pages(dir.path());
    let output = dir.path().join("out.txt");
    let command = format!(
        "{} ocr {} -o {} --jobs 1",
        env!("CARGO_BIN_EXE_ocrloom"),
        input.display(),
        output.display()
    );
    // `script` runs the command with a pseudo-terminal as its stdin, stdout
    // and stderr, and copies what it writes to our stdout.
    let out = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .output()
        .expect("script (util-linux)");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    // Each frame starts with a carriage return or an escape sequence that
    // clears the line; the text of each is the bar, the count and the rest.
    let frames: Vec<&str> = screen
        .split(['\r', '\n'])
        .filter(|f| f.contains(" pages "))
        .collect();
    assert!(frames.len() >= 2, "fewer than two frames: {screen:?}");
    for frame in &frames {
        assert!(frame.contains("/12 pages"), "{frame:?}");
        assert!(frame.contains(" left"), "{frame:?}");
    }
    let last = frames.last().expect("a frame");
    assert!(last.contains("12/12 pages"), "{last:?}");
    assert!(last.contains("pages/s"), "{last:?}");
    assert!(std::fs::metadata(&output).is_ok_and(|m| m.len() > 0));
}

#[test]
fn a_pipe_gets_plain_lines_and_quiet_gets_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = twelve_pages(dir.path());
    let output = dir.path().join("out.txt");
    let run = |quiet: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ocrloom"));
        command.arg("ocr").arg(&input).arg("-o").arg(&output);
        if quiet {
            command.arg("--quiet");
        }
        let out = command.output().expect("run ocrloom");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stderr).expect("UTF-8")
    };
    let lines = run(false);
    assert!(
        !lines.chars().any(|c| c.is_control() && c != '\n'),
        "control characters in {lines:?}"
    );
    let last = lines.lines().last().expect("at least one line");
    assert!(last.starts_with("12/12 pages, "), "{lines:?}");
    assert!(last.contains(" pages/s"), "{lines:?}");
    assert_eq!(run(true), "");
}
