//! Builds `libpdfium-nolabels.so` (see `src/no_labels.c`): a shared library
//! that needs `libpdfium.so` and overrides one of its functions. PDFium is
//! not needed to build it: the dependency is recorded against an empty
//! stand-in with the same name, and met at run time by the real library,
//! which `pdfium.rs` loads first.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=src/no_labels.c");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let stand_in = out.join("stand-in");
    std::fs::create_dir_all(&stand_in).expect("OUT_DIR is writable");
    let empty = out.join("empty.c");
    std::fs::write(&empty, "").expect("OUT_DIR is writable");
    compile(&[
        empty.as_os_str(),
        "-Wl,-soname,libpdfium.so".as_ref(),
        "-o".as_ref(),
        stand_in.join("libpdfium.so").as_os_str(),
    ]);
    let mut lib_dir = std::ffi::OsString::from("-L");
    lib_dir.push(&stand_in);
    compile(&[
        Path::new("src/no_labels.c").as_os_str(),
        "-Wl,--no-as-needed".as_ref(),
        &lib_dir,
        "-lpdfium".as_ref(),
        "-s".as_ref(),
        "-o".as_ref(),
        out.join("libpdfium-nolabels.so").as_os_str(),
    ]);
}

/// Runs the C compiler cargo would use, making a shared library. Only the
/// compiler is taken from the environment, not its flags: a fuzzing build
/// sets `CFLAGS=-fsanitize=...`, and a sanitized stub could not be loaded
/// into the process.
fn compile(args: &[&std::ffi::OsStr]) {
    let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
    let mut cmd = Command::new(compiler.path());
    cmd.args(["-shared", "-fPIC", "-O2"]).args(args);
    let status = cmd.status().expect("the C compiler runs");
    assert!(status.success(), "{cmd:?} failed");
}
