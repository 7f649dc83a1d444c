//! Finding and binding the PDFium library, once per process.

use crate::Error;
use pdfium_render::prelude::Pdfium;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable that names the PDFium library (a file or a folder).
pub const PDFIUM_ENV: &str = "OCRLOOM_PDFIUM";

/// Where the project's set-up script unpacks PDFium (relative to the workspace).
const VENDOR_DIR: &str = "vendor/pdfium";

static PDFIUM: OnceLock<Result<Pdfium, String>> = OnceLock::new();

/// The process-wide PDFium binding, made on first use.
///
/// PDFium allows one binding per process; every call goes through its global
/// lock, so two threads never render at once.
pub(crate) fn pdfium() -> Result<&'static Pdfium, Error> {
    PDFIUM
        .get_or_init(bind)
        .as_ref()
        .map_err(|e| Error::Pdfium(e.clone()))
}

/// The path of the PDFium library that would be (or was) loaded, if one is found.
pub fn pdfium_library() -> Option<PathBuf> {
    candidates().into_iter().find(|p| p.is_file())
}

/// Places searched, in order: the environment variable, the project's vendor
/// folder (beside the executable, or in the source tree it was built from).
fn candidates() -> Vec<PathBuf> {
    let name = Pdfium::pdfium_platform_library_name();
    let mut out = Vec::new();
    if let Some(v) = std::env::var_os(PDFIUM_ENV) {
        let p = PathBuf::from(v);
        out.push(if p.is_dir() { p.join(&name) } else { p });
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join(&name));
        for up in dir.ancestors().take(4) {
            out.push(up.join(VENDOR_DIR).join(&name));
        }
    }
    out.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(VENDOR_DIR)
            .join(&name),
    );
    out
}

fn bind() -> Result<Pdfium, String> {
    let bindings = match pdfium_library() {
        Some(path) => {
            tracing::debug!(path = %path.display(), "binding PDFium");
            Pdfium::bind_to_library(&path)
                .map_err(|e| format!("cannot load PDFium from {}: {e}", path.display()))
        }
        None => Pdfium::bind_to_system_library().map_err(|_| {
            format!(
                "PDFium was not found: set {PDFIUM_ENV} to the path of libpdfium.so, \
                 or run scripts/setup.sh, which unpacks it into {VENDOR_DIR}/ \
                 (from the pinned pypdfium2 wheel on PyPI)"
            )
        }),
    }?;
    Ok(Pdfium::new(bindings))
}
