//! What a session shares with the threads that use its connection directly:
//! the session's pipe end and the byte engine behind one lock ([`Conn`]),
//! and the published stamp of the established connection ([`Live`]).
//!
//! Lock discipline (the `Mutex<Conn>` held by the session, its pipe end's
//! notifier and its direct receivers):
//! - The I/O thread holds it (blocking `lock`) for the whole of each
//!   `IoObject` callback and moves both fields into the `Session` for that
//!   time (`Session::with_conn`); between callbacks they live here.
//! - A socket's thread blocked in a receive `lock`s it in
//!   `DirectRecv::try_recv` (blocking: the I/O thread holds it only for one
//!   callback, which never waits for another thread) and then uses only the
//!   pipe end's writing side, the codec's input side and the fd for
//!   `read(2)`, and sets only `pending_in`, `in_more`, `input_stopped` and
//!   `read_failed`; it re-checks [`Live`] under the lock before touching the
//!   fd. Anything that needs the reactor it hands to the I/O thread.
//! - Any other thread only `try_lock`s it, in `direct_send`, and while it
//!   holds it uses only: the pipe end's reading side (`Pipe::read`, which is
//!   `Send` and needs one user at a time: the lock gives that), the codec's
//!   output side, the fd for `send(2)` (the fd cannot be closed meanwhile:
//!   only the I/O thread drops the engine, under the lock), and reads the
//!   flags `ready`, `connecting`, `registered` and `interest` without
//!   changing them.
//! - Nothing is done under the lock that could wait for another thread or
//!   take this (or another session's) lock (pipe notifications only post to
//!   mailboxes, and the socket end's notifier is never this one), so there
//!   is no deadlock; `parking_lot` does not poison, and a panic in a
//!   callback leaves the fields in the `Session`, which drops them.

use super::stream::Engine;
use crate::pipe::Pipe;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};

/// The session's pipe end and engine, between the I/O thread's callbacks.
pub(super) struct Conn {
    pub pipe: Option<Pipe>,
    pub engine: Option<Engine>,
}

/// The established connection's fd as direct receivers see it:
/// `(generation << 32) | fd`, 0 while there is none. Written only under the
/// [`Conn`] lock, by the I/O thread; the generation tells a reused fd
/// number from the connection that was published.
#[derive(Default)]
pub(super) struct Live {
    word: AtomicU64,
    /// Generation of the last publication (only the I/O thread writes it,
    /// under the lock; an atomic only so that `Live` can be shared).
    gen: AtomicU64,
}

impl Live {
    /// Publishes `fd` as the established connection.
    pub fn publish(&self, fd: RawFd) {
        let g = (self.gen.load(Ordering::Relaxed) as u32)
            .wrapping_add(1)
            .max(1);
        self.gen.store(g as u64, Ordering::Relaxed);
        let v = ((g as u64) << 32) | fd as u32 as u64;
        self.word.store(v, Ordering::Release);
    }

    /// No established connection (before its fd is closed).
    pub fn clear(&self) {
        self.word.store(0, Ordering::Release);
    }

    /// The published stamp, 0 if none.
    pub fn stamp(&self) -> u64 {
        self.word.load(Ordering::Acquire)
    }

    /// Is `stamp` still the published connection? (Under the lock.)
    pub fn is(&self, stamp: u64) -> bool {
        stamp != 0 && self.word.load(Ordering::Relaxed) == stamp
    }

    /// The fd of a non-zero stamp.
    pub fn fd_of(stamp: u64) -> RawFd {
        (stamp & 0xffff_ffff) as u32 as RawFd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_name_one_publication() {
        let l = Live::default();
        assert_eq!(l.stamp(), 0);
        assert!(!l.is(0));
        l.publish(7);
        let a = l.stamp();
        assert_eq!(Live::fd_of(a), 7);
        assert!(l.is(a));
        l.clear();
        assert!(!l.is(a));
        // The same fd number published again is another connection.
        l.publish(7);
        let b = l.stamp();
        assert_ne!(a, b);
        assert_eq!(Live::fd_of(b), 7);
        assert!(!l.is(a) && l.is(b));
    }
}
