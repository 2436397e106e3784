//! CURVE server (RFC 26, libzmq's `curve_server_t`): HELLO → WELCOME (a
//! cookie under a key drawn for this connection alone) → INITIATE (cookie,
//! vouch, properties) → ZAP → READY, or ERROR when the handler refuses with
//! 400/500.
//!
//! ZAP as libzmq: the server asks unless ZAP_ENFORCE_DOMAIN is set with no
//! ZAP_DOMAIN; with no handler bound it goes on (the Stonehouse pattern:
//! encryption without authentication) unless ZAP_ENFORCE_DOMAIN, which fails
//! with `NoDetail(EFAULT)`. The request's one credential is the client's
//! vouched permanent public key.
//!
//! Error codes as libzmq's: a command that is not the one expected is
//! UNEXPECTED_COMMAND, a wrong size or version MALFORMED_COMMAND_HELLO /
//! _INITIATE, a box that does not open CRYPTOGRAPHIC, a vouch for another
//! key KEY_EXCHANGE; any command once INITIATE is in is UNSPECIFIED.

use super::super::properties::{add_basic_properties, parse_properties};
use super::super::zap::{error_command, ZapReply, ZapRequest, ERROR};
use super::super::{Cipher, Mechanism, MechanismConfig, MechanismStatus, Properties};
use super::boxes::{BoxKey, RecvNonce, SendNonce, MESSAGE_C_PREFIX, MESSAGE_S_PREFIX};
use super::cipher::CurveCipher;
use super::commands::{
    decode_hello, decode_initiate, encode_ready, encode_welcome, CommandError, Hello, HELLO_LEN,
    INITIATE_MIN_LEN,
};
use super::keys::{KeyPair, SecretKey};
use crate::constants::{
    ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
    ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND, ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};
use crate::error::Errno;
use crate::zmtp::error::{code, Error};
use crate::zmtp::Config;

const HELLO: &[u8] = b"\x05HELLO";
const INITIATE: &[u8] = b"\x08INITIATE";

/// Where the server's handshake stands.
enum State {
    WaitingForHello,
    /// HELLO checked; WELCOME is due.
    SendingWelcome(Hello),
    /// WELCOME sent; the cookie key is the only state kept for INITIATE
    /// besides C' from HELLO.
    WaitingForInitiate(Hello, BoxKey),
    /// The ZAP request is built (or taken) and its answer awaited.
    WaitingForZapReply,
    SendingReady,
    /// ZAP refused with 400/500: ERROR is due, then the handshake fails.
    SendingError(u32),
    Ready,
    Failed,
}

pub(crate) struct CurveServer {
    state: State,
    socket_type: i32,
    /// Our properties for READY.
    metadata: Vec<u8>,
    /// Our permanent pair (S, s).
    permanent: KeyPair,
    /// Our transient pair (S', s'): generated per connection, dropped once
    /// WELCOME carries s' in the cookie.
    transient: Option<KeyPair>,
    /// This connection's cookie key, drawn fresh for it (libzmq draws one
    /// per WELCOME too); moved into the state when WELCOME goes out and
    /// dropped (wiped) once INITIATE is checked.
    cookie_key: Option<BoxKey>,
    /// The key of C' and s' for READY and MESSAGE.
    session: Option<BoxKey>,
    send: SendNonce,
    /// The client's INITIATE nonce, the floor for its MESSAGEs.
    recv_floor: u64,
    zap_request: Option<ZapRequest>,
    zap_enforce_domain: bool,
    peer: Properties,
    zap_props: Properties,
    failure: Error,
}

fn protocol(c: std::ffi::c_int) -> Error {
    Error::Protocol(code(c))
}

impl CurveServer {
    pub(crate) fn new(cfg: &Config) -> CurveServer {
        // `build` only makes a CurveServer for this variant; any other
        // leaves an all-zero secret, whose boxes no client opens.
        let secret = match &cfg.mechanism {
            MechanismConfig::CurveServer { secret } => *secret.0,
            _ => [0; 32],
        };
        let mut metadata = Vec::new();
        add_basic_properties(cfg, &mut metadata);
        CurveServer {
            state: State::WaitingForHello,
            socket_type: cfg.socket_type,
            metadata,
            permanent: KeyPair::from_secret(SecretKey::from_bytes(secret)),
            transient: Some(KeyPair::generate()),
            cookie_key: Some(BoxKey::random_secret()),
            session: None,
            send: SendNonce::new(1),
            recv_floor: 0,
            zap_request: None,
            zap_enforce_domain: cfg.zap_enforce_domain,
            peer: Vec::new(),
            zap_props: Vec::new(),
            failure: protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
        }
        .with_zap_decision(cfg)
    }

    /// Whether to ask ZAP at all (libzmq: `zap_required () ||
    /// !zap_enforce_domain`); the credential is filled in by INITIATE.
    fn with_zap_decision(mut self, cfg: &Config) -> Self {
        if !cfg.zap_domain.is_empty() || !cfg.zap_enforce_domain {
            self.zap_request = Some(ZapRequest {
                mechanism: b"CURVE",
                credentials: Vec::new(),
            });
        }
        self
    }

    /// A server whose cookie key is fixed (the fuzz targets, so that
    /// recorded INITIATEs open).
    pub(super) fn with_cookie_key(cfg: &Config, cookie_key: BoxKey) -> CurveServer {
        CurveServer {
            cookie_key: Some(cookie_key),
            ..CurveServer::new(cfg)
        }
    }

    /// A server that has sent WELCOME for `hello` with `cookie_key` (tests
    /// against a captured libzmq INITIATE, whose cookie key is fixed).
    #[cfg(test)]
    pub(super) fn after_welcome(cfg: &Config, hello: Hello, cookie_key: BoxKey) -> CurveServer {
        CurveServer {
            state: State::WaitingForInitiate(hello, cookie_key),
            transient: None,
            ..CurveServer::new(cfg)
        }
    }

    fn process_hello(&mut self, body: &[u8]) -> Result<(), Error> {
        if !body.starts_with(HELLO) {
            return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if body.len() != HELLO_LEN || body[6..8] != [1, 0] {
            return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO));
        }
        let hello = decode_hello(body, &self.permanent.secret).map_err(|e| match e {
            CommandError::Malformed => protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO),
            _ => protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
        })?;
        self.state = State::SendingWelcome(hello);
        Ok(())
    }

    fn produce_welcome(&mut self, hello: Hello) -> Option<Vec<u8>> {
        let cookie_key = self.cookie_key.take()?;
        // The transient pair is dropped here: the cookie carries s'.
        let welcome = encode_welcome(&hello, &self.transient.take()?, &cookie_key);
        self.state = State::WaitingForInitiate(hello, cookie_key);
        Some(welcome)
    }

    fn process_initiate(
        &mut self,
        body: &[u8],
        hello: &Hello,
        cookie_key: &BoxKey,
    ) -> Result<(), Error> {
        if !body.starts_with(INITIATE) {
            return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if body.len() < INITIATE_MIN_LEN {
            return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE));
        }
        let initiate =
            decode_initiate(body, &self.permanent, hello, cookie_key).map_err(|e| match e {
                CommandError::Malformed => {
                    protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE)
                }
                CommandError::KeyExchange => protocol(ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE),
                _ => protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
            })?;
        // libzmq raises no event for bad client properties (UNSPECIFIED),
        // and refuses a Socket-Type we may not talk to.
        self.peer = parse_properties(
            self.socket_type,
            &initiate.metadata,
            code(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
        )?;
        self.session = Some(initiate.session);
        self.recv_floor = initiate.nonce;
        self.state = match &mut self.zap_request {
            Some(req) => {
                req.credentials = vec![initiate.client.0.to_vec()];
                State::WaitingForZapReply
            }
            None => State::SendingReady,
        };
        Ok(())
    }

    fn fail(&mut self, e: Error) -> Result<(), Error> {
        self.failure = e.clone();
        self.state = State::Failed;
        Err(e)
    }
}

impl Mechanism for CurveServer {
    fn next_handshake_command(&mut self) -> Option<Vec<u8>> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::SendingWelcome(hello) => self.produce_welcome(hello),
            State::SendingReady => {
                let session = self.session.as_ref()?;
                let n = self.send.take().ok()?;
                self.state = State::Ready;
                Some(encode_ready(session, n, &self.metadata))
            }
            State::SendingError(status) => {
                self.failure = Error::Auth(status);
                Some(error_command(ERROR, status))
            }
            other => {
                self.state = other;
                None
            }
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), Error> {
        // libzmq's check_basic_command_structure.
        match body.first() {
            Some(&n) if body.len() > 1 && body.len() > usize::from(n) => {}
            _ => {
                return self.fail(protocol(
                    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
                ))
            }
        }
        let result = match std::mem::replace(&mut self.state, State::Failed) {
            State::WaitingForHello => self.process_hello(body),
            State::WaitingForInitiate(hello, cookie_key) => {
                // The cookie key is dropped (wiped) here whatever the outcome.
                self.process_initiate(body, &hello, &cookie_key)
            }
            _ => Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED)),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.fail(e),
        }
    }

    fn status(&self) -> MechanismStatus {
        match self.state {
            State::Ready => MechanismStatus::Ready,
            State::Failed => MechanismStatus::Error,
            _ => MechanismStatus::Handshaking,
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn failure(&self) -> Error {
        self.failure.clone()
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        if matches!(self.state, State::WaitingForZapReply) {
            self.zap_request.take()
        } else {
            None
        }
    }

    fn zap_reply(&mut self, reply: Option<&ZapReply>) -> Result<(), Error> {
        if !matches!(self.state, State::WaitingForZapReply) || self.zap_request.is_some() {
            return self.fail(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED));
        }
        match reply {
            // No handler bound: Stonehouse, unless the domain is enforced.
            None if self.zap_enforce_domain => self.fail(Error::NoDetail(Errno::EFAULT)),
            None => {
                self.state = State::SendingReady;
                Ok(())
            }
            Some(r) if r.status == 200 => {
                self.zap_props = r.properties();
                self.state = State::SendingReady;
                Ok(())
            }
            Some(r) if r.status == 300 => self.fail(Error::Auth(300)),
            Some(r) => {
                self.failure = Error::Auth(r.status);
                self.state = State::SendingError(r.status);
                Ok(())
            }
        }
    }

    fn zap_properties(&self) -> &Properties {
        &self.zap_props
    }

    fn take_cipher(&mut self) -> Option<Box<dyn Cipher>> {
        if !matches!(self.state, State::Ready) {
            return None;
        }
        let session = self.session.take()?;
        let send = std::mem::replace(&mut self.send, SendNonce::new(u64::MAX));
        Some(Box::new(CurveCipher::new(
            session,
            MESSAGE_S_PREFIX,
            MESSAGE_C_PREFIX,
            send,
            RecvNonce::new(self.recv_floor),
        )))
    }
}
