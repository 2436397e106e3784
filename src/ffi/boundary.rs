//! The rules every `extern "C"` shim follows, in one place: catching panics,
//! setting `errno`, and turning C pointers into Rust references after checking
//! them (tags on handles, the magic word in `zmq_msg_t`).

use crate::error::{Errno, Result};
use crate::msg::{Msg, MAGIC_DEAD, MAGIC_LIVE};
use std::any::Any;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The errno a caught panic is reported with ("State not recoverable").
pub const PANIC_ERRNO: Errno = Errno(libc::ENOTRECOVERABLE);

/// Sets the C library's thread-local `errno`. The only place in the crate that
/// writes it.
#[inline]
pub fn set_errno(e: Errno) {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() = e.0 };
}

/// Reads the C library's thread-local `errno` (`zmq_errno`).
#[inline]
pub fn errno() -> i32 {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() }
}

/// Runs the body of an exported function `name`. `Ok(v)` is returned as is;
/// `Err(e)` sets `errno` to `e` and returns `fail` (-1 or NULL). A panic is
/// caught, reported once on stderr, and returned as `fail` with
/// [`PANIC_ERRNO`]: the process lives on.
#[inline]
pub fn guard<T>(name: &str, fail: T, body: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            set_errno(e);
            fail
        }
        Err(payload) => {
            report_panic(name, payload.as_ref());
            set_errno(PANIC_ERRNO);
            fail
        }
    }
}

/// Like [`guard`] for functions that cannot report an error (void results):
/// errors set `errno` only.
#[inline]
pub fn guard_void(name: &str, body: impl FnOnce() -> Result<()>) {
    guard(name, (), body)
}

#[cold]
fn report_panic(name: &str, payload: &(dyn Any + Send)) {
    let what = if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.as_str()
    } else {
        "(no message)"
    };
    eprintln!(
        "libzmq-rs: internal error (panic) in {name}: {what}; the call failed with ENOTRECOVERABLE"
    );
}

/// Something that fails with `e` when NULL.
pub fn non_null<T>(p: *const T, e: Errno) -> Result<*const T> {
    if p.is_null() {
        Err(e)
    } else {
        Ok(p)
    }
}

/// A C string argument (endpoint, property name) as UTF-8: NULL or invalid
/// UTF-8 gives EINVAL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub unsafe fn c_str<'a>(p: *const c_char) -> Result<&'a str> {
    if p.is_null() {
        return Err(Errno::EINVAL);
    }
    // SAFETY: non-NULL, NUL-terminated by the caller's contract.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map_err(|_| Errno::EINVAL)
}

/// A byte buffer argument: NULL is allowed only with length 0.
///
/// # Safety
/// `p` is NULL or valid for reads of `len` bytes for `'a`.
pub unsafe fn bytes<'a>(p: *const u8, len: usize, null_err: Errno) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(null_err);
    }
    // SAFETY: non-NULL and valid for len bytes by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A writable byte buffer argument: NULL is allowed only with length 0.
///
/// # Safety
/// `p` is NULL or valid for writes of `len` bytes for `'a`.
pub unsafe fn bytes_mut<'a>(p: *mut u8, len: usize, null_err: Errno) -> Result<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(null_err);
    }
    // SAFETY: non-NULL and valid for len bytes by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// An in/out length argument (`size_t *optvallen`, `size_t *count`): EINVAL
/// for NULL.
///
/// # Safety
/// `p` is NULL or points to a `size_t` the caller owns for `'a`.
pub unsafe fn len_in_out<'a>(p: *mut usize) -> Result<&'a mut usize> {
    // SAFETY: NULL or valid by the caller's contract.
    unsafe { p.as_mut() }.ok_or(Errno::EINVAL)
}

/// Reads the tag word at the start of a handle, or None when the pointer is
/// NULL or not aligned for one (so it cannot be one of our handles).
///
/// # Safety
/// A non-NULL, aligned `p` must be readable for 4 bytes (the C API's contract:
/// the caller passes a handle, or at least memory it owns).
pub unsafe fn read_tag(p: *const std::ffi::c_void) -> Option<u32> {
    if p.is_null() || (p as usize) % std::mem::align_of::<u64>() != 0 {
        return None;
    }
    // SAFETY: non-NULL, aligned, readable by the caller's contract. Every
    // handle type starts with an `AtomicU32` tag.
    Some(unsafe {
        (*(p as *const std::sync::atomic::AtomicU32)).load(std::sync::atomic::Ordering::Acquire)
    })
}

/// Offset of the magic word inside a `Msg` (and so inside a `zmq_msg_t`).
const MAGIC_AT: usize = std::mem::offset_of!(Msg, magic);

/// Checks the magic word of a `zmq_msg_t` without interpreting it as a `Msg`.
///
/// # Safety
/// `p` is NULL or points to 64 readable bytes.
unsafe fn msg_checked(p: *const Msg) -> Result<*const Msg> {
    if p.is_null() || (p as usize) % std::mem::align_of::<Msg>() != 0 {
        return Err(Errno::EFAULT);
    }
    // SAFETY: p points to a zmq_msg_t (64 bytes, caller's contract); the magic
    // field lies inside it and is 4-aligned because p is 8-aligned.
    let magic = unsafe { std::ptr::read((p as *const u8).add(MAGIC_AT) as *const u32) };
    if magic == MAGIC_LIVE {
        Ok(p)
    } else {
        Err(Errno::EFAULT)
    }
}

/// An initialised message behind a `zmq_msg_t *`; EFAULT for NULL,
/// misaligned, never initialised or closed messages.
///
/// # Safety
/// `p` is NULL or points to a `zmq_msg_t` the caller owns for `'a`.
pub unsafe fn msg_ref<'a>(p: *const Msg) -> Result<&'a Msg> {
    // SAFETY: forwarded contract; a live magic means `msg_init*` wrote a Msg there.
    unsafe { msg_checked(p).map(|p| &*p) }
}

/// As [`msg_ref`], writable.
///
/// # Safety
/// As [`msg_ref`], and nothing else refers to the message for `'a`.
pub unsafe fn msg_mut<'a>(p: *mut Msg) -> Result<&'a mut Msg> {
    // SAFETY: as in msg_ref.
    unsafe { msg_checked(p).map(|p| &mut *(p as *mut Msg)) }
}

/// Initialises the `zmq_msg_t` at `p` with `m`, ignoring what was there (as
/// `zmq_msg_init*` does). EFAULT for NULL or misaligned `p`.
///
/// # Safety
/// `p` is NULL or points to a writable `zmq_msg_t`.
pub unsafe fn msg_write(p: *mut Msg, m: Msg) -> Result<()> {
    if p.is_null() || (p as usize) % std::mem::align_of::<Msg>() != 0 {
        return Err(Errno::EFAULT);
    }
    // SAFETY: p is valid and aligned for a Msg; old contents are not dropped
    // (they are uninitialised or already closed by the API's contract).
    unsafe { std::ptr::write(p, m) };
    Ok(())
}

/// Closes the message at `p`: drops it and marks it closed, so a second
/// close (or any other use) gives EFAULT.
///
/// # Safety
/// `p` is NULL or points to a `zmq_msg_t` the caller owns.
pub unsafe fn msg_close(p: *mut Msg) -> Result<()> {
    // SAFETY: forwarded contract.
    let p = unsafe { msg_checked(p)? } as *mut Msg;
    // SAFETY: the magic says a live Msg is there; after dropping it we only
    // write the magic word, inside the caller's 64 bytes.
    unsafe {
        std::ptr::drop_in_place(p);
        std::ptr::write((p as *mut u8).add(MAGIC_AT) as *mut u32, MAGIC_DEAD);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_is_libc_errno() {
        set_errno(Errno::ETERM);
        assert_eq!(errno(), 156384765);
        assert_eq!(
            std::io::Error::last_os_error().raw_os_error(),
            Some(156384765)
        );
    }

    #[test]
    fn guard_maps_results_and_panics() {
        assert_eq!(guard("t", -1, || Ok(5)), 5);
        assert_eq!(guard("t", -1, || Err(Errno::EFSM)), -1);
        assert_eq!(errno(), Errno::EFSM.0);
        let r = guard("t", -1, || -> Result<i32> { panic!("boom") });
        assert_eq!(r, -1);
        assert_eq!(errno(), libc::ENOTRECOVERABLE);
    }

    #[test]
    fn msg_validation() {
        #[repr(C, align(8))]
        struct Raw([u8; 64]);
        let mut raw = Raw([0xa5; 64]);
        let p = raw.0.as_mut_ptr() as *mut Msg;
        // SAFETY: p points to 64 aligned bytes we own.
        unsafe {
            assert_eq!(msg_ref(p).err(), Some(Errno::EFAULT));
            assert_eq!(msg_ref(std::ptr::null()).err(), Some(Errno::EFAULT));
            assert_eq!(
                msg_ref((p as *const u8).add(1) as *const Msg).err(),
                Some(Errno::EFAULT)
            );
            msg_write(p, Msg::from_slice(&[1u8; 100])).unwrap();
            assert_eq!(msg_ref(p).unwrap().len(), 100);
            msg_close(p).unwrap();
            assert_eq!(msg_close(p).err(), Some(Errno::EFAULT));
            assert_eq!(msg_mut(p).err(), Some(Errno::EFAULT));
        }
    }
}
