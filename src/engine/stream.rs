//! The byte engine: one connection's fd and ZMTP codec, and the two loops
//! that move its bytes — fd → decode → pipe ([`Engine::pump`]) and
//! pipe → encode → fd ([`Engine::fill`] then [`Engine::write_once`]).
//!
//! The loops are shared by the I/O thread (`Session::pump_in`,
//! `Session::flush_out`) and by the direct paths that run in a socket's own
//! thread (`direct_send`, `DirectRecv::try_recv`): what differs between them
//! (what to do at HWM, at EOF, after the handshake, with epoll) is the
//! caller's business, told by the values these return. The engine never
//! touches the reactor.

use crate::error::{Errno, Result};
use crate::io::reactor::TimerKey;
use crate::msg::{Metadata, Msg};
use crate::options::Options;
use crate::pipe::{Pipe, Read};
use crate::transport::sys;
use crate::zmtp::{self, Event, Zmtp};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::Instant;

/// Bytes encoded before a write is issued.
pub(super) const OUT_BATCH: usize = 64 * 1024;

/// Decrypted messages written into the pipe before they are published.
const SEALED_BATCH: u32 = 128;

/// The mechanism and credentials the socket's options select
/// (ZMQ_MECHANISM with its role: ZMQ_PLAIN_SERVER / ZMQ_CURVE_SERVER).
fn mechanism_config(opts: &Options) -> zmtp::MechanismConfig {
    use crate::constants::{ZMQ_CURVE, ZMQ_PLAIN};
    use zmtp::{MechanismConfig as M, SecretKeyBytes};
    let secret = || -> SecretKeyBytes { opts.curve_secretkey.clone() };
    match (opts.mechanism, opts.as_server()) {
        (ZMQ_PLAIN, true) => M::PlainServer,
        (ZMQ_PLAIN, false) => M::PlainClient {
            username: opts.plain_username.as_bytes().to_vec(),
            password: crate::secret::Secret::new(opts.plain_password.as_bytes().to_vec()),
        },
        (ZMQ_CURVE, true) => M::CurveServer { secret: secret() },
        (ZMQ_CURVE, false) => M::CurveClient {
            public: opts.curve_publickey,
            secret: secret(),
            server: opts.curve_serverkey,
        },
        _ => M::Null,
    }
}

/// The connection's fd and protocol state.
pub(super) struct Engine {
    pub fd: OwnedFd,
    pub zmtp: Zmtp,
    /// epoll interest currently registered.
    pub interest: u32,
    /// Non-blocking connect still in progress.
    pub connecting: bool,
    /// Reading paused because the inbound pipe is at HWM (READABLE is then
    /// not in `interest`, so a level-triggered fd does not spin).
    pub input_stopped: bool,
    /// The fd is registered with epoll. It is taken out when the peer hangs
    /// up while input is stopped: its data stays in the kernel until read.
    pub registered: bool,
    /// A decoded frame that did not fit the pipe yet.
    pub pending_in: Option<Msg>,
    /// EOF or a read error was seen (by a direct receive, or by `pump`):
    /// the I/O thread tears the connection down.
    pub read_failed: bool,
    /// The errno of a failed read (EPIPE for EOF) or write, for the
    /// monitor's HANDSHAKE_FAILED_NO_DETAIL.
    pub io_errno: Option<Errno>,
    /// The inbound message being written has more frames.
    pub in_more: bool,
    /// Whole messages written to the pipe but not yet published (sealed
    /// connections only; always published before `pump` returns).
    deferred: u32,
    /// Handshake completed.
    pub ready: bool,
    pub peer_address: String,
    /// The codec's deadline (heartbeats, handshake) as armed in the reactor.
    pub timer: Option<(Instant, TimerKey)>,
    /// CONNECT_TIMEOUT timer of a pending connect.
    pub connect_timer: Option<TimerKey>,
}

/// Why [`Engine::pump`] returned.
#[derive(Debug)]
pub(super) enum Pumped {
    /// Everything the kernel had (or the read budget allowed) was read and
    /// delivered: nothing decodable is left.
    Drained,
    /// The pipe is at HWM: the frame waits in `pending_in` and input is
    /// marked stopped.
    Stopped,
    /// The handshake completed: the caller attaches the pipe, then pumps on.
    Ready(zmtp::PeerInfo),
    /// EOF or a read error (`read_failed` is set), or the codec failed (it
    /// keeps failing): the connection is dead.
    Failed,
}

/// How a [`Engine::pump`] call went.
#[derive(Default, Debug)]
pub(super) struct PumpStats {
    /// Whole messages written into the pipe.
    pub delivered: u32,
    /// Bytes read from the fd.
    pub read: usize,
}

/// What [`Engine::fill`] found in the pipe.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Filled {
    /// The pipe is empty (everything visible is encoded).
    Drained,
    /// A batch is encoded; the pipe may hold more.
    Full,
    /// The pipe's other end is closed and everything it sent is encoded.
    Closed,
}

/// How one [`Engine::write_once`] went.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Wrote {
    /// No output was queued: no system call made.
    Nothing,
    /// The kernel took all `n` bytes offered.
    All(usize),
    /// The kernel took less than offered, or nothing (EAGAIN): wait for
    /// EPOLLOUT.
    Partial,
    /// The write failed (the peer is gone).
    Failed,
}

impl Engine {
    pub fn new(fd: OwnedFd, zmtp: Zmtp, peer_address: String, connecting: bool) -> Engine {
        Engine {
            fd,
            zmtp,
            interest: 0,
            connecting,
            input_stopped: false,
            registered: false,
            pending_in: None,
            read_failed: false,
            io_errno: None,
            in_more: false,
            deferred: 0,
            ready: false,
            peer_address,
            timer: None,
            connect_timer: None,
        }
    }

    /// The codec of a new connection for a socket with `opts`, chosen here
    /// once per connection: ZMTP, or raw bytes (STREAM, ROUTER_RAW).
    pub fn codec(opts: &Options, now: Instant) -> Zmtp {
        if opts.raw_socket {
            return Zmtp::raw(now);
        }
        let cfg = zmtp::Config {
            socket_type: opts.socket_type,
            routing_id: opts.routing_id.clone(),
            mechanism: mechanism_config(opts),
            maxmsgsize: opts.maxmsgsize,
            heartbeat_ivl_ms: opts.heartbeat_ivl,
            heartbeat_ttl_ms: opts.heartbeat_ttl,
            heartbeat_timeout_ms: opts.heartbeat_timeout,
            handshake_ivl_ms: opts.handshake_ivl,
            metadata: opts.metadata.clone(),
            zap_domain: opts.zap_domain.as_bytes().to_vec(),
            zap_enforce_domain: opts.zap_enforce_domain,
        };
        Zmtp::new(cfg, now)
    }

    /// The connection is established (raw) or handshaken (ZMTP): data may
    /// flow. Received messages carry `meta` plus the peer's address.
    pub fn set_ready(&mut self, mut meta: Metadata) {
        if !self.peer_address.is_empty() {
            meta.set("Peer-Address", self.peer_address.as_bytes());
            // ZMQ_SRCFD reads it back (libzmq's private "__fd" property,
            // set with Peer-Address).
            meta.set("__fd", self.raw_fd().to_string().as_bytes());
        }
        self.ready = true;
        self.zmtp.set_msg_metadata(Some(meta));
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Established, registered and neither connecting nor hung up.
    pub fn is_established(&self) -> bool {
        self.ready && self.registered && !self.connecting
    }

    /// Delivers what is already decoded, then reads and decodes until the
    /// kernel has nothing more (a read shorter than the buffer, or EAGAIN),
    /// `budget` bytes were read, the pipe is at HWM, the handshake
    /// completed, or the connection failed.
    ///
    /// `keep_chunk`: keep the receive chunk when everything is drained (a
    /// blocked receiver comes back at once); otherwise an idle connection
    /// gives it back, so that it costs no 16 KiB.
    pub fn pump(
        &mut self,
        mut pipe: Option<&mut Pipe>,
        now: Instant,
        budget: usize,
        keep_chunk: bool,
        st: &mut PumpStats,
    ) -> Pumped {
        if self.read_failed {
            return Pumped::Failed;
        }
        let mut left = budget;
        // A read shorter than the buffer drained the socket: decode it and
        // stop, rather than pay a read that only says EAGAIN (epoll is
        // level-triggered, so anything that arrives meanwhile wakes us).
        let mut drained = false;
        loop {
            match self.deliver(pipe.as_deref_mut(), now, &mut st.delivered) {
                None => {}
                Some(stop) => return stop,
            }
            if drained || left == 0 {
                if !keep_chunk {
                    self.zmtp.release_idle_input();
                }
                return Pumped::Drained;
            }
            let buf = self.zmtp.input_buf();
            let want = buf.len().min(left);
            match sys::read(self.fd.as_fd(), &mut buf[..want]) {
                Ok(0) => {
                    self.read_failed = true; // EOF
                    self.io_errno = Some(Errno::EPIPE);
                    return Pumped::Failed;
                }
                Ok(n) => {
                    self.zmtp.input_commit(n);
                    st.read += n;
                    left -= n;
                    // While a large frame streams in, keep reading until
                    // EAGAIN: more of it is usually arriving already. A
                    // parked fd (peer hung up while input was stopped) is
                    // not polled any more: read on to the end of its data.
                    drained = n < want && !self.zmtp.reading_large_frame() && self.registered;
                }
                Err(Errno::EAGAIN) => {
                    self.zmtp.release_idle_input();
                    return Pumped::Drained;
                }
                Err(e) => {
                    self.read_failed = true;
                    self.io_errno = Some(e);
                    return Pumped::Failed;
                }
            }
        }
    }

    /// Delivers the pending frame, then decodes frames and writes them into
    /// the pipe until the codec needs more bytes (None) or something stops
    /// it. `delivered` counts whole messages written.
    fn deliver(
        &mut self,
        mut pipe: Option<&mut Pipe>,
        now: Instant,
        delivered: &mut u32,
    ) -> Option<Pumped> {
        let r = self.deliver_each(pipe.as_deref_mut(), now, delivered);
        if self.deferred > 0 {
            self.deferred = 0;
            if let Some(p) = pipe {
                p.publish();
            }
        }
        r
    }

    fn deliver_each(
        &mut self,
        mut pipe: Option<&mut Pipe>,
        now: Instant,
        delivered: &mut u32,
    ) -> Option<Pumped> {
        // Each message is published as soon as it is decoded: publishing a
        // whole read's messages at once (one swap) was measured slower — the
        // reader then waits for the whole batch instead of working alongside.
        // Sealed (CURVE) messages go out in batches of `SEALED_BATCH`: each
        // costs a box, so the reader would otherwise sleep and be woken
        // (two system calls) once per message.
        loop {
            let m = if let Some(m) = self.pending_in.take() {
                m
            } else {
                match self.zmtp.next_event(now) {
                    Ok(Some(Event::Msg(m))) => m,
                    Ok(Some(Event::Ready(peer))) => return Some(Pumped::Ready(peer)),
                    Ok(None) => return None,
                    Err(_) => return Some(Pumped::Failed),
                }
            };
            let more = m.more();
            if !self.push_in(pipe.as_deref_mut(), m) {
                return Some(Pumped::Stopped);
            }
            if !more {
                *delivered += 1;
            }
        }
    }

    /// Writes one decoded frame into the pipe; false if it had to wait (the
    /// frame is then kept in `pending_in` and input is marked stopped).
    fn push_in(&mut self, pipe: Option<&mut Pipe>, m: Msg) -> bool {
        let Some(p) = pipe else {
            return true; // socket gone: discard
        };
        if !self.in_more && !p.check_write() {
            if p.is_peer_closed() {
                return true; // the socket is gone; drop
            }
            self.pending_in = Some(m);
            self.input_stopped = true;
            self.zmtp.set_flow_stopped(true);
            return false;
        }
        self.in_more = m.more();
        if self.zmtp.is_sealed() {
            let _ = p.write_deferred(m);
            if !self.in_more {
                self.deferred += 1;
                if self.deferred >= SEALED_BATCH {
                    self.deferred = 0;
                    p.publish();
                }
            }
        } else {
            let _ = p.write(m);
        }
        true
    }

    /// Encodes whole messages from the pipe (a message is visible only once
    /// its last frame is written) until a batch of output is queued.
    pub fn fill(&mut self, p: &mut Pipe) -> Filled {
        while self.zmtp.output_len() < OUT_BATCH {
            match p.read() {
                Read::Msg(m) => self.zmtp.encode(&m),
                Read::Empty => return Filled::Drained,
                Read::Closed => return Filled::Closed,
            }
        }
        Filled::Full
    }

    /// One non-blocking write of the queued output, at most `budget` bytes:
    /// a large body goes out with its frame header in the same `sendmsg`.
    pub fn write_once(&mut self, budget: usize) -> Wrote {
        let [a, b] = self.zmtp.output_vectored();
        if a.is_empty() || budget == 0 {
            return Wrote::Nothing;
        }
        let a = &a[..a.len().min(budget)];
        let b = &b[..b.len().min(budget - a.len())];
        let offered = a.len() + b.len();
        match send_out(self.fd.as_fd(), a, b) {
            Ok(n) => {
                self.zmtp.consume_output(n);
                if n == offered {
                    Wrote::All(n)
                } else {
                    Wrote::Partial
                }
            }
            Err(Errno::EAGAIN) => Wrote::Partial,
            Err(e) => {
                self.io_errno = Some(e);
                Wrote::Failed
            }
        }
    }
}

/// Writes `a` then `b` (`b` may be empty) with one system call.
fn send_out(fd: std::os::fd::BorrowedFd<'_>, a: &[u8], b: &[u8]) -> Result<usize> {
    if b.is_empty() {
        sys::write(fd, a)
    } else {
        sys::writev(fd, &[a, b])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{established, peer_send};
    use super::*;
    use crate::pipe;

    /// One I/O-thread style pump (no budget, the chunk given back).
    fn pump(e: &mut Engine, pipe: &mut pipe::Pipe) -> (Pumped, PumpStats) {
        let mut st = PumpStats::default();
        let r = e.pump(Some(pipe), Instant::now(), usize::MAX, false, &mut st);
        (r, st)
    }

    #[test]
    fn pump_delivers_and_stops_at_hwm() {
        let (mut e, mut b, mut peer) = established();
        let (mut sess_end, mut sock_end) = pipe::pair([2, 2]);
        for body in [&b"one"[..], b"two", b"three"] {
            peer_send(&mut b, &mut peer, body);
        }
        let (r, st) = pump(&mut e, &mut sess_end);
        assert!(matches!(r, Pumped::Stopped), "{r:?}");
        assert_eq!(st.delivered, 2);
        assert!(e.input_stopped && e.pending_in.is_some());
        // The socket drains: the pending frame goes first.
        for want in [&b"one"[..], b"two"] {
            let Read::Msg(m) = sock_end.read() else {
                panic!()
            };
            assert_eq!(m.data(), want);
        }
        e.input_stopped = false;
        let (r, st) = pump(&mut e, &mut sess_end);
        assert!(matches!(r, Pumped::Drained), "{r:?}");
        assert_eq!(st.delivered, 1);
        let Read::Msg(m) = sock_end.read() else {
            panic!()
        };
        assert_eq!(m.data(), b"three");
    }

    #[test]
    fn pump_reports_eof() {
        let (mut e, b, _peer) = established();
        drop(b);
        let (mut sess_end, _sock_end) = pipe::pair([0, 0]);
        assert!(matches!(pump(&mut e, &mut sess_end).0, Pumped::Failed));
        assert!(e.read_failed);
        // It stays failed.
        assert!(matches!(pump(&mut e, &mut sess_end).0, Pumped::Failed));
    }

    #[test]
    fn pump_respects_its_budget() {
        let (mut e, mut b, mut peer) = established();
        let (mut sess_end, _sock_end) = pipe::pair([0, 0]);
        peer_send(&mut b, &mut peer, &[7u8; 100]);
        let mut st = PumpStats::default();
        let r = e.pump(Some(&mut sess_end), Instant::now(), 10, true, &mut st);
        assert!(matches!(r, Pumped::Drained));
        assert_eq!((st.read, st.delivered), (10, 0));
        let r = e.pump(
            Some(&mut sess_end),
            Instant::now(),
            usize::MAX,
            true,
            &mut st,
        );
        assert!(matches!(r, Pumped::Drained));
        assert_eq!(st.delivered, 1);
    }

    #[test]
    fn fill_and_write_move_messages_to_the_peer() {
        let (mut e, mut b, mut peer) = established();
        let (mut sess_end, mut sock_end) = pipe::pair([0, 0]);
        sock_end.write(Msg::from_slice(b"hello")).unwrap();
        sock_end
            .write(Msg::from_slice(&vec![9u8; 100_000]))
            .unwrap();
        // Both are encoded; with a batch queued, nothing more is read.
        assert_eq!(e.fill(&mut sess_end), Filled::Full);
        assert_eq!(e.fill(&mut sess_end), Filled::Full);
        assert!(!sess_end.has_msg());
        let mut got = Vec::new();
        let now = Instant::now();
        while got.len() < 2 {
            match e.write_once(usize::MAX) {
                Wrote::All(_) | Wrote::Partial | Wrote::Nothing => {}
                Wrote::Failed => panic!("write failed"),
            }
            let buf = peer.input_buf();
            let n = std::io::Read::read(&mut b, buf).unwrap();
            peer.input_commit(n);
            while let Ok(Some(Event::Msg(m))) = peer.next_event(now) {
                got.push(m.data().len());
            }
        }
        assert_eq!(got, [5, 100_000]);
        assert_eq!(e.write_once(usize::MAX), Wrote::Nothing);
        assert_eq!(e.fill(&mut sess_end), Filled::Drained);
        drop(sock_end);
        assert_eq!(e.fill(&mut sess_end), Filled::Closed);
    }

    #[test]
    fn write_once_offers_at_most_its_budget() {
        let (mut e, mut b, _peer) = established();
        let (mut sess_end, mut sock_end) = pipe::pair([0, 0]);
        sock_end.write(Msg::from_slice(&[1u8; 1000])).unwrap();
        e.fill(&mut sess_end);
        let before = e.zmtp.output_len();
        assert_eq!(e.write_once(100), Wrote::All(100));
        assert_eq!(e.zmtp.output_len(), before - 100);
        let mut tmp = [0u8; 200];
        assert_eq!(std::io::Read::read(&mut b, &mut tmp).unwrap(), 100);
    }
}
