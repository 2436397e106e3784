//! `tcp://`: address syntax and resolution, listen/accept/connect, tuning.
//!
//! Address rules follow libzmq 4.3.5 (`ip_resolver.cpp`, `tcp_address.cpp`,
//! `socket_base.cpp`), see BEHAVIOUR R5, N1, N3, X1:
//!
//! - **connect** `[source;]host:port`: only the syntax is checked at
//!   `zmq_connect` ([`parse_connect`]); the host is resolved with
//!   `getaddrinfo` on every attempt ([`resolve_connect`]). `host` may be a DNS
//!   name, an IPv4 address or a bracketed IPv6 address with an optional
//!   `%zone`. A port of `*` is EINVAL; `0` is allowed.
//! - **bind** `interface:port` ([`resolve_bind`]): `*`, a numeric address
//!   (no DNS) or an interface name (`lo`); port `*` or `0` picks an ephemeral
//!   port. Unknown names give ENODEV (X1); a port above 65535 gives EINVAL,
//!   as libzmq 4.3.4 does for 65536 (it truncates the number to 16 bits and
//!   refuses the 0 it gets; we refuse every port that does not fit rather
//!   than bind another one).
//! - With ZMQ_IPV6 resolution asks for IPv6 with `AI_V4MAPPED`, so an IPv4
//!   address becomes `::ffff:a.b.c.d` on a dual-stack socket, as in libzmq;
//!   without it only IPv4 results are used.

use std::ffi::{CStr, CString};
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::sys;
use super::SockOpts;
use crate::error::{Errno, Result};
use crate::sys::syscall;

/// A syntactically valid connect address, not yet resolved (see [`parse_connect`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectAddr {
    /// The source part before `;`, as given (`interface:port`, bind rules).
    pub source: Option<String>,
    /// The peer host as given: DNS name, IPv4, or `[IPv6]`, maybe with `%zone`.
    pub host: String,
    /// The peer port (0 is accepted, as libzmq does).
    pub port: u16,
}

/// Checks `zmq_connect`'s tcp syntax (R5) without resolving anything.
///
/// Like libzmq, the whole string may only hold alphanumerics and
/// `.-:%;[]_*`, starting with an alphanumeric, `[` or `:`, and must end in
/// `:<digits>`. We are slightly stricter than libzmq, which would accept and
/// then retry forever: the port must be all digits and at most 65535, the
/// host must not be empty, and a source part must look like `host:port` with
/// port `*` or digits. Anything else is EINVAL.
pub fn parse_connect(addr: &str) -> Result<ConnectAddr> {
    let b = addr.as_bytes();
    let first_ok = |c: u8| c.is_ascii_alphanumeric() || c == b'[' || c == b':';
    let rest_ok = |c: u8| c.is_ascii_alphanumeric() || b".-:%;[]_*".contains(&c);
    match b.split_first() {
        Some((&c, rest)) if first_ok(c) && rest.iter().all(|&c| rest_ok(c)) => {}
        _ => return Err(Errno::EINVAL),
    }
    let (source, dst) = match addr.rsplit_once(';') {
        Some((s, d)) => (Some(s), d),
        None => (None, addr),
    };
    let (host, port) = dst.rsplit_once(':').ok_or(Errno::EINVAL)?;
    let port = parse_port_digits(port).ok_or(Errno::EINVAL)?;
    if host.is_empty() {
        return Err(Errno::EINVAL);
    }
    if let Some(s) = source {
        let (sh, sp) = s.rsplit_once(':').ok_or(Errno::EINVAL)?;
        if sh.is_empty() || (sp != "*" && parse_port_digits(sp).is_none()) {
            return Err(Errno::EINVAL);
        }
    }
    Ok(ConnectAddr {
        source: source.map(str::to_owned),
        host: host.to_owned(),
        port,
    })
}

/// All-digit port up to 65535.
fn parse_port_digits(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Resolves a connect address: the optional source with bind rules
/// ([`resolve_bind`]), the peer with `getaddrinfo` (DNS allowed). With
/// `ipv6` false only IPv4 results are used; with it, IPv6 is asked for with
/// `AI_V4MAPPED` (libzmq's choice). Unresolvable → EINVAL (ENOMEM if
/// getaddrinfo ran out of memory); the caller retries on its reconnect timer.
pub fn resolve_connect(a: &ConnectAddr, ipv6: bool) -> Result<(Option<SocketAddr>, SocketAddr)> {
    let source = match &a.source {
        Some(s) => Some(resolve_bind(s, ipv6)?),
        None => None,
    };
    let dst = resolve_host(&a.host, a.port, false, ipv6)?;
    Ok((source, dst))
}

/// Resolves a bind address `interface:port` (N1, X1): interface `*` (any:
/// `0.0.0.0`, or `::` dual-stack with `ipv6`), an interface name (its first
/// address of the wanted family), or a numeric address (no DNS); port `*`
/// or `0` = ephemeral. No `:`, a non-numeric port or one above 65535 →
/// EINVAL; an unknown interface or a name → ENODEV.
pub fn resolve_bind(addr: &str, ipv6: bool) -> Result<SocketAddr> {
    let (host, port) = addr.rsplit_once(':').ok_or(Errno::EINVAL)?;
    let port = if port == "*" {
        0
    } else if !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()) {
        match port.parse::<u32>() {
            Ok(p) if p <= 65535 => p as u16,
            _ => return Err(Errno::EINVAL),
        }
    } else {
        return Err(Errno::EINVAL);
    };
    resolve_host(host, port, true, ipv6)
}

/// libzmq's `ip_resolver_t::resolve` after the port was split off.
fn resolve_host(host: &str, port: u16, bindable: bool, ipv6: bool) -> Result<SocketAddr> {
    let mut host = host;
    if host.len() >= 2 && host.starts_with('[') && host.ends_with(']') {
        host = &host[1..host.len() - 1];
    }
    let mut zone = 0u32;
    if let Some((h, z)) = host.rsplit_once('%') {
        zone = zone_id(z).ok_or(Errno::EINVAL)?;
        host = h;
    }
    let mut found = None;
    if bindable && host == "*" {
        found = Some(if ipv6 {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0)
        } else {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
        });
    }
    if found.is_none() && bindable {
        found = nic_address(host, ipv6);
    }
    let mut a = match found {
        Some(a) => a,
        None => getaddrinfo_first(host, bindable, ipv6).map_err(|eai| {
            if eai == libc::EAI_MEMORY {
                Errno::ENOMEM
            } else if bindable {
                Errno::ENODEV
            } else {
                Errno::EINVAL
            }
        })?,
    };
    a.set_port(port);
    if let SocketAddr::V6(v6) = &mut a {
        v6.set_scope_id(zone);
    }
    Ok(a)
}

/// `%zone` → interface index: a name (starting with a letter) or a number;
/// empty, unknown or 0 → None.
fn zone_id(z: &str) -> Option<u32> {
    let first = *z.as_bytes().first()?;
    let id = if first.is_ascii_alphabetic() {
        let c = CString::new(z).ok()?;
        // SAFETY: `c` is a valid NUL-terminated string.
        unsafe { libc::if_nametoindex(c.as_ptr()) }
    } else {
        // atoi-like: leading digits.
        let digits: String = z.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap_or(0)
    };
    (id != 0).then_some(id)
}

/// The first address of interface `name` in the wanted family (getifaddrs).
fn nic_address(name: &str, ipv6: bool) -> Option<SocketAddr> {
    let want = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    let mut ifa: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `ifa` is a valid out-pointer; freed below with freeifaddrs.
    unsafe { syscall!(getifaddrs(&mut ifa)) }.ok()?;
    let mut found = None;
    let mut cur = ifa;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, not yet freed.
        let node = unsafe { &*cur };
        cur = node.ifa_next;
        if node.ifa_addr.is_null() || node.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_addr points at a sockaddr at least as long as its family needs.
        let family = unsafe { (*node.ifa_addr).sa_family } as libc::c_int;
        // SAFETY: ifa_name is a NUL-terminated interface name.
        let ifname = unsafe { CStr::from_ptr(node.ifa_name) };
        if family != want || ifname.to_bytes() != name.as_bytes() {
            continue;
        }
        let len = if ipv6 {
            mem::size_of::<libc::sockaddr_in6>()
        } else {
            mem::size_of::<libc::sockaddr_in>()
        };
        // SAFETY: the family says the sockaddr is a whole sockaddr_in / sockaddr_in6.
        if let Ok(a) = unsafe { sys::from_sockaddr(node.ifa_addr, len as libc::socklen_t) } {
            found = Some(a);
            break;
        }
    }
    // SAFETY: `ifa` came from getifaddrs and is freed once; no node is used after.
    unsafe { libc::freeifaddrs(ifa) };
    found
}

/// The first `getaddrinfo` result for `host` (port left 0), or the EAI code.
fn getaddrinfo_first(
    host: &str,
    bindable: bool,
    ipv6: bool,
) -> core::result::Result<SocketAddr, i32> {
    let node = CString::new(host).map_err(|_| libc::EAI_NONAME)?;
    // SAFETY: addrinfo is plain data; all-zero is a valid empty hints struct.
    let mut hints: libc::addrinfo = unsafe { mem::zeroed() };
    hints.ai_family = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    hints.ai_socktype = libc::SOCK_STREAM;
    if bindable {
        hints.ai_flags |= libc::AI_PASSIVE | libc::AI_NUMERICHOST;
    }
    if ipv6 {
        hints.ai_flags |= libc::AI_V4MAPPED;
    }
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `node` is NUL-terminated, `hints` and `res` are live; `res` is
    // freed below with freeaddrinfo.
    let rc = unsafe { libc::getaddrinfo(node.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 {
        return Err(rc);
    }
    let mut out = Err(libc::EAI_NONAME);
    let mut cur = res;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getaddrinfo returned, not yet freed.
        let ai = unsafe { &*cur };
        cur = ai.ai_next;
        // SAFETY: ai_addr holds ai_addrlen bytes.
        if let Ok(a) = unsafe { sys::from_sockaddr(ai.ai_addr, ai.ai_addrlen) } {
            out = Ok(a);
            break;
        }
    }
    // SAFETY: `res` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    out
}

fn family_of(a: &SocketAddr) -> libc::c_int {
    match a {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

/// The IPv4 form of an IPv6 address we could fall back to when the kernel
/// has no IPv6 (`::` → `0.0.0.0`, `::ffff:a.b.c.d` → `a.b.c.d`).
fn v4_fallback(a: &SocketAddr) -> Option<SocketAddr> {
    match a {
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => Some(SocketAddr::V4(SocketAddrV4::new(
            Ipv4Addr::UNSPECIFIED,
            v6.port(),
        ))),
        SocketAddr::V6(v6) => v6
            .ip()
            .to_ipv4_mapped()
            .map(|ip| SocketAddr::V4(SocketAddrV4::new(ip, v6.port()))),
        SocketAddr::V4(_) => None,
    }
}

/// Opens a TCP socket for `addr`; on a kernel without IPv6 (EAFNOSUPPORT),
/// an IPv4-expressible address is downgraded as libzmq does. IPv6 sockets
/// are made dual-stack (IPV6_V6ONLY off).
fn open_socket(addr: SocketAddr) -> Result<(OwnedFd, SocketAddr)> {
    match sys::socket(family_of(&addr), libc::SOCK_STREAM) {
        Ok(fd) => {
            if addr.is_ipv6() {
                sys::setsockopt_int(fd.as_fd(), libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0)?;
            }
            Ok((fd, addr))
        }
        Err(Errno::EAFNOSUPPORT) => match v4_fallback(&addr) {
            Some(v4) => Ok((sys::socket(libc::AF_INET, libc::SOCK_STREAM)?, v4)),
            None => Err(Errno::EAFNOSUPPORT),
        },
        Err(e) => Err(e),
    }
}

fn bind_raw(fd: BorrowedFd<'_>, a: &SocketAddr) -> Result<()> {
    let (ss, len) = sys::to_sockaddr(a);
    // SAFETY: `ss` holds a sockaddr of `len` bytes.
    unsafe {
        syscall!(bind(
            fd.as_raw_fd(),
            (&ss as *const libc::sockaddr_storage).cast(),
            len
        ))
    }?;
    Ok(())
}

/// Creates a non-blocking, close-on-exec listener bound to `addr` with
/// SO_REUSEADDR and `listen(o.backlog)`, with the socket-level options of
/// `o` applied (buffers, TOS, priority, device; accepted sockets inherit
/// them). Returns the fd and the address actually bound (the real port
/// for an ephemeral one). A non-local address gives EADDRNOTAVAIL, a taken
/// port EADDRINUSE, a bad device ENODEV (or EPERM without CAP_NET_RAW).
pub fn listen(addr: SocketAddr, o: &SockOpts) -> Result<(OwnedFd, SocketAddr)> {
    listen_fd(addr, o).map_err(|(e, _)| e)
}

/// [`listen`], telling on failure the number of the socket that was opened
/// and closed again, if any (libzmq's monitor reports CLOSED for it before
/// BIND_FAILED).
pub fn listen_fd(
    addr: SocketAddr,
    o: &SockOpts,
) -> std::result::Result<(OwnedFd, SocketAddr), (Errno, Option<i32>)> {
    let (fd, addr) = open_socket(addr).map_err(|e| (e, None))?;
    let raw = fd.as_raw_fd();
    listen_opened(fd, addr, o).map_err(|e| (e, Some(raw)))
}

fn listen_opened(fd: OwnedFd, addr: SocketAddr, o: &SockOpts) -> Result<(OwnedFd, SocketAddr)> {
    tune_socket_level(fd.as_fd(), addr.is_ipv6(), o)?;
    sys::setsockopt_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    bind_raw(fd.as_fd(), &addr)?;
    // SAFETY: no pointer arguments.
    unsafe { syscall!(listen(fd.as_raw_fd(), o.backlog)) }?;
    let actual = sys::local_addr(fd.as_fd())?;
    Ok((fd, actual))
}

/// ZMQ_USE_FD: a tcp listener on the application's listening socket `raw`
/// (see [`sys::adopt_listener`]); the bind address is ignored, as in
/// libzmq. Returns the fd and its local address (LAST_ENDPOINT).
pub fn adopt(raw: i32) -> Result<(OwnedFd, SocketAddr)> {
    let fd = sys::adopt_listener(raw)?;
    let actual = sys::local_addr(fd.as_fd())?;
    Ok((fd, actual))
}

/// Formats an address as its numeric host, IPv6 with `%zone` when scoped
/// (what getnameinfo with NI_NUMERICHOST gives).
fn numeric_host(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => {
            if v6.scope_id() == 0 {
                v6.ip().to_string()
            } else {
                format!("{}%{}", v6.ip(), zone_name(v6.scope_id()))
            }
        }
    }
}

fn zone_name(id: u32) -> String {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has IF_NAMESIZE bytes, as if_indextoname requires.
    if unsafe { syscall!(ptr if_indextoname(id, buf.as_mut_ptr())) }.is_err() {
        return id.to_string();
    }
    // SAFETY: on success `buf` holds a NUL-terminated name.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// The resolved endpoint string (N1): `tcp://127.0.0.1:5555`,
/// `tcp://0.0.0.0:5555` for `*`, `tcp://[::1]:5555`.
pub fn endpoint_string(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V4(_) => format!("tcp://{}:{}", numeric_host(a), a.port()),
        SocketAddr::V6(_) => format!("tcp://[{}]:{}", numeric_host(a), a.port()),
    }
}

/// The Peer-Address property (M4): the numeric IP, without the port.
pub fn peer_address(a: &SocketAddr) -> String {
    numeric_host(a)
}

/// Accepts one pending connection, non-blocking and close-on-exec, and
/// tunes it (TOS, priority, TCP_NODELAY, keepalives, TCP_USER_TIMEOUT).
/// `Ok(None)`: nothing pending (EAGAIN or EINTR; wait for the next
/// readable event). `Err`: this accept failed (ECONNABORTED, EMFILE, a
/// tuning error, …); libzmq reports ZMQ_EVENT_ACCEPT_FAILED and keeps the
/// listener, and so should the caller.
pub fn accept(listener: BorrowedFd<'_>, o: &SockOpts) -> Result<Option<(OwnedFd, SocketAddr)>> {
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let sa = (&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: `sa`/`len` describe a live buffer of the size in `len`.
    let raw = match unsafe { syscall!(accept4(listener.as_raw_fd(), sa, &mut len, flags)) } {
        Ok(raw) => raw,
        Err(e) if e == Errno::EAGAIN || e.0 == libc::EWOULDBLOCK || e == Errno::EINTR => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    // SAFETY: `raw` was just returned by accept4 and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let len = len.min(mem::size_of_val(&ss) as libc::socklen_t);
    // SAFETY: the kernel wrote `len` bytes (at most the buffer size) into `ss`.
    let peer = unsafe { sys::from_sockaddr(sa, len) }?;
    tune_ip_priority(fd.as_fd(), peer.is_ipv6(), o)?;
    tune_tcp_level(fd.as_fd(), o)?;
    Ok(Some((fd, peer)))
}

/// Starts a non-blocking connect to `dst`, tuning the socket first and
/// binding `src` (with SO_REUSEADDR) when given. `Ok((fd, true))`: in
/// progress — wait for writable, then call [`finish_connect`].
/// `Ok((fd, false))`: connected at once. `Err`: failed now (ECONNREFUSED,
/// ENETUNREACH, EADDRINUSE for the source, …); schedule a reconnect.
pub fn connect(src: Option<SocketAddr>, dst: SocketAddr, o: &SockOpts) -> Result<(OwnedFd, bool)> {
    connect_fd(src, dst, o).map_err(|(e, _)| e)
}

/// [`connect`], telling on failure the number of the socket that was
/// opened and closed again because the connect failed at once, if any
/// (libzmq's monitor reports CLOSED for it).
pub fn connect_fd(
    src: Option<SocketAddr>,
    dst: SocketAddr,
    o: &SockOpts,
) -> std::result::Result<(OwnedFd, bool), (Errno, Option<i32>)> {
    let (fd, dst) = open_socket(dst).map_err(|e| (e, None))?;
    let raw = fd.as_raw_fd();
    connect_opened(fd, src, dst, o).map_err(|e| (e, Some(raw)))
}

fn connect_opened(
    fd: OwnedFd,
    src: Option<SocketAddr>,
    dst: SocketAddr,
    o: &SockOpts,
) -> Result<(OwnedFd, bool)> {
    tune(fd.as_fd(), o)?;
    if let Some(src) = src {
        sys::setsockopt_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        let src = match (&dst, &src) {
            // The socket was downgraded to IPv4: the source must follow.
            (SocketAddr::V4(_), SocketAddr::V6(_)) => {
                v4_fallback(&src).ok_or(Errno::EAFNOSUPPORT)?
            }
            _ => src,
        };
        bind_raw(fd.as_fd(), &src)?;
    }
    let (ss, len) = sys::to_sockaddr(&dst);
    let in_progress = sys::connect_nonblocking(fd.as_fd(), &ss, len)?;
    Ok((fd, in_progress))
}

/// After a connecting fd became writable: `Ok(())` when connected, else the
/// connect's error from SO_ERROR (ECONNREFUSED, ETIMEDOUT, …).
pub fn finish_connect(fd: BorrowedFd<'_>) -> Result<()> {
    match sys::getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_ERROR)? {
        0 => Ok(()),
        e => Err(Errno(e)),
    }
}

/// Applies every option of `o` that is not left at its OS default:
/// SO_SNDBUF/SO_RCVBUF, IP_TOS (+IPV6_TCLASS), SO_PRIORITY,
/// SO_BINDTODEVICE, TCP_NODELAY (always on), SO_KEEPALIVE and
/// TCP_KEEPCNT/IDLE/INTVL, TCP_USER_TIMEOUT, SO_BUSY_POLL.
pub fn tune(fd: BorrowedFd<'_>, o: &SockOpts) -> Result<()> {
    let ipv6 = matches!(sys::local_addr(fd), Ok(SocketAddr::V6(_)));
    tune_socket_level(fd, ipv6, o)?;
    tune_tcp_level(fd, o)
}

fn tune_ip_priority(fd: BorrowedFd<'_>, ipv6: bool, o: &SockOpts) -> Result<()> {
    if o.tos != 0 {
        if ipv6 {
            sys::setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, o.tos)?;
            // For IPv4-mapped traffic; not every kernel takes it on IPv6 sockets.
            let _ = sys::setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_TOS, o.tos);
        } else {
            sys::setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_TOS, o.tos)?;
        }
    }
    if o.priority != 0 {
        sys::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_PRIORITY, o.priority)?;
    }
    Ok(())
}

/// Options set on listeners and connecting sockets before bind/connect.
fn tune_socket_level(fd: BorrowedFd<'_>, ipv6: bool, o: &SockOpts) -> Result<()> {
    tune_ip_priority(fd, ipv6, o)?;
    if o.sndbuf >= 0 {
        sys::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, o.sndbuf)?;
    }
    if o.rcvbuf >= 0 {
        sys::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, o.rcvbuf)?;
    }
    if let Some(dev) = o.bindtodevice.as_deref().filter(|d| !d.is_empty()) {
        // SAFETY: the value is `dev.len()` readable bytes; the kernel copies them.
        unsafe {
            syscall!(setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                dev.as_ptr().cast(),
                dev.len() as libc::socklen_t,
            ))
        }?;
    }
    Ok(())
}

/// Per-connection TCP options (libzmq's tune_tcp_socket/keepalives/maxrt).
fn tune_tcp_level(fd: BorrowedFd<'_>, o: &SockOpts) -> Result<()> {
    sys::setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)?;
    if o.keepalive != -1 {
        sys::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, o.keepalive)?;
        if o.keepalive != 0 {
            if o.keepalive_cnt != -1 {
                sys::setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, o.keepalive_cnt)?;
            }
            if o.keepalive_idle != -1 {
                sys::setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, o.keepalive_idle)?;
            }
            if o.keepalive_intvl != -1 {
                sys::setsockopt_int(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_KEEPINTVL,
                    o.keepalive_intvl,
                )?;
            }
        }
    }
    if o.maxrt > 0 {
        sys::setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, o.maxrt)?;
    }
    // libzmq's tune_tcp_busy_poll (raising it needs CAP_NET_ADMIN: EPERM).
    if o.busy_poll > 0 {
        sys::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_BUSY_POLL, o.busy_poll)?;
    }
    Ok(())
}

/// The local address of a TCP socket (getsockname).
pub fn local_address(fd: BorrowedFd<'_>) -> Result<SocketAddr> {
    sys::local_addr(fd)
}

/// The remote address of a connected TCP socket (getpeername).
pub fn remote_address(fd: BorrowedFd<'_>) -> Result<SocketAddr> {
    sys::peer_addr(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::sys::test_util::{wait_readable, wait_writable};
    use std::net::SocketAddrV6;

    #[test]
    fn connect_syntax_table() {
        let ok = [
            "127.0.0.1:5555",
            "localhost:5555",
            "[::1]:5555",
            "127.0.0.1:0;127.0.0.1:5997",
            "eth1:0;server1:5555",
            "server-1.example_x.com:1",
            "[fe80::1%eth0]:5555",
            "::1:5555",
            "h:0",
            "h:65535",
        ];
        for a in ok {
            assert!(parse_connect(a).is_ok(), "{a:?} should parse");
        }
        let bad = [
            "h:*",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:x",
            "127.0.0.1:5x",
            "h:65536",
            "h:99999",
            ":5555",
            "-h:5555",
            "h h:5555",
            "h/x:5555",
            "",
            ";h:5555",
            "src;h:5555",
            "src:x;h:5555",
            "h:5555;",
            // libzmq's check wants an alphanumeric, `[` or `:` first.
            "*:*;127.0.0.1:5555",
        ];
        for a in bad {
            assert_eq!(
                parse_connect(a),
                Err(Errno::EINVAL),
                "{a:?} should be EINVAL"
            );
        }
        let c = parse_connect("127.0.0.1:0;127.0.0.1:5997").unwrap();
        assert_eq!(c.source.as_deref(), Some("127.0.0.1:0"));
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 5997));
        let c = parse_connect("[::1]:5555").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("[::1]", 5555));
    }

    #[test]
    fn resolve_connect_cases() {
        let r = |s: &str, v6| resolve_connect(&parse_connect(s).unwrap(), v6);
        assert_eq!(
            r("127.0.0.1:5555", false),
            Ok((None, "127.0.0.1:5555".parse().unwrap()))
        );
        assert_eq!(
            r("localhost:5555", false),
            Ok((None, "127.0.0.1:5555".parse().unwrap()))
        );
        // IPv6 literal without ZMQ_IPV6: no IPv4 result → EINVAL.
        assert_eq!(r("[::1]:5555", false), Err(Errno::EINVAL));
        assert_eq!(
            r("[::1]:5555", true),
            Ok((None, "[::1]:5555".parse().unwrap()))
        );
        // With ZMQ_IPV6, IPv4 is mapped (libzmq's AI_V4MAPPED).
        assert_eq!(
            r("127.0.0.1:1", true),
            Ok((None, "[::ffff:127.0.0.1]:1".parse().unwrap()))
        );
        let (src, dst) = r("127.0.0.1:0;127.0.0.1:5997", false).unwrap();
        assert_eq!(src, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(dst, "127.0.0.1:5997".parse().unwrap());
        assert_eq!(
            r("lo:*;127.0.0.1:5997", false).unwrap().0,
            Some("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(r("no-such-host.invalid:5555", false), Err(Errno::EINVAL));
        assert_eq!(r("nosuchnic0:0;127.0.0.1:1", false), Err(Errno::ENODEV));
        assert_eq!(r("[fe80::1%]:1", true), Err(Errno::EINVAL));
        match r("[fe80::1%lo]:1", true) {
            Ok((None, SocketAddr::V6(v6))) => assert_ne!(v6.scope_id(), 0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resolve_bind_cases() {
        assert_eq!(resolve_bind("*:*", false), Ok("0.0.0.0:0".parse().unwrap()));
        assert_eq!(resolve_bind("*:0", false), Ok("0.0.0.0:0".parse().unwrap()));
        assert_eq!(resolve_bind("*:*", true), Ok("[::]:0".parse().unwrap()));
        assert_eq!(
            resolve_bind("127.0.0.1:0", false),
            Ok("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(
            resolve_bind("127.0.0.1:5555", false),
            Ok("127.0.0.1:5555".parse().unwrap())
        );
        assert_eq!(
            resolve_bind("lo:*", false),
            Ok("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(
            resolve_bind("[::1]:5555", true),
            Ok("[::1]:5555".parse().unwrap())
        );
        assert_eq!(
            resolve_bind("127.0.0.1:5555", true),
            Ok("[::ffff:127.0.0.1]:5555".parse().unwrap())
        );
        assert_eq!(resolve_bind("nosuchnic0:5555", false), Err(Errno::ENODEV));
        // An IPv6 literal without ZMQ_IPV6 is not a usable bind address.
        assert_eq!(resolve_bind("[::1]:5555", false), Err(Errno::ENODEV));
        assert_eq!(resolve_bind("localhost:5555", false), Err(Errno::ENODEV));
        assert_eq!(resolve_bind("127.0.0.1:99999", false), Err(Errno::EINVAL));
        assert_eq!(resolve_bind("*:65536", false), Err(Errno::EINVAL));
        assert_eq!(resolve_bind("*:99999999999", false), Err(Errno::EINVAL));
        assert_eq!(resolve_bind("127.0.0.1", false), Err(Errno::EINVAL));
        assert_eq!(resolve_bind("127.0.0.1:", false), Err(Errno::EINVAL));
        assert_eq!(resolve_bind("127.0.0.1:x", false), Err(Errno::EINVAL));
    }

    #[test]
    fn endpoint_and_peer_strings() {
        let a: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        assert_eq!(endpoint_string(&a), "tcp://127.0.0.1:5555");
        assert_eq!(peer_address(&a), "127.0.0.1");
        let a: SocketAddr = "0.0.0.0:1".parse().unwrap();
        assert_eq!(endpoint_string(&a), "tcp://0.0.0.0:1");
        let a: SocketAddr = "[::1]:5555".parse().unwrap();
        assert_eq!(endpoint_string(&a), "tcp://[::1]:5555");
        assert_eq!(peer_address(&a), "::1");
        let a: SocketAddr = "[::ffff:127.0.0.1]:7".parse().unwrap();
        assert_eq!(endpoint_string(&a), "tcp://[::ffff:127.0.0.1]:7");
        assert_eq!(peer_address(&a), "::ffff:127.0.0.1");
        let lo = zone_id("lo").unwrap();
        let a = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 9, 0, lo));
        assert_eq!(endpoint_string(&a), "tcp://[fe80::1%lo]:9");
    }

    #[test]
    fn listen_errors() {
        let o = SockOpts::default();
        // TEST-NET-1 is never local: bind only, nothing is sent.
        let a = resolve_bind("192.0.2.1:5555", false).unwrap();
        assert_eq!(listen(a, &o).err(), Some(Errno::EADDRNOTAVAIL));
        let (_l, bound) = listen(resolve_bind("127.0.0.1:*", false).unwrap(), &o).unwrap();
        assert_ne!(bound.port(), 0);
        assert_eq!(listen(bound, &o).err(), Some(Errno::EADDRINUSE));
    }

    fn exchange(
        l: &OwnedFd,
        bound: SocketAddr,
        src: Option<SocketAddr>,
        o: &SockOpts,
    ) -> SocketAddr {
        let (c, pending) = connect(src, bound, o).unwrap();
        if pending {
            assert!(wait_writable(c.as_fd()), "connect timed out");
        }
        finish_connect(c.as_fd()).unwrap();
        assert!(wait_readable(l.as_fd()), "no pending connection");
        let (s, peer) = accept(l.as_fd(), o).unwrap().expect("a pending connection");
        // Ports only: a v4 client on a dual-stack listener is seen as ::ffff:a.b.c.d.
        assert_eq!(peer.port(), local_address(c.as_fd()).unwrap().port());
        assert_eq!(remote_address(c.as_fd()).unwrap().port(), bound.port());
        assert_eq!(sys::write(c.as_fd(), b"z").unwrap(), 1);
        assert!(wait_readable(s.as_fd()));
        let mut b = [0u8; 4];
        assert_eq!(sys::read(s.as_fd(), &mut b).unwrap(), 1);
        assert_eq!(b[0], b'z');
        assert_eq!(sys::read(s.as_fd(), &mut b), Err(Errno::EAGAIN));
        // Nothing else pending.
        assert!(accept(l.as_fd(), o).unwrap().is_none());
        peer
    }

    #[test]
    fn listen_connect_accept_exchange() {
        let o = SockOpts {
            keepalive: 1,
            keepalive_cnt: 3,
            keepalive_idle: 30,
            keepalive_intvl: 5,
            maxrt: 1000,
            tos: 0x10,
            sndbuf: 65536,
            rcvbuf: 65536,
            ..SockOpts::default()
        };
        let (l, bound) = listen(resolve_bind("127.0.0.1:0", false).unwrap(), &o).unwrap();
        assert!(endpoint_string(&bound).starts_with("tcp://127.0.0.1:"));
        let (c, pending) = connect(None, bound, &o).unwrap();
        let opt = |lvl, name| sys::getsockopt_int(c.as_fd(), lvl, name).unwrap();
        assert_eq!(opt(libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);
        assert_eq!(opt(libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(opt(libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 3);
        assert_eq!(opt(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 30);
        assert_eq!(opt(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 5);
        assert_eq!(opt(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 1000);
        assert_eq!(opt(libc::IPPROTO_IP, libc::IP_TOS), 0x10);
        if pending {
            assert!(wait_writable(c.as_fd()));
        }
        // The accepted side is tuned too.
        assert!(wait_readable(l.as_fd()));
        let (s, _) = accept(l.as_fd(), &o)
            .unwrap()
            .expect("a pending connection");
        let sopt = |lvl, name| sys::getsockopt_int(s.as_fd(), lvl, name).unwrap();
        assert_eq!(sopt(libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);
        assert_eq!(sopt(libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(sopt(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 1000);
        drop((c, s));
        let peer = exchange(&l, bound, None, &o);
        assert_eq!(peer_address(&peer), "127.0.0.1");
    }

    #[test]
    fn connect_with_source_address() {
        let o = SockOpts::default();
        let (l, bound) = listen(resolve_bind("127.0.0.1:0", false).unwrap(), &o).unwrap();
        let spec = format!("127.0.0.1:0;127.0.0.1:{}", bound.port());
        let (src, dst) = resolve_connect(&parse_connect(&spec).unwrap(), false).unwrap();
        exchange(&l, dst, src, &o);
    }

    #[test]
    fn wildcard_listen_reports_any() {
        let o = SockOpts::default();
        let (l, bound) = listen(resolve_bind("*:*", false).unwrap(), &o).unwrap();
        assert!(endpoint_string(&bound).starts_with("tcp://0.0.0.0:"));
        let dst = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bound.port());
        exchange(&l, dst, None, &o);
    }

    #[test]
    fn ipv6_loopback_if_available() {
        let o = SockOpts::default();
        let Ok(a) = resolve_bind("[::1]:0", true) else {
            return;
        };
        let Ok((l, bound)) = listen(a, &o) else {
            eprintln!("no IPv6 loopback here; skipped");
            return;
        };
        assert!(endpoint_string(&bound).starts_with("tcp://[::1]:"));
        let peer = exchange(&l, bound, None, &o);
        assert_eq!(peer_address(&peer), "::1");
        // Dual-stack wildcard: an IPv4 client reaches a `*` bound with ZMQ_IPV6.
        let (l, bound) = listen(resolve_bind("*:*", true).unwrap(), &o).unwrap();
        let dst = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bound.port());
        let peer = exchange(&l, dst, None, &o);
        assert_eq!(peer_address(&peer), "::ffff:127.0.0.1");
    }

    #[test]
    fn refused_connect() {
        let o = SockOpts::default();
        // Take a free port, then close the listener so nothing listens there.
        let port = {
            let (_l, bound) = listen(resolve_bind("127.0.0.1:0", false).unwrap(), &o).unwrap();
            bound.port()
        };
        let dst = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port);
        match connect(None, dst, &o) {
            Err(e) => assert_eq!(e, Errno::ECONNREFUSED),
            Ok((fd, true)) => {
                assert!(wait_writable(fd.as_fd()));
                assert_eq!(finish_connect(fd.as_fd()), Err(Errno::ECONNREFUSED));
            }
            Ok((_, false)) => panic!("connected to a closed port"),
        }
    }

    #[test]
    fn accept_without_pending_is_none() {
        let o = SockOpts::default();
        let (l, _) = listen(resolve_bind("127.0.0.1:0", false).unwrap(), &o).unwrap();
        assert!(accept(l.as_fd(), &o).unwrap().is_none());
    }

    #[test]
    fn bad_bindtodevice() {
        let o = SockOpts {
            bindtodevice: Some("nosuchnic0".into()),
            ..SockOpts::default()
        };
        let e = listen(resolve_bind("127.0.0.1:0", false).unwrap(), &o).err();
        // ENODEV with CAP_NET_RAW, EPERM without.
        assert!(
            matches!(e, Some(Errno::ENODEV) | Some(Errno(libc::EPERM))),
            "{e:?}"
        );
    }
}
