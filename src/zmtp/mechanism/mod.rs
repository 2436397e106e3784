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
mod properties;

pub use properties::{
    add_basic_properties, parse_properties, peer_type_ok, socket_type_from_name, socket_type_name,
};

use super::error::Error;
use super::Config;

/// Which mechanism a connection uses, with its credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MechanismConfig {
    /// RFC 37 NULL: READY both ways, no security.
    #[default]
    Null,
}

impl MechanismConfig {
    /// The 20-byte, zero-padded name sent in the greeting and compared
    /// exactly with the peer's (Z3).
    pub fn greeting_name(&self) -> [u8; 20] {
        let name: &[u8] = match self {
            MechanismConfig::Null => b"NULL",
        };
        let mut n = [0u8; 20];
        n[..name.len()].copy_from_slice(name);
        n
    }

    /// Builds the handshake state machine for one connection.
    pub(crate) fn build(&self, cfg: &Config) -> Box<dyn Mechanism> {
        match self {
            MechanismConfig::Null => Box::new(null::NullMechanism::new(cfg)),
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
}
