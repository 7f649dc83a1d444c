//! Which pages to recognize: `1-3,7`, as `ocrloom ocr --pages` takes it.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// Most ranges one selection may list (a longer list is refused before
/// anything is allocated for it).
const MAX_RANGES: usize = 1_000;

/// A set of one-based page numbers: ranges such as `1-3`, single pages such
/// as `7`, and open ranges such as `5-` (to the end), joined by commas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSelection {
    ranges: Vec<RangeInclusive<usize>>,
}

impl PageSelection {
    /// Whether the one-based page `number` is selected.
    pub fn contains(&self, number: usize) -> bool {
        self.ranges.iter().any(|r| r.contains(&number))
    }
}

/// Why a page selection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad page selection {spec:?}: {reason} (expected e.g. 1-3,7 or 5-)")]
pub struct PageSelectionError {
    spec: String,
    reason: &'static str,
}

impl FromStr for PageSelection {
    type Err = PageSelectionError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let refuse = |reason| PageSelectionError {
            spec: spec.chars().take(80).collect(),
            reason,
        };
        let parts = spec.split(',').map(str::trim);
        if parts.clone().count() > MAX_RANGES {
            return Err(refuse("too many ranges"));
        }
        let number = |s: &str| match s.trim().parse::<usize>() {
            Ok(0) => Err(refuse("pages are numbered from 1")),
            Ok(n) => Ok(n),
            Err(_) => Err(refuse("not a page number")),
        };
        let mut ranges = Vec::new();
        for part in parts {
            let range = match part.split_once('-') {
                None => number(part).map(|n| n..=n)?,
                Some((first, "")) => number(first)?..=usize::MAX,
                Some((first, last)) => {
                    let (first, last) = (number(first)?, number(last)?);
                    if first > last {
                        return Err(refuse("a range ends before it starts"));
                    }
                    first..=last
                }
            };
            ranges.push(range);
        }
        Ok(PageSelection { ranges })
    }
}

impl fmt::Display for PageSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match (*r.start(), *r.end()) {
                (a, b) if a == b => write!(f, "{a}")?,
                (a, usize::MAX) => write!(f, "{a}-")?,
                (a, b) => write!(f, "{a}-{b}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(spec: &str, upto: usize) -> Vec<usize> {
        let s: PageSelection = spec.parse().expect(spec);
        (1..=upto).filter(|&n| s.contains(n)).collect()
    }

    #[test]
    fn ranges_single_pages_and_open_ends() {
        assert_eq!(pages("1-3,7", 10), [1, 2, 3, 7]);
        assert_eq!(pages(" 2 , 4-5 ", 10), [2, 4, 5]);
        assert_eq!(pages("8-", 10), [8, 9, 10]);
        assert_eq!(pages("3,3,1-2", 10), [1, 2, 3]);
        let s: PageSelection = "1-3,7,9-".parse().expect("valid");
        assert_eq!(s.to_string(), "1-3,7,9-");
    }

    #[test]
    fn bad_selections_are_refused_with_the_reason() {
        for (spec, reason) in [
            ("", "not a page number"),
            ("0", "numbered from 1"),
            ("3-1", "ends before it starts"),
            ("1-x", "not a page number"),
            ("-3", "not a page number"),
            ("1,,2", "not a page number"),
            ("99999999999999999999999", "not a page number"),
        ] {
            let e = spec.parse::<PageSelection>().expect_err(spec);
            assert!(e.to_string().contains(reason), "{spec}: {e}");
        }
        let many = vec!["1"; MAX_RANGES + 1].join(",");
        let e = many.parse::<PageSelection>().expect_err("too many");
        assert!(e.to_string().contains("too many ranges"), "{e}");
    }
}
