//! Fair queueing (libzmq `fq.cpp`): round robin over the pipes that have
//! messages, moving on only after a message's last frame (L1).

use super::array::PipeArray;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::Read;
use crate::socket::{Core, PipeId};

/// Pipes `0..active` may have messages; `current` is the next pipe to read
/// (or the pipe being read, while `more`).
#[derive(Default)]
pub(crate) struct Fq {
    pipes: PipeArray,
    active: usize,
    current: usize,
    /// A multipart message is being read from `pipes[current]`.
    more: bool,
    /// A frame read by `has_in` (the pipe API has no peek that also arms
    /// the wake-up), returned by the next `recv`.
    prefetched: Option<(PipeId, Msg)>,
}

impl Fq {
    pub fn attach(&mut self, id: PipeId) {
        self.pipes.push(id);
        self.activated(id);
    }

    /// The pipe may have messages again (idempotent).
    pub fn activated(&mut self, id: PipeId) {
        self.pipes.join_prefix(id, &mut self.active);
    }

    pub fn detach(&mut self, id: PipeId) {
        let Some(i) = self.pipes.index(id) else {
            return;
        };
        if matches!(&self.prefetched, Some((p, m)) if *p == id && m.more()) {
            // The rest of that message goes with the pipe.
            self.prefetched = None;
        }
        if i < self.active {
            if i == self.current && self.more {
                self.more = false;
            }
            self.pipes
                .leave_prefix_keeping(i, &mut self.active, &mut self.current);
        }
        self.pipes.remove(id);
    }

    fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
        if self.current == self.active {
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

    /// Reads one frame from the current pipe, skipping (and deactivating)
    /// pipes that are empty or closed. Does not move `current`.
    #[inline]
    fn fetch(&mut self, cx: &mut Core) -> Option<(PipeId, Msg)> {
        while self.active > 0 {
            let id = self.pipes.get(self.current);
            let r = match cx.pipes.get_mut(id) {
                Some(p) => p.read(),
                None => Read::Closed,
            };
            match r {
                Read::Msg(m) => return Some((id, m)),
                Read::Empty => {}
                Read::Closed => cx.pipe_dead(id),
            }
            // A pipe publishes whole messages, so this is never mid-message.
            self.more = false;
            self.deactivate_current();
        }
        None
    }

    /// Reads the next frame into `msg`; returns the pipe it came from.
    /// EAGAIN when no pipe has a message.
    #[inline]
    pub fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<PipeId> {
        let (id, m) = match self.prefetched.take() {
            Some(x) => x,
            None => self.fetch(cx).ok_or(Errno::EAGAIN)?,
        };
        *msg = m;
        self.more = msg.more();
        if !self.more {
            self.advance();
        }
        Ok(id)
    }

    /// A frame can be read now (ZMQ_POLLIN). May read one frame ahead.
    pub fn has_in(&mut self, cx: &mut Core) -> bool {
        if self.more || self.prefetched.is_some() {
            return true;
        }
        self.prefetched = self.fetch(cx);
        self.prefetched.is_some()
    }

    /// The frame `has_in` read ahead, if any.
    pub fn peek(&self) -> Option<&Msg> {
        self.prefetched.as_ref().map(|(_, m)| m)
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
    use crate::pipe::pair;
    use crate::socket::Pipes;

    #[test]
    fn empty_pipes_leave_and_rejoin_fairly() {
        let mut cx = Core {
            options: Options::new(7, true),
            pipes: Pipes::default(),
            dead: vec![],
        };
        let mut fq = Fq::default();
        let mut peers = vec![];
        let mut ids = vec![];
        for _ in 0..3 {
            let (a, b) = pair([0, 0]);
            let id = cx.pipes.insert(a);
            fq.attach(id);
            ids.push(id);
            peers.push(b);
        }
        for p in peers.iter_mut() {
            p.write(Msg::from_slice(b"1")).unwrap();
        }
        peers[1].write(Msg::from_slice(b"2")).unwrap();
        let mut m = Msg::new();
        let order: Vec<_> = std::iter::from_fn(|| fq.recv(&mut cx, &mut m).ok()).collect();
        assert_eq!(order, vec![ids[0], ids[1], ids[2], ids[1]]);
        assert_eq!(fq.active(), 0);
        fq.activated(ids[2]);
        fq.activated(ids[2]);
        assert_eq!(fq.active(), 1);
        fq.detach(ids[2]);
        assert_eq!(fq.active(), 0);
        assert_eq!(fq.recv(&mut cx, &mut m), Err(Errno::EAGAIN));
    }
}
