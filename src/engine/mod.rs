//! Connections: bind/connect entry points, listeners, connecters, sessions
//! and the stream engine that joins a pipe to a file descriptor through the
//! ZMTP codec. Everything here but the entry points runs in I/O threads.

use crate::error::{Errno, Result};
use crate::socket::Socket;

/// A bound or connected endpoint of a socket (for unbind/disconnect/close).
pub struct EndpointRec {
    pub uri: String,
}

/// An inproc endpoint bound by a socket.
pub struct InprocBound {}

/// An inproc connect waiting for its bind.
pub struct InprocPending {}

pub(crate) fn bind(_s: &mut Socket, _addr: &str) -> Result<String> {
    Err(Errno::ENOTSUP)
}
pub(crate) fn connect(_s: &mut Socket, _addr: &str) -> Result<()> {
    Err(Errno::ENOTSUP)
}
pub(crate) fn unbind(_s: &mut Socket, _addr: &str) -> Result<()> {
    Err(Errno::ENOTSUP)
}
pub(crate) fn disconnect(_s: &mut Socket, _addr: &str) -> Result<()> {
    Err(Errno::ENOTSUP)
}
pub(crate) fn close_endpoints(_s: &mut Socket) {}
