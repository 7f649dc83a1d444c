//! The routes: one table ([`routes`]) builds both the router and the
//! OpenAPI document, so what is served and what is documented cannot drift.

use crate::error::ApiError;
use crate::middleware::Arrival;
use crate::polls::Reader;
use crate::schema;
use crate::server::AppState;
use crate::stream::{body_from_reader, upload_channel, Msg};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{
    DefaultBodyLimit, Extension, FromRequest, FromRequestParts, Multipart, Path, Query, Request,
    State,
};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use futures_util::FutureExt;
use ocrloom_jobs::{
    CreateJobRequest, CreateUploadRequest, Engine, ErrorCode, FileInfo, Job, List, UploadChunk,
    UserId,
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest JSON body of the small requests (job creation, upload creation).
const SMALL_JSON: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ocrloom",
        description = "The RenderOCR REST API, served by ocrloom on the local machine. \
Errors answer `{\"error\": {\"code\", \"message\", \"request_id\"}}`; codes: \
crates/jobs/ERRORS.md plus `not_found`, `method_not_allowed`, `body_too_large`."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "files", description = "Uploads and downloads"),
        (name = "engines", description = "What can be converted"),
        (name = "jobs", description = "Asynchronous conversions"),
        (name = "meta", description = "The server itself"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the operations refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds the 503 `unavailable` answer to every operation that needs a key:
/// each reads the job store (the key first of all), which on a shared
/// database can be out of reach. Operations that list a 503 of their own
/// keep it (its description names both causes).
pub(crate) fn document_unavailable(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let response = ResponseBuilder::new()
        .description(
            "The database or the object storage cannot be reached (`unavailable`, with `Retry-After`)",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorResponse")))
                .build(),
        )
        .build();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                operation
                    .responses
                    .responses
                    .entry("503".to_owned())
                    .or_insert_with(|| response.clone().into());
            }
        }
    }
}

/// Every route, each registered with its OpenAPI operation; body limits are
/// per route (layers on a sub-router apply to its routes only).
pub(crate) fn routes(state: &AppState) -> OpenApiRouter<AppState> {
    let config = state.manager.config();
    // Multipart framing adds a few hundred bytes; the manager enforces the
    // exact file limit while streaming.
    let upload_limit = usize::try_from(config.max_file_size)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    // Base64 turns 3 bytes into 4; plus room for the JSON around it.
    let chunk_limit = usize::try_from(config.max_chunk_size)
        .unwrap_or(usize::MAX)
        .div_ceil(3)
        .saturating_mul(4)
        .saturating_add(SMALL_JSON);
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload_file, list_files))
        .layer(DefaultBodyLimit::max(upload_limit));
    let chunks = OpenApiRouter::new()
        .routes(routes!(append_chunk))
        .layer(DefaultBodyLimit::max(chunk_limit));
    let rest = OpenApiRouter::new()
        .routes(routes!(file_info))
        .routes(routes!(file_content))
        .routes(routes!(create_upload))
        .routes(routes!(engines))
        .routes(routes!(create_job, list_jobs))
        .routes(routes!(get_job))
        .routes(routes!(refineloop_models))
        .routes(routes!(openapi_json))
        .layer(DefaultBodyLimit::max(SMALL_JSON));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(uploads)
        .merge(chunks)
        .merge(rest)
}

// ---- extractors -----------------------------------------------------------

/// The user owning the request's `Authorization: Bearer <key>`; 401 otherwise.
pub(crate) struct Auth(pub(crate) UserId);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer(&parts.headers).ok_or_else(missing_key)?;
        let manager = state.manager.clone();
        let user = blocking(move || manager.authenticate(&key)).await?;
        Ok(Auth(user))
    }
}

/// The key of `Authorization: Bearer <key>`.
fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim().to_owned())
        .filter(|key| !key.is_empty())
}

fn missing_key() -> ApiError {
    ApiError::code(
        ErrorCode::Unauthorized,
        "missing API key: send `Authorization: Bearer <key>`",
    )
}

/// A JSON body, whatever its `Content-Type` (curl's `-d` sends a form type),
/// with every failure as an API error: malformed or mistyped JSON is
/// `invalid_request` (400), a body above the route's limit `body_too_large`.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(body_rejection)?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::invalid_request(format!("malformed JSON body: {e}")))
    }
}

fn body_rejection(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::server(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is larger than this route accepts".to_owned(),
        )
    } else {
        ApiError::invalid_request(format!("cannot read the request body: {e}"))
    }
}

/// Runs a blocking manager call on tokio's blocking pool, so SQLite and
/// file I/O never occupy a runtime thread (long polls wait without one).
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ocrloom_jobs::Error> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal(format!("blocking task failed: {e}"))),
    }
}

// ---- files ----------------------------------------------------------------

/// Upload a file (multipart, one part named `file`), streamed to disk.
#[utoipa::path(
    post, path = "/files", tag = "files",
    request_body(content = schema::UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The stored file", body = schema::FileInfo),
        (status = 400, description = "No part named `file`, no or bad filename, malformed multipart", body = schema::ErrorResponse),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
        (status = 413, description = "Above the file size limit (`file_too_large`)", body = schema::ErrorResponse),
        (status = 429, description = "The user's storage quota is reached (`quota_exceeded`, with `Retry-After`)", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn upload_file(
    State(state): State<AppState>,
    Auth(user): Auth,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<FileInfo>, ApiError> {
    let mut multipart = multipart
        .map_err(|e| ApiError::invalid_request(format!("expected multipart/form-data: {e}")))?;
    let max = state.manager.config().max_file_size;
    // The first part named `file` is stored; other parts are skipped unread.
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, max))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field
            .headers()
            .get(header::CONTENT_DISPOSITION)
            // Browsers send UTF-8 names raw in `filename`.
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
            .and_then(crate::disposition::filename)
            .ok_or_else(|| ApiError::invalid_request("the part `file` has no filename"))?;
        let (tx, mut reader) = upload_channel();
        let manager = state.manager.clone();
        let task = tokio::task::spawn_blocking(move || {
            manager.upload_file_from_reader(&user, &filename, &mut reader)
        });
        let mut failure: Option<ApiError> = None;
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => {
                    // A closed channel means the manager stopped reading
                    // (size limit, disk error): its answer says why.
                    if tx.send(Msg::Data(bytes)).await.is_err() {
                        break;
                    }
                }
                Ok(None) => {
                    let _ = tx.send(Msg::End).await;
                    break;
                }
                Err(e) => {
                    let err = multipart_error(&e, max);
                    let _ = tx
                        .send(Msg::Fail(std::io::Error::other(err.message.clone())))
                        .await;
                    failure = Some(err);
                    break;
                }
            }
        }
        drop(tx);
        let stored = match task.await {
            Ok(r) => r.map_err(ApiError::from),
            Err(e) => Err(ApiError::internal(format!("upload task failed: {e}"))),
        };
        return match (stored, failure) {
            (Ok(info), _) => Ok(Json(info)),
            // The manager's own refusal (e.g. `file_too_large`) comes first.
            (Err(e), _) if e.code != ErrorCode::Internal.as_str() => Err(e),
            (Err(_), Some(f)) => Err(f),
            (Err(e), None) => Err(e),
        };
    }
    Err(ApiError::invalid_request(
        "the multipart body has no part named `file`",
    ))
}

fn multipart_error(e: &axum::extract::multipart::MultipartError, max: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::code(
            ErrorCode::FileTooLarge,
            format!("file is larger than the limit of {max} bytes"),
        )
    } else {
        ApiError::invalid_request(format!("malformed multipart body: {}", e.body_text()))
    }
}

/// List the user's files.
#[utoipa::path(
    get, path = "/files", tag = "files",
    responses(
        (status = 200, description = "The user's files, newest first", body = schema::FileList),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn list_files(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> Result<Json<List<FileInfo>>, ApiError> {
    let manager = state.manager.clone();
    Ok(Json(blocking(move || manager.list_files(&user)).await?))
}

/// A file's metadata.
#[utoipa::path(
    get, path = "/files/{file_id}", tag = "files",
    params(("file_id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file", body = schema::FileInfo),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
        (status = 404, description = "Unknown, expired or another user's file (`invalid_file_id`)", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn file_info(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(file_id): Path<String>,
) -> Result<Json<FileInfo>, ApiError> {
    let manager = state.manager.clone();
    Ok(Json(
        blocking(move || manager.file_info(&user, &file_id)).await?,
    ))
}

/// RFC 5987 `attr-char`: what may stay unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>`:
/// clients read `filename*` first; the ASCII fallback replaces what a quoted
/// string cannot carry safely (non-ASCII, quotes, backslashes, controls,
/// path separators) with `_`.
pub(crate) fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '/') => c,
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(filename, ATTR_CHAR)
    )
}

/// A file's entity tag: its id, size and last change (a chunked upload's
/// content changes until a job refers to it).
fn etag(info: &FileInfo) -> String {
    format!(
        "\"{}-{}-{}\"",
        info.file_id,
        info.size,
        info.updated_at.unix()
    )
}

/// Download a file's bytes, whole or one range.
#[utoipa::path(
    get, path = "/files/{file_id}/content", tag = "files",
    params(
        ("file_id" = String, Path, description = "The file's id"),
        ("Range" = Option<String>, Header, description = "One byte range: `bytes=0-99`, `bytes=100-`, `bytes=-500`; other forms answer the whole file"),
        ("If-Range" = Option<String>, Header, description = "The range only if this is the file's current `ETag`; otherwise the whole file"),
    ),
    responses(
        (status = 200, description = "The whole file; `Content-Disposition` carries `filename` and `filename*`; `ETag` identifies this content", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The range, with `Content-Range`", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
        (status = 404, description = "Unknown, expired or another user's file (`invalid_file_id`)", body = schema::ErrorResponse),
        (status = 416, description = "The range lies outside the file (`invalid_range`); `Content-Range: bytes */<size>`", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn file_content(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(file_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::params::parse_range);
    let if_range = headers
        .get(header::IF_RANGE)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let manager = state.manager.clone();
    let content = match tokio::task::spawn_blocking(move || {
        // `If-Range`: the range only if the file is still the one the
        // client has (its ETag); a date or another tag gets everything.
        let range = match (range, if_range) {
            (Some(r), Some(tag)) => {
                let info = manager.file_info(&user, &file_id)?;
                (tag == etag(&info)).then_some(r)
            }
            (range, _) => range,
        };
        manager.file_content(&user, &file_id, range)
    })
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(ocrloom_jobs::Error::InvalidRange { size })) => {
            let e = ApiError::from(ocrloom_jobs::Error::InvalidRange { size });
            return Err(match HeaderValue::from_str(&format!("bytes */{size}")) {
                Ok(v) => e.with_header(header::CONTENT_RANGE, v),
                Err(_) => e,
            });
        }
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => return Err(ApiError::internal(format!("blocking task failed: {e}"))),
    };
    let mut response_headers = HeaderMap::new();
    let mut put = |name, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response_headers.insert(name, v);
        }
    };
    put(header::CONTENT_TYPE, content.content_type.clone());
    put(header::CONTENT_LENGTH, content.length.to_string());
    put(header::ACCEPT_RANGES, "bytes".to_owned());
    put(header::ETAG, etag(&content.info));
    put(
        header::CONTENT_DISPOSITION,
        content_disposition(&content.info.filename),
    );
    let status = match content.range {
        Some((first, last)) => {
            put(
                header::CONTENT_RANGE,
                format!("bytes {first}-{last}/{}", content.info.size),
            );
            StatusCode::PARTIAL_CONTENT
        }
        None => StatusCode::OK,
    };
    Ok((status, response_headers, body_from_reader(content)).into_response())
}

/// Create an empty file for chunked upload.
#[utoipa::path(
    post, path = "/uploads", tag = "files",
    request_body = schema::CreateUploadRequest,
    responses(
        (status = 200, description = "The new file (size 0)", body = schema::FileInfo),
        (status = 400, description = "Malformed body or bad filename (`invalid_request`)", body = schema::ErrorResponse),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
        (status = 413, description = "Body above 64 KiB (`body_too_large`)", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn create_upload(
    State(state): State<AppState>,
    Auth(user): Auth,
    ApiJson(request): ApiJson<CreateUploadRequest>,
) -> Result<Json<FileInfo>, ApiError> {
    let manager = state.manager.clone();
    Ok(Json(
        blocking(move || manager.create_upload(&user, &request.filename)).await?,
    ))
}

/// Append one chunk to a file made by `POST /uploads`.
#[utoipa::path(
    put, path = "/uploads/{file_id}", tag = "files",
    params(("file_id" = String, Path, description = "A file made by `POST /uploads`")),
    request_body = schema::UploadChunk,
    responses(
        (status = 200, description = "The file with its new size", body = schema::FileInfo),
        (status = 400, description = "Malformed body, bad base64, or not a chunked upload (`invalid_request`)", body = schema::ErrorResponse),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
        (status = 404, description = "Unknown, expired or another user's file (`invalid_file_id`)", body = schema::ErrorResponse),
        (status = 409, description = "The file is the input of a job and can no longer change (`file_in_use`)", body = schema::ErrorResponse),
        (status = 413, description = "Chunk above 5 MB (`chunk_too_large`) or file above 200 MB (`file_too_large`)", body = schema::ErrorResponse),
        (status = 429, description = "The user's storage quota is reached (`quota_exceeded`, with `Retry-After`)", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn append_chunk(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(file_id): Path<String>,
    body: Result<ApiJson<UploadChunk>, ApiError>,
) -> Result<Json<FileInfo>, ApiError> {
    let max = state.manager.config().max_chunk_size;
    let too_large = || {
        ApiError::code(
            ErrorCode::ChunkTooLarge,
            format!("a chunk may hold at most {max} bytes"),
        )
    };
    let ApiJson(chunk) = body.map_err(|e| {
        if e.status == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            e
        }
    })?;
    // Refuse before decoding what cannot fit (base64: 4 characters per 3 bytes).
    if (chunk.data.trim_end_matches('=').len() as u64).saturating_mul(3) / 4 > max {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(chunk.data.as_bytes())
        .map_err(|e| ApiError::invalid_request(format!("`data` is not valid base64: {e}")))?;
    let manager = state.manager.clone();
    Ok(Json(
        blocking(move || manager.append_upload(&user, &file_id, &bytes)).await?,
    ))
}

// ---- engines ----------------------------------------------------------------

/// The engines and what they convert. Public: no key needed (a key sent
/// anyway is ignored, even an unknown one).
#[utoipa::path(
    get, path = "/renderocr/engines", tag = "engines",
    responses((status = 200, description = "Every engine", body = schema::EngineList))
)]
async fn engines(State(state): State<AppState>) -> Json<List<Engine>> {
    // An in-memory copy: nothing blocks.
    Json(state.manager.engines())
}

// ---- jobs -------------------------------------------------------------------

/// Create a conversion job; answers at once, the work runs in the background.
#[utoipa::path(
    post, path = "/renderocr/jobs", tag = "jobs",
    request_body = schema::CreateJobRequest,
    responses(
        (status = 202, description = "The job, `queued`", body = schema::Job),
        (status = 400, description = "Malformed body (`invalid_request`) or unknown engine (`invalid_engine`)", body = schema::ErrorResponse),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
        (status = 404, description = "Unknown, expired or another user's input (`invalid_file_id`)", body = schema::ErrorResponse),
        (status = 413, description = "Body above 64 KiB (`body_too_large`)", body = schema::ErrorResponse),
        (status = 422, description = "`unsupported_format`, `unsupported_conversion` or `unsupported_language`", body = schema::ErrorResponse),
        (status = 429, description = "The user's queued jobs or storage quota is reached (`quota_exceeded`, with `Retry-After`)", body = schema::ErrorResponse),
        (status = 503, description = "The server is shutting down (`shutting_down`), or its database or object storage cannot be reached (`unavailable`, with `Retry-After`)", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn create_job(
    State(state): State<AppState>,
    Auth(user): Auth,
    ApiJson(request): ApiJson<CreateJobRequest>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let manager = state.manager.clone();
    let job = blocking(move || manager.create_job(&user, &request)).await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// List the user's jobs.
#[utoipa::path(
    get, path = "/renderocr/jobs", tag = "jobs",
    responses(
        (status = 200, description = "The user's jobs, newest first", body = schema::JobList),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn list_jobs(
    State(state): State<AppState>,
    Auth(user): Auth,
) -> Result<Json<List<Job>>, ApiError> {
    let manager = state.manager.clone();
    Ok(Json(blocking(move || manager.list_jobs(&user)).await?))
}

/// A job; `?wait=N` holds the answer until it finishes or N seconds pass
/// (no thread is held meanwhile; the key is checked again at each wake-up).
#[utoipa::path(
    get, path = "/renderocr/jobs/{job_id}", tag = "jobs",
    params(
        ("job_id" = String, Path, description = "The job's id"),
        ("wait" = Option<i64>, Query, description = "Seconds to hold the answer until the job completes or fails: 1..10, larger values (however large) clipped to 10; 0, negative or not an integer is `invalid_wait`"),
    ),
    responses(
        (status = 200, description = "The job", body = schema::Job),
        (status = 400, description = "Bad `wait` (`invalid_wait`)", body = schema::ErrorResponse),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
        (status = 404, description = "Unknown, expired or another user's job (`invalid_job_id`)", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn get_job(
    State(state): State<AppState>,
    Auth(user): Auth,
    Path(job_id): Path<String>,
    headers: HeaderMap,
    arrival: Option<Extension<Arrival>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Job>, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::invalid_request(format!("malformed query string: {e}")))?;
    let wait = match query.get("wait") {
        None => None,
        Some(raw) => Some(ocrloom_jobs::wait_duration(crate::params::parse_wait(
            raw,
        )?)?),
    };
    let arrived = arrival.map_or_else(std::time::Instant::now, |Extension(Arrival(t))| t);
    let deadline = tokio::time::Instant::from_std(arrived) + wait.unwrap_or_default();
    let manager = state.manager.clone();
    // The key was just checked; after a wait it is checked again with the
    // read, so a key revoked meanwhile ends the poll with 401.
    let mut key: Option<String> = None;
    loop {
        // Subscribe before reading, so a change in between is not missed.
        let change = manager.job_change(&job_id);
        let reader = Reader {
            job_id: job_id.clone(),
            user: user.clone(),
            key: key.take(),
        };
        // Polls of the job that need it now share one read (polls.rs).
        let read = || {
            let (manager, Reader { job_id, user, key }) = (manager.clone(), reader.clone());
            blocking(move || {
                if let Some(key) = key {
                    if manager.authenticate(&key)? != user {
                        return Err(ocrloom_jobs::Error::Unauthorized);
                    }
                }
                manager.get_job(&user, &job_id, None)
            })
            .boxed()
        };
        let job = state
            .poll_reads
            .read(reader.clone(), change.generation(), read)
            .await?;
        if job.status.is_finished()
            || tokio::time::Instant::now() >= deadline
            || manager.is_shutting_down()
        {
            return Ok(Json(job));
        }
        // Waiting holds no thread: a timer and the job's notification.
        let _ = tokio::time::timeout_at(deadline, change).await;
        key = Some(bearer(&headers).ok_or_else(missing_key)?);
    }
}

// ---- the rest -----------------------------------------------------------------

/// RefineLoop's models (a sibling service): none here. Some clients test a
/// key with this call, so it checks the key.
#[utoipa::path(
    get, path = "/refineloop/models", tag = "meta",
    responses(
        (status = 200, description = "Always `{\"data\": []}`", body = schema::ModelList),
        (status = 401, description = "Missing or unknown API key", body = schema::ErrorResponse),
    ),
    security(("bearer" = []))
)]
async fn refineloop_models(Auth(_user): Auth) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "data": [] }))
}

/// This document.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of this server", body = Object))
)]
async fn openapi_json(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.as_ref().clone(),
    )
        .into_response()
}

/// Any path not in the table.
pub(crate) async fn not_found(request: Request) -> ApiError {
    ApiError::server(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route for {} {}", request.method(), request.uri().path()),
    )
}

/// A path in the table with another method.
pub(crate) async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::server(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_carries_both_forms() {
        assert_eq!(
            content_disposition("résumé \"final\"/v2.pdf"),
            "attachment; filename=\"r_sum_ _final__v2.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%2Fv2.pdf"
        );
        assert_eq!(
            content_disposition("scan.pdf"),
            "attachment; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf"
        );
    }
}
