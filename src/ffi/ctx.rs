//! Contexts: `zmq_ctx_*`, `zmq_init`, `zmq_term`, `zmq_ctx_destroy`.

use super::boundary::guard;
use super::handle::{ctx_ref, new_ctx, term_ctx};
use crate::constants::ZMQ_IO_THREADS;
use crate::error::Errno;
use std::ffi::{c_int, c_void};

/// Creates a new 0MQ context. Returns NULL on failure, with errno set.
#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    guard("zmq_ctx_new", std::ptr::null_mut(), || new_ctx(|_| Ok(())))
}

/// Terminates a context: shuts it down (blocked calls on its sockets return
/// ETERM), then blocks until every socket of the context has been closed with
/// `zmq_close` and pending messages are sent or dropped (ZMQ_LINGER).
/// Returns 0, or -1 with errno EFAULT (invalid context) or EINTR (interrupted;
/// call it again).
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_term(context_: *mut c_void) -> c_int {
    guard("zmq_ctx_term", -1, || {
        // SAFETY: the caller passes a context handle (checked before use).
        unsafe { term_ctx(context_)? };
        Ok(0)
    })
}

/// Shuts a context down without freeing it: blocking calls on its sockets
/// return ETERM, later calls (except `zmq_close`) return ETERM. Returns 0, or
/// -1 with errno EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_shutdown(context_: *mut c_void) -> c_int {
    guard("zmq_ctx_shutdown", -1, || {
        // SAFETY: as in zmq_ctx_term.
        let h = unsafe { ctx_ref(context_)? };
        h.ctx.shutdown().map(|()| 0)
    })
}

/// Sets a context option (ZMQ_IO_THREADS, ZMQ_MAX_SOCKETS, ...). Returns 0, or
/// -1 with errno EINVAL (unknown option or bad value) or EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set(
    context_: *mut c_void,
    option_: c_int,
    optval_: c_int,
) -> c_int {
    guard("zmq_ctx_set", -1, || {
        // SAFETY: as in zmq_ctx_term.
        let h = unsafe { ctx_ref(context_)? };
        h.ctx.set(option_, optval_).map(|()| 0)
    })
}

/// Returns a context option's value, or -1 with errno EINVAL (unknown option)
/// or EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get(context_: *mut c_void, option_: c_int) -> c_int {
    guard("zmq_ctx_get", -1, || {
        // SAFETY: as in zmq_ctx_term.
        let h = unsafe { ctx_ref(context_)? };
        h.ctx.get(option_)
    })
}

/// Deprecated: creates a context with `io_threads_` I/O threads. Returns NULL
/// with errno EINVAL if `io_threads_` is negative.
#[no_mangle]
pub extern "C" fn zmq_init(io_threads_: c_int) -> *mut c_void {
    guard("zmq_init", std::ptr::null_mut(), || {
        if io_threads_ < 0 {
            return Err(Errno::EINVAL);
        }
        new_ctx(|ctx| ctx.set(ZMQ_IO_THREADS, io_threads_))
    })
}

/// Deprecated: same as `zmq_ctx_term`.
#[no_mangle]
pub unsafe extern "C" fn zmq_term(context_: *mut c_void) -> c_int {
    // SAFETY: same contract as zmq_ctx_term.
    unsafe { zmq_ctx_term(context_) }
}

/// Deprecated: same as `zmq_ctx_term`.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_destroy(context_: *mut c_void) -> c_int {
    // SAFETY: same contract as zmq_ctx_term.
    unsafe { zmq_ctx_term(context_) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::*;
    use crate::ffi::boundary::errno;

    #[test]
    fn null_and_garbage_contexts() {
        // SAFETY: NULL and an aligned local are valid arguments to check.
        unsafe {
            assert_eq!(zmq_ctx_term(std::ptr::null_mut()), -1);
            assert_eq!(errno(), libc::EFAULT);
            let mut junk = [0u64; 8];
            assert_eq!(
                zmq_ctx_get(junk.as_mut_ptr() as *mut c_void, ZMQ_IO_THREADS),
                -1
            );
            assert_eq!(errno(), libc::EFAULT);
        }
    }

    #[test]
    fn options_and_term_without_sockets() {
        let c = zmq_ctx_new();
        assert!(!c.is_null());
        // SAFETY: c is a live context.
        unsafe {
            assert_eq!(zmq_ctx_get(c, ZMQ_IO_THREADS), 1);
            assert_eq!(zmq_ctx_set(c, ZMQ_IO_THREADS, 2), 0);
            assert_eq!(zmq_ctx_get(c, ZMQ_IO_THREADS), 2);
            assert_eq!(zmq_ctx_set(c, 9999, 2), -1);
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(zmq_ctx_get(c, ZMQ_MSG_T_SIZE), 64);
            assert_eq!(zmq_ctx_shutdown(c), 0);
            assert_eq!(zmq_ctx_term(c), 0);
            // Freed: rejected without reading it.
            assert_eq!(zmq_ctx_term(c), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_ctx_get(c, ZMQ_IO_THREADS), -1);
            assert_eq!(errno(), libc::EFAULT);
        }
        assert!(zmq_init(-1).is_null());
        assert_eq!(errno(), libc::EINVAL);
        let c = zmq_init(0);
        // SAFETY: c is a live context.
        unsafe {
            assert_eq!(zmq_ctx_get(c, ZMQ_IO_THREADS), 0);
            assert_eq!(zmq_term(c), 0);
        }
    }
}
