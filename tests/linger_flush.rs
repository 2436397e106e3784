use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::options::OptVal;
use zmq::socket::Socket;

fn run(ep: &str) {
    let ctx = Context::new();
    let mut push = Socket::open(ctx.inner(), 8).unwrap();
    push.setsockopt(17, &5000i32.to_ne_bytes()).unwrap();
    push.bind(ep).unwrap();
    let last = match push.getsockopt(32).unwrap() {
        OptVal::Str(s) => s,
        _ => panic!(),
    };
    let ctx2 = Context::new();
    let mut pull = Socket::open(ctx2.inner(), 7).unwrap();
    pull.setsockopt(27, &3000i32.to_ne_bytes()).unwrap();
    pull.connect(&last).unwrap();
    push.send(&mut Msg::from_slice(b"hello"), 0).unwrap();
    push.send(&mut Msg::from_vec(vec![1u8; 1 << 20]), 0)
        .unwrap();
    push.send(&mut Msg::from_slice(b"last"), 0).unwrap();
    let t = std::thread::spawn(move || {
        push.close();
        ctx.term().unwrap();
    });
    for _ in 0..3 {
        let mut m = Msg::new();
        pull.recv(&mut m, 0).unwrap();
        eprintln!("{ep}: got {}", m.len());
    }
    t.join().unwrap();
}
#[test]
fn ipc_flushes_big_message_after_close() {
    run("ipc://*");
}
#[test]
fn tcp_flushes_big_message_after_close() {
    run("tcp://127.0.0.1:*");
}

/// The sender closes while the receiver's pipe is full (input stopped): the
/// peer's hang-up must not drop what is still in the kernel or in the codec.
fn backlog_survives_hangup(ep: &str) {
    const N: u32 = 20_000;
    let ctx = Context::new();
    let mut pull = Socket::open(ctx.inner(), 7).unwrap();
    pull.setsockopt(24, &100i32.to_ne_bytes()).unwrap(); // RCVHWM
    pull.setsockopt(27, &5000i32.to_ne_bytes()).unwrap(); // RCVTIMEO
    pull.bind(ep).unwrap();
    let last = match pull.getsockopt(32).unwrap() {
        OptVal::Str(s) => s,
        _ => panic!(),
    };
    let ctx2 = Context::new();
    let mut push = Socket::open(ctx2.inner(), 8).unwrap();
    push.setsockopt(17, &5000i32.to_ne_bytes()).unwrap(); // LINGER
    push.setsockopt(23, &0i32.to_ne_bytes()).unwrap(); // SNDHWM: never block
    push.connect(&last).unwrap();
    for i in 0..N {
        push.send(&mut Msg::from_slice(&i.to_le_bytes()), 0)
            .unwrap();
    }
    // Close the sender while the receiver has read nothing: its session
    // flushes (LINGER) into a receiver whose pipe is full, then hangs up.
    let t = std::thread::spawn(move || {
        push.close();
        ctx2.term().unwrap();
    });
    for i in 0..N {
        let mut m = Msg::new();
        pull.recv(&mut m, 0)
            .unwrap_or_else(|e| panic!("{ep}: message {i}: {e}"));
        assert_eq!(m.data(), &i.to_le_bytes());
    }
    t.join().unwrap();
    // The receiver's session, whose fd was parked at the hang-up, must
    // still see the end of the stream and let the context terminate.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        pull.close();
        ctx.term().unwrap();
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{ep}: zmq_ctx_term hangs after a parked hang-up"));
}

#[test]
fn ipc_backlog_survives_peer_hangup() {
    backlog_survives_hangup("ipc://*");
}

#[test]
fn tcp_backlog_survives_peer_hangup() {
    backlog_survives_hangup("tcp://127.0.0.1:*");
}
