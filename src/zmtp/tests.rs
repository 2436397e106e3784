//! Two peers in memory, hand-made old peers and a fake clock.

use super::socket_types::*;
use super::*;

fn cfg(t: i32) -> Config {
    Config {
        socket_type: t,
        ..Config::default()
    }
}

fn t0() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn drain(z: &mut Zmtp, now: Instant) -> Result<Vec<Event>, Error> {
    let mut v = Vec::new();
    while let Some(e) = z.next_event(now)? {
        v.push(e);
    }
    Ok(v)
}

/// Everything queued for the wire, in order (`output` may show it in parts).
fn take_out(z: &mut Zmtp) -> Vec<u8> {
    let mut o = Vec::new();
    loop {
        let part = z.output();
        if part.is_empty() {
            break;
        }
        let n = part.len();
        o.extend_from_slice(part);
        z.consume_output(n);
    }
    assert_eq!(z.output_len(), 0);
    o
}

/// Feeds `data` the way the engine does: read into `input_buf` at most
/// `chunk` bytes at a time, and drain events after every read.
fn feed_chunked(
    z: &mut Zmtp,
    mut data: &[u8],
    chunk: usize,
    now: Instant,
) -> Result<Vec<Event>, Error> {
    let mut ev = Vec::new();
    while !data.is_empty() {
        let buf = z.input_buf();
        assert!(buf.len() >= IN_BATCH);
        let k = buf.len().min(chunk).min(data.len());
        buf[..k].copy_from_slice(&data[..k]);
        z.input_commit(k);
        data = &data[k..];
        ev.extend(drain(z, now)?);
    }
    Ok(ev)
}

/// Moves bytes both ways until both sides are quiet.
fn pump(
    a: &mut Zmtp,
    b: &mut Zmtp,
    now: Instant,
) -> (Result<Vec<Event>, Error>, Result<Vec<Event>, Error>) {
    let (mut ea, mut eb) = (Ok(Vec::new()), Ok(Vec::new()));
    for _ in 0..100 {
        let oa = take_out(a);
        let ob = take_out(b);
        if oa.is_empty() && ob.is_empty() {
            return (ea, eb);
        }
        b.input(&oa);
        a.input(&ob);
        for (z, e) in [(&mut *a, &mut ea), (&mut *b, &mut eb)] {
            if let Ok(v) = e {
                match drain(z, now) {
                    Ok(more) => v.extend(more),
                    Err(err) => *e = Err(err),
                }
            }
        }
    }
    panic!("peers never went quiet");
}

fn connect(ca: Config, cb: Config, now: Instant) -> (Zmtp, Zmtp, PeerInfo, PeerInfo) {
    let mut a = Zmtp::new(ca, now);
    let mut b = Zmtp::new(cb, now);
    let (ea, eb) = pump(&mut a, &mut b, now);
    let (mut ea, mut eb) = (ea.unwrap(), eb.unwrap());
    assert_eq!(ea.len(), 1, "{ea:?}");
    assert_eq!(eb.len(), 1, "{eb:?}");
    let (Some(Event::Ready(pa)), Some(Event::Ready(pb))) = (ea.pop(), eb.pop()) else {
        panic!("no Ready")
    };
    assert!(a.is_ready() && b.is_ready());
    (a, b, pa, pb)
}

fn msgs(ev: Vec<Event>) -> Vec<Msg> {
    ev.into_iter()
        .map(|e| match e {
            Event::Msg(m) => m,
            Event::Ready(_) => panic!("unexpected Ready"),
        })
        .collect()
}

fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    codec::put_header_v2(&mut v, flags & 1 != 0, flags & 4 != 0, body.len());
    v.extend_from_slice(body);
    v
}

fn greeting3(mech: &[u8], minor: u8) -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, minor];
    let mut m = [0u8; 20];
    m[..mech.len()].copy_from_slice(mech);
    g.extend_from_slice(&m);
    g.extend_from_slice(&[0u8; 32]);
    g
}

fn ready_cmd(props: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = b"\x05READY".to_vec();
    for (k, v) in props {
        body.push(k.len() as u8);
        body.extend_from_slice(k.as_bytes());
        body.extend_from_slice(&(v.len() as u32).to_be_bytes());
        body.extend_from_slice(v);
    }
    frame(4, &body)
}

/// A Zmtp of type `ours` that has completed a 3.x handshake with a hand-made
/// peer of type `theirs` (minor version `minor`).
fn handshaken(ours: Config, theirs: &str, minor: u8, now: Instant) -> Zmtp {
    let mut z = Zmtp::new(ours, now);
    z.input(&greeting3(b"NULL", minor));
    z.input(&ready_cmd(&[("Socket-Type", theirs.as_bytes())]));
    let ev = drain(&mut z, now).unwrap();
    assert!(matches!(ev.as_slice(), [Event::Ready(_)]), "{ev:?}");
    take_out(&mut z);
    z
}

#[test]
fn handshake_socket_type_pairs() {
    let now = t0();
    let pairs = [
        (REQ, REP),
        (REQ, ROUTER),
        (DEALER, ROUTER),
        (DEALER, DEALER),
        (PUB, SUB),
        (XPUB, XSUB),
        (PUSH, PULL),
        (PAIR, PAIR),
        (CLIENT, SERVER),
        (RADIO, DISH),
        (GATHER, SCATTER),
        (PEER, PEER),
        (CHANNEL, CHANNEL),
    ];
    for (x, y) in pairs {
        let (_a, _b, pa, pb) = connect(cfg(x), cfg(y), now);
        assert_eq!(pa.version, (3, 1));
        assert_eq!(pa.socket_type, Some(y), "{x} {y}");
        assert_eq!(pb.socket_type, Some(x), "{x} {y}");
        let st = pa.metadata.get("Socket-Type").unwrap();
        assert_eq!(st.to_bytes(), socket_type_name(y).as_bytes());
    }
}

#[test]
fn identity_property_only_for_req_dealer_router() {
    let now = t0();
    let dealer = Config {
        routing_id: b"D1".to_vec(),
        ..cfg(DEALER)
    };
    let (_a, _b, pa, pb) = connect(dealer, cfg(ROUTER), now);
    assert_eq!(pb.routing_id, b"D1");
    assert!(pb.metadata.get("Identity").is_some());
    // ROUTER sends Identity even when empty (I5).
    assert_eq!(pa.routing_id, b"");
    assert!(pa.metadata.get("Identity").is_some());
    // PUSH does not send Identity at all.
    let push = Config {
        routing_id: b"P".to_vec(),
        ..cfg(PUSH)
    };
    let (_a, _b, _pa, pb) = connect(push, cfg(PULL), now);
    assert!(pb.metadata.get("Identity").is_none());
    assert_eq!(pb.routing_id, b"");
}

#[test]
fn multipart_roundtrip() {
    let now = t0();
    let (mut a, mut b, _, _) = connect(cfg(DEALER), cfg(ROUTER), now);
    let big: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    let parts: Vec<Vec<u8>> = vec![vec![], vec![b'x'; 300], big.clone(), b"end".to_vec()];
    for (i, p) in parts.iter().enumerate() {
        let mut m = Msg::from_slice(p);
        m.set_more(i + 1 < parts.len());
        a.encode(&m);
    }
    let (ea, eb) = pump(&mut a, &mut b, now);
    assert!(ea.unwrap().is_empty());
    let got = msgs(eb.unwrap());
    assert_eq!(got.len(), 4);
    for (i, m) in got.iter().enumerate() {
        assert_eq!(m.data(), &parts[i][..], "part {i}");
        assert_eq!(m.more(), i + 1 < parts.len());
        assert!(m.metadata().is_some());
    }
    // The same bytes read the engine's way, in 1500-byte reads: the 1 MiB
    // frame lands in its own storage.
    for (i, p) in parts.iter().enumerate() {
        let mut m = Msg::from_slice(p);
        m.set_more(i + 1 < parts.len());
        a.encode(&m);
    }
    let wire = take_out(&mut a);
    let got = msgs(feed_chunked(&mut b, &wire, 1500, now).unwrap());
    assert_eq!(got.len(), 4);
    assert_eq!(got[2].data(), &big[..]);
    assert!(b.big.is_none());
    // And in one read per byte batch of 100 KiB.
    for (i, p) in parts.iter().enumerate() {
        let mut m = Msg::from_slice(p);
        m.set_more(i + 1 < parts.len());
        a.encode(&m);
    }
    let wire = take_out(&mut a);
    let got = msgs(feed_chunked(&mut b, &wire, 100 * 1024, now).unwrap());
    assert_eq!(
        got.iter().map(|m| m.len()).collect::<Vec<_>>(),
        vec![0, 300, 1 << 20, 3]
    );
}

#[test]
fn short_and_long_encoding() {
    let now = t0();
    let (mut a, _b, _, _) = connect(cfg(PAIR), cfg(PAIR), now);
    a.encode(&Msg::from_slice(&[7u8; 255]));
    let o = take_out(&mut a);
    assert_eq!(&o[..2], &[0x00, 0xFF]);
    let mut m = Msg::from_slice(&[7u8; 256]);
    m.set_more(true);
    a.encode(&m);
    let o = take_out(&mut a);
    assert_eq!(&o[..9], &[0x03, 0, 0, 0, 0, 0, 0, 1, 0]);
    assert_eq!(o.len(), 9 + 256);
}

#[test]
fn ready_layout_z4() {
    let now = t0();
    let c = Config {
        routing_id: b"AB".to_vec(),
        metadata: vec![("X-Foo".to_string(), b"bar".to_vec())],
        ..cfg(DEALER)
    };
    let mut z = Zmtp::new(c, now);
    z.input(&greeting3(b"NULL", 1));
    assert!(drain(&mut z, now).unwrap().is_empty());
    let o = take_out(&mut z);
    assert_eq!(&o[..10], &[0xFF, 0, 0, 0, 0, 0, 0, 0, 3, 0x7F]);
    assert_eq!(o[10], 3);
    assert_eq!(o[11], 1);
    assert_eq!(&o[12..32], b"NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    assert_eq!(&o[32..64], &[0u8; 32]);
    let mut ready = vec![0x04, 56];
    ready.extend_from_slice(b"\x05READY");
    ready.extend_from_slice(b"\x0bSocket-Type\x00\x00\x00\x06DEALER");
    ready.extend_from_slice(b"\x08Identity\x00\x00\x00\x02AB");
    ready.extend_from_slice(b"\x05X-Foo\x00\x00\x00\x03bar");
    assert_eq!(&o[64..], &ready[..]);
}

#[test]
fn user_metadata_sorted_first_wins_and_seen_by_peer() {
    let now = t0();
    let c = Config {
        metadata: vec![
            ("X-b".to_string(), b"2".to_vec()),
            ("X-a".to_string(), b"1".to_vec()),
            ("X-b".to_string(), b"3".to_vec()),
        ],
        ..cfg(PAIR)
    };
    let mut p = Vec::new();
    add_basic_properties(&c, &mut p);
    assert_eq!(
        &p[20..],
        b"\x03X-a\x00\x00\x00\x011\x03X-b\x00\x00\x00\x012"
    );
    let (_a, _b, _pa, pb) = connect(c, cfg(PAIR), now);
    assert_eq!(pb.metadata.get("X-a").unwrap().to_bytes(), b"1");
    assert_eq!(pb.metadata.get("X-b").unwrap().to_bytes(), b"2");
}

#[test]
fn greeting_byte_order_10_1_53() {
    let now = t0();
    let mut z = Zmtp::new(
        Config {
            routing_id: b"abc".to_vec(),
            ..cfg(DEALER)
        },
        now,
    );
    assert_eq!(take_out(&mut z), vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 4, 0x7F]);
    let g = greeting3(b"NULL", 1);
    for i in 0..9 {
        z.input(&g[i..i + 1]);
        assert!(drain(&mut z, now).unwrap().is_empty());
        assert!(z.output().is_empty(), "output after {} bytes", i + 1);
    }
    z.input(&g[9..10]);
    drain(&mut z, now).unwrap();
    assert_eq!(take_out(&mut z), vec![3]);
    z.input(&g[10..11]);
    drain(&mut z, now).unwrap();
    let rest = take_out(&mut z);
    assert_eq!(rest.len(), 53);
    assert_eq!(rest[0], 1);
    assert_eq!(&rest[1..5], b"NULL");
    assert!(rest[5..].iter().all(|&b| b == 0));
    for i in 11..63 {
        z.input(&g[i..i + 1]);
        drain(&mut z, now).unwrap();
        assert!(z.output().is_empty());
    }
    z.input(&g[63..]);
    drain(&mut z, now).unwrap();
    // READY goes out as soon as the greeting is complete.
    assert_eq!(&take_out(&mut z)[..8], b"\x04\x2c\x05READY");
}

#[test]
fn zmtp30_peer_gets_subscriptions_as_data() {
    let now = t0();
    let mut z = handshaken(cfg(XSUB), "PUB", 0, now);
    assert_eq!(z.peer().unwrap().version, (3, 0));
    let mut m = Msg::from_slice(b"\x01topic");
    m.set_flags(crate::msg::flags::SUBSCRIPTION);
    z.encode(&m);
    let mut c = Msg::from_slice(b"\x00topic");
    c.set_flags(crate::msg::flags::SUBSCRIPTION);
    z.encode(&c);
    assert_eq!(take_out(&mut z), b"\x00\x06\x01topic\x00\x06\x00topic");
    // A 3.1 peer gets commands.
    let mut z = handshaken(cfg(XSUB), "PUB", 1, now);
    z.encode(&m);
    z.encode(&c);
    assert_eq!(
        take_out(&mut z),
        b"\x04\x0f\x09SUBSCRIBEtopic\x04\x0c\x06CANCELtopic"
    );
    // Revision 2 and 4 are spoken as 3.1 too.
    for rev in [2u8, 4] {
        let mut z = Zmtp::new(cfg(XSUB), now);
        let mut g = greeting3(b"NULL", 0);
        g[10] = rev;
        z.input(&g);
        z.input(&ready_cmd(&[("Socket-Type", b"PUB")]));
        let ev = drain(&mut z, now).unwrap();
        let [Event::Ready(p)] = ev.as_slice() else {
            panic!("{ev:?}")
        };
        assert_eq!(p.version, (3, 1));
    }
}

#[test]
fn subscribe_commands_decoded() {
    let now = t0();
    let mut z = handshaken(cfg(XPUB), "SUB", 1, now);
    z.input(&frame(4, b"\x09SUBSCRIBEab"));
    z.input(&frame(4, b"\x06CANCELab"));
    z.input(&frame(4, b"\x09SUBSCRIBE"));
    z.input(&frame(4, b"\x07UNKNOWNxyz"));
    z.input(&frame(4, b"\x20short"));
    z.input(&frame(4, b""));
    z.input(&frame(0, b"\x01data"));
    let got = msgs(drain(&mut z, now).unwrap());
    let sub = crate::msg::flags::SUBSCRIPTION;
    assert_eq!(got.len(), 4);
    assert_eq!((got[0].data(), got[0].flags() & sub), (&b"\x01ab"[..], sub));
    assert_eq!((got[1].data(), got[1].flags() & sub), (&b"\x00ab"[..], sub));
    assert_eq!((got[2].data(), got[2].flags() & sub), (&b"\x01"[..], sub));
    // A data frame starting with 1 stays data (the socket decides, S4).
    assert_eq!((got[3].data(), got[3].flags() & sub), (&b"\x01data"[..], 0));
    assert!(z.output().is_empty());

    // End to end: SUB → XPUB.
    let (mut s, mut x, _, _) = connect(cfg(SUB), cfg(XPUB), now);
    let mut m = Msg::from_slice(b"\x01news");
    m.set_flags(sub);
    s.encode(&m);
    let (_, ex) = pump(&mut s, &mut x, now);
    let got = msgs(ex.unwrap());
    assert_eq!(got[0].data(), b"\x01news");
    assert_ne!(got[0].flags() & sub, 0);
}

#[test]
fn wrong_socket_type() {
    let now = t0();
    let mut a = Zmtp::new(cfg(PUSH), now);
    let mut b = Zmtp::new(cfg(PUSH), now);
    let (ea, eb) = pump(&mut a, &mut b, now);
    assert_eq!(ea.unwrap_err(), Error::WrongSocketType);
    assert_eq!(eb.unwrap_err(), Error::WrongSocketType);
    assert_eq!(Error::WrongSocketType.handshake_failed_code(), None);
    assert_eq!(
        Error::Protocol(0x1100_0002).handshake_failed_code(),
        Some(0x1100_0002)
    );
    assert_eq!(Error::MsgSize.errno(), crate::error::Errno::EMSGSIZE);
    // Dead stays dead.
    assert_eq!(a.next_event(now).unwrap_err(), Error::WrongSocketType);
    assert_eq!(a.next_deadline(), None);
    // Socket-Type missing, or spelled in another case, is accepted (Z5).
    let mut z = Zmtp::new(cfg(PUSH), now);
    z.input(&greeting3(b"NULL", 1));
    z.input(&ready_cmd(&[("socket-type", b"PUSH")]));
    let ev = drain(&mut z, now).unwrap();
    let [Event::Ready(p)] = ev.as_slice() else {
        panic!("{ev:?}")
    };
    assert_eq!(p.socket_type, None);
    let mut z = Zmtp::new(cfg(PUSH), now);
    z.input(&greeting3(b"NULL", 1));
    z.input(&ready_cmd(&[]));
    assert!(matches!(
        drain(&mut z, now).unwrap().as_slice(),
        [Event::Ready(_)]
    ));
}

#[test]
fn mechanism_mismatch() {
    let now = t0();
    let mut z = Zmtp::new(cfg(DEALER), now);
    z.input(&greeting3(b"PLAIN", 1));
    assert_eq!(
        drain(&mut z, now).unwrap_err(),
        Error::Protocol(0x1100_0002)
    );
    // All 20 bytes are compared.
    let mut z = Zmtp::new(cfg(DEALER), now);
    let mut g = greeting3(b"NULL", 1);
    g[31] = b'X';
    z.input(&g);
    assert_eq!(
        drain(&mut z, now).unwrap_err(),
        Error::Protocol(0x1100_0002)
    );
}

#[test]
fn maxmsgsize() {
    let now = t0();
    // READY is longer than 10 bytes: the handshake breaks (Z6).
    let mut z = Zmtp::new(
        Config {
            maxmsgsize: 10,
            ..cfg(PULL)
        },
        now,
    );
    z.input(&greeting3(b"NULL", 1));
    z.input(&ready_cmd(&[("Socket-Type", b"PUSH")]));
    assert_eq!(drain(&mut z, now).unwrap_err(), Error::MsgSize);

    let mut z = handshaken(
        Config {
            maxmsgsize: 100,
            ..cfg(PULL)
        },
        "PUSH",
        1,
        now,
    );
    z.input(&frame(0, &[1u8; 100]));
    assert_eq!(msgs(drain(&mut z, now).unwrap())[0].len(), 100);
    // Only the header of the 101-byte frame: rejected before its body.
    z.input(&frame(0, &[1u8; 101])[..2]);
    assert_eq!(drain(&mut z, now).unwrap_err(), Error::MsgSize);

    // Unlimited, and a peer announcing 4 GiB (a size memory could hold;
    // 2^62 is refused at once, see codec::check_size): we only hold what
    // came.
    let mut z = handshaken(cfg(PULL), "PUSH", 1, now);
    let mut hdr = vec![0x02];
    hdr.extend_from_slice(&(1u64 << 32).to_be_bytes());
    z.input(&hdr);
    z.input(&[5u8; 20000]);
    assert!(drain(&mut z, now).unwrap().is_empty());
    for _ in 0..10 {
        let buf = z.input_buf();
        assert!(buf.len() >= IN_BATCH && buf.len() <= 1 << 20);
        let n = buf.len().min(10000);
        z.input_commit(n);
        assert!(drain(&mut z, now).unwrap().is_empty());
    }
    let big = z.big.as_ref().unwrap();
    assert!(
        big.body.len() <= (2 * big.filled + 8 * IN_BATCH).max(super::BIG_PREALLOC),
        "{} for {}",
        big.body.len(),
        big.filled
    );
    // A size that does not fit isize.
    let mut z = handshaken(cfg(PULL), "PUSH", 1, now);
    let mut hdr = vec![0x02];
    hdr.extend_from_slice(&u64::MAX.to_be_bytes());
    z.input(&hdr);
    assert_eq!(drain(&mut z, now).unwrap_err(), Error::MsgSize);
}

#[test]
fn malformed_ready() {
    let now = t0();
    let good = ready_cmd(&[("Socket-Type", b"PUSH"), ("X-A", b"1")]);
    let body = &good[2..];
    // Every truncation inside a property, and trailing garbage.
    let mut bad: Vec<Vec<u8>> = (7..body.len())
        .filter(|&n| n != 26)
        .map(|n| body[..n].to_vec())
        .collect();
    bad.push([body, b"\x01"].concat());
    bad.push([body, b"\x03X-B\x00\x00\x00\x05ab"].concat());
    for b in bad {
        let mut z = Zmtp::new(cfg(PULL), now);
        z.input(&greeting3(b"NULL", 1));
        z.input(&frame(4, &b));
        assert_eq!(
            drain(&mut z, now).unwrap_err(),
            Error::Protocol(0x1000_0016),
            "{b:?}"
        );
    }
}

#[test]
fn unexpected_before_ready() {
    let now = t0();
    let cases: [(&[u8], u32); 5] = [
        (&frame(0, b"hello"), 0x1000_0001),
        (&frame(4, b"\x05HELLO"), 0x1000_0001),
        (&frame(4, b"\x04PING\x00\x00"), 0x1000_0001),
        (
            &frame(4, b"\x05ERROR\x03bad"),
            PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
        ),
        (&frame(4, b"\x05ERROR\x09bad"), 0x1000_0015),
    ];
    for (input, code) in cases {
        let mut z = Zmtp::new(cfg(PULL), now);
        z.input(&greeting3(b"NULL", 1));
        z.input(input);
        assert_eq!(
            drain(&mut z, now).unwrap_err(),
            Error::Protocol(code),
            "{input:?}"
        );
    }
    // A READY after READY is just an ignored command.
    let mut z = handshaken(cfg(PULL), "PUSH", 1, now);
    z.input(&ready_cmd(&[("Socket-Type", b"PUSH")]));
    assert!(drain(&mut z, now).unwrap().is_empty());
}

#[test]
fn large_body_written_from_message_in_order() {
    let now = t0();
    let mut z = handshaken(cfg(PULL), "PUSH", 1, now);
    take_out(&mut z);
    let big = vec![9u8; ZERO_COPY_MIN + 5];
    let mut first = Msg::from_slice(b"a");
    first.set_more(true);
    z.encode(&first);
    let big_msg = Msg::from_vec(big.clone());
    z.encode(&big_msg);
    // The body is not copied: output shows the queued bytes, then the
    // message's own storage.
    assert_eq!(z.output(), &[1, 1, b'a', 2, 0, 0, 0, 0, 0, 1, 0, 5][..]);
    assert_eq!(z.output_len(), 12 + big.len());
    // Vectored: the queued bytes and the body together; a write that ends
    // inside the body is consumed across both.
    let [head, body] = z.output_vectored();
    assert_eq!(head.len(), 12);
    assert_eq!(body.as_ptr(), big_msg.data().as_ptr());
    assert_eq!(body.len(), big.len());
    z.consume_output(5);
    assert_eq!(z.output_vectored()[0].len(), 7);
    z.consume_output(7 + 10);
    assert_eq!(z.output().as_ptr(), big_msg.data()[10..].as_ptr());
    assert!(z.output_vectored()[1].is_empty());
    let mut z = handshaken(cfg(PULL), "PUSH", 1, now);
    take_out(&mut z);
    z.encode(&first);
    z.encode(&big_msg);
    let n = z.output().len();
    z.consume_output(n);
    assert_eq!(z.output().as_ptr(), big_msg.data().as_ptr());
    // A PONG and a frame queued meanwhile go after the body.
    z.input(&frame(4, b"\x04PING\x00\x00"));
    drain(&mut z, now).unwrap();
    z.encode(&Msg::from_slice(b"z"));
    z.consume_output(1000);
    let mut want = big[1000..].to_vec();
    want.extend_from_slice(b"\x04\x05\x04PONG\x00\x01z");
    assert_eq!(take_out(&mut z), want);
}

#[test]
fn ping_pong() {
    let now = t0();
    let mut z = handshaken(cfg(PULL), "PUSH", 1, now);
    z.input(&frame(4, b"\x04PING\x00\x00hello"));
    assert!(drain(&mut z, now).unwrap().is_empty());
    assert_eq!(take_out(&mut z), b"\x04\x0a\x04PONGhello");
    // Context cut at 16 bytes.
    z.input(&frame(4, b"\x04PING\x00\x000123456789abcdefXYZ"));
    drain(&mut z, now).unwrap();
    assert_eq!(take_out(&mut z), b"\x04\x15\x04PONG0123456789abcdef");
    // Too short for a TTL (B3): no read past the frame.
    z.input(&frame(4, b"\x04PING\x01"));
    z.input(&frame(4, b"\x04PONGxx"));
    drain(&mut z, now).unwrap();
    assert_eq!(take_out(&mut z), b"\x04\x05\x04PONG");
    assert_eq!(z.next_deadline(), None);
    // A 2.0-style MORE on a command is fine.
    z.input(&frame(5, b"\x04PING\x00\x00"));
    drain(&mut z, now).unwrap();
    assert_eq!(take_out(&mut z), b"\x04\x05\x04PONG");
}

#[test]
fn pongs_do_not_pile_up_behind_unread_output() {
    let now = t0();
    let mut z = handshaken(cfg(PULL), "PUSH", 1, now);
    take_out(&mut z);
    // 100k PINGs, none of our output consumed: the PONGs stop at the cap.
    let ping = frame(4, b"\x04PING\x00\x000123456789abcdef");
    for _ in 0..100 {
        z.input(&ping.repeat(1000));
        drain(&mut z, now).unwrap();
    }
    let queued = z.output().len();
    assert!(queued < 70 * 1024, "{queued} bytes of PONG queued");
    // Once the output drains, PINGs are answered again.
    take_out(&mut z);
    z.input(&frame(4, b"\x04PING\x00\x00hi"));
    drain(&mut z, now).unwrap();
    assert_eq!(take_out(&mut z), b"\x04\x07\x04PONGhi");
}

#[test]
fn heartbeat_ping_and_timeout() {
    let now = t0();
    let ca = Config {
        heartbeat_ivl_ms: 100,
        heartbeat_ttl_ms: 2000,
        ..cfg(DEALER)
    };
    let (mut a, mut b, _, _) = connect(ca, cfg(ROUTER), now);
    assert_eq!(a.next_deadline(), Some(now + ms(100)));
    assert_eq!(b.next_deadline(), None);
    a.on_timer(now + ms(99)).unwrap();
    assert!(a.output().is_empty());
    a.on_timer(now + ms(100)).unwrap();
    // Captured: 04 07 04 PING 00 14 for TTL 2000 ms (Z8).
    assert_eq!(a.output(), b"\x04\x07\x04PING\x00\x14");
    // Timeout (= ivl) and the next PING are both due at +200.
    assert_eq!(a.next_deadline(), Some(now + ms(200)));
    // The peer answers; any frame cancels the timeout.
    let (ea, eb) = pump(&mut a, &mut b, now + ms(110));
    assert!(ea.unwrap().is_empty() && eb.unwrap().is_empty());
    // b got a PING with TTL 2 s: its TTL timer runs.
    assert_eq!(b.next_deadline(), Some(now + ms(2110)));
    a.on_timer(now + ms(200)).unwrap();
    assert_eq!(take_out(&mut a).len(), 9);
    // No answer this time.
    assert_eq!(
        a.on_timer(now + ms(400)).unwrap_err(),
        Error::HeartbeatTimeout
    );
    assert_eq!(
        a.on_timer(now + ms(401)).unwrap_err(),
        Error::HeartbeatTimeout
    );
    // b hears nothing more within the TTL.
    b.on_timer(now + ms(2109)).unwrap();
    assert_eq!(
        b.on_timer(now + ms(2110)).unwrap_err(),
        Error::HeartbeatTimeout
    );
}

#[test]
fn heartbeat_timeout_setting() {
    let now = t0();
    let ca = Config {
        heartbeat_ivl_ms: 100,
        heartbeat_timeout_ms: 30,
        ..cfg(PAIR)
    };
    let (mut a, _b, _, _) = connect(ca, cfg(PAIR), now);
    a.on_timer(now + ms(100)).unwrap();
    assert_eq!(a.next_deadline(), Some(now + ms(130)));
    assert_eq!(
        a.on_timer(now + ms(130)).unwrap_err(),
        Error::HeartbeatTimeout
    );
    // A received data frame also counts as life.
    let ca = Config {
        heartbeat_ivl_ms: 100,
        heartbeat_timeout_ms: 30,
        ..cfg(PAIR)
    };
    let (mut a, mut b, _, _) = connect(ca, cfg(PAIR), now);
    a.on_timer(now + ms(100)).unwrap();
    take_out(&mut a);
    b.encode(&Msg::from_slice(b"alive"));
    let (ea, _) = pump(&mut a, &mut b, now + ms(110));
    assert_eq!(msgs(ea.unwrap())[0].data(), b"alive");
    assert_eq!(a.next_deadline(), Some(now + ms(200)));
    a.on_timer(now + ms(130)).unwrap();
}

#[test]
fn no_heartbeat_timers_while_flow_stopped() {
    let now = t0();
    let ca = Config {
        heartbeat_ivl_ms: 100,
        ..cfg(PAIR)
    };
    let (mut a, _b, _, _) = connect(ca, cfg(PAIR), now);
    a.set_flow_stopped(true);
    a.on_timer(now + ms(100)).unwrap();
    assert_eq!(take_out(&mut a).len(), 9);
    assert_eq!(a.next_deadline(), Some(now + ms(200)));
    a.input(&frame(4, b"\x04PING\x00\x05"));
    drain(&mut a, now + ms(150)).unwrap();
    a.on_timer(now + ms(200)).unwrap();
    a.set_flow_stopped(false);
    a.on_timer(now + ms(300)).unwrap();
    assert_eq!(a.next_deadline(), Some(now + ms(400)));
    assert_eq!(
        a.on_timer(now + ms(400)).unwrap_err(),
        Error::HeartbeatTimeout
    );
}

#[test]
fn handshake_timeout() {
    let now = t0();
    let mut z = Zmtp::new(
        Config {
            handshake_ivl_ms: 1000,
            ..cfg(PAIR)
        },
        now,
    );
    assert_eq!(z.next_deadline(), Some(now + ms(1000)));
    z.on_timer(now + ms(999)).unwrap();
    assert_eq!(
        z.on_timer(now + ms(1000)).unwrap_err(),
        Error::HandshakeTimeout
    );
    assert_eq!(z.next_event(now).unwrap_err(), Error::HandshakeTimeout);
    // Disabled with 0; cancelled by Ready.
    let z = Zmtp::new(
        Config {
            handshake_ivl_ms: 0,
            ..cfg(PAIR)
        },
        now,
    );
    assert_eq!(z.next_deadline(), None);
    let (mut a, _b, _, _) = connect(cfg(PAIR), cfg(PAIR), now);
    assert_eq!(a.next_deadline(), None);
    a.on_timer(now + ms(60_000)).unwrap();
}

#[test]
fn encode_before_ready_is_queued() {
    let now = t0();
    let mut a = Zmtp::new(cfg(PUSH), now);
    let mut b = Zmtp::new(cfg(PULL), now);
    a.encode(&Msg::from_slice(b"early"));
    let (_, eb) = pump(&mut a, &mut b, now);
    let mut eb = eb.unwrap();
    assert!(matches!(eb.remove(0), Event::Ready(_)));
    assert_eq!(msgs(eb)[0].data(), b"early");
}

#[test]
fn zmtp20_peer() {
    let now = t0();
    let mut z = Zmtp::new(
        Config {
            routing_id: b"me".to_vec(),
            ..cfg(DEALER)
        },
        now,
    );
    let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 3, 0x7F, 0x01, ROUTER as u8];
    peer.extend_from_slice(&frame(0, b"pq"));
    peer.extend_from_slice(&frame(1, b"a"));
    peer.extend_from_slice(&frame(0, b""));
    // A command bit from a 2.0 peer: dropped.
    peer.extend_from_slice(&frame(4, b"\x04PING\x00\x00"));
    let mut ev = feed_chunked(&mut z, &peer, 3, now).unwrap();
    let Event::Ready(p) = ev.remove(0) else {
        panic!()
    };
    assert_eq!(
        (p.version, p.socket_type, &p.routing_id[..]),
        ((2, 0), Some(ROUTER), &b"pq"[..])
    );
    let got = msgs(ev);
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].data(), got[0].more()), (&b"a"[..], true));
    assert_eq!((got[1].data(), got[1].more()), (&b""[..], false));
    // Our side: signature, 03, our socket type, identity frame (Z2).
    assert_eq!(
        take_out(&mut z),
        b"\xff\x00\x00\x00\x00\x00\x00\x00\x03\x7f\x03\x05\x00\x02me"
    );
    let mut m = Msg::from_slice(b"\x01sub");
    m.set_flags(crate::msg::flags::SUBSCRIPTION | crate::msg::flags::MORE);
    z.encode(&m);
    z.encode(&Msg::from_slice(b"x"));
    assert_eq!(take_out(&mut z), b"\x01\x04\x01sub\x00\x01x");
    assert_eq!(z.next_deadline(), None);
}

#[test]
fn zmtp10_peer_unversioned() {
    let now = t0();
    let mut z = Zmtp::new(
        Config {
            routing_id: b"me".to_vec(),
            ..cfg(DEALER)
        },
        now,
    );
    // v1 frames: length (counting flags), flags, body. Identity first.
    let peer = b"\x03\x00pq\x02\x01z\x01\x00";
    let mut ev = feed_chunked(&mut z, peer, 1, now).unwrap();
    let Event::Ready(p) = ev.remove(0) else {
        panic!()
    };
    assert_eq!(
        (p.version, p.socket_type, &p.routing_id[..]),
        ((1, 0), None, &b"pq"[..])
    );
    let got = msgs(ev);
    assert_eq!((got[0].data(), got[0].more()), (&b"z"[..], true));
    assert_eq!((got[1].data(), got[1].more()), (&b""[..], false));
    // The 10 bytes already sent read as a v1 header of our identity.
    let out = take_out(&mut z);
    assert_eq!(out, b"\xff\x00\x00\x00\x00\x00\x00\x00\x03\x7fme");
    let h = codec::decode_header(codec::Framing::V1, &out, -1)
        .unwrap()
        .unwrap();
    assert_eq!(&out[h.len..h.len + h.size], b"me");
    z.encode(&Msg::from_slice(b"hello"));
    let mut m = Msg::from_slice(&[9u8; 254]);
    m.set_more(true);
    z.encode(&m);
    let out = take_out(&mut z);
    assert_eq!(&out[..7], b"\x06\x00hello");
    assert_eq!(&out[7..17], b"\xff\x00\x00\x00\x00\x00\x00\x00\xff\x01");
    assert_eq!(out.len(), 17 + 254);
    assert_eq!(z.next_deadline(), None);

    // Detected at byte 10 too (bit 0 of byte 9 clear), with a long identity.
    let mut z = Zmtp::new(cfg(PUB), now);
    let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 1, 1, 0x00];
    peer.extend_from_slice(&[b'i'; 256]);
    peer.extend_from_slice(b"\x01\x00");
    let mut ev = feed_chunked(&mut z, &peer, 7, now).unwrap();
    let Event::Ready(p) = ev.remove(0) else {
        panic!()
    };
    assert_eq!(p.routing_id.len(), 256);
    // PUB injects a subscribe-all for old peers (S10), then the data.
    let got = msgs(ev);
    assert_eq!(got[0].data(), b"\x01");
    assert_eq!(got[1].data(), b"");
    assert_eq!(
        take_out(&mut z),
        b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f"
    );

    // A zero v1 length is a protocol error.
    let mut z = Zmtp::new(cfg(PAIR), now);
    z.input(b"\x00\x00");
    assert!(matches!(drain(&mut z, now), Err(Error::Protocol(_))));
}

#[test]
fn zmtp10_peer_versioned() {
    let now = t0();
    let mut z = Zmtp::new(
        Config {
            routing_id: b"me".to_vec(),
            ..cfg(DEALER)
        },
        now,
    );
    let mut peer = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0x00, ROUTER as u8];
    peer.extend_from_slice(b"\x03\x00pq\x02\x00z");
    let mut ev = feed_chunked(&mut z, &peer, 5, now).unwrap();
    let Event::Ready(p) = ev.remove(0) else {
        panic!()
    };
    assert_eq!(
        (p.version, p.socket_type, &p.routing_id[..]),
        ((1, 0), None, &b"pq"[..])
    );
    assert_eq!(msgs(ev)[0].data(), b"z");
    assert_eq!(
        take_out(&mut z),
        b"\xff\x00\x00\x00\x00\x00\x00\x00\x03\x7f\x03\x05\x03\x00me"
    );
}

#[test]
fn garbage_never_panics() {
    let now = t0();
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let prefixes: [Vec<u8>; 4] = [
        Vec::new(),
        greeting3(b"NULL", 1),
        [
            greeting3(b"NULL", 1),
            ready_cmd(&[("Socket-Type", b"PAIR")]),
        ]
        .concat(),
        vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 0],
    ];
    for i in 0..4000 {
        let types = [PAIR, DEALER, PUB, XSUB, ROUTER];
        let c = Config {
            maxmsgsize: if i % 3 == 0 { 64 } else { -1 },
            heartbeat_ivl_ms: 10,
            ..cfg(types[i % types.len()])
        };
        let mut z = Zmtp::new(c, now);
        let mut data = prefixes[i % prefixes.len()].clone();
        let len = (rnd() % 300) as usize;
        for _ in 0..len {
            let r = rnd();
            // Bias towards small numbers and flag-like bytes.
            data.push(if r % 4 == 0 {
                (r >> 8) as u8 & 7
            } else {
                (r >> 8) as u8
            });
        }
        let mut pos = 0;
        let mut t = now;
        while pos < data.len() {
            let k = 1 + (rnd() % 64) as usize;
            let end = (pos + k).min(data.len());
            z.input(&data[pos..end]);
            pos = end;
            let r = drain(&mut z, t);
            if z.is_ready() {
                z.encode(&Msg::from_slice(b"x"));
            }
            t += ms(3);
            let _ = z.on_timer(t);
            let n = z.output().len() / 2;
            z.consume_output(n);
            if r.is_err() {
                break;
            }
        }
    }
}

#[test]
fn mutated_sessions_never_panic() {
    let now = t0();
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut valid = greeting3(b"NULL", 1);
    valid.extend(ready_cmd(&[
        ("Socket-Type", b"XSUB"),
        ("Identity", b"id"),
        ("X-K", b"v"),
    ]));
    valid.extend(frame(4, b"\x04PING\x00\x10ctx"));
    valid.extend(frame(4, b"\x09SUBSCRIBEtopic"));
    valid.extend(frame(1, b"part"));
    valid.extend(frame(0, &[3u8; 300]));
    valid.extend(frame(4, b"\x06CANCELtopic"));
    for i in 0..3000 {
        let mut data = valid.clone();
        for _ in 0..1 + rnd() % 3 {
            let pos = (rnd() as usize) % data.len();
            data[pos] = rnd() as u8;
        }
        if i % 7 == 0 {
            data.truncate((rnd() as usize) % data.len());
        }
        let c = Config {
            maxmsgsize: if i % 2 == 0 { 200 } else { -1 },
            heartbeat_ivl_ms: 5,
            ..cfg(XPUB)
        };
        let mut z = Zmtp::new(c, now);
        let chunk = 1 + (rnd() % 100) as usize;
        let _ = feed_chunked(&mut z, &data, chunk, now);
        let _ = z.on_timer(now + ms(1000));
        let _ = z.next_deadline();
    }
    // The unmutated stream really is valid.
    let mut z = Zmtp::new(cfg(XPUB), now);
    let ev = feed_chunked(&mut z, &valid, 13, now).unwrap();
    assert_eq!(ev.len(), 5);
}
