//! Utilities: errors, version, capabilities, Z85, CURVE keys, atomic
//! counters, stopwatch, sleep and threads.

use super::boundary::{bytes_mut, c_str, errno, guard, guard_void};
use super::types::{thread_fn, zmq_thread_fn, ThreadFnPtr};
use crate::constants::{ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH};
use crate::error::{Errno, Result};
use std::ffi::{c_char, c_int, c_ulong, c_void, CStr};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// Returns the calling thread's `errno` (the same value C's `errno` holds).
#[no_mangle]
pub extern "C" fn zmq_errno() -> c_int {
    errno()
}

/// Returns the message text of an error number: ZeroMQ's own texts for its
/// own numbers (EFSM, ENOCOMPATPROTO, ETERM, EMTHREAD), the C library's
/// otherwise. The string is static: do not modify or free it.
#[no_mangle]
pub extern "C" fn zmq_strerror(errnum_: c_int) -> *const c_char {
    guard("zmq_strerror", c"Unknown error".as_ptr(), || {
        Ok(Errno(errnum_).text().as_ptr())
    })
}

/// Stores the library's version (4, 3, 5) in `*major_`, `*minor_`, `*patch_`
/// (NULL pointers are skipped).
#[no_mangle]
pub unsafe extern "C" fn zmq_version(major_: *mut c_int, minor_: *mut c_int, patch_: *mut c_int) {
    let version = [
        (major_, ZMQ_VERSION_MAJOR),
        (minor_, ZMQ_VERSION_MINOR),
        (patch_, ZMQ_VERSION_PATCH),
    ];
    for (p, v) in version {
        if !p.is_null() {
            // SAFETY: non-NULL; the caller passes pointers to ints.
            unsafe { *p = v };
        }
    }
}

/// Capabilities this library provides.
fn has(capability: &str) -> bool {
    matches!(capability, "ipc" | "curve")
}

/// Returns 1 if the library supports `capability_` ("ipc", "pgm", "tipc",
/// "norm", "curve", "gssapi", "draft", "vmci", "websocket"), else 0.
#[no_mangle]
pub unsafe extern "C" fn zmq_has(capability_: *const c_char) -> c_int {
    guard("zmq_has", 0, || {
        // SAFETY: the caller passes a NUL-terminated string.
        let c = unsafe { c_str(capability_) }.unwrap_or("");
        Ok(has(c) as c_int)
    })
}

/// Encodes `size_` bytes at `data_` (a multiple of 4) as Z85 text into `dest_`,
/// which must have room for `size_ * 5 / 4 + 1` bytes. Returns `dest_`, or NULL
/// with errno EINVAL.
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_encode(
    dest_: *mut c_char,
    data_: *const u8,
    size_: usize,
) -> *mut c_char {
    guard("zmq_z85_encode", std::ptr::null_mut(), || {
        if dest_.is_null() || size_ % 4 != 0 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the caller gives size_ readable bytes at data_.
        let data = unsafe { super::boundary::bytes(data_, size_, Errno::EINVAL)? };
        let text = crate::z85::encode(data).ok_or(Errno::EINVAL)?;
        // SAFETY: dest_ has room for size_*5/4 + 1 bytes (the caller's
        // contract), which is text.len() + 1.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), dest_ as *mut u8, text.len());
            *dest_.add(text.len()) = 0;
        }
        Ok(dest_)
    })
}

/// Decodes the Z85 string `string_` (length a multiple of 5) into `dest_`,
/// which must have room for `strlen(string_) * 4 / 5` bytes. Returns `dest_`,
/// or NULL with errno EINVAL.
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_decode(dest_: *mut u8, string_: *const c_char) -> *mut u8 {
    guard("zmq_z85_decode", std::ptr::null_mut(), || {
        if dest_.is_null() || string_.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: non-NULL, NUL-terminated by the caller's contract.
        let text = unsafe { CStr::from_ptr(string_) }.to_bytes();
        let data = crate::z85::decode(text).ok_or(Errno::EINVAL)?;
        // SAFETY: dest_ has room for strlen*4/5 bytes = data.len().
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dest_, data.len()) };
        Ok(dest_)
    })
}

/// Generates a new CURVE key pair: writes the public and the secret key as
/// 40 Z85 characters plus a NUL into the two 41-byte buffers. Returns 0, or
/// -1 with errno EINVAL for a NULL (or the same) buffer.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(
    z85_public_key_: *mut c_char,
    z85_secret_key_: *mut c_char,
) -> c_int {
    guard("zmq_curve_keypair", -1, || {
        if z85_public_key_ == z85_secret_key_ {
            return Err(Errno::EINVAL);
        }
        // SAFETY: the caller gives two distinct 41-byte buffers.
        let public = unsafe { bytes_mut(z85_public_key_.cast(), 41, Errno::EINVAL)? };
        // SAFETY: as above.
        let secret = unsafe { bytes_mut(z85_secret_key_.cast(), 41, Errno::EINVAL)? };
        let (p, s) = crate::zmtp::curve_keypair_z85();
        public.copy_from_slice(&p);
        secret.copy_from_slice(&*s);
        Ok(0)
    })
}

/// Derives the CURVE public key of a secret key given as 40 Z85 characters:
/// writes it as 40 Z85 characters plus a NUL into the 41-byte buffer
/// `z85_public_key_`. Returns 0, or -1 with errno EINVAL for a NULL pointer
/// or a secret key that is not 40 valid Z85 characters.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(
    z85_public_key_: *mut c_char,
    z85_secret_key_: *const c_char,
) -> c_int {
    guard("zmq_curve_public", -1, || {
        // SAFETY: the caller passes a NUL-terminated string.
        let secret = unsafe { c_str(z85_secret_key_)? };
        // SAFETY: the caller gives a 41-byte buffer.
        let public = unsafe { bytes_mut(z85_public_key_.cast(), 41, Errno::EINVAL)? };
        let p = crate::zmtp::curve_public_z85(secret.as_bytes()).ok_or(Errno::EINVAL)?;
        public.copy_from_slice(&p);
        Ok(0)
    })
}

/// The counter behind `p`, or EFAULT for NULL.
///
/// # Safety
/// `p` is NULL or was returned by `zmq_atomic_counter_new` and not destroyed.
unsafe fn counter<'a>(p: *mut c_void) -> Result<&'a AtomicI32> {
    if p.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: created by zmq_atomic_counter_new as a Box<AtomicI32>.
    Ok(unsafe { &*(p as *const AtomicI32) })
}

/// Creates an atomic counter, initially 0. Returns NULL with errno ENOMEM on
/// failure.
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    guard("zmq_atomic_counter_new", std::ptr::null_mut(), || {
        Ok(Box::into_raw(Box::new(AtomicI32::new(0))) as *mut c_void)
    })
}

/// Sets an atomic counter to `value_`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter_: *mut c_void, value_: c_int) {
    guard_void("zmq_atomic_counter_set", || {
        // SAFETY: the caller passes a counter from zmq_atomic_counter_new.
        unsafe { counter(counter_)? }.store(value_, Ordering::SeqCst);
        Ok(())
    })
}

/// Increments an atomic counter; returns its value before the increment.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter_: *mut c_void) -> c_int {
    guard("zmq_atomic_counter_inc", -1, || {
        // SAFETY: the caller passes a counter from zmq_atomic_counter_new.
        Ok(unsafe { counter(counter_)? }.fetch_add(1, Ordering::SeqCst))
    })
}

/// Decrements an atomic counter; returns 1 if it is still non-zero after the
/// decrement, 0 if it reached zero.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter_: *mut c_void) -> c_int {
    guard("zmq_atomic_counter_dec", -1, || {
        // SAFETY: the caller passes a counter from zmq_atomic_counter_new.
        let old = unsafe { counter(counter_)? }.fetch_sub(1, Ordering::SeqCst);
        Ok((old.wrapping_sub(1) != 0) as c_int)
    })
}

/// Returns the value of an atomic counter.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter_: *mut c_void) -> c_int {
    guard("zmq_atomic_counter_value", -1, || {
        // SAFETY: the caller passes a counter from zmq_atomic_counter_new.
        Ok(unsafe { counter(counter_)? }.load(Ordering::SeqCst))
    })
}

/// Destroys an atomic counter and sets `*counter_p_` to NULL.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p_: *mut *mut c_void) {
    guard_void("zmq_atomic_counter_destroy", || {
        if counter_p_.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: non-NULL; the caller passes the address of its pointer.
        let p = unsafe { *counter_p_ };
        if !p.is_null() {
            // SAFETY: created by zmq_atomic_counter_new with Box::into_raw.
            drop(unsafe { Box::from_raw(p as *mut AtomicI32) });
        }
        // SAFETY: as above.
        unsafe { *counter_p_ = std::ptr::null_mut() };
        Ok(())
    })
}

/// Starts a stopwatch. Free it with `zmq_stopwatch_stop`.
#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    guard("zmq_stopwatch_start", std::ptr::null_mut(), || {
        Ok(Box::into_raw(Box::new(Instant::now())) as *mut c_void)
    })
}

fn micros(since: &Instant) -> c_ulong {
    since.elapsed().as_micros().min(c_ulong::MAX as u128) as c_ulong
}

/// Returns the microseconds elapsed since the stopwatch started (0 with errno
/// EFAULT for NULL).
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch_: *mut c_void) -> c_ulong {
    guard("zmq_stopwatch_intermediate", 0, || {
        if watch_.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: created by zmq_stopwatch_start as a Box<Instant>.
        Ok(micros(unsafe { &*(watch_ as *const Instant) }))
    })
}

/// Returns the microseconds elapsed since the stopwatch started, and frees it.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch_: *mut c_void) -> c_ulong {
    guard("zmq_stopwatch_stop", 0, || {
        if watch_.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: created by zmq_stopwatch_start with Box::into_raw; the
        // caller does not use it again.
        let w = unsafe { Box::from_raw(watch_ as *mut Instant) };
        Ok(micros(&w))
    })
}

/// Sleeps for `seconds_` seconds.
#[no_mangle]
pub extern "C" fn zmq_sleep(seconds_: c_int) {
    guard_void("zmq_sleep", || {
        std::thread::sleep(Duration::from_secs(seconds_.max(0) as u64));
        Ok(())
    })
}

/// A C thread body and its argument, moved into the new thread.
struct ThreadStart(ThreadFnPtr, *mut c_void);
// SAFETY: the application hands the argument to the new thread, as with
// pthread_create.
unsafe impl Send for ThreadStart {}

/// Starts a thread running `func_(arg_)`. Returns a handle for
/// `zmq_threadclose`, or NULL with errno EINVAL (NULL function) or EAGAIN.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadstart(
    func_: *mut zmq_thread_fn,
    arg_: *mut c_void,
) -> *mut c_void {
    guard("zmq_threadstart", std::ptr::null_mut(), || {
        // SAFETY: the caller passes NULL or a zmq_thread_fn.
        let f = unsafe { thread_fn(func_) }.ok_or(Errno::EINVAL)?;
        let start = ThreadStart(f, arg_);
        let handle = std::thread::Builder::new()
            .name("zmq-user".into())
            .spawn(move || {
                let start = start;
                // SAFETY: the application's function and argument.
                unsafe { (start.0)(start.1) }
            })
            .map_err(|_| Errno::EAGAIN)?;
        Ok(Box::into_raw(Box::new(handle)) as *mut c_void)
    })
}

/// Waits for a thread started by `zmq_threadstart` to finish, and frees it.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadclose(thread_: *mut c_void) {
    guard_void("zmq_threadclose", || {
        if thread_.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: created by zmq_threadstart with Box::into_raw.
        let h = unsafe { Box::from_raw(thread_ as *mut std::thread::JoinHandle<()>) };
        let _ = h.join();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn text(p: *const c_char) -> String {
        // SAFETY: zmq_strerror returns a static NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    #[test]
    fn strerror_texts() {
        assert_eq!(
            text(zmq_strerror(156384763)),
            "Operation cannot be accomplished in current state"
        );
        assert_eq!(
            text(zmq_strerror(156384764)),
            "The protocol is not compatible with the socket type"
        );
        assert_eq!(text(zmq_strerror(156384765)), "Context was terminated");
        assert_eq!(text(zmq_strerror(156384766)), "No thread available");
        assert_eq!(
            text(zmq_strerror(libc::EAGAIN)),
            "Resource temporarily unavailable"
        );
        assert_eq!(zmq_strerror(libc::EINVAL), zmq_strerror(libc::EINVAL));
        assert!(!text(zmq_strerror(-5)).is_empty());
        crate::ffi::boundary::set_errno(Errno::EFSM);
        assert_eq!(zmq_errno(), Errno::EFSM.0);
    }

    #[test]
    fn version_and_has() {
        let (mut a, mut b, mut c) = (0, 0, 0);
        // SAFETY: valid int pointers and C strings.
        unsafe {
            zmq_version(&mut a, &mut b, &mut c);
            assert_eq!((a, b, c), (4, 3, 5));
            zmq_version(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            assert_eq!(zmq_has(c"ipc".as_ptr()), 1);
            assert_eq!(zmq_has(c"tcp".as_ptr()), 0);
            assert_eq!(zmq_has(c"curve".as_ptr()), 1);
            assert_eq!(zmq_has(c"gssapi".as_ptr()), 0);
            assert_eq!(zmq_has(std::ptr::null()), 0);
        }
    }

    #[test]
    fn curve_keypair_and_public() {
        let (mut public, mut secret, mut derived) =
            ([1 as c_char; 41], [1 as c_char; 41], [1 as c_char; 41]);
        // SAFETY: 41-byte buffers and NUL-terminated strings.
        unsafe {
            assert_eq!(
                zmq_curve_keypair(public.as_mut_ptr(), secret.as_mut_ptr()),
                0
            );
            assert_eq!((public[40], secret[40]), (0, 0));
            assert_eq!(zmq_curve_public(derived.as_mut_ptr(), secret.as_ptr()), 0);
            assert_eq!(derived, public);
            let text = CStr::from_ptr(public.as_ptr()).to_bytes();
            assert_eq!(text.len(), 40);
            assert!(crate::z85::decode(text).is_some());
            // zmq_curve(7)'s example keys.
            let s = c"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
            assert_eq!(zmq_curve_public(derived.as_mut_ptr(), s.as_ptr()), 0);
            let text = CStr::from_ptr(derived.as_ptr()).to_bytes();
            assert_eq!(text, b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID");
            for bad in [c"short", c"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c~~"] {
                assert_eq!(zmq_curve_public(derived.as_mut_ptr(), bad.as_ptr()), -1);
                assert_eq!(errno(), libc::EINVAL);
            }
            assert_eq!(zmq_curve_public(std::ptr::null_mut(), s.as_ptr()), -1);
            assert_eq!(zmq_curve_public(derived.as_mut_ptr(), std::ptr::null()), -1);
            assert_eq!(errno(), libc::EINVAL);
            let p = public.as_mut_ptr();
            assert_eq!(zmq_curve_keypair(p, std::ptr::null_mut()), -1);
            assert_eq!(zmq_curve_keypair(p, p), -1);
            assert_eq!(errno(), libc::EINVAL);
        }
    }

    #[test]
    fn atomic_counter_as_documented() {
        let mut c = zmq_atomic_counter_new();
        // SAFETY: c is a live counter until destroyed.
        unsafe {
            assert_eq!(zmq_atomic_counter_value(c), 0);
            assert_eq!(zmq_atomic_counter_inc(c), 0);
            assert_eq!(zmq_atomic_counter_inc(c), 1);
            assert_eq!(zmq_atomic_counter_inc(c), 2);
            assert_eq!(zmq_atomic_counter_value(c), 3);
            assert_eq!(zmq_atomic_counter_dec(c), 1);
            assert_eq!(zmq_atomic_counter_dec(c), 1);
            assert_eq!(zmq_atomic_counter_dec(c), 0);
            zmq_atomic_counter_set(c, 2);
            assert_eq!(zmq_atomic_counter_dec(c), 1);
            assert_eq!(zmq_atomic_counter_dec(c), 0);
            zmq_atomic_counter_destroy(&mut c);
            assert!(c.is_null());
            zmq_atomic_counter_destroy(&mut c);
        }
    }

    static RAN: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn body(arg: *mut c_void) {
        RAN.fetch_add(arg as usize, Ordering::SeqCst);
    }

    #[test]
    fn threads_and_stopwatch() {
        let w = zmq_stopwatch_start();
        let f = body as unsafe extern "C" fn(*mut c_void) as *mut zmq_thread_fn;
        // SAFETY: f has the zmq_thread_fn type; w is a live stopwatch.
        unsafe {
            let t = zmq_threadstart(f, 3 as *mut c_void);
            assert!(!t.is_null());
            zmq_threadclose(t);
            assert_eq!(RAN.load(Ordering::SeqCst), 3);
            assert!(zmq_threadstart(std::ptr::null_mut(), std::ptr::null_mut()).is_null());
            std::thread::sleep(Duration::from_millis(2));
            assert!(zmq_stopwatch_intermediate(w) >= 2000);
            assert!(zmq_stopwatch_stop(w) >= 2000);
        }
    }
}
