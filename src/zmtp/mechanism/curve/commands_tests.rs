//! Client ↔ server in memory through every command, known answers for the
//! deterministic ones (HELLO, MESSAGE; boxes from PyNaCl, see
//! `kat_vectors.py`), and each refusal a hostile peer can provoke.

use super::*;
use crate::zmtp::mechanism::curve::boxes::{MESSAGE_C_PREFIX, MESSAGE_S_PREFIX};
use crate::zmtp::mechanism::curve::captured::*;

const HELLO_BOX: &str = "3fc780d97ca169864dd85deee9599a695b6a48ab29f486181e07d0ce626ea1d2\
f7413adb9692fbe1327a7ea60c93d4d355ab4f765756b3787193af9155f6466668fa6cabb8f0123fb4a112499c31de7a";
const MESSAGE_C_BOX: &str = "d0672064d812be6cd63cf2d52db21ab2a5117ce5c449";

fn pair(z85: &[u8]) -> KeyPair {
    KeyPair::from_secret(SecretKey::from_z85(z85).unwrap())
}

/// Both sides after a complete handshake.
struct Done {
    client_session: BoxKey,
    /// Holds the server's session key (`initiate.session`).
    initiate: Initiate,
    ready_nonce: u64,
    ready_metadata: Vec<u8>,
}

fn handshake(client: &KeyPair, server: &KeyPair, metadata: &[u8]) -> Done {
    let c_t = KeyPair::generate();
    let hello = encode_hello(&c_t, &server.public, 1).unwrap();
    assert_eq!(hello.len(), HELLO_LEN);
    let h = decode_hello(&hello, &server.secret).unwrap();
    assert_eq!(h.client_transient, c_t.public);

    let s_t = KeyPair::generate();
    let cookie_key = BoxKey::random_secret();
    let welcome = encode_welcome(&h, &s_t, &cookie_key);
    assert_eq!(welcome.len(), WELCOME_LEN);
    drop(s_t); // the server forgets s'; the cookie carries it
    let w = decode_welcome(&welcome, &c_t.secret, &server.public).unwrap();

    let client_session = BoxKey::shared(&w.server_transient, &c_t.secret).unwrap();
    let initiate = encode_initiate(
        client,
        &c_t.public,
        &server.public,
        &w,
        &client_session,
        2,
        metadata,
    )
    .unwrap();
    assert_eq!(initiate.len(), INITIATE_MIN_LEN + metadata.len());
    let i = decode_initiate(&initiate, server, &h, &cookie_key).unwrap();

    let ready = encode_ready(&i.session, 1, b"\x04Name\x00\x00\x00\x01S");
    let (ready_nonce, md) = decode_ready(&ready, &client_session).unwrap();
    Done {
        client_session,
        ready_metadata: md.to_vec(),
        ready_nonce,
        initiate: i,
    }
}

#[test]
fn full_handshake_then_messages_both_ways() {
    let client = pair(CLIENT_SECRET);
    let server = pair(SERVER_SECRET);
    let md = b"\x0bSocket-Type\x00\x00\x00\x06DEALER";
    let d = handshake(&client, &server, md);
    assert_eq!(d.initiate.client, client.public);
    assert_eq!(d.initiate.nonce, 2);
    assert_eq!(&d.initiate.metadata[..], md);
    assert_eq!(d.ready_nonce, 1);
    assert_eq!(d.ready_metadata, b"\x04Name\x00\x00\x00\x01S");

    // Client → server, nonces 3.. above the INITIATE floor (2).
    let mut send = SendNonce::new(3);
    let mut recv = RecvNonce::new(d.initiate.nonce);
    for (i, payload) in [&b""[..], b"a", &[7u8; 1000][..]].iter().enumerate() {
        let flags = if i == 0 { FLAG_MORE } else { FLAG_COMMAND };
        let m = encode_message(
            &d.client_session,
            MESSAGE_C_PREFIX,
            &mut send,
            flags,
            payload,
        )
        .unwrap();
        assert_eq!(m.len(), MESSAGE_MIN_LEN + payload.len());
        let (f, p) = decode_message(&m, &d.initiate.session, MESSAGE_C_PREFIX, &mut recv).unwrap();
        assert_eq!((f, p.data()), (flags, *payload));
    }
    // Server → client, nonces 2.. above the READY floor (1).
    let mut send = SendNonce::new(2);
    let mut recv = RecvNonce::new(d.ready_nonce);
    let m = encode_message(&d.initiate.session, MESSAGE_S_PREFIX, &mut send, 0, b"hi").unwrap();
    let (f, p) = decode_message(&m, &d.client_session, MESSAGE_S_PREFIX, &mut recv).unwrap();
    assert_eq!((f, p.data()), (0, &b"hi"[..]));
    // A client-prefixed box does not open as a server message (reflection).
    let mut send = SendNonce::new(9);
    let m = encode_message(&d.client_session, MESSAGE_C_PREFIX, &mut send, 0, b"x").unwrap();
    assert_eq!(
        decode_message(&m, &d.client_session, MESSAGE_S_PREFIX, &mut recv).err(),
        Some(CommandError::Cryptographic)
    );
}

#[test]
fn hello_and_message_match_libsodium() {
    let client = pair(CLIENT_SECRET);
    let server = pair(SERVER_SECRET);
    let hello = encode_hello(&client, &server.public, 1).unwrap();
    assert_eq!(&hello[..8], b"\x05HELLO\x01\x00");
    assert!(hello[8..80].iter().all(|&b| b == 0));
    assert_eq!(&hello[80..112], client.public.as_bytes());
    assert_eq!(&hello[112..120], &1u64.to_be_bytes());
    assert_eq!(hello[120..], unhex(HELLO_BOX)[..]);

    let session = BoxKey::shared(&server.public, &client.secret).unwrap();
    let m = encode_message(
        &session,
        MESSAGE_C_PREFIX,
        &mut SendNonce::new(3),
        1,
        b"hello",
    );
    let mut expected = b"\x07MESSAGE".to_vec();
    expected.extend_from_slice(&3u64.to_be_bytes());
    expected.extend_from_slice(&unhex(MESSAGE_C_BOX));
    assert_eq!(m.unwrap(), expected);
}

#[test]
fn message_nonces_must_increase() {
    let d = handshake(&pair(CLIENT_SECRET), &pair(SERVER_SECRET), b"");
    let mut send = SendNonce::new(3);
    let m3 = encode_message(&d.client_session, MESSAGE_C_PREFIX, &mut send, 0, b"3").unwrap();
    let m4 = encode_message(&d.client_session, MESSAGE_C_PREFIX, &mut send, 0, b"4").unwrap();
    let mut recv = RecvNonce::new(2);
    assert!(decode_message(&m4, &d.initiate.session, MESSAGE_C_PREFIX, &mut recv).is_ok());
    // Older, then replayed: refused before any decryption.
    for m in [&m3, &m4] {
        assert_eq!(
            decode_message(m, &d.initiate.session, MESSAGE_C_PREFIX, &mut recv).err(),
            Some(CommandError::InvalidSequence)
        );
    }
    // A forged high nonce fails to open and does not move the floor.
    let mut forged = m3.clone();
    forged[8..16].copy_from_slice(&100u64.to_be_bytes());
    assert_eq!(
        decode_message(&forged, &d.initiate.session, MESSAGE_C_PREFIX, &mut recv).err(),
        Some(CommandError::Cryptographic)
    );
    let m5 = encode_message(&d.client_session, MESSAGE_C_PREFIX, &mut send, 0, b"5").unwrap();
    assert!(decode_message(&m5, &d.initiate.session, MESSAGE_C_PREFIX, &mut recv).is_ok());
}

#[test]
fn malformed_commands_are_refused_by_size_and_name() {
    let server = pair(SERVER_SECRET);
    let c_t = KeyPair::generate();
    let hello = encode_hello(&c_t, &server.public, 1).unwrap();
    let bad_version = {
        let mut h = hello.clone();
        h[6] = 2;
        h
    };
    for body in [
        &hello[..199],
        &[hello.clone(), vec![0]].concat()[..],
        &bad_version[..],
    ] {
        assert_eq!(
            decode_hello(body, &server.secret).err(),
            Some(CommandError::Malformed)
        );
    }
    let key = BoxKey::random_secret();
    let mal = Err::<(), _>(CommandError::Malformed);
    assert_eq!(
        decode_welcome(&[0; WELCOME_LEN], &c_t.secret, &server.public).map(|_| ()),
        mal
    );
    assert_eq!(decode_ready(&b"\x05READY"[..], &key).map(|_| ()), mal);
    assert_eq!(decode_ready(&[0; READY_MIN_LEN], &key).map(|_| ()), mal);
    let mut recv = RecvNonce::new(0);
    let short = [&b"\x07MESSAGE"[..], &[0; 24]].concat();
    assert_eq!(
        decode_message(&short, &key, MESSAGE_C_PREFIX, &mut recv).map(|_| ()),
        mal
    );
    let h = Hello {
        client_transient: c_t.public,
        key: BoxKey::random_secret(),
    };
    let initiate = [&b"\x08INITIATE"[..], &[0; INITIATE_MIN_LEN - 10]].concat();
    assert_eq!(
        decode_initiate(&initiate, &server, &h, &key).map(|_| ()),
        mal
    );
    // Right size, garbage inside: cryptographic, never a panic.
    let junk = [&b"\x08INITIATE"[..], &[0x55; INITIATE_MIN_LEN]].concat();
    assert_eq!(
        decode_initiate(&junk, &server, &h, &key).map(|_| ()),
        Err(CommandError::Cryptographic)
    );
}

#[test]
fn hostile_hello_is_refused() {
    let server = pair(SERVER_SECRET);
    let c_t = KeyPair::generate();
    let hello = encode_hello(&c_t, &server.public, 1).unwrap();
    // Tampered signature, swapped C', low-order C', wrong server.
    let mut tampered = hello.clone();
    tampered[150] ^= 1;
    let mut swapped = hello.clone();
    swapped[80..112].copy_from_slice(KeyPair::generate().public.as_bytes());
    let mut low = hello.clone();
    low[80..112].fill(0);
    for body in [&tampered, &swapped, &low] {
        assert_eq!(
            decode_hello(body, &server.secret).err(),
            Some(CommandError::Cryptographic)
        );
    }
    let other = KeyPair::generate();
    assert!(decode_hello(&hello, &other.secret).is_err());
}

#[test]
fn initiate_must_match_its_hello_cookie_and_server() {
    let client = pair(CLIENT_SECRET);
    let server = pair(SERVER_SECRET);
    let c_t = KeyPair::generate();
    let h = decode_hello(
        &encode_hello(&c_t, &server.public, 1).unwrap(),
        &server.secret,
    )
    .unwrap();
    let s_t = KeyPair::generate();
    let cookie_key = BoxKey::random_secret();
    let welcome = encode_welcome(&h, &s_t, &cookie_key);
    let w = decode_welcome(&welcome, &c_t.secret, &server.public).unwrap();
    // WELCOME opens only for this client transient key.
    assert!(decode_welcome(&welcome, &KeyPair::generate().secret, &server.public).is_err());
    let session = BoxKey::shared(&w.server_transient, &c_t.secret).unwrap();
    let good = encode_initiate(&client, &c_t.public, &server.public, &w, &session, 2, b"").unwrap();
    assert!(decode_initiate(&good, &server, &h, &cookie_key).is_ok());

    let crypto = Some(CommandError::Cryptographic);
    // Cookie key of another connection (or server restart).
    let other_key = BoxKey::random_secret();
    assert_eq!(
        decode_initiate(&good, &server, &h, &other_key).err(),
        crypto
    );
    // The cookie replayed on a connection whose HELLO had another C'.
    let other_hello = Hello {
        client_transient: KeyPair::generate().public,
        key: BoxKey::random_secret(),
    };
    assert_eq!(
        decode_initiate(&good, &server, &other_hello, &cookie_key).err(),
        crypto
    );
    // A vouch for another server key.
    let key_exchange = Some(CommandError::KeyExchange);
    let wrong = KeyPair::generate().public;
    let bad = encode_initiate(&client, &c_t.public, &wrong, &w, &session, 2, b"").unwrap();
    assert_eq!(
        decode_initiate(&bad, &server, &h, &cookie_key).err(),
        key_exchange
    );
    // A vouch for another transient key.
    let other_t = KeyPair::generate().public;
    let bad = encode_initiate(&client, &other_t, &server.public, &w, &session, 2, b"").unwrap();
    assert_eq!(
        decode_initiate(&bad, &server, &h, &cookie_key).err(),
        key_exchange
    );
    // Any flipped byte in the boxes.
    for i in [10, 40, 104, 110, 120, 200, good.len() - 1] {
        let mut t = good.clone();
        t[i] ^= 0x80;
        assert!(
            decode_initiate(&t, &server, &h, &cookie_key).is_err(),
            "byte {i}"
        );
    }
}

#[test]
fn decodes_a_real_libzmq_client_handshake() {
    let server = pair(SERVER_SECRET);
    let hello = decode_hello(&unhex(LIBZMQ_HELLO), &server.secret).unwrap();
    let cookie_key = BoxKey::secret(&std::array::from_fn(|i| 64 + i as u8));
    let i = decode_initiate(&unhex(LIBZMQ_INITIATE), &server, &hello, &cookie_key).unwrap();
    assert_eq!(i.client, pair(CLIENT_SECRET).public);
    assert_eq!(i.nonce, 2);
    assert_eq!(
        &i.metadata[..],
        b"\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00"
    );
    // The session key is the one of C' and s': READY from it opens for C'.
    let s_t = SecretKey::from_bytes(std::array::from_fn(|i| 1 + i as u8));
    let ours = BoxKey::shared(&hello.client_transient, &s_t).unwrap();
    let ready = encode_ready(&ours, 1, b"");
    assert!(decode_ready(&ready, &i.session).is_ok());
}

#[test]
fn decodes_a_real_libzmq_server_handshake_and_messages() {
    let server = pair(SERVER_SECRET);
    let c_t = SecretKey::from_bytes(std::array::from_fn(|i| 2 + i as u8));
    let w = decode_welcome(&unhex(LIBZMQ_SERVER_WELCOME), &c_t, &server.public).unwrap();
    let session = BoxKey::shared(&w.server_transient, &c_t).unwrap();
    let (nonce, md) = decode_ready(&unhex(LIBZMQ_SERVER_READY), &session).unwrap();
    assert_eq!(nonce, 1);
    assert_eq!(&md[..], b"\x0bSocket-Type\x00\x00\x00\x04PAIR");
    let mut recv = RecvNonce::new(nonce);
    let m1 = unhex(LIBZMQ_SERVER_MESSAGE1);
    let (f, p) = decode_message(&m1, &session, MESSAGE_S_PREFIX, &mut recv).unwrap();
    assert_eq!((f, p.data()), (FLAG_MORE, &b"hi"[..]));
    let m2 = unhex(LIBZMQ_SERVER_MESSAGE2);
    let (f, p) = decode_message(&m2, &session, MESSAGE_S_PREFIX, &mut recv).unwrap();
    assert_eq!((f, p.data()), (0, &b""[..]));
    // Replaying the first one is refused.
    assert_eq!(
        decode_message(&m1, &session, MESSAGE_S_PREFIX, &mut recv).err(),
        Some(CommandError::InvalidSequence)
    );
    // Our encoder gives the same bytes for the same nonce and key.
    let ours = encode_message(&session, MESSAGE_S_PREFIX, &mut SendNonce::new(2), 1, b"hi");
    assert_eq!(ours.unwrap(), m1);
}

#[test]
fn every_truncation_of_a_real_command_is_an_error_not_a_panic() {
    let server = pair(SERVER_SECRET);
    let hello_bytes = unhex(LIBZMQ_HELLO);
    let hello = decode_hello(&hello_bytes, &server.secret).unwrap();
    let cookie_key = BoxKey::secret(&std::array::from_fn(|i| 64 + i as u8));
    let initiate = unhex(LIBZMQ_INITIATE);
    let c_t = SecretKey::from_bytes(std::array::from_fn(|i| 2 + i as u8));
    let welcome = unhex(LIBZMQ_SERVER_WELCOME);
    let w = decode_welcome(&welcome, &c_t, &server.public).unwrap();
    let session = BoxKey::shared(&w.server_transient, &c_t).unwrap();
    let ready = unhex(LIBZMQ_SERVER_READY);
    let message = unhex(LIBZMQ_SERVER_MESSAGE1);
    for n in 0..initiate.len() {
        assert!(decode_hello(&hello_bytes[..n.min(199)], &server.secret).is_err());
        assert!(decode_welcome(&welcome[..n.min(167)], &c_t, &server.public).is_err());
        assert!(decode_initiate(&initiate[..n], &server, &hello, &cookie_key).is_err());
        assert!(decode_ready(&ready[..n.min(ready.len() - 1)], &session).is_err());
        let mut recv = RecvNonce::new(1);
        let m = &message[..n.min(message.len() - 1)];
        assert!(decode_message(m, &session, MESSAGE_S_PREFIX, &mut recv).is_err());
    }
}
