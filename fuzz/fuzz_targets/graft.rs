//! The searchable-PDF writer's grafting path (`ocrloom_writers::graft`),
//! which parses untrusted PDFs with `lopdf` in this process: every page of an
//! input gets the same small recognition result (Latin and Japanese words)
//! and the text layer is grafted on. Never a panic or a hang; a failure is a
//! typed bad-input error; a success keeps the input byte for byte, reports
//! the bytes it appended, and reads back with the same number of pages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocrloom_ocr::{BBox, Block, Line, PageResult, Paragraph, Word};
use ocrloom_raster::ErrorKind;
use ocrloom_writers::graft::graft;
use ocrloom_writers::WriteError;

/// Pages beyond this are not grafted (each one costs a layer).
const MAX_PAGES: usize = 64;

/// A 600 x 800 pixel page at 72 DPI with one line of three words.
fn result() -> PageResult {
    let word = |text: &str, x0| Word {
        text: text.into(),
        bbox: BBox {
            x0,
            y0: 100,
            x1: x0 + 120,
            y1: 130,
        },
        confidence: 90.0,
        noise: false,
    };
    let bbox = BBox {
        x0: 50,
        y0: 100,
        x1: 450,
        y1: 130,
    };
    let mut page = PageResult::empty(0, 600, 800, 72.0);
    page.blocks.push(Block {
        bbox,
        paragraphs: vec![Paragraph {
            bbox,
            lines: vec![Line {
                bbox,
                baseline: None,
                font_size: 24.0,
                words: vec![word("Hello", 50), word("日本語", 190), word("(x)", 330)],
            }],
        }],
    });
    page
}

fn check_error(e: &WriteError) {
    // Mismatch cannot happen: the results fit the page count lopdf gives.
    assert!(
        matches!(e.kind(), ErrorKind::CorruptInput | ErrorKind::EncryptedPdf),
        "unexpected error kind {}: {e}",
        e.kind()
    );
    let _ = e.to_string();
}

fuzz_target!(|data: &[u8]| {
    // The page count the writer will find (same parser, same options).
    let pages = match lopdf::Document::load_mem(data) {
        Ok(doc) => doc.get_pages().len(),
        // Unreadable: the writer must say so with a typed error.
        Err(_) => 1,
    };
    if pages > MAX_PAGES {
        return;
    }
    let page = result();
    let results = vec![Some(&page); pages];
    let mut out = Vec::new();
    let stats = match graft(data, &results, &Default::default(), &mut out) {
        Ok(stats) => stats,
        Err(e) => return check_error(&e),
    };
    assert!(out.starts_with(data), "the input is not kept as it is");
    assert_eq!(out.len() as u64, data.len() as u64 + stats.bytes_added);
    assert!(stats.pages_with_layer <= pages);
    if stats.pages_with_layer > 0 {
        let back = lopdf::Document::load_mem(&out).expect("the grafted PDF reads back");
        assert_eq!(back.get_pages().len(), pages, "the page count changed");
    }
});
