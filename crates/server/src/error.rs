//! The server's error type and the HTTP error answer.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ocrloom_jobs::ErrorCode;

/// Codes the server answers with besides the job manager's [`ErrorCode`]s
/// (see the crate README): `not_found` (404, no such route),
/// `method_not_allowed` (405), `body_too_large` (413, a JSON body above the
/// route's limit).
pub const SERVER_CODES: [&str; 3] = ["not_found", "method_not_allowed", "body_too_large"];

/// A failed request: status, stable code, message for the client, and what
/// goes to the log only.
///
/// It renders as an empty response carrying itself as an extension; the
/// request middleware, which knows the request id, writes the JSON body
/// `{"error": {"code", "message", "request_id"}}`. That keeps one place that
/// formats errors, rejections and fallbacks included.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable code: an [`ErrorCode`] or one of [`SERVER_CODES`].
    pub code: &'static str,
    /// The message shown to users.
    pub message: String,
    /// Details for the log (never sent): the cause of an internal error.
    pub detail: Option<String>,
    /// One extra header (e.g. `Content-Range` on 416).
    pub header: Option<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// An error with a manager code and its status.
    pub fn code(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code.as_str(),
            message: message.into(),
            detail: None,
            header: None,
        }
    }

    /// `invalid_request` (400).
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::code(ErrorCode::InvalidRequest, message)
    }

    /// `internal` (500); `detail` goes to the log only.
    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError {
            detail: Some(detail.into()),
            ..Self::code(ErrorCode::Internal, "internal error")
        }
    }

    /// A server-only code with its status.
    pub(crate) fn server(status: StatusCode, code: &'static str, message: String) -> Self {
        ApiError {
            status,
            code,
            message,
            detail: None,
            header: None,
        }
    }

    /// Adds a header to the answer.
    pub(crate) fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.header = Some((name, value));
        self
    }
}

/// `Retry-After` of a 503 `unavailable` (the database cannot be reached).
const UNAVAILABLE_RETRY_SECS: u64 = 5;

impl From<ocrloom_jobs::Error> for ApiError {
    fn from(e: ocrloom_jobs::Error) -> Self {
        let code = e.code();
        let detail =
            matches!(code, ErrorCode::Internal | ErrorCode::Unavailable).then(|| error_chain(&e));
        let header = match &e {
            ocrloom_jobs::Error::QuotaExceeded { retry_after, .. } => {
                Some((header::RETRY_AFTER, HeaderValue::from(*retry_after)))
            }
            // The pool makes new connections as soon as the database is back.
            ocrloom_jobs::Error::Unavailable { .. } => Some((
                header::RETRY_AFTER,
                HeaderValue::from(UNAVAILABLE_RETRY_SECS),
            )),
            _ => None,
        };
        ApiError {
            detail,
            header,
            ..Self::code(code, e.public_message())
        }
    }
}

/// `e` and its causes on one line, for the log.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some((name, value)) = &self.header {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// Errors of the server outside a request: start-up and serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed, or the runtime could not start.
    #[error("i/o failure while {context}")]
    Io {
        /// What the server was doing.
        context: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line of the keys file is not `user key`.
    #[error("keys file line {line}: {message}")]
    KeysFile {
        /// 1-based line number.
        line: usize,
        /// What is wrong (never the key itself).
        message: String,
    },
    /// The job manager refused a call (registering users and keys).
    #[error("job manager: {0}")]
    Manager(#[from] ocrloom_jobs::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_answers_503_with_retry_after() {
        let e = ApiError::from(ocrloom_jobs::Error::Unavailable {
            context: "reading a job",
            source: Box::new(std::io::Error::other("connection refused")),
        });
        assert_eq!(
            (e.status, e.code),
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        );
        assert!(e.message.contains("cannot be reached"), "{}", e.message);
        // The cause goes to the log, not to the client.
        assert!(!e.message.contains("refused"), "{}", e.message);
        assert!(e.detail.as_deref().is_some_and(|d| d.contains("refused")));
        let (name, value) = e.header.expect("Retry-After");
        assert_eq!(
            (name, value),
            (header::RETRY_AFTER, HeaderValue::from(5u64))
        );
    }
}
