//! Error numbers with libzmq's values. Core code returns `Result<T>`; only
//! `ffi::boundary` turns an `Errno` into the C library's `errno`.

use crate::constants::errors;

/// ZeroMQ's base for its own error numbers (`ZMQ_HAUSNUMERO`).
pub use errors::ZMQ_HAUSNUMERO as HAUSNUMERO;

/// An error number exactly as C sees it in `errno`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    pub const EINTR: Errno = Errno(libc::EINTR);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EMFILE: Errno = Errno(libc::EMFILE);
    pub const ENODEV: Errno = Errno(libc::ENODEV);
    pub const EPROTO: Errno = Errno(libc::EPROTO);
    pub const EBADF: Errno = Errno(libc::EBADF);
    pub const EPIPE: Errno = Errno(libc::EPIPE);
    pub const ENOTSUP: Errno = Errno(libc::ENOTSUP);
    pub const EPROTONOSUPPORT: Errno = Errno(libc::EPROTONOSUPPORT);
    pub const ENOBUFS: Errno = Errno(libc::ENOBUFS);
    pub const ENETDOWN: Errno = Errno(libc::ENETDOWN);
    pub const EADDRINUSE: Errno = Errno(libc::EADDRINUSE);
    pub const EADDRNOTAVAIL: Errno = Errno(libc::EADDRNOTAVAIL);
    pub const ECONNREFUSED: Errno = Errno(libc::ECONNREFUSED);
    pub const EINPROGRESS: Errno = Errno(libc::EINPROGRESS);
    pub const ENOTSOCK: Errno = Errno(libc::ENOTSOCK);
    pub const EMSGSIZE: Errno = Errno(libc::EMSGSIZE);
    pub const EAFNOSUPPORT: Errno = Errno(libc::EAFNOSUPPORT);
    pub const ENETUNREACH: Errno = Errno(libc::ENETUNREACH);
    pub const ECONNABORTED: Errno = Errno(libc::ECONNABORTED);
    pub const ECONNRESET: Errno = Errno(libc::ECONNRESET);
    pub const ENOTCONN: Errno = Errno(libc::ENOTCONN);
    pub const ETIMEDOUT: Errno = Errno(libc::ETIMEDOUT);
    pub const EHOSTUNREACH: Errno = Errno(libc::EHOSTUNREACH);
    pub const ENETRESET: Errno = Errno(libc::ENETRESET);
    /// Operation cannot be accomplished in current state.
    pub const EFSM: Errno = Errno(errors::EFSM);
    /// The protocol is not compatible with the socket type.
    pub const ENOCOMPATPROTO: Errno = Errno(errors::ENOCOMPATPROTO);
    /// Context was terminated.
    pub const ETERM: Errno = Errno(errors::ETERM);
    /// No thread available.
    pub const EMTHREAD: Errno = Errno(errors::EMTHREAD);

    /// The errno of the last failed libc call on this thread.
    pub fn last_os() -> Errno {
        Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Self {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "errno {}", self.0)
    }
}

/// The result type used everywhere below `ffi/`.
pub type Result<T> = core::result::Result<T, Errno>;
