//! A session: one connection's life in an I/O thread — the glue between
//! the socket's pipe and the byte engine.
//!
//! It owns the session end of the socket's pipe and, while connected, a
//! byte [`Engine`] (fd, ZMTP codec, flow-control state). For a
//! `zmq_connect` it also owns a [`Connecter`] and the reconnect timer, and
//! its pipe (with IMMEDIATE=0) outlives reconnections; a session made by a
//! listener dies with its connection. When the handshake completes it makes
//! (or re-uses) the pipe and hands the socket its end ([`SocketShared`]); on
//! close it flushes what the socket sent for LINGER.
//!
//! Data path: `Engine::pump` (fd → decode → pipe; stop reading when the
//! pipe is at HWM, resume on `Writable`) and `Engine::fill` +
//! `Engine::write_once` (pipe → encode → one large write; resume on
//! EPOLLOUT). The pipe end and the engine live in a [`Conn`] behind a lock
//! shared with the direct paths ([`super::direct_send`],
//! [`super::direct_recv`]): every callback of the I/O thread holds it
//! ([`Session::with_conn`]).

use super::conn::{Conn, Live};
use super::connecter::Connecter;
use super::direct_recv::DirectRecv;
use super::direct_send::SessionNotifier;
use super::notify;
use super::stream::Engine;
use crate::ctx::{CtxHold, CtxInner};
use crate::io::command::{PipeInfo, SocketShared};
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{
    IoCmd, IoObject, Reactor, TimerKey, ERROR, READABLE, SECOND_PIPE, WRITABLE,
};
use crate::msg::{flags, Metadata, Msg};
use crate::options::Options;
use crate::pipe::{self, Pipe, PipeEvent};
use crate::zmtp;
use parking_lot::Mutex;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod auth;
mod flow;

const T_RECONNECT: u32 = 1;
const T_ZMTP: u32 = 2;
const T_LINGER: u32 = 3;
const T_CONNECT: u32 = 4;

enum Kind {
    /// Made by `zmq_connect`: reconnects.
    Connect(Connecter),
    /// Accepted by a listener.
    Accepted,
}

/// A session object (see module docs).
pub struct Session {
    kind: Kind,
    socket: Arc<SocketShared>,
    /// Keeps `zmq_ctx_term` waiting until this session is gone.
    hold: Option<CtxHold>,
    opts: Options,
    /// Shared with the pipe end's notifier and the direct receivers; holds
    /// `pipe` and `engine` between callbacks (see [`Conn`]).
    conn: Arc<Mutex<Conn>>,
    /// Valid only inside `with_conn` (None otherwise).
    pipe: Option<Pipe>,
    /// Valid only inside `with_conn` (None otherwise).
    engine: Option<Engine>,
    /// The socket end was closed: flush and finish.
    socket_gone: bool,
    /// The token of the listener that accepted us (0: connecter).
    origin: u64,
    /// Told to close (disconnect/unbind/socket closed before a pipe existed).
    closing: bool,
    reconnect_timer: Option<TimerKey>,
    linger_timer: Option<TimerKey>,
    token: u64,
    done: bool,
    /// A handshake completed once already (the next one is a hiccup).
    had_connection: bool,
    /// What direct receivers poll. Written only under the `conn` lock.
    live: Arc<Live>,
    /// Monitor events (`ev.endpoint` is set by whoever starts the session).
    pub(super) ev: super::monitor::ConnEvents,
    /// The handshake's request to the ZAP handler, while it is out.
    zap: Option<super::zap::ZapClient>,
}

/// ZMQ_CONFLATE on what the session writes to its socket: only the newest
/// message waits, with no HWM (libzmq's conflating pipe), for the types
/// that receive data (a PUB's or PUSH's session writes subscriptions or
/// nothing; their own sends conflate on the socket's side).
pub(super) fn conflates_in(opts: &Options) -> bool {
    use crate::zmtp::socket_types::{DEALER, PULL, SUB};
    opts.conflate && matches!(opts.socket_type, DEALER | PULL | SUB)
}

impl Session {
    /// A session for `zmq_connect`. With IMMEDIATE=0 the caller then gives
    /// it its pipe end with [`set_pipe`](Self::set_pipe).
    pub(super) fn connecter(
        connecter: Connecter,
        socket: Arc<SocketShared>,
        ctx: &Arc<CtxInner>,
        opts: Options,
    ) -> Session {
        Session::new(Kind::Connect(connecter), socket, ctx, opts)
    }

    /// A session for an accepted connection.
    /// `origin`: the accepting listener's token (see `PipeInfo::origin`).
    pub(super) fn accepted(
        fd: OwnedFd,
        peer_address: String,
        socket: Arc<SocketShared>,
        ctx: &Arc<CtxInner>,
        opts: Options,
        origin: u64,
    ) -> Session {
        let mut s = Session::new(Kind::Accepted, socket, ctx, opts);
        s.origin = origin;
        let e = s.new_engine(fd, peer_address, false);
        s.conn.lock().engine = Some(e);
        s
    }

    /// The state every session starts from: no pipe, no engine yet.
    fn new(kind: Kind, socket: Arc<SocketShared>, ctx: &Arc<CtxInner>, opts: Options) -> Session {
        Session {
            ev: super::monitor::ConnEvents::new(matches!(kind, Kind::Connect(_)), socket.clone()),
            kind,
            socket,
            hold: Some(ctx.hold_guard()),
            opts,
            conn: Arc::new(Mutex::new(Conn {
                pipe: None,
                engine: None,
            })),
            pipe: None,
            engine: None,
            socket_gone: false,
            origin: 0,
            closing: false,
            reconnect_timer: None,
            linger_timer: None,
            token: 0,
            done: false,
            had_connection: false,
            live: Arc::new(Live::default()),
            zap: None,
        }
    }

    /// The notifier for this session's pipe end, posting to `mailbox`.
    pub(super) fn notifier(&self, mailbox: &Arc<Mailbox<IoCmd>>) -> Arc<SessionNotifier> {
        let fan_out = matches!(
            self.opts.socket_type,
            zmtp::socket_types::PUB | zmtp::socket_types::XPUB
        );
        Arc::new(SessionNotifier::new(
            mailbox.clone(),
            self.conn.clone(),
            !fan_out,
        ))
    }

    /// The handle a socket's thread uses to read this session's connection
    /// while it blocks in a receive (see [`DirectRecv`]); `token` is the
    /// session's token in the I/O thread whose `mailbox` is given.
    pub(super) fn direct_recv(&self, mailbox: &Arc<Mailbox<IoCmd>>, token: u64) -> Arc<DirectRecv> {
        Arc::new(DirectRecv::new(
            self.conn.clone(),
            self.live.clone(),
            mailbox.clone(),
            token,
        ))
    }

    /// Gives a new (not yet registered) session its pipe end; its notifier
    /// must be [`notifier`](Self::notifier).
    pub(super) fn set_pipe(&mut self, pipe: Pipe) {
        self.conn.lock().pipe = Some(pipe);
    }

    /// Publishes the established engine's fd for direct receivers (under
    /// the `conn` lock, i.e. inside a callback).
    fn publish_live(&mut self) {
        if let Some(e) = self.engine.as_ref().filter(|e| e.is_established()) {
            self.live.publish(e.raw_fd());
        }
    }

    /// Runs `f` with `pipe` and `engine` moved out of the shared [`Conn`]
    /// into the session, holding its lock throughout (every `IoObject`
    /// callback goes through here).
    fn with_conn<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let conn = self.conn.clone();
        let mut g = conn.lock();
        self.pipe = g.pipe.take();
        self.engine = g.engine.take();
        let r = f(self);
        g.pipe = self.pipe.take();
        g.engine = self.engine.take();
        r
    }

    fn new_engine(&self, fd: OwnedFd, peer_address: String, connecting: bool) -> Engine {
        let codec = Engine::codec(&self.opts, Instant::now());
        Engine::new(fd, codec, peer_address, connecting)
    }

    fn finish(&mut self, r: &mut Reactor) {
        if self.done {
            return;
        }
        self.done = true;
        self.drop_engine(r);
        if let Some(k) = self.reconnect_timer.take() {
            r.cancel_timer(k);
        }
        if let Some(k) = self.linger_timer.take() {
            r.cancel_timer(k);
        }
        if let Some(mut p) = self.pipe.take() {
            p.terminate();
        }
        r.remove(self.token);
        self.hold = None;
    }

    fn drop_engine(&mut self, r: &mut Reactor) {
        // Direct receivers stop using the fd before it is closed (we hold
        // the lock: none is using it now).
        self.live.clear();
        self.zap = None;
        if let Some(e) = self.engine.take() {
            self.ev.dropped(&e);
            if e.registered {
                r.remove_fd(e.raw_fd());
            }
            if let Some((_, k)) = e.timer {
                r.cancel_timer(k);
            }
            if let Some(k) = e.connect_timer {
                r.cancel_timer(k);
            }
        }
    }

    /// Starts a connection attempt.
    fn start_connect(&mut self, r: &mut Reactor) {
        let Kind::Connect(c) = &mut self.kind else {
            return;
        };
        let Ok(a) = c.start().map_err(|fd| self.ev.attempt_failed(fd)) else {
            return self.schedule_reconnect(r);
        };
        let timeout = c.connect_timeout();
        let mut e = self.new_engine(a.fd, a.peer_address, a.in_progress);
        let interest = if a.in_progress {
            WRITABLE
        } else {
            READABLE | WRITABLE
        };
        if r.add_fd(e.raw_fd(), self.token, interest).is_err() {
            self.schedule_reconnect(r);
            return;
        }
        e.interest = interest;
        e.registered = true;
        if let (true, Some(t)) = (a.in_progress, timeout) {
            e.connect_timer = Some(r.add_timer(self.token, T_CONNECT, Instant::now() + t));
        }
        self.engine = Some(e);
        self.ev.attempt_started(a.in_progress);
        if !a.in_progress {
            self.connected(r);
        }
    }

    /// The TCP/IPC connection is established: tune it and start the handshake.
    fn connected(&mut self, r: &mut Reactor) {
        if let Some(e) = self.engine.as_mut() {
            e.connecting = false;
            if let Some(k) = e.connect_timer.take() {
                r.cancel_timer(k);
            }
            if let Kind::Connect(c) = &mut self.kind {
                if let Some(peer) = c.established(&e.fd) {
                    e.peer_address = peer;
                }
            }
            self.ev.connected(e);
        }
        self.set_interest(r, READABLE);
        if self.opts.raw_socket {
            self.raw_ready(r);
        }
        self.flush_out(r);
        self.arm_zmtp_timer(r);
    }

    fn schedule_reconnect(&mut self, r: &mut Reactor) {
        self.drop_engine(r);
        // A closed socket's session keeps trying only while it holds
        // messages and LINGER allows (the linger timer ends it).
        let pending = self.pipe.as_ref().is_some_and(|p| p.has_msg());
        if self.closing || (self.socket_gone && (!pending || self.opts.linger == 0)) {
            self.finish(r);
            return;
        }
        // R3: RECONNECT_IVL ≤ 0 means no reconnection; the endpoint goes away.
        let wait = match &mut self.kind {
            Kind::Connect(c) => c.next_wait(),
            Kind::Accepted => None,
        };
        match wait {
            Some(w) => {
                let at = Instant::now() + w;
                self.reconnect_timer = Some(r.add_timer(self.token, T_RECONNECT, at));
                self.ev.retried(w);
            }
            None => self.finish(r),
        }
    }

    /// The connection failed or was closed by the peer.
    fn engine_error(&mut self, r: &mut Reactor) {
        // A handshake that failed after queuing ERROR (a ZAP denial) tells
        // the peer why before closing: one non-blocking write.
        if let Some(e) = self.engine.as_mut() {
            if e.registered && !e.connecting && e.zmtp.failure().is_some() {
                let _ = e.write_once(usize::MAX);
            }
        }
        let in_handshake = self
            .engine
            .as_ref()
            .is_some_and(|e| !e.connecting && !e.ready);
        if let (true, Kind::Connect(c)) = (in_handshake, &mut self.kind) {
            c.handshake_failed();
        }
        if let (Some(e), Some(p)) = (self.engine.as_mut(), self.pipe.as_mut()) {
            let active = matches!(self.kind, Kind::Connect(_));
            notify::disconnected(&self.opts, e, p, active);
        }
        self.ev.failed(self.engine.as_ref());
        self.drop_engine(r);
        if let Some(p) = self.pipe.as_mut() {
            p.rollback();
        }
        match self.kind {
            Kind::Accepted => self.finish(r),
            Kind::Connect(_) => {
                if self.opts.immediate {
                    if let Some(mut p) = self.pipe.take() {
                        p.terminate();
                    }
                }
                self.schedule_reconnect(r);
            }
        }
    }

    fn set_interest(&mut self, r: &mut Reactor, want: u32) {
        let token = self.token;
        if let Some(e) = self.engine.as_mut() {
            if e.interest != want {
                if e.registered {
                    let _ = r.modify_fd(e.raw_fd(), token, want);
                }
                e.interest = want;
            }
        }
    }

    fn arm_zmtp_timer(&mut self, r: &mut Reactor) {
        let token = self.token;
        let Some(e) = self.engine.as_mut() else {
            return;
        };
        let want = e.zmtp.next_deadline();
        match (want, e.timer) {
            (Some(at), Some((cur, _))) if at == cur => {}
            (want, cur) => {
                if let Some((_, k)) = cur {
                    r.cancel_timer(k);
                }
                e.timer = want.map(|at| (at, r.add_timer(token, T_ZMTP, at)));
            }
        }
    }

    /// Handshake done: make or re-use the pipe and announce the peer.
    fn on_ready(&mut self, r: &mut Reactor, peer: zmtp::PeerInfo) {
        if let Some(e) = self.engine.as_mut() {
            e.set_ready((*peer.metadata).clone());
            self.ev.ready(e, peer.version);
        }
        if !self.attach_pipe(r) {
            return;
        }
        // The peer's routing id goes first (sockets that want it keep it).
        if self.opts.recv_routing_id {
            let mut id = Msg::from_slice(&peer.routing_id);
            id.set_flags(flags::ROUTING_ID);
            if let Some(p) = self.pipe.as_mut() {
                let _ = p.write(id);
            }
        }
        if let Some(e) = self.engine.as_mut() {
            notify::connected(&self.opts, e, self.pipe.as_mut());
        }
    }

    /// A raw connection is up (accepted, or connected): there is no
    /// handshake, so the pipe is attached at once (libzmq's
    /// `raw_engine_t::plug_internal`).
    fn raw_ready(&mut self, r: &mut Reactor) {
        if let Some(e) = self.engine.as_mut() {
            e.set_ready(Metadata::new());
        }
        if let (true, Some(e)) = (self.attach_pipe(r), self.engine.as_mut()) {
            notify::connected(&self.opts, e, self.pipe.as_mut());
        }
    }

    /// The connection is ready: make the pipe and hand the socket its end,
    /// or re-use the pipe (a reconnection: the socket hears a hiccup).
    /// False if the session finished instead.
    fn attach_pipe(&mut self, r: &mut Reactor) -> bool {
        let locally = matches!(self.kind, Kind::Connect(_));
        if self.pipe.is_none() {
            if self.socket_gone || self.closing {
                self.finish(r);
                return false;
            }
            let (sock_end, mut sess_end) =
                pipe::pair([self.opts.sndhwm as i64, self.opts.rcvhwm as i64]);
            if conflates_in(&self.opts) {
                sess_end.set_conflate();
            }
            sess_end.set_notifier(self.notifier(r.mailbox()), self.token);
            self.pipe = Some(sess_end);
            let info = PipeInfo {
                locally_initiated: locally,
                connect_routing_id: None,
                direct_recv: Some(self.direct_recv(r.mailbox(), self.token)),
                endpoints: self.ev.pipe_pair(self.engine.as_ref()),
                origin: self.origin,
            };
            if !self.socket.send_attach(sock_end, info) {
                self.finish(r);
                return false;
            }
        } else if self.had_connection {
            if let Some(p) = self.pipe.as_ref() {
                p.send_hiccup();
            }
        }
        self.had_connection = true;
        self.publish_live();
        true
    }
}

impl IoObject for Session {
    fn start(&mut self, r: &mut Reactor, token: u64) {
        self.with_conn(|s| s.on_start(r, token))
    }
    fn ready(&mut self, r: &mut Reactor, token: u64, events: u32) {
        self.with_conn(|s| s.on_fd_ready(r, token, events))
    }
    fn pipe(&mut self, r: &mut Reactor, token: u64, ev: PipeEvent) {
        self.with_conn(|s| s.on_pipe(r, token, ev))
    }
    fn timer(&mut self, r: &mut Reactor, token: u64, id: u32) {
        self.with_conn(|s| s.on_timer(r, token, id))
    }
    fn close(&mut self, r: &mut Reactor, token: u64, linger: bool) {
        self.with_conn(|s| s.on_close(r, token, linger))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Break the cycle pipe end -> notifier -> conn -> pipe end if the
        // session is dropped while it still holds them (reactor stopping).
        // Dropped outside the lock.
        let (p, e) = {
            let mut g = self.conn.lock();
            self.live.clear();
            (g.pipe.take(), g.engine.take())
        };
        drop(p);
        drop(e);
    }
}

impl Session {
    fn on_start(&mut self, r: &mut Reactor, token: u64) {
        self.token = token;
        match self.kind {
            Kind::Connect(_) => self.start_connect(r),
            Kind::Accepted => {
                let fd = match self.engine.as_ref() {
                    Some(e) => e.raw_fd(),
                    None => return self.finish(r),
                };
                if r.add_fd(fd, token, READABLE).is_err() {
                    return self.finish(r);
                }
                if let Some(e) = self.engine.as_mut() {
                    e.interest = READABLE;
                    e.registered = true;
                }
                if self.opts.raw_socket {
                    self.raw_ready(r); // (if it finished, nothing below acts)
                }
                self.flush_out(r);
                self.arm_zmtp_timer(r);
            }
        }
    }

    fn on_fd_ready(&mut self, r: &mut Reactor, _token: u64, events: u32) {
        let connecting = self.engine.as_ref().is_some_and(|e| e.connecting);
        if connecting {
            // Ok(Some(interest)): a SOCKS handshake waits for the fd.
            let step = match (&mut self.kind, self.engine.as_ref()) {
                (Kind::Connect(c), Some(e)) => c.advance(&e.fd),
                _ => Err(crate::error::Errno::EINVAL),
            };
            match step {
                Ok(None) => self.connected(r),
                Ok(Some(want)) => self.set_interest(r, want),
                Err(_) => self.engine_error(r),
            }
            return;
        }
        if events & WRITABLE != 0 {
            self.flush_out(r);
        }
        if events & (READABLE | ERROR) != 0 {
            let stopped = self.engine.as_ref().is_some_and(|e| e.input_stopped);
            if !stopped {
                self.pump_in(r);
            } else if events & ERROR != 0 {
                self.park_hung_up(r);
            }
        }
    }

    fn on_pipe(&mut self, r: &mut Reactor, token: u64, ev: PipeEvent) {
        if token & SECOND_PIPE != 0 {
            return self.on_zap_pipe(r);
        }
        match ev {
            PipeEvent::Readable => self.flush_out(r),
            PipeEvent::Writable => self.resume_input(r),
            PipeEvent::Closed => {
                // A raw connection closed by an empty frame first writes
                // what was sent before it (whatever LINGER says).
                if self.opts.raw_socket {
                    self.flush_out(r);
                }
                if !self.done {
                    self.on_socket_closed(r);
                }
            }
            PipeEvent::Hiccup => {}
        }
    }

    /// The socket closed its end: LINGER decides how long to flush.
    fn on_socket_closed(&mut self, r: &mut Reactor) {
        self.socket_gone = true;
        if self.engine.as_ref().is_none_or(|e| !e.ready) {
            // Not connected: finish now unless there is something to send
            // and LINGER allows waiting for a connection.
            let pending = self.pipe.as_ref().is_some_and(|p| p.has_msg());
            if !pending {
                return self.finish(r);
            }
        }
        if self.opts.linger == 0 {
            return self.finish(r);
        }
        if self.opts.linger > 0 && self.linger_timer.is_none() {
            let at = Instant::now() + Duration::from_millis(self.opts.linger as u64);
            self.linger_timer = Some(r.add_timer(self.token, T_LINGER, at));
        }
        self.flush_out(r);
    }

    fn on_timer(&mut self, r: &mut Reactor, _token: u64, id: u32) {
        match id {
            T_RECONNECT => {
                self.reconnect_timer = None;
                self.start_connect(r);
            }
            T_LINGER => self.finish(r),
            T_CONNECT if self.engine.as_ref().is_some_and(|e| e.connecting) => self.engine_error(r),
            T_ZMTP => {
                let Some(e) = self.engine.as_mut() else {
                    return;
                };
                e.timer = None;
                if e.zmtp.on_timer(Instant::now()).is_err() {
                    self.engine_error(r);
                    return;
                }
                self.flush_out(r);
                self.arm_zmtp_timer(r);
            }
            _ => {}
        }
    }

    fn on_close(&mut self, r: &mut Reactor, _token: u64, linger: bool) {
        if !linger {
            self.closing = true;
            self.finish(r);
            return;
        }
        // The socket closed: its pipe end's `Closed` event drives lingering.
        self.socket_gone = true;
        if self.pipe.is_none() {
            self.finish(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{flush, greet, io_world, next_event, wait_attach};
    use super::*;
    use crate::io::reactor::new_token;
    use crate::pipe::Read;
    use crate::zmtp::{socket_types, Event};
    use std::os::unix::net::UnixStream;

    /// An accepted session attaches a pipe once the handshake is done,
    /// moves messages both ways, and closes the pipe when the peer leaves.
    #[test]
    fn accepted_session_glues_pipe_and_connection() {
        let (io, ctx, socket) = io_world();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let opts = Options::new(socket_types::PAIR, true);
        let s = Session::accepted(
            OwnedFd::from(a),
            String::new(),
            socket.clone(),
            &ctx,
            opts,
            0,
        );
        io.send(IoCmd::Register {
            token: new_token(),
            obj: Box::new(s),
        });
        let (mut peer, mut pipe, info) = greet(&mut b, &socket);
        assert!(!info.locally_initiated);
        assert!(info.direct_recv.is_some());
        // Socket → peer.
        pipe.write(Msg::from_slice(b"to peer")).unwrap();
        let Event::Msg(m) = next_event(&mut b, &mut peer) else {
            panic!("not a message")
        };
        assert_eq!(m.data(), b"to peer");
        // Peer → socket.
        peer.encode(&Msg::from_slice(b"to socket"));
        flush(&mut b, &mut peer);
        let got = (0..500).find_map(|_| match pipe.read() {
            Read::Msg(m) => Some(m),
            _ => {
                std::thread::sleep(Duration::from_millis(5));
                None
            }
        });
        assert_eq!(got.unwrap().data(), b"to socket");
        // The peer leaves: the session ends and the pipe closes.
        drop(b);
        let closed = (0..500).any(|_| {
            std::thread::sleep(Duration::from_millis(5));
            matches!(pipe.read(), Read::Closed)
        });
        assert!(closed);
        io.stop();
    }

    /// Reads from the socket end until a message comes (5 s at most).
    fn read_msg(pipe: &mut Pipe) -> Msg {
        for _ in 0..1000 {
            if let Read::Msg(m) = pipe.read() {
                return m;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("no message")
    }

    /// A raw (STREAM) session attaches its pipe with no handshake, tells
    /// the socket of the connection and its end with empty messages that
    /// carry Peer-Address, moves bare bytes both ways, and a closed socket
    /// end closes the connection after what was sent.
    #[test]
    fn raw_session_attaches_at_once_and_notifies() {
        use std::io::{Read as _, Write as _};
        let (io, ctx, socket) = io_world();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let opts = Options::new(socket_types::STREAM, true);
        assert!(opts.raw_socket && opts.raw_notify);
        let peer = "127.0.0.1".to_string();
        let s = Session::accepted(OwnedFd::from(a), peer, socket.clone(), &ctx, opts, 0);
        io.send(IoCmd::Register {
            token: new_token(),
            obj: Box::new(s),
        });
        let (mut pipe, info) = wait_attach(&socket.mailbox);
        assert!(!info.locally_initiated);
        let hello = read_msg(&mut pipe);
        assert!(hello.is_empty());
        assert_eq!(
            hello.gets("Peer-Address").map(|v| v.to_bytes()),
            Some(&b"127.0.0.1"[..])
        );
        b.write_all(b"\x02\xffraw").unwrap();
        let mut got = Vec::new();
        while got.len() < 5 {
            got.extend_from_slice(read_msg(&mut pipe).data());
        }
        assert_eq!(got, b"\x02\xffraw");
        pipe.write(Msg::from_slice(b"reply")).unwrap();
        pipe.terminate();
        let mut out = Vec::new();
        b.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"reply");
        io.stop();

        // The peer goes away: an empty message again.
        let (io, ctx, socket) = io_world();
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let opts = Options::new(socket_types::STREAM, true);
        let s = Session::accepted(
            OwnedFd::from(a),
            String::new(),
            socket.clone(),
            &ctx,
            opts,
            0,
        );
        io.send(IoCmd::Register {
            token: new_token(),
            obj: Box::new(s),
        });
        let (mut pipe, _) = wait_attach(&socket.mailbox);
        assert!(read_msg(&mut pipe).is_empty());
        drop(b);
        assert!(read_msg(&mut pipe).is_empty());
        io.stop();
    }
}
