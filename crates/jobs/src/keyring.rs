//! Who may call, as whom: the API keys of a data folder, synchronised with a
//! keys file or managed one by one (`ocrloom keys`).

use std::path::Path;
use std::sync::Arc;

use crate::durability::Durability;
use crate::error::Error;
use crate::ids::UserId;
use crate::keys::{hash_key, ApiKey, MIN_KEY_LEN};
use crate::store::sqlite::SqliteJobStore;
use crate::store::JobStore;
use crate::time::{Clock, SystemClock, Timestamp};

/// One configured key: a user's name and its key, with where it was read
/// (`keys.txt:3`, `OCRLOOM_API_KEY`) for error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// Where the entry comes from, named in errors.
    pub origin: String,
    /// The user's name (users have random ids; the name finds the account).
    pub user: String,
    /// The API key, at least [`MIN_KEY_LEN`] characters.
    pub key: String,
}

impl std::fmt::Debug for KeyEntry {
    // Keys end up in logs through `Debug` too easily: hide them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("origin", &self.origin)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A stored key, as [`Keyring::list`] shows it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The user's name.
    pub user: String,
    /// The user's id.
    pub user_id: UserId,
    /// The first 12 hex digits of the key's SHA-256, to tell keys apart.
    pub fingerprint: String,
    /// When the key was stored.
    pub created_at: Timestamp,
}

/// What [`Keyring::sync`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Users created for names not seen before.
    pub users_created: usize,
    /// Keys stored (new users' keys and rotated keys).
    pub keys_added: usize,
    /// Keys deleted: removed from the configuration or replaced by a new
    /// key of the same user.
    pub keys_revoked: usize,
}

/// The API keys of a data folder. Changes take effect at once for every
/// server on the folder: each request looks its key up in the database.
#[derive(Clone)]
pub struct Keyring {
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").finish_non_exhaustive()
    }
}

impl Keyring {
    pub(crate) fn new(store: Arc<dyn JobStore>, clock: Arc<dyn Clock>) -> Self {
        Keyring { store, clock }
    }

    /// The keys of the data folder `dir` (created if missing), without
    /// starting a job manager: safe beside a server running on it.
    pub fn open(dir: &Path) -> Result<Keyring, Error> {
        let store = SqliteJobStore::open(Some(dir), Durability::default())?;
        Ok(Keyring::new(Arc::new(store), Arc::new(SystemClock)))
    }

    /// Makes the stored keys exactly `entries` (a keys file is the truth):
    /// a new name gets a new user; a changed key of a known name replaces
    /// the old one (same account and data, the old key refused from now
    /// on); keys in the folder but not in `entries` are revoked.
    ///
    /// Refused, with nothing changed: a key shorter than [`MIN_KEY_LEN`],
    /// two entries with the same key or the same user (the error names both
    /// origins), and a key stored for a user of another name.
    pub fn sync(&self, entries: &[KeyEntry]) -> Result<SyncReport, Error> {
        for (i, e) in entries.iter().enumerate() {
            if e.key.len() < MIN_KEY_LEN {
                return Err(Error::InvalidRequest(format!(
                    "{}: the key of `{}` is shorter than {MIN_KEY_LEN} characters",
                    e.origin, e.user
                )));
            }
            if let Some(first) = entries[..i].iter().find(|f| f.key == e.key) {
                return Err(Error::InvalidRequest(format!(
                    "{} and {}: the same key for `{}` and `{}`; each user needs a key of its own",
                    first.origin, e.origin, first.user, e.user
                )));
            }
            if let Some(first) = entries[..i].iter().find(|f| f.user == e.user) {
                return Err(Error::InvalidRequest(format!(
                    "{} and {}: two keys for `{}`; give each user one line",
                    first.origin, e.origin, e.user
                )));
            }
        }
        let wanted: Vec<([u8; 32], &str)> = entries
            .iter()
            .map(|e| (hash_key(&e.key), e.user.as_str()))
            .collect();
        let done = self
            .store
            .sync_keys(&wanted, self.clock.now(), &mut || Ok(UserId::generate()?))?;
        if let Some((i, owner)) = done.conflict {
            let e = &entries[i];
            return Err(Error::InvalidRequest(format!(
                "{}: the key of `{}` belongs to the user `{owner}` in the data folder",
                e.origin, e.user
            )));
        }
        let report = SyncReport {
            users_created: done.users_created,
            keys_added: done.keys_added,
            keys_revoked: done.keys_revoked,
        };
        tracing::info!(
            users_created = report.users_created,
            keys_added = report.keys_added,
            keys_revoked = report.keys_revoked,
            "API keys synchronised"
        );
        Ok(report)
    }

    /// Every stored key, oldest first.
    pub fn list(&self) -> Result<Vec<KeyInfo>, Error> {
        Ok(self
            .store
            .keys()?
            .into_iter()
            .map(|k| KeyInfo {
                user: k.name,
                user_id: k.user,
                fingerprint: k.hash.iter().take(6).map(|b| format!("{b:02x}")).collect(),
                created_at: k.created_at,
            })
            .collect())
    }

    /// A new random key for the user `name`, created when there is none.
    pub fn add(&self, name: &str) -> Result<ApiKey, Error> {
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::InvalidRequest(
                "a user name is one word without control characters".to_owned(),
            ));
        }
        let user = match self.store.user_named(name)? {
            Some(u) => u,
            None => {
                let id = UserId::generate()?;
                self.store.insert_user(&id, name, self.clock.now())?;
                id
            }
        };
        let key = ApiKey::generate()?;
        self.store
            .insert_key(&hash_key(key.expose()), &user, self.clock.now())?;
        Ok(key)
    }

    /// Revokes every key of the user `name`; returns how many there were.
    /// The user's data stays until it expires.
    pub fn revoke(&self, name: &str) -> Result<usize, Error> {
        self.store.revoke_keys_of(name)
    }
}
