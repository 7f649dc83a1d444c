//! Tests against the real PP-OCRv5 networks on ONNX Runtime, as
//! `scripts/setup.sh` installs them into `vendor/` (they fail, not skip,
//! when it has not been run).

use ocrloom_ocr::{Engine, PpOcrEngine, Settings};
use ocrloom_raster::Document;
use std::path::PathBuf;

fn engine() -> PpOcrEngine {
    PpOcrEngine::new().unwrap_or_else(|e| {
        panic!("PP-OCRv5 is not installed ({e}): run scripts/setup.sh, which puts ONNX Runtime and the models into vendor/")
    })
}

#[test]
fn reads_japanese_and_chinese_lines() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocr");
    let doc = Document::open_path(&dir.join("cjk-lines.png"), &Default::default())
        .expect("fixture opens");
    let page = doc.render(0, Default::default()).expect("fixture renders");
    let gt = std::fs::read_to_string(dir.join("cjk-lines.gt.txt")).expect("gt exists");
    let want: Vec<&str> = gt.lines().collect();
    assert_eq!(want.len(), 3, "the fixture has three lines");

    let r = engine()
        .recognize(&page, &Settings::default())
        .expect("recognizes");
    let lines: Vec<String> = r.lines().map(|l| l.text()).collect();
    assert_eq!(lines, want, "{}", r.text());
    assert_eq!(r.language, "ppocrv5");
    assert_eq!(
        (r.width, r.height),
        (page.image.width(), page.image.height())
    );

    // Lines top to bottom, inside the page; each character of these lines
    // is a word of its own, left to right inside its line, none with a
    // space before it.
    let lines: Vec<_> = r.lines().collect();
    for pair in lines.windows(2) {
        assert!(pair[0].bbox.y1 <= pair[1].bbox.y1 && pair[0].bbox.y0 < pair[1].bbox.y0);
    }
    for (line, want) in lines.iter().zip(&want) {
        assert_eq!(line.words.len(), want.chars().count());
        assert!(line.bbox.x1 <= r.width && line.bbox.y1 <= r.height);
        for (i, w) in line.words.iter().enumerate() {
            assert!(!line.space_before(i));
            assert!(w.bbox.x0 >= line.bbox.x0 && w.bbox.x1 <= line.bbox.x1);
            assert!(w.bbox.width() > 0 && w.bbox.height() > 0);
            assert!((0.0..=100.0).contains(&w.confidence));
        }
        for pair in line.words.windows(2) {
            assert!(pair[0].bbox.x0 < pair[1].bbox.x0);
        }
    }
    assert!(r.mean_confidence > 80.0, "{}", r.mean_confidence);
}

#[test]
fn blank_page_reads_nothing() {
    use ocrloom_raster::{Page, PageImage, PageInfo, PageText, Unit};
    let page = Page {
        info: PageInfo {
            index: 3,
            width: 400.0,
            height: 300.0,
            unit: Unit::Px,
            dpi: None,
            rotation: 0,
            text: PageText::None,
        },
        image: PageImage::Gray(image::GrayImage::from_pixel(400, 300, image::Luma([255]))),
        dpi: None,
    };
    let r = engine()
        .recognize(&page, &Settings::default())
        .expect("recognizes");
    assert_eq!(r.index, 3);
    assert_eq!(r.lines().count(), 0);
    assert_eq!(r.text(), "");
}

/// The default engine for Chinese and Japanese (`CjkEngine`): horizontal
/// lines go to PP-OCRv5, columns to Tesseract's vertical models, other
/// languages to Tesseract alone.
#[test]
fn default_engine_shares_pages_between_recognizers() {
    use ocrloom_ocr::{CjkEngine, Languages, TesseractEngine};
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocr");
    let open = |name: &str| {
        let doc = Document::open_path(&dir.join(name), &Default::default()).expect("fixture opens");
        doc.render(0, Default::default()).expect("fixture renders")
    };
    let gt = |name: &str| -> String {
        std::fs::read_to_string(dir.join(name))
            .expect("gt exists")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let tesseract = TesseractEngine::new().expect("Tesseract is installed");
    let cjk = CjkEngine::with_ppocr(tesseract, engine());
    let settings = |codes: &[&str]| Settings {
        languages: Languages::Codes(codes.iter().map(|c| c.to_string()).collect()),
        ..Settings::default()
    };

    // Horizontal Japanese: PP-OCRv5's reading, labelled with the language.
    let page = open("cjk-lines.png");
    let r = cjk.recognize(&page, &settings(&["jpn"])).expect("reads");
    let alone = engine()
        .recognize(&page, &Settings::default())
        .expect("reads");
    assert_eq!(r.language, "jpn");
    assert_eq!(r.text(), alone.text());

    // Columns: Tesseract with the vertical model, columns right to left.
    let r = cjk
        .recognize(&open("cjk-vert.png"), &settings(&["jpn"]))
        .expect("reads");
    assert_eq!(r.language, "jpn+jpn_vert");
    let text: String = r.text().chars().filter(|c| !c.is_whitespace()).collect();
    let want = gt("cjk-vert.gt.txt");
    let second = want.find("どこで").expect("gt has the second sentence");
    let third = want.find("ニャー").expect("gt has the third sentence");
    let (got2, got3) = (text.find("どこで"), text.find("ニャー"));
    assert!(got2.is_some() && got3.is_some() && got2 < got3, "{text}");
    assert!(second < third);

    // English: Tesseract alone.
    let r = cjk
        .recognize(&open("phototest.tif"), &settings(&["eng"]))
        .expect("reads");
    assert_eq!(r.language, "eng");
    assert!(r.text().contains("quick brown dog"), "{}", r.text());
}
