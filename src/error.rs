//! Error numbers with libzmq's values. Core code returns `Result<T>`; only
//! `ffi::boundary` turns an `Errno` into the C library's `errno`.

use crate::constants::errors;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::sync::OnceLock;

/// ZeroMQ's base for its own error numbers (`ZMQ_HAUSNUMERO`).
pub use errors::ZMQ_HAUSNUMERO as HAUSNUMERO;

/// An error number exactly as C sees it in `errno`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const EACCES: Errno = Errno(libc::EACCES);
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

impl Errno {
    /// The message text (`zmq_strerror`): ZeroMQ's own texts for its own
    /// numbers (EFSM, ENOCOMPATPROTO, ETERM, EMTHREAD) and libzmq's wording
    /// of EHOSTUNREACH, the C library's otherwise. Static for the life of
    /// the process.
    pub fn text(self) -> &'static CStr {
        own_error_text(self.0).unwrap_or_else(|| libc_error_text(self.0))
    }
}

/// The text of ZeroMQ's own error numbers.
fn own_error_text(n: i32) -> Option<&'static CStr> {
    Some(match Errno(n) {
        Errno::EFSM => c"Operation cannot be accomplished in current state",
        Errno::ENOCOMPATPROTO => c"The protocol is not compatible with the socket type",
        Errno::ETERM => c"Context was terminated",
        Errno::EMTHREAD => c"No thread available",
        // libzmq's own wording, on every platform.
        Errno::EHOSTUNREACH => c"Host unreachable",
        _ => return None,
    })
}

/// The C library's text for an error number, computed once per number and
/// kept for the life of the process (so the pointer stays valid and the call
/// is thread-safe).
fn libc_error_text(n: i32) -> &'static CStr {
    static CACHE: OnceLock<Mutex<HashMap<i32, &'static CStr>>> = OnceLock::new();
    // Error numbers outside this range are not cached (nor leaked).
    if !(0..4096).contains(&n) {
        return c"Unknown error";
    }
    let mut cache = CACHE.get_or_init(Default::default).lock();
    cache.entry(n).or_insert_with(|| {
        let mut buf = [0 as std::ffi::c_char; 256];
        // SAFETY: buf is writable for its length; the XSI strerror_r writes a
        // NUL-terminated string (truncated if needed).
        let rc = unsafe { libc::strerror_r(n, buf.as_mut_ptr(), buf.len()) };
        let text = if rc == 0 {
            // SAFETY: strerror_r succeeded, so buf holds a NUL-terminated string.
            unsafe { CStr::from_ptr(buf.as_ptr()) }.to_owned()
        } else {
            CString::new(format!("Unknown error {n}")).unwrap_or_default()
        };
        Box::leak(text.into_boxed_c_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_zeromqs_for_its_numbers_and_the_c_librarys_otherwise() {
        assert_eq!(Errno::ETERM.text(), c"Context was terminated");
        assert_eq!(Errno::EHOSTUNREACH.text(), c"Host unreachable");
        assert_eq!(Errno::EINVAL.text(), c"Invalid argument");
        // The same static string every time.
        assert_eq!(Errno::EINVAL.text().as_ptr(), Errno::EINVAL.text().as_ptr());
        assert_eq!(Errno(-5).text(), c"Unknown error");
    }
}
