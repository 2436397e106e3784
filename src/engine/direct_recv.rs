//! Direct receive: a socket blocked in a receive reads its connections in
//! its own thread, one I/O-thread wake-up fewer per hop.
//!
//! When a socket's receive is about to block and the socket has a few pipes
//! to tcp/ipc sessions, it calls [`wait`], which polls the connections' fds
//! (published by each session in its [`Live`] stamp) next to the socket's
//! mailbox. On a readable fd [`DirectRecv::try_recv`] locks the session's
//! [`Conn`], checks the engine is still the published one, established,
//! registered and not input-stopped with nothing pending, and does what the
//! I/O thread's `pump_in` does, without the reactor: the same
//! [`Engine::pump`](super::stream::Engine::pump) reads, decodes and writes
//! into the pipe. It hands the I/O thread (a `Writable` pipe command:
//! `resume_input` pumps the input) anything that needs the reactor or would
//! otherwise be stranded: the pipe at HWM (decoded input kept in
//! `pending_in`, READABLE to be taken out of epoll), EOF or a read error
//! (`read_failed`), a codec error, output queued by the codec (PONG) or a
//! changed codec deadline. The I/O thread, woken by the same data (epoll is
//! level-triggered), then finds nothing to read.

use super::conn::{Conn, Live};
use super::stream::{PumpStats, Pumped};
use crate::error::{Errno, Result};
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{IoCmd, READABLE};
use crate::pipe::{DirectRead, DirectReceiver, PipeEvent};
use crate::sys;
use parking_lot::Mutex;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A blocked receive polls at most this many connections.
pub const MAX_DIRECT: usize = 4;

/// Bytes a direct receive reads at most before it returns (the kernel's
/// level-triggered readiness makes the I/O thread or the next wait read on).
const DIRECT_RECV_BUDGET: usize = 256 * 1024;

/// Direct receives that delivered at least one message (diagnostics and
/// tests).
static DIRECT_RECVS: AtomicU64 = AtomicU64::new(0);

/// Direct receives that stopped at the pipe's HWM (diagnostics and tests).
static DIRECT_RECV_STOPS: AtomicU64 = AtomicU64::new(0);

/// How many times a socket's thread, blocked in a receive, has read a
/// connection and delivered messages itself (process-wide; for tests and
/// diagnostics).
#[doc(hidden)]
pub fn direct_recvs() -> u64 {
    DIRECT_RECVS.load(Ordering::Relaxed)
}

/// How many direct receives stopped at the pipe's HWM and left the rest to
/// the I/O thread (process-wide; for tests and diagnostics).
#[doc(hidden)]
pub fn direct_recv_stops() -> u64 {
    DIRECT_RECV_STOPS.load(Ordering::Relaxed)
}

/// What the socket's thread needs to read a connection itself while it is
/// blocked in a receive: given to the socket with the pipe
/// (`PipeInfo::direct_recv`), dropped with it.
pub struct DirectRecv {
    conn: Arc<Mutex<Conn>>,
    live: Arc<Live>,
    mailbox: Arc<Mailbox<IoCmd>>,
    token: u64,
}

impl DirectRecv {
    pub(super) fn new(
        conn: Arc<Mutex<Conn>>,
        live: Arc<Live>,
        mailbox: Arc<Mailbox<IoCmd>>,
        token: u64,
    ) -> DirectRecv {
        DirectRecv {
            conn,
            live,
            mailbox,
            token,
        }
    }
}

impl std::fmt::Debug for DirectRecv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DirectRecv({:#x})", self.live.stamp())
    }
}

impl DirectReceiver for DirectRecv {
    fn snapshot(&self) -> Option<(RawFd, u64)> {
        let s = self.live.stamp();
        (s != 0).then(|| (Live::fd_of(s), s))
    }

    /// Reads and decodes what the connection has, and writes the messages
    /// into the session's pipe end, exactly as `Session::pump_in` would,
    /// but without the reactor (see the module docs).
    fn try_recv(&self, stamp: u64) -> DirectRead {
        // Blocking: the I/O thread, woken by the same data, holds the lock
        // only for one callback (which never waits for another thread).
        // When it delivered the data itself, its `Readable` reaches our
        // mailbox without an eventfd write (the caller is marked awake), and
        // we find the fd empty here.
        let mut g = self.conn.lock();
        if !self.live.is(stamp) {
            return DirectRead::Skip; // another engine (or none) by now
        }
        let Conn {
            pipe: Some(p),
            engine: Some(e),
        } = &mut *g
        else {
            return DirectRead::Skip;
        };
        if !e.is_established()
            || e.input_stopped
            || e.read_failed
            || e.pending_in.is_some()
            || e.interest & READABLE == 0
        {
            return DirectRead::Skip;
        }
        let deadline = e.zmtp.next_deadline();
        let mut st = PumpStats::default();
        // The fd is open while we hold the lock (only the I/O thread closes
        // it, under the lock, and the stamp matched).
        let mut kick = match e.pump(Some(p), Instant::now(), DIRECT_RECV_BUDGET, true, &mut st) {
            Pumped::Drained => false,
            Pumped::Stopped => {
                // Pipe at HWM: the frame waits in pending_in and input is
                // marked stopped; the I/O thread must take READABLE out of
                // epoll (and resume when the socket drains).
                DIRECT_RECV_STOPS.fetch_add(1, Ordering::Relaxed);
                true
            }
            // EOF or a read error (read_failed is set), or a codec error
            // (the codec keeps it): the I/O thread's pump sees it.
            Pumped::Failed => true,
            Pumped::Ready(_) => {
                // Cannot happen on an established connection; if it did,
                // the connection is in no state to go on.
                e.read_failed = true;
                true
            }
        };
        if e.zmtp.output_len() != 0 || e.zmtp.next_deadline() != deadline {
            kick = true; // PONG to send, or a timer to re-arm
        }
        drop(g);
        if kick {
            self.mailbox.send(IoCmd::Pipe {
                token: self.token,
                ev: PipeEvent::Writable,
            });
        }
        if st.delivered > 0 {
            DIRECT_RECVS.fetch_add(1, Ordering::Relaxed);
            DirectRead::Delivered
        } else if st.read > 0 && !kick {
            DirectRead::Progress
        } else {
            DirectRead::Skip
        }
    }
}

/// Waits like a blocked receive (for a command in `mb` until `deadline`),
/// but also polls the connections of `rx` (at most [`MAX_DIRECT`]): when one
/// is readable, reads it in this thread ([`DirectReceiver::try_recv`])
/// instead of waiting for the I/O thread to do it and wake us. Returns once
/// commands arrived, messages were delivered into a pipe (their `Readable`
/// is then among the commands in `mb`), or `deadline` passed (Ok: the
/// caller handles commands and finds out). EINTR is an error, as for any
/// blocking call.
pub fn wait<T>(
    mb: &Mailbox<T>,
    rx: &[Arc<dyn DirectReceiver>],
    deadline: Option<Instant>,
) -> Result<()> {
    if deadline.is_some_and(|d| Instant::now() >= d) {
        return Err(Errno::EAGAIN);
    }
    if !mb.go_passive() {
        mb.clear_signal();
        return Ok(());
    }
    const N: usize = MAX_DIRECT + 1;
    let blank = libc::pollfd {
        fd: -1,
        events: libc::POLLIN,
        revents: 0,
    };
    let mut pfds = [blank; N];
    let mut who: [(usize, u64); N] = [(0, 0); N];
    pfds[0].fd = mb.fd();
    let mut n = 1;
    for (i, h) in rx.iter().enumerate() {
        if n == N {
            break;
        }
        if let Some((fd, stamp)) = h.snapshot() {
            pfds[n].fd = fd;
            who[n] = (i, stamp);
            n += 1;
        }
    }
    while let Some(ms) = sys::poll_timeout(deadline) {
        for p in &mut pfds[..n] {
            p.revents = 0;
        }
        // EINTR is an error: a blocking zmq call returns it (libzmq too).
        if sys::poll_ms(&mut pfds[..n], ms)? == 0 {
            if mb.has_pending() {
                break;
            }
            continue;
        }
        if pfds[0].revents != 0 {
            mb.clear_fd();
            if mb.has_pending() || !mb.go_passive() {
                break;
            }
        }
        // Awake: what the direct reads post to our mailbox (the pipes'
        // `Readable`) needs no eventfd wake-up.
        mb.set_active();
        let mut delivered = false;
        let mut k = 1;
        while k < n {
            if pfds[k].revents == 0 {
                k += 1;
                continue;
            }
            let (i, stamp) = who[k];
            match rx[i].try_recv(stamp) {
                DirectRead::Delivered => {
                    delivered = true;
                    k += 1;
                }
                DirectRead::Progress => k += 1,
                DirectRead::Skip => {
                    // Left to the I/O thread (which wakes us through the
                    // mailbox): stop polling it for this wait.
                    n -= 1;
                    pfds[k] = pfds[n];
                    who[k] = who[n];
                }
            }
        }
        if delivered || !mb.go_passive() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{established, peer_send};
    use super::*;
    use crate::pipe::{self, Read};
    use std::time::Duration;

    fn direct() -> (
        DirectRecv,
        pipe::Pipe,
        std::os::unix::net::UnixStream,
        crate::zmtp::Zmtp,
        Arc<Mailbox<IoCmd>>,
    ) {
        let (mut e, b, peer) = established();
        e.interest = READABLE;
        let live = Arc::new(Live::default());
        live.publish(e.raw_fd());
        let (sess_end, sock_end) = pipe::pair([0, 0]);
        let conn = Arc::new(Mutex::new(Conn {
            pipe: Some(sess_end),
            engine: Some(e),
        }));
        let mb = Arc::new(Mailbox::new().unwrap());
        (
            DirectRecv::new(conn, live, mb.clone(), 1),
            sock_end,
            b,
            peer,
            mb,
        )
    }

    #[test]
    fn reads_in_the_callers_thread() {
        let (d, mut sock_end, mut b, mut peer, mb) = direct();
        let (_, stamp) = d.snapshot().unwrap();
        assert_eq!(d.try_recv(stamp), DirectRead::Skip); // nothing yet
        peer_send(&mut b, &mut peer, b"hi");
        assert_eq!(d.try_recv(stamp), DirectRead::Delivered);
        let Read::Msg(m) = sock_end.read() else {
            panic!()
        };
        assert_eq!(m.data(), b"hi");
        assert!(mb.try_recv().is_none(), "nothing for the I/O thread");
    }

    #[test]
    fn a_stale_stamp_or_eof_is_left_to_the_io_thread() {
        let (d, _sock_end, b, _peer, mb) = direct();
        let (_, stamp) = d.snapshot().unwrap();
        assert_eq!(d.try_recv(stamp ^ (1 << 32)), DirectRead::Skip);
        drop(b);
        assert_eq!(d.try_recv(stamp), DirectRead::Skip);
        assert!(d.conn.lock().engine.as_ref().unwrap().read_failed);
        assert!(matches!(
            mb.try_recv(),
            Some(IoCmd::Pipe {
                ev: PipeEvent::Writable,
                ..
            })
        ));
    }

    #[test]
    fn wait_returns_on_data_a_command_or_the_deadline() {
        let (d, mut sock_end, mut b, mut peer, _io) = direct();
        let rx: Vec<Arc<dyn DirectReceiver>> = vec![Arc::new(d)];
        let mb: Mailbox<u32> = Mailbox::new().unwrap();
        // Deadline.
        let t = Instant::now();
        wait(&mb, &rx, Some(t + Duration::from_millis(20))).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(20));
        assert_eq!(wait(&mb, &rx, Some(Instant::now())), Err(Errno::EAGAIN));
        // Data on the connection: delivered into the pipe.
        peer_send(&mut b, &mut peer, b"x");
        wait(&mb, &rx, Some(Instant::now() + Duration::from_secs(5))).unwrap();
        assert!(matches!(sock_end.read(), Read::Msg(_)));
        // A command.
        mb.send(7);
        wait(&mb, &rx, Some(Instant::now() + Duration::from_secs(5))).unwrap();
        assert_eq!(mb.try_recv(), Some(7));
    }
}
