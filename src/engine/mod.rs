//! The connection engine: what runs a tcp/ipc connection in an I/O thread,
//! in one room per concept (libzmq's session, stream engine and connecter):
//!
//! - [`stream`]: the byte engine — fd + ZMTP codec; one read loop
//!   (read → decode → pipe) and one encode loop (pipe → encode → write),
//!   shared by the I/O thread and the direct paths.
//! - [`session`]: a connection's life — pipe glue, attach on handshake,
//!   reconnect and connect timers, linger.
//! - [`connecter`]: where and how to connect, backoff, CONNECT_TIMEOUT.
//! - [`listener`]: accepts connections and starts a session for each.
//! - [`conn`]: the lock that the I/O thread and the direct paths share.
//! - `monitor`: the monitor events they raise (`zmq_socket_monitor`).
//! - [`direct_send`] / [`direct_recv`]: the fast paths that let a socket's
//!   own thread send or receive on an idle connection.
//!
//! The socket layer (above) starts these objects with [`listen`] and
//! [`connect`], stops them with [`Started::close`], and hears back only
//! through its mailbox ([`SocketShared`]).

pub mod conn;
pub mod connecter;
pub mod direct_recv;
pub mod direct_send;
pub mod listener;
mod monitor;
mod notify;
pub mod session;
pub mod stream;
#[cfg(test)]
mod testutil;
mod zap;

pub use connecter::Addr;
pub use listener::Bound;

use crate::ctx::CtxInner;
use crate::error::Result;
use crate::io::command::SocketShared;
use crate::io::mailbox::Mailbox;
use crate::io::reactor::{new_token, IoCmd, IoObject, IoThread};
use crate::options::Options;
use crate::pipe::{self, DirectReceiver, Pipe};
use std::sync::Arc;

/// An object started in an I/O thread: where to send it commands.
pub struct Started {
    pub io: Arc<Mailbox<IoCmd>>,
    pub token: u64,
}

/// A connecting session just started. With IMMEDIATE=0 the socket's end of
/// the session's pipe (which survives reconnections) comes with it, and the
/// handle for reading the connection while a receive blocks.
pub struct Connecting {
    pub started: Started,
    pub pipe: Option<(Pipe, Arc<dyn DirectReceiver>)>,
}

/// Starts a listener on a bound tcp/ipc endpoint in an I/O thread.
pub fn listen(
    bound: Bound,
    socket: &Arc<SocketShared>,
    ctx: &Arc<CtxInner>,
    opts: Options,
) -> Result<Started> {
    let io = ctx.io_thread(opts.affinity)?;
    let l = listener::Listener::new(bound, socket.clone(), ctx.clone(), opts);
    Ok(Started::register(io, new_token(), Box::new(l)))
}

/// Starts a connecting session to `addr` (`uri`: the endpoint as given,
/// for monitor events) in an I/O thread.
pub fn connect(
    addr: Addr,
    uri: &str,
    socket: &Arc<SocketShared>,
    ctx: &Arc<CtxInner>,
    opts: Options,
) -> Result<Connecting> {
    let io = ctx.io_thread(opts.affinity)?;
    let token = new_token();
    let (immediate, hwm) = (opts.immediate, [opts.sndhwm as i64, opts.rcvhwm as i64]);
    let conflate = session::conflates_in(&opts);
    let c = connecter::Connecter::new(addr, &opts);
    let mut sess = session::Session::connecter(c, socket.clone(), ctx, opts);
    sess.ev.endpoint = uri.into();
    let pipe = if immediate {
        None
    } else {
        let (sock_end, mut sess_end) = pipe::pair(hwm);
        if conflate {
            sess_end.set_conflate();
        }
        // Events for the session end go through its thread's mailbox, queued
        // behind the Register command below (or straight to the connection,
        // see `direct_send`).
        sess_end.set_notifier(sess.notifier(io.mailbox()), token);
        let direct: Arc<dyn DirectReceiver> = sess.direct_recv(io.mailbox(), token);
        sess.set_pipe(sess_end);
        Some((sock_end, direct))
    };
    let started = Started::register(io, token, Box::new(sess));
    Ok(Connecting { started, pipe })
}

impl Started {
    /// Hands `obj` to the I/O thread `io` under `token`.
    fn register(io: &IoThread, token: u64, obj: Box<dyn IoObject>) -> Started {
        io.send(IoCmd::Register { token, obj });
        Started {
            io: io.mailbox().clone(),
            token,
        }
    }

    /// Closes the listener or session: at once, or (`linger`) after it has
    /// flushed what the socket sent.
    pub fn close(&self, linger: bool) {
        self.io.send(IoCmd::Close {
            token: self.token,
            linger,
        });
    }
}
