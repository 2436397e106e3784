//! PAIR (libzmq `pair.cpp`, RFC 31): exactly one peer; later pipes are
//! rejected (closed). Send gives EAGAIN at HWM or with no peer.

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::strategy::fq::Fq;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};

#[derive(Default)]
pub(crate) struct Pair {
    pipe: Option<PipeId>,
    /// Reading goes through a one-pipe fair queue for its prefetch (has_in).
    fq: Fq,
}

impl Pair {
    pub fn new() -> Pair {
        Pair::default()
    }
}

impl Pattern for Pair {
    fn attach(&mut self, cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        if self.pipe.is_none() {
            self.pipe = Some(id);
            self.fq.attach(id);
        } else {
            // Only one peer: the socket rejects further connections.
            cx.pipe_dead(id);
        }
    }
    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        if self.pipe == Some(id) {
            self.pipe = None;
            self.fq.detach(id);
        }
    }
    fn read_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _cx: &mut Core, _id: PipeId) {}
    #[inline]
    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        let Some(id) = self.pipe else {
            return Err(Errno::EAGAIN);
        };
        let Some(p) = cx.pipes.get_mut(id) else {
            return Err(Errno::EAGAIN);
        };
        if !p.check_write() {
            if p.is_peer_closed() {
                cx.pipe_dead(id);
            }
            return Err(Errno::EAGAIN);
        }
        match p.write(msg.take()) {
            Ok(()) => Ok(()),
            Err(m) => {
                *msg = m;
                cx.pipe_dead(id);
                Err(Errno::EAGAIN)
            }
        }
    }
    #[inline]
    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        // libzmq does not conflate PAIR pipes (only DEALER, PULL, PUSH, PUB, SUB).
        self.fq.recv(cx, msg).map(|_| ())
    }
    fn has_in(&mut self, cx: &mut Core) -> bool {
        self.fq.has_in(cx)
    }
    fn has_out(&mut self, cx: &mut Core) -> bool {
        match self.pipe.and_then(|id| cx.pipes.get(id)) {
            Some(p) => p.check_write(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::kind;
    use super::super::testutil::*;
    use crate::error::Errno;

    #[test]
    fn second_pipe_rejected() {
        let mut h = Harness::new(kind::PAIR);
        let (a, mut pa) = h.attach(0);
        let (b, _pb) = h.attach(0);
        assert!(h.cx.pipes.get(b).is_none(), "second pipe closed");
        assert!(h.cx.pipes.get(a).is_some());
        h.send_parts(&[b"x", b"y"]).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"x", b"y"])));
        put(&mut pa, &[b"back"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"back"]));
        // After the peer goes, a new one is accepted.
        h.detach(a);
        assert_eq!(h.send(b"x", false), Err(Errno::EAGAIN));
        let (c, mut pc) = h.attach(0);
        assert!(h.cx.pipes.get(c).is_some());
        h.send(b"z", false).unwrap();
        assert_eq!(take(&mut pc), Some(v(&[b"z"])));
    }

    #[test]
    fn eagain_at_hwm() {
        let mut h = Harness::new(kind::PAIR);
        let (_a, mut pa) = h.attach(1);
        h.send(b"1", false).unwrap();
        assert_eq!(h.send(b"2", false), Err(Errno::EAGAIN));
        assert!(!h.has_out());
        assert_eq!(drain(&mut pa), 1);
        assert!(h.has_out());
    }
}
