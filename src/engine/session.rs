//! A session: one connection's life in an I/O thread.
//!
//! It owns the session end of the socket's pipe, and while connected a
//! stream engine: the fd, the ZMTP codec and the flow-control state. For a
//! `zmq_connect` it also owns the address and the reconnect timer, and its
//! pipe (with IMMEDIATE=0) outlives reconnections; a session made by a
//! listener dies with its connection.
//!
//! Data path: fd → `Zmtp::input_buf` → `next_event` → `Pipe::write` (stop
//! reading when the pipe is at HWM, resume on `Writable`), and `Pipe::read` →
//! `Zmtp::encode` → one large `write` (resume on EPOLLOUT).
//!
//! # Direct send from the writer's thread
//!
//! The session's pipe end and the engine live in a [`Conn`] behind a
//! `parking_lot::Mutex` shared with the pipe end's notifier
//! ([`SessionNotifier`]). The I/O thread takes the lock for the whole of
//! every callback ([`Session::with_conn`] moves the two fields into the
//! session and back), so all the existing code runs unchanged under it.
//!
//! When the socket's thread writes a message and the session end had gone
//! to sleep, the pipe calls `SessionNotifier::pipe_event(Readable)` in the
//! socket's thread. Instead of posting `IoCmd::Pipe` (one eventfd wake-up of
//! the I/O thread) it `try_lock`s the `Conn` and, if the connection is
//! established and idle (see [`direct_send`]), reads whole messages from the
//! same pipe end, encodes them and `send()`s them on the non-blocking fd
//! itself. It never touches the reactor (epoll, timers, teardown): whenever
//! it cannot finish (lock busy, not ready, output left after a short write,
//! a write error, more than one batch queued, the peer end closed) it posts
//! the `Readable` command exactly as before, and the I/O thread's
//! `flush_out` carries on (arming EPOLLOUT, or seeing the error on its own
//! write and tearing down). Only `Readable` takes this path; `Closed`,
//! `Writable` and `Hiccup` always go through the mailbox. Two cases keep
//! the mailbox path on purpose: `Readable`s closer together than
//! `DIRECT_MIN_GAP_NS` (a streaming writer: the I/O thread batches, where
//! direct sends would cost one `send(2)` per message), and PUB/XPUB (one
//! message fans out to every subscriber's pipe).
//!
//! # Direct receive in the reader's thread
//!
//! When a socket's receive is about to block and the socket has a few pipes
//! (`Socket::wait_direct`), it polls the connections' fds (published by the
//! session in [`DirectRecv`]: generation and fd, 0 while there is no
//! established engine) next to its mailbox. On a readable fd it locks the
//! `Conn`, checks the engine is still the published one, established,
//! registered and not input-stopped with nothing pending, and does what
//! `pump_in` does without the reactor: `read(2)`, decode, write into the
//! pipe ([`deliver_input`], shared with `pump_in`). It hands the I/O thread
//! (a `Writable` pipe command: `resume_input` pumps the input) anything
//! that needs the reactor or would otherwise be stranded: the pipe at HWM
//! (decoded input kept in `pending_in`, READABLE to be taken out of epoll),
//! EOF or a read error (`read_failed`), a codec error, output queued by the
//! codec (PONG) or a changed codec deadline. The I/O thread, woken by the
//! same data (epoll is level-triggered), then finds nothing to read.

use super::Addr;
use crate::ctx::{CtxHold, CtxInner};
use crate::error::Errno;
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{IoCmd, IoObject, Reactor, TimerKey, ERROR, READABLE, WRITABLE};
use crate::msg::{flags, Msg};
use crate::options::Options;
use crate::pipe::{self, Pipe, PipeEvent, PipeEvents, Read};
use crate::socket::{PipeInfo, SocketShared};
use crate::transport::{ipc, tcp};
use crate::zmtp::{self, Event, Zmtp};
use parking_lot::Mutex;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const T_RECONNECT: u32 = 1;
const T_ZMTP: u32 = 2;
const T_LINGER: u32 = 3;
const T_CONNECT: u32 = 4;

/// Bytes encoded before a write is issued.
const OUT_BATCH: usize = 64 * 1024;

/// The connection's fd and protocol state.
struct Engine {
    fd: OwnedFd,
    zmtp: Zmtp,
    /// epoll interest currently registered.
    interest: u32,
    /// Non-blocking connect still in progress.
    connecting: bool,
    /// Reading paused because the inbound pipe is at HWM (READABLE is then
    /// not in `interest`, so a level-triggered fd does not spin).
    input_stopped: bool,
    /// The fd is registered with epoll. It is taken out when the peer hangs
    /// up while input is stopped: its data stays in the kernel until read.
    registered: bool,
    /// A decoded frame that did not fit the pipe yet.
    pending_in: Option<Msg>,
    /// A direct receive saw EOF or a read error: the I/O thread's next
    /// `pump_in` tears the connection down.
    read_failed: bool,
    /// The inbound message being written has more frames.
    in_more: bool,
    /// Handshake completed.
    ready: bool,
    peer_address: String,
    timer: Option<(Instant, TimerKey)>,
    /// CONNECT_TIMEOUT timer of a pending connect.
    connect_timer: Option<TimerKey>,
}

/// What the direct-send path needs: the session's pipe end and the engine.
///
/// Lock discipline (the `Mutex` in `Session::conn` and
/// `SessionNotifier::conn`):
/// - The I/O thread holds it (blocking `lock`) for the whole of each
///   [`IoObject`] callback and moves both fields into the `Session` for that
///   time (`Session::with_conn`); between callbacks they live here.
/// - A socket's thread blocked in a receive `lock`s it in
///   [`DirectRecv::try_recv`] (blocking: see there) and then uses only the
///   pipe end's writing side, the codec's input side and the fd for
///   `read(2)`, and sets only `pending_in`, `in_more`, `input_stopped` and
///   `read_failed`; it re-checks `live` under the lock before touching the
///   fd. Anything that needs the reactor it hands to the I/O thread.
/// - Any other thread only `try_lock`s it, in [`direct_send`], and while it
///   holds it uses only: the pipe end's reading side (`Pipe::read`, which is
///   `Send` and needs one user at a time: the lock gives that), the codec's
///   output side (`Zmtp::encode`, `output`, `consume_output`), the fd for
///   `send(2)` (the fd cannot be closed meanwhile: only the I/O thread drops
///   the engine, under the lock), and reads the flags `ready`,
///   `connecting`, `registered` and `interest` without changing them.
/// - Nothing is done under the lock that could wait for another thread or
///   take this (or another session's) lock (pipe notifications only post to mailboxes, and
///   the socket end's notifier is never this one), so there is no deadlock;
///   `parking_lot` does not poison, and a panic in a callback leaves the
///   fields in the `Session`, which drops them.
struct Conn {
    pipe: Option<Pipe>,
    engine: Option<Engine>,
}

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
    if !e.ready
        || e.connecting
        || !e.registered
        || e.interest & WRITABLE != 0
        || e.zmtp.output_len() != 0
    {
        return false;
    }
    // Whole messages, as flush_out reads them: a message is visible in the
    // pipe only once its last frame is written.
    let mut drained = false;
    while e.zmtp.output_len() < OUT_BATCH {
        match p.read() {
            Read::Msg(m) => e.zmtp.encode(&m),
            Read::Empty => {
                drained = true;
                break;
            }
            // Cannot happen while the writer is writing; let the I/O
            // thread see it.
            Read::Closed => break,
        }
    }
    // Write at most one batch, as much as the kernel takes (the fd is
    // non-blocking, so this never blocks).
    if e.zmtp.output_len() != 0 {
        DIRECT_SENDS.fetch_add(1, Ordering::Relaxed);
    }
    let mut budget = OUT_BATCH;
    while budget > 0 {
        let out = e.zmtp.output();
        if out.is_empty() {
            break;
        }
        let len = out.len().min(budget);
        // The fd is open while we hold the lock (only the I/O thread closes
        // it, under the lock).
        let n = send_vectored(e.fd.as_raw_fd(), &out[..len], &[]);
        if n <= 0 {
            // EAGAIN: the I/O thread arms EPOLLOUT. An error: its own
            // write (or read) sees it and tears the connection down.
            DIRECT_SHORT.fetch_add(1, Ordering::Relaxed);
            break;
        }
        e.zmtp.consume_output(n as usize);
        budget -= n as usize;
        if n as usize != len {
            DIRECT_SHORT.fetch_add(1, Ordering::Relaxed);
            break;
        }
    }
    drained && e.zmtp.output_len() == 0
}

/// Direct receives that delivered at least one message (diagnostics and
/// tests).
static DIRECT_RECVS: AtomicU64 = AtomicU64::new(0);

/// How many times a socket's thread, blocked in a receive, has read a
/// connection and delivered messages itself (process-wide; for tests and
/// diagnostics).
#[doc(hidden)]
pub fn direct_recvs() -> u64 {
    DIRECT_RECVS.load(Ordering::Relaxed)
}

/// Direct receives that stopped at the pipe's HWM (diagnostics and tests).
static DIRECT_RECV_STOPS: AtomicU64 = AtomicU64::new(0);

/// How many direct receives stopped at the pipe's HWM and left the rest to
/// the I/O thread (process-wide; for tests and diagnostics).
#[doc(hidden)]
pub fn direct_recv_stops() -> u64 {
    DIRECT_RECV_STOPS.load(Ordering::Relaxed)
}

/// Bytes a direct receive reads at most before it returns (the kernel's
/// level-triggered readiness makes the I/O thread or the next wait read on).
const DIRECT_RECV_BUDGET: usize = 256 * 1024;

/// What the socket's thread needs to read a connection itself while it is
/// blocked in a receive (see `Socket::wait_direct`): given to the socket
/// with the pipe (`PipeInfo::direct_recv`), dropped with it.
///
/// The receiver polls the fd published in `live` next to its mailbox; when
/// it is readable it calls [`try_recv`](Self::try_recv), which `lock`s
/// the connection and re-checks under the lock that the engine is still the
/// one published (the fd may have been closed and reused since: a stale
/// readable fd is then harmless).
pub struct DirectRecv {
    conn: Arc<Mutex<Conn>>,
    /// `(generation << 32) | fd` of the established engine, 0 when there is
    /// none. Changed only under the `conn` lock, by the I/O thread.
    live: Arc<AtomicU64>,
    mailbox: Arc<Mailbox<IoCmd>>,
    token: u64,
}

impl std::fmt::Debug for DirectRecv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DirectRecv({:#x})", self.live.load(Ordering::Relaxed))
    }
}

/// Result of [`DirectRecv::try_recv`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DirectRead {
    /// At least one whole message was written into the pipe.
    Delivered,
    /// Read bytes but no whole message yet: poll again.
    Progress,
    /// Nothing done here (the I/O thread read it first, not established,
    /// stale fd, left to the I/O thread): stop polling this fd for this
    /// wait.
    Skip,
}

impl DirectRecv {
    /// The published `(generation << 32) | fd`, or 0 if not established.
    pub fn snapshot(&self) -> u64 {
        self.live.load(Ordering::Acquire)
    }

    /// The fd of a non-zero snapshot.
    pub fn fd_of(snapshot: u64) -> std::os::fd::RawFd {
        (snapshot & 0xffff_ffff) as u32 as std::os::fd::RawFd
    }

    /// Reads and decodes what the connection has, and writes the messages
    /// into the session's pipe end, exactly as `Session::pump_in` would,
    /// but without the reactor: anything that needs it (pipe at HWM, EOF,
    /// errors, output queued by the codec such as a PONG, a changed codec
    /// deadline) is handed to the I/O thread with a `Writable` pipe command,
    /// whose `resume_input` runs `pump_in` (and `flush_out`, timers).
    pub fn try_recv(&self, snapshot: u64) -> DirectRead {
        // Blocking: the I/O thread, woken by the same data, holds the lock
        // only for one callback (which never waits for another thread).
        // When it delivered the data itself, its `Readable` reaches our
        // mailbox without an eventfd write (the caller is marked awake), and
        // we find the fd empty here.
        let mut g = self.conn.lock();
        if snapshot == 0 || self.live.load(Ordering::Relaxed) != snapshot {
            return DirectRead::Skip; // another engine (or none) by now
        }
        let Conn {
            pipe: Some(p),
            engine: Some(e),
        } = &mut *g
        else {
            return DirectRead::Skip;
        };
        if !e.ready
            || e.connecting
            || !e.registered
            || e.input_stopped
            || e.read_failed
            || e.pending_in.is_some()
            || e.interest & READABLE == 0
        {
            return DirectRead::Skip;
        }
        let now = Instant::now();
        let deadline = e.zmtp.next_deadline();
        let mut delivered = 0u32;
        let mut kick = false;
        let mut read_any = false;
        let mut budget = DIRECT_RECV_BUDGET;
        let mut drained = false;
        loop {
            match deliver_input(e, Some(&mut *p), now, &mut delivered) {
                Decoded::NeedBytes => {}
                Decoded::Stopped => {
                    // Pipe at HWM: the frame waits in pending_in and input
                    // is marked stopped; the I/O thread must take READABLE
                    // out of epoll (and resume when the socket drains).
                    DIRECT_RECV_STOPS.fetch_add(1, Ordering::Relaxed);
                    kick = true;
                    break;
                }
                Decoded::Error => {
                    // A protocol error: the codec keeps it, pump_in sees it.
                    kick = true;
                    break;
                }
                Decoded::Ready(_) => {
                    // Cannot happen on an established connection; if it
                    // did, the connection is in no state to go on.
                    e.read_failed = true;
                    kick = true;
                    break;
                }
            }
            if drained || budget == 0 {
                break;
            }
            let buf = e.zmtp.input_buf();
            let want = buf.len().min(budget);
            // SAFETY: buf is a valid writable buffer of at least `want`
            // bytes; the fd is open while we hold the lock (only the I/O
            // thread closes it, under the lock, and `live` matched).
            let n = unsafe {
                libc::read(
                    e.fd.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    want,
                )
            };
            if n > 0 {
                read_any = true;
                e.zmtp.input_commit(n as usize);
                budget -= n as usize;
                drained = (n as usize) < want && !e.zmtp.reading_large_frame();
                continue;
            }
            if n == 0 {
                e.read_failed = true; // EOF: the I/O thread tears down
                kick = true;
                break;
            }
            let err = Errno::last_os();
            if err == Errno::EAGAIN {
                e.zmtp.release_idle_input();
            } else if err != Errno::EINTR {
                e.read_failed = true;
                kick = true;
            }
            break;
        }
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
        if delivered > 0 {
            DIRECT_RECVS.fetch_add(1, Ordering::Relaxed);
            DirectRead::Delivered
        } else if read_any && !kick {
            DirectRead::Progress
        } else {
            DirectRead::Skip
        }
    }
}

/// Why [`deliver_input`] stopped.
enum Decoded {
    /// Everything decodable was delivered: more bytes are needed.
    NeedBytes,
    /// The pipe is at HWM: the frame is kept in `pending_in`.
    Stopped,
    /// The codec failed (it keeps failing: the connection is dead).
    Error,
    /// The handshake completed.
    Ready(zmtp::PeerInfo),
}

/// Delivers the pending frame, then decodes frames and writes them into the
/// pipe until the codec needs more bytes (the part of `pump_in` shared with
/// the direct receive). `delivered` counts whole messages written.
fn deliver_input(
    e: &mut Engine,
    mut pipe: Option<&mut Pipe>,
    now: Instant,
    delivered: &mut u32,
) -> Decoded {
    // Each message is published as soon as it is decoded: publishing a
    // whole read's messages at once (one swap) was measured slower — the
    // reader then waits for the whole batch instead of working alongside.
    loop {
        let m = if let Some(m) = e.pending_in.take() {
            m
        } else {
            match e.zmtp.next_event(now) {
                Ok(Some(Event::Msg(m))) => m,
                Ok(Some(Event::Ready(peer))) => return Decoded::Ready(peer),
                Ok(None) => return Decoded::NeedBytes,
                Err(_) => return Decoded::Error,
            }
        };
        let more = m.more();
        if !push_in(e, pipe.as_deref_mut(), m) {
            return Decoded::Stopped;
        }
        if !more {
            *delivered += 1;
        }
    }
}

/// Writes one decoded frame into the pipe; false if it had to wait (the
/// frame is then kept in `pending_in` and input is marked stopped).
fn push_in(e: &mut Engine, pipe: Option<&mut Pipe>, m: Msg) -> bool {
    let Some(p) = pipe else {
        // Socket gone: discard.
        return true;
    };
    if !e.in_more && !p.check_write() {
        if p.is_peer_closed() {
            return true; // the socket is gone; drop
        }
        e.pending_in = Some(m);
        e.input_stopped = true;
        e.zmtp.set_flow_stopped(true);
        return false;
    }
    e.in_more = m.more();
    let _ = p.write(m);
    true
}

enum Kind {
    /// Made by `zmq_connect`: reconnects.
    Connect { addr: Addr, backoff: Duration },
    /// Accepted by a listener.
    Accepted,
}

/// Writes `a` then `b` (either may be empty) with one system call; returns
/// what `sendmsg` returns. MSG_NOSIGNAL turns a closed peer into EPIPE
/// instead of SIGPIPE.
fn send_vectored(fd: std::os::fd::RawFd, a: &[u8], b: &[u8]) -> isize {
    if b.is_empty() {
        // SAFETY: `a` is a valid readable buffer of a.len() bytes.
        return unsafe {
            libc::send(
                fd,
                a.as_ptr() as *const libc::c_void,
                a.len(),
                libc::MSG_NOSIGNAL,
            )
        };
    }
    let mut iov = [
        libc::iovec {
            iov_base: a.as_ptr() as *mut libc::c_void,
            iov_len: a.len(),
        },
        libc::iovec {
            iov_base: b.as_ptr() as *mut libc::c_void,
            iov_len: b.len(),
        },
    ];
    // SAFETY: an all-zero msghdr is valid (no name, no control data).
    let mut mh: libc::msghdr = unsafe { std::mem::zeroed() };
    mh.msg_iov = iov.as_mut_ptr();
    mh.msg_iovlen = iov.len() as _;
    // SAFETY: the iovecs describe two valid readable buffers that outlive
    // the call; the kernel only reads them.
    unsafe { libc::sendmsg(fd, &mh, libc::MSG_NOSIGNAL) }
}

/// A session object (see module docs).
pub struct Session {
    kind: Kind,
    socket: Arc<SocketShared>,
    /// Keeps `zmq_ctx_term` waiting until this session is gone.
    hold: Option<CtxHold>,
    opts: Options,
    /// Shared with the pipe end's notifier; holds `pipe` and `engine`
    /// between callbacks (see [`Conn`]).
    conn: Arc<Mutex<Conn>>,
    /// Valid only inside `with_conn` (None otherwise).
    pipe: Option<Pipe>,
    /// Valid only inside `with_conn` (None otherwise).
    engine: Option<Engine>,
    /// The socket end was closed: flush and finish.
    socket_gone: bool,
    /// Told to close (disconnect/unbind/socket closed before a pipe existed).
    closing: bool,
    reconnect_timer: Option<TimerKey>,
    linger_timer: Option<TimerKey>,
    token: u64,
    done: bool,
    /// A handshake completed once already (the next one is a hiccup).
    had_connection: bool,
    /// What direct receivers poll: see [`DirectRecv::live`]. Written only
    /// under the `conn` lock.
    live: Arc<AtomicU64>,
    /// Generation of the last engine published in `live`.
    live_gen: u32,
}

impl Session {
    /// A session for `zmq_connect`. With IMMEDIATE=0 the caller then gives
    /// it its pipe end with [`set_pipe`](Self::set_pipe).
    pub fn connecter(
        addr: Addr,
        socket: Arc<SocketShared>,
        ctx: Arc<CtxInner>,
        opts: Options,
    ) -> Session {
        let backoff = Duration::from_millis(opts.reconnect_ivl.max(0) as u64);
        Session::new(Kind::Connect { addr, backoff }, socket, &ctx, opts)
    }

    /// The state every session starts from: no pipe, no engine yet.
    fn new(kind: Kind, socket: Arc<SocketShared>, ctx: &Arc<CtxInner>, opts: Options) -> Session {
        Session {
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
            closing: false,
            reconnect_timer: None,
            linger_timer: None,
            token: 0,
            done: false,
            had_connection: false,
            live: Arc::new(AtomicU64::new(0)),
            live_gen: 0,
        }
    }

    /// The notifier for this session's pipe end, posting to `mailbox`.
    pub fn notifier(&self, mailbox: &Arc<Mailbox<IoCmd>>) -> Arc<SessionNotifier> {
        Arc::new(SessionNotifier {
            mailbox: mailbox.clone(),
            conn: self.conn.clone(),
            direct: !matches!(
                self.opts.socket_type,
                zmtp::socket_types::PUB | zmtp::socket_types::XPUB
            ),
            last_readable: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// The handle a socket's thread uses to read this session's connection
    /// while it blocks in a receive (see [`DirectRecv`]); `token` is the
    /// session's token in the I/O thread whose `mailbox` is given.
    pub fn direct_recv(&self, mailbox: &Arc<Mailbox<IoCmd>>, token: u64) -> Arc<DirectRecv> {
        Arc::new(DirectRecv {
            conn: self.conn.clone(),
            live: self.live.clone(),
            mailbox: mailbox.clone(),
            token,
        })
    }

    /// Publishes the established engine's fd for direct receivers (under
    /// the `conn` lock, i.e. inside a callback).
    fn publish_live(&mut self) {
        let Some(e) = self.engine.as_ref() else {
            return;
        };
        if !e.ready || !e.registered || e.connecting {
            return;
        }
        let fd = e.fd.as_raw_fd();
        if fd < 0 {
            return;
        }
        self.live_gen = self.live_gen.wrapping_add(1).max(1);
        let v = ((self.live_gen as u64) << 32) | fd as u32 as u64;
        self.live.store(v, Ordering::Release);
    }

    /// Gives a new (not yet registered) session its pipe end; its notifier
    /// must be [`notifier`](Self::notifier).
    pub fn set_pipe(&mut self, pipe: Pipe) {
        self.conn.lock().pipe = Some(pipe);
    }

    /// A session for an accepted connection.
    pub fn accepted(
        fd: OwnedFd,
        peer_address: String,
        socket: Arc<SocketShared>,
        ctx: Arc<CtxInner>,
        opts: Options,
    ) -> Session {
        let s = Session::new(Kind::Accepted, socket, &ctx, opts);
        let e = s.new_engine(fd, peer_address, false);
        s.conn.lock().engine = Some(e);
        s
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

    fn zmtp_config(&self) -> zmtp::Config {
        let o = &self.opts;
        zmtp::Config {
            socket_type: o.socket_type,
            routing_id: o.routing_id.clone(),
            mechanism: zmtp::MechanismConfig::Null,
            maxmsgsize: o.maxmsgsize,
            heartbeat_ivl_ms: o.heartbeat_ivl,
            heartbeat_ttl_ms: o.heartbeat_ttl,
            heartbeat_timeout_ms: o.heartbeat_timeout,
            handshake_ivl_ms: o.handshake_ivl,
            metadata: o.metadata.clone(),
        }
    }

    fn new_engine(&self, fd: OwnedFd, peer_address: String, connecting: bool) -> Engine {
        Engine {
            fd,
            zmtp: Zmtp::new(self.zmtp_config(), Instant::now()),
            interest: 0,
            connecting,
            input_stopped: false,
            registered: false,
            pending_in: None,
            read_failed: false,
            in_more: false,
            ready: false,
            peer_address,
            timer: None,
            connect_timer: None,
        }
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
        self.live.store(0, Ordering::Release);
        if let Some(e) = self.engine.take() {
            if e.registered {
                r.remove_fd(e.fd.as_raw_fd());
            }
            if let Some((_, k)) = e.timer {
                r.cancel_timer(k);
            }
            if let Some(k) = e.connect_timer {
                r.cancel_timer(k);
            }
        }
    }

    fn sock_opts(&self) -> crate::transport::SockOpts {
        super::sock_opts(&self.opts)
    }

    /// Starts a connection attempt.
    fn start_connect(&mut self, r: &mut Reactor) {
        let Kind::Connect { addr, .. } = &self.kind else {
            return;
        };
        let so = self.sock_opts();
        let res = match addr {
            Addr::Tcp(a) => tcp::resolve_connect(a, self.opts.ipv6).and_then(|(src, dst)| {
                tcp::connect(src, dst, &so).map(|(fd, p)| (fd, p, tcp::peer_address(&dst)))
            }),
            Addr::Ipc(path) => ipc::connect(path).map(|(fd, p)| (fd, p, String::new())),
        };
        match res {
            Ok((fd, in_progress, peer)) => {
                let mut e = self.new_engine(fd, peer, in_progress);
                let interest = if in_progress {
                    WRITABLE
                } else {
                    READABLE | WRITABLE
                };
                if r.add_fd(e.fd.as_raw_fd(), self.token, interest).is_err() {
                    self.schedule_reconnect(r);
                    return;
                }
                e.interest = interest;
                e.registered = true;
                self.engine = Some(e);
                if in_progress && self.opts.connect_timeout > 0 {
                    let at =
                        Instant::now() + Duration::from_millis(self.opts.connect_timeout as u64);
                    let key = r.add_timer(self.token, T_CONNECT, at);
                    if let Some(e) = self.engine.as_mut() {
                        e.connect_timer = Some(key);
                    }
                }
                if !in_progress {
                    self.connected(r);
                }
            }
            Err(_) => self.schedule_reconnect(r),
        }
    }

    /// The TCP/IPC connection is established: tune it and start the handshake.
    fn connected(&mut self, r: &mut Reactor) {
        let so = self.sock_opts();
        let is_tcp = matches!(
            self.kind,
            Kind::Connect {
                addr: Addr::Tcp(_),
                ..
            }
        );
        if let Some(e) = self.engine.as_mut() {
            e.connecting = false;
            if let Some(k) = e.connect_timer.take() {
                r.cancel_timer(k);
            }
            if is_tcp {
                let _ = tcp::tune(std::os::fd::AsFd::as_fd(&e.fd), &so);
            } else {
                e.peer_address = ipc::peer_address(std::os::fd::AsFd::as_fd(&e.fd));
            }
        }
        if let Kind::Connect { backoff, .. } = &mut self.kind {
            *backoff = Duration::from_millis(self.opts.reconnect_ivl.max(0) as u64);
        }
        self.set_interest(r, READABLE);
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
        let ivl = self.opts.reconnect_ivl;
        if ivl <= 0 {
            // R3: no reconnection; the endpoint goes away.
            self.finish(r);
            return;
        }
        let Kind::Connect { backoff, .. } = &mut self.kind else {
            self.finish(r);
            return;
        };
        let base = Duration::from_millis(ivl as u64);
        let max = self.opts.reconnect_ivl_max;
        let wait = if max <= 0 {
            // [ivl, 2*ivl)
            base + Duration::from_millis(super::random_u32() as u64 % ivl as u64)
        } else {
            let cur = *backoff;
            let next = (cur * 2).min(Duration::from_millis(max as u64));
            *backoff = next;
            cur.min(Duration::from_millis(max as u64))
        };
        self.reconnect_timer = Some(r.add_timer(self.token, T_RECONNECT, Instant::now() + wait));
    }

    /// The connection failed or was closed by the peer.
    fn engine_error(&mut self, r: &mut Reactor) {
        self.drop_engine(r);
        if let Some(p) = self.pipe.as_mut() {
            p.rollback();
        }
        match self.kind {
            Kind::Accepted => self.finish(r),
            Kind::Connect { .. } => {
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
                    let _ = r.modify_fd(e.fd.as_raw_fd(), token, want);
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
        let mut meta = (*peer.metadata).clone();
        if let Some(e) = self.engine.as_ref() {
            if !e.peer_address.is_empty() {
                meta.set("Peer-Address", e.peer_address.as_bytes());
            }
        }
        if let Some(e) = self.engine.as_mut() {
            e.ready = true;
            e.zmtp.set_msg_metadata(Some(meta));
        }
        let locally = matches!(self.kind, Kind::Connect { .. });
        if self.pipe.is_none() {
            if self.socket_gone || self.closing {
                self.finish(r);
                return;
            }
            let (sock_end, sess_end) =
                pipe::pair([self.opts.sndhwm as i64, self.opts.rcvhwm as i64]);
            sess_end.set_notifier(self.notifier(r.mailbox()), self.token);
            self.pipe = Some(sess_end);
            let info = PipeInfo {
                locally_initiated: locally,
                connect_routing_id: None,
                direct_recv: Some(self.direct_recv(r.mailbox(), self.token)),
            };
            if !self.socket.send_attach(sock_end, info) {
                self.finish(r);
                return;
            }
        } else if self.had_connection {
            if let Some(p) = self.pipe.as_ref() {
                p.send_hiccup();
            }
        }
        self.had_connection = true;
        self.publish_live();
        // The peer's routing id goes first (sockets that want it keep it).
        if self.opts.recv_routing_id {
            let mut id = Msg::from_slice(&peer.routing_id);
            id.set_flags(flags::ROUTING_ID);
            if let Some(p) = self.pipe.as_mut() {
                let _ = p.write(id);
            }
        }
    }

    /// Reads from the fd and pushes decoded frames into the pipe.
    fn pump_in(&mut self, r: &mut Reactor) {
        let now = Instant::now();
        // A read shorter than the buffer drained the socket: decode it and
        // stop, rather than pay a read that only says EAGAIN (epoll is
        // level-triggered, so anything that arrives meanwhile wakes us).
        let mut drained = false;
        loop {
            // Deliver what is already decoded first.
            loop {
                let Some(e) = self.engine.as_mut() else {
                    return;
                };
                if e.read_failed {
                    // EOF or a read error seen by a direct receive.
                    self.engine_error(r);
                    return;
                }
                let mut delivered = 0;
                match deliver_input(e, self.pipe.as_mut(), now, &mut delivered) {
                    Decoded::NeedBytes => break,
                    Decoded::Stopped => {
                        self.stop_input(r);
                        return;
                    }
                    Decoded::Error => {
                        self.engine_error(r);
                        return;
                    }
                    Decoded::Ready(peer) => {
                        self.on_ready(r, peer);
                        if self.done {
                            return;
                        }
                        self.flush_out(r);
                    }
                }
            }
            // Need more bytes.
            let Some(e) = self.engine.as_mut() else {
                return;
            };
            if drained {
                e.zmtp.release_idle_input();
                break;
            }
            let buf = e.zmtp.input_buf();
            let want = buf.len();
            // SAFETY: buf is a valid writable buffer of buf.len() bytes.
            let n = unsafe {
                libc::read(
                    e.fd.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                )
            };
            if n > 0 {
                e.zmtp.input_commit(n as usize);
                // While a large frame streams in, keep reading until EAGAIN:
                // more of it is usually arriving already. A parked fd (peer
                // hung up while input was stopped) is not polled any more:
                // read on to the end of its data here.
                drained = (n as usize) < want && !e.zmtp.reading_large_frame() && e.registered;
                continue;
            }
            if n == 0 {
                self.engine_error(r);
                return;
            }
            let err = Errno::last_os();
            if err == Errno::EAGAIN {
                e.zmtp.release_idle_input();
                break;
            }
            if err == Errno::EINTR {
                break;
            }
            self.engine_error(r);
            return;
        }
        // The handshake may have queued output (READY, PONG).
        self.flush_out(r);
        self.arm_zmtp_timer(r);
    }

    /// Encodes queued messages and writes them out.
    fn flush_out(&mut self, r: &mut Reactor) {
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
                    while e.zmtp.output_len() < OUT_BATCH {
                        match p.read() {
                            Read::Msg(m) => e.zmtp.encode(&m),
                            Read::Empty => break,
                            Read::Closed => {
                                pipe_closed = true;
                                break;
                            }
                        }
                    }
                }
            }
            let [out, more] = e.zmtp.output_vectored();
            if out.is_empty() {
                if pipe_closed {
                    self.socket_side_closed(r);
                }
                return;
            }
            let total = out.len() + more.len();
            let n = send_vectored(e.fd.as_raw_fd(), out, more);
            if n > 0 {
                let full = n as usize == total;
                e.zmtp.consume_output(n as usize);
                if full {
                    if e.interest & WRITABLE != 0 {
                        let want = e.interest & !WRITABLE;
                        self.set_interest(r, want);
                    }
                    continue;
                }
            } else {
                let err = Errno::last_os();
                if err != Errno::EAGAIN && err != Errno::EINTR {
                    self.engine_error(r);
                    return;
                }
            }
            // Partial write: wait for EPOLLOUT.
            let want = e.interest | WRITABLE;
            self.set_interest(r, want);
            return;
        }
    }

    /// The socket closed its end and everything it sent has been encoded.
    fn socket_side_closed(&mut self, r: &mut Reactor) {
        let unsent = self
            .engine
            .as_ref()
            .is_some_and(|e| !e.zmtp.output().is_empty());
        if !unsent {
            self.finish(r);
        }
    }

    /// The inbound pipe is full: stop watching the fd for input.
    fn stop_input(&mut self, r: &mut Reactor) {
        if let Some(e) = self.engine.as_ref() {
            let want = e.interest & !READABLE;
            self.set_interest(r, want);
        }
    }

    /// `Writable`: the socket drained its pipe below the low-water mark, or
    /// a direct receive left work for this thread (input stopped at HWM,
    /// EOF or an error, codec output or timers): pump the input.
    fn resume_input(&mut self, r: &mut Reactor) {
        let resumed = match self.engine.as_mut() {
            Some(e) if e.input_stopped => {
                e.input_stopped = false;
                e.zmtp.set_flow_stopped(false);
                true
            }
            Some(e) if e.ready && e.registered && !e.connecting => {
                self.pump_in(r);
                return;
            }
            _ => false,
        };
        if resumed {
            if let Some(e) = self.engine.as_ref() {
                let want = e.interest | READABLE;
                self.set_interest(r, want);
            }
            self.pump_in(r);
        }
    }

    /// The peer hung up while our input is stopped: keep its last bytes in
    /// the kernel until the socket drains the pipe, but stop polling the fd
    /// (epoll reports a hang-up whatever the interest).
    fn park_hung_up(&mut self, r: &mut Reactor) {
        if let Some(e) = self.engine.as_mut() {
            if e.registered {
                r.remove_fd(e.fd.as_raw_fd());
                e.registered = false;
            }
        }
        self.live.store(0, Ordering::Release);
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
            self.live.store(0, Ordering::Release);
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
            Kind::Connect { .. } => self.start_connect(r),
            Kind::Accepted => {
                let fd = match self.engine.as_ref() {
                    Some(e) => e.fd.as_raw_fd(),
                    None => return self.finish(r),
                };
                if r.add_fd(fd, token, READABLE).is_err() {
                    return self.finish(r);
                }
                if let Some(e) = self.engine.as_mut() {
                    e.interest = READABLE;
                    e.registered = true;
                }
                self.flush_out(r);
                self.arm_zmtp_timer(r);
            }
        }
    }

    fn on_fd_ready(&mut self, r: &mut Reactor, _token: u64, events: u32) {
        let connecting = self.engine.as_ref().is_some_and(|e| e.connecting);
        if connecting {
            let ok = match self.engine.as_ref() {
                Some(e) => tcp::finish_connect(std::os::fd::AsFd::as_fd(&e.fd)).is_ok(),
                None => false,
            };
            if !ok {
                self.engine_error(r);
                return;
            }
            self.connected(r);
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

    fn on_pipe(&mut self, r: &mut Reactor, _token: u64, ev: PipeEvent) {
        match ev {
            PipeEvent::Readable => self.flush_out(r),
            PipeEvent::Writable => self.resume_input(r),
            PipeEvent::Closed => {
                self.socket_gone = true;
                if self.engine.as_ref().is_none_or(|e| !e.ready) {
                    // Not connected: linger decides how long to wait.
                    let pending = self.pipe.as_ref().is_some_and(|p| p.has_msg());
                    if !pending || self.opts.linger == 0 {
                        self.finish(r);
                        return;
                    }
                }
                if self.opts.linger == 0 {
                    self.finish(r);
                    return;
                }
                if self.opts.linger > 0 && self.linger_timer.is_none() {
                    let at = Instant::now() + Duration::from_millis(self.opts.linger as u64);
                    self.linger_timer = Some(r.add_timer(self.token, T_LINGER, at));
                }
                self.flush_out(r);
            }
            PipeEvent::Hiccup => {}
        }
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
