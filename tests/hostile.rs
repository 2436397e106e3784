//! Hostile peers: a raw `TcpStream` (or `UnixStream`) plays a broken or
//! malicious ZMTP peer against one of our bound sockets while one of our own
//! sockets talks to the same socket over another connection.
//!
//! Every case checks that
//! - the well-behaved peer's messages all arrive (before and after the attack),
//! - the process survives (nothing aborts, nothing allocates what a peer
//!   merely announced),
//! - the bad connection is closed by us within a deadline (the raw stream
//!   reads EOF or ECONNRESET), unless the input is legal and the connection
//!   must stay up,
//! - our file descriptors return to their count before the attack (no
//!   session, engine or fd is left behind).
//!
//! The tests share one lock: the fd count is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::options::OptVal;
use zmq::socket::Socket;

const PUSH: i32 = 8;
const PULL: i32 = 7;
const DEALER: i32 = 5;
const ROUTER: i32 = 6;

const ZMQ_DONTWAIT: i32 = 1;
const ZMQ_SNDMORE: i32 = 2;
const ZMQ_ROUTING_ID: i32 = 5;
const ZMQ_LINGER: i32 = 17;
const ZMQ_MAXMSGSIZE: i32 = 22;
const ZMQ_RCVTIMEO: i32 = 27;
const ZMQ_SNDTIMEO: i32 = 28;
const ZMQ_LAST_ENDPOINT: i32 = 32;
const ZMQ_HANDSHAKE_IVL: i32 = 66;

/// How long we wait for anything that should happen "soon".
const DEADLINE: Duration = Duration::from_secs(5);

static SERIAL: Mutex<()> = Mutex::new(());

/// Counts the bytes allocated and not yet freed by the whole process (the
/// library included), so a test can tell per-connection leaks from caches.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator; only adds counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE_BYTES.fetch_sub(l.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live_bytes() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Waits until the process has at most `baseline` fds open.
fn wait_fds(baseline: usize, what: &str) {
    let end = Instant::now() + DEADLINE;
    loop {
        let n = fd_count();
        if n <= baseline {
            return;
        }
        assert!(
            Instant::now() < end,
            "{what}: {n} fds open, expected {baseline} (leaked session or fd)"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn set_int(s: &mut Socket, opt: i32, v: i32) {
    s.setsockopt(opt, &v.to_ne_bytes()).unwrap();
}

// ------------------------------------------------------------- ZMTP bytes

/// A valid ZMTP 3.1 NULL greeting.
fn greeting() -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1];
    let mut mech = [0u8; 20];
    mech[..4].copy_from_slice(b"NULL");
    g.extend_from_slice(&mech);
    g.extend_from_slice(&[0u8; 32]);
    g
}

fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    if body.len() > 255 {
        f.push(flags | 0x02);
        f.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        f.push(flags);
        f.push(body.len() as u8);
    }
    f.extend_from_slice(body);
    f
}

fn command(body: &[u8]) -> Vec<u8> {
    frame(0x04, body)
}

/// A long frame header announcing `size` body bytes.
fn long_header(flags: u8, size: u64) -> Vec<u8> {
    let mut f = vec![flags | 0x02];
    f.extend_from_slice(&size.to_be_bytes());
    f
}

fn property(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut p = vec![name.len() as u8];
    p.extend_from_slice(name);
    p.extend_from_slice(&(value.len() as u32).to_be_bytes());
    p.extend_from_slice(value);
    p
}

fn ready_body(socket_type: &str) -> Vec<u8> {
    let mut b = b"\x05READY".to_vec();
    b.extend_from_slice(&property(b"Socket-Type", socket_type.as_bytes()));
    b
}

/// Greeting + READY as a `socket_type` peer: after this, data frames flow.
fn handshake(socket_type: &str) -> Vec<u8> {
    let mut v = greeting();
    v.extend_from_slice(&command(&ready_body(socket_type)));
    v
}

// ----------------------------------------------------------- raw streams

trait Raw: Read + Write {
    fn set_timeout(&self, d: Duration);
}

impl Raw for TcpStream {
    fn set_timeout(&self, d: Duration) {
        self.set_read_timeout(Some(d)).unwrap();
    }
}

impl Raw for UnixStream {
    fn set_timeout(&self, d: Duration) {
        self.set_read_timeout(Some(d)).unwrap();
    }
}

/// Writes, ignoring errors: we may already have been thrown out.
fn send_raw(s: &mut impl Raw, bytes: &[u8]) {
    let _ = s.write_all(bytes);
}

/// True once the stream reads EOF or a reset.
fn poll_closed(s: &mut impl Raw, wait: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let end = Instant::now() + wait;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_timeout(left);
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("unexpected read error {e}"),
        }
    }
}

#[track_caller]
fn expect_closed(s: &mut impl Raw, what: &str) {
    assert!(
        poll_closed(s, DEADLINE),
        "{what}: the bad connection was not closed within {DEADLINE:?}"
    );
}

/// The connection must still be up: nothing but data for a short while.
#[track_caller]
fn expect_open(s: &mut impl Raw, what: &str) {
    assert!(
        !poll_closed(s, Duration::from_millis(100)),
        "{what}: a legal peer was disconnected"
    );
}

// ------------------------------------------------------------- the rig

/// A bound socket of `ty`, one of our own peers connected to it, and the
/// fd count with both in place.
struct Rig {
    ctx: Context,
    server: Box<Socket>,
    good: Box<Socket>,
    endpoint: String,
    /// Messages the good peer has sent so far.
    sent: u32,
    baseline: usize,
}

impl Rig {
    /// `server_type` is PULL (good peer PUSH) or ROUTER (good peer DEALER);
    /// `opts` are set on the server before bind.
    fn new(server_type: i32, transport: &str, opts: &[(i32, i64)]) -> Rig {
        let ctx = Context::new();
        let mut server = Socket::open(ctx.inner(), server_type).unwrap();
        set_int(&mut server, ZMQ_LINGER, 0);
        set_int(&mut server, ZMQ_RCVTIMEO, DEADLINE.as_millis() as i32);
        set_int(&mut server, ZMQ_SNDTIMEO, DEADLINE.as_millis() as i32);
        for &(o, v) in opts {
            if o == ZMQ_MAXMSGSIZE {
                server.setsockopt(o, &v.to_ne_bytes()).unwrap();
            } else {
                set_int(&mut server, o, v as i32);
            }
        }
        server
            .bind(&format!("{transport}://{}", bind_addr(transport)))
            .unwrap();
        let endpoint = match server.getsockopt(ZMQ_LAST_ENDPOINT).unwrap() {
            OptVal::Str(s) => s,
            other => panic!("LAST_ENDPOINT {other:?}"),
        };
        let good_type = if server_type == ROUTER { DEALER } else { PUSH };
        let mut good = Socket::open(ctx.inner(), good_type).unwrap();
        set_int(&mut good, ZMQ_LINGER, 0);
        set_int(&mut good, ZMQ_RCVTIMEO, DEADLINE.as_millis() as i32);
        set_int(&mut good, ZMQ_SNDTIMEO, DEADLINE.as_millis() as i32);
        good.setsockopt(ZMQ_ROUTING_ID, b"good").unwrap();
        good.connect(&endpoint).unwrap();
        let mut rig = Rig {
            ctx,
            server,
            good,
            endpoint,
            sent: 0,
            baseline: 0,
        };
        // One round trip: the good connection is fully up.
        rig.good_round(1);
        rig.baseline = fd_count();
        rig
    }

    fn tcp_addr(&self) -> &str {
        self.endpoint
            .strip_prefix("tcp://")
            .expect("a tcp endpoint")
    }

    fn connect_tcp(&self) -> TcpStream {
        let s = TcpStream::connect(self.tcp_addr()).unwrap();
        s.set_nodelay(true).unwrap();
        s
    }

    fn connect_ipc(&self) -> UnixStream {
        UnixStream::connect(self.endpoint.strip_prefix("ipc://").unwrap()).unwrap()
    }

    /// The good peer sends `n` messages; all must arrive, in order (for
    /// ROUTER also the reply path works).
    fn good_round(&mut self, n: u32) {
        let first = self.sent;
        for i in first..first + n {
            let mut m = Msg::from_slice(format!("good {i}").as_bytes());
            self.good.send(&mut m, 0).unwrap();
        }
        self.sent += n;
        let router = self.server.socket_type() == ROUTER;
        for i in first..first + n {
            let mut m = Msg::new();
            if router {
                self.server.recv(&mut m, 0).expect("routing id frame");
                assert_eq!(m.data(), b"good", "routing id of the good peer");
                assert!(m.more());
                let mut id = Msg::from_slice(b"good");
                self.server.send(&mut id, ZMQ_SNDMORE).unwrap();
            }
            self.server.recv(&mut m, 0).expect("a good message");
            assert_eq!(m.data(), format!("good {i}").as_bytes());
            if router {
                let mut reply = Msg::from_slice(m.data());
                self.server.send(&mut reply, 0).unwrap();
                let mut back = Msg::new();
                self.good.recv(&mut back, 0).expect("a reply");
                assert_eq!(back.data(), format!("good {i}").as_bytes());
            }
        }
    }

    /// Nothing else is waiting on the server socket (the bad peer got no
    /// message through).
    fn assert_nothing_queued(&mut self) {
        let mut m = Msg::new();
        assert!(
            self.server.recv(&mut m, ZMQ_DONTWAIT).is_err(),
            "unexpected message {:?}",
            m.data()
        );
    }

    /// Ends the test: fds back to the baseline, a last good round, clean
    /// termination.
    fn finish(mut self, what: &str) {
        wait_fds(self.baseline, what);
        self.good_round(10);
        self.assert_nothing_queued();
        self.server.close();
        self.good.close();
        self.ctx.term().unwrap();
    }
}

fn bind_addr(transport: &str) -> &'static str {
    match transport {
        "tcp" => "127.0.0.1:*",
        _ => "*",
    }
}

/// Runs `attack` on a fresh raw connection to a PULL socket, with good
/// traffic before and after, and expects the raw connection to be closed.
fn closed_after(what: &str, opts: &[(i32, i64)], attack: impl FnOnce(&mut TcpStream)) {
    let _g = serial();
    let mut rig = Rig::new(PULL, "tcp", opts);
    {
        let mut bad = rig.connect_tcp();
        rig.good_round(20);
        attack(&mut bad);
        rig.good_round(20);
        expect_closed(&mut bad, what);
    }
    rig.finish(what);
}

// ------------------------------------------------------------- the cases

#[test]
fn garbage_instead_of_greeting() {
    // Not FF: an unversioned ZMTP 1.0 peer; a zero length byte is invalid.
    closed_after("zero bytes", &[], |s| send_raw(s, &[0u8; 64]));
    // FF, a 1.0 long length of 2^64-1 and bit 0 of byte 9 clear.
    closed_after("1.0 long length 2^64-1", &[], |s| {
        send_raw(
            s,
            &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00],
        )
    });
    // Random-looking bytes that happen to be a valid 1.0 identity frame
    // header: the connection waits for the body, the handshake timer ends it.
    closed_after("HTTP request", &[(ZMQ_HANDSHAKE_IVL, 200)], |s| {
        send_raw(s, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    });
}

#[test]
fn garbage_after_greeting() {
    closed_after("garbage after greeting", &[], |s| {
        let mut v = greeting();
        v.extend_from_slice(&[0xA5; 300]);
        send_raw(s, &v);
    });
    // A mechanism we do not speak.
    closed_after("mechanism mismatch", &[], |s| {
        let mut g = greeting();
        g[12..16].copy_from_slice(b"CURV");
        send_raw(s, &g);
    });
}

#[test]
fn frame_announcing_2_pow_63() {
    // During the handshake...
    closed_after("2^63 command", &[], |s| {
        let mut v = greeting();
        v.extend_from_slice(&long_header(0x04, 1 << 63));
        send_raw(s, &v);
    });
    // ...and as a data frame after it.
    closed_after("2^63 data", &[], |s| {
        let mut v = handshake("PUSH");
        v.extend_from_slice(&long_header(0x00, 1 << 63));
        v.extend_from_slice(&[0u8; 1000]);
        send_raw(s, &v);
    });
    closed_after("2^64-1 data", &[], |s| {
        let mut v = handshake("PUSH");
        v.extend_from_slice(&long_header(0x01, u64::MAX));
        send_raw(s, &v);
    });
    // Sizes no memory could hold are refused at once too, as libzmq (whose
    // allocation fails): 2^62, 2^63 - 1, 1 TiB (more than RAM + swap here).
    for size in [1u64 << 62, (1 << 63) - 1, 1 << 40] {
        closed_after("unallocatable data", &[], |s| {
            let mut v = handshake("PUSH");
            v.extend_from_slice(&long_header(0x00, size));
            v.extend_from_slice(&[0u8; 1000]);
            send_raw(s, &v);
        });
    }
}

#[test]
fn big_frame_over_maxmsgsize() {
    // 100 MB announced, MAXMSGSIZE 1 MB: EMSGSIZE on the header, the body
    // never read.
    closed_after(
        "100 MB frame over MAXMSGSIZE",
        &[(ZMQ_MAXMSGSIZE, 1 << 20)],
        |s| {
            let mut v = handshake("PUSH");
            v.extend_from_slice(&long_header(0x00, 100 << 20));
            v.extend_from_slice(&[7u8; 64 * 1024]);
            send_raw(s, &v);
        },
    );
    // Also a handshake command over MAXMSGSIZE (Z6): the good peer's READY
    // fits in 64 bytes, this one does not.
    closed_after("READY over MAXMSGSIZE", &[(ZMQ_MAXMSGSIZE, 64)], |s| {
        let mut ready = ready_body("PUSH");
        ready.extend_from_slice(&property(b"X-Pad", &[b'x'; 100]));
        let mut v = greeting();
        v.extend_from_slice(&command(&ready));
        send_raw(s, &v)
    });
}

/// Without MAXMSGSIZE a huge announced frame is legal: the connection stays
/// up while its body trickles in, and nothing is allocated beyond what has
/// arrived (an announced 8 GiB would be a lot to allocate up front). The
/// peer then stalls; it is closed from its side mid-frame and we must clean
/// up. (Sizes beyond RAM + swap are refused: `frame_announcing_2_pow_63`.)
#[test]
fn huge_frame_without_maxmsgsize_stalls_then_closes() {
    let _g = serial();
    let mut rig = Rig::new(PULL, "tcp", &[]);
    for size in [100u64 << 20, 1 << 32] {
        let mut bad = rig.connect_tcp();
        let mut v = handshake("PUSH");
        v.extend_from_slice(&long_header(0x00, size));
        send_raw(&mut bad, &v);
        let chunk = vec![0x5Au8; 256 * 1024];
        for _ in 0..8 {
            send_raw(&mut bad, &chunk);
        }
        rig.good_round(20);
        expect_open(&mut bad, "stalled big frame");
        rig.assert_nothing_queued();
        drop(bad);
        wait_fds(rig.baseline, "big frame closed mid-way");
        rig.good_round(5);
    }
    rig.finish("big frame without MAXMSGSIZE");
}

/// A big frame that does complete is delivered (the size limit is not too
/// tight), and a bad frame after it still closes the connection.
#[test]
fn big_frame_completes_then_garbage() {
    let _g = serial();
    let mut rig = Rig::new(PULL, "tcp", &[(ZMQ_MAXMSGSIZE, 4 << 20)]);
    let mut bad = rig.connect_tcp();
    let mut v = handshake("PUSH");
    v.extend_from_slice(&frame(0x00, &vec![3u8; 3 << 20]));
    send_raw(&mut bad, &v);
    let mut m = Msg::new();
    rig.server.recv(&mut m, 0).unwrap();
    assert_eq!(m.len(), 3 << 20);
    assert!(m.data().iter().all(|&b| b == 3));
    send_raw(&mut bad, &long_header(0x00, 5 << 20));
    rig.good_round(10);
    expect_closed(&mut bad, "frame over MAXMSGSIZE after a big one");
    drop(bad);
    rig.finish("big frame completes");
}

#[test]
fn malformed_ready() {
    let base = |props: &[u8]| {
        let mut b = b"\x05READY".to_vec();
        b.extend_from_slice(props);
        b
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // name length past the end
        ("truncated name", base(b"\x0bSocket")),
        // value length past the end
        ("truncated value", {
            let mut p = property(b"Socket-Type", b"PUSH");
            p.truncate(p.len() - 2);
            base(&p)
        }),
        // value length 4 GiB - 1
        ("oversized value length", {
            let mut p = b"\x0bSocket-Type".to_vec();
            p.extend_from_slice(&u32::MAX.to_be_bytes());
            p.extend_from_slice(b"PUSH");
            base(&p)
        }),
        ("trailing byte", {
            let mut p = property(b"Socket-Type", b"PUSH");
            p.push(0);
            base(&p)
        }),
        ("READY cut short", b"\x05REA".to_vec()),
        ("empty command", Vec::new()),
        ("name length only", b"\xff".to_vec()),
    ];
    for (what, body) in cases {
        closed_after(what, &[], |s| {
            let mut v = greeting();
            v.extend_from_slice(&command(&body));
            send_raw(s, &v);
        });
    }
}

#[test]
fn wrong_socket_type_in_ready() {
    for ty in ["PUB", "PULL", "ROUTER", "NOSUCHTYPE", ""] {
        closed_after(ty, &[], |s| send_raw(s, &handshake(ty)));
    }
    // To a ROUTER: a PULL may not talk to it.
    let _g = serial();
    let mut rig = Rig::new(ROUTER, "tcp", &[]);
    let mut bad = rig.connect_tcp();
    send_raw(&mut bad, &handshake("PULL"));
    rig.good_round(10);
    expect_closed(&mut bad, "PULL to ROUTER");
    drop(bad);
    rig.finish("PULL to ROUTER");
}

#[test]
fn commands_and_data_before_ready() {
    closed_after("PING before READY", &[], |s| {
        let mut v = greeting();
        v.extend_from_slice(&command(b"\x04PING\x00\x00"));
        send_raw(s, &v);
    });
    closed_after("data frame before READY", &[], |s| {
        let mut v = greeting();
        v.extend_from_slice(&frame(0x00, b"hello"));
        send_raw(s, &v);
    });
    closed_after("two READYs", &[], |s| {
        let mut v = handshake("PUSH");
        // A second READY after the handshake is an unknown command (ignored,
        // Z6); then a frame over 2^63 to make sure the connection still
        // parses and dies on the real error.
        v.extend_from_slice(&command(&ready_body("PUSH")));
        v.extend_from_slice(&long_header(0, u64::MAX));
        send_raw(s, &v);
    });
    closed_after("ERROR instead of READY", &[], |s| {
        let mut v = greeting();
        v.extend_from_slice(&command(b"\x05ERROR\x03bad"));
        send_raw(s, &v);
    });
    closed_after("malformed ERROR", &[], |s| {
        let mut v = greeting();
        v.extend_from_slice(&command(b"\x05ERROR\xffbad"));
        send_raw(s, &v);
    });
}

/// After the handshake, frames flagged as commands are not messages: they
/// are ignored (Z6), never delivered, and the connection stays up; data
/// frames sent after them do arrive. Short and malformed PINGs are answered
/// without reading past the frame (B3).
#[test]
fn data_frames_flagged_as_commands() {
    let _g = serial();
    let mut rig = Rig::new(PULL, "tcp", &[]);
    let mut bad = rig.connect_tcp();
    let mut v = handshake("PUSH");
    for body in [
        &b"hello"[..],
        b"",
        b"\x00",
        b"\xff",
        b"\x04PING",
        b"\x04PIN",
        b"\x04PING\x00",
        b"\x04PING\x00\x01context-longer-than-16-bytes",
        b"\x04PONG",
        b"\x05READY",
    ] {
        v.extend_from_slice(&command(body));
        // and with MORE set
        v.extend_from_slice(&frame(0x05, body));
    }
    v.extend_from_slice(&command(&vec![0x42; 70_000]));
    v.extend_from_slice(&frame(0x00, b"after commands"));
    send_raw(&mut bad, &v);
    let mut m = Msg::new();
    rig.server.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"after commands");
    rig.good_round(10);
    expect_open(&mut bad, "commands after READY");
    rig.assert_nothing_queued();
    drop(bad);
    rig.finish("data flagged as commands");
}

#[test]
fn legacy_greetings_then_nonsense() {
    // ZMTP 2.0: signature, revision 1, socket type PUSH, then an identity
    // frame and a frame over 2^63.
    closed_after("2.0 then 2^64-1", &[], |s| {
        let mut v = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, PUSH as u8];
        v.extend_from_slice(&[0, 0]); // empty identity
        v.extend_from_slice(&long_header(0, u64::MAX));
        send_raw(s, &v);
    });
    // ZMTP 1.0 with a revision: v1 framing, a zero length is invalid.
    closed_after("1.0 then zero length", &[], |s| {
        let mut v = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0, PUSH as u8];
        v.extend_from_slice(&[1, 0]); // empty identity
        v.extend_from_slice(&[0, 0, 0]);
        send_raw(s, &v);
    });
    // Unversioned 1.0 identity, then a v1 long length of 2^64-1.
    closed_after("unversioned 1.0 then 2^64-1", &[], |s| {
        let mut v = vec![1, 0]; // empty identity
        v.push(0xFF);
        v.extend_from_slice(&u64::MAX.to_be_bytes());
        v.push(0);
        send_raw(s, &v);
    });
    // 2.0 greeting, then the peer stalls: the handshake timer ends it.
    closed_after("2.0 stalls", &[(ZMQ_HANDSHAKE_IVL, 200)], |s| {
        send_raw(s, &[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, PUSH as u8])
    });
}

/// A slowloris peer: one byte of greeting, then nothing.
#[test]
fn slowloris_handshake_timeout() {
    let _g = serial();
    let mut rig = Rig::new(PULL, "tcp", &[(ZMQ_HANDSHAKE_IVL, 200)]);
    let start = Instant::now();
    let mut bads: Vec<TcpStream> = (0..5).map(|_| rig.connect_tcp()).collect();
    for (i, b) in bads.iter_mut().enumerate() {
        // 1, 11, 21, 31, 41 bytes of a greeting + READY
        let h = handshake("PUSH");
        send_raw(b, &h[..1 + 10 * i]);
    }
    rig.good_round(10);
    for b in &mut bads {
        expect_closed(b, "slowloris");
    }
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "closed early"
    );
    drop(bads);
    rig.finish("slowloris");
}

/// Many connections opened and dropped at once, some mid-handshake, some
/// after it: every session goes away and our fd count returns to the
/// baseline.
#[test]
fn connection_churn() {
    let _g = serial();
    let mut rig = Rig::new(PULL, "tcp", &[]);
    let full = handshake("PUSH");
    let mut extra = full.clone();
    extra.extend_from_slice(&frame(0x01, b"partial multipart"));
    extra.extend_from_slice(&long_header(0, 1 << 20));
    for round in 0..20 {
        let mut conns: Vec<TcpStream> = (0..50).map(|_| rig.connect_tcp()).collect();
        for (i, c) in conns.iter_mut().enumerate() {
            match (i + round) % 4 {
                0 => {}
                1 => send_raw(c, &full[..(i * 7) % full.len()]),
                2 => send_raw(c, &full),
                _ => send_raw(c, &extra),
            }
        }
        drop(conns);
        wait_fds(rig.baseline, "connection churn");
    }
    rig.good_round(50);
    // Nothing the dropped peers sent arrives: a partial multipart message is
    // rolled back.
    rig.assert_nothing_queued();
    rig.finish("connection churn");
}

#[test]
fn ipc_hostile_peers() {
    let _g = serial();
    let mut rig = Rig::new(PULL, "ipc", &[(ZMQ_HANDSHAKE_IVL, 200)]);
    let attacks: Vec<(&str, Vec<u8>)> = vec![
        ("zeros", vec![0; 64]),
        ("wrong type", handshake("PUB")),
        ("2^63", {
            let mut v = handshake("PUSH");
            v.extend_from_slice(&long_header(0, 1 << 63));
            v
        }),
        ("slowloris", vec![0xFF]),
    ];
    for (what, bytes) in attacks {
        let mut bad = rig.connect_ipc();
        send_raw(&mut bad, &bytes);
        rig.good_round(10);
        expect_closed(&mut bad, what);
        drop(bad);
        wait_fds(rig.baseline, what);
    }
    rig.finish("ipc");
}

/// ROUTER: a bad peer claiming the good peer's routing id must not disturb
/// the good one (the first connection keeps the id, I3), and garbage after
/// the handshake closes only the bad connection.
#[test]
fn router_bad_peer_keeps_good_route() {
    let _g = serial();
    let mut rig = Rig::new(ROUTER, "tcp", &[]);
    let mut bad = rig.connect_tcp();
    let mut v = greeting();
    let mut ready = ready_body("DEALER");
    ready.extend_from_slice(&property(b"Identity", b"good"));
    v.extend_from_slice(&command(&ready));
    send_raw(&mut bad, &v);
    rig.good_round(10);
    send_raw(&mut bad, &long_header(0, u64::MAX));
    expect_closed(&mut bad, "router bad peer");
    drop(bad);
    rig.finish("router");
}

/// Connections that complete the handshake (so a pipe is attached to the
/// socket and later detached), send part of a multipart message and go away:
/// after a warm-up, another 1000 of them must not grow the heap (no pipe,
/// session, routing entry or buffer kept per dead connection).
#[test]
fn no_heap_growth_per_connection() {
    let _g = serial();
    for server_type in [PULL, ROUTER] {
        let mut rig = Rig::new(server_type, "tcp", &[]);
        let peer = if server_type == ROUTER {
            "DEALER"
        } else {
            "PUSH"
        };
        let mut bytes = handshake(peer);
        bytes.extend_from_slice(&frame(0x01, b"partial"));
        let churn = |rig: &mut Rig, batches: usize| {
            for _ in 0..batches {
                let mut conns: Vec<TcpStream> = (0..50).map(|_| rig.connect_tcp()).collect();
                for c in &mut conns {
                    send_raw(c, &bytes);
                }
                // Wait for our greeting + READY: the handshake is done.
                for c in &mut conns {
                    let mut buf = [0u8; 64];
                    c.set_timeout(DEADLINE);
                    c.read_exact(&mut buf).unwrap();
                }
                drop(conns);
                wait_fds(rig.baseline, "heap churn");
                // Lets the socket process attach/detach commands.
                rig.good_round(1);
            }
        };
        churn(&mut rig, 4);
        // A leak of 64 bytes or more per connection grows the heap in every
        // window; the test harness's own allocations (other tests' results)
        // may disturb one window, not three.
        let mut windows = Vec::new();
        for _ in 0..3 {
            let before = live_bytes();
            churn(&mut rig, 20);
            let grown = live_bytes() - before;
            windows.push(grown);
            if grown < 64 * 1024 {
                break;
            }
        }
        eprintln!("type {server_type}: heap growth per 1000 connections: {windows:?}");
        assert!(
            windows.iter().any(|&g| g < 64 * 1024),
            "heap grew by {windows:?} bytes in each window of 1000 connections"
        );
        rig.assert_nothing_queued();
        rig.finish("heap churn");
    }
}

/// A peer that sends PINGs and never reads our PONGs must not make us queue
/// PONGs without bound (libzmq keeps at most one pending PONG).
#[test]
fn ping_flood_without_reading() {
    let _g = serial();
    let mut rig = Rig::new(PULL, "tcp", &[]);
    let mut bad = rig.connect_tcp();
    send_raw(&mut bad, &handshake("PUSH"));
    // Each PING carries a 16-byte context, echoed in its PONG: 23 bytes back.
    let ping = command(b"\x04PING\x00\x00sixteen-byte-ctx");
    let batch: Vec<u8> = ping
        .iter()
        .copied()
        .cycle()
        .take(ping.len() * 40_000)
        .collect();
    let before = live_bytes();
    for _ in 0..30 {
        send_raw(&mut bad, &batch); // 30 x 1 MB of PINGs
    }
    // A data frame after them: once it arrives every PING has been handled.
    send_raw(&mut bad, &frame(0x00, b"after pings"));
    let mut m = Msg::new();
    rig.server.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"after pings");
    let grown = live_bytes() - before;
    eprintln!("heap grew {grown} bytes under a PING flood");
    assert!(
        grown < 4 << 20,
        "heap grew by {grown} bytes while a peer sent PINGs and read nothing"
    );
    rig.good_round(10);
    drop(bad);
    rig.finish("ping flood");
}
