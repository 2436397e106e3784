//! What every mechanism shares: the property (metadata) list of READY and
//! INITIATE (`mechanism_t::add_basic_properties` / `parse_metadata`) and
//! libzmq's socket-type table (names, and which types may talk).

use super::Properties;
use crate::zmtp::error::Error;
use crate::zmtp::Config;

/// Socket type names as sent in `Socket-Type` (`mechanism_t::socket_type_string`).
const NAMES: [&str; 21] = [
    "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB",
    "STREAM", "SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "DGRAM", "PEER", "CHANNEL",
];

/// The ZMTP name of a socket type ("PAIR" … "CHANNEL"); "" for unknown numbers.
pub fn socket_type_name(t: i32) -> &'static str {
    usize::try_from(t)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("")
}

/// The socket type number of a ZMTP name (exact, case-sensitive).
pub fn socket_type_from_name(name: &[u8]) -> Option<i32> {
    NAMES
        .iter()
        .position(|n| n.as_bytes() == name)
        .map(|i| i as i32)
}

/// libzmq's `check_socket_type`: may a socket of type `ours` talk to a peer of
/// type `theirs`?
pub fn peer_type_ok(ours: i32, theirs: i32) -> bool {
    use crate::zmtp::socket_types::*;
    let ok: &[i32] = match ours {
        REQ => &[REP, ROUTER],
        REP => &[REQ, DEALER],
        DEALER => &[REP, DEALER, ROUTER],
        ROUTER => &[REQ, DEALER, ROUTER],
        PUSH => &[PULL],
        PULL => &[PUSH],
        PUB | XPUB => &[SUB, XSUB],
        SUB | XSUB => &[PUB, XPUB],
        PAIR => &[PAIR],
        SERVER => &[CLIENT],
        CLIENT => &[SERVER],
        RADIO => &[DISH],
        DISH => &[RADIO],
        GATHER => &[SCATTER],
        SCATTER => &[GATHER],
        PEER => &[PEER],
        CHANNEL => &[CHANNEL],
        _ => &[],
    };
    ok.contains(&theirs)
}

fn add_property(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    // Callers pass names of at most 255 bytes and values below 4 GiB.
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

/// Appends the properties every mechanism sends in READY/INITIATE
/// (`mechanism_t::add_basic_properties`, Z4): `Socket-Type`; `Identity` for
/// REQ, DEALER and ROUTER (even when empty); then ZMQ_METADATA sorted by name.
/// As with libzmq's std::map, the first value given for a name wins, and a
/// value is cut at its first NUL (it is a C string there).
pub fn add_basic_properties(cfg: &Config, out: &mut Vec<u8>) {
    use crate::zmtp::socket_types::{DEALER, REQ, ROUTER};
    add_property(
        out,
        b"Socket-Type",
        socket_type_name(cfg.socket_type).as_bytes(),
    );
    if matches!(cfg.socket_type, REQ | DEALER | ROUTER) {
        let id = &cfg.routing_id[..cfg.routing_id.len().min(255)];
        add_property(out, b"Identity", id);
    }
    let mut user: Vec<&(String, Vec<u8>)> = cfg
        .metadata
        .iter()
        .filter(|(k, v)| k.len() <= 255 && v.len() < u32::MAX as usize)
        .collect();
    // Stable sort keeps the first of equal names in front; dedup keeps it.
    user.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    user.dedup_by(|b, a| a.0 == b.0);
    for (k, v) in user {
        let end = v.iter().position(|&c| c == 0).unwrap_or(v.len());
        add_property(out, k.as_bytes(), &v[..end]);
    }
}

/// Parses a property list (`mechanism_t::parse_metadata`), strictly: any
/// truncated property or trailing byte gives `Protocol(malformed_code)`. A
/// `Socket-Type` that `ours` may not talk to gives `WrongSocketType` (Z5).
///
/// libzmq accepts a list that ends right after a name or a value length; we
/// do not (STYLE: never trust the peer).
pub fn parse_properties(ours: i32, data: &[u8], malformed_code: u32) -> Result<Properties, Error> {
    parse_list(data, Error::Protocol(malformed_code), |name, value| {
        if name == b"Socket-Type"
            && !socket_type_from_name(value).is_some_and(|t| peer_type_ok(ours, t))
        {
            return Err(Error::WrongSocketType);
        }
        Ok(())
    })
}

/// The property list alone (a ZAP reply's metadata frame): None if a
/// property is truncated or a byte trails.
pub fn parse_metadata_list(data: &[u8]) -> Option<Properties> {
    parse_list(data, Error::Protocol(0), |_, _| Ok(())).ok()
}

/// Names in the order received, the first value of a repeated name kept;
/// `check` sees each property as it is read (its error comes first, as in
/// libzmq).
fn parse_list(
    mut data: &[u8],
    malformed: Error,
    mut check: impl FnMut(&[u8], &[u8]) -> Result<(), Error>,
) -> Result<Properties, Error> {
    let mut props: Properties = Vec::new();
    while let Some((&name_len, rest)) = data.split_first() {
        let name_len = usize::from(name_len);
        if rest.len() < name_len + 4 {
            return Err(malformed);
        }
        let (name, rest) = rest.split_at(name_len);
        let (vlen, rest) = rest.split_at(4);
        let vlen = u32::from_be_bytes([vlen[0], vlen[1], vlen[2], vlen[3]]) as usize;
        if rest.len() < vlen {
            return Err(malformed);
        }
        let (value, rest) = rest.split_at(vlen);
        data = rest;
        check(name, value)?;
        let name = String::from_utf8_lossy(name).into_owned();
        if !props.iter().any(|p| p.0 == name) {
            props.push((name, value.to_vec()));
        }
    }
    Ok(props)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::socket_types::*;

    #[test]
    fn names_and_table() {
        assert_eq!(socket_type_name(DEALER), "DEALER");
        assert_eq!(socket_type_name(CHANNEL), "CHANNEL");
        assert_eq!(socket_type_name(-1), "");
        assert_eq!(socket_type_name(21), "");
        assert_eq!(socket_type_from_name(b"XSUB"), Some(XSUB));
        assert_eq!(socket_type_from_name(b"xsub"), None);
        assert!(peer_type_ok(REQ, ROUTER) && !peer_type_ok(REQ, REQ));
        assert!(peer_type_ok(REP, DEALER) && !peer_type_ok(REP, ROUTER));
        assert!(peer_type_ok(XPUB, SUB) && peer_type_ok(SUB, XPUB));
        assert!(!peer_type_ok(DGRAM, DGRAM) && !peer_type_ok(STREAM, STREAM));
        for t in 0..=20 {
            for u in 0..=20 {
                // The table is symmetric.
                assert_eq!(peer_type_ok(t, u), peer_type_ok(u, t), "{t} {u}");
            }
        }
    }

    #[test]
    fn parse_strict() {
        let cfg = Config {
            socket_type: DEALER,
            ..Config::default()
        };
        let mut p = Vec::new();
        add_basic_properties(&cfg, &mut p);
        let props = parse_properties(ROUTER, &p, 1).unwrap();
        assert_eq!(props[0], ("Socket-Type".to_string(), b"DEALER".to_vec()));
        assert_eq!(props[1], ("Identity".to_string(), vec![]));
        // 22 = end of the Socket-Type property: a valid shorter list.
        for cut in (1..p.len()).filter(|&c| c != 22) {
            assert_eq!(
                parse_properties(ROUTER, &p[..cut], 7),
                Err(Error::Protocol(7)),
                "cut {cut}"
            );
        }
        p.push(0);
        assert_eq!(parse_properties(ROUTER, &p, 7), Err(Error::Protocol(7)));
        assert_eq!(parse_properties(PUSH, &p, 7), Err(Error::WrongSocketType));
    }
}
