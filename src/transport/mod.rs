//! Endpoints and the OS side of the transports.
//!
//! Everything here is synchronous and works on non-blocking descriptors: a
//! call either finishes now or reports `EAGAIN`/`EINPROGRESS`, and the I/O
//! thread's reactor does the waiting. Nothing here spawns threads or blocks,
//! except name resolution ([`tcp::resolve_connect`]), which, as in libzmq, is
//! done synchronously on the I/O thread at each connect attempt (BEHAVIOUR R5).
//!
//! - [`parse`] splits `proto://address` (X1 errnos).
//! - [`tcp`]: address syntax and resolution (N1, R5), listen/accept/connect,
//!   socket tuning, Peer-Address (M4).
//! - [`ipc`]: Unix-domain listen/accept/connect, `*` wildcard and `@abstract`
//!   names (N4, N5).
//! - [`socks`]: the SOCKS5 client handshake (sans-IO) for ZMQ_SOCKS_PROXY.
//! - inproc has no OS side; [`Endpoint::Inproc`] carries its name.
//! - [`sys`]: the engine's read/write/writev and socket calls (over
//!   [`crate::sys`]'s `syscall!`).

pub mod ipc;
pub mod socks;
pub mod sys;
pub mod tcp;

use crate::error::{Errno, Result};

/// A parsed endpoint: the protocol, and the part after `://` exactly as given.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Tcp(String),
    Ipc(String),
    Inproc(String),
    /// Reserved: [`parse`] does not produce it until the udp transport exists.
    Udp(String),
    /// Reserved: [`parse`] does not produce it until the ws transport exists.
    Ws(String),
    /// Reserved: [`parse`] does not produce it until the wss transport exists.
    Wss(String),
}

impl Endpoint {
    /// The protocol name (`"tcp"`, `"ipc"`, …).
    pub fn protocol(&self) -> &'static str {
        match self {
            Endpoint::Tcp(_) => "tcp",
            Endpoint::Ipc(_) => "ipc",
            Endpoint::Inproc(_) => "inproc",
            Endpoint::Udp(_) => "udp",
            Endpoint::Ws(_) => "ws",
            Endpoint::Wss(_) => "wss",
        }
    }

    /// The address part (after `://`).
    pub fn address(&self) -> &str {
        match self {
            Endpoint::Tcp(a)
            | Endpoint::Ipc(a)
            | Endpoint::Inproc(a)
            | Endpoint::Udp(a)
            | Endpoint::Ws(a)
            | Endpoint::Wss(a) => a,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.protocol(), self.address())
    }
}

/// Protocols libzmq 4.3.5 knows but this library does not build (yet).
const KNOWN_UNBUILT: &[&str] = &[
    "pgm", "epgm", "norm", "tipc", "vmci", "vsock", "udp", "ws", "wss",
];

/// True for a protocol libzmq knows but we do not build (`udp`, `ws`, `pgm`, …).
/// The socket layer uses it to choose between ENOCOMPATPROTO (udp on a
/// socket other than RADIO/DISH/DGRAM, pgm/epgm on one other than
/// PUB/SUB/XPUB/XSUB, as libzmq's `check_protocol` does) and EPROTONOSUPPORT.
pub fn is_known_unbuilt(proto: &str) -> bool {
    KNOWN_UNBUILT.contains(&proto)
}

/// Splits `proto://address` without judging the protocol. No `://`, or an
/// empty protocol or address, gives EINVAL (libzmq's `parse_uri`).
pub fn split(uri: &str) -> Result<(&str, &str)> {
    let (proto, addr) = uri.split_once("://").ok_or(Errno::EINVAL)?;
    if proto.is_empty() || addr.is_empty() {
        return Err(Errno::EINVAL);
    }
    Ok((proto, addr))
}

/// Parses `proto://address`. Syntax errors give EINVAL (see [`split`]); an
/// unknown protocol, or a known one we do not build ([`is_known_unbuilt`]),
/// gives EPROTONOSUPPORT. Protocol names are case-sensitive, as in libzmq.
/// The address is not checked here: see [`tcp::parse_connect`],
/// [`tcp::resolve_bind`] and [`ipc::listen`].
pub fn parse(uri: &str) -> Result<Endpoint> {
    let (proto, addr) = split(uri)?;
    let addr = addr.to_owned();
    match proto {
        "tcp" => Ok(Endpoint::Tcp(addr)),
        "ipc" => Ok(Endpoint::Ipc(addr)),
        "inproc" => Ok(Endpoint::Inproc(addr)),
        _ => Err(Errno::EPROTONOSUPPORT),
    }
}

/// OS-level socket options, with `zmq_setsockopt`'s meaning and defaults:
/// `-1` (or `0` for `tos`, `maxrt` and `priority`) leaves the OS default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockOpts {
    /// ZMQ_SNDBUF (SO_SNDBUF), -1 = OS default.
    pub sndbuf: i32,
    /// ZMQ_RCVBUF (SO_RCVBUF), -1 = OS default.
    pub rcvbuf: i32,
    /// ZMQ_TOS (IP_TOS, and IPV6_TCLASS on IPv6 sockets), 0 = OS default.
    pub tos: i32,
    /// ZMQ_TCP_KEEPALIVE (SO_KEEPALIVE): -1 OS default, 0 off, 1 on.
    pub keepalive: i32,
    /// ZMQ_TCP_KEEPALIVE_CNT (TCP_KEEPCNT), -1 = OS default; used when keepalive is 1.
    pub keepalive_cnt: i32,
    /// ZMQ_TCP_KEEPALIVE_IDLE (TCP_KEEPIDLE, seconds), -1 = OS default.
    pub keepalive_idle: i32,
    /// ZMQ_TCP_KEEPALIVE_INTVL (TCP_KEEPINTVL, seconds), -1 = OS default.
    pub keepalive_intvl: i32,
    /// ZMQ_TCP_MAXRT (TCP_USER_TIMEOUT, ms), 0 = OS default.
    pub maxrt: i32,
    /// ZMQ_BACKLOG, the `listen(2)` backlog (tcp and ipc).
    pub backlog: i32,
    /// ZMQ_IPV6.
    pub ipv6: bool,
    /// ZMQ_BINDTODEVICE (SO_BINDTODEVICE), None = not set.
    pub bindtodevice: Option<String>,
    /// ZMQ_PRIORITY (SO_PRIORITY), 0 = OS default.
    pub priority: i32,
    /// ZMQ_BUSY_POLL (SO_BUSY_POLL, µs) on tcp connections, 0 = OS default.
    pub busy_poll: i32,
}

impl Default for SockOpts {
    fn default() -> Self {
        SockOpts {
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            keepalive: -1,
            keepalive_cnt: -1,
            keepalive_idle: -1,
            keepalive_intvl: -1,
            maxrt: 0,
            backlog: 100,
            ipv6: false,
            bindtodevice: None,
            priority: 0,
            busy_poll: 0,
        }
    }
}

/// The keys to look up, in order, when `zmq_unbind`/`zmq_disconnect` is given
/// `given` (a full URI) and the socket keeps its endpoints keyed by string:
/// bound endpoints under the resolved LAST_ENDPOINT, connected ones under the
/// string as given (N2, N3).
///
/// The first key is always `given` itself. For tcp, libzmq's
/// `resolve_tcp_addr` then resolves the address as a *connect* address and,
/// if that succeeds, also as a *bind* address, and tries each resolved string
/// (e.g. `tcp://localhost:5555` → `tcp://127.0.0.1:5555`); as in libzmq the
/// bind-style attempt is made only when the connect-style one succeeded, so
/// `tcp://*:*` or `tcp://lo:5555` match only themselves. Connect-style
/// resolution may query DNS. Duplicates are removed. A URI that does not
/// parse yields just `[given]`.
pub fn unbind_candidates(given: &str, ipv6: bool) -> Vec<String> {
    let mut out = vec![given.to_owned()];
    if let Ok(Endpoint::Tcp(addr)) = parse(given) {
        if let Ok(a) = tcp::parse_connect(&addr) {
            if let Ok((_, dst)) = tcp::resolve_connect(&a, ipv6) {
                push_unique(&mut out, tcp::endpoint_string(&dst));
                if let Ok(b) = tcp::resolve_bind(tcp_dst_part(&addr), ipv6) {
                    push_unique(&mut out, tcp::endpoint_string(&b));
                }
            }
        }
    }
    out
}

/// True when `given` names the endpoint stored as `bound` (see
/// [`unbind_candidates`] for the rules).
pub fn same_endpoint(bound: &str, given: &str, ipv6: bool) -> bool {
    bound == given || unbind_candidates(given, ipv6).iter().any(|c| c == bound)
}

fn tcp_dst_part(addr: &str) -> &str {
    addr.rsplit_once(';').map_or(addr, |(_, d)| d)
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ok() {
        assert_eq!(
            parse("tcp://127.0.0.1:5555"),
            Ok(Endpoint::Tcp("127.0.0.1:5555".into()))
        );
        assert_eq!(parse("ipc:///tmp/x"), Ok(Endpoint::Ipc("/tmp/x".into())));
        assert_eq!(parse("ipc://@abc"), Ok(Endpoint::Ipc("@abc".into())));
        assert_eq!(
            parse("inproc://a://b"),
            Ok(Endpoint::Inproc("a://b".into()))
        );
        assert_eq!(parse("inproc://#1").unwrap().to_string(), "inproc://#1");
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "",
            "tcp",
            "tcp:/x",
            "://x",
            "tcp://",
            "://",
            "127.0.0.1:5555",
        ] {
            assert_eq!(parse(bad), Err(Errno::EINVAL), "{bad:?}");
        }
        for unknown in [
            "foo://x",
            "TCP://1.2.3.4:5",
            "tcp ://x",
            "udp://x:1",
            "ws://x:1",
            "pgm://x",
        ] {
            assert_eq!(parse(unknown), Err(Errno::EPROTONOSUPPORT), "{unknown:?}");
        }
        assert!(is_known_unbuilt("udp"));
        assert!(is_known_unbuilt("epgm"));
        assert!(!is_known_unbuilt("tcp"));
        assert!(!is_known_unbuilt("foo"));
        assert_eq!(split("udp://x:1"), Ok(("udp", "x:1")));
    }

    #[test]
    fn default_opts() {
        let o = SockOpts::default();
        assert_eq!(
            (o.backlog, o.sndbuf, o.tos, o.maxrt, o.ipv6),
            (100, -1, 0, 0, false)
        );
    }

    #[test]
    fn unbind_matching() {
        assert!(same_endpoint(
            "tcp://127.0.0.1:5555",
            "tcp://127.0.0.1:5555",
            false
        ));
        assert!(same_endpoint(
            "tcp://127.0.0.1:5555",
            "tcp://localhost:5555",
            false
        ));
        assert!(same_endpoint(
            "tcp://0.0.0.0:5555",
            "tcp://0.0.0.0:5555",
            false
        ));
        assert!(!same_endpoint("tcp://0.0.0.0:5555", "tcp://*:*", false));
        assert!(!same_endpoint(
            "tcp://127.0.0.1:5555",
            "tcp://127.0.0.1:5556",
            false
        ));
        assert!(same_endpoint("ipc:///tmp/a", "ipc:///tmp/a", false));
        assert!(!same_endpoint("ipc:///tmp/a", "ipc:///tmp/b", false));
        assert_eq!(
            unbind_candidates("nonsense", false),
            vec!["nonsense".to_string()]
        );
        let c = unbind_candidates("tcp://localhost:5555", false);
        assert_eq!(
            c,
            vec![
                "tcp://localhost:5555".to_string(),
                "tcp://127.0.0.1:5555".into()
            ]
        );
    }
}
