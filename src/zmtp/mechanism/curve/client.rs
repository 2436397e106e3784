//! CURVE client (RFC 26, libzmq's `curve_client_t`): HELLO → WELCOME →
//! INITIATE (vouch and our properties) → READY (the server's properties),
//! or an ERROR from the server in place of WELCOME or READY.
//!
//! Short nonces as libzmq 4.3: HELLO 1, INITIATE 2, MESSAGEs from 3; the
//! server's first MESSAGE must exceed its READY nonce. Error codes as
//! libzmq's: a WELCOME that is malformed or does not open is CRYPTOGRAPHIC
//! (libzmq does not tell them apart), a short READY is
//! MALFORMED_COMMAND_READY, a READY whose properties are malformed or name a
//! socket type we may not talk to is INVALID_METADATA.

use super::super::properties::{add_basic_properties, parse_properties};
use super::super::zap::{error_reason, peer_error};
use super::super::{Cipher, Mechanism, MechanismConfig, MechanismStatus, Properties};
use super::boxes::{BoxKey, RecvNonce, SendNonce, MESSAGE_C_PREFIX, MESSAGE_S_PREFIX};
use super::cipher::CurveCipher;
use super::commands::{
    decode_ready, decode_welcome_under, encode_hello_under, encode_initiate, CommandError, Welcome,
    READY_MIN_LEN,
};
use super::keys::{KeyPair, PublicKey, SecretKey};
use crate::constants::{
    ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
    ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
    ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};
use crate::zmtp::error::{code, Error};
use crate::zmtp::Config;

const WELCOME: &[u8] = b"\x07WELCOME";
const READY: &[u8] = b"\x05READY";
const ERROR: &[u8] = b"\x05ERROR";

/// Where the client's handshake stands.
enum State {
    SendHello,
    ExpectWelcome,
    SendInitiate(Box<Welcome>),
    ExpectReady,
    Connected,
    /// The server sent ERROR, or we could not build a command: closing.
    Failed,
}

pub(crate) struct CurveClient {
    state: State,
    socket_type: i32,
    /// Our properties for INITIATE (Socket-Type, Identity, ZMQ_METADATA).
    metadata: Vec<u8>,
    /// Our permanent pair (C, c) and the server's permanent key (S).
    permanent: KeyPair,
    server: PublicKey,
    /// Our transient pair (C', c'): dropped once INITIATE is out.
    transient: Option<KeyPair>,
    /// The key of C' and S: boxes HELLO, opens WELCOME.
    hello_key: Option<BoxKey>,
    /// The key of C' and S' for INITIATE, READY and MESSAGE.
    session: Option<BoxKey>,
    send: SendNonce,
    /// The server's READY nonce, the floor for its MESSAGEs.
    recv_floor: u64,
    peer: Properties,
    failure: Error,
}

fn protocol(c: std::ffi::c_int) -> Error {
    Error::Protocol(code(c))
}

impl CurveClient {
    pub(crate) fn new(cfg: &Config) -> CurveClient {
        // `build` only makes a CurveClient for this variant; any other
        // leaves all-zero keys, which fail the first box (CRYPTOGRAPHIC).
        let (public, secret, server) = match &cfg.mechanism {
            MechanismConfig::CurveClient {
                public,
                secret,
                server,
            } => (*public, *secret.0, *server),
            _ => ([0; 32], [0; 32], [0; 32]),
        };
        let mut metadata = Vec::new();
        add_basic_properties(cfg, &mut metadata);
        CurveClient {
            state: State::SendHello,
            socket_type: cfg.socket_type,
            metadata,
            // libzmq sends the configured public key as is (it does not
            // derive it from the secret); so do we.
            permanent: KeyPair {
                public: PublicKey(public),
                secret: SecretKey::from_bytes(secret),
            },
            server: PublicKey(server),
            transient: Some(KeyPair::generate()),
            hello_key: None,
            session: None,
            send: SendNonce::new(1),
            recv_floor: 0,
            peer: Vec::new(),
            failure: protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
        }
    }

    /// A client whose transient pair is fixed (tests and fuzz targets
    /// replaying captured libzmq traffic).
    pub(super) fn with_transient(cfg: &Config, transient: KeyPair) -> CurveClient {
        CurveClient {
            transient: Some(transient),
            ..CurveClient::new(cfg)
        }
    }

    /// A command we cannot build (a low-order server key): the handshake
    /// fails with CRYPTOGRAPHIC, as libzmq's produce_hello/produce_initiate.
    fn fail_to_produce(&mut self) -> Option<Vec<u8>> {
        self.state = State::Failed;
        self.failure = protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
        None
    }

    fn produce_hello(&mut self) -> Option<Vec<u8>> {
        let (Some(t), Ok(n)) = (&self.transient, self.send.take()) else {
            return self.fail_to_produce();
        };
        match BoxKey::shared(&self.server, &t.secret) {
            Ok(key) => {
                let hello = encode_hello_under(&key, &t.public, n);
                self.hello_key = Some(key);
                self.state = State::ExpectWelcome;
                Some(hello)
            }
            Err(_) => self.fail_to_produce(),
        }
    }

    fn produce_initiate(&mut self, welcome: &Welcome) -> Option<Vec<u8>> {
        let (Some(t), Some(session), Ok(n)) = (&self.transient, &self.session, self.send.take())
        else {
            return self.fail_to_produce();
        };
        let initiate = encode_initiate(
            &self.permanent,
            &t.public,
            &self.server,
            welcome,
            session,
            n,
            &self.metadata,
        );
        match initiate {
            Ok(initiate) => {
                // c' has done its work: the session key is computed.
                self.transient = None;
                self.state = State::ExpectReady;
                Some(initiate)
            }
            Err(_) => self.fail_to_produce(),
        }
    }

    fn process_welcome(&mut self, body: &[u8]) -> Result<(), Error> {
        let crypto = || protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
        let t = self.transient.as_ref().ok_or_else(crypto)?;
        let key = self.hello_key.take().ok_or_else(crypto)?;
        let welcome = decode_welcome_under(body, &key).map_err(|_| crypto())?;
        let session = BoxKey::shared(&welcome.server_transient, &t.secret).map_err(|_| crypto())?;
        self.session = Some(session);
        self.state = State::SendInitiate(Box::new(welcome));
        Ok(())
    }

    fn process_ready(&mut self, body: &[u8]) -> Result<(), Error> {
        if body.len() < READY_MIN_LEN {
            return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY));
        }
        let session = self
            .session
            .as_ref()
            .ok_or(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))?;
        let (nonce, metadata) = decode_ready(body, session).map_err(|e| match e {
            CommandError::Malformed => protocol(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY),
            _ => protocol(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
        })?;
        // libzmq reports a bad property list and a wrong Socket-Type alike.
        self.peer = parse_properties(self.socket_type, &metadata, 0)
            .map_err(|_| protocol(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA))?;
        self.recv_floor = nonce;
        self.state = State::Connected;
        Ok(())
    }

    /// ERROR = reason-len(1) reason, allowed in place of WELCOME or READY.
    fn process_error(&mut self, rest: &[u8]) -> Result<(), Error> {
        if !matches!(self.state, State::ExpectWelcome | State::ExpectReady) {
            return Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        // A ZAP status from the server's handler: HANDSHAKE_FAILED_AUTH;
        // any other reason just ends the handshake (no event, as libzmq).
        self.failure = peer_error(error_reason(rest)?);
        self.state = State::Failed;
        Ok(())
    }
}

impl Mechanism for CurveClient {
    fn next_handshake_command(&mut self) -> Option<Vec<u8>> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::SendHello => self.produce_hello(),
            State::SendInitiate(welcome) => self.produce_initiate(&welcome),
            other => {
                self.state = other;
                None
            }
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), Error> {
        let result = if body.starts_with(WELCOME) && matches!(self.state, State::ExpectWelcome) {
            self.process_welcome(body)
        } else if body.starts_with(READY) && matches!(self.state, State::ExpectReady) {
            self.process_ready(body)
        } else if let Some(rest) = body.strip_prefix(ERROR) {
            self.process_error(rest)
        } else {
            Err(protocol(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        };
        if let Err(e) = &result {
            self.failure = e.clone();
            self.state = State::Failed;
        }
        result
    }

    fn status(&self) -> MechanismStatus {
        match self.state {
            State::Connected => MechanismStatus::Ready,
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

    fn take_cipher(&mut self) -> Option<Box<dyn Cipher>> {
        if !matches!(self.state, State::Connected) {
            return None;
        }
        let session = self.session.take()?;
        let send = std::mem::replace(&mut self.send, SendNonce::new(u64::MAX));
        Some(Box::new(CurveCipher::new(
            session,
            MESSAGE_C_PREFIX,
            MESSAGE_S_PREFIX,
            send,
            RecvNonce::new(self.recv_floor),
        )))
    }
}
