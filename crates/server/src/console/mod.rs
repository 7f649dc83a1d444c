//! The web console: a small single-page client of the REST API, served at
//! `GET /` with its assets under `/console/`, all embedded in the binary.
//!
//! The page holds no secret and gets no privilege: it signs in with the key
//! the user types and calls the same public routes as any client, so it adds
//! no way around authentication. Every answer carries a strict
//! `Content-Security-Policy` (scripts, styles, images and connections from
//! this origin only; no inline script or style) and
//! `X-Content-Type-Options: nosniff`.
//!
//! The assets (`assets/`) are plain HTML, CSS and JavaScript modules: no
//! build step. `index.html` carries the server's upload limits as data
//! attributes, filled in once when the router is built.

use crate::error::ApiError;
use axum::extract::Path;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ocrloom_jobs::Config;
use std::sync::Arc;

/// The policy of every console answer: nothing from another origin, no
/// inline script or style, no plugins, no framing, forms nowhere.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' blob:; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page, with `{{MAX_FILE_SIZE}}` and `{{MAX_CHUNK_SIZE}}` to fill in.
const INDEX: &str = include_str!("assets/index.html");

/// The assets under `/console/`: name, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/console.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/api.js"),
    ),
    (
        "upload.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/upload.js"),
    ),
    (
        "jobs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/jobs.js"),
    ),
    (
        "preview.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/preview.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("assets/icon.svg"),
    ),
];

/// `GET /` and `GET /console/{name}`, for any router state.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(config: &Config) -> Router<S> {
    // Chunks of at most 1 MiB: the upload bar moves often enough, and a
    // chunk stays far below the server's limit.
    let chunk = config.max_chunk_size.min(1 << 20);
    let index: Arc<str> = INDEX
        .replace("{{MAX_FILE_SIZE}}", &config.max_file_size.to_string())
        .replace("{{MAX_CHUNK_SIZE}}", &chunk.to_string())
        .into();
    Router::new()
        .route(
            "/",
            get(move || {
                let index = Arc::clone(&index);
                async move { answer("text/html; charset=utf-8", index.as_bytes().to_vec()) }
            }),
        )
        .route("/console/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => answer(content_type, bytes.to_vec()),
        None => ApiError::server(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no console asset {name}"),
        )
        .into_response(),
    }
}

/// A console answer with its security headers. `no-cache`: a browser asks
/// again each time, so a new binary's console is never mixed with an old one.
fn answer(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_stays_under_its_budget() {
        // The budget: under 300 KB added to the binary.
        let size = INDEX.len() + ASSETS.iter().map(|(_, _, b)| b.len()).sum::<usize>();
        assert!(size < 300_000, "console assets are {size} bytes");
    }

    #[test]
    fn every_asset_the_page_names_is_served() {
        let mut named = 0;
        for (n, _, _) in ASSETS {
            if INDEX.contains(&format!("/console/{n}")) {
                named += 1;
            }
        }
        // The page names its stylesheet, its entry module and its icon.
        assert_eq!(named, 3);
        let app = ASSETS.iter().find(|(n, _, _)| *n == "app.js").map(|a| a.2);
        let app = std::str::from_utf8(app.unwrap_or_default()).unwrap_or_default();
        for module in ["api.js", "upload.js", "jobs.js"] {
            assert!(
                app.contains(&format!("./{module}")),
                "app.js imports {module}"
            );
        }
    }
}
