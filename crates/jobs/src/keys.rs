//! API keys: generated from the OS's CSPRNG, stored only as SHA-256 hashes.
//!
//! Why a fast hash is enough: slow password hashes (Argon2, bcrypt) exist to
//! make guessing low-entropy secrets expensive. Generated keys carry about 206
//! bits of randomness, so a leaked table of SHA-256 hashes cannot be reversed
//! by guessing, and a fast hash keeps every request's key check in microseconds.
//! Keys supplied by an operator ([`crate::Manager::add_api_key`]) must be at
//! least [`MIN_KEY_LEN`] characters so the same reasoning holds roughly.

use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

use crate::ids::random_chars;

/// Prefix of generated keys, so secret scanners and people recognise them.
pub const KEY_PREFIX: &str = "olk_";
/// Shortest key accepted from outside.
pub const MIN_KEY_LEN: usize = 32;

/// A secret API key. `Debug` does not show it; [`ApiKey::expose`] does.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A new random key: `olk_` and 40 characters of `[a-z0-9]`.
    pub fn generate() -> Result<Self, getrandom::Error> {
        Ok(ApiKey(format!("{KEY_PREFIX}{}", random_chars(40)?)))
    }

    /// The key's text, to hand to its user once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(..)")
    }
}

/// SHA-256 of a key, as stored.
pub(crate) fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Constant-time equality of a stored hash and a computed one.
pub(crate) fn hashes_equal(stored: &[u8], computed: &[u8; 32]) -> bool {
    stored.len() == computed.len() && bool::from(stored.ct_eq(&computed[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hidden_from_debug() {
        let a = ApiKey::generate().expect("os rng");
        let b = ApiKey::generate().expect("os rng");
        assert_ne!(a, b);
        assert!(a.expose().starts_with(KEY_PREFIX));
        assert_eq!(a.expose().len(), KEY_PREFIX.len() + 40);
        assert!(!format!("{a:?}").contains(&a.expose()[4..]));
    }

    #[test]
    fn hash_is_sha256() {
        let h = hash_key("abc");
        let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(hashes_equal(&h, &hash_key("abc")));
        assert!(!hashes_equal(&h, &hash_key("abd")));
        assert!(!hashes_equal(&h[..31], &hash_key("abc")));
    }
}
