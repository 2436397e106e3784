//! The session's data path in the I/O thread: fd → decode → pipe
//! ([`Session::pump_in`], with input stopped at the pipe's HWM and resumed
//! on `Writable`) and pipe → encode → fd ([`Session::flush_out`], waiting
//! for EPOLLOUT after a short write). The byte loops themselves are the
//! engine's (`Engine::pump`, `Engine::fill`, `Engine::write_once`); this is
//! what the session does with their answers.

use super::super::stream::{Filled, PumpStats, Pumped, Wrote};
use super::Session;
use crate::io::reactor::{Reactor, READABLE, WRITABLE};
use std::time::Instant;

impl Session {
    /// Reads from the fd and pushes decoded frames into the pipe.
    pub(super) fn pump_in(&mut self, r: &mut Reactor) {
        let now = Instant::now();
        loop {
            let Some(e) = self.engine.as_mut() else {
                return;
            };
            let mut st = PumpStats::default();
            match e.pump(self.pipe.as_mut(), now, usize::MAX, false, &mut st) {
                Pumped::Drained => {
                    // A handshake waiting on ZAP: ask the handler (answered
                    // at once when none is bound: decode on).
                    if self.zap_start(r) {
                        continue;
                    }
                    break;
                }
                Pumped::Stopped => return self.stop_input(r),
                Pumped::Failed => return self.engine_error(r),
                Pumped::Ready(peer) => {
                    self.on_ready(r, peer);
                    if self.done {
                        return;
                    }
                    self.flush_out(r);
                }
            }
        }
        // The handshake may have queued output (READY, PONG).
        self.flush_out(r);
        self.arm_zmtp_timer(r);
    }

    /// Encodes queued messages and writes them out.
    pub(super) fn flush_out(&mut self, r: &mut Reactor) {
        loop {
            let Some(e) = self.engine.as_mut() else {
                return;
            };
            if e.connecting || !e.registered {
                // Not connected yet, or the peer hung up (input side finishes).
                return;
            }
            let mut pipe_closed = false;
            if e.ready {
                if let Some(p) = self.pipe.as_mut() {
                    pipe_closed = e.fill(p) == Filled::Closed;
                }
            }
            match e.write_once(usize::MAX) {
                Wrote::Nothing => {
                    if pipe_closed {
                        self.socket_side_closed(r);
                    }
                    return;
                }
                Wrote::All(_) => {
                    if e.interest & WRITABLE != 0 {
                        let want = e.interest & !WRITABLE;
                        self.set_interest(r, want);
                    }
                }
                Wrote::Partial => {
                    // Wait for EPOLLOUT.
                    let want = e.interest | WRITABLE;
                    self.set_interest(r, want);
                    return;
                }
                Wrote::Failed => return self.engine_error(r),
            }
        }
    }

    /// The socket closed its end and everything it sent has been encoded.
    pub(super) fn socket_side_closed(&mut self, r: &mut Reactor) {
        let unsent = self
            .engine
            .as_ref()
            .is_some_and(|e| !e.zmtp.output().is_empty());
        if !unsent {
            self.finish(r);
        }
    }

    /// The inbound pipe is full: stop watching the fd for input.
    pub(super) fn stop_input(&mut self, r: &mut Reactor) {
        if let Some(e) = self.engine.as_ref() {
            let want = e.interest & !READABLE;
            self.set_interest(r, want);
        }
    }

    /// `Writable`: the socket drained its pipe below the low-water mark, or
    /// a direct receive left work for this thread (input stopped at HWM,
    /// EOF or an error, codec output or timers): pump the input.
    pub(super) fn resume_input(&mut self, r: &mut Reactor) {
        let Some(e) = self.engine.as_mut() else {
            return;
        };
        if e.input_stopped {
            e.input_stopped = false;
            e.zmtp.set_flow_stopped(false);
            let want = e.interest | READABLE;
            self.set_interest(r, want);
        } else if !e.is_established() {
            return;
        }
        self.pump_in(r);
    }

    /// The peer hung up while our input is stopped: keep its last bytes in
    /// the kernel until the socket drains the pipe, but stop polling the fd
    /// (epoll reports a hang-up whatever the interest).
    pub(super) fn park_hung_up(&mut self, r: &mut Reactor) {
        if let Some(e) = self.engine.as_mut() {
            if e.registered {
                r.remove_fd(e.raw_fd());
                e.registered = false;
            }
        }
        self.live.clear();
    }
}
