//! Exports `pixWriteMem` from the binary so that it takes the place of
//! Leptonica's for Tesseract (see src/lines.rs).
fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=pixWriteMem");
}
