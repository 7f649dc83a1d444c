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

/// Long lines close together on a turned page: each line's upright box is
/// as tall as two lines or more, so lines must be grown by their slanted
/// rectangle, read from it turned level and ordered as on the page turned
/// level, or each read takes in parts of its neighbours.
#[test]
fn long_lines_on_a_turned_page_read_whole() {
    use ocrloom_raster::{Page, PageImage, PageInfo, PageText, Unit};
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocr");
    let doc = Document::open_path(&dir.join("cjk-lines.png"), &Default::default())
        .expect("fixture opens");
    let gray = match doc.render(0, Default::default()).expect("renders").image {
        PageImage::Gray(g) => g,
        PageImage::Rgb(c) => image::DynamicImage::ImageRgb8(c).to_luma8(),
    };
    let gt = std::fs::read_to_string(dir.join("cjk-lines.gt.txt")).expect("gt exists");
    let want: Vec<String> = gt.lines().map(|l| l.repeat(3)).collect();
    // The fixture's lines: bands of rows with ink, and their ink's extent.
    let (w, h) = gray.dimensions();
    let ink = |x: u32, y: u32| gray.get_pixel(x, y)[0] < 128;
    let rows: Vec<bool> = (0..h).map(|y| (0..w).any(|x| ink(x, y))).collect();
    let mut bands = Vec::new();
    let mut y = 0;
    while y < h {
        if rows[y as usize] {
            let top = y;
            while y < h && rows[y as usize] {
                y += 1;
            }
            bands.push((top, y));
        }
        y += 1;
    }
    assert_eq!(bands.len(), 3, "the fixture's three lines: {bands:?}");
    // Each line written three times over, a character's width apart, at the
    // fixture's own line pitch: lines up to about 1500 pixels long.
    let gap = 30;
    let mut long = image::GrayImage::from_pixel(3 * w, h, image::Luma([255]));
    for &(top, bottom) in &bands {
        let inked = |x: &u32| (top..bottom).any(|y| ink(*x, y));
        let x0 = (0..w).find(inked).expect("ink");
        let x1 = (0..w).rev().find(inked).expect("ink") + 1;
        for copy in 0..3 {
            for y in top..bottom {
                for x in x0..x1 {
                    let to = x + copy * (x1 - x0 + gap);
                    long.put_pixel(to, y, *gray.get_pixel(x, y));
                }
            }
        }
    }
    // Turned by 1 degree a line climbs 26 pixels, more than half the pitch;
    // by 3 degrees 80, nearly two pitches, either way.
    for degrees in [1.0, 3.0, -3.0] {
        let turned = ocrloom_ocr::preprocess::level(&long, degrees);
        let page = Page {
            info: PageInfo {
                index: 0,
                width: turned.width() as f32,
                height: turned.height() as f32,
                unit: Unit::Px,
                dpi: None,
                rotation: 0,
                text: PageText::None,
            },
            image: PageImage::Gray(turned),
            dpi: None,
        };
        let r = engine()
            .recognize(&page, &Settings::default())
            .expect("recognizes");
        let lines: Vec<String> = r.lines().map(|l| l.text()).collect();
        assert_eq!(lines, want, "turned {degrees}: {}", r.text());
    }
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
        .recognize(&page, &settings(&["jpn"]))
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
