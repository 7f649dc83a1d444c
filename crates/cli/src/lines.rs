//! Tesseract (Debian's 5.3 build) stores every text line image it
//! recognizes as PNG in memory and decodes it again a moment later
//! (`ImageData::SetPix`/`GetPix`; only a build with
//! `TESSERACT_IMAGEDATA_AS_PIX` keeps the pixels). The zlib compression in
//! between is pure cost: 10-14% of the CPU time on an enlarged page. The
//! binary exports its own `pixWriteMem`, which the dynamic linker binds
//! Tesseract's call to ahead of Leptonica's, and asks Leptonica for its
//! "spix" serialization (a header and the raster as it is in memory)
//! instead of PNG. `pixReadMem` recognizes the format by its bytes, and
//! both formats are lossless, so the line Tesseract reads back is the same.
//! See docs/decisions.md.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

/// Leptonica's `IFF_PNG` and `IFF_SPIX` (imageio.h).
const IFF_PNG: c_int = 3;
const IFF_SPIX: c_int = 19;

type WriteMem = unsafe extern "C" fn(*mut *mut u8, *mut usize, *mut c_void, c_int) -> c_int;

/// Leptonica's own `pixWriteMem`: the next definition after this binary's.
fn leptonica_write_mem() -> Option<WriteMem> {
    static REAL: OnceLock<usize> = OnceLock::new();
    let addr = *REAL.get_or_init(|| {
        // SAFETY: dlsym with a NUL-terminated name; the handle is a constant.
        unsafe { libc::dlsym(libc::RTLD_NEXT, c"pixWriteMem".as_ptr()) as usize }
    });
    // SAFETY: the symbol is Leptonica's pixWriteMem, whose C signature is
    // `l_int32 pixWriteMem(l_uint8 **, size_t *, PIX *, l_int32)`.
    (addr != 0).then(|| unsafe { std::mem::transmute::<usize, WriteMem>(addr) })
}

/// Leptonica's `pixWriteMem`, with spix in place of PNG.
///
/// # Safety
/// The contract of Leptonica's `pixWriteMem`: valid pointers, `pix` a PIX.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pixWriteMem(
    data: *mut *mut u8,
    size: *mut usize,
    pix: *mut c_void,
    format: c_int,
) -> c_int {
    let Some(real) = leptonica_write_mem() else {
        return 1; // Leptonica's "error" return
    };
    let format = if format == IFF_PNG { IFF_SPIX } else { format };
    // SAFETY: forwarded unchanged but for the format, per the contract above.
    unsafe { real(data, size, pix, format) }
}
