//! The input side: the receive buffer the engine reads into, and the frame
//! decoder over it (Z6, Z7). Small frames are cut out of one shared buffer;
//! a frame too large for it gets its own storage, grown with what arrives
//! (never sized by what the peer announces) and read into straight from the
//! fd.

use super::codec::decode_header;
use super::error::Error;
use super::{Zmtp, BIG_PREALLOC, IN_BATCH};
use crate::msg::content::Chunk;

/// An idle input buffer larger than this is given back.
const INBUF_KEEP: usize = 64 * 1024;

/// A frame too large for the input buffer, read into its own storage.
pub(super) struct BigFrame {
    pub(super) more: bool,
    pub(super) command: bool,
    pub(super) size: usize,
    /// Bytes of `body` already received.
    pub(super) filled: usize,
    /// Zero-initialised storage, grown with what arrives, never beyond `size`.
    pub(super) body: Vec<u8>,
}

pub(super) enum Body {
    /// `inbuf[start..end]`, valid until the next `input_buf`.
    In(usize, usize),
    Owned(Vec<u8>),
}

pub(super) struct Frame {
    pub(super) more: bool,
    pub(super) command: bool,
    pub(super) body: Body,
}

impl Zmtp {
    /// Spare space to read into, at least [`IN_BATCH`] bytes. Call
    /// [`input_commit`](Self::input_commit) with the number of bytes written,
    /// then [`next_event`](Self::next_event) until it returns `Ok(None)`.
    /// While a large frame is arriving this is the frame's own storage, so
    /// its bytes are read without a further copy.
    pub fn input_buf(&mut self) -> &mut [u8] {
        self.lent_big = false;
        if self.rpos == self.wpos {
            self.rpos = 0;
            self.wpos = 0;
            if let Some(big) = &mut self.big {
                if big.size - big.filled >= IN_BATCH {
                    if big.body.len() - big.filled < IN_BATCH {
                        // Grow with what has arrived: at most double.
                        let grow = big.filled.max(8 * IN_BATCH);
                        let new_len = big.size.min(big.filled.saturating_add(grow));
                        big.body.resize(new_len, 0);
                    }
                    self.lent_big = true;
                    return &mut big.body[big.filled..];
                }
            }
            // Messages still refer to the old bytes: read into a fresh
            // chunk and leave the old one to the last of them.
            if self.inbuf.cap() > INBUF_KEEP || !self.inbuf.is_unique() {
                self.inbuf = Chunk::new(IN_BATCH);
            }
        }
        if self.inbuf.cap() - self.wpos < IN_BATCH {
            let unique = self.inbuf.is_unique();
            if unique && self.rpos > 0 {
                self.inbuf.copy_within(self.rpos..self.wpos, 0);
                self.wpos -= self.rpos;
                self.rpos = 0;
            }
            if !unique || self.inbuf.cap() - self.wpos < IN_BATCH {
                let have = self.wpos - self.rpos;
                let new_len = if unique {
                    (self.wpos + IN_BATCH).max(self.inbuf.cap() * 2)
                } else {
                    (have + IN_BATCH).max(IN_BATCH)
                };
                let mut fresh = Chunk::new(new_len);
                fresh
                    .slice_mut(0, have)
                    .copy_from_slice(self.inbuf.slice(self.rpos, self.wpos));
                self.inbuf = fresh;
                self.rpos = 0;
                self.wpos = have;
            }
        }
        let end = self.inbuf.cap();
        self.inbuf.slice_mut(self.wpos, end)
    }

    /// Gives the receive buffer back while nothing is buffered (an idle
    /// connection holds no input memory; a busy one gets a recycled chunk).
    pub fn release_idle_input(&mut self) {
        if self.rpos == self.wpos && self.big.is_none() {
            self.inbuf = Chunk::empty();
            self.rpos = 0;
            self.wpos = 0;
        }
    }

    /// True while a large frame is arriving into its own storage.
    pub fn reading_large_frame(&self) -> bool {
        self.big.is_some()
    }

    /// `n` bytes were written into the slice last returned by
    /// [`input_buf`](Self::input_buf).
    pub fn input_commit(&mut self, n: usize) {
        if self.lent_big {
            if let Some(big) = &mut self.big {
                big.filled = (big.filled + n).min(big.body.len());
            }
        } else {
            self.wpos = (self.wpos + n).min(self.inbuf.cap());
        }
        self.lent_big = false;
    }

    /// Copies `data` in (tests, fuzzing, transports without zero-copy reads).
    pub fn input(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let buf = self.input_buf();
            let k = buf.len().min(data.len());
            buf[..k].copy_from_slice(&data[..k]);
            self.input_commit(k);
            data = &data[k..];
        }
    }

    /// Decodes the next complete frame, if any. Sizes are checked before
    /// anything is allocated; a large frame's storage grows with what arrives.
    #[inline]
    pub(super) fn read_frame(&mut self) -> Result<Option<Frame>, Error> {
        if let Some(big) = &mut self.big {
            let k = (self.wpos - self.rpos).min(big.size - big.filled);
            if k > 0 {
                if big.body.len() < big.filled + k {
                    big.body.resize(big.filled + k, 0);
                }
                big.body[big.filled..big.filled + k]
                    .copy_from_slice(self.inbuf.slice(self.rpos, self.rpos + k));
                big.filled += k;
                self.rpos += k;
            }
            if big.filled < big.size {
                return Ok(None);
            }
            let Some(mut big) = self.big.take() else {
                return Ok(None);
            };
            big.body.truncate(big.size);
            return Ok(Some(Frame {
                more: big.more,
                command: big.command,
                body: Body::Owned(big.body),
            }));
        }
        let avail = self.inbuf.slice(self.rpos, self.wpos);
        let Some(h) = decode_header(self.framing, avail, self.maxmsgsize)? else {
            return Ok(None);
        };
        let have = avail.len() - h.len;
        let start = self.rpos + h.len;
        if have >= h.size {
            self.rpos = start + h.size;
            return Ok(Some(Frame {
                more: h.more,
                command: h.command,
                body: Body::In(start, start + h.size),
            }));
        }
        if h.size > IN_BATCH {
            // Too large for the input buffer: give it its own storage, sized
            // by what has arrived (never by the announced size).
            // Up to BIG_PREALLOC is allocated at once (one allocation, no
            // re-copying as it grows), beyond that it grows with what comes.
            let want = h.size.min(BIG_PREALLOC).max(have);
            let mut body = match crate::msg::take_big_buffer(want) {
                Some(v) => v,
                None => {
                    let mut v = Vec::new();
                    v.try_reserve_exact(want).map_err(|_| Error::MsgSize)?;
                    v
                }
            };
            // A re-used buffer is initialised up to its length already.
            if body.len() < want {
                body.resize(want, 0);
            } else {
                body.truncate(want);
            }
            body[..have].copy_from_slice(self.inbuf.slice(start, self.wpos));
            self.rpos = self.wpos;
            self.big = Some(BigFrame {
                more: h.more,
                command: h.command,
                size: h.size,
                filled: have,
                body,
            });
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;
    use std::time::Instant;

    fn zmtp(maxmsgsize: i64) -> Zmtp {
        let cfg = Config {
            maxmsgsize,
            ..Config::default()
        };
        Zmtp::ready_for_test(cfg, (3, 1), Instant::now())
    }

    fn body(z: &Zmtp, f: &Frame) -> Vec<u8> {
        match &f.body {
            Body::In(s, e) => z.inbuf.slice(*s, *e).to_vec(),
            Body::Owned(v) => v.clone(),
        }
    }

    #[test]
    fn small_frames_come_from_the_shared_buffer() {
        let mut z = zmtp(-1);
        z.input(b"\x01\x03abc\x04\x02xy\x00");
        let f = z.read_frame().unwrap().unwrap();
        assert!(f.more && !f.command && matches!(f.body, Body::In(..)));
        assert_eq!(body(&z, &f), b"abc");
        let f = z.read_frame().unwrap().unwrap();
        assert!(!f.more && f.command);
        assert_eq!(body(&z, &f), b"xy");
        // A header cut short: wait for more.
        assert!(z.read_frame().unwrap().is_none());
        z.input(b"\x00");
        let f = z.read_frame().unwrap().unwrap();
        assert_eq!(body(&z, &f), b"");
    }

    #[test]
    fn large_frame_is_read_into_its_own_storage() {
        let mut z = zmtp(-1);
        let size = 5 * IN_BATCH + 7;
        let data: Vec<u8> = (0..size).map(|i| i as u8).collect();
        let mut wire = vec![0x02];
        wire.extend_from_slice(&(size as u64).to_be_bytes());
        wire.extend_from_slice(&data[..100]);
        z.input(&wire);
        assert!(z.read_frame().unwrap().is_none());
        assert!(z.reading_large_frame());
        let mut rest = &data[100..];
        while !rest.is_empty() {
            let buf = z.input_buf();
            assert!(buf.len() >= IN_BATCH.min(rest.len()));
            let k = buf.len().min(rest.len()).min(3 * IN_BATCH);
            buf[..k].copy_from_slice(&rest[..k]);
            z.input_commit(k);
            rest = &rest[k..];
        }
        let f = z.read_frame().unwrap().unwrap();
        assert!(matches!(f.body, Body::Owned(_)));
        assert_eq!(body(&z, &f), data);
        assert!(!z.reading_large_frame());
    }

    #[test]
    fn announced_size_is_checked_before_allocating() {
        let mut z = zmtp(10);
        z.input(b"\x00\x0a0123456789");
        let f = z.read_frame().unwrap().unwrap();
        assert_eq!(body(&z, &f), b"0123456789");
        z.input(b"\x00\x0b");
        assert_eq!(z.read_frame().err(), Some(Error::MsgSize));
        // Unlimited, yet a size beyond isize::MAX is refused.
        let mut z = zmtp(-1);
        z.input(&[0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(z.read_frame().err(), Some(Error::MsgSize));
        // So is one no memory could hold (2^62), at once.
        let mut z = zmtp(-1);
        z.input(&[0x02, 0x40, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(z.read_frame().err(), Some(Error::MsgSize));
        // A large but possible size waits for its body.
        let mut z = zmtp(-1);
        z.input(&[0x02, 0, 0, 0, 0, 0x10, 0, 0, 0, b'x']);
        assert!(z.read_frame().unwrap().is_none());
    }

    #[test]
    fn idle_input_is_given_back() {
        let mut z = zmtp(-1);
        z.input(b"\x00\x01a");
        let f = z.read_frame().unwrap().unwrap();
        assert_eq!(body(&z, &f), b"a");
        z.release_idle_input();
        assert_eq!(z.inbuf.cap(), 0);
    }
}
