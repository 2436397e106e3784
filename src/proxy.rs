//! The built-in proxy behind `zmq_proxy`, `zmq_proxy_steerable` and
//! `zmq_device`: whole messages moved between a frontend and a backend
//! socket in the calling thread, a copy of each frame to an optional capture
//! socket, PAUSE/RESUME/TERMINATE/STATISTICS commands on an optional control
//! socket.
//!
//! The loop is libzmq 4.3's (`proxy.cpp`, the socket-poller version):
//! - it blocks in [`crate::poll`] on a *wait set* — at first POLLIN on both
//!   sides. When one side has input but the other cannot take it (at its
//!   HWM), that side's POLLIN leaves the wait set and the other side's
//!   POLLOUT joins it ([`Wait`]), so a full destination never makes the
//!   proxy spin, and nothing is read that could not be written;
//! - then it polls everything without blocking and forwards, in each
//!   direction whose source is readable and destination writable, a burst of
//!   up to [`BURST`] messages, every frame with a blocking send (as libzmq:
//!   a destination that fills up within a burst blocks the proxy);
//! - a paused proxy waits on its control socket only.
//!
//! The same socket may be both frontend and backend (`zmq_device(ZMQ_QUEUE,
//! s, s)`): messages then go back out of the socket they came in on. Roles
//! are indexes into one list of distinct sockets, so no socket is borrowed
//! twice.
//!
//! Steering follows `zmq_proxy_steerable(3)` and libzmq 4.3.5:
//! STATISTICS counts frames (each part of a multipart message is one, as
//! are its bytes); every other command — PAUSE, RESUME, TERMINATE or one it
//! does not know, which changes nothing — is answered with an empty message
//! when the control socket is a REP (which must reply), and not answered
//! otherwise; each frame of a multipart command is a command of its own;
//! commands are not copied to the capture socket. (libzmq 4.3.4 counted
//! whole messages, answered only STATISTICS, captured the commands and
//! aborted on an unknown one; 4.3.5 also answers non-REP control sockets,
//! which its manual says it does not, and goes on forwarding after PAUSE.)

use crate::constants::{ZMQ_DONTWAIT, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_REP, ZMQ_SNDMORE};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::poll::{self, Items, SigMask, Target};
use crate::socket::Socket;

/// Messages forwarded in one direction before the other side gets its turn
/// (libzmq's `proxy_burst_size`).
pub const BURST: usize = 1000;

const IN: i16 = ZMQ_POLLIN as i16;
const OUT: i16 = ZMQ_POLLOUT as i16;

/// Which of the distinct sockets handed to [`run`] plays which part.
/// `frontend` and `backend` may be the same index.
#[derive(Clone, Copy, Debug)]
pub struct Roles {
    pub frontend: usize,
    pub backend: usize,
    pub capture: Option<usize>,
    pub control: Option<usize>,
}

/// Traffic through one side of the proxy, in frames and their bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub msgs_in: u64,
    pub bytes_in: u64,
    pub msgs_out: u64,
    pub bytes_out: u64,
}

/// The STATISTICS of a proxy: both sides' counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub frontend: Counters,
    pub backend: Counters,
}

impl Stats {
    /// The eight values of the STATISTICS reply, in their order.
    pub fn values(&self) -> [u64; 8] {
        let (f, b) = (&self.frontend, &self.backend);
        [
            f.msgs_in,
            f.bytes_in,
            f.msgs_out,
            f.bytes_out,
            b.msgs_in,
            b.bytes_in,
            b.msgs_out,
            b.bytes_out,
        ]
    }
}

/// A command received on the control socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    Terminate,
    Statistics,
}

impl Control {
    /// The command a control frame carries (None: not a command).
    pub fn parse(body: &[u8]) -> Option<Control> {
        match body {
            b"PAUSE" => Some(Control::Pause),
            b"RESUME" => Some(Control::Resume),
            b"TERMINATE" => Some(Control::Terminate),
            b"STATISTICS" => Some(Control::Statistics),
            _ => None,
        }
    }
}

/// What the blocking wait of an active proxy waits for (libzmq's pollers).
/// "Blocked" names the side that may not be read because the other side
/// cannot take what it would read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// POLLIN on both sides: the idle state.
    Input,
    /// The frontend has input the backend cannot take: the backend's
    /// POLLIN|POLLOUT and the frontend's POLLOUT.
    FrontendBlocked,
    /// The mirror image of `FrontendBlocked`.
    BackendBlocked,
    /// Both sides have input the other cannot take: POLLOUT on both.
    BothBlocked,
    /// The backend has input and room but the frontend is full: POLLIN|POLLOUT
    /// on the frontend only.
    FrontendOnly,
    /// The mirror image of `FrontendOnly`.
    BackendOnly,
}

/// The readiness of both sides after the non-blocking poll.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    pub frontend_in: bool,
    pub frontend_out: bool,
    pub backend_in: bool,
    pub backend_out: bool,
}

impl Wait {
    /// (frontend, backend) events of the blocking wait.
    pub fn events(self) -> (i16, i16) {
        match self {
            Wait::Input => (IN, IN),
            Wait::FrontendBlocked => (OUT, IN | OUT),
            Wait::BackendBlocked => (IN | OUT, OUT),
            Wait::BothBlocked => (OUT, OUT),
            Wait::FrontendOnly => (IN | OUT, 0),
            Wait::BackendOnly => (0, IN | OUT),
        }
    }

    /// The wait after a pass that forwarded requests (frontend → backend)
    /// and/or replies (backend → frontend), given the readiness seen before
    /// forwarding. A forwarded direction had room, so its source's POLLIN
    /// comes back; a pass that forwarded nothing had a source whose
    /// destination is full, so that source's POLLIN is dropped.
    pub fn next(self, request: bool, reply: bool, r: Ready) -> Wait {
        let mut w = self;
        if request || reply {
            if request {
                w = match w {
                    Wait::BothBlocked => Wait::BackendBlocked,
                    Wait::FrontendBlocked | Wait::FrontendOnly => Wait::Input,
                    other => other,
                };
            }
            if reply {
                w = match w {
                    Wait::BothBlocked => Wait::FrontendBlocked,
                    Wait::BackendBlocked | Wait::BackendOnly => Wait::Input,
                    other => other,
                };
            }
            return w;
        }
        if r.frontend_in {
            w = if r.frontend_out {
                Wait::BackendOnly
            } else {
                match w {
                    Wait::BackendBlocked => Wait::BothBlocked,
                    Wait::Input => Wait::FrontendBlocked,
                    other => other,
                }
            };
        }
        if r.backend_in {
            w = if r.backend_out {
                Wait::FrontendOnly
            } else {
                match w {
                    Wait::FrontendBlocked => Wait::BothBlocked,
                    Wait::Input => Wait::BackendBlocked,
                    other => other,
                }
            };
        }
        w
    }
}

/// Runs the proxy over `socks` (distinct sockets) in the parts `roles` gives
/// them, until TERMINATE arrives on the control socket (Ok) or a socket call
/// fails (its error: ETERM when the context is shut down, EINTR on a
/// signal). Without a control socket it returns only on error.
pub fn run(socks: &mut [&mut Socket], roles: Roles) -> Result<()> {
    Proxy::new(socks, roles)?.run()
}

/// A running proxy.
struct Proxy<'s, 'a> {
    socks: &'s mut [&'a mut Socket],
    roles: Roles,
    stats: Stats,
    /// The frame in flight (one allocation for the whole run).
    msg: Msg,
}

impl<'s, 'a> Proxy<'s, 'a> {
    fn new(socks: &'s mut [&'a mut Socket], roles: Roles) -> Result<Self> {
        let n = socks.len();
        let valid = |i: usize| i < n;
        if !valid(roles.frontend)
            || !valid(roles.backend)
            || !roles.capture.is_none_or(valid)
            || !roles.control.is_none_or(valid)
        {
            return Err(Errno::EINVAL);
        }
        Ok(Proxy {
            socks,
            roles,
            stats: Stats::default(),
            msg: Msg::new(),
        })
    }

    fn same_socket(&self) -> bool {
        self.roles.frontend == self.roles.backend
    }

    fn run(&mut self) -> Result<()> {
        let mut wait = Wait::Input;
        let mut paused = false;
        loop {
            // Block until something the current state can act on happens.
            let (fe, be) = if paused { (0, 0) } else { wait.events() };
            self.poll(fe, be, -1)?;
            // Then look at everything, without blocking.
            let (ready, control_in) = self.poll(IN | OUT, IN | OUT, 0)?;
            if control_in {
                match self.control()? {
                    Some(Control::Pause) => paused = true,
                    Some(Control::Resume) => {
                        paused = false;
                        wait = Wait::Input;
                    }
                    Some(Control::Terminate) => return Ok(()),
                    Some(Control::Statistics) | None => {}
                }
            }
            if paused {
                continue;
            }
            let (front, back) = (self.roles.frontend, self.roles.backend);
            // With one socket on both sides there is no POLLOUT to wait for
            // (libzmq forwards on POLLIN alone) and no separate reply path.
            let request = ready.frontend_in && (ready.backend_out || self.same_socket());
            if request {
                self.forward(front, back, true)?;
            }
            let reply = ready.backend_in && ready.frontend_out;
            if reply {
                self.forward(back, front, false)?;
            }
            wait = wait.next(request, reply, ready);
        }
    }

    /// Polls the frontend for `fe`, the backend for `be` and the control
    /// socket for POLLIN, waiting up to `timeout_ms` (-1: until one is
    /// ready). Returns the readiness of both sides and of the control socket.
    fn poll(&mut self, fe: i16, be: i16, timeout_ms: i64) -> Result<(Ready, bool)> {
        let same = self.same_socket();
        let mut set = WaitSet {
            socks: &mut *self.socks,
            entries: [(0, 0, 0); 3],
            len: 0,
        };
        set.add(self.roles.frontend, fe);
        set.add(self.roles.backend, be);
        if let Some(c) = self.roles.control {
            set.add(c, IN);
        }
        poll::poll(&mut set, timeout_ms as _, SigMask::Keep)?;
        let front = set.revents(self.roles.frontend);
        // The backend's events are the frontend's when they are one socket:
        // they are then read as the frontend's only.
        let back = if same {
            0
        } else {
            set.revents(self.roles.backend)
        };
        let control_in = self.roles.control.is_some_and(|c| set.revents(c) & IN != 0);
        let ready = Ready {
            frontend_in: front & fe & IN != 0,
            frontend_out: front & fe & OUT != 0,
            backend_in: back & be & IN != 0,
            backend_out: back & be & OUT != 0,
        };
        Ok((ready, control_in))
    }

    /// Moves up to [`BURST`] whole messages from socket `from` to socket
    /// `to`, copying each frame to the capture socket, and counts their
    /// frames (`request`: frontend → backend).
    fn forward(&mut self, from: usize, to: usize, request: bool) -> Result<()> {
        let msg = &mut self.msg;
        let (src, dst) = if request {
            (&mut self.stats.frontend, &mut self.stats.backend)
        } else {
            (&mut self.stats.backend, &mut self.stats.frontend)
        };
        for i in 0..BURST {
            let mut first = true;
            loop {
                match self.socks[from].recv(msg, ZMQ_DONTWAIT) {
                    Ok(()) => first = false,
                    // The end of the burst. Nothing at all after POLLIN is
                    // an error, as in libzmq (waiting again would spin).
                    Err(Errno::EAGAIN) if first && i > 0 => return Ok(()),
                    Err(e) => return Err(e),
                }
                let bytes = msg.len() as u64;
                src.msgs_in += 1;
                src.bytes_in += bytes;
                // What the source connection said about itself (Peer-Address,
                // ...) does not travel on: libzmq drops it at send.
                msg.set_metadata(None);
                let flags = if msg.more() { ZMQ_SNDMORE } else { 0 };
                if let Some(c) = self.roles.capture {
                    self.socks[c].send(&mut msg.clone(), flags)?;
                }
                self.socks[to].send(msg, flags)?;
                dst.msgs_out += 1;
                dst.bytes_out += bytes;
                if flags == 0 {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Reads one control frame and answers it: STATISTICS with eight 8-byte
    /// frames, anything else with an empty message if the control socket
    /// is a REP. Returns the command (None: not one, or nothing to read).
    fn control(&mut self) -> Result<Option<Control>> {
        let Some(c) = self.roles.control else {
            return Ok(None);
        };
        let msg = &mut self.msg;
        match self.socks[c].recv(msg, ZMQ_DONTWAIT) {
            Ok(()) => {}
            Err(Errno::EAGAIN) => return Ok(None),
            Err(e) => return Err(e),
        }
        let command = Control::parse(msg.data());
        let ctl = &mut *self.socks[c];
        if command == Some(Control::Statistics) {
            let values = self.stats.values();
            for (i, v) in values.iter().enumerate() {
                let flags = if i + 1 < values.len() { ZMQ_SNDMORE } else { 0 };
                ctl.send(&mut Msg::from_slice(&v.to_ne_bytes()), flags)?;
            }
        } else if ctl.socket_type() == ZMQ_REP {
            ctl.send(&mut Msg::new(), 0)?;
        }
        Ok(command)
    }
}

/// The sockets of one poll, one entry per distinct socket (events of the
/// roles it plays merged), over the proxy's socket list.
struct WaitSet<'w, 'a> {
    socks: &'w mut [&'a mut Socket],
    /// (socket index, events, revents)
    entries: [(usize, i16, i16); 3],
    len: usize,
}

impl WaitSet<'_, '_> {
    fn add(&mut self, sock: usize, events: i16) {
        if let Some(e) = self.entries[..self.len].iter_mut().find(|e| e.0 == sock) {
            e.1 |= events;
        } else if events != 0 && self.len < self.entries.len() {
            self.entries[self.len] = (sock, events, 0);
            self.len += 1;
        }
    }

    fn revents(&self, sock: usize) -> i16 {
        self.entries[..self.len]
            .iter()
            .find(|e| e.0 == sock)
            .map_or(0, |e| e.2)
    }
}

impl Items for WaitSet<'_, '_> {
    fn len(&self) -> usize {
        self.len
    }

    fn target(&mut self, i: usize) -> Result<Target<'_>> {
        Ok(Target::Socket(&mut *self.socks[self.entries[i].0]))
    }

    fn events(&self, i: usize) -> i16 {
        self.entries[i].1
    }

    fn set_revents(&mut self, i: usize, revents: i16) {
        self.entries[i].2 = revents;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(fi: bool, fo: bool, bi: bool, bo: bool) -> Ready {
        Ready {
            frontend_in: fi,
            frontend_out: fo,
            backend_in: bi,
            backend_out: bo,
        }
    }

    #[test]
    fn wait_states() {
        use Wait::*;
        // Frontend has input, backend is full: stop reading the frontend.
        let w = Input.next(false, false, ready(true, false, false, false));
        assert_eq!(w, FrontendBlocked);
        assert_eq!(w.events(), (OUT, IN | OUT));
        // And the backend gets input it cannot pass on either.
        let w = w.next(false, false, ready(false, false, true, false));
        assert_eq!(w, BothBlocked);
        assert_eq!(w.events(), (OUT, OUT));
        // Room on the backend again: requests flow, the frontend's POLLIN is back.
        assert_eq!(w.next(true, false, Ready::default()), BackendBlocked);
        assert_eq!(w.next(false, true, Ready::default()), FrontendBlocked);
        assert_eq!(w.next(true, true, Ready::default()), Input);
        // Input and room on one side, nothing on the other: wait on the other.
        assert_eq!(
            Input.next(false, false, ready(true, true, false, false)),
            BackendOnly
        );
        assert_eq!(
            Input.next(false, false, ready(false, false, true, true)),
            FrontendOnly
        );
        assert_eq!(FrontendOnly.next(true, false, Ready::default()), Input);
        assert_eq!(BackendOnly.next(false, true, Ready::default()), Input);
        // Nothing at all (a wake-up for another reason): unchanged.
        assert_eq!(
            BothBlocked.next(false, false, Ready::default()),
            BothBlocked
        );
    }

    #[test]
    fn commands_and_stats() {
        assert_eq!(Control::parse(b"PAUSE"), Some(Control::Pause));
        assert_eq!(Control::parse(b"RESUME"), Some(Control::Resume));
        assert_eq!(Control::parse(b"TERMINATE"), Some(Control::Terminate));
        assert_eq!(Control::parse(b"STATISTICS"), Some(Control::Statistics));
        assert_eq!(Control::parse(b"pause"), None);
        assert_eq!(Control::parse(b"PAUSE\0"), None);
        assert_eq!(Control::parse(b""), None);
        let s = Stats {
            frontend: Counters {
                msgs_in: 1,
                bytes_in: 2,
                msgs_out: 3,
                bytes_out: 4,
            },
            backend: Counters {
                msgs_in: 5,
                bytes_in: 6,
                msgs_out: 7,
                bytes_out: 8,
            },
        };
        assert_eq!(s.values(), [1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
