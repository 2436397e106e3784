//! Security mechanisms (RFC 23/37): the trait every handshake implements
//! and the factory that picks one for a connection.
//!
//! A mechanism only sees command bodies; framing, the greeting and timers stay
//! in [`super::Zmtp`]. One file per mechanism: NULL in [`null`]; PLAIN and
//! CURVE (and the ZAP client they share) slot in next to it as further
//! [`MechanismConfig`] variants and `Mechanism` implementations. What they all
//! need, the property list and the socket-type table, is in [`properties`].

mod curve;
mod null;
mod plain;
mod properties;
pub mod zap;

pub use properties::{
    add_basic_properties, parse_properties, peer_type_ok, socket_type_from_name, socket_type_name,
};

use super::error::{Error, PROTOCOL_ERROR_ZMTP_UNSPECIFIED};
use super::Config;
use crate::msg::Msg;
pub(crate) use curve::fuzzing as curve_fuzzing;
pub use curve::keys::{curve_keypair_z85, curve_public_z85};
pub use zap::{ZapReply, ZapRequest};

/// Which mechanism a connection uses, with its credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MechanismConfig {
    /// RFC 37 NULL: READY both ways, no security.
    #[default]
    Null,
    /// RFC 24 PLAIN, client side: the credentials sent in HELLO.
    PlainClient {
        username: Vec<u8>,
        password: crate::secret::Secret<Vec<u8>>,
    },
    /// RFC 24 PLAIN, server side: credentials checked by the ZAP handler.
    PlainServer,
    /// RFC 25/26 CURVE, client side: our permanent key pair and the
    /// server's public key.
    CurveClient {
        public: [u8; 32],
        secret: SecretKeyBytes,
        server: [u8; 32],
    },
    /// RFC 25/26 CURVE, server side: our permanent secret key (the public
    /// key is derived from it).
    CurveServer { secret: SecretKeyBytes },
}

/// A 32-byte secret key as configured: wiped on drop, never printed.
pub type SecretKeyBytes = crate::secret::Secret<[u8; 32]>;

impl MechanismConfig {
    /// The 20-byte, zero-padded name sent in the greeting and compared
    /// exactly with the peer's (Z3).
    pub fn greeting_name(&self) -> [u8; 20] {
        let name: &[u8] = match self {
            MechanismConfig::Null => b"NULL",
            MechanismConfig::PlainClient { .. } | MechanismConfig::PlainServer => b"PLAIN",
            MechanismConfig::CurveClient { .. } | MechanismConfig::CurveServer { .. } => b"CURVE",
        };
        let mut n = [0u8; 20];
        n[..name.len()].copy_from_slice(name);
        n
    }

    /// Builds the handshake state machine for one connection.
    pub(crate) fn build(&self, cfg: &Config) -> Box<dyn Mechanism> {
        match self {
            MechanismConfig::Null => Box::new(null::NullMechanism::new(cfg)),
            MechanismConfig::PlainClient { .. } => Box::new(plain::PlainClient::new(cfg)),
            MechanismConfig::PlainServer => Box::new(plain::PlainServer::new(cfg)),
            MechanismConfig::CurveClient { .. } => Box::new(curve::client::CurveClient::new(cfg)),
            MechanismConfig::CurveServer { .. } => Box::new(curve::server::CurveServer::new(cfg)),
        }
    }
}

/// Where a handshake stands (`mechanism_t::status_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechanismStatus {
    Handshaking,
    Ready,
    /// The handshake failed after a well-formed exchange (e.g. the peer sent
    /// ERROR): the connection must close.
    Error,
}

/// One property from a READY-like command, by exact name.
pub type Properties = Vec<(String, Vec<u8>)>;

/// The security handshake of one connection. Sans-IO: command bodies in and
/// out, never a frame header.
pub trait Mechanism: Send {
    /// The next command body to send, if one is due now. Called after the
    /// greeting and after every processed command, until it returns None.
    fn next_handshake_command(&mut self) -> Option<Vec<u8>>;
    /// Handles one command received during the handshake.
    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), Error>;
    fn status(&self) -> MechanismStatus;
    /// The peer's properties in the order received (first value of a
    /// duplicated name wins).
    fn peer_properties(&self) -> &Properties;

    /// Why the handshake failed once [`status`](Self::status) is `Error`
    /// (e.g. `Error::Auth(400)` after a ZAP denial was sent as ERROR).
    fn failure(&self) -> Error {
        Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED)
    }

    /// ZAP (RFC 27), server side: the request this handshake waits on, taken
    /// once. While a request is out, `next_handshake_command` gives nothing
    /// that depends on the answer. The engine adds the frames it knows
    /// (domain, address, routing id) and sends it to the handler.
    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    /// The handler's answer to the request taken; `None`: no handler is
    /// bound on `inproc://zeromq.zap.01` (each mechanism decides, as
    /// libzmq: NULL and CURVE allow unless ZAP_ENFORCE_DOMAIN, PLAIN fails
    /// with `Error::NoDetail(EFAULT)`). A non-200 status: 300 fails at once
    /// with `Error::Auth(300)`; 400/500 queue ERROR with the status text and
    /// then fail with `Error::Auth(code)`.
    fn zap_reply(&mut self, reply: Option<&ZapReply>) -> Result<(), Error> {
        let _ = reply;
        Ok(())
    }

    /// What ZAP added to the connection's properties: `User-Id` (when the
    /// handler returned one) and the handler's metadata. They take
    /// precedence over the peer's properties of the same name.
    fn zap_properties(&self) -> &Properties {
        const NONE: &Properties = &Vec::new();
        NONE
    }

    /// Once `Ready`: the per-frame encryption this mechanism applies to all
    /// later traffic (CURVE's MESSAGE), taken once. None: frames go as is.
    fn take_cipher(&mut self) -> Option<Box<dyn Cipher>> {
        None
    }
}

/// Frame protection after the handshake (CURVE's MESSAGE command). Every
/// frame, data or command (SUBSCRIBE, PING…), goes through it both ways.
pub trait Cipher: Send {
    /// The size of the command body `seal` makes of a `len`-byte frame.
    fn sealed_len(&self, len: usize) -> usize;
    /// Appends the MESSAGE command body carrying one frame: `flags` is the
    /// frame's MORE (0x01) and COMMAND (0x02) bits, `body` its bytes.
    fn seal(&mut self, flags: u8, body: &[u8], out: &mut Vec<u8>) -> Result<(), Error>;
    /// Opens one MESSAGE command body from the peer: the frame's flags and
    /// bytes. A bad box, a replayed or reordered nonce, or a frame that is
    /// not a MESSAGE is an error (the connection closes).
    fn open(&mut self, body: &[u8]) -> Result<(u8, Msg), Error>;
    /// As [`open`](Self::open), for a body read into its own buffer (a
    /// large frame): it may be opened in place and become the frame.
    fn open_owned(&mut self, body: Vec<u8>) -> Result<(u8, Msg), Error> {
        self.open(&body)
    }
}
