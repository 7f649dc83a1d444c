//! Round trips through tools ocrloom did not write: poppler's `pdftotext`,
//! `pdfimages` and `qpdf` (installed by the project's setup script; a
//! missing tool fails the test).

mod common;

use common::{fixture, sample_page};
use ocrloom_ocr::DocumentResult;
use ocrloom_raster::{Document, OpenOptions};
use ocrloom_writers::{write, OutputFormat, WriteOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is required for this test: {e}"));
    assert!(
        out.status.success() || cmd == "qpdf",
        "{cmd} {args:?} failed"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_pdf(input: &str, result: &DocumentResult, name: &str) -> (Vec<u8>, PathBuf) {
    let doc = Document::open_path(&fixture(input), &OpenOptions::default()).expect("open");
    let mut pdf = Vec::new();
    write(
        OutputFormat::Pdf,
        &doc,
        result,
        &WriteOptions::default(),
        &mut pdf,
    )
    .expect("write");
    let path = std::env::temp_dir().join(format!("ocrloom-writers-{}-{name}", std::process::id()));
    std::fs::write(&path, &pdf).expect("temp file");
    (pdf, path)
}

fn words_with_boxes(pdf: &Path, page: usize) -> Vec<(String, [f64; 4])> {
    let p = (page + 1).to_string();
    let html = tool(
        "pdftotext",
        &["-bbox", "-f", &p, "-l", &p, &pdf.to_string_lossy(), "-"],
    );
    html.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("<word ")?;
            let (attrs, text) = rest.split_once('>')?;
            let text = text.strip_suffix("</word>")?;
            let nums: Vec<f64> = attrs
                .split('"')
                .skip(1)
                .step_by(2)
                .filter_map(|v| v.parse().ok())
                .collect();
            let b = <[f64; 4]>::try_from(nums).ok()?;
            Some((unescape(text), b))
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// For each word of `page`, the best IoU of its box (pixels, scaled by
/// `(sx, sy)` to points) with a box of `found` (see [`words_with_boxes`])
/// for the same text.
fn best_ious(
    found: &[(String, [f64; 4])],
    page: &ocrloom_ocr::PageResult,
    (sx, sy): (f64, f64),
) -> Vec<(String, f64)> {
    page.words()
        .map(|word| {
            let b = word.bbox;
            let engine = [
                f64::from(b.x0) * sx,
                f64::from(b.y0) * sy,
                f64::from(b.x1) * sx,
                f64::from(b.y1) * sy,
            ];
            let best = found
                .iter()
                .filter(|(t, _)| *t == word.text)
                .map(|(_, f)| iou(engine, *f))
                .fold(0.0, f64::max);
            (word.text.clone(), best)
        })
        .collect()
}

fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
}

/// Text and word boxes come back from every page of a PDF with /Rotate,
/// and the original bytes are kept as the prefix of the output.
#[test]
fn grafted_text_comes_back_on_rotated_pages() {
    let input = fixture("hello_world_rotated.pdf");
    let doc = Document::open_path(&input, &OpenOptions::default()).expect("open");
    let original = std::fs::read(&input).expect("read");
    let mut result = DocumentResult::default();
    for info in doc.pages() {
        // Pages rendered at 150 DPI as displayed.
        let (w, h) = (
            (info.width / 72.0 * 150.0).round() as u32,
            (info.height / 72.0 * 150.0).round() as u32,
        );
        result.pages.push(sample_page(info.index, w, h));
    }
    let (pdf, path) = write_pdf("hello_world_rotated.pdf", &result, "rotated.pdf");
    assert!(
        pdf.starts_with(&original),
        "incremental update keeps the input bytes"
    );
    let check = tool("qpdf", &["--check", &path.to_string_lossy()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    assert!(!check.contains("WARNING"), "{check}");
    let mut checked = 0;
    for (page, info) in result.pages.iter().zip(doc.pages()) {
        let found = words_with_boxes(&path, page.index);
        let text: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
        assert!(
            text.contains(&"Grüße") && text.contains(&"Ελληνικά") && text.contains(&"𝔘nicode"),
            "page {}: {text:?}",
            page.index
        );
        let (sx, sy) = (
            f64::from(info.width) / f64::from(page.width),
            f64::from(info.height) / f64::from(page.height),
        );
        for (word, best) in best_ious(&found, page, (sx, sy)) {
            assert!(best > 0.9, "page {} word {word}: IoU {best}", page.index);
            checked += 1;
        }
        let plain = tool(
            "pdftotext",
            &[
                "-f",
                &(page.index + 1).to_string(),
                "-l",
                &(page.index + 1).to_string(),
                &path.to_string_lossy(),
                "-",
            ],
        );
        assert!(plain.contains("Grüße aus Zürich"), "{plain}");
    }
    assert_eq!(checked, 6 * doc.pages().len());
    let _ = std::fs::remove_file(path);
}

/// CCITT G4 data goes in unchanged and the orientation tag is honoured.
#[test]
fn ccitt_tiff_is_embedded_as_is() {
    for (name, w, h) in [
        ("group4.tiff", 640u32, 200u32),
        ("g4_orientation_6.tif", 0, 0),
    ] {
        let doc = Document::open_path(&fixture(name), &OpenOptions::default()).expect("open");
        let info = &doc.pages()[0];
        let (w, h) = if w == 0 {
            (info.width as u32, info.height as u32)
        } else {
            (w, h)
        };
        let result = DocumentResult {
            pages: vec![sample_page(0, w, h)],
        };
        let (pdf, path) = write_pdf(name, &result, name);
        let list = tool("pdfimages", &["-list", &path.to_string_lossy()]);
        assert!(list.contains("ccitt"), "{list}");
        let size = std::fs::metadata(fixture(name)).expect("size").len() as usize;
        assert!(
            pdf.len() < size + 20 * 1024,
            "{} bytes for a {size}-byte TIFF",
            pdf.len()
        );
        let text = tool("pdftotext", &[&path.to_string_lossy(), "-"]);
        // Tiny pages may break the line; every word must be there.
        assert!(has_sample_words(&text), "{name}: {text}");
        // The page has the displayed (upright) proportions.
        let info_out = tool("pdfinfo", &[&path.to_string_lossy()]);
        let line = info_out
            .lines()
            .find(|l| l.starts_with("Page size"))
            .unwrap_or_default()
            .to_string();
        let nums: Vec<f64> = line
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        assert!(nums.len() >= 2, "{line}");
        let ratio = nums[0] / nums[1];
        assert!(
            (ratio - f64::from(w) / f64::from(h)).abs() < 0.02,
            "{name}: {line} vs {w}x{h}"
        );
        let _ = std::fs::remove_file(path);
    }
}

/// `qpdf --check` finds nothing to say about `pdf`.
fn assert_qpdf_clean(pdf: &Path) {
    let check = tool("qpdf", &["--check", &pdf.to_string_lossy()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    assert!(!check.contains("WARNING"), "{check}");
}

/// Whether `text` holds every word of the sample page that survives a
/// tiny page's line breaks.
fn has_sample_words(text: &str) -> bool {
    ["Grüße", "Zürich", "Ελληνικά"]
        .iter()
        .all(|w| text.contains(w))
}

/// The words of page 1 of `pdf`, in the order PDFium extracts them.
fn pdfium_words(pdf: &Path) -> Vec<String> {
    let text = Document::open_path(pdf, &OpenOptions::default())
        .and_then(|d| d.page_text(0))
        .expect("PDFium text");
    text.split_whitespace().map(str::to_string).collect()
}

/// The words of `pdf`, in the order `pdftotext -raw` gives them.
fn raw_words(pdf: &Path) -> Vec<String> {
    let raw = tool("pdftotext", &["-raw", &pdf.to_string_lossy(), "-"]);
    raw.split_whitespace().map(str::to_string).collect()
}

/// The new non-stream objects sit in an object stream indexed by a
/// cross-reference stream, in an update of a PDF 1.3 file (whose catalog
/// then says 1.5) and in a PDF built from an image; qpdf finds nothing
/// wrong and the text comes back.
#[test]
fn new_objects_go_into_an_object_stream() {
    let input = fixture("trivial.pdf");
    let original = std::fs::read(&input).expect("read");
    assert!(original.starts_with(b"%PDF-1.3"));
    let result = DocumentResult {
        pages: vec![sample_page(0, 2550, 3300)],
    };
    let (pdf, path) = write_pdf("trivial.pdf", &result, "objstm.pdf");
    let update = String::from_utf8_lossy(&pdf[original.len()..]).into_owned();
    assert!(update.contains("/Type /ObjStm"), "no object stream");
    assert!(update.contains("/Type /XRef"), "no cross-reference stream");
    assert!(!update.contains("\nxref\n"), "a cross-reference table");
    let doc = lopdf::Document::load_mem(&pdf).expect("lopdf reads it");
    let catalog = doc.catalog().expect("catalog");
    let version = catalog.get(b"Version").and_then(|v| v.as_name());
    assert_eq!(version.ok(), Some(&b"1.5"[..]));
    assert_qpdf_clean(&path);
    let text = tool("pdftotext", &[&path.to_string_lossy(), "-"]);
    assert!(text.contains("Grüße aus Zürich"), "{text}");
    let _ = std::fs::remove_file(path);

    let result = DocumentResult {
        pages: vec![sample_page(0, 640, 200)],
    };
    let (pdf, path) = write_pdf("group4.tiff", &result, "objstm-image.pdf");
    assert!(pdf.starts_with(b"%PDF-1.5\n"));
    let text = String::from_utf8_lossy(&pdf).into_owned();
    assert!(text.contains("/Type /ObjStm"), "no object stream");
    assert!(text.contains("/Type /XRef"), "no cross-reference stream");
    assert!(
        !text.contains("/Type /Page"),
        "a page outside the object stream"
    );
    assert_qpdf_clean(&path);
    let text = tool("pdftotext", &[&path.to_string_lossy(), "-"]);
    assert!(has_sample_words(&text), "{text}");
    let _ = std::fs::remove_file(path);
}

/// A page the page tree names but the file lacks (the graft fuzz target's
/// first find, on a malformed fixture) is the input's fault: `CorruptInput`,
/// not an internal error.
#[test]
fn a_missing_page_object_is_a_corrupt_input() {
    let input = std::fs::read(fixture("../malformed/pdf_pdfjs_poppler-85140-0.pdf")).expect("read");
    let page = sample_page(0, 2550, 3300);
    let e =
        ocrloom_writers::graft::graft(&input, &[Some(&page)], &Default::default(), &mut Vec::new())
            .expect_err("the page object is missing");
    assert_eq!(e.kind(), ocrloom_raster::ErrorKind::CorruptInput, "{e}");
}

/// A file whose cross-reference data is damaged (here `startxref` points
/// into the last object) gets an update listing every object, with the new
/// ones in an object stream; qpdf reads it without recovering.
#[test]
fn damaged_cross_references_are_listed_in_full() {
    let original = std::fs::read(fixture("trivial.pdf")).expect("read");
    let text = String::from_utf8_lossy(&original);
    let at = text.rfind("startxref\n277").expect("startxref");
    let mut damaged = original[..at].to_vec();
    damaged.extend_from_slice(b"startxref\n250\n%%EOF\n");
    let page = sample_page(0, 2550, 3300);
    let mut pdf = Vec::new();
    let stats =
        ocrloom_writers::graft::graft(&damaged, &[Some(&page)], &Default::default(), &mut pdf)
            .expect("graft");
    assert_eq!(stats.pages_with_layer, 1);
    let update = String::from_utf8_lossy(&pdf[damaged.len()..]).into_owned();
    assert!(update.contains("/Type /ObjStm"), "no object stream");
    assert!(!update.contains("/Prev"), "{update}");
    let path = std::env::temp_dir().join(format!(
        "ocrloom-writers-{}-damaged.pdf",
        std::process::id()
    ));
    std::fs::write(&path, &pdf).expect("temp file");
    assert_qpdf_clean(&path);
    let text = tool("pdftotext", &[&path.to_string_lossy(), "-"]);
    assert!(text.contains("Grüße aus Zürich"), "{text}");
    let _ = std::fs::remove_file(path);
}

/// An encrypted input (empty user password) gets an encrypted update that
/// readers open and extract.
#[test]
fn encrypted_input_gets_an_encrypted_update() {
    let doc = Document::open_path(&fixture("encrypted_algo4.pdf"), &OpenOptions::default())
        .expect("open");
    let info = &doc.pages()[0];
    let (w, h) = ((info.width * 2.0) as u32, (info.height * 2.0) as u32);
    let result = DocumentResult {
        pages: vec![sample_page(0, w, h)],
    };
    let (pdf, path) = write_pdf("encrypted_algo4.pdf", &result, "enc.pdf");
    let check = tool("qpdf", &["--check", &path.to_string_lossy()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    // Encrypted documents get no object stream (see graft.rs).
    let size = std::fs::metadata(fixture("encrypted_algo4.pdf"))
        .expect("size")
        .len() as usize;
    let update = String::from_utf8_lossy(&pdf[size..]).into_owned();
    assert!(!update.contains("/ObjStm"), "{update}");
    let text = tool("pdftotext", &[&path.to_string_lossy(), "-"]);
    assert!(text.contains("Grüße aus Zürich"), "{text}");
    let _ = std::fs::remove_file(path);
}

/// Text the engine found turned (page orientation 90, 180, 270: boxes in
/// the frame of the unturned image) comes back upright-readable and in
/// order from `pdftotext -raw` and PDFium, each word on its box.
#[test]
fn turned_text_lands_on_its_boxes() {
    // trivial.pdf's page as an image at 300 DPI.
    let doc = Document::open_path(&fixture("trivial.pdf"), &OpenOptions::default()).expect("open");
    let info = &doc.pages()[0];
    let (w, h) = (
        (info.width / 72.0 * 300.0).round() as u32,
        (info.height / 72.0 * 300.0).round() as u32,
    );
    for orientation in [90u16, 180, 270] {
        // The page as it reads upright, then turned into the image frame.
        let (uw, uh) = if orientation == 180 { (w, h) } else { (h, w) };
        let mut page = sample_page(0, uw, uh);
        let turn = |b: ocrloom_ocr::BBox| match orientation {
            // Upright (x, y) -> image (y, uw - x): text reads upwards.
            90 => common::bbox(b.y0, uw - b.x1, b.y1, uw - b.x0),
            180 => common::bbox(uw - b.x1, uh - b.y1, uw - b.x0, uh - b.y0),
            // Upright (x, y) -> image (uh - y, x): text reads downwards.
            _ => common::bbox(uh - b.y1, b.x0, uh - b.y0, b.x1),
        };
        page.orientation = orientation;
        (page.width, page.height) = (w, h);
        for block in &mut page.blocks {
            block.bbox = turn(block.bbox);
            for para in &mut block.paragraphs {
                para.bbox = turn(para.bbox);
                for line in &mut para.lines {
                    line.bbox = turn(line.bbox);
                    line.baseline = None;
                    for word in &mut line.words {
                        word.bbox = turn(word.bbox);
                    }
                }
            }
        }
        let result = DocumentResult {
            pages: vec![page.clone()],
        };
        let name = format!("turned{orientation}.pdf");
        let (_, path) = write_pdf("trivial.pdf", &result, &name);
        // Content-stream order. `pdftotext -raw` ends a line whenever the
        // next word does not start to the right of the last (it compares x
        // extents whatever the text direction), so turned lines come out one
        // word per line: compare the word sequence.
        let words = raw_words(&path).join(" ");
        assert_eq!(
            words, "Grüße aus Zürich Ελληνικά &<>\" 𝔘nicode",
            "{orientation}: pdftotext -raw"
        );
        // PDFium orders the text objects of a line by their x on the page:
        // upside-down lines must still come out in reading order.
        assert_eq!(
            pdfium_words(&path).join(" "),
            words,
            "{orientation}: PDFium"
        );
        let s = f64::from(info.width) / f64::from(w);
        for (word, best) in best_ious(&words_with_boxes(&path, 0), &page, (s, s)) {
            assert!(best > 0.85, "{orientation} word {word}: IoU {best}");
        }
        let _ = std::fs::remove_file(path);
    }
}

/// The words `pdftotext` finds on page 1 of `pdf`.
fn words(pdf: &Path) -> Vec<String> {
    words_with_boxes(pdf, 0)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// Pixels of page 1 at 72 DPI, as poppler renders it.
fn pixels(pdf: &Path) -> Vec<u8> {
    let out = Command::new("pdftoppm")
        .args(["-r", "72", "-f", "1", "-l", "1"])
        .arg(pdf)
        .output()
        .expect("pdftoppm is required for this test");
    assert!(out.status.success() && !out.stdout.is_empty());
    out.stdout
}

#[test]
fn an_earlier_invisible_layer_is_replaced_by_the_new_one() {
    // Two producers' layers: text in the page's own content (Ghostscript,
    // via OCRmyPDF's test file) and a form XObject (OCRmyPDF's graft).
    for (input, old_word) in [
        ("../raster/has-text.pdf", "Percentage"),
        ("ocrmypdf-layer.pdf", "quick"),
    ] {
        let path = fixture(input);
        let doc = Document::open_path(&path, &OpenOptions::default()).expect("open");
        let info = &doc.pages()[0];
        assert!(words(&path).iter().any(|w| w == old_word), "{input}");
        let (w, h) = (
            (info.width / 72.0 * 150.0).round() as u32,
            (info.height / 72.0 * 150.0).round() as u32,
        );
        let result = DocumentResult {
            pages: vec![sample_page(0, w, h)],
        };
        let (_, out) = write_pdf(input, &result, "redo.pdf");
        let found = words(&out);
        assert_eq!(
            found.len(),
            6,
            "{input}: only the new layer's words: {found:?}"
        );
        assert!(found.iter().any(|w| w == "Zürich"), "{input}: {found:?}");
        assert_eq!(
            pixels(&path),
            pixels(&out),
            "{input}: the page looks the same"
        );
        let _ = std::fs::remove_file(out);
    }
}

/// An upside-down line of repeated words: PDFium, which takes a text object
/// with the same codes at the same origin as one of the five before it for
/// a duplicate, keeps every word, in order.
#[test]
fn repeated_words_of_an_upside_down_line_all_come_back() {
    let (w, h) = (2550u32, 3300u32);
    let words = ["to", "be", "or", "not", "to", "be", "to", "be", "to", "be"];
    // Upright boxes left to right, then turned by 180 degrees.
    let line: Vec<(&str, ocrloom_ocr::BBox)> = words
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let x0 = 200 + 160 * i as u32;
            (*t, common::bbox(w - (x0 + 100), h - 360, w - x0, h - 300))
        })
        .collect();
    let mut page = common::page(0, w, h, &[&line]);
    page.orientation = 180;
    let result = DocumentResult { pages: vec![page] };
    let (_, path) = write_pdf("trivial.pdf", &result, "repeated180.pdf");
    assert_eq!(pdfium_words(&path), words, "PDFium");
    assert_eq!(raw_words(&path), words, "pdftotext -raw");
    let _ = std::fs::remove_file(path);
}

/// A page skewed so that each line's end sinks to where the next line
/// starts (lines written level, each word on its box): PDFium still reads
/// the lines in order.
#[test]
fn lines_of_a_skewed_page_keep_their_order() {
    let (w, h) = (2550u32, 3300u32);
    let texts = [
        ["one", "two", "three", "four", "five", "six"],
        ["seven", "eight", "nine", "ten", "eleven", "twelve"],
        [
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
        ],
    ];
    // Words 300 px apart sink 20 px each: a line's last word is where the
    // next line (100 px lower) starts.
    let lines: Vec<Vec<(&str, ocrloom_ocr::BBox)>> = texts
        .iter()
        .enumerate()
        .map(|(l, line)| {
            line.iter()
                .enumerate()
                .map(|(i, t)| {
                    let (x0, bottom) = (200 + 300 * i as u32, 400 + 100 * l as u32 + 20 * i as u32);
                    (*t, common::bbox(x0, bottom - 60, x0 + 240, bottom))
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[(&str, ocrloom_ocr::BBox)]> = lines.iter().map(Vec::as_slice).collect();
    let mut page = common::page(0, w, h, &refs);
    page.skew = -2.0;
    let result = DocumentResult { pages: vec![page] };
    let (_, path) = write_pdf("trivial.pdf", &result, "skewed-lines.pdf");
    let expected: Vec<&str> = texts.iter().flatten().copied().collect();
    assert_eq!(pdfium_words(&path), expected, "PDFium");
    assert_eq!(raw_words(&path), expected, "pdftotext -raw");
    let _ = std::fs::remove_file(path);
}

/// A page skewed 8 degrees (lines rising to the right, each word's box the
/// upright hull of the turned word, as the engine reports it): every word
/// comes back on its box, and in order from `pdftotext -raw` and PDFium.
#[test]
fn a_steeply_skewed_page_keeps_its_boxes_and_order() {
    let (w, h) = (2550u32, 3300u32);
    let texts = [
        ["Skewed", "pages", "come", "back", "whole"],
        ["every", "word", "on", "its", "box"],
        ["and", "in", "reading", "order", "too"],
    ];
    // Words 240 x 50 px turned 8 degrees: hulls about 245 x 83 px; each
    // word 300 px along the line rises 42 px.
    let (sin, cos) = 8f64.to_radians().sin_cos();
    let (hull_w, hull_h) = (240.0 * cos + 50.0 * sin, 240.0 * sin + 50.0 * cos);
    let lines: Vec<Vec<(&str, ocrloom_ocr::BBox)>> = texts
        .iter()
        .enumerate()
        .map(|(l, line)| {
            line.iter()
                .enumerate()
                .map(|(i, t)| {
                    let x0 = 200.0 + 300.0 * cos * i as f64;
                    let bottom = 900.0 + 300.0 * l as f64 - 300.0 * sin * i as f64;
                    let b = common::bbox(
                        x0 as u32,
                        (bottom - hull_h) as u32,
                        (x0 + hull_w) as u32,
                        bottom as u32,
                    );
                    (*t, b)
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[(&str, ocrloom_ocr::BBox)]> = lines.iter().map(Vec::as_slice).collect();
    let mut page = common::page(0, w, h, &refs);
    page.skew = 8.0;
    for line in page
        .blocks
        .iter_mut()
        .flat_map(|b| &mut b.paragraphs)
        .flat_map(|p| &mut p.lines)
    {
        // Tesseract's baseline: along the turned line.
        let (x0, y0) = (line.bbox.x0 as f32, line.bbox.y1 as f32);
        let run = line.bbox.width() as f32;
        line.baseline = Some(ocrloom_ocr::Baseline {
            x0,
            y0,
            x1: x0 + run,
            y1: y0 - run * 8f32.to_radians().tan(),
        });
    }
    let result = DocumentResult {
        pages: vec![page.clone()],
    };
    let (_, path) = write_pdf("trivial.pdf", &result, "skewed8.pdf");
    let expected: Vec<&str> = texts.iter().flatten().copied().collect();
    assert_eq!(raw_words(&path), expected, "pdftotext -raw");
    assert_eq!(pdfium_words(&path), expected, "PDFium");
    let doc = Document::open_path(&fixture("trivial.pdf"), &OpenOptions::default()).expect("open");
    let info = &doc.pages()[0];
    let scale = (
        f64::from(info.width) / f64::from(w),
        f64::from(info.height) / f64::from(h),
    );
    for (word, best) in best_ious(&words_with_boxes(&path, 0), &page, scale) {
        assert!(best > 0.9, "{word}: IoU {best}");
    }
    let _ = std::fs::remove_file(path);
}

/// `trivial.pdf` with XMP metadata claiming PDF/A-1b.
fn pdfa_1_input() -> Vec<u8> {
    let mut doc = lopdf::Document::load(fixture("trivial.pdf")).expect("load");
    let xmp = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="1" pdfaid:conformance="B"/></rdf:RDF></x:xmpmeta>"#;
    let mut dict = lopdf::Dictionary::new();
    dict.set("Type", lopdf::Object::Name(b"Metadata".to_vec()));
    dict.set("Subtype", lopdf::Object::Name(b"XML".to_vec()));
    let metadata = doc.add_object(lopdf::Stream::new(dict, xmp.to_vec()));
    doc.catalog_mut()
        .expect("catalog")
        .set("Metadata", lopdf::Object::Reference(metadata));
    let mut input = Vec::new();
    doc.save_to(&mut input).expect("save");
    input
}

/// A document that claims PDF/A-1 (PDF 1.4: no object or cross-reference
/// streams) gets an update without them.
#[test]
fn a_pdfa_1_update_has_no_object_stream() {
    let input = pdfa_1_input();
    let page = sample_page(0, 2550, 3300);
    let mut pdf = Vec::new();
    ocrloom_writers::graft::graft(&input, &[Some(&page)], &Default::default(), &mut pdf)
        .expect("graft");
    let update = String::from_utf8_lossy(&pdf[input.len()..]).into_owned();
    assert!(!update.contains("/ObjStm"), "an object stream");
    assert!(update.contains("xref\n"), "no cross-reference table");
    let path = std::env::temp_dir().join(format!("ocrloom-pdfa1-{}.pdf", std::process::id()));
    std::fs::write(&path, &pdf).expect("write");
    assert_qpdf_clean(&path);
    let text = tool("pdftotext", &[&path.to_string_lossy(), "-"]);
    assert!(text.contains("Grüße aus Zürich"), "{text}");
    let _ = std::fs::remove_file(path);
}

/// The time of writing is recorded only when asked for: as the grafted
/// PDF's `/ModDate` (not for a PDF/A document, whose XMP would have to
/// agree), the image PDF's `/CreationDate` and JSON's `created`.
#[test]
fn a_timestamp_is_recorded_only_when_asked() {
    // 2026-11-30T00:53:20Z
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_000_000);
    let dated = WriteOptions {
        timestamp: Some(t),
        ..Default::default()
    };
    let page = sample_page(0, 2550, 3300);
    let info_date = |pdf: &[u8], key: &[u8]| -> Option<String> {
        let doc = lopdf::Document::load_mem(pdf).expect("load");
        let info = doc.trailer.get(b"Info").ok()?;
        let (_, info) = doc.dereference(info).ok()?;
        let date = info.as_dict().ok()?.get(key).ok()?.as_str().ok()?;
        Some(String::from_utf8_lossy(date).into_owned())
    };
    let input = std::fs::read(fixture("trivial.pdf")).expect("fixture");
    for (options, expected) in [
        (&dated, Some("D:20261130005320+00'00'")),
        (&WriteOptions::default(), None),
    ] {
        let mut pdf = Vec::new();
        ocrloom_writers::graft::graft(&input, &[Some(&page)], options, &mut pdf).expect("graft");
        assert_eq!(info_date(&pdf, b"ModDate").as_deref(), expected);
    }
    // PDF/A: the dates stay as they were (none).
    let input = pdfa_1_input();
    let mut pdf = Vec::new();
    ocrloom_writers::graft::graft(&input, &[Some(&page)], &dated, &mut pdf).expect("graft");
    assert!(pdf.len() > input.len(), "no layer");
    assert_eq!(info_date(&pdf, b"ModDate"), None);
    // Image PDF and JSON.
    let doc = Document::open_path(&fixture("group4.tiff"), &OpenOptions::default()).expect("open");
    let info = &doc.pages()[0];
    let result = DocumentResult {
        pages: vec![sample_page(0, info.width as u32, info.height as u32)],
    };
    for (options, created) in [(&dated, true), (&WriteOptions::default(), false)] {
        let mut pdf = Vec::new();
        write(OutputFormat::Pdf, &doc, &result, options, &mut pdf).expect("write");
        assert_eq!(
            info_date(&pdf, b"CreationDate").is_some_and(|d| d == "D:20261130005320+00'00'"),
            created
        );
        let mut json = Vec::new();
        write(OutputFormat::Json, &doc, &result, options, &mut json).expect("write");
        let json: serde_json::Value = serde_json::from_slice(&json).expect("json");
        assert_eq!(
            json.get("created").and_then(|c| c.as_str()) == Some("2026-11-30T00:53:20Z"),
            created
        );
    }
}

/// A Japanese line whose engine "words" are single characters with small
/// gaps between their ink comes back without spaces between them, from
/// PDFium and from `pdftotext` (reading order and raw), while a Latin word
/// inside it stays apart.
#[test]
fn japanese_text_comes_back_without_invented_spaces() {
    let (w, h) = (2550u32, 3300u32);
    let chars = ["吾", "輩", "は", "猫", "で", "あ", "る", "。"];
    // 50 px glyphs 14 px apart (ink gaps of 10.5 pt text at 300 DPI), then
    // a Latin word 40 px further, then two more characters.
    let mut line: Vec<(&str, ocrloom_ocr::BBox)> = Vec::new();
    let mut x = 200u32;
    for c in chars {
        line.push((c, common::bbox(x, 300, x + 50, 350)));
        x += 64;
    }
    x += 26;
    line.push(("Debian", common::bbox(x, 300, x + 200, 350)));
    x += 240;
    for c in ["で", "す"] {
        line.push((c, common::bbox(x, 300, x + 50, 350)));
        x += 64;
    }
    let result = DocumentResult {
        pages: vec![common::page(0, w, h, &[&line])],
    };
    let (_, path) = write_pdf("trivial.pdf", &result, "japanese.pdf");
    assert_words_from_every_extractor(&path, &["吾輩は猫である。", "Debian", "です"]);
    let _ = std::fs::remove_file(path);
}

/// PDFium, `pdftotext -raw` and `pdftotext` each give `expected` as the
/// words of page 1 of `pdf`, in order.
fn assert_words_from_every_extractor<S: AsRef<str>>(pdf: &Path, expected: &[S]) {
    let expected: Vec<&str> = expected.iter().map(AsRef::as_ref).collect();
    assert_eq!(pdfium_words(pdf), expected, "PDFium");
    assert_eq!(raw_words(pdf), expected, "pdftotext -raw");
    let plain = tool("pdftotext", &[&pdf.to_string_lossy(), "-"]);
    let plain: Vec<&str> = plain.split_whitespace().collect();
    assert_eq!(plain, expected, "pdftotext");
}

/// A page of Japanese in columns (read top to bottom, right to left) comes
/// back a column a line, in order and without spaces, from PDFium and
/// from `pdftotext` (reading order and raw), though its narrow characters'
/// boxes stand off the column's edge (vertical writing centres each
/// character) and the engine's word boxes overlap.
#[test]
fn japanese_columns_come_back_a_column_a_line() {
    let (w, h) = (2550u32, 3300u32);
    let columns = [
        ["パス", "ワー", "ド", "を", "変更", "し", "ます"],
        ["有効", "期限", "が", "過ぎ", "て", "て", "ら"],
        ["アカ", "ウン", "ト", "情報", "の", "管理", "。"],
    ];
    // 50 px wide columns 80 px apart from the right; a word of n
    // characters is n * 56 px tall; one-character kana and punctuation are
    // narrower and centred; each column's fifth word starts 10 px into
    // the fourth (overlapping boxes, as Tesseract gives); the second
    // column repeats a kana, the second one's box three columns wide (a
    // misread box taking in furigana).
    let mut lines: Vec<Vec<(&str, ocrloom_ocr::BBox)>> = Vec::new();
    for (c, words) in columns.iter().enumerate() {
        let x0 = 2200 - 130 * c as u32;
        let mut y = 300u32;
        let mut line = Vec::new();
        for (k, word) in words.iter().enumerate() {
            let n = word.chars().count() as u32;
            let inset = if n == 1 { 12 } else { 0 };
            if k == 4 {
                y -= 10;
            }
            let (left, right) = if (c, k) == (1, 5) {
                (x0 - 50, x0 + 100)
            } else {
                (x0 + inset, x0 + 50 - inset)
            };
            line.push((*word, common::bbox(left, y, right, y + 56 * n)));
            y += 56 * n + 6;
        }
        lines.push(line);
    }
    let refs: Vec<&[(&str, ocrloom_ocr::BBox)]> = lines.iter().map(Vec::as_slice).collect();
    let result = DocumentResult {
        pages: vec![common::page(0, w, h, &refs)],
    };
    let (_, path) = write_pdf("trivial.pdf", &result, "japanese-columns.pdf");
    let expected: Vec<String> = columns.iter().map(|c| c.concat()).collect();
    assert_words_from_every_extractor(&path, &expected);
    let _ = std::fs::remove_file(path);
}
