//! Direct send: the thread that wrote a message into a session's pipe
//! sends it on the connection itself, one I/O-thread wake-up fewer per hop.
//!
//! When the socket's thread writes a message and the session end had gone
//! to sleep, the pipe calls [`SessionNotifier::pipe_event`]`(Readable)` in
//! the socket's thread. Instead of posting `IoCmd::Pipe` (one eventfd
//! wake-up of the I/O thread) it `try_lock`s the [`Conn`] and, if the
//! connection is established and idle (see [`direct_send`]), reads whole
//! messages from the same pipe end, encodes them and `send()`s them on the
//! non-blocking fd itself. It never touches the reactor (epoll, timers,
//! teardown): whenever it cannot finish (lock busy, not ready, output left
//! after a short write, a write error, more than one batch queued, the peer
//! end closed) it posts the `Readable` command exactly as before, and the
//! I/O thread's `flush_out` carries on (arming EPOLLOUT, or seeing the error
//! on its own write and tearing down). Only `Readable` takes this path;
//! `Closed`, `Writable` and `Hiccup` always go through the mailbox. Two
//! cases keep the mailbox path on purpose: `Readable`s closer together than
//! [`DIRECT_MIN_GAP_NS`] (a streaming writer: the I/O thread batches, where
//! direct sends would cost one `send(2)` per message), and PUB/XPUB (one
//! message fans out to every subscriber's pipe).

use super::conn::Conn;
use super::stream::{Filled, Wrote, OUT_BATCH};
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{IoCmd, WRITABLE};
use crate::pipe::{PipeEvent, PipeEvents};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Readable notifications closer together than this take the mailbox path:
/// a writer streaming messages is better served by the I/O thread batching
/// them than by one `send(2)` per message in its own thread.
const DIRECT_MIN_GAP_NS: u64 = 20_000;

/// Direct-send calls that wrote something (diagnostics and tests).
static DIRECT_SENDS: AtomicU64 = AtomicU64::new(0);

/// Direct sends cut short (EAGAIN or error) and left to the I/O thread.
static DIRECT_SHORT: AtomicU64 = AtomicU64::new(0);

/// How many direct sends were cut short by the kernel and finished by the
/// I/O thread (process-wide; for tests and diagnostics).
#[doc(hidden)]
pub fn direct_short_writes() -> u64 {
    DIRECT_SHORT.load(Ordering::Relaxed)
}

/// How many times a writer's thread has sent on a connection itself
/// (process-wide; for tests and diagnostics).
#[doc(hidden)]
pub fn direct_sends() -> u64 {
    DIRECT_SENDS.load(Ordering::Relaxed)
}

/// Pipe events for a session's pipe end (see the module docs).
pub struct SessionNotifier {
    mailbox: Arc<Mailbox<IoCmd>>,
    conn: Arc<Mutex<Conn>>,
    /// Direct send allowed: not for PUB/XPUB, whose one `zmq_send` writes
    /// into every subscriber's pipe and would then pay one `send(2)` per
    /// subscriber in the caller's thread.
    direct: bool,
    /// Time (ns since `epoch`) of the last `Readable`; only the writer's
    /// thread (the socket's owner) sends `Readable`, so relaxed is enough.
    last_readable: AtomicU64,
    epoch: Instant,
}

impl SessionNotifier {
    pub(super) fn new(
        mailbox: Arc<Mailbox<IoCmd>>,
        conn: Arc<Mutex<Conn>>,
        direct: bool,
    ) -> SessionNotifier {
        SessionNotifier {
            mailbox,
            conn,
            direct,
            last_readable: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }
}

impl PipeEvents for SessionNotifier {
    fn pipe_event(&self, token: u64, ev: PipeEvent) {
        if ev == PipeEvent::Readable && self.direct {
            let now = self.epoch.elapsed().as_nanos() as u64;
            let last = self.last_readable.swap(now, Ordering::Relaxed);
            // `last == 0`: the first notification.
            if (last == 0 || now.wrapping_sub(last) >= DIRECT_MIN_GAP_NS) && direct_send(&self.conn)
            {
                return;
            }
        }
        self.mailbox.send(IoCmd::Pipe { token, ev });
    }
}

/// The direct-send path, run in the thread that wrote into the session's
/// pipe. True if it wrote out everything queued and the pipe end is asleep
/// again (so the next write notifies again); false if the I/O thread must be
/// told (`IoCmd::Pipe { Readable }`), which is always safe: its `flush_out`
/// picks up whatever is left, in order.
fn direct_send(conn: &Mutex<Conn>) -> bool {
    let Some(mut g) = conn.try_lock() else {
        return false; // the I/O thread is in a callback of this session
    };
    let Conn {
        pipe: Some(p),
        engine: Some(e),
    } = &mut *g
    else {
        return false; // reconnecting, or being set up / torn down
    };
    // Established and idle only: anything queued or pending (short write,
    // EPOLLOUT armed, handshake, hung-up peer) stays the I/O thread's job.
    if !e.is_established() || e.interest & WRITABLE != 0 || e.zmtp.output_len() != 0 {
        return false;
    }
    // A closed pipe cannot happen while the writer is writing; the I/O
    // thread sees it.
    let drained = e.fill(p) == Filled::Drained;
    if e.zmtp.output_len() != 0 {
        DIRECT_SENDS.fetch_add(1, Ordering::Relaxed);
    }
    // Write at most one batch, as much as the kernel takes (the fd is
    // non-blocking, so this never blocks; it is open while we hold the
    // lock: only the I/O thread closes it, under the lock).
    let mut budget = OUT_BATCH;
    loop {
        match e.write_once(budget) {
            Wrote::Nothing => break,
            Wrote::All(n) => budget -= n,
            Wrote::Partial | Wrote::Failed => {
                // EAGAIN: the I/O thread arms EPOLLOUT. An error: its own
                // write (or read) sees it and tears the connection down.
                DIRECT_SHORT.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
    }
    drained && e.zmtp.output_len() == 0
}

#[cfg(test)]
mod tests {
    use super::super::testutil::established;
    use super::*;
    use crate::msg::Msg;
    use crate::pipe;
    use crate::zmtp::Event;

    fn conn_with_established() -> (
        Arc<Mutex<Conn>>,
        pipe::Pipe,
        std::os::unix::net::UnixStream,
        crate::zmtp::Zmtp,
    ) {
        let (e, b, peer) = established();
        let (sess_end, sock_end) = pipe::pair([0, 0]);
        let conn = Arc::new(Mutex::new(Conn {
            pipe: Some(sess_end),
            engine: Some(e),
        }));
        (conn, sock_end, b, peer)
    }

    #[test]
    fn sends_from_the_writers_thread_when_idle() {
        let (conn, mut sock_end, mut b, mut peer) = conn_with_established();
        sock_end.write(Msg::from_slice(b"direct")).unwrap();
        assert!(direct_send(&conn));
        let buf = peer.input_buf();
        let n = std::io::Read::read(&mut b, buf).unwrap();
        peer.input_commit(n);
        let Ok(Some(Event::Msg(m))) = peer.next_event(Instant::now()) else {
            panic!("no message")
        };
        assert_eq!(m.data(), b"direct");
    }

    #[test]
    fn leaves_the_work_to_the_io_thread_when_not_idle() {
        let (conn, mut sock_end, _b, _peer) = conn_with_established();
        sock_end.write(Msg::from_slice(b"x")).unwrap();
        // The I/O thread is in a callback.
        let g = conn.lock();
        assert!(!direct_send(&conn));
        drop(g);
        // EPOLLOUT armed: a write is already waiting.
        conn.lock().engine.as_mut().unwrap().interest |= WRITABLE;
        assert!(!direct_send(&conn));
        // Not established.
        let mut g = conn.lock();
        let e = g.engine.as_mut().unwrap();
        e.interest = 0;
        e.ready = false;
        drop(g);
        assert!(!direct_send(&conn));
        // The message is still in the pipe for the I/O thread.
        assert!(conn.lock().pipe.as_ref().unwrap().has_msg());
    }
}
