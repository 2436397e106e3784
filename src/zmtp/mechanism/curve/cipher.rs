//! CURVE's MESSAGE command as the connection's [`Cipher`] once the
//! handshake is done (RFC 26 MESSAGE, libzmq's `curve_encoding_t`): every
//! frame, data or command, travels boxed under the session key with a short
//! nonce that strictly increases in each direction.
//!
//! Per-message cost is one copy each way: `seal` writes the header and the
//! plaintext straight into the output buffer and boxes it in place; `open`
//! copies the ciphertext once into the returned frame and opens it there
//! (both in [`super::commands`]). Error codes as libzmq's
//! `curve_encoding_t::decode`.

use super::super::Cipher;
use super::boxes::{BoxKey, RecvNonce, SendNonce};
use super::commands::{
    decode_message, decode_message_owned, encode_message_into, CommandError, FLAG_COMMAND,
    FLAG_MORE, MESSAGE_MIN_LEN,
};
use crate::constants::{
    ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
    ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND, ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};
use crate::msg::Msg;
use crate::zmtp::error::{code, Error};

const MESSAGE: &[u8] = b"\x07MESSAGE";

/// The frame flags a MESSAGE carries (libzmq's `flag_mask`); other bits of
/// the received flags byte are ignored, as libzmq does.
const FLAG_MASK: u8 = FLAG_MORE | FLAG_COMMAND;

/// One connection's MESSAGE boxing after a CURVE handshake.
pub(crate) struct CurveCipher {
    /// The precomputed key of both transient keys (C' and S').
    session: BoxKey,
    /// Our nonce prefix (`CurveZMQMESSAGEC` on the client) and the peer's.
    send_prefix: &'static [u8; 16],
    recv_prefix: &'static [u8; 16],
    send: SendNonce,
    recv: RecvNonce,
}

impl CurveCipher {
    /// `send` continues our handshake's nonces; `recv` holds the peer's
    /// last handshake nonce, which its first MESSAGE must exceed.
    pub(crate) fn new(
        session: BoxKey,
        send_prefix: &'static [u8; 16],
        recv_prefix: &'static [u8; 16],
        send: SendNonce,
        recv: RecvNonce,
    ) -> CurveCipher {
        CurveCipher {
            session,
            send_prefix,
            recv_prefix,
            send,
            recv,
        }
    }
}

fn protocol(c: std::ffi::c_int) -> Error {
    Error::Protocol(code(c))
}

impl Cipher for CurveCipher {
    fn sealed_len(&self, len: usize) -> usize {
        // name, nonce, tag, flags byte, then the frame.
        MESSAGE_MIN_LEN + len
    }

    fn seal(&mut self, flags: u8, body: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        encode_message_into(
            &self.session,
            self.send_prefix,
            &mut self.send,
            flags & FLAG_MASK,
            body,
            out,
        )
        // Only a nonce counter at 2^64 - 1 fails: never reuse it.
        .map_err(|_| protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED))
    }

    fn open(&mut self, body: &[u8]) -> Result<(u8, Msg), Error> {
        check_command(body)?;
        decode_message(body, &self.session, self.recv_prefix, &mut self.recv).map_err(message_error)
    }

    fn open_owned(&mut self, body: Vec<u8>) -> Result<(u8, Msg), Error> {
        check_command(&body)?;
        decode_message_owned(body, &self.session, self.recv_prefix, &mut self.recv)
            .map_err(message_error)
    }
}

/// libzmq's `check_basic_command_structure`, then that it is a MESSAGE.
fn check_command(body: &[u8]) -> Result<(), Error> {
    match body.first() {
        Some(&n) if body.len() > 1 && body.len() > usize::from(n) => {}
        _ => {
            return Err(protocol(
                ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            ))
        }
    }
    if !body.starts_with(MESSAGE) {
        return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
    }
    Ok(())
}

/// libzmq's codes for a MESSAGE that does not open.
fn message_error(e: CommandError) -> Error {
    protocol(match e {
        CommandError::Malformed => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
        CommandError::InvalidSequence => ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
        _ => ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
    })
}

#[cfg(test)]
mod tests {
    use super::super::boxes::{MESSAGE_C_PREFIX, MESSAGE_S_PREFIX};
    use super::super::commands::encode_message;
    use super::super::keys::KeyPair;
    use super::*;

    /// The opened frame as bytes, for comparisons.
    fn opened(r: Result<(u8, Msg), Error>) -> Result<(u8, Vec<u8>), Error> {
        r.map(|(f, m)| (f, m.data().to_vec()))
    }

    fn pair_of_ciphers() -> (CurveCipher, CurveCipher, BoxKey) {
        let (a, b) = (KeyPair::generate(), KeyPair::generate());
        let k1 = BoxKey::shared(&b.public, &a.secret).unwrap();
        let k2 = BoxKey::shared(&a.public, &b.secret).unwrap();
        let k3 = BoxKey::shared(&a.public, &b.secret).unwrap();
        let client = CurveCipher::new(
            k1,
            MESSAGE_C_PREFIX,
            MESSAGE_S_PREFIX,
            SendNonce::new(3),
            RecvNonce::new(1),
        );
        let server = CurveCipher::new(
            k2,
            MESSAGE_S_PREFIX,
            MESSAGE_C_PREFIX,
            SendNonce::new(2),
            RecvNonce::new(2),
        );
        (client, server, k3)
    }

    #[test]
    fn seal_matches_encode_message_and_opens_both_ways() {
        let (mut c, mut s, key) = pair_of_ciphers();
        let mut out = b"prefix".to_vec();
        c.seal(FLAG_MORE, b"hello", &mut out).unwrap();
        assert_eq!(&out[..6], b"prefix");
        // The encoder writes the frame header from sealed_len first.
        assert_eq!(out.len() - 6, c.sealed_len(5));
        // Same bytes as the pure encoder for nonce 3.
        let same = encode_message(&key, MESSAGE_C_PREFIX, &mut SendNonce::new(3), 1, b"hello");
        assert_eq!(out[6..], same.unwrap()[..]);
        assert_eq!(
            opened(s.open(&out[6..])).unwrap(),
            (FLAG_MORE, b"hello".to_vec())
        );
        for (flags, payload) in [
            (0u8, &b""[..]),
            (FLAG_COMMAND, b"\x04PING"),
            (0, &[9; 70000]),
        ] {
            let mut m = Vec::new();
            s.seal(flags, payload, &mut m).unwrap();
            assert_eq!(opened(c.open(&m)).unwrap(), (flags, payload.to_vec()));
            // The pure decoder agrees.
            let mut m = Vec::new();
            c.seal(flags, payload, &mut m).unwrap();
            let mut recv = RecvNonce::new(0);
            let (f, p) = decode_message(&m, &key, MESSAGE_C_PREFIX, &mut recv).unwrap();
            assert_eq!((f, p.data()), (flags, payload));
            assert_eq!(opened(s.open(&m)).unwrap().1, payload);
        }
    }

    #[test]
    fn open_owned_opens_in_place_like_open() {
        let (mut c, mut s, _) = pair_of_ciphers();
        for (flags, payload) in [(0u8, &b""[..]), (FLAG_MORE, &[7; 64]), (0, &[9; 70000])] {
            let mut m = Vec::new();
            c.seal(flags, payload, &mut m).unwrap();
            assert_eq!(
                opened(s.open_owned(m.clone())).unwrap(),
                (flags, payload.to_vec())
            );
            // The same box again: a replay, refused either way.
            assert!(s.open_owned(m).is_err());
        }
        let mut m = Vec::new();
        c.seal(0, b"x", &mut m).unwrap();
        *m.last_mut().unwrap() ^= 1;
        assert_eq!(
            opened(s.open_owned(m)),
            Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
        );
    }

    #[test]
    fn replay_reorder_tamper_and_reflection_are_refused() {
        let (mut c, mut s, _) = pair_of_ciphers();
        let (mut m1, mut m2) = (Vec::new(), Vec::new());
        c.seal(0, b"one", &mut m1).unwrap();
        c.seal(0, b"two", &mut m2).unwrap();
        let seq = Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE));
        // Tampered: cryptographic, and the floor does not move.
        let mut t = m2.clone();
        *t.last_mut().unwrap() ^= 1;
        assert_eq!(
            opened(s.open(&t)),
            Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
        );
        assert!(opened(s.open(&m2)).is_ok());
        // Reordered, then replayed.
        assert_eq!(opened(s.open(&m1)), seq);
        assert_eq!(opened(s.open(&m2)), seq);
        // Our own message reflected back does not open (other prefix).
        let mut r = Vec::new();
        c.seal(0, b"x", &mut r).unwrap();
        r[8..16].copy_from_slice(&100u64.to_be_bytes());
        assert_eq!(
            opened(c.open(&r)),
            Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
        );
    }

    #[test]
    fn malformed_bodies_carry_libzmq_codes() {
        let (_, mut s, _) = pair_of_ciphers();
        let c = |r: Result<(u8, Vec<u8>), Error>| match r {
            Err(Error::Protocol(c)) => c as std::ffi::c_int,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            c(opened(s.open(b""))),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
        );
        assert_eq!(
            c(opened(s.open(b"\x07MESS"))),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
        );
        assert_eq!(
            c(opened(s.open(b"\x05READY\0\0\0"))),
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        );
        let short = [MESSAGE, &[0; 24]].concat();
        assert_eq!(
            c(opened(s.open(&short))),
            ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
        );
        // Every truncation of a good MESSAGE is an error, never a panic.
        let (mut cl, _, _) = pair_of_ciphers();
        let mut m = Vec::new();
        cl.seal(0, b"payload", &mut m).unwrap();
        for n in 0..m.len() {
            assert!(opened(s.open(&m[..n])).is_err(), "{n}");
        }
    }
}
