//! Why a connection dies ([`Error`]) and the ZMTP protocol error codes
//! libzmq reports for it (`ZMQ_PROTOCOL_ERROR_ZMTP_*`, as the `u32` the
//! monitor events carry).

use crate::constants;

/// `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`.
pub const PROTOCOL_ERROR_ZMTP_UNSPECIFIED: u32 =
    constants::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED as u32;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND`.
pub const PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: u32 =
    constants::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND as u32;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`.
pub const PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: u32 =
    constants::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH as u32;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR`.
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR: u32 =
    constants::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR as u32;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY`.
pub const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY: u32 =
    constants::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY as u32;

/// Why a connection died. After any of these the connection must close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// ZMQ_PROTOCOL_ERROR_* code, e.g. 0x10000001 UNEXPECTED_COMMAND,
    /// 0x11000002 MECHANISM_MISMATCH, 0x10000016 MALFORMED_COMMAND_READY.
    /// Framing errors and an ERROR command from the peer use
    /// 0x10000000 UNSPECIFIED (libzmq raises no HANDSHAKE_FAILED event for
    /// those, nor for a malformed NULL READY).
    Protocol(u32),
    /// The peer's Socket-Type is not valid for ours (Z5: DISCONNECTED only,
    /// no HANDSHAKE_FAILED event).
    WrongSocketType,
    /// A frame larger than maxmsgsize.
    MsgSize,
    HandshakeTimeout,
    HeartbeatTimeout,
    /// ZAP refused the peer (our handler's status 300/400/500), or the peer
    /// sent ERROR with such a status: HANDSHAKE_FAILED_AUTH [code].
    Auth(u32),
    /// Failed with no protocol detail (HANDSHAKE_FAILED_NO_DETAIL [errno]):
    /// e.g. EFAULT when ZAP is required and no handler is bound.
    NoDetail(crate::error::Errno),
}

impl Error {
    /// The `errno` libzmq's engine leaves behind for this failure.
    pub fn errno(&self) -> crate::error::Errno {
        use crate::error::Errno;
        match self {
            Error::Protocol(_) | Error::WrongSocketType => Errno::EPROTO,
            Error::MsgSize => Errno::EMSGSIZE,
            Error::HandshakeTimeout | Error::HeartbeatTimeout => Errno::ETIMEDOUT,
            Error::Auth(_) => Errno::EACCES,
            Error::NoDetail(e) => *e,
        }
    }

    /// The code of the `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` event libzmq
    /// raises for this failure, or None when it raises none (only
    /// DISCONNECTED): wrong socket type (Z5), oversized frames (Z6), framing
    /// errors, a malformed NULL READY or a peer ERROR. Timeouts during the
    /// handshake give HANDSHAKE_FAILED_NO_DETAIL instead (Z9), which the
    /// engine raises.
    /// libzmq's `protocol_error` (as opposed to a timeout): the connecting
    /// side does not reconnect after it (BEHAVIOUR Z10).
    pub fn is_protocol_error(&self) -> bool {
        !matches!(self, Error::HandshakeTimeout | Error::HeartbeatTimeout)
    }

    pub fn handshake_failed_code(&self) -> Option<u32> {
        match *self {
            Error::Protocol(
                c @ (PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
                | PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                | PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR),
            ) => Some(c),
            // The security mechanisms' and ZAP's codes (0x10000002..,
            // 0x11000001, 0x2000000x) are all reported where they occur.
            Error::Protocol(c)
                if c != PROTOCOL_ERROR_ZMTP_UNSPECIFIED
                    && c != PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY =>
            {
                Some(c)
            }
            _ => None,
        }
    }
}

/// A `ZMQ_PROTOCOL_ERROR_*` code as [`Error::Protocol`] carries it.
pub const fn code(c: std::ffi::c_int) -> u32 {
    c as u32
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Protocol(c) => write!(f, "ZMTP protocol error {c:#010x}"),
            Error::WrongSocketType => f.write_str("peer socket type not compatible"),
            Error::MsgSize => f.write_str("frame larger than ZMQ_MAXMSGSIZE"),
            Error::HandshakeTimeout => f.write_str("handshake timed out"),
            Error::HeartbeatTimeout => f.write_str("heartbeat timed out"),
            Error::Auth(code) => write!(f, "authentication refused ({code})"),
            Error::NoDetail(e) => write!(f, "handshake failed ({})", e.0),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Errno;

    #[test]
    fn errno_and_handshake_failed_event() {
        let all = [
            Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
            Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
            Error::Protocol(PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH),
            Error::Protocol(PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR),
            Error::Protocol(PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY),
            Error::WrongSocketType,
            Error::MsgSize,
            Error::HandshakeTimeout,
            Error::HeartbeatTimeout,
        ];
        let errno: Vec<Errno> = all.iter().map(Error::errno).collect();
        assert_eq!(&errno[..6], &[Errno::EPROTO; 6]);
        assert_eq!(
            &errno[6..],
            &[Errno::EMSGSIZE, Errno::ETIMEDOUT, Errno::ETIMEDOUT]
        );
        let codes: Vec<Option<u32>> = all.iter().map(Error::handshake_failed_code).collect();
        assert_eq!(
            codes,
            [
                None,
                Some(0x1000_0001),
                Some(0x1100_0002),
                Some(0x1000_0015),
                // libzmq raises no HANDSHAKE_FAILED for a malformed NULL READY.
                None,
                None,
                None,
                None,
                None
            ]
        );
        assert_eq!(all[0].to_string(), "ZMTP protocol error 0x10000000");
    }
}
