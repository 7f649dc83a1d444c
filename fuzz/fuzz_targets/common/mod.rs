//! What the document targets share: tight limits, one open + first-page
//! render through the raster crate's public API, and the invariants every
//! outcome must keep (a typed bad-input error, or a page within the limits).

use ocrloom_raster::{Document, Error, ErrorKind, Format, Limits, OpenOptions, Page, RenderDpi};

/// Limits far below the defaults, so that one input stays cheap and any
/// allocation the limits should have prevented shows up under `-rss_limit_mb`.
pub fn limits() -> Limits {
    Limits {
        max_file_bytes: 1 << 20,
        max_pages: 64,
        max_page_pixels: 4_000_000,
        max_dpi: 150,
        max_decoded_bytes: 64 << 20,
    }
}

/// The resolution PDF pages are rendered at (images keep their pixels).
pub const PDF_DPI: f32 = 36.0;

/// Kinds that mean "the input is bad" (as `crates/raster/tests/hostile.rs`),
/// and `InputTimeout`: PDFium did not finish within [`PDFIUM_TIMEOUT`].
const BAD_INPUT: [ErrorKind; 5] = [
    ErrorKind::CorruptInput,
    ErrorKind::UnsupportedFormat,
    ErrorKind::EncryptedPdf,
    ErrorKind::LimitExceeded,
    ErrorKind::InputTimeout,
];

/// The pdf target runs PDFium as the `ocrloom` binary does: in a child
/// process (this fuzzer again, given this argument) with a time limit per
/// step, well under libFuzzer's `-timeout` (scripts/fuzz.sh: 20 s).
const PDFIUM_WORKER_ARG: &str = "ocrloom-pdfium-worker";
const PDFIUM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn check_error(e: &Error) {
    assert!(
        BAD_INPUT.contains(&e.kind()),
        "unexpected error kind {}: {e}",
        e.kind()
    );
    // Messages go to users and logs: formatting them must not fail either.
    let _ = e.to_string();
}

fn check_page(page: &Page, limits: &Limits, format: Format) {
    let (w, h) = (page.image.width(), page.image.height());
    assert!(w > 0 && h > 0, "empty page image {w}x{h}");
    assert!(
        u64::from(w) * u64::from(h) <= limits.max_page_pixels,
        "page image {w}x{h} is over the pixel limit"
    );
    assert_eq!(
        page.image.as_bytes().len(),
        w as usize * h as usize * usize::from(page.image.channels())
    );
    if format != Format::Pdf {
        // Image pages: the page list promises the displayed size in pixels.
        assert_eq!(
            (w as f32, h as f32),
            (page.info.width, page.info.height),
            "rendered size differs from the page list"
        );
    }
}

/// Opens `data` only when it is detected as `want` (so each target feeds its
/// own decoder), checks the page list and renders the first page.
pub fn open_and_render_first_page(data: &[u8], want: Format) {
    if ocrloom_detect::detect(data) != Ok(want) {
        return;
    }
    let options = OpenOptions {
        limits: limits(),
        password: None,
    };
    let doc = match Document::open(data.to_vec(), &options) {
        Ok(doc) => doc,
        Err(e) => return check_error(&e),
    };
    assert_eq!(doc.format(), want);
    let pages = doc.pages();
    assert!(!pages.is_empty() && pages.len() <= options.limits.max_pages);
    for (i, info) in pages.iter().enumerate() {
        assert_eq!(info.index, i);
        assert!(matches!(info.rotation, 0 | 90 | 180 | 270), "{info:?}");
    }
    match doc.render(0, RenderDpi::Fixed(PDF_DPI)) {
        Ok(page) => check_page(&page, &options.limits, want),
        Err(e) => check_error(&e),
    }
    if want == Format::Pdf {
        if let Err(e) = doc.page_text(0) {
            check_error(&e);
        }
    }
}

/// Exits (not a crash) when PDFium cannot be found: the PDF target would only
/// see `pdfium_unavailable` errors and fuzz nothing. Then sets up PDFium in a
/// child process, or, in that child, serves its one request.
#[allow(dead_code)] // only the pdf target calls it
pub fn require_pdfium() {
    if ocrloom_raster::pdfium_library().is_none() {
        eprintln!(
            "fuzz: PDFium not found: set OCRLOOM_PDFIUM to vendor/pdfium/libpdfium.so \
             (scripts/setup.sh fetches it)"
        );
        std::process::exit(2);
    }
    if std::env::args().any(|a| a == PDFIUM_WORKER_ARG) {
        // The child: serve one request and leave at once (no leak report of
        // what PDFium keeps until exit, no libFuzzer run).
        let code = i32::from(ocrloom_raster::serve_pdfium().is_err());
        // SAFETY: ends the process; stdout was flushed by serve_pdfium.
        unsafe { libc::_exit(code) };
    }
    ocrloom_raster::isolate_pdfium(ocrloom_raster::Isolation {
        program: "/proc/self/exe".into(),
        args: vec![PDFIUM_WORKER_ARG.into()],
        timeout: PDFIUM_TIMEOUT,
        // ASan's shadow memory would count against a data limit.
        memory: None,
    });
}
