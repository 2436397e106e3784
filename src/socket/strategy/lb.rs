//! Load balancing (libzmq `lb.cpp`): round robin over the pipes that can
//! take a message, moving on only after a message's last frame (L1).

use super::array::PipeArray;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::{Core, PipeId};

/// Pipes `0..active` are writable as far as we know; `current` is the next
/// pipe to try (or the pipe being written, while `more`).
#[derive(Default)]
pub(crate) struct Lb {
    pipes: PipeArray,
    active: usize,
    current: usize,
    /// A multipart message is being written to `pipes[current]`.
    more: bool,
    /// The current pipe went away mid-message: drop the rest (L2).
    dropping: bool,
}

impl Lb {
    pub fn attach(&mut self, id: PipeId) {
        self.pipes.push(id);
        self.activated(id);
    }

    /// The pipe may take messages again (idempotent).
    pub fn activated(&mut self, id: PipeId) {
        self.pipes.join_prefix(id, &mut self.active);
    }

    pub fn detach(&mut self, id: PipeId) {
        let Some(i) = self.pipes.index(id) else {
            return;
        };
        if i < self.active {
            if i == self.current && self.more {
                self.dropping = true;
            }
            self.pipes
                .leave_prefix_keeping(i, &mut self.active, &mut self.current);
        }
        self.pipes.remove(id);
    }

    /// Takes the current pipe out of the active prefix.
    fn deactivate_current(&mut self) {
        self.active -= 1;
        if self.current < self.active {
            self.pipes.swap(self.current, self.active);
        } else {
            self.current = 0;
        }
    }

    #[inline]
    fn advance(&mut self) {
        self.current += 1;
        if self.current >= self.active {
            self.current = 0;
        }
    }

    /// Sends one frame. `Ok(Some(pipe))`: written to `pipe`; `Ok(None)`:
    /// silently dropped (rest of a message whose pipe died); EAGAIN: no pipe
    /// can take a new message now (`msg` untouched).
    #[inline]
    pub fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<Option<PipeId>> {
        let more = msg.more();
        if self.dropping {
            self.more = more;
            self.dropping = more;
            msg.clear();
            return Ok(None);
        }
        if self.more {
            // The rest of a started message always goes to the same pipe (P1).
            let id = self.pipes.get(self.current);
            let ok = match cx.pipes.get_mut(id) {
                Some(p) => p.write(msg.take()).is_ok(),
                None => false,
            };
            if !ok {
                if let Some(p) = cx.pipes.get_mut(id) {
                    p.rollback();
                }
                cx.pipe_dead(id);
                msg.clear();
                self.more = false;
                self.dropping = more;
                return Ok(None);
            }
            self.more = more;
            if !more {
                self.advance();
            }
            return Ok(Some(id));
        }
        while self.active > 0 {
            let id = self.pipes.get(self.current);
            if let Some(p) = cx.pipes.get_mut(id) {
                if p.check_write() {
                    match p.write(msg.take()) {
                        Ok(()) => {
                            self.more = more;
                            if !more {
                                self.advance();
                            }
                            return Ok(Some(id));
                        }
                        Err(m) => {
                            *msg = m;
                            cx.pipe_dead(id);
                        }
                    }
                } else if p.is_peer_closed() {
                    cx.pipe_dead(id);
                }
            }
            self.deactivate_current();
        }
        Err(Errno::EAGAIN)
    }

    /// A new message could be sent now (ZMQ_POLLOUT).
    pub fn has_out(&mut self, cx: &mut Core) -> bool {
        if self.more || self.dropping {
            return true;
        }
        while self.active > 0 {
            let id = self.pipes.get(self.current);
            if let Some(p) = cx.pipes.get(id) {
                if p.check_write() {
                    return true;
                }
                if p.is_peer_closed() {
                    cx.pipe_dead(id);
                }
            }
            self.deactivate_current();
        }
        false
    }

    #[cfg(test)]
    pub fn active(&self) -> usize {
        self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Options;
    use crate::pipe::{pair, Pipe};
    use crate::socket::Pipes;

    fn setup(hwms: &[i64]) -> (Core, Lb, Vec<PipeId>, Vec<Pipe>) {
        let mut cx = Core {
            options: Options::new(8, true),
            pipes: Pipes::default(),
            dead: vec![],
        };
        let mut lb = Lb::default();
        let (mut ids, mut peers) = (vec![], vec![]);
        for &h in hwms {
            let (a, b) = pair([h, h]);
            let id = cx.pipes.insert(a);
            lb.attach(id);
            ids.push(id);
            peers.push(b);
        }
        (cx, lb, ids, peers)
    }

    fn send(cx: &mut Core, lb: &mut Lb, data: &[u8], more: bool) -> Result<Option<PipeId>> {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        lb.send(cx, &mut m)
    }

    #[test]
    fn full_pipe_leaves_rotation_and_comes_back() {
        let (mut cx, mut lb, ids, _peers) = setup(&[0, 1, 0]);
        let got: Vec<_> = (0..5)
            .map(|_| send(&mut cx, &mut lb, b"x", false).unwrap().unwrap())
            .collect();
        // ids[1] takes one message, then is full and skipped (L1).
        assert_eq!(got, vec![ids[0], ids[1], ids[2], ids[0], ids[2]]);
        assert_eq!(lb.active(), 2);
        lb.activated(ids[1]);
        lb.activated(ids[1]);
        assert_eq!(lb.active(), 3);
    }

    #[test]
    fn detaching_another_pipe_mid_message_keeps_the_target() {
        let (mut cx, mut lb, ids, mut peers) = setup(&[0, 0, 0]);
        send(&mut cx, &mut lb, b"a", false).unwrap();
        send(&mut cx, &mut lb, b"b", false).unwrap();
        // Current is ids[2] (the last active slot); start a message there.
        assert_eq!(send(&mut cx, &mut lb, b"1", true).unwrap(), Some(ids[2]));
        lb.detach(ids[0]);
        assert_eq!(send(&mut cx, &mut lb, b"2", false).unwrap(), Some(ids[2]));
        let mut n = 0;
        while let crate::pipe::Read::Msg(_) = peers[2].read() {
            n += 1;
        }
        assert_eq!(n, 2);
    }
}
