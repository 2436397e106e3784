//! The handles C holds: what `void *context` and `void *socket` point to,
//! how they are checked before use, and their life cycle (a closed socket's
//! shell is kept until its context is terminated; see the module docs of
//! `ffi`). Both `ffi::ctx` and `ffi::socket` build on this module, which
//! imports neither.

use super::boundary::read_tag;
use crate::ctx::Context;
use crate::error::{Errno, Result};
use crate::socket::Socket;
use parking_lot::Mutex;
use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU32, Ordering};

/// Tag of a live context handle (libzmq uses the same value).
const CTX_TAG_LIVE: u32 = 0xabad_cafe;
/// Tag of a live socket handle (libzmq uses the same value).
const SOCKET_TAG_LIVE: u32 = 0xbadd_ecaf;
/// Tag written into a terminated context or a closed socket's shell.
const TAG_DEAD: u32 = 0xdead_beef;

/// A closed socket's shell, kept until its context is terminated.
struct Shell(*mut SocketHandle);
// SAFETY: a shell is an inert allocation (dead tag, no socket) that only the
// terminating thread frees.
unsafe impl Send for Shell {}

/// What `void *context` points to.
#[repr(C)]
pub struct CtxHandle {
    /// [`CTX_TAG_LIVE`] while usable; must stay the first field.
    tag: AtomicU32,
    pub(crate) ctx: Context,
    /// Shells of sockets closed by the application: freed by `zmq_ctx_term`.
    closed: Mutex<Vec<Shell>>,
}

/// What `void *socket` points to.
#[repr(C)]
pub struct SocketHandle {
    /// [`SOCKET_TAG_LIVE`] until `zmq_close`; must stay the first field.
    tag: AtomicU32,
    /// The context the socket belongs to (alive while the socket is open).
    ctx: *const CtxHandle,
    /// The socket; None after `zmq_close`. Only the thread currently using the
    /// socket touches it (the C API's rule: one thread at a time).
    socket: UnsafeCell<Option<Box<Socket>>>,
}

/// Addresses of the context handles that `zmq_ctx_new`/`zmq_init` returned
/// and `zmq_ctx_term` has not freed yet. A context pointer is looked up here
/// before it is read, so a terminated (freed) context or a stray pointer gives
/// EFAULT without touching its memory. Contexts are few and this is not on
/// the message path, so a locked list is enough.
static LIVE: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Creates a context with its options set by `init`, and hands it to C,
/// recording it as live.
pub(crate) fn new_ctx(init: impl FnOnce(&Context) -> Result<()>) -> Result<*mut c_void> {
    let h = Box::new(CtxHandle {
        tag: AtomicU32::new(CTX_TAG_LIVE),
        ctx: Context::new(),
        closed: Mutex::new(Vec::new()),
    });
    init(&h.ctx)?;
    let p = Box::into_raw(h) as *mut c_void;
    LIVE.lock().push(p as usize);
    Ok(p)
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
    // SAFETY: a live context handle, allocated by `new_ctx`.
    match unsafe { read_tag(p) } {
        // SAFETY: the live tag is only written by new_ctx into a CtxHandle.
        Some(CTX_TAG_LIVE) => Ok(unsafe { &*(p as *const CtxHandle) }),
        _ => Err(Errno::EFAULT),
    }
}

/// Terminates the context behind `p` (waiting for its sockets to close) and
/// frees it with the shells of its closed sockets.
///
/// # Safety
/// As [`ctx_ref`]; after success `p` is freed and must not be used.
pub(crate) unsafe fn term_ctx(p: *mut c_void) -> Result<()> {
    // SAFETY: forwarded contract (checked by the list and the tag).
    let h = unsafe { ctx_ref(p)? };
    h.ctx.term()?;
    h.tag.store(TAG_DEAD, Ordering::Release);
    LIVE.lock().retain(|&a| a != p as usize);
    let shells = std::mem::take(&mut *h.closed.lock());
    for s in shells {
        // SAFETY: each shell was leaked by close_socket with Box::into_raw
        // and no socket of this context is open any more (term waited).
        drop(unsafe { Box::from_raw(s.0) });
    }
    // SAFETY: created by new_ctx with Box::into_raw; every socket is closed,
    // so nothing else refers to it.
    drop(unsafe { Box::from_raw(p as *mut CtxHandle) });
    Ok(())
}

/// Creates a socket of `socket_type` in the context `h` and hands it to C.
pub(crate) fn new_socket(h: &CtxHandle, socket_type: c_int) -> Result<*mut c_void> {
    let socket = Socket::open(h.ctx.inner(), socket_type)?;
    let handle = SocketHandle {
        tag: AtomicU32::new(SOCKET_TAG_LIVE),
        ctx: h as *const CtxHandle,
        socket: UnsafeCell::new(Some(socket)),
    };
    Ok(Box::into_raw(Box::new(handle)) as *mut c_void)
}

/// The open socket behind `p`: ENOTSOCK for NULL, garbage or closed sockets.
///
/// # Safety
/// `p` is NULL or points to memory readable for 4 bytes; if it carries the
/// live tag it is a `SocketHandle` used by this thread only for `'a`.
pub(crate) unsafe fn socket_mut<'a>(p: *mut c_void) -> Result<&'a mut Socket> {
    // SAFETY: forwarded contract.
    if unsafe { read_tag(p) } != Some(SOCKET_TAG_LIVE) {
        return Err(Errno::ENOTSOCK);
    }
    // SAFETY: the live tag is only written by new_socket into a SocketHandle;
    // the caller's thread is the only one using the socket.
    let h = unsafe { &*(p as *const SocketHandle) };
    // SAFETY: as above, no other reference to the cell's contents exists.
    unsafe { (*h.socket.get()).as_deref_mut() }.ok_or(Errno::ENOTSOCK)
}

/// Closes the socket behind `p`, keeping its shell (dead tag) in its
/// context until termination.
///
/// # Safety
/// As [`socket_mut`].
pub(crate) unsafe fn close_socket(p: *mut c_void) -> Result<()> {
    // SAFETY: checks the tag; forwarded contract.
    unsafe { socket_mut(p)? };
    // SAFETY: the tag was live, so p is a SocketHandle.
    let h = unsafe { &*(p as *const SocketHandle) };
    h.tag.store(TAG_DEAD, Ordering::Release);
    // SAFETY: only this thread uses the socket (C API rule).
    let socket = unsafe { (*h.socket.get()).take() };
    // SAFETY: the context outlives its open sockets, and this one is still
    // open (it is dropped below, after the shell is recorded).
    let ctx = unsafe { &*h.ctx };
    ctx.closed.lock().push(Shell(p as *mut SocketHandle));
    // Closing releases the context: after this line neither the shell nor
    // the context may be touched (zmq_ctx_term may free them).
    drop(socket);
    Ok(())
}
