//! ZMQ_CONFLATE on a pipe half: the writer keeps only its newest whole
//! message in a one-message slot (libzmq's `dbuffer_t`, a mutex and a
//! message) instead of the lock-free queue, so a slow or absent reader gets
//! the latest message and nothing piles up; the half has no HWM.
//!
//! Costs nothing on pipes without it: the writer branches on a plain field
//! of its end, and the reader looks at the slot only after finding the
//! queue empty (its cold path). Frames written to the queue before the half
//! switched (e.g. the inproc routing-id greeting) are read first.
//!
//! Unlike libzmq, whose buffer holds one *frame*, the slot holds one whole
//! multipart message.

use super::{Msg, Pipe, PipeEvent, Shared};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;

/// The slot of one half (in `Shared::slots`).
#[derive(Default)]
pub(super) struct Slot {
    /// The newest whole message not yet taken by the reader.
    frames: Vec<Msg>,
    /// The reader found the slot empty and waits for `Readable`.
    asleep: bool,
}

/// An end's conflation state (allocated only on conflating pipes).
#[derive(Default)]
pub(super) struct ConflateEnd {
    /// The writer's unfinished message.
    partial: Vec<Msg>,
    /// Frames of the message the reader took from the slot, not read yet.
    rx: VecDeque<Msg>,
}

impl Pipe {
    /// Makes the half this end writes conflating (see the module doc): from
    /// now on only the newest whole message waits for the reader.
    pub fn set_conflate(&mut self) {
        let side = self.side;
        self.conflate_out = true;
        self.conflate.get_or_insert_with(Box::default);
        self.set_out_hwm(0);
        // The reader may be asleep on the queue: the first write wakes it.
        self.shared.slots[side].lock().asleep = true;
        self.shared.conflate_on[side].store(true, Ordering::Release);
    }

    /// True if the half this end writes conflates.
    pub fn conflates(&self) -> bool {
        self.conflate_out
    }

    /// `write` on a conflating half.
    #[cold]
    pub(super) fn write_conflated(&mut self, msg: Msg) -> Result<(), Msg> {
        let more = msg.more();
        let c = self.conflate.get_or_insert_with(Box::default);
        c.partial.push(msg);
        if more {
            return Ok(());
        }
        let frames = std::mem::take(&mut c.partial);
        let (old, wake) = {
            let mut slot = self.shared.slots[self.side].lock();
            let old = std::mem::replace(&mut slot.frames, frames);
            (old, std::mem::take(&mut slot.asleep))
        };
        drop(old); // the replaced message, freed outside the lock
        if wake {
            self.shared.notify(1 - self.side, PipeEvent::Readable);
        }
        Ok(())
    }

    /// The writer's unfinished message on a conflating half.
    pub(super) fn conflated_partial(&self) -> bool {
        self.conflate
            .as_ref()
            .is_some_and(|c| !c.partial.is_empty())
    }

    /// Drops the writer's unfinished message on a conflating half.
    pub(super) fn rollback_conflated(&mut self) {
        if let Some(c) = self.conflate.as_mut() {
            c.partial.clear();
        }
    }

    /// Whether the peer's conflating half has a frame for us.
    pub(super) fn has_conflated(&self) -> bool {
        self.conflate.as_ref().is_some_and(|c| !c.rx.is_empty())
            || (self.shared.conflate_on[1 - self.side].load(Ordering::Acquire)
                && !self.shared.slots[1 - self.side].lock().frames.is_empty())
    }
}

/// The reader's cold path once its queue is empty: the next frame from the
/// peer's slot (`peer` = the half we read), if that half conflates. With
/// `sleep`, an empty slot records that we wait for `Readable`. (A function of
/// the end's fields, so that the caller may hold a borrow of the queue.)
#[cold]
pub(super) fn take(
    shared: &Shared,
    peer: usize,
    end: &mut Option<Box<ConflateEnd>>,
    sleep: bool,
) -> Option<Msg> {
    if let Some(m) = end.as_mut().and_then(|c| c.rx.pop_front()) {
        return Some(m);
    }
    if !shared.conflate_on[peer].load(Ordering::Acquire) {
        return None;
    }
    let frames = {
        let mut slot = shared.slots[peer].lock();
        if slot.frames.is_empty() {
            slot.asleep |= sleep;
            return None;
        }
        std::mem::take(&mut slot.frames)
    };
    let c = end.get_or_insert_with(Box::default);
    c.rx.extend(frames);
    c.rx.pop_front()
}

#[cfg(test)]
mod tests {
    use crate::msg::Msg;
    use crate::pipe::{pair, Read};

    fn data(r: Read) -> Vec<u8> {
        match r {
            Read::Msg(m) => m.data().to_vec(),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn keeps_the_newest_whole_message_without_hwm() {
        let (mut a, mut b) = pair([1, 0]);
        a.write(Msg::from_slice(b"queued")).unwrap();
        a.set_conflate();
        for i in 0..10u8 {
            assert!(a.check_write());
            let mut first = Msg::from_slice(&[i]);
            first.set_more(true);
            a.write(first).unwrap();
            a.write(Msg::from_slice(b"tail")).unwrap();
        }
        let mut half = Msg::from_slice(b"unfinished");
        half.set_more(true);
        a.write(half).unwrap();
        assert!(a.writing_more());
        assert!(b.has_msg());
        assert_eq!(data(b.read()), b"queued");
        assert_eq!(data(b.read()), [9]);
        assert!(b.reading_more());
        assert_eq!(data(b.read()), b"tail");
        assert!(matches!(b.read(), Read::Empty));
        a.rollback();
        a.write(Msg::from_slice(b"last")).unwrap();
        a.terminate();
        assert_eq!(data(b.read()), b"last");
        assert!(matches!(b.read(), Read::Closed));
    }
}
