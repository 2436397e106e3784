//! Recycling of the small blocks that hold copied frames.
//!
//! A frame sent with `zmq_send` is copied into a block allocated by the
//! application thread and freed by the I/O thread once it is encoded (and
//! the other way round for messages a socket builds). The C allocator handles
//! this cross-thread pattern poorly: the freeing thread's cache overflows and
//! every block goes through the shared arena under its lock. Here blocks of
//! a few size classes are kept on per-thread free lists instead; a thread
//! whose list grows long hands a batch of blocks to a global
//! depot, and a thread whose list is empty takes a batch back — one lock per
//! batch rather than per message (the "transfer cache" of tcmalloc).
//!
//! Blocks are plain allocations of the class size (alignment [`ALIGN`]), so
//! a block may always go back to the system allocator instead, e.g. when the
//! depot is full or a thread is exiting.

use parking_lot::Mutex;
use std::alloc::{alloc, dealloc, Layout};
use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Alignment of every block (the block header's).
pub(crate) const ALIGN: usize = 8;
/// Block sizes, header included. The last class holds receive chunks only
/// (see [`CHUNK_CLASS`]); the others hold copied frames.
const CLASSES: [usize; 6] = [128, 256, 512, 1024, 2048, 16384 + 256];
/// The class of receive chunks. Its blocks are zero-filled when first
/// allocated and only ever hold bytes written since, so a recycled chunk
/// needs no zeroing.
pub(crate) const CHUNK_CLASS: usize = CLASSES.len() - 1;
/// Blocks moved between a thread and the depot at a time: 64 frame blocks
/// (at most 128 KiB), or 4 receive chunks. A thread keeps at most two
/// batches per class.
#[inline]
fn batch(class: usize) -> usize {
    if class == CHUNK_CLASS {
        4
    } else {
        64
    }
}
/// Batches the depot keeps per class: up to 4 MiB of blocks, at most 64
/// batches (4,096 small blocks: a sender may run thousands of messages
/// ahead, and what its receiver frees must come back without `malloc`).
/// More go back to the system.
#[inline]
fn depot_batches(class: usize) -> usize {
    ((4 << 20) / (batch(class) * CLASSES[class])).clamp(8, 64)
}

/// The frame class for a block of `size` bytes, if pooled.
#[inline]
pub(crate) fn class_of(size: usize) -> Option<usize> {
    CLASSES[..CHUNK_CLASS].iter().position(|&c| size <= c)
}

/// The class whose blocks are exactly `size` bytes, if any.
#[inline]
pub(crate) fn class_exact(size: usize) -> Option<usize> {
    CLASSES.iter().position(|&c| size == c)
}

/// The size of blocks of class `c`.
#[inline]
pub(crate) fn class_size(c: usize) -> usize {
    CLASSES[c]
}

/// A free block; its first word links to the next free block.
struct Free {
    next: *mut Free,
}

/// A singly linked list of free blocks.
struct List {
    head: *mut Free,
    len: usize,
}

// SAFETY: a List owns the free blocks it links; moving it moves them.
unsafe impl Send for List {}

impl List {
    const fn new() -> List {
        List {
            head: std::ptr::null_mut(),
            len: 0,
        }
    }
    #[inline]
    fn push(&mut self, p: *mut u8) {
        let f = p as *mut Free;
        // SAFETY: p is a free block of at least one word, owned by the caller.
        unsafe { f.write(Free { next: self.head }) };
        self.head = f;
        self.len += 1;
    }
    #[inline]
    fn pop(&mut self) -> Option<*mut u8> {
        if self.head.is_null() {
            return None;
        }
        let f = self.head;
        // SAFETY: every linked block was written by `push`.
        self.head = unsafe { (*f).next };
        self.len -= 1;
        Some(f as *mut u8)
    }
    /// Splits off up to `n` blocks.
    fn take(&mut self, n: usize) -> List {
        let mut out = List::new();
        while out.len < n {
            match self.pop() {
                Some(p) => out.push(p),
                None => break,
            }
        }
        out
    }
    fn free_all(&mut self, class: usize) {
        while let Some(p) = self.pop() {
            // SAFETY: pooled blocks were allocated with this layout.
            unsafe { dealloc(p, layout(class)) };
        }
    }
}

fn layout(class: usize) -> Layout {
    // CLASSES are non-zero powers of two, ALIGN a power of two: always valid.
    Layout::from_size_align(CLASSES[class], ALIGN).unwrap_or(Layout::new::<u64>())
}

static DEPOT: [Mutex<Vec<List>>; CLASSES.len()] = [
    Mutex::new(Vec::new()),
    Mutex::new(Vec::new()),
    Mutex::new(Vec::new()),
    Mutex::new(Vec::new()),
    Mutex::new(Vec::new()),
    Mutex::new(Vec::new()),
];

/// Batches in each depot (a hint read without the lock, so an empty depot
/// costs no lock).
static DEPOT_LEN: [AtomicUsize; CLASSES.len()] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];

/// This thread's free lists; returned to the depot when the thread exits.
struct Cache {
    lists: [List; CLASSES.len()],
}

impl Drop for Cache {
    fn drop(&mut self) {
        for (c, l) in self.lists.iter_mut().enumerate() {
            give_back(c, std::mem::replace(l, List::new()));
        }
    }
}

thread_local! {
    static CACHE: RefCell<Cache> = const {
        RefCell::new(Cache {
            lists: [
                List::new(),
                List::new(),
                List::new(),
                List::new(),
                List::new(),
                List::new(),
            ],
        })
    };
}

fn give_back(class: usize, mut l: List) {
    if l.len == 0 {
        return;
    }
    let mut d = DEPOT[class].lock();
    if d.len() < depot_batches(class) {
        d.push(l);
        DEPOT_LEN[class].store(d.len(), Ordering::Relaxed);
    } else {
        drop(d);
        l.free_all(class);
    }
}

/// A block of class `class`, or None when memory runs out. The bool is true
/// when the block is fresh from the system (uninitialised).
#[inline]
pub(crate) fn get(class: usize) -> Option<(NonNull<u8>, bool)> {
    let p = CACHE
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let l = &mut c.lists[class];
            if let Some(p) = l.pop() {
                return Some(p);
            }
            if DEPOT_LEN[class].load(Ordering::Relaxed) == 0 {
                return None;
            }
            let batch = {
                let mut d = DEPOT[class].lock();
                let b = d.pop();
                DEPOT_LEN[class].store(d.len(), Ordering::Relaxed);
                b
            };
            if let Some(b) = batch {
                *l = b;
                return l.pop();
            }
            None
        })
        .ok()
        .flatten();
    match p {
        Some(p) => Some((NonNull::new(p)?, false)),
        // SAFETY: the layout has a non-zero size.
        None => Some((NonNull::new(unsafe { alloc(layout(class)) })?, true)),
    }
}

/// Gives a block of class `class` back.
///
/// # Safety
/// `p` must have been allocated with the class's layout (by [`get`] or the
/// system allocator) and no longer be used.
#[inline]
pub(crate) unsafe fn put(class: usize, p: NonNull<u8>) {
    let kept = CACHE.try_with(|c| {
        let mut c = c.borrow_mut();
        let l = &mut c.lists[class];
        l.push(p.as_ptr());
        if l.len >= 2 * batch(class) {
            let b = l.take(batch(class));
            drop(c);
            give_back(class, b);
        }
    });
    if kept.is_err() {
        // The thread is exiting: no cache any more.
        dealloc(p.as_ptr(), layout(class));
    }
}

/// Large receive buffers (`Vec<u8>`s of [`VEC_MIN`]..=[`VEC_MAX`] bytes of
/// capacity) kept for re-use, so a stream of large frames does not pay a
/// fresh mapping, its page faults and its zero-filling per frame. At most
/// [`VEC_KEEP`] bytes are kept in all. A kept vector keeps its length: its
/// bytes up to it are initialised and need no zeroing when re-used.
static VECS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
const VEC_MIN: usize = 32 * 1024;
const VEC_MAX: usize = 8 << 20;
const VEC_KEEP: usize = 8 << 20;

/// A kept buffer with at least `min_cap` bytes of capacity, if any.
pub(crate) fn take_vec(min_cap: usize) -> Option<Vec<u8>> {
    if !(VEC_MIN..=VEC_MAX).contains(&min_cap) {
        return None;
    }
    let mut kept = VECS.lock();
    // The smallest that fits.
    let i = kept
        .iter()
        .enumerate()
        .filter(|(_, v)| v.capacity() >= min_cap)
        .min_by_key(|(_, v)| v.capacity())
        .map(|(i, _)| i)?;
    Some(kept.swap_remove(i))
}

/// Offers a buffer for re-use; it is freed if it is not kept.
pub(crate) fn give_vec(v: Vec<u8>) {
    if !(VEC_MIN..=VEC_MAX).contains(&v.capacity()) {
        return;
    }
    let mut kept = VECS.lock();
    let total: usize = kept.iter().map(Vec::capacity).sum();
    if total + v.capacity() <= VEC_KEEP {
        kept.push(v);
    }
}

/// Large frame blocks (header + bytes, alignment [`ALIGN`]) of
/// [`BLOCK_MIN`]..=[`VEC_MAX`] bytes, kept for re-use like [`VECS`] (a
/// stream of large frames between two threads otherwise pays a fresh mapping
/// and its page faults per frame). At most [`VEC_KEEP`] bytes in all;
/// addresses are kept as integers.
static BLOCKS: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
const BLOCK_MIN: usize = 32 * 1024;

/// A kept block of between `size` and twice `size` bytes: its address and
/// its real size. Its contents are unspecified.
pub(crate) fn take_block(size: usize) -> Option<(NonNull<u8>, usize)> {
    if !(BLOCK_MIN..=VEC_MAX).contains(&size) {
        return None;
    }
    let mut kept = BLOCKS.lock();
    let i = kept
        .iter()
        .enumerate()
        .filter(|(_, b)| b.1 >= size && b.1 / 2 <= size)
        .min_by_key(|(_, b)| b.1)
        .map(|(i, _)| i)?;
    let (p, n) = kept.swap_remove(i);
    Some((NonNull::new(p as *mut u8)?, n))
}

/// Offers a block of `size` bytes (allocated with alignment [`ALIGN`]) for
/// re-use. False if it was not kept: the caller frees it.
pub(crate) fn give_block(p: NonNull<u8>, size: usize) -> bool {
    if !(BLOCK_MIN..=VEC_MAX).contains(&size) {
        return false;
    }
    let mut kept = BLOCKS.lock();
    let total: usize = kept.iter().map(|b| b.1).sum();
    if total + size > VEC_KEEP {
        return false;
    }
    kept.push((p.as_ptr() as usize, size));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_recycled_across_threads() {
        let c = class_of(100).unwrap();
        assert_eq!(class_size(c), 128);
        let blocks: Vec<usize> = (0..1000)
            .map(|_| get(c).unwrap().0.as_ptr() as usize)
            .collect();
        std::thread::spawn(move || {
            for p in blocks {
                // SAFETY: allocated by get() above, unused.
                unsafe { put(c, NonNull::new(p as *mut u8).unwrap()) };
            }
        })
        .join()
        .unwrap();
        // The exiting thread's blocks are in the depot now.
        let again: Vec<_> = (0..10).map(|_| get(c).unwrap().0).collect();
        for p in again {
            // SAFETY: as above.
            unsafe { put(c, p) };
        }
        assert!(class_of(4096).is_none());
    }
}
