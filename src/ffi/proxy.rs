//! Proxies: `zmq_proxy`, `zmq_proxy_steerable`, `zmq_device`. Not
//! implemented yet: after checking their arguments as libzmq does they fail
//! with ENOTSUP. (The monitors are in `monitor.rs`.)

use super::boundary::guard;
use crate::error::{Errno, Result};
use std::ffi::{c_int, c_void};

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
