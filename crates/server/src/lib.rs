//! The RenderOCR REST API over the ocrloom job manager, on the user's machine.
//!
//! [`Server`] wraps a shared [`Manager`] in an axum router: every route of
//! the API document (files, chunked uploads, engines, jobs), Bearer
//! authentication, JSON errors `{"error": {"code", "message", "request_id"}}`,
//! and `GET /openapi.json`, an OpenAPI 3 document generated from the same
//! route table that builds the router, so the two cannot drift.
//!
//! The manager's calls block (database and file I/O), so handlers run them on
//! tokio's blocking pool: OCR and disk work never stall the async runtime
//! that answers requests. Long polls hold no thread: they await the job's
//! next change ([`ocrloom_jobs::Manager::job_change`]) or their deadline. Uploads are streamed from the socket to
//! the manager through a bounded channel (never the whole file in memory),
//! downloads the same way back.
//!
//! ```
//! use ocrloom_jobs::{Config, FakeConverter, Manager, SystemClock};
//! use ocrloom_server::{Server, ServerOptions};
//! use std::sync::Arc;
//!
//! let manager = Manager::new(Config::in_memory(), Arc::new(FakeConverter::new()), Arc::new(SystemClock))?;
//! let server = Server::new(Arc::new(manager), ServerOptions::default());
//! let doc = server.openapi_json();
//! assert!(doc["paths"]["/renderocr/jobs/{job_id}"]["get"].is_object());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `GET /` serves a web console (assets under `/console/`, embedded in the
//! binary): a page that signs in with an API key and uses the same public
//! routes as any client.
//!
//! The parsers of request headers and parameters ([`disposition`],
//! [`params`]) are public so that they can be fuzzed like the other parsers
//! of untrusted input.
//!
//! Run it with [`Server::serve`] on a bound listener (tests, embedding) or
//! [`run`] (a runtime of its own, until SIGTERM or Ctrl-C: the `ocrloom serve`
//! command).

mod console;
pub mod disposition;
mod error;
mod handlers;
mod keys;
mod middleware;
pub mod params;
mod polls;
mod schema;
mod server;
mod stream;

pub use error::{ApiError, Error, SERVER_CODES};
pub use keys::parse_keys;
pub use ocrloom_jobs::Manager;
pub use server::{run, wait_for_shutdown_signal, Server, ServerOptions, MAX_BLOCKING_THREADS};
