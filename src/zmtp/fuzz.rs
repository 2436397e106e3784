//! Entry points for the fuzz targets (`fuzz/`) and their stable smoke test
//! (`tests/fuzz_smoke.rs`). Each takes the bytes a hostile peer sends and
//! drives one [`Zmtp`] with them exactly as the engine does: reads of a
//! chosen size into [`Zmtp::input_buf`], events drained after every read,
//! output written away, received frames echoed back, timers fired at the
//! end. A panic, a hang or an allocation beyond what was sent is the bug.
//!
//! The first byte of every input is a knob byte (read size, socket type,
//! version, maxmsgsize, heartbeats), the rest is the peer's wire bytes.
//! Adding a mechanism's target is one call of [`handshake`] with its
//! [`MechanismConfig`] in a new file under `fuzz/fuzz_targets/`.
//!
//! Nothing here runs in a normal build's code paths: it only calls the
//! public API of [`Zmtp`] (plus a constructor that skips the handshake).

use std::time::{Duration, Instant};

use super::codec::Framing;
use super::mechanism::curve_fuzzing;
use super::{
    socket_types as st, zap, Config, Error, Event, MechanismConfig, Phase, ZapRequest, Zmtp,
    IN_BATCH,
};
use crate::msg::Msg;

/// Read sizes the knob byte picks from: byte by byte up to a full batch.
const READ_SIZES: [usize; 8] = [1, 2, 3, 7, 10, 64, 1000, IN_BATCH];
/// Every socket type that speaks ZMTP (STREAM is raw).
const ALL_TYPES: [i32; 19] = [
    st::PAIR,
    st::PUB,
    st::SUB,
    st::REQ,
    st::REP,
    st::DEALER,
    st::ROUTER,
    st::PULL,
    st::PUSH,
    st::XPUB,
    st::XSUB,
    st::SERVER,
    st::CLIENT,
    st::RADIO,
    st::DISH,
    st::GATHER,
    st::SCATTER,
    st::DGRAM,
    st::PEER,
];
/// Connecting sides and binding sides, for the client and server targets.
const CLIENT_TYPES: [i32; 8] = [
    st::REQ,
    st::DEALER,
    st::SUB,
    st::XSUB,
    st::PUSH,
    st::CLIENT,
    st::PAIR,
    st::DISH,
];
const SERVER_TYPES: [i32; 8] = [
    st::REP,
    st::ROUTER,
    st::PUB,
    st::XPUB,
    st::PULL,
    st::SERVER,
    st::PAIR,
    st::RADIO,
];

/// What the knob byte selects.
struct Knobs {
    read: usize,
    /// Index into a socket type table.
    ty: usize,
    maxmsgsize: i64,
    heartbeats: bool,
}

fn knobs(data: &[u8]) -> (Knobs, &[u8]) {
    let Some((&k, rest)) = data.split_first() else {
        return (
            Knobs {
                read: IN_BATCH,
                ty: 0,
                maxmsgsize: -1,
                heartbeats: false,
            },
            data,
        );
    };
    let knobs = Knobs {
        read: READ_SIZES[usize::from(k & 7)],
        ty: usize::from(k >> 3),
        maxmsgsize: if k & 0x40 != 0 { 100 } else { -1 },
        heartbeats: k & 0x80 != 0,
    };
    (knobs, rest)
}

fn config(k: &Knobs, types: &[i32], mechanism: MechanismConfig) -> Config {
    Config {
        socket_type: types[k.ty % types.len()],
        routing_id: b"fuzz".to_vec(),
        mechanism,
        maxmsgsize: k.maxmsgsize,
        heartbeat_ivl_ms: if k.heartbeats { 100 } else { 0 },
        heartbeat_ttl_ms: if k.heartbeats { 1000 } else { 0 },
        heartbeat_timeout_ms: -1,
        handshake_ivl_ms: 30000,
        metadata: vec![("X-Fuzz".to_string(), b"1".to_vec())],
        ..Config::default()
    }
}

/// The frame decoder after the handshake: the knob byte also picks the
/// framing the peer was detected as speaking (1.0, 2.0, 3.0 or 3.1).
pub fn frame_decoder(data: &[u8]) {
    let (k, rest) = knobs(data);
    let version = [(1, 0), (2, 0), (3, 0), (3, 1)][k.ty % 4];
    let now = Instant::now();
    let z = Zmtp::ready_for_test(config(&k, &ALL_TYPES, MechanismConfig::Null), version, now);
    drive(z, rest, k.read, now, None);
}

/// A fresh connection fed raw bytes: the greeting and version detection
/// (1.0 unversioned, 1.0, 2.0, 3.x), then whatever follows.
pub fn greeting(data: &[u8]) {
    let (k, rest) = knobs(data);
    let now = Instant::now();
    let z = Zmtp::new(config(&k, &ALL_TYPES, MechanismConfig::Null), now);
    drive(z, rest, k.read, now, None);
}

/// The security handshake of `mechanism`, we being the server side of it
/// (`as_server`) or the client. The peer's valid ZMTP 3.x greeting (minor
/// version and as-server bit set to match) is prepended, so the input is
/// the peer's commands and what follows them. NULL has no roles: there the
/// two sides differ in socket types and the peer's as-server bit.
pub fn handshake(mechanism: MechanismConfig, as_server: bool, data: &[u8]) {
    handshake_outcome(mechanism, as_server, data);
}

/// [`handshake`], telling how it ended (for tests of the seeds).
pub fn handshake_outcome(mechanism: MechanismConfig, as_server: bool, data: &[u8]) -> Outcome {
    let (k, rest) = knobs(data);
    let types: &[i32] = if as_server {
        &SERVER_TYPES
    } else {
        &CLIENT_TYPES
    };
    let mut wire = peer_greeting(&mechanism, !as_server, k.ty & 1 == 1);
    wire.extend_from_slice(rest);
    let now = Instant::now();
    let z = Zmtp::new(config(&k, types, mechanism), now);
    Outcome::of(&drive(z, &wire, k.read, now, None))
}

/// How a driven connection ended: Ready or not, and why it died if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ready: bool,
    pub failure: Option<Error>,
}

impl Outcome {
    fn of(z: &Zmtp) -> Outcome {
        Outcome {
            ready: z.is_ready(),
            failure: z.failure().cloned(),
        }
    }
}

// ------------------------------------------- PLAIN, and ZAP for any mechanism

/// The PLAIN handshake, we the client: the input is the server's commands
/// (WELCOME, READY or ERROR) and what follows them.
pub fn plain_client(data: &[u8]) {
    let mechanism = MechanismConfig::PlainClient {
        username: b"admin".to_vec(),
        password: crate::secret::Secret::new(b"secret".to_vec()),
    };
    handshake(mechanism, false, data)
}

/// The PLAIN handshake, we the server: the client's HELLO, INITIATE and
/// what follows, the ZAP handler answering as the second input byte says
/// ([`handshake_with_zap`]).
pub fn plain_server(data: &[u8]) {
    handshake_with_zap(MechanismConfig::PlainServer, data);
}

/// NULL with a ZAP domain, we a binding socket type: READY waits for the
/// handler, which answers as the second input byte says.
pub fn null_zap_server(data: &[u8]) {
    handshake_with_zap(MechanismConfig::Null, data);
}

/// How the fuzzed ZAP handler answers, from one input byte: bits 0-1 the
/// status (200, 300, 400, 500), bit 2 no handler bound, bit 3
/// ZAP_ENFORCE_DOMAIN, bit 4 a user id, bit 5 metadata, bits 6-7 a reply
/// that [`zap::parse_reply`] must refuse (a bad status code, a bad version,
/// truncated metadata).
#[derive(Clone, Copy, Debug)]
pub struct ZapKnob(pub u8);

impl ZapKnob {
    fn enforce(self) -> bool {
        self.0 & 0x08 != 0
    }

    /// The reply frames as the handler sends them (`(frame, more)`).
    pub fn reply_frames(self) -> Vec<(Vec<u8>, bool)> {
        let status: &[u8] = [b"200", b"300", b"400", b"500"][usize::from(self.0 & 3)];
        let user: &[u8] = if self.0 & 0x10 != 0 { b"anna" } else { b"" };
        let meta: &[u8] = if self.0 & 0x20 != 0 {
            b"\x05X-Zap\x00\x00\x00\x01y"
        } else {
            b""
        };
        let mut f: Vec<&[u8]> = vec![
            b"",
            zap::VERSION,
            zap::REQUEST_ID,
            status,
            b"OK",
            user,
            meta,
        ];
        match self.0 >> 6 {
            1 => f[3] = b"201",
            2 => f[1] = b"2.0",
            3 => f[6] = b"\x05X-Za",
            _ => {}
        }
        let n = f.len();
        f.iter()
            .enumerate()
            .map(|(i, v)| (v.to_vec(), i + 1 < n))
            .collect()
    }

    /// Answers `req` on `z` as the engine does: no handler, a checked
    /// reply, or the failure of a malformed one.
    fn answer(self, z: &mut Zmtp, req: &ZapRequest) {
        // What the engine sends the handler.
        let frames = req.frames(b"fuzz", b"127.0.0.1", b"");
        assert_eq!(frames.len(), 7 + req.credentials.len());
        if self.0 & 0x04 != 0 {
            z.zap_reply(None);
            return;
        }
        match zap::parse_reply(&self.reply_frames()) {
            Ok(r) => z.zap_reply(Some(&r)),
            Err(e) => z.zap_failed(e),
        }
    }
}

/// A server-side handshake of `mechanism` that asks ZAP (domain "fuzz"):
/// the first input byte is the knob byte, the second a [`ZapKnob`], the
/// rest the client's bytes after its greeting (prepended here).
pub fn handshake_with_zap(mechanism: MechanismConfig, data: &[u8]) -> Outcome {
    let (k, rest) = knobs(data);
    let (zap, rest) = match rest.split_first() {
        Some((&b, rest)) => (ZapKnob(b), rest),
        None => (ZapKnob(0), rest),
    };
    let mut wire = peer_greeting(&mechanism, false, k.ty & 1 == 1);
    wire.extend_from_slice(rest);
    let mut cfg = config(&k, &SERVER_TYPES, mechanism);
    cfg.zap_domain = b"fuzz".to_vec();
    cfg.zap_enforce_domain = zap.enforce();
    let now = Instant::now();
    Outcome::of(&drive(Zmtp::new(cfg, now), &wire, k.read, now, Some(zap)))
}

/// CURVE, we the server, with fixed keys. Knob bit 7 set: a whole
/// connection (greeting, framing, then the handshake) as [`handshake`];
/// clear: the mechanism and its MESSAGE cipher alone, fed length-prefixed
/// commands, with a fixed cookie key so that recorded INITIATEs and
/// MESSAGEs open (see `mechanism::curve::fuzzing`).
pub fn curve_server(data: &[u8]) {
    if data.first().is_some_and(|k| k & 0x80 != 0) {
        handshake(curve_fuzzing::server_config(), true, data)
    } else {
        curve_fuzzing::server(data);
    }
}

/// CURVE, we the client, with fixed keys (and, knob bit 7 clear, a fixed
/// transient key, so that a recorded libzmq WELCOME, READY and MESSAGEs
/// open). As [`curve_server`] otherwise.
pub fn curve_client(data: &[u8]) {
    if data.first().is_some_and(|k| k & 0x80 != 0) {
        handshake(curve_fuzzing::client_config(), false, data)
    } else {
        curve_fuzzing::client(data);
    }
}

/// Seed inputs for [`curve_server`] (`server`) or [`curve_client`], from
/// real libzmq 4.3.5 traffic.
pub fn curve_seeds(server: bool) -> Vec<(String, Vec<u8>)> {
    curve_fuzzing::seeds(server)
}

/// A ZMTP 3.0 or 3.1 greeting for `mechanism`.
pub fn peer_greeting(mechanism: &MechanismConfig, as_server: bool, minor_1: bool) -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, u8::from(minor_1)];
    g.extend_from_slice(&mechanism.greeting_name());
    g.push(u8::from(as_server));
    g.extend_from_slice(&[0u8; 31]);
    g
}

/// The wire bytes of `msgs` as our encoder sends them to a peer speaking
/// `version` (seed corpus for [`frame_decoder`]).
pub fn encode_frames(version: (u8, u8), msgs: &[Msg]) -> Vec<u8> {
    let now = Instant::now();
    let mut z = Zmtp::ready_for_test(Config::default(), version, now);
    let mut wire = Vec::new();
    for m in msgs {
        z.encode(m);
        loop {
            let part = z.output();
            if part.is_empty() {
                break;
            }
            wire.extend_from_slice(part);
            let n = part.len();
            z.consume_output(n);
        }
    }
    wire
}

/// Feeds `data` in reads of at most `read` bytes, draining events, echoing
/// frames and writing the output away after each; then fires the timers.
/// Checks the contract of [`Zmtp::next_event`]: after an error every call
/// gives the same error and [`Zmtp::failure`] tells it. With `zap`, a ZAP
/// request is answered as [`ZapKnob`] says, as soon as it is due. Gives
/// the connection back as it ended.
fn drive(mut z: Zmtp, mut data: &[u8], read: usize, now: Instant, zap: Option<ZapKnob>) -> Zmtp {
    while !data.is_empty() {
        let buf = z.input_buf();
        assert!(buf.len() >= IN_BATCH.min(read), "input_buf too small");
        let n = buf.len().min(read).min(data.len());
        buf[..n].copy_from_slice(&data[..n]);
        z.input_commit(n);
        data = &data[n..];
        if !drain(&mut z, now, read, zap) {
            return z;
        }
        z.release_idle_input();
    }
    let late = now + Duration::from_secs(3600);
    if z.on_timer(now + Duration::from_millis(150)).is_ok() {
        write_out(&mut z, read);
        let _ = z.on_timer(late);
    }
    write_out(&mut z, read);
    z
}

/// Drains events (answering a ZAP request when `zap` says how); false once
/// the connection is dead.
fn drain(z: &mut Zmtp, now: Instant, read: usize, zap: Option<ZapKnob>) -> bool {
    loop {
        match z.next_event(now) {
            Ok(Some(Event::Ready(_))) => assert!(z.is_ready() && z.peer().is_some()),
            Ok(Some(Event::Msg(m))) => {
                assert!(z.is_ready(), "a frame before Ready");
                z.encode(&m);
            }
            Ok(None) => match zap.and_then(|k| Some((k, z.take_zap_request()?))) {
                Some((knob, req)) => knob.answer(z, &req),
                None => break,
            },
            Err(e) => {
                assert_eq!(z.failure(), Some(&e));
                assert_eq!(z.next_event(now).err(), Some(e.clone()));
                let _ = (e.errno(), e.handshake_failed_code());
                write_out(z, read);
                return false;
            }
        }
    }
    write_out(z, read);
    true
}

/// Writes the whole output away, as the engine does, in writes of at most
/// `write` bytes.
fn write_out(z: &mut Zmtp, write: usize) {
    loop {
        let [a, b] = z.output_vectored();
        let n = a.len() + b.len();
        if n == 0 {
            assert_eq!(z.output_len(), 0);
            return;
        }
        z.consume_output(n.min(write));
    }
}

impl Zmtp {
    /// A connection past its handshake with a peer speaking `version` (for
    /// the unit tests of one layer and the frame decoder's fuzz target), the
    /// greeting bytes dropped.
    pub(crate) fn ready_for_test(cfg: Config, version: (u8, u8), now: Instant) -> Zmtp {
        let mut z = Zmtp::new(cfg, now);
        z.version = version;
        z.framing = if version.0 == 1 {
            Framing::V1
        } else {
            Framing::V2
        };
        z.subs_as_commands = version == (3, 1);
        z.phase = Phase::Ready;
        z.handshake_deadline = None;
        if version.0 >= 3 {
            z.next_ping = z.heartbeat_ivl.map(|ivl| now + ivl);
        }
        z.out.clear();
        z
    }
}
