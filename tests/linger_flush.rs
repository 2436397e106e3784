use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::options::OptVal;

fn run(ep: &str) {
    let ctx = Context::new();
    let mut push = ctx.socket(8).unwrap();
    push.setsockopt(17, &5000i32.to_ne_bytes()).unwrap();
    push.bind(ep).unwrap();
    let last = match push.getsockopt(32).unwrap() {
        OptVal::Str(s) => s,
        _ => panic!(),
    };
    let ctx2 = Context::new();
    let mut pull = ctx2.socket(7).unwrap();
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
