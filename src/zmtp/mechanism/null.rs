//! The NULL mechanism (RFC 37, `null_mechanism.cpp`): each side sends READY
//! with its properties as soon as the greeting is done; the handshake is over
//! once READY has gone both ways. ZAP for NULL is not handled here yet.

use super::mechanism::{
    add_basic_properties, parse_properties, Mechanism, MechanismStatus, Properties,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
};
use super::{Config, Error, PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND};

/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR`.
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR: u32 = 0x1000_0015;

const READY: &[u8] = b"\x05READY";
const ERROR: &[u8] = b"\x05ERROR";

pub(crate) struct NullMechanism {
    socket_type: i32,
    /// Our READY, built once; taken when sent.
    ready: Option<Vec<u8>>,
    ready_received: bool,
    error_received: bool,
    peer: Properties,
}

impl NullMechanism {
    pub(crate) fn new(cfg: &Config) -> NullMechanism {
        let mut ready = READY.to_vec();
        add_basic_properties(cfg, &mut ready);
        NullMechanism {
            socket_type: cfg.socket_type,
            ready: Some(ready),
            ready_received: false,
            error_received: false,
            peer: Vec::new(),
        }
    }
}

impl Mechanism for NullMechanism {
    fn next_handshake_command(&mut self) -> Option<Vec<u8>> {
        self.ready.take()
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), Error> {
        if self.ready_received || self.error_received {
            return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if let Some(props) = body.strip_prefix(READY) {
            self.peer = parse_properties(
                self.socket_type,
                props,
                PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
            )?;
            self.ready_received = true;
            Ok(())
        } else if let Some(rest) = body.strip_prefix(ERROR) {
            // ERROR = reason-len(1) reason; libzmq checks only that the
            // reason fits.
            match rest.split_first() {
                Some((&n, reason)) if usize::from(n) <= reason.len() => {
                    self.error_received = true;
                    Ok(())
                }
                _ => Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR)),
            }
        } else {
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        }
    }

    fn status(&self) -> MechanismStatus {
        if self.ready_received && self.ready.is_none() {
            MechanismStatus::Ready
        } else if self.error_received {
            // We always send READY first, so an ERROR ends the handshake.
            MechanismStatus::Error
        } else {
            MechanismStatus::Handshaking
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }
}
