//! A single-producer single-consumer, unbounded, chunked queue of [`Msg`]
//! frames: one direction of a pipe.
//!
//! The idea is libzmq's `ypipe_t` (itself a refinement of Lamport's classic
//! SPSC ring buffer): the writer appends frames to a linked list of fixed-size
//! chunks and makes them visible in batches; the reader takes everything
//! visible with one atomic access and then consumes it without atomics. This
//! is an independent implementation of that idea, not a port.
//!
//! # Algorithm
//!
//! * Storage: chunks of [`CHUNK`] slots linked by `next`. The writer owns the
//!   slots from its write position on; the reader owns the published slots it
//!   has not read yet. A chunk the reader has finished is pushed on the
//!   `free` stack (one CAS per chunk; the reader is its only pusher); when
//!   the writer needs a chunk it takes from its private cache, refilled by
//!   taking the whole stack with one swap (no ABA: nobody pops single
//!   entries). The writer keeps at most [`MAX_CACHED`] chunks and frees the
//!   rest, so a steady or bursty flow up to that depth allocates nothing
//!   while an idle pipe does not hoard the memory of a past burst.
//! * Publication and sleep share one word, `published`: the number of frames
//!   made visible, with the top bit [`ASLEEP`] set while the reader sleeps.
//!   - `write` fills the next slot privately (not visible yet);
//!   - `flush` publishes every written frame with ONE `swap(written)`, which
//!     also clears `ASLEEP`; if the old value had `ASLEEP` the caller must wake
//!     the reader;
//!   - `read` consumes up to its cached copy of the count with no atomic
//!     access at all, and reloads `published` (Acquire) only when it has read
//!     everything it knew about;
//!   - `sleep`, called when `read` found nothing, CASes `ASLEEP` into the
//!     unchanged count. Success: nothing was published since the reader
//!     looked, and the next `flush` sees the bit (both sides use read-modify-
//!     write operations on the same word, so one of them always sees the
//!     other: no lost wake-up). Failure: frames arrived; keep reading.
//! * Unfinished multipart messages: frames are written into the queue but
//!   only flushed with the last frame; `rollback` drops the written-but-
//!   unflushed frames and moves the write position back.
//! * Cursors: the writer's and the reader's private positions, the shared
//!   `published` word and `free` each live on their own cache line, so the
//!   only line that moves between the cores per batch is `published` (plus the
//!   slots themselves).
//!
//! All methods except `new` and `Drop` are `unsafe`: the caller guarantees
//! that writer-side methods are only ever called by the one writer end and
//! reader-side methods by the one reader end, each from one thread at a time
//! (an end that moves to another thread is handed over with proper
//! synchronisation by its owner).

use crate::msg::Msg;
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// Frames per chunk (32 × 64-byte `Msg` = 2 KiB: an idle pipe costs two).
pub(super) const CHUNK: usize = 32;

/// Chunks the writer keeps for reuse (64 KiB), beyond the ones in use.
const MAX_CACHED: usize = 32;

/// Top bit of `published`: the reader is asleep and must be woken.
const ASLEEP: u64 = 1 << 63;

/// Aligns its content to its own pair of cache lines (adjacent-line
/// prefetchers pull lines in pairs on x86).
#[repr(align(128))]
pub(super) struct CacheLine<T>(pub(super) T);

struct Chunk {
    slots: [MaybeUninit<Msg>; CHUNK],
    /// The following chunk, set by the writer before it writes there (and so
    /// before the frames there are published).
    next: AtomicPtr<Chunk>,
}

impl Chunk {
    fn alloc() -> *mut Chunk {
        let mut b = Box::<Chunk>::new_uninit();
        // SAFETY: `next` is written through a raw pointer into the (owned,
        // uninitialised) box; `slots` is an array of `MaybeUninit` and needs
        // no initialisation, so after this write the whole value is valid.
        unsafe {
            ptr::addr_of_mut!((*b.as_mut_ptr()).next).write(AtomicPtr::new(ptr::null_mut()));
            Box::into_raw(b.assume_init())
        }
    }

    /// # Safety
    /// `c` came from [`Chunk::alloc`], is not freed yet, holds no live frame
    /// that still needs dropping, and nobody uses it afterwards.
    unsafe fn free(c: *mut Chunk) {
        // SAFETY: per the contract; dropping a `Chunk` drops no slot.
        drop(unsafe { Box::from_raw(c) });
    }

    /// Raw pointer to slot `i`, without creating a reference to the chunk
    /// (the other end may be accessing other slots of it concurrently).
    ///
    /// # Safety
    /// `c` is a live chunk and `i < CHUNK`.
    #[inline]
    unsafe fn slot(c: *mut Chunk, i: usize) -> *mut Msg {
        debug_assert!(i < CHUNK);
        // SAFETY: in bounds of the live allocation per the contract.
        unsafe { (ptr::addr_of_mut!((*c).slots) as *mut Msg).add(i) }
    }

    /// # Safety
    /// `c` is a live chunk.
    #[inline]
    unsafe fn next<'a>(c: *mut Chunk) -> &'a AtomicPtr<Chunk> {
        // SAFETY: a shared reference to the atomic field only; the chunk
        // outlives every use per the callers' contracts.
        unsafe { &(*c).next }
    }
}

/// The writer's private cursor.
struct Writer {
    /// Chunk of the last written slot; `idx == CHUNK` means the next write
    /// moves to the following chunk.
    tail: *mut Chunk,
    idx: usize,
    /// Frames written (published or not).
    written: u64,
    /// Frames committed (whole messages), and the position right after the
    /// last of them: what `rollback` goes back to.
    flushed: u64,
    flushed_chunk: *mut Chunk,
    flushed_idx: usize,
    /// Frames published (the last value swapped into `published`); at most
    /// `flushed`.
    published: u64,
    /// Empty chunks for reuse, linked by `next`.
    cache: *mut Chunk,
}

/// The reader's private cursor.
struct Reader {
    /// Chunk of the last read slot; `idx == CHUNK` means the next read moves
    /// to the following chunk.
    head: *mut Chunk,
    idx: usize,
    /// Frames read.
    pos: u64,
    /// Frames known to be published (cached `published`).
    avail: u64,
}

pub(super) struct Ypipe {
    published: CacheLine<AtomicU64>,
    /// Chunks the reader finished, linked by `next`, for the writer.
    free: CacheLine<AtomicPtr<Chunk>>,
    writer: CacheLine<UnsafeCell<Writer>>,
    reader: CacheLine<UnsafeCell<Reader>>,
}

// SAFETY: the cursors are only touched by their one owning end (see the
// module docs); frames move between threads, and `Msg` is `Send`.
unsafe impl Send for Ypipe {}
// SAFETY: as above: shared access is only to the atomics; each `UnsafeCell`
// is used by one end at a time per the methods' contracts.
unsafe impl Sync for Ypipe {}

impl Ypipe {
    /// An empty queue whose reader starts asleep (the first flush reports a
    /// wake-up).
    pub(super) fn new() -> Ypipe {
        let c = Chunk::alloc();
        Ypipe {
            published: CacheLine(AtomicU64::new(ASLEEP)),
            free: CacheLine(AtomicPtr::new(ptr::null_mut())),
            writer: CacheLine(UnsafeCell::new(Writer {
                tail: c,
                idx: 0,
                written: 0,
                flushed: 0,
                flushed_chunk: c,
                flushed_idx: 0,
                published: 0,
                cache: ptr::null_mut(),
            })),
            reader: CacheLine(UnsafeCell::new(Reader {
                head: c,
                idx: 0,
                pos: 0,
                avail: 0,
            })),
        }
    }

    /// Appends a frame, invisible to the reader until the next `flush`.
    ///
    /// # Safety
    /// Writer side only (see the module docs).
    #[inline]
    pub(super) unsafe fn write(&self, msg: Msg) {
        // SAFETY: the writer cursor belongs to the caller alone.
        let w = unsafe { &mut *self.writer.0.get() };
        if w.idx == CHUNK {
            // SAFETY: `w.tail` is live (only the reader frees chunks, and only
            // those before the published position, which is <= ours).
            unsafe { self.next_chunk(w) };
        }
        // SAFETY: slot `w.idx` of `w.tail` is beyond everything published, so
        // the reader does not touch it; it holds no live frame.
        unsafe { Chunk::slot(w.tail, w.idx).write(msg) };
        w.idx += 1;
        w.written += 1;
    }

    /// Moves the writer to the chunk after `w.tail`: one already linked
    /// there (left over by a rollback), else a recycled one, else a new one.
    ///
    /// # Safety
    /// Writer side; `w.tail` is live and full.
    #[cold]
    unsafe fn next_chunk(&self, w: &mut Writer) {
        // SAFETY: `w.tail` is live per the contract.
        let link = unsafe { Chunk::next(w.tail) };
        let mut c = link.load(Ordering::Relaxed);
        if c.is_null() {
            if w.cache.is_null() {
                // Acquire: the reader's reads of these chunks' slots (and its
                // links) happen before we reuse them.
                w.cache = self.free.0.swap(ptr::null_mut(), Ordering::Acquire);
                // SAFETY: the taken list is ours alone now.
                unsafe { trim(w.cache, MAX_CACHED) };
            }
            c = w.cache;
            if c.is_null() {
                c = Chunk::alloc();
            } else {
                // SAFETY: `c` heads our private cache list.
                let next = unsafe { Chunk::next(c) };
                w.cache = next.load(Ordering::Relaxed);
                next.store(ptr::null_mut(), Ordering::Relaxed);
            }
            // Relaxed: the reader follows this link only for frames it saw
            // published by a later Release swap of `published`.
            link.store(c, Ordering::Relaxed);
        }
        w.tail = c;
        w.idx = 0;
    }

    /// True if frames were written since the last `flush`.
    ///
    /// # Safety
    /// Writer side only.
    #[inline]
    pub(super) unsafe fn has_unflushed(&self) -> bool {
        // SAFETY: the writer cursor belongs to the caller alone.
        let w = unsafe { &*self.writer.0.get() };
        w.written != w.flushed
    }

    /// Publishes every written frame. Returns true if the reader was asleep
    /// and must be woken.
    ///
    /// # Safety
    /// Writer side only.
    #[inline]
    pub(super) unsafe fn flush(&self) -> bool {
        // SAFETY: writer side, per our contract.
        unsafe {
            self.commit();
            self.publish()
        }
    }

    /// Marks every written frame as part of whole messages (no rollback
    /// past them) without publishing them yet: a writer that produces many
    /// messages in a row (a session decoding a read) publishes them with one
    /// [`publish`](Self::publish).
    ///
    /// # Safety
    /// Writer side only.
    #[inline]
    pub(super) unsafe fn commit(&self) {
        // SAFETY: the writer cursor belongs to the caller alone.
        let w = unsafe { &mut *self.writer.0.get() };
        w.flushed = w.written;
        w.flushed_chunk = w.tail;
        w.flushed_idx = w.idx;
    }

    /// Publishes every committed frame. Returns true if the reader was asleep
    /// and must be woken.
    ///
    /// # Safety
    /// Writer side only.
    #[inline]
    pub(super) unsafe fn publish(&self) -> bool {
        // SAFETY: the writer cursor belongs to the caller alone.
        let w = unsafe { &mut *self.writer.0.get() };
        if w.flushed == w.published {
            return false;
        }
        w.published = w.flushed;
        // Release: the slot writes (and chunk links) happen before the reader
        // sees the new count. The swap clears ASLEEP.
        self.published.0.swap(w.flushed, Ordering::AcqRel) & ASLEEP != 0
    }

    /// Drops the frames written since the last `flush`.
    ///
    /// # Safety
    /// Writer side only.
    pub(super) unsafe fn rollback(&self) {
        // SAFETY: the writer cursor belongs to the caller alone.
        let w = unsafe { &mut *self.writer.0.get() };
        let n = w.written - w.flushed;
        let (mut c, mut i) = (w.flushed_chunk, w.flushed_idx);
        // Move the cursor back first: should a frame's drop panic, the rest
        // leak instead of being dropped twice. Chunks linked after
        // `flushed_chunk` stay linked and are reused by the next writes.
        w.tail = c;
        w.idx = i;
        w.written = w.flushed;
        for _ in 0..n {
            if i == CHUNK {
                // SAFETY: the unflushed frames continue in the linked chunk.
                c = unsafe { Chunk::next(c) }.load(Ordering::Relaxed);
                i = 0;
            }
            // SAFETY: this slot holds an unflushed frame (invisible to the
            // reader), dropped exactly once here.
            unsafe { ptr::drop_in_place(Chunk::slot(c, i)) };
            i += 1;
        }
    }

    /// Frames published and not read yet.
    ///
    /// # Safety
    /// Reader side only.
    pub(super) unsafe fn unread(&self) -> u64 {
        // SAFETY: the reader cursor belongs to the caller alone.
        let r = unsafe { &*self.reader.0.get() };
        (self.published.0.load(Ordering::Acquire) & !ASLEEP).saturating_sub(r.pos)
    }

    /// The next published frame, or None if everything published was read.
    /// Does not change the sleep state.
    ///
    /// # Safety
    /// Reader side only.
    #[inline]
    pub(super) unsafe fn read(&self) -> Option<Msg> {
        // SAFETY: the reader cursor belongs to the caller alone.
        let r = unsafe { &mut *self.reader.0.get() };
        if r.pos == r.avail {
            // Acquire: pairs with the writer's swap; the frames up to the
            // count (and the links to their chunks) are visible.
            r.avail = self.published.0.load(Ordering::Acquire) & !ASLEEP;
            if r.pos == r.avail {
                return None;
            }
        }
        if r.idx == CHUNK {
            // SAFETY: the frame at `pos` is published, so the writer linked
            // the next chunk before publishing it.
            let next = unsafe { Chunk::next(r.head) }.load(Ordering::Relaxed);
            let done = std::mem::replace(&mut r.head, next);
            r.idx = 0;
            // Push `done` on the free stack. Release: our reads of `done`
            // happen before the writer reuses it. The writer never goes back
            // to `done`: its flushed position (and so any rollback target) is
            // past the frame we are reading.
            let mut top = self.free.0.load(Ordering::Relaxed);
            loop {
                // SAFETY: `done` is ours until the CAS below publishes it.
                unsafe { Chunk::next(done) }.store(top, Ordering::Relaxed);
                match self.free.0.compare_exchange_weak(
                    top,
                    done,
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(t) => top = t,
                }
            }
        }
        // SAFETY: the frame at `pos` is published (pos < avail) and read
        // exactly once; the writer does not touch this slot again until the
        // chunk comes back through `free`.
        let m = unsafe { Chunk::slot(r.head, r.idx).read() };
        r.idx += 1;
        r.pos += 1;
        Some(m)
    }

    /// After `read` returned None: tries to go to sleep. True: asleep (the
    /// writer's next flush reports it). False: frames were published in the
    /// meantime; `read` again. On success this was a full barrier (SeqCst
    /// read-modify-write).
    ///
    /// # Safety
    /// Reader side only.
    pub(super) unsafe fn sleep(&self) -> bool {
        // SAFETY: the reader cursor belongs to the caller alone.
        let r = unsafe { &mut *self.reader.0.get() };
        debug_assert_eq!(r.pos, r.avail);
        match self.published.0.compare_exchange(
            r.pos,
            r.pos | ASLEEP,
            Ordering::SeqCst,
            Ordering::Acquire,
        ) {
            Ok(_) => true,
            Err(v) if v == r.pos | ASLEEP => true, // still asleep
            Err(v) => {
                r.avail = v & !ASLEEP;
                false
            }
        }
    }

    /// True if the reader has read everything published so far (reloads the
    /// published count if its cached copy is used up; no sleep change).
    ///
    /// # Safety
    /// Reader side only.
    #[inline]
    pub(super) unsafe fn caught_up(&self) -> bool {
        // SAFETY: the reader cursor belongs to the caller alone.
        let r = unsafe { &mut *self.reader.0.get() };
        if r.pos != r.avail {
            return false;
        }
        r.avail = self.published.0.load(Ordering::Acquire) & !ASLEEP;
        r.pos == r.avail
    }

    /// True if a published frame is waiting (no state change).
    ///
    /// # Safety
    /// Reader side only.
    pub(super) unsafe fn has_msg(&self) -> bool {
        // SAFETY: the reader cursor belongs to the caller alone.
        let r = unsafe { &*self.reader.0.get() };
        r.pos != r.avail || self.published.0.load(Ordering::Acquire) & !ASLEEP != r.pos
    }
}

impl Drop for Ypipe {
    /// Drops every frame still queued (published or not) and frees the
    /// chunks. Both ends are gone: `&mut self` (the owning `Arc` synchronised
    /// their last accesses with us).
    fn drop(&mut self) {
        let w = self.writer.0.get_mut();
        let r = self.reader.0.get_mut();
        let (mut c, mut i) = (r.head, r.idx);
        let n = w.written - r.pos;
        // As in `rollback`: forget the frames before dropping them.
        w.written = r.pos;
        for _ in 0..n {
            if i == CHUNK {
                // SAFETY: the remaining frames continue in the linked chunk.
                c = unsafe { Chunk::next(c) }.load(Ordering::Relaxed);
                i = 0;
            }
            // SAFETY: frames between the read and write positions are live
            // and dropped exactly once.
            unsafe { ptr::drop_in_place(Chunk::slot(c, i)) };
            i += 1;
        }
        let mut c = r.head;
        while !c.is_null() {
            // SAFETY: every chunk in use is linked from the reader's head.
            let next = unsafe { Chunk::next(c) }.load(Ordering::Relaxed);
            // SAFETY: its frames were all read or dropped above.
            unsafe { Chunk::free(c) };
            c = next;
        }
        // SAFETY: both lists hold only empty chunks linked by `next`.
        unsafe {
            trim(*self.free.0.get_mut(), 0);
            trim(w.cache, 0);
        }
    }
}

/// Frees the chunks of the list `c` (linked by `next`) after the first `keep`.
///
/// # Safety
/// The caller owns the list and its chunks are empty.
unsafe fn trim(mut c: *mut Chunk, keep: usize) {
    let mut last: *mut Chunk = ptr::null_mut();
    for _ in 0..keep {
        if c.is_null() {
            return;
        }
        last = c;
        // SAFETY: `c` is a live chunk of the list.
        c = unsafe { Chunk::next(c) }.load(Ordering::Relaxed);
    }
    if !last.is_null() {
        // SAFETY: as above; cut the list after the kept chunks.
        unsafe { Chunk::next(last) }.store(ptr::null_mut(), Ordering::Relaxed);
    }
    while !c.is_null() {
        // SAFETY: `c` is live and owned; read its link before freeing it.
        let next = unsafe { Chunk::next(c) }.load(Ordering::Relaxed);
        // SAFETY: empty and unlinked from everything still used.
        unsafe { Chunk::free(c) };
        c = next;
    }
}
