//! Contexts: `zmq_ctx_*`, `zmq_init`, `zmq_term`, `zmq_ctx_destroy`.

use super::boundary::{guard, read_tag};
use super::socket::SocketHandle;
use crate::ctx::Context;
use crate::error::{Errno, Result};
use parking_lot::Mutex;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU32, Ordering};

/// Tag of a live context handle (libzmq uses the same value).
const CTX_TAG_LIVE: u32 = 0xabad_cafe;
/// Tag written when the context is terminated.
const CTX_TAG_DEAD: u32 = 0xdead_beef;

/// A closed socket's shell, kept until its context is terminated.
pub(crate) struct Shell(pub(crate) *mut SocketHandle);
// SAFETY: a shell is an inert allocation (dead tag, no socket) that only the
// terminating thread frees.
unsafe impl Send for Shell {}

/// What `void *context` points to.
#[repr(C)]
pub struct CtxHandle {
    /// [`CTX_TAG_LIVE`] while usable; must stay the first field.
    tag: AtomicU32,
    pub(crate) ctx: Context,
    /// Shells of sockets closed by the application (see the module docs of
    /// `ffi`): freed by `zmq_ctx_term`.
    pub(crate) closed: Mutex<Vec<Shell>>,
}

impl CtxHandle {
    fn new() -> CtxHandle {
        CtxHandle {
            tag: AtomicU32::new(CTX_TAG_LIVE),
            ctx: Context::new(),
            closed: Mutex::new(Vec::new()),
        }
    }
}

/// Addresses of the context handles that `zmq_ctx_new`/`zmq_init` returned
/// and `zmq_ctx_term` has not freed yet. A context pointer is looked up here
/// before it is read, so a terminated (freed) context or a stray pointer gives
/// EFAULT without touching its memory. Contexts are few and this is not on
/// the message path, so a locked list is enough.
static LIVE: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Hands a new context to C, recording it as live.
fn publish(h: Box<CtxHandle>) -> *mut c_void {
    let p = Box::into_raw(h) as *mut c_void;
    LIVE.lock().push(p as usize);
    p
}

/// The live context behind `p`: EFAULT for NULL, garbage or terminated ones.
///
/// # Safety
/// If `p` is a context handle that has not been terminated, it stays alive
/// for `'a` (no concurrent `zmq_ctx_term`). Any other value is rejected
/// without being dereferenced.
pub(crate) unsafe fn ctx_ref<'a>(p: *mut c_void) -> Result<&'a CtxHandle> {
    if p.is_null() || !LIVE.lock().contains(&(p as usize)) {
        return Err(Errno::EFAULT);
    }
    // SAFETY: a live context handle, allocated by `publish`.
    match unsafe { read_tag(p) } {
        // SAFETY: the live tag is only written by zmq_ctx_new into a CtxHandle.
        Some(CTX_TAG_LIVE) => Ok(unsafe { &*(p as *const CtxHandle) }),
        _ => Err(Errno::EFAULT),
    }
}

/// Creates a new 0MQ context. Returns NULL on failure, with errno set.
#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    guard("zmq_ctx_new", std::ptr::null_mut(), || {
        Ok(publish(Box::new(CtxHandle::new())))
    })
}

/// Terminates a context: shuts it down (blocked calls on its sockets return
/// ETERM), then blocks until every socket of the context has been closed with
/// `zmq_close` and pending messages are sent or dropped (ZMQ_LINGER).
/// Returns 0, or -1 with errno EFAULT (invalid context) or EINTR (interrupted;
/// call it again).
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_term(context_: *mut c_void) -> c_int {
    guard("zmq_ctx_term", -1, || {
        // SAFETY: the caller passes a context handle (checked by its tag).
        let h = unsafe { ctx_ref(context_)? };
        h.ctx.term()?;
        h.tag.store(CTX_TAG_DEAD, Ordering::Release);
        LIVE.lock().retain(|&a| a != context_ as usize);
        let shells = std::mem::take(&mut *h.closed.lock());
        for s in shells {
            // SAFETY: each shell was leaked by zmq_close with Box::into_raw and
            // no socket of this context is open any more (term waited).
            drop(unsafe { Box::from_raw(s.0) });
        }
        // SAFETY: created by zmq_ctx_new with Box::into_raw; every socket is
        // closed, so nothing else refers to it.
        drop(unsafe { Box::from_raw(context_ as *mut CtxHandle) });
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
        let h = Box::new(CtxHandle::new());
        h.ctx.set(crate::ctx::opt::IO_THREADS, io_threads_)?;
        Ok(publish(h))
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

/// Adds a shell to the list freed at termination.
pub(crate) fn keep_shell(h: &CtxHandle, shell: *mut SocketHandle) {
    h.closed.lock().push(Shell(shell));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::errno;

    #[test]
    fn null_and_garbage_contexts() {
        // SAFETY: NULL and an aligned local are valid arguments to check.
        unsafe {
            assert_eq!(zmq_ctx_term(std::ptr::null_mut()), -1);
            assert_eq!(errno(), libc::EFAULT);
            let mut junk = [0u64; 8];
            assert_eq!(zmq_ctx_get(junk.as_mut_ptr() as *mut c_void, 1), -1);
            assert_eq!(errno(), libc::EFAULT);
        }
    }

    #[test]
    fn options_and_term_without_sockets() {
        let c = zmq_ctx_new();
        assert!(!c.is_null());
        // SAFETY: c is a live context.
        unsafe {
            assert_eq!(zmq_ctx_get(c, 1), 1);
            assert_eq!(zmq_ctx_set(c, 1, 2), 0);
            assert_eq!(zmq_ctx_get(c, 1), 2);
            assert_eq!(zmq_ctx_set(c, 9999, 2), -1);
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(zmq_ctx_get(c, 6), 64);
            assert_eq!(zmq_ctx_shutdown(c), 0);
            assert_eq!(zmq_ctx_term(c), 0);
            // Freed: rejected without reading it.
            assert_eq!(zmq_ctx_term(c), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_ctx_get(c, 1), -1);
            assert_eq!(errno(), libc::EFAULT);
        }
        assert!(zmq_init(-1).is_null());
        assert_eq!(errno(), libc::EINVAL);
        let c = zmq_init(0);
        // SAFETY: c is a live context.
        unsafe {
            assert_eq!(zmq_ctx_get(c, 1), 0);
            assert_eq!(zmq_term(c), 0);
        }
    }
}
