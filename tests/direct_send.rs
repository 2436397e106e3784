//! The direct-send path (`engine::direct_send`): a socket's thread encoding and
//! writing to the connection itself when the session is idle. These tests
//! drive it over tcp and ipc with every kind of traffic it must keep intact:
//! round trips, multipart, subscriptions, short writes (EAGAIN midway through
//! a message) and close with linger.

use std::time::Duration;
use zmq::ctx::Context;
use zmq::engine::direct_send::{direct_sends, direct_short_writes};
use zmq::msg::Msg;
use zmq::socket::Socket;

mod common;
use common::*;

fn req_rep(ep: &str) {
    let before = direct_sends();
    let ctx = Context::new();
    let (mut rep, mut req) = pair_of(&ctx, REP, REQ, ep);
    for i in 0..3000u32 {
        let a = i.to_le_bytes();
        if i % 3 == 0 {
            send_parts(&mut req, &[&a, b"", b"tail"]);
        } else {
            send_parts(&mut req, &[&a]);
        }
        let got = recv_parts(&mut rep);
        assert_eq!(got[0], a, "{ep} request {i}");
        send_parts(&mut rep, &[&got[0], b"reply"]);
        let back = recv_parts(&mut req);
        assert_eq!(back, vec![a.to_vec(), b"reply".to_vec()], "{ep} reply {i}");
    }
    assert!(
        direct_sends() > before,
        "{ep}: the direct path was never taken"
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

fn dealer_router(ep: &str) {
    let ctx = Context::new();
    let mut router = Socket::open(ctx.inner(), ROUTER).unwrap();
    setopt(&mut router, RCVTIMEO, 10_000);
    let last = bind(&mut router, ep);
    let mut dealers: Vec<Box<Socket>> = (0..3)
        .map(|_| {
            let mut d = Socket::open(ctx.inner(), DEALER).unwrap();
            setopt(&mut d, RCVTIMEO, 10_000);
            d.connect(&last).unwrap();
            d
        })
        .collect();
    for round in 0..1000u32 {
        for (k, d) in dealers.iter_mut().enumerate() {
            let body = vec![k as u8; 1 + (round as usize * 37) % 3000];
            send_parts(d, &[&round.to_le_bytes(), &body]);
        }
        for _ in 0..dealers.len() {
            let mut got = recv_parts(&mut router);
            assert_eq!(got.len(), 3, "{ep}: id + 2 frames");
            assert_eq!(got[1], round.to_le_bytes());
            got[2].push(0xEE);
            let parts: Vec<&[u8]> = got.iter().map(|p| p.as_slice()).collect();
            send_parts(&mut router, &parts);
        }
        for (k, d) in dealers.iter_mut().enumerate() {
            let got = recv_parts(d);
            assert_eq!(got[0], round.to_le_bytes(), "{ep}: dealer {k}");
            let mut body = vec![k as u8; 1 + (round as usize * 37) % 3000];
            body.push(0xEE);
            assert_eq!(got[1], body);
        }
    }
    router.close();
    for mut d in dealers {
        d.close();
    }
    ctx.term().unwrap();
}

#[test]
fn dealer_router_tcp() {
    dealer_router("tcp://127.0.0.1:*");
}
#[test]
fn dealer_router_ipc() {
    dealer_router("ipc://*");
}

fn pattern(i: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|j| (j as u32).wrapping_mul(31).wrapping_add(i) as u8)
        .collect()
}

/// Messages sent one at a time (so each finds the session idle) into a
/// connection whose reader has stopped: the kernel buffers fill, a direct
/// send is cut short by EAGAIN midway through a message and the I/O thread
/// must finish it. Then the reader drains: every byte, in order.
fn partial_writes(ep: &str) {
    const N: u32 = 150;
    let ctx = Context::new();
    let mut pull = Socket::open(ctx.inner(), PULL).unwrap();
    setopt(&mut pull, RCVHWM, 1);
    setopt(&mut pull, RCVBUF, 32 * 1024);
    setopt(&mut pull, RCVTIMEO, 10_000);
    let last = bind(&mut pull, ep);
    let mut push = Socket::open(ctx.inner(), PUSH).unwrap();
    setopt(&mut push, SNDBUF, 32 * 1024);
    setopt(&mut push, SNDHWM, 0);
    push.connect(&last).unwrap();
    // Wait for the connection: one message through.
    push.send(&mut Msg::from_slice(b"hello"), 0).unwrap();
    let mut m = Msg::new();
    pull.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"hello");
    let short_before = direct_short_writes();
    for i in 0..N {
        let len = 20_000 + (i as usize * 7919) % 90_000;
        push.send(&mut Msg::from_vec(pattern(i, len)), 0).unwrap();
        std::thread::sleep(Duration::from_micros(200));
    }
    // (Counters are process-wide: other tests may add to them, never take.)
    assert!(
        direct_short_writes() > short_before,
        "{ep}: no direct send was cut short"
    );
    for i in 0..N {
        let mut m = Msg::new();
        pull.recv(&mut m, 0)
            .unwrap_or_else(|e| panic!("{ep}: message {i}: {e}"));
        let len = 20_000 + (i as usize * 7919) % 90_000;
        assert!(m.data() == pattern(i, len).as_slice(), "{ep}: message {i}");
    }
    push.close();
    pull.close();
    ctx.term().unwrap();
}

#[test]
fn partial_writes_tcp() {
    partial_writes("tcp://127.0.0.1:*");
}
#[test]
fn partial_writes_ipc() {
    partial_writes("ipc://*");
}

/// Sends paced so they go direct, then closes at once with LINGER: all of
/// them arrive, in order, and `zmq_ctx_term` returns.
fn close_with_linger(ep: &str, a: i32, b: i32) {
    const N: u32 = 2000;
    let ctx = Context::new();
    let mut rx = Socket::open(ctx.inner(), b).unwrap();
    setopt(&mut rx, RCVTIMEO, 10_000);
    let last = bind(&mut rx, ep);
    let ctx2 = Context::new();
    let mut tx = Socket::open(ctx2.inner(), a).unwrap();
    setopt(&mut tx, LINGER, 5000);
    tx.connect(&last).unwrap();
    for i in 0..N {
        if i % 2 == 0 {
            send_parts(&mut tx, &[&i.to_le_bytes()]);
        } else {
            send_parts(&mut tx, &[&i.to_le_bytes(), b"second"]);
        }
        if i % 100 == 0 {
            std::thread::sleep(Duration::from_micros(100));
        }
    }
    let t = std::thread::spawn(move || {
        tx.close();
        ctx2.term().unwrap();
    });
    for i in 0..N {
        let got = recv_parts(&mut rx);
        assert_eq!(got[0], i.to_le_bytes(), "{ep}: message {i}");
        assert_eq!(got.len(), if i % 2 == 0 { 1 } else { 2 });
    }
    t.join().unwrap();
    rx.close();
    ctx.term().unwrap();
}

#[test]
fn close_with_linger_push_pull() {
    close_with_linger("tcp://127.0.0.1:*", PUSH, PULL);
    close_with_linger("ipc://*", PUSH, PULL);
}
#[test]
fn close_with_linger_pair() {
    close_with_linger("tcp://127.0.0.1:*", PAIR, PAIR);
}

/// Subscriptions travel from SUB to the session (flagged SUBSCRIPTION) and
/// may go out directly; data then flows PUB→SUB filtered.
fn pub_sub(ep: &str, sub_type: i32) {
    let ctx = Context::new();
    let mut xpub = Socket::open(ctx.inner(), XPUB).unwrap();
    setopt(&mut xpub, RCVTIMEO, 10_000);
    let last = bind(&mut xpub, ep);
    let mut sub = Socket::open(ctx.inner(), sub_type).unwrap();
    setopt(&mut sub, RCVTIMEO, 10_000);
    sub.connect(&last).unwrap();
    if sub_type == SUB {
        sub.setsockopt(SUBSCRIBE, b"A").unwrap();
    } else {
        sub.send(&mut Msg::from_slice(b"\x01A"), 0).unwrap();
    }
    let got = recv_parts(&mut xpub);
    assert_eq!(got, vec![b"\x01A".to_vec()], "{ep}: subscription");
    for i in 0..2000u32 {
        let topic: &[u8] = if i % 2 == 0 { b"A" } else { b"B" };
        send_parts(&mut xpub, &[topic, &i.to_le_bytes()]);
        if i % 50 == 0 {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    for i in (0..2000u32).step_by(2) {
        let got = recv_parts(&mut sub);
        assert_eq!(got, vec![b"A".to_vec(), i.to_le_bytes().to_vec()]);
    }
    sub.close();
    xpub.close();
    ctx.term().unwrap();
}

#[test]
fn pub_sub_tcp() {
    pub_sub("tcp://127.0.0.1:*", SUB);
    pub_sub("tcp://127.0.0.1:*", XSUB);
}
#[test]
fn pub_sub_ipc() {
    pub_sub("ipc://*", SUB);
}

#[test]
fn plain_pub_to_sub() {
    let ctx = Context::new();
    let (mut publ, mut sub) = pair_of(&ctx, PUB, SUB, "tcp://127.0.0.1:*");
    sub.setsockopt(SUBSCRIBE, b"").unwrap();
    // Slow joiner: publish until the first message arrives.
    setopt(&mut sub, RCVTIMEO, 20);
    loop {
        send_parts(&mut publ, &[b"ping"]);
        let mut m = Msg::new();
        if sub.recv(&mut m, 0).is_ok() {
            break;
        }
    }
    setopt(&mut sub, RCVTIMEO, 10_000);
    // Drain stray pings, then a marked sequence.
    for i in 0..500u32 {
        send_parts(&mut publ, &[b"seq", &i.to_le_bytes()]);
    }
    let mut next = 0u32;
    while next < 500 {
        let got = recv_parts(&mut sub);
        if got[0] == b"ping" {
            continue;
        }
        assert_eq!(got, vec![b"seq".to_vec(), next.to_le_bytes().to_vec()]);
        next += 1;
    }
    publ.close();
    sub.close();
    ctx.term().unwrap();
}

/// A reconnecting connect-side session (no engine meanwhile) keeps what the
/// socket sent and delivers it when the peer comes back.
#[test]
fn reconnect_falls_back() {
    let ctx = Context::new();
    let mut pull = Socket::open(ctx.inner(), PULL).unwrap();
    setopt(&mut pull, RCVTIMEO, 10_000);
    let last = bind(&mut pull, "tcp://127.0.0.1:*");
    let mut push = Socket::open(ctx.inner(), PUSH).unwrap();
    push.connect(&last).unwrap();
    push.send(&mut Msg::from_slice(b"one"), 0).unwrap();
    let mut m = Msg::new();
    pull.recv(&mut m, 0).unwrap();
    assert_eq!(m.data(), b"one");
    pull.close();
    std::thread::sleep(Duration::from_millis(50));
    for i in 0..10u32 {
        push.send(&mut Msg::from_slice(&i.to_le_bytes()), 0)
            .unwrap();
        std::thread::sleep(Duration::from_micros(100));
    }
    let mut pull = Socket::open(ctx.inner(), PULL).unwrap();
    setopt(&mut pull, RCVTIMEO, 10_000);
    pull.bind(&last).unwrap();
    for i in 0..10u32 {
        let mut m = Msg::new();
        pull.recv(&mut m, 0).unwrap();
        assert_eq!(m.data(), i.to_le_bytes());
    }
    push.close();
    pull.close();
    ctx.term().unwrap();
}
