//! Waiting on sockets and file descriptors: the loop behind `zmq_poll` and
//! `zmq_ppoll` (BEHAVIOUR F3–F5), written for any list of items so the draft
//! `zmq_poller` can run the same loop over its own list.
//!
//! Socket items are waited on through their ZMQ_FD (for POLLIN only: the fd
//! signals "commands arrived", whatever was asked), and their readiness is
//! then read from ZMQ_EVENTS on every pass. Raw file descriptors go to
//! poll(2) as they are. The first pass polls with timeout 0.

use crate::constants::{
    ZMQ_EVENTS, ZMQ_FD, ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLITEMS_DFLT, ZMQ_POLLOUT, ZMQ_POLLPRI,
};
use crate::error::{Errno, Result};
use crate::options::OptVal;
use crate::socket::Socket;
use crate::sys::{self, syscall};
use std::ffi::c_long;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// The poll flags, as the `short` of `zmq_pollitem_t`.
const POLLIN: i16 = ZMQ_POLLIN as i16;
const POLLOUT: i16 = ZMQ_POLLOUT as i16;
const POLLPRI: i16 = ZMQ_POLLPRI as i16;
const POLLERR: i16 = ZMQ_POLLERR as i16;
/// Items handled without a heap allocation.
const STACK_ITEMS: usize = ZMQ_POLLITEMS_DFLT as usize;

/// What one item watches.
pub enum Target<'a> {
    /// A ZeroMQ socket: ZMQ_POLLIN / ZMQ_POLLOUT as ZMQ_EVENTS reports them.
    Socket(&'a mut Socket),
    /// A file descriptor: ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLPRI as poll(2)
    /// reports them, and ZMQ_POLLERR for anything else it reports.
    Fd(RawFd),
}

/// The items of one wait, stored the way their owner keeps them (the C
/// array of `zmq_poll`, a poller's registrations, a slice of [`Item`]).
/// The loop reads the wanted events and writes the results back through it.
pub trait Items {
    /// Number of items.
    fn len(&self) -> usize;
    /// True when there are no items (the wait is then a plain sleep).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// What item `i` watches. Asked again on every pass for socket items, so
    /// an error (ENOTSOCK, ...) is reported when it happens.
    fn target(&mut self, i: usize) -> Result<Target<'_>>;
    /// The ZMQ_POLL* events wanted on item `i`.
    fn events(&self, i: usize) -> i16;
    /// Stores the ZMQ_POLL* events that occurred on item `i`.
    fn set_revents(&mut self, i: usize, revents: i16);
}

/// One item for Rust callers: a target, the events wanted and those that
/// occurred.
pub struct Item<'a> {
    pub target: Target<'a>,
    pub events: i16,
    pub revents: i16,
}

impl Items for [Item<'_>] {
    fn len(&self) -> usize {
        <[Item<'_>]>::len(self)
    }

    fn target(&mut self, i: usize) -> Result<Target<'_>> {
        Ok(match &mut self[i].target {
            Target::Socket(s) => Target::Socket(s),
            Target::Fd(fd) => Target::Fd(*fd),
        })
    }

    fn events(&self, i: usize) -> i16 {
        self[i].events
    }

    fn set_revents(&mut self, i: usize, revents: i16) {
        self[i].revents = revents;
    }
}

/// How the wait treats signals.
#[derive(Clone, Copy)]
pub enum SigMask<'a> {
    /// poll(2) with the thread's mask; with no items the sleep goes on
    /// through signals, as libzmq's `usleep` (`zmq_poll`).
    Keep,
    /// ppoll(2) with this mask installed while waiting (None: the thread's
    /// mask); a signal always ends the wait with EINTR (`zmq_ppoll`).
    Set(Option<&'a libc::sigset_t>),
}

/// Waits until one of `items` is ready or `timeout_ms` pass (C's `long`;
/// -1: no limit, 0: just check), and writes each item's events. Returns the number of
/// items with events (0 on timeout). ETERM when a socket's context was
/// terminated, EINTR when a signal interrupts the wait.
pub fn poll<I: Items + ?Sized>(
    items: &mut I,
    timeout_ms: c_long,
    sigmask: SigMask<'_>,
) -> Result<usize> {
    if items.is_empty() {
        return sleep_only(timeout_ms, sigmask);
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
    for (i, pfd) in fds.iter_mut().enumerate() {
        let events = items.events(i);
        match items.target(i)? {
            Target::Socket(s) => {
                pfd.fd = int_opt(s, ZMQ_FD)?;
                pfd.events = if events != 0 { libc::POLLIN } else { 0 };
            }
            Target::Fd(fd) => {
                pfd.fd = fd;
                pfd.events = to_poll_events(events);
            }
        }
    }
    let deadline =
        (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    let mut first_pass = true;
    loop {
        sys_poll(fds, wait_ms(first_pass, timeout_ms, deadline), sigmask)?;
        let mut nevents = 0;
        for (i, pfd) in fds.iter().enumerate() {
            // Cleared first: an item whose socket fails is left with 0.
            items.set_revents(i, 0);
            let events = items.events(i);
            let revents = match items.target(i)? {
                Target::Socket(s) => events & int_opt(s, ZMQ_EVENTS)? as i16 & (POLLIN | POLLOUT),
                Target::Fd(_) => from_poll_events(pfd.revents),
            };
            items.set_revents(i, revents);
            if revents != 0 {
                nevents += 1;
            }
        }
        if timeout_ms == 0 || nevents > 0 {
            return Ok(nevents);
        }
        if !first_pass && deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(0);
        }
        first_pass = false;
    }
}

/// An integer socket option read for polling (ZMQ_FD or ZMQ_EVENTS).
fn int_opt(s: &mut Socket, option: i32) -> Result<i32> {
    match s.getsockopt(option)? {
        OptVal::Int(v) => Ok(v),
        _ => Err(Errno::EINVAL),
    }
}

/// ZMQ_POLLIN/OUT/PRI as poll(2) events.
fn to_poll_events(events: i16) -> i16 {
    let mut ev = 0;
    if events & POLLIN != 0 {
        ev |= libc::POLLIN;
    }
    if events & POLLOUT != 0 {
        ev |= libc::POLLOUT;
    }
    if events & POLLPRI != 0 {
        ev |= libc::POLLPRI;
    }
    ev
}

/// poll(2) results as ZMQ_POLL* events: anything but IN/OUT/PRI is POLLERR.
fn from_poll_events(revents: i16) -> i16 {
    let mut ev = 0;
    if revents & libc::POLLIN != 0 {
        ev |= POLLIN;
    }
    if revents & libc::POLLOUT != 0 {
        ev |= POLLOUT;
    }
    if revents & libc::POLLPRI != 0 {
        ev |= POLLPRI;
    }
    if revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
        ev |= POLLERR;
    }
    ev
}

/// The wait of one poll(2)/ppoll(2) call, in ms (-1: for ever).
fn wait_ms(first_pass: bool, timeout_ms: c_long, deadline: Option<Instant>) -> i32 {
    if first_pass {
        return 0;
    }
    if timeout_ms < 0 {
        return -1;
    }
    deadline.map_or(0, |d| sys::poll_timeout_ms(Some(d), Instant::now()))
}

/// One poll(2), or ppoll(2) for [`SigMask::Set`]. EINTR is an error.
fn sys_poll(fds: &mut [libc::pollfd], ms: i32, sigmask: SigMask<'_>) -> Result<()> {
    match sigmask {
        SigMask::Keep => sys::poll_ms(fds, ms).map(drop),
        SigMask::Set(mask) => {
            let ts = libc::timespec {
                tv_sec: (ms / 1000) as libc::time_t,
                tv_nsec: ((ms % 1000) * 1_000_000) as _,
            };
            let tsp = if ms < 0 {
                std::ptr::null()
            } else {
                &ts as *const libc::timespec
            };
            let mask = mask.map_or(std::ptr::null(), |m| m as *const libc::sigset_t);
            // SAFETY: fds is a valid array of fds.len() pollfds; tsp is NULL
            // or a valid timespec; mask is NULL or a valid sigset.
            let rc = unsafe {
                syscall!(ppoll(
                    fds.as_mut_ptr(),
                    fds.len() as libc::nfds_t,
                    tsp,
                    mask
                ))
            };
            rc.map(drop)
        }
    }
}

/// A wait with no items: sleep for `timeout_ms`. With -1 this blocks until a
/// signal arrives (then fails with EINTR) — libzmq would instead sleep about
/// 71 minutes (BEHAVIOUR B6).
fn sleep_only(timeout_ms: c_long, sigmask: SigMask<'_>) -> Result<usize> {
    if timeout_ms == 0 {
        return Ok(0);
    }
    if timeout_ms < 0 {
        loop {
            sys_poll(&mut [], -1, sigmask)?;
        }
    }
    let deadline = Instant::now() + Duration::from_millis(timeout_ms as u64);
    loop {
        match sys_poll(&mut [], wait_ms(false, timeout_ms, Some(deadline)), sigmask) {
            // libzmq's usleep ignores signals here; ppoll reports them.
            Err(Errno::EINTR) if matches!(sigmask, SigMask::Keep) => {}
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if Instant::now() >= deadline {
            return Ok(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fd_item(fd: RawFd, events: i16) -> Item<'static> {
        Item {
            target: Target::Fd(fd),
            events,
            revents: 0,
        }
    }

    #[test]
    fn fds_and_sleeps() {
        let mut p = [0 as RawFd; 2];
        // SAFETY: p has room for two fds.
        assert_eq!(unsafe { libc::pipe(p.as_mut_ptr()) }, 0);
        let mut items = [fd_item(p[0], POLLIN), fd_item(p[1], POLLOUT)];
        assert_eq!(poll(&mut items[..], 0, SigMask::Keep), Ok(1));
        assert_eq!((items[0].revents, items[1].revents), (0, POLLOUT));
        let t = Instant::now();
        assert_eq!(poll(&mut items[..1], 30, SigMask::Set(None)), Ok(0));
        assert!(t.elapsed() >= Duration::from_millis(30));
        let t = Instant::now();
        assert_eq!(poll(&mut items[..0], 20, SigMask::Keep), Ok(0));
        assert!(t.elapsed() >= Duration::from_millis(20));
        // SAFETY: p are our fds.
        unsafe {
            libc::close(p[1]);
            libc::close(p[0]);
        }
    }
}
