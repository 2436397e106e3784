//! A short, deterministic run of every fuzz target on the stable toolchain
//! (the long runs are `make fuzz`, see fuzz/README.md): the seed corpus in
//! `fuzz/corpus/<target>/` and the inputs of real exchanges made here, then
//! a few thousand seeded mutations of them, through the same entry points
//! the fuzz targets use (`zmq::zmtp::fuzz`). Each input must not panic,
//! must finish within a time bound and must not allocate more than a bound
//! set by its length (counted by this binary's global allocator, per thread).
//!
//! `FUZZ_WRITE_CORPUS=1 cargo test --test fuzz_smoke` (re)writes the seed
//! corpus from the exchanges below.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use zmq::msg::{flags, Msg};
use zmq::zmtp::{fuzz, socket_types as st, zap, Config, MechanismConfig, Zmtp};

// ---------------------------------------------------------- memory bound

/// Counts the live and peak heap bytes of the current thread.
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc(n: usize) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + n;
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

fn note_free(n: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(n)));
}

// SAFETY: forwards every call to the system allocator unchanged; the
// counting only touches const-initialised thread-locals, which never
// allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note_alloc(l.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note_alloc(l.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        note_free(l.size());
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        note_free(l.size());
        note_alloc(new);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// What one input may cost: a large frame's storage is allocated whole up
/// to 1 MiB whatever was sent (zmtp::BIG_PREALLOC), grown beyond that only
/// with what arrives; add the buffers of a connection and echoed frames.
fn memory_bound(input_len: usize) -> usize {
    4 * 1024 * 1024 + 16 * input_len
}

/// A time bound far above a debug build's cost of any input here, far
/// below what a hang would take.
const TIME_BOUND: Duration = Duration::from_secs(5);

// ----------------------------------------------------------------- seeds

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 9] = [
    ("frame_decoder", fuzz::frame_decoder),
    ("greeting", fuzz::greeting),
    ("null_client", null_client),
    ("null_server", null_server),
    ("plain_client", fuzz::plain_client),
    ("plain_server", fuzz::plain_server),
    ("null_zap_server", fuzz::null_zap_server),
    ("curve_client", fuzz::curve_client),
    ("curve_server", fuzz::curve_server),
];

fn null_client(d: &[u8]) {
    fuzz::handshake(MechanismConfig::Null, false, d)
}

fn null_server(d: &[u8]) {
    fuzz::handshake(MechanismConfig::Null, true, d)
}

fn msg(body: &[u8], f: u8) -> Msg {
    let mut m = Msg::from_slice(body);
    m.set_flags(f);
    m
}

fn sample_msgs() -> Vec<Msg> {
    vec![
        msg(b"", flags::MORE),
        msg(b"hello", 0),
        msg(b"\x01topic", flags::SUBSCRIPTION),
        msg(b"\x00topic", flags::SUBSCRIPTION),
        msg(&[0xAB; 300], 0),
    ]
}

/// Everything `z` has queued for the wire.
fn take_out(z: &mut Zmtp) -> Vec<u8> {
    let mut o = Vec::new();
    loop {
        let part = z.output();
        if part.is_empty() {
            return o;
        }
        o.extend_from_slice(part);
        let n = part.len();
        z.consume_output(n);
    }
}

/// The bytes a real 3.x peer of type `theirs` sends to one of type `ours`:
/// its greeting, READY and, after the handshake, `sample_msgs`.
fn real_exchange(ours: i32, theirs: i32) -> Vec<u8> {
    let cfg = |t| Config {
        socket_type: t,
        routing_id: b"peer".to_vec(),
        ..Config::default()
    };
    exchange(cfg(ours), cfg(theirs))
}

/// The bytes the `theirs` side sends in a handshake with `ours` (a ZAP
/// request on either side answered 200 with a user id and metadata), then
/// `sample_msgs`.
fn exchange(ours: Config, theirs: Config) -> Vec<u8> {
    let now = Instant::now();
    let (mut a, mut b) = (Zmtp::new(ours, now), Zmtp::new(theirs, now));
    let allow = zap::parse_reply(&fuzz::ZapKnob(0x30).reply_frames()).unwrap();
    let mut sent = Vec::new();
    for _ in 0..10 {
        let (oa, ob) = (take_out(&mut a), take_out(&mut b));
        sent.extend_from_slice(&ob);
        b.input(&oa);
        a.input(&ob);
        for z in [&mut a, &mut b] {
            while let Ok(Some(_)) = z.next_event(now) {}
            if z.take_zap_request().is_some() {
                z.zap_reply(Some(&allow));
                while let Ok(Some(_)) = z.next_event(now) {}
            }
        }
    }
    assert!(a.is_ready() && b.is_ready(), "the seed exchange failed");
    for m in sample_msgs() {
        b.encode(&m);
    }
    sent.extend_from_slice(&take_out(&mut b));
    sent
}

/// A PLAIN client (`server` false) or server of socket type `t`, and
/// NULL with a ZAP domain.
fn plain(t: i32, server: bool) -> Config {
    Config {
        socket_type: t,
        routing_id: b"peer".to_vec(),
        mechanism: if server {
            MechanismConfig::PlainServer
        } else {
            MechanismConfig::PlainClient {
                username: b"admin".to_vec(),
                password: zmq::secret::Secret::new(b"secret".to_vec()),
            }
        },
        ..Config::default()
    }
}

fn null_with_domain(t: i32) -> Config {
    Config {
        socket_type: t,
        zap_domain: b"global".to_vec(),
        ..Config::default()
    }
}

fn command(body: &[u8]) -> Vec<u8> {
    fuzz::encode_frames((3, 0), &[msg(body, flags::COMMAND)])
}

/// Knob byte, ZAP byte (`fuzz::ZapKnob`), wire.
fn with_knobs(knob: u8, zap: u8, wire: &[u8]) -> Vec<u8> {
    let mut v = vec![knob, zap];
    v.extend_from_slice(wire);
    v
}

fn with_knob(knob: u8, wire: &[u8]) -> Vec<u8> {
    let mut v = vec![knob];
    v.extend_from_slice(wire);
    v
}

/// Knob byte: bits 0-2 read size, 3-5 type/version index, 6 maxmsgsize,
/// 7 heartbeats (see zmtp/fuzz.rs).
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    match target {
        "frame_decoder" => {
            for (i, ver) in [(1, 0), (2, 0), (3, 0), (3, 1)].into_iter().enumerate() {
                let wire = fuzz::encode_frames(ver, &sample_msgs());
                let knob = (i as u8) << 3 | 7;
                v.push((format!("v{}{}", ver.0, ver.1), with_knob(knob, &wire)));
                v.push((
                    format!("v{}{}-bytewise-hb", ver.0, ver.1),
                    with_knob(knob & !7 | 0x80, &wire),
                ));
            }
            // PING with a context, and a frame over maxmsgsize.
            let ping = b"\x04\x0c\x04PING\x00\x0a\x63\x74\x78\x31\x32".to_vec();
            v.push(("ping".into(), with_knob(3 << 3 | 7, &ping)));
            let big = fuzz::encode_frames((3, 1), &[msg(&[7; 200], 0)]);
            v.push(("maxmsgsize".into(), with_knob(3 << 3 | 0x40 | 5, &big)));
        }
        "greeting" => {
            v.push((
                "v31-dealer".into(),
                with_knob(7, &real_exchange(st::DEALER, st::ROUTER)),
            ));
            v.push((
                "v31-sub-chunked".into(),
                with_knob(4 | 2 << 3, &real_exchange(st::PUB, st::SUB)),
            ));
            // ZMTP 2.0: signature, revision 1, socket type, then the
            // identity frame and frames in 2.0 framing.
            let mut g2 = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, st::DEALER as u8];
            g2.extend_from_slice(&fuzz::encode_frames((2, 0), &[msg(b"id", 0)]));
            g2.extend_from_slice(&fuzz::encode_frames((2, 0), &sample_msgs()));
            v.push(("v20".into(), with_knob(6, &g2)));
            // Unversioned ZMTP 1.0: the identity frame straight away.
            let mut g1 = fuzz::encode_frames((1, 0), &[msg(b"", 0)]);
            g1.extend_from_slice(&fuzz::encode_frames((1, 0), &sample_msgs()));
            v.push(("v10-unversioned".into(), with_knob(7, &g1)));
            // ZMTP 1.0 with revision 0.
            let mut g0 = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0, st::PUB as u8];
            g0.extend_from_slice(&fuzz::encode_frames((1, 0), &[msg(b"", 0)]));
            g0.extend_from_slice(&fuzz::encode_frames((1, 0), &sample_msgs()));
            v.push(("v10-revision0".into(), with_knob(1, &g0)));
        }
        "null_client" | "null_server" => {
            let server = target == "null_server";
            let (ours, theirs) = if server {
                (st::ROUTER, st::DEALER)
            } else {
                (st::DEALER, st::ROUTER)
            };
            let full = real_exchange(ours, theirs);
            // The target prepends the peer's greeting itself.
            let after = &full[64..];
            v.push(("ready".into(), with_knob(1 << 3 | 7, after)));
            v.push(("ready-bytewise-hb".into(), with_knob(1 << 3 | 0x80, after)));
            let err = fuzz::encode_frames((3, 0), &[msg(b"\x05ERROR\x06denied", flags::COMMAND)]);
            v.push(("error".into(), with_knob(7, &err)));
        }
        "plain_client" => {
            // Knob type index 1: DEALER (the client), 3.1 greeting.
            let full = exchange(plain(st::DEALER, false), plain(st::ROUTER, true));
            let after = &full[64..];
            v.push(("welcome-ready".into(), with_knob(1 << 3 | 7, after)));
            v.push((
                "welcome-ready-bytewise-hb".into(),
                with_knob(1 << 3 | 0x80, after),
            ));
            v.push((
                "error-400".into(),
                with_knob(7, &command(b"\x05ERROR\x03400")),
            ));
            let mut w = command(b"\x07WELCOME");
            w.extend_from_slice(&command(b"\x05ERROR\x03500"));
            v.push(("welcome-error-500".into(), with_knob(1 << 3 | 3, &w)));
        }
        "plain_server" | "null_zap_server" => {
            // Knob type index 1: ROUTER (the server), 3.1 greeting.
            let full = if target == "plain_server" {
                exchange(plain(st::ROUTER, true), plain(st::DEALER, false))
            } else {
                exchange(null_with_domain(st::ROUTER), null_with_domain(st::DEALER))
            };
            let after = &full[64..];
            // ZAP bytes: 200 with user id and metadata, 300, 400, 500,
            // no handler (allowed for NULL), no handler enforced, and
            // replies the checks refuse.
            for (name, zap) in [
                ("allowed", 0x30),
                ("temporary-300", 0x01),
                ("denied-400", 0x02),
                ("failed-500", 0x03),
                ("no-handler", 0x04),
                ("no-handler-enforced", 0x0C),
                ("bad-status", 0x40),
                ("bad-version", 0x80),
                ("bad-metadata", 0xF0),
            ] {
                // 7-byte reads: the client's next command is not complete
                // in the read that ends its HELLO (a real client waits for
                // WELCOME), so the ZAP answer comes in between.
                v.push((name.into(), with_knobs(1 << 3 | 3, zap, after)));
            }
            v.push((
                "allowed-bytewise-hb".into(),
                with_knobs(1 << 3 | 0x80, 0x30, after),
            ));
            // All in one read: what follows HELLO (or READY) is taken
            // before the handler could answer.
            v.push(("pipelined".into(), with_knobs(1 << 3 | 7, 0x30, after)));
        }
        // Real libzmq 4.3.5 traffic, recorded under the fixed keys.
        "curve_client" => v = fuzz::curve_seeds(false),
        "curve_server" => v = fuzz::curve_seeds(true),
        _ => unreachable!(),
    }
    v
}

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// The seed corpus on disk and the seeds made here.
fn inputs(target: &str) -> Vec<Vec<u8>> {
    let seeds = seeds(target);
    if std::env::var_os("FUZZ_WRITE_CORPUS").is_some() {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, data) in &seeds {
            std::fs::write(dir.join(name), data).unwrap();
        }
    }
    let mut all: Vec<Vec<u8>> = seeds.into_iter().map(|(_, d)| d).collect();
    if let Ok(rd) = std::fs::read_dir(corpus_dir(target)) {
        let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            all.push(std::fs::read(f).unwrap());
        }
    }
    all
}

// ------------------------------------------------------------- mutations

/// xorshift64*: the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: [u8; 10] = [0, 1, 2, 4, 0x7F, 0x80, 0xFE, 0xFF, 0x40, 0x10];

fn mutate(rng: &mut Rng, base: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len());
        match rng.below(7) {
            0 if !v.is_empty() => v[at] ^= 1 << rng.below(8),
            1 if !v.is_empty() => v[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 if !v.is_empty() => v[at] = rng.next() as u8,
            3 => v.insert(at.min(v.len()), INTERESTING[rng.below(INTERESTING.len())]),
            4 if !v.is_empty() => {
                let n = rng.below(16).min(v.len() - at);
                v.drain(at..at + n);
            }
            5 => {
                // Splice the tail of another input in.
                let from = rng.below(other.len());
                v.truncate(at);
                v.extend_from_slice(&other[from.min(other.len())..]);
            }
            _ => v.truncate(at),
        }
    }
    v
}

// ------------------------------------------------------------------- run

fn run_one(name: &str, f: Target, input: &[u8]) {
    LIVE.with(|l| PEAK.with(|p| p.set(l.get())));
    let base = LIVE.with(|l| l.get());
    let t = Instant::now();
    f(input);
    let took = t.elapsed();
    let peak = PEAK.with(|p| p.get()) - base;
    assert!(took < TIME_BOUND, "{name}: {took:?} for input {input:02x?}");
    assert!(
        peak <= memory_bound(input.len()),
        "{name}: {peak} bytes for a {}-byte input {input:02x?}",
        input.len()
    );
}

/// Corpus, then `MUTATIONS` deterministic mutations of it.
const MUTATIONS: usize = 3000;

fn smoke(target: &str) {
    let (_, f) = TARGETS.iter().find(|(n, _)| *n == target).unwrap();
    let corpus = inputs(target);
    assert!(!corpus.is_empty());
    for input in &corpus {
        run_one(target, *f, input);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ target.len() as u64);
    for _ in 0..MUTATIONS {
        let base = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, base, other);
        run_one(target, *f, &input);
    }
    // Edge cases no mutation is sure to reach.
    for input in [&b""[..], &[0u8], &[0xFF], &[0xFF; 100]] {
        run_one(target, *f, input);
    }
}

#[test]
fn fuzz_smoke_frame_decoder() {
    smoke("frame_decoder");
}

#[test]
fn fuzz_smoke_greeting() {
    smoke("greeting");
}

#[test]
fn fuzz_smoke_null_client() {
    smoke("null_client");
}

#[test]
fn fuzz_smoke_null_server() {
    smoke("null_server");
}

#[test]
fn fuzz_smoke_plain_client() {
    smoke("plain_client");
}

#[test]
fn fuzz_smoke_plain_server() {
    smoke("plain_server");
}

#[test]
fn fuzz_smoke_null_zap_server() {
    smoke("null_zap_server");
}

#[test]
fn fuzz_smoke_curve_client() {
    smoke("curve_client");
}

#[test]
fn fuzz_smoke_curve_server() {
    smoke("curve_server");
}

/// Long frames announcing sizes up to 2^64-1 with a few bytes of body, in
/// every framing and read size: the storage never follows the announcement
/// (1 MiB at most is allocated ahead of what arrives).
#[test]
fn fuzz_smoke_announced_sizes_stay_bounded() {
    let sizes = [
        (1u64 << 20) + 1,
        1 << 24,
        1 << 40,
        i64::MAX as u64,
        u64::MAX,
    ];
    for size in sizes {
        for version in 0..4u8 {
            for read in 0..8u8 {
                let mut input = vec![version << 3 | read];
                if version == 0 {
                    // 1.0: FF, 8-byte size (incl. the flags byte), flags.
                    input.push(0xFF);
                    input.extend_from_slice(&size.to_be_bytes());
                    input.push(0);
                } else {
                    // 2.0/3.x: flags with LARGE, 8-byte size.
                    input.push(2);
                    input.extend_from_slice(&size.to_be_bytes());
                }
                input.extend_from_slice(&[0x55; 20_000]);
                run_one("frame_decoder", fuzz::frame_decoder, &input);
            }
        }
    }
}

/// The PLAIN and ZAP seeds reach the states they are named after, so the
/// fuzzer starts from every branch: Ready, each ZAP denial, no handler, a
/// reply the checks refuse, the server's ERROR on the client side.
#[test]
fn fuzz_smoke_plain_and_zap_seeds_reach_their_states() {
    use zmq::error::Errno;
    use zmq::zmtp::Error;
    let ready = fuzz::Outcome {
        ready: true,
        failure: None,
    };
    let failed = |e| fuzz::Outcome {
        ready: false,
        failure: Some(e),
    };
    // With heartbeats on, the harness's late timer ends a ready connection.
    let ready_hb = fuzz::Outcome {
        ready: true,
        failure: Some(Error::HeartbeatTimeout),
    };
    let client = MechanismConfig::PlainClient {
        username: b"admin".to_vec(),
        password: zmq::secret::Secret::new(b"secret".to_vec()),
    };
    for (name, input) in seeds("plain_client") {
        let want = match name.as_str() {
            "error-400" => failed(Error::Auth(400)),
            "welcome-error-500" => failed(Error::Auth(500)),
            n if n.ends_with("-hb") => ready_hb.clone(),
            _ => ready.clone(),
        };
        let got = fuzz::handshake_outcome(client.clone(), false, &input);
        assert_eq!(got, want, "plain_client/{name}");
    }
    let efault = Error::NoDetail(Errno::EFAULT);
    for target in ["plain_server", "null_zap_server"] {
        let plain = target == "plain_server";
        let mechanism = if plain {
            MechanismConfig::PlainServer
        } else {
            MechanismConfig::Null
        };
        for (name, input) in seeds(target) {
            let want = match name.as_str() {
                "temporary-300" => failed(Error::Auth(300)),
                "denied-400" => failed(Error::Auth(400)),
                "failed-500" => failed(Error::Auth(500)),
                "no-handler" if plain => failed(efault.clone()),
                "no-handler-enforced" => failed(efault.clone()),
                "bad-status" => failed(Error::Protocol(0x2000_0004)),
                "bad-version" => failed(Error::Protocol(0x2000_0003)),
                "bad-metadata" => failed(Error::Protocol(0x2000_0005)),
                "pipelined" => failed(Error::Protocol(0x1000_0001)),
                n if n.ends_with("-hb") => ready_hb.clone(),
                _ => ready.clone(),
            };
            let got = fuzz::handshake_with_zap(mechanism.clone(), &input);
            assert_eq!(got, want, "{target}/{name}");
        }
    }
    // Real libzmq 4.3.5 traffic (fuzz/capture/libzmq_plain.py): our side
    // gets through the handshake with it, or sees its denial.
    let read = |t: &str, n: &str| std::fs::read(corpus_dir(t).join(n)).unwrap();
    let got = fuzz::handshake_outcome(
        client.clone(),
        false,
        &read("plain_client", "libzmq-server"),
    );
    assert_eq!(got, ready);
    let got = fuzz::handshake_outcome(client, false, &read("plain_client", "libzmq-denied"));
    assert_eq!(got, failed(Error::Auth(400)));
    let got = fuzz::handshake_with_zap(
        MechanismConfig::PlainServer,
        &read("plain_server", "libzmq-client"),
    );
    assert_eq!(got, ready);
    let got = fuzz::handshake_with_zap(
        MechanismConfig::Null,
        &read("null_zap_server", "libzmq-dealer"),
    );
    assert_eq!(got, ready);
}
