use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::options::OptVal;
use zmq::socket::Socket;

fn roundtrip(ep: &str) {
    let ctx = Context::new();
    let mut a = Socket::open(ctx.inner(), 0).unwrap();
    let mut b = Socket::open(ctx.inner(), 0).unwrap();
    a.bind(ep).unwrap();
    let last = match a.getsockopt(32).unwrap() {
        OptVal::Str(s) => s,
        _ => panic!(),
    };
    eprintln!("bound {last}");
    b.connect(&last).unwrap();
    for i in 0..1000u32 {
        let mut m = Msg::from_slice(&i.to_le_bytes());
        b.send(&mut m, 0).unwrap();
    }
    for i in 0..1000u32 {
        let mut m = Msg::new();
        a.recv(&mut m, 0).unwrap();
        assert_eq!(m.data(), &i.to_le_bytes());
    }
    let mut m = Msg::from_vec(vec![7u8; 1 << 20]);
    a.send(&mut m, 0).unwrap();
    let mut r = Msg::new();
    b.recv(&mut r, 0).unwrap();
    assert_eq!(r.len(), 1 << 20);
    a.close();
    b.close();
    ctx.term().unwrap();
}

#[test]
fn tcp() {
    roundtrip("tcp://127.0.0.1:*");
}
#[test]
fn ipc() {
    roundtrip("ipc://*");
}
#[test]
fn inproc() {
    roundtrip("inproc://smoke");
}
