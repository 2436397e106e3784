//! What a session tells the socket, and the peer, when a connection comes
//! or goes (libzmq's `raw_engine_t::plug_internal`/`error`,
//! `stream_engine_base_t::mechanism_ready`/`error`,
//! `session_base_t::engine_error`, `hello_msg_session_t`):
//!
//! - raw connections (STREAM, ROUTER_RAW) with ZMQ_STREAM_NOTIFY on: an
//!   empty message when the peer connects and when it goes away;
//! - ZMQ_ROUTER_NOTIFY (ROUTER): an empty message after the peer's routing
//!   id when the handshake completes (NOTIFY_CONNECT), and when a handshaken
//!   connection ends (NOTIFY_DISCONNECT);
//! - ZMQ_HELLO_MSG (ROUTER, DEALER): the first message sent to each peer;
//! - ZMQ_DISCONNECT_MSG (ROUTER): received from an accepted peer whose
//!   handshaken connection ended;
//! - ZMQ_HICCUP_MSG (DEALER): received when a connection we made, once
//!   handshaken, ends (the session then reconnects).
//!
//! Notifications are written even when the pipe is at its HWM (one
//! message over it), so none is lost. Nothing here runs per message.

use super::stream::Engine;
use crate::constants::{ZMQ_NOTIFY_CONNECT, ZMQ_NOTIFY_DISCONNECT};
use crate::msg::Msg;
use crate::options::Options;
use crate::pipe::Pipe;

/// The connection is established (raw) or its handshake completed (ZMTP,
/// after the peer's routing id went into the pipe).
pub(super) fn connected(opts: &Options, e: &mut Engine, pipe: Option<&mut Pipe>) {
    if let Some(hello) = opts.hello_msg.as_deref() {
        if opts.can_send_hello_msg() {
            e.zmtp.encode(&Msg::from_slice(hello));
        }
    }
    let Some(p) = pipe else {
        return;
    };
    if e.zmtp.is_raw() {
        if opts.raw_notify {
            let _ = p.write(e.zmtp.notification());
        }
    } else if opts.router_notify & ZMQ_NOTIFY_CONNECT != 0 {
        let _ = p.write(Msg::new());
    }
}

/// The connection failed (EOF, error, timeout). `active`: it was made by
/// `zmq_connect`. Only a connection that was established (raw) or
/// handshaken (ZMTP) is told about.
pub(super) fn disconnected(opts: &Options, e: &mut Engine, p: &mut Pipe, active: bool) {
    if !e.ready {
        return;
    }
    if e.zmtp.is_raw() && opts.raw_notify {
        p.rollback();
        let _ = p.write(e.zmtp.notification());
    }
    if opts.router_notify & ZMQ_NOTIFY_DISCONNECT != 0 {
        p.rollback();
        let _ = p.write(Msg::new());
    }
    if !active && opts.can_recv_disconnect_msg() {
        if let Some(m) = opts.disconnect_msg.as_deref() {
            p.rollback();
            let _ = p.write(Msg::from_slice(m));
        }
    }
    if active && opts.can_recv_hiccup_msg() {
        if let Some(m) = opts.hiccup_msg.as_deref() {
            p.rollback();
            let _ = p.write(Msg::from_slice(m));
        }
    }
}
