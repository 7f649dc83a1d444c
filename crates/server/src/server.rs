//! The server: state, router, serving with graceful shutdown.

use crate::error::Error;
use crate::handlers::{method_not_allowed, not_found, routes};
use crate::polls::PollReads;
use ocrloom_jobs::Manager;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the HTTP layer (the manager has its own [`ocrloom_jobs::Config`]).
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Where [`run`] listens. Default `127.0.0.1:8080`: loopback only, the
    /// API is meant for the user's own machine.
    pub addr: SocketAddr,
    /// At shutdown, how long running jobs may go on before they are
    /// cancelled (they run again at the next start). Default 5 s.
    pub shutdown_grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// What every handler sees.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) manager: Arc<Manager>,
    /// `/openapi.json`, rendered once.
    pub(crate) openapi: Arc<String>,
    /// The reads long polls share.
    pub(crate) poll_reads: PollReads,
}

/// Threads of [`run`]'s blocking pool (SQLite calls, file I/O, uploads
/// being written).
pub const MAX_BLOCKING_THREADS: usize = 32;

/// What [`run`] calls on `SIGHUP` (reloading the keys file).
type Reload = Arc<dyn Fn() + Send + Sync>;

/// The HTTP server over one [`Manager`].
#[derive(Clone)]
pub struct Server {
    router: axum::Router,
    openapi: Arc<String>,
    manager: Arc<Manager>,
    options: ServerOptions,
    reload: Option<Reload>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// The routes over `manager`, with the request middleware and the JSON
    /// fallbacks for unknown paths (404 `not_found`) and methods (405
    /// `method_not_allowed`).
    pub fn new(manager: Arc<Manager>, options: ServerOptions) -> Server {
        let mut state = AppState {
            manager: Arc::clone(&manager),
            openapi: Arc::new(String::new()),
            poll_reads: PollReads::default(),
        };
        let (router, mut doc) = routes(&state).split_for_parts();
        crate::handlers::document_unavailable(&mut doc);
        // Serializing a document built from literals cannot fail; an empty
        // object would still be a valid answer if it did.
        let openapi = Arc::new(doc.to_json().unwrap_or_else(|_| "{}".to_owned()));
        state.openapi = Arc::clone(&openapi);
        let router = router
            .merge(crate::console::router(manager.config()))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .with_state(state)
            .layer(axum::middleware::from_fn(crate::middleware::handle));
        Server {
            router,
            openapi,
            manager,
            options,
            reload: None,
        }
    }

    /// Calls `reload` (off the async threads) each time [`run`] receives
    /// `SIGHUP`: `ocrloom serve` reloads its keys file.
    pub fn on_reload(mut self, reload: impl Fn() + Send + Sync + 'static) -> Server {
        self.reload = Some(Arc::new(reload));
        self
    }

    /// The router, for embedding in another axum application or serving
    /// some other way.
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// The OpenAPI document served at `/openapi.json`.
    pub fn openapi_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.openapi).unwrap_or_default()
    }

    /// The manager behind the routes.
    pub fn manager(&self) -> &Arc<Manager> {
        &self.manager
    }

    /// Serves on `listener` until `shutdown` completes, then shuts down
    /// gracefully: no new connections; the manager stops taking jobs, lets
    /// running ones go on for [`ServerOptions::shutdown_grace`] and cancels
    /// the rest (they run again at the next start); long polls answer; the
    /// requests in flight finish; then this returns.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let manager = Arc::clone(&self.manager);
        let grace = self.options.shutdown_grace;
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let signal = async move {
            shutdown.await;
            tracing::info!(grace_s = grace.as_secs_f64(), "shutting down");
            // In parallel with the connections draining: the manager's
            // shutdown wakes the long polls, which lets those requests end.
            tokio::task::spawn_blocking(move || {
                manager.shutdown(grace);
                let _ = done_tx.send(());
            });
        };
        let served = axum::serve(listener, self.router)
            .with_graceful_shutdown(signal)
            .await
            .map_err(|source| Error::Io {
                context: "serving HTTP",
                source,
            });
        // The manager must be shut down before returning, also when serving
        // failed; a dropped sender (never signalled) means it was not started.
        if done_rx.await.is_err() {
            let manager = Arc::clone(&self.manager);
            let _ = tokio::task::spawn_blocking(move || manager.shutdown(grace)).await;
        }
        tracing::info!("stopped");
        served
    }
}

/// Runs `server` on a runtime of its own, listening on
/// [`ServerOptions::addr`], until SIGTERM or Ctrl-C (SIGINT), then shuts
/// down gracefully (see [`Server::serve`]). `SIGHUP` calls the
/// [`Server::on_reload`] function.
pub fn run(server: Server) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Blocking calls are short (long polls hold none); a bounded pool
        // keeps the thread count small under any number of connections.
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("ocrloom-http")
        .build()
        .map_err(|source| Error::Io {
            context: "starting the async runtime",
            source,
        })?;
    runtime.block_on(async move {
        let addr = server.options.addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let local = listener.local_addr().unwrap_or(addr);
        tracing::info!(addr = %local, "listening");
        #[cfg(unix)]
        if let Some(reload) = server.reload.clone() {
            listen_for_hangups(reload);
        }
        server.serve(listener, shutdown_signal()).await
    })
}

/// Blocks until SIGTERM or Ctrl-C (SIGINT): for a process that serves no
/// HTTP but stops on the same signals (`ocrloom worker`).
pub fn wait_for_shutdown_signal() -> Result<(), Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            context: "starting the async runtime",
            source,
        })?
        .block_on(shutdown_signal());
    Ok(())
}

/// Calls `reload` on a blocking thread at each `SIGHUP`, one at a time.
#[cfg(unix)]
fn listen_for_hangups(reload: Reload) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGHUP: {e}");
            return;
        }
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading");
            let reload = Arc::clone(&reload);
            if tokio::task::spawn_blocking(move || reload()).await.is_err() {
                tracing::error!("the reload panicked");
            }
        }
    });
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
