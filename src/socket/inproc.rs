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

/// What the binding side of an inproc pipe is told about it.
fn accepted() -> PipeInfo {
    PipeInfo {
        locally_initiated: false,
        connect_routing_id: None,
        direct_recv: None,
        endpoints: None,
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
            sndhwm,
            rcvhwm,
            routing_id: rid.clone(),
        };
        reg.insert(name.to_string(), entry);
    }
    let pending = s.ctx.inproc_pending.lock().remove(name).unwrap_or_default();
    for InprocPending {
        mut pipe,
        sndhwm: their_snd,
        rcvhwm: their_rcv,
    } in pending
    {
        pipe.set_out_hwm(sum_hwm(sndhwm, their_rcv));
        pipe.set_in_hwm(sum_hwm(their_snd, rcvhwm));
        let _ = pipe.write(routing_id_msg(&rid));
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
    let mine = {
        let reg = s.ctx.inproc.lock();
        match reg.get(name) {
            Some(b) => {
                let (mut mine, mut theirs) =
                    pipe::pair([sum_hwm(sndhwm, b.rcvhwm), sum_hwm(b.sndhwm, rcvhwm)]);
                let _ = mine.write(routing_id_msg(&rid));
                let _ = theirs.write(routing_id_msg(&b.routing_id));
                b.socket.send_attach(theirs, accepted());
                mine
            }
            None => {
                let (mut mine, theirs) = pipe::pair([sndhwm.max(0) as i64, 0]);
                let _ = mine.write(routing_id_msg(&rid));
                let waiting = InprocPending {
                    pipe: theirs,
                    sndhwm,
                    rcvhwm,
                };
                let mut pending = s.ctx.inproc_pending.lock();
                pending.entry(name.to_string()).or_default().push(waiting);
                mine
            }
        }
    };
    let uid = mine.id();
    s.attach_local(mine, None);
    Ok(uid)
}

/// The name is no longer bound (unbind, socket close).
pub(super) fn unbind(s: &Socket, name: &str) {
    s.ctx.inproc.lock().remove(name);
}
