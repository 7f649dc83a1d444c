//! Finding and binding the PDFium library, once per process.

use crate::Error;
use pdfium_render::prelude::{Pdfium, PdfiumLibraryBindings};
use std::io::Write;
use std::os::fd::FromRawFd;
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

/// `libpdfium-nolabels.so`, built from `no_labels.c` by `build.rs`.
const NO_LABELS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libpdfium-nolabels.so"));

/// Loads PDFium, then binds it through `libpdfium-nolabels.so`, whose one
/// function replaces PDFium's page-label lookup (see `no_labels.c`): that
/// library needs `libpdfium.so`, and the PDFium loaded first meets the need
/// by its soname. When that fails (a PDFium with another soname, no
/// `/proc`), PDFium is bound directly, with a warning.
fn bind() -> Result<Pdfium, String> {
    let path = pdfium_library();
    // SAFETY: loading PDFium runs its initialisers, which have no preconditions.
    let pdfium = match &path {
        Some(p) => unsafe { libloading::Library::new(p) },
        None => unsafe { libloading::Library::new(Pdfium::pdfium_platform_library_name()) },
    }
    .map_err(|e| match &path {
        Some(p) => format!("cannot load PDFium from {}: {e}", p.display()),
        None => format!(
            "PDFium was not found: set {PDFIUM_ENV} to the path of libpdfium.so, \
             or run scripts/setup.sh, which unpacks it into {VENDOR_DIR}/ \
             (from the pinned pypdfium2 wheel on PyPI)"
        ),
    })?;
    tracing::debug!(path = ?path, "PDFium loaded");
    let bindings = match bind_without_labels() {
        Ok(bindings) => bindings,
        Err(e) => {
            tracing::warn!(
                error = %e,
                "PDFium is bound without the page-label guard: a crafted label tree can crash it"
            );
            match &path {
                Some(p) => Pdfium::bind_to_library(p),
                None => Pdfium::bind_to_system_library(),
            }
            .map_err(|e| format!("cannot bind PDFium: {e}"))?
        }
    };
    // PDFium stays loaded for the life of the process: the binding uses it.
    std::mem::forget(pdfium);
    Ok(Pdfium::new(bindings))
}

fn bind_without_labels() -> Result<Box<dyn PdfiumLibraryBindings>, String> {
    // An anonymous in-memory file: no temporary folder (which may forbid
    // code) and nothing left behind.
    // SAFETY: a valid C string and flags; the descriptor is owned below.
    let fd = unsafe { libc::memfd_create(c"ocrloom-pdfium-nolabels".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    // SAFETY: `fd` was just opened and nothing else owns it.
    let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
    file.write_all(NO_LABELS).map_err(|e| e.to_string())?;
    // The descriptor can close once the library is loaded: the mapping stays.
    Pdfium::bind_to_library(format!("/proc/self/fd/{fd}")).map_err(|e| e.to_string())
}
