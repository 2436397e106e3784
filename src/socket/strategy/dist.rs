//! Message distribution (libzmq `dist.cpp`): one message to many pipes.
//!
//! The pipe array is split in libzmq's four ranges:
//! `0..matching` will get the current message, `0..active` can be written,
//! `0..eligible` can be written once the current message is finished (pipes
//! that attach or wake up mid-message), `eligible..` hit their HWM.

use super::array::PipeArray;
use crate::msg::Msg;
use crate::socket::{Core, PipeId};

#[derive(Default)]
pub(crate) struct Dist {
    pipes: PipeArray,
    matching: usize,
    active: usize,
    eligible: usize,
    /// A multipart message is being distributed.
    more: bool,
}

impl Dist {
    pub fn attach(&mut self, id: PipeId) {
        if self.pipes.contains(id) {
            return;
        }
        let i = self.pipes.push(id);
        self.pipes.swap(i, self.eligible);
        self.eligible += 1;
        if !self.more {
            self.pipes.swap(self.eligible - 1, self.active);
            self.active += 1;
        }
    }

    pub fn has_pipe(&self, id: PipeId) -> bool {
        self.pipes.contains(id)
    }

    /// The pipe can be written again (idempotent).
    pub fn activated(&mut self, id: PipeId) {
        if self.pipes.join_prefix(id, &mut self.eligible) && !self.more {
            self.pipes.join_prefix(id, &mut self.active);
        }
    }

    pub fn detach(&mut self, id: PipeId) {
        let Some(mut i) = self.pipes.index(id) else {
            return;
        };
        if i < self.matching {
            i = self.pipes.leave_prefix(i, &mut self.matching);
        }
        if i < self.active {
            i = self.pipes.leave_prefix(i, &mut self.active);
        }
        if i < self.eligible {
            self.pipes.leave_prefix(i, &mut self.eligible);
        }
        self.pipes.remove(id);
    }

    /// Marks a pipe as matching the current message (ignored if not active;
    /// cheap if already matching).
    #[inline]
    pub fn match_pipe(&mut self, id: PipeId) {
        if let Some(i) = self.pipes.index(id) {
            if i >= self.matching && i < self.active {
                self.pipes.swap(i, self.matching);
                self.matching += 1;
            }
        }
    }

    /// Marks every active pipe as matching.
    pub fn match_all(&mut self) {
        self.matching = self.active;
    }

    pub fn unmatch(&mut self) {
        self.matching = 0;
    }

    /// INVERT_MATCHING: active pipes that did not match now do, and vice versa.
    pub fn reverse_match(&mut self) {
        let prev = self.matching;
        self.matching = 0;
        for i in prev..self.active {
            self.pipes.swap(i, self.matching);
            self.matching += 1;
        }
    }

    /// Moves the pipe at `i` (< matching) out of matching, active and eligible.
    fn deactivate_matching(&mut self, i: usize) {
        let i = self.pipes.leave_prefix(i, &mut self.matching);
        let i = self.pipes.leave_prefix(i, &mut self.active);
        self.pipes.leave_prefix(i, &mut self.eligible);
    }

    /// XPUB_NODROP: false if a matching pipe is full (it will get
    /// `write_activated`). Closed pipes are reported dead, not waited for.
    pub fn check_hwm(&mut self, cx: &mut Core) -> bool {
        if self.more {
            return true;
        }
        for i in 0..self.matching {
            let id = self.pipes.get(i);
            if let Some(p) = cx.pipes.get(id) {
                if !p.check_write() {
                    if p.is_peer_closed() {
                        cx.pipe_dead(id);
                    } else {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Writes the frame to every matching pipe; full pipes are skipped
    /// (they miss this message) and closed ones reported dead. `msg` is
    /// left empty. After the last frame, pipes woken mid-message join.
    #[inline]
    pub fn send_to_matching(&mut self, cx: &mut Core, msg: &mut Msg) {
        let more = msg.more();
        if !self.more {
            // First frame: HWM is checked per message (P1, P7).
            let mut i = 0;
            while i < self.matching {
                let id = self.pipes.get(i);
                let ok = match cx.pipes.get(id) {
                    Some(p) if p.check_write() => true,
                    Some(p) => {
                        if p.is_peer_closed() {
                            cx.pipe_dead(id);
                        }
                        false
                    }
                    None => false,
                };
                if ok {
                    i += 1;
                } else {
                    self.deactivate_matching(i);
                }
            }
        }
        let n = self.matching;
        if n > 0 {
            for (i, copy) in msg.fan_out(n - 1).enumerate() {
                let id = self.pipes.get(i);
                if let Some(p) = cx.pipes.get_mut(id) {
                    let _ = p.write(copy);
                }
            }
            let id = self.pipes.get(n - 1);
            if let Some(p) = cx.pipes.get_mut(id) {
                let _ = p.write(msg.take());
            }
        }
        msg.clear();
        self.more = more;
        if !more {
            self.active = self.eligible;
        }
    }

    /// XSUB upstream: every active pipe gets the frame (lossy at HWM).
    pub fn send_to_all(&mut self, cx: &mut Core, msg: &mut Msg) {
        if !self.more {
            self.match_all();
        }
        self.send_to_matching(cx, msg);
        if !self.more {
            self.unmatch();
        }
    }

    #[cfg(test)]
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.matching, self.active, self.eligible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Options;
    use crate::pipe::{pair, Pipe, Read};
    use crate::socket::Pipes;

    fn count(p: &mut Pipe) -> usize {
        let mut n = 0;
        while let Read::Msg(m) = p.read() {
            if !m.more() {
                n += 1;
            }
        }
        n
    }

    #[test]
    fn ranges_full_pipes_and_mid_message_joins() {
        let mut cx = Core {
            options: Options::new(1, true),
            pipes: Pipes::default(),
            dead: vec![],
        };
        let mut d = Dist::default();
        let (a, mut pa) = pair([1, 1]);
        let (b, mut pb) = pair([0, 0]);
        let a = cx.pipes.insert(a);
        let b = cx.pipes.insert(b);
        d.attach(a);
        d.attach(b);
        assert_eq!(d.counts(), (0, 2, 2));
        // Two whole messages to all: a takes one, then misses the second.
        for _ in 0..2 {
            let mut m = Msg::from_slice(b"x");
            d.send_to_all(&mut cx, &mut m);
        }
        assert_eq!(d.counts(), (0, 1, 1));
        // a wakes up mid-message: eligible now, active after the message.
        let mut m = Msg::from_slice(b"1");
        m.set_more(true);
        d.send_to_all(&mut cx, &mut m);
        d.activated(a);
        d.activated(a);
        assert_eq!(d.counts(), (1, 1, 2));
        let (c, mut pc) = pair([0, 0]);
        let c = cx.pipes.insert(c);
        d.attach(c);
        let mut m = Msg::from_slice(b"2");
        d.send_to_all(&mut cx, &mut m);
        assert_eq!(d.counts(), (0, 3, 3));
        assert_eq!((count(&mut pa), count(&mut pb), count(&mut pc)), (1, 3, 0));
        // Reverse matching picks the active pipes that did not match.
        d.match_pipe(b);
        d.reverse_match();
        assert_eq!(d.counts().0, 2);
        d.unmatch();
        d.detach(b);
        assert_eq!(d.counts(), (0, 2, 2));
    }
}
