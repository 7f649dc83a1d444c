//! Which PDF pages are recognized under each `TextPages` choice, with the
//! fake engine: a page with an earlier invisible OCR layer, born-digital
//! pages whose text shows, and a scan without text.

use ocrloom::ocr::{CancelToken, FakeEngine};
use ocrloom::raster::PageText;
use ocrloom::{Options, Pipeline, TextPages};
use std::path::PathBuf;
use std::sync::Arc;

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The indexes of the pages recognized in `file` under `choice`, checking
/// first that the file's pages carry `text`.
fn recognized(file: &str, text: PageText, choice: TextPages) -> Vec<usize> {
    let pipeline = Pipeline::new(Arc::new(FakeEngine::new(["word"])), Some(1)).expect("pool");
    let options = Options {
        text_pages: choice,
        ..Options::default()
    };
    let done = pipeline
        .recognize(fixture(file), &options, &CancelToken::new(), |_| {})
        .expect("recognize");
    assert!(
        done.document.pages().iter().all(|p| p.text == text),
        "{file}"
    );
    done.result.pages.iter().map(|p| p.index).collect()
}

#[test]
fn skip_redo_and_force_choose_their_pages() {
    let cases = [
        (
            "raster/has-text.pdf",
            PageText::Invisible,
            [vec![], vec![0], vec![0]],
        ),
        (
            "raster/rotated-pages.pdf",
            PageText::Visible,
            [vec![], vec![], (0..5).collect()],
        ),
        (
            "raster/same-page.pdf",
            PageText::None,
            [vec![0], vec![0], vec![0]],
        ),
    ];
    for (file, text, expected) in cases {
        for (choice, pages) in [TextPages::Skip, TextPages::Redo, TextPages::Force]
            .into_iter()
            .zip(expected)
        {
            assert_eq!(recognized(file, text, choice), pages, "{file} {choice:?}");
        }
    }
}
