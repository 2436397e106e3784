//! `ipc://`: Unix-domain stream sockets (libzmq's `ipc_listener.cpp`,
//! `ipc_address.cpp`, `ipc_connecter.cpp`; BEHAVIOUR N4, N5, M4).
//!
//! - `ipc://*` (any address starting with `*`, as in libzmq): a fresh
//!   directory from `mkdtemp("<dir>/tmpXXXXXX")`, `<dir>` being the first of
//!   `$TMPDIR`, `$TEMPDIR`, `$TMP` that is a directory, or the current
//!   directory (a relative path) if none is; the socket is `<that>/socket`.
//!   File and directory are removed when the [`IpcListener`] is dropped.
//! - A named path: an existing file there is unlinked first (so a bind takes
//!   the path over from a live process) and the file is *not* removed on
//!   drop.
//! - `@name`: the Linux abstract namespace (nothing on disk, nothing to
//!   unlink; a second bind gives EADDRINUSE).
//! - Paths of 108 bytes or more (`sun_path`) give ENAMETOOLONG; `@` alone EINVAL.

use std::ffi::{CString, OsString};
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use super::sys;
use super::SockOpts;
use crate::error::{Errno, Result};
use crate::sys::syscall;

/// A bound, listening ipc socket.
#[derive(Debug)]
pub struct IpcListener {
    /// The listening socket (non-blocking, close-on-exec).
    pub fd: OwnedFd,
    /// LAST_ENDPOINT, e.g. `ipc:///tmp/tmpAbc123/socket` or `ipc://@name`.
    pub endpoint: String,
    /// For a wildcard bind: the socket file and the directory to remove.
    wildcard: Option<(PathBuf, PathBuf)>,
}

impl Drop for IpcListener {
    fn drop(&mut self) {
        if let Some((file, dir)) = self.wildcard.take() {
            // The file first, or the directory cannot go (as libzmq does).
            if std::fs::remove_file(&file).is_ok() {
                let _ = std::fs::remove_dir(&dir);
            }
        }
    }
}

/// A `sockaddr_un` for `path` (`@` = abstract) and its length, which
/// covers exactly the name (no trailing NUL), as libzmq's `ipc_address_t`.
fn sockaddr_un(path: &str) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain data; all-zero is valid.
    let mut sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    let bytes = path.as_bytes();
    if bytes.len() >= sun.sun_path.len() {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    if bytes.is_empty() || path == "@" {
        return Err(Errno::EINVAL);
    }
    let abstract_ns = bytes[0] == b'@';
    // A NUL inside a filesystem path would silently truncate it.
    if !abstract_ns && bytes.contains(&0) {
        return Err(Errno::EINVAL);
    }
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, &s) in sun.sun_path.iter_mut().zip(bytes) {
        *d = s as libc::c_char;
    }
    if abstract_ns {
        sun.sun_path[0] = 0;
    }
    let len = mem::offset_of!(libc::sockaddr_un, sun_path) + bytes.len();
    Ok((sun, len as libc::socklen_t))
}

/// Creates the wildcard directory (N4) and returns it.
fn make_wildcard_dir() -> Result<PathBuf> {
    let mut base: Vec<u8> = Vec::new();
    for var in ["TMPDIR", "TEMPDIR", "TMP"] {
        if let Some(dir) = std::env::var_os(var) {
            if !dir.is_empty() && std::fs::metadata(&dir).is_ok_and(|m| m.is_dir()) {
                base = dir.as_bytes().to_vec();
                if base.last() != Some(&b'/') {
                    base.push(b'/');
                }
                break;
            }
        }
    }
    base.extend_from_slice(b"tmpXXXXXX");
    let template = CString::new(base).map_err(|_| Errno::EINVAL)?;
    let mut buf = template.into_bytes_with_nul();
    // SAFETY: `buf` is a writable NUL-terminated template ending in XXXXXX;
    // mkdtemp rewrites the Xs in place and returns NULL on failure.
    unsafe { syscall!(ptr mkdtemp(buf.as_mut_ptr().cast())) }?;
    buf.pop(); // the NUL
    Ok(PathBuf::from(OsString::from_vec(buf)))
}

fn unix_socket() -> Result<OwnedFd> {
    sys::socket(libc::AF_UNIX, libc::SOCK_STREAM)
}

/// Binds and listens (`listen(o.backlog)`) on an ipc address: `*`, a path or
/// `@name` (see the module docs). Errors are the OS's (ENOENT for a missing
/// directory, EACCES, EADDRINUSE for a taken abstract name), ENAMETOOLONG
/// or EINVAL for a bad name.
pub fn listen(path: &str, o: &SockOpts) -> Result<IpcListener> {
    listen_fd(path, o).map_err(|(e, _)| e)
}

/// [`listen`], telling on failure the number of the socket that was opened
/// and closed again, if any (libzmq's monitor reports CLOSED for it before
/// BIND_FAILED).
pub fn listen_fd(
    path: &str,
    o: &SockOpts,
) -> std::result::Result<IpcListener, (Errno, Option<i32>)> {
    if path.starts_with('*') {
        let dir = make_wildcard_dir().map_err(|e| (e, None))?;
        let file = dir.join("socket");
        let name = match file.to_str() {
            Some(n) => n.to_owned(),
            None => {
                let _ = std::fs::remove_dir(&dir);
                return Err((Errno::EINVAL, None));
            }
        };
        return match bind_listen(&name, o) {
            Ok(fd) => Ok(IpcListener {
                fd,
                endpoint: format!("ipc://{name}"),
                wildcard: Some((file, dir)),
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&file);
                let _ = std::fs::remove_dir(&dir);
                Err(e)
            }
        };
    }
    if !path.starts_with('@') {
        // Take the path over from any earlier (maybe live) socket (N5).
        if let Ok(c) = CString::new(path) {
            // SAFETY: `c` is a valid NUL-terminated path.
            // Failure is ignored: usually there is nothing to take over.
            let _ = unsafe { syscall!(unlink(c.as_ptr())) };
        }
    }
    let fd = bind_listen(path, o)?;
    Ok(IpcListener {
        fd,
        endpoint: format!("ipc://{path}"),
        wildcard: None,
    })
}

/// ZMQ_USE_FD: an ipc listener on the application's listening socket
/// `raw` (see [`sys::adopt_listener`]). As libzmq, `path` is only checked
/// and named in LAST_ENDPOINT (`*` is not expanded); nothing is bound or
/// unlinked: the file is the application's.
pub fn adopt(raw: i32, path: &str) -> Result<IpcListener> {
    sockaddr_un(path)?;
    let fd = sys::adopt_listener(raw)?;
    Ok(IpcListener {
        fd,
        endpoint: format!("ipc://{path}"),
        wildcard: None,
    })
}

fn bind_listen(path: &str, o: &SockOpts) -> std::result::Result<OwnedFd, (Errno, Option<i32>)> {
    let (sun, len) = sockaddr_un(path).map_err(|e| (e, None))?;
    let fd = unix_socket().map_err(|e| (e, None))?;
    let raw = fd.as_raw_fd();
    // SAFETY: `sun` holds a sockaddr_un of at least `len` bytes.
    unsafe { syscall!(bind(raw, (&sun as *const libc::sockaddr_un).cast(), len)) }
        .map_err(|e| (e, Some(raw)))?;
    // SAFETY: no pointer arguments.
    unsafe { syscall!(listen(raw, o.backlog)) }.map_err(|e| (e, Some(raw)))?;
    Ok(fd)
}

/// Accepts one pending connection (non-blocking, close-on-exec).
/// `Ok(None)`: nothing pending (EAGAIN/EINTR). `Err`: this accept failed;
/// the listener stays usable (libzmq reports ZMQ_EVENT_ACCEPT_FAILED).
pub fn accept(listener: BorrowedFd<'_>) -> Result<Option<OwnedFd>> {
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    let (addr, len) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: NULL address and length pointers are allowed by accept4.
    match unsafe { syscall!(accept4(listener.as_raw_fd(), addr, len, flags)) } {
        // SAFETY: `raw` was just returned by accept4 and is owned by nobody else.
        Ok(raw) => Ok(Some(unsafe { OwnedFd::from_raw_fd(raw) })),
        Err(e) if e == Errno::EAGAIN || e.0 == libc::EWOULDBLOCK || e == Errno::EINTR => Ok(None),
        Err(e) => Err(e),
    }
}

/// Starts a non-blocking connect to `path` (`@name` = abstract).
/// `Ok((fd, true))`: in progress — wait for writable, then
/// [`finish_connect`]. `Ok((fd, false))`: connected. `Err`: ENOENT (no such
/// file), ECONNREFUSED (nobody listening), EAGAIN (backlog full), … — the
/// reactor schedules a reconnect.
pub fn connect(path: &str) -> Result<(OwnedFd, bool)> {
    connect_fd(path).map_err(|(e, _)| e)
}

/// [`connect`], telling on failure the number of the socket that was
/// opened and closed again, if any (libzmq's monitor reports CLOSED for it).
pub fn connect_fd(path: &str) -> std::result::Result<(OwnedFd, bool), (Errno, Option<i32>)> {
    let (sun, len) = sockaddr_un(path).map_err(|e| (e, None))?;
    let fd = unix_socket().map_err(|e| (e, None))?;
    match sys::connect_nonblocking(fd.as_fd(), &sun, len) {
        Ok(in_progress) => Ok((fd, in_progress)),
        Err(e) => Err((e, Some(fd.as_raw_fd()))),
    }
}

/// After a connecting fd became writable: `Ok(())` or the error from SO_ERROR.
pub fn finish_connect(fd: BorrowedFd<'_>) -> Result<()> {
    super::tcp::finish_connect(fd)
}

/// The peer's credentials (SO_PEERCRED), if the kernel gives them.
fn peer_cred(fd: BorrowedFd<'_>) -> Option<libc::ucred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred`/`len` describe a live ucred of the size in `len`.
    let r = unsafe {
        syscall!(getsockopt(
            fd.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        ))
    };
    (r.is_ok() && len as usize == mem::size_of::<libc::ucred>()).then_some(cred)
}

/// The Peer-Address property for ipc (M4): `localhost:<uid>:<gid>:<pid>`
/// from SO_PEERCRED, or just `localhost` if that fails.
pub fn peer_address(fd: BorrowedFd<'_>) -> String {
    match peer_cred(fd) {
        Some(c) => format!("localhost:{}:{}:{}", c.uid, c.gid, c.pid),
        None => "localhost".to_owned(),
    }
}

/// ZMQ_IPC_FILTER_UID / GID / PID, as libzmq's `ipc_listener_t::filter`:
/// with no filter every peer is allowed; otherwise the peer (SO_PEERCRED)
/// must have a listed uid, primary gid or pid, or its user must be a
/// member of a listed group (`getgrgid` members). No credentials: refused.
pub fn peer_allowed(fd: BorrowedFd<'_>, uids: &[u32], gids: &[u32], pids: &[i32]) -> bool {
    if uids.is_empty() && gids.is_empty() && pids.is_empty() {
        return true;
    }
    let Some(c) = peer_cred(fd) else {
        return false;
    };
    cred_allowed(&c, uids, gids, pids, |uid, gid| {
        user_name(uid).is_some_and(|user| group_members(gid).contains(&user))
    })
}

/// The decision of [`peer_allowed`] for credentials `c`; `member(uid,
/// gid)` says whether user `uid` is listed in group `gid`.
fn cred_allowed(
    c: &libc::ucred,
    uids: &[u32],
    gids: &[u32],
    pids: &[i32],
    member: impl Fn(u32, u32) -> bool,
) -> bool {
    if uids.contains(&c.uid) || gids.contains(&c.gid) || pids.contains(&c.pid) {
        return true;
    }
    gids.iter().any(|&g| member(c.uid, g))
}

/// Grows a buffer for the `get*_r` functions while they answer ERANGE.
fn with_nss_buffer<T>(mut call: impl FnMut(&mut [libc::c_char]) -> (i32, Option<T>)) -> Option<T> {
    let mut size = 1024;
    while size <= 1 << 20 {
        let mut buf = vec![0 as libc::c_char; size];
        match call(&mut buf) {
            (libc::ERANGE, _) => size *= 4,
            (_, found) => return found,
        }
    }
    None
}

/// The login name of `uid` (`getpwuid_r`).
fn user_name(uid: u32) -> Option<Vec<u8>> {
    with_nss_buffer(|buf| {
        // SAFETY: passwd is plain data; all-zero is valid.
        let mut pw: libc::passwd = unsafe { mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer refers to a live object; `buf` has `buf.len()` bytes.
        let rc = unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut found) };
        if rc != 0 || found.is_null() || pw.pw_name.is_null() {
            return (rc, None);
        }
        // SAFETY: on success pw_name points to a NUL-terminated string in `buf`.
        let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) };
        (0, Some(name.to_bytes().to_vec()))
    })
}

/// The member names of group `gid` (`getgrgid_r`); empty if unknown.
fn group_members(gid: u32) -> Vec<Vec<u8>> {
    with_nss_buffer(|buf| {
        // SAFETY: group is plain data; all-zero is valid.
        let mut gr: libc::group = unsafe { mem::zeroed() };
        let mut found: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer refers to a live object; `buf` has `buf.len()` bytes.
        let rc = unsafe { libc::getgrgid_r(gid, &mut gr, buf.as_mut_ptr(), buf.len(), &mut found) };
        if rc != 0 || found.is_null() || gr.gr_mem.is_null() {
            return (rc, None);
        }
        let mut names = Vec::new();
        let mut p = gr.gr_mem;
        // SAFETY: gr_mem is a NULL-terminated array of NUL-terminated
        // strings inside `buf`, alive during this closure.
        unsafe {
            while !(*p).is_null() {
                names.push(std::ffi::CStr::from_ptr(*p).to_bytes().to_vec());
                p = p.add(1);
            }
        }
        (0, Some(names))
    })
    .unwrap_or_default()
}

/// The filesystem path behind an ipc endpoint string, if it has one
/// (`ipc:///tmp/x` → `/tmp/x`; abstract and non-ipc → None).
pub fn endpoint_path(endpoint: &str) -> Option<&str> {
    let p = endpoint.strip_prefix("ipc://")?;
    (!p.starts_with('@') && !p.is_empty()).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::sys::test_util::{wait_readable, wait_writable};
    use std::path::Path;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A private temp directory, removed with its content on drop.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "zmqrs-ipc-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn unique_abstract() -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        format!(
            "@zmqrs-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )
    }

    fn exchange(l: &IpcListener, path: &str) -> (OwnedFd, OwnedFd) {
        let (c, pending) = connect(path).unwrap();
        if pending {
            assert!(wait_writable(c.as_fd()));
        }
        finish_connect(c.as_fd()).unwrap();
        assert!(wait_readable(l.fd.as_fd()));
        let s = accept(l.fd.as_fd()).unwrap().expect("pending connection");
        assert_eq!(sys::write(s.as_fd(), b"q").unwrap(), 1);
        assert!(wait_readable(c.as_fd()));
        let mut b = [0u8; 2];
        assert_eq!(sys::read(c.as_fd(), &mut b).unwrap(), 1);
        assert_eq!(b[0], b'q');
        assert!(accept(l.fd.as_fd()).unwrap().is_none());
        (c, s)
    }

    #[test]
    fn named_path() {
        let dir = TempDir::new();
        let path = dir.0.join("sock");
        let path = path.to_str().unwrap();
        let o = SockOpts::default();
        let l = listen(path, &o).unwrap();
        assert_eq!(l.endpoint, format!("ipc://{path}"));
        assert_eq!(endpoint_path(&l.endpoint), Some(path));
        let (c, s) = exchange(&l, path);
        // SAFETY: getuid/getgid/getpid cannot fail.
        let (uid, gid, pid) = unsafe { (libc::getuid(), libc::getgid(), libc::getpid()) };
        assert_eq!(
            peer_address(s.as_fd()),
            format!("localhost:{uid}:{gid}:{pid}")
        );
        assert_eq!(
            peer_address(c.as_fd()),
            format!("localhost:{uid}:{gid}:{pid}")
        );
        // A second bind takes the path over from the live listener (N5).
        let l2 = listen(path, &o).unwrap();
        exchange(&l2, path);
        drop(l);
        drop(l2);
        // Named files are not removed on close (N5); nobody listens now.
        assert!(Path::new(path).exists());
        match connect(path) {
            Err(e) => assert_eq!(e, Errno::ECONNREFUSED),
            Ok((fd, true)) => {
                assert!(wait_writable(fd.as_fd()));
                assert_eq!(finish_connect(fd.as_fd()), Err(Errno::ECONNREFUSED));
            }
            Ok((_, false)) => panic!("connected to a dead socket"),
        }
    }

    #[test]
    fn missing_path_and_dir() {
        let dir = TempDir::new();
        let path = dir.0.join("nothing-here");
        assert_eq!(connect(path.to_str().unwrap()).err(), Some(Errno::ENOENT));
        let path = dir.0.join("no-dir/sock");
        let e = listen(path.to_str().unwrap(), &SockOpts::default()).err();
        assert_eq!(e, Some(Errno::ENOENT));
    }

    #[test]
    fn wildcard_creates_and_removes_dir() {
        let l = listen("*", &SockOpts::default()).unwrap();
        let path = endpoint_path(&l.endpoint).unwrap().to_owned();
        assert!(path.ends_with("/socket"), "{path}");
        let dir = Path::new(&path).parent().unwrap().to_path_buf();
        let dir_name = dir.file_name().unwrap().to_str().unwrap();
        assert!(
            dir_name.starts_with("tmp") && dir_name.len() == 9,
            "{dir_name}"
        );
        assert!(dir.is_dir());
        exchange(&l, &path);
        drop(l);
        assert!(!Path::new(&path).exists());
        assert!(!dir.exists());
    }

    #[test]
    fn abstract_namespace() {
        let name = unique_abstract();
        let o = SockOpts::default();
        let l = listen(&name, &o).unwrap();
        assert_eq!(l.endpoint, format!("ipc://{name}"));
        assert_eq!(endpoint_path(&l.endpoint), None);
        exchange(&l, &name);
        assert_eq!(listen(&name, &o).err(), Some(Errno::EADDRINUSE));
        drop(l);
        assert_eq!(connect(&name).err(), Some(Errno::ECONNREFUSED));
    }

    #[test]
    fn bad_names() {
        let o = SockOpts::default();
        let long = format!("/tmp/{}", "x".repeat(110));
        assert_eq!(listen(&long, &o).err(), Some(Errno(libc::ENAMETOOLONG)));
        assert_eq!(connect(&long).err(), Some(Errno(libc::ENAMETOOLONG)));
        assert_eq!(listen("@", &o).err(), Some(Errno::EINVAL));
        assert_eq!(connect("a\0b").err(), Some(Errno::EINVAL));
        // 107 bytes fit.
        assert!(sockaddr_un(&"y".repeat(107)).is_ok());
        assert_eq!(
            sockaddr_un(&"y".repeat(108)).err(),
            Some(Errno(libc::ENAMETOOLONG))
        );
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    /// IPC_FILTER_*: any listed uid, gid or pid of the peer lets it in;
    /// with filters and no match it is refused; no filters: everyone.
    #[test]
    fn peer_filters_match_uid_gid_or_pid() {
        let (a, _b) = UnixStream::pair().unwrap();
        let fd = a.as_fd();
        // SAFETY: no arguments; these cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let pid = std::process::id() as i32;
        let other = uid.wrapping_add(4242);
        assert!(peer_allowed(fd, &[], &[], &[]));
        assert!(peer_allowed(fd, &[uid], &[], &[]));
        assert!(peer_allowed(fd, &[other], &[gid], &[]));
        assert!(peer_allowed(fd, &[other], &[], &[pid]));
        assert!(!peer_allowed(fd, &[other], &[], &[]));
        assert!(!peer_allowed(fd, &[], &[], &[pid + 1]));
        assert!(!peer_allowed(fd, &[], &[gid.wrapping_add(4242)], &[]));
    }

    /// GID: a group the peer's user is a member of (not its primary group)
    /// lets it in too, as libzmq's getgrgid check.
    #[test]
    fn gid_filter_accepts_supplementary_membership() {
        let c = libc::ucred {
            pid: 10,
            uid: 1000,
            gid: 1000,
        };
        let member = |uid: u32, gid: u32| uid == 1000 && gid == 27;
        assert!(cred_allowed(&c, &[], &[27], &[], member));
        assert!(cred_allowed(&c, &[], &[5, 27], &[], member));
        assert!(!cred_allowed(&c, &[], &[5], &[], member));
        assert!(!cred_allowed(&c, &[1], &[], &[11], member));
        assert!(cred_allowed(&c, &[1], &[], &[10], member));
    }
}
