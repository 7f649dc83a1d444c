//! The `ocrloom` command line: `info` (what a document holds) and more.
//!
//! Exit codes: 0 success; 2 usage error; 3 bad input (unsupported, corrupt,
//! encrypted, over a limit, unknown language); 1 any other failure (a page
//! over its time limit, `timeout`; an output that cannot be written,
//! `io_error`; ...). Every failure prints one line
//! `error: <code>: <message>` on stderr. Library failures take both from
//! the one mapping of error kinds (`crates/jobs/ERRORS.md`, "Kinds").

mod eval;
mod info;
mod keys;
mod lines;
mod ocr;
mod render;
mod serve;
mod worker;

use clap::{Parser, Subcommand};
use ocrloom::raster;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ocrloom",
    version,
    about = "Local OCR: scanned documents in, searchable documents out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How long PDFium may take to open a PDF or to render one of its pages;
    /// past it the document is refused (`timeout`, exit code 3). PDFium runs
    /// in a child process, so a PDF that would keep it busy forever (or
    /// crash it) cannot take this process with it.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "30")]
    pdf_timeout: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Show the detected format and every page's size, resolution, rotation and text.
    Info(info::Args),
    /// Render the page images that OCR would see, optionally writing them as PNG.
    Render(render::Args),
    /// Recognize a document and write its text.
    Ocr(ocr::Args),
    /// Score recognition against a ground-truth folder (CER, WER, bag of words).
    Eval(eval::Args),
    /// Serve the RenderOCR REST API (files, engines, jobs) on this machine.
    Serve(serve::Args),
    /// Convert jobs from a shared job store (PostgreSQL), serving no API:
    /// the worker role of a cluster.
    Worker(worker::Args),
    /// Manage the API keys of a data folder (list, add, revoke).
    Keys(keys::Args),
    /// Internal: serve one PDFium request on stdin/stdout (see `--pdf-timeout`).
    #[command(hide = true)]
    PdfiumWorker,
}

/// A failure with the exit code it maps to.
pub struct Failure {
    code: &'static str,
    message: String,
    exit: u8,
}

impl From<raster::Error> for Failure {
    fn from(e: raster::Error) -> Self {
        Failure::of(e.kind(), e.to_string())
    }
}

impl Failure {
    /// A failure of `kind`: its name and its exit code from the one mapping
    /// ([`ocrloom::jobs::Mapping`]).
    fn of(kind: raster::ErrorKind, message: String) -> Self {
        Failure {
            code: kind.as_str(),
            message,
            exit: ocrloom::jobs::Mapping::of(kind).exit_code,
        }
    }

    /// A usage error (exit code 2).
    pub fn usage(message: String) -> Self {
        Failure {
            code: "usage",
            message,
            exit: 2,
        }
    }

    /// The job manager could not start (`what` failed): the code is the
    /// manager's (`unavailable` for a database or a bucket that cannot be
    /// reached or refuses the credentials), the message has every cause.
    pub fn starting(what: String, e: ocrloom::jobs::Error) -> Self {
        let mut message = format!("{what}: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        Failure {
            code: e.code().as_str(),
            message,
            exit: ocrloom::jobs::EXIT_FAILURE,
        }
    }

    /// A file that could not be read or written (`io_error`, exit code 1).
    pub fn io(message: String) -> Self {
        Failure {
            code: "io_error",
            message,
            exit: ocrloom::jobs::EXIT_FAILURE,
        }
    }
}

/// `--page-timeout`: how long one page may take, `None` for no limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageTimeout(pub Option<std::time::Duration>);

/// Parses `--page-timeout SECONDS` (fractions allowed; 0 for no limit).
pub fn parse_page_timeout(s: &str) -> Result<PageTimeout, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if secs == 0.0 {
        return Ok(PageTimeout(None));
    }
    std::time::Duration::try_from_secs_f64(secs)
        .map(|d| PageTimeout(Some(d)))
        .map_err(|e| format!("{s:?}: {e}"))
}

/// Maps a pipeline error to its code and exit status.
fn pipeline_failure(e: ocrloom::Error) -> Failure {
    Failure::of(e.kind(), e.to_string())
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure {
            code: "internal",
            message: format!("{e:#}"),
            exit: ocrloom::jobs::EXIT_FAILURE,
        }
    }
}

/// Makes glibc give every allocation of 1 MiB or more back to the system
/// when freed. By default the threshold grows to the largest block freed
/// (up to 32 MiB), so page images and Tesseract's per-page buffers end up
/// in per-thread heaps that keep their peak: 277 -> 197 MiB peak RSS on a
/// 12-page scan, same speed (see benches/README.md).
fn return_large_buffers() {
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Tesseract's OpenMP runtime reads `OMP_THREAD_LIMIT` before `main` runs,
/// and without a limit of 1 each page takes several times longer (see
/// docs/decisions.md). So the binary re-executes itself with it set, once.
fn ensure_single_threaded_openmp() {
    use std::os::unix::process::CommandExt;
    if ocrloom::ocr::omp_ok() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(ocrloom::ocr::OMP_ENV, "1")
        .exec();
    // Only reached when exec failed: carry on, slower (the library warns).
    tracing::warn!("cannot re-execute with {}=1: {err}", ocrloom::ocr::OMP_ENV);
}

fn main() -> ExitCode {
    return_large_buffers();
    let cli = Cli::parse();
    // The server logs failed requests and its life cycle: visible by default.
    let level = match cli.command {
        Command::Serve(_) | Command::Worker(_) => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OCRLOOM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    ensure_single_threaded_openmp();
    if let Command::PdfiumWorker = cli.command {
        return match raster::serve_pdfium() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("PDFium worker: {e}");
                ExitCode::FAILURE
            }
        };
    }
    raster::isolate_pdfium(raster::Isolation {
        // The running binary itself, even if its file was replaced since.
        program: "/proc/self/exe".into(),
        args: vec!["pdfium-worker".into()],
        timeout: std::time::Duration::from_secs(cli.pdf_timeout),
        // A 60 MP page (the pixel limit) needs ~420 MB in the child: its
        // bitmap and the copy sent back. A PDF that makes PDFium allocate
        // without end is refused at this cap, not at the machine's.
        memory: Some(768 << 20),
    });
    // Whatever a decoder does, the user gets an error line, never a panic trace
    // and exit code 101.
    std::panic::set_hook(Box::new(|info| tracing::error!("panic: {info}")));
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Info(args) => info::run(args),
        Command::Render(args) => render::run(args),
        Command::Ocr(args) => ocr::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Worker(args) => worker::run(args),
        Command::Keys(args) => keys::run(args),
        Command::PdfiumWorker => Ok(()),
    });
    let failure = match result {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(f)) => f,
        Err(_) => Failure {
            code: "internal",
            message: "unexpected internal error (see the log above)".into(),
            exit: 1,
        },
    };
    let message: Vec<&str> = failure.message.split_whitespace().collect();
    eprintln!("error: {}: {}", failure.code, message.join(" "));
    ExitCode::from(failure.exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_timeouts_parse_and_the_default_matches_the_library() {
        assert_eq!(
            parse_page_timeout("120"),
            Ok(PageTimeout(Some(ocrloom::ocr::DEFAULT_PAGE_TIMEOUT)))
        );
        assert_eq!(parse_page_timeout("0"), Ok(PageTimeout(None)));
        assert_eq!(
            parse_page_timeout("0.5"),
            Ok(PageTimeout(Some(std::time::Duration::from_millis(500))))
        );
        for bad in ["-1", "abc", "", "inf", "NaN"] {
            assert!(parse_page_timeout(bad).is_err(), "{bad}");
        }
    }
}
