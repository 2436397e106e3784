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
        // SAFETY: `p` was allocated with the class's layout and is no longer
        // used (contract).
        unsafe { dealloc(p.as_ptr(), layout(class)) };
    }
}

/// Large buffers kept for re-use, so a stream of large frames does not pay
/// a fresh mapping, its page faults (and for receive buffers the zero-fill)
/// per frame: items of [`BIG_MIN`]..=[`BIG_MAX`] bytes, at most [`BIG_KEEP`]
/// bytes per kind in all. Two kinds share the logic: receive buffers
/// (`Vec<u8>`s, kept with their length: bytes up to it are initialised) and
/// frame blocks (header + bytes, alignment [`ALIGN`], kept as address and
/// size; contents unspecified).
struct Kept<T> {
    items: Mutex<Vec<T>>,
}

const BIG_MIN: usize = 32 * 1024;
const BIG_MAX: usize = 8 << 20;
const BIG_KEEP: usize = 8 << 20;

/// Something kept by [`Kept`]: its size in bytes.
trait KeptBytes {
    fn bytes(&self) -> usize;
}
impl KeptBytes for Vec<u8> {
    fn bytes(&self) -> usize {
        self.capacity()
    }
}
impl KeptBytes for (usize, usize) {
    fn bytes(&self) -> usize {
        self.1
    }
}

impl<T: KeptBytes> Kept<T> {
    const fn new() -> Kept<T> {
        Kept {
            items: Mutex::new(Vec::new()),
        }
    }

    /// The smallest kept item of `min..=max` bytes.
    fn take(&self, min: usize, max: usize) -> Option<T> {
        if !(BIG_MIN..=BIG_MAX).contains(&min) {
            return None;
        }
        let mut kept = self.items.lock();
        let i = kept
            .iter()
            .enumerate()
            .filter(|(_, x)| (min..=max).contains(&x.bytes()))
            .min_by_key(|(_, x)| x.bytes())
            .map(|(i, _)| i)?;
        Some(kept.swap_remove(i))
    }

    /// Keeps `x` if it is in range and there is room; else gives it back.
    fn give(&self, x: T) -> Option<T> {
        if !(BIG_MIN..=BIG_MAX).contains(&x.bytes()) {
            return Some(x);
        }
        let mut kept = self.items.lock();
        let total: usize = kept.iter().map(KeptBytes::bytes).sum();
        if total + x.bytes() > BIG_KEEP {
            return Some(x);
        }
        kept.push(x);
        None
    }
}

static VECS: Kept<Vec<u8>> = Kept::new();
static BLOCKS: Kept<(usize, usize)> = Kept::new();

/// A kept receive buffer with at least `min_cap` bytes of capacity, if any.
pub(crate) fn take_vec(min_cap: usize) -> Option<Vec<u8>> {
    VECS.take(min_cap, usize::MAX)
}

/// Offers a receive buffer for re-use; it is freed if it is not kept.
pub(crate) fn give_vec(v: Vec<u8>) {
    drop(VECS.give(v));
}

/// A kept frame block of between `size` and twice `size` bytes: its address
/// and its real size.
pub(crate) fn take_block(size: usize) -> Option<(NonNull<u8>, usize)> {
    let (p, n) = BLOCKS.take(size, size.saturating_mul(2))?;
    Some((NonNull::new(p as *mut u8)?, n))
}

/// Offers a frame block of `size` bytes (allocated with alignment
/// [`ALIGN`]) for re-use. False if it was not kept: the caller frees it.
pub(crate) fn give_block(p: NonNull<u8>, size: usize) -> bool {
    BLOCKS.give((p.as_ptr() as usize, size)).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_kept_within_bounds() {
        // An odd size no other test decodes (the keeper is shared).
        let v = vec![7u8; 3 << 20];
        let cap = v.capacity();
        give_vec(v);
        let again = take_vec(5 << 19).expect("kept");
        assert_eq!(again.capacity(), cap);
        assert!(again.iter().all(|&b| b == 7), "length and contents kept");
        // Too small or too large to keep; a request no kept item fits.
        assert!(Kept::<Vec<u8>>::new().give(vec![0u8; 1024]).is_some());
        assert!(Kept::<Vec<u8>>::new()
            .give(Vec::with_capacity(BIG_MAX + 1))
            .is_some());
        let k = Kept::<(usize, usize)>::new();
        assert!(k.give((8, 100 * 1024)).is_none());
        assert!(
            k.take(40 * 1024, 80 * 1024).is_none(),
            "more than twice the size"
        );
        assert_eq!(k.take(60 * 1024, 120 * 1024), Some((8, 100 * 1024)));
        assert!(k.give((8, BIG_KEEP)).is_none());
        assert_eq!(k.give((16, BIG_MIN)), Some((16, BIG_MIN)), "over BIG_KEEP");
    }

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
