//! Bridges between the async body streams and the manager's blocking
//! `Read`-based calls, through bounded channels so memory stays small
//! whatever the file size (at most `CHANNEL_DEPTH` chunks in flight).

use axum::body::{Body, Bytes};
use std::io::{self, Read};
use tokio::sync::mpsc;

/// Chunks in flight between the socket and the disk.
const CHANNEL_DEPTH: usize = 4;
/// Size of the chunks read from disk for a download.
const READ_CHUNK: usize = 64 * 1024;

/// What the async side sends to the blocking reader.
pub(crate) enum Msg {
    /// More bytes.
    Data(Bytes),
    /// The upload is complete: the reader answers end of file.
    End,
    /// The upload failed: the reader answers this error, so the manager
    /// throws the partial file away.
    Fail(io::Error),
}

/// The async (sending) half of an upload.
pub(crate) type UploadSender = mpsc::Sender<Msg>;

/// A blocking [`Read`] fed by the async side.
///
/// End of file only comes from an explicit [`Msg::End`]: if the sender is
/// dropped first (the client went away and the handler was dropped), reads
/// fail, and a truncated upload is never stored as if it were complete.
pub(crate) struct ChannelReader {
    rx: mpsc::Receiver<Msg>,
    current: Bytes,
    done: bool,
}

/// A channel for one upload.
pub(crate) fn upload_channel() -> (UploadSender, ChannelReader) {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    (
        tx,
        ChannelReader {
            rx,
            current: Bytes::new(),
            done: false,
        },
    )
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Msg::Data(b)) => self.current = b,
                Some(Msg::End) => self.done = true,
                Some(Msg::Fail(e)) => return Err(e),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the upload was interrupted",
                    ))
                }
            }
        }
        let n = buf.len().min(self.current.len());
        let chunk = self.current.split_to(n);
        buf[..n].copy_from_slice(&chunk);
        Ok(n)
    }
}

/// A response body streaming `reader` from a blocking thread. A client that
/// goes away drops the body, the channel closes and the thread stops.
pub(crate) fn body_from_reader(mut reader: impl Read + Send + 'static) -> Body {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(CHANNEL_DEPTH);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            let item = match reader.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => Ok(Bytes::copy_from_slice(&buf[..n])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
