//! PUSH (libzmq `push.cpp`, RFC 30): load-balances messages to PULL peers;
//! blocks (EAGAIN) when every pipe is at its HWM. Cannot receive.

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::Read;
use crate::socket::strategy::lb::Lb;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};

#[derive(Default)]
pub(crate) struct Push {
    lb: Lb,
}

impl Push {
    pub fn new() -> Push {
        Push::default()
    }
}

impl Pattern for Push {
    fn attach(&mut self, _cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        self.lb.attach(id);
    }
    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        self.lb.detach(id);
    }
    fn read_activated(&mut self, cx: &mut Core, id: PipeId) {
        // PULL peers send nothing; drop whatever arrives and notice closing.
        if let Some(p) = cx.pipes.get_mut(id) {
            loop {
                match p.read() {
                    Read::Msg(_) => {}
                    Read::Empty => break,
                    Read::Closed => {
                        cx.pipe_dead(id);
                        break;
                    }
                }
            }
        }
    }
    fn write_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.lb.activated(id);
    }
    #[inline]
    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        self.lb.send(cx, msg).map(|_| ())
    }
    fn recv(&mut self, _cx: &mut Core, _msg: &mut Msg) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
    fn has_in(&mut self, _cx: &mut Core) -> bool {
        false
    }
    fn has_out(&mut self, cx: &mut Core) -> bool {
        self.lb.has_out(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::super::kind;
    use super::super::testutil::*;
    use crate::error::Errno;

    #[test]
    fn round_robin_over_three_pipes() {
        let mut h = Harness::new(kind::PUSH);
        let mut peers: Vec<_> = (0..3).map(|_| h.attach(0).1).collect();
        for i in 0..6u8 {
            h.send_parts(&[&[i], b"tail"]).unwrap();
        }
        let got: Vec<Vec<u8>> = peers
            .iter_mut()
            .map(|p| {
                std::iter::from_fn(|| take(p))
                    .flat_map(|m| m[0].clone())
                    .collect()
            })
            .collect();
        assert_eq!(got, vec![vec![0, 3], vec![1, 4], vec![2, 5]]);
        assert_eq!(h.recv_err(), Errno::ENOTSUP);
    }

    #[test]
    fn eagain_at_hwm_then_resumes() {
        let mut h = Harness::new(kind::PUSH);
        let (id, mut peer) = h.attach(2);
        h.send(b"1", false).unwrap();
        h.send(b"2", false).unwrap();
        assert_eq!(h.send(b"3", false), Err(Errno::EAGAIN));
        assert!(!h.has_out());
        assert_eq!(take(&mut peer), Some(v(&[b"1"])));
        h.write_activated(id);
        h.write_activated(id); // duplicated wake-ups are harmless
        h.send(b"3", false).unwrap();
        assert_eq!(drain(&mut peer), 2);
    }

    #[test]
    fn no_pipe_is_eagain() {
        let mut h = Harness::new(kind::PUSH);
        assert_eq!(h.send(b"x", false), Err(Errno::EAGAIN));
    }

    #[test]
    fn hwm_counts_messages_not_frames() {
        let mut h = Harness::new(kind::PUSH);
        let (_id, mut peer) = h.attach(1);
        for _ in 0..100 {
            h.send(b"f", true).unwrap();
        }
        h.send(b"end", false).unwrap();
        assert_eq!(h.send(b"x", false), Err(Errno::EAGAIN));
        assert_eq!(take(&mut peer).unwrap().len(), 101);
    }

    #[test]
    fn pipe_dying_mid_multipart_drops_rest() {
        let mut h = Harness::new(kind::PUSH);
        let (a, mut pa) = h.attach(0);
        let (_b, mut pb) = h.attach(0);
        h.send(b"1", true).unwrap(); // goes to a
        h.detach(a);
        h.send(b"2", true).unwrap(); // dropped
        h.send(b"3", false).unwrap(); // dropped
        h.send(b"next", false).unwrap(); // b
        assert_eq!(take(&mut pa), None);
        assert_eq!(take(&mut pb), Some(v(&[b"next"])));
    }

    #[test]
    fn closed_peer_is_skipped_and_reported() {
        let mut h = Harness::new(kind::PUSH);
        let (a, pa) = h.attach(0);
        let (_b, mut pb) = h.attach(0);
        drop(pa);
        h.send(b"x", false).unwrap();
        assert!(h.cx.pipes.get(a).is_none(), "dead pipe reaped");
        assert_eq!(take(&mut pb), Some(v(&[b"x"])));
    }
}
