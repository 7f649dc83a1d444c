//! Tests against real Tesseract on the pages in `fixtures/ocr/` (run with
//! `OMP_THREAD_LIMIT=1` for speed, as the project's test command does).

use ocrloom_ocr::score::score_page;
use ocrloom_ocr::{
    CancelToken, Engine, Languages, OcrError, PageResult, Recognizer, Settings, Tessdata,
    TesseractEngine,
};
use ocrloom_raster::{Document, Dpi, ErrorKind, Page, PageImage};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocr")
}

fn load(name: &str) -> (Page, String) {
    let dir = fixtures();
    let doc = Document::open_path(&dir.join(name), &Default::default()).expect("fixture opens");
    let page = doc.render(0, Default::default()).expect("fixture renders");
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    let gt = std::fs::read_to_string(dir.join(format!("{stem}.gt.txt"))).expect("gt exists");
    (page, gt)
}

fn engine() -> &'static TesseractEngine {
    static E: OnceLock<TesseractEngine> = OnceLock::new();
    E.get_or_init(|| TesseractEngine::new().expect("tessdata installed"))
}

fn cer(r: &PageResult, gt: &str, set: &str) -> f64 {
    score_page(gt, Some(&r.text()), set).cer()
}

#[test]
fn golden_pages_read_within_cer_bounds() {
    // (fixture, scoring set, CER bound in %): bounds sit a few points above
    // what the engine reaches, so they catch regressions, not noise.
    let cases = [
        ("phototest.tif", "tesseract-test", 3.0),
        ("j074.png", "old-books", 4.0),
        ("EHRI-BF-19380509b_EN_01.jpg", "ehri-typewritten-en", 8.0),
    ];
    for (name, set, bound) in cases {
        let (page, gt) = load(name);
        let r = engine()
            .recognize(&page, &Settings::default())
            .expect("recognizes");
        let c = cer(&r, &gt, set);
        assert!(c <= bound, "{name}: CER {c:.2}% > {bound}%\n{}", r.text());
    }
}

#[test]
fn structured_result_is_sane() {
    let (page, _) = load("j074.png");
    let r = engine()
        .recognize(&page, &Settings::default())
        .expect("recognizes");
    assert_eq!(
        (r.width, r.height),
        (page.image.width(), page.image.height())
    );
    assert_eq!(r.orientation, 0);
    assert!(
        r.mean_confidence > 80.0,
        "mean confidence {}",
        r.mean_confidence
    );
    let words: Vec<_> = r.words().collect();
    assert!(words.len() > 50, "only {} words", words.len());
    for w in &words {
        let b = w.bbox;
        assert!(b.x0 < b.x1 && b.y0 < b.y1, "empty box {b:?} for {}", w.text);
        assert!(
            b.x1 <= r.width && b.y1 <= r.height,
            "box {b:?} outside page"
        );
        assert!((0.0..=100.0).contains(&w.confidence));
        assert!(!w.text.trim().is_empty());
    }
    // Reading order: every line starts below the previous one (single column).
    let lines: Vec<_> = r.lines().collect();
    for pair in lines.windows(2) {
        assert!(pair[0].bbox.y0 < pair[1].bbox.y0, "lines out of order");
    }
    for l in &lines {
        let bl = l.baseline.expect("baseline");
        // The baseline lies within the line's box, in its lower part.
        let mid = (l.bbox.y0 + l.bbox.y1) as f32 / 2.0;
        assert!(
            bl.y0 >= mid - 1.0 && bl.y0 <= l.bbox.y1 as f32 + 1.0,
            "{bl:?} vs {:?}",
            l.bbox
        );
        // phototest is ~12 pt text at 200 dpi.
        assert!(
            (8.0..=18.0).contains(&l.font_size),
            "font size {}",
            l.font_size
        );
        // Words sit inside their line.
        for w in &l.words {
            assert!(w.bbox.x0 >= l.bbox.x0 && w.bbox.x1 <= l.bbox.x1);
        }
    }
    let json = serde_json::to_string(&r).expect("serializes");
    assert!(json.contains("\"baseline\""));
}

#[test]
fn rotated_pages_are_turned_upright() {
    // Default settings: OSD proposes, a read of a sample both ways decides
    // (phototest's OSD confidence is only ~9.3, too low to trust alone).
    let settings = Settings::default();
    for (name, set) in [
        ("phototest.tif", "old-books"),
        ("EHRI-BF-19380509b_EN_01.jpg", "old-books"),
        ("j074.png", "old-books"),
    ] {
        let (page, gt) = load(name);
        let gray = page.image.to_gray();
        let upright = engine().recognize(&page, &settings).expect("upright");
        assert_eq!(upright.orientation, 0, "{name} upright");
        let base = cer(&upright, &gt, set);
        let upright_words: Vec<_> = upright.words().map(|w| (w.text.clone(), w.bbox)).collect();
        for (turn, img) in [
            (90u16, image::imageops::rotate90(&gray)),
            (180, image::imageops::rotate180(&gray)),
            (270, image::imageops::rotate270(&gray)),
        ] {
            let mut p = page.clone();
            p.image = PageImage::Gray(img);
            let r = engine().recognize(&p, &settings).expect("rotated");
            // The page was turned clockwise by `turn`; undoing it is the rest.
            assert_eq!(r.orientation, (360 - turn) % 360, "{name} turn {turn}");
            let c = cer(&r, &gt, set);
            assert!(
                c <= base + 2.0,
                "{name} turned {turn}: CER {c:.2}% vs upright {base:.2}%"
            );
            assert_eq!((r.width, r.height), (p.image.width(), p.image.height()));
            if name != "phototest.tif" {
                continue;
            }
            // Boxes are in the turned image's frame: map the first word's box
            // back by hand and compare with the upright result.
            let (text, ub) = &upright_words[0];
            let w = r
                .words()
                .find(|w| &w.text == text)
                .expect("first word found");
            let (gw, gh) = (gray.width() as i64, gray.height() as i64);
            let b = w.bbox;
            let (x0, y0, x1, y1) = (b.x0 as i64, b.y0 as i64, b.x1 as i64, b.y1 as i64);
            let back = match turn {
                90 => (y0, gh - x1, y1, gh - x0),
                180 => (gw - x1, gh - y1, gw - x0, gh - y0),
                _ => (gw - y1, x0, gw - y0, x1),
            };
            let want = (ub.x0 as i64, ub.y0 as i64, ub.x1 as i64, ub.y1 as i64);
            let err = (back.0 - want.0)
                .abs()
                .max((back.1 - want.1).abs())
                .max((back.2 - want.2).abs())
                .max((back.3 - want.3).abs());
            assert!(err <= 3, "turn {turn}: box {back:?} vs upright {want:?}");
        }
    }
}

#[test]
fn pixels_taller_than_wide_are_squared_before_reading() {
    // A book page (300 DPI) as a fax in "standard" mode would have it: 204
    // x 98 DPI, each pixel about twice as tall as wide. Read as it is, it
    // gives CER 53%.
    let (page, gt) = load("j074.png");
    let settings = Settings::default();
    let gray = page.image.to_gray();
    let (w, h) = (gray.width() * 204 / 300, gray.height() * 98 / 300);
    let mut fax_image = image::imageops::resize(&gray, w, h, image::imageops::FilterType::Triangle);
    // Bilevel, as faxes are.
    fax_image
        .pixels_mut()
        .for_each(|p| p.0[0] = if p.0[0] > 140 { 255 } else { 0 });
    let mut fax = page.clone();
    fax.image = PageImage::Gray(fax_image.clone());
    fax.dpi = Some(Dpi { x: 204.0, y: 98.0 });
    let r = engine().recognize(&fax, &settings).expect("fax");
    assert_eq!((r.width, r.height), (w, h));
    // As well as the same pixels made square by hand.
    let mut square = page.clone();
    square.image = PageImage::Gray(image::imageops::resize(
        &fax_image,
        w,
        h * 204 / 98,
        image::imageops::FilterType::Triangle,
    ));
    square.dpi = Some(Dpi { x: 204.0, y: 204.0 });
    let sq = engine().recognize(&square, &settings).expect("square");
    let (base, c) = (cer(&sq, &gt, "old-books"), cer(&r, &gt, "old-books"));
    assert!(c <= base + 2.0, "CER {c:.2}% vs square {base:.2}%");
    // Boxes are in the fax's pixels: the square page's, rows scaled. Words
    // read the same, once each, compared.
    let once = |r: &PageResult, t: &str| {
        let mut found = r.words().filter(|w| w.text == t);
        found
            .next()
            .filter(|_| found.next().is_none())
            .map(|w| w.bbox)
    };
    let row = |y: u32| (f64::from(y) * 98.0 / 204.0).round() as u32;
    let mut compared = 0;
    for word in sq.words().filter(|w| w.text.chars().count() >= 4) {
        let (Some(a), Some(b)) = (once(&sq, &word.text), once(&r, &word.text)) else {
            continue;
        };
        assert!(
            a.x0.abs_diff(b.x0) <= 3 && a.x1.abs_diff(b.x1) <= 3,
            "{a:?} {b:?}"
        );
        assert!(
            row(a.y0).abs_diff(b.y0) <= 3 && row(a.y1).abs_diff(b.y1) <= 3,
            "{a:?} {b:?}"
        );
        compared += 1;
    }
    assert!(compared >= 30, "{compared} words compared");
}

#[test]
fn languages_resolve_or_list_installed() {
    let td = Tessdata::discover().expect("tessdata");
    assert!(td.has("eng"));
    let (page, gt) = load("j074.png");
    for spec in ["en", "eng+deu", "english,fr"] {
        let s = Settings {
            languages: Languages::parse(spec),
            ..Settings::default()
        };
        let r = engine().recognize(&page, &s).expect("known languages work");
        assert!(cer(&r, &gt, "old-books") < 5.0, "{spec}");
        assert!(r.language.starts_with("eng"));
    }
    let auto = Settings {
        languages: Languages::Auto,
        ..Settings::default()
    };
    let r = engine().recognize(&page, &auto).expect("auto");
    assert_eq!(r.language, "eng", "Latin script picks eng");

    let bad = Settings {
        languages: Languages::parse("eng+xx"),
        ..Settings::default()
    };
    let e = engine()
        .recognize(&page, &bad)
        .expect_err("xx is not installed");
    assert_eq!(e.kind(), ErrorKind::UnsupportedLanguage);
    let msg = e.to_string();
    assert!(
        msg.contains("\"xx\"") && msg.contains("eng") && msg.contains("deu"),
        "{msg}"
    );
}

#[test]
fn blank_page_skips_recognition() {
    let (mut page, _) = load("j074.png");
    let (w, h) = (page.image.width(), page.image.height());
    page.image = PageImage::Gray(image::GrayImage::from_pixel(w, h, image::Luma([255])));
    let r = engine()
        .recognize(&page, &Settings::default())
        .expect("blank page");
    assert!(r.blocks.is_empty());
    assert_eq!((r.width, r.height, r.text().as_str()), (w, h, ""));
}

#[test]
fn a_page_over_its_time_limit_fails_with_timeout() {
    let (page, gt) = load("j074.png");
    let short = Settings {
        page_timeout: Some(std::time::Duration::from_millis(1)),
        ..Settings::default()
    };
    let t = std::time::Instant::now();
    let e = engine()
        .recognize(&page, &short)
        .expect_err("1 ms is too short for a page");
    eprintln!("1 ms page limit: failed after {:?}", t.elapsed());
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(matches!(e, OcrError::Timeout { .. }), "{e}");
    assert!(e.to_string().contains("0.001 s"), "{e}");
    // Through the page-parallel driver: the page's error, code `timeout`.
    let rec = Recognizer::new(Arc::new(engine().clone()), Some(1)).expect("pool");
    let e = rec
        .recognize_pages(
            [Ok(page.clone())],
            &short,
            &CancelToken::new(),
            Some(1),
            |_| {},
        )
        .expect_err("times out");
    assert_eq!((e.kind(), e.page()), (ErrorKind::Timeout, Some(0)), "{e}");
    // The engine is fine afterwards, and the default limit does not cut a
    // normal page.
    let r = engine()
        .recognize(&page, &Settings::default())
        .expect("recognizes");
    assert!(cer(&r, &gt, "old-books") < 3.0);
}

#[test]
fn cancelling_stops_tesseract_mid_page() {
    let (page, _) = load("j074.png");
    let settings = Settings::default();
    let rec = Recognizer::new(Arc::new(engine().clone()), Some(1)).expect("pool");
    let run = |cancel: &CancelToken| {
        rec.recognize_pages([Ok(page.clone())], &settings, cancel, Some(1), |_| {})
    };
    // Warm up first (Tesseract's handles are made on the first page), so
    // that `full` is what a page takes, not a page plus start-up.
    run(&CancelToken::new()).expect("recognizes");
    let t = std::time::Instant::now();
    run(&CancelToken::new()).expect("recognizes");
    let full = t.elapsed();
    // Raised while the page is being recognized: no page boundary to wait for.
    let cancel = CancelToken::new();
    let raiser = cancel.clone();
    let at = full / 2;
    let thread = std::thread::spawn(move || {
        std::thread::sleep(at);
        raiser.cancel();
    });
    let t = std::time::Instant::now();
    let e = run(&cancel).expect_err("cancelled");
    let stopped = t.elapsed();
    thread.join().expect("joined");
    eprintln!("page {full:?}; cancelled at {at:?}, stopped after {stopped:?}");
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(stopped < full, "{stopped:?} vs {full:?}");
}

/// Furigana (the small kana over `吾輩`, `猫`, `名前`...) are not read into
/// the text: the reading with them blanked out is the result, and they
/// stay in it flagged as noise. With `keep_noise` the page is read as it
/// is, furigana and all.
#[test]
fn furigana_are_left_out_of_the_text_and_kept_flagged() {
    let (page, gt) = load("cjk-ruby.png");
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let settings = |keep_noise| Settings {
        languages: Languages::Codes(vec!["jpn".into()]),
        keep_noise,
        ..Settings::default()
    };
    let ruby = ["わがはい", "なまえ", "けんとう", "うすぐら"];

    let r = engine().recognize(&page, &settings(false)).expect("reads");
    let text = squash(&r.text());
    let c = score_page(&squash(&gt), Some(&text), "ja").cer();
    assert!(c <= 8.0, "CER {c:.2}%: {text}");
    assert!(text.starts_with("吾輩は猫である"), "{text}");
    assert!(ruby.iter().all(|k| !text.contains(k)), "{text}");
    let flagged: String = r
        .lines()
        .flat_map(|l| &l.words)
        .filter(|w| w.noise)
        .map(|w| w.text.as_str())
        .collect();
    assert!(flagged.contains("わがはい"), "flagged: {flagged}");

    let kept = engine().recognize(&page, &settings(true)).expect("reads");
    assert!(kept.words().all(|w| !w.noise));
    assert!(squash(&kept.text()).contains("わがはい"), "{}", kept.text());
}

/// A receipt whose price column Tesseract's layout analysis cuts short
/// (`13.66` read `- 66`): each row with ink beyond its line's end is read
/// again as one line, and the prices come back whole, once each. With
/// `keep_noise` the page reads as before.
#[test]
fn rows_cut_short_are_read_again() {
    let dir = fixtures();
    let doc = Document::open_path(&dir.join("receipt-strip.png"), &Default::default())
        .expect("fixture opens");
    let page = doc.render(0, Default::default()).expect("fixture renders");
    let prices = [
        "21.75", "48.66", "13.66", "10.30", "2.22", "158.40", "167.90", "170.00",
    ];
    let settings = |keep_noise| Settings {
        keep_noise,
        ..Settings::default()
    };
    let found = |r: &PageResult| -> Vec<&str> {
        // A price as a word of its own, a stray quote or sign before it
        // aside (`“48.66`).
        let words: Vec<String> = r
            .words()
            .map(|w| {
                w.text
                    .trim_start_matches(|c: char| !c.is_ascii_digit())
                    .to_string()
            })
            .collect();
        prices
            .iter()
            .copied()
            .filter(|p| words.iter().any(|w| w == p))
            .collect()
    };
    let before = engine().recognize(&page, &settings(true)).expect("reads");
    let after = engine().recognize(&page, &settings(false)).expect("reads");
    assert!(found(&before).len() <= 3, "{}", before.text());
    assert!(found(&after).len() >= 6, "{}", after.text());
    // Each price once: the row's first digits were not read into the
    // item's line as well.
    let text = after.text();
    for p in found(&after) {
        let int = p.split('.').next().expect("a price");
        assert!(!text.contains(&format!("{int} {p}")), "{text}");
        assert_eq!(text.matches(p).count(), 1, "{p}: {text}");
    }
}
