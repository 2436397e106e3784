//! A socket's endpoints: `zmq_bind`, `zmq_connect`, `zmq_unbind`,
//! `zmq_disconnect`, and what `zmq_close` releases. Runs in the socket's
//! thread: it parses the endpoint (transport layer), starts a listener or a
//! connecting session in an I/O thread (engine layer) and records it; inproc
//! endpoints are joined here without any thread ([`super::inproc`]).

use super::inproc;
use super::Socket;
use crate::engine::{self, Addr, Bound, Started};
use crate::error::{Errno, Result};
use crate::io::monitor::{events, EndpointPair};
use crate::transport::{self, ipc, tcp, Endpoint};

enum RecKind {
    Listener(Started),
    Session {
        started: Started,
        /// The socket's end of the session's pipe (IMMEDIATE=0).
        pipe_uid: Option<u64>,
    },
    InprocBind {
        name: String,
    },
    InprocConnect {
        pipe_uid: u64,
    },
}

/// A bound or connected endpoint of a socket (for unbind/disconnect/close).
pub(super) struct EndpointRec {
    /// The resolved bind string, or the connect string as given.
    uri: String,
    kind: RecKind,
}

impl EndpointRec {
    fn is_bind(&self) -> bool {
        matches!(self.kind, RecKind::Listener(_) | RecKind::InprocBind { .. })
    }

    /// Does this endpoint match what the user gave to unbind/disconnect?
    /// (N3: a tcp string is also tried resolved.)
    fn matches(&self, given: &str, ipv6: bool) -> bool {
        self.uri == given || transport::same_endpoint(&self.uri, given, ipv6)
    }
}

/// L4: types for which a repeated connect to one endpoint is a no-op.
fn is_single_connect(socket_type: i32) -> bool {
    use crate::zmtp::socket_types::{DEALER, PUB, REQ, SUB};
    matches!(socket_type, DEALER | SUB | PUB | REQ)
}

impl Socket {
    fn record(&mut self, uri: &str, kind: RecKind) {
        let uri = uri.to_string();
        self.endpoints.push(EndpointRec { uri, kind });
    }

    /// Has this socket already connected to `uri` (and is a type for which
    /// that makes a second connect a no-op)?
    fn already_connected(&self, uri: &str) -> bool {
        is_single_connect(self.socket_type()) && self.endpoints.iter().any(|e| e.uri == uri)
    }

    /// Binds to `addr`; returns the resolved endpoint (ZMQ_LAST_ENDPOINT).
    pub(super) fn bind_endpoint(&mut self, addr: &str) -> Result<String> {
        let opts = self.core.options.clone();
        let so = opts.sock_opts();
        let (bound, uri) = match transport::parse(addr)? {
            // ZMQ_USE_FD: the application's listening socket (tcp: the
            // address is ignored; ipc: only named), as libzmq.
            Endpoint::Tcp(_) if opts.use_fd >= 0 => {
                let (fd, actual) = tcp::adopt(opts.use_fd)?;
                (Bound::Tcp(fd), tcp::endpoint_string(&actual))
            }
            Endpoint::Tcp(a) => {
                let sa = tcp::resolve_bind(&a, opts.ipv6)
                    .map_err(|e| self.bind_failed(&a, e, None, ""))?;
                let (fd, actual) =
                    tcp::listen_fd(sa, &so).map_err(|(e, fd)| self.bind_failed(&a, e, fd, ""))?;
                (Bound::Tcp(fd), tcp::endpoint_string(&actual))
            }
            Endpoint::Ipc(p) => {
                let l = if opts.use_fd >= 0 {
                    ipc::adopt(opts.use_fd, &p)?
                } else {
                    ipc::listen_fd(&p, &so).map_err(|(e, fd)| self.bind_failed(&p, e, fd, addr))?
                };
                let uri = l.endpoint.clone();
                (Bound::Ipc(l), uri)
            }
            Endpoint::Inproc(name) => {
                inproc::bind(self, &name)?;
                let uri = format!("inproc://{name}");
                self.record(&uri, RecKind::InprocBind { name });
                return Ok(uri);
            }
            _ => return Err(Errno::EPROTONOSUPPORT),
        };
        let fd = bound.raw_fd() as u64;
        let started = engine::listen(bound, &self.shared, &self.ctx, opts)?;
        let ep = uri.as_str();
        self.shared
            .monitor
            .raise(events::LISTENING, fd, || EndpointPair::bind(ep, ""));
        self.record(&uri, RecKind::Listener(started));
        Ok(uri)
    }

    /// A tcp/ipc bind failed: libzmq's monitor sees CLOSED for the socket
    /// it had opened (`closed_ep`: no endpoint yet for tcp, the endpoint
    /// for ipc), then BIND_FAILED [errno] with the address as given
    /// without its `tcp://` or `ipc://` (`socket_base_t::bind`).
    fn bind_failed(&self, address: &str, e: Errno, fd: Option<i32>, closed_ep: &str) -> Errno {
        let m = &self.shared.monitor;
        if let Some(fd) = fd {
            m.raise(events::CLOSED, fd as u64, || {
                EndpointPair::bind(closed_ep, "")
            });
        }
        m.raise(events::BIND_FAILED, e.0 as u64, || {
            EndpointPair::bind(address, "")
        });
        e
    }

    /// Connects to `addr`.
    pub(super) fn connect_endpoint(&mut self, addr: &str) -> Result<()> {
        let target = match transport::parse(addr)? {
            Endpoint::Tcp(a) => Addr::Tcp(tcp::parse_connect(&a)?),
            Endpoint::Ipc(p) => Addr::Ipc(p),
            Endpoint::Inproc(name) if name.is_empty() => return Err(Errno::EINVAL),
            Endpoint::Inproc(_) if self.already_connected(addr) => return Ok(()),
            Endpoint::Inproc(name) => {
                let pipe_uid = inproc::connect(self, &name)?;
                self.note_pipe_endpoints(pipe_uid, || EndpointPair::connect("", addr));
                self.record(addr, RecKind::InprocConnect { pipe_uid });
                return Ok(());
            }
            _ => return Err(Errno::EPROTONOSUPPORT),
        };
        // L4: a repeated connect to the same endpoint is a no-op for these types.
        if self.already_connected(addr) {
            return Ok(());
        }
        let opts = self.core.options.clone();
        let c = engine::connect(target, addr, &self.shared, &self.ctx, opts)?;
        let pipe_uid = c.pipe.map(|(sock_end, direct)| {
            let uid = sock_end.id();
            self.attach_local(sock_end, Some(direct));
            self.note_pipe_endpoints(uid, || EndpointPair::connect("", addr));
            uid
        });
        let started = c.started;
        self.record(addr, RecKind::Session { started, pipe_uid });
        Ok(())
    }

    /// `zmq_unbind`: the first bound endpoint matching `addr`.
    pub(super) fn unbind_endpoint(&mut self, addr: &str) -> Result<()> {
        transport::parse(addr)?;
        let ipv6 = self.core.options.ipv6;
        let Some(i) = self
            .endpoints
            .iter()
            .position(|e| e.is_bind() && e.matches(addr, ipv6))
        else {
            return Err(Errno::ENOENT);
        };
        match self.endpoints.remove(i).kind {
            RecKind::Listener(l) => {
                l.close(false);
                // Nothing sent towards the endpoint may arrive from now on,
                // whenever the I/O thread gets to closing the connections.
                self.drop_listener_pipes(l.token);
            }
            RecKind::InprocBind { name } => inproc::unbind(self, &name),
            _ => {}
        }
        Ok(())
    }

    /// `zmq_disconnect`: every connected endpoint matching `addr`.
    pub(super) fn disconnect_endpoint(&mut self, addr: &str) -> Result<()> {
        transport::parse(addr)?;
        let ipv6 = self.core.options.ipv6;
        let (gone, kept) = std::mem::take(&mut self.endpoints)
            .into_iter()
            .partition::<Vec<_>, _>(|e| !e.is_bind() && e.matches(addr, ipv6));
        self.endpoints = kept;
        if gone.is_empty() {
            return Err(Errno::ENOENT);
        }
        // ZMQ_RECONNECT_STOP_AFTER_DISCONNECT: the other connecters stop on
        // their next refused ipc connect (libzmq's `is_disconnected`).
        let disconnected = &self.core.options.disconnected;
        disconnected.store(true, std::sync::atomic::Ordering::Relaxed);
        for rec in gone {
            match rec.kind {
                RecKind::Session { started, pipe_uid } => {
                    started.close(false);
                    if let Some(uid) = pipe_uid {
                        self.drop_pipe_by_uid(uid);
                    }
                }
                RecKind::InprocConnect { pipe_uid } => self.drop_pipe_by_uid(pipe_uid),
                _ => {}
            }
        }
        Ok(())
    }

    /// Socket close: listeners stop, sessions flush what they hold (linger).
    pub(super) fn close_endpoints(&mut self) {
        for rec in std::mem::take(&mut self.endpoints) {
            match rec.kind {
                // The listener stops at once; its sessions flush under LINGER.
                RecKind::Listener(s) | RecKind::Session { started: s, .. } => s.close(true),
                RecKind::InprocBind { name } => inproc::unbind(self, &name),
                RecKind::InprocConnect { .. } => {}
            }
        }
    }
}
