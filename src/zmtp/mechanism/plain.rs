//! PLAIN (RFC 24; libzmq 4.3.5 `plain_client.cpp`, `plain_server.cpp`):
//! the client sends its username and password in the clear (HELLO), the
//! server asks its ZAP handler about them and answers WELCOME; the client
//! then sends its properties (INITIATE) and the server its own (READY).
//!
//! A ZAP denial is sent as ERROR with the status code as its reason (400,
//! 500) or not at all (300); the client reads such an ERROR as an
//! authentication failure. PLAIN without a ZAP handler fails (EFAULT): there
//! is no point in credentials nobody checks.
//!
//! libzmq 4.3's PLAIN spells ERROR differently from RFC 23 (see
//! [`LIBZMQ_ERROR`]); we send its spelling, so that a libzmq client reports
//! the denial as it does with a libzmq server, and read both.

use zeroize::Zeroizing;

use super::properties::{add_basic_properties, parse_properties};
use super::zap::{error_command, error_reason, peer_error, ZapReply, ZapRequest, ERROR};
use super::{Mechanism, MechanismConfig, MechanismStatus, Properties};
use crate::constants::{
    ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
};
use crate::error::Errno;
use crate::zmtp::error::{
    code, Error, PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND, PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};
use crate::zmtp::Config;

const HELLO: &[u8] = b"\x05HELLO";
const WELCOME: &[u8] = b"\x07WELCOME";
const INITIATE: &[u8] = b"\x08INITIATE";
const READY: &[u8] = b"\x05READY";
/// The ERROR command name of libzmq 4.3's PLAIN (`plain_common.hpp`): the C
/// literal `"\x05ERROR"` reads as the escape `\x05E` (0x5E, '^') then
/// "RROR", so its server sends, and its client only recognises, "^RROR"
/// with no size byte before the reason length. A libzmq client takes an
/// RFC ERROR for an unexpected command and reports no AUTH failure.
const LIBZMQ_ERROR: &[u8] = b"\x5eRROR";

fn protocol(c: std::ffi::c_int) -> Error {
    Error::Protocol(code(c))
}

// ---------------------------------------------------------------- client

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientState {
    SendingHello,
    WaitingWelcome,
    SendingInitiate,
    WaitingReady,
    Ready,
    /// The server sent ERROR.
    ErrorReceived,
}

/// The connecting side of PLAIN (ZMQ_PLAIN_SERVER not set).
pub(crate) struct PlainClient {
    state: ClientState,
    socket_type: i32,
    username: Vec<u8>,
    password: Zeroizing<Vec<u8>>,
    /// Our INITIATE, built once.
    initiate: Vec<u8>,
    peer: Properties,
    failed: Error,
}

impl PlainClient {
    pub(crate) fn new(cfg: &Config) -> PlainClient {
        let (username, password) = match &cfg.mechanism {
            MechanismConfig::PlainClient { username, password } => {
                (username.clone(), Zeroizing::new(password.to_vec()))
            }
            _ => (Vec::new(), Zeroizing::new(Vec::new())),
        };
        let mut initiate = INITIATE.to_vec();
        add_basic_properties(cfg, &mut initiate);
        PlainClient {
            state: ClientState::SendingHello,
            socket_type: cfg.socket_type,
            username,
            password,
            initiate,
            peer: Vec::new(),
            failed: Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
        }
    }

    /// HELLO: username and password, each after its one-byte length (the
    /// options allow at most 255 bytes each).
    fn hello(&self) -> Vec<u8> {
        let user = &self.username[..self.username.len().min(255)];
        let pass = &self.password[..self.password.len().min(255)];
        let mut h = Vec::with_capacity(HELLO.len() + 2 + user.len() + pass.len());
        h.extend_from_slice(HELLO);
        h.push(user.len() as u8);
        h.extend_from_slice(user);
        h.push(pass.len() as u8);
        h.extend_from_slice(pass);
        h
    }

    fn expect(&self, state: ClientState) -> Result<(), Error> {
        if self.state == state {
            Ok(())
        } else {
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        }
    }
}

impl Mechanism for PlainClient {
    fn next_handshake_command(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ClientState::SendingHello => {
                self.state = ClientState::WaitingWelcome;
                Some(self.hello())
            }
            ClientState::SendingInitiate => {
                self.state = ClientState::WaitingReady;
                Some(std::mem::take(&mut self.initiate))
            }
            _ => None,
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), Error> {
        if body.starts_with(WELCOME) {
            self.expect(ClientState::WaitingWelcome)?;
            if body.len() != WELCOME.len() {
                return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME));
            }
            self.state = ClientState::SendingInitiate;
            Ok(())
        } else if let Some(props) = body.strip_prefix(READY) {
            self.expect(ClientState::WaitingReady)?;
            // libzmq reports a bad list and an incompatible Socket-Type
            // alike here.
            let invalid = code(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA);
            self.peer = parse_properties(self.socket_type, props, invalid)
                .map_err(|_| Error::Protocol(invalid))?;
            self.state = ClientState::Ready;
            Ok(())
        } else if let Some(rest) = body
            .strip_prefix(ERROR)
            .or_else(|| body.strip_prefix(LIBZMQ_ERROR))
        {
            if !matches!(
                self.state,
                ClientState::WaitingWelcome | ClientState::WaitingReady
            ) {
                return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
            }
            self.failed = peer_error(error_reason(rest)?);
            self.state = ClientState::ErrorReceived;
            Ok(())
        } else {
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        }
    }

    fn status(&self) -> MechanismStatus {
        match self.state {
            ClientState::Ready => MechanismStatus::Ready,
            ClientState::ErrorReceived => MechanismStatus::Error,
            _ => MechanismStatus::Handshaking,
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn failure(&self) -> Error {
        self.failed.clone()
    }
}

// ---------------------------------------------------------------- server

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerState {
    WaitingHello,
    /// The ZAP request is built (taken or not); no answer yet.
    WaitingZapReply,
    SendingWelcome,
    WaitingInitiate,
    SendingReady,
    Ready,
    /// ZAP denied with 400/500: ERROR is due.
    SendingError(u32),
    /// The handshake has failed (`failed` tells why).
    Failed,
}

/// The binding side of PLAIN (ZMQ_PLAIN_SERVER set).
pub(crate) struct PlainServer {
    state: ServerState,
    socket_type: i32,
    /// The request HELLO gave, until the engine takes it.
    zap_request: Option<ZapRequest>,
    zap_props: Properties,
    /// Our READY, built once.
    ready: Vec<u8>,
    peer: Properties,
    failed: Error,
}

impl PlainServer {
    pub(crate) fn new(cfg: &Config) -> PlainServer {
        let mut ready = READY.to_vec();
        add_basic_properties(cfg, &mut ready);
        PlainServer {
            state: ServerState::WaitingHello,
            socket_type: cfg.socket_type,
            zap_request: None,
            zap_props: Vec::new(),
            ready,
            peer: Vec::new(),
            failed: Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.state = ServerState::Failed;
        self.failed = e.clone();
        e
    }

    /// HELLO = "\x05HELLO" username-len username password-len password,
    /// nothing after (RFC 24); the error codes are libzmq's.
    fn process_hello(&mut self, body: &[u8]) -> Result<(), Error> {
        // mechanism_base_t::check_basic_command_structure
        if body.len() <= 1 || body.len() <= usize::from(body[0]) {
            return Err(protocol(
                ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            ));
        }
        let Some(rest) = body.strip_prefix(HELLO) else {
            return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        };
        let malformed = || protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
        let (&ulen, rest) = rest.split_first().ok_or_else(malformed)?;
        let ulen = usize::from(ulen);
        if rest.len() < ulen {
            return Err(malformed());
        }
        let (username, rest) = rest.split_at(ulen);
        let (&plen, password) = rest.split_first().ok_or_else(malformed)?;
        if password.len() != usize::from(plen) {
            return Err(malformed());
        }
        self.zap_request = Some(ZapRequest {
            mechanism: b"PLAIN",
            credentials: vec![username.to_vec(), password.to_vec()],
        });
        self.state = ServerState::WaitingZapReply;
        Ok(())
    }
}

impl Mechanism for PlainServer {
    fn next_handshake_command(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ServerState::SendingWelcome => {
                self.state = ServerState::WaitingInitiate;
                Some(WELCOME.to_vec())
            }
            ServerState::SendingReady => {
                self.state = ServerState::Ready;
                Some(std::mem::take(&mut self.ready))
            }
            ServerState::SendingError(status) => {
                self.state = ServerState::Failed;
                Some(error_command(LIBZMQ_ERROR, status))
            }
            _ => None,
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), Error> {
        match self.state {
            ServerState::WaitingHello => self.process_hello(body),
            ServerState::WaitingInitiate => {
                let Some(props) = body.strip_prefix(INITIATE) else {
                    return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
                };
                // libzmq raises no event of its own for a bad list here.
                self.peer =
                    parse_properties(self.socket_type, props, PROTOCOL_ERROR_ZMTP_UNSPECIFIED)?;
                self.state = ServerState::SendingReady;
                Ok(())
            }
            // libzmq: ZMTP_UNSPECIFIED, with an event; a client that waits
            // for our answer, as RFC 24 says, never gets here.
            _ => Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)),
        }
    }

    fn status(&self) -> MechanismStatus {
        match self.state {
            ServerState::Ready => MechanismStatus::Ready,
            ServerState::Failed => MechanismStatus::Error,
            _ => MechanismStatus::Handshaking,
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn failure(&self) -> Error {
        self.failed.clone()
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        self.zap_request.take()
    }

    fn zap_reply(&mut self, reply: Option<&ZapReply>) -> Result<(), Error> {
        if self.state != ServerState::WaitingZapReply {
            return Ok(());
        }
        self.zap_request = None;
        match reply {
            None => Err(self.fail(Error::NoDetail(Errno::EFAULT))),
            Some(r) if r.status == 200 => {
                self.zap_props = r.properties();
                self.state = ServerState::SendingWelcome;
                Ok(())
            }
            // A temporary failure: no ERROR, the client just loses the
            // connection (RFC 27).
            Some(r) if r.status == 300 => Err(self.fail(Error::Auth(300))),
            Some(r) => {
                self.failed = Error::Auth(r.status);
                self.state = ServerState::SendingError(r.status);
                Ok(())
            }
        }
    }

    fn zap_properties(&self) -> &Properties {
        &self.zap_props
    }
}

#[cfg(test)]
#[path = "plain_tests.rs"]
mod tests;
