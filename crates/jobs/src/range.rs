//! Byte ranges of a file's content.

/// A byte range of a file's content (the server parses it from an HTTP
/// `Range` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// From this offset to the end (`bytes=100-`).
    From(u64),
    /// From the first to the last offset, both included (`bytes=0-99`).
    Inclusive(u64, u64),
    /// The last n bytes (`bytes=-500`).
    Last(u64),
}

impl ByteRange {
    /// The first and last offsets (included) within a file of `size` bytes.
    pub fn resolve(self, size: u64) -> Option<(u64, u64)> {
        let last = size.checked_sub(1)?;
        match self {
            ByteRange::From(a) if a <= last => Some((a, last)),
            ByteRange::Inclusive(a, b) if a <= last && a <= b => Some((a, b.min(last))),
            ByteRange::Last(n) if n > 0 => Some((size - n.min(size), last)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_like_http() {
        assert_eq!(ByteRange::Inclusive(0, 99).resolve(10), Some((0, 9)));
        assert_eq!(ByteRange::From(9).resolve(10), Some((9, 9)));
        assert_eq!(ByteRange::From(10).resolve(10), None);
        assert_eq!(ByteRange::Last(3).resolve(10), Some((7, 9)));
        assert_eq!(ByteRange::Last(30).resolve(10), Some((0, 9)));
        assert_eq!(ByteRange::Last(0).resolve(10), None);
        assert_eq!(ByteRange::From(0).resolve(0), None);
    }
}
