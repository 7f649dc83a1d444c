//! The binary's `pixWriteMem` (src/lines.rs) is the one Tesseract calls:
//! the dynamic linker's own account of the binding, and the text unchanged.

use std::process::Command;

#[test]
fn tesseract_binds_pix_write_mem_to_the_binary() {
    let dir = std::env::temp_dir().join(format!("ocrloom-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/ocr/phototest.tif"
    );
    let out = dir.join("out.txt");
    let log = dir.join("ld");
    let status = Command::new(env!("CARGO_BIN_EXE_ocrloom"))
        .args(["ocr", input, "-o"])
        .arg(&out)
        .env("OMP_THREAD_LIMIT", "1")
        .env("LD_DEBUG", "bindings")
        .env("LD_DEBUG_OUTPUT", &log)
        .status()
        .expect("run ocrloom");
    assert!(status.success());
    // LD_DEBUG_OUTPUT gets the process id appended; the PDFium child and
    // the parent each write one.
    let mut bindings = String::new();
    for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
        if entry.file_name().to_string_lossy().starts_with("ld") {
            bindings += &std::fs::read_to_string(entry.path()).unwrap_or_default();
        }
    }
    let line = bindings
        .lines()
        .find(|l| l.contains("`pixWriteMem'") && l.contains("libtesseract"))
        .unwrap_or_else(|| {
            panic!(
                "Tesseract never bound pixWriteMem ({} bytes of log)",
                bindings.len()
            )
        });
    let target = line.split(" to ").nth(1).unwrap_or_default();
    assert!(target.contains("/ocrloom ["), "{line}");
    let text = std::fs::read_to_string(&out).expect("text output");
    assert!(text.contains("quick brown dog"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}
