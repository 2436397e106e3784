//! PLAIN client ↔ server in memory through every command and every ZAP
//! answer, the exact bytes libzmq sends, and each refusal a hostile peer
//! can provoke (with libzmq's error codes).

use super::*;
use crate::constants::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR;
use crate::zmtp::socket_types::{DEALER, PUSH, REP, REQ, ROUTER};

fn client_cfg(t: i32, user: &[u8], pass: &[u8]) -> Config {
    Config {
        socket_type: t,
        routing_id: b"cli".to_vec(),
        mechanism: MechanismConfig::PlainClient {
            username: user.to_vec(),
            password: crate::secret::Secret::new(pass.to_vec()),
        },
        metadata: vec![("X-Who".to_string(), b"client".to_vec())],
        ..Config::default()
    }
}

fn client(t: i32) -> PlainClient {
    PlainClient::new(&client_cfg(t, b"admin", b"password"))
}

fn server(t: i32) -> PlainServer {
    PlainServer::new(&Config {
        socket_type: t,
        mechanism: MechanismConfig::PlainServer,
        ..Config::default()
    })
}

fn reply(status: u32) -> ZapReply {
    ZapReply {
        status,
        status_text: b"text".to_vec(),
        user_id: b"anna".to_vec(),
        metadata: vec![("X-Zap".to_string(), b"1".to_vec())],
    }
}

fn p(c: std::ffi::c_int) -> Error {
    Error::Protocol(code(c))
}

const UNEXPECTED: Error = Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);

/// A server that has taken `c`'s HELLO and is waiting for ZAP.
fn after_hello(c: &mut PlainClient, s: &mut PlainServer) -> ZapRequest {
    let hello = c.next_handshake_command().unwrap();
    assert_eq!(c.next_handshake_command(), None);
    s.process_handshake_command(&hello).unwrap();
    assert_eq!(s.next_handshake_command(), None);
    assert_eq!(s.status(), MechanismStatus::Handshaking);
    s.take_zap_request().unwrap()
}

#[test]
fn handshake_with_zap_allowing() {
    let (mut c, mut s) = (client(DEALER), server(ROUTER));
    let req = after_hello(&mut c, &mut s);
    assert_eq!(req.mechanism, b"PLAIN");
    assert_eq!(req.credentials, [b"admin".to_vec(), b"password".to_vec()]);
    assert_eq!(s.take_zap_request(), None);
    s.zap_reply(Some(&reply(200))).unwrap();
    let welcome = s.next_handshake_command().unwrap();
    assert_eq!(welcome, b"\x07WELCOME");
    assert_eq!(s.next_handshake_command(), None);
    c.process_handshake_command(&welcome).unwrap();
    let initiate = c.next_handshake_command().unwrap();
    assert_eq!(c.next_handshake_command(), None);
    assert_eq!(c.status(), MechanismStatus::Handshaking);
    s.process_handshake_command(&initiate).unwrap();
    let ready = s.next_handshake_command().unwrap();
    assert_eq!(s.status(), MechanismStatus::Ready);
    assert_eq!(s.next_handshake_command(), None);
    c.process_handshake_command(&ready).unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);

    let names = |ps: &Properties| ps.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(s.peer_properties()),
        ["Socket-Type", "Identity", "X-Who"]
    );
    assert_eq!(s.peer_properties()[1].1, b"cli");
    assert_eq!(names(c.peer_properties()), ["Socket-Type", "Identity"]);
    assert_eq!(c.peer_properties()[0].1, b"ROUTER");
    assert_eq!(
        s.zap_properties(),
        &vec![
            ("User-Id".to_string(), b"anna".to_vec()),
            ("X-Zap".to_string(), b"1".to_vec())
        ]
    );
    assert!(c.zap_properties().is_empty());
    // Nothing more is accepted by either side.
    assert_eq!(c.process_handshake_command(&ready), Err(UNEXPECTED));
    assert_eq!(s.process_handshake_command(&initiate), Err(UNEXPECTED));
    // A late reply changes nothing.
    s.zap_reply(Some(&reply(400))).unwrap();
    assert_eq!(s.status(), MechanismStatus::Ready);
}

#[test]
fn commands_are_byte_exact() {
    // What libzmq 4.3.5 sends (plain_client.cpp / plain_server.cpp, and
    // captured from pyzmq's libzmq: see fuzz/capture/libzmq_plain.py).
    let mut c = PlainClient::new(&client_cfg(REQ, b"admin", b"password"));
    assert_eq!(
        c.next_handshake_command().unwrap(),
        b"\x05HELLO\x05admin\x08password"
    );
    c.process_handshake_command(b"\x07WELCOME").unwrap();
    let mut want = b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x03REQ".to_vec();
    want.extend_from_slice(b"\x08Identity\x00\x00\x00\x03cli");
    want.extend_from_slice(b"\x05X-Who\x00\x00\x00\x06client");
    assert_eq!(c.next_handshake_command().unwrap(), want);
    // Empty credentials are two zero lengths.
    let mut c = PlainClient::new(&client_cfg(PUSH, b"", b""));
    assert_eq!(c.next_handshake_command().unwrap(), b"\x05HELLO\x00\x00");

    let mut s = server(REP);
    s.process_handshake_command(b"\x05HELLO\x00\x00").unwrap();
    let req = s.take_zap_request().unwrap();
    assert_eq!(req.credentials, [Vec::<u8>::new(), Vec::new()]);
    s.zap_reply(Some(&reply(200))).unwrap();
    assert_eq!(s.next_handshake_command().unwrap(), b"\x07WELCOME");
    s.process_handshake_command(b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x03REQ")
        .unwrap();
    assert_eq!(
        s.next_handshake_command().unwrap(),
        b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REP"
    );
}

#[test]
fn no_zap_handler_fails_without_detail() {
    let (mut c, mut s) = (client(DEALER), server(ROUTER));
    after_hello(&mut c, &mut s);
    let efault = Error::NoDetail(Errno::EFAULT);
    assert_eq!(s.zap_reply(None), Err(efault.clone()));
    assert_eq!(s.next_handshake_command(), None);
    assert_eq!(s.status(), MechanismStatus::Error);
    assert_eq!(s.failure(), efault);
    assert_eq!(s.process_handshake_command(b"\x07WELCOME"), Err(UNEXPECTED));
}

#[test]
fn zap_denials() {
    for code in [400, 500] {
        let (mut c, mut s) = (client(DEALER), server(ROUTER));
        after_hello(&mut c, &mut s);
        s.zap_reply(Some(&reply(code))).unwrap();
        assert_eq!(s.status(), MechanismStatus::Handshaking);
        let err = s.next_handshake_command().unwrap();
        // libzmq's spelling (LIBZMQ_ERROR).
        assert_eq!(err, format!("^RROR\x03{code}").into_bytes());
        assert_eq!(s.next_handshake_command(), None);
        assert_eq!(s.status(), MechanismStatus::Error);
        assert_eq!(s.failure(), Error::Auth(code));
        assert!(s.zap_properties().is_empty());
        // The client reads it as an authentication failure.
        c.process_handshake_command(&err).unwrap();
        assert_eq!(c.status(), MechanismStatus::Error);
        assert_eq!(c.failure(), Error::Auth(code));
        assert_eq!(c.next_handshake_command(), None);
        assert_eq!(c.process_handshake_command(&err), Err(UNEXPECTED));
    }
    // 300: nothing sent, failed at once.
    let (mut c, mut s) = (client(DEALER), server(ROUTER));
    after_hello(&mut c, &mut s);
    assert_eq!(s.zap_reply(Some(&reply(300))), Err(Error::Auth(300)));
    assert_eq!(s.next_handshake_command(), None);
    assert_eq!(s.status(), MechanismStatus::Error);
    assert_eq!(s.failure(), Error::Auth(300));
}

#[test]
fn server_refuses_bad_hello() {
    let unspecified = p(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED);
    let hello = p(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
    let cases: [(&[u8], &Error); 13] = [
        (b"", &unspecified),
        (b"\x05", &unspecified),
        // The name's size byte says more than the body holds.
        (b"\x06HELLO", &unspecified),
        (b"\xffHELLO\x00\x00", &unspecified),
        (b"\x05READY", &UNEXPECTED),
        (b"\x05hello\x00\x00", &UNEXPECTED),
        (b"\x08INITIATE", &UNEXPECTED),
        (b"\x05HELLO", &hello),
        (b"\x05HELLO\x05adm", &hello),
        (b"\x05HELLO\x05admin", &hello),
        (b"\x05HELLO\x05admin\x08pass", &hello),
        (b"\x05HELLO\x05admin\x00x", &hello),
        (b"\x05HELLO\x00\x00\x00", &hello),
    ];
    for (body, e) in cases {
        let mut s = server(ROUTER);
        assert_eq!(
            s.process_handshake_command(body).as_ref(),
            Err(e),
            "{body:?}"
        );
        assert_eq!(s.take_zap_request(), None);
        assert_eq!(s.next_handshake_command(), None);
    }
}

#[test]
fn server_refuses_what_comes_out_of_turn() {
    // While ZAP is out, and before WELCOME went.
    let (mut c, mut s) = (client(DEALER), server(ROUTER));
    after_hello(&mut c, &mut s);
    assert_eq!(
        s.process_handshake_command(b"\x08INITIATE"),
        Err(UNEXPECTED)
    );
    let mut s = server(ROUTER);
    s.process_handshake_command(b"\x05HELLO\x00\x00").unwrap();
    s.take_zap_request();
    s.zap_reply(Some(&reply(200))).unwrap();
    s.next_handshake_command().unwrap();
    // INITIATE expected.
    assert_eq!(
        s.process_handshake_command(b"\x05HELLO\x00\x00"),
        Err(UNEXPECTED)
    );
}

#[test]
fn server_checks_initiate() {
    let ready_for_initiate = || {
        let mut s = server(ROUTER);
        s.process_handshake_command(b"\x05HELLO\x00\x00").unwrap();
        s.take_zap_request();
        s.zap_reply(Some(&reply(200))).unwrap();
        s.next_handshake_command().unwrap();
        s
    };
    // A bad property list: libzmq raises no event of its own.
    assert_eq!(
        ready_for_initiate().process_handshake_command(b"\x08INITIATE\x0bSocket-Type"),
        Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED))
    );
    assert_eq!(
        ready_for_initiate()
            .process_handshake_command(b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x04PULL"),
        Err(Error::WrongSocketType)
    );
    // No properties at all is fine.
    let mut s = ready_for_initiate();
    s.process_handshake_command(b"\x08INITIATE").unwrap();
    assert!(s
        .next_handshake_command()
        .unwrap()
        .starts_with(b"\x05READY"));
    assert_eq!(s.status(), MechanismStatus::Ready);
    assert!(s.peer_properties().is_empty());
}

#[test]
fn client_refuses_bad_or_early_commands() {
    let welcomed = || {
        let mut c = client(DEALER);
        c.next_handshake_command().unwrap();
        c.process_handshake_command(b"\x07WELCOME").unwrap();
        c.next_handshake_command().unwrap();
        c
    };
    let invalid = p(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA);
    // Before HELLO went, nothing is expected.
    assert_eq!(
        client(DEALER).process_handshake_command(b"\x07WELCOME"),
        Err(UNEXPECTED)
    );
    assert_eq!(
        client(DEALER).process_handshake_command(b"\x05ERROR\x03400"),
        Err(UNEXPECTED)
    );
    let hello_sent = || {
        let mut c = client(DEALER);
        c.next_handshake_command().unwrap();
        c
    };
    assert_eq!(
        hello_sent().process_handshake_command(b"\x07WELCOMEx"),
        Err(p(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME))
    );
    assert_eq!(
        hello_sent().process_handshake_command(b"\x05READY"),
        Err(UNEXPECTED)
    );
    assert_eq!(
        hello_sent().process_handshake_command(b"\x05HELLO\x00\x00"),
        Err(UNEXPECTED)
    );
    assert_eq!(hello_sent().process_handshake_command(b""), Err(UNEXPECTED));
    assert_eq!(
        hello_sent().process_handshake_command(b"\x05ERROR"),
        Err(p(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
    );
    assert_eq!(
        hello_sent().process_handshake_command(b"\x05ERROR\x04500"),
        Err(p(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
    );
    // A second WELCOME.
    assert_eq!(
        welcomed().process_handshake_command(b"\x07WELCOME"),
        Err(UNEXPECTED)
    );
    // READY: a bad list and an incompatible type are both INVALID_METADATA.
    assert_eq!(
        welcomed().process_handshake_command(b"\x05READY\x0bSocket-Type\x00"),
        Err(invalid.clone())
    );
    assert_eq!(
        welcomed().process_handshake_command(b"\x05READY\x0bSocket-Type\x00\x00\x00\x04PULL"),
        Err(invalid)
    );
    // The RFC's ERROR is read as well as libzmq's.
    let mut c = welcomed();
    c.process_handshake_command(b"\x05ERROR\x03500").unwrap();
    assert_eq!(c.failure(), Error::Auth(500));
    assert_eq!(
        welcomed().process_handshake_command(b"^RROR\x04500"),
        Err(p(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
    );
    // An ERROR whose reason is no ZAP code: a plain protocol failure.
    let mut c = welcomed();
    c.process_handshake_command(b"\x05ERROR\x06denied").unwrap();
    assert_eq!(c.status(), MechanismStatus::Error);
    assert_eq!(
        c.failure(),
        Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED)
    );
    // The client never asks ZAP.
    let mut c = client(DEALER);
    assert_eq!(c.take_zap_request(), None);
    c.zap_reply(None).unwrap();
    assert!(c.next_handshake_command().is_some());
}

#[test]
fn long_credentials_are_cut_not_panicking() {
    // The options refuse more than 255 bytes; the mechanism never panics.
    let mut c = PlainClient::new(&client_cfg(DEALER, &[b'u'; 300], &[b'p'; 256]));
    let h = c.next_handshake_command().unwrap();
    assert_eq!(h.len(), 6 + 1 + 255 + 1 + 255);
    let mut s = server(ROUTER);
    s.process_handshake_command(&h).unwrap();
    let req = s.take_zap_request().unwrap();
    assert_eq!(req.credentials[0].len(), 255);
}

/// Commands captured from real libzmq 4.3.5 (pyzmq's bundled library, see
/// fuzz/capture/libzmq_plain.py): a DEALER client admin/secret with no
/// routing id, a ROUTER server.
mod libzmq {
    pub const HELLO: &[u8] = b"\x05HELLO\x05admin\x06secret";
    pub const INITIATE: &[u8] =
        b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00";
    pub const WELCOME: &[u8] = b"\x07WELCOME";
    pub const READY: &[u8] =
        b"\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER\x08Identity\x00\x00\x00\x00";
    /// Not RFC 23's "\x05ERROR": see LIBZMQ_ERROR.
    pub const ERROR_400: &[u8] = b"\x5eRROR\x03400";
}

#[test]
fn same_bytes_as_libzmq_both_ways() {
    let mut cfg = client_cfg(DEALER, b"admin", b"secret");
    cfg.routing_id.clear();
    cfg.metadata.clear();
    let mut c = PlainClient::new(&cfg);
    let mut s = server(ROUTER);
    assert_eq!(c.next_handshake_command().unwrap(), libzmq::HELLO);
    // Our server takes libzmq's client commands…
    s.process_handshake_command(libzmq::HELLO).unwrap();
    s.take_zap_request().unwrap();
    s.zap_reply(Some(&reply(200))).unwrap();
    assert_eq!(s.next_handshake_command().unwrap(), libzmq::WELCOME);
    s.process_handshake_command(libzmq::INITIATE).unwrap();
    assert_eq!(s.next_handshake_command().unwrap(), libzmq::READY);
    assert_eq!(s.status(), MechanismStatus::Ready);
    // …and our client libzmq's server commands.
    c.process_handshake_command(libzmq::WELCOME).unwrap();
    assert_eq!(c.next_handshake_command().unwrap(), libzmq::INITIATE);
    c.process_handshake_command(libzmq::READY).unwrap();
    assert_eq!(c.status(), MechanismStatus::Ready);
    // libzmq's denial.
    let mut s = server(ROUTER);
    s.process_handshake_command(libzmq::HELLO).unwrap();
    s.take_zap_request().unwrap();
    s.zap_reply(Some(&reply(400))).unwrap();
    assert_eq!(s.next_handshake_command().unwrap(), libzmq::ERROR_400);
    let mut c = client(DEALER);
    c.next_handshake_command().unwrap();
    c.process_handshake_command(libzmq::ERROR_400).unwrap();
    assert_eq!(c.failure(), Error::Auth(400));
}

#[test]
fn the_password_is_never_printed() {
    let cfg = client_cfg(DEALER, b"admin", b"hunter2-password");
    let text = format!("{cfg:?}");
    assert!(text.contains("password: Secret(..)"), "{text}");
    // Neither as text nor as the bytes' decimal list.
    assert!(!text.contains("hunter2") && !text.contains("104, 117, 110"));
}
