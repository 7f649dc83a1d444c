//! Identifier newtypes: 32 characters of `[a-z0-9]` from the OS's CSPRNG.
//!
//! 32 characters over an alphabet of 36 carry log2(36^32) ≈ 165 bits, so ids
//! cannot be guessed; that is what makes "another user's id behaves as an
//! unknown one" safe even before the ownership check.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Length of every id.
pub const ID_LEN: usize = 32;
const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random characters of `[a-z0-9]`.
///
/// Rejection sampling keeps the distribution uniform: bytes >= 252 (= 7 * 36)
/// are dropped instead of folding them onto the first letters.
pub(crate) fn random_chars(n: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        getrandom::fill(&mut buf)?;
        for &b in &buf {
            if b < 252 && out.len() < n {
                out.push(char::from(ALPHABET[usize::from(b % 36)]));
            }
        }
    }
    Ok(out)
}

/// Whether `s` has the shape of an id (32 of `[a-z0-9]`).
pub(crate) fn is_id_shaped(s: &str) -> bool {
    s.len() == ID_LEN
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn generate() -> Result<Self, getrandom::Error> {
                random_chars(ID_LEN).map($name)
            }

            /// `s` as an id, if it has the id shape (32 of `[a-z0-9]`).
            pub fn parse(s: &str) -> Option<Self> {
                is_id_shaped(s).then(|| $name(s.to_owned()))
            }

            /// The id's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Wraps text already known to be an id (read back from the store).
            pub(crate) fn from_trusted(s: String) -> Self {
                $name(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// Identifies a stored file (uploaded or produced by a job).
    FileId
);
id_type!(
    /// Identifies a conversion job.
    JobId
);
id_type!(
    /// Identifies a user; obtained from [`crate::Manager::authenticate`] or
    /// [`crate::Manager::create_user`].
    UserId
);
id_type!(
    /// Identifies one failure report (a job's `error.request_id`), also
    /// written to the log so an operator can find the details.
    RequestId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_api_shape_and_differ() {
        let a = FileId::generate().expect("os rng");
        let b = FileId::generate().expect("os rng");
        assert!(is_id_shaped(a.as_str()), "{a}");
        assert_ne!(a, b);
        assert_eq!(FileId::parse(a.as_str()), Some(a));
        assert_eq!(
            FileId::parse("akrj49467f644hncvs7cmw1bj3j1mcnk").map(|i| i.to_string()),
            Some("akrj49467f644hncvs7cmw1bj3j1mcnk".to_owned())
        );
        for bad in [
            "",
            "short",
            "AKRJ49467F644HNCVS7CMW1BJ3J1MCNK",
            "akrj49467f644hncvs7cmw1bj3j1mcn/",
        ] {
            assert_eq!(JobId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn characters_are_spread_over_the_alphabet() {
        let s = random_chars(36 * 200).expect("os rng");
        for c in ALPHABET {
            let n = s.bytes().filter(|b| b == c).count();
            // Expected 200 each; 100..300 is far outside random variation.
            assert!((100..300).contains(&n), "{} seen {n} times", char::from(*c));
        }
    }
}
