//! The monitor events of the connection engine, raised where libzmq raises
//! them (its connecter, listener and stream engine `event_*` calls), with
//! the same values and endpoint strings:
//!
//! - connecter: CONNECT_DELAYED [EINPROGRESS] for a connect in progress,
//!   CONNECTED [fd], CLOSED [fd] for a failed attempt's socket, then
//!   CONNECT_RETRIED [the wait in ms] — endpoint: the connect string as
//!   given, and after a lost connection the address as last resolved;
//! - listener: ACCEPTED [fd] (endpoint: the accepted socket's local address),
//!   ACCEPT_FAILED [errno], CLOSED [listener fd] on unbind/close (endpoint:
//!   the bound endpoint);
//! - connection: HANDSHAKE_SUCCEEDED [0] (ZMTP 3.x peers only),
//!   HANDSHAKE_FAILED_PROTOCOL [ZMQ_PROTOCOL_ERROR_*],
//!   HANDSHAKE_FAILED_NO_DETAIL [errno], HANDSHAKE_FAILED_AUTH [ZAP status]
//!   (through [`ConnEvents::handshake_failed`], for the security layer) and
//!   DISCONNECTED [fd].
//!
//! The socket layer raises LISTENING, BIND_FAILED (with the CLOSED of the
//! socket a failed bind opened), MONITOR_STOPPED and PIPES_STATS itself.
//!
//! Every function returns at once when its events are not monitored
//! ([`Monitor::wants`]): nothing here is computed with monitoring off.

use super::stream::Engine;
use crate::error::Errno;
use crate::io::command::SocketShared;
use crate::io::monitor::{events as ev, EndpointPair, Monitor};
use crate::transport::tcp;
use crate::zmtp;
use std::os::fd::{AsFd, BorrowedFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

/// The endpoints of a session's connection on `fd`. `endpoint` is the
/// connect string (connect side) or the listener's endpoint (bind side).
pub(super) fn conn_pair(connect: bool, endpoint: &str, fd: BorrowedFd<'_>) -> EndpointPair {
    if !endpoint.starts_with("tcp://") {
        // ipc: the path is the only name (the connecting end is unnamed).
        return if connect {
            EndpointPair::connect("", endpoint)
        } else {
            EndpointPair::bind(endpoint, "")
        };
    }
    let name = |a: crate::error::Result<std::net::SocketAddr>| {
        a.map(|a| tcp::endpoint_string(&a)).unwrap_or_default()
    };
    let local = name(tcp::local_address(fd));
    if connect {
        EndpointPair::connect(local, endpoint)
    } else {
        let local = if local.is_empty() {
            endpoint.to_string()
        } else {
            local
        };
        EndpointPair::bind(local, name(tcp::remote_address(fd)))
    }
}

/// The monitor events of one session (see the module docs). Each method
/// returns at once when its events are not monitored.
pub(super) struct ConnEvents {
    /// The connect string as given, or the listener's bound endpoint
    /// (shared with the listener: an accepted connection costs no copy).
    pub endpoint: Arc<str>,
    /// Made by `zmq_connect` (events name the remote endpoint).
    connect: bool,
    /// The socket whose monitor gets the events.
    socket: Arc<SocketShared>,
}

impl ConnEvents {
    pub fn new(connect: bool, socket: Arc<SocketShared>) -> ConnEvents {
        ConnEvents {
            endpoint: Arc::from(""),
            connect,
            socket,
        }
    }

    /// A connect-side event about no connection yet: the remote endpoint only.
    fn monitor(&self) -> &Monitor {
        &self.socket.monitor
    }

    fn connecter(&self, event: u64, value: u64) {
        self.monitor()
            .raise(event, value, || EndpointPair::connect("", &*self.endpoint));
    }

    fn pair(&self, e: &Engine) -> EndpointPair {
        conn_pair(self.connect, &self.endpoint, e.fd.as_fd())
    }

    /// A connect attempt failed at once: CLOSED for its socket, if one was
    /// opened (the caller then schedules the retry).
    pub fn attempt_failed(&self, fd: Option<RawFd>) {
        if let Some(fd) = fd {
            self.connecter(ev::CLOSED, fd as u64);
        }
    }

    /// A connect attempt is under way: CONNECT_DELAYED [EINPROGRESS] if it
    /// did not complete at once.
    pub fn attempt_started(&self, in_progress: bool) {
        if in_progress {
            self.connecter(ev::CONNECT_DELAYED, Errno::EINPROGRESS.0 as u64);
        }
    }

    /// The next attempt is in `wait`: CONNECT_RETRIED [ms].
    pub fn retried(&self, wait: Duration) {
        self.connecter(ev::CONNECT_RETRIED, wait.as_millis() as u64);
    }

    /// The connect completed: CONNECTED [fd].
    pub fn connected(&self, e: &Engine) {
        self.monitor()
            .raise(ev::CONNECTED, e.raw_fd() as u64, || self.pair(e));
    }

    /// The engine is dropped: an attempt still connecting has its socket
    /// closed (libzmq's connecter `close`): CLOSED [fd].
    pub fn dropped(&self, e: &Engine) {
        if e.connecting {
            self.connecter(ev::CLOSED, e.raw_fd() as u64);
        }
    }

    /// The handshake completed: HANDSHAKE_SUCCEEDED [0], for ZMTP 3.x
    /// peers (libzmq raises it when the mechanism is ready; 1.0/2.0 peers
    /// have none).
    pub fn ready(&self, e: &Engine, version: (u8, u8)) {
        if version.0 >= 3 {
            self.monitor()
                .raise(ev::HANDSHAKE_SUCCEEDED, 0, || self.pair(e));
        }
    }

    /// A HANDSHAKE_FAILED_* event about the connection in `e`: PROTOCOL
    /// [ZMQ_PROTOCOL_ERROR_*], NO_DETAIL [errno], or AUTH [the ZAP status
    /// code] — the hook for the security layer (ZAP, issue 9), which raises
    /// AUTH where libzmq's `zap_client_t` does.
    pub fn handshake_failed(&self, e: &Engine, event: u64, value: u64) {
        self.monitor().raise(event, value, || self.pair(e));
    }

    /// The connection's endpoints for a new pipe, if PIPES_STATS is
    /// monitored.
    pub fn pipe_pair(&self, e: Option<&Engine>) -> Option<EndpointPair> {
        let e = e?;
        self.monitor().wants(ev::PIPES_STATS).then(|| self.pair(e))
    }

    /// The established (or handshaking) connection in `e` died: what
    /// libzmq's `stream_engine_base_t::error` raises. A protocol error was
    /// reported where it occurred (HANDSHAKE_FAILED_PROTOCOL, when libzmq
    /// has a code for it); a timeout or an I/O error during the handshake
    /// (or with a ZMTP 1.0/2.0 peer, which has no mechanism) gives
    /// HANDSHAKE_FAILED_NO_DETAIL with the errno left behind (EAGAIN after
    /// a timer, as observed with libzmq); then DISCONNECTED [fd] in every
    /// case. A connect attempt that fails is [`dropped`](Self::dropped).
    ///
    /// A connect side then retries with a new connecter in libzmq, whose
    /// endpoint is the address as last resolved (`tcp://127.0.0.1:5555`
    /// for `tcp://localhost:5555`): its later events carry that.
    pub fn failed(&mut self, e: Option<&Engine>) {
        let Some(e) = e.filter(|e| !e.connecting && self.monitor().mask() != 0) else {
            return;
        };
        self.raise_failed(e);
        if self.connect && self.endpoint.starts_with("tcp://") {
            if let Ok(a) = tcp::remote_address(e.fd.as_fd()) {
                self.endpoint = tcp::endpoint_string(&a).into();
            }
        }
    }

    fn raise_failed(&self, e: &Engine) {
        // libzmq: no mechanism (ZMTP 1.0/2.0, raw STREAM connections) or
        // one still handshaking.
        let handshaking = !e.ready || e.zmtp.peer().is_none_or(|p| p.version.0 < 3);
        match e.zmtp.failure() {
            Some(
                f
                @ (zmtp::Error::Protocol(_) | zmtp::Error::WrongSocketType | zmtp::Error::MsgSize),
            ) => {
                if let Some(code) = f.handshake_failed_code() {
                    let event = ev::HANDSHAKE_FAILED_PROTOCOL;
                    self.handshake_failed(e, event, code as u64);
                }
            }
            Some(zmtp::Error::Auth(code)) => {
                self.handshake_failed(e, ev::HANDSHAKE_FAILED_AUTH, u64::from(*code));
            }
            Some(zmtp::Error::NoDetail(errno)) => {
                self.handshake_failed(e, ev::HANDSHAKE_FAILED_NO_DETAIL, errno.0 as u64);
            }
            f if handshaking => {
                let errno = match f {
                    Some(_) => Errno::EAGAIN,
                    None => e.io_errno.unwrap_or(Errno::EPIPE),
                };
                let event = ev::HANDSHAKE_FAILED_NO_DETAIL;
                self.handshake_failed(e, event, errno.0 as u64);
            }
            _ => {}
        }
        self.monitor()
            .raise(ev::DISCONNECTED, e.raw_fd() as u64, || self.pair(e));
    }
}
