//! The socket base: what every socket type shares — options, pipes, the
//! command mailbox (ZMQ_FD), blocking with timeouts, bind/connect, and the
//! `send`/`recv` loop that calls the socket type's [`Pattern`].
//!
//! A `Socket` is used by one application thread at a time (as in libzmq);
//! I/O threads and other sockets reach it only through its mailbox.

mod endpoints;
mod inproc;
pub mod iov;
mod monitor;
pub mod pattern;
pub mod strategy;
pub mod types;

pub use crate::io::command::{Command, PipeInfo, SocketShared};
pub use pattern::{Core, Pattern, PipeId, Pipes};

use crate::constants::{
    ZMQ_EVENTS, ZMQ_FD, ZMQ_LAST_ENDPOINT, ZMQ_RCVHWM, ZMQ_RCVMORE, ZMQ_SNDHWM, ZMQ_THREAD_SAFE,
    ZMQ_TYPE,
};
use crate::ctx::CtxInner;
use crate::engine::direct_recv::{self, MAX_DIRECT};
use crate::error::{Errno, Result};
use crate::io::mailbox::Mailbox;
use crate::msg::Msg;
use crate::options::{OptVal, Options};
use crate::pipe::{DirectReceiver, Pipe, PipeEvent};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The send/recv flags and ZMQ_EVENTS bits by their short names.
pub use crate::constants::{
    ZMQ_DONTWAIT as DONTWAIT, ZMQ_POLLIN as POLLIN, ZMQ_POLLOUT as POLLOUT, ZMQ_SNDMORE as SNDMORE,
};

/// A ZeroMQ socket.
pub struct Socket {
    core: Core,
    pattern: Box<dyn Pattern>,
    shared: Arc<SocketShared>,
    ctx: Arc<CtxInner>,
    /// Bound and connected endpoints, for unbind/disconnect.
    endpoints: Vec<endpoints::EndpointRec>,
    last_endpoint: String,
    rcvmore: bool,
    terminated: bool,
    closed: bool,
    /// Key in the context's socket registry.
    registry_id: u64,
    /// Pipes to tcp/ipc sessions whose connections a blocked receive may
    /// read itself (see `wait_direct`), and the handles for that (in the
    /// same order).
    direct_ids: Vec<PipeId>,
    direct_rx: Vec<Arc<dyn DirectReceiver>>,
    /// Endpoints of pipes by pipe uid, for PIPES_STATS (kept only while
    /// that event is monitored; see `monitor.rs`).
    pipe_endpoints: std::collections::HashMap<u64, crate::io::monitor::EndpointPair>,
    /// Pipes of connections accepted by our listeners, with the listener's
    /// token (`PipeInfo::origin`), and the tokens of listeners unbound
    /// since: their late pipes are refused (zmq_unbind, see endpoints.rs).
    origins: Vec<(PipeId, u64)>,
    unbound: Vec<u64>,
}

impl Socket {
    /// `zmq_socket`: a socket of `socket_type` in `ctx`, entered in the
    /// context's registry (ETERM once the context is terminating, EMFILE
    /// past ZMQ_MAX_SOCKETS, EINVAL for an unknown type).
    pub fn open(ctx: &Arc<CtxInner>, socket_type: i32) -> Result<Box<Socket>> {
        // ETERM before EINVAL, as libzmq (`register_socket` checks again,
        // under the registry's lock).
        if ctx.is_terminating() {
            return Err(Errno::ETERM);
        }
        let (blocky, ipv6) = ctx.socket_defaults();
        let mut s = Box::new(Socket::new(ctx.clone(), socket_type, blocky)?);
        s.core.options.ipv6 = ipv6;
        s.registry_id = ctx.register_socket(&s.shared)?;
        Ok(s)
    }

    fn new(ctx: Arc<CtxInner>, socket_type: i32, blocky: bool) -> Result<Socket> {
        let pattern = types::new_pattern(socket_type)?;
        let shared = Arc::new(SocketShared::new(Mailbox::new()?));
        Ok(Socket {
            core: Core {
                options: Options::new(socket_type, blocky),
                pipes: Pipes::default(),
                dead: Vec::new(),
            },
            pattern,
            shared,
            ctx,
            endpoints: Vec::new(),
            last_endpoint: String::new(),
            rcvmore: false,
            terminated: false,
            closed: false,
            registry_id: 0,
            direct_ids: Vec::new(),
            direct_rx: Vec::new(),
            pipe_endpoints: Default::default(),
            origins: Vec::new(),
            unbound: Vec::new(),
        })
    }

    pub fn socket_type(&self) -> i32 {
        self.core.options.socket_type
    }

    fn check_alive(&self) -> Result<()> {
        if self.terminated || self.shared.is_stopped() {
            return Err(Errno::ETERM);
        }
        Ok(())
    }

    /// ZMQ_CONFLATE applies to what this socket sends: the types libzmq
    /// makes conflating pipes for, less PULL (sends nothing) and SUB (its
    /// subscriptions must all arrive).
    fn conflates_send(&self) -> bool {
        use crate::zmtp::socket_types::{DEALER, PUB, PUSH};
        self.core.options.conflate && matches!(self.socket_type(), PUSH | PUB | DEALER)
    }

    /// Attaches a pipe end to this socket.
    fn attach_pipe(&mut self, mut pipe: Pipe, mut info: PipeInfo) {
        if info.origin != 0 && self.unbound.contains(&info.origin) {
            return; // accepted by a listener since unbound: dropped, closed
        }
        if !pipe.conflate_fixed && self.conflates_send() {
            pipe.set_conflate();
        }
        if info.locally_initiated
            && info.connect_routing_id.is_none()
            && !self.core.options.connect_routing_id.is_empty()
        {
            info.connect_routing_id =
                Some(std::mem::take(&mut self.core.options.connect_routing_id));
        }
        if let Some(pair) = info.endpoints.take() {
            self.note_pipe_endpoints(pipe.id(), || pair);
        }
        let id = self.core.pipes.insert(pipe);
        if info.origin != 0 {
            self.origins.push((id, info.origin));
        }
        if let Some(h) = info.direct_recv.take() {
            self.direct_ids.push(id);
            self.direct_rx.push(h);
        }
        let token = self.core.pipes.token(id);
        if let Some(p) = self.core.pipes.get_mut(id) {
            p.set_notifier(self.shared.clone(), token);
        }
        self.pattern.attach(&mut self.core, id, &info);
        self.reap_dead();
    }

    fn reap_dead(&mut self) {
        while let Some(id) = self.core.dead.pop() {
            if self.core.pipes.get(id).is_some() {
                self.pattern.detach(&mut self.core, id);
                if let Some(k) = self.direct_ids.iter().position(|&i| i == id) {
                    self.direct_ids.remove(k);
                    self.direct_rx.remove(k);
                }
                self.origins.retain(|&(i, _)| i != id);
                if let Some(mut p) = self.core.pipes.remove(id) {
                    p.terminate();
                }
            }
        }
    }

    /// Handles every queued command, leaving the mailbox passive so that
    /// the next command makes ZMQ_FD readable (F1/F2). ETERM if stopped.
    fn process_commands(&mut self) -> Result<()> {
        loop {
            self.shared.mailbox.clear_signal();
            while let Some(cmd) = self.shared.mailbox.try_recv() {
                self.handle(cmd);
            }
            if self.shared.mailbox.go_passive() {
                break;
            }
        }
        self.reap_dead();
        self.check_alive()
    }

    fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Pipe { token, ev } => {
                let Some(id) = self.core.pipes.resolve(token) else {
                    return;
                };
                match ev {
                    PipeEvent::Readable => self.pattern.read_activated(&mut self.core, id),
                    PipeEvent::Writable => self.pattern.write_activated(&mut self.core, id),
                    PipeEvent::Hiccup => self.pattern.hiccuped(&mut self.core, id),
                    PipeEvent::Closed => {
                        let has = self.core.pipes.get(id).is_some_and(|p| p.has_msg());
                        if has {
                            // Let the pattern read what is left; it reports the
                            // pipe dead when it reads `Closed`.
                            self.pattern.read_activated(&mut self.core, id);
                        } else {
                            self.core.pipe_dead(id);
                        }
                    }
                }
            }
            Command::Attach { pipe, info } => self.attach_pipe(pipe, info),
            Command::Stop => {
                self.terminated = true;
                self.stop_monitor();
            }
        }
    }

    fn timeout_of(ms: i32) -> Option<Duration> {
        (ms >= 0).then(|| Duration::from_millis(ms as u64))
    }

    /// Waits for commands until `deadline` (None: for ever). Err(EAGAIN) on timeout.
    fn wait(&mut self, deadline: Option<Instant>) -> Result<()> {
        let timeout = match deadline {
            None => None,
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return Err(Errno::EAGAIN);
                }
                Some(d - now)
            }
        };
        self.shared.mailbox.wait(timeout)?;
        self.process_commands()
    }

    /// A blocked receive may read connections itself: a few pipes, at least
    /// one of them to a tcp/ipc session.
    ///
    /// Only the request-reply types: their receives wait for an answer, so
    /// a wake-up saved is latency saved. A PULL or SUB draining a stream
    /// is faster with the I/O thread decoding in parallel (measured: tcp
    /// 1-byte PUSH→PULL fell from ~7 M to ~5.5 M msg/s with direct receive).
    fn direct_ok(&self) -> bool {
        matches!(
            self.socket_type(),
            crate::zmtp::socket_types::REQ
                | crate::zmtp::socket_types::REP
                | crate::zmtp::socket_types::DEALER
                | crate::zmtp::socket_types::ROUTER
        ) && !self.direct_rx.is_empty()
            && self.core.pipes.len() <= MAX_DIRECT
    }

    /// Like [`wait`](Self::wait) for a blocked receive, but also polls the
    /// connections of `direct_rx` and reads them in this thread when they
    /// are readable ([`direct_recv::wait`]).
    fn wait_direct(&mut self, deadline: Option<Instant>) -> Result<()> {
        direct_recv::wait(&self.shared.mailbox, &self.direct_rx, deadline)?;
        self.process_commands()
    }

    /// `zmq_msg_send`: sends one frame; on success `msg` is left empty.
    /// What the connection a received message came from said about itself
    /// (Peer-Address, ...) does not travel on: libzmq drops it at send.
    pub fn send(&mut self, msg: &mut Msg, flags: i32) -> Result<()> {
        msg.set_more(flags & SNDMORE != 0);
        msg.clear_metadata();
        let timeout = self.core.options.sndtimeo;
        self.transfer(msg, flags, timeout, false, |p, cx, m| p.send(cx, m))
    }

    /// `zmq_msg_recv`: receives one frame into `msg`.
    pub fn recv(&mut self, msg: &mut Msg, flags: i32) -> Result<()> {
        let timeout = self.core.options.rcvtimeo;
        self.transfer(msg, flags, timeout, true, |p, cx, m| p.recv(cx, m))?;
        self.rcvmore = msg.more();
        Ok(())
    }

    /// `zmq_recv`: receives one frame into `buf`, truncated to its size;
    /// returns the frame's full size.
    pub fn recv_into(&mut self, buf: &mut [u8], flags: i32) -> Result<usize> {
        let mut msg = Msg::new();
        self.recv(&mut msg, flags)?;
        let n = msg.len().min(buf.len());
        buf[..n].copy_from_slice(&msg.data()[..n]);
        Ok(msg.len())
    }

    /// Runs `op` (the pattern's send or recv) until it stops answering
    /// EAGAIN: once as is, once after handling pending commands, then after
    /// each wake-up until DONTWAIT or `timeout_ms` says to give up. The
    /// clock is read only when the call has to block.
    fn transfer(
        &mut self,
        msg: &mut Msg,
        flags: i32,
        timeout_ms: i32,
        is_recv: bool,
        op: fn(&mut dyn Pattern, &mut Core, &mut Msg) -> Result<()>,
    ) -> Result<()> {
        self.check_alive()?;
        if self.shared.mailbox.has_pending() {
            self.process_commands()?;
        }
        let mut commands_handled = false;
        let mut deadline: Option<Option<Instant>> = None;
        loop {
            let r = op(self.pattern.as_mut(), &mut self.core, msg);
            if !self.core.dead.is_empty() {
                self.reap_dead();
            }
            if r != Err(Errno::EAGAIN) {
                return r;
            }
            if !commands_handled {
                // A command (Writable, Readable, Attach) may change the answer.
                self.process_commands()?;
                commands_handled = true;
                continue;
            }
            if flags & DONTWAIT != 0 || timeout_ms == 0 {
                return Err(Errno::EAGAIN);
            }
            let d = *deadline
                .get_or_insert_with(|| Self::timeout_of(timeout_ms).map(|t| Instant::now() + t));
            if is_recv && self.direct_ok() {
                self.wait_direct(d)?;
            } else {
                self.wait(d)?; // handles the commands that woke us
            }
        }
    }

    /// ZMQ_EVENTS: processes commands, then reports POLLIN/POLLOUT.
    pub fn events(&mut self) -> Result<i32> {
        self.process_commands()?;
        let mut ev = 0;
        if self.pattern.has_in(&mut self.core) {
            ev |= POLLIN;
        }
        if self.pattern.has_out(&mut self.core) {
            ev |= POLLOUT;
        }
        self.reap_dead();
        Ok(ev)
    }

    /// ZMQ_FD: the mailbox's eventfd.
    pub fn fd(&self) -> i32 {
        self.shared.mailbox.fd()
    }

    /// `zmq_setsockopt`.
    pub fn setsockopt(&mut self, option: i32, value: &[u8]) -> Result<()> {
        self.setsockopt_nullable(option, (!value.is_empty()).then_some(value))
    }

    /// `zmq_setsockopt` with C's NULL `optval` as `None`: libzmq refuses a
    /// non-NULL empty value for some string options (SOCKS_PROXY,
    /// BINDTODEVICE, TCP_ACCEPT_FILTER) where `(NULL, 0)` clears them.
    pub fn setsockopt_nullable(&mut self, option: i32, value: Option<&[u8]>) -> Result<()> {
        self.check_alive()?;
        let bytes = value.unwrap_or(&[]);
        if let Some(r) = self.pattern.setsockopt(&mut self.core, option, bytes) {
            return r;
        }
        self.core.options.set_nullable(option, value)?;
        // HWMs apply to existing pipes (P6).
        if option == ZMQ_SNDHWM || option == ZMQ_RCVHWM {
            let (snd, rcv) = (
                self.core.options.sndhwm as i64,
                self.core.options.rcvhwm as i64,
            );
            for id in self.core.pipes.ids() {
                if let Some(p) = self.core.pipes.get(id) {
                    if option == ZMQ_SNDHWM {
                        p.update_sndhwm(snd);
                    } else {
                        p.update_rcvhwm(rcv);
                    }
                }
            }
        }
        Ok(())
    }

    /// `zmq_getsockopt`.
    pub fn getsockopt(&mut self, option: i32) -> Result<OptVal> {
        self.check_alive()?;
        match option {
            ZMQ_RCVMORE => return Ok(OptVal::Int(self.rcvmore as i32)),
            ZMQ_FD => return Ok(OptVal::Int(self.fd())),
            ZMQ_EVENTS => return Ok(OptVal::Int(self.events()?)),
            ZMQ_TYPE => return Ok(OptVal::Int(self.socket_type())),
            ZMQ_LAST_ENDPOINT => return Ok(OptVal::Str(self.last_endpoint.clone())),
            ZMQ_THREAD_SAFE => return Ok(OptVal::Int(0)),
            _ => {}
        }
        if let Some(r) = self.pattern.getsockopt(&self.core, option) {
            return r;
        }
        self.core.options.get(option)
    }

    /// `zmq_bind`.
    pub fn bind(&mut self, addr: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let ep = self.bind_endpoint(addr)?;
        self.last_endpoint = ep;
        self.signal_io_object(addr);
        Ok(())
    }

    /// `zmq_connect`.
    pub fn connect(&mut self, addr: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        self.connect_endpoint(addr)?;
        self.last_endpoint = addr.to_string();
        self.signal_io_object(addr);
        Ok(())
    }

    /// ZMQ_FD turns readable after a bind or connect that started an I/O
    /// object (not inproc), as libzmq's does (F1): a program polling the fd
    /// then checks ZMQ_EVENTS.
    fn signal_io_object(&self, addr: &str) {
        if !addr.starts_with("inproc://") {
            self.shared.mailbox.signal();
        }
    }

    /// `zmq_unbind`.
    pub fn unbind(&mut self, addr: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        self.unbind_endpoint(addr)
    }

    /// `zmq_disconnect`.
    pub fn disconnect(&mut self, addr: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        self.disconnect_endpoint(addr)
    }

    /// Attaches a locally created pipe end (connect side), consuming
    /// ZMQ_CONNECT_ROUTING_ID. `direct_recv`: the session's handle, if the
    /// pipe leads to a tcp/ipc session.
    fn attach_local(&mut self, pipe: Pipe, direct_recv: Option<Arc<dyn DirectReceiver>>) {
        self.attach_pipe(
            pipe,
            PipeInfo {
                locally_initiated: true,
                connect_routing_id: None,
                direct_recv,
                endpoints: None,
                origin: 0,
            },
        );
    }

    /// zmq_unbind of the listener `token`: its connections' pipes are
    /// detached now (nothing more is read from them), and any it accepted
    /// that are still on their way are refused when they arrive.
    fn drop_listener_pipes(&mut self, token: u64) {
        self.unbound.push(token);
        let ids: Vec<PipeId> = self
            .origins
            .iter()
            .filter(|&&(_, t)| t == token)
            .map(|&(i, _)| i)
            .collect();
        for id in ids {
            self.core.pipe_dead(id);
        }
        self.reap_dead();
    }

    /// Detaches a pipe by its process-wide id (disconnect of an inproc endpoint).
    fn drop_pipe_by_uid(&mut self, uid: u64) {
        let ids: Vec<PipeId> = self
            .core
            .pipes
            .ids()
            .filter(|&i| self.core.pipes.get(i).map(|p| p.id()) == Some(uid))
            .collect();
        for id in ids {
            self.core.pipe_dead(id);
        }
        self.reap_dead();
    }

    /// `zmq_close`: detaches every pipe (the peers see the pipes close after
    /// reading what was sent) and releases endpoints. Lingering is done by the
    /// sessions in the I/O threads.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        let _ = self.process_commands();
        self.close_endpoints();
        let ids: Vec<PipeId> = self.core.pipes.ids().collect();
        for id in ids {
            self.pattern.detach(&mut self.core, id);
            if let Some(mut p) = self.core.pipes.remove(id) {
                p.terminate();
            }
        }
        self.direct_ids.clear();
        self.direct_rx.clear();
        self.origins.clear();
        self.terminated = true;
        self.shared.close();
        self.ctx.unregister_socket(self.registry_id);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close();
    }
}
