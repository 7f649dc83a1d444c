//! The lazy page stream: pages rendered on a background thread, handed over
//! through a bounded queue.

use crate::{pdf, Document, Error, Format, Page, RenderDpi};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

/// The pages of a document in order, rendered ahead of the consumer: the
/// renderer holds at most one finished page until the consumer takes it,
/// plus `ahead` more in the queue.
///
/// An iterator of `Result<Page, Error>`; after an error it ends. Dropping it
/// stops the renderer at its next page.
pub struct PageStream {
    rx: Option<Receiver<Result<Page, Error>>>,
    worker: Option<JoinHandle<()>>,
    /// Pages still to come; the stream ends after an error.
    left: usize,
}

impl PageStream {
    pub(crate) fn new(doc: Document, indices: Vec<usize>, dpi: RenderDpi, ahead: usize) -> Self {
        let left = indices.len();
        let (tx, rx) = sync_channel(ahead);
        let worker = std::thread::Builder::new()
            .name("ocrloom-render".into())
            .spawn(move || {
                let mut send = |page: Result<Page, Error>| {
                    let stop = page.is_err();
                    tx.send(page).is_ok() && !stop
                };
                // A decoder panic must not end the stream silently: the
                // consumer sees the missing pages as an error (see `next`).
                let _ =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match doc.format {
                        // One PDFium document for the whole stream.
                        Format::Pdf => match indices
                            .iter()
                            .map(|&i| doc.pages.get(i).cloned().ok_or(Error::NoSuchPage(i)))
                            .collect::<Result<Vec<_>, _>>()
                        {
                            Ok(pages) => {
                                pdf::render_each(&doc.bytes, &doc.options, &pages, dpi, &mut send)
                            }
                            Err(e) => {
                                send(Err(e));
                            }
                        },
                        _ => {
                            for &i in &indices {
                                if !send(doc.render(i, dpi)) {
                                    break;
                                }
                            }
                        }
                    }));
            });
        match worker {
            Ok(worker) => PageStream {
                rx: Some(rx),
                worker: Some(worker),
                left,
            },
            Err(e) => {
                // No thread: the stream yields the error once.
                let (tx, rx) = sync_channel(1);
                let _ = tx.send(Err(Error::Io(e)));
                PageStream {
                    rx: Some(rx),
                    worker: None,
                    left,
                }
            }
        }
    }
}

impl Iterator for PageStream {
    type Item = Result<Page, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let item = match self.rx.as_ref()?.recv() {
            Ok(item) => item,
            Err(_) => Err(Error::Internal("the page renderer stopped early".into())),
        };
        self.left = if item.is_ok() { self.left - 1 } else { 0 };
        Some(item)
    }
}

impl Drop for PageStream {
    fn drop(&mut self) {
        // Closing the queue makes the renderer's next send fail, so it stops.
        self.rx.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
