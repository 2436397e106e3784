//! The CurveZMQ commands (RFC 26 grammar) as pure functions: each encoder
//! returns a whole command body (name size, name, fields) and each decoder
//! checks sizes first, then opens the boxes. No state beyond what the caller
//! passes in; the handshake state machine that sequences them is to come.
//!
//! Short nonces follow libzmq 4.3: the client sends HELLO with 1, INITIATE
//! with 2, MESSAGEs from 3; the server sends READY with 1, MESSAGEs from 2;
//! a received MESSAGE nonce must exceed the peer's last (its handshake nonce
//! first), see [`RecvNonce`].

use crate::msg::Msg;
use zeroize::Zeroizing;

use super::boxes::{
    long_nonce, random_long_tail, short_nonce, BoxKey, CryptoError, RecvNonce, SendNonce,
    BOX_OVERHEAD, COOKIE_PREFIX, HELLO_PREFIX, INITIATE_PREFIX, READY_PREFIX, VOUCH_PREFIX,
    WELCOME_PREFIX,
};
use super::keys::{KeyPair, PublicKey, SecretKey, KEY_LEN};

const HELLO: &[u8] = b"\x05HELLO";
const WELCOME: &[u8] = b"\x07WELCOME";
const INITIATE: &[u8] = b"\x08INITIATE";
const READY: &[u8] = b"\x05READY";
const MESSAGE: &[u8] = b"\x07MESSAGE";

/// HELLO: name, version 1.0, 72 zero bytes of anti-amplification padding,
/// C', short nonce, signature box of 64 zeros.
pub const HELLO_LEN: usize = 6 + 2 + 72 + 32 + 8 + 80;
/// WELCOME: name, long nonce, box of S' and the cookie.
pub const WELCOME_LEN: usize = 8 + 16 + 144;
/// The cookie: long nonce and box of C' and s' under the cookie key.
pub const COOKIE_LEN: usize = 16 + 80;
/// INITIATE without metadata: name, cookie, short nonce, box of C + vouch.
pub const INITIATE_MIN_LEN: usize = 9 + COOKIE_LEN + 8 + 144;
/// READY without metadata: name, short nonce, empty box.
pub const READY_MIN_LEN: usize = 6 + 8 + 16;
/// MESSAGE with an empty payload: name, short nonce, box of the flags byte.
pub const MESSAGE_MIN_LEN: usize = 8 + 8 + 17;

/// MESSAGE payload flag: more frames follow.
pub const FLAG_MORE: u8 = 0x01;
/// MESSAGE payload flag: the frame is a ZMTP command (PING, PONG...).
pub const FLAG_COMMAND: u8 = 0x02;

/// Why a received command was refused; the mechanism maps these to
/// libzmq's handshake-failure events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// Wrong name, size or version (`..._MALFORMED_COMMAND_*`).
    Malformed,
    /// A box did not open, a key is low-order, or a vouched key does not
    /// match (`ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`).
    Cryptographic,
    /// A MESSAGE nonce did not increase (`..._INVALID_SEQUENCE`).
    InvalidSequence,
    /// INITIATE's vouch opened but names another transient key or server
    /// (`ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE`).
    KeyExchange,
}

impl From<CryptoError> for CommandError {
    fn from(_: CryptoError) -> Self {
        CommandError::Cryptographic
    }
}

type Result<T> = std::result::Result<T, CommandError>;

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut n = [0u8; 8];
    n.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(n)
}

fn key_at(b: &[u8], at: usize) -> PublicKey {
    let mut k = [0u8; KEY_LEN];
    k.copy_from_slice(&b[at..at + KEY_LEN]);
    PublicKey(k)
}

fn tail_at(b: &[u8], at: usize) -> [u8; 16] {
    let mut t = [0u8; 16];
    t.copy_from_slice(&b[at..at + 16]);
    t
}

/// Client: HELLO from its transient pair to the server's permanent key
/// (tests; the client keeps the key, see [`encode_hello_under`]).
#[cfg(test)]
pub fn encode_hello(client_transient: &KeyPair, server: &PublicKey, nonce: u64) -> Result<Vec<u8>> {
    let key = BoxKey::shared(server, &client_transient.secret)?;
    Ok(encode_hello_under(&key, &client_transient.public, nonce))
}

/// [`encode_hello`] with the key of C' and S already computed (the client
/// keeps it to open WELCOME: one X25519 less per handshake).
pub fn encode_hello_under(key: &BoxKey, client_transient: &PublicKey, nonce: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(HELLO_LEN);
    out.extend_from_slice(HELLO);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&[0; 72]);
    out.extend_from_slice(client_transient.as_bytes());
    out.extend_from_slice(&nonce.to_be_bytes());
    key.seal_into(&short_nonce(HELLO_PREFIX, nonce), &[0; 64], &mut out);
    out
}

/// What the server learns from a valid HELLO.
pub struct Hello {
    /// The client's transient public key C'.
    pub client_transient: PublicKey,
    /// The key of C' and our permanent key S, which boxes WELCOME (kept:
    /// one X25519 less per handshake).
    pub key: BoxKey,
}

/// Server: checks a HELLO's size, version and signature box.
pub fn decode_hello(body: &[u8], server: &SecretKey) -> Result<Hello> {
    if body.len() != HELLO_LEN || !body.starts_with(HELLO) || body[6..8] != [1, 0] {
        return Err(CommandError::Malformed);
    }
    let client_transient = key_at(body, 80);
    let nonce = u64_at(body, 112);
    let key = BoxKey::shared(&client_transient, server)?;
    let sig = key.open(&short_nonce(HELLO_PREFIX, nonce), &body[120..])?;
    if sig.iter().any(|&b| b != 0) {
        return Err(CommandError::Cryptographic);
    }
    // libzmq does not relate HELLO's nonce to INITIATE's; neither do we.
    Ok(Hello {
        client_transient,
        key,
    })
}

/// Server: WELCOME, boxed for `hello`'s C', carrying a fresh transient key
/// S' and the cookie that holds C' and s' under `cookie_key`. The server
/// keeps only `cookie_key`.
pub fn encode_welcome(hello: &Hello, server_transient: &KeyPair, cookie_key: &BoxKey) -> Vec<u8> {
    let client_transient = &hello.client_transient;
    let mut plain = Zeroizing::new(Vec::with_capacity(KEY_LEN + COOKIE_LEN));
    plain.extend_from_slice(server_transient.public.as_bytes());
    let cookie_tail = random_long_tail();
    plain.extend_from_slice(&cookie_tail);
    let mut cookie_plain = Zeroizing::new([0u8; 2 * KEY_LEN]);
    cookie_plain[..KEY_LEN].copy_from_slice(client_transient.as_bytes());
    cookie_plain[KEY_LEN..].copy_from_slice(server_transient.secret.as_bytes());
    cookie_key.seal_into(
        &long_nonce(COOKIE_PREFIX, &cookie_tail),
        &*cookie_plain,
        &mut plain,
    );

    let tail = random_long_tail();
    let mut out = Vec::with_capacity(WELCOME_LEN);
    out.extend_from_slice(WELCOME);
    out.extend_from_slice(&tail);
    hello
        .key
        .seal_into(&long_nonce(WELCOME_PREFIX, &tail), &plain, &mut out);
    out
}

/// What the client learns from a valid WELCOME.
pub struct Welcome {
    /// The server's transient public key S'.
    pub server_transient: PublicKey,
    /// The opaque cookie to echo in INITIATE.
    pub cookie: [u8; COOKIE_LEN],
}

/// Client: opens WELCOME with its transient secret and the server's key
/// (tests; the client keeps the key, see [`decode_welcome_under`]).
#[cfg(test)]
pub fn decode_welcome(
    body: &[u8],
    client_transient: &SecretKey,
    server: &PublicKey,
) -> Result<Welcome> {
    if body.len() != WELCOME_LEN || !body.starts_with(WELCOME) {
        return Err(CommandError::Malformed);
    }
    decode_welcome_under(body, &BoxKey::shared(server, client_transient)?)
}

/// [`decode_welcome`] with the key of C' and S that boxed HELLO.
pub fn decode_welcome_under(body: &[u8], key: &BoxKey) -> Result<Welcome> {
    if body.len() != WELCOME_LEN || !body.starts_with(WELCOME) {
        return Err(CommandError::Malformed);
    }
    let plain = key.open(&long_nonce(WELCOME_PREFIX, &tail_at(body, 8)), &body[24..])?;
    let mut cookie = [0u8; COOKIE_LEN];
    cookie.copy_from_slice(&plain[KEY_LEN..]);
    Ok(Welcome {
        server_transient: key_at(&plain, 0),
        cookie,
    })
}

/// Client: INITIATE with the cookie, the vouch for C' and S, and metadata.
/// `session` is the precomputed key of C' and S'.
pub fn encode_initiate(
    client: &KeyPair,
    client_transient: &PublicKey,
    server: &PublicKey,
    welcome: &Welcome,
    session: &BoxKey,
    nonce: u64,
    metadata: &[u8],
) -> Result<Vec<u8>> {
    let vouch_key = BoxKey::shared(&welcome.server_transient, &client.secret)?;
    let mut vouch_plain = [0u8; 2 * KEY_LEN];
    vouch_plain[..KEY_LEN].copy_from_slice(client_transient.as_bytes());
    vouch_plain[KEY_LEN..].copy_from_slice(server.as_bytes());
    let vouch_tail = random_long_tail();

    let mut out = Vec::with_capacity(INITIATE_MIN_LEN + metadata.len());
    out.extend_from_slice(INITIATE);
    out.extend_from_slice(&welcome.cookie);
    out.extend_from_slice(&nonce.to_be_bytes());
    let start = out.len();
    out.resize(start + BOX_OVERHEAD, 0);
    out.extend_from_slice(client.public.as_bytes());
    out.extend_from_slice(&vouch_tail);
    vouch_key.seal_into(
        &long_nonce(VOUCH_PREFIX, &vouch_tail),
        &vouch_plain,
        &mut out,
    );
    out.extend_from_slice(metadata);
    session.seal_in_place(&short_nonce(INITIATE_PREFIX, nonce), &mut out[start..]);
    Ok(out)
}

/// What the server learns from a valid INITIATE.
pub struct Initiate {
    /// The client's permanent public key C, vouched for (for ZAP).
    pub client: PublicKey,
    /// The client's short nonce (the floor for its MESSAGEs).
    pub nonce: u64,
    /// The client's metadata, still encoded (RFC 23 property list).
    pub metadata: Zeroizing<Vec<u8>>,
    /// The precomputed key of C' and s' for READY and MESSAGE traffic.
    pub session: BoxKey,
}

/// Server: opens the cookie (it must name `hello`'s C'), the INITIATE box
/// and the vouch (it must name C' and our permanent key).
pub fn decode_initiate(
    body: &[u8],
    server: &KeyPair,
    hello: &Hello,
    cookie_key: &BoxKey,
) -> Result<Initiate> {
    if body.len() < INITIATE_MIN_LEN || !body.starts_with(INITIATE) {
        return Err(CommandError::Malformed);
    }
    let cookie = cookie_key.open(
        &long_nonce(COOKIE_PREFIX, &tail_at(body, 9)),
        &body[25..105],
    )?;
    if cookie[..KEY_LEN] != hello.client_transient.0 {
        return Err(CommandError::Cryptographic);
    }
    let mut s_prime = Zeroizing::new([0u8; KEY_LEN]);
    s_prime.copy_from_slice(&cookie[KEY_LEN..]);
    let server_transient = SecretKey::from_bytes(*s_prime);
    let session = BoxKey::shared(&hello.client_transient, &server_transient)?;

    let nonce = u64_at(body, 105);
    let plain = session.open(&short_nonce(INITIATE_PREFIX, nonce), &body[113..])?;
    let client = key_at(&plain, 0);
    let vouch_key = BoxKey::shared(&client, &server_transient)?;
    let vouch = vouch_key.open(
        &long_nonce(VOUCH_PREFIX, &tail_at(&plain, 32)),
        &plain[48..128],
    )?;
    if vouch[..KEY_LEN] != hello.client_transient.0 || vouch[KEY_LEN..] != server.public.0 {
        return Err(CommandError::KeyExchange);
    }
    Ok(Initiate {
        client,
        nonce,
        metadata: Zeroizing::new(plain[128..].to_vec()),
        session,
    })
}

/// Server: READY with its metadata under the session key.
pub fn encode_ready(session: &BoxKey, nonce: u64, metadata: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(READY_MIN_LEN + metadata.len());
    out.extend_from_slice(READY);
    out.extend_from_slice(&nonce.to_be_bytes());
    session.seal_into(&short_nonce(READY_PREFIX, nonce), metadata, &mut out);
    out
}

/// Client: opens READY; returns the server's nonce and its metadata.
pub fn decode_ready(body: &[u8], session: &BoxKey) -> Result<(u64, Zeroizing<Vec<u8>>)> {
    if body.len() < READY_MIN_LEN || !body.starts_with(READY) {
        return Err(CommandError::Malformed);
    }
    let nonce = u64_at(body, 6);
    let metadata = session.open(&short_nonce(READY_PREFIX, nonce), &body[14..])?;
    Ok((nonce, metadata))
}

/// Either side: appends one frame as a MESSAGE command to `out`, boxed
/// under the next nonce with this side's prefix (`CurveZMQMESSAGEC` for the
/// client, `...S` for the server). Boxed in place: the payload is copied
/// once, straight into `out`.
pub fn encode_message_into(
    session: &BoxKey,
    prefix: &[u8; 16],
    nonce: &mut SendNonce,
    flags: u8,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<()> {
    let n = nonce.take()?;
    out.reserve(MESSAGE_MIN_LEN + payload.len());
    out.extend_from_slice(MESSAGE);
    out.extend_from_slice(&n.to_be_bytes());
    let start = out.len();
    out.resize(start + BOX_OVERHEAD, 0);
    out.push(flags);
    out.extend_from_slice(payload);
    session.seal_in_place(&short_nonce(prefix, n), &mut out[start..]);
    Ok(())
}

/// [`encode_message_into`] a new vector.
#[cfg(test)]
pub fn encode_message(
    session: &BoxKey,
    prefix: &[u8; 16],
    nonce: &mut SendNonce,
    flags: u8,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(MESSAGE_MIN_LEN + payload.len());
    encode_message_into(session, prefix, nonce, flags, payload, &mut out)?;
    Ok(out)
}

/// Either side: opens a MESSAGE from the peer (whose prefix is `prefix`);
/// its nonce must exceed the last accepted one, which it then becomes.
/// Returns the flags byte and the frame, opened straight in the message the
/// socket will read (a pooled block, or inline when small): one copy. As
/// in libzmq, flag bits other than MORE and COMMAND are ignored.
pub fn decode_message(
    body: &[u8],
    session: &BoxKey,
    prefix: &[u8; 16],
    nonce: &mut RecvNonce,
) -> Result<(u8, Msg)> {
    let n = message_nonce(body, nonce)?;
    let mut plain = Msg::with_size(body.len() - 32).map_err(|_| CommandError::Malformed)?;
    plain.data_mut().copy_from_slice(&body[32..]);
    session.open_in_place(&short_nonce(prefix, n), &body[16..32], plain.data_mut())?;
    nonce.accept(n);
    Ok(without_flags(plain))
}

/// As [`decode_message`], for a MESSAGE read into its own buffer (a large
/// frame): the box is opened where it lies and the buffer becomes the
/// frame, with no copy at all.
pub fn decode_message_owned(
    mut body: Vec<u8>,
    session: &BoxKey,
    prefix: &[u8; 16],
    nonce: &mut RecvNonce,
) -> Result<(u8, Msg)> {
    let n = message_nonce(&body, nonce)?;
    let (head, sealed) = body.split_at_mut(32);
    session.open_in_place(&short_nonce(prefix, n), &head[16..], sealed)?;
    nonce.accept(n);
    let mut plain = Msg::from_vec(body);
    plain.skip_front(32);
    Ok(without_flags(plain))
}

/// A MESSAGE's size and name, and a nonce above the last accepted one
/// (recorded only once the box opens, so a forgery cannot move it).
fn message_nonce(body: &[u8], nonce: &RecvNonce) -> Result<u64> {
    if body.len() < MESSAGE_MIN_LEN || !body.starts_with(MESSAGE) {
        return Err(CommandError::Malformed);
    }
    let n = u64_at(body, 8);
    nonce.check(n).map_err(|_| CommandError::InvalidSequence)?;
    Ok(n)
}

/// Splits the opened plaintext into its flags byte (MESSAGE_MIN_LEN
/// guarantees it) and the frame.
fn without_flags(mut plain: Msg) -> (u8, Msg) {
    let flags = plain.data()[0] & (FLAG_MORE | FLAG_COMMAND);
    plain.skip_front(1);
    (flags, plain)
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
