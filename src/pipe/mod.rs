//! Pipes: the bidirectional message channel between a socket and a session
//! (or between two sockets, for inproc).
//!
//! A pipe is two one-way queues ([`Half`]) shared by two [`Pipe`] ends. Each
//! end writes into one half and reads from the other. The queues are lock-free
//! (`crossbeam_queue::SegQueue`); both ends are single-threaded owners (a
//! socket in its application thread, or a session in an I/O thread), so each
//! half has exactly one producer and one consumer.
//!
//! Wake-ups cost a notification (a command in the peer's mailbox, which may
//! cost an eventfd write) only when the peer is asleep:
//! - the reader sets `reader_asleep` after finding the queue empty; the writer
//!   clears it and notifies after making a message visible (Dekker handshake
//!   with SeqCst fences; a spurious notification is harmless);
//! - the writer sets `writer_waiting` when it finds the half full (HWM); the
//!   reader clears it and notifies once it has drained to the low-water mark.
//!
//! Frames of an unfinished multipart message stay in the writer's private
//! `pending` list until the last frame, so readers only ever see whole
//! messages and a writer can roll back (BEHAVIOUR P1, L2, T2).

use crate::msg::Msg;
use crossbeam_queue::SegQueue;
use parking_lot::Mutex;
use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

/// What a pipe end is told about its peer's activity.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PipeEvent {
    /// Messages may be readable (the reader had found the queue empty).
    Readable,
    /// Room to write again (the writer had hit its HWM).
    Writable,
    /// The peer end has terminated; read what is left, then the pipe is gone.
    Closed,
    /// The peer's connection was re-established (re-send subscriptions).
    Hiccup,
}

/// Receives pipe events for the ends it owns. `token` is whatever the owner
/// chose when it attached the end.
pub trait PipeEvents: Send + Sync {
    fn pipe_event(&self, token: u64, ev: PipeEvent);
}

/// One direction of a pipe.
struct Half {
    queue: SegQueue<Msg>,
    /// Whole messages made visible. Written only by the writer.
    msgs_written: AtomicU64,
    /// Whole messages consumed. Written only by the reader.
    msgs_read: AtomicU64,
    /// Messages allowed in flight; <= 0 means unlimited. Set by either owner.
    hwm: AtomicI64,
    /// Set by the reader when it found the queue empty; cleared by the writer
    /// that then notifies the reader.
    reader_asleep: AtomicBool,
    /// Set by the writer when it found the half full; cleared by the reader
    /// that then notifies the writer.
    writer_waiting: AtomicBool,
}

impl Half {
    fn new(hwm: i64) -> Half {
        Half {
            queue: SegQueue::new(),
            msgs_written: AtomicU64::new(0),
            msgs_read: AtomicU64::new(0),
            hwm: AtomicI64::new(hwm),
            reader_asleep: AtomicBool::new(true),
            writer_waiting: AtomicBool::new(false),
        }
    }

    #[inline]
    fn is_full(&self) -> bool {
        let hwm = self.hwm.load(Ordering::Relaxed);
        if hwm <= 0 {
            return false;
        }
        let in_flight =
            self.msgs_written.load(Ordering::Relaxed) - self.msgs_read.load(Ordering::Acquire);
        in_flight >= hwm as u64
    }
}

type Notifier = Option<(Arc<dyn PipeEvents>, u64)>;

struct Shared {
    /// `halves[i]` carries messages written by end `i`.
    halves: [Half; 2],
    /// How to wake end `i`.
    notify: [Mutex<Notifier>; 2],
    /// End `i` has terminated: it writes no more.
    closed: [AtomicBool; 2],
    id: u64,
}

static NEXT_PIPE_ID: AtomicU64 = AtomicU64::new(1);

impl Shared {
    fn notify(&self, side: usize, ev: PipeEvent) {
        let n = self.notify[side].lock().clone();
        if let Some((target, token)) = n {
            target.pipe_event(token, ev);
        }
    }
}

/// Result of [`Pipe::read`].
#[derive(Debug)]
pub enum Read {
    Msg(Msg),
    /// Nothing now; the end is asleep and will get `Readable`.
    Empty,
    /// The peer terminated and everything it wrote has been read.
    Closed,
}

/// One end of a pipe. Owned by exactly one thread at a time.
pub struct Pipe {
    shared: Arc<Shared>,
    side: usize,
    /// Frames of the message being written (all but its last frame).
    pending: Vec<Msg>,
    /// The last frame read had MORE set.
    reading_more: bool,
    /// Keep ROUTING_ID-flagged messages (ROUTER); others skip them.
    pub keep_routing_id: bool,
    /// Whether we have terminated our end.
    terminated: bool,
}

impl std::fmt::Debug for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pipe({}:{})", self.shared.id, self.side)
    }
}

/// Creates a pipe. `hwm[i]` limits messages written by end `i` (<= 0: none).
pub fn pair(hwm: [i64; 2]) -> (Pipe, Pipe) {
    let shared = Arc::new(Shared {
        halves: [Half::new(hwm[0]), Half::new(hwm[1])],
        notify: [Mutex::new(None), Mutex::new(None)],
        closed: [AtomicBool::new(false), AtomicBool::new(false)],
        id: NEXT_PIPE_ID.fetch_add(1, Ordering::Relaxed),
    });
    let end = |side| Pipe {
        shared: shared.clone(),
        side,
        pending: Vec::new(),
        reading_more: false,
        keep_routing_id: false,
        terminated: false,
    };
    (end(0), end(1))
}

impl Pipe {
    /// Process-unique id of the pipe (both ends share it).
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    #[inline]
    fn out(&self) -> &Half {
        &self.shared.halves[self.side]
    }
    #[inline]
    fn inq(&self) -> &Half {
        &self.shared.halves[1 - self.side]
    }

    /// Sets who is woken for this end, and with which token. Events that
    /// happened before are not replayed: the owner must try reading and
    /// writing once after attaching.
    pub fn set_notifier(&self, target: Arc<dyn PipeEvents>, token: u64) {
        *self.shared.notify[self.side].lock() = Some((target, token));
    }

    /// Sets the HWM for messages this end writes (<= 0: unlimited).
    pub fn set_out_hwm(&self, hwm: i64) {
        self.out().hwm.store(hwm, Ordering::Relaxed);
    }
    /// Sets the HWM for messages this end reads.
    pub fn set_in_hwm(&self, hwm: i64) {
        self.inq().hwm.store(hwm, Ordering::Relaxed);
    }

    /// True if a new message may be written now. When it returns false the
    /// end will get `Writable` once the reader drains to the low-water mark.
    #[inline]
    pub fn check_write(&self) -> bool {
        if self.terminated || self.shared.closed[1 - self.side].load(Ordering::Acquire) {
            return false;
        }
        if !self.pending.is_empty() {
            return true; // all frames of a started message are accepted (P1)
        }
        let h = self.out();
        if !h.is_full() {
            return true;
        }
        h.writer_waiting.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if h.is_full() {
            return false;
        }
        h.writer_waiting.store(false, Ordering::Relaxed);
        true
    }

    /// True if the peer end is gone or we terminated (writes would be lost).
    pub fn is_peer_closed(&self) -> bool {
        self.shared.closed[1 - self.side].load(Ordering::Acquire)
    }

    /// Writes one frame. Call `check_write` first for the first frame of a
    /// message; the frame becomes visible with the message's last frame.
    /// Returns the frame back if the pipe is terminated.
    #[inline]
    pub fn write(&mut self, msg: Msg) -> Result<(), Msg> {
        if self.terminated {
            return Err(msg);
        }
        if msg.more() {
            self.pending.push(msg);
            return Ok(());
        }
        let h = &self.shared.halves[self.side];
        for m in self.pending.drain(..) {
            h.queue.push(m);
        }
        h.queue.push(msg);
        h.msgs_written.fetch_add(1, Ordering::Release);
        fence(Ordering::SeqCst);
        if h.reader_asleep.load(Ordering::Relaxed) && h.reader_asleep.swap(false, Ordering::SeqCst)
        {
            self.shared.notify(1 - self.side, PipeEvent::Readable);
        }
        Ok(())
    }

    /// Drops the frames of an unfinished message (nothing was visible yet).
    pub fn rollback(&mut self) {
        self.pending.clear();
    }

    /// True while a multipart message is half written.
    pub fn writing_more(&self) -> bool {
        !self.pending.is_empty()
    }

    /// True while a multipart message is half read.
    pub fn reading_more(&self) -> bool {
        self.reading_more
    }

    /// Reads one frame.
    #[inline]
    pub fn read(&mut self) -> Read {
        loop {
            let m = match self.try_pop() {
                Some(m) => m,
                None => {
                    let h = self.inq();
                    h.reader_asleep.store(true, Ordering::SeqCst);
                    fence(Ordering::SeqCst);
                    match h.queue.pop() {
                        Some(m) => {
                            h.reader_asleep.store(false, Ordering::Relaxed);
                            m
                        }
                        None => {
                            if self.shared.closed[1 - self.side].load(Ordering::Acquire) {
                                if let Some(m) = h.queue.pop() {
                                    m
                                } else {
                                    return Read::Closed;
                                }
                            } else {
                                return Read::Empty;
                            }
                        }
                    }
                }
            };
            let more = m.more();
            if !self.reading_more && m.is_routing_id() && !self.keep_routing_id {
                self.consumed_message();
                continue;
            }
            self.reading_more = more;
            if !more {
                self.consumed_message();
            }
            return Read::Msg(m);
        }
    }

    #[inline]
    fn try_pop(&self) -> Option<Msg> {
        self.inq().queue.pop()
    }

    /// True if a frame is ready to read (does not change sleep state).
    pub fn has_msg(&self) -> bool {
        !self.inq().queue.is_empty()
    }

    #[inline]
    fn consumed_message(&self) {
        let h = self.inq();
        let read = h.msgs_read.fetch_add(1, Ordering::AcqRel) + 1;
        fence(Ordering::SeqCst);
        if h.writer_waiting.load(Ordering::Relaxed) {
            let hwm = h.hwm.load(Ordering::Relaxed);
            let lwm = if hwm <= 0 {
                u64::MAX
            } else {
                ((hwm + 1) / 2) as u64
            };
            let in_flight = h.msgs_written.load(Ordering::Acquire).saturating_sub(read);
            if in_flight <= lwm && h.writer_waiting.swap(false, Ordering::SeqCst) {
                self.shared.notify(1 - self.side, PipeEvent::Writable);
            }
        }
    }

    /// Number of whole messages written by this end and not yet read by the peer.
    pub fn out_pending(&self) -> u64 {
        let h = self.out();
        h.msgs_written.load(Ordering::Acquire) - h.msgs_read.load(Ordering::Acquire)
    }

    /// Terminates this end: the unfinished message is rolled back, nothing
    /// more is written, and the peer is told after it has read what was sent.
    pub fn terminate(&mut self) {
        if self.terminated {
            return;
        }
        self.terminated = true;
        self.pending.clear();
        self.shared.closed[self.side].store(true, Ordering::Release);
        fence(Ordering::SeqCst);
        self.shared.notify(1 - self.side, PipeEvent::Closed);
    }

    /// Tells the peer end that our connection was re-established.
    pub fn send_hiccup(&self) {
        self.shared.notify(1 - self.side, PipeEvent::Hiccup);
    }

    /// True once we have terminated this end.
    pub fn is_terminated(&self) -> bool {
        self.terminated
    }

    /// Drops every message the peer wrote that we have not read yet.
    pub fn drain_input(&mut self) {
        while let Read::Msg(_) = self.read() {}
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        self.terminate();
        *self.shared.notify[self.side].lock() = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::flags;
    use std::sync::atomic::AtomicUsize;

    struct Count(AtomicUsize, Mutex<Vec<PipeEvent>>);
    impl PipeEvents for Count {
        fn pipe_event(&self, _t: u64, ev: PipeEvent) {
            self.0.fetch_add(1, Ordering::SeqCst);
            self.1.lock().push(ev);
        }
    }

    #[test]
    fn multipart_visible_whole_and_rollback() {
        let (mut a, mut b) = pair([0, 0]);
        let mut m = Msg::from_slice(b"1");
        m.set_more(true);
        a.write(m).unwrap();
        assert!(matches!(b.read(), Read::Empty));
        a.rollback();
        a.write(Msg::from_slice(b"x")).unwrap();
        match b.read() {
            Read::Msg(m) => assert_eq!(m.data(), b"x"),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn hwm_and_wakeups() {
        let (mut a, mut b) = pair([2, 2]);
        let ca = Arc::new(Count(AtomicUsize::new(0), Mutex::new(vec![])));
        let cb = Arc::new(Count(AtomicUsize::new(0), Mutex::new(vec![])));
        a.set_notifier(ca.clone(), 1);
        b.set_notifier(cb.clone(), 2);
        assert!(a.check_write());
        a.write(Msg::from_slice(b"1")).unwrap();
        assert_eq!(cb.1.lock().as_slice(), &[PipeEvent::Readable]);
        assert!(a.check_write());
        a.write(Msg::from_slice(b"2")).unwrap();
        assert!(!a.check_write());
        assert!(matches!(b.read(), Read::Msg(_)));
        // in flight 1 <= lwm 1: writer woken
        assert_eq!(ca.1.lock().as_slice(), &[PipeEvent::Writable]);
        assert!(a.check_write());
        assert!(matches!(b.read(), Read::Msg(_)));
        assert!(matches!(b.read(), Read::Empty));
        a.terminate();
        assert!(matches!(b.read(), Read::Closed));
    }

    #[test]
    fn routing_id_skipped_unless_kept() {
        let (mut a, mut b) = pair([0, 0]);
        let mut id = Msg::from_slice(b"id");
        id.set_flags(flags::ROUTING_ID);
        a.write(id.clone()).unwrap();
        a.write(Msg::from_slice(b"x")).unwrap();
        match b.read() {
            Read::Msg(m) => assert_eq!(m.data(), b"x"),
            r => panic!("{r:?}"),
        }
        b.keep_routing_id = true;
        a.write(id).unwrap();
        assert!(matches!(b.read(), Read::Msg(m) if m.is_routing_id()));
    }
}
