//! libsodium's XSalsa20-Poly1305 (`crypto_secretbox`) and HSalsa20
//! (`crypto_core_hsalsa20`): the symmetric half of every CurveZMQ box.
//!
//! Why libsodium here and not RustCrypto: a MESSAGE is one secretbox, so
//! its speed is CURVE's throughput, and RustCrypto's `salsa20` has only a
//! portable backend (3× slower than libsodium's SIMD one at 64 KiB), while
//! its AVX2 Poly1305 was 4× slower than libsodium's at 64 B in our build
//! (BENCHMARKS.md, "CURVE"). libsodium is the library libzmq itself uses for
//! CURVE (Debian's libzmq5 depends on libsodium23), so the drop-in needs
//! nothing libzmq does not. X25519 stays with `x25519-dalek` (at parity).
//!
//! Only safe wrappers leave this file. `sodium_init` (which picks the CPU's
//! fastest implementations and is safe to call from any thread) runs once
//! before the first use.

use std::ffi::{c_int, c_uchar, c_ulonglong};
use std::sync::Once;

#[link(name = "sodium")]
extern "C" {
    fn sodium_init() -> c_int;
    fn crypto_secretbox_detached(
        c: *mut c_uchar,
        mac: *mut c_uchar,
        m: *const c_uchar,
        mlen: c_ulonglong,
        n: *const c_uchar,
        k: *const c_uchar,
    ) -> c_int;
    fn crypto_secretbox_open_detached(
        m: *mut c_uchar,
        c: *const c_uchar,
        mac: *const c_uchar,
        clen: c_ulonglong,
        n: *const c_uchar,
        k: *const c_uchar,
    ) -> c_int;
    fn crypto_core_hsalsa20(
        out: *mut c_uchar,
        input: *const c_uchar,
        k: *const c_uchar,
        c: *const c_uchar,
    ) -> c_int;
}

fn init() {
    static INIT: Once = Once::new();
    // SAFETY: sodium_init takes no arguments and is thread-safe; it only
    // returns -1 if the library cannot initialise, in which case the
    // portable implementations it falls back to are still correct.
    INIT.call_once(|| unsafe {
        sodium_init();
    });
}

/// The Poly1305 tag length.
pub const MAC_LEN: usize = 16;

/// Encrypts `buf` in place under `key` and `nonce`; returns the tag.
pub fn seal_detached(key: &[u8; 32], nonce: &[u8; 24], buf: &mut [u8]) -> [u8; MAC_LEN] {
    init();
    let mut mac = [0u8; MAC_LEN];
    let p = buf.as_mut_ptr();
    // SAFETY: `buf` is valid for reads and writes of its length (libsodium
    // allows the ciphertext to overlap the plaintext exactly), `mac` has 16
    // writable bytes, nonce and key have 24 and 32 readable bytes.
    unsafe {
        crypto_secretbox_detached(
            p,
            mac.as_mut_ptr(),
            p,
            buf.len() as c_ulonglong,
            nonce.as_ptr(),
            key.as_ptr(),
        );
    }
    mac
}

/// Checks `mac` and decrypts `buf` in place; on failure `buf` is left as
/// it was (libsodium verifies before it decrypts).
pub fn open_detached(
    key: &[u8; 32],
    nonce: &[u8; 24],
    mac: &[u8; MAC_LEN],
    buf: &mut [u8],
) -> Result<(), ()> {
    init();
    let p = buf.as_mut_ptr();
    // SAFETY: as in `seal_detached`; in-place opening is allowed.
    let rc = unsafe {
        crypto_secretbox_open_detached(
            p,
            p,
            mac.as_ptr(),
            buf.len() as c_ulonglong,
            nonce.as_ptr(),
            key.as_ptr(),
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(())
    }
}

/// HSalsa20 of `key` with a zero input and the standard constant: NaCl's
/// `crypto_box_beforenm` step after X25519.
pub fn hsalsa20_zero(key: &[u8; 32], out: &mut [u8; 32]) {
    init();
    let input = [0u8; 16];
    // SAFETY: 32 writable bytes at `out`, 16 readable at `input`, 32 at
    // `key`; a NULL constant selects "expand 32-byte k".
    unsafe {
        crypto_core_hsalsa20(
            out.as_mut_ptr(),
            input.as_ptr(),
            key.as_ptr(),
            std::ptr::null(),
        );
    }
}
