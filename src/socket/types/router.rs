//! ROUTER (libzmq `router.cpp`, RFC 28, BEHAVIOUR I1–I4, P8, P10).
//!
//! Each peer is known by its routing id: the first frame its session pushes
//! (flagged ROUTING_ID; empty = "generate one"), or ZMQ_CONNECT_ROUTING_ID
//! for a pipe we initiated. Received messages are prefixed with the id;
//! sent messages are routed by their first frame, looked up once per message.

use super::dealer::send_probe;
use super::{bool_opt, opt};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::Read;
use crate::random;
use crate::socket::strategy::fq::Fq;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};
use std::collections::HashMap;

pub(crate) struct Router {
    fq: Fq,
    /// Per pipe id: its routing id as a ready frame (MORE set); None while
    /// the pipe is anonymous or rejected.
    ids: Vec<Option<Msg>>,
    /// Routing id → pipe.
    out: HashMap<Vec<u8>, PipeId>,
    /// Pipes whose routing id has not arrived yet.
    anonymous: Vec<PipeId>,
    /// Pipes refused for a duplicate id (no HANDOVER): their input is read
    /// and discarded so it cannot pile up (B5).
    rejected: Vec<PipeId>,
    /// Counter for generated ids (I1), random start (B2).
    next_id: u32,

    /// The body frame that follows the id frame returned by `recv`.
    prefetched: Option<Msg>,
    /// A received message is half read.
    more_in: bool,
    current_in: Option<PipeId>,
    /// The current input pipe lost its id to a newcomer (HANDOVER): close
    /// it once its current message is read.
    terminate_current_in: bool,

    /// A sent message is half written.
    more_out: bool,
    /// Where the rest of the message goes; None: dropped.
    current_out: Option<PipeId>,

    mandatory: bool,
    handover: bool,
    probe_router: bool,
    /// ZMQ_ROUTER_RAW (deprecated): peers speak raw bytes, as STREAM's
    /// (libzmq's `_raw_socket`): generated ids, one data frame per message,
    /// an empty data frame closes the connection.
    raw: bool,
}

enum Identify {
    Done,
    /// The id frame is not there yet.
    Pending,
    Rejected,
    Dead,
}

impl Router {
    pub fn new() -> Router {
        Router {
            fq: Fq::default(),
            ids: Vec::new(),
            out: HashMap::new(),
            anonymous: Vec::new(),
            rejected: Vec::new(),
            next_id: random::u32(),
            prefetched: None,
            more_in: false,
            current_in: None,
            terminate_current_in: false,
            more_out: false,
            current_out: None,
            mandatory: false,
            handover: false,
            probe_router: false,
            raw: false,
        }
    }

    /// A fresh 5-byte id: 0x00 + big-endian counter (I1), not in use.
    fn generate_id(&mut self) -> Vec<u8> {
        loop {
            let mut id = vec![0u8; 5];
            id[1..].copy_from_slice(&self.next_id.to_be_bytes());
            self.next_id = self.next_id.wrapping_add(1);
            if !self.out.contains_key(&id) {
                return id;
            }
        }
    }

    fn set_id(&mut self, pipe: PipeId, id: Vec<u8>) {
        if self.ids.len() <= pipe {
            self.ids.resize_with(pipe + 1, || None);
        }
        let mut frame = Msg::from_slice(&id);
        frame.set_more(true);
        self.ids[pipe] = Some(frame);
        self.out.insert(id, pipe);
    }

    /// libzmq `identify_peer`.
    fn identify(&mut self, cx: &mut Core, pipe: PipeId, connect_id: Option<&[u8]>) -> Identify {
        let id = match connect_id {
            Some(id) => id.to_vec(),
            // A raw peer sends no id: always generate one.
            None if cx.options.raw_socket => self.generate_id(),
            None => {
                let Some(p) = cx.pipes.get_mut(pipe) else {
                    return Identify::Dead;
                };
                let m = match p.read() {
                    Read::Msg(m) => m,
                    Read::Empty => return Identify::Pending,
                    Read::Closed => {
                        cx.pipe_dead(pipe);
                        return Identify::Dead;
                    }
                };
                if m.more() {
                    // Not an id frame (contract violation): discard that
                    // message and give the peer a generated id.
                    while let Read::Msg(f) = p.read() {
                        if !f.more() {
                            break;
                        }
                    }
                    self.generate_id()
                } else if m.is_empty() {
                    self.generate_id()
                } else {
                    m.data().to_vec()
                }
            }
        };
        if let Some(&old) = self.out.get(&id) {
            if !self.handover {
                return Identify::Rejected;
            }
            // HANDOVER: the old pipe gets a generated id and is closed; the
            // newcomer takes the name (I3).
            let fresh = self.generate_id();
            self.out.remove(&id);
            self.set_id(old, fresh);
            if self.current_in == Some(old) && self.more_in {
                self.terminate_current_in = true;
            } else {
                cx.pipe_dead(old);
            }
        }
        self.set_id(pipe, id);
        Identify::Done
    }

    fn try_identify(&mut self, cx: &mut Core, pipe: PipeId, connect_id: Option<&[u8]>) {
        match self.identify(cx, pipe, connect_id) {
            Identify::Done => {
                self.anonymous.retain(|&p| p != pipe);
                self.fq.attach(pipe);
            }
            Identify::Pending => {
                if !self.anonymous.contains(&pipe) {
                    self.anonymous.push(pipe);
                }
            }
            Identify::Rejected => {
                self.anonymous.retain(|&p| p != pipe);
                self.rejected.push(pipe);
                Self::discard_input(cx, pipe);
            }
            Identify::Dead => self.anonymous.retain(|&p| p != pipe),
        }
    }

    fn discard_input(cx: &mut Core, pipe: PipeId) {
        if let Some(p) = cx.pipes.get_mut(pipe) {
            loop {
                match p.read() {
                    Read::Msg(_) => {}
                    Read::Empty => return,
                    Read::Closed => {
                        cx.pipe_dead(pipe);
                        return;
                    }
                }
            }
        }
    }

    fn end_of_input_message(&mut self, cx: &mut Core) {
        if self.terminate_current_in {
            self.terminate_current_in = false;
            if let Some(p) = self.current_in {
                cx.pipe_dead(p);
            }
        }
        self.current_in = None;
    }
}

impl Pattern for Router {
    fn attach(&mut self, cx: &mut Core, id: PipeId, info: &PipeInfo) {
        if let Some(p) = cx.pipes.get_mut(id) {
            p.keep_routing_id = true;
        }
        if self.probe_router {
            send_probe(cx, id);
        }
        let connect_id = if info.locally_initiated {
            info.connect_routing_id.as_deref()
        } else {
            None
        };
        self.try_identify(cx, id, connect_id.filter(|c| !c.is_empty()));
    }

    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.detach(id);
        self.anonymous.retain(|&p| p != id);
        self.rejected.retain(|&p| p != id);
        if let Some(frame) = self.ids.get_mut(id).and_then(Option::take) {
            if self.out.get(frame.data()) == Some(&id) {
                self.out.remove(frame.data());
            }
        }
        if self.current_out == Some(id) {
            self.current_out = None;
        }
        if self.current_in == Some(id) {
            self.current_in = None;
            self.terminate_current_in = false;
        }
    }

    fn read_activated(&mut self, cx: &mut Core, id: PipeId) {
        if self.anonymous.contains(&id) {
            self.try_identify(cx, id, None);
        } else if self.rejected.contains(&id) {
            Self::discard_input(cx, id);
        } else {
            self.fq.activated(id);
        }
    }

    fn write_activated(&mut self, _cx: &mut Core, _id: PipeId) {}

    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The first frame names the peer. Without MORE the message is
            // malformed and silently dropped (P10).
            if msg.more() {
                self.more_out = true;
                match self.out.get(msg.data()) {
                    Some(&id) => match cx.pipes.get(id) {
                        Some(p) if p.check_write() => self.current_out = Some(id),
                        Some(p) => {
                            let closed = p.is_peer_closed();
                            if closed {
                                cx.pipe_dead(id);
                            }
                            if self.mandatory {
                                self.more_out = false;
                                return Err(if closed {
                                    Errno::EHOSTUNREACH
                                } else {
                                    Errno::EAGAIN
                                });
                            }
                        }
                        None => {
                            if self.mandatory {
                                self.more_out = false;
                                return Err(Errno::EHOSTUNREACH);
                            }
                        }
                    },
                    None => {
                        if self.mandatory {
                            self.more_out = false;
                            return Err(Errno::EHOSTUNREACH);
                        }
                    }
                }
            }
            msg.clear();
            return Ok(());
        }
        if cx.options.raw_socket {
            msg.set_more(false);
        }
        self.more_out = msg.more();
        if let (true, true, Some(id)) = (self.raw, msg.is_empty(), self.current_out) {
            // Raw: an empty data frame closes that connection.
            self.current_out = None;
            cx.pipe_dead(id);
            msg.clear();
            return Ok(());
        }
        if let Some(id) = self.current_out {
            let ok = match cx.pipes.get_mut(id) {
                Some(p) => p.write(msg.take()).is_ok(),
                None => false,
            };
            if !ok {
                if let Some(p) = cx.pipes.get_mut(id) {
                    p.rollback();
                }
                self.current_out = None;
            } else if !self.more_out {
                self.current_out = None;
            }
        }
        msg.clear();
        Ok(())
    }

    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if let Some(body) = self.prefetched.take() {
            *msg = body;
            self.more_in = msg.more();
            if !self.more_in {
                self.end_of_input_message(cx);
            }
            return Ok(());
        }
        let pipe = loop {
            let pipe = self.fq.recv(cx, msg)?;
            // Routing ids pushed again after a reconnect are not data.
            if !self.more_in && msg.is_routing_id() {
                continue;
            }
            break pipe;
        };
        if self.more_in {
            self.more_in = msg.more();
            if !self.more_in {
                self.end_of_input_message(cx);
            }
            return Ok(());
        }
        let Some(mut id) = self.ids.get(pipe).and_then(|f| f.clone()) else {
            // Cannot happen: only identified pipes are read. Drop the message.
            let mut m = std::mem::take(msg);
            while m.more() && self.fq.recv(cx, &mut m).is_ok() {}
            return Err(Errno::EAGAIN);
        };
        id.set_metadata(msg.metadata().cloned());
        self.prefetched = Some(std::mem::replace(msg, id));
        self.current_in = Some(pipe);
        self.more_in = true;
        Ok(())
    }

    fn has_in(&mut self, cx: &mut Core) -> bool {
        if self.more_in || self.prefetched.is_some() {
            return true;
        }
        loop {
            if !self.fq.has_in(cx) {
                return false;
            }
            if self.fq.peek().is_some_and(|m| m.is_routing_id()) {
                let mut skip = Msg::new();
                let _ = self.fq.recv(cx, &mut skip);
                continue;
            }
            return true;
        }
    }

    fn has_out(&mut self, cx: &mut Core) -> bool {
        if !self.mandatory {
            return true;
        }
        self.out
            .values()
            .any(|&id| cx.pipes.get(id).is_some_and(|p| p.check_write()))
    }

    fn setsockopt(&mut self, cx: &mut Core, option: i32, value: &[u8]) -> Option<Result<()>> {
        match option {
            opt::ROUTER_MANDATORY => Some(bool_opt(value).map(|b| self.mandatory = b)),
            opt::ROUTER_HANDOVER => Some(bool_opt(value).map(|b| self.handover = b)),
            opt::PROBE_ROUTER => Some(bool_opt(value).map(|b| self.probe_router = b)),
            // Like libzmq, turning it off again leaves the connections raw
            // (only the close-by-empty-frame rule goes).
            opt::ROUTER_RAW => Some(bool_opt(value).map(|b| {
                self.raw = b;
                if b {
                    cx.options.recv_routing_id = false;
                    cx.options.raw_socket = true;
                }
            })),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{kind, opt};
    use crate::error::Errno;
    use crate::socket::PipeInfo;

    #[test]
    fn identity_from_routing_id_frame_and_routing() {
        let mut h = Harness::new(kind::ROUTER);
        let (_a, mut pa) = h.attach(0);
        put_id(&mut pa, b"alice");
        put(&mut pa, &[b"hi"]);
        // No id frame yet: the pipe stays anonymous until read_activated.
        let (b, mut pb) = h.attach(0);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"alice", b"hi"]));
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        put_id(&mut pb, b"bob");
        put(&mut pb, &[b"yo", b"2"]);
        h.read_activated(b);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"bob", b"yo", b"2"]));
        h.send_parts(&[b"bob", b"back", b"x"]).unwrap();
        assert_eq!(take(&mut pb), Some(v(&[b"back", b"x"])));
        // Unknown id: silently dropped; so is a message without MORE on the id.
        h.send_parts(&[b"carol", b"lost"]).unwrap();
        h.send(b"alice", false).unwrap();
        assert_eq!(take(&mut pa), None);
    }

    #[test]
    fn generated_ids_and_reconnect_id_frames_skipped() {
        let mut h = Harness::new(kind::ROUTER);
        let (_a, mut pa) = h.attach(0);
        put_id(&mut pa, b"");
        put(&mut pa, &[b"x"]);
        let (_b, mut pb) = h.attach(0);
        put_id(&mut pb, b"");
        put(&mut pb, &[b"y"]);
        let (_c, mut pc) = h.attach(0);
        put_id(&mut pc, b"");
        let ma = h.recv_parts().unwrap();
        let mb = h.recv_parts().unwrap();
        assert_eq!(ma[0].len(), 5);
        assert_eq!(ma[0][0], 0);
        assert_eq!(mb[0][0], 0);
        let na = u32::from_be_bytes(ma[0][1..].try_into().unwrap());
        let nb = u32::from_be_bytes(mb[0][1..].try_into().unwrap());
        assert_eq!(nb, na.wrapping_add(1));
        // After a reconnect the session pushes the id again: not data.
        put_id(&mut pa, b"");
        put(&mut pa, &[b"z"]);
        assert!(h.has_in());
        assert_eq!(h.recv_parts().unwrap(), vec![ma[0].clone(), b"z".to_vec()]);
        assert!(!h.has_in());
    }

    #[test]
    fn mandatory_unreachable_and_full() {
        let mut h = Harness::new(kind::ROUTER);
        h.setint(opt::ROUTER_MANDATORY, 1);
        assert_eq!(h.send(b"nobody", true), Err(Errno::EHOSTUNREACH));
        let info = PipeInfo {
            locally_initiated: true,
            connect_routing_id: Some(b"peer".to_vec()),
            ..PipeInfo::default()
        };
        let (_a, mut pa) = h.attach_info(1, &info);
        assert!(h.has_out());
        h.send_parts(&[b"peer", b"1"]).unwrap();
        assert_eq!(h.send(b"peer", true), Err(Errno::EAGAIN));
        assert!(!h.has_out());
        assert_eq!(take(&mut pa), Some(v(&[b"1"])));
        h.send_parts(&[b"peer", b"2"]).unwrap();
        drop(pa);
        assert_eq!(h.send(b"peer", true), Err(Errno::EHOSTUNREACH));
    }

    #[test]
    fn full_without_mandatory_drops() {
        let mut h = Harness::new(kind::ROUTER);
        let info = PipeInfo {
            locally_initiated: true,
            connect_routing_id: Some(b"p".to_vec()),
            ..PipeInfo::default()
        };
        let (_a, mut pa) = h.attach_info(1, &info);
        for _ in 0..5 {
            h.send_parts(&[b"p", b"m"]).unwrap();
        }
        assert_eq!(drain(&mut pa), 1);
    }

    #[test]
    fn duplicate_id_rejected_without_handover() {
        let mut h = Harness::new(kind::ROUTER);
        let (_a, mut pa) = h.attach(0);
        put_id(&mut pa, b"same");
        h.process();
        let (b, mut pb) = h.attach(0);
        put_id(&mut pb, b"same");
        h.read_activated(b);
        put(&mut pb, &[b"intruder"]);
        h.read_activated(b);
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        assert_eq!(
            pb.out_pending(),
            0,
            "rejected pipe's input is discarded (no B5 growth)"
        );
        h.send_parts(&[b"same", b"to a"]).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"to a"])));
        assert_eq!(take(&mut pb), None);
    }

    #[test]
    fn handover_moves_the_name() {
        let mut h = Harness::new(kind::ROUTER);
        h.setint(opt::ROUTER_HANDOVER, 1);
        let (a, mut pa) = h.attach(0);
        put_id(&mut pa, b"same");
        h.process();
        let (b, mut pb) = h.attach(0);
        put_id(&mut pb, b"same");
        h.read_activated(b);
        assert!(h.cx.pipes.get(a).is_none(), "old pipe closed");
        h.send_parts(&[b"same", b"to b"]).unwrap();
        assert_eq!(take(&mut pb), Some(v(&[b"to b"])));
        assert_eq!(take(&mut pa), None);
    }

    #[test]
    fn raw_generates_ids_ends_messages_and_closes_on_empty() {
        let mut h = Harness::new(kind::ROUTER);
        h.setint(opt::ROUTER_RAW, 1);
        assert!(h.cx.options.raw_socket && !h.cx.options.recv_routing_id);
        let (a, mut pa) = h.attach(0);
        put(&mut pa, &[b""]);
        put(&mut pa, &[b"bytes"]);
        h.read_activated(a);
        let m = h.recv_parts().unwrap();
        assert_eq!((m[0].len(), m[0][0], m[1].len()), (5, 0, 0));
        let id = m[0].clone();
        assert_eq!(h.recv_parts().unwrap(), vec![id.clone(), b"bytes".to_vec()]);
        h.send(&id, true).unwrap();
        h.send(b"reply", true).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"reply"])));
        h.send_parts(&[&id, b""]).unwrap();
        assert!(h.cx.pipes.get(a).is_none(), "closed by the empty frame");
        assert!(pa.is_peer_closed());
    }

    #[test]
    fn probe_router_and_options() {
        let mut h = Harness::new(kind::ROUTER);
        h.setint(opt::PROBE_ROUTER, 1);
        assert_eq!(
            h.setopt(opt::ROUTER_RAW, &(-1i32).to_ne_bytes()),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(
            h.setopt(opt::ROUTER_MANDATORY, b"xx"),
            Some(Err(Errno::EINVAL))
        );
        let (_a, mut pa) = h.attach(0);
        assert_eq!(take(&mut pa), Some(v(&[b""])));
    }
}
