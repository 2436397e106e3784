//! STREAM (libzmq `stream.cpp`, `zmq_socket.adoc`): raw TCP (or IPC) peers
//! that speak no ZMTP. Every connection gets a routing id (5 bytes: 0 and a
//! big-endian counter with a random start, as ROUTER's I1; or
//! ZMQ_CONNECT_ROUTING_ID for a connection we make). Each received message
//! is `[routing id][data]`; with ZMQ_STREAM_NOTIFY (default on) a connect
//! and a disconnect arrive as `[routing id][empty]` (the session writes the
//! empty frame). Sending `[routing id][data]` writes the bytes to that
//! peer; `[routing id][empty]` closes the connection after what was sent
//! before it. An unknown routing id gives EHOSTUNREACH; a peer at its HWM
//! gives EAGAIN.

use super::{int_opt, opt};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::random;
use crate::socket::strategy::fq::Fq;
use crate::socket::{Core, Pattern, PipeId, PipeInfo};
use std::collections::HashMap;

pub(crate) struct Stream {
    fq: Fq,
    /// Per pipe id: its routing id.
    ids: Vec<Option<Vec<u8>>>,
    /// Routing id → pipe.
    out: HashMap<Vec<u8>, PipeId>,
    /// Counter for generated ids.
    next_id: u32,
    /// The data frame that follows the id frame `recv` returned.
    prefetched: Option<Msg>,
    /// The id frame was sent: the next frame is data.
    more_out: bool,
    /// Where the data frame goes; None: dropped.
    current_out: Option<PipeId>,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            fq: Fq::default(),
            ids: Vec::new(),
            out: HashMap::new(),
            next_id: random::u32(),
            prefetched: None,
            more_out: false,
            current_out: None,
        }
    }

    /// libzmq `stream_t::identify_peer`: ZMQ_CONNECT_ROUTING_ID for a
    /// connection we made, else a generated id, which also becomes the
    /// socket's ZMQ_ROUTING_ID (how a client learns its peer's id).
    fn identify(&mut self, cx: &mut Core, pipe: PipeId, info: &PipeInfo) {
        let chosen = info
            .connect_routing_id
            .as_ref()
            .filter(|id| info.locally_initiated && !id.is_empty());
        // libzmq aborts on an id already in use; a generated one is given.
        let id = match chosen {
            Some(id) if !self.out.contains_key(id) => id.clone(),
            _ => {
                let id = loop {
                    let mut id = vec![0u8; 5];
                    id[1..].copy_from_slice(&self.next_id.to_be_bytes());
                    self.next_id = self.next_id.wrapping_add(1);
                    if !self.out.contains_key(&id) {
                        break id;
                    }
                };
                cx.options.routing_id = id.clone();
                id
            }
        };
        if self.ids.len() <= pipe {
            self.ids.resize_with(pipe + 1, || None);
        }
        self.ids[pipe] = Some(id.clone());
        self.out.insert(id, pipe);
    }
}

impl Pattern for Stream {
    fn attach(&mut self, cx: &mut Core, id: PipeId, info: &PipeInfo) {
        self.identify(cx, id, info);
        self.fq.attach(id);
    }

    fn detach(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.detach(id);
        if let Some(rid) = self.ids.get_mut(id).and_then(Option::take) {
            if self.out.get(&rid) == Some(&id) {
                self.out.remove(&rid);
            }
        }
        if self.current_out == Some(id) {
            self.current_out = None;
        }
    }

    fn read_activated(&mut self, _cx: &mut Core, id: PipeId) {
        self.fq.activated(id);
    }

    fn write_activated(&mut self, _cx: &mut Core, _id: PipeId) {}

    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The id frame. Without MORE it is not looked up, and the frame
            // after it is dropped (libzmq).
            if msg.more() {
                let Some(&id) = self.out.get(msg.data()) else {
                    return Err(Errno::EHOSTUNREACH);
                };
                match cx.pipes.get(id) {
                    Some(p) if p.check_write() => self.current_out = Some(id),
                    Some(p) if !p.is_peer_closed() => return Err(Errno::EAGAIN),
                    _ => {
                        cx.pipe_dead(id);
                        return Err(Errno::EHOSTUNREACH);
                    }
                }
            }
            self.more_out = true;
            msg.clear();
            return Ok(());
        }
        // The data frame: MORE is ignored, the message ends here.
        self.more_out = false;
        msg.set_more(false);
        if let Some(id) = self.current_out.take() {
            if msg.is_empty() {
                // Close that connection (after what was sent before).
                cx.pipe_dead(id);
            } else if let Some(p) = cx.pipes.get_mut(id) {
                if p.write(msg.take()).is_err() {
                    p.rollback();
                }
            }
        }
        msg.clear();
        Ok(())
    }

    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()> {
        if let Some(data) = self.prefetched.take() {
            *msg = data;
            return Ok(());
        }
        let pipe = loop {
            let pipe = self.fq.recv(cx, msg)?;
            // An inproc peer's routing id is not data.
            if !msg.is_routing_id() {
                break pipe;
            }
        };
        let Some(rid) = self.ids.get(pipe).and_then(|r| r.as_deref()) else {
            return Err(Errno::EAGAIN);
        };
        let mut frame = Msg::from_slice(rid);
        frame.set_more(true);
        frame.set_metadata(msg.metadata().cloned());
        let mut data = std::mem::replace(msg, frame);
        data.set_more(false);
        self.prefetched = Some(data);
        Ok(())
    }

    fn has_in(&mut self, cx: &mut Core) -> bool {
        self.prefetched.is_some() || self.fq.has_in(cx)
    }

    fn has_out(&mut self, _cx: &mut Core) -> bool {
        true
    }

    fn setsockopt(&mut self, cx: &mut Core, option: i32, value: &[u8]) -> Option<Result<()>> {
        match option {
            opt::STREAM_NOTIFY => Some(match int_opt(value) {
                Ok(v @ (0 | 1)) => {
                    cx.options.raw_notify = v == 1;
                    Ok(())
                }
                _ => Err(Errno::EINVAL),
            }),
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
    fn ids_frames_and_routing() {
        let mut h = Harness::new(kind::STREAM);
        let (a, mut pa) = h.attach(0);
        let id_a = h.cx.options.routing_id.clone();
        assert_eq!((id_a.len(), id_a[0]), (5, 0));
        let (_b, mut pb) = h.attach(0);
        let id_b = h.cx.options.routing_id.clone();
        let na = u32::from_be_bytes(id_a[1..].try_into().unwrap());
        assert_eq!(id_b[1..], na.wrapping_add(1).to_be_bytes());
        put(&mut pa, &[b""]);
        put(&mut pa, &[b"GET /"]);
        h.read_activated(a);
        assert!(h.has_in());
        assert_eq!(h.recv_parts().unwrap(), vec![id_a.clone(), vec![]]);
        assert_eq!(
            h.recv_parts().unwrap(),
            vec![id_a.clone(), b"GET /".to_vec()]
        );
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        // MORE on the data frame is ignored: the message ends there.
        h.send(&id_b, true).unwrap();
        h.send(b"hello", true).unwrap();
        assert_eq!(take(&mut pb), Some(v(&[b"hello"])));
        // Unknown id: EHOSTUNREACH, nothing consumed.
        assert_eq!(h.send(b"nobody", true), Err(Errno::EHOSTUNREACH));
        // An id frame without MORE: the frame after it is dropped.
        h.send(&id_b, false).unwrap();
        h.send(b"lost", false).unwrap();
        assert_eq!(take(&mut pb), None);
    }

    #[test]
    fn empty_frame_closes_and_full_pipe_is_eagain() {
        let mut h = Harness::new(kind::STREAM);
        let (_a, mut pa) = h.attach(1);
        let id = h.cx.options.routing_id.clone();
        h.send_parts(&[&id, b"1"]).unwrap();
        assert_eq!(h.send(&id, true), Err(Errno::EAGAIN));
        assert_eq!(take(&mut pa), Some(v(&[b"1"])));
        let (_b, mut pb) = h.attach(0);
        let id = h.cx.options.routing_id.clone();
        h.send_parts(&[&id, b"2"]).unwrap();
        h.send_parts(&[&id, b""]).unwrap();
        assert_eq!(h.send(&id, true), Err(Errno::EHOSTUNREACH));
        // What was sent before the close still arrives.
        assert_eq!(take(&mut pb), Some(v(&[b"2"])));
        assert!(pb.is_peer_closed());
    }

    #[test]
    fn connect_routing_id_and_notify_option() {
        let mut h = Harness::new(kind::STREAM);
        let info = PipeInfo {
            locally_initiated: true,
            connect_routing_id: Some(b"web".to_vec()),
            ..PipeInfo::default()
        };
        let (_a, mut pa) = h.attach_info(0, &info);
        h.send_parts(&[b"web", b"x"]).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"x"])));
        // The same id again is not taken twice.
        let (_b, _pb) = h.attach_info(0, &info);
        assert_eq!(h.cx.options.routing_id.len(), 5);
        h.setint(opt::STREAM_NOTIFY, 0);
        assert!(!h.cx.options.raw_notify);
        assert_eq!(
            h.setopt(opt::STREAM_NOTIFY, &2i32.to_ne_bytes()),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(h.setopt(opt::STREAM_NOTIFY, b"x"), Some(Err(Errno::EINVAL)));
    }
}
