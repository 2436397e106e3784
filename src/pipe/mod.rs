//! Pipes: the bidirectional message channel between a socket and a session
//! (or between two sockets, for inproc).
//!
//! A pipe is two one-way halves ([`Half`]) shared by two [`Pipe`] ends. Each
//! end writes into one half and reads from the other. Both ends are
//! single-threaded owners (a socket in its application thread, or a session
//! in an I/O thread), so each half has exactly one producer and one consumer
//! and is a single-producer single-consumer queue ([`ypipe::Ypipe`]: chunked,
//! the writer publishes each whole message with one atomic swap, the reader
//! takes everything published with one load and then reads without atomics).
//!
//! Wake-ups cost a notification (a command in the peer's mailbox, which may
//! cost an eventfd write) only when the peer is asleep:
//! - Readable: the reader's "asleep" flag is the top bit of the queue's
//!   published-count word; it sets it with a CAS after finding nothing new,
//!   the writer's publishing swap clears it and tells whether to notify.
//! - Writable (HWM): see [`Pipe::check_write`] and
//!   [`Pipe::wake_blocked_writer`]. The counts of messages written and read
//!   are private to each end; the reader publishes its count with a plain
//!   store after each message, on its own cache line, and the writer only
//!   reloads it when its cached copy says the half is full.
//!
//! Frames of an unfinished multipart message are written into the queue but
//! only published with the last frame, so readers only ever see whole
//! messages and a writer can roll back (BEHAVIOUR P1, L2, T2).

mod conflate;
pub mod direct;
mod ypipe;

pub use direct::{DirectRead, DirectReceiver};

use crate::msg::Msg;
use parking_lot::Mutex;
use std::cell::Cell;
use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use ypipe::{CacheLine, Ypipe};

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

/// `Ctl::blocked_at` when the writer is not waiting.
const NOT_BLOCKED: u64 = u64::MAX;

/// Rarely written settings of a half.
struct Ctl {
    /// Messages allowed in flight; <= 0 means unlimited. Set by either owner.
    hwm: AtomicI64,
    /// The writer's message count when it found the half full and went to
    /// wait for `Writable`, or `NOT_BLOCKED`. Set by the writer, cleared by
    /// the reader that then notifies the writer (or by the writer itself).
    blocked_at: AtomicU64,
    /// inproc only: the writer's SNDHWM and the reader's RCVHWM, whose sum
    /// is `hwm` (BEHAVIOUR P3); `SUM_OFF` in the second slot otherwise. Kept
    /// so that either side can change its part later (P6).
    parts: [AtomicI64; 2],
}

/// `Ctl::parts[1]` of a half whose HWM is not a sum.
const SUM_OFF: i64 = i64::MIN;

/// The limit of two summed HWMs: unlimited if either is (P3, P4).
fn sum_hwm(snd: i64, rcv: i64) -> i64 {
    if snd <= 0 || rcv <= 0 {
        0
    } else {
        snd.saturating_add(rcv)
    }
}

/// One direction of a pipe.
struct Half {
    queue: Ypipe,
    /// Whole messages consumed. Stored (Release) only by the reader.
    msgs_read: CacheLine<AtomicU64>,
    ctl: CacheLine<Ctl>,
}

impl Half {
    fn new(hwm: i64) -> Half {
        Half {
            queue: Ypipe::new(),
            msgs_read: CacheLine(AtomicU64::new(0)),
            ctl: CacheLine(Ctl {
                hwm: AtomicI64::new(hwm),
                blocked_at: AtomicU64::new(NOT_BLOCKED),
                parts: [AtomicI64::new(hwm), AtomicI64::new(SUM_OFF)],
            }),
        }
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
    /// Half `i` conflates: its writer uses `slots[i]`, not the queue.
    conflate_on: [AtomicBool; 2],
    slots: [Mutex<conflate::Slot>; 2],
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
///
/// It is the only writer of `halves[side]` and the only reader of the other
/// half: every `unsafe` queue call below relies on that. `Pipe` is `Send`
/// (ends move between threads through their owners' synchronised hand-over)
/// but not `Sync` (the `Cell` fields), so two threads can never use one end
/// at the same time.
pub struct Pipe {
    shared: Arc<Shared>,
    side: usize,
    /// Whole messages this end has published.
    msgs_written: u64,
    /// The peer's read count of our messages as last loaded.
    peer_read: Cell<u64>,
    /// Whole messages this end has read.
    msgs_read: u64,
    /// Messages to read before the next periodic check for a blocked writer.
    check_countdown: Cell<u64>,
    /// The last frame read had MORE set.
    reading_more: bool,
    /// Keep ROUTING_ID-flagged messages (ROUTER); others skip them.
    pub keep_routing_id: bool,
    /// Whether the half we write conflates was decided where the pipe was
    /// made (inproc: by the connecting socket, as libzmq); otherwise the
    /// socket that attaches this end decides.
    pub conflate_fixed: bool,
    /// Whether we have terminated our end.
    terminated: bool,
    /// The half we write conflates (see `conflate.rs`).
    conflate_out: bool,
    /// Conflation state, on conflating pipes only.
    conflate: Option<Box<conflate::ConflateEnd>>,
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
        conflate_on: [AtomicBool::new(false), AtomicBool::new(false)],
        slots: Default::default(),
        id: NEXT_PIPE_ID.fetch_add(1, Ordering::Relaxed),
    });
    let end = |side| Pipe {
        shared: shared.clone(),
        side,
        msgs_written: 0,
        peer_read: Cell::new(0),
        msgs_read: 0,
        check_countdown: Cell::new(1),
        reading_more: false,
        keep_routing_id: false,
        conflate_fixed: false,
        terminated: false,
        conflate_out: false,
        conflate: None,
    };
    (end(0), end(1))
}

/// In-flight count at or below which a blocked writer is woken.
#[inline]
fn lwm(hwm: i64) -> u64 {
    if hwm <= 0 {
        u64::MAX
    } else {
        ((hwm + 1) / 2) as u64
    }
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
        self.out().ctl.0.hwm.store(hwm, Ordering::Relaxed);
    }
    /// Sets the HWM for messages this end reads.
    pub fn set_in_hwm(&self, hwm: i64) {
        self.inq().ctl.0.hwm.store(hwm, Ordering::Relaxed);
        // Recompute the check period from the new HWM at the next message.
        self.check_countdown.set(1);
    }

    /// inproc: the limit of messages this end writes is the sum of `snd`
    /// (our SNDHWM) and `rcv` (the peer's RCVHWM), and of those it reads the
    /// sum of `peer_snd` and `our_rcv`; later SNDHWM/RCVHWM changes keep the
    /// sums.
    pub fn set_summed_hwms(&self, snd: i64, rcv: i64, peer_snd: i64, our_rcv: i64) {
        for (h, w, r) in [(self.out(), snd, rcv), (self.inq(), peer_snd, our_rcv)] {
            h.ctl.0.parts[0].store(w, Ordering::Relaxed);
            h.ctl.0.parts[1].store(r, Ordering::Relaxed);
            h.ctl.0.hwm.store(sum_hwm(w, r), Ordering::Relaxed);
        }
        self.check_countdown.set(1);
    }

    /// ZMQ_SNDHWM changed on our socket: the limit of what we write (the
    /// sum with the peer's RCVHWM on an inproc pipe).
    pub fn update_sndhwm(&self, snd: i64) {
        let c = &self.out().ctl.0;
        c.parts[0].store(snd, Ordering::Relaxed);
        let rcv = c.parts[1].load(Ordering::Relaxed);
        let hwm = if rcv == SUM_OFF {
            snd
        } else {
            sum_hwm(snd, rcv)
        };
        c.hwm.store(hwm, Ordering::Relaxed);
    }

    /// ZMQ_RCVHWM changed on our socket: the limit of what we read (the
    /// sum with the peer's SNDHWM on an inproc pipe).
    pub fn update_rcvhwm(&self, rcv: i64) {
        let c = &self.inq().ctl.0;
        let hwm = if c.parts[1].load(Ordering::Relaxed) == SUM_OFF {
            rcv
        } else {
            c.parts[1].store(rcv, Ordering::Relaxed);
            sum_hwm(c.parts[0].load(Ordering::Relaxed), rcv)
        };
        self.set_in_hwm(hwm);
    }

    /// True if `hwm` messages of ours are in flight according to `peer_read`.
    #[inline]
    fn out_full(&self, hwm: u64) -> bool {
        // Saturating: defensive; the reader counts exactly what we count.
        self.msgs_written.saturating_sub(self.peer_read.get()) >= hwm
    }

    /// True if a new message may be written now. When it returns false the
    /// end will get `Writable` once the reader drains to the low-water mark.
    ///
    /// The peer's read count is reloaded only when the cached copy says the
    /// half is full. Blocking is a Dekker handshake with the reader's
    /// [`Pipe::wake_blocked_writer`]: we store `blocked_at`, fence, reload the
    /// read count; the reader stores its count, fences, loads `blocked_at`.
    /// With both SeqCst fences, either we see the reader's latest count (and
    /// do not block) or the reader's check sees `blocked_at`.
    #[inline]
    pub fn check_write(&self) -> bool {
        if self.terminated || self.shared.closed[1 - self.side].load(Ordering::Acquire) {
            return false;
        }
        let h = self.out();
        // SAFETY: this end is the only writer of its out half.
        if unsafe { h.queue.has_unflushed() } {
            return true; // all frames of a started message are accepted (P1)
        }
        let hwm = h.ctl.0.hwm.load(Ordering::Relaxed);
        if hwm <= 0 || !self.out_full(hwm as u64) {
            return true;
        }
        self.check_write_slow(h, hwm as u64)
    }

    #[cold]
    fn check_write_slow(&self, h: &Half, hwm: u64) -> bool {
        self.peer_read.set(h.msgs_read.0.load(Ordering::Acquire));
        if !self.out_full(hwm) {
            return true;
        }
        h.ctl
            .0
            .blocked_at
            .store(self.msgs_written, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        self.peer_read.set(h.msgs_read.0.load(Ordering::Acquire));
        if self.out_full(hwm) {
            return false;
        }
        // The reader may have cleared it and notified us meanwhile: a
        // spurious `Writable` is harmless.
        h.ctl.0.blocked_at.store(NOT_BLOCKED, Ordering::Relaxed);
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
        if self.conflate_out {
            return self.write_conflated(msg);
        }
        let more = msg.more();
        // A routing-id frame does not count against the HWM (as libzmq:
        // an inproc pair with HWM 1 + 1 holds two messages besides it).
        let counted = !msg.is_routing_id();
        let h = &self.shared.halves[self.side];
        // SAFETY: this end is the only writer of its out half.
        unsafe { h.queue.write(msg) };
        if more {
            return Ok(());
        }
        self.msgs_written += u64::from(counted);
        // SAFETY: as above.
        if unsafe { h.queue.flush() } {
            self.shared.notify(1 - self.side, PipeEvent::Readable);
        }
        Ok(())
    }

    /// As [`write`](Self::write), but a finished message is only committed
    /// (safe from [`rollback`](Self::rollback)), not yet visible: it is
    /// published by the next [`publish`](Self::publish) or `write`. A
    /// writer that produces messages slowly (decrypting each one) publishes
    /// them a few at a time, so that a reader faster than it is not woken
    /// once per message.
    #[inline]
    pub fn write_deferred(&mut self, msg: Msg) -> Result<(), Msg> {
        if self.terminated {
            return Err(msg);
        }
        if self.conflate_out {
            return self.write_conflated(msg);
        }
        let more = msg.more();
        let counted = !msg.is_routing_id();
        let h = &self.shared.halves[self.side];
        // SAFETY: this end is the only writer of its out half.
        unsafe { h.queue.write(msg) };
        if !more {
            self.msgs_written += u64::from(counted);
            // SAFETY: as above.
            unsafe { h.queue.commit() };
        }
        Ok(())
    }

    /// Makes every message `write_deferred` committed visible, waking the
    /// reader if it sleeps.
    pub fn publish(&mut self) {
        if self.terminated {
            return;
        }
        let h = &self.shared.halves[self.side];
        // SAFETY: this end is the only writer of its out half.
        if unsafe { h.queue.publish() } {
            self.shared.notify(1 - self.side, PipeEvent::Readable);
        }
    }

    /// Drops the frames of an unfinished message (nothing was visible yet).
    pub fn rollback(&mut self) {
        // SAFETY: this end is the only writer of its out half.
        unsafe { self.out().queue.rollback() };
        self.rollback_conflated();
    }

    /// True while a multipart message is half written.
    pub fn writing_more(&self) -> bool {
        // SAFETY: this end is the only writer of its out half.
        (unsafe { self.out().queue.has_unflushed() }) || self.conflated_partial()
    }

    /// True while a multipart message is half read.
    pub fn reading_more(&self) -> bool {
        self.reading_more
    }

    /// Reads one frame.
    #[inline]
    pub fn read(&mut self) -> Read {
        loop {
            let h = &self.shared.halves[1 - self.side];
            // SAFETY: this end is the only reader of its in half.
            let m = match unsafe { h.queue.read() } {
                Some(m) => m,
                None => {
                    if let Some(m) =
                        conflate::take(&self.shared, 1 - self.side, &mut self.conflate, false)
                    {
                        m
                    } else if self.shared.closed[1 - self.side].load(Ordering::Acquire) {
                        // Everything the peer published before terminating
                        // is visible now.
                        // SAFETY: the only reader of this half.
                        match unsafe { h.queue.read() } {
                            Some(m) => m,
                            None => match conflate::take(
                                &self.shared,
                                1 - self.side,
                                &mut self.conflate,
                                false,
                            ) {
                                Some(m) => m,
                                None => return Read::Closed,
                            },
                        }
                    } else if let Some(m) =
                        conflate::take(&self.shared, 1 - self.side, &mut self.conflate, true)
                    {
                        m
                    } else {
                        // SAFETY: the only reader of this half.
                        let asleep = unsafe { h.queue.sleep() };
                        if !asleep {
                            continue; // published meanwhile
                        }
                        // Asleep. Our last read count was stored before this
                        // full barrier: re-check for a blocked writer.
                        self.wake_blocked_writer();
                        return Read::Empty;
                    }
                }
            };
            let more = m.more();
            // Routing-id frames are not counted (see `write`).
            let routing_id = !self.reading_more && m.is_routing_id();
            if routing_id && !self.keep_routing_id {
                continue;
            }
            self.reading_more = more;
            if !more && !routing_id {
                self.consumed_message();
            }
            return Read::Msg(m);
        }
    }

    /// True if a frame is ready to read (does not change sleep state).
    pub fn has_msg(&self) -> bool {
        // SAFETY: this end is the only reader of its in half.
        (unsafe { self.inq().queue.has_msg() }) || self.has_conflated()
    }

    /// Counts a whole message read, publishes the count for the writer's HWM
    /// and `out_pending`, and sometimes checks for a blocked writer.
    ///
    /// The check (a SeqCst fence) is not made per message but
    /// - every `lwm` messages (`check_countdown`), like libzmq, which tells
    ///   the writer its read count every LWM messages; and
    /// - whenever we have read everything published so far ("caught up").
    ///
    /// So a blocked writer may be woken up to `lwm - 1` messages after the
    /// exact low-water crossing (or a bit later after an HWM change by the
    /// writer), which is safe: it is still woken before we drain the half.
    /// Proof sketch: it blocked at count W having seen our count R_w <= W -
    /// hwm after its fence; any of our checks with a count R > R_w has its
    /// fence after the writer's (else the writer would have seen R), so sees
    /// `blocked_at`. The first periodic check at or past the crossing W - lwm
    /// comes by W - 1 (with a fixed HWM), and in any case the check made when
    /// we catch up at W finds 0 in flight; both wake the writer. The go-to-
    /// sleep path re-checks too (nothing can be lost between catching up and
    /// sleeping, since a writer with nothing in flight does not block).
    #[inline]
    fn consumed_message(&mut self) {
        self.msgs_read += 1;
        let h = &self.shared.halves[1 - self.side];
        h.msgs_read.0.store(self.msgs_read, Ordering::Release);
        let countdown = self.check_countdown.get() - 1;
        self.check_countdown.set(countdown);
        // SAFETY: this end is the only reader of its in half.
        if countdown == 0 || unsafe { h.queue.caught_up() } {
            self.wake_blocked_writer();
        }
    }

    /// Notifies the writer of our in half if it waits for `Writable` and at
    /// most `lwm` messages are in flight; restarts the periodic countdown.
    #[cold]
    fn wake_blocked_writer(&mut self) {
        let h = &self.shared.halves[1 - self.side];
        let hwm = h.ctl.0.hwm.load(Ordering::Relaxed);
        let lwm = lwm(hwm);
        self.check_countdown.set(if hwm <= 0 { 1024 } else { lwm });
        fence(Ordering::SeqCst);
        let w = h.ctl.0.blocked_at.load(Ordering::Relaxed);
        if w != NOT_BLOCKED
            && w.saturating_sub(self.msgs_read) <= lwm
            && h.ctl
                .0
                .blocked_at
                .compare_exchange(w, NOT_BLOCKED, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.shared.notify(1 - self.side, PipeEvent::Writable);
        }
    }

    /// Number of frames the peer has published to this end and it has not
    /// read yet (monitor PIPES_STATS; whole messages only are published).
    pub fn in_pending(&self) -> u64 {
        // SAFETY: this end is the only reader of its inbound half.
        unsafe { self.inq().queue.unread() }
    }

    /// Number of whole messages written by this end and not yet read by the peer.
    pub fn out_pending(&self) -> u64 {
        self.msgs_written
            .saturating_sub(self.out().msgs_read.0.load(Ordering::Acquire))
    }

    /// Terminates this end: the unfinished message is rolled back, nothing
    /// more is written, and the peer is told after it has read what was sent.
    pub fn terminate(&mut self) {
        if self.terminated {
            return;
        }
        self.terminated = true;
        self.rollback();
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

    /// Frees counted by the tests that use counted frames.
    static FREED: AtomicUsize = AtomicUsize::new(0);
    static LEFTOVER_FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count_free(_d: *mut std::ffi::c_void, hint: *mut std::ffi::c_void) {
        // SAFETY: the hint is always one of the statics above.
        unsafe { &*(hint as *const AtomicUsize) }.fetch_add(1, Ordering::SeqCst);
    }
    /// A frame whose drop is counted in `counter`.
    fn counted(counter: &'static AtomicUsize, more: bool) -> Msg {
        static DATA: [u8; 4] = *b"data";
        // SAFETY: DATA is static and never written; the free function only
        // counts.
        let mut m = unsafe {
            Msg::from_user(
                DATA.as_ptr() as *mut u8,
                DATA.len(),
                Some(count_free),
                counter as *const AtomicUsize as *mut std::ffi::c_void,
            )
        };
        m.set_more(more);
        m
    }

    #[test]
    fn rollback_across_chunks_and_chunk_reuse() {
        let (mut a, mut b) = pair([0, 0]);
        let before = FREED.load(Ordering::SeqCst);
        for round in 0..5u8 {
            a.write(Msg::from_slice(&[round])).unwrap();
            // An unfinished message spanning several chunks, rolled back.
            for _ in 0..3 * ypipe::CHUNK + 7 {
                a.write(counted(&FREED, true)).unwrap();
            }
            assert!(a.writing_more());
            assert!(matches!(b.read(), Read::Msg(m) if m.data() == [round]));
            assert!(matches!(b.read(), Read::Empty));
            a.rollback();
            assert!(!a.writing_more());
            // Then whole messages over the chunks linked by the rollback.
            for i in 0..2 * ypipe::CHUNK as u32 + 3 {
                let mut m = Msg::from_slice(&i.to_le_bytes());
                m.set_more(i % 3 == 0);
                a.write(m).unwrap();
            }
            a.write(Msg::from_slice(b"end")).unwrap();
            for i in 0..2 * ypipe::CHUNK as u32 + 3 {
                match b.read() {
                    Read::Msg(m) => assert_eq!(m.data(), i.to_le_bytes()),
                    r => panic!("{r:?}"),
                }
            }
            assert!(matches!(b.read(), Read::Msg(m) if m.data() == b"end"));
            assert!(!b.has_msg());
        }
        assert_eq!(
            FREED.load(Ordering::SeqCst) - before,
            5 * (3 * ypipe::CHUNK + 7)
        );
        assert_eq!(a.out_pending(), 0);
    }

    /// Two threads, random multipart sizes, random rollbacks, a small HWM:
    /// order, completeness, no lost wake-up (each wait is bounded), then
    /// leftovers dropped whichever end goes last.
    #[test]
    fn two_thread_stress() {
        use std::sync::{Condvar, Mutex as StdMutex};
        use std::time::Duration;

        const N: u32 = 1_000_000;
        const LEFT: usize = 500;

        #[derive(Default)]
        struct Flags {
            set: StdMutex<[bool; 2]>,
            cv: Condvar,
        }
        impl PipeEvents for Flags {
            fn pipe_event(&self, token: u64, ev: PipeEvent) {
                // token 0: the reader (Readable), 1: the writer (Writable);
                // Closed goes to whichever end outlives the other.
                let i = token as usize;
                assert!(matches!(
                    (i, ev),
                    (0, PipeEvent::Readable) | (1, PipeEvent::Writable) | (_, PipeEvent::Closed)
                ));
                self.set.lock().unwrap()[i] = true;
                self.cv.notify_all();
            }
        }
        impl Flags {
            /// Waits for (and consumes) event `i`; a lost wake-up fails.
            fn wait(&self, i: usize) {
                let mut g = self.set.lock().unwrap();
                while !g[i] {
                    let (ng, t) = self.cv.wait_timeout(g, Duration::from_secs(20)).unwrap();
                    g = ng;
                    assert!(g[i] || !t.timed_out(), "lost wake-up ({i})");
                }
                g[i] = false;
            }
        }
        struct Rng(u64);
        impl Rng {
            fn next(&mut self) -> u64 {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0
            }
        }

        for (hwm, reader_last) in [(3, true), (16, false)] {
            let (mut a, mut b) = pair([hwm, 0]);
            let (wf, rf) = (Arc::new(Flags::default()), Arc::new(Flags::default()));
            a.set_notifier(wf.clone(), 1);
            b.set_notifier(rf.clone(), 0);
            let before = LEFTOVER_FREED.load(Ordering::SeqCst);
            let writer = std::thread::spawn(move || {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ hwm as u64);
                for i in 0..N {
                    while !a.check_write() {
                        wf.wait(1);
                    }
                    if rng.next() % 32 == 0 {
                        for _ in 0..rng.next() % 100 {
                            let mut m = Msg::from_slice(b"rolled back");
                            m.set_more(true);
                            a.write(m).unwrap();
                        }
                        a.rollback();
                    }
                    let parts = 1 + (rng.next() % 4) as u8;
                    for p in 0..parts {
                        let mut d = [0u8; 6];
                        d[..4].copy_from_slice(&i.to_le_bytes());
                        d[4] = p;
                        d[5] = parts;
                        let mut m = Msg::from_slice(&d);
                        m.set_more(p + 1 < parts);
                        a.write(m).unwrap();
                    }
                }
                // Leftovers: whole messages the reader never reads (HWM
                // lifted), and an unfinished one.
                a.set_out_hwm(0);
                for k in 0..LEFT {
                    a.write(counted(&LEFTOVER_FREED, k % 2 == 0)).unwrap();
                }
                a.write(counted(&LEFTOVER_FREED, true)).unwrap();
                a
            });
            let mut expect = (0u32, 0u8);
            let mut frames = 0u64;
            while expect.0 < N {
                match b.read() {
                    Read::Msg(m) => {
                        let d = m.data();
                        assert_eq!(d.len(), 6, "rolled-back frame seen");
                        let i = u32::from_le_bytes(d[..4].try_into().unwrap());
                        assert_eq!((i, d[4]), expect);
                        assert_eq!(m.more(), d[4] + 1 < d[5]);
                        assert_eq!(b.reading_more(), m.more());
                        expect = if m.more() { (i, d[4] + 1) } else { (i + 1, 0) };
                        frames += 1;
                    }
                    Read::Empty => rf.wait(0),
                    Read::Closed => panic!("closed early"),
                }
            }
            assert!(frames >= N as u64);
            let a = writer.join().unwrap();
            // Both ends dropped, on two threads, in either order.
            let (first, last) = if reader_last { (a, b) } else { (b, a) };
            std::thread::spawn(move || drop(first)).join().unwrap();
            // The writer's end terminating rolls back its unfinished message.
            assert_eq!(
                LEFTOVER_FREED.load(Ordering::SeqCst) - before,
                usize::from(reader_last)
            );
            std::thread::spawn(move || drop(last)).join().unwrap();
            assert_eq!(
                LEFTOVER_FREED.load(Ordering::SeqCst) - before,
                LEFT + 1,
                "leftovers dropped"
            );
        }
    }

    #[test]
    fn drained_reader_wakes_writer_and_out_pending_reaches_zero() {
        for hwm in [1, 2, 3, 10, 101] {
            let (mut a, mut b) = pair([hwm, 0]);
            let ca = Arc::new(Count(AtomicUsize::new(0), Mutex::new(vec![])));
            a.set_notifier(ca.clone(), 1);
            let mut n = 0;
            while a.check_write() {
                a.write(Msg::from_slice(b"m")).unwrap();
                n += 1;
            }
            assert_eq!(n, hwm as u64);
            assert_eq!(a.out_pending(), n);
            // Read all of it but never call read again: the writer is woken
            // by the time the half is drained.
            for _ in 0..n {
                assert!(matches!(b.read(), Read::Msg(_)));
            }
            assert_eq!(ca.1.lock().as_slice(), &[PipeEvent::Writable], "hwm {hwm}");
            assert_eq!(a.out_pending(), 0);
            assert!(a.check_write());
        }
    }
}
