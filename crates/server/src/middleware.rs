//! Per-request middleware: request id, error bodies, the access log.

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ocrloom_jobs::RequestId;
use serde::Serialize;
use std::time::Instant;

/// When the request reached the server: long polls count their `wait`
/// from it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival(pub(crate) Instant);

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    request_id: &'a str,
}

/// Gives the request an id (also sent back as `x-request-id`), turns an
/// [`ApiError`] into the JSON error body (a 401 with `WWW-Authenticate:
/// Bearer`), and logs one line per request (failures at `info`, successes
/// at `debug`): method, path, status, duration, request id. Never headers or the query's
/// values beyond the path: the API key must not reach the log.
pub(crate) async fn handle(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    request.extensions_mut().insert(Arrival(started));
    // The OS RNG failing is next to impossible; a fixed id still lets the
    // request be answered.
    let id = RequestId::generate()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "0".repeat(ocrloom_jobs::ID_LEN));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();

    let mut response = next.run(request).await;

    let error = response.extensions_mut().remove::<ApiError>();
    if let Some(e) = &error {
        let headers = response.headers().clone();
        response = (
            e.status,
            Json(Body {
                error: Inner {
                    code: e.code,
                    message: &e.message,
                    request_id: &id,
                },
            }),
        )
            .into_response();
        for (name, value) in &headers {
            if name != axum::http::header::CONTENT_TYPE
                && name != axum::http::header::CONTENT_LENGTH
            {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
        if e.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ocrloom\""),
            );
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }

    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let code = error.as_ref().map_or("", |e| e.code);
    // Failures at `info` (visible by default), successes at `debug`: a busy
    // server's log stays small (250k polls wrote 45 MB at one line each).
    match (
        error.as_ref(),
        error.as_ref().and_then(|e| e.detail.as_deref()),
    ) {
        (_, Some(detail)) if response.status() == StatusCode::INTERNAL_SERVER_ERROR => {
            tracing::error!(request_id = %id, %method, path, status, ms, code, detail, "request failed");
        }
        (Some(_), _) => {
            tracing::info!(request_id = %id, %method, path, status, ms, code, "request failed")
        }
        (None, _) => tracing::debug!(request_id = %id, %method, path, status, ms, "request"),
    }
    response
}
