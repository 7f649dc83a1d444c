//! The parallel driver with the fake engine: order, progress, cancellation,
//! failures and panics.

use ocrloom_ocr::{CancelToken, FakeEngine, OcrError, Recognizer, Settings};
use ocrloom_raster::{ErrorKind, Page, PageImage, PageInfo, PageText, Unit};
use std::sync::Arc;
use std::time::Duration;

fn page(index: usize) -> Result<Page, ocrloom_raster::Error> {
    Ok(Page {
        info: PageInfo {
            index,
            width: 40.0,
            height: 30.0,
            unit: Unit::Px,
            dpi: None,
            rotation: 0,
            text: PageText::None,
        },
        image: PageImage::Gray(image::GrayImage::new(40, 30)),
        dpi: None,
    })
}

fn run(
    engine: FakeEngine,
    n: usize,
    jobs: usize,
    cancel: &CancelToken,
    mut on: impl FnMut(usize),
) -> (Result<ocrloom_ocr::DocumentResult, OcrError>, Vec<usize>) {
    let rec = Recognizer::new(Arc::new(engine), Some(jobs)).expect("pool");
    let mut seen = Vec::new();
    let r = rec.recognize_pages(
        (0..n).map(page),
        &Settings::default(),
        cancel,
        Some(n),
        |p| {
            seen.push(p.page);
            assert_eq!(p.done, seen.len());
            assert_eq!(p.total, Some(n));
            on(p.done);
        },
    );
    (r, seen)
}

#[test]
fn results_come_back_in_page_order_with_progress() {
    let engine = FakeEngine::new(["a", "b"]).with_delay(Duration::from_millis(5));
    let (r, seen) = run(engine, 25, 4, &CancelToken::new(), |_| {});
    let doc = r.expect("all pages");
    assert_eq!(doc.pages.len(), 25);
    for (i, p) in doc.pages.iter().enumerate() {
        assert_eq!(p.index, i);
        assert_eq!(p.text(), "a b");
        for w in p.words() {
            assert!(w.bbox.x1 <= p.width && w.bbox.y1 <= p.height);
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..25).collect::<Vec<_>>(),
        "one progress call per page"
    );
}

#[test]
fn parallel_workers_overlap() {
    // 8 pages of 50 ms on 4 workers take ~100 ms, not 400 ms.
    let engine = FakeEngine::new(["x"]).with_delay(Duration::from_millis(50));
    let t = std::time::Instant::now();
    let (r, _) = run(engine, 8, 4, &CancelToken::new(), |_| {});
    r.expect("ok");
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn cancellation_stops_between_pages() {
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let engine = FakeEngine::new(["x"]).with_delay(Duration::from_millis(10));
    let (r, seen) = run(engine, 100, 2, &cancel, move |done| {
        if done == 3 {
            c2.cancel();
        }
    });
    let e = r.expect_err("cancelled");
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    // At most the pages already in flight (2 per worker) finish after it.
    assert!(seen.len() <= 3 + 4, "{} pages finished", seen.len());
}

#[test]
fn cancellation_stops_a_page_midway() {
    // One page of 10 s: the token raised after 50 ms ends it, not the page.
    let cancel = CancelToken::new();
    let raiser = cancel.clone();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        raiser.cancel();
    });
    let engine = FakeEngine::new(["x"]).with_delay(Duration::from_secs(10));
    let t = std::time::Instant::now();
    let (r, seen) = run(engine, 1, 1, &cancel, |_| {});
    thread.join().expect("joined");
    assert_eq!(r.expect_err("cancelled").kind(), ErrorKind::Cancelled);
    assert!(seen.is_empty());
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

#[test]
fn a_linked_token_follows_its_source() {
    let source = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let token = {
        let s = source.clone();
        CancelToken::linked(move || s.load(std::sync::atomic::Ordering::SeqCst))
    };
    assert!(!token.is_cancelled());
    source.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(token.is_cancelled() && token.clone().is_cancelled());
}

#[test]
fn a_page_over_the_time_limit_fails_with_timeout() {
    let rec = Recognizer::new(
        Arc::new(FakeEngine::new(["x"]).with_delay(Duration::from_secs(10))),
        Some(2),
    )
    .expect("pool");
    let settings = Settings {
        page_timeout: Some(Duration::from_millis(30)),
        ..Settings::default()
    };
    let t = std::time::Instant::now();
    let e = rec
        .recognize_pages(
            (0..4).map(page),
            &settings,
            &CancelToken::new(),
            Some(4),
            |_| {},
        )
        .expect_err("times out");
    assert_eq!(e.kind(), ErrorKind::Timeout);
    // Pages 0 and 1 start together on the two workers: either times out first.
    assert!(matches!(e.page(), Some(0 | 1)), "{:?}", e.page());
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Settings round-trip through JSON with the limit in seconds.
    let json = serde_json::to_value(&settings).expect("json");
    assert_eq!(json["page_timeout_secs"], 0.03);
    let back: Settings = serde_json::from_value(json).expect("back");
    assert_eq!(back.page_timeout, Some(Duration::from_millis(30)));
    let none: Settings = serde_json::from_str(r#"{"page_timeout_secs": null}"#).expect("null");
    assert_eq!(none.page_timeout, None);
    let default: Settings = serde_json::from_str("{}").expect("empty");
    assert_eq!(
        default.page_timeout,
        Some(ocrloom_ocr::DEFAULT_PAGE_TIMEOUT)
    );
    assert!(serde_json::from_str::<Settings>(r#"{"page_timeout_secs": -1}"#).is_err());
}

#[test]
fn a_failing_page_is_an_error_value() {
    let engine = FakeEngine::new(["x"]).failing_on(5);
    let (r, _) = run(engine, 10, 2, &CancelToken::new(), |_| {});
    let e = r.expect_err("page 5 fails");
    assert_eq!(e.page(), Some(5));
    assert_eq!(e.kind(), ErrorKind::OcrFailed);
}

#[test]
fn a_panicking_page_is_an_error_not_a_crash() {
    let engine = FakeEngine::new(["x"]).panicking_on(3);
    let (r, _) = run(engine, 10, 2, &CancelToken::new(), |_| {});
    let e = r.expect_err("page 3 panics");
    assert_eq!(e.page(), Some(3));
    assert_eq!(e.kind(), ErrorKind::Internal);
    assert!(e.to_string().contains("fake panic on page 3"), "{e}");
    // The pool survives: the same kind of run works afterwards.
    let (r, _) = run(FakeEngine::new(["y"]), 4, 2, &CancelToken::new(), |_| {});
    assert_eq!(r.expect("ok").pages.len(), 4);
}

#[test]
fn a_render_error_fails_the_document() {
    let rec = Recognizer::new(Arc::new(FakeEngine::new(["x"])), Some(2)).expect("pool");
    let pages = (0..5).map(|i| {
        if i == 2 {
            Err(ocrloom_raster::Error::NoSuchPage(2))
        } else {
            page(i)
        }
    });
    let e = rec
        .recognize_pages(
            pages,
            &Settings::default(),
            &CancelToken::new(),
            None,
            |_| {},
        )
        .expect_err("page 2 missing");
    assert_eq!(e.page(), Some(2));
}

#[test]
fn tables_and_figures_are_found_only_when_asked() {
    let rec = Recognizer::new(Arc::new(FakeEngine::new(["a"])), Some(2)).expect("pool");
    let recognize = |structure: bool| {
        let settings = Settings {
            structure,
            ..Settings::default()
        };
        // Black pages of an inch (the fake engine takes 300 DPI).
        let pages = (0..3).map(|i| {
            page(i).map(|mut p| {
                p.image = PageImage::Gray(image::GrayImage::new(300, 300));
                p
            })
        });
        rec.recognize_pages(pages, &settings, &CancelToken::new(), None, |_| {})
            .expect("all pages")
    };
    for p in recognize(false).pages {
        assert_eq!(p.structure, None);
    }
    // Each page is one figure around the word read on it.
    for p in recognize(true).pages {
        let s = p.structure.expect("looked for");
        assert!(s.tables.is_empty());
        assert_eq!(s.figures.len(), 1, "{s:?}");
    }
}
