//! Draft API functions (declared in `zmq.h` only under
//! `ZMQ_BUILD_DRAFT_API`, exported always): extended context options, groups,
//! peers, and the poller. Those the core does not provide yet fail with
//! ENOTSUP after the argument checks libzmq makes.

use super::boundary::{guard, read_tag};
use super::handle::{ctx_ref, socket_mut};
use super::types::{zmq_fd_t, zmq_poller_event_t};
use crate::error::{Errno, Result};
use std::ffi::{c_char, c_int, c_long, c_short, c_void};

/// Sets a context option from a buffer. Integer options take an `int`
/// (`optvallen_ == sizeof (int)`). Returns 0, or -1 with errno EINVAL or
/// EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set_ext(
    context_: *mut c_void,
    option_: c_int,
    optval_: *const c_void,
    optvallen_: usize,
) -> c_int {
    guard("zmq_ctx_set_ext", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { ctx_ref(context_)? };
        if optval_.is_null() || optvallen_ != std::mem::size_of::<c_int>() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: non-NULL and sizeof (int) bytes long; read unaligned to be safe.
        let v = unsafe { std::ptr::read_unaligned(optval_ as *const c_int) };
        h.ctx.set(option_, v).map(|()| 0)
    })
}

/// Reads a context option into a buffer of `*optvallen_` bytes (an `int` for
/// integer options). Returns 0, or -1 with errno EINVAL or EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get_ext(
    context_: *mut c_void,
    option_: c_int,
    optval_: *mut c_void,
    optvallen_: *mut usize,
) -> c_int {
    guard("zmq_ctx_get_ext", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { ctx_ref(context_)? };
        if optval_.is_null() || optvallen_.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: non-NULL size_t from the caller.
        if unsafe { *optvallen_ } != std::mem::size_of::<c_int>() {
            return Err(Errno::EINVAL);
        }
        let v = h.ctx.get(option_)?;
        // SAFETY: the buffer holds sizeof (int) bytes.
        unsafe { std::ptr::write_unaligned(optval_ as *mut c_int, v) };
        Ok(0)
    })
}

/// The socket behind `s`, for functions the core does not offer yet.
///
/// # Safety
/// As `socket_mut`.
unsafe fn check_socket(s: *mut c_void) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { socket_mut(s).map(drop) }
}

/// Joins a group (DISH sockets). Not available yet: returns -1 with errno
/// ENOTSUP (ENOTSOCK for an invalid socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int {
    let _ = group;
    guard("zmq_join", -1, || {
        // SAFETY: checks the tag.
        unsafe { check_socket(s)? };
        Err(Errno::ENOTSUP)
    })
}

/// Leaves a group (DISH sockets). Not available yet: returns -1 with errno
/// ENOTSUP (ENOTSOCK for an invalid socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int {
    let _ = group;
    guard("zmq_leave", -1, || {
        // SAFETY: checks the tag.
        unsafe { check_socket(s)? };
        Err(Errno::ENOTSUP)
    })
}

/// Connects a PEER socket and returns the new peer's routing id. Not
/// available yet: returns 0 with errno ENOTSUP (ENOTSOCK for an invalid
/// socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_connect_peer(s_: *mut c_void, addr_: *const c_char) -> u32 {
    let _ = addr_;
    guard("zmq_connect_peer", 0, || {
        // SAFETY: checks the tag.
        unsafe { check_socket(s_)? };
        Err(Errno::ENOTSUP)
    })
}

/// Disconnects the peer with `routing_id_` from a PEER socket. Not available
/// yet: returns -1 with errno ENOTSUP (ENOTSOCK for an invalid socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect_peer(s_: *mut c_void, routing_id_: u32) -> c_int {
    let _ = routing_id_;
    guard("zmq_disconnect_peer", -1, || {
        // SAFETY: checks the tag.
        unsafe { check_socket(s_)? };
        Err(Errno::ENOTSUP)
    })
}

/// Returns the ZMQ_POLLIN/ZMQ_POLLOUT state of one ROUTER peer. Not available
/// yet: returns -1 with errno ENOTSUP (ENOTSOCK for an invalid socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_get_peer_state(
    socket: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: usize,
) -> c_int {
    let _ = (routing_id, routing_id_size);
    guard("zmq_socket_get_peer_state", -1, || {
        // SAFETY: checks the tag.
        unsafe { check_socket(socket)? };
        Err(Errno::ENOTSUP)
    })
}

/// No poller can exist yet, so every poller pointer is invalid: EFAULT, as
/// libzmq reports for an invalid poller.
///
/// # Safety
/// `p` is NULL or readable memory.
unsafe fn no_poller(p: *mut c_void) -> Result<c_int> {
    // SAFETY: forwarded contract; the tag is read only to keep the check
    // shaped like the real one.
    let _ = unsafe { read_tag(p) };
    Err(Errno::EFAULT)
}

/// Creates a poller. Not available yet: returns NULL with errno ENOTSUP.
#[no_mangle]
pub extern "C" fn zmq_poller_new() -> *mut c_void {
    guard("zmq_poller_new", std::ptr::null_mut(), || {
        Err(Errno::ENOTSUP)
    })
}

/// Destroys a poller and sets `*poller_p` to NULL. Returns -1 with errno
/// EFAULT (no poller can be created yet).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    guard("zmq_poller_destroy", -1, || {
        if poller_p.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: non-NULL; the caller passes the address of its pointer.
        unsafe { no_poller(*poller_p) }
    })
}

/// Returns the number of items in a poller (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_size(poller: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    guard("zmq_poller_size", -1, || unsafe { no_poller(poller) })
}

/// Adds a socket to a poller (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add(
    poller: *mut c_void,
    socket: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    let _ = (socket, user_data, events);
    // SAFETY: forwarded contract.
    guard("zmq_poller_add", -1, || unsafe { no_poller(poller) })
}

/// Changes the events a poller waits for on a socket (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify(
    poller: *mut c_void,
    socket: *mut c_void,
    events: c_short,
) -> c_int {
    let _ = (socket, events);
    // SAFETY: forwarded contract.
    guard("zmq_poller_modify", -1, || unsafe { no_poller(poller) })
}

/// Removes a socket from a poller (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove(poller: *mut c_void, socket: *mut c_void) -> c_int {
    let _ = socket;
    // SAFETY: forwarded contract.
    guard("zmq_poller_remove", -1, || unsafe { no_poller(poller) })
}

/// Waits for one event (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait(
    poller: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    let _ = (event, timeout);
    // SAFETY: forwarded contract.
    guard("zmq_poller_wait", -1, || unsafe { no_poller(poller) })
}

/// Waits for up to `n_events` events (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait_all(
    poller: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    let _ = (events, n_events, timeout);
    // SAFETY: forwarded contract.
    guard("zmq_poller_wait_all", -1, || unsafe { no_poller(poller) })
}

/// Stores a file descriptor signalled when the poller has events (-1 with
/// errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_fd(poller: *mut c_void, fd: *mut zmq_fd_t) -> c_int {
    let _ = fd;
    // SAFETY: forwarded contract.
    guard("zmq_poller_fd", -1, || unsafe { no_poller(poller) })
}

/// Adds a file descriptor to a poller (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    let _ = (fd, user_data, events);
    // SAFETY: forwarded contract.
    guard("zmq_poller_add_fd", -1, || unsafe { no_poller(poller) })
}

/// Changes the events a poller waits for on a file descriptor (-1 with errno
/// EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    events: c_short,
) -> c_int {
    let _ = (fd, events);
    // SAFETY: forwarded contract.
    guard("zmq_poller_modify_fd", -1, || unsafe { no_poller(poller) })
}

/// Removes a file descriptor from a poller (-1 with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove_fd(poller: *mut c_void, fd: zmq_fd_t) -> c_int {
    let _ = fd;
    // SAFETY: forwarded contract.
    guard("zmq_poller_remove_fd", -1, || unsafe { no_poller(poller) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::*;
    use crate::ffi::boundary::errno;
    use crate::ffi::ctx::{zmq_ctx_new, zmq_ctx_term};

    #[test]
    fn ctx_ext_and_stubs() {
        let c = zmq_ctx_new();
        let mut v: c_int = 3;
        let mut len = std::mem::size_of::<c_int>();
        // SAFETY: c is live; v and len are valid locals.
        unsafe {
            assert_eq!(
                zmq_ctx_set_ext(c, ZMQ_IO_THREADS, &v as *const c_int as *const c_void, len),
                0
            );
            v = 0;
            assert_eq!(
                zmq_ctx_get_ext(
                    c,
                    ZMQ_IO_THREADS,
                    &mut v as *mut c_int as *mut c_void,
                    &mut len
                ),
                0
            );
            assert_eq!(v, 3);
            assert_eq!(
                zmq_ctx_set_ext(c, ZMQ_IO_THREADS, &v as *const c_int as *const c_void, 2),
                -1
            );
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(
                zmq_ctx_set_ext(
                    std::ptr::null_mut(),
                    ZMQ_IO_THREADS,
                    &v as *const c_int as *const c_void,
                    4
                ),
                -1
            );
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_ctx_term(c), 0);
            assert!(zmq_poller_new().is_null());
            assert_eq!(errno(), libc::ENOTSUP);
            assert_eq!(zmq_poller_size(std::ptr::null_mut()), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_join(std::ptr::null_mut(), c"g".as_ptr()), -1);
            assert_eq!(errno(), Errno::ENOTSOCK.0);
            assert_eq!(
                zmq_connect_peer(std::ptr::null_mut(), c"tcp://x:1".as_ptr()),
                0
            );
        }
    }
}
