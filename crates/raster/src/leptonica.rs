//! TIFF pages the pure-Rust decoder does not support (CCITT G3, palettes,
//! old-style JPEG, 12-bit, Lab), decoded by Leptonica's libtiff reader.
//!
//! Only reached after the pure-Rust decoder has parsed the page's directory
//! and its size has passed the limits, so libtiff never sees an absurd image.

use crate::{Error, PageImage};
use leptonica_sys as lept;

/// A Leptonica image, destroyed on drop.
struct Pix(*mut lept::PIX);

impl Drop for Pix {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Leptonica, is non-null (checked in
        // `Pix::new`) and owned only by this value.
        unsafe { lept::pixDestroy(&mut self.0) }
    }
}

impl Pix {
    fn new(ptr: *mut lept::PIX, what: &str) -> Result<Pix, Error> {
        if ptr.is_null() {
            Err(Error::Corrupt(format!("TIFF: {what} failed")))
        } else {
            Ok(Pix(ptr))
        }
    }
}

/// Decodes page `index` of the TIFF in `bytes`.
pub(crate) fn decode_tiff_page(bytes: &[u8], index: usize) -> Result<PageImage, Error> {
    let n = i32::try_from(index).map_err(|_| Error::NoSuchPage(index))?;
    // SAFETY: Leptonica reads `bytes.len()` bytes from a valid slice and
    // returns a new image or null; every image below is owned by a `Pix`.
    unsafe {
        // Leptonica's own messages would only duplicate the typed error.
        lept::setMsgSeverity(6); // L_SEVERITY_NONE
        let mut pix = Pix::new(
            lept::pixReadMemTiff(bytes.as_ptr(), bytes.len(), n),
            "reading",
        )?;
        if !lept::pixGetColormap(pix.0).is_null() {
            // 4 = REMOVE_CMAP_BASED_ON_SRC: grey stays grey, colour becomes RGB.
            pix = Pix::new(lept::pixRemoveColormap(pix.0, 4), "removing the colour map")?;
        }
        if lept::pixGetDepth(pix.0) != 32 {
            pix = Pix::new(lept::pixConvertTo8(pix.0, 0), "converting to 8 bits")?;
        }
        extract(&pix)
    }
}

/// Copies an 8-bit grey or 32-bit RGB image out of Leptonica's word layout
/// (pixels packed most significant byte first within 32-bit words).
///
/// # Safety
/// `pix` must be a valid 8 or 32 bpp image.
unsafe fn extract(pix: &Pix) -> Result<PageImage, Error> {
    // SAFETY: `pix` is valid; width, height and words per line describe its data.
    let (w, h, d, wpl, data) = unsafe {
        (
            lept::pixGetWidth(pix.0),
            lept::pixGetHeight(pix.0),
            lept::pixGetDepth(pix.0),
            lept::pixGetWpl(pix.0),
            lept::pixGetData(pix.0),
        )
    };
    let (Ok(wu), Ok(hu), Ok(wplu)) = (usize::try_from(w), usize::try_from(h), usize::try_from(wpl))
    else {
        return Err(Error::Corrupt("TIFF: negative image size".into()));
    };
    if data.is_null() || wu == 0 || hu == 0 {
        return Err(Error::Corrupt("TIFF: empty image".into()));
    }
    // SAFETY: Leptonica allocates `wpl * h` words for the image data.
    let words = unsafe { std::slice::from_raw_parts(data, wplu * hu) };
    let rows = words.chunks_exact(wplu);
    let image = if d == 32 {
        let rgb = rows.flat_map(|row| {
            row[..wu]
                .iter()
                .flat_map(|p| [(p >> 24) as u8, (p >> 16) as u8, (p >> 8) as u8])
        });
        image::RgbImage::from_raw(w as u32, h as u32, rgb.collect()).map(PageImage::Rgb)
    } else {
        let gray =
            rows.flat_map(|row| (0..wu).map(move |x| (row[x / 4] >> (24 - 8 * (x % 4))) as u8));
        image::GrayImage::from_raw(w as u32, h as u32, gray.collect()).map(PageImage::Gray)
    };
    image.ok_or_else(|| Error::Corrupt("TIFF: image size mismatch".into()))
}
