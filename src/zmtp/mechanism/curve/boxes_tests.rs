//! Known answers computed by PyNaCl 1.6 (libsodium) with `kat_vectors.py`
//! in this folder, plus round trips and refusals.

use super::*;
use crate::zmtp::mechanism::curve::keys::SecretKey;

const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

const HELLO_BOX: &str = "3fc780d97ca169864dd85deee9599a695b6a48ab29f486181e07d0ce626ea1d2\
f7413adb9692fbe1327a7ea60c93d4d355ab4f765756b3787193af9155f6466668fa6cabb8f0123fb4a112499c31de7a";
const MESSAGE_C_BOX: &str = "d0672064d812be6cd63cf2d52db21ab2a5117ce5c449";
const MESSAGE_S_BOX: &str = "f67a804825ab1b8539de7ac3918088e5";
const COOKIE_BOX: &str = "6d0a73fef40e09b7a5bb7e8833872cb08097d04cfea0531ea9045ba93a1dc292\
4471cb8a20ac3422a03fb61762a1ab2d6e9115d5bca5ad575ae3e39aa3f2065ee4fec1a857eedcea304c29c63f09f383";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn keys() -> (SecretKey, SecretKey) {
    (
        SecretKey::from_z85(CLIENT_SECRET).unwrap(),
        SecretKey::from_z85(SERVER_SECRET).unwrap(),
    )
}

#[test]
fn hello_signature_box_matches_libsodium() {
    let (c, s) = keys();
    let key = BoxKey::shared(&s.public_key(), &c).unwrap();
    let nonce = short_nonce(HELLO_PREFIX, 1);
    let boxed = key.seal(&nonce, &[0u8; 64]);
    assert_eq!(boxed, unhex(HELLO_BOX));
    assert_eq!(boxed.len(), 80);
    // The server opens it with the mirror-image key.
    let server = BoxKey::shared(&c.public_key(), &s).unwrap();
    assert_eq!(&server.open(&nonce, &boxed).unwrap()[..], &[0u8; 64]);
}

#[test]
fn message_boxes_match_libsodium_both_directions() {
    let (c, s) = keys();
    let client = BoxKey::shared(&s.public_key(), &c).unwrap();
    let server = BoxKey::shared(&c.public_key(), &s).unwrap();
    let n = short_nonce(MESSAGE_C_PREFIX, 3);
    assert_eq!(client.seal(&n, b"\x01hello"), unhex(MESSAGE_C_BOX));
    assert_eq!(
        &server.open(&n, &unhex(MESSAGE_C_BOX)).unwrap()[..],
        b"\x01hello"
    );
    let n = short_nonce(MESSAGE_S_PREFIX, 0x0102_0304_0506_0708);
    assert_eq!(server.seal(&n, b""), unhex(MESSAGE_S_BOX));
    assert!(client.open(&n, &unhex(MESSAGE_S_BOX)).unwrap().is_empty());
}

#[test]
fn cookie_secretbox_matches_libsodium() {
    let key: [u8; 32] = std::array::from_fn(|i| i as u8);
    let k = BoxKey::secret(&key);
    let nonce = long_nonce(COOKIE_PREFIX, &[0xAA; 16]);
    let plain: Vec<u8> = (100..164).collect();
    assert_eq!(k.seal(&nonce, &plain), unhex(COOKIE_BOX));
    assert_eq!(&k.open(&nonce, &unhex(COOKIE_BOX)).unwrap()[..], &plain[..]);
}

#[test]
fn nonces_have_the_rfc_layout() {
    let n = short_nonce(READY_PREFIX, 0x0A0B);
    assert_eq!(&n[..16], b"CurveZMQREADY---");
    assert_eq!(&n[16..], &[0, 0, 0, 0, 0, 0, 0x0A, 0x0B]);
    let n = long_nonce(VOUCH_PREFIX, &[7; 16]);
    assert_eq!(&n[..8], b"VOUCH---");
    assert_eq!(&n[8..], &[7; 16]);
    assert_eq!(long_nonce(WELCOME_PREFIX, &[0; 16])[..8], *b"WELCOME-");
    assert_eq!(short_nonce(INITIATE_PREFIX, 0)[..16], *b"CurveZMQINITIATE");
    assert_ne!(random_long_tail(), random_long_tail());
}

#[test]
fn tampered_or_misaddressed_boxes_do_not_open() {
    let (c, s) = keys();
    let client = BoxKey::shared(&s.public_key(), &c).unwrap();
    let server = BoxKey::shared(&c.public_key(), &s).unwrap();
    let n = short_nonce(MESSAGE_C_PREFIX, 5);
    let boxed = client.seal(&n, b"\x00payload");
    for i in 0..boxed.len() {
        let mut bad = boxed.clone();
        bad[i] ^= 0x01;
        assert_eq!(server.open(&n, &bad), Err(CryptoError), "byte {i}");
    }
    // Wrong nonce: the other direction's prefix, or another counter.
    assert!(server
        .open(&short_nonce(MESSAGE_S_PREFIX, 5), &boxed)
        .is_err());
    assert!(server
        .open(&short_nonce(MESSAGE_C_PREFIX, 6), &boxed)
        .is_err());
    // Wrong key, truncated, too short to hold a tag.
    let other = BoxKey::shared(&SecretKey::generate().public_key(), &s).unwrap();
    assert!(other.open(&n, &boxed).is_err());
    assert!(server.open(&n, &boxed[..boxed.len() - 1]).is_err());
    assert!(server.open(&n, &boxed[..15]).is_err());
    assert!(server.open(&n, &[]).is_err());
}

#[test]
fn low_order_peer_keys_are_refused() {
    let (c, _) = keys();
    assert!(BoxKey::shared(&PublicKey([0; 32]), &c).is_err());
    let mut one = [0u8; 32];
    one[0] = 1;
    assert!(BoxKey::shared(&PublicKey(one), &c).is_err());
}

#[test]
fn fresh_keys_round_trip() {
    let a = SecretKey::generate();
    let b = SecretKey::generate();
    let ab = BoxKey::shared(&b.public_key(), &a).unwrap();
    let ba = BoxKey::shared(&a.public_key(), &b).unwrap();
    let n = short_nonce(MESSAGE_C_PREFIX, 1);
    let data = vec![0x5Au8; 70_000];
    let mut out = b"prefix".to_vec();
    ab.seal_into(&n, &data, &mut out);
    assert_eq!(&out[..6], b"prefix");
    assert_eq!(&ba.open(&n, &out[6..]).unwrap()[..], &data[..]);
    let k = BoxKey::random_secret();
    let n = long_nonce(COOKIE_PREFIX, &random_long_tail());
    assert_eq!(&k.open(&n, &k.seal(&n, b"x")).unwrap()[..], b"x");
}

#[test]
fn short_nonces_must_strictly_increase() {
    let mut send = SendNonce::new(1);
    assert_eq!(send.take(), Ok(1));
    assert_eq!(send.take(), Ok(2));
    let mut recv = RecvNonce::new(1);
    assert!(recv.check(1).is_err(), "reuse of the floor");
    assert!(recv.check(3).is_ok());
    recv.accept(3);
    assert!(recv.check(3).is_err(), "replay");
    assert!(recv.check(2).is_err(), "going back");
    assert!(recv.check(4).is_ok());
    // Checking does not record: a forged command cannot advance it.
    assert!(recv.check(u64::MAX).is_ok());
    assert!(recv.check(4).is_ok());
    let mut last = SendNonce::new(u64::MAX - 1);
    assert_eq!(last.take(), Ok(u64::MAX - 1));
    assert!(last.take().is_err(), "2^64-1 is never sent");
}
