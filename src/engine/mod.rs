//! Connections: the `zmq_bind`/`zmq_connect`/`zmq_unbind`/`zmq_disconnect`
//! entry points (application thread), and the objects they start in I/O
//! threads: [`listener::Listener`] and [`session::Session`] (which holds the
//! stream engine). inproc needs no I/O thread: a pipe joins the two sockets.

pub mod listener;
pub mod session;

use crate::ctx::InprocEntry;
use crate::error::{Errno, Result};
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{new_token, IoCmd};
use crate::msg::{flags, Msg};
use crate::options::Options;
use crate::pipe::{self, Pipe};
use crate::socket::{PipeInfo, Socket, SocketShared};
use crate::transport::{self, ipc, tcp, Endpoint};
use std::sync::Arc;

/// Where a connecting session goes.
pub enum Addr {
    Tcp(tcp::ConnectAddr),
    Ipc(String),
}

enum RecKind {
    Listener {
        io: Arc<Mailbox<IoCmd>>,
        token: u64,
    },
    Session {
        io: Arc<Mailbox<IoCmd>>,
        token: u64,
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
pub struct EndpointRec {
    /// The resolved bind string, or the connect string as given.
    pub uri: String,
    kind: RecKind,
}

/// An inproc endpoint bound by a socket.
pub struct InprocBound {
    socket: Arc<SocketShared>,
    sndhwm: i32,
    rcvhwm: i32,
    routing_id: Vec<u8>,
}

/// An inproc connect waiting for its bind: the binder's pipe end.
pub struct InprocPending {
    pipe: Pipe,
    sndhwm: i32,
    rcvhwm: i32,
}

/// Socket options as the transport layer wants them.
pub(crate) fn sock_opts(o: &Options) -> transport::SockOpts {
    transport::SockOpts {
        sndbuf: o.sndbuf,
        rcvbuf: o.rcvbuf,
        tos: o.tos,
        keepalive: o.tcp_keepalive,
        keepalive_cnt: o.tcp_keepalive_cnt,
        keepalive_idle: o.tcp_keepalive_idle,
        keepalive_intvl: o.tcp_keepalive_intvl,
        maxrt: o.tcp_maxrt,
        backlog: o.backlog,
        ipv6: o.ipv6,
        bindtodevice: (!o.bindtodevice.is_empty()).then(|| o.bindtodevice.clone()),
        priority: o.priority,
    }
}

/// A random u32 (reconnect jitter): seeded per process, unlike libzmq (B2).
pub(crate) fn random_u32() -> u32 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        x = t ^ ((std::process::id() as u64) << 32) | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 32) as u32
}

/// Inproc HWM: the sum of both sides, unlimited if either is (P3, P4).
fn sum_hwm(a: i32, b: i32) -> i64 {
    if a <= 0 || b <= 0 {
        0
    } else {
        a as i64 + b as i64
    }
}

fn routing_id_msg(id: &[u8]) -> Msg {
    let mut m = Msg::from_slice(id);
    m.set_flags(flags::ROUTING_ID);
    m
}

pub(crate) fn bind(s: &mut Socket, addr: &str) -> Result<String> {
    let ep = transport::parse(addr)?;
    let opts = s.core.options.clone();
    let so = sock_opts(&opts);
    let bound = match ep {
        Endpoint::Tcp(a) => {
            let sa = tcp::resolve_bind(&a, opts.ipv6)?;
            let (fd, actual) = tcp::listen(sa, &so)?;
            (listener::Bound::Tcp(fd), tcp::endpoint_string(&actual))
        }
        Endpoint::Ipc(p) => {
            let l = ipc::listen(&p, &so)?;
            let uri = l.endpoint.clone();
            (listener::Bound::Ipc(l), uri)
        }
        Endpoint::Inproc(name) => return inproc_bind(s, &name),
        _ => return Err(Errno::EPROTONOSUPPORT),
    };
    let (b, uri) = bound;
    let io = s.ctx.io_thread()?;
    let token = new_token();
    let l = listener::Listener::new(b, s.shared.clone(), s.ctx.clone(), opts);
    io.send(IoCmd::Register {
        token,
        obj: Box::new(l),
    });
    s.endpoints.push(EndpointRec {
        uri: uri.clone(),
        kind: RecKind::Listener {
            io: io.mailbox().clone(),
            token,
        },
    });
    Ok(uri)
}

/// L4: types for which a repeated connect to one endpoint is a no-op.
fn is_single_connect(socket_type: i32) -> bool {
    use crate::zmtp::socket_types::{DEALER, PUB, REQ, SUB};
    matches!(socket_type, DEALER | SUB | PUB | REQ)
}

pub(crate) fn connect(s: &mut Socket, addr: &str) -> Result<()> {
    let ep = transport::parse(addr)?;
    let target = match ep {
        Endpoint::Tcp(a) => Addr::Tcp(tcp::parse_connect(&a)?),
        Endpoint::Ipc(p) => Addr::Ipc(p),
        Endpoint::Inproc(name) => return inproc_connect(s, addr, &name),
        _ => return Err(Errno::EPROTONOSUPPORT),
    };
    // L4: a repeated connect to the same endpoint is a no-op for these types.
    if is_single_connect(s.socket_type()) && s.endpoints.iter().any(|e| e.uri == addr) {
        return Ok(());
    }
    let opts = s.core.options.clone();
    let (sess_immediate, sndhwm, rcvhwm) = (opts.immediate, opts.sndhwm as i64, opts.rcvhwm as i64);
    let ctx = s.ctx.clone();
    let io = ctx.io_thread()?;
    let token = new_token();
    let mut sess = session::Session::connecter(target, s.shared.clone(), s.ctx.clone(), opts);
    let uid = if sess_immediate {
        None
    } else {
        let (sock_end, sess_end) = pipe::pair([sndhwm, rcvhwm]);
        // Events for the session end go through its thread's mailbox, queued
        // behind the Register command below (or straight to the connection,
        // see `session::SessionNotifier`).
        sess_end.set_notifier(sess.notifier(io.mailbox()), token);
        let uid = sock_end.id();
        let direct = sess.direct_recv(io.mailbox(), token);
        s.attach_local(sock_end, Some(direct));
        sess.set_pipe(sess_end);
        Some(uid)
    };
    io.send(IoCmd::Register {
        token,
        obj: Box::new(sess),
    });
    s.endpoints.push(EndpointRec {
        uri: addr.to_string(),
        kind: RecKind::Session {
            io: io.mailbox().clone(),
            token,
            pipe_uid: uid,
        },
    });
    Ok(())
}

fn inproc_bind(s: &mut Socket, name: &str) -> Result<String> {
    if name.is_empty() {
        return Err(Errno::EINVAL);
    }
    let o = &s.core.options;
    {
        let mut reg = s.ctx.inproc.lock();
        if reg.contains_key(name) {
            return Err(Errno::EADDRINUSE);
        }
        reg.insert(
            name.to_string(),
            InprocEntry::Bound(InprocBound {
                socket: s.shared.clone(),
                sndhwm: o.sndhwm,
                rcvhwm: o.rcvhwm,
                routing_id: o.routing_id.clone(),
            }),
        );
    }
    let pending = s.ctx.inproc_pending.lock().remove(name).unwrap_or_default();
    for mut p in pending {
        let o = &s.core.options;
        p.pipe.set_out_hwm(sum_hwm(o.sndhwm, p.rcvhwm));
        p.pipe.set_in_hwm(sum_hwm(p.sndhwm, o.rcvhwm));
        let _ = p.pipe.write(routing_id_msg(&o.routing_id));
        s.attach_pipe(
            p.pipe,
            PipeInfo {
                locally_initiated: false,
                connect_routing_id: None,
                direct_recv: None,
            },
        );
    }
    let uri = format!("inproc://{name}");
    s.endpoints.push(EndpointRec {
        uri: uri.clone(),
        kind: RecKind::InprocBind {
            name: name.to_string(),
        },
    });
    Ok(uri)
}

fn inproc_connect(s: &mut Socket, uri: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Errno::EINVAL);
    }
    if is_single_connect(s.socket_type()) && s.endpoints.iter().any(|e| e.uri == uri) {
        return Ok(());
    }
    let (sndhwm, rcvhwm, rid) = {
        let o = &s.core.options;
        (o.sndhwm, o.rcvhwm, o.routing_id.clone())
    };
    let mine = {
        let reg = s.ctx.inproc.lock();
        match reg.get(name) {
            Some(InprocEntry::Bound(b)) => {
                let (mut mine, mut theirs) =
                    pipe::pair([sum_hwm(sndhwm, b.rcvhwm), sum_hwm(b.sndhwm, rcvhwm)]);
                let _ = mine.write(routing_id_msg(&rid));
                let _ = theirs.write(routing_id_msg(&b.routing_id));
                b.socket.send_attach(
                    theirs,
                    PipeInfo {
                        locally_initiated: false,
                        connect_routing_id: None,
                        direct_recv: None,
                    },
                );
                mine
            }
            None => {
                let (mut mine, theirs) = pipe::pair([sndhwm.max(0) as i64, 0]);
                let _ = mine.write(routing_id_msg(&rid));
                s.ctx
                    .inproc_pending
                    .lock()
                    .entry(name.to_string())
                    .or_default()
                    .push(InprocPending {
                        pipe: theirs,
                        sndhwm,
                        rcvhwm,
                    });
                mine
            }
        }
    };
    let uid = mine.id();
    s.attach_local(mine, None);
    s.endpoints.push(EndpointRec {
        uri: uri.to_string(),
        kind: RecKind::InprocConnect { pipe_uid: uid },
    });
    Ok(())
}

/// Does a recorded endpoint match what the user gave to unbind/disconnect?
/// (N3: a tcp string is also tried resolved.)
fn matches(rec: &EndpointRec, given: &str, ipv6: bool) -> bool {
    rec.uri == given || transport::same_endpoint(&rec.uri, given, ipv6)
}

pub(crate) fn unbind(s: &mut Socket, addr: &str) -> Result<()> {
    transport::parse(addr)?;
    let ipv6 = s.core.options.ipv6;
    let pos = s.endpoints.iter().position(|e| {
        matches!(
            e.kind,
            RecKind::Listener { .. } | RecKind::InprocBind { .. }
        ) && matches(e, addr, ipv6)
    });
    let Some(i) = pos else {
        return Err(Errno::ENOENT);
    };
    let rec = s.endpoints.remove(i);
    match rec.kind {
        RecKind::Listener { io, token } => io.send(IoCmd::Close {
            token,
            linger: false,
        }),
        RecKind::InprocBind { name } => {
            s.ctx.inproc.lock().remove(&name);
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn disconnect(s: &mut Socket, addr: &str) -> Result<()> {
    transport::parse(addr)?;
    let ipv6 = s.core.options.ipv6;
    let mut found = false;
    let mut i = 0;
    while i < s.endpoints.len() {
        let e = &s.endpoints[i];
        if matches!(
            e.kind,
            RecKind::Session { .. } | RecKind::InprocConnect { .. }
        ) && matches(e, addr, ipv6)
        {
            let rec = s.endpoints.remove(i);
            found = true;
            match rec.kind {
                RecKind::Session {
                    io,
                    token,
                    pipe_uid,
                } => {
                    io.send(IoCmd::Close {
                        token,
                        linger: false,
                    });
                    if let Some(uid) = pipe_uid {
                        s.drop_pipe_by_uid(uid);
                    }
                }
                RecKind::InprocConnect { pipe_uid } => s.drop_pipe_by_uid(pipe_uid),
                _ => {}
            }
        } else {
            i += 1;
        }
    }
    if found {
        Ok(())
    } else {
        Err(Errno::ENOENT)
    }
}

/// Socket close: listeners stop, sessions flush what they hold (linger).
pub(crate) fn close_endpoints(s: &mut Socket) {
    for rec in s.endpoints.drain(..) {
        match rec.kind {
            // The listener stops at once; its sessions flush under LINGER.
            RecKind::Listener { io, token } => io.send(IoCmd::Close {
                token,
                linger: true,
            }),
            RecKind::Session { io, token, .. } => io.send(IoCmd::Close {
                token,
                linger: true,
            }),
            RecKind::InprocBind { name } => {
                s.ctx.inproc.lock().remove(&name);
            }
            RecKind::InprocConnect { .. } => {}
        }
    }
}
