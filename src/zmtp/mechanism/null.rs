//! The NULL mechanism (RFC 37, `null_mechanism.cpp`): each side sends READY
//! with its properties as soon as the greeting is done; the handshake is over
//! once READY has gone both ways. ZAP for NULL is not handled here yet.

use super::properties::{add_basic_properties, parse_properties};
use super::{Mechanism, MechanismStatus, Properties};
use crate::zmtp::error::{
    Error, PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY, PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
};
use crate::zmtp::Config;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::socket_types::{DEALER, PUSH, ROUTER};

    fn null(t: i32) -> NullMechanism {
        NullMechanism::new(&Config {
            socket_type: t,
            ..Config::default()
        })
    }

    #[test]
    fn ready_both_ways() {
        let (mut a, mut b) = (null(DEALER), null(ROUTER));
        let ra = a.next_handshake_command().unwrap();
        assert!(ra.starts_with(READY));
        assert_eq!(a.next_handshake_command(), None);
        assert_eq!(a.status(), MechanismStatus::Handshaking);
        b.process_handshake_command(&ra).unwrap();
        // Received but not yet sent: still handshaking.
        assert_eq!(b.status(), MechanismStatus::Handshaking);
        let rb = b.next_handshake_command().unwrap();
        assert_eq!(b.status(), MechanismStatus::Ready);
        a.process_handshake_command(&rb).unwrap();
        assert_eq!(a.status(), MechanismStatus::Ready);
        assert_eq!(a.peer_properties()[0].1, b"ROUTER");
        // A second READY is unexpected.
        assert_eq!(
            a.process_handshake_command(&rb),
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        );
    }

    #[test]
    fn error_and_bad_commands() {
        let mut m = null(DEALER);
        m.next_handshake_command();
        m.process_handshake_command(b"\x05ERROR\x03why").unwrap();
        assert_eq!(m.status(), MechanismStatus::Error);
        let mut m = null(DEALER);
        assert_eq!(
            m.process_handshake_command(b"\x05ERROR\x05why"),
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
        );
        assert_eq!(
            null(DEALER).process_handshake_command(b"\x05HELLO"),
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        );
        assert_eq!(
            null(DEALER).process_handshake_command(b"\x05READY\x0bSocket-Type"),
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY))
        );
        let push = null(PUSH).next_handshake_command().unwrap();
        assert_eq!(
            null(DEALER).process_handshake_command(&push),
            Err(Error::WrongSocketType)
        );
    }
}
