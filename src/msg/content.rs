//! Reference-counted storage for frames larger than [`MAX_VSM`](super::MAX_VSM).
//!
//! A [`Content`] is one heap block: a header (reference count and how the
//! bytes are released) followed, for bytes we own, by the bytes themselves —
//! one allocation per large frame, as libzmq's `content_t`. Messages point at
//! a range of the bytes and hold one reference each.
//!
//! A [`Chunk`] is a receive buffer that is itself a `Content`: the decoder
//! reads many frames into it with one system call and hands each large frame
//! out as a message sharing the chunk, so receiving allocates nothing per
//! message. The chunk is reused in place once no message refers to it, and
//! replaced by a fresh one otherwise. To keep the reference count off the
//! per-message path the chunk takes references in batches ([`REF_BATCH`]):
//! the decoder's thread touches the shared counter once per batch, and the
//! receiving thread once per message, when it drops it.

use std::alloc::{alloc, alloc_zeroed, dealloc, Layout};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

use super::pool;
use super::FreeFn;

/// References a [`Chunk`] takes from its counter at a time.
const REF_BATCH: usize = 256;

/// How a block's bytes are released when the last reference goes.
enum Release {
    /// The bytes follow the header in the same allocation; `cap` of them.
    Trailing { cap: usize },
    /// The bytes belong to the user; `ffn(data, hint)` is called once.
    User {
        data: *mut u8,
        ffn: FreeFn,
        hint: *mut c_void,
    },
    /// The bytes are a `Vec<u8>`'s buffer: `len` initialised of `cap`.
    Vec {
        data: *mut u8,
        len: usize,
        cap: usize,
    },
}

/// The header of a shared block. Only ever handled through `NonNull<Content>`.
pub(crate) struct Content {
    /// References held: one per message, plus a chunk's unspent batch.
    /// Incremented by whoever clones, decremented by whoever drops; the
    /// thread that takes it to zero releases the block.
    refs: AtomicUsize,
    release: Release,
}

const HDR: usize = std::mem::size_of::<Content>();
const ALIGN: usize = std::mem::align_of::<Content>();
const _: () = assert!(ALIGN == pool::ALIGN);

fn trailing_layout(cap: usize) -> Option<Layout> {
    Layout::from_size_align(HDR.checked_add(cap)?, ALIGN).ok()
}

impl Content {
    /// A block with `cap` bytes of its own, reference count 1. Returns the
    /// header and the bytes. `None` when memory runs out.
    /// Small blocks come from the [`pool`], rounded up to their class.
    #[inline]
    pub(crate) fn with_capacity(cap: usize, zeroed: bool) -> Option<(NonNull<Content>, *mut u8)> {
        let (p, cap) = match pool::class_of(HDR.checked_add(cap)?) {
            Some(class) => {
                let (p, _) = pool::get(class)?;
                let cap = pool::class_size(class) - HDR;
                if zeroed {
                    // SAFETY: the block has HDR + cap bytes.
                    unsafe { p.as_ptr().add(HDR).write_bytes(0, cap) };
                }
                (p.cast::<Content>(), cap)
            }
            None => match pool::take_block(HDR.checked_add(cap)?) {
                Some((p, size)) => {
                    let cap = size - HDR;
                    if zeroed {
                        // SAFETY: the block has HDR + cap bytes.
                        unsafe { p.as_ptr().add(HDR).write_bytes(0, cap) };
                    }
                    (p.cast::<Content>(), cap)
                }
                None => Content::fresh(cap, zeroed)?,
            },
        };
        // SAFETY: p is a fresh allocation large and aligned enough for the
        // header; the bytes start right after it, inside the same block.
        unsafe {
            p.as_ptr().write(Content {
                refs: AtomicUsize::new(1),
                release: Release::Trailing { cap },
            });
            Some((p, (p.as_ptr() as *mut u8).add(HDR)))
        }
    }

    /// A fresh system allocation for a header and `cap` bytes.
    fn fresh(cap: usize, zeroed: bool) -> Option<(NonNull<Content>, usize)> {
        let layout = trailing_layout(cap)?;
        // SAFETY: layout has a non-zero size (HDR > 0).
        let p = unsafe {
            if zeroed {
                alloc_zeroed(layout)
            } else {
                alloc(layout)
            }
        } as *mut Content;
        Some((NonNull::new(p)?, cap))
    }

    fn boxed(release: Release) -> NonNull<Content> {
        let b = Box::new(Content {
            refs: AtomicUsize::new(1),
            release,
        });
        // SAFETY: Box::into_raw never returns null.
        unsafe { NonNull::new_unchecked(Box::into_raw(b)) }
    }

    /// A block over user memory released by `ffn(data, hint)`.
    pub(crate) fn user(data: *mut u8, ffn: FreeFn, hint: *mut c_void) -> NonNull<Content> {
        Content::boxed(Release::User { data, ffn, hint })
    }

    /// A block taking over a vector's buffer. Returns the header and the bytes.
    pub(crate) fn from_vec(v: Vec<u8>) -> (NonNull<Content>, *mut u8) {
        let mut v = std::mem::ManuallyDrop::new(v);
        let data = v.as_mut_ptr();
        let cap = v.capacity();
        let len = v.len();
        (Content::boxed(Release::Vec { data, len, cap }), data)
    }

    /// Adds a reference (a message clone).
    ///
    /// # Safety
    /// `p` must be a live block the caller holds a reference to.
    #[inline]
    pub(crate) unsafe fn acquire(p: NonNull<Content>, n: usize) {
        // Relaxed as in `Arc::clone`: the caller's own reference keeps the
        // block alive, and the new one is published by whatever moves it.
        // SAFETY: the caller holds a reference, so `p` is live (contract).
        unsafe { p.as_ref() }.refs.fetch_add(n, Ordering::Relaxed);
    }

    /// Drops `n` references, releasing the block when they were the last.
    ///
    /// # Safety
    /// The caller must hold `n` references to the live block `p`, and give
    /// them up.
    #[inline]
    pub(crate) unsafe fn release(p: NonNull<Content>, n: usize) {
        // SAFETY: the caller holds `n` references, so `p` is live (contract).
        if unsafe { p.as_ref() }.refs.fetch_sub(n, Ordering::Release) != n {
            return;
        }
        // Synchronises with every other thread's Release decrement, so their
        // reads of the bytes happen before the block is freed (as in Arc).
        fence(Ordering::Acquire);
        let c = p.as_ptr();
        // SAFETY: those were the last references: the block is live and
        // nobody else reads or frees it any more.
        let release = unsafe { &(*c).release };
        match *release {
            Release::Trailing { cap } => match pool::class_exact(HDR + cap) {
                // Every block of a class's exact size can be pooled, whoever
                // allocated it (same size and alignment).
                // SAFETY: the block has exactly the class's size and no
                // reference is left.
                Some(class) => unsafe { pool::put(class, p.cast::<u8>()) },
                _ => {
                    if !pool::give_block(p.cast::<u8>(), HDR + cap) {
                        if let Some(layout) = trailing_layout(cap) {
                            // SAFETY: trailing blocks are allocated with this
                            // layout, and no reference is left.
                            unsafe { dealloc(c as *mut u8, layout) };
                        }
                    }
                }
            },
            Release::User { data, ffn, hint } => {
                // SAFETY: user blocks are boxed (`Content::boxed`) and this
                // was the last reference; the match copied the fields out.
                drop(unsafe { Box::from_raw(c) });
                // The user's free function runs exactly once, here (M3).
                // SAFETY: the contract of `Msg::from_user`: `data` stays valid
                // until this call, which hands it back with the user's hint.
                unsafe { ffn(data as *mut c_void, hint) };
            }
            Release::Vec { data, len, cap } => {
                // SAFETY: vec blocks are boxed (`Content::boxed`) and this was
                // the last reference; the match copied the vector's parts out.
                drop(unsafe { Box::from_raw(c) });
                // SAFETY: `data`, `len`, `cap` came from a `Vec<u8>` taken
                // apart in `Content::from_vec`, whose storage nobody else owns.
                pool::give_vec(unsafe { Vec::from_raw_parts(data, len, cap) });
            }
        }
    }

    /// Current number of references (ZMQ_SHARED, chunk reuse).
    ///
    /// # Safety
    /// `p` must be a live block the caller holds a reference to.
    #[inline]
    pub(crate) unsafe fn refs(p: NonNull<Content>) -> usize {
        // SAFETY: the caller holds a reference, so `p` is live (contract).
        unsafe { p.as_ref() }.refs.load(Ordering::Acquire)
    }
}

/// A receive buffer whose large frames become messages without a copy.
/// Owned by one decoder; see the module docs.
pub(crate) struct Chunk {
    /// None for the empty chunk (no storage, capacity 0).
    content: Option<NonNull<Content>>,
    data: *mut u8,
    cap: usize,
    /// References taken from the counter and not yet given to a message.
    /// The chunk's own reference is counted separately (always 1).
    spare_refs: usize,
}

// SAFETY: a Chunk is owned by one thread at a time; the block it shares with
// messages is only written in ranges no message refers to.
unsafe impl Send for Chunk {}

impl Chunk {
    /// An empty chunk with room for at least `cap` bytes. Chunks of the
    /// usual size are recycled through the pool.
    pub(crate) fn new(cap: usize) -> Chunk {
        let chunk_cap = pool::class_size(pool::CHUNK_CLASS) - HDR;
        if cap <= chunk_cap {
            if let Some((p, fresh)) = pool::get(pool::CHUNK_CLASS) {
                // SAFETY: a block of HDR + chunk_cap bytes, aligned for the
                // header; fresh blocks are zeroed once, recycled ones hold
                // only bytes written since (the class's rule).
                unsafe {
                    let data = p.as_ptr().add(HDR);
                    if fresh {
                        data.write_bytes(0, chunk_cap);
                    }
                    let content = p.cast::<Content>();
                    content.as_ptr().write(Content {
                        refs: AtomicUsize::new(1),
                        release: Release::Trailing { cap: chunk_cap },
                    });
                    return Chunk {
                        content: Some(content),
                        data,
                        cap: chunk_cap,
                        spare_refs: 0,
                    };
                }
            }
        }
        Chunk::allocate(cap)
    }

    fn allocate(cap: usize) -> Chunk {
        match Content::with_capacity(cap, true) {
            Some((content, data)) => Chunk {
                content: Some(content),
                data,
                cap,
                spare_refs: 0,
            },
            None => {
                let layout = trailing_layout(cap).unwrap_or(Layout::new::<Content>());
                std::alloc::handle_alloc_error(layout)
            }
        }
    }

    /// A chunk with no room and no storage.
    pub(crate) const fn empty() -> Chunk {
        Chunk {
            content: None,
            data: std::ptr::NonNull::dangling().as_ptr(),
            cap: 0,
            spare_refs: 0,
        }
    }

    #[inline]
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// True if no message refers to the bytes: they may be overwritten.
    #[inline]
    pub(crate) fn is_unique(&self) -> bool {
        self.content.is_none_or(|c| {
            // SAFETY: we hold a reference to the live block.
            let refs = unsafe { Content::refs(c) };
            refs == 1 + self.spare_refs
        })
    }

    /// The bytes `a..b` (must be within capacity and not being written).
    #[inline]
    pub(crate) fn slice(&self, a: usize, b: usize) -> &[u8] {
        assert!(a <= b && b <= self.cap);
        // SAFETY: in bounds; bytes were zero-initialised at allocation; no
        // one writes them while shared (see `spare_mut`).
        unsafe { std::slice::from_raw_parts(self.data.add(a), b - a) }
    }

    /// The bytes `a..b` to write into. The caller keeps every range a message
    /// refers to out of it (only ranges past the last shared frame, or any
    /// range while [`is_unique`](Self::is_unique)).
    #[inline]
    pub(crate) fn slice_mut(&mut self, a: usize, b: usize) -> &mut [u8] {
        assert!(a <= b && b <= self.cap);
        // SAFETY: in bounds and initialised; exclusivity as documented above
        // (messages only ever read ranges below the decoder's read position).
        unsafe { std::slice::from_raw_parts_mut(self.data.add(a), b - a) }
    }

    /// Moves `src` to start at `dst` (only while unique).
    pub(crate) fn copy_within(&mut self, src: std::ops::Range<usize>, dst: usize) {
        debug_assert!(self.is_unique());
        let (a, b) = (src.start, src.end);
        let lo = a.min(dst);
        let hi = b.max(dst + (b - a));
        self.slice_mut(lo, hi).copy_within(a - lo..b - lo, dst - lo);
    }

    /// A message sharing the bytes `a..b`.
    #[inline]
    pub(crate) fn share(&mut self, a: usize, b: usize) -> (NonNull<Content>, *mut u8, usize) {
        assert!(a < b && b <= self.cap);
        let Some(content) = self.content else {
            unreachable!("a non-empty range of the empty chunk")
        };
        if self.spare_refs == 0 {
            // SAFETY: we hold a reference to the live block.
            unsafe { Content::acquire(content, REF_BATCH) };
            self.spare_refs = REF_BATCH;
        }
        self.spare_refs -= 1;
        // SAFETY: in bounds.
        (content, unsafe { self.data.add(a) }, b - a)
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(c) = self.content {
            // SAFETY: our own reference plus the unspent batch are ours to drop.
            unsafe { Content::release(c, 1 + self.spare_refs) };
        }
    }
}
