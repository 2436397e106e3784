//! Mailbox: a lock-free command queue plus an eventfd that is signalled only
//! when a command is posted to a mailbox whose owner is (about to go) asleep.
//!
//! This is what `ZMQ_FD` exposes for a socket (BEHAVIOUR F1/F2): the fd turns
//! readable when a command arrives at an empty, passive mailbox, and the owner
//! drains it whenever it processes commands.

use crate::error::Result;
use crate::sys::{self, syscall};
use crossbeam_queue::SegQueue;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// A multi-producer, single-consumer command queue with an eventfd signaler.
pub struct Mailbox<T> {
    queue: SegQueue<T>,
    /// Set by the consumer when it found the queue empty and may sleep;
    /// cleared by the first producer that then writes the eventfd.
    passive: AtomicBool,
    /// Writes to the eventfd not yet read back: a producer adds 1 after its
    /// write, the consumer subtracts what a read returns (the eventfd's
    /// counter is the number of writes). It may dip below zero for a moment
    /// (a read between a write and its increment) but never stays wrong, so
    /// the consumer reads exactly when there is something to read.
    signalled: AtomicI64,
    efd: OwnedFd,
    /// The fork generation the mailbox was made in: in a forked child the
    /// eventfd is shared with the parent's copy, so the child neither
    /// writes nor reads it (libzmq's signaler does the same).
    gen: u64,
}

impl<T> Mailbox<T> {
    pub fn new() -> Result<Mailbox<T>> {
        // SAFETY: eventfd has no memory-safety preconditions.
        let fd = unsafe { syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK)) }?;
        Ok(Mailbox {
            queue: SegQueue::new(),
            passive: AtomicBool::new(true),
            signalled: AtomicI64::new(0),
            // SAFETY: fd is a fresh descriptor we own.
            efd: unsafe { OwnedFd::from_raw_fd(fd) },
            gen: sys::watch_forks(),
        })
    }

    /// The eventfd (ZMQ_FD).
    pub fn fd(&self) -> RawFd {
        self.efd.as_raw_fd()
    }

    /// Posts a command; wakes the consumer if it was passive.
    pub fn send(&self, cmd: T) {
        self.queue.push(cmd);
        fence(Ordering::SeqCst);
        if self.passive.load(Ordering::Relaxed) && self.passive.swap(false, Ordering::SeqCst) {
            self.write_fd();
        }
    }

    /// Makes the fd readable, as a command would, without a command: what
    /// libzmq's socket mailbox shows after `zmq_bind`/`zmq_connect` start an
    /// I/O object (its `own` command). Nothing if the owner is awake.
    pub fn signal(&self) {
        if self.passive.load(Ordering::Relaxed) && self.passive.swap(false, Ordering::SeqCst) {
            self.write_fd();
        }
    }

    /// True in a child forked after the mailbox was made.
    fn inherited(&self) -> bool {
        sys::fork_generation() != self.gen
    }

    fn write_fd(&self) {
        if self.inherited() {
            return;
        }
        let one: u64 = 1;
        let (fd, buf) = (self.efd.as_raw_fd(), (&one as *const u64).cast());
        // SAFETY: writing 8 bytes from a valid u64 to our eventfd. It
        // cannot fail short of a counter overflow (2^64 - 1 unread writes).
        let _ = unsafe { syscall!(write(fd, buf, 8)) };
        // After the write: a consumer that sees the count finds the
        // write to read.
        self.signalled.fetch_add(1, Ordering::SeqCst);
    }

    /// Takes the next command, if any (consumer only). Does not change the
    /// passive state: call `go_passive` when done.
    #[inline]
    pub fn try_recv(&self) -> Option<T> {
        self.queue.pop()
    }

    /// True if commands are queued.
    #[inline]
    pub fn has_pending(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Consumer: resets the eventfd if a write is known to be unread
    /// (no system call otherwise).
    pub fn clear_signal(&self) {
        if self.signalled.load(Ordering::SeqCst) > 0 {
            self.clear_fd();
        }
    }

    /// Consumer, when poll/epoll reported the eventfd readable (or a write
    /// is known to be unread): reads it back. A write whose count has not
    /// been added yet is read too; its late increment then cancels out.
    pub fn clear_fd(&self) {
        if self.inherited() {
            return;
        }
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a valid u64 from our non-blocking
        // eventfd; an already-reset fd just gives EAGAIN.
        let n = unsafe { syscall!(read(self.efd.as_raw_fd(), (&mut v as *mut u64).cast(), 8)) };
        if n == Ok(8) {
            self.signalled.fetch_sub(v as i64, Ordering::SeqCst);
        }
    }

    /// Consumer: marks the mailbox passive (the next `send` signals the fd).
    /// Returns false, and stays active, if commands arrived meanwhile.
    pub fn go_passive(&self) -> bool {
        self.passive.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.queue.is_empty() {
            return true;
        }
        // A command raced in: if no producer claimed the wake-up, take it back.
        if self.passive.swap(false, Ordering::SeqCst) {
            return false;
        }
        // A producer claimed it and signals the fd: leave that to clear_signal.
        false
    }

    /// Consumer: marks the mailbox active (awake): commands posted from now
    /// on do not write the eventfd. The consumer must then handle them (or
    /// `go_passive`) before it sleeps.
    pub fn set_active(&self) {
        self.passive.store(false, Ordering::SeqCst);
    }

    /// Consumer: waits until a command is queued or `timeout` passes
    /// (None = for ever). Returns true if commands may be pending.
    /// EINTR is reported as an error.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        if self.inherited() {
            // Nobody can wake a forked child's copy (libzmq: EINTR).
            return Err(crate::error::Errno::EINTR);
        }
        if !self.go_passive() {
            self.clear_signal();
            return Ok(true);
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let Some(ms) = sys::poll_timeout(deadline) else {
                return Ok(self.has_pending());
            };
            let mut pfd = [libc::pollfd {
                fd: self.efd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            }];
            // EINTR included: a blocking zmq call returns it (libzmq too).
            if sys::poll_ms(&mut pfd, ms)? > 0 {
                self.clear_fd();
                if self.has_pending() || !self.go_passive() {
                    return Ok(true);
                }
                continue;
            }
            if self.has_pending() {
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The eventfd signalled before its write is counted (a producer between
    /// its write and its increment): a wait must reset it, not spin on it.
    #[test]
    fn readable_eventfd_without_flag_is_reset() {
        let mb: Mailbox<u32> = Mailbox::new().unwrap();
        let one: u64 = 1;
        // SAFETY: writing 8 bytes from a valid u64 to the eventfd.
        unsafe { syscall!(write(mb.fd(), (&one as *const u64).cast(), 8)) }.unwrap();
        assert!(!mb.wait(Some(Duration::from_millis(20))).unwrap());
        // The producer's late increment cancels the consumer's decrement.
        mb.signalled.fetch_add(1, Ordering::SeqCst);
        assert_eq!(mb.signalled.load(Ordering::SeqCst), 0);
        let mut pfd = [libc::pollfd {
            fd: mb.fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        assert_eq!(sys::poll_ms(&mut pfd, 0), Ok(0), "still readable");
    }

    #[test]
    fn bare_signal_wakes_a_passive_owner_once() {
        let mb: Mailbox<u32> = Mailbox::new().unwrap();
        let readable = |mb: &Mailbox<u32>| {
            let mut p = [libc::pollfd {
                fd: mb.fd(),
                events: libc::POLLIN,
                revents: 0,
            }];
            crate::sys::poll_ms(&mut p, 0).unwrap() > 0
        };
        mb.signal();
        assert!(readable(&mb));
        mb.signal(); // already signalled: no second write
        mb.clear_signal();
        assert!(!readable(&mb));
        assert!(mb.try_recv().is_none());
        assert!(mb.go_passive());
        mb.set_active();
        mb.signal(); // awake: nothing
        assert!(!readable(&mb));
    }

    #[test]
    fn signal_only_when_passive() {
        let mb: Arc<Mailbox<u32>> = Arc::new(Mailbox::new().unwrap());
        mb.send(1);
        assert_eq!(mb.try_recv(), Some(1));
        assert!(mb.go_passive());
        let m2 = mb.clone();
        let t = std::thread::spawn(move || m2.send(2));
        assert!(mb.wait(Some(Duration::from_secs(5))).unwrap());
        t.join().unwrap();
        assert_eq!(mb.try_recv(), Some(2));
        assert!(!mb.wait(Some(Duration::from_millis(10))).unwrap());
    }
}
