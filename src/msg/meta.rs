//! Connection properties attached to received messages (`zmq_msg_gets`).
//!
//! Every message read from a connection carries a reference to the same
//! [`Metadata`]. A [`MetaRef`] is a reference-counted handle to it; the
//! decoder hands them out through a [`MetaSource`], which takes references
//! from the shared counter in batches so the decoder's thread does not
//! write the counter — a cache line the receiving thread writes when it
//! drops each message — once per message.

use std::ffi::CString;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

/// References a [`MetaSource`] takes at a time.
const REF_BATCH: usize = 256;

/// Properties of a connection: name → NUL-terminated value.
#[derive(Debug, Default, Clone)]
pub struct Metadata {
    props: Vec<(String, CString)>,
}

impl Metadata {
    pub fn new() -> Metadata {
        Metadata::default()
    }
    /// Adds or replaces a property. Values with an interior NUL are cut there.
    pub fn set(&mut self, name: &str, value: &[u8]) {
        let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
        let v = CString::new(&value[..end]).unwrap_or_default();
        if let Some(p) = self.props.iter_mut().find(|p| p.0 == name) {
            p.1 = v;
        } else {
            self.props.push((name.to_string(), v));
        }
    }
    /// Looks a property up by exact (case-sensitive) name.
    pub fn get(&self, name: &str) -> Option<&CString> {
        self.props.iter().find(|p| p.0 == name).map(|p| &p.1)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &CString)> {
        self.props.iter().map(|(k, v)| (k.as_str(), v))
    }
}

struct Inner {
    /// Handles alive plus references a source holds in reserve. Whoever
    /// takes it to zero frees the block.
    refs: AtomicUsize,
    md: Metadata,
}

/// A shared, immutable [`Metadata`].
pub struct MetaRef(NonNull<Inner>);

// SAFETY: the metadata is immutable once shared and the count is atomic.
unsafe impl Send for MetaRef {}
// SAFETY: as above.
unsafe impl Sync for MetaRef {}

impl MetaRef {
    pub fn new(md: Metadata) -> MetaRef {
        let b = Box::new(Inner {
            refs: AtomicUsize::new(1),
            md,
        });
        // SAFETY: Box::into_raw never returns null.
        MetaRef(unsafe { NonNull::new_unchecked(Box::into_raw(b)) })
    }

    fn inner(&self) -> &Inner {
        // SAFETY: the handle holds a reference: the block is alive.
        unsafe { self.0.as_ref() }
    }

    /// Drops `n` references held through this handle's block.
    fn release(p: NonNull<Inner>, n: usize) {
        // SAFETY: the caller owns `n` references to the live block.
        if unsafe { p.as_ref() }.refs.fetch_sub(n, Ordering::Release) == n {
            // Pairs with the other threads' Release decrements (as in Arc).
            fence(Ordering::Acquire);
            // SAFETY: that was the last reference; the block came from Box.
            drop(unsafe { Box::from_raw(p.as_ptr()) });
        }
    }
}

impl Clone for MetaRef {
    fn clone(&self) -> MetaRef {
        // Relaxed as in Arc::clone: our reference keeps the block alive.
        self.inner().refs.fetch_add(1, Ordering::Relaxed);
        MetaRef(self.0)
    }
}

impl Drop for MetaRef {
    fn drop(&mut self) {
        MetaRef::release(self.0, 1);
    }
}

impl std::ops::Deref for MetaRef {
    type Target = Metadata;
    fn deref(&self) -> &Metadata {
        &self.inner().md
    }
}

impl std::fmt::Debug for MetaRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner().md.fmt(f)
    }
}

/// Hands out [`MetaRef`]s to one metadata, taking references in batches.
/// Owned by one thread at a time (a connection's decoder).
pub struct MetaSource {
    r: MetaRef,
    /// References taken from the counter and not yet handed out.
    spare: usize,
}

impl MetaSource {
    pub fn new(md: Metadata) -> MetaSource {
        MetaSource {
            r: MetaRef::new(md),
            spare: 0,
        }
    }

    /// A new handle, usually without touching the shared counter.
    #[inline]
    pub fn share(&mut self) -> MetaRef {
        if self.spare == 0 {
            self.r.inner().refs.fetch_add(REF_BATCH, Ordering::Relaxed);
            self.spare = REF_BATCH;
        }
        self.spare -= 1;
        MetaRef(self.r.0)
    }

    pub fn get(&self) -> &MetaRef {
        &self.r
    }
}

impl Drop for MetaSource {
    fn drop(&mut self) {
        if self.spare > 0 {
            MetaRef::release(self.r.0, self.spare);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_handles_free_once() {
        let mut md = Metadata::new();
        md.set("X-A", b"1");
        let mut src = MetaSource::new(md);
        let hs: Vec<MetaRef> = (0..600).map(|_| src.share()).collect();
        let moved = std::thread::spawn(move || {
            assert!(hs.iter().all(|h| h.get("X-A").is_some()));
            drop(hs);
        });
        moved.join().unwrap();
        let last = src.share();
        drop(src);
        assert_eq!(last.get("X-A").unwrap().to_bytes(), b"1");
        assert_eq!(last.inner().refs.load(Ordering::Relaxed), 1);
    }
}
