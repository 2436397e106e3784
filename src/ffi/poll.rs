//! `zmq_poll` and `zmq_ppoll`: the C item array handed to the loop of
//! [`crate::poll`].

use super::boundary::guard;
use super::handle::socket_mut;
use super::types::zmq_pollitem_t;
use crate::error::{Errno, Result};
use crate::poll::{self, SigMask, Target};
use std::ffi::{c_int, c_long, c_short};

/// The caller's `zmq_pollitem_t` array. Made only by [`c_items`], whose
/// caller promises that every non-NULL `socket` is readable memory.
struct CItems<'a>(&'a mut [zmq_pollitem_t]);

impl poll::Items for CItems<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn target(&mut self, i: usize) -> Result<Target<'_>> {
        let item = &self.0[i];
        if item.socket.is_null() {
            return Ok(Target::Fd(item.fd));
        }
        // SAFETY: readable by c_items' contract; socket_mut checks the tag,
        // and the polling thread is the one using the socket.
        unsafe { socket_mut(item.socket) }.map(Target::Socket)
    }

    fn events(&self, i: usize) -> c_short {
        self.0[i].events
    }

    fn set_revents(&mut self, i: usize, revents: c_short) {
        self.0[i].revents = revents;
    }
}

/// The items array of a zmq_poll call: EINVAL for a negative count, EFAULT for
/// NULL items with a positive count.
///
/// # Safety
/// `items_` is NULL or points to `nitems_` poll items owned by the caller,
/// whose `socket` fields are NULL or readable memory.
unsafe fn c_items<'a>(items_: *mut zmq_pollitem_t, nitems_: c_int) -> Result<CItems<'a>> {
    if nitems_ < 0 {
        return Err(Errno::EINVAL);
    }
    if nitems_ == 0 {
        return Ok(CItems(&mut []));
    }
    if items_.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: non-NULL, nitems_ items by the caller's contract.
    Ok(CItems(unsafe {
        std::slice::from_raw_parts_mut(items_, nitems_ as usize)
    }))
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
        let mut items = unsafe { c_items(items_, nitems_)? };
        poll::poll(&mut items, timeout_, SigMask::Keep).map(|n| n as c_int)
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
        let mut items = unsafe { c_items(items_, nitems_)? };
        // SAFETY: the caller passes NULL or a valid sigset.
        let mask = SigMask::Set(unsafe { sigmask_.as_ref() });
        poll::poll(&mut items, timeout_, mask).map(|n| n as c_int)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::{ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT};
    use crate::ffi::boundary::errno;
    use std::time::{Duration, Instant};

    const POLLIN: c_short = ZMQ_POLLIN as c_short;
    const POLLOUT: c_short = ZMQ_POLLOUT as c_short;
    const POLLERR: c_short = ZMQ_POLLERR as c_short;

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
        let mut items = [fd_item(p[0], POLLIN), fd_item(p[1], POLLOUT)];
        // SAFETY: items is a valid array; p are our fds.
        unsafe {
            assert_eq!(zmq_poll(items.as_mut_ptr(), 2, 0), 1);
            assert_eq!(items[0].revents, 0);
            assert_eq!(items[1].revents, POLLOUT);
            let t = Instant::now();
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, 40), 0);
            assert!(t.elapsed() >= Duration::from_millis(40));
            assert_eq!(libc::write(p[1], b"x".as_ptr() as *const _, 1), 1);
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, -1), 1);
            assert_eq!(items[0].revents, POLLIN);
            libc::close(p[1]);
            // Read end after the writer closed: POLLHUP becomes ZMQ_POLLERR.
            let mut byte = 0u8;
            libc::read(p[0], &mut byte as *mut u8 as *mut _, 1);
            assert_eq!(zmq_poll(items.as_mut_ptr(), 1, 0), 1);
            assert_eq!(items[0].revents & POLLERR, POLLERR);
            // Many items (heap path) and ppoll.
            let mut many = vec![fd_item(p[0], POLLIN); 40];
            assert_eq!(zmq_ppoll(many.as_mut_ptr(), 40, 0, std::ptr::null()), 40);
            libc::close(p[0]);
        }
    }
}
