//! PDFium in a child process, under a time limit.
//!
//! PDFium cannot be interrupted: a crafted PDF can keep it parsing or
//! drawing for hours (a form XObject that draws itself twice per level, a
//! tiling pattern of billions of cells), and a crash in it would take the
//! whole process down. When [`isolate_pdfium`] has been called (the
//! `ocrloom` binary does, at start), every PDFium call for a document (its
//! page list, its pages, a page's text) runs in a child process: the
//! binary again, with the arguments given, whose `main` calls [`serve`].
//! The child arms `alarm(2)` before each step, so a step that takes longer
//! than the limit ends the child with `SIGALRM`, which the parent reports
//! as [`Error::Timeout`]; any other signal is reported as a crash on the
//! input. Without it (library users, tests), PDFium runs in-process.
//!
//! The parent writes one request to the child's stdin: a length-prefixed
//! JSON header, then the PDF bytes. The child answers on stdout with
//! length-prefixed JSON frames, each page's frame followed by its pixels.

use crate::{pdf, Dpi, Error, ErrorKind, OpenOptions, Page, PageImage, PageInfo, RenderDpi};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// How to start the child process that runs PDFium.
#[derive(Debug, Clone)]
pub struct Isolation {
    /// The program: one whose `main` calls [`serve`] when given `args`.
    pub program: PathBuf,
    /// The arguments that make `program` serve one request.
    pub args: Vec<OsString>,
    /// How long one step may take: opening the document and listing its
    /// pages, or rendering one page (whole seconds, at least 1).
    pub timeout: Duration,
    /// The most memory the child may allocate beyond the PDF itself
    /// (`RLIMIT_DATA`); past it PDFium's allocations fail and the document
    /// is refused. `None` for no limit (needed under AddressSanitizer, whose
    /// shadow memory counts against it).
    pub memory: Option<u64>,
}

static ISOLATION: OnceLock<Isolation> = OnceLock::new();

/// Runs every later PDFium call in a child process started as `isolation`
/// says. Takes effect once per process; false if it was already set.
pub fn isolate_pdfium(isolation: Isolation) -> bool {
    ISOLATION.set(isolation).is_ok()
}

pub(crate) fn active() -> Option<&'static Isolation> {
    ISOLATION.get()
}

/// One request to the child.
#[derive(Serialize, Deserialize)]
enum Request {
    /// The page list (`Document::open`).
    Infos,
    /// These pages, in order.
    Render {
        pages: Vec<PageInfo>,
        dpi: RenderDpi,
    },
    /// The text of one page.
    Text { page: PageInfo },
}

#[derive(Serialize, Deserialize)]
struct Header {
    request: Request,
    options: OpenOptions,
    /// The limit per step, in whole seconds.
    timeout_secs: u32,
    /// See [`Isolation::memory`].
    memory: Option<u64>,
}

/// One answer from the child.
#[derive(Serialize, Deserialize)]
enum Frame {
    Infos(Vec<PageInfo>),
    /// A page; its pixels follow (width x height x channels bytes).
    Page {
        info: PageInfo,
        dpi: Option<Dpi>,
        width: u32,
        height: u32,
        channels: u8,
    },
    Text(String),
    Error {
        code: String,
        message: String,
    },
}

/// The child's side: reads one request from stdin, answers on stdout.
/// Returns when the request is served; the caller then exits.
pub fn serve() -> std::io::Result<()> {
    let mut input = Vec::new();
    std::io::stdin().lock().read_to_end(&mut input)?;
    let (header, bytes) = split_request(&input)?;
    if let Some(memory) = header.memory {
        // What is allocated from here on: PDFium's work and the pages.
        let cap = (input.capacity() as u64).saturating_add(memory);
        let limit = libc::rlimit {
            rlim_cur: cap,
            rlim_max: cap,
        };
        // SAFETY: plain system call on a valid struct.
        if unsafe { libc::setrlimit(libc::RLIMIT_DATA, &limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let arm = || {
        // SAFETY: alarm only (re)schedules SIGALRM for this process, whose
        // default action ends it: the parent reads that as a timeout.
        unsafe { libc::alarm(header.timeout_secs.max(1)) };
    };
    arm();
    match header.request {
        Request::Infos => {
            let frame = match pdf::page_infos(bytes, &header.options) {
                Ok(infos) => Frame::Infos(infos),
                Err(e) => error_frame(&e),
            };
            write_frame(&mut out, &frame, &[])?;
        }
        Request::Render { pages, dpi } => {
            let mut result = Ok(());
            pdf::render_each(bytes, &header.options, &pages, dpi, &mut |page| {
                // The limit is PDFium's: handing the page over waits for
                // the parent, which takes it when a worker is free (an
                // OCR'd page can take longer than the limit on a busy
                // machine).
                // SAFETY: as in `arm`; 0 cancels the pending alarm.
                unsafe { libc::alarm(0) };
                let sent = match page {
                    Ok(p) => {
                        let frame = Frame::Page {
                            info: p.info.clone(),
                            dpi: p.dpi,
                            width: p.image.width(),
                            height: p.image.height(),
                            channels: p.image.channels(),
                        };
                        write_frame(&mut out, &frame, p.image.as_bytes())
                    }
                    Err(e) => write_frame(&mut out, &error_frame(&e), &[]),
                };
                result = sent.and_then(|()| out.flush());
                // The next page gets a full time limit of its own.
                arm();
                result.is_ok()
            });
            result?;
        }
        Request::Text { page } => {
            let frame = match pdf::text(bytes, &header.options, &page) {
                Ok(text) => Frame::Text(text),
                Err(e) => error_frame(&e),
            };
            write_frame(&mut out, &frame, &[])?;
        }
    }
    out.flush()
}

fn split_request(input: &[u8]) -> std::io::Result<(Header, &[u8])> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let len = input
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| bad("short request"))?;
    let json = input.get(4..4 + len).ok_or_else(|| bad("short request"))?;
    let header = serde_json::from_slice(json).map_err(|e| bad(&e.to_string()))?;
    Ok((header, &input[4 + len..]))
}

fn error_frame(e: &Error) -> Frame {
    Frame::Error {
        code: e.kind().as_str().into(),
        // The receiving side adds the variant's prefix again.
        message: e.detail(),
    }
}

fn write_frame(out: &mut impl Write, frame: &Frame, pixels: &[u8]) -> std::io::Result<()> {
    let json = serde_json::to_vec(frame).map_err(std::io::Error::other)?;
    out.write_all(&(json.len() as u32).to_le_bytes())?;
    out.write_all(&json)?;
    out.write_all(pixels)
}

/// The parent's side of one request: the child, its output, the limit.
struct Call {
    child: Child,
    timeout_secs: u32,
}

impl Call {
    fn start(
        iso: &Isolation,
        request: Request,
        bytes: &[u8],
        options: &OpenOptions,
    ) -> Result<Call, Error> {
        let timeout_secs = u32::try_from(iso.timeout.as_secs().max(1)).unwrap_or(u32::MAX);
        let header = serde_json::to_vec(&Header {
            request,
            options: options.clone(),
            timeout_secs,
            memory: iso.memory,
        })
        .map_err(|e| Error::Internal(format!("PDFium request: {e}")))?;
        let child = Command::new(&iso.program)
            .args(&iso.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::Pdfium(format!(
                    "cannot start the PDFium process {}: {e}",
                    iso.program.display()
                ))
            })?;
        let mut call = Call {
            child,
            timeout_secs,
        };
        let sent = call.child.stdin.take().map(|mut stdin| {
            stdin.write_all(&(header.len() as u32).to_le_bytes())?;
            stdin.write_all(&header)?;
            stdin.write_all(bytes)
            // Dropped here: the child sees the end of its input.
        });
        if let Some(Err(e)) = sent {
            // The child went away early (it crashed or timed out): its
            // exit status says why.
            return Err(call.failure(Some(e)));
        }
        Ok(call)
    }

    /// The next frame and its pixels, or why there is none.
    fn next(&mut self) -> Result<(Frame, Vec<u8>), Error> {
        let read = |call: &mut Call| -> std::io::Result<(Frame, Vec<u8>)> {
            let out = call
                .child
                .stdout
                .as_mut()
                .ok_or_else(|| std::io::Error::other("no output"))?;
            let mut len = [0u8; 4];
            out.read_exact(&mut len)?;
            let mut json = vec![0u8; u32::from_le_bytes(len) as usize];
            out.read_exact(&mut json)?;
            let frame: Frame = serde_json::from_slice(&json).map_err(std::io::Error::other)?;
            let mut pixels = Vec::new();
            if let Frame::Page {
                width,
                height,
                channels,
                ..
            } = &frame
            {
                let n = u64::from(*width) * u64::from(*height) * u64::from(*channels);
                pixels.resize(usize::try_from(n).map_err(std::io::Error::other)?, 0);
                out.read_exact(&mut pixels)?;
            }
            Ok((frame, pixels))
        };
        read(self).map_err(|e| self.failure(Some(e)))
    }

    /// Why the child stopped answering, from its exit status.
    fn failure(&mut self, io: Option<std::io::Error>) -> Error {
        use std::os::unix::process::ExitStatusExt;
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) if status.signal() == Some(libc::SIGALRM) => Error::Timeout(format!(
                "PDFium did not finish a step on this PDF within {} s",
                self.timeout_secs
            )),
            Ok(status) if status.signal().is_some_and(|s| s != libc::SIGKILL) => {
                Error::Corrupt(format!("PDFium crashed on this PDF ({status})"))
            }
            Ok(status) => Error::Internal(format!(
                "the PDFium process stopped ({status}){}",
                io.map(|e| format!(": {e}")).unwrap_or_default()
            )),
            Err(e) => Error::Internal(format!("the PDFium process: {e}")),
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        // Done or abandoned: the child never outlives its caller.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An error frame back into an [`Error`] of the same kind (named by
/// [`ErrorKind::as_str`]; `timeout` is PDFium's, the input's fault).
fn error_from(code: &str, message: String) -> Error {
    let kind = ErrorKind::ALL.into_iter().find(|k| k.as_str() == code);
    match kind {
        Some(ErrorKind::EncryptedPdf) => Error::Encrypted,
        Some(ErrorKind::UnsupportedFormat) => Error::Unsupported(message),
        Some(ErrorKind::LimitExceeded) => Error::LimitExceeded(message),
        Some(ErrorKind::Unavailable) => Error::Pdfium(message),
        Some(ErrorKind::InputTimeout | ErrorKind::Timeout) => Error::Timeout(message),
        Some(ErrorKind::CorruptInput) => Error::Corrupt(message),
        _ => Error::Internal(message),
    }
}

fn unexpected() -> Error {
    Error::Internal("the PDFium process answered out of turn".into())
}

/// Sends `request` and returns its one answer (an error frame as the error).
fn ask(
    iso: &Isolation,
    request: Request,
    bytes: &[u8],
    options: &OpenOptions,
) -> Result<Frame, Error> {
    let mut call = Call::start(iso, request, bytes, options)?;
    match call.next()?.0 {
        Frame::Error { code, message } => Err(error_from(&code, message)),
        frame => Ok(frame),
    }
}

pub(crate) fn page_infos(
    iso: &Isolation,
    bytes: &[u8],
    options: &OpenOptions,
) -> Result<Vec<PageInfo>, Error> {
    match ask(iso, Request::Infos, bytes, options)? {
        Frame::Infos(infos) => Ok(infos),
        _ => Err(unexpected()),
    }
}

pub(crate) fn text(
    iso: &Isolation,
    bytes: &[u8],
    options: &OpenOptions,
    page: &PageInfo,
) -> Result<String, Error> {
    match ask(iso, Request::Text { page: page.clone() }, bytes, options)? {
        Frame::Text(text) => Ok(text),
        _ => Err(unexpected()),
    }
}

pub(crate) fn render_each(
    iso: &Isolation,
    bytes: &[u8],
    options: &OpenOptions,
    pages: &[PageInfo],
    dpi: RenderDpi,
    sink: &mut dyn FnMut(Result<Page, Error>) -> bool,
) {
    let request = Request::Render {
        pages: pages.to_vec(),
        dpi,
    };
    let mut call = match Call::start(iso, request, bytes, options) {
        Ok(call) => call,
        Err(e) => {
            sink(Err(e));
            return;
        }
    };
    for _ in pages {
        let page = match call.next() {
            Ok((
                Frame::Page {
                    info,
                    dpi,
                    width,
                    height,
                    channels,
                },
                pixels,
            )) => to_page(info, dpi, width, height, channels, pixels),
            Ok((Frame::Error { code, message }, _)) => Err(error_from(&code, message)),
            Ok(_) => Err(unexpected()),
            Err(e) => Err(e),
        };
        let failed = page.is_err();
        if !sink(page) || failed {
            return;
        }
    }
}

fn to_page(
    info: PageInfo,
    dpi: Option<Dpi>,
    width: u32,
    height: u32,
    channels: u8,
    pixels: Vec<u8>,
) -> Result<Page, Error> {
    let image = match channels {
        1 => image::GrayImage::from_raw(width, height, pixels).map(PageImage::Gray),
        3 => image::RgbImage::from_raw(width, height, pixels).map(PageImage::Rgb),
        _ => None,
    }
    .ok_or_else(unexpected)?;
    Ok(Page { info, image, dpi })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_process_boundary_with_their_message_once() {
        let sent = [
            Error::LimitExceeded("page pixels 9 exceeds 1".into()),
            Error::Corrupt("bad xref".into()),
            Error::Unsupported("JBIG2".into()),
            Error::Timeout("PDFium took longer than 2 s".into()),
            Error::Internal("broken".into()),
            Error::Encrypted,
        ];
        for e in sent {
            let Frame::Error { code, message } = error_frame(&e) else {
                panic!("an error frame");
            };
            let back = error_from(&code, message);
            assert_eq!(back.to_string(), e.to_string());
            assert_eq!(back.kind(), e.kind());
        }
    }
}
