//! Thin wrappers over the libc calls the transports and the engine use.
//!
//! Everything here works on non-blocking descriptors and never waits: a call
//! that would block returns `Err(Errno::EAGAIN)` and the reactor decides when
//! to try again. `EINTR` is retried where a retry is always correct.

use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::error::{Errno, Result};
use crate::sys::syscall;

/// Sets `O_NONBLOCK` on `fd`.
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: F_GETFL takes no pointer argument; `raw` is a live descriptor.
    let flags = unsafe { syscall!(fcntl(raw, libc::F_GETFL)) }?;
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: F_SETFL takes an int argument; `raw` is a live descriptor.
        unsafe { syscall!(fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK)) }?;
    }
    Ok(())
}

/// ZMQ_USE_FD: takes over a listening socket the application made. EBADF
/// if `raw` is not an open descriptor (checked before owning it). It is
/// made non-blocking; from now on it is closed with the listener, as
/// libzmq's listeners close it.
pub fn adopt_listener(raw: i32) -> Result<OwnedFd> {
    if raw < 0 {
        return Err(Errno::EBADF);
    }
    // SAFETY: F_GETFL takes no pointer argument; an invalid fd gives EBADF.
    unsafe { syscall!(fcntl(raw, libc::F_GETFL)) }?;
    // SAFETY: `raw` is open, and ZMQ_USE_FD hands it to the socket to own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    set_nonblocking(fd.as_fd())?;
    Ok(fd)
}

/// Reads into `buf`. `Ok(0)` means end of stream (or an empty `buf`);
/// `Err(EAGAIN)` means nothing to read now. `EINTR` is retried.
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole call.
        let r = unsafe { syscall!(read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len())) };
        match r {
            Ok(n) => return Ok(n as usize),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(normalize_again(e)),
        }
    }
}

/// Writes from `buf`, without raising SIGPIPE on a socket whose peer is gone
/// (that gives `Err(EPIPE)`). Returns how many bytes the kernel took;
/// `Err(EAGAIN)` when it took none. `EINTR` is retried.
pub fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> Result<usize> {
    let raw = fd.as_raw_fd();
    loop {
        // SAFETY: `buf` is valid for reads of `buf.len()` bytes for the whole call.
        let r = unsafe {
            syscall!(send(
                raw,
                buf.as_ptr().cast(),
                buf.len(),
                libc::MSG_NOSIGNAL
            ))
        };
        match r {
            Ok(n) => return Ok(n as usize),
            Err(Errno::EINTR) => continue,
            Err(Errno::ENOTSOCK) => break,
            Err(e) => return Err(normalize_again(e)),
        }
    }
    // Not a socket (a pipe in a test, a user fd): plain write(2).
    loop {
        // SAFETY: `buf` is valid for reads of `buf.len()` bytes for the whole call.
        let r = unsafe { syscall!(write(raw, buf.as_ptr().cast(), buf.len())) };
        match r {
            Ok(n) => return Ok(n as usize),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(normalize_again(e)),
        }
    }
}

/// The most slices one [`writev`] call hands to the kernel; the rest is left
/// for the next call, exactly like a short write. Stays on the stack.
pub const WRITEV_MAX: usize = 64;

/// Gathers up to [`WRITEV_MAX`] slices into one `sendmsg` (no SIGPIPE).
/// Returns the total bytes taken, which may end in the middle of a slice.
/// An empty `bufs` returns `Ok(0)` without a system call.
pub fn writev(fd: BorrowedFd<'_>, bufs: &[&[u8]]) -> Result<usize> {
    let empty = libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    };
    let mut iov = [empty; WRITEV_MAX];
    let mut cnt = 0;
    for b in bufs.iter().filter(|b| !b.is_empty()).take(WRITEV_MAX) {
        iov[cnt] = libc::iovec {
            iov_base: b.as_ptr() as *mut libc::c_void,
            iov_len: b.len(),
        };
        cnt += 1;
    }
    if cnt == 0 {
        return Ok(0);
    }
    let raw = fd.as_raw_fd();
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = cnt as _;
    loop {
        // SAFETY: `msg` points at `cnt` iovecs, each describing a live borrowed
        // slice; the kernel only reads them.
        let r = unsafe { syscall!(sendmsg(raw, &msg, libc::MSG_NOSIGNAL)) };
        match r {
            Ok(n) => return Ok(n as usize),
            Err(Errno::EINTR) => continue,
            Err(Errno::ENOTSOCK) => break,
            Err(e) => return Err(normalize_again(e)),
        }
    }
    loop {
        // SAFETY: as above, `iov[..cnt]` describes live slices, read only.
        let r = unsafe { syscall!(writev(raw, iov.as_ptr(), cnt as libc::c_int)) };
        match r {
            Ok(n) => return Ok(n as usize),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(normalize_again(e)),
        }
    }
}

fn normalize_again(e: Errno) -> Errno {
    if e.0 == libc::EWOULDBLOCK {
        Errno::EAGAIN
    } else {
        e
    }
}

/// A new non-blocking, close-on-exec socket.
/// Starts a non-blocking connect to the address `T` (a sockaddr_in/in6/un or
/// sockaddr_storage) of `len` bytes: Ok(false) when connected at once,
/// Ok(true) when in progress (EINTR too: the connect goes on asynchronously,
/// as libzmq treats it).
pub(crate) fn connect_nonblocking<T>(
    fd: BorrowedFd<'_>,
    addr: &T,
    len: libc::socklen_t,
) -> Result<bool> {
    debug_assert!(len as usize <= std::mem::size_of::<T>());
    // SAFETY: `addr` is a live socket address of at least `len` bytes.
    let r = unsafe { syscall!(connect(fd.as_raw_fd(), (addr as *const T).cast(), len)) };
    match r {
        Ok(_) => Ok(false),
        Err(Errno::EINPROGRESS) | Err(Errno::EINTR) => Ok(true),
        Err(e) => Err(e),
    }
}

pub(crate) fn socket(domain: libc::c_int, ty: libc::c_int) -> Result<OwnedFd> {
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: no pointer arguments.
    let fd = unsafe { syscall!(socket(domain, ty | flags, 0)) }?;
    // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setsockopt` with an `int` value.
pub(crate) fn setsockopt_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    val: libc::c_int,
) -> Result<()> {
    // SAFETY: the option value points at a live int of the size given.
    unsafe {
        syscall!(setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&val as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        ))
    }?;
    Ok(())
}

/// `getsockopt` with an `int` value.
pub(crate) fn getsockopt_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
) -> Result<libc::c_int> {
    let mut val: libc::c_int = 0;
    let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `val` and `len` are live and `len` holds the size of `val`.
    unsafe {
        syscall!(getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&mut val as *mut libc::c_int).cast(),
            &mut len,
        ))
    }?;
    Ok(val)
}

/// A `sockaddr_storage` holding `a`, and its length.
pub(crate) fn to_sockaddr(a: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match a {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

/// Reads an IPv4 or IPv6 address out of a raw `sockaddr` of `len` bytes.
/// Other families (or a short length) give `EAFNOSUPPORT`.
///
/// # Safety
/// `sa` must be valid for reads of `len` bytes.
pub(crate) unsafe fn from_sockaddr(
    sa: *const libc::sockaddr,
    len: libc::socklen_t,
) -> Result<SocketAddr> {
    let len = len as usize;
    if sa.is_null() || len < mem::size_of::<libc::sa_family_t>() {
        return Err(Errno::EAFNOSUPPORT);
    }
    // SAFETY: the caller guarantees `len` readable bytes, checked to cover the family.
    let family = unsafe { std::ptr::read_unaligned(sa.cast::<libc::sa_family_t>()) };
    match family as libc::c_int {
        libc::AF_INET if len >= mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: family and length say this is a whole sockaddr_in.
            let sin = unsafe { std::ptr::read_unaligned(sa.cast::<libc::sockaddr_in>()) };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len >= mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: family and length say this is a whole sockaddr_in6.
            let sin6 = unsafe { std::ptr::read_unaligned(sa.cast::<libc::sockaddr_in6>()) };
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// `getsockname` as a `SocketAddr` (IP sockets only).
pub(crate) fn local_addr(fd: BorrowedFd<'_>) -> Result<SocketAddr> {
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let sa = (&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    // SAFETY: `sa`/`len` describe a live buffer of the size in `len`.
    unsafe { syscall!(getsockname(fd.as_raw_fd(), sa, &mut len)) }?;
    // SAFETY: the kernel wrote `len` bytes (at most the buffer size) into `ss`.
    unsafe { from_sockaddr(sa, len.min(mem::size_of_val(&ss) as libc::socklen_t)) }
}

/// `getpeername` as a `SocketAddr` (IP sockets only).
pub(crate) fn peer_addr(fd: BorrowedFd<'_>) -> Result<SocketAddr> {
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let sa = (&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    // SAFETY: `sa`/`len` describe a live buffer of the size in `len`.
    unsafe { syscall!(getpeername(fd.as_raw_fd(), sa, &mut len)) }?;
    // SAFETY: the kernel wrote `len` bytes (at most the buffer size) into `ss`.
    unsafe { from_sockaddr(sa, len.min(mem::size_of_val(&ss) as libc::socklen_t)) }
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    /// Waits (with `poll`, at most `ms`) until `fd` has one of `events`.
    pub fn wait_for(fd: BorrowedFd<'_>, events: libc::c_short, ms: i32) -> bool {
        let mut p = libc::pollfd {
            fd: fd.as_raw_fd(),
            events,
            revents: 0,
        };
        // SAFETY: `p` is one live pollfd.
        let n = unsafe { syscall!(poll(&mut p, 1, ms)) };
        matches!(n, Ok(1))
    }

    pub fn wait_writable(fd: BorrowedFd<'_>) -> bool {
        wait_for(fd, libc::POLLOUT, 5000)
    }

    pub fn wait_readable(fd: BorrowedFd<'_>) -> bool {
        wait_for(fd, libc::POLLIN, 5000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn pipe() -> (OwnedFd, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        unsafe { syscall!(pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC)) }.expect("pipe2");
        // SAFETY: both descriptors were just created and are owned by nobody else.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    }

    #[test]
    fn read_write_pipe_and_eagain() {
        let (r, w) = pipe();
        set_nonblocking(r.as_fd()).unwrap();
        set_nonblocking(w.as_fd()).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(read(r.as_fd(), &mut buf), Err(Errno::EAGAIN));
        assert_eq!(write(w.as_fd(), b"abc").unwrap(), 3);
        assert_eq!(writev(w.as_fd(), &[b"de", b"", b"f"]).unwrap(), 3);
        assert_eq!(writev(w.as_fd(), &[]).unwrap(), 0);
        assert_eq!(read(r.as_fd(), &mut buf).unwrap(), 6);
        assert_eq!(&buf[..6], b"abcdef");
        drop(w);
        assert_eq!(read(r.as_fd(), &mut buf).unwrap(), 0);
    }

    #[test]
    fn write_to_closed_socket_is_epipe_not_sigpipe() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors socketpair writes.
        unsafe {
            syscall!(socketpair(
                libc::AF_UNIX,
                libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
                0,
                fds.as_mut_ptr()
            ))
        }
        .expect("socketpair");
        // SAFETY: both descriptors were just created and are owned by nobody else.
        let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(b);
        assert_eq!(write(a.as_fd(), b"x"), Err(Errno::EPIPE));
        assert_eq!(writev(a.as_fd(), &[b"x"]), Err(Errno::EPIPE));
    }

    #[test]
    fn sockaddr_round_trip() {
        for s in ["127.0.0.1:5555", "[::1]:80", "[fe80::1%3]:9"] {
            let a: SocketAddr = s.parse().unwrap();
            let (ss, len) = to_sockaddr(&a);
            // SAFETY: `ss` holds `len` initialised bytes.
            let b = unsafe { from_sockaddr((&ss as *const libc::sockaddr_storage).cast(), len) };
            assert_eq!(b, Ok(a));
        }
    }
}
