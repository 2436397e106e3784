//! CURVE key pairs (RFC 26): Curve25519 public and secret keys, their Z85
//! text form (RFC 32, 40 characters), generation and public-from-secret.
//!
//! The secret key lives in `x25519_dalek::StaticSecret`, which zeroises its
//! bytes on drop; `Debug` never prints it, and its Z85 text comes back in a
//! [`Zeroizing`] string. (We do not use `crypto_box::SecretKey`: in 0.9 it
//! zeroises only its scalar on drop, not the key bytes it also keeps.)

use rand_core::OsRng;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::z85;

/// Length of every CURVE key in bytes.
pub const KEY_LEN: usize = 32;

/// Length of a key in Z85 text.
pub const Z85_KEY_LEN: usize = 40;

/// A Curve25519 public key: not secret, printed in Z85 by `Debug`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(pub [u8; KEY_LEN]);

impl PublicKey {
    /// Parses 40 characters of Z85; `None` on any other length or bad text
    /// (tests: the options parse keys themselves).
    #[cfg(test)]
    pub fn from_z85(text: &[u8]) -> Option<Self> {
        z85::decode_key(text).map(PublicKey)
    }

    /// The 40-character Z85 form.
    pub fn to_z85(self) -> String {
        // 32 is a multiple of 4, so encoding cannot fail; keep it total anyway.
        z85::encode(&self.0).unwrap_or_default()
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_z85())
    }
}

/// A Curve25519 secret key, zeroised on drop, never printed.
#[derive(Clone)]
pub struct SecretKey(StaticSecret);

impl SecretKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        SecretKey(StaticSecret::random_from_rng(OsRng))
    }

    /// Wraps raw key bytes (any 32 bytes are a valid X25519 secret).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let bytes = Zeroizing::new(bytes);
        SecretKey(StaticSecret::from(*bytes))
    }

    /// Parses 40 characters of Z85; `None` on any other length or bad text.
    pub fn from_z85(text: &[u8]) -> Option<Self> {
        let bytes = Zeroizing::new(z85::decode_key(text)?);
        Some(Self::from_bytes(*bytes))
    }

    /// The matching public key (`crypto_scalarmult_base`).
    pub fn public_key(&self) -> PublicKey {
        PublicKey(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }

    /// The raw bytes, to seal a transient secret into a cookie (this
    /// module only).
    pub(super) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        self.0.as_bytes()
    }

    /// The 40-character Z85 form, in a string wiped on drop.
    pub fn to_z85(&self) -> Zeroizing<String> {
        Zeroizing::new(z85::encode(self.0.as_bytes()).unwrap_or_default())
    }

    /// X25519 with `peer`; `None` when the result is all zero (a low-order
    /// peer key), which libsodium's `crypto_box_beforenm` refuses too.
    pub(super) fn diffie_hellman(&self, peer: &PublicKey) -> Option<Zeroizing<[u8; KEY_LEN]>> {
        let shared = self
            .0
            .diffie_hellman(&x25519_dalek::PublicKey::from(peer.0));
        if !shared.was_contributory() {
            return None;
        }
        Some(Zeroizing::new(shared.to_bytes()))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A public key with its secret key: a permanent identity or a transient
/// (per-connection) pair.
#[derive(Clone, Debug)]
pub struct KeyPair {
    pub public: PublicKey,
    pub secret: SecretKey,
}

impl KeyPair {
    /// A fresh pair (what `zmq_curve_keypair` returns, in Z85).
    pub fn generate() -> Self {
        Self::from_secret(SecretKey::generate())
    }

    /// The pair for a known secret (what `zmq_curve_public` derives).
    pub fn from_secret(secret: SecretKey) -> Self {
        KeyPair {
            public: secret.public_key(),
            secret,
        }
    }
}

/// A key in Z85 text with its terminating NUL, as `zmq_curve_keypair` and
/// `zmq_curve_public` write it (41 bytes).
pub type Z85KeyText = [u8; Z85_KEY_LEN + 1];

fn z85_text(text: &str) -> Z85KeyText {
    let mut out = [0u8; Z85_KEY_LEN + 1];
    let n = text.len().min(Z85_KEY_LEN);
    out[..n].copy_from_slice(&text.as_bytes()[..n]);
    out
}

/// `zmq_curve_keypair`: a fresh key pair as (public, secret) Z85 texts; the
/// secret's copy is wiped on drop.
pub fn curve_keypair_z85() -> (Z85KeyText, Zeroizing<Z85KeyText>) {
    let pair = KeyPair::generate();
    let secret = Zeroizing::new(z85_text(&pair.secret.to_z85()));
    (z85_text(&pair.public.to_z85()), secret)
}

/// `zmq_curve_public`: the public key of a secret key given as exactly 40
/// characters of Z85; `None` for any other length or bad text (libzmq then
/// fails with EINVAL from its Z85 decoder).
pub fn curve_public_z85(secret_z85: &[u8]) -> Option<Z85KeyText> {
    let secret = SecretKey::from_z85(secret_z85)?;
    Some(z85_text(&secret.public_key().to_z85()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example keys of zmq_curve(7); public keys checked against PyNaCl
    // too (kat_vectors.py).
    const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
    const CLIENT_PUBLIC: &[u8] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
    const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

    #[test]
    fn public_from_secret_matches_reference_keys() {
        for (secret, public) in [
            (CLIENT_SECRET, CLIENT_PUBLIC),
            (SERVER_SECRET, SERVER_PUBLIC),
        ] {
            let pair = KeyPair::from_secret(SecretKey::from_z85(secret).unwrap());
            assert_eq!(pair.public.to_z85().as_bytes(), public);
            assert_eq!(PublicKey::from_z85(public), Some(pair.public));
            assert_eq!(pair.secret.to_z85().as_bytes(), secret);
        }
    }

    #[test]
    fn generated_pairs_are_distinct_and_consistent() {
        let a = KeyPair::generate();
        let b = KeyPair::generate();
        assert_ne!(a.public, b.public);
        assert_eq!(a.secret.public_key(), a.public);
        assert_eq!(a.public.to_z85().len(), Z85_KEY_LEN);
    }

    #[test]
    fn z85_key_functions_round_trip() {
        let public = curve_public_z85(CLIENT_SECRET).unwrap();
        assert_eq!(&public[..40], CLIENT_PUBLIC);
        assert_eq!(public[40], 0);
        let (p, s) = curve_keypair_z85();
        assert_eq!((p[40], s[40]), (0, 0));
        assert_eq!(curve_public_z85(&s[..40]), Some(p));
        assert_ne!(curve_keypair_z85().0, p);
        assert_eq!(curve_public_z85(&CLIENT_SECRET[..35]), None);
        assert_eq!(curve_public_z85(&s[..]), None);
        assert_eq!(
            curve_public_z85(b"~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"),
            None
        );
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let pair = KeyPair::from_secret(SecretKey::from_z85(CLIENT_SECRET).unwrap());
        let text = format!("{pair:?}");
        assert!(!text.contains(std::str::from_utf8(CLIENT_SECRET).unwrap()));
        assert!(text.contains("<redacted>"));
        assert!(text.contains(std::str::from_utf8(CLIENT_PUBLIC).unwrap()));
    }

    #[test]
    fn bad_text_is_refused() {
        assert!(PublicKey::from_z85(&CLIENT_PUBLIC[..39]).is_none());
        assert!(SecretKey::from_z85(
            b"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""
        )
        .is_none());
    }

    #[test]
    fn low_order_peer_key_gives_no_shared_secret() {
        let ours = SecretKey::from_z85(CLIENT_SECRET).unwrap();
        assert!(ours.diffie_hellman(&PublicKey([0; KEY_LEN])).is_none());
        let theirs = SecretKey::from_z85(SERVER_SECRET).unwrap().public_key();
        assert!(ours.diffie_hellman(&theirs).is_some());
    }
}
