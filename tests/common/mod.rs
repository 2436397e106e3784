//! Helpers shared by the integration tests that drive sockets through the
//! crate's API (socket type and option numbers as in zmq.h).
#![allow(dead_code)]

use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::options::OptVal;
use zmq::socket::Socket;

#[allow(unused_imports)] // each test uses a subset
pub use zmq::zmtp::socket_types::{
    DEALER, PAIR, PUB, PULL, PUSH, REP, REQ, ROUTER, SUB, XPUB, XSUB,
};

pub const DONTWAIT: i32 = 1;
pub const SNDMORE: i32 = 2;
pub const SUBSCRIBE: i32 = 6;
pub const UNSUBSCRIBE: i32 = 7;
pub const SNDBUF: i32 = 11;
pub const RCVBUF: i32 = 12;
pub const LINGER: i32 = 17;
pub const RECONNECT_IVL: i32 = 18;
pub const SNDHWM: i32 = 23;
pub const RCVHWM: i32 = 24;
pub const RCVTIMEO: i32 = 27;
pub const LAST_ENDPOINT: i32 = 32;
pub const HEARTBEAT_IVL: i32 = 75;
pub const HEARTBEAT_TTL: i32 = 76;
pub const HEARTBEAT_TIMEOUT: i32 = 77;

pub fn setopt(s: &mut Socket, opt: i32, v: i32) {
    s.setsockopt(opt, &v.to_ne_bytes()).unwrap();
}

pub fn bind(s: &mut Socket, ep: &str) -> String {
    s.bind(ep).unwrap();
    match s.getsockopt(LAST_ENDPOINT).unwrap() {
        OptVal::Str(s) => s,
        _ => panic!(),
    }
}

pub fn send_parts(s: &mut Socket, parts: &[&[u8]]) {
    for (i, p) in parts.iter().enumerate() {
        let fl = if i + 1 < parts.len() { SNDMORE } else { 0 };
        s.send(&mut Msg::from_slice(p), fl).unwrap();
    }
}

pub fn recv_parts(s: &mut Socket) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    loop {
        let mut m = Msg::new();
        s.recv(&mut m, 0).unwrap();
        v.push(m.data().to_vec());
        if !m.more() {
            return v;
        }
    }
}

pub fn pair_of(ctx: &Context, a: i32, b: i32, ep: &str) -> (Box<Socket>, Box<Socket>) {
    let mut x = Socket::open(ctx.inner(), a).unwrap();
    let mut y = Socket::open(ctx.inner(), b).unwrap();
    setopt(&mut x, RCVTIMEO, 10_000);
    setopt(&mut y, RCVTIMEO, 10_000);
    let last = bind(&mut x, ep);
    y.connect(&last).unwrap();
    (x, y)
}
