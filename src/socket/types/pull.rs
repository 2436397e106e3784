//! PULL (libzmq `pull.cpp`, RFC 30): fair-queues messages from PUSH peers.
//! Cannot send. With CONFLATE, a recv returns the newest message waiting.

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::strategy::fq::Fq;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};

#[derive(Default)]
pub(crate) struct Pull {
    fq: Fq,
}

impl Pull {
    pub fn new() -> Pull {
        Pull::default()
    }
}

impl Pattern for Pull {
    fn attach(&mut self, _cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        self.fq.attach(id);
    }
    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.detach(id);
    }
    fn read_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _cx: &mut Core, _id: PipeId) {}
    fn send(&mut self, _cx: &mut Core, _msg: &mut Msg) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
    #[inline]
    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        // ZMQ_CONFLATE is the pipes' (only the newest message waits in
        // them), as in libzmq.
        self.fq.recv(cx, msg).map(|_| ())
    }
    fn has_in(&mut self, cx: &mut Core) -> bool {
        self.fq.has_in(cx)
    }
    fn has_out(&mut self, _cx: &mut Core) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::kind;
    use super::super::testutil::*;
    use crate::error::Errno;

    #[test]
    fn fair_queueing_alternates_whole_messages() {
        let mut h = Harness::new(kind::PULL);
        let (_a, mut pa) = h.attach(0);
        let (_b, mut pb) = h.attach(0);
        for i in 0..3u8 {
            put(&mut pa, &[b"a", &[i]]);
            put(&mut pb, &[b"b", &[i]]);
        }
        let mut seen = vec![];
        for _ in 0..6 {
            let m = h.recv_parts().unwrap();
            seen.push((m[0][0], m[1][0]));
        }
        assert_eq!(
            seen,
            vec![
                (b'a', 0),
                (b'b', 0),
                (b'a', 1),
                (b'b', 1),
                (b'a', 2),
                (b'b', 2)
            ]
        );
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        assert_eq!(h.send(b"x", false), Err(Errno::ENOTSUP));
    }

    #[test]
    fn reactivation_and_has_in_prefetch() {
        let mut h = Harness::new(kind::PULL);
        let (a, mut pa) = h.attach(0);
        assert!(!h.has_in());
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        put(&mut pa, &[b"1", b"2"]);
        h.read_activated(a);
        h.read_activated(a);
        assert!(h.has_in());
        assert!(h.has_in());
        assert_eq!(h.recv_parts().unwrap(), v(&[b"1", b"2"]));
        assert!(!h.has_in());
    }

    #[test]
    fn closed_pipe_is_reported_after_draining() {
        let mut h = Harness::new(kind::PULL);
        let (a, mut pa) = h.attach(0);
        put(&mut pa, &[b"last"]);
        drop(pa);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"last"]));
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        assert!(h.cx.pipes.get(a).is_none());
    }

    #[test]
    fn conflating_pipe_keeps_newest() {
        let mut h = Harness::new(kind::PULL);
        let (_a, mut pa) = h.attach(0);
        pa.set_conflate(); // what the session or inproc peer does
        for i in 0..5u8 {
            put(&mut pa, &[&[i]]);
        }
        assert_eq!(h.recv_parts().unwrap(), vec![vec![4]]);
        assert_eq!(h.recv_err(), Errno::EAGAIN);
    }
}
