use crate::Error;

/// Resource limits for untrusted input, on by default.
///
/// Each is checked before the memory it guards is allocated: file size before
/// reading, page count after the page list is read, pixel counts after an
/// image header is read and before the image is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Largest input file in bytes (default 200 MB, as the hosted API).
    pub max_file_bytes: u64,
    /// Most pages in one document (default 2,000).
    pub max_pages: usize,
    /// Most pixels in one page image (default 60 million, a 600-DPI A3 page).
    /// PDF pages that would exceed it are rendered at a lower resolution.
    pub max_page_pixels: u64,
    /// Highest PDF render resolution (default 600 DPI).
    pub max_dpi: u32,
    /// Most bytes any single decode may allocate, intermediate buffers
    /// included (default 512 MiB).
    pub max_decoded_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200_000_000,
            max_pages: 2_000,
            max_page_pixels: 60_000_000,
            max_dpi: 600,
            max_decoded_bytes: 512 << 20,
        }
    }
}

impl Limits {
    /// Limits that allow everything (for trusted input only).
    pub fn none() -> Self {
        Limits {
            max_file_bytes: u64::MAX,
            max_pages: usize::MAX,
            max_page_pixels: u64::MAX,
            max_dpi: u32::MAX,
            max_decoded_bytes: u64::MAX,
        }
    }

    /// Refuses a file larger than `max_file_bytes` (check it before reading the file).
    pub fn check_file_size(&self, bytes: u64) -> Result<(), Error> {
        check("file size in bytes", bytes, self.max_file_bytes)
    }

    pub(crate) fn check_pages(&self, pages: usize) -> Result<(), Error> {
        check("page count", pages as u64, self.max_pages as u64)
    }

    /// Checks an image of `width` x `height` with `bytes_per_pixel` before it is decoded.
    pub(crate) fn check_image(
        &self,
        width: u32,
        height: u32,
        bytes_per_pixel: u64,
    ) -> Result<(), Error> {
        if width == 0 || height == 0 {
            return Err(Error::Corrupt(format!("image of {width}x{height} pixels")));
        }
        let pixels = u64::from(width) * u64::from(height);
        check("page pixels", pixels, self.max_page_pixels)?;
        check(
            "decoded bytes",
            pixels * bytes_per_pixel,
            self.max_decoded_bytes,
        )
    }
}

fn check(what: &'static str, value: u64, limit: u64) -> Result<(), Error> {
    if value > limit {
        Err(Error::LimitExceeded(format!(
            "{what} {value} exceeds {limit}"
        )))
    } else {
        Ok(())
    }
}
