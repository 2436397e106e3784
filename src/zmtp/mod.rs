//! Sans-IO ZMTP protocol core: greeting and version detection (ZMTP 1.0, 2.0,
//! 3.0, 3.1), the security handshake (NULL now; see [`Mechanism`]), framing,
//! subscriptions as commands, heartbeats and the handshake timeout.
//!
//! [`Zmtp`] owns one input and one output buffer and never touches a file
//! descriptor. The engine drives it like this:
//!
//! ```text
//! loop {
//!     n = read(fd, zmtp.input_buf()); zmtp.input_commit(n);
//!     while let Some(ev) = zmtp.next_event(now)? { … }   // Ready, then Msg…
//!     zmtp.encode(&msg) for outbound frames (after Ready)
//!     write(fd, zmtp.output()); zmtp.consume_output(written);
//!     at zmtp.next_deadline(): zmtp.on_timer(now)?
//! }
//! ```
//!
//! `next_event` and `on_timer` may append to the output (greeting bytes,
//! READY, PONG, PING), so the engine checks `output()` after calling them.
//! Every malformed input is an [`Error`] after which the connection is dead;
//! nothing the peer sends can make this code panic or allocate more than it
//! has actually sent (plus a bounded growth margin).
//!
//! Behaviour follows libzmq 4.3.5 (`zmtp_engine.cpp`, `v1/v2 decoder`,
//! `null_mechanism.cpp`), described in BEHAVIOUR.md Z1–Z10, S4/S5, I5.

mod codec;
mod mechanism;
mod null;
#[cfg(test)]
mod tests;

pub use mechanism::{
    add_basic_properties, parse_properties, peer_type_ok, socket_type_from_name, socket_type_name,
    Mechanism, MechanismConfig, MechanismStatus, Properties,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
};
pub use null::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::msg::content::Chunk;
use crate::msg::{flags, MetaSource, Metadata, Msg, MAX_VSM};
use codec::{decode_header, put_header_v1, put_header_v2, Framing};

/// Socket type numbers (`ZMQ_PAIR` …), as used in [`Config::socket_type`].
pub mod socket_types {
    pub use crate::constants::{
        ZMQ_CHANNEL as CHANNEL, ZMQ_CLIENT as CLIENT, ZMQ_DEALER as DEALER, ZMQ_DGRAM as DGRAM,
        ZMQ_DISH as DISH, ZMQ_GATHER as GATHER, ZMQ_PAIR as PAIR, ZMQ_PEER as PEER, ZMQ_PUB as PUB,
        ZMQ_PULL as PULL, ZMQ_PUSH as PUSH, ZMQ_RADIO as RADIO, ZMQ_REP as REP, ZMQ_REQ as REQ,
        ZMQ_ROUTER as ROUTER, ZMQ_SCATTER as SCATTER, ZMQ_SERVER as SERVER, ZMQ_STREAM as STREAM,
        ZMQ_SUB as SUB, ZMQ_XPUB as XPUB, ZMQ_XSUB as XSUB,
    };
}

/// `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`.
pub const PROTOCOL_ERROR_ZMTP_UNSPECIFIED: u32 = 0x1000_0000;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND`.
pub const PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: u32 = 0x1000_0001;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`.
pub const PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: u32 = 0x1100_0002;

/// Spare input space guaranteed by [`Zmtp::input_buf`] (libzmq's
/// `in_batch_size`, Z7). Frames larger than this that have not fully arrived
/// are read into their own buffer, straight from the fd.
pub const IN_BATCH: usize = 8192;

const SIGNATURE_LEN: usize = 10;
const V2_GREETING_LEN: usize = 12;
const V3_GREETING_LEN: usize = 64;
/// A large frame's storage is allocated whole up to this size; a larger
/// one grows with what arrives (a peer's announced size is not trusted).
pub(crate) const BIG_PREALLOC: usize = 1 << 20;
/// An idle input buffer larger than this is given back.
const INBUF_KEEP: usize = 64 * 1024;
/// An empty output buffer with more capacity than this is shrunk.
const OUTBUF_KEEP: usize = 4 * 1024 * 1024;
/// No PONG is queued behind more unsent output than this: a peer that sends
/// PINGs and never reads cannot grow our output without bound (libzmq keeps
/// at most one pending PONG). The peer is not reading anyway, and any frame
/// it eventually receives resets its heartbeat timers (Z8).
const PONG_BACKLOG: usize = 64 * 1024;
/// Frame bodies at least this large are written straight from the message
/// instead of being copied into the output buffer (libzmq's encoder does the
/// same for bodies larger than its batch), so a multi-gigabyte message is not
/// held twice.
pub const ZERO_COPY_MIN: usize = 64 * 1024;

/// What a connection needs from the socket's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Our socket type (`ZMQ_PAIR`=0 … `ZMQ_CHANNEL`=20, see [`socket_types`]).
    pub socket_type: i32,
    /// Our ZMQ_ROUTING_ID (0..255 bytes; longer is cut to 255).
    pub routing_id: Vec<u8>,
    pub mechanism: MechanismConfig,
    /// -1 = unlimited; applies to every frame incl. handshake commands (Z6).
    pub maxmsgsize: i64,
    /// 0 = no heartbeats.
    pub heartbeat_ivl_ms: i32,
    /// Sent in PING as deciseconds (Z8).
    pub heartbeat_ttl_ms: i32,
    /// -1 = use the interval; 0 = no timeout after a PING.
    pub heartbeat_timeout_ms: i32,
    /// Default 30000; 0 = no handshake timeout (Z9).
    pub handshake_ivl_ms: i32,
    /// ZMQ_METADATA user properties ("X-..."), sent sorted after
    /// Socket-Type/Identity.
    pub metadata: Vec<(String, Vec<u8>)>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            socket_type: socket_types::PAIR,
            routing_id: Vec::new(),
            mechanism: MechanismConfig::Null,
            maxmsgsize: -1,
            heartbeat_ivl_ms: 0,
            heartbeat_ttl_ms: 0,
            heartbeat_timeout_ms: -1,
            handshake_ivl_ms: 30000,
            metadata: Vec::new(),
        }
    }
}

/// What the handshake told us about the peer.
#[derive(Clone, Debug)]
pub struct PeerInfo {
    /// The protocol spoken: (1,0) (2,0) (3,0) or (3,1). Revision 2, ≥4 and
    /// 3.x with x ≥ 1 are all spoken as (3,1) (Z2).
    pub version: (u8, u8),
    /// From READY's Socket-Type (None if absent or unknown), or the socket
    /// type byte of a 2.0 greeting; None for 1.0.
    pub socket_type: Option<i32>,
    /// READY's "Identity" property, or the 1.0/2.0 identity frame; empty if
    /// none. The socket decides whether to use it (Z5, I5).
    pub routing_id: Vec<u8>,
    /// Every READY property by exact name (Socket-Type, Identity, X-...);
    /// empty for 1.0/2.0 peers. The engine adds Peer-Address itself.
    pub metadata: Arc<Metadata>,
}

/// What [`Zmtp::next_event`] produces.
#[derive(Debug)]
pub enum Event {
    /// Handshake done: the engine may now send data.
    Ready(PeerInfo),
    /// One data frame (MORE mirrors the wire). Incoming SUBSCRIBE/CANCEL
    /// commands become `\x01topic` / `\x00topic` with `flags::SUBSCRIPTION`.
    /// After a 3.x handshake the frame carries the peer's metadata.
    Msg(Msg),
}

/// Why a connection died. After any of these the connection must close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// ZMQ_PROTOCOL_ERROR_* code, e.g. 0x10000001 UNEXPECTED_COMMAND,
    /// 0x11000002 MECHANISM_MISMATCH, 0x10000016 MALFORMED_COMMAND_READY.
    /// Framing errors and an ERROR command from the peer use
    /// 0x10000000 UNSPECIFIED (libzmq raises no HANDSHAKE_FAILED event for
    /// those, nor for a malformed NULL READY).
    Protocol(u32),
    /// The peer's Socket-Type is not valid for ours (Z5: DISCONNECTED only,
    /// no HANDSHAKE_FAILED event).
    WrongSocketType,
    /// A frame larger than maxmsgsize.
    MsgSize,
    HandshakeTimeout,
    HeartbeatTimeout,
}

impl Error {
    /// The `errno` libzmq's engine leaves behind for this failure.
    pub fn errno(&self) -> crate::error::Errno {
        use crate::error::Errno;
        match self {
            Error::Protocol(_) | Error::WrongSocketType => Errno::EPROTO,
            Error::MsgSize => Errno::EMSGSIZE,
            Error::HandshakeTimeout | Error::HeartbeatTimeout => Errno::ETIMEDOUT,
        }
    }

    /// The code of the `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` event libzmq
    /// raises for this failure, or None when it raises none (only
    /// DISCONNECTED): wrong socket type (Z5), oversized frames (Z6), framing
    /// errors, a malformed NULL READY or a peer ERROR. Timeouts during the
    /// handshake give HANDSHAKE_FAILED_NO_DETAIL instead (Z9), which the
    /// engine raises.
    pub fn handshake_failed_code(&self) -> Option<u32> {
        match *self {
            Error::Protocol(
                c @ (PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
                | PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                | PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR),
            ) => Some(c),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Protocol(c) => write!(f, "ZMTP protocol error {c:#010x}"),
            Error::WrongSocketType => f.write_str("peer socket type not compatible"),
            Error::MsgSize => f.write_str("frame larger than ZMQ_MAXMSGSIZE"),
            Error::HandshakeTimeout => f.write_str("handshake timed out"),
            Error::HeartbeatTimeout => f.write_str("heartbeat timed out"),
        }
    }
}

impl std::error::Error for Error {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Exchanging greeting bytes.
    Greeting,
    /// 3.x: exchanging mechanism commands.
    Handshake,
    /// 1.0/2.0: waiting for the peer's identity frame.
    Identity,
    Ready,
}

/// A frame too large for the input buffer, read into its own storage.
struct BigFrame {
    more: bool,
    command: bool,
    size: usize,
    /// Bytes of `body` already received.
    filled: usize,
    /// Zero-initialised storage, grown with what arrives, never beyond `size`.
    body: Vec<u8>,
}

/// A large frame body being written from its message, not from `out`.
struct BigOut {
    /// Everything queued before the body, ending with the body's header.
    head: Vec<u8>,
    /// Bytes of `head` already written.
    hpos: usize,
    /// Holds the body (a reference, not a copy) until it is written.
    msg: Msg,
    /// Bytes of the body already written.
    pos: usize,
}

enum Body {
    /// `inbuf[start..end]`, valid until the next `input_buf`.
    In(usize, usize),
    Owned(Vec<u8>),
}

struct Frame {
    more: bool,
    command: bool,
    body: Body,
}

// The engine moves connections to its I/O thread.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<Zmtp>();
};

/// One ZMTP connection, sans I/O. See the module docs.
pub struct Zmtp {
    socket_type: i32,
    routing_id: Vec<u8>,
    maxmsgsize: i64,
    heartbeat_ivl: Option<Duration>,
    heartbeat_timeout: Option<Duration>,
    /// HEARTBEAT_TTL in deciseconds, as sent in PING.
    ping_ttl: u16,
    mech_name: [u8; 20],
    mech: Box<dyn Mechanism>,

    phase: Phase,
    framing: Framing,
    version: (u8, u8),
    /// 3.1 peer: subscriptions travel as SUBSCRIBE/CANCEL commands (S5).
    subs_as_commands: bool,
    sent_major: bool,
    /// 0 until the peer's revision byte tells; then 12 or 64.
    greeting_len: usize,
    peer_socket_type: Option<i32>,
    /// Unversioned 1.0 peer and we are PUB/XPUB: inject a subscribe-all (S10).
    subscription_required: bool,

    /// Receive buffer; large frames leave it as messages sharing it.
    inbuf: Chunk,
    rpos: usize,
    wpos: usize,
    big: Option<BigFrame>,
    /// The last `input_buf` lent `big`'s storage rather than `inbuf`.
    lent_big: bool,

    /// Bytes to write; while `big_out` is set, what follows its body.
    out: Vec<u8>,
    opos: usize,
    /// A large body written without a copy; goes out before `out`.
    big_out: Option<BigOut>,
    /// Frames encoded before Ready, sent once the handshake is done.
    early: Vec<Msg>,

    peer: Option<PeerInfo>,
    msg_meta: Option<MetaSource>,
    pending: Option<Event>,

    handshake_deadline: Option<Instant>,
    next_ping: Option<Instant>,
    hb_timeout_at: Option<Instant>,
    ttl_at: Option<Instant>,
    /// The engine stopped reading or writing (Z10): libzmq starts no
    /// heartbeat timeout or TTL timer meanwhile.
    flow_stopped: bool,
    dead: Option<Error>,
}

fn ms(v: i32) -> Duration {
    Duration::from_millis(u64::try_from(v).unwrap_or(0))
}

impl Zmtp {
    /// A new connection; queues the first 10 greeting bytes (Z1): `FF`, the
    /// routing id size + 1 as 8 bytes big-endian, `7F`. These also read as a
    /// valid ZMTP 1.0 long frame header for our identity (Z2).
    pub fn new(cfg: Config, now: Instant) -> Zmtp {
        let mut routing_id = cfg.routing_id.clone();
        routing_id.truncate(255);
        let mut out = Vec::with_capacity(IN_BATCH);
        out.push(0xFF);
        out.extend_from_slice(&(routing_id.len() as u64 + 1).to_be_bytes());
        out.push(0x7F);
        let heartbeat_ivl = (cfg.heartbeat_ivl_ms > 0).then(|| ms(cfg.heartbeat_ivl_ms));
        let heartbeat_timeout = heartbeat_ivl.and_then(|ivl| match cfg.heartbeat_timeout_ms {
            -1 => Some(ivl),
            t if t > 0 => Some(ms(t)),
            _ => None,
        });
        let ping_ttl = u16::try_from((cfg.heartbeat_ttl_ms.max(0)) / 100).unwrap_or(u16::MAX);
        let handshake_deadline = (cfg.handshake_ivl_ms > 0).then(|| now + ms(cfg.handshake_ivl_ms));
        Zmtp {
            socket_type: cfg.socket_type,
            maxmsgsize: cfg.maxmsgsize,
            heartbeat_ivl,
            heartbeat_timeout,
            ping_ttl,
            mech_name: cfg.mechanism.greeting_name(),
            mech: cfg.mechanism.build(&cfg),
            routing_id,
            phase: Phase::Greeting,
            framing: Framing::V2,
            version: (0, 0),
            subs_as_commands: false,
            sent_major: false,
            greeting_len: 0,
            peer_socket_type: None,
            subscription_required: false,
            inbuf: Chunk::empty(),
            rpos: 0,
            wpos: 0,
            big: None,
            lent_big: false,
            out,
            opos: 0,
            big_out: None,
            early: Vec::new(),
            peer: None,
            msg_meta: None,
            pending: None,
            handshake_deadline,
            next_ping: None,
            hb_timeout_at: None,
            ttl_at: None,
            flow_stopped: false,
            dead: None,
        }
    }

    // ----- input -----------------------------------------------------------

    /// Spare space to read into, at least [`IN_BATCH`] bytes. Call
    /// [`input_commit`](Self::input_commit) with the number of bytes written,
    /// then [`next_event`](Self::next_event) until it returns `Ok(None)`.
    /// While a large frame is arriving this is the frame's own storage, so
    /// its bytes are read without a further copy.
    pub fn input_buf(&mut self) -> &mut [u8] {
        self.lent_big = false;
        if self.rpos == self.wpos {
            self.rpos = 0;
            self.wpos = 0;
            if let Some(big) = &mut self.big {
                if big.size - big.filled >= IN_BATCH {
                    if big.body.len() - big.filled < IN_BATCH {
                        // Grow with what has arrived: at most double.
                        let grow = big.filled.max(8 * IN_BATCH);
                        let new_len = big.size.min(big.filled.saturating_add(grow));
                        big.body.resize(new_len, 0);
                    }
                    self.lent_big = true;
                    return &mut big.body[big.filled..];
                }
            }
            // Messages still refer to the old bytes: read into a fresh
            // chunk and leave the old one to the last of them.
            if self.inbuf.cap() > INBUF_KEEP || !self.inbuf.is_unique() {
                self.inbuf = Chunk::new(IN_BATCH);
            }
        }
        if self.inbuf.cap() - self.wpos < IN_BATCH {
            let unique = self.inbuf.is_unique();
            if unique && self.rpos > 0 {
                self.inbuf.copy_within(self.rpos..self.wpos, 0);
                self.wpos -= self.rpos;
                self.rpos = 0;
            }
            if !unique || self.inbuf.cap() - self.wpos < IN_BATCH {
                let have = self.wpos - self.rpos;
                let new_len = if unique {
                    (self.wpos + IN_BATCH).max(self.inbuf.cap() * 2)
                } else {
                    (have + IN_BATCH).max(IN_BATCH)
                };
                let mut fresh = Chunk::new(new_len);
                fresh
                    .slice_mut(0, have)
                    .copy_from_slice(self.inbuf.slice(self.rpos, self.wpos));
                self.inbuf = fresh;
                self.rpos = 0;
                self.wpos = have;
            }
        }
        let end = self.inbuf.cap();
        self.inbuf.slice_mut(self.wpos, end)
    }

    /// Gives the receive buffer back while nothing is buffered (an idle
    /// connection holds no input memory; a busy one gets a recycled chunk).
    pub fn release_idle_input(&mut self) {
        if self.rpos == self.wpos && self.big.is_none() {
            self.inbuf = Chunk::empty();
            self.rpos = 0;
            self.wpos = 0;
        }
    }

    /// True while a large frame is arriving into its own storage.
    pub fn reading_large_frame(&self) -> bool {
        self.big.is_some()
    }

    /// `n` bytes were written into the slice last returned by
    /// [`input_buf`](Self::input_buf).
    pub fn input_commit(&mut self, n: usize) {
        if self.lent_big {
            if let Some(big) = &mut self.big {
                big.filled = (big.filled + n).min(big.body.len());
            }
        } else {
            self.wpos = (self.wpos + n).min(self.inbuf.cap());
        }
        self.lent_big = false;
    }

    /// Copies `data` in (tests, fuzzing, transports without zero-copy reads).
    pub fn input(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let buf = self.input_buf();
            let k = buf.len().min(data.len());
            buf[..k].copy_from_slice(&data[..k]);
            self.input_commit(k);
            data = &data[k..];
        }
    }

    /// The next event from the input received so far. `Ok(None)`: more input
    /// is needed. Call repeatedly; check [`output`](Self::output) afterwards.
    /// After an `Err` the connection is dead and every later call returns
    /// the same error.
    pub fn next_event(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        if let Some(e) = &self.dead {
            return Err(e.clone());
        }
        let r = self.step(now);
        if let Err(e) = &r {
            self.dead = Some(e.clone());
        }
        r
    }

    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// The peer, once [`Event::Ready`] has been returned.
    pub fn peer(&self) -> Option<&PeerInfo> {
        self.peer.as_ref()
    }

    /// Replaces the metadata attached to every data frame returned from now
    /// on (after a 3.x handshake it defaults to [`PeerInfo::metadata`]; the
    /// engine may add Peer-Address and set the result here).
    pub fn set_msg_metadata(&mut self, meta: Option<Metadata>) {
        self.msg_meta = meta.map(MetaSource::new);
    }

    /// Tells whether the engine has stopped reading (session pipe full) or
    /// writing. While stopped, a PING sent or received starts no heartbeat
    /// timeout or TTL timer, as in libzmq; timers already running go on.
    pub fn set_flow_stopped(&mut self, stopped: bool) {
        self.flow_stopped = stopped;
    }

    // ----- output ----------------------------------------------------------

    /// Appends one outbound frame to the output. `flags::MORE` is honoured.
    /// A `flags::SUBSCRIPTION` frame `\x01topic`/`\x00topic` becomes a
    /// SUBSCRIBE/CANCEL command for a 3.1 peer and stays a data frame for
    /// 3.0, 2.0 and 1.0 peers (S5). Frames given before Ready are kept and
    /// sent right after the handshake; frames given after an error are
    /// dropped.
    pub fn encode(&mut self, msg: &Msg) {
        if self.dead.is_some() {
            return;
        }
        if self.phase != Phase::Ready {
            self.early.push(msg.clone());
            return;
        }
        self.encode_frame(msg);
    }

    /// Bytes waiting to be written to the fd, or the first part of them
    /// (see [`output_len`](Self::output_len)): empty only when nothing waits.
    pub fn output(&self) -> &[u8] {
        if let Some(b) = &self.big_out {
            if b.hpos < b.head.len() {
                return &b.head[b.hpos..];
            }
            return &b.msg.data()[b.pos..];
        }
        &self.out[self.opos..]
    }

    /// Like [`output`](Self::output), plus what follows it when a large
    /// body is next: its frame header and the body go out in one `writev`
    /// (a separate small write would cost the peer a wake-up of its own).
    pub fn output_vectored(&self) -> [&[u8]; 2] {
        if let Some(b) = &self.big_out {
            if b.hpos < b.head.len() {
                return [&b.head[b.hpos..], &b.msg.data()[b.pos..]];
            }
        }
        [self.output(), &[]]
    }

    /// All bytes waiting to be written, of which [`output`](Self::output)
    /// may show only the first part.
    pub fn output_len(&self) -> usize {
        let big = self
            .big_out
            .as_ref()
            .map_or(0, |b| b.head.len() - b.hpos + b.msg.data().len() - b.pos);
        big + self.out.len() - self.opos
    }

    /// `n` bytes of [`output`](Self::output) (or of
    /// [`output_vectored`](Self::output_vectored)) were written.
    pub fn consume_output(&mut self, mut n: usize) {
        if let Some(b) = &mut self.big_out {
            if b.hpos < b.head.len() {
                let k = n.min(b.head.len() - b.hpos);
                b.hpos += k;
                n -= k;
            }
            if b.hpos == b.head.len() && n > 0 {
                b.pos = (b.pos + n).min(b.msg.data().len());
                if b.pos == b.msg.data().len() {
                    self.big_out = None;
                }
            }
            return;
        }
        self.opos = (self.opos + n).min(self.out.len());
        if self.opos == self.out.len() {
            self.out.clear();
            self.opos = 0;
            if self.out.capacity() > OUTBUF_KEEP {
                self.out.shrink_to(IN_BATCH);
            }
        }
    }

    // ----- timers ----------------------------------------------------------

    /// The earliest of: handshake timeout, next PING, heartbeat timeout, TTL.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.dead.is_some() {
            return None;
        }
        let hs = if self.phase == Phase::Ready {
            None
        } else {
            self.handshake_deadline
        };
        [hs, self.next_ping, self.hb_timeout_at, self.ttl_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// Sends due PINGs and detects timeouts. An `Err` kills the connection.
    pub fn on_timer(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = &self.dead {
            return Err(e.clone());
        }
        let r = self.timers(now);
        if let Err(e) = &r {
            self.dead = Some(e.clone());
        }
        r
    }

    fn timers(&mut self, now: Instant) -> Result<(), Error> {
        if self.phase != Phase::Ready && self.handshake_deadline.is_some_and(|d| d <= now) {
            return Err(Error::HandshakeTimeout);
        }
        if self.ttl_at.is_some_and(|d| d <= now) || self.hb_timeout_at.is_some_and(|d| d <= now) {
            return Err(Error::HeartbeatTimeout);
        }
        if let (Some(at), Some(ivl)) = (self.next_ping, self.heartbeat_ivl) {
            if at <= now {
                // `\x04PING` + TTL in deciseconds, never a context (Z8).
                self.compact_output();
                put_header_v2(&mut self.out, false, true, 7);
                self.out.extend_from_slice(b"\x04PING");
                self.out.extend_from_slice(&self.ping_ttl.to_be_bytes());
                self.next_ping = Some(now + ivl);
                if self.hb_timeout_at.is_none() && !self.flow_stopped {
                    self.hb_timeout_at = self.heartbeat_timeout.map(|t| now + t);
                }
            }
        }
        Ok(())
    }

    // ----- internals -------------------------------------------------------

    fn step(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        if self.phase == Phase::Greeting && !self.greeting()? {
            return Ok(None);
        }
        if let Some(ev) = self.pending.take() {
            return Ok(Some(ev));
        }
        while let Some(frame) = self.read_frame()? {
            if let Some(ev) = self.on_frame(frame, now)? {
                return Ok(Some(ev));
            }
        }
        Ok(None)
    }

    /// Runs the greeting (Z1, Z2) on the bytes buffered so far. True once it
    /// is complete and the phase has moved on.
    fn greeting(&mut self) -> Result<bool, Error> {
        let buf = self.inbuf.slice(self.rpos, self.wpos);
        let n = buf.len();
        if n == 0 {
            return Ok(false);
        }
        // Not FF, or bit 0 of byte 9 clear: an unversioned 1.0 peer whose
        // first bytes are its identity frame.
        if buf[0] != 0xFF || (n >= SIGNATURE_LEN && buf[9] & 1 == 0) {
            self.start_v1_unversioned();
            return Ok(true);
        }
        if n < SIGNATURE_LEN {
            return Ok(false);
        }
        if !self.sent_major {
            self.out.push(3);
            self.sent_major = true;
        }
        if n == SIGNATURE_LEN {
            return Ok(false);
        }
        let revision = buf[10];
        if self.greeting_len == 0 {
            if revision == 0 || revision == 1 {
                // ZMTP 1.0/2.0 with a revision: our socket type is byte 12.
                self.out.push(self.socket_type as u8);
                self.greeting_len = V2_GREETING_LEN;
            } else {
                self.out.push(1);
                self.out.extend_from_slice(&self.mech_name);
                // as-server (always 0, Z1) and 31 filler bytes.
                self.out.extend_from_slice(&[0u8; 32]);
                self.greeting_len = V3_GREETING_LEN;
            }
        }
        if n < self.greeting_len {
            return Ok(false);
        }
        let mut g = [0u8; V3_GREETING_LEN];
        g[..self.greeting_len]
            .copy_from_slice(self.inbuf.slice(self.rpos, self.rpos + self.greeting_len));
        self.rpos += self.greeting_len;
        match revision {
            0 => self.start_legacy(Framing::V1, (1, 0), g[11]),
            1 => self.start_legacy(Framing::V2, (2, 0), g[11]),
            3 if g[11] == 0 => self.start_v3((3, 0), &g)?,
            _ => self.start_v3((3, 1), &g)?,
        }
        Ok(true)
    }

    /// Unversioned ZMTP 1.0 (`handshake_v1_0_unversioned`): the 10 bytes
    /// already queued are the header of our identity frame; its body follows.
    fn start_v1_unversioned(&mut self) {
        self.framing = Framing::V1;
        self.version = (1, 0);
        self.peer_socket_type = None;
        self.out.extend_from_slice(&self.routing_id);
        self.subscription_required =
            matches!(self.socket_type, socket_types::PUB | socket_types::XPUB);
        self.phase = Phase::Identity;
    }

    /// Versioned 1.0 or 2.0: identity frames both ways, then traffic.
    fn start_legacy(&mut self, framing: Framing, version: (u8, u8), peer_type: u8) {
        self.framing = framing;
        self.version = version;
        // Only ZMTP 2.0 peers report a socket type (1.0 gives None).
        self.peer_socket_type = (framing == Framing::V2).then_some(i32::from(peer_type));
        match framing {
            Framing::V1 => put_header_v1(&mut self.out, false, self.routing_id.len()),
            Framing::V2 => put_header_v2(&mut self.out, false, false, self.routing_id.len()),
        }
        self.out.extend_from_slice(&self.routing_id);
        self.phase = Phase::Identity;
    }

    fn start_v3(&mut self, version: (u8, u8), g: &[u8; V3_GREETING_LEN]) -> Result<(), Error> {
        // Exact 20-byte compare (Z3).
        if g[12..32] != self.mech_name {
            return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH));
        }
        self.framing = Framing::V2;
        self.version = version;
        self.subs_as_commands = version == (3, 1);
        self.phase = Phase::Handshake;
        self.flush_handshake();
        Ok(())
    }

    fn flush_handshake(&mut self) {
        while let Some(cmd) = self.mech.next_handshake_command() {
            put_header_v2(&mut self.out, false, true, cmd.len());
            self.out.extend_from_slice(&cmd);
        }
    }

    /// Decodes the next complete frame, if any. Sizes are checked before
    /// anything is allocated; a large frame's storage grows with what arrives.
    fn read_frame(&mut self) -> Result<Option<Frame>, Error> {
        if let Some(big) = &mut self.big {
            let k = (self.wpos - self.rpos).min(big.size - big.filled);
            if k > 0 {
                if big.body.len() < big.filled + k {
                    big.body.resize(big.filled + k, 0);
                }
                big.body[big.filled..big.filled + k]
                    .copy_from_slice(self.inbuf.slice(self.rpos, self.rpos + k));
                big.filled += k;
                self.rpos += k;
            }
            if big.filled < big.size {
                return Ok(None);
            }
            let Some(mut big) = self.big.take() else {
                return Ok(None);
            };
            big.body.truncate(big.size);
            return Ok(Some(Frame {
                more: big.more,
                command: big.command,
                body: Body::Owned(big.body),
            }));
        }
        let avail = self.inbuf.slice(self.rpos, self.wpos);
        let Some(h) = decode_header(self.framing, avail, self.maxmsgsize)? else {
            return Ok(None);
        };
        let have = avail.len() - h.len;
        let start = self.rpos + h.len;
        if have >= h.size {
            self.rpos = start + h.size;
            return Ok(Some(Frame {
                more: h.more,
                command: h.command,
                body: Body::In(start, start + h.size),
            }));
        }
        if h.size > IN_BATCH {
            // Too large for the input buffer: give it its own storage, sized
            // by what has arrived (never by the announced size).
            // Up to BIG_PREALLOC is allocated at once (one allocation, no
            // re-copying as it grows), beyond that it grows with what comes.
            let want = h.size.min(BIG_PREALLOC).max(have);
            let mut body = match crate::msg::take_big_buffer(want) {
                Some(v) => v,
                None => {
                    let mut v = Vec::new();
                    v.try_reserve_exact(want).map_err(|_| Error::MsgSize)?;
                    v
                }
            };
            // A re-used buffer is initialised up to its length already.
            if body.len() < want {
                body.resize(want, 0);
            } else {
                body.truncate(want);
            }
            body[..have].copy_from_slice(self.inbuf.slice(start, self.wpos));
            self.rpos = self.wpos;
            self.big = Some(BigFrame {
                more: h.more,
                command: h.command,
                size: h.size,
                filled: have,
                body,
            });
        }
        Ok(None)
    }

    fn on_frame(&mut self, f: Frame, now: Instant) -> Result<Option<Event>, Error> {
        match self.phase {
            Phase::Greeting => Ok(None),
            Phase::Handshake => {
                if !f.command {
                    return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
                }
                let body: &[u8] = match &f.body {
                    Body::In(s, e) => self.inbuf.slice(*s, *e),
                    Body::Owned(v) => v,
                };
                self.mech.process_handshake_command(body)?;
                self.flush_handshake();
                match self.mech.status() {
                    MechanismStatus::Ready => Ok(Some(self.become_ready_v3(now))),
                    MechanismStatus::Error => Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED)),
                    MechanismStatus::Handshaking => Ok(None),
                }
            }
            Phase::Identity => {
                let id = match f.body {
                    Body::In(s, e) => self.inbuf.slice(s, e).to_vec(),
                    Body::Owned(v) => v,
                };
                let info = PeerInfo {
                    version: self.version,
                    socket_type: self.peer_socket_type,
                    routing_id: id,
                    metadata: Arc::new(Metadata::new()),
                };
                Ok(Some(self.finish_ready(info, now)))
            }
            Phase::Ready => {
                if self.version.0 >= 3 {
                    // Any frame is a sign of life (Z8).
                    self.hb_timeout_at = None;
                    self.ttl_at = None;
                    if f.command {
                        return Ok(self.on_command(f, now));
                    }
                } else if f.command {
                    // 2.0 peer: commands are dropped (session_base_t::push_msg).
                    return Ok(None);
                }
                let mut msg = match f.body {
                    Body::In(s, e) if e - s <= MAX_VSM => Msg::from_slice(self.inbuf.slice(s, e)),
                    Body::In(s, e) => {
                        let (content, ptr, len) = self.inbuf.share(s, e);
                        Msg::from_content(content, ptr, len)
                    }
                    Body::Owned(v) => Msg::from_vec(v),
                };
                msg.set_more(f.more);
                msg.set_metadata(self.msg_meta.as_mut().map(MetaSource::share));
                Ok(Some(Event::Msg(msg)))
            }
        }
    }

    /// A command after a 3.x handshake (`process_command_message`): PING is
    /// answered, SUBSCRIBE/CANCEL are handed up, everything else (including
    /// malformed commands) is ignored.
    fn on_command(&mut self, f: Frame, now: Instant) -> Option<Event> {
        let body: &[u8] = match &f.body {
            Body::In(s, e) => self.inbuf.slice(*s, *e),
            Body::Owned(v) => v,
        };
        let (&name_len, rest) = body.split_first()?;
        let name_len = usize::from(name_len);
        if rest.len() < name_len {
            return None;
        }
        let (name, data) = rest.split_at(name_len);
        match name {
            b"PING" => {
                // B3: never read past the frame. A PING without a TTL is
                // answered as if the TTL were 0.
                let ttl = match data {
                    [a, b, ..] => u16::from_be_bytes([*a, *b]),
                    _ => 0,
                };
                let ctx = data.get(2..).unwrap_or(&[]);
                let ctx = &ctx[..ctx.len().min(16)];
                if ttl > 0 && self.ttl_at.is_none() && !self.flow_stopped {
                    self.ttl_at = Some(now + Duration::from_millis(u64::from(ttl) * 100));
                }
                // Only copied bytes count: a large body waiting to be written
                // from its message costs no buffer space here.
                if self.out.len() - self.opos >= PONG_BACKLOG {
                    return None;
                }
                if self.opos > 0 && self.opos * 2 >= self.out.len() {
                    self.out.drain(..self.opos);
                    self.opos = 0;
                }
                put_header_v2(&mut self.out, false, true, 5 + ctx.len());
                self.out.extend_from_slice(b"\x04PONG");
                self.out.extend_from_slice(ctx);
                None
            }
            b"SUBSCRIBE" | b"CANCEL" => {
                let mut v = Vec::with_capacity(1 + data.len());
                v.push(u8::from(name == b"SUBSCRIBE"));
                v.extend_from_slice(data);
                let mut msg = Msg::from_vec(v);
                msg.set_flags(flags::SUBSCRIPTION);
                msg.set_more(f.more);
                msg.set_metadata(self.msg_meta.as_mut().map(MetaSource::share));
                Some(Event::Msg(msg))
            }
            _ => None,
        }
    }

    fn become_ready_v3(&mut self, now: Instant) -> Event {
        let mut meta = Metadata::new();
        let mut socket_type = None;
        let mut routing_id = Vec::new();
        for (k, v) in self.mech.peer_properties() {
            meta.set(k, v);
            match k.as_str() {
                "Socket-Type" => socket_type = socket_type_from_name(v),
                "Identity" => routing_id.clone_from(v),
                _ => {}
            }
        }
        self.msg_meta = Some(MetaSource::new(meta.clone()));
        let meta = Arc::new(meta);
        let info = PeerInfo {
            version: self.version,
            socket_type,
            routing_id,
            metadata: meta,
        };
        self.finish_ready(info, now)
    }

    fn finish_ready(&mut self, info: PeerInfo, now: Instant) -> Event {
        self.phase = Phase::Ready;
        self.handshake_deadline = None;
        if self.version.0 >= 3 {
            self.next_ping = self.heartbeat_ivl.map(|ivl| now + ivl);
        }
        self.peer = Some(info.clone());
        for m in std::mem::take(&mut self.early) {
            self.encode_frame(&m);
        }
        if self.subscription_required {
            // libzmq pushes a plain one-byte `\x01` frame so that PUB/XPUB
            // publish to old subscribers (S10).
            self.pending = Some(Event::Msg(Msg::from_slice(&[1])));
        }
        Event::Ready(info)
    }

    fn compact_output(&mut self) {
        if self.opos > 0 && self.opos * 2 >= self.out.len() {
            self.out.drain(..self.opos);
            self.opos = 0;
        }
    }

    fn encode_frame(&mut self, msg: &Msg) {
        self.compact_output();
        let data = msg.data();
        let more = msg.more();
        match self.framing {
            Framing::V1 => {
                if msg.is_command() {
                    return;
                }
                put_header_v1(&mut self.out, more, data.len());
            }
            Framing::V2 => {
                if self.subs_as_commands && msg.flags() & flags::SUBSCRIPTION != 0 {
                    if let Some((&kind, topic)) = data.split_first() {
                        if kind <= 1 {
                            let name: &[u8] = if kind == 1 {
                                b"\x09SUBSCRIBE"
                            } else {
                                b"\x06CANCEL"
                            };
                            put_header_v2(&mut self.out, more, true, name.len() + topic.len());
                            self.out.extend_from_slice(name);
                            self.out.extend_from_slice(topic);
                            return;
                        }
                    }
                }
                put_header_v2(&mut self.out, more, msg.is_command(), data.len());
            }
        }
        if data.len() >= ZERO_COPY_MIN && self.big_out.is_none() {
            // Later output goes to a fresh `out`, written after the body.
            self.big_out = Some(BigOut {
                head: std::mem::take(&mut self.out),
                hpos: std::mem::take(&mut self.opos),
                msg: msg.clone(),
                pos: 0,
            });
            return;
        }
        self.out.extend_from_slice(data);
    }
}
