//! A converter that does no OCR, for tests of the manager and the server.

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use ocrloom_detect::Format;

use crate::converter::{CancelFlag, ConvertError, ConvertOutcome, ConvertRequest, Converter};
use crate::error::ErrorCode;
use crate::models::{Conversion, Engine, Language};

/// A FIFO counting semaphore modelling the shared OCR pool's "cores": the
/// fake takes one per page, so concurrent fake jobs share them page by page.
///
/// FIFO matters: with a plain mutex a job that releases and re-acquires in a
/// loop could starve the others, which the real (rayon) pool does not do.
#[derive(Debug, Clone)]
pub struct FakeCores(Arc<(Mutex<CoresState>, Condvar)>);

#[derive(Debug)]
struct CoresState {
    free: usize,
    next_ticket: u64,
    waiting: VecDeque<u64>,
}

impl FakeCores {
    /// `n` cores (at least one).
    pub fn new(n: usize) -> Self {
        FakeCores(Arc::new((
            Mutex::new(CoresState {
                free: n.max(1),
                next_ticket: 0,
                waiting: VecDeque::new(),
            }),
            Condvar::new(),
        )))
    }

    fn acquire(&self) -> CoreGuard<'_> {
        let (lock, cv) = &*self.0;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.waiting.push_back(ticket);
        while !(st.free > 0 && st.waiting.front() == Some(&ticket)) {
            st = cv.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.waiting.pop_front();
        st.free -= 1;
        // The next in line may also find a free core.
        cv.notify_all();
        CoreGuard(self)
    }
}

struct CoreGuard<'a>(&'a FakeCores);

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        let (lock, cv) = &*self.0 .0;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        st.free += 1;
        cv.notify_all();
    }
}

/// A [`Converter`] that "converts" by writing a small text report, one line
/// per page, with configurable page count, per-page delay, failure and panic.
///
/// The input's bytes can override the settings, so one fake serves many
/// scenarios (handy in server tests): the tokens `FAKE:pages=N`,
/// `FAKE:delay_ms=N`, `FAKE:fail=<code>`, `FAKE:panic` and `FAKE:write_fail`
/// (the output's first page is written, then writing fails with an I/O
/// error, reported as `internal`) anywhere in the file.
///
/// Output for a 2-page PDF to `txt` with languages `eng`:
/// ```text
/// fake/ocr pdf->txt [eng] 2 pages
/// page 1 of 2
/// page 2 of 2
/// ```
#[derive(Debug)]
pub struct FakeConverter {
    pages: u32,
    page_delay: Duration,
    fail: Option<(ErrorCode, String)>,
    fail_after: u32,
    panic_at: Option<u32>,
    cores: Option<FakeCores>,
    engines: Vec<Engine>,
    calls: AtomicUsize,
}

impl Default for FakeConverter {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings for one run, after the input's `FAKE:` tokens are applied.
struct RunSettings {
    pages: u32,
    delay: Duration,
    fail: Option<(ErrorCode, String)>,
    panic_at: Option<u32>,
    /// Writing fails right after this page (1-based) is written.
    write_fail_after: Option<u32>,
}

impl FakeConverter {
    /// One page, no delay, no failure, the [`FakeConverter::default_engines`].
    pub fn new() -> Self {
        FakeConverter {
            pages: 1,
            page_delay: Duration::ZERO,
            fail: None,
            fail_after: 0,
            panic_at: None,
            cores: None,
            engines: Self::default_engines(),
            calls: AtomicUsize::new(0),
        }
    }

    /// Every input has `n` pages.
    pub fn pages(mut self, n: u32) -> Self {
        self.pages = n;
        self
    }

    /// Each page takes `d`.
    pub fn page_delay(mut self, d: Duration) -> Self {
        self.page_delay = d;
        self
    }

    /// Every conversion fails with `code` (after [`FakeConverter::fail_after`] pages).
    pub fn fail_with(mut self, code: ErrorCode, message: impl Into<String>) -> Self {
        self.fail = Some((code, message.into()));
        self
    }

    /// The failure set by [`FakeConverter::fail_with`] comes after `pages` pages.
    pub fn fail_after(mut self, pages: u32) -> Self {
        self.fail_after = pages;
        self
    }

    /// Panics while converting page `page` (1-based).
    pub fn panic_at_page(mut self, page: u32) -> Self {
        self.panic_at = Some(page);
        self
    }

    /// Takes one of `cores` per page, modelling the shared OCR pool.
    pub fn shared_cores(mut self, cores: FakeCores) -> Self {
        self.cores = Some(cores);
        self
    }

    /// Replaces the engines list.
    pub fn engines(mut self, engines: Vec<Engine>) -> Self {
        self.engines = engines;
        self
    }

    /// How many times `convert` was called.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// `fake/ocr`: every input format to `pdf` and `txt`, languages `Auto`,
    /// `eng`, `deu`, `jpn`; `fake/images`: images only, to `txt`, `eng` only.
    pub fn default_engines() -> Vec<Engine> {
        let all = Format::ALL
            .iter()
            .flat_map(|f| {
                [
                    Conversion::new(f.name(), "pdf"),
                    Conversion::new(f.name(), "txt"),
                ]
            })
            .collect();
        let images = [Format::Tiff, Format::Jpeg, Format::Png, Format::Bmp]
            .iter()
            .map(|f| Conversion::new(f.name(), "txt"))
            .collect();
        vec![
            Engine {
                id: "fake/ocr".to_owned(),
                provider: "fake".to_owned(),
                display_name: "Fake OCR".to_owned(),
                description: "Writes one line per page instead of recognising text.".to_owned(),
                supported_conversions: all,
                supported_languages: vec![
                    Language::new("Auto", "Automatic"),
                    Language::new("eng", "English"),
                    Language::new("deu", "German"),
                    Language::new("jpn", "Japanese"),
                ],
            },
            Engine {
                id: "fake/images".to_owned(),
                provider: "fake".to_owned(),
                display_name: "Fake image OCR".to_owned(),
                description: "Images to text only.".to_owned(),
                supported_conversions: images,
                supported_languages: vec![Language::new("eng", "English")],
            },
        ]
    }

    fn settings_for(&self, input: &[u8]) -> RunSettings {
        let mut s = RunSettings {
            pages: self.pages,
            delay: self.page_delay,
            fail: self.fail.clone(),
            panic_at: self.panic_at,
            write_fail_after: None,
        };
        let text = String::from_utf8_lossy(input);
        for token in text.split_whitespace() {
            let Some(rest) = token.strip_prefix("FAKE:") else {
                continue;
            };
            let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
            match key {
                "pages" => s.pages = value.parse().unwrap_or(s.pages),
                "delay_ms" => s.delay = value.parse().map(Duration::from_millis).unwrap_or(s.delay),
                "fail" => {
                    let code = ErrorCode::parse(value).unwrap_or(ErrorCode::Internal);
                    s.fail = Some((code, format!("fake failure: {value}")));
                }
                "panic" => s.panic_at = Some(1),
                "write_fail" => s.write_fail_after = Some(1),
                _ => {}
            }
        }
        s
    }
}

impl Converter for FakeConverter {
    fn engines(&self) -> Vec<Engine> {
        self.engines.clone()
    }

    fn convert(
        &self,
        request: &ConvertRequest,
        input: &Path,
        output: &Path,
        progress: &(dyn Fn(u32, u32) + Sync),
        cancel: &CancelFlag,
    ) -> Result<ConvertOutcome, ConvertError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let internal = |e: std::io::Error| ConvertError::new(ErrorCode::Internal, e.to_string());
        let bytes = std::fs::read(input).map_err(internal)?;
        let s = self.settings_for(&bytes);
        let mut out = std::fs::File::create(output).map_err(internal)?;
        writeln!(
            out,
            "{} {}->{} [{}] {} pages",
            request.engine,
            request.input_format.name(),
            request.output_format,
            request.languages.join(","),
            s.pages
        )
        .map_err(internal)?;
        progress(0, s.pages);
        for page in 1..=s.pages {
            cancel.check()?;
            if let Some((code, message)) = &s.fail {
                if page > self.fail_after {
                    return Err(ConvertError::new(*code, message.clone()));
                }
            }
            {
                let _core = self.cores.as_ref().map(FakeCores::acquire);
                if !s.delay.is_zero() {
                    std::thread::sleep(s.delay);
                }
            }
            if s.panic_at == Some(page) {
                panic!("fake converter panics at page {page} as configured");
            }
            writeln!(out, "page {page} of {}", s.pages).map_err(internal)?;
            if s.write_fail_after == Some(page) {
                // What a full disk looks like, after part of the output.
                out.flush().map_err(internal)?;
                return Err(internal(std::io::Error::other(
                    "injected write failure (FAKE:write_fail)",
                )));
            }
            progress(page, s.pages);
        }
        if let Some((code, message)) = s.fail {
            // fail_after >= pages: the failure comes after the last page.
            return Err(ConvertError::new(code, message));
        }
        Ok(ConvertOutcome {
            input_pages: s.pages,
        })
    }
}
