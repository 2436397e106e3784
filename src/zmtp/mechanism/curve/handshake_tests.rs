//! The CURVE client and server state machines: our client ↔ our server in
//! memory (with and without ZAP, accepting and refusing), each against real
//! libzmq 4.3.5 bytes, and every way a hostile or mistaken peer can fail.

use super::super::zap::{ZapReply, ZapRequest};
use super::super::{Mechanism, MechanismConfig, MechanismStatus, SecretKeyBytes};
use super::boxes::BoxKey;
use super::captured::*;
use super::client::CurveClient;
use super::commands::decode_hello;
use super::keys::{KeyPair, SecretKey};
use super::server::CurveServer;
use crate::constants::*;
use crate::error::Errno;
use crate::zmtp::error::{code, Error};
use crate::zmtp::socket_types::{DEALER, PAIR, PUSH, ROUTER};
use crate::zmtp::Config;

fn pair(z85: &[u8]) -> KeyPair {
    KeyPair::from_secret(SecretKey::from_z85(z85).unwrap())
}

fn secret(p: &KeyPair) -> SecretKeyBytes {
    SecretKeyBytes::new(*p.secret.as_bytes())
}

fn client_cfg(ty: i32, server_public: [u8; 32]) -> Config {
    let c = pair(CLIENT_SECRET);
    Config {
        socket_type: ty,
        routing_id: b"cli".to_vec(),
        mechanism: MechanismConfig::CurveClient {
            public: c.public.0,
            secret: secret(&c),
            server: server_public,
        },
        metadata: vec![("X-Who".to_string(), b"client".to_vec())],
        ..Config::default()
    }
}

fn server_cfg(ty: i32) -> Config {
    Config {
        socket_type: ty,
        mechanism: MechanismConfig::CurveServer {
            secret: secret(&pair(SERVER_SECRET)),
        },
        ..Config::default()
    }
}

fn protocol(c: std::ffi::c_int) -> Error {
    Error::Protocol(code(c))
}

/// What the engine does: flush each side's commands into the other, hand
/// the server's ZAP request to `zap` (None: no handler bound), until
/// neither side has anything left to say. Returns the first error.
fn run(
    client: &mut dyn Mechanism,
    server: &mut dyn Mechanism,
    zap: &mut dyn FnMut(&ZapRequest) -> Option<ZapReply>,
) -> Result<(), Error> {
    for _ in 0..10 {
        let mut moved = false;
        while let Some(cmd) = client.next_handshake_command() {
            moved = true;
            server.process_handshake_command(&cmd)?;
        }
        if let Some(req) = server.take_zap_request() {
            moved = true;
            let reply = zap(&req);
            server.zap_reply(reply.as_ref())?;
        }
        while let Some(cmd) = server.next_handshake_command() {
            moved = true;
            client.process_handshake_command(&cmd)?;
        }
        if !moved {
            break;
        }
    }
    Ok(())
}

fn reply(status: u32, user_id: &[u8]) -> ZapReply {
    ZapReply {
        status,
        status_text: b"text".to_vec(),
        user_id: user_id.to_vec(),
        metadata: vec![("Hello".to_string(), b"World".to_vec())],
    }
}

fn server_public() -> [u8; 32] {
    pair(SERVER_SECRET).public.0
}

#[test]
fn handshake_with_zap_then_messages_both_ways() {
    let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
    let mut s = CurveServer::new(&server_cfg(ROUTER));
    let mut asked = Vec::new();
    run(&mut c, &mut s, &mut |r| {
        asked.push(r.clone());
        Some(reply(200, b"anna"))
    })
    .unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);
    assert_eq!(s.status(), MechanismStatus::Ready);
    // One request: CURVE and the client's permanent public key.
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].mechanism, b"CURVE");
    assert_eq!(
        asked[0].credentials,
        vec![pair(CLIENT_SECRET).public.0.to_vec()]
    );
    // Properties both ways, ZAP's on the server.
    let sp = s.peer_properties();
    assert_eq!(sp[0], ("Socket-Type".to_string(), b"DEALER".to_vec()));
    assert_eq!(sp[1], ("Identity".to_string(), b"cli".to_vec()));
    assert_eq!(sp[2], ("X-Who".to_string(), b"client".to_vec()));
    assert_eq!(c.peer_properties()[0].1, b"ROUTER");
    assert_eq!(
        s.zap_properties()[0],
        ("User-Id".to_string(), b"anna".to_vec())
    );
    assert_eq!(s.zap_properties()[1].0, "Hello");

    let mut cc = c.take_cipher().unwrap();
    let mut sc = s.take_cipher().unwrap();
    assert!(c.take_cipher().is_none() && s.take_cipher().is_none());
    for (flags, payload) in [
        (1u8, &b"part"[..]),
        (0, b""),
        (2, b"\x04PING"),
        (0, &[7; 9000]),
    ] {
        let mut wire = Vec::new();
        cc.seal(flags, payload, &mut wire).unwrap();
        // Client nonces continue after HELLO (1) and INITIATE (2).
        assert!(u64::from_be_bytes(wire[8..16].try_into().unwrap()) >= 3);
        assert_eq!(opened(sc.open(&wire)).unwrap(), (flags, payload.to_vec()));
        let mut back = Vec::new();
        sc.seal(flags, payload, &mut back).unwrap();
        assert!(u64::from_be_bytes(back[8..16].try_into().unwrap()) >= 2);
        assert_eq!(opened(cc.open(&back)).unwrap(), (flags, payload.to_vec()));
        // Replayed: refused.
        assert_eq!(
            opened(cc.open(&back)),
            Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE))
        );
        // Reflected to its sender: does not open.
        assert!(opened(sc.open(&back)).is_err());
    }
}

#[test]
fn no_handler_allows_unless_the_domain_is_enforced() {
    // No handler bound (Stonehouse): allowed, no ZAP properties.
    let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
    let mut s = CurveServer::new(&server_cfg(ROUTER));
    run(&mut c, &mut s, &mut |_| None).unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);
    assert!(s.zap_properties().is_empty());

    // ENFORCE without a domain: ZAP is not even asked.
    let mut cfg = server_cfg(ROUTER);
    cfg.zap_enforce_domain = true;
    let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
    let mut s = CurveServer::new(&cfg);
    run(&mut c, &mut s, &mut |_| panic!("asked")).unwrap();
    assert_eq!(s.status(), MechanismStatus::Ready);

    // ENFORCE with a domain and no handler: EFAULT, the client never ready.
    cfg.zap_domain = b"global".to_vec();
    let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
    let mut s = CurveServer::new(&cfg);
    assert_eq!(
        run(&mut c, &mut s, &mut |_| None),
        Err(Error::NoDetail(Errno::EFAULT))
    );
    assert_eq!(s.status(), MechanismStatus::Error);
    assert_eq!(c.status(), MechanismStatus::Handshaking);
    assert!(s.take_cipher().is_none() && c.take_cipher().is_none());
}

#[test]
fn zap_refusals() {
    // 300: fails at once, nothing sent to the client.
    let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
    let mut s = CurveServer::new(&server_cfg(ROUTER));
    assert_eq!(
        run(&mut c, &mut s, &mut |_| Some(reply(300, b""))),
        Err(Error::Auth(300))
    );
    assert_eq!(s.status(), MechanismStatus::Error);
    assert_eq!(s.next_handshake_command(), None);
    assert_eq!(c.status(), MechanismStatus::Handshaking);

    // 400 and 500: ERROR with the code, both sides fail with Auth(code).
    for status in [400, 500] {
        let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
        let mut s = CurveServer::new(&server_cfg(ROUTER));
        run(&mut c, &mut s, &mut |_| Some(reply(status, b""))).unwrap();
        assert_eq!(s.status(), MechanismStatus::Error);
        assert_eq!(s.failure(), Error::Auth(status));
        assert_eq!(c.status(), MechanismStatus::Error);
        assert_eq!(c.failure(), Error::Auth(status));
        assert!(c.take_cipher().is_none() && s.take_cipher().is_none());
    }
}

#[test]
fn wrong_server_key_and_wrong_socket_type() {
    // The client holds another server key: HELLO does not open.
    let other = KeyPair::generate().public.0;
    let mut c = CurveClient::new(&client_cfg(DEALER, other));
    let mut s = CurveServer::new(&server_cfg(ROUTER));
    assert_eq!(
        run(&mut c, &mut s, &mut |_| panic!("asked")),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
    );
    assert_eq!(c.status(), MechanismStatus::Handshaking);
    // An all-zero (low-order) server key: the client cannot even say HELLO.
    let mut c = CurveClient::new(&client_cfg(DEALER, [0; 32]));
    assert_eq!(c.next_handshake_command(), None);
    assert_eq!(c.status(), MechanismStatus::Error);
    assert_eq!(c.failure(), protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
    // PUSH may not talk to ROUTER: refused on both sides as libzmq does.
    let mut c = CurveClient::new(&client_cfg(PUSH, server_public()));
    let mut s = CurveServer::new(&server_cfg(ROUTER));
    assert_eq!(
        run(&mut c, &mut s, &mut |_| panic!("asked")),
        Err(Error::WrongSocketType)
    );
    // The client's check: libzmq's PAIR server READY to our DEALER.
    let c_t = KeyPair::from_secret(SecretKey::from_bytes(std::array::from_fn(|i| 2 + i as u8)));
    let mut c = CurveClient::with_transient(&client_cfg(DEALER, server_public()), c_t);
    c.next_handshake_command().unwrap();
    c.process_handshake_command(&unhex(LIBZMQ_SERVER_WELCOME))
        .unwrap();
    c.next_handshake_command().unwrap();
    assert_eq!(
        c.process_handshake_command(&unhex(LIBZMQ_SERVER_READY)),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA))
    );
    assert_eq!(c.status(), MechanismStatus::Error);
}

#[test]
fn server_refuses_hostile_commands_with_libzmq_codes() {
    let s = || CurveServer::new(&server_cfg(ROUTER));
    let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
    let hello = c.next_handshake_command().unwrap();
    let cases: Vec<(Vec<u8>, std::ffi::c_int)> = vec![
        (
            vec![],
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            b"\x09HELLO".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ),
        (
            b"\x05READY".to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
        ),
        (
            hello[..199].to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            [&hello[..6], b"\x02\x00", &hello[8..]].concat(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (
            [&hello[..199], &[hello[199] ^ 1]].concat(),
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
        ),
    ];
    for (body, c) in cases {
        let mut s = s();
        assert_eq!(s.process_handshake_command(&body), Err(protocol(c)));
        assert_eq!(s.status(), MechanismStatus::Error);
        assert_eq!(s.failure(), protocol(c));
        assert_eq!(s.next_handshake_command(), None);
    }
    // INITIATE: too short, another command, a second HELLO, tampered.
    let mut srv = s();
    srv.process_handshake_command(&hello).unwrap();
    let welcome = srv.next_handshake_command().unwrap();
    c.process_handshake_command(&welcome).unwrap();
    let initiate = c.next_handshake_command().unwrap();
    let fresh = |srv: &mut CurveServer| {
        let mut t = s();
        let mut cl = CurveClient::new(&client_cfg(DEALER, server_public()));
        t.process_handshake_command(&cl.next_handshake_command().unwrap())
            .unwrap();
        let w = t.next_handshake_command().unwrap();
        cl.process_handshake_command(&w).unwrap();
        *srv = t;
        cl.next_handshake_command().unwrap()
    };
    /// Makes a bad INITIATE from the genuine one and the HELLO.
    type Tamper = fn(&[u8], &[u8]) -> Vec<u8>;
    let cases: Vec<(Tamper, std::ffi::c_int)> = vec![
        (
            |i, _| i[..256].to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
        ),
        (
            |_, h| h.to_vec(),
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
        ),
        (
            |i, _| {
                let mut t = i.to_vec();
                t[30] ^= 1;
                t
            },
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
        ),
        (
            |i, _| {
                let mut t = i.to_vec();
                t[200] ^= 1;
                t
            },
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
        ),
    ];
    for (make, code) in cases {
        let mut srv2 = s();
        let i = fresh(&mut srv2);
        assert_eq!(
            srv2.process_handshake_command(&make(&i, &hello)),
            Err(protocol(code))
        );
        // The cookie key is gone: even the genuine INITIATE fails now.
        assert!(srv2.process_handshake_command(&i).is_err());
    }
    // The genuine INITIATE of one connection replayed on another.
    let mut other = s();
    let _ = fresh(&mut other);
    assert_eq!(
        other.process_handshake_command(&initiate),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
    );
    // Anything after INITIATE, before READY: UNSPECIFIED.
    srv.process_handshake_command(&initiate).unwrap();
    assert_eq!(
        srv.process_handshake_command(&initiate),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED))
    );
}

#[test]
fn client_refuses_hostile_commands_with_libzmq_codes() {
    let new = || {
        let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
        let hello = c.next_handshake_command().unwrap();
        (c, hello)
    };
    let crypto = Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC));
    // WELCOME: wrong size or does not open → CRYPTOGRAPHIC (as libzmq).
    let (mut c, _) = new();
    assert_eq!(c.process_handshake_command(b"\x07WELCOME\0\0"), crypto);
    let (mut c, _) = new();
    let junk = [&b"\x07WELCOME"[..], &[0x55; 160]].concat();
    assert_eq!(c.process_handshake_command(&junk), crypto);
    assert_eq!(c.status(), MechanismStatus::Error);
    // READY before WELCOME, a second WELCOME, an unknown command.
    let (mut c, _) = new();
    assert_eq!(
        c.process_handshake_command(b"\x05READY"),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
    );
    // ERROR: malformed, then ZAP codes and other reasons.
    let (mut c, _) = new();
    assert_eq!(
        c.process_handshake_command(b"\x05ERROR\x05400"),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
    );
    let (mut c, _) = new();
    assert_eq!(
        c.process_handshake_command(b"\x05ERROR"),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
    );
    let (mut c, _) = new();
    c.process_handshake_command(b"\x05ERROR\x03500").unwrap();
    assert_eq!(
        (c.status(), c.failure()),
        (MechanismStatus::Error, Error::Auth(500))
    );
    let (mut c, _) = new();
    c.process_handshake_command(b"\x05ERROR\x04oops").unwrap();
    assert_eq!(
        (c.status(), c.failure()),
        (
            MechanismStatus::Error,
            protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED)
        )
    );
    // An ERROR before HELLO went out is unexpected.
    let mut c = CurveClient::new(&client_cfg(DEALER, server_public()));
    assert_eq!(
        c.process_handshake_command(b"\x05ERROR\x03400"),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
    );

    // READY: short, tampered, reordered after a good one.
    let setup = || {
        let (mut c, hello) = new();
        let mut s = CurveServer::new(&server_cfg(ROUTER));
        s.process_handshake_command(&hello).unwrap();
        c.process_handshake_command(&s.next_handshake_command().unwrap())
            .unwrap();
        s.process_handshake_command(&c.next_handshake_command().unwrap())
            .unwrap();
        s.take_zap_request().unwrap();
        s.zap_reply(None).unwrap();
        let ready = s.next_handshake_command().unwrap();
        (c, ready)
    };
    let (mut c, ready) = setup();
    assert_eq!(
        c.process_handshake_command(&ready[..29]),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY))
    );
    let (mut c, mut ready) = setup();
    *ready.last_mut().unwrap() ^= 1;
    assert_eq!(c.process_handshake_command(&ready), crypto);
    let (mut c, ready) = setup();
    c.process_handshake_command(&ready).unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);
    assert_eq!(
        c.process_handshake_command(&ready),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
    );
}

#[test]
fn our_server_accepts_a_real_libzmq_client() {
    // HELLO from libzmq opens; our WELCOME is well-formed.
    let mut s = CurveServer::new(&server_cfg(ROUTER));
    s.process_handshake_command(&unhex(LIBZMQ_HELLO)).unwrap();
    assert_eq!(s.next_handshake_command().unwrap().len(), 168);
    // Its INITIATE (answering a WELCOME whose cookie key was 64..=95).
    let server = pair(SERVER_SECRET);
    let hello = decode_hello(&unhex(LIBZMQ_HELLO), &server.secret).unwrap();
    let cookie_key = BoxKey::secret(&std::array::from_fn(|i| 64 + i as u8));
    let mut s = CurveServer::after_welcome(&server_cfg(ROUTER), hello, cookie_key);
    s.process_handshake_command(&unhex(LIBZMQ_INITIATE))
        .unwrap();
    let req = s.take_zap_request().unwrap();
    assert_eq!(req.credentials, vec![pair(CLIENT_SECRET).public.0.to_vec()]);
    s.zap_reply(Some(&reply(200, b"libzmq"))).unwrap();
    let ready = s.next_handshake_command().unwrap();
    assert!(ready.starts_with(b"\x05READY"));
    assert_eq!(s.status(), MechanismStatus::Ready);
    assert_eq!(s.peer_properties()[0].1, b"DEALER");
    assert!(s.take_cipher().is_some());
}

#[test]
fn our_client_accepts_a_real_libzmq_server() {
    let c_t = KeyPair::from_secret(SecretKey::from_bytes(std::array::from_fn(|i| 2 + i as u8)));
    let mut c = CurveClient::with_transient(&client_cfg(PAIR, server_public()), c_t);
    assert_eq!(c.next_handshake_command().unwrap().len(), 200);
    c.process_handshake_command(&unhex(LIBZMQ_SERVER_WELCOME))
        .unwrap();
    let initiate = c.next_handshake_command().unwrap();
    assert!(initiate.starts_with(b"\x08INITIATE"));
    assert_eq!(&initiate[105..113], &2u64.to_be_bytes());
    c.process_handshake_command(&unhex(LIBZMQ_SERVER_READY))
        .unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);
    assert_eq!(c.peer_properties()[0].1, b"PAIR");
    let mut cipher = c.take_cipher().unwrap();
    let m1 = unhex(LIBZMQ_SERVER_MESSAGE1);
    assert_eq!(opened(cipher.open(&m1)).unwrap(), (1, b"hi".to_vec()));
    assert_eq!(
        opened(cipher.open(&unhex(LIBZMQ_SERVER_MESSAGE2))).unwrap(),
        (0, Vec::new())
    );
    assert_eq!(
        opened(cipher.open(&m1)),
        Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE))
    );
    // Our first MESSAGE uses nonce 3, as libzmq's client does.
    let mut out = Vec::new();
    cipher.seal(0, b"x", &mut out).unwrap();
    assert_eq!(&out[8..16], &3u64.to_be_bytes());
}

#[test]
fn secrets_never_in_debug_output() {
    let cfg = client_cfg(DEALER, server_public());
    let text = format!("{:?}", cfg.mechanism);
    let c = pair(CLIENT_SECRET);
    assert!(!text.contains(&format!("{:?}", c.secret.as_bytes())));
    assert!(!text.contains(std::str::from_utf8(CLIENT_SECRET).unwrap()));
    assert!(
        format!("{:?}", pair(SERVER_SECRET)).contains(std::str::from_utf8(SERVER_PUBLIC).unwrap())
    );
    assert!(format!("{:?}", c.public).contains(std::str::from_utf8(CLIENT_PUBLIC).unwrap()));
}

/// An opened frame as bytes, for comparisons.
fn opened(r: Result<(u8, crate::msg::Msg), Error>) -> Result<(u8, Vec<u8>), Error> {
    r.map(|(f, m)| (f, m.data().to_vec()))
}
