//! XPUB and PUB (libzmq `xpub.cpp`, `pub.cpp`, RFC 29, BEHAVIOUR S1–S9, P7, P9).
//!
//! Subscriptions arriving on a pipe (any first frame starting with 0x01 or
//! 0x00, S4) go into a [`MTrie`]; a sent message goes to every pipe
//! subscribed to a prefix of its first frame, found by walking that frame
//! down the trie. Full pipes miss the message (P7), unless XPUB_NODROP
//! makes the send wait (P9). XPUB also hands (un)subscriptions and upstream
//! data to the application; PUB discards them and cannot receive.

use super::{bool_opt, int_opt, opt};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::options::OptVal;
use crate::pipe::Read;
use crate::socket::strategy::dist::Dist;
use crate::socket::strategy::trie::{MTrie, RmResult};
use crate::socket::{Core, Pattern, PipeId, PipeInfo};
use std::collections::VecDeque;

/// Where a message queued for the application came from.
enum Origin {
    /// Upstream user data.
    Data,
    /// An (un)subscription; in manual mode, the pipe's token (None: the
    /// pipe is gone) becomes the target of the next SUBSCRIBE (S7).
    Sub(Option<u64>),
}

pub(crate) struct XPub {
    /// PUB: no receiving, nothing queued for the application.
    is_pub: bool,
    dist: Dist,
    subs: MTrie,
    /// Manual mode: what each pipe asked for, to report on termination.
    manual_subs: MTrie,
    pending: VecDeque<(Msg, Origin)>,
    verbose_subs: bool,
    verbose_unsubs: bool,
    /// Not XPUB_NODROP.
    lossy: bool,
    manual: bool,
    /// XPUB_MANUAL_LAST_VALUE.
    send_last_pipe: bool,
    only_first_subscribe: bool,
    invert_matching: bool,
    welcome: Option<Msg>,
    /// Token of the pipe whose subscription was received last (manual mode).
    last_pipe: Option<u64>,
    more_send: bool,
}

impl XPub {
    pub fn new(is_pub: bool) -> XPub {
        XPub {
            is_pub,
            dist: Dist::default(),
            subs: MTrie::default(),
            manual_subs: MTrie::default(),
            pending: VecDeque::new(),
            verbose_subs: false,
            verbose_unsubs: false,
            lossy: true,
            manual: false,
            send_last_pipe: false,
            only_first_subscribe: false,
            invert_matching: false,
            welcome: None,
            last_pipe: None,
            more_send: false,
        }
    }

    fn last_pipe(&self, cx: &Core) -> Option<PipeId> {
        self.last_pipe
            .and_then(|t| cx.pipes.resolve(t))
            .filter(|&id| self.dist.has_pipe(id))
    }

    fn queue_unsubscription(pending: &mut VecDeque<(Msg, Origin)>, topic: &[u8]) {
        let mut body = Vec::with_capacity(topic.len() + 1);
        body.push(0);
        body.extend_from_slice(topic);
        pending.push_back((Msg::from_vec(body), Origin::Sub(None)));
    }

    /// libzmq `xread_activated`: applies every queued (un)subscription.
    fn read_subscriptions(&mut self, cx: &mut Core, id: PipeId) {
        let token = cx.pipes.token(id);
        let Some(p) = cx.pipes.get_mut(id) else {
            return;
        };
        let mut more_recv = false;
        let mut process_subscribe = false;
        loop {
            let mut m = match p.read() {
                Read::Msg(m) => m,
                Read::Empty => break,
                Read::Closed => {
                    cx.pipe_dead(id);
                    break;
                }
            };
            let first = !more_recv;
            more_recv = m.more();
            let mut sub = None;
            if first || process_subscribe {
                match m.data().first() {
                    Some(1) => sub = Some(true),
                    Some(0) => sub = Some(false),
                    _ => {}
                }
            }
            if first {
                process_subscribe = !self.only_first_subscribe || sub.is_some();
            }
            match sub {
                Some(subscribe) => {
                    let topic = &m.data()[1..];
                    let notify = if self.manual {
                        if subscribe {
                            self.manual_subs.add(topic, id);
                        } else {
                            self.manual_subs.rm(topic, id);
                        }
                        true
                    } else if subscribe {
                        self.subs.add(topic, id) || self.verbose_subs
                    } else {
                        self.subs.rm(topic, id) != RmResult::ValuesRemain || self.verbose_unsubs
                    };
                    if notify && !self.is_pub {
                        m.reset_flags(u8::MAX);
                        let origin = Origin::Sub(self.manual.then_some(token));
                        self.pending.push_back((m, origin));
                    }
                }
                None => {
                    if !self.is_pub {
                        self.pending.push_back((m, Origin::Data));
                    }
                }
            }
        }
    }
}

impl Pattern for XPub {
    fn attach(&mut self, cx: &mut Core, id: PipeId, _info: &PipeInfo) {
        self.dist.attach(id);
        if let Some(w) = &self.welcome {
            if let Some(p) = cx.pipes.get_mut(id) {
                let _ = p.write(w.clone());
            }
        }
        self.read_subscriptions(cx, id);
    }

    fn detach(&mut self, cx: &mut Core, id: PipeId) {
        let is_pub = self.is_pub;
        let pending = &mut self.pending;
        if self.manual {
            self.manual_subs.rm_pipe(id, |topic, _| {
                if !is_pub {
                    Self::queue_unsubscription(pending, topic);
                }
            });
            self.subs.rm_pipe(id, |_, _| {});
        } else {
            let verbose = self.verbose_unsubs;
            self.subs.rm_pipe(id, |topic, now_empty| {
                if !is_pub && (verbose || now_empty) {
                    Self::queue_unsubscription(pending, topic);
                }
            });
        }
        if self.last_pipe == Some(cx.pipes.token(id)) {
            self.last_pipe = None;
        }
        self.dist.detach(id);
    }

    fn read_activated(&mut self, cx: &mut Core, id: PipeId) {
        self.read_subscriptions(cx, id);
    }

    fn write_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.dist.activated(id);
    }

    #[inline]
    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        let more = msg.more();
        if !self.more_send {
            // Forget matches left by an earlier send that got EAGAIN.
            self.dist.unmatch();
            let dist = &mut self.dist;
            if self.manual && self.send_last_pipe && self.last_pipe.is_some() {
                let last = self.last_pipe.and_then(|t| cx.pipes.resolve(t));
                self.subs.match_(msg.data(), |p| {
                    if Some(p) == last {
                        dist.match_pipe(p)
                    }
                });
                self.last_pipe = None;
            } else {
                self.subs.match_(msg.data(), |p| dist.match_pipe(p));
            }
            if self.invert_matching {
                self.dist.reverse_match();
            }
            if !self.lossy && !self.dist.check_hwm(cx) {
                return Err(Errno::EAGAIN);
            }
        }
        self.dist.send_to_matching(cx, msg);
        if !more {
            self.dist.unmatch();
        }
        self.more_send = more;
        Ok(())
    }

    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if self.is_pub {
            return Err(Errno::ENOTSUP);
        }
        let Some((m, origin)) = self.pending.pop_front() else {
            return Err(Errno::EAGAIN);
        };
        if self.manual {
            if let Origin::Sub(token) = origin {
                self.last_pipe = token;
                self.last_pipe = self.last_pipe(cx).map(|id| cx.pipes.token(id));
            }
        }
        *msg = m;
        Ok(())
    }

    fn has_in(&mut self, _cx: &mut Core) -> bool {
        !self.is_pub && !self.pending.is_empty()
    }

    fn has_out(&mut self, _cx: &mut Core) -> bool {
        true
    }

    fn setsockopt(&mut self, cx: &mut Core, option: i32, value: &[u8]) -> Option<Result<()>> {
        let r = match option {
            opt::XPUB_VERBOSE => bool_opt(value).map(|b| {
                self.verbose_subs = b;
                self.verbose_unsubs = false;
            }),
            opt::XPUB_VERBOSER => bool_opt(value).map(|b| {
                self.verbose_subs = b;
                self.verbose_unsubs = b;
            }),
            opt::XPUB_MANUAL_LAST_VALUE => bool_opt(value).map(|b| {
                self.manual = b;
                self.send_last_pipe = b;
            }),
            opt::XPUB_NODROP => bool_opt(value).map(|b| self.lossy = !b),
            opt::XPUB_MANUAL => bool_opt(value).map(|b| self.manual = b),
            opt::ONLY_FIRST_SUBSCRIBE => bool_opt(value).map(|b| self.only_first_subscribe = b),
            opt::SUBSCRIBE | opt::UNSUBSCRIBE if self.manual => {
                if let Some(id) = self.last_pipe(cx) {
                    if option == opt::SUBSCRIBE {
                        self.subs.add(value, id);
                    } else {
                        self.subs.rm(value, id);
                    }
                }
                Ok(())
            }
            opt::XPUB_WELCOME_MSG => {
                self.welcome = (!value.is_empty()).then(|| Msg::from_slice(value));
                Ok(())
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
    use crate::options::OptVal;

    fn sub(p: &mut crate::pipe::Pipe, topic: &[u8]) {
        let mut b = vec![1];
        b.extend_from_slice(topic);
        put(p, &[&b]);
    }
    fn unsub(p: &mut crate::pipe::Pipe, topic: &[u8]) {
        let mut b = vec![0];
        b.extend_from_slice(topic);
        put(p, &[&b]);
    }

    #[test]
    fn duplicate_subscriptions_reported_once_s3() {
        let mut h = Harness::new(kind::XPUB);
        let (a, mut pa) = h.attach(0);
        let (b, mut pb) = h.attach(0);
        sub(&mut pa, b"ab");
        sub(&mut pa, b"ab");
        h.read_activated(a);
        sub(&mut pb, b"ab");
        h.read_activated(b);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"\x01ab"]));
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        unsub(&mut pa, b"ab");
        h.read_activated(a);
        assert_eq!(h.recv_err(), Errno::EAGAIN, "b still subscribed");
        // A closing subscriber's last prefixes are reported as \0topic.
        h.detach(b);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"\x00ab"]));
        assert_eq!(
            h.pat.getsockopt(&h.cx, opt::TOPICS_COUNT),
            Some(Ok(OptVal::Int(0)))
        );
    }

    #[test]
    fn verbose_and_verboser() {
        let mut h = Harness::new(kind::XPUB);
        h.setint(opt::XPUB_VERBOSE, 1);
        let (a, mut pa) = h.attach(0);
        for _ in 0..3 {
            sub(&mut pa, b"q");
        }
        unsub(&mut pa, b"q");
        h.read_activated(a);
        for _ in 0..3 {
            assert_eq!(h.recv_parts().unwrap(), v(&[b"\x01q"]));
        }
        // VERBOSE: the unsubscribe is reported only when the prefix empties
        // (sets collapse duplicates, so this one empties it).
        assert_eq!(h.recv_parts().unwrap(), v(&[b"\x00q"]));
        let mut h = Harness::new(kind::XPUB);
        h.setint(opt::XPUB_VERBOSER, 1);
        let (a, mut pa) = h.attach(0);
        let (b, mut pb) = h.attach(0);
        sub(&mut pa, b"q");
        h.read_activated(a);
        sub(&mut pb, b"q");
        h.read_activated(b);
        unsub(&mut pa, b"q");
        h.read_activated(a);
        h.detach(b);
        let all: Vec<_> = std::iter::from_fn(|| h.recv_parts().ok()).collect();
        assert_eq!(
            all,
            vec![
                v(&[b"\x01q"]),
                v(&[b"\x01q"]),
                v(&[b"\x00q"]),
                v(&[b"\x00q"])
            ]
        );
    }

    #[test]
    fn upstream_data_and_nodrop() {
        let mut h = Harness::new(kind::XPUB);
        let (a, mut pa) = h.attach(2);
        put(&mut pa, &[b"data", b"\x01more"]);
        sub(&mut pa, b"");
        h.read_activated(a);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"data", b"\x01more"]));
        assert_eq!(h.recv_parts().unwrap(), v(&[b"\x01"]));
        h.setint(opt::XPUB_NODROP, 1);
        h.send(b"1", false).unwrap();
        h.send(b"2", false).unwrap();
        assert_eq!(h.send(b"3", false), Err(Errno::EAGAIN));
        assert_eq!(take(&mut pa), Some(v(&[b"1"])));
        h.write_activated(a);
        h.send(b"3", false).unwrap();
    }

    #[test]
    fn manual_mode_and_welcome() {
        let mut h = Harness::new(kind::XPUB);
        h.setint(opt::XPUB_MANUAL, 1);
        h.setopt(opt::XPUB_WELCOME_MSG, b"WELCOME")
            .unwrap()
            .unwrap();
        let (a, mut pa) = h.attach(0);
        assert_eq!(take(&mut pa), Some(v(&[b"WELCOME"])));
        sub(&mut pa, b"x");
        h.read_activated(a);
        // Nothing is applied until the application says so.
        h.send(b"x1", false).unwrap();
        assert_eq!(take(&mut pa), None);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"\x01x"]));
        h.setopt(opt::SUBSCRIBE, b"y").unwrap().unwrap();
        h.send(b"x2", false).unwrap();
        h.send(b"y1", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"y1"])));
        assert_eq!(
            h.pat.getsockopt(&h.cx, opt::TOPICS_COUNT),
            Some(Ok(OptVal::Int(1)))
        );
        h.detach(a);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"\x00x"]));
    }

    #[test]
    fn subscribe_without_manual_is_not_ours() {
        let mut h = Harness::new(kind::XPUB);
        assert_eq!(h.setopt(opt::SUBSCRIBE, b"x"), None);
    }
}
