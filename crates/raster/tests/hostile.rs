//! Hostile input: every malformed fixture ends in a page or a typed error,
//! quickly and without a panic; limits refuse bombs before decoding.

mod common;

use common::{fixture, fixtures};
use ocrloom_raster::{Document, Error, ErrorKind, Format, Limits, OpenOptions, RenderDpi};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How many files `fixtures/malformed/` holds (see fixtures/README.md).
const MALFORMED_FILES: usize = 80;
/// Per-file time bound, generous for a loaded 2-core machine.
const BOUND: Duration = Duration::from_secs(20);

/// Opens and renders every page; the outcome is either all pages or an error kind.
/// Image pages must come out at the size the page list promised.
fn outcome(bytes: Vec<u8>) -> Result<usize, ErrorKind> {
    let doc = Document::open(bytes, &OpenOptions::default()).map_err(|e| e.kind())?;
    let mut n = 0;
    for page in doc.stream(RenderDpi::Fixed(150.0)) {
        let page = page.map_err(|e| e.kind())?;
        if doc.format() != Format::Pdf {
            let size = (page.image.width() as f32, page.image.height() as f32);
            assert_eq!(size, (page.info.width, page.info.height), "page {n}");
        }
        n += 1;
    }
    Ok(n)
}

#[test]
fn malformed_files_fail_cleanly_and_quickly() {
    let mut paths: Vec<_> = std::fs::read_dir(fixtures().join("malformed"))
        .expect("fixtures/malformed")
        .map(|e| e.expect("dir entry").path())
        .collect();
    paths.sort();
    assert_eq!(
        paths.len(),
        MALFORMED_FILES,
        "fixtures/malformed changed: update the count and README"
    );
    let mut errors = 0;
    for path in &paths {
        let bytes = std::fs::read(path).expect("read fixture");
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(|| outcome(bytes));
            let _ = tx.send(result);
        });
        let result = rx
            .recv_timeout(BOUND)
            .unwrap_or_else(|_| panic!("{}: no answer within {BOUND:?}", path.display()));
        let result = result.unwrap_or_else(|_| panic!("{}: panicked", path.display()));
        if let Err(kind) = result {
            errors += 1;
            assert!(
                [
                    ErrorKind::CorruptInput,
                    ErrorKind::UnsupportedFormat,
                    ErrorKind::EncryptedPdf,
                    ErrorKind::LimitExceeded,
                ]
                .contains(&kind),
                "{}: unexpected error kind {kind}",
                path.display()
            );
        }
        assert!(start.elapsed() < BOUND);
    }
    // Most of these files are beyond repair; decoders that recover the rest are fine.
    assert!(errors >= MALFORMED_FILES / 2, "only {errors} errors");
}

#[test]
fn limits_refuse_what_is_too_large() {
    let tiny = |limits: Limits| OpenOptions {
        limits,
        ..Default::default()
    };
    let tif = fixture("raster/g4-3pages.tif");
    let e = Document::open(
        tif.clone(),
        &tiny(Limits {
            max_pages: 2,
            ..Default::default()
        }),
    )
    .unwrap_err();
    assert!(matches!(e, Error::LimitExceeded(_)), "{e}");
    let e = Document::open(
        tif.clone(),
        &tiny(Limits {
            max_file_bytes: 1000,
            ..Default::default()
        }),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    let e = Document::open(
        tif,
        &tiny(Limits {
            max_page_pixels: 1_000_000,
            ..Default::default()
        }),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn decompression_bombs_are_refused_before_decoding() {
    // A 1x1 BMP whose header then claims 60000 x 60000 pixels (3.6 G pixels).
    let mut bmp = Vec::new();
    image::GrayImage::new(1, 1)
        .write_to(&mut std::io::Cursor::new(&mut bmp), image::ImageFormat::Bmp)
        .unwrap();
    // The same with sides above 65535, which the decoder itself refuses
    // as a decoding error.
    let mut wide = bmp.clone();
    bmp[18..22].copy_from_slice(&60000i32.to_le_bytes());
    bmp[22..26].copy_from_slice(&60000i32.to_le_bytes());
    wide[18..22].copy_from_slice(&100_000i32.to_le_bytes());
    wide[22..26].copy_from_slice(&(-100_000i32).to_le_bytes());
    // A 1x1 TIFF patched the same way.
    let mut tif = Vec::new();
    image::GrayImage::new(1, 1)
        .write_to(
            &mut std::io::Cursor::new(&mut tif),
            image::ImageFormat::Tiff,
        )
        .unwrap();
    patch_tiff_size(&mut tif, 60000);
    for (name, bytes) in [("bmp", bmp), ("wide bmp", wide), ("tiff", tif)] {
        let start = Instant::now();
        let e = Document::open(bytes, &OpenOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{name}: {e}");
        assert_eq!(e.to_string().matches("over a limit").count(), 1, "{e}");
        assert!(start.elapsed() < Duration::from_millis(500), "{name}");
    }
}

/// Rewrites ImageWidth and ImageLength of the first IFD of a little-endian TIFF.
fn patch_tiff_size(tif: &mut [u8], size: u32) {
    assert_eq!(&tif[..4], b"II*\0");
    let ifd = u32::from_le_bytes(tif[4..8].try_into().expect("4 bytes")) as usize;
    let count = u16::from_le_bytes([tif[ifd], tif[ifd + 1]]) as usize;
    let mut patched = 0;
    for i in 0..count {
        let e = ifd + 2 + 12 * i;
        let tag = u16::from_le_bytes([tif[e], tif[e + 1]]);
        if tag == 256 || tag == 257 {
            // Whatever the stored type, write a LONG.
            tif[e + 2..e + 4].copy_from_slice(&4u16.to_le_bytes());
            tif[e + 8..e + 12].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
}

#[test]
fn oversized_pdf_pages_render_smaller_within_the_pixel_limit() {
    let limits = Limits {
        max_page_pixels: 500_000,
        ..Default::default()
    };
    let options = OpenOptions {
        limits,
        ..Default::default()
    };
    let doc = Document::open(fixture("raster/same-page.pdf"), &options).unwrap();
    let page = doc.render(0, RenderDpi::Fixed(600.0)).unwrap();
    let pixels = u64::from(page.image.width()) * u64::from(page.image.height());
    assert!(pixels <= 500_000 && pixels > 450_000, "{pixels}");
    assert!(page.dpi.unwrap().x < 600.0);
}

#[test]
fn empty_and_foreign_inputs_name_the_problem() {
    let e = Document::open(Vec::new(), &OpenOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnsupportedFormat);
    assert!(
        matches!(e, Error::Format(ocrloom_detect::DetectError::Empty)),
        "{e}"
    );
    let e =
        Document::open(b"GIF89a\x01\x00\x01\x00".to_vec(), &OpenOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnsupportedFormat);
    assert!(e.to_string().contains("GIF"), "{e}");
    // Image data is decoded when the document opens: a document that opens
    // renders every page.
    let mut truncated = fixture("raster/same-page.png");
    truncated.truncate(truncated.len() / 2);
    let e = Document::open(truncated, &OpenOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CorruptInput);
    // A JPEG cut short, which the decoder would fill with grey: the corpus
    // file and a whole one cut at two thirds.
    let whole = fixture("raster/letter-72dpi.jpg");
    assert!(Document::open(whole.clone(), &OpenOptions::default()).is_ok());
    for cut in [
        fixture("malformed/jpg_pillow_truncated_jpeg.jpg"),
        whole[..whole.len() * 2 / 3].to_vec(),
    ] {
        let e = Document::open(cut, &OpenOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CorruptInput);
        assert!(e.to_string().contains("cut short"), "{e}");
    }
}

#[test]
fn absurd_pdf_page_sizes_are_refused_when_opened() {
    // poppler-85140-0: a page 2^31 points tall.
    let e = Document::open(
        fixture("malformed/pdf_pdfjs_poppler-85140-0.pdf"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
}
