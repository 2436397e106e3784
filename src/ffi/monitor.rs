//! Socket monitors: `zmq_socket_monitor`, `zmq_socket_monitor_versioned`
//! and `zmq_socket_monitor_pipes_stats` (the work is in
//! `socket/monitor.rs`).

use super::boundary::{c_str, guard};
use super::handle::socket_mut;
use crate::constants::ZMQ_PAIR;
use std::ffi::{c_char, c_int, c_void};

/// Publishes the socket's events (`ZMQ_EVENT_*` bits of `events_`) on a
/// PAIR socket bound to `addr_` (inproc only): per event a 6-byte frame
/// (uint16 event, uint32 value, host byte order) and the endpoint. A NULL
/// `addr_` stops monitoring. Returns 0, or -1 with errno ETERM, EPROTONOSUPPORT
/// (not inproc), EINVAL or ENOTSOCK.
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s_: *mut c_void,
    addr_: *const c_char,
    events_: c_int,
) -> c_int {
    // SAFETY: same contract, version 1 with a PAIR socket.
    unsafe { zmq_socket_monitor_versioned(s_, addr_, events_ as u64, 1, ZMQ_PAIR) }
}

/// Version 2 (`event_version_` 2) of `zmq_socket_monitor`: per event the
/// u64 event, the u64 number of values, each u64 value, the local and the
/// remote endpoint; the monitor socket is a PAIR, PUB or PUSH (`type_`).
/// Version 1 is `zmq_socket_monitor`'s format. Returns 0, or -1 with errno
/// ETERM, EPROTONOSUPPORT, EINVAL or ENOTSOCK.
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s_: *mut c_void,
    addr_: *const c_char,
    events_: u64,
    event_version_: c_int,
    type_: c_int,
) -> c_int {
    guard("zmq_socket_monitor_versioned", -1, || {
        // SAFETY: checks the tag.
        let s = unsafe { socket_mut(s_)? };
        // SAFETY: NULL or a NUL-terminated string, as the caller promises.
        let addr = (!addr_.is_null())
            .then(|| unsafe { c_str(addr_) })
            .transpose()?;
        s.monitor(addr, events_, event_version_, type_).map(|()| 0)
    })
}

/// Raises a ZMQ_EVENT_PIPES_STATS event per pipe of the socket on its
/// monitor (values: messages queued outbound, inbound). Returns 0, or -1
/// with errno EINVAL (PIPES_STATS not monitored), EAGAIN (no pipes),
/// ETERM or ENOTSOCK.
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    guard("zmq_socket_monitor_pipes_stats", -1, || {
        // SAFETY: checks the tag.
        let s = unsafe { socket_mut(s)? };
        s.monitor_pipes_stats().map(|()| 0)
    })
}
