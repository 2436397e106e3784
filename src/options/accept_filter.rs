//! ZMQ_TCP_ACCEPT_FILTER entries: parsed "address[/bits]" and the match.

use crate::error::{Errno, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One ZMQ_TCP_ACCEPT_FILTER entry: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    /// An IPv4 address, or IPv6 (an IPv4 filter set while ZMQ_IPV6 is on is
    /// stored IPv4-mapped, as libzmq's resolver returns it).
    pub addr: IpAddr,
    /// Leading bits that must match (0 matches every address of the family).
    pub mask: u8,
}

impl TcpAcceptFilter {
    /// Parses "address[/bits]" as libzmq's `tcp_address_mask_t::resolve`:
    /// numeric addresses only, IPv6 ones (optionally in brackets) only when
    /// `ipv6` is on; no "/bits" means the full length; bits must be "0" or
    /// 1..=32 (IPv4) / 1..=128 (IPv6).
    pub fn parse(text: &str, ipv6: bool) -> Result<TcpAcceptFilter> {
        let (addr_text, mask_text) = match text.rfind('/') {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let addr_text = match addr_text
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
        {
            Some(inner) if addr_text.len() >= 4 => inner,
            _ => addr_text,
        };
        let addr = if let Ok(v4) = addr_text.parse::<Ipv4Addr>() {
            if ipv6 {
                IpAddr::V6(v4.to_ipv6_mapped())
            } else {
                IpAddr::V4(v4)
            }
        } else {
            match addr_text.parse::<Ipv6Addr>() {
                Ok(v6) if ipv6 => IpAddr::V6(v6),
                _ => return Err(Errno::EINVAL),
            }
        };
        let full: i64 = if addr.is_ipv6() { 128 } else { 32 };
        let mask = match mask_text {
            None => full,
            Some("") => return Err(Errno::EINVAL),
            Some("0") => 0,
            Some(m) => {
                let bits = strtol(m);
                if !(1..=full).contains(&bits) {
                    return Err(Errno::EINVAL);
                }
                bits
            }
        };
        Ok(TcpAcceptFilter {
            addr,
            mask: mask as u8,
        })
    }

    /// The peer address is of the same family and shares the first `mask`
    /// bits. (On an IPv6 listener IPv4 peers appear IPv4-mapped.)
    pub fn matches(&self, peer: IpAddr) -> bool {
        match (self.addr, peer) {
            (IpAddr::V4(a), IpAddr::V4(p)) => prefix_eq(&a.octets(), &p.octets(), self.mask),
            (IpAddr::V6(a), IpAddr::V6(p)) => prefix_eq(&a.octets(), &p.octets(), self.mask),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8).min(a.len());
    let rest = bits % 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    if rest == 0 || whole >= a.len() {
        return true;
    }
    let keep = 0xFFu8 << (8 - rest);
    (a[whole] ^ b[whole]) & keep == 0
}

/// C's `strtol(s, NULL, 10)`: leading white space, a sign, digits; stops at
/// the first other character; 0 if there are no digits; saturates.
fn strtol(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\x0B', '\x0C', '\r']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    for d in digits.bytes().take_while(u8::is_ascii_digit) {
        value = value.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if negative {
        -value
    } else {
        value
    }
}
