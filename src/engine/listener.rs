//! A listener: accepts connections on a bound tcp/ipc endpoint and starts a
//! session for each, in the same I/O thread. Closing it (unbind, socket
//! close) closes the sessions it started.

use super::monitor::conn_pair;
use super::session::Session;
use crate::ctx::{CtxHold, CtxInner};
use crate::io::command::SocketShared;
use crate::io::monitor::{events as ev, EndpointPair};
use crate::io::reactor::{new_token, IoObject, Reactor, READABLE};
use crate::options::Options;
use crate::pipe::PipeEvent;
use crate::transport::{ipc, tcp};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;

/// What is listening.
pub enum Bound {
    Tcp(OwnedFd),
    Ipc(ipc::IpcListener),
}

impl Bound {
    /// The bound endpoint (`tcp://0.0.0.0:5555`, `ipc:///tmp/x`), as the
    /// monitor events of the listener carry it.
    fn endpoint(&self) -> String {
        match self {
            Bound::Tcp(fd) => tcp::local_address(fd.as_fd())
                .map(|a| tcp::endpoint_string(&a))
                .unwrap_or_default(),
            Bound::Ipc(l) => l.endpoint.clone(),
        }
    }

    /// The listening socket's number (the LISTENING event's value).
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        self.fd().as_raw_fd()
    }

    fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        match self {
            Bound::Tcp(fd) => fd.as_fd(),
            Bound::Ipc(l) => l.fd.as_fd(),
        }
    }
}

pub struct Listener {
    bound: Option<Bound>,
    socket: Arc<SocketShared>,
    ctx: Arc<CtxInner>,
    /// Keeps `zmq_ctx_term` waiting until this listener is gone.
    hold: Option<CtxHold>,
    opts: Options,
    children: Vec<u64>,
    token: u64,
    /// The bound endpoint (monitor events; shared with its sessions).
    endpoint: Arc<str>,
}

impl Listener {
    pub(super) fn new(
        bound: Bound,
        socket: Arc<SocketShared>,
        ctx: Arc<CtxInner>,
        opts: Options,
    ) -> Listener {
        Listener {
            endpoint: bound.endpoint().into(),
            bound: Some(bound),
            socket,
            hold: Some(ctx.hold_guard()),
            ctx,
            opts,
            children: Vec::new(),
            token: 0,
        }
    }

    fn shut(&mut self, r: &mut Reactor, linger: bool) {
        if let Some(b) = self.bound.take() {
            let fd = b.fd().as_raw_fd();
            r.remove_fd(fd);
            drop(b);
            let ep = &self.endpoint;
            self.socket
                .monitor
                .raise(ev::CLOSED, fd as u64, || EndpointPair::bind(&**ep, ""));
            for c in self.children.drain(..) {
                r.close_later(c, linger);
            }
            r.remove(self.token);
            self.hold = None;
        }
    }
}

/// ZMQ_TCP_ACCEPT_FILTER: no filter, or one matching the peer's address
/// (libzmq's `tcp_listener_t::accept`; a refused connection is closed).
fn tcp_allowed(opts: &Options, peer: &std::net::SocketAddr) -> bool {
    let masks = &opts.tcp_accept_filter_masks;
    masks.is_empty() || masks.iter().any(|m| m.matches(peer.ip()))
}

impl IoObject for Listener {
    fn start(&mut self, r: &mut Reactor, token: u64) {
        self.token = token;
        let Some(b) = self.bound.as_ref() else { return };
        if r.add_fd(b.fd().as_raw_fd(), token, READABLE).is_err() {
            self.shut(r, false);
        }
    }

    fn ready(&mut self, r: &mut Reactor, _token: u64, _events: u32) {
        let so = self.opts.sock_opts();
        loop {
            let Some(b) = self.bound.as_ref() else { return };
            // Ok(Some(Err(()))): accepted, then refused by a filter (the fd
            // is dropped, i.e. closed, at once).
            let accepted = match b {
                Bound::Tcp(fd) => tcp::accept(fd.as_fd(), &so).map(|o| {
                    o.map(|(fd, a)| {
                        let allowed = tcp_allowed(&self.opts, &a);
                        allowed.then(|| (fd, tcp::peer_address(&a))).ok_or(())
                    })
                }),
                Bound::Ipc(l) => ipc::accept(l.fd.as_fd()).map(|o| {
                    o.map(|fd| {
                        let allowed = ipc::peer_allowed(
                            fd.as_fd(),
                            &self.opts.ipc_uid_accept_filters,
                            &self.opts.ipc_gid_accept_filters,
                            &self.opts.ipc_pid_accept_filters,
                        );
                        let pa = ipc::peer_address(fd.as_fd());
                        allowed.then_some((fd, pa)).ok_or(())
                    })
                }),
            };
            match accepted {
                Ok(Some(Ok((fd, peer)))) => {
                    let (raw, ep) = (fd.as_raw_fd() as u64, &self.endpoint);
                    self.socket
                        .monitor
                        .raise(ev::ACCEPTED, raw, || conn_pair(false, ep, fd.as_fd()));
                    let mut s = Session::accepted(
                        fd,
                        peer,
                        self.socket.clone(),
                        &self.ctx,
                        self.opts.clone(),
                        self.token,
                    );
                    s.ev.endpoint = self.endpoint.clone();
                    let t = new_token();
                    if self.children.len() >= 64 {
                        self.children.retain(|&c| r.contains(c));
                    }
                    self.children.push(t);
                    r.register(t, Box::new(s));
                }
                // Refused by a filter: the fd is closed; accept the next.
                // libzmq raises ACCEPT_FAILED here with whatever errno was
                // left over; ours says EACCES.
                Ok(Some(Err(()))) => {
                    let ep = &self.endpoint;
                    self.socket
                        .monitor
                        .raise(ev::ACCEPT_FAILED, libc::EACCES as u64, || {
                            EndpointPair::bind(&**ep, "")
                        });
                    continue;
                }
                Ok(None) => return,
                Err(e) => {
                    // EMFILE and friends: try again on the next event.
                    let ep = &self.endpoint;
                    self.socket
                        .monitor
                        .raise(ev::ACCEPT_FAILED, e.0 as u64, || {
                            EndpointPair::bind(&**ep, "")
                        });
                    return;
                }
            }
        }
    }

    fn pipe(&mut self, _r: &mut Reactor, _token: u64, _ev: PipeEvent) {}

    fn timer(&mut self, _r: &mut Reactor, _token: u64, _id: u32) {}

    fn close(&mut self, r: &mut Reactor, _token: u64, linger: bool) {
        self.shut(r, linger);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{greet, io_world};
    use super::*;
    use crate::io::reactor::IoCmd;
    use crate::zmtp::socket_types;

    /// Each accepted connection gets a session; closing the listener stops
    /// accepting.
    #[test]
    fn accepts_and_starts_a_session_per_connection() {
        let (io, ctx, socket) = io_world();
        let opts = Options::new(socket_types::PAIR, true);
        let so = opts.sock_opts();
        let sa = tcp::resolve_bind("127.0.0.1:*", false).unwrap();
        let (fd, addr) = tcp::listen(sa, &so).unwrap();
        let token = new_token();
        let l = Listener::new(Bound::Tcp(fd), socket.clone(), ctx.clone(), opts);
        io.send(IoCmd::Register {
            token,
            obj: Box::new(l),
        });
        for _ in 0..2 {
            let mut c = std::net::TcpStream::connect(addr).unwrap();
            c.set_read_timeout(Some(std::time::Duration::from_secs(2)))
                .unwrap();
            let (_peer, _pipe, info) = greet(&mut c, &socket);
            assert!(!info.locally_initiated);
        }
        io.send(IoCmd::Close {
            token,
            linger: false,
        });
        // Closed: a new connection is refused once the fd is gone.
        let refused = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(5));
            std::net::TcpStream::connect(addr).is_err()
        });
        assert!(refused);
        io.stop();
    }
}
