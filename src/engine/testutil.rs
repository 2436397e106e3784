//! Test helpers of the engine's unit tests: a sans-IO ZMTP peer on the
//! other end of a socketpair or tcp connection.

use super::stream::{Engine, PumpStats, Pumped, Wrote};
use crate::ctx::CtxInner;
use crate::io::command::{Command, PipeInfo, SocketShared};
use crate::io::mailbox::Mailbox;
use crate::io::reactor::IoThread;
use crate::msg::Msg;
use crate::pipe::Pipe;
use crate::zmtp::{socket_types, Config, Event, Zmtp};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A codec configuration without a handshake timeout.
pub fn config(socket_type: i32) -> Config {
    Config {
        socket_type,
        handshake_ivl_ms: 0,
        ..Config::default()
    }
}

/// An established engine (PAIR) on one end of a socketpair, and a
/// sans-IO codec for the other end, handshake done.
pub fn established() -> (Engine, UnixStream, Zmtp) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    let now = Instant::now();
    let mut e = Engine::new(
        OwnedFd::from(a),
        Zmtp::new(config(socket_types::PAIR), now),
        String::new(),
        false,
    );
    e.registered = true;
    let mut peer = Zmtp::new(config(socket_types::PAIR), now);
    let mut b = b;
    let mut st = PumpStats::default();
    let mut ready = false;
    for _ in 0..10 {
        // Ours → peer.
        while e.write_once(usize::MAX) != Wrote::Nothing {}
        let mut tmp = [0u8; 4096];
        b.set_nonblocking(true).unwrap();
        while let Ok(n) = std::io::Read::read(&mut b, &mut tmp) {
            let buf = peer.input_buf();
            buf[..n].copy_from_slice(&tmp[..n]);
            peer.input_commit(n);
        }
        while let Ok(Some(_)) = peer.next_event(now) {}
        std::io::Write::write_all(&mut b, peer.output()).unwrap();
        let n = peer.output().len();
        peer.consume_output(n);
        if let Pumped::Ready(_) = e.pump(None, now, usize::MAX, false, &mut st) {
            e.ready = true;
            ready = true;
        }
        if ready && e.zmtp.output_len() == 0 {
            break;
        }
    }
    assert!(e.ready);
    b.set_nonblocking(false).unwrap();
    (e, b, peer)
}

/// The peer sends one message.
pub fn peer_send(b: &mut UnixStream, peer: &mut Zmtp, body: &[u8]) {
    peer.encode(&Msg::from_slice(body));
    std::io::Write::write_all(b, peer.output()).unwrap();
    let n = peer.output().len();
    peer.consume_output(n);
}

/// Feeds what arrives on `b` to `peer` (and sends what it answers)
/// until it yields an event.
pub fn next_event<S: std::io::Read + std::io::Write>(b: &mut S, peer: &mut Zmtp) -> Event {
    loop {
        let ev = peer.next_event(Instant::now()).unwrap();
        // What decoding queued (the rest of the greeting, READY) goes
        // out before we wait for more.
        flush(b, peer);
        if let Some(ev) = ev {
            return ev;
        }
        let buf = peer.input_buf();
        let n = b.read(buf).unwrap();
        assert!(n > 0, "session closed the connection");
        peer.input_commit(n);
    }
}

pub fn flush<S: std::io::Write>(b: &mut S, peer: &mut Zmtp) {
    while !peer.output().is_empty() {
        b.write_all(peer.output()).unwrap();
        let n = peer.output().len();
        peer.consume_output(n);
    }
}

pub fn wait_attach(mb: &Mailbox<Command>) -> (Pipe, PipeInfo) {
    for _ in 0..500 {
        if let Some(Command::Attach { pipe, info }) = mb.try_recv() {
            return (pipe, info);
        }
        mb.wait(Some(Duration::from_millis(10))).unwrap();
    }
    panic!("no pipe attached");
}

/// An I/O thread, a context and a socket's mailbox for sessions to attach
/// their pipes to.
pub fn io_world() -> (IoThread, Arc<CtxInner>, Arc<SocketShared>) {
    let io = IoThread::start(0).unwrap();
    let ctx = Arc::new(CtxInner::default());
    let socket = Arc::new(SocketShared::new(Mailbox::new().unwrap()));
    (io, ctx, socket)
}

/// A PAIR peer on `stream` greets the session on the other end; returns the
/// peer's codec and the pipe the session then attaches to `socket`.
pub fn greet<S: std::io::Read + std::io::Write>(
    stream: &mut S,
    socket: &SocketShared,
) -> (Zmtp, Pipe, PipeInfo) {
    let mut peer = Zmtp::new(config(socket_types::PAIR), Instant::now());
    flush(stream, &mut peer);
    assert!(matches!(next_event(stream, &mut peer), Event::Ready(_)));
    flush(stream, &mut peer);
    let (pipe, info) = wait_attach(&socket.mailbox);
    (peer, pipe, info)
}
