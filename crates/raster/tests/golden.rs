//! Golden tests: every fixture format gives the expected pages, sizes,
//! resolutions, orientation and text flags, and renders to the expected size.

mod common;

use common::{fixture, open, render_all};
use ocrloom_raster::{Document, Error, ErrorKind, Format, OpenOptions, PageImage, PageText, Unit};

/// file, format, pages, (width, height) of page 1 as displayed, DPI of page 1, rotation, has text
type Row = (
    &'static str,
    Format,
    usize,
    (f32, f32),
    Option<(f32, f32)>,
    u16,
    PageText,
);

const GOLDEN: &[Row] = &[
    (
        "sample/scan.pdf",
        Format::Pdf,
        3,
        (462.24, 772.56),
        Some((300.0, 300.0)),
        0,
        PageText::None,
    ),
    (
        "raster/rotated-pages.pdf",
        Format::Pdf,
        5,
        (792.0, 612.0),
        None,
        90,
        PageText::Visible,
    ),
    (
        "raster/has-text.pdf",
        Format::Pdf,
        1,
        (718.5, 300.0),
        Some((96.0, 96.0)),
        0,
        PageText::Invisible,
    ),
    // A sound page-label tree inside an object stream: checked, then opened.
    (
        "raster/page-labels-objstm.pdf",
        Format::Pdf,
        1,
        (200.0, 200.0),
        None,
        0,
        PageText::None,
    ),
    (
        "raster/same-page.pdf",
        Format::Pdf,
        1,
        (230.4, 172.8),
        Some((200.0, 200.0)),
        0,
        PageText::None,
    ),
    (
        "raster/encrypted-empty-password.pdf",
        Format::Pdf,
        1,
        (612.0, 792.0),
        None,
        0,
        PageText::None,
    ),
    (
        "raster/g4-3pages.tif",
        Format::Tiff,
        3,
        (1850.0, 2621.0),
        Some((300.0, 300.0)),
        0,
        PageText::None,
    ),
    (
        "raster/fax3.tif",
        Format::Tiff,
        1,
        (16.0, 16.0),
        None,
        0,
        PageText::None,
    ),
    (
        "raster/palette-3pages.tif",
        Format::Tiff,
        3,
        (10.0, 10.0),
        None,
        0,
        PageText::None,
    ),
    (
        "raster/gray16-deflate.tif",
        Format::Tiff,
        1,
        (64.0, 64.0),
        None,
        0,
        PageText::None,
    ),
    (
        "raster/bigtiff.tif",
        Format::Tiff,
        1,
        (128.0, 128.0),
        Some((96.0, 96.0)),
        0,
        PageText::None,
    ),
    (
        "raster/jpeg.tif",
        Format::Tiff,
        1,
        (128.0, 128.0),
        Some((96.0, 96.0)),
        0,
        PageText::None,
    ),
    (
        "raster/lzw.tif",
        Format::Tiff,
        1,
        (128.0, 128.0),
        Some((96.0, 96.0)),
        0,
        PageText::None,
    ),
    (
        "raster/orientation-1.tif",
        Format::Tiff,
        1,
        (590.0, 88.0),
        Some((96.0, 96.0)),
        0,
        PageText::None,
    ),
    (
        "raster/orientation-6.tif",
        Format::Tiff,
        1,
        (590.0, 88.0),
        Some((96.0, 96.0)),
        90,
        PageText::None,
    ),
    (
        "raster/orientation-6-g3.tif",
        Format::Tiff,
        1,
        (590.0, 88.0),
        Some((96.0, 96.0)),
        90,
        PageText::None,
    ),
    (
        "raster/same-page.tif",
        Format::Tiff,
        1,
        (640.0, 480.0),
        Some((200.0, 200.0)),
        0,
        PageText::None,
    ),
    (
        "raster/same-page.png",
        Format::Png,
        1,
        (640.0, 480.0),
        Some((200.0, 200.0)),
        0,
        PageText::None,
    ),
    (
        "raster/letter-72dpi.jpg",
        Format::Jpeg,
        1,
        (934.0, 1170.0),
        Some((72.0, 72.0)),
        0,
        PageText::None,
    ),
    (
        "raster/nonsquare.bmp",
        Format::Bmp,
        1,
        (127.0, 32.0),
        Some((72.0, 36.0)),
        0,
        PageText::None,
    ),
    (
        "raster/os2.bmp",
        Format::Bmp,
        1,
        (127.0, 64.0),
        None,
        0,
        PageText::None,
    ),
];

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() < 0.1
}

#[test]
fn every_fixture_matches_its_golden_row() {
    for &(file, format, pages, (w, h), dpi, rotation, text) in GOLDEN {
        let doc = open(file);
        assert_eq!(doc.format(), format, "{file}");
        assert_eq!(doc.pages().len(), pages, "{file}");
        let p = &doc.pages()[0];
        assert!(
            close(p.width, w) && close(p.height, h),
            "{file}: {}x{}",
            p.width,
            p.height
        );
        let got = p.dpi.map(|d| (d.x.round(), d.y.round()));
        assert_eq!(got, dpi, "{file}");
        assert_eq!(p.rotation, rotation, "{file}");
        assert_eq!(p.text, text, "{file}");
        assert_eq!(
            p.unit,
            if format == Format::Pdf {
                Unit::Pt
            } else {
                Unit::Px
            },
            "{file}"
        );

        // Every page renders, images at their own pixel size, PDF pages at
        // the requested resolution.
        let rendered = render_all(&doc, 72.0);
        assert_eq!(rendered.len(), pages, "{file}");
        for (page, info) in rendered.iter().zip(doc.pages()) {
            assert_eq!(page.info.index, info.index);
            let (pw, ph) = (page.image.width() as f32, page.image.height() as f32);
            assert!(
                (pw - info.width).abs() <= 1.0 && (ph - info.height).abs() <= 1.0,
                "{file}: {pw}x{ph}"
            );
        }
    }
    // Every supported format has at least one fixture.
    for format in Format::ALL {
        assert!(
            GOLDEN.iter().any(|r| r.1 == format),
            "no fixture for {format}"
        );
    }
}

#[test]
fn multi_page_ccitt_g4_tiff_renders_each_page() {
    let doc = open("raster/g4-3pages.tif");
    let pages = render_all(&doc, 300.0);
    assert_eq!(pages.len(), 3);
    for page in &pages {
        let PageImage::Gray(img) = &page.image else {
            panic!("bilevel pages come out grey")
        };
        // A text page: mostly white paper, some black ink, nothing else.
        let black = img.pixels().filter(|p| p[0] == 0).count() as f64 / img.len() as f64;
        assert!(img.pixels().all(|p| p[0] == 0 || p[0] == 255));
        assert!((0.01..0.3).contains(&black), "ink ratio {black}");
    }
    assert_ne!(pages[0].image, pages[1].image);
}

#[test]
fn pdf_rotate_90_renders_landscape() {
    let doc = open("raster/rotated-pages.pdf");
    let page = render_all(&doc, 100.0).remove(0);
    assert_eq!((page.image.width(), page.image.height()), (1100, 850));
    assert_eq!(page.dpi.map(|d| d.x.round()), Some(100.0));
}

#[test]
fn tiff_orientation_tag_turns_the_page_upright() {
    let upright = render_all(&open("raster/orientation-1.tif"), 0.0).remove(0);
    let turned = render_all(&open("raster/orientation-6.tif"), 0.0).remove(0);
    assert_eq!((turned.image.width(), turned.image.height()), (590, 88));
    // The two files were drawn separately: nearly, not exactly, the same pixels.
    let (a, b) = (upright.image.to_gray(), turned.image.to_gray());
    assert!(
        differing(&a, &b) * 50 < a.len(),
        "{} of {} pixels differ",
        differing(&a, &b),
        a.len()
    );
}

#[test]
fn tiff_pages_read_by_libtiff_are_turned_once() {
    // The same page as CCITT G3, which the Rust decoder hands to Leptonica;
    // Leptonica applies the orientation tag itself.
    // (Its page list is checked in GOLDEN.)
    let g3 = render_all(&open("raster/orientation-6-g3.tif"), 0.0).remove(0);
    let g4 = render_all(&open("raster/orientation-6.tif"), 0.0).remove(0);
    assert_eq!((g3.image.width(), g3.image.height()), (590, 88));
    assert_eq!(differing(&g3.image.to_gray(), &g4.image.to_gray()), 0);
}

#[test]
fn jpeg_exif_orientation_turns_the_page_upright() {
    let plain = fixture("raster/letter-72dpi.jpg");
    let turned = with_exif_orientation(&plain, 6);
    let doc = Document::open(turned, &OpenOptions::default()).unwrap();
    let info = &doc.pages()[0];
    assert_eq!(
        (info.width, info.height, info.rotation),
        (1170.0, 934.0, 90)
    );
    let page = render_all(&doc, 0.0).remove(0);
    let original = render_all(
        &Document::open(plain, &OpenOptions::default()).unwrap(),
        0.0,
    )
    .remove(0);
    let expected = image::imageops::rotate90(&original.image.to_gray());
    assert_eq!(page.image.to_gray().dimensions(), expected.dimensions());
    assert_eq!(differing(&page.image.to_gray(), &expected), 0);
}

/// Inserts an EXIF segment with the given orientation after the JFIF segment.
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    assert_eq!(&jpeg[2..4], b"\xFF\xE0", "fixture starts with JFIF");
    let app0_end = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    let mut exif =
        b"\xFF\xE1\x00\x22Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0".to_vec();
    exif.extend_from_slice(&[orientation, 0, 0, 0, 0, 0, 0]);
    let mut out = jpeg[..app0_end].to_vec();
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[app0_end..]);
    out
}

#[test]
fn encrypted_pdfs_open_with_empty_or_given_password() {
    assert_eq!(open("raster/encrypted-empty-password.pdf").pages().len(), 1);
    let bytes = fixture("raster/encrypted-user-password.pdf");
    let err = Document::open(bytes.clone(), &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Encrypted), "{err}");
    assert_eq!(err.kind(), ErrorKind::EncryptedPdf);
    let wrong = OpenOptions {
        password: Some("wrong".into()),
        ..Default::default()
    };
    assert!(matches!(
        Document::open(bytes.clone(), &wrong),
        Err(Error::Encrypted)
    ));
    let right = OpenOptions {
        password: Some("openpassword".into()),
        ..Default::default()
    };
    let doc = Document::open(bytes, &right).unwrap();
    assert_eq!(render_all(&doc, 50.0).len(), 1);
}

#[test]
fn one_page_as_png_tiff_and_pdf_rasterizes_the_same() {
    let png = render_all(&open("raster/same-page.png"), 200.0)
        .remove(0)
        .image
        .to_gray();
    let tif = render_all(&open("raster/same-page.tif"), 200.0)
        .remove(0)
        .image
        .to_gray();
    let pdf = render_all(&open("raster/same-page.pdf"), 200.0)
        .remove(0)
        .image
        .to_gray();
    assert_eq!(png.dimensions(), (640, 480));
    assert_eq!(tif.dimensions(), png.dimensions());
    assert_eq!(pdf.dimensions(), png.dimensions());
    assert_eq!(
        differing(&png, &tif),
        0,
        "PNG and TIFF hold the same pixels"
    );
    let d = differing(&png, &pdf);
    assert!(
        d * 1000 < png.len(),
        "{d} pixels differ between PNG and PDF"
    );
}

/// How many pixels of two same-sized grey images differ by more than a quarter of the range.
fn differing(a: &image::GrayImage, b: &image::GrayImage) -> usize {
    assert_eq!(a.dimensions(), b.dimensions());
    a.pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p[0].abs_diff(q[0]) > 64)
        .count()
}

#[test]
fn ycbcr_jpeg_tiff_pages_come_out_in_rgb() {
    // Pixels as libtiff decodes this file (ImageMagick `convert`, page 1):
    // the decoder hands YCbCr samples over, which must be converted.
    let page = render_all(&open("writers/tiled-ycbcr-jpeg.tif"), 0.0).remove(0);
    let PageImage::Rgb(rgb) = &page.image else {
        panic!("expected an RGB page");
    };
    let libtiff = [
        ((10, 10), [154, 130, 104]),
        ((240, 100), [104, 123, 101]),
        ((300, 200), [77, 90, 37]),
        ((450, 340), [137, 131, 135]),
        ((100, 300), [171, 138, 119]),
    ];
    for ((x, y), want) in libtiff {
        let got = rgb.get_pixel(x, y).0;
        for c in 0..3 {
            assert!(
                got[c].abs_diff(want[c]) <= 4,
                "({x}, {y}): {got:?}, libtiff {want:?}"
            );
        }
    }
}
