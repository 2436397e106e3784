//! The NULL mechanism (RFC 37, libzmq 4.3.5 `null_mechanism.cpp`): each side
//! sends READY with its properties as soon as the greeting is done; the
//! handshake is over once READY has gone both ways.
//!
//! With a ZAP domain (ZMQ_ZAP_DOMAIN) a NULL socket asks its ZAP handler
//! about the peer before it sends READY (NULL has no roles: both sides may
//! ask). No handler bound: the handshake goes on, unless
//! ZMQ_ZAP_ENFORCE_DOMAIN. A denial (400, 500) is sent as ERROR with the
//! status code as its reason; a 300 ends the connection without one.
//!

use super::properties::{add_basic_properties, parse_properties};
use super::zap::{self, error_reason, peer_error, ZapReply, ZapRequest, ERROR};
use super::{Mechanism, MechanismStatus, Properties};
use crate::error::Errno;
use crate::zmtp::error::{
    Error, PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY, PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
    PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};
use crate::zmtp::Config;

const READY: &[u8] = b"\x05READY";

/// Where ZAP stands for one NULL connection.
#[derive(Debug, PartialEq, Eq)]
enum Zap {
    /// No domain: READY goes at once.
    Off,
    /// The request is built, not yet taken by the engine.
    Due(ZapRequest),
    /// The request is out; READY waits for the answer.
    Waiting,
    /// Allowed (200, or no handler without ZAP_ENFORCE_DOMAIN).
    Allowed,
    /// Denied with this status (300, 400, 500).
    Denied(u32),
}

pub(crate) struct NullMechanism {
    socket_type: i32,
    /// Our READY, built once; taken when sent.
    ready: Option<Vec<u8>>,
    zap: Zap,
    zap_enforce: bool,
    zap_props: Properties,
    /// The ERROR for a 400/500 denial, until taken.
    error_due: Option<Vec<u8>>,
    /// READY or ERROR has gone out (or a 300 denial needs none).
    sent: bool,
    ready_received: bool,
    /// Set once the handshake cannot succeed any more.
    failed: Option<Error>,
    peer: Properties,
}

impl NullMechanism {
    pub(crate) fn new(cfg: &Config) -> NullMechanism {
        let mut ready = READY.to_vec();
        add_basic_properties(cfg, &mut ready);
        let zap = if cfg.zap_domain.is_empty() {
            Zap::Off
        } else {
            Zap::Due(ZapRequest {
                mechanism: b"NULL",
                credentials: Vec::new(),
            })
        };
        NullMechanism {
            socket_type: cfg.socket_type,
            ready: Some(ready),
            zap,
            zap_enforce: cfg.zap_enforce_domain,
            zap_props: Vec::new(),
            error_due: None,
            sent: false,
            ready_received: false,
            failed: None,
            peer: Vec::new(),
        }
    }
}

impl Mechanism for NullMechanism {
    fn next_handshake_command(&mut self) -> Option<Vec<u8>> {
        if let Some(e) = self.error_due.take() {
            self.sent = true;
            return Some(e);
        }
        if self.failed.is_some() || !matches!(self.zap, Zap::Off | Zap::Allowed) {
            return None;
        }
        let r = self.ready.take();
        self.sent |= r.is_some();
        r
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), Error> {
        if self.ready_received || self.failed.is_some() {
            return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if let Some(props) = body.strip_prefix(READY) {
            self.ready_received = true;
            self.peer = parse_properties(
                self.socket_type,
                props,
                PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
            )?;
            Ok(())
        } else if let Some(rest) = body.strip_prefix(ERROR) {
            // libzmq waits until it has sent READY or ERROR itself before
            // giving up; nothing can change the outcome meanwhile, so we
            // fail at once.
            self.failed = Some(peer_error(error_reason(rest)?));
            Ok(())
        } else {
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        }
    }

    fn status(&self) -> MechanismStatus {
        if self.failed.is_some() && self.error_due.is_none() {
            MechanismStatus::Error
        } else if self.ready_received && self.sent && self.failed.is_none() {
            MechanismStatus::Ready
        } else {
            MechanismStatus::Handshaking
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn failure(&self) -> Error {
        self.failed
            .clone()
            .unwrap_or(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED))
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        if self.failed.is_some() {
            return None;
        }
        match std::mem::replace(&mut self.zap, Zap::Waiting) {
            Zap::Due(r) => Some(r),
            other => {
                self.zap = other;
                None
            }
        }
    }

    fn zap_reply(&mut self, reply: Option<&ZapReply>) -> Result<(), Error> {
        if self.zap != Zap::Waiting || self.failed.is_some() {
            // No request out (or the peer already gave up): nothing to answer.
            return Ok(());
        }
        match reply {
            None if self.zap_enforce => {
                let e = Error::NoDetail(Errno::EFAULT);
                self.failed = Some(e.clone());
                Err(e)
            }
            None => {
                self.zap = Zap::Allowed;
                Ok(())
            }
            Some(r) if r.status == 200 => {
                self.zap = Zap::Allowed;
                self.zap_props = r.properties();
                Ok(())
            }
            Some(r) => {
                self.zap = Zap::Denied(r.status);
                self.failed = Some(Error::Auth(r.status));
                if r.status == 300 {
                    // A temporary failure: no ERROR, the peer just loses the
                    // connection (RFC 27, libzmq).
                    self.sent = true;
                    Err(Error::Auth(300))
                } else {
                    self.error_due = Some(zap::error_command(ERROR, r.status));
                    Ok(())
                }
            }
        }
    }

    fn zap_properties(&self) -> &Properties {
        &self.zap_props
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::error::PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR;
    use crate::zmtp::socket_types::{DEALER, PUSH, ROUTER};

    fn null(t: i32) -> NullMechanism {
        NullMechanism::new(&Config {
            socket_type: t,
            ..Config::default()
        })
    }

    fn null_zap(t: i32, enforce: bool) -> NullMechanism {
        NullMechanism::new(&Config {
            socket_type: t,
            zap_domain: b"global".to_vec(),
            zap_enforce_domain: enforce,
            ..Config::default()
        })
    }

    fn reply(status: u32, user_id: &[u8]) -> ZapReply {
        ZapReply {
            status,
            status_text: b"text".to_vec(),
            user_id: user_id.to_vec(),
            metadata: vec![("X-Zap".to_string(), b"yes".to_vec())],
        }
    }

    #[test]
    fn ready_both_ways() {
        let (mut a, mut b) = (null(DEALER), null(ROUTER));
        assert_eq!(a.take_zap_request(), None);
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
        assert!(a.zap_properties().is_empty());
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
        assert_eq!(
            m.failure(),
            Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED)
        );
        let mut m = null(DEALER);
        assert_eq!(
            m.process_handshake_command(b"\x05ERROR\x05why"),
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
        );
        assert_eq!(
            null(DEALER).process_handshake_command(b"\x05ERROR"),
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

    #[test]
    fn peer_error_with_a_zap_code_is_an_auth_failure() {
        for (cmd, e) in [
            (&b"\x05ERROR\x03400"[..], Error::Auth(400)),
            (b"\x05ERROR\x03500trailing", Error::Auth(500)),
            (b"\x05ERROR\x03300", Error::Auth(300)),
            (
                b"\x05ERROR\x03200",
                Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
            ),
            (
                b"\x05ERROR\x024000",
                Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
            ),
        ] {
            let mut m = null(DEALER);
            m.next_handshake_command();
            m.process_handshake_command(cmd).unwrap();
            assert_eq!(m.status(), MechanismStatus::Error);
            assert_eq!(m.failure(), e, "{cmd:?}");
            // Nothing more is accepted.
            assert!(m.process_handshake_command(cmd).is_err());
        }
    }

    #[test]
    fn zap_allows_then_ready() {
        let (mut a, mut b) = (null_zap(ROUTER, false), null(DEALER));
        // READY waits for the handler.
        assert_eq!(a.next_handshake_command(), None);
        let req = a.take_zap_request().unwrap();
        assert_eq!(req.mechanism, b"NULL");
        assert!(req.credentials.is_empty());
        assert_eq!(a.take_zap_request(), None);
        // The peer's READY may arrive meanwhile.
        a.process_handshake_command(&b.next_handshake_command().unwrap())
            .unwrap();
        assert_eq!(a.status(), MechanismStatus::Handshaking);
        assert_eq!(a.next_handshake_command(), None);
        a.zap_reply(Some(&reply(200, b"anna"))).unwrap();
        let ra = a.next_handshake_command().unwrap();
        assert_eq!(a.status(), MechanismStatus::Ready);
        assert_eq!(
            a.zap_properties(),
            &vec![
                ("User-Id".to_string(), b"anna".to_vec()),
                ("X-Zap".to_string(), b"yes".to_vec())
            ]
        );
        b.process_handshake_command(&ra).unwrap();
        assert_eq!(b.status(), MechanismStatus::Ready);
        // A late or second reply changes nothing.
        a.zap_reply(Some(&reply(400, b""))).unwrap();
        assert_eq!(a.status(), MechanismStatus::Ready);
    }

    #[test]
    fn zap_without_handler() {
        // Not enforced: go on as if allowed.
        let mut a = null_zap(DEALER, false);
        a.take_zap_request().unwrap();
        a.zap_reply(None).unwrap();
        assert!(a.next_handshake_command().unwrap().starts_with(READY));
        assert!(a.zap_properties().is_empty());
        // Enforced: no detail, EFAULT, nothing sent.
        let mut a = null_zap(DEALER, true);
        a.take_zap_request().unwrap();
        assert_eq!(a.zap_reply(None), Err(Error::NoDetail(Errno::EFAULT)));
        assert_eq!(a.next_handshake_command(), None);
        assert_eq!(a.status(), MechanismStatus::Error);
        assert_eq!(a.failure(), Error::NoDetail(Errno::EFAULT));
    }

    #[test]
    fn zap_denials() {
        for code in [400, 500] {
            let mut a = null_zap(ROUTER, false);
            a.take_zap_request().unwrap();
            a.zap_reply(Some(&reply(code, b""))).unwrap();
            // ERROR first, then the handshake has failed.
            assert_eq!(a.status(), MechanismStatus::Handshaking);
            let err = a.next_handshake_command().unwrap();
            assert_eq!(err, format!("\x05ERROR\x03{code}").into_bytes());
            assert_eq!(a.next_handshake_command(), None);
            assert_eq!(a.status(), MechanismStatus::Error);
            assert_eq!(a.failure(), Error::Auth(code));
            // The peer sees an authentication failure too.
            let mut b = null(DEALER);
            b.next_handshake_command();
            b.process_handshake_command(&err).unwrap();
            assert_eq!(b.failure(), Error::Auth(code));
        }
        // 300: no ERROR at all.
        let mut a = null_zap(ROUTER, false);
        a.take_zap_request().unwrap();
        assert_eq!(a.zap_reply(Some(&reply(300, b""))), Err(Error::Auth(300)));
        assert_eq!(a.next_handshake_command(), None);
        assert_eq!(a.status(), MechanismStatus::Error);
        assert_eq!(a.failure(), Error::Auth(300));
    }

    #[test]
    fn zap_reply_without_request_is_ignored() {
        let mut a = null(DEALER);
        a.zap_reply(Some(&reply(400, b""))).unwrap();
        assert!(a.next_handshake_command().unwrap().starts_with(READY));
        let mut a = null_zap(DEALER, true);
        // Not taken yet: not waiting.
        a.zap_reply(None).unwrap();
        assert_eq!(a.next_handshake_command(), None);
        assert!(a.take_zap_request().is_some());
    }
}
