//! `Msg`: one ZeroMQ frame, laid out to fit `zmq_msg_t` (64 bytes, 8-aligned).
//!
//! Frames of up to [`MAX_VSM`] bytes live inline (no allocation). Larger frames
//! point at a reference-counted block ([`content`]): `Clone` shares it, a
//! received frame shares the decoder's receive buffer, and a user buffer
//! given to `zmq_msg_init_data` has its free function called exactly once, by
//! whichever thread drops the last reference. A `Msg` never holds a pointer into
//! itself, so C callers may move it with `memcpy`.

pub(crate) mod content;
mod meta;
mod pool;

use content::Content;
use std::ffi::c_void;
use std::ptr::NonNull;

pub use meta::{MetaRef, MetaSource, Metadata};

/// A recycled large buffer with room for `min_cap` bytes, if one is kept
/// (see `pool`); dropping a message built on it with [`Msg::from_vec`]
/// offers it back.
pub(crate) fn take_big_buffer(min_cap: usize) -> Option<Vec<u8>> {
    pool::take_vec(min_cap)
}

/// Largest frame stored inline, as libzmq on 64-bit (BEHAVIOUR M1).
pub const MAX_VSM: usize = 33;

/// The value of `magic` while a `Msg` is initialised (checked at the C boundary).
pub const MAGIC_LIVE: u32 = 0x5a4d_5347; // "ZMSG"
/// The value written by close, so a second close gives EFAULT.
pub const MAGIC_DEAD: u32 = 0xdead_0000;

/// Frame flags.
pub mod flags {
    /// More frames of this message follow.
    pub const MORE: u8 = 1;
    /// A ZMTP command frame.
    pub const COMMAND: u8 = 2;
    /// The frame carries a peer's routing id (first message a session pushes
    /// after a handshake to sockets that receive routing ids).
    pub const ROUTING_ID: u8 = 4;
    /// The frame is a (un)subscription: body is `\x01topic` or `\x00topic`.
    /// The ZMTP 3.1 encoder turns it into SUBSCRIBE/CANCEL commands.
    pub const SUBSCRIPTION: u8 = 8;
    /// Frame read from a peer whose pipe is closing (internal).
    pub const CREDENTIAL: u8 = 32;
}

/// The C free function of `zmq_msg_init_data`.
pub type FreeFn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

enum Body {
    Vsm {
        len: u8,
        data: [u8; MAX_VSM],
    },
    /// Bytes in a shared block; the message holds one reference to it.
    Large {
        ptr: *mut u8,
        len: usize,
        content: NonNull<Content>,
    },
    /// Constant data never freed (`zmq_send_const`, init_data with NULL ffn).
    Const {
        ptr: *const u8,
        len: usize,
    },
}

/// One frame. See the module docs.
#[repr(C)]
pub struct Msg {
    body: Body,
    meta: Option<MetaRef>,
    routing_id: u32,
    flags: u8,
    /// [`MAGIC_LIVE`] while initialised.
    pub(crate) magic: u32,
}

// SAFETY: the raw pointers in Body point into a block the message holds a
// reference to (its count is atomic; its bytes are only read once shared, or
// written by the message's owner as the C API allows; a user free function
// must be thread-safe, M3) or into constant user data the API declares
// immutable.
unsafe impl Send for Msg {}

const _: () = assert!(std::mem::size_of::<Msg>() <= 64);
const _: () = assert!(std::mem::align_of::<Msg>() <= 8);

impl Default for Msg {
    fn default() -> Self {
        Msg::new()
    }
}

impl Msg {
    /// An empty frame.
    #[inline]
    pub fn new() -> Msg {
        Msg {
            body: Body::Vsm {
                len: 0,
                data: [0; MAX_VSM],
            },
            meta: None,
            routing_id: 0,
            flags: 0,
            magic: MAGIC_LIVE,
        }
    }

    /// A frame holding a copy of `data`.
    #[inline]
    pub fn from_slice(data: &[u8]) -> Msg {
        if data.len() <= MAX_VSM {
            let mut d = [0u8; MAX_VSM];
            d[..data.len()].copy_from_slice(data);
            Msg {
                body: Body::Vsm {
                    len: data.len() as u8,
                    data: d,
                },
                ..Msg::new()
            }
        } else {
            let Some((content, ptr)) = Content::with_capacity(data.len(), false) else {
                std::alloc::handle_alloc_error(std::alloc::Layout::new::<u8>())
            };
            // SAFETY: `ptr` has room for `data.len()` bytes, fresh and unshared.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), ptr, data.len()) };
            Msg::from_content(content, ptr, data.len())
        }
    }

    /// A frame taking ownership of `v` (no copy when it is large).
    pub fn from_vec(v: Vec<u8>) -> Msg {
        if v.len() <= MAX_VSM {
            return Msg::from_slice(&v);
        }
        let len = v.len();
        let (content, ptr) = Content::from_vec(v);
        Msg::from_content(content, ptr, len)
    }

    /// A frame over `len` bytes at `ptr` inside `content`, taking over one
    /// reference the caller holds.
    #[inline]
    pub(crate) fn from_content(content: NonNull<Content>, ptr: *mut u8, len: usize) -> Msg {
        Msg {
            body: Body::Large { ptr, len, content },
            ..Msg::new()
        }
    }

    /// A frame of `size` bytes whose contents are unspecified until written
    /// (`zmq_msg_init_size`). Fails only if memory runs out.
    pub fn with_size(size: usize) -> crate::error::Result<Msg> {
        if size <= MAX_VSM {
            let mut m = Msg::new();
            m.body = Body::Vsm {
                len: size as u8,
                data: [0; MAX_VSM],
            };
            return Ok(m);
        }
        // Not zero-filled: as in libzmq the contents are the caller's to
        // write (zeroing costs a page fault per 4 KiB of a large frame).
        let (content, ptr) =
            Content::with_capacity(size, false).ok_or(crate::error::Errno::ENOMEM)?;
        Ok(Msg::from_content(content, ptr, size))
    }

    /// A zero-copy frame over user memory; `ffn(data, hint)` runs once when the
    /// last reference goes. With `ffn` None the data is treated as constant.
    ///
    /// # Safety
    /// `data` must be valid for `len` bytes until `ffn` is called (or forever
    /// when `ffn` is None).
    pub unsafe fn from_user(
        data: *mut u8,
        len: usize,
        ffn: Option<FreeFn>,
        hint: *mut c_void,
    ) -> Msg {
        let Some(f) = ffn else {
            // SAFETY: without `ffn` the data must stay valid for ever: the
            // caller's contract is `from_const`'s.
            return unsafe { Msg::from_const(data, len) };
        };
        Msg::from_content(Content::user(data, f, hint), data, len)
    }

    /// A frame over constant memory, never freed (`zmq_send_const`).
    ///
    /// # Safety
    /// `data` must stay valid and unchanged for `len` bytes for ever.
    pub unsafe fn from_const(data: *const u8, len: usize) -> Msg {
        Msg {
            body: Body::Const { ptr: data, len },
            ..Msg::new()
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        match &self.body {
            Body::Vsm { len, .. } => *len as usize,
            Body::Large { len, .. } | Body::Const { len, .. } => *len,
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame's bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        match &self.body {
            Body::Vsm { len, data } => &data[..*len as usize],
            // SAFETY: ptr/len describe memory kept alive by `content`.
            Body::Large { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
            Body::Const { ptr, len } => {
                if *len == 0 {
                    &[]
                } else {
                    // SAFETY: from_const/from_user contract: valid for ever.
                    unsafe { std::slice::from_raw_parts(*ptr, *len) }
                }
            }
        }
    }

    /// The frame's bytes, writable. For a shared buffer, writes are seen by
    /// every copy, as in libzmq.
    #[inline]
    /// Drops the first `n` bytes of the body (all of it if shorter),
    /// without copying a large one: e.g. a decrypted frame's flags byte.
    pub fn skip_front(&mut self, n: usize) {
        match &mut self.body {
            Body::Vsm { len, data } => {
                let n = n.min(usize::from(*len));
                data.copy_within(n..usize::from(*len), 0);
                *len -= n as u8;
            }
            Body::Large { ptr, len, .. } => {
                let n = n.min(*len);
                // SAFETY: n <= len, so the pointer stays inside the block.
                *ptr = unsafe { ptr.add(n) };
                *len -= n;
            }
            Body::Const { ptr, len } => {
                let n = n.min(*len);
                if n > 0 {
                    // SAFETY: n <= len, inside the caller's constant buffer.
                    *ptr = unsafe { ptr.add(n) };
                    *len -= n;
                }
            }
        }
    }

    pub fn data_mut(&mut self) -> &mut [u8] {
        match &mut self.body {
            Body::Vsm { len, data } => &mut data[..*len as usize],
            // SAFETY: as in data(); the C API lets the owner write the bytes.
            Body::Large { ptr, len, .. } => unsafe { std::slice::from_raw_parts_mut(*ptr, *len) },
            Body::Const { ptr, len } => {
                if *len == 0 {
                    &mut []
                } else {
                    // SAFETY: the caller chose to write into its own constant buffer.
                    unsafe { std::slice::from_raw_parts_mut(*ptr as *mut u8, *len) }
                }
            }
        }
    }

    /// Pointer to the first byte, as `zmq_msg_data` returns it.
    pub fn data_ptr(&mut self) -> *mut u8 {
        match &mut self.body {
            Body::Vsm { data, .. } => data.as_mut_ptr(),
            Body::Large { ptr, .. } => *ptr,
            Body::Const { ptr, .. } => *ptr as *mut u8,
        }
    }

    /// True when the bytes are shared with another message or constant (ZMQ_SHARED).
    pub fn is_shared(&self) -> bool {
        match &self.body {
            Body::Vsm { .. } => false,
            // SAFETY: the message holds a reference to the live block.
            Body::Large { content, .. } => unsafe { Content::refs(*content) > 1 },
            Body::Const { .. } => true,
        }
    }

    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }
    #[inline]
    pub fn set_flags(&mut self, f: u8) {
        self.flags |= f;
    }
    #[inline]
    pub fn reset_flags(&mut self, f: u8) {
        self.flags &= !f;
    }
    #[inline]
    pub fn more(&self) -> bool {
        self.flags & flags::MORE != 0
    }
    #[inline]
    pub fn set_more(&mut self, more: bool) {
        if more {
            self.flags |= flags::MORE
        } else {
            self.flags &= !flags::MORE
        }
    }
    #[inline]
    pub fn is_command(&self) -> bool {
        self.flags & flags::COMMAND != 0
    }
    #[inline]
    pub fn is_routing_id(&self) -> bool {
        self.flags & flags::ROUTING_ID != 0
    }

    #[inline]
    pub fn metadata(&self) -> Option<&MetaRef> {
        self.meta.as_ref()
    }

    /// An integer property (`zmq_msg_get`): ZMQ_MORE, ZMQ_SRCFD (the fd the
    /// message arrived on, when known), ZMQ_SHARED; EINVAL otherwise.
    pub fn property(&self, property: i32) -> crate::error::Result<i32> {
        use crate::constants::{ZMQ_MORE, ZMQ_SHARED, ZMQ_SRCFD};
        use crate::error::Errno;
        match property {
            ZMQ_MORE => Ok(self.more() as i32),
            ZMQ_SRCFD => self
                .metadata()
                .and_then(|md| md.get("__fd"))
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .ok_or(Errno::EINVAL),
            ZMQ_SHARED => Ok(self.is_shared() as i32),
            _ => Err(Errno::EINVAL),
        }
    }

    /// A metadata property by exact (case-sensitive) name (`zmq_msg_gets`).
    /// As libzmq's `metadata_t::get`, the deprecated "Identity" falls back
    /// to "Routing-Id", not the other way: a peer's READY carries
    /// "Identity", so "Routing-Id" is not found (libzmq 4.3.5 answers
    /// EINVAL too).
    pub fn gets(&self, name: &str) -> Option<&std::ffi::CStr> {
        let md = self.metadata()?;
        md.get(name)
            .or_else(|| (name == "Identity").then(|| md.get("Routing-Id"))?)
            .map(|v| v.as_c_str())
    }
    #[inline]
    pub fn set_metadata(&mut self, m: Option<MetaRef>) {
        self.meta = m;
    }
    /// Drops the metadata, if any (on the send path: a test and, usually,
    /// nothing else).
    #[inline]
    pub fn clear_metadata(&mut self) {
        if self.meta.is_some() {
            self.meta = None;
        }
    }
    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }
    pub fn set_routing_id(&mut self, id: u32) {
        self.routing_id = id;
    }

    /// Replaces the contents with an empty frame, dropping the old one.
    #[inline]
    pub fn clear(&mut self) {
        *self = Msg::new();
    }

    /// Takes the message out, leaving an empty frame behind.
    #[inline]
    pub fn take(&mut self) -> Msg {
        std::mem::take(self)
    }
}

impl Msg {
    /// `n` copies of this frame sharing its bytes, for fan-out: the shared
    /// block's reference count is raised once for all of them rather than
    /// once per copy.
    pub fn fan_out(&self, n: usize) -> impl Iterator<Item = Msg> + '_ {
        if n > 0 {
            if let Body::Large { content, .. } = &self.body {
                // SAFETY: we hold a reference; each copy below takes over
                // one of the `n` added here.
                unsafe { Content::acquire(*content, n) };
            }
        }
        (0..n).map(move |_| self.copy_prepaid())
    }

    /// A copy whose reference to the shared block was already taken.
    fn copy_prepaid(&self) -> Msg {
        let body = match &self.body {
            Body::Vsm { len, data } => Body::Vsm {
                len: *len,
                data: *data,
            },
            Body::Large { ptr, len, content } => Body::Large {
                ptr: *ptr,
                len: *len,
                content: *content,
            },
            Body::Const { ptr, len } => Body::Const {
                ptr: *ptr,
                len: *len,
            },
        };
        Msg {
            body,
            meta: self.meta.clone(),
            routing_id: self.routing_id,
            flags: self.flags,
            magic: MAGIC_LIVE,
        }
    }
}

impl Clone for Msg {
    /// Inline frames are copied; large ones share their buffer (`zmq_msg_copy`).
    fn clone(&self) -> Msg {
        if let Body::Large { content, .. } = &self.body {
            // SAFETY: we hold a reference; the clone takes another.
            unsafe { Content::acquire(*content, 1) };
        }
        self.copy_prepaid()
    }
}

impl Drop for Body {
    #[inline]
    fn drop(&mut self) {
        if let Body::Large { content, .. } = self {
            // SAFETY: the message held exactly this one reference.
            unsafe { Content::release(*content, 1) };
        }
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msg")
            .field("len", &self.len())
            .field("flags", &self.flags)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn skip_front_inline_large_and_past_the_end() {
        let mut small = Msg::from_slice(b"\x01abc");
        small.skip_front(1);
        assert_eq!(small.data(), b"abc");
        let big: Vec<u8> = (0..100u8).collect();
        let mut large = Msg::from_slice(&big);
        large.skip_front(1);
        assert_eq!(large.data(), &big[1..]);
        large.skip_front(1000);
        assert!(large.data().is_empty());
    }

    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn fan_out_shares_and_frees_once() {
        let m = Msg::from_slice(&[3u8; 100]);
        let copies: Vec<Msg> = m.fan_out(5).collect();
        assert!(copies.iter().all(|c| c.data() == m.data()));
        assert!(m.is_shared());
        drop(copies);
        assert!(!m.is_shared());
        assert_eq!(Msg::from_slice(b"x").fan_out(3).count(), 3);
    }

    #[test]
    fn small_inline_large_shared() {
        let m = Msg::from_slice(&[7u8; 33]);
        assert!(!m.is_shared());
        let c = m.clone();
        assert_eq!(c.data(), m.data());
        let big = Msg::from_slice(&[1u8; 34]);
        let big2 = big.clone();
        assert!(big.is_shared() && big2.is_shared());
        assert_eq!(big.data().as_ptr(), big2.data().as_ptr());
    }

    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn free_it(_d: *mut c_void, _h: *mut c_void) {
        FREED.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn user_free_once() {
        let mut data = [1u8; 4];
        let (p, hint) = (data.as_mut_ptr(), std::ptr::null_mut());
        // SAFETY: data outlives the messages below.
        let m = unsafe { Msg::from_user(p, 4, Some(free_it), hint) };
        let c = m.clone();
        drop(m);
        assert_eq!(FREED.load(Ordering::SeqCst), 0);
        drop(c);
        assert_eq!(FREED.load(Ordering::SeqCst), 1);
    }
}
