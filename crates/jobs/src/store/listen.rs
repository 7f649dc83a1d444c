//! Hearing what other nodes of a cluster commit: a thread holds a
//! PostgreSQL connection of its own, `LISTEN`s on the channels the shared
//! job store notifies in the same transaction as a change
//! ([`JOB_CHANNEL`]: a job finished; [`QUEUE_CHANNEL`]: work queued), and
//! hands each notification to the manager, which wakes its long polls and
//! idle workers. A lost connection is made again (every second, until the
//! database answers); notifications sent meanwhile are lost, so a
//! reconnection reports [`Change::Missed`] and every waiter reads again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use crate::error::Error;
use crate::store::postgres::{JOB_CHANNEL, QUEUE_CHANNEL};

/// What the listener heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change<'a> {
    /// This job completed or failed.
    Finished(&'a str),
    /// Work was queued.
    Queued,
    /// The connection was lost and is back: changes may have been missed.
    Missed,
}

/// What the manager does with a [`Change`].
pub(crate) type OnChange = Box<dyn Fn(Change<'_>) + Send>;

/// How long the thread waits for a notification before looking at its
/// stop flag.
const TICK: Duration = Duration::from_millis(200);
/// How long a silent connection goes unchecked (a peer that vanished
/// without closing the connection is noticed within this plus the check's
/// timeout).
const CHECK_EVERY: Duration = Duration::from_secs(10);
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between attempts to connect again.
const RETRY: Duration = Duration::from_secs(1);

/// The listening thread; dropping it stops the thread.
pub(crate) struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn connect(config: &postgres::Config) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute(&format!("LISTEN {JOB_CHANNEL}; LISTEN {QUEUE_CHANNEL}"))?;
    Ok(client)
}

impl Listener {
    /// Connects and listens (a failure here is the caller's), then hands
    /// every notification to `on_change` from a thread of its own.
    pub(crate) fn start(config: postgres::Config, on_change: OnChange) -> Result<Self, Error> {
        let client = connect(&config).map_err(|e| Error::Unavailable {
            context: "listening for job changes",
            source: Box::new(e),
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("ocrloom-listen".to_owned())
            .spawn(move || listen_loop(client, &config, &on_change, &stopped))
            .map_err(|e| Error::io("starting the job change listener", e))?;
        Ok(Listener {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::error!("the job change listener panicked");
            }
        }
    }
}

fn listen_loop(
    mut client: Client,
    config: &postgres::Config,
    on_change: &OnChange,
    stop: &AtomicBool,
) {
    let mut checked = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let heard = client.notifications().timeout_iter(TICK).next();
        let alive = match heard {
            Ok(Some(n)) => {
                match n.channel() {
                    JOB_CHANNEL => on_change(Change::Finished(n.payload())),
                    QUEUE_CHANNEL => on_change(Change::Queued),
                    _ => {}
                }
                continue;
            }
            Ok(None) if client.is_closed() => false,
            Ok(None) if checked.elapsed() >= CHECK_EVERY => {
                checked = Instant::now();
                client.is_valid(CHECK_TIMEOUT).is_ok()
            }
            Ok(None) => true,
            Err(e) => {
                tracing::debug!(error = %e, "job change listener");
                false
            }
        };
        if alive {
            continue;
        }
        tracing::warn!("lost the database connection that hears job changes; connecting again");
        let Some(again) = reconnect(config, stop) else {
            return;
        };
        client = again;
        checked = Instant::now();
        tracing::info!("hearing job changes again");
        on_change(Change::Missed);
    }
}

/// Connects again, every [`RETRY`], until it works or the listener stops.
fn reconnect(config: &postgres::Config, stop: &AtomicBool) -> Option<Client> {
    loop {
        let next = Instant::now() + RETRY;
        while Instant::now() < next {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::sleep(TICK);
        }
        match connect(config) {
            Ok(c) => return Some(c),
            Err(e) => tracing::debug!(error = %e, "job change listener cannot connect yet"),
        }
    }
}
