//! `zmq_poll` and `zmq_ppoll` (BEHAVIOUR F3–F5).
//!
//! Socket items are waited on through their ZMQ_FD (for POLLIN only: the fd
//! signals "commands arrived", whatever was asked), and their readiness is
//! then read from ZMQ_EVENTS on every pass. Raw file descriptors go to
//! poll(2) as they are. The first pass polls with timeout 0.

use super::boundary::guard;
use super::socket::socket_mut;
use super::types::zmq_pollitem_t;
use crate::error::{Errno, Result};
use crate::options::OptVal;
use std::ffi::{c_int, c_long, c_short};
use std::time::{Duration, Instant};

const ZMQ_POLLIN: c_short = 1;
const ZMQ_POLLOUT: c_short = 2;
const ZMQ_POLLERR: c_short = 4;
const ZMQ_POLLPRI: c_short = 8;
/// Items handled without a heap allocation (ZMQ_POLLITEMS_DFLT).
const STACK_ITEMS: usize = 16;

/// An integer socket option read for polling (ZMQ_FD or ZMQ_EVENTS).
fn int_opt(item: &zmq_pollitem_t, option: c_int) -> Result<c_int> {
    // SAFETY: the application put a socket handle in the item; the tag is
    // checked, and the polling thread is the one using the socket.
    let s = unsafe { socket_mut(item.socket)? };
    match s.getsockopt(option)? {
        OptVal::Int(v) => Ok(v),
        _ => Err(Errno::EINVAL),
    }
}

/// The wait of one poll(2)/ppoll(2) call, in ms (-1: for ever).
fn wait_ms(first_pass: bool, timeout: c_long, deadline: Option<Instant>) -> c_int {
    if first_pass {
        return 0;
    }
    if timeout < 0 {
        return -1;
    }
    let left = deadline.map_or(Duration::ZERO, |d| {
        d.saturating_duration_since(Instant::now())
    });
    // Round up so we do not spin just before the deadline.
    left.as_micros().div_ceil(1000).min(c_int::MAX as u128) as c_int
}

/// One poll(2), or ppoll(2) when a signal mask is given. EINTR is an error.
fn sys_poll(
    fds: &mut [libc::pollfd],
    ms: c_int,
    sigmask: Option<*const libc::sigset_t>,
) -> Result<()> {
    let rc = match sigmask {
        None => {
            // SAFETY: fds is a valid array of fds.len() pollfds.
            unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) }
        }
        Some(mask) => {
            let ts = libc::timespec {
                tv_sec: (ms / 1000) as libc::time_t,
                tv_nsec: ((ms % 1000) * 1_000_000) as _,
            };
            let tsp = if ms < 0 {
                std::ptr::null()
            } else {
                &ts as *const libc::timespec
            };
            // SAFETY: as above; tsp is NULL or a valid timespec; mask is NULL
            // or the caller's sigset.
            unsafe { libc::ppoll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, tsp, mask) }
        }
    };
    if rc < 0 {
        return Err(Errno::last_os());
    }
    Ok(())
}

/// Polls `items` (see the module docs). Returns the number of items with
/// events.
pub fn poll_items(
    items: &mut [zmq_pollitem_t],
    timeout: c_long,
    sigmask: Option<*const libc::sigset_t>,
) -> Result<c_int> {
    if items.is_empty() {
        return sleep_only(timeout, sigmask);
    }
    let blank = libc::pollfd {
        fd: -1,
        events: 0,
        revents: 0,
    };
    let mut stack = [blank; STACK_ITEMS];
    let mut heap = Vec::new();
    let fds: &mut [libc::pollfd] = if items.len() <= STACK_ITEMS {
        &mut stack[..items.len()]
    } else {
        heap.resize(items.len(), blank);
        &mut heap
    };
    for (item, pfd) in items.iter().zip(fds.iter_mut()) {
        if !item.socket.is_null() {
            pfd.fd = int_opt(item, 14)?; // ZMQ_FD
            pfd.events = if item.events != 0 { libc::POLLIN } else { 0 };
        } else {
            pfd.fd = item.fd;
            let mut ev = 0;
            if item.events & ZMQ_POLLIN != 0 {
                ev |= libc::POLLIN;
            }
            if item.events & ZMQ_POLLOUT != 0 {
                ev |= libc::POLLOUT;
            }
            if item.events & ZMQ_POLLPRI != 0 {
                ev |= libc::POLLPRI;
            }
            pfd.events = ev;
        }
    }
    let deadline = (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout as u64));
    let mut first_pass = true;
    loop {
        sys_poll(fds, wait_ms(first_pass, timeout, deadline), sigmask)?;
        let mut nevents = 0;
        for (item, pfd) in items.iter_mut().zip(fds.iter()) {
            item.revents = 0;
            if !item.socket.is_null() {
                let ev = int_opt(item, 15)? as c_short; // ZMQ_EVENTS
                item.revents = item.events & ev & (ZMQ_POLLIN | ZMQ_POLLOUT);
            } else {
                if pfd.revents & libc::POLLIN != 0 {
                    item.revents |= ZMQ_POLLIN;
                }
                if pfd.revents & libc::POLLOUT != 0 {
                    item.revents |= ZMQ_POLLOUT;
                }
                if pfd.revents & libc::POLLPRI != 0 {
                    item.revents |= ZMQ_POLLPRI;
                }
                if pfd.revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
                    item.revents |= ZMQ_POLLERR;
                }
            }
            if item.revents != 0 {
                nevents += 1;
            }
        }
        if timeout == 0 || nevents > 0 {
            return Ok(nevents);
        }
        if !first_pass && deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(0);
        }
        first_pass = false;
    }
}

/// `zmq_poll` with no items: sleep for `timeout` ms. With timeout -1 this
/// blocks until a signal arrives (then fails with EINTR) — libzmq would
/// instead sleep about 71 minutes (BEHAVIOUR B6).
fn sleep_only(timeout: c_long, sigmask: Option<*const libc::sigset_t>) -> Result<c_int> {
    if timeout == 0 {
        return Ok(0);
    }
    if timeout < 0 {
        loop {
            sys_poll(&mut [], -1, sigmask)?;
        }
    }
    let deadline = Instant::now() + Duration::from_millis(timeout as u64);
    loop {
        match sys_poll(&mut [], wait_ms(false, timeout, Some(deadline)), sigmask) {
            // libzmq's usleep ignores signals here; ppoll reports them.
            Err(Errno::EINTR) if sigmask.is_none() => {}
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if Instant::now() >= deadline {
            return Ok(0);
        }
    }
}

/// The items array of a zmq_poll call: EINVAL for a negative count, EFAULT for
/// NULL items with a positive count.
///
/// # Safety
/// `items_` is NULL or points to `nitems_` poll items owned by the caller.
unsafe fn items<'a>(
    items_: *mut zmq_pollitem_t,
    nitems_: c_int,
) -> Result<&'a mut [zmq_pollitem_t]> {
    if nitems_ < 0 {
        return Err(Errno::EINVAL);
    }
    if nitems_ == 0 {
        return Ok(&mut []);
    }
    if items_.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: non-NULL, nitems_ items by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(items_, nitems_ as usize) })
}

/// Waits until one of `nitems_` items is ready or `timeout_` ms pass (-1: no
/// limit, 0: just check). Each item is a socket, or a file descriptor when its
/// `socket` is NULL; `events` asks for ZMQ_POLLIN, ZMQ_POLLOUT (and ZMQ_POLLPRI
/// for fds); `revents` receives what happened (ZMQ_POLLERR for fd errors).
/// Returns the number of items with events (0 on timeout), or -1 with errno
/// ETERM (a socket's context was terminated), EFAULT (NULL items), EINVAL,
/// ENOTSOCK or EINTR.
#[no_mangle]
pub unsafe extern "C" fn zmq_poll(
    items_: *mut zmq_pollitem_t,
    nitems_: c_int,
    timeout_: c_long,
) -> c_int {
    guard("zmq_poll", -1, || {
        // SAFETY: the caller passes nitems_ items.
        let items = unsafe { items(items_, nitems_)? };
        poll_items(items, timeout_, None)
    })
}

/// As `zmq_poll`, with `sigmask_` (if not NULL) installed as the signal mask
/// while waiting, atomically (see ppoll(2)).
#[no_mangle]
pub unsafe extern "C" fn zmq_ppoll(
    items_: *mut zmq_pollitem_t,
    nitems_: c_int,
    timeout_: c_long,
    sigmask_: *const libc::sigset_t,
) -> c_int {
    guard("zmq_ppoll", -1, || {
        // SAFETY: the caller passes nitems_ items.
        let items = unsafe { items(items_, nitems_)? };
        poll_items(items, timeout_, Some(sigmask_))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::errno;

    fn fd_item(fd: c_int, events: c_short) -> zmq_pollitem_t {
        zmq_pollitem_t {
            socket: std::ptr::null_mut(),
            fd,
            events,
            revents: 0,
        }
    }

    #[test]
    fn arguments() {
        // SAFETY: NULL items with the counts under test.
        unsafe {
            assert_eq!(zmq_poll(std::ptr::null_mut(), -1, 0), -1);
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(zmq_poll(std::ptr::null_mut(), 1, 0), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_poll(std::ptr::null_mut(), 0, 0), 0);
            let t = Instant::now();
            assert_eq!(zmq_poll(std::ptr::null_mut(), 0, 30), 0);
            assert!(t.elapsed() >= Duration::from_millis(30));
            let mut junk = [3u64; 4];
            let mut it = [zmq_pollitem_t {
                socket: junk.as_mut_ptr() as *mut _,
                fd: 0,
                events: 1,
                revents: 0,
            }];
            assert_eq!(zmq_poll(it.as_mut_ptr(), 1, 0), -1);
            assert_eq!(errno(), Errno::ENOTSOCK.0);
        }
    }

    #[test]
    fn raw_fds() {
        let mut p = [0 as c_int; 2];
        // SAFETY: p has room for two fds.
        assert_eq!(unsafe { libc::pipe(p.as_mut_ptr()) }, 0);
        let mut items = [fd_item(p[0], ZMQ_POLLIN), fd_item(p[1], ZMQ_POLLOUT)];
        // SAFETY: items is a valid array; p are our fds.
        unsafe {
            assert_eq!(zmq_poll(items.as_mut_ptr(), 2, 0), 1);
            assert_eq!(items[0].revents, 0);
            assert_eq!(items[1].revents, ZMQ_POLLOUT);
            let t = Instant::now();
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, 40), 0);
            assert!(t.elapsed() >= Duration::from_millis(40));
            assert_eq!(libc::write(p[1], b"x".as_ptr() as *const _, 1), 1);
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, -1), 1);
            assert_eq!(items[0].revents, ZMQ_POLLIN);
            libc::close(p[1]);
            // Read end after the writer closed: POLLHUP becomes ZMQ_POLLERR.
            let mut byte = 0u8;
            libc::read(p[0], &mut byte as *mut u8 as *mut _, 1);
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, 0), 1);
            assert_eq!(items[0].revents & ZMQ_POLLERR, ZMQ_POLLERR);
            // Many items (heap path) and ppoll.
            let mut many = vec![fd_item(p[0], ZMQ_POLLIN); 40];
            assert_eq!(zmq_ppoll(many.as_mut_ptr(), 40, 0, std::ptr::null()), 40);
            libc::close(p[0]);
        }
    }
}
