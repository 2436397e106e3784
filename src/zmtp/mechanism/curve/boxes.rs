//! The cryptographic boxes of CurveZMQ (RFC 26): NaCl `crypto_box` =
//! X25519 (`x25519-dalek`) + HSalsa20 (the precomputed key,
//! `crypto_box_beforenm`) + XSalsa20-Poly1305 (`crypto_secretbox`), the
//! last two from libsodium ([`super::sodium`]).
//!
//! On the wire a box is the 16-byte Poly1305 tag followed by the ciphertext
//! (libsodium's `crypto_box_easy` layout, which libzmq produces by dropping
//! the 16 leading zero bytes of `crypto_box`). Every nonce is 24 bytes: a
//! fixed prefix naming the command, then a short (8-byte big-endian counter)
//! or long (16 random bytes) part.

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use super::keys::{PublicKey, SecretKey};
use super::sodium;

/// Bytes a box adds to its plaintext (the Poly1305 tag).
pub const BOX_OVERHEAD: usize = 16;

/// A full 24-byte nonce.
pub type Nonce = [u8; 24];

/// Short-nonce prefixes (16 bytes, then an 8-byte counter).
pub const HELLO_PREFIX: &[u8; 16] = b"CurveZMQHELLO---";
pub const INITIATE_PREFIX: &[u8; 16] = b"CurveZMQINITIATE";
pub const READY_PREFIX: &[u8; 16] = b"CurveZMQREADY---";
pub const MESSAGE_C_PREFIX: &[u8; 16] = b"CurveZMQMESSAGEC";
pub const MESSAGE_S_PREFIX: &[u8; 16] = b"CurveZMQMESSAGES";

/// Long-nonce prefixes (8 bytes, then 16 random bytes).
pub const WELCOME_PREFIX: &[u8; 8] = b"WELCOME-";
pub const COOKIE_PREFIX: &[u8; 8] = b"COOKIE--";
pub const VOUCH_PREFIX: &[u8; 8] = b"VOUCH---";

/// A box failed: the peer key is low-order, or a box does not open
/// (tampered, wrong key or nonce, too short). Callers close the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CryptoError;

/// `prefix` + `counter` in network order.
pub fn short_nonce(prefix: &[u8; 16], counter: u64) -> Nonce {
    let mut n = [0u8; 24];
    n[..16].copy_from_slice(prefix);
    n[16..].copy_from_slice(&counter.to_be_bytes());
    n
}

/// `prefix` + 16 bytes the peer sent (or that we drew).
pub fn long_nonce(prefix: &[u8; 8], tail: &[u8; 16]) -> Nonce {
    let mut n = [0u8; 24];
    n[..8].copy_from_slice(prefix);
    n[8..].copy_from_slice(tail);
    n
}

/// 16 bytes from the operating system's CSPRNG, for a long nonce.
pub fn random_long_tail() -> [u8; 16] {
    let mut tail = [0u8; 16];
    OsRng.fill_bytes(&mut tail);
    tail
}

/// A symmetric XSalsa20-Poly1305 key: either the precomputed shared key of
/// two Curve25519 keys (`crypto_box_beforenm`), or the server's cookie key
/// (`crypto_secretbox`). The key is wiped on drop.
pub struct BoxKey(Zeroizing<[u8; 32]>);

impl BoxKey {
    /// Precomputes the key shared by `ours` and `theirs`: HSalsa20 of the
    /// X25519 result with a zero input, as `crypto_box_beforenm` does.
    pub fn shared(theirs: &PublicKey, ours: &SecretKey) -> Result<Self, CryptoError> {
        let dh = ours.diffie_hellman(theirs).ok_or(CryptoError)?;
        let mut key = Zeroizing::new([0u8; 32]);
        sodium::hsalsa20_zero(&dh, &mut key);
        Ok(BoxKey(key))
    }

    /// A secretbox key from raw bytes (the cookie key `K`).
    pub fn secret(key: &[u8; 32]) -> Self {
        BoxKey(Zeroizing::new(*key))
    }

    /// A fresh random secretbox key.
    pub fn random_secret() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut *key);
        Self::secret(&key)
    }

    /// Boxes `plaintext` under `nonce`, appending tag then ciphertext to `out`.
    pub fn seal_into(&self, nonce: &Nonce, plaintext: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + BOX_OVERHEAD, 0);
        out.extend_from_slice(plaintext);
        self.seal_in_place(nonce, &mut out[start..]);
    }

    /// Boxes in place: `buf` is 16 bytes reserved for the tag followed by
    /// the plaintext, which becomes the ciphertext (no extra copy).
    /// A `buf` shorter than the tag is left as is.
    pub fn seal_in_place(&self, nonce: &Nonce, buf: &mut [u8]) {
        if buf.len() < BOX_OVERHEAD {
            return;
        }
        let (tag_slot, body) = buf.split_at_mut(BOX_OVERHEAD);
        let tag = sodium::seal_detached(&self.0, nonce, body);
        tag_slot.copy_from_slice(&tag);
    }

    /// Boxes `plaintext` under `nonce` into a new vector (tests: the
    /// commands box into their output buffer instead).
    #[cfg(test)]
    pub fn seal(&self, nonce: &Nonce, plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(BOX_OVERHEAD + plaintext.len());
        self.seal_into(nonce, plaintext, &mut out);
        out
    }

    /// Opens a box in place: `tag` is the box's first 16 bytes, `buf` the
    /// ciphertext that follows, which becomes the plaintext (no extra copy).
    /// On failure `buf` is left as it was (still ciphertext).
    pub fn open_in_place(
        &self,
        nonce: &Nonce,
        tag: &[u8],
        buf: &mut [u8],
    ) -> Result<(), CryptoError> {
        let tag: &[u8; BOX_OVERHEAD] = tag.try_into().map_err(|_| CryptoError)?;
        sodium::open_detached(&self.0, nonce, tag, buf).map_err(|_| CryptoError)
    }

    /// Opens a box (tag then ciphertext); the plaintext is wiped on drop.
    pub fn open(&self, nonce: &Nonce, boxed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if boxed.len() < BOX_OVERHEAD {
            return Err(CryptoError);
        }
        let (tag, body) = boxed.split_at(BOX_OVERHEAD);
        let mut plain = Zeroizing::new(body.to_vec());
        self.open_in_place(nonce, tag, &mut plain)?;
        Ok(plain)
    }
}

/// One direction's short-nonce counter on the sending side: strictly
/// increasing, never wraps (a connection that would reuse a nonce errors).
#[derive(Debug)]
pub struct SendNonce {
    next: u64,
}

impl SendNonce {
    /// Starts at `first` (libzmq's first short nonce is 1).
    pub fn new(first: u64) -> Self {
        SendNonce { next: first }
    }

    /// The counter for the next box; `Err` once 2^64-1 has been used.
    pub fn take(&mut self) -> Result<u64, CryptoError> {
        let n = self.next;
        self.next = n.checked_add(1).ok_or(CryptoError)?;
        Ok(n)
    }
}

/// The receiving side: a short nonce must be strictly greater than every one
/// accepted before (RFC 26: disconnect on reuse), which refuses replays.
#[derive(Debug)]
pub struct RecvNonce {
    last: u64,
}

impl RecvNonce {
    /// `last` is the value the first nonce must exceed.
    pub fn new(last: u64) -> Self {
        RecvNonce { last }
    }

    /// Checks `counter` without recording it (record only after the box
    /// opened, so a forged command cannot advance the counter).
    pub fn check(&self, counter: u64) -> Result<(), CryptoError> {
        if counter > self.last {
            Ok(())
        } else {
            Err(CryptoError)
        }
    }

    /// Records an accepted counter.
    pub fn accept(&mut self, counter: u64) {
        self.last = counter;
    }
}

#[cfg(test)]
#[path = "boxes_tests.rs"]
mod tests;
