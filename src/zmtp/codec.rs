//! Frame headers: ZMTP 1.0 (RFC 13) and ZMTP 2.0/3.x (RFC 15, 23, 37).
//!
//! Pure functions over byte slices. The decoder never looks past the bytes it
//! is given and checks the announced size against `ZMQ_MAXMSGSIZE` before the
//! caller allocates anything.

use super::{Error, PROTOCOL_ERROR_ZMTP_UNSPECIFIED};

/// ZMTP 2.0/3.x flag bits (`v2_protocol.hpp`).
pub(crate) const FLAG_MORE: u8 = 0x01;
pub(crate) const FLAG_LONG: u8 = 0x02;
pub(crate) const FLAG_COMMAND: u8 = 0x04;

/// Which framing the connection uses, in both directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// RFC 13: length (counting the flags byte), flags, body.
    V1,
    /// RFC 15/23/37: flags, 1- or 8-byte size, body.
    V2,
    /// No framing at all (ZMQ_STREAM, ZMQ_ROUTER_RAW): whatever bytes have
    /// arrived are one message; a message's body goes out as it is.
    Raw,
}

/// A decoded frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// Bytes taken by the header itself.
    pub len: usize,
    /// Body size, already checked against maxmsgsize and `isize::MAX`.
    pub size: usize,
    pub more: bool,
    pub command: bool,
}

/// Sizes above this are also checked against the machine's memory.
const HUGE_FRAME: u64 = 1 << 32;

/// Checks a peer-announced body size (Z6: MAXMSGSIZE applies to every frame).
/// A size no allocation could hold (more than RAM + swap, e.g. 2^62) is
/// refused at once too: libzmq fails to allocate it and drops the peer,
/// where we, never allocating by the announced size, would wait for ever.
fn check_size(size: u64, maxmsgsize: i64) -> Result<usize, Error> {
    if maxmsgsize >= 0 && size > maxmsgsize as u64 {
        return Err(Error::MsgSize);
    }
    if size > HUGE_FRAME && size > crate::sys::memory_size() {
        return Err(Error::MsgSize);
    }
    match usize::try_from(size) {
        Ok(s) if s <= isize::MAX as usize => Ok(s),
        _ => Err(Error::MsgSize),
    }
}

fn be64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_be_bytes(a)
}

/// Decodes one header from the start of `buf`. `Ok(None)`: need more bytes.
/// Inlined into the per-frame loop (with 4 codegen units it may otherwise
/// land in another one and cost a call per frame).
#[inline]
pub(crate) fn decode_header(
    framing: Framing,
    buf: &[u8],
    maxmsgsize: i64,
) -> Result<Option<Header>, Error> {
    match framing {
        Framing::V2 => {
            let Some(&f) = buf.first() else {
                return Ok(None);
            };
            let (len, size) = if f & FLAG_LONG != 0 {
                if buf.len() < 9 {
                    return Ok(None);
                }
                (9, be64(&buf[1..9]))
            } else {
                if buf.len() < 2 {
                    return Ok(None);
                }
                (2, u64::from(buf[1]))
            };
            // Reserved bits are ignored (Z6).
            let size = check_size(size, maxmsgsize)?;
            Ok(Some(Header {
                len,
                size,
                more: f & FLAG_MORE != 0,
                command: f & FLAG_COMMAND != 0,
            }))
        }
        // Everything received so far is one frame; nothing is announced, so
        // there is nothing to check against MAXMSGSIZE (libzmq's raw decoder).
        Framing::Raw if buf.is_empty() => Ok(None),
        Framing::Raw => Ok(Some(Header {
            len: 0,
            size: buf.len(),
            more: false,
            command: false,
        })),
        Framing::V1 => {
            let Some(&l) = buf.first() else {
                return Ok(None);
            };
            let (len, total) = if l == 0xFF {
                if buf.len() < 9 {
                    return Ok(None);
                }
                (10, be64(&buf[1..9]))
            } else {
                (2, u64::from(l))
            };
            // The length counts the flags byte, so it is at least 1.
            if total == 0 {
                return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED));
            }
            let size = check_size(total - 1, maxmsgsize)?;
            if buf.len() < len {
                return Ok(None);
            }
            Ok(Some(Header {
                len,
                size,
                more: buf[len - 1] & FLAG_MORE != 0,
                command: false,
            }))
        }
    }
}

/// Appends a ZMTP 2.0/3.x header: short form up to 255 bytes, else long.
pub(crate) fn put_header_v2(out: &mut Vec<u8>, more: bool, command: bool, size: usize) {
    let mut f = 0u8;
    if more {
        f |= FLAG_MORE;
    }
    if command {
        f |= FLAG_COMMAND;
    }
    if size > 255 {
        out.push(f | FLAG_LONG);
        out.extend_from_slice(&(size as u64).to_be_bytes());
    } else {
        out.push(f);
        out.push(size as u8);
    }
}

/// Appends a ZMTP 1.0 header (`v1_encoder.cpp`): the length counts the flags
/// byte; below 255 it takes one byte, else 0xFF and 8 bytes.
pub(crate) fn put_header_v1(out: &mut Vec<u8>, more: bool, size: usize) {
    let total = size as u64 + 1;
    if total < 255 {
        out.push(total as u8);
    } else {
        out.push(0xFF);
        out.extend_from_slice(&total.to_be_bytes());
    }
    out.push(if more { FLAG_MORE } else { 0 });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_headers() {
        assert_eq!(decode_header(Framing::V2, &[], -1), Ok(None));
        assert_eq!(decode_header(Framing::V2, &[1], -1), Ok(None));
        let h = decode_header(Framing::V2, &[0xF5, 3], -1).unwrap().unwrap();
        assert_eq!(
            h,
            Header {
                len: 2,
                size: 3,
                more: true,
                command: true
            }
        );
        let mut long = vec![2u8];
        long.extend_from_slice(&5u64.to_be_bytes());
        let h = decode_header(Framing::V2, &long, -1).unwrap().unwrap();
        assert_eq!((h.len, h.size), (9, 5));
        assert_eq!(decode_header(Framing::V2, &long, 4), Err(Error::MsgSize));
        let mut huge = vec![2u8];
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(decode_header(Framing::V2, &huge, -1), Err(Error::MsgSize));
    }

    #[test]
    fn v1_headers() {
        assert!(decode_header(Framing::V1, &[0], -1).is_err());
        assert_eq!(decode_header(Framing::V1, &[3], -1), Ok(None));
        let h = decode_header(Framing::V1, &[3, 1], -1).unwrap().unwrap();
        assert_eq!(
            h,
            Header {
                len: 2,
                size: 2,
                more: true,
                command: false
            }
        );
        let mut out = Vec::new();
        put_header_v1(&mut out, false, 300);
        let h = decode_header(Framing::V1, &out, -1).unwrap().unwrap();
        assert_eq!((h.len, h.size, h.more), (10, 300, false));
    }

    #[test]
    fn raw_takes_what_is_there() {
        assert_eq!(decode_header(Framing::Raw, &[], 0), Ok(None));
        let h = decode_header(Framing::Raw, b"GET /", 1).unwrap().unwrap();
        assert_eq!((h.len, h.size, h.more, h.command), (0, 5, false, false));
    }

    #[test]
    fn v2_roundtrip_sizes() {
        for size in [0usize, 1, 255, 256, 70000] {
            let mut out = Vec::new();
            put_header_v2(&mut out, true, false, size);
            let h = decode_header(Framing::V2, &out, -1).unwrap().unwrap();
            assert_eq!((h.len, h.size, h.more), (out.len(), size, true));
        }
    }
}
