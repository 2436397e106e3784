//! The direct-receive path (`engine::direct_recv`): a socket's
//! thread blocked in a receive polls its connections next to its mailbox and
//! reads, decodes and delivers the messages itself. These tests drive it
//! over tcp and ipc with the traffic it must keep intact: round trips,
//! multipart, large frames, routing ids, subscriptions, metadata, a burst
//! against RCVHWM, heartbeats, a peer going away and coming back, RCVTIMEO
//! and ETERM while blocked.

use std::sync::Arc;
use std::time::{Duration, Instant};
use zmq::ctx::Context;
use zmq::engine::direct_recv::{direct_recv_stops, direct_recvs};
use zmq::error::Errno;
use zmq::msg::Msg;
use zmq::socket::Socket;

mod common;
use common::*;

fn body(i: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|k| (k as u32).wrapping_mul(31).wrapping_add(i) as u8)
        .collect()
}

fn req_rep(ep: &str) {
    let before = direct_recvs();
    let ctx = Context::new();
    let (mut rep, mut req) = pair_of(&ctx, REP, REQ, ep);
    for i in 0..3000u32 {
        let a = i.to_le_bytes();
        let big = body(i, if i % 100 == 7 { 100_000 } else { 40 });
        if i % 3 == 0 {
            send_parts(&mut req, &[&a, b"", &big]);
        } else {
            send_parts(&mut req, &[&a]);
        }
        let mut m = Msg::new();
        rep.recv(&mut m, 0).unwrap();
        assert_eq!(m.data(), a, "{ep} request {i}");
        // Metadata as the I/O thread would attach it.
        let md = m.metadata().expect("metadata");
        assert_eq!(md.get("Socket-Type").unwrap().to_bytes(), b"REQ");
        let mut got = vec![m.data().to_vec()];
        if m.more() {
            got.extend(recv_parts(&mut rep));
        }
        if i % 3 == 0 {
            assert_eq!(got, vec![a.to_vec(), Vec::new(), big.clone()], "{ep} {i}");
        }
        send_parts(&mut rep, &[&got[0], b"reply"]);
        let back = recv_parts(&mut req);
        assert_eq!(back, vec![a.to_vec(), b"reply".to_vec()], "{ep} reply {i}");
    }
    assert!(
        direct_recvs() > before,
        "{ep}: the direct receive was never taken"
    );
    rep.close();
    req.close();
    ctx.term().unwrap();
}

#[test]
fn req_rep_tcp() {
    req_rep("tcp://127.0.0.1:*");
}
#[test]
fn req_rep_ipc() {
    req_rep("ipc://*");
}

fn dealer_router(ep: &str, n: usize) {
    let before = direct_recvs();
    let ctx = Context::new();
    let mut router = Socket::open(ctx.inner(), ROUTER).unwrap();
    setopt(&mut router, RCVTIMEO, 10_000);
    let last = bind(&mut router, ep);
    let mut dealers: Vec<Box<Socket>> = (0..n)
        .map(|k| {
            let mut d = Socket::open(ctx.inner(), DEALER).unwrap();
            setopt(&mut d, RCVTIMEO, 10_000);
            d.setsockopt(5, format!("dealer-{k}").as_bytes()).unwrap(); // ROUTING_ID
            d.connect(&last).unwrap();
            d
        })
        .collect();
    for round in 0..1000u32 {
        for (k, d) in dealers.iter_mut().enumerate() {
            let b = body(round, 1 + (round as usize * 37) % 3000 + k);
            send_parts(d, &[&round.to_le_bytes(), &b]);
        }
        for _ in 0..dealers.len() {
            let mut got = recv_parts(&mut router);
            assert_eq!(got.len(), 3, "{ep}: id + 2 frames");
            let k: usize = std::str::from_utf8(&got[0])
                .unwrap()
                .strip_prefix("dealer-")
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(got[1], round.to_le_bytes());
            assert_eq!(got[2], body(round, 1 + (round as usize * 37) % 3000 + k));
            got[2].push(0xEE);
            let parts: Vec<&[u8]> = got.iter().map(|p| p.as_slice()).collect();
            send_parts(&mut router, &parts);
        }
        for (k, d) in dealers.iter_mut().enumerate() {
            let got = recv_parts(d);
            assert_eq!(got[0], round.to_le_bytes(), "{ep}: dealer {k}");
            let mut b = body(round, 1 + (round as usize * 37) % 3000 + k);
            b.push(0xEE);
            assert_eq!(got[1], b);
        }
    }
    assert!(
        direct_recvs() > before,
        "{ep}: the direct receive was never taken"
    );
    router.close();
    for mut d in dealers {
        d.close();
    }
    ctx.term().unwrap();
}

#[test]
fn dealer_router_tcp() {
    dealer_router("tcp://127.0.0.1:*", 1);
    dealer_router("tcp://127.0.0.1:*", 3);
}
#[test]
fn dealer_router_ipc() {
    dealer_router("ipc://*", 1);
    dealer_router("ipc://*", 3);
}

/// Many pipes: the path stays off, and everything still works.
#[test]
fn many_pipes_router() {
    dealer_router("tcp://127.0.0.1:*", 6);
}

/// XPUB receives subscriptions (SUBSCRIPTION-flagged) while blocked.
#[test]
fn xpub_subscriptions_while_blocked() {
    let ctx = Context::new();
    let mut xpub = Socket::open(ctx.inner(), XPUB).unwrap();
    setopt(&mut xpub, RCVTIMEO, 10_000);
    let last = bind(&mut xpub, "tcp://127.0.0.1:*");
    let mut sub = Socket::open(ctx.inner(), SUB).unwrap();
    sub.connect(&last).unwrap();
    // Let the connection come up, so that the XPUB's next receive blocks
    // on an established connection.
    std::thread::sleep(Duration::from_millis(100));
    let t = std::thread::spawn(move || {
        for i in 0..50u32 {
            std::thread::sleep(Duration::from_millis(2));
            let topic = format!("topic-{i}");
            sub.setsockopt(SUBSCRIBE, topic.as_bytes()).unwrap();
            if i % 2 == 1 {
                sub.setsockopt(UNSUBSCRIBE, topic.as_bytes()).unwrap();
            }
        }
        sub
    });
    for i in 0..50u32 {
        let topic = format!("topic-{i}");
        let mut m = Msg::new();
        xpub.recv(&mut m, 0).unwrap();
        let mut want = vec![1u8];
        want.extend_from_slice(topic.as_bytes());
        assert_eq!(m.data(), want.as_slice(), "subscribe {i}");
        if i % 2 == 1 {
            let mut m = Msg::new();
            xpub.recv(&mut m, 0).unwrap();
            want[0] = 0;
            assert_eq!(m.data(), want.as_slice(), "unsubscribe {i}");
        }
    }
    let mut sub = t.join().unwrap();
    // Delivery to the subscriber still works.
    setopt(&mut sub, RCVTIMEO, 10_000);
    xpub.send(&mut Msg::from_slice(b"topic-0 hello"), 0)
        .unwrap();
    let mut m = Msg::new();
    sub.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"topic-0 hello");
    sub.close();
    xpub.close();
    ctx.term().unwrap();
}

/// A burst against a small RCVHWM while the receiver reads slowly with
/// blocking receives: everything arrives, in order, nothing stranded.
fn hwm_burst(ep: &str, socks: (i32, i32)) {
    const N: u32 = 10_000;
    let before = direct_recvs();
    let stops = direct_recv_stops();
    let ctx = Context::new();
    let mut rx = Socket::open(ctx.inner(), socks.0).unwrap();
    setopt(&mut rx, RCVHWM, 10);
    setopt(&mut rx, RCVTIMEO, 10_000);
    let last = bind(&mut rx, ep);
    let mut tx = Socket::open(ctx.inner(), socks.1).unwrap();
    setopt(&mut tx, SNDHWM, 10);
    tx.connect(&last).unwrap();
    // Established before the burst starts.
    tx.send(&mut Msg::from_slice(b"hello"), 0).unwrap();
    let mut m = Msg::new();
    rx.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"hello");
    let t = std::thread::spawn(move || {
        for i in 0..N {
            let b = body(i, 10 + (i as usize % 200));
            if i % 5 == 0 {
                send_parts(&mut tx, &[&i.to_le_bytes(), &b]);
            } else {
                let mut v = i.to_le_bytes().to_vec();
                v.extend_from_slice(&b);
                tx.send(&mut Msg::from_slice(&v), 0).unwrap();
            }
            // Bursts, so that the receiver often blocks and then reads a
            // whole burst itself, running into its RCVHWM.
            if i % 500 == 499 {
                std::thread::sleep(Duration::from_millis(3));
            }
        }
        tx
    });
    for i in 0..N {
        if i % 500 == 20 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let got = recv_parts(&mut rx);
        let b = body(i, 10 + (i as usize % 200));
        if i % 5 == 0 {
            assert_eq!(got, vec![i.to_le_bytes().to_vec(), b], "{ep} message {i}");
        } else {
            let mut v = i.to_le_bytes().to_vec();
            v.extend_from_slice(&b);
            assert_eq!(got, vec![v], "{ep} message {i}");
        }
    }
    let mut tx = t.join().unwrap();
    let mut m = Msg::new();
    assert_eq!(rx.recv(&mut m, DONTWAIT), Err(Errno::EAGAIN));
    eprintln!(
        "{ep}: direct receives {}, stopped at HWM {}",
        direct_recvs() - before,
        direct_recv_stops() - stops
    );
    assert!(
        direct_recvs() > before,
        "{ep}: the direct receive was never taken"
    );
    // Still usable afterwards.
    tx.send(&mut Msg::from_slice(b"bye"), 0).unwrap();
    rx.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"bye");
    tx.close();
    rx.close();
    ctx.term().unwrap();
}

/// Runs `hwm_burst` until a direct receive has stopped at the HWM at least
/// once (timing decides; it usually does on the first run).
fn hwm_bursts(ep: &str, socks: (i32, i32)) {
    let stops = direct_recv_stops();
    for _ in 0..10 {
        hwm_burst(ep, socks);
        if direct_recv_stops() > stops {
            return;
        }
    }
    panic!("{ep}: no direct receive ever stopped at the HWM");
}

// Direct receive is for the request-reply types (a PULL or PAIR stream is
// decoded by the I/O thread in parallel): bursts into a DEALER.
#[test]
fn hwm_burst_tcp() {
    hwm_bursts("tcp://127.0.0.1:*", (DEALER, DEALER));
}
#[test]
fn hwm_burst_ipc() {
    hwm_bursts("ipc://*", (DEALER, DEALER));
}

/// The peer goes away while we block; a new peer on the same endpoint is
/// reached by reconnection and its messages arrive; no hang.
fn disconnect_while_blocked(ep: &str) {
    let ctx = Arc::new(Context::new());
    let mut tx = Socket::open(ctx.inner(), PUSH).unwrap();
    setopt(&mut tx, LINGER, 0);
    let last = bind(&mut tx, ep);
    let mut rx = Socket::open(ctx.inner(), PULL).unwrap();
    setopt(&mut rx, RCVTIMEO, 10_000);
    setopt(&mut rx, RECONNECT_IVL, 20);
    rx.connect(&last).unwrap();
    tx.send(&mut Msg::from_slice(b"first"), 0).unwrap();
    let mut m = Msg::new();
    rx.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"first");
    let t = std::thread::spawn(move || {
        let mut m = Msg::new();
        let r = rx.recv(&mut m, 0);
        (rx, r, m.data().to_vec())
    });
    std::thread::sleep(Duration::from_millis(100));
    tx.close();
    std::thread::sleep(Duration::from_millis(100));
    let mut tx = Socket::open(ctx.inner(), PUSH).unwrap();
    tx.bind(&last).unwrap();
    tx.send(&mut Msg::from_slice(b"second"), 0).unwrap();
    let (mut rx, r, data) = t.join().unwrap();
    assert_eq!(r, Ok(()), "{ep}");
    assert_eq!(data, b"second");
    // Round trips on the new connection.
    for i in 0..100u32 {
        tx.send(&mut Msg::from_slice(&i.to_le_bytes()), 0).unwrap();
        rx.recv(&mut m, 0).unwrap();
        assert_eq!(m.data(), i.to_le_bytes());
    }
    tx.close();
    rx.close();
    ctx.term().unwrap();
}

#[test]
fn disconnect_while_blocked_tcp() {
    disconnect_while_blocked("tcp://127.0.0.1:*");
}
#[test]
fn disconnect_while_blocked_ipc() {
    // A fixed path: a wildcard one goes with its listener.
    let path = std::env::temp_dir().join(format!("zmq-direct-recv-{}.ipc", std::process::id()));
    disconnect_while_blocked(&format!("ipc://{}", path.display()));
    let _ = std::fs::remove_file(path);
}

/// An accepted (bind-side) connection ends while the receiver blocks: the
/// pipe goes; a new peer's messages arrive.
#[test]
fn accepted_peer_gone_while_blocked() {
    let ctx = Context::new();
    let mut rx = Socket::open(ctx.inner(), PULL).unwrap();
    setopt(&mut rx, RCVTIMEO, 10_000);
    let last = bind(&mut rx, "tcp://127.0.0.1:*");
    let mut tx = Socket::open(ctx.inner(), PUSH).unwrap();
    tx.connect(&last).unwrap();
    tx.send(&mut Msg::from_slice(b"one"), 0).unwrap();
    let mut m = Msg::new();
    rx.recv(&mut m, 0).unwrap();
    let t = std::thread::spawn(move || {
        let mut m = Msg::new();
        let r = rx.recv(&mut m, 0);
        (rx, r, m.data().to_vec())
    });
    std::thread::sleep(Duration::from_millis(50));
    tx.close();
    std::thread::sleep(Duration::from_millis(50));
    let mut tx = Socket::open(ctx.inner(), PUSH).unwrap();
    tx.connect(&last).unwrap();
    tx.send(&mut Msg::from_slice(b"two"), 0).unwrap();
    let (mut rx, r, data) = t.join().unwrap();
    assert_eq!(r, Ok(()));
    assert_eq!(data, b"two");
    tx.close();
    rx.close();
    ctx.term().unwrap();
}

/// RCVTIMEO still expires while blocked on an established connection.
#[test]
fn rcvtimeo_while_blocked() {
    for ep in ["tcp://127.0.0.1:*", "ipc://*"] {
        let ctx = Context::new();
        let (mut rep, mut req) = pair_of(&ctx, REP, REQ, ep);
        send_parts(&mut req, &[b"x"]);
        assert_eq!(recv_parts(&mut rep), vec![b"x".to_vec()]);
        setopt(&mut req, RCVTIMEO, 150);
        let t0 = Instant::now();
        let mut m = Msg::new();
        assert_eq!(req.recv(&mut m, 0), Err(Errno::EAGAIN), "{ep}");
        let took = t0.elapsed();
        assert!(
            took >= Duration::from_millis(140) && took < Duration::from_secs(3),
            "{ep}: {took:?}"
        );
        // The reply still comes through afterwards.
        send_parts(&mut rep, &[b"y"]);
        setopt(&mut req, RCVTIMEO, 10_000);
        assert_eq!(recv_parts(&mut req), vec![b"y".to_vec()]);
        rep.close();
        req.close();
        ctx.term().unwrap();
    }
}

/// zmq_ctx_term from another thread wakes a receive blocked on an
/// established connection with ETERM.
#[test]
fn ctx_term_while_blocked() {
    for ep in ["tcp://127.0.0.1:*", "ipc://*"] {
        let ctx = Arc::new(Context::new());
        let mut a = Socket::open(ctx.inner(), PAIR).unwrap();
        let last = bind(&mut a, ep);
        let mut b = Socket::open(ctx.inner(), PAIR).unwrap();
        b.connect(&last).unwrap();
        a.send(&mut Msg::from_slice(b"up"), 0).unwrap();
        let mut m = Msg::new();
        b.recv(&mut m, 0).unwrap();
        let t = std::thread::spawn(move || {
            let mut m = Msg::new();
            let r = b.recv(&mut m, 0);
            b.close();
            r
        });
        std::thread::sleep(Duration::from_millis(100));
        let c2 = ctx.clone();
        let term = std::thread::spawn(move || c2.term());
        assert_eq!(t.join().unwrap(), Err(Errno::ETERM), "{ep}");
        a.close();
        assert_eq!(term.join().unwrap(), Ok(()));
    }
}

/// Heartbeats (PING answered with PONG by the codec) on a connection read
/// directly: the PONGs go out, the connection stays up through long blocked
/// receives.
#[test]
fn heartbeats_while_blocked() {
    let ctx = Context::new();
    let mut rep = Socket::open(ctx.inner(), REP).unwrap();
    let mut req = Socket::open(ctx.inner(), REQ).unwrap();
    for s in [&mut rep, &mut req] {
        setopt(s, HEARTBEAT_IVL, 10);
        setopt(s, HEARTBEAT_TIMEOUT, 100);
        setopt(s, HEARTBEAT_TTL, 200);
        setopt(s, RCVTIMEO, 10_000);
    }
    let last = bind(&mut rep, "tcp://127.0.0.1:*");
    req.connect(&last).unwrap();
    for i in 0..20u32 {
        send_parts(&mut req, &[&i.to_le_bytes()]);
        assert_eq!(recv_parts(&mut rep), vec![i.to_le_bytes().to_vec()]);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            send_parts(&mut rep, &[b"late"]);
            rep
        });
        // Blocked through a few heartbeat periods.
        assert_eq!(recv_parts(&mut req), vec![b"late".to_vec()], "round {i}");
        rep = t.join().unwrap();
    }
    rep.close();
    req.close();
    ctx.term().unwrap();
}
