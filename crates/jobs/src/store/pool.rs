//! The shared job store's connection pool: r2d2 over the blocking
//! `postgres` client. A pooled connection is tested at checkout (an empty
//! query, a round trip) only when it may have broken since its last test:
//! when the node's listener has lost its own connection since then (a
//! database restart or a network cut breaks the pooled ones too). Testing
//! every checkout doubled the round trips of a claim and of a completion.
//! A connection that fails anyway is closed and leaves the pool on return.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use postgres::{Client, NoTls};

/// Makes and checks the pool's connections.
pub(crate) struct Connections {
    config: postgres::Config,
    /// Counts the listener's reconnections: a connection tested before the
    /// latest one is tested again.
    epoch: Arc<AtomicU64>,
}

impl Connections {
    /// Connections to `config`'s database, tested again after each bump of
    /// `epoch`.
    pub(crate) fn new(config: postgres::Config, epoch: Arc<AtomicU64>) -> Self {
        Connections { config, epoch }
    }
}

/// A pooled client and the epoch it was last known good in.
pub(crate) struct Conn {
    /// Always `Some` but in `drop`.
    client: Option<Client>,
    tested: u64,
}

impl Conn {
    fn client(&mut self) -> &mut Client {
        self.client.as_mut().expect("a live connection")
    }
}

impl Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("a live connection")
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        self.client()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Closing a blocking client runs a runtime of its own, which panics
        // on a thread that drives async tasks (the server drops the manager,
        // and with it the pool, at the end of its async shutdown): there,
        // the connection is closed on a thread of its own.
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new()
                    .name("ocrloom-db-close".to_owned())
                    .spawn(move || drop(client));
            }
        }
    }
}

impl r2d2::ManageConnection for Connections {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        let tested = self.epoch.load(Ordering::SeqCst);
        Ok(Conn {
            client: Some(self.config.connect(NoTls)?),
            tested,
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        if conn.tested < epoch {
            conn.client().simple_query("")?;
            conn.tested = epoch;
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.as_ref().is_none_or(Client::is_closed)
    }
}
