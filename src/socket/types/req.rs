//! REQ (libzmq `req.cpp`, RFC 28, BEHAVIOUR Q1–Q4): a DEALER that adds an
//! empty delimiter (and, with REQ_CORRELATE, a request id) before each
//! request and enforces strict send/recv alternation.

use super::dealer::{send_probe, Dealer};
use super::{bool_opt, opt};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::random;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};

pub(crate) struct Req {
    d: Dealer,
    /// A request was sent; its reply has not been read completely.
    receiving_reply: bool,
    /// The next frame sent/received starts a message.
    message_begins: bool,
    /// The pipe the request went to; replies from others are dropped.
    /// None after that pipe died: then any pipe's reply is accepted (Q1).
    reply_pipe: Option<PipeId>,
    /// ZMQ_REQ_CORRELATE.
    correlate: bool,
    /// Not ZMQ_REQ_RELAXED.
    strict: bool,
    /// Last request id, host byte order on the wire (Q3).
    request_id: u32,
}

impl Req {
    pub fn new() -> Req {
        Req {
            d: Dealer::new(),
            receiving_reply: false,
            message_begins: true,
            reply_pipe: None,
            correlate: false,
            strict: true,
            request_id: random::u32(),
        }
    }

    /// Next frame from the reply pipe; frames from other pipes are dropped.
    fn recv_reply_pipe(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        loop {
            let id = self.d.fq.recv(cx, msg)?;
            if self.reply_pipe.is_none() || self.reply_pipe == Some(id) {
                return Ok(());
            }
        }
    }

    /// Drops the remaining frames of the message `msg` belongs to.
    fn skip_rest(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        while msg.more() {
            self.recv_reply_pipe(cx, msg)?;
        }
        Ok(())
    }
}

impl Pattern for Req {
    fn attach(&mut self, cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        if self.d.probe_router {
            send_probe(cx, id);
        }
        self.d.fq.attach(id);
        self.d.lb.attach(id);
    }
    fn detach(&mut self, cx: &mut Core, id: PipeId) {
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
        self.d.detach(cx, id);
    }
    fn read_activated(&mut self, cx: &mut Core, id: PipeId) {
        self.d.read_activated(cx, id);
    }
    fn write_activated(&mut self, cx: &mut Core, id: PipeId) {
        self.d.write_activated(cx, id);
    }

    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if self.receiving_reply {
            if self.strict {
                return Err(Errno::EFSM);
            }
            // REQ_RELAXED: abandon the pending reply (Q4).
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            self.reply_pipe = None;
            if self.correlate {
                self.request_id = self.request_id.wrapping_add(1);
                let mut id = Msg::from_slice(&self.request_id.to_ne_bytes());
                id.set_more(true);
                self.reply_pipe = self.d.send_pipe(cx, &mut id)?;
            }
            let mut bottom = Msg::new();
            bottom.set_more(true);
            let p = self.d.send_pipe(cx, &mut bottom)?;
            self.reply_pipe = self.reply_pipe.or(p);
            self.message_begins = false;
            // Drop replies already queued, so a stale reply is never taken
            // for the answer to this request (Q1).
            let mut drop = Msg::new();
            while self.d.fq.recv(cx, &mut drop).is_ok() {}
        }
        let more = msg.more();
        self.d.send_pipe(cx, msg)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if !self.receiving_reply {
            return Err(Errno::EFSM);
        }
        while self.message_begins {
            if self.correlate {
                self.recv_reply_pipe(cx, msg)?;
                if !msg.more() || msg.data() != self.request_id.to_ne_bytes() {
                    self.skip_rest(cx, msg)?;
                    continue;
                }
            }
            self.recv_reply_pipe(cx, msg)?;
            if !msg.more() || !msg.is_empty() {
                // Not a reply envelope (Q2): skip the whole message.
                self.skip_rest(cx, msg)?;
                continue;
            }
            self.message_begins = false;
        }
        self.recv_reply_pipe(cx, msg)?;
        if !msg.more() {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(())
    }

    fn has_in(&mut self, cx: &mut Core) -> bool {
        self.receiving_reply && self.d.fq.has_in(cx)
    }
    fn has_out(&mut self, cx: &mut Core) -> bool {
        if self.receiving_reply && self.strict {
            return false;
        }
        self.d.lb.has_out(cx)
    }
    fn setsockopt(&mut self, cx: &mut Core, option: i32, value: &[u8]) -> Option<Result<()>> {
        match option {
            opt::REQ_CORRELATE => Some(bool_opt(value).map(|b| self.correlate = b)),
            opt::REQ_RELAXED => Some(bool_opt(value).map(|b| self.strict = !b)),
            _ => self.d.setsockopt(cx, option, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{kind, opt};
    use crate::error::Errno;

    #[test]
    fn envelope_and_strict_alternation() {
        let mut h = Harness::new(kind::REQ);
        assert_eq!(h.recv_err(), Errno::EFSM);
        let (_a, mut pa) = h.attach(0);
        assert!(h.has_out());
        h.send_parts(&[b"hello", b"world"]).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"", b"hello", b"world"])));
        assert_eq!(h.send(b"again", false), Err(Errno::EFSM));
        assert!(!h.has_out());
        // Malformed replies are skipped (Q2).
        put(&mut pa, &[b"no-delimiter"]);
        put(&mut pa, &[b"x", b"y"]);
        assert!(h.has_in());
        put(&mut pa, &[b"", b"reply", b"2"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"reply", b"2"]));
        assert_eq!(h.recv_err(), Errno::EFSM);
        h.send(b"next", false).unwrap();
    }

    #[test]
    fn replies_only_from_request_pipe_and_stale_dropped() {
        let mut h = Harness::new(kind::REQ);
        let (_a, mut pa) = h.attach(0);
        let (_b, mut pb) = h.attach(0);
        // A stale reply queued before the request is eaten by send (Q1).
        put(&mut pa, &[b"", b"stale"]);
        h.send(b"q1", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"", b"q1"])));
        put(&mut pb, &[b"", b"wrong pipe"]);
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        put(&mut pa, &[b"", b"right"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"right"]));
        // The next request goes to b (round robin).
        h.send(b"q2", false).unwrap();
        assert_eq!(take(&mut pb), Some(v(&[b"", b"q2"])));
    }

    #[test]
    fn reply_pipe_dead_accepts_any() {
        let mut h = Harness::new(kind::REQ);
        let (a, mut pa) = h.attach(0);
        let (_b, mut pb) = h.attach(0);
        h.send(b"q", false).unwrap();
        assert!(take(&mut pa).is_some());
        h.detach(a);
        put(&mut pb, &[b"", b"from b"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"from b"]));
    }

    #[test]
    fn correlate_and_relaxed() {
        let mut h = Harness::new(kind::REQ);
        h.setint(opt::REQ_CORRELATE, 1);
        h.setint(opt::REQ_RELAXED, 1);
        let (_a, mut pa) = h.attach(0);
        h.send(b"q1", false).unwrap();
        let m1 = take(&mut pa).unwrap();
        assert_eq!(m1.len(), 3);
        assert_eq!(
            (m1[0].len(), m1[1].as_slice(), m1[2].as_slice()),
            (4, &b""[..], &b"q1"[..])
        );
        // Relaxed: send again without reading the reply.
        h.send(b"q2", false).unwrap();
        let m2 = take(&mut pa).unwrap();
        let id1 = u32::from_ne_bytes(m1[0].clone().try_into().unwrap());
        let id2 = u32::from_ne_bytes(m2[0].clone().try_into().unwrap());
        assert_eq!(id2, id1.wrapping_add(1));
        // A late reply to q1 is discarded, the reply to q2 accepted.
        put(&mut pa, &[&m1[0], b"", b"late"]);
        put(&mut pa, &[&m2[0], b"", b"good"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"good"]));
    }

    #[test]
    fn no_peer_eagain_keeps_state() {
        let mut h = Harness::new(kind::REQ);
        assert_eq!(h.send(b"q", false), Err(Errno::EAGAIN));
        let (_a, mut pa) = h.attach(0);
        h.send(b"q", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"", b"q"])));
    }
}
