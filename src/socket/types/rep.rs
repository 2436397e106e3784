//! REP (libzmq `rep.cpp`, RFC 28, BEHAVIOUR Q5–Q6): fair-queues requests,
//! keeps each request's envelope (every frame up to the empty delimiter) and
//! puts it back in front of the reply.
//!
//! libzmq builds REP on ROUTER and routes the reply by routing id. Here the
//! envelope frames are written straight into the pending (invisible) part
//! of the request's own pipe as they are read, so no id lookup is needed,
//! and a malformed request simply rolls that pipe back — without B1's stuck
//! state.

use super::dealer::send_probe;
use super::{bool_opt, opt};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::strategy::fq::Fq;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};

#[derive(Default)]
pub(crate) struct Rep {
    fq: Fq,
    /// A request was read; the reply is owed.
    sending_reply: bool,
    /// The envelope of the current request has been copied already.
    in_body: bool,
    /// Where the reply goes; None: it is dropped (pipe full at request time,
    /// or gone).
    reply_pipe: Option<PipeId>,
    /// Options libzmq's REP inherits from ROUTER.
    probe_router: bool,
}

impl Rep {
    pub fn new() -> Rep {
        Rep::default()
    }

    fn abandon_reply(&mut self, cx: &mut Core) {
        if let Some(id) = self.reply_pipe.take() {
            if let Some(p) = cx.pipes.get_mut(id) {
                p.rollback();
            }
        }
    }

    /// Reads frames up to and including the empty delimiter, copying them to
    /// the reply pipe. Malformed messages are dropped whole (Q6).
    fn copy_envelope(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        let mut starting = true;
        loop {
            let id = match self.fq.recv(cx, msg) {
                Ok(id) => id,
                Err(e) => {
                    if !starting {
                        self.abandon_reply(cx);
                    }
                    return Err(e);
                }
            };
            if !msg.more() {
                // No delimiter before the end: undo what was copied.
                self.abandon_reply(cx);
                starting = true;
                continue;
            }
            if starting {
                starting = false;
                // A full pipe at request time: the reply will be dropped
                // (libzmq's ROUTER does the same).
                self.reply_pipe = cx.pipes.get(id).filter(|p| p.check_write()).map(|_| id);
            }
            let bottom = msg.is_empty();
            if let Some(r) = self.reply_pipe {
                if let Some(p) = cx.pipes.get_mut(r) {
                    if p.write(msg.take()).is_err() {
                        self.reply_pipe = None;
                    }
                }
            }
            msg.clear();
            if bottom {
                return Ok(());
            }
        }
    }
}

impl Pattern for Rep {
    fn attach(&mut self, cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        if self.probe_router {
            send_probe(cx, id);
        }
        self.fq.attach(id);
    }
    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
        self.fq.detach(id);
    }
    fn read_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _cx: &mut Core, _id: PipeId) {}

    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if !self.sending_reply {
            return Err(Errno::EFSM);
        }
        let more = msg.more();
        if let Some(id) = self.reply_pipe {
            let ok = match cx.pipes.get_mut(id) {
                Some(p) => p.write(msg.take()).is_ok(),
                None => false,
            };
            if !ok {
                self.abandon_reply(cx);
            }
        }
        msg.clear();
        if !more {
            self.sending_reply = false;
            self.reply_pipe = None;
        }
        Ok(())
    }

    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if self.sending_reply {
            return Err(Errno::EFSM);
        }
        if !self.in_body {
            self.copy_envelope(cx, msg)?;
            self.in_body = true;
        }
        self.fq.recv(cx, msg)?;
        if !msg.more() {
            self.sending_reply = true;
            self.in_body = false;
        }
        Ok(())
    }

    fn has_in(&mut self, cx: &mut Core) -> bool {
        !self.sending_reply && self.fq.has_in(cx)
    }
    fn has_out(&mut self, _cx: &mut Core) -> bool {
        self.sending_reply
    }
    fn setsockopt(&mut self, _cx: &mut Core, option: i32, value: &[u8]) -> Option<Result<()>> {
        match option {
            opt::PROBE_ROUTER => Some(bool_opt(value).map(|b| self.probe_router = b)),
            // Accepted as libzmq's ROUTER-based REP does; no effect on REP.
            opt::ROUTER_MANDATORY | opt::ROUTER_HANDOVER => Some(bool_opt(value).map(|_| ())),
            // libzmq's REP takes raw mode and stops being a REP; refused
            // here (EINVAL) rather than accepted and broken.
            opt::ROUTER_RAW => Some(match bool_opt(value) {
                Ok(false) => Ok(()),
                Ok(true) => Err(Errno::EINVAL),
                Err(e) => Err(e),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::kind;
    use super::super::testutil::*;
    use crate::error::Errno;

    #[test]
    fn strips_and_restores_envelope() {
        let mut h = Harness::new(kind::REP);
        assert_eq!(h.send(b"x", false), Err(Errno::EFSM));
        let (_a, mut pa) = h.attach(0);
        put(&mut pa, &[b"hop1", b"hop2", b"", b"req", b"uest"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"req", b"uest"]));
        assert_eq!(h.recv_err(), Errno::EFSM);
        assert!(h.has_out() && !h.has_in());
        h.send_parts(&[b"rep", b"ly"]).unwrap();
        assert_eq!(
            take(&mut pa),
            Some(v(&[b"hop1", b"hop2", b"", b"rep", b"ly"]))
        );
        assert_eq!(h.send(b"x", false), Err(Errno::EFSM));
    }

    #[test]
    fn malformed_request_dropped_q6() {
        let mut h = Harness::new(kind::REP);
        let (_a, mut pa) = h.attach(0);
        put(&mut pa, &[b"bad"]);
        put(&mut pa, &[b"id", b"also bad"]);
        put(&mut pa, &[b"", b"good"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"good"]));
        h.send(b"R", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"", b"R"])));
        assert_eq!(take(&mut pa), None);
    }

    #[test]
    fn malformed_from_dying_peer_does_not_lose_next_reply_b1() {
        let mut h = Harness::new(kind::REP);
        let (_a, mut pa) = h.attach(1);
        // Fill a's outbound so the reply pipe is not writable at request time.
        put(&mut pa, &[b"", b"q1"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"q1"]));
        h.send(b"r1", false).unwrap();
        put(&mut pa, &[b"x", b"bad"]); // envelope to a full pipe, then malformed
        let (_b, mut pb) = h.attach(0);
        put(&mut pb, &[b"", b"q2"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"q2"]));
        h.send(b"r2", false).unwrap();
        assert_eq!(take(&mut pb), Some(v(&[b"", b"r2"])));
        assert_eq!(take(&mut pa), Some(v(&[b"", b"r1"])));
    }

    #[test]
    fn fair_between_clients_and_reply_to_the_right_one() {
        let mut h = Harness::new(kind::REP);
        let (_a, mut pa) = h.attach(0);
        let (b, mut pb) = h.attach(0);
        put(&mut pa, &[b"", b"a1"]);
        put(&mut pa, &[b"", b"a2"]);
        put(&mut pb, &[b"", b"b1"]);
        let mut order = vec![];
        for _ in 0..3 {
            let m = h.recv_parts().unwrap();
            order.push(m[0].clone());
            let mut r = m[0].clone();
            r.push(b'!');
            h.send(&r, false).unwrap();
        }
        assert_eq!(order, v(&[b"a1", b"b1", b"a2"]));
        assert_eq!(take(&mut pa), Some(v(&[b"", b"a1!"])));
        assert_eq!(take(&mut pa), Some(v(&[b"", b"a2!"])));
        assert_eq!(take(&mut pb), Some(v(&[b"", b"b1!"])));
        // Reply pipe gone before the reply: the reply is dropped quietly.
        put(&mut pb, &[b"", b"b2"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"b2"]));
        h.detach(b);
        h.send(b"lost", false).unwrap();
        assert_eq!(h.recv_err(), Errno::EAGAIN);
    }
}
