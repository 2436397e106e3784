//! The output side: the frame encoder (ZMTP 1.0 and 2.0/3.x framing,
//! subscriptions as commands for 3.1 peers, S5) and the buffer the engine
//! writes from. Bodies of [`ZERO_COPY_MIN`] bytes and more are written
//! straight from their message, never copied.

use super::codec::{put_header_v1, put_header_v2, Framing};
use super::{Phase, Zmtp, IN_BATCH, ZERO_COPY_MIN};
use crate::msg::{flags, Msg};

/// An empty output buffer with more capacity than this is shrunk.
const OUTBUF_KEEP: usize = 4 * 1024 * 1024;

/// A large frame body being written from its message, not from `out`.
pub(super) struct BigOut {
    /// Everything queued before the body, ending with the body's header.
    head: Vec<u8>,
    /// Bytes of `head` already written.
    hpos: usize,
    /// Holds the body (a reference, not a copy) until it is written.
    msg: Msg,
    /// Bytes of the body already written.
    pos: usize,
}

impl Zmtp {
    /// Appends one outbound frame to the output. `flags::MORE` is honoured.
    /// A `flags::SUBSCRIPTION` frame `\x01topic`/`\x00topic` becomes a
    /// SUBSCRIBE/CANCEL command for a 3.1 peer and stays a data frame for
    /// 3.0, 2.0 and 1.0 peers (S5). Frames given before Ready are kept and
    /// sent right after the handshake; frames given after an error are
    /// dropped.
    pub fn encode(&mut self, msg: &Msg) {
        if self.dead.is_some() {
            return;
        }
        if self.phase != Phase::Ready {
            self.early.push(msg.clone());
            return;
        }
        self.encode_frame(msg);
    }

    /// Bytes waiting to be written to the fd, or the first part of them
    /// (see [`output_len`](Self::output_len)): empty only when nothing waits.
    pub fn output(&self) -> &[u8] {
        if let Some(b) = &self.big_out {
            if b.hpos < b.head.len() {
                return &b.head[b.hpos..];
            }
            return &b.msg.data()[b.pos..];
        }
        &self.out[self.opos..]
    }

    /// Like [`output`](Self::output), plus what follows it when a large
    /// body is next: its frame header and the body go out in one `writev`
    /// (a separate small write would cost the peer a wake-up of its own).
    pub fn output_vectored(&self) -> [&[u8]; 2] {
        if let Some(b) = &self.big_out {
            if b.hpos < b.head.len() {
                return [&b.head[b.hpos..], &b.msg.data()[b.pos..]];
            }
        }
        [self.output(), &[]]
    }

    /// All bytes waiting to be written, of which [`output`](Self::output)
    /// may show only the first part.
    pub fn output_len(&self) -> usize {
        let big = self
            .big_out
            .as_ref()
            .map_or(0, |b| b.head.len() - b.hpos + b.msg.data().len() - b.pos);
        big + self.out.len() - self.opos
    }

    /// `n` bytes of [`output`](Self::output) (or of
    /// [`output_vectored`](Self::output_vectored)) were written.
    pub fn consume_output(&mut self, mut n: usize) {
        if let Some(b) = &mut self.big_out {
            if b.hpos < b.head.len() {
                let k = n.min(b.head.len() - b.hpos);
                b.hpos += k;
                n -= k;
            }
            if b.hpos == b.head.len() && n > 0 {
                b.pos = (b.pos + n).min(b.msg.data().len());
                if b.pos == b.msg.data().len() {
                    self.big_out = None;
                }
            }
            return;
        }
        self.opos = (self.opos + n).min(self.out.len());
        if self.opos == self.out.len() {
            self.out.clear();
            self.opos = 0;
            if self.out.capacity() > OUTBUF_KEEP {
                self.out.shrink_to(IN_BATCH);
            }
        }
    }

    /// Drops the written front of `out` once it is at least half of it.
    #[inline]
    pub(super) fn compact_output(&mut self) {
        if self.opos > 0 && self.opos * 2 >= self.out.len() {
            self.out.drain(..self.opos);
            self.opos = 0;
        }
    }

    /// Appends `msg` as one frame (see [`encode`](Self::encode)), or sets it
    /// aside to be written from the message when its body is large.
    #[inline]
    pub(super) fn encode_frame(&mut self, msg: &Msg) {
        self.compact_output();
        let data = msg.data();
        let more = msg.more();
        match self.framing {
            Framing::V1 => {
                if msg.is_command() {
                    return;
                }
                put_header_v1(&mut self.out, more, data.len());
            }
            Framing::V2 => {
                if self.cipher.is_some() {
                    return self.encode_sealed(msg);
                }
                if let Some((name, topic)) = self.subscription_command(msg) {
                    put_header_v2(&mut self.out, more, true, name.len() + topic.len());
                    self.out.extend_from_slice(name);
                    self.out.extend_from_slice(topic);
                    return;
                }
                put_header_v2(&mut self.out, more, msg.is_command(), data.len());
            }
            Framing::Raw => {
                if msg.is_command() {
                    return;
                }
            }
        }
        if data.len() >= ZERO_COPY_MIN && self.big_out.is_none() {
            // Later output goes to a fresh `out`, written after the body.
            self.big_out = Some(BigOut {
                head: std::mem::take(&mut self.out),
                hpos: std::mem::take(&mut self.opos),
                msg: msg.clone(),
                pos: 0,
            });
            return;
        }
        self.out.extend_from_slice(data);
    }
}

impl Zmtp {
    /// A subscription frame `\x01topic`/`\x00topic` for a 3.1 peer: the
    /// SUBSCRIBE/CANCEL command name and the topic (S5).
    fn subscription_command<'m>(&self, msg: &'m Msg) -> Option<(&'static [u8], &'m [u8])> {
        if !self.subs_as_commands || msg.flags() & flags::SUBSCRIPTION == 0 {
            return None;
        }
        match msg.data().split_first() {
            Some((1, topic)) => Some((b"\x09SUBSCRIBE", topic)),
            Some((0, topic)) => Some((b"\x06CANCEL", topic)),
            _ => None,
        }
    }

    /// With a cipher (CURVE): the frame sealed into one MESSAGE. Its flags
    /// byte carries MORE and COMMAND; a subscription travels as the
    /// SUBSCRIBE/CANCEL command inside the box (as libzmq 4.3.5 does).
    fn encode_sealed(&mut self, msg: &Msg) {
        let mut fl = u8::from(msg.more());
        let cmd;
        let body = match self.subscription_command(msg) {
            Some((name, topic)) => {
                cmd = [name, topic].concat();
                fl |= 2;
                &cmd[..]
            }
            None => {
                if msg.is_command() {
                    fl |= 2;
                }
                msg.data()
            }
        };
        self.seal_frame(fl, body);
    }

    /// Queues one command frame made of `parts` (PING, PONG), sealed when a
    /// cipher is on.
    pub(super) fn put_command(&mut self, parts: &[&[u8]]) {
        self.compact_output();
        if self.cipher.is_some() {
            return self.seal_frame(2, &parts.concat());
        }
        put_header_v2(
            &mut self.out,
            false,
            true,
            parts.iter().map(|p| p.len()).sum(),
        );
        for p in parts {
            self.out.extend_from_slice(p);
        }
    }

    /// Seals `body` (with frame flags `fl`) and queues it as one frame.
    /// libzmq sends MESSAGE with the frame's flags clear (a data frame, not
    /// a command: observed from 4.3.5), and accepts either.
    pub(super) fn seal_frame(&mut self, fl: u8, body: &[u8]) {
        let Some(c) = self.cipher.as_mut() else {
            return;
        };
        let start = self.out.len();
        put_header_v2(&mut self.out, false, false, c.sealed_len(body.len()));
        if let Err(e) = c.seal(fl, body, &mut self.out) {
            self.out.truncate(start);
            self.dead = Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;
    use std::time::Instant;

    fn ready(version: (u8, u8)) -> Zmtp {
        Zmtp::ready_for_test(Config::default(), version, Instant::now())
    }

    fn sub(body: &[u8]) -> Msg {
        let mut m = Msg::from_slice(body);
        m.set_flags(flags::SUBSCRIPTION);
        m
    }

    #[test]
    fn framing_per_version() {
        let mut m = Msg::from_slice(b"ab");
        m.set_more(true);
        let mut z = ready((3, 1));
        z.encode(&m);
        z.encode(&Msg::from_slice(&[7; 300]));
        assert_eq!(&z.output()[..4], b"\x01\x02ab");
        assert_eq!(z.output()[4], 0x02);
        assert_eq!(z.output()[5..13], 300u64.to_be_bytes());
        assert_eq!(z.output_len(), 4 + 9 + 300);
        let mut z = ready((1, 0));
        z.encode(&m);
        assert_eq!(z.output(), b"\x03\x01ab");
    }

    #[test]
    fn subscriptions_are_commands_for_3_1_only() {
        let mut z = ready((3, 1));
        z.encode(&sub(b"\x01t"));
        z.encode(&sub(b"\x00t"));
        assert_eq!(z.output(), b"\x04\x0b\x09SUBSCRIBEt\x04\x08\x06CANCELt");
        let mut z = ready((3, 0));
        z.encode(&sub(b"\x01t"));
        assert_eq!(z.output(), b"\x00\x02\x01t");
    }

    #[test]
    fn large_body_goes_out_from_the_message() {
        let mut z = ready((3, 1));
        z.encode(&Msg::from_slice(b"x"));
        let big = Msg::from_vec(vec![5; ZERO_COPY_MIN]);
        z.encode(&big);
        z.encode(&Msg::from_slice(b"y"));
        let [head, body] = z.output_vectored();
        assert_eq!(head, b"\x00\x01x\x02\x00\x00\x00\x00\x00\x01\x00\x00");
        assert_eq!(body.as_ptr(), big.data().as_ptr());
        let total = z.output_len();
        assert_eq!(total, 3 + 9 + ZERO_COPY_MIN + 3);
        // Written in odd pieces, everything arrives in order.
        let mut wire = Vec::new();
        while z.output_len() > 0 {
            let part = z.output();
            let k = part.len().min(1000);
            wire.extend_from_slice(&part[..k]);
            z.consume_output(k);
        }
        assert_eq!(wire.len(), total);
        assert_eq!(&wire[12..12 + ZERO_COPY_MIN], big.data());
        assert_eq!(&wire[wire.len() - 3..], b"\x00\x01y");
        assert!(z.output().is_empty());
    }

    #[test]
    fn frames_before_ready_wait() {
        let mut z = Zmtp::new(Config::default(), Instant::now());
        let greeting = z.output_len();
        z.encode(&Msg::from_slice(b"early"));
        assert_eq!(z.output_len(), greeting);
        assert_eq!(z.early.len(), 1);
    }
}
