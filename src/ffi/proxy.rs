//! Proxies and monitors: `zmq_proxy`, `zmq_proxy_steerable`, `zmq_device`,
//! `zmq_socket_monitor*`. Not implemented yet: after checking their
//! arguments as libzmq does they fail with ENOTSUP.

use super::boundary::guard;
use super::handle::socket_mut;
use crate::error::{Errno, Result};
use std::ffi::{c_char, c_int, c_void};

/// libzmq's argument check for proxies: EFAULT for a NULL frontend or backend.
fn proxy_args(frontend: *mut c_void, backend: *mut c_void) -> Result<()> {
    if frontend.is_null() || backend.is_null() {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

/// Runs a proxy between `frontend_` and `backend_` in the calling thread,
/// copying every message to `capture_` if it is not NULL. Not available yet:
/// returns -1 with errno ENOTSUP (EFAULT for NULL sockets).
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy(
    frontend_: *mut c_void,
    backend_: *mut c_void,
    capture_: *mut c_void,
) -> c_int {
    let _ = capture_;
    guard("zmq_proxy", -1, || {
        proxy_args(frontend_, backend_)?;
        Err(Errno::ENOTSUP)
    })
}

/// As `zmq_proxy`, controlled by PAUSE/RESUME/TERMINATE/STATISTICS commands
/// received on `control_`. Not available yet: returns -1 with errno ENOTSUP
/// (EFAULT for NULL sockets).
#[no_mangle]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend_: *mut c_void,
    backend_: *mut c_void,
    capture_: *mut c_void,
    control_: *mut c_void,
) -> c_int {
    let _ = (capture_, control_);
    guard("zmq_proxy_steerable", -1, || {
        proxy_args(frontend_, backend_)?;
        Err(Errno::ENOTSUP)
    })
}

/// Deprecated: `zmq_proxy (frontend_, backend_, NULL)`; `type_` is ignored.
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
