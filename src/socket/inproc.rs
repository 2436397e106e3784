//! inproc endpoints: two sockets of one context joined by a pipe, with no
//! I/O thread. The context keeps the registry of bound names and of
//! connects made before their bind (which get their pipe at the bind).
//!
//! The pipe's limit in each direction is the sum of the writer's SNDHWM and
//! the reader's RCVHWM, unlimited if either is (BEHAVIOUR P3, P4); each
//! side is greeted with the other's routing id, as a ZMTP handshake would.

use super::Socket;
use crate::ctx::{InprocBound, InprocPending};
use crate::error::{Errno, Result};
use crate::io::command::PipeInfo;
use crate::msg::{flags, Msg};
use crate::pipe;

fn routing_id_msg(id: &[u8]) -> Msg {
    let mut m = Msg::from_slice(id);
    m.set_flags(flags::ROUTING_ID);
    m
}

/// The connecter's ZMQ_CONFLATE decides for both directions of an inproc
/// pipe, as in libzmq (for the types it conflates: DEALER, PULL, PUSH, PUB,
/// SUB).
fn connecter_conflates(s: &Socket) -> bool {
    use crate::zmtp::socket_types::{DEALER, PUB, PULL, PUSH, SUB};
    s.core.options.conflate && matches!(s.socket_type(), DEALER | PULL | PUSH | PUB | SUB)
}

/// Fixes whether the half `end` writes conflates (after its routing-id
/// greeting): on a conflating pipe, unless the writer sends subscriptions,
/// which must all arrive.
fn fix_conflate(end: &mut pipe::Pipe, conflate: bool, writer_type: i32) {
    use crate::zmtp::socket_types::{SUB, XSUB};
    end.conflate_fixed = true;
    if conflate && !matches!(writer_type, SUB | XSUB) {
        end.set_conflate();
    }
}

/// What the binding side of an inproc pipe is told about it.
fn accepted() -> PipeInfo {
    PipeInfo {
        locally_initiated: false,
        connect_routing_id: None,
        direct_recv: None,
        origin: 0,
    }
}

/// Binds `name`; the pipes of connects that were waiting for it are
/// attached now.
pub(super) fn bind(s: &mut Socket, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Errno::EINVAL);
    }
    let (sndhwm, rcvhwm, rid) = {
        let o = &s.core.options;
        (o.sndhwm, o.rcvhwm, o.routing_id.clone())
    };
    {
        let mut reg = s.ctx.inproc.lock();
        if reg.contains_key(name) {
            return Err(Errno::EADDRINUSE);
        }
        let entry = InprocBound {
            socket: s.shared.clone(),
            socket_type: s.socket_type(),
            sndhwm,
            rcvhwm,
            routing_id: rid.clone(),
        };
        reg.insert(name.to_string(), entry);
    }
    let pending = s.ctx.inproc_pending.lock().remove(name).unwrap_or_default();
    for InprocPending {
        mut pipe,
        conflate,
        sndhwm: their_snd,
        rcvhwm: their_rcv,
    } in pending
    {
        pipe.set_summed_hwms(
            sndhwm.into(),
            their_rcv.into(),
            their_snd.into(),
            rcvhwm.into(),
        );
        let _ = pipe.write(routing_id_msg(&rid));
        fix_conflate(&mut pipe, conflate, s.socket_type());
        s.attach_pipe(pipe, accepted());
    }
    Ok(())
}

/// Connects to `name` (not empty), bound or not yet; returns the id of our
/// pipe end.
pub(super) fn connect(s: &mut Socket, name: &str) -> Result<u64> {
    let (sndhwm, rcvhwm, rid) = {
        let o = &s.core.options;
        (o.sndhwm, o.rcvhwm, o.routing_id.clone())
    };
    let conflate = connecter_conflates(s);
    let mine = {
        let reg = s.ctx.inproc.lock();
        match reg.get(name) {
            Some(b) => {
                let (mut mine, mut theirs) = pipe::pair([0, 0]);
                mine.set_summed_hwms(
                    sndhwm.into(),
                    b.rcvhwm.into(),
                    b.sndhwm.into(),
                    rcvhwm.into(),
                );
                let _ = mine.write(routing_id_msg(&rid));
                let _ = theirs.write(routing_id_msg(&b.routing_id));
                fix_conflate(&mut theirs, conflate, b.socket_type);
                b.socket.send_attach(theirs, accepted());
                mine
            }
            None => {
                let (mut mine, theirs) = pipe::pair([sndhwm.max(0) as i64, 0]);
                let _ = mine.write(routing_id_msg(&rid));
                let waiting = InprocPending {
                    pipe: theirs,
                    conflate,
                    sndhwm,
                    rcvhwm,
                };
                let mut pending = s.ctx.inproc_pending.lock();
                pending.entry(name.to_string()).or_default().push(waiting);
                mine
            }
        }
    };
    let mut mine = mine;
    fix_conflate(&mut mine, conflate, s.socket_type());
    let uid = mine.id();
    s.attach_local(mine, None);
    Ok(uid)
}

/// The name is no longer bound (unbind, socket close).
pub(super) fn unbind(s: &Socket, name: &str) {
    s.ctx.inproc.lock().remove(name);
}
