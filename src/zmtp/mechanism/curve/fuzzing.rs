//! CURVE for the fuzz targets (`zmtp::fuzz::curve_client`/`curve_server`):
//! the handshake state machines and the MESSAGE cipher fed hostile commands
//! with fixed keys, so that inputs built from real exchanges get past the
//! boxes and the fuzzer explores every state, MESSAGE traffic included.
//!
//! What is fixed: the permanent keys of zmq_curve(7)'s example; the
//! server's cookie key (64..=95) and the client's transient secret
//! (2..=33), the values under which the libzmq 4.3.5 traffic in
//! [`super::captured`] was recorded. Nothing here is reachable from a
//! socket: only the fuzz entry points call it.
//!
//! Input: a knob byte, then commands, each as a 2-byte big-endian length and
//! the body. Knob bits 0–1 pick the ZAP handler's answer (0 none bound, 1
//! 200, 2 300, 3 400), bit 2 sets ZAP_ENFORCE_DOMAIN, bit 3 a ZAP domain,
//! bits 4–5 the socket type.

use super::super::zap::ZapReply;
use super::super::{Cipher, Mechanism, MechanismConfig, MechanismStatus, SecretKeyBytes};
use super::boxes::{BoxKey, SendNonce, MESSAGE_C_PREFIX};
use super::captured::*;
use super::client::CurveClient;
use super::commands::{decode_hello, encode_message_into};
use super::keys::{KeyPair, SecretKey};
use super::server::CurveServer;
use crate::zmtp::socket_types as st;
use crate::zmtp::Config;

/// The server's fixed cookie key in the fuzz targets.
const COOKIE_KEY: [u8; 32] = {
    let mut k = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        k[i] = 64 + i as u8;
        i += 1;
    }
    k
};

fn fixed_pair(z85: &[u8]) -> KeyPair {
    // The constants are valid Z85; an all-zero key would only make the
    // boxes fail, never panic.
    KeyPair::from_secret(SecretKey::from_z85(z85).unwrap_or_else(|| SecretKey::from_bytes([0; 32])))
}

/// The server side's mechanism configuration (fixed permanent key).
pub fn server_config() -> MechanismConfig {
    MechanismConfig::CurveServer {
        secret: SecretKeyBytes::new(*fixed_pair(SERVER_SECRET).secret.as_bytes()),
    }
}

/// The client side's mechanism configuration (fixed keys, the server's
/// public key).
pub fn client_config() -> MechanismConfig {
    let c = fixed_pair(CLIENT_SECRET);
    MechanismConfig::CurveClient {
        public: c.public.0,
        secret: SecretKeyBytes::new(*c.secret.as_bytes()),
        server: fixed_pair(SERVER_SECRET).public.0,
    }
}

fn config(knob: u8, mechanism: MechanismConfig, types: [i32; 4]) -> Config {
    Config {
        socket_type: types[usize::from(knob >> 4 & 3)],
        routing_id: b"fuzz".to_vec(),
        mechanism,
        zap_enforce_domain: knob & 4 != 0,
        zap_domain: if knob & 8 != 0 {
            b"fuzz".to_vec()
        } else {
            Vec::new()
        },
        ..Config::default()
    }
}

/// Commands from `2-byte length, body` records; a truncated last record is
/// taken as it is.
fn commands(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if data.len() < 2 {
            return None;
        }
        let n = usize::from(u16::from_be_bytes([data[0], data[1]]));
        let (cmd, rest) = data[2..].split_at(n.min(data.len() - 2));
        data = rest;
        Some(cmd)
    })
}

fn zap_answer(knob: u8) -> Option<ZapReply> {
    let status = [0, 200, 300, 400][usize::from(knob & 3)];
    (status != 0).then(|| ZapReply {
        status,
        status_text: b"fuzz".to_vec(),
        user_id: b"fuzz".to_vec(),
        metadata: vec![("X-Fuzz".to_string(), b"1".to_vec())],
    })
}

/// Runs `m` over the commands as the engine does; once Ready, every later
/// command goes through the cipher and what opens is sealed back. Returns
/// how many MESSAGEs opened.
fn drive(m: &mut dyn Mechanism, knob: u8, data: &[u8]) -> usize {
    let mut opened = 0;
    let flush = |m: &mut dyn Mechanism| while m.next_handshake_command().is_some() {};
    flush(m);
    let mut cipher: Option<Box<dyn Cipher>> = None;
    let mut out = Vec::new();
    for cmd in commands(data) {
        if let Some(c) = cipher.as_mut() {
            match c.open(cmd) {
                Ok((flags, body)) => {
                    opened += 1;
                    out.clear();
                    assert!(c.seal(flags, body.data(), &mut out).is_ok());
                }
                Err(_) => return opened,
            }
            continue;
        }
        if m.process_handshake_command(cmd).is_err() {
            assert_eq!(m.status(), MechanismStatus::Error);
            return opened;
        }
        flush(m);
        if let Some(_req) = m.take_zap_request() {
            if m.zap_reply(zap_answer(knob).as_ref()).is_err() {
                return opened;
            }
            flush(m);
        }
        match m.status() {
            MechanismStatus::Ready => {
                cipher = m.take_cipher();
                assert!(cipher.is_some(), "ready without a cipher");
            }
            MechanismStatus::Error => return opened,
            MechanismStatus::Handshaking => {}
        }
    }
    opened
}

/// We the CURVE server: the client's commands (HELLO, INITIATE, MESSAGEs).
/// Returns how many MESSAGEs opened.
pub fn server(data: &[u8]) -> usize {
    let Some((&knob, rest)) = data.split_first() else {
        return 0;
    };
    let cfg = config(
        knob,
        server_config(),
        [st::ROUTER, st::REP, st::PULL, st::PAIR],
    );
    let mut m = CurveServer::with_cookie_key(&cfg, BoxKey::secret(&COOKIE_KEY));
    drive(&mut m, knob, rest)
}

/// We the CURVE client: the server's commands (WELCOME, READY or ERROR,
/// MESSAGEs). Returns how many MESSAGEs opened.
pub fn client(data: &[u8]) -> usize {
    let Some((&knob, rest)) = data.split_first() else {
        return 0;
    };
    let cfg = config(
        knob,
        client_config(),
        [st::PAIR, st::DEALER, st::REQ, st::PUSH],
    );
    let transient =
        KeyPair::from_secret(SecretKey::from_bytes(std::array::from_fn(|i| 2 + i as u8)));
    let mut m = CurveClient::with_transient(&cfg, transient);
    drive(&mut m, knob, rest)
}

fn record(out: &mut Vec<u8>, cmd: &[u8]) {
    out.extend_from_slice(&(cmd.len().min(0xFFFF) as u16).to_be_bytes());
    out.extend_from_slice(&cmd[..cmd.len().min(0xFFFF)]);
}

/// Seed inputs from real libzmq 4.3.5 traffic: for [`server`], a libzmq
/// client's HELLO and INITIATE, then MESSAGEs boxed under that session;
/// for [`client`], a libzmq PAIR server's WELCOME, READY and two MESSAGEs.
pub fn seeds(server_side: bool) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    if server_side {
        let hello = unhex(LIBZMQ_HELLO);
        let initiate = unhex(LIBZMQ_INITIATE);
        let mut wire = Vec::new();
        record(&mut wire, &hello);
        record(&mut wire, &initiate);
        // The session key of C' (from HELLO) and s' = 1..=32 (the cookie's).
        let server = fixed_pair(SERVER_SECRET);
        let s_t = SecretKey::from_bytes(std::array::from_fn(|i| 1 + i as u8));
        let session = decode_hello(&hello, &server.secret)
            .ok()
            .and_then(|h| BoxKey::shared(&h.client_transient, &s_t).ok());
        if let Some(session) = session {
            let mut nonce = SendNonce::new(3);
            for (flags, body) in [(1u8, &b"hi"[..]), (0, b""), (2, b"\x04PING\x00\x0a")] {
                let mut m = Vec::new();
                if encode_message_into(&session, MESSAGE_C_PREFIX, &mut nonce, flags, body, &mut m)
                    .is_ok()
                {
                    record(&mut wire, &m);
                }
            }
        }
        // DEALER (bits 4-5 = 0 is ROUTER) with each ZAP answer.
        for (name, knob) in [
            ("zap-none", 0u8),
            ("zap-200", 1),
            ("zap-300", 2),
            ("zap-400", 3),
        ] {
            v.push((format!("libzmq-{name}"), [&[knob][..], &wire].concat()));
        }
        // ENFORCE without a domain (ZAP not asked), and with one (no
        // handler: refused).
        v.push(("libzmq-enforced".into(), [&[0x04][..], &wire].concat()));
        v.push((
            "libzmq-enforced-domain".into(),
            [&[0x0C][..], &wire].concat(),
        ));
        // Whole-connection mode (knob bit 7, see zmtp::fuzz): HELLO as a
        // ZMTP command frame after the greeting the harness prepends.
        v.push((
            "conn-hello".into(),
            [&[0x87, 0x04, hello.len() as u8][..], &hello].concat(),
        ));
    } else {
        let mut wire = Vec::new();
        for c in [
            LIBZMQ_SERVER_WELCOME,
            LIBZMQ_SERVER_READY,
            LIBZMQ_SERVER_MESSAGE1,
            LIBZMQ_SERVER_MESSAGE2,
        ] {
            record(&mut wire, &unhex(c));
        }
        v.push(("libzmq-pair".into(), [&[0u8][..], &wire].concat()));
        let mut err = Vec::new();
        record(&mut err, &unhex(LIBZMQ_SERVER_WELCOME));
        record(&mut err, b"\x05ERROR\x03400");
        v.push(("libzmq-error".into(), [&[0u8][..], &err].concat()));
        let welcome = unhex(LIBZMQ_SERVER_WELCOME);
        v.push((
            "conn-welcome".into(),
            [&[0x87, 0x04, welcome.len() as u8][..], &welcome].concat(),
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds reach where they should: past the handshake and into
    /// MESSAGE traffic unless ZAP refuses.
    #[test]
    fn seeds_get_as_far_as_they_should() {
        let opened = |server_side: bool, name: &str| {
            let (_, input) = seeds(server_side)
                .into_iter()
                .find(|(n, _)| n == name)
                .unwrap();
            if server_side {
                server(&input)
            } else {
                client(&input)
            }
        };
        assert_eq!(opened(true, "libzmq-zap-none"), 3);
        assert_eq!(opened(true, "libzmq-zap-200"), 3);
        assert_eq!(opened(true, "libzmq-enforced"), 3);
        assert_eq!(opened(true, "libzmq-enforced-domain"), 0);
        assert_eq!(opened(true, "libzmq-zap-300"), 0);
        assert_eq!(opened(true, "libzmq-zap-400"), 0);
        assert_eq!(opened(false, "libzmq-pair"), 2);
        assert_eq!(opened(false, "libzmq-error"), 0);
        // Knob bits 4-5 pick REP: the DEALER client is still accepted.
        let (_, mut input) = seeds(true).swap_remove(0);
        input[0] |= 0x10;
        assert_eq!(server(&input), 3);
    }
}
