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
//!
//! The files, by concept (all of them add to the one [`Zmtp`] state below):
//! - [`greeting`](greeting.rs): the greeting and version detection;
//! - [`handshake`](handshake.rs): mechanism commands or the identity frame,
//!   up to Ready; [`mechanism`]: the mechanisms themselves (NULL);
//! - [`codec`](codec.rs): frame headers; [`decoder`](decoder.rs): the
//!   receive buffer and frames; [`encoder`](encoder.rs): frames out and the
//!   send buffer;
//! - [`traffic`](traffic.rs): data frames and commands after Ready;
//! - [`heartbeat`](heartbeat.rs): PING/PONG, TTL and the handshake timeout;
//! - [`raw`](raw.rs): connections without ZMTP (STREAM, ROUTER_RAW);
//! - [`error`](error.rs): [`Error`] and the protocol error codes;
//! - [`fuzz`](fuzz.rs): entry points for the fuzz targets (`fuzz/`).

mod codec;
mod decoder;
mod encoder;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod greeting;
mod handshake;
mod heartbeat;
mod mechanism;
mod raw;
#[cfg(test)]
mod tests;
mod traffic;

pub use error::{
    Error, PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY, PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
    PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND, PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};
pub use mechanism::zap;
pub use mechanism::{
    add_basic_properties, curve_keypair_z85, curve_public_z85, parse_properties, peer_type_ok,
    socket_type_from_name, socket_type_name, Cipher, Mechanism, MechanismConfig, MechanismStatus,
    Properties, SecretKeyBytes, ZapReply, ZapRequest,
};

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::msg::content::Chunk;
use crate::msg::{MetaSource, Metadata, Msg};
use codec::Framing;
use decoder::BigFrame;
use encoder::BigOut;

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

/// Spare input space guaranteed by [`Zmtp::input_buf`] (libzmq's
/// `in_batch_size`, Z7). Frames larger than this that have not fully arrived
/// are read into their own buffer, straight from the fd.
pub const IN_BATCH: usize = 8192;
/// A large frame's storage is allocated whole up to this size; a larger
/// one grows with what arrives (a peer's announced size is not trusted).
pub(crate) const BIG_PREALLOC: usize = 1 << 20;
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
    /// ZMQ_ZAP_DOMAIN (empty: none). With NULL, a domain turns ZAP on.
    pub zap_domain: Vec<u8>,
    /// ZMQ_ZAP_ENFORCE_DOMAIN: no handler bound fails a handshake that
    /// would otherwise go on without ZAP.
    pub zap_enforce_domain: bool,
}

impl Config {
    /// libzmq's `zap_enabled`: a security mechanism, or NULL with a ZAP
    /// domain. ZMTP 1.0/2.0 peers (no mechanism) are then refused.
    pub fn zap_enabled(&self) -> bool {
        self.mechanism != MechanismConfig::Null || !self.zap_domain.is_empty()
    }
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
            zap_domain: Vec::new(),
            zap_enforce_domain: false,
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
    /// ZMTP 1.0/2.0 peers are refused ([`Config::zap_enabled`]).
    zap_enabled: bool,
    /// A ZAP reply was handed to the mechanism: its status is due for a
    /// check on the next `next_event`.
    zap_answered: bool,
    /// After a CURVE handshake: every frame is sealed/opened (MESSAGE).
    cipher: Option<Box<dyn Cipher>>,

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
        out.extend_from_slice(&greeting::signature(routing_id.len()));
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
            zap_enabled: cfg.zap_enabled(),
            zap_answered: false,
            cipher: None,
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

    /// Every frame is sealed (after a CURVE handshake): decoding costs a
    /// box per message.
    pub fn is_sealed(&self) -> bool {
        self.cipher.is_some()
    }

    /// Why the connection died, once `next_event` or `on_timer` failed
    /// (the monitor's HANDSHAKE_FAILED_* events tell it).
    pub fn failure(&self) -> Option<&Error> {
        self.dead.as_ref()
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

    /// ZAP: the request the handshake waits on, taken once (see
    /// [`Mechanism::take_zap_request`]); the engine sends it to the handler
    /// and answers with [`zap_reply`](Self::zap_reply).
    pub fn take_zap_request(&mut self) -> Option<ZapRequest> {
        if self.dead.is_some() || self.phase != Phase::Handshake {
            return None;
        }
        self.mech.take_zap_request()
    }

    /// The handler's reply (`None`: no handler bound). Queues what the
    /// mechanism sends next; the next [`next_event`](Self::next_event)
    /// reports Ready or the failure.
    pub fn zap_reply(&mut self, reply: Option<&ZapReply>) {
        if self.dead.is_some() || self.phase != Phase::Handshake {
            return;
        }
        match self.mech.zap_reply(reply) {
            Ok(()) => {
                self.flush_handshake();
                self.zap_answered = true;
            }
            Err(e) => {
                // What the mechanism queued (an ERROR) still goes out.
                self.flush_handshake();
                self.dead = Some(e);
            }
        }
    }

    /// The ZAP exchange itself failed (a malformed reply, the handler gone):
    /// the connection dies with `e`.
    pub fn zap_failed(&mut self, e: Error) {
        if self.dead.is_none() {
            self.dead = Some(e);
        }
    }

    /// Tells whether the engine has stopped reading (session pipe full) or
    /// writing. While stopped, a PING sent or received starts no heartbeat
    /// timeout or TTL timer, as in libzmq; timers already running go on.
    pub fn set_flow_stopped(&mut self, stopped: bool) {
        self.flow_stopped = stopped;
    }

    fn step(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        if self.phase == Phase::Greeting && !self.greeting()? {
            return Ok(None);
        }
        if let Some(ev) = self.pending.take() {
            return Ok(Some(ev));
        }
        if std::mem::take(&mut self.zap_answered) && self.phase == Phase::Handshake {
            if let Some(ev) = self.check_handshake(now)? {
                return Ok(Some(ev));
            }
        }
        while let Some(frame) = self.read_frame()? {
            if let Some(ev) = self.on_frame(frame, now)? {
                return Ok(Some(ev));
            }
        }
        Ok(None)
    }
}
