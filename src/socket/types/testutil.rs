//! Test harness: a `Core` plus in-memory pipes whose far ends the test
//! drives as the peers.

use crate::error::{Errno, Result};
use crate::msg::{flags, Msg};
use crate::options::Options;
use crate::pipe::{pair, Pipe, PipeEvent, PipeEvents, Read};
use crate::socket::{Core, Pattern, PipeId, PipeInfo, Pipes};
use parking_lot::Mutex;
use std::sync::Arc;

/// Collects pipe events like the socket's mailbox does.
#[derive(Default)]
pub struct Events(Mutex<Vec<(u64, PipeEvent)>>);

impl PipeEvents for Events {
    fn pipe_event(&self, token: u64, ev: PipeEvent) {
        self.0.lock().push((token, ev));
    }
}

pub struct Harness {
    pub cx: Core,
    pub pat: Box<dyn Pattern>,
    pub events: Arc<Events>,
}

impl Harness {
    pub fn new(socket_type: i32) -> Harness {
        Harness {
            cx: Core {
                options: Options::new(socket_type, true),
                pipes: Pipes::default(),
                dead: vec![],
            },
            pat: super::new_pattern(socket_type).unwrap(),
            events: Arc::default(),
        }
    }

    /// What the socket base does in `process_commands`: delivers pipe events.
    pub fn process(&mut self) {
        let evs = std::mem::take(&mut *self.events.0.lock());
        for (token, ev) in evs {
            let Some(id) = self.cx.pipes.resolve(token) else {
                continue;
            };
            match ev {
                PipeEvent::Readable => self.pat.read_activated(&mut self.cx, id),
                PipeEvent::Writable => self.pat.write_activated(&mut self.cx, id),
                PipeEvent::Hiccup => self.pat.hiccuped(&mut self.cx, id),
                PipeEvent::Closed => {
                    if self.cx.pipes.get(id).is_some_and(|p| p.has_msg()) {
                        self.pat.read_activated(&mut self.cx, id);
                    } else {
                        self.cx.pipe_dead(id);
                    }
                }
            }
        }
        self.reap();
    }

    pub fn has_in(&mut self) -> bool {
        self.process();
        let r = self.pat.has_in(&mut self.cx);
        self.reap();
        r
    }

    pub fn has_out(&mut self) -> bool {
        self.process();
        let r = self.pat.has_out(&mut self.cx);
        self.reap();
        r
    }

    /// Attaches a new pipe with `hwm` both ways; returns its id and the peer end.
    pub fn attach(&mut self, hwm: i64) -> (PipeId, Pipe) {
        self.attach_info(hwm, &PipeInfo::default())
    }

    pub fn attach_info(&mut self, hwm: i64, info: &PipeInfo) -> (PipeId, Pipe) {
        let (ours, peer) = pair([hwm, hwm]);
        let id = self.cx.pipes.insert(ours);
        let token = self.cx.pipes.token(id);
        self.cx
            .pipes
            .get(id)
            .unwrap()
            .set_notifier(self.events.clone(), token);
        self.pat.attach(&mut self.cx, id, info);
        self.reap();
        (id, peer)
    }

    /// What the socket base does after each call: detach dead pipes.
    pub fn reap(&mut self) {
        while let Some(id) = self.cx.dead.pop() {
            if self.cx.pipes.get(id).is_some() {
                self.pat.detach(&mut self.cx, id);
                if let Some(mut p) = self.cx.pipes.remove(id) {
                    p.terminate();
                }
            }
        }
    }

    pub fn detach(&mut self, id: PipeId) {
        self.cx.pipe_dead(id);
        self.reap();
    }

    pub fn send(&mut self, data: &[u8], more: bool) -> Result<()> {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        self.process();
        let r = self.pat.send(&mut self.cx, &mut m);
        self.reap();
        r
    }

    /// Sends a whole message.
    pub fn send_parts(&mut self, parts: &[&[u8]]) -> Result<()> {
        for (i, p) in parts.iter().enumerate() {
            self.send(p, i + 1 < parts.len())?;
        }
        Ok(())
    }

    pub fn recv(&mut self) -> Result<Msg> {
        let mut m = Msg::new();
        self.process();
        let r = self.pat.recv(&mut self.cx, &mut m);
        self.reap();
        r.map(|_| m)
    }

    /// Receives a whole message as byte vectors.
    pub fn recv_parts(&mut self) -> Result<Vec<Vec<u8>>> {
        let mut out = vec![];
        loop {
            let m = self.recv()?;
            out.push(m.data().to_vec());
            if !m.more() {
                return Ok(out);
            }
        }
    }

    pub fn recv_err(&mut self) -> Errno {
        self.recv().unwrap_err()
    }

    pub fn read_activated(&mut self, id: PipeId) {
        self.pat.read_activated(&mut self.cx, id);
        self.reap();
    }

    pub fn write_activated(&mut self, id: PipeId) {
        self.pat.write_activated(&mut self.cx, id);
        self.reap();
    }

    pub fn setopt(&mut self, option: i32, value: &[u8]) -> Option<Result<()>> {
        let r = self.pat.setsockopt(&mut self.cx, option, value);
        self.reap();
        r
    }

    pub fn setint(&mut self, option: i32, v: i32) {
        self.setopt(option, &v.to_ne_bytes()).unwrap().unwrap();
    }
}

/// Writes a whole message into a peer end.
pub fn put(peer: &mut Pipe, parts: &[&[u8]]) {
    for (i, p) in parts.iter().enumerate() {
        let mut m = Msg::from_slice(p);
        m.set_more(i + 1 < parts.len());
        peer.write(m).unwrap();
    }
}

/// Writes a ROUTING_ID frame into a peer end (what a session does first).
pub fn put_id(peer: &mut Pipe, id: &[u8]) {
    let mut m = Msg::from_slice(id);
    m.set_flags(flags::ROUTING_ID);
    peer.write(m).unwrap();
}

/// Reads a whole message from a peer end (None if empty).
pub fn take(peer: &mut Pipe) -> Option<Vec<Vec<u8>>> {
    let mut out = vec![];
    loop {
        match peer.read() {
            Read::Msg(m) => {
                out.push(m.data().to_vec());
                if !m.more() {
                    return Some(out);
                }
            }
            _ => {
                assert!(out.is_empty(), "half a message");
                return None;
            }
        }
    }
}

/// Reads one frame keeping its flags.
pub fn take_frame(peer: &mut Pipe) -> Option<Msg> {
    match peer.read() {
        Read::Msg(m) => Some(m),
        _ => None,
    }
}

/// Counts whole messages waiting in a peer end (drains it).
pub fn drain(peer: &mut Pipe) -> usize {
    let mut n = 0;
    while take(peer).is_some() {
        n += 1;
    }
    n
}

pub fn v(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}
