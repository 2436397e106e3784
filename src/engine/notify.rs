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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::{self, Read};
    use crate::zmtp::{socket_types, Zmtp};
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    use std::time::Instant;

    fn engine(opts: &Options) -> (Engine, UnixStream) {
        let (a, b) = UnixStream::pair().unwrap();
        let codec = if opts.raw_socket {
            Engine::codec(opts, Instant::now())
        } else {
            let cfg = crate::zmtp::Config::default();
            Zmtp::ready_for_test(cfg, (3, 1), Instant::now())
        };
        let mut e = Engine::new(OwnedFd::from(a), codec, "127.0.0.1".into(), false);
        e.set_ready(crate::msg::Metadata::new());
        (e, b)
    }

    fn drain(p: &mut Pipe) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Read::Msg(m) = p.read() {
            out.push(m.data().to_vec());
        }
        out
    }

    #[test]
    fn router_hello_notify_and_disconnect_msg() {
        let mut o = Options::new(socket_types::ROUTER, true);
        o.router_notify = ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT;
        o.hello_msg = Some(b"hello".to_vec());
        o.disconnect_msg = Some(b"bye".to_vec());
        o.hiccup_msg = Some(b"hic".to_vec());
        let (mut e, _b) = engine(&o);
        let (mut sess, mut sock) = pipe::pair([0, 0]);
        connected(&o, &mut e, Some(&mut sess));
        assert_eq!(drain(&mut sock), [b"".to_vec()]);
        // The hello is the first frame queued for the peer.
        assert_eq!(e.zmtp.output(), b"\x00\x05hello");
        disconnected(&o, &mut e, &mut sess, false);
        assert_eq!(drain(&mut sock), [b"".to_vec(), b"bye".to_vec()]);
        // A connection we made gets no DISCONNECT_MSG (nor, on ROUTER, a hiccup).
        disconnected(&o, &mut e, &mut sess, true);
        assert_eq!(drain(&mut sock), [b"".to_vec()]);
    }

    #[test]
    fn dealer_hiccup_only_for_connections_it_made() {
        let mut o = Options::new(socket_types::DEALER, true);
        o.hiccup_msg = Some(b"hic".to_vec());
        o.disconnect_msg = Some(b"bye".to_vec());
        let (mut e, _b) = engine(&o);
        let (mut sess, mut sock) = pipe::pair([0, 0]);
        disconnected(&o, &mut e, &mut sess, false);
        assert!(drain(&mut sock).is_empty());
        disconnected(&o, &mut e, &mut sess, true);
        assert_eq!(drain(&mut sock), [b"hic".to_vec()]);
        // Not handshaken: nothing.
        e.ready = false;
        disconnected(&o, &mut e, &mut sess, true);
        assert!(drain(&mut sock).is_empty());
    }

    #[test]
    fn other_types_ignore_the_messages() {
        let mut o = Options::new(socket_types::PAIR, true);
        o.hello_msg = Some(b"hello".to_vec());
        o.disconnect_msg = Some(b"bye".to_vec());
        o.hiccup_msg = Some(b"hic".to_vec());
        let (mut e, _b) = engine(&o);
        let (mut sess, mut sock) = pipe::pair([0, 0]);
        connected(&o, &mut e, Some(&mut sess));
        assert_eq!(e.zmtp.output_len(), 0);
        disconnected(&o, &mut e, &mut sess, false);
        disconnected(&o, &mut e, &mut sess, true);
        assert!(drain(&mut sock).is_empty());
    }

    #[test]
    fn raw_notifications_carry_the_peer_address() {
        let mut o = Options::new(socket_types::STREAM, true);
        let (mut e, _b) = engine(&o);
        assert!(e.zmtp.is_raw());
        let (mut sess, mut sock) = pipe::pair([0, 0]);
        connected(&o, &mut e, Some(&mut sess));
        disconnected(&o, &mut e, &mut sess, true);
        for _ in 0..2 {
            let Read::Msg(m) = sock.read() else { panic!() };
            assert!(m.is_empty());
            assert!(m.gets("Peer-Address").is_some());
        }
        o.raw_notify = false;
        connected(&o, &mut e, Some(&mut sess));
        disconnected(&o, &mut e, &mut sess, true);
        assert!(drain(&mut sock).is_empty());
        assert_eq!(Zmtp::raw(Instant::now()).output_len(), 0);
    }
}
