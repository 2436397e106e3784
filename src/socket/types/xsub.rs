//! XSUB and SUB (libzmq `xsub.cpp`, `sub.cpp`, RFC 29, BEHAVIOUR S1, S2, S6).
//!
//! Subscriptions are counted in a [`SubTrie`] and sent upstream to every
//! publisher as `\x01topic` / `\x00topic` frames flagged SUBSCRIPTION (the
//! ZMTP layer turns them into SUBSCRIBE/CANCEL commands). They are re-sent
//! on every new pipe and after a reconnect (S6). SUB also filters incoming
//! messages locally; XSUB passes everything through and lets the
//! application send subscriptions and upstream data.

use super::{bool_opt, int_opt, opt};
use crate::error::{Errno, Result};
use crate::msg::{flags, Msg};
use crate::options::OptVal;
use crate::socket::strategy::dist::Dist;
use crate::socket::strategy::fq::Fq;
use crate::socket::strategy::trie::SubTrie;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};

pub(crate) struct XSub {
    /// SUB: filters locally, cannot send, (un)subscribes by option.
    is_sub: bool,
    fq: Fq,
    dist: Dist,
    subs: SubTrie,
    verbose_unsubs: bool,
    only_first_subscribe: bool,
    invert_matching: bool,
    more_send: bool,
    process_subscribe: bool,
    more_recv: bool,
    /// A matching first frame read ahead by `has_in`.
    prefetched: Option<Msg>,
}

/// A subscription frame: `\x01topic` or `\x00topic`, flagged SUBSCRIPTION.
fn subscription(subscribe: bool, topic: &[u8]) -> Msg {
    let mut body = Vec::with_capacity(topic.len() + 1);
    body.push(subscribe as u8);
    body.extend_from_slice(topic);
    let mut m = Msg::from_vec(body);
    m.set_flags(flags::SUBSCRIPTION);
    m
}

impl XSub {
    pub fn new(is_sub: bool) -> XSub {
        XSub {
            is_sub,
            fq: Fq::default(),
            dist: Dist::default(),
            subs: SubTrie::default(),
            verbose_unsubs: false,
            only_first_subscribe: false,
            invert_matching: false,
            more_send: false,
            process_subscribe: false,
            more_recv: false,
            prefetched: None,
        }
    }

    /// Sends every cached subscription to one pipe; those over SNDHWM are
    /// dropped (S6).
    fn send_subscriptions(&self, cx: &mut Core, id: PipeId) {
        let Some(p) = cx.pipes.get_mut(id) else {
            return;
        };
        self.subs.for_each(|topic| {
            if p.check_write() {
                let _ = p.write(subscription(true, topic));
            }
        });
    }

    /// Does a first frame pass the local filter (S1, S9)?
    #[inline]
    fn matches(&self, msg: &Msg) -> bool {
        !self.is_sub || (self.subs.check(msg.data()) ^ self.invert_matching)
    }

    /// Next message frame that passes the filter.
    fn recv_filtered(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if let Some(m) = self.prefetched.take() {
            *msg = m;
            self.more_recv = msg.more();
            return Ok(());
        }
        loop {
            self.fq.recv(cx, msg)?;
            if self.more_recv || self.matches(msg) {
                self.more_recv = msg.more();
                return Ok(());
            }
            // Not wanted: skip the rest of that message.
            while msg.more() {
                self.fq.recv(cx, msg)?;
            }
        }
    }

    /// SUB's ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE (S2): every subscribe goes
    /// upstream, an unsubscribe only when its count reaches 0.
    fn set_subscription(&mut self, cx: &mut Core, subscribe: bool, topic: &[u8]) {
        let send = if subscribe {
            self.subs.add(topic);
            true
        } else {
            self.subs.rm(topic) || self.verbose_unsubs
        };
        if send {
            let mut m = subscription(subscribe, topic);
            self.dist.send_to_all(cx, &mut m);
        }
    }
}

impl Pattern for XSub {
    fn attach(&mut self, cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        self.fq.attach(id);
        self.dist.attach(id);
        self.send_subscriptions(cx, id);
    }
    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.detach(id);
        self.dist.detach(id);
    }
    fn read_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.dist.activated(id);
    }
    fn hiccuped(&mut self, cx: &mut Core, id: PipeId) {
        self.send_subscriptions(cx, id);
    }

    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if self.is_sub {
            return Err(Errno::ENOTSUP);
        }
        let first = !self.more_send;
        self.more_send = msg.more();
        if first {
            self.process_subscribe = !self.only_first_subscribe;
        } else if !self.process_subscribe {
            self.dist.send_to_all(cx, msg);
            return Ok(());
        }
        let whole = first && !msg.more();
        match msg.data().first() {
            Some(&1) => {
                self.subs.add(&msg.data()[1..]);
                self.process_subscribe = true;
            }
            Some(&0) => {
                self.process_subscribe = true;
                if !self.subs.rm(&msg.data()[1..]) && !self.verbose_unsubs {
                    msg.clear();
                    return Ok(());
                }
            }
            _ => {
                self.dist.send_to_all(cx, msg);
                return Ok(());
            }
        }
        if whole {
            msg.set_flags(flags::SUBSCRIPTION);
        }
        self.dist.send_to_all(cx, msg);
        Ok(())
    }

    #[inline]
    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        // ZMQ_CONFLATE (SUB) is the pipes': the newest message waits, and
        // is then filtered, as in libzmq.
        self.recv_filtered(cx, msg)
    }

    fn has_in(&mut self, cx: &mut Core) -> bool {
        if self.more_recv || self.prefetched.is_some() {
            return true;
        }
        let mut m = Msg::new();
        loop {
            if self.fq.recv(cx, &mut m).is_err() {
                return false;
            }
            if self.matches(&m) {
                self.prefetched = Some(m);
                return true;
            }
            while m.more() {
                if self.fq.recv(cx, &mut m).is_err() {
                    return false;
                }
            }
        }
    }

    fn has_out(&mut self, _cx: &mut Core) -> bool {
        !self.is_sub
    }

    fn setsockopt(&mut self, cx: &mut Core, option: i32, value: &[u8]) -> Option<Result<()>> {
        let r = match option {
            opt::SUBSCRIBE | opt::UNSUBSCRIBE if self.is_sub => {
                self.set_subscription(cx, option == opt::SUBSCRIBE, value);
                Ok(())
            }
            opt::ONLY_FIRST_SUBSCRIBE if !self.is_sub => {
                bool_opt(value).map(|b| self.only_first_subscribe = b)
            }
            opt::XSUB_VERBOSE_UNSUBSCRIBE if !self.is_sub => {
                int_opt(value).map(|v| self.verbose_unsubs = v != 0)
            }
            opt::INVERT_MATCHING => int_opt(value).map(|v| self.invert_matching = v != 0),
            _ => return None,
        };
        Some(r)
    }

    fn getsockopt(&self, _cx: &Core, option: i32) -> Option<Result<OptVal>> {
        match option {
            opt::TOPICS_COUNT => Some(Ok(OptVal::Int(self.subs.num_prefixes() as i32))),
            opt::INVERT_MATCHING => Some(Ok(OptVal::Int(self.invert_matching as i32))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{kind, opt};
    use crate::error::Errno;
    use crate::msg::flags;

    #[test]
    fn xsub_passes_everything_and_forwards_subscriptions() {
        let mut h = Harness::new(kind::XSUB);
        let (_a, mut pa) = h.attach(0);
        let (_b, mut pb) = h.attach(0);
        put(&mut pa, &[b"anything"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"anything"]));
        h.send(b"\x01ab", false).unwrap();
        h.send(b"\x01ab", false).unwrap();
        for p in [&mut pa, &mut pb] {
            for _ in 0..2 {
                let m = take_frame(p).unwrap();
                assert_eq!(m.data(), b"\x01ab");
                assert!(m.flags() & flags::SUBSCRIPTION != 0);
            }
        }
        // Unsubscribe goes upstream only when the count reaches 0 (S2).
        h.send(b"\x00ab", false).unwrap();
        assert_eq!(take(&mut pa), None);
        h.send(b"\x00ab", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"\x00ab"])));
        h.send(b"\x00never", false).unwrap();
        assert_eq!(take(&mut pa), None);
        assert_eq!(drain(&mut pb), 1);
        // Upstream user data goes to everyone, without the flag.
        h.send_parts(&[b"data", b"x"]).unwrap();
        let m = take_frame(&mut pb).unwrap();
        assert_eq!(
            (m.data(), m.flags() & flags::SUBSCRIPTION),
            (&b"data"[..], 0)
        );
    }

    #[test]
    fn xsub_verbose_unsubscribe_and_topics_count() {
        let mut h = Harness::new(kind::XSUB);
        h.setint(opt::XSUB_VERBOSE_UNSUBSCRIBE, 1);
        let (_a, mut pa) = h.attach(0);
        h.send(b"\x01t", false).unwrap();
        h.send(b"\x01t", false).unwrap();
        h.send(b"\x01u", false).unwrap();
        assert_eq!(
            h.pat.getsockopt(&h.cx, opt::TOPICS_COUNT),
            Some(Ok(crate::options::OptVal::Int(2)))
        );
        h.send(b"\x00t", false).unwrap();
        assert_eq!(drain(&mut pa), 4);
        assert_eq!(
            h.setopt(opt::SUBSCRIBE, b"x"),
            None,
            "libzmq's XSUB has no SUBSCRIBE option"
        );
    }

    #[test]
    fn sub_cannot_send() {
        let mut h = Harness::new(kind::SUB);
        assert_eq!(h.send(b"x", false), Err(Errno::ENOTSUP));
        assert!(!h.has_out());
    }
}
