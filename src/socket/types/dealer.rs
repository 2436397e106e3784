//! DEALER (libzmq `dealer.cpp`, RFC 28): load-balances outgoing messages
//! and fair-queues incoming ones, without touching envelopes.

use super::{bool_opt, opt};
use crate::error::Result;
use crate::msg::Msg;
use crate::socket::strategy::fq::Fq;
use crate::socket::strategy::lb::Lb;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};

#[derive(Default)]
pub(crate) struct Dealer {
    pub(super) fq: Fq,
    pub(super) lb: Lb,
    /// ZMQ_PROBE_ROUTER: send an empty message on each new pipe.
    pub(super) probe_router: bool,
}

impl Dealer {
    pub fn new() -> Dealer {
        Dealer::default()
    }

    /// Sends one frame; returns the pipe it went to (None: dropped, L2).
    #[inline]
    pub(super) fn send_pipe(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<Option<PipeId>> {
        self.lb.send(cx, msg)
    }

    /// Receives one frame; returns the pipe it came from.
    #[inline]
    pub(super) fn recv_pipe(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<PipeId> {
        // ZMQ_CONFLATE is the pipes' (see pull.rs).
        self.fq.recv(cx, msg)
    }
}

/// ZMQ_PROBE_ROUTER's empty message (ROUTER, DEALER, REQ).
pub(super) fn send_probe(cx: &mut Core, id: PipeId) {
    if let Some(p) = cx.pipes.get_mut(id) {
        let _ = p.write(Msg::new());
    }
}

impl Pattern for Dealer {
    fn attach(&mut self, cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        if self.probe_router {
            send_probe(cx, id);
        }
        self.fq.attach(id);
        self.lb.attach(id);
    }
    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.detach(id);
        self.lb.detach(id);
    }
    fn read_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.lb.activated(id);
    }
    #[inline]
    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        self.send_pipe(cx, msg).map(|_| ())
    }
    #[inline]
    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        self.recv_pipe(cx, msg).map(|_| ())
    }
    fn has_in(&mut self, cx: &mut Core) -> bool {
        self.fq.has_in(cx)
    }
    fn has_out(&mut self, cx: &mut Core) -> bool {
        self.lb.has_out(cx)
    }
    fn setsockopt(&mut self, _cx: &mut Core, option: i32, value: &[u8]) -> Option<Result<()>> {
        match option {
            opt::PROBE_ROUTER => Some(bool_opt(value).map(|b| self.probe_router = b)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{kind, opt};
    use crate::error::Errno;

    #[test]
    fn lb_out_fq_in_envelopes_untouched() {
        let mut h = Harness::new(kind::DEALER);
        let (_a, mut pa) = h.attach(0);
        let (_b, mut pb) = h.attach(0);
        h.send_parts(&[b"", b"1"]).unwrap();
        h.send_parts(&[b"", b"2"]).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"", b"1"])));
        assert_eq!(take(&mut pb), Some(v(&[b"", b"2"])));
        put(&mut pb, &[b"", b"r"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"", b"r"]));
    }

    #[test]
    fn probe_router_and_option_checks() {
        let mut h = Harness::new(kind::DEALER);
        assert_eq!(h.setopt(opt::PROBE_ROUTER, &[1]), Some(Err(Errno::EINVAL)));
        assert_eq!(
            h.setopt(opt::PROBE_ROUTER, &(-1i32).to_ne_bytes()),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(h.setopt(opt::SUBSCRIBE, b"x"), None);
        h.setint(opt::PROBE_ROUTER, 1);
        let (_a, mut pa) = h.attach(0);
        assert_eq!(take(&mut pa), Some(v(&[b""])));
    }

    #[test]
    fn eagain_when_all_full() {
        let mut h = Harness::new(kind::DEALER);
        let (_a, _pa) = h.attach(1);
        let (_b, _pb) = h.attach(1);
        h.send(b"1", false).unwrap();
        h.send(b"2", false).unwrap();
        assert_eq!(h.send(b"3", false), Err(Errno::EAGAIN));
    }
}
