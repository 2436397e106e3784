//! ZAP (RFC 27) as the mechanisms see it: the request a server-side
//! handshake asks the handler, and the handler's reply, checked here once
//! for every mechanism (libzmq's `zap_client_t`). Moving the frames to and
//! from `inproc://zeromq.zap.01` is the session's business.

use super::properties::parse_metadata_list;
use super::Properties;
use crate::constants::{
    ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID, ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION,
    ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA, ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
    ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY, ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED,
};
use crate::zmtp::error::{
    code, Error, PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR, PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};

/// The ZAP version both sides speak.
pub const VERSION: &[u8] = b"1.0";
/// The one request id a connection ever uses (libzmq's too).
pub const REQUEST_ID: &[u8] = b"1";

/// What a mechanism asks the handler: its name and credentials (PLAIN:
/// username, password; CURVE: the client's 32-byte public key; NULL: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapRequest {
    pub mechanism: &'static [u8],
    pub credentials: Vec<Vec<u8>>,
}

impl ZapRequest {
    /// The whole request as frames, after the empty delimiter a REQ-style
    /// peer expects: version, request id, domain, address, our routing id,
    /// mechanism, credentials.
    pub fn frames(&self, domain: &[u8], address: &[u8], routing_id: &[u8]) -> Vec<Vec<u8>> {
        let mut f = vec![
            Vec::new(),
            VERSION.to_vec(),
            REQUEST_ID.to_vec(),
            domain.to_vec(),
            address.to_vec(),
            routing_id.to_vec(),
            self.mechanism.to_vec(),
        ];
        f.extend(self.credentials.iter().cloned());
        f
    }
}

/// A well-formed handler reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapReply {
    /// 200, 300, 400 or 500.
    pub status: u32,
    pub status_text: Vec<u8>,
    pub user_id: Vec<u8>,
    /// The handler's metadata frame, decoded.
    pub metadata: Properties,
}

impl ZapReply {
    /// `User-Id` (even when empty: libzmq's `set_user_id` always sets it)
    /// then the handler's metadata: what the connection's messages carry
    /// besides the peer's properties.
    pub fn properties(&self) -> Properties {
        let mut p = vec![("User-Id".to_string(), self.user_id.clone())];
        for (k, v) in &self.metadata {
            if !p.iter().any(|(n, _)| n == k) {
                p.push((k.clone(), v.clone()));
            }
        }
        p
    }
}

/// Checks a reply as received from the handler: `(frame, more)` pairs, the
/// empty delimiter first, seven frames in all (delimiter, version, request
/// id, status code, status text, user id, metadata). Errors carry libzmq's
/// ZAP protocol codes (HANDSHAKE_FAILED_PROTOCOL).
pub fn parse_reply(frames: &[(Vec<u8>, bool)]) -> Result<ZapReply, Error> {
    let proto = |c| Err(Error::Protocol(code(c)));
    if frames.len() != 7 || frames[..6].iter().any(|(_, more)| !more) || frames[6].1 {
        return proto(ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
    }
    if !frames[0].0.is_empty() {
        return proto(ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED);
    }
    if frames[1].0 != VERSION {
        return proto(ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
    }
    if frames[2].0 != REQUEST_ID {
        return proto(ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
    }
    let status = match frames[3].0.as_slice() {
        [d @ b'2'..=b'5', b'0', b'0'] => u32::from(d - b'0') * 100,
        _ => return proto(ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE),
    };
    let metadata = parse_metadata_list(&frames[6].0).ok_or(Error::Protocol(code(
        ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA,
    )))?;
    Ok(ZapReply {
        status,
        status_text: frames[4].0.clone(),
        user_id: frames[5].0.clone(),
        metadata,
    })
}

/// The ERROR command's name with its size byte (RFC 23: every mechanism
/// may receive it; PLAIN sends libzmq's spelling, see `plain.rs`).
pub const ERROR: &[u8] = b"\x05ERROR";

/// The ERROR command a server sends for a ZAP status (400, 500), under the
/// command name `name`: the status code as its reason (libzmq sends the
/// code, not the text).
pub fn error_command(name: &[u8], status: u32) -> Vec<u8> {
    let mut v = name.to_vec();
    v.push(3);
    v.extend_from_slice(status.to_string().as_bytes());
    v
}

/// The reason of an ERROR command, given the body after its name:
/// reason-len(1) reason. As libzmq, only checks that the reason fits
/// (bytes after it are ignored).
pub fn error_reason(rest: &[u8]) -> Result<&[u8], Error> {
    match rest.split_first() {
        Some((&n, reason)) if usize::from(n) <= reason.len() => Ok(&reason[..usize::from(n)]),
        _ => Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR)),
    }
}

/// Why a handshake ends on the peer's ERROR (`handle_error_reason`): a ZAP
/// status code as the reason ("300", "400", "500") is an authentication
/// failure; any other reason a plain protocol failure (no event of its own).
pub fn peer_error(reason: &[u8]) -> Error {
    match status_in_error_reason(reason) {
        Some(code) => Error::Auth(code),
        None => Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
    }
}

/// A ZAP status code carried as an ERROR reason: "300", "400" or "500" →
/// the code.
fn status_in_error_reason(reason: &[u8]) -> Option<u32> {
    match reason {
        [d @ b'3'..=b'5', b'0', b'0'] => Some(u32::from(d - b'0') * 100),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(parts: &[&[u8]]) -> Vec<(Vec<u8>, bool)> {
        let n = parts.len();
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_vec(), i + 1 < n))
            .collect()
    }

    #[test]
    fn request_frames() {
        let r = ZapRequest {
            mechanism: b"PLAIN",
            credentials: vec![b"admin".to_vec(), b"secret".to_vec()],
        };
        let f = r.frames(b"global", b"127.0.0.1", b"");
        assert_eq!(f.len(), 9);
        assert!(f[0].is_empty());
        assert_eq!(f[1], b"1.0");
        assert_eq!(f[6], b"PLAIN");
        assert_eq!(f[8], b"secret");
    }

    #[test]
    fn good_reply_and_properties() {
        let md = b"\x05Hello\x00\x00\x00\x05World";
        let r = parse_reply(&reply(&[b"", b"1.0", b"1", b"200", b"OK", b"anna", md])).unwrap();
        assert_eq!(r.status, 200);
        let p = r.properties();
        assert_eq!(p[0], ("User-Id".to_string(), b"anna".to_vec()));
        assert_eq!(p[1], ("Hello".to_string(), b"World".to_vec()));
        let r = parse_reply(&reply(&[b"", b"1.0", b"1", b"400", b"No", b"", b""])).unwrap();
        assert_eq!(r.status, 400);
        assert_eq!(r.properties(), [("User-Id".to_string(), vec![])]);
    }

    #[test]
    fn bad_replies_carry_zap_codes() {
        let c = |parts: &[&[u8]]| match parse_reply(&reply(parts)) {
            Err(Error::Protocol(c)) => c as i32,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            c(&[b"", b"1.0", b"1", b"200", b"OK", b""]),
            ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
        );
        assert_eq!(
            c(&[b"x", b"1.0", b"1", b"200", b"OK", b"", b""]),
            ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED
        );
        assert_eq!(
            c(&[b"", b"2.0", b"1", b"200", b"OK", b"", b""]),
            ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION
        );
        assert_eq!(
            c(&[b"", b"1.0", b"2", b"200", b"OK", b"", b""]),
            ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID
        );
        assert_eq!(
            c(&[b"", b"1.0", b"1", b"201", b"OK", b"", b""]),
            ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
        );
        assert_eq!(
            c(&[b"", b"1.0", b"1", b"200", b"OK", b"", b"\x05Hel"]),
            ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA
        );
        let mut last_more = reply(&[b"", b"1.0", b"1", b"200", b"OK", b"", b""]);
        last_more[6].1 = true;
        assert!(parse_reply(&last_more).is_err());
    }

    #[test]
    fn error_reasons() {
        assert_eq!(error_command(ERROR, 400), b"\x05ERROR\x03400");
        assert_eq!(status_in_error_reason(b"500"), Some(500));
        assert_eq!(status_in_error_reason(b"200"), None);
        assert_eq!(status_in_error_reason(b"Bad"), None);
    }
}
