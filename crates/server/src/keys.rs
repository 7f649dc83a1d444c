//! The keys file: one `user key` pair per line. The file is the truth: at
//! start and on `SIGHUP` the data folder's keys are made to match it
//! ([`ocrloom_jobs::Keyring::sync`]).

use crate::error::Error;
use ocrloom_jobs::KeyEntry;

/// Parses a keys file read from `source` (named in each entry's origin,
/// `source:line`): `user key` per line, blank lines and lines starting with
/// `#` ignored. Errors name the line, never the key. Keys too short, and
/// the same key or user on two lines, are refused by
/// [`ocrloom_jobs::Keyring::sync`], which names both lines.
///
/// ```
/// let entries = ocrloom_server::parse_keys("# local users\nalice olk_0123456789abcdefghijklmnopqrstuvwxyz\n", "keys.txt")?;
/// assert_eq!((entries[0].user.as_str(), entries[0].origin.as_str()), ("alice", "keys.txt:2"));
/// # Ok::<(), ocrloom_server::Error>(())
/// ```
pub fn parse_keys(text: &str, source: &str) -> Result<Vec<KeyEntry>, Error> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let [user, key] = words[..] else {
            return Err(Error::KeysFile {
                line: i + 1,
                message: format!("expected `user api_key`, found {} words", words.len()),
            });
        };
        out.push(KeyEntry {
            origin: format!("{source}:{}", i + 1),
            user: user.to_owned(),
            key: key.to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "k0123456789abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn comments_and_blank_lines_are_skipped_and_errors_name_the_line() {
        let text = format!("# users\n\nalice {KEY}\n  bob   {KEY}x  \n");
        let e = parse_keys(&text, "k").expect("valid");
        assert_eq!(e.len(), 2);
        assert_eq!((e[1].user.as_str(), e[1].key.len()), ("bob", KEY.len() + 1));
        assert_eq!(e[1].origin, "k:4");
        let err = parse_keys("alice\n", "k").expect_err("one word");
        assert!(err.to_string().starts_with("keys file line 1:"), "{err}");
        assert!(!format!("{:?}", e[0]).contains(KEY));
    }
}
