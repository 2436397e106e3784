//! The commands a socket receives, and the part of a socket that other
//! threads hold to send them: [`SocketShared`].
//!
//! I/O threads (sessions that finished a handshake), other sockets (inproc
//! peers) and the context (shutdown) reach a socket only through this
//! mailbox, so none of them needs the socket's own type: the socket layer
//! sits above them all.

use crate::io::mailbox::Mailbox;
use crate::pipe::{DirectReceiver, Pipe, PipeEvent, PipeEvents};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Facts about a pipe at attach time.
#[derive(Debug, Clone, Default)]
pub struct PipeInfo {
    /// The pipe was created by our `zmq_connect` (not accepted by a bind).
    pub locally_initiated: bool,
    /// ZMQ_CONNECT_ROUTING_ID consumed by this pipe (ROUTER/STREAM only, I4).
    pub connect_routing_id: Option<Vec<u8>>,
    /// The session's handle for reading its connection from the socket's
    /// thread while a receive blocks (tcp/ipc pipes only).
    pub direct_recv: Option<Arc<dyn DirectReceiver>>,
    /// The token of the listener that accepted the connection (0: none):
    /// `zmq_unbind` detaches that listener's pipes at once.
    pub origin: u64,
}

/// Commands a socket receives from I/O threads, other sockets and the context.
pub enum Command {
    /// A pipe changed state (token from `Pipes::token`).
    Pipe { token: u64, ev: PipeEvent },
    /// A new pipe to attach (accepted connection, inproc peer...).
    Attach { pipe: Pipe, info: PipeInfo },
    /// The context is terminating: blocked and future calls give ETERM.
    Stop,
}

/// The part of a socket other threads hold: its mailbox.
pub struct SocketShared {
    pub mailbox: Mailbox<Command>,
    /// Set by the context on shutdown (also posted as `Command::Stop`).
    stopped: AtomicBool,
    /// True once the socket is closed; guards `Attach` so that no pipe is
    /// left in the mailbox of a closed socket (its peer would wait for ever).
    closed: parking_lot::Mutex<bool>,
}

impl SocketShared {
    pub fn new(mailbox: Mailbox<Command>) -> SocketShared {
        SocketShared {
            mailbox,
            stopped: AtomicBool::new(false),
            closed: parking_lot::Mutex::new(false),
        }
    }

    /// Hands a pipe end to the socket. If the socket is closed the end is
    /// dropped (its peer sees the pipe close) and false is returned.
    pub fn send_attach(&self, pipe: Pipe, info: PipeInfo) -> bool {
        let closed = self.closed.lock();
        if *closed {
            drop(closed);
            drop(pipe);
            return false;
        }
        self.mailbox.send(Command::Attach { pipe, info });
        true
    }

    /// Context shutdown: blocked and future calls give ETERM.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.mailbox.send(Command::Stop);
    }

    /// The context has been shut down.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Marks the socket closed and drops every queued command.
    pub fn close(&self) {
        let mut closed = self.closed.lock();
        *closed = true;
        while self.mailbox.try_recv().is_some() {}
    }
}

impl PipeEvents for SocketShared {
    fn pipe_event(&self, token: u64, ev: PipeEvent) {
        self.mailbox.send(Command::Pipe { token, ev });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe;

    #[test]
    fn attach_after_close_drops_the_pipe() {
        let s = SocketShared::new(Mailbox::new().unwrap());
        let (a, b) = pipe::pair([0, 0]);
        assert!(s.send_attach(a, PipeInfo::default()));
        assert!(matches!(s.mailbox.try_recv(), Some(Command::Attach { .. })));
        s.close();
        assert!(!s.send_attach(b, PipeInfo::default()));
        assert!(s.mailbox.try_recv().is_none());
    }

    #[test]
    fn stop_is_seen_and_posted() {
        let s = SocketShared::new(Mailbox::new().unwrap());
        assert!(!s.is_stopped());
        s.stop();
        assert!(s.is_stopped());
        assert!(matches!(s.mailbox.try_recv(), Some(Command::Stop)));
    }
}
