//! Proxies and monitors: `zmq_proxy`, `zmq_proxy_steerable`, `zmq_device`
//! (shims over [`crate::proxy`]) and `zmq_socket_monitor*` (not implemented
//! yet: after checking their arguments as libzmq does they fail with
//! ENOTSUP).

use super::boundary::guard;
use super::handle::socket_mut;
use crate::error::{Errno, Result};
use crate::proxy::{self, Roles};
use crate::socket::Socket;
use std::ffi::{c_char, c_int, c_void};

/// The sockets of a proxy call: `[frontend, backend, capture, control]`,
/// the last two optional. Returns each distinct socket once (the same
/// socket may play several parts) and the part each plays. EFAULT for a
/// NULL frontend or backend (libzmq's check), ENOTSOCK for an invalid one.
///
/// # Safety
/// Each pointer is NULL or readable for 4 bytes; live socket handles among
/// them are used by this thread only for `'a`.
unsafe fn proxy_sockets<'a>(ptrs: [*mut c_void; 4]) -> Result<(Vec<&'a mut Socket>, Roles)> {
    if ptrs[0].is_null() || ptrs[1].is_null() {
        return Err(Errno::EFAULT);
    }
    let mut distinct: Vec<*mut c_void> = Vec::with_capacity(4);
    let mut socks = Vec::with_capacity(4);
    let mut index = [None; 4];
    for (slot, &p) in index.iter_mut().zip(&ptrs) {
        if p.is_null() {
            continue;
        }
        if let Some(i) = distinct.iter().position(|&d| d == p) {
            *slot = Some(i);
            continue;
        }
        // SAFETY: caller's contract; each handle is borrowed once (p is new).
        socks.push(unsafe { socket_mut(p)? });
        distinct.push(p);
        *slot = Some(socks.len() - 1);
    }
    let roles = Roles {
        frontend: index[0].unwrap_or(0),
        backend: index[1].unwrap_or(0),
        capture: index[2],
        control: index[3],
    };
    Ok((socks, roles))
}

/// Runs the built-in proxy in the calling thread: every message received on
/// `frontend_` is sent on `backend_` and the other way round (whole
/// multipart messages; `frontend_` and `backend_` may be the same socket),
/// and, if `capture_` is not NULL, a copy of each frame is sent to it.
/// Returns only on failure: -1 with errno ETERM (the context was shut down
/// or terminated), EINTR, EFAULT (NULL frontend or backend), ENOTSOCK, or
/// the error of the failing send/receive.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy(
    frontend_: *mut c_void,
    backend_: *mut c_void,
    capture_: *mut c_void,
) -> c_int {
    // SAFETY: same contract as zmq_proxy_steerable, without control.
    unsafe { zmq_proxy_steerable(frontend_, backend_, capture_, std::ptr::null_mut()) }
}

/// As `zmq_proxy`, steered by commands received on `control_` (if not
/// NULL): "PAUSE" (stop forwarding), "RESUME", "TERMINATE" (return 0) and
/// "STATISTICS" (answered with eight uint64 frames: frames and bytes
/// received and sent by the frontend, then by the backend; each part of a
/// multipart message counts). A REP control socket gets an empty reply to
/// every other command (unknown ones change nothing); other control socket
/// types get no reply.
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend_: *mut c_void,
    backend_: *mut c_void,
    capture_: *mut c_void,
    control_: *mut c_void,
) -> c_int {
    guard("zmq_proxy_steerable", -1, || {
        let ptrs = [frontend_, backend_, capture_, control_];
        // SAFETY: the caller passes socket handles (or NULL) used by this
        // thread only while the proxy runs.
        let (mut socks, roles) = unsafe { proxy_sockets(ptrs)? };
        proxy::run(&mut socks, roles).map(|()| 0)
    })
}

/// Deprecated: `zmq_proxy (frontend_, backend_, NULL)`; `type_` (ZMQ_QUEUE,
/// ZMQ_FORWARDER, ZMQ_STREAMER) is ignored, as in libzmq.
#[no_mangle]
pub unsafe extern "C" fn zmq_device(
    type_: c_int,
    frontend_: *mut c_void,
    backend_: *mut c_void,
) -> c_int {
    let _ = type_;
    // SAFETY: same contract as zmq_proxy.
    unsafe { zmq_proxy(frontend_, backend_, std::ptr::null_mut()) }
}

/// Publishes the socket's events (ZMQ_EVENT_*) on a PAIR socket bound to
/// `addr_` (inproc). Not available yet: returns -1 with errno ENOTSUP
/// (ENOTSOCK for an invalid socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s_: *mut c_void,
    addr_: *const c_char,
    events_: c_int,
) -> c_int {
    let _ = (addr_, events_);
    guard("zmq_socket_monitor", -1, || {
        // SAFETY: checks the tag.
        unsafe { socket_mut(s_)? };
        Err(Errno::ENOTSUP)
    })
}

/// Version 2 of `zmq_socket_monitor` (64-bit events, several values, both
/// endpoints), with a PAIR, PUB or PUSH monitor socket. Not available yet:
/// returns -1 with errno ENOTSUP (ENOTSOCK for an invalid socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s_: *mut c_void,
    addr_: *const c_char,
    events_: u64,
    event_version_: c_int,
    type_: c_int,
) -> c_int {
    let _ = (addr_, events_, event_version_, type_);
    guard("zmq_socket_monitor_versioned", -1, || {
        // SAFETY: checks the tag.
        unsafe { socket_mut(s_)? };
        Err(Errno::ENOTSUP)
    })
}

/// Asks for a ZMQ_EVENT_PIPES_STATS event per pipe on the socket's monitor.
/// Not available yet: returns -1 with errno ENOTSUP (ENOTSOCK for an invalid
/// socket).
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    guard("zmq_socket_monitor_pipes_stats", -1, || {
        // SAFETY: checks the tag.
        unsafe { socket_mut(s)? };
        Err(Errno::ENOTSUP)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::{ZMQ_PAIR, ZMQ_QUEUE};
    use crate::ffi::boundary::errno;
    use crate::ffi::ctx::{zmq_ctx_new, zmq_ctx_term};
    use crate::ffi::socket::{zmq_close, zmq_socket};

    #[test]
    fn bad_sockets() {
        // SAFETY: a fresh context and socket; NULL and an aligned local
        // buffer are valid to check.
        unsafe {
            let ctx = zmq_ctx_new();
            let s = zmq_socket(ctx, ZMQ_PAIR);
            let null = std::ptr::null_mut();
            // libzmq 4.3.4's zmq_device skips this check (and hangs).
            assert_eq!(zmq_device(ZMQ_QUEUE, null, s), -1);
            assert_eq!(errno(), Errno::EFAULT.0);
            assert_eq!(zmq_proxy_steerable(s, null, null, s), -1);
            assert_eq!(errno(), Errno::EFAULT.0);
            let mut junk = [7u64; 8];
            let j = junk.as_mut_ptr() as *mut c_void;
            assert_eq!(zmq_proxy(s, j, null), -1);
            assert_eq!(errno(), Errno::ENOTSOCK.0);
            assert_eq!(zmq_proxy_steerable(s, s, null, j), -1);
            assert_eq!(errno(), Errno::ENOTSOCK.0);
            assert_eq!(zmq_close(s), 0);
            assert_eq!(zmq_ctx_term(ctx), 0);
        }
    }
}
