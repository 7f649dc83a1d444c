//! The keys file: one `user key` pair per line, registered in the manager at
//! start.

use crate::error::Error;
use ocrloom_jobs::{Manager, UserId, MIN_KEY_LEN};

/// One line of the keys file.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// The user's name (a label: the manager gives users random ids).
    pub user: String,
    /// The API key, at least [`MIN_KEY_LEN`] characters.
    pub key: String,
}

impl std::fmt::Debug for KeyEntry {
    // Keys end up in logs through `Debug` too easily: hide them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Parses a keys file: `user key` per line, blank lines and lines starting
/// with `#` ignored. Errors name the line, never the key.
///
/// ```
/// let entries = ocrloom_server::parse_keys("# local users\nalice olk_0123456789abcdefghijklmnopqrstuvwxyz\n")?;
/// assert_eq!(entries[0].user, "alice");
/// # Ok::<(), ocrloom_server::Error>(())
/// ```
pub fn parse_keys(text: &str) -> Result<Vec<KeyEntry>, Error> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |message: String| Error::KeysFile {
            line: i + 1,
            message,
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let [user, key] = words[..] else {
            return Err(bad(format!(
                "expected `user api_key`, found {} words",
                words.len()
            )));
        };
        if key.len() < MIN_KEY_LEN {
            return Err(bad(format!(
                "the key of `{user}` is shorter than {MIN_KEY_LEN} characters"
            )));
        }
        out.push(KeyEntry {
            user: user.to_owned(),
            key: key.to_owned(),
        });
    }
    Ok(out)
}

/// Makes the manager know every entry: keys already registered keep their
/// user; a user none of whose keys is known yet is created. Idempotent, so
/// it runs at every start over a persistent data folder.
///
/// Returns the user of each distinct name, in first-seen order.
///
/// Limitation: the manager offers no way to list keys, so a key removed
/// from the file stays valid in the data folder (revoke it with
/// [`Manager::revoke_api_key`]).
pub fn register_keys(
    manager: &Manager,
    entries: &[KeyEntry],
) -> Result<Vec<(String, UserId)>, Error> {
    let mut names: Vec<&str> = Vec::new();
    for e in entries {
        if !names.contains(&e.user.as_str()) {
            names.push(&e.user);
        }
    }
    let mut users = Vec::with_capacity(names.len());
    for name in names {
        let keys: Vec<&str> = entries
            .iter()
            .filter(|e| e.user == name)
            .map(|e| e.key.as_str())
            .collect();
        let mut known: Option<UserId> = None;
        for key in &keys {
            match manager.authenticate(key) {
                Ok(user) => match &known {
                    Some(u) if *u != user => {
                        return Err(Error::KeysFile {
                            line: 0,
                            message: format!(
                                "the keys of `{name}` belong to different users in the data folder"
                            ),
                        })
                    }
                    _ => known = Some(user),
                },
                Err(ocrloom_jobs::Error::Unauthorized) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let user = match known {
            Some(u) => u,
            None => {
                let (user, generated) = manager.create_user(name)?;
                // Only the file's keys should open this account.
                manager.revoke_api_key(generated.expose())?;
                tracing::info!(user = name, "user created");
                user
            }
        };
        for key in keys {
            manager.add_api_key(&user, key).map_err(|e| match e {
                ocrloom_jobs::Error::InvalidRequest(m) => Error::KeysFile {
                    line: 0,
                    message: format!("a key of `{name}`: {m}"),
                },
                e => e.into(),
            })?;
        }
        users.push((name.to_owned(), user));
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "k0123456789abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn comments_and_blank_lines_are_skipped_and_errors_name_the_line() {
        let text = format!("# users\n\nalice {KEY}\n  bob   {KEY}x  \n");
        let e = parse_keys(&text).expect("valid");
        assert_eq!(e.len(), 2);
        assert_eq!((e[1].user.as_str(), e[1].key.len()), ("bob", KEY.len() + 1));
        let err = parse_keys("alice\n").expect_err("one word");
        assert!(err.to_string().starts_with("keys file line 1:"), "{err}");
        let err = parse_keys("# x\nalice tinykey\n").expect_err("short key");
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(
            !err.to_string().contains("tinykey"),
            "the key is not shown: {err}"
        );
        assert!(!format!("{:?}", e[0]).contains(KEY));
    }
}
